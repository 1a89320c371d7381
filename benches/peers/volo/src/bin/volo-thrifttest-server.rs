//! ThriftTest server on Volo, with the handler semantics of Apache's
//! cross-language test server (apache/thrift `test/py/TestServer.py`, as
//! `tests/peers/py_server.py`): every method echoes its argument except
//! testMapMap, testInsanity and testMulti (fixed answers built from the
//! arguments), testException and testMultiException (raise by argument) and
//! testOneway (sleeps a third of the seconds asked).
//!
//! ```text
//! volo-thrifttest-server --port 0 [--multiplex]
//! listening on 127.0.0.1:40123
//! ```
//! Volo detects the client's transport (TTHeader, framed, unframed) and
//! protocol (binary, compact) per connection and answers in kind. Exits on
//! SIGTERM or SIGINT (Volo's graceful shutdown: up to 2 s more while clients
//! keep connections open).

use std::time::Duration;

use clap::Parser;
use pilota::{AHashMap, AHashSet, Bytes, FastStr};
use thriftjit_volo_peers::thrifttest::{
    Insanity, Numberz, ThriftTest, ThriftTestServer, ThriftTestTestExceptionException,
    ThriftTestTestMultiExceptionException, UserId, Xception, Xception2, Xtruct, Xtruct2,
};
use volo_thrift::{ApplicationException, ApplicationExceptionKind, MaybeException, ServerError};

#[derive(Parser)]
#[command(about = "ThriftTest server on Volo (Apache cross-test handler semantics)")]
struct Args {
    /// Port on 127.0.0.1; 0 picks a free one (printed).
    #[arg(long, default_value_t = 9090)]
    port: u16,
    /// Volo's multiplexed transport: requests of one connection are served
    /// concurrently and answered in any order (clients need `--multiplex` too).
    #[arg(long)]
    multiplex: bool,
}

struct Handler;

impl ThriftTest for Handler {
    async fn test_void(&self) -> Result<(), ServerError> {
        Ok(())
    }

    async fn test_string(&self, thing: FastStr) -> Result<FastStr, ServerError> {
        Ok(thing)
    }

    async fn test_bool(&self, thing: bool) -> Result<bool, ServerError> {
        Ok(thing)
    }

    async fn test_byte(&self, thing: i8) -> Result<i8, ServerError> {
        Ok(thing)
    }

    async fn test_i32(&self, thing: i32) -> Result<i32, ServerError> {
        Ok(thing)
    }

    async fn test_i64(&self, thing: i64) -> Result<i64, ServerError> {
        Ok(thing)
    }

    async fn test_double(&self, thing: f64) -> Result<f64, ServerError> {
        Ok(thing)
    }

    async fn test_binary(&self, thing: Bytes) -> Result<Bytes, ServerError> {
        Ok(thing)
    }

    async fn test_struct(&self, thing: Xtruct) -> Result<Xtruct, ServerError> {
        Ok(thing)
    }

    async fn test_nest(&self, thing: Xtruct2) -> Result<Xtruct2, ServerError> {
        Ok(thing)
    }

    async fn test_map(&self, thing: AHashMap<i32, i32>) -> Result<AHashMap<i32, i32>, ServerError> {
        Ok(thing)
    }

    async fn test_string_map(
        &self,
        thing: AHashMap<FastStr, FastStr>,
    ) -> Result<AHashMap<FastStr, FastStr>, ServerError> {
        Ok(thing)
    }

    async fn test_set(&self, thing: AHashSet<i32>) -> Result<AHashSet<i32>, ServerError> {
        Ok(thing)
    }

    async fn test_list(&self, thing: Vec<i32>) -> Result<Vec<i32>, ServerError> {
        Ok(thing)
    }

    async fn test_enum(&self, thing: Numberz) -> Result<Numberz, ServerError> {
        Ok(thing)
    }

    async fn test_typedef(&self, thing: UserId) -> Result<UserId, ServerError> {
        Ok(thing)
    }

    async fn test_map_map(&self, _hello: i32) -> Result<AHashMap<i32, AHashMap<i32, i32>>, ServerError> {
        let negative = (-4..=-1).map(|i| (i, i)).collect();
        let positive = (1..=4).map(|i| (i, i)).collect();
        Ok(AHashMap::from_iter([(-4, negative), (4, positive)]))
    }

    async fn test_insanity(
        &self,
        argument: Insanity,
    ) -> Result<AHashMap<UserId, AHashMap<Numberz, Insanity>>, ServerError> {
        let first = AHashMap::from_iter([(Numberz::TWO, argument.clone()), (Numberz::THREE, argument)]);
        let second = AHashMap::from_iter([(Numberz::SIX, Insanity::default())]);
        Ok(AHashMap::from_iter([(UserId(1), first), (UserId(2), second)]))
    }

    async fn test_multi(
        &self,
        arg0: i8,
        arg1: i32,
        arg2: i64,
        _arg3: AHashMap<i16, FastStr>,
        _arg4: Numberz,
        _arg5: UserId,
    ) -> Result<Xtruct, ServerError> {
        Ok(Xtruct {
            string_thing: Some("Hello2".into()),
            byte_thing: Some(arg0),
            i32_thing: Some(arg1),
            i64_thing: Some(arg2),
        })
    }

    async fn test_exception(
        &self,
        arg: FastStr,
    ) -> Result<MaybeException<(), ThriftTestTestExceptionException>, ServerError> {
        match arg.as_str() {
            "Xception" => Ok(MaybeException::Exception(ThriftTestTestExceptionException::Err1(Xception {
                error_code: Some(1001),
                message: Some(arg),
            }))),
            // Not declared: the client gets a TApplicationException, as from
            // Apache's generated processors.
            "TException" => {
                Err(ApplicationException::new(ApplicationExceptionKind::INTERNAL_ERROR, "This is a TException").into())
            }
            _ => Ok(MaybeException::Ok(())),
        }
    }

    async fn test_multi_exception(
        &self,
        arg0: FastStr,
        arg1: FastStr,
    ) -> Result<MaybeException<Xtruct, ThriftTestTestMultiExceptionException>, ServerError> {
        use ThriftTestTestMultiExceptionException::{Err1, Err2};
        Ok(match arg0.as_str() {
            "Xception" => MaybeException::Exception(Err1(Xception {
                error_code: Some(1001),
                message: Some("This is an Xception".into()),
            })),
            "Xception2" => MaybeException::Exception(Err2(Xception2 {
                error_code: Some(2002),
                struct_thing: Some(Xtruct { string_thing: Some("This is an Xception2".into()), ..Default::default() }),
            })),
            _ => MaybeException::Ok(Xtruct { string_thing: Some(arg1), ..Default::default() }),
        })
    }

    async fn test_oneway(&self, seconds_to_sleep: i32) -> Result<(), ServerError> {
        // As Apache's servers: a third of the time asked, so clients stay quick.
        let millis = u64::try_from(seconds_to_sleep).unwrap_or(0) * 1000 / 3;
        tokio::time::sleep(Duration::from_millis(millis)).await;
        Ok(())
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let args = Args::parse();
    let incoming = thriftjit_volo_peers::listen(args.port).await?;
    ThriftTestServer::new(Handler).multiplex(args.multiplex).run(incoming).await
}
