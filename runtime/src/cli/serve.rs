//! `thriftjit serve`: serve the services of an IDL with a built-in handler, on one port
//! that speaks every dialect, until Ctrl-C or SIGTERM (then shut down gracefully).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, ValueEnum};
use thriftjit::engine::{Codec, EngineChoice};
use thriftjit_runtime::server::{ServerBuilder, builtin};

use super::IncludeArgs;
use super::codec::FieldOrderArg;

/// How long a graceful shutdown waits for calls in flight: five seconds, Kitex's exit wait.
const SHUTDOWN_DEADLINE: Duration = Duration::from_secs(5);

/// The built-in handlers.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum HandlerKind {
    /// Answer with the first argument when it has the return type, else as `mock`.
    Echo,
    /// Answer with the default value of the return type.
    Mock,
}

/// Arguments of `thriftjit serve`.
#[derive(Args, Debug)]
pub struct ServeArgs {
    #[command(flatten)]
    includes: IncludeArgs,
    /// The IDL file.
    #[arg(long, value_name = "FILE")]
    idl: PathBuf,
    /// A service to serve (repeat for more; the first is the default for plain method names).
    #[arg(long = "service", value_name = "NAME", required = true)]
    services: Vec<String>,
    /// Where to listen.
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:9090")]
    addr: String,
    /// The handler.
    #[arg(long, value_enum, default_value_t = HandlerKind::Echo)]
    handler: HandlerKind,
    /// The field order compiled Binary decoders expect of requests
    /// (`kitex` for Kitex clients from the first request).
    #[arg(long, value_enum, default_value_t = FieldOrderArg::Adaptive)]
    field_order: FieldOrderArg,
}

pub fn run(args: ServeArgs) -> ExitCode {
    match serve(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("thriftjit serve: {e}");
            ExitCode::FAILURE
        }
    }
}

fn serve(args: ServeArgs) -> Result<(), String> {
    let schema = args.includes.loader().load_file(&args.idl).map_err(|e| e.to_string())?;
    // The JIT where this machine has one (`Auto` falls back by itself).
    let codec = Codec::new(schema, args.field_order.config(EngineChoice::Auto)).map_err(|e| e.to_string())?;
    let mut builder = ServerBuilder::new(Arc::new(codec));
    for s in &args.services {
        builder = builder.service(s);
    }
    let server = match args.handler {
        HandlerKind::Echo => builder.build(builtin::Echo),
        HandlerKind::Mock => builder.build(builtin::Mock),
    }
    .map_err(|e| e.to_string())?;
    runtime()?.block_on(async {
        let handle = server.bind(args.addr.as_str()).await.map_err(|e| format!("{}: {e}", args.addr))?;
        println!("listening on {}", handle.local_addr());
        eprintln!(
            "thriftjit serve: {} ({:?} handler); every dialect (TTHeader, THeader, Framed, Buffered × Binary, Compact) \
             is accepted; Ctrl-C stops",
            args.services.join(", "),
            args.handler
        );
        stop_requested().await;
        let report = handle.shutdown(SHUTDOWN_DEADLINE).await;
        eprintln!(
            "thriftjit serve: stopped ({})",
            if report.graceful {
                "every call finished".to_string()
            } else {
                format!("{} connections cut off at the deadline", report.abandoned_connections)
            }
        );
        Ok(())
    })
}

/// A tokio runtime for the commands that do network I/O, or the reason there is none.
pub(super) fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}

/// Resolves when the process is asked to stop (Ctrl-C or SIGTERM).
pub(super) async fn stop_requested() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = term => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}
