#!/usr/bin/env python3
"""Reference codec: JSON <-> Thrift bytes for the ThriftTest types.

The bytes come from Apache Thrift's Python library (PyPI thrift==0.25.0) and
the code Debian's thrift-compiler generates from ThriftTest.thrift (v0.16):
JSON is turned into instances of the generated classes, which then write
themselves (`obj.write(protocol)`) or read themselves (`cls.read`). The
conversion is generic: it walks each generated class's `thrift_spec`, so no
type has code of its own here. Our Rust tests compare their bytes with these.

    pycodec.py encode --type Xtruct --protocol compact [--accel] [--hex] < value.json > value.bin
    pycodec.py decode --type ThriftTest.testString_args --protocol binary [--accel] [--hex] < value.bin
    pycodec.py batch  < requests.jsonl    (one request per line, one answer per line)

A NAME is a type of the IDL (`Xtruct`, `Insanity`, `CrazyNesting`, `Xception`, ...)
or a service's argument/result struct, `ThriftTest.<method>_args`/`_result`
(`SecondService.secondtestString_args` too).

The JSON convention (the one of Kitex/dynamicgo generic calls and of thriftjit):
struct, union, exception: object keyed by field name; a field left out takes the
  generated constructor's default (its IDL default, else unset); `null` leaves
  it unset even when the IDL gives it a default. Decoding writes set fields only.
bool: true/false. i8, i16, i32, i64, enum: JSON integer.
double: number, or "NaN", "Infinity", "-Infinity".
string: string. binary: base64 (standard alphabet, padded).
list, set: array (a set is encoded in array order; decoded sets are sorted,
  since Python's set has no order: numbers by value, others by their JSON text).
map: keyed by string -> object; by binary -> object keyed by base64; by an
  integer or enum -> object keyed by the decimal number; by anything else
  (bool, double, struct, container) -> array of [key, value] pairs. Encoding
  also accepts the pairs form for any key type.

--accel uses TBinaryProtocolAccelerated / TCompactProtocolAccelerated (the C
extension fastbinary); without it the pure-Python TBinaryProtocol (strict
write) and TCompactProtocol. Both must give the same bytes.

Exit status: 0, or 1 with a message on stderr (a decode error, trailing bytes,
a JSON value that does not fit the type), 2 for bad usage.
"""

import argparse
import base64
import binascii
import inspect
import json
import math
import re
import sys

from peers_gen import use_generated_code

use_generated_code()

from thrift.Thrift import TType  # noqa: E402
from thrift.protocol import TBinaryProtocol, TCompactProtocol  # noqa: E402
from thrift.transport import TTransport  # noqa: E402

from ThriftTest import ttypes  # noqa: E402
import ThriftTest.SecondService  # noqa: E402
import ThriftTest.ThriftTest  # noqa: E402

SERVICES = {
    "ThriftTest": ThriftTest.ThriftTest,
    "SecondService": ThriftTest.SecondService,
}

INT_RANGES = {
    TType.BYTE: (-(2**7), 2**7 - 1),
    TType.I16: (-(2**15), 2**15 - 1),
    TType.I32: (-(2**31), 2**31 - 1),
    TType.I64: (-(2**63), 2**63 - 1),
}

SPECIAL_DOUBLES = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}

DECIMAL = re.compile(r"-?[0-9]+\Z")


class CodecError(Exception):
    """A value that does not fit its type, or bytes that do not decode."""


def fail(path, message):
    raise CodecError(f"{''.join(path) or '$'}: {message}")


def lookup_type(name):
    """The generated class for NAME (`Xtruct`, `ThriftTest.testString_args`)."""
    service, _, member = name.rpartition(".")
    if service in SERVICES and hasattr(SERVICES[service], member):
        cls = getattr(SERVICES[service], member)
    elif not service and hasattr(ttypes, member):
        cls = getattr(ttypes, member)
    else:
        raise CodecError(f"unknown type {name!r}")
    if not inspect.isclass(cls) or getattr(cls, "thrift_spec", None) is None:
        raise CodecError(f"{name!r} is not a struct, union, exception or args/result struct")
    return cls


def fields(spec):
    return [f for f in spec if f is not None]


# Python values that are map keys must be hashable. The generated structs
# (mutable ones have no __hash__, frozen ones hash their possibly unhashable
# fields) and containers often are not, so keys are built from these variants,
# hashed by identity: each JSON key stays its own entry, in JSON order.
class IdentityList(list):
    __hash__ = object.__hash__
    __eq__ = object.__eq__


class IdentityDict(dict):
    __hash__ = object.__hash__
    __eq__ = object.__eq__


_identity_classes = {}


def identity_class(cls):
    if cls not in _identity_classes:
        attrs = {"__hash__": object.__hash__, "__eq__": object.__eq__}
        _identity_classes[cls] = type(cls.__name__, (cls,), attrs)
    return _identity_classes[cls]


# JSON -> Python


def to_py(ttype, targs, value, path, is_key=False):
    if ttype == TType.BOOL:
        if not isinstance(value, bool):
            fail(path, f"expected true or false, got {value!r}")
        return value
    if ttype in INT_RANGES:
        if isinstance(value, bool) or not isinstance(value, int):
            fail(path, f"expected an integer, got {value!r}")
        low, high = INT_RANGES[ttype]
        if not low <= value <= high:
            fail(path, f"{value} is out of range [{low}, {high}]")
        return value
    if ttype == TType.DOUBLE:
        if isinstance(value, str) and value in SPECIAL_DOUBLES:
            return SPECIAL_DOUBLES[value]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            fail(path, f"expected a number, 'NaN', 'Infinity' or '-Infinity', got {value!r}")
        return float(value)
    if ttype == TType.STRING:
        if not isinstance(value, str):
            fail(path, f"expected a string, got {value!r}")
        return base64_decode(value, path) if targs == "BINARY" else value
    if ttype == TType.STRUCT:
        return struct_to_py(targs[0], targs[1], value, path, is_key)
    if ttype in (TType.LIST, TType.SET):
        if not isinstance(value, list):
            fail(path, f"expected an array, got {value!r}")
        etype, eargs = targs[0], targs[1]
        items = [to_py(etype, eargs, v, path + [f"[{i}]"]) for i, v in enumerate(value)]
        # A list (not a set) even for a set: it keeps the JSON order on the wire.
        return IdentityList(items) if is_key else items
    if ttype == TType.MAP:
        return map_to_py(targs, value, path, is_key)
    fail(path, f"unsupported Thrift type {ttype}")


def base64_decode(text, path):
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error as e:
        fail(path, f"bad base64 ({e})")


def struct_to_py(cls, spec, value, path, is_key):
    if not isinstance(value, dict):
        fail(path, f"expected an object for {cls.__name__}, got {value!r}")
    by_name = {f[2]: f for f in fields(spec)}
    kwargs = {}
    for name, v in value.items():
        if name not in by_name:
            fail(path, f"{cls.__name__} has no field {name!r}")
        _, ftype, _, fargs, _ = by_name[name]
        kwargs[name] = None if v is None else to_py(ftype, fargs, v, path + [f".{name}"])
    return (identity_class(cls) if is_key else cls)(**kwargs)


def map_to_py(targs, value, path, is_key):
    ktype, kargs, vtype, vargs = targs[:4]
    if isinstance(value, dict):
        pairs = [(parse_object_key(ktype, kargs, k, path), v) for k, v in value.items()]
    elif isinstance(value, list):
        pairs = []
        for i, pair in enumerate(value):
            if not (isinstance(pair, list) and len(pair) == 2):
                fail(path + [f"[{i}]"], f"expected a [key, value] pair, got {pair!r}")
            pairs.append((to_py(ktype, kargs, pair[0], path + [f"[{i}][0]"], is_key=True), pair[1]))
    else:
        fail(path, f"expected an object or an array of [key, value] pairs, got {value!r}")
    result = IdentityDict() if is_key else {}
    for key, v in pairs:
        result[key] = to_py(vtype, vargs, v, path + [f"[{key!r}]"])
    return result


def parse_object_key(ktype, kargs, key, path):
    if ktype == TType.STRING:
        return base64_decode(key, path) if kargs == "BINARY" else key
    if ktype in INT_RANGES:
        if not DECIMAL.match(key):
            fail(path, f"map key {key!r} is not a decimal integer")
        return to_py(ktype, kargs, int(key), path + [f"[{key}]"])
    fail(path, "maps with this key type are written as arrays of [key, value] pairs")


# Python -> JSON


def from_py(ttype, targs, value, path):
    if ttype in (TType.BOOL, *INT_RANGES):
        return value
    if ttype == TType.DOUBLE:
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return value
    if ttype == TType.STRING:
        if targs == "BINARY":
            return base64.b64encode(value).decode("ascii")
        return value
    if ttype == TType.STRUCT:
        return struct_from_py(targs[1], value, path)
    if ttype == TType.LIST:
        return [from_py(targs[0], targs[1], v, path + [f"[{i}]"]) for i, v in enumerate(value)]
    if ttype == TType.SET:
        items = [from_py(targs[0], targs[1], v, path + ["[]"]) for v in value]
        return sorted(items, key=set_order)
    if ttype == TType.MAP:
        ktype, kargs, vtype, vargs = targs[:4]
        pairs = [
            (from_py(ktype, kargs, k, path + ["{key}"]), from_py(vtype, vargs, v, path + [f"[{k!r}]"]))
            for k, v in value.items()
        ]
        if ktype == TType.STRING or ktype in INT_RANGES:
            return {str(k): v for k, v in pairs}
        return [[k, v] for k, v in pairs]
    fail(path, f"unsupported Thrift type {ttype}")


def struct_from_py(spec, obj, path):
    out = {}
    for _, ftype, name, fargs, _ in fields(spec):
        v = getattr(obj, name)
        if v is not None:
            out[name] = from_py(ftype, fargs, v, path + [f".{name}"])
    return out


def set_order(item):
    """Sorts numbers by value, before everything else, which sorts by its JSON text."""
    if isinstance(item, (int, float)) and not isinstance(item, bool):
        return (0, item, "")
    return (1, 0, json.dumps(item, sort_keys=True, ensure_ascii=False))


# Protocols and the two operations


def make_protocol(name, trans, accel):
    if name == "binary":
        if accel:
            return TBinaryProtocol.TBinaryProtocolAccelerated(trans, fallback=False)
        return TBinaryProtocol.TBinaryProtocol(trans, strictRead=False, strictWrite=True)
    if name == "compact":
        if accel:
            return TCompactProtocol.TCompactProtocolAccelerated(trans, fallback=False)
        return TCompactProtocol.TCompactProtocol(trans)
    raise CodecError(f"unknown protocol {name!r} (binary or compact)")


def encode(type_name, protocol, value, accel=False):
    cls = lookup_type(type_name)
    obj = struct_to_py(cls, cls.thrift_spec, value, [cls.__name__], is_key=False)
    trans = TTransport.TMemoryBuffer()
    obj.write(make_protocol(protocol, trans, accel))
    return trans.getvalue()


def decode(type_name, protocol, data, accel=False):
    cls = lookup_type(type_name)
    trans = TTransport.TMemoryBuffer(data)
    proto = make_protocol(protocol, trans, accel)
    try:
        # Frozen (immutable) generated classes read through a classmethod.
        if isinstance(inspect.getattr_static(cls, "read"), classmethod):
            obj = cls.read(proto)
        else:
            obj = cls()
            obj.read(proto)
    except CodecError:
        raise
    except Exception as e:  # the library's errors: TProtocolException, EOFError, struct.error, ...
        detail = str(e) or "unexpected end of input"
        if isinstance(e, TypeError) and "unhashable" in detail:
            # Frozen structs (python.immutable) in sets and map keys hash their
            # fields; the generated code reads those maps and lists as dicts and lists.
            detail += " (Apache's Python cannot hold this value: a frozen struct with a map or list field in a set or map key)"
        raise CodecError(f"{cls.__name__}: cannot decode: {type(e).__name__}: {detail}") from e
    consumed = trans._buffer.tell()
    if consumed != len(data):
        raise CodecError(f"{cls.__name__}: {len(data) - consumed} trailing bytes after the struct")
    return struct_from_py(cls.thrift_spec, obj, [cls.__name__])


def dump_json(value):
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def run_batch(lines, out):
    """Answers JSON-lines requests, one per line, so a test pays for one process.

    {"op": "encode", "type": T, "protocol": P, "accel": bool, "value": V} -> {"hex": "..."}
    {"op": "decode", "type": T, "protocol": P, "accel": bool, "hex": "..."} -> {"value": V}
    anything that fails -> {"error": "..."}
    """
    for line in lines:
        if not line.strip():
            continue
        try:
            req = json.loads(line)
            accel = bool(req.get("accel", False))
            if req.get("op") == "encode":
                answer = {"hex": encode(req["type"], req["protocol"], req["value"], accel).hex()}
            elif req.get("op") == "decode":
                data = bytes.fromhex(req["hex"])
                answer = {"value": decode(req["type"], req["protocol"], data, accel)}
            else:
                raise CodecError(f"unknown op {req.get('op')!r} (encode or decode)")
        except CodecError as e:
            answer = {"error": str(e)}
        except (KeyError, ValueError, TypeError) as e:  # a malformed request
            answer = {"error": f"bad request: {type(e).__name__}: {e}"}
        out.write(dump_json(answer) + "\n")
        out.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for command in ("encode", "decode"):
        p = sub.add_parser(command)
        p.add_argument("--type", required=True, help="Xtruct, Insanity, ThriftTest.testString_args, ...")
        p.add_argument("--protocol", required=True, choices=["binary", "compact"])
        p.add_argument("--accel", action="store_true", help="use the fastbinary C extension")
        p.add_argument("--hex", action="store_true", help="bytes as hex text instead of raw")
    sub.add_parser("batch", help="JSON-lines requests on stdin, answers on stdout")
    args = parser.parse_args()

    sys.stdout.reconfigure(encoding="utf-8")
    try:
        if args.command == "batch":
            run_batch(sys.stdin, sys.stdout)
        elif args.command == "encode":
            data = encode(args.type, args.protocol, json.load(sys.stdin), args.accel)
            if args.hex:
                sys.stdout.write(data.hex() + "\n")
            else:
                sys.stdout.buffer.write(data)
        else:
            raw = sys.stdin.buffer.read()
            data = bytes.fromhex(raw.decode("ascii")) if args.hex else raw
            sys.stdout.write(dump_json(decode(args.type, args.protocol, data, args.accel)) + "\n")
    except (CodecError, ValueError) as e:
        sys.exit(f"pycodec: {e}")


if __name__ == "__main__":
    main()
