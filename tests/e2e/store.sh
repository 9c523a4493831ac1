#!/usr/bin/env bash
# e2e: store maintenance (path-info, verify, gc, delete), nix-store --export/--import
# interchange with CppNix (when nix-store is installed), and binary caches (copy, sign,
# substitute).
#   CNIX=build/cnix tests/e2e/store.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
CNIX=${CNIX:-$root/build/cnix}
tmp=$(mktemp -d)
cleanup() { chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
export NIX_STORE_DIR=$tmp/store NIX_STATE_DIR=$tmp/var NIX_LOG_DIR=$tmp/log XDG_CONFIG_HOME=$tmp/config
unset CNIX_STORE_ROOT
# Builders here use the host's tools: the sandbox (on by default) must show them.
export NIX_CONFIG="sandbox-paths = /bin /lib /usr /lib64?"
cd "$tmp" || exit 1
pass=0; fail=0; skip=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $1"; shift; printf '  %s\n' "$@"; }
same() { if [ "$2" = "$3" ]; then ok; else bad "$1" "want: $2" "got:  $3"; fi; }
has() { if grep -q -- "$2" "$3"; then ok; else bad "$1" "no '$2' in:" "$(cat "$3")"; fi; }
c() { timeout 60 "$CNIX" "$@"; }

cat > pkgs.nix <<'NIX'
let
  mk = name: script: derivation { inherit name; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" script ]; };
in rec {
  lib = mk "lib" "echo lib > $out";
  app = mk "app" "read x < ${lib}; echo \"$x ${lib}\" > $out";
  other = mk "other" "echo other > $out";
}
NIX

# ---- path-info, verify ----
app=$(c build pkgs.nix -A app 2>/dev/null)
lib=$(cut -d' ' -f2 < "$app")
same "path-info -r" "$(printf '%s\n' "$lib" "$app" | sort)" "$(c store path-info -r result | sort)"
sz=$(c store path-info --size "$app" | cut -f2)
[ "$sz" -gt 0 ] 2>/dev/null && ok || bad "path-info --size" "$sz"
csz=$(c store path-info --closure-size "$app" | cut -f2)
lsz=$(c store path-info --size "$lib" | cut -f2)
same "closure size" $((sz + lsz)) "$csz"
c store verify --check-contents; same "verify clean store" 0 $?
chmod u+w "$lib"; echo tampered > "$lib"; chmod a-w "$lib"
c store verify --check-contents 2>err; rc=$?
same "verify finds a modified path" 1 $rc
has "verify message" "was modified" err
chmod u+w "$lib"; echo lib > "$lib"; chmod a-w "$lib"
c store verify --check-contents; same "verify after repair" 0 $?

# ---- gc and delete ----
other=$(c build pkgs.nix -A other --no-out-link 2>/dev/null)
c store delete "$lib" 2>err; rc=$?
same "delete refuses a live path" 1 $rc
has "still alive" "still alive" err
c store gc --dry-run > dead
if grep -q -- "$other" dead && ! grep -q -- "$app" dead && ! grep -q -- "$lib" dead; then ok; else bad "gc --dry-run lists the dead" "$(cat dead)"; fi
c store gc > gc.out 2>gc.err; rc=$?
same "gc" 0 $rc
has "gc summary" "store paths deleted" gc.out
if [ -e "$other" ]; then bad "gc deleted the dead path"; else ok; fi
if [ -e "$app" ] && [ -e "$lib" ]; then ok; else bad "gc kept the live closure"; fi
appdrv=$(sqlite3 "$NIX_STATE_DIR/db/cnix.sqlite" "select deriver from ValidPaths where path='$app'")
if [ -e "$appdrv" ]; then ok; else bad "gc keeps derivers of live paths" "$appdrv"; fi
c store verify --check-contents; same "verify after gc" 0 $?
rm result
c store gc >/dev/null 2>&1
if [ -e "$app" ]; then bad "gc after the result link is removed"; else ok; fi
same "store empty after gc" "" "$(ls "$NIX_STORE_DIR")"
# a killed build leaves an unregistered output: gc removes it
mkdir -p "$NIX_STORE_DIR/00000000000000000000000000000000-leftover"
c store gc >/dev/null 2>&1
if [ -e "$NIX_STORE_DIR/00000000000000000000000000000000-leftover" ]; then bad "gc removes invalid leftovers"; else ok; fi
o=$(c build pkgs.nix -A app 2>/dev/null); same "rebuild after gc" "$app" "$o"

# a running build's inputs are temporary roots: a concurrent gc keeps them
cat > slow.nix <<'NIX'
let
  mk = name: script: derivation { inherit name; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" script ]; };
  dep = mk "tdep" "echo tdep > $out";
in { inherit dep; top = mk "ttop" "/bin/sleep 1; /bin/cat ${dep} > $out"; }
NIX
tdep=$(c build slow.nix -A dep --no-out-link 2>/dev/null)
c build slow.nix -A top --no-out-link > top.out 2>/dev/null &
bp=$!
sleep 0.4
c store gc >/dev/null 2>&1
wait $bp; rc=$?
same "build survives a concurrent gc" "0 tdep" "$rc $(cat "$(cat top.out)" 2>/dev/null)"
if [ -e "$tdep" ]; then ok; else bad "gc kept the running build's input"; fi
same "temporary roots removed after the build" "" "$(ls "$NIX_STATE_DIR/temproots" 2>/dev/null)"

# ---- export / import round trip within cnix ----
c store export $(c store path-info -r "$app") > exp
NIX_STORE_DIR=$tmp/store NIX_STATE_DIR=$tmp/var2 c store import < exp > /dev/null 2>err; rc=$?
# same logical store dir, another database: the paths exist on disk but are not valid there
same "import into another database" 0 $rc
NIX_STATE_DIR=$tmp/var2 c store verify --check-contents; same "imported paths verify" 0 $?
same "imported references" "$lib" "$(NIX_STATE_DIR=$tmp/var2 c store path-info -r "$app" | grep -v -- "$app")"
head -c 300 exp > truncated
NIX_STORE_DIR=$tmp/store4 NIX_STATE_DIR=$tmp/var4 c store import < truncated >/dev/null 2>err; rc=$?
same "truncated import fails" 1 $rc
same "truncated import registers nothing" "" "$(NIX_STORE_DIR=$tmp/store4 NIX_STATE_DIR=$tmp/var4 c store path-info -r "$tmp/store4"/* 2>/dev/null)"

# ---- interchange with CppNix's nix-store (logical /nix/store in chroot stores) ----
if command -v nix-store >/dev/null && unshare --mount --pid --net --fork true 2>/dev/null; then
  export NIX_STORE_DIR=/nix/store CNIX_STORE_ROOT=$tmp/croot NIX_STATE_DIR=$tmp/croot/nix/var/nix
  sb=(--option sandbox true --option sandbox-paths "/bin /lib /usr /lib64?")
  capp=$(c build "${sb[@]}" pkgs.nix -A app --no-out-link 2>err); rc=$?
  same "cnix build in a chroot store (sandboxed)" 0 $rc
  chash=$(nix-hash --type sha256 --base32 "$CNIX_STORE_ROOT$capp")
  # cnix -> nix: the output closure
  c store export $(c store path-info -r "$capp") > c2n
  nix-store --store "$tmp/nroot" --import < c2n > /dev/null 2>err; rc=$?
  same "nix-store --import accepts cnix's export" 0 $rc
  same "nix sees the same NAR hash" "sha256:$chash" "$(nix-store --store "$tmp/nroot" -q --hash "$capp" 2>/dev/null)"
  same "nix sees the references" "$(c store path-info -r "$capp" | grep -v -- "$capp")" \
    "$(nix-store --store "$tmp/nroot" -q --references "$capp" 2>/dev/null)"
  # the same stream both ways
  nix-store --store "$tmp/nroot" --export $(nix-store --store "$tmp/nroot" -qR "$capp") > n2c 2>/dev/null
  if cmp -s c2n n2c; then ok; else bad "export streams of cnix and nix are identical"; fi
  # cnix's .drv closure built by nix gives the same output
  drv=$(c instantiate pkgs.nix -A app 2>/dev/null)
  c store export $(c store path-info -r "$drv") > drvs
  nix-store --store "$tmp/nroot2" --import < drvs > /dev/null 2>&1
  nout=$(timeout 120 nix-store --store "$tmp/nroot2" -r "$drv" --option sandbox-paths "/bin /lib /usr /lib64" \
         --option build-users-group "" 2>err); rc=$?
  same "nix builds cnix's derivation" "0 $capp" "$rc $nout"
  same "nix's build has cnix's NAR hash" "sha256:$chash" "$(nix-store --store "$tmp/nroot2" -q --hash "$capp" 2>/dev/null)"
  # nix -> cnix
  nix-store --store "$tmp/nroot2" --export $(nix-store --store "$tmp/nroot2" -qR "$capp") > fromnix 2>/dev/null
  CNIX_STORE_ROOT=$tmp/croot2 NIX_STATE_DIR=$tmp/croot2/nix/var/nix c store import < fromnix > /dev/null 2>err; rc=$?
  same "cnix imports nix's export" 0 $rc
  CNIX_STORE_ROOT=$tmp/croot2 NIX_STATE_DIR=$tmp/croot2/nix/var/nix c store verify --check-contents; same "imported from nix verifies" 0 $?
  same "imported content" "$(cat "$CNIX_STORE_ROOT$capp")" "$(cat "$tmp/croot2$capp")"
  export NIX_STORE_DIR=$tmp/store NIX_STATE_DIR=$tmp/var
  unset CNIX_STORE_ROOT
else
  echo "skip: nix-store or namespaces not available: no interchange tests"
  skip=$((skip + 1))
fi

echo "store: $pass passed, $fail failed, $skip skipped"
[ $fail = 0 ]
