//! TBinaryProtocol: big-endian fixed-width integers, `i32` lengths.

use super::{ProtocolReader, ProtocolWriter, Sink, check_count, truncated, ttype};
use crate::error::{DecodeError, DecodeErrorKind};
use crate::wire::Protocol;

/// Reads the Binary protocol from a slice.
#[derive(Clone, Debug)]
pub struct BinaryReader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> BinaryReader<'a> {
    #[inline(always)]
    fn take<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        match self.buf.get(self.pos..self.pos + N) {
            Some(b) => {
                self.pos += N;
                Ok(b.try_into().expect("slice of N bytes"))
            }
            None => Err(truncated(self.buf.len(), self.pos + N)),
        }
    }

    #[inline]
    fn read_len(&mut self) -> Result<usize, DecodeError> {
        let at = self.pos;
        let n = i32::from_be_bytes(self.take::<4>()?);
        if n < 0 {
            return Err(DecodeError::with_detail(DecodeErrorKind::NegativeLength, at, format!("length {n}")));
        }
        Ok(n as usize)
    }
}

impl<'a> ProtocolReader<'a> for BinaryReader<'a> {
    const PROTOCOL: Protocol = Protocol::Binary;

    #[inline]
    fn new(buf: &'a [u8]) -> Self {
        BinaryReader { buf, pos: 0 }
    }
    #[inline]
    fn buf(&self) -> &'a [u8] {
        self.buf
    }
    #[inline]
    fn pos(&self) -> usize {
        self.pos
    }
    #[inline]
    fn set_pos(&mut self, pos: usize) {
        self.pos = pos;
    }
    #[inline]
    fn struct_begin(&mut self) -> i16 {
        0
    }
    #[inline]
    fn struct_end(&mut self, _: i16) {}
    #[inline]
    fn continue_struct(&mut self, _: i16) {}

    #[inline]
    fn field_header(&mut self) -> Result<super::FieldHeader, DecodeError> {
        // One bounds check for the common case of a full 3-byte header.
        if let Some(h) = self.buf.get(self.pos..self.pos + 3) {
            if h[0] == ttype::STOP {
                self.pos += 1;
                return Ok(super::FieldHeader { ttype: ttype::STOP, id: 0, bool_value: None });
            }
            self.pos += 3;
            return Ok(super::FieldHeader { ttype: h[0], id: i16::from_be_bytes([h[1], h[2]]), bool_value: None });
        }
        let t = self.take::<1>()?[0];
        if t == ttype::STOP {
            return Ok(super::FieldHeader { ttype: ttype::STOP, id: 0, bool_value: None });
        }
        let id = i16::from_be_bytes(self.take::<2>()?);
        Ok(super::FieldHeader { ttype: t, id, bool_value: None })
    }

    #[inline]
    fn read_bool(&mut self) -> Result<bool, DecodeError> {
        Ok(self.take::<1>()?[0] != 0)
    }
    #[inline]
    fn read_i8(&mut self) -> Result<i8, DecodeError> {
        Ok(self.take::<1>()?[0] as i8)
    }
    #[inline]
    fn read_i16(&mut self) -> Result<i16, DecodeError> {
        Ok(i16::from_be_bytes(self.take::<2>()?))
    }
    #[inline]
    fn read_i32(&mut self) -> Result<i32, DecodeError> {
        Ok(i32::from_be_bytes(self.take::<4>()?))
    }
    #[inline]
    fn read_i64(&mut self) -> Result<i64, DecodeError> {
        Ok(i64::from_be_bytes(self.take::<8>()?))
    }
    #[inline]
    fn read_double(&mut self) -> Result<f64, DecodeError> {
        Ok(f64::from_bits(u64::from_be_bytes(self.take::<8>()?)))
    }

    #[inline]
    fn read_bytes(&mut self) -> Result<std::ops::Range<usize>, DecodeError> {
        let n = self.read_len()?;
        let start = self.pos;
        if n > self.buf.len() - start {
            return Err(truncated(self.buf.len(), start + n));
        }
        self.pos = start + n;
        Ok(start..start + n)
    }

    #[inline]
    fn list_header(&mut self) -> Result<(u8, usize), DecodeError> {
        let at = self.pos;
        let elem = self.take::<1>()?[0];
        let n = self.read_len()?;
        check_count(n, Self::min_size(elem), self.pos, self.buf.len(), at)?;
        Ok((elem, n))
    }

    #[inline]
    fn map_header(&mut self) -> Result<(u8, u8, usize), DecodeError> {
        let at = self.pos;
        let [k, v] = self.take::<2>()?;
        let n = self.read_len()?;
        check_count(n, Self::min_size(k) + Self::min_size(v), self.pos, self.buf.len(), at)?;
        Ok((k, v, n))
    }

    #[inline]
    fn min_size(t: u8) -> usize {
        match t {
            ttype::BOOL | ttype::I8 | ttype::STRUCT => 1,
            ttype::I16 => 2,
            ttype::I32 | ttype::STRING => 4,
            ttype::I64 | ttype::DOUBLE => 8,
            ttype::MAP => 6,
            ttype::SET | ttype::LIST => 5,
            ttype::UUID => 16,
            // An invalid type fails when the first element is read; 1 keeps
            // the count check meaningful until then.
            _ => 1,
        }
    }

    #[inline]
    fn fixed_size(t: u8) -> Option<usize> {
        match t {
            ttype::BOOL | ttype::I8 => Some(1),
            ttype::I16 => Some(2),
            ttype::I32 => Some(4),
            ttype::I64 | ttype::DOUBLE => Some(8),
            ttype::UUID => Some(16),
            _ => None,
        }
    }
}

/// Writes the Binary protocol into a [`Sink`].
#[derive(Debug)]
pub struct BinaryWriter<'s, S: Sink> {
    out: &'s mut S,
}

impl<'s, S: Sink> BinaryWriter<'s, S> {
    /// A writer appending to `out`.
    pub fn new(out: &'s mut S) -> Self {
        BinaryWriter { out }
    }
}

impl<S: Sink> ProtocolWriter for BinaryWriter<'_, S> {
    const PROTOCOL: Protocol = Protocol::Binary;

    #[inline]
    fn struct_begin(&mut self) -> i16 {
        0
    }
    #[inline]
    fn struct_end(&mut self, _: i16) {}
    #[inline]
    fn field_header(&mut self, t: u8, id: i16) {
        let id = id.to_be_bytes();
        self.out.put(&[t, id[0], id[1]]);
    }
    #[inline]
    fn field_bool(&mut self, id: i16, value: bool) {
        let id = id.to_be_bytes();
        self.out.put(&[ttype::BOOL, id[0], id[1], value as u8]);
    }
    #[inline]
    fn field_stop(&mut self) {
        self.out.put_u8(ttype::STOP);
    }
    #[inline]
    fn write_bool(&mut self, v: bool) {
        self.out.put_u8(v as u8);
    }
    #[inline]
    fn write_i8(&mut self, v: i8) {
        self.out.put_u8(v as u8);
    }
    #[inline]
    fn write_i16(&mut self, v: i16) {
        self.out.put(&v.to_be_bytes());
    }
    #[inline]
    fn write_i32(&mut self, v: i32) {
        self.out.put(&v.to_be_bytes());
    }
    #[inline]
    fn write_i64(&mut self, v: i64) {
        self.out.put(&v.to_be_bytes());
    }
    #[inline]
    fn write_double(&mut self, v: f64) {
        self.out.put(&v.to_bits().to_be_bytes());
    }
    #[inline]
    fn write_uuid(&mut self, v: &[u8; 16]) {
        self.out.put(v);
    }
    #[inline]
    fn write_bytes(&mut self, v: &[u8]) {
        self.out.put(&(v.len() as i32).to_be_bytes());
        self.out.put(v);
    }
    #[inline]
    fn list_header(&mut self, elem: u8, count: usize) {
        let n = (count as i32).to_be_bytes();
        self.out.put(&[elem, n[0], n[1], n[2], n[3]]);
    }
    #[inline]
    fn map_header(&mut self, key: u8, value: u8, count: usize) {
        let n = (count as i32).to_be_bytes();
        self.out.put(&[key, value, n[0], n[1], n[2], n[3]]);
    }
    #[inline]
    fn write_raw(&mut self, bytes: &[u8]) {
        self.out.put(bytes);
    }
}
