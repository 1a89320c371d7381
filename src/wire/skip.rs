//! Skipping a value of any wire type without decoding it: what a decoder
//! does with unknown fields, bounded by the same depth limit.

use super::{ProtocolReader, ttype};
use crate::error::{DecodeError, DecodeErrorKind};

/// Skips one value of wire type `t` (for a Compact bool *field*, whose value
/// is in its header, skip nothing instead). `depth` is how many more levels
/// of nesting are allowed.
///
/// # Errors
/// Truncated input, invalid types, bad lengths, or nesting deeper than `depth`.
pub fn skip<'a, R: ProtocolReader<'a>>(r: &mut R, t: u8, depth: u32) -> Result<(), DecodeError> {
    match t {
        ttype::BOOL => {
            r.read_bool()?;
        }
        ttype::I8 => {
            r.read_i8()?;
        }
        ttype::I16 => {
            r.read_i16()?;
        }
        ttype::I32 => {
            r.read_i32()?;
        }
        ttype::I64 => {
            r.read_i64()?;
        }
        ttype::DOUBLE => {
            r.read_double()?;
        }
        ttype::UUID => {
            r.read_uuid()?;
        }
        ttype::STRING => {
            r.read_bytes()?;
        }
        ttype::STRUCT => {
            let depth = deeper(r, depth)?;
            let saved = r.struct_begin();
            loop {
                let h = r.field_header()?;
                if h.ttype == ttype::STOP {
                    break;
                }
                if h.bool_value.is_none() {
                    skip(r, h.ttype, depth)?;
                }
            }
            r.struct_end(saved);
        }
        ttype::LIST | ttype::SET => {
            let depth = deeper(r, depth)?;
            let (elem, n) = r.list_header()?;
            if let Some(size) = R::fixed_size(elem) {
                // The count was checked against the bytes left, so `n × size` fits.
                r.read_raw(n * size)?;
                return Ok(());
            }
            for _ in 0..n {
                skip(r, elem, depth)?;
            }
        }
        ttype::MAP => {
            let depth = deeper(r, depth)?;
            let (k, v, n) = r.map_header()?;
            if let (Some(ks), Some(vs)) = (R::fixed_size(k), R::fixed_size(v)) {
                r.read_raw(n * (ks + vs))?;
                return Ok(());
            }
            for _ in 0..n {
                skip(r, k, depth)?;
                skip(r, v, depth)?;
            }
        }
        other => {
            return Err(DecodeError::with_detail(DecodeErrorKind::InvalidType, r.pos(), format!("wire type {other}")));
        }
    }
    Ok(())
}

#[inline]
fn deeper<'a, R: ProtocolReader<'a>>(r: &R, depth: u32) -> Result<u32, DecodeError> {
    depth.checked_sub(1).ok_or_else(|| DecodeError::new(DecodeErrorKind::DepthLimit, r.pos()))
}
