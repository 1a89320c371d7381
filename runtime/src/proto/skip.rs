//! Finds where a binary or compact struct ends without decoding it, and says how many
//! bytes it needs when it cannot.
//!
//! Unframed ("buffered") transports give no message length, so [`framed`](super::framed)
//! finds the end of a message by skipping its envelope and its one struct. The codec
//! crate's skipper ([`thriftjit::interp::skip_struct`], the one its decoders use for
//! unknown fields) does the work: every read bounds-checked, nesting limited. Running
//! out of input is [`Incomplete`](super::ProtoErrorKind::Incomplete) with the codec's
//! lower bound on the bytes needed ([`thriftjit::error::DecodeError::needed`]): a list
//! of a million i64 needs 8 MB, said at once, rather than one byte at a time.

use super::{ProtoError, Protocol};

/// Skips the struct that starts at `pos` and returns the offset just past its stop byte.
/// `max_depth` bounds the nesting inside it, as the codec's decoders count it.
pub(crate) fn skip_struct(protocol: Protocol, buf: &[u8], pos: usize, max_depth: usize) -> Result<usize, ProtoError> {
    let (codec, what) = match protocol {
        Protocol::Binary => (thriftjit::wire::Protocol::Binary, "a binary struct"),
        Protocol::Compact => (thriftjit::wire::Protocol::Compact, "a compact struct"),
    };
    let body = buf.get(pos..).unwrap_or_default();
    let depth = u32::try_from(max_depth).unwrap_or(u32::MAX);
    thriftjit::interp::skip_struct(codec, body, depth)
        .map(|n| pos + n)
        .map_err(|e| ProtoError::from_decode_at(e, pos, buf.len(), what))
}

#[cfg(test)]
mod tests {
    use super::super::ProtoErrorKind;
    use super::*;

    /// Xtruct{1:"Zero",4:i8 1,9:i32 -3,11:i64 -5} from the Apache golden vectors.
    const XTRUCT_BINARY: &[u8] = &[
        0x0b, 0x00, 0x01, 0x00, 0x00, 0x00, 0x04, b'Z', b'e', b'r', b'o', 0x03, 0x00, 0x04, 0x01, 0x08, 0x00, 0x09,
        0xff, 0xff, 0xff, 0xfd, 0x0a, 0x00, 0x0b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfb, 0x00,
    ];
    const XTRUCT_COMPACT: &[u8] = &[0x18, 0x04, b'Z', b'e', b'r', b'o', 0x33, 0x01, 0x55, 0x05, 0x26, 0x09, 0x00];

    fn skip(p: Protocol, buf: &[u8]) -> Result<usize, ProtoError> {
        skip_struct(p, buf, 0, super::super::MAX_DEPTH)
    }

    #[test]
    fn skips_golden_structs_and_every_prefix_is_incomplete() {
        for (p, bytes) in [
            (Protocol::Binary, XTRUCT_BINARY),
            (Protocol::Binary, &[0x02, 0x00, 0x01, 0x01, 0x02, 0x00, 0x02, 0x00, 0x00][..]),
            (Protocol::Compact, XTRUCT_COMPACT),
            (Protocol::Compact, &[0x11, 0x12, 0x00][..]),
            // testList([1,4,9,-42]) args, testMap({1:2}) args, testMap({}) args.
            (Protocol::Compact, &[0x19, 0x45, 0x02, 0x08, 0x12, 0x53, 0x00][..]),
            (Protocol::Compact, &[0x1b, 0x01, 0x55, 0x02, 0x04, 0x00][..]),
            (Protocol::Compact, &[0x1b, 0x00, 0x00][..]),
        ] {
            assert_eq!(skip(p, bytes).unwrap(), bytes.len(), "{p:?} {bytes:02x?}");
            for cut in 0..bytes.len() {
                let e = skip(p, &bytes[..cut]).unwrap_err();
                assert!(e.is_incomplete(), "{p:?} cut at {cut}: {e}");
                assert!(e.needed().unwrap() > cut);
            }
        }
    }

    #[test]
    fn nested_containers_in_binary() {
        // 1: map<string, list<i32>> {"a": [7, 8]}, 2: set<struct> {{}} then stop.
        let bytes = [
            0x0d, 0x00, 0x01, 0x0b, 0x0f, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, b'a', 0x08, 0x00, 0x00, 0x00,
            0x02, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x08, 0x0e, 0x00, 0x02, 0x0c, 0x00, 0x00, 0x00, 0x01, 0x00,
            0x00,
        ];
        assert_eq!(skip(Protocol::Binary, &bytes).unwrap(), bytes.len());
    }

    #[test]
    fn hostile_counts_ask_for_everything_at_once() {
        // list<i64> of 2^20 elements: 8 MiB are needed, said at once.
        let bytes = [0x0f, 0x00, 0x01, 0x0a, 0x00, 0x10, 0x00, 0x00];
        let e = skip(Protocol::Binary, &bytes).unwrap_err();
        assert!(e.is_incomplete());
        assert_eq!(e.needed(), Some(8 + 8 * (1 << 20)));
        // list<struct> of 2^31-1 elements: at least one byte each.
        let bytes = [0x0f, 0x00, 0x01, 0x0c, 0x7f, 0xff, 0xff, 0xff, 0x00];
        assert_eq!(skip(Protocol::Binary, &bytes).unwrap_err().needed(), Some(8 + 0x7fff_ffff));
        // Negative sizes are malformed.
        let bytes = [0x0f, 0x00, 0x01, 0x08, 0xff, 0xff, 0xff, 0xff];
        assert!(skip(Protocol::Binary, &bytes).unwrap_err().is_malformed());
        let bytes = [0x0b, 0x00, 0x01, 0x80, 0x00, 0x00, 0x00];
        assert!(skip(Protocol::Binary, &bytes).unwrap_err().is_malformed());
        // Compact list<binary> of a huge count: at least one byte each.
        let bytes = [0x19, 0xf8, 0xff, 0xff, 0xff, 0xff, 0x07];
        assert_eq!(skip(Protocol::Compact, &bytes).unwrap_err().needed(), Some(7 + 0x7fff_ffff));
    }

    #[test]
    fn unknown_types_and_depth_are_rejected() {
        let e = skip(Protocol::Binary, &[0x05, 0x00, 0x01, 0x00]).unwrap_err();
        assert!(e.is_malformed() && e.to_string().contains("wire type 5"), "{e}");
        let e = skip(Protocol::Compact, &[0x1e, 0x00]).unwrap_err();
        assert!(e.is_malformed(), "{e}");
        // An empty list with a bad element type is accepted (writers put anything there).
        assert_eq!(skip(Protocol::Binary, &[0x0f, 0x00, 0x01, 0x63, 0, 0, 0, 0, 0x00]).unwrap(), 9);
        assert!(skip(Protocol::Binary, &[0x0f, 0x00, 0x01, 0x63, 0, 0, 0, 1, 0x00]).unwrap_err().is_malformed());

        // Structs nested 70 deep: field 1 of type struct, 70 times, then 71 stops.
        let mut deep = Vec::new();
        for _ in 0..70 {
            deep.extend_from_slice(&[0x0c, 0x00, 0x01]);
        }
        deep.extend(std::iter::repeat_n(0u8, 71));
        let e = skip(Protocol::Binary, &deep).unwrap_err();
        assert_eq!(e.kind(), ProtoErrorKind::DepthLimit, "{e}");
        assert_eq!(skip_struct(Protocol::Binary, &deep, 0, 100).unwrap(), deep.len());
        let mut deep = vec![0x1c; 70];
        deep.extend(std::iter::repeat_n(0u8, 71));
        assert_eq!(skip(Protocol::Compact, &deep).unwrap_err().kind(), ProtoErrorKind::DepthLimit);
        // Lists nest too.
        let mut deep = vec![0x19];
        deep.extend(std::iter::repeat_n(0x19, 70));
        deep.push(0x00);
        assert_eq!(skip(Protocol::Compact, &deep).unwrap_err().kind(), ProtoErrorKind::DepthLimit);
    }

    #[test]
    fn compact_long_field_ids_and_varints() {
        // Field id 300 long form (type i64, zigzag id), value -1, then stop.
        let bytes = [0x06, 0xd8, 0x04, 0x01, 0x00];
        assert_eq!(skip(Protocol::Compact, &bytes).unwrap(), bytes.len());
        // An i32 varint of six bytes is malformed.
        let bytes = [0x15, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0x00];
        assert!(skip(Protocol::Compact, &bytes).unwrap_err().is_malformed());
    }
}
