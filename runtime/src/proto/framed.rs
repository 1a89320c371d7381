//! Framed and unframed ("buffered") Thrift messages.
//!
//! **Framed**: a 4-byte big-endian length, then the message (Apache's `TFramedTransport`,
//! Kitex's and Volo's `Framed`). The length is checked against
//! [`Limits::max_frame_size`] as soon as its four bytes are there.
//!
//! **Unframed**: the bare message, one after another. Nothing says where a message ends,
//! so [`unframed_message_len`] finds out by skipping its envelope and its one struct (the
//! arguments, the result, or a `TApplicationException`). That walks the message once per
//! attempt; the [`FrameDecoder`](super::FrameDecoder) uses the "bytes needed" bound of an
//! incomplete attempt to avoid walking again before enough bytes have arrived.

use bytes::{BufMut, BytesMut};

use super::frame::{FrameToken, TokenKind};
use super::read::Reader;
use super::{Limits, ProtoError, Protocol, envelope, skip};

/// Bytes of the length prefix of a framed message.
pub const LENGTH_LEN: usize = 4;

/// Reads the length prefix at the start of `buf` and returns the whole frame's length,
/// prefix included.
///
/// # Errors
/// [`Incomplete`](super::ProtoErrorKind::Incomplete) with fewer than 4 bytes;
/// [`InvalidMessage`](super::ProtoErrorKind::InvalidMessage) for a negative length;
/// [`TooLarge`](super::ProtoErrorKind::TooLarge) for a length over
/// `limits.max_frame_size`, before any of the frame has to be buffered.
pub fn frame_len(buf: &[u8], limits: &Limits) -> Result<usize, ProtoError> {
    let len = Reader::new(buf, 0).i32("the frame length")?;
    let len = usize::try_from(len)
        .map_err(|_| ProtoError::invalid_message(0, format!("frame length {len} at byte 0 is negative")))?;
    if len > limits.max_frame_size {
        return Err(ProtoError::too_large(0, "frame", len, limits.max_frame_size));
    }
    Ok(LENGTH_LEN + len)
}

/// Starts a framed message at the end of `dst`: reserves the length, which
/// [`finish_frame`](super::finish_frame) fills in once the caller has appended the message.
pub fn begin_frame(dst: &mut BytesMut, limits: &Limits) -> FrameToken {
    let start = dst.len();
    dst.put_u32(0);
    FrameToken::new(start, dst.len(), TokenKind::Framed, limits)
}

/// Starts an unframed message at the end of `dst`: writes nothing, but lets
/// [`finish_frame`](super::finish_frame) check the message against the size limit like
/// the framed kinds.
pub fn begin_unframed(dst: &mut BytesMut, limits: &Limits) -> FrameToken {
    FrameToken::new(dst.len(), dst.len(), TokenKind::Unframed, limits)
}

/// Finds the end of the one complete unframed message at the start of `buf`: skips the
/// envelope and the struct after it, and returns the message's length.
///
/// # Errors
/// [`Incomplete`](super::ProtoErrorKind::Incomplete) when `buf` ends inside the message
/// ([`ProtoError::needed`] then gives a lower bound on the bytes needed);
/// [`TooLarge`](super::ProtoErrorKind::TooLarge) as soon as that bound, or the message,
/// exceeds `limits.max_frame_size`; [`InvalidMessage`](super::ProtoErrorKind::InvalidMessage)
/// or [`DepthLimit`](super::ProtoErrorKind::DepthLimit) for a malformed message.
pub fn unframed_message_len(protocol: Protocol, buf: &[u8], limits: &Limits) -> Result<usize, ProtoError> {
    let over = |len: usize| ProtoError::too_large(0, "unframed message", len, limits.max_frame_size);
    let scan = envelope::peek_envelope(protocol, buf)
        .and_then(|(_, body)| skip::skip_struct(protocol, buf, body, limits.max_depth));
    match scan {
        Ok(end) if end > limits.max_frame_size => Err(over(end)),
        Ok(end) => Ok(end),
        Err(e) if e.is_incomplete() && e.needed().is_some_and(|n| n > limits.max_frame_size) => {
            Err(over(e.needed().unwrap_or(0)))
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::golden::{BINARY_OLD_CALL, BINARY_STRICT_CALL, COMPACT_CALL};

    #[test]
    fn frame_lengths_are_checked_as_soon_as_read() {
        let limits = Limits::default();
        assert_eq!(frame_len(&[0, 0, 0, 5, 1], &limits).unwrap(), 9);
        assert!(frame_len(&[0, 0, 0], &limits).unwrap_err().is_incomplete());
        assert!(frame_len(&[0x01, 0x00, 0x00, 0x01], &limits).unwrap_err().is_too_large());
        assert!(frame_len(&[0x01, 0x00, 0x00, 0x00], &limits).is_ok());
        let e = frame_len(&[0xff, 0xff, 0xff, 0xfe], &limits).unwrap_err();
        assert!(e.is_malformed() && e.to_string().contains("-2"), "{e}");
    }

    #[test]
    fn unframed_messages_end_where_their_struct_ends() {
        let limits = Limits::default();
        for (p, msg) in [
            (Protocol::Binary, BINARY_STRICT_CALL),
            (Protocol::Binary, BINARY_OLD_CALL),
            (Protocol::Compact, COMPACT_CALL),
        ] {
            let mut two = msg.to_vec();
            two.extend_from_slice(msg);
            assert_eq!(unframed_message_len(p, &two, &limits).unwrap(), msg.len());
            for cut in 0..msg.len() {
                let e = unframed_message_len(p, &msg[..cut], &limits).unwrap_err();
                assert!(e.is_incomplete(), "{p:?} cut {cut}: {e}");
            }
        }
    }

    #[test]
    fn unframed_limit_applies_to_the_bound_not_just_the_end() {
        let limits = Limits { max_frame_size: 100, ..Limits::default() };
        // A string field declaring 1000 bytes: too large before they arrive.
        let mut msg = BINARY_STRICT_CALL[..22].to_vec();
        msg.extend_from_slice(&[0x0b, 0x00, 0x01, 0x00, 0x00, 0x03, 0xe8]);
        let e = unframed_message_len(Protocol::Binary, &msg, &limits).unwrap_err();
        assert!(e.is_too_large(), "{e}");
        // A method name declaring 1000 bytes, likewise.
        let e = unframed_message_len(Protocol::Binary, &[0x80, 0x01, 0x00, 0x01, 0x00, 0x00, 0x03, 0xe8], &limits)
            .unwrap_err();
        assert!(e.is_too_large(), "{e}");
        // A complete message over the limit.
        let limits = Limits { max_frame_size: 18, ..Limits::default() };
        assert!(unframed_message_len(Protocol::Compact, COMPACT_CALL, &limits).unwrap_err().is_too_large());
    }
}
