#!/usr/bin/env bash
# e2e: the store under faults. cnix instantiate (which adds sources, toFile texts and .drv
# files) is SIGKILLed at random moments, run concurrently, and run on a full disk; the
# store must stay consistent (every registered path present with its recorded NAR hash,
# the database intact) and the next run must succeed with the same output.
#   CNIX=build/cnix tests/e2e/store-faults.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
CNIX=${CNIX:-$root/build/cnix}
tmp=$(mktemp -d)
mnt=""
cleanup() {
  [ -n "$mnt" ] && umount "$mnt" 2>/dev/null
  chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"
}
trap cleanup EXIT
unset NIX_CONFIG NIX_STATE_DIR NIX_PATH
export NIX_STORE_DIR=/nix/store
export XDG_CONFIG_HOME=$tmp/config
pass=0; fail=0; skip=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $1"; shift; printf '  %s\n' "$@"; }
same() { if [ "$2" = "$3" ]; then ok; else bad "$1" "want: $2" "got:  $3" "$(cat "$tmp/lasterr" 2>/dev/null)"; fi; }

# Runs a command on the store rooted at $1 (logical /nix/store, real $1/nix/store, database
# under $1/nix/var), so that every store prints the same paths.
st() { local d=$1; shift; CNIX_STORE_ROOT=$d NIX_LOG_DIR=$d/log timeout 300 "$@"; }

# ---- a workload: a source tree (one large file, many small ones), texts, derivations ----
mkdir -p "$tmp/src/sub"
head -c 3000000 /dev/urandom > "$tmp/src/big"
for i in $(seq 1 150); do printf 'file %s\n' "$i" > "$tmp/src/sub/f$i"; done
cat > "$tmp/work.nix" <<NIX
let
  src = builtins.path { path = $tmp/src; name = "src"; };
  mk = i: derivation {
    name = "d\${toString i}"; system = "x86_64-linux"; builder = "/bin/sh";
    inherit src; t = builtins.toFile "t\${toString i}" "text \${toString i}";
    dep = if i == 0 then "" else mk (i - 1);
  };
in builtins.genList mk 40
NIX

# Consistency of the store at $1: verify (existence, references, NAR hashes), SQLite's own
# check, and no registered path that is missing on disk.
consistent() { # NAME DIR
  local out
  if out=$(st "$2" "$CNIX" store verify --check-contents 2>&1); then ok; else bad "$1: store verify" "$out"; fi
  local db=$2/nix/var/nix/db/cnix.sqlite
  if [ -e "$db" ] && command -v sqlite3 >/dev/null; then
    same "$1: database integrity" ok "$(sqlite3 "$db" 'pragma integrity_check' 2>&1)"
  fi
}

want=$(st "$tmp/ref" "$CNIX" instantiate "$tmp/work.nix" 2>"$tmp/err")
[ "$(echo "$want" | wc -l)" = 40 ] && ok || bad "reference run" "$want" "$(cat "$tmp/err")"
consistent "reference" "$tmp/ref"
npaths=$(ls "$tmp/ref/nix/store" | grep -vc '\.lock$')

# ---- SIGKILL at random moments, then check and carry on in the same store ----
killed=0
for i in $(seq 1 12); do
  st "$tmp/k" "$CNIX" instantiate "$tmp/work.nix" >/dev/null 2>&1 &
  pid=$!
  # 0-400 ms: from before the database exists to the last .drv
  sleep "0.$(printf '%03d' $((RANDOM % 400)))"
  kill -9 "$pid" 2>/dev/null && killed=$((killed + 1))
  wait "$pid" 2>/dev/null
  consistent "after kill $i" "$tmp/k"
done
echo "killed $killed of 12 runs mid-way"
same "run after kills" "$want" "$(st "$tmp/k" "$CNIX" instantiate "$tmp/work.nix" 2>"$tmp/lasterr")"
consistent "after kills, final run" "$tmp/k"
same "after kills: as many store objects as a clean run" "$npaths" "$(ls "$tmp/k/nix/store" | grep -v '\.lock$' | grep -vc '^\.cnix-tmp')"

# ---- four processes adding the same paths at once, one of them killed ----
for r in 1 2; do
  for i in 1 2 3 4; do st "$tmp/c$r" "$CNIX" instantiate "$tmp/work.nix" >"$tmp/par$i" 2>"$tmp/parerr$i" & done
  victim=$!
  if [ $r = 2 ]; then sleep 0.1; kill -9 $victim 2>/dev/null; fi
  wait
  for i in 1 2 3; do same "concurrent run $r/$i" "$want" "$(cat "$tmp/par$i")"; done
  [ $r = 1 ] && same "concurrent run $r/4" "$want" "$(cat "$tmp/par4")"
  consistent "concurrent $r" "$tmp/c$r"
  same "concurrent $r then again" "$want" "$(st "$tmp/c$r" "$CNIX" instantiate "$tmp/work.nix" 2>"$tmp/lasterr")"
done

# ---- a full disk: a clean error, exit 1, nothing partial registered ----
if [ "$(id -u)" = 0 ] && mkdir -p "$tmp/full" && mount -t tmpfs -o size=2m tmpfs "$tmp/full" 2>/dev/null; then
  mnt=$tmp/full
  out=$(st "$mnt" "$CNIX" instantiate "$tmp/work.nix" 2>&1); code=$?
  same "full disk: exit code" 1 "$code"
  if echo "$out" | head -1 | grep -q '^error:' && echo "$out" | grep -q 'No space left on device'; then ok
  else bad "full disk: error message" "$out"; fi
  consistent "full disk" "$mnt"
  src_path=$(st "$tmp/ref" "$CNIX" instantiate --eval -E "builtins.path { path = $tmp/src; name = \"src\"; }" 2>/dev/null | tr -d '"')
  if [ -e "$mnt/nix/var/nix/db/cnix.sqlite" ] && [ -n "$(sqlite3 "$mnt/nix/var/nix/db/cnix.sqlite" "select path from ValidPaths where path like '%-src'")" ]; then
    bad "full disk: the source that did not fit is registered"
  else ok; fi
  [ -e "$mnt/nix/store/${src_path##*/}" ] && bad "full disk: partial source left at its final name" || ok
  # a disk that is completely full: even the database cannot be created
  umount "$mnt"; mount -t tmpfs -o size=1m tmpfs "$mnt"
  dd if=/dev/zero of="$mnt/filler" bs=64k 2>/dev/null
  out=$(st "$mnt" "$CNIX" instantiate -E 'builtins.toFile "x" "y"' 2>&1); code=$?
  same "disk already full: exit code" 1 "$code"
  if echo "$out" | grep -q '^error:'; then ok; else bad "disk already full: error message" "$out"; fi
  # freeing space: the next run succeeds
  rm -f "$mnt/filler"
  same "after freeing space" "$(st "$tmp/ref" "$CNIX" instantiate -E 'builtins.toFile "x" "y"' 2>&1)" \
    "$(st "$mnt" "$CNIX" instantiate -E 'builtins.toFile "x" "y"' 2>&1)"
  consistent "after freeing space" "$mnt"
else
  echo "skip: full-disk tests need root (mount -t tmpfs)"; skip=$((skip + 1))
fi

echo "store-faults: $pass passed, $fail failed, $skip skipped"
[ $fail = 0 ]
