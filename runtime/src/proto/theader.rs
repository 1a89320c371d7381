//! Apache/fbthrift **THeader** (magic `0x0FFF`), as `doc/specs/HeaderFormat.md` and
//! Apache's Python `THeaderTransport` define it.
//!
//! Same 14 fixed bytes as [`ttheader`](super::ttheader), but the header area is made of
//! varints: protocol id, transform count and ids, then info blocks, of which only
//! `KEYVALUE` (1: varint count × (varint-length key, varint-length value)) is read; any
//! other info id ends the header area, and decoding jumps to its end (padding is zero, and
//! zero is no info id). All integers are big-endian, varints are ULEB128.
//!
//! The zlib transform (id 1) is implemented both ways with `flate2`; the payload is then
//! inflated into a new buffer (bounded by [`Limits::max_frame_size`]), the one place where
//! this layer copies. Other transforms (HMAC, snappy, QuickLZ, zstd) are rejected, as the
//! spec requires of unknown ones. Apache's "header + framed" wraps a whole THeader frame
//! in one more 4-byte frame; [`FrameDecoder`](super::FrameDecoder) handles that outer frame
//! and these functions see the THeader frame inside it.

use std::io::Write;

use bytes::{BufMut, Bytes, BytesMut};
use flate2::{Compression, Decompress, FlushDecompress, Status};

use super::fixed::{self, FIXED_LEN, Fixed};
use super::frame::{FrameToken, TokenKind};
use super::read::{Reader, put_varint};
use super::{Headers, Limits, ProtoError, ProtoErrorKind, Protocol};

/// The magic number in bytes 4–5 of every THeader frame.
pub const MAGIC: u16 = 0x0FFF;

/// Flag (fbthrift): the client accepts replies out of order.
pub const FLAG_SUPPORT_OUT_OF_ORDER: u16 = 0x0001;
/// Flag (fbthrift): duplex, reversed direction.
pub const FLAG_DUPLEX_REVERSE: u16 = 0x0008;

/// Transform id of zlib compression: implemented.
pub const TRANSFORM_ZLIB: u32 = 0x01;
/// Transform id of HMAC (historic; deprecated in every implementation): rejected.
pub const TRANSFORM_HMAC: u32 = 0x02;
/// Transform id of snappy compression: rejected.
pub const TRANSFORM_SNAPPY: u32 = 0x03;
/// Transform id of QuickLZ compression (fbthrift, deprecated): rejected.
pub const TRANSFORM_QLZ: u32 = 0x04;
/// Transform id of zstd compression (fbthrift): rejected.
pub const TRANSFORM_ZSTD: u32 = 0x05;

/// Info id of a block of string key/values: the only info Apache reads and writes.
pub const INFO_KEY_VALUE: u32 = 0x01;
/// Info id of fbthrift's persistent key/values: skipped, like every other info id.
pub const INFO_PERSISTENT_KEY_VALUE: u32 = 0x02;

/// The protocol id varint of a THeader: what the payload is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ProtocolId(pub u32);

impl ProtocolId {
    /// Thrift binary.
    pub const BINARY: Self = Self(0);
    /// Thrift JSON (C++ only; not supported here).
    pub const JSON: Self = Self(1);
    /// Thrift compact.
    pub const COMPACT: Self = Self(2);

    /// The Thrift protocol this id names, when we speak it.
    ///
    /// # Errors
    /// [`UnsupportedProtocol`](ProtoErrorKind::UnsupportedProtocol) for JSON and unknown ids.
    pub fn protocol(self) -> Result<Protocol, ProtoError> {
        match self {
            Self::BINARY => Ok(Protocol::Binary),
            Self::COMPACT => Ok(Protocol::Compact),
            Self::JSON => Err(ProtoError::unsupported_protocol(
                Some(FIXED_LEN),
                "THeader protocol 1 (JSON) is not supported".into(),
            )),
            Self(id) => {
                Err(ProtoError::unsupported_protocol(Some(FIXED_LEN), format!("THeader protocol id {id} is unknown")))
            }
        }
    }
}

impl From<Protocol> for ProtocolId {
    fn from(p: Protocol) -> Self {
        match p {
            Protocol::Binary => Self::BINARY,
            Protocol::Compact => Self::COMPACT,
        }
    }
}

/// A decoded THeader, or one to encode. Keys and values are zero-copy slices of the frame
/// they were decoded from, in wire order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct THeader {
    /// Flag bits (Apache writes 0).
    pub flags: u16,
    /// Sequence id (Apache copies the message's).
    pub seq_id: i32,
    /// What the payload is.
    pub protocol: ProtocolId,
    /// Transforms, in the order they are applied when writing (only [`TRANSFORM_ZLIB`]).
    pub transforms: Vec<u32>,
    /// String key/values (info `KEYVALUE`).
    pub headers: Headers<Bytes>,
}

/// A decoded THeader frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct THeaderFrame {
    /// The header.
    pub header: THeader,
    /// The Thrift message, after undoing the transforms.
    pub payload: Bytes,
}

fn transform_name(id: u32) -> &'static str {
    match id {
        TRANSFORM_ZLIB => "zlib",
        TRANSFORM_HMAC => "HMAC",
        TRANSFORM_SNAPPY => "snappy",
        TRANSFORM_QLZ => "QuickLZ",
        TRANSFORM_ZSTD => "zstd",
        _ => "unknown",
    }
}

fn varint_len(v: u64) -> usize {
    (64 - (v | 1).leading_zeros() as usize).div_ceil(7)
}

impl THeader {
    /// A header with sequence id `seq_id` for `protocol`, no flags, transforms or entries.
    pub fn new(seq_id: i32, protocol: Protocol) -> Self {
        THeader { seq_id, protocol: protocol.into(), ..Self::default() }
    }

    /// The value of `key`, if present and UTF-8.
    pub fn header(&self, key: &str) -> Option<&str> {
        self.headers.get_str(key.as_bytes())
    }

    /// Bytes of the encoded header area, padding included.
    fn header_len(&self) -> usize {
        let mut len = varint_len(self.protocol.0.into()) + varint_len(self.transforms.len() as u64);
        len += self.transforms.iter().map(|&t| varint_len(t.into())).sum::<usize>();
        if !self.headers.is_empty() {
            len += varint_len(INFO_KEY_VALUE.into()) + varint_len(self.headers.len() as u64);
            for (k, v) in self.headers.iter() {
                len += varint_len(k.len() as u64) + k.len() + varint_len(v.len() as u64) + v.len();
            }
        }
        len.next_multiple_of(4)
    }

    /// Starts a frame at the end of `dst`: writes the outer frame length if `outer_framed`
    /// (Apache's header + framed), the fixed bytes and the header area, leaving the lengths
    /// (and the zlib transform) to [`finish_frame`](super::finish_frame), which the caller
    /// calls once it has appended the payload in place.
    ///
    /// # Errors
    /// [`UnsupportedTransform`](ProtoErrorKind::UnsupportedTransform) for a transform other
    /// than zlib; [`TooLarge`](ProtoErrorKind::TooLarge) if the header area exceeds
    /// `limits.max_header_size`. Nothing is written on error.
    pub fn begin_frame(
        &self,
        dst: &mut BytesMut,
        outer_framed: bool,
        limits: &Limits,
    ) -> Result<FrameToken, ProtoError> {
        if let Some(&t) = self.transforms.iter().find(|&&t| t != TRANSFORM_ZLIB) {
            return Err(ProtoError::unsupported_transform(FIXED_LEN, "THeader", t, transform_name(t)));
        }
        let header_len = self.header_len();
        let limit = limits.max_header_size.min(4 * usize::from(u16::MAX));
        if header_len > limit {
            return Err(ProtoError::too_large(FIXED_LEN, "THeader header area", header_len, limit));
        }
        let start = dst.len();
        dst.reserve(4 * usize::from(outer_framed) + FIXED_LEN + header_len);
        if outer_framed {
            dst.put_u32(0);
        }
        let header_start = dst.len();
        dst.put_u32(0);
        dst.put_u16(MAGIC);
        dst.put_u16(self.flags);
        dst.put_i32(self.seq_id);
        dst.put_u16((header_len / 4) as u16);
        put_varint(dst, self.protocol.0.into());
        put_varint(dst, self.transforms.len() as u64);
        for &t in &self.transforms {
            put_varint(dst, t.into());
        }
        if !self.headers.is_empty() {
            put_varint(dst, INFO_KEY_VALUE.into());
            put_varint(dst, self.headers.len() as u64);
            for (k, v) in self.headers.iter() {
                put_varint(dst, k.len() as u64);
                dst.put_slice(k);
                put_varint(dst, v.len() as u64);
                dst.put_slice(v);
            }
        }
        dst.put_bytes(0, header_start + FIXED_LEN + header_len - dst.len());
        let kind = TokenKind::THeader { outer_framed, zlib_passes: self.transforms.len() };
        Ok(FrameToken::new(start, dst.len(), kind, limits))
    }

    /// Appends a whole frame carrying `payload` (before transforms) to `dst`.
    ///
    /// # Errors
    /// As [`THeader::begin_frame`] and [`finish_frame`](super::finish_frame).
    pub fn encode_frame(
        &self,
        payload: &[u8],
        outer_framed: bool,
        dst: &mut BytesMut,
        limits: &Limits,
    ) -> Result<(), ProtoError> {
        let token = self.begin_frame(dst, outer_framed, limits)?;
        dst.extend_from_slice(payload);
        super::finish_frame(token, dst)
    }
}

/// Decodes one whole THeader frame (starting with its own length field, without any outer
/// frame) and undoes its transforms.
///
/// # Errors
/// [`Incomplete`](ProtoErrorKind::Incomplete) if `frame` is shorter than its length says;
/// [`Unrecognized`](ProtoErrorKind::Unrecognized) for a wrong magic;
/// [`TooLarge`](ProtoErrorKind::TooLarge) for a frame, header or inflated payload over
/// `limits`; [`InvalidHeader`](ProtoErrorKind::InvalidHeader) for sizes that do not add up,
/// varints or strings past the end of the header, or trailing bytes;
/// [`UnsupportedTransform`](ProtoErrorKind::UnsupportedTransform) for any transform but
/// zlib; [`Compression`](ProtoErrorKind::Compression) for a corrupt zlib stream.
pub fn decode_frame(frame: Bytes, limits: &Limits) -> Result<THeaderFrame, ProtoError> {
    let Fixed { flags, seq_id, header_end } = fixed::read(&frame, limits, "THeader", MAGIC)?;
    let mut header = THeader { flags, seq_id, ..THeader::default() };
    let mut h = Reader::header(&frame, FIXED_LEN, header_end, "THeader");
    header.protocol = ProtocolId(h.varint_u32("the protocol id")?);
    let transforms = h.varint_u32("the transform count")?;
    for _ in 0..transforms {
        let at = h.pos();
        let id = h.varint_u32("a transform id")?;
        if id != TRANSFORM_ZLIB {
            return Err(ProtoError::unsupported_transform(at, "THeader", id, transform_name(id)));
        }
        header.transforms.push(id);
    }
    let string = |h: &mut Reader<'_>, what: &str| -> Result<Bytes, ProtoError> {
        let len = h.varint_u32(what)? as usize;
        Ok(frame.slice(h.take(len, what)?))
    };
    while !h.is_at_end() {
        if h.varint_u32("an info id")? != INFO_KEY_VALUE {
            // Padding, or an info we do not know: the rest of the header is skipped.
            break;
        }
        for _ in 0..h.varint_u32("a header count")? {
            let key = string(&mut h, "a header key")?;
            header.headers.append(key, string(&mut h, "a header value")?);
        }
    }
    let mut payload = frame.slice(header_end..);
    for _ in &header.transforms {
        payload = inflate(&payload, header_end, limits.max_frame_size)?;
    }
    Ok(THeaderFrame { header, payload })
}

#[cold]
fn compression(at: usize, message: String) -> ProtoError {
    ProtoError::new(ProtoErrorKind::Compression, Some(at), message)
}

/// Inflates the zlib stream `input` (found at byte `at` of the frame) into at most `limit`
/// bytes; the stream must end exactly at the end of `input`.
fn inflate(input: &[u8], at: usize, limit: usize) -> Result<Bytes, ProtoError> {
    let mut d = Decompress::new(true);
    // Compressed Thrift is typically a few times smaller than the original.
    let mut out = Vec::with_capacity(input.len().saturating_mul(4).clamp(64, limit.max(64)));
    loop {
        if out.len() == out.capacity() {
            if out.len() > limit {
                return Err(ProtoError::too_large(at, "zlib-inflated THeader payload", out.len(), limit));
            }
            // Double, but never past one byte over the limit (enough to tell it was exceeded).
            out.reserve_exact(out.len().max(64).min(limit + 1 - out.len()));
        }
        let (consumed, produced) = (d.total_in() as usize, out.len());
        let status = d
            .decompress_vec(&input[consumed..], &mut out, FlushDecompress::None)
            .map_err(|e| compression(at, format!("THeader zlib payload at byte {at} is corrupt: {e}")))?;
        if status == Status::StreamEnd {
            break;
        }
        let stuck = d.total_in() as usize == consumed && out.len() == produced;
        if stuck && out.len() < out.capacity() {
            return Err(compression(at, format!("THeader zlib payload at byte {at} ends before its stream does")));
        }
    }
    if out.len() > limit {
        return Err(ProtoError::too_large(at, "zlib-inflated THeader payload", out.len(), limit));
    }
    let used = d.total_in() as usize;
    if used != input.len() {
        return Err(compression(
            at + used,
            format!("{} bytes follow the THeader zlib stream at byte {}", input.len() - used, at + used),
        ));
    }
    Ok(Bytes::from(out))
}

/// Replaces `dst[from..]` with its zlib compression, `passes` times (the encoding side of
/// [`TRANSFORM_ZLIB`], called by [`finish_frame`](super::finish_frame)).
pub(crate) fn deflate_in_place(dst: &mut BytesMut, from: usize, passes: usize) -> Result<(), ProtoError> {
    let mut data = dst[from..].to_vec();
    for _ in 0..passes {
        let mut encoder =
            flate2::write::ZlibEncoder::new(Vec::with_capacity(data.len() / 2 + 64), Compression::default());
        data = encoder
            .write_all(&data)
            .and_then(|()| encoder.finish())
            .map_err(|e| compression(from, format!("zlib compression failed: {e}")))?;
    }
    dst.truncate(from);
    dst.extend_from_slice(&data);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::golden::{BINARY_STRICT_CALL, COMPACT_CALL, theader_binary, theader_compact_kv, theader_zlib};

    fn decode(bytes: &[u8]) -> Result<THeaderFrame, ProtoError> {
        decode_frame(Bytes::copy_from_slice(bytes), &Limits::default())
    }

    fn encode(h: &THeader, payload: &[u8]) -> BytesMut {
        let mut dst = BytesMut::new();
        h.encode_frame(payload, false, &mut dst, &Limits::default()).unwrap();
        dst
    }

    #[test]
    fn binary_golden_decodes_and_encodes_byte_for_byte() {
        let golden = theader_binary();
        let frame = decode(&golden).unwrap();
        assert_eq!(frame.header, THeader::new(1, Protocol::Binary));
        assert_eq!(&frame.payload[..], BINARY_STRICT_CALL);
        assert_eq!(&encode(&frame.header, BINARY_STRICT_CALL)[..], &golden[..]);
    }

    #[test]
    fn compact_golden_with_a_header_decodes_and_encodes_byte_for_byte() {
        let golden = theader_compact_kv();
        let frame = decode(&golden).unwrap();
        assert_eq!(frame.header.protocol, ProtocolId::COMPACT);
        assert_eq!(frame.header.protocol.protocol().unwrap(), Protocol::Compact);
        assert_eq!(frame.header.header("k"), Some("v"));
        assert_eq!(&frame.payload[..], COMPACT_CALL);
        let mut h = THeader::new(1, Protocol::Compact);
        h.headers.insert(Bytes::from_static(b"k"), "v");
        assert_eq!(&encode(&h, COMPACT_CALL)[..], &golden[..]);
    }

    #[test]
    fn zlib_golden_from_apache_decodes_and_our_zlib_round_trips() {
        let golden = theader_zlib();
        let frame = decode(&golden).unwrap();
        assert_eq!(frame.header.transforms, [TRANSFORM_ZLIB]);
        assert_eq!(&frame.payload[..], BINARY_STRICT_CALL);
        let ours = encode(&frame.header, BINARY_STRICT_CALL);
        // Same header; the zlib stream may differ from Python's byte for byte.
        assert_eq!(&ours[4..18], &golden[4..18]);
        let again = decode(&ours).unwrap();
        assert_eq!((again.header, &again.payload[..]), (frame.header, BINARY_STRICT_CALL));
        // Twice zlib: applied in order, undone in reverse.
        let mut h = THeader::new(3, Protocol::Binary);
        h.transforms = vec![TRANSFORM_ZLIB, TRANSFORM_ZLIB];
        let twice = decode(&encode(&h, &[7u8; 5000])).unwrap();
        assert_eq!(&twice.payload[..], &[7u8; 5000][..]);
    }

    #[test]
    fn outer_frame_is_written_around_the_whole_frame() {
        let mut dst = BytesMut::new();
        THeader::new(1, Protocol::Binary).encode_frame(BINARY_STRICT_CALL, true, &mut dst, &Limits::default()).unwrap();
        let golden = theader_binary();
        assert_eq!(&dst[..4], &(golden.len() as u32).to_be_bytes());
        assert_eq!(&dst[4..], &golden[..]);
    }

    #[test]
    fn unknown_infos_end_the_header_and_are_skipped() {
        // KEYVALUE {a: b}, then info 2 (fbthrift persistent) with junk, padding.
        let area = [0x00, 0x00, 0x01, 0x01, 0x01, b'a', 0x01, b'b', 0x02, 0xff, 0xff, 0x00];
        let mut f = (10 + area.len() as u32 + BINARY_STRICT_CALL.len() as u32).to_be_bytes().to_vec();
        f.extend_from_slice(&[0x0f, 0xff, 0, 0, 0, 0, 0, 1, 0, 3]);
        f.extend_from_slice(&area);
        f.extend_from_slice(BINARY_STRICT_CALL);
        let frame = decode(&f).unwrap();
        assert_eq!(frame.header.header("a"), Some("b"));
        assert_eq!(frame.header.headers.len(), 1);
        assert_eq!(&frame.payload[..], BINARY_STRICT_CALL);
    }

    /// A frame with header area `area` (padded here) and `payload`.
    fn frame_with(area: &[u8], payload: &[u8]) -> Vec<u8> {
        let mut area = area.to_vec();
        area.resize(area.len().next_multiple_of(4), 0);
        let mut f = ((10 + area.len() + payload.len()) as u32).to_be_bytes().to_vec();
        f.extend_from_slice(&[0x0f, 0xff, 0, 0, 0, 0, 0, 1]);
        f.extend_from_slice(&((area.len() / 4) as u16).to_be_bytes());
        f.extend_from_slice(&area);
        f.extend_from_slice(payload);
        f
    }

    #[test]
    fn every_error_path() {
        let check = |bytes: &[u8], kind: ProtoErrorKind, text: &str| {
            let e = decode(bytes).unwrap_err();
            assert_eq!(e.kind(), kind, "{e}");
            assert!(e.to_string().contains(text), "expected {text:?} in: {e}");
        };
        let msg = BINARY_STRICT_CALL;
        let mut f = frame_with(&[0, 0], msg);
        f[5] = 0x00;
        check(&f, ProtoErrorKind::Unrecognized, "THeader magic 0x0fff at byte 4, found 0x0f00");
        let mut f = frame_with(&[0, 0], msg);
        f[12..14].copy_from_slice(&[0, 0]);
        check(&f, ProtoErrorKind::InvalidHeader, "header size 0");
        let mut f = frame_with(&[0, 0], msg);
        f[12..14].copy_from_slice(&[0xff, 0xff]);
        check(&f, ProtoErrorKind::TooLarge, "THeader header area of 262140 bytes");
        let mut f = frame_with(&[0, 0], msg);
        f[12..14].copy_from_slice(&[0x00, 0x20]);
        check(&f, ProtoErrorKind::InvalidHeader, "runs past the frame end");
        let mut f = frame_with(&[0, 0], msg);
        f[..4].copy_from_slice(&0x7fff_ffffu32.to_be_bytes());
        check(&f, ProtoErrorKind::TooLarge, "THeader frame of 2147483647 bytes");
        // Transforms: HMAC, snappy, unknown; and a transform list past the header.
        check(&frame_with(&[0, 1, 2], msg), ProtoErrorKind::UnsupportedTransform, "transform 2 (HMAC) at byte 16");
        check(&frame_with(&[0, 1, 3], msg), ProtoErrorKind::UnsupportedTransform, "(snappy)");
        check(
            &frame_with(&[0, 2, 1, 0x80, 0x01], msg),
            ProtoErrorKind::UnsupportedTransform,
            "transform 128 (unknown)",
        );
        check(&frame_with(&[0, 9, 1, 1], msg), ProtoErrorKind::InvalidHeader, "a transform id at byte 18");
        // Varints and strings past the header end.
        check(&frame_with(&[0, 0, 1, 1, 9, b'k'], msg), ProtoErrorKind::InvalidHeader, "header ends at byte 22");
        check(&frame_with(&[0x80, 0x80, 0x80, 0x80], msg), ProtoErrorKind::InvalidHeader, "the protocol id at byte 18");
        check(&frame_with(&[0x80, 0x80, 0x80, 0x80, 0x80, 0x01], msg), ProtoErrorKind::InvalidHeader, "varint longer");
        // Corrupt, truncated and over-long zlib payloads.
        let mut z = theader_zlib();
        z[20] ^= 0xff;
        check(&z, ProtoErrorKind::Compression, "corrupt");
        let z = theader_zlib();
        let cut = &z[18..z.len() - 3];
        check(&frame_with(&[0, 1, 1], cut), ProtoErrorKind::Compression, "ends before its stream");
        let mut tail = z[18..].to_vec();
        tail.push(0);
        check(&frame_with(&[0, 1, 1], &tail), ProtoErrorKind::Compression, "1 bytes follow");
        let small = Limits { max_frame_size: 100, ..Limits::default() };
        let bomb = encode(&THeader { transforms: vec![TRANSFORM_ZLIB], ..THeader::default() }, &[0u8; 1000]);
        let e = decode_frame(bomb.freeze(), &small).unwrap_err();
        assert!(e.is_too_large() && e.to_string().contains("zlib-inflated"), "{e}");
        // Protocol ids we do not speak.
        assert!(ProtocolId::JSON.protocol().unwrap_err().is_unsupported());
        assert!(ProtocolId(7).protocol().unwrap_err().to_string().contains("7"));
    }

    #[test]
    fn truncation_at_every_offset_is_an_error_never_a_panic() {
        for golden in [theader_binary(), theader_compact_kv(), theader_zlib()] {
            for cut in 0..golden.len() {
                assert!(decode(&golden[..cut]).unwrap_err().is_incomplete(), "cut {cut}");
            }
        }
    }

    #[test]
    fn encoder_rejects_unsupported_transforms_and_huge_headers() {
        let mut h = THeader::new(1, Protocol::Binary);
        h.transforms = vec![TRANSFORM_HMAC];
        let mut dst = BytesMut::new();
        assert!(h.begin_frame(&mut dst, false, &Limits::default()).unwrap_err().is_unsupported());
        assert!(dst.is_empty());
        let mut h = THeader::new(1, Protocol::Binary);
        h.headers.insert(Bytes::from_static(b"k"), vec![0u8; 70_000]);
        assert!(h.begin_frame(&mut dst, false, &Limits::default()).unwrap_err().is_too_large());
        assert!(dst.is_empty());
    }
}
