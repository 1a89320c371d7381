//! Property tests of the protocol layer: random headers survive an encode/decode round
//! trip exactly, and no input, random or mutated from a golden frame, makes a decoder panic
//! or wait forever on a frame it has already split.

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;

use super::golden::dialect_cases;
use super::theader::{self, THeader};
use super::ttheader::{self, ProtocolId, TtHeader};
use super::{Dialect, FrameDecoder, FrameEncoder, FrameHeader, Headers, Limits, Protocol, Transport};

fn blob(max: usize) -> impl Strategy<Value = Bytes> {
    prop::collection::vec(any::<u8>(), 0..max).prop_map(Bytes::from)
}

fn tt_header() -> impl Strategy<Value = TtHeader> {
    (
        any::<u16>(),
        any::<i32>(),
        any::<u8>(),
        prop::collection::vec((blob(12), blob(24)), 0..6),
        prop::collection::vec((any::<u16>(), blob(24)), 0..6),
        prop::option::of(blob(16)),
    )
        .prop_map(|(flags, seq_id, protocol, strings, ints, acl_token)| TtHeader {
            // Streaming frames are refused by the frame decoder; the header codec does not care.
            flags,
            seq_id,
            protocol: ProtocolId(protocol),
            strings: strings.into_iter().collect::<Headers<Bytes>>(),
            ints: ints.into_iter().collect(),
            acl_token,
        })
}

fn th_header() -> impl Strategy<Value = THeader> {
    (
        any::<u16>(),
        any::<i32>(),
        prop::sample::select(vec![theader::ProtocolId::BINARY, theader::ProtocolId::COMPACT]),
        0..3usize,
        prop::collection::vec((blob(12), blob(200)), 0..6),
    )
        .prop_map(|(flags, seq_id, protocol, zlib, headers)| THeader {
            flags,
            seq_id,
            protocol,
            transforms: vec![theader::TRANSFORM_ZLIB; zlib],
            headers: headers.into_iter().collect(),
        })
}

/// A payload that starts like a message of `protocol`, then anything.
fn message() -> impl Strategy<Value = (Protocol, Vec<u8>)> {
    (any::<bool>(), prop::collection::vec(any::<u8>(), 0..64)).prop_map(|(compact, rest)| {
        let (protocol, mut m) = if compact {
            (Protocol::Compact, vec![0x82, 0x21])
        } else {
            (Protocol::Binary, vec![0x80, 0x01, 0x00, 0x01])
        };
        m.extend(rest);
        (protocol, m)
    })
}

fn decode_one(bytes: &[u8]) -> super::Frame {
    let mut buf = BytesMut::from(bytes);
    let frame = FrameDecoder::default().decode(&mut buf).unwrap().expect("a whole frame");
    assert!(buf.is_empty());
    frame
}

/// Feeds `bytes` to a decoder in `chunk`-sized pieces until it fails or runs dry.
fn feed(bytes: &[u8], chunk: usize, limits: Limits) {
    let mut decoder = FrameDecoder::new(limits);
    let mut buf = BytesMut::new();
    for piece in bytes.chunks(chunk.max(1)) {
        buf.extend_from_slice(piece);
        loop {
            let before = buf.len();
            match decoder.decode(&mut buf) {
                Ok(Some(_)) => assert!(buf.len() < before, "a frame was yielded without consuming bytes"),
                Ok(None) => {
                    assert_eq!(buf.len(), before, "waiting must not consume bytes");
                    break;
                }
                Err(_) => return,
            }
        }
    }
}

proptest! {
    #[test]
    fn ttheader_round_trips_exactly(header in tt_header(), (protocol, payload) in message(), inner_framed in any::<bool>()) {
        let mut dst = BytesMut::new();
        header.encode_frame(&payload, inner_framed, &mut dst, &Limits::default()).unwrap();
        let frame = ttheader::decode_frame(dst.clone().freeze(), &Limits::default()).unwrap();
        prop_assert_eq!(&frame.header, &header);
        prop_assert_eq!(&frame.payload[..], &payload[..]);
        prop_assert_eq!(frame.inner_framed, inner_framed);
        // And through the frame decoder, unless the flags ask for streaming.
        if header.flags & ttheader::FLAG_STREAMING == 0 {
            let frame = decode_one(&dst);
            prop_assert_eq!(frame.dialect, Dialect { transport: Transport::TtHeader { inner_framed }, protocol });
            prop_assert_eq!(frame.header, FrameHeader::TtHeader(header));
        }
    }

    #[test]
    fn theader_round_trips_exactly(header in th_header(), payload in prop::collection::vec(any::<u8>(), 0..300), outer_framed in any::<bool>()) {
        let dialect = Dialect { transport: Transport::THeader { outer_framed }, protocol: header.protocol.protocol().unwrap() };
        let header = FrameHeader::THeader(header);
        let mut dst = BytesMut::new();
        FrameEncoder::default().encode(&mut dst, dialect, &header, &payload).unwrap();
        let frame = decode_one(&dst);
        prop_assert_eq!(frame.dialect, dialect);
        prop_assert_eq!(frame.header, header);
        prop_assert_eq!(&frame.payload[..], &payload[..]);
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400), chunk in 1..64usize) {
        feed(&bytes, chunk, Limits::default());
        feed(&bytes, chunk, Limits { max_frame_size: 64, max_header_size: 16, max_depth: 3 });
        let _ = super::detect(&bytes, &Limits::default());
        let _ = ttheader::decode_frame(Bytes::from(bytes.clone()), &Limits::default());
        let _ = theader::decode_frame(Bytes::from(bytes.clone()), &Limits::default());
        let _ = super::peek_envelope(Protocol::Binary, &bytes);
        let _ = super::ApplicationException::decode(Protocol::Compact, &bytes);
    }

    #[test]
    fn mutated_golden_frames_never_panic(case in 0..12usize, at in any::<prop::sample::Index>(), byte in any::<u8>(), cut in any::<prop::sample::Index>(), chunk in 1..32usize) {
        let (mut bytes, _) = dialect_cases().swap_remove(case);
        let i = at.index(bytes.len());
        bytes[i] = byte;
        feed(&bytes, chunk, Limits::default());
        let n = cut.index(bytes.len() + 1);
        feed(&bytes[..n], chunk, Limits::default());
        let _ = ttheader::decode_frame(Bytes::copy_from_slice(&bytes), &Limits::default());
        let _ = theader::decode_frame(Bytes::copy_from_slice(&bytes), &Limits::default());
    }
}
