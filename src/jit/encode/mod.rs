//! Cranelift IR of a Binary-protocol encoder for one struct type.
//!
//! Straight-line code in declaration order: per field a presence test
//! against a constant mask, one capacity check covering the header and a
//! fixed-size value (growth is a helper call), constant header bytes, a
//! byte-swapping store from a constant offset. Strings are copied with one
//! call; lists of scalars are a loop after one capacity check; structs call
//! the child's encoder. Maps, nested containers, uuids and unknown fields go
//! through the interpreter's encoder (helpers).

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I8, I16, I32, I64};
use cranelift_codegen::ir::{AbiParam, Block, BlockArg, InstBuilder, MemFlagsData, Signature, Value};
use cranelift_frontend::{FunctionBuilder, Variable};

use super::rt::{ERROR, EncodeCtx, Helpers, OK};
use crate::idl::ast::Requiredness;
use crate::layout::{FieldLayout, Layouts, StructLayout, ValueKind};
use crate::schema::StructId;

pub(crate) use super::decode::signature;

fn native() -> MemFlagsData {
    MemFlagsData::new().with_notrap()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Plan {
    Scalar(u32),
    Bytes,
    Struct(StructId),
    ScalarList(u32),
    BytesList,
    StructList(StructId),
    Interp,
}

fn scalar_size(k: &ValueKind) -> Option<u32> {
    Some(match k {
        ValueKind::Bool | ValueKind::I8 => 1,
        ValueKind::I16 => 2,
        ValueKind::I32 | ValueKind::Enum(_) => 4,
        ValueKind::I64 | ValueKind::Double => 8,
        _ => return None,
    })
}

struct Gen<'a, 'b> {
    b: &'a mut FunctionBuilder<'b>,
    layouts: &'a Layouts,
    layout: &'a StructLayout,
    call_conv: cranelift_codegen::isa::CallConv,
    ctx: Value,
    block: Value,
    depth: Value,
    buf: Variable,
    pos: Variable,
    cap: Variable,
    error: Block,
}

/// Builds the encoder of `layout` into `b` (an empty function with [`signature`]).
pub(crate) fn build(
    b: &mut FunctionBuilder<'_>,
    layouts: &Layouts,
    layout: &StructLayout,
    call_conv: cranelift_codegen::isa::CallConv,
) {
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let params = b.block_params(entry).to_vec();
    let (ctx, block, depth) = (params[0], params[1], params[2]);
    let buf = b.declare_var(I64);
    let pos = b.declare_var(I64);
    let cap = b.declare_var(I64);
    let error = b.create_block();
    let mut g = Gen { b, layouts, layout, call_conv, ctx, block, depth, buf, pos, cap, error };
    g.reload();
    g.body();
    g.b.switch_to_block(g.error);
    let e = g.b.ins().iconst(I32, i64::from(ERROR));
    g.b.ins().return_(&[e]);
    g.b.seal_all_blocks();
}

impl Gen<'_, '_> {
    fn plan(&self, f: &FieldLayout) -> Plan {
        let accepted = |id: StructId| super::accepts(self.layouts.get(id));
        if let Some(n) = scalar_size(&f.kind) {
            return Plan::Scalar(n);
        }
        match &f.kind {
            ValueKind::String | ValueKind::Binary => Plan::Bytes,
            ValueKind::Struct(id) if accepted(*id) => Plan::Struct(*id),
            ValueKind::List(e) | ValueKind::Set(e) => match (&**e, scalar_size(e)) {
                (_, Some(n)) => Plan::ScalarList(n),
                (ValueKind::String | ValueKind::Binary, _) => Plan::BytesList,
                (ValueKind::Struct(id), _) if accepted(*id) => Plan::StructList(*id),
                _ => Plan::Interp,
            },
            _ => Plan::Interp,
        }
    }

    fn body(&mut self) {
        if self.layout.is_union() {
            // At most one field set.
            let mut total = self.b.ins().iconst(I64, 0);
            for w in 0..self.layout.presence_words {
                let word = self.b.ins().load(I64, native(), self.block, (w * 8) as i32);
                let c = self.b.ins().popcnt(word);
                total = self.b.ins().iadd(total, c);
            }
            let many = self.b.ins().icmp_imm_s(IntCC::UnsignedGreaterThan, total, 1);
            let ok = self.b.create_block();
            self.b.ins().brif(many, self.error, &[], ok, &[]);
            self.b.switch_to_block(ok);
        }
        for (k, f) in self.layout.fields.iter().enumerate() {
            let set = self.b.create_block();
            let next = self.b.create_block();
            let word = self.b.ins().load(I64, native(), self.block, f.presence_offset() as i32);
            let bit = self.b.ins().band_imm_s(word, f.presence_mask() as i64);
            let unset = if f.requiredness == Requiredness::Required { self.error } else { next };
            self.b.ins().brif(bit, set, &[], unset, &[]);
            self.b.switch_to_block(set);
            self.write_field(k, f);
            self.b.ins().jump(next, &[]);
            self.b.switch_to_block(next);
        }
        let unknown = self.b.ins().load(I64, native(), self.block, self.layout.unknown_offset as i32);
        let has_unknown = self.b.create_block();
        let stop = self.b.create_block();
        self.b.ins().brif(unknown, has_unknown, &[], stop, &[]);
        self.b.switch_to_block(has_unknown);
        self.sync();
        let sid = self.b.ins().iconst(I64, i64::from(self.layout.id.0));
        let status = self.call_helper(Helpers::ENC_UNKNOWN, &[I64; 4], &[self.ctx, self.block, sid, self.depth]);
        self.check_status(status);
        self.reload();
        self.b.ins().jump(stop, &[]);
        self.b.switch_to_block(stop);
        self.ensure_const(1);
        let (buf, pos) = (self.b.use_var(self.buf), self.b.use_var(self.pos));
        let at = self.b.ins().iadd(buf, pos);
        let zero = self.b.ins().iconst(I8, 0);
        self.b.ins().store(native(), zero, at, 0);
        let p1 = self.b.ins().iadd_imm_s(pos, 1);
        self.b.def_var(self.pos, p1);
        self.sync();
        let ok = self.b.ins().iconst(I32, i64::from(OK));
        self.b.ins().return_(&[ok]);
    }

    fn write_field(&mut self, k: usize, f: &FieldLayout) {
        let off = f.offset as i32;
        match self.plan(f) {
            Plan::Scalar(size) => {
                self.ensure_const(3 + i64::from(size));
                let at = self.header(f);
                self.store_scalar(&f.kind, self.block, off, at, 3);
                self.advance(3 + i64::from(size));
            }
            Plan::Bytes => {
                let (ptr, n) = self.load_slice(self.block, off);
                self.check_len(n);
                let need = self.b.ins().iadd_imm_s(n, 7);
                self.ensure(need);
                self.header(f);
                self.advance(3);
                self.write_bytes_body(ptr, n);
            }
            Plan::Struct(id) => {
                self.ensure_const(3);
                self.header(f);
                self.advance(3);
                let child = self.b.ins().load(I64, native(), self.block, off);
                self.encode_child(id, child, self.depth);
            }
            p @ (Plan::ScalarList(_) | Plan::BytesList | Plan::StructList(_)) => self.write_list(f, p),
            Plan::Interp => {
                self.sync();
                let sid = self.b.ins().iconst(I64, i64::from(self.layout.id.0));
                let idx = self.b.ins().iconst(I64, k as i64);
                let status = self.call_helper(
                    Helpers::ENC_FIELD_INTERP,
                    &[I64; 5],
                    &[self.ctx, self.block, sid, idx, self.depth],
                );
                self.check_status(status);
                self.reload();
            }
        }
    }

    /// Writes field `f`'s 3 header bytes at `pos` (capacity checked); returns the address.
    fn header(&mut self, f: &FieldLayout) -> Value {
        let (buf, pos) = (self.b.use_var(self.buf), self.b.use_var(self.pos));
        let at = self.b.ins().iadd(buf, pos);
        let t = self.b.ins().iconst(I8, i64::from(f.ttype));
        self.b.ins().store(native(), t, at, 0);
        let id = self.b.ins().iconst(I16, i64::from(f.id));
        self.store_be(id, at, 1);
        at
    }

    /// Stores the scalar of `kind` at `src + src_off` big-endian at `at + at_off`.
    fn store_scalar(&mut self, kind: &ValueKind, src: Value, src_off: i32, at: Value, at_off: i32) {
        match kind {
            ValueKind::Bool => {
                let v = self.b.ins().load(I8, native(), src, src_off);
                let nz = self.b.ins().icmp_imm_s(IntCC::NotEqual, v, 0);
                self.b.ins().store(native(), nz, at, at_off);
            }
            ValueKind::I8 => {
                let v = self.b.ins().load(I8, native(), src, src_off);
                self.b.ins().store(native(), v, at, at_off);
            }
            ValueKind::I16 => {
                let v = self.b.ins().load(I16, native(), src, src_off);
                self.store_be(v, at, at_off);
            }
            ValueKind::I32 | ValueKind::Enum(_) => {
                let v = self.b.ins().load(I32, native(), src, src_off);
                self.store_be(v, at, at_off);
            }
            _ => {
                let v = self.b.ins().load(I64, native(), src, src_off);
                self.store_be(v, at, at_off);
            }
        }
    }

    fn load_slice(&mut self, src: Value, off: i32) -> (Value, Value) {
        let ptr = self.b.ins().load(I64, native(), src, off);
        let n = self.b.ins().load(I64, native(), src, off + 8);
        (ptr, n)
    }

    /// Fails when `n` does not fit an i32 length (the interpreter's `TooLong`).
    fn check_len(&mut self, n: Value) {
        let long = self.b.ins().icmp_imm_s(IntCC::UnsignedGreaterThan, n, i64::from(i32::MAX));
        let ok = self.b.create_block();
        self.b.ins().brif(long, self.error, &[], ok, &[]);
        self.b.switch_to_block(ok);
    }

    /// Writes an i32 length and the bytes (capacity for both checked).
    fn write_bytes_body(&mut self, ptr: Value, n: Value) {
        let (buf, pos) = (self.b.use_var(self.buf), self.b.use_var(self.pos));
        let at = self.b.ins().iadd(buf, pos);
        let n32 = self.b.ins().ireduce(I32, n);
        self.store_be(n32, at, 0);
        let dst = self.b.ins().iadd_imm_s(at, 4);
        let f = self.helper_addr(Helpers::MEMCPY);
        let mut sig = Signature::new(self.call_conv);
        sig.params.extend([AbiParam::new(I64), AbiParam::new(I64), AbiParam::new(I64)]);
        let sig = self.b.import_signature(sig);
        self.b.ins().call_indirect(sig, f, &[dst, ptr, n]);
        let p2 = self.b.ins().iadd(pos, n);
        let p2 = self.b.ins().iadd_imm_s(p2, 4);
        self.b.def_var(self.pos, p2);
    }

    fn encode_child(&mut self, id: StructId, child: Value, depth: Value) {
        let ok = self.b.create_block();
        self.b.ins().brif(depth, ok, &[], self.error, &[]);
        self.b.switch_to_block(ok);
        let d1 = self.b.ins().iadd_imm_s(depth, -1);
        self.sync();
        let fns = self.b.ins().load(I64, native(), self.ctx, EncodeCtx::FNS);
        let f = self.b.ins().load(I64, native(), fns, (id.0 as i32) * 8);
        let sig = self.b.import_signature(signature(self.call_conv));
        let call = self.b.ins().call_indirect(sig, f, &[self.ctx, child, d1]);
        let status = self.b.inst_results(call)[0];
        self.check_status(status);
        self.reload();
    }

    fn write_list(&mut self, f: &FieldLayout, p: Plan) {
        let (ValueKind::List(elem) | ValueKind::Set(elem)) = &f.kind else {
            unreachable!("a list plan has a list kind")
        };
        let ok = self.b.create_block();
        self.b.ins().brif(self.depth, ok, &[], self.error, &[]);
        self.b.switch_to_block(ok);
        let d1 = self.b.ins().iadd_imm_s(self.depth, -1);
        let (arr, n) = self.load_slice(self.block, f.offset as i32);
        self.check_len(n);
        let need = match p {
            Plan::ScalarList(size) => {
                let body = self.b.ins().imul_imm_s(n, i64::from(size));
                self.b.ins().iadd_imm_s(body, 8)
            }
            _ => self.b.ins().iconst(I64, 8),
        };
        self.ensure(need);
        let at = self.header(f);
        let et = self.b.ins().iconst(I8, i64::from(elem.ttype()));
        self.b.ins().store(native(), et, at, 3);
        let n32 = self.b.ins().ireduce(I32, n);
        self.store_be(n32, at, 4);
        self.advance(8);

        let stride = elem.size() as i64;
        let head = self.b.create_block();
        self.b.append_block_param(head, I64);
        let body = self.b.create_block();
        let exit = self.b.create_block();
        let zero = self.b.ins().iconst(I64, 0);
        self.b.ins().jump(head, &[BlockArg::Value(zero)]);
        self.b.switch_to_block(head);
        let i = self.b.block_params(head)[0];
        let more = self.b.ins().icmp(IntCC::UnsignedLessThan, i, n);
        self.b.ins().brif(more, body, &[], exit, &[]);
        self.b.switch_to_block(body);
        let off = self.b.ins().imul_imm_s(i, stride);
        let src = self.b.ins().iadd(arr, off);
        match p {
            Plan::ScalarList(size) => {
                let (buf, pos) = (self.b.use_var(self.buf), self.b.use_var(self.pos));
                let at = self.b.ins().iadd(buf, pos);
                self.store_scalar(elem, src, 0, at, 0);
                self.advance(i64::from(size));
            }
            Plan::BytesList => {
                let (ptr, len) = self.load_slice(src, 0);
                self.check_len(len);
                let need = self.b.ins().iadd_imm_s(len, 4);
                self.ensure(need);
                self.write_bytes_body(ptr, len);
            }
            Plan::StructList(id) => {
                let child = self.b.ins().load(I64, native(), src, 0);
                self.encode_child(id, child, d1);
            }
            _ => unreachable!("only list plans reach here"),
        }
        let i1 = self.b.ins().iadd_imm_s(i, 1);
        self.b.ins().jump(head, &[BlockArg::Value(i1)]);
        self.b.switch_to_block(exit);
    }

    fn advance(&mut self, n: i64) {
        let pos = self.b.use_var(self.pos);
        let p = self.b.ins().iadd_imm_s(pos, n);
        self.b.def_var(self.pos, p);
    }

    fn ensure_const(&mut self, n: i64) {
        let v = self.b.ins().iconst(I64, n);
        self.ensure(v);
    }

    /// Makes room for `n` more bytes, growing the output through a helper.
    fn ensure(&mut self, n: Value) {
        let pos = self.b.use_var(self.pos);
        let cap = self.b.use_var(self.cap);
        let end = self.b.ins().iadd(pos, n);
        let short = self.b.ins().icmp(IntCC::UnsignedGreaterThan, end, cap);
        let grow = self.b.create_block();
        let ok = self.b.create_block();
        self.b.ins().brif(short, grow, &[], ok, &[]);
        self.b.switch_to_block(grow);
        self.sync();
        let status = self.call_helper(Helpers::GROW, &[I64; 2], &[self.ctx, n]);
        self.check_status(status);
        self.reload();
        self.b.ins().jump(ok, &[]);
        self.b.switch_to_block(ok);
    }

    fn sync(&mut self) {
        let pos = self.b.use_var(self.pos);
        self.b.ins().store(native(), pos, self.ctx, EncodeCtx::POS);
    }

    fn reload(&mut self) {
        let buf = self.b.ins().load(I64, native(), self.ctx, EncodeCtx::BUF);
        let pos = self.b.ins().load(I64, native(), self.ctx, EncodeCtx::POS);
        let cap = self.b.ins().load(I64, native(), self.ctx, EncodeCtx::CAP);
        self.b.def_var(self.buf, buf);
        self.b.def_var(self.pos, pos);
        self.b.def_var(self.cap, cap);
    }

    fn check_status(&mut self, status: Value) {
        let ok = self.b.create_block();
        let fail = self.b.create_block();
        self.b.ins().brif(status, fail, &[], ok, &[]);
        self.b.switch_to_block(fail);
        self.b.ins().return_(&[status]);
        self.b.switch_to_block(ok);
    }

    fn helper_addr(&mut self, offset: i32) -> Value {
        let table = self.b.ins().load(I64, native(), self.ctx, EncodeCtx::HELPERS);
        self.b.ins().load(I64, native(), table, offset)
    }

    fn call_helper(&mut self, offset: i32, params: &[cranelift_codegen::ir::Type], args: &[Value]) -> Value {
        let f = self.helper_addr(offset);
        let mut sig = Signature::new(self.call_conv);
        sig.params.extend(params.iter().map(|t| AbiParam::new(*t)));
        sig.returns.push(AbiParam::new(I32));
        let sig = self.b.import_signature(sig);
        let call = self.b.ins().call_indirect(sig, f, args);
        self.b.inst_results(call)[0]
    }
    /// Stores an integer big-endian: a byte swap and a native store.
    fn store_be(&mut self, v: Value, addr: Value, off: i32) {
        let swapped = self.b.ins().bswap(v);
        self.b.ins().store(native(), swapped, addr, off);
    }
}
