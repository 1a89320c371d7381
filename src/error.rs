//! Errors of the codecs: what broke, at which byte, in which field.
//!
//! A [`DecodeError`] carries the byte offset where decoding stopped and the
//! path of fields from the root to the failing one (`Insanity.xtructs[3].string_thing`),
//! built only on the error path: each level of the decoder adds its segment
//! as the error passes through, so the hot path pays nothing.

use std::fmt;

/// What kind of decode failure, for callers that branch on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The input ended in the middle of a value, or before the elements a
    /// container's count promises could fit.
    Truncated,
    /// A length or count is negative.
    NegativeLength,
    /// A length or count is larger than the protocol or a configured limit
    /// allows (counts beyond the remaining bytes are [`DecodeErrorKind::Truncated`]).
    SizeLimit,
    /// Structs and containers are nested deeper than the configured limit.
    DepthLimit,
    /// A wire type code that does not exist in the protocol.
    InvalidType,
    /// A malformed varint (more than 10 bytes, or overflowing its type).
    InvalidVarint,
    /// A required field is absent.
    MissingRequired,
    /// A union has more than one field set.
    UnionMultiple,
    /// A message envelope is malformed (bad version, bad message type).
    BadMessage,
    /// A value cannot be represented (e.g. a string that is not UTF-8 where text is required).
    InvalidData,
}

/// A decode failure: kind, byte offset, and the path to the failing field.
#[derive(Clone, PartialEq, Eq)]
pub struct DecodeError {
    kind: DecodeErrorKind,
    offset: usize,
    /// Segments from the innermost outwards (reversed when displayed).
    path: Vec<PathSegment>,
    detail: Option<Box<str>>,
    /// For `Truncated`: how long the input must be at least, when known.
    needed: Option<usize>,
}

/// One step of an error path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathSegment {
    /// A field of a struct: (struct name, field name).
    Field(Box<str>, Box<str>),
    /// An element of a list or set.
    Index(usize),
    /// A key or value of a map entry.
    MapEntry(usize),
}

impl DecodeError {
    /// A new error of `kind` at byte `offset`.
    #[cold]
    pub fn new(kind: DecodeErrorKind, offset: usize) -> Self {
        DecodeError { kind, offset, path: Vec::new(), detail: None, needed: None }
    }

    /// A new error with a message.
    #[cold]
    pub fn with_detail(kind: DecodeErrorKind, offset: usize, detail: impl Into<String>) -> Self {
        DecodeError { kind, offset, path: Vec::new(), detail: Some(detail.into().into_boxed_str()), needed: None }
    }

    /// Records, on a [`DecodeErrorKind::Truncated`] error, the input length
    /// that could hold what was being read (see [`DecodeError::needed`]).
    #[cold]
    pub fn needing(mut self, needed: usize) -> Self {
        self.needed = Some(needed);
        self
    }

    /// Adds the segment of an enclosing level (called as the error travels outwards).
    #[cold]
    pub fn within(mut self, segment: PathSegment) -> Self {
        self.path.push(segment);
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> DecodeErrorKind {
        self.kind
    }
    /// Byte offset in the input where decoding stopped.
    pub fn offset(&self) -> usize {
        self.offset
    }
    /// The path from the root to the failing field, outermost first.
    pub fn path(&self) -> impl Iterator<Item = &PathSegment> {
        self.path.iter().rev()
    }
    /// True when the input ended early (more bytes might make it valid).
    pub fn is_truncated(&self) -> bool {
        self.kind == DecodeErrorKind::Truncated
    }
    /// For a truncated input: a lower bound on the length (from the start of
    /// the input) it must have for the value being read to fit, when the
    /// reader knows one: past the end of a fixed-size value, a string's
    /// length, or a container's count times its elements' least size. A
    /// reader of an unframed stream can wait for that many bytes at once,
    /// and refuse a message that will exceed its limit before it arrives.
    pub fn needed(&self) -> Option<usize> {
        self.needed
    }

    /// The path as text: `Insanity.xtructs[3].string_thing`.
    pub fn path_string(&self) -> String {
        let mut s = String::new();
        for seg in self.path() {
            match seg {
                PathSegment::Field(st, f) => {
                    if s.is_empty() {
                        s.push_str(st);
                    }
                    s.push('.');
                    s.push_str(f);
                }
                PathSegment::Index(i) => s.push_str(&format!("[{i}]")),
                PathSegment::MapEntry(i) => s.push_str(&format!("{{entry {i}}}")),
            }
        }
        s
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            DecodeErrorKind::Truncated => "input ends in the middle of a value",
            DecodeErrorKind::NegativeLength => "negative length",
            DecodeErrorKind::SizeLimit => "length exceeds a limit",
            DecodeErrorKind::DepthLimit => "nesting deeper than the limit",
            DecodeErrorKind::InvalidType => "invalid wire type",
            DecodeErrorKind::InvalidVarint => "malformed varint",
            DecodeErrorKind::MissingRequired => "required field missing",
            DecodeErrorKind::UnionMultiple => "union has more than one field set",
            DecodeErrorKind::BadMessage => "malformed message envelope",
            DecodeErrorKind::InvalidData => "invalid data",
        };
        write!(f, "{what}")?;
        if let Some(d) = &self.detail {
            write!(f, ": {d}")?;
        }
        write!(f, " at byte {}", self.offset)?;
        if !self.path.is_empty() {
            write!(f, " in {}", self.path_string())?;
        }
        Ok(())
    }
}

impl fmt::Debug for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DecodeError({:?}: {self})", self.kind)
    }
}

impl std::error::Error for DecodeError {}

/// An encode failure: the value cannot be written as it stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncodeError {
    kind: EncodeErrorKind,
    message: Box<str>,
}

/// What kind of encode failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EncodeErrorKind {
    /// A required field is not set.
    MissingRequired,
    /// A union has more than one field set.
    UnionMultiple,
    /// A string, binary or container is longer than the protocol can express.
    TooLong,
    /// Nesting deeper than the limit.
    DepthLimit,
}

impl EncodeError {
    /// A new error.
    #[cold]
    pub fn new(kind: EncodeErrorKind, message: impl Into<String>) -> Self {
        EncodeError { kind, message: message.into().into_boxed_str() }
    }
    /// What went wrong.
    pub fn kind(&self) -> EncodeErrorKind {
        self.kind
    }
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for EncodeError {}
