"""Summarises a run of the peer codec benchmark as markdown, on stdout.

Reads criterion's `new/benchmark.json` and `new/estimates.json` under the
given criterion directory (only those written since `--since`, so older runs
of other benchmarks are left out) for ids `<impl>/<payload>/<op>/<protocol>`.
Time per op is criterion's headline estimate (the slope of its linear
sampling; the mean when there is none); MB/s is 10^6 bytes of the encoding
per second; a ratio is the JIT's throughput over the other's (> 1: the JIT is
faster). Where the JIT does not serve a protocol, the interpreter's ratios
are given instead.

Usage: summary.py CRITERION_DIR [--since EPOCH_SECONDS]
"""

import argparse
import json
import os
import sys

IMPLS = ["jit", "interp", "pilota", "apache"]
NAMES = {"jit": "JIT", "interp": "interp", "pilota": "pilota", "apache": "Apache"}
PAYLOADS = ["small", "medium", "large", "list_i32", "map_string"]
# Targets of the issue: (ours, theirs, op) -> minimum throughput ratio, and
# the payloads they apply to (None: all).
TARGETS = [
    ("jit", "pilota", "decode", 1.5, None),
    ("jit", "pilota", "encode", 1.2, None),
    ("jit", "interp", "decode", 2.0, {"medium", "large"}),
    ("jit", "interp", "encode", 2.0, {"medium", "large"}),
]


def load(root, since):
    """{(impl, payload, op, protocol): (ns, bytes)} of the benchmarks run since `since`."""
    results = {}
    for group in sorted(os.listdir(root)):
        for function in sorted(os.listdir(os.path.join(root, group))):
            new = os.path.join(root, group, function, "new")
            meta_path = os.path.join(new, "benchmark.json")
            estimates_path = os.path.join(new, "estimates.json")
            if not (os.path.isfile(meta_path) and os.path.isfile(estimates_path)):
                continue
            if os.path.getmtime(estimates_path) < since:
                continue
            with open(meta_path) as f:
                meta = json.load(f)
            with open(estimates_path) as f:
                estimates = json.load(f)
            parts = meta["full_id"].split("/")
            if len(parts) != 4 or parts[0] not in IMPLS:
                continue
            estimate = estimates.get("slope") or estimates["mean"]
            size = (meta.get("throughput") or {}).get("Bytes")
            results[tuple(parts)] = (estimate["point_estimate"], size)
    return results


def fmt_ns(ns):
    return f"{ns:,.1f}" if ns < 100 else f"{ns:,.0f}"


def fmt_mbs(ns, size):
    return f"{size / ns * 1e3:,.0f}"


def ratio(results, ours, theirs):
    if ours is None or theirs is None:
        return None
    return theirs[0] / ours[0]


def fmt_ratio(r):
    return "—" if r is None else f"{r:.2f}×"


def table(results, protocol, op, out):
    rows = [p for p in PAYLOADS if any((i, p, op, protocol) in results for i in IMPLS)]
    rows += sorted({k[1] for k in results if k[2] == op and k[3] == protocol} - set(rows))
    if not rows:
        return
    has_jit = any(("jit", p, op, protocol) in results for p in rows)
    ours = "jit" if has_jit else "interp"
    others = [i for i in ["pilota", "interp", "apache"] if i != ours]
    out.append(f"### {op}, {protocol}\n")
    header = ["payload", "bytes"]
    for i in IMPLS:
        header += [f"{NAMES[i]} ns", f"{NAMES[i]} MB/s"]
    header += [f"{NAMES[ours]} vs {NAMES[o]}" for o in others]
    out.append("| " + " | ".join(header) + " |")
    out.append("|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|")
    for p in rows:
        cells = [p]
        size = next((results[(i, p, op, protocol)][1] for i in IMPLS if (i, p, op, protocol) in results), None)
        cells.append(f"{size:,}" if size else "—")
        for i in IMPLS:
            r = results.get((i, p, op, protocol))
            cells += [fmt_ns(r[0]), fmt_mbs(*r)] if r else ["—", "—"]
        mine = results.get((ours, p, op, protocol))
        cells += [fmt_ratio(ratio(results, mine, results.get((o, p, op, protocol)))) for o in others]
        out.append("| " + " | ".join(cells) + " |")
    out.append("")


def targets(results, out):
    rows = []
    for ours, theirs, op, minimum, only in TARGETS:
        for p in PAYLOADS:
            if only is not None and p not in only:
                continue
            r = ratio(results, results.get((ours, p, op, "binary")), results.get((theirs, p, op, "binary")))
            if r is None:
                continue
            verdict = "met" if r >= minimum else "**not met**"
            rows.append(f"| {NAMES[ours]} {op} vs {NAMES[theirs]} | {p} | ≥ {minimum:.1f}× | {r:.2f}× | {verdict} |")
    if rows:
        out.append("### targets (binary)\n")
        out.append("| target | payload | wanted | measured | |")
        out.append("|---|---|---:|---:|---|")
        out.extend(rows)
        out.append("")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("criterion_dir")
    parser.add_argument("--since", type=float, default=0.0)
    args = parser.parse_args()
    results = load(args.criterion_dir, args.since)
    if not results:
        sys.exit(f"no results in {args.criterion_dir} since {args.since}")
    out = ["## thriftjit vs pilota vs Apache: codec throughput\n"]
    out.append(
        "ns per op (criterion's estimate), MB/s = 10^6 bytes of the encoding per second; "
        "a ratio is our throughput over theirs (> 1: ours is faster).\n"
    )
    for protocol in ["binary", "compact"]:
        for op in ["decode", "encode"]:
            table(results, protocol, op, out)
    targets(results, out)
    print("\n".join(out))


if __name__ == "__main__":
    main()
