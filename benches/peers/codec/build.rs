//! Generates the peers' static code for `corpus/idl/bench.thrift` into
//! `OUT_DIR` (never committed): pilota's with `pilota-build`, Apache's with
//! the Thrift compiler (`thrift --gen rs`, Debian's `thrift-compiler` 0.17;
//! `$THRIFT` overrides the command).

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));
    let idl = manifest.join("../../../corpus/idl/bench.thrift");
    println!("cargo::rerun-if-changed={}", idl.display());
    println!("cargo::rerun-if-env-changed=THRIFT");

    // No service in the IDL, so nothing is "used": name the roots to generate.
    pilota_build::Builder::thrift()
        .touch([(idl.clone(), vec!["Simple", "Nesting", "Ints", "StringMap"])])
        .compile_with_config(
            vec![pilota_build::IdlService::from_path(idl.clone())],
            pilota_build::Output::File(out.join("pilota_plain.rs")),
        );
    // `Nesting2` keys a map by `Simple` and has a set of `Nesting`, which in
    // pilota's code must be `Hash + Eq`: that takes the annotations a pilota
    // user would add (doubles as `OrderedFloat`, `Nesting`'s maps as
    // `BTreeMap`). The wire format is unchanged; the other payloads keep the
    // plain types (`f64`, `AHashMap`).
    let source = fs::read_to_string(&idl).expect("reads the bench IDL");
    let keyed = out.join("bench_keyed.thrift");
    fs::write(&keyed, pilota_keyed_idl(&source)).expect("writes bench_keyed.thrift");
    pilota_build::Builder::thrift().touch([(keyed.clone(), vec!["Nesting2"])]).compile_with_config(
        vec![pilota_build::IdlService::from_path(keyed)],
        pilota_build::Output::File(out.join("pilota_keyed.rs")),
    );

    apache(&idl, &out);
}

/// The bench IDL with pilota's annotations on the fields of `Simple` and
/// `Nesting` that keep them from being `Hash + Eq`. Their doubles are also
/// made `required`: pilota-build 0.13.12 generates code that does not compile
/// for an optional `ordered_f64` field (`*value.0` on a `&OrderedFloat`).
fn pilota_keyed_idl(source: &str) -> String {
    const ORDERED: &str = " (pilota.rust_type = \"ordered_f64\")";
    const BTREE: &str = " (pilota.rust_type = \"btree\")";
    let mut current = "";
    let mut annotated = 0;
    let mut out = String::with_capacity(source.len() + 512);
    for line in source.lines() {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix("struct ") {
            current = rest.split_whitespace().next().unwrap_or("");
        } else if trimmed.starts_with('}') {
            current = "";
        }
        let indent = &line[..line.len() - trimmed.len()];
        match (current, trimmed.split_once(": ")) {
            ("Simple" | "Nesting", Some((id, ty))) if ty.starts_with("double ") => {
                out.push_str(&format!("{indent}{id}: required {ty}{ORDERED}"));
                annotated += 1;
            }
            ("Nesting", Some((_, ty))) if ty.starts_with("map<") => {
                out.push_str(&format!("{line}{BTREE}"));
                annotated += 1;
            }
            _ => out.push_str(line),
        }
        out.push('\n');
    }
    // Simple's double; Nesting's double and four maps.
    assert_eq!(annotated, 6, "the bench IDL changed: revisit the pilota annotations");
    out
}

/// Runs the Thrift compiler and keeps its module without the inner
/// attributes (`#![allow(...)]`), which cannot be `include!`d into a module.
fn apache(idl: &Path, out: &Path) {
    let compiler = env::var("THRIFT").unwrap_or_else(|_| "thrift".to_owned());
    let dir = out.join("apache");
    fs::create_dir_all(&dir).expect("creates OUT_DIR/apache");
    let status =
        Command::new(&compiler).args(["--gen", "rs", "-out"]).arg(&dir).arg(idl).status().unwrap_or_else(|e| {
            panic!("cannot run `{compiler}` ({e}): install Debian's thrift-compiler (apt-get install thrift-compiler)")
        });
    assert!(status.success(), "`{compiler} --gen rs` failed: {status}");
    let generated = fs::read_to_string(dir.join("bench.rs")).expect("the compiler wrote bench.rs");
    let body: String =
        generated.lines().filter(|line| !line.starts_with("#![")).map(|line| format!("{line}\n")).collect();
    fs::write(out.join("apache_bench.rs"), body).expect("writes apache_bench.rs");
}
