//! One server connection: the reader loop, and the dispatch of each request to a handler task.
//!
//! The reader splits frames off the connection's read buffer, detecting the dialect of
//! each, and dispatches every call at once (pipelining): the arguments are decoded in
//! place from the frame, the handler runs in a task of its own, and its reply is queued
//! for the connection's [`write_loop`](crate::transport::batch::write_loop). At most
//! [`ServerConfig::max_in_flight`](super::ServerConfig::max_in_flight) calls run per
//! connection; beyond that the reader stops reading, which pushes back on the client.
//!
//! Errors that leave the stream in an unknown place (a frame that does not decode, a
//! frame over the limit, which is refused as soon as its length is read) close the
//! connection. Errors of one call (an unknown method, arguments that do not decode, a
//! failed or panicking handler) answer that call with a `TApplicationException` and the
//! connection goes on.
//!
//! Shutdown: once the server drains, the reader keeps serving what arrives, TTHeader
//! replies carry `crrst`, multiplexing TTHeader clients get a control frame saying so,
//! and the connection closes as soon as no call is in flight and no request is half read.

use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use tokio::net::TcpStream;
use tokio::sync::{Semaphore, mpsc};
use tokio::time::Instant;

use super::Shared;
use super::context::CallContext;
use super::handler::BoxedCall;
use super::reply::{self, Outcome};
use crate::proto::ttheader::{self, str_key};
use crate::proto::{
    ApplicationException, Dialect, ExceptionType, Frame, FrameDecoder, FrameHeader, MessageType, THeader, Transport,
    TtHeader, theader,
};
use crate::transport::batch::{ConnState, InFlight, OutMessage, ReplyBody, write_loop};
use crate::transport::encode::wire_protocol;
use crate::transport::read_more;
use crate::transport::shutdown::{Phase, ShutdownSignal, Tracked};

/// Serves one accepted connection until the client closes it, it idles out, it breaks,
/// or the server shuts down.
pub(crate) async fn serve(stream: TcpStream, peer: SocketAddr, shared: Arc<Shared>, mut signal: ShutdownSignal) {
    let _ = stream.set_nodelay(true);
    let (mut rd, wr) = stream.into_split();
    let config = &shared.config;
    let (tx, rx) = mpsc::unbounded_channel();
    let writer =
        tokio::spawn(write_loop(wr, rx, shared.codec.clone(), config.limits, config.write_timeout, signal.clone()));
    let state = Arc::new(ConnState::default());
    let permits = Arc::new(Semaphore::new(config.max_in_flight.max(1)));
    let mut dispatcher =
        Dispatcher { shared: shared.clone(), tx, peer, next_order: 0, mux_client: None, signal: signal.clone() };
    let mut buf = BytesMut::with_capacity(crate::transport::READ_CHUNK);
    let mut decoder = FrameDecoder::new(config.limits);
    let mut draining = signal.is_draining();
    // One future per shutdown phase, not one per loop turn: each is a registration with
    // the signal's waiters.
    let mut phase = Box::pin(reached(signal.clone(), if draining { Phase::Stopped } else { Phase::Draining }));
    let mut idle = config.idle_timeout.map(|t| IdleClock::new(t, &state));
    'conn: loop {
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(frame)) => {
                    let permit = match permits.clone().try_acquire_owned() {
                        Ok(p) => p,
                        Err(_) => tokio::select! {
                            p = permits.clone().acquire_owned() => match p {
                                Ok(p) => p,
                                Err(_) => break 'conn,
                            },
                            _ = signal.reached(Phase::Stopped) => break 'conn,
                        },
                    };
                    if dispatcher.dispatch(frame, InFlight::new(state.clone(), permit)).is_err() {
                        break 'conn;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    tracing::debug!(%peer, error = %e, "closing a connection whose input does not decode");
                    break 'conn;
                }
            }
        }
        tokio::select! {
            biased;
            _ = phase.as_mut() => {
                if signal.phase() == Phase::Stopped {
                    break;
                }
                draining = true;
                phase = Box::pin(reached(signal.clone(), Phase::Stopped));
                dispatcher.announce_shutdown();
            }
            _ = state.wait_idle(), if draining && buf.is_empty() => break,
            _ = IdleClock::tick(&mut idle) => {
                if idle.as_mut().is_some_and(|c| c.expired(&state)) {
                    tracing::debug!(%peer, "closing an idle connection");
                    break;
                }
            }
            r = read_more(&mut rd, &mut buf, decoder.needed()) => match r {
                Ok(0) => break,
                Ok(_) => {
                    if let Some(c) = &mut idle {
                        c.reads += 1;
                    }
                }
                Err(e) => {
                    tracing::debug!(%peer, error = %e, "reading from a connection failed");
                    break;
                }
            },
        }
    }
    // The writer ends once the handlers still running have queued their replies.
    drop(dispatcher);
    let _ = writer.await;
}

/// Resolves once the server's shutdown reaches `phase`.
async fn reached(mut signal: ShutdownSignal, phase: Phase) {
    signal.reached(phase).await
}

/// The idle timeout of a connection, kept without a timer per read: one timer ticks every
/// period, and the connection is idle when a whole period passed without a read, without
/// a call finishing, and with no call in flight. So an idle connection closes between one
/// and two periods after its last activity; a busy one pays nothing per call.
struct IdleClock {
    period: std::time::Duration,
    timer: Pin<Box<tokio::time::Sleep>>,
    /// Reads so far (counted by the reader), and at the last tick.
    reads: u64,
    reads_at_tick: u64,
    /// Calls finished at the last tick ([`ConnState::finished`]).
    finished_at_tick: u64,
}

impl IdleClock {
    fn new(period: std::time::Duration, state: &ConnState) -> Self {
        IdleClock {
            period,
            timer: Box::pin(tokio::time::sleep(period)),
            reads: 0,
            reads_at_tick: 0,
            finished_at_tick: state.finished(),
        }
    }

    /// Resolves at the next tick (never, without an idle timeout).
    async fn tick(clock: &mut Option<IdleClock>) {
        match clock {
            Some(c) => c.timer.as_mut().await,
            None => std::future::pending().await,
        }
    }

    /// At a tick: whether the whole period was idle. Re-arms the timer otherwise.
    fn expired(&mut self, state: &ConnState) -> bool {
        let finished = state.finished();
        let idle = self.reads == self.reads_at_tick && finished == self.finished_at_tick && state.in_flight() == 0;
        (self.reads_at_tick, self.finished_at_tick) = (self.reads, finished);
        let next = Instant::now() + self.period;
        self.timer.as_mut().reset(next);
        idle
    }
}

/// Turns frames into handler tasks and queued replies.
struct Dispatcher {
    shared: Arc<Shared>,
    tx: mpsc::UnboundedSender<OutMessage>,
    peer: SocketAddr,
    /// Order number of the next reply that must keep request order.
    next_order: u64,
    /// The dialect of a multiplexing TTHeader client, told of a shutdown by a control frame.
    mux_client: Option<Dialect>,
    signal: ShutdownSignal,
}

/// Where and how a handler task sends its reply.
struct ReplyTo {
    tx: mpsc::UnboundedSender<OutMessage>,
    order: Option<u64>,
    dialect: Dialect,
    header: FrameHeader,
    name: Box<str>,
    seq_id: i32,
}

impl ReplyTo {
    fn send(self, body: ReplyBody, in_flight: InFlight) {
        let ReplyTo { tx, order, dialect, header, name, seq_id } = self;
        let _ = tx.send(OutMessage { order, dialect, header, name, seq_id, body, in_flight: Some(in_flight) });
    }
}

impl Dispatcher {
    /// Whether replies to `frame` may go out before earlier ones.
    fn out_of_order(&self, frame: &Frame) -> bool {
        match &frame.header {
            FrameHeader::TtHeader(h) => h.flags & ttheader::FLAG_SUPPORT_OUT_OF_ORDER != 0,
            FrameHeader::THeader(h) => h.flags & theader::FLAG_SUPPORT_OUT_OF_ORDER != 0,
            FrameHeader::None => frame.dialect.transport == Transport::Framed && self.shared.config.multiplex_framed,
        }
    }

    /// The frame header of the reply to `frame`: the same framing, protocol id and
    /// out-of-order flag, THeader's transforms (so zlib is answered with zlib), no entries.
    fn reply_header(frame: &Frame, seq_id: i32) -> FrameHeader {
        match &frame.header {
            FrameHeader::TtHeader(h) => {
                let mut r = TtHeader::new(seq_id);
                r.flags = h.flags & ttheader::FLAG_SUPPORT_OUT_OF_ORDER;
                r.protocol = h.protocol;
                FrameHeader::TtHeader(r)
            }
            FrameHeader::THeader(h) => {
                let mut r = THeader::new(seq_id, frame.dialect.protocol);
                r.flags = h.flags & theader::FLAG_SUPPORT_OUT_OF_ORDER;
                r.transforms = h.transforms.clone();
                FrameHeader::THeader(r)
            }
            FrameHeader::None => FrameHeader::None,
        }
    }

    /// Dispatches one request. `Err` closes the connection.
    fn dispatch(&mut self, frame: Frame, in_flight: InFlight) -> Result<(), ()> {
        let received = Instant::now();
        let (envelope, body_at) = match frame.envelope() {
            Ok(x) => x,
            Err(e) => {
                tracing::debug!(peer = %self.peer, error = %e, "closing a connection: a message envelope does not decode");
                return Err(());
            }
        };
        let (seq_id, message_type) = (envelope.seq_id, envelope.message_type);
        let name: Box<str> = envelope.name.into();
        let out_of_order = self.out_of_order(&frame);
        if out_of_order && matches!(frame.header, FrameHeader::TtHeader(_)) {
            self.mux_client = Some(frame.dialect);
        }
        let schema = self.shared.codec.schema().clone();
        let route = self.shared.router.route(&schema, &name, &frame.header);
        let method = route.as_ref().ok().and_then(|&(service, method)| schema.find_method(service, method));
        // A reply is owed to a CALL, unless the method is oneway (Apache's processors do
        // not answer oneway methods, whatever the message type says).
        let wants_reply = message_type == MessageType::Call && !method.is_some_and(|m| m.oneway);
        // A `Service:method` call is answered with the bare method name, as Apache's
        // TMultiplexedProcessor does (its C++ clients check the name).
        let reply_name: Box<str> = match &route {
            Ok((_, bare)) => (*bare).into(),
            Err(_) => name.clone(),
        };
        let reply_to = wants_reply.then(|| ReplyTo {
            tx: self.tx.clone(),
            order: (!out_of_order).then(|| {
                self.next_order += 1;
                self.next_order - 1
            }),
            dialect: frame.dialect,
            header: Self::reply_header(&frame, seq_id),
            name: reply_name,
            seq_id,
        });
        if !matches!(message_type, MessageType::Call | MessageType::Oneway) {
            // Not a request: answer as Apache does, since the envelope is whole.
            let r = ReplyTo {
                tx: self.tx.clone(),
                order: None,
                dialect: frame.dialect,
                header: Self::reply_header(&frame, seq_id),
                name: name.clone(),
                seq_id,
            };
            let message = format!("a server takes calls, not {message_type:?} messages");
            return reject(Some(r), in_flight, ExceptionType::INVALID_MESSAGE_TYPE, message);
        }
        let (service, method) = match (route, method) {
            (Ok((service, _)), Some(m)) => (service, m),
            (Ok((service, bare)), None) => {
                let message = format!("unknown method `{bare}` of service `{}`", schema.service(service).name);
                return reject(reply_to, in_flight, ExceptionType::UNKNOWN_METHOD, message);
            }
            (Err(message), _) => return reject(reply_to, in_flight, ExceptionType::UNKNOWN_METHOD, message),
        };
        let codec = &self.shared.codec;
        let args =
            match codec.decode(method.args, wire_protocol(frame.dialect.protocol), &frame.payload.slice(body_at..)) {
                Ok(args) => args,
                Err(e) => {
                    let message = format!("the arguments of `{}` do not decode: {e}", method.name);
                    return reject(reply_to, in_flight, ExceptionType::PROTOCOL_ERROR, message);
                }
            };
        let ctx = CallContext::new(
            codec.clone(),
            service,
            &method.name,
            seq_id,
            frame.dialect,
            frame.header,
            Some(self.peer),
            received,
        );
        let (deadline, timeout) = (ctx.deadline(), ctx.rpc_timeout());
        let mut call = CatchUnwind(self.shared.handler.clone().call_owned(ctx, args));
        let job = Job {
            shared: self.shared.clone(),
            result: method.result,
            returns: method.returns.clone(),
            method: method.name.clone(),
            reply_to,
            in_flight,
            signal: self.signal.clone(),
            _tracked: self.shared.handlers.track(),
        };
        // The first poll runs here, where the request was read: a handler that answers at
        // once (most do) costs no task, no timer and no wake-up. One that waits moves to a
        // task of its own, which polls it again with a waker of its own (a future uses
        // the waker of its latest poll; this one's does nothing).
        match Pin::new(&mut call).poll(&mut Context::from_waker(std::task::Waker::noop())) {
            Poll::Ready(outcome) => job.finish(outcome),
            Poll::Pending => {
                tokio::spawn(job.run(call, deadline, timeout));
            }
        }
        Ok(())
    }

    /// Tells a multiplexing TTHeader client that the server is shutting down, with a
    /// control frame (sequence id 0, `crrst`), as Kitex does.
    fn announce_shutdown(&mut self) {
        let Some(dialect) = self.mux_client else { return };
        let mut header = TtHeader::new(0);
        header.flags = ttheader::FLAG_SUPPORT_OUT_OF_ORDER;
        header.strings.insert(Bytes::from_static(str_key::CONNECTION_READY_TO_RESET.as_bytes()), "1");
        let dialect = Dialect { transport: Transport::TtHeader { inner_framed: false }, ..dialect };
        let _ = self.tx.send(OutMessage {
            order: None,
            dialect,
            header: FrameHeader::TtHeader(header),
            name: "".into(),
            seq_id: 0,
            body: ReplyBody::Control,
            in_flight: None,
        });
    }
}

/// Answers a call that cannot be served with a `TApplicationException`; the connection goes on.
fn reject(reply_to: Option<ReplyTo>, in_flight: InFlight, kind: ExceptionType, message: String) -> Result<(), ()> {
    tracing::debug!(%message, "answering with a TApplicationException");
    if let Some(r) = reply_to {
        r.send(ReplyBody::Exception(ApplicationException::new(kind, message)), in_flight);
    }
    Ok(())
}

/// One call's handler run.
struct Job {
    shared: Arc<Shared>,
    result: thriftjit::schema::StructId,
    returns: Option<thriftjit::schema::Type>,
    method: Box<str>,
    reply_to: Option<ReplyTo>,
    in_flight: InFlight,
    signal: ShutdownSignal,
    _tracked: Tracked,
}

impl Job {
    /// Runs a handler that did not answer at its first poll, under the caller's deadline.
    async fn run(self, call: CatchUnwind<'static>, deadline: Option<Instant>, timeout: Option<std::time::Duration>) {
        let run = async {
            match deadline {
                Some(at) => match tokio::time::timeout_at(at, call).await {
                    Ok(r) => r,
                    Err(_) => Ok(Outcome::DeadlineExpired(timeout.unwrap_or_default())),
                },
                None => call.await,
            }
        };
        let mut signal = self.signal.clone();
        let outcome = tokio::select! {
            r = run => r,
            // The shutdown deadline passed: the call is abandoned.
            _ = signal.reached(Phase::Stopped) => return,
        };
        self.finish(outcome);
    }

    /// Sends the reply the handler's outcome makes (none for a oneway call).
    fn finish(mut self, outcome: Result<Outcome, Box<dyn std::any::Any + Send>>) {
        let outcome = outcome.unwrap_or_else(|panic| Outcome::Panicked(panic_message(&panic)));
        let Some(reply_to) = self.reply_to.take() else {
            if let Outcome::Panicked(why) = &outcome {
                tracing::warn!(method = %self.method, %why, "a oneway handler panicked");
            }
            return;
        };
        let body = reply::build(&self.shared.codec, &self.method, self.result, self.returns.as_ref(), outcome);
        reply_to.send(body, self.in_flight);
    }
}

/// A handler's future with panics caught: a panic fails its call, not the server.
struct CatchUnwind<'a>(BoxedCall<'a>);

impl Future for CatchUnwind<'_> {
    type Output = Result<Outcome, Box<dyn std::any::Any + Send>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let fut = &mut self.0;
        match std::panic::catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(r)) => Poll::Ready(Ok(Outcome::Done(r))),
            Err(panic) => Poll::Ready(Err(panic)),
        }
    }
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_string()
    }
}
