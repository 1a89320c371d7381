//! Values → JSON, walking the schema's types. One writer serves both
//! sources, an owned [`Value`] and a message's arena views, through
//! [`Node`]: a borrowed, source-neutral view of one value. Reading a message
//! this way builds no intermediate tree.

use serde_json::{Map, Number, Value as J};

use super::{JsonError, JsonErrorKind, MapForm, Options, base64_encode};
use crate::schema::{EnumId, Schema, StructId, Type, format_uuid};
use crate::value::{ListRef, MapRef, StructRef, Value, ValueRef};

/// One value to write, from either source.
#[derive(Clone, Copy)]
pub(super) enum Node<'a> {
    Bool(bool),
    /// Any integer type or an enum value.
    Int(i64),
    Double(f64),
    /// `string` or `binary` bytes.
    Bytes(&'a [u8]),
    Uuid([u8; 16]),
    Struct(StructSrc<'a>),
    List(ListSrc<'a>),
    Map(MapSrc<'a>),
}

#[derive(Clone, Copy)]
pub(super) enum StructSrc<'a> {
    Owned(&'a [(i16, Value)]),
    Ref(StructRef<'a>),
}

#[derive(Clone, Copy)]
pub(super) enum ListSrc<'a> {
    Owned(&'a [Value]),
    Ref(ListRef<'a>),
}

#[derive(Clone, Copy)]
pub(super) enum MapSrc<'a> {
    Owned(&'a [(Value, Value)]),
    Ref(MapRef<'a>),
}

impl<'a> Node<'a> {
    pub fn of_value(v: &'a Value) -> Node<'a> {
        match v {
            Value::Bool(b) => Node::Bool(*b),
            Value::I8(i) => Node::Int(i64::from(*i)),
            Value::I16(i) => Node::Int(i64::from(*i)),
            Value::I32(i) | Value::Enum(i) => Node::Int(i64::from(*i)),
            Value::I64(i) => Node::Int(*i),
            Value::Double(d) => Node::Double(*d),
            Value::String(s) => Node::Bytes(s.as_bytes()),
            Value::Binary(b) => Node::Bytes(b),
            Value::Uuid(u) => Node::Uuid(*u),
            Value::Struct(f) => Node::Struct(StructSrc::Owned(f)),
            Value::List(l) | Value::Set(l) => Node::List(ListSrc::Owned(l)),
            Value::Map(m) => Node::Map(MapSrc::Owned(m)),
        }
    }

    fn of_ref(v: ValueRef<'a>) -> Node<'a> {
        match v {
            ValueRef::Bool(b) => Node::Bool(b),
            ValueRef::I8(i) => Node::Int(i64::from(i)),
            ValueRef::I16(i) => Node::Int(i64::from(i)),
            ValueRef::I32(i) | ValueRef::Enum(i) => Node::Int(i64::from(i)),
            ValueRef::I64(i) => Node::Int(i),
            ValueRef::Double(d) => Node::Double(d),
            ValueRef::String(b) | ValueRef::Binary(b) => Node::Bytes(b),
            ValueRef::Uuid(u) => Node::Uuid(u),
            ValueRef::Struct(s) => Node::Struct(StructSrc::Ref(s)),
            ValueRef::List(l) | ValueRef::Set(l) => Node::List(ListSrc::Ref(l)),
            ValueRef::Map(m) => Node::Map(MapSrc::Ref(m)),
        }
    }

    /// What the value is, for messages.
    pub fn shape(&self) -> &'static str {
        match self {
            Node::Bool(_) => "a bool",
            Node::Int(_) => "an integer",
            Node::Double(_) => "a double",
            Node::Bytes(_) => "a string",
            Node::Uuid(_) => "a uuid",
            Node::Struct(_) => "a struct",
            Node::List(_) => "a list",
            Node::Map(_) => "a map",
        }
    }
}

impl<'a> ListSrc<'a> {
    fn len(&self) -> usize {
        match self {
            ListSrc::Owned(l) => l.len(),
            ListSrc::Ref(l) => l.len(),
        }
    }

    fn get(&self, i: usize) -> Node<'a> {
        match self {
            ListSrc::Owned(l) => Node::of_value(&l[i]),
            ListSrc::Ref(l) => Node::of_ref(l.get(i).expect("index below len")),
        }
    }
}

impl<'a> MapSrc<'a> {
    fn len(&self) -> usize {
        match self {
            MapSrc::Owned(m) => m.len(),
            MapSrc::Ref(m) => m.len(),
        }
    }

    fn entry(&self, i: usize) -> (Node<'a>, Node<'a>) {
        match self {
            MapSrc::Owned(m) => (Node::of_value(&m[i].0), Node::of_value(&m[i].1)),
            MapSrc::Ref(m) => {
                let (k, v) = m.entry(i).expect("index below len");
                (Node::of_ref(k), Node::of_ref(v))
            }
        }
    }
}

pub(super) struct Writer<'s> {
    pub schema: &'s Schema,
    pub options: &'s Options,
}

#[cold]
fn mismatch(expected: &str, found: Node<'_>) -> JsonError {
    JsonError::new(JsonErrorKind::Type, format!("expected {expected}, found {}", found.shape()))
}

#[cold]
fn too_deep() -> JsonError {
    JsonError::new(JsonErrorKind::DepthLimit, "structs and containers nested deeper than the limit")
}

fn deeper(depth: u32) -> Result<u32, JsonError> {
    depth.checked_sub(1).ok_or_else(too_deep)
}

impl Writer<'_> {
    /// Writes a struct of type `id` as an object, fields in declaration order.
    pub fn write_struct(&self, id: StructId, src: StructSrc<'_>, depth: u32) -> Result<J, JsonError> {
        let st = self.schema.struct_type(id);
        let mut object = Map::new();
        match src {
            StructSrc::Owned(fields) => {
                if let Some((bad, _)) = fields.iter().find(|(fid, _)| st.field(*fid).is_none()) {
                    return Err(JsonError::new(
                        JsonErrorKind::Type,
                        format!("`{}` has no field with id {bad}", st.name),
                    ));
                }
                for f in &st.fields {
                    // A later duplicate wins, as it would when assigned to a message.
                    if let Some((_, v)) = fields.iter().rev().find(|(fid, _)| *fid == f.id) {
                        let json = self.write(&f.ty, Node::of_value(v), depth).map_err(|e| e.in_field(&f.name))?;
                        object.insert(f.name.to_string(), json);
                    }
                }
            }
            StructSrc::Ref(s) => {
                debug_assert_eq!(s.layout().id, id);
                // Layout fields are in declaration order, as the schema's are.
                for (i, f) in st.fields.iter().enumerate() {
                    if let Some(v) = s.get_index(i) {
                        let json = self.write(&f.ty, Node::of_ref(v), depth).map_err(|e| e.in_field(&f.name))?;
                        object.insert(f.name.to_string(), json);
                    }
                }
            }
        }
        Ok(J::Object(object))
    }

    /// Writes a value of type `ty`.
    fn write(&self, ty: &Type, node: Node<'_>, depth: u32) -> Result<J, JsonError> {
        Ok(match (ty, node) {
            (Type::Bool, Node::Bool(b)) => J::Bool(b),
            (Type::I8, Node::Int(i)) => J::from(fit::<i8>(i, "i8")?),
            (Type::I16, Node::Int(i)) => J::from(fit::<i16>(i, "i16")?),
            (Type::I32, Node::Int(i)) => J::from(fit::<i32>(i, "i32")?),
            (Type::I64, Node::Int(i)) if self.options.i64_as_string => J::String(i.to_string()),
            (Type::I64, Node::Int(i)) => J::from(i),
            (Type::Double, Node::Double(d)) => double(d),
            (Type::Double, Node::Int(i)) => double(i as f64),
            (Type::String, Node::Bytes(b)) => J::String(self.text(b)?),
            (Type::Binary, Node::Bytes(b)) => J::String(base64_encode(b)),
            (Type::Uuid, Node::Uuid(u)) => J::String(format_uuid(&u)),
            (Type::Enum(e), Node::Int(i)) => self.enum_value(*e, fit(i, "an enum (i32)")?),
            (Type::Struct(id), Node::Struct(s)) => self.write_struct(*id, s, deeper(depth)?)?,
            (Type::List(elem) | Type::Set(elem), Node::List(l)) => {
                let depth = deeper(depth)?;
                let mut out = Vec::with_capacity(l.len());
                for i in 0..l.len() {
                    out.push(self.write(elem, l.get(i), depth).map_err(|e| e.at_index(i))?);
                }
                J::Array(out)
            }
            (Type::Map(k, v), Node::Map(m)) => self.write_map(k, v, m, deeper(depth)?)?,
            (ty, node) => return Err(mismatch(&self.schema.type_name(ty), node)),
        })
    }

    fn write_map(&self, k: &Type, v: &Type, m: MapSrc<'_>, depth: u32) -> Result<J, JsonError> {
        if MapForm::of(k) == MapForm::Pairs {
            let mut out = Vec::with_capacity(m.len());
            for i in 0..m.len() {
                let (key, value) = m.entry(i);
                let key = self.write(k, key, depth).map_err(|e| e.at_index(0).at_index(i))?;
                let value = self.write(v, value, depth).map_err(|e| e.at_index(1).at_index(i))?;
                out.push(J::Array(vec![key, value]));
            }
            return Ok(J::Array(out));
        }
        let mut object = Map::with_capacity(m.len());
        for i in 0..m.len() {
            let (key, value) = m.entry(i);
            let key = self
                .key_text(k, key)
                .map_err(|e| JsonError::new(e.kind(), format!("key of entry {i}: {}", e.message())))?;
            let value = self.write(v, value, depth).map_err(|e| e.at_key(&key))?;
            object.insert(key, value);
        }
        Ok(J::Object(object))
    }

    /// A map key as object key text: the string, or the decimal integer (the
    /// member name of an enum with [`Options::enum_names`]).
    fn key_text(&self, k: &Type, key: Node<'_>) -> Result<String, JsonError> {
        match (k, key) {
            (Type::String, Node::Bytes(b)) => self.text(b),
            (Type::Enum(e), Node::Int(i)) => match self.enum_value(*e, fit(i, "an enum (i32)")?) {
                J::String(name) => Ok(name),
                other => Ok(other.to_string()),
            },
            (_, Node::Int(_)) => match self.write(k, key, 0)? {
                J::String(s) => Ok(s),
                other => Ok(other.to_string()),
            },
            (k, key) => Err(mismatch(&self.schema.type_name(k), key)),
        }
    }

    fn enum_value(&self, e: EnumId, v: i32) -> J {
        if self.options.enum_names
            && let Some(name) = self.schema.enum_type(e).name_of(v)
        {
            return J::String(name.to_string());
        }
        J::from(v)
    }

    /// A `string`'s bytes as text: an error when not UTF-8, unless lossy.
    fn text(&self, b: &[u8]) -> Result<String, JsonError> {
        match std::str::from_utf8(b) {
            Ok(s) => Ok(s.to_string()),
            Err(_) if self.options.lossy_utf8 => Ok(String::from_utf8_lossy(b).into_owned()),
            Err(e) => Err(invalid_utf8(b, e)),
        }
    }
}

/// Bytes of a bad string shown in an error, around the first invalid one.
const UTF8_CONTEXT: usize = 8;

#[cold]
fn invalid_utf8(b: &[u8], e: std::str::Utf8Error) -> JsonError {
    let at = e.valid_up_to();
    let from = at.saturating_sub(UTF8_CONTEXT);
    let to = (at + UTF8_CONTEXT).min(b.len());
    let hex: Vec<String> = b[from..to].iter().map(|x| format!("{x:02x}")).collect();
    JsonError::new(
        JsonErrorKind::InvalidUtf8,
        format!("string is not valid UTF-8 at byte {at} of {} (bytes {from}..{to}: {})", b.len(), hex.join(" ")),
    )
}

fn fit<T: TryFrom<i64>>(i: i64, what: &str) -> Result<T, JsonError> {
    T::try_from(i).map_err(|_| JsonError::new(JsonErrorKind::Range, format!("{i} does not fit in {what}")))
}

/// A double as a number, or as the strings JSON needs for the values it lacks.
fn double(d: f64) -> J {
    match Number::from_f64(d) {
        Some(n) => J::Number(n),
        None if d.is_nan() => J::String("NaN".into()),
        None if d > 0.0 => J::String("Infinity".into()),
        None => J::String("-Infinity".into()),
    }
}
