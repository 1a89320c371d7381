//! Apache Thrift's cross-language test server, on the generic server: no code is
//! generated from `ThriftTest.thrift`; the IDL is loaded at startup and one handler
//! function answers every method by name.
//!
//! ```sh
//! cargo run --release -p thriftjit-runtime --example thrifttest -- --port 9090
//! ```
//!
//! It is also a guide to writing a generic handler: match on [`CallContext::method`],
//! read the arguments from the decoded `<method>_args` message by field name or id, and
//! answer with a [`Value`] (or a [`Message`]) of the return type, or raise a declared
//! exception by its `throws` field name. The semantics are those of Apache's
//! `test/py/TestServer.py` (and `test/cpp`): every `test*` method echoes its argument
//! except `testMapMap`, `testInsanity`, `testMulti`, `testException`,
//! `testMultiException` and `testOneway`; `SecondService.secondtestString` is served
//! beside `ThriftTest`, reached with `SecondService:secondtestString` (Apache's
//! multiplexed protocol) or TTHeader's `isn`.
//!
//! `--protocol` and `--transport` take Apache's names (plus `ttheader`) so that the
//! cross-test scripts can start it, but they restrict nothing: the server detects every
//! dialect (TTHeader, THeader, Framed, Buffered × Binary, Compact, and THeader inside an
//! extra frame, which is Apache's `header` + `framed`) and answers each client in kind.
//! It prints `listening on 127.0.0.1:PORT` once it accepts connections (`--port 0`
//! picks a free port) and shuts down gracefully on SIGTERM or Ctrl-C.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use thriftjit::schema::{Schema, StructId};
use thriftjit::value::{Message, Value};
use thriftjit_runtime::proto::{ApplicationException, ExceptionType};
use thriftjit_runtime::server::{CallContext, HandlerError, HandlerReply, ServerBuilder, handler_fn};

/// Apache Thrift's cross-language test server, on thriftjit's generic server.
#[derive(Parser, Debug)]
struct Args {
    /// The ThriftTest IDL (the path is relative to the repository root by default).
    #[arg(long, default_value = "../shared/idl/apache-thrift/test/v0.16/ThriftTest.thrift")]
    idl: PathBuf,
    /// The port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 9090)]
    port: u16,
    /// Apache's protocol name; every protocol is accepted whatever this says.
    #[arg(long, default_value = "binary", value_parser = ["binary", "compact", "header", "multi", "multic", "multih"])]
    protocol: String,
    /// Apache's transport name; every transport is accepted whatever this says.
    #[arg(long, default_value = "buffered", value_parser = ["buffered", "framed", "ttheader"])]
    transport: String,
}

/// Builds a struct value of type `ty` from (field name, value) pairs.
fn make(schema: &Schema, ty: &str, fields: &[(&str, Value)]) -> Value {
    let st = schema.struct_type(schema.struct_by_name(ty).unwrap_or(StructId(0)));
    Value::Struct(fields.iter().filter_map(|(name, v)| st.field_by_name(name).map(|f| (f.id, v.clone()))).collect())
}

fn string(s: &str) -> Value {
    Value::String(s.to_string())
}

/// Numberz values used by testInsanity.
const TWO: i32 = 2;
const THREE: i32 = 3;
const SIX: i32 = 6;

/// The handler: one function for every method of ThriftTest and SecondService.
async fn handle(ctx: CallContext, args: Message) -> Result<HandlerReply, HandlerError> {
    let schema = ctx.schema().clone();
    // Arguments are read before any `.await`: views into a message are not `Send`.
    let first = args.root().get_index(0).map(|v| v.to_value());
    let text = |i: i16| args.root().get_str(i).unwrap_or_default().to_string();
    match ctx.method() {
        "testVoid" => Ok(HandlerReply::void()),
        "testString" | "testBool" | "testByte" | "testI32" | "testI64" | "testDouble" | "testBinary" | "testUuid"
        | "testStruct" | "testNest" | "testMap" | "testStringMap" | "testSet" | "testList" | "testEnum"
        | "testTypedef" => match first {
            Some(v) => Ok(v.into()),
            None => Err(HandlerError::application(ApplicationException::new(
                ExceptionType::PROTOCOL_ERROR,
                format!("{} needs its argument", ctx.method()),
            ))),
        },
        "testMapMap" => {
            let inner = |sign: i32| Value::Map((1..=4).map(|i| (Value::I32(sign * i), Value::I32(sign * i))).collect());
            Ok(Value::Map(vec![(Value::I32(-4), inner(-1)), (Value::I32(4), inner(1))]).into())
        }
        "testInsanity" => {
            let argument = first.unwrap_or(Value::Struct(Vec::new()));
            let first_map = Value::Map(vec![(Value::Enum(TWO), argument.clone()), (Value::Enum(THREE), argument)]);
            let second_map = Value::Map(vec![(Value::Enum(SIX), Value::Struct(Vec::new()))]);
            Ok(Value::Map(vec![(Value::I64(1), first_map), (Value::I64(2), second_map)]).into())
        }
        "testMulti" => {
            let root = args.root();
            let xtruct = make(
                &schema,
                "Xtruct",
                &[
                    ("string_thing", string("Hello2")),
                    ("byte_thing", root.get("arg0").map_or(Value::I8(0), |v| v.to_value())),
                    ("i32_thing", root.get("arg1").map_or(Value::I32(0), |v| v.to_value())),
                    ("i64_thing", root.get("arg2").map_or(Value::I64(0), |v| v.to_value())),
                ],
            );
            Ok(xtruct.into())
        }
        "testException" => match text(1).as_str() {
            // A declared exception, raised by its field name in the `throws` clause.
            "Xception" => Err(HandlerError::exception(
                "err1",
                make(&schema, "Xception", &[("errorCode", Value::I32(1001)), ("message", string("Xception"))]),
            )),
            // Anything else thrown becomes a TApplicationException, as in Apache's servers.
            "TException" => Err(HandlerError::application(ApplicationException::new(
                ExceptionType::INTERNAL_ERROR,
                "This is a TException",
            ))),
            _ => Ok(HandlerReply::void()),
        },
        "testMultiException" => match text(1).as_str() {
            // Raised by the exception's type name this time: either works.
            "Xception" => Err(HandlerError::exception(
                "Xception",
                make(
                    &schema,
                    "Xception",
                    &[("errorCode", Value::I32(1001)), ("message", string("This is an Xception"))],
                ),
            )),
            "Xception2" => {
                let inner = make(&schema, "Xtruct", &[("string_thing", string("This is an Xception2"))]);
                Err(HandlerError::exception(
                    "Xception2",
                    make(&schema, "Xception2", &[("errorCode", Value::I32(2002)), ("struct_thing", inner)]),
                ))
            }
            _ => Ok(make(&schema, "Xtruct", &[("string_thing", string(&text(2)))]).into()),
        },
        "testOneway" => {
            // Apache's servers sleep here; a third of the time asked keeps tests quick.
            let seconds = args.root().get_i32(1i16).unwrap_or(0).max(0) as u64;
            tokio::time::sleep(Duration::from_millis(seconds * 1000 / 3)).await;
            Ok(HandlerReply::void())
        }
        "secondtestString" => Ok(string(&format!("testString(\"{}\")", text(1))).into()),
        other => Err(HandlerError::internal(format!("ThriftTest has no method {other}"))),
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let schema = match Schema::load(&args.idl) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("thrifttest: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let mut builder = ServerBuilder::from_schema(Arc::clone(&schema)).service("ThriftTest");
    if schema.service_by_name("SecondService").is_some() {
        builder = builder.service("SecondService");
    }
    let server = match builder.build(handler_fn(handle)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("thrifttest: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let handle = match server.bind(("127.0.0.1", args.port)).await {
        Ok(h) => h,
        Err(e) => {
            eprintln!("thrifttest: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    println!("listening on {}", handle.local_addr());
    eprintln!("thrifttest: --protocol {} --transport {}: every dialect is accepted", args.protocol, args.transport);
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("thrifttest: cannot watch SIGTERM: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    let report = handle.shutdown(Duration::from_secs(5)).await;
    eprintln!("thrifttest: stopped ({report:?})");
    std::process::ExitCode::SUCCESS
}
