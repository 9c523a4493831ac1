#!/usr/bin/env bash
# e2e: stores chosen by URI (--store, --option store, NIX_CONFIG): local?root=DIR and a bare
# DIR put the store under DIR; file://DIR binary caches answer queries, export, import and
# copies, and refuse what they cannot do (build, GC, roots) with CppNix's message; unknown
# schemes and parameters are clear errors.   CNIX=build/cnix tests/e2e/store-uri.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
CNIX=${CNIX:-$root/build/cnix}
tmp=$(mktemp -d)
cleanup() { chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
# The configured store is a private one; every --store below names another.
export NIX_STORE_DIR=/nix/store NIX_STATE_DIR=$tmp/var NIX_LOG_DIR=$tmp/log XDG_CONFIG_HOME=$tmp/config
export CNIX_STORE_ROOT=$tmp/default
unset NIX_CONFIG
cd "$tmp" || exit 1
pass=0; fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $1"; shift; printf '  %s\n' "$@"; }
same() { if [ "$2" = "$3" ]; then ok; else bad "$1" "want: $2" "got:  $3"; fi; }
has() { if grep -q -- "$2" "$3"; then ok; else bad "$1" "no '$2' in:" "$(cat "$3")"; fi; }
c() { timeout 60 "$CNIX" "$@"; }

drv_expr='derivation { name = "uri-test"; system = "x86_64-linux"; builder = "/bin/sh"; args = [ "-c" "echo hi > $out" ]; }'
text_expr='builtins.toFile "uri-text" "hello from a store URI"'

# ---- local?root=DIR ----
d=$(c instantiate --store "local?root=$tmp/r1" -E "$drv_expr" 2>err); same "instantiate --store local?root=" 0 $?
case "$d" in /nix/store/*-uri-test.drv) ok;; *) bad "drv path" "$d";; esac
[ -f "$tmp/r1$d" ] && ok || bad "the .drv is under the root" "$(ls -R "$tmp/r1" 2>&1 | head)"
[ ! -e "$tmp/default$d" ] && ok || bad "the configured store is untouched" "$tmp/default$d exists"
# a root in the URI puts the database below it too (as CppNix), not in NIX_STATE_DIR
[ -f "$tmp/r1/nix/var/nix/db/cnix.sqlite" ] && ok || bad "database under the root" "$(ls -R "$tmp/r1/nix/var" 2>&1)"
[ ! -e "$tmp/var/db" ] && ok || bad "NIX_STATE_DIR untouched by a root= store" "$(ls "$tmp/var")"
same "path-info through the same URI" "$d" "$(c store path-info --store "local?root=$tmp/r1" "$d" 2>&1)"
c store path-info "$d" >/dev/null 2>err; same "the configured store does not have it" 1 $?
# a bare absolute directory is local?root=DIR
same "bare DIR is local?root=DIR" "$d" "$(c store path-info --store "$tmp/r1" "$d" 2>&1)"
# --option store and NIX_CONFIG name the same setting
same "--option store" "$d" "$(c store path-info --option store "local?root=$tmp/r1" "$d" 2>&1)"
same "NIX_CONFIG store =" "$d" "$(NIX_CONFIG="store = local?root=$tmp/r1" c store path-info "$d" 2>&1)"
same "--store on cnix eval" '"/nix/store"' "$(c eval --store "local?root=$tmp/r1" --expr builtins.storeDir 2>&1)"
# the store= parameter sets the logical store dir
same "local?store= sets the store dir" '"/foo/store"' \
  "$(c eval --store "local?root=$tmp/r2&store=/foo/store" --expr builtins.storeDir 2>&1)"
p=$(c instantiate --store "local?root=$tmp/r2&store=/foo/store" --eval --read-write-mode -E "$text_expr" 2>err | tr -d '"')
case "$p" in /foo/store/*-uri-text) ok;; *) bad "path in the store= dir" "$p" "$(cat err)";; esac
[ -f "$tmp/r2$p" ] && ok || bad "file under root + store dir" "$tmp/r2$p"

# ---- file://DIR binary caches ----
t=$(c instantiate --eval --read-write-mode -E "$text_expr" 2>err | tr -d '"'); same "text path in the configured store" 0 $?
c store copy --to "file://$tmp/cache" "$t" 2>err; same "copy --to file://" 0 $?
same "path-info --store file://" "$t" "$(c store path-info --store "file://$tmp/cache" "$t" 2>&1)"
c store path-info --store "file://$tmp/cache" "/nix/store/00000000000000000000000000000000-nope" >/dev/null 2>err
same "path-info of a missing path in a cache" 1 $?
has "missing path message" "is not valid" err
c store export --store "file://$tmp/cache" "$t" > exported 2>err; same "export from a cache" 0 $?
c store import --store "file://$tmp/cache2" < exported > imported 2>err; same "import into a new cache" 0 $?
same "import prints the path" "$t" "$(cat imported)"
[ -f "$tmp/cache2/nix-cache-info" ] && ok || bad "import made a cache" "$(ls "$tmp/cache2" 2>&1)"
same "imported path is in cache2" "$t" "$(c store path-info --store "file://$tmp/cache2" "$t" 2>&1)"
# copy from the cache into yet another local store (unsigned: require-sigs off)
c store copy --store "local?root=$tmp/r3" --from "file://$tmp/cache2" --option require-sigs false "$t" 2>err
same "copy --from a cache into local?root=" 0 $?
same "copied content" "hello from a store URI" "$(cat "$tmp/r3$t" 2>&1)"
# any two stores: local -> local (no signatures needed between local stores)
c store copy --from "local?root=$tmp/r1" --to "local?root=$tmp/r4" "$d" 2>err; same "copy local?root= -> local?root=" 0 $?
same "copied .drv content" "$(cat "$tmp/r1$d")" "$(cat "$tmp/r4$d" 2>&1)"
same "copied .drv is valid there" "$d" "$(c store path-info --store "local?root=$tmp/r4" "$d" 2>&1)"
c store copy --to "local?root=$tmp/r5" --key-file nokey "$t" 2>err; same "--key-file needs a cache" 1 $?
has "--key-file message" "apply to binary caches" err
# instantiating into a cache writes the .drv there (additions go through NARs)
d2=$(c instantiate --store "file://$tmp/cache3" -E "$drv_expr" 2>err); same "instantiate into a cache" 0 $?
same "the .drv is in the cache" "$d2" "$(c store path-info --store "file://$tmp/cache3" "$d2" 2>&1)"
ls "$tmp"/cache3/*.narinfo >/dev/null 2>&1 && ok || bad "narinfo written" "$(ls "$tmp/cache3")"

# ---- what a cache cannot do ----
c build --store "file://$tmp/cache3" -E "$drv_expr" --no-out-link > /dev/null 2>err; same "build on a cache fails" 1 $?
has "build: unsupported message" "operation 'buildDerivation' is not supported by store 'file://$tmp/cache3'" err
c store gc --store "file://$tmp/cache" > /dev/null 2>err; same "gc on a cache fails" 1 $?
has "gc: unsupported message" "operation 'collectGarbage' is not supported by store 'file://$tmp/cache'" err
c store verify --store "file://$tmp/cache" 2>err; same "verify on a cache fails" 1 $?
has "verify: unsupported message" "operation 'verifyStore' is not supported" err
c instantiate --store "file://$tmp/cache3" --add-root "$tmp/link" -E "$drv_expr" > /dev/null 2>err
same "--add-root on a cache fails" 1 $?
has "add-root: unsupported message" "operation 'addPermRoot' is not supported" err

c profile list --store "file://$tmp/cache" --profile "$tmp/prof" > /dev/null 2>err; same "profiles on a cache fail" 1 $?
has "profile message" "profiles need a local store, not 'file://$tmp/cache'" err
c repl --store "file://$tmp/cache3" < /dev/null > /dev/null 2>err; same "repl against a cache starts and ends" 0 $?

# ---- bad URIs ----
for cmd in "eval --expr 1" "instantiate --eval -E 1" "store path-info /nix/store/x" "build -E 1"; do
  c $cmd --store bogus > /dev/null 2>err; same "unknown store ($cmd)" 1 $?
  has "unknown store message ($cmd)" "don't know how to open Nix store 'bogus'" err
done
c eval --store "ssh-ng://host" --expr 1 > /dev/null 2>err; same "ssh-ng not yet" 1 $?
has "scheme message" "don't know how to open Nix store with scheme 'ssh-ng'" err
c eval --store "local?colour=red" --expr 1 > /dev/null 2>err; same "unknown parameter" 1 $?
has "unknown parameter message" "unknown parameter 'colour'" err
c eval --store "local?root=relative" --expr 1 > /dev/null 2>err; same "relative root" 1 $?
has "relative root message" "is not an absolute path" err
c eval --store "file://$tmp/cache?compression=lz4" --expr 1 > /dev/null 2>err; same "bad compression" 1 $?
has "bad compression message" "unknown compression method 'lz4'" err
c store path-info --store "file://$tmp/nocache" "$t" > /dev/null 2>err; same "missing cache dir" 1 $?
NIX_STORE_DIR=/other/store c eval --store "file://$tmp/cache" --expr 1 > /dev/null 2>err
same "cache for another store dir" 1 $?
has "store dir message" "is for Nix stores with prefix '/nix/store', not '/other/store'" err

echo "store-uri: $pass passed, $fail failed"
[ $fail = 0 ]
