//! The generic client: calls any method of an IDL service loaded at runtime, by name.
//!
//! ```no_run
//! # async fn run(schema: std::sync::Arc<thriftjit::schema::Schema>) -> Result<(), thriftjit_runtime::Error> {
//! use thriftjit::value::Value;
//! use thriftjit_runtime::client::{Args, Client};
//!
//! let client = Client::builder(schema, "Inventory").address("127.0.0.1:9090").build()?;
//! let reply = client.call("get", Args::named([("id", Value::I64(7))])).await;
//! match reply {
//!     Ok(reply) => println!("{:?}", reply.success()),
//!     Err(e) if e.is_exception() => println!("declared exception {:?}", e.exception()),
//!     Err(e) => println!("failed: {e}"),
//! }
//! # Ok(()) }
//! ```
//!
//! Arguments are a [`Value`] struct keyed by argument ids, named values
//! ([`Args::named`]), a ready `<method>_args` [`Message`], or JSON ([`Client::call_json`]).
//! A call returns a [`Reply`] holding the decoded result (`success` aliases the reply's
//! bytes), or an [`Error`]: a declared exception ([`Error::exception`]), the server's
//! `TApplicationException`, or a timeout, transport or protocol failure. `oneway`
//! methods return once the request is written.
//!
//! Connections: by default a [pool](crate::transport::pool) per address, one call per
//! connection at a time (ping-pong, sequence ids per connection); with
//! [`ClientBuilder::multiplex`] at most [`ClientConfig::max_connections`] connections per
//! address each carrying many calls ([`mux`](crate::transport::mux)). Several addresses
//! are used in turn. A connection takes no more calls once the server says it will close
//! it (TTHeader `crrst`) or answers that it could not read a request (a
//! `TApplicationException` such as `PROTOCOL_ERROR` or `UNKNOWN_METHOD`, after which
//! Volo and Kitex close the connection without a word over Framed and Buffered).

mod config;
mod reply;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use thriftjit::engine::Codec;
use thriftjit::json;
use thriftjit::schema::{Method, Schema, ServiceId};
use thriftjit::value::{Message, Value};

pub use config::{CallOptions, ClientConfig, DEFAULT_CALLER};
pub use reply::Reply;

use crate::error::Error;
use crate::proto::ttheader::{self, int_key, str_key};
use crate::proto::{
    Dialect, Envelope, ExceptionType, FrameHeader, Limits, MessageType, Protocol, THeader, Transport, TtHeader,
};
use crate::transport::conn::Conn;
use crate::transport::encode::{Body, MessageWriter, WriteError};
use crate::transport::mux::{MuxConfig, MuxPool};
use crate::transport::pool::{Pool, PoolConfig};
use crate::transport::{Timeouts, with_timeout};

/// The arguments of a call.
#[derive(Debug)]
pub enum Args {
    /// A struct value keyed by argument ids.
    Value(Value),
    /// A `<method>_args` message of the client's schema.
    Message(Message),
    /// Arguments by name.
    Named(Vec<(String, Value)>),
}

impl Args {
    /// Arguments by name: `Args::named([("id", Value::I64(7))])`.
    pub fn named<K: Into<String>>(fields: impl IntoIterator<Item = (K, Value)>) -> Args {
        Args::Named(fields.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// No arguments.
    pub fn none() -> Args {
        Args::Value(Value::Struct(Vec::new()))
    }
}

impl From<Value> for Args {
    fn from(v: Value) -> Self {
        Args::Value(v)
    }
}

impl From<Message> for Args {
    fn from(m: Message) -> Self {
        Args::Message(m)
    }
}

impl From<()> for Args {
    fn from((): ()) -> Self {
        Args::none()
    }
}

/// Builds a [`Client`].
#[derive(Debug)]
pub struct ClientBuilder {
    codec: Arc<Codec>,
    service: String,
    addresses: Vec<String>,
    config: ClientConfig,
}

impl ClientBuilder {
    /// A builder for calls to `service` through a shared codec.
    pub fn new(codec: Arc<Codec>, service: &str) -> Self {
        ClientBuilder { codec, service: service.to_string(), addresses: Vec::new(), config: ClientConfig::default() }
    }

    /// Adds a server address (`host:port`).
    pub fn address(mut self, addr: impl Into<String>) -> Self {
        self.addresses.push(addr.into());
        self
    }

    /// Replaces all settings.
    pub fn config(mut self, config: ClientConfig) -> Self {
        self.config = config;
        self
    }

    /// The framing (default TTHeader with the inner frame).
    pub fn transport(mut self, transport: Transport) -> Self {
        self.config.dialect.transport = transport;
        self
    }

    /// The protocol (default Binary).
    pub fn protocol(mut self, protocol: Protocol) -> Self {
        self.config.dialect.protocol = protocol;
        self
    }

    /// All timeouts.
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.config.timeouts = timeouts;
        self
    }

    /// The whole-call timeout (also sent as TTHeader's RPC timeout).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.config.timeouts.call = Some(timeout);
        self
    }

    /// Multiplexed connections (TTHeader and Framed), at most `max_connections` per address.
    pub fn multiplex(mut self, max_connections: usize) -> Self {
        self.config.multiplex = true;
        self.config.max_connections = max_connections;
        self
    }

    /// The pool of ping-pong connections.
    pub fn pool(mut self, pool: PoolConfig) -> Self {
        self.config.pool = pool;
        self
    }

    /// Frame limits.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.config.limits = limits;
        self
    }

    /// Sends `Service:method` names (Apache's `TMultiplexedProtocol`).
    pub fn multiplexed_names(mut self, yes: bool) -> Self {
        self.config.multiplexed_names = yes;
        self
    }

    /// A string header for every call.
    pub fn header(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.config.headers.push((key.into(), value.into()));
        self
    }

    /// A TTHeader integer-keyed header for every call.
    pub fn int_header(mut self, key: u16, value: impl Into<String>) -> Self {
        self.config.int_headers.push((key, value.into()));
        self
    }

    /// The client.
    ///
    /// # Errors
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput): no such service, no address, or
    /// multiplexing over a transport that cannot carry it.
    pub fn build(self) -> Result<Client, Error> {
        let schema = self.codec.schema();
        let service = schema.service_by_name(&self.service).ok_or_else(|| {
            let known: Vec<&str> = schema.services().iter().map(|s| &*s.name).collect();
            Error::invalid(format!("no service `{}` in the IDL (services: {})", self.service, known.join(", ")))
        })?;
        if self.addresses.is_empty() {
            return Err(Error::invalid("a client needs at least one address"));
        }
        let transport = self.config.dialect.transport;
        let mode = if self.config.multiplex {
            if !matches!(transport, Transport::TtHeader { .. } | Transport::Framed) {
                return Err(Error::invalid(format!(
                    "multiplexing needs TTHeader or Framed, not {transport:?}: other framings have no way to \
                     ask the server for out-of-order replies"
                )));
            }
            let mux = MuxConfig {
                max_connections: self.config.max_connections,
                connect_timeout: self.config.timeouts.connect,
                write_timeout: self.config.timeouts.write,
                limits: self.config.limits,
            };
            Mode::Mux(self.addresses.iter().map(|a| MuxPool::new(a, mux)).collect())
        } else {
            Mode::Pool(Pool::new(self.config.pool))
        };
        let wire_service = schema.service(service).name.rsplit('.').next().unwrap_or_default().to_string();
        Ok(Client {
            inner: Arc::new(Inner {
                codec: self.codec,
                service,
                wire_service,
                addresses: self.addresses,
                next_address: AtomicUsize::new(0),
                config: self.config,
                mode,
            }),
        })
    }
}

#[derive(Debug)]
enum Mode {
    Pool(Pool),
    Mux(Vec<MuxPool>),
}

#[derive(Debug)]
struct Inner {
    codec: Arc<Codec>,
    service: ServiceId,
    /// The service name as sent in `isn` and `Service:method` names.
    wire_service: String,
    addresses: Vec<String>,
    next_address: AtomicUsize,
    config: ClientConfig,
    mode: Mode,
}

/// A client of one service; cheap to clone (clones share connections).
#[derive(Debug, Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

/// One call being made.
struct Call<'a> {
    method: &'a Method,
    name: &'a str,
    message_type: MessageType,
    args: &'a Message,
    options: &'a CallOptions,
    timeout: Option<Duration>,
}

impl Client {
    /// A builder for calls to `service` of `schema` (with a codec of the client's own).
    pub fn builder(schema: Arc<Schema>, service: &str) -> ClientBuilder {
        ClientBuilder::new(crate::server::codec_for(schema), service)
    }

    /// The codec.
    pub fn codec(&self) -> &Arc<Codec> {
        &self.inner.codec
    }

    /// The settings.
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// Calls `method` with `args`.
    ///
    /// # Errors
    /// See the module docs: a declared exception, a `TApplicationException`, a timeout, a
    /// transport or protocol failure, or arguments that do not fit.
    pub async fn call(&self, method: &str, args: impl Into<Args>) -> Result<Reply, Error> {
        self.call_with(method, args, &CallOptions::default()).await
    }

    /// Calls `method` with arguments given as JSON (an object keyed by argument name).
    ///
    /// # Errors
    /// As [`Client::call`]; JSON that does not fit is [`InvalidInput`](crate::ErrorKind::InvalidInput).
    pub async fn call_json(&self, method: &str, args: &str, options: &CallOptions) -> Result<Reply, Error> {
        let args = self.args_from_json(method, args)?;
        self.call_message(method, &args, options).await
    }

    /// The `<method>_args` message of arguments given as JSON (an object keyed by argument
    /// name), for [`Client::call_message`]. The JSON is read by [`thriftjit::json`] with its
    /// default (strict) [`Options`](json::Options): a key that names no argument, or an
    /// absent `required` argument without a default, does not fit.
    ///
    /// # Errors
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput): no such method, text that is not
    /// JSON, or JSON that does not fit; the message names the JSON path (`$.req.id`), and
    /// the error's [`source`](std::error::Error::source) is the [`JsonError`](json::JsonError).
    pub fn args_from_json(&self, method: &str, args: &str) -> Result<Message, Error> {
        let m = self.method(method)?;
        let text: serde_json::Value = serde_json::from_str(args)
            .map_err(|e| Error::invalid(format!("the arguments of `{method}` are not JSON: {e}")).with_source(e))?;
        json::to_message(self.inner.codec.layouts(), m.args, &text, &json::Options::new())
            .map_err(|e| Error::json_args(self.schema(), m, &text, e))
    }

    fn schema(&self) -> &Arc<Schema> {
        self.inner.codec.schema()
    }

    fn method(&self, name: &str) -> Result<&Method, Error> {
        let schema = self.schema();
        schema.find_method(self.inner.service, name).ok_or_else(|| {
            let known: Vec<&str> = schema.all_methods(self.inner.service).iter().map(|m| &*m.name).collect();
            Error::invalid(format!(
                "service `{}` has no method `{name}` (methods: {})",
                schema.service(self.inner.service).name,
                known.join(", ")
            ))
        })
    }

    fn args_message(&self, method: &Method, args: Args) -> Result<Message, Error> {
        let layouts = self.inner.codec.layouts();
        let value = match args {
            Args::Message(m) => {
                if m.struct_id() == method.args && Arc::ptr_eq(m.layouts().schema(), self.schema()) {
                    return Ok(m);
                }
                return Err(Self::wrong_message(method, self.schema()));
            }
            Args::Value(v) => v,
            Args::Named(fields) => {
                let st = self.schema().struct_type(method.args);
                let mut out = Vec::with_capacity(fields.len());
                for (name, v) in fields {
                    let f = st.field_by_name(&name).ok_or_else(|| {
                        let known: Vec<&str> = st.fields.iter().map(|f| &*f.name).collect();
                        Error::invalid(format!(
                            "`{}` has no argument `{name}` (arguments: {})",
                            method.name,
                            known.join(", ")
                        ))
                    })?;
                    out.push((f.id, v));
                }
                Value::Struct(out)
            }
        };
        Message::from_value(layouts.clone(), method.args, &value)
            .map_err(|e| Error::invalid(format!("the arguments of `{}` do not fit: {e}", method.name)))
    }

    /// Calls `method` with `args` and per-call `options`.
    ///
    /// # Errors
    /// As [`Client::call`].
    pub async fn call_with(&self, method: &str, args: impl Into<Args>, options: &CallOptions) -> Result<Reply, Error> {
        let m = self.method(method)?;
        let args = self.args_message(m, args.into())?;
        self.call_prepared(m, &args, options).await
    }

    /// Calls `method` with a ready `<method>_args` message that the caller keeps, so that
    /// a loop can change a field and call again without building the arguments anew.
    ///
    /// # Errors
    /// As [`Client::call`]; a message of another type or schema is
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput).
    pub async fn call_message(&self, method: &str, args: &Message, options: &CallOptions) -> Result<Reply, Error> {
        let m = self.method(method)?;
        if args.struct_id() != m.args || !Arc::ptr_eq(args.layouts().schema(), self.schema()) {
            return Err(Self::wrong_message(m, self.schema()));
        }
        self.call_prepared(m, args, options).await
    }

    fn wrong_message(method: &Method, schema: &Schema) -> Error {
        Error::invalid(format!(
            "the arguments of `{}` must be a `{}` message of the client's schema",
            method.name,
            schema.struct_type(method.args).name
        ))
    }

    async fn call_prepared(&self, m: &Method, args: &Message, options: &CallOptions) -> Result<Reply, Error> {
        let method = &*m.name;
        let timeout = options.timeout.or(self.inner.config.timeouts.call);
        let name = if self.inner.config.multiplexed_names {
            format!("{}:{}", self.inner.wire_service, m.name)
        } else {
            m.name.to_string()
        };
        let call = Call {
            method: m,
            name: &name,
            message_type: if m.oneway { MessageType::Oneway } else { MessageType::Call },
            args,
            options,
            timeout,
        };
        // No allocation per call for a timeout message that is not needed.
        let what = if timeout.is_some() { format!("the call of `{method}`") } else { String::new() };
        with_timeout(timeout, &what, self.run(call)).await
    }

    fn next_address(&self) -> usize {
        self.inner.next_address.fetch_add(1, Ordering::Relaxed) % self.inner.addresses.len()
    }

    /// The frame header of a request with sequence id `seq_id`.
    fn header(&self, call: &Call<'_>, seq_id: i32) -> FrameHeader {
        let config = &self.inner.config;
        let strings = config.headers.iter().chain(&call.options.headers);
        match config.dialect.transport {
            Transport::TtHeader { .. } => {
                // The protocol id stays 0 (binary) for compact too, as Kitex writes it:
                // Kitex rejects id 2, and every peer tells the protocol from the payload.
                let mut h = TtHeader::new(seq_id);
                if config.multiplex {
                    h.flags |= ttheader::FLAG_SUPPORT_OUT_OF_ORDER;
                }
                h.strings
                    .insert(Bytes::from_static(str_key::IDL_SERVICE_NAME.as_bytes()), self.inner.wire_service.clone());
                for (k, v) in strings {
                    h.strings.insert(Bytes::from(k.clone()), v.clone());
                }
                h.ints.insert(int_key::FROM_SERVICE, config.caller.clone());
                h.ints.insert(int_key::TO_SERVICE, self.inner.wire_service.clone());
                h.ints.insert(int_key::TO_METHOD, call.method.name.to_string());
                if let Some(t) = call.timeout {
                    h.ints.insert(int_key::RPC_TIMEOUT, t.as_millis().max(1).to_string());
                }
                for (k, v) in config.int_headers.iter().chain(&call.options.int_headers) {
                    h.ints.insert(*k, v.clone());
                }
                FrameHeader::TtHeader(h)
            }
            Transport::THeader { .. } => {
                let mut h = THeader::new(seq_id, config.dialect.protocol);
                for (k, v) in strings {
                    h.headers.insert(Bytes::from(k.clone()), v.clone());
                }
                FrameHeader::THeader(h)
            }
            Transport::Framed | Transport::Unframed => FrameHeader::None,
        }
    }

    fn write_request(
        &self,
        writer: &mut MessageWriter,
        dst: &mut BytesMut,
        call: &Call<'_>,
        seq_id: i32,
    ) -> Result<(), Error> {
        let header = self.header(call, seq_id);
        let envelope = Envelope { name: call.name, message_type: call.message_type, seq_id };
        writer
            .write(
                &self.inner.codec,
                dst,
                self.inner.config.dialect,
                &header,
                Some(&envelope),
                Body::Struct(call.args.root()),
            )
            .map_err(|e| match e {
                WriteError::Body(e) => {
                    Error::invalid(format!("the arguments of `{}` do not encode: {e}", call.method.name))
                }
                WriteError::Frame(e) => {
                    Error::invalid(format!("the request to `{}` cannot be sent: {e}", call.method.name))
                }
            })
    }

    async fn run(&self, call: Call<'_>) -> Result<Reply, Error> {
        let i = self.next_address();
        let addr = &self.inner.addresses[i];
        let timeouts = &self.inner.config.timeouts;
        match &self.inner.mode {
            Mode::Pool(pool) => {
                let mut conn = match pool.checkout(addr) {
                    Some(c) => c,
                    None => Conn::connect(addr, timeouts.connect, self.inner.config.limits).await?,
                };
                let seq_id = conn.next_seq_id();
                let Conn { writer, write_buf, .. } = &mut conn;
                self.write_request(writer, write_buf, &call, seq_id)?;
                conn.flush(timeouts.write).await?;
                if call.message_type == MessageType::Oneway {
                    pool.checkin(addr, conn);
                    return Ok(Reply::oneway());
                }
                let frame = conn.read_frame(timeouts.read).await?;
                let reset = resets(&frame.header);
                let outcome = reply::parse(&self.inner.codec, call.method, call.name, seq_id, frame);
                // The connection is in step unless the reply was out of step.
                if !reset && !server_gave_up(&outcome) && outcome.as_ref().err().is_none_or(|e| !e.is_protocol()) {
                    pool.checkin(addr, conn);
                }
                outcome
            }
            Mode::Mux(pools) => {
                let conn = pools[i].pick().await?;
                let seq_id = conn.next_seq_id();
                let mut writer = MessageWriter::new(self.inner.config.limits);
                let mut buf = BytesMut::new();
                self.write_request(&mut writer, &mut buf, &call, seq_id)?;
                let expect_reply = call.message_type != MessageType::Oneway;
                match conn.call(seq_id, buf, expect_reply, timeouts.read).await? {
                    None => Ok(Reply::oneway()),
                    Some(frame) => {
                        let outcome = reply::parse(&self.inner.codec, call.method, call.name, seq_id, frame);
                        if server_gave_up(&outcome) {
                            conn.drain();
                        }
                        outcome
                    }
                }
            }
        }
    }

    /// Idle pooled connections to the address at `index` (for tests and diagnostics).
    pub fn idle_connections(&self, index: usize) -> usize {
        match (&self.inner.mode, self.inner.addresses.get(index)) {
            (Mode::Pool(pool), Some(addr)) => pool.idle_count(addr),
            _ => 0,
        }
    }

    /// Open multiplexed connections to the address at `index`.
    pub async fn mux_connections(&self, index: usize) -> usize {
        match &self.inner.mode {
            Mode::Mux(pools) => match pools.get(index) {
                Some(p) => p.connection_count().await,
                None => 0,
            },
            Mode::Pool(_) => 0,
        }
    }

    /// The dialect the client speaks.
    pub fn dialect(&self) -> Dialect {
        self.inner.config.dialect
    }
}

/// Whether the server answered that it could not read or route the request: it may well
/// close the connection next, so new calls go to another. Volo (and Kitex) answer a
/// request they cannot decode, an unknown method included, and then close the
/// connection; only in TTHeader do they say so (`crrst`, see [`resets`]). Over Framed or
/// Buffered a client that reuses the connection races the close, and its next call fails.
/// A failed handler (`INTERNAL_ERROR`) leaves the connection in step and reusable.
fn server_gave_up(outcome: &Result<Reply, Error>) -> bool {
    const UNREAD: [ExceptionType; 8] = [
        ExceptionType::UNKNOWN_METHOD,
        ExceptionType::INVALID_MESSAGE_TYPE,
        ExceptionType::WRONG_METHOD_NAME,
        ExceptionType::BAD_SEQUENCE_ID,
        ExceptionType::PROTOCOL_ERROR,
        ExceptionType::INVALID_TRANSFORM,
        ExceptionType::INVALID_PROTOCOL,
        ExceptionType::UNSUPPORTED_CLIENT_TYPE,
    ];
    outcome.as_ref().err().and_then(Error::application_exception).is_some_and(|a| UNREAD.contains(&a.kind))
}

/// Whether a reply tells the client not to reuse its connection (TTHeader `crrst`).
fn resets(header: &FrameHeader) -> bool {
    matches!(header, FrameHeader::TtHeader(h) if h.string(str_key::CONNECTION_READY_TO_RESET).is_some())
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use thriftjit::json::{JsonError, JsonErrorKind};
    use thriftjit::value::ValueRef;

    use super::*;

    const IDL: &str = "enum Color { RED = 1, BLUE = 2 } struct Point { 1: i32 x, 2: i32 y } \
                       struct Req { 1: required string id, 2: Point at } \
                       service Svc { i32 f(1: i32 n, 2: Color c, 3: map<i32, Point> m, 4: i64 big = 9) \
                       void g(1: Req req) }";

    fn client() -> Client {
        let schema = Schema::parse_str("t.thrift", IDL).unwrap();
        // Building connects to nothing: calls are never made here.
        Client::builder(schema, "Svc").address("127.0.0.1:1").build().unwrap()
    }

    fn json_error(e: &Error) -> &JsonError {
        e.source().and_then(|s| s.downcast_ref::<JsonError>()).expect("the source is the JsonError")
    }

    #[test]
    fn json_arguments_build_the_args_message_with_defaults() {
        let args = client().args_from_json("f", r#"{"n": "7", "c": "BLUE", "m": {"3": {"x": 1}}}"#).unwrap();
        let root = args.root();
        assert_eq!(root.get(1i16), Some(ValueRef::I32(7)));
        assert_eq!(root.get(2i16), Some(ValueRef::Enum(2)));
        assert_eq!(root.get_map(3i16).map(|m| m.len()), Some(1));
        // Absent arguments take their IDL defaults.
        assert_eq!(root.get(4i16), Some(ValueRef::I64(9)));
    }

    #[test]
    fn json_arguments_that_do_not_fit_name_their_json_path() {
        let c = client();
        let e = c.args_from_json("f", r#"{"n": "three"}"#).unwrap_err();
        assert!(e.is_invalid_input(), "{e}");
        assert!(e.to_string().starts_with("the arguments of `f` do not fit: $.n: "), "{e}");
        assert_eq!(json_error(&e).path(), "$.n");
        let e = c.args_from_json("f", r#"{"m": {"3": {"x": 1, "z": 2}}}"#).unwrap_err();
        assert_eq!(json_error(&e).path(), "$.m[\"3\"].z");
        assert!(!e.to_string().contains("(arguments:"), "a nested unknown field is no unknown argument: {e}");
        let e = c.args_from_json("g", r#"{"req": {"at": {}}}"#).unwrap_err();
        assert_eq!(json_error(&e).kind(), JsonErrorKind::MissingRequired, "{e}");
        assert_eq!(json_error(&e).path(), "$.req");
    }

    #[test]
    fn unknown_arguments_list_the_known_ones() {
        let e = client().args_from_json("f", r#"{"n": 1, "nope": 2}"#).unwrap_err();
        assert_eq!(json_error(&e).kind(), JsonErrorKind::UnknownField);
        assert!(e.to_string().contains("$.nope: ") && e.to_string().ends_with("(arguments: n, c, m, big)"), "{e}");
    }

    #[test]
    fn text_that_is_not_json_says_so() {
        let e = client().args_from_json("f", "{n: 1}").unwrap_err();
        assert!(e.is_invalid_input() && e.to_string().starts_with("the arguments of `f` are not JSON: "), "{e}");
        let e = client().args_from_json("nope", "{}").unwrap_err();
        assert!(e.to_string().contains("no method `nope`"), "{e}");
    }
}
