//! `thriftjit encode` and `thriftjit decode`: JSON ⇄ Thrift bytes for one
//! struct type of an IDL loaded at runtime, through `thriftjit::json` and
//! the engine `thriftjit::engine::Codec` picks (or the one `--engine` forces).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use clap::{Args, ValueEnum};
use thriftjit::engine::{Codec, CodecConfig, EngineChoice};
use thriftjit::jit::{ExpectedOrder, JitOptions};
use thriftjit::json::{self, Options};
use thriftjit::layout::Layouts;
use thriftjit::schema::{Schema, StructId, Symbol};
use thriftjit::wire::Protocol;

use super::IncludeArgs;
use super::suggest::close_names;

/// The protocol flag.
#[derive(Clone, Copy, Debug, Default, ValueEnum)]
pub enum ProtocolArg {
    /// TBinaryProtocol.
    #[default]
    Binary,
    /// TCompactProtocol.
    Compact,
}

impl From<ProtocolArg> for Protocol {
    fn from(p: ProtocolArg) -> Protocol {
        match p {
            ProtocolArg::Binary => Protocol::Binary,
            ProtocolArg::Compact => Protocol::Compact,
        }
    }
}

/// The engine flag.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum EngineArg {
    /// The JIT where it applies, else the interpreter.
    #[default]
    Auto,
    /// Compiled code (types it declines use the interpreter).
    Jit,
    /// The table-driven interpreter only.
    Interp,
}

impl From<EngineArg> for EngineChoice {
    fn from(e: EngineArg) -> EngineChoice {
        match e {
            EngineArg::Auto => EngineChoice::Auto,
            EngineArg::Jit => EngineChoice::Jit,
            EngineArg::Interp => EngineChoice::Interp,
        }
    }
}

/// The field-order flag: the order in which compiled Binary decoders
/// expect a struct's fields. Any order decodes; the expected one is fastest.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum FieldOrderArg {
    /// Declaration order, switching a type to Kitex's order once its
    /// structs arrive so.
    #[default]
    Adaptive,
    /// Declaration order (Apache Thrift, pilota, thriftjit).
    Declared,
    /// Kitex's: fixed-size fields first, then the others.
    Kitex,
}

impl From<FieldOrderArg> for ExpectedOrder {
    fn from(o: FieldOrderArg) -> ExpectedOrder {
        match o {
            FieldOrderArg::Adaptive => ExpectedOrder::Adaptive,
            FieldOrderArg::Declared => ExpectedOrder::Declared,
            FieldOrderArg::Kitex => ExpectedOrder::Kitex,
        }
    }
}

impl FieldOrderArg {
    /// A codec configuration with `engine` and this order.
    pub fn config(self, engine: EngineChoice) -> CodecConfig {
        CodecConfig { engine, jit: JitOptions { expected_order: self.into() }, ..CodecConfig::default() }
    }
}

/// What both subcommands take: the IDL, the type, the protocol, the input.
#[derive(Args, Debug)]
pub struct TypeArgs {
    #[command(flatten)]
    includes: IncludeArgs,
    /// The IDL file that declares the type (its includes are loaded too).
    #[arg(long, value_name = "FILE")]
    idl: PathBuf,
    /// A struct, union or exception (`Xtruct`, `shared.SharedStruct`), or
    /// `Service.method_args` / `Service.method_result`.
    #[arg(long = "type", value_name = "NAME")]
    type_name: String,
    /// The wire protocol.
    #[arg(long, value_enum, default_value_t = ProtocolArg::Binary)]
    protocol: ProtocolArg,
    /// Read from FILE instead of standard input (`-` is standard input).
    #[arg(long, value_name = "FILE")]
    input: Option<PathBuf>,
    /// Which engine runs (default: the one the codec picks per type).
    #[arg(long, value_enum, default_value_t = EngineArg::Auto)]
    engine: EngineArg,
    /// The field order compiled Binary decoders expect.
    #[arg(long, value_enum, default_value_t = FieldOrderArg::Adaptive)]
    field_order: FieldOrderArg,
}

/// Arguments of `thriftjit encode`.
#[derive(Args, Debug)]
pub struct EncodeArgs {
    #[command(flatten)]
    target: TypeArgs,
    /// Skip JSON keys that name no field instead of failing.
    #[arg(long)]
    ignore_unknown_fields: bool,
}

/// Arguments of `thriftjit decode`.
#[derive(Args, Debug)]
pub struct DecodeArgs {
    #[command(flatten)]
    target: TypeArgs,
    /// Write enum values as member names instead of integers.
    #[arg(long)]
    enum_names: bool,
    /// Write i64 values as strings (for JavaScript).
    #[arg(long)]
    i64_as_string: bool,
    /// Write strings that are not UTF-8 with replacement characters instead of failing.
    #[arg(long)]
    lossy_utf8: bool,
    /// Indent the JSON.
    #[arg(long)]
    pretty: bool,
}

/// A failure to report on standard error (exit code 1).
pub type CliError = String;

pub fn encode(args: EncodeArgs) -> Result<(), CliError> {
    let (codec, id) = args.target.load()?;
    let layouts = codec.layouts();
    let input = read_input(args.target.input.as_deref())?;
    let options = Options::new().ignore_unknown_fields(args.ignore_unknown_fields);
    let name = &layouts.schema().struct_type(id).name;
    let message =
        json::to_message_slice(layouts, id, &input, &options).map_err(|e| format!("invalid JSON for `{name}`: {e}"))?;
    let protocol = Protocol::from(args.target.protocol);
    let mut bytes = Vec::new();
    codec
        .encode(&message.root(), protocol, &mut bytes)
        .map_err(|e| format!("cannot encode `{name}` ({}): {e}", protocol.name()))?;
    write_stdout(&bytes)
}

pub fn decode(args: DecodeArgs) -> Result<(), CliError> {
    let (codec, id) = args.target.load()?;
    let input = Bytes::from(read_input(args.target.input.as_deref())?);
    let protocol = Protocol::from(args.target.protocol);
    let name = &codec.schema().struct_type(id).name;
    let (message, consumed) = codec
        .decode_prefix(id, protocol, &input)
        .map_err(|e| format!("cannot decode `{name}` ({}): {e}", protocol.name()))?;
    if consumed < input.len() {
        let extra = input.len() - consumed;
        return Err(format!(
            "{extra} trailing byte{} after `{name}` ({}), which ends at byte {consumed}",
            if extra == 1 { "" } else { "s" },
            protocol.name()
        ));
    }
    let options =
        Options::new().enum_names(args.enum_names).i64_as_string(args.i64_as_string).lossy_utf8(args.lossy_utf8);
    let value = json::message_to_json(&message, &options).map_err(|e| format!("cannot write `{name}` as JSON: {e}"))?;
    let mut text = if args.pretty { serde_json::to_string_pretty(&value) } else { serde_json::to_string(&value) }
        .map_err(|e| format!("cannot write JSON: {e}"))?;
    text.push('\n');
    write_stdout(text.as_bytes())
}

impl TypeArgs {
    /// Loads the IDL, finds the type and makes a codec with the chosen engine.
    fn load(&self) -> Result<(Codec, StructId), CliError> {
        let (layouts, id) = load_type(&self.includes, &self.idl, &self.type_name)?;
        let config = self.field_order.config(self.engine.into());
        let codec = Codec::with_layouts(layouts, config).map_err(|e| e.to_string())?;
        Ok((codec, id))
    }
}

/// Loads `idl` with its includes and finds the struct-like type `name`.
pub fn load_type(includes: &IncludeArgs, idl: &Path, name: &str) -> Result<(Arc<Layouts>, StructId), CliError> {
    let schema = includes.loader().load_file(idl).map_err(|e| e.to_string())?;
    let id = find_struct(&schema, name).map_err(|e| format!("{e} (in {})", idl.display()))?;
    Ok((Layouts::new(schema), id))
}

/// Most names suggested for a type that does not exist.
const MAX_SUGGESTIONS: usize = 5;

/// The struct-like type `name`, or a message saying what `name` is instead.
fn find_struct(schema: &Schema, name: &str) -> Result<StructId, CliError> {
    if let Some(id) = schema.struct_by_name(name) {
        return Ok(id);
    }
    const WANTED: &str = "a struct, union, exception, or Service.method_args / Service.method_result";
    match schema.lookup(name) {
        Some(Symbol::Enum(_)) => Err(format!("`{name}` is an enum; --type needs {WANTED}")),
        Some(Symbol::Const(_)) => Err(format!("`{name}` is a constant; --type needs {WANTED}")),
        Some(Symbol::Typedef(i)) => {
            let ty = schema.type_name(&schema.typedefs()[i].ty);
            Err(format!("`{name}` is a typedef of {ty}; --type needs {WANTED}"))
        }
        Some(Symbol::Service(id)) => {
            let names: Vec<String> = schema
                .all_methods(id)
                .iter()
                .flat_map(|m| [&schema.struct_type(m.args).name, &schema.struct_type(m.result).name])
                .map(|n| n.to_string())
                .collect();
            Err(format!("`{name}` is a service; its structs are: {}", names.join(", ")))
        }
        Some(Symbol::Struct(_)) | None => {
            let candidates = schema.structs().iter().map(|s| &*s.name);
            let close = close_names(name, candidates.clone(), MAX_SUGGESTIONS);
            if close.is_empty() {
                let some: Vec<&str> = candidates.take(MAX_SUGGESTIONS * 2).collect();
                Err(format!("unknown type `{name}`; types include: {}", some.join(", ")))
            } else {
                Err(format!("unknown type `{name}`; did you mean: {}?", close.join(", ")))
            }
        }
    }
}

pub fn read_input(path: Option<&Path>) -> Result<Vec<u8>, CliError> {
    let mut buf = Vec::new();
    match path {
        Some(p) if p != Path::new("-") => {
            buf = std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
        }
        _ => {
            std::io::stdin().lock().read_to_end(&mut buf).map_err(|e| format!("cannot read standard input: {e}"))?;
        }
    }
    Ok(buf)
}

pub fn write_stdout(bytes: &[u8]) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes).and_then(|()| out.flush()).map_err(|e| format!("cannot write standard output: {e}"))
}
