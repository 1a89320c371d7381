//! What the end-to-end tests share: a test IDL, a handler for it, and server setup.

#![allow(dead_code, reason = "each test file uses a part")]

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use thriftjit::engine::{Codec, CodecConfig};
use thriftjit::schema::Schema;
use thriftjit::value::{Message, Value};
use thriftjit_runtime::client::ClientBuilder;
use thriftjit_runtime::proto::ttheader::int_key;
use thriftjit_runtime::server::{CallContext, HandlerError, HandlerReply, ServerBuilder, ServerHandle, handler_fn};

pub const IDL: &str = r#"
struct Point { 1: i32 x, 2: i32 y }
exception Oops { 1: i32 code, 2: string why }
exception Other { 1: string what }
service Base { string hello(1: string name) }
service Test extends Base {
  string echo(1: string text),
  Point move(1: Point p, 2: i32 dx),
  list<i32> squares(1: i32 n),
  map<string, i64> counts(1: list<string> words),
  void fail(1: i32 code) throws (1: Oops oops, 2: Other other),
  i32 slow(1: i32 ms),
  i32 boom(),
  oneway void note(1: string text),
  i32 notes(),
  string whoami(),
  binary blob(1: i32 size),
}
service Second { string second(1: string s) }
"#;

/// The same IDL with one more method the server does not know.
pub const IDL_PLUS: &str = r#"
struct Point { 1: i32 x, 2: i32 y }
exception Oops { 1: i32 code, 2: string why }
exception Other { 1: string what }
service Base { string hello(1: string name) }
service Test extends Base {
  string echo(1: string text),
  i32 missing(1: i32 x),
}
service Second { string second(1: string s) }
"#;

/// The test schema and its codec, one per test binary: the JIT compiles each type once
/// (compiling is what costs time in a debug build), and clients and servers share it.
pub fn codec() -> Arc<Codec> {
    static CODEC: OnceLock<Arc<Codec>> = OnceLock::new();
    CODEC
        .get_or_init(|| {
            let schema = Schema::parse_str("test.thrift", IDL).unwrap();
            Arc::new(Codec::new(schema, CodecConfig::default()).unwrap())
        })
        .clone()
}

pub fn schema() -> Arc<Schema> {
    codec().schema().clone()
}

/// A client builder for `service` of the test schema, sharing the test codec.
pub fn client(service: &str, addr: &str) -> ClientBuilder {
    ClientBuilder::new(codec(), service).address(addr)
}

/// What the handler saw, for the tests to look at.
#[derive(Default)]
pub struct Seen {
    pub notes: Mutex<Vec<String>>,
    pub peers: Mutex<BTreeSet<u16>>,
    pub cancelled: Mutex<u32>,
    pub started: tokio::sync::Notify,
}

struct CancelGuard(Arc<Seen>, bool);

impl Drop for CancelGuard {
    fn drop(&mut self) {
        if !self.1 {
            *self.0.cancelled.lock().unwrap() += 1;
        }
    }
}

fn s(v: &str) -> Value {
    Value::String(v.to_string())
}

async fn handle(seen: Arc<Seen>, ctx: CallContext, args: Message) -> Result<HandlerReply, HandlerError> {
    if let Some(peer) = ctx.peer_addr() {
        seen.peers.lock().unwrap().insert(peer.port());
    }
    if ctx.method() == "slow" {
        // Views of a message are not `Send`: read what is needed before awaiting.
        let ms = args.root().get_i32(1i16).unwrap_or(0);
        seen.started.notify_one();
        let mut guard = CancelGuard(seen.clone(), false);
        tokio::time::sleep(Duration::from_millis(ms as u64)).await;
        guard.1 = true;
        return Ok(Value::I32(ms).into());
    }
    let root = args.root();
    Ok(match ctx.method() {
        "hello" => s(&format!("hello {}", root.get_str(1i16).unwrap_or("?"))).into(),
        "echo" => s(root.get_str(1i16).unwrap_or_default()).into(),
        "second" => s(&format!("second:{}", root.get_str(1i16).unwrap_or_default())).into(),
        "move" => {
            // Answered as a message of the return type: the server encodes it as it is.
            let p = root.get_struct(1i16).unwrap();
            let dx = root.get_i32(2i16).unwrap_or(0);
            let point = ctx.schema().struct_by_name("Point").unwrap();
            let mut m = Message::new(ctx.codec().layouts().clone(), point);
            m.root_mut().set_i32("x", p.get_i32("x").unwrap_or(0) + dx).unwrap();
            m.root_mut().set_i32("y", p.get_i32("y").unwrap_or(0)).unwrap();
            HandlerReply::message(m)
        }
        "squares" => Value::List((0..root.get_i32(1i16).unwrap_or(0)).map(|i| Value::I32(i * i)).collect()).into(),
        "counts" => {
            let mut counts: Vec<(String, i64)> = Vec::new();
            for w in root.get_list(1i16).unwrap().iter() {
                let thriftjit::value::ValueRef::String(w) = w else { unreachable!() };
                let w = String::from_utf8_lossy(w).into_owned();
                match counts.iter_mut().find(|(k, _)| *k == w) {
                    Some((_, n)) => *n += 1,
                    None => counts.push((w, 1)),
                }
            }
            Value::Map(counts.into_iter().map(|(k, n)| (s(&k), Value::I64(n))).collect()).into()
        }
        "fail" => match root.get_i32(1i16).unwrap_or(0) {
            1 => return Err(HandlerError::exception("oops", Value::Struct(vec![(1, Value::I32(7)), (2, s("bad"))]))),
            2 => {
                let other = ctx.schema().struct_by_name("Other").unwrap();
                let mut m = Message::new(ctx.codec().layouts().clone(), other);
                m.root_mut().set_str("what", "else").unwrap();
                return Err(HandlerError::exception("Other", m));
            }
            3 => return Err(HandlerError::exception("Undeclared", Value::Struct(vec![]))),
            _ => HandlerReply::void(),
        },
        "boom" => panic!("boom on purpose"),
        "note" => {
            seen.notes.lock().unwrap().push(root.get_str(1i16).unwrap_or_default().to_string());
            HandlerReply::void()
        }
        "notes" => Value::I32(seen.notes.lock().unwrap().len() as i32).into(),
        "whoami" => s(&format!(
            "caller={} log={} k={} timeout={} service={}",
            ctx.caller().unwrap_or("-"),
            ctx.log_id().unwrap_or("-"),
            ctx.string_header("k").unwrap_or("-"),
            ctx.rpc_timeout().map_or("-".to_string(), |t| t.as_millis().to_string()),
            ctx.service(),
        ))
        .into(),
        "blob" => Value::Binary(vec![7; root.get_i32(1i16).unwrap_or(0) as usize]).into(),
        other => return Err(HandlerError::internal(format!("no test handler for {other}"))),
    })
}

pub struct TestServer {
    pub handle: ServerHandle,
    pub seen: Arc<Seen>,
    pub addr: String,
}

/// Starts the test server on a loopback port; `configure` adjusts the builder.
pub async fn start(configure: impl FnOnce(ServerBuilder) -> ServerBuilder) -> TestServer {
    let seen = Arc::new(Seen::default());
    let s2 = seen.clone();
    let builder = ServerBuilder::new(codec()).service("Test").service("Second");
    let server = configure(builder).build(handler_fn(move |ctx, args| handle(s2.clone(), ctx, args))).unwrap();
    let handle = server.bind("127.0.0.1:0").await.unwrap();
    let addr = handle.local_addr().to_string();
    TestServer { handle, seen, addr }
}

pub const LOG_ID: u16 = int_key::LOG_ID;
