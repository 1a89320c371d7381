//! The JIT against the interpreter on every corpus type, in both protocols:
//! valid encodings of generated values, the same bytes mutated (bit flips,
//! cuts, insertions, deletions), and random bytes. Both engines must agree
//! on success or failure, consumed length, decoded message and re-encoded
//! bytes; on valid encodings the compiled code itself must succeed (no
//! fallback to the interpreter). And every input, cut everywhere, placed
//! right before a page that cannot be read: compiled code that reads past
//! its input crashes the test.

use std::sync::Arc;

use bytes::Bytes;
use proptest::prelude::*;
use thriftjit::engine::{Codec, CodecConfig};
use thriftjit::interp::{self, DecodeOptions};
use thriftjit::jit::{self, ExpectedOrder, Jit, JitOptions};
use thriftjit::layout::{Layouts, ValueKind};
use thriftjit::schema::{Schema, StructId};
use thriftjit::value::{Message, Value};
use thriftjit::wire::Protocol;

/// A corpus of schemas: ours, and ThriftTest when the shared corpus is
/// present; compiled once for all tests of this binary.
fn corpus() -> &'static [(Arc<Layouts>, Arc<Jit>)] {
    static CORPUS: std::sync::OnceLock<Vec<(Arc<Layouts>, Arc<Jit>)>> = std::sync::OnceLock::new();
    CORPUS.get_or_init(load_corpus)
}

fn load_corpus() -> Vec<(Arc<Layouts>, Arc<Jit>)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<_> = ["everything.thrift", "rpc.thrift", "bench.thrift", "containers.thrift"]
        .iter()
        .map(|f| root.join("corpus/idl").join(f))
        .collect();
    let tt = root.join("../shared/idl/apache-thrift/test/v0.16/ThriftTest.thrift");
    if tt.exists() {
        files.push(tt);
    }
    // Each schema twice: decoders expecting the declaration order, and
    // Binary decoders expecting Kitex's.
    files
        .into_iter()
        .flat_map(|f| {
            let layouts = Layouts::new(Schema::load(&f).unwrap_or_else(|e| panic!("{e}")));
            jits(&layouts).into_iter().map(move |jit| {
                jit.compile_all().unwrap();
                (layouts.clone(), jit)
            })
        })
        .collect()
}

/// A JIT whose decoders expect the declaration order, and one whose Binary
/// decoders expect Kitex's.
fn jits(layouts: &Arc<Layouts>) -> [Arc<Jit>; 2] {
    let kitex = JitOptions { expected_order: ExpectedOrder::Kitex };
    [Jit::new(layouts.clone()).unwrap(), Jit::with_options(layouts.clone(), kitex).unwrap()]
}

/// A deterministic value of `kind` from a seed, nested at most `depth` deep.
fn value(layouts: &Layouts, kind: &ValueKind, seed: &mut u64, depth: u32) -> Value {
    let mut next = || {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        *seed
    };
    let r = next();
    match kind {
        ValueKind::Bool => Value::Bool(r & 1 == 1),
        ValueKind::I8 => Value::I8(r as i8),
        ValueKind::I16 => Value::I16(r as i16),
        ValueKind::I32 => Value::I32(r as i32),
        ValueKind::Enum(_) => Value::Enum((r % 4) as i32),
        ValueKind::I64 => Value::I64(r as i64),
        ValueKind::Double => Value::Double(f64::from_bits(r)),
        ValueKind::String => Value::String(format!("s{}", r % 1000)),
        ValueKind::Binary => Value::Binary((0..(r % 6)).map(|i| i as u8).collect()),
        ValueKind::Uuid => Value::Uuid(r.to_le_bytes().repeat(2).try_into().unwrap()),
        ValueKind::Struct(id) => strukt(layouts, *id, seed, depth),
        ValueKind::List(e) | ValueKind::Set(e) => {
            let n = if depth == 0 { 0 } else { r % 4 };
            let items = (0..n).map(|_| value(layouts, e, seed, depth - 1)).collect();
            if matches!(kind, ValueKind::Set(_)) { Value::Set(items) } else { Value::List(items) }
        }
        ValueKind::Map(k, v) => {
            let n = if depth == 0 { 0 } else { r % 3 };
            Value::Map(
                (0..n).map(|_| (value(layouts, k, seed, depth - 1), value(layouts, v, seed, depth - 1))).collect(),
            )
        }
    }
}

fn strukt(layouts: &Layouts, id: StructId, seed: &mut u64, depth: u32) -> Value {
    let layout = layouts.get(id);
    let mut fields = Vec::new();
    for f in &layout.fields {
        *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let required = f.requiredness == thriftjit::schema::Requiredness::Required;
        let recursive = matches!(f.kind, ValueKind::Struct(_)) && depth == 0;
        if (required || *seed >> 62 != 0) && !recursive {
            fields.push((f.id, value(layouts, &f.kind, seed, depth.saturating_sub(1))));
        }
        if layout.is_union() && !fields.is_empty() {
            break;
        }
    }
    Value::Struct(fields)
}

const PROTOCOLS: [Protocol; 2] = [Protocol::Binary, Protocol::Compact];

/// Compares the engines on `bytes`; returns whether they decoded.
fn check(jit: &Jit, id: StructId, protocol: Protocol, bytes: &[u8]) -> bool {
    let input = Bytes::copy_from_slice(bytes);
    match jit.compare_with_interpreter(id, protocol, &input, &DecodeOptions::default()) {
        Ok(decoded) => decoded,
        Err(e) => panic!("{} ({}): engines disagree on {bytes:02x?}: {e}", jit.layouts().get(id).name, protocol.name()),
    }
}

/// Valid encodings (in `protocol`) of generated values for every compiled corpus type.
fn samples(layouts: &Arc<Layouts>, protocol: Protocol, seed: u64) -> Vec<(StructId, Vec<u8>)> {
    let mut out = Vec::new();
    for i in 0..layouts.all().len() {
        let id = StructId(i as u32);
        if !jit::accepts(layouts.get(id)) {
            continue;
        }
        let mut s = seed ^ (i as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let v = strukt(layouts, id, &mut s, 3);
        let Ok(m) = Message::from_value(layouts.clone(), id, &v) else { continue };
        if let Ok(bytes) = interp::encode_to_vec(&m.root(), protocol) {
            out.push((id, bytes));
        }
    }
    out
}

#[test]
fn engines_agree_on_valid_encodings_and_every_truncation() {
    for (layouts, jit) in corpus() {
        for protocol in PROTOCOLS {
            for seed in 1..6 {
                for (id, bytes) in samples(layouts, protocol, seed) {
                    assert!(check(jit, id, protocol, &bytes), "{}: a valid encoding decodes", layouts.get(id).name);
                    for cut in 0..bytes.len() {
                        check(jit, id, protocol, &bytes[..cut]);
                    }
                }
            }
        }
        let s = jit.stats();
        assert!(s.types_compiled > 0);
    }
}

#[test]
fn compiled_code_alone_serves_valid_encodings() {
    for (layouts, _) in corpus() {
        // A JIT of its own: other tests of this binary run in parallel and
        // may fall back on the shared one.
        let jit = Jit::new(layouts.clone()).unwrap();
        jit.compile_all().unwrap();
        for protocol in PROTOCOLS {
            for seed in 1..6 {
                for (id, bytes) in samples(layouts, protocol, seed) {
                    let input = Bytes::from(bytes.clone());
                    let (m, n) = jit.decode(id, protocol, &input, &DecodeOptions::default()).unwrap();
                    assert_eq!(n, bytes.len());
                    let mut out = Vec::new();
                    jit.encode(&m.root(), protocol, &mut out).unwrap();
                    assert_eq!(out, bytes, "{} ({}): re-encoded", layouts.get(id).name, protocol.name());
                }
            }
        }
        let s = jit.stats();
        assert_eq!((s.decode_fallbacks, s.encode_fallbacks), (0, 0), "the compiled code itself succeeded");
    }
}

/// 64 cases by default (each runs every corpus type in both protocols);
/// `PROPTEST_CASES` asks for more.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(64);
    ProptestConfig { cases, ..ProptestConfig::default() }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn engines_agree_on_mutated_bytes(seed in 1u64.., edits in prop::collection::vec((any::<u16>(), any::<u8>(), 0u8..4), 1..8)) {
        for (layouts, jit) in corpus() {
            for protocol in PROTOCOLS {
                for (id, mut bytes) in samples(layouts, protocol, seed) {
                    for &(at, b, op) in &edits {
                        let at = if bytes.is_empty() { 0 } else { usize::from(at) % bytes.len() };
                        match op {
                            0 if !bytes.is_empty() => bytes[at] ^= b | 1,
                            1 if !bytes.is_empty() => bytes[at] = b,
                            2 => bytes.insert(at, b),
                            _ if !bytes.is_empty() => { bytes.remove(at); }
                            _ => {}
                        }
                    }
                    check(jit, id, protocol, &bytes);
                }
            }
        }
    }

    #[test]
    fn engines_agree_on_random_bytes(bytes in prop::collection::vec(any::<u8>(), 0..256), pick in any::<u16>()) {
        for (layouts, jit) in corpus() {
            let id = StructId(u32::from(pick) % layouts.all().len() as u32);
            if jit::accepts(layouts.get(id)) {
                for protocol in PROTOCOLS {
                    check(jit, id, protocol, &bytes);
                }
            }
        }
    }
}

/// Lists and maps of every kind the JIT reads inline (`ListHolder`,
/// `MapHolder`).
const CONTAINERS: &str = include_str!("../corpus/idl/containers.thrift");

/// A `Scalars` whose lists have `n` elements each, cycling through the
/// values at the edges of every encoding (varint lengths, signs, NaN).
fn scalars(n: usize, seed: u64) -> Value {
    const I64S: [i64; 10] = [0, -1, 1, 63, -64, 64, 8191, i64::MIN, i64::MAX, -(1 << 35)];
    const DOUBLES: [f64; 6] = [0.0, -0.0, 1.5, f64::INFINITY, f64::MIN_POSITIVE / 4.0, f64::NAN];
    let pick = |i: usize| (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15).wrapping_add(seed) as usize;
    let list = |f: &dyn Fn(usize) -> Value| Value::List((0..n).map(f).collect());
    Value::Struct(vec![
        (1, list(&|i| Value::Bool(pick(i) % 3 == 0))),
        (2, list(&|i| Value::I8(pick(i) as i8))),
        (3, list(&|i| Value::I16(I64S[pick(i) % I64S.len()] as i16))),
        (4, list(&|i| Value::I32(I64S[pick(i) % I64S.len()] as i32))),
        (5, Value::Set((0..n).map(|i| Value::I64(I64S[pick(i) % I64S.len()] ^ i as i64)).collect())),
        (6, list(&|i| Value::Double(DOUBLES[pick(i) % DOUBLES.len()]))),
        (7, list(&|i| Value::Enum((pick(i) % 2) as i32))),
    ])
}

#[test]
fn bulk_scalar_lists_agree_on_valid_truncated_and_mutated_bytes() {
    let layouts = Layouts::new(Schema::parse_str("containers.thrift", CONTAINERS).unwrap());
    for protocol in PROTOCOLS {
        for (sizes, cuts) in [(&[0usize, 1, 14, 15][..], true), (&[40, 3], true), (&[1000], false)] {
            let items = sizes.iter().enumerate().map(|(k, &n)| scalars(n, k as u64)).collect();
            let tail = Value::List((0..sizes[0]).map(|i| Value::I32(i as i32 * -7919)).collect());
            let value = Value::Struct(vec![(1, Value::List(items)), (2, tail)]);
            agree_everywhere(&layouts, "ListHolder", &value, protocol, cuts, &format!("{sizes:?}"));
        }
    }
}

/// A `Maps` whose maps have `n` entries each, with values at the edges of
/// every encoding.
fn maps(n: usize, seed: u64) -> Value {
    const I64S: [i64; 10] = [0, -1, 1, 63, -64, 64, 8191, i64::MIN, i64::MAX, -(1 << 35)];
    const DOUBLES: [f64; 6] = [0.0, -0.0, 1.5, f64::INFINITY, f64::MIN_POSITIVE / 4.0, f64::NAN];
    let pick = |i: usize| (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15).wrapping_add(seed) as usize;
    let int = |i: usize| I64S[pick(i) % I64S.len()];
    let text = |i: usize| Value::String("ü".repeat(pick(i) % 70));
    let bin = |i: usize| Value::Binary((0..pick(i) % 130).map(|b| b as u8).collect());
    let leaf = |i: usize| {
        let mut fields = vec![(1, Value::I32(int(i) as i32))];
        if pick(i) % 2 == 0 {
            fields.push((2, text(i + 1)));
        }
        Value::Struct(fields)
    };
    let map = |f: &dyn Fn(usize) -> (Value, Value)| Value::Map((0..n).map(f).collect());
    Value::Struct(vec![
        (1, map(&|i| (Value::Bool(pick(i) % 3 == 0), Value::I8(pick(i) as i8)))),
        (2, map(&|i| (Value::I16(int(i) as i16), Value::Double(DOUBLES[pick(i) % DOUBLES.len()])))),
        (3, map(&|i| (Value::I32(int(i) as i32), Value::Bool(pick(i) % 2 == 0)))),
        (4, map(&|i| (Value::I64(int(i) ^ i as i64), Value::Enum((pick(i) % 2) as i32)))),
        (5, map(&|i| (Value::Enum((pick(i) % 2) as i32), Value::I64(int(i))))),
        (6, map(&|i| (Value::Double(DOUBLES[pick(i) % DOUBLES.len()]), Value::I16(int(i) as i16)))),
        (7, map(&|i| (text(i), bin(i)))),
        (8, map(&|i| (bin(i), text(i)))),
        (9, map(&|i| (text(i), leaf(i)))),
        (10, map(&|i| (leaf(i), Value::I32(i as i32)))),
        (11, map(&|i| (leaf(i), leaf(i + 7)))),
        (12, map(&|i| (Value::I8(i as i8), text(i)))),
    ])
}

#[test]
fn maps_agree_on_valid_truncated_and_mutated_bytes() {
    let layouts = Layouts::new(Schema::parse_str("containers.thrift", CONTAINERS).unwrap());
    for protocol in PROTOCOLS {
        for (sizes, cuts) in [(&[0usize, 1, 14, 15][..], true), (&[3, 0], true), (&[200], false)] {
            let items = sizes.iter().enumerate().map(|(k, &n)| maps(n, k as u64)).collect();
            let by_id =
                Value::Map(sizes.iter().enumerate().map(|(k, &n)| (Value::I32(k as i32), maps(n / 2, 9))).collect());
            let value = Value::Struct(vec![(1, Value::List(items)), (2, by_id)]);
            agree_everywhere(&layouts, "MapHolder", &value, protocol, cuts, &format!("{sizes:?}"));
        }
    }
}

/// Encodes `value` (of struct `root`) in `protocol` and checks that the
/// compiled code alone decodes and re-encodes it exactly, and that the
/// engines agree on it, on its cuts (every one, or 64 random ones) and on
/// 300 mutations of it.
fn agree_everywhere(layouts: &Arc<Layouts>, root: &str, value: &Value, protocol: Protocol, cuts: bool, what: &str) {
    let jit = Jit::new(layouts.clone()).unwrap();
    let holder = layouts.schema().struct_by_name(root).unwrap();
    assert!(jit.ensure(holder).unwrap());
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let message = Message::from_value(layouts.clone(), holder, value).unwrap();
    let bytes = interp::encode_to_vec(&message.root(), protocol).unwrap();
    let input = Bytes::from(bytes.clone());
    let (decoded, n) = jit
        .decode_compiled(holder, protocol, &input, &DecodeOptions::default())
        .unwrap_or_else(|| panic!("{what} ({}): the compiled code decodes", protocol.name()));
    assert_eq!((n, &decoded), (bytes.len(), &message));
    let mut out = Vec::new();
    assert!(jit.encode_compiled(&decoded.root(), protocol, &mut out), "the compiled code encodes");
    assert_eq!(out, bytes, "{what} ({}): re-encoded", protocol.name());
    assert!(check(&jit, holder, protocol, &bytes));
    if cuts {
        for cut in 0..bytes.len() {
            check(&jit, holder, protocol, &bytes[..cut]);
        }
    } else {
        for _ in 0..64 {
            check(&jit, holder, protocol, &bytes[..next() as usize % bytes.len()]);
        }
    }
    for _ in 0..300 {
        let mut bytes = bytes.clone();
        for _ in 0..1 + next() % 3 {
            let at = next() as usize % bytes.len();
            match next() % 3 {
                0 => bytes[at] ^= 1 << (next() % 8),
                1 => bytes[at] = next() as u8,
                _ => {
                    bytes.remove(at);
                }
            }
        }
        check(&jit, holder, protocol, &bytes);
    }
}

/// The bytes of `fields` (each an id and a value of `id`'s struct) as one
/// struct in the given order: each field encoded alone, in Compact with a
/// long-form header (type byte and zigzag id), so that any order is valid.
fn in_order(layouts: &Arc<Layouts>, id: StructId, protocol: Protocol, fields: &[(i16, Value)]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    for field in fields {
        let m = Message::from_value(layouts.clone(), id, &Value::Struct(vec![field.clone()])).ok()?;
        let one = interp::encode_to_vec(&m.root(), protocol).ok()?;
        let body = &one[..one.len() - 1]; // without the stop byte
        if protocol == Protocol::Compact && body[0] >> 4 != 0 {
            out.push(body[0] & 0x0f);
            let mut z = ((i64::from(field.0) << 1) ^ (i64::from(field.0) >> 63)) as u64;
            while z >= 0x80 {
                out.push(z as u8 | 0x80);
                z >>= 7;
            }
            out.push(z as u8);
            out.extend_from_slice(&body[1..]);
        } else {
            out.extend_from_slice(body);
        }
    }
    out.push(0);
    Some(out)
}

/// Fields out of declaration order reach their values through the
/// decoder's `dispatch` rather than the expected-order fast path: reversed
/// fields (Compact headers in the long form), strings long enough for
/// two-byte lengths, integers of many varint lengths, and every truncation.
#[test]
fn engines_agree_on_fields_out_of_order() {
    let layouts = Layouts::new(Schema::parse_str("bench.thrift", include_str!("../corpus/idl/bench.thrift")).unwrap());
    let jit = Jit::new(layouts.clone()).unwrap();
    let mut seen = 0;
    for name in ["Wide20", "Simple"] {
        let id = layouts.schema().struct_by_name(name).unwrap();
        assert!(jit.ensure(id).unwrap());
        for seed in 1..4u64 {
            let mut s = seed;
            let Value::Struct(mut fields) = strukt(&layouts, id, &mut s, 1) else { unreachable!() };
            for (k, (_, v)) in fields.iter_mut().enumerate() {
                match v {
                    Value::String(t) => *t = "x".repeat(100 + 20 * k),
                    Value::Binary(b) => *b = vec![7; 127 + k],
                    Value::I64(x) => *x = (-1i64).wrapping_shl(k as u32 * 3),
                    Value::I32(x) => *x = (-1i32).wrapping_shl(k as u32 * 2),
                    _ => {}
                }
            }
            fields.reverse();
            for protocol in PROTOCOLS {
                let Some(bytes) = in_order(&layouts, id, protocol, &fields) else { continue };
                assert!(check(&jit, id, protocol, &bytes), "{name} ({}): reversed fields decode", protocol.name());
                for cut in 0..bytes.len() {
                    check(&jit, id, protocol, &bytes[..cut]);
                }
                seen += 1;
            }
        }
    }
    assert_eq!(seen, 12, "every case was encoded");
}

/// Kitex's generated encoders write a struct's fixed-size fields first (in
/// id order), then the others: a real peer whose order leaves the decoder's
/// expected path at every struct with a string or a container before a
/// scalar. Those orders, and sparse ones (every other field dropped), must
/// decode as the interpreter does, with structs and containers on both
/// sides of the reordering (`Nesting`, `Nesting2`, the corpus' maps).
#[test]
fn engines_agree_on_kitex_order_and_sparse_structs() {
    let layouts = Layouts::new(Schema::parse_str("bench.thrift", include_str!("../corpus/idl/bench.thrift")).unwrap());
    let fixed = |v: &Value| {
        matches!(
            v,
            Value::Bool(_)
                | Value::I8(_)
                | Value::I16(_)
                | Value::I32(_)
                | Value::I64(_)
                | Value::Double(_)
                | Value::Enum(_)
        )
    };
    let mut seen = 0;
    for (jit, name) in jits(&layouts).iter().flat_map(|j| ["Nesting", "Nesting2", "Wide20", "Simple"].map(|n| (j, n))) {
        let id = layouts.schema().struct_by_name(name).unwrap();
        assert!(jit.ensure(id).unwrap());
        for seed in 1..4u64 {
            let mut s = seed;
            let Value::Struct(fields) = strukt(&layouts, id, &mut s, 2) else { unreachable!() };
            let mut kitex = fields.clone();
            kitex.sort_by_key(|(_, v)| !fixed(v));
            let sparse: Vec<_> = fields.iter().skip(seed as usize % 2).step_by(2).cloned().collect();
            let mut sparse_kitex = sparse.clone();
            sparse_kitex.sort_by_key(|(_, v)| !fixed(v));
            for order in [&kitex, &sparse, &sparse_kitex] {
                for protocol in PROTOCOLS {
                    let Some(bytes) = in_order(&layouts, id, protocol, order) else { continue };
                    assert!(check(jit, id, protocol, &bytes), "{name} ({}): decodes", protocol.name());
                    for cut in 0..bytes.len() {
                        check(jit, id, protocol, &bytes[..cut]);
                    }
                    seen += 1;
                }
            }
        }
    }
    assert!(seen >= 120, "most cases were encoded ({seen})");
}

/// An adaptive JIT (the default) compiles a type's Binary decoder again for
/// Kitex's order once its fields keep arriving in that order (`Nesting`,
/// whose first field is a string, and `Simple`, whose Kitex order starts
/// as its declaration order), and decodes as the interpreter does before
/// and after the switch, in either order and cut short anywhere. Its
/// Compact decoders are not switched, and declaration-order structs with
/// fields missing never switch a decoder.
#[test]
fn binary_decoders_switch_to_kitex_order_when_structs_arrive_so() {
    let layouts = Layouts::new(Schema::parse_str("bench.thrift", include_str!("../corpus/idl/bench.thrift")).unwrap());
    let fixed = |v: &Value| {
        !matches!(v, Value::String(_) | Value::Binary(_) | Value::List(_) | Value::Map(_) | Value::Struct(_))
    };
    let (b, c) = (Protocol::Binary, Protocol::Compact);
    for name in ["Nesting", "Simple"] {
        let jit = Jit::new(layouts.clone()).unwrap();
        let id = layouts.schema().struct_by_name(name).unwrap();
        assert!(jit.ensure(id).unwrap());
        let mut s = 7;
        let fields: Vec<_> =
            layouts.get(id).fields.iter().map(|f| (f.id, value(&layouts, &f.kind, &mut s, 1))).collect();
        let mut kitex = fields.clone();
        kitex.sort_by_key(|(_, v)| !fixed(v));
        let declared = in_order(&layouts, id, b, &fields).unwrap();
        let kitex_binary = in_order(&layouts, id, b, &kitex).unwrap();
        let kitex_compact = in_order(&layouts, id, c, &kitex).unwrap();
        // Declaration order with every other field missing: never a switch.
        for skip in 0..2 {
            let sparse: Vec<_> = fields.iter().skip(skip).step_by(2).cloned().collect();
            let sparse = in_order(&layouts, id, b, &sparse).unwrap();
            for _ in 0..jit::KITEX_SIGHTINGS * 2 {
                assert!(check(&jit, id, b, &sparse));
            }
        }
        for _ in 0..jit::KITEX_SIGHTINGS - 1 {
            assert!(check(&jit, id, b, &kitex_binary));
            assert!(check(&jit, id, c, &kitex_compact));
        }
        assert_eq!(jit.stats().reorders, 0, "{name}: not before {} structs", jit::KITEX_SIGHTINGS);
        assert!(check(&jit, id, b, &kitex_binary));
        assert_eq!(jit.stats().reorders, 1, "{name}: its Binary decoder, once");
        for _ in 0..jit::KITEX_SIGHTINGS * 2 {
            assert!(check(&jit, id, b, &declared));
            assert!(check(&jit, id, c, &kitex_compact));
        }
        assert_eq!(jit.stats().reorders, 1, "{name}: not switched back, and Compact never");
        for bytes in [&kitex_binary, &declared] {
            assert!(check(&jit, id, b, bytes));
            for cut in 0..bytes.len() {
                check(&jit, id, b, &bytes[..cut]);
            }
        }
    }
}

/// A codec's configuration reaches its JIT: with the declaration order
/// fixed, Kitex-order structs never switch a decoder; adaptive (the
/// default), they do; with Kitex's order fixed, decoders start in it.
#[test]
fn a_codec_passes_its_field_order_to_its_jit() {
    let layouts = Layouts::new(Schema::parse_str("bench.thrift", include_str!("../corpus/idl/bench.thrift")).unwrap());
    let id = layouts.schema().struct_by_name("Simple").unwrap();
    let mut s = 11;
    let mut fields: Vec<_> =
        layouts.get(id).fields.iter().map(|f| (f.id, value(&layouts, &f.kind, &mut s, 1))).collect();
    fields.sort_by_key(|(_, v)| matches!(v, Value::String(_) | Value::Binary(_)));
    let kitex = Bytes::from(in_order(&layouts, id, Protocol::Binary, &fields).unwrap());
    for (order, reorders) in [(ExpectedOrder::Declared, 0), (ExpectedOrder::Adaptive, 1), (ExpectedOrder::Kitex, 0)] {
        let config = CodecConfig { jit: JitOptions { expected_order: order }, ..CodecConfig::default() };
        let codec = Codec::with_layouts(layouts.clone(), config).unwrap();
        let jit = codec.jit().expect("a JIT on this machine");
        assert_eq!(jit.options().expected_order, order);
        let want = interp::decode(&layouts, id, Protocol::Binary, &kitex, &DecodeOptions::default()).unwrap();
        for _ in 0..jit::KITEX_SIGHTINGS * 2 {
            assert_eq!(codec.decode(id, Protocol::Binary, &kitex).unwrap(), want);
        }
        assert_eq!(codec.stats().jit.reorders, reorders, "{order:?}");
        assert_eq!(codec.stats().interp_calls, 0, "{order:?}: compiled code served every decode");
    }
}

/// Structs wider than one run of the Binary decoder's expected path (its
/// fixed-size fields are checked in runs of at most 256 bytes): every split
/// of a run, and a run that ends at a string, a list or the stop byte, decode
/// as the interpreter does, in declaration order, in Kitex's, sparse, and
/// cut short at every byte, without reading past the input.
#[test]
fn engines_agree_on_structs_wider_than_a_run() {
    let mut idl = String::from("struct Wide {\n");
    let kinds = ["i64", "double", "i32", "bool", "i16", "i8"];
    for i in 1..=40 {
        idl.push_str(&format!("  {i}: {} f{i}\n", kinds[(i / 7) % kinds.len()]));
    }
    idl.push_str("  41: string s41\n  42: list<i64> l42\n");
    for i in 43..=80 {
        idl.push_str(&format!("  {i}: {} f{i}\n", kinds[i % kinds.len()]));
    }
    idl.push_str("}\nstruct Flat {\n");
    for i in 1..=60 {
        idl.push_str(&format!("  {i}: i64 f{i}\n"));
    }
    idl.push_str("}\n");
    let layouts = Layouts::new(Schema::parse_str("wide.thrift", &idl).unwrap());
    let fixed = |v: &Value| !matches!(v, Value::String(_) | Value::Binary(_) | Value::List(_));
    let mut guarded = GuardedInput::new(1 << 16);
    let mut seen = 0;
    for (jit, name) in jits(&layouts).iter().flat_map(|j| ["Wide", "Flat"].map(|n| (j, n))) {
        let id = layouts.schema().struct_by_name(name).unwrap();
        assert!(jit.ensure(id).unwrap());
        for seed in 1..3u64 {
            let mut s = seed;
            // Every field, in declaration order: the expected path end to end.
            let fields: Vec<_> =
                layouts.get(id).fields.iter().map(|f| (f.id, value(&layouts, &f.kind, &mut s, 1))).collect();
            let mut kitex = fields.clone();
            kitex.sort_by_key(|(_, v)| !fixed(v));
            let sparse: Vec<_> = fields.iter().skip(seed as usize % 2).step_by(2).cloned().collect();
            for order in [&fields, &kitex, &sparse] {
                for protocol in PROTOCOLS {
                    let Some(bytes) = in_order(&layouts, id, protocol, order) else { continue };
                    assert!(check(jit, id, protocol, &bytes), "{name} ({}): decodes", protocol.name());
                    for cut in 0..bytes.len() {
                        check(jit, id, protocol, &bytes[..cut]);
                        // And nothing is read past the input's end.
                        let input = guarded.place(&bytes[..cut]);
                        assert!(jit.decode_compiled(id, protocol, &input, &DecodeOptions::default()).is_none());
                    }
                    seen += 1;
                }
            }
        }
    }
    assert!(seen >= 40, "most cases were encoded ({seen})");
}

/// Inputs placed so that their last byte is the last one before a page that
/// cannot be read: a compiled decoder that reads one byte past its input
/// (a bounds check missing on some path, even one that ends in an error
/// anyway) crashes the test instead of passing unnoticed.
struct GuardedInput {
    /// Start of the readable pages; the guard page follows them.
    base: *mut u8,
    room: usize,
}

impl GuardedInput {
    fn new(room: usize) -> GuardedInput {
        let page = region::page::size();
        let room = room.next_multiple_of(page);
        let mut pages = region::alloc(room + page, region::Protection::READ_WRITE).expect("pages");
        let base = pages.as_mut_ptr::<u8>();
        // SAFETY: the last page of the allocation just made; nothing else uses it.
        unsafe { region::protect(base.add(room), page, region::Protection::NONE) }.expect("guard page");
        // The pages live as long as the test process: `Bytes` below are `'static`.
        std::mem::forget(pages);
        GuardedInput { base, room }
    }

    /// `bytes`, ending right before the guard page. Each call reuses the same
    /// pages: the caller drops whatever was decoded from the previous input first.
    fn place(&mut self, bytes: &[u8]) -> Bytes {
        assert!(bytes.len() <= self.room);
        // SAFETY: `room` readable and writable bytes start at `base` and are never
        // freed; the copy ends at the guard page; no `Bytes` made from an earlier
        // call is alive (the caller's contract), so nothing reads what is overwritten.
        unsafe {
            let start = self.base.add(self.room - bytes.len());
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), start, bytes.len());
            Bytes::from_static(std::slice::from_raw_parts(start, bytes.len()))
        }
    }
}

#[test]
fn compiled_decoders_read_nothing_past_the_input() {
    let mut guarded = GuardedInput::new(1 << 20);
    let mut runs = 0;
    for (layouts, jit) in corpus() {
        for protocol in PROTOCOLS {
            for seed in 1..4 {
                for (id, bytes) in samples(layouts, protocol, seed) {
                    for cut in 0..=bytes.len() {
                        let input = guarded.place(&bytes[..cut]);
                        let decoded = jit.decode_compiled(id, protocol, &input, &DecodeOptions::default());
                        // A prefix lacks at least the root's stop byte.
                        assert_eq!(decoded.is_some(), cut == bytes.len(), "{} cut at {cut}", protocol.name());
                        drop(decoded);
                        runs += 1;
                    }
                }
            }
        }
    }
    // The containers of every inline kind, cut everywhere.
    let layouts = Layouts::new(Schema::parse_str("containers.thrift", CONTAINERS).unwrap());
    let jit = Jit::new(layouts.clone()).unwrap();
    let holder = layouts.schema().struct_by_name("MapHolder").unwrap();
    assert!(jit.ensure(holder).unwrap());
    for protocol in PROTOCOLS {
        let items = [0, 1, 15].iter().enumerate().map(|(k, &n)| maps(n, k as u64)).collect();
        let value = Value::Struct(vec![(1, Value::List(items)), (2, Value::Map(vec![]))]);
        let message = Message::from_value(layouts.clone(), holder, &value).unwrap();
        let bytes = interp::encode_to_vec(&message.root(), protocol).unwrap();
        for cut in 0..=bytes.len() {
            let input = guarded.place(&bytes[..cut]);
            let decoded = jit.decode_compiled(holder, protocol, &input, &DecodeOptions::default());
            assert_eq!(decoded.is_some(), cut == bytes.len(), "{} cut at {cut}", protocol.name());
            runs += 1;
        }
    }
    assert!(runs > 10_000, "{runs} inputs");
}
