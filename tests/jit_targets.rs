//! Every corpus type compiles through Cranelift's aarch64 backend (and the
//! x86-64 one), so a change that breaks either backend's code generation
//! fails here even on a machine that can run only one of them.

use thriftjit::jit::{self, Jit};
use thriftjit::layout::Layouts;
use thriftjit::schema::{Schema, StructId};

const TARGETS: [&str; 2] = ["aarch64-unknown-linux-gnu", "x86_64-unknown-linux-gnu"];

fn corpus_files() -> Vec<std::path::PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/idl");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "thrift"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_corpus_type_compiles_for_aarch64_and_x86_64() {
    let mut compiled = 0;
    for file in corpus_files() {
        let schema = Schema::load(&file).unwrap_or_else(|e| panic!("{e}"));
        let layouts = Layouts::new(schema);
        for i in 0..layouts.all().len() {
            let id = StructId(i as u32);
            if !jit::accepts(layouts.get(id)) {
                continue;
            }
            for target in TARGETS {
                let ins = Jit::inspect(&layouts, id, Some(target))
                    .unwrap_or_else(|e| panic!("{}: {} for {target}: {e}", file.display(), layouts.get(id).name));
                assert!(ins.target.starts_with(target.split('-').next().unwrap()));
                for r in &ins.routines {
                    assert!(!r.code.is_empty(), "{} {} for {target}: no code", layouts.get(id).name, r.name);
                }
            }
            compiled += 1;
        }
    }
    assert!(compiled > 10, "the corpus has struct types to compile");
}
