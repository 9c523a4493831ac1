#!/usr/bin/env bash
# make bench: side-by-side workloads against CppNix (../shared/bench/run) when nix-instantiate
# is installed, start-up time, recursion depth, the scaling of primitives and the realiser;
# then a summary of issue 7's targets, each MET / NOT MET from the numbers just measured.
#   bench/run.sh BUILD/cnix [ROUNDS=3]
set -u
here=$(cd "$(dirname "$0")" && pwd)
cnix=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
rounds=${2:-3}
res=$(mktemp -d); trap 'rm -rf "$res"' EXIT
export BENCH_RESULTS=$res/results
load0=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)
: >"$BENCH_RESULTS"
shared=""
for d in "$here/../../shared/bench" /work/shared/bench; do [ -x "$d/run" ] && { shared=$d; break; }; done
vs=CppNix
if [ -n "$shared" ] && command -v nix-instantiate >/dev/null; then
  vs="CppNix $(nix-instantiate --version | awk '{print $NF}')"
  echo "== workloads: A = cnix, B = $vs (median of $rounds rounds)"
  "$shared/run" --impl "$cnix instantiate" --vs nix-instantiate --rounds "$rounds" | tee "$res/workloads"
else
  echo "== skipping side-by-side workloads (need ../shared/bench and nix-instantiate: apt-get install nix-bin)"
fi
echo; echo "== start-up"
"$here/startup.sh" "$cnix"
echo; echo "== recursion depth: let f = n: if n == 0 then 0 else 1 + f (n - 1); in f N"
"$here/recursion.sh" "$cnix"
echo; echo "== scaling (time and peak memory should grow linearly)"
"$here/scaling.sh" "$cnix"
echo; echo "== realiser (builds and no-op realisations)"
"$here/realise.sh" "$cnix"
echo; echo "== summary: issue 7 targets, verdicts computed from the measurements above"
echo "(load average before: ${load0:-?}, after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null) on $(nproc) cores;"
echo " wall times and their ratios are noisy when other work runs: rerun before believing one)"
python3 "$here/summary.py" "$BENCH_RESULTS" "$res/workloads" "$vs"
