//! The JIT: native decode and encode routines per struct type and protocol,
//! compiled by Cranelift from the same [`StructLayout`] the interpreter walks.
//!
//! # What is compiled
//! For the Binary and the Compact protocol, per struct type: a decoder, an
//! encoder and, compiled on the first [`Jit::encoded_size`] only, a sizer
//! (the encoder's generator without its stores, counting what it would
//! write; see `decode/` and `encode/` for their shape: one generator
//! per direction, with each protocol's spelling of headers, scalars, lengths
//! and list headers in its own file). Scalars, strings, structs, lists of
//! strings and structs, and maps whose keys and values are scalars, strings
//! or structs are inline; lists of scalars take one helper call
//! after one count (or capacity) check, as in the interpreter: a
//! byte-swapping copy for fixed widths, a varint loop for Compact integers
//! (measured against the inline varint reader below: fewer instructions
//! inline, but the helper's byte loop ran faster on lists of equal-length
//! varints, where its branches predict well); nested containers (a list
//! or map as an element, key or value), uuids, unknown fields, a decoder's
//! fields off its expected order (the dispatch helper, see `decode/`; the
//! expected order is the declaration order, or Kitex's for Binary decoders
//! of types whose structs arrive so: [`ExpectedOrder`]) and
//! the end-of-struct checks (unions, defaults, required fields) call the
//! interpreter through `extern "C"` helpers, so both engines share one
//! definition of those semantics. Types with more than [`MAX_JIT_FIELDS`]
//! fields are declined and served by the interpreter.
//!
//! # Errors
//! Generated code *detects* errors (status [`rt::ERROR`]); the interpreter
//! *explains* them: on failure the driver decodes (or encodes) the same
//! input again with the interpreter and returns its error, so both engines
//! report the same kind, offset and field path. Errors are the cold path.
//!
//! # Safety argument
//! Generated code reads untrusted bytes, so:
//! * every read of the input is preceded by a bounds check against the input
//!   length (one check covers a field header and a fixed-size value or the
//!   first byte of a varint; a longer varint is read as 8 bytes after a check
//!   that 8 are left, or else byte by byte, each checked (on the expected
//!   path of a decoder, by the dispatch helper instead); a list of
//!   fixed-size scalars is covered by the count check `count × size ≤
//!   remaining`, which the interpreter makes too, before the bulk helper
//!   reads it; Compact varint lists are read by the interpreter's reader);
//! * counts are also checked against what enclosing lists and maps of
//!   structs reserve for their later elements (`DecodeCtx::reserved`, the
//!   interpreter's budget), so hostile nesting cannot make every level
//!   allocate for the whole input;
//! * lengths are range-checked (Binary: sign; Compact: `i32::MAX`) and
//!   compared against the bytes left before use;
//! * every write goes to a block or array allocated through the arena
//!   helpers with the size the layout gives, or to the output `Vec` after a
//!   capacity check covering the largest encoding of what follows (growth is
//!   a helper);
//! * nesting is bounded by the same depth counter the interpreter uses;
//! * helpers are `extern "C"`, catch panics and return status codes, so
//!   nothing unwinds through generated frames.
//!
//! Differential tests and fuzzing check the JIT against the interpreter, in
//! both protocols.
//!
//! # Lifetimes
//! One [`Jit`] (one `JITModule`) per [`Layouts`], i.e. per loaded schema
//! generation. Routines are compiled lazily, on first use in a protocol and
//! a direction, with those of every struct type they reach: a first decode
//! compiles decoders ([`Jit::ensure_decoder_for`]), a first encode encoders
//! ([`Jit::ensure_encoder_for`]), a first [`Jit::encoded_size`] sizers; so a
//! server compiles its requests' decoders and its responses' encoders, and
//! a first call pays for one routine per type. Or everything ahead of time
//! ([`Jit::ensure`], [`Jit::compile_all`]). Compiling happens under a lock, in one batch with
//! one finalization; function pointers are then published through atomics (one
//! table per protocol and direction) and read lock-free. The module's memory
//! is freed when the `Jit` is dropped, which happens when the last `Codec` of
//! that schema generation is dropped: nothing else can call into it (decoded
//! messages hold no code pointers).

mod decode;

use decode::Order;
mod encode;
mod ir;
pub mod rt;

use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use cranelift_codegen::ir::UserFuncName;
use cranelift_codegen::isa::{CallConv, OwnedTargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::{Context, control::ControlPlane};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{Linkage, Module, default_libcall_names};

use crate::error::{DecodeError, EncodeError};
use crate::interp::{self, DecodeOptions};
use crate::layout::{Layouts, StructLayout};
use crate::schema::StructId;
use crate::value::{Arena, Message, StructRef, new_block};
use crate::wire::{DEFAULT_MAX_DEPTH, Protocol};

use rt::{DecodeCtx, EncodeCtx, OK, protocol_code};

/// The protocols the JIT compiles, in the order of its function tables.
const PROTOCOLS: [Protocol; 2] = [Protocol::Binary, Protocol::Compact];

/// Index of `p`'s function tables.
fn table(p: Protocol) -> usize {
    protocol_code(p) as usize
}

/// Types with more fields than this are left to the interpreter: the
/// generated code grows with the field count, and past a few hundred fields
/// it no longer fits the instruction cache, where the JIT stops winning
/// (the research notes measured a loss at 256 fields).
pub const MAX_JIT_FIELDS: usize = 256;

/// True when the JIT compiles this type.
pub fn accepts(layout: &StructLayout) -> bool {
    layout.fields.len() <= MAX_JIT_FIELDS
}

/// Counters of the JIT, for `thriftjit inspect` and the engine's statistics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JitStats {
    /// Struct types whose decoder was compiled, counted once per protocol
    /// compiled for.
    pub types_compiled: u64,
    /// Compilation batches (one finalization each).
    pub batches: u64,
    /// Total time spent compiling, in nanoseconds.
    pub compile_nanos: u64,
    /// Bytes of machine code generated.
    pub code_bytes: u64,
    /// Decodes whose compiled code failed, so the interpreter ran (to report
    /// the error, or, were the engines to disagree, to give the right answer).
    pub decode_fallbacks: u64,
    /// Encodes and sizes ([`Jit::encoded_size`]) whose compiled code failed, likewise.
    pub encode_fallbacks: u64,
    /// Binary decoders compiled again for Kitex's field order
    /// ([`ExpectedOrder::Adaptive`]).
    pub reorders: u64,
}

/// The compiled code of one schema generation.
pub struct Jit {
    layouts: Arc<Layouts>,
    state: Mutex<State>,
    /// Decoders by protocol ([`table`]), then by struct id; null until compiled.
    decode_fns: [Box<[AtomicPtr<u8>]>; 2],
    /// Encoders, likewise.
    encode_fns: [Box<[AtomicPtr<u8>]>; 2],
    /// Sizers, likewise: compiled on the first [`Jit::encoded_size`] of a
    /// type, not with its decoder and encoder (few callers size a message
    /// without encoding it, so the others do not pay their compile time).
    size_fns: [Box<[AtomicPtr<u8>]>; 2],
    /// What the dispatch helper needs to know of each type's decoders, by
    /// expected order ([`Order::Declared`], [`Order::Kitex`]), then struct
    /// id. Compiled decoders hold the addresses of theirs: freed with the JIT.
    dispatch: [Box<[decode::DispatchInfo]>; 2],
    /// The expected order of each type's Binary decoder (an index of
    /// `dispatch`), by struct id: what the next compile uses.
    binary_order: Box<[AtomicU8]>,
    /// What decoders expect ([`JitOptions::expected_order`]).
    options: JitOptions,
    /// Set by the dispatch helper when a type's structs keep arriving in
    /// Kitex's order: checked after each compiled decode.
    reorder: AtomicBool,
    reorders: AtomicU64,
    types_compiled: AtomicU64,
    batches: AtomicU64,
    compile_nanos: AtomicU64,
    code_bytes: AtomicU64,
    decode_fallbacks: AtomicU64,
    encode_fallbacks: AtomicU64,
}

struct State {
    module: Option<JITModule>,
    call_conv: CallConv,
}

/// What compiling a function allocates and can reuse: Cranelift's context
/// (the function, its analyses, the register allocator's tables) and the
/// builder's. Kept between compiles, even of different JITs, so that a
/// compile does not first grow its tables from empty.
struct Scratch {
    ctx: Context,
    fctx: FunctionBuilderContext,
}

/// Idle scratch, at most [`SCRATCH_KEPT`]. A compile takes one (or makes one)
/// and gives it back.
static SCRATCH: Mutex<Vec<Scratch>> = Mutex::new(Vec::new());

/// How many idle scratch spaces are kept: one per thread compiling at the
/// same time, up to this many (each JIT compiles under its own lock, so more
/// than one only happens with several schemas loaded at once). Each holds
/// the tables of the largest function it compiled, tens of kilobytes for
/// the corpus types.
const SCRATCH_KEPT: usize = 4;

impl Scratch {
    fn take() -> Scratch {
        let idle = SCRATCH.lock().unwrap_or_else(|e| e.into_inner()).pop();
        idle.unwrap_or_else(|| Scratch { ctx: Context::new(), fctx: FunctionBuilderContext::new() })
    }

    fn give_back(self) {
        let mut idle = SCRATCH.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < SCRATCH_KEPT {
            idle.push(self);
        }
    }
}

// SAFETY: the module is only touched under the mutex; the function tables
// are atomics; the compiled code is immutable once published.
unsafe impl Send for Jit {}
// SAFETY: as above.
unsafe impl Sync for Jit {}

impl std::fmt::Debug for Jit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jit").field("stats", &self.stats()).finish()
    }
}

/// How often the dispatch helper must read a type's fields in Kitex's
/// order, and not in the declaration order (a field declared before one
/// read earlier), before an adaptive JIT compiles that type's Binary
/// decoder for Kitex's order: enough that a few odd messages do not switch
/// it, few enough that a gateway facing a Kitex service switches within its
/// first requests. Declaration-order peers, with fields missing or not,
/// never count.
pub const KITEX_SIGHTINGS: u32 = 16;

/// The field order compiled decoders expect on their straight-line path.
/// Any order decodes correctly; fields off the expected order are read by a
/// helper, at about the interpreter's speed, so the expected order is what
/// the peer writes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ExpectedOrder {
    /// Declaration order (Apache Thrift, pilota and this crate write it).
    Declared,
    /// Kitex's order for Binary decoders: fixed-size fields first, then the
    /// others, each group in declaration order (Kitex's fast codec writes
    /// Binary so; Compact decoders expect the declaration order).
    Kitex,
    /// Declaration order, switching a type's Binary decoder to Kitex's
    /// order once its structs arrive in Kitex's order ([`KITEX_SIGHTINGS`]).
    #[default]
    Adaptive,
}

/// Options of a [`Jit`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JitOptions {
    /// The field order decoders expect.
    pub expected_order: ExpectedOrder,
}

/// A JIT that cannot be created (e.g. the host is not supported by Cranelift).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JitError(pub String);

impl std::fmt::Display for JitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "JIT unavailable: {}", self.0)
    }
}

impl std::error::Error for JitError {}

/// The ISA of this machine, or of a named target (`aarch64-unknown-linux-gnu`).
fn isa(target: Option<&str>) -> Result<OwnedTargetIsa, JitError> {
    let mut flags = settings::builder();
    let set = |f: &mut settings::Builder, k: &str, v: &str| f.set(k, v).map_err(|e| JitError(format!("{k}: {e}")));
    // No egraph pass: the generators emit IR already folded (see `ir::add_imm`), so it
    // bought about 1% of run time on Compact decode and cost a fifth of compile time
    // (Wide20, Binary: 25.8 → 20.8 M instructions to compile).
    set(&mut flags, "opt_level", "none")?;
    // JITModule requires non-PIC code; helpers are called at constant addresses, not by symbol.
    set(&mut flags, "is_pic", "false")?;
    set(&mut flags, "use_colocated_libcalls", "false")?;
    // The verifier catches malformed IR early; it doubles compile time, so it runs in debug builds and tests only.
    set(&mut flags, "enable_verifier", if cfg!(debug_assertions) { "true" } else { "false" })?;
    let builder = match target {
        None => cranelift_native::builder().map_err(|e| JitError(e.to_string()))?,
        Some(t) => cranelift_codegen::isa::lookup_by_name(t).map_err(|e| JitError(e.to_string()))?,
    };
    builder.finish(settings::Flags::new(flags)).map_err(|e| JitError(e.to_string()))
}

impl Jit {
    /// A JIT for the types of `layouts` (nothing is compiled yet).
    ///
    /// # Errors
    /// When Cranelift does not support this machine.
    pub fn new(layouts: Arc<Layouts>) -> Result<Arc<Jit>, JitError> {
        Jit::with_options(layouts, JitOptions::default())
    }

    /// A JIT for the types of `layouts`, with `options`.
    ///
    /// # Errors
    /// When Cranelift does not support this machine.
    pub fn with_options(layouts: Arc<Layouts>, options: JitOptions) -> Result<Arc<Jit>, JitError> {
        let isa = isa(None)?;
        let call_conv = isa.default_call_conv();
        let module = JITModule::new(JITBuilder::with_isa(isa, default_libcall_names()));
        let n = layouts.all().len();
        let empty = || (0..n).map(|_| AtomicPtr::new(std::ptr::null_mut())).collect::<Vec<_>>().into_boxed_slice();
        let tables = |order| layouts.all().iter().map(|l| decode::DispatchInfo::new(&layouts, l, order)).collect();
        let dispatch = [tables(Order::Declared), tables(Order::Kitex)];
        let first = match options.expected_order {
            ExpectedOrder::Kitex => Order::Kitex,
            ExpectedOrder::Declared | ExpectedOrder::Adaptive => Order::Declared,
        };
        let binary_order = (0..n).map(|_| AtomicU8::new(first as u8)).collect();
        Ok(Arc::new(Jit {
            layouts,
            state: Mutex::new(State { module: Some(module), call_conv }),
            decode_fns: [empty(), empty()],
            encode_fns: [empty(), empty()],
            size_fns: [empty(), empty()],
            dispatch,
            binary_order,
            options,
            reorder: AtomicBool::new(false),
            reorders: AtomicU64::new(0),
            types_compiled: AtomicU64::new(0),
            batches: AtomicU64::new(0),
            compile_nanos: AtomicU64::new(0),
            code_bytes: AtomicU64::new(0),
            decode_fallbacks: AtomicU64::new(0),
            encode_fallbacks: AtomicU64::new(0),
        }))
    }

    /// The layouts this JIT compiles.
    pub fn layouts(&self) -> &Arc<Layouts> {
        &self.layouts
    }

    /// The options this JIT was made with.
    pub fn options(&self) -> JitOptions {
        self.options
    }

    /// Counters.
    pub fn stats(&self) -> JitStats {
        JitStats {
            types_compiled: self.types_compiled.load(Ordering::Relaxed),
            batches: self.batches.load(Ordering::Relaxed),
            compile_nanos: self.compile_nanos.load(Ordering::Relaxed),
            code_bytes: self.code_bytes.load(Ordering::Relaxed),
            decode_fallbacks: self.decode_fallbacks.load(Ordering::Relaxed),
            encode_fallbacks: self.encode_fallbacks.load(Ordering::Relaxed),
            reorders: self.reorders.load(Ordering::Relaxed),
        }
    }

    /// True when `ty` is compiled for every protocol.
    pub fn is_compiled(&self, ty: StructId) -> bool {
        PROTOCOLS.iter().all(|&p| self.is_compiled_for(ty, p))
    }

    /// True when the decoder and the encoder of `ty` are compiled for `protocol`.
    pub fn is_compiled_for(&self, ty: StructId, protocol: Protocol) -> bool {
        self.has(&[Kind::Decode, Kind::Encode], ty, protocol)
    }

    /// Compiles `ty` and every type it reaches for every protocol, unless already done
    /// (for callers that want no compile on a first call). Returns false when the JIT
    /// declines the type.
    ///
    /// # Errors
    /// A Cranelift failure (a bug: the interpreter still serves the type).
    pub fn ensure(&self, ty: StructId) -> Result<bool, JitError> {
        for protocol in PROTOCOLS {
            if !self.ensure_for(ty, protocol)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Compiles the decoder and the encoder of `ty` and of every type it
    /// reaches for `protocol` only, unless already done (half the work of
    /// [`Jit::ensure`]). Returns false when the JIT declines the type.
    ///
    /// # Errors
    /// As [`Jit::ensure`].
    pub fn ensure_for(&self, ty: StructId, protocol: Protocol) -> Result<bool, JitError> {
        self.compile(ty, protocol, &[Kind::Decode, Kind::Encode])
    }

    /// Compiles the decoder of `ty` and of every type it reaches for
    /// `protocol`, unless already done: what a first decode pays (a server
    /// decodes its requests and encodes its responses, and compiles no
    /// more than that). Returns false when the JIT declines the type.
    ///
    /// # Errors
    /// As [`Jit::ensure`].
    pub fn ensure_decoder_for(&self, ty: StructId, protocol: Protocol) -> Result<bool, JitError> {
        self.compile(ty, protocol, &[Kind::Decode])
    }

    /// Compiles the encoder of `ty` and of every type it reaches for
    /// `protocol`, unless already done: what a first encode pays. Returns
    /// false when the JIT declines the type.
    ///
    /// # Errors
    /// As [`Jit::ensure`].
    pub fn ensure_encoder_for(&self, ty: StructId, protocol: Protocol) -> Result<bool, JitError> {
        self.compile(ty, protocol, &[Kind::Encode])
    }

    /// Compiles the sizer of `ty` (and of every type it reaches) for
    /// `protocol`, unless already done: what the first
    /// [`Jit::encoded_size`] of a type pays. Returns false when the JIT
    /// declines the type.
    ///
    /// # Errors
    /// As [`Jit::ensure`].
    pub fn ensure_sizer_for(&self, ty: StructId, protocol: Protocol) -> Result<bool, JitError> {
        self.compile(ty, protocol, &[Kind::Size])
    }

    /// The table of `kind`'s routines for `protocol`.
    fn fns(&self, kind: Kind, protocol: Protocol) -> &[AtomicPtr<u8>] {
        let tables = match kind {
            Kind::Decode => &self.decode_fns,
            Kind::Encode => &self.encode_fns,
            Kind::Size => &self.size_fns,
        };
        &tables[table(protocol)]
    }

    /// True when every routine of `kinds` is compiled for `ty`.
    /// Whether the decoder (or, with `decode` false, the encoder) of `ty`
    /// for `protocol` is compiled.
    pub(crate) fn has_routine(&self, ty: StructId, protocol: Protocol, decode: bool) -> bool {
        self.has(&[if decode { Kind::Decode } else { Kind::Encode }], ty, protocol)
    }

    fn has(&self, kinds: &[Kind], ty: StructId, protocol: Protocol) -> bool {
        kinds.iter().all(|&k| !self.fns(k, protocol)[ty.0 as usize].load(Ordering::Acquire).is_null())
    }

    /// Compiles the routines `kinds` of `ty` and of every type it reaches
    /// for `protocol`, in one batch, unless already done.
    fn compile(&self, ty: StructId, protocol: Protocol, kinds: &[Kind]) -> Result<bool, JitError> {
        if self.has(kinds, ty, protocol) {
            return Ok(true);
        }
        if !accepts(self.layouts.get(ty)) {
            return Ok(false);
        }
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if self.has(kinds, ty, protocol) {
            return Ok(true);
        }
        let batch = self.closure(ty, protocol, kinds);
        let start = Instant::now();
        let (ids, code) = with_module(&mut state, |module, Scratch { ctx, fctx }, call_conv| {
            // (type, routine, function)
            let mut ids = Vec::with_capacity(batch.len() * kinds.len());
            let mut code = 0u64;
            for &t in &batch {
                let layout = self.layouts.get(t);
                for &kind in kinds.iter().filter(|&&k| !self.has(&[k], t, protocol)) {
                    let name = format!("{}_{}_{}", kind.prefix(), protocol.name(), t.0);
                    let info = self.decode_info(t, protocol);
                    let (id, bytes) = define(module, ctx, fctx, &name, call_conv, |b| {
                        build(b, &self.layouts, layout, protocol, kind, call_conv, info)
                    })
                    .map_err(|e| JitError(format!("{} ({name}): {e}", layout.name)))?;
                    code += bytes;
                    ids.push((t, kind, id));
                }
            }
            module.finalize_definitions().map_err(|e| JitError(e.to_string()))?;
            // Publish children before the requested type (its code calls theirs).
            for &(t, kind, id) in ids.iter().rev() {
                let f = module.get_finalized_function(id) as *mut u8;
                self.fns(kind, protocol)[t.0 as usize].store(f, Ordering::Release);
            }
            Ok::<_, JitError>((ids, code))
        })?;
        let decoders = ids.iter().filter(|(_, k, _)| *k == Kind::Decode).count();
        self.types_compiled.fetch_add(decoders as u64, Ordering::Relaxed);
        self.batches.fetch_add(1, Ordering::Relaxed);
        self.compile_nanos.fetch_add(start.elapsed().as_nanos() as u64, Ordering::Relaxed);
        self.code_bytes.fetch_add(code, Ordering::Relaxed);
        Ok(true)
    }

    /// The dispatch table of the decoder of `ty` for `protocol` that the next
    /// compile builds: the order its Binary decoder expects now; Compact
    /// decoders always expect the declaration order.
    fn decode_info(&self, ty: StructId, protocol: Protocol) -> &decode::DispatchInfo {
        let order = match protocol {
            Protocol::Binary => usize::from(self.binary_order[ty.0 as usize].load(Ordering::Relaxed)),
            Protocol::Compact => Order::Declared as usize,
        };
        &self.dispatch[order][ty.0 as usize]
    }

    /// Recompiles, in Kitex's order, the Binary decoder of every type whose
    /// fields the dispatch helper read in Kitex's order
    /// [`KITEX_SIGHTINGS`] times ([`ExpectedOrder::Adaptive`]). The new decoder
    /// replaces the old one in the table; the old one stays in the module
    /// (decodes running it finish on it), and its type is not switched back.
    fn reorder_decoders(&self) {
        if !self.reorder.swap(false, Ordering::Relaxed) {
            return;
        }
        let due: Vec<StructId> = (0..self.layouts.all().len())
            .map(|i| StructId(i as u32))
            .filter(|t| {
                let i = t.0 as usize;
                self.binary_order[i].load(Ordering::Relaxed) == Order::Declared as u8
                    && self.dispatch[Order::Declared as usize][i].kitex_sightings.load(Ordering::Relaxed)
                        >= KITEX_SIGHTINGS
            })
            .collect();
        if due.is_empty() {
            return;
        }
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let start = Instant::now();
        let (ids, code) = with_module(&mut state, |module, Scratch { ctx, fctx }, call_conv| {
            let mut ids = Vec::new();
            let mut code = 0u64;
            for t in due {
                let i = t.0 as usize;
                // Another thread may have done it (or no decoder was compiled yet).
                if self.binary_order[i].load(Ordering::Relaxed) != Order::Declared as u8
                    || self.decode_fns[table(Protocol::Binary)][i].load(Ordering::Acquire).is_null()
                {
                    continue;
                }
                self.binary_order[i].store(Order::Kitex as u8, Ordering::Relaxed);
                let layout = self.layouts.get(t);
                let name = format!("{}_{}_kitex_{}", Kind::Decode.prefix(), Protocol::Binary.name(), t.0);
                let info = self.decode_info(t, Protocol::Binary);
                match define(module, ctx, fctx, &name, call_conv, |b| {
                    build(b, &self.layouts, layout, Protocol::Binary, Kind::Decode, call_conv, info)
                }) {
                    Ok((id, bytes)) => {
                        code += bytes;
                        ids.push((t, id));
                    }
                    // The declaration-order decoder stays.
                    Err(_) => self.binary_order[i].store(Order::Declared as u8, Ordering::Relaxed),
                }
            }
            if ids.is_empty() || module.finalize_definitions().is_err() {
                for &(t, _) in &ids {
                    self.binary_order[t.0 as usize].store(Order::Declared as u8, Ordering::Relaxed);
                }
                return (Vec::new(), 0);
            }
            for &(t, id) in &ids {
                let f = module.get_finalized_function(id) as *mut u8;
                self.decode_fns[table(Protocol::Binary)][t.0 as usize].store(f, Ordering::Release);
            }
            (ids, code)
        });
        if ids.is_empty() {
            return;
        }
        self.reorders.fetch_add(ids.len() as u64, Ordering::Relaxed);
        self.batches.fetch_add(1, Ordering::Relaxed);
        self.compile_nanos.fetch_add(start.elapsed().as_nanos() as u64, Ordering::Relaxed);
        self.code_bytes.fetch_add(code, Ordering::Relaxed);
    }

    /// Compiles every type the JIT accepts (for gateways that want no first-call latency).
    ///
    /// # Errors
    /// As [`Jit::ensure`].
    pub fn compile_all(&self) -> Result<(), JitError> {
        for i in 0..self.layouts.all().len() {
            self.ensure(StructId(i as u32))?;
        }
        Ok(())
    }

    /// `ty` first, then every accepted struct type it reaches that lacks one
    /// of the routines `kinds` for `protocol`.
    fn closure(&self, ty: StructId, protocol: Protocol, kinds: &[Kind]) -> Vec<StructId> {
        let mut out = vec![ty];
        let mut seen = vec![false; self.layouts.all().len()];
        seen[ty.0 as usize] = true;
        let mut i = 0;
        while i < out.len() {
            let layout = self.layouts.get(out[i]);
            for f in &layout.fields {
                let mut reached = Vec::new();
                collect_structs(&f.kind, &mut reached);
                for c in reached {
                    let ci = c.0 as usize;
                    if !seen[ci] && accepts(self.layouts.get(c)) && !self.has(kinds, c, protocol) {
                        seen[ci] = true;
                        out.push(c);
                    }
                }
            }
            i += 1;
        }
        out
    }

    /// Decodes a struct of type `ty` in `protocol` with compiled code; on
    /// any failure the interpreter decodes it again and reports its error.
    ///
    /// # Errors
    /// The interpreter's [`DecodeError`] for the same input.
    pub fn decode(
        &self,
        ty: StructId,
        protocol: Protocol,
        input: &bytes::Bytes,
        options: &DecodeOptions,
    ) -> Result<(Message, usize), DecodeError> {
        match self.decode_compiled(ty, protocol, input, options) {
            Some(done) => Ok(done),
            None => {
                if self.has(&[Kind::Decode], ty, protocol) {
                    self.decode_fallbacks.fetch_add(1, Ordering::Relaxed);
                }
                interp::decode_prefix(&self.layouts, ty, protocol, input, options)
            }
        }
    }

    /// Runs only the compiled decoder: `None` when it failed or `ty` is not
    /// compiled. Differential tests compare this with the interpreter.
    pub fn decode_compiled(
        &self,
        ty: StructId,
        protocol: Protocol,
        input: &bytes::Bytes,
        options: &DecodeOptions,
    ) -> Option<(Message, usize)> {
        let fns = &self.decode_fns[table(protocol)];
        let f = fns[ty.0 as usize].load(Ordering::Acquire);
        if f.is_null() {
            return None;
        }
        let layout = self.layouts.get(ty);
        let mut arena = Arena::with_capacity(input.len() * 2 + layout.size + 64);
        // Copied strings: generated code always aliases its input, so it reads a copy of
        // the input in the message's arena (one copy, rather than one per string; the
        // message then holds no reference to `input`).
        let buf = if options.copy_strings && !input.is_empty() {
            arena.alloc_bytes(input).as_ptr() as *const u8
        } else {
            input.as_ptr()
        };
        let root = new_block(&mut arena, layout);
        let mut ctx = DecodeCtx {
            buf,
            len: input.len(),
            pos: 0,
            arena: &mut arena,
            layouts: Arc::as_ptr(&self.layouts),
            fns: fns.as_ptr() as *const *const u8,
            reserved: 0,
            resume: 0,
            zeros: 0,
            // Only an adaptive JIT watches for Kitex's order.
            reorder: if self.options.expected_order == ExpectedOrder::Adaptive {
                &self.reorder
            } else {
                std::ptr::null()
            },
            protocol: protocol_code(protocol),
        };
        // SAFETY: `f` is a finalized decoder of `ty` for `protocol` from this JIT's module,
        // which lives as long as `self`; the context describes the live input,
        // arena and layouts, and `root` is a fresh block of `ty`.
        let status = unsafe {
            let f: extern "C" fn(*mut DecodeCtx, *mut u8, u64) -> i32 = std::mem::transmute(f);
            f(&mut ctx, root.as_ptr(), u64::from(options.max_depth))
        };
        if self.reorder.load(Ordering::Relaxed) {
            self.reorder_decoders();
        }
        if status != OK {
            return None;
        }
        let consumed = ctx.pos;
        let keep = if options.copy_strings { None } else { Some(input.clone()) };
        // SAFETY: the generated code wrote `root` completely following the
        // layouts (the same contract as the interpreter), in `arena`, with
        // strings aliasing `input` (kept) or copied into `arena`.
        let message = unsafe { Message::from_parts(self.layouts.clone(), ty, root, arena, keep) };
        Some((message, consumed))
    }

    /// Encodes in `protocol` with compiled code, appending to `out`; on
    /// failure the interpreter encodes and reports its error.
    ///
    /// # Errors
    /// The interpreter's [`EncodeError`] for the same message.
    pub fn encode(&self, message: &StructRef<'_>, protocol: Protocol, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        if self.encode_compiled(message, protocol, out) {
            return Ok(());
        }
        if self.has(&[Kind::Encode], message.layout().id, protocol) {
            self.encode_fallbacks.fetch_add(1, Ordering::Relaxed);
        }
        interp::encode(message, protocol, out)
    }

    /// Runs only the compiled encoder: false (with `out` unchanged) when it
    /// failed or the type is not compiled.
    pub fn encode_compiled(&self, message: &StructRef<'_>, protocol: Protocol, out: &mut Vec<u8>) -> bool {
        let ty = message.layout().id;
        let fns = &self.encode_fns[table(protocol)];
        let f = fns[ty.0 as usize].load(Ordering::Acquire);
        if f.is_null() || !std::ptr::eq(message.layouts_ref(), &*self.layouts) {
            return false;
        }
        let start = out.len();
        let mut ctx = EncodeCtx {
            buf: out.as_mut_ptr(),
            pos: out.len(),
            cap: out.capacity(),
            vec: out,
            layouts: Arc::as_ptr(&self.layouts),
            fns: fns.as_ptr() as *const *const u8,
            protocol: protocol_code(protocol),
            last_id: 0,
            measure: 0,
        };
        // SAFETY: `f` is a finalized encoder of `ty` for `protocol` from this module; the
        // message's block follows the same layouts (checked above); the
        // context describes `out`, whose first `pos` bytes stay initialised.
        let status = unsafe {
            let f: extern "C" fn(*mut EncodeCtx, *mut u8, u64) -> i32 = std::mem::transmute(f);
            f(&mut ctx, message.ptr().as_ptr(), u64::from(DEFAULT_MAX_DEPTH))
        };
        // SAFETY: generated code and helpers initialised every byte below `pos`
        // and kept `pos <= capacity` (checked before each write).
        unsafe { out.set_len(ctx.pos) };
        if status != OK {
            out.truncate(start);
            return false;
        }
        true
    }

    /// The bytes [`Jit::encode`] writes for `message` in `protocol`, counted
    /// by compiled code (compiling the type's sizer on first use); on failure
    /// the interpreter counts and reports its error.
    ///
    /// # Errors
    /// The interpreter's [`EncodeError`] for the same message.
    pub fn encoded_size(&self, message: &StructRef<'_>, protocol: Protocol) -> Result<usize, EncodeError> {
        let ty = message.layout().id;
        if matches!(self.ensure_sizer_for(ty, protocol), Ok(true)) {
            if let Some(n) = self.encoded_size_compiled(message, protocol) {
                return Ok(n);
            }
            if std::ptr::eq(message.layouts_ref(), &*self.layouts) {
                self.encode_fallbacks.fetch_add(1, Ordering::Relaxed);
            }
        }
        interp::encoded_size(message, protocol)
    }

    /// Runs only the compiled sizer: `None` when it failed (where the
    /// encoder fails) or is not compiled.
    pub fn encoded_size_compiled(&self, message: &StructRef<'_>, protocol: Protocol) -> Option<usize> {
        let ty = message.layout().id;
        let fns = &self.size_fns[table(protocol)];
        let f = fns[ty.0 as usize].load(Ordering::Acquire);
        if f.is_null() || !std::ptr::eq(message.layouts_ref(), &*self.layouts) {
            return None;
        }
        let mut ctx = EncodeCtx {
            buf: std::ptr::null_mut(),
            pos: 0,
            cap: 0,
            vec: std::ptr::null_mut(),
            layouts: Arc::as_ptr(&self.layouts),
            fns: fns.as_ptr() as *const *const u8,
            protocol: protocol_code(protocol),
            last_id: 0,
            measure: 1,
        };
        // SAFETY: `f` is a finalized sizer of `ty` for `protocol` from this module; the
        // message's block follows the same layouts (checked above). A sizer
        // reads the message only: it never writes through `buf` or `vec`.
        let status = unsafe {
            let f: extern "C" fn(*mut EncodeCtx, *mut u8, u64) -> i32 = std::mem::transmute(f);
            f(&mut ctx, message.ptr().as_ptr(), u64::from(DEFAULT_MAX_DEPTH))
        };
        (status == OK).then_some(ctx.pos)
    }

    /// Decodes `input` with the compiled code alone and with the interpreter,
    /// and re-encodes what both decoded with both engines (and sizes it with
    /// the compiled sizer, compiled here if needed); returns whether the
    /// input decoded, or a description of the first disagreement (decoded by
    /// one engine only, different consumed length, different messages,
    /// different bytes, a size other than the encoder's). For differential
    /// tests and fuzzing.
    ///
    /// # Errors
    /// The description of a disagreement.
    pub fn compare_with_interpreter(
        &self,
        ty: StructId,
        protocol: Protocol,
        input: &bytes::Bytes,
        options: &DecodeOptions,
    ) -> Result<bool, String> {
        let compiled = self.decode_compiled(ty, protocol, input, options);
        let reference = interp::decode_prefix(&self.layouts, ty, protocol, input, options);
        match (compiled, reference) {
            (None, Err(_)) => Ok(false),
            (Some(_), Err(e)) => Err(format!("the JIT decoded what the interpreter rejects ({e})")),
            (None, Ok(_)) => Err("the interpreter decoded what the JIT rejects".to_string()),
            (Some((a, n)), Ok((b, m))) => {
                if n != m {
                    return Err(format!("consumed {n} bytes (JIT) vs {m} (interpreter)"));
                }
                if a != b {
                    return Err(format!("decoded {a:?} (JIT) vs {b:?} (interpreter)"));
                }
                let mut x = Vec::new();
                let jit_ok = self.encode_compiled(&a.root(), protocol, &mut x);
                // The sizer must agree with the encoder: the same length, or both fail.
                self.ensure_sizer_for(ty, protocol).map_err(|e| e.to_string())?;
                let size = self.encoded_size_compiled(&a.root(), protocol);
                if size != jit_ok.then_some(x.len()) {
                    return Err(format!("sized {size:?} (JIT) vs {:?} encoded (JIT)", jit_ok.then_some(x.len())));
                }
                match (jit_ok, interp::encode_to_vec(&b.root(), protocol)) {
                    (true, Ok(y)) if x == y => Ok(true),
                    (true, Ok(y)) => Err(format!("re-encoded {x:02x?} (JIT) vs {y:02x?} (interpreter)")),
                    (false, Err(_)) => Ok(true),
                    (true, Err(e)) => Err(format!("the JIT encoded what the interpreter rejects ({e})")),
                    (false, Ok(_)) => Err("the interpreter encoded what the JIT rejects".to_string()),
                }
            }
        }
    }

    /// The Cranelift IR and machine code of one type's routines for
    /// `protocol`, compiled for `target` (this machine when `None`), with a
    /// decoder for the declaration order.
    ///
    /// # Errors
    /// When the type is declined or Cranelift fails.
    pub fn inspect(
        layouts: &Layouts,
        ty: StructId,
        protocol: Protocol,
        target: Option<&str>,
    ) -> Result<Inspection, JitError> {
        Jit::inspect_order(layouts, ty, protocol, target, ExpectedOrder::Declared)
    }

    /// As [`Jit::inspect`], with a decoder for the field order `order`
    /// starts with: Kitex's order is that of Binary decoders only, and
    /// `Adaptive` starts in declaration order.
    ///
    /// # Errors
    /// As [`Jit::inspect`].
    pub fn inspect_order(
        layouts: &Layouts,
        ty: StructId,
        protocol: Protocol,
        target: Option<&str>,
        order: ExpectedOrder,
    ) -> Result<Inspection, JitError> {
        let order = match (order, protocol) {
            (ExpectedOrder::Kitex, Protocol::Binary) => Order::Kitex,
            _ => Order::Declared,
        };
        inspect(layouts, ty, protocol, target, order)
    }
}

impl Drop for Jit {
    fn drop(&mut self) {
        let state = self.state.get_mut().unwrap_or_else(|e| e.into_inner());
        if let Some(module) = state.module.take() {
            // SAFETY: dropping the last reference to this `Jit` means no
            // decode or encode through its tables can be running or start
            // (they borrow `self`), and messages hold no code pointers.
            unsafe { module.free_memory() };
        }
    }
}

/// The routines compiled per struct type and protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Decode,
    Encode,
    /// The encoder's sizer ([`Jit::encoded_size`]).
    Size,
}

impl Kind {
    /// The prefix of the routine's symbol (`dec_binary_3`).
    fn prefix(self) -> &'static str {
        match self {
            Kind::Decode => "dec",
            Kind::Encode => "enc",
            Kind::Size => "size",
        }
    }

    /// The name `thriftjit inspect` prints.
    fn name(self) -> &'static str {
        match self {
            Kind::Decode => "decode",
            Kind::Encode => "encode",
            Kind::Size => "encoded_size",
        }
    }
}

/// Runs `f` with the module of `state` (its lock held by the caller), a
/// compile scratch taken from the pool (given back after) and the calling
/// convention.
fn with_module<R>(state: &mut State, f: impl FnOnce(&mut JITModule, &mut Scratch, CallConv) -> R) -> R {
    let State { module, call_conv } = state;
    let module = module.as_mut().expect("the module lives until drop");
    let mut scratch = Scratch::take();
    module.clear_context(&mut scratch.ctx);
    let out = f(module, &mut scratch, *call_conv);
    scratch.give_back();
    out
}

/// Declares the function `name` in `module`, builds it with `body` (in the
/// reused `ctx` and `fctx`) and compiles it: its id and code size.
fn define(
    module: &mut JITModule,
    ctx: &mut Context,
    fctx: &mut FunctionBuilderContext,
    name: &str,
    call_conv: CallConv,
    body: impl FnOnce(&mut FunctionBuilder<'_>),
) -> Result<(cranelift_module::FuncId, u64), String> {
    let sig = decode::signature(call_conv);
    let id = module.declare_function(name, Linkage::Local, &sig).map_err(|e| e.to_string())?;
    ctx.func.signature = sig;
    ctx.func.name = UserFuncName::user(0, id.as_u32());
    let mut b = FunctionBuilder::new(&mut ctx.func, fctx);
    body(&mut b);
    b.finalize(module.target_config());
    let defined = module.define_function(id, ctx).map_err(|e| format!("{e:?}"));
    let bytes = ctx.compiled_code().map_or(0, |c| c.code_buffer().len() as u64);
    module.clear_context(ctx);
    defined.map(|()| (id, bytes))
}

/// Builds one routine of `layout` into `b`.
/// `info` is the decoder's dispatch table (unused by the other routines).
fn build(
    b: &mut FunctionBuilder<'_>,
    layouts: &Layouts,
    layout: &StructLayout,
    protocol: Protocol,
    kind: Kind,
    call_conv: CallConv,
    info: &decode::DispatchInfo,
) {
    match kind {
        Kind::Decode => decode::build(b, layouts, layout, protocol, call_conv, info),
        Kind::Encode => encode::build(b, layouts, layout, protocol, call_conv, false),
        Kind::Size => encode::build(b, layouts, layout, protocol, call_conv, true),
    }
}

fn collect_structs(kind: &crate::layout::ValueKind, out: &mut Vec<StructId>) {
    use crate::layout::ValueKind;
    match kind {
        ValueKind::Struct(id) => out.push(*id),
        ValueKind::List(e) | ValueKind::Set(e) => collect_structs(e, out),
        ValueKind::Map(k, v) => {
            collect_structs(k, out);
            collect_structs(v, out);
        }
        _ => {}
    }
}

/// What `thriftjit inspect` prints about one routine.
#[derive(Clone, Debug)]
pub struct Routine {
    /// `decode` or `encode`.
    pub name: &'static str,
    /// The Cranelift IR.
    pub clif: String,
    /// Cranelift's disassembly of the machine code (after register allocation).
    pub asm: String,
    /// The machine code bytes.
    pub code: Vec<u8>,
    /// Time to compile, in microseconds.
    pub compile_micros: u64,
}

/// The compiled routines of one type in one protocol.
#[derive(Clone, Debug)]
pub struct Inspection {
    /// The target compiled for.
    pub target: String,
    /// The protocol the routines read and write.
    pub protocol: Protocol,
    /// Decoder, encoder and sizer.
    pub routines: Vec<Routine>,
}

fn inspect(
    layouts: &Layouts,
    ty: StructId,
    protocol: Protocol,
    target: Option<&str>,
    order: Order,
) -> Result<Inspection, JitError> {
    let layout = layouts.get(ty);
    if !accepts(layout) {
        return Err(JitError(format!(
            "`{}` has {} fields; the JIT declines types above {MAX_JIT_FIELDS}",
            layout.name,
            layout.fields.len()
        )));
    }
    let isa = isa(target)?;
    let call_conv = isa.default_call_conv();
    let mut fctx = FunctionBuilderContext::new();
    let mut routines = Vec::new();
    // The decoder's dispatch table: its address is a constant of the code,
    // which is printed, never run.
    let info = decode::DispatchInfo::new(layouts, layout, order);
    for kind in [Kind::Decode, Kind::Encode, Kind::Size] {
        let mut ctx = Context::new();
        ctx.func.signature = decode::signature(call_conv);
        ctx.set_disasm(true);
        {
            let mut b = FunctionBuilder::new(&mut ctx.func, &mut fctx);
            build(&mut b, layouts, layout, protocol, kind, call_conv, &info);
            b.finalize(isa.frontend_config());
        }
        let clif = ctx.func.display().to_string();
        let start = Instant::now();
        let compiled =
            ctx.compile(&*isa, &mut ControlPlane::default()).map_err(|e| JitError(format!("{:?}", e.inner)))?;
        let compile_micros = start.elapsed().as_micros() as u64;
        routines.push(Routine {
            name: kind.name(),
            clif,
            asm: compiled.vcode.clone().unwrap_or_default(),
            code: compiled.code_buffer().to_vec(),
            compile_micros,
        });
    }
    Ok(Inspection { target: isa.triple().to_string(), protocol, routines })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::EncodeErrorKind;
    use crate::schema::Schema;
    use crate::value::Value;

    /// A string whose length does not fit an i32 fails in the compiled
    /// encoder and sizer, in both protocols, before a byte of it is read
    /// (its slot points at 3 bytes: a copy would crash), and the codec then
    /// reports the interpreter's `TooLong`. No message can carry one on the
    /// wire, so the slot is written by hand.
    #[test]
    fn strings_past_an_i32_length_fail_before_they_are_read() {
        let idl = "struct T { 1: i32 a, 2: string s, 3: i64 b, 4: required binary r }";
        let layouts = Layouts::new(Schema::parse_str("t.thrift", idl).unwrap());
        let ty = layouts.schema().struct_by_name("T").unwrap();
        let jit = Jit::new(layouts.clone()).unwrap();
        for field in ["s", "r"] {
            let value = Value::Struct(vec![
                (1, Value::I32(7)),
                (2, Value::String("abc".into())),
                (3, Value::I64(-1)),
                (4, Value::Binary(vec![1, 2, 3])),
            ]);
            let message = Message::from_value(layouts.clone(), ty, &value).unwrap();
            let f = layouts.get(ty).fields.iter().find(|f| &*f.name == field).unwrap();
            let root = message.root();
            // SAFETY: the slot of a string field holds (pointer, length); only the
            // length is changed, and nothing reads the message but the code under test.
            unsafe {
                let len = root.ptr().as_ptr().add(f.offset + 8) as *mut usize;
                len.write_unaligned(i32::MAX as usize + 1);
            }
            for protocol in PROTOCOLS {
                assert!(jit.ensure_for(ty, protocol).unwrap());
                assert!(jit.ensure_sizer_for(ty, protocol).unwrap());
                let mut out = vec![9];
                assert!(!jit.encode_compiled(&root, protocol, &mut out), "{field} {protocol:?}");
                assert_eq!(out, [9], "the output is left as it was");
                assert_eq!(jit.encoded_size_compiled(&root, protocol), None);
                let e = jit.encode(&root, protocol, &mut out).unwrap_err();
                assert_eq!(e.kind(), EncodeErrorKind::TooLong, "{field} {protocol:?}");
            }
        }
    }

    /// An unset string adds nothing to its run's capacity check, whatever
    /// its slot still holds (clearing a field leaves the slot as it was):
    /// here a length past an i32, which would fail the encode if counted.
    #[test]
    fn unset_strings_count_for_nothing_whatever_their_slots_hold() {
        let idl = "struct T { 1: i32 a, 2: string s, 3: i64 b, 4: binary c }";
        let layouts = Layouts::new(Schema::parse_str("t.thrift", idl).unwrap());
        let ty = layouts.schema().struct_by_name("T").unwrap();
        let jit = Jit::new(layouts.clone()).unwrap();
        let value =
            Value::Struct(vec![(1, Value::I32(7)), (2, Value::String("abc".into())), (4, Value::Binary(vec![1, 2]))]);
        let message = Message::from_value(layouts.clone(), ty, &value).unwrap();
        let f = layouts.get(ty).fields.iter().find(|f| &*f.name == "s").unwrap();
        let root = message.root();
        // SAFETY: the slot of a string field holds (pointer, length) and the
        // presence word is 8 bytes at its offset; nothing reads the message
        // but the code under test, which must not read an unset slot's bytes.
        unsafe {
            let len = root.ptr().as_ptr().add(f.offset + 8) as *mut usize;
            len.write_unaligned(i32::MAX as usize + 1);
            let word = root.ptr().as_ptr().add(f.presence_offset()) as *mut u64;
            word.write_unaligned(word.read_unaligned() & !f.presence_mask());
        }
        for protocol in PROTOCOLS {
            assert!(jit.ensure_for(ty, protocol).unwrap());
            let want = crate::interp::encode_to_vec(&root, protocol).unwrap();
            let mut out = Vec::new();
            assert!(jit.encode_compiled(&root, protocol, &mut out), "{protocol:?}");
            assert_eq!(out, want, "{protocol:?}");
        }
    }

    /// The inline copies of short container strings (4 to 32 bytes, see
    /// `encode::Gen::copy_short_bytes`) read nothing outside their strings:
    /// each string of 0 to 40 bytes, as a list element, a map key and a map
    /// value, is placed right after a page that cannot be read, then right
    /// before one. The slots are written by hand to point there.
    #[test]
    fn short_string_copies_read_only_their_strings() {
        let idl = "struct T { 1: list<string> l, 2: map<binary, string> m }";
        let layouts = Layouts::new(Schema::parse_str("t.thrift", idl).unwrap());
        let ty = layouts.schema().struct_by_name("T").unwrap();
        let jit = Jit::new(layouts.clone()).unwrap();
        let page = region::page::size();
        let mut pages = region::alloc(3 * page, region::Protection::READ_WRITE).unwrap();
        let base = pages.as_mut_ptr::<u8>();
        // SAFETY: the allocation just made is 3 pages; its first and last become guards;
        // the middle one is written before any pointer into it is handed out.
        let data = unsafe {
            region::protect(base, page, region::Protection::NONE).unwrap();
            region::protect(base.add(2 * page), page, region::Protection::NONE).unwrap();
            let data = base.add(page);
            for i in 0..page {
                data.add(i).write(b'a' + (i % 26) as u8);
            }
            data
        };
        let (fl, fm) = (&layouts.get(ty).fields[0], &layouts.get(ty).fields[1]);
        let crate::layout::ValueKind::Map(k, v) = &fm.kind else { unreachable!() };
        let value_offset = crate::layout::EntryLayout::of(k, v).value_offset;
        for n in 0..=40usize {
            // SAFETY: both places are inside the middle page.
            for at in unsafe { [data, data.add(page - n)] } {
                let value = Value::Struct(vec![
                    (1, Value::List(vec![Value::String("-".repeat(n))])),
                    (2, Value::Map(vec![(Value::Binary(vec![0; n]), Value::String("+".repeat(n)))])),
                ]);
                let message = Message::from_value(layouts.clone(), ty, &value).unwrap();
                let root = message.root();
                // SAFETY: a list or map slot holds (pointer to its elements, count), here
                // one element; a string slot holds (pointer, length). Only those are
                // changed, to `n` bytes at `at`, and nothing reads the message but the
                // encoders under test, which read at most `n` bytes there.
                unsafe {
                    let slot = |f: &crate::layout::FieldLayout| {
                        (root.ptr().as_ptr().add(f.offset) as *const *mut u8).read_unaligned()
                    };
                    let point = |s: *mut u8| {
                        (s as *mut *const u8).write_unaligned(at);
                        (s.add(8) as *mut usize).write_unaligned(n);
                    };
                    point(slot(fl));
                    point(slot(fm));
                    point(slot(fm).add(value_offset));
                }
                for protocol in PROTOCOLS {
                    assert!(jit.ensure_for(ty, protocol).unwrap());
                    let want = crate::interp::encode_to_vec(&root, protocol).unwrap();
                    let mut out = Vec::new();
                    assert!(jit.encode_compiled(&root, protocol, &mut out), "{n} {protocol:?}");
                    assert_eq!(out, want, "{n} bytes, {protocol:?}");
                }
            }
        }
    }
}
