//! The table-driven decoder: walks a [`StructLayout`] and writes blocks into
//! the arena. Monomorphised per protocol through [`ProtocolReader`].

use std::ptr::NonNull;

use crate::error::{DecodeError, DecodeErrorKind, PathSegment};
use crate::layout::{EntryLayout, Layouts, RawSlice, StructLayout, UnknownField, ValueKind};
use crate::value::{Arena, new_block};
use crate::wire::{FieldHeader, Protocol, ProtocolReader, skip, ttype};

/// Decoder state for one message.
pub(crate) struct Decoder<'l, 'a, R> {
    pub r: R,
    pub arena: &'l mut Arena,
    pub layouts: &'l Layouts,
    /// Copy strings into the arena instead of aliasing the input.
    pub copy_strings: bool,
    /// Bytes that the containers being decoded still need for their later
    /// elements (each at least its wire type's minimum size). A nested
    /// container's count is checked against the bytes left *minus* these, so
    /// the element arrays open at once along one path of nesting promise no
    /// more elements, together, than the input can hold. Without it, a hostile
    /// input nesting `list<T>` in `T` could make every level allocate for a
    /// count as large as the whole input: `max_depth` times the memory.
    pub reserved: usize,
    pub _input: std::marker::PhantomData<&'a [u8]>,
}

/// The outcome of reading a value whose header matched: `Ok(true)` read,
/// `Ok(false)` an element type inside it does not match the IDL (the caller
/// rewinds and keeps the whole field as unknown).
type Read = Result<bool, DecodeError>;

#[cold]
fn depth_error(at: usize) -> DecodeError {
    DecodeError::new(DecodeErrorKind::DepthLimit, at)
}

#[cold]
fn unreserved_error(n: usize, left: usize, at: usize) -> DecodeError {
    DecodeError::with_detail(
        DecodeErrorKind::Truncated,
        at,
        format!("{n} elements cannot fit in the {left} bytes the enclosing containers leave"),
    )
}

/// True for kinds whose values can hold containers (and so allocate).
#[inline]
fn can_nest(kind: &ValueKind) -> bool {
    matches!(kind, ValueKind::Struct(_) | ValueKind::List(_) | ValueKind::Set(_) | ValueKind::Map(..))
}

impl<'l, 'a, R: ProtocolReader<'a>> Decoder<'l, 'a, R> {
    /// Decodes one struct of `layout` into `block` (already holding the template).
    pub fn decode_struct(&mut self, layout: &StructLayout, block: NonNull<u8>, depth: u32) -> Result<(), DecodeError> {
        let saved = self.r.struct_begin();
        let base = block.as_ptr();
        // Presence bits of the first word accumulate here and are stored once.
        let mut seen0: u64 = 0;
        let mut unknown_tail: *mut UnknownField = std::ptr::null_mut();
        loop {
            let h = self.r.field_header()?;
            if h.ttype == ttype::STOP {
                break;
            }
            if let Some(i) = layout.field_index(h.id) {
                let f = &layout.fields[i];
                if f.ttype == h.ttype {
                    let value_start = self.r.pos();
                    // SAFETY: `f.offset` is a slot of this block sized for `f.kind`.
                    let slot = unsafe { NonNull::new_unchecked(base.add(f.offset)) };
                    let ok = self
                        .read_value(&f.kind, h, slot, depth)
                        .map_err(|e| e.within(PathSegment::Field(layout.name.clone(), f.name.clone())))?;
                    if ok {
                        if f.index < 64 {
                            seen0 |= f.presence_mask();
                        } else {
                            // SAFETY: presence words are part of every block.
                            unsafe { *(base.add(f.presence_offset()) as *mut u64) |= f.presence_mask() };
                        }
                        continue;
                    }
                    self.r.set_pos(value_start);
                }
            }
            self.keep_unknown(layout, block, &mut unknown_tail, h, depth)?;
        }
        self.r.struct_end(saved);
        // SAFETY: word 0 of the presence bitmap is part of every block.
        unsafe { *(base as *mut u64) |= seen0 };
        self.finish_struct(layout, block)
    }

    /// The checks at the end of a struct, after its presence bits are
    /// stored: at most one field of a union, IDL defaults of absent fields,
    /// required fields present.
    pub fn finish_struct(&mut self, layout: &StructLayout, block: NonNull<u8>) -> Result<(), DecodeError> {
        let base = block.as_ptr();
        if layout.is_union() {
            self.check_union(layout, block)?;
        }
        if !layout.complex_defaults.is_empty() {
            crate::value::apply_defaults(self.layouts, layout, block, self.arena);
        }
        for (w, &req) in layout.required.iter().enumerate() {
            // SAFETY: presence words `0..presence_words` are part of every block.
            let word = unsafe { *(base.add(w * 8) as *const u64) };
            if word & req != req {
                let missing = (req & !word).trailing_zeros() as usize + w * 64;
                let f = &layout.fields[missing];
                // The path ends at the missing field itself: `Outer.inner.field`.
                return Err(DecodeError::with_detail(
                    DecodeErrorKind::MissingRequired,
                    self.r.pos(),
                    format!("required field `{}` (id {}) of `{}` is missing", f.name, f.id, layout.name),
                )
                .within(PathSegment::Field(layout.name.clone(), f.name.clone())));
            }
        }
        Ok(())
    }

    #[cold]
    fn check_union(&self, layout: &StructLayout, block: NonNull<u8>) -> Result<(), DecodeError> {
        let mut set = 0;
        for w in 0..layout.presence_words {
            // SAFETY: presence words are part of every block.
            set += unsafe { *(block.as_ptr().add(w * 8) as *const u64) }.count_ones();
        }
        if set > 1 {
            return Err(DecodeError::with_detail(
                DecodeErrorKind::UnionMultiple,
                self.r.pos(),
                format!("{set} fields of `{}` are set", layout.name),
            ));
        }
        Ok(())
    }

    /// Skips the value of an unknown field and records it on the block.
    #[cold]
    pub fn keep_unknown(
        &mut self,
        layout: &StructLayout,
        block: NonNull<u8>,
        tail: &mut *mut UnknownField,
        h: FieldHeader,
        depth: u32,
    ) -> Result<(), DecodeError> {
        let start = self.r.pos();
        let encoding = match (h.bool_value, R::PROTOCOL) {
            (Some(b), _) => 2 + b as u8,
            (None, Protocol::Binary) => 0,
            (None, Protocol::Compact) => 1,
        };
        if h.bool_value.is_none() {
            skip(&mut self.r, h.ttype, depth).map_err(|e| {
                e.within(PathSegment::Field(layout.name.clone(), format!("<unknown field {}>", h.id).into()))
            })?;
        }
        let range = start..self.r.pos();
        let data = self.string_ptr(range.clone());
        let rec = self.arena.alloc(std::mem::size_of::<UnknownField>()).as_ptr() as *mut UnknownField;
        // SAFETY: `rec` is a fresh arena block sized and aligned (8) for an
        // `UnknownField`; `tail` is null or the previous record of this block.
        unsafe {
            rec.write(UnknownField {
                next: std::ptr::null(),
                data,
                len: range.len(),
                id: h.id,
                ttype: h.ttype,
                encoding,
            });
            if tail.is_null() {
                *(block.as_ptr().add(layout.unknown_offset) as *mut *const UnknownField) = rec;
            } else {
                (**tail).next = rec;
            }
        }
        *tail = rec;
        Ok(())
    }

    /// A pointer to the bytes `range` of the input, or to an arena copy.
    #[inline]
    pub(super) fn string_ptr(&mut self, range: std::ops::Range<usize>) -> *const u8 {
        let bytes = &self.r.buf()[range];
        if self.copy_strings && !bytes.is_empty() { self.arena.alloc_bytes(bytes).as_ptr() } else { bytes.as_ptr() }
    }

    /// Reads `n` list elements of a scalar or string `kind` into the array at
    /// `base`, with the dispatch on the kind hoisted out of the loop (and, for
    /// Binary's fixed-width types, one bounds check for the whole array and a
    /// byte-swapping copy). Returns false, reading nothing, for other kinds.
    ///
    /// # Safety
    /// `base` must have room for `n` elements of `kind`'s slot size.
    #[inline]
    unsafe fn read_scalars(&mut self, kind: &ValueKind, base: *mut u8, n: usize) -> Result<bool, DecodeError> {
        /// Writes element `i` of width `size_of::<T>()`.
        macro_rules! each {
            ($t:ty, $read:expr) => {
                for i in 0..n {
                    let v: $t = $read;
                    // SAFETY: the caller gave room for `n` elements of this width.
                    unsafe { std::ptr::write_unaligned((base as *mut $t).add(i), v) };
                }
            };
        }
        /// Binary: converts `n` big-endian values of `$t` from one slice.
        macro_rules! bulk {
            ($t:ty, $conv:expr) => {{
                const W: usize = std::mem::size_of::<$t>();
                let bytes = self.r.read_raw(n * W)?;
                for (i, c) in bytes.chunks_exact(W).enumerate() {
                    let v: $t = $conv(c.try_into().expect("W bytes"));
                    // SAFETY: the caller gave room for `n` elements of `W` bytes; `i < n`.
                    unsafe { std::ptr::write_unaligned((base as *mut $t).add(i), v) };
                }
            }};
        }
        let binary = R::PROTOCOL == Protocol::Binary;
        match kind {
            ValueKind::I8 | ValueKind::Uuid => {
                let bytes = self.r.read_raw(n * kind.size())?;
                // SAFETY: room for `n` elements of `kind.size()` bytes; the
                // input and a fresh arena block never overlap.
                unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), base, bytes.len()) };
            }
            ValueKind::Bool => each!(u8, self.r.read_bool()? as u8),
            ValueKind::I16 if binary => bulk!(i16, i16::from_be_bytes),
            ValueKind::I32 | ValueKind::Enum(_) if binary => bulk!(i32, i32::from_be_bytes),
            ValueKind::I64 if binary => bulk!(i64, i64::from_be_bytes),
            ValueKind::Double if binary => bulk!(u64, u64::from_be_bytes),
            ValueKind::I16 => each!(i16, self.r.read_i16()?),
            ValueKind::I32 | ValueKind::Enum(_) => each!(i32, self.r.read_i32()?),
            ValueKind::I64 => each!(i64, self.r.read_i64()?),
            ValueKind::Double => each!(f64, self.r.read_double()?),
            ValueKind::String | ValueKind::Binary => {
                for i in 0..n {
                    let range = self.r.read_bytes().map_err(|err| err.within(PathSegment::Index(i)))?;
                    let len = range.len();
                    let ptr = self.string_ptr(range);
                    // SAFETY: room for `n` slices; `i < n`.
                    unsafe { std::ptr::write_unaligned((base as *mut RawSlice).add(i), RawSlice { ptr, len }) };
                }
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Checks that `n` elements of at least `min` bytes fit in the bytes
    /// left that no enclosing container has reserved (see `reserved`).
    #[inline]
    fn check_unreserved(&self, n: usize, min: usize, at: usize) -> Result<(), DecodeError> {
        if self.reserved != 0 && n.saturating_mul(min) > self.r.remaining().saturating_sub(self.reserved) {
            return Err(unreserved_error(n, self.r.remaining().saturating_sub(self.reserved), at));
        }
        Ok(())
    }

    /// Reads a field's value (the header matched `kind`'s wire type).
    #[inline]
    pub fn read_value(&mut self, kind: &ValueKind, h: FieldHeader, slot: NonNull<u8>, depth: u32) -> Read {
        if let (ValueKind::Bool, Some(b)) = (kind, h.bool_value) {
            // SAFETY: a bool slot is one byte.
            unsafe { *slot.as_ptr() = b as u8 };
            return Ok(true);
        }
        self.read_elem(kind, slot, depth)
    }

    /// Reads one value of `kind` into `slot` (fields and container elements alike).
    pub fn read_elem(&mut self, kind: &ValueKind, slot: NonNull<u8>, depth: u32) -> Read {
        let p = slot.as_ptr();
        // SAFETY: for every write below, `slot` has room for `kind.size()`
        // bytes, in a block or element array of this arena.
        unsafe {
            match kind {
                ValueKind::Bool => *p = self.r.read_bool()? as u8,
                ValueKind::I8 => *p = self.r.read_i8()? as u8,
                ValueKind::I16 => std::ptr::write_unaligned(p as *mut i16, self.r.read_i16()?),
                ValueKind::I32 | ValueKind::Enum(_) => std::ptr::write_unaligned(p as *mut i32, self.r.read_i32()?),
                ValueKind::I64 => std::ptr::write_unaligned(p as *mut i64, self.r.read_i64()?),
                ValueKind::Double => std::ptr::write_unaligned(p as *mut f64, self.r.read_double()?),
                ValueKind::Uuid => std::ptr::write_unaligned(p as *mut [u8; 16], self.r.read_uuid()?),
                ValueKind::String | ValueKind::Binary => {
                    let range = self.r.read_bytes()?;
                    let len = range.len();
                    let ptr = self.string_ptr(range);
                    std::ptr::write_unaligned(p as *mut RawSlice, RawSlice { ptr, len });
                }
                ValueKind::Struct(id) => {
                    let depth = depth.checked_sub(1).ok_or_else(|| depth_error(self.r.pos()))?;
                    let layout = self.layouts.get(*id);
                    let block = new_block(self.arena, layout);
                    self.decode_struct(layout, block, depth)?;
                    std::ptr::write_unaligned(p as *mut *mut u8, block.as_ptr());
                }
                ValueKind::List(e) | ValueKind::Set(e) => {
                    let depth = depth.checked_sub(1).ok_or_else(|| depth_error(self.r.pos()))?;
                    let at = self.r.pos();
                    let (elem, n) = self.r.list_header()?;
                    if n > 0 && elem != e.ttype() {
                        return Ok(false);
                    }
                    let min = R::min_size(elem);
                    self.check_unreserved(n, min, at)?;
                    let stride = e.size();
                    let base =
                        if n == 0 { RawSlice::EMPTY.ptr as *mut u8 } else { self.arena.alloc(stride * n).as_ptr() };
                    if self.read_scalars(e, base, n)? {
                        std::ptr::write_unaligned(p as *mut RawSlice, RawSlice { ptr: base, len: n });
                        return Ok(true);
                    }
                    let outer = self.reserved;
                    let nests = can_nest(e);
                    for i in 0..n {
                        if nests {
                            self.reserved = outer + (n - 1 - i) * min;
                        }
                        let ok = self
                            .read_elem(e, NonNull::new_unchecked(base.add(i * stride)), depth)
                            .map_err(|err| err.within(PathSegment::Index(i)))?;
                        if !ok {
                            self.reserved = outer;
                            return Ok(false);
                        }
                    }
                    self.reserved = outer;
                    std::ptr::write_unaligned(p as *mut RawSlice, RawSlice { ptr: base, len: n });
                }
                ValueKind::Map(k, v) => {
                    let depth = depth.checked_sub(1).ok_or_else(|| depth_error(self.r.pos()))?;
                    let at = self.r.pos();
                    let (kt, vt, n) = self.r.map_header()?;
                    if n > 0 && (kt != k.ttype() || vt != v.ttype()) {
                        return Ok(false);
                    }
                    let (kmin, vmin) = (R::min_size(kt), R::min_size(vt));
                    self.check_unreserved(n, kmin + vmin, at)?;
                    let el = EntryLayout::of(k, v);
                    let base =
                        if n == 0 { RawSlice::EMPTY.ptr as *mut u8 } else { self.arena.alloc(el.stride * n).as_ptr() };
                    if self.read_flat_entries(k, v, el, base, n)? {
                        std::ptr::write_unaligned(p as *mut RawSlice, RawSlice { ptr: base, len: n });
                        return Ok(true);
                    }
                    let outer = self.reserved;
                    let nests = can_nest(k) || can_nest(v);
                    for i in 0..n {
                        let at = base.add(i * el.stride);
                        let later = outer + (n - 1 - i) * (kmin + vmin);
                        if nests {
                            self.reserved = later + vmin;
                        }
                        let mut ok = self
                            .read_elem(k, NonNull::new_unchecked(at), depth)
                            .map_err(|err| err.within(PathSegment::MapEntry(i)))?;
                        if ok {
                            if nests {
                                self.reserved = later;
                            }
                            ok = self
                                .read_elem(v, NonNull::new_unchecked(at.add(el.value_offset)), depth)
                                .map_err(|err| err.within(PathSegment::MapEntry(i)))?;
                        }
                        if !ok {
                            self.reserved = outer;
                            return Ok(false);
                        }
                    }
                    self.reserved = outer;
                    std::ptr::write_unaligned(p as *mut RawSlice, RawSlice { ptr: base, len: n });
                }
            }
        }
        Ok(true)
    }
}
