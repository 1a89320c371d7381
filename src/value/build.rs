//! Writing into messages: [`StructMut`] sets and clears fields, copying new
//! values into the message's arena.

use std::fmt;
use std::ptr::NonNull;
use std::sync::Arc;

use super::{Arena, FieldSel, Value, new_block};
use crate::idl::ast::Requiredness;
use crate::layout::{EntryLayout, Layouts, RawSlice, StructLayout, ValueKind};
use crate::schema::StructId;

/// A value that does not fit the field or type it was assigned to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildError {
    message: String,
}

impl BuildError {
    #[cold]
    fn new(message: impl Into<String>) -> Self {
        BuildError { message: message.into() }
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for BuildError {}

/// Writable access to one struct of a message (needs `&mut Message`).
pub struct StructMut<'m> {
    layouts: Arc<Layouts>,
    ty: StructId,
    ptr: NonNull<u8>,
    arena: &'m mut Arena,
}

impl<'m> StructMut<'m> {
    pub(crate) fn new(layouts: Arc<Layouts>, ty: StructId, ptr: NonNull<u8>, arena: &'m mut Arena) -> Self {
        StructMut { layouts, ty, ptr, arena }
    }

    fn layout(&self) -> &StructLayout {
        self.layouts.get(self.ty)
    }

    fn index<S: FieldSel>(&self, field: S) -> Result<usize, BuildError> {
        field
            .index_in(self.layout())
            .ok_or_else(|| BuildError::new(format!("`{}` has no such field", self.layout().name)))
    }

    /// Sets a field to `value` (converted to the field's kind; integers are
    /// range-checked).
    ///
    /// # Errors
    /// An unknown field, or a value of the wrong shape.
    pub fn set<S: FieldSel>(&mut self, field: S, value: &Value) -> Result<(), BuildError> {
        let i = self.index(field)?;
        self.set_index(i, value)
    }

    fn set_index(&mut self, i: usize, value: &Value) -> Result<(), BuildError> {
        let layouts = self.layouts.clone();
        set_field(&layouts, self.arena, self.ty, self.ptr, i, value)
    }

    fn set_presence(&mut self, i: usize, on: bool) {
        set_presence(self.layouts.get(self.ty), self.ptr, i, on);
    }

    /// Unsets a field.
    ///
    /// # Errors
    /// An unknown field.
    pub fn clear<S: FieldSel>(&mut self, field: S) -> Result<(), BuildError> {
        let i = self.index(field)?;
        self.set_presence(i, false);
        Ok(())
    }

    /// The struct in a struct-typed field, created (at its defaults) when unset.
    ///
    /// # Errors
    /// An unknown field, or a field that is not a struct.
    pub fn child<S: FieldSel>(&mut self, field: S) -> Result<StructMut<'_>, BuildError> {
        let i = self.index(field)?;
        let layouts = self.layouts.clone();
        let f = &layouts.get(self.ty).fields[i];
        let ValueKind::Struct(child_ty) = f.kind else {
            return Err(BuildError::new(format!("field `{}` is not a struct", f.name)));
        };
        let slot = f.offset;
        let is_set = {
            // SAFETY: presence words are part of every block.
            let w = unsafe { std::ptr::read(self.ptr.as_ptr().add(f.presence_offset()) as *const u64) };
            w & f.presence_mask() != 0
        };
        let child = if is_set {
            // SAFETY: a set struct slot holds a non-null pointer to a block of this arena.
            unsafe { NonNull::new_unchecked(std::ptr::read_unaligned(self.ptr.as_ptr().add(slot) as *const *mut u8)) }
        } else {
            let block = new_block(self.arena, layouts.get(child_ty));
            apply_complex_defaults(&layouts, layouts.get(child_ty), block, self.arena);
            // SAFETY: the slot is 8 bytes for a struct pointer.
            unsafe { std::ptr::write_unaligned(self.ptr.as_ptr().add(slot) as *mut *mut u8, block.as_ptr()) };
            self.set_presence(i, true);
            block
        };
        Ok(StructMut { layouts, ty: child_ty, ptr: child, arena: self.arena })
    }

    /// Sets every field of a `Value::Struct`.
    ///
    /// # Errors
    /// As [`StructMut::set`]; also when `value` is not a struct.
    pub fn assign(&mut self, value: &Value) -> Result<(), BuildError> {
        let layouts = self.layouts.clone();
        assign_fields(&layouts, self.arena, self.ty, self.ptr, value)
    }

    /// Sets an `i32` (or enum) field.
    ///
    /// # Errors
    /// As [`StructMut::set`].
    pub fn set_i32<S: FieldSel>(&mut self, field: S, v: i32) -> Result<(), BuildError> {
        self.set(field, &Value::I32(v))
    }
    /// Sets an `i64` field.
    ///
    /// # Errors
    /// As [`StructMut::set`].
    pub fn set_i64<S: FieldSel>(&mut self, field: S, v: i64) -> Result<(), BuildError> {
        self.set(field, &Value::I64(v))
    }
    /// Sets a `bool` field.
    ///
    /// # Errors
    /// As [`StructMut::set`].
    pub fn set_bool<S: FieldSel>(&mut self, field: S, v: bool) -> Result<(), BuildError> {
        self.set(field, &Value::Bool(v))
    }
    /// Sets a `double` field.
    ///
    /// # Errors
    /// As [`StructMut::set`].
    pub fn set_double<S: FieldSel>(&mut self, field: S, v: f64) -> Result<(), BuildError> {
        self.set(field, &Value::Double(v))
    }
    /// Sets a string field (copied into the arena).
    ///
    /// # Errors
    /// As [`StructMut::set`].
    pub fn set_str<S: FieldSel>(&mut self, field: S, v: &str) -> Result<(), BuildError> {
        self.set(field, &Value::String(v.to_string()))
    }
    /// Sets a binary field (copied into the arena).
    ///
    /// # Errors
    /// As [`StructMut::set`].
    pub fn set_bytes<S: FieldSel>(&mut self, field: S, v: &[u8]) -> Result<(), BuildError> {
        self.set(field, &Value::Binary(v.to_vec()))
    }
}

fn int_of(v: &Value) -> Option<i64> {
    Some(match *v {
        Value::I8(x) => i64::from(x),
        Value::I16(x) => i64::from(x),
        Value::I32(x) | Value::Enum(x) => i64::from(x),
        Value::I64(x) => x,
        _ => return None,
    })
}

fn fit<T: TryFrom<i64>>(v: &Value, what: &str) -> Result<T, BuildError> {
    let i = int_of(v).ok_or_else(|| BuildError::new(format!("expected {what}, found {}", shape(v))))?;
    T::try_from(i).map_err(|_| BuildError::new(format!("{i} does not fit in {what}")))
}

fn shape(v: &Value) -> &'static str {
    match v {
        Value::Bool(_) => "a bool",
        Value::I8(_) | Value::I16(_) | Value::I32(_) | Value::I64(_) | Value::Enum(_) => "an integer",
        Value::Double(_) => "a double",
        Value::String(_) => "a string",
        Value::Binary(_) => "binary",
        Value::Uuid(_) => "a uuid",
        Value::Struct(_) => "a struct",
        Value::List(_) | Value::Set(_) => "a list",
        Value::Map(_) => "a map",
    }
}

/// Writes `value` as a `kind` slot at `dst`, allocating what it points to in `arena`.
fn write_value(
    layouts: &Layouts,
    arena: &mut Arena,
    kind: &ValueKind,
    value: &Value,
    dst: NonNull<u8>,
) -> Result<(), BuildError> {
    let p = dst.as_ptr();
    // SAFETY: for every write below, `dst` is a slot of `kind.size()` bytes in a
    // block of the same arena, and the values written follow `kind`.
    unsafe {
        match kind {
            ValueKind::Bool => match value {
                Value::Bool(b) => *p = *b as u8,
                other => return Err(BuildError::new(format!("expected a bool, found {}", shape(other)))),
            },
            ValueKind::I8 => *p = fit::<i8>(value, "i8")? as u8,
            ValueKind::I16 => std::ptr::write_unaligned(p as *mut i16, fit(value, "i16")?),
            ValueKind::I32 | ValueKind::Enum(_) => std::ptr::write_unaligned(p as *mut i32, fit(value, "i32")?),
            ValueKind::I64 => std::ptr::write_unaligned(p as *mut i64, fit(value, "i64")?),
            ValueKind::Double => {
                let d = match value {
                    Value::Double(d) => *d,
                    other => int_of(other)
                        .ok_or_else(|| BuildError::new(format!("expected a double, found {}", shape(other))))?
                        as f64,
                };
                std::ptr::write_unaligned(p as *mut f64, d);
            }
            ValueKind::Uuid => match value {
                Value::Uuid(u) => std::ptr::write_unaligned(p as *mut [u8; 16], *u),
                other => return Err(BuildError::new(format!("expected a uuid, found {}", shape(other)))),
            },
            ValueKind::String | ValueKind::Binary => {
                let bytes: &[u8] = match value {
                    Value::String(s) => s.as_bytes(),
                    Value::Binary(b) => b,
                    other => return Err(BuildError::new(format!("expected a string, found {}", shape(other)))),
                };
                let ptr =
                    if bytes.is_empty() { RawSlice::EMPTY.ptr } else { arena.alloc_bytes(bytes).as_ptr() as *const u8 };
                std::ptr::write_unaligned(p as *mut RawSlice, RawSlice { ptr, len: bytes.len() });
            }
            ValueKind::Struct(id) => {
                let layout = layouts.get(*id);
                let block = new_block(arena, layout);
                apply_complex_defaults(layouts, layout, block, arena);
                assign_fields(layouts, arena, *id, block, value)?;
                std::ptr::write_unaligned(p as *mut *mut u8, block.as_ptr());
            }
            ValueKind::List(e) | ValueKind::Set(e) => {
                let items = match value {
                    Value::List(items) | Value::Set(items) => items,
                    other => return Err(BuildError::new(format!("expected a list, found {}", shape(other)))),
                };
                let stride = e.size();
                let base = if items.is_empty() {
                    RawSlice::EMPTY.ptr as *mut u8
                } else {
                    arena.alloc_zeroed(stride * items.len()).as_ptr()
                };
                for (i, item) in items.iter().enumerate() {
                    write_value(layouts, arena, e, item, NonNull::new_unchecked(base.add(i * stride)))
                        .map_err(|err| BuildError::new(format!("[{i}]: {err}")))?;
                }
                std::ptr::write_unaligned(p as *mut RawSlice, RawSlice { ptr: base, len: items.len() });
            }
            ValueKind::Map(k, v) => {
                let entries = match value {
                    Value::Map(entries) => entries,
                    other => return Err(BuildError::new(format!("expected a map, found {}", shape(other)))),
                };
                let el = EntryLayout::of(k, v);
                let base = if entries.is_empty() {
                    RawSlice::EMPTY.ptr as *mut u8
                } else {
                    arena.alloc_zeroed(el.stride * entries.len()).as_ptr()
                };
                for (i, (a, b)) in entries.iter().enumerate() {
                    let at = base.add(i * el.stride);
                    write_value(layouts, arena, k, a, NonNull::new_unchecked(at))
                        .map_err(|err| BuildError::new(format!("key {i}: {err}")))?;
                    write_value(layouts, arena, v, b, NonNull::new_unchecked(at.add(el.value_offset)))
                        .map_err(|err| BuildError::new(format!("value {i}: {err}")))?;
                }
                std::ptr::write_unaligned(p as *mut RawSlice, RawSlice { ptr: base, len: entries.len() });
            }
        }
    }
    Ok(())
}

fn set_presence(layout: &StructLayout, block: NonNull<u8>, i: usize, on: bool) {
    let f = &layout.fields[i];
    let (off, mask) = (f.presence_offset(), f.presence_mask());
    // SAFETY: presence words are part of every block, 8-aligned.
    unsafe {
        let w = block.as_ptr().add(off) as *mut u64;
        if on {
            *w |= mask;
        } else {
            *w &= !mask;
        }
    }
}

/// Writes field `i` of the `ty` block at `block` and marks it set.
fn set_field(
    layouts: &Layouts,
    arena: &mut Arena,
    ty: StructId,
    block: NonNull<u8>,
    i: usize,
    value: &Value,
) -> Result<(), BuildError> {
    let layout = layouts.get(ty);
    let f = &layout.fields[i];
    // SAFETY: `f.offset` is a slot of this block, sized for `f.kind`.
    let dst = unsafe { NonNull::new_unchecked(block.as_ptr().add(f.offset)) };
    write_value(layouts, arena, &f.kind, value, dst)
        .map_err(|e| BuildError::new(format!("{}.{}: {e}", layout.name, f.name)))?;
    set_presence(layout, block, i, true);
    Ok(())
}

/// Sets every field of a `Value::Struct` in the `ty` block at `block`.
fn assign_fields(
    layouts: &Layouts,
    arena: &mut Arena,
    ty: StructId,
    block: NonNull<u8>,
    value: &Value,
) -> Result<(), BuildError> {
    let layout = layouts.get(ty);
    let Value::Struct(fields) = value else {
        return Err(BuildError::new(format!("`{}` needs a struct value, found {}", layout.name, shape(value))));
    };
    for (id, v) in fields {
        let i =
            layout.field_index(*id).ok_or_else(|| BuildError::new(format!("`{}` has no field {id}", layout.name)))?;
        set_field(layouts, arena, ty, block, i, v)?;
    }
    Ok(())
}

/// Writes the container and struct defaults of fields that are unset in a
/// block (the template already holds scalar and string defaults). Optional
/// fields stay unset, as their scalars do.
pub(crate) fn apply_complex_defaults(layouts: &Layouts, layout: &StructLayout, block: NonNull<u8>, arena: &mut Arena) {
    for &i in &layout.complex_defaults {
        let f = &layout.fields[i];
        if f.requiredness == Requiredness::Optional {
            continue;
        }
        // SAFETY: presence words are part of every block.
        let word = unsafe { std::ptr::read(block.as_ptr().add(f.presence_offset()) as *const u64) };
        if word & f.presence_mask() != 0 {
            continue;
        }
        let Some(value) = f.default.as_ref().and_then(|d| Value::from_const(&f.kind, d)) else { continue };
        // A default that does not fit was rejected by the resolver; ignore the impossible.
        let _ = set_field(layouts, arena, layout.id, block, i, &value);
    }
}
