//! Settings of a [`Client`](super::Client), and of one call.

use std::time::Duration;

use crate::proto::{Dialect, Limits, Protocol, Transport};
use crate::transport::Timeouts;
use crate::transport::mux::DEFAULT_MAX_CONNECTIONS;
use crate::transport::pool::PoolConfig;

/// The `FROM_SERVICE` a client sends in TTHeader unless told otherwise.
pub const DEFAULT_CALLER: &str = "thriftjit";

/// Settings of a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    /// Framing and protocol. Default: TTHeader with Volo's inner frame, Binary (Volo's default).
    pub dialect: Dialect,
    /// Timeouts.
    pub timeouts: Timeouts,
    /// Keep many calls in flight on each connection, matched by sequence id (TTHeader
    /// and Framed only); otherwise one call per pooled connection at a time.
    pub multiplex: bool,
    /// Most multiplexed connections per address.
    pub max_connections: usize,
    /// The pool of ping-pong connections.
    pub pool: PoolConfig,
    /// Limits on frames read and written.
    pub limits: Limits,
    /// Send method names as `Service:method` (Apache's `TMultiplexedProtocol`).
    pub multiplexed_names: bool,
    /// Our service name, sent in TTHeader as `FROM_SERVICE`.
    pub caller: String,
    /// String headers sent with every call (TTHeader key/values, THeader headers).
    pub headers: Vec<(String, String)>,
    /// TTHeader integer-keyed headers sent with every call.
    pub int_headers: Vec<(u16, String)>,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            dialect: Dialect { transport: Transport::TtHeader { inner_framed: true }, protocol: Protocol::Binary },
            timeouts: Timeouts::default(),
            multiplex: false,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            pool: PoolConfig::default(),
            limits: Limits::default(),
            multiplexed_names: false,
            caller: DEFAULT_CALLER.to_string(),
            headers: Vec::new(),
            int_headers: Vec::new(),
        }
    }
}

/// Settings of one call, on top of the client's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallOptions {
    /// The whole call's timeout (sent to TTHeader servers as the RPC timeout).
    pub timeout: Option<Duration>,
    /// More string headers.
    pub headers: Vec<(String, String)>,
    /// More TTHeader integer-keyed headers.
    pub int_headers: Vec<(u16, String)>,
}

impl CallOptions {
    /// No options.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the call's timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Adds a string header.
    pub fn header(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((key.into(), value.into()));
        self
    }

    /// Adds a TTHeader integer-keyed header.
    pub fn int_header(mut self, key: u16, value: impl Into<String>) -> Self {
        self.int_headers.push((key, value.into()));
        self
    }
}
