//! JSON conversion (`thriftjit::json`): every type and convention in both
//! directions, errors with their JSON paths, and a round-trip property over
//! random values of rich schemas.

mod convert;
mod errors;
mod roundtrip;

use std::sync::Arc;

use bytes::Bytes;
use serde_json::Value as J;
use thriftjit::interp::{self, DecodeOptions};
use thriftjit::json::{self, Options};
use thriftjit::layout::Layouts;
use thriftjit::schema::{Schema, StructId};
use thriftjit::value::Message;
use thriftjit::wire::Protocol;

/// Every type, every map form, nested containers, a union, an exception, a
/// recursive struct, required fields, and a service's args/result.
pub const RICH: &str = r#"
enum Color { RED = 1, GREEN = 2, BLUE = 3 }
struct Point { 1: i32 x, 2: i32 y }
union Shape { 1: Point point, 2: double radius, 3: string label }
exception Oops { 1: string why, 2: i32 code }
struct Node { 1: i32 value, 2: list<Node> children, 3: optional Node next }
struct Leaf { 1: required string name, 2: optional i64 id }
struct Xtruct { 1: string string_thing, 4: i8 byte_thing, 9: i32 i32_thing, 11: i64 i64_thing }
struct Insanity { 1: map<Color, i64> userMap, 2: list<Xtruct> xtructs }
struct All {
  1: bool b
  2: i8 i8v
  3: i16 i16v
  4: i32 i32v
  5: i64 i64v
  6: double d
  7: string s
  8: binary bin
  9: uuid u
  10: Color color
  11: Point point
  12: Shape shape
  13: list<string> strings
  14: set<i64> longs
  15: map<string, Point> by_name
  16: map<i32, string> by_i32
  17: map<i64, list<i8>> by_i64
  18: map<Color, double> by_color
  19: map<Point, string> by_point
  20: map<bool, i16> by_bool
  21: map<double, string> by_double
  22: map<binary, uuid> by_binary
  23: map<uuid, bool> by_uuid
  24: map<list<i32>, set<string>> by_list
  25: list<map<string, list<Color>>> nested
  26: Node tree
  27: Oops oops
  28: set<binary> blobs
  29: map<i8, map<i16, Shape>> deep
  30: list<list<double>> matrix
  31: optional Leaf leaf
  32: map<set<i32>, map<string, i32>> weird
  33: Insanity insanity
}
service Svc { All echo(1: All all, 2: i32 n) throws (1: Oops oops) }
"#;

/// Layouts of [`RICH`].
pub fn rich() -> Arc<Layouts> {
    Layouts::new(Schema::parse_str("rich.thrift", RICH).expect("the rich IDL loads"))
}

/// `corpus/idl/everything.thrift` with its include.
pub fn everything() -> Arc<Layouts> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/idl/everything.thrift");
    Layouts::new(Schema::load(path).expect("everything.thrift loads"))
}

/// The struct type `name`.
pub fn id(layouts: &Layouts, name: &str) -> StructId {
    layouts.schema().struct_by_name(name).unwrap_or_else(|| panic!("no struct {name}"))
}

/// JSON → message → bytes → message → JSON, with `options` both ways.
pub fn through_wire(layouts: &Arc<Layouts>, ty: &str, input: &J, protocol: Protocol, options: &Options) -> J {
    let id = id(layouts, ty);
    let m = json::to_message(layouts, id, input, options).unwrap_or_else(|e| panic!("{ty}: {e}"));
    let bytes = interp::encode_to_vec(&m.root(), protocol).unwrap_or_else(|e| panic!("{ty}: {e}"));
    let back = interp::decode(layouts, id, protocol, &Bytes::from(bytes), &DecodeOptions::default())
        .unwrap_or_else(|e| panic!("{ty}: {e}"));
    assert_eq!(back, m, "{ty}: the decoded message equals the encoded one");
    json::message_to_json(&back, options).unwrap_or_else(|e| panic!("{ty}: {e}"))
}

/// Decodes `bytes` as `ty`.
pub fn decode(layouts: &Arc<Layouts>, ty: &str, protocol: Protocol, bytes: &[u8]) -> Message {
    interp::decode(layouts, id(layouts, ty), protocol, &Bytes::copy_from_slice(bytes), &DecodeOptions::default())
        .unwrap()
}
