#!/usr/bin/env python3
"""Checks the peers against each other, before any Rust test trusts them.

1. pycodec.py gives the golden bytes of specs-interop.md (§2, §3) with the
   pure-Python and the accelerated protocols, and decodes them back.
2. py_client.py passes every check against py_server.py for binary and
   compact over buffered and framed, and header (THeader with binary and
   compact inside, zlib, and plain framed/unframed clients of a header server).

    .venv/bin/python tests/peers/selfcheck.py

Prints one line per case and exits 0 only when all pass.
"""

import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = sys.executable

GOLDEN = [
    ("Xtruct", {"string_thing": "Zero", "byte_thing": 1, "i32_thing": -3, "i64_thing": -5},
     {"binary": "0b0001000000045a65726f03000401080009fffffffd0a000bfffffffffffffffb00",
      "compact": "18045a65726f33015505260900"}),
    ("Bools", {"im_true": True, "im_false": False},
     {"binary": "020001010200020000", "compact": "111200"}),
    ("ThriftTest.testString_args", {"thing": "hi"},
     {"binary": "0b0001000000026869" "00", "compact": "1802686900"}),
    ("ThriftTest.testList_args", {"thing": [1, 4, 9, -42]}, {"compact": "19450208125300"}),
    ("ThriftTest.testMap_args", {"thing": {"1": 2}}, {"compact": "1b0155020400"}),
    ("ThriftTest.testMap_args", {"thing": {}}, {"compact": "1b0000"}),
]

# (server protocol, server transport, client arguments)
PAIRS = [
    ("binary", "buffered", ["--protocol", "binary", "--transport", "buffered"]),
    ("binary", "framed", ["--protocol", "binary", "--transport", "framed"]),
    ("compact", "buffered", ["--protocol", "compact", "--transport", "buffered"]),
    ("compact", "framed", ["--protocol", "compact", "--transport", "framed"]),
    ("header", "buffered", ["--protocol", "header", "--transport", "buffered"]),
    ("header", "buffered", ["--protocol", "header", "--transport", "buffered", "--header-protocol", "compact"]),
    ("header", "buffered", ["--protocol", "header", "--transport", "buffered", "--zlib"]),
    ("header", "buffered", ["--protocol", "binary", "--transport", "framed"]),
    ("header", "buffered", ["--protocol", "compact", "--transport", "buffered"]),
    ("header", "framed", ["--protocol", "header", "--transport", "framed"]),
]


def codec_requests():
    for type_name, value, golden in GOLDEN:
        for protocol, hex_bytes in golden.items():
            for accel in (False, True):
                label = f"pycodec {type_name} {protocol}{' accel' if accel else ''}"
                yield label, hex_bytes, value, {"op": "encode", "type": type_name, "protocol": protocol,
                                                "accel": accel, "value": value}
                yield label + " decode", hex_bytes, value, {"op": "decode", "type": type_name,
                                                            "protocol": protocol, "accel": accel,
                                                            "hex": hex_bytes}


def check_codec():
    cases = list(codec_requests())
    stdin = "".join(json.dumps(req) + "\n" for *_, req in cases)
    out = subprocess.run([PYTHON, os.path.join(HERE, "pycodec.py"), "batch"], input=stdin,
                         capture_output=True, text=True, check=True).stdout.splitlines()
    failed = 0
    for (label, hex_bytes, value, req), line in zip(cases, out, strict=True):
        answer = json.loads(line)
        want = {"hex": hex_bytes} if req["op"] == "encode" else {"value": value}
        ok = answer == want
        failed += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {label}" + ("" if ok else f": got {answer}, want {want}"))
    return failed


def check_pair(server_protocol, server_transport, client_args):
    label = f"py_client {' '.join(client_args)} -> py_server {server_protocol}/{server_transport}"
    server = subprocess.Popen(
        [PYTHON, os.path.join(HERE, "py_server.py"), "--port", "0",
         "--protocol", server_protocol, "--transport", server_transport],
        stdout=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        if not line.startswith("listening"):
            print(f"FAIL {label}: server said {line!r}")
            return 1
        port = line.rsplit(":", 1)[1].strip()
        client = subprocess.run([PYTHON, os.path.join(HERE, "py_client.py"), "--port", port, *client_args],
                                capture_output=True, text=True, timeout=120)
        summary = (client.stdout.strip().splitlines() or ["(no output)"])[-1]
        if client.returncode != 0:
            print(f"FAIL {label}:\n{client.stdout}{client.stderr}")
            return 1
        print(f"ok   {label}: {summary}")
        return 0
    finally:
        server.terminate()
        server.wait(timeout=10)


def main():
    failed = check_codec()
    for pair in PAIRS:
        failed += check_pair(*pair)
    if failed:
        print(f"selfcheck: {failed} cases failed")
        sys.exit(1)
    print("selfcheck: all cases passed")


if __name__ == "__main__":
    main()
