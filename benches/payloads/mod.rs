//! The payloads of the codec benchmarks: values of `corpus/idl/bench.thrift`,
//! generated deterministically (see `corpus/payloads/README.md`). Shared by
//! `benches/codec.rs` and the peer comparison in `benches/peers/codec/`
//! (which includes this file by path), so both measure the same bytes.

use thriftjit::value::Value;

/// The IDL the payloads are values of.
pub const IDL: &str = include_str!("../../corpus/idl/bench.thrift");

/// Frugal's benchmark string: "你好,\b\n\r\t世界" × 16.
fn text() -> Value {
    Value::String("你好,\u{8}\n\r\t世界".repeat(16))
}

fn blob() -> Value {
    Value::Binary((0..=255u8).collect())
}

/// `Simple` number `k` (k varies the scalars so map keys differ).
fn simple(k: i64) -> Value {
    Value::Struct(vec![
        (1, Value::I8(k as i8)),
        (2, Value::I64(1 << 40 | k)),
        (3, Value::Double(k as f64 + 0.25)),
        (4, Value::I32(-(k as i32) - 100_000)),
        (5, text()),
        (6, blob()),
        (7, Value::Enum((k % 3) as i32)),
        (8, Value::Bool(k % 2 == 0)),
        (9, Value::I16(k as i16 * 100)),
        (10, Value::I64(-k * 1_000_000_007)),
    ])
}

fn nesting(k: i64) -> Value {
    const N: i64 = 8;
    let key = |i: i64| Value::String(format!("key-{k}-{i}-{}", "你好".repeat(4)));
    Value::Struct(vec![
        (1, text()),
        (2, Value::List((0..N).map(|i| simple(k * N + i)).collect())),
        (3, Value::Double(k as f64 / 3.0)),
        (4, Value::I32(k as i32)),
        (5, Value::List((0..N).map(|i| Value::I32((i * 997 - 3000) as i32)).collect())),
        (6, Value::I64(k << 33)),
        (7, Value::Map((0..N).map(|i| (key(i), text())).collect())),
        (8, simple(k)),
        (9, Value::Map((0..N).map(|i| (Value::I32(i as i32), Value::I64(i << 40))).collect())),
        (10, Value::List((0..N).map(|_| text()).collect())),
        (11, blob()),
        (12, Value::Map((0..N).map(|i| (Value::I64(i * 1_000_003), text())).collect())),
        (13, Value::List((0..N).map(|i| Value::I64(i * -77_777_777)).collect())),
        (14, Value::I8(k as i8)),
        (15, Value::Map((0..N).map(|i| (key(i), simple(i))).collect())),
    ])
}

fn nesting2() -> Value {
    const N: i64 = 8;
    Value::Struct(vec![
        (1, Value::Map((0..N).map(|i| (simple(1000 + i), nesting(i))).collect())),
        (2, simple(0)),
        (3, Value::I8(7)),
        (4, Value::Double(-1.5)),
        (5, Value::List((0..N).map(|i| nesting(100 + i)).collect())),
        (6, blob()),
        (7, text()),
        (8, Value::Set((0..N).map(|i| nesting(200 + i)).collect())),
        (9, Value::I32(123_456)),
    ])
}

fn ints() -> Value {
    Value::Struct(vec![(1, Value::List((0..1000).map(|i| Value::I32(i * 7919 - 3_000_000)).collect()))])
}

fn string_map() -> Value {
    Value::Struct(vec![(
        1,
        Value::Map(
            (0..100).map(|i| (Value::String(format!("header-{i}")), Value::String(format!("value {i}")))).collect(),
        ),
    )])
}

/// (name, type, value) of every payload.
pub fn payloads() -> Vec<(&'static str, &'static str, Value)> {
    vec![
        ("small", "Simple", simple(1)),
        ("medium", "Nesting", nesting(1)),
        ("large", "Nesting2", nesting2()),
        ("list_i32", "Ints", ints()),
        ("map_string", "StringMap", string_map()),
    ]
}
