#!/usr/bin/env bash
# Flakes with the real-world nixpkgs as a path: input: wall time and peak memory of the first
# `eval .#hello` (copies and hashes the tree, writes flake.lock), the second (the source cache
# answers; cnix) and, beside them, CppNix 2.8's (nix eval, its own fetcher cache).
#   bench/flake.sh BUILD/cnix NIXPKGS-DIR
set -u
cnix=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") nixpkgs=$2
[ -f "$nixpkgs/flake.nix" ] || { echo "== skipping flakes: no nixpkgs tree at $nixpkgs"; exit 0; }
t=$(mktemp -d); trap 'chmod -R u+w "$t" 2>/dev/null; rm -rf "$t"' EXIT
mkdir -p "$t/top" "$t/home"
cat > "$t/top/flake.nix" <<EOF2
{ inputs.nixpkgs.url = "path:$nixpkgs";
  outputs = { self, nixpkgs }: { hello = nixpkgs.legacyPackages.x86_64-linux.hello.drvPath; }; }
EOF2
run() { # LABEL CMD...: one line "LABEL: S s, KB KB, OUTPUT"
  local label=$1; shift
  local o; o=$( (cd "$t/top" && /usr/bin/time -f "%e %M" "$@" 2>"$t/err" >"$t/out"); tail -1 "$t/err")
  echo "$label: ${o% *} s, ${o#* } KB, $(cat "$t/out")"
}
echo "== flakes: nixpkgs as a path: input, eval .#hello"
(unset CNIX_STORE_ROOT; export NIX_STORE_DIR=$t/store NIX_STATE_DIR=$t/state HOME=$t/home XDG_CACHE_HOME=$t/cache
 run "cnix first " "$cnix" eval .#hello
 run "cnix second" "$cnix" eval .#hello
 run "cnix second, no source cache" "$cnix" eval .#hello --option flake-source-cache false)
if command -v nix >/dev/null; then
  rm -f "$t/top/flake.lock"
  (export NIX_STORE_DIR=$t/store NIX_STATE_DIR=$t/ostate HOME=$t/home XDG_CACHE_HOME=$t/ocache
   N="nix --extra-experimental-features nix-command --extra-experimental-features flakes --store $t/oroot"
   run "CppNix 2.8 first " $N eval .#hello
   run "CppNix 2.8 second" $N eval .#hello)
else
  echo "(CppNix: apt-get install nix-bin)"
fi
