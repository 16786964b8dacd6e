#!/usr/bin/env python3
"""Print criterion results as a Markdown table of ns per element.

Usage: scripts/bench_table.py GROUP [BASELINE_BENCH]

Reads target/criterion/GROUP/*/new/estimates.json (and nested ids such as
GROUP/name/variant), divides the mean time per iteration by the elements
per iteration that the bench declared (`Throughput::Elements`, in
benchmark.json; 1 if it declared none) and, if BASELINE_BENCH is given,
adds each row's ratio to it.
"""
import json
import pathlib
import sys

group = sys.argv[1]
baseline = sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] else None
root = pathlib.Path("target/criterion") / group
rows = {}
for est in sorted(root.glob("**/new/estimates.json")):
    name = str(est.parent.parent.relative_to(root))
    data = json.loads(est.read_text())
    meta = json.loads((est.parent / "benchmark.json").read_text())
    elements = float((meta.get("throughput") or {}).get("Elements", 1))
    mean = data["mean"]["point_estimate"] / elements
    lo = data["mean"]["confidence_interval"]["lower_bound"] / elements
    hi = data["mean"]["confidence_interval"]["upper_bound"] / elements
    rows[name] = (mean, lo, hi)
if not rows:
    sys.exit(f"no results under {root}")
base = rows.get(baseline, (None,))[0] if baseline else None
print(f"| {group} | ns/element (95% CI) |" + (f" ratio to `{baseline}` |" if base else ""))
print("|---|---|" + ("---|" if base else ""))
for name, (mean, lo, hi) in sorted(rows.items(), key=lambda kv: kv[1][0]):
    ratio = f" {mean / base:.2f}x |" if base else ""
    print(f"| `{name}` | {mean:.2f} ({lo:.2f}–{hi:.2f}) |{ratio}")
