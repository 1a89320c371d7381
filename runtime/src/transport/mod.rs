//! The netpoll-style TCP transport (tokio) between [`proto`](crate::proto) and the
//! generic [`client`](crate::client) and [`server`](crate::server).
//!
//! Every connection owns a read buffer (`BytesMut`) from which
//! [`FrameDecoder`](crate::proto::FrameDecoder) splits whole frames without copying: a
//! frame is `split_to(n).freeze()` of the buffer, and the codec decodes the message in
//! place, its strings aliasing the frame. Writes go the other way: messages are encoded
//! into the connection's write buffer ([`encode`](mod@encode)) and written in batches,
//! many messages per system call under load (the server's `batch` writer, the
//! multiplexed client's vectored writer in [`mux`]). Sockets get `TCP_NODELAY`.
//!
//! Modules: [`encode`](mod@encode) (messages into write buffers), `conn` (one ping-pong
//! client connection), [`pool`] (idle client connections per address, probed before
//! reuse), [`mux`] (many calls in flight on one connection, keyed by sequence id),
//! `batch` (the server's per-connection writer), [`shutdown`] (the signal a server's
//! connections watch to drain and close).

pub(crate) mod batch;
pub(crate) mod conn;
pub mod encode;
pub mod mux;
pub mod pool;
pub mod shutdown;

use std::io;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::error::Error;

/// Bytes reserved in a read buffer before each read when the decoder does not need more:
/// 8 KiB holds a typical request batch in one read and costs little per idle connection.
pub const READ_CHUNK: usize = 8 * 1024;

/// Default time to establish a TCP connection: one second. Kitex and Volo default to 50 ms,
/// which suits a data centre but fails on loaded CI machines; callers tighten it.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// Default time a single read or write may block: five seconds, Kitex's default.
pub const DEFAULT_IO_TIMEOUT: Duration = Duration::from_secs(5);

/// Timeouts of a client. `None` means no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Establishing a connection. Default [`DEFAULT_CONNECT_TIMEOUT`].
    pub connect: Duration,
    /// Waiting for bytes of a reply. Default [`DEFAULT_IO_TIMEOUT`].
    pub read: Option<Duration>,
    /// Writing a request. Default [`DEFAULT_IO_TIMEOUT`].
    pub write: Option<Duration>,
    /// The whole call, connection included. When set it is also sent to TTHeader servers
    /// as the RPC timeout (int key 12, milliseconds). Default none.
    pub call: Option<Duration>,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: DEFAULT_CONNECT_TIMEOUT,
            read: Some(DEFAULT_IO_TIMEOUT),
            write: Some(DEFAULT_IO_TIMEOUT),
            call: None,
        }
    }
}

/// Runs `fut` under `limit` (if any); on expiry the error names `what`.
pub(crate) async fn with_timeout<T>(
    limit: Option<Duration>,
    what: &str,
    fut: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    match limit {
        None => fut.await,
        Some(d) => match tokio::time::timeout(d, fut).await {
            Ok(r) => r,
            Err(_) => Err(Error::timeout(format!("{what} timed out after {} ms", d.as_millis()))),
        },
    }
}

/// Reads at least one byte into `buf`, first reserving what the decoder said it needs
/// (`needed`, the total buffer length) or [`READ_CHUNK`]. Returns the bytes read; 0 means
/// the peer closed.
pub(crate) async fn read_more<R: AsyncRead + Unpin>(r: &mut R, buf: &mut BytesMut, needed: usize) -> io::Result<usize> {
    let want = needed.saturating_sub(buf.len()).max(READ_CHUNK);
    buf.reserve(want);
    r.read_buf(buf).await
}

/// Most frames gathered into one vectored write: Linux's `UIO_MAXIOV` is 1024; 64 frames
/// already amortise the system call, and a short array keeps the batch's latency low.
pub const MAX_IOVECS: usize = 64;

/// Writes all of `bufs` with vectored writes (`writev`), as many as the socket takes per call.
pub(crate) async fn write_all_vectored<W: AsyncWrite + Unpin>(w: &mut W, bufs: &[Bytes]) -> io::Result<()> {
    let mut slices: Vec<io::IoSlice<'_>> = bufs.iter().filter(|b| !b.is_empty()).map(|b| io::IoSlice::new(b)).collect();
    let mut rest = &mut slices[..];
    while !rest.is_empty() {
        let n = w.write_vectored(rest).await?;
        if n == 0 {
            return Err(io::Error::new(io::ErrorKind::WriteZero, "the connection accepts no more bytes"));
        }
        io::IoSlice::advance_slices(&mut rest, n);
    }
    w.flush().await
}
