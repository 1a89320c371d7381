//! A skipper for binary and compact structs that finds where one ends without decoding
//! it, and says how many bytes it needs when it cannot.
//!
//! Unframed ("buffered") transports give no message length, so [`framed`](super::framed)
//! finds the end of a message by skipping its envelope and its one struct. Every read is
//! bounds-checked, nesting is limited, and running out of input is
//! [`Incomplete`](super::ProtoErrorKind::Incomplete) with a lower bound on the bytes needed
//! (a list of a million i64 needs 8 MB: we say so at once, rather than asking for one byte
//! at a time).
//!
//! This duplicates the codec crate's skipper ([`thriftjit::wire::skip`],
//! [`thriftjit::interp::skip_struct`]), which everything else here uses (through
//! [`thriftjit::wire::ApplicationException::read`]). It stays for one reason: the codec's
//! `Truncated` error does not say how many bytes are needed, and the
//! [`FrameDecoder`](super::FrameDecoder) relies on that bound to reject an unframed message
//! over the size limit before it has arrived and to not walk a large message again on every
//! read. Once `thriftjit::error::DecodeError` carries it, this module can give way.

use super::read::Reader;
use super::{ProtoError, ProtoErrorKind, Protocol};

/// Binary protocol type codes.
mod binary {
    pub const STOP: u8 = 0;
    pub const BOOL: u8 = 2;
    pub const I8: u8 = 3;
    pub const DOUBLE: u8 = 4;
    pub const I16: u8 = 6;
    pub const I32: u8 = 8;
    pub const I64: u8 = 10;
    pub const STRING: u8 = 11;
    pub const STRUCT: u8 = 12;
    pub const MAP: u8 = 13;
    pub const SET: u8 = 14;
    pub const LIST: u8 = 15;
    pub const UUID: u8 = 16;
}

/// Compact protocol type codes.
mod compact {
    pub const BOOL_TRUE: u8 = 1;
    pub const BOOL_FALSE: u8 = 2;
    pub const I8: u8 = 3;
    pub const I16: u8 = 4;
    pub const I32: u8 = 5;
    pub const I64: u8 = 6;
    pub const DOUBLE: u8 = 7;
    pub const BINARY: u8 = 8;
    pub const LIST: u8 = 9;
    pub const SET: u8 = 10;
    pub const MAP: u8 = 11;
    pub const STRUCT: u8 = 12;
    pub const UUID: u8 = 13;
}

pub(crate) use binary::{I32 as BINARY_I32, STOP as BINARY_STOP, STRING as BINARY_STRING};
pub(crate) use compact::{BINARY as COMPACT_BINARY, I32 as COMPACT_I32};

/// Skips the struct that starts at `pos` and returns the offset just past its stop byte.
pub(crate) fn skip_struct(protocol: Protocol, buf: &[u8], pos: usize, max_depth: usize) -> Result<usize, ProtoError> {
    let mut r = Reader::new(buf, pos);
    match protocol {
        Protocol::Binary => binary_struct(&mut r, max_depth)?,
        Protocol::Compact => compact_struct(&mut r, max_depth)?,
    }
    Ok(r.pos())
}

/// One level deeper; `depth_left` is how many more levels may be entered.
fn enter(r: &Reader<'_>, depth_left: usize) -> Result<usize, ProtoError> {
    depth_left.checked_sub(1).ok_or_else(|| {
        ProtoError::new(
            ProtoErrorKind::DepthLimit,
            Some(r.pos()),
            format!("nesting at byte {} exceeds the depth limit", r.pos()),
        )
    })
}

#[cold]
fn bad_type(pos: usize, protocol: &str, ty: u8) -> ProtoError {
    ProtoError::invalid_message(pos, format!("{protocol}: unknown type code {ty} at byte {pos}"))
}

/// Checks that `count` elements of at least `min` bytes each can fit in what is left, or
/// says how many bytes they need at least. Without it a hostile count would only be
/// found out after walking through everything that has arrived.
fn need_elements(r: &Reader<'_>, count: usize, min: usize, what: &str) -> Result<(), ProtoError> {
    let need = count.saturating_mul(min);
    if need > r.remaining() {
        return Err(ProtoError::incomplete(r.end(), r.pos().saturating_add(need), what));
    }
    Ok(())
}

fn binary_len(r: &mut Reader<'_>, what: &str) -> Result<usize, ProtoError> {
    let at = r.pos();
    let n = r.i32(what)?;
    usize::try_from(n).map_err(|_| ProtoError::invalid_message(at, format!("binary: negative {what} {n} at byte {at}")))
}

/// Width of a binary value of type `ty` when it is fixed.
fn binary_fixed_width(ty: u8) -> Option<usize> {
    match ty {
        binary::BOOL | binary::I8 => Some(1),
        binary::I16 => Some(2),
        binary::I32 => Some(4),
        binary::DOUBLE | binary::I64 => Some(8),
        binary::UUID => Some(16),
        _ => None,
    }
}

/// Smallest encoding of a binary value of type `ty`, or `None` for an unknown type.
fn binary_min_width(ty: u8) -> Option<usize> {
    binary_fixed_width(ty).or(match ty {
        binary::STRING => Some(4),
        binary::STRUCT => Some(1),
        binary::MAP => Some(6),
        binary::SET | binary::LIST => Some(5),
        _ => None,
    })
}

fn binary_struct(r: &mut Reader<'_>, depth_left: usize) -> Result<(), ProtoError> {
    let depth_left = enter(r, depth_left)?;
    loop {
        let at = r.pos();
        let ty = r.u8("a binary field type")?;
        if ty == binary::STOP {
            return Ok(());
        }
        if binary_min_width(ty).is_none() {
            return Err(bad_type(at, "binary", ty));
        }
        r.take(2, "a binary field id")?;
        binary_value(r, ty, depth_left)?;
    }
}

/// Skips a binary value of type `ty`; `depth_left` levels may still be entered.
fn binary_value(r: &mut Reader<'_>, ty: u8, depth_left: usize) -> Result<(), ProtoError> {
    if let Some(width) = binary_fixed_width(ty) {
        r.take(width, "a binary value")?;
        return Ok(());
    }
    match ty {
        binary::STRING => {
            let n = binary_len(r, "string length")?;
            r.take(n, "string bytes")?;
        }
        binary::STRUCT => binary_struct(r, depth_left)?,
        binary::MAP => {
            let depth_left = enter(r, depth_left)?;
            let at = r.pos();
            let (kt, vt) = (r.u8("a map key type")?, r.u8("a map value type")?);
            let n = binary_len(r, "map size")?;
            if n > 0 {
                binary_elements(r, &[kt, vt], n, at, depth_left)?;
            }
        }
        binary::SET | binary::LIST => {
            let depth_left = enter(r, depth_left)?;
            let at = r.pos();
            let et = r.u8("an element type")?;
            let n = binary_len(r, "list size")?;
            if n > 0 {
                binary_elements(r, &[et], n, at, depth_left)?;
            }
        }
        _ => return Err(bad_type(r.pos(), "binary", ty)),
    }
    Ok(())
}

/// Skips `n` container entries, each one value of every type in `types` (one for a list or
/// set, key and value for a map). `at` is where the container header began.
fn binary_elements(r: &mut Reader<'_>, types: &[u8], n: usize, at: usize, depth_left: usize) -> Result<(), ProtoError> {
    let mut fixed = Some(0usize);
    let mut min = 0usize;
    for &ty in types {
        min += binary_min_width(ty).ok_or_else(|| bad_type(at, "binary", ty))?;
        fixed = fixed.zip(binary_fixed_width(ty)).map(|(a, b)| a + b);
    }
    need_elements(r, n, min, "container elements")?;
    if let Some(width) = fixed {
        r.take(n * width, "container elements")?;
        return Ok(());
    }
    for _ in 0..n {
        for &ty in types {
            binary_value(r, ty, depth_left)?;
        }
    }
    Ok(())
}

fn compact_struct(r: &mut Reader<'_>, depth_left: usize) -> Result<(), ProtoError> {
    let depth_left = enter(r, depth_left)?;
    loop {
        let at = r.pos();
        let header = r.u8("a compact field header")?;
        if header == 0 {
            return Ok(());
        }
        let ty = header & 0x0f;
        if header >> 4 == 0 {
            r.varint(3, "a compact field id")?;
        }
        match ty {
            // A bool field's value is its type code.
            compact::BOOL_TRUE | compact::BOOL_FALSE => {}
            _ if compact_min_width(ty).is_none() => return Err(bad_type(at, "compact", ty)),
            _ => compact_value(r, ty, depth_left)?,
        }
    }
}

/// Width of a compact value (outside a field header) of type `ty` when it is fixed.
fn compact_fixed_width(ty: u8) -> Option<usize> {
    match ty {
        // In containers a bool is one byte.
        compact::BOOL_TRUE | compact::BOOL_FALSE | compact::I8 => Some(1),
        compact::DOUBLE => Some(8),
        compact::UUID => Some(16),
        _ => None,
    }
}

/// Smallest encoding of a compact value of type `ty`, or `None` for an unknown type.
fn compact_min_width(ty: u8) -> Option<usize> {
    compact_fixed_width(ty).or(match ty {
        compact::I16 | compact::I32 | compact::I64 | compact::BINARY | compact::LIST | compact::SET => Some(1),
        compact::MAP | compact::STRUCT => Some(1),
        _ => None,
    })
}

fn compact_len(r: &mut Reader<'_>, what: &str) -> Result<usize, ProtoError> {
    let n = r.varint_u32(what)?;
    Ok(n as usize)
}

/// Skips a compact value of type `ty` as it appears in a container or after a field
/// header (bools in fields carry no value and are handled by the caller).
fn compact_value(r: &mut Reader<'_>, ty: u8, depth_left: usize) -> Result<(), ProtoError> {
    if let Some(width) = compact_fixed_width(ty) {
        r.take(width, "a compact value")?;
        return Ok(());
    }
    match ty {
        compact::I16 => {
            r.varint(3, "an i16 varint")?;
        }
        compact::I32 => {
            r.varint(5, "an i32 varint")?;
        }
        compact::I64 => {
            r.varint(10, "an i64 varint")?;
        }
        compact::BINARY => {
            let n = compact_len(r, "binary length")?;
            r.take(n, "binary bytes")?;
        }
        compact::STRUCT => compact_struct(r, depth_left)?,
        compact::LIST | compact::SET => {
            let depth_left = enter(r, depth_left)?;
            let at = r.pos();
            let header = r.u8("a list header")?;
            let mut n = usize::from(header >> 4);
            if n == 15 {
                n = compact_len(r, "list size")?;
            }
            if n > 0 {
                compact_elements(r, &[header & 0x0f], n, at, depth_left)?;
            }
        }
        compact::MAP => {
            let depth_left = enter(r, depth_left)?;
            let at = r.pos();
            let n = compact_len(r, "map size")?;
            if n > 0 {
                let types = r.u8("map key and value types")?;
                compact_elements(r, &[types >> 4, types & 0x0f], n, at, depth_left)?;
            }
        }
        _ => return Err(bad_type(r.pos(), "compact", ty)),
    }
    Ok(())
}

fn compact_elements(
    r: &mut Reader<'_>,
    types: &[u8],
    n: usize,
    at: usize,
    depth_left: usize,
) -> Result<(), ProtoError> {
    let mut fixed = Some(0usize);
    let mut min = 0usize;
    for &ty in types {
        min += compact_min_width(ty).ok_or_else(|| bad_type(at, "compact", ty))?;
        fixed = fixed.zip(compact_fixed_width(ty)).map(|(a, b)| a + b);
    }
    need_elements(r, n, min, "container elements")?;
    if let Some(width) = fixed {
        r.take(n * width, "container elements")?;
        return Ok(());
    }
    for _ in 0..n {
        for &ty in types {
            compact_value(r, ty, depth_left)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
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
        assert!(e.is_malformed() && e.to_string().contains("type code 5"), "{e}");
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
