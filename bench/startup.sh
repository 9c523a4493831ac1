#!/usr/bin/env bash
# Start-up time: runs `cnix eval --expr 1` and `cnix instantiate --eval -E 1` many times each
# (alternating) and prints the median, 10th and 90th percentile wall time and the median CPU
# time (user + system, less sensitive to other load than wall time). `true` runs in the same
# loop as a reference: the cost of starting any process under the machine's current load.
#   bench/startup.sh BUILD/cnix [RUNS=101]
# With BENCH_RESULTS set, appends "startup <tab> NAME <tab> median_ms <tab> runs <tab> cpu_ms"
# (NAME "true" for the reference).
set -u
python3 - "$1" "${2:-101}" "${BENCH_RESULTS:-}" <<'PY'
import os, shutil, statistics, subprocess, sys, time
cnix, runs, results = sys.argv[1], int(sys.argv[2]), sys.argv[3]
cmds = {"cnix eval --expr 1": [cnix, "eval", "--expr", "1"],
        "cnix instantiate --eval -E 1": [cnix, "instantiate", "--eval", "-E", "1"],
        "true": [shutil.which("true") or "/bin/true"]}
wall = {k: [] for k in cmds}
cpu = {k: [] for k in cmds}
for name, argv in cmds.items():  # one warm-up run each (page cache)
    subprocess.run(argv, stdout=subprocess.DEVNULL, check=True)
for _ in range(runs):
    for name, argv in cmds.items():
        t = time.perf_counter()
        p = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
        _, status, ru = os.wait4(p.pid, 0)
        wall[name].append(time.perf_counter() - t)
        cpu[name].append(ru.ru_utime + ru.ru_stime)
        if status != 0:
            sys.exit(f"{name} failed (status {status})")
for name in cmds:
    w = sorted(wall[name])
    q = statistics.quantiles(w, n=10)
    med, c = statistics.median(w) * 1000, statistics.median(cpu[name]) * 1000
    print(f"{name + (' (reference)' if name == 'true' else ''):<30} median {med:6.2f} ms  "
          f"(p10 {q[0]*1000:.2f}, p90 {q[-1]*1000:.2f}; CPU {c:.2f} ms) over {runs} runs")
    if results:
        with open(results, "a") as f:
            f.write(f"startup\t{name}\t{med:.3f}\t{runs}\t{c:.3f}\n")
PY
