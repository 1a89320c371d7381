//! The incremental API the transport drives: [`FrameDecoder`] splits whole frames off a
//! connection's read buffer without copying, and [`FrameEncoder`] with [`finish_frame`]
//! writes replies straight into its write buffer.
//!
//! Decoding, per call: [`detect`](mod@super::detect) tells the framing from the first bytes
//! (again for every frame, as Kitex and Volo do, so a peer may switch), lengths are checked
//! against [`Limits`] as soon as they are read, and once the whole frame is in the buffer it
//! is split off with `split_to(n).freeze()` and handed to the format's decoder; headers and
//! payload are slices of those bytes. `Ok(None)` means "read more". An error means the
//! connection is beyond repair (the bytes of a frame that failed to decode are consumed).
//!
//! Encoding: `begin` reserves and writes everything up to the payload, the caller
//! (the codec) appends the message in place, and [`finish_frame`] patches the lengths (and
//! applies THeader's zlib). On error `finish_frame` truncates the buffer back to where the
//! frame began, so the connection can still send something else, such as an exception.

use bytes::{BufMut, Bytes, BytesMut};

use super::detect::{self, Dialect, Family, Transport};
use super::envelope::{Envelope, peek_envelope};
use super::fixed;
use super::{Limits, ProtoError, THeader, TtHeader, framed, theader, ttheader};

/// The header a frame came with, or goes out with.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum FrameHeader {
    /// Framed and unframed messages have none.
    #[default]
    None,
    /// A CloudWeGo TTHeader.
    TtHeader(TtHeader),
    /// An Apache/fbthrift THeader.
    THeader(THeader),
}

/// One message as it came off the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// What the peer speaks, to answer in kind.
    pub dialect: Dialect,
    /// The TTHeader or THeader, if any.
    pub header: FrameHeader,
    /// The Thrift message (envelope and body): a slice of the read buffer, except after zlib.
    pub payload: Bytes,
}

impl Frame {
    /// The message envelope and the offset of the body in [`Frame::payload`].
    ///
    /// # Errors
    /// As [`peek_envelope`].
    pub fn envelope(&self) -> Result<(Envelope<'_>, usize), ProtoError> {
        peek_envelope(self.dialect.protocol, &self.payload)
    }
}

/// Splits frames off a connection's read buffer. One per connection: it remembers how many
/// bytes the last incomplete attempt needed, so that an unframed message is not walked
/// again until they are there.
#[derive(Debug, Clone, Default)]
pub struct FrameDecoder {
    limits: Limits,
    /// Buffer length below which another attempt cannot succeed.
    needed: usize,
}

impl FrameDecoder {
    /// A decoder applying `limits`.
    pub fn new(limits: Limits) -> Self {
        FrameDecoder { limits, needed: 0 }
    }

    /// The limits this decoder applies.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Splits one complete frame off the front of `buf`, or returns `Ok(None)` (leaving
    /// `buf` as it is) when more bytes are needed.
    ///
    /// # Errors
    /// Any [`ProtoError`] but `Incomplete`: too large (reported as soon as a length is
    /// read, without buffering the frame), unrecognized, malformed or unsupported.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, ProtoError> {
        if buf.len() < self.needed {
            return Ok(None);
        }
        match self.try_decode(buf) {
            Ok(frame) => {
                self.needed = 0;
                Ok(Some(frame))
            }
            Err(e) if e.is_incomplete() => {
                self.needed = e.needed().unwrap_or(buf.len() + 1).max(buf.len() + 1);
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Bytes the buffer must hold before [`decode`](Self::decode) can make progress (0 when
    /// unknown). A transport can use it to size its next read.
    pub fn needed(&self) -> usize {
        self.needed
    }

    fn try_decode(&self, buf: &mut BytesMut) -> Result<Frame, ProtoError> {
        let limits = &self.limits;
        let (len, family) = match detect::sniff(buf, limits)? {
            family @ Family::Framed(_) => (framed::frame_len(buf, limits)?, family),
            family @ Family::Unframed(p) => (framed::unframed_message_len(p, buf, limits)?, family),
            Family::TtHeader => (fixed::frame_len(buf, limits, "TTHeader")?, Family::TtHeader),
            family @ Family::THeader { outer_framed: false } => (fixed::frame_len(buf, limits, "THeader")?, family),
            family @ Family::THeader { outer_framed: true } => {
                let total = framed::frame_len(buf, limits)?;
                fixed::frame_len(&buf[4..], limits, "THeader")?;
                (total, family)
            }
        };
        if buf.len() < len {
            return Err(ProtoError::incomplete(buf.len(), len, "a frame"));
        }
        let bytes = buf.split_to(len).freeze();
        Self::decode_split(bytes, family, limits).map_err(|e| {
            // The frame is whole: running out of bytes inside it means its lengths lie.
            if e.is_incomplete() {
                ProtoError::invalid_header(e.offset().unwrap_or(0), format!("the frame's own lengths disagree: {e}"))
            } else {
                e
            }
        })
    }

    /// Decodes the whole frame `bytes` of `family`.
    fn decode_split(bytes: Bytes, family: Family, limits: &Limits) -> Result<Frame, ProtoError> {
        let frame =
            |transport, protocol, header, payload| Frame { dialect: Dialect { transport, protocol }, header, payload };
        Ok(match family {
            Family::Framed(p) => frame(Transport::Framed, p, FrameHeader::None, bytes.slice(framed::LENGTH_LEN..)),
            Family::Unframed(p) => frame(Transport::Unframed, p, FrameHeader::None, bytes),
            Family::TtHeader => {
                let flags = u16::from_be_bytes([bytes[6], bytes[7]]);
                if flags & ttheader::FLAG_STREAMING != 0 {
                    return Err(ProtoError::unsupported_protocol(
                        Some(6),
                        "TTHeader streaming is not supported".into(),
                    ));
                }
                let at = fixed::payload_offset(&bytes);
                let tt = ttheader::decode_frame(bytes, limits)?;
                let at = at + 4 * usize::from(tt.inner_framed);
                let protocol = ttheader::payload_protocol(&tt.payload, tt.header.protocol, at)?;
                let transport = Transport::TtHeader { inner_framed: tt.inner_framed };
                frame(transport, protocol, FrameHeader::TtHeader(tt.header), tt.payload)
            }
            Family::THeader { outer_framed } => {
                let inner = if outer_framed { bytes.slice(4..) } else { bytes };
                if outer_framed && inner.len() >= 4 {
                    let declared = u32::from_be_bytes([inner[0], inner[1], inner[2], inner[3]]) as usize;
                    if declared + 4 != inner.len() {
                        return Err(ProtoError::invalid_header(
                            4,
                            format!(
                                "THeader frame length {declared} at byte 4 does not fill the outer frame of {}",
                                inner.len()
                            ),
                        ));
                    }
                }
                let th = theader::decode_frame(inner, limits)?;
                let protocol = th.header.protocol.protocol()?;
                frame(Transport::THeader { outer_framed }, protocol, FrameHeader::THeader(th.header), th.payload)
            }
        })
    }
}

/// What [`FrameToken`] remembers about the frame it began.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    Unframed,
    Framed,
    TtHeader { inner_framed: bool },
    THeader { outer_framed: bool, zlib_passes: usize },
}

/// A frame begun in a write buffer, to be passed to [`finish_frame`] once the payload has
/// been appended after it.
#[derive(Debug)]
#[must_use = "a begun frame must be finished with finish_frame"]
pub struct FrameToken {
    start: usize,
    payload_start: usize,
    kind: TokenKind,
    max_frame_size: usize,
}

impl FrameToken {
    pub(crate) fn new(start: usize, payload_start: usize, kind: TokenKind, limits: &Limits) -> Self {
        FrameToken { start, payload_start, kind, max_frame_size: limits.max_frame_size }
    }

    /// Offset in the buffer where the frame began.
    pub fn start(&self) -> usize {
        self.start
    }

    /// Offset in the buffer where the payload begins.
    pub fn payload_start(&self) -> usize {
        self.payload_start
    }
}

/// Largest value of the length fields of THeader and TTHeader frames: the top two bits are
/// reserved (THeader's `HeaderFormat.md`; gopkg's `MaxFrameSize`).
const HEADER_FRAME_MAX: usize = 0x3FFF_FFFF;
/// Largest value of a framed length, an i32.
const FRAMED_MAX: usize = i32::MAX as usize;

/// Finishes the frame `token` began: fills in its length fields from what the caller
/// appended to `dst` since, applying THeader's zlib first if the header asked for it.
///
/// # Errors
/// [`TooLarge`](super::ProtoErrorKind::TooLarge) if the frame exceeds the limit it was
/// begun with (or what its length fields can hold);
/// [`InvalidInput`](super::ProtoErrorKind::InvalidInput) if `dst` is now shorter than when
/// the frame began. Either way `dst` is truncated back to where the frame began.
pub fn finish_frame(token: FrameToken, dst: &mut BytesMut) -> Result<(), ProtoError> {
    let result = patch(&token, dst);
    if result.is_err() {
        dst.truncate(token.start);
    }
    result
}

fn patch(token: &FrameToken, dst: &mut BytesMut) -> Result<(), ProtoError> {
    let FrameToken { start, payload_start, kind, max_frame_size } = *token;
    if dst.len() < payload_start {
        return Err(ProtoError::invalid_input(format!(
            "the write buffer ({} bytes) is shorter than when the frame began (payload at {payload_start})",
            dst.len()
        )));
    }
    let put_len = |dst: &mut BytesMut, at: usize, format_max: usize, what: &str| {
        let len = dst.len() - at - 4;
        let limit = max_frame_size.min(format_max);
        if len > limit {
            return Err(ProtoError::too_large(at, what, len, limit));
        }
        (&mut dst[at..at + 4]).put_u32(len as u32);
        Ok(())
    };
    match kind {
        TokenKind::Unframed => {
            let len = dst.len() - start;
            if len > max_frame_size {
                return Err(ProtoError::too_large(start, "unframed message", len, max_frame_size));
            }
        }
        TokenKind::Framed => put_len(dst, start, FRAMED_MAX, "frame")?,
        TokenKind::TtHeader { inner_framed } => {
            if inner_framed {
                put_len(dst, payload_start - 4, FRAMED_MAX, "TTHeader inner frame")?;
            }
            put_len(dst, start, HEADER_FRAME_MAX, "TTHeader frame")?;
        }
        TokenKind::THeader { outer_framed, zlib_passes } => {
            if zlib_passes > 0 {
                theader::deflate_in_place(dst, payload_start, zlib_passes)?;
            }
            let at = start + 4 * usize::from(outer_framed);
            put_len(dst, at, HEADER_FRAME_MAX, "THeader frame")?;
            if outer_framed {
                put_len(dst, start, FRAMED_MAX, "frame")?;
            }
        }
    }
    Ok(())
}

/// Begins frames in a write buffer with the limits of the connection.
#[derive(Debug, Clone, Copy, Default)]
pub struct FrameEncoder {
    limits: Limits,
}

impl FrameEncoder {
    /// An encoder applying `limits`.
    pub fn new(limits: Limits) -> Self {
        FrameEncoder { limits }
    }

    /// The limits this encoder applies.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Begins a frame in `dialect`'s framing, with `header` (which must be a TTHeader for
    /// TTHeader, a THeader for THeader, and is ignored otherwise). The header's own
    /// protocol id is written as it is; the codec writes the payload in `dialect.protocol`.
    ///
    /// # Errors
    /// [`InvalidInput`](super::ProtoErrorKind::InvalidInput) if `header` does not match
    /// the framing; otherwise as [`TtHeader::begin_frame`] and [`THeader::begin_frame`].
    pub fn begin(&self, dst: &mut BytesMut, dialect: Dialect, header: &FrameHeader) -> Result<FrameToken, ProtoError> {
        match (dialect.transport, header) {
            (Transport::Unframed, _) => Ok(framed::begin_unframed(dst, &self.limits)),
            (Transport::Framed, _) => Ok(framed::begin_frame(dst, &self.limits)),
            (Transport::TtHeader { inner_framed }, FrameHeader::TtHeader(h)) => {
                h.begin_frame(dst, inner_framed, &self.limits)
            }
            (Transport::THeader { outer_framed }, FrameHeader::THeader(h)) => {
                h.begin_frame(dst, outer_framed, &self.limits)
            }
            (transport, header) => Err(ProtoError::invalid_input(format!(
                "cannot begin a {transport:?} frame with {}",
                match header {
                    FrameHeader::None => "no header",
                    FrameHeader::TtHeader(_) => "a TTHeader",
                    FrameHeader::THeader(_) => "a THeader",
                }
            ))),
        }
    }

    /// Appends a whole frame carrying `payload` (a complete message) to `dst`.
    ///
    /// # Errors
    /// As [`FrameEncoder::begin`] and [`finish_frame`].
    pub fn encode(
        &self,
        dst: &mut BytesMut,
        dialect: Dialect,
        header: &FrameHeader,
        payload: &[u8],
    ) -> Result<(), ProtoError> {
        let token = self.begin(dst, dialect, header)?;
        dst.extend_from_slice(payload);
        finish_frame(token, dst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::detect::Detection;
    use crate::proto::golden::{dialect_cases as cases, *};
    use crate::proto::{MessageType, ProtoErrorKind, Protocol};

    fn decode_all(bytes: &[u8], limits: Limits) -> Result<Vec<Frame>, ProtoError> {
        let mut decoder = FrameDecoder::new(limits);
        let mut buf = BytesMut::from(bytes);
        let mut frames = Vec::new();
        while let Some(frame) = decoder.decode(&mut buf)? {
            frames.push(frame);
        }
        assert!(buf.is_empty(), "{} bytes left over", buf.len());
        Ok(frames)
    }

    #[test]
    fn decodes_every_golden_dialect_with_its_message() {
        for (bytes, expected) in cases() {
            let Detection::Found(dialect) = expected else { unreachable!() };
            let frames = decode_all(&bytes, Limits::default()).unwrap();
            assert_eq!(frames.len(), 1);
            let frame = &frames[0];
            assert_eq!(frame.dialect, dialect);
            let (envelope, _) = frame.envelope().unwrap();
            assert!(["testString", "testVoid"].contains(&envelope.name), "{envelope:?}");
            assert_eq!(envelope.message_type, MessageType::Call);
            match (dialect.transport, &frame.header) {
                (Transport::TtHeader { .. }, FrameHeader::TtHeader(h)) => {
                    assert_eq!(h.string("isn"), Some("ThriftTest"))
                }
                (Transport::THeader { .. }, FrameHeader::THeader(h)) => assert_eq!(h.seq_id, 1),
                (Transport::Framed | Transport::Unframed, FrameHeader::None) => {}
                other => panic!("header does not match the transport: {other:?}"),
            }
        }
    }

    #[test]
    fn byte_by_byte_arrival_yields_each_frame_exactly_once() {
        for (bytes, _) in cases() {
            let mut stream = bytes.clone();
            stream.extend_from_slice(&bytes);
            let mut decoder = FrameDecoder::default();
            let mut buf = BytesMut::new();
            let mut ends = Vec::new();
            for (i, &b) in stream.iter().enumerate() {
                buf.put_u8(b);
                while let Some(frame) = decoder.decode(&mut buf).unwrap() {
                    assert!(!frame.payload.is_empty());
                    ends.push(i + 1);
                }
            }
            assert_eq!(ends, [bytes.len(), 2 * bytes.len()], "{bytes:02x?}");
        }
    }

    #[test]
    fn payloads_are_slices_of_the_read_buffer() {
        for bytes in [volo_ttheader(), theader_compact_kv()] {
            let mut buf = BytesMut::with_capacity(1024);
            buf.extend_from_slice(&bytes);
            let range = buf.as_ptr_range();
            let frame = FrameDecoder::default().decode(&mut buf).unwrap().unwrap();
            assert!(range.contains(&frame.payload.as_ptr()));
        }
    }

    #[test]
    fn lengths_over_the_limit_fail_as_soon_as_they_are_read() {
        let limits = Limits { max_frame_size: 1000, ..Limits::default() };
        for first in [&[0x00, 0x00, 0x03, 0xe9][..], &[0x00, 0x00, 0x03, 0xe9, 0x10, 0x00]] {
            let mut decoder = FrameDecoder::new(limits);
            let e = decoder.decode(&mut BytesMut::from(first)).unwrap_err();
            assert!(e.is_too_large(), "{e}");
        }
        // An unframed string declaring more than the limit, before its bytes arrive.
        let mut head = BINARY_STRICT_CALL[..22].to_vec();
        head.extend_from_slice(&[0x0b, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]);
        let e = FrameDecoder::new(limits).decode(&mut BytesMut::from(&head[..])).unwrap_err();
        assert!(e.is_too_large(), "{e}");
        // A TTHeader header area over its limit, at byte 14.
        let small = Limits { max_header_size: 64, ..Limits::default() };
        let e = FrameDecoder::new(small).decode(&mut BytesMut::from(&volo_ttheader()[..14])).unwrap_err();
        assert!(e.is_too_large(), "{e}");
    }

    #[test]
    fn unframed_messages_are_not_rescanned_before_enough_bytes_arrive() {
        // A binary call whose one string field declares 10,000 bytes.
        let mut msg = BINARY_STRICT_CALL[..22].to_vec();
        msg.extend_from_slice(&[0x0b, 0x00, 0x01, 0x00, 0x00, 0x27, 0x10]);
        msg.extend(std::iter::repeat_n(b'x', 10_000));
        msg.push(0);
        let mut decoder = FrameDecoder::default();
        let mut buf = BytesMut::from(&msg[..100]);
        assert!(decoder.decode(&mut buf).unwrap().is_none());
        assert_eq!(decoder.needed(), 29 + 10_000);
        buf.extend_from_slice(&msg[100..]);
        let frame = decoder.decode(&mut buf).unwrap().unwrap();
        assert_eq!(frame.payload.len(), msg.len());
        assert_eq!(decoder.needed(), 0);
    }

    #[test]
    fn a_frame_whose_lengths_lie_is_an_error_not_a_wait() {
        // An outer frame around a THeader that claims more than the outer frame holds:
        // without a matching inner length it is no THeader-in-a-frame, and nothing else.
        let mut th = theader_binary();
        th[..4].copy_from_slice(&60u32.to_be_bytes());
        let mut outer = (th.len() as u32).to_be_bytes().to_vec();
        outer.extend_from_slice(&th);
        assert!(decode_all(&outer, Limits::default()).unwrap_err().is_malformed());
        // TTHeader whose inner frame disagrees.
        let mut tt = volo_ttheader();
        tt[97] = 0x16;
        let e = decode_all(&tt, Limits::default()).unwrap_err();
        assert_eq!(e.kind(), ProtoErrorKind::InvalidHeader, "{e}");
    }

    /// One header for each framing, with a call message in `protocol`.
    fn dialects(protocol: Protocol) -> Vec<(Dialect, FrameHeader)> {
        let mut tt = TtHeader::new(5);
        tt.strings.insert(Bytes::from_static(b"isn"), "Svc");
        tt.ints.insert(ttheader::int_key::TO_METHOD, "m");
        let mut th = THeader::new(5, protocol);
        th.headers.insert(Bytes::from_static(b"k"), "v");
        let mut thz = th.clone();
        thz.transforms.push(theader::TRANSFORM_ZLIB);
        let d = |transport| Dialect { transport, protocol };
        vec![
            (d(Transport::Unframed), FrameHeader::None),
            (d(Transport::Framed), FrameHeader::None),
            (d(Transport::TtHeader { inner_framed: true }), FrameHeader::TtHeader(tt.clone())),
            (d(Transport::TtHeader { inner_framed: false }), FrameHeader::TtHeader(tt)),
            (d(Transport::THeader { outer_framed: false }), FrameHeader::THeader(th.clone())),
            (d(Transport::THeader { outer_framed: true }), FrameHeader::THeader(th)),
            (d(Transport::THeader { outer_framed: true }), FrameHeader::THeader(thz)),
        ]
    }

    #[test]
    fn encoder_and_decoder_agree_on_every_dialect_in_a_batched_write_buffer() {
        let encoder = FrameEncoder::default();
        for protocol in [Protocol::Binary, Protocol::Compact] {
            let message = match protocol {
                Protocol::Binary => BINARY_STRICT_CALL,
                Protocol::Compact => COMPACT_CALL,
            };
            let all = dialects(protocol);
            // Everything written into one buffer, as a connection batches replies.
            let mut dst = BytesMut::from(&b""[..]);
            for (dialect, header) in &all {
                let token = encoder.begin(&mut dst, *dialect, header).unwrap();
                assert_eq!(token.payload_start(), dst.len());
                let envelope = Envelope { name: "testString", message_type: MessageType::Call, seq_id: 1 };
                crate::proto::write_envelope(protocol, &envelope, &mut dst).unwrap();
                dst.extend_from_slice(&message[crate::proto::envelope::envelope_len(protocol, &envelope)..]);
                finish_frame(token, &mut dst).unwrap();
            }
            let frames = decode_all(&dst, Limits::default()).unwrap();
            assert_eq!(frames.len(), all.len());
            for (frame, (dialect, header)) in frames.iter().zip(&all) {
                assert_eq!((&frame.dialect, &frame.header), (dialect, header));
                assert_eq!(&frame.payload[..], message);
            }
        }
    }

    #[test]
    fn golden_frames_re_encode_to_their_bytes() {
        let encoder = FrameEncoder::default();
        for bytes in [volo_ttheader(), theader_binary(), theader_compact_kv()] {
            let frame = FrameDecoder::default().decode(&mut BytesMut::from(&bytes[..])).unwrap().unwrap();
            let mut dst = BytesMut::new();
            encoder.encode(&mut dst, frame.dialect, &frame.header, &frame.payload).unwrap();
            assert_eq!(&dst[..], &bytes[..]);
        }
    }

    #[test]
    fn finish_frame_errors_leave_the_buffer_as_it_was() {
        let limits = Limits { max_frame_size: 10, ..Limits::default() };
        let encoder = FrameEncoder::new(limits);
        let framed = Dialect { transport: Transport::Framed, protocol: Protocol::Binary };
        let mut dst = BytesMut::from(&b"earlier reply"[..]);
        let token = encoder.begin(&mut dst, framed, &FrameHeader::None).unwrap();
        dst.extend_from_slice(&[0u8; 11]);
        assert!(finish_frame(token, &mut dst).unwrap_err().is_too_large());
        assert_eq!(&dst[..], b"earlier reply");
        // A buffer cut below the payload start.
        let token = encoder.begin(&mut dst, framed, &FrameHeader::None).unwrap();
        dst.truncate(5);
        assert_eq!(finish_frame(token, &mut dst).unwrap_err().kind(), ProtoErrorKind::InvalidInput);
        // Unframed and TTHeader limits too.
        let mut dst = BytesMut::new();
        let unframed = Dialect { transport: Transport::Unframed, protocol: Protocol::Binary };
        assert!(encoder.encode(&mut dst, unframed, &FrameHeader::None, &[0; 11]).unwrap_err().is_too_large());
        let tt = Dialect { transport: Transport::TtHeader { inner_framed: true }, protocol: Protocol::Binary };
        let e = encoder.encode(&mut dst, tt, &FrameHeader::TtHeader(TtHeader::new(1)), &[]).unwrap_err();
        assert!(e.is_too_large() && dst.is_empty(), "{e}");
        // A header that does not match the framing.
        let e = encoder.begin(&mut dst, tt, &FrameHeader::None).unwrap_err();
        assert_eq!(e.kind(), ProtoErrorKind::InvalidInput);
        assert!(e.to_string().contains("no header"), "{e}");
    }
}
