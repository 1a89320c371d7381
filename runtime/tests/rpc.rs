//! End-to-end over loopback: our client against our server, every dialect, the call
//! outcomes (values, declared exceptions, application exceptions, panics, oneway), and
//! routing and metadata.

mod common;

use std::time::Duration;

use thriftjit::schema::Schema;
use thriftjit::value::Value;
use thriftjit_runtime::client::{Args, CallOptions, Client};
use thriftjit_runtime::proto::{ExceptionType, Protocol, Transport};
use thriftjit_runtime::server::{ServerBuilder, builtin};

use common::{IDL_PLUS, LOG_ID, start};

const TRANSPORTS: [Transport; 6] = [
    Transport::TtHeader { inner_framed: true },
    Transport::TtHeader { inner_framed: false },
    Transport::THeader { outer_framed: false },
    Transport::THeader { outer_framed: true },
    Transport::Framed,
    Transport::Unframed,
];

fn s(v: &str) -> Value {
    Value::String(v.to_string())
}

#[tokio::test]
async fn every_transport_and_protocol_round_trips_every_kind_of_value() {
    let server = start(|b| b).await;
    for transport in TRANSPORTS {
        for protocol in [Protocol::Binary, Protocol::Compact] {
            let what = format!("{transport:?} {protocol:?}");
            let client = common::client("Test", &server.addr).transport(transport).protocol(protocol).build().unwrap();
            let reply = client.call("echo", Args::named([("text", s("héllo"))])).await.expect(&what);
            assert_eq!(reply.to_value(), Some(s("héllo")), "{what}");
            let point = Value::Struct(vec![(1, Value::I32(1)), (2, Value::I32(2))]);
            let reply = client.call("move", Args::named([("p", point), ("dx", Value::I32(10))])).await.expect(&what);
            assert_eq!(reply.to_value(), Some(Value::Struct(vec![(1, Value::I32(11)), (2, Value::I32(2))])), "{what}");
            let reply = client.call("squares", Value::Struct(vec![(1, Value::I32(4))])).await.expect(&what);
            let want = Value::List([0, 1, 4, 9].map(Value::I32).to_vec());
            assert_eq!(reply.to_value(), Some(want), "{what}");
            let words = Value::List(vec![s("a"), s("b"), s("a")]);
            let reply = client.call("counts", Args::named([("words", words)])).await.expect(&what);
            let want = Value::Map(vec![(s("a"), Value::I64(2)), (s("b"), Value::I64(1))]);
            assert_eq!(reply.to_value(), Some(want), "{what}");
            // An inherited method.
            let reply = client.call("hello", Args::named([("name", s("base"))])).await.expect(&what);
            assert_eq!(reply.to_value(), Some(s("hello base")), "{what}");
            // A void method.
            let reply = client.call("fail", Args::named([("code", Value::I32(0))])).await.expect(&what);
            assert_eq!(reply.to_value(), None, "{what}");
            // JSON arguments, and the result as JSON.
            let reply = client.call_json("squares", r#"{"n": 3}"#, &CallOptions::new()).await.expect(&what);
            assert_eq!(reply.to_json(), serde_json::json!([0, 1, 4]), "{what}");
        }
    }
}

#[tokio::test]
async fn declared_exceptions_arrive_typed_and_the_connection_goes_on() {
    let server = start(|b| b).await;
    for transport in [Transport::TtHeader { inner_framed: true }, Transport::Unframed] {
        let client = common::client("Test", &server.addr).transport(transport).build().unwrap();
        let e = client.call("fail", Args::named([("code", Value::I32(1))])).await.unwrap_err();
        assert!(e.is_exception(), "{e}");
        let x = e.exception().unwrap();
        assert_eq!((x.field_name(), x.field_id(), x.type_name()), ("oops", 1, "Oops"));
        assert_eq!(x.to_value(), Value::Struct(vec![(1, Value::I32(7)), (2, s("bad"))]));
        // Raised by type name, as a message.
        let e = client.call("fail", Args::named([("code", Value::I32(2))])).await.unwrap_err();
        let x = e.into_exception().unwrap();
        assert_eq!((x.field_name(), x.type_name()), ("other", "Other"));
        assert_eq!(x.value().unwrap().get_str("what"), Some("else"));
        // Not declared: the client gets INTERNAL_ERROR.
        let e = client.call("fail", Args::named([("code", Value::I32(3))])).await.unwrap_err();
        assert!(e.is_application(), "{e}");
        assert_eq!(e.application_exception().unwrap().kind, ExceptionType::INTERNAL_ERROR);
        assert!(e.message().contains("Undeclared"), "{e}");
        let reply = client.call("echo", Args::named([("text", s("still here"))])).await.unwrap();
        assert_eq!(reply.to_value(), Some(s("still here")));
        assert_eq!(client.idle_connections(0), 1, "one connection carried every call");
    }
}

#[tokio::test]
async fn a_handler_panic_fails_its_call_only() {
    let server = start(|b| b).await;
    let client = common::client("Test", &server.addr).build().unwrap();
    let e = client.call("boom", ()).await.unwrap_err();
    assert_eq!(e.application_exception().map(|a| a.kind), Some(ExceptionType::INTERNAL_ERROR), "{e}");
    assert!(e.message().contains("boom on purpose"), "{e}");
    let reply = client.call("echo", Args::named([("text", s("after"))])).await.unwrap();
    assert_eq!(reply.to_value(), Some(s("after")));
}

#[tokio::test]
async fn unknown_methods_and_services_get_unknown_method() {
    let server = start(|b| b).await;
    let plus = Schema::parse_str("plus.thrift", IDL_PLUS).unwrap();
    for transport in [Transport::TtHeader { inner_framed: true }, Transport::Framed] {
        let client = Client::builder(plus.clone(), "Test").address(&server.addr).transport(transport).build().unwrap();
        let e = client.call("missing", Args::named([("x", Value::I32(1))])).await.unwrap_err();
        assert_eq!(e.application_exception().map(|a| a.kind), Some(ExceptionType::UNKNOWN_METHOD), "{e}");
        assert!(e.message().contains("missing"), "{e}");
        let reply = client.call("echo", Args::named([("text", s("ok"))])).await.unwrap();
        assert_eq!(reply.to_value(), Some(s("ok")));
    }
    // Our client refuses a method its own IDL lacks before sending anything.
    let client = common::client("Test", &server.addr).build().unwrap();
    let e = client.call("nope", ()).await.unwrap_err();
    assert!(e.is_invalid_input() && e.message().contains("no method `nope`"), "{e}");
    let e = client.call("echo", Args::named([("txt", s("typo"))])).await.unwrap_err();
    assert!(e.is_invalid_input() && e.message().contains("no argument `txt`"), "{e}");
    let e = client.call("echo", Args::named([("text", Value::I32(1))])).await.unwrap_err();
    assert!(e.is_invalid_input(), "{e}");
}

#[tokio::test]
async fn oneway_calls_return_at_once_and_run() {
    let server = start(|b| b).await;
    for transport in [Transport::TtHeader { inner_framed: true }, Transport::Unframed, Transport::Framed] {
        let client = common::client("Test", &server.addr).transport(transport).build().unwrap();
        let reply = client.call("note", Args::named([("text", s("a"))])).await.unwrap();
        assert!(reply.result().is_none());
    }
    // The handlers run in tasks of their own: wait for all three.
    let client = common::client("Test", &server.addr).build().unwrap();
    loop {
        let n = client.call("notes", ()).await.unwrap().to_value();
        if n == Some(Value::I32(3)) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn services_are_routed_by_isn_and_by_multiplexed_names() {
    let server = start(|b| b).await;
    // TTHeader sends `isn`.
    let client = common::client("Second", &server.addr).build().unwrap();
    let reply = client.call("second", Args::named([("s", s("tt"))])).await.unwrap();
    assert_eq!(reply.to_value(), Some(s("second:tt")));
    // Apache's TMultiplexedProtocol names, over Framed and THeader.
    for transport in [Transport::Framed, Transport::THeader { outer_framed: false }] {
        let client =
            common::client("Second", &server.addr).transport(transport).multiplexed_names(true).build().unwrap();
        let reply = client.call("second", Args::named([("s", s("mux"))])).await.unwrap();
        assert_eq!(reply.to_value(), Some(s("second:mux")));
    }
    // Plain names find the method in whichever served service has it.
    let client = common::client("Second", &server.addr).transport(Transport::Framed).build().unwrap();
    let reply = client.call("second", Args::named([("s", s("plain"))])).await.unwrap();
    assert_eq!(reply.to_value(), Some(s("second:plain")));
    // A service the server does not serve.
    let other = Schema::parse_str("o.thrift", "service Elsewhere { void f() }").unwrap();
    let client = Client::builder(other, "Elsewhere").address(&server.addr).build().unwrap();
    let e = client.call("f", ()).await.unwrap_err();
    assert_eq!(e.application_exception().map(|a| a.kind), Some(ExceptionType::UNKNOWN_METHOD), "{e}");
    assert!(e.message().contains("Elsewhere"), "{e}");
}

#[tokio::test]
async fn the_server_sees_the_callers_metadata() {
    let server = start(|b| b).await;
    let client = common::client("Test", &server.addr).header("k", "v").int_header(LOG_ID, "42").build().unwrap();
    let options = CallOptions::new().timeout(Duration::from_secs(30));
    let reply = client.call_with("whoami", (), &options).await.unwrap();
    assert_eq!(reply.to_value(), Some(s("caller=thriftjit log=42 k=v timeout=30000 service=Test")));
    // THeader carries string headers only.
    let client = common::client("Test", &server.addr)
        .transport(Transport::THeader { outer_framed: false })
        .header("k", "th")
        .build()
        .unwrap();
    let reply = client.call("whoami", ()).await.unwrap();
    assert_eq!(reply.to_value(), Some(s("caller=- log=- k=th timeout=- service=Test")));
}

#[tokio::test]
async fn builtin_echo_and_mock_answer_any_method() {
    let idl = "struct P { 1: required i32 x, 2: string name = \"n\", 3: optional i32 o } \
               service S { P same(1: P p), P other(1: i32 x), list<P> many(), void v() }";
    let schema = Schema::parse_str("b.thrift", idl).unwrap();
    let p = Value::Struct(vec![(1, Value::I32(5)), (2, s("five"))]);
    let default_p = Value::Struct(vec![(1, Value::I32(0)), (2, s("n"))]);
    for (handler, same) in [("echo", p.clone()), ("mock", default_p.clone())] {
        let builder = ServerBuilder::from_schema(schema.clone()).service("S");
        let server = match handler {
            "echo" => builder.build(builtin::Echo),
            _ => builder.build(builtin::Mock),
        }
        .unwrap();
        let handle = server.bind("127.0.0.1:0").await.unwrap();
        let client = Client::builder(schema.clone(), "S").address(handle.local_addr().to_string()).build().unwrap();
        let reply = client.call("same", Args::named([("p", p.clone())])).await.unwrap();
        assert_eq!(reply.to_value(), Some(same), "{handler}");
        let reply = client.call("other", Args::named([("x", Value::I32(1))])).await.unwrap();
        assert_eq!(reply.to_value(), Some(default_p.clone()), "{handler}");
        let reply = client.call("many", ()).await.unwrap();
        assert_eq!(reply.to_value(), Some(Value::List(vec![])), "{handler}");
        assert_eq!(client.call("v", ()).await.unwrap().to_value(), None, "{handler}");
    }
}

#[tokio::test]
async fn a_client_with_several_addresses_uses_them_in_turn() {
    let (a, b) = (start(|b| b).await, start(|b| b).await);
    for multiplex in [false, true] {
        let mut builder = common::client("Test", &a.addr).address(&b.addr);
        if multiplex {
            builder = builder.multiplex(1);
        }
        let client = builder.build().unwrap();
        for _ in 0..4 {
            client.call("echo", Args::named([("text", s("x"))])).await.unwrap();
        }
    }
    assert!(!a.seen.peers.lock().unwrap().is_empty() && !b.seen.peers.lock().unwrap().is_empty());
}
