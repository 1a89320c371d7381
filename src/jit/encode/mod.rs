//! Cranelift IR of an encoder for one struct type in one protocol.
//!
//! Straight-line code in declaration order: per field a presence test
//! against a constant mask, the header (constant bytes where the protocol
//! allows), a store from a constant offset. One capacity check covers each
//! run of scalar and string fields: the largest encoding of every scalar,
//! every string's header, length and bytes (growth is a helper call).
//! Strings are copied with one call; lists of scalars are one
//! capacity check, then one bulk helper call (a byte-swapping copy for
//! fixed widths, a varint loop for Compact integers); structs call the
//! child's encoder; maps of scalars, strings and structs are a loop over
//! their entries (one capacity check for the whole map when both sides are
//! scalars). Nested containers, uuids and unknown fields go through the
//! interpreter's encoder (helpers).
//!
//! This file is that shape, shared by both protocols; `binary.rs` and
//! `compact.rs` spell headers, scalars, lengths and list headers.

mod binary;
mod compact;

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I8, I8X16, I32, I64};
use cranelift_codegen::ir::{Block, BlockArg, InstBuilder, JumpTableData, MemFlagsData, Value};
use cranelift_frontend::{FunctionBuilder, Variable};

use super::rt::{ERROR, EncodeCtx, Helpers, OK};
use crate::idl::ast::Requiredness;
use crate::layout::{EntryLayout, FieldLayout, Layouts, StructLayout, ValueKind};
use crate::schema::StructId;
use crate::wire::Protocol;

pub(crate) use super::decode::signature;

fn native() -> MemFlagsData {
    MemFlagsData::new().with_notrap()
}

/// What a string or binary field longer than an i32 length asks the shared
/// growth path for ([`Gen::ensure_shared`]): no buffer reaches it (a `Vec`
/// holds at most `isize::MAX` bytes, and `pos` is below that, so the sum
/// does not wrap), and no other site there asks for as much (a run of scalar
/// fields and strings of at most `i32::MAX` bytes each, of at most 2^16 fields,
/// or a header), so the growth path fails on it and the interpreter then
/// reports the field as too long.
const TOO_LONG: i64 = 1 << 62;

/// What a field of a run of scalars and strings adds to the run's one
/// capacity check ([`Gen::ensure_run`]).
#[derive(Clone, Copy)]
enum Part {
    /// The most a scalar field takes, header included (or the stop byte).
    Fixed(i64),
    /// A string's header and length; its bytes are added when checked.
    Bytes(i64),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Plan {
    Scalar,
    Bytes,
    Struct(StructId),
    ScalarList,
    BytesList,
    StructList(StructId),
    /// A map of scalar, string or struct keys and values.
    Map,
    Interp,
}

/// Whether the JIT writes a map key or value of `kind` inline (see
/// [`Plan::Map`]); nested containers and uuids go to the interpreter with
/// the whole field.
fn is_entry(k: &ValueKind) -> bool {
    !matches!(k, ValueKind::Uuid | ValueKind::List(_) | ValueKind::Set(_) | ValueKind::Map(..))
}

fn is_scalar(k: &ValueKind) -> bool {
    matches!(
        k,
        ValueKind::Bool
            | ValueKind::I8
            | ValueKind::I16
            | ValueKind::I32
            | ValueKind::Enum(_)
            | ValueKind::I64
            | ValueKind::Double
    )
}

struct Gen<'a, 'b> {
    b: &'a mut FunctionBuilder<'b>,
    layouts: &'a Layouts,
    layout: &'a StructLayout,
    protocol: Protocol,
    call_conv: cranelift_codegen::isa::CallConv,
    ctx: Value,
    block: Value,
    depth: Value,
    pos: Variable,
    /// Compact: the id of the last field header written in this struct
    /// (sign-extended), the base of the next header's delta.
    last: Variable,
    /// Compact: `last` when it is known while generating code (at the start,
    /// and after a required field), so that headers are constants.
    known_last: Option<i16>,
    /// A sizer, not an encoder: `pos` counts the bytes the encoder would
    /// write, nothing is stored, capacity is never checked, and helpers
    /// that run the interpreter write into a counting sink.
    measure: bool,
    /// The one growth path of the function, `grow(need, site)`, and the
    /// continuation of each capacity check that goes there: it grows the
    /// output and returns to `sites[site]` through a jump table (one helper
    /// call for all the checks, rather than one each: calls are what costs
    /// most to compile).
    grow: Option<(Block, Vec<Block>)>,
    error: Block,
}

/// Builds the encoder of `layout` for `protocol` into `b` (an empty
/// function with [`signature`]); with `measure`, its sizer: the same code
/// without the stores, which returns in the context's `pos` the number of
/// bytes the encoder writes, and fails where the encoder fails.
pub(crate) fn build(
    b: &mut FunctionBuilder<'_>,
    layouts: &Layouts,
    layout: &StructLayout,
    protocol: Protocol,
    call_conv: cranelift_codegen::isa::CallConv,
    measure: bool,
) {
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let params = b.block_params(entry).to_vec();
    let (ctx, block, depth) = (params[0], params[1], params[2]);
    let pos = b.declare_var(I64);
    let last = b.declare_var(I64);
    let zero = b.ins().iconst(I64, 0);
    b.def_var(last, zero);
    let error = b.create_block();
    let mut g = Gen {
        b,
        layouts,
        layout,
        protocol,
        call_conv,
        ctx,
        block,
        depth,
        pos,
        last,
        known_last: Some(0),
        measure,
        grow: None,
        error,
    };
    g.reload();
    g.body();
    g.grow_path();
    g.b.switch_to_block(g.error);
    let e = g.b.ins().iconst(I32, i64::from(ERROR));
    g.b.ins().return_(&[e]);
    g.b.seal_all_blocks();
}

impl Gen<'_, '_> {
    fn plan(&self, f: &FieldLayout) -> Plan {
        let accepted = |id: StructId| super::accepts(self.layouts.get(id));
        if is_scalar(&f.kind) {
            return Plan::Scalar;
        }
        match &f.kind {
            ValueKind::String | ValueKind::Binary => Plan::Bytes,
            ValueKind::Struct(id) if accepted(*id) => Plan::Struct(*id),
            ValueKind::List(e) | ValueKind::Set(e) => match &**e {
                e if is_scalar(e) => Plan::ScalarList,
                ValueKind::String | ValueKind::Binary => Plan::BytesList,
                ValueKind::Struct(id) if accepted(*id) => Plan::StructList(*id),
                _ => Plan::Interp,
            },
            ValueKind::Map(k, v)
                if [k, v].into_iter().all(|e| match &**e {
                    ValueKind::Struct(id) => accepted(*id),
                    e => is_entry(e),
                }) =>
            {
                Plan::Map
            }
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
        // One capacity check per run of scalar and string fields (and the stop
        // byte after them), before the run, for all of them set: `parts[k]` is
        // the most field k takes when it is a scalar, or the constant part of a
        // string (header and length; its bytes are added when the run is
        // checked), and the stop byte's 1 at the end.
        let n = self.layout.fields.len();
        let parts: Vec<Option<Part>> = (self.layout.fields.iter())
            .map(|f| match self.plan(f) {
                Plan::Scalar => Some(Part::Fixed(self.scalar_field_max(f))),
                Plan::Bytes => Some(Part::Bytes(self.header_max(f) + self.len_max())),
                _ => None,
            })
            .chain([Some(Part::Fixed(1))])
            .collect();
        let run_at = |k: usize| parts[k].is_some() && (k == 0 || parts[k - 1].is_none());
        // The buffer's address and the presence word, loaded once for a run of
        // branch-free fields (straight-line code, no call in between).
        let mut straight: Option<binary::Straight> = None;
        for (k, f) in self.layout.fields.iter().enumerate() {
            if run_at(k) {
                self.ensure_run(&parts, k);
                straight = None;
            }
            let required = f.requiredness == Requiredness::Required;
            let scalar = matches!(parts[k], Some(Part::Fixed(_)));
            if self.protocol == Protocol::Binary && !required && scalar && f.index < 64 {
                // Its header is a constant whatever comes before it (unlike Compact's).
                let at = match straight {
                    Some(x) => x,
                    None => {
                        // A sizer writes nothing: no buffer to load.
                        let buf = if self.measure { self.b.ins().iconst(I64, 0) } else { self.buf() };
                        let word = self.b.ins().load(I64, native(), self.block, 0);
                        let zero = self.b.ins().iconst(I64, 0);
                        *straight.insert(binary::Straight { buf, word, zero })
                    }
                };
                self.binary_optional_scalar(f, at);
                continue;
            }
            straight = None;
            let set = self.b.create_block();
            let next = self.b.create_block();
            let word = self.b.ins().load(I64, native(), self.block, f.presence_offset() as i32);
            let bit = self.b.ins().band_imm_s(word, f.presence_mask() as i64);
            let unset = if required { self.error } else { next };
            self.b.ins().brif(bit, set, &[], unset, &[]);
            super::ir::enter(self.b, set);
            self.write_field(k, f);
            self.b.ins().jump(next, &[]);
            // Reached from the presence test and the end of the field's code only.
            super::ir::enter(self.b, next);
            // A required field was written (or the encode failed): its id is
            // the last; after an optional one it depends on the message.
            self.known_last = if required { Some(f.id) } else { None };
        }
        if run_at(n) {
            self.ensure_shared(None, 1);
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
        // The helper may have used the room checked for the stop byte.
        self.ensure_shared(None, 1);
        self.b.ins().jump(stop, &[]);
        self.b.switch_to_block(stop);
        // The stop byte is 0 in both protocols.
        self.put_u8_const(0);
        self.sync();
        let ok = self.b.ins().iconst(I32, i64::from(OK));
        self.b.ins().return_(&[ok]);
    }

    /// The capacity check before the run of scalar and string fields that
    /// starts at field `k` (`parts` as in [`Gen::body`]): the constant parts of the run's
    /// fields, plus the length of each string that is set. A length past an
    /// i32 asks for more room than any run can take ([`TOO_LONG`]), which
    /// fails in the growth path: no branch of its own.
    fn ensure_run(&mut self, parts: &[Option<Part>], k: usize) {
        if self.measure {
            return;
        }
        let mut constant = 0;
        // The sum of the lengths and their bitwise or (past an i32 when one is).
        let mut lens: Option<(Value, Value)> = None;
        for (j, part) in parts.iter().enumerate().skip(k).map_while(|(j, p)| p.map(|p| (j, p))) {
            let c = match part {
                Part::Fixed(c) => c,
                Part::Bytes(c) => {
                    let f = &self.layout.fields[j];
                    // An unset string adds nothing, whatever its slot holds.
                    let word = self.b.ins().load(I64, native(), self.block, f.presence_offset() as i32);
                    let set = self.b.ins().band_imm_s(word, f.presence_mask() as i64);
                    let len = self.b.ins().load(I64, native(), self.block, f.offset as i32 + 8);
                    let zero = self.b.ins().iconst(I64, 0);
                    let len = self.b.ins().select(set, len, zero);
                    lens = Some(match lens {
                        None => (len, len),
                        Some((sum, or)) => (self.b.ins().iadd(sum, len), self.b.ins().bor(or, len)),
                    });
                    c
                }
            };
            constant += c;
        }
        let need = lens.map(|(sum, or)| {
            let long = self.b.ins().icmp_imm_s(IntCC::UnsignedGreaterThan, or, i64::from(i32::MAX));
            let need = self.b.ins().iadd_imm_s(sum, constant);
            let never = self.b.ins().iconst(I64, TOO_LONG);
            self.b.ins().select(long, never, need)
        });
        self.ensure_shared(need, constant);
    }

    fn write_field(&mut self, k: usize, f: &FieldLayout) {
        let off = f.offset as i32;
        let hdr = self.header_max(f);
        match self.plan(f) {
            Plan::Scalar => {
                // Capacity checked before the run of scalars this field is in.
                self.field_header(f);
                if !(self.protocol == Protocol::Compact && f.kind == ValueKind::Bool) {
                    self.write_scalar(&f.kind, self.block, off);
                }
            }
            Plan::Bytes => {
                // Capacity (and the length's range) checked before the run of
                // scalars and strings this field is in.
                let (ptr, n) = self.load_slice(self.block, off);
                if self.measure {
                    self.check_len(n);
                }
                if self.protocol == Protocol::Binary && !self.measure {
                    self.binary_bytes_field(f, ptr, n);
                } else {
                    self.field_header(f);
                    self.write_bytes_body(ptr, n, false);
                }
            }
            Plan::Struct(id) => {
                self.ensure_shared(None, hdr);
                self.field_header(f);
                let child = self.b.ins().load(I64, native(), self.block, off);
                self.encode_child(id, child, self.depth);
            }
            p @ (Plan::ScalarList | Plan::BytesList | Plan::StructList(_)) => self.write_list(f, p),
            Plan::Map => self.write_map(f),
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
                // The helper wrote the header: its id is the last one now.
                self.set_last(f.id);
            }
        }
    }

    /// Most bytes scalar field `f` takes, header included, whatever field
    /// was written before it (Compact: the long form of the header).
    fn scalar_field_max(&self, f: &FieldLayout) -> i64 {
        let header = match self.protocol {
            Protocol::Binary => 3,
            Protocol::Compact => crate::jit::decode::header_bytes(f, f.id).len() as i64,
        };
        header + self.scalar_max(&f.kind, true)
    }

    /// Most bytes field `f`'s header takes.
    fn header_max(&self, f: &FieldLayout) -> i64 {
        match self.protocol {
            Protocol::Binary => 3,
            Protocol::Compact => self.compact_header_max(f),
        }
    }

    /// Most bytes a scalar of `kind` takes (a field's value, or a list element).
    fn scalar_max(&self, kind: &ValueKind, field: bool) -> i64 {
        match self.protocol {
            Protocol::Binary => binary::scalar_size(kind),
            Protocol::Compact => compact::scalar_max(kind, field),
        }
    }

    /// Most bytes a string length or a list header takes.
    fn len_max(&self) -> i64 {
        match self.protocol {
            Protocol::Binary => 4,
            Protocol::Compact => compact::MAX_LEN_BYTES,
        }
    }

    /// Writes field `f`'s header at `pos` (capacity checked).
    fn field_header(&mut self, f: &FieldLayout) {
        match self.protocol {
            Protocol::Binary => self.binary_field_header(f),
            Protocol::Compact => self.compact_field_header(f),
        }
    }

    /// Writes the scalar of `kind` at `src + src_off` at `pos` (capacity checked).
    fn write_scalar(&mut self, kind: &ValueKind, src: Value, src_off: i32) {
        match self.protocol {
            Protocol::Binary => self.binary_scalar(kind, src, src_off),
            Protocol::Compact => self.compact_scalar(kind, src, src_off),
        }
    }

    /// Records that the last field header written has id `id`.
    fn set_last(&mut self, id: i16) {
        if self.protocol == Protocol::Compact {
            let v = self.b.ins().iconst(I64, i64::from(id));
            self.b.def_var(self.last, v);
            self.known_last = Some(id);
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

    /// Writes a length and the bytes (capacity for both checked); `short`:
    /// copies of 4 to 32 bytes inline ([`Gen::copy_short_bytes`]).
    fn write_bytes_body(&mut self, ptr: Value, n: Value, short: bool) {
        match self.protocol {
            Protocol::Binary => self.binary_len(n),
            Protocol::Compact => self.compact_varint(n),
        }
        if self.measure {
            let pos = self.b.use_var(self.pos);
            let end = self.b.ins().iadd(pos, n);
            self.b.def_var(self.pos, end);
            return;
        }
        let (buf, pos) = (self.buf(), self.b.use_var(self.pos));
        let dst = self.b.ins().iadd(buf, pos);
        if short {
            self.copy_short_bytes(dst, ptr, n);
        } else {
            self.copy_bytes(dst, ptr, n);
        }
        let p2 = self.b.ins().iadd(pos, n);
        self.b.def_var(self.pos, p2);
    }

    /// Copies `n` bytes from `ptr` to `dst` (capacity checked, no overlap):
    /// 4 to 32 bytes inline, as two moves of `w` = 4, 8 or 16 bytes for `n`
    /// from `w` to `2w` (the first `w` bytes and the last `w`, which overlap;
    /// both inside both strings), others with a call. For the strings of
    /// containers, often short, where the call costs more than the copy.
    fn copy_short_bytes(&mut self, dst: Value, ptr: Value, n: Value) {
        let done = self.b.create_block();
        for (w, ty) in [(8, I64), (16, I8X16), (4, I32)] {
            let from_w = self.b.ins().iadd_imm_s(n, -w);
            let fits = self.b.ins().icmp_imm_s(IntCC::UnsignedLessThanOrEqual, from_w, w);
            let (inline, next) = (self.b.create_block(), self.b.create_block());
            self.b.ins().brif(fits, inline, &[], next, &[]);
            super::ir::enter(self.b, inline);
            let head = self.b.ins().load(ty, native(), ptr, 0);
            let tail_src = self.b.ins().iadd(ptr, from_w);
            let tail = self.b.ins().load(ty, native(), tail_src, 0);
            self.b.ins().store(native(), head, dst, 0);
            let tail_dst = self.b.ins().iadd(dst, from_w);
            self.b.ins().store(native(), tail, tail_dst, 0);
            self.b.ins().jump(done, &[]);
            super::ir::enter(self.b, next);
        }
        self.copy_bytes(dst, ptr, n);
        self.b.ins().jump(done, &[]);
        super::ir::enter(self.b, done);
    }

    /// Copies `n` bytes from `ptr` to `dst` (capacity checked, no overlap).
    fn copy_bytes(&mut self, dst: Value, ptr: Value, n: Value) {
        super::ir::call_helper(self.b, self.call_conv, Helpers::MEMCPY, &[I64; 3], I64, &[dst, ptr, n]);
    }

    fn encode_child(&mut self, id: StructId, child: Value, depth: Value) {
        let ok = self.b.create_block();
        self.b.ins().brif(depth, ok, &[], self.error, &[]);
        self.b.switch_to_block(ok);
        // A null struct pointer fails (the interpreter reports it).
        let present = self.b.create_block();
        self.b.ins().brif(child, present, &[], self.error, &[]);
        self.b.switch_to_block(present);
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
        let d1 = self.container_depth();
        let (arr, n) = self.load_slice(self.block, f.offset as i32);
        self.check_len(n);
        // The header, the list header and, for scalars, every element.
        let fixed = self.header_max(f) + 1 + self.len_max();
        let need = match p {
            Plan::ScalarList => {
                let each = self.scalar_max(elem, false);
                let body = self.b.ins().imul_imm_s(n, each);
                self.b.ins().iadd_imm_s(body, fixed)
            }
            _ => self.b.ins().iconst(I64, fixed),
        };
        self.ensure(need);
        self.field_header(f);
        match self.protocol {
            Protocol::Binary => self.binary_list_header(elem, n),
            Protocol::Compact => self.compact_list_header(elem, n),
        }
        if p == Plan::ScalarList {
            match super::ir::fixed_conv(self.protocol, elem, true) {
                Some((conv, width)) => self.write_fixed_scalars(conv, width, arr, n),
                None => self.write_varints(elem, arr, n),
            }
            return;
        }

        let stride = elem.size() as i64;
        let each = super::ir::elements(self.b, arr, n, stride);
        debug_assert!(matches!(p, Plan::BytesList | Plan::StructList(_)), "only strings and structs one by one");
        self.write_entry(elem, each.at, 0, d1, false);
        each.close(self.b);
    }

    /// A map ([`Plan::Map`]): the header and count, then each entry's key
    /// and value. When both are scalars one capacity check covers the whole
    /// map; otherwise each string checks its own and structs grow the output
    /// themselves.
    fn write_map(&mut self, f: &FieldLayout) {
        let ValueKind::Map(k, v) = &f.kind else { unreachable!("a map plan has a map kind") };
        let d1 = self.container_depth();
        let (arr, n) = self.load_slice(self.block, f.offset as i32);
        self.check_len(n);
        // The field header, the map header (Compact: a count and a type byte).
        let fixed = self.header_max(f) + self.len_max() + 2;
        let flat = is_scalar(k) && is_scalar(v);
        let need = if flat {
            let each = self.scalar_max(k, false) + self.scalar_max(v, false);
            let body = self.b.ins().imul_imm_s(n, each);
            self.b.ins().iadd_imm_s(body, fixed)
        } else {
            self.b.ins().iconst(I64, fixed)
        };
        self.ensure(need);
        self.field_header(f);
        match self.protocol {
            Protocol::Binary => self.binary_map_header(k, v, n),
            Protocol::Compact => self.compact_map_header(k, v, n),
        }
        let el = EntryLayout::of(k, v);
        let each = super::ir::elements(self.b, arr, n, el.stride as i64);
        let entry = each.at;
        self.write_entry(k, entry, 0, d1, flat);
        self.write_entry(v, entry, el.value_offset as i32, d1, flat);
        each.close(self.b);
    }

    /// A list element or a map key or value of `kind` at `src + off`; a
    /// struct one level deeper than the container (`d1`). `reserved`:
    /// capacity for a scalar was checked for the whole container.
    fn write_entry(&mut self, kind: &ValueKind, src: Value, off: i32, d1: Value, reserved: bool) {
        match kind {
            ValueKind::String | ValueKind::Binary => {
                let (ptr, len) = self.load_slice(src, off);
                self.check_len(len);
                let room = self.len_max();
                let need = self.b.ins().iadd_imm_s(len, room);
                self.ensure(need);
                self.write_bytes_body(ptr, len, true);
            }
            ValueKind::Struct(id) => {
                let child = self.b.ins().load(I64, native(), src, off);
                self.encode_child(*id, child, d1);
            }
            scalar => {
                if !reserved {
                    self.ensure_const(self.scalar_max(scalar, false));
                }
                self.write_scalar(scalar, src, off);
            }
        }
    }

    /// The `n` fixed-width scalars in `arr` at `pos`, in one helper call
    /// converting them all (`conv`, `width` bytes each; capacity for them
    /// checked by the caller).
    fn write_fixed_scalars(&mut self, conv: u64, width: i64, arr: Value, n: Value) {
        if self.measure {
            let pos = self.b.use_var(self.pos);
            let bytes = self.b.ins().imul_imm_s(n, width);
            let end = self.b.ins().iadd(pos, bytes);
            self.b.def_var(self.pos, end);
            return;
        }
        let (buf, pos) = (self.buf(), self.b.use_var(self.pos));
        let dst = self.b.ins().iadd(buf, pos);
        let how = self.b.ins().iconst(I64, conv as i64);
        super::ir::call_helper_void(self.b, self.call_conv, Helpers::SCALARS, &[I64; 4], &[dst, arr, n, how]);
        let bytes = self.b.ins().imul_imm_s(n, width);
        let end = self.b.ins().iadd(pos, bytes);
        self.b.def_var(self.pos, end);
    }

    /// The `n` integers in `arr` as Compact zigzag varints at `pos`, in one
    /// helper call (capacity for `n` of the largest varints of their width
    /// checked by the caller).
    fn write_varints(&mut self, elem: &ValueKind, arr: Value, n: Value) {
        let (buf, pos) = (self.buf(), self.b.use_var(self.pos));
        let dst = self.b.ins().iadd(buf, pos);
        let width = self.b.ins().iconst(I64, elem.size() as i64);
        // A sizer counts them (`dst` unused).
        let helper = if self.measure { Helpers::VARINTS_SIZE } else { Helpers::VARINTS_OUT };
        let written = super::ir::call_helper(self.b, self.call_conv, helper, &[I64; 4], I64, &[dst, arr, n, width]);
        let end = self.b.ins().iadd(pos, written);
        self.b.def_var(self.pos, end);
    }

    /// Writes the byte `v` at `pos` (capacity checked) and advances.
    fn put_u8_const(&mut self, v: u8) {
        let b = self.b.ins().iconst(I8, i64::from(v));
        self.put_u8(b);
    }

    /// Writes the `I8` value `v` at `pos` (capacity checked) and advances.
    fn put_u8(&mut self, v: Value) {
        if !self.measure {
            let (buf, pos) = (self.buf(), self.b.use_var(self.pos));
            let at = self.b.ins().iadd(buf, pos);
            self.b.ins().store(native(), v, at, 0);
        }
        self.advance(1);
    }

    fn advance(&mut self, n: i64) {
        let pos = self.b.use_var(self.pos);
        let p = super::ir::add_imm(self.b, pos, n);
        self.b.def_var(self.pos, p);
    }

    /// Makes room for `n` more bytes (a constant: made in the growth path
    /// only, so that nothing holds it in a register on the straight path).
    fn ensure_const(&mut self, n: i64) {
        self.ensure_either(None, n);
    }

    /// Makes room for `n` more bytes, growing the output through a helper.
    fn ensure(&mut self, n: Value) {
        self.ensure_either(Some(n), 0);
    }

    /// Makes room for `n` more bytes, or for `constant` when `n` is `None`
    /// (nothing in a sizer, which writes nothing), through a growth path of
    /// its own: for checks inside loops, and where SSA values computed before
    /// the check are used after it.
    fn ensure_either(&mut self, n: Option<Value>, constant: i64) {
        if self.measure {
            return;
        }
        let pos = self.b.use_var(self.pos);
        let end = match n {
            Some(n) => self.b.ins().iadd(pos, n),
            None => super::ir::add_imm(self.b, pos, constant),
        };
        let short = self.past_capacity(end);
        let grow = self.b.create_block();
        let ok = self.b.create_block();
        self.b.ins().brif(short, grow, &[], ok, &[]);
        super::ir::enter(self.b, grow);
        self.sync();
        let n = match n {
            Some(n) => n,
            None => self.b.ins().iconst(I64, constant),
        };
        let status = self.call_helper(Helpers::GROW, &[I64; 2], &[self.ctx, n]);
        self.check_status(status);
        // Growth moves the buffer (`buf` is read from the context at each use), not `pos`.
        self.b.ins().jump(ok, &[]);
        // From the check and the growth path.
        super::ir::enter(self.b, ok);
    }

    /// Whether writing up to offset `end` would pass the buffer's capacity.
    fn past_capacity(&mut self, end: Value) -> Value {
        let cap = self.b.ins().load(I64, native(), self.ctx, EncodeCtx::CAP);
        self.b.ins().icmp(IntCC::UnsignedGreaterThan, end, cap)
    }

    /// Makes room for `n` more bytes (or `constant`) through the function's
    /// one growth path ([`Gen::grow_path`]). Only at the struct's top level,
    /// outside loops, and with nothing but variables (`pos`, Compact's
    /// `last`) used after it: the continuation is also reached from the
    /// growth path, so values computed before the check do not dominate it.
    fn ensure_shared(&mut self, n: Option<Value>, constant: i64) {
        if self.measure {
            return;
        }
        let need = match n {
            Some(n) => n,
            None => self.b.ins().iconst(I64, constant),
        };
        let pos = self.b.use_var(self.pos);
        let end = self.b.ins().iadd(pos, need);
        let short = self.past_capacity(end);
        let ok = self.b.create_block();
        let (grow, sites) = self.grow.get_or_insert_with(|| {
            let g = self.b.create_block();
            self.b.append_block_param(g, I64); // bytes needed
            self.b.append_block_param(g, I64); // the site to return to
            (g, Vec::new())
        });
        let grow = *grow;
        let site = sites.len() as i64;
        sites.push(ok);
        let site = self.b.ins().iconst(I64, site);
        self.b.ins().brif(short, grow, &[BlockArg::Value(need), BlockArg::Value(site)], ok, &[]);
        // From the check and from `grow` (sealed with every block, at the end).
        self.b.switch_to_block(ok);
    }

    /// `grow(need, site)`: grows the output by `need` bytes and returns to
    /// the check's site.
    fn grow_path(&mut self) {
        let Some((grow, sites)) = self.grow.take() else { return };
        self.b.switch_to_block(grow);
        let (need, site) = (self.b.block_params(grow)[0], self.b.block_params(grow)[1]);
        // A string too long for an i32 length (see `TOO_LONG`) fails here.
        let long = self.b.ins().icmp_imm_s(IntCC::UnsignedGreaterThanOrEqual, need, TOO_LONG);
        let grow_ok = self.b.create_block();
        self.b.ins().brif(long, self.error, &[], grow_ok, &[]);
        self.b.switch_to_block(grow_ok);
        self.sync();
        let status = self.call_helper(Helpers::GROW, &[I64; 2], &[self.ctx, need]);
        self.check_status(status);
        // Growth moves the buffer (`buf` is read from the context at each use), not `pos`.
        let table: Vec<_> = sites.iter().map(|&b| self.b.func.dfg.block_call(b, &[])).collect();
        let otherwise = self.b.func.dfg.block_call(self.error, &[]);
        let jt = self.b.create_jump_table(JumpTableData::new(otherwise, &table));
        let site = self.b.ins().ireduce(I32, site);
        self.b.ins().br_table(site, jt);
    }

    /// Stores `pos` (and, for Compact, the last field id) in the context
    /// before a call: helpers and child encoders continue from there.
    fn sync(&mut self) {
        let pos = self.b.use_var(self.pos);
        self.b.ins().store(native(), pos, self.ctx, EncodeCtx::POS);
        if self.protocol == Protocol::Compact {
            let last = self.b.use_var(self.last);
            self.b.ins().store(native(), last, self.ctx, EncodeCtx::LAST_ID);
        }
    }

    /// `pos` after a call that wrote (the buffer and its capacity are read
    /// from the context where they are used: no block parameters for them).
    fn reload(&mut self) {
        let pos = self.b.ins().load(I64, native(), self.ctx, EncodeCtx::POS);
        self.b.def_var(self.pos, pos);
    }

    /// The start of the output buffer (it moves when the output grows).
    fn buf(&mut self) -> Value {
        self.b.ins().load(I64, native(), self.ctx, EncodeCtx::BUF)
    }

    /// Takes a level for a container (fails at depth 0, as the
    /// interpreter); returns the depth its elements are read at.
    fn container_depth(&mut self) -> Value {
        let ok = self.b.create_block();
        self.b.ins().brif(self.depth, ok, &[], self.error, &[]);
        self.b.switch_to_block(ok);
        self.b.ins().iadd_imm_s(self.depth, -1)
    }

    fn check_status(&mut self, status: Value) {
        super::ir::check_status(self.b, status);
    }

    fn call_helper(&mut self, offset: i32, params: &[cranelift_codegen::ir::Type], args: &[Value]) -> Value {
        super::ir::call_helper(self.b, self.call_conv, offset, params, I32, args)
    }
}
