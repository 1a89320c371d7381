//! `thriftjit inspect`: what the engines do with one type — its layout
//! table, the Cranelift IR and the machine code of its compiled routines,
//! with compile time and code size. Compiled codecs should not be black boxes.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Args;
use thriftjit::jit::{self, Jit};
use thriftjit::layout::StructLayout;
use thriftjit::wire::Protocol;

use super::IncludeArgs;
use super::codec::{CliError, FieldOrderArg, ProtocolArg, load_type, write_stdout};

/// Arguments of `thriftjit inspect`.
#[derive(Args, Debug)]
pub struct InspectArgs {
    #[command(flatten)]
    includes: IncludeArgs,
    /// The IDL file that declares the type.
    #[arg(long, value_name = "FILE")]
    idl: PathBuf,
    /// The struct-like type (`Xtruct`, `Service.method_args`, …).
    #[arg(long = "type", value_name = "NAME")]
    type_name: String,
    /// The protocol whose routines to show (default: both).
    #[arg(long, value_enum)]
    protocol: Option<ProtocolArg>,
    /// Print the layout table.
    #[arg(long)]
    layout: bool,
    /// Print the Cranelift IR.
    #[arg(long)]
    clif: bool,
    /// Print the machine code (Cranelift's disassembly) and a hex dump.
    #[arg(long)]
    asm: bool,
    /// Compile for another target instead of this machine (e.g. `aarch64-unknown-linux-gnu`).
    #[arg(long, value_name = "TRIPLE")]
    target: Option<String>,
    /// The field order the Binary decoder shown expects (`adaptive` starts
    /// in declaration order).
    #[arg(long, value_enum, default_value_t = FieldOrderArg::Declared)]
    field_order: FieldOrderArg,
}

pub fn inspect(args: InspectArgs) -> Result<(), CliError> {
    let (layouts, id) = load_type(&args.includes, &args.idl, &args.type_name)?;
    let layout = layouts.get(id);
    let all = !(args.layout || args.clif || args.asm);
    let mut out = String::new();
    if args.layout || all {
        write_layout(&mut out, layout, &layouts);
    }
    let protocols = match args.protocol {
        Some(p) => vec![Protocol::from(p)],
        None => vec![Protocol::Binary, Protocol::Compact],
    };
    for protocol in protocols {
        let ins = match Jit::inspect_order(&layouts, id, protocol, args.target.as_deref(), args.field_order.into()) {
            Ok(ins) => ins,
            Err(e) => {
                let _ = writeln!(out, "\n{e}; the interpreter serves this type.");
                break;
            }
        };
        for r in &ins.routines {
            let _ = writeln!(
                out,
                "\n== {} {} ({}) for {}: {} bytes of machine code, compiled in {} µs",
                layout.name,
                r.name,
                protocol.name(),
                ins.target,
                r.code.len(),
                r.compile_micros
            );
            if args.clif || all {
                let _ = writeln!(out, "\n-- Cranelift IR\n{}", r.clif);
            }
            if args.asm || all {
                let _ = writeln!(out, "\n-- machine code\n{}", r.asm);
                let _ = writeln!(out, "-- hex");
                for (i, chunk) in r.code.chunks(16).enumerate() {
                    let hex: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
                    let _ = writeln!(out, "{:06x}  {}", i * 16, hex.join(" "));
                }
            }
        }
    }
    write_stdout(out.as_bytes())
}

fn write_layout(out: &mut String, layout: &StructLayout, layouts: &thriftjit::layout::Layouts) {
    let schema = layouts.schema();
    let _ = writeln!(
        out,
        "{} ({:?}): {} bytes, {} presence word(s) at 0, unknown-field list at {}, JIT: {}",
        layout.name,
        layout.kind,
        layout.size,
        layout.presence_words,
        layout.unknown_offset,
        if jit::accepts(layout) { "compiles" } else { "declines (too many fields)" }
    );
    let _ = writeln!(
        out,
        "{:>6} {:>4} {:<24} {:<28} {:>6} {:>5} {:>4} {:<9} default",
        "id", "bit", "name", "type", "offset", "size", "wire", "required"
    );
    for f in &layout.fields {
        let st = schema.struct_type(layout.id);
        let ty = st.field(f.id).map(|sf| schema.type_name(&sf.ty)).unwrap_or_default();
        let _ = writeln!(
            out,
            "{:>6} {:>4} {:<24} {:<28} {:>6} {:>5} {:>4} {:<9} {}",
            f.id,
            f.index,
            f.name,
            ty,
            f.offset,
            f.kind.size(),
            f.ttype,
            format!("{:?}", f.requiredness).to_lowercase(),
            f.default.as_ref().map(|d| format!("{d:?}")).unwrap_or_default()
        );
    }
}
