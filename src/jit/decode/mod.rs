//! Cranelift IR of a decoder for one struct type in one protocol.
//!
//! Shape (see the module docs of `jit`): fields are expected in declaration
//! order, on a straight-line **expected path**. For field k it tests, with
//! **one bounds check** covering the header and the value bytes it reads,
//! that the next bytes are exactly field k's header (a constant; when the
//! input is too short, the header is read from the context's zeros instead,
//! so that the one test covers both), then reads the value inline and goes
//! on to field k+1's header in the same block. Presence bits are known
//! while generating code and stored once per segment (below).
//!
//! Binary goes further: a *run* of consecutive fixed-size scalar fields,
//! with the header of the field after them (or the stop byte), sits at
//! offsets known from the run's start, so one bounds check and one test of
//! all the run's headers (their differences from the constants ORed
//! together) come before its values are read, with no branch per field
//! (`binary.rs`, `Gen::binary_run`). That cut the decoder's compile
//! time by a third (`Wide20`: 4.27 M → 2.76 M instructions) and did not
//! slow it down.
//! A run that does not match is read from its first field by the dispatch
//! helper.
//!
//! Structs, containers and fields left to the interpreter are read in a
//! block of their own, `read_k` ([`own_read_block`]), which ends a
//! *segment* of the expected path; the next segment starts after it.
//! Anything unexpected (a field missing, out of order or unknown, the input
//! ending) jumps to `dispatch(k)`: one call of the dispatch helper
//! ([`super::rt::Helpers::dispatch`]), which marks the fields the segment
//! read present, then reads headers, keeping unknown fields and reading
//! scalar and string fields itself, the interpreter's way, until a field
//! with a `read_k` (a jump table goes there, back onto the expected path
//! after it) or the stop byte. So a segment's blocks have one predecessor
//! each: no block parameters, few blocks, and fewer instructions than the
//! earlier shape of a second, generic compiled reader of every field
//! behind a `Switch` (`Wide20`, Binary: 181 blocks and 939 instructions
//! then, 43 and 514 now; compiling its decoder and encoder took 17.7 M
//! instructions then, 8.7 M now, the decoder alone 4.7 M). Peers that
//! write fields in another order or sparse structs cost one helper call per
//! departure, and the helper reads until the next struct or container
//! field: for Binary, the scalars and strings in a loop of its own, without
//! a decoder (`rt::binary_dispatch`; a `medium` payload with every other
//! field missing decodes in 625 ns, against 1,383 ns through a decoder and
//! 727 ns on the interpreter), anything else the interpreter's way.
//!
//! **The expected order.** The path follows an [`Order`]: the declaration
//! order, or Kitex's (fixed-size fields first, then the others), which its
//! generated Binary code writes and which leaves the declaration-order path
//! at almost every struct: a `medium` payload in Kitex's order decoded 2.1×
//! *slower* than the interpreter before (helper calls and their setup), so
//! a JIT compiles a type's Binary decoder again for Kitex's order once the
//! helper has read that type's fields in it (and not in the declaration
//! order: [`Sighting`]) [`super::KITEX_SIGHTINGS`] times (`Jit::reorder_decoders`; [`super::ExpectedOrder`] fixes the order
//! instead). Positions on the path are what `dispatch(k)`, the read blocks'
//! jump table and [`DispatchInfo`] count; field indexes stay what presence
//! bits and the interpreter's helpers use.
//!
//! Lists and maps of scalars, strings and structs are loops over their
//! elements (lists of fixed-width scalars one bulk helper call). Unknown
//! fields, fields whose value the JIT does not inline (nested containers,
//! uuids), allocation and the end-of-struct checks call helpers.
//!
//! This file is that shape, shared by both protocols. How a protocol spells
//! field headers, scalars, lengths and list headers lives in `binary.rs` and
//! `compact.rs`, as methods of the same generator.

mod binary;
mod compact;

pub(super) use compact::{header_bytes, header_type};

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I8, I32, I64};
use cranelift_codegen::ir::{AbiParam, Block, BlockArg, InstBuilder, JumpTableData, MemFlagsData, Signature, Value};
use cranelift_frontend::{FunctionBuilder, Variable};

use super::rt::{DecodeCtx, ERROR, Helpers, MISMATCH, OK};
use crate::layout::{EntryLayout, FieldLayout, Layouts, RawSlice, StructLayout, ValueKind};
use crate::schema::StructId;
use crate::wire::Protocol;

/// The fewest bytes a struct takes on the wire (its stop byte), in both
/// protocols: what each later element of a list of structs reserves.
const STRUCT_MIN: i64 = 1;

/// How the JIT reads a field's value.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Plan {
    /// A scalar read inline: (bytes in the Binary protocol).
    Scalar(u32),
    /// A string/binary read inline (aliased or copied).
    Bytes,
    /// A struct: allocate a block and call the child's decoder.
    Struct(StructId),
    /// A list/set of scalars: one count check, then one bulk helper call.
    ScalarList(u32),
    /// A list/set of strings.
    BytesList,
    /// A list/set of structs.
    StructList(StructId),
    /// A map whose keys and values are each a scalar, a string or a struct
    /// ([`is_entry`]): one count check, then a loop reading entries inline.
    Map,
    /// The interpreter reads it (through a helper).
    Interp,
}

fn plan(kind: &ValueKind) -> Plan {
    fn scalar(k: &ValueKind) -> Option<u32> {
        Some(match k {
            ValueKind::Bool | ValueKind::I8 => 1,
            ValueKind::I16 => 2,
            ValueKind::I32 | ValueKind::Enum(_) => 4,
            ValueKind::I64 | ValueKind::Double => 8,
            _ => return None,
        })
    }
    if let Some(n) = scalar(kind) {
        return Plan::Scalar(n);
    }
    match kind {
        ValueKind::String | ValueKind::Binary => Plan::Bytes,
        ValueKind::Struct(id) => Plan::Struct(*id),
        ValueKind::List(e) | ValueKind::Set(e) => match (&**e, scalar(e)) {
            (_, Some(n)) => Plan::ScalarList(n),
            (ValueKind::String | ValueKind::Binary, _) => Plan::BytesList,
            (ValueKind::Struct(id), _) => Plan::StructList(*id),
            _ => Plan::Interp,
        },
        ValueKind::Map(k, v) if is_entry(k) && is_entry(v) => Plan::Map,
        _ => Plan::Interp,
    }
}

/// Whether the JIT reads a map key or value of `kind` inline: a scalar, a
/// string or binary, or a struct (nested containers and uuids go to the
/// interpreter with the whole field).
fn is_entry(kind: &ValueKind) -> bool {
    !matches!(kind, ValueKind::Uuid | ValueKind::List(_) | ValueKind::Set(_) | ValueKind::Map(..))
}

/// The fewest bytes a value of `kind` takes on the wire in `protocol` (the
/// readers' `min_size` of its wire type): what the count check of a
/// container multiplies by, and what each later element reserves.
fn min_size(protocol: Protocol, kind: &ValueKind) -> i64 {
    match (protocol, kind) {
        (Protocol::Compact, ValueKind::Double) => 8,
        (Protocol::Compact, _) => 1,
        (Protocol::Binary, ValueKind::I16) => 2,
        (Protocol::Binary, ValueKind::I32 | ValueKind::Enum(_) | ValueKind::String | ValueKind::Binary) => 4,
        (Protocol::Binary, ValueKind::I64 | ValueKind::Double) => 8,
        (Protocol::Binary, _) => 1,
    }
}

/// What is known to be in the input when the read of a value starts.
#[derive(Clone, Copy)]
enum Bounds {
    /// Nothing: every byte is checked before it is read.
    Unchecked,
    /// The bytes the fast path reads were checked with the field header
    /// (a fixed-size value, or the first byte of a varint; a longer varint
    /// is read with checks of its own).
    Header,
    /// As `Header`, in a Binary run ([`Gen::binary_run`]): `pos` is set
    /// once, at the run's end, not after each value.
    Run,
}

/// How the decoder reads field `f`.
fn plan_field(layouts: &Layouts, f: &FieldLayout) -> Plan {
    match plan(&f.kind) {
        // Children the JIT declined are decoded by the interpreter.
        Plan::Struct(id) | Plan::StructList(id) if !super::accepts(layouts.get(id)) => Plan::Interp,
        Plan::Map if !entries_accepted(layouts, &f.kind) => Plan::Interp,
        p => p,
    }
}

/// Whether the struct keys and values of the map `kind` are types the
/// JIT compiles (else the interpreter reads the whole map).
fn entries_accepted(layouts: &Layouts, kind: &ValueKind) -> bool {
    let ValueKind::Map(k, v) = kind else { return false };
    [k, v].into_iter().all(|e| match &**e {
        ValueKind::Struct(id) => super::accepts(layouts.get(*id)),
        _ => true,
    })
}

/// Whether a value of plan `p` is read in a block of its own, which the
/// expected path and `dispatch` share: structs and containers (whose code
/// is large) and fields left to the interpreter. Scalars and strings are
/// read inline on the expected path only; off it, the dispatch helper reads
/// them.
fn own_read_block(p: Plan) -> bool {
    !matches!(p, Plan::Scalar(_) | Plan::Bytes)
}

/// The order of fields a decoder expects on its expected path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// Declaration order: what Apache Thrift, pilota and this crate write.
    Declared,
    /// Kitex's: its generated code writes a struct's fixed-size fields
    /// (bool, byte, i16, i32, i64, double, enums) first, then the others,
    /// each group in declaration order. Binary only (Kitex's fast codec
    /// writes Binary; its Compact is Apache's).
    Kitex,
}

impl Order {
    /// Field indexes of `layout` in this order.
    pub(crate) fn of(self, layout: &StructLayout) -> Vec<usize> {
        let mut order: Vec<usize> = (0..layout.fields.len()).collect();
        if self == Order::Kitex {
            order.sort_by_key(|&i| !layout.fields[i].kind.is_fixed_size());
        }
        order
    }
}

/// What the dispatch helper needs to know of one decoder of a struct type
/// (one expected order; the same in both protocols), computed once per JIT
/// so that a call of the helper does not work it out from the layout again:
/// for Kitex's field order, which leaves the declaration-order path several
/// times per struct, working it out took 80 % of a `medium` decode. Its
/// address is a constant of the decoder's code, which passes it to the helper.
pub(crate) struct DispatchInfo {
    /// The struct type.
    pub(crate) id: StructId,
    /// Position on the expected path → field index.
    pub(crate) order: Box<[u32]>,
    /// Field index → position on the expected path.
    pub(crate) position: Box<[u32]>,
    /// Per position: whether the decoder reads that field in a block of its
    /// own (`read_k`): the helper leaves such a field to it.
    pub(crate) reads: Box<[bool]>,
    /// Per position `k` in `0..=n`: the first position of the segment of
    /// the expected path that `k` is in (`k` = n: the stop byte's). The
    /// fields from there to `k` were read on the expected path when the
    /// decoder leaves it at `k`, and the helper marks them present.
    pub(crate) starts: Box<[u32]>,
    /// Per position `k` in `0..=n`: where the decoder continues after the
    /// helper, as the index of its jump table: `read_k` (its rank among the
    /// positions with a read block), or `done` after them when `k` = n.
    pub(crate) resume: Box<[u32]>,
    /// Declared-order decoders of a type whose Kitex order differs: each
    /// field's position in Kitex's order, by field index. The dispatch helper
    /// watches the fields it reads for Kitex's order
    /// ([`DispatchInfo::sighted`]).
    pub(crate) kitex_position: Option<Box<[u32]>>,
    /// How often the dispatch helper read fields of this type in Kitex's
    /// order and not in the declaration order (Binary, declaration-order
    /// decoder): at [`super::KITEX_SIGHTINGS`], the JIT compiles a
    /// Kitex-order decoder.
    pub(crate) kitex_sightings: std::sync::atomic::AtomicU32,
}

impl DispatchInfo {
    pub(crate) fn new(layouts: &Layouts, layout: &StructLayout, order_kind: Order) -> DispatchInfo {
        let order = order_kind.of(layout);
        let n = order.len();
        let mut position = vec![0u32; n];
        for (p, &i) in order.iter().enumerate() {
            position[i] = p as u32;
        }
        let reads: Box<[bool]> =
            order.iter().map(|&i| own_read_block(plan_field(layouts, &layout.fields[i]))).collect();
        let mut starts = Vec::with_capacity(n + 1);
        let mut resume = Vec::with_capacity(n + 1);
        let (mut start, mut rank) = (0, 0);
        for k in 0..=n {
            if k > 0 && reads[k - 1] {
                start = k as u32;
                rank += 1;
            }
            starts.push(start);
            resume.push(rank);
        }
        let kitex = Order::Kitex.of(layout);
        let kitex_position = (order_kind == Order::Declared && kitex != order).then(|| {
            let mut at = vec![0u32; n].into_boxed_slice();
            for (p, &i) in kitex.iter().enumerate() {
                at[i] = p as u32;
            }
            at
        });
        DispatchInfo {
            id: layout.id,
            order: order.iter().map(|&i| i as u32).collect(),
            position: position.into(),
            reads,
            starts: starts.into(),
            resume: resume.into(),
            kitex_position,
            kitex_sightings: std::sync::atomic::AtomicU32::new(0),
        }
    }
}

/// What the dispatch helper has seen of one call's fields, to tell Kitex's
/// order: fields in Kitex's order and not in the declaration order (a field
/// declared before one read earlier). Declaration-order writers with fields
/// missing, or in an order of their own, are not counted.
pub(crate) struct Sighting<'a> {
    kitex_position: &'a [u32],
    last: Option<(u32, u32)>,
    out_of_declared: bool,
}

impl<'a> Sighting<'a> {
    /// Watches for Kitex's order, when `info` is a declaration-order
    /// decoder's of a type whose Kitex order differs.
    pub(crate) fn new(info: &'a DispatchInfo) -> Option<Sighting<'a>> {
        let kitex_position = info.kitex_position.as_deref()?;
        Some(Sighting { kitex_position, last: None, out_of_declared: false })
    }

    /// Field `index` was read next: `Some(true)` when the fields so far are
    /// in Kitex's order and not in the declaration order, `Some(false)` when
    /// they are not in Kitex's order (nothing more to watch), `None` when
    /// it cannot tell yet.
    pub(crate) fn sighted(&mut self, index: usize) -> Option<bool> {
        let (declared, kitex) = (index as u32, self.kitex_position[index]);
        if let Some((d, k)) = self.last {
            if kitex < k {
                return Some(false);
            }
            self.out_of_declared |= declared < d;
        }
        self.last = Some((declared, kitex));
        self.out_of_declared.then_some(true)
    }
}

/// Signature of every generated decoder: `(ctx, block, depth) -> status`.
pub(crate) fn signature(call_conv: cranelift_codegen::isa::CallConv) -> Signature {
    let mut sig = Signature::new(call_conv);
    sig.params.extend([AbiParam::new(I64), AbiParam::new(I64), AbiParam::new(I64)]);
    sig.returns.push(AbiParam::new(I32));
    sig
}

fn native() -> MemFlagsData {
    MemFlagsData::new().with_notrap()
}

struct Gen<'a, 'b> {
    b: &'a mut FunctionBuilder<'b>,
    layouts: &'a Layouts,
    layout: &'a StructLayout,
    /// The expected path's order, and what the dispatch helper knows of it.
    info: &'a DispatchInfo,
    protocol: Protocol,
    call_conv: cranelift_codegen::isa::CallConv,
    ctx: Value,
    block: Value,
    depth: Value,
    buf: Value,
    len: Value,
    pos: Variable,
    /// Presence bits (of word 0) of the fields read so far in the current
    /// segment of the expected path, known while generating code: stored
    /// once, when the segment ends ([`Gen::flush_seen`]).
    seen: u64,
    /// Compact: the type nibble of the last field header read, which holds
    /// a bool field's value.
    nibble: Variable,
    /// Binary, on the fast path after field k's header matched: `pos` at
    /// the header, the header's address and its length, so that the value
    /// is read at a constant offset from the header's address.
    header: Option<(Value, Value, i64)>,
    /// Compact, on the fast path after field k's header matched: where the
    /// decoder leaves the expected path when a varint of the field needs
    /// more than the bytes checked with its header and there are not 8
    /// bytes left, or it is longer than 8: `dispatch`, `k` and `pos` at the
    /// header (the helper reads the field again).
    leave: Option<(Block, usize, Value)>,
    /// The address of the context's zeros, computed once per segment of
    /// the expected path (whose first block dominates the rest of it).
    zeros: Option<Value>,
    error: Block,
}

/// Builds the decoder of `layout` for `protocol` into `b` (an empty
/// function with [`signature`]).
/// `info` says in which order the expected path reads the fields; its
/// address is passed to the dispatch helper, so it must outlive the code.
pub(crate) fn build(
    b: &mut FunctionBuilder<'_>,
    layouts: &Layouts,
    layout: &StructLayout,
    protocol: Protocol,
    call_conv: cranelift_codegen::isa::CallConv,
    info: &DispatchInfo,
) {
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let params = b.block_params(entry).to_vec();
    let (ctx, block, depth) = (params[0], params[1], params[2]);
    let buf = b.ins().load(I64, native(), ctx, DecodeCtx::BUF);
    let len = b.ins().load(I64, native(), ctx, DecodeCtx::LEN);
    let pos = b.declare_var(I64);
    let p0 = b.ins().load(I64, native(), ctx, DecodeCtx::POS);
    b.def_var(pos, p0);
    let zero = b.ins().iconst(I64, 0);
    let nibble = b.declare_var(I64);
    b.def_var(nibble, zero);
    let error = b.create_block();
    let mut g = Gen {
        b,
        layouts,
        layout,
        info,
        protocol,
        call_conv,
        ctx,
        block,
        depth,
        buf,
        len,
        pos,
        seen: 0,
        nibble,
        header: None,
        leave: None,
        zeros: None,
        error,
    };
    g.body();
    g.b.switch_to_block(g.error);
    let e = g.b.ins().iconst(I32, i64::from(ERROR));
    g.b.ins().return_(&[e]);
    g.b.seal_all_blocks();
}

impl<'a> Gen<'a, '_> {
    fn body(&mut self) {
        let n = self.layout.fields.len();
        let plans: Vec<Plan> = (0..n).map(|k| plan_field(self.layouts, self.field(k))).collect();
        // Values read by a block of their own (structs, containers, fields left to the
        // interpreter), which the expected path and `dispatch` share; the block ends the
        // segment of the expected path the field was in, and the next one starts after it.
        let reads: Vec<Option<Block>> =
            plans.iter().map(|p| own_read_block(*p).then(|| self.b.create_block())).collect();
        let dispatch = self.b.create_block();
        self.b.append_block_param(dispatch, I64); // the next field expected
        let done = self.b.create_block();
        let unknown = self.b.create_block();
        self.b.append_block_param(unknown, I64); // type code, as the protocol writes it
        self.b.append_block_param(unknown, I64); // field id
        self.b.append_block_param(unknown, I64); // the next field expected after it

        // The expected path, straight-line. Binary checks a run of fixed-size fields at
        // once (their headers are at known offsets), Compact one field at a time; either
        // goes on with the values, then the next check, in the same block, or jumps to
        // `dispatch(k)`.
        let mut k = 0;
        loop {
            match self.protocol {
                Protocol::Binary => {
                    k = self.binary_run(k, &plans, dispatch, done);
                    if k == n {
                        break;
                    }
                }
                Protocol::Compact if k == n => {
                    self.expect_stop(dispatch, done);
                    break;
                }
                Protocol::Compact => self.compact_expect_header(k, plans[k], dispatch),
            }
            self.field_value(k, plans[k], reads[k], unknown);
            k += 1;
        }

        // dispatch(k): off the expected path at field k (missing, out of order or
        // unknown, or the input ended). The helper marks the fields read since the
        // segment started present, then reads headers until the stop byte or a field
        // with a read block, reading every other field (and keeping unknown ones)
        // itself. Then a jump table: read_j, or done.
        self.b.switch_to_block(dispatch);
        let expected = self.b.block_params(dispatch)[0];
        self.sync_pos();
        let info = self.b.ins().iconst(I64, self.info as *const DispatchInfo as i64);
        let status =
            self.call_helper(Helpers::DISPATCH, &[I64; 5], &[self.ctx, self.block, info, expected, self.depth]);
        self.check_status(status);
        self.reload_pos();
        let resume = self.b.ins().load(I32, native(), self.ctx, DecodeCtx::RESUME);
        // Only the fields with a read block have an entry (`DispatchInfo::resume`): an entry
        // per field would be an edge, and a block, per field.
        let mut targets: Vec<Block> = reads.iter().filter_map(|r| *r).collect();
        targets.push(done);
        let table: Vec<_> = targets.iter().map(|&t| self.b.func.dfg.block_call(t, &[])).collect();
        let otherwise = self.b.func.dfg.block_call(self.error, &[]);
        let jt = self.b.create_jump_table(JumpTableData::new(otherwise, &table));
        self.b.ins().br_table(resume, jt);

        // unknown(type, id, next): the interpreter skips and keeps it.
        self.b.switch_to_block(unknown);
        let args = self.b.block_params(unknown).to_vec();
        self.sync_pos();
        let sid = self.b.ins().iconst(I64, i64::from(self.layout.id.0));
        let status =
            self.call_helper(Helpers::UNKNOWN, &[I64; 6], &[self.ctx, self.block, sid, args[0], args[1], self.depth]);
        self.check_status(status);
        self.reload_pos();
        self.b.ins().jump(dispatch, &[BlockArg::Value(args[2])]);

        // done: presence bits are stored; the end-of-struct checks.
        self.b.switch_to_block(done);
        self.sync_pos();
        let l = self.layout;
        if l.is_union() || !l.complex_defaults.is_empty() || l.required.iter().any(|w| *w != 0) {
            let sid = self.b.ins().iconst(I64, i64::from(l.id.0));
            let status = self.call_helper(Helpers::STRUCT_END, &[I64; 3], &[self.ctx, self.block, sid]);
            self.check_status(status);
        }
        let ok = self.b.ins().iconst(I32, i64::from(OK));
        self.b.ins().return_(&[ok]);
    }

    /// Field k's value, its header consumed on the expected path: inline, or
    /// in its own block `read_k` (a new segment).
    fn field_value(&mut self, k: usize, p: Plan, read: Option<Block>, unknown: Block) {
        let f = self.field(k);
        match read {
            Some(read) => {
                self.flush_seen();
                self.b.ins().jump(read, &[]);
                // read_k: from here and from `dispatch`; a new segment.
                self.b.switch_to_block(read);
                self.zeros = None;
                self.read_value(f, p, Bounds::Unchecked, unknown);
                self.store_present(f);
            }
            None => {
                // Header and (the start of) the value are in bounds: read inline.
                self.read_value(f, p, Bounds::Header, unknown);
                self.mark_present(f);
            }
        }
    }

    /// The stop byte at `pos`, after the last field: on to `done`, or `dispatch(n)`.
    fn expect_stop(&mut self, dispatch: Block, done: Block) {
        let pos = self.b.use_var(self.pos);
        let short = self.b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, pos, self.len);
        let load_stop = self.b.create_block();
        let at_end = self.field_arg(self.layout.fields.len());
        self.b.ins().brif(short, dispatch, &[at_end], load_stop, &[]);
        super::ir::enter(self.b, load_stop);
        let addr = self.b.ins().iadd(self.buf, pos);
        let t = self.b.ins().uload8(I64, native(), addr, 0);
        let stop = self.b.create_block();
        self.b.ins().brif(t, dispatch, &[at_end], stop, &[]);
        super::ir::enter(self.b, stop);
        self.flush_seen();
        let p1 = self.b.ins().iadd_imm_s(pos, 1);
        self.b.def_var(self.pos, p1);
        self.b.ins().jump(done, &[]);
    }

    /// The field at position `k` of the expected path.
    fn field(&self, k: usize) -> &'a FieldLayout {
        let layout: &'a StructLayout = self.layout;
        &layout.fields[self.info.order[k] as usize]
    }

    /// The position of field `f` on the expected path.
    fn position(&self, f: &FieldLayout) -> usize {
        self.info.position[f.index] as usize
    }

    /// `k` as the argument of `dispatch` (the next field expected) or of `unknown`.
    fn field_arg(&mut self, k: usize) -> BlockArg {
        BlockArg::Value(self.b.ins().iconst(I64, k as i64))
    }

    /// Field `f`'s type code as the protocol writes it in a field header.
    fn wire_code(&self, f: &FieldLayout) -> i64 {
        match self.protocol {
            Protocol::Binary => i64::from(f.ttype),
            Protocol::Compact => i64::from(crate::wire::to_compact(f.ttype)),
        }
    }

    /// Reads field `f`'s value at `pos` (header consumed).
    fn read_value(&mut self, f: &FieldLayout, p: Plan, bounds: Bounds, unknown: Block) {
        let slot_off = f.offset as i32;
        match p {
            Plan::Scalar(_) if self.protocol == Protocol::Compact && f.kind == ValueKind::Bool => {
                // Compact carries a bool field's value in its header.
                self.compact_bool_field(slot_off);
            }
            Plan::Scalar(_) => self.read_scalar(&f.kind, self.block, slot_off, bounds),
            Plan::Bytes => {
                let (ptr, n) = self.read_bytes(bounds);
                self.store_slice(ptr, n, self.block, slot_off);
            }
            Plan::Struct(id) => {
                let child = self.decode_child(id, self.depth);
                self.b.ins().store(native(), child, self.block, slot_off);
            }
            Plan::ScalarList(_) | Plan::BytesList | Plan::StructList(_) => self.read_list(f, p, bounds, unknown),
            Plan::Map => self.read_map(f, unknown),
            Plan::Interp => {
                self.sync_pos();
                let sid = self.b.ins().iconst(I64, i64::from(self.layout.id.0));
                let idx = self.b.ins().iconst(I64, f.index as i64);
                let status =
                    self.call_helper(Helpers::FIELD_INTERP, &[I64; 5], &[self.ctx, self.block, sid, idx, self.depth]);
                let is_ok = self.b.ins().icmp_imm_s(IntCC::Equal, status, i64::from(OK));
                let ok_block = self.b.create_block();
                let not_ok = self.b.create_block();
                self.b.ins().brif(is_ok, ok_block, &[], not_ok, &[]);
                self.b.switch_to_block(not_ok);
                self.mismatch_or_error(status, f, unknown);
                self.b.switch_to_block(ok_block);
                self.reload_pos();
            }
        }
    }

    /// Reads a scalar of `kind` at `pos` and stores it natively at `dst + off`.
    fn read_scalar(&mut self, kind: &ValueKind, dst: Value, off: i32, bounds: Bounds) {
        match self.protocol {
            Protocol::Binary => self.binary_scalar(kind, dst, off, bounds),
            Protocol::Compact => self.compact_scalar(kind, dst, off, bounds),
        }
    }

    /// On `MISMATCH` keep field `f` as unknown (its value starts at `pos`), else fail.
    fn mismatch_or_error(&mut self, status: Value, f: &FieldLayout, unknown: Block) {
        let is_mismatch = self.b.ins().icmp_imm_s(IntCC::Equal, status, i64::from(MISMATCH));
        let args = self.unknown_args(f);
        self.b.ins().brif(is_mismatch, unknown, &args, self.error, &[]);
    }

    /// The arguments of `unknown` that keep field `f` (header consumed) as
    /// unknown, and then expect the field after it.
    fn unknown_args(&mut self, f: &FieldLayout) -> [BlockArg; 3] {
        let code = self.wire_code(f);
        let t = self.b.ins().iconst(I64, code);
        let id = self.b.ins().iconst(I64, i64::from(f.id as u16));
        let next = self.position(f) + 1;
        [BlockArg::Value(t), BlockArg::Value(id), self.field_arg(next)]
    }

    /// Marks field `f`, read on the expected path, present: a bit of word 0
    /// known while generating code, stored with the segment's others.
    fn mark_present(&mut self, f: &FieldLayout) {
        if f.index < 64 {
            self.seen |= f.presence_mask();
        } else {
            self.store_present(f);
        }
    }

    /// Marks field `f` present in the block now.
    fn store_present(&mut self, f: &FieldLayout) {
        let off = f.presence_offset() as i32;
        let w = self.b.ins().load(I64, native(), self.block, off);
        let w = self.b.ins().bor_imm_s(w, f.presence_mask() as i64);
        self.b.ins().store(native(), w, self.block, off);
    }

    /// Stores the presence bits of the segment that ends here.
    fn flush_seen(&mut self) {
        if self.seen != 0 {
            let w = self.b.ins().load(I64, native(), self.block, 0);
            let w = self.b.ins().bor_imm_s(w, self.seen as i64);
            self.b.ins().store(native(), w, self.block, 0);
            self.seen = 0;
        }
    }

    /// Reads a string at `pos`: returns (ptr, len), aliasing the input
    /// (which is a copy in the arena when the caller asked for copied
    /// strings: see [`super::Jit::decode_compiled`]).
    fn read_bytes(&mut self, bounds: Bounds) -> (Value, Value) {
        let n = match self.protocol {
            Protocol::Binary => self.binary_len(bounds),
            Protocol::Compact => self.compact_len(bounds),
        };
        let start = self.b.use_var(self.pos);
        let room = self.b.ins().isub(self.len, start);
        // A negative (Binary) length is a huge unsigned one: one comparison covers both.
        let bad = self.b.ins().icmp(IntCC::UnsignedGreaterThan, n, room);
        let good = self.b.create_block();
        self.b.ins().brif(bad, self.error, &[], good, &[]);
        self.b.switch_to_block(good);
        let ptr = self.b.ins().iadd(self.buf, start);
        let end = self.b.ins().iadd(start, n);
        self.b.def_var(self.pos, end);
        (ptr, n)
    }

    fn store_slice(&mut self, ptr: Value, n: Value, dst: Value, off: i32) {
        self.b.ins().store(native(), ptr, dst, off);
        self.b.ins().store(native(), n, dst, off + std::mem::size_of::<*const u8>() as i32);
    }

    /// Allocates a block of type `id`, decodes it (through its compiled
    /// function) one level deeper than `depth`, and returns it.
    fn decode_child(&mut self, id: StructId, depth: Value) -> Value {
        let ok = self.b.create_block();
        self.b.ins().brif(depth, ok, &[], self.error, &[]);
        self.b.switch_to_block(ok);
        let d1 = self.b.ins().iadd_imm_s(depth, -1);
        let sid = self.b.ins().iconst(I64, i64::from(id.0));
        let child = self.call_helper_ptr(Helpers::NEW_BLOCK, &[I64; 2], &[self.ctx, sid]);
        self.sync_pos();
        let fns = self.b.ins().load(I64, native(), self.ctx, DecodeCtx::FNS);
        let f = self.b.ins().load(I64, native(), fns, (id.0 as i32) * 8);
        let sig = self.b.import_signature(signature(self.call_conv));
        let call = self.b.ins().call_indirect(sig, f, &[self.ctx, child, d1]);
        let status = self.b.inst_results(call)[0];
        self.check_status(status);
        self.reload_pos();
        child
    }

    /// A list or set (header at `pos`).
    fn read_list(&mut self, f: &FieldLayout, p: Plan, bounds: Bounds, unknown: Block) {
        let (ValueKind::List(elem) | ValueKind::Set(elem)) = &f.kind else {
            unreachable!("a list plan has a list kind")
        };
        // The interpreter takes a level for the list before reading it.
        let d1 = self.container_depth();
        // After the header: `n` elements of the IDL's type that fit (or none).
        let n = match self.protocol {
            Protocol::Binary => self.binary_list_header(f, elem, p, bounds, unknown),
            Protocol::Compact => self.compact_list_header(f, elem, bounds, unknown),
        };
        let stride = elem.size() as i64;
        let (arr, store) = self.alloc_elements(n, stride);
        match (p, super::ir::fixed_conv(self.protocol, elem, false)) {
            (Plan::ScalarList(_), Some((conv, width))) => self.read_fixed_scalars(conv, width, arr, n),
            (Plan::ScalarList(_), None) => self.read_varints(elem, arr, n),
            _ => self.read_elems(elem, p, arr, n, d1),
        }
        self.b.ins().jump(store, &[BlockArg::Value(arr)]);

        self.store_elements(store, n, f);
    }

    /// The array of a container of `n` elements of `stride` bytes: branches
    /// to the returned block with an empty slice's pointer when `n` is 0,
    /// else allocates it and leaves the builder there to fill it (and jump
    /// to the block with it, for [`Gen::store_elements`]).
    fn alloc_elements(&mut self, n: Value, stride: i64) -> (Value, Block) {
        let some = self.b.create_block();
        let store = self.b.create_block();
        self.b.append_block_param(store, I64);
        let dangling = self.b.ins().iconst(I64, RawSlice::EMPTY.ptr as i64);
        self.b.ins().brif(n, some, &[], store, &[BlockArg::Value(dangling)]);
        self.b.switch_to_block(some);
        let bytes = self.b.ins().imul_imm_s(n, stride);
        let arr = self.call_helper_ptr(Helpers::ALLOC, &[I64; 2], &[self.ctx, bytes]);
        (arr, store)
    }

    /// At `store` (from [`Gen::alloc_elements`]): the array and its count `n`
    /// into field `f`'s slot.
    fn store_elements(&mut self, store: Block, n: Value, f: &FieldLayout) {
        self.b.switch_to_block(store);
        let ptr = self.b.block_params(store)[0];
        self.store_slice(ptr, n, self.block, f.offset as i32);
    }

    /// `n` (> 0) fixed-width scalars at `pos` into `arr`, in one helper call
    /// converting them all (`conv`, `width` bytes each): the count check
    /// (`n` × width ≤ remaining) covered them.
    fn read_fixed_scalars(&mut self, conv: u64, width: i64, arr: Value, n: Value) {
        let pos = self.b.use_var(self.pos);
        let src = self.b.ins().iadd(self.buf, pos);
        let how = self.b.ins().iconst(I64, conv as i64);
        super::ir::call_helper_void(self.b, self.call_conv, Helpers::SCALARS, &[I64; 4], &[arr, src, n, how]);
        let bytes = self.b.ins().imul_imm_s(n, width);
        let end = self.b.ins().iadd(pos, bytes);
        self.b.def_var(self.pos, end);
    }

    /// `n` (> 0) Compact zigzag varints of `elem`'s width at `pos` into
    /// `arr`, in one helper call that runs the interpreter's reader (each
    /// value bounds- and range-checked as the interpreter does).
    fn read_varints(&mut self, elem: &ValueKind, arr: Value, n: Value) {
        self.sync_pos();
        let width = self.b.ins().iconst(I64, elem.size() as i64);
        let status = self.call_helper(Helpers::VARINTS_IN, &[I64; 4], &[self.ctx, arr, n, width]);
        self.check_status(status);
        self.reload_pos();
    }

    /// `n` (> 0) string or struct elements at `pos` into `arr`, one at a
    /// time; structs one level deeper than the list (`d1`). Before each
    /// struct, as the interpreter does, the context reserves the bytes the
    /// later elements need at least (one each), so that lists nested in it
    /// cannot claim them; the enclosing budget is restored after the list.
    fn read_elems(&mut self, elem: &ValueKind, p: Plan, arr: Value, n: Value, d1: Value) {
        let stride = elem.size() as i64;
        let outer = match p {
            Plan::StructList(_) => Some(self.b.ins().load(I64, native(), self.ctx, DecodeCtx::RESERVED)),
            _ => None,
        };
        let each = super::ir::elements(self.b, arr, n, stride);
        let (i, dst) = (each.i, each.at);
        debug_assert!(matches!(p, Plan::BytesList | Plan::StructList(_)), "only strings and structs one by one");
        if let Some(outer) = outer {
            // `outer + (n - 1 - i) × STRUCT_MIN`: a struct takes at least its stop byte.
            let later = self.b.ins().isub(n, i);
            let later = self.b.ins().iadd_imm_s(later, -1);
            let later = self.b.ins().imul_imm_s(later, STRUCT_MIN);
            let reserved = self.b.ins().iadd(outer, later);
            self.b.ins().store(native(), reserved, self.ctx, DecodeCtx::RESERVED);
        }
        self.read_entry(elem, dst, 0, d1);
        each.close(self.b);
        if let Some(outer) = outer {
            self.b.ins().store(native(), outer, self.ctx, DecodeCtx::RESERVED);
        }
    }

    /// A map (header at `pos`) whose keys and values are read inline
    /// ([`Plan::Map`]). As the interpreter: the map takes a level, its
    /// count is checked against the bytes left and those the enclosing
    /// containers reserve, and, when keys or values are structs, each key
    /// reserves the bytes the rest of its entry and the later entries need
    /// at least, and each value those of the later entries.
    fn read_map(&mut self, f: &FieldLayout, unknown: Block) {
        let ValueKind::Map(k, v) = &f.kind else { unreachable!("a map plan has a map kind") };
        let d1 = self.container_depth();
        let (kmin, vmin) = (min_size(self.protocol, k), min_size(self.protocol, v));
        // After the header: `n` entries of the IDL's types that fit (or none).
        let n = match self.protocol {
            Protocol::Binary => self.binary_map_header(f, k, v, kmin + vmin, unknown),
            Protocol::Compact => self.compact_map_header(f, k, v, kmin + vmin, unknown),
        };
        let el = EntryLayout::of(k, v);
        let (arr, store) = self.alloc_elements(n, el.stride as i64);
        let nests = matches!(**k, ValueKind::Struct(_)) || matches!(**v, ValueKind::Struct(_));
        let outer = nests.then(|| self.b.ins().load(I64, native(), self.ctx, DecodeCtx::RESERVED));
        let each = super::ir::elements(self.b, arr, n, el.stride as i64);
        let (i, entry) = (each.i, each.at);
        // `outer + (n - 1 - i) × (kmin + vmin)`: what the later entries need.
        let later = outer.map(|outer| {
            let rest = self.b.ins().isub(n, i);
            let rest = self.b.ins().iadd_imm_s(rest, -1);
            let rest = self.b.ins().imul_imm_s(rest, kmin + vmin);
            self.b.ins().iadd(outer, rest)
        });
        if let Some(later) = later {
            let r = self.b.ins().iadd_imm_s(later, vmin);
            self.b.ins().store(native(), r, self.ctx, DecodeCtx::RESERVED);
        }
        self.read_entry(k, entry, 0, d1);
        if let Some(later) = later {
            self.b.ins().store(native(), later, self.ctx, DecodeCtx::RESERVED);
        }
        self.read_entry(v, entry, el.value_offset as i32, d1);
        each.close(self.b);
        if let Some(outer) = outer {
            self.b.ins().store(native(), outer, self.ctx, DecodeCtx::RESERVED);
        }
        self.b.ins().jump(store, &[BlockArg::Value(arr)]);

        self.store_elements(store, n, f);
    }

    /// A list element or a map key or value of `kind` ([`is_entry`]) at
    /// `pos` into `dst + off`, every byte checked before it is read; a
    /// struct one level deeper than the container (`d1`).
    fn read_entry(&mut self, kind: &ValueKind, dst: Value, off: i32, d1: Value) {
        match kind {
            ValueKind::String | ValueKind::Binary => {
                let (ptr, n) = self.read_bytes(Bounds::Unchecked);
                self.store_slice(ptr, n, dst, off);
            }
            ValueKind::Struct(id) => {
                let child = self.decode_child(*id, d1);
                self.b.ins().store(native(), child, dst, off);
            }
            scalar => self.read_scalar(scalar, dst, off, Bounds::Unchecked),
        }
    }

    /// After a container header of `n` (> 0) elements: when its element
    /// types are the IDL's (`same`), checks that `n` × `min` bytes fit and
    /// leaves the builder in `ready`; when not, rewinds to the value's
    /// `start` and keeps the whole field `f` as unknown.
    #[expect(clippy::too_many_arguments, reason = "the header's values, passed as they are")]
    fn typed_or_unknown(
        &mut self,
        same: Value,
        start: Value,
        f: &FieldLayout,
        n: Value,
        min: i64,
        unknown: Block,
        ready: Block,
    ) {
        let typed = self.b.create_block();
        let mismatch = self.b.create_block();
        self.b.ins().brif(same, typed, &[], mismatch, &[]);
        self.b.switch_to_block(mismatch);
        self.b.def_var(self.pos, start);
        let args = self.unknown_args(f);
        self.b.ins().jump(unknown, &args);

        self.b.switch_to_block(typed);
        self.check_count(n, min);
        self.b.ins().jump(ready, &[]);
        self.b.switch_to_block(ready);
    }

    /// Fails unless `n` × `min` bytes are left beyond those the enclosing
    /// lists reserve (the interpreter's count check and its check against
    /// `reserved`, in one comparison; `n` is at most `i32::MAX`, so the
    /// product does not overflow).
    fn check_count(&mut self, n: Value, min: i64) {
        let need = self.b.ins().imul_imm_s(n, min);
        let pos = self.b.use_var(self.pos);
        let room = self.b.ins().isub(self.len, pos);
        // `room.saturating_sub(reserved)`.
        let reserved = self.b.ins().load(I64, native(), self.ctx, DecodeCtx::RESERVED);
        let free = self.b.ins().isub(room, reserved);
        let spent = self.b.ins().icmp(IntCC::UnsignedGreaterThan, reserved, room);
        let zero = self.b.ins().iconst(I64, 0);
        let free = self.b.ins().select(spent, zero, free);
        let too_many = self.b.ins().icmp(IntCC::UnsignedGreaterThan, need, free);
        let fits = self.b.create_block();
        self.b.ins().brif(too_many, self.error, &[], fits, &[]);
        self.b.switch_to_block(fits);
    }

    /// Fails unless `n` more bytes are in the input.
    fn need(&mut self, n: i64) {
        let pos = self.b.use_var(self.pos);
        let end = super::ir::add_imm(self.b, pos, n);
        let short = self.b.ins().icmp(IntCC::UnsignedGreaterThan, end, self.len);
        let ok = self.b.create_block();
        self.b.ins().brif(short, self.error, &[], ok, &[]);
        super::ir::enter(self.b, ok);
    }

    /// The address of the next field header, for the fast path's one bounds
    /// check of `n` bytes (the header and the value bytes it reads), without
    /// a branch: when fewer than `n` bytes are left, the address of the
    /// context's zeros instead, whose header matches no field's (a header's
    /// first byte is never 0), so the header test alone sends the decoder
    /// off the expected path. Returns `pos` and the address.
    fn header_at(&mut self, n: i64) -> (Value, Value) {
        let pos = self.b.use_var(self.pos);
        let end = super::ir::add_imm(self.b, pos, n);
        let short = self.b.ins().icmp(IntCC::UnsignedGreaterThan, end, self.len);
        let addr = self.b.ins().iadd(self.buf, pos);
        let zeros = match self.zeros {
            Some(z) => z,
            None => *self.zeros.insert(self.b.ins().iadd_imm_s(self.ctx, i64::from(DecodeCtx::ZEROS))),
        };
        let addr = self.b.ins().select(short, zeros, addr);
        (pos, addr)
    }

    /// The address of the value at `pos` and an offset from it: on the fast
    /// path, after a matched Binary header, the header's address and the
    /// header's length.
    fn value_addr(&mut self, bounds: Bounds) -> (Value, i32) {
        match (bounds, self.header) {
            (Bounds::Header | Bounds::Run, Some((_, addr, len))) => (addr, len as i32),
            _ => {
                let pos = self.b.use_var(self.pos);
                (self.b.ins().iadd(self.buf, pos), 0)
            }
        }
    }

    /// Advances `pos` past a value of `n` bytes read at [`Gen::value_addr`].
    fn advance_value(&mut self, bounds: Bounds, n: i64) {
        match (bounds, self.header.take()) {
            (Bounds::Header, Some((pos, _, len))) => {
                let end = super::ir::add_imm(self.b, pos, len + n);
                self.b.def_var(self.pos, end);
            }
            (Bounds::Run, Some(_)) => {}
            _ => self.advance(n),
        }
    }

    /// Advances `pos` by `n` bytes.
    fn advance(&mut self, n: i64) {
        let pos = self.b.use_var(self.pos);
        let p = super::ir::add_imm(self.b, pos, n);
        self.b.def_var(self.pos, p);
    }

    fn sync_pos(&mut self) {
        let pos = self.b.use_var(self.pos);
        self.b.ins().store(native(), pos, self.ctx, DecodeCtx::POS);
    }

    fn reload_pos(&mut self) {
        let pos = self.b.ins().load(I64, native(), self.ctx, DecodeCtx::POS);
        self.b.def_var(self.pos, pos);
    }

    /// Returns `status` from this function unless it is `OK`.
    /// Takes a level for a container (fails at depth 0, as the
    /// interpreter); returns the depth its elements are read at.
    fn container_depth(&mut self) -> Value {
        let ok = self.b.create_block();
        self.b.ins().brif(self.depth, ok, &[], self.error, &[]);
        self.b.switch_to_block(ok);
        self.b.ins().iadd_imm_s(self.depth, -1)
    }

    fn check_status(&mut self, status: Value) {
        super::ir::check_status(self.b, status);
    }

    /// Calls a helper returning an `i32` status.
    fn call_helper(&mut self, offset: i32, params: &[cranelift_codegen::ir::Type], args: &[Value]) -> Value {
        super::ir::call_helper(self.b, self.call_conv, offset, params, I32, args)
    }

    /// Calls a helper returning a pointer.
    fn call_helper_ptr(&mut self, offset: i32, params: &[cranelift_codegen::ir::Type], args: &[Value]) -> Value {
        super::ir::call_helper(self.b, self.call_conv, offset, params, I64, args)
    }

    /// Stores an `I8` truth value of `cond` at `dst + off`.
    fn store_flag(&mut self, cond: Value, dst: Value, off: i32) {
        debug_assert_eq!(self.b.func.dfg.value_type(cond), I8);
        self.b.ins().store(native(), cond, dst, off);
    }
}
