//! [`Value`]: an owned tree of a Thrift value, for building messages,
//! comparing them in tests, and converting to and from JSON.

use crate::layout::ValueKind;
use crate::schema::ConstValue;

/// An owned Thrift value.
#[derive(Clone, Debug)]
pub enum Value {
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
    /// `string`.
    String(String),
    /// `binary`.
    Binary(Vec<u8>),
    /// `uuid`.
    Uuid([u8; 16]),
    /// An enum value.
    Enum(i32),
    /// A struct: (field id, value) for each set field.
    Struct(Vec<(i16, Value)>),
    /// A list.
    List(Vec<Value>),
    /// A set (elements in order; duplicates are the writer's business).
    Set(Vec<Value>),
    /// A map (entries in order).
    Map(Vec<(Value, Value)>),
}

impl PartialEq for Value {
    /// Structural equality; doubles compare bitwise (NaN equals NaN); struct
    /// fields compare regardless of order.
    fn eq(&self, other: &Value) -> bool {
        use Value::*;
        match (self, other) {
            (Bool(a), Bool(b)) => a == b,
            (I8(a), I8(b)) => a == b,
            (I16(a), I16(b)) => a == b,
            (I32(a), I32(b)) | (Enum(a), Enum(b)) => a == b,
            (I64(a), I64(b)) => a == b,
            (Double(a), Double(b)) => a.to_bits() == b.to_bits(),
            (String(a), String(b)) => a == b,
            (Binary(a), Binary(b)) => a == b,
            (Uuid(a), Uuid(b)) => a == b,
            (Struct(a), Struct(b)) => {
                let mut a: Vec<_> = a.iter().collect();
                let mut b: Vec<_> = b.iter().collect();
                a.sort_by_key(|(id, _)| *id);
                b.sort_by_key(|(id, _)| *id);
                a == b
            }
            (List(a), List(b)) | (Set(a), Set(b)) => a == b,
            (Map(a), Map(b)) => a == b,
            _ => false,
        }
    }
}

impl Value {
    /// The field `id` of a struct value.
    pub fn field(&self, id: i16) -> Option<&Value> {
        match self {
            Value::Struct(fields) => fields.iter().find(|(i, _)| *i == id).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Converts an IDL constant to a value of `kind`.
    pub fn from_const(kind: &ValueKind, c: &ConstValue) -> Option<Value> {
        Some(match (kind, c) {
            (ValueKind::Bool, ConstValue::Bool(b)) => Value::Bool(*b),
            (ValueKind::Bool, ConstValue::Int(i)) => Value::Bool(*i != 0),
            (ValueKind::I8, ConstValue::Int(i)) => Value::I8(*i as i8),
            (ValueKind::I16, ConstValue::Int(i)) => Value::I16(*i as i16),
            (ValueKind::I32, ConstValue::Int(i)) => Value::I32(*i as i32),
            (ValueKind::Enum(_), ConstValue::Int(i)) => Value::Enum(*i as i32),
            (ValueKind::I64, ConstValue::Int(i)) => Value::I64(*i),
            (ValueKind::Double, ConstValue::Double(d)) => Value::Double(*d),
            (ValueKind::Double, ConstValue::Int(i)) => Value::Double(*i as f64),
            (ValueKind::String, ConstValue::String(s)) => Value::String(s.to_string()),
            (ValueKind::Binary, ConstValue::String(s)) => Value::Binary(s.as_bytes().to_vec()),
            (ValueKind::Uuid, ConstValue::Uuid(u)) => Value::Uuid(*u),
            (ValueKind::List(e), ConstValue::List(items)) => {
                Value::List(items.iter().map(|x| Value::from_const(e, x)).collect::<Option<_>>()?)
            }
            (ValueKind::Set(e), ConstValue::List(items)) => {
                Value::Set(items.iter().map(|x| Value::from_const(e, x)).collect::<Option<_>>()?)
            }
            (ValueKind::Map(k, v), ConstValue::Map(entries)) => Value::Map(
                entries
                    .iter()
                    .map(|(a, b)| Some((Value::from_const(k, a)?, Value::from_const(v, b)?)))
                    .collect::<Option<_>>()?,
            ),
            (ValueKind::Struct(_), ConstValue::Struct(fields)) => {
                // Field kinds are resolved when the struct is assigned; here
                // only the shape is converted, with scalar kinds guessed from
                // the constant (assignment converts them to the field's kind).
                Value::Struct(fields.iter().map(|(id, v)| (*id, untyped(v))).collect())
            }
            _ => return None,
        })
    }
}

/// A constant converted without a target kind (used inside struct constants,
/// whose fields are converted again against their layout when assigned).
pub(crate) fn untyped(c: &ConstValue) -> Value {
    match c {
        ConstValue::Bool(b) => Value::Bool(*b),
        ConstValue::Int(i) => Value::I64(*i),
        ConstValue::Double(d) => Value::Double(*d),
        ConstValue::String(s) => Value::String(s.to_string()),
        ConstValue::Uuid(u) => Value::Uuid(*u),
        ConstValue::List(items) => Value::List(items.iter().map(untyped).collect()),
        ConstValue::Map(entries) => Value::Map(entries.iter().map(|(a, b)| (untyped(a), untyped(b))).collect()),
        ConstValue::Struct(fields) => Value::Struct(fields.iter().map(|(id, v)| (*id, untyped(v))).collect()),
    }
}
