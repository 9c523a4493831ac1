#!/usr/bin/env bash
# e2e: cnix as a client of a real Nix daemon (Debian's nix 2.8, worker protocol 1.34) on a
# temporary store: --store unix://SOCK and --store daemon for instantiate (AddTextToStore,
# AddToStoreNar), path-info (QueryPathInfo, IsValidPath), build (BuildPaths with the
# daemon's log, QueryDerivationOutputMap, NarFromPath for the .drv, AddIndirectRoot) and
# copies both ways; every result is checked with nix-store against the same store. Then
# fake daemons (python3) that disconnect, answer garbage or never answer: a clear error
# naming the store, no hang.   CNIX=build/cnix tests/e2e/daemon.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
CNIX=${CNIX:-$root/build/cnix}
if ! command -v nix-daemon >/dev/null || ! command -v nix-store >/dev/null; then
  echo "SKIP: nix-daemon and nix-store (apt-get install nix-bin) are not installed"; exit 0
fi
# A short directory: a socket path must fit in 108 bytes.
tmp=$(mktemp -d /tmp/cnix-dmn.XXXXXX)
dpid=
cleanup() {
  [ -n "$dpid" ] && kill "$dpid" 2>/dev/null && wait "$dpid" 2>/dev/null
  for p in $(jobs -p); do kill "$p" 2>/dev/null; done
  chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"
}
trap cleanup EXIT
sock=$tmp/sock R=$tmp/r
# Neither side sees the machine's configuration, store or daemon.
export NIX_CONF_DIR=$tmp/etc XDG_CONFIG_HOME=$tmp/config HOME=$tmp/home
mkdir -p "$NIX_CONF_DIR" "$HOME"
unset NIX_CONFIG NIX_REMOTE NIX_DAEMON_SOCKET_PATH
export CNIX_STORE_ROOT=$tmp/cnix NIX_STATE_DIR=$tmp/cstate NIX_STORE_DIR=/nix/store
cd "$tmp" || exit 1
pass=0; fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $1"; shift; printf '  %s\n' "$@"; }
same() { if [ "$2" = "$3" ]; then ok; else bad "$1" "want: $2" "got:  $3"; fi; }
has() { if grep -q -- "$2" "$3"; then ok; else bad "$1" "no '$2' in:" "$(cat "$3")"; fi; }
c() { timeout 120 "$CNIX" "$@"; }
# nix-store on the daemon's store, directly (not through the daemon).
ns() { NIX_STATE_DIR=$R/nix/var/nix timeout 60 nix-store --store "local?root=$R" "$@"; }

NIX_STATE_DIR=$tmp/dstate NIX_DAEMON_SOCKET_PATH=$sock nix-daemon --option store "local?root=$R" \
  --option build-users-group '' --option substituters '' --option sandbox-paths '/bin /lib /usr /lib64?' \
  >"$tmp/daemon.log" 2>&1 &
dpid=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
[ -S "$sock" ] || { echo "FAIL nix-daemon did not start"; cat "$tmp/daemon.log"; exit 1; }
S=unix://$sock

cat > a.nix <<'NIX'
let t = builtins.toFile "dmn-text" "text through the daemon"; in
derivation { name = "dmn-test"; system = builtins.currentSystem; builder = "/bin/sh"; src = ./src; inherit t;
  args = [ "-c" "PATH=/bin:/usr/bin; echo building-now; cat $src/f $t > $out; ls $src/sub >> $out" ]; }
NIX
mkdir -p src/sub; echo "file in a tree" > src/f; echo x > src/sub/x; ln -s x src/sub/link

# ---- instantiate: AddTextToStore, AddToStoreNar ----
d=$(c instantiate --store "$S" a.nix 2>err); same "instantiate --store unix://" 0 $?
dl=$(c instantiate a.nix 2>/dev/null)
same "the same .drv path as a local store" "$dl" "$d"
[ -f "$R$d" ] && ok || bad "the .drv is in the daemon's store" "$(ls "$R/nix/store" 2>&1)"
same ".drv valid for nix-store" "$d" "$(ns -q --hash "$d" >/dev/null && echo "$d")"
refs=$(ns -q --references "$d" | sed 's/^[^-]*-//' | sort | tr '\n' ' ')
same "the .drv's references (nix-store)" "dmn-text src " "$refs"
src=$(ns -q --references "$d" | grep -- -src)
same "the source tree's NAR hash (nix-hash)" "$(nix-hash --type sha256 --base32 src)" \
  "$(ns -q --hash "$src" | sed 's/^sha256://')"
ns --verify-path "$src" && ok || bad "nix-store --verify-path of the added tree"
[ -L "$R$src/sub/link" ] && ok || bad "symlink kept in the added tree"

# ---- path-info: QueryPathInfo, IsValidPath ----
same "path-info" "$d" "$(c store path-info --store "$S" "$d" 2>&1)"
want=$(ns -q --requisites "$d" | sort | tr '\n' ' ')
same "path-info -r = nix-store -q --requisites" "$want" "$(c store path-info --store "$S" -r "$d" | sort | tr '\n' ' ')"
same "--size = nix-store's NAR size" "$(ns -q --size "$d")" "$(c store path-info --store "$S" --size "$d" | awk '{print $2}')"
c store path-info --store "$S" /nix/store/00000000000000000000000000000000-none >/dev/null 2>err
same "path-info of an invalid path fails" 1 $?

# ---- build: BuildPaths, the daemon's log, NarFromPath of the .drv, AddIndirectRoot ----
out=$(c build --store "$S" a.nix 2>err); same "build --store unix://" 0 $?
same "the output is the .drv's (nix-store)" "$(ns -q --outputs "$d")" "$out"
same "result link" "$out" "$(readlink result)"
ns --verify-path "$out" && ok || bad "nix-store --verify-path of the output"
same "output contents" "file in a tree
text through the daemonlink
x" "$(cat "$R$out")"
has "the daemon's 'building' activity" "building '$d'" err
has "the builder's output" "building-now" err
ns --gc --print-roots 2>/dev/null | grep -q "^$tmp/result -> $out" && ok ||
  bad "result is a root of the daemon's store" "$(ns --gc --print-roots 2>&1)"
same "deriver (QueryPathInfo)" "$d" "$(ns -q --deriver "$out")"
# --store daemon: NIX_DAEMON_SOCKET_PATH names the socket
same "--store daemon" "$out" "$(NIX_DAEMON_SOCKET_PATH=$sock c store path-info --store daemon "$out" 2>&1)"

# a failing builder: its log and the daemon's error, exit status not 0
cat > fail.nix <<'NIX'
derivation { name = "dmn-fail"; system = builtins.currentSystem; builder = "/bin/sh";
  args = [ "-c" "echo about-to-fail; exit 3" ]; }
NIX
c build --store "$S" fail.nix >/dev/null 2>err; rc=$?
[ $rc -ne 0 ] && ok || bad "a failing build fails" "rc=$rc"
has "the builder's log line" "about-to-fail" err
has "the daemon's error" "error: builder for '.*dmn-fail.drv' failed with exit code 3" err
grep -q $'\033' err && bad "no colour escapes on a non-terminal" "$(cat -v err)" || ok

# ---- copies: NarFromPath out of the daemon, AddToStoreNar into it ----
c store copy --from "$S" --to "file://$tmp/cache" "$out" 2>err; same "copy from the daemon to a cache" 0 $?
narinfo=$(ls "$tmp"/cache/*.narinfo 2>/dev/null | head -1)
[ -n "$narinfo" ] && grep -q "^NarHash: $(ns -q --hash "$out")" "$tmp/cache/${out:11:32}.narinfo" && ok ||
  bad "the copied NAR's hash is nix-store's" "$(cat "$tmp/cache/${out:11:32}.narinfo" 2>&1)"
lp=$(NIX_CONFIG="sandbox-paths = /bin /lib /usr /lib64?" c build -E 'derivation { name = "dmn-local"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo local > $out" ]; }' --no-out-link 2>/dev/null)
c store copy --to "$S" "$lp" 2>err; same "copy a locally built path into the daemon's store" 0 $?
ns --verify-path "$lp" && ok || bad "nix-store verifies the copied path" "$(cat err)"
same "copied contents" "local" "$(cat "$R$lp" 2>&1)"

# ---- faults: a dead socket, and fake daemons ----
kill "$dpid"; wait "$dpid" 2>/dev/null; dpid=
c store path-info --store "$S" "$out" >/dev/null 2>err; rc=$?
[ $rc -ne 0 ] && ok || bad "a stopped daemon: fails" "rc=$rc"
has "a stopped daemon: cannot connect" "cannot connect to socket at '$sock'" err
if command -v python3 >/dev/null; then
  # MODE: close (each connection closed at once), garbage, silent, version (offers 1.12)
  fake() {
    rm -f "$tmp/fake"
    python3 - "$tmp/fake" "$1" <<'PY' &
import socket, struct, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(4)
mode = sys.argv[2]
while True:
    c, _ = s.accept()
    if mode == "garbage": c.sendall(b"SSH-2.0-OpenSSH\r\n" * 4)
    elif mode == "silent": time.sleep(60)
    elif mode == "version":
        c.recv(8); c.sendall(struct.pack("<QQ", 0x6478696f, 0x10c))
        time.sleep(1)
    c.close()
PY
    for _ in $(seq 50); do [ -S "$tmp/fake" ] && break; sleep 0.1; done
  }
  for m in close:"closed the connection" garbage:"protocol mismatch" silent:"did not answer within 2 s" \
           version:"speaks protocol 1.12"; do
    fake "${m%%:*}"; fp=$!
    start=$(date +%s)
    c instantiate --store "unix://$tmp/fake?timeout=2" -E 'builtins.toFile "x" "y"' >/dev/null 2>err; rc=$?
    [ $rc = 1 ] && ok || bad "fake daemon (${m%%:*}): exit status 1" "rc=$rc" "$(cat err)"
    has "fake daemon (${m%%:*}): the error" "${m#*:}" err
    has "fake daemon (${m%%:*}): names the store" "unix://$tmp/fake" err
    [ $(($(date +%s) - start)) -lt 30 ] && ok || bad "fake daemon (${m%%:*}): no hang"
    kill $fp 2>/dev/null; wait $fp 2>/dev/null
  done
else
  echo "SKIP: python3 is missing: no fake daemons"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
