//! [`CallContext`]: what a handler knows about a call besides its arguments: the service
//! and method, the dialect, the peer, the TTHeader/THeader metadata, and the deadline the
//! caller set (TTHeader int key 12, the RPC timeout in milliseconds, as Kitex sends it).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use thriftjit::engine::Codec;
use thriftjit::schema::{Method, Schema, ServiceId};
use tokio::time::Instant;

use crate::proto::ttheader::int_key;
use crate::proto::{Dialect, FrameHeader};

/// Facts about one call, cheap to clone.
#[derive(Debug, Clone)]
pub struct CallContext {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    codec: Arc<Codec>,
    service: ServiceId,
    method: Box<str>,
    seq_id: i32,
    dialect: Dialect,
    header: FrameHeader,
    peer: Option<SocketAddr>,
    received: Instant,
    rpc_timeout: Option<Duration>,
}

impl CallContext {
    #[expect(clippy::too_many_arguments, reason = "one constructor, called from one place")]
    pub(crate) fn new(
        codec: Arc<Codec>,
        service: ServiceId,
        method: &str,
        seq_id: i32,
        dialect: Dialect,
        header: FrameHeader,
        peer: Option<SocketAddr>,
        received: Instant,
    ) -> Self {
        let rpc_timeout = match &header {
            FrameHeader::TtHeader(h) => {
                h.int(int_key::RPC_TIMEOUT).and_then(|v| v.trim().parse::<u64>().ok()).filter(|&ms| ms > 0)
            }
            _ => None,
        }
        .map(Duration::from_millis);
        CallContext {
            inner: Arc::new(Inner {
                codec,
                service,
                method: method.into(),
                seq_id,
                dialect,
                header,
                peer,
                received,
                rpc_timeout,
            }),
        }
    }

    /// The method's name (without any `Service:` prefix).
    pub fn method(&self) -> &str {
        &self.inner.method
    }

    /// The name of the service the call was routed to.
    pub fn service(&self) -> &str {
        &self.schema().service(self.inner.service).name
    }

    /// The id of the service the call was routed to.
    pub fn service_id(&self) -> ServiceId {
        self.inner.service
    }

    /// The method's definition (its own or inherited).
    pub fn method_def(&self) -> Option<&Method> {
        self.schema().find_method(self.inner.service, &self.inner.method)
    }

    /// The codec the server decodes and encodes with.
    pub fn codec(&self) -> &Arc<Codec> {
        &self.inner.codec
    }

    /// The schema.
    pub fn schema(&self) -> &Arc<Schema> {
        self.inner.codec.schema()
    }

    /// The sequence id of the call.
    pub fn seq_id(&self) -> i32 {
        self.inner.seq_id
    }

    /// The dialect the client speaks (and is answered in).
    pub fn dialect(&self) -> Dialect {
        self.inner.dialect
    }

    /// The client's address.
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.inner.peer
    }

    /// The request's TTHeader or THeader, as received.
    pub fn header(&self) -> &FrameHeader {
        &self.inner.header
    }

    /// A string header: TTHeader's key/value info or THeader's headers.
    pub fn string_header(&self, key: &str) -> Option<&str> {
        match &self.inner.header {
            FrameHeader::TtHeader(h) => h.string(key),
            FrameHeader::THeader(h) => h.header(key),
            FrameHeader::None => None,
        }
    }

    /// A TTHeader integer-keyed header (see [`int_key`]).
    pub fn int_header(&self, key: u16) -> Option<&str> {
        match &self.inner.header {
            FrameHeader::TtHeader(h) => h.int(key),
            _ => None,
        }
    }

    /// The caller's service name (TTHeader `FROM_SERVICE`).
    pub fn caller(&self) -> Option<&str> {
        self.int_header(int_key::FROM_SERVICE)
    }

    /// The caller's method name (TTHeader `FROM_METHOD`).
    pub fn caller_method(&self) -> Option<&str> {
        self.int_header(int_key::FROM_METHOD)
    }

    /// The log id (TTHeader `LOG_ID`).
    pub fn log_id(&self) -> Option<&str> {
        self.int_header(int_key::LOG_ID)
    }

    /// The RPC timeout the caller set (TTHeader `RPC_TIMEOUT`, milliseconds).
    pub fn rpc_timeout(&self) -> Option<Duration> {
        self.inner.rpc_timeout
    }

    /// When the caller stops waiting: the time the request was read plus its RPC timeout.
    /// The server cancels the handler then.
    pub fn deadline(&self) -> Option<Instant> {
        self.inner.rpc_timeout.map(|t| self.inner.received + t)
    }
}
