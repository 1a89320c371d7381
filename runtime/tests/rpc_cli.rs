//! The `thriftjit` binary's `serve`, `call` and `demo`, run as processes.

mod common;

use std::path::PathBuf;
use std::process::{Output, Stdio};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_thriftjit");

/// The test IDL (`common::IDL`) in a file of its own, for the binary to load.
fn idl_file(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("thriftjit-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, common::IDL).unwrap();
    path
}

/// Starts `thriftjit serve` on a free port; the child (killed on drop) and its address.
async fn serve(idl: &str, service: &str, handler: &str) -> (tokio::process::Child, String) {
    let mut child = Command::new(BIN)
        .args(["serve", "--idl", idl, "--service", service, "--addr", "127.0.0.1:0", "--handler", handler])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line()).await.unwrap().unwrap().unwrap();
    let addr = line.strip_prefix("listening on ").unwrap().to_string();
    (child, addr)
}

async fn call(args: &[&str]) -> Output {
    Command::new(BIN).arg("call").args(args).output().await.unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[tokio::test]
async fn call_prints_results_exceptions_and_errors_with_their_exit_status() {
    let server = common::start(|b| b).await;
    let idl = idl_file("call.thrift");
    let idl = idl.to_str().unwrap();
    let base = ["--idl", idl, "--service", "Test", "--addr", &server.addr];
    // A result, over every transport.
    for transport in ["ttheader", "ttheader-noframe", "theader", "framed", "buffered"] {
        let o =
            call(&[&base[..], &["--method", "squares", "--args", r#"{"n": 3}"#, "--transport", transport]].concat())
                .await;
        assert!(o.status.success(), "{transport}: {}", stderr(&o));
        assert_eq!(stdout(&o), "[0,1,4]\n", "{transport}");
    }
    // Headers reach the server; a struct comes back as an object.
    let o = call(
        &[&base[..], &["--method", "whoami", "--header", "k=v", "--header", "2=77", "--timeout", "5000"]].concat(),
    )
    .await;
    assert_eq!(stdout(&o), "\"caller=thriftjit log=77 k=v timeout=5000 service=Test\"\n", "{}", stderr(&o));
    let o = call(
        &[&base[..], &["--method", "move", "--args", r#"{"p": {"x": 1, "y": 2}, "dx": 3}"#, "--protocol", "compact"]]
            .concat(),
    )
    .await;
    assert_eq!(stdout(&o), "{\"x\":4,\"y\":2}\n", "{}", stderr(&o));
    // A declared exception: its value on stdout, exit status 3.
    let o = call(&[&base[..], &["--method", "fail", "--args", r#"{"code": 1}"#]].concat()).await;
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert_eq!(stdout(&o), "{\"code\":7,\"why\":\"bad\"}\n");
    assert!(stderr(&o).contains("threw Oops (`oops`)"), "{}", stderr(&o));
    // Errors: exit status 1 and a message.
    let o = call(&[&base[..], &["--method", "nope"]].concat()).await;
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no method `nope`"), "{}", stderr(&o));
    let o = call(&[&base[..], &["--method", "squares", "--args", r#"{"n": "three"}"#]].concat()).await;
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("$.n"), "{}", stderr(&o));
    let o = call(&[&base[..], &["--method", "boom"]].concat()).await;
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("INTERNAL_ERROR"), "{}", stderr(&o));
    let o = call(&["--service", "Test", "--addr", &server.addr, "--method", "boom"]).await;
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no IDL"), "{}", stderr(&o));
}

#[tokio::test]
async fn call_reads_settings_and_a_list_of_calls_from_toml() {
    let server = common::start(|b| b).await;
    let idl = idl_file("config.thrift");
    let config = idl.with_file_name("calls.toml");
    let text = format!(
        r#"
idl = "config.thrift"
service = "Test"
addr = "{}"
transport = "framed"
protocol = "compact"
timeout_ms = 2000

[[calls]]
method = "echo"
args = {{ text = "from toml" }}

[[calls]]
method = "counts"
args = '{{"words": ["a", "a"]}}'

[[calls]]
method = "notes"
"#,
        server.addr
    );
    std::fs::write(&config, text).unwrap();
    let o = call(&["--config", config.to_str().unwrap()]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "\"from toml\"\n{\"a\":2}\n0\n");
    // Flags win over the file.
    let o = call(&["--config", config.to_str().unwrap(), "--method", "echo", "--args", r#"{"text": "flag"}"#]).await;
    assert_eq!(stdout(&o), "\"flag\"\n", "{}", stderr(&o));
    std::fs::write(&config, "idl = 3").unwrap();
    let o = call(&["--config", config.to_str().unwrap()]).await;
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("calls.toml"), "{}", stderr(&o));
}

#[tokio::test]
async fn serve_answers_with_the_echo_and_mock_handlers_and_stops_on_sigterm() {
    let idl = idl_file("serve.thrift");
    let idl = idl.to_str().unwrap();
    for (handler, want) in [("echo", "\"hi\"\n"), ("mock", "\"\"\n")] {
        let (mut child, addr) = serve(idl, "Test", handler).await;
        let o = call(&[
            "--idl",
            idl,
            "--service",
            "Test",
            "--addr",
            &addr,
            "--method",
            "echo",
            "--args",
            r#"{"text":"hi"}"#,
        ])
        .await;
        assert_eq!(stdout(&o), want, "{handler}: {}", stderr(&o));
        let o = call(&[
            "--idl",
            idl,
            "--service",
            "Test",
            "--addr",
            &addr,
            "--method",
            "move",
            "--args",
            r#"{"p":{"x":1}}"#,
        ])
        .await;
        let want_move = if handler == "echo" { "{\"x\":1}\n" } else { "{}\n" };
        assert_eq!(stdout(&o), want_move, "{handler}: {}", stderr(&o));
        let pid = child.id().unwrap();
        std::process::Command::new("kill").arg(pid.to_string()).status().unwrap();
        let status = tokio::time::timeout(Duration::from_secs(30), child.wait()).await.unwrap().unwrap();
        assert!(status.success(), "{handler}: {status}");
    }
}

#[tokio::test]
async fn demo_runs_end_to_end() {
    let o = Command::new(BIN).args(["demo", "--calls", "200", "--concurrency", "4"]).output().await.unwrap();
    let out = stdout(&o);
    assert!(o.status.success(), "{out}{}", stderr(&o));
    for dialect in
        ["TTHeader binary", "TTHeader compact", "Framed binary", "Framed compact", "THeader binary", "THeader compact"]
    {
        let line = out.lines().find(|l| l.starts_with(dialect)).unwrap_or_else(|| panic!("no {dialect} line:\n{out}"));
        assert!(line.contains("NotFound(missing)") && line.contains("2 items"), "{line}");
    }
    assert!(out.contains("Item                       binary: jit"), "{out}");
    assert!(out.contains("graceful shutdown: stopped accepting"), "{out}");
}

/// A payload of the RPC benchmark, from the repository's corpus.
fn corpus(path: &str) -> String {
    format!("{}/../corpus/{path}", env!("CARGO_MANIFEST_DIR"))
}

#[tokio::test]
async fn bench_rpc_measures_echo_calls_and_checks_every_reply() {
    // The IDL of the RPC benchmark: the Volo echo peer's, which both sides load.
    let idl = format!("{}/../benches/peers/volo/idl/echo.thrift", env!("CARGO_MANIFEST_DIR"));
    let (_child, addr) = serve(&idl, "EchoService", "echo").await;
    // The echo handler answers a `Request` as the identical `Response`.
    let o = call(&[
        "--idl",
        &idl,
        "--service",
        "EchoService",
        "--addr",
        &addr,
        "--method",
        "echo",
        "--args",
        r#"{"req":{"message":"m","id":9,"numbers":[1,2],"tags":{"k":"v"}}}"#,
    ])
    .await;
    assert_eq!(stdout(&o), "{\"message\":\"m\",\"id\":9,\"numbers\":[1,2],\"tags\":{\"k\":\"v\"}}\n", "{}", stderr(&o));
    for (transport, multiplex) in [("framed", false), ("ttheader", true), ("ttheader-noframe", false)] {
        let args_file = corpus("payloads/echo-small.json");
        let mut args = vec![
            "bench-rpc",
            "--idl",
            &idl,
            "--service",
            "EchoService",
            "--method",
            "echo",
            "--addr",
            &addr,
            "--args-file",
            &args_file,
            "--id-field",
            "req.id",
            "--transport",
            transport,
            "--concurrency",
            "4",
            "--calls",
            "400",
            "--label",
            "small",
            "--json",
        ];
        if multiplex {
            args.push("--multiplex");
        }
        let o = Command::new(BIN).args(&args).output().await.unwrap();
        assert!(o.status.success(), "{transport}: {}{}", stdout(&o), stderr(&o));
        let report: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
        assert_eq!(report["errors"], 0, "{report}");
        assert_eq!(report["calls"], 400);
        assert_eq!(report["warmup_calls"], 40);
        assert_eq!(report["request_bytes"], 124, "the args struct of 120 bytes of `Request`");
        assert_eq!(report["multiplex"], multiplex);
        assert!(report["qps"].as_f64().unwrap() > 0.0 && report["p99_us"].as_f64().unwrap() > 0.0, "{report}");
    }
    // An id field that is not an i64 field of the arguments is refused before any call.
    let o = Command::new(BIN)
        .args(["bench-rpc", "--idl", &idl, "--service", "EchoService", "--method", "echo", "--addr", &addr])
        .args(["--args-file", &corpus("payloads/echo-small.json"), "--id-field", "req.message"])
        .output()
        .await
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--id-field"), "{}", stderr(&o));
}
