//! Re-encoding a value from one protocol to another without a schema, by
//! wire types alone: how unknown fields kept from a Compact input are
//! written to a Binary output (and back), so nothing is lost either way.

use crate::error::{DecodeError, DecodeErrorKind};
use crate::wire::{ProtocolReader, ProtocolWriter, ttype};

/// Copies one value of wire type `t` from `r` to `w`.
pub(crate) fn transcode<'a, R: ProtocolReader<'a>, W: ProtocolWriter>(
    r: &mut R,
    w: &mut W,
    t: u8,
    depth: u32,
) -> Result<(), DecodeError> {
    match t {
        ttype::BOOL => w.write_bool(r.read_bool()?),
        ttype::I8 => w.write_i8(r.read_i8()?),
        ttype::I16 => w.write_i16(r.read_i16()?),
        ttype::I32 => w.write_i32(r.read_i32()?),
        ttype::I64 => w.write_i64(r.read_i64()?),
        ttype::DOUBLE => w.write_double(r.read_double()?),
        ttype::UUID => w.write_uuid(&r.read_uuid()?),
        ttype::STRING => {
            let range = r.read_bytes()?;
            w.write_bytes(&r.buf()[range]);
        }
        ttype::STRUCT => {
            let depth = deeper(r, depth)?;
            let rs = r.struct_begin();
            let ws = w.struct_begin();
            loop {
                let h = r.field_header()?;
                if h.ttype == ttype::STOP {
                    break;
                }
                match h.bool_value {
                    Some(b) => w.field_bool(h.id, b),
                    None if h.ttype == ttype::BOOL => w.field_bool(h.id, r.read_bool()?),
                    None => {
                        w.field_header(h.ttype, h.id);
                        transcode(r, w, h.ttype, depth)?;
                    }
                }
            }
            w.field_stop();
            w.struct_end(ws);
            r.struct_end(rs);
        }
        ttype::LIST | ttype::SET => {
            let depth = deeper(r, depth)?;
            let (elem, n) = r.list_header()?;
            w.list_header(elem, n);
            for _ in 0..n {
                transcode(r, w, elem, depth)?;
            }
        }
        ttype::MAP => {
            let depth = deeper(r, depth)?;
            let (k, v, n) = r.map_header()?;
            w.map_header(k, v, n);
            for _ in 0..n {
                transcode(r, w, k, depth)?;
                transcode(r, w, v, depth)?;
            }
        }
        other => {
            return Err(DecodeError::with_detail(DecodeErrorKind::InvalidType, r.pos(), format!("wire type {other}")));
        }
    }
    Ok(())
}

fn deeper<'a, R: ProtocolReader<'a>>(r: &R, depth: u32) -> Result<u32, DecodeError> {
    depth.checked_sub(1).ok_or_else(|| DecodeError::new(DecodeErrorKind::DepthLimit, r.pos()))
}
