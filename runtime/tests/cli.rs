//! The `thriftjit` binary as a user runs it: `encode`, `decode` and `check`
//! on the corpus, their output, and their errors with exit code 1.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

const EVERYTHING: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../corpus/idl/everything.thrift");
const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../corpus/idl");

/// Runs the binary with `args`, feeding `stdin`.
fn run(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_thriftjit"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    // A command that fails early may close its input first: ignore EPIPE.
    let _ = child.stdin.take().expect("piped").write_all(stdin);
    child.wait_with_output().expect("the binary runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs a command that must succeed; returns its standard output.
fn ok(args: &[&str], stdin: &[u8]) -> Vec<u8> {
    let out = run(args, stdin);
    assert!(out.status.success(), "{args:?} failed: {}", stderr(&out));
    assert!(out.stderr.is_empty(), "{args:?} wrote to stderr: {}", stderr(&out));
    out.stdout
}

/// Runs a command that must fail with exit code 1; returns its standard error.
fn fails(args: &[&str], stdin: &[u8]) -> String {
    let out = run(args, stdin);
    assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
    assert!(out.stdout.is_empty(), "{args:?} wrote to stdout on failure");
    let err = stderr(&out);
    assert!(err.starts_with("error: "), "{err}");
    err
}

fn encode(ty: &str, protocol: &str, input: &Value) -> Vec<u8> {
    ok(&["encode", "--idl", EVERYTHING, "--type", ty, "--protocol", protocol], input.to_string().as_bytes())
}

fn decode(ty: &str, protocol: &str, bytes: &[u8], extra: &[&str]) -> Value {
    let mut args = vec!["decode", "--idl", EVERYTHING, "--type", ty, "--protocol", protocol];
    args.extend_from_slice(extra);
    let out = ok(&args, bytes);
    assert_eq!(out.last(), Some(&b'\n'), "output ends with a newline");
    serde_json::from_slice(&out).expect("decode prints JSON")
}

/// Every field of `Everything` set (those with IDL defaults too, so that the
/// output equals the input), with nesting, maps of every form and a typedef.
fn everything() -> Value {
    json!({
        "flag": true,
        "tiny": -7,
        "old_byte": 127,
        "short_one": -300,
        "medium": 70000,
        "big": 9007199254740993_i64,
        "ratio": "NaN",
        "name": "héllo \"json\"",
        "blob": "AAEC/w==",
        "id": "00112233-4455-6677-8899-aabbccddeeff",
        "color": 0,
        "numbers": [3, -1],
        "tags": ["a", "b"],
        "by_name": {"x": {"key": 1, "value": "one"}, "": {}},
        "deep": {"5": [{"1": "a", "-2": "b"}, {}], "0": []},
        "next": {"flag": false, "tiny": 7, "short_one": -3, "big": 1, "ratio": -0.25, "name": "inner",
                 "color": 1, "numbers": [], "kind": 10, "origin": {"x": 0, "y": 0}},
        "user": -1,
        "account": 2,
        "names": ["n"],
        "kind": -1,
        "origin": {"x": 1, "y": 2},
        "cpp_list": [1],
        "string": "s",
        "service": 1, "required": 2, "oneway": 3,
        "with_annotation": 4,
        "xsd": "x",
        "implicit_one": 5,
        "implicit_two": 6,
    })
}

#[test]
fn encode_then_decode_is_the_identity_in_both_protocols() {
    for protocol in ["binary", "compact"] {
        for (ty, input) in [
            ("Everything", everything()),
            (
                "Tree",
                json!({"value": 1, "children": [{"value": 2, "children": []}], "parent": {"value": 0, "children": []}}),
            ),
            ("Choice", json!({"point": {"x": 1, "y": -1}})),
            ("Catalog.get_args", json!({"id": 12, "name": "n"})),
            ("Catalog.get_result", json!({"se": {"code": 1, "message": "m"}})),
            ("shared_types.SharedStruct", json!({"key": 1, "value": "v"})),
        ] {
            let bytes = encode(ty, protocol, &input);
            assert_eq!(decode(ty, protocol, &bytes, &[]), input, "{ty} {protocol}");
        }
    }
}

#[test]
fn encode_writes_the_protocol_bytes() {
    let input = json!({"key": 1, "value": "a"});
    let binary = encode("shared_types.SharedStruct", "binary", &input);
    assert_eq!(binary, [0x08, 0, 1, 0, 0, 0, 1, 0x0b, 0, 2, 0, 0, 0, 1, b'a', 0]);
    let compact = encode("shared_types.SharedStruct", "compact", &input);
    assert_eq!(compact, [0x15, 0x02, 0x18, 0x01, b'a', 0]);
    // Binary is the default protocol.
    let default =
        ok(&["encode", "--idl", EVERYTHING, "--type", "shared_types.SharedStruct"], input.to_string().as_bytes());
    assert_eq!(default, binary);
}

#[test]
fn input_files_and_decode_options() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-input-files");
    std::fs::create_dir_all(&dir).unwrap();
    let json_path = dir.join("in.json");
    std::fs::write(&json_path, everything().to_string()).unwrap();
    let bytes =
        ok(&["encode", "--idl", EVERYTHING, "--type", "Everything", "--input", json_path.to_str().unwrap()], b"");
    let bin_path = dir.join("in.bin");
    std::fs::write(&bin_path, &bytes).unwrap();
    let args = ["decode", "--idl", EVERYTHING, "--type", "Everything", "--input", bin_path.to_str().unwrap()];
    let out: Value = serde_json::from_slice(&ok(&args, b"")).unwrap();
    assert_eq!(out, everything());

    let named = decode("Everything", "binary", &bytes, &["--enum-names", "--i64-as-string"]);
    assert_eq!(
        (&named["color"], &named["kind"], &named["next"]["color"]),
        (&json!("RED"), &json!("NEGATIVE"), &json!(1))
    );
    assert_eq!(named["deep"]["GREEN"], json!([{"1": "a", "-2": "b"}, {}]));
    assert_eq!((&named["big"], &named["user"]), (&json!("9007199254740993"), &json!("-1")));

    let pretty = ok(
        &["decode", "--idl", EVERYTHING, "--type", "shared_types.SharedStruct", "--pretty"],
        &[0x08, 0, 1, 0, 0, 0, 1, 0],
    );
    assert_eq!(String::from_utf8(pretty).unwrap(), "{\n  \"key\": 1\n}\n");
}

#[test]
fn include_directories() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-include-dirs");
    std::fs::create_dir_all(&dir).unwrap();
    let main = dir.join("main.thrift");
    std::fs::write(&main, "include \"shared_types.thrift\"\nstruct W { 1: shared_types.SharedStruct s }\n").unwrap();
    let main = main.to_str().unwrap();
    let input = json!({"s": {"key": 3}});
    let err = fails(&["encode", "--idl", main, "--type", "W"], input.to_string().as_bytes());
    assert!(err.contains("shared_types.thrift"), "{err}");
    let bytes = ok(&["encode", "-I", CORPUS, "--idl", main, "--type", "W"], input.to_string().as_bytes());
    let out = ok(&["decode", "-I", CORPUS, "--idl", main, "--type", "W"], &bytes);
    assert_eq!(serde_json::from_slice::<Value>(&out).unwrap(), input);
}

#[test]
fn unknown_types_are_named_with_close_names() {
    let err = fails(&["encode", "--idl", EVERYTHING, "--type", "Evrything"], b"{}");
    assert!(err.contains("unknown type `Evrything`; did you mean: Everything?"), "{err}");
    let err = fails(&["decode", "--idl", EVERYTHING, "--type", "SharedStruct"], b"");
    assert!(err.contains("did you mean: shared_types.SharedStruct?"), "{err}");
    let err = fails(&["decode", "--idl", EVERYTHING, "--type", "Catalog"], b"");
    assert!(err.contains("`Catalog` is a service; its structs are: Catalog.get_args, Catalog.get_result"), "{err}");
    let err = fails(&["decode", "--idl", EVERYTHING, "--type", "Color"], b"");
    assert!(err.contains("`Color` is an enum"), "{err}");
    let err = fails(&["decode", "--idl", EVERYTHING, "--type", "Catalog.get_argz"], b"");
    assert!(err.contains("Catalog.get_args"), "{err}");
}

#[test]
fn bad_json_names_the_path() {
    let err = fails(
        &["encode", "--idl", EVERYTHING, "--type", "Everything"],
        br#"{"flag": true, "by_name": {"k": {"key": "one"}}}"#,
    );
    assert!(err.contains("invalid JSON for `Everything`: $.by_name.k.key: expected i32"), "{err}");
    let err = fails(&["encode", "--idl", EVERYTHING, "--type", "Everything"], br#"{"flag": true, "nope": 1}"#);
    assert!(err.contains("$.nope: `Everything` has no field `nope`"), "{err}");
    let err = fails(&["encode", "--idl", EVERYTHING, "--type", "Everything"], br#"{}"#);
    assert!(err.contains("required field `flag` of `Everything` is missing"), "{err}");
    let err = fails(&["encode", "--idl", EVERYTHING, "--type", "Point"], b"{\"x\": 1");
    assert!(err.contains("invalid JSON: EOF while parsing"), "{err}");
    // --ignore-unknown-fields skips them.
    let bytes =
        ok(&["encode", "--idl", EVERYTHING, "--type", "Point", "--ignore-unknown-fields"], br#"{"x": 1, "z": 2}"#);
    assert_eq!(decode("Point", "binary", &bytes, &[]), json!({"x": 1}));
}

#[test]
fn bad_bytes_are_reported() {
    let err = fails(&["decode", "--idl", EVERYTHING, "--type", "Point"], &[0x08, 0x00, 0x01, 0x00]);
    assert!(
        err.contains("cannot decode `Point` (binary): input ends in the middle of a value at byte 4 in Point.x"),
        "{err}"
    );
    let err = fails(&["decode", "--idl", EVERYTHING, "--type", "Point", "--protocol", "compact"], &[0x00, 0xff, 0xff]);
    assert!(err.contains("2 trailing bytes after `Point` (compact), which ends at byte 1"), "{err}");
    // A string that is not UTF-8 (Point is not involved: SharedStruct.value).
    let bad = [0x0b, 0, 2, 0, 0, 0, 2, 0xc3, 0x28, 0];
    let err = fails(&["decode", "--idl", EVERYTHING, "--type", "shared_types.SharedStruct"], &bad);
    assert!(err.contains("$.value: string is not valid UTF-8"), "{err}");
    let out = ok(&["decode", "--idl", EVERYTHING, "--type", "shared_types.SharedStruct", "--lossy-utf8"], &bad);
    assert_eq!(serde_json::from_slice::<Value>(&out).unwrap(), json!({"value": "\u{fffd}("}));
}

#[test]
fn files_and_flags_that_do_not_work() {
    let err = fails(&["decode", "--idl", "no/such.thrift", "--type", "Point"], b"");
    assert!(err.contains("no/such.thrift"), "{err}");
    let err = fails(&["decode", "--idl", EVERYTHING, "--type", "Point", "--input", "no/such.bin"], b"");
    assert!(err.contains("cannot read no/such.bin"), "{err}");
    // Usage errors are clap's: exit code 2.
    let out = run(&["decode", "--idl", EVERYTHING, "--type", "Point", "--protocol", "json"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("possible values: binary, compact"));
}

#[test]
fn check_succeeds_on_the_corpus_and_fails_with_a_position() {
    let out = String::from_utf8(ok(&["check", EVERYTHING], b"")).unwrap();
    assert!(out.contains("everything.thrift: ok"), "{out}");
    assert!(out.contains("structs:     4"), "{out}");
    let schema: Value = serde_json::from_slice(&ok(&["check", "--json", EVERYTHING], b"")).unwrap();
    assert!(schema["structs"].as_array().is_some_and(|s| !s.is_empty()));

    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-check");
    std::fs::create_dir_all(&dir).unwrap();
    let broken = dir.join("broken.thrift");
    std::fs::write(&broken, "struct A {\n  1: i32 x\n  2: strin y\n}\n").unwrap();
    let out = run(&["check", broken.to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("broken.thrift:3:"), "{err}");
}

const BENCH_IDL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../corpus/idl/bench.thrift");

/// A routine's section of `inspect`'s output (`== T decode …` up to the
/// next `== ` line), without its compile time and with addresses (helpers,
/// tables: they move from run to run) masked.
fn section(out: &str, routine: &str) -> String {
    let start = out.find(&format!(" {routine} (")).unwrap_or_else(|| panic!("no {routine} in {out}"));
    let rest = &out[start..];
    let end = rest[1..].find("\n== ").map_or(rest.len(), |i| i + 1);
    let address = |w: &str| w.starts_with("0x") && w.len() > "0x1234_5678".len();
    (rest[..end].lines().filter(|l| !l.contains("compiled in")))
        .map(|l| l.split(' ').map(|w| if address(w) { "ADDRESS" } else { w }).collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn inspect_prints_the_layout_the_ir_and_the_machine_code() {
    let text = |args: &[&str]| String::from_utf8(ok(args, b"")).unwrap();
    let all = text(&["inspect", "--idl", BENCH_IDL, "--type", "Simple"]);
    assert!(all.contains("Simple (Struct)"), "the layout table: {all}");
    for protocol in ["binary", "compact"] {
        for routine in ["decode", "encode", "encoded_size"] {
            let s = section(&all, routine);
            assert!(!s.is_empty());
            assert!(all.contains(&format!("== Simple {routine} ({protocol})")), "{routine} {protocol}");
        }
    }
    assert!(all.contains("-- Cranelift IR") && all.contains("function u0:0"), "the IR");
    assert!(all.contains("-- machine code"), "the disassembly");
    // Another target's code, cross-compiled.
    let arm =
        text(&["inspect", "--idl", BENCH_IDL, "--type", "Simple", "--asm", "--target", "aarch64-unknown-linux-gnu"]);
    assert!(arm.contains("aarch64"), "{arm}");
    assert!(!arm.contains("-- Cranelift IR"), "--asm alone prints no IR");
    // Kitex's order changes the Binary decoder only.
    let ir = |order: &str| {
        text(&[
            "inspect",
            "--idl",
            BENCH_IDL,
            "--type",
            "Simple",
            "--protocol",
            "binary",
            "--clif",
            "--field-order",
            order,
        ])
    };
    let (declared, kitex) = (ir("declared"), ir("kitex"));
    assert_ne!(section(&declared, "decode"), section(&kitex, "decode"));
    assert_eq!(section(&declared, "encode"), section(&kitex, "encode"));
    let err = fails(&["inspect", "--idl", BENCH_IDL, "--type", "Nope"], b"");
    assert!(err.contains("Nope"), "{err}");
}

#[test]
fn bench_times_both_engines_side_by_side() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-bench");
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("simple.json");
    std::fs::write(&input, r#"{"ByteField": 1, "I64Field": 2, "StringField": "s", "EnumField": 1, "I16Field": 3}"#)
        .unwrap();
    let input = input.to_str().unwrap();
    for order in ["adaptive", "kitex"] {
        let args = ["bench", "--idl", BENCH_IDL, "--type", "Simple", "--input", input, "--millis", "2", "--json"];
        let rows: Value = serde_json::from_slice(&ok(&[&args[..], &["--field-order", order]].concat(), b"")).unwrap();
        let rows = rows.as_array().expect("a row per engine");
        let engines: Vec<_> = rows.iter().map(|r| r["engine"].as_str().unwrap()).collect();
        assert_eq!(engines, ["interp", "jit"]);
        for r in rows {
            assert_eq!(r["served_by"], r["engine"], "{r}");
            assert_eq!(r["bytes"], rows[0]["bytes"], "both engines encode the same bytes");
            for key in ["encode_ns", "decode_ns", "encode_mb_s", "decode_mb_s"] {
                assert!(r[key].as_f64().is_some_and(|x| x > 0.0), "{key}: {r}");
            }
        }
    }
    let table = String::from_utf8(ok(
        &["bench", "--idl", BENCH_IDL, "--type", "Simple", "--input", input, "--millis", "2"],
        b"",
    ))
    .unwrap();
    assert!(table.contains("jit/interp speedup"), "{table}");
}
