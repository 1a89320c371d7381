//! How the Compact protocol spells what the decoder reads: field headers of
//! one byte (id delta in the high nibble, type in the low one; a bool
//! field's value is its type) or a type byte and a zigzag varint id; zigzag
//! varints; little-endian doubles; varint lengths; list headers with the
//! count in the high nibble (15: a varint count follows).
//!
//! Every rule follows `wire/compact.rs`, the interpreter's reader: both
//! engines must accept exactly the same inputs and decode them alike.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I8, I16, I32, I64};
use cranelift_codegen::ir::{Block, BlockArg, Endianness, InstBuilder, MemFlagsData, Value};

use super::{Bounds, Gen, Plan, native};
use crate::layout::{FieldLayout, ValueKind};
use crate::wire::to_compact;

/// The Compact type of a bool field whose value is true (and of bool list
/// elements, as writers put it).
const BOOL_TRUE: u8 = 1;
/// The Compact type of a bool field whose value is false.
const BOOL_FALSE: u8 = 2;
/// Longest varint the interpreter accepts, in bytes.
const MAX_VARINT_BYTES: i64 = 10;

fn little() -> MemFlagsData {
    native().with_endianness(Endianness::Little)
}

/// The unsigned LEB128 bytes of `v`.
fn varint_bytes(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// The type of field `f`'s header (a bool field's says true).
pub(in crate::jit) fn header_type(f: &FieldLayout) -> u8 {
    if f.kind == ValueKind::Bool { BOOL_TRUE } else { to_compact(f.ttype) }
}

/// The bytes of field `f`'s header when the previous field header had id
/// `prev`: the short form when the delta is 1..=15, else the long form (as
/// the interpreter's writer chooses). A bool field's header says true.
pub(in crate::jit) fn header_bytes(f: &FieldLayout, prev: i16) -> Vec<u8> {
    let ctype = header_type(f);
    let delta = i32::from(f.id) - i32::from(prev);
    if (1..=15).contains(&delta) {
        return vec![((delta as u8) << 4) | ctype];
    }
    let mut out = vec![ctype];
    let id = i64::from(f.id);
    varint_bytes(((id << 1) ^ (id >> 63)) as u64, &mut out);
    out
}

impl Gen<'_, '_> {
    /// `check_k`: goes on with field k's header consumed when the next bytes
    /// are its header, else jumps to `miss(k)`. Before `check_k` the last header
    /// read was always field k-1's (0 for k = 0: the start of the struct), so
    /// the expected header is a constant. One bounds check covers the header
    /// and the bytes the fast path reads (a fixed-size value or a varint's
    /// first byte).
    pub(super) fn compact_expect_header(&mut self, k: usize, p: Plan, miss: Block) {
        let f = self.field(k);
        let prev = if k == 0 { 0 } else { self.field(k - 1).id };
        let hdr = header_bytes(f, prev);
        let is_bool = f.kind == ValueKind::Bool;
        let value_min = match (p, &f.kind) {
            (Plan::Scalar(_), ValueKind::Bool) => 0,
            (Plan::Scalar(_), ValueKind::Double) => 8,
            _ => 1,
        };
        // In bounds, or the context's zeros (which match no header).
        let (pos, addr) = self.header_at(hdr.len() as i64 + value_min);
        let word = self.load_le_prefix(addr, hdr.len());
        let expected = hdr.iter().rev().fold(0i64, |acc, &b| (acc << 8) | i64::from(b));
        // A bool's two headers differ only in the type, the low byte: true,
        // or true + 1 = false.
        let (same, nibble) = if is_bool {
            let x = self.b.ins().iadd_imm_s(word, -expected);
            let same = self.b.ins().icmp_imm_s(IntCC::UnsignedLessThanOrEqual, x, 1);
            (same, self.b.ins().iadd_imm_s(x, i64::from(BOOL_TRUE)))
        } else {
            let same = self.b.ins().icmp_imm_s(IntCC::Equal, word, expected);
            (same, self.b.ins().iconst(I64, i64::from(to_compact(f.ttype))))
        };
        let consume = self.b.create_block();
        let at = self.field_arg(k);
        self.b.ins().brif(same, consume, &[], miss, &[at]);
        super::super::ir::enter(self.b, consume);
        let after = self.b.ins().iadd_imm_s(pos, hdr.len() as i64);
        self.b.def_var(self.pos, after);
        self.b.def_var(self.nibble, nibble);
        self.leave = Some((miss, k, pos));
    }

    /// Whether the type nibble `code` (of a field header or a list header)
    /// is `kind`'s. Both bool nibbles (1 and 2) are bool.
    pub(super) fn compact_type_matches(&mut self, code: Value, kind: &ValueKind) -> Value {
        if *kind == ValueKind::Bool {
            let x = self.b.ins().iadd_imm_s(code, -i64::from(BOOL_TRUE));
            self.b.ins().icmp_imm_s(IntCC::UnsignedLessThanOrEqual, x, i64::from(BOOL_FALSE - BOOL_TRUE))
        } else {
            self.b.ins().icmp_imm_s(IntCC::Equal, code, i64::from(to_compact(kind.ttype())))
        }
    }

    /// A bool field: its value is the header's type nibble.
    pub(super) fn compact_bool_field(&mut self, off: i32) {
        let nibble = self.b.use_var(self.nibble);
        let v = self.b.ins().icmp_imm_s(IntCC::Equal, nibble, i64::from(BOOL_TRUE));
        self.store_flag(v, self.block, off);
    }

    /// A scalar of `kind` at `pos` (not a bool field), stored natively at `dst + off`.
    pub(super) fn compact_scalar(&mut self, kind: &ValueKind, dst: Value, off: i32, bounds: Bounds) {
        let checked = !matches!(bounds, Bounds::Unchecked);
        match kind {
            ValueKind::Bool | ValueKind::I8 | ValueKind::Double => {
                let size = if *kind == ValueKind::Double { 8 } else { 1 };
                if !checked {
                    self.need(size);
                }
                // In bounds: checked just above or with the header.
                let pos = self.b.use_var(self.pos);
                let addr = self.b.ins().iadd(self.buf, pos);
                match kind {
                    ValueKind::Bool => {
                        // A bool element is one byte; only 1 is true.
                        let v = self.b.ins().uload8(I32, native(), addr, 0);
                        let t = self.b.ins().icmp_imm_s(IntCC::Equal, v, i64::from(BOOL_TRUE));
                        self.store_flag(t, dst, off);
                    }
                    ValueKind::I8 => {
                        let v = self.b.ins().load(I8, native(), addr, 0);
                        self.b.ins().store(native(), v, dst, off);
                    }
                    _ => {
                        let v = self.b.ins().load(I64, little(), addr, 0);
                        self.b.ins().store(native(), v, dst, off);
                    }
                }
                self.advance(size);
            }
            ValueKind::I16 => {
                let v = self.varint(checked, 0xffff);
                let v = self.unzigzag(v);
                let v = self.b.ins().ireduce(I16, v);
                self.b.ins().store(native(), v, dst, off);
            }
            ValueKind::I32 | ValueKind::Enum(_) => {
                let v = self.varint(checked, 0xffff_ffff);
                let v = self.unzigzag(v);
                let v = self.b.ins().ireduce(I32, v);
                self.b.ins().store(native(), v, dst, off);
            }
            _ => {
                let v = self.varint(checked, u64::MAX);
                let v = self.unzigzag(v);
                self.b.ins().store(native(), v, dst, off);
            }
        }
    }

    /// A string's varint length at `pos` (at most `i32::MAX`); `pos` moves past it.
    pub(super) fn compact_len(&mut self, bounds: Bounds) -> Value {
        self.varint(!matches!(bounds, Bounds::Unchecked), i32::MAX as u64)
    }

    /// A list header at `pos`: returns the count, with the builder where the
    /// elements are of `elem`'s type and fit (or there are none). As the
    /// reader: an empty list may carry type 0 or any valid type, an invalid
    /// one fails; a count of another element type keeps the whole field as
    /// unknown.
    pub(super) fn compact_list_header(
        &mut self,
        f: &FieldLayout,
        elem: &ValueKind,
        bounds: Bounds,
        unknown: Block,
    ) -> Value {
        if let Bounds::Unchecked = bounds {
            self.need(1);
        }
        let start = self.b.use_var(self.pos);
        let addr = self.b.ins().iadd(self.buf, start);
        let b = self.b.ins().uload8(I64, native(), addr, 0);
        self.advance(1);
        let size = self.b.ins().ushr_imm_s(b, 4);
        let nibble = self.b.ins().band_imm_s(b, 0x0f);
        let long = self.b.create_block();
        let counted = self.b.create_block();
        self.b.append_block_param(counted, I64);
        let is_long = self.b.ins().icmp_imm_s(IntCC::Equal, size, 15);
        self.b.ins().brif(is_long, long, &[], counted, &[BlockArg::Value(size)]);
        self.b.switch_to_block(long);
        let n = self.varint(false, i32::MAX as u64);
        self.b.ins().jump(counted, &[BlockArg::Value(n)]);

        self.b.switch_to_block(counted);
        let n = self.b.block_params(counted)[0];
        let same = self.compact_type_matches(nibble, elem);
        let typed = self.b.create_block();
        let other = self.b.create_block();
        let ready = self.b.create_block();
        self.b.ins().brif(same, typed, &[], other, &[]);

        self.b.switch_to_block(typed);
        let min = if *elem == ValueKind::Double { 8 } else { 1 };
        self.check_count(n, min);
        self.b.ins().jump(ready, &[]);

        self.b.switch_to_block(other);
        let mismatch = self.b.create_block();
        let empty = self.b.create_block();
        self.b.ins().brif(n, mismatch, &[], empty, &[]);
        self.b.switch_to_block(empty);
        // Element types are 1..=13, and 0 in an empty list (what a Binary list
        // of no elements and no valid type becomes); 14 and 15 are unused.
        let valid = self.b.ins().icmp_imm_s(IntCC::UnsignedLessThanOrEqual, nibble, 13);
        self.b.ins().brif(valid, ready, &[], self.error, &[]);
        self.b.switch_to_block(mismatch);
        // Rewind to the value's start and keep the whole field as unknown (its
        // skip repeats the header's checks).
        self.b.def_var(self.pos, start);
        let args = self.unknown_args(f);
        self.b.ins().jump(unknown, &args);

        self.b.switch_to_block(ready);
        n
    }

    /// A map header at `pos` (a varint count, then, when there are entries,
    /// a byte of key and value types): returns the count, with the builder
    /// where the entries are of the IDL's types and `n` × `min` bytes fit
    /// (or there are none). Other types keep the whole field as unknown
    /// (its skip repeats the header's checks, and fails on invalid types as
    /// the reader does).
    pub(super) fn compact_map_header(
        &mut self,
        f: &FieldLayout,
        key: &ValueKind,
        value: &ValueKind,
        min: i64,
        unknown: Block,
    ) -> Value {
        let start = self.b.use_var(self.pos);
        let n = self.varint(false, i32::MAX as u64);
        let some = self.b.create_block();
        let ready = self.b.create_block();
        self.b.ins().brif(n, some, &[], ready, &[]);

        self.b.switch_to_block(some);
        self.need(1);
        let pos = self.b.use_var(self.pos);
        let addr = self.b.ins().iadd(self.buf, pos);
        let types = self.b.ins().uload8(I64, native(), addr, 0);
        self.advance(1);
        let kn = self.b.ins().ushr_imm_s(types, 4);
        let vn = self.b.ins().band_imm_s(types, 0x0f);
        let same_k = self.compact_type_matches(kn, key);
        let same_v = self.compact_type_matches(vn, value);
        let same = self.b.ins().band(same_k, same_v);
        self.typed_or_unknown(same, start, f, n, min, unknown, ready);
        n
    }

    /// An unsigned LEB128 varint at `pos`, by the reader's rules: at most 10
    /// bytes, the 10th at most 1, and at most `max`, else the decode fails.
    /// `pos` moves past it.
    ///
    /// A varint of at most `max`. With `first_checked`, its first byte is
    /// known to be in the input (checked with the field header), and a
    /// one-byte varint is read at once (no range check needed: `max` ≥
    /// 0x7f). Otherwise, or when it is longer, a varint of up to 8 bytes
    /// with 8 bytes of input left is read without a branch on its length
    /// ([`Gen::packed_varint`]); else (near the end of the input, or 9 and
    /// 10 bytes) byte by byte, each checked before it is read, or, on the
    /// expected path ([`Gen::leave`]), off it.
    fn varint(&mut self, first_checked: bool, max: u64) -> Value {
        debug_assert!(max >= 0x7f);
        let pos = self.b.use_var(self.pos);
        let addr = self.b.ins().iadd(self.buf, pos);
        // `out(v)`: the value, in range; `done(v)`: before the range check.
        let out = self.b.create_block();
        self.b.append_block_param(out, I64);
        let done = self.b.create_block();
        self.b.append_block_param(done, I64);
        let mut leave = None;
        if first_checked {
            let b0 = self.b.ins().uload8(I64, native(), addr, 0);
            self.one_byte(b0, pos, out);
            // On the expected path, where the 8-byte gather cannot read it, the
            // decoder leaves the path (the dispatch helper reads the field): no
            // byte-by-byte loop compiled for every field.
            leave = self.leave.take();
        }
        // Fewer than 8 bytes left, or longer than 8.
        let slow = self.b.create_block();
        let packed = self.b.create_block();
        let end = self.b.ins().iadd_imm_s(pos, 8);
        let wide = self.b.ins().icmp(IntCC::UnsignedLessThanOrEqual, end, self.len);
        self.b.ins().brif(wide, packed, &[], slow, &[]);

        self.b.switch_to_block(packed);
        // In bounds: 8 bytes are left (checked just above).
        let word = self.b.ins().load(I64, little(), addr, 0);
        if !first_checked {
            // One byte first, as the interpreter's `len()`: most lengths, counts and
            // small integers, known without waiting for the gathering below (whose
            // result the next read's address depends on).
            let b0 = self.b.ins().band_imm_s(word, 0xff);
            self.one_byte(b0, pos, done);
        }
        self.packed_varint(word, slow, done);

        self.b.switch_to_block(slow);
        match leave {
            Some((dispatch, k, at)) => {
                self.b.def_var(self.pos, at);
                let k = self.b.ins().iconst(I64, k as i64);
                self.b.ins().jump(dispatch, &[BlockArg::Value(k)]);
            }
            None => self.bytewise_varint(done),
        }

        self.b.switch_to_block(done);
        let v = self.b.block_params(done)[0];
        self.range_check(v, max, out);
        self.b.switch_to_block(out);
        self.b.block_params(out)[0]
    }

    /// A varint's first byte `b0` (at `pos`): when it is the whole varint,
    /// jumps to `to(b0)` with `pos` past it; else goes on, in a new block.
    fn one_byte(&mut self, b0: Value, pos: Value, to: Block) {
        let one = self.b.ins().icmp_imm_s(IntCC::UnsignedLessThan, b0, 0x80);
        let single = self.b.create_block();
        let longer = self.b.create_block();
        self.b.ins().brif(one, single, &[], longer, &[]);
        self.b.switch_to_block(single);
        let p1 = self.b.ins().iadd_imm_s(pos, 1);
        self.b.def_var(self.pos, p1);
        self.b.ins().jump(to, &[BlockArg::Value(b0)]);
        self.b.switch_to_block(longer);
    }

    /// Fails when `v` is above `max`, else jumps to `out(v)`.
    fn range_check(&mut self, v: Value, max: u64, out: Block) {
        if max != u64::MAX {
            let over = self.b.ins().icmp_imm_s(IntCC::UnsignedGreaterThan, v, max as i64);
            self.b.ins().brif(over, self.error, &[], out, &[BlockArg::Value(v)]);
        } else {
            self.b.ins().jump(out, &[BlockArg::Value(v)]);
        }
    }

    /// The varint at `pos` from `word`, its next 8 input bytes (little-endian):
    /// jumps to `done(value)` with `pos` past it, or to `longer` (`pos`
    /// unchanged) when none of the 8 bytes ends it.
    ///
    /// The last byte is the first without the continuation bit: its bit 7 is
    /// the lowest set bit of `!word & 0x80…80`. The bytes up to it are kept
    /// and their 7-bit groups gathered by three mask-and-shift steps (pairs
    /// of bytes, pairs of 14-bit groups, pairs of 28-bit groups). No branch
    /// depends on the length, so mixed lengths cost no mispredictions.
    fn packed_varint(&mut self, word: Value, longer: Block, done: Block) {
        let pos = self.b.use_var(self.pos);
        let not = self.b.ins().bnot(word);
        let stops = self.b.ins().band_imm_s(not, 0x8080_8080_8080_8080u64 as i64);
        let found = self.b.create_block();
        self.b.ins().brif(stops, found, &[], longer, &[]);
        self.b.switch_to_block(found);
        let last_bit = self.b.ins().ctz(stops); // 8 × (bytes - 1) + 7
        // Bits 0..=last_bit: `(2 << last_bit) - 1` (all ones when last_bit is 63).
        let two = self.b.ins().iconst(I64, 2);
        let keep = self.b.ins().ishl(two, last_bit);
        let keep = self.b.ins().iadd_imm_s(keep, -1);
        let x = self.b.ins().band(word, keep);
        let x = self.gather(x, 0x007f_007f_007f_007f, 0x7f00_7f00_7f00_7f00, 1);
        let x = self.gather(x, 0x0000_3fff_0000_3fff, 0x3fff_0000_3fff_0000, 2);
        let x = self.gather(x, 0x0000_0000_0fff_ffff, 0x0fff_ffff_0000_0000, 4);
        let bytes = self.b.ins().ushr_imm_s(last_bit, 3);
        let after = self.b.ins().iadd(pos, bytes);
        let after = self.b.ins().iadd_imm_s(after, 1);
        self.b.def_var(self.pos, after);
        self.b.ins().jump(done, &[BlockArg::Value(x)]);
    }

    /// `(x & low) | ((x & high) >> shift)`: one step of gathering 7-bit groups.
    fn gather(&mut self, x: Value, low: u64, high: u64, shift: i64) -> Value {
        let lo = self.b.ins().band_imm_s(x, low as i64);
        let hi = self.b.ins().band_imm_s(x, high as i64);
        let hi = self.b.ins().ushr_imm_s(hi, shift);
        self.b.ins().bor(lo, hi)
    }

    /// The varint at `pos`, one byte at a time, each bounds-checked before
    /// it is read; jumps to `done(value)` with `pos` past it.
    fn bytewise_varint(&mut self, done: Block) {
        let p0 = self.b.use_var(self.pos);
        let zero = self.b.ins().iconst(I64, 0);
        // head(p, shift, acc): byte p of the varint, with the groups before it in acc.
        let head = self.b.create_block();
        for _ in 0..3 {
            self.b.append_block_param(head, I64);
        }
        self.b.ins().jump(head, &[BlockArg::Value(p0), BlockArg::Value(zero), BlockArg::Value(zero)]);
        self.b.switch_to_block(head);
        let [p, shift, acc] = self.b.block_params(head).try_into().expect("three parameters");
        let short = self.b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, p, self.len);
        let have = self.b.create_block();
        self.b.ins().brif(short, self.error, &[], have, &[]);
        self.b.switch_to_block(have);
        let addr = self.b.ins().iadd(self.buf, p);
        let b = self.b.ins().uload8(I64, native(), addr, 0);
        // The 10th byte (shift 63) holds one bit: more fails, which also
        // ends the loop there (a byte of at most 1 has no continuation bit).
        let tenth = self.b.ins().icmp_imm_s(IntCC::Equal, shift, 7 * (MAX_VARINT_BYTES - 1));
        let big = self.b.ins().icmp_imm_s(IntCC::UnsignedGreaterThan, b, 1);
        let bad = self.b.ins().band(tenth, big);
        let ok = self.b.create_block();
        self.b.ins().brif(bad, self.error, &[], ok, &[]);
        self.b.switch_to_block(ok);
        let bits = self.b.ins().band_imm_s(b, 0x7f);
        let bits = self.b.ins().ishl(bits, shift);
        let acc = self.b.ins().bor(acc, bits);
        let p2 = self.b.ins().iadd_imm_s(p, 1);
        let more = self.b.ins().icmp_imm_s(IntCC::UnsignedGreaterThanOrEqual, b, 0x80);
        let again = self.b.create_block();
        let last = self.b.create_block();
        self.b.ins().brif(more, again, &[], last, &[]);
        self.b.switch_to_block(again);
        let shift = self.b.ins().iadd_imm_s(shift, 7);
        self.b.ins().jump(head, &[BlockArg::Value(p2), BlockArg::Value(shift), BlockArg::Value(acc)]);
        self.b.switch_to_block(last);
        self.b.def_var(self.pos, p2);
        self.b.ins().jump(done, &[BlockArg::Value(acc)]);
    }

    /// Zigzag decoding: `(v >> 1) ^ -(v & 1)`.
    fn unzigzag(&mut self, v: Value) -> Value {
        let half = self.b.ins().ushr_imm_s(v, 1);
        let sign = self.b.ins().band_imm_s(v, 1);
        let sign = self.b.ins().ineg(sign);
        self.b.ins().bxor(half, sign)
    }

    /// The first `n` (1 to 4) bytes at `addr` as a little-endian integer (in bounds: checked by the caller).
    fn load_le_prefix(&mut self, addr: Value, n: usize) -> Value {
        match n {
            1 => self.b.ins().uload8(I64, native(), addr, 0),
            2 => self.b.ins().uload16(I64, little(), addr, 0),
            3 => {
                let lo = self.b.ins().uload16(I64, little(), addr, 0);
                let hi = self.b.ins().uload8(I64, native(), addr, 2);
                let hi = self.b.ins().ishl_imm_s(hi, 16);
                self.b.ins().bor(lo, hi)
            }
            4 => self.b.ins().uload32(little(), addr, 0),
            _ => unreachable!("a field header is 1 to 4 bytes"),
        }
    }
}
