//! One memory layout per struct type: the table both engines and the value
//! API walk. Nothing else in the crate knows an offset.
//!
//! A decoded struct is a block of arena memory:
//!
//! ```text
//! offset 0           presence bitmap: u64 words, bit i = field i (declaration order)
//! 8 × words          pointer to the first unknown field (null when none)
//! then               field slots, sorted by alignment (largest first) to minimise padding
//! ```
//!
//! Slots: `bool`/`i8` 1 byte, `i16` 2, `i32`/enum 4, `i64`/`double` 8, `uuid`
//! 16 (bytes); `string`/`binary` a [`RawSlice`] (pointer + length, aliasing
//! the input or the arena); `list`/`set` a [`RawSlice`] of elements with a
//! fixed stride; `map` a [`RawSlice`] of key/value entries; a struct a pointer
//! to its block (null = absent), which makes recursive types free. Container
//! elements use the same slot shapes, so a `list<Xtruct>` is an array of
//! pointers.

use std::sync::Arc;

use crate::idl::ast::Requiredness;
use crate::schema::{ConstValue, EnumId, Schema, StructId, StructKind, Type};
use crate::wire::ttype;

/// Pointer + length: the slot of strings, binaries, lists, sets and maps.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct RawSlice {
    /// First byte (strings) or first element (containers); dangling when `len` is 0.
    pub ptr: *const u8,
    /// Bytes (strings) or elements (containers).
    pub len: usize,
}

impl RawSlice {
    /// The empty slice.
    pub const EMPTY: RawSlice = RawSlice { ptr: std::ptr::NonNull::<u64>::dangling().as_ptr() as *const u8, len: 0 };
}

/// A record of one unknown field, kept so that re-encoding loses nothing.
/// Lives in the arena; `data` aliases the input (or the arena).
#[repr(C)]
#[derive(Debug)]
pub struct UnknownField {
    /// The next unknown field of the same struct, or null.
    pub next: *const UnknownField,
    /// The encoded value (not the field header).
    pub data: *const u8,
    /// Length of `data`.
    pub len: usize,
    /// The field id.
    pub id: i16,
    /// The wire type ([`ttype`] code).
    pub ttype: u8,
    /// The protocol `data` is encoded in (0 Binary, 1 Compact), and for a
    /// Compact bool field (whose value lives in the header) 2 + the value.
    pub encoding: u8,
}

/// How a value is represented and what wire type carries it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ValueKind {
    /// `bool`, 1 byte.
    Bool,
    /// `i8`, 1 byte.
    I8,
    /// `i16`, 2 bytes.
    I16,
    /// `i32`, 4 bytes.
    I32,
    /// `i64`, 8 bytes.
    I64,
    /// `double`, 8 bytes.
    Double,
    /// `string`: a [`RawSlice`] of UTF-8 (checked when read as text, not when decoded).
    String,
    /// `binary`: a [`RawSlice`].
    Binary,
    /// `uuid`: 16 bytes.
    Uuid,
    /// An enum: an `i32`.
    Enum(EnumId),
    /// A struct: pointer to its block (null = absent).
    Struct(StructId),
    /// `list<T>`: a [`RawSlice`] of elements.
    List(Box<ValueKind>),
    /// `set<T>`: like a list.
    Set(Box<ValueKind>),
    /// `map<K, V>`: a [`RawSlice`] of entries.
    Map(Box<ValueKind>, Box<ValueKind>),
}

impl ValueKind {
    /// The kind of a resolved type.
    pub fn of(ty: &Type) -> ValueKind {
        match ty {
            Type::Bool => ValueKind::Bool,
            Type::I8 => ValueKind::I8,
            Type::I16 => ValueKind::I16,
            Type::I32 => ValueKind::I32,
            Type::I64 => ValueKind::I64,
            Type::Double => ValueKind::Double,
            Type::String => ValueKind::String,
            Type::Binary => ValueKind::Binary,
            Type::Uuid => ValueKind::Uuid,
            Type::Enum(e) => ValueKind::Enum(*e),
            Type::Struct(s) => ValueKind::Struct(*s),
            Type::List(e) => ValueKind::List(Box::new(ValueKind::of(e))),
            Type::Set(e) => ValueKind::Set(Box::new(ValueKind::of(e))),
            Type::Map(k, v) => ValueKind::Map(Box::new(ValueKind::of(k)), Box::new(ValueKind::of(v))),
        }
    }

    /// The wire type code.
    pub fn ttype(&self) -> u8 {
        match self {
            ValueKind::Bool => ttype::BOOL,
            ValueKind::I8 => ttype::I8,
            ValueKind::I16 => ttype::I16,
            ValueKind::I32 | ValueKind::Enum(_) => ttype::I32,
            ValueKind::I64 => ttype::I64,
            ValueKind::Double => ttype::DOUBLE,
            ValueKind::String | ValueKind::Binary => ttype::STRING,
            ValueKind::Uuid => ttype::UUID,
            ValueKind::Struct(_) => ttype::STRUCT,
            ValueKind::List(_) => ttype::LIST,
            ValueKind::Set(_) => ttype::SET,
            ValueKind::Map(..) => ttype::MAP,
        }
    }

    /// Whether a value of this kind is a scalar of fixed size on the Binary
    /// wire (bool, byte, i16, i32, i64, double, enums): the fields Kitex's
    /// generated code writes first.
    pub fn is_fixed_size(&self) -> bool {
        matches!(
            self,
            ValueKind::Bool
                | ValueKind::I8
                | ValueKind::I16
                | ValueKind::I32
                | ValueKind::I64
                | ValueKind::Double
                | ValueKind::Enum(_)
        )
    }

    /// Bytes of the slot (in a struct or as a container element).
    pub fn size(&self) -> usize {
        match self {
            ValueKind::Bool | ValueKind::I8 => 1,
            ValueKind::I16 => 2,
            ValueKind::I32 | ValueKind::Enum(_) => 4,
            ValueKind::I64 | ValueKind::Double | ValueKind::Struct(_) => 8,
            ValueKind::Uuid => 16,
            ValueKind::String | ValueKind::Binary | ValueKind::List(_) | ValueKind::Set(_) | ValueKind::Map(..) => {
                std::mem::size_of::<RawSlice>()
            }
        }
    }

    /// Alignment of the slot.
    pub fn align(&self) -> usize {
        match self {
            ValueKind::Uuid => 1,
            other => other.size().min(8),
        }
    }
}

/// Placement of a map's key and value inside one entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EntryLayout {
    /// Offset of the value in the entry (the key is at 0).
    pub value_offset: usize,
    /// Bytes per entry, including padding.
    pub stride: usize,
    /// Alignment of an entry.
    pub align: usize,
}

impl EntryLayout {
    /// The entry layout of `map<key, value>`.
    pub fn of(key: &ValueKind, value: &ValueKind) -> EntryLayout {
        let align = key.align().max(value.align());
        let value_offset = key.size().next_multiple_of(value.align());
        let stride = (value_offset + value.size()).next_multiple_of(align);
        EntryLayout { value_offset, stride, align }
    }
}

/// One field of a [`StructLayout`].
#[derive(Clone, Debug)]
pub struct FieldLayout {
    /// The field id.
    pub id: i16,
    /// The field name.
    pub name: Box<str>,
    /// Representation and wire type.
    pub kind: ValueKind,
    /// The wire type the IDL expects ([`ttype`] code).
    pub ttype: u8,
    /// Byte offset of the slot in the struct block.
    pub offset: usize,
    /// Index in declaration order = bit in the presence bitmap.
    pub index: usize,
    /// Requiredness.
    pub requiredness: Requiredness,
    /// The IDL default, if any.
    pub default: Option<ConstValue>,
}

impl FieldLayout {
    /// Byte offset of the presence word holding this field's bit.
    #[inline]
    pub fn presence_offset(&self) -> usize {
        (self.index / 64) * 8
    }
    /// The field's bit within its presence word.
    #[inline]
    pub fn presence_mask(&self) -> u64 {
        1 << (self.index % 64)
    }
}

/// Largest id range served by a dense id → field table; sparser structs use
/// a binary search over sorted ids instead (a 64 K-entry table per struct
/// would cost more memory than the lookup saves).
pub const MAX_DENSE_RANGE: usize = 1024;

/// The layout of one struct-like type. See the module docs.
#[derive(Debug)]
pub struct StructLayout {
    /// The type.
    pub id: StructId,
    /// Its name.
    pub name: Box<str>,
    /// Struct, union, exception, args or result.
    pub kind: StructKind,
    /// Bytes of a block (a multiple of 8).
    pub size: usize,
    /// Number of u64 presence words at offset 0.
    pub presence_words: usize,
    /// Offset of the unknown-field list pointer.
    pub unknown_offset: usize,
    /// Fields in declaration order.
    pub fields: Vec<FieldLayout>,
    /// Required fields' bits, per presence word.
    pub required: Vec<u64>,
    /// The initial bytes of a block: zero, with scalar and string defaults
    /// written in and their presence bits set (except for optional fields).
    pub template: Box<[u64]>,
    /// Fields with container or struct defaults, applied when absent after decode.
    pub complex_defaults: Vec<usize>,
    lookup: FieldLookup,
}

#[derive(Debug)]
enum FieldLookup {
    /// `table[id - min]` = field index + 1 (0 = none).
    Dense { min: i16, table: Box<[u16]> },
    /// Sorted (id, field index).
    Sorted(Box<[(i16, u16)]>),
}

// SAFETY: the raw pointers in a layout's template point to string defaults
// owned by the same layout (`FieldLayout::default`), which are immutable and
// live as long as it does.
unsafe impl Send for StructLayout {}
// SAFETY: as above; nothing in a layout is mutated after construction.
unsafe impl Sync for StructLayout {}

impl StructLayout {
    /// The index of the field with id `id`.
    #[inline]
    pub fn field_index(&self, id: i16) -> Option<usize> {
        match &self.lookup {
            FieldLookup::Dense { min, table } => {
                let i = (i32::from(id) - i32::from(*min)) as usize;
                match table.get(i) {
                    Some(&x) if x != 0 => Some(usize::from(x) - 1),
                    _ => None,
                }
            }
            FieldLookup::Sorted(ids) => ids.binary_search_by_key(&id, |&(i, _)| i).ok().map(|k| usize::from(ids[k].1)),
        }
    }

    /// The field named `name`.
    pub fn field_by_name(&self, name: &str) -> Option<&FieldLayout> {
        self.fields.iter().find(|f| &*f.name == name)
    }

    /// True for a union or a result struct (at most one field set).
    pub fn is_union(&self) -> bool {
        matches!(self.kind, StructKind::Union | StructKind::Result)
    }

    fn build(schema: &Schema, id: StructId) -> StructLayout {
        let st = schema.struct_type(id);
        let n = st.fields.len();
        let presence_words = n.div_ceil(64).max(1);
        let unknown_offset = presence_words * 8;
        let mut fields: Vec<FieldLayout> = st
            .fields
            .iter()
            .enumerate()
            .map(|(index, f)| {
                let kind = ValueKind::of(&f.ty);
                FieldLayout {
                    id: f.id,
                    name: f.name.clone(),
                    ttype: kind.ttype(),
                    kind,
                    offset: 0,
                    index,
                    requiredness: f.requiredness,
                    default: f.default.clone(),
                }
            })
            .collect();
        // Place slots largest alignment first (then larger size first), which
        // leaves padding only at the end.
        let mut order: Vec<usize> = (0..n).collect();
        order
            .sort_by_key(|&i| (std::cmp::Reverse(fields[i].kind.align()), std::cmp::Reverse(fields[i].kind.size()), i));
        let mut offset = unknown_offset + 8;
        for i in order {
            let (align, size) = (fields[i].kind.align(), fields[i].kind.size());
            offset = offset.next_multiple_of(align);
            fields[i].offset = offset;
            offset += size;
        }
        let size = offset.next_multiple_of(8);
        let mut required = vec![0u64; presence_words];
        for f in &fields {
            if f.requiredness == Requiredness::Required {
                required[f.index / 64] |= f.presence_mask();
            }
        }
        let lookup = build_lookup(&fields);
        let mut layout = StructLayout {
            id,
            name: st.name.clone(),
            kind: st.kind,
            size,
            presence_words,
            unknown_offset,
            fields,
            required,
            template: vec![0u64; size / 8].into_boxed_slice(),
            complex_defaults: Vec::new(),
            lookup,
        };
        layout.fill_template();
        layout
    }

    fn fill_template(&mut self) {
        let mut bytes = vec![0u8; self.size];
        let mut complex = Vec::new();
        let mut pointers = Vec::new();
        for (i, f) in self.fields.iter().enumerate() {
            let Some(d) = &f.default else { continue };
            let at = f.offset;
            let written = match (&f.kind, d) {
                (ValueKind::Bool, ConstValue::Bool(b)) => {
                    bytes[at] = *b as u8;
                    true
                }
                (ValueKind::I8, ConstValue::Int(v)) => {
                    bytes[at] = *v as i8 as u8;
                    true
                }
                (ValueKind::I16, ConstValue::Int(v)) => {
                    bytes[at..at + 2].copy_from_slice(&(*v as i16).to_ne_bytes());
                    true
                }
                (ValueKind::I32 | ValueKind::Enum(_), ConstValue::Int(v)) => {
                    bytes[at..at + 4].copy_from_slice(&(*v as i32).to_ne_bytes());
                    true
                }
                (ValueKind::I64, ConstValue::Int(v)) => {
                    bytes[at..at + 8].copy_from_slice(&v.to_ne_bytes());
                    true
                }
                (ValueKind::Double, ConstValue::Double(v)) => {
                    bytes[at..at + 8].copy_from_slice(&v.to_bits().to_ne_bytes());
                    true
                }
                (ValueKind::Uuid, ConstValue::Uuid(u)) => {
                    bytes[at..at + 16].copy_from_slice(u);
                    true
                }
                (ValueKind::String | ValueKind::Binary, ConstValue::String(s)) => {
                    // The default's bytes are owned by this layout and never move.
                    let slice = RawSlice { ptr: s.as_ptr(), len: s.len() };
                    pointers.push((at, slice.ptr));
                    bytes[at + 8..at + 16].copy_from_slice(&slice.len.to_ne_bytes());
                    true
                }
                _ => {
                    complex.push(i);
                    false
                }
            };
            if written && f.requiredness != Requiredness::Optional {
                let w = f.presence_offset();
                let mut word = u64::from_ne_bytes(bytes[w..w + 8].try_into().expect("8 bytes"));
                word |= f.presence_mask();
                bytes[w..w + 8].copy_from_slice(&word.to_ne_bytes());
            }
        }
        for (i, chunk) in bytes.chunks_exact(8).enumerate() {
            self.template[i] = u64::from_ne_bytes(chunk.try_into().expect("8 bytes"));
        }
        // String defaults are stored as pointers, not as their addresses: a block copied
        // from the template then holds a pointer that may be read back (an address turned
        // into a pointer has no provenance; Miri reports reading through it).
        let base = self.template.as_mut_ptr() as *mut u8;
        for (at, ptr) in pointers {
            // SAFETY: `at` is the offset of a 16-byte string slot inside the block, and the
            // template is exactly `self.size` bytes, so `at + 8 <= self.size`.
            unsafe { base.add(at).cast::<*const u8>().write_unaligned(ptr) };
        }
        self.complex_defaults = complex;
    }
}

fn build_lookup(fields: &[FieldLayout]) -> FieldLookup {
    let (Some(min), Some(max)) = (fields.iter().map(|f| f.id).min(), fields.iter().map(|f| f.id).max()) else {
        return FieldLookup::Sorted(Box::new([]));
    };
    let range = (i32::from(max) - i32::from(min)) as usize + 1;
    if range <= MAX_DENSE_RANGE {
        let mut table = vec![0u16; range];
        for (i, f) in fields.iter().enumerate() {
            table[(i32::from(f.id) - i32::from(min)) as usize] = i as u16 + 1;
        }
        FieldLookup::Dense { min, table: table.into_boxed_slice() }
    } else {
        let mut ids: Vec<(i16, u16)> = fields.iter().enumerate().map(|(i, f)| (f.id, i as u16)).collect();
        ids.sort_unstable();
        FieldLookup::Sorted(ids.into_boxed_slice())
    }
}

/// The layouts of every struct-like type of a schema, indexed by [`StructId`].
#[derive(Debug)]
pub struct Layouts {
    schema: Arc<Schema>,
    structs: Vec<StructLayout>,
}

impl Layouts {
    /// Computes the layout of every struct-like type of `schema`.
    pub fn new(schema: Arc<Schema>) -> Arc<Layouts> {
        let structs = (0..schema.structs().len()).map(|i| StructLayout::build(&schema, StructId(i as u32))).collect();
        Arc::new(Layouts { schema, structs })
    }

    /// The schema these layouts were computed from.
    pub fn schema(&self) -> &Arc<Schema> {
        &self.schema
    }

    /// The layout of one type.
    #[inline]
    pub fn get(&self, id: StructId) -> &StructLayout {
        &self.structs[id.0 as usize]
    }

    /// All layouts.
    pub fn all(&self) -> &[StructLayout] {
        &self.structs
    }
}
