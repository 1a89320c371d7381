//! Multiplexed client connections: many calls in flight on one connection, their replies
//! matched by sequence id (TTHeader and Framed; Kitex's `WithMuxConnection`, Volo's
//! `multiplex`).
//!
//! A [`MuxConn`] has two tasks. The writer drains a queue of frames the callers encoded
//! and writes them with vectored writes, up to [`super::MAX_IOVECS`] frames
//! per system call. The reader splits replies off its read buffer, reads each one's
//! sequence id from the message envelope (authoritative, as in Kitex) and completes the
//! pending call with that id. A reply nobody waits for (its call timed out) is dropped.
//! A frame carrying TTHeader's `crrst` ("connection ready to reset", what a server
//! sends when it shuts down; Kitex sends it on a control frame with sequence id 0)
//! marks the connection as draining: calls in flight finish, new calls go elsewhere.
//! When the connection fails, every pending call fails with it.
//!
//! A [`MuxPool`] keeps at most [`MuxConfig::max_connections`] connections per address,
//! opening another only when every open one already has [`BUSY_IN_FLIGHT`] calls in flight.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU8, AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::{Notify, mpsc, oneshot};

use super::conn::connect;
use super::{MAX_IOVECS, READ_CHUNK, read_more, with_timeout, write_all_vectored};
use crate::error::Error;
use crate::proto::ttheader::str_key;
use crate::proto::{Frame, FrameDecoder, FrameHeader, Limits};

/// Default most connections per address in multiplexed mode: 2, the setting of the
/// kitex-benchmark mux runs (one connection already carries hundreds of calls).
pub const DEFAULT_MAX_CONNECTIONS: usize = 2;

/// Calls in flight on every open connection before the pool opens another (below the
/// maximum): 64. Fewer, and a handful of concurrent calls would open every connection.
pub const BUSY_IN_FLIGHT: usize = 64;

/// Configuration of a [`MuxPool`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MuxConfig {
    /// Most connections per address.
    pub max_connections: usize,
    /// Time to establish a connection.
    pub connect_timeout: Duration,
    /// Time one batch of writes may take before the connection is given up.
    pub write_timeout: Option<Duration>,
    /// Limits on the frames read.
    pub limits: Limits,
}

const OPEN: u8 = 0;
const DRAINING: u8 = 1;
const CLOSED: u8 = 2;

type Waiter = oneshot::Sender<Result<Frame, Error>>;

#[derive(Debug)]
struct Shared {
    state: AtomicU8,
    pending: Mutex<HashMap<i32, Waiter>>,
    in_flight: AtomicUsize,
    next_seq: AtomicU32,
    /// Wakes the reader when the last handle to the connection is dropped.
    dropped: Notify,
}

impl Shared {
    fn pending(&self) -> std::sync::MutexGuard<'_, HashMap<i32, Waiter>> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Closes the connection: every pending call fails with `why`.
    fn fail(&self, why: &str) {
        let waiters: Vec<Waiter> = {
            let mut pending = self.pending();
            self.state.store(CLOSED, Ordering::Release);
            self.in_flight.store(0, Ordering::Relaxed);
            pending.drain().map(|(_, w)| w).collect()
        };
        for w in waiters {
            let _ = w.send(Err(Error::closed(format!("the multiplexed connection failed: {why}"))));
        }
    }

    fn deliver(&self, frame: Frame) {
        if let FrameHeader::TtHeader(h) = &frame.header
            && h.string(str_key::CONNECTION_READY_TO_RESET).is_some()
        {
            let _ = self.state.compare_exchange(OPEN, DRAINING, Ordering::AcqRel, Ordering::Acquire);
        }
        if frame.payload.is_empty() {
            return; // a control frame
        }
        let seq = match frame.envelope() {
            Ok((envelope, _)) => envelope.seq_id,
            Err(e) => return self.fail(&format!("a reply's envelope does not decode: {e}")),
        };
        let waiter = {
            let mut pending = self.pending();
            let w = pending.remove(&seq);
            if w.is_some() {
                self.in_flight.fetch_sub(1, Ordering::Relaxed);
            }
            w
        };
        match waiter {
            Some(w) => {
                let _ = w.send(Ok(frame));
            }
            None => tracing::debug!(seq, "dropping a reply no call waits for (timed out?)"),
        }
    }
}

/// Removes a pending call when its caller stops waiting (reply, timeout or cancellation).
struct PendingGuard<'a> {
    shared: &'a Shared,
    seq: i32,
}

impl Drop for PendingGuard<'_> {
    fn drop(&mut self) {
        if self.shared.pending().remove(&self.seq).is_some() {
            self.shared.in_flight.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

/// One multiplexed connection.
#[derive(Debug)]
pub struct MuxConn {
    tx: mpsc::UnboundedSender<Bytes>,
    shared: Arc<Shared>,
    local_addr: Option<std::net::SocketAddr>,
}

impl MuxConn {
    /// Connects to `addr` and starts the reader and writer tasks.
    ///
    /// # Errors
    /// [`Connect`](crate::ErrorKind::Connect) or [`Timeout`](crate::ErrorKind::Timeout).
    pub async fn connect(addr: &str, config: &MuxConfig) -> Result<MuxConn, Error> {
        let stream = connect(addr, config.connect_timeout).await?;
        let local_addr = stream.local_addr().ok();
        let (rd, wr) = stream.into_split();
        let shared = Arc::new(Shared {
            state: AtomicU8::new(OPEN),
            pending: Mutex::new(HashMap::new()),
            in_flight: AtomicUsize::new(0),
            next_seq: AtomicU32::new(0),
            dropped: Notify::new(),
        });
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(write_loop(wr, rx, shared.clone(), config.write_timeout));
        tokio::spawn(read_loop(rd, shared.clone(), config.limits));
        Ok(MuxConn { tx, shared, local_addr })
    }

    /// The next sequence id: 1, 2, … wrapping to 1 (0 is TTHeader's control frame id).
    pub fn next_seq_id(&self) -> i32 {
        loop {
            let n = self.shared.next_seq.fetch_add(1, Ordering::Relaxed).wrapping_add(1) & 0x7fff_ffff;
            if n != 0 {
                return n as i32;
            }
        }
    }

    /// Takes no new calls (calls in flight finish): the server is expected to close the
    /// connection, as after a request it could not read.
    pub(crate) fn drain(&self) {
        let _ = self.shared.state.compare_exchange(OPEN, DRAINING, Ordering::AcqRel, Ordering::Acquire);
    }

    /// Whether new calls may use the connection.
    pub fn is_open(&self) -> bool {
        self.shared.state.load(Ordering::Acquire) == OPEN
    }

    /// Calls waiting for their reply.
    pub fn in_flight(&self) -> usize {
        self.shared.in_flight.load(Ordering::Relaxed)
    }

    /// The local address of the connection.
    pub fn local_addr(&self) -> Option<std::net::SocketAddr> {
        self.local_addr
    }

    /// Sends `frame` (a whole request with sequence id `seq`) and, if `expect_reply`, waits
    /// for the reply at most `timeout`.
    ///
    /// # Errors
    /// [`Transport`](crate::ErrorKind::Transport) if the connection is closed or fails,
    /// [`Timeout`](crate::ErrorKind::Timeout).
    pub async fn call(
        &self,
        seq: i32,
        frame: BytesMut,
        expect_reply: bool,
        timeout: Option<Duration>,
    ) -> Result<Option<Frame>, Error> {
        let (waiter, rx) = oneshot::channel();
        {
            let mut pending = self.shared.pending();
            if self.shared.state.load(Ordering::Acquire) == CLOSED {
                return Err(Error::closed("the multiplexed connection is closed"));
            }
            if expect_reply {
                pending.insert(seq, waiter);
                self.shared.in_flight.fetch_add(1, Ordering::Relaxed);
            }
        }
        let _guard = expect_reply.then_some(PendingGuard { shared: &self.shared, seq });
        self.tx.send(frame.freeze()).map_err(|_| Error::closed("the multiplexed connection is closed"))?;
        if !expect_reply {
            return Ok(None);
        }
        with_timeout(timeout, "waiting for the reply", async {
            rx.await.map_err(|_| Error::closed("the multiplexed connection closed"))?
        })
        .await
        .map(Some)
    }
}

impl Drop for MuxConn {
    fn drop(&mut self) {
        self.shared.dropped.notify_one();
    }
}

async fn write_loop(
    mut wr: OwnedWriteHalf,
    mut rx: mpsc::UnboundedReceiver<Bytes>,
    shared: Arc<Shared>,
    timeout: Option<Duration>,
) {
    let mut batch = Vec::with_capacity(MAX_IOVECS);
    while let Some(first) = rx.recv().await {
        batch.push(first);
        while batch.len() < MAX_IOVECS {
            match rx.try_recv() {
                Ok(frame) => batch.push(frame),
                Err(_) => break,
            }
        }
        let result = with_timeout(timeout, "writing requests", async {
            write_all_vectored(&mut wr, &batch).await.map_err(|e| Error::transport("writing requests", e))
        })
        .await;
        batch.clear();
        if let Err(e) = result {
            shared.fail(e.message());
            return;
        }
    }
    // Every handle is gone: tell the server we are done.
    let _ = wr.shutdown().await;
}

async fn read_loop(mut rd: OwnedReadHalf, shared: Arc<Shared>, limits: Limits) {
    let mut buf = BytesMut::with_capacity(READ_CHUNK);
    let mut decoder = FrameDecoder::new(limits);
    // One registration for the connection's life, not one per read.
    let dropped = shared.dropped.notified();
    tokio::pin!(dropped);
    loop {
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(frame)) => shared.deliver(frame),
                Ok(None) => break,
                Err(e) => return shared.fail(&format!("a reply does not decode: {e}")),
            }
            if shared.state.load(Ordering::Acquire) == CLOSED {
                return;
            }
        }
        tokio::select! {
            r = read_more(&mut rd, &mut buf, decoder.needed()) => match r {
                Ok(0) => return shared.fail("the server closed the connection"),
                Ok(_) => {}
                Err(e) => return shared.fail(&e.to_string()),
            },
            _ = &mut dropped => return shared.fail("the client dropped the connection"),
        }
    }
}

/// At most [`MuxConfig::max_connections`] multiplexed connections to one address.
#[derive(Debug)]
pub struct MuxPool {
    addr: String,
    config: MuxConfig,
    conns: tokio::sync::Mutex<Vec<Arc<MuxConn>>>,
}

impl MuxPool {
    /// An empty pool for `addr`.
    pub fn new(addr: &str, config: MuxConfig) -> Self {
        MuxPool { addr: addr.to_string(), config, conns: tokio::sync::Mutex::new(Vec::new()) }
    }

    /// The connection for the next call: the open one with the fewest calls in flight, or
    /// a new one when all are busy and the maximum allows.
    ///
    /// # Errors
    /// As [`MuxConn::connect`].
    pub async fn pick(&self) -> Result<Arc<MuxConn>, Error> {
        let mut conns = self.conns.lock().await;
        conns.retain(|c| c.is_open());
        if let Some(c) = conns.iter().min_by_key(|c| c.in_flight())
            && (c.in_flight() < BUSY_IN_FLIGHT || conns.len() >= self.config.max_connections.max(1))
        {
            return Ok(c.clone());
        }
        let conn = Arc::new(MuxConn::connect(&self.addr, &self.config).await?);
        conns.push(conn.clone());
        Ok(conn)
    }

    /// Open connections.
    pub async fn connection_count(&self) -> usize {
        let conns = self.conns.lock().await;
        conns.iter().filter(|c| c.is_open()).count()
    }
}
