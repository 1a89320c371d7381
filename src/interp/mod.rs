//! The interpreter: the reference codec, always available.
//!
//! It walks the same [`StructLayout`](crate::layout::StructLayout) tables the
//! JIT compiles, so the two can be compared byte for byte and error for error.
//! Code is written once over the protocol traits of [`crate::wire`] and
//! monomorphised per protocol: no dynamic dispatch in the loops. Per field it
//! reads the header, finds the field through a dense id table, checks the wire
//! type (a mismatch keeps the field as unknown, never misreads it), writes the
//! slot at its constant offset and accumulates the presence bit in a register.
//! Lists of scalars and strings are read and written with the dispatch on the
//! element kind hoisted out of the loop; in Binary, fixed-width elements are
//! bounds-checked once per list and skipped without being looked at.

mod decode;
mod encode;
mod flat;
mod transcode;

use std::marker::PhantomData;
use std::sync::Arc;

use bytes::Bytes;

use crate::error::{DecodeError, EncodeError};
use crate::layout::Layouts;
use crate::schema::StructId;
use crate::value::{Arena, Message, StructRef, new_block};
use crate::wire::{
    BinaryReader, BinaryWriter, CompactReader, CompactWriter, Counter, DEFAULT_MAX_DEPTH, Protocol, ProtocolReader,
    Sink, ttype,
};

pub(crate) use decode::Decoder;
pub(crate) use encode::Encoder;

/// Options of a decode.
#[derive(Clone, Debug)]
pub struct DecodeOptions {
    /// Deepest nesting of structs and containers accepted
    /// ([`DEFAULT_MAX_DEPTH`] by default).
    pub max_depth: u32,
    /// Copy strings and binaries into the arena instead of aliasing the input.
    pub copy_strings: bool,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions { max_depth: DEFAULT_MAX_DEPTH, copy_strings: false }
    }
}

/// First arena chunk for an input of `len` bytes: decoded blocks are rarely
/// more than twice the wire size, so one chunk usually serves a whole decode.
fn arena_for(len: usize, root_size: usize) -> Arena {
    Arena::with_capacity(len * 2 + root_size + 64)
}

/// Decodes one struct of type `ty` from the start of `input`; strings alias
/// `input`, which the message keeps alive. Returns the message and the bytes
/// consumed.
///
/// # Errors
/// A [`DecodeError`] with the offset and field path: truncated input, bad
/// lengths, limits, missing required fields, unions with several fields.
pub fn decode_prefix(
    layouts: &Arc<Layouts>,
    ty: StructId,
    protocol: Protocol,
    input: &Bytes,
    options: &DecodeOptions,
) -> Result<(Message, usize), DecodeError> {
    match protocol {
        Protocol::Binary => decode_with::<BinaryReader<'_>>(layouts, ty, input, options),
        Protocol::Compact => decode_with::<CompactReader<'_>>(layouts, ty, input, options),
    }
}

/// Decodes one struct of type `ty` from `input` (trailing bytes are ignored,
/// as Thrift readers do; see [`decode_prefix`] for the length consumed).
///
/// # Errors
/// As [`decode_prefix`].
pub fn decode(
    layouts: &Arc<Layouts>,
    ty: StructId,
    protocol: Protocol,
    input: &Bytes,
    options: &DecodeOptions,
) -> Result<Message, DecodeError> {
    decode_prefix(layouts, ty, protocol, input, options).map(|(m, _)| m)
}

fn decode_with<'a, R: ProtocolReader<'a>>(
    layouts: &Arc<Layouts>,
    ty: StructId,
    input: &'a Bytes,
    options: &DecodeOptions,
) -> Result<(Message, usize), DecodeError> {
    let layout = layouts.get(ty);
    let mut arena = arena_for(input.len(), layout.size);
    let root = new_block(&mut arena, layout);
    let mut d = Decoder {
        r: R::new(input),
        arena: &mut arena,
        layouts,
        copy_strings: options.copy_strings,
        reserved: 0,

        _input: PhantomData,
    };
    d.decode_struct(layout, root, options.max_depth)?;
    let consumed = d.r.pos();
    let keep = if options.copy_strings { None } else { Some(input.clone()) };
    // SAFETY: the decoder wrote `root` completely following the layouts, in
    // `arena`, with strings aliasing `input` (kept) or copied into `arena`.
    let message = unsafe { Message::from_parts(layouts.clone(), ty, root, arena, keep) };
    Ok((message, consumed))
}

/// Encodes a message into `out`.
///
/// # Errors
/// An [`EncodeError`]: a required field unset, a union with several fields,
/// a value too long for the protocol.
pub fn encode<S: Sink>(message: &StructRef<'_>, protocol: Protocol, out: &mut S) -> Result<(), EncodeError> {
    let layouts = message.layouts_ref();
    let layout = message.layout();
    match protocol {
        Protocol::Binary => {
            Encoder { w: BinaryWriter::new(out), layouts }.encode_struct(layout, message.ptr(), DEFAULT_MAX_DEPTH)
        }
        Protocol::Compact => {
            Encoder { w: CompactWriter::new(out), layouts }.encode_struct(layout, message.ptr(), DEFAULT_MAX_DEPTH)
        }
    }
}

/// Encodes a message into a new `Vec<u8>` sized exactly.
///
/// # Errors
/// As [`encode`].
pub fn encode_to_vec(message: &StructRef<'_>, protocol: Protocol) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::with_capacity(encoded_size(message, protocol)?);
    encode(message, protocol, &mut out)?;
    Ok(out)
}

/// The number of bytes [`encode`] writes.
///
/// # Errors
/// As [`encode`].
pub fn encoded_size(message: &StructRef<'_>, protocol: Protocol) -> Result<usize, EncodeError> {
    let mut counter = Counter(0);
    encode(message, protocol, &mut counter)?;
    Ok(counter.0)
}

/// Skips one struct at the start of `buf`; returns its length in bytes.
///
/// # Errors
/// Truncated or malformed input, or nesting deeper than `max_depth`.
pub fn skip_struct(protocol: Protocol, buf: &[u8], max_depth: u32) -> Result<usize, DecodeError> {
    fn go<'a, R: ProtocolReader<'a>>(buf: &'a [u8], depth: u32) -> Result<usize, DecodeError> {
        let mut r = R::new(buf);
        crate::wire::skip(&mut r, ttype::STRUCT, depth.saturating_add(1))?;
        Ok(r.pos())
    }
    match protocol {
        Protocol::Binary => go::<BinaryReader<'_>>(buf, max_depth),
        Protocol::Compact => go::<CompactReader<'_>>(buf, max_depth),
    }
}
