//! Property: random JSON in canonical form, generated from a schema, goes
//! JSON → Value → Message → Binary/Compact bytes → Message → JSON unchanged.

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::Engine;
use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, Union};
use serde_json::{Map, Number};
use thriftjit::json::{self, Options};
use thriftjit::schema::Requiredness;
use thriftjit::schema::{Schema, StructKind, Type, format_uuid};
use thriftjit::value::Message;
use thriftjit::wire::Protocol;

use super::*;

/// Levels of structs and containers generated below the root; recursive
/// types stop here (containers empty, optional struct fields absent).
const DEPTH: u32 = 3;
/// Most elements of a generated container.
const MAX_LEN: usize = 3;

/// A strategy for canonical JSON of `ty`: the form output produces.
fn arb(schema: &Arc<Schema>, ty: &Type, depth: u32) -> BoxedStrategy<J> {
    match ty {
        Type::Bool => any::<bool>().prop_map(J::Bool).boxed(),
        Type::I8 => any::<i8>().prop_map(J::from).boxed(),
        Type::I16 => any::<i16>().prop_map(J::from).boxed(),
        Type::I32 => any::<i32>().prop_map(J::from).boxed(),
        Type::I64 => any::<i64>().prop_map(J::from).boxed(),
        Type::Double => any::<f64>().prop_map(double).boxed(),
        Type::String => any::<String>().prop_map(J::String).boxed(),
        Type::Binary => proptest::collection::vec(any::<u8>(), 0..6)
            .prop_map(|b| J::String(base64::engine::general_purpose::STANDARD.encode(b)))
            .boxed(),
        Type::Uuid => any::<[u8; 16]>().prop_map(|u| J::String(format_uuid(&u))).boxed(),
        Type::Enum(e) => {
            let members: Vec<i32> = schema.enum_type(*e).values.iter().map(|(_, v)| *v).collect();
            prop_oneof![3 => proptest::sample::select(members), 1 => any::<i32>()].prop_map(J::from).boxed()
        }
        Type::Struct(id) => arb_struct(schema, *id, depth),
        // Containers at the bottom are empty (their element strategies,
        // of a recursive type, would never end).
        Type::List(_) | Type::Set(_) if depth == 0 => Just(J::Array(vec![])).boxed(),
        Type::Map(k, _) if depth == 0 => {
            Just(if is_object_key(k) { J::Object(Map::new()) } else { J::Array(vec![]) }).boxed()
        }
        Type::List(e) | Type::Set(e) => {
            proptest::collection::vec(arb(schema, e, depth - 1), 0..MAX_LEN + 1).prop_map(J::Array).boxed()
        }
        Type::Map(k, v) => arb_map(schema, k, v, depth),
    }
}

fn double(d: f64) -> J {
    match Number::from_f64(d) {
        Some(n) => J::Number(n),
        None if d.is_nan() => J::from("NaN"),
        None if d > 0.0 => J::from("Infinity"),
        None => J::from("-Infinity"),
    }
}

fn is_object_key(k: &Type) -> bool {
    matches!(k, Type::String | Type::I8 | Type::I16 | Type::I32 | Type::I64 | Type::Enum(_))
}

fn arb_map(schema: &Arc<Schema>, k: &Type, v: &Type, depth: u32) -> BoxedStrategy<J> {
    let len = 0..MAX_LEN + 1;
    let inner = depth - 1;
    let values = arb(schema, v, inner);
    match k {
        // Objects: keys are unique, so generate them as a map.
        _ if is_object_key(k) => {
            let keys = arb(schema, k, inner).prop_map(|key| match key {
                J::String(s) => s,
                other => other.to_string(),
            });
            proptest::collection::btree_map(keys, values, len)
                .prop_map(|m: BTreeMap<String, J>| J::Object(m.into_iter().collect()))
                .boxed()
        }
        _ => proptest::collection::vec((arb(schema, k, inner), values), len)
            .prop_map(|pairs| J::Array(pairs.into_iter().map(|(a, b)| J::Array(vec![a, b])).collect()))
            .boxed(),
    }
}

fn arb_struct(schema: &Arc<Schema>, id: thriftjit::schema::StructId, depth: u32) -> BoxedStrategy<J> {
    let st = schema.struct_type(id);
    let inner = depth.saturating_sub(1);
    let recursive_stop = |ty: &Type| depth == 0 && matches!(ty, Type::Struct(_));
    if matches!(st.kind, StructKind::Union | StructKind::Result) {
        // None or one member.
        let mut choices: Vec<BoxedStrategy<J>> = vec![Just(J::Object(Map::new())).boxed()];
        for f in st.fields.iter().filter(|f| !recursive_stop(&f.ty)) {
            let name = f.name.to_string();
            choices.push(
                arb(schema, &f.ty, inner)
                    .prop_map(move |v| J::Object(std::iter::once((name.clone(), v)).collect()))
                    .boxed(),
            );
        }
        return Union::new(choices).boxed();
    }
    let fields: Vec<BoxedStrategy<Option<(String, J)>>> = st
        .fields
        .iter()
        .map(|f| {
            let name = f.name.to_string();
            // Unset fields with a default come back set (to the default),
            // so canonical input always has them, as it has required ones.
            let always = f.requiredness == Requiredness::Required
                || (f.requiredness == Requiredness::Default && f.default.is_some());
            if recursive_stop(&f.ty) && !always {
                return Just(None).boxed();
            }
            let value = arb(schema, &f.ty, inner).prop_map(move |v| Some((name.clone(), v)));
            if always { value.boxed() } else { prop_oneof![1 => Just(None), 2 => value].boxed() }
        })
        .collect();
    fields.prop_map(|fields| J::Object(fields.into_iter().flatten().collect())).boxed()
}

/// The property, for one type of one schema.
fn check(layouts: &Arc<Layouts>, ty: &str, input: &J) -> Result<(), TestCaseError> {
    let o = Options::new();
    let schema = layouts.schema();
    let id = id(layouts, ty);
    let value = json::to_value(schema, id, input, &o).map_err(|e| TestCaseError::fail(format!("{e}")))?;
    prop_assert_eq!(&json::from_value(schema, id, &value, &o).unwrap(), input, "through a Value");
    let m = Message::from_value(layouts.clone(), id, &value).unwrap();
    prop_assert_eq!(&json::to_message(layouts, id, input, &o).unwrap(), &m);
    for p in [Protocol::Binary, Protocol::Compact] {
        prop_assert_eq!(&through_wire(layouts, ty, input, p, &o), input, "through {:?}", p);
    }
    // JSON text, and the alternative output forms read back to the same message.
    let text = serde_json::to_string(input).unwrap();
    prop_assert_eq!(&json::to_message_str(layouts, id, &text, &o).unwrap(), &m, "through text");
    let alt = Options::new().i64_as_string(true).enum_names(true);
    let alt_json = json::message_to_json(&m, &alt).unwrap();
    prop_assert_eq!(&json::to_message(layouts, id, &alt_json, &o).unwrap(), &m, "through {}", alt_json);
    Ok(())
}

/// 96 cases by default (each checks several conversions of a deep value);
/// `PROPTEST_CASES` asks for more.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(96);
    ProptestConfig { cases, ..ProptestConfig::default() }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn rich_all(input in arb(rich().schema(), &Type::Struct(id(&rich(), "All")), DEPTH)) {
        check(&rich(), "All", &input)?;
    }

    #[test]
    fn rich_service_structs(
        args in arb(rich().schema(), &Type::Struct(id(&rich(), "Svc.echo_args")), DEPTH),
        result in arb(rich().schema(), &Type::Struct(id(&rich(), "Svc.echo_result")), DEPTH),
    ) {
        check(&rich(), "Svc.echo_args", &args)?;
        check(&rich(), "Svc.echo_result", &result)?;
    }

    #[test]
    fn everything_corpus(
        everything_value in arb(everything().schema(), &Type::Struct(id(&everything(), "Everything")), DEPTH),
        tree in arb(everything().schema(), &Type::Struct(id(&everything(), "Tree")), DEPTH),
        choice in arb(everything().schema(), &Type::Struct(id(&everything(), "Choice")), DEPTH),
        get_result in arb(everything().schema(), &Type::Struct(id(&everything(), "Catalog.get_result")), DEPTH),
    ) {
        let l = everything();
        check(&l, "Everything", &everything_value)?;
        check(&l, "Tree", &tree)?;
        check(&l, "Choice", &choice)?;
        check(&l, "Catalog.get_result", &get_result)?;
    }
}

/// Bytes of a valid `All` with a few bytes overwritten.
fn corrupted() -> impl Strategy<Value = (Protocol, Vec<u8>)> {
    let l = rich();
    let all = arb(l.schema(), &Type::Struct(id(&l, "All")), DEPTH);
    let flips = proptest::collection::vec((any::<proptest::sample::Index>(), any::<u8>()), 1..4);
    let protocol = prop_oneof![Just(Protocol::Binary), Just(Protocol::Compact)];
    (all, flips, protocol).prop_map(move |(input, flips, protocol)| {
        let m = json::to_message(&l, id(&l, "All"), &input, &Options::new()).unwrap();
        let mut bytes = thriftjit::interp::encode_to_vec(&m.root(), protocol).unwrap();
        for (at, b) in flips {
            let i = at.index(bytes.len());
            bytes[i] = b;
        }
        (protocol, bytes)
    })
}

proptest! {
    #![proptest_config(config())]

    /// Whatever the decoder accepts converts to JSON (or fails as not
    /// UTF-8) and that JSON converts back to a message with the same JSON.
    #[test]
    fn decoded_garbage_converts_or_fails_cleanly((protocol, bytes) in corrupted()) {
        let l = rich();
        let Ok(m) = thriftjit::interp::decode(
            &l,
            id(&l, "All"),
            protocol,
            &bytes::Bytes::from(bytes),
            &thriftjit::interp::DecodeOptions::default(),
        ) else {
            return Ok(());
        };
        let o = Options::new();
        match json::message_to_json(&m, &o) {
            Ok(j) => {
                let back = json::to_message(&l, id(&l, "All"), &j, &o).map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(json::message_to_json(&back, &o).unwrap(), j);
            }
            Err(e) => prop_assert_eq!(e.kind(), json::JsonErrorKind::InvalidUtf8, "{}", e),
        }
    }
}
