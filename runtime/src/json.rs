//! Minimal JSON ⇄ [`Value`] through the schema, for [`Client::call_json`](crate::client::Client::call_json)
//! and the command line.
//!
//! **Stopgap: to be replaced by `thriftjit::json`** (the codec crate's JSON module, on its
//! way on another branch) once it is merged: the function names and conventions here are
//! that module's (Kitex/dynamicgo generic-call JSON), so the swap is an import. A struct
//! is an object keyed by field name; `i64` a number (or a string holding one); `double`
//! a number or `"NaN"`, `"Infinity"`, `"-Infinity"`; `binary` standard base64; `uuid`
//! its 8-4-4-4-12 text; an enum its integer (its member name is accepted); lists and
//! sets arrays; a map keyed by strings or integers an object (integer keys as decimal
//! text), any other map an array of `[key, value]` pairs.

use serde_json::{Map, Number, Value as Json};
use thriftjit::schema::{Schema, StructId, Type, format_uuid, parse_uuid};
use thriftjit::value::{Value, ValueRef};

/// Deepest nesting of JSON converted: the codec's own limit, so whatever converts also encodes.
pub const MAX_DEPTH: usize = thriftjit::wire::DEFAULT_MAX_DEPTH as usize;

/// Converts JSON to a value of struct type `id`.
///
/// # Errors
/// A message naming the JSON path (`$.item.tags[2]`) and what was expected.
pub fn to_value(schema: &Schema, id: StructId, json: &Json) -> Result<Value, String> {
    read(schema, &Type::Struct(id), json, "$", 0)
}

/// Converts a value read from a message to JSON. Strings that are not UTF-8 are written
/// with U+FFFD replacements.
pub fn value_to_json(v: &ValueRef<'_>) -> Json {
    match *v {
        ValueRef::Bool(b) => Json::Bool(b),
        ValueRef::I8(x) => x.into(),
        ValueRef::I16(x) => x.into(),
        ValueRef::I32(x) | ValueRef::Enum(x) => x.into(),
        ValueRef::I64(x) => x.into(),
        ValueRef::Double(d) => match Number::from_f64(d) {
            Some(n) => Json::Number(n),
            None if d.is_nan() => "NaN".into(),
            None if d > 0.0 => "Infinity".into(),
            None => "-Infinity".into(),
        },
        ValueRef::String(b) => Json::String(String::from_utf8_lossy(b).into_owned()),
        ValueRef::Binary(b) => Json::String(base64_encode(b)),
        ValueRef::Uuid(u) => Json::String(format_uuid(&u)),
        ValueRef::Struct(s) => Json::Object(s.fields().map(|(f, v)| (f.name.to_string(), value_to_json(&v))).collect()),
        ValueRef::List(l) | ValueRef::Set(l) => Json::Array(l.iter().map(|v| value_to_json(&v)).collect()),
        ValueRef::Map(m) => {
            let keyed = m.iter().all(|(k, _)| key_text(&k).is_some());
            if keyed {
                let mut out = Map::new();
                for (k, v) in m.iter() {
                    out.insert(key_text(&k).unwrap_or_default(), value_to_json(&v));
                }
                Json::Object(out)
            } else {
                Json::Array(m.iter().map(|(k, v)| Json::Array(vec![value_to_json(&k), value_to_json(&v)])).collect())
            }
        }
    }
}

fn key_text(k: &ValueRef<'_>) -> Option<String> {
    Some(match *k {
        ValueRef::String(b) => String::from_utf8_lossy(b).into_owned(),
        ValueRef::I8(x) => x.to_string(),
        ValueRef::I16(x) => x.to_string(),
        ValueRef::I32(x) | ValueRef::Enum(x) => x.to_string(),
        ValueRef::I64(x) => x.to_string(),
        _ => return None,
    })
}

#[cold]
fn mismatch(path: &str, expected: &str, found: &Json) -> String {
    let found = match found {
        Json::Null => "null",
        Json::Bool(_) => "a bool",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    };
    format!("{path}: expected {expected}, found {found}")
}

fn int(path: &str, json: &Json, what: &str, min: i64, max: i64) -> Result<i64, String> {
    let v = match json {
        Json::Number(n) => n.as_i64(),
        Json::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    let v = v.ok_or_else(|| mismatch(path, what, json))?;
    if v < min || v > max {
        return Err(format!("{path}: {v} does not fit in {what}"));
    }
    Ok(v)
}

fn read(schema: &Schema, ty: &Type, json: &Json, path: &str, depth: usize) -> Result<Value, String> {
    if depth > MAX_DEPTH {
        return Err(format!("{path}: nested deeper than {MAX_DEPTH}"));
    }
    Ok(match ty {
        Type::Bool => Value::Bool(json.as_bool().ok_or_else(|| mismatch(path, "a bool", json))?),
        Type::I8 => Value::I8(int(path, json, "i8", i8::MIN.into(), i8::MAX.into())? as i8),
        Type::I16 => Value::I16(int(path, json, "i16", i16::MIN.into(), i16::MAX.into())? as i16),
        Type::I32 => Value::I32(int(path, json, "i32", i32::MIN.into(), i32::MAX.into())? as i32),
        Type::I64 => Value::I64(int(path, json, "i64", i64::MIN, i64::MAX)?),
        Type::Double => Value::Double(match json {
            Json::Number(n) => n.as_f64().ok_or_else(|| mismatch(path, "a double", json))?,
            Json::String(s) if s == "NaN" => f64::NAN,
            Json::String(s) if s == "Infinity" => f64::INFINITY,
            Json::String(s) if s == "-Infinity" => f64::NEG_INFINITY,
            _ => return Err(mismatch(path, "a double", json)),
        }),
        Type::String => Value::String(json.as_str().ok_or_else(|| mismatch(path, "a string", json))?.to_string()),
        Type::Binary => {
            let s = json.as_str().ok_or_else(|| mismatch(path, "base64 text", json))?;
            Value::Binary(base64_decode(s).ok_or_else(|| format!("{path}: {s:?} is not base64"))?)
        }
        Type::Uuid => {
            let s = json.as_str().ok_or_else(|| mismatch(path, "a uuid", json))?;
            Value::Uuid(parse_uuid(s).ok_or_else(|| format!("{path}: {s:?} is not a uuid"))?)
        }
        Type::Enum(id) => {
            let e = schema.enum_type(*id);
            match json {
                Json::String(s) if e.value_of(s).is_some() => Value::Enum(e.value_of(s).unwrap_or_default()),
                _ => {
                    Value::Enum(
                        int(path, json, &format!("a member of `{}`", e.name), i32::MIN.into(), i32::MAX.into())? as i32,
                    )
                }
            }
        }
        Type::List(elem) | Type::Set(elem) => {
            let items = json.as_array().ok_or_else(|| mismatch(path, "an array", json))?;
            let items = items
                .iter()
                .enumerate()
                .map(|(i, x)| read(schema, elem, x, &format!("{path}[{i}]"), depth + 1))
                .collect::<Result<Vec<_>, _>>()?;
            if matches!(ty, Type::Set(_)) { Value::Set(items) } else { Value::List(items) }
        }
        Type::Map(k, v) => {
            let mut entries = Vec::new();
            match json {
                Json::Object(map) => {
                    for (key, x) in map {
                        let at = format!("{path}.{key}");
                        let key = read(schema, k, &Json::String(key.clone()), &at, depth + 1)?;
                        entries.push((key, read(schema, v, x, &at, depth + 1)?));
                    }
                }
                Json::Array(pairs) => {
                    for (i, pair) in pairs.iter().enumerate() {
                        let at = format!("{path}[{i}]");
                        match pair.as_array().map(Vec::as_slice) {
                            Some([a, b]) => {
                                entries.push((read(schema, k, a, &at, depth + 1)?, read(schema, v, b, &at, depth + 1)?))
                            }
                            _ => return Err(mismatch(&at, "a [key, value] pair", pair)),
                        }
                    }
                }
                _ => return Err(mismatch(path, "an object or an array of pairs", json)),
            }
            Value::Map(entries)
        }
        Type::Struct(id) => {
            let st = schema.struct_type(*id);
            let obj = json.as_object().ok_or_else(|| mismatch(path, &format!("a `{}` object", st.name), json))?;
            let mut fields = Vec::new();
            for (name, x) in obj {
                let f = st.field_by_name(name).ok_or_else(|| {
                    let known: Vec<&str> = st.fields.iter().map(|f| &*f.name).collect();
                    format!("{path}: `{}` has no field `{name}` (fields: {})", st.name, known.join(", "))
                })?;
                if x.is_null() {
                    continue;
                }
                fields.push((f.id, read(schema, &f.ty, x, &format!("{path}.{name}"), depth + 1)?));
            }
            Value::Struct(fields)
        }
    })
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | (u32::from(b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(BASE64[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Standard base64, with or without padding; `None` for anything else.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let v = BASE64.iter().position(|&b| b == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // Leftover bits must be padding zeros, and a lone sixth of a byte is no encoding.
    (bits < 6 && acc == 0).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips_and_rejects_garbage() {
        for (raw, text) in [(&b""[..], ""), (b"f", "Zg=="), (b"fo", "Zm8="), (b"foo", "Zm9v"), (b"foob", "Zm9vYg==")] {
            assert_eq!(base64_encode(raw), text);
            assert_eq!(base64_decode(text).as_deref(), Some(raw));
            assert_eq!(base64_decode(text.trim_end_matches('=')).as_deref(), Some(raw));
        }
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(base64_decode(&base64_encode(&all)), Some(all));
        assert_eq!(base64_decode("Zm9v!"), None);
        assert_eq!(base64_decode("Z"), None);
    }

    #[test]
    fn json_arguments_convert_through_the_schema_with_paths_in_errors() {
        let schema = Schema::parse_str(
            "t.thrift",
            "enum E { A = 1, B = 2 } struct S { 1: i8 small, 2: map<i32, string> m, 3: list<E> es, 4: binary b, \
             5: double d } service Svc { void f(1: S s) }",
        )
        .unwrap();
        let id = schema.struct_by_name("S").unwrap();
        let json: Json =
            serde_json::from_str(r#"{"small": 5, "m": {"7": "seven"}, "es": [1, "B"], "b": "AAE=", "d": "NaN"}"#)
                .unwrap();
        let v = to_value(&schema, id, &json).unwrap();
        assert_eq!(v.field(1), Some(&Value::I8(5)));
        assert_eq!(v.field(2), Some(&Value::Map(vec![(Value::I32(7), Value::String("seven".into()))])));
        assert_eq!(v.field(3), Some(&Value::List(vec![Value::Enum(1), Value::Enum(2)])));
        assert_eq!(v.field(4), Some(&Value::Binary(vec![0, 1])));
        let e = to_value(&schema, id, &serde_json::json!({"es": [1, "C"]})).unwrap_err();
        assert!(e.starts_with("$.es[1]:"), "{e}");
        let e = to_value(&schema, id, &serde_json::json!({"small": 300})).unwrap_err();
        assert!(e.contains("does not fit in i8"), "{e}");
        let e = to_value(&schema, id, &serde_json::json!({"nope": 1})).unwrap_err();
        assert!(e.contains("no field `nope`"), "{e}");
    }
}
