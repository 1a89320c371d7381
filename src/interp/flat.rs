//! Map entries of strings and integers, read and written with the dispatch
//! on the key and value kinds hoisted out of the loop.
//!
//! The general map loops of [`Decoder::read_elem`] and
//! [`Encoder::write_elem`] call back into those functions for every key and
//! every value: for `map<string,string>`, two calls per entry into a large
//! function that matches on the kind, keeps the nesting reserve up to date
//! and returns whether the element types matched. Here each pair of the
//! common flat kinds (string/binary, i32/enum, i64) gets a loop of its own,
//! monomorphised through [`Flat`], in which an element is a few inlined
//! reader or writer calls. The reads and writes are the ones `read_elem` and
//! `write_elem` make, so the bytes and errors are the same. Maps of the other
//! scalars (bool, i8, i16, double, uuid) take the general loop: they are rare
//! as map keys and values, and nine pairs keep the code small.

use crate::error::{DecodeError, EncodeError, PathSegment};
use crate::layout::{EntryLayout, RawSlice, ValueKind};
use crate::wire::{ProtocolReader, ProtocolWriter};

use super::decode::Decoder;
use super::encode::{Encoder, MAX_WIRE_LEN, too_long};

/// One flat element kind: how it is read into and written from its slot.
trait Flat {
    /// Reads one element into the slot at `p`.
    ///
    /// # Safety
    /// `p` must have room for a slot of this kind.
    unsafe fn read<'a, R: ProtocolReader<'a>>(d: &mut Decoder<'_, 'a, R>, p: *mut u8) -> Result<(), DecodeError>;

    /// Writes the element in the slot at `p`.
    ///
    /// # Safety
    /// `p` must hold a value of this kind.
    unsafe fn write<W: ProtocolWriter>(w: &mut W, p: *const u8) -> Result<(), EncodeError>;
}

/// `string` and `binary`: a [`RawSlice`] slot.
struct Bytes;
/// `i32` and enums.
struct I32;
/// `i64`.
struct I64;

impl Flat for Bytes {
    #[inline(always)]
    unsafe fn read<'a, R: ProtocolReader<'a>>(d: &mut Decoder<'_, 'a, R>, p: *mut u8) -> Result<(), DecodeError> {
        let range = d.r.read_bytes()?;
        let len = range.len();
        let ptr = d.string_ptr(range);
        // SAFETY: the caller gave room for a slice.
        unsafe { std::ptr::write_unaligned(p as *mut RawSlice, RawSlice { ptr, len }) };
        Ok(())
    }

    #[inline(always)]
    unsafe fn write<W: ProtocolWriter>(w: &mut W, p: *const u8) -> Result<(), EncodeError> {
        // SAFETY: the caller's slot holds a slice of live bytes.
        let s = unsafe { std::ptr::read_unaligned(p as *const RawSlice) };
        if s.len > MAX_WIRE_LEN {
            return Err(too_long(s.len));
        }
        // SAFETY: as above.
        w.write_bytes(unsafe { std::slice::from_raw_parts(s.ptr, s.len) });
        Ok(())
    }
}

impl Flat for I32 {
    #[inline(always)]
    unsafe fn read<'a, R: ProtocolReader<'a>>(d: &mut Decoder<'_, 'a, R>, p: *mut u8) -> Result<(), DecodeError> {
        let v = d.r.read_i32()?;
        // SAFETY: the caller gave room for an i32.
        unsafe { std::ptr::write_unaligned(p as *mut i32, v) };
        Ok(())
    }

    #[inline(always)]
    unsafe fn write<W: ProtocolWriter>(w: &mut W, p: *const u8) -> Result<(), EncodeError> {
        // SAFETY: the caller's slot holds an i32.
        w.write_i32(unsafe { std::ptr::read_unaligned(p as *const i32) });
        Ok(())
    }
}

impl Flat for I64 {
    #[inline(always)]
    unsafe fn read<'a, R: ProtocolReader<'a>>(d: &mut Decoder<'_, 'a, R>, p: *mut u8) -> Result<(), DecodeError> {
        let v = d.r.read_i64()?;
        // SAFETY: the caller gave room for an i64.
        unsafe { std::ptr::write_unaligned(p as *mut i64, v) };
        Ok(())
    }

    #[inline(always)]
    unsafe fn write<W: ProtocolWriter>(w: &mut W, p: *const u8) -> Result<(), EncodeError> {
        // SAFETY: the caller's slot holds an i64.
        w.write_i64(unsafe { std::ptr::read_unaligned(p as *const i64) });
        Ok(())
    }
}

/// The flat kinds with loops of their own.
#[derive(Clone, Copy)]
enum FlatKind {
    Bytes,
    I32,
    I64,
}

impl FlatKind {
    #[inline]
    fn of(kind: &ValueKind) -> Option<FlatKind> {
        match kind {
            ValueKind::String | ValueKind::Binary => Some(FlatKind::Bytes),
            ValueKind::I32 | ValueKind::Enum(_) => Some(FlatKind::I32),
            ValueKind::I64 => Some(FlatKind::I64),
            _ => None,
        }
    }
}

/// Calls `$go!(K, V)` with the [`Flat`] types of a pair of kinds, or
/// evaluates to `$other` when either kind has no loop of its own.
macro_rules! dispatch_pair {
    ($k:expr, $v:expr, $go:ident, $other:expr) => {
        match (FlatKind::of($k), FlatKind::of($v)) {
            (Some(FlatKind::Bytes), Some(FlatKind::Bytes)) => $go!(Bytes, Bytes),
            (Some(FlatKind::Bytes), Some(FlatKind::I32)) => $go!(Bytes, I32),
            (Some(FlatKind::Bytes), Some(FlatKind::I64)) => $go!(Bytes, I64),
            (Some(FlatKind::I32), Some(FlatKind::Bytes)) => $go!(I32, Bytes),
            (Some(FlatKind::I32), Some(FlatKind::I32)) => $go!(I32, I32),
            (Some(FlatKind::I32), Some(FlatKind::I64)) => $go!(I32, I64),
            (Some(FlatKind::I64), Some(FlatKind::Bytes)) => $go!(I64, Bytes),
            (Some(FlatKind::I64), Some(FlatKind::I32)) => $go!(I64, I32),
            (Some(FlatKind::I64), Some(FlatKind::I64)) => $go!(I64, I64),
            _ => $other,
        }
    };
}

impl<'a, R: ProtocolReader<'a>> Decoder<'_, 'a, R> {
    /// Reads `n` map entries of kinds `k` and `v` into the entry array at
    /// `base`, when both are flat kinds with a loop of their own; returns
    /// false, reading nothing, otherwise. The map header is read and checked.
    ///
    /// # Safety
    /// `base` must have room for `n` entries laid out as `el`.
    #[inline]
    pub(super) unsafe fn read_flat_entries(
        &mut self,
        k: &ValueKind,
        v: &ValueKind,
        el: EntryLayout,
        base: *mut u8,
        n: usize,
    ) -> Result<bool, DecodeError> {
        macro_rules! go {
            ($k:ty, $v:ty) => {
                // SAFETY: the caller's contract, passed on.
                unsafe { self.read_entries::<$k, $v>(el, base, n) }.map(|()| true)
            };
        }
        dispatch_pair!(k, v, go, Ok(false))
    }

    /// The loop of [`Decoder::read_flat_entries`] for one pair of kinds.
    ///
    /// # Safety
    /// As [`Decoder::read_flat_entries`], with `K` and `V` the entry's kinds.
    #[inline(never)]
    unsafe fn read_entries<K: Flat, V: Flat>(
        &mut self,
        el: EntryLayout,
        base: *mut u8,
        n: usize,
    ) -> Result<(), DecodeError> {
        for i in 0..n {
            // SAFETY: entry `i < n` of the array, its value at `value_offset`.
            unsafe {
                let at = base.add(i * el.stride);
                K::read(self, at)
                    .and_then(|()| V::read(self, at.add(el.value_offset)))
                    .map_err(|err| err.within(PathSegment::MapEntry(i)))?;
            }
        }
        Ok(())
    }
}

impl<W: ProtocolWriter> Encoder<'_, W> {
    /// Writes the `s.len` entries of a map of kinds `k` and `v`, when both
    /// are flat kinds with a loop of their own; returns false, writing
    /// nothing, otherwise. The map header is already written.
    ///
    /// # Safety
    /// `s` must be a map slot's array of `s.len` entries laid out as `el`.
    #[inline]
    pub(super) unsafe fn write_flat_entries(
        &mut self,
        k: &ValueKind,
        v: &ValueKind,
        el: EntryLayout,
        s: RawSlice,
    ) -> Result<bool, EncodeError> {
        macro_rules! go {
            ($k:ty, $v:ty) => {
                // SAFETY: the caller's contract, passed on.
                unsafe { self.write_entries::<$k, $v>(el, s) }.map(|()| true)
            };
        }
        dispatch_pair!(k, v, go, Ok(false))
    }

    /// The loop of [`Encoder::write_flat_entries`] for one pair of kinds.
    ///
    /// # Safety
    /// As [`Encoder::write_flat_entries`], with `K` and `V` the entry's kinds.
    #[inline(never)]
    unsafe fn write_entries<K: Flat, V: Flat>(&mut self, el: EntryLayout, s: RawSlice) -> Result<(), EncodeError> {
        for i in 0..s.len {
            // SAFETY: entry `i < s.len` of the array, its value at `value_offset`.
            unsafe {
                let at = s.ptr.add(i * el.stride);
                K::write(&mut self.w, at)?;
                V::write(&mut self.w, at.add(el.value_offset))?;
            }
        }
        Ok(())
    }
}
