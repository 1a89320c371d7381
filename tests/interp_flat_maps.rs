//! Maps of strings and integers, which the interpreter reads and writes in
//! loops of their own per pair of kinds (`src/interp/flat.rs`), checked
//! against the Apache `thrift` crate's protocol writers byte for byte, in
//! both protocols: every pair of string/binary, i32/enum and i64 keys and
//! values, strings aliased and copied, every truncation, and the error path
//! of a bad entry.

use std::sync::Arc;

use bytes::Bytes;
use thrift::protocol::{
    TBinaryOutputProtocol, TCompactOutputProtocol, TFieldIdentifier, TMapIdentifier, TOutputProtocol,
    TStructIdentifier, TType,
};
use thriftjit::error::DecodeErrorKind;
use thriftjit::interp::{self, DecodeOptions};
use thriftjit::layout::Layouts;
use thriftjit::schema::{Schema, StructId};
use thriftjit::value::{Message, Value};
use thriftjit::wire::Protocol;

const IDL: &str = r#"
enum Color { RED = 1, GREEN = 2, BLUE = 3 }
struct FlatMaps {
  1: map<string, string> ss
  2: map<string, i32> si
  3: map<string, i64> sl
  4: map<i32, string> is
  5: map<i32, i32> ii
  6: map<i32, i64> il
  7: map<i64, string> ls
  8: map<i64, i32> li
  9: map<i64, i64> ll
  10: map<binary, Color> bc
  11: map<Color, binary> cb
  12: map<string, string> empty
}
"#;

/// A key or value of one of the flat kinds.
#[derive(Clone, Copy)]
enum Kind {
    Str,
    Bin,
    I32,
    Enum,
    I64,
}

impl Kind {
    fn ttype(self) -> TType {
        match self {
            Kind::Str | Kind::Bin => TType::String,
            Kind::I32 | Kind::Enum => TType::I32,
            Kind::I64 => TType::I64,
        }
    }

    /// Element `i` of a map field: distinct per `i`, with negative and wide
    /// integers so that Compact's zigzag varints take several lengths.
    fn value(self, i: i64) -> Value {
        match self {
            Kind::Str => Value::String(format!("text {i} {}", "é".repeat(i as usize % 5))),
            Kind::Bin => Value::Binary((0..i as u8).collect()),
            Kind::I32 => Value::I32((i as i32 - 9) * 1_000_003),
            Kind::Enum => Value::Enum(i as i32 % 3 + 1),
            Kind::I64 => Value::I64((i - 9) << 40),
        }
    }

    fn write(self, o: &mut dyn TOutputProtocol, v: &Value) -> thrift::Result<()> {
        match v {
            Value::String(s) => o.write_string(s),
            Value::Binary(b) => o.write_bytes(b),
            Value::I32(n) | Value::Enum(n) => o.write_i32(*n),
            Value::I64(n) => o.write_i64(*n),
            other => panic!("not a flat value: {other:?}"),
        }
    }
}

/// (field id, name, key kind, value kind, entries) of every field. Enum keys
/// repeat the three members of `Color` only once, so that map has three.
fn fields() -> Vec<(i16, &'static str, Kind, Kind, i64)> {
    use Kind::*;
    vec![
        (1, "ss", Str, Str, 20),
        (2, "si", Str, I32, 20),
        (3, "sl", Str, I64, 20),
        (4, "is", I32, Str, 20),
        (5, "ii", I32, I32, 20),
        (6, "il", I32, I64, 20),
        (7, "ls", I64, Str, 20),
        (8, "li", I64, I32, 20),
        (9, "ll", I64, I64, 20),
        (10, "bc", Bin, Enum, 20),
        (11, "cb", Enum, Bin, 3),
        (12, "empty", Str, Str, 0),
    ]
}

fn entries(k: Kind, v: Kind, n: i64) -> Vec<(Value, Value)> {
    (0..n).map(|i| (k.value(i), v.value(i + 1))).collect()
}

fn value() -> Value {
    Value::Struct(fields().into_iter().map(|(id, _, k, v, n)| (id, Value::Map(entries(k, v, n)))).collect())
}

/// The same struct written through Apache's output protocol of `p`.
fn apache_bytes(p: Protocol) -> Vec<u8> {
    let mut buf = Vec::new();
    {
        let mut o: Box<dyn TOutputProtocol + '_> = match p {
            Protocol::Binary => Box::new(TBinaryOutputProtocol::new(&mut buf, true)),
            Protocol::Compact => Box::new(TCompactOutputProtocol::new(&mut buf)),
        };
        let write = |o: &mut dyn TOutputProtocol| -> thrift::Result<()> {
            o.write_struct_begin(&TStructIdentifier::new("FlatMaps"))?;
            for (id, name, k, v, n) in fields() {
                o.write_field_begin(&TFieldIdentifier::new(name, TType::Map, id))?;
                o.write_map_begin(&TMapIdentifier::new(k.ttype(), v.ttype(), n as i32))?;
                for (key, value) in entries(k, v, n) {
                    k.write(o, &key)?;
                    v.write(o, &value)?;
                }
                o.write_map_end()?;
                o.write_field_end()?;
            }
            o.write_field_stop()?;
            o.write_struct_end()?;
            o.flush()
        };
        write(&mut *o).expect("apache writes");
    }
    buf
}

fn setup() -> (Arc<Layouts>, StructId, Message) {
    let layouts = Layouts::new(Schema::parse_str("flat_maps.thrift", IDL).expect("IDL loads"));
    let ty = layouts.schema().struct_by_name("FlatMaps").expect("type exists");
    let message = Message::from_value(layouts.clone(), ty, &value()).expect("value fits");
    (layouts, ty, message)
}

#[test]
fn encodes_as_apache_writes_and_decodes_what_apache_writes() {
    let (layouts, ty, message) = setup();
    for p in [Protocol::Binary, Protocol::Compact] {
        let expected = apache_bytes(p);
        let ours = interp::encode_to_vec(&message.root(), p).expect("encodes");
        assert_eq!(ours, expected, "{}: our bytes are Apache's", p.name());
        assert_eq!(interp::encoded_size(&message.root(), p).expect("sizes"), expected.len());
        let input = Bytes::from(expected);
        for copy_strings in [false, true] {
            let options = DecodeOptions { copy_strings, ..DecodeOptions::default() };
            let (decoded, n) = interp::decode_prefix(&layouts, ty, p, &input, &options).expect("decodes");
            assert_eq!(n, input.len(), "{}: consumed everything", p.name());
            assert_eq!(decoded, message, "{} (copy_strings {copy_strings}): same value", p.name());
        }
    }
}

#[test]
fn every_truncation_is_a_truncated_error() {
    let (layouts, ty, _) = setup();
    for p in [Protocol::Binary, Protocol::Compact] {
        let bytes = apache_bytes(p);
        for len in 0..bytes.len() {
            let input = Bytes::copy_from_slice(&bytes[..len]);
            let e = interp::decode(&layouts, ty, p, &input, &DecodeOptions::default())
                .expect_err("a truncated struct does not decode");
            assert_eq!(e.kind(), DecodeErrorKind::Truncated, "{} cut at {len}: {e}", p.name());
        }
    }
}

#[test]
fn a_bad_entry_names_its_field_and_entry() {
    let (layouts, ty, _) = setup();
    // Binary: field 1 (`ss`), two entries; entry 1's value has length -1.
    let mut bytes = vec![13, 0, 1, 11, 11, 0, 0, 0, 2];
    for s in [&b"a"[..], b"b", b"c"] {
        bytes.extend_from_slice(&(s.len() as i32).to_be_bytes());
        bytes.extend_from_slice(s);
    }
    bytes.extend_from_slice(&(-1i32).to_be_bytes());
    bytes.push(0);
    let e = interp::decode(&layouts, ty, Protocol::Binary, &Bytes::from(bytes), &DecodeOptions::default())
        .expect_err("a negative length does not decode");
    assert_eq!(e.kind(), DecodeErrorKind::NegativeLength, "{e}");
    assert_eq!(e.path_string(), "FlatMaps.ss{entry 1}", "{e}");
    assert_eq!(e.offset(), 24, "{e}");
}
