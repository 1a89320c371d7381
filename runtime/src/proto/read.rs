//! A bounds-checked reader over a byte slice, shared by every decoder of the protocol layer.
//!
//! Each read names what it is reading, so that running out of bytes becomes a
//! [`ProtoError`] that says what was expected and at which offset. The reader works inside
//! a region `[pos, end)`: running past the end of the whole input is
//! [`Incomplete`](super::ProtoErrorKind::Incomplete) (more bytes may come), running past
//! the end of a header region is [`InvalidHeader`](super::ProtoErrorKind::InvalidHeader)
//! (the sender declared a length that does not fit).

use super::ProtoError;

/// Where the end of a [`Reader`]'s region comes from, which decides the error for reading past it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Bound {
    /// The end of the available input: reading past it is `Incomplete`.
    Input,
    /// The end of a header area of the named format: reading past it is `InvalidHeader`.
    Header(&'static str),
}

pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    end: usize,
    bound: Bound,
}

impl<'a> Reader<'a> {
    /// Reads all of `buf` from `pos`; running out is `Incomplete`.
    pub(crate) fn new(buf: &'a [u8], pos: usize) -> Self {
        Reader { buf, pos, end: buf.len(), bound: Bound::Input }
    }

    /// Reads `buf[pos..end]`, the header area of `format`; running out is `InvalidHeader`.
    /// `end` must not exceed `buf.len()` (callers check it first).
    pub(crate) fn header(buf: &'a [u8], pos: usize, end: usize, format: &'static str) -> Self {
        debug_assert!(end <= buf.len());
        Reader { buf, pos, end: end.min(buf.len()), bound: Bound::Header(format) }
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    pub(crate) fn remaining(&self) -> usize {
        self.end - self.pos
    }

    pub(crate) fn is_at_end(&self) -> bool {
        self.pos >= self.end
    }

    #[cold]
    fn overrun(&self, n: usize, what: &str) -> ProtoError {
        let needed = self.pos.saturating_add(n);
        match self.bound {
            Bound::Input => ProtoError::incomplete(self.pos, needed, what),
            Bound::Header(format) => ProtoError::invalid_header(
                self.pos,
                format!(
                    "{format}: {what} at byte {} needs {n} bytes but the header ends at byte {}",
                    self.pos, self.end
                ),
            ),
        }
    }

    /// A malformed value at `at`: in a header region that is the header's fault.
    #[cold]
    fn malformed(&self, at: usize, message: String) -> ProtoError {
        match self.bound {
            Bound::Input => ProtoError::invalid_message(at, message),
            Bound::Header(format) => ProtoError::invalid_header(at, format!("{format}: {message}")),
        }
    }

    /// Takes the next `n` bytes and returns their range in the underlying buffer.
    pub(crate) fn take(&mut self, n: usize, what: &str) -> Result<std::ops::Range<usize>, ProtoError> {
        if n > self.remaining() {
            return Err(self.overrun(n, what));
        }
        let start = self.pos;
        self.pos += n;
        Ok(start..self.pos)
    }

    pub(crate) fn bytes(&mut self, n: usize, what: &str) -> Result<&'a [u8], ProtoError> {
        let range = self.take(n, what)?;
        Ok(&self.buf[range])
    }

    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N], ProtoError> {
        let bytes = self.bytes(N, what)?;
        let mut out = [0; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    pub(crate) fn u8(&mut self, what: &str) -> Result<u8, ProtoError> {
        Ok(self.array::<1>(what)?[0])
    }

    pub(crate) fn u16(&mut self, what: &str) -> Result<u16, ProtoError> {
        self.array(what).map(u16::from_be_bytes)
    }

    pub(crate) fn u32(&mut self, what: &str) -> Result<u32, ProtoError> {
        self.array(what).map(u32::from_be_bytes)
    }

    pub(crate) fn i32(&mut self, what: &str) -> Result<i32, ProtoError> {
        self.array(what).map(i32::from_be_bytes)
    }

    /// An unsigned LEB128 varint of at most `max_bytes` bytes (5 for 32 bits, 10 for 64).
    /// A longer one is malformed, as is one whose last byte carries bits beyond 64.
    pub(crate) fn varint(&mut self, max_bytes: usize, what: &str) -> Result<u64, ProtoError> {
        let start = self.pos;
        let mut value: u64 = 0;
        for i in 0..max_bytes {
            let b = self.u8(what)?;
            if i == 9 && b > 1 {
                // The tenth byte holds bit 63 only.
                return Err(self.malformed(start, format!("{what} at byte {start}: varint exceeds 64 bits")));
            }
            value |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(self.malformed(start, format!("{what} at byte {start}: varint longer than {max_bytes} bytes")))
    }

    /// A varint that must fit in 32 bits, as used for lengths, counts and ids.
    pub(crate) fn varint_u32(&mut self, what: &str) -> Result<u32, ProtoError> {
        let start = self.pos;
        let v = self.varint(5, what)?;
        u32::try_from(v)
            .map_err(|_| self.malformed(start, format!("{what} at byte {start}: varint {v} exceeds 32 bits")))
    }
}

/// Appends `value` as an unsigned LEB128 varint.
pub(crate) fn put_varint(dst: &mut bytes::BytesMut, mut value: u64) {
    use bytes::BufMut;
    while value >= 0x80 {
        dst.put_u8((value as u8) | 0x80);
        value >>= 7;
    }
    dst.put_u8(value as u8);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip_and_reject_overlong() {
        for v in [0u64, 1, 127, 128, 300, u32::MAX as u64, u64::MAX] {
            let mut b = bytes::BytesMut::new();
            put_varint(&mut b, v);
            assert_eq!(Reader::new(&b, 0).varint(10, "v").unwrap(), v);
        }
        let e = Reader::new(&[0x80, 0x80, 0x80, 0x80, 0x80, 0x01], 0).varint_u32("a length").unwrap_err();
        assert!(e.is_malformed(), "{e}");
        let e = Reader::new(&[0xff, 0xff, 0xff, 0xff, 0x1f], 0).varint_u32("a length").unwrap_err();
        assert!(e.to_string().contains("exceeds 32 bits"), "{e}");
        let e = Reader::new(&[0x80, 0x80], 0).varint_u32("a length").unwrap_err();
        assert!(e.is_incomplete());
        // Eleven bytes, or a tenth byte with more than one bit, do not fit 64 bits.
        let mut long = vec![0xffu8; 9];
        long.push(0x02);
        assert!(Reader::new(&long, 0).varint(10, "v").unwrap_err().is_malformed());
    }

    #[test]
    fn header_overrun_is_invalid_header_not_incomplete() {
        let buf = [0u8; 8];
        let mut r = Reader::header(&buf, 2, 4, "TTHeader");
        assert!(r.u16("x").is_ok());
        let e = r.u8("a string length").unwrap_err();
        assert!(e.is_malformed() && !e.is_incomplete(), "{e}");
        assert!(e.to_string().contains("header ends at byte 4"), "{e}");
    }
}
