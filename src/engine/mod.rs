//! The one place that picks an engine: [`Codec`] owns a schema's layouts,
//! its JIT (when the machine supports one) and the counters, and for every
//! call decides which engine runs.
//!
//! Policy: the interpreter is the required engine and always works. The JIT
//! serves a type when the configuration allows it and the type is not
//! declined (too many fields), in both protocols (Binary, Compact); the
//! first use of a type in a protocol compiles it for that protocol (or
//! [`Codec::compile_all`] compiles everything ahead of time). Anything else, and any JIT failure, goes to the interpreter.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;

use crate::error::{DecodeError, EncodeError};
use crate::interp::{self, DecodeOptions};
use crate::jit::{self, Jit, JitError, JitOptions, JitStats};
use crate::layout::Layouts;
use crate::schema::{Schema, StructId};
use crate::value::{Message, StructRef};
use crate::wire::{Protocol, Sink};

/// Which engine a [`Codec`] may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum EngineChoice {
    /// The JIT where it applies, the interpreter elsewhere.
    #[default]
    Auto,
    /// The interpreter only.
    Interp,
    /// The JIT where it applies (as `Auto`, but [`Codec::new`] fails when no JIT can be created).
    Jit,
}

/// Which routine of a type a call needs.
#[derive(Clone, Copy)]
enum Direction {
    Decode,
    Encode,
}

/// The engine that served (or would serve) a type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// The table-driven interpreter.
    Interp,
    /// Compiled code.
    Jit,
}

impl Engine {
    /// The engine's name.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Interp => "interp",
            Engine::Jit => "jit",
        }
    }
}

/// Configuration of a [`Codec`].
#[derive(Clone, Debug, Default)]
pub struct CodecConfig {
    /// Which engines may run.
    pub engine: EngineChoice,
    /// Options of every decode.
    pub decode: DecodeOptions,
    /// Options of the JIT (the field order its decoders expect).
    pub jit: JitOptions,
}

/// Counters of a codec.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CodecStats {
    /// Decodes, encodes and sizes served by compiled code.
    pub jit_calls: u64,
    /// Of the decodes and encodes the JIT serves, those that found their
    /// routine compiled (the code cache's hits).
    pub jit_cache_hits: u64,
    /// Those that found it not compiled and compiled it first, or waited
    /// for another thread's compile (a type's first decodes or encodes in a
    /// protocol; [`Codec::compile_all`] leaves none).
    pub jit_cache_misses: u64,
    /// Decodes, encodes and sizes served by the interpreter.
    pub interp_calls: u64,
    /// The JIT's own counters (compiles, compile time, code size, fallbacks).
    pub jit: JitStats,
}

/// Encodes and decodes the types of one schema, choosing the engine per call.
#[derive(Debug)]
pub struct Codec {
    layouts: Arc<Layouts>,
    jit: Option<Arc<Jit>>,
    config: CodecConfig,
    jit_calls: AtomicU64,
    interp_calls: AtomicU64,
    /// Calls that compiled their routine before the JIT served them (rare:
    /// counted apart from `jit_calls`, whose hot path has one counter).
    cache_misses: AtomicU64,
}

impl Codec {
    /// A codec for `schema`.
    ///
    /// # Errors
    /// Only with [`EngineChoice::Jit`], when this machine has no JIT.
    pub fn new(schema: Arc<Schema>, config: CodecConfig) -> Result<Codec, JitError> {
        Self::with_layouts(Layouts::new(schema), config)
    }

    /// A codec over existing layouts.
    ///
    /// # Errors
    /// As [`Codec::new`].
    pub fn with_layouts(layouts: Arc<Layouts>, config: CodecConfig) -> Result<Codec, JitError> {
        let jit = match config.engine {
            EngineChoice::Interp => None,
            EngineChoice::Auto => Jit::with_options(layouts.clone(), config.jit).ok(),
            EngineChoice::Jit => Some(Jit::with_options(layouts.clone(), config.jit)?),
        };
        Ok(Codec {
            layouts,
            jit,
            config,
            jit_calls: AtomicU64::new(0),
            interp_calls: AtomicU64::new(0),
            cache_misses: AtomicU64::new(0),
        })
    }

    /// The layouts (and through them the schema).
    pub fn layouts(&self) -> &Arc<Layouts> {
        &self.layouts
    }

    /// The schema.
    pub fn schema(&self) -> &Arc<Schema> {
        self.layouts.schema()
    }

    /// The decode options in force.
    pub fn decode_options(&self) -> &DecodeOptions {
        &self.config.decode
    }

    /// The JIT, when there is one.
    pub fn jit(&self) -> Option<&Arc<Jit>> {
        self.jit.as_ref()
    }

    /// Compiles every type the JIT accepts now, so no call pays for it later.
    ///
    /// # Errors
    /// A Cranelift failure.
    pub fn compile_all(&self) -> Result<(), JitError> {
        match &self.jit {
            Some(j) => j.compile_all(),
            None => Ok(()),
        }
    }

    /// The JIT, when it serves `ty` in `protocol` for `direction`, with that
    /// routine compiled (a first call compiles it, for that protocol and
    /// direction only).
    fn jit_for(&self, ty: StructId, protocol: Protocol, direction: Direction) -> Option<&Arc<Jit>> {
        let j = self.jit.as_ref()?;
        let decode = matches!(direction, Direction::Decode);
        if j.has_routine(ty, protocol, decode) {
            return Some(j);
        }
        let compiled = if decode { j.ensure_decoder_for(ty, protocol) } else { j.ensure_encoder_for(ty, protocol) };
        if !matches!(compiled, Ok(true)) {
            return None;
        }
        self.cache_misses.fetch_add(1, Ordering::Relaxed);
        Some(j)
    }

    /// The engine that encodes `ty` in `protocol`, compiling its encoder
    /// (only) if needed.
    pub fn encode_engine(&self, ty: StructId, protocol: Protocol) -> Engine {
        match self.jit_for(ty, protocol, Direction::Encode) {
            Some(_) => Engine::Jit,
            None => Engine::Interp,
        }
    }

    /// The engine that serves `ty` in `protocol`, compiling its decoder and
    /// encoder if needed.
    pub fn engine_for(&self, ty: StructId, protocol: Protocol) -> Engine {
        match (&self.jit, protocol) {
            // A first call compiles the type for its own protocol only.
            (Some(j), Protocol::Binary | Protocol::Compact) if matches!(j.ensure_for(ty, protocol), Ok(true)) => {
                Engine::Jit
            }
            _ => Engine::Interp,
        }
    }

    /// Counters.
    pub fn stats(&self) -> CodecStats {
        let jit_calls = self.jit_calls.load(Ordering::Relaxed);
        let misses = self.cache_misses.load(Ordering::Relaxed);
        CodecStats {
            jit_calls,
            jit_cache_hits: jit_calls.saturating_sub(misses),
            jit_cache_misses: misses,
            interp_calls: self.interp_calls.load(Ordering::Relaxed),
            jit: self.jit.as_ref().map(|j| j.stats()).unwrap_or_default(),
        }
    }

    /// Decodes one struct of type `ty` from the start of `input`; returns it
    /// and the bytes consumed. Strings alias `input`.
    ///
    /// # Errors
    /// A [`DecodeError`] with offset and field path (the interpreter's, whichever engine ran).
    pub fn decode_prefix(
        &self,
        ty: StructId,
        protocol: Protocol,
        input: &Bytes,
    ) -> Result<(Message, usize), DecodeError> {
        if let Some(j) = self.jit_for(ty, protocol, Direction::Decode) {
            self.jit_calls.fetch_add(1, Ordering::Relaxed);
            return j.decode(ty, protocol, input, &self.config.decode);
        }
        self.interp_calls.fetch_add(1, Ordering::Relaxed);
        interp::decode_prefix(&self.layouts, ty, protocol, input, &self.config.decode)
    }

    /// Decodes one struct of type `ty` from `input`.
    ///
    /// # Errors
    /// As [`Codec::decode_prefix`].
    pub fn decode(&self, ty: StructId, protocol: Protocol, input: &Bytes) -> Result<Message, DecodeError> {
        self.decode_prefix(ty, protocol, input).map(|(m, _)| m)
    }

    /// Encodes a struct, appending to `out`.
    ///
    /// # Errors
    /// An [`EncodeError`] (required field unset, union with several fields, value too long).
    pub fn encode(&self, message: &StructRef<'_>, protocol: Protocol, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let ty = message.layout().id;
        if let Some(j) = self.jit_for(ty, protocol, Direction::Encode)
            && std::ptr::eq(message.layouts_ref(), &**j.layouts())
        {
            self.jit_calls.fetch_add(1, Ordering::Relaxed);
            return j.encode(message, protocol, out);
        }
        self.interp_calls.fetch_add(1, Ordering::Relaxed);
        interp::encode(message, protocol, out)
    }

    /// Encodes a struct into any [`Sink`] (the interpreter writes sinks other than `Vec`).
    ///
    /// # Errors
    /// As [`Codec::encode`].
    pub fn encode_into<S: Sink>(
        &self,
        message: &StructRef<'_>,
        protocol: Protocol,
        out: &mut S,
    ) -> Result<(), EncodeError> {
        self.interp_calls.fetch_add(1, Ordering::Relaxed);
        interp::encode(message, protocol, out)
    }

    /// The bytes [`Codec::encode`] would write.
    ///
    /// Where the JIT serves the type, its compiled sizer counts them (see
    /// [`Jit::encoded_size`]); it is compiled on the first call, not with
    /// the decoder and encoder, since encoding itself never needs it (the
    /// JIT's encoder grows its output as it writes, and the runtime's
    /// framing patches lengths in after encoding). Elsewhere the
    /// interpreter's encoder runs into a counting sink.
    ///
    /// # Errors
    /// As [`Codec::encode`].
    pub fn encoded_size(&self, message: &StructRef<'_>, protocol: Protocol) -> Result<usize, EncodeError> {
        // The JIT compiles the type's sizer on its first use (not its encoder).
        if let Some(j) = &self.jit
            && jit::accepts(message.layout())
            && std::ptr::eq(message.layouts_ref(), &**j.layouts())
        {
            self.jit_calls.fetch_add(1, Ordering::Relaxed);
            return j.encoded_size(message, protocol);
        }
        self.interp_calls.fetch_add(1, Ordering::Relaxed);
        interp::encoded_size(message, protocol)
    }
}
