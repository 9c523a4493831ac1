#!/usr/bin/env bash
# Realiser benchmarks: building N trivial derivations from scratch (one top derivation
# depending on all of them), and realising the already-built closure of M of them again.
#   bench/realise.sh BUILD/cnix [N=200] [M=1000]   (REALISE_CONFIG="sandbox = false": unsandboxed)
set -u
cnix=$1
n=${2:-200}
m=${3:-1000}
tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
export NIX_STORE_DIR=$tmp/store NIX_STATE_DIR=$tmp/var NIX_LOG_DIR=$tmp/log
unset CNIX_STORE_ROOT
# The builders are the host's /bin/sh: the sandbox (on by default) must show it.
export NIX_CONFIG="sandbox-paths = /bin /lib /usr /lib64?${REALISE_CONFIG:+
$REALISE_CONFIG}"
cat > "$tmp/many.nix" <<'NIX'
{ n }:
let
  mk = i: derivation { name = "t${toString i}"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo ${toString i} > $out" ]; };
  all = builtins.genList mk n;
in derivation { name = "top"; system = builtins.currentSystem; builder = "/bin/sh";
  args = [ "-c" "echo ${toString (builtins.length all)} ${builtins.concatStringsSep " " all} > $out" ]; }
NIX
t() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1 || echo "  (failed: $*)"; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
for j in 1 2; do
  rm -rf "$tmp/store" "$tmp/var"
  ms=$(t "$cnix" build "$tmp/many.nix" --arg n "$n" --no-out-link -j $j -Q)
  echo "build $((n + 1)) trivial derivations from scratch, -j $j: ${ms} ms"
done
rm -rf "$tmp/store" "$tmp/var"
"$cnix" build "$tmp/many.nix" --arg n "$m" --no-out-link -j 2 -Q >/dev/null 2>&1
ms=$(t "$cnix" build "$tmp/many.nix" --arg n "$m" --no-out-link)
echo "realise an already-built closure of $((m + 1)) derivations (instantiate + check): ${ms} ms"
drv=$("$cnix" instantiate "$tmp/many.nix" --arg n "$m" 2>/dev/null)
ms=$(t "$cnix" store realise "$drv")
echo "store realise of that .drv alone: ${ms} ms"
