//! [`JsonError`]: what did not fit, and where in the JSON document.
//!
//! Like [`crate::error::DecodeError`], the path is built only on the error
//! path: each level of the converter adds its segment as the error travels
//! outwards, so a conversion that succeeds pays nothing for it.

use std::fmt;

/// What kind of JSON conversion failure, for callers that branch on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JsonErrorKind {
    /// The text is not JSON (or has trailing characters).
    Syntax,
    /// A JSON value of the wrong shape: a string where a number was expected,
    /// an array where an object was expected, a struct value of another type.
    Type,
    /// A number outside its Thrift type's range, or not an integer where one is needed.
    Range,
    /// A value of the right shape but not valid for its type: bad base64, a
    /// malformed uuid, an enum member that does not exist.
    Invalid,
    /// A JSON key that names no field of the struct.
    UnknownField,
    /// A required field is absent.
    MissingRequired,
    /// A union (or result struct) has more than one field set.
    UnionMultiple,
    /// A `string` holds bytes that are not UTF-8 (on output, unless lossy).
    InvalidUtf8,
    /// Structs and containers nested deeper than the configured limit.
    DepthLimit,
}

/// One step of a JSON path.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Segment {
    /// An object key naming a struct field.
    Field(Box<str>),
    /// An array element.
    Index(usize),
    /// An object key of a map.
    Key(Box<str>),
}

/// A JSON conversion failure: kind, JSON path (`$.xtructs[3].string_thing`) and message.
#[derive(Clone, PartialEq, Eq)]
pub struct JsonError {
    kind: JsonErrorKind,
    /// Segments from the innermost outwards (reversed when displayed).
    path: Vec<Segment>,
    message: Box<str>,
}

impl JsonError {
    /// A new error of `kind` at the root.
    #[cold]
    pub(crate) fn new(kind: JsonErrorKind, message: impl Into<String>) -> Self {
        JsonError { kind, path: Vec::new(), message: message.into().into_boxed_str() }
    }

    /// Adds the field segment of an enclosing struct.
    #[cold]
    pub(crate) fn in_field(mut self, name: &str) -> Self {
        self.path.push(Segment::Field(name.into()));
        self
    }

    /// Adds the index segment of an enclosing array.
    #[cold]
    pub(crate) fn at_index(mut self, i: usize) -> Self {
        self.path.push(Segment::Index(i));
        self
    }

    /// Adds the key segment of an enclosing map object.
    #[cold]
    pub(crate) fn at_key(mut self, key: &str) -> Self {
        self.path.push(Segment::Key(key.into()));
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> JsonErrorKind {
        self.kind
    }

    /// The message without the path (`expected i32, found "x"`).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// True when the input text is not JSON.
    pub fn is_syntax(&self) -> bool {
        self.kind == JsonErrorKind::Syntax
    }

    /// The JSON path to the failing value: `$` for the root,
    /// `$.xtructs[3].string_thing`, `$.by_name["a key"]`.
    pub fn path(&self) -> String {
        let mut s = String::from("$");
        for seg in self.path.iter().rev() {
            match seg {
                Segment::Field(name) => push_key(&mut s, name),
                Segment::Index(i) => s.push_str(&format!("[{i}]")),
                Segment::Key(k) => push_key(&mut s, k),
            }
        }
        s
    }
}

/// `.key` when the key is an identifier, `["key"]` (JSON-quoted) otherwise.
fn push_key(s: &mut String, key: &str) {
    let plain = key.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        s.push('.');
        s.push_str(key);
    } else {
        s.push('[');
        s.push_str(&serde_json::Value::from(key).to_string());
        s.push(']');
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path(), self.message)
    }
}

impl fmt::Debug for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JsonError({:?}: {self})", self.kind)
    }
}

impl std::error::Error for JsonError {}

/// Longest rendering of a JSON value quoted in a message.
const MAX_QUOTE: usize = 40;

/// A short description of a JSON value for messages: the value itself when
/// it is a scalar (truncated), its shape otherwise.
pub(crate) fn describe(v: &serde_json::Value) -> String {
    use serde_json::Value as J;
    match v {
        J::Null | J::Bool(_) | J::Number(_) => v.to_string(),
        J::String(s) => {
            let quoted = serde_json::Value::from(s.as_str()).to_string();
            if quoted.len() <= MAX_QUOTE {
                format!("the string {quoted}")
            } else {
                let mut end = MAX_QUOTE;
                while !quoted.is_char_boundary(end) {
                    end -= 1;
                }
                format!("the string {}…", &quoted[..end])
            }
        }
        J::Array(a) => format!("an array of {} element{}", a.len(), if a.len() == 1 { "" } else { "s" }),
        J::Object(_) => "an object".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_read_like_json_paths() {
        let e = JsonError::new(JsonErrorKind::Type, "expected a string, found 1")
            .in_field("string_thing")
            .at_index(3)
            .in_field("xtructs");
        assert_eq!(e.path(), "$.xtructs[3].string_thing");
        assert_eq!(e.to_string(), "$.xtructs[3].string_thing: expected a string, found 1");
        let e = JsonError::new(JsonErrorKind::Range, "x").at_key("a key").in_field("m");
        assert_eq!(e.path(), "$.m[\"a key\"]");
        assert_eq!(JsonError::new(JsonErrorKind::Syntax, "x").path(), "$");
    }

    #[test]
    fn long_strings_are_truncated_in_messages() {
        let d = describe(&serde_json::Value::from("é".repeat(50)));
        assert!(d.ends_with('…') && d.len() < 60, "{d}");
        assert_eq!(describe(&serde_json::json!([1])), "an array of 1 element");
    }
}
