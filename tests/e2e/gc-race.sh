#!/usr/bin/env bash
# e2e: the garbage collector racing with processes that add and use store paths. A loop of
# `cnix store gc` runs while instantiations add toFile texts and .drv files (reading each
# text back and rooting the results with --add-root) and builds make result links: every
# result must exist, be valid and keep its references. Then the protocol pieces one at a
# time: temporary roots of live and dead processes, adders waiting for the GC lock, and the
# leftovers of killed additions (removed only when nobody holds their lock).
#   CNIX=build/cnix bash tests/e2e/gc-race.sh
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.bash"
cd "$TMP"
# The store's logical directory is its real one, so that evaluations can read the paths
# they add (readFile); builders use the host's tools, which the sandbox (on by default) shows.
export CNIX_STORE_ROOT= NIX_STORE_DIR=$TMP/store NIX_STATE_DIR=$TMP/var
export NIX_CONFIG="sandbox-paths = /bin /lib /usr /lib64?"
SD=$NIX_STORE_DIR
SV=$NIX_STATE_DIR
err=""
# hold FILE: an exclusive flock on FILE until `release FILE` (no child outlives it).
hold() { rm -f "$1.release"; ( exec 9>>"$1"; flock -x 9; touch "$1.held"; while [ ! -e "$1.release" ]; do sleep 0.05; done ) & 
  while [ ! -e "$1.held" ]; do sleep 0.05; done; rm -f "$1.held"; }
release() { touch "$1.release"; wait; rm -f "$1.release"; }
check() { if [ -z "$2" ]; then _verdict "$1" ""; else _verdict "$1" "$2"; fi; }
c() { timeout -k 5 "$TIMEOUT" "$CNIX" "$@"; }

# ---- instantiations against a gc loop ----
cat > work.nix <<'NIX'
{ salt, n ? 40 }:
let
  files = builtins.genList (i: builtins.toFile "t${toString i}" "${salt} text ${toString i}") n;
  # every text read back after all were added: one deleted meanwhile fails the evaluation
  ok = builtins.deepSeq files builtins.all (i: builtins.readFile (builtins.elemAt files i) == "${salt} text ${toString i}")
    (builtins.genList (i: i) n);
  mk = i: derivation {
    name = "d${toString i}"; system = "x86_64-linux"; builder = "/bin/sh";
    t = builtins.elemAt files i; dep = if i == 0 then "" else mk (i - 1); inherit salt;
  };
in assert ok; mk (n - 1)
NIX
mkdir -p roots
c instantiate --add-root roots/warm work.nix --argstr salt warm >/dev/null 2>&1 # creates the store
: > stop
rm stop
gcloop() { local k=0; while [ ! -e stop ]; do c store gc >/dev/null 2>>gc.err || echo "gc failed" >>gc.err; k=$((k + 1)); done; echo $k > gc.count; }
gcloop &
gcpid=$!
worker() { # W: 5 instantiations with fresh salts
  for i in 1 2 3 4 5; do
    if ! c instantiate --add-root "roots/r$1-$i" work.nix --argstr salt "s$1-$i-$RANDOM" >"out$1-$i" 2>"err$1-$i"; then
      echo "r$1-$i: $(head -3 "err$1-$i")" >> failures
    fi
  done
}
: > failures
worker 1 & w1=$!
worker 2 & w2=$!
wait $w1 $w2
touch stop; wait $gcpid
echo "  ($(cat gc.count) collections ran during the instantiations)"
check "instantiations succeed during gc" "$(head -5 failures)"
check "gc loop ran without errors" "$(grep -E 'error|failed' gc.err | head -3)"
problems=""
for r in roots/r*; do
  drv=$(readlink "$r")
  [ -e "$drv" ] || { problems="$problems missing $drv;"; continue; }
  # the whole chain of 40 derivations and their texts is still registered as references
  n=$(c store path-info -r "$drv" 2>/dev/null | wc -l)
  [ "$n" = 80 ] || problems="$problems $drv closure has $n paths, expected 80;"
done
check "every rooted .drv present with its full closure" "$problems"
c store gc >/dev/null 2>&1
out=$(c store verify --check-contents 2>&1); check "store verify after the race" "$([ $? = 0 ] || echo "$out")"
left=$(ls -A "$SD" | grep -E '^\.cnix-|\.lock$')
check "no temporaries or lock files left" "$left"
check "temporary roots files of exited processes are gone" "$(ls "$SV/temproots")"

# ---- builds with result links against a gc loop ----
cat > b.nix <<'NIX'
{ salt }:
let src = builtins.toFile "in" "input ${salt}"; in
derivation { name = "b"; system = builtins.currentSystem; builder = "/bin/sh";
  args = [ "-c" "read x < ${src}; echo \"$x\" > $out" ]; }
NIX
gcloop &
gcpid=$!
bfail=""
for i in 1 2 3 4; do
  o=$(c build b.nix --argstr salt "b$i-$RANDOM" -o "res$i" 2>berr) || bfail="$bfail build $i: $(head -2 berr);"
done
touch stop; wait $gcpid; rm -f stop
check "builds succeed during gc" "$bfail"
bad=""
for i in 1 2 3 4; do grep -q "^input b$i-" "res$i" 2>/dev/null || bad="$bad res$i;"; done
check "every result link points at its output" "$bad"

# ---- profile switches against a gc loop ----
cat > prof.nix <<'NIX'
{ ver }:
let text = builtins.toFile "msg" "hello ${ver}"; in
[ (derivation { name = "hello-${ver}"; pname = "hello"; version = ver;
    system = builtins.currentSystem; builder = "/bin/sh";
    args = [ "-c" "read m < ${text}; /bin/mkdir -p $out/bin; printf '#!/bin/sh\\necho %s\\n' \"$m\" > $out/bin/hello; /bin/chmod +x $out/bin/hello" ]; }) ]
NIX
export XDG_STATE_HOME=$TMP/xdg XDG_CONFIG_HOME=$TMP/config
P=$XDG_STATE_HOME/cnix/profiles/profile
gcloop &
gcpid=$!
pfail=""
for v in 1 2 3 4; do
  c profile switch prof.nix --argstr ver "$v.$RANDOM" >/dev/null 2>perr || { pfail="$pfail switch $v: $(head -2 perr);"; continue; }
  case "$("$P/bin/hello" 2>&1)" in "hello $v".*) ;; *) pfail="$pfail generation $v runs '$("$P/bin/hello" 2>&1)';" ;; esac
done
touch stop; wait $gcpid; rm -f stop
check "profile switches succeed during gc" "$pfail"
c store gc >/dev/null 2>&1
gens=$(ls "$XDG_STATE_HOME/cnix/profiles" | grep -c -- '-link$')
missing=""
for l in "$XDG_STATE_HOME"/cnix/profiles/profile-*-link; do
  env=$(readlink "$l"); [ -e "$env" ] || missing="$missing $l -> $env;"
done
check "every profile generation ($gens) survives later collections" "$missing"

# ---- temporary roots of a live process keep paths; a dead process's are ignored ----
a=$(c instantiate --eval --read-write-mode -E 'builtins.toFile "live" "kept by a live temp root"' | tr -d '"')
b=$(c instantiate --eval --read-write-mode -E 'builtins.toFile "dead" "listed by a dead process"' | tr -d '"')
check "paths for the temporary roots checks" "$(case "$a $b" in "$SD"/*-live\ "$SD"/*-dead) ;; *) echo "got '$a' '$b'";; esac)"
mkdir -p "$SV/temproots"
printf '%s\0' "$a" > "$SV/temproots/999991" # CppNix's format: NUL-terminated
echo "$b" > "$SV/temproots/999992"
hold "$SV/temproots/999991"
c store gc >/dev/null 2>&1
[ -e "$a" ] && p="" || p="deleted"
check "live temporary root keeps its path" "$p"
[ -e "$b" ] && p="kept" || p=""
check "temporary roots of a dead process are ignored" "$p"
[ -e "$SV/temproots/999992" ] && p="still there" || p=""
check "stale temporary roots file removed" "$p"
[ -e "$SV/temproots/999991" ] && p="" || p="removed"
check "live temporary roots file kept" "$p"
release "$SV/temproots/999991"
c store gc >/dev/null 2>&1
[ -e "$a" ] && p="kept" || p=""
check "path collected once its process is gone" "$p"

# ---- an adder waits while the collector holds gc.lock ----
( exec 9>>"$SV/gc.lock"; flock -x 9; touch gcheld; sleep 2 ) & holder=$!
while [ ! -e gcheld ]; do sleep 0.05; done
t0=$(date +%s%N)
p=$(c instantiate --eval --read-write-mode -E 'builtins.toFile "waits" "for the gc lock"' 2>&1 | tr -d '"')
t1=$(date +%s%N)
wait $holder
ms=$(( (t1 - t0) / 1000000 ))
[ "$ms" -ge 1200 ] && q="" || q="took ${ms} ms, expected to wait for the lock (~1700 ms)"
check "adding a path waits for the gc lock" "$q"
[ -e "$p" ] && q="" || q="'$p' missing"
check "the waiting adder then adds its path" "$q"

# ---- leftovers of killed additions ----
h=$(basename "$(c instantiate --eval -E 'builtins.toFile "x" "y"' | tr -d '"')")
check "a store path name for the leftovers checks" "$(case "$h" in ????????????????????????????????-x) ;; *) echo "got '$h'";; esac)"
mkdir -p "$SD/.cnix-tmp-999993-0-$h/sub" && echo junk > "$SD/.cnix-tmp-999993-0-$h/sub/f"
chmod -R a-w "$SD/.cnix-tmp-999993-0-$h"
h2=$(echo "$h" | sed 's/-x$/-busy/') # another name, whose lock a live "adder" holds
mkdir -p "$SD/.cnix-tmp-999994-0-$h2"
hold "$SD/$h2.lock"
h3=$(echo "$h" | sed 's/-x$/-unreg/')
mkdir -p "$SD/$h3"; echo half > "$SD/$h3/f" # renamed into place, never registered
touch "$SD/$(echo "$h" | sed 's/-x$/-stale/').lock" # a lock file of a killed process
c store gc >/dev/null 2>&1
[ -e "$SD/.cnix-tmp-999993-0-$h" ] && q="still there" || q=""
check "stale temporary of a dead adder removed" "$q"
[ -e "$SD/.cnix-tmp-999994-0-$h2" ] && q="" || q="removed"
check "temporary of a live adder (lock held) kept" "$q"
[ -e "$SD/$h3" ] && q="still there" || q=""
check "unregistered path removed" "$q"
[ -e "$SD/$(echo "$h" | sed 's/-x$/-stale/').lock" ] && q="still there" || q=""
check "stale lock file removed" "$q"
[ -e "$SD/$h2.lock" ] && q="" || q="removed"
check "held lock file kept" "$q"
release "$SD/$h2.lock"
c store gc >/dev/null 2>&1
[ -e "$SD/.cnix-tmp-999994-0-$h2" ] && q="still there" || q=""
check "temporary removed once its lock is free" "$q"

# ---- kill -9 during additions, then gc, then verify ----
mkdir -p big/sub
head -c 2000000 /dev/urandom > big/blob
for i in $(seq 1 100); do echo "$i" > "big/sub/f$i"; done
cat > kill.nix <<NIX
{ salt }:
let src = builtins.path { path = $TMP/big; name = "big"; };
    mk = i: derivation { name = "k\${toString i}"; system = "x"; builder = "/bin/sh"; inherit src salt;
      t = builtins.toFile "kt\${toString i}" "\${salt} \${toString i}"; };
in builtins.genList mk 30
NIX
killed=0
for i in $(seq 1 8); do
  ( exec "$CNIX" instantiate kill.nix --argstr salt "k$i" >/dev/null 2>&1 ) &
  pid=$! # cnix itself (exec), so that the kill hits it
  sleep "0.$(printf '%03d' $((RANDOM % 300)))"
  kill -9 "$pid" 2>/dev/null && killed=$((killed + 1))
  wait "$pid" 2>/dev/null
done
echo "  (killed $killed of 8 instantiations)"
c store gc >/dev/null 2>gcerr; check "gc after kills" "$([ $? = 0 ] || head -3 gcerr)"
left=$(ls -A "$SD" | grep -E '^\.cnix-|\.lock$')
check "gc removed every leftover of the killed additions" "$left"
out=$(c store verify --check-contents 2>&1); check "store verify after kills and gc" "$([ $? = 0 ] || echo "$out")"
n=$(c instantiate --add-root roots/k kill.nix --argstr salt k1 2>/dev/null | wc -l)
check "instantiation after kills" "$([ "$n" = 30 ] || echo "$n roots")"
# ---- a state directory shared with CppNix: its paths are not leftovers ----
if command -v nix-instantiate >/dev/null && command -v nix-store >/dev/null; then
  sh=$TMP/shared
  ( unset NIX_STORE_DIR NIX_STATE_DIR CNIX_STORE_ROOT
    nix-instantiate --store "$sh" -E 'derivation { name = "cpp"; system = "x"; builder = "/bin/sh"; t = builtins.toFile "cpp-text" "from CppNix"; }' ) >cpp.out 2>cpp.err
  cppdrv=$(grep '\.drv$' cpp.out)
  ( export CNIX_STORE_ROOT=$sh NIX_STORE_DIR=/nix/store NIX_STATE_DIR=$sh/nix/var/nix
    c instantiate --eval --read-write-mode -E 'builtins.toFile "cnix-text" "from cnix"' >/dev/null 2>&1
    c store gc >/dev/null 2>&1 )
  q=""
  [ -n "$cppdrv" ] || q="nix-instantiate failed: $(head -3 cpp.err)"
  [ -z "$q" ] && [ ! -e "$sh$cppdrv" ] && q="cnix's gc deleted CppNix's $cppdrv"
  [ -z "$q" ] && ! ls "$sh/nix/store" | grep -q -- '-cpp-text$' && q="cnix's gc deleted CppNix's text"
  [ -z "$q" ] && ls "$sh/nix/store" | grep -q -- '-cnix-text$' && q="cnix's own dead path was kept"
  check "gc leaves the paths CppNix registered in a shared state directory" "$q"
else
  echo "skip: CppNix (nix-instantiate, nix-store) is not installed"
fi
finish
