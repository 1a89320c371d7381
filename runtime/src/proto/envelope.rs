//! The Thrift message envelope (method name, message type, sequence id), read and written
//! without touching the body; and `TApplicationException`, the struct every Thrift peer
//! understands as "the call failed".
//!
//! A server peeks the envelope of each [`Frame`](super::Frame) payload to route by method
//! name and echo the sequence id; the codec crate then decodes the body from the offset
//! [`peek_envelope`] returns. Formats (`doc/specs/thrift-binary-protocol.md`,
//! `thrift-compact-protocol.md`):
//!
//! ```text
//! binary strict: 80 01 00 0t | i32 name length | name | i32 seq id
//! binary old:    i32 name length | name | u8 type | i32 seq id     (told apart by the top bit)
//! compact:       82 | ttt 00001 | varint seq id | varint name length | name
//! ```

use bytes::{BufMut, BytesMut};

use super::read::{Reader, put_varint};
use super::{ProtoError, Protocol};
use thriftjit::wire::ttype;

/// Compact type codes of the fields of a `TApplicationException`.
const COMPACT_BINARY: u8 = 8;
const COMPACT_I32: u8 = 5;

/// First two bytes of a strict binary envelope (version 1).
pub const BINARY_VERSION_1: u16 = 0x8001;
/// First byte of a compact envelope (the protocol id).
pub const COMPACT_PROTOCOL_ID: u8 = 0x82;
/// Compact protocol version (low five bits of the second byte) that Apache writes.
pub const COMPACT_VERSION: u8 = 1;

/// The kind of a Thrift message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum MessageType {
    /// A request that expects a reply.
    Call = 1,
    /// A reply: the method's result struct.
    Reply = 2,
    /// A failed call: the body is an [`ApplicationException`].
    Exception = 3,
    /// A request that gets no reply.
    Oneway = 4,
}

impl MessageType {
    /// The message type of wire value `v`, if it is one.
    pub fn from_u8(v: u8) -> Option<Self> {
        match v {
            1 => Some(MessageType::Call),
            2 => Some(MessageType::Reply),
            3 => Some(MessageType::Exception),
            4 => Some(MessageType::Oneway),
            _ => None,
        }
    }
}

/// A message envelope: what a message is, without its body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Envelope<'a> {
    /// The method name (`"Service:method"` through a multiplexing protocol).
    pub name: &'a str,
    /// Call, reply, exception or oneway.
    pub message_type: MessageType,
    /// The sequence id a reply must echo.
    pub seq_id: i32,
}

#[cold]
fn bad(at: usize, message: String) -> ProtoError {
    ProtoError::invalid_message(at, message)
}

fn message_type(at: usize, v: u8) -> Result<MessageType, ProtoError> {
    MessageType::from_u8(v).ok_or_else(|| bad(at, format!("message type {v} at byte {at} is not 1 to 4")))
}

fn name(bytes: &[u8], at: usize) -> Result<&str, ProtoError> {
    std::str::from_utf8(bytes).map_err(|e| bad(at, format!("method name at byte {at} is not UTF-8: {e}")))
}

/// Reads the envelope at the start of `payload` and returns it with the offset of the body.
///
/// Binary accepts strict and old (non-strict) envelopes, as Apache's readers do by default.
///
/// # Errors
/// [`Incomplete`](super::ProtoErrorKind::Incomplete) if `payload` ends inside the envelope;
/// [`InvalidMessage`](super::ProtoErrorKind::InvalidMessage) for a wrong version, a
/// negative name length, a message type outside 1–4 or a name that is not UTF-8;
/// [`UnsupportedProtocol`](super::ProtoErrorKind::UnsupportedProtocol) for compact
/// versions other than 1 (fbthrift's compact v2).
pub fn peek_envelope(protocol: Protocol, payload: &[u8]) -> Result<(Envelope<'_>, usize), ProtoError> {
    let mut r = Reader::new(payload, 0);
    let envelope = match protocol {
        Protocol::Binary => {
            let word = r.i32("a binary message header")?;
            if word < 0 {
                if (word as u32) >> 16 != u32::from(BINARY_VERSION_1) {
                    return Err(bad(
                        0,
                        format!("binary message version {:#010x} at byte 0 is not 0x8001xxxx", word as u32),
                    ));
                }
                let message_type = message_type(3, word as u8)?;
                let at = r.pos();
                let len = r.i32("the method name length")?;
                let len = usize::try_from(len)
                    .map_err(|_| bad(at, format!("negative method name length {len} at byte {at}")))?;
                let at = r.pos();
                let name = name(r.bytes(len, "the method name")?, at)?;
                Envelope { name, message_type, seq_id: r.i32("the sequence id")? }
            } else {
                // Old style: the first word is the name length.
                let name = name(r.bytes(word as usize, "the method name")?, 4)?;
                let at = r.pos();
                let message_type = message_type(at, r.u8("the message type")?)?;
                Envelope { name, message_type, seq_id: r.i32("the sequence id")? }
            }
        }
        Protocol::Compact => {
            let id = r.u8("the compact protocol id")?;
            if id != COMPACT_PROTOCOL_ID {
                return Err(bad(0, format!("compact protocol id {id:#04x} at byte 0 is not 0x82")));
            }
            let b = r.u8("the compact version and message type")?;
            let version = b & 0x1f;
            if version != COMPACT_VERSION {
                return Err(ProtoError::unsupported_protocol(
                    Some(1),
                    format!(
                        "compact protocol version {version} at byte 1 is not 1 (2 is fbthrift's compact, not supported)"
                    ),
                ));
            }
            let message_type = message_type(1, b >> 5)?;
            let seq_id = r.varint_u32("the sequence id")? as i32;
            let len = r.varint_u32("the method name length")? as usize;
            let at = r.pos();
            let name = name(r.bytes(len, "the method name")?, at)?;
            Envelope { name, message_type, seq_id }
        }
    };
    Ok((envelope, r.pos()))
}

/// Bytes [`write_envelope`] writes for `envelope`.
pub fn envelope_len(protocol: Protocol, envelope: &Envelope<'_>) -> usize {
    let n = envelope.name.len();
    match protocol {
        Protocol::Binary => 12 + n,
        Protocol::Compact => 2 + varint_len(envelope.seq_id as u32 as u64) + varint_len(n as u64) + n,
    }
}

fn varint_len(v: u64) -> usize {
    (64 - (v | 1).leading_zeros() as usize).div_ceil(7)
}

fn name_len_i32(name: &str) -> Result<i32, ProtoError> {
    i32::try_from(name.len()).map_err(|_| {
        ProtoError::invalid_input(format!("method name of {} bytes does not fit an i32 length", name.len()))
    })
}

/// Appends `envelope` to `dst`: a strict envelope in binary (what every current peer
/// writes), version 1 in compact.
///
/// # Errors
/// [`InvalidInput`](super::ProtoErrorKind::InvalidInput) if the name is longer than an
/// i32 can say.
pub fn write_envelope(protocol: Protocol, envelope: &Envelope<'_>, dst: &mut BytesMut) -> Result<(), ProtoError> {
    let len = name_len_i32(envelope.name)?;
    dst.reserve(envelope_len(protocol, envelope));
    match protocol {
        Protocol::Binary => {
            dst.put_u16(BINARY_VERSION_1);
            dst.put_u8(0);
            dst.put_u8(envelope.message_type as u8);
            dst.put_i32(len);
            dst.put_slice(envelope.name.as_bytes());
            dst.put_i32(envelope.seq_id);
        }
        Protocol::Compact => {
            dst.put_u8(COMPACT_PROTOCOL_ID);
            dst.put_u8(((envelope.message_type as u8) << 5) | COMPACT_VERSION);
            put_varint(dst, u64::from(envelope.seq_id as u32));
            put_varint(dst, len as u64);
            dst.put_slice(envelope.name.as_bytes());
        }
    }
    Ok(())
}

/// The `type` field of a [`TApplicationException`](ApplicationException): why a call
/// failed. A newtype rather than an enum so that codes from newer peers survive a round trip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ExceptionType(pub i32);

impl ExceptionType {
    /// Unspecified.
    pub const UNKNOWN: Self = Self(0);
    /// The server has no such method.
    pub const UNKNOWN_METHOD: Self = Self(1);
    /// The message type was not what the receiver expected.
    pub const INVALID_MESSAGE_TYPE: Self = Self(2);
    /// The reply names another method than the call.
    pub const WRONG_METHOD_NAME: Self = Self(3);
    /// The reply's sequence id matches no call.
    pub const BAD_SEQUENCE_ID: Self = Self(4);
    /// The reply's result struct has no field set.
    pub const MISSING_RESULT: Self = Self(5);
    /// The handler failed.
    pub const INTERNAL_ERROR: Self = Self(6);
    /// The request could not be decoded.
    pub const PROTOCOL_ERROR: Self = Self(7);
    /// A THeader transform is not supported.
    pub const INVALID_TRANSFORM: Self = Self(8);
    /// A THeader protocol id is not supported.
    pub const INVALID_PROTOCOL: Self = Self(9);
    /// The client's transport or protocol is not supported.
    pub const UNSUPPORTED_CLIENT_TYPE: Self = Self(10);

    /// The constant's name, for known codes.
    pub fn name(self) -> Option<&'static str> {
        const NAMES: [&str; 11] = [
            "UNKNOWN",
            "UNKNOWN_METHOD",
            "INVALID_MESSAGE_TYPE",
            "WRONG_METHOD_NAME",
            "BAD_SEQUENCE_ID",
            "MISSING_RESULT",
            "INTERNAL_ERROR",
            "PROTOCOL_ERROR",
            "INVALID_TRANSFORM",
            "INVALID_PROTOCOL",
            "UNSUPPORTED_CLIENT_TYPE",
        ];
        usize::try_from(self.0).ok().and_then(|i| NAMES.get(i).copied())
    }
}

/// Thrift's `TApplicationException { 1: string message, 2: i32 type }`: the body of an
/// [`Exception`](MessageType::Exception) message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ApplicationException {
    /// What went wrong, for people.
    pub message: String,
    /// Why, for programs.
    pub kind: ExceptionType,
}

impl ApplicationException {
    /// An exception of `kind` saying `message`.
    pub fn new(kind: ExceptionType, message: impl Into<String>) -> Self {
        ApplicationException { message: message.into(), kind }
    }

    /// Appends the struct (not an envelope) to `dst`.
    ///
    /// # Errors
    /// [`InvalidInput`](super::ProtoErrorKind::InvalidInput) if the message is longer than
    /// an i32 can say.
    pub fn encode(&self, protocol: Protocol, dst: &mut BytesMut) -> Result<(), ProtoError> {
        let len = name_len_i32(&self.message)?;
        dst.reserve(self.message.len() + 16);
        match protocol {
            Protocol::Binary => {
                dst.put_u8(ttype::STRING);
                dst.put_i16(1);
                dst.put_i32(len);
                dst.put_slice(self.message.as_bytes());
                dst.put_u8(ttype::I32);
                dst.put_i16(2);
                dst.put_i32(self.kind.0);
                dst.put_u8(ttype::STOP);
            }
            Protocol::Compact => {
                dst.put_u8((1 << 4) | COMPACT_BINARY);
                put_varint(dst, len as u64);
                dst.put_slice(self.message.as_bytes());
                dst.put_u8((1 << 4) | COMPACT_I32);
                let zigzag = ((self.kind.0 << 1) ^ (self.kind.0 >> 31)) as u32;
                put_varint(dst, u64::from(zigzag));
                dst.put_u8(0);
            }
        }
        Ok(())
    }

    /// Appends a whole exception message: an [`Exception`](MessageType::Exception) envelope
    /// naming `method` and `seq_id`, then the struct. This is how a server answers a call it
    /// cannot serve (unknown method, undecodable arguments, a failed handler).
    ///
    /// # Errors
    /// As [`write_envelope`] and [`ApplicationException::encode`].
    pub fn encode_message(
        &self,
        protocol: Protocol,
        method: &str,
        seq_id: i32,
        dst: &mut BytesMut,
    ) -> Result<(), ProtoError> {
        let envelope = Envelope { name: method, message_type: MessageType::Exception, seq_id };
        write_envelope(protocol, &envelope, dst)?;
        self.encode(protocol, dst)
    }

    /// Reads the struct at the start of `body` and returns it with the offset just past it,
    /// with the codec crate's reader ([`thriftjit::wire::ApplicationException::read`]).
    /// Unknown fields, and known ones of an unexpected type, are skipped by the codec's
    /// skipper (nested at most [`DEFAULT_MAX_DEPTH`](thriftjit::wire::DEFAULT_MAX_DEPTH)
    /// deep); a missing message is empty and a missing type is [`ExceptionType::UNKNOWN`];
    /// a message that is not UTF-8 is kept with its bad bytes replaced, since it is only
    /// ever shown to people.
    ///
    /// # Errors
    /// [`Incomplete`](super::ProtoErrorKind::Incomplete) if `body` ends inside the struct;
    /// [`InvalidMessage`](super::ProtoErrorKind::InvalidMessage) or
    /// [`DepthLimit`](crate::proto::ProtoErrorKind::DepthLimit) for malformed fields.
    pub fn decode(protocol: Protocol, body: &[u8]) -> Result<(Self, usize), ProtoError> {
        let wire = match protocol {
            Protocol::Binary => thriftjit::wire::Protocol::Binary,
            Protocol::Compact => thriftjit::wire::Protocol::Compact,
        };
        let (exception, end) = thriftjit::wire::ApplicationException::read(wire, body)
            .map_err(|e| ProtoError::from_decode(e, body.len(), "a TApplicationException"))?;
        Ok((ApplicationException { message: exception.message, kind: ExceptionType(exception.kind) }, end))
    }
}

impl std::fmt::Display for ApplicationException {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.kind.name() {
            Some(name) => write!(f, "{name}: {}", self.message),
            None => write!(f, "type {}: {}", self.kind.0, self.message),
        }
    }
}

impl std::error::Error for ApplicationException {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::golden::{BINARY_OLD_CALL, BINARY_STRICT_CALL, COMPACT_CALL};

    #[test]
    fn peeks_golden_envelopes() {
        let expected = Envelope { name: "testString", message_type: MessageType::Call, seq_id: 1 };
        for (p, bytes, body) in [
            (Protocol::Binary, BINARY_STRICT_CALL, 22),
            (Protocol::Binary, BINARY_OLD_CALL, 19),
            (Protocol::Compact, COMPACT_CALL, 14),
        ] {
            let (env, at) = peek_envelope(p, bytes).unwrap();
            assert_eq!((env, at), (expected, body), "{p:?}");
            for cut in 0..body {
                assert!(peek_envelope(p, &bytes[..cut]).unwrap_err().is_incomplete(), "{p:?} cut {cut}");
            }
        }
    }

    #[test]
    fn writes_golden_envelopes_byte_for_byte() {
        let env = Envelope { name: "testString", message_type: MessageType::Call, seq_id: 1 };
        for (p, golden, body) in [(Protocol::Binary, BINARY_STRICT_CALL, 22), (Protocol::Compact, COMPACT_CALL, 14)] {
            let mut dst = BytesMut::new();
            write_envelope(p, &env, &mut dst).unwrap();
            assert_eq!(&dst[..], &golden[..body]);
            assert_eq!(envelope_len(p, &env), body);
        }
    }

    #[test]
    fn envelopes_round_trip_every_type_and_odd_seq_ids() {
        for p in [Protocol::Binary, Protocol::Compact] {
            for message_type in [MessageType::Call, MessageType::Reply, MessageType::Exception, MessageType::Oneway] {
                for seq_id in [0, 1, -1, i32::MAX, i32::MIN, 300] {
                    let env = Envelope { name: "Svc:m", message_type, seq_id };
                    let mut dst = BytesMut::new();
                    write_envelope(p, &env, &mut dst).unwrap();
                    assert_eq!(envelope_len(p, &env), dst.len());
                    assert_eq!(peek_envelope(p, &dst).unwrap(), (env, dst.len()));
                }
            }
        }
    }

    #[test]
    fn bad_envelopes_are_rejected() {
        let cases: &[(Protocol, &[u8], &str)] = &[
            (Protocol::Binary, b"\x80\x02\x00\x01", "not 0x8001"),
            (Protocol::Binary, b"\x80\x01\x00\x05\x00\x00\x00\x00\x00\x00\x00\x00", "message type 5"),
            (Protocol::Binary, b"\x80\x01\x00\x01\xff\xff\xff\xff", "negative method name length"),
            (Protocol::Binary, b"\x00\x00\x00\x01m\x09\x00\x00\x00\x00", "message type 9"),
            (Protocol::Binary, b"\x80\x01\x00\x01\x00\x00\x00\x01\xff\x00\x00\x00\x00", "not UTF-8"),
            (Protocol::Compact, b"\x81\x21", "not 0x82"),
            (Protocol::Compact, b"\x82\x01\x00\x00", "message type 0"),
        ];
        for (p, bytes, text) in cases {
            let e = peek_envelope(*p, bytes).unwrap_err();
            assert!(e.is_malformed() && e.to_string().contains(text), "{bytes:02x?}: {e}");
        }
        let e = peek_envelope(Protocol::Compact, b"\x82\x22\x01\x00").unwrap_err();
        assert!(e.is_unsupported() && e.to_string().contains("fbthrift"), "{e}");
    }

    #[test]
    fn application_exception_round_trips_and_matches_apache_layout() {
        let exc = ApplicationException::new(ExceptionType::UNKNOWN_METHOD, "no such method: foo");
        let mut dst = BytesMut::new();
        exc.encode(Protocol::Binary, &mut dst).unwrap();
        let mut expected = b"\x0b\x00\x01\x00\x00\x00\x13no such method: foo".to_vec();
        expected.extend_from_slice(b"\x08\x00\x02\x00\x00\x00\x01\x00");
        assert_eq!(&dst[..], &expected[..]);
        let mut dst = BytesMut::new();
        exc.encode(Protocol::Compact, &mut dst).unwrap();
        let mut expected = b"\x18\x13no such method: foo".to_vec();
        expected.extend_from_slice(b"\x15\x02\x00");
        assert_eq!(&dst[..], &expected[..]);

        for p in [Protocol::Binary, Protocol::Compact] {
            for kind in
                [ExceptionType::UNKNOWN, ExceptionType::UNSUPPORTED_CLIENT_TYPE, ExceptionType(-7), ExceptionType(99)]
            {
                let exc = ApplicationException::new(kind, "é!");
                let mut dst = BytesMut::new();
                exc.encode_message(p, "m", 9, &mut dst).unwrap();
                let (env, body) = peek_envelope(p, &dst).unwrap();
                assert_eq!(env, Envelope { name: "m", message_type: MessageType::Exception, seq_id: 9 });
                assert_eq!(ApplicationException::decode(p, &dst[body..]).unwrap(), (exc, dst.len() - body));
                for cut in body..dst.len() {
                    assert!(ApplicationException::decode(p, &dst[body..cut]).unwrap_err().is_incomplete());
                }
            }
        }
        assert_eq!(ExceptionType::PROTOCOL_ERROR.name(), Some("PROTOCOL_ERROR"));
        assert_eq!(ExceptionType(11).name(), None);
        assert_eq!(exc_display(), "UNKNOWN_METHOD: x");
    }

    fn exc_display() -> String {
        ApplicationException::new(ExceptionType::UNKNOWN_METHOD, "x").to_string()
    }

    #[test]
    fn application_exception_skips_unknown_and_mistyped_fields() {
        // Binary: 3: list<i32> [1], 1: i32 (wrong type) 5, 2: i32 7, 1: "ok", stop.
        let body = b"\x0f\x00\x03\x08\x00\x00\x00\x01\x00\x00\x00\x01\x08\x00\x01\x00\x00\x00\x05\x08\x00\x02\x00\x00\x00\x07\x0b\x00\x01\x00\x00\x00\x02ok\x00";
        let (exc, end) = ApplicationException::decode(Protocol::Binary, body).unwrap();
        assert_eq!((exc, end), (ApplicationException::new(ExceptionType(7), "ok"), body.len()));
        // Compact: 3: bool true, 4: struct {}, 2: i32 -1 (long-form id), 1: "ok", stop.
        let body = b"\x31\x1c\x00\x05\x04\x01\x08\x02\x02ok\x00";
        let (exc, end) = ApplicationException::decode(Protocol::Compact, body).unwrap();
        assert_eq!((exc, end), (ApplicationException::new(ExceptionType(-1), "ok"), body.len()));
        // Missing fields: empty message, UNKNOWN.
        assert_eq!(ApplicationException::decode(Protocol::Binary, b"\x00").unwrap().0, ApplicationException::default());
        // A bad field type is malformed, with context.
        let e = ApplicationException::decode(Protocol::Binary, b"\x07\x00\x03\x00").unwrap_err();
        assert!(e.is_malformed() && e.to_string().contains("TApplicationException"), "{e}");
        // A skipped field nested deeper than the codec's limit: 3: struct { 1: struct { … } }.
        let mut deep = b"\x0c\x00\x03".to_vec();
        deep.extend(b"\x0c\x00\x01".repeat(70));
        deep.extend(std::iter::repeat_n(0u8, 72));
        let e = ApplicationException::decode(Protocol::Binary, &deep).unwrap_err();
        assert_eq!(e.kind(), crate::proto::ProtoErrorKind::DepthLimit, "{e}");
    }
}
