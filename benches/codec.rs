//! Codec benchmarks, engine × payload × operation, side by side in one run:
//! the interpreter's decode, encode, `encoded_size` and skip, and the JIT's
//! decode and encode, over the payloads of `corpus/payloads/` (types in
//! `corpus/idl/bench.thrift`, values generated deterministically by
//! `payloads/`, which the peer comparison in `benches/peers/codec/` shares), in
//! both protocols. Named `<engine>/<payload>/<op>/<protocol>`, with
//! throughput in bytes of the encoding, so criterion reports MB/s beside
//! ns/op. `jit/compile/<type>/<routines>` times compiling one type from
//! scratch (a fresh JIT each iteration, so module creation is included): its
//! Binary decoder, its Binary encoder, both, or both in both protocols.
//! `kitex/<payload>/decode/binary/<engine>` and `sparse/…` decode the small
//! and medium payloads written in Kitex's field order, and with every other
//! field of every struct missing: the two ways a peer leaves the compiled
//! decoders' expected path.
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
use thriftjit::layout::{Layouts, ValueKind};
use thriftjit::schema::{Schema, StructId};
use thriftjit::value::{Message, Value};
use thriftjit::wire::Protocol;

mod payloads;

use payloads::{IDL, payloads};

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
            assert!(jit.ensure_sizer_for(ty, protocol).expect("compiles"));
            group.bench_function(format!("encoded_size/{p}"), |b| {
                b.iter(|| jit.encoded_size(&black_box(&decoded).root(), protocol).expect("sizes"))
            });
            group.finish();
        }
    }
    // Kitex's generated code writes a struct's fixed-size fields first, then the
    // others (each group by id), at every level: the JIT's expected path is the
    // declaration order, so these measure what leaving it costs.
    let mut group = c.benchmark_group("kitex");
    for (name, ty_name, value) in payloads().into_iter().filter(|(n, ..)| ["small", "medium"].contains(n)) {
        let ty = layouts.schema().struct_by_name(ty_name).expect("type exists");
        let mut bytes = Vec::new();
        kitex_struct(&layouts, ty, &value, &mut bytes);
        let want = Message::from_value(layouts.clone(), ty, &value).expect("payload fits its type");
        decode_both(&mut group, name, &jit, ty, Bytes::from(bytes), &want);
    }
    group.finish();
    // Optional fields left out: every other field of every struct is missing
    // (declaration order), so the decoders' runs miss and the dispatch helper
    // reads what they would have.
    let mut group = c.benchmark_group("sparse");
    for (name, ty_name, mut value) in payloads().into_iter().filter(|(n, ..)| ["small", "medium"].contains(n)) {
        let ty = layouts.schema().struct_by_name(ty_name).expect("type exists");
        thin(&mut value);
        let want = Message::from_value(layouts.clone(), ty, &value).expect("payload fits its type");
        let bytes = Bytes::from(interp::encode_to_vec(&want.root(), Protocol::Binary).expect("encodes"));
        decode_both(&mut group, name, &jit, ty, bytes, &want);
    }
    group.finish();
    assert_eq!(jit.stats().decode_fallbacks + jit.stats().encode_fallbacks, 0, "the compiled code served every call");
    // A new JIT each time: `decoder` and `encoder` are what a first decode and a first
    // encode pay (the codec compiles one protocol and one direction at a time),
    // `binary` both routines, `both` both routines in both protocols (ahead of time).
    let mut group = c.benchmark_group("jit/compile");
    type Compile = fn(&Jit, StructId) -> Result<bool, thriftjit::jit::JitError>;
    let ways: [(&str, Compile); 4] = [
        ("decoder", |j, t| j.ensure_decoder_for(t, Protocol::Binary)),
        ("encoder", |j, t| j.ensure_encoder_for(t, Protocol::Binary)),
        ("binary", |j, t| j.ensure_for(t, Protocol::Binary)),
        ("both", |j, t| j.ensure(t)),
    ];
    for ty_name in ["Wide20", "Simple", "Nesting"] {
        let ty = layouts.schema().struct_by_name(ty_name).expect("type exists");
        for (way, compile) in ways {
            group.bench_function(format!("{ty_name}/{way}"), |b| {
                b.iter(|| {
                    let jit = Jit::new(layouts.clone()).expect("a JIT");
                    assert!(compile(&jit, ty).expect("compiles"));
                    jit.stats().code_bytes
                })
            });
        }
    }
    group.finish();
}

/// `<name>/decode/binary/{interp,jit}` of `bytes`, which both engines decode to `want`.
fn decode_both(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    jit: &Jit,
    ty: StructId,
    bytes: Bytes,
    want: &Message,
) {
    let layouts = jit.layouts();
    let options = DecodeOptions::default();
    assert_eq!(&interp::decode(layouts, ty, Protocol::Binary, &bytes, &options).expect("decodes"), want);
    assert!(jit.ensure(ty).expect("compiles"));
    assert_eq!(&jit.decode(ty, Protocol::Binary, &bytes, &options).expect("decodes").0, want);
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function(format!("{name}/decode/binary/interp"), |b| {
        b.iter(|| interp::decode(layouts, ty, Protocol::Binary, black_box(&bytes), &options).expect("decodes"))
    });
    group.bench_function(format!("{name}/decode/binary/jit"), |b| {
        b.iter(|| jit.decode(ty, Protocol::Binary, black_box(&bytes), &options).expect("decodes"))
    });
}

/// Drops every other field (the 2nd, 4th, …) of every struct in `value`.
fn thin(value: &mut Value) {
    match value {
        Value::Struct(fields) => {
            let mut keep = false;
            fields.retain(|_| {
                keep = !keep;
                keep
            });
            fields.iter_mut().for_each(|(_, v)| thin(v));
        }
        Value::List(items) | Value::Set(items) => items.iter_mut().for_each(thin),
        Value::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
            thin(k);
            thin(v)
        }),
        _ => {}
    }
}

/// `value`, a struct of type `ty`, in the Binary protocol in Kitex's field
/// order: fixed-size fields first, then the others, each group by id, in
/// every struct.
fn kitex_struct(layouts: &Layouts, ty: StructId, value: &Value, out: &mut Vec<u8>) {
    let Value::Struct(fields) = value else { panic!("a struct value") };
    let layout = layouts.get(ty);
    let mut fields: Vec<_> = fields.iter().collect();
    let kind = |id: i16| &layout.fields.iter().find(|f| f.id == id).expect("a field of the type").kind;
    fields.sort_by_key(|(id, _)| (!kind(*id).is_fixed_size(), *id));
    for (id, v) in fields {
        let k = kind(*id);
        out.push(k.ttype());
        out.extend_from_slice(&id.to_be_bytes());
        kitex_value(layouts, k, v, out);
    }
    out.push(0);
}

fn kitex_value(layouts: &Layouts, kind: &ValueKind, value: &Value, out: &mut Vec<u8>) {
    let len = |n: usize| i32::try_from(n).expect("fits").to_be_bytes();
    match (kind, value) {
        (_, Value::Bool(b)) => out.push(u8::from(*b)),
        (_, Value::I8(v)) => out.push(*v as u8),
        (_, Value::I16(v)) => out.extend_from_slice(&v.to_be_bytes()),
        (_, Value::I32(v) | Value::Enum(v)) => out.extend_from_slice(&v.to_be_bytes()),
        (_, Value::I64(v)) => out.extend_from_slice(&v.to_be_bytes()),
        (_, Value::Double(v)) => out.extend_from_slice(&v.to_bits().to_be_bytes()),
        (_, Value::String(s)) => {
            out.extend_from_slice(&len(s.len()));
            out.extend_from_slice(s.as_bytes());
        }
        (_, Value::Binary(b)) => {
            out.extend_from_slice(&len(b.len()));
            out.extend_from_slice(b);
        }
        (_, Value::Uuid(u)) => out.extend_from_slice(u),
        (ValueKind::Struct(id), v) => kitex_struct(layouts, *id, v, out),
        (ValueKind::List(e) | ValueKind::Set(e), Value::List(items) | Value::Set(items)) => {
            out.push(e.ttype());
            out.extend_from_slice(&len(items.len()));
            for item in items {
                kitex_value(layouts, e, item, out);
            }
        }
        (ValueKind::Map(k, v), Value::Map(entries)) => {
            out.extend_from_slice(&[k.ttype(), v.ttype()]);
            out.extend_from_slice(&len(entries.len()));
            for (key, val) in entries {
                kitex_value(layouts, k, key, out);
                kitex_value(layouts, v, val, out);
            }
        }
        _ => panic!("a value of its kind"),
    }
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
