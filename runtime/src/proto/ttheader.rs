//! CloudWeGo **TTHeader** (magic `0x1000`), the framing Kitex and Volo speak, as
//! cloudwego/gopkg `protocol/ttheader` and Volo's `codec/default/ttheader.rs` implement it.
//!
//! It borrows Apache THeader's frame but is not byte-compatible with it (see
//! [`theader`](super::theader)): ids and counts are single bytes, strings have u16
//! lengths, and it has integer-keyed headers. All integers are big-endian.
//!
//! ```text
//!  0  u32 LENGTH        bytes after this field
//!  4  u16 MAGIC 0x1000   u16 FLAGS
//!  8  i32 SEQ ID
//! 12  u16 HEADER SIZE   header area length / 4
//! 14  u8 PROTOCOL ID, u8 N, N × u8 TRANSFORM ID,
//!     info blocks: 0x01 u16 count × (u16 len key, u16 len value)
//!                  0x10 u16 count × (u16 key, u16 len value)
//!                  0x11 u16 len ACL token
//!                  0x00 padding (to the 4-byte boundary)
//! 14+4·HEADER SIZE: PAYLOAD, with or without Volo's inner frame (u32 length of the rest)
//! ```
//!
//! Volo's default client (`TTHeader<Framed<Binary>>`) puts a second 4-byte length in
//! front of the message; Kitex and Volo's `ttheader-noframe` do not. Decoding detects it
//! with Volo's rule (`payload[4..6] == 80 01` or `payload[4] == 0x82`, after ruling out a
//! payload that itself starts like a message) and records it in
//! [`TtFrame::inner_framed`]; encoding takes it as a parameter. Transforms are rejected:
//! Kitex never writes any and applies none when it reads them, so a frame that carries
//! one is something nobody can decode correctly.

use bytes::{BufMut, Bytes, BytesMut};

use super::fixed::{self, Fixed};
use super::frame::{FrameToken, TokenKind};
use super::read::Reader;
use super::{Headers, Limits, ProtoError, ProtoErrorKind, Protocol};

/// The magic number in bytes 4–5 of every TTHeader frame.
pub const MAGIC: u16 = 0x1000;

/// Bytes before the header area: length, magic, flags, sequence id, header size.
pub const FIXED_LEN: usize = fixed::FIXED_LEN;

/// Flag (bit of [`TtHeader::flags`]): the client accepts replies out of order (set by
/// Kitex's multiplexing client).
pub const FLAG_SUPPORT_OUT_OF_ORDER: u16 = 0x0001;
/// Flag: the frame belongs to a TTHeader stream (Kitex streaming; not supported here).
pub const FLAG_STREAMING: u16 = 0x0002;
/// Flag: duplex, reversed direction.
pub const FLAG_DUPLEX_REVERSE: u16 = 0x0008;
/// Flag: SASL.
pub const FLAG_SASL: u16 = 0x0010;

/// Transform id of zlib compression, named by the TTHeader documentation but implemented
/// by no CloudWeGo peer; rejected here.
pub const TRANSFORM_ZLIB: u8 = 0x01;
/// Transform id of snappy compression; rejected like [`TRANSFORM_ZLIB`].
pub const TRANSFORM_SNAPPY: u8 = 0x03;

/// Info id of a padding byte.
pub const INFO_PADDING: u8 = 0x00;
/// Info id of a block of string key/values.
pub const INFO_KEY_VALUE: u8 = 0x01;
/// Info id of a block of integer-keyed values.
pub const INFO_INT_KEY_VALUE: u8 = 0x10;
/// Info id of an ACL token (Kitex stores it as the transient key `gdpr-token`).
pub const INFO_ACL_TOKEN: u8 = 0x11;

/// The protocol id byte of a TTHeader: what the payload is. Kitex always writes
/// [`BINARY`](Self::BINARY), even for protobuf, and sniffs the payload instead, so decoding
/// accepts any value and [`FrameDecoder`](super::FrameDecoder) decides from the payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ProtocolId(pub u8);

impl ProtocolId {
    /// Thrift binary (the default).
    pub const BINARY: Self = Self(0x00);
    /// Apache Thrift compact (Volo writes it; Kitex rejects it).
    pub const COMPACT: Self = Self(0x02);
    /// fbthrift compact; Kitex accepts the id for compatibility (it was Kitex protobuf up to v1.9.1).
    pub const COMPACT_V2: Self = Self(0x03);
    /// Kitex protobuf.
    pub const KITEX_PROTOBUF: Self = Self(0x04);
    /// TTHeader streaming: a bare Thrift struct, no message envelope.
    pub const THRIFT_STRUCT: Self = Self(0x10);
    /// TTHeader streaming: a bare protobuf message.
    pub const PROTOBUF_STRUCT: Self = Self(0x11);

    /// The name of a known id.
    pub fn name(self) -> Option<&'static str> {
        Some(match self {
            Self::BINARY => "binary",
            Self::COMPACT => "compact",
            Self::COMPACT_V2 => "compact v2",
            Self::KITEX_PROTOBUF => "Kitex protobuf",
            Self::THRIFT_STRUCT => "Thrift struct (streaming)",
            Self::PROTOBUF_STRUCT => "protobuf struct (streaming)",
            _ => return None,
        })
    }
}

/// Integer keys of [`TtHeader::ints`], in the order of gopkg's `metakey.go` (an `iota`
/// enum, so the numbers are the protocol). Values are text: numbers in decimal.
pub mod int_key {
    /// Mesh version.
    pub const MESH_VERSION: u16 = 0;
    /// `"framed"` or `"unframed"`.
    pub const TRANSPORT_TYPE: u16 = 1;
    /// Log id.
    pub const LOG_ID: u16 = 2;
    /// The caller's service name.
    pub const FROM_SERVICE: u16 = 3;
    /// The caller's cluster.
    pub const FROM_CLUSTER: u16 = 4;
    /// The caller's IDC.
    pub const FROM_IDC: u16 = 5;
    /// The callee's service name.
    pub const TO_SERVICE: u16 = 6;
    /// The callee's cluster.
    pub const TO_CLUSTER: u16 = 7;
    /// The callee's IDC.
    pub const TO_IDC: u16 = 8;
    /// The method called.
    pub const TO_METHOD: u16 = 9;
    /// Environment.
    pub const ENV: u16 = 10;
    /// The callee's address.
    pub const DEST_ADDRESS: u16 = 11;
    /// The caller's RPC timeout, in milliseconds (a Kitex server adopts it).
    pub const RPC_TIMEOUT: u16 = 12;
    /// Read timeout.
    pub const READ_TIMEOUT: u16 = 13;
    /// Ring hash key.
    pub const RING_HASH_KEY: u16 = 14;
    /// DDP tag.
    pub const DDP_TAG: u16 = 15;
    /// With mesh header (Volo writes `"3"`).
    pub const WITH_MESH_HEADER: u16 = 16;
    /// Connect timeout, in milliseconds.
    pub const CONNECT_TIMEOUT: u16 = 17;
    /// Span context.
    pub const SPAN_CONTEXT: u16 = 18;
    /// Short connection.
    pub const SHORT_CONNECTION: u16 = 19;
    /// The caller's method.
    pub const FROM_METHOD: u16 = 20;
    /// Stress (load test) tag.
    pub const STRESS_TAG: u16 = 21;
    /// Message type.
    pub const MSG_TYPE: u16 = 22;
    /// HTTP content type.
    pub const HTTP_CONTENT_TYPE: u16 = 23;
    /// Raw ring hash key.
    pub const RAW_RING_HASH_KEY: u16 = 24;
    /// Load balancer type.
    pub const LB_TYPE: u16 = 25;
    /// Cluster shard id.
    pub const CLUSTER_SHARD_ID: u16 = 26;
    /// TTHeader streaming frame type (`"1"` meta … `"5"` rst).
    pub const FRAME_TYPE: u16 = 27;
    /// TTHeader streaming: timeout of the whole stream, in milliseconds.
    pub const STREAM_TIMEOUT: u16 = 28;
}

/// String keys of [`TtHeader::strings`] that Kitex and Volo use.
pub mod str_key {
    /// IDL service name, used to route a multi-service server.
    pub const IDL_SERVICE_NAME: &str = "isn";
    /// Remote address.
    pub const REMOTE_ADDR: &str = "rip";
    /// Callee's cluster.
    pub const TO_CLUSTER: &str = "tc";
    /// Callee's IDC.
    pub const TO_IDC: &str = "ti";
    /// Timestamp: connection start.
    pub const PERF_CONN_START: &str = "pcs";
    /// Timestamp: connection end.
    pub const PERF_CONN_END: &str = "pce";
    /// Timestamp: send start.
    pub const PERF_SEND_START: &str = "pss";
    /// Timestamp: receive start.
    pub const PERF_RECV_START: &str = "prs";
    /// Timestamp: receive end.
    pub const PERF_RECV_END: &str = "pre";
    /// The server will close the connection: the client should not reuse it.
    pub const CONNECTION_READY_TO_RESET: &str = "crrst";
    /// Kitex processing time.
    pub const PROCESS_AT_TIME: &str = "K_ProcessAtTime";
    /// TTHeader streaming: the services along a cascading cancel.
    pub const STREAM_CANCEL_PATH: &str = "ttscp";
    /// CRC32-C of the payload (Kitex, opt-in).
    pub const CRC32C: &str = "crc32c";
    /// Business error status code.
    pub const BIZ_STATUS: &str = "biz-status";
    /// Business error message.
    pub const BIZ_MESSAGE: &str = "biz-message";
    /// Business error extra data (a JSON map).
    pub const BIZ_EXTRA: &str = "biz-extra";
}

/// A decoded TTHeader, or one to encode. Strings and values are zero-copy slices of the
/// frame they were decoded from; entries keep their wire order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TtHeader {
    /// Flag bits (`FLAG_*`).
    pub flags: u16,
    /// Sequence id. Kitex only warns when it differs from the message's; the message's is
    /// authoritative.
    pub seq_id: i32,
    /// What the payload is.
    pub protocol: ProtocolId,
    /// String key/values (info `0x01`), keys from [`str_key`].
    pub strings: Headers<Bytes>,
    /// Integer-keyed values (info `0x10`), keys from [`int_key`].
    pub ints: Headers<u16>,
    /// The ACL token (info `0x11`), if any.
    pub acl_token: Option<Bytes>,
}

/// A decoded TTHeader frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TtFrame {
    /// The header.
    pub header: TtHeader,
    /// The Thrift message, without the inner frame length if there was one.
    pub payload: Bytes,
    /// Whether the payload had Volo's inner 4-byte frame length.
    pub inner_framed: bool,
}

fn too_long(what: &str, len: usize) -> ProtoError {
    ProtoError::invalid_input(format!("TTHeader {what} of {len} bytes does not fit a u16 length"))
}

impl TtHeader {
    /// A header with sequence id `seq_id`, binary protocol, no flags and no entries.
    pub fn new(seq_id: i32) -> Self {
        TtHeader { seq_id, ..Self::default() }
    }

    /// The string value of `key` (see [`str_key`]), if present and UTF-8.
    pub fn string(&self, key: &str) -> Option<&str> {
        self.strings.get_str(key.as_bytes())
    }

    /// The value of integer key `key` (see [`int_key`]), if present and UTF-8.
    pub fn int(&self, key: u16) -> Option<&str> {
        self.ints.get_str(&key)
    }

    /// Bytes of the header area once encoded (protocol id through padding), or an error if
    /// some string or count does not fit the format.
    fn header_len(&self) -> Result<usize, ProtoError> {
        fn short(what: &str, b: &[u8]) -> Result<usize, ProtoError> {
            if b.len() > usize::from(u16::MAX) {
                return Err(too_long(what, b.len()));
            }
            Ok(2 + b.len())
        }
        fn count(what: &str, n: usize) -> Result<(), ProtoError> {
            if n > usize::from(u16::MAX) {
                return Err(ProtoError::invalid_input(format!("{n} TTHeader {what} do not fit a u16 count")));
            }
            Ok(())
        }
        let mut len = 2;
        if let Some(token) = &self.acl_token {
            len += 1 + short("ACL token", token)?;
        }
        if !self.strings.is_empty() {
            count("string headers", self.strings.len())?;
            len += 3;
            for (k, v) in self.strings.iter() {
                len += short("string header key", k)? + short("string header value", v)?;
            }
        }
        if !self.ints.is_empty() {
            count("int headers", self.ints.len())?;
            len += 3;
            for (_, v) in self.ints.iter() {
                len += 2 + short("int header value", v)?;
            }
        }
        Ok(len.next_multiple_of(4))
    }

    /// Writes the 14 fixed bytes (length left zero) and the header area; returns the
    /// offset of the frame in `dst`. Order as in gopkg: ACL token, strings, ints, padding.
    fn write_header(&self, dst: &mut BytesMut, limits: &Limits, extra: usize) -> Result<usize, ProtoError> {
        let header_len = self.header_len()?;
        let limit = limits.max_header_size.min(4 * usize::from(u16::MAX));
        if header_len > limit {
            return Err(ProtoError::too_large(FIXED_LEN, "TTHeader header area", header_len, limit));
        }
        let start = dst.len();
        dst.reserve(FIXED_LEN + header_len + extra);
        dst.put_u32(0);
        dst.put_u16(MAGIC);
        dst.put_u16(self.flags);
        dst.put_i32(self.seq_id);
        dst.put_u16((header_len / 4) as u16);
        dst.put_u8(self.protocol.0);
        dst.put_u8(0); // no transforms
        let put_str = |dst: &mut BytesMut, b: &[u8]| {
            dst.put_u16(b.len() as u16);
            dst.put_slice(b);
        };
        if let Some(token) = &self.acl_token {
            dst.put_u8(INFO_ACL_TOKEN);
            put_str(dst, token);
        }
        if !self.strings.is_empty() {
            dst.put_u8(INFO_KEY_VALUE);
            dst.put_u16(self.strings.len() as u16);
            for (k, v) in self.strings.iter() {
                put_str(dst, k);
                put_str(dst, v);
            }
        }
        if !self.ints.is_empty() {
            dst.put_u8(INFO_INT_KEY_VALUE);
            dst.put_u16(self.ints.len() as u16);
            for (k, v) in self.ints.iter() {
                dst.put_u16(*k);
                put_str(dst, v);
            }
        }
        let end = start + FIXED_LEN + header_len;
        dst.put_bytes(0, end - dst.len());
        Ok(start)
    }

    /// Starts a frame at the end of `dst`: writes this header, and the inner frame length
    /// if `inner_framed`, leaving both lengths to [`finish_frame`](super::finish_frame),
    /// which the caller calls once it has appended the payload in place.
    ///
    /// # Errors
    /// [`InvalidInput`](ProtoErrorKind::InvalidInput) if a string or count does not fit
    /// the format; [`TooLarge`](ProtoErrorKind::TooLarge) if the header area exceeds
    /// `limits.max_header_size`. Nothing is written on error.
    pub fn begin_frame(
        &self,
        dst: &mut BytesMut,
        inner_framed: bool,
        limits: &Limits,
    ) -> Result<FrameToken, ProtoError> {
        let start = self.write_header(dst, limits, if inner_framed { 4 } else { 0 })?;
        if inner_framed {
            dst.put_u32(0);
        }
        Ok(FrameToken::new(start, dst.len(), TokenKind::TtHeader { inner_framed }, limits))
    }

    /// Appends a whole frame carrying `payload` to `dst`.
    ///
    /// # Errors
    /// As [`TtHeader::begin_frame`] and [`finish_frame`](super::finish_frame).
    pub fn encode_frame(
        &self,
        payload: &[u8],
        inner_framed: bool,
        dst: &mut BytesMut,
        limits: &Limits,
    ) -> Result<(), ProtoError> {
        let token = self.begin_frame(dst, inner_framed, limits)?;
        dst.extend_from_slice(payload);
        super::finish_frame(token, dst)
    }
}

/// Decodes one whole frame: `frame` starts with the length field and ends where the length
/// says. Strings and the payload are slices of `frame`.
///
/// # Errors
/// [`Incomplete`](ProtoErrorKind::Incomplete) if `frame` is shorter than its length says;
/// [`Unrecognized`](ProtoErrorKind::Unrecognized) for a wrong magic;
/// [`TooLarge`](ProtoErrorKind::TooLarge) for a frame or header over `limits`;
/// [`InvalidHeader`](ProtoErrorKind::InvalidHeader) for sizes that do not add up, strings
/// past the end of the header, trailing bytes after the frame, or an inner frame length
/// that disagrees with the payload; [`UnsupportedTransform`](ProtoErrorKind::UnsupportedTransform)
/// for any transform; [`UnknownInfo`](ProtoErrorKind::UnknownInfo) for an unknown info id.
pub fn decode_frame(frame: Bytes, limits: &Limits) -> Result<TtFrame, ProtoError> {
    let Fixed { flags, seq_id, header_end } = fixed::read(&frame, limits, "TTHeader", MAGIC)?;
    let mut header = TtHeader { flags, seq_id, ..TtHeader::default() };
    let mut h = Reader::header(&frame, FIXED_LEN, header_end, "TTHeader");
    header.protocol = ProtocolId(h.u8("the protocol id")?);
    let transforms = h.u8("the transform count")?;
    let at = h.pos();
    if let Some(&id) = h.bytes(usize::from(transforms), "the transform ids")?.first() {
        let name = match id {
            TRANSFORM_ZLIB => "zlib",
            TRANSFORM_SNAPPY => "snappy",
            _ => "unknown",
        };
        return Err(ProtoError::unsupported_transform(at, "TTHeader", id.into(), name));
    }
    let string = |h: &mut Reader<'_>, what: &str| -> Result<Bytes, ProtoError> {
        let len = h.u16(what)?;
        Ok(frame.slice(h.take(usize::from(len), what)?))
    };
    while !h.is_at_end() {
        let at = h.pos();
        match h.u8("an info id")? {
            INFO_PADDING => {}
            INFO_KEY_VALUE => {
                for _ in 0..h.u16("a string header count")? {
                    let key = string(&mut h, "a string header key")?;
                    header.strings.append(key, string(&mut h, "a string header value")?);
                }
            }
            INFO_INT_KEY_VALUE => {
                for _ in 0..h.u16("an int header count")? {
                    let key = h.u16("an int header key")?;
                    header.ints.append(key, string(&mut h, "an int header value")?);
                }
            }
            INFO_ACL_TOKEN => header.acl_token = Some(string(&mut h, "the ACL token")?),
            id => {
                return Err(ProtoError::new(
                    ProtoErrorKind::UnknownInfo,
                    Some(at),
                    format!(
                        "TTHeader info id {id:#04x} at byte {at} is unknown \
                         (expected 0x00 padding, 0x01 key/value, 0x10 int key/value or 0x11 ACL token)"
                    ),
                ));
            }
        }
    }
    let (payload, inner_framed) = split_inner_frame(frame.slice(header_end..), header_end)?;
    Ok(TtFrame { header, payload, inner_framed })
}

/// Whether `payload` (or its first bytes) starts with Volo's inner frame length.
pub(crate) fn has_inner_frame(payload: &[u8]) -> bool {
    if super::detect::sniff_message(payload).is_some() {
        // It starts like a message; no frame length can start with 0x80 or 0x82.
        return false;
    }
    payload.len() >= 6 && (payload[4..6] == [0x80, 0x01] || payload[4] == 0x82)
}

fn split_inner_frame(payload: Bytes, at: usize) -> Result<(Bytes, bool), ProtoError> {
    if !has_inner_frame(&payload) {
        return Ok((payload, false));
    }
    let inner = u32::from_be_bytes([payload[0], payload[1], payload[2], payload[3]]) as usize;
    if inner != payload.len() - 4 {
        return Err(ProtoError::invalid_header(
            at,
            format!(
                "inner frame length {inner} at byte {at} does not match the {} payload bytes after it",
                payload.len() - 4
            ),
        ));
    }
    Ok((payload.slice(4..), true))
}

/// The Thrift protocol of a TTHeader payload (`message`, after any inner frame): sniffed
/// from its first bytes as Kitex does, falling back on the protocol id for an empty or
/// old-style binary payload.
pub(crate) fn payload_protocol(message: &[u8], id: ProtocolId, at: usize) -> Result<Protocol, ProtoError> {
    if let Some(protocol) = super::detect::sniff_message(message) {
        return Ok(protocol);
    }
    match id {
        ProtocolId::BINARY => Ok(Protocol::Binary),
        ProtocolId::COMPACT | ProtocolId::COMPACT_V2 if message.is_empty() => Ok(Protocol::Compact),
        ProtocolId::COMPACT | ProtocolId::COMPACT_V2 => Err(ProtoError::invalid_message(
            at,
            format!("TTHeader says compact but the payload at byte {at} does not start with 0x82 and version 1"),
        )),
        other => Err(ProtoError::unsupported_protocol(
            Some(FIXED_LEN),
            format!("TTHeader protocol id {:#04x} ({}) is not supported", other.0, other.name().unwrap_or("unknown")),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::golden::{VOLO_INNER_FRAME, volo_ttheader as volo_golden};

    fn decode(bytes: &[u8]) -> Result<TtFrame, ProtoError> {
        decode_frame(Bytes::copy_from_slice(bytes), &Limits::default())
    }

    #[test]
    fn decodes_the_volo_golden_capture_exactly() {
        let golden = volo_golden();
        assert_eq!(golden.len(), 0x73 + 4);
        let frame = decode(&golden).unwrap();
        assert!(frame.inner_framed);
        assert_eq!(&frame.payload[..], &VOLO_INNER_FRAME[4..]);
        let h = &frame.header;
        assert_eq!((h.flags, h.seq_id, h.protocol, h.acl_token.as_ref()), (0, 0, ProtocolId::BINARY, None));
        assert_eq!(h.string(str_key::IDL_SERVICE_NAME), Some("ThriftTest"));
        assert_eq!(h.strings.len(), 1);
        let ints: Vec<(u16, &[u8])> = h.ints.iter().map(|(k, v)| (*k, &v[..])).collect();
        assert_eq!(
            ints,
            [
                (int_key::WITH_MESH_HEADER, &b"3"[..]),
                (int_key::FROM_SERVICE, b""),
                (int_key::TO_METHOD, b"testVoid"),
                (int_key::TO_SERVICE, b"ThriftTest"),
                (int_key::DEST_ADDRESS, b"127.0.0.1:19099"),
            ]
        );
        assert_eq!(h.int(int_key::TO_METHOD), Some("testVoid"));
        assert_eq!(h.int(int_key::RPC_TIMEOUT), None);
    }

    #[test]
    fn re_encodes_the_volo_golden_capture_byte_for_byte() {
        let golden = volo_golden();
        let frame = decode(&golden).unwrap();
        let mut dst = BytesMut::new();
        frame.header.encode_frame(&frame.payload, true, &mut dst, &Limits::default()).unwrap();
        assert_eq!(&dst[..], &golden[..]);
        // Without the inner frame: four bytes shorter, and decodes to the same message.
        let mut dst = BytesMut::new();
        frame.header.encode_frame(&frame.payload, false, &mut dst, &Limits::default()).unwrap();
        assert_eq!(dst.len(), golden.len() - 4);
        let again = decode(&dst).unwrap();
        assert!(!again.inner_framed);
        assert_eq!((again.header, again.payload), (frame.header, frame.payload));
    }

    #[test]
    fn payload_slices_share_the_frame() {
        let frame_bytes = Bytes::from(volo_golden());
        let frame = decode_frame(frame_bytes.clone(), &Limits::default()).unwrap();
        let range = frame_bytes.as_ptr_range();
        assert!(range.contains(&frame.payload.as_ptr()));
        let (key, _) = frame.header.strings.iter().next().unwrap();
        assert!(range.contains(&key.as_ptr()));
    }

    #[test]
    fn acl_token_and_every_block_round_trip() {
        let mut h = TtHeader::new(-5);
        h.flags = FLAG_SUPPORT_OUT_OF_ORDER | FLAG_SASL;
        h.protocol = ProtocolId::COMPACT;
        h.acl_token = Some(Bytes::from_static(b"secret"));
        h.strings.insert(Bytes::from_static(str_key::BIZ_STATUS.as_bytes()), "200");
        h.ints.insert(int_key::RPC_TIMEOUT, "1000");
        let payload = b"\x82\x41\x05\x01m\x00";
        let mut dst = BytesMut::new();
        h.encode_frame(payload, false, &mut dst, &Limits::default()).unwrap();
        // ACL first, as gopkg writes it.
        assert_eq!(dst[16], INFO_ACL_TOKEN);
        assert_eq!(dst.len() % 4, (FIXED_LEN + payload.len()) % 4);
        let frame = decode(&dst).unwrap();
        assert_eq!(frame.header, h);
        assert_eq!(&frame.payload[..], payload);
        assert!(!frame.inner_framed);
    }

    #[test]
    fn extra_padding_and_empty_blocks_are_accepted() {
        // Header of 8 bytes: protocol, 0 transforms, an empty int block, 3 padding bytes.
        let mut f = vec![0, 0, 0, 0, 0x10, 0x00, 0, 0, 0, 0, 0, 7, 0, 2, 0, 0, 0x10, 0, 0, 0, 0, 0];
        f.extend_from_slice(b"\x80\x01\x00\x02\x00\x00\x00\x01m\x00\x00\x00\x07\x00");
        let len = (f.len() - 4) as u32;
        f[..4].copy_from_slice(&len.to_be_bytes());
        let frame = decode(&f).unwrap();
        assert!(frame.header.ints.is_empty() && frame.header.strings.is_empty());
        assert_eq!(frame.header.seq_id, 7);
        assert_eq!(frame.payload.len(), 14);
    }

    /// A minimal valid frame whose header area is `area` (padded here) and payload `payload`.
    fn frame_with(area: &[u8], payload: &[u8]) -> Vec<u8> {
        let mut area = area.to_vec();
        area.resize(area.len().next_multiple_of(4), 0);
        let mut f = Vec::new();
        f.extend_from_slice(&((10 + area.len() + payload.len()) as u32).to_be_bytes());
        f.extend_from_slice(&[0x10, 0x00, 0, 0, 0, 0, 0, 1]);
        f.extend_from_slice(&((area.len() / 4) as u16).to_be_bytes());
        f.extend_from_slice(&area);
        f.extend_from_slice(payload);
        f
    }

    #[test]
    fn every_error_path() {
        let msg = b"\x80\x01\x00\x01\x00\x00\x00\x01m\x00\x00\x00\x01\x00";
        let check = |bytes: &[u8], kind: ProtoErrorKind, text: &str| {
            let e = decode(bytes).unwrap_err();
            assert_eq!(e.kind(), kind, "{e}");
            assert!(e.to_string().contains(text), "expected {text:?} in: {e}");
        };
        // Bad magic.
        let mut f = frame_with(&[0, 0], msg);
        f[4] = 0x0f;
        f[5] = 0xff;
        check(&f, ProtoErrorKind::Unrecognized, "magic 0x1000 at byte 4, found 0x0fff");
        // Header size too small, too large for the limit, past the frame.
        let mut f = frame_with(&[0, 0], msg);
        f[12..14].copy_from_slice(&[0, 0]);
        check(&f, ProtoErrorKind::InvalidHeader, "header size 0");
        let mut f = frame_with(&[0, 0], msg);
        f[12..14].copy_from_slice(&[0x40, 0x01]);
        check(&f, ProtoErrorKind::TooLarge, "exceeds the limit of 65536");
        let mut f = frame_with(&[0, 0], msg);
        f[12..14].copy_from_slice(&[0x00, 0x10]);
        check(&f, ProtoErrorKind::InvalidHeader, "runs past the frame end");
        // Frame length over the limit, under the fixed bytes, or disagreeing with the bytes.
        let mut f = frame_with(&[0, 0], msg);
        f[..4].copy_from_slice(&0x0100_0001u32.to_be_bytes());
        check(&f, ProtoErrorKind::TooLarge, "exceeds the limit of 16777216");
        let mut f = frame_with(&[0, 0], msg);
        f[..4].copy_from_slice(&9u32.to_be_bytes());
        check(&f, ProtoErrorKind::InvalidHeader, "less than the 10 fixed");
        let mut f = frame_with(&[0, 0], msg);
        f.push(0);
        check(&f, ProtoErrorKind::InvalidHeader, "1 bytes follow the end");
        // Transforms, known and unknown.
        check(&frame_with(&[0, 1, 1], msg), ProtoErrorKind::UnsupportedTransform, "transform 1 (zlib) at byte 16");
        check(&frame_with(&[0, 1, 3], msg), ProtoErrorKind::UnsupportedTransform, "(snappy)");
        check(&frame_with(&[0, 1, 9], msg), ProtoErrorKind::UnsupportedTransform, "transform 9 (unknown)");
        check(&frame_with(&[0, 4], msg), ProtoErrorKind::InvalidHeader, "the transform ids at byte 16");
        // Unknown info id.
        check(&frame_with(&[0, 0, 0x02], msg), ProtoErrorKind::UnknownInfo, "info id 0x02 at byte 16");
        // Strings pointing past the header end.
        check(&frame_with(&[0, 0, 1, 0, 1, 0, 9, b'k'], msg), ProtoErrorKind::InvalidHeader, "header ends at byte 22");
        check(&frame_with(&[0, 0, 0x10, 0, 1, 0, 3, 0, 200], msg), ProtoErrorKind::InvalidHeader, "int header value");
        check(&frame_with(&[0, 0, 0x11, 0, 200], msg), ProtoErrorKind::InvalidHeader, "the ACL token");
        check(
            &frame_with(&[0, 0, 1, 0xff, 0xff], msg),
            ProtoErrorKind::InvalidHeader,
            "string header value at byte 21",
        );
        // An inner frame length that disagrees with the payload.
        let mut inner = 99u32.to_be_bytes().to_vec();
        inner.extend_from_slice(msg);
        check(&frame_with(&[0, 0], &inner), ProtoErrorKind::InvalidHeader, "inner frame length 99");
    }

    #[test]
    fn truncation_at_every_offset_is_an_error_never_a_panic() {
        let golden = volo_golden();
        for cut in 0..golden.len() {
            let e = decode(&golden[..cut]).unwrap_err();
            assert!(e.is_incomplete(), "cut at {cut}: {e}");
        }
    }

    #[test]
    fn encoder_rejects_what_the_format_cannot_carry() {
        let mut h = TtHeader::new(1);
        h.strings.insert(Bytes::from_static(b"k"), vec![b'x'; 70_000]);
        let mut dst = BytesMut::from(&b"keep"[..]);
        let e = h.begin_frame(&mut dst, false, &Limits::default()).unwrap_err();
        assert_eq!(e.kind(), ProtoErrorKind::InvalidInput, "{e}");
        assert_eq!(&dst[..], b"keep");
        let mut h = TtHeader::new(1);
        h.strings.insert(Bytes::from_static(b"k"), vec![b'x'; 60_000]);
        let small = Limits { max_header_size: 1024, ..Limits::default() };
        assert!(h.begin_frame(&mut dst, false, &small).unwrap_err().is_too_large());
        assert!(h.begin_frame(&mut dst, false, &Limits::default()).is_ok());
    }

    #[test]
    fn protocol_of_the_payload_is_sniffed() {
        assert_eq!(payload_protocol(b"\x82\x21", ProtocolId::BINARY, 0).unwrap(), Protocol::Compact);
        assert_eq!(payload_protocol(b"\x80\x01", ProtocolId::COMPACT, 0).unwrap(), Protocol::Binary);
        assert_eq!(payload_protocol(b"\x00\x00\x00\x01m", ProtocolId::BINARY, 0).unwrap(), Protocol::Binary);
        assert_eq!(payload_protocol(b"", ProtocolId::COMPACT, 0).unwrap(), Protocol::Compact);
        assert!(payload_protocol(b"\x00", ProtocolId::COMPACT, 0).unwrap_err().is_malformed());
        let e = payload_protocol(b"\x0a", ProtocolId::KITEX_PROTOBUF, 0).unwrap_err();
        assert!(e.is_unsupported() && e.to_string().contains("Kitex protobuf"), "{e}");
    }
}
