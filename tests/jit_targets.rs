//! Every corpus type compiles, in both protocols, through Cranelift's
//! aarch64 backend (and the x86-64 one), so a change that breaks either
//! backend's code generation fails here even on a machine that can run only
//! one of them.

use thriftjit::jit::{self, ExpectedOrder, Jit};
use thriftjit::layout::Layouts;
use thriftjit::schema::{Schema, StructId};
use thriftjit::wire::Protocol;

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
                // Compact decoders have one order; Binary ones two (Kitex's).
                let ways = [
                    (Protocol::Binary, ExpectedOrder::Declared),
                    (Protocol::Binary, ExpectedOrder::Kitex),
                    (Protocol::Compact, ExpectedOrder::Declared),
                ];
                for (protocol, order) in ways {
                    let name = &layouts.get(id).name;
                    let p = protocol.name();
                    let ins = Jit::inspect_order(&layouts, id, protocol, Some(target), order)
                        .unwrap_or_else(|e| panic!("{}: {name} ({p}, {order:?}) for {target}: {e}", file.display()));
                    assert!(ins.target.starts_with(target.split('-').next().unwrap()));
                    assert_eq!(ins.protocol, protocol);
                    assert_eq!(ins.routines.len(), 3, "a decoder, an encoder and a sizer");
                    for r in &ins.routines {
                        assert!(!r.code.is_empty(), "{name} {} ({p}) for {target}: no code", r.name);
                    }
                }
            }
            compiled += 1;
        }
    }
    assert!(compiled > 10, "the corpus has struct types to compile");
}
