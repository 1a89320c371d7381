//! The IDL corpus of this repository (`corpus/idl/`, see `corpus/README.md`):
//! files that must load, files that must fail at a given position with a
//! given message, and inputs that once crashed the fuzz target.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use thriftjit::idl::{ParseOptions, parse};
use thriftjit::schema::{Loader, Schema};

#[test]
fn corpus_files_load() {
    let files = common::thrift_files_in(&common::corpus_idl());
    assert!(files.len() >= 4, "the corpus has its files: {files:?}");
    for path in files {
        if let Err(e) = Schema::load(&path) {
            panic!("{} must load:\n{e}", path.display());
        }
    }
}

/// The expectation on the first line of a must-fail file:
/// `// expect: [FILE:]LINE:COL: FRAGMENT`.
struct Expectation {
    file: PathBuf,
    line: u32,
    column: u32,
    fragment: String,
}

fn expectation(path: &Path) -> Option<Expectation> {
    let text = std::fs::read_to_string(path).expect("readable corpus file");
    let rest = text.lines().next()?.strip_prefix("// expect: ")?;
    let (position, fragment) = rest.split_once(": ")?;
    let mut parts: Vec<&str> = position.rsplitn(3, ':').collect();
    parts.reverse();
    let (file, line, column) = match parts.as_slice() {
        [file, line, column] => (path.parent().expect("a folder").join(file), *line, *column),
        [line, column] => (path.to_path_buf(), *line, *column),
        _ => return None,
    };
    Some(Expectation { file, line: line.parse().ok()?, column: column.parse().ok()?, fragment: fragment.to_string() })
}

/// Files directly in `fail/` must all fail; in its subfolders, the files
/// that carry an expectation are the ones loaded.
fn must_fail_files() -> Vec<(PathBuf, Expectation)> {
    let dir = common::corpus_idl().join("fail");
    let mut out = Vec::new();
    for path in common::thrift_files(&dir) {
        let top_level = path.parent() == Some(dir.as_path());
        match expectation(&path) {
            Some(e) => out.push((path, e)),
            None if top_level => panic!("{} has no `// expect: LINE:COL: FRAGMENT` first line", path.display()),
            None => {}
        }
    }
    out
}

#[test]
fn corpus_fail_files_fail_where_expected() {
    let cases = must_fail_files();
    assert!(cases.len() >= 30, "the must-fail corpus is there ({} files)", cases.len());
    let mut wrong = Vec::new();
    for (path, expected) in &cases {
        let e = match Schema::load(path) {
            Ok(_) => {
                wrong.push(format!("{}: loaded, but must fail", path.display()));
                continue;
            }
            Err(e) => e,
        };
        let same_file = Path::new(e.file()) == expected.file
            || std::fs::canonicalize(e.file()).ok() == std::fs::canonicalize(&expected.file).ok();
        if !same_file
            || e.line() != expected.line
            || e.column() != expected.column
            || !e.message().contains(&expected.fragment)
        {
            wrong.push(format!(
                "{}: expected {}:{}:{}: …{}…\n  got {e}",
                path.display(),
                expected.file.display(),
                expected.line,
                expected.column,
                expected.fragment
            ));
        }
        // The error prints as `FILE:LINE:COL: message` with the line and a caret.
        let shown = e.to_string();
        assert!(shown.starts_with(&format!("{}:{}:{}: ", e.file(), e.line(), e.column())), "{shown}");
        if e.kind() != thriftjit::idl::IdlErrorKind::Io {
            assert!(shown.lines().count() == 3 && shown.ends_with('^'), "line and caret: {shown}");
        }
    }
    assert!(wrong.is_empty(), "{} of {} must-fail files are wrong:\n{}", wrong.len(), cases.len(), wrong.join("\n"));
}

#[test]
fn fuzz_regressions_do_not_panic() {
    let dir = common::corpus_idl().join("fuzz-regressions");
    let Ok(entries) = std::fs::read_dir(&dir) else { return };
    let file: Arc<str> = Arc::from("regression.thrift");
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.extension().is_none_or(|e| e != "thrift") {
            continue;
        }
        let bytes = std::fs::read(&path).expect("readable regression file");
        let text = String::from_utf8_lossy(&bytes);
        for multiline_literals in [false, true] {
            let options = ParseOptions { multiline_literals };
            if let Ok(document) = parse(&file, &text, &options) {
                let printed = document.to_string();
                let again = parse(&file, &printed, &options);
                assert!(again.is_ok(), "{}: printed text does not parse: {:?}", path.display(), again.err());
            }
        }
        let files = HashMap::from([("regression.thrift".to_string(), text.into_owned())]);
        if let Ok(schema) = Loader::new().load_map("regression.thrift", &files) {
            let _ = schema.to_json();
        }
    }
}
