//! JSON ⇄ Thrift values through the schema, with the conventions of Kitex
//! and dynamicgo generic calls, so that JSON a Kitex JSON client sends can be
//! encoded here and the other way round.
//!
//! JSON on one side, and on the other either an owned [`Value`] tree
//! ([`to_value`], [`from_value`]) or an arena-backed [`Message`]
//! ([`to_message`], [`message_to_json`], [`struct_to_json`]). Output from a
//! message reads the arena views directly, without building a [`Value`]
//! first. The JSON side is a [`serde_json::Value`]; the `_str` and `_slice`
//! entry points parse JSON text first.
//!
//! | Thrift | JSON out | JSON in (also accepted) |
//! |---|---|---|
//! | struct, union, exception | object keyed by field name; unset fields omitted | `null` for a field = absent |
//! | `bool` | `true` / `false` | |
//! | `i8`, `i16`, `i32` | number | a string holding an integer (`"12"`); range-checked |
//! | `i64` | number, or a string with [`Options::i64_as_string`] (JavaScript loses precision above 2⁵³) | a string holding an integer |
//! | `double` | number; `"NaN"`, `"Infinity"`, `"-Infinity"` as strings | an integer |
//! | `string` | string | |
//! | `binary` | standard base64, padded | base64 with or without padding |
//! | `uuid` | `"00112233-4455-6677-8899-aabbccddeeff"` (lowercase) | uppercase, `{braces}` |
//! | enum | the integer, or the member name with [`Options::enum_names`] | the integer (any `i32`: enums are open on the wire), the member name, a string holding the integer |
//! | `list`, `set` | array | |
//! | `map<string, V>` | object | an array of `[key, value]` pairs |
//! | `map<K, V>`, `K` an integer type or an enum | object keyed by the decimal integer (by the member name with [`Options::enum_names`]) | keys as member names; pairs |
//! | `map<K, V>`, any other `K` (struct, container, `bool`, `double`, `binary`, `uuid`) | array of `[key, value]` pairs, in entry order | |
//!
//! Input is strict by default: a JSON key that names no field is an error
//! ([`Options::ignore_unknown_fields`] skips it), and so is a required field
//! that is absent and has no IDL default ([`Options::allow_missing_required`]).
//! A union with more than one field set is an error. Every error names the
//! JSON path where it happened (`$.xtructs[3].string_thing`) and what was
//! expected against what was found; see [`JsonError`].
//!
//! Output of a `string` that is not UTF-8 (a peer may send any bytes) is an
//! error naming its path, or with [`Options::lossy_utf8`] the bytes are
//! written with U+FFFD replacements. **Unknown fields** that a message kept
//! from the wire have no names or types, so they are not representable in
//! JSON: output omits them (the bytes would re-encode them; JSON loses them).
//! Fields that are unset but have an IDL default are set in a new
//! [`Message`], as Thrift does, so JSON written from a message converted from
//! JSON shows those defaults.
//!
//! Nesting is limited to [`Options::max_depth`] levels of structs and
//! containers, the same count as the decoder and encoder use, so whatever
//! converts also encodes.

mod error;
mod read;
mod write;

use std::sync::Arc;

use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

pub use error::{JsonError, JsonErrorKind};

use crate::layout::Layouts;
use crate::schema::{Schema, StructId, Type};
use crate::value::{Message, StructRef, Value};
use crate::wire::DEFAULT_MAX_DEPTH;

/// How JSON is read and written. Build it with the methods, which take and
/// return the options by value:
///
/// ```
/// let options = thriftjit::json::Options::new().enum_names(true).i64_as_string(true);
/// # let _ = options;
/// ```
#[derive(Clone, Debug)]
pub struct Options {
    i64_as_string: bool,
    enum_names: bool,
    ignore_unknown_fields: bool,
    allow_missing_required: bool,
    lossy_utf8: bool,
    max_depth: u32,
}

impl Default for Options {
    fn default() -> Self {
        Options::new()
    }
}

impl Options {
    /// The defaults: strict input; i64 and enums written as numbers; UTF-8
    /// errors reported; nesting limited to [`DEFAULT_MAX_DEPTH`].
    pub fn new() -> Options {
        Options {
            i64_as_string: false,
            enum_names: false,
            ignore_unknown_fields: false,
            allow_missing_required: false,
            lossy_utf8: false,
            max_depth: DEFAULT_MAX_DEPTH,
        }
    }

    /// Output: write `i64` values as strings (`"9007199254740993"`) for
    /// JavaScript clients, whose numbers are doubles. Input accepts both
    /// forms whatever this says.
    pub fn i64_as_string(mut self, yes: bool) -> Options {
        self.i64_as_string = yes;
        self
    }

    /// Output: write enum values (and enum map keys) as member names; a
    /// value that names no member is still written as its integer. Input
    /// accepts both forms whatever this says.
    pub fn enum_names(mut self, yes: bool) -> Options {
        self.enum_names = yes;
        self
    }

    /// Input: skip JSON keys that name no field instead of failing.
    pub fn ignore_unknown_fields(mut self, yes: bool) -> Options {
        self.ignore_unknown_fields = yes;
        self
    }

    /// Input: accept structs whose required fields are absent (encoding
    /// such a message then fails, unless the fields are set meanwhile).
    pub fn allow_missing_required(mut self, yes: bool) -> Options {
        self.allow_missing_required = yes;
        self
    }

    /// Output: write `string` values that are not UTF-8 with U+FFFD
    /// replacement characters instead of failing.
    pub fn lossy_utf8(mut self, yes: bool) -> Options {
        self.lossy_utf8 = yes;
        self
    }

    /// Both directions: the deepest nesting of structs and containers
    /// below the root struct.
    pub fn max_depth(mut self, depth: u32) -> Options {
        self.max_depth = depth;
        self
    }
}

/// Converts JSON to an owned value of struct type `id`.
///
/// # Errors
/// A [`JsonError`] naming the JSON path: a value of the wrong shape, an
/// integer out of range, an unknown key or a missing required field (unless
/// the options allow them), invalid base64, uuid or enum name.
pub fn to_value(
    schema: &Schema,
    id: StructId,
    json: &serde_json::Value,
    options: &Options,
) -> Result<Value, JsonError> {
    read::Reader { schema, options }.read_struct(id, json, options.max_depth)
}

/// Parses JSON text and converts it as [`to_value`] does.
///
/// # Errors
/// [`JsonErrorKind::Syntax`] when the text is not one JSON value; otherwise as [`to_value`].
pub fn to_value_str(schema: &Schema, id: StructId, text: &str, options: &Options) -> Result<Value, JsonError> {
    to_value(schema, id, &parse_text(text.as_bytes())?, options)
}

/// Parses JSON text given as bytes (it must be UTF-8) and converts it as [`to_value`] does.
///
/// # Errors
/// [`JsonErrorKind::Syntax`] when the bytes are not one JSON value; otherwise as [`to_value`].
pub fn to_value_slice(schema: &Schema, id: StructId, bytes: &[u8], options: &Options) -> Result<Value, JsonError> {
    to_value(schema, id, &parse_text(bytes)?, options)
}

/// Converts an owned value of struct type `id` to JSON.
///
/// # Errors
/// A [`JsonError`] naming the JSON path where `value` does not fit the
/// schema (a field id the struct lacks, a value of another kind, an integer
/// out of its type's range), or a binary-held `string` that is not UTF-8.
pub fn from_value(
    schema: &Schema,
    id: StructId,
    value: &Value,
    options: &Options,
) -> Result<serde_json::Value, JsonError> {
    let Value::Struct(fields) = value else {
        let found = write::Node::of_value(value).shape();
        return Err(JsonError::new(
            JsonErrorKind::Type,
            format!("expected {}, found {found}", schema.struct_type(id).name),
        ));
    };
    write::Writer { schema, options }.write_struct(id, write::StructSrc::Owned(fields), options.max_depth)
}

/// Converts JSON to a new message of struct type `id`. Fields absent from
/// the JSON take their IDL defaults, as in [`Message::new`].
///
/// # Errors
/// As [`to_value`].
pub fn to_message(
    layouts: &Arc<Layouts>,
    id: StructId,
    json: &serde_json::Value,
    options: &Options,
) -> Result<Message, JsonError> {
    let value = to_value(layouts.schema(), id, json, options)?;
    // The value was built against the same schema, so it fits; a failure
    // here would be a bug, reported rather than panicking.
    Message::from_value(layouts.clone(), id, &value)
        .map_err(|e| JsonError::new(JsonErrorKind::Invalid, format!("value does not fit the layout: {e}")))
}

/// Parses JSON text and converts it as [`to_message`] does.
///
/// # Errors
/// [`JsonErrorKind::Syntax`] when the text is not one JSON value; otherwise as [`to_value`].
pub fn to_message_str(
    layouts: &Arc<Layouts>,
    id: StructId,
    text: &str,
    options: &Options,
) -> Result<Message, JsonError> {
    to_message(layouts, id, &parse_text(text.as_bytes())?, options)
}

/// Parses JSON text given as bytes (it must be UTF-8) and converts it as
/// [`to_message`] does.
///
/// # Errors
/// [`JsonErrorKind::Syntax`] when the bytes are not one JSON value; otherwise as [`to_value`].
pub fn to_message_slice(
    layouts: &Arc<Layouts>,
    id: StructId,
    bytes: &[u8],
    options: &Options,
) -> Result<Message, JsonError> {
    to_message(layouts, id, &parse_text(bytes)?, options)
}

/// Writes a message as JSON, reading its arena directly. Unknown fields kept
/// from the wire are omitted (see the module docs).
///
/// # Errors
/// A `string` that is not UTF-8 ([`JsonErrorKind::InvalidUtf8`], unless
/// [`Options::lossy_utf8`]); nesting deeper than [`Options::max_depth`].
pub fn message_to_json(message: &Message, options: &Options) -> Result<serde_json::Value, JsonError> {
    struct_to_json(&message.root(), options)
}

/// Writes one struct of a message (the root or any nested one) as JSON.
///
/// # Errors
/// As [`message_to_json`].
pub fn struct_to_json(root: &StructRef<'_>, options: &Options) -> Result<serde_json::Value, JsonError> {
    let schema = root.layouts_ref().schema();
    write::Writer { schema, options }.write_struct(root.layout().id, write::StructSrc::Ref(*root), options.max_depth)
}

/// Writes a message as compact JSON text.
///
/// # Errors
/// As [`message_to_json`].
pub fn message_to_string(message: &Message, options: &Options) -> Result<String, JsonError> {
    Ok(message_to_json(message, options)?.to_string())
}

fn parse_text(bytes: &[u8]) -> Result<serde_json::Value, JsonError> {
    serde_json::from_slice(bytes).map_err(|e| JsonError::new(JsonErrorKind::Syntax, format!("invalid JSON: {e}")))
}

/// How a map is written, by its key type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MapForm {
    /// `string` keys: an object.
    TextKeys,
    /// Integer or enum keys: an object keyed by the decimal integer.
    IntegerKeys,
    /// Any other key: an array of `[key, value]` pairs.
    Pairs,
}

impl MapForm {
    fn of(key: &Type) -> MapForm {
        match key {
            Type::String => MapForm::TextKeys,
            Type::I8 | Type::I16 | Type::I32 | Type::I64 | Type::Enum(_) => MapForm::IntegerKeys,
            _ => MapForm::Pairs,
        }
    }
}

/// Standard base64 alphabet; writes padding, reads with or without it.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_encode_padding(true).with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

fn base64_encode(bytes: &[u8]) -> String {
    BASE64.encode(bytes)
}

fn base64_decode(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    BASE64.decode(text)
}
