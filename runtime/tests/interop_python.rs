//! Interoperability with Apache Thrift's Python library (`tests/peers/`): our client
//! against `py_server.py`, and `py_client.py` against our `thrifttest` example server,
//! over THeader, Framed and Buffered × Binary and Compact.
//!
//! Skipped, with a notice, when `THRIFTJIT_PYTHON` is unset or the generated Python code
//! or the ThriftTest IDL is absent; `scripts/test` sets them up.

mod interop;

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;

use interop::{listening, repo, run_checks, start_thrifttest, terminate};
use thriftjit::engine::{Codec, CodecConfig};
use thriftjit::schema::Schema;
use thriftjit_runtime::client::ClientBuilder;
use thriftjit_runtime::proto::{Protocol, Transport};
use tokio::process::Command;

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
                run_checks(&client.build().unwrap()).await.assert_all_passed(&what);
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

#[tokio::test]
async fn the_python_client_against_our_thrifttest_server() {
    let Some(peers) = peers() else { return };
    let (server, port) = start_thrifttest(&peers.idl).await;
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
    let status = terminate(server).await;
    assert!(failed.is_empty(), "py_client failed:\n{}", failed.join("\n"));
    assert!(status.success(), "the server exited with {status}");
}
