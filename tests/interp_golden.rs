//! The interpreter against the golden bytes Apache Thrift's Python library
//! produced (see the research notes, §2–3 of specs-interop).

use bytes::Bytes;
use thriftjit::interp::{self, DecodeOptions};
use thriftjit::layout::Layouts;
use thriftjit::schema::Schema;
use thriftjit::value::{Message, Value};
use thriftjit::wire::Protocol;

const IDL: &str = r#"
struct Xtruct {
  1: string string_thing
  4: i8 byte_thing
  9: i32 i32_thing
  11: i64 i64_thing
}
struct Bools { 1: bool im_true, 2: bool im_false }
service ThriftTest {
  string testString(1: string thing)
  list<i32> testList(1: list<i32> thing)
  map<i32, i32> testMap(1: map<i32, i32> thing)
}
"#;

fn hex(s: &str) -> Vec<u8> {
    s.split_whitespace().map(|b| u8::from_str_radix(b, 16).unwrap()).collect()
}

fn setup() -> std::sync::Arc<Layouts> {
    Layouts::new(Schema::parse_str("ThriftTest.thrift", IDL).unwrap())
}

fn xtruct() -> Value {
    Value::Struct(vec![(1, Value::String("Zero".into())), (4, Value::I8(1)), (9, Value::I32(-3)), (11, Value::I64(-5))])
}

fn roundtrip(layouts: &std::sync::Arc<Layouts>, ty: &str, protocol: Protocol, value: &Value, golden: &[u8]) {
    let id = layouts.schema().struct_by_name(ty).unwrap();
    let m = Message::from_value(layouts.clone(), id, value).unwrap();
    let bytes = interp::encode_to_vec(&m.root(), protocol).unwrap();
    assert_eq!(bytes, golden, "{ty} {protocol:?} encode");
    assert_eq!(interp::encoded_size(&m.root(), protocol).unwrap(), golden.len());
    let decoded =
        interp::decode(layouts, id, protocol, &Bytes::copy_from_slice(golden), &DecodeOptions::default()).unwrap();
    assert_eq!(decoded.to_value(), *value, "{ty} {protocol:?} decode");
    assert_eq!(decoded, m);
    assert_eq!(interp::skip_struct(protocol, golden, 64).unwrap(), golden.len());
}

#[test]
fn xtruct_binary_and_compact() {
    let l = setup();
    let binary =
        hex("0b 00 01 00 00 00 04 5a 65 72 6f 03 00 04 01 08 00 09 ff ff ff fd 0a 00 0b ff ff ff ff ff ff ff fb 00");
    roundtrip(&l, "Xtruct", Protocol::Binary, &xtruct(), &binary);
    let compact = hex("18 04 5a 65 72 6f 33 01 55 05 26 09 00");
    roundtrip(&l, "Xtruct", Protocol::Compact, &xtruct(), &compact);
}

#[test]
fn bools_binary_and_compact() {
    let l = setup();
    let v = Value::Struct(vec![(1, Value::Bool(true)), (2, Value::Bool(false))]);
    roundtrip(&l, "Bools", Protocol::Binary, &v, &hex("02 00 01 01 02 00 02 00 00"));
    roundtrip(&l, "Bools", Protocol::Compact, &v, &hex("11 12 00"));
}

#[test]
fn args_structs_compact() {
    let l = setup();
    // Bodies of the golden CALL messages after the envelope.
    let list =
        Value::Struct(vec![(1, Value::List(vec![Value::I32(1), Value::I32(4), Value::I32(9), Value::I32(-42)]))]);
    roundtrip(&l, "ThriftTest.testList_args", Protocol::Compact, &list, &hex("19 45 02 08 12 53 00"));
    let map = Value::Struct(vec![(1, Value::Map(vec![(Value::I32(1), Value::I32(2))]))]);
    roundtrip(&l, "ThriftTest.testMap_args", Protocol::Compact, &map, &hex("1b 01 55 02 04 00"));
    let empty = Value::Struct(vec![(1, Value::Map(vec![]))]);
    roundtrip(&l, "ThriftTest.testMap_args", Protocol::Compact, &empty, &hex("1b 00 00"));
    let s = Value::Struct(vec![(1, Value::String("hi".into()))]);
    roundtrip(&l, "ThriftTest.testString_args", Protocol::Binary, &s, &hex("0b 00 01 00 00 00 02 68 69 00"));
    roundtrip(&l, "ThriftTest.testString_args", Protocol::Compact, &s, &hex("18 02 68 69 00"));
}

#[test]
fn envelopes() {
    use thriftjit::wire::{MessageHeader, MessageType};
    let h = MessageHeader { name: b"testString", kind: MessageType::Call, seq_id: 1 };
    let mut out = Vec::new();
    h.write(Protocol::Binary, &mut out);
    assert_eq!(out, [&hex("80 01 00 01 00 00 00 0a")[..], b"testString", &hex("00 00 00 01")].concat());
    let (back, n) = MessageHeader::read(Protocol::Binary, &out).unwrap();
    assert_eq!((back, n), (h, out.len()));
    let old = [&hex("00 00 00 0a")[..], b"testString", &hex("01 00 00 00 01")].concat();
    assert_eq!(MessageHeader::read(Protocol::Binary, &old).unwrap(), (h, old.len()));
    let mut out = Vec::new();
    h.write(Protocol::Compact, &mut out);
    assert_eq!(out, [&hex("82 21 01 0a")[..], b"testString"].concat());
    assert_eq!(MessageHeader::read(Protocol::Compact, &out).unwrap(), (h, out.len()));
}
