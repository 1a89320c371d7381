//! Differential fuzzing of the JIT against the interpreter: arbitrary bytes
//! decoded as a corpus type by both engines must give the same outcome
//! (both fail, or both decode the same message from the same bytes and
//! re-encode it to the same bytes), in both protocols. The first input byte
//! picks the type.
#![no_main]

use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use thriftjit::interp::DecodeOptions;
use thriftjit::jit::{self, Jit};
use thriftjit::layout::Layouts;
use thriftjit::schema::StructId;
use thriftjit::wire::Protocol;

const IDL: &str = include_str!("../../corpus/idl/everything.thrift");
const SHARED: &str = include_str!("../../corpus/idl/shared_types.thrift");

fn engines() -> &'static (Arc<Jit>, Vec<StructId>) {
    static ENGINES: OnceLock<(Arc<Jit>, Vec<StructId>)> = OnceLock::new();
    ENGINES.get_or_init(|| {
        let mut files = std::collections::HashMap::new();
        files.insert("everything.thrift".to_string(), IDL.to_string());
        files.insert("shared_types.thrift".to_string(), SHARED.to_string());
        let schema = thriftjit::schema::Loader::new().load_map("everything.thrift", &files).expect("corpus IDL loads");
        let layouts = Layouts::new(schema);
        let jit = Jit::new(layouts.clone()).expect("JIT on this host");
        jit.compile_all().expect("corpus types compile");
        let types = (0..layouts.all().len() as u32).map(StructId).filter(|id| jit::accepts(layouts.get(*id))).collect();
        (jit, types)
    })
}

fuzz_target!(|data: &[u8]| {
    let (jit, types) = engines();
    let Some((&pick, rest)) = data.split_first() else { return };
    let id = types[usize::from(pick) % types.len()];
    let input = Bytes::copy_from_slice(rest);
    let options = DecodeOptions { max_depth: 16, ..DecodeOptions::default() };
    for protocol in [Protocol::Binary, Protocol::Compact] {
        if let Err(e) = jit.compare_with_interpreter(id, protocol, &input, &options) {
            panic!("{} ({}): engines disagree: {e}", jit.layouts().get(id).name, protocol.name());
        }
    }
});
