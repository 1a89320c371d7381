#!/usr/bin/env python3
"""ThriftTest client on Apache Thrift's Python library: a peer for our server.

Runs the assertions of Apache's cross-language test client
(apache/thrift test/py/TestClient.py), plus testVoid, testStringMap and
testInsanity (which the node and thriftpy2 clients call), against a server
with the semantics of Apache's TestServer.py. Prints one line per check,
`ok   NAME` or `FAIL NAME: why`, then a summary; exits 0 only when every
check passes.

    py_client.py --host 127.0.0.1 --port 9090 --protocol binary|compact|header --transport buffered|framed

As Apache's client, it sends a new sequence id with every call and requires
each reply to echo it. `header` speaks THeader (binary inside, or compact with
`--header-protocol compact`; `--zlib` compresses requests).
"""

import argparse
import math
import sys
import time
import traceback

from peers_gen import use_generated_code

use_generated_code()

from thrift.Thrift import TApplicationException, TException  # noqa: E402
from thrift.protocol import TBinaryProtocol, TCompactProtocol, THeaderProtocol  # noqa: E402
from thrift.transport import TSocket, TTransport  # noqa: E402
from thrift.transport.THeaderTransport import (  # noqa: E402
    THeaderClientType,
    THeaderSubprotocolID,
    THeaderTransformID,
)

from ThriftTest import ThriftTest  # noqa: E402
from ThriftTest.ttypes import Insanity, Numberz, Xception, Xception2, Xtruct, Xtruct2  # noqa: E402

# The multi-script text of Apache's TestClient.py: many alphabets and scripts, ~1.5 KB.
WORLD_TEXT = (
    "Afrikaans, Alemannisch, Aragonés, العربية, مصرى, Asturianu, Aymar aru, Azərbaycan, Башҡорт, "
    "Boarisch, Žemaitėška, Беларуская, Беларуская (тарашкевіца), Български, Bamanankan, বাংলা, "
    "Brezhoneg, Bosanski, Català, Mìng-dĕ̤ng-ngṳ̄, Нохчийн, Cebuano, ᏣᎳᎩ, Česky, "
    "Словѣ́ньскъ / ⰔⰎⰑⰂⰡⰐⰠⰔⰍⰟ, Чӑвашла, Cymraeg, Dansk, Zazaki, ދިވެހިބަސް, Ελληνικά, "
    "Emiliàn e rumagnòl, English, Esperanto, Español, Eesti, Euskara, فارسی, Suomi, Võro, "
    "Føroyskt, Français, Arpetan, Furlan, Frysk, Gaeilge, 贛語, Gàidhlig, Galego, Avañe'ẽ, "
    "ગુજરાતી, Gaelg, עברית, हिन्दी, Fiji Hindi, Hrvatski, Kreyòl ayisyen, Magyar, Հայերեն, "
    "Interlingua, Bahasa Indonesia, Ilokano, Ido, Íslenska, Italiano, 日本語, Lojban, Basa Jawa, "
    "ქართული, Kongo, Kalaallisut, ಕನ್ನಡ, 한국어, Къарачай-Малкъар, Ripoarisch, Kurdî, Коми, "
    "Kernewek, Кыргызча, Latina, Ladino, Lëtzebuergesch, Limburgs, Lingála, ລາວ, Lietuvių, "
    "Latviešu, Basa Banyumasan, Malagasy, Македонски, മലയാളം, मराठी, مازِرونی, Bahasa Melayu, "
    "Nnapulitano, Nedersaksisch, नेपाल भाषा, Nederlands, \u202aNorsk (nynorsk)\u202c, "
    "\u202aNorsk (bokmål)\u202c, Nouormand, Diné bizaad, Occitan, Иронау, Papiamentu, Deitsch, "
    "Polski, پنجابی, پښتو, Norfuk / Pitkern, Português, Runa Simi, Rumantsch, Romani, Română, "
    "Русский, Саха тыла, Sardu, Sicilianu, Scots, Sámegiella, Simple English, Slovenčina, "
    "Slovenščina, Српски / Srpski, Seeltersk, Svenska, Kiswahili, தமிழ், తెలుగు, Тоҷикӣ, ไทย, "
    "Türkmençe, Tagalog, Türkçe, Татарча/Tatarça, Українська, اردو, Tiếng Việt, Volapük, "
    "Walon, Winaray, 吴语, isiXhosa, ייִדיש, Yorùbá, Zeêuws, 中文, Bân-lâm-gú, 粵語"
)

# After this many checks in a row end with the connection lost, or timed out,
# the rest are reported as failed without running: a peer speaking another
# protocol would otherwise cost a timeout per check.
MAX_BROKEN_IN_A_ROW = 3

XTRUCT = Xtruct(string_thing="Zero", byte_thing=1, i32_thing=-3, i64_thing=-5)


class Failure(Exception):
    pass


def expect(got, want, what=""):
    if got != want:
        raise Failure(f"{what + ': ' if what else ''}got {got!r}, want {want!r}")


def expect_raises(exc_type, call):
    try:
        call()
    except exc_type as e:
        return e
    raise Failure(f"no {exc_type.__name__} raised")


class SequenceIdMismatch(Exception):
    """Not a TException, so no check that expects one can mistake it for its own."""


class SequenceIdChecker:
    """Wraps a protocol: each call gets a new sequence id; each reply must echo it.

    (The generated Python client always sends 0 and never looks at the reply's.)
    """

    def __init__(self, protocol):
        self._protocol = protocol
        self._seqid = 0

    def __getattr__(self, name):
        return getattr(self._protocol, name)

    def writeMessageBegin(self, name, message_type, seqid):
        self._seqid += 1
        self._protocol.writeMessageBegin(name, message_type, self._seqid)

    def readMessageBegin(self):
        name, message_type, seqid = self._protocol.readMessageBegin()
        if seqid != self._seqid:
            raise SequenceIdMismatch(f"reply to {name!r} has sequence id {seqid}, the call had {self._seqid}")
        return name, message_type, seqid


# The checks, in the order of Apache's TestClient.py. Each takes the client.


def check_void(c):
    expect(c.testVoid(), None)


def check_string(c):
    for s in ["Python" * 20, "", '\b\t\n/\\\\\r{}:パイソン"', WORLD_TEXT]:
        expect(c.testString(s), s, f"testString of {len(s)} characters")


def check_bool(c):
    expect(c.testBool(True), True)
    expect(c.testBool(False), False)


def check_byte(c):
    expect(c.testByte(63), 63)
    expect(c.testByte(-127), -127)


def check_i32(c):
    expect(c.testI32(-1), -1)
    expect(c.testI32(0), 0)


def check_i64(c):
    expect(c.testI64(1), 1)
    expect(c.testI64(-34359738368), -34359738368)


def check_double(c):
    for d in [-5.235098235, 0.0, -1.0, -0.000341012439638598279]:
        got = c.testDouble(d)
        if got != d or math.copysign(1, got) != math.copysign(1, d):
            raise Failure(f"testDouble: got {got!r}, want {d!r}")


def check_binary(c):
    val = bytes(range(256))
    expect(c.testBinary(val), val)


def check_struct(c):
    expect(c.testStruct(XTRUCT), XTRUCT)


def check_nest(c):
    x = Xtruct2(byte_thing=0, struct_thing=XTRUCT, i32_thing=0)
    expect(c.testNest(x), x)


def check_map(c):
    x = {0: 1, 1: 2, 2: 3, 3: 4, -1: -2}
    expect(c.testMap(x), x)


def check_string_map(c):
    x = {"a": "2", "b": "blah", "some": "thing", "パイソン": "Python"}
    expect(c.testStringMap(x), x)


def check_set(c):
    x = {8, 1, 42}
    expect(c.testSet(x), x)


def check_list(c):
    x = [1, 4, 9, -42]
    expect(c.testList(x), x)


def check_enum(c):
    expect(c.testEnum(Numberz.FIVE), Numberz.FIVE)


def check_typedef(c):
    expect(c.testTypedef(0xFFFFFFFFFFFFFF), 0xFFFFFFFFFFFFFF)


def check_map_map(c):
    want = {-4: {-4: -4, -3: -3, -2: -2, -1: -1}, 4: {4: 4, 3: 3, 2: 2, 1: 1}}
    expect(c.testMapMap(42), want)


def check_insanity(c):
    arg = Insanity(
        userMap={Numberz.FIVE: 5, Numberz.EIGHT: 8},
        xtructs=[
            Xtruct(string_thing="Goodbye4", byte_thing=4, i32_thing=4, i64_thing=4),
            Xtruct(string_thing="Hello2", byte_thing=2, i32_thing=2, i64_thing=2),
        ],
    )
    got = c.testInsanity(arg)
    expect(sorted(got), [1, 2], "keys")
    expect(got[1], {Numberz.TWO: arg, Numberz.THREE: arg}, "[1]")
    expect(sorted(got[2]), [Numberz.SIX], "keys of [2]")
    empty = got[2][Numberz.SIX]
    # Apache's Python server leaves the empty Insanity's fields unset; the C++
    # one writes empty containers. Both are the same empty value.
    if empty.userMap not in (None, {}) or empty.xtructs not in (None, []):
        raise Failure(f"[2][SIX]: got {empty!r}, want an empty Insanity")


def check_multi(c):
    want = Xtruct(string_thing="Hello2", byte_thing=74, i32_thing=0xFF00FF, i64_thing=0xFFFFFFFFD0D0)
    got = c.testMulti(want.byte_thing, want.i32_thing, want.i64_thing, {0: "abc"}, Numberz.FIVE, 0xF0F0F0)
    expect(got, want)


def check_exception(c):
    c.testException("Safe")
    x = expect_raises(Xception, lambda: c.testException("Xception"))
    expect((x.errorCode, x.message), (1001, "Xception"), "Xception")
    # Undeclared on the server side: arrives as a TApplicationException.
    expect_raises(TException, lambda: c.testException("TException"))
    c.testException("success")


def check_multi_exception(c):
    x = expect_raises(Xception, lambda: c.testMultiException("Xception", "ignore"))
    expect((x.errorCode, x.message), (1001, "This is an Xception"), "Xception")
    x = expect_raises(Xception2, lambda: c.testMultiException("Xception2", "ignore"))
    expect(x.errorCode, 2002, "Xception2.errorCode")
    expect(x.struct_thing.string_thing, "This is an Xception2", "Xception2.struct_thing")
    expect(c.testMultiException("success", "foobar").string_thing, "foobar")


def check_oneway(c):
    start = time.time()
    c.testOneway(1)  # the server sleeps 1/3 s, after it has read the call
    elapsed = time.time() - start
    if elapsed >= 3:
        raise Failure(f"oneway call took {elapsed:.2f} s")


def check_oneway_then_normal(c):
    c.testOneway(1)
    expect(c.testString("Python"), "Python")


CHECKS = [
    ("testVoid", check_void),
    ("testString", check_string),
    ("testBool", check_bool),
    ("testByte", check_byte),
    ("testI32", check_i32),
    ("testI64", check_i64),
    ("testDouble", check_double),
    ("testBinary", check_binary),
    ("testStruct", check_struct),
    ("testNest", check_nest),
    ("testMap", check_map),
    ("testStringMap", check_string_map),
    ("testSet", check_set),
    ("testList", check_list),
    ("testEnum", check_enum),
    ("testTypedef", check_typedef),
    ("testMapMap", check_map_map),
    ("testInsanity", check_insanity),
    ("testMulti", check_multi),
    ("testException", check_exception),
    ("testMultiException", check_multi_exception),
    ("testOneway", check_oneway),
    ("testOnewayThenNormal", check_oneway_then_normal),
]


class Connection:
    def __init__(self, args):
        self.args = args
        self.transport = None
        self.client = None

    def open(self):
        socket = TSocket.TSocket(self.args.host, self.args.port)
        socket.setTimeout(self.args.timeout * 1000)
        if self.args.transport == "framed":
            self.transport = TTransport.TFramedTransport(socket)
        else:
            self.transport = TTransport.TBufferedTransport(socket)
        if self.args.protocol == "binary":
            protocol = TBinaryProtocol.TBinaryProtocol(self.transport)
        elif self.args.protocol == "compact":
            protocol = TCompactProtocol.TCompactProtocol(self.transport)
        else:
            sub = {"binary": THeaderSubprotocolID.BINARY, "compact": THeaderSubprotocolID.COMPACT}
            protocol = THeaderProtocol.THeaderProtocol(
                self.transport, [THeaderClientType.HEADERS], sub[self.args.header_protocol]
            )
            if self.args.zlib:
                protocol.trans.add_transform(THeaderTransformID.ZLIB)
        self.transport.open()
        self.client = ThriftTest.Client(SequenceIdChecker(protocol))

    def close(self):
        if self.transport is not None:
            self.transport.close()
        self.transport = self.client = None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9090)
    parser.add_argument("--protocol", choices=["binary", "compact", "header"], default="binary")
    parser.add_argument("--transport", choices=["buffered", "framed"], default="buffered")
    parser.add_argument("--header-protocol", choices=["binary", "compact"], default="binary",
                        help="the protocol inside THeader (with --protocol header)")
    parser.add_argument("--zlib", action="store_true", help="THeader zlib transform on requests")
    parser.add_argument("--timeout", type=float, default=10, help="socket timeout in seconds")
    parser.add_argument("--only", action="append", metavar="NAME", help="run only these checks")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)

    checks = [(n, f) for n, f in CHECKS if not args.only or n in args.only]
    conn = Connection(args)
    failed = 0
    broken = 0  # checks in a row that lost the connection
    for name, check in checks:
        if broken == MAX_BROKEN_IN_A_ROW:
            failed += 1
            print(f"FAIL {name}: not run, the last {broken} checks lost the connection")
            continue
        try:
            if conn.client is None:
                conn.open()
            check(conn.client)
            print(f"ok   {name}")
            broken = 0
        except Failure as e:
            failed += 1
            broken = 0
            print(f"FAIL {name}: {e}")
        except Exception as e:
            failed += 1
            broken += 1
            if isinstance(e, TApplicationException):
                detail = f"TApplicationException(type={e.type}, message={e.message!r})"
            else:
                detail = "".join(traceback.format_exception_only(type(e), e)).strip()
            print(f"FAIL {name}: {detail}")
            # The connection may be out of step now: the next check gets a new one.
            conn.close()
    conn.close()
    if failed:
        print(f"py_client: {failed} of {len(checks)} checks failed")
        sys.exit(1)
    print(f"py_client: all {len(checks)} checks passed")


if __name__ == "__main__":
    main()
