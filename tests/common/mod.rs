//! Helpers shared by the integration tests: where the corpora are.

#![allow(dead_code, reason = "each test binary uses a different part")]

pub mod generated;

use std::path::{Path, PathBuf};

/// The repository root (the root crate's folder).
pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `corpus/idl/` of this repository.
pub fn corpus_idl() -> PathBuf {
    repo_root().join("corpus").join("idl")
}

/// The third-party IDL folder `../shared/idl/` beside the repository, when
/// it is there (CI has it); `None` after printing why the caller skips.
pub fn shared_idl(test: &str) -> Option<PathBuf> {
    let dir = repo_root().join("..").join("shared").join("idl");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("{test}: skipped: {} is absent", dir.display());
        None
    }
}

/// Every `.thrift` file under `dir`, recursively, sorted.
pub fn thrift_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("cannot read {}: {e}", d.display())) {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "thrift") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// `.thrift` files directly in `dir` (not in its subfolders), sorted.
pub fn thrift_files_in(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "thrift"))
        .collect();
    out.sort();
    out
}
