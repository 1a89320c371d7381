//! Codec benchmarks, engine × payload × operation, side by side in one run:
//! the interpreter's decode, encode, `encoded_size` and skip, and the JIT's
//! decode and encode, over the payloads of `corpus/payloads/` (types in
//! `corpus/idl/bench.thrift`, values generated here, deterministically), in
//! both protocols. Named `<engine>/<payload>/<op>/<protocol>`, with
//! throughput in bytes of the encoding, so criterion reports MB/s beside
//! ns/op. `jit/compile/<type>` times compiling one type from scratch (a
//! fresh JIT each iteration, so module creation is included).
//!
//! Decoding aliases strings into the input (the default); encoding appends to
//! a buffer that is reused (cleared) between iterations, as a server's write
//! buffer is. Short runs are enough for these: `cargo bench --bench codec --
//! --warm-up-time 1 --measurement-time 3`.

#![expect(missing_docs, reason = "criterion_group! generates an undocumented function")]

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use thriftjit::interp::{self, DecodeOptions};
use thriftjit::jit::Jit;
use thriftjit::layout::Layouts;
use thriftjit::schema::{Schema, StructId};
use thriftjit::value::{Message, Value};
use thriftjit::wire::Protocol;

const IDL: &str = include_str!("../corpus/idl/bench.thrift");

// ------------------------------------------------------------- payloads

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
fn payloads() -> Vec<(&'static str, &'static str, Value)> {
    vec![
        ("small", "Simple", simple(1)),
        ("medium", "Nesting", nesting(1)),
        ("large", "Nesting2", nesting2()),
        ("list_i32", "Ints", ints()),
        ("map_string", "StringMap", string_map()),
    ]
}

// ------------------------------------------------------------ benchmarks

fn codec(c: &mut Criterion) {
    let layouts: Arc<Layouts> = Layouts::new(Schema::parse_str("bench.thrift", IDL).expect("bench IDL loads"));
    let jit = Jit::new(layouts.clone()).expect("a JIT on this machine");
    for (name, ty_name, value) in payloads() {
        let ty: StructId = layouts.schema().struct_by_name(ty_name).expect("type exists");
        let message = Message::from_value(layouts.clone(), ty, &value).expect("payload fits its type");
        for protocol in [Protocol::Binary, Protocol::Compact] {
            let bytes = Bytes::from(interp::encode_to_vec(&message.root(), protocol).expect("encodes"));
            let options = DecodeOptions::default();
            let decoded = interp::decode(&layouts, ty, protocol, &bytes, &options).expect("decodes");
            assert_eq!(decoded, message, "{name} {protocol:?} round trip");
            eprintln!("payload {name} ({ty_name}), {}: {} bytes", protocol.name(), bytes.len());

            let mut group = c.benchmark_group(format!("interp/{name}"));
            group.throughput(Throughput::Bytes(bytes.len() as u64));
            let p = protocol.name();
            group.bench_function(format!("decode/{p}"), |b| {
                b.iter(|| interp::decode(&layouts, ty, protocol, black_box(&bytes), &options).expect("decodes"))
            });
            let mut out = Vec::with_capacity(bytes.len());
            group.bench_function(format!("encode/{p}"), |b| {
                b.iter(|| {
                    out.clear();
                    interp::encode(&black_box(&decoded).root(), protocol, &mut out).expect("encodes");
                    out.len()
                })
            });
            group.bench_function(format!("encoded_size/{p}"), |b| {
                b.iter(|| interp::encoded_size(&black_box(&decoded).root(), protocol).expect("sizes"))
            });
            group.bench_function(format!("skip/{p}"), |b| {
                b.iter(|| interp::skip_struct(protocol, black_box(&bytes), 64).expect("skips"))
            });
            group.finish();

            if !jit.ensure(ty).expect("compiles") {
                continue;
            }
            let mut group = c.benchmark_group(format!("jit/{name}"));
            group.throughput(Throughput::Bytes(bytes.len() as u64));
            group.bench_function(format!("decode/{p}"), |b| {
                b.iter(|| jit.decode(ty, protocol, black_box(&bytes), &options).expect("decodes"))
            });
            group.bench_function(format!("encode/{p}"), |b| {
                b.iter(|| {
                    out.clear();
                    jit.encode(&black_box(&decoded).root(), protocol, &mut out).expect("encodes");
                    out.len()
                })
            });
            group.finish();
        }
    }
    assert_eq!(jit.stats().decode_fallbacks + jit.stats().encode_fallbacks, 0, "the compiled code served every call");
    let mut group = c.benchmark_group("jit/compile");
    for ty_name in ["Wide20", "Simple", "Nesting"] {
        let ty = layouts.schema().struct_by_name(ty_name).expect("type exists");
        group.bench_function(ty_name, |b| {
            b.iter(|| {
                let jit = Jit::new(layouts.clone()).expect("a JIT");
                jit.ensure(ty).expect("compiles");
                jit.stats().code_bytes
            })
        });
    }
    group.finish();
}

/// Short runs by default (2 shared cores); the command line can override.
fn config() -> Criterion {
    Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3)).sample_size(30)
}

criterion_group! {
    name = benches;
    config = config();
    targets = codec
}
criterion_main!(benches);
