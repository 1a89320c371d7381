//! How the Binary protocol spells what the decoder reads: 3-byte field
//! headers (type, big-endian id), big-endian fixed-width scalars, `i32`
//! lengths, and list headers of an element type and an `i32` count.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I8, I16, I32, I64};
use cranelift_codegen::ir::{Block, InstBuilder, Value};

use super::{Bounds, Gen, Plan, native};
use crate::layout::{FieldLayout, ValueKind};

impl Gen<'_, '_> {
    /// `check_k`: goes on with field k's header consumed when the next 3
    /// bytes are its header, else jumps to `miss(k)`. One bounds check
    /// covers the header and a fixed-size value (or a string's or list's
    /// length).
    pub(super) fn binary_expect_header(&mut self, k: usize, p: Plan, miss: Block) {
        let f = &self.layout.fields[k];
        let need = 3 + match p {
            Plan::Scalar(size) => i64::from(size),
            Plan::Bytes => 4,
            Plan::ScalarList(_) | Plan::BytesList | Plan::StructList(_) => 5,
            Plan::Struct(_) | Plan::Map | Plan::Interp => 1,
        };
        // In bounds, or the context's zeros (which match no header).
        let (pos, addr) = self.header_at(need);
        // The 3 header bytes, as a little-endian word (no byte swap), against a constant.
        let word = self.b.ins().load(I32, native(), addr, 0);
        let hdr = self.b.ins().band_imm_s(word, 0x00ff_ffff);
        let [hi, lo] = (f.id as u16).to_be_bytes();
        let expected = i64::from(u32::from_le_bytes([f.ttype, hi, lo, 0]));
        let same = self.b.ins().icmp_imm_s(IntCC::Equal, hdr, expected);
        let consume = self.b.create_block();
        let at = self.field_arg(k);
        self.b.ins().brif(same, consume, &[], miss, &[at]);
        super::super::ir::enter(self.b, consume);
        match p {
            // Read from the header's address; `pos` moves past header and value at once.
            Plan::Scalar(_) | Plan::Bytes => self.header = Some((pos, addr, 3)),
            _ => {
                let after = self.b.ins().iadd_imm_s(pos, 3);
                self.b.def_var(self.pos, after);
            }
        }
    }

    /// A big-endian scalar of `kind` at `pos`, stored natively at `dst + off`.
    pub(super) fn binary_scalar(&mut self, kind: &ValueKind, dst: Value, off: i32, bounds: Bounds) {
        let size: i64 = match kind {
            ValueKind::Bool | ValueKind::I8 => 1,
            ValueKind::I16 => 2,
            ValueKind::I32 | ValueKind::Enum(_) => 4,
            _ => 8,
        };
        if let Bounds::Unchecked = bounds {
            self.need(size);
        }
        // In bounds: checked just above or with the header.
        let (addr, at) = self.value_addr(bounds);
        match kind {
            ValueKind::Bool => {
                let v = self.b.ins().uload8(I32, native(), addr, at);
                let nz = self.b.ins().icmp_imm_s(IntCC::NotEqual, v, 0);
                self.store_flag(nz, dst, off);
            }
            ValueKind::I8 => {
                let v = self.b.ins().load(I8, native(), addr, at);
                self.b.ins().store(native(), v, dst, off);
            }
            ValueKind::I16 => {
                let v = self.load_be(I16, addr, at);
                self.b.ins().store(native(), v, dst, off);
            }
            ValueKind::I32 | ValueKind::Enum(_) => {
                let v = self.load_be(I32, addr, at);
                self.b.ins().store(native(), v, dst, off);
            }
            _ => {
                // i64 and double: the same 8 bytes, byte-swapped.
                let v = self.load_be(I64, addr, at);
                self.b.ins().store(native(), v, dst, off);
            }
        }
        self.advance_value(bounds, size);
    }

    /// A string's `i32` length at `pos` (sign-extended: a negative length
    /// fails the caller's room check); `pos` moves past it.
    pub(super) fn binary_len(&mut self, bounds: Bounds) -> Value {
        if let Bounds::Unchecked = bounds {
            self.need(4);
        }
        let (addr, at) = self.value_addr(bounds);
        let n = self.load_be(I32, addr, at);
        let n = self.b.ins().sextend(I64, n);
        self.advance_value(bounds, 4);
        n
    }

    /// A list header at `pos`: returns the count, with the builder where the
    /// elements are of `elem`'s type and fit (or there are none). A count of
    /// another element type keeps the whole field as unknown.
    pub(super) fn binary_list_header(
        &mut self,
        f: &FieldLayout,
        elem: &ValueKind,
        p: Plan,
        bounds: Bounds,
        unknown: Block,
    ) -> Value {
        if let Bounds::Unchecked = bounds {
            self.need(5);
        }
        let pos = self.b.use_var(self.pos);
        let addr = self.b.ins().iadd(self.buf, pos);
        let et = self.b.ins().uload8(I64, native(), addr, 0);
        let n = self.load_be(I32, addr, 1);
        let n = self.b.ins().sextend(I64, n);
        self.advance(5);
        let ready = self.binary_count(n);
        let same = self.b.ins().icmp_imm_s(IntCC::Equal, et, i64::from(elem.ttype()));
        let min = match p {
            Plan::ScalarList(s) => i64::from(s),
            Plan::BytesList => 4,
            _ => 1,
        };
        self.typed_or_unknown(same, pos, f, n, min, unknown, ready);
        n
    }

    /// A map header at `pos` (key type, value type, `i32` count): returns
    /// the count, with the builder where the entries are of the IDL's types
    /// and `n` × `min` bytes fit (or there are none: an empty map's types
    /// are not checked, as the reader). Other types keep the whole field as
    /// unknown.
    pub(super) fn binary_map_header(
        &mut self,
        f: &FieldLayout,
        key: &ValueKind,
        value: &ValueKind,
        min: i64,
        unknown: Block,
    ) -> Value {
        self.need(6);
        let pos = self.b.use_var(self.pos);
        let addr = self.b.ins().iadd(self.buf, pos);
        let types = self.load_be(I16, addr, 0);
        let n = self.load_be(I32, addr, 2);
        let n = self.b.ins().sextend(I64, n);
        self.advance(6);
        let ready = self.binary_count(n);
        let expected = (i64::from(key.ttype()) << 8) | i64::from(value.ttype());
        let types = self.b.ins().uextend(I64, types);
        let same = self.b.ins().icmp_imm_s(IntCC::Equal, types, expected);
        self.typed_or_unknown(same, pos, f, n, min, unknown, ready);
        n
    }

    /// A container's count `n` (sign-extended): fails when negative, goes
    /// to the returned block when zero, and leaves the builder where there
    /// are elements.
    fn binary_count(&mut self, n: Value) -> Block {
        let negative = self.b.ins().icmp_imm_s(IntCC::SignedLessThan, n, 0);
        let nonneg = self.b.create_block();
        self.b.ins().brif(negative, self.error, &[], nonneg, &[]);
        self.b.switch_to_block(nonneg);
        let some = self.b.create_block();
        let ready = self.b.create_block();
        self.b.ins().brif(n, some, &[], ready, &[]);
        self.b.switch_to_block(some);
        ready
    }

    /// Loads a big-endian integer: a native load and a byte swap (Cranelift's
    /// x86 backend has no big-endian loads). Bounds were checked by the caller.
    fn load_be(&mut self, ty: cranelift_codegen::ir::Type, addr: Value, off: i32) -> Value {
        let v = self.b.ins().load(ty, native(), addr, off);
        if ty == I8 { v } else { self.b.ins().bswap(v) }
    }
}
