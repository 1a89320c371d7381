//! Wire primitives of the Binary and Compact protocols: bounds-checked
//! readers over a byte slice, writers into any [`Sink`], `skip`, and the
//! message envelope.
//!
//! Both protocols implement one pair of traits ([`ProtocolReader`],
//! [`ProtocolWriter`]), so the interpreter is written once and monomorphised
//! per protocol: no dynamic dispatch on the hot path. Type codes are
//! normalised to the Binary protocol's codes ([`ttype`]) at the boundary;
//! Compact's codes never leave `compact.rs`.

mod binary;
mod compact;
mod envelope;
mod skip;

pub use binary::{BinaryReader, BinaryWriter};
pub use compact::{CompactReader, CompactWriter};
pub(crate) use compact::{field_type as compact_field_type, to_compact};
pub use envelope::{ApplicationException, MessageHeader, MessageType, app_exception_type};
pub use skip::skip;

use crate::error::{DecodeError, DecodeErrorKind};

/// The Thrift protocols this crate speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Protocol {
    /// TBinaryProtocol: big-endian fixed-width integers.
    #[default]
    Binary,
    /// TCompactProtocol: zigzag varints, field-id deltas.
    Compact,
}

impl Protocol {
    /// The protocol's name as the command line spells it.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Binary => "binary",
            Protocol::Compact => "compact",
        }
    }
}

/// Wire type codes, as the Binary protocol writes them. Compact's codes are
/// translated to these when read.
pub mod ttype {
    /// End of a struct.
    pub const STOP: u8 = 0;
    /// `bool`.
    pub const BOOL: u8 = 2;
    /// `i8` / `byte`.
    pub const I8: u8 = 3;
    /// `double`.
    pub const DOUBLE: u8 = 4;
    /// `i16`.
    pub const I16: u8 = 6;
    /// `i32` and enums.
    pub const I32: u8 = 8;
    /// `i64`.
    pub const I64: u8 = 10;
    /// `string` and `binary`.
    pub const STRING: u8 = 11;
    /// A struct, union or exception.
    pub const STRUCT: u8 = 12;
    /// `map`.
    pub const MAP: u8 = 13;
    /// `set`.
    pub const SET: u8 = 14;
    /// `list`.
    pub const LIST: u8 = 15;
    /// `uuid`.
    pub const UUID: u8 = 16;

    /// True for the codes that name a value type.
    pub fn is_valid(t: u8) -> bool {
        matches!(t, BOOL | I8 | DOUBLE | I16 | I32 | I64 | STRING | STRUCT | MAP | SET | LIST | UUID)
    }
}

/// Maximum nesting of structs and containers a decoder follows before it
/// gives up, unless configured otherwise. 64 is deeper than any real schema
/// nests and keeps the recursion of the decoders far from the end of a
/// thread's stack (each level uses a few hundred bytes).
pub const DEFAULT_MAX_DEPTH: u32 = 64;

/// A header of one struct field as read from the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldHeader {
    /// The wire type (a [`ttype`] code); [`ttype::STOP`] ends the struct.
    pub ttype: u8,
    /// The field id.
    pub id: i16,
    /// Compact carries a bool field's value in its header.
    pub bool_value: Option<bool>,
}

/// Reads one protocol from a byte slice. Every read is bounds-checked and
/// returns a [`DecodeError`] with the offset where it failed.
pub trait ProtocolReader<'a>: Sized {
    /// Which protocol.
    const PROTOCOL: Protocol;
    /// A reader at the start of `buf`.
    fn new(buf: &'a [u8]) -> Self;
    /// The whole input.
    fn buf(&self) -> &'a [u8];
    /// The current offset.
    fn pos(&self) -> usize;
    /// Moves to `pos` (only to an offset this reader has been at).
    fn set_pos(&mut self, pos: usize);
    /// Bytes left.
    fn remaining(&self) -> usize {
        self.buf().len() - self.pos()
    }

    /// Starts a struct (Compact saves the last field id); returns what
    /// [`ProtocolReader::struct_end`] restores.
    fn struct_begin(&mut self) -> i16;
    /// Ends a struct.
    fn struct_end(&mut self, saved: i16);
    /// Continues reading the fields of a struct whose last field header
    /// had id `last_id` (0: none yet), as when another reader read them
    /// (Compact: the base of the next header's delta).
    fn continue_struct(&mut self, last_id: i16);
    /// Reads a field header or the stop byte.
    fn field_header(&mut self) -> Result<FieldHeader, DecodeError>;
    /// Reads a bool element of a container (fields use their header's value in Compact).
    fn read_bool(&mut self) -> Result<bool, DecodeError>;
    /// Reads an `i8`.
    fn read_i8(&mut self) -> Result<i8, DecodeError>;
    /// Reads an `i16`.
    fn read_i16(&mut self) -> Result<i16, DecodeError>;
    /// Reads an `i32`.
    fn read_i32(&mut self) -> Result<i32, DecodeError>;
    /// Reads an `i64`.
    fn read_i64(&mut self) -> Result<i64, DecodeError>;
    /// Reads a `double`.
    fn read_double(&mut self) -> Result<f64, DecodeError>;
    /// Reads a `uuid`.
    fn read_uuid(&mut self) -> Result<[u8; 16], DecodeError> {
        let pos = self.pos();
        let bytes = self.buf().get(pos..pos + 16).ok_or_else(|| truncated(self.buf().len(), pos + 16))?;
        self.set_pos(pos + 16);
        Ok(bytes.try_into().expect("16 bytes"))
    }
    /// Reads a string/binary; returns its range in the input (bytes are
    /// aliased, not copied). The length is checked against what remains.
    fn read_bytes(&mut self) -> Result<std::ops::Range<usize>, DecodeError>;
    /// Reads a list or set header: (element type, count). The count is checked
    /// against what remains (count × the element's minimum size).
    fn list_header(&mut self) -> Result<(u8, usize), DecodeError>;
    /// Reads a map header: (key type, value type, count), checked like lists.
    fn map_header(&mut self) -> Result<(u8, u8, usize), DecodeError>;
    /// The fewest bytes a value of wire type `t` takes in this protocol.
    fn min_size(t: u8) -> usize;
    /// The size of every value of wire type `t` when it is fixed (as a
    /// container element), so arrays of them are skipped and copied in bulk.
    fn fixed_size(t: u8) -> Option<usize>;
    /// The next `len` bytes, as they are.
    #[inline]
    fn read_raw(&mut self, len: usize) -> Result<&'a [u8], DecodeError> {
        let pos = self.pos();
        let buf = self.buf();
        if len > buf.len() - pos {
            return Err(truncated(buf.len(), pos.saturating_add(len)));
        }
        self.set_pos(pos + len);
        Ok(&buf[pos..pos + len])
    }
}

/// Writes one protocol into a [`Sink`].
pub trait ProtocolWriter {
    /// Which protocol.
    const PROTOCOL: Protocol;
    /// Starts a struct; returns what [`ProtocolWriter::struct_end`] restores.
    fn struct_begin(&mut self) -> i16;
    /// Ends a struct (the caller writes the stop byte with [`ProtocolWriter::field_stop`]).
    fn struct_end(&mut self, saved: i16);
    /// A field header (for bool fields use [`ProtocolWriter::field_bool`]).
    fn field_header(&mut self, ttype: u8, id: i16);
    /// A whole bool field (Compact packs the value in the header).
    fn field_bool(&mut self, id: i16, value: bool);
    /// The stop byte.
    fn field_stop(&mut self);
    /// A bool element.
    fn write_bool(&mut self, v: bool);
    /// An `i8`.
    fn write_i8(&mut self, v: i8);
    /// An `i16`.
    fn write_i16(&mut self, v: i16);
    /// An `i32`.
    fn write_i32(&mut self, v: i32);
    /// An `i64`.
    fn write_i64(&mut self, v: i64);
    /// A `double`.
    fn write_double(&mut self, v: f64);
    /// A `uuid`.
    fn write_uuid(&mut self, v: &[u8; 16]);
    /// A string/binary (the caller checked the length fits an i32).
    fn write_bytes(&mut self, v: &[u8]);
    /// A list/set header.
    fn list_header(&mut self, elem: u8, count: usize);
    /// A map header.
    fn map_header(&mut self, key: u8, value: u8, count: usize);
    /// Raw bytes already in this protocol's encoding (unknown fields).
    fn write_raw(&mut self, bytes: &[u8]);
}

/// Where writers put bytes: a `Vec<u8>`, a `BytesMut`, or a [`Counter`] that
/// only counts (which is how `encoded_size` reuses the encoder).
pub trait Sink {
    /// Appends bytes.
    fn put(&mut self, bytes: &[u8]);
    /// Appends one byte.
    fn put_u8(&mut self, b: u8) {
        self.put(&[b]);
    }
}

impl Sink for Vec<u8> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
    #[inline]
    fn put_u8(&mut self, b: u8) {
        self.push(b);
    }
}

impl Sink for bytes::BytesMut {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// A [`Sink`] that counts bytes and stores none.
#[derive(Clone, Copy, Debug, Default)]
pub struct Counter(pub usize);

impl Sink for Counter {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.0 += bytes.len();
    }
    #[inline]
    fn put_u8(&mut self, _: u8) {
        self.0 += 1;
    }
}

/// The input ends at `offset`; what was being read needs `needed` bytes of input.
#[cold]
pub(crate) fn truncated(offset: usize, needed: usize) -> DecodeError {
    DecodeError::new(DecodeErrorKind::Truncated, offset).needing(needed)
}

/// Checks a container count against the bytes left: `count × min ≤ remaining`,
/// before anything is allocated for the elements.
///
/// A count the remaining bytes cannot hold is reported as `Truncated` (at the
/// container's header), like a string longer than the input: more bytes could
/// make it valid, and a reader of an unframed stream must be told to wait for
/// them rather than that the data is bad.
/// `pos` is where the elements start in an input of `len` bytes; the error
/// says how long the input must be for them to fit.
#[inline]
pub(crate) fn check_count(count: usize, min: usize, pos: usize, len: usize, offset: usize) -> Result<(), DecodeError> {
    let need = count.saturating_mul(min);
    if need > len - pos {
        return Err(DecodeError::with_detail(
            DecodeErrorKind::Truncated,
            offset,
            format!("{count} elements cannot fit in the {} bytes left", len - pos),
        )
        .needing(pos.saturating_add(need)));
    }
    Ok(())
}
