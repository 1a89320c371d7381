//! The `thriftjit` command line: load IDL at runtime, check it, and (as the
//! runtime grows) encode, decode, serve and call without generated code.

#![forbid(unsafe_code)]

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    cli::run(args)
}
