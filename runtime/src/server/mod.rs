//! The generic server: serves the methods of one or more IDL services, loaded at
//! runtime, through one [`Handler`] that gets every call by method name.
//!
//! ```no_run
//! # async fn run(schema: std::sync::Arc<thriftjit::schema::Schema>) -> Result<(), thriftjit_runtime::Error> {
//! use std::time::Duration;
//! use thriftjit_runtime::server::{ServerBuilder, builtin};
//!
//! let server = ServerBuilder::from_schema(schema).service("Inventory").build(builtin::Mock)?;
//! let handle = server.bind("127.0.0.1:0").await?;
//! println!("serving on {}", handle.local_addr());
//! handle.shutdown(Duration::from_secs(5)).await;
//! # Ok(()) }
//! ```
//!
//! One port speaks every dialect: the dialect (TTHeader with or without Volo's inner
//! frame, THeader, Framed, Buffered × Binary, Compact) is detected per frame and each
//! client is answered in the dialect it spoke. Calls are routed to a service by a
//! `Service:method` name, TTHeader's `isn` header, or the first service that has the
//! method (in that order); unknown methods get `TApplicationException(UNKNOWN_METHOD)`.
//!
//! **Deadlines.** A TTHeader caller's RPC timeout (int key 12) becomes the call's
//! [`CallContext::deadline`]; when it passes the handler's future is dropped (cancelled)
//! and the reply is `TApplicationException(INTERNAL_ERROR)` saying the RPC timeout
//! expired. Kitex instead lets the handler run on and leaves it to the handler to watch
//! its context; we cancel because an abandoned call only wastes the server, and the
//! client, whose own timer started first, has normally stopped waiting already.
//!
//! **Graceful shutdown** ([`ServerHandle::shutdown`]): stop accepting; every connection
//! keeps serving what it receives, TTHeader replies carry `crrst` (Kitex's "connection
//! ready to reset") and multiplexing TTHeader clients get a control frame saying so;
//! each connection closes once it has no call in flight; at the deadline whatever is left
//! is cancelled and closed.

pub mod builtin;
mod conn;
mod context;
mod handler;
mod reply;
mod route;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use thriftjit::engine::{Codec, CodecConfig, EngineChoice};
use thriftjit::schema::Schema;
use tokio::net::{TcpListener, ToSocketAddrs};
use tokio::task::JoinSet;

pub use context::CallContext;
pub use handler::{Handler, HandlerError, HandlerFn, HandlerReply, Payload, handler_fn};

use crate::error::Error;
use crate::proto::Limits;
use crate::transport::DEFAULT_IO_TIMEOUT;
use crate::transport::shutdown::{self, Phase, ShutdownSignal, ShutdownTrigger, Tracker};
use handler::ErasedHandler;
use route::Router;

/// Default time a connection may sit idle (nothing in flight, nothing arriving) before
/// the server closes it: ten minutes, Kitex's default.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(600);

/// Default most calls in flight per connection: 1,024. Enough for a multiplexing client's
/// concurrency; past it the server stops reading the connection until calls finish, so one
/// client cannot queue unbounded work.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 1024;

/// Pause after a failed `accept` (for example out of file descriptors) before the next
/// one, so the accept loop does not spin: 10 ms.
const ACCEPT_ERROR_BACKOFF: Duration = Duration::from_millis(10);

/// Settings of a [`Server`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerConfig {
    /// Frame and header limits; a frame over them is refused and its connection closed.
    pub limits: Limits,
    /// A connection with no reads, no calls finishing and none in flight for this long is
    /// closed (checked once per period, so between one and two periods after its last
    /// activity). `None` keeps idle connections.
    pub idle_timeout: Option<Duration>,
    /// Most calls in flight per connection.
    pub max_in_flight: usize,
    /// Answer Framed requests in completion order (for multiplexing Framed clients, as
    /// Volo's server `multiplex(true)`); by default Framed replies keep request order.
    /// TTHeader and THeader clients ask for completion order with a header flag.
    pub multiplex_framed: bool,
    /// Time a batch of replies may take to write before the connection is closed.
    pub write_timeout: Option<Duration>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            limits: Limits::default(),
            idle_timeout: Some(DEFAULT_IDLE_TIMEOUT),
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            multiplex_framed: false,
            write_timeout: Some(DEFAULT_IO_TIMEOUT),
        }
    }
}

/// What every connection of a server shares.
pub(crate) struct Shared {
    codec: Arc<Codec>,
    router: Router,
    handler: Arc<dyn ErasedHandler>,
    config: ServerConfig,
    /// Handler calls running, which a shutdown waits for.
    handlers: Arc<Tracker>,
}

/// A codec for `schema` that uses the JIT where it can.
pub(crate) fn codec_for(schema: Arc<Schema>) -> Arc<Codec> {
    let codec = match Codec::new(schema.clone(), CodecConfig::default()) {
        Ok(c) => c,
        // `Auto` falls back to the interpreter by itself; this arm only exists because
        // `Codec::new` is fallible for `EngineChoice::Jit`.
        Err(_) => Codec::new(schema, CodecConfig { engine: EngineChoice::Interp, ..CodecConfig::default() })
            .expect("an interpreter-only codec needs no JIT"),
    };
    Arc::new(codec)
}

/// Builds a [`Server`].
#[derive(Debug)]
pub struct ServerBuilder {
    codec: Arc<Codec>,
    services: Vec<String>,
    config: ServerConfig,
}

impl ServerBuilder {
    /// A builder over a shared codec (and its schema).
    pub fn new(codec: Arc<Codec>) -> Self {
        ServerBuilder { codec, services: Vec::new(), config: ServerConfig::default() }
    }

    /// A builder over `schema`, with a codec of its own.
    pub fn from_schema(schema: Arc<Schema>) -> Self {
        Self::new(codec_for(schema))
    }

    /// Serves `name` (with the methods it inherits). The first service is the default
    /// for calls that name none; call again to serve more.
    pub fn service(mut self, name: &str) -> Self {
        self.services.push(name.to_string());
        self
    }

    /// Replaces all settings.
    pub fn config(mut self, config: ServerConfig) -> Self {
        self.config = config;
        self
    }

    /// Frame and header limits.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.config.limits = limits;
        self
    }

    /// The idle timeout of connections (`None` keeps them); see [`ServerConfig::idle_timeout`].
    pub fn idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.config.idle_timeout = timeout;
        self
    }

    /// Answers Framed requests in completion order (see [`ServerConfig::multiplex_framed`]).
    pub fn multiplex_framed(mut self, yes: bool) -> Self {
        self.config.multiplex_framed = yes;
        self
    }

    /// Most calls in flight per connection.
    pub fn max_in_flight(mut self, n: usize) -> Self {
        self.config.max_in_flight = n;
        self
    }

    /// A server answering every call with `handler`.
    ///
    /// # Errors
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) when no service is given or one is
    /// not in the schema.
    pub fn build(self, handler: impl Handler) -> Result<Server, Error> {
        let schema = self.codec.schema();
        if self.services.is_empty() {
            return Err(Error::invalid("a server needs at least one service"));
        }
        let mut ids = Vec::new();
        for name in &self.services {
            let id = schema.service_by_name(name).ok_or_else(|| {
                let known: Vec<&str> = schema.services().iter().map(|s| &*s.name).collect();
                Error::invalid(format!("no service `{name}` in the IDL (services: {})", known.join(", ")))
            })?;
            ids.push(id);
        }
        Ok(Server {
            shared: Arc::new(Shared {
                codec: self.codec,
                router: Router::new(ids),
                handler: Arc::new(handler),
                config: self.config,
                handlers: Arc::default(),
            }),
        })
    }
}

/// A server ready to listen.
pub struct Server {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server").field("config", &self.shared.config).finish()
    }
}

impl Server {
    /// The codec the server decodes and encodes with.
    pub fn codec(&self) -> &Arc<Codec> {
        &self.shared.codec
    }

    /// Listens on `addr` and serves in the background.
    ///
    /// # Errors
    /// [`Transport`](crate::ErrorKind::Transport) when the address cannot be bound.
    pub async fn bind(self, addr: impl ToSocketAddrs) -> Result<ServerHandle, Error> {
        let listener = TcpListener::bind(addr).await.map_err(|e| Error::transport("binding the server address", e))?;
        self.serve(listener)
    }

    /// Serves connections accepted on `listener` in the background.
    ///
    /// # Errors
    /// [`Transport`](crate::ErrorKind::Transport) when the listener has no local address.
    pub fn serve(self, listener: TcpListener) -> Result<ServerHandle, Error> {
        let local_addr = listener.local_addr().map_err(|e| Error::transport("reading the listener's address", e))?;
        let (trigger, signal) = shutdown::channel();
        let connections = Arc::new(AtomicUsize::new(0));
        let accept = tokio::spawn(accept_loop(listener, self.shared, signal, connections.clone()));
        Ok(ServerHandle { local_addr, trigger, accept, connections })
    }
}

/// A running server. Dropping the handle stops the server at once, as
/// [`ServerHandle::abort`] does; [`ServerHandle::shutdown`] stops it gracefully.
#[derive(Debug)]
pub struct ServerHandle {
    local_addr: SocketAddr,
    trigger: ShutdownTrigger,
    accept: tokio::task::JoinHandle<usize>,
    connections: Arc<AtomicUsize>,
}

/// How a shutdown went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShutdownReport {
    /// Every connection closed by itself before the deadline.
    pub graceful: bool,
    /// Connections still open at the deadline, closed with their calls cancelled.
    pub abandoned_connections: usize,
}

impl ServerHandle {
    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Connections open now.
    pub fn connection_count(&self) -> usize {
        self.connections.load(Ordering::Acquire)
    }

    /// Shuts down gracefully (see the module docs): stops accepting, lets calls in flight
    /// finish and connections close, and after `deadline` cancels what is left.
    pub async fn shutdown(mut self, deadline: Duration) -> ShutdownReport {
        self.trigger.set(Phase::Draining);
        tokio::select! {
            r = &mut self.accept => return ShutdownReport { graceful: true, abandoned_connections: r.unwrap_or(0) },
            _ = tokio::time::sleep(deadline) => {}
        }
        self.trigger.set(Phase::Stopped);
        let abandoned = self.accept.await.unwrap_or(0);
        ShutdownReport { graceful: false, abandoned_connections: abandoned }
    }

    /// Stops at once: every connection is closed and every call cancelled.
    pub async fn abort(self) {
        self.trigger.set(Phase::Stopped);
        let _ = self.accept.await;
    }
}

/// Counts a connection while its task lives.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Accepts until the server drains, then waits for the connections; returns how many
/// were still open when the shutdown deadline cut them off.
async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut signal: ShutdownSignal,
    connections: Arc<AtomicUsize>,
) -> usize {
    let mut tasks = JoinSet::new();
    loop {
        tokio::select! {
            r = listener.accept() => match r {
                Ok((stream, peer)) => {
                    connections.fetch_add(1, Ordering::AcqRel);
                    let counted = Counted(connections.clone());
                    let (shared, signal) = (shared.clone(), signal.clone());
                    tasks.spawn(async move {
                        let _counted = counted;
                        conn::serve(stream, peer, shared, signal).await;
                    });
                }
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(ACCEPT_ERROR_BACKOFF).await;
                }
            },
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
            _ = signal.reached(Phase::Draining) => break,
        }
    }
    drop(listener);
    // Connections close once their calls are done; oneway calls may run on after their
    // connection closed, so the handlers are waited for too.
    let handlers = shared.handlers.clone();
    let drained = async {
        while tasks.join_next().await.is_some() {}
        handlers.wait_idle().await;
    };
    tokio::select! {
        _ = drained => 0,
        _ = signal.reached(Phase::Stopped) => {
            let left = tasks.len();
            tasks.shutdown().await;
            // Every handler watches the same signal and stops at its next poll.
            handlers.wait_idle().await;
            left
        }
    }
}
