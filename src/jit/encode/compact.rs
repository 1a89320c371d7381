//! How the Compact protocol spells what the encoder writes, byte for byte
//! as the interpreter's `CompactWriter`: field headers as a delta from the
//! last id when it is 1..=15, else a type byte and a zigzag varint id (a
//! bool field's value is its type); zigzag varints; little-endian doubles;
//! varint lengths; list headers with the count in the high nibble up to 14,
//! else `0xF0 | type` and a varint count.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I8, I16, I32, I64};
use cranelift_codegen::ir::{BlockArg, Endianness, InstBuilder, Value};

use super::{Gen, native};
use crate::jit::decode::{header_bytes, header_type};
use crate::layout::{FieldLayout, ValueKind};
use crate::wire::to_compact;

/// Most bytes of a varint length or count (at most `i32::MAX`: 31 bits).
pub(super) const MAX_LEN_BYTES: i64 = 5;

/// Most bytes a scalar of `kind` takes: varints of 16, 32 (sign-extended,
/// zigzagged: 32 bits) and 64 bits take 3, 5 and 10. A bool field takes
/// none (its value is in the header).
pub(super) fn scalar_max(kind: &ValueKind, field: bool) -> i64 {
    match kind {
        ValueKind::Bool => i64::from(!field),
        ValueKind::I8 => 1,
        ValueKind::I16 => 3,
        ValueKind::I32 | ValueKind::Enum(_) => 5,
        ValueKind::Double => 8,
        _ => 10,
    }
}

/// The Compact type of list elements of `kind` (bool as true, as the writer does).
fn elem_type(kind: &ValueKind) -> u8 {
    to_compact(kind.ttype())
}

impl Gen<'_, '_> {
    /// Most bytes field `f`'s header takes here: exact when the last id is
    /// known, else the long form's (the short form is one byte).
    pub(super) fn compact_header_max(&self, f: &FieldLayout) -> i64 {
        header_bytes(f, self.known_last.unwrap_or(f.id)).len() as i64
    }

    /// Field `f`'s header at `pos` (capacity checked). A constant when the
    /// last id is known here; else the delta from the `last` variable picks
    /// the short or the long form. A bool field's value goes in the type.
    pub(super) fn compact_field_header(&mut self, f: &FieldLayout) {
        // `header_bytes` says true; false is the next type code.
        let false_bump = if f.kind == ValueKind::Bool {
            let v = self.b.ins().load(I8, native(), self.block, f.offset as i32);
            Some(self.b.ins().icmp_imm_s(IntCC::Equal, v, 0))
        } else {
            None
        };
        match self.known_last {
            Some(prev) => self.put_header(&header_bytes(f, prev), false_bump),
            None => {
                let last = self.b.use_var(self.last);
                let id = self.b.ins().iconst(I64, i64::from(f.id));
                let delta = self.b.ins().isub(id, last);
                let x = self.b.ins().iadd_imm_s(delta, -1);
                let short = self.b.ins().icmp_imm_s(IntCC::UnsignedLessThanOrEqual, x, 14);
                let short_form = self.b.create_block();
                let long_form = self.b.create_block();
                let join = self.b.create_block();
                self.b.ins().brif(short, short_form, &[], long_form, &[]);

                self.b.switch_to_block(short_form);
                let hi = self.b.ins().ishl_imm_s(delta, 4);
                let ctype = header_type(f);
                let byte = self.b.ins().bor_imm_s(hi, i64::from(ctype));
                let byte = self.b.ins().ireduce(I8, byte);
                let byte = match false_bump {
                    Some(bump) => self.b.ins().iadd(byte, bump),
                    None => byte,
                };
                self.put_u8(byte);
                self.b.ins().jump(join, &[]);

                self.b.switch_to_block(long_form);
                self.put_header(&header_bytes(f, f.id), false_bump);
                self.b.ins().jump(join, &[]);
                self.b.switch_to_block(join);
            }
        }
        self.set_last(f.id);
    }

    /// Constant header bytes, the first one plus `bump` when given.
    fn put_header(&mut self, bytes: &[u8], bump: Option<Value>) {
        let first = self.b.ins().iconst(I8, i64::from(bytes[0]));
        let first = match bump {
            Some(bump) => self.b.ins().iadd(first, bump),
            None => first,
        };
        self.put_u8(first);
        for &b in &bytes[1..] {
            self.put_u8_const(b);
        }
    }

    /// The scalar of `kind` at `src + src_off` at `pos` (capacity checked);
    /// not a bool field, whose value is in its header.
    pub(super) fn compact_scalar(&mut self, kind: &ValueKind, src: Value, src_off: i32) {
        match kind {
            ValueKind::Bool => {
                // A bool element: 1 true, 2 false.
                let v = self.b.ins().load(I8, native(), src, src_off);
                let is_false = self.b.ins().icmp_imm_s(IntCC::Equal, v, 0);
                let byte = self.b.ins().iadd_imm_s(is_false, 1);
                self.put_u8(byte);
            }
            ValueKind::I8 => {
                let v = self.b.ins().load(I8, native(), src, src_off);
                self.put_u8(v);
            }
            ValueKind::Double if self.measure => self.advance(8),
            ValueKind::Double => {
                let v = self.b.ins().load(I64, native(), src, src_off);
                let (buf, pos) = (self.buf(), self.b.use_var(self.pos));
                let at = self.b.ins().iadd(buf, pos);
                self.b.ins().store(native().with_endianness(Endianness::Little), v, at, 0);
                self.advance(8);
            }
            _ => {
                let v = match kind {
                    ValueKind::I16 => {
                        let v = self.b.ins().load(I16, native(), src, src_off);
                        self.b.ins().sextend(I64, v)
                    }
                    ValueKind::I32 | ValueKind::Enum(_) => {
                        let v = self.b.ins().load(I32, native(), src, src_off);
                        self.b.ins().sextend(I64, v)
                    }
                    _ => self.b.ins().load(I64, native(), src, src_off),
                };
                // Zigzag: (v << 1) ^ (v >> 63), at 64 bits for every width.
                let twice = self.b.ins().ishl_imm_s(v, 1);
                let sign = self.b.ins().sshr_imm_s(v, 63);
                let z = self.b.ins().bxor(twice, sign);
                self.compact_varint(z);
            }
        }
    }

    /// A list header: the count `n` (checked) and the element type.
    pub(super) fn compact_list_header(&mut self, elem: &ValueKind, n: Value) {
        let ctype = elem_type(elem);
        let small = self.b.ins().icmp_imm_s(IntCC::UnsignedLessThanOrEqual, n, 14);
        let short_form = self.b.create_block();
        let long_form = self.b.create_block();
        let join = self.b.create_block();
        self.b.ins().brif(small, short_form, &[], long_form, &[]);
        self.b.switch_to_block(short_form);
        let hi = self.b.ins().ishl_imm_s(n, 4);
        let byte = self.b.ins().bor_imm_s(hi, i64::from(ctype));
        let byte = self.b.ins().ireduce(I8, byte);
        self.put_u8(byte);
        self.b.ins().jump(join, &[]);
        self.b.switch_to_block(long_form);
        self.put_u8_const(0xf0 | ctype);
        self.compact_varint(n);
        self.b.ins().jump(join, &[]);
        self.b.switch_to_block(join);
    }

    /// A map header: the count `n` (checked) as a varint, then, when there
    /// are entries, the key and value types in one byte (an empty map is the
    /// single byte 0).
    pub(super) fn compact_map_header(&mut self, key: &ValueKind, value: &ValueKind, n: Value) {
        self.compact_varint(n);
        let some = self.b.create_block();
        let join = self.b.create_block();
        self.b.ins().brif(n, some, &[], join, &[]);
        self.b.switch_to_block(some);
        self.put_u8_const((elem_type(key) << 4) | elem_type(value));
        self.b.ins().jump(join, &[]);
        self.b.switch_to_block(join);
    }

    /// An unsigned LEB128 varint of `v` at `pos` (capacity for 10 bytes, or
    /// as many as `v` can need, checked by the caller).
    pub(super) fn compact_varint(&mut self, v: Value) {
        if self.measure {
            // ceil(significant bits / 7), one byte for 0: (64 - clz(v | 1) + 6) / 7,
            // the division as (x × 37) >> 8, exact for x in 7..=70 (no divide
            // instruction: nothing rewrites it at `opt_level` none).
            let pos = self.b.use_var(self.pos);
            let v1 = self.b.ins().bor_imm_s(v, 1);
            let zeros = self.b.ins().clz(v1);
            let top = self.b.ins().iconst(I64, 64 + 6);
            let bits = self.b.ins().isub(top, zeros);
            let scaled = self.b.ins().imul_imm_s(bits, 37);
            let bytes = self.b.ins().ushr_imm_s(scaled, 8);
            let end = self.b.ins().iadd(pos, bytes);
            self.b.def_var(self.pos, end);
            return;
        }
        let buf = self.buf();
        let pos = self.b.use_var(self.pos);
        let head = self.b.create_block();
        self.b.append_block_param(head, I64);
        self.b.append_block_param(head, I64);
        let more = self.b.create_block();
        let last = self.b.create_block();
        self.b.ins().jump(head, &[BlockArg::Value(v), BlockArg::Value(pos)]);
        self.b.switch_to_block(head);
        let [v, p] = self.b.block_params(head).try_into().expect("two parameters");
        let at = self.b.ins().iadd(buf, p);
        let small = self.b.ins().icmp_imm_s(IntCC::UnsignedLessThan, v, 0x80);
        self.b.ins().brif(small, last, &[], more, &[]);
        self.b.switch_to_block(more);
        let byte = self.b.ins().bor_imm_s(v, 0x80);
        self.b.ins().istore8(native(), byte, at, 0);
        let v2 = self.b.ins().ushr_imm_s(v, 7);
        let p2 = self.b.ins().iadd_imm_s(p, 1);
        self.b.ins().jump(head, &[BlockArg::Value(v2), BlockArg::Value(p2)]);
        self.b.switch_to_block(last);
        self.b.ins().istore8(native(), v, at, 0);
        let p2 = self.b.ins().iadd_imm_s(p, 1);
        self.b.def_var(self.pos, p2);
    }
}

#[cfg(test)]
mod tests {
    /// The sizer's varint length, `((64 - clz(v | 1) + 6) × 37) >> 8`, is
    /// the writer's for every number of significant bits (the smallest and
    /// the largest value of each).
    #[test]
    fn varint_length_without_division() {
        for bits in 0..=64u32 {
            let v: u64 = if bits == 0 { 0 } else { 1 << (bits - 1) };
            for v in [v, v.wrapping_mul(2).wrapping_sub(1).max(v)] {
                // The writer's loop: 7 bits a byte.
                let (mut rest, mut len) = (v, 1);
                while rest >= 0x80 {
                    rest >>= 7;
                    len += 1;
                }
                let x = u64::from(64 - (v | 1).leading_zeros() + 6);
                assert_eq!((x * 37) >> 8, len, "{v:#x}");
            }
        }
    }
}
