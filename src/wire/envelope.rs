//! The message envelope (name, type, sequence id) of both protocols, and
//! `TApplicationException`, the struct a server sends when a call fails
//! outside the IDL's declared exceptions.

use super::compact::put_varint;
use super::{BinaryReader, BinaryWriter, CompactReader, CompactWriter, Protocol, ProtocolReader, ProtocolWriter, Sink};
use super::{skip, ttype};
use crate::error::{DecodeError, DecodeErrorKind};

/// The kind of a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageType {
    /// A call that expects a reply.
    Call = 1,
    /// A reply carrying `<method>_result`.
    Reply = 2,
    /// A reply carrying a `TApplicationException`.
    Exception = 3,
    /// A call that expects no reply.
    Oneway = 4,
}

impl MessageType {
    /// From the wire code.
    pub fn from_code(code: u8) -> Option<MessageType> {
        Some(match code {
            1 => MessageType::Call,
            2 => MessageType::Reply,
            3 => MessageType::Exception,
            4 => MessageType::Oneway,
            _ => return None,
        })
    }
}

/// A decoded envelope. The name aliases the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MessageHeader<'a> {
    /// The method name (may be `Service:method` when multiplexed).
    pub name: &'a [u8],
    /// The message type.
    pub kind: MessageType,
    /// The sequence id.
    pub seq_id: i32,
}

/// Strict Binary version word: `0x8001_0000 | type`.
const VERSION_1: u32 = 0x8001_0000;
const VERSION_MASK: u32 = 0xffff_0000;
/// Compact protocol id byte and version.
const COMPACT_ID: u8 = 0x82;
const COMPACT_VERSION: u8 = 1;
/// Longest method name accepted in an envelope; far above any real name,
/// and small enough that a hostile length cannot make us buffer much.
pub const MAX_METHOD_NAME: usize = 64 * 1024;

impl<'a> MessageHeader<'a> {
    /// Reads an envelope; returns it and the offset where the body starts.
    /// Binary accepts strict and old (non-strict) headers.
    ///
    /// # Errors
    /// [`DecodeErrorKind::BadMessage`] for a wrong version or message type;
    /// `Truncated` when the input ends early.
    pub fn read(protocol: Protocol, buf: &'a [u8]) -> Result<(MessageHeader<'a>, usize), DecodeError> {
        match protocol {
            Protocol::Binary => Self::read_binary(buf),
            Protocol::Compact => Self::read_compact(buf),
        }
    }

    fn read_binary(buf: &'a [u8]) -> Result<(MessageHeader<'a>, usize), DecodeError> {
        let mut r = BinaryReader::new(buf);
        let first = r.read_i32()? as u32;
        let (name, code) = if first & 0x8000_0000 != 0 {
            if first & VERSION_MASK != VERSION_1 {
                return Err(DecodeError::with_detail(
                    DecodeErrorKind::BadMessage,
                    0,
                    format!("bad binary version {first:#010x}"),
                ));
            }
            let name = name_range(&mut r)?;
            (name, (first & 0xff) as u8)
        } else {
            // Old header: the first word is the name's length.
            if first as usize > MAX_METHOD_NAME {
                return Err(DecodeError::with_detail(
                    DecodeErrorKind::BadMessage,
                    0,
                    format!("method name of {first} bytes"),
                ));
            }
            r.set_pos(0);
            let name = name_range(&mut r)?;
            (name, r.read_i8()? as u8)
        };
        let kind = MessageType::from_code(code)
            .ok_or_else(|| DecodeError::with_detail(DecodeErrorKind::BadMessage, 0, format!("message type {code}")))?;
        let seq_id = r.read_i32()?;
        Ok((MessageHeader { name: &buf[name], kind, seq_id }, r.pos()))
    }

    fn read_compact(buf: &'a [u8]) -> Result<(MessageHeader<'a>, usize), DecodeError> {
        let mut r = CompactReader::new(buf);
        let id = r.read_i8()? as u8;
        if id != COMPACT_ID {
            return Err(DecodeError::with_detail(
                DecodeErrorKind::BadMessage,
                0,
                format!("bad compact protocol id {id:#04x}"),
            ));
        }
        let vt = r.read_i8()? as u8;
        if vt & 0x1f != COMPACT_VERSION {
            return Err(DecodeError::with_detail(
                DecodeErrorKind::BadMessage,
                1,
                format!("bad compact version {}", vt & 0x1f),
            ));
        }
        let code = vt >> 5;
        let kind = MessageType::from_code(code)
            .ok_or_else(|| DecodeError::with_detail(DecodeErrorKind::BadMessage, 1, format!("message type {code}")))?;
        let at = r.pos();
        let seq = r.varint()?;
        if seq > u64::from(u32::MAX) {
            return Err(DecodeError::new(DecodeErrorKind::InvalidVarint, at));
        }
        let name = name_range(&mut r)?;
        Ok((MessageHeader { name: &buf[name], kind, seq_id: seq as u32 as i32 }, r.pos()))
    }

    /// Writes an envelope (strict Binary, or Compact).
    pub fn write<S: Sink>(&self, protocol: Protocol, out: &mut S) {
        match protocol {
            Protocol::Binary => {
                out.put(&(VERSION_1 | self.kind as u32).to_be_bytes());
                BinaryWriter::new(out).write_bytes(self.name);
                out.put(&self.seq_id.to_be_bytes());
            }
            Protocol::Compact => {
                out.put(&[COMPACT_ID, ((self.kind as u8) << 5) | COMPACT_VERSION]);
                put_varint(out, u64::from(self.seq_id as u32));
                CompactWriter::new(out).write_bytes(self.name);
            }
        }
    }
}

fn name_range<'a, R: ProtocolReader<'a>>(r: &mut R) -> Result<std::ops::Range<usize>, DecodeError> {
    let range = r.read_bytes()?;
    if range.len() > MAX_METHOD_NAME {
        return Err(DecodeError::with_detail(DecodeErrorKind::BadMessage, range.start, "method name too long"));
    }
    Ok(range)
}

/// The `type` codes of `TApplicationException`.
pub mod app_exception_type {
    /// Unknown error.
    pub const UNKNOWN: i32 = 0;
    /// The method does not exist.
    pub const UNKNOWN_METHOD: i32 = 1;
    /// The message type is wrong.
    pub const INVALID_MESSAGE_TYPE: i32 = 2;
    /// The reply names another method.
    pub const WRONG_METHOD_NAME: i32 = 3;
    /// The reply's sequence id does not match.
    pub const BAD_SEQUENCE_ID: i32 = 4;
    /// The reply has no result.
    pub const MISSING_RESULT: i32 = 5;
    /// The handler failed.
    pub const INTERNAL_ERROR: i32 = 6;
    /// The request could not be decoded.
    pub const PROTOCOL_ERROR: i32 = 7;
    /// A transform is not supported.
    pub const INVALID_TRANSFORM: i32 = 8;
    /// The protocol is not supported.
    pub const INVALID_PROTOCOL: i32 = 9;
    /// The client type is not supported.
    pub const UNSUPPORTED_CLIENT_TYPE: i32 = 10;
}

/// `TApplicationException { 1: string message, 2: i32 type }`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ApplicationException {
    /// The message.
    pub message: String,
    /// One of [`app_exception_type`].
    pub kind: i32,
}

impl ApplicationException {
    /// A new exception.
    pub fn new(kind: i32, message: impl Into<String>) -> Self {
        ApplicationException { message: message.into(), kind }
    }

    /// Writes the struct (not an envelope).
    pub fn write<S: Sink>(&self, protocol: Protocol, out: &mut S) {
        fn body<W: ProtocolWriter>(e: &ApplicationException, w: &mut W) {
            w.field_header(ttype::STRING, 1);
            w.write_bytes(e.message.as_bytes());
            w.field_header(ttype::I32, 2);
            w.write_i32(e.kind);
            w.field_stop();
        }
        match protocol {
            Protocol::Binary => body(self, &mut BinaryWriter::new(out)),
            Protocol::Compact => body(self, &mut CompactWriter::new(out)),
        }
    }

    /// Reads the struct; returns it and the bytes consumed.
    ///
    /// # Errors
    /// Any decode error of the struct.
    pub fn read(protocol: Protocol, buf: &[u8]) -> Result<(ApplicationException, usize), DecodeError> {
        fn body<'a, R: ProtocolReader<'a>>(mut r: R) -> Result<(ApplicationException, usize), DecodeError> {
            let mut e = ApplicationException::default();
            loop {
                let h = r.field_header()?;
                match (h.ttype, h.id) {
                    (ttype::STOP, _) => break,
                    (ttype::STRING, 1) => {
                        let range = r.read_bytes()?;
                        e.message = String::from_utf8_lossy(&r.buf()[range]).into_owned();
                    }
                    (ttype::I32, 2) => e.kind = r.read_i32()?,
                    (t, _) if h.bool_value.is_none() => skip(&mut r, t, super::DEFAULT_MAX_DEPTH)?,
                    _ => {}
                }
            }
            Ok((e, r.pos()))
        }
        match protocol {
            Protocol::Binary => body(BinaryReader::new(buf)),
            Protocol::Compact => body(CompactReader::new(buf)),
        }
    }
}
