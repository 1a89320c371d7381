//! The 14 fixed bytes that Apache THeader and CloudWeGo TTHeader share, and the checks on
//! them that both decoders (and the [`FrameDecoder`](super::FrameDecoder), before it buffers
//! a frame) make as soon as the bytes are there.
//!
//! ```text
//!  0 u32 LENGTH | 4 u16 MAGIC | 6 u16 FLAGS | 8 i32 SEQ ID | 12 u16 HEADER SIZE (words) | 14 header area …
//! ```

use super::read::Reader;
use super::{Limits, ProtoError};

/// Bytes before the header area.
pub(crate) const FIXED_LEN: usize = 14;

/// The fixed fields of a header frame.
pub(crate) struct Fixed {
    pub(crate) flags: u16,
    pub(crate) seq_id: i32,
    /// End of the header area, i.e. offset of the payload.
    pub(crate) header_end: usize,
}

/// Checks what the first bytes of a `format` frame say, as soon as they are there: the
/// length (at 4 bytes) and the header size (at 14). Returns the whole frame's length,
/// length field included.
///
/// # Errors
/// `Incomplete` with fewer than 4 bytes; `TooLarge` or `InvalidHeader` for lengths that
/// break the limits or do not add up.
pub(crate) fn frame_len(buf: &[u8], limits: &Limits, format: &str) -> Result<usize, ProtoError> {
    let len = Reader::new(buf, 0).u32("the frame length")? as usize;
    if len > limits.max_frame_size {
        return Err(ProtoError::too_large(0, &format!("{format} frame"), len, limits.max_frame_size));
    }
    if len < FIXED_LEN - 4 {
        return Err(ProtoError::invalid_header(
            0,
            format!("{format} frame length {len} at byte 0 is less than the {} fixed header bytes", FIXED_LEN - 4),
        ));
    }
    if buf.len() >= FIXED_LEN {
        header_len(buf, len, limits, format)?;
    }
    Ok(4 + len)
}

/// Validates the header size field of a frame of declared length `len` (at least 14 bytes
/// of it in `buf`) and returns the header area's length in bytes.
fn header_len(buf: &[u8], len: usize, limits: &Limits, format: &str) -> Result<usize, ProtoError> {
    let header_len = 4 * usize::from(u16::from_be_bytes([buf[12], buf[13]]));
    if header_len == 0 {
        return Err(ProtoError::invalid_header(
            12,
            format!("{format} header size 0 at byte 12 leaves no room for the protocol id and transform count"),
        ));
    }
    if header_len > limits.max_header_size {
        return Err(ProtoError::too_large(12, &format!("{format} header area"), header_len, limits.max_header_size));
    }
    if FIXED_LEN + header_len > 4 + len {
        return Err(ProtoError::invalid_header(
            12,
            format!(
                "{format} header area of {header_len} bytes (size at byte 12) runs past the frame end at byte {}",
                4 + len
            ),
        ));
    }
    Ok(header_len)
}

/// Offset of the payload in a frame whose first 14 bytes are in `buf`.
pub(crate) fn payload_offset(buf: &[u8]) -> usize {
    FIXED_LEN + 4 * usize::from(u16::from_be_bytes([buf[12], buf[13]]))
}

/// Reads and checks the fixed fields of one whole frame: `frame` must end exactly where
/// its length says, and carry `magic`.
pub(crate) fn read(frame: &[u8], limits: &Limits, format: &str, magic: u16) -> Result<Fixed, ProtoError> {
    let total = frame_len(frame, limits, format)?;
    let mut r = Reader::new(frame, 4);
    let found = r.u16("the magic number")?;
    if found != magic {
        return Err(ProtoError::unrecognized(
            4,
            format!("expected the {format} magic {magic:#06x} at byte 4, found {found:#06x}"),
        ));
    }
    let flags = r.u16("the flags")?;
    let seq_id = r.i32("the sequence id")?;
    r.u16("the header size")?;
    if frame.len() < total {
        return Err(ProtoError::incomplete(frame.len(), total, &format!("a {format} frame")));
    }
    if frame.len() > total {
        return Err(ProtoError::invalid_header(
            total,
            format!("{} bytes follow the end of the {format} frame at byte {total}", frame.len() - total),
        ));
    }
    let header_end = FIXED_LEN + header_len(frame, total - 4, limits, format)?;
    Ok(Fixed { flags, seq_id, header_end })
}
