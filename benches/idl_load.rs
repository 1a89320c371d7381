//! Parse + resolve time of IDL file sets: a small file with an include
//! (`corpus/idl/everything.thrift`), Apache's ThriftTest (from
//! `../shared/idl/`, skipped when absent) and a generated IDL of about 3000
//! methods and 1000 structs (`tests/common/generated.rs`). Also the parse
//! alone for the generated IDL, to split the cost between the stages.
//!
//! Memory (peak during the load, retained by the `Schema`) is measured by
//! `tests/memory.rs`, which has the counting allocator.

#![expect(missing_docs, reason = "criterion_group! generates an undocumented public function")]

use std::collections::HashMap;
use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use thriftjit::idl::{ParseOptions, parse};
use thriftjit::schema::Loader;

#[path = "../tests/common/generated.rs"]
mod generated;

/// Reads `relative` and the files it includes into an in-memory map, so the
/// benchmark times the front end and not the file system.
fn file_set(root: &Path, relative: &str, includes: &[&str]) -> Option<HashMap<String, String>> {
    let mut files = HashMap::new();
    for name in std::iter::once(&relative).chain(includes) {
        let text = std::fs::read_to_string(root.join(name)).ok()?;
        files.insert(name.to_string(), text);
    }
    Some(files)
}

fn bench_load(c: &mut Criterion, name: &str, main: &str, files: &HashMap<String, String>) {
    let bytes: usize = files.values().map(String::len).sum();
    let mut group = c.benchmark_group("idl");
    group.throughput(Throughput::Bytes(bytes as u64));
    let loader = Loader::new();
    group.bench_function(format!("{name}/load"), |b| {
        // The result is dropped outside the timing: a load is not its teardown.
        b.iter_with_large_drop(|| loader.load_map(black_box(main), black_box(files)).expect("loads"))
    });
    group.finish();
}

fn idl_load(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpus = root.join("corpus/idl");
    let everything =
        file_set(&corpus, "everything.thrift", &["shared_types.thrift"]).expect("corpus/idl/everything.thrift");
    bench_load(c, "everything", "everything.thrift", &everything);

    let shared = root.join("../shared/idl/apache-thrift/test");
    match file_set(&shared, "ThriftTest.thrift", &[]) {
        Some(files) => bench_load(c, "thrift_test", "ThriftTest.thrift", &files),
        None => println!("idl/thrift_test: skipped: ../shared/idl is absent"),
    }

    let text = generated::generated_idl(1000, 3000);
    let files = HashMap::from([("generated.thrift".to_string(), text.clone())]);
    bench_load(c, "generated_3000_methods", "generated.thrift", &files);
    let file: Arc<str> = Arc::from("generated.thrift");
    let mut group = c.benchmark_group("idl");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("generated_3000_methods/parse", |b| {
        b.iter_with_large_drop(|| parse(&file, black_box(&text), &ParseOptions::default()).expect("parses"))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    // Loads of the generated IDL take milliseconds: fewer samples keep the
    // run short on a shared two-core machine.
    config = Criterion::default().sample_size(20);
    targets = idl_load
}
criterion_main!(benches);
