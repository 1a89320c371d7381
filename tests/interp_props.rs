//! Property tests of the interpreter over random schemas and random values.
//!
//! proptest generates a schema (enums, structs and unions whose fields take
//! every type, uuid and nested containers included, maps keyed by structs
//! and lists, required/optional/default requiredness, IDL defaults, and
//! recursion through optional fields), renders it as IDL text and loads it.
//! Values for it come from a seeded generator (they depend on the schema, and
//! a seed keeps a failing case reproducible from what proptest prints).
//!
//! Checked, for both protocols: encode → decode gives an equal message and
//! value; `encoded_size` and `skip_struct` agree with the bytes; re-encoding
//! is byte-identical; an older reader that lacks some fields keeps them as
//! unknown fields and hands them on intact (also across protocols); decoding
//! random and mutated bytes never panics, and what decodes re-encodes and
//! decodes to itself.
//!
//! Memory: a decode's arena holds at most `factor × input + root` bytes,
//! with `factor = max(32, 8 + the largest block a struct of the schema needs
//! when all its fields are absent)`. Why that factor: every byte of input
//! yields at most one of these, and each is the most one byte can cost —
//! a Compact bool field of an unknown id (1 byte) is a 32-byte unknown-field
//! record; a Compact struct element of a list (its stop byte) is an 8-byte
//! pointer plus a block with its defaults; a string or container element is
//! a 16-byte slice; a map entry is at most two of those in 2 bytes. The heap
//! a decode touches at its peak (counted by a global allocator, errors
//! included) is bounded by a small multiple of the same.

mod support;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use bytes::Bytes;
use proptest::prelude::*;
use support::{CountingAlloc, peak_heap};
use thriftjit::interp::{self, DecodeOptions};
use thriftjit::layout::Layouts;
use thriftjit::schema::{Schema, StructId, format_uuid};
use thriftjit::value::{Message, Value};
use thriftjit::wire::Protocol;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

// ---------------------------------------------------------------- schemas

/// A field type; `Enum` and `Struct` indices are taken modulo the counts.
#[derive(Clone, Debug)]
enum Ty {
    Bool,
    I8,
    I16,
    I32,
    I64,
    Double,
    Str,
    Bin,
    Uuid,
    Enum(usize),
    Struct(usize),
    List(Box<Ty>),
    Set(Box<Ty>),
    Map(Box<Ty>, Box<Ty>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Req {
    Required,
    Optional,
    Default,
}

#[derive(Clone, Debug)]
struct FieldSpec {
    /// Gap to the previous explicit id; `None` leaves the id out (the
    /// reference compiler then numbers it -1, -2, …).
    gap: Option<i16>,
    ty: Ty,
    req: Req,
    /// Seed of an IDL default, when the field has one.
    default: Option<u64>,
}

#[derive(Clone, Debug)]
struct StructSpec {
    union: bool,
    fields: Vec<FieldSpec>,
}

#[derive(Clone, Debug)]
struct SchemaSpec {
    enums: Vec<Vec<i32>>,
    structs: Vec<StructSpec>,
}

fn ty_strategy() -> impl Strategy<Value = Ty> {
    let leaf = prop_oneof![
        Just(Ty::Bool),
        Just(Ty::I8),
        Just(Ty::I16),
        Just(Ty::I32),
        Just(Ty::I64),
        Just(Ty::Double),
        Just(Ty::Str),
        Just(Ty::Bin),
        Just(Ty::Uuid),
        (0..4usize).prop_map(Ty::Enum),
        (0..8usize).prop_map(Ty::Struct),
    ];
    leaf.prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|t| Ty::List(Box::new(t))),
            inner.clone().prop_map(|t| Ty::Set(Box::new(t))),
            (inner.clone(), inner).prop_map(|(k, v)| Ty::Map(Box::new(k), Box::new(v))),
        ]
    })
}

fn field_strategy() -> impl Strategy<Value = FieldSpec> {
    (
        prop_oneof![9 => (1i16..20).prop_map(Some), 1 => Just(None)],
        ty_strategy(),
        prop_oneof![Just(Req::Required), Just(Req::Optional), Just(Req::Default)],
        prop::option::weighted(0.3, any::<u64>()),
    )
        .prop_map(|(gap, ty, req, default)| FieldSpec { gap, ty, req, default })
}

fn schema_strategy() -> impl Strategy<Value = SchemaSpec> {
    (
        prop::collection::vec(prop::collection::btree_set(-5i32..100, 1..4), 1..3),
        prop::collection::vec(
            (prop::bool::weighted(0.25), prop::collection::vec(field_strategy(), 0..7))
                .prop_map(|(union, fields)| StructSpec { union, fields }),
            1..5,
        ),
    )
        .prop_map(|(enums, structs)| {
            let enums = enums.into_iter().map(|s| s.into_iter().collect()).collect();
            normalize(SchemaSpec { enums, structs })
        })
}

/// Resolves indices and makes the schema well-founded: a struct field that is
/// not optional refers only to an earlier struct (so required fields never
/// recurse); unions have plain fields and no defaults; defaults only where
/// the IDL can write one.
fn normalize(mut s: SchemaSpec) -> SchemaSpec {
    fn fix(t: &mut Ty, ne: usize, ns: usize) {
        match t {
            Ty::Enum(e) => *e %= ne,
            Ty::Struct(i) => *i %= ns,
            Ty::List(e) | Ty::Set(e) => fix(e, ne, ns),
            Ty::Map(k, v) => {
                fix(k, ne, ns);
                fix(v, ne, ns);
            }
            _ => {}
        }
    }
    let (ne, ns) = (s.enums.len(), s.structs.len());
    for (i, st) in s.structs.iter_mut().enumerate() {
        for f in &mut st.fields {
            fix(&mut f.ty, ne, ns);
            if st.union {
                f.req = Req::Default;
                f.default = None;
            }
            if let Ty::Struct(j) = f.ty
                && j >= i
                && !st.union
            {
                f.req = Req::Optional;
            }
            if !defaultable(&f.ty) {
                f.default = None;
            }
        }
    }
    s
}

fn scalar(t: &Ty) -> bool {
    matches!(
        t,
        Ty::Bool | Ty::I8 | Ty::I16 | Ty::I32 | Ty::I64 | Ty::Double | Ty::Str | Ty::Bin | Ty::Uuid | Ty::Enum(_)
    )
}

fn defaultable(t: &Ty) -> bool {
    match t {
        Ty::List(e) | Ty::Set(e) => scalar(e),
        Ty::Map(k, v) => scalar(k) && scalar(v),
        Ty::Struct(_) => false,
        _ => true,
    }
}

/// Field ids in declaration order.
fn field_ids(st: &StructSpec) -> Vec<i16> {
    let (mut next, mut auto) = (0i16, 0i16);
    st.fields
        .iter()
        .map(|f| match f.gap {
            Some(g) => {
                next += g;
                next
            }
            None => {
                auto -= 1;
                auto
            }
        })
        .collect()
}

/// Enums are named `Enum0`, not `E0`: the IDL grammar reads a constant
/// `E0.V1` as the double `E0` (1e0) followed by `.V1` (its `double_constant`
/// accepts a bare exponent and is tried before `const_ref`), which the
/// reference compiler's longest-match lexer does not.
fn type_name(t: &Ty) -> String {
    match t {
        Ty::Bool => "bool".into(),
        Ty::I8 => "i8".into(),
        Ty::I16 => "i16".into(),
        Ty::I32 => "i32".into(),
        Ty::I64 => "i64".into(),
        Ty::Double => "double".into(),
        Ty::Str => "string".into(),
        Ty::Bin => "binary".into(),
        Ty::Uuid => "uuid".into(),
        Ty::Enum(e) => format!("Enum{e}"),
        Ty::Struct(i) => format!("S{i}"),
        Ty::List(e) => format!("list<{}>", type_name(e)),
        Ty::Set(e) => format!("set<{}>", type_name(e)),
        Ty::Map(k, v) => format!("map<{}, {}>", type_name(k), type_name(v)),
    }
}

/// The IDL text; `keep` says which fields of which struct to write (an older
/// reader's view of the schema drops some).
fn render(s: &SchemaSpec, keep: impl Fn(usize, usize) -> bool) -> String {
    let mut out = String::new();
    for (e, values) in s.enums.iter().enumerate() {
        let members: Vec<String> = values.iter().enumerate().map(|(k, v)| format!("V{k} = {v}")).collect();
        writeln!(out, "enum Enum{e} {{ {} }}", members.join(", ")).unwrap();
    }
    for (i, st) in s.structs.iter().enumerate() {
        writeln!(out, "{} S{i} {{", if st.union { "union" } else { "struct" }).unwrap();
        for (k, (f, id)) in st.fields.iter().zip(field_ids(st)).enumerate() {
            if !keep(i, k) {
                continue;
            }
            let id = if f.gap.is_some() { format!("{id}: ") } else { String::new() };
            let req = match f.req {
                Req::Required => "required ",
                Req::Optional => "optional ",
                Req::Default => "",
            };
            let default = match f.default {
                Some(seed) => format!(" = {}", const_text(s, &f.ty, &default_value(s, &f.ty, seed))),
                None => String::new(),
            };
            writeln!(out, "  {id}{req}{} f{k}{default}", type_name(&f.ty)).unwrap();
        }
        writeln!(out, "}}").unwrap();
    }
    out
}

/// An IDL constant for `v` (only for [`defaultable`] types).
fn const_text(s: &SchemaSpec, t: &Ty, v: &Value) -> String {
    match (t, v) {
        (_, Value::Bool(b)) => b.to_string(),
        (_, Value::I8(x)) => x.to_string(),
        (_, Value::I16(x)) => x.to_string(),
        (_, Value::I32(x)) => x.to_string(),
        (_, Value::I64(x)) => x.to_string(),
        (_, Value::Double(d)) => format!("{d:?}"),
        (_, Value::String(x)) => format!("\"{x}\""),
        (_, Value::Binary(x)) => format!("\"{}\"", String::from_utf8(x.clone()).unwrap()),
        (_, Value::Uuid(u)) => format!("\"{}\"", format_uuid(u)),
        (Ty::Enum(e), Value::Enum(x)) => {
            let k = s.enums[*e].iter().position(|m| m == x).unwrap();
            format!("Enum{e}.V{k}")
        }
        (Ty::List(e) | Ty::Set(e), Value::List(items) | Value::Set(items)) => {
            let items: Vec<String> = items.iter().map(|x| const_text(s, e, x)).collect();
            format!("[{}]", items.join(", "))
        }
        (Ty::Map(k, vt), Value::Map(entries)) => {
            let entries: Vec<String> =
                entries.iter().map(|(a, b)| format!("{}: {}", const_text(s, k, a), const_text(s, vt, b))).collect();
            format!("{{{}}}", entries.join(", "))
        }
        other => panic!("no constant for {other:?}"),
    }
}

// ---------------------------------------------------------------- values

/// splitmix64: small, seedable, good enough to pick values.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, one_in: u64) -> bool {
        self.below(one_in) == 0
    }
    /// An integer that is often an edge case.
    fn int(&mut self) -> i64 {
        match self.below(6) {
            0 => 0,
            1 => -1,
            2 => i64::MIN,
            3 => i64::MAX,
            4 => self.below(300) as i64 - 150,
            _ => self.next() as i64,
        }
    }
}

/// A default: ASCII strings and finite doubles, which the IDL can spell.
fn default_value(s: &SchemaSpec, t: &Ty, seed: u64) -> Value {
    gen_value(s, t, 1, &mut Rng(seed), true)
}

/// A value of type `t`; `budget` bounds the nesting of containers and structs.
fn gen_value(s: &SchemaSpec, t: &Ty, budget: u32, rng: &mut Rng, for_idl: bool) -> Value {
    let len = |rng: &mut Rng| if budget == 0 { 0 } else { rng.below(4) as usize };
    match t {
        Ty::Bool => Value::Bool(rng.chance(2)),
        Ty::I8 => Value::I8(rng.int() as i8),
        Ty::I16 => Value::I16(rng.int() as i16),
        Ty::I32 => Value::I32(rng.int() as i32),
        Ty::I64 => Value::I64(rng.int()),
        Ty::Double => Value::Double(match (for_idl, rng.below(5)) {
            (true, _) => rng.int() as i32 as f64 / 4.0,
            (false, 0) => f64::NAN,
            (false, 1) => -0.0,
            (false, 2) => f64::INFINITY,
            _ => f64::from_bits(rng.next()),
        }),
        Ty::Str => {
            const ALPHABET: [&str; 10] = ["a", "z", "Q", "0", " ", "é", "世", "😀", "\0", "\""];
            let n = rng.below(12);
            let text: String = (0..n).map(|_| ALPHABET[rng.below(if for_idl { 5 } else { 10 }) as usize]).collect();
            Value::String(text)
        }
        Ty::Bin => {
            let n = rng.below(12);
            Value::Binary((0..n).map(|_| if for_idl { b'a' + rng.below(26) as u8 } else { rng.next() as u8 }).collect())
        }
        Ty::Uuid => Value::Uuid(std::array::from_fn(|_| rng.next() as u8)),
        Ty::Enum(e) => {
            let members = &s.enums[*e];
            if !for_idl && rng.chance(8) {
                // Thrift does not check enum values on the wire.
                Value::Enum(rng.int() as i32)
            } else {
                Value::Enum(members[rng.below(members.len() as u64) as usize])
            }
        }
        Ty::Struct(i) => gen_struct(s, *i, budget.saturating_sub(1), rng),
        Ty::List(e) => Value::List((0..len(rng)).map(|_| gen_value(s, e, budget - 1, rng, for_idl)).collect()),
        Ty::Set(e) => Value::Set((0..len(rng)).map(|_| gen_value(s, e, budget - 1, rng, for_idl)).collect()),
        Ty::Map(k, v) => Value::Map(
            (0..len(rng))
                .map(|_| (gen_value(s, k, budget - 1, rng, for_idl), gen_value(s, v, budget - 1, rng, for_idl)))
                .collect(),
        ),
    }
}

/// A struct value: every required field, some others; a union gets at most
/// one. Out of budget, fields that could recurse are left out.
fn gen_struct(s: &SchemaSpec, i: usize, budget: u32, rng: &mut Rng) -> Value {
    let st = &s.structs[i];
    let ids = field_ids(st);
    let may_recurse = |f: &FieldSpec| budget == 0 && matches!(f.ty, Ty::Struct(j) if j >= i);
    if st.union {
        let choices: Vec<usize> = (0..st.fields.len()).filter(|&k| !may_recurse(&st.fields[k])).collect();
        if choices.is_empty() || rng.chance(4) {
            return Value::Struct(vec![]);
        }
        let k = choices[rng.below(choices.len() as u64) as usize];
        return Value::Struct(vec![(ids[k], gen_value(s, &st.fields[k].ty, budget, rng, false))]);
    }
    let mut fields = Vec::new();
    for (f, id) in st.fields.iter().zip(ids) {
        let wanted = f.req == Req::Required || (!may_recurse(f) && rng.chance(2));
        if wanted {
            fields.push((id, gen_value(s, &f.ty, budget, rng, false)));
        }
    }
    Value::Struct(fields)
}

// ---------------------------------------------------------------- checks

const BOTH: [Protocol; 2] = [Protocol::Binary, Protocol::Compact];

fn other(p: Protocol) -> Protocol {
    match p {
        Protocol::Binary => Protocol::Compact,
        Protocol::Compact => Protocol::Binary,
    }
}

/// What the memory bound of the module docs allows for one schema.
struct Bound {
    factor: usize,
    root: BTreeMap<u32, usize>,
}

impl Bound {
    fn new(layouts: &Arc<Layouts>) -> Bound {
        let mut root = BTreeMap::new();
        let mut largest = 0;
        for id in 0..layouts.all().len() as u32 {
            let empty = Message::new(layouts.clone(), StructId(id)).arena_bytes();
            largest = largest.max(empty);
            root.insert(id, empty);
        }
        Bound { factor: 32.max(8 + largest), root }
    }

    fn arena(&self, ty: StructId, input: usize) -> usize {
        self.factor * input + self.root[&ty.0]
    }

    /// The heap at a decode's peak: the arena's chunks (the first sized from
    /// the input, later ones doubling, so at most twice what is used plus the
    /// first), the chunk list, and an error's path and message.
    fn heap(&self, ty: StructId, input: usize) -> usize {
        3 * self.arena(ty, input) + 2 * input + 8192
    }
}

fn options(copy_strings: bool) -> DecodeOptions {
    DecodeOptions { copy_strings, ..DecodeOptions::default() }
}

fn decode(l: &Arc<Layouts>, ty: StructId, p: Protocol, bytes: &[u8]) -> Message {
    interp::decode(l, ty, p, &Bytes::copy_from_slice(bytes), &options(false))
        .unwrap_or_else(|e| panic!("{p:?} decode of {bytes:02x?}: {e}"))
}

/// `sub` with, at any depth, structs that may have more fields (defaults) in `sup`.
fn fields_within(sub: &Value, sup: &Value) -> bool {
    let all = |a: &[Value], b: &[Value]| a.len() == b.len() && a.iter().zip(b).all(|(x, y)| fields_within(x, y));
    match (sub, sup) {
        (Value::Struct(a), Value::Struct(_)) => {
            a.iter().all(|(id, v)| sup.field(*id).is_some_and(|w| fields_within(v, w)))
        }
        (Value::List(a), Value::List(b)) | (Value::Set(a), Value::Set(b)) => all(a, b),
        (Value::Map(a), Value::Map(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|((k, v), (x, y))| fields_within(k, x) && fields_within(v, y))
        }
        (a, b) => a == b,
    }
}

fn check_roundtrip(spec: &SchemaSpec, idl: &str, seed: u64) -> Result<(), TestCaseError> {
    let layouts = Layouts::new(
        Schema::parse_str("props.thrift", idl)
            .map_err(|e| TestCaseError::fail(format!("generated IDL does not load: {e}\n{idl}")))?,
    );
    let bound = Bound::new(&layouts);
    // An older reader: drops about a third of the explicitly numbered fields.
    let older_idl = render(spec, |i, k| {
        spec.structs[i].fields[k].gap.is_none() || !(seed as usize).wrapping_add(i * 7 + k).is_multiple_of(3)
    });
    let older = Layouts::new(Schema::parse_str("older.thrift", &older_idl).expect("older IDL loads"));
    let mut rng = Rng(seed);
    for (i, st) in spec.structs.iter().enumerate() {
        let ty = layouts.schema().struct_by_name(&format!("S{i}")).expect("struct exists");
        let value = gen_struct(spec, i, 3, &mut rng);
        let m = Message::from_value(layouts.clone(), ty, &value)
            .map_err(|e| TestCaseError::fail(format!("build S{i} from {value:?}: {e}")))?;
        let full = m.to_value();
        prop_assert!(fields_within(&value, &full), "S{i}: {value:?} lost fields: {full:?}");
        // Defaults of absent fields are there (unions have none).
        for (f, id) in st.fields.iter().zip(field_ids(st)) {
            if let (Some(seed), false, None) = (f.default, f.req == Req::Optional, value.field(id)) {
                let want = default_value(spec, &f.ty, seed);
                prop_assert_eq!(full.field(id), Some(&want), "S{}.{} default", i, id);
            }
        }
        for p in BOTH {
            let bytes = interp::encode_to_vec(&m.root(), p).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(interp::encoded_size(&m.root(), p).unwrap(), bytes.len());
            prop_assert_eq!(interp::skip_struct(p, &bytes, 64).unwrap(), bytes.len());
            let d = decode(&layouts, ty, p, &bytes);
            prop_assert_eq!(&d, &m, "{:?} decode", p);
            prop_assert_eq!(d.to_value(), full.clone());
            prop_assert_eq!(interp::encode_to_vec(&d.root(), p).unwrap(), bytes.clone(), "{:?} re-encode", p);
            prop_assert_eq!(
                interp::encode_to_vec(&d.root(), other(p)).unwrap(),
                interp::encode_to_vec(&m.root(), other(p)).unwrap(),
                "{:?} transcode",
                p
            );
            prop_assert!(d.arena_bytes() <= bound.arena(ty, bytes.len()), "{} > bound", d.arena_bytes());
            let copied =
                interp::decode(&layouts, ty, p, &Bytes::copy_from_slice(&bytes), &options(true)).expect("decodes");
            prop_assert!(copied.input().is_none());
            prop_assert_eq!(&copied, &m);
            // The older reader keeps what it does not know and hands it on.
            let o = decode(&older, ty, p, &bytes);
            for q in BOTH {
                let handed_on = interp::encode_to_vec(&o.root(), q).unwrap();
                prop_assert_eq!(interp::encoded_size(&o.root(), q).unwrap(), handed_on.len());
                let back = decode(&layouts, ty, q, &handed_on);
                prop_assert_eq!(back.to_value(), full.clone(), "older reader {:?} → {:?}", p, q);
            }
        }
    }
    Ok(())
}

/// Decodes `bytes` as `ty` in `p`: must not panic, must stay within the heap
/// bound, and what decodes must re-encode and decode to itself.
fn check_arbitrary(l: &Arc<Layouts>, bound: &Bound, ty: StructId, p: Protocol, bytes: &[u8]) {
    let input = Bytes::copy_from_slice(bytes);
    let (res, peak) = peak_heap(|| interp::decode_prefix(l, ty, p, &input, &options(false)));
    assert!(peak <= bound.heap(ty, bytes.len()), "{p:?}: {peak} heap bytes for {} input bytes", bytes.len());
    let skipped = interp::skip_struct(p, bytes, 64);
    let Ok((m, consumed)) = res else { return };
    assert_eq!(skipped.ok(), Some(consumed), "{p:?}: skip and decode disagree on {bytes:02x?}");
    assert!(m.arena_bytes() <= bound.arena(ty, bytes.len()), "{} arena bytes for {}", m.arena_bytes(), bytes.len());
    for q in BOTH {
        let again = interp::encode_to_vec(&m.root(), q).expect("a decoded message encodes");
        assert_eq!(interp::encoded_size(&m.root(), q).unwrap(), again.len());
        let back = decode(l, ty, q, &again);
        if q == p {
            assert_eq!(back, m, "{p:?}: decode ∘ encode is the identity on decoded messages");
        } else {
            assert_eq!(back.to_value(), m.to_value(), "{p:?} → {q:?}");
        }
    }
}

fn mutate(bytes: &mut Vec<u8>, rng: &mut Rng) {
    for _ in 0..=rng.below(3) {
        let at = if bytes.is_empty() { 0 } else { rng.below(bytes.len() as u64) as usize };
        match rng.below(7) {
            0 if !bytes.is_empty() => bytes[at] ^= 1 << rng.below(8),
            1 => bytes.truncate(at),
            2 => bytes.insert(at, rng.next() as u8),
            3 if !bytes.is_empty() => {
                bytes.remove(at);
            }
            4 if !bytes.is_empty() => bytes[at] = [0x00, 0xff, 0x7f, 0x80][rng.below(4) as usize],
            5 => {
                // Duplicate a slice: repeated fields, nested headers.
                let end = (at + 1 + rng.below(8) as usize).min(bytes.len());
                let dup = bytes[at..end].to_vec();
                bytes.splice(at..at, dup);
            }
            _ if !bytes.is_empty() => bytes[at] = rng.next() as u8,
            _ => bytes.push(rng.next() as u8),
        }
    }
}

fn check_mutations(idl: &str, seed: u64) {
    let spec_layouts = Layouts::new(Schema::parse_str("props.thrift", idl).expect("IDL loads"));
    let bound = Bound::new(&spec_layouts);
    let mut rng = Rng(seed ^ 0x5eed);
    let types: Vec<StructId> = (0..spec_layouts.all().len() as u32).map(StructId).collect();
    for &ty in &types {
        let m = Message::new(spec_layouts.clone(), ty);
        // Start from a valid encoding where there is one (required fields may be unset).
        let seeds: Vec<Vec<u8>> = BOTH.iter().filter_map(|&p| interp::encode_to_vec(&m.root(), p).ok()).collect();
        for p in BOTH {
            for base in &seeds {
                for _ in 0..4 {
                    let mut bytes = base.clone();
                    mutate(&mut bytes, &mut rng);
                    check_arbitrary(&spec_layouts, &bound, ty, p, &bytes);
                }
            }
            let mut noise: Vec<u8> = (0..rng.below(48)).map(|_| rng.next() as u8).collect();
            check_arbitrary(&spec_layouts, &bound, ty, p, &noise);
            noise.push(0);
            check_arbitrary(&spec_layouts, &bound, ty, p, &noise);
        }
    }
}

/// `cases` by default, or `PROPTEST_CASES` when set (for longer runs by hand).
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(cases);
    ProptestConfig { cases, ..ProptestConfig::default() }
}

proptest! {
    #![proptest_config(config(48))]

    #[test]
    fn random_schemas_and_values_round_trip(spec in schema_strategy(), seed in any::<u64>()) {
        let idl = render(&spec, |_, _| true);
        check_roundtrip(&spec, &idl, seed)?;
    }

    #[test]
    fn random_and_mutated_bytes_never_panic(spec in schema_strategy(), seed in any::<u64>()) {
        let idl = render(&spec, |_, _| true);
        check_mutations(&idl, seed);
    }
}

/// Mutations of encodings of full values (the generated values are richer
/// than the default messages `check_mutations` starts from).
#[test]
fn mutated_encodings_of_rich_values() {
    let mut runner = proptest::test_runner::TestRunner::new(config(24));
    runner
        .run(&(schema_strategy(), any::<u64>()), |(spec, seed)| {
            let idl = render(&spec, |_, _| true);
            let layouts = Layouts::new(Schema::parse_str("props.thrift", &idl).expect("IDL loads"));
            let bound = Bound::new(&layouts);
            let mut rng = Rng(seed);
            for i in 0..spec.structs.len() {
                let ty = layouts.schema().struct_by_name(&format!("S{i}")).expect("struct exists");
                let value = gen_struct(&spec, i, 3, &mut rng);
                let m = Message::from_value(layouts.clone(), ty, &value).expect("builds");
                for p in BOTH {
                    let bytes = interp::encode_to_vec(&m.root(), p).expect("encodes");
                    for _ in 0..8 {
                        let mut mutated = bytes.clone();
                        mutate(&mut mutated, &mut rng);
                        check_arbitrary(&layouts, &bound, ty, p, &mutated);
                        check_arbitrary(&layouts, &bound, ty, other(p), &mutated);
                    }
                }
            }
            Ok(())
        })
        .unwrap();
}
