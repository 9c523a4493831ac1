#!/usr/bin/env python3
"""Summary of issue 7's targets for `make bench`: one line per target with the measured values
and MET / NOT MET, computed from the numbers the benchmark scripts just printed.
   bench/summary.py RESULTS WORKLOADS_TABLE [VS_NAME]
RESULTS holds the tab-separated lines of startup.sh, recursion.sh and scaling.sh;
WORKLOADS_TABLE is the output of ../shared/bench/run (missing when it was skipped)."""
import os
import re
import sys

# The targets (issue 7): at most half CppNix's time and no more memory on every workload and
# on parsing; start-up well under 10 ms; recursion 10^6 deep, failing cleanly beyond the
# limit; primitives growing linearly (10x the elements: about 10x the time, where n log n
# gives 12x and quadratic 100x).
TIME_RATIO = 0.5
MEM_RATIO = 1.0
STARTUP_MS = 10.0
DEPTH = 1_000_000
GROWTH = 15.0

results_path, table_path = sys.argv[1], sys.argv[2]
vs = sys.argv[3] if len(sys.argv) > 3 else "CppNix"
rows = []  # (target, measured, verdict)


def verdict(ok):
    return "MET" if ok else "NOT MET"


def add(target, measured, ok):
    rows.append((target, measured, verdict(ok) if ok is not None else "SKIPPED"))


# ---- side-by-side workloads and parse speed
row_re = re.compile(r"^(\S+)\s+([\d.]+)\s+([\d.]+)\s+[\d.]+\s+([\d.]+)\s+([\d.]+)\s+[\d.]+(\s+OUTPUT DIFFERS)?\s*$")
seen = False
if os.path.exists(table_path):
    for line in open(table_path):
        m = row_re.match(line)
        if not m:
            f = re.match(r"^(\S+)\s+failed to run", line)
            if f:
                seen = True
                add(f"{f.group(1)}: A/B time <= {TIME_RATIO}, peak <= {MEM_RATIO}", "failed to run", False)
            continue
        seen = True
        name = m.group(1)
        aw, bw, am, bm = (float(m.group(i)) for i in (2, 3, 4, 5))
        tr, mr = aw / max(bw, 1e-9), am / max(bm, 1e-9)
        same = not m.group(6)
        what = "parse (--parse, generated file)" if name == "parse" else name
        measured = f"time {tr:.2f}x ({aw:.2f} vs {bw:.2f} s), memory {mr:.2f}x ({am:.0f} vs {bm:.0f} MB)"
        if not same:
            measured += ", OUTPUT DIFFERS"
        add(f"{what}: A/B time <= {TIME_RATIO}, peak <= {MEM_RATIO}", measured,
            tr <= TIME_RATIO and mr <= MEM_RATIO and same)
if not seen:
    add(f"workloads and parse speed vs {vs}", "not run (needs nix-instantiate and ../shared/bench)", None)

lines = [l.rstrip("\n").split("\t") for l in open(results_path)] if os.path.exists(results_path) else []

# ---- start-up
for l in lines:
    if l[0] == "startup":
        med, runs, cpu = float(l[2]), int(l[3]), float(l[4])
        add(f"start-up `{l[1]}`: median < {STARTUP_MS:.0f} ms", f"median {med:.2f} ms of {runs} runs (CPU {cpu:.2f} ms)",
            med < STARTUP_MS)

# ---- recursion depth
depth = {l[1]: l for l in lines if l[0] == "depth"}
cn = depth.get("cnix")
other = next((v for k, v in depth.items() if k != "cnix"), None)
if cn:
    ok, failed, clean, msg = int(cn[2]), int(cn[3]), cn[4], cn[5]
    measured = f"cnix {ok:,} deep"
    measured += f", fails {'cleanly' if clean == 'yes' else 'UNCLEANLY'} at {failed:,} ({msg})" if failed else ", no failure up to 10^7"
    if other:
        o_ok, o_failed = int(other[2]), int(other[3])
        measured += f"; {other[1]} {o_ok:,} deep (fails at {o_failed:,}): {ok / max(o_ok, 1):.0f}x"
    add(f"recursion depth >= {DEPTH:,}, clean error beyond", measured,
        ok >= DEPTH and (failed == 0 or clean == "yes"))
else:
    add(f"recursion depth >= {DEPTH:,}", "not measured", False)

# ---- scaling
scal = {}
for l in lines:
    if l[0] == "scaling":
        scal.setdefault(l[1], {})[int(l[2])] = (float(l[3]), float(l[4]), l[5])
for name, by_n in scal.items():
    a, b = by_n.get(100000), by_n.get(1000000)
    if not a or not b:
        add(f"scaling {name}: linear", "missing rows", False)
        continue
    bad = [f"{n:,}: {r[2]}" for n, r in sorted(by_n.items()) if r[2] != "ok"]
    g = b[0] / max(a[0], 1e-9)
    gm = b[1] / max(a[1], 1e-9)
    lb = ">=" if b[2] == "(timeout)" else ""
    measured = f"time x{lb}{g:.1f} ({a[0]:.3f} -> {b[0]:.3f} s), peak x{gm:.1f} ({a[1]:.0f} -> {b[1]:.0f} MB)"
    if bad:
        measured += "; " + ", ".join(bad)
    add(f"scaling {name}: 10^5 -> 10^6 time, peak <= x{GROWTH:.0f}", measured, not bad and g <= GROWTH and gm <= GROWTH)

# ---- print
w = max(len(t) for t, _, _ in rows)
print(f"{'target (A = cnix, B = ' + vs + ')':<{w}}  {'verdict':<7}  measured")
for t, m, v in rows:
    print(f"{t:<{w}}  {v:<7}  {m}")
met = sum(v == "MET" for _, _, v in rows)
judged = sum(v != "SKIPPED" for _, _, v in rows)
print(f"\n{met} of {judged} targets met" + (f" ({len(rows) - judged} skipped)" if judged < len(rows) else ""))
