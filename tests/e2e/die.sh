#!/usr/bin/env bash
# e2e: a build that dies takes its builders with it. `cnix build` is killed by SIGKILL, SIGINT
# or SIGTERM at random moments of builds (sandboxed and not) whose builders leave a
# daemonised grandchild behind, and of substitutions from a file:// cache. After each kill no
# process of the dead build may remain, nor its build directory; the next build of the same
# output must hold exactly what its own builder wrote, and a substituted path exactly the
# cache's contents.
#   CNIX=build/cnix tests/e2e/die.sh [ROUNDS]
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
CNIX=${CNIX:-$root/build/cnix}
rounds=${1:-3}
tmp=$(mktemp -d)
token=$RANDOM$RANDOM$RANDOM # in every builder's command line: how this test finds its processes
cleanup() {
  pkill -9 -f "$token" 2>/dev/null
  chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"
}
trap cleanup EXIT
export NIX_STORE_DIR=$tmp/store NIX_STATE_DIR=$tmp/var NIX_LOG_DIR=$tmp/log XDG_CONFIG_HOME=$tmp/config
export TMPDIR=$tmp/builds # build directories: here, so that leftovers can be counted
unset CNIX_STORE_ROOT
export NIX_CONFIG="sandbox-paths = /bin /lib /usr /lib64?"
mkdir -p "$TMPDIR"
cd "$tmp" || exit 1
pass=0; fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $1"; shift; printf '  %s\n' "$@"; }
same() { if [ "$2" = "$3" ]; then ok; else bad "$1" "want: $2" "got:  $3"; fi; }
set -m # background jobs get their own process group and keep SIGINT (not ignored)

# waits up to 3 s for CMD to print nothing; prints what it printed last
settles() { local o; for _ in $(seq 60); do o=$("$@"); [ -z "$o" ] && return; sleep 0.05; done; echo "$o"; }
procs() { pgrep -af "$token" | grep -v pgrep; }
builddirs() { ls -A "$TMPDIR"; }
sigs=(KILL INT TERM)

# kill_build SIG DELAY ARGS...: runs cnix ARGS in the background, sends SIG after DELAY
kill_build() {
  local sig=$1 delay=$2; shift 2
  "$CNIX" "$@" >/dev/null 2>&1 &
  local pid=$!
  sleep "$delay"
  kill -"$sig" "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
}

# The builder prints an id of its own (the log is the witness), starts a daemonised
# grandchild that would write into $out later, and writes its own file.
cat > k.nix <<NIX
{ r, mode }: derivation {
  name = "k-\${mode}-\${r}"; system = builtins.currentSystem; builder = "/bin/sh";
  args = [ "-c" ''
    /bin/mkdir -p \$out
    id=\$(/bin/cat /proc/sys/kernel/random/uuid)
    echo "builder \$id"
    /usr/bin/setsid /bin/sh -c "/bin/sleep 1.$token; echo late > \$out/late-\$id" < /dev/null > /dev/null 2>&1 &
    /bin/sleep 0.6
    echo x > \$out/from-\$id
  '' ];
}
NIX

outs=()
for mode in true false; do
  for r in $(seq "$rounds"); do
    sig=${sigs[RANDOM % 3]}
    delay=0.$((RANDOM % 9))$((RANDOM % 10))
    what="sandbox=$mode round $r: SIG$sig after ${delay}s"
    kill_build "$sig" "$delay" build k.nix --argstr r "$r" --argstr mode "$mode" --option sandbox "$mode" --no-out-link
    same "no process left ($what)" "" "$(settles procs)"
    o=$(timeout 60 "$CNIX" build k.nix --argstr r "$r" --argstr mode "$mode" --option sandbox "$mode" --no-out-link 2>err)
    same "build after the kill ($what)" 0 $?
    # the supervisor removes it; if cnix died after the supervisor, the next build does
    same "no build directory left ($what)" "" "$(builddirs)"
    drv=$(timeout 60 "$CNIX" instantiate k.nix --argstr r "$r" --argstr mode "$mode" 2>/dev/null)
    id=$("$CNIX" log "$drv" 2>/dev/null | sed -n 's/^builder //p')
    outs+=("$o $id $what")
    same "no process left after the build ($what)" "" "$(settles procs)"
  done
done
sleep 1.5 # longer than any grandchild's sleep: a survivor would have written by now
for entry in "${outs[@]}"; do
  read -r o id what <<< "$entry"
  same "output holds exactly its own builder's file ($what)" "from-$id" "$(ls "$o" 2>&1)"
done
"$CNIX" store verify --check-contents 2>verr; same "verify after the killed builds" 0 $?

# ---- a supervisor killed from outside (not the realiser): the build fails at once, even
# though an escaped grandchild keeps the output pipe open ----
cat > esc.nix <<NIX
derivation { name = "esc"; system = builtins.currentSystem; builder = "/bin/sh";
  args = [ "-c" "/usr/bin/setsid /bin/sleep 20.$token & /bin/sleep 10.$token; echo > \$out" ]; }
NIX
start=$(date +%s)
"$CNIX" build esc.nix --option sandbox false --no-out-link >/dev/null 2>err &
cpid=$!
for _ in $(seq 100); do sup=$(pgrep -P $cpid | head -1); [ -n "$sup" ] && pgrep -f "sleep 10.$token" >/dev/null && break; sleep 0.05; done
kill -9 "$sup"
wait $cpid; rc=$?
same "killed supervisor: the build fails" 100 $rc
[ $(( $(date +%s) - start )) -lt 8 ] && ok || bad "killed supervisor: the build ends without waiting for the escaped process"
pkill -9 -f "sleep 20.$token"

# ---- substitutions from a file:// cache, killed midway ----
cat > big.nix <<'NIX'
let mk = name: deps: derivation {
  inherit name deps; system = builtins.currentSystem; builder = "/bin/sh";
  args = [ "-c" "/bin/mkdir $out; /usr/bin/head -c 20000000 /dev/urandom > $out/big; echo $deps > $out/deps" ];
};
  a = mk "big-a" [ ]; b = mk "big-b" [ a ];
in mk "big-c" [ a b ]
NIX
big=$(timeout 120 "$CNIX" build big.nix --no-out-link 2>err) || { bad "building the cache's closure" "$(cat err)"; }
"$CNIX" store copy --to "file://$tmp/cache" --compression none "$big" 2>/dev/null
want=$("$CNIX" hash path "$big")
# the same logical store under another physical root: a store without these paths
export NIX_STATE_DIR=$tmp/var-s CNIX_STORE_ROOT=$tmp/sroot
subst=(--option substituters "file://$tmp/cache" --option require-sigs false)
for r in $(seq $((2 * rounds))); do
  sig=${sigs[RANDOM % 3]}
  delay=0.$((RANDOM % 6))$((RANDOM % 10))
  kill_build "$sig" "$delay" build big.nix "${subst[@]}" --no-out-link
  "$CNIX" store verify --check-contents 2>verr || bad "verify after a killed substitution (round $r, SIG$sig after ${delay}s)" "$(cat verr)"
  o=$(timeout 120 "$CNIX" build big.nix "${subst[@]}" --no-out-link 2>err)
  same "substitution after the kill (round $r)" 0 $?
  same "substituted path is the cache's (round $r)" "$want" "$("$CNIX" hash path "$tmp/sroot$o" 2>&1)"
  # start the next round from an empty store again
  chmod -R u+w "$tmp/sroot" 2>/dev/null; rm -rf "$tmp/sroot" "$tmp/var-s"
done
unset CNIX_STORE_ROOT; export NIX_STATE_DIR=$tmp/var

echo "die: $pass passed, $fail failed"
[ $fail = 0 ]
