//! Echo benchmark client on Volo: a closed loop of `--concurrency` tasks
//! sharing one client, `--calls` calls in all, the first 10 % of them a
//! warm-up that is not measured.
//!
//! ```text
//! volo-echo-client --port N [--transport ttheader|framed] [--concurrency 32] [--calls 100000] \
//!     [--payload small|large] [--multiplex] [--json]
//! ```
//! With `--json` it prints one line:
//! `{"peer":"volo","payload":"small","request_bytes":120,"transport":"framed","protocol":"binary",
//! "multiplex":false,"concurrency":32,"calls":100000,"warmup_calls":10000,"errors":0,
//! "seconds":1.29,"qps":77620,"p50_us":419.0,"p99_us":500.0}`;
//! otherwise a sentence with the same figures. QPS is the measured calls over the
//! time from the first measured call's start to the last call's end; p50 and p99
//! are of the measured calls' latencies. An error, or a reply that is not the
//! echo of its request, counts in `errors` and makes the exit status 1.
//!
//! In ping-pong mode (the default) Volo keeps one pooled connection per call
//! in flight, so `--concurrency` connections; with `--multiplex` one
//! connection carries them all (the server needs `--multiplex` too).

use std::{
    net::IpAddr,
    sync::{
        Arc, OnceLock,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use clap::{Parser, ValueEnum};
use thriftjit_volo_peers::{Payload, Protocol, Transport, build_client, echo::EchoServiceClientBuilder};

#[derive(Parser)]
#[command(about = "Echo benchmark client on Volo: QPS, p50 and p99")]
struct Args {
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    #[arg(long, default_value_t = 9090)]
    port: u16,
    #[arg(long, value_enum, default_value = "ttheader")]
    transport: Transport,
    #[arg(long, value_enum, default_value = "binary")]
    protocol: Protocol,
    /// Calls in flight at any time (one task each).
    #[arg(long, default_value_t = 32)]
    concurrency: u64,
    /// Calls in all, warm-up included.
    #[arg(long, default_value_t = 100_000)]
    calls: u64,
    #[arg(long, value_enum, default_value = "small")]
    payload: Payload,
    /// Volo's multiplexed transport: one connection, replies matched by sequence id.
    #[arg(long)]
    multiplex: bool,
    /// Print one JSON line.
    #[arg(long)]
    json: bool,
}

/// The share of the calls that warms up connections, allocators and caches.
const WARMUP_PERCENT: u64 = 10;

/// Generous: on a loaded machine a call may wait, and a timeout would count as an error.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

fn name<T: ValueEnum>(value: T) -> String {
    value.to_possible_value().expect("no skipped variants").get_name().to_string()
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    if args.concurrency == 0 || args.calls == 0 {
        eprintln!("volo-echo-client: --concurrency and --calls must be positive");
        std::process::exit(2);
    }
    let builder = EchoServiceClientBuilder::new("EchoService")
        .address(thriftjit_volo_peers::address(args.host, args.port))
        .rpc_timeout(Some(CALL_TIMEOUT))
        .read_write_timeout(Some(CALL_TIMEOUT))
        .connect_timeout(Some(CALL_TIMEOUT))
        .multiplex(args.multiplex);
    let client = build_client!(builder, args.transport, args.protocol);

    let warmup = args.calls * WARMUP_PERCENT / 100;
    let next = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let measuring_since = Arc::new(OnceLock::<Instant>::new());
    let template = args.payload.request();

    let tasks: Vec<_> = (0..args.concurrency)
        .map(|_| {
            let (client, next, errors) = (client.clone(), next.clone(), errors.clone());
            let (measuring_since, template) = (measuring_since.clone(), template.clone());
            let calls = args.calls;
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut last_end = None;
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= calls {
                        break;
                    }
                    let mut req = template.clone();
                    req.id = Some(i as i64);
                    let start = Instant::now();
                    if i == warmup {
                        let _ = measuring_since.set(start);
                    }
                    let ok = matches!(client.echo(req).await, Ok(resp) if resp.id == Some(i as i64));
                    let end = Instant::now();
                    if !ok {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                    if i >= warmup {
                        latencies.push(end - start);
                        last_end = Some(end);
                    }
                }
                (latencies, last_end)
            })
        })
        .collect();

    let mut latencies = Vec::with_capacity((args.calls - warmup) as usize);
    let mut end = None;
    for task in tasks {
        let (l, e) = task.await.expect("a benchmark task panicked");
        latencies.extend(l);
        end = end.max(e);
    }
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
    let mode = if args.multiplex { "multiplex" } else { "ping-pong" };

    if args.json {
        println!(
            "{{\"peer\":\"volo\",\"payload\":\"{}\",\"request_bytes\":{},\"transport\":\"{}\",\
             \"protocol\":\"{}\",\"multiplex\":{},\"concurrency\":{},\"calls\":{},\"warmup_calls\":{},\
             \"errors\":{},\"seconds\":{:.4},\"qps\":{:.0},\"p50_us\":{:.1},\"p99_us\":{:.1}}}",
            name(args.payload),
            args.payload.binary_size(),
            name(args.transport),
            name(args.protocol),
            args.multiplex,
            args.concurrency,
            args.calls,
            warmup,
            errors,
            seconds,
            qps,
            p50,
            p99,
        );
    } else {
        println!(
            "volo-echo-client: {} {} {mode}, {} concurrent: {qps:.0} QPS, p50 {p50:.0} µs, \
             p99 {p99:.0} µs ({measured} calls measured in {seconds:.2} s after {warmup} warm-up, \
             {errors} errors)",
            name(args.payload),
            name(args.transport),
            args.concurrency,
        );
    }
    if errors > 0 {
        std::process::exit(1);
    }
}
