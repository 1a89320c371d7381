//! `thriftjit demo`: the whole runtime on one machine, in a few seconds. Loads the
//! bundled `corpus/idl/demo.thrift`, serves it on a loopback port with a small in-memory
//! handler, calls every method through the generic client over TTHeader, Framed and
//! THeader with both protocols, prints which engine served each type and what the JIT
//! compiled, measures a few thousand calls, and shuts the server down gracefully.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use clap::Args;
use thriftjit::engine::{Codec, CodecConfig};
use thriftjit::schema::{Schema, StructKind};
use thriftjit::value::{Message, Value, ValueRef};
use thriftjit::wire;
use thriftjit_runtime::client::{Args as CallArgs, Client, ClientBuilder};
use thriftjit_runtime::proto::{Protocol, Transport};
use thriftjit_runtime::server::{CallContext, HandlerError, HandlerReply, ServerBuilder, handler_fn};

/// The demo's IDL, compiled into the binary so that the demo runs from any directory.
const DEMO_IDL: &str = include_str!("../../../corpus/idl/demo.thrift");

/// Arguments of `thriftjit demo`.
#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Calls made by each throughput run.
    #[arg(long, default_value_t = 5000)]
    calls: usize,
    /// Concurrent callers in the throughput runs.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
}

pub fn run(args: DemoArgs) -> ExitCode {
    let result = super::serve::runtime().and_then(|rt| rt.block_on(demo(args)));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("thriftjit demo: {e}");
            ExitCode::FAILURE
        }
    }
}

fn s(v: &str) -> Value {
    Value::String(v.to_string())
}

/// The in-memory inventory behind the demo service: items by id, as owned values.
#[derive(Default)]
struct Store {
    items: Mutex<BTreeMap<i64, Value>>,
}

/// Item's field ids, from the IDL.
const ITEM_ID: i16 = 1;
const ITEM_NAME: i16 = 2;

fn handle(store: &Store, ctx: &CallContext, args: &Message) -> Result<HandlerReply, HandlerError> {
    let root = args.root();
    let mut items = store.items.lock().unwrap_or_else(|e| e.into_inner());
    match ctx.method() {
        "put" => {
            let item = root.get("item").map(|v| v.to_value()).ok_or_else(|| HandlerError::internal("no item"))?;
            let Some(&Value::I64(id)) = item.field(ITEM_ID) else {
                return Err(HandlerError::internal("the item has no id"));
            };
            items.insert(id, item.clone());
            Ok(item.into())
        }
        "get" => {
            let id = root.get_i64("id").unwrap_or_default();
            match items.get(&id) {
                Some(item) => Ok(item.clone().into()),
                // A declared exception, raised by its field name in `throws (1: NotFound missing)`.
                None => Err(HandlerError::exception(
                    "missing",
                    Value::Struct(vec![(1, Value::I64(id)), (2, s(&format!("no item {id}")))]),
                )),
            }
        }
        "search" => {
            let prefix = root.get_str("prefix").unwrap_or_default();
            let limit = usize::try_from(root.get_i32("limit").unwrap_or(0)).unwrap_or(0);
            let found = items
                .values()
                .filter(|item| matches!(item.field(ITEM_NAME), Some(Value::String(n)) if n.starts_with(prefix)))
                .take(limit)
                .cloned()
                .collect();
            Ok(Value::List(found).into())
        }
        "tally" => {
            let mut counts: Vec<(String, i32)> = Vec::new();
            for word in root.get_list("words").iter().flat_map(|l| l.iter()) {
                let ValueRef::String(w) = word else { continue };
                let w = String::from_utf8_lossy(w);
                match counts.iter_mut().find(|(k, _)| *k == w) {
                    Some((_, n)) => *n += 1,
                    None => counts.push((w.into_owned(), 1)),
                }
            }
            Ok(Value::Map(counts.into_iter().map(|(k, n)| (s(&k), Value::I32(n))).collect()).into())
        }
        "forget" => {
            items.remove(&root.get_i64("id").unwrap_or_default());
            Ok(HandlerReply::void())
        }
        "ping" => Ok(HandlerReply::void()),
        other => Err(HandlerError::internal(format!("the demo has no method {other}"))),
    }
}

fn item(id: i64, name: &str, tags: &[&str], stock: &[(&str, i32)], price: f64) -> Value {
    Value::Struct(vec![
        (1, Value::I64(id)),
        (2, s(name)),
        (3, Value::List(tags.iter().map(|t| s(t)).collect())),
        (4, Value::Map(stock.iter().map(|(k, n)| (s(k), Value::I32(*n))).collect())),
        (6, Value::Double(price)),
    ])
}

/// Calls every method once; returns one summary cell per method, and `get`'s reply as JSON.
async fn tour(client: &Client) -> Result<(Vec<String>, String), String> {
    let call = |m: &'static str, a: CallArgs| {
        let c = client.clone();
        async move { c.call(m, a).await.map_err(|e| format!("{m}: {e}")) }
    };
    let mut cells = Vec::new();
    let apple = item(1, "apple", &["fruit", "red"], &[("north", 4), ("south", 7)], 0.5);
    let put = call("put", CallArgs::named([("item", apple)])).await?;
    cells.push(if put.to_value().is_some() { "ok" } else { "empty" }.to_string());
    call("put", CallArgs::named([("item", item(2, "apricot", &["fruit"], &[("north", 1)], 1.25))])).await?;
    let got = call("get", CallArgs::named([("id", Value::I64(1))])).await?;
    cells.push("ok".into());
    let json = got.to_json().to_string();
    cells.push(match client.call("get", CallArgs::named([("id", Value::I64(404))])).await {
        Err(e) => match e.exception() {
            Some(x) => format!("{}({})", x.type_name(), x.field_name()),
            None => return Err(format!("get(404): {e}")),
        },
        Ok(_) => return Err("get(404) found an item".into()),
    });
    let found = call("search", CallArgs::named([("prefix", s("ap")), ("limit", Value::I32(10))])).await?;
    let n = match found.to_value() {
        Some(Value::List(items)) => items.len(),
        _ => 0,
    };
    cells.push(format!("{n} items"));
    let words = Value::List(["to", "be", "or", "not", "to", "be"].iter().map(|w| s(w)).collect());
    let tally = call("tally", CallArgs::named([("words", words)])).await?;
    cells.push(tally.to_json().to_string());
    call("forget", CallArgs::named([("id", Value::I64(2))])).await?;
    cells.push("sent".into());
    call("ping", CallArgs::none()).await?;
    cells.push("ok".into());
    Ok((cells, json))
}

/// Runs `calls` calls of `get` with `concurrency` callers; returns calls per second.
async fn throughput(client: &Client, calls: usize, concurrency: usize) -> Result<f64, String> {
    let concurrency = concurrency.max(1);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..concurrency {
        let client = client.clone();
        let n = calls / concurrency + usize::from(worker < calls % concurrency);
        tasks.push(tokio::spawn(async move {
            for _ in 0..n {
                client.call("get", CallArgs::named([("id", Value::I64(1))])).await.map_err(|e| e.to_string())?;
            }
            Ok::<(), String>(())
        }));
    }
    for t in tasks {
        t.await.map_err(|e| e.to_string())??;
    }
    Ok(calls as f64 / start.elapsed().as_secs_f64())
}

fn dialect_name(transport: Transport, protocol: Protocol) -> String {
    let t = match transport {
        Transport::TtHeader { .. } => "TTHeader",
        Transport::THeader { .. } => "THeader",
        Transport::Framed => "Framed",
        Transport::Unframed => "Buffered",
    };
    let p = match protocol {
        Protocol::Binary => "binary",
        Protocol::Compact => "compact",
    };
    format!("{t} {p}")
}

async fn demo(args: DemoArgs) -> Result<(), String> {
    let schema = Schema::parse_str("corpus/idl/demo.thrift", DEMO_IDL).map_err(|e| e.to_string())?;
    let methods = schema.services().iter().map(|s| s.methods.len()).sum::<usize>();
    println!("thriftjit demo: loaded corpus/idl/demo.thrift (bundled): service Inventory, {methods} methods");
    // One codec for the server and every client, so its counters tell the whole story.
    let codec = Arc::new(Codec::new(schema.clone(), CodecConfig::default()).map_err(|e| e.to_string())?);
    let store = Arc::new(Store::default());
    let handler = handler_fn(move |ctx: CallContext, args: Message| {
        let reply = handle(&store, &ctx, &args);
        async move { reply }
    });
    let server = ServerBuilder::new(codec.clone()).service("Inventory").build(handler).map_err(|e| e.to_string())?;
    let handle = server.bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
    let addr = handle.local_addr().to_string();
    println!("server listening on {addr}: one port for every dialect\n");

    let header = ["put", "get", "get(404)", "search", "tally", "forget", "ping"];
    println!(
        "{:<18} {:<4} {:<4} {:<18} {:<8} {:<30} {:<7} {}",
        "dialect", header[0], header[1], header[2], header[3], header[4], header[5], header[6]
    );
    let mut sample = String::new();
    for transport in
        [Transport::TtHeader { inner_framed: true }, Transport::Framed, Transport::THeader { outer_framed: false }]
    {
        for protocol in [Protocol::Binary, Protocol::Compact] {
            let client = ClientBuilder::new(codec.clone(), "Inventory")
                .address(&addr)
                .transport(transport)
                .protocol(protocol)
                .build()
                .map_err(|e| e.to_string())?;
            let (cells, json) =
                tour(&client).await.map_err(|e| format!("{}: {e}", dialect_name(transport, protocol)))?;
            println!(
                "{:<18} {:<4} {:<4} {:<18} {:<8} {:<30} {:<7} {}",
                dialect_name(transport, protocol),
                cells[0],
                cells[1],
                cells[2],
                cells[3],
                cells[4],
                cells[5],
                cells[6]
            );
            sample = json;
        }
    }
    println!("\nget(1) returned {sample}\n");

    println!("engine per type (the JIT compiles a type's routines on first use, per protocol and direction):");
    for (i, st) in schema.structs().iter().enumerate() {
        if matches!(st.kind, StructKind::Args | StructKind::Result)
            && !st.name.contains(".get_")
            && !st.name.contains(".put_")
        {
            continue;
        }
        let id = thriftjit::schema::StructId(i as u32);
        println!(
            "  {:<26} binary: {:<6} compact: {}",
            st.name,
            codec.engine_for(id, wire::Protocol::Binary).name(),
            codec.engine_for(id, wire::Protocol::Compact).name()
        );
    }
    let stats = codec.stats();
    println!(
        "JIT: {} type × protocol compilations in {:.1} ms, {} bytes of machine code; decodes and encodes so far: {} compiled ({} found compiled, {} compiled first), {} interpreted; fallbacks {}",
        stats.jit.types_compiled,
        stats.jit.compile_nanos as f64 / 1e6,
        stats.jit.code_bytes,
        stats.jit_calls,
        stats.jit_cache_hits,
        stats.jit_cache_misses,
        stats.interp_calls,
        stats.jit.decode_fallbacks + stats.jit.encode_fallbacks,
    );

    println!(
        "\nthroughput of `get` over TTHeader binary, {} calls, {} concurrent callers:",
        args.calls, args.concurrency
    );
    let pooled = ClientBuilder::new(codec.clone(), "Inventory").address(&addr).build().map_err(|e| e.to_string())?;
    let qps = throughput(&pooled, args.calls, args.concurrency).await?;
    println!("  pooled connections (one call per connection at a time): {qps:>9.0} calls/s");
    let mux = ClientBuilder::new(codec.clone(), "Inventory")
        .address(&addr)
        .multiplex(2)
        .build()
        .map_err(|e| e.to_string())?;
    let qps = throughput(&mux, args.calls, args.concurrency).await?;
    println!("  multiplexed (at most 2 connections, calls keyed by seq id): {qps:>6.0} calls/s");

    let report = handle.shutdown(std::time::Duration::from_secs(5)).await;
    println!(
        "\ngraceful shutdown: {}",
        if report.graceful {
            "stopped accepting, calls in flight finished, connections closed".to_string()
        } else {
            format!("{} connections cut off at the deadline", report.abandoned_connections)
        }
    );
    Ok(())
}
