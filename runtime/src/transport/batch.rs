//! The server's per-connection writer: a task that drains a queue of replies, encodes
//! them straight into the connection's write buffer, and writes the buffer once per
//! batch, so that under load many replies share one system call.
//!
//! Order: a reply tagged with an order number (the request's position among the
//! connection's calls) waits until every earlier one is written: a client that pipelines
//! without multiplexing reads replies in request order. Untagged replies (TTHeader
//! clients that set `FLAG_SUPPORT_OUT_OF_ORDER`, Framed clients of a server configured
//! for multiplexing) go out as soon as they are ready.
//!
//! While the server drains, TTHeader replies carry the `crrst` string header, which tells
//! Kitex, Volo and our clients not to reuse the connection.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use thriftjit::engine::Codec;
use thriftjit::value::Message;
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::sync::{Notify, OwnedSemaphorePermit, mpsc};

use super::encode::{Body, MessageWriter};
use super::shutdown::{Phase, ShutdownSignal};
use crate::proto::ttheader::str_key;
use crate::proto::{ApplicationException, Dialect, Envelope, ExceptionType, FrameHeader, Limits, MessageType};

/// Bytes buffered before a batch is written even if more replies are queued: 64 KiB, a
/// few socket buffers' worth; beyond it batching saves nothing and delays the first reply.
pub const FLUSH_AT: usize = 64 * 1024;

/// Initial capacity of a connection's write buffer: 8 KiB, most batches of small replies.
pub const WRITE_BUFFER: usize = 8 * 1024;

/// What the calls of one connection share: how many are in flight, and a wake-up for
/// whoever waits for none to be.
#[derive(Debug, Default)]
pub struct ConnState {
    in_flight: AtomicUsize,
    /// Calls finished so far (for the reader's idle clock).
    finished: AtomicU64,
    idle: Notify,
}

impl ConnState {
    /// Calls in flight.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Acquire)
    }

    /// Calls finished so far.
    pub fn finished(&self) -> u64 {
        self.finished.load(Ordering::Relaxed)
    }

    /// Resolves once no call is in flight.
    pub async fn wait_idle(&self) {
        loop {
            let notified = self.idle.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.in_flight() == 0 {
                return;
            }
            notified.await;
        }
    }
}

/// One call in flight: holds a permit of the connection's in-flight limit, and counts
/// in [`ConnState`] until dropped (after its reply is written, or its oneway handler ends).
#[derive(Debug)]
pub struct InFlight {
    state: Arc<ConnState>,
    _permit: OwnedSemaphorePermit,
}

impl InFlight {
    /// Starts counting a call.
    pub fn new(state: Arc<ConnState>, permit: OwnedSemaphorePermit) -> Self {
        state.in_flight.fetch_add(1, Ordering::AcqRel);
        InFlight { state, _permit: permit }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.state.finished.fetch_add(1, Ordering::Relaxed);
        if self.state.in_flight.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.state.idle.notify_waiters();
        }
    }
}

/// The body of a reply.
#[derive(Debug)]
pub enum ReplyBody {
    /// A whole `<method>_result` message.
    Result(Message),
    /// A `<method>_result` whose one set field `id` is the struct message `value`.
    Field {
        /// The result field's id.
        id: i16,
        /// Its value.
        value: Message,
    },
    /// A `TApplicationException` (sent as an `Exception` message).
    Exception(ApplicationException),
    /// A TTHeader control frame: no message at all (sequence id 0, `crrst`).
    Control,
}

/// A reply queued for the writer.
#[derive(Debug)]
pub struct OutMessage {
    /// Position among the connection's calls, when replies must keep request order.
    pub order: Option<u64>,
    /// The dialect to answer in.
    pub dialect: Dialect,
    /// The reply's frame header.
    pub header: FrameHeader,
    /// The method name of the envelope.
    pub name: Box<str>,
    /// The call's sequence id.
    pub seq_id: i32,
    /// What to send.
    pub body: ReplyBody,
    /// The call, counted until the reply is written.
    pub in_flight: Option<InFlight>,
}

struct Writer {
    codec: Arc<Codec>,
    writer: MessageWriter,
    buf: BytesMut,
    next_order: u64,
    parked: BTreeMap<u64, OutMessage>,
    written: Vec<InFlight>,
    draining: bool,
}

impl Writer {
    fn accept(&mut self, m: OutMessage) {
        match m.order {
            None => self.encode(m),
            Some(n) if n == self.next_order => {
                self.encode(m);
                self.next_order += 1;
                while let Some(next) = self.parked.remove(&self.next_order) {
                    self.encode(next);
                    self.next_order += 1;
                }
            }
            Some(n) => {
                self.parked.insert(n, m);
            }
        }
    }

    fn encode(&mut self, mut m: OutMessage) {
        if let Some(call) = m.in_flight.take() {
            self.written.push(call);
        }
        if self.draining
            && let FrameHeader::TtHeader(h) = &mut m.header
        {
            h.strings.insert(Bytes::from_static(str_key::CONNECTION_READY_TO_RESET.as_bytes()), "1");
        }
        let (message_type, body) = match &m.body {
            ReplyBody::Result(r) => (MessageType::Reply, Body::Struct(r.root())),
            ReplyBody::Field { id, value } => (MessageType::Reply, Body::Field { id: *id, value: value.root() }),
            ReplyBody::Exception(e) => (MessageType::Exception, Body::Exception(e)),
            ReplyBody::Control => (MessageType::Reply, Body::Empty),
        };
        let envelope = Envelope { name: &m.name, message_type, seq_id: m.seq_id };
        let envelope = (!matches!(m.body, ReplyBody::Control)).then_some(&envelope);
        let Err(e) = self.writer.write(&self.codec, &mut self.buf, m.dialect, &m.header, envelope, body) else {
            return;
        };
        // The reply cannot be written as it is (a required field unset, a frame over the
        // limit): the client gets an INTERNAL_ERROR in its place.
        tracing::warn!(method = %m.name, error = %e, "cannot write a reply; sending INTERNAL_ERROR instead");
        let exception = ApplicationException::new(ExceptionType::INTERNAL_ERROR, format!("the server {e}"));
        let envelope = Envelope { name: &m.name, message_type: MessageType::Exception, seq_id: m.seq_id };
        let body = Body::Exception(&exception);
        if let Err(e) = self.writer.write(&self.codec, &mut self.buf, m.dialect, &m.header, Some(&envelope), body) {
            tracing::warn!(method = %m.name, error = %e, "cannot write an exception either; the reply is lost");
        }
    }
}

/// Writes the replies queued on `rx` to `wr` until every sender is gone, or until the
/// shutdown deadline.
pub async fn write_loop(
    mut wr: OwnedWriteHalf,
    mut rx: mpsc::UnboundedReceiver<OutMessage>,
    codec: Arc<Codec>,
    limits: Limits,
    write_timeout: Option<Duration>,
    signal: ShutdownSignal,
) {
    let mut w = Writer {
        codec,
        writer: MessageWriter::new(limits),
        buf: BytesMut::with_capacity(WRITE_BUFFER),
        next_order: 0,
        parked: BTreeMap::new(),
        written: Vec::new(),
        draining: false,
    };
    // One registration with the signal for the connection's life, not one per batch.
    let mut stop_signal = signal.clone();
    let stopped = stop_signal.reached(Phase::Stopped);
    tokio::pin!(stopped);
    loop {
        let first = tokio::select! {
            m = rx.recv() => m,
            _ = &mut stopped => None,
        };
        let Some(first) = first else { break };
        w.draining = signal.is_draining();
        w.accept(first);
        while w.buf.len() < FLUSH_AT {
            match rx.try_recv() {
                Ok(m) => w.accept(m),
                Err(_) => break,
            }
        }
        if !w.buf.is_empty() {
            let write = wr.write_all(&w.buf);
            let ok = match write_timeout {
                Some(d) => matches!(tokio::time::timeout(d, write).await, Ok(Ok(()))),
                None => write.await.is_ok(),
            };
            if !ok {
                tracing::debug!("writing replies failed; closing the connection");
                break;
            }
            w.buf.clear();
        }
        w.written.clear();
    }
    let _ = wr.shutdown().await;
}
