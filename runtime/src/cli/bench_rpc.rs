//! `thriftjit bench-rpc`: a closed-loop load client for any method of any service: QPS,
//! p50 and p99 of calls made by `--concurrency` callers over the generic client.
//!
//! It measures the way the Volo peer's `volo-echo-client` does (benches/peers/volo), so
//! that `scripts/bench-rpc` can put both side by side: the first tenth of the calls warm
//! up and are not measured; QPS is the measured calls over the time from the start of the
//! first measured call to the end of the last; each caller keeps one arguments message
//! and, with `--id-field`, writes its call number into it before each call and checks
//! that the reply echoes it. A call that fails, or whose reply does not echo the number,
//! counts as an error and makes the exit status 1.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use thriftjit::value::{Message, StructMut, StructRef};
use thriftjit_runtime::client::{CallOptions, Client};
use thriftjit_runtime::transport::Timeouts;
use thriftjit_runtime::transport::encode::wire_protocol;

use super::IncludeArgs;
use super::call::{ProtocolName, TransportName};

/// The share of the calls (per cent) that warms up connections, allocators and caches.
const WARMUP_PERCENT: u64 = 10;

/// Generous, as the Volo client's: on a loaded machine a call may wait, and a timeout
/// would count as an error rather than as the latency it is.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// Arguments of `thriftjit bench-rpc`.
#[derive(Args, Debug)]
pub struct BenchRpcArgs {
    #[command(flatten)]
    includes: IncludeArgs,
    /// The IDL file.
    #[arg(long, value_name = "FILE")]
    idl: PathBuf,
    /// The service.
    #[arg(long, value_name = "NAME")]
    service: String,
    /// The method.
    #[arg(long, value_name = "NAME")]
    method: String,
    /// The server.
    #[arg(long, value_name = "HOST:PORT")]
    addr: String,
    /// A file holding the arguments: a JSON object keyed by argument name.
    #[arg(long, value_name = "FILE")]
    args_file: PathBuf,
    /// The transport.
    #[arg(long, value_enum, default_value_t = TransportName::Ttheader)]
    transport: TransportName,
    /// The protocol.
    #[arg(long, value_enum, default_value_t = ProtocolName::Binary)]
    protocol: ProtocolName,
    /// Many calls in flight per connection, on at most `--connections` connections.
    #[arg(long)]
    multiplex: bool,
    /// Connections of the multiplexed mode.
    #[arg(long, default_value_t = 1, value_name = "N")]
    connections: usize,
    /// Callers, each making one call at a time.
    #[arg(long, default_value_t = 32, value_name = "N")]
    concurrency: u64,
    /// Calls in all, warm-up included.
    #[arg(long, default_value_t = 100_000, value_name = "N")]
    calls: u64,
    /// An i64 field of the arguments, as a dotted path (`req.id`), set to the call's number
    /// before each call; the reply's `success` must echo it at the same path less its first
    /// part (`id`).
    #[arg(long, value_name = "PATH")]
    id_field: Option<String>,
    /// A label for the payload in the output.
    #[arg(long, default_value = "", value_name = "NAME")]
    label: String,
    /// One line of JSON instead of a sentence.
    #[arg(long)]
    json: bool,
}

/// Runs `thriftjit bench-rpc`.
pub fn run(args: BenchRpcArgs) -> ExitCode {
    match bench(args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("thriftjit bench-rpc: {e}");
            ExitCode::FAILURE
        }
    }
}

/// What one caller measured.
struct Measured {
    latencies: Vec<Duration>,
    last_end: Option<Instant>,
}

fn bench(args: BenchRpcArgs) -> Result<bool, String> {
    if args.concurrency == 0 || args.calls == 0 {
        return Err("--concurrency and --calls must be positive".into());
    }
    let schema = args.includes.loader().load_file(&args.idl).map_err(|e| e.to_string())?;
    let json = std::fs::read_to_string(&args.args_file).map_err(|e| format!("{}: {e}", args.args_file.display()))?;
    let mut builder = Client::builder(schema, &args.service)
        .address(args.addr.clone())
        .transport(args.transport.transport())
        .protocol(args.protocol.protocol())
        .timeouts(Timeouts { connect: CALL_TIMEOUT, read: Some(CALL_TIMEOUT), write: Some(CALL_TIMEOUT), call: None })
        .timeout(CALL_TIMEOUT);
    if args.multiplex {
        builder = builder.multiplex(args.connections.max(1));
    }
    let client = builder.build().map_err(|e| e.to_string())?;
    let template = client.args_from_json(&args.method, &json).map_err(|e| e.to_string())?;
    let id_path: Vec<String> = args.id_field.iter().flat_map(|p| p.split('.')).map(str::to_string).collect();
    if !id_path.is_empty() {
        set_id(&mut template.clone(), &id_path, 0)?;
    }
    let request_bytes = client
        .codec()
        .encoded_size(&template.root(), wire_protocol(client.dialect().protocol))
        .map_err(|e| format!("the arguments do not encode: {e}"))?;

    let runtime = super::serve::runtime()?;
    let warmup = args.calls * WARMUP_PERCENT / 100;
    let next = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let first_error = Arc::new(OnceLock::<String>::new());
    let measuring_since = Arc::new(OnceLock::<Instant>::new());
    let mut results = Vec::new();
    runtime.block_on(async {
        let tasks: Vec<_> = (0..args.concurrency)
            .map(|_| {
                let (client, next, errors, first_error) =
                    (client.clone(), next.clone(), errors.clone(), first_error.clone());
                let (measuring_since, mut message) = (measuring_since.clone(), template.clone());
                let (method, id_path, calls) = (args.method.clone(), id_path.clone(), args.calls);
                tokio::spawn(async move {
                    let options = CallOptions::default();
                    let mut m = Measured { latencies: Vec::new(), last_end: None };
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= calls {
                            break;
                        }
                        let id = i as i64;
                        if !id_path.is_empty() {
                            set_id(&mut message, &id_path, id).expect("checked before the run");
                        }
                        let start = Instant::now();
                        if i == warmup {
                            let _ = measuring_since.set(start);
                        }
                        let outcome = match client.call_message(&method, &message, &options).await {
                            Ok(_) if id_path.is_empty() => Ok(()),
                            Ok(reply) => match reply.result().map(|r| r.root()).and_then(|r| echoed_id(r, &id_path)) {
                                Some(got) if got == id => Ok(()),
                                got => Err(format!("call {i}: the reply echoes id {got:?}")),
                            },
                            Err(e) => Err(format!("call {i}: {e}")),
                        };
                        let end = Instant::now();
                        if let Err(e) = outcome {
                            errors.fetch_add(1, Ordering::Relaxed);
                            let _ = first_error.set(e);
                        }
                        if i >= warmup {
                            m.latencies.push(end - start);
                            m.last_end = Some(end);
                        }
                    }
                    m
                })
            })
            .collect();
        for t in tasks {
            results.push(t.await.map_err(|e| format!("a caller panicked: {e}"))?);
        }
        Ok::<(), String>(())
    })?;

    let end = results.iter().filter_map(|m| m.last_end).max();
    let mut latencies: Vec<Duration> = results.into_iter().flat_map(|m| m.latencies).collect();
    latencies.sort_unstable();
    let seconds = match (measuring_since.get(), end) {
        (Some(start), Some(end)) => (end - *start).as_secs_f64(),
        _ => 0.0,
    };
    let measured = latencies.len();
    let percentile = |p: usize| {
        let idx = (measured * p / 100).min(measured.saturating_sub(1));
        latencies.get(idx).map_or(0.0, |d| d.as_secs_f64() * 1e6)
    };
    let (p50, p99) = (percentile(50), percentile(99));
    let qps = if seconds > 0.0 { measured as f64 / seconds } else { 0.0 };
    let errors = errors.load(Ordering::Relaxed);
    let transport = value_name(args.transport);
    let protocol = value_name(args.protocol);
    if args.json {
        println!(
            "{{\"peer\":\"thriftjit\",\"payload\":{:?},\"request_bytes\":{request_bytes},\"transport\":\"{transport}\",\
             \"protocol\":\"{protocol}\",\"multiplex\":{},\"concurrency\":{},\"calls\":{},\"warmup_calls\":{warmup},\
             \"errors\":{errors},\"seconds\":{seconds:.4},\"qps\":{qps:.0},\"p50_us\":{p50:.1},\"p99_us\":{p99:.1}}}",
            args.label, args.multiplex, args.concurrency, args.calls,
        );
    } else {
        let mode = if args.multiplex { "multiplex" } else { "ping-pong" };
        println!(
            "thriftjit bench-rpc: {} {transport} {protocol} {mode}, {} concurrent: {qps:.0} QPS, p50 {p50:.0} µs, \
             p99 {p99:.0} µs ({measured} calls measured in {seconds:.2} s after {warmup} warm-up, {errors} errors)",
            args.method, args.concurrency,
        );
    }
    if let Some(e) = first_error.get() {
        eprintln!("thriftjit bench-rpc: {errors} calls failed; the first: {e}");
    }
    Ok(errors == 0)
}

/// Writes `id` into the i64 field at `path` of `message`.
fn set_id(message: &mut Message, path: &[String], id: i64) -> Result<(), String> {
    fn walk(mut s: StructMut<'_>, path: &[String], id: i64) -> Result<(), String> {
        match path {
            [last] => s.set_i64(last.as_str(), id).map_err(|e| format!("--id-field: {e}")),
            [first, rest @ ..] => walk(s.child(first.as_str()).map_err(|e| format!("--id-field: {e}"))?, rest, id),
            [] => Ok(()),
        }
    }
    walk(message.root_mut(), path, id)
}

/// The i64 at `path` less its first part in the reply's `success` (field 0 of `result`).
fn echoed_id(result: StructRef<'_>, path: &[String]) -> Option<i64> {
    let mut s = result.get_struct(0i16)?;
    let (last, inner) = path[1..].split_last()?;
    for p in inner {
        s = s.get_struct(p.as_str())?;
    }
    s.get_i64(last.as_str())
}

/// The command-line name of a value of an option.
fn value_name<T: ValueEnum>(value: T) -> String {
    value.to_possible_value().map(|v| v.get_name().to_string()).unwrap_or_default()
}
