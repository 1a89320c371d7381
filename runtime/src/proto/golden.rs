//! Golden bytes shared by the tests of the protocol layer: what real peers put on the wire
//! (Apache Thrift's Python library 0.25.0 and a volo-thrift 0.12.7 client, as captured in
//! the project's interop research).

/// `testString("hi")`, CALL, seq id 1, strict binary (32 bytes; the body starts at 22).
pub(crate) const BINARY_STRICT_CALL: &[u8] =
    b"\x80\x01\x00\x01\x00\x00\x00\x0atestString\x00\x00\x00\x01\x0b\x00\x01\x00\x00\x00\x02hi\x00";

/// The same call with an old (non-strict) binary envelope (the body starts at 19).
pub(crate) const BINARY_OLD_CALL: &[u8] =
    b"\x00\x00\x00\x0atestString\x01\x00\x00\x00\x01\x0b\x00\x01\x00\x00\x00\x02hi\x00";

/// The same call in compact (the body starts at 14).
pub(crate) const COMPACT_CALL: &[u8] = b"\x82\x21\x01\x0atestString\x18\x02hi\x00";

/// A volo-thrift client calling `testVoid()`: TTHeader with Volo's inner frame, `isn`, and
/// five int headers in Volo's order (16, 3, 9, 6, 11), one padding byte.
pub(crate) fn volo_ttheader() -> Vec<u8> {
    let mut g = vec![0x00, 0x00, 0x00, 0x73, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x14];
    g.extend_from_slice(&[0x00, 0x00]);
    g.extend_from_slice(b"\x01\x00\x01\x00\x03isn\x00\x0aThriftTest");
    g.extend_from_slice(b"\x10\x00\x05\x00\x10\x00\x013\x00\x03\x00\x00\x00\x09\x00\x08testVoid");
    g.extend_from_slice(b"\x00\x06\x00\x0aThriftTest\x00\x0b\x00\x0f127.0.0.1:19099\x00");
    g.extend_from_slice(VOLO_INNER_FRAME);
    g
}

/// The payload of [`volo_ttheader`]: inner frame length 21, then `testVoid()` CALL seq 0.
pub(crate) const VOLO_INNER_FRAME: &[u8] =
    b"\x00\x00\x00\x15\x80\x01\x00\x01\x00\x00\x00\x08testVoid\x00\x00\x00\x00\x00";

/// Apache THeader, binary, no headers: [`BINARY_STRICT_CALL`] behind 18 bytes.
pub(crate) fn theader_binary() -> Vec<u8> {
    let mut g = b"\x00\x00\x00\x2e\x0f\xff\x00\x00\x00\x00\x00\x01\x00\x01\x00\x00\x00\x00".to_vec();
    g.extend_from_slice(BINARY_STRICT_CALL);
    g
}

/// Apache THeader, compact, header `{"k": "v"}`: [`COMPACT_CALL`] behind 22 bytes.
pub(crate) fn theader_compact_kv() -> Vec<u8> {
    let mut g = b"\x00\x00\x00\x25\x0f\xff\x00\x00\x00\x00\x00\x01\x00\x02\x02\x00\x01\x01\x01k\x01v".to_vec();
    g.extend_from_slice(COMPACT_CALL);
    g
}

/// Apache THeader, binary, zlib: the payload is [`BINARY_STRICT_CALL`] through Python's
/// `zlib.compress` (what Apache's `THeaderTransport` calls), 35 bytes.
pub(crate) fn theader_zlib() -> Vec<u8> {
    let mut g = b"\x00\x00\x00\x31\x0f\xff\x00\x00\x00\x00\x00\x01\x00\x01\x00\x01\x01\x00".to_vec();
    g.extend_from_slice(&[
        0x78, 0x9c, 0x6b, 0x60, 0x64, 0x60, 0x64, 0x60, 0x60, 0xe0, 0x2a, 0x49, 0x2d, 0x2e, 0x09, 0x2e, 0x29, 0xca,
        0xcc, 0x4b, 0x07, 0xf2, 0x18, 0xb9, 0xc1, 0x82, 0x4c, 0x19, 0x99, 0x0c, 0x00, 0x66, 0x40, 0x05, 0xa4,
    ]);
    g
}

use super::Protocol;
use super::detect::{Detection, Dialect, Transport};

fn framed(payload: &[u8]) -> Vec<u8> {
    let mut f = (payload.len() as u32).to_be_bytes().to_vec();
    f.extend_from_slice(payload);
    f
}

fn dialect(transport: Transport, protocol: Protocol) -> Detection {
    Detection::Found(Dialect { transport, protocol })
}

/// Every golden connection start, with what it must be detected as.
pub(crate) fn dialect_cases() -> Vec<(Vec<u8>, Detection)> {
    use Protocol::*;
    let mut noframe = volo_ttheader();
    noframe.drain(94..98);
    let len = (noframe.len() - 4) as u32;
    noframe[..4].copy_from_slice(&len.to_be_bytes());
    vec![
        (BINARY_STRICT_CALL.to_vec(), dialect(Transport::Unframed, Binary)),
        (COMPACT_CALL.to_vec(), dialect(Transport::Unframed, Compact)),
        (BINARY_OLD_CALL.to_vec(), dialect(Transport::Unframed, Binary)),
        (framed(BINARY_STRICT_CALL), dialect(Transport::Framed, Binary)),
        (framed(COMPACT_CALL), dialect(Transport::Framed, Compact)),
        (framed(BINARY_OLD_CALL), dialect(Transport::Framed, Binary)),
        (volo_ttheader(), dialect(Transport::TtHeader { inner_framed: true }, Binary)),
        (noframe, dialect(Transport::TtHeader { inner_framed: false }, Binary)),
        (theader_binary(), dialect(Transport::THeader { outer_framed: false }, Binary)),
        (theader_compact_kv(), dialect(Transport::THeader { outer_framed: false }, Compact)),
        (theader_zlib(), dialect(Transport::THeader { outer_framed: false }, Binary)),
        (framed(&theader_compact_kv()), dialect(Transport::THeader { outer_framed: true }, Compact)),
    ]
}

#[test]
fn goldens_are_as_long_as_their_lengths_say() {
    for g in [volo_ttheader(), theader_binary(), theader_compact_kv(), theader_zlib()] {
        assert_eq!(u32::from_be_bytes([g[0], g[1], g[2], g[3]]) as usize + 4, g.len());
    }
    assert_eq!(BINARY_STRICT_CALL.len(), 32);
}
