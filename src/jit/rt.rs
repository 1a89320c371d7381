//! What compiled code sees at run time: the `#[repr(C)]` contexts passed to
//! every generated function, and the `extern "C"` helpers it calls for slow
//! paths (allocation, unknown fields, fields the JIT leaves to the
//! interpreter, buffer growth). Helpers never unwind: each catches panics
//! and returns a status code.
//!
//! One helper table serves both protocols: a helper that reads or writes
//! through the interpreter looks at the context's `protocol` and runs the
//! matching reader or writer (generic inner functions, monomorphised once
//! per protocol).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::interp::{Decoder, Encoder};
use crate::layout::{Layouts, UnknownField, ValueKind};
use crate::schema::StructId;
use crate::value::{Arena, new_block};
use crate::wire::{
    BinaryReader, BinaryWriter, CompactReader, CompactWriter, Counter, FieldHeader, Protocol, ProtocolReader,
    ProtocolWriter, compact_field_type,
};

use super::decode::{DispatchInfo, Sighting};

/// Status returned by generated functions and helpers: success.
pub const OK: i32 = 0;
/// Status of `field_interp`: an element type inside the field does not match
/// the IDL; the caller keeps the field as unknown.
pub const MISMATCH: i32 = 1;
/// Status: decoding or encoding failed; the driver asks the interpreter
/// for the exact error.
pub const ERROR: i32 = 2;

/// The value of a context's `protocol` field for `p`.
pub const fn protocol_code(p: Protocol) -> u64 {
    match p {
        Protocol::Binary => 0,
        Protocol::Compact => 1,
    }
}

/// The protocol a context's `protocol` field names.
fn protocol_of(code: u64) -> Protocol {
    if code == protocol_code(Protocol::Compact) { Protocol::Compact } else { Protocol::Binary }
}

/// The context of a decode, shared by every generated decode function of
/// one call. Offsets are read by generated code: keep its offset constants (`DecodeCtx::BUF`, …)
/// in sync.
#[repr(C)]
pub struct DecodeCtx {
    /// Start of the input.
    pub buf: *const u8,
    /// Length of the input.
    pub len: usize,
    /// Current offset (written back before every call out of generated code).
    pub pos: usize,
    /// The arena blocks are allocated from.
    pub arena: *mut Arena,
    /// The layouts of the schema.
    pub layouts: *const Layouts,
    /// Decode functions by struct id.
    pub fns: *const *const u8,
    /// Bytes the lists and maps being decoded still need for their later
    /// elements, as the interpreter's `Decoder::reserved`: generated code
    /// checks counts against the bytes left minus these, and sets them
    /// around each struct element of a list and each key and value of a map
    /// of structs; helpers start their decoder from it.
    pub reserved: usize,
    /// Where [`Helpers::dispatch`] tells the decoder to continue (an index
    /// of its jump table, see there).
    pub resume: u32,
    /// Always 0: what the decoder's fast path reads as a field header when
    /// the input is too short for its bounds check (no header is 0).
    pub zeros: u64,
    /// Set by the dispatch helper when a type's structs keep arriving in
    /// Kitex's order (see `KITEX_SIGHTINGS`): the JIT then compiles
    /// Kitex-order decoders after the decode (read by helpers only). Null
    /// when the JIT's expected order is fixed.
    pub(crate) reorder: *const AtomicBool,
    /// The protocol being decoded ([`protocol_code`]); `fns` holds that
    /// protocol's decoders, and helpers read with that protocol's reader.
    pub protocol: u64,
}

/// The most bytes one run of the Binary decoder's expected path covers: the
/// length of [`RUN_ZEROS`]. A run is a struct's consecutive fixed-size fields
/// and the header after them; 256 bytes hold 23 `i64` fields, and a longer
/// run is split in two, at the cost of one more branch.
pub(crate) const RUN_MAX: usize = 256;

/// What the Binary decoder reads a run's headers from when the input is
/// shorter than the run: a header's type byte is never 0, so none matches.
pub(crate) static RUN_ZEROS: [u8; RUN_MAX] = [0; RUN_MAX];

impl DecodeCtx {
    pub(crate) const BUF: i32 = 0;
    pub(crate) const LEN: i32 = 8;
    pub(crate) const POS: i32 = 16;
    pub(crate) const FNS: i32 = 40;
    pub(crate) const RESERVED: i32 = 48;
    pub(crate) const RESUME: i32 = 56;
    pub(crate) const ZEROS: i32 = 64;
}

/// The context of an encode.
#[repr(C)]
pub struct EncodeCtx {
    /// Start of the output buffer (the `Vec`'s, updated after growth).
    pub buf: *mut u8,
    /// Bytes written so far (the `Vec`'s length is set from it at the end).
    pub pos: usize,
    /// Capacity of the buffer.
    pub cap: usize,
    /// The `Vec` being written.
    pub vec: *mut Vec<u8>,
    /// The layouts of the schema.
    pub layouts: *const Layouts,
    /// Encode functions by struct id.
    pub fns: *const *const u8,
    /// The protocol being encoded ([`protocol_code`]); `fns` holds that
    /// protocol's encoders, and helpers write with that protocol's writer.
    pub protocol: u64,
    /// Compact: the id of the last field header written in the current
    /// struct (sign-extended), stored by generated code before it calls a
    /// helper that writes field headers, so their deltas continue from it.
    pub last_id: i64,
    /// 1 when a sizer runs (`buf`, `cap` and `vec` unused): helpers count
    /// the bytes they would write into `pos` instead of writing them.
    pub measure: u64,
}

impl EncodeCtx {
    pub(crate) const BUF: i32 = 0;
    pub(crate) const POS: i32 = 8;
    pub(crate) const CAP: i32 = 16;
    pub(crate) const FNS: i32 = 40;
    pub(crate) const LAST_ID: i32 = 56;
}

/// The helpers generated code calls: the addresses of this table are
/// constants of the code (`helper_address`; no symbol lookup, no
/// relocations: the same IR compiles for any target).
#[repr(C)]
pub struct Helpers {
    /// `(ctx, struct_id) -> block`: a new block with the type's template.
    pub new_block: extern "C" fn(*mut DecodeCtx, u64) -> *mut u8,
    /// `(ctx, bytes) -> ptr`: arena memory.
    pub alloc: extern "C" fn(*mut DecodeCtx, u64) -> *mut u8,
    /// `(ctx, block, struct_id, type, id, depth) -> status`: skip and keep an
    /// unknown field at `ctx.pos`. `type` is the type code as the protocol
    /// writes it (Compact: the header's nibble, which holds a bool field's value).
    pub unknown: extern "C" fn(*mut DecodeCtx, *mut u8, u64, u64, u64, u64) -> i32,
    /// `(ctx, block, struct_id, field_index, depth) -> status`: the interpreter decodes one field's value.
    pub field_interp: extern "C" fn(*mut DecodeCtx, *mut u8, u64, u64, u64) -> i32,
    /// `(ctx, block, struct_id) -> status`: union check, defaults, required fields.
    pub struct_end: extern "C" fn(*mut DecodeCtx, *mut u8, u64) -> i32,
    /// `(ctx, additional) -> status`: grow the output for `additional` more bytes.
    pub grow: extern "C" fn(*mut EncodeCtx, u64) -> i32,
    /// `(dst, src, len) -> dst`: the C library's `memcpy`, called directly
    /// (a wrapper is a second call per string: it took 2.5 % of the time of
    /// the large payload's encode). Generated code calls it only on ranges
    /// it checked (the output's capacity, a string of the message), which
    /// never overlap.
    pub memcpy: unsafe extern "C" fn(*mut u8, *const u8, usize) -> *mut u8,
    /// `(ctx, block, struct_id, field_index, depth) -> status`: the interpreter encodes one field (header and value).
    pub enc_field_interp: extern "C" fn(*mut EncodeCtx, *mut u8, u64, u64, u64) -> i32,
    /// `(ctx, block, struct_id, depth) -> status`: write the unknown fields of a block.
    pub enc_unknown: extern "C" fn(*mut EncodeCtx, *mut u8, u64, u64) -> i32,
    /// `(dst, src, count, conv)`: converts an array of fixed-width scalars
    /// between the wire and memory, either way (a conversion code of the `conv` module). The caller checked
    /// both ranges (the count check on decode, the capacity check on encode).
    pub scalars: extern "C" fn(*mut u8, *const u8, u64, u64),
    /// `(ctx, dst, count, width) -> status`: reads `count` Compact zigzag
    /// varints at `ctx.pos` into an array of `width`-byte integers, with the
    /// interpreter's reader (its bounds and range checks), and moves `ctx.pos`.
    pub varints_in: extern "C" fn(*mut DecodeCtx, *mut u8, u64, u64) -> i32,
    /// `(dst, src, count, width) -> bytes`: writes an array of `width`-byte
    /// integers as Compact zigzag varints at `dst` (capacity for the largest
    /// encoding checked by the caller); returns the bytes written.
    pub varints_out: extern "C" fn(*mut u8, *const u8, u64, u64) -> u64,
    /// `(dst, src, count, width) -> bytes`: what `varints_out` would write
    /// (`dst` unused), for sizers.
    pub varints_size: extern "C" fn(*mut u8, *const u8, u64, u64) -> u64,
    /// `(ctx, block, info, k, depth) -> status`: the decoder's path off its
    /// expected one, which it left at position `k` of its expected order
    /// (`k` = the field count: at the stop byte); `info` is the address of
    /// the decoder's `DispatchInfo`, which says that order. Marks the fields
    /// the expected path read since its segment started present
    /// (`DispatchInfo::starts`), then reads field headers at `pos` (the last
    /// one read was the field at position `k - 1`, or none when `k` is 0:
    /// the base of a Compact delta), keeping unknown fields and
    /// reading scalar and string fields the interpreter's way, until the
    /// stop byte or a field the decoder reads in a block of its own
    /// (`DispatchInfo::reads`), which it leaves past its header. Sets
    /// `ctx.resume` to that field's rank among the fields with a block of
    /// their own, or to their count after the stop byte
    /// (`DispatchInfo::resume`: the decoder's jump table has no entry for
    /// the other fields).
    pub dispatch: extern "C" fn(*mut DecodeCtx, *mut u8, u64, u64, u64) -> i32,
}

impl Helpers {
    pub(crate) const NEW_BLOCK: i32 = 0;
    pub(crate) const ALLOC: i32 = 8;
    pub(crate) const UNKNOWN: i32 = 16;
    pub(crate) const FIELD_INTERP: i32 = 24;
    pub(crate) const STRUCT_END: i32 = 32;
    pub(crate) const GROW: i32 = 40;
    pub(crate) const MEMCPY: i32 = 48;
    pub(crate) const ENC_FIELD_INTERP: i32 = 56;
    pub(crate) const ENC_UNKNOWN: i32 = 64;
    pub(crate) const SCALARS: i32 = 72;
    pub(crate) const VARINTS_IN: i32 = 80;
    pub(crate) const VARINTS_OUT: i32 = 88;
    pub(crate) const VARINTS_SIZE: i32 = 96;
    pub(crate) const DISPATCH: i32 = 104;
}

/// How [`Helpers::scalars`] converts each element. Every conversion is its
/// own inverse or has a named counterpart, so decode and encode share them.
pub(crate) mod conv {
    /// Bytes as they are (`i8`).
    pub const COPY: u64 = 0;
    /// Binary bools, either way: any byte other than 0 is true, written 1.
    pub const BOOL: u64 = 1;
    /// Compact bool elements read: only 1 is true (as `CompactReader::read_bool`).
    pub const COMPACT_BOOL_IN: u64 = 2;
    /// Compact bool elements written: 1 true, 2 false.
    pub const COMPACT_BOOL_OUT: u64 = 3;
    /// Big-endian 16-bit integers, either way.
    pub const BE16: u64 = 4;
    /// Big-endian 32-bit integers (and enums), either way.
    pub const BE32: u64 = 5;
    /// Big-endian 64-bit integers and doubles, either way.
    pub const BE64: u64 = 6;
    /// Little-endian 64-bit doubles (Compact), either way.
    pub const LE64: u64 = 7;
}

/// The address of the helper at `offset` of [`HELPERS`] (one of the
/// `Helpers::` offsets), which generated code calls as a constant.
pub(crate) fn helper_address(offset: i32) -> usize {
    let fields = size_of::<Helpers>() / size_of::<usize>();
    assert!(offset >= 0 && offset % 8 == 0 && (offset as usize / 8) < fields, "a helper offset: {offset}");
    // SAFETY: `Helpers` is `repr(C)` and holds only function pointers, one
    // word each (offsets checked against `offset_of!` in the tests), so the
    // word at `offset` (checked above) is one of them.
    unsafe { *((&HELPERS as *const Helpers as *const u8).add(offset as usize) as *const usize) }
}

/// The one helper table.
pub static HELPERS: Helpers = Helpers {
    new_block: h_new_block,
    alloc: h_alloc,
    unknown: h_unknown,
    field_interp: h_field_interp,
    struct_end: h_struct_end,
    grow: h_grow,
    memcpy,
    enc_field_interp: h_enc_field_interp,
    enc_unknown: h_enc_unknown,
    scalars: h_scalars,
    varints_in: h_varints_in,
    varints_out: h_varints_out,
    varints_size: h_varints_size,
    dispatch: h_dispatch,
};

/// Runs `f`, turning a panic into [`ERROR`] (a panic must not cross `extern "C"`).
fn guarded(f: impl FnOnce() -> i32) -> i32 {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(ERROR)
}

/// A decoder positioned at `ctx.pos`, reading with `R`.
///
/// # Safety
/// `ctx` must be a live context of a running decode: `buf..buf+len` is the
/// input, `arena` and `layouts` are valid and not otherwise borrowed.
unsafe fn decoder<'c, R: ProtocolReader<'c>>(ctx: *mut DecodeCtx) -> Decoder<'c, 'c, R> {
    // SAFETY: the caller guarantees the context is live and exclusive.
    unsafe {
        let c = &*ctx;
        let buf = std::slice::from_raw_parts(c.buf, c.len);
        let mut r = R::new(buf);
        r.set_pos(c.pos);
        Decoder {
            r,
            arena: &mut *c.arena,
            layouts: &*c.layouts,
            // Generated code aliases strings (into a copy of the input when
            // the caller asked for copies), and so do helpers.
            copy_strings: false,
            // What the enclosing containers promise their later elements, as
            // generated code tracks it: a helper checks nested counts as
            // the interpreter would at this point.
            reserved: c.reserved,
            _input: std::marker::PhantomData,
        }
    }
}

/// Runs `f` with a decoder of the context's protocol at `ctx.pos`, under
/// [`guarded`]; on success stores the decoder's position back.
///
/// # Safety
/// As [`decoder`].
unsafe fn with_decoder(ctx: *mut DecodeCtx, f: impl ReadWith) -> i32 {
    guarded(|| {
        // SAFETY: the caller guarantees the context is live and exclusive.
        unsafe {
            match protocol_of((*ctx).protocol) {
                Protocol::Binary => f.run(ctx, decoder::<BinaryReader<'_>>(ctx)),
                Protocol::Compact => f.run(ctx, decoder::<CompactReader<'_>>(ctx)),
            }
        }
    })
}

/// The body of a decode helper, generic over the protocol's reader (a
/// closure cannot be generic, hence a trait).
trait ReadWith {
    /// Runs with `d`; returns a status, storing `d`'s position in `ctx` on success.
    ///
    /// # Safety
    /// `ctx` is the live context `d` was made from.
    unsafe fn run<'c, R: ProtocolReader<'c>>(self, ctx: *mut DecodeCtx, d: Decoder<'c, 'c, R>) -> i32;
}

extern "C" fn h_new_block(ctx: *mut DecodeCtx, id: u64) -> *mut u8 {
    // SAFETY: generated code passes its live context and a valid struct id
    // (a constant from the layouts). Allocation does not panic except on OOM,
    // which aborts anyway.
    unsafe {
        let c = &*ctx;
        new_block(&mut *c.arena, (*c.layouts).get(StructId(id as u32))).as_ptr()
    }
}

extern "C" fn h_alloc(ctx: *mut DecodeCtx, bytes: u64) -> *mut u8 {
    // SAFETY: the context is live; `bytes` was checked against the input's length.
    unsafe { (*(*ctx).arena).alloc(bytes as usize).as_ptr() }
}

/// The last record of the unknown-field list of `block` (null when empty):
/// a rare path, and the lists are short.
///
/// # Safety
/// `block` is a live block of `layout`'s type.
unsafe fn unknown_tail(layout: &crate::layout::StructLayout, block: *mut u8) -> *mut UnknownField {
    // SAFETY: the caller guarantees `block` is a block of `layout`, whose
    // unknown list holds records of this arena (or null).
    unsafe {
        let mut tail: *mut UnknownField = *(block.add(layout.unknown_offset) as *mut *mut UnknownField);
        while !tail.is_null() && !(*tail).next.is_null() {
            tail = (*tail).next as *mut UnknownField;
        }
        tail
    }
}

extern "C" fn h_unknown(ctx: *mut DecodeCtx, block: *mut u8, id: u64, t: u64, field: u64, depth: u64) -> i32 {
    struct Unknown {
        block: *mut u8,
        id: u64,
        t: u64,
        field: u64,
        depth: u64,
    }
    impl ReadWith for Unknown {
        unsafe fn run<'c, R: ProtocolReader<'c>>(self, ctx: *mut DecodeCtx, mut d: Decoder<'c, 'c, R>) -> i32 {
            // The header as the interpreter's reader would have returned it.
            let h = match R::PROTOCOL {
                Protocol::Binary => FieldHeader { ttype: self.t as u8, id: self.field as i16, bool_value: None },
                Protocol::Compact => {
                    // An invalid nibble is an error, as in `CompactReader::field_header`.
                    let Some((ttype, bool_value)) = compact_field_type(self.t as u8) else { return ERROR };
                    FieldHeader { ttype, id: self.field as i16, bool_value }
                }
            };
            // SAFETY: the context is live; `block` is a block of type `id`.
            unsafe {
                let layout = (*(*ctx).layouts).get(StructId(self.id as u32));
                let block = NonNull::new_unchecked(self.block);
                let mut tail = unknown_tail(layout, self.block);
                match d.keep_unknown(layout, block, &mut tail, h, self.depth as u32) {
                    Ok(()) => {
                        (*ctx).pos = d.r.pos();
                        OK
                    }
                    Err(_) => ERROR,
                }
            }
        }
    }
    // SAFETY: generated code passes its live context and a block of type `id`.
    unsafe { with_decoder(ctx, Unknown { block, id, t, field, depth }) }
}

extern "C" fn h_field_interp(ctx: *mut DecodeCtx, block: *mut u8, id: u64, index: u64, depth: u64) -> i32 {
    struct FieldInterp {
        block: *mut u8,
        id: u64,
        index: u64,
        depth: u64,
    }
    impl ReadWith for FieldInterp {
        unsafe fn run<'c, R: ProtocolReader<'c>>(self, ctx: *mut DecodeCtx, mut d: Decoder<'c, 'c, R>) -> i32 {
            // SAFETY: the context is live; `block` is a block of type `id`
            // and `index` one of its fields.
            unsafe {
                let f = &(*(*ctx).layouts).get(StructId(self.id as u32)).fields[self.index as usize];
                let slot = NonNull::new_unchecked(self.block.add(f.offset));
                match d.read_elem(&f.kind, slot, self.depth as u32) {
                    Ok(true) => {
                        (*ctx).pos = d.r.pos();
                        OK
                    }
                    Ok(false) => MISMATCH,
                    Err(_) => ERROR,
                }
            }
        }
    }
    // SAFETY: generated code passes its live context, a block of type `id`
    // and one of its field indexes.
    unsafe { with_decoder(ctx, FieldInterp { block, id, index, depth }) }
}

extern "C" fn h_dispatch(ctx: *mut DecodeCtx, block: *mut u8, info: u64, k: u64, depth: u64) -> i32 {
    struct Dispatch<'s> {
        block: *mut u8,
        info: *const DispatchInfo,
        k: u64,
        depth: u64,
        /// Binary: what [`binary_dispatch`] saw before it left the rest to this path.
        sighting: Option<Sighting<'s>>,
    }
    impl ReadWith for Dispatch<'_> {
        unsafe fn run<'c, R: ProtocolReader<'c>>(self, ctx: *mut DecodeCtx, mut d: Decoder<'c, 'c, R>) -> i32 {
            // SAFETY: the context is live; `info` is the dispatch table of the
            // calling decoder (owned by its JIT, which outlives the call),
            // `block` a block of its type and `k` a position of its expected
            // path, at most the field count (a constant of the decoder);
            // `ctx.reorder` is only written through when not null (`watch`),
            // and then points at the JIT's flag.
            unsafe {
                let info = &*self.info;
                let layouts = &*(*ctx).layouts;
                let layout = layouts.get(info.id);
                let n = layout.fields.len();
                let k = self.k as usize;
                let base = self.block;
                let field = |p: usize| &layout.fields[info.order[p] as usize];
                for p in info.starts[k] as usize..k {
                    let f = field(p);
                    *(base.add(f.presence_offset()) as *mut u64) |= f.presence_mask();
                }
                d.r.continue_struct(if k == 0 { 0 } else { field(k - 1).id });
                let mut tail: *mut UnknownField = std::ptr::null_mut();
                // Fields in Kitex's order (see `KITEX_SIGHTINGS`): Binary, adaptive
                // JITs only (watched from `binary_dispatch` on).
                let mut sighting = self.sighting;
                loop {
                    let Ok(h) = d.r.field_header() else { return ERROR };
                    let seen = match (&mut sighting, layout.field_index(h.id)) {
                        (Some(s), Some(j)) => s.sighted(j),
                        _ => None,
                    };
                    if let Some(kitex) = seen {
                        sighting = None;
                        if kitex && info.kitex_sightings.fetch_add(1, Ordering::Relaxed) + 1 == super::KITEX_SIGHTINGS {
                            (*(*ctx).reorder).store(true, Ordering::Relaxed);
                        }
                    }
                    if h.ttype == crate::wire::ttype::STOP {
                        (*ctx).pos = d.r.pos();
                        (*ctx).resume = info.resume[n];
                        return OK;
                    }
                    if let Some(j) = layout.field_index(h.id) {
                        let f = &layout.fields[j];
                        if f.ttype == h.ttype {
                            let p = info.position[j] as usize;
                            if info.reads[p] {
                                (*ctx).pos = d.r.pos();
                                (*ctx).resume = info.resume[p];
                                return OK;
                            }
                            let start = d.r.pos();
                            let slot = NonNull::new_unchecked(base.add(f.offset));
                            match d.read_value(&f.kind, h, slot, self.depth as u32) {
                                Ok(true) => {
                                    *(base.add(f.presence_offset()) as *mut u64) |= f.presence_mask();
                                    continue;
                                }
                                Ok(false) => d.r.set_pos(start),
                                Err(_) => return ERROR,
                            }
                        }
                    }
                    if tail.is_null() {
                        tail = unknown_tail(layout, base);
                    }
                    let block = NonNull::new_unchecked(base);
                    if d.keep_unknown(layout, block, &mut tail, h, self.depth as u32).is_err() {
                        return ERROR;
                    }
                }
            }
        }
    }
    // SAFETY: generated code passes its live context, the address of its
    // dispatch table (a constant of its code, owned by its JIT, which
    // outlives the call), a block of its type and a position of its
    // expected path (or the field count).
    unsafe {
        let info = &*(info as usize as *const DispatchInfo);
        let mut sighting = None;
        if protocol_of((*ctx).protocol) == Protocol::Binary {
            // Fields in Kitex's order (see `KITEX_SIGHTINGS`): adaptive JITs only.
            sighting = if (*ctx).reorder.is_null() { None } else { Sighting::new(info) };
            if let Some(status) = binary_dispatch(ctx, block, info, k as usize, &mut sighting) {
                return status;
            }
        }
        with_decoder(ctx, Dispatch { block, info, k, depth, sighting })
    }
}

/// The dispatch helper's Binary fast path, for structs that leave the
/// expected path because fields are missing or out of order: the fields
/// that have no read block of their own in the decoder (fixed-size scalars
/// and strings, which its runs read) are read here, in a loop over the
/// input, without a decoder; a field with a read block, and the stop byte,
/// end the helper as on its general path. A status when it ended the
/// helper; `None` leaves the rest, from the header at `ctx.pos` on, to the
/// general path (unknown fields, type mismatches, bad or short input:
/// everything but the common case), which reads that header again.
///
/// # Safety
/// As [`h_dispatch`]: `ctx` is live, `base` a block of `info`'s type, and
/// `k` at most its field count.
unsafe fn binary_dispatch<'s>(
    ctx: *mut DecodeCtx,
    base: *mut u8,
    info: &'s DispatchInfo,
    k: usize,
    sighting: &mut Option<Sighting<'s>>,
) -> Option<i32> {
    // SAFETY: the caller's guarantees; the input is `len` bytes at `buf`; every
    // slot written is a scalar slot of a field of this block's type, and every
    // presence word one of its words.
    unsafe {
        use crate::wire::ttype::STOP;
        let c = &mut *ctx;
        let layout = (*c.layouts).get(info.id);
        let input = std::slice::from_raw_parts(c.buf, c.len);
        let field = |p: usize| &layout.fields[info.order[p] as usize];
        for p in info.starts[k] as usize..k {
            let f = field(p);
            *(base.add(f.presence_offset()) as *mut u64) |= f.presence_mask();
        }
        let mut pos = c.pos;
        loop {
            let &t = input.get(pos)?;
            if t == STOP {
                // As the general path: the stop byte's id is 0.
                if let Some(j) = layout.field_index(0) {
                    sight(info, c, sighting, j);
                }
                c.pos = pos + 1;
                c.resume = info.resume[layout.fields.len()];
                return Some(OK);
            }
            let &[hi, lo] = input.get(pos + 1..pos + 3)? else { return None };
            let j = layout.field_index(i16::from_be_bytes([hi, lo]))?;
            sight(info, c, sighting, j);
            let f = &layout.fields[j];
            if f.ttype != t {
                return None;
            }
            let p = info.position[j] as usize;
            let value = pos + 3;
            if info.reads[p] {
                c.pos = value;
                c.resume = info.resume[p];
                return Some(OK);
            }
            // Big-endian on the wire, native in the slot.
            let rest = &input[value..];
            let slot = base.add(f.offset);
            let n = match f.kind {
                ValueKind::Bool => {
                    *slot = u8::from(*rest.first()? != 0);
                    1
                }
                ValueKind::I8 => {
                    *slot = *rest.first()?;
                    1
                }
                ValueKind::I16 => {
                    std::ptr::write_unaligned(slot as *mut i16, i16::from_be_bytes(*rest.first_chunk()?));
                    2
                }
                ValueKind::I32 | ValueKind::Enum(_) => {
                    std::ptr::write_unaligned(slot as *mut i32, i32::from_be_bytes(*rest.first_chunk()?));
                    4
                }
                ValueKind::I64 | ValueKind::Double => {
                    std::ptr::write_unaligned(slot as *mut u64, u64::from_be_bytes(*rest.first_chunk()?));
                    8
                }
                ValueKind::String | ValueKind::Binary => {
                    // Aliased in the input, as the compiled code does.
                    let len = usize::try_from(i32::from_be_bytes(*rest.first_chunk()?)).ok()?;
                    let bytes = rest.get(4..4 + len)?;
                    std::ptr::write_unaligned(slot as *mut *const u8, bytes.as_ptr());
                    std::ptr::write_unaligned(slot.add(8) as *mut usize, len);
                    4 + len
                }
                _ => return None,
            };
            *(base.add(f.presence_offset()) as *mut u64) |= f.presence_mask();
            pos = value + n;
            c.pos = pos;
        }
    }
}

/// The dispatch helper read a header with the id of field `j`: watches for
/// Kitex's order (see `KITEX_SIGHTINGS`) while `sighting` still can tell.
fn sight<'s>(info: &'s DispatchInfo, c: &DecodeCtx, sighting: &mut Option<Sighting<'s>>, j: usize) {
    if let Some(s) = sighting.as_mut()
        && let Some(kitex) = s.sighted(j)
    {
        *sighting = None;
        if kitex && info.kitex_sightings.fetch_add(1, Ordering::Relaxed) + 1 == super::KITEX_SIGHTINGS {
            // SAFETY: a sighting is only made when the context's `reorder` is
            // not null, and then it points at the JIT's flag.
            unsafe { (*c.reorder).store(true, Ordering::Relaxed) };
        }
    }
}

extern "C" fn h_struct_end(ctx: *mut DecodeCtx, block: *mut u8, id: u64) -> i32 {
    struct StructEnd {
        block: *mut u8,
        id: u64,
    }
    impl ReadWith for StructEnd {
        unsafe fn run<'c, R: ProtocolReader<'c>>(self, ctx: *mut DecodeCtx, mut d: Decoder<'c, 'c, R>) -> i32 {
            // SAFETY: the context is live; `block` is a block of type `id`
            // whose fields were all read.
            unsafe {
                let layout = (*(*ctx).layouts).get(StructId(self.id as u32));
                match d.finish_struct(layout, NonNull::new_unchecked(self.block)) {
                    Ok(()) => OK,
                    Err(_) => ERROR,
                }
            }
        }
    }
    // SAFETY: generated code passes its live context and a block of type `id`.
    unsafe { with_decoder(ctx, StructEnd { block, id }) }
}

extern "C" fn h_grow(ctx: *mut EncodeCtx, additional: u64) -> i32 {
    guarded(|| {
        // SAFETY: the context is live and `vec` is the output being written;
        // `pos` bytes of it are initialised, so its length can be set to `pos`
        // before reserving (which may move the buffer).
        unsafe {
            let c = &mut *ctx;
            let v = &mut *c.vec;
            v.set_len(c.pos);
            // No memory for it fails the encode (the interpreter then tries), not the process.
            if v.try_reserve(additional as usize).is_err() {
                return ERROR;
            }
            c.buf = v.as_mut_ptr();
            c.cap = v.capacity();
            OK
        }
    })
}

unsafe extern "C" {
    /// The C library's `memcpy` (the symbol `std::ptr::copy_nonoverlapping` compiles to).
    fn memcpy(dst: *mut u8, src: *const u8, len: usize) -> *mut u8;
}

/// Runs `f` with an encoder of the context's protocol appending to the
/// output `Vec` at its current position (a Compact writer continues the
/// field-id deltas from `ctx.last_id`), then refreshes the context from it.
///
/// # Safety
/// `ctx` must be a live encode context.
unsafe fn with_encoder(ctx: *mut EncodeCtx, f: impl WriteWith) -> i32 {
    guarded(|| {
        // SAFETY: the caller guarantees the context is live; `pos` bytes of
        // the `Vec` are initialised.
        unsafe {
            let c = &mut *ctx;
            let layouts = &*c.layouts;
            if c.measure != 0 {
                let mut counter = Counter(c.pos);
                let ok = match protocol_of(c.protocol) {
                    Protocol::Binary => f.run(&mut Encoder { w: BinaryWriter::new(&mut counter), layouts }),
                    Protocol::Compact => {
                        f.run(&mut Encoder { w: CompactWriter::with_last_id(&mut counter, c.last_id as i16), layouts })
                    }
                };
                c.pos = counter.0;
                return if ok { OK } else { ERROR };
            }
            let v = &mut *c.vec;
            v.set_len(c.pos);
            let ok = match protocol_of(c.protocol) {
                Protocol::Binary => f.run(&mut Encoder { w: BinaryWriter::new(v), layouts }),
                Protocol::Compact => {
                    f.run(&mut Encoder { w: CompactWriter::with_last_id(v, c.last_id as i16), layouts })
                }
            };
            c.pos = v.len();
            c.buf = v.as_mut_ptr();
            c.cap = v.capacity();
            if ok { OK } else { ERROR }
        }
    })
}

/// The body of an encode helper, generic over the protocol's writer.
trait WriteWith {
    /// Writes with `e`; returns whether it succeeded.
    ///
    /// # Safety
    /// The block the implementor holds is a live block of its type.
    unsafe fn run<W: ProtocolWriter>(self, e: &mut Encoder<'_, W>) -> bool;
}

extern "C" fn h_enc_field_interp(ctx: *mut EncodeCtx, block: *mut u8, id: u64, index: u64, depth: u64) -> i32 {
    struct Field {
        block: *mut u8,
        id: u64,
        index: u64,
        depth: u64,
    }
    impl WriteWith for Field {
        unsafe fn run<W: ProtocolWriter>(self, e: &mut Encoder<'_, W>) -> bool {
            let f = &e.layouts.get(StructId(self.id as u32)).fields[self.index as usize];
            // SAFETY: `block` is a block of type `id` whose field `index` is set.
            let slot = unsafe { NonNull::new_unchecked(self.block.add(f.offset)) };
            e.write_field(f, slot, self.depth as u32).is_ok()
        }
    }
    // SAFETY: the context is live; `block` is a block of type `id` whose
    // field `index` is set.
    unsafe { with_encoder(ctx, Field { block, id, index, depth }) }
}

extern "C" fn h_enc_unknown(ctx: *mut EncodeCtx, block: *mut u8, id: u64, depth: u64) -> i32 {
    struct Unknowns {
        block: *mut u8,
        id: u64,
        depth: u64,
    }
    impl WriteWith for Unknowns {
        unsafe fn run<W: ProtocolWriter>(self, e: &mut Encoder<'_, W>) -> bool {
            let layout = e.layouts.get(StructId(self.id as u32));
            // SAFETY: `block` is a live block of type `id`.
            let block = unsafe { NonNull::new_unchecked(self.block) };
            e.write_unknowns(layout, block, self.depth as u32).is_ok()
        }
    }
    // SAFETY: the context is live; `block` is a block of type `id`.
    unsafe { with_encoder(ctx, Unknowns { block, id, depth }) }
}

/// Maps each `W`-byte element of `src` (`n` of them) through `f` into `dst`.
///
/// # Safety
/// `src..src+n×W` must be readable, `dst..dst+n×W` writable, and the two
/// must not overlap.
#[inline(always)]
unsafe fn map_elems<const W: usize>(dst: *mut u8, src: *const u8, n: usize, f: impl Fn([u8; W]) -> [u8; W]) {
    // SAFETY: the caller guarantees both ranges; slices let the compiler
    // assume they do not overlap, so the loop vectorises.
    let (src, dst) = unsafe { (std::slice::from_raw_parts(src, n * W), std::slice::from_raw_parts_mut(dst, n * W)) };
    let (src, _) = src.as_chunks::<W>();
    let (dst, _) = dst.as_chunks_mut::<W>();
    for (d, s) in dst.iter_mut().zip(src) {
        *d = f(*s);
    }
}

/// Converts `n` elements (see [`conv`]). Nothing here can panic, so the
/// helper needs no guard: the loops only index within the slices.
extern "C" fn h_scalars(dst: *mut u8, src: *const u8, n: u64, how: u64) {
    let n = n as usize;
    if n == 0 {
        // An empty list's array may be any pointer: make no slice of it.
        return;
    }
    // SAFETY: generated code passes an arena array of `n` elements and the
    // input range checked by the count check (decode), or the message's
    // array and output capacity checked for `n` elements (encode); input,
    // arena and output never overlap.
    unsafe {
        match how {
            conv::COPY => std::ptr::copy_nonoverlapping(src, dst, n),
            conv::BOOL => map_elems::<1>(dst, src, n, |[b]| [u8::from(b != 0)]),
            conv::COMPACT_BOOL_IN => map_elems::<1>(dst, src, n, |[b]| [u8::from(b == 1)]),
            conv::COMPACT_BOOL_OUT => map_elems::<1>(dst, src, n, |[b]| [if b != 0 { 1 } else { 2 }]),
            conv::BE16 => map_elems::<2>(dst, src, n, |b| u16::from_ne_bytes(b).to_be().to_ne_bytes()),
            conv::BE32 => map_elems::<4>(dst, src, n, |b| u32::from_ne_bytes(b).to_be().to_ne_bytes()),
            conv::BE64 => map_elems::<8>(dst, src, n, |b| u64::from_ne_bytes(b).to_be().to_ne_bytes()),
            conv::LE64 => map_elems::<8>(dst, src, n, |b| u64::from_ne_bytes(b).to_le().to_ne_bytes()),
            _ => {}
        }
    }
}

extern "C" fn h_varints_in(ctx: *mut DecodeCtx, dst: *mut u8, n: u64, width: u64) -> i32 {
    /// Reads `n` values with `read` into `dst` as `T`s.
    ///
    /// # Safety
    /// `dst` has room for `n` values of `T`.
    unsafe fn each<'a, T>(
        r: &mut CompactReader<'a>,
        dst: *mut u8,
        n: usize,
        read: impl Fn(&mut CompactReader<'a>) -> Result<T, crate::error::DecodeError>,
    ) -> bool {
        for i in 0..n {
            let Ok(v) = read(r) else { return false };
            // SAFETY: room for `n` values; `i < n`.
            unsafe { std::ptr::write_unaligned((dst as *mut T).add(i), v) };
        }
        true
    }
    guarded(|| {
        // SAFETY: generated code passes its live context and an arena array
        // of `n` elements of `width` bytes.
        unsafe {
            let c = &mut *ctx;
            let mut r = CompactReader::new(std::slice::from_raw_parts(c.buf, c.len));
            r.set_pos(c.pos);
            let n = n as usize;
            let ok = match width {
                2 => each(&mut r, dst, n, CompactReader::read_i16),
                4 => each(&mut r, dst, n, CompactReader::read_i32),
                8 => each(&mut r, dst, n, CompactReader::read_i64),
                _ => false,
            };
            if !ok {
                return ERROR;
            }
            c.pos = r.pos();
            OK
        }
    })
}

extern "C" fn h_varints_out(dst: *mut u8, src: *const u8, n: u64, width: u64) -> u64 {
    /// Writes the `n` values `get(i)` as zigzag varints from `dst`; returns the bytes written.
    ///
    /// # Safety
    /// `dst` has room for `n` varints of 10 bytes (or of the most `get`'s values take).
    #[inline(always)]
    unsafe fn each(dst: *mut u8, n: usize, get: impl Fn(usize) -> i64) -> u64 {
        let mut at = dst;
        for i in 0..n {
            let v = get(i);
            // Zigzag at 64 bits, LEB128 byte by byte: as `CompactWriter`.
            let mut z = ((v << 1) ^ (v >> 63)) as u64;
            // SAFETY: the caller checked capacity for the largest encodings.
            unsafe {
                while z >= 0x80 {
                    *at = (z as u8) | 0x80;
                    at = at.add(1);
                    z >>= 7;
                }
                *at = z as u8;
                at = at.add(1);
            }
        }
        // SAFETY: `at` only moved forward from `dst`, inside one buffer.
        unsafe { at.offset_from(dst) as u64 }
    }
    let n = n as usize;
    // SAFETY: generated code passes the message's array of `n` integers of
    // `width` bytes and an output position with capacity for `n` of the
    // largest varints of that width.
    unsafe {
        match width {
            2 => each(dst, n, |i| i64::from(std::ptr::read_unaligned((src as *const i16).add(i)))),
            4 => each(dst, n, |i| i64::from(std::ptr::read_unaligned((src as *const i32).add(i)))),
            8 => each(dst, n, |i| std::ptr::read_unaligned((src as *const i64).add(i))),
            _ => 0,
        }
    }
}

extern "C" fn h_varints_size(_dst: *mut u8, src: *const u8, n: u64, width: u64) -> u64 {
    /// The bytes of the zigzag varints of the `n` values `get(i)`.
    #[inline(always)]
    fn each(n: usize, get: impl Fn(usize) -> i64) -> u64 {
        (0..n)
            .map(|i| {
                let v = get(i);
                let z = ((v << 1) ^ (v >> 63)) as u64;
                u64::from((64 - (z | 1).leading_zeros()).div_ceil(7))
            })
            .sum()
    }
    let n = n as usize;
    // SAFETY: generated code passes the message's array of `n` integers of `width` bytes.
    unsafe {
        match width {
            2 => each(n, |i| i64::from(std::ptr::read_unaligned((src as *const i16).add(i)))),
            4 => each(n, |i| i64::from(std::ptr::read_unaligned((src as *const i32).add(i)))),
            8 => each(n, |i| std::ptr::read_unaligned((src as *const i64).add(i))),
            _ => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_match_the_structs() {
        assert_eq!(std::mem::offset_of!(DecodeCtx, buf) as i32, DecodeCtx::BUF);
        assert_eq!(std::mem::offset_of!(DecodeCtx, len) as i32, DecodeCtx::LEN);
        assert_eq!(std::mem::offset_of!(DecodeCtx, pos) as i32, DecodeCtx::POS);
        assert_eq!(std::mem::offset_of!(DecodeCtx, fns) as i32, DecodeCtx::FNS);
        assert_eq!(std::mem::offset_of!(DecodeCtx, reserved) as i32, DecodeCtx::RESERVED);
        assert_eq!(std::mem::offset_of!(DecodeCtx, resume) as i32, DecodeCtx::RESUME);
        assert_eq!(std::mem::offset_of!(DecodeCtx, zeros) as i32, DecodeCtx::ZEROS);
        // `protocol` is read by helpers only (generated code is compiled per
        // protocol), so it has no constant; it stays last.
        assert_eq!(std::mem::offset_of!(DecodeCtx, protocol), std::mem::size_of::<DecodeCtx>() - 8);
        assert_eq!(std::mem::offset_of!(EncodeCtx, buf) as i32, EncodeCtx::BUF);
        assert_eq!(std::mem::offset_of!(EncodeCtx, pos) as i32, EncodeCtx::POS);
        assert_eq!(std::mem::offset_of!(EncodeCtx, cap) as i32, EncodeCtx::CAP);
        assert_eq!(std::mem::offset_of!(EncodeCtx, fns) as i32, EncodeCtx::FNS);
        assert_eq!(std::mem::offset_of!(EncodeCtx, last_id) as i32, EncodeCtx::LAST_ID);
        assert_eq!(std::mem::offset_of!(Helpers, new_block) as i32, Helpers::NEW_BLOCK);
        assert_eq!(std::mem::offset_of!(Helpers, alloc) as i32, Helpers::ALLOC);
        assert_eq!(std::mem::offset_of!(Helpers, unknown) as i32, Helpers::UNKNOWN);
        assert_eq!(std::mem::offset_of!(Helpers, field_interp) as i32, Helpers::FIELD_INTERP);
        assert_eq!(std::mem::offset_of!(Helpers, struct_end) as i32, Helpers::STRUCT_END);
        assert_eq!(std::mem::offset_of!(Helpers, grow) as i32, Helpers::GROW);
        assert_eq!(std::mem::offset_of!(Helpers, memcpy) as i32, Helpers::MEMCPY);
        assert_eq!(std::mem::offset_of!(Helpers, enc_field_interp) as i32, Helpers::ENC_FIELD_INTERP);
        assert_eq!(std::mem::offset_of!(Helpers, enc_unknown) as i32, Helpers::ENC_UNKNOWN);
        assert_eq!(std::mem::offset_of!(Helpers, scalars) as i32, Helpers::SCALARS);
        assert_eq!(std::mem::offset_of!(Helpers, varints_in) as i32, Helpers::VARINTS_IN);
        assert_eq!(std::mem::offset_of!(Helpers, varints_out) as i32, Helpers::VARINTS_OUT);
        assert_eq!(std::mem::offset_of!(Helpers, varints_size) as i32, Helpers::VARINTS_SIZE);
        assert_eq!(std::mem::offset_of!(Helpers, dispatch) as i32, Helpers::DISPATCH);
    }
}
