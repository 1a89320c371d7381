//! thriftjit-runtime: the generic Thrift client/server runtime over the `thriftjit`
//! codecs, and the `thriftjit` command line.
//!
//! ```text
//!  proto (sans-IO): TTHeader, THeader, Framed, unframed, envelope, detection
//!    ▼
//!  transport (tokio): read buffers split into frames without copying, batched writes,
//!                     connection pools, multiplexed connections, shutdown signal
//!    ▼
//!  client: call any method by name         server: one generic handler for every method
//! ```
//!
//! Nothing is generated: a [`client::Client`] or [`server::Server`] is built from a
//! [`thriftjit::schema::Schema`] loaded at runtime (or a shared [`thriftjit::engine::Codec`])
//! and a service name; arguments and results are [`thriftjit::value::Message`]s decoded in
//! place from the connection's buffers, or owned [`thriftjit::value::Value`]s.
#![forbid(unsafe_code)]

pub mod client;
mod error;
pub mod proto;
pub mod server;
pub mod transport;

pub use error::{DeclaredException, Error, ErrorKind};
