//! How the Binary protocol spells what the encoder writes: 3-byte field
//! headers (type, big-endian id), big-endian fixed-width scalars, `i32`
//! lengths, list headers of an element type and an `i32` count.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I8, I16, I32, I64};
use cranelift_codegen::ir::{InstBuilder, Value};

use super::{Gen, native};
use crate::layout::{FieldLayout, ValueKind};

/// Bytes of a scalar of `kind`.
pub(super) fn scalar_size(kind: &ValueKind) -> i64 {
    match kind {
        ValueKind::Bool | ValueKind::I8 => 1,
        ValueKind::I16 => 2,
        ValueKind::I32 | ValueKind::Enum(_) => 4,
        _ => 8,
    }
}

/// What a run of branch-free optional scalar fields shares
/// ([`Gen::binary_optional_scalar`]): the output's address, presence word 0,
/// and a zero.
#[derive(Clone, Copy)]
pub(super) struct Straight {
    pub(super) buf: Value,
    pub(super) word: Value,
    pub(super) zero: Value,
}

impl Gen<'_, '_> {
    /// Field `f`'s 3 header bytes at `pos` (capacity checked).
    pub(super) fn binary_field_header(&mut self, f: &FieldLayout) {
        if self.measure {
            return self.advance(3);
        }
        let (buf, pos) = (self.buf(), self.b.use_var(self.pos));
        let at = self.b.ins().iadd(buf, pos);
        let t = self.b.ins().iconst(I8, i64::from(f.ttype));
        self.b.ins().store(native(), t, at, 0);
        // The id big-endian, swapped here rather than by a `bswap` in the code
        // (nothing folds it when the optimizer is off).
        let id = self.b.ins().iconst(I16, i64::from(f.id.swap_bytes()));
        self.b.ins().store(native(), id, at, 1);
        self.advance(3);
    }

    /// Optional scalar field `f` (presence bit in word 0), without a branch:
    /// its header and value are written at `pos` of the output whether or
    /// not it is set (the capacity of its run of scalars was checked for all
    /// of them set), and `pos` moves past them only when it is set. Fewer
    /// blocks to compile, no branch to mispredict on sparse structs.
    pub(super) fn binary_optional_scalar(&mut self, f: &FieldLayout, at: Straight) {
        let pos = self.b.use_var(self.pos);
        if !self.measure {
            let dst = self.b.ins().iadd(at.buf, pos);
            // The header's 3 bytes and one more as one store: the value's first byte
            // overwrites the fourth (the run's capacity covers it).
            let [hi, lo] = f.id.to_be_bytes();
            let header = i64::from(u32::from_le_bytes([f.ttype, hi, lo, 0]));
            let header = self.b.ins().iconst(I32, header);
            self.b.ins().store(native(), header, dst, 0);
            self.binary_scalar_at(&f.kind, self.block, f.offset as i32, dst, 3);
        }
        // A select between constants (test and cmov): fewer instructions to
        // compile than shifting the bit down and multiplying.
        let set = self.b.ins().band_imm_s(at.word, f.presence_mask() as i64);
        let size = self.b.ins().iconst(I64, 3 + scalar_size(&f.kind));
        let step = self.b.ins().select(set, size, at.zero);
        let end = self.b.ins().iadd(pos, step);
        self.b.def_var(self.pos, end);
    }

    /// String or binary field `f` of `n` bytes at `ptr` (capacity for all of it
    /// checked): header, length and bytes at offsets from one address.
    pub(super) fn binary_bytes_field(&mut self, f: &FieldLayout, ptr: Value, n: Value) {
        let (buf, pos) = (self.buf(), self.b.use_var(self.pos));
        let at = self.b.ins().iadd(buf, pos);
        // The header's 3 bytes and one more as one store: the length overwrites the fourth.
        let [hi, lo] = f.id.to_be_bytes();
        let header = self.b.ins().iconst(I32, i64::from(u32::from_le_bytes([f.ttype, hi, lo, 0])));
        self.b.ins().store(native(), header, at, 0);
        let n32 = self.b.ins().ireduce(I32, n);
        self.store_be(n32, at, 3);
        let dst = self.b.ins().iadd_imm_s(at, 7);
        self.copy_bytes(dst, ptr, n);
        let end = self.b.ins().iadd(pos, n);
        let end = self.b.ins().iadd_imm_s(end, 7);
        self.b.def_var(self.pos, end);
    }

    /// The scalar of `kind` at `src + src_off`, big-endian at `pos` (capacity checked).
    pub(super) fn binary_scalar(&mut self, kind: &ValueKind, src: Value, src_off: i32) {
        if self.measure {
            return self.advance(scalar_size(kind));
        }
        let (buf, pos) = (self.buf(), self.b.use_var(self.pos));
        let at = self.b.ins().iadd(buf, pos);
        self.binary_scalar_at(kind, src, src_off, at, 0);
        self.advance(scalar_size(kind));
    }

    /// The scalar of `kind` at `src + src_off`, big-endian at `at + off`.
    fn binary_scalar_at(&mut self, kind: &ValueKind, src: Value, src_off: i32, at: Value, off: i32) {
        match kind {
            ValueKind::Bool => {
                let v = self.b.ins().load(I8, native(), src, src_off);
                let nz = self.b.ins().icmp_imm_s(IntCC::NotEqual, v, 0);
                self.b.ins().store(native(), nz, at, off);
            }
            ValueKind::I8 => {
                let v = self.b.ins().load(I8, native(), src, src_off);
                self.b.ins().store(native(), v, at, off);
            }
            ValueKind::I16 => {
                let v = self.b.ins().load(I16, native(), src, src_off);
                self.store_be(v, at, off);
            }
            ValueKind::I32 | ValueKind::Enum(_) => {
                let v = self.b.ins().load(I32, native(), src, src_off);
                self.store_be(v, at, off);
            }
            _ => {
                let v = self.b.ins().load(I64, native(), src, src_off);
                self.store_be(v, at, off);
            }
        }
    }

    /// A length `n` (at most `i32::MAX`, checked) as a big-endian `i32` at `pos`.
    pub(super) fn binary_len(&mut self, n: Value) {
        if self.measure {
            return self.advance(4);
        }
        let (buf, pos) = (self.buf(), self.b.use_var(self.pos));
        let at = self.b.ins().iadd(buf, pos);
        let n32 = self.b.ins().ireduce(I32, n);
        self.store_be(n32, at, 0);
        self.advance(4);
    }

    /// A list header: the element type and the count `n` (checked).
    pub(super) fn binary_list_header(&mut self, elem: &ValueKind, n: Value) {
        let et = self.b.ins().iconst(I8, i64::from(elem.ttype()));
        self.put_u8(et);
        self.binary_len(n);
    }

    /// A map header: the key and value types and the count `n` (checked).
    pub(super) fn binary_map_header(&mut self, key: &ValueKind, value: &ValueKind, n: Value) {
        if self.measure {
            return self.advance(6);
        }
        let types = (i64::from(key.ttype()) << 8) | i64::from(value.ttype());
        let types = self.b.ins().iconst(I16, types);
        let (buf, pos) = (self.buf(), self.b.use_var(self.pos));
        let at = self.b.ins().iadd(buf, pos);
        self.store_be(types, at, 0);
        self.advance(2);
        self.binary_len(n);
    }

    /// Stores an integer big-endian: a byte swap and a native store.
    fn store_be(&mut self, v: Value, addr: Value, off: i32) {
        let swapped = self.b.ins().bswap(v);
        self.b.ins().store(native(), swapped, addr, off);
    }
}
