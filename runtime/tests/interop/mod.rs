//! What the interoperability tests with real peers share (`interop_python.rs`,
//! `interop_volo.rs`): starting a peer server and reading its port, the `thrifttest`
//! example server, and the ThriftTest checks of Apache's `TestClient.py` made through our
//! client, one named outcome per check, so that a test can expect a peer's known bugs
//! precisely rather than stop at the first failure.

#![allow(dead_code, reason = "each test file uses a part")]

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use thriftjit::value::Value;
use thriftjit_runtime::Error;
use thriftjit_runtime::client::{Args, Client, Reply};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The repository root (the runtime package's parent).
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap_or(Path::new("..")).to_path_buf()
}

/// Waits for the `listening on 127.0.0.1:PORT` line of a server process and returns
/// the address.
pub async fn listening(child: &mut Child) -> String {
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

/// Stops a server with SIGTERM (a graceful shutdown) and returns its exit status.
pub async fn terminate(mut server: Child) -> std::process::ExitStatus {
    let pid = server.id().expect("running");
    let _ = std::process::Command::new("kill").arg(pid.to_string()).status();
    tokio::time::timeout(Duration::from_secs(30), server.wait()).await.expect("it stops").unwrap()
}

/// The `thrifttest` example's binary, built beside this test (or built now).
pub async fn thrifttest_binary() -> PathBuf {
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

/// Starts the `thrifttest` example server on `idl` on a free port; returns it and its port.
pub async fn start_thrifttest(idl: &Path) -> (Child, String) {
    let binary = thrifttest_binary().await;
    let mut server = Command::new(&binary)
        .arg("--idl")
        .arg(idl)
        .args(["--port", "0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the thrifttest example starts");
    let addr = listening(&mut server).await;
    let port = addr.rsplit(':').next().unwrap().to_string();
    (server, port)
}

/// The checks of Apache's `TestClient.py` (plus testVoid, testStringMap and
/// testInsanity), with the names and order of `tests/peers/py_client.py` and
/// `volo-thrifttest-client`.
pub const CHECKS: [&str; 23] = [
    "testVoid",
    "testString",
    "testBool",
    "testByte",
    "testI32",
    "testI64",
    "testDouble",
    "testBinary",
    "testStruct",
    "testNest",
    "testMap",
    "testStringMap",
    "testSet",
    "testList",
    "testEnum",
    "testTypedef",
    "testMapMap",
    "testInsanity",
    "testMulti",
    "testException",
    "testMultiException",
    "testOneway",
    "testOnewayThenNormal",
];

/// Why a check failed.
#[derive(Debug)]
pub enum Failure {
    /// The call returned; the answer was wrong.
    Wrong(String),
    /// The call failed: transport, protocol, or an exception not expected.
    Call(Error),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Wrong(why) => f.write_str(why),
            Failure::Call(e) => write!(f, "the call failed: {e}"),
        }
    }
}

/// The outcome of one check.
pub type Outcome = Result<(), Failure>;

/// The outcome of every check, in [`CHECKS`] order.
pub struct Report(pub Vec<(&'static str, Outcome)>);

impl Report {
    /// The names of the checks that failed.
    pub fn failed(&self) -> Vec<&'static str> {
        self.0.iter().filter(|(_, o)| o.is_err()).map(|(name, _)| *name).collect()
    }

    /// The outcome of the check `name`.
    pub fn outcome(&self, name: &str) -> &Outcome {
        &self.0.iter().find(|(n, _)| *n == name).unwrap_or_else(|| panic!("no check {name}")).1
    }

    /// Panics, listing every failure, unless all checks passed.
    pub fn assert_all_passed(&self, what: &str) {
        let failures: Vec<String> =
            self.0.iter().filter_map(|(name, o)| o.as_ref().err().map(|e| format!("  {name}: {e}"))).collect();
        assert!(
            failures.is_empty(),
            "{what}: {} of {} checks failed:\n{}",
            failures.len(),
            self.0.len(),
            failures.join("\n")
        );
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, outcome) in &self.0 {
            match outcome {
                Ok(()) => writeln!(f, "  ok   {name}")?,
                Err(e) => writeln!(f, "  FAIL {name}: {e}")?,
            }
        }
        Ok(())
    }
}

/// Runs every check of [`CHECKS`] through `client`, in order.
pub async fn run_checks(client: &Client) -> Report {
    let checker = Checker { client };
    let mut outcomes = Vec::with_capacity(CHECKS.len());
    for name in CHECKS {
        outcomes.push((name, checker.run(name).await));
    }
    Report(outcomes)
}

pub fn s(v: &str) -> Value {
    Value::String(v.to_string())
}

/// `Xtruct("Zero", 1, -3, -5)` of TestClient.py.
pub fn xtruct() -> Value {
    Value::Struct(vec![(1, s("Zero")), (4, Value::I8(1)), (9, Value::I32(-3)), (11, Value::I64(-5))])
}

/// `Xtruct2(0, xtruct(), 0)` of TestClient.py.
pub fn xtruct2() -> Value {
    Value::Struct(vec![(1, Value::I8(0)), (2, xtruct()), (3, Value::I32(0))])
}

/// The value with the entries of every map and set sorted: servers answer them in
/// their own (often hashed) order.
fn sorted(v: Value) -> Value {
    let key = |v: &Value| format!("{v:?}");
    match v {
        Value::Map(entries) => {
            let mut entries: Vec<_> = entries.into_iter().map(|(k, v)| (sorted(k), sorted(v))).collect();
            entries.sort_by_cached_key(|(k, _)| key(k));
            Value::Map(entries)
        }
        Value::Set(items) => {
            let mut items: Vec<_> = items.into_iter().map(sorted).collect();
            items.sort_by_cached_key(key);
            Value::Set(items)
        }
        Value::List(items) => Value::List(items.into_iter().map(sorted).collect()),
        Value::Struct(fields) => Value::Struct(fields.into_iter().map(|(id, v)| (id, sorted(v))).collect()),
        other => other,
    }
}

fn expect(got: Option<Value>, want: Value, what: &str) -> Outcome {
    let (got, want) = (got.map(sorted), sorted(want));
    if got.as_ref() == Some(&want) {
        return Ok(());
    }
    let what = if what.is_empty() { String::new() } else { format!("{what}: ") };
    Err(Failure::Wrong(format!("{what}got {got:?}, want Some({want:?})")))
}

struct Checker<'a> {
    client: &'a Client,
}

impl Checker<'_> {
    async fn call(&self, method: &str, args: Vec<(&str, Value)>) -> Result<Option<Value>, Failure> {
        self.client.call(method, Args::named(args)).await.map(|r| r.to_value()).map_err(Failure::Call)
    }

    /// `method(thing)` must answer `thing`.
    async fn echo(&self, method: &str, thing: Value) -> Outcome {
        expect(self.call(method, vec![("thing", thing.clone())]).await?, thing, "")
    }

    async fn void(&self) -> Outcome {
        match self.call("testVoid", vec![]).await? {
            None => Ok(()),
            Some(v) => Err(Failure::Wrong(format!("got {v:?}, want nothing"))),
        }
    }

    async fn string(&self) -> Outcome {
        let texts = ["Python".repeat(20), String::new(), "\u{8}\t\n/\\\\\r{}:パイソン\"".to_string()];
        for text in texts.iter().map(|t| s(t)).chain([s("Afrikaans, العربية, Беларуская, 日本語, 中文, ไทย")])
        {
            self.echo("testString", text).await?;
        }
        Ok(())
    }

    async fn oneway(&self) -> Outcome {
        match self.call("testOneway", vec![("secondsToSleep", Value::I32(1))]).await? {
            None => Ok(()),
            Some(v) => Err(Failure::Wrong(format!("a oneway call answered {v:?}"))),
        }
    }

    async fn exception(&self) -> Outcome {
        let call = |arg: &str| self.client.call("testException", Args::named([("arg", s(arg))]));
        for arg in ["Safe", "success"] {
            if let Some(v) = call(arg).await.map_err(Failure::Call)?.to_value() {
                return Err(Failure::Wrong(format!("{arg}: got {v:?}, want nothing")));
            }
        }
        match call("Xception").await {
            Err(e) => match e.exception() {
                Some(x) if (x.field_name(), x.type_name()) == ("err1", "Xception") => {
                    let want = Value::Struct(vec![(1, Value::I32(1001)), (2, s("Xception"))]);
                    expect(Some(x.to_value()), want, "Xception")?
                }
                _ => return Err(Failure::Call(e)),
            },
            Ok(r) => return Err(Failure::Wrong(format!("Xception: got {:?}, want err1", r.to_value()))),
        }
        // Undeclared on the server side: it arrives as a TApplicationException.
        match call("TException").await {
            Err(e) if e.is_application() => Ok(()),
            Err(e) => Err(Failure::Call(e)),
            Ok(r) => Err(Failure::Wrong(format!("TException: got {:?}, want a TApplicationException", r.to_value()))),
        }
    }

    async fn multi_exception(&self) -> Outcome {
        let call =
            |a: &str, b: &str| self.client.call("testMultiException", Args::named([("arg0", s(a)), ("arg1", s(b))]));
        let declared = |got: Result<Reply, Error>, field: &str| match got {
            Err(e) => match e.exception() {
                Some(x) if x.field_name() == field => Ok(x.to_value()),
                _ => Err(Failure::Call(e)),
            },
            Ok(r) => Err(Failure::Wrong(format!("got {:?}, want {field}", r.to_value()))),
        };
        let err1 = declared(call("Xception", "ignore").await, "err1")?;
        expect(Some(err1), Value::Struct(vec![(1, Value::I32(1001)), (2, s("This is an Xception"))]), "Xception")?;
        let err2 = declared(call("Xception2", "ignore").await, "err2")?;
        let thing = err2.field(2).and_then(|x| x.field(1)).cloned();
        expect(err2.field(1).cloned(), Value::I32(2002), "Xception2.errorCode")?;
        expect(thing, s("This is an Xception2"), "Xception2.struct_thing.string_thing")?;
        let ok = call("success", "foobar").await.map_err(Failure::Call)?.to_value();
        expect(ok.as_ref().and_then(|x| x.field(1)).cloned(), s("foobar"), "success")
    }

    async fn insanity(&self) -> Outcome {
        let x = |text: &str, n: i8| {
            Value::Struct(vec![(1, s(text)), (4, Value::I8(n)), (9, Value::I32(n.into())), (11, Value::I64(n.into()))])
        };
        let user_map = Value::Map(vec![(Value::Enum(5), Value::I64(5)), (Value::Enum(8), Value::I64(8))]);
        let arg = Value::Struct(vec![(1, user_map), (2, Value::List(vec![x("Goodbye4", 4), x("Hello2", 2)]))]);
        let Some(Value::Map(got)) = self.call("testInsanity", vec![("argument", arg.clone())]).await? else {
            return Err(Failure::Wrong("testInsanity: not a map".to_string()));
        };
        let entry = |k: i64| got.iter().find(|(key, _)| *key == Value::I64(k)).map(|(_, v)| v.clone());
        expect(entry(1), Value::Map(vec![(Value::Enum(2), arg.clone()), (Value::Enum(3), arg)]), "[1]")?;
        // Apache's Python server leaves the empty Insanity's fields unset; others write
        // empty containers. Both are the same empty value.
        let empty = |v: &Value| match v {
            Value::Struct(fields) => fields.iter().all(|(_, f)| {
                matches!(f, Value::Map(c) if c.is_empty()) || matches!(f, Value::List(c) if c.is_empty())
            }),
            _ => false,
        };
        match entry(2) {
            Some(Value::Map(second)) if second.len() == 1 && second[0].0 == Value::Enum(6) && empty(&second[0].1) => {}
            other => return Err(Failure::Wrong(format!("[2]: got {other:?}, want {{SIX: Insanity{{}}}}"))),
        }
        if got.len() != 2 {
            return Err(Failure::Wrong(format!("got {} keys, want 1 and 2", got.len())));
        }
        Ok(())
    }

    async fn multi(&self) -> Outcome {
        let args = vec![
            ("arg0", Value::I8(74)),
            ("arg1", Value::I32(0xff00ff)),
            ("arg2", Value::I64(0xffffffffd0d0)),
            ("arg3", Value::Map(vec![(Value::I16(0), s("abc"))])),
            ("arg4", Value::Enum(5)),
            ("arg5", Value::I64(0xf0f0f0)),
        ];
        let want = Value::Struct(vec![
            (1, s("Hello2")),
            (4, Value::I8(74)),
            (9, Value::I32(0xff00ff)),
            (11, Value::I64(0xffffffffd0d0)),
        ]);
        expect(self.call("testMulti", args).await?, want, "")
    }

    async fn run(&self, name: &str) -> Outcome {
        match name {
            "testVoid" => self.void().await,
            "testString" => self.string().await,
            "testBool" => {
                self.echo("testBool", Value::Bool(true)).await?;
                self.echo("testBool", Value::Bool(false)).await
            }
            "testByte" => {
                self.echo("testByte", Value::I8(63)).await?;
                self.echo("testByte", Value::I8(-127)).await
            }
            "testI32" => {
                self.echo("testI32", Value::I32(-1)).await?;
                self.echo("testI32", Value::I32(0)).await
            }
            "testI64" => {
                self.echo("testI64", Value::I64(1)).await?;
                self.echo("testI64", Value::I64(-34359738368)).await
            }
            "testDouble" => {
                for d in DOUBLES {
                    // Compared bitwise (`Value`'s equality for doubles).
                    self.echo("testDouble", Value::Double(d)).await?;
                }
                Ok(())
            }
            "testBinary" => self.echo("testBinary", Value::Binary((0..=255).collect())).await,
            "testStruct" => self.echo("testStruct", xtruct()).await,
            "testNest" => self.echo("testNest", xtruct2()).await,
            "testMap" => {
                let map = [(0, 1), (1, 2), (2, 3), (3, 4), (-1, -2)];
                self.echo("testMap", Value::Map(map.map(|(k, v)| (Value::I32(k), Value::I32(v))).to_vec())).await
            }
            "testStringMap" => {
                let map = [("a", "2"), ("b", "blah"), ("some", "thing"), ("パイソン", "Python")];
                self.echo("testStringMap", Value::Map(map.map(|(k, v)| (s(k), s(v))).to_vec())).await
            }
            "testSet" => self.echo("testSet", Value::Set([8, 1, 42].map(Value::I32).to_vec())).await,
            "testList" => self.echo("testList", Value::List([1, 4, 9, -42].map(Value::I32).to_vec())).await,
            "testEnum" => self.echo("testEnum", Value::Enum(5)).await,
            "testTypedef" => self.echo("testTypedef", Value::I64(0xff_ffff_ffff_ffff)).await,
            "testMapMap" => {
                let inner =
                    |sign: i32| Value::Map((1..=4).map(|i| (Value::I32(sign * i), Value::I32(sign * i))).collect());
                let want = Value::Map(vec![(Value::I32(-4), inner(-1)), (Value::I32(4), inner(1))]);
                expect(self.call("testMapMap", vec![("hello", Value::I32(42))]).await?, want, "")
            }
            "testInsanity" => self.insanity().await,
            "testMulti" => self.multi().await,
            "testException" => self.exception().await,
            "testMultiException" => self.multi_exception().await,
            // No timing is checked: the server sleeps a third of a second after reading
            // the call, and a oneway call does not wait for it.
            "testOneway" => self.oneway().await,
            "testOnewayThenNormal" => {
                self.oneway().await?;
                self.echo("testString", s("Python")).await
            }
            _ => unreachable!("no check {name}"),
        }
    }
}

/// The doubles of TestClient.py's testDouble.
#[expect(clippy::excessive_precision, reason = "the literal of Apache's TestClient.py")]
pub const DOUBLES: [f64; 4] = [-5.235098235, 0.0, -1.0, -0.000341012439638598279];
