//! `thriftjit check`: load IDL files and summarise them, or print positioned errors.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use thriftjit::schema::{Schema, StructKind};

use super::IncludeArgs;

/// Arguments of `thriftjit check`.
#[derive(Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    includes: IncludeArgs,
    /// Print the resolved schema as JSON instead of a summary.
    #[arg(long)]
    json: bool,
    /// IDL files to load (each with its includes).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

pub fn run(args: CheckArgs) -> ExitCode {
    let loader = args.includes.loader();
    let mut failed = false;
    for file in &args.files {
        match loader.load_file(file) {
            Ok(schema) if args.json => {
                println!("{}", serde_json::to_string_pretty(&schema.to_json()).expect("JSON values serialize"))
            }
            Ok(schema) => print_summary(&schema),
            Err(e) => {
                eprintln!("{e}");
                failed = true;
            }
        }
    }
    if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

fn print_summary(schema: &Schema) {
    let main = &schema.files()[0];
    println!("{}: ok", main.path);
    if schema.files().len() > 1 {
        let others: Vec<&str> = schema.files()[1..].iter().map(|f| &*f.path).collect();
        println!("  includes:    {}", others.join(", "));
    }
    if !main.namespaces.is_empty() {
        let ns: Vec<String> = main.namespaces.iter().map(|(s, n)| format!("{s}={n}")).collect();
        println!("  namespaces:  {}", ns.join(" "));
    }
    let count = |k: StructKind| schema.structs().iter().filter(|s| s.kind == k).count();
    let methods: usize = schema.services().iter().map(|s| s.methods.len()).sum();
    println!("  structs:     {}", count(StructKind::Struct));
    println!("  unions:      {}", count(StructKind::Union));
    println!("  exceptions:  {}", count(StructKind::Exception));
    println!("  enums:       {}", schema.enums().len());
    println!("  consts:      {}", schema.consts().len());
    println!("  typedefs:    {}", schema.typedefs().len());
    println!("  services:    {}", schema.services().len());
    println!("  methods:     {methods}");
}
