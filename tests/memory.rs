//! Heap used by loading IDL: the peak during the load and what the
//! resulting `Schema` keeps, for the benchmark's three file sets (run with
//! `--nocapture` to see the figures). One test in this binary, because the
//! counting allocator sees every thread of the process.

mod common;

use std::collections::HashMap;
use std::sync::Arc;

use peak_alloc::PeakAlloc;
use thriftjit::schema::{Loader, Schema};

#[global_allocator]
static HEAP: PeakAlloc = PeakAlloc;

/// The budget for loading an IDL of about 3000 methods and 1000 structs
/// (issue #2): a gateway may hold several schema generations at once.
const PEAK_CEILING: usize = 30 << 20;

/// What the `Schema` of that IDL may keep. It measures about 4.5 MiB; the
/// syntax tree of the same text is about 6 MiB, so a `Schema` that kept the
/// tree would fail here.
const RETAINED_CEILING: usize = 8 << 20;

/// (peak during the load, retained after it) in bytes, and the schema.
fn measure(main: &str, files: &HashMap<String, String>) -> (usize, usize, Arc<Schema>) {
    let before = HEAP.current_usage();
    HEAP.reset_peak_usage();
    let schema = Loader::new().load_map(main, files).unwrap_or_else(|e| panic!("{e}"));
    (HEAP.peak_usage() - before, HEAP.current_usage() - before, schema)
}

fn report(name: &str, files: &HashMap<String, String>, peak: usize, retained: usize) {
    let text: usize = files.values().map(String::len).sum();
    let mib = |b: usize| b as f64 / f64::from(1 << 20);
    println!(
        "{name}: {:.1} KiB of text: peak heap during the load {:.2} MiB, retained by the Schema {:.2} MiB",
        text as f64 / 1024.0,
        mib(peak),
        mib(retained)
    );
}

fn read(dir: &std::path::Path, names: &[&str]) -> Option<HashMap<String, String>> {
    names.iter().map(|n| Some((n.to_string(), std::fs::read_to_string(dir.join(n)).ok()?))).collect()
}

#[test]
fn idl_loads_within_the_heap_ceiling() {
    let everything = read(&common::corpus_idl(), &["everything.thrift", "shared_types.thrift"]).expect("corpus");
    let (peak, retained, _schema) = measure("everything.thrift", &everything);
    report("everything", &everything, peak, retained);

    let shared = common::shared_idl("idl_loads_within_the_heap_ceiling (ThriftTest part)");
    if let Some(files) = shared.and_then(|d| read(&d.join("apache-thrift/test"), &["ThriftTest.thrift"])) {
        let (peak, retained, _schema) = measure("ThriftTest.thrift", &files);
        report("ThriftTest", &files, peak, retained);
    }

    let generated = HashMap::from([("generated.thrift".to_string(), common::generated::generated_idl(1000, 3000))]);
    let (peak, retained, schema) = measure("generated.thrift", &generated);
    report("generated (1000 structs, 3000 methods)", &generated, peak, retained);
    let methods: usize = schema.services().iter().map(|s| s.methods.len()).sum();
    assert_eq!(methods, 3000);
    assert!(peak < PEAK_CEILING, "peak heap {peak} bytes is over the ceiling of {PEAK_CEILING}");
    assert!(retained < RETAINED_CEILING, "the Schema retains {retained} bytes, over {RETAINED_CEILING}");
}
