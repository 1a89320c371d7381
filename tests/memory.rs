//! Heap used by loading a large IDL: the peak during the load and what the
//! resulting `Schema` keeps. One test per binary, because the counting
//! allocator sees every thread of the process.

mod common;

use std::collections::HashMap;

use peak_alloc::PeakAlloc;
use thriftjit::schema::Loader;

#[global_allocator]
static HEAP: PeakAlloc = PeakAlloc;

/// The budget for loading an IDL of about 3000 methods and 1000 structs
/// (issue #2): a gateway may hold several schema generations at once.
const PEAK_CEILING: usize = 30 << 20;

/// What the `Schema` of that IDL may keep. It measures about 4.5 MiB; the
/// syntax tree of the same text is over 10 MiB, so a `Schema` that kept the
/// tree (or several copies of the text) would fail here.
const RETAINED_CEILING: usize = 8 << 20;

#[test]
fn large_idl_loads_within_the_heap_ceiling() {
    let text = common::generated::generated_idl(1000, 3000);
    let text_len = text.len();
    let files = HashMap::from([("generated.thrift".to_string(), text)]);
    let before = HEAP.current_usage();
    HEAP.reset_peak_usage();
    let schema = Loader::new().load_map("generated.thrift", &files).unwrap_or_else(|e| panic!("{e}"));
    let peak = HEAP.peak_usage() - before;
    let retained = HEAP.current_usage() - before;
    let methods: usize = schema.services().iter().map(|s| s.methods.len()).sum();
    println!(
        "generated IDL: {} KiB of text, {} structs (with args/result), {methods} methods: \
         peak heap during the load {:.1} MiB, retained by the Schema {:.1} MiB",
        text_len / 1024,
        schema.structs().len(),
        peak as f64 / (1 << 20) as f64,
        retained as f64 / (1 << 20) as f64,
    );
    assert_eq!(methods, 3000);
    assert!(peak < PEAK_CEILING, "peak heap {peak} bytes is over the ceiling of {PEAK_CEILING}");
    assert!(retained < RETAINED_CEILING, "the Schema retains {retained} bytes, over {RETAINED_CEILING}");
}
