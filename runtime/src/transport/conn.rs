//! One client connection used ping-pong: a call writes its request, reads its reply,
//! and gives the connection back to the [`pool`](super::pool).
//!
//! The connection owns its buffers: requests are encoded into `write_buf` and written
//! with one `write_all`; replies are split off `read_buf` by the connection's
//! [`FrameDecoder`]. Between calls both are empty, which is what lets the pool tell a
//! live idle connection from one the peer closed: any byte (or end of stream) that
//! arrives while the connection is idle makes it unusable.

use std::time::{Duration, Instant};

use bytes::BytesMut;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use super::encode::MessageWriter;
use super::{READ_CHUNK, read_more, with_timeout};
use crate::error::Error;
use crate::proto::{Frame, FrameDecoder, Limits};

/// Connects to `addr` with TCP_NODELAY, within `timeout`.
pub(crate) async fn connect(addr: &str, timeout: Duration) -> Result<TcpStream, Error> {
    let stream = match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return Err(Error::connect(addr, e)),
        Err(_) => {
            return Err(Error::timeout(format!("connecting to {addr} timed out after {} ms", timeout.as_millis())));
        }
    };
    stream.set_nodelay(true).map_err(|e| Error::connect(addr, e))?;
    Ok(stream)
}

/// A ping-pong client connection and its buffers.
#[derive(Debug)]
pub struct Conn {
    stream: TcpStream,
    read_buf: BytesMut,
    /// Where requests are encoded; written and cleared by [`Conn::flush`].
    pub write_buf: BytesMut,
    decoder: FrameDecoder,
    /// Encodes messages into `write_buf`.
    pub writer: MessageWriter,
    next_seq: i32,
    /// When the connection last finished a call (for the pool's idle timeout).
    pub(crate) last_used: Instant,
}

impl Conn {
    /// Connects to `addr`.
    ///
    /// # Errors
    /// [`Connect`](crate::ErrorKind::Connect) or [`Timeout`](crate::ErrorKind::Timeout).
    pub async fn connect(addr: &str, timeout: Duration, limits: Limits) -> Result<Conn, Error> {
        let stream = connect(addr, timeout).await?;
        Ok(Conn {
            stream,
            read_buf: BytesMut::with_capacity(READ_CHUNK),
            write_buf: BytesMut::with_capacity(READ_CHUNK),
            decoder: FrameDecoder::new(limits),
            writer: MessageWriter::new(limits),
            next_seq: 0,
            last_used: Instant::now(),
        })
    }

    /// The next sequence id of this connection: 1, 2, … wrapping past `i32::MAX` to 1
    /// (0 is left out: multiplexed TTHeader reserves it for control frames).
    pub fn next_seq_id(&mut self) -> i32 {
        self.next_seq = if self.next_seq == i32::MAX { 1 } else { self.next_seq + 1 };
        self.next_seq
    }

    /// Writes and clears `write_buf`, within `timeout`.
    ///
    /// # Errors
    /// [`Transport`](crate::ErrorKind::Transport) or [`Timeout`](crate::ErrorKind::Timeout).
    pub async fn flush(&mut self, timeout: Option<Duration>) -> Result<(), Error> {
        let (stream, buf) = (&mut self.stream, &self.write_buf);
        with_timeout(timeout, "writing the request", async {
            stream.write_all(buf).await.map_err(|e| Error::transport("writing the request", e))
        })
        .await?;
        self.write_buf.clear();
        Ok(())
    }

    /// Reads one whole frame; each read waits at most `timeout`.
    ///
    /// # Errors
    /// [`Protocol`](crate::ErrorKind::Protocol) for a frame that does not decode or is over
    /// the limit (the connection is then unusable), [`Transport`](crate::ErrorKind::Transport)
    /// when the peer closes, [`Timeout`](crate::ErrorKind::Timeout).
    pub async fn read_frame(&mut self, timeout: Option<Duration>) -> Result<Frame, Error> {
        loop {
            if let Some(frame) = self.decoder.decode(&mut self.read_buf).map_err(|e| Error::proto("the reply", e))? {
                return Ok(frame);
            }
            let (stream, buf, needed) = (&mut self.stream, &mut self.read_buf, self.decoder.needed());
            let n = with_timeout(timeout, "reading the reply", async {
                read_more(stream, buf, needed).await.map_err(|e| Error::transport("reading the reply", e))
            })
            .await?;
            if n == 0 {
                return Err(Error::closed("the server closed the connection before replying"));
            }
        }
    }

    /// Whether the connection can carry another call: nothing is buffered, and a
    /// non-blocking read finds neither bytes nor the end of the stream (a peer's close,
    /// or a reset, shows up here before the connection is reused).
    pub fn is_reusable(&self) -> bool {
        if !self.read_buf.is_empty() || !self.write_buf.is_empty() {
            return false;
        }
        let mut probe = [0u8; 1];
        matches!(self.stream.try_read(&mut probe), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
    }
}
