//! `thriftjit call`: call methods of a service with JSON arguments and print each result
//! as one line of JSON.
//!
//! Exit status: 0 when every call returned; 3 when one threw an exception its IDL declares
//! (printed as JSON on stdout, its field and type on stderr); 1 for any other failure.
//!
//! `--config FILE` reads the same settings from TOML, and a list of calls; flags given on
//! the command line win over the file, and paths in the file are relative to it:
//!
//! ```toml
//! idl = "demo.thrift"
//! include = ["idl/common"]
//! service = "Inventory"
//! addr = "127.0.0.1:9090"
//! transport = "ttheader"      # ttheader, ttheader-noframe, theader, framed, buffered
//! protocol = "binary"         # binary, compact
//! timeout_ms = 1000
//! headers = { tenant = "a", 2 = "log-id-7" }   # integer keys are TTHeader int keys
//!
//! [[calls]]
//! method = "get"
//! args = { id = 1 }           # a table, or a JSON string
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, ValueEnum};
use serde::Deserialize;
use thriftjit::json;
use thriftjit_runtime::client::{CallOptions, Client};
use thriftjit_runtime::proto::{Protocol, Transport};

use super::IncludeArgs;

/// Exit status of a call that threw a declared exception.
const EXIT_EXCEPTION: u8 = 3;

/// Transports by their command-line names.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TransportName {
    /// CloudWeGo TTHeader with Volo's inner frame (Volo's default).
    Ttheader,
    /// TTHeader without the inner frame (Kitex).
    TtheaderNoframe,
    /// Apache/fbthrift THeader.
    Theader,
    /// 4-byte length frames.
    Framed,
    /// Bare messages (Apache's buffered transport).
    Buffered,
}

impl TransportName {
    pub(super) fn transport(self) -> Transport {
        match self {
            TransportName::Ttheader => Transport::TtHeader { inner_framed: true },
            TransportName::TtheaderNoframe => Transport::TtHeader { inner_framed: false },
            TransportName::Theader => Transport::THeader { outer_framed: false },
            TransportName::Framed => Transport::Framed,
            TransportName::Buffered => Transport::Unframed,
        }
    }
}

/// Protocols by their command-line names.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProtocolName {
    /// The binary protocol.
    Binary,
    /// The compact protocol.
    Compact,
}

impl ProtocolName {
    pub(super) fn protocol(self) -> Protocol {
        match self {
            ProtocolName::Binary => Protocol::Binary,
            ProtocolName::Compact => Protocol::Compact,
        }
    }
}

/// What `thriftjit call --help` shows after the options.
const AFTER_HELP: &str = r#"Exit status: 0 when every call returned, 3 when one threw an exception the IDL
declares (its value is printed as JSON), 1 for any other failure.

--config FILE (TOML; flags win over it; paths are relative to the file):

  idl = "demo.thrift"
  include = ["idl/common"]
  service = "Inventory"
  addr = "127.0.0.1:9090"
  transport = "ttheader"       # ttheader, ttheader-noframe, theader, framed, buffered
  protocol = "binary"          # binary, compact
  timeout_ms = 1000
  headers = { tenant = "a", 2 = "log-id-7" }   # integer keys are TTHeader int keys

  [[calls]]
  method = "get"
  args = { id = 1 }            # a table, or a JSON string"#;

/// Arguments of `thriftjit call`.
#[derive(Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct CallArgs {
    #[command(flatten)]
    includes: IncludeArgs,
    /// Settings and a list of calls in TOML (see `thriftjit call --help`).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The IDL file.
    #[arg(long, value_name = "FILE")]
    idl: Option<PathBuf>,
    /// The service.
    #[arg(long, value_name = "NAME")]
    service: Option<String>,
    /// The server.
    #[arg(long, value_name = "HOST:PORT")]
    addr: Option<String>,
    /// The method.
    #[arg(long, value_name = "NAME")]
    method: Option<String>,
    /// The arguments: a JSON object keyed by argument name.
    #[arg(long, value_name = "JSON")]
    args: Option<String>,
    /// The transport [default: ttheader].
    #[arg(long, value_enum)]
    transport: Option<TransportName>,
    /// The protocol [default: binary].
    #[arg(long, value_enum)]
    protocol: Option<ProtocolName>,
    /// The whole call's timeout in milliseconds (also sent over TTHeader as the RPC timeout).
    #[arg(long, value_name = "MS")]
    timeout: Option<u64>,
    /// A header: a string key, or a decimal TTHeader int key (repeatable).
    #[arg(long = "header", value_name = "KEY=VALUE")]
    headers: Vec<String>,
}

/// The TOML file of `--config`.
#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    idl: Option<PathBuf>,
    #[serde(default)]
    include: Vec<PathBuf>,
    service: Option<String>,
    addr: Option<String>,
    transport: Option<TransportName>,
    protocol: Option<ProtocolName>,
    timeout_ms: Option<u64>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    calls: Vec<CallEntry>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct CallEntry {
    method: String,
    #[serde(default)]
    args: Option<toml::Value>,
}

/// One call to make: the method and its arguments as JSON text.
struct Planned {
    method: String,
    args: String,
}

/// Everything merged from the flags and the file.
struct Plan {
    includes: IncludeArgs,
    idl: PathBuf,
    service: String,
    addr: String,
    transport: TransportName,
    protocol: ProtocolName,
    timeout: Option<Duration>,
    headers: Vec<(String, String)>,
    calls: Vec<Planned>,
}

pub fn run(args: CallArgs) -> ExitCode {
    match plan(args).and_then(execute) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("thriftjit call: {e}");
            ExitCode::FAILURE
        }
    }
}

fn read_config(path: &Path) -> Result<ConfigFile, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// TOML arguments as JSON text (a string is taken as JSON already).
fn args_json(args: Option<toml::Value>) -> Result<String, String> {
    match args {
        None => Ok("{}".to_string()),
        Some(toml::Value::String(s)) => Ok(s),
        Some(v) => serde_json::to_string(&v).map_err(|e| format!("the arguments cannot be JSON: {e}")),
    }
}

fn plan(args: CallArgs) -> Result<Plan, String> {
    let file = match &args.config {
        Some(path) => read_config(path)?,
        None => ConfigFile::default(),
    };
    let base = args.config.as_deref().and_then(Path::parent).unwrap_or(Path::new("")).to_path_buf();
    let mut includes = args.includes.clone();
    includes.include_dirs.extend(file.include.iter().map(|d| base.join(d)));
    let idl = args.idl.or_else(|| file.idl.map(|p| base.join(p))).ok_or("no IDL: give --idl or `idl` in --config")?;
    let service = args.service.or(file.service).ok_or("no service: give --service or `service` in --config")?;
    let addr = args.addr.or(file.addr).ok_or("no server: give --addr or `addr` in --config")?;
    let mut headers: Vec<(String, String)> = file.headers.into_iter().collect();
    for h in &args.headers {
        let (k, v) = h.split_once('=').ok_or_else(|| format!("--header {h:?} is not KEY=VALUE"))?;
        headers.push((k.to_string(), v.to_string()));
    }
    let calls = match (args.method, args.args) {
        (Some(method), args) => vec![Planned { method, args: args.unwrap_or_else(|| "{}".to_string()) }],
        (None, Some(_)) => return Err("--args needs --method".into()),
        (None, None) => file
            .calls
            .into_iter()
            .map(|c| Ok(Planned { method: c.method, args: args_json(c.args)? }))
            .collect::<Result<_, String>>()?,
    };
    if calls.is_empty() {
        return Err("nothing to call: give --method, or `[[calls]]` in --config".into());
    }
    Ok(Plan {
        includes,
        idl,
        service,
        addr,
        transport: args.transport.or(file.transport).unwrap_or(TransportName::Ttheader),
        protocol: args.protocol.or(file.protocol).unwrap_or(ProtocolName::Binary),
        timeout: args.timeout.or(file.timeout_ms).map(Duration::from_millis),
        headers,
        calls,
    })
}

fn execute(plan: Plan) -> Result<ExitCode, String> {
    let schema = plan.includes.loader().load_file(&plan.idl).map_err(|e| e.to_string())?;
    let transport = plan.transport.transport();
    let protocol = plan.protocol.protocol();
    let mut builder =
        Client::builder(schema, &plan.service).address(&plan.addr).transport(transport).protocol(protocol);
    if let Some(t) = plan.timeout {
        builder = builder.timeout(t);
    }
    let carries_headers = matches!(transport, Transport::TtHeader { .. } | Transport::THeader { .. });
    if !plan.headers.is_empty() && !carries_headers {
        eprintln!("thriftjit call: headers need --transport ttheader or theader; {transport:?} carries none");
    }
    for (k, v) in plan.headers {
        builder = match k.parse::<u16>() {
            Ok(int_key) => builder.int_header(int_key, v),
            Err(_) => builder.header(k, v),
        };
    }
    let client = builder.build().map_err(|e| e.to_string())?;
    let (mut failed, mut threw) = (false, false);
    super::serve::runtime()?.block_on(async {
        for call in &plan.calls {
            match client.call_json(&call.method, &call.args, &CallOptions::new()).await {
                Ok(reply) => println!("{}", reply.to_json()),
                Err(e) => match e.exception() {
                    Some(x) => {
                        let options = json::Options::new().lossy_utf8(true);
                        match x.value().map(|v| json::struct_to_json(&v, &options)).transpose() {
                            Ok(value) => println!("{}", value.unwrap_or_default()),
                            Err(e) => eprintln!("thriftjit call: {}: the exception as JSON: {e}", call.method),
                        }
                        eprintln!("thriftjit call: {} threw {} (`{}`)", call.method, x.type_name(), x.field_name());
                        threw = true;
                    }
                    None => {
                        eprintln!("thriftjit call: {}: {e}", call.method);
                        failed = true;
                    }
                },
            }
        }
    });
    // A failure outranks an exception.
    Ok(match (failed, threw) {
        (true, _) => ExitCode::FAILURE,
        (false, true) => ExitCode::from(EXIT_EXCEPTION),
        (false, false) => ExitCode::SUCCESS,
    })
}
