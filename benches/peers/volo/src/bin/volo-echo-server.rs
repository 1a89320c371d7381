//! Echo server on Volo for the RPC benchmarks (`idl/echo.thrift`): the
//! handler moves the request's fields into the response, without copying.
//!
//! ```text
//! volo-echo-server --port 0 [--multiplex]
//! listening on 127.0.0.1:40123
//! ```
//! Like every Volo server it detects TTHeader, framed or unframed, binary or
//! compact per connection. Exits on SIGTERM or SIGINT.

use clap::Parser;
use thriftjit_volo_peers::echo::{EchoService, EchoServiceServer, Request, Response};
use volo_thrift::ServerError;

#[derive(Parser)]
#[command(about = "Echo server on Volo for RPC benchmarks")]
struct Args {
    /// Port on 127.0.0.1; 0 picks a free one (printed).
    #[arg(long, default_value_t = 9090)]
    port: u16,
    /// Volo's multiplexed transport (clients need `--multiplex` too).
    #[arg(long)]
    multiplex: bool,
}

struct Echo;

impl EchoService for Echo {
    async fn echo(&self, req: Request) -> Result<Response, ServerError> {
        let Request { message, id, numbers, tags } = req;
        Ok(Response { message, id, numbers, tags })
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let args = Args::parse();
    let incoming = thriftjit_volo_peers::listen(args.port).await?;
    EchoServiceServer::new(Echo).multiplex(args.multiplex).run(incoming).await
}
