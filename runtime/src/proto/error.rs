//! The one error type of the protocol layer.
//!
//! [`ProtoError`] is opaque: callers branch on its predicates
//! ([`is_incomplete`](ProtoError::is_incomplete), [`is_too_large`](ProtoError::is_too_large), …) or
//! on [`ProtoError::kind`], and show its message to people. Every constructor is
//! `#[cold]` so that the decoding paths that can fail stay small, and every message names
//! what was expected and, where there is one, the byte offset it was expected at.

use std::borrow::Cow;
use std::fmt;

use thriftjit::error::{DecodeError, DecodeErrorKind};

/// What went wrong, for callers that must branch on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProtoErrorKind {
    /// The input ended before a complete unit (frame, header, message). On a stream
    /// this means "read more"; on a buffer that should be complete it means it was cut short.
    Incomplete,
    /// A declared length exceeds a configured limit ([`Limits`](super::Limits)) or what the
    /// format can represent.
    TooLarge,
    /// The first bytes are not any framing or protocol we know, or a magic number is wrong.
    Unrecognized,
    /// A TTHeader or THeader header is malformed: sizes that do not add up, a string
    /// that runs past the end of the header, a frame shorter than its header.
    InvalidHeader,
    /// A header asks for a transform (compression, HMAC) that we do not implement.
    UnsupportedTransform,
    /// A TTHeader info block with an id we do not know (TTHeader has no way to skip one).
    UnknownInfo,
    /// A protocol or version we recognise but do not speak (fbthrift compact v2, JSON,
    /// TTHeader streaming, Kitex protobuf).
    UnsupportedProtocol,
    /// A Thrift message is malformed: bad version, message type, length, varint or field type.
    InvalidMessage,
    /// Structs or containers are nested deeper than the configured limit.
    DepthLimit,
    /// A zlib stream could not be compressed or decompressed.
    Compression,
    /// The caller asked the encoder for something the format cannot carry (for example a
    /// TTHeader string longer than 65,535 bytes), or misused a [`FrameToken`](super::FrameToken).
    InvalidInput,
}

/// An error of the protocol layer: a kind, a message, and where known the byte offset.
///
/// The struct is one pointer wide so that `Result<T, ProtoError>` stays small on the
/// paths that succeed.
pub struct ProtoError {
    inner: Box<Inner>,
}

struct Inner {
    kind: ProtoErrorKind,
    offset: Option<usize>,
    needed: Option<usize>,
    message: Cow<'static, str>,
}

impl ProtoError {
    #[cold]
    pub(crate) fn new(kind: ProtoErrorKind, offset: Option<usize>, message: impl Into<Cow<'static, str>>) -> Self {
        ProtoError { inner: Box::new(Inner { kind, offset, needed: None, message: message.into() }) }
    }

    /// The input ended at `offset` while `what` was being read; at least `needed` bytes
    /// in total are required before trying again.
    #[cold]
    pub(crate) fn incomplete(offset: usize, needed: usize, what: &str) -> Self {
        let message = format!("input ends at byte {offset} while reading {what}; at least {needed} bytes are needed");
        let mut e = Self::new(ProtoErrorKind::Incomplete, Some(offset), message);
        e.inner.needed = Some(needed);
        e
    }

    /// A decode error of the codec crate's reader on a buffer of `len` bytes, read as
    /// `what`. Running out of input is [`Incomplete`](ProtoErrorKind::Incomplete) with the
    /// codec's lower bound on the bytes needed (at least one more), nesting too deep is
    /// [`DepthLimit`](ProtoErrorKind::DepthLimit), anything else
    /// [`InvalidMessage`](ProtoErrorKind::InvalidMessage).
    #[cold]
    pub(crate) fn from_decode(e: DecodeError, len: usize, what: &str) -> Self {
        Self::from_decode_at(e, 0, len, what)
    }

    /// As [`ProtoError::from_decode`], for a codec that read the bytes from `base` of a
    /// buffer of `len` bytes: its offsets are shifted by `base`.
    #[cold]
    pub(crate) fn from_decode_at(e: DecodeError, base: usize, len: usize, what: &str) -> Self {
        match e.kind() {
            DecodeErrorKind::Truncated => {
                let needed = e.needed().map_or(len + 1, |n| base.saturating_add(n).max(len + 1));
                Self::incomplete(len, needed, what)
            }
            DecodeErrorKind::DepthLimit => {
                Self::new(ProtoErrorKind::DepthLimit, Some(base + e.offset()), format!("{what}: {e}"))
            }
            _ => Self::invalid_message(base + e.offset(), format!("{what}: {e}")),
        }
    }

    #[cold]
    pub(crate) fn too_large(offset: usize, what: &str, len: usize, limit: usize) -> Self {
        Self::new(
            ProtoErrorKind::TooLarge,
            Some(offset),
            format!("{what} of {len} bytes at byte {offset} exceeds the limit of {limit}"),
        )
    }

    #[cold]
    pub(crate) fn unrecognized(offset: usize, message: String) -> Self {
        Self::new(ProtoErrorKind::Unrecognized, Some(offset), message)
    }

    #[cold]
    pub(crate) fn invalid_header(offset: usize, message: String) -> Self {
        Self::new(ProtoErrorKind::InvalidHeader, Some(offset), message)
    }

    #[cold]
    pub(crate) fn invalid_message(offset: usize, message: String) -> Self {
        Self::new(ProtoErrorKind::InvalidMessage, Some(offset), message)
    }

    #[cold]
    pub(crate) fn unsupported_transform(offset: usize, format: &str, id: u32, name: &str) -> Self {
        Self::new(
            ProtoErrorKind::UnsupportedTransform,
            Some(offset),
            format!("{format} transform {id} ({name}) at byte {offset} is not supported"),
        )
    }

    #[cold]
    pub(crate) fn unsupported_protocol(offset: Option<usize>, message: String) -> Self {
        Self::new(ProtoErrorKind::UnsupportedProtocol, offset, message)
    }

    #[cold]
    pub(crate) fn invalid_input(message: String) -> Self {
        Self::new(ProtoErrorKind::InvalidInput, None, message)
    }

    /// What went wrong.
    pub fn kind(&self) -> ProtoErrorKind {
        self.inner.kind
    }

    /// The byte offset, from the start of the buffer given to the failing function, at
    /// which the problem was found, when there is one.
    pub fn offset(&self) -> Option<usize> {
        self.inner.offset
    }

    /// For [`Incomplete`](ProtoErrorKind::Incomplete) errors: a lower bound on the total
    /// number of bytes the input must hold before another attempt can get further.
    pub fn needed(&self) -> Option<usize> {
        self.inner.needed
    }

    /// The input ended too soon (see [`ProtoErrorKind::Incomplete`]).
    pub fn is_incomplete(&self) -> bool {
        self.inner.kind == ProtoErrorKind::Incomplete
    }

    /// A declared length exceeds a limit (see [`ProtoErrorKind::TooLarge`]).
    pub fn is_too_large(&self) -> bool {
        self.inner.kind == ProtoErrorKind::TooLarge
    }

    /// The bytes are well formed but ask for something we do not implement: a transform,
    /// a protocol, an info block.
    pub fn is_unsupported(&self) -> bool {
        matches!(
            self.inner.kind,
            ProtoErrorKind::UnsupportedTransform | ProtoErrorKind::UnsupportedProtocol | ProtoErrorKind::UnknownInfo
        )
    }

    /// The peer sent bytes that break the format: unrecognised first bytes, a malformed
    /// header or message, nesting over the limit, a corrupt zlib stream.
    pub fn is_malformed(&self) -> bool {
        matches!(
            self.inner.kind,
            ProtoErrorKind::Unrecognized
                | ProtoErrorKind::InvalidHeader
                | ProtoErrorKind::InvalidMessage
                | ProtoErrorKind::DepthLimit
                | ProtoErrorKind::Compression
        )
    }
}

impl fmt::Display for ProtoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.inner.message)
    }
}

impl fmt::Debug for ProtoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProtoError")
            .field("kind", &self.inner.kind)
            .field("offset", &self.inner.offset)
            .field("message", &self.inner.message)
            .finish()
    }
}

impl std::error::Error for ProtoError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_is_one_pointer_wide() {
        assert_eq!(std::mem::size_of::<ProtoError>(), std::mem::size_of::<usize>());
    }

    #[test]
    fn predicates_follow_the_kind() {
        let e = ProtoError::incomplete(3, 10, "a frame length");
        assert!(e.is_incomplete() && !e.is_too_large() && !e.is_malformed() && !e.is_unsupported());
        assert_eq!(e.needed(), Some(10));
        assert_eq!(e.offset(), Some(3));
        assert!(e.to_string().contains("byte 3"), "{e}");
        let e = ProtoError::too_large(0, "frame", 100, 10);
        assert!(e.is_too_large());
        assert_eq!(e.to_string(), "frame of 100 bytes at byte 0 exceeds the limit of 10");
        assert!(ProtoError::unsupported_transform(16, "TTHeader", 1, "zlib").is_unsupported());
        assert!(ProtoError::invalid_header(0, String::new()).is_malformed());
    }
}
