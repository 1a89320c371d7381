//! The interpreter against hostile and malformed input: lengths and counts
//! that lie, nesting past the limit, truncation at every byte, wire types
//! that disagree with the IDL, unknown fields, required fields, unions,
//! envelopes and defaults. Every case names the error kind it expects and,
//! where it means something, the offset and the field path.

mod support;

use std::sync::Arc;

use bytes::Bytes;
use support::{Bin, CountingAlloc, hex, peak_heap};
use thriftjit::error::{DecodeError, DecodeErrorKind};
use thriftjit::interp::{self, DecodeOptions};
use thriftjit::layout::Layouts;
use thriftjit::schema::{Schema, StructId};
use thriftjit::value::{Message, Value};
use thriftjit::wire::{MessageHeader, MessageType, Protocol, ttype};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const IDL: &str = r#"
enum Kind { A = 1, B = 2 }
struct Inner {
  1: required string field
  2: i32 x
}
struct Outer {
  1: Inner inner
  2: list<i32> nums
  3: map<string, i32> counts
  4: optional string name
}
struct Node {
  1: optional Node next
  2: list<Node> kids
  3: list<list<i32>> grid
}
union U {
  1: i32 a
  2: string b
}
struct Bools {
  1: bool flag
  2: list<bool> flags
}
struct Defaults {
  1: i32 n = 7
  2: string s = "hi"
  3: list<i32> l = [1, 2]
  4: optional i32 o = 5
  5: map<string, i32> m = {"a": 1}
  6: Kind k = Kind.B
  7: double d = 1.5
  8: Inner inner = {"field": "x", "x": 3}
  9: optional list<i32> ol = [9]
}
struct Rich {
  1: bool b
  2: i8 i8v
  3: i16 i16v
  4: i32 i32v
  5: i64 i64v
  6: double dv
  7: string s
  8: binary bin
  9: uuid id
  10: Kind kind
  11: Inner inner
  12: list<string> strs
  13: set<i64> longs
  14: map<i32, Inner> by_id
  15: list<list<bool>> bools
  16: U u
  300: map<Inner, list<i16>> keyed
  // No id: the reference compiler numbers it -1.
  optional i32 implicit
}
"#;

fn layouts() -> Arc<Layouts> {
    Layouts::new(Schema::parse_str("hostile.thrift", IDL).expect("IDL parses"))
}

fn ty(l: &Layouts, name: &str) -> StructId {
    l.schema().struct_by_name(name).expect("type exists")
}

fn decode(l: &Arc<Layouts>, name: &str, p: Protocol, bytes: &[u8]) -> Result<Message, DecodeError> {
    interp::decode(l, ty(l, name), p, &Bytes::copy_from_slice(bytes), &DecodeOptions::default())
}

fn decode_err(l: &Arc<Layouts>, name: &str, p: Protocol, bytes: &[u8]) -> DecodeError {
    match decode(l, name, p, bytes) {
        Ok(m) => panic!("{name} {p:?} decoded {m:?} from {bytes:02x?}"),
        Err(e) => e,
    }
}

fn encode(m: &Message, p: Protocol) -> Vec<u8> {
    interp::encode_to_vec(&m.root(), p).expect("encodes")
}

fn both() -> [Protocol; 2] {
    [Protocol::Binary, Protocol::Compact]
}

#[test]
fn negative_list_length_is_rejected_where_it_was_read() {
    let l = layouts();
    // Outer.nums: list<i32> of -1 elements.
    let bytes = Bin::new().field(ttype::LIST, 2).list(ttype::I32, -1).stop().0;
    let e = decode_err(&l, "Outer", Protocol::Binary, &bytes);
    assert_eq!(e.kind(), DecodeErrorKind::NegativeLength, "{e}");
    assert_eq!(e.offset(), 4, "offset of the length: {e}");
    assert_eq!(e.path_string(), "Outer.nums");
    // The same in an unknown field (the skip path).
    let bytes = Bin::new().field(ttype::LIST, 99).list(ttype::I32, -1).stop().0;
    assert_eq!(decode_err(&l, "Outer", Protocol::Binary, &bytes).kind(), DecodeErrorKind::NegativeLength);
    // A negative string length.
    let bytes = Bin::new().field(ttype::STRING, 4).i32(-5).stop().0;
    let e = decode_err(&l, "Outer", Protocol::Binary, &bytes);
    assert_eq!((e.kind(), e.offset()), (DecodeErrorKind::NegativeLength, 3), "{e}");
    // Compact cannot say -1 (lengths are unsigned varints): the nearest is a
    // count beyond i32, which is a size error.
    let bytes = hex("29 f8 ff ff ff ff 0f 00");
    assert_eq!(decode_err(&l, "Outer", Protocol::Compact, &bytes).kind(), DecodeErrorKind::SizeLimit);
}

/// A count of 2^28 elements in a 24-byte input fails before anything is
/// allocated for the elements (the count is checked against the bytes left).
#[test]
fn huge_counts_fail_fast_without_allocating() {
    let l = layouts();
    let n = 1 << 28;
    let cases: Vec<(&str, Protocol, Vec<u8>)> = vec![
        ("list<i32>", Protocol::Binary, Bin::new().field(ttype::LIST, 2).list(ttype::I32, n).raw(&[0; 16]).0),
        (
            "map<string,i32>",
            Protocol::Binary,
            Bin::new().field(ttype::MAP, 3).map(ttype::STRING, ttype::I32, n).raw(&[0; 15]).0,
        ),
        ("unknown list", Protocol::Binary, Bin::new().field(ttype::LIST, 77).list(ttype::I64, n).raw(&[0; 16]).0),
        (
            "unknown map",
            Protocol::Binary,
            Bin::new().field(ttype::MAP, 77).map(ttype::I8, ttype::I8, n).raw(&[0; 15]).0,
        ),
        // Compact: 0x19 = field 1 delta... here field 2 (delta 2) list, 0xf5 = long count of i32.
        ("compact list<i32>", Protocol::Compact, [&hex("29 f5 80 80 80 80 01")[..], &[0; 17]].concat()),
        ("compact map", Protocol::Compact, [&hex("3b 80 80 80 80 01 85")[..], &[0; 17]].concat()),
    ];
    for (what, p, bytes) in cases {
        assert_eq!(bytes.len(), 24, "{what}");
        let input = Bytes::from(bytes);
        let (res, peak) = peak_heap(|| interp::decode(&l, ty(&l, "Outer"), p, &input, &DecodeOptions::default()));
        let e = res.expect_err(what);
        assert_eq!(e.kind(), DecodeErrorKind::Truncated, "{what}: {e}");
        assert!(e.to_string().contains("268435456 elements"), "{what}: {e}");
        assert!(peak < 4096, "{what}: {peak} heap bytes for a 24-byte input");
        // Skipping checks counts the same way.
        assert!(interp::skip_struct(p, &input, 64).is_err(), "{what}");
    }
}

#[test]
fn string_longer_than_the_input_is_truncated() {
    let l = layouts();
    let bytes = Bin::new().field(ttype::STRING, 4).i32(1000).raw(b"short").0;
    let e = decode_err(&l, "Outer", Protocol::Binary, &bytes);
    assert_eq!(e.kind(), DecodeErrorKind::Truncated, "{e}");
    assert_eq!(e.path_string(), "Outer.name");
    let e = decode_err(&l, "Outer", Protocol::Compact, &hex("48 e8 07 61 62 63"));
    assert_eq!(e.kind(), DecodeErrorKind::Truncated, "{e}");
    assert_eq!(e.path_string(), "Outer.name");
}

/// `Node{next: Node{next: …}}` nested `levels` deep below the root.
fn nested_nodes(levels: usize, p: Protocol) -> Vec<u8> {
    match p {
        Protocol::Binary => {
            let mut b = Vec::new();
            for _ in 0..levels {
                b.extend_from_slice(&[ttype::STRUCT, 0, 1]);
            }
            b.extend(std::iter::repeat_n(0, levels + 1));
            b
        }
        Protocol::Compact => {
            let mut b = vec![0x1c; levels];
            b.extend(std::iter::repeat_n(0, levels + 1));
            b
        }
    }
}

/// `Node.grid` (`list<list<i32>>`) carrying lists of lists `levels` deep.
fn nested_lists(levels: usize, p: Protocol) -> Vec<u8> {
    match p {
        Protocol::Binary => {
            let mut b = Bin::new().field(ttype::LIST, 3).0;
            for _ in 0..levels {
                b.push(ttype::LIST);
                b.extend_from_slice(&1i32.to_be_bytes());
            }
            b.extend_from_slice(&Bin::new().list(ttype::I32, 0).stop().0);
            b
        }
        Protocol::Compact => {
            let mut b = vec![0x39];
            b.extend(std::iter::repeat_n(0x19, levels));
            b.extend_from_slice(&[0x05, 0x00]);
            b
        }
    }
}

#[test]
fn depth_ten_thousand_is_a_depth_error_not_a_stack_overflow() {
    let l = layouts();
    for p in both() {
        for (what, bytes) in [("structs", nested_nodes(10_000, p)), ("lists", nested_lists(10_000, p))] {
            let e = decode_err(&l, "Node", p, &bytes);
            assert_eq!(e.kind(), DecodeErrorKind::DepthLimit, "{what} {p:?}: {e}");
            let e = interp::skip_struct(p, &bytes, 64).expect_err(what);
            assert_eq!(e.kind(), DecodeErrorKind::DepthLimit, "{what} {p:?} skip: {e}");
            // Unknown to the reader (an empty struct type): the skip path.
            let e = decode_err(&l, "Bools", p, &bytes);
            assert_eq!(e.kind(), DecodeErrorKind::DepthLimit, "{what} {p:?} as unknown: {e}");
        }
    }
}

#[test]
fn custom_max_depth_counts_levels_below_the_root() {
    let l = layouts();
    for p in both() {
        let bytes = Bytes::from(nested_nodes(10, p));
        let with = |max_depth| {
            interp::decode(&l, ty(&l, "Node"), p, &bytes, &DecodeOptions { max_depth, ..DecodeOptions::default() })
        };
        let m = with(10).expect("10 levels below the root fit max_depth 10");
        assert_eq!(encode(&m, p), &bytes[..]);
        assert_eq!(with(9).expect_err("too deep").kind(), DecodeErrorKind::DepthLimit);
        assert_eq!(with(0).expect_err("too deep").kind(), DecodeErrorKind::DepthLimit);
        assert_eq!(interp::skip_struct(p, &bytes, 10).unwrap(), bytes.len());
        assert_eq!(interp::skip_struct(p, &bytes, 9).expect_err("too deep").kind(), DecodeErrorKind::DepthLimit);
        // Each list is a level: grid, two lists of lists in it, and the list<i32> inside.
        let lists = Bytes::from(nested_lists(3, p));
        let opts = |max_depth| DecodeOptions { max_depth, ..DecodeOptions::default() };
        let m = interp::decode(&l, ty(&l, "Node"), p, &lists, &opts(4)).expect("depth 4 fits");
        assert_eq!(m.root().unknown_count(), 1, "list<list<list<…>>> is not a list<list<i32>>");
        assert_eq!(encode(&m, p), &lists[..]);
        let e = interp::decode(&l, ty(&l, "Node"), p, &lists, &opts(3)).expect_err("too deep");
        assert_eq!(e.kind(), DecodeErrorKind::DepthLimit);
    }
}

fn rich_value() -> Value {
    let inner = |s: &str, x: i32| Value::Struct(vec![(1, Value::String(s.into())), (2, Value::I32(x))]);
    Value::Struct(vec![
        (1, Value::Bool(true)),
        (2, Value::I8(-7)),
        (3, Value::I16(-300)),
        (4, Value::I32(70_000)),
        (5, Value::I64(-1 << 40)),
        (6, Value::Double(-2.5)),
        (7, Value::String("héllo".into())),
        (8, Value::Binary(vec![0, 255, 1])),
        (9, Value::Uuid(*b"0123456789abcdef")),
        (10, Value::Enum(2)),
        (11, inner("in", 1)),
        (12, Value::List(vec![Value::String("a".into()), Value::String(String::new())])),
        (13, Value::Set(vec![Value::I64(1), Value::I64(i64::MIN)])),
        (14, Value::Map(vec![(Value::I32(5), inner("five", 5)), (Value::I32(-1), inner("", 0))])),
        (15, Value::List(vec![Value::List(vec![Value::Bool(false), Value::Bool(true)]), Value::List(vec![])])),
        (16, Value::Struct(vec![(2, Value::String("b".into()))])),
        (300, Value::Map(vec![(inner("k", 9), Value::List(vec![Value::I16(1), Value::I16(-1)]))])),
        (-1, Value::I32(-2)),
    ])
}

#[test]
fn truncation_at_every_offset_is_an_error() {
    let l = layouts();
    let m = Message::from_value(l.clone(), ty(&l, "Rich"), &rich_value()).unwrap();
    for p in both() {
        let bytes = encode(&m, p);
        assert_eq!(decode(&l, "Rich", p, &bytes).unwrap(), m);
        for cut in 0..bytes.len() {
            let e = decode_err(&l, "Rich", p, &bytes[..cut]);
            assert_eq!(e.kind(), DecodeErrorKind::Truncated, "{p:?} cut at {cut}: {e}");
            assert!(e.offset() <= cut, "{p:?} cut at {cut}: offset {}", e.offset());
            assert!(interp::skip_struct(p, &bytes[..cut], 64).is_err());
        }
    }
}

#[test]
fn wrong_element_types_are_kept_as_unknown_fields() {
    let l = layouts();
    // Outer.nums is list<i32>; the wire says list<string>.
    let binary = Bin::new().field(ttype::LIST, 2).list(ttype::STRING, 2).string(b"a").string(b"bc").stop().0;
    // Compact: field 2 list, 2 × binary.
    let compact = hex("29 28 01 61 02 62 63 00");
    for (p, bytes) in [(Protocol::Binary, binary), (Protocol::Compact, compact)] {
        let m = decode(&l, "Outer", p, &bytes).unwrap();
        assert!(!m.root().has("nums"), "{p:?}: not misread as i32s");
        assert_eq!(m.root().unknown_count(), 1);
        let u = m.root().unknown_fields().next().unwrap();
        assert_eq!((u.id, u.ttype), (2, ttype::LIST));
        assert_eq!(encode(&m, p), bytes, "{p:?}: re-encoded as read");
    }
    // Map value type disagreeing (map<string, i32> carrying map<string, string>).
    let bytes = Bin::new().field(ttype::MAP, 3).map(ttype::STRING, ttype::STRING, 1).string(b"k").string(b"v").stop().0;
    let m = decode(&l, "Outer", Protocol::Binary, &bytes).unwrap();
    assert!(!m.root().has("counts"));
    assert_eq!(encode(&m, Protocol::Binary), bytes);
    // The mismatch deep inside: grid is list<list<i32>>, the second inner list holds i64s.
    let bytes = Bin::new()
        .field(ttype::LIST, 3)
        .list(ttype::LIST, 2)
        .list(ttype::I32, 1)
        .i32(1)
        .list(ttype::I64, 1)
        .i64(2)
        .stop()
        .0;
    let m = decode(&l, "Node", Protocol::Binary, &bytes).unwrap();
    assert!(!m.root().has("grid"));
    assert_eq!(encode(&m, Protocol::Binary), bytes);
}

#[test]
fn wrong_field_wire_types_are_kept_as_unknown_fields() {
    let l = layouts();
    // Outer.inner is a struct; the wire sends an i32, then a proper name.
    let bytes = Bin::new().field(ttype::I32, 1).i32(42).field(ttype::STRING, 4).string(b"n").stop().0;
    let m = decode(&l, "Outer", Protocol::Binary, &bytes).unwrap();
    assert!(!m.root().has("inner"));
    assert_eq!(m.root().get_str("name"), Some("n"));
    assert_eq!(m.root().unknown_count(), 1);
    // Known fields are written first, unknown ones after them.
    let again = Bin::new().field(ttype::STRING, 4).string(b"n").field(ttype::I32, 1).i32(42).stop().0;
    assert_eq!(encode(&m, Protocol::Binary), again);
    // Compact: a bool field where Bools.flags (a list) is declared.
    let bytes = hex("21 00");
    let m = decode(&l, "Bools", Protocol::Compact, &bytes).unwrap();
    assert!(!m.root().has("flags"));
    assert_eq!(encode(&m, Protocol::Compact), bytes);
    assert_eq!(encode(&m, Protocol::Binary), Bin::new().field(ttype::BOOL, 2).byte(1).stop().0);
}

/// Every wire type as an unknown field (the reader's type `Bools` knows
/// none of ids 10..).
fn unknown_fields_binary() -> Vec<u8> {
    Bin::new()
        .field(ttype::BOOL, 10)
        .byte(1)
        .field(ttype::BOOL, 11)
        .byte(0)
        .field(ttype::I8, 12)
        .byte(0x80)
        .field(ttype::I16, 13)
        .i16(-2)
        .field(ttype::I32, 14)
        .i32(i32::MIN)
        .field(ttype::I64, 15)
        .i64(1 << 50)
        .field(ttype::DOUBLE, 16)
        .i64(f64::to_bits(-0.125) as i64)
        .field(ttype::STRING, 17)
        .string("ünïcode".as_bytes())
        .field(ttype::UUID, 18)
        .raw(&[7; 16])
        .field(ttype::STRUCT, 19)
        .field(ttype::BOOL, 1)
        .byte(1)
        .field(ttype::LIST, 300)
        .list(ttype::BOOL, 3)
        .raw(&[1, 0, 1])
        .stop()
        .field(ttype::LIST, 20)
        .list(ttype::STRING, 2)
        .string(b"x")
        .string(b"")
        .field(ttype::SET, 21)
        .list(ttype::DOUBLE, 1)
        .i64(f64::to_bits(1.0) as i64)
        .field(ttype::MAP, 22)
        .map(ttype::I32, ttype::LIST, 1)
        .i32(-1)
        .list(ttype::I16, 1)
        .i16(9)
        .field(ttype::MAP, -1)
        .map(ttype::STRUCT, ttype::MAP, 1)
        .stop()
        .map(ttype::I8, ttype::I8, 0)
        .stop()
        .0
}

#[test]
fn unknown_fields_survive_byte_exactly_and_across_protocols() {
    let l = layouts();
    let binary = unknown_fields_binary();
    let m = decode(&l, "Bools", Protocol::Binary, &binary).unwrap();
    assert_eq!(m.root().unknown_count(), 14);
    assert_eq!(encode(&m, Protocol::Binary), binary, "same protocol: byte-exact");
    // Even a bool byte that is neither 0 nor 1.
    let odd_bool = Bin::new().field(ttype::BOOL, 10).byte(5).stop().0;
    let m5 = decode(&l, "Bools", Protocol::Binary, &odd_bool).unwrap();
    assert_eq!(encode(&m5, Protocol::Binary), odd_bool);
    assert_eq!(encode(&m5, Protocol::Compact), hex("a1 00"), "true in Compact");
    assert_eq!(interp::encoded_size(&m.root(), Protocol::Binary).unwrap(), binary.len());
    // Binary → Compact → Binary.
    let compact = encode(&m, Protocol::Compact);
    assert_eq!(interp::encoded_size(&m.root(), Protocol::Compact).unwrap(), compact.len());
    assert_eq!(interp::skip_struct(Protocol::Compact, &compact, 64).unwrap(), compact.len());
    let mc = decode(&l, "Bools", Protocol::Compact, &compact).unwrap();
    assert_eq!(mc.root().unknown_count(), 14);
    assert_eq!(encode(&mc, Protocol::Compact), compact, "compact re-encodes byte-exactly");
    let back = encode(&mc, Protocol::Binary);
    // Compact writes an empty map as one byte with no key and value types,
    // so an unknown empty map comes back with types 0/0: the only bytes a
    // schema-less transcode cannot restore. Everything else is identical.
    let mut expected = binary.clone();
    let n = expected.len();
    let empty_map = &mut expected[n - 7..n - 5];
    assert_eq!(empty_map, [ttype::I8, ttype::I8]);
    empty_map.copy_from_slice(&[0, 0]);
    assert_eq!(back, expected, "binary → compact → binary");
    // And the whole round trip decodes to the same fields under a schema that knows them.
    let full = Layouts::new(
        Schema::parse_str(
            "full.thrift",
            "struct S { 1: bool flag, 300: list<bool> flags }
             struct Bools { 10: bool a, 11: bool b, 12: i8 c, 13: i16 d, 14: i32 e, 15: i64 f, 16: double g,
               17: string h, 18: uuid i, 19: S j, 20: list<string> k, 21: set<double> l,
               22: map<i32, list<i16>> m, map<S, map<i8, i8>> n }",
        )
        .unwrap(),
    );
    let a =
        interp::decode(&full, ty(&full, "Bools"), Protocol::Binary, &Bytes::from(binary), &DecodeOptions::default())
            .unwrap();
    let b = interp::decode(&full, ty(&full, "Bools"), Protocol::Binary, &Bytes::from(back), &DecodeOptions::default())
        .unwrap();
    assert_eq!(a.root().unknown_count(), 0);
    assert_eq!(a.to_value(), b.to_value());
}

#[test]
fn missing_required_field_names_field_and_path() {
    let l = layouts();
    // Outer{inner: Inner{x: 1}}: Inner.field is required.
    let bytes = Bin::new().field(ttype::STRUCT, 1).field(ttype::I32, 2).i32(1).stop().stop().0;
    let e = decode_err(&l, "Outer", Protocol::Binary, &bytes);
    assert_eq!(e.kind(), DecodeErrorKind::MissingRequired, "{e}");
    assert_eq!(e.path_string(), "Outer.inner.field", "{e}");
    assert_eq!(e.offset(), 11, "after Inner's stop byte: {e}");
    assert!(e.to_string().contains("`field`"), "{e}");
    let e = decode_err(&l, "Outer", Protocol::Compact, &hex("1c 25 02 00 00"));
    assert_eq!((e.kind(), e.path_string()), (DecodeErrorKind::MissingRequired, "Outer.inner.field".into()));
    // At the root, and inside a list (Rich.by_id is map<i32, Inner>).
    let e = decode_err(&l, "Inner", Protocol::Binary, &[0]);
    assert_eq!(e.path_string(), "Inner.field");
    let bytes = Bin::new().field(ttype::MAP, 14).map(ttype::I32, ttype::STRUCT, 1).i32(1).stop().stop().0;
    let e = decode_err(&l, "Rich", Protocol::Binary, &bytes);
    assert_eq!(e.path_string(), "Rich.by_id{entry 0}.field", "{e}");
}

#[test]
fn union_with_two_fields_is_rejected() {
    let l = layouts();
    let bytes = Bin::new().field(ttype::I32, 1).i32(1).field(ttype::STRING, 2).string(b"b").stop().0;
    let e = decode_err(&l, "U", Protocol::Binary, &bytes);
    assert_eq!(e.kind(), DecodeErrorKind::UnionMultiple, "{e}");
    let e = decode_err(&l, "U", Protocol::Compact, &hex("15 02 18 01 62 00"));
    assert_eq!(e.kind(), DecodeErrorKind::UnionMultiple, "{e}");
    // Nested: Rich.u.
    let nested = [&Bin::new().field(ttype::STRUCT, 16).0[..], &bytes, &[0]].concat();
    let e = decode_err(&l, "Rich", Protocol::Binary, &nested);
    assert_eq!((e.kind(), e.path_string()), (DecodeErrorKind::UnionMultiple, "Rich.u".into()));
    // One field, or none, is fine; encoding refuses two.
    assert!(decode(&l, "U", Protocol::Binary, &[0]).is_ok());
    let two = Value::Struct(vec![(1, Value::I32(1)), (2, Value::String("b".into()))]);
    let m = Message::from_value(l.clone(), ty(&l, "U"), &two).unwrap();
    let e = interp::encode_to_vec(&m.root(), Protocol::Binary).unwrap_err();
    assert_eq!(e.kind(), thriftjit::error::EncodeErrorKind::UnionMultiple);
}

#[test]
fn compact_bool_element_type_one_and_two_are_both_accepted() {
    let l = layouts();
    // Bools.flags: list<bool> [true, false], element type nibble 1 then 2.
    for header in [0x21, 0x22] {
        let bytes = [0x29, header, 0x01, 0x02, 0x00];
        let m = decode(&l, "Bools", Protocol::Compact, &bytes).unwrap();
        assert_eq!(m.to_value(), Value::Struct(vec![(2, Value::List(vec![Value::Bool(true), Value::Bool(false)]))]));
        // Written back with type 1, as most writers do.
        assert_eq!(encode(&m, Protocol::Compact), [0x29, 0x21, 0x01, 0x02, 0x00]);
    }
    // Bool fields: true in type 1, false in type 2.
    let m = decode(&l, "Bools", Protocol::Compact, &[0x12, 0x00]).unwrap();
    assert_eq!(m.root().get_bool("flag"), Some(false));
}

#[test]
fn non_strict_binary_envelopes_decode() {
    let l = layouts();
    let body = Bin::new().field(ttype::STRING, 1).string(b"hi").field(ttype::I32, 2).i32(3).stop().0;
    let old = Bin::new().string(b"call").byte(MessageType::Call as u8).i32(77).raw(&body).0;
    let (h, at) = MessageHeader::read(Protocol::Binary, &old).unwrap();
    assert_eq!((h.name, h.kind, h.seq_id, at), (&b"call"[..], MessageType::Call, 77, 13));
    let m = decode(&l, "Inner", Protocol::Binary, &old[at..]).unwrap();
    assert_eq!(m.root().get_str("field"), Some("hi"));
    // Oneway and a bad type.
    let oneway = Bin::new().string(b"f").byte(4).i32(1).0;
    assert_eq!(MessageHeader::read(Protocol::Binary, &oneway).unwrap().0.kind, MessageType::Oneway);
    let bad = Bin::new().string(b"f").byte(9).i32(1).0;
    assert_eq!(MessageHeader::read(Protocol::Binary, &bad).unwrap_err().kind(), DecodeErrorKind::BadMessage);
    // Truncated old header.
    assert!(MessageHeader::read(Protocol::Binary, &old[..6]).unwrap_err().is_truncated());
}

#[test]
fn idl_defaults_are_applied_to_absent_fields() {
    let l = layouts();
    for p in both() {
        let m = decode(&l, "Defaults", p, &[0]).unwrap();
        let r = m.root();
        assert_eq!(r.get_i32("n"), Some(7));
        assert_eq!(r.get_str("s"), Some("hi"));
        assert_eq!(r.get("l").unwrap().to_value(), Value::List(vec![Value::I32(1), Value::I32(2)]));
        assert!(!r.has("o"), "optional fields stay unset");
        assert!(!r.has("ol"), "optional fields stay unset");
        assert_eq!(r.get("m").unwrap().to_value(), Value::Map(vec![(Value::String("a".into()), Value::I32(1))]));
        assert_eq!(r.get_i32("k"), Some(2));
        assert_eq!(r.get_double("d"), Some(1.5));
        let inner = r.get_struct("inner").unwrap();
        assert_eq!((inner.get_str("field"), inner.get_i32("x")), (Some("x"), Some(3)));
        // Present fields win over defaults.
        let v = Value::Struct(vec![(1, Value::I32(0)), (3, Value::List(vec![]))]);
        let built = Message::from_value(l.clone(), ty(&l, "Defaults"), &v).unwrap();
        let again = decode(&l, "Defaults", p, &encode(&built, p)).unwrap();
        assert_eq!(again.root().get_i32("n"), Some(0));
        assert_eq!(again.root().get_list("l").unwrap().len(), 0);
        assert_eq!(again, built);
    }
}

#[test]
fn invalid_wire_types_are_errors() {
    let l = layouts();
    // Type 1 (VOID) and 17 are not value types.
    for t in [1u8, 17, 0x7f] {
        let bytes = Bin::new().field(t, 99).raw(&[0; 8]).stop().0;
        let e = decode_err(&l, "Outer", Protocol::Binary, &bytes);
        assert_eq!(e.kind(), DecodeErrorKind::InvalidType, "type {t}: {e}");
    }
    // Compact type nibbles 14 and 15 do not exist.
    for b in [0x1e, 0x1f] {
        assert_eq!(decode_err(&l, "Outer", Protocol::Compact, &[b, 0]).kind(), DecodeErrorKind::InvalidType);
    }
    // An 11-byte varint.
    let e = decode_err(&l, "Rich", Protocol::Compact, &hex("56 ff ff ff ff ff ff ff ff ff ff 01 00"));
    assert_eq!(e.kind(), DecodeErrorKind::InvalidVarint, "{e}");
}

/// A Binary list of no elements whose type is no type (as some writers, and
/// our own transcoder for Compact's typeless empty maps, produce) survives
/// Binary → Compact → Binary as an empty list.
#[test]
fn empty_containers_without_a_valid_type_cross_protocols() {
    let l = layouts();
    let binary = Bin::new()
        .field(ttype::SET, 2824)
        .list(0, 0)
        .field(ttype::LIST, 2)
        .list(17, 0)
        .field(ttype::MAP, 3)
        .map(0, 0, 0)
        .stop()
        .0;
    let m = decode(&l, "Outer", Protocol::Binary, &binary).unwrap();
    assert_eq!(m.root().get_list("nums").map(|x| x.len()), Some(0));
    assert_eq!(m.root().get("counts").unwrap().to_value(), Value::Map(vec![]));
    let compact = encode(&m, Protocol::Compact);
    assert_eq!(compact, hex("29 05 1b 00 0a 90 2c 00 00"));
    let mc = decode(&l, "Outer", Protocol::Compact, &compact).unwrap();
    assert_eq!(mc.to_value(), m.to_value());
    let back = encode(&mc, Protocol::Binary);
    assert_eq!(decode(&l, "Outer", Protocol::Binary, &back).unwrap().to_value(), m.to_value());
    // With elements, type 0 is still an error.
    let e = decode_err(&l, "Outer", Protocol::Compact, &hex("29 10 00 00"));
    assert_eq!(e.kind(), DecodeErrorKind::InvalidType, "{e}");
}

/// `T { 1: list<T> kids }` nested as deep as allowed, every list claiming as
/// many elements as there are bytes left, the input cut short at the end.
/// Each level's count fits the input on its own; together they do not, and
/// the decoder must notice before allocating for all of them (else the heap
/// grows with `max_depth × input`).
#[test]
fn nested_counts_share_the_input_instead_of_each_claiming_all_of_it() {
    let l = Layouts::new(Schema::parse_str("t.thrift", "struct T { 1: list<T> kids }").unwrap());
    let t = ty(&l, "T");
    const LEN: usize = 16 * 1024;
    for max_depth in [64, 200] {
        let levels = max_depth as usize / 2 - 1;
        let mut b = Vec::new();
        for _ in 0..levels {
            b.extend_from_slice(&[ttype::LIST, 0, 1, ttype::STRUCT]);
            let left = LEN - b.len() - 4;
            b.extend_from_slice(&(left as i32).to_be_bytes());
        }
        b.resize(LEN, 0);
        let input = Bytes::from(b);
        let opts = DecodeOptions { max_depth, ..DecodeOptions::default() };
        let (res, peak) = peak_heap(|| interp::decode(&l, t, Protocol::Binary, &input, &opts));
        let e = res.expect_err("cannot be complete");
        assert_eq!(e.kind(), DecodeErrorKind::Truncated, "{e}");
        // One level's elements (8-byte pointers, one per byte left) in arena
        // chunks that double (so up to three times that), and the first
        // chunk (twice the input): far below `levels × 8 × LEN`.
        assert!(peak < 32 * LEN, "max_depth {max_depth}: peak heap {peak} for a {LEN}-byte input");
    }
}
