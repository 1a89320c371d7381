//! TCompactProtocol: zigzag varints, field-id deltas, bools in the type
//! nibble, little-endian doubles. Its type codes are translated to the
//! Binary protocol's ([`ttype`]) here and nowhere else.

use super::{FieldHeader, ProtocolReader, ProtocolWriter, Sink, check_count, truncated, ttype};
use crate::error::{DecodeError, DecodeErrorKind};
use crate::wire::Protocol;

/// Compact type code → Binary type code (0 = invalid, except index 0 = STOP).
const FROM_COMPACT: [u8; 16] = [
    ttype::STOP,
    ttype::BOOL, // BOOLEAN_TRUE
    ttype::BOOL, // BOOLEAN_FALSE
    ttype::I8,
    ttype::I16,
    ttype::I32,
    ttype::I64,
    ttype::DOUBLE,
    ttype::STRING,
    ttype::LIST,
    ttype::SET,
    ttype::MAP,
    ttype::STRUCT,
    ttype::UUID,
    0xff,
    0xff,
];

/// Binary type code → Compact type code (bool as BOOLEAN_TRUE, as most writers do).
#[inline]
pub(crate) fn to_compact(t: u8) -> u8 {
    match t {
        ttype::BOOL => 1,
        ttype::I8 => 3,
        ttype::I16 => 4,
        ttype::I32 => 5,
        ttype::I64 => 6,
        ttype::DOUBLE => 7,
        ttype::STRING => 8,
        ttype::LIST => 9,
        ttype::SET => 10,
        ttype::MAP => 11,
        ttype::STRUCT => 12,
        ttype::UUID => 13,
        _ => 0,
    }
}

/// What the type nibble of a Compact field header means: the Binary type
/// code and, for a bool field, its value; `None` for an invalid nibble
/// (STOP is not a field type). For the JIT, whose compiled code reads the
/// header and hands the nibble of an unknown field to the interpreter.
pub(crate) fn field_type(nibble: u8) -> Option<(u8, Option<bool>)> {
    let value = match nibble {
        1 => Some(true),
        2 => Some(false),
        _ => None,
    };
    match FROM_COMPACT[usize::from(nibble & 0x0f)] {
        0xff | ttype::STOP => None,
        t => Some((t, value)),
    }
}

/// Reads the Compact protocol from a slice.
#[derive(Clone, Debug)]
pub struct CompactReader<'a> {
    buf: &'a [u8],
    pos: usize,
    last_id: i16,
}

impl<'a> CompactReader<'a> {
    #[inline(always)]
    fn byte(&mut self) -> Result<u8, DecodeError> {
        match self.buf.get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                Ok(b)
            }
            None => Err(truncated(self.buf.len(), self.pos + 1)),
        }
    }

    /// An unsigned LEB128 varint of at most 10 bytes.
    #[inline]
    pub(crate) fn varint(&mut self) -> Result<u64, DecodeError> {
        let at = self.pos;
        // Fast path: with 10 bytes in hand, no per-byte bounds check. Byte by
        // byte, on purpose: a branch-free read of 8 bytes at once (as the JIT
        // does for fields) took 4.7 ns per varint against 2.7 on lists of one
        // length, and 4.9 against 9.2 only on long lists of random lengths.
        if let Some(chunk) = self.buf.get(at..at + 10) {
            let mut value = 0u64;
            for (i, &b) in chunk.iter().enumerate() {
                value |= u64::from(b & 0x7f) << (7 * i);
                if b < 0x80 {
                    if i == 9 && b > 1 {
                        break;
                    }
                    self.pos = at + i + 1;
                    return Ok(value);
                }
            }
            return Err(DecodeError::new(DecodeErrorKind::InvalidVarint, at));
        }
        self.varint_slow()
    }

    /// [`CompactReader::varint`] near the end of the input, byte by byte.
    #[cold]
    fn varint_slow(&mut self) -> Result<u64, DecodeError> {
        let at = self.pos;
        let b = self.byte()?;
        if b < 0x80 {
            return Ok(u64::from(b));
        }
        let mut value = u64::from(b & 0x7f);
        let mut shift = 7;
        loop {
            let b = self.byte()?;
            if shift == 63 && b > 1 {
                return Err(DecodeError::new(DecodeErrorKind::InvalidVarint, at));
            }
            value |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(value);
            }
            shift += 7;
            if shift > 63 {
                return Err(DecodeError::new(DecodeErrorKind::InvalidVarint, at));
            }
        }
    }

    #[inline]
    fn varint_max(&mut self, max: u64) -> Result<u64, DecodeError> {
        let at = self.pos;
        let v = self.varint()?;
        if v > max {
            return Err(DecodeError::with_detail(DecodeErrorKind::InvalidVarint, at, format!("{v} is out of range")));
        }
        Ok(v)
    }

    #[inline]
    fn len(&mut self) -> Result<usize, DecodeError> {
        let at = self.pos;
        // One byte: most strings and containers are shorter than 128.
        // (Integers skip this test: theirs are often longer varints.)
        if let Some(&b) = self.buf.get(at)
            && b < 0x80
        {
            self.pos = at + 1;
            return Ok(usize::from(b));
        }
        let v = self.varint()?;
        if v > i32::MAX as u64 {
            return Err(DecodeError::with_detail(DecodeErrorKind::SizeLimit, at, format!("length {v}")));
        }
        Ok(v as usize)
    }

    #[inline]
    fn elem_type(&self, nibble: u8, at: usize) -> Result<u8, DecodeError> {
        match FROM_COMPACT[nibble as usize] {
            0xff | ttype::STOP => {
                Err(DecodeError::with_detail(DecodeErrorKind::InvalidType, at, format!("compact type {nibble}")))
            }
            t => Ok(t),
        }
    }
}

#[inline]
fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

impl<'a> ProtocolReader<'a> for CompactReader<'a> {
    const PROTOCOL: Protocol = Protocol::Compact;

    #[inline]
    fn new(buf: &'a [u8]) -> Self {
        CompactReader { buf, pos: 0, last_id: 0 }
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
        std::mem::replace(&mut self.last_id, 0)
    }
    #[inline]
    fn struct_end(&mut self, saved: i16) {
        self.last_id = saved;
    }
    #[inline]
    fn continue_struct(&mut self, last_id: i16) {
        self.last_id = last_id;
    }

    #[inline]
    fn field_header(&mut self) -> Result<FieldHeader, DecodeError> {
        let at = self.pos;
        let b = self.byte()?;
        if b == 0 {
            return Ok(FieldHeader { ttype: ttype::STOP, id: 0, bool_value: None });
        }
        let nibble = b & 0x0f;
        let t = FROM_COMPACT[nibble as usize];
        if t == 0xff || t == ttype::STOP {
            return Err(DecodeError::with_detail(DecodeErrorKind::InvalidType, at, format!("compact type {nibble}")));
        }
        let delta = b >> 4;
        let id = if delta != 0 {
            self.last_id.wrapping_add(i16::from(delta))
        } else {
            unzigzag(self.varint_max(0xffff)?) as i16
        };
        self.last_id = id;
        let bool_value = match nibble {
            1 => Some(true),
            2 => Some(false),
            _ => None,
        };
        Ok(FieldHeader { ttype: t, id, bool_value })
    }

    #[inline]
    fn read_bool(&mut self) -> Result<bool, DecodeError> {
        Ok(self.byte()? == 1)
    }
    #[inline]
    fn read_i8(&mut self) -> Result<i8, DecodeError> {
        Ok(self.byte()? as i8)
    }
    #[inline]
    fn read_i16(&mut self) -> Result<i16, DecodeError> {
        Ok(unzigzag(self.varint_max(0xffff)?) as i16)
    }
    #[inline]
    fn read_i32(&mut self) -> Result<i32, DecodeError> {
        Ok(unzigzag(self.varint_max(0xffff_ffff)?) as i32)
    }
    #[inline]
    fn read_i64(&mut self) -> Result<i64, DecodeError> {
        Ok(unzigzag(self.varint()?))
    }
    #[inline]
    fn read_double(&mut self) -> Result<f64, DecodeError> {
        match self.buf.get(self.pos..self.pos + 8) {
            Some(b) => {
                self.pos += 8;
                Ok(f64::from_bits(u64::from_le_bytes(b.try_into().expect("8 bytes"))))
            }
            None => Err(truncated(self.buf.len(), self.pos + 8)),
        }
    }

    #[inline]
    fn read_bytes(&mut self) -> Result<std::ops::Range<usize>, DecodeError> {
        let n = self.len()?;
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
        let b = self.byte()?;
        let n = if b >> 4 == 15 { self.len()? } else { usize::from(b >> 4) };
        // An empty list may carry type 0: it is what a Binary list of no
        // elements and no valid type becomes in Compact (Apache's C++ reader
        // accepts it too). With elements, the type must be real.
        if n == 0 && b & 0x0f == 0 {
            return Ok((ttype::STOP, 0));
        }
        let elem = self.elem_type(b & 0x0f, at)?;
        check_count(n, Self::min_size(elem), self.pos, self.buf.len(), at)?;
        Ok((elem, n))
    }

    #[inline]
    fn map_header(&mut self) -> Result<(u8, u8, usize), DecodeError> {
        let at = self.pos;
        let n = self.len()?;
        if n == 0 {
            return Ok((ttype::STOP, ttype::STOP, 0));
        }
        let kv = self.byte()?;
        let k = self.elem_type(kv >> 4, at)?;
        let v = self.elem_type(kv & 0x0f, at)?;
        check_count(n, Self::min_size(k) + Self::min_size(v), self.pos, self.buf.len(), at)?;
        Ok((k, v, n))
    }

    #[inline]
    fn min_size(t: u8) -> usize {
        match t {
            ttype::DOUBLE => 8,
            ttype::UUID => 16,
            _ => 1,
        }
    }

    #[inline]
    fn fixed_size(t: u8) -> Option<usize> {
        match t {
            // Bool elements are one byte (only fields carry them in the header).
            ttype::BOOL | ttype::I8 => Some(1),
            ttype::DOUBLE => Some(8),
            ttype::UUID => Some(16),
            _ => None,
        }
    }
}

/// Writes the Compact protocol into a [`Sink`].
#[derive(Debug)]
pub struct CompactWriter<'s, S: Sink> {
    out: &'s mut S,
    last_id: i16,
}

impl<'s, S: Sink> CompactWriter<'s, S> {
    /// A writer appending to `out`.
    pub fn new(out: &'s mut S) -> Self {
        CompactWriter { out, last_id: 0 }
    }

    /// A writer appending to `out` in the middle of a struct whose last
    /// field header had id `last_id` (the next header's delta starts there).
    pub fn with_last_id(out: &'s mut S, last_id: i16) -> Self {
        CompactWriter { out, last_id }
    }

    #[inline]
    fn varint(&mut self, mut v: u64) {
        // Byte by byte: a short variable-length `put` costs a memcpy call.
        while v >= 0x80 {
            self.out.put_u8((v as u8) | 0x80);
            v >>= 7;
        }
        self.out.put_u8(v as u8);
    }

    #[inline]
    fn header(&mut self, compact_type: u8, id: i16) {
        let delta = i32::from(id) - i32::from(self.last_id);
        if (1..=15).contains(&delta) {
            self.out.put_u8(((delta as u8) << 4) | compact_type);
        } else {
            self.out.put_u8(compact_type);
            self.varint(zigzag(i64::from(id)));
        }
        self.last_id = id;
    }
}

#[inline]
fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

impl<S: Sink> ProtocolWriter for CompactWriter<'_, S> {
    const PROTOCOL: Protocol = Protocol::Compact;

    #[inline]
    fn struct_begin(&mut self) -> i16 {
        std::mem::replace(&mut self.last_id, 0)
    }
    #[inline]
    fn struct_end(&mut self, saved: i16) {
        self.last_id = saved;
    }
    #[inline]
    fn field_header(&mut self, t: u8, id: i16) {
        self.header(to_compact(t), id);
    }
    #[inline]
    fn field_bool(&mut self, id: i16, value: bool) {
        self.header(if value { 1 } else { 2 }, id);
    }
    #[inline]
    fn field_stop(&mut self) {
        self.out.put_u8(0);
    }
    #[inline]
    fn write_bool(&mut self, v: bool) {
        self.out.put_u8(if v { 1 } else { 2 });
    }
    #[inline]
    fn write_i8(&mut self, v: i8) {
        self.out.put_u8(v as u8);
    }
    #[inline]
    fn write_i16(&mut self, v: i16) {
        self.varint(zigzag(i64::from(v)));
    }
    #[inline]
    fn write_i32(&mut self, v: i32) {
        // Zigzag at 32 bits: the 64-bit form gives the same value for i32 inputs.
        self.varint(zigzag(i64::from(v)));
    }
    #[inline]
    fn write_i64(&mut self, v: i64) {
        self.varint(zigzag(v));
    }
    #[inline]
    fn write_double(&mut self, v: f64) {
        self.out.put(&v.to_bits().to_le_bytes());
    }
    #[inline]
    fn write_uuid(&mut self, v: &[u8; 16]) {
        self.out.put(v);
    }
    #[inline]
    fn write_bytes(&mut self, v: &[u8]) {
        self.varint(v.len() as u64);
        self.out.put(v);
    }
    #[inline]
    fn list_header(&mut self, elem: u8, count: usize) {
        let t = to_compact(elem);
        if count <= 14 {
            self.out.put_u8(((count as u8) << 4) | t);
        } else {
            self.out.put_u8(0xf0 | t);
            self.varint(count as u64);
        }
    }
    #[inline]
    fn map_header(&mut self, key: u8, value: u8, count: usize) {
        if count == 0 {
            self.out.put_u8(0);
        } else {
            self.varint(count as u64);
            self.out.put_u8((to_compact(key) << 4) | to_compact(value));
        }
    }
    #[inline]
    fn write_raw(&mut self, bytes: &[u8]) {
        self.out.put(bytes);
    }
}

/// Writes a Compact varint (used by the envelope).
pub(crate) fn put_varint<S: Sink>(out: &mut S, v: u64) {
    CompactWriter::new(out).varint(v);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reader reads back what the writer writes, for values of every
    /// length, followed by bytes that must not be read (with and without
    /// continuation bits); every cut of a varint fails.
    #[test]
    fn varints_of_every_length_and_position() {
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for bits in 0..=64u32 {
            for _ in 0..50 {
                let v = if bits == 0 { 0 } else { next() >> (64 - bits) | 1 << (bits - 1) };
                let mut bytes = Vec::new();
                CompactWriter::new(&mut bytes).varint(v);
                let len = bytes.len();
                for tail in [0, 1, 7, 9, 12] {
                    let mut input = bytes.clone();
                    input.extend((0..tail).map(|_| next() as u8));
                    let mut r = CompactReader::new(&input);
                    assert_eq!(r.varint(), Ok(v), "{v:#x} with {tail} more bytes");
                    assert_eq!(r.pos, len);
                }
                for cut in 0..len {
                    let e = CompactReader::new(&bytes[..cut]).varint().unwrap_err();
                    assert_eq!(e.needed(), Some(cut + 1), "{v:#x} cut at {cut}: one more byte, at least");
                }
            }
        }
        // Eleven bytes, and a tenth byte above 1, are not varints.
        for bad in [&[0xffu8; 11][..], &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0]] {
            assert!(CompactReader::new(bad).varint().is_err());
        }
    }
}
