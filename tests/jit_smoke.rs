//! The JIT against the interpreter on hand-picked values.

use bytes::Bytes;
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
"#;

fn check(layouts: &std::sync::Arc<Layouts>, jit: &Jit, name: &str, v: &Value) {
    let id = layouts.schema().struct_by_name(name).unwrap();
    assert!(jit.ensure(id).unwrap());
    let m = Message::from_value(layouts.clone(), id, v).unwrap();
    let before = jit.stats();
    let want = interp::encode_to_vec(&m.root(), Protocol::Binary).unwrap();
    let mut got = Vec::new();
    jit.encode(&m.root(), &mut got).unwrap();
    assert_eq!(got, want, "{name}: encode");
    let bytes = Bytes::from(want.clone());
    let (dm, n) = jit.decode(id, &bytes, &DecodeOptions::default()).unwrap();
    assert_eq!(n, bytes.len());
    let im = interp::decode(layouts, id, Protocol::Binary, &bytes, &DecodeOptions::default()).unwrap();
    assert_eq!(dm, im, "{name}: decode");
    let after = jit.stats();
    assert_eq!(after.decode_fallbacks, before.decode_fallbacks, "{name}: the compiled decoder itself succeeded");
    assert_eq!(after.encode_fallbacks, before.encode_fallbacks, "{name}: the compiled encoder itself succeeded");
    // Every truncation fails in both engines.
    for cut in 0..bytes.len() {
        let short = bytes.slice(..cut);
        let a = jit.decode(id, &short, &DecodeOptions::default()).map(|(m, _)| m);
        let b = interp::decode(layouts, id, Protocol::Binary, &short, &DecodeOptions::default());
        assert_eq!(a.is_ok(), b.is_ok(), "{name}: cut at {cut}");
        if let (Err(a), Err(b)) = (a, b) {
            assert_eq!(a, b);
        }
    }
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
