//! The JIT: native decode and encode routines per struct type, compiled by
//! Cranelift from the same [`StructLayout`] the interpreter walks.
//!
//! # What is compiled
//! For the Binary protocol, per struct type: a decoder and an encoder (see
//! `decode/` and `encode/` for their shape). Scalars,
//! strings, structs and lists of those are inline; maps, nested containers,
//! uuids, unknown fields and the end-of-struct checks (unions, defaults,
//! required fields) call the interpreter through `extern "C"` helpers, so
//! both engines share one definition of those semantics. Types with more
//! than [`MAX_JIT_FIELDS`] fields are declined and served by the
//! interpreter. The Compact protocol is served by the interpreter.
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
//!   length (one check covers a field header and a fixed-size value; a list of
//!   fixed-size scalars is covered by the count check `count × size ≤ remaining`,
//!   which the interpreter makes too);
//! * lengths are sign-checked and compared against the bytes left before use;
//! * every write goes to a block or array allocated through the arena
//!   helpers with the size the layout gives, or to the output `Vec` after a
//!   capacity check (growth is a helper);
//! * nesting is bounded by the same depth counter the interpreter uses;
//! * helpers are `extern "C"`, catch panics and return status codes, so
//!   nothing unwinds through generated frames.
//!
//! Differential tests and fuzzing check the JIT against the interpreter.
//!
//! # Lifetimes
//! One [`Jit`] (one `JITModule`) per [`Layouts`], i.e. per loaded schema
//! generation. Types are compiled lazily on first use, with every struct type
//! they reach, under a lock, in one batch with one finalization; function
//! pointers are then published through atomics and read lock-free. The
//! module's memory is freed when the `Jit` is dropped, which happens when the
//! last `Codec` of that schema generation is dropped: nothing else can call
//! into it (decoded messages hold no code pointers).

mod decode;
mod encode;
pub mod rt;

use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};
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

use rt::{DecodeCtx, EncodeCtx, HELPERS, OK};

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
    /// Struct types compiled.
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
    /// Encodes whose compiled code failed, likewise.
    pub encode_fallbacks: u64,
}

/// The compiled code of one schema generation.
pub struct Jit {
    layouts: Arc<Layouts>,
    state: Mutex<State>,
    decode_fns: Box<[AtomicPtr<u8>]>,
    encode_fns: Box<[AtomicPtr<u8>]>,
    types_compiled: AtomicU64,
    batches: AtomicU64,
    compile_nanos: AtomicU64,
    code_bytes: AtomicU64,
    decode_fallbacks: AtomicU64,
    encode_fallbacks: AtomicU64,
}

struct State {
    module: Option<JITModule>,
    fctx: FunctionBuilderContext,
    call_conv: CallConv,
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
    set(&mut flags, "opt_level", "speed")?;
    // JITModule requires non-PIC code; helpers are called through a table, not by symbol.
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
        let isa = isa(None)?;
        let call_conv = isa.default_call_conv();
        let module = JITModule::new(JITBuilder::with_isa(isa, default_libcall_names()));
        let n = layouts.all().len();
        let table = || (0..n).map(|_| AtomicPtr::new(std::ptr::null_mut())).collect::<Vec<_>>().into_boxed_slice();
        Ok(Arc::new(Jit {
            layouts,
            state: Mutex::new(State { module: Some(module), fctx: FunctionBuilderContext::new(), call_conv }),
            decode_fns: table(),
            encode_fns: table(),
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

    /// Counters.
    pub fn stats(&self) -> JitStats {
        JitStats {
            types_compiled: self.types_compiled.load(Ordering::Relaxed),
            batches: self.batches.load(Ordering::Relaxed),
            compile_nanos: self.compile_nanos.load(Ordering::Relaxed),
            code_bytes: self.code_bytes.load(Ordering::Relaxed),
            decode_fallbacks: self.decode_fallbacks.load(Ordering::Relaxed),
            encode_fallbacks: self.encode_fallbacks.load(Ordering::Relaxed),
        }
    }

    /// True when `ty` is compiled.
    pub fn is_compiled(&self, ty: StructId) -> bool {
        !self.decode_fns[ty.0 as usize].load(Ordering::Acquire).is_null()
    }

    /// Compiles `ty` and every type it reaches, unless already done.
    /// Returns false when the JIT declines the type.
    ///
    /// # Errors
    /// A Cranelift failure (a bug: the interpreter still serves the type).
    pub fn ensure(&self, ty: StructId) -> Result<bool, JitError> {
        if self.is_compiled(ty) {
            return Ok(true);
        }
        if !accepts(self.layouts.get(ty)) {
            return Ok(false);
        }
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if self.is_compiled(ty) {
            return Ok(true);
        }
        let batch = self.closure(ty);
        let start = Instant::now();
        let State { module, fctx, call_conv } = &mut *state;
        let module = module.as_mut().expect("the module lives until drop");
        let call_conv = *call_conv;
        let mut ctx = module.make_context();
        let mut ids = Vec::with_capacity(batch.len());
        let mut code = 0u64;
        for &t in &batch {
            let layout = self.layouts.get(t);
            let mut pair = [None, None];
            for (slot, encode) in pair.iter_mut().zip([false, true]) {
                let sig = decode::signature(call_conv);
                let name = format!("{}_{}", if encode { "enc" } else { "dec" }, t.0);
                let id = module.declare_function(&name, Linkage::Local, &sig).map_err(|e| JitError(e.to_string()))?;
                ctx.func.signature = sig;
                ctx.func.name = UserFuncName::user(0, id.as_u32());
                {
                    let mut b = FunctionBuilder::new(&mut ctx.func, fctx);
                    if encode {
                        encode::build(&mut b, &self.layouts, layout, call_conv);
                    } else {
                        decode::build(&mut b, &self.layouts, layout, call_conv);
                    }
                    b.finalize(module.target_config());
                }
                module.define_function(id, &mut ctx).map_err(|e| JitError(format!("{}: {e:?}", layout.name)))?;
                code += ctx.compiled_code().map_or(0, |c| c.code_buffer().len() as u64);
                module.clear_context(&mut ctx);
                *slot = Some(id);
            }
            ids.push((t, pair[0].expect("decoder declared"), pair[1].expect("encoder declared")));
        }
        module.finalize_definitions().map_err(|e| JitError(e.to_string()))?;
        // Publish children before the requested type: its code calls theirs.
        for &(t, dec, enc) in ids.iter().rev() {
            self.encode_fns[t.0 as usize].store(module.get_finalized_function(enc) as *mut u8, Ordering::Release);
            self.decode_fns[t.0 as usize].store(module.get_finalized_function(dec) as *mut u8, Ordering::Release);
        }
        self.types_compiled.fetch_add(batch.len() as u64, Ordering::Relaxed);
        self.batches.fetch_add(1, Ordering::Relaxed);
        self.compile_nanos.fetch_add(start.elapsed().as_nanos() as u64, Ordering::Relaxed);
        self.code_bytes.fetch_add(code, Ordering::Relaxed);
        Ok(true)
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

    /// `ty` first, then every accepted, not yet compiled struct type it reaches.
    fn closure(&self, ty: StructId) -> Vec<StructId> {
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
                    if !seen[ci] && accepts(self.layouts.get(c)) && !self.is_compiled(c) {
                        seen[ci] = true;
                        out.push(c);
                    }
                }
            }
            i += 1;
        }
        out
    }

    /// Decodes a struct of type `ty` (Binary) with compiled code; on any
    /// failure the interpreter decodes it again and reports its error.
    ///
    /// # Errors
    /// The interpreter's [`DecodeError`] for the same input.
    pub fn decode(
        &self,
        ty: StructId,
        input: &bytes::Bytes,
        options: &DecodeOptions,
    ) -> Result<(Message, usize), DecodeError> {
        match self.decode_compiled(ty, input, options) {
            Some(done) => Ok(done),
            None => {
                if self.is_compiled(ty) {
                    self.decode_fallbacks.fetch_add(1, Ordering::Relaxed);
                }
                interp::decode_prefix(&self.layouts, ty, Protocol::Binary, input, options)
            }
        }
    }

    /// Runs only the compiled decoder: `None` when it failed or `ty` is not
    /// compiled. Differential tests compare this with the interpreter.
    pub fn decode_compiled(
        &self,
        ty: StructId,
        input: &bytes::Bytes,
        options: &DecodeOptions,
    ) -> Option<(Message, usize)> {
        let f = self.decode_fns[ty.0 as usize].load(Ordering::Acquire);
        if f.is_null() {
            return None;
        }
        let layout = self.layouts.get(ty);
        let mut arena = Arena::with_capacity(input.len() * 2 + layout.size + 64);
        let root = new_block(&mut arena, layout);
        let mut ctx = DecodeCtx {
            buf: input.as_ptr(),
            len: input.len(),
            pos: 0,
            arena: &mut arena,
            layouts: Arc::as_ptr(&self.layouts),
            fns: self.decode_fns.as_ptr() as *const *const u8,
            helpers: &HELPERS,
            copy_strings: u64::from(options.copy_strings),
        };
        // SAFETY: `f` is a finalized decoder of `ty` from this JIT's module,
        // which lives as long as `self`; the context describes the live input,
        // arena and layouts, and `root` is a fresh block of `ty`.
        let status = unsafe {
            let f: extern "C" fn(*mut DecodeCtx, *mut u8, u64) -> i32 = std::mem::transmute(f);
            f(&mut ctx, root.as_ptr(), u64::from(options.max_depth))
        };
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

    /// Encodes (Binary) with compiled code, appending to `out`; on failure
    /// the interpreter encodes and reports its error.
    ///
    /// # Errors
    /// The interpreter's [`EncodeError`] for the same message.
    pub fn encode(&self, message: &StructRef<'_>, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        if self.encode_compiled(message, out) {
            return Ok(());
        }
        if self.is_compiled(message.layout().id) {
            self.encode_fallbacks.fetch_add(1, Ordering::Relaxed);
        }
        interp::encode(message, Protocol::Binary, out)
    }

    /// Runs only the compiled encoder: false (with `out` unchanged) when it
    /// failed or the type is not compiled.
    pub fn encode_compiled(&self, message: &StructRef<'_>, out: &mut Vec<u8>) -> bool {
        let ty = message.layout().id;
        let f = self.encode_fns[ty.0 as usize].load(Ordering::Acquire);
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
            fns: self.encode_fns.as_ptr() as *const *const u8,
            helpers: &HELPERS,
        };
        // SAFETY: `f` is a finalized encoder of `ty` from this module; the
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

    /// Decodes `input` with the compiled code alone and with the interpreter,
    /// and re-encodes what both decoded with both engines; returns whether the
    /// input decoded, or a description of the first disagreement (decoded by
    /// one engine only, different consumed length, different messages,
    /// different bytes). For differential tests and fuzzing.
    ///
    /// # Errors
    /// The description of a disagreement.
    pub fn compare_with_interpreter(
        &self,
        ty: StructId,
        input: &bytes::Bytes,
        options: &DecodeOptions,
    ) -> Result<bool, String> {
        let compiled = self.decode_compiled(ty, input, options);
        let reference = interp::decode_prefix(&self.layouts, ty, Protocol::Binary, input, options);
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
                let jit_ok = self.encode_compiled(&a.root(), &mut x);
                match (jit_ok, interp::encode_to_vec(&b.root(), Protocol::Binary)) {
                    (true, Ok(y)) if x == y => Ok(true),
                    (true, Ok(y)) => Err(format!("re-encoded {x:02x?} (JIT) vs {y:02x?} (interpreter)")),
                    (false, Err(_)) => Ok(true),
                    (true, Err(e)) => Err(format!("the JIT encoded what the interpreter rejects ({e})")),
                    (false, Ok(_)) => Err("the interpreter encoded what the JIT rejects".to_string()),
                }
            }
        }
    }

    /// The layout, Cranelift IR and machine code of one type's routines.
    ///
    /// # Errors
    /// When the type is declined or Cranelift fails.
    pub fn inspect(layouts: &Layouts, ty: StructId, target: Option<&str>) -> Result<Inspection, JitError> {
        inspect(layouts, ty, target)
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

/// The compiled routines of one type.
#[derive(Clone, Debug)]
pub struct Inspection {
    /// The target compiled for.
    pub target: String,
    /// Decoder and encoder.
    pub routines: Vec<Routine>,
}

fn inspect(layouts: &Layouts, ty: StructId, target: Option<&str>) -> Result<Inspection, JitError> {
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
    for encode in [false, true] {
        let mut ctx = Context::new();
        ctx.func.signature = decode::signature(call_conv);
        ctx.set_disasm(true);
        {
            let mut b = FunctionBuilder::new(&mut ctx.func, &mut fctx);
            if encode {
                encode::build(&mut b, layouts, layout, call_conv);
            } else {
                decode::build(&mut b, layouts, layout, call_conv);
            }
            b.finalize(isa.frontend_config());
        }
        let clif = ctx.func.display().to_string();
        let start = Instant::now();
        let compiled =
            ctx.compile(&*isa, &mut ControlPlane::default()).map_err(|e| JitError(format!("{:?}", e.inner)))?;
        let compile_micros = start.elapsed().as_micros() as u64;
        routines.push(Routine {
            name: if encode { "encode" } else { "decode" },
            clif,
            asm: compiled.vcode.clone().unwrap_or_default(),
            code: compiled.code_buffer().to_vec(),
            compile_micros,
        });
    }
    Ok(Inspection { target: isa.triple().to_string(), routines })
}
