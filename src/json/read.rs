//! JSON → [`Value`], walking the schema's types. Each level adds its path
//! segment to an error as it passes outwards.

use serde_json::Value as J;

use super::error::describe;
use super::{JsonError, JsonErrorKind, MapForm, Options, base64_decode};
use crate::idl::ast::Requiredness;
use crate::schema::{EnumId, Schema, StructId, StructKind, Type, parse_uuid};
use crate::value::Value;

pub(super) struct Reader<'s> {
    pub schema: &'s Schema,
    pub options: &'s Options,
}

#[cold]
fn mismatch(expected: &str, found: &J) -> JsonError {
    JsonError::new(JsonErrorKind::Type, format!("expected {expected}, found {}", describe(found)))
}

#[cold]
fn too_deep() -> JsonError {
    JsonError::new(JsonErrorKind::DepthLimit, "structs and containers nested deeper than the limit")
}

fn deeper(depth: u32) -> Result<u32, JsonError> {
    depth.checked_sub(1).ok_or_else(too_deep)
}

impl Reader<'_> {
    /// Reads an object as a struct of type `id`.
    pub fn read_struct(&self, id: StructId, json: &J, depth: u32) -> Result<Value, JsonError> {
        let st = self.schema.struct_type(id);
        let J::Object(object) = json else {
            return Err(mismatch(&format!("an object ({})", st.name), json));
        };
        let mut fields = Vec::with_capacity(object.len());
        for (key, v) in object {
            let Some(field) = st.field_by_name(key) else {
                if self.options.ignore_unknown_fields {
                    continue;
                }
                return Err(JsonError::new(JsonErrorKind::UnknownField, format!("`{}` has no field `{key}`", st.name))
                    .in_field(key));
            };
            if v.is_null() {
                continue;
            }
            let value = self.read(&field.ty, v, depth).map_err(|e| e.in_field(key))?;
            fields.push((field.id, value));
        }
        let one_of = matches!(st.kind, StructKind::Union | StructKind::Result);
        if one_of && fields.len() > 1 {
            let names: Vec<String> =
                fields.iter().filter_map(|(id, _)| st.field(*id)).map(|f| format!("`{}`", f.name)).collect();
            return Err(JsonError::new(
                JsonErrorKind::UnionMultiple,
                format!(
                    "{} fields of union `{}` are set ({}); at most one may be",
                    fields.len(),
                    st.name,
                    names.join(", ")
                ),
            ));
        }
        if !self.options.allow_missing_required {
            let missing = st.fields.iter().find(|f| {
                f.requiredness == Requiredness::Required
                    && f.default.is_none()
                    && !fields.iter().any(|(id, _)| *id == f.id)
            });
            if let Some(f) = missing {
                return Err(JsonError::new(
                    JsonErrorKind::MissingRequired,
                    format!("required field `{}` of `{}` is missing", f.name, st.name),
                ));
            }
        }
        Ok(Value::Struct(fields))
    }

    /// Reads a value of type `ty`.
    fn read(&self, ty: &Type, json: &J, depth: u32) -> Result<Value, JsonError> {
        Ok(match ty {
            Type::Bool => match json {
                J::Bool(b) => Value::Bool(*b),
                other => return Err(mismatch("a bool", other)),
            },
            Type::I8 => Value::I8(fit(integer(json, "i8")?, "i8")?),
            Type::I16 => Value::I16(fit(integer(json, "i16")?, "i16")?),
            Type::I32 => Value::I32(fit(integer(json, "i32")?, "i32")?),
            Type::I64 => Value::I64(integer(json, "i64")?),
            Type::Double => Value::Double(double(json)?),
            Type::String => match json {
                J::String(s) => Value::String(s.clone()),
                other => return Err(mismatch("a string", other)),
            },
            Type::Binary => match json {
                J::String(s) => Value::Binary(base64_decode(s).map_err(|e| {
                    JsonError::new(
                        JsonErrorKind::Invalid,
                        format!("expected base64 (binary), found {}: {e}", describe(json)),
                    )
                })?),
                other => return Err(mismatch("a base64 string (binary)", other)),
            },
            Type::Uuid => match json {
                J::String(s) => Value::Uuid(parse_uuid(s).ok_or_else(|| {
                    JsonError::new(
                        JsonErrorKind::Invalid,
                        format!("expected a uuid (8-4-4-4-12 hex digits), found {}", describe(json)),
                    )
                })?),
                other => return Err(mismatch("a uuid string", other)),
            },
            Type::Enum(e) => Value::Enum(self.enum_value(*e, json)?),
            Type::Struct(id) => self.read_struct(*id, json, deeper(depth)?)?,
            Type::List(elem) => Value::List(self.read_array(elem, json, deeper(depth)?, "list")?),
            Type::Set(elem) => Value::Set(self.read_array(elem, json, deeper(depth)?, "set")?),
            Type::Map(k, v) => self.read_map(ty, k, v, json, deeper(depth)?)?,
        })
    }

    fn read_array(&self, elem: &Type, json: &J, depth: u32, what: &str) -> Result<Vec<Value>, JsonError> {
        let J::Array(items) = json else {
            return Err(mismatch(&format!("an array ({what}<{}>)", self.schema.type_name(elem)), json));
        };
        items.iter().enumerate().map(|(i, item)| self.read(elem, item, depth).map_err(|e| e.at_index(i))).collect()
    }

    fn read_map(&self, ty: &Type, k: &Type, v: &Type, json: &J, depth: u32) -> Result<Value, JsonError> {
        let form = MapForm::of(k);
        match json {
            J::Object(object) if form != MapForm::Pairs => object
                .iter()
                .map(|(key, value)| {
                    let read = || Ok((self.read_key(k, key)?, self.read(v, value, depth)?));
                    read().map_err(|e: JsonError| e.at_key(key))
                })
                .collect::<Result<_, _>>()
                .map(Value::Map),
            J::Array(pairs) => pairs
                .iter()
                .enumerate()
                .map(|(i, pair)| self.read_pair(k, v, pair, depth).map_err(|e| e.at_index(i)))
                .collect::<Result<_, _>>()
                .map(Value::Map),
            other => {
                let expected = match form {
                    MapForm::Pairs => "an array of [key, value] pairs",
                    MapForm::TextKeys | MapForm::IntegerKeys => "an object",
                };
                Err(mismatch(&format!("{expected} ({})", self.schema.type_name(ty)), other))
            }
        }
    }

    fn read_pair(&self, k: &Type, v: &Type, pair: &J, depth: u32) -> Result<(Value, Value), JsonError> {
        match pair {
            J::Array(kv) if kv.len() == 2 => Ok((
                self.read(k, &kv[0], depth).map_err(|e| e.at_index(0))?,
                self.read(v, &kv[1], depth).map_err(|e| e.at_index(1))?,
            )),
            other => Err(mismatch("a [key, value] pair", other)),
        }
    }

    /// Reads an object key as a map key of type `k` (a string, an integer or an enum).
    fn read_key(&self, k: &Type, key: &str) -> Result<Value, JsonError> {
        let text = J::String(key.to_string());
        match k {
            Type::String => Ok(Value::String(key.to_string())),
            Type::Enum(e) => Ok(Value::Enum(self.enum_value(*e, &text)?)),
            // Integer keys: the string-holding-an-integer form of `integer`.
            _ => self.read(k, &text, 0),
        }
    }

    fn enum_value(&self, e: EnumId, json: &J) -> Result<i32, JsonError> {
        let et = self.schema.enum_type(e);
        if let J::String(s) = json
            && let Some(v) = et.value_of(s)
        {
            return Ok(v);
        }
        match json {
            J::Number(_) => fit(integer(json, &et.name)?, &et.name),
            J::String(s) => match s.parse::<i64>() {
                Ok(i) => fit(i, &et.name),
                Err(_) => {
                    let members: Vec<&str> = et.values.iter().map(|(n, _)| &**n).collect();
                    Err(JsonError::new(
                        JsonErrorKind::Invalid,
                        format!(
                            "expected a member of enum `{}` ({}) or an integer, found {}",
                            et.name,
                            members.join(", "),
                            describe(json)
                        ),
                    ))
                }
            },
            other => Err(mismatch(&format!("an enum `{}` (a member name or an integer)", et.name), other)),
        }
    }
}

/// An integer from a JSON number or a string holding one.
fn integer(json: &J, what: &str) -> Result<i64, JsonError> {
    match json {
        J::Number(n) => {
            if let Some(i) = n.as_i64() {
                Ok(i)
            } else if n.is_u64() {
                Err(JsonError::new(JsonErrorKind::Range, format!("{n} does not fit in {what}")))
            } else {
                Err(JsonError::new(JsonErrorKind::Range, format!("expected an integer ({what}), found {n}")))
            }
        }
        J::String(s) => s.parse::<i64>().map_err(|e| {
            use std::num::IntErrorKind;
            match e.kind() {
                IntErrorKind::PosOverflow | IntErrorKind::NegOverflow => {
                    JsonError::new(JsonErrorKind::Range, format!("{s} does not fit in {what}"))
                }
                _ => mismatch(&format!("{what} (a number or a string holding an integer)"), json),
            }
        }),
        other => Err(mismatch(what, other)),
    }
}

fn fit<T: TryFrom<i64>>(i: i64, what: &str) -> Result<T, JsonError> {
    T::try_from(i).map_err(|_| JsonError::new(JsonErrorKind::Range, format!("{i} does not fit in {what}")))
}

fn double(json: &J) -> Result<f64, JsonError> {
    match json {
        J::Number(n) => {
            n.as_f64().ok_or_else(|| JsonError::new(JsonErrorKind::Range, format!("{n} does not fit in a double")))
        }
        J::String(s) => match s.as_str() {
            "NaN" => Ok(f64::NAN),
            "Infinity" => Ok(f64::INFINITY),
            "-Infinity" => Ok(f64::NEG_INFINITY),
            _ => Err(mismatch("a double (a number, \"NaN\", \"Infinity\" or \"-Infinity\")", json)),
        },
        other => Err(mismatch("a double", other)),
    }
}
