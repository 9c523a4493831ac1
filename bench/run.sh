#!/usr/bin/env bash
# make bench: side-by-side workloads against CppNix (../shared/bench/run) when nix-instantiate
# is installed, the real-world workloads (../shared/realworld/run: nixpkgs, NixOS, home-manager)
# when their trees are laid out, the collector's work as --stats reports it, start-up time,
# recursion depth, the scaling of primitives and the realiser; then a summary of the targets
# of issues 7 and 18, each MET / NOT MET from the numbers just measured.
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
echo
realworld=""
for d in "$here/../../shared/realworld" /work/shared/realworld; do [ -x "$d/run" ] && { realworld=$d; break; }; done
rwdir=${REALWORLD:-$HOME/.cache/cnix-realworld}
if [ -z "$realworld" ] || ! command -v nix-instantiate >/dev/null; then
  echo "== skipping real-world workloads (need ../shared/realworld and nix-instantiate: apt-get install nix-bin)"
elif [ ! -f "$rwdir/nixpkgs/default.nix" ] || [ ! -d "$rwdir/home-manager/modules" ]; then
  echo "== skipping real-world workloads: no trees in $rwdir (see $realworld/get)"
else
  echo "== real-world workloads: A = cnix, B = $vs (median of $rounds rounds; output checked against CppNix's)"
  "$realworld/run" --impl "$cnix instantiate" --vs nix-instantiate --rounds "$rounds" --dir "$rwdir" | tee "$res/realworld"
fi
echo; "$here/flake.sh" "$cnix" "$rwdir/nixpkgs"
echo; echo "== the collector's work (cnix instantiate --stats, gc)"
"$here/gcstats.sh" "$cnix" ${realworld:+"$realworld"} "$rwdir"
echo; echo "== start-up"
"$here/startup.sh" "$cnix"
echo; echo "== recursion depth: let f = n: if n == 0 then 0 else 1 + f (n - 1); in f N"
"$here/recursion.sh" "$cnix"
echo; echo "== scaling (time and peak memory should grow linearly)"
"$here/scaling.sh" "$cnix"
echo; echo "== realiser (builds and no-op realisations)"
"$here/realise.sh" "$cnix"
echo; echo "== summary: targets of issues 7 and 18, verdicts computed from the measurements above"
echo "(load average before: ${load0:-?}, after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null) on $(nproc) cores;"
echo " wall times and their ratios are noisy when other work runs: rerun before believing one)"
python3 "$here/summary.py" "$BENCH_RESULTS" "$res/workloads" "$vs" "$res/realworld"
