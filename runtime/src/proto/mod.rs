//! Thrift transports and message envelopes without I/O: pure functions and small state
//! machines over [`bytes::Bytes`] and [`bytes::BytesMut`] (the quinn-proto / hyper `proto`
//! shape). Nothing here touches a socket or a runtime; `transport` (tokio) sits on top,
//! feeding read buffers in and writing the buffers this module fills.
//!
//! ```text
//!  read buffer ──▶ FrameDecoder::decode ──▶ Frame { dialect, header, payload }
//!                    │ detect: which framing and protocol the peer speaks
//!                    ├─ ttheader: CloudWeGo TTHeader (magic 0x1000), with or without Volo's inner frame
//!                    ├─ theader:  Apache/fbthrift THeader (magic 0x0FFF), zlib, optionally inside one more frame
//!                    └─ framed:   4-byte length frames, and unframed messages found by skipping one message
//!  payload ──▶ envelope::peek_envelope ──▶ method name, message type, seq id; body offset for the codec
//!  reply   ──▶ FrameEncoder::begin … codec writes the message in place … finish_frame ──▶ write buffer
//! ```
//!
//! The payload is a zero-copy slice of the bytes read (except behind a zlib transform);
//! the codec crate (`thriftjit`) decodes the body from it. Every length read from the peer
//! is checked against [`Limits`] before anything is buffered for it; every error is a
//! [`ProtoError`].
//!
//! Modules: [`detect`](mod@detect) (what the first bytes say), [`ttheader`], [`theader`], [`framed`]
//! (the framings), [`envelope`] (message header and `TApplicationException`), [`frame`]
//! (the incremental decoder and the in-place encoder that tie them together).

pub mod detect;
pub mod envelope;
mod error;
mod fixed;
pub mod frame;
pub mod framed;
#[cfg(test)]
mod golden;
mod headers;
#[cfg(test)]
mod proptests;
mod read;
mod skip;
pub mod theader;
pub mod ttheader;

pub use detect::{Detection, Dialect, Transport, detect};
pub use envelope::{ApplicationException, Envelope, ExceptionType, MessageType, peek_envelope, write_envelope};
pub use error::{ProtoError, ProtoErrorKind};
pub use frame::{Frame, FrameDecoder, FrameEncoder, FrameHeader, FrameToken, finish_frame};
pub use headers::Headers;
pub use theader::THeader;
pub use ttheader::TtHeader;

/// The Thrift protocol of a message: how its envelope and body are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// The binary protocol (strict `0x8001` envelopes, or old non-strict ones).
    Binary,
    /// Apache's compact protocol (`0x82`, version 1).
    Compact,
}

/// Largest frame we accept or write by default, not counting its 4-byte length field:
/// 16 MiB, Volo's `DEFAULT_MAX_FRAME_SIZE`. Apache's default is a little smaller
/// (16,384,000); the point of both is that a peer cannot make us buffer gigabytes by
/// declaring a length.
pub const MAX_FRAME_SIZE: usize = 16 * 1024 * 1024;

/// Largest TTHeader/THeader header area (the bytes after the 14 fixed ones, counted by the
/// header-size field) we accept or write by default: 64 KiB, the limit the TTHeader
/// documentation gives and CloudWeGo's gopkg enforces (`MaxHeaderSize = 65536`).
pub const MAX_HEADER_SIZE: usize = 64 * 1024;

/// Deepest nesting of structs and containers the message skipper follows: 64, Apache
/// Thrift's default recursion limit. Deeper input is rejected rather than risking the stack.
pub const MAX_DEPTH: usize = 64;

/// The limits applied to what a peer sends (and to what we write, so that we never send
/// what a peer with the same limits would reject).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest frame, not counting its 4-byte length; for unframed messages, the largest
    /// message. Default [`MAX_FRAME_SIZE`].
    pub max_frame_size: usize,
    /// Largest TTHeader/THeader header area. Default [`MAX_HEADER_SIZE`].
    pub max_header_size: usize,
    /// Deepest nesting followed when skipping a message. Default [`MAX_DEPTH`].
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_frame_size: MAX_FRAME_SIZE, max_header_size: MAX_HEADER_SIZE, max_depth: MAX_DEPTH }
    }
}
