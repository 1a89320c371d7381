#!/usr/bin/env python3
"""ThriftTest server on Apache Thrift's Python library: a peer for our client.

The handler has the semantics of Apache's cross-language test server
(apache/thrift test/py/TestServer.py): every test* method echoes its argument,
except testMapMap, testInsanity and testMulti (fixed answers built from the
arguments), testException and testMultiException (raise by argument),
testOneway (sleeps a third of the seconds asked) and testVoid.

    py_server.py --port 9090 --protocol binary|compact|header --transport buffered|framed

`header` is THeaderProtocol accepting every client type (THeader, framed and
unframed binary and compact), answering in the client's dialect; with
`--transport framed` the THeader frames travel inside an extra frame, as with
Apache's TestServer.py. The server listens on 127.0.0.1 (`--port 0` picks a
free port), handles each connection on its own thread, prints
`listening on 127.0.0.1:PORT` once it accepts connections, and exits on SIGTERM.
"""

import argparse
import logging
import signal
import sys
import time

from peers_gen import use_generated_code

use_generated_code()

from thrift.Thrift import TException  # noqa: E402
from thrift.protocol import TBinaryProtocol, TCompactProtocol, THeaderProtocol  # noqa: E402
from thrift.server import TServer  # noqa: E402
from thrift.transport import TSocket, TTransport  # noqa: E402
from thrift.transport.THeaderTransport import THeaderClientType  # noqa: E402

from ThriftTest import ThriftTest  # noqa: E402
from ThriftTest.ttypes import Insanity, Numberz, Xception, Xception2, Xtruct  # noqa: E402

log = logging.getLogger("py_server")


class TestHandler:
    def testVoid(self):
        log.info("testVoid()")

    def testString(self, thing):
        log.info("testString(%r)", thing)
        return thing

    def testBool(self, thing):
        log.info("testBool(%r)", thing)
        return thing

    def testByte(self, thing):
        log.info("testByte(%d)", thing)
        return thing

    def testI32(self, thing):
        log.info("testI32(%d)", thing)
        return thing

    def testI64(self, thing):
        log.info("testI64(%d)", thing)
        return thing

    def testDouble(self, thing):
        log.info("testDouble(%r)", thing)
        return thing

    def testBinary(self, thing):
        log.info("testBinary(%d bytes)", len(thing))
        return thing

    def testStruct(self, thing):
        log.info("testStruct(%r)", thing)
        return thing

    def testNest(self, thing):
        log.info("testNest(%r)", thing)
        return thing

    def testMap(self, thing):
        log.info("testMap(%r)", thing)
        return thing

    def testStringMap(self, thing):
        log.info("testStringMap(%r)", thing)
        return thing

    def testSet(self, thing):
        log.info("testSet(%r)", thing)
        return thing

    def testList(self, thing):
        log.info("testList(%r)", thing)
        return thing

    def testEnum(self, thing):
        log.info("testEnum(%r)", thing)
        return thing

    def testTypedef(self, thing):
        log.info("testTypedef(%r)", thing)
        return thing

    def testMapMap(self, hello):
        log.info("testMapMap(%r)", hello)
        return {
            -4: {-4: -4, -3: -3, -2: -2, -1: -1},
            4: {4: 4, 3: 3, 2: 2, 1: 1},
        }

    def testInsanity(self, argument):
        log.info("testInsanity(%r)", argument)
        return {
            1: {Numberz.TWO: argument, Numberz.THREE: argument},
            2: {Numberz.SIX: Insanity()},
        }

    def testMulti(self, arg0, arg1, arg2, arg3, arg4, arg5):
        log.info("testMulti(%r)", [arg0, arg1, arg2, arg3, arg4, arg5])
        return Xtruct(string_thing="Hello2", byte_thing=arg0, i32_thing=arg1, i64_thing=arg2)

    def testException(self, arg):
        log.info("testException(%r)", arg)
        if arg == "Xception":
            raise Xception(errorCode=1001, message=arg)
        if arg == "TException":
            # Not declared: the generated processor answers with a
            # TApplicationException (INTERNAL_ERROR, "Internal error").
            raise TException(message="This is a TException")

    def testMultiException(self, arg0, arg1):
        log.info("testMultiException(%r, %r)", arg0, arg1)
        if arg0 == "Xception":
            raise Xception(errorCode=1001, message="This is an Xception")
        if arg0 == "Xception2":
            raise Xception2(errorCode=2002, struct_thing=Xtruct(string_thing="This is an Xception2"))
        return Xtruct(string_thing=arg1)

    def testOneway(self, secondsToSleep):
        log.info("testOneway(%d): sleeping", secondsToSleep)
        time.sleep(secondsToSleep / 3)  # as Apache's server: quick
        log.info("testOneway(%d): done", secondsToSleep)


def protocol_factory(name):
    if name == "binary":
        return TBinaryProtocol.TBinaryProtocolFactory()
    if name == "compact":
        return TCompactProtocol.TCompactProtocolFactory()
    return THeaderProtocol.THeaderProtocolFactory(
        allowed_client_types=[
            THeaderClientType.HEADERS,
            THeaderClientType.FRAMED_BINARY,
            THeaderClientType.UNFRAMED_BINARY,
            THeaderClientType.FRAMED_COMPACT,
            THeaderClientType.UNFRAMED_COMPACT,
        ]
    )


def transport_factory(name):
    if name == "framed":
        return TTransport.TFramedTransportFactory()
    return TTransport.TBufferedTransportFactory()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=9090, help="0 picks a free port")
    parser.add_argument("--protocol", choices=["binary", "compact", "header"], default="binary")
    parser.add_argument("--transport", choices=["buffered", "framed"], default="buffered")
    parser.add_argument("-v", "--verbose", action="store_true", help="log each call on stderr")
    args = parser.parse_args()

    # Quiet by default: the undeclared TException makes the processor log a traceback.
    logging.basicConfig(level=logging.INFO if args.verbose else logging.CRITICAL, stream=sys.stderr)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    socket = TSocket.TServerSocket(host="127.0.0.1", port=args.port)
    server = TServer.TThreadedServer(
        ThriftTest.Processor(TestHandler()),
        socket,
        transport_factory(args.transport),
        protocol_factory(args.protocol),
        daemon=True,
    )
    # Listen before announcing it; serve() would listen again, so make that a no-op.
    socket.listen()
    socket.listen = lambda: None
    port = socket.handle.getsockname()[1]
    print(f"listening on 127.0.0.1:{port}", flush=True)
    try:
        server.serve()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
