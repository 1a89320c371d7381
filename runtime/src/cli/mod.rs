//! Subcommands of the `thriftjit` binary: `check` loads IDL; `encode` and
//! `decode` convert between JSON and Thrift bytes of one type; `inspect`
//! shows a type's layout and compiled code; `bench` times the engines.

mod bench;
mod bench_rpc;
mod call;
mod check;
mod codec;
mod demo;
mod inspect;
mod serve;
mod suggest;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

/// thriftjit: a dynamic Thrift engine (IDL loaded at runtime, no generated code).
#[derive(Parser, Debug)]
#[command(name = "thriftjit", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Load IDL files with their includes and print a summary (or the resolved schema as JSON).
    Check(check::CheckArgs),
    /// Read one JSON value (standard input by default) and write it as Thrift bytes of --type.
    Encode(codec::EncodeArgs),
    /// Read Thrift bytes of --type (standard input by default) and print them as JSON.
    Decode(codec::DecodeArgs),
    /// Print a type's layout, the Cranelift IR and machine code of its compiled routines.
    Inspect(inspect::InspectArgs),
    /// Time encode and decode of one JSON value per engine, side by side.
    Bench(bench::BenchArgs),
    /// Load a server with calls of one method from concurrent callers; print QPS, p50, p99.
    BenchRpc(bench_rpc::BenchRpcArgs),
    /// Serve a service of an IDL with a built-in handler (echo or mock).
    Serve(serve::ServeArgs),
    /// Call a method of a service with JSON arguments and print the result as JSON.
    Call(call::CallArgs),
    /// Load a bundled IDL, serve it on loopback and call it in every dialect.
    Demo(demo::DemoArgs),
}

/// Where to find IDL includes.
#[derive(Args, Debug, Clone, Default)]
pub struct IncludeArgs {
    /// A directory searched for included files (after the including file's own directory).
    #[arg(short = 'I', long = "include", value_name = "DIR")]
    pub include_dirs: Vec<PathBuf>,
    /// Accept raw newlines in string literals (thriftgo/Kitex dialect).
    #[arg(long)]
    pub multiline_literals: bool,
}

impl IncludeArgs {
    /// A loader configured from these arguments.
    pub fn loader(&self) -> thriftjit::schema::Loader {
        let mut loader = thriftjit::schema::Loader::new();
        for dir in &self.include_dirs {
            loader = loader.include_dir(dir);
        }
        let mut options = thriftjit::schema::LoadOptions::default();
        options.parse.multiline_literals = self.multiline_literals;
        loader.options(options)
    }
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Check(args) => check::run(args),
        Command::Encode(args) => report(codec::encode(args)),
        Command::Decode(args) => report(codec::decode(args)),
        Command::Inspect(args) => report(inspect::inspect(args)),
        Command::Bench(args) => report(bench::bench(args)),
        Command::BenchRpc(args) => bench_rpc::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Call(args) => call::run(args),
        Command::Demo(args) => demo::run(args),
    }
}

/// Exit code 0, or the message on standard error and exit code 1.
fn report(result: Result<(), codec::CliError>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
