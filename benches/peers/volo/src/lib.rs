//! CloudWeGo Volo peers for thriftjit's interoperability tests and RPC
//! benchmarks: code generated at build time by `volo-build` from `idl/` (see
//! `build.rs`), and what the four binaries of `src/bin/` share: command-line
//! choices of transport and protocol, the client codec they select, and the
//! listening socket of the servers.
//!
//! Volo's *server* needs no choice: per connection it detects TTHeader,
//! framed or unframed (buffered) transport and Binary or Compact protocol, and
//! answers in kind. Its *client* is told, with a codec (`make_codec!`).

use std::net::SocketAddr;

use volo_thrift::codec::default::thrift::Protocol as VoloProtocol;

mod generated {
    include!(concat!(env!("OUT_DIR"), "/volo_gen.rs"));
}
pub use generated::volo_gen::{echo, thrifttest};

/// The message transport a client speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Transport {
    /// CloudWeGo TTHeader (magic 0x1000) around a framed message: Volo's default.
    Ttheader,
    /// TTHeader with the message directly inside, without the inner frame length.
    TtheaderNoframe,
    /// Apache framed: a 4-byte length, then the message.
    Framed,
    /// Unframed messages back to back.
    Buffered,
}

/// The protocol the message is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Protocol {
    Binary,
    /// Apache compact (pilota 0.13.1 writes its doubles big-endian: see the README).
    Compact,
}

impl Protocol {
    pub fn to_volo(self) -> VoloProtocol {
        match self {
            Protocol::Binary => VoloProtocol::Binary,
            Protocol::Compact => VoloProtocol::ApacheCompact,
        }
    }
}

/// Builds a generated client from its `ClientBuilder` with the codec of a
/// [`Transport`] and a [`Protocol`]. A macro, because each codec gives the
/// builder another type; the built (boxed) client has the same type for all.
#[macro_export]
macro_rules! build_client {
    ($builder:expr, $transport:expr, $protocol:expr) => {{
        use volo_thrift::codec::default::{
            DefaultMakeCodec, framed::MakeFramedCodec, thrift::MakeThriftCodec, ttheader::MakeTTHeaderCodec,
        };
        use $crate::Transport;
        let thrift = MakeThriftCodec::new().with_protocol($protocol.to_volo());
        let builder = $builder;
        match $transport {
            Transport::Ttheader => {
                builder.make_codec(DefaultMakeCodec::new(MakeTTHeaderCodec::new(MakeFramedCodec::new(thrift)))).build()
            }
            Transport::TtheaderNoframe => {
                builder.make_codec(DefaultMakeCodec::new(MakeTTHeaderCodec::new(thrift))).build()
            }
            Transport::Framed => builder.make_codec(DefaultMakeCodec::new(MakeFramedCodec::new(thrift))).build(),
            Transport::Buffered => builder.make_codec(DefaultMakeCodec::new(thrift)).build(),
        }
    }};
}

/// Binds 127.0.0.1:`port` (0 picks a free port) and prints
/// `listening on 127.0.0.1:PORT` once connections are accepted: the line a
/// test waits for before it connects.
pub async fn listen(port: u16) -> std::io::Result<volo::net::incoming::DefaultIncoming> {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await?;
    println!("listening on {}", listener.local_addr()?);
    Ok(listener.into())
}

/// The server's address for a client.
pub fn address(host: std::net::IpAddr, port: u16) -> volo::net::Address {
    SocketAddr::new(host, port).into()
}

/// The two requests of the echo benchmark (see `idl/echo.thrift`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Payload {
    /// Message of 16 bytes, 4 numbers, 2 tags: 120 bytes in the binary protocol.
    Small,
    /// Message of 4 KiB, 1000 numbers, 100 tags: 10,732 bytes in the binary protocol.
    Large,
}

impl Payload {
    /// The request; a benchmark clones it and sets `id` per call.
    pub fn request(self) -> echo::Request {
        let (message, numbers, tags) = match self {
            Payload::Small => ("hello, thriftjit".to_string(), 4, 2),
            Payload::Large => ("0123456789abcdef".repeat(256), 1000, 100),
        };
        echo::Request {
            message: Some(message.into()),
            id: Some(0),
            numbers: Some((1..=numbers).collect()),
            tags: Some((0..tags).map(|i| (format!("key-{i:04}").into(), format!("value-{i:04}").into())).collect()),
        }
    }

    /// Bytes of the request struct in the binary protocol (without the message envelope).
    pub fn binary_size(self) -> usize {
        use pilota::thrift::Message;
        let mut buf = pilota::BytesMut::new();
        self.request()
            .encode(&mut pilota::thrift::binary::TBinaryProtocol::new(&mut buf, false))
            .expect("a request encodes");
        buf.len()
    }
}

#[cfg(test)]
mod tests {
    use super::Payload;

    #[test]
    fn payload_sizes_are_those_of_the_research() {
        assert_eq!(Payload::Small.binary_size(), 120);
        assert_eq!(Payload::Large.binary_size(), 10_732);
    }
}
