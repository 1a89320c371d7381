//! Interoperability with a real third-party implementation: the Apache
//! Thrift runtime crate (`thrift` 0.17, as Debian's `thrift-compiler` 0.17
//! generates code for). Values of the ThriftTest IDL are written by hand
//! through its *protocol* APIs (`TBinaryOutputProtocol`,
//! `TCompactOutputProtocol`: struct and field headers and values, exactly as
//! generated code would call them) and decoded by our interpreter; our
//! encodings are read back through its input protocols and checked field by
//! field. The golden bytes of the research notes (Apache's Python library,
//! specs-interop §2–3) are checked against both.
//!
//! The crate has no `uuid` (it predates it), so uuid fields are not covered
//! here; the Python peer covers them.

mod support;

use std::sync::Arc;

use bytes::Bytes;
use support::hex;
use thrift::protocol::{
    TBinaryInputProtocol, TBinaryOutputProtocol, TCompactInputProtocol, TCompactOutputProtocol, TFieldIdentifier,
    TInputProtocol, TListIdentifier, TMapIdentifier, TMessageIdentifier, TMessageType, TOutputProtocol, TSetIdentifier,
    TStructIdentifier, TType,
};
use thriftjit::interp::{self, DecodeOptions};
use thriftjit::layout::Layouts;
use thriftjit::schema::Schema;
use thriftjit::value::{Message, Value};
use thriftjit::wire::{MessageHeader, MessageType, Protocol};

/// The subset of Apache's `test/ThriftTest.thrift` used here (copied by
/// hand; field ids and types as there), plus a struct of every base type.
const IDL: &str = r#"
enum Numberz { ONE = 1, TWO, THREE, FIVE = 5, SIX, EIGHT = 8 }
typedef i64 UserId
struct Xtruct {
  1: string string_thing
  4: i8 byte_thing
  9: i32 i32_thing
  11: i64 i64_thing
}
struct Xtruct2 {
  1: i8 byte_thing
  2: Xtruct struct_thing
  3: i32 i32_thing
}
struct Insanity {
  1: map<Numberz, UserId> userMap
  2: list<Xtruct> xtructs
}
struct CrazyNesting {
  1: string string_field
  2: optional set<Insanity> set_field
  3: required list<map<set<i32>, map<i32, set<list<map<Insanity, string>>>>>> list_field
  4: binary binary_field
}
struct Bools { 1: bool im_true, 2: bool im_false }
struct BaseTypes {
  1: bool b
  2: i8 i8v
  3: i16 i16v
  4: i32 i32v
  5: i64 i64v
  6: double dv
  7: string s
  8: binary bin
  9: list<bool> bools
  10: list<double> doubles
}
service ThriftTest {
  string testString(1: string thing)
  list<i32> testList(1: list<i32> thing)
  map<i32, i32> testMap(1: map<i32, i32> thing)
}
"#;

fn layouts() -> Arc<Layouts> {
    Layouts::new(Schema::parse_str("ThriftTest.thrift", IDL).expect("IDL loads"))
}

const BOTH: [Protocol; 2] = [Protocol::Binary, Protocol::Compact];

type ApacheResult = thrift::Result<()>;

/// Writes with Apache's output protocol of `p` into a buffer.
fn apache_write(p: Protocol, f: impl FnOnce(&mut dyn TOutputProtocol) -> ApacheResult) -> Vec<u8> {
    let mut buf = Vec::new();
    {
        let mut o: Box<dyn TOutputProtocol + '_> = match p {
            Protocol::Binary => Box::new(TBinaryOutputProtocol::new(&mut buf, true)),
            Protocol::Compact => Box::new(TCompactOutputProtocol::new(&mut buf)),
        };
        f(&mut *o).expect("apache writes");
        o.flush().expect("apache flushes");
    }
    buf
}

/// Reads with Apache's input protocol of `p`; all bytes must be consumed.
fn apache_read<T>(p: Protocol, bytes: &[u8], f: impl FnOnce(&mut dyn TInputProtocol) -> thrift::Result<T>) -> T {
    let mut rest = bytes;
    let out = {
        let mut i: Box<dyn TInputProtocol + '_> = match p {
            Protocol::Binary => Box::new(TBinaryInputProtocol::new(&mut rest, true)),
            Protocol::Compact => Box::new(TCompactInputProtocol::new(&mut rest)),
        };
        f(&mut *i).expect("apache reads")
    };
    assert!(rest.is_empty(), "{} bytes left unread", rest.len());
    out
}

fn field(o: &mut dyn TOutputProtocol, name: &str, t: TType, id: i16) -> ApacheResult {
    o.write_field_begin(&TFieldIdentifier::new(name, t, id))
}

fn begin(o: &mut dyn TOutputProtocol, name: &str) -> ApacheResult {
    o.write_struct_begin(&TStructIdentifier::new(name))
}

fn end(o: &mut dyn TOutputProtocol) -> ApacheResult {
    o.write_field_stop()?;
    o.write_struct_end()
}

// ------------------------------------------------- Apache writers, by hand

struct Xtruct<'a> {
    string_thing: &'a str,
    byte_thing: i8,
    i32_thing: i32,
    i64_thing: i64,
}

const ZERO: Xtruct<'static> = Xtruct { string_thing: "Zero", byte_thing: 1, i32_thing: -3, i64_thing: -5 };

fn write_xtruct(o: &mut dyn TOutputProtocol, x: &Xtruct<'_>) -> ApacheResult {
    begin(o, "Xtruct")?;
    field(o, "string_thing", TType::String, 1)?;
    o.write_string(x.string_thing)?;
    o.write_field_end()?;
    field(o, "byte_thing", TType::I08, 4)?;
    o.write_i8(x.byte_thing)?;
    o.write_field_end()?;
    field(o, "i32_thing", TType::I32, 9)?;
    o.write_i32(x.i32_thing)?;
    o.write_field_end()?;
    field(o, "i64_thing", TType::I64, 11)?;
    o.write_i64(x.i64_thing)?;
    o.write_field_end()?;
    end(o)
}

fn xtruct_value(x: &Xtruct<'_>) -> Value {
    Value::Struct(vec![
        (1, Value::String(x.string_thing.into())),
        (4, Value::I8(x.byte_thing)),
        (9, Value::I32(x.i32_thing)),
        (11, Value::I64(x.i64_thing)),
    ])
}

fn write_xtruct2(o: &mut dyn TOutputProtocol) -> ApacheResult {
    begin(o, "Xtruct2")?;
    field(o, "byte_thing", TType::I08, 1)?;
    o.write_i8(0)?;
    o.write_field_end()?;
    field(o, "struct_thing", TType::Struct, 2)?;
    write_xtruct(o, &ZERO)?;
    o.write_field_end()?;
    field(o, "i32_thing", TType::I32, 3)?;
    o.write_i32(0)?;
    o.write_field_end()?;
    end(o)
}

fn xtruct2_value() -> Value {
    Value::Struct(vec![(1, Value::I8(0)), (2, xtruct_value(&ZERO)), (3, Value::I32(0))])
}

/// `testInsanity`'s argument as the cross tests build it.
const USER_MAP: [(i32, i64); 2] = [(5, 5000), (8, 8)];
const XTRUCTS: [Xtruct<'static>; 2] = [
    Xtruct { string_thing: "Goodbye4", byte_thing: 4, i32_thing: 4, i64_thing: 4 },
    Xtruct { string_thing: "Hello2", byte_thing: 2, i32_thing: 2, i64_thing: 2 },
];

fn write_insanity(o: &mut dyn TOutputProtocol) -> ApacheResult {
    begin(o, "Insanity")?;
    field(o, "userMap", TType::Map, 1)?;
    o.write_map_begin(&TMapIdentifier::new(TType::I32, TType::I64, USER_MAP.len() as i32))?;
    for (k, v) in USER_MAP {
        o.write_i32(k)?;
        o.write_i64(v)?;
    }
    o.write_map_end()?;
    o.write_field_end()?;
    field(o, "xtructs", TType::List, 2)?;
    o.write_list_begin(&TListIdentifier::new(TType::Struct, XTRUCTS.len() as i32))?;
    for x in &XTRUCTS {
        write_xtruct(o, x)?;
    }
    o.write_list_end()?;
    o.write_field_end()?;
    end(o)
}

fn insanity_value() -> Value {
    Value::Struct(vec![
        (1, Value::Map(USER_MAP.iter().map(|&(k, v)| (Value::Enum(k), Value::I64(v))).collect())),
        (2, Value::List(XTRUCTS.iter().map(xtruct_value).collect())),
    ])
}

/// CrazyNesting: `list<map<set<i32>, map<i32, set<list<map<Insanity, string>>>>>>`,
/// one element at every level, and a set of Insanity.
fn write_crazy(o: &mut dyn TOutputProtocol) -> ApacheResult {
    begin(o, "CrazyNesting")?;
    field(o, "string_field", TType::String, 1)?;
    o.write_string("crazy")?;
    o.write_field_end()?;
    field(o, "set_field", TType::Set, 2)?;
    o.write_set_begin(&TSetIdentifier::new(TType::Struct, 1))?;
    write_insanity(o)?;
    o.write_set_end()?;
    o.write_field_end()?;
    field(o, "list_field", TType::List, 3)?;
    o.write_list_begin(&TListIdentifier::new(TType::Map, 1))?;
    o.write_map_begin(&TMapIdentifier::new(TType::Set, TType::Map, 1))?;
    o.write_set_begin(&TSetIdentifier::new(TType::I32, 2))?;
    o.write_i32(1)?;
    o.write_i32(-2)?;
    o.write_set_end()?;
    o.write_map_begin(&TMapIdentifier::new(TType::I32, TType::Set, 1))?;
    o.write_i32(7)?;
    o.write_set_begin(&TSetIdentifier::new(TType::List, 1))?;
    o.write_list_begin(&TListIdentifier::new(TType::Map, 2))?;
    o.write_map_begin(&TMapIdentifier::new(TType::Struct, TType::String, 1))?;
    write_insanity(o)?;
    o.write_string("insane")?;
    o.write_map_end()?;
    // An empty map: Compact writes it as one byte with no types.
    o.write_map_begin(&TMapIdentifier::new(TType::Struct, TType::String, 0))?;
    o.write_map_end()?;
    o.write_list_end()?;
    o.write_set_end()?;
    o.write_map_end()?;
    o.write_map_end()?;
    o.write_list_end()?;
    o.write_field_end()?;
    field(o, "binary_field", TType::String, 4)?;
    o.write_bytes(&[0, 1, 254, 255])?;
    o.write_field_end()?;
    end(o)
}

fn crazy_value() -> Value {
    let inner =
        Value::List(vec![Value::Map(vec![(insanity_value(), Value::String("insane".into()))]), Value::Map(vec![])]);
    let level = Value::Map(vec![(Value::I32(7), Value::Set(vec![inner]))]);
    Value::Struct(vec![
        (1, Value::String("crazy".into())),
        (2, Value::Set(vec![insanity_value()])),
        (3, Value::List(vec![Value::Map(vec![(Value::Set(vec![Value::I32(1), Value::I32(-2)]), level)])])),
        (4, Value::Binary(vec![0, 1, 254, 255])),
    ])
}

fn write_base_types(o: &mut dyn TOutputProtocol) -> ApacheResult {
    begin(o, "BaseTypes")?;
    field(o, "b", TType::Bool, 1)?;
    o.write_bool(true)?;
    o.write_field_end()?;
    field(o, "i8v", TType::I08, 2)?;
    o.write_i8(i8::MIN)?;
    o.write_field_end()?;
    field(o, "i16v", TType::I16, 3)?;
    o.write_i16(-12345)?;
    o.write_field_end()?;
    field(o, "i32v", TType::I32, 4)?;
    o.write_i32(i32::MAX)?;
    o.write_field_end()?;
    field(o, "i64v", TType::I64, 5)?;
    o.write_i64(-34_359_738_368)?;
    o.write_field_end()?;
    field(o, "dv", TType::Double, 6)?;
    o.write_double(-5.235098235)?;
    o.write_field_end()?;
    field(o, "s", TType::String, 7)?;
    o.write_string("パイソン \"quoted\" \\ {}")?;
    o.write_field_end()?;
    field(o, "bin", TType::String, 8)?;
    o.write_bytes(&(0..=255).collect::<Vec<u8>>())?;
    o.write_field_end()?;
    field(o, "bools", TType::List, 9)?;
    o.write_list_begin(&TListIdentifier::new(TType::Bool, 3))?;
    for b in [true, false, true] {
        o.write_bool(b)?;
    }
    o.write_list_end()?;
    o.write_field_end()?;
    field(o, "doubles", TType::List, 10)?;
    o.write_list_begin(&TListIdentifier::new(TType::Double, 4))?;
    for d in [0.0, -0.0, f64::INFINITY, -0.000_341_012_439_638_598_3] {
        o.write_double(d)?;
    }
    o.write_list_end()?;
    o.write_field_end()?;
    end(o)
}

fn base_types_value() -> Value {
    Value::Struct(vec![
        (1, Value::Bool(true)),
        (2, Value::I8(i8::MIN)),
        (3, Value::I16(-12345)),
        (4, Value::I32(i32::MAX)),
        (5, Value::I64(-34_359_738_368)),
        (6, Value::Double(-5.235098235)),
        (7, Value::String("パイソン \"quoted\" \\ {}".into())),
        (8, Value::Binary((0..=255).collect())),
        (9, Value::List(vec![Value::Bool(true), Value::Bool(false), Value::Bool(true)])),
        (
            10,
            Value::List(
                [0.0, -0.0, f64::INFINITY, -0.000_341_012_439_638_598_3].into_iter().map(Value::Double).collect(),
            ),
        ),
    ])
}

type Writer = fn(&mut dyn TOutputProtocol) -> ApacheResult;

fn cases() -> Vec<(&'static str, Writer, Value)> {
    vec![
        ("Xtruct", |o| write_xtruct(o, &ZERO), xtruct_value(&ZERO)),
        ("Xtruct2", write_xtruct2, xtruct2_value()),
        ("Insanity", write_insanity, insanity_value()),
        ("CrazyNesting", write_crazy, crazy_value()),
        ("BaseTypes", write_base_types, base_types_value()),
    ]
}

// -------------------------------------- Apache's reader, schema-less

/// A value read through Apache's input protocol by its wire type alone.
/// Strings and binaries both come back as `Binary`, enums as `I32`.
fn apache_value(i: &mut dyn TInputProtocol, t: TType) -> thrift::Result<Value> {
    Ok(match t {
        TType::Bool => Value::Bool(i.read_bool()?),
        TType::I08 => Value::I8(i.read_i8()?),
        TType::I16 => Value::I16(i.read_i16()?),
        TType::I32 => Value::I32(i.read_i32()?),
        TType::I64 => Value::I64(i.read_i64()?),
        TType::Double => Value::Double(i.read_double()?),
        TType::String => Value::Binary(i.read_bytes()?),
        TType::Struct => apache_struct(i)?,
        TType::List => {
            let h = i.read_list_begin()?;
            let items = (0..h.size).map(|_| apache_value(i, h.element_type)).collect::<thrift::Result<_>>()?;
            i.read_list_end()?;
            Value::List(items)
        }
        TType::Set => {
            let h = i.read_set_begin()?;
            let items = (0..h.size).map(|_| apache_value(i, h.element_type)).collect::<thrift::Result<_>>()?;
            i.read_set_end()?;
            Value::Set(items)
        }
        TType::Map => {
            let h = i.read_map_begin()?;
            let mut entries = Vec::new();
            for _ in 0..h.size {
                let k = apache_value(i, h.key_type.expect("key type"))?;
                let v = apache_value(i, h.value_type.expect("value type"))?;
                entries.push((k, v));
            }
            i.read_map_end()?;
            Value::Map(entries)
        }
        other => panic!("unexpected wire type {other:?}"),
    })
}

fn apache_struct(i: &mut dyn TInputProtocol) -> thrift::Result<Value> {
    i.read_struct_begin()?;
    let mut fields = Vec::new();
    loop {
        let f = i.read_field_begin()?;
        if f.field_type == TType::Stop {
            break;
        }
        fields.push((f.id.expect("field id"), apache_value(i, f.field_type)?));
        i.read_field_end()?;
    }
    i.read_struct_end()?;
    Ok(Value::Struct(fields))
}

/// Our value as Apache's schema-less reader sees it.
fn wire_view(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::Binary(s.as_bytes().to_vec()),
        Value::Enum(x) => Value::I32(*x),
        Value::Struct(fields) => Value::Struct(fields.iter().map(|(id, v)| (*id, wire_view(v))).collect()),
        Value::List(items) => Value::List(items.iter().map(wire_view).collect()),
        Value::Set(items) => Value::Set(items.iter().map(wire_view).collect()),
        Value::Map(entries) => Value::Map(entries.iter().map(|(k, v)| (wire_view(k), wire_view(v))).collect()),
        other => other.clone(),
    }
}

fn ours(l: &Arc<Layouts>, ty: &str, p: Protocol, bytes: &[u8]) -> Message {
    let id = l.schema().struct_by_name(ty).expect("type exists");
    interp::decode(l, id, p, &Bytes::copy_from_slice(bytes), &DecodeOptions::default())
        .unwrap_or_else(|e| panic!("{ty} {p:?}: {e}"))
}

// ----------------------------------------------------------------- tests

#[test]
fn apache_writes_we_read() {
    let l = layouts();
    for p in BOTH {
        for (ty, write, value) in cases() {
            let bytes = apache_write(p, write);
            let m = ours(&l, ty, p, &bytes);
            assert_eq!(m.to_value(), value, "{ty} {p:?}");
            assert_eq!(m.root().unknown_count(), 0, "{ty} {p:?}");
            assert_eq!(interp::skip_struct(p, &bytes, 64).unwrap(), bytes.len());
            // Our encoding of the same value is byte-identical to Apache's
            // (fields in id order; Compact's bool and empty-map forms alike).
            assert_eq!(interp::encode_to_vec(&m.root(), p).unwrap(), bytes, "{ty} {p:?} re-encoded");
        }
    }
}

#[test]
fn we_write_apache_reads() {
    let l = layouts();
    for p in BOTH {
        for (ty, _, value) in cases() {
            let id = l.schema().struct_by_name(ty).unwrap();
            let m = Message::from_value(l.clone(), id, &value).unwrap();
            let bytes = interp::encode_to_vec(&m.root(), p).unwrap();
            let read = apache_read(p, &bytes, apache_struct);
            assert_eq!(read, wire_view(&value), "{ty} {p:?}");
        }
    }
}

/// Apache's reader, field by field, over our encoding of Insanity: the
/// calls generated code makes, with the types and ids it expects.
#[test]
fn apache_reads_our_insanity_field_by_field() {
    let l = layouts();
    let m = Message::from_value(l.clone(), l.schema().struct_by_name("Insanity").unwrap(), &insanity_value()).unwrap();
    for p in BOTH {
        let bytes = interp::encode_to_vec(&m.root(), p).unwrap();
        apache_read(p, &bytes, |i| {
            i.read_struct_begin()?;
            let f = i.read_field_begin()?;
            assert_eq!((f.field_type, f.id), (TType::Map, Some(1)));
            let h = i.read_map_begin()?;
            assert_eq!((h.key_type, h.value_type, h.size), (Some(TType::I32), Some(TType::I64), 2));
            for (k, v) in USER_MAP {
                assert_eq!((i.read_i32()?, i.read_i64()?), (k, v));
            }
            i.read_map_end()?;
            i.read_field_end()?;
            let f = i.read_field_begin()?;
            assert_eq!((f.field_type, f.id), (TType::List, Some(2)));
            let h = i.read_list_begin()?;
            assert_eq!((h.element_type, h.size), (TType::Struct, 2));
            for x in &XTRUCTS {
                i.read_struct_begin()?;
                for (t, id) in [(TType::String, 1), (TType::I08, 4), (TType::I32, 9), (TType::I64, 11)] {
                    let f = i.read_field_begin()?;
                    assert_eq!((f.field_type, f.id), (t, Some(id)));
                    match id {
                        1 => assert_eq!(i.read_string()?, x.string_thing),
                        4 => assert_eq!(i.read_i8()?, x.byte_thing),
                        9 => assert_eq!(i.read_i32()?, x.i32_thing),
                        _ => assert_eq!(i.read_i64()?, x.i64_thing),
                    }
                    i.read_field_end()?;
                }
                assert_eq!(i.read_field_begin()?.field_type, TType::Stop);
                i.read_struct_end()?;
            }
            i.read_list_end()?;
            i.read_field_end()?;
            assert_eq!(i.read_field_begin()?.field_type, TType::Stop);
            i.read_struct_end()
        });
    }
}

/// Unknown fields written by Apache survive our decode → encode, and Apache
/// reads them back: the gateway case (an older schema in the middle).
#[test]
fn unknown_fields_pass_through_to_apache() {
    let older = Layouts::new(
        Schema::parse_str(
            "older.thrift",
            "struct Insanity { 2: list<Xtruct> xtructs } struct Xtruct { 1: string string_thing }",
        )
        .unwrap(),
    );
    for p in BOTH {
        let bytes = apache_write(p, write_insanity);
        let m = ours(&older, "Insanity", p, &bytes);
        assert_eq!(m.root().unknown_count(), 1);
        for q in BOTH {
            let out = interp::encode_to_vec(&m.root(), q).unwrap();
            let read = apache_read(q, &out, apache_struct);
            let mut want = wire_view(&insanity_value());
            // Known fields are written first, kept unknown ones after them.
            if let Value::Struct(fields) = &mut want {
                fields.rotate_left(1);
            }
            let Value::Struct(got) = &read else { panic!() };
            assert_eq!(got.len(), 2);
            assert_eq!(read, want, "{p:?} → {q:?}");
        }
    }
}

/// The golden bytes of Apache's Python library (specs-interop §2–3), from
/// Apache's Rust crate and from us.
#[test]
fn golden_bytes_match_both_implementations() {
    let l = layouts();
    let golden_xtruct = [
        (
            Protocol::Binary,
            "0b 00 01 00 00 00 04 5a 65 72 6f 03 00 04 01 08 00 09 ff ff ff fd 0a 00 0b ff ff ff ff ff ff ff fb 00",
        ),
        (Protocol::Compact, "18 04 5a 65 72 6f 33 01 55 05 26 09 00"),
    ];
    for (p, golden) in golden_xtruct {
        let golden = hex(golden);
        assert_eq!(apache_write(p, |o| write_xtruct(o, &ZERO)), golden, "apache {p:?}");
        let m = ours(&l, "Xtruct", p, &golden);
        assert_eq!(interp::encode_to_vec(&m.root(), p).unwrap(), golden, "ours {p:?}");
    }
    let bools = |o: &mut dyn TOutputProtocol| -> ApacheResult {
        begin(o, "Bools")?;
        field(o, "im_true", TType::Bool, 1)?;
        o.write_bool(true)?;
        o.write_field_end()?;
        field(o, "im_false", TType::Bool, 2)?;
        o.write_bool(false)?;
        o.write_field_end()?;
        end(o)
    };
    for (p, golden) in [(Protocol::Binary, "02 00 01 01 02 00 02 00 00"), (Protocol::Compact, "11 12 00")] {
        let golden = hex(golden);
        assert_eq!(apache_write(p, bools), golden, "apache {p:?}");
        let m = ours(&l, "Bools", p, &golden);
        assert_eq!(interp::encode_to_vec(&m.root(), p).unwrap(), golden, "ours {p:?}");
    }

    // Whole CALL messages: envelope by each implementation, then the args struct.
    fn call<'a>(
        name: &'a str,
        seq: i32,
        body: &'a dyn Fn(&mut dyn TOutputProtocol) -> ApacheResult,
    ) -> impl FnOnce(&mut dyn TOutputProtocol) -> ApacheResult + 'a {
        move |o| {
            o.write_message_begin(&TMessageIdentifier::new(name, TMessageType::Call, seq))?;
            body(o)?;
            o.write_message_end()
        }
    }
    let test_string = |o: &mut dyn TOutputProtocol| -> ApacheResult {
        begin(o, "testString_args")?;
        field(o, "thing", TType::String, 1)?;
        o.write_string("hi")?;
        o.write_field_end()?;
        end(o)
    };
    let test_list = |o: &mut dyn TOutputProtocol| -> ApacheResult {
        begin(o, "testList_args")?;
        field(o, "thing", TType::List, 1)?;
        o.write_list_begin(&TListIdentifier::new(TType::I32, 4))?;
        for v in [1, 4, 9, -42] {
            o.write_i32(v)?;
        }
        o.write_list_end()?;
        o.write_field_end()?;
        end(o)
    };
    let test_map = |entries: &'static [(i32, i32)]| {
        move |o: &mut dyn TOutputProtocol| -> ApacheResult {
            begin(o, "testMap_args")?;
            field(o, "thing", TType::Map, 1)?;
            o.write_map_begin(&TMapIdentifier::new(TType::I32, TType::I32, entries.len() as i32))?;
            for &(k, v) in entries {
                o.write_i32(k)?;
                o.write_i32(v)?;
            }
            o.write_map_end()?;
            o.write_field_end()?;
            end(o)
        }
    };
    let golden_calls: [(Protocol, &str, i32, &str, Vec<u8>); 5] = [
        (
            Protocol::Binary,
            "testString",
            1,
            "ThriftTest.testString_args",
            [&hex("80 01 00 01 00 00 00 0a")[..], b"testString", &hex("00 00 00 01 0b 00 01 00 00 00 02 68 69 00")]
                .concat(),
        ),
        (
            Protocol::Compact,
            "testString",
            1,
            "ThriftTest.testString_args",
            [&hex("82 21 01 0a")[..], b"testString", &hex("18 02 68 69 00")].concat(),
        ),
        (
            Protocol::Compact,
            "testList",
            7,
            "ThriftTest.testList_args",
            [&hex("82 21 07 08")[..], b"testList", &hex("19 45 02 08 12 53 00")].concat(),
        ),
        (
            Protocol::Compact,
            "testMap",
            7,
            "ThriftTest.testMap_args",
            [&hex("82 21 07 07")[..], b"testMap", &hex("1b 01 55 02 04 00")].concat(),
        ),
        (
            Protocol::Compact,
            "testMap",
            7,
            "ThriftTest.testMap_args",
            [&hex("82 21 07 07")[..], b"testMap", &hex("1b 00 00")].concat(),
        ),
    ];
    for (k, (p, method, seq, args, golden)) in golden_calls.into_iter().enumerate() {
        let apache = match k {
            0 | 1 => apache_write(p, call(method, seq, &test_string)),
            2 => apache_write(p, call(method, seq, &test_list)),
            3 => apache_write(p, call(method, seq, &test_map(&[(1, 2)]))),
            _ => apache_write(p, call(method, seq, &test_map(&[]))),
        };
        assert_eq!(apache, golden, "apache {method} {p:?}");
        // Ours: read the envelope and body, write both back.
        let (h, at) = MessageHeader::read(p, &golden).unwrap();
        assert_eq!((h.name, h.kind, h.seq_id), (method.as_bytes(), MessageType::Call, seq));
        let m = ours(&l, args, p, &golden[at..]);
        let mut out = Vec::new();
        h.write(p, &mut out);
        interp::encode(&m.root(), p, &mut out).unwrap();
        assert_eq!(out, golden, "ours {method} {p:?}");
        // And Apache reads our message.
        apache_read(p, &out, |i| {
            let id = i.read_message_begin()?;
            assert_eq!((id.name.as_str(), id.message_type, id.sequence_number), (method, TMessageType::Call, seq));
            apache_struct(i)?;
            i.read_message_end()
        });
    }
}
