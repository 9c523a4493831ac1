#!/usr/bin/env python3
"""Summary of the targets of issues 7 and 18 for `make bench`: the measured values of every
target, each with MET / NOT MET computed from the numbers the benchmark scripts just printed.
   bench/summary.py RESULTS WORKLOADS_TABLE [VS_NAME [REALWORLD_TABLE]]
RESULTS holds the tab-separated lines of startup.sh, recursion.sh, scaling.sh and gcstats.sh;
WORKLOADS_TABLE is the output of ../shared/bench/run and REALWORLD_TABLE that of
../shared/realworld/run (each missing when it was skipped)."""
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
# Issue 18: the real-world workloads (nixpkgs packages, a NixOS system, a home-manager
# generation) in at most half CppNix's time and 0.7 of its peak memory, output identical.
RW_TIME_RATIO = 0.5
RW_MEM_RATIO = 0.7

results_path, table_path = sys.argv[1], sys.argv[2]
vs = sys.argv[3] if len(sys.argv) > 3 else "CppNix"
realworld_path = sys.argv[4] if len(sys.argv) > 4 else ""
tally = {"MET": 0, "NOT MET": 0}


def verdict(ok):
    v = "MET" if ok else "NOT MET"
    tally[v] += 1
    return v


lines = [l.rstrip("\n").split("\t") for l in open(results_path)] if os.path.exists(results_path) else []

def side_by_side(rows, time_ratio, mem_ratio):
    """Prints rows (name, A wall, B wall, A peak, B peak, problem or None), each with its verdict."""
    print(f"  {'workload':<12} {'A_wall_s':>9} {'B_wall_s':>9} {'A/B':>6} {'A_peak_MB':>10} {'B_peak_MB':>10} {'A/B':>6}  verdict")
    for name, aw, bw, am, bm, problem in rows:
        if aw is None:
            print(f"  {name:<12} {problem:>55}  {verdict(False)}")
            continue
        tr, mr = aw / max(bw, 1e-9), am / max(bm, 1e-9)
        v = verdict(tr <= time_ratio and mr <= mem_ratio and not problem)
        print(f"  {name:<12} {aw:9.3f} {bw:9.3f} {tr:6.2f} {am:10.1f} {bm:10.1f} {mr:6.2f}  {v}"
              + (f"  ({problem})" if problem else ""))


def read_rows(path, row_re, problem_of):
    """Rows of a side-by-side table: row_re's groups 1-5 are name and the four numbers, and
    problem_of(match) says what is wrong with the output (None: nothing)."""
    rows = []
    for line in open(path) if path and os.path.exists(path) else []:
        m = row_re.match(line.rstrip("\n"))
        if m:
            rows.append((m.group(1), *(float(m.group(i)) for i in (2, 3, 4, 5)), problem_of(m)))
        elif line.split() and line.split()[0] != "workload":
            rows.append((line.split()[0], None, None, None, None, " ".join(line.split()[1:]) or "failed"))
    return rows


# ---- side-by-side workloads and parse speed
print(f"Workloads and parsing, A = cnix, B = {vs}: A/B wall time <= {TIME_RATIO}, A/B peak memory <= {MEM_RATIO}")
table = read_rows(table_path, re.compile(r"^(\S+)\s+([\d.]+)\s+([\d.]+)\s+[\d.]+\s+([\d.]+)\s+([\d.]+)\s+[\d.]+(\s+OUTPUT DIFFERS)?\s*$"),
                  lambda m: "OUTPUT DIFFERS" if m.group(6) else None)
if table:
    side_by_side(table, TIME_RATIO, MEM_RATIO)
    if any(r[0] == "parse" for r in table):
        print("  (parse: --parse of the generated multi-megabyte file, gen-parse.sh)")
else:
    print("  SKIPPED: needs nix-instantiate (apt-get install nix-bin) and ../shared/bench")

# ---- real-world workloads (issue 18)
print(f"\nReal-world workloads (issue 18), A = cnix, B = {vs}: A/B wall time <= {RW_TIME_RATIO}, "
      f"A/B peak memory <= {RW_MEM_RATIO}, output identical to CppNix's")
rw = read_rows(realworld_path, re.compile(r"^(\S+)\s+([\d.]+)\s+([\d.]+)\s+[\d.]+\s+([\d.]+)\s+([\d.]+)\s+[\d.]+\s+(.*)$"),
               lambda m: None if m.group(6).strip() == "identical" else "output " + m.group(6).strip())
if rw:
    side_by_side(rw, RW_TIME_RATIO, RW_MEM_RATIO)
else:
    print("  SKIPPED: needs nix-instantiate and the trees of ../shared/realworld/get (not counted)")
print("  Larger configurations (same ratios, linear growth): no workload measures them yet  "
      + verdict(False))

# ---- the collector's work in --stats (issue 18)
print("\nThe collector's work in `cnix instantiate --stats`: gc.cycles, gc.markedBytes, gc.seconds")
gcs = [l for l in lines if l[0] == "gcstats"]
for l in gcs:
    if l[2] == "missing":
        print(f"  {l[1]:<12} --stats lacks them  {verdict(False)}")
    else:
        print(f"  {l[1]:<12} {int(l[2]):4d} collections, {int(l[3]) / 2**20:9.1f} MB marked, "
              f"{float(l[4]):7.3f} s in collections, heap {int(l[5]) / 2**20:7.1f} MB")
if gcs:
    print(f"  reported  {verdict(all(l[2] != 'missing' for l in gcs))}")
else:
    print(f"  not measured  {verdict(False)}")

# ---- start-up
ref = next((l for l in lines if l[0] == "startup" and l[1] == "true"), None)
print(f"\nStart-up: median wall time < {STARTUP_MS:.0f} ms"
      + (f" (starting `true` took {float(ref[2]):.2f} ms in the same loop: the floor under the current load)" if ref else ""))
for l in lines:
    if l[0] == "startup" and l[1] != "true":
        med, runs, cpu = float(l[2]), int(l[3]), float(l[4])
        print(f"  {l[1]:<30} median {med:6.2f} ms of {runs} runs (CPU {cpu:.2f} ms)  {verdict(med < STARTUP_MS)}")
if not any(l[0] == "startup" and l[1] != "true" for l in lines):
    print(f"  not measured  {verdict(False)}")

# ---- recursion depth
print(f"\nRecursion depth (let f = n: if n == 0 then 0 else 1 + f (n - 1); in f N): cnix >= {DEPTH:,}, clean error beyond")
depth = [l for l in lines if l[0] == "depth"]
cn = next((l for l in depth if l[1] == "cnix"), None)
for l in depth:
    ok, failed, clean, msg = int(l[2]), int(l[3]), l[4], l[5]
    text = f"deepest N {ok:>9,}; " + (f"N = {failed:,} fails {'cleanly' if clean == 'yes' else 'UNCLEANLY'} ({msg})"
                                      if failed else "no failure up to 10^7")
    if l is cn:
        text += "  " + verdict(ok >= DEPTH and (failed == 0 or clean == "yes"))
    elif cn and ok:
        text += f"  (cnix: {int(cn[2]) / ok:.0f}x deeper)"
    print(f"  {l[1]:<14} {text}")
if not cn:
    print(f"  cnix not measured  {verdict(False)}")

# ---- scaling
print(f"\nScaling: growth from 10^5 to 10^6 elements <= x{GROWTH:.0f} in time and peak memory (x10 = linear, x100 = quadratic)")
scal = {}
for l in lines:
    if l[0] == "scaling":
        scal.setdefault(l[1], {})[int(l[2])] = (float(l[3]), float(l[4]), l[5])
if scal:
    print(f"  {'pattern':<12} {'10^4 s':>8} {'10^5 s':>8} {'10^6 s':>8} {'time x':>7} {'10^5 MB':>8} {'10^6 MB':>8} {'peak x':>7}  verdict")
for name, by_n in scal.items():
    def t(n):
        r = by_n.get(n)
        return "-" if not r else (f">={r[0]:.0f}" if r[2] == "(timeout)" else f"{r[0]:.3f}")
    a, b = by_n.get(100000), by_n.get(1000000)
    if not a or not b:
        print(f"  {name:<12} missing rows  {verdict(False)}")
        continue
    bad = [f"{n:,}: {r[2]}" for n, r in sorted(by_n.items()) if r[2] != "ok"]
    g, gm = b[0] / max(a[0], 1e-9), b[1] / max(a[1], 1e-9)
    gs = (">=" if b[2] == "(timeout)" else "") + f"{g:.1f}"
    v = verdict(not bad and g <= GROWTH and gm <= GROWTH)
    print(f"  {name:<12} {t(10000):>8} {t(100000):>8} {t(1000000):>8} {gs:>7} {a[1]:8.1f} {b[1]:8.1f} {gm:7.1f}  {v}"
          + (f"  ({'; '.join(bad)})" if bad else ""))
if not scal:
    print(f"  not measured  {verdict(False)}")

total = tally["MET"] + tally["NOT MET"]
skipped = [w for w, t in (("workloads", table), ("real-world workloads", rw)) if not t]
print(f"\n{tally['MET']} of {total} targets met" + (f" ({', '.join(skipped)} skipped)" if skipped else ""))
