#!/usr/bin/env bash
# Median wall time of `cnix eval --expr 1` over 21 runs.
set -u
cnix=$1
python3 - "$cnix" <<'PY'
import subprocess, sys, time, statistics
ts = []
for _ in range(21):
    t = time.perf_counter()
    subprocess.run([sys.argv[1], "eval", "--expr", "1"], stdout=subprocess.DEVNULL, check=True)
    ts.append(time.perf_counter() - t)
print(f"cnix eval --expr 1: median {statistics.median(ts)*1000:.1f} ms over {len(ts)} runs")
PY
