//! How the Binary protocol spells what the decoder reads: 3-byte field
//! headers (type, big-endian id), big-endian fixed-width scalars, `i32`
//! lengths, and list headers of an element type and an `i32` count.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I8, I16, I32, I64};
use cranelift_codegen::ir::{Block, InstBuilder, Value};

use super::{Bounds, Gen, Plan, native};
use crate::jit::rt::{RUN_MAX, RUN_ZEROS};
use crate::layout::{FieldLayout, ValueKind};

impl Gen<'_, '_> {
    /// The expected path from field `k`: runs of fixed-size scalar fields,
    /// each checked at once, up to the next field of another plan (whose
    /// header is then consumed, and whose index is returned) or the stop
    /// byte (consumed, with a jump to `done`; returns the field count).
    pub(super) fn binary_run(&mut self, mut k: usize, plans: &[Plan], dispatch: Block, done: Block) -> usize {
        loop {
            match self.binary_one_run(k, plans, dispatch, done) {
                RunEnd::Split(j) => k = j,
                RunEnd::Field(j) => return j,
                RunEnd::Stop => return plans.len(),
            }
        }
    }

    /// One run from field `k`: the scalar fields from `k` on, then the header
    /// of the next field of another plan, or the stop byte, at offsets known
    /// from the run's start. One bounds check covers them all (when the input
    /// is shorter, the headers are read from [`RUN_ZEROS`], which match none),
    /// and one test all their headers: any difference jumps to `dispatch(k)`,
    /// before a value is stored, and the helper reads from field `k` on. A
    /// run covers at most [`RUN_MAX`] bytes; a longer one is split.
    fn binary_one_run(&mut self, k: usize, plans: &[Plan], dispatch: Block, done: Block) -> RunEnd {
        let mut scalars = Vec::new(); // (position, header offset)
        let mut off = 0i64;
        let mut j = k;
        let (end, need) = loop {
            match plans.get(j) {
                None if j == k => {
                    // Nothing but the stop byte: a zero, so it is not read from the zeros.
                    self.expect_stop(dispatch, done);
                    return RunEnd::Stop;
                }
                None => break (RunEnd::Stop, off + 1),
                Some(&Plan::Scalar(size)) => {
                    let len = 3 + i64::from(size);
                    if j > k && off + len + 1 > RUN_MAX as i64 {
                        break (RunEnd::Split(j), off);
                    }
                    scalars.push((j, off));
                    off += len;
                }
                Some(&p) => {
                    let value = match p {
                        Plan::Bytes => 4,
                        Plan::ScalarList(_) | Plan::BytesList | Plan::StructList(_) => 5,
                        _ => 1,
                    };
                    if j > k && off + 3 + value > RUN_MAX as i64 {
                        break (RunEnd::Split(j), off);
                    }
                    break (RunEnd::Field(j), off + 3 + value);
                }
            }
            j += 1;
        };
        // In bounds, or the zeros.
        let pos = self.b.use_var(self.pos);
        let last = super::super::ir::add_imm(self.b, pos, need);
        let short = self.b.ins().icmp(IntCC::UnsignedGreaterThan, last, self.len);
        let addr = self.b.ins().iadd(self.buf, pos);
        let zeros = self.b.ins().iconst(I64, RUN_ZEROS.as_ptr() as i64);
        let at = self.b.ins().select(short, zeros, addr);
        // Each header, as a little-endian word of its 3 bytes and the byte after them (no
        // byte swap), against its constant: the differences ORed together, then the
        // fourth bytes masked off once.
        let mut headers = scalars.clone();
        if let RunEnd::Field(j) = end {
            headers.push((j, off));
        }
        let mut diff = None;
        for (i, o) in headers {
            let f = self.field(i);
            let word = self.b.ins().load(I32, native(), at, o as i32);
            let [hi, lo] = (f.id as u16).to_be_bytes();
            let x = self.b.ins().bxor_imm_s(word, i64::from(u32::from_le_bytes([f.ttype, hi, lo, 0])));
            diff = Some(diff.map_or(x, |d| self.b.ins().bor(d, x)));
        }
        let mut diff = diff.map(|d| self.b.ins().band_imm_s(d, 0x00ff_ffff));
        if let RunEnd::Stop = end {
            let t = self.b.ins().uload8(I32, native(), at, off as i32);
            diff = Some(diff.map_or(t, |d| self.b.ins().bor(d, t)));
        }
        let diff = diff.expect("a run has a header or the stop byte after one");
        let same = self.b.create_block();
        let at_k = self.field_arg(k);
        self.b.ins().brif(diff, dispatch, &[at_k], same, &[]);
        super::super::ir::enter(self.b, same);
        for (i, o) in scalars {
            let f = self.field(i);
            // Read at a constant offset from the run's start; `pos` moves past it.
            self.header = Some((pos, at, o + 3));
            self.binary_scalar(&f.kind, self.block, f.offset as i32, Bounds::Run);
            self.mark_present(f);
        }
        match end {
            RunEnd::Stop => {
                self.flush_seen();
                let p1 = super::super::ir::add_imm(self.b, pos, off + 1);
                self.b.def_var(self.pos, p1);
                self.b.ins().jump(done, &[]);
            }
            RunEnd::Field(j) if plans[j] == Plan::Bytes => self.header = Some((pos, at, off + 3)),
            RunEnd::Field(_) => {
                let after = super::super::ir::add_imm(self.b, pos, off + 3);
                self.b.def_var(self.pos, after);
            }
            RunEnd::Split(_) => {
                let next = super::super::ir::add_imm(self.b, pos, off);
                self.b.def_var(self.pos, next);
            }
        }
        end
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

/// Where a run of the expected path ends.
#[derive(Clone, Copy)]
enum RunEnd {
    /// At field j, a scalar, because the run is full: the next run starts there.
    Split(usize),
    /// At field j, of another plan: its header is consumed, its value is next.
    Field(usize),
    /// At the stop byte, consumed.
    Stop,
}
