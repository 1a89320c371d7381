//! ThriftTest client on Volo: the checks of Apache's cross-language test
//! client (apache/thrift `test/py/TestClient.py`, as `tests/peers/py_client.py`,
//! with the same 23 check names), against a server with the semantics of
//! Apache's TestServer.py.
//!
//! ```text
//! volo-thrifttest-client --port 9090 --transport ttheader|ttheader-noframe|framed|buffered \
//!     --protocol binary|compact [--multiplex] [--host 127.0.0.1] [--timeout 10] [--only NAME]...
//! ```
//! Prints `ok   NAME`, `FAIL NAME: why` or `skip NAME: why` per check, then
//! `volo-thrifttest-client: all N checks passed` (`, S skipped`) or
//! `… M of N checks failed`; exits 0 only when none failed (2 for bad usage).
//!
//! Two checks cannot be made with pilota 0.13.1's compact protocol, whatever
//! the server (see [`COMPACT_LIMITS`]): testDouble is relaxed, testNest skipped.

use std::{
    fmt::Debug,
    net::IpAddr,
    time::{Duration, Instant},
};

use clap::Parser;
use pilota::{AHashMap, AHashSet, Bytes, FastStr};
use thriftjit_volo_peers::{
    Protocol, Transport, build_client,
    thrifttest::{
        Insanity, Numberz, ThriftTestClient, ThriftTestClientBuilder, ThriftTestTestExceptionException,
        ThriftTestTestMultiExceptionException, UserId, Xtruct, Xtruct2,
    },
};
use volo_thrift::{ClientError, MaybeException};

#[derive(Parser)]
#[command(about = "ThriftTest client on Volo running Apache's cross-test checks")]
struct Args {
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    #[arg(long, default_value_t = 9090)]
    port: u16,
    #[arg(long, value_enum, default_value = "ttheader")]
    transport: Transport,
    #[arg(long, value_enum, default_value = "binary")]
    protocol: Protocol,
    /// Volo's multiplexed transport (one connection, replies matched by sequence id).
    #[arg(long)]
    multiplex: bool,
    /// Timeout of each call (and of reads and writes), in seconds.
    #[arg(long, default_value_t = 10.0)]
    timeout: f64,
    /// Run only these checks.
    #[arg(long, value_name = "NAME")]
    only: Vec<String>,
}

/// The checks that pilota 0.13.1's compact protocol spoils in this client,
/// whatever the server (its third bug is the server's: see the README). The
/// double bug cancels between two Volo peers; the nested-struct one does not.
const COMPACT_LIMITS: [(&str, Limit, &str); 2] = [
    (
        "testDouble",
        Limit::Relaxed,
        "not exact for compact: pilota 0.13.1 writes compact doubles big-endian and reads them \
         little-endian (the spec says little-endian), so from a correct server every double comes \
         back byte-swapped; the check accepted the value sent or its byte swap",
    ),
    (
        "testNest",
        Limit::Skipped,
        "not run for compact: pilota 0.13.1's compact readers do not restore the last field id \
         when a nested struct ends, so Xtruct2.i32_thing (field 3, after the struct in field 2) \
         is read as field 12: dropped, or a decode error",
    ),
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Limit {
    /// The check runs, and accepts what the bug makes of the right answer.
    Relaxed,
    /// The check cannot pass against a correct server: not run.
    Skipped,
}

fn compact_limit(name: &str) -> Option<(Limit, &'static str)> {
    COMPACT_LIMITS.iter().find(|(check, ..)| *check == name).map(|&(_, limit, why)| (limit, why))
}

/// After this many checks in a row end with a transport or protocol error,
/// the rest are reported failed without running: a server speaking another
/// dialect would otherwise cost a timeout per check.
const MAX_BROKEN_IN_A_ROW: usize = 3;

/// The multi-script text of Apache's TestClient.py: many alphabets and scripts, ~1.5 KB.
const WORLD_TEXT: &str = concat!(
    "Afrikaans, Alemannisch, Aragonés, العربية, مصرى, Asturianu, Aymar aru, Azərbaycan, Башҡорт, ",
    "Boarisch, Žemaitėška, Беларуская, Беларуская (тарашкевіца), Български, Bamanankan, বাংলা, ",
    "Brezhoneg, Bosanski, Català, Mìng-dĕ̤ng-ngṳ̄, Нохчийн, Cebuano, ᏣᎳᎩ, Česky, ",
    "Словѣ́ньскъ / ⰔⰎⰑⰂⰡⰐⰠⰔⰍⰟ, Чӑвашла, Cymraeg, Dansk, Zazaki, ދިވެހިބަސް, Ελληνικά, ",
    "Emiliàn e rumagnòl, English, Esperanto, Español, Eesti, Euskara, فارسی, Suomi, Võro, ",
    "Føroyskt, Français, Arpetan, Furlan, Frysk, Gaeilge, 贛語, Gàidhlig, Galego, Avañe'ẽ, ",
    "ગુજરાતી, Gaelg, עברית, हिन्दी, Fiji Hindi, Hrvatski, Kreyòl ayisyen, Magyar, Հայերեն, ",
    "Interlingua, Bahasa Indonesia, Ilokano, Ido, Íslenska, Italiano, 日本語, Lojban, Basa Jawa, ",
    "ქართული, Kongo, Kalaallisut, ಕನ್ನಡ, 한국어, Къарачай-Малкъар, Ripoarisch, Kurdî, Коми, ",
    "Kernewek, Кыргызча, Latina, Ladino, Lëtzebuergesch, Limburgs, Lingála, ລາວ, Lietuvių, ",
    "Latviešu, Basa Banyumasan, Malagasy, Македонски, മലയാളം, मराठी, مازِرونی, Bahasa Melayu, ",
    "Nnapulitano, Nedersaksisch, नेपाल भाषा, Nederlands, \u{202a}Norsk (nynorsk)\u{202c}, ",
    "\u{202a}Norsk (bokmål)\u{202c}, Nouormand, Diné bizaad, Occitan, Иронау, Papiamentu, Deitsch, ",
    "Polski, پنجابی, پښتو, Norfuk / Pitkern, Português, Runa Simi, Rumantsch, Romani, Română, ",
    "Русский, Саха тыла, Sardu, Sicilianu, Scots, Sámegiella, Simple English, Slovenčina, ",
    "Slovenščina, Српски / Srpski, Seeltersk, Svenska, Kiswahili, தமிழ், తెలుగు, Тоҷикӣ, ไทย, ",
    "Türkmençe, Tagalog, Türkçe, Татарча/Tatarça, Українська, اردو, Tiếng Việt, Volapük, ",
    "Walon, Winaray, 吴语, isiXhosa, ייִדיש, Yorùbá, Zeêuws, 中文, Bân-lâm-gú, 粵語",
);

enum Failure {
    /// The call worked; the answer was wrong.
    Check(String),
    /// The call failed (transport, protocol, or an unexpected exception).
    Call(ClientError),
}

impl From<ClientError> for Failure {
    fn from(e: ClientError) -> Self {
        Failure::Call(e)
    }
}

type Outcome = Result<(), Failure>;

fn expect<T: PartialEq + Debug>(got: T, want: T, what: &str) -> Outcome {
    if got == want {
        return Ok(());
    }
    let what = if what.is_empty() { String::new() } else { format!("{what}: ") };
    Err(Failure::Check(format!("{what}got {got:?}, want {want:?}")))
}

/// `MaybeException` has no `Debug`.
fn show<T: Debug, E: Debug>(m: &MaybeException<T, E>) -> String {
    match m {
        MaybeException::Ok(t) => format!("Ok({t:?})"),
        MaybeException::Exception(e) => format!("Exception({e:?})"),
    }
}

/// The answer of a call that should succeed without an exception.
fn expect_ok<T: Debug, E: Debug>(got: MaybeException<T, E>, what: &str) -> Result<T, Failure> {
    match got {
        MaybeException::Ok(t) => Ok(t),
        other => Err(Failure::Check(format!("{what}: got {}, want no exception", show(&other)))),
    }
}

fn xtruct() -> Xtruct {
    Xtruct { string_thing: Some("Zero".into()), byte_thing: Some(1), i32_thing: Some(-3), i64_thing: Some(-5) }
}

struct Checker {
    client: ThriftTestClient,
    protocol: Protocol,
}

impl Checker {
    async fn void(&self) -> Outcome {
        expect(self.client.test_void().await?, (), "")
    }

    async fn string(&self) -> Outcome {
        for s in ["Python".repeat(20).as_str(), "", "\u{8}\t\n/\\\\\r{}:パイソン\"", WORLD_TEXT] {
            let got = self.client.test_string(FastStr::new(s)).await?;
            expect(got.as_str(), s, &format!("testString of {} characters", s.chars().count()))?;
        }
        Ok(())
    }

    async fn bool(&self) -> Outcome {
        expect(self.client.test_bool(true).await?, true, "")?;
        expect(self.client.test_bool(false).await?, false, "")
    }

    async fn byte(&self) -> Outcome {
        expect(self.client.test_byte(63).await?, 63, "")?;
        expect(self.client.test_byte(-127).await?, -127, "")
    }

    async fn i32(&self) -> Outcome {
        expect(self.client.test_i32(-1).await?, -1, "")?;
        expect(self.client.test_i32(0).await?, 0, "")
    }

    async fn i64(&self) -> Outcome {
        expect(self.client.test_i64(1).await?, 1, "")?;
        expect(self.client.test_i64(-34359738368).await?, -34359738368, "")
    }

    async fn double(&self) -> Outcome {
        #[expect(clippy::excessive_precision, reason = "the literal of Apache's TestClient.py")]
        let values = [-5.235098235, 0.0, -1.0, -0.000341012439638598279];
        for d in values {
            let got = self.client.test_double(d).await?;
            // Bits, not values: -0.0 and 0.0 differ, and a byte-swapped value may be a NaN.
            let ok = got.to_bits() == d.to_bits()
                || (self.protocol == Protocol::Compact && got.to_bits() == d.to_bits().swap_bytes());
            if !ok {
                return Err(Failure::Check(format!("testDouble: got {got:?}, want {d:?}")));
            }
        }
        Ok(())
    }

    async fn binary(&self) -> Outcome {
        let val = Bytes::from_iter(0..=255u8);
        expect(self.client.test_binary(val.clone()).await?, val, "")
    }

    async fn r#struct(&self) -> Outcome {
        expect(self.client.test_struct(xtruct()).await?, xtruct(), "")
    }

    async fn nest(&self) -> Outcome {
        let x = Xtruct2 { byte_thing: Some(0), struct_thing: Some(xtruct()), i32_thing: Some(0) };
        expect(self.client.test_nest(x.clone()).await?, x, "")
    }

    async fn map(&self) -> Outcome {
        let x = AHashMap::from_iter([(0, 1), (1, 2), (2, 3), (3, 4), (-1, -2)]);
        expect(self.client.test_map(x.clone()).await?, x, "")
    }

    async fn string_map(&self) -> Outcome {
        let x: AHashMap<FastStr, FastStr> = [("a", "2"), ("b", "blah"), ("some", "thing"), ("パイソン", "Python")]
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        expect(self.client.test_string_map(x.clone()).await?, x, "")
    }

    async fn set(&self) -> Outcome {
        let x = AHashSet::from_iter([8, 1, 42]);
        expect(self.client.test_set(x.clone()).await?, x, "")
    }

    async fn list(&self) -> Outcome {
        let x = vec![1, 4, 9, -42];
        expect(self.client.test_list(x.clone()).await?, x, "")
    }

    async fn r#enum(&self) -> Outcome {
        expect(self.client.test_enum(Numberz::FIVE).await?, Numberz::FIVE, "")
    }

    async fn typedef(&self) -> Outcome {
        let x = UserId(0xFF_FFFF_FFFF_FFFF);
        expect(self.client.test_typedef(x.clone()).await?, x, "")
    }

    async fn map_map(&self) -> Outcome {
        let want = AHashMap::from_iter([
            (-4, AHashMap::from_iter([(-4, -4), (-3, -3), (-2, -2), (-1, -1)])),
            (4, AHashMap::from_iter([(4, 4), (3, 3), (2, 2), (1, 1)])),
        ]);
        expect(self.client.test_map_map(42).await?, want, "")
    }

    async fn insanity(&self) -> Outcome {
        let xtruct = |s: &'static str, n: i8| Xtruct {
            string_thing: Some(s.into()),
            byte_thing: Some(n),
            i32_thing: Some(n.into()),
            i64_thing: Some(n.into()),
        };
        let arg = Insanity {
            user_map: Some(AHashMap::from_iter([(Numberz::FIVE, UserId(5)), (Numberz::EIGHT, UserId(8))])),
            xtructs: Some(vec![xtruct("Goodbye4", 4), xtruct("Hello2", 2)]),
        };
        let mut got = self.client.test_insanity(arg.clone()).await?;
        let mut keys: Vec<i64> = got.keys().map(|k| k.0).collect();
        keys.sort();
        expect(keys, vec![1, 2], "keys")?;
        let want1 = AHashMap::from_iter([(Numberz::TWO, arg.clone()), (Numberz::THREE, arg)]);
        expect(got.remove(&UserId(1)).unwrap(), want1, "[1]")?;
        let second = got.remove(&UserId(2)).unwrap();
        expect(second.keys().copied().collect(), vec![Numberz::SIX], "keys of [2]")?;
        // Apache's Python server leaves the empty Insanity's fields unset; the
        // C++ one writes empty containers. Both are the same empty value.
        let empty = &second[&Numberz::SIX];
        if !empty.user_map.as_ref().is_none_or(|m| m.is_empty()) || !empty.xtructs.as_ref().is_none_or(|l| l.is_empty())
        {
            return Err(Failure::Check(format!("[2][SIX]: got {empty:?}, want an empty Insanity")));
        }
        Ok(())
    }

    async fn multi(&self) -> Outcome {
        let want = Xtruct {
            string_thing: Some("Hello2".into()),
            byte_thing: Some(74),
            i32_thing: Some(0xFF00FF),
            i64_thing: Some(0xFFFF_FFFF_D0D0),
        };
        let arg3 = AHashMap::from_iter([(0, FastStr::from_static_str("abc"))]);
        let got = self.client.test_multi(74, 0xFF00FF, 0xFFFF_FFFF_D0D0, arg3, Numberz::FIVE, UserId(0xF0F0F0)).await?;
        expect(got, want, "")
    }

    async fn exception(&self) -> Outcome {
        expect_ok(self.client.test_exception("Safe".into()).await?, "Safe")?;
        match self.client.test_exception("Xception".into()).await? {
            MaybeException::Exception(ThriftTestTestExceptionException::Err1(x)) => {
                expect((x.error_code, x.message.as_deref()), (Some(1001), Some("Xception")), "Xception")?
            }
            other => return Err(Failure::Check(format!("Xception: got {}", show(&other)))),
        }
        // Undeclared on the server side: arrives as a TApplicationException.
        match self.client.test_exception("TException".into()).await {
            Err(ClientError::Application(_)) => {}
            Err(e) => return Err(Failure::Call(e)),
            Ok(other) => {
                return Err(Failure::Check(format!("TException: got {}, want a TApplicationException", show(&other))));
            }
        }
        expect_ok(self.client.test_exception("success".into()).await?, "success")?;
        Ok(())
    }

    async fn multi_exception(&self) -> Outcome {
        use ThriftTestTestMultiExceptionException::{Err1, Err2};
        match self.client.test_multi_exception("Xception".into(), "ignore".into()).await? {
            MaybeException::Exception(Err1(x)) => {
                expect((x.error_code, x.message.as_deref()), (Some(1001), Some("This is an Xception")), "Xception")?
            }
            other => return Err(Failure::Check(format!("Xception: got {}", show(&other)))),
        }
        match self.client.test_multi_exception("Xception2".into(), "ignore".into()).await? {
            MaybeException::Exception(Err2(x)) => {
                expect(x.error_code, Some(2002), "Xception2.errorCode")?;
                let thing = x.struct_thing.and_then(|s| s.string_thing);
                expect(thing.as_deref(), Some("This is an Xception2"), "Xception2.struct_thing")?;
            }
            other => return Err(Failure::Check(format!("Xception2: got {}", show(&other)))),
        }
        let x = expect_ok(self.client.test_multi_exception("success".into(), "foobar".into()).await?, "success")?;
        expect(x.string_thing.as_deref(), Some("foobar"), "success")
    }

    async fn oneway(&self) -> Outcome {
        let start = Instant::now();
        self.client.test_oneway(1).await?; // the server sleeps 1/3 s, after reading the call
        let elapsed = start.elapsed();
        if elapsed >= Duration::from_secs(3) {
            return Err(Failure::Check(format!("oneway call took {elapsed:?}")));
        }
        Ok(())
    }

    async fn oneway_then_normal(&self) -> Outcome {
        self.client.test_oneway(1).await?;
        expect(self.client.test_string("Python".into()).await?.as_str(), "Python", "")
    }

    async fn run(&self, name: &str) -> Outcome {
        match name {
            "testVoid" => self.void().await,
            "testString" => self.string().await,
            "testBool" => self.bool().await,
            "testByte" => self.byte().await,
            "testI32" => self.i32().await,
            "testI64" => self.i64().await,
            "testDouble" => self.double().await,
            "testBinary" => self.binary().await,
            "testStruct" => self.r#struct().await,
            "testNest" => self.nest().await,
            "testMap" => self.map().await,
            "testStringMap" => self.string_map().await,
            "testSet" => self.set().await,
            "testList" => self.list().await,
            "testEnum" => self.r#enum().await,
            "testTypedef" => self.typedef().await,
            "testMapMap" => self.map_map().await,
            "testInsanity" => self.insanity().await,
            "testMulti" => self.multi().await,
            "testException" => self.exception().await,
            "testMultiException" => self.multi_exception().await,
            "testOneway" => self.oneway().await,
            "testOnewayThenNormal" => self.oneway_then_normal().await,
            _ => unreachable!("no check {name}"),
        }
    }
}

/// The checks, in the order of Apache's TestClient.py (and py_client.py).
const CHECKS: [&str; 23] = [
    "testVoid",
    "testString",
    "testBool",
    "testByte",
    "testI32",
    "testI64",
    "testDouble",
    "testBinary",
    "testStruct",
    "testNest",
    "testMap",
    "testStringMap",
    "testSet",
    "testList",
    "testEnum",
    "testTypedef",
    "testMapMap",
    "testInsanity",
    "testMulti",
    "testException",
    "testMultiException",
    "testOneway",
    "testOnewayThenNormal",
];

#[tokio::main]
async fn main() {
    let args = Args::parse();
    if let Some(name) = args.only.iter().find(|n| !CHECKS.contains(&n.as_str())) {
        eprintln!("volo-thrifttest-client: no check named {name}; the checks: {}", CHECKS.join(" "));
        std::process::exit(2);
    }
    let timeout = Some(Duration::from_secs_f64(args.timeout));
    let builder = ThriftTestClientBuilder::new("ThriftTest")
        .address(thriftjit_volo_peers::address(args.host, args.port))
        .rpc_timeout(timeout)
        .read_write_timeout(timeout)
        .connect_timeout(timeout)
        .multiplex(args.multiplex);
    let checker = Checker { client: build_client!(builder, args.transport, args.protocol), protocol: args.protocol };

    let checks: Vec<&str> =
        CHECKS.into_iter().filter(|c| args.only.is_empty() || args.only.iter().any(|o| o == c)).collect();
    let limit = |name: &str| compact_limit(name).filter(|_| args.protocol == Protocol::Compact);
    let (mut failed, mut skipped, mut broken) = (0, 0, 0);
    for name in &checks {
        if broken == MAX_BROKEN_IN_A_ROW {
            failed += 1;
            println!("FAIL {name}: not run, the last {broken} checks failed in transport or protocol");
            continue;
        }
        if let Some((Limit::Skipped, why)) = limit(name) {
            skipped += 1;
            println!("skip {name}: {why}");
            continue;
        }
        match checker.run(name).await {
            Ok(()) if let Some((_, why)) = limit(name) => {
                broken = 0;
                println!("ok   {name}: {why}");
            }
            Ok(()) => {
                broken = 0;
                println!("ok   {name}");
            }
            Err(Failure::Check(why)) => {
                failed += 1;
                broken = 0;
                println!("FAIL {name}: {why}");
            }
            Err(Failure::Call(e)) => {
                failed += 1;
                let lost = matches!(e, ClientError::Transport(_) | ClientError::Protocol(_));
                broken = if lost { broken + 1 } else { 0 };
                println!("FAIL {name}: {e}");
            }
        }
    }
    if failed > 0 {
        println!("volo-thrifttest-client: {failed} of {} checks failed", checks.len());
        std::process::exit(1);
    }
    let passed = checks.len() - skipped;
    match skipped {
        0 => println!("volo-thrifttest-client: all {passed} checks passed"),
        _ => println!("volo-thrifttest-client: all {passed} checks passed, {skipped} skipped"),
    }
}
