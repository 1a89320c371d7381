//! Dynamic messages: arena-backed structs read and written through their
//! [`StructLayout`], and [`Value`], an owned tree for building and comparing.
//!
//! A [`Message`] owns an [`Arena`] holding every block of one decoded (or
//! built) struct, and the input `Bytes` its strings alias. Views borrow it:
//! [`StructRef`], [`ListRef`], [`MapRef`], [`ValueRef`]. Mutation goes through
//! [`StructMut`], which needs `&mut Message`; new values are copied into the
//! arena, so nothing a message points to is ever shared with another message.
//!
//! This module and `jit/` are the only places with `unsafe`: the engines write
//! blocks through raw pointers following the layout, and these views read
//! them back. The invariant every `unsafe` block here relies on: *a block
//! reachable from a message's root was written completely, following its
//! layout, by an engine or by this module, and lives in the message's arena
//! (or is a string aliasing the message's input or a layout's default)*.

mod arena;
mod build;
mod owned;

use std::fmt;
use std::marker::PhantomData;
use std::ptr::NonNull;
use std::sync::Arc;

pub use arena::Arena;
pub(crate) use build::apply_complex_defaults as apply_defaults;
pub use build::{BuildError, StructMut};
pub use owned::Value;

use crate::layout::{EntryLayout, Layouts, RawSlice, StructLayout, UnknownField, ValueKind};
use crate::schema::{StructId, format_uuid};

/// A decoded or built struct and the memory it lives in.
pub struct Message {
    pub(crate) layouts: Arc<Layouts>,
    pub(crate) ty: StructId,
    pub(crate) root: NonNull<u8>,
    pub(crate) arena: Arena,
    /// The input whose bytes strings alias; kept alive as long as the message.
    pub(crate) input: Option<bytes::Bytes>,
}

// SAFETY: a message exclusively owns its arena and holds its input alive;
// the raw pointers inside point only there or to immutable layout defaults.
unsafe impl Send for Message {}
// SAFETY: shared access only reads; every write needs `&mut Message`.
unsafe impl Sync for Message {}

impl Message {
    /// A new message of type `ty` with every field at its default.
    pub fn new(layouts: Arc<Layouts>, ty: StructId) -> Message {
        let mut arena = Arena::new();
        let root = new_block(&mut arena, layouts.get(ty));
        let mut m = Message { layouts, ty, root, arena, input: None };
        let layouts = m.layouts.clone();
        build::apply_complex_defaults(&layouts, layouts.get(ty), root, &mut m.arena);
        m
    }

    /// Wraps a root block written by an engine.
    ///
    /// # Safety
    /// `root` must be a block of type `ty` in `arena`, written completely
    /// following the layouts (the module invariant), with strings aliasing
    /// `input` or the arena.
    pub(crate) unsafe fn from_parts(
        layouts: Arc<Layouts>,
        ty: StructId,
        root: NonNull<u8>,
        arena: Arena,
        input: Option<bytes::Bytes>,
    ) -> Message {
        Message { layouts, ty, root, arena, input }
    }

    /// The input the message's strings alias, when they alias one.
    pub fn input(&self) -> Option<&bytes::Bytes> {
        self.input.as_ref()
    }

    /// The message's type.
    pub fn struct_id(&self) -> StructId {
        self.ty
    }

    /// The layouts it follows.
    pub fn layouts(&self) -> &Arc<Layouts> {
        &self.layouts
    }

    /// A view of the root struct.
    pub fn root(&self) -> StructRef<'_> {
        StructRef { layouts: &self.layouts, layout: self.layouts.get(self.ty), ptr: self.root, _m: PhantomData }
    }

    /// Writable access to the root struct.
    pub fn root_mut(&mut self) -> StructMut<'_> {
        let layouts = self.layouts.clone();
        StructMut::new(layouts, self.ty, self.root, &mut self.arena)
    }

    /// Bytes of arena memory the message uses.
    pub fn arena_bytes(&self) -> usize {
        self.arena.allocated()
    }

    /// The message as an owned tree.
    pub fn to_value(&self) -> Value {
        self.root().to_value()
    }

    /// The struct in field `field` of the root, as a message of its own that keeps this
    /// message's arena and input: nothing is copied (the rest of the root stays in the
    /// arena, unreachable). A server answers with an argument this way, and a proxy
    /// forwards a nested struct. `Err` gives the message back when the field is not a
    /// set struct field.
    ///
    /// # Errors
    /// The message itself, unchanged, when `field` is unknown, unset or not a struct.
    #[expect(
        clippy::result_large_err,
        reason = "the error gives the message back by value, as `Ok` gives the field's: boxing it would allocate"
    )]
    pub fn into_struct_field<S: FieldSel>(self, field: S) -> Result<Message, Message> {
        let Some(child) = self.root().get_struct(field) else { return Err(self) };
        let (ty, root) = (child.layout.id, child.ptr);
        let Message { layouts, arena, input, .. } = self;
        // The module invariant holds for the new root: `child` is a block reachable from
        // the old root, so it was written completely following the layout of `ty`, and it
        // lives in `arena` (or aliases `input`), which the new message owns.
        Ok(Message { layouts, ty, root, arena, input })
    }

    /// Builds a message from an owned tree.
    ///
    /// # Errors
    /// When `value` does not fit the type (wrong kinds, unknown fields).
    pub fn from_value(layouts: Arc<Layouts>, ty: StructId, value: &Value) -> Result<Message, BuildError> {
        let mut m = Message::new(layouts, ty);
        m.root_mut().assign(value)?;
        Ok(m)
    }
}

/// Allocates a block for `layout` initialised from its template.
pub(crate) fn new_block(arena: &mut Arena, layout: &StructLayout) -> NonNull<u8> {
    let p = arena.alloc(layout.size);
    // SAFETY: the block holds `layout.size` bytes, the template is exactly
    // `layout.size / 8` words, and a fresh block never overlaps the template.
    unsafe { std::ptr::copy_nonoverlapping(layout.template.as_ptr() as *const u8, p.as_ptr(), layout.size) };
    p
}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.root(), f)
    }
}

impl PartialEq for Message {
    fn eq(&self, other: &Message) -> bool {
        self.root() == other.root()
    }
}

impl Clone for Message {
    fn clone(&self) -> Message {
        Message::from_value(self.layouts.clone(), self.ty, &self.to_value())
            .expect("a message's own value fits its type")
    }
}

/// Reads a `T` at `base + offset`.
///
/// # Safety
/// `base + offset .. + size_of::<T>()` must be inside a live, initialised
/// block (the module invariant gives this for slots named by a layout).
#[inline(always)]
unsafe fn read<T: Copy>(base: NonNull<u8>, offset: usize) -> T {
    // SAFETY: the caller guarantees the bytes are in bounds and initialised.
    unsafe { std::ptr::read_unaligned(base.as_ptr().add(offset) as *const T) }
}

/// A view of one struct of a message.
#[derive(Clone, Copy)]
pub struct StructRef<'a> {
    layouts: &'a Layouts,
    layout: &'a StructLayout,
    ptr: NonNull<u8>,
    _m: PhantomData<&'a Message>,
}

/// Selects a field by name (`&str`) or by id (`i16`).
pub trait FieldSel {
    /// The index of the selected field in `layout.fields`.
    fn index_in(&self, layout: &StructLayout) -> Option<usize>;
}

impl FieldSel for &str {
    fn index_in(&self, layout: &StructLayout) -> Option<usize> {
        layout.fields.iter().position(|f| &*f.name == *self)
    }
}

impl FieldSel for i16 {
    fn index_in(&self, layout: &StructLayout) -> Option<usize> {
        layout.field_index(*self)
    }
}

impl<'a> StructRef<'a> {
    /// The layout of this struct's type.
    pub fn layout(&self) -> &'a StructLayout {
        self.layout
    }

    /// The type's name.
    pub fn type_name(&self) -> &'a str {
        &self.layout.name
    }

    fn presence_word(&self, i: usize) -> u64 {
        // SAFETY: presence words `0..presence_words` are part of every block.
        unsafe { read::<u64>(self.ptr, i * 8) }
    }

    /// True when field `index` (declaration order) is set; false when the struct has no
    /// field `index`.
    pub fn is_set_index(&self, index: usize) -> bool {
        let Some(f) = self.layout.fields.get(index) else { return false };
        self.presence_word(index / 64) & f.presence_mask() != 0
    }

    /// True when the field is set.
    pub fn has<S: FieldSel>(&self, field: S) -> bool {
        field.index_in(self.layout).is_some_and(|i| self.is_set_index(i))
    }

    /// The value of a field, when set.
    pub fn get<S: FieldSel>(&self, field: S) -> Option<ValueRef<'a>> {
        let i = field.index_in(self.layout)?;
        self.get_index(i)
    }

    /// The value of field `index` (declaration order), when set (`None` when the struct
    /// has no field `index`).
    pub fn get_index(&self, index: usize) -> Option<ValueRef<'a>> {
        if !self.is_set_index(index) {
            return None;
        }
        let f = &self.layout.fields[index];
        // SAFETY: the field is set, so its slot was written (module invariant).
        Some(unsafe { value_at(self.layouts, &f.kind, self.ptr, f.offset) })
    }

    /// Set fields in declaration order: (field layout, value).
    pub fn fields(&self) -> impl Iterator<Item = (&'a crate::layout::FieldLayout, ValueRef<'a>)> + '_ {
        let this = *self;
        (0..self.layout.fields.len()).filter_map(move |i| this.get_index(i).map(|v| (&this.layout.fields[i], v)))
    }

    /// Number of unknown fields kept from the input.
    pub fn unknown_count(&self) -> usize {
        self.unknown_fields().count()
    }

    /// Unknown fields kept from the input, in input order.
    pub fn unknown_fields(&self) -> impl Iterator<Item = &'a UnknownField> + 'a {
        // SAFETY: the unknown pointer slot is part of every block; it is null
        // or points to a record in the same arena.
        let mut p: *const UnknownField = unsafe { read(self.ptr, self.layout.unknown_offset) };
        std::iter::from_fn(move || {
            // SAFETY: records form a null-terminated list in the arena.
            let r = unsafe { p.as_ref()? };
            p = r.next;
            Some(r)
        })
    }

    /// `i32` (or enum) value of a field.
    pub fn get_i32<S: FieldSel>(&self, field: S) -> Option<i32> {
        match self.get(field)? {
            ValueRef::I32(v) | ValueRef::Enum(v) => Some(v),
            _ => None,
        }
    }
    /// `i64` value of a field.
    pub fn get_i64<S: FieldSel>(&self, field: S) -> Option<i64> {
        match self.get(field)? {
            ValueRef::I64(v) => Some(v),
            _ => None,
        }
    }
    /// `bool` value of a field.
    pub fn get_bool<S: FieldSel>(&self, field: S) -> Option<bool> {
        match self.get(field)? {
            ValueRef::Bool(v) => Some(v),
            _ => None,
        }
    }
    /// `double` value of a field.
    pub fn get_double<S: FieldSel>(&self, field: S) -> Option<f64> {
        match self.get(field)? {
            ValueRef::Double(v) => Some(v),
            _ => None,
        }
    }
    /// A string field as text (`None` when unset, not a string, or not UTF-8).
    pub fn get_str<S: FieldSel>(&self, field: S) -> Option<&'a str> {
        match self.get(field)? {
            ValueRef::String(b) => std::str::from_utf8(b).ok(),
            _ => None,
        }
    }
    /// A string or binary field's bytes.
    pub fn get_bytes<S: FieldSel>(&self, field: S) -> Option<&'a [u8]> {
        match self.get(field)? {
            ValueRef::String(b) | ValueRef::Binary(b) => Some(b),
            _ => None,
        }
    }
    /// A struct field.
    pub fn get_struct<S: FieldSel>(&self, field: S) -> Option<StructRef<'a>> {
        match self.get(field)? {
            ValueRef::Struct(s) => Some(s),
            _ => None,
        }
    }
    /// A list or set field.
    pub fn get_list<S: FieldSel>(&self, field: S) -> Option<ListRef<'a>> {
        match self.get(field)? {
            ValueRef::List(l) | ValueRef::Set(l) => Some(l),
            _ => None,
        }
    }
    /// A map field.
    pub fn get_map<S: FieldSel>(&self, field: S) -> Option<MapRef<'a>> {
        match self.get(field)? {
            ValueRef::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The struct as an owned tree.
    pub fn to_value(&self) -> Value {
        Value::Struct(self.fields().map(|(f, v)| (f.id, v.to_value())).collect())
    }

    pub(crate) fn ptr(&self) -> NonNull<u8> {
        self.ptr
    }

    /// The layouts of the message this struct belongs to.
    pub fn layouts_ref(&self) -> &'a Layouts {
        self.layouts
    }
}

/// Reads the value of kind `kind` in the slot at `base + offset`.
///
/// # Safety
/// The slot must have been written following `kind` (module invariant).
unsafe fn value_at<'a>(layouts: &'a Layouts, kind: &'a ValueKind, base: NonNull<u8>, offset: usize) -> ValueRef<'a> {
    // SAFETY: for every read below, the caller guarantees the slot holds a
    // value of `kind`; slices and pointers in it satisfy the module invariant.
    unsafe {
        match kind {
            ValueKind::Bool => ValueRef::Bool(read::<u8>(base, offset) != 0),
            ValueKind::I8 => ValueRef::I8(read(base, offset)),
            ValueKind::I16 => ValueRef::I16(read(base, offset)),
            ValueKind::I32 => ValueRef::I32(read(base, offset)),
            ValueKind::Enum(_) => ValueRef::Enum(read(base, offset)),
            ValueKind::I64 => ValueRef::I64(read(base, offset)),
            ValueKind::Double => ValueRef::Double(read(base, offset)),
            ValueKind::Uuid => ValueRef::Uuid(read(base, offset)),
            ValueKind::String => ValueRef::String(bytes_of(read(base, offset))),
            ValueKind::Binary => ValueRef::Binary(bytes_of(read(base, offset))),
            ValueKind::Struct(id) => {
                let p: *mut u8 = read(base, offset);
                let ptr = NonNull::new(p).expect("a set struct slot is never null");
                ValueRef::Struct(StructRef { layouts, layout: layouts.get(*id), ptr, _m: PhantomData })
            }
            ValueKind::List(e) => {
                ValueRef::List(ListRef { layouts, elem: e, raw: read(base, offset), _m: PhantomData })
            }
            ValueKind::Set(e) => ValueRef::Set(ListRef { layouts, elem: e, raw: read(base, offset), _m: PhantomData }),
            ValueKind::Map(k, v) => ValueRef::Map(MapRef {
                layouts,
                key: k,
                value: v,
                entry: EntryLayout::of(k, v),
                raw: read(base, offset),
                _m: PhantomData,
            }),
        }
    }
}

/// # Safety
/// `s` must describe live bytes (module invariant).
unsafe fn bytes_of<'a>(s: RawSlice) -> &'a [u8] {
    // SAFETY: the caller guarantees `s` points to `s.len` live bytes.
    unsafe { std::slice::from_raw_parts(s.ptr, s.len) }
}

/// A value read from a message.
#[derive(Clone, Copy)]
pub enum ValueRef<'a> {
    /// `bool`.
    Bool(bool),
    /// `i8`.
    I8(i8),
    /// `i16`.
    I16(i16),
    /// `i32`.
    I32(i32),
    /// `i64`.
    I64(i64),
    /// `double`.
    Double(f64),
    /// `string` bytes (UTF-8 is not checked on decode; see [`StructRef::get_str`]).
    String(&'a [u8]),
    /// `binary`.
    Binary(&'a [u8]),
    /// `uuid`.
    Uuid([u8; 16]),
    /// An enum value.
    Enum(i32),
    /// A struct.
    Struct(StructRef<'a>),
    /// A list.
    List(ListRef<'a>),
    /// A set.
    Set(ListRef<'a>),
    /// A map.
    Map(MapRef<'a>),
}

impl ValueRef<'_> {
    /// The value as an owned tree.
    pub fn to_value(&self) -> Value {
        match *self {
            ValueRef::Bool(v) => Value::Bool(v),
            ValueRef::I8(v) => Value::I8(v),
            ValueRef::I16(v) => Value::I16(v),
            ValueRef::I32(v) => Value::I32(v),
            ValueRef::I64(v) => Value::I64(v),
            ValueRef::Double(v) => Value::Double(v),
            ValueRef::String(v) => Value::String(String::from_utf8_lossy(v).into_owned()),
            ValueRef::Binary(v) => Value::Binary(v.to_vec()),
            ValueRef::Uuid(v) => Value::Uuid(v),
            ValueRef::Enum(v) => Value::Enum(v),
            ValueRef::Struct(s) => s.to_value(),
            ValueRef::List(l) => Value::List(l.iter().map(|v| v.to_value()).collect()),
            ValueRef::Set(l) => Value::Set(l.iter().map(|v| v.to_value()).collect()),
            ValueRef::Map(m) => Value::Map(m.iter().map(|(k, v)| (k.to_value(), v.to_value())).collect()),
        }
    }
}

impl PartialEq for ValueRef<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (*self, *other) {
            (ValueRef::Bool(a), ValueRef::Bool(b)) => a == b,
            (ValueRef::I8(a), ValueRef::I8(b)) => a == b,
            (ValueRef::I16(a), ValueRef::I16(b)) => a == b,
            (ValueRef::I32(a), ValueRef::I32(b)) | (ValueRef::Enum(a), ValueRef::Enum(b)) => a == b,
            (ValueRef::I64(a), ValueRef::I64(b)) => a == b,
            // Bitwise, so NaN equals itself: equality here means "same value on the wire".
            (ValueRef::Double(a), ValueRef::Double(b)) => a.to_bits() == b.to_bits(),
            (ValueRef::String(a), ValueRef::String(b)) | (ValueRef::Binary(a), ValueRef::Binary(b)) => a == b,
            (ValueRef::Uuid(a), ValueRef::Uuid(b)) => a == b,
            (ValueRef::Struct(a), ValueRef::Struct(b)) => a == b,
            (ValueRef::List(a), ValueRef::List(b)) | (ValueRef::Set(a), ValueRef::Set(b)) => {
                a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| x == y)
            }
            (ValueRef::Map(a), ValueRef::Map(b)) => a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| x == y),
            _ => false,
        }
    }
}

impl PartialEq for StructRef<'_> {
    /// Same type, same set fields with equal values, same unknown fields.
    fn eq(&self, other: &Self) -> bool {
        if self.layout.id != other.layout.id
            || !std::ptr::eq(self.layout, other.layout) && self.layout.name != other.layout.name
        {
            return false;
        }
        let n = self.layout.fields.len();
        (0..n).all(|i| self.get_index(i) == other.get_index(i))
            && self.unknown_count() == other.unknown_count()
            && self.unknown_fields().zip(other.unknown_fields()).all(|(a, b)| {
                // SAFETY: unknown records' data point to `len` live bytes.
                a.id == b.id
                    && a.ttype == b.ttype
                    && a.encoding == b.encoding
                    && unsafe {
                        bytes_of(RawSlice { ptr: a.data, len: a.len }) == bytes_of(RawSlice { ptr: b.data, len: b.len })
                    }
            })
    }
}

/// A list or set of a message.
#[derive(Clone, Copy)]
pub struct ListRef<'a> {
    layouts: &'a Layouts,
    elem: &'a ValueKind,
    raw: RawSlice,
    _m: PhantomData<&'a Message>,
}

impl<'a> ListRef<'a> {
    /// Number of elements.
    pub fn len(&self) -> usize {
        self.raw.len
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.raw.len == 0
    }
    /// The element kind.
    pub fn elem_kind(&self) -> &'a ValueKind {
        self.elem
    }
    /// Element `i`.
    pub fn get(&self, i: usize) -> Option<ValueRef<'a>> {
        if i >= self.raw.len {
            return None;
        }
        let base = NonNull::new(self.raw.ptr as *mut u8)?;
        // SAFETY: `i < len`, and the array holds `len` elements of `elem`'s stride.
        Some(unsafe { value_at(self.layouts, self.elem, base, i * self.elem.size()) })
    }
    /// The elements in order.
    pub fn iter(&self) -> impl Iterator<Item = ValueRef<'a>> + 'a {
        let this = *self;
        (0..self.raw.len).filter_map(move |i| this.get(i))
    }
}

/// A map of a message: entries in wire order; lookup scans (no hash table is
/// built on decode).
#[derive(Clone, Copy)]
pub struct MapRef<'a> {
    layouts: &'a Layouts,
    key: &'a ValueKind,
    value: &'a ValueKind,
    entry: EntryLayout,
    raw: RawSlice,
    _m: PhantomData<&'a Message>,
}

impl<'a> MapRef<'a> {
    /// Number of entries.
    pub fn len(&self) -> usize {
        self.raw.len
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.raw.len == 0
    }
    /// Entry `i`.
    pub fn entry(&self, i: usize) -> Option<(ValueRef<'a>, ValueRef<'a>)> {
        if i >= self.raw.len {
            return None;
        }
        let base = NonNull::new(self.raw.ptr as *mut u8)?;
        let at = i * self.entry.stride;
        // SAFETY: `i < len`; each entry holds a key at 0 and a value at `value_offset`.
        unsafe {
            Some((
                value_at(self.layouts, self.key, base, at),
                value_at(self.layouts, self.value, base, at + self.entry.value_offset),
            ))
        }
    }
    /// Entries in order.
    pub fn iter(&self) -> impl Iterator<Item = (ValueRef<'a>, ValueRef<'a>)> + 'a {
        let this = *self;
        (0..self.raw.len).filter_map(move |i| this.entry(i))
    }
    /// The value of the last entry whose key equals `key` (a later duplicate
    /// wins, as when a map is built from the wire).
    pub fn get(&self, key: &ValueRef<'_>) -> Option<ValueRef<'a>> {
        let mut found = None;
        for (k, v) in self.iter() {
            if k == *key {
                found = Some(v);
            }
        }
        found
    }
    /// Lookup by string key.
    pub fn get_str(&self, key: &str) -> Option<ValueRef<'a>> {
        self.get(&ValueRef::String(key.as_bytes()))
    }
}

impl fmt::Debug for StructRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct(&self.layout.name);
        for (field, v) in self.fields() {
            d.field(&field.name, &v);
        }
        let unknown = self.unknown_count();
        if unknown > 0 {
            d.field("<unknown fields>", &unknown);
        }
        d.finish()
    }
}

impl fmt::Debug for ValueRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueRef::Bool(v) => write!(f, "{v}"),
            ValueRef::I8(v) => write!(f, "{v}"),
            ValueRef::I16(v) => write!(f, "{v}"),
            ValueRef::I32(v) => write!(f, "{v}"),
            ValueRef::I64(v) => write!(f, "{v}"),
            ValueRef::Double(v) => write!(f, "{v:?}"),
            ValueRef::String(b) => match std::str::from_utf8(b) {
                Ok(s) => write!(f, "{s:?}"),
                Err(_) => write!(f, "<invalid UTF-8 {b:02x?}>"),
            },
            ValueRef::Binary(b) => write!(f, "0x{}", b.iter().map(|x| format!("{x:02x}")).collect::<String>()),
            ValueRef::Uuid(u) => write!(f, "{}", format_uuid(u)),
            ValueRef::Enum(v) => write!(f, "{v}"),
            ValueRef::Struct(s) => fmt::Debug::fmt(s, f),
            ValueRef::List(l) | ValueRef::Set(l) => f.debug_list().entries(l.iter()).finish(),
            ValueRef::Map(m) => f.debug_map().entries(m.iter()).finish(),
        }
    }
}
