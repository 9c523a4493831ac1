#!/usr/bin/env bash
# e2e: kill -9 builds and substitutions at random moments, many times; the store must stay
# consistent (cnix store verify --check-contents) and a final run must succeed.
#   CNIX=build/cnix tests/e2e/crash.sh [ROUNDS]
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
CNIX=${CNIX:-$root/build/cnix}
rounds=${1:-12}
tmp=$(mktemp -d)
cleanup() {
  # builders record their process ids: kill what is left of them (their groups), nothing else
  for p in $(cat "$tmp"/pids 2>/dev/null); do kill -9 -- "-$p" 2>/dev/null; done
  chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"
}
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

cat > crash.nix <<NIX
let
  mk = name: deps: derivation {
    inherit name; system = builtins.currentSystem; builder = "/bin/sh";
    args = [ "-c" ''
      echo \$\$ >> $tmp/pids
      /bin/mkdir \$out
      for i in 1 2 3 4 5 6; do echo "\$i \${name}" > \$out/f\$i; /bin/sleep 0.02; done
      for d in \$deps; do /bin/cat \$d/f6 >> \$out/deps; done
      echo \${name} > \$out/done
    '' ];
    deps = map toString deps;
  };
  a = mk "a" [ ]; b = mk "b" [ a ]; c = mk "c" [ a ]; d = mk "d" [ b c ];
  e = mk "e" [ d ]; f = mk "f" [ d ]; g = mk "g" [ e f ];
in g
NIX

killrun() { # CMD...: run, kill -9 after a random delay, kill its builders
  "$@" >/dev/null 2>&1 &
  local pid=$!
  sleep "0.$(printf '%02d' $((RANDOM % 40)))"
  kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  for p in $(cat pids 2>/dev/null); do kill -9 -- "-$p" 2>/dev/null; done
  : > pids
}

for r in $(seq "$rounds"); do
  killrun "$CNIX" build crash.nix -j 2 --no-out-link
  "$CNIX" store verify --check-contents 2>verr || bad "verify after kill (round $r)" "$(cat verr)"
  # a registered output is complete
  for o in $(sqlite3 "$NIX_STATE_DIR/db/cnix.sqlite" "select path from ValidPaths where path not like '%.drv'" 2>/dev/null); do
    [ -e "$o/done" ] || bad "registered output incomplete (round $r)" "$o"
  done
done
ok
o=$(timeout 60 "$CNIX" build crash.nix -j 2 2>err); rc=$?
same "build after $rounds kills" 0 $rc; [ $rc = 0 ] || tail -20 err
same "final output complete" g "$(cat "$o/done" 2>/dev/null)"
same "final closure" "6 b
6 c" "$(sort "$(ls -d "$NIX_STORE_DIR"/*-d)/deps" 2>/dev/null)"
"$CNIX" store verify --check-contents; same "verify at the end" 0 $?

# substitutions killed midway
"$CNIX" store copy --to "file://$tmp/cache" --compression none "$o" 2>/dev/null
for r in $(seq "$rounds"); do
  # the same logical store under another physical root (substituting runs no programs)
  export NIX_STATE_DIR=$tmp/var-s CNIX_STORE_ROOT=$tmp/sroot
  killrun "$CNIX" store copy --from "file://$tmp/cache" --option require-sigs false "$o"
  "$CNIX" store verify --check-contents 2>verr || bad "verify after killed substitution (round $r)" "$(cat verr)"
done
ok
"$CNIX" store copy --from "file://$tmp/cache" --option require-sigs false "$o" 2>err
same "substitution after kills" 0 $?
same "substituted content" g "$(cat "$tmp/sroot$o/done" 2>/dev/null)"
"$CNIX" store verify --check-contents; same "verify substituted store" 0 $?
unset CNIX_STORE_ROOT; export NIX_STATE_DIR=$tmp/var

echo "crash: $pass passed, $fail failed"
[ $fail = 0 ]
