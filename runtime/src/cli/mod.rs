//! Subcommands of the `thriftjit` binary.

mod call;
mod check;
mod demo;
mod serve;

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
        Command::Serve(args) => serve::run(args),
        Command::Call(args) => call::run(args),
        Command::Demo(args) => demo::run(args),
    }
}
