#!/usr/bin/env bash
# builtins.fetchClosure from file:// binary caches written by `cnix store copy --to`: CppNix's
# three forms (a content-addressed fromPath, a rewrite to toPath, inputAddressed = true), its
# errors, and the experimental feature fetch-closure.
#   CNIX=build/cnix tests/e2e/fetch-closure.sh
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
pass=0; fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $1"; shift; printf '  %s\n' "$@"; }
same() { if [ "$2" = "$3" ]; then ok; else bad "$1" "want: $2" "got:  $3"; fi; }
has() { if grep -q -- "$2" "$3"; then ok; else bad "$1" "no '$2' in:" "$(cat "$3")"; fi; }
c() { timeout 60 "$CNIX" "$@"; }
fc() { c instantiate --extra-experimental-features fetch-closure --eval --raw -E "$1" 2>err; }
# fails NAME MESSAGE EXPR: evaluating EXPR fails with MESSAGE
fails() { local o; o=$(fc "$3"); local rc=$?
  if [ $rc = 1 ] && grep -qF -- "$2" err; then ok; else bad "$1" "rc $rc, want 1 and '$2'; stdout '$o'; stderr:" "$(cat err)"; fi; }

cat > pkgs.nix <<'NIX'
let
  mk = name: script: derivation { inherit name; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" script ]; };
in rec {
  lib = mk "lib" "/bin/mkdir $out; echo lib > $out/data; echo $out > $out/self";
  app = mk "app" "read x < ${lib}/data; echo \"$x ${lib}\" > $out";
}
NIX
mkdir src && echo source > src/file
c store generate-key test-key-1 sk pk
app=$(c build pkgs.nix -A app 2>/dev/null); lib=$(cut -d' ' -f2 < "$app")
src=$(c instantiate --read-write-mode --eval --raw -E "builtins.path { path = $tmp/src; name = \"src\"; }")
caref=$(c instantiate --read-write-mode --eval --raw -E "builtins.toFile \"caref\" \"points at \${builtins.path { path = $tmp/src; name = \"src\"; }}\"")
[ -e "$app" ] && [ -e "$caref" ] && [ -e "$src" ] && ok || bad "set-up" "app '$app' caref '$caref' src '$src'"
c store copy --to "file://$tmp/cache" "$app" "$caref" 2>/dev/null; same "copy to the unsigned cache" 0 $?
c store copy --to "file://$tmp/signed" --key-file sk "$app" 2>/dev/null; same "copy to the signed cache" 0 $?
rm -f result; c store gc >/dev/null 2>&1
[ -e "$app" ] || [ -e "$caref" ] || [ -e "$lib" ] && bad "gc emptied the store" "$(ls store)" || ok
C="file://$tmp/cache"

# the feature
o=$(c instantiate --eval -E 'builtins ? fetchClosure' 2>&1); same "absent without fetch-closure" false "$o"

# a content-addressed path with a content-addressed reference: no signature needed
o=$(fc "builtins.fetchClosure { fromStore = \"$C\"; fromPath = $caref; }"); same "CA path" "$caref" "$o"
[ -e "$caref" ] && [ -e "$src" ] && ok || bad "CA path and its reference are in the store" "$(ls store)"
c instantiate --extra-experimental-features fetch-closure --eval --strict --json -E "builtins.attrNames (builtins.getContext (builtins.fetchClosure { fromStore = \"$C\"; fromPath = $caref; }))" > ctx 2>err
same "result has the path as context" "[\"$caref\"]" "$(cat ctx)"
fails "CA path with inputAddressed" "The store object referred to by 'fromPath' at '$caref' is not input-addressed, but 'inputAddressed' is set to 'true'." \
  "builtins.fetchClosure { fromStore = \"$C\"; fromPath = $caref; inputAddressed = true; }"

# an input-addressed path: refused without inputAddressed; needs a trusted signature
fails "IA path unsigned" "because it lacks a signature by a trusted key" \
  "builtins.fetchClosure { fromStore = \"$C\"; fromPath = $app; inputAddressed = true; }"
mkdir -p config/cnix && echo "trusted-public-keys = $(cat pk)" > config/cnix/cnix.conf
o=$(fc "builtins.fetchClosure { fromStore = \"file://$tmp/signed\"; fromPath = $app; inputAddressed = true; }"); same "IA path, signed, inputAddressed" "$app" "$o"
[ -e "$app" ] && [ -e "$lib" ] && ok || bad "IA closure is in the store" "$(ls store)"
fails "IA path without inputAddressed" "The 'fromPath' value '$app' is input-addressed, but 'inputAddressed' is set to 'false' (default)." \
  "builtins.fetchClosure { fromStore = \"file://$tmp/signed\"; fromPath = $app; }"
rm -rf config/cnix; c store gc >/dev/null 2>&1

# rewriting to content-addressed form: toPath = "" reports the path
fails "toPath empty reports the rewritten path" "Use this value for the 'toPath' attribute passed to 'fetchClosure'" \
  "builtins.fetchClosure { fromStore = \"$C\"; fromPath = $app; toPath = \"\"; }"
ca_app=$(sed -n "s|.*rewriting '$app' to content-addressed form yielded '\([^']*\)'.*|\1|p" err)
case "$ca_app" in "$NIX_STORE_DIR"/*-app) ok ;; *) bad "rewritten path named" "$(cat err)" ;; esac
has "rewriting message for the reference" "rewriting '$lib' to '" err
# CppNix (nix-bin, when installed) rewrites the same closure to the same paths
if command -v nix >/dev/null; then
  mkdir -p nixstate nixreal
  timeout 120 nix --extra-experimental-features nix-command store make-content-addressed --from "$C" \
    --store "local?store=$NIX_STORE_DIR&state=$tmp/nixstate&log=$tmp/nixlog&real=$tmp/nixreal" "$app" > oracle 2>&1
  has "CppNix rewrites to the same path" "rewrote '$app' to '$ca_app'" oracle
else
  echo "skip: nix is not installed (CppNix's make-content-addressed as an oracle)"
fi
o=$(fc "builtins.fetchClosure { fromStore = \"$C\"; fromPath = $app; toPath = $ca_app; }"); same "toPath" "$ca_app" "$o"
ca_lib=$(cut -d' ' -f2 < "$ca_app" 2>/dev/null)
same "the reference inside is rewritten" "lib" "$(cut -d' ' -f1 < "$ca_app" 2>/dev/null)"
case "$ca_lib" in "$NIX_STORE_DIR"/*-lib) [ "$ca_lib" != "$lib" ] && [ -d "$ca_lib" ] && ok || bad "rewritten lib" "$ca_lib" ;; *) bad "rewritten lib path" "'$ca_lib'" ;; esac
same "self-reference rewritten" "$ca_lib" "$(cat "$ca_lib/self" 2>/dev/null)"
[ -e "$app" ] || [ -e "$lib" ] && bad "the originals were not added" "$(ls store)" || ok
if command -v sqlite3 >/dev/null; then
  sqlite3 "$NIX_STATE_DIR/db/cnix.sqlite" "select ca from ValidPaths where path = '$ca_app'" > info 2>&1
  has "rewritten path is registered content-addressed" '^fixed:r:sha256:' info
fi
c store verify --check-contents "$ca_app" "$ca_lib" > verify 2>&1; same "rewritten paths verify" 0 $?
o=$(fc "builtins.fetchClosure { fromStore = \"$C\"; fromPath = $app; toPath = $ca_app; }"); same "toPath already valid" "$ca_app" "$o"
fails "toPath mismatch" "rewriting '$app' to content-addressed form yielded '$ca_app', while '$caref' was expected" \
  "builtins.fetchClosure { fromStore = \"$C\"; fromPath = $app; toPath = $caref; }"

# argument errors
fails "fromPath missing" "attribute 'fromPath' is missing in call to 'fetchClosure'" "builtins.fetchClosure { fromStore = \"$C\"; }"
fails "fromStore missing" "attribute 'fromStore' is missing in call to 'fetchClosure'" "builtins.fetchClosure { fromPath = $caref; }"
fails "unsupported attribute" "attribute 'foo' isn't supported in call to 'fetchClosure'" "builtins.fetchClosure { fromStore = \"$C\"; fromPath = $caref; foo = 1; }"
fails "inputAddressed and toPath" "attribute 'inputAddressed' is set to true, but 'toPath' is also set. Please remove one of them" \
  "builtins.fetchClosure { fromStore = \"$C\"; fromPath = $caref; toPath = \"\"; inputAddressed = true; }"
fails "not a store path" "path '/etc/passwd' is not in the Nix store" "builtins.fetchClosure { fromStore = \"$C\"; fromPath = /etc/passwd; }"
fails "query parameters" "'fetchClosure' does not support URL query parameters (in '$C?a=1')" "builtins.fetchClosure { fromStore = \"$C?a=1\"; fromPath = $caref; }"
fails "local store" "'fetchClosure' only supports http:// and https:// stores" "builtins.fetchClosure { fromStore = \"local\"; fromPath = $caref; }"
fails "https store" "cnix fetches only local sources" "builtins.fetchClosure { fromStore = \"https://cache.example.org\"; fromPath = $caref; }"
fails "a builtin frame with the call's position" "while calling the 'fetchClosure' builtin" "builtins.fetchClosure { fromStore = \"$C\"; }"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
