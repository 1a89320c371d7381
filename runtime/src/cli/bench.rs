//! `thriftjit bench`: times encode and decode of one JSON value of a type,
//! per engine, side by side in one run (warm-up, many iterations, median of
//! several rounds). For quick comparisons; `benches/` holds the criterion
//! benchmarks.

use std::path::PathBuf;
use std::time::Instant;

use bytes::Bytes;
use clap::{Args, ValueEnum};
use thriftjit::engine::{Codec, Engine, EngineChoice};
use thriftjit::json::{self, Options};
use thriftjit::wire::Protocol;

use super::IncludeArgs;
use super::codec::{CliError, FieldOrderArg, ProtocolArg, load_type, read_input, write_stdout};

/// Which engines to time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum BenchEngine {
    /// Both, side by side.
    #[default]
    All,
    /// Compiled code only.
    Jit,
    /// The interpreter only.
    Interp,
}

/// Arguments of `thriftjit bench`.
#[derive(Args, Debug)]
pub struct BenchArgs {
    #[command(flatten)]
    includes: IncludeArgs,
    /// The IDL file that declares the type.
    #[arg(long, value_name = "FILE")]
    idl: PathBuf,
    /// The struct-like type.
    #[arg(long = "type", value_name = "NAME")]
    type_name: String,
    /// A JSON file holding one value of the type.
    #[arg(long, value_name = "FILE.json")]
    input: PathBuf,
    /// The wire protocol.
    #[arg(long, value_enum, default_value_t = ProtocolArg::Binary)]
    protocol: ProtocolArg,
    /// Which engines to time.
    #[arg(long, value_enum, default_value_t = BenchEngine::All)]
    engine: BenchEngine,
    /// The field order compiled Binary decoders expect.
    #[arg(long, value_enum, default_value_t = FieldOrderArg::Adaptive)]
    field_order: FieldOrderArg,
    /// Print the results as JSON.
    #[arg(long)]
    json: bool,
    /// Minimum time per measurement round, in milliseconds.
    #[arg(long, default_value_t = 200)]
    millis: u64,
}

/// Rounds per measurement; the median is reported.
const ROUNDS: usize = 5;

pub fn bench(args: BenchArgs) -> Result<(), CliError> {
    let (layouts, id) = load_type(&args.includes, &args.idl, &args.type_name)?;
    let text = read_input(Some(&args.input))?;
    let protocol = Protocol::from(args.protocol);
    let mut rows = Vec::new();
    let engines: &[(EngineChoice, &str)] = match args.engine {
        BenchEngine::All => &[(EngineChoice::Interp, "interp"), (EngineChoice::Jit, "jit")],
        BenchEngine::Jit => &[(EngineChoice::Jit, "jit")],
        BenchEngine::Interp => &[(EngineChoice::Interp, "interp")],
    };
    for &(choice, label) in engines {
        let codec = Codec::with_layouts(layouts.clone(), args.field_order.config(choice)).map_err(|e| e.to_string())?;
        let served = codec.engine_for(id, protocol);
        let message = json::to_message_slice(&layouts, id, &text, &Options::new()).map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        codec.encode(&message.root(), protocol, &mut out).map_err(|e| e.to_string())?;
        let bytes = Bytes::from(out.clone());
        let encode_ns = measure(args.millis, || {
            out.clear();
            codec.encode(&message.root(), protocol, &mut out).expect("encoded once already");
        });
        let decode_ns = measure(args.millis, || {
            std::hint::black_box(codec.decode(id, protocol, &bytes).expect("decoded bytes it encoded"));
        });
        rows.push((label, served, bytes.len(), encode_ns, decode_ns, codec.stats()));
    }
    let mut text = String::new();
    if args.json {
        let arr: Vec<serde_json::Value> = rows
            .iter()
            .map(|(label, served, size, enc, dec, stats)| {
                serde_json::json!({
                    "engine": label, "served_by": served.name(), "bytes": size, "protocol": protocol.name(),
                    "encode_ns": enc, "decode_ns": dec,
                    "encode_mb_s": *size as f64 / enc * 1e3, "decode_mb_s": *size as f64 / dec * 1e3,
                    "compile_ns": stats.jit.compile_nanos, "code_bytes": stats.jit.code_bytes,
                })
            })
            .collect();
        text = serde_json::to_string_pretty(&arr).map_err(|e| e.to_string())? + "\n";
    } else {
        text.push_str(&format!(
            "{:<8} {:<9} {:>8} {:>12} {:>10} {:>12} {:>10}\n",
            "engine", "served by", "bytes", "encode ns", "MB/s", "decode ns", "MB/s"
        ));
        for (label, served, size, enc, dec, _) in &rows {
            text.push_str(&format!(
                "{label:<8} {:<9} {size:>8} {enc:>12.1} {:>10.0} {dec:>12.1} {:>10.0}\n",
                served.name(),
                *size as f64 / enc * 1e3,
                *size as f64 / dec * 1e3
            ));
        }
        if let [a, b] = &rows[..]
            && b.1 == Engine::Jit
        {
            text.push_str(&format!("jit/interp speedup: encode {:.2}x, decode {:.2}x\n", a.3 / b.3, a.4 / b.4));
        }
    }
    write_stdout(text.as_bytes())
}

/// Median ns per call over [`ROUNDS`] rounds of at least `millis` each, after a warm-up round.
fn measure(millis: u64, mut f: impl FnMut()) -> f64 {
    let mut per_round = |min: u64| {
        let mut n = 0u64;
        let start = Instant::now();
        loop {
            for _ in 0..64 {
                f();
            }
            n += 64;
            let el = start.elapsed();
            if el.as_millis() as u64 >= min {
                return el.as_nanos() as f64 / n as f64;
            }
        }
    };
    per_round(millis / 2);
    let mut v: Vec<f64> = (0..ROUNDS).map(|_| per_round(millis)).collect();
    v.sort_by(f64::total_cmp);
    v[ROUNDS / 2]
}
