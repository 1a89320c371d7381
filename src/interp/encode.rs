//! The table-driven encoder: walks a [`StructLayout`] over a block and
//! writes through a [`ProtocolWriter`]. `encoded_size` runs the same code
//! into a [`crate::wire::Counter`].

use std::ptr::NonNull;

use crate::error::{EncodeError, EncodeErrorKind};
use crate::idl::ast::Requiredness;
use crate::layout::{EntryLayout, FieldLayout, Layouts, RawSlice, StructLayout, UnknownField, ValueKind};
use crate::wire::{BinaryReader, CompactReader, Protocol, ProtocolReader, ProtocolWriter, ttype};

/// Longest string, binary or container the protocols can express (an i32 length).
pub(super) const MAX_WIRE_LEN: usize = i32::MAX as usize;

pub(crate) struct Encoder<'l, W> {
    pub w: W,
    pub layouts: &'l Layouts,
}

impl<W: ProtocolWriter> Encoder<'_, W> {
    pub fn encode_struct(&mut self, layout: &StructLayout, block: NonNull<u8>, depth: u32) -> Result<(), EncodeError> {
        let base = block.as_ptr();
        let saved = self.w.struct_begin();
        if layout.is_union() {
            let mut set = 0;
            for w in 0..layout.presence_words {
                // SAFETY: presence words are part of every block.
                set += unsafe { *(base.add(w * 8) as *const u64) }.count_ones();
            }
            if set > 1 {
                return Err(EncodeError::new(
                    EncodeErrorKind::UnionMultiple,
                    format!("{set} fields of union `{}` are set", layout.name),
                ));
            }
        }
        for f in &layout.fields {
            // SAFETY: presence words are part of every block.
            let word = unsafe { *(base.add(f.presence_offset()) as *const u64) };
            if word & f.presence_mask() == 0 {
                if f.requiredness == Requiredness::Required {
                    return Err(EncodeError::new(
                        EncodeErrorKind::MissingRequired,
                        format!("required field `{}.{}` is not set", layout.name, f.name),
                    ));
                }
                continue;
            }
            // SAFETY: the field is set, so its slot holds a value of `f.kind`.
            let slot = unsafe { NonNull::new_unchecked(base.add(f.offset)) };
            self.write_field(f, slot, depth).map_err(|e| within(e, &layout.name, &f.name))?;
        }
        self.write_unknowns(layout, block, depth)?;
        self.w.field_stop();
        self.w.struct_end(saved);
        Ok(())
    }

    /// Writes one set field: its header and its value.
    pub fn write_field(&mut self, f: &FieldLayout, slot: NonNull<u8>, depth: u32) -> Result<(), EncodeError> {
        if let ValueKind::Bool = f.kind {
            // SAFETY: a bool slot is one byte.
            self.w.field_bool(f.id, unsafe { *slot.as_ptr() } != 0);
            return Ok(());
        }
        self.w.field_header(f.ttype, f.id);
        self.write_elem(&f.kind, slot, depth)
    }

    /// Writes the unknown fields kept on a block.
    pub fn write_unknowns(&mut self, layout: &StructLayout, block: NonNull<u8>, depth: u32) -> Result<(), EncodeError> {
        // SAFETY: the unknown-list slot is part of every block.
        let mut u: *const UnknownField =
            unsafe { *(block.as_ptr().add(layout.unknown_offset) as *const *const UnknownField) };
        // SAFETY: records form a null-terminated list in the arena.
        while let Some(rec) = unsafe { u.as_ref() } {
            self.write_unknown(rec, depth)?;
            u = rec.next;
        }
        Ok(())
    }

    fn write_unknown(&mut self, rec: &UnknownField, depth: u32) -> Result<(), EncodeError> {
        if rec.encoding >= 2 {
            self.w.field_bool(rec.id, rec.encoding == 3);
            return Ok(());
        }
        // SAFETY: a record's data points to `len` live bytes (input or arena).
        let data = unsafe { std::slice::from_raw_parts(rec.data, rec.len) };
        let from = if rec.encoding == 0 { Protocol::Binary } else { Protocol::Compact };
        if rec.ttype == ttype::BOOL && from != W::PROTOCOL {
            // A Binary bool value is one byte; write it as a bool field so
            // Compact packs it into the header. (Into Binary it is copied
            // below as it came, even a byte other than 0 and 1.)
            let v = match from {
                Protocol::Binary => BinaryReader::new(data).read_bool(),
                Protocol::Compact => CompactReader::new(data).read_bool(),
            };
            self.w.field_bool(rec.id, v.unwrap_or(false));
            return Ok(());
        }
        self.w.field_header(rec.ttype, rec.id);
        if from == W::PROTOCOL {
            self.w.write_raw(data);
            return Ok(());
        }
        // Kept from another protocol: re-encode it value by value.
        let res = match from {
            Protocol::Binary => {
                super::transcode::transcode(&mut BinaryReader::new(data), &mut self.w, rec.ttype, depth)
            }
            Protocol::Compact => {
                super::transcode::transcode(&mut CompactReader::new(data), &mut self.w, rec.ttype, depth)
            }
        };
        res.map_err(|e| EncodeError::new(EncodeErrorKind::DepthLimit, format!("unknown field {}: {e}", rec.id)))
    }

    fn write_elem(&mut self, kind: &ValueKind, slot: NonNull<u8>, depth: u32) -> Result<(), EncodeError> {
        let p = slot.as_ptr();
        // SAFETY: for every read below, `slot` holds a value of `kind`,
        // written by an engine or the builder (the value module's invariant).
        unsafe {
            match kind {
                ValueKind::Bool => self.w.write_bool(*p != 0),
                ValueKind::I8 => self.w.write_i8(*p as i8),
                ValueKind::I16 => self.w.write_i16(std::ptr::read_unaligned(p as *const i16)),
                ValueKind::I32 | ValueKind::Enum(_) => self.w.write_i32(std::ptr::read_unaligned(p as *const i32)),
                ValueKind::I64 => self.w.write_i64(std::ptr::read_unaligned(p as *const i64)),
                ValueKind::Double => self.w.write_double(std::ptr::read_unaligned(p as *const f64)),
                ValueKind::Uuid => self.w.write_uuid(&std::ptr::read_unaligned(p as *const [u8; 16])),
                ValueKind::String | ValueKind::Binary => {
                    let s: RawSlice = std::ptr::read_unaligned(p as *const RawSlice);
                    if s.len > MAX_WIRE_LEN {
                        return Err(EncodeError::new(
                            EncodeErrorKind::TooLong,
                            format!("{} bytes do not fit an i32 length", s.len),
                        ));
                    }
                    self.w.write_bytes(std::slice::from_raw_parts(s.ptr, s.len));
                }
                ValueKind::Struct(id) => {
                    let depth = deeper(depth)?;
                    let child = std::ptr::read_unaligned(p as *const *mut u8);
                    let child = NonNull::new(child)
                        .ok_or_else(|| EncodeError::new(EncodeErrorKind::MissingRequired, "null struct"))?;
                    self.encode_struct(self.layouts.get(*id), child, depth)?;
                }
                ValueKind::List(e) | ValueKind::Set(e) => {
                    let depth = deeper(depth)?;
                    let s: RawSlice = std::ptr::read_unaligned(p as *const RawSlice);
                    if s.len > MAX_WIRE_LEN {
                        return Err(EncodeError::new(
                            EncodeErrorKind::TooLong,
                            format!("{} elements do not fit an i32 count", s.len),
                        ));
                    }
                    self.w.list_header(e.ttype(), s.len);
                    if self.write_scalars(e, s)? {
                        return Ok(());
                    }
                    let stride = e.size();
                    for i in 0..s.len {
                        self.write_elem(e, NonNull::new_unchecked(s.ptr.add(i * stride) as *mut u8), depth)?;
                    }
                }
                ValueKind::Map(k, v) => {
                    let depth = deeper(depth)?;
                    let s: RawSlice = std::ptr::read_unaligned(p as *const RawSlice);
                    if s.len > MAX_WIRE_LEN {
                        return Err(EncodeError::new(
                            EncodeErrorKind::TooLong,
                            format!("{} entries do not fit an i32 count", s.len),
                        ));
                    }
                    self.w.map_header(k.ttype(), v.ttype(), s.len);
                    let el = EntryLayout::of(k, v);
                    if self.write_flat_entries(k, v, el, s)? {
                        return Ok(());
                    }
                    for i in 0..s.len {
                        let at = s.ptr.add(i * el.stride) as *mut u8;
                        self.write_elem(k, NonNull::new_unchecked(at), depth)?;
                        self.write_elem(v, NonNull::new_unchecked(at.add(el.value_offset)), depth)?;
                    }
                }
            }
        }
        Ok(())
    }
}

impl<W: ProtocolWriter> Encoder<'_, W> {
    /// Writes the elements of a list of a scalar or string `kind`, with the
    /// dispatch on the kind hoisted out of the loop. Returns false, writing
    /// nothing, for other kinds.
    ///
    /// # Safety
    /// `s` must be a list slot's array of `s.len` elements of `kind`.
    #[inline]
    unsafe fn write_scalars(&mut self, kind: &ValueKind, s: RawSlice) -> Result<bool, EncodeError> {
        macro_rules! each {
            ($t:ty, $write:ident) => {
                for i in 0..s.len {
                    // SAFETY: the array holds `s.len` elements of this width.
                    let v = unsafe { std::ptr::read_unaligned((s.ptr as *const $t).add(i)) };
                    self.w.$write(v);
                }
            };
        }
        match kind {
            ValueKind::Bool => {
                for i in 0..s.len {
                    // SAFETY: the array holds `s.len` one-byte bools.
                    self.w.write_bool(unsafe { *s.ptr.add(i) } != 0);
                }
            }
            ValueKind::I8 => each!(i8, write_i8),
            ValueKind::I16 => each!(i16, write_i16),
            ValueKind::I32 | ValueKind::Enum(_) => each!(i32, write_i32),
            ValueKind::I64 => each!(i64, write_i64),
            ValueKind::Double => each!(f64, write_double),
            ValueKind::String | ValueKind::Binary => {
                for i in 0..s.len {
                    // SAFETY: the array holds `s.len` slices of live bytes.
                    let b = unsafe { std::ptr::read_unaligned((s.ptr as *const RawSlice).add(i)) };
                    if b.len > MAX_WIRE_LEN {
                        return Err(too_long(b.len));
                    }
                    // SAFETY: as above.
                    self.w.write_bytes(unsafe { std::slice::from_raw_parts(b.ptr, b.len) });
                }
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

#[cold]
pub(super) fn too_long(len: usize) -> EncodeError {
    EncodeError::new(EncodeErrorKind::TooLong, format!("{len} bytes do not fit an i32 length"))
}

#[inline]
fn deeper(depth: u32) -> Result<u32, EncodeError> {
    depth.checked_sub(1).ok_or_else(|| EncodeError::new(EncodeErrorKind::DepthLimit, "nesting deeper than the limit"))
}

#[cold]
fn within(e: EncodeError, st: &str, field: &str) -> EncodeError {
    EncodeError::new(e.kind(), format!("{st}.{field}: {e}"))
}
