//! The JIT against the interpreter on hand-picked values and bytes, in
//! both protocols.

use bytes::Bytes;
use thriftjit::engine::{Codec, CodecConfig, Engine, EngineChoice};
use thriftjit::interp::{self, DecodeOptions};
use thriftjit::jit::Jit;
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
struct Inner { 1: bool flag, 2: double ratio, 3: i16 small }
struct Outer {
  1: required i32 id
  2: list<i32> numbers
  3: list<string> names
  4: list<Inner> inners
  5: optional Inner one
  6: map<string, i64> counts
  7: set<i64> ids
  8: binary blob
  9: uuid u
  10: list<list<i32>> nested
  11: string label = "default"
}
union Choice { 1: string text, 2: i64 number }
enum Color { RED = 1, GREEN = 2 }
struct Varints { 1: i16 a, 2: i32 b, 3: i64 c, 4: list<i64> d, 5: string s }
// Inner and more: decoded as Inner, the rest are unknown fields.
struct Wide {
  1: bool flag
  4: bool extra_flag
  2: double ratio
  20: string extra_text
  3: i16 small
  5: list<i32> extra_list
  6: map<string, i32> extra_map
  7: bool extra_false
}
// Compact's corners: runs of bool fields, id gaps above 15 (long-form
// headers), ids out of order and negative (a non-positive id is assigned
// automatically: -1), varints of every length.
struct Shapes {
  1: bool a
  2: bool b
  40: bool c
  3: i16 small
  -4: i32 negative_id
  5: i64 big
  300: double ratio
  6: list<bool> flags
  7: list<double> ratios
  8: list<i64> longs
  9: string text
  10: Color color
  11: list<i16> shorts
  12: byte tiny
  13: list<Inner> inners
  14: set<string> tags
}
"#;

fn check(layouts: &std::sync::Arc<Layouts>, jit: &Jit, name: &str, v: &Value) {
    for protocol in [Protocol::Binary, Protocol::Compact] {
        check_in(layouts, jit, name, v, protocol);
    }
}

fn check_in(layouts: &std::sync::Arc<Layouts>, jit: &Jit, name: &str, v: &Value, protocol: Protocol) {
    let name = format!("{name} ({})", protocol.name());
    let id = layouts.schema().struct_by_name(name.split(' ').next().unwrap()).unwrap();
    assert!(jit.ensure(id).unwrap());
    let m = Message::from_value(layouts.clone(), id, v).unwrap();
    let before = jit.stats();
    let want = interp::encode_to_vec(&m.root(), protocol).unwrap();
    let mut got = Vec::new();
    jit.encode(&m.root(), protocol, &mut got).unwrap();
    assert_eq!(got, want, "{name}: encode");
    assert_eq!(jit.encoded_size(&m.root(), protocol), Ok(want.len()), "{name}: encoded_size");
    assert_eq!(jit.encoded_size_compiled(&m.root(), protocol), Some(want.len()), "{name}: the compiled sizer");
    let bytes = Bytes::from(want.clone());
    let (dm, n) = jit.decode(id, protocol, &bytes, &DecodeOptions::default()).unwrap();
    assert_eq!(n, bytes.len());
    let im = interp::decode(layouts, id, protocol, &bytes, &DecodeOptions::default()).unwrap();
    assert_eq!(dm, im, "{name}: decode");
    let after = jit.stats();
    assert_eq!(after.decode_fallbacks, before.decode_fallbacks, "{name}: the compiled decoder itself succeeded");
    assert_eq!(after.encode_fallbacks, before.encode_fallbacks, "{name}: the compiled encoder itself succeeded");
    // Every truncation fails in both engines.
    for cut in 0..bytes.len() {
        let short = bytes.slice(..cut);
        let a = jit.decode(id, protocol, &short, &DecodeOptions::default()).map(|(m, _)| m);
        let b = interp::decode(layouts, id, protocol, &short, &DecodeOptions::default());
        assert_eq!(a.is_ok(), b.is_ok(), "{name}: cut at {cut}");
        if let (Err(a), Err(b)) = (a, b) {
            assert_eq!(a, b);
        }
    }
}

/// Both engines on hand-written bytes: the same verdict, and the same
/// message and re-encoding when they decode.
fn agree(layouts: &std::sync::Arc<Layouts>, jit: &Jit, name: &str, protocol: Protocol, bytes: &[u8]) -> bool {
    let id = layouts.schema().struct_by_name(name).unwrap();
    assert!(jit.ensure(id).unwrap());
    let input = Bytes::copy_from_slice(bytes);
    jit.compare_with_interpreter(id, protocol, &input, &DecodeOptions::default())
        .unwrap_or_else(|e| panic!("{name} on {bytes:02x?}: {e}"))
}

#[test]
fn jit_matches_interpreter() {
    let layouts = Layouts::new(Schema::parse_str("t.thrift", IDL).unwrap());
    let jit = Jit::new(layouts.clone()).unwrap();
    let x = Value::Struct(vec![
        (1, Value::String("Zero".into())),
        (4, Value::I8(1)),
        (9, Value::I32(-3)),
        (11, Value::I64(-5)),
    ]);
    check(&layouts, &jit, "Xtruct", &x);
    let inner = |f: bool| Value::Struct(vec![(1, Value::Bool(f)), (2, Value::Double(0.25)), (3, Value::I16(-7))]);
    let outer = Value::Struct(vec![
        (1, Value::I32(42)),
        (2, Value::List((0..50).map(Value::I32).collect())),
        (3, Value::List(vec![Value::String("a".into()), Value::String("".into()), Value::String("ccc".into())])),
        (4, Value::List(vec![inner(true), inner(false)])),
        (5, inner(true)),
        (6, Value::Map(vec![(Value::String("k".into()), Value::I64(9))])),
        (7, Value::Set(vec![Value::I64(1), Value::I64(2)])),
        (8, Value::Binary(vec![0, 1, 2, 255])),
        (9, Value::Uuid([7; 16])),
        (10, Value::List(vec![Value::List(vec![Value::I32(1)]), Value::List(vec![])])),
    ]);
    check(&layouts, &jit, "Outer", &outer);
    check(&layouts, &jit, "Outer", &Value::Struct(vec![(1, Value::I32(1))]));
    check(&layouts, &jit, "Choice", &Value::Struct(vec![(2, Value::I64(5))]));
    assert!(jit.stats().types_compiled >= 4);
}

#[test]
fn compact_corners_match_interpreter() {
    let layouts = Layouts::new(Schema::parse_str("t.thrift", IDL).unwrap());
    let jit = Jit::new(layouts.clone()).unwrap();
    let inner = |f: bool| Value::Struct(vec![(1, Value::Bool(f)), (2, Value::Double(-0.5)), (3, Value::I16(i16::MIN))]);
    let all = |a: bool, big: i64, n: i64| {
        Value::Struct(vec![
            (1, Value::Bool(a)),
            (2, Value::Bool(!a)),
            (40, Value::Bool(a)),
            (3, Value::I16(i16::MAX)),
            (-1, Value::I32(i32::MIN)),
            (5, Value::I64(big)),
            (300, Value::Double(f64::MIN_POSITIVE)),
            (6, Value::List((0..n).map(|i| Value::Bool(i % 3 == 0)).collect())),
            (7, Value::List((0..n).map(|i| Value::Double(i as f64 / 3.0)).collect())),
            (8, Value::List((0..n).map(|i| Value::I64(big.wrapping_mul(i))).collect())),
            (9, Value::String("x".repeat(n as usize * 10))),
            (10, Value::Enum(2)),
            (11, Value::List((0..n).map(|i| Value::I16((i * 1000) as i16)).collect())),
            (12, Value::I8(-128)),
            (13, Value::List((0..n % 4).map(|i| inner(i % 2 == 0)).collect())),
            (14, Value::Set((0..n).map(|i| Value::String(format!("t{i}"))).collect())),
        ])
    };
    for (a, big, n) in [(true, i64::MAX, 0), (false, i64::MIN, 1), (true, -1, 14), (false, 1 << 40, 15), (true, 0, 40)]
    {
        check(&layouts, &jit, "Shapes", &all(a, big, n));
    }
    // Only some fields: the encoder's deltas follow what is set.
    check(&layouts, &jit, "Shapes", &Value::Struct(vec![(2, Value::Bool(false)), (-1, Value::I32(7))]));
    check(&layouts, &jit, "Shapes", &Value::Struct(vec![(40, Value::Bool(true)), (300, Value::Double(1.0))]));
    check(&layouts, &jit, "Shapes", &Value::Struct(vec![(12, Value::I8(1)), (14, Value::Set(vec![]))]));
}

#[test]
fn compact_bytes_from_other_writers() {
    let layouts = Layouts::new(Schema::parse_str("t.thrift", IDL).unwrap());
    let jit = Jit::new(layouts.clone()).unwrap();
    let c = Protocol::Compact;
    // Inner { flag: true } in the short form, then in the long form (type 1, zigzag id 1 = 2).
    assert!(agree(&layouts, &jit, "Inner", c, &[0x11, 0x00]));
    assert!(agree(&layouts, &jit, "Inner", c, &[0x01, 0x02, 0x00]));
    assert!(agree(&layouts, &jit, "Inner", c, &[0x02, 0x02, 0x00]));
    // Fields in reverse order: small (3) then ratio (2) via a long-form id, then flag.
    let mut bytes = vec![0x34, 0x0d, 0x07, 0x04];
    bytes.extend_from_slice(&2.5f64.to_le_bytes());
    bytes.extend_from_slice(&[0x02, 0x02, 0x00]);
    assert!(agree(&layouts, &jit, "Inner", c, &bytes));
    // Non-canonical varints: i16 -1 as 0x81 0x80 0x00; 10-byte varints, the 10th at most 1.
    assert!(agree(&layouts, &jit, "Inner", c, &[0x34, 0x81, 0x80, 0x00, 0x00]));
    assert!(!agree(&layouts, &jit, "Inner", c, &[0x34, 0x81, 0x80, 0x84, 0x00, 0x00]));
    let ten = |last: u8| {
        let mut v = vec![0x56]; // delta 5, i64: Shapes.big
        v.extend_from_slice(&[0xff; 9]);
        v.push(last);
        v.push(0x00);
        v
    };
    assert!(agree(&layouts, &jit, "Shapes", c, &ten(0x01)));
    assert!(!agree(&layouts, &jit, "Shapes", c, &ten(0x02)));
    assert!(!agree(&layouts, &jit, "Shapes", c, &ten(0x81)));
    // i32 above 0xffff_ffff and i16 above 0xffff fail.
    assert!(!agree(&layouts, &jit, "Xtruct", c, &[0x95, 0x80, 0x80, 0x80, 0x80, 0x10, 0x00]));
    assert!(agree(&layouts, &jit, "Xtruct", c, &[0x95, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]));
    assert!(!agree(&layouts, &jit, "Inner", c, &[0x34, 0x80, 0x80, 0x04, 0x00]));
    // Bool list elements: only 1 is true; element types 1 and 2 both mean bool.
    assert!(agree(&layouts, &jit, "Shapes", c, &[0x69, 0x41, 0x01, 0x02, 0x00, 0x07, 0x00]));
    assert!(agree(&layouts, &jit, "Shapes", c, &[0x69, 0x22, 0x01, 0x01, 0x00]));
    // An empty list of another element type is an empty list, type 0
    // included; an invalid type fails; a non-empty list of another type is
    // kept as unknown, and type 0 with elements fails.
    assert!(agree(&layouts, &jit, "Shapes", c, &[0x69, 0x08, 0x00]));
    assert!(agree(&layouts, &jit, "Shapes", c, &[0x69, 0x00, 0x00]));
    assert!(agree(&layouts, &jit, "Shapes", c, &[0x89, 0xf0, 0x00, 0x00]));
    assert!(!agree(&layouts, &jit, "Shapes", c, &[0x69, 0x0e, 0x00]));
    assert!(!agree(&layouts, &jit, "Shapes", c, &[0x69, 0x10, 0x00, 0x00]));
    assert!(agree(&layouts, &jit, "Shapes", c, &[0x69, 0x25, 0x02, 0x04, 0x00]));
    // Long list counts: 15 means a varint count follows.
    assert!(agree(&layouts, &jit, "Shapes", c, &[0x69, 0xf1, 0x02, 0x01, 0x02, 0x00]));
    assert!(!agree(&layouts, &jit, "Shapes", c, &[0x69, 0xf1, 0x80, 0x80, 0x80, 0x80, 0x08, 0x00]));
    // count × 8 must fit for doubles.
    assert!(!agree(&layouts, &jit, "Shapes", c, &[0x79, 0x27, 0, 0, 0, 0, 0, 0, 0, 0, 0x00]));
    // Unknown fields, bools among them (value in the header, no value bytes).
    assert!(agree(&layouts, &jit, "Inner", c, &[0x41, 0x12, 0x00]));
    assert!(agree(&layouts, &jit, "Inner", c, &[0x48, 0x03, b'a', b'b', b'c', 0x11, 0x00]));
    assert!(agree(&layouts, &jit, "Inner", c, &[0x11, 0x3c, 0x11, 0x00, 0x00]));
    // Invalid type nibbles fail, known id or not.
    assert!(!agree(&layouts, &jit, "Inner", c, &[0x1e, 0x00]));
    assert!(!agree(&layouts, &jit, "Inner", c, &[0x5f, 0x00]));
    assert!(!agree(&layouts, &jit, "Inner", c, &[0x10, 0x00]));
    // A field of the wrong type is kept as unknown.
    assert!(agree(&layouts, &jit, "Inner", c, &[0x15, 0x02, 0x00]));
    // Ids wrap around as i16: from -32768 (long form) a delta of 1 is -32767;
    // from 32767 one of 2 is -32767 too.
    assert!(agree(&layouts, &jit, "Inner", c, &[0x05, 0xff, 0xff, 0x03, 0x00, 0x15, 0x04, 0x00]));
    assert!(agree(&layouts, &jit, "Shapes", c, &[0x05, 0xfe, 0xff, 0x03, 0x00, 0x25, 0x04, 0x16, 0x02, 0x00]));
    // The long form of an id that fits 16 bits only: 0xffff is the largest.
    assert!(!agree(&layouts, &jit, "Inner", c, &[0x05, 0x80, 0x80, 0x04, 0x00, 0x00]));
    // Strings: lengths above i32::MAX fail, multi-byte lengths work.
    assert!(!agree(&layouts, &jit, "Xtruct", c, &[0x18, 0x80, 0x80, 0x80, 0x80, 0x08, 0x00]));
    let mut s = vec![0x18, 0x80, 0x01];
    s.extend(std::iter::repeat_n(b'z', 128));
    s.push(0x00);
    assert!(agree(&layouts, &jit, "Xtruct", c, &s));
}

#[test]
fn unknown_fields_cross_protocols() {
    let layouts = Layouts::new(Schema::parse_str("t.thrift", IDL).unwrap());
    let jit = Jit::new(layouts.clone()).unwrap();
    let wide = layouts.schema().struct_by_name("Wide").unwrap();
    let inner = layouts.schema().struct_by_name("Inner").unwrap();
    assert!(jit.ensure(inner).unwrap());
    let value = Value::Struct(vec![
        (1, Value::Bool(true)),
        (4, Value::Bool(true)),
        (2, Value::Double(2.0)),
        (20, Value::String("kept".into())),
        (3, Value::I16(-2)),
        (5, Value::List(vec![Value::I32(1), Value::I32(-1)])),
        (6, Value::Map(vec![(Value::String("k".into()), Value::I32(3))])),
        (7, Value::Bool(false)),
    ]);
    let m = Message::from_value(layouts.clone(), wide, &value).unwrap();
    let opts = DecodeOptions::default();
    for (from, to) in [(Protocol::Binary, Protocol::Compact), (Protocol::Compact, Protocol::Binary)] {
        let bytes = Bytes::from(interp::encode_to_vec(&m.root(), from).unwrap());
        let before = jit.stats();
        let (kept, _) = jit.decode(inner, from, &bytes, &opts).unwrap();
        let mut got = Vec::new();
        jit.encode(&kept.root(), to, &mut got).unwrap();
        let want = interp::encode_to_vec(&kept.root(), to).unwrap();
        assert_eq!(got, want, "{} to {}", from.name(), to.name());
        assert_eq!(jit.stats(), before, "no fallback");
        // Nothing was lost: the bytes decode as the wide type again.
        let back = interp::decode(&layouts, wide, to, &Bytes::from(got), &opts).unwrap();
        assert_eq!(back, interp::decode(&layouts, wide, from, &bytes, &opts).unwrap());
    }
}

/// Varints of every length (1 to 11 bytes, canonical or padded with
/// continuation bytes, the last byte 0, 1, 2 or 0x7f), in every integer
/// field and as list elements and string lengths, read with 8 bytes of input
/// left after them (the compiled code's branch-free path) and at the very
/// end (byte by byte): both engines agree on each.
#[test]
fn compact_varints_of_every_length() {
    let layouts = Layouts::new(Schema::parse_str("t.thrift", IDL).unwrap());
    let jit = Jit::new(layouts.clone()).unwrap();
    let c = Protocol::Compact;
    let mut decoded = 0;
    for len in 1..=11 {
        for last in [0u8, 1, 2, 0x7f] {
            for fill in [0x80u8, 0xff] {
                let mut v = vec![fill; len - 1];
                v.push(last);
                for tail in [&[][..], &[0x18, 0x08, b'p', b'a', b'd', b'd', b'i', b'n', b'g', b'!'][..]] {
                    // Fields a (i16), b (i32), c (i64): header, varint, then the tail and a stop.
                    for header in [0x14u8, 0x25, 0x36] {
                        let mut bytes = vec![header];
                        bytes.extend_from_slice(&v);
                        bytes.extend_from_slice(tail);
                        bytes.push(0);
                        decoded += usize::from(agree(&layouts, &jit, "Varints", c, &bytes));
                    }
                    // d: a list of two i64 elements, the varint twice.
                    let mut bytes = vec![0x49, 0x26];
                    bytes.extend_from_slice(&v);
                    bytes.extend_from_slice(&v);
                    bytes.extend_from_slice(tail);
                    bytes.push(0);
                    decoded += usize::from(agree(&layouts, &jit, "Varints", c, &bytes));
                    // s: the varint as a string length (mostly too long for the input).
                    let mut bytes = vec![0x58];
                    bytes.extend_from_slice(&v);
                    bytes.extend_from_slice(tail);
                    bytes.push(0);
                    decoded += usize::from(agree(&layouts, &jit, "Varints", c, &bytes));
                }
            }
        }
    }
    assert!(decoded > 100, "many of them decode ({decoded})");
}

#[test]
fn a_first_call_compiles_its_own_protocol_only() {
    let layouts = Layouts::new(Schema::parse_str("t.thrift", IDL).unwrap());
    let jit = Jit::new(layouts.clone()).unwrap();
    let outer = layouts.schema().struct_by_name("Outer").unwrap();
    let inner = layouts.schema().struct_by_name("Inner").unwrap();
    assert!(jit.ensure_for(outer, Protocol::Compact).unwrap());
    // The type and the types it reaches, for Compact only.
    for ty in [outer, inner] {
        assert!(jit.is_compiled_for(ty, Protocol::Compact));
        assert!(!jit.is_compiled_for(ty, Protocol::Binary) && !jit.is_compiled(ty));
    }
    assert_eq!(jit.stats().batches, 1);
    let value = Value::Struct(vec![(1, Value::I32(3)), (5, Value::Struct(vec![(1, Value::Bool(true))]))]);
    let message = Message::from_value(layouts.clone(), outer, &value).unwrap();
    let mut bytes = Vec::new();
    assert!(jit.encode_compiled(&message.root(), Protocol::Compact, &mut bytes));
    assert!(!jit.encode_compiled(&message.root(), Protocol::Binary, &mut Vec::new()), "Binary is not compiled yet");
    // `ensure` adds the other protocol in one more batch; Compact is not compiled again.
    let before = jit.stats().types_compiled;
    assert!(jit.ensure(outer).unwrap() && jit.is_compiled(outer) && jit.is_compiled(inner));
    assert_eq!(jit.stats().batches, 2);
    assert_eq!(jit.stats().types_compiled - before, before, "the same types, for Binary");
    let decoded = jit.decode_compiled(outer, Protocol::Compact, &Bytes::from(bytes), &DecodeOptions::default());
    assert_eq!(decoded.unwrap().0.to_value(), message.to_value());
}

/// The codec compiles one direction at a time: a first encode compiles
/// encoders (of the type and the types it reaches), a first decode
/// decoders, each in one batch, and neither compiles the other's routines.
#[test]
fn a_first_call_compiles_its_own_direction_only() {
    let layouts = Layouts::new(Schema::parse_str("t.thrift", IDL).unwrap());
    let codec =
        Codec::with_layouts(layouts.clone(), CodecConfig { engine: EngineChoice::Jit, ..CodecConfig::default() })
            .unwrap();
    let jit = codec.jit().unwrap().clone();
    let outer = layouts.schema().struct_by_name("Outer").unwrap();
    let inner = layouts.schema().struct_by_name("Inner").unwrap();
    let value = Value::Struct(vec![(1, Value::I32(3)), (5, Value::Struct(vec![(1, Value::Bool(true))]))]);
    let message = Message::from_value(layouts.clone(), outer, &value).unwrap();
    let mut bytes = Vec::new();
    codec.encode(&message.root(), Protocol::Binary, &mut bytes).unwrap();
    assert_eq!((jit.stats().batches, jit.stats().types_compiled), (1, 0), "encoders only: no decoder compiled");
    assert!(!jit.is_compiled_for(outer, Protocol::Binary) && !jit.is_compiled_for(inner, Protocol::Binary));
    assert_eq!(codec.encode_engine(outer, Protocol::Binary), Engine::Jit, "served by the encoders already compiled");
    assert_eq!(jit.stats().batches, 1);
    let decoded = codec.decode(outer, Protocol::Binary, &Bytes::from(bytes)).unwrap();
    assert_eq!(decoded.to_value(), message.to_value());
    assert_eq!((jit.stats().batches, jit.stats().types_compiled), (2, 2), "then the decoders of both types");
    assert!(jit.is_compiled_for(outer, Protocol::Binary) && jit.is_compiled_for(inner, Protocol::Binary));
    assert!(!jit.is_compiled_for(outer, Protocol::Compact));
    assert_eq!(codec.stats().jit_calls, 2);
    assert_eq!((codec.stats().jit_cache_hits, codec.stats().jit_cache_misses), (0, 2), "each call compiled");
    let bytes = Bytes::from(interp::encode_to_vec(&message.root(), Protocol::Binary).unwrap());
    for _ in 0..3 {
        codec.decode(outer, Protocol::Binary, &bytes).unwrap();
        codec.encode(&message.root(), Protocol::Binary, &mut Vec::new()).unwrap();
    }
    assert_eq!((codec.stats().jit_cache_hits, codec.stats().jit_cache_misses), (6, 2), "then found compiled");
    // Compact: compiled on its first call too; ahead of time, never.
    codec
        .decode(
            outer,
            Protocol::Compact,
            &Bytes::from(interp::encode_to_vec(&message.root(), Protocol::Compact).unwrap()),
        )
        .unwrap();
    assert_eq!(codec.stats().jit_cache_misses, 3);
    let ahead =
        Codec::with_layouts(layouts.clone(), CodecConfig { engine: EngineChoice::Jit, ..CodecConfig::default() })
            .unwrap();
    ahead.compile_all().unwrap();
    ahead.decode(outer, Protocol::Binary, &bytes).unwrap();
    assert_eq!((ahead.stats().jit_cache_hits, ahead.stats().jit_cache_misses), (1, 0));
}

#[test]
fn sizers_are_compiled_on_first_use_and_fail_where_encoders_fail() {
    let layouts = Layouts::new(Schema::parse_str("t.thrift", IDL).unwrap());
    let jit = Jit::new(layouts.clone()).unwrap();
    let outer = layouts.schema().struct_by_name("Outer").unwrap();
    let choice = layouts.schema().struct_by_name("Choice").unwrap();
    assert!(jit.ensure(outer).unwrap() && jit.ensure(choice).unwrap());
    let batches = jit.stats().batches;
    let value = Value::Struct(vec![(1, Value::I32(3)), (4, Value::List(vec![Value::Struct(vec![])]))]);
    let message = Message::from_value(layouts.clone(), outer, &value).unwrap();
    for protocol in [Protocol::Binary, Protocol::Compact] {
        assert_eq!(jit.encoded_size_compiled(&message.root(), protocol), None, "not compiled with the encoder");
        let want = interp::encoded_size(&message.root(), protocol).unwrap();
        assert_eq!(jit.encoded_size(&message.root(), protocol), Ok(want));
        assert_eq!(jit.encoded_size_compiled(&message.root(), protocol), Some(want));
    }
    assert_eq!(jit.stats().batches, batches + 2, "one batch per protocol, on first use");

    // A required field unset, and a union with two fields set: the encoder
    // and the sizer both fail, and the interpreter's error is reported.
    let mut missing = Message::from_value(layouts.clone(), outer, &value).unwrap();
    missing.root_mut().clear(1i16).unwrap();
    let two = Value::Struct(vec![(1, Value::String("a".into())), (2, Value::I64(1))]);
    let two = Message::from_value(layouts.clone(), choice, &two).unwrap();
    for (name, m) in [("missing required", &missing), ("union of two", &two)] {
        for protocol in [Protocol::Binary, Protocol::Compact] {
            jit.ensure_sizer_for(m.root().layout().id, protocol).unwrap();
            assert!(!jit.encode_compiled(&m.root(), protocol, &mut Vec::new()), "{name}: the encoder fails");
            assert_eq!(jit.encoded_size_compiled(&m.root(), protocol), None, "{name}: the sizer fails");
            let want = interp::encoded_size(&m.root(), protocol).unwrap_err();
            assert_eq!(jit.encoded_size(&m.root(), protocol).unwrap_err(), want, "{name}");
        }
    }
}

/// `copy_strings`: the compiled decoder reads a copy of the input in the
/// message's arena, so strings, list elements, map keys and unknown fields
/// reference nothing of the input, and the message equals the interpreter's.
#[test]
fn copied_strings_reference_nothing_of_the_input() {
    let layouts = Layouts::new(Schema::parse_str("smoke.thrift", IDL).unwrap());
    let jit = Jit::new(layouts.clone()).unwrap();
    let outer = layouts.schema().struct_by_name("Outer").unwrap();
    let wide = layouts.schema().struct_by_name("Wide").unwrap();
    let inner = layouts.schema().struct_by_name("Inner").unwrap();
    let value = Value::Struct(vec![
        (1, Value::I32(7)),
        (3, Value::List(vec![Value::String("alpha".into()), Value::String("beta".into())])),
        (6, Value::Map(vec![(Value::String("key".into()), Value::I64(1))])),
        (8, Value::Binary(vec![1, 2, 3, 4])),
        (11, Value::String("label".into())),
    ]);
    let wide_value = Value::Struct(vec![(1, Value::Bool(true)), (20, Value::String("unknown to Inner".into()))]);
    let copy = DecodeOptions { copy_strings: true, ..DecodeOptions::default() };
    for protocol in [Protocol::Binary, Protocol::Compact] {
        for (ty, read_as, v) in [(outer, outer, &value), (wide, inner, &wide_value)] {
            let m = Message::from_value(layouts.clone(), ty, v).unwrap();
            let input = Bytes::from(interp::encode_to_vec(&m.root(), protocol).unwrap());
            assert!(jit.ensure_decoder_for(read_as, protocol).unwrap());
            let (decoded, _) = jit.decode_compiled(read_as, protocol, &input, &copy).expect("compiled code decodes");
            let (reference, _) = interp::decode_prefix(&layouts, read_as, protocol, &input, &copy).unwrap();
            assert_eq!(decoded, reference, "{}: same message", protocol.name());
            let range = input.as_ptr_range();
            let outside = |p: *const u8| !range.contains(&p);
            let root = decoded.root();
            if read_as == outer {
                assert!(outside(root.get_str(11).unwrap().as_ptr()));
                assert!(outside(root.get_bytes(8).unwrap().as_ptr()));
            }
            // Re-encoding writes the same bytes (unknown fields included) from the copy.
            let mut out = Vec::new();
            assert!(jit.ensure_encoder_for(read_as, protocol).unwrap());
            jit.encode(&root, protocol, &mut out).unwrap();
            assert_eq!(out, interp::encode_to_vec(&reference.root(), protocol).unwrap());
            drop(input);
            assert_eq!(decoded, reference, "{}: the same after the input is gone", protocol.name());
        }
    }
}
