//! Differential fuzzing of the JIT against the interpreter: arbitrary bytes
//! decoded as a corpus type by both engines must give the same outcome
//! (both fail, or both decode the same message from the same bytes and
//! re-encode it to the same bytes), in both protocols. The first input byte
//! picks the type, among those of `everything.thrift`, `bench.thrift` and
//! `containers.thrift`. Two JITs decode each input: one whose decoders
//! expect the declaration order (adaptive: it may switch a type to Kitex's
//! order), one whose Binary decoders expect Kitex's.
#![no_main]

use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use thriftjit::interp::DecodeOptions;
use thriftjit::jit::{self, ExpectedOrder, Jit, JitOptions};
use thriftjit::layout::Layouts;
use thriftjit::schema::StructId;
use thriftjit::wire::Protocol;

const IDL: &str = include_str!("../../corpus/idl/everything.thrift");
const SHARED: &str = include_str!("../../corpus/idl/shared_types.thrift");
const BENCH: &str = include_str!("../../corpus/idl/bench.thrift");
const CONTAINERS: &str = include_str!("../../corpus/idl/containers.thrift");

/// Every compiled type of the schemas fuzzed, with its schema's JITs.
fn engines() -> &'static Vec<([Arc<Jit>; 2], StructId)> {
    static ENGINES: OnceLock<Vec<([Arc<Jit>; 2], StructId)>> = OnceLock::new();
    ENGINES.get_or_init(|| {
        let mut files = std::collections::HashMap::new();
        files.insert("everything.thrift".to_string(), IDL.to_string());
        files.insert("shared_types.thrift".to_string(), SHARED.to_string());
        let everything =
            thriftjit::schema::Loader::new().load_map("everything.thrift", &files).expect("corpus IDL loads");
        let others = [("bench.thrift", BENCH), ("containers.thrift", CONTAINERS)]
            .map(|(name, idl)| thriftjit::schema::Schema::parse_str(name, idl).expect("corpus IDL loads"));
        let mut types = Vec::new();
        for schema in std::iter::once(everything).chain(others) {
            let layouts = Layouts::new(schema);
            let kitex = JitOptions { expected_order: ExpectedOrder::Kitex };
            let jits = [Jit::new(layouts.clone()), Jit::with_options(layouts.clone(), kitex)]
                .map(|j| j.expect("JIT on this host"));
            for jit in &jits {
                jit.compile_all().expect("corpus types compile");
            }
            for id in (0..layouts.all().len() as u32).map(StructId) {
                if jit::accepts(layouts.get(id)) {
                    types.push((jits.clone(), id));
                }
            }
        }
        types
    })
}

fuzz_target!(|data: &[u8]| {
    let types = engines();
    let Some((&pick, rest)) = data.split_first() else { return };
    let (jits, id) = &types[usize::from(pick) % types.len()];
    let id = *id;
    let input = Bytes::copy_from_slice(rest);
    let options = DecodeOptions { max_depth: 16, ..DecodeOptions::default() };
    for jit in jits {
        for protocol in [Protocol::Binary, Protocol::Compact] {
            if let Err(e) = jit.compare_with_interpreter(id, protocol, &input, &options) {
                panic!("{} ({}): engines disagree: {e}", jit.layouts().get(id).name, protocol.name());
            }
        }
    }
});
