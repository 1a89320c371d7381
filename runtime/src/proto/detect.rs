//! Protocol detection: which framing and which Thrift protocol a peer speaks, from the
//! first bytes it sends, so that a server accepts every dialect on one port and answers
//! each connection in its own.
//!
//! The rules follow what the peers do (Apache's `THeaderTransport` detection, Kitex's
//! `DecodeMeta`, Volo's `is_ttheader`/`is_framed`):
//!
//! | first bytes | dialect |
//! |---|---|
//! | `80 01` | unframed strict binary |
//! | `82`, version 1 | unframed compact |
//! | `LEN(4) 10 00` | TTHeader (with or without Volo's inner frame, told from its payload) |
//! | `LEN(4) 0F FF` | THeader |
//! | `LEN(4) LEN-4(4) 0F FF` | THeader inside one more frame (Apache's header + framed) |
//! | `LEN(4) 80 01` / `LEN(4) 82` | framed binary / compact |
//! | `LEN(4) NAME…TYPE` | unframed old (non-strict) binary: a plausible method name, then a message type |
//! | `LEN(4) LEN(4) NAME…TYPE` | framed old binary |
//!
//! Anything else is an [`Unrecognized`](super::ProtoErrorKind::Unrecognized) error (with a
//! hint when it looks like HTTP or TLS); fbthrift compact (version 2), THeader JSON and
//! TTHeader streaming are recognised and refused as
//! [`UnsupportedProtocol`](super::ProtoErrorKind::UnsupportedProtocol). The
//! [`FrameDecoder`](super::FrameDecoder) runs the same rules on every frame, as Kitex and
//! Volo do; [`detect`] is for callers that want the answer before a frame is complete.

use super::fixed::{self, FIXED_LEN};
use super::read::Reader;
use super::ttheader::{self, ProtocolId};
use super::{Limits, ProtoError, Protocol, theader};

/// How messages are delimited on a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    /// CloudWeGo TTHeader. `inner_framed`: the payload starts with a second 4-byte length
    /// (Volo's default `TTHeader<Framed<…>>`); Kitex and Volo's `ttheader-noframe` omit it.
    TtHeader {
        /// Whether the payload carries Volo's inner frame length.
        inner_framed: bool,
    },
    /// Apache/fbthrift THeader. `outer_framed`: the whole THeader frame is itself inside one
    /// more 4-byte frame (Apache's header protocol over a framed transport).
    THeader {
        /// Whether one more 4-byte frame wraps the THeader frame.
        outer_framed: bool,
    },
    /// A 4-byte big-endian length, then the message.
    Framed,
    /// The bare message; its end is found by skipping it.
    Unframed,
}

/// What a peer speaks: the framing and the Thrift protocol inside it. A server answers in
/// the dialect it received.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Dialect {
    /// The framing.
    pub transport: Transport,
    /// The protocol of the message. Binary covers strict and old envelopes alike; replies
    /// are written strict, which old readers accept (Apache's `strictRead` is off by default).
    pub protocol: Protocol,
}

/// The outcome of [`detect`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detection {
    /// Not enough bytes to decide yet; call again with at least this many.
    NeedMoreBytes(usize),
    /// The dialect.
    Found(Dialect),
}

/// What the first bytes say before any frame is read: the family of the framing, and the
/// protocol where the first bytes give it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    TtHeader,
    THeader { outer_framed: bool },
    Framed(Protocol),
    Unframed(Protocol),
}

/// Longest method name that counts as plausible when telling an old (non-strict) binary
/// message from garbage: generous for `Service:method` names, short enough that garbage is
/// refused after at most this many bytes rather than after a whole frame's worth.
pub const MAX_SNIFFED_NAME_LEN: usize = 1024;

/// The protocol of a message starting with `bytes`, if it starts with a strict binary or
/// compact (version 1) envelope.
pub(crate) fn sniff_message(bytes: &[u8]) -> Option<Protocol> {
    match bytes {
        [0x80, 0x01, ..] => Some(Protocol::Binary),
        [0x82, b, ..] if b & 0x1f == 1 => Some(Protocol::Compact),
        _ => None,
    }
}

/// A hint for first bytes that are some other well-known protocol.
fn hint(head: &[u8]) -> Option<&'static str> {
    Some(match head {
        [b'G', b'E', b'T', b' ', ..]
        | [b'P', b'O', b'S', b'T', ..]
        | [b'P', b'U', b'T', b' ', ..]
        | [b'H', b'E', b'A', b'D', ..] => " (this looks like HTTP/1)",
        [b'P', b'R', b'I', b' ', ..] => " (this looks like HTTP/2, e.g. gRPC)",
        [0x16, 0x03, ..] => " (this looks like a TLS handshake)",
        _ => return None,
    })
}

#[cold]
fn unrecognized(buf: &[u8]) -> ProtoError {
    let head = &buf[..buf.len().min(8)];
    let hint = hint(head).unwrap_or("");
    ProtoError::unrecognized(
        0,
        format!(
            "the first bytes {head:02x?} are not TTHeader, THeader, framed or unframed Thrift binary or compact{hint}"
        ),
    )
}

#[cold]
fn compact_version(at: usize, b: u8) -> ProtoError {
    let version = b & 0x1f;
    if version == 2 {
        ProtoError::unsupported_protocol(
            Some(at),
            format!("compact version 2 at byte {at} is fbthrift's compact protocol, which is not supported"),
        )
    } else {
        ProtoError::unrecognized(at, format!("compact protocol version {version} at byte {at} is not 1"))
    }
}

/// Whether `b` can start a method name (an identifier), and continue one (`Service:method`
/// and dotted names included).
fn name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}
fn name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':')
}

/// Whether an old-style binary message (`i32 name length, name, u8 type, i32 seq id`) starts
/// at `at`, or `Err(n)` when `n` bytes are needed to tell.
fn old_binary_at(buf: &[u8], at: usize) -> Result<bool, usize> {
    let Some(word) = buf.get(at..at + 4) else { return Err(at + 4) };
    let len = u32::from_be_bytes([word[0], word[1], word[2], word[3]]) as usize;
    if len == 0 || len > MAX_SNIFFED_NAME_LEN {
        return Ok(false);
    }
    let Some(&first) = buf.get(at + 4) else { return Err(at + 5) };
    if !name_start(first) {
        return Ok(false);
    }
    let type_at = at + 4 + len;
    if !buf[at + 4..type_at.min(buf.len())].iter().all(|&b| name_byte(b)) {
        return Ok(false);
    }
    let Some(&message_type) = buf.get(type_at) else { return Err(type_at + 1) };
    Ok((1..=4).contains(&message_type))
}

/// Decides the family of the framing from the first bytes of `buf`, checking a frame length
/// against the limit as soon as it is read.
///
/// # Errors
/// `Incomplete` (with the bytes needed) when undecidable yet; `TooLarge`, `Unrecognized`,
/// `UnsupportedProtocol` otherwise.
pub(crate) fn sniff(buf: &[u8], limits: &Limits) -> Result<Family, ProtoError> {
    let need = |n: usize| Err(ProtoError::incomplete(buf.len(), n, "the first bytes of a message"));
    let Some(&b0) = buf.first() else { return need(1) };
    match b0 {
        0x80 => {
            return match buf.get(1) {
                None => need(2),
                Some(0x01) => Ok(Family::Unframed(Protocol::Binary)),
                Some(_) => Err(ProtoError::unrecognized(
                    0,
                    format!("binary version {:02x?} at byte 0 is not 80 01", &buf[..2]),
                )),
            };
        }
        0x82 => {
            return match buf.get(1) {
                None => need(2),
                Some(&b) if b & 0x1f == 1 => Ok(Family::Unframed(Protocol::Compact)),
                Some(&b) => Err(compact_version(1, b)),
            };
        }
        // A frame length or an old-style name length: both are far below 2^31 (and our limit).
        0x00..=0x7f => {}
        _ => return Err(unrecognized(buf)),
    }
    if buf.len() < 4 {
        return need(4);
    }
    let len = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
    if len > limits.max_frame_size {
        if hint(buf).is_some() || buf[0] >= 0x20 {
            // Printable text or a well-known protocol, not a length.
            return Err(unrecognized(buf));
        }
        return Err(ProtoError::too_large(0, "frame", len, limits.max_frame_size));
    }
    if buf.len() < 8 {
        return match old_binary_at(buf, 0) {
            Ok(true) => Ok(Family::Unframed(Protocol::Binary)),
            Ok(false) | Err(_) => need(8),
        };
    }
    match buf[4..8] {
        [0x10, 0x00, ..] => return Ok(Family::TtHeader),
        [0x0f, 0xff, ..] => return Ok(Family::THeader { outer_framed: false }),
        [0x80, 0x01, ..] => return Ok(Family::Framed(Protocol::Binary)),
        [0x82, b, ..] if b & 0x1f == 1 => return Ok(Family::Framed(Protocol::Compact)),
        [0x82, b, ..] => return Err(compact_version(5, b)),
        _ => {}
    }
    let inner = u32::from_be_bytes([buf[4], buf[5], buf[6], buf[7]]) as usize;
    if len >= 4 && inner == len - 4 {
        match buf.get(8..10) {
            None => return need(10),
            Some([0x0f, 0xff]) => return Ok(Family::THeader { outer_framed: true }),
            Some(_) => {}
        }
    }
    match old_binary_at(buf, 0) {
        Ok(true) => return Ok(Family::Unframed(Protocol::Binary)),
        Ok(false) => {}
        Err(n) => return need(n),
    }
    match old_binary_at(buf, 4) {
        Ok(true) => Ok(Family::Framed(Protocol::Binary)),
        Ok(false) => Err(unrecognized(buf)),
        Err(n) => need(n),
    }
}

/// Detects the dialect from the first bytes of a connection (or of any message on it).
///
/// For TTHeader the header is read through to the payload, since whether Volo's inner
/// frame is there, and the protocol, are told from the payload's first bytes; the lengths
/// are checked against `limits` on the way, so this never asks for more than a frame.
///
/// # Errors
/// [`TooLarge`](super::ProtoErrorKind::TooLarge) for a frame length over the limit;
/// [`Unrecognized`](super::ProtoErrorKind::Unrecognized) for bytes that are no dialect we
/// know; [`UnsupportedProtocol`](super::ProtoErrorKind::UnsupportedProtocol) for fbthrift
/// compact, THeader JSON, TTHeader streaming or protobuf; [`InvalidHeader`](super::ProtoErrorKind::InvalidHeader)
/// for header sizes that do not add up.
pub fn detect(buf: &[u8], limits: &Limits) -> Result<Detection, ProtoError> {
    let found = |transport, protocol| Ok(Detection::Found(Dialect { transport, protocol }));
    let family = match sniff(buf, limits) {
        Ok(family) => family,
        Err(e) if e.is_incomplete() => return Ok(Detection::NeedMoreBytes(e.needed().unwrap_or(buf.len() + 1))),
        Err(e) => return Err(e),
    };
    match family {
        Family::Framed(p) => found(Transport::Framed, p),
        Family::Unframed(p) => found(Transport::Unframed, p),
        Family::THeader { outer_framed } => {
            let at = 4 * usize::from(outer_framed);
            let frame = &buf[at..];
            if frame.len() < FIXED_LEN {
                return Ok(Detection::NeedMoreBytes(at + FIXED_LEN));
            }
            fixed::frame_len(frame, limits, "THeader")?;
            match Reader::new(frame, FIXED_LEN).varint_u32("the THeader protocol id") {
                Ok(id) => found(Transport::THeader { outer_framed }, theader::ProtocolId(id).protocol()?),
                Err(e) if e.is_incomplete() => Ok(Detection::NeedMoreBytes(at + e.needed().unwrap_or(frame.len() + 1))),
                Err(e) => Err(e),
            }
        }
        Family::TtHeader => {
            if buf.len() < FIXED_LEN {
                return Ok(Detection::NeedMoreBytes(FIXED_LEN));
            }
            let total = fixed::frame_len(buf, limits, "TTHeader")?;
            if u16::from_be_bytes([buf[6], buf[7]]) & ttheader::FLAG_STREAMING != 0 {
                return Err(ProtoError::unsupported_protocol(Some(6), "TTHeader streaming is not supported".into()));
            }
            let start = fixed::payload_offset(buf);
            // Enough of the payload to see an inner frame length and the message after it.
            let end = total.min(start + 6);
            if buf.len() < end {
                return Ok(Detection::NeedMoreBytes(end));
            }
            let payload = &buf[start..end];
            let inner_framed = ttheader::has_inner_frame(payload);
            let message = if inner_framed { &payload[4..] } else { payload };
            let protocol = ttheader::payload_protocol(message, ProtocolId(buf[FIXED_LEN]), start)?;
            found(Transport::TtHeader { inner_framed }, protocol)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::golden::{dialect_cases as cases, *};

    #[test]
    fn detects_every_golden_dialect_and_waits_on_every_prefix() {
        let limits = Limits::default();
        for (bytes, expected) in cases() {
            assert_eq!(detect(&bytes, &limits).unwrap(), expected, "{bytes:02x?}");
            let mut decided_at = None;
            for cut in 0..bytes.len() {
                match detect(&bytes[..cut], &limits).unwrap() {
                    Detection::NeedMoreBytes(n) => {
                        assert!(n > cut, "{expected:?} at {cut} asks for {n}");
                        assert!(decided_at.is_none(), "{expected:?} undecided again at {cut}");
                    }
                    found => {
                        assert_eq!(found, expected, "prefix of {cut}");
                        decided_at.get_or_insert(cut);
                    }
                }
            }
        }
    }

    #[test]
    fn refuses_what_it_does_not_speak() {
        let limits = Limits::default();
        let check = |bytes: &[u8], text: &str| {
            let e = detect(bytes, &limits).unwrap_err();
            assert!(e.to_string().contains(text), "{bytes:02x?}: expected {text:?} in {e}");
            e
        };
        assert!(check(b"GET / HTTP/1.1\r\n", "looks like HTTP/1").is_malformed());
        check(b"PRI * HTTP/2.0", "HTTP/2");
        check(&[0x16, 0x03, 0x01, 0x02, 0x00], "TLS");
        check(&[0xff, 0x00], "are not TTHeader");
        check(&[0x80, 0x02], "not 80 01");
        assert!(check(&[0x82, 0x22], "fbthrift").is_unsupported());
        check(&[0x82, 0x25], "version 5");
        assert!(check(&[0, 0, 0, 9, 0x82, 0x42, 0, 0], "fbthrift").is_unsupported());
        assert!(check(&[0x01, 0x00, 0x00, 0x01], "exceeds the limit of 16777216").is_too_large());
        check(&[0, 0, 0, 9, 0x00, 0x00, 0x00, 0x02, 0x11, 0x22], "are not TTHeader");
        check(&[0, 0, 0, 20, b'a', b'b', b'c', b'd', 9, 0, 0, 0, 0], "are not TTHeader");
        // THeader JSON, TTHeader streaming, TTHeader protobuf.
        let mut json = theader_binary();
        json[14] = 1;
        assert!(check(&json, "JSON").is_unsupported());
        let mut streaming = volo_ttheader();
        streaming[7] = 0x02;
        assert!(check(&streaming, "streaming").is_unsupported());
        let mut pb = volo_ttheader();
        pb[14] = 0x04;
        pb.drain(94..);
        pb.extend_from_slice(&[0x0a, 0x01, 0x02, 0x03, 0x04, 0x05]);
        let len = (pb.len() - 4) as u32;
        pb[..4].copy_from_slice(&len.to_be_bytes());
        assert!(check(&pb, "protobuf").is_unsupported());
    }

    #[test]
    fn limits_apply_before_the_frame_arrives() {
        let small = Limits { max_frame_size: 16, max_header_size: 8, ..Limits::default() };
        assert!(detect(&[0, 0, 0, 17], &small).unwrap_err().is_too_large());
        let e = detect(&volo_ttheader()[..14], &small).unwrap_err();
        assert!(e.is_too_large(), "{e}");
        let limits = Limits { max_header_size: 8, ..Limits::default() };
        let e = detect(&volo_ttheader()[..14], &limits).unwrap_err();
        assert!(e.is_too_large() && e.to_string().contains("header area"), "{e}");
    }
}
