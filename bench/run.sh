#!/usr/bin/env bash
# make bench: side-by-side workloads against CppNix (../shared/bench/run) when nix-instantiate
# is installed, then cnix's own scaling micro-benchmarks.
#   bench/run.sh BUILD/cnix [ROUNDS]
set -u
here=$(cd "$(dirname "$0")" && pwd)
cnix=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
rounds=${2:-3}
shared=""
for d in "$here/../../shared/bench" /work/shared/bench; do [ -x "$d/run" ] && { shared=$d; break; }; done
if [ -n "$shared" ] && command -v nix-instantiate >/dev/null; then
  echo "== workloads: A = cnix, B = CppNix $(nix-instantiate --version | awk '{print $NF}')"
  "$shared/run" --impl "$cnix instantiate" --vs nix-instantiate --rounds "$rounds"
else
  echo "== skipping side-by-side workloads (need ../shared/bench and nix-instantiate: apt-get install nix-bin)"
fi
echo "== start-up"
"$here/startup.sh" "$cnix"
echo "== scaling (time and peak memory should grow linearly)"
"$here/scaling.sh" "$cnix"
echo "== realiser (builds and no-op realisations)"
"$here/realise.sh" "$cnix"
