//! Interoperability with Apache Thrift's Python library (`tests/peers/`): our client
//! against `py_server.py`, and `py_client.py` against our `thrifttest` example server,
//! over THeader, Framed and Buffered × Binary and Compact.
//!
//! Skipped, with a notice, when `THRIFTJIT_PYTHON` is unset or the generated Python code
//! or the ThriftTest IDL is absent; `scripts/test` sets them up.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use thriftjit::engine::{Codec, CodecConfig};
use thriftjit::schema::Schema;
use thriftjit::value::Value;
use thriftjit_runtime::client::{Args, ClientBuilder};
use thriftjit_runtime::proto::{Protocol, Transport};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The repository root (the runtime package's parent).
fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap_or(Path::new("..")).to_path_buf()
}

struct Peers {
    python: PathBuf,
    idl: PathBuf,
}

/// The Python peers, or `None` (after printing why) when they are not installed.
fn peers() -> Option<Peers> {
    let Some(python) = std::env::var_os("THRIFTJIT_PYTHON") else {
        eprintln!("skipping the Python interop test: THRIFTJIT_PYTHON is unset (scripts/test sets it)");
        return None;
    };
    let gen_dir = std::env::var_os("THRIFTJIT_PEERS_GEN")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("target/peers/gen-py"));
    if !gen_dir.join("ThriftTest").exists() {
        eprintln!(
            "skipping the Python interop test: no generated code in {} (run scripts/install-peers)",
            gen_dir.display()
        );
        return None;
    }
    let idl = repo().join("../shared/idl/apache-thrift/test/v0.16/ThriftTest.thrift");
    if !idl.exists() {
        eprintln!("skipping the Python interop test: {} is absent", idl.display());
        return None;
    }
    Some(Peers { python: PathBuf::from(python), idl })
}

/// Waits for the `listening on 127.0.0.1:PORT` line of a server process.
async fn listening(child: &mut Child) -> String {
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(stdout).lines();
    let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
        .await
        .expect("the server did not start within a minute")
        .unwrap()
        .expect("the server exited before listening");
    let addr = line.strip_prefix("listening on ").unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    // Keep draining stdout so the server never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    addr.to_string()
}

fn s(v: &str) -> Value {
    Value::String(v.to_string())
}

/// The ThriftTest checks of Apache's TestClient.py, through our client.
async fn run_checks(client: ClientBuilder, what: &str) {
    let c = client.build().unwrap();
    let call = |m: &'static str, args: Vec<(&'static str, Value)>| {
        let c = c.clone();
        async move { c.call(m, Args::named(args)).await.unwrap_or_else(|e| panic!("{what}: {m}: {e}")).to_value() }
    };
    assert_eq!(call("testVoid", vec![]).await, None, "{what}");
    for text in ["Python".repeat(20), String::new(), "\u{8}\t\n/\\\\\r{}:パイソン\"".to_string()] {
        assert_eq!(call("testString", vec![("thing", s(&text))]).await, Some(s(&text)), "{what}");
    }
    assert_eq!(call("testBool", vec![("thing", Value::Bool(true))]).await, Some(Value::Bool(true)));
    assert_eq!(call("testByte", vec![("thing", Value::I8(-127))]).await, Some(Value::I8(-127)));
    assert_eq!(call("testI64", vec![("thing", Value::I64(-34359738368))]).await, Some(Value::I64(-34359738368)));
    for d in [-5.235098235, 0.0, -0.000_341_012_439_638_598_3] {
        assert_eq!(call("testDouble", vec![("thing", Value::Double(d))]).await, Some(Value::Double(d)), "{what}");
    }
    let bytes: Vec<u8> = (0..=255).collect();
    assert_eq!(call("testBinary", vec![("thing", Value::Binary(bytes.clone()))]).await, Some(Value::Binary(bytes)));
    let xtruct = Value::Struct(vec![(1, s("Zero")), (4, Value::I8(1)), (9, Value::I32(-3)), (11, Value::I64(-5))]);
    assert_eq!(call("testStruct", vec![("thing", xtruct.clone())]).await, Some(xtruct.clone()), "{what}");
    let nest = Value::Struct(vec![(1, Value::I8(0)), (2, xtruct.clone()), (3, Value::I32(0))]);
    assert_eq!(call("testNest", vec![("thing", nest.clone())]).await, Some(nest), "{what}");
    let map = Value::Map((0..4).map(|i| (Value::I32(i), Value::I32(i + 1))).collect());
    assert_eq!(call("testMap", vec![("thing", map.clone())]).await, Some(map), "{what}");
    let Some(Value::Set(mut set)) =
        call("testSet", vec![("thing", Value::Set([8, 1, 42].map(Value::I32).to_vec()))]).await
    else {
        panic!("{what}: testSet")
    };
    set.sort_by_key(|v| if let Value::I32(i) = v { *i } else { 0 });
    assert_eq!(set, [1, 8, 42].map(Value::I32).to_vec(), "{what}");
    let list = Value::List([1, 4, 9, -42].map(Value::I32).to_vec());
    assert_eq!(call("testList", vec![("thing", list.clone())]).await, Some(list), "{what}");
    assert_eq!(call("testEnum", vec![("thing", Value::Enum(5))]).await, Some(Value::Enum(5)), "{what}");
    let Some(Value::Map(mapmap)) = call("testMapMap", vec![("hello", Value::I32(42))]).await else {
        panic!("{what}: testMapMap")
    };
    assert_eq!(mapmap.len(), 2, "{what}");
    let multi = call(
        "testMulti",
        vec![
            ("arg0", Value::I8(74)),
            ("arg1", Value::I32(0xff00ff)),
            ("arg2", Value::I64(0xffffffffd0d0)),
            ("arg3", Value::Map(vec![(Value::I16(0), s("abc"))])),
            ("arg4", Value::Enum(5)),
            ("arg5", Value::I64(0xf0f0f0)),
        ],
    )
    .await;
    let want = Value::Struct(vec![
        (1, s("Hello2")),
        (4, Value::I8(74)),
        (9, Value::I32(0xff00ff)),
        (11, Value::I64(0xffffffffd0d0)),
    ]);
    assert_eq!(multi, Some(want), "{what}");
    // Exceptions: declared, and not.
    let e = c.call("testException", Args::named([("arg", s("Xception"))])).await.unwrap_err();
    let x = e.exception().unwrap_or_else(|| panic!("{what}: {e}"));
    assert_eq!((x.field_name(), x.type_name()), ("err1", "Xception"), "{what}");
    assert_eq!(x.to_value(), Value::Struct(vec![(1, Value::I32(1001)), (2, s("Xception"))]), "{what}");
    let e = c.call("testException", Args::named([("arg", s("TException"))])).await.unwrap_err();
    assert!(e.is_application(), "{what}: {e}");
    let e = c.call("testMultiException", Args::named([("arg0", s("Xception2")), ("arg1", s("x"))])).await.unwrap_err();
    let x = e.exception().unwrap_or_else(|| panic!("{what}: {e}"));
    assert_eq!((x.field_name(), x.value().and_then(|v| v.get_i32("errorCode"))), ("err2", Some(2002)), "{what}");
    let ok = call("testMultiException", vec![("arg0", s("success")), ("arg1", s("foobar"))]).await;
    assert_eq!(ok, Some(Value::Struct(vec![(1, s("foobar"))])), "{what}");
    // Oneway, then a normal call on the same connection.
    assert_eq!(call("testOneway", vec![("secondsToSleep", Value::I32(1))]).await, None, "{what}");
    assert_eq!(call("testString", vec![("thing", s("after"))]).await, Some(s("after")), "{what}");
}

/// A py_server setting (protocol, transport) and the dialects our client speaks to it.
type Case = (&'static str, &'static str, Vec<(Transport, Protocol)>);

#[tokio::test]
async fn our_client_against_the_python_server() {
    let Some(peers) = peers() else { return };
    let schema = Schema::load(&peers.idl).unwrap();
    let codec = Arc::new(Codec::new(schema, CodecConfig::default()).unwrap());
    // (py_server protocol, py_server transport) → the dialects our client speaks to it.
    let thw = Transport::THeader { outer_framed: false };
    let thf = Transport::THeader { outer_framed: true };
    let cases: [Case; 6] = [
        ("binary", "buffered", vec![(Transport::Unframed, Protocol::Binary)]),
        ("compact", "buffered", vec![(Transport::Unframed, Protocol::Compact)]),
        ("binary", "framed", vec![(Transport::Framed, Protocol::Binary)]),
        ("compact", "framed", vec![(Transport::Framed, Protocol::Compact)]),
        (
            "header",
            "buffered",
            vec![
                (thw, Protocol::Binary),
                (thw, Protocol::Compact),
                (Transport::Framed, Protocol::Binary),
                (Transport::Unframed, Protocol::Compact),
            ],
        ),
        ("header", "framed", vec![(thf, Protocol::Binary), (thf, Protocol::Compact)]),
    ];
    let script = repo().join("tests/peers/py_server.py");
    let mut servers = Vec::new();
    for (protocol, transport, _) in &cases {
        let child = Command::new(&peers.python)
            .arg(&script)
            .args(["--port", "0", "--protocol", protocol, "--transport", transport])
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("py_server.py starts");
        servers.push(child);
    }
    let mut runs = Vec::new();
    for ((protocol, transport, dialects), child) in cases.iter().zip(servers.iter_mut()) {
        let addr = listening(child).await;
        for &(ours, proto) in dialects {
            let what = format!("py_server --protocol {protocol} --transport {transport} ← our {ours:?} {proto:?}");
            let client = ClientBuilder::new(codec.clone(), "ThriftTest").address(&addr).transport(ours).protocol(proto);
            runs.push(tokio::spawn(async move {
                run_checks(client, &what).await;
                what
            }));
        }
    }
    for run in runs {
        let what = run.await.unwrap();
        eprintln!("ok  {what}");
    }
    for mut child in servers {
        let _ = child.start_kill();
        let _ = child.wait().await;
    }
}

/// The `thrifttest` example's binary, built beside this test (or built now).
async fn thrifttest_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(Path::parent).expect("target/<profile>/deps/<test>");
    let binary = profile_dir.join("examples").join(format!("thrifttest{}", std::env::consts::EXE_SUFFIX));
    if !binary.exists() {
        let mut cargo = Command::new(env!("CARGO"));
        cargo.args(["build", "--quiet", "-p", "thriftjit-runtime", "--example", "thrifttest"]);
        if profile_dir.file_name().is_some_and(|n| n == "release") {
            cargo.arg("--release");
        }
        let status = cargo.current_dir(repo()).status().await.expect("cargo runs");
        assert!(status.success(), "building the thrifttest example failed");
    }
    binary
}

#[tokio::test]
async fn the_python_client_against_our_thrifttest_server() {
    let Some(peers) = peers() else { return };
    let binary = thrifttest_binary().await;
    let mut server = Command::new(&binary)
        .arg("--idl")
        .arg(&peers.idl)
        .args(["--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the thrifttest example starts");
    let addr = listening(&mut server).await;
    let port = addr.rsplit(':').next().unwrap().to_string();
    let script = repo().join("tests/peers/py_client.py");
    let cases: &[&[&str]] = &[
        &["--protocol", "binary", "--transport", "buffered"],
        &["--protocol", "binary", "--transport", "framed"],
        &["--protocol", "compact", "--transport", "buffered"],
        &["--protocol", "compact", "--transport", "framed"],
        &["--protocol", "header", "--transport", "buffered"],
        &["--protocol", "header", "--transport", "buffered", "--header-protocol", "compact"],
        &["--protocol", "header", "--transport", "framed"],
        &["--protocol", "header", "--transport", "buffered", "--zlib"],
    ];
    let mut runs = Vec::new();
    for args in cases {
        let out = Command::new(&peers.python)
            .arg(&script)
            .args(["--host", "127.0.0.1", "--port", &port])
            .args(*args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output();
        runs.push((args.join(" "), out));
    }
    let mut failed = Vec::new();
    for (what, out) in runs {
        let out = out.await.expect("py_client.py runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let summary = stdout.lines().last().unwrap_or_default().to_string();
        eprintln!("py_client {what}: {summary}");
        if !out.status.success() {
            failed.push(format!("{what}:\n{stdout}{}", String::from_utf8_lossy(&out.stderr)));
        }
    }
    // Graceful shutdown on SIGTERM.
    let pid = server.id().expect("running");
    let _ = std::process::Command::new("kill").arg(pid.to_string()).status();
    let status = tokio::time::timeout(Duration::from_secs(30), server.wait()).await.expect("it stops").unwrap();
    assert!(failed.is_empty(), "py_client failed:\n{}", failed.join("\n"));
    assert!(status.success(), "the server exited with {status}");
}
