//! End-to-end over loopback: connection pools, multiplexing, pipelining, timeouts,
//! graceful shutdown, frame limits, and replies that are out of step. No timing is
//! asserted: sleeps only make a call last long enough to be in flight.

mod common;

use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use thriftjit::value::Value;
use thriftjit_runtime::client::{Args, CallOptions};
use thriftjit_runtime::proto::ttheader::int_key;
use thriftjit_runtime::proto::{
    ApplicationException, Dialect, Envelope, ExceptionType, FrameDecoder, FrameEncoder, FrameHeader, Limits,
    MessageType, Protocol, Transport, write_envelope,
};
use thriftjit_runtime::transport::Timeouts;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use common::{client, start};

fn slow(ms: i32) -> Args {
    Args::named([("ms", Value::I32(ms))])
}

#[tokio::test]
async fn a_pooled_connection_is_reused_and_one_the_server_closed_is_not() {
    let server = start(|b| b.idle_timeout(Some(Duration::from_millis(50)))).await;
    let client = client("Test", &server.addr).build().unwrap();
    for _ in 0..3 {
        client.call("slow", slow(0)).await.unwrap();
    }
    assert_eq!(server.seen.peers.lock().unwrap().len(), 1, "three calls, one connection");
    assert_eq!(client.idle_connections(0), 1);
    // The server closes the idle connection; the pool notices before reusing it.
    while server.handle.connection_count() > 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    client.call("slow", slow(0)).await.unwrap();
    assert_eq!(server.seen.peers.lock().unwrap().len(), 2, "a new connection replaced the closed one");
}

#[tokio::test]
async fn concurrent_ping_pong_calls_use_a_connection_each_and_all_succeed() {
    let server = start(|b| b).await;
    let client = client("Test", &server.addr).build().unwrap();
    let calls: Vec<_> = (0..8)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move { client.call("slow", slow(20 + i)).await.unwrap().to_value() })
        })
        .collect();
    for (i, call) in calls.into_iter().enumerate() {
        assert_eq!(call.await.unwrap(), Some(Value::I32(20 + i as i32)));
    }
    assert!(client.idle_connections(0) > 1);
}

async fn multiplexed_calls_share_a_bounded_number_of_connections(transport: Transport) {
    let server = start(|b| b.multiplex_framed(true)).await;
    let client = client("Test", &server.addr).transport(transport).multiplex(2).build().unwrap();
    let calls: Vec<_> = (0..300)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move {
                // Later calls finish first: replies come back out of order.
                let reply = client.call("slow", slow(30 - (i % 30))).await.unwrap();
                (i, reply.to_value())
            })
        })
        .collect();
    for call in calls {
        let (i, v) = call.await.unwrap();
        assert_eq!(v, Some(Value::I32(30 - (i % 30))));
    }
    let peers = server.seen.peers.lock().unwrap().len();
    assert!((1..=2).contains(&peers), "{transport:?}: {peers} connections");
    assert!(client.mux_connections(0).await <= 2);
    // Oneway and exceptions travel the same way.
    client.call("note", Args::named([("text", Value::String("m".into()))])).await.unwrap();
    let e = client.call("fail", Args::named([("code", Value::I32(1))])).await.unwrap_err();
    assert!(e.is_exception(), "{e}");
}

#[tokio::test]
async fn multiplexed_ttheader_calls_share_a_bounded_number_of_connections() {
    multiplexed_calls_share_a_bounded_number_of_connections(Transport::TtHeader { inner_framed: true }).await;
}

#[tokio::test]
async fn multiplexed_framed_calls_share_a_bounded_number_of_connections() {
    multiplexed_calls_share_a_bounded_number_of_connections(Transport::Framed).await;
}

#[tokio::test]
async fn multiplexing_buffered_or_theader_is_refused() {
    for transport in [Transport::Unframed, Transport::THeader { outer_framed: false }] {
        let e = client("Test", "127.0.0.1:1").transport(transport).multiplex(2).build().unwrap_err();
        assert!(e.is_invalid_input(), "{e}");
    }
}

/// Writes one framed binary call of `slow(ms)` with sequence id `seq`.
fn framed_slow_call(seq: i32, ms: i32, dst: &mut BytesMut) {
    let dialect = Dialect { transport: Transport::Framed, protocol: Protocol::Binary };
    let token = FrameEncoder::default().begin(dst, dialect, &FrameHeader::None).unwrap();
    let envelope = Envelope { name: "slow", message_type: MessageType::Call, seq_id: seq };
    write_envelope(Protocol::Binary, &envelope, dst).unwrap();
    dst.extend_from_slice(&[8, 0, 1]);
    dst.extend_from_slice(&ms.to_be_bytes());
    dst.extend_from_slice(&[0]);
    thriftjit_runtime::proto::finish_frame(token, dst).unwrap();
}

async fn read_seq_ids(stream: &mut TcpStream, n: usize) -> Vec<i32> {
    let mut decoder = FrameDecoder::default();
    let mut buf = BytesMut::new();
    let mut seqs = Vec::new();
    while seqs.len() < n {
        while let Some(frame) = decoder.decode(&mut buf).unwrap() {
            seqs.push(frame.envelope().unwrap().0.seq_id);
        }
        if seqs.len() < n {
            assert!(stream.read_buf(&mut buf).await.unwrap() > 0, "the server closed early");
        }
    }
    seqs
}

#[tokio::test]
async fn pipelined_requests_of_a_framed_client_are_answered_in_request_order() {
    let server = start(|b| b).await;
    let mut stream = TcpStream::connect(&server.addr).await.unwrap();
    let mut out = BytesMut::new();
    // The first call takes longest; its reply must still come first.
    framed_slow_call(1, 60, &mut out);
    framed_slow_call(2, 0, &mut out);
    framed_slow_call(3, 30, &mut out);
    stream.write_all(&out).await.unwrap();
    assert_eq!(read_seq_ids(&mut stream, 3).await, [1, 2, 3]);
}

#[tokio::test]
async fn client_timeouts_expire_and_the_connection_is_not_reused() {
    let server = start(|b| b).await;
    // The whole-call timeout.
    let c = client("Test", &server.addr).build().unwrap();
    let options = CallOptions::new().timeout(Duration::from_millis(30));
    let e = c.call_with("slow", slow(5_000), &options).await.unwrap_err();
    assert!(e.is_timeout(), "{e}");
    assert_eq!(c.idle_connections(0), 0);
    // The read timeout, over Framed (no RPC timeout reaches the server).
    let timeouts = Timeouts { read: Some(Duration::from_millis(30)), ..Timeouts::default() };
    let c = client("Test", &server.addr).transport(Transport::Framed).timeouts(timeouts).build().unwrap();
    let e = c.call("slow", slow(5_000)).await.unwrap_err();
    assert!(e.is_timeout(), "{e}");
    // The multiplexed client.
    let c = client("Test", &server.addr).multiplex(1).build().unwrap();
    let e = c.call_with("slow", slow(5_000), &options).await.unwrap_err();
    assert!(e.is_timeout(), "{e}");
    assert_eq!(c.call("slow", slow(0)).await.unwrap().to_value(), Some(Value::I32(0)));
    // Nothing listens: a connect error.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    drop(listener);
    let e = client("Test", &addr).build().unwrap().call("slow", slow(0)).await.unwrap_err();
    assert!(e.is_connect() || e.is_timeout(), "{e}");
}

#[tokio::test]
async fn the_server_cancels_a_handler_past_the_callers_rpc_timeout() {
    let server = start(|b| b).await;
    // The RPC timeout is sent as a header without a client-side timeout, so the client
    // waits and sees the server's answer.
    let c = client("Test", &server.addr).int_header(int_key::RPC_TIMEOUT, "40").build().unwrap();
    let e = c.call("slow", slow(10_000)).await.unwrap_err();
    assert_eq!(e.application_exception().map(|a| a.kind), Some(ExceptionType::INTERNAL_ERROR), "{e}");
    assert!(e.message().contains("RPC timeout of 40 ms"), "{e}");
    assert_eq!(*server.seen.cancelled.lock().unwrap(), 1, "the handler's future was dropped");
}

#[tokio::test]
async fn graceful_shutdown_finishes_calls_in_flight_and_tells_ttheader_clients() {
    let server = start(|b| b).await;
    let seen = server.seen.clone();
    let c = client("Test", &server.addr).build().unwrap();
    let mux = client("Test", &server.addr).multiplex(1).build().unwrap();
    let in_flight = {
        let c = c.clone();
        tokio::spawn(async move { c.call("slow", slow(200)).await })
    };
    seen.started.notified().await;
    let mux_in_flight = {
        let mux = mux.clone();
        tokio::spawn(async move { mux.call("slow", slow(100)).await })
    };
    seen.started.notified().await;
    let addr = server.addr.clone();
    let report = server.handle.shutdown(Duration::from_secs(10)).await;
    assert!(report.graceful, "{report:?}");
    assert_eq!(in_flight.await.unwrap().unwrap().to_value(), Some(Value::I32(200)));
    assert_eq!(mux_in_flight.await.unwrap().unwrap().to_value(), Some(Value::I32(100)));
    // The reply carried `crrst`: the connection did not go back to the pool.
    assert_eq!(c.idle_connections(0), 0);
    assert_eq!(mux.mux_connections(0).await, 0);
    // The server no longer accepts.
    let e = c.call("slow", slow(0)).await.unwrap_err();
    assert!(e.is_connect(), "{e} ({addr})");
}

#[tokio::test]
async fn shutdown_cancels_what_outlives_its_deadline() {
    let server = start(|b| b).await;
    let c = client("Test", &server.addr).build().unwrap();
    let call = tokio::spawn(async move { c.call("slow", slow(60_000)).await });
    server.seen.started.notified().await;
    let report = server.handle.shutdown(Duration::from_millis(50)).await;
    assert!(!report.graceful);
    assert_eq!(report.abandoned_connections, 1);
    let e = call.await.unwrap().unwrap_err();
    assert!(e.is_transport(), "{e}");
    assert_eq!(*server.seen.cancelled.lock().unwrap(), 1);
}

#[tokio::test]
async fn a_frame_over_the_servers_limit_closes_the_connection_without_reading_it() {
    let limits = Limits { max_frame_size: 1024, ..Limits::default() };
    let server = start(|b| b.limits(limits)).await;
    // Only the length of a 100 MB frame: the server refuses it without waiting for the rest.
    let mut stream = TcpStream::connect(&server.addr).await.unwrap();
    stream.write_all(&100_000_000u32.to_be_bytes()).await.unwrap();
    stream.write_all(&[0x80, 0x01, 0x00, 0x01]).await.unwrap();
    let mut rest = Vec::new();
    let n = stream.read_to_end(&mut rest).await.unwrap_or(0);
    assert_eq!(n, 0, "the server closed without answering");
    // Through the client: the call fails, and smaller calls still work.
    let c = client("Test", &server.addr).build().unwrap();
    let big = Args::named([("text", Value::String("x".repeat(4096)))]);
    let e = c.call("echo", big).await.unwrap_err();
    assert!(e.is_transport(), "{e}");
    let reply = c.call("echo", Args::named([("text", Value::String("small".into()))])).await.unwrap();
    assert_eq!(reply.to_value(), Some(Value::String("small".into())));
}

#[tokio::test]
async fn a_reply_over_the_clients_limit_is_a_protocol_error() {
    let server = start(|b| b).await;
    let limits = Limits { max_frame_size: 1024, ..Limits::default() };
    for multiplex in [false, true] {
        let mut b = client("Test", &server.addr).limits(limits);
        if multiplex {
            b = b.multiplex(1);
        }
        let c = b.build().unwrap();
        let e = c.call("blob", Args::named([("size", Value::I32(4096))])).await.unwrap_err();
        assert!(e.is_protocol() || e.is_transport(), "{e}");
        assert!(e.message().contains("exceeds the limit of 1024"), "{e}");
        let e = c.call("echo", Args::named([("text", Value::String("x".repeat(2048)))])).await.unwrap_err();
        assert!(e.is_invalid_input(), "a request over the limit is not sent: {e}");
    }
}

/// A server that answers every call with a reply whose sequence id or name is wrong.
async fn lying_server(wrong_name: bool) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut decoder = FrameDecoder::default();
        let mut buf = BytesMut::new();
        loop {
            if let Some(frame) = decoder.decode(&mut buf).unwrap() {
                let (envelope, _) = frame.envelope().unwrap();
                let (name, seq) =
                    if wrong_name { ("other", envelope.seq_id) } else { (envelope.name, envelope.seq_id + 1) };
                let reply = Envelope { name, message_type: MessageType::Reply, seq_id: seq };
                let mut out = BytesMut::new();
                let token = FrameEncoder::default().begin(&mut out, frame.dialect, &FrameHeader::None).unwrap();
                write_envelope(frame.dialect.protocol, &reply, &mut out).unwrap();
                out.extend_from_slice(&[0]);
                thriftjit_runtime::proto::finish_frame(token, &mut out).unwrap();
                stream.write_all(&out).await.unwrap();
            } else if stream.read_buf(&mut buf).await.unwrap() == 0 {
                return;
            }
        }
    });
    addr
}

#[tokio::test]
async fn a_reply_with_the_wrong_sequence_id_or_method_is_a_protocol_error() {
    for wrong_name in [false, true] {
        let addr = lying_server(wrong_name).await;
        let c = client("Test", &addr).transport(Transport::Framed).build().unwrap();
        let e = c.call("notes", ()).await.unwrap_err();
        assert!(e.is_protocol(), "{e}");
        let want = if wrong_name { "WRONG_METHOD_NAME" } else { "BAD_SEQUENCE_ID" };
        assert!(e.message().contains(want), "{e}");
        assert_eq!(c.idle_connections(0), 0, "a connection out of step is dropped");
    }
}

#[tokio::test]
async fn dropping_the_server_handle_stops_the_server() {
    let server = start(|b| b).await;
    let addr = server.addr.clone();
    let seen = Arc::clone(&server.seen);
    drop(server);
    let c = client("Test", &addr).build().unwrap();
    let mut refused = false;
    for _ in 0..100 {
        match c.call("slow", slow(0)).await {
            Err(e) if e.is_connect() => {
                refused = true;
                break;
            }
            _ => tokio::time::sleep(Duration::from_millis(5)).await,
        }
    }
    assert!(refused);
    drop(seen);
}

#[tokio::test]
async fn a_multiplexed_name_is_answered_with_the_bare_method_name() {
    let server = start(|b| b).await;
    let mut stream = TcpStream::connect(&server.addr).await.unwrap();
    let dialect = Dialect { transport: Transport::Framed, protocol: Protocol::Compact };
    let mut out = BytesMut::new();
    let token = FrameEncoder::default().begin(&mut out, dialect, &FrameHeader::None).unwrap();
    let envelope = Envelope { name: "Second:second", message_type: MessageType::Call, seq_id: 9 };
    write_envelope(Protocol::Compact, &envelope, &mut out).unwrap();
    out.extend_from_slice(&[0x18, 0x01, b'z', 0x00]); // 1: string "z", stop
    thriftjit_runtime::proto::finish_frame(token, &mut out).unwrap();
    stream.write_all(&out).await.unwrap();
    let mut decoder = FrameDecoder::default();
    let mut buf = BytesMut::new();
    let frame = loop {
        if let Some(frame) = decoder.decode(&mut buf).unwrap() {
            break frame;
        }
        assert!(stream.read_buf(&mut buf).await.unwrap() > 0);
    };
    let (envelope, _) = frame.envelope().unwrap();
    assert_eq!((envelope.name, envelope.message_type, envelope.seq_id), ("second", MessageType::Reply, 9));
    assert_eq!(frame.dialect, dialect);
}

#[tokio::test]
async fn a_half_sent_request_does_not_hold_a_connection_past_the_idle_timeout() {
    let server = start(|b| b.idle_timeout(Some(Duration::from_millis(30)))).await;
    let mut stream = TcpStream::connect(&server.addr).await.unwrap();
    stream.write_all(&[0, 0, 0]).await.unwrap();
    let mut rest = Vec::new();
    assert_eq!(stream.read_to_end(&mut rest).await.unwrap_or(0), 0, "closed without an answer");
}

/// A server that, like Volo's, answers a request it cannot decode with a
/// `TApplicationException` and then closes the connection, with no sign of it in Framed
/// (TTHeader alone has `crrst`). Here the close waits until the next request has arrived
/// on that connection, which is the race a client loses when it reuses the connection.
/// Calls on any other connection get an INTERNAL_ERROR exception naming that connection.
async fn server_that_gives_up_on_a_request() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        for connection in 0.. {
            let Ok((mut stream, _)) = listener.accept().await else { return };
            tokio::spawn(async move {
                let mut decoder = FrameDecoder::default();
                let mut buf = BytesMut::new();
                loop {
                    let Some(frame) = decoder.decode(&mut buf).unwrap() else {
                        if stream.read_buf(&mut buf).await.unwrap_or(0) == 0 {
                            return;
                        }
                        continue;
                    };
                    let (envelope, _) = frame.envelope().unwrap();
                    let (kind, message) = match (connection, envelope.seq_id) {
                        // The first call of the first connection cannot be read; after it,
                        // the connection is closed at the next request, unanswered.
                        (0, 1) => (ExceptionType::PROTOCOL_ERROR, "cannot decode".to_string()),
                        (0, _) => return,
                        _ => (ExceptionType::INTERNAL_ERROR, format!("answered on connection {connection}")),
                    };
                    let mut out = BytesMut::new();
                    let token = FrameEncoder::default().begin(&mut out, frame.dialect, &FrameHeader::None).unwrap();
                    ApplicationException::new(kind, message)
                        .encode_message(frame.dialect.protocol, envelope.name, envelope.seq_id, &mut out)
                        .unwrap();
                    thriftjit_runtime::proto::finish_frame(token, &mut out).unwrap();
                    stream.write_all(&out).await.unwrap();
                }
            });
        }
    });
    addr
}

#[tokio::test]
async fn a_connection_whose_request_the_server_could_not_read_is_not_reused() {
    for multiplex in [false, true] {
        let addr = server_that_gives_up_on_a_request().await;
        let mut builder = client("Test", &addr).transport(Transport::Framed);
        if multiplex {
            builder = builder.multiplex(1);
        }
        let c = builder.build().unwrap();
        let e = c.call("notes", ()).await.unwrap_err();
        assert_eq!(e.application_exception().map(|a| a.kind), Some(ExceptionType::PROTOCOL_ERROR), "{e}");
        let e = c.call("notes", ()).await.unwrap_err();
        let answered = e.application_exception().map(|a| (a.kind, a.message.as_str()));
        assert_eq!(
            answered,
            Some((ExceptionType::INTERNAL_ERROR, "answered on connection 1")),
            "multiplex {multiplex}: the next call goes to a new connection: {e}"
        );
    }
}
