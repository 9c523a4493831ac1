#!/usr/bin/env bash
# e2e: binary caches on file:// URLs: cnix store copy --to, signatures (generate-key, sign,
# trusted-public-keys), substitution instead of building, tampered narinfos and NARs
# refused, and (with nix installed) caches written by `nix copy` read by cnix and back.
#   CNIX=build/cnix tests/e2e/cache.sh
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
builds() { grep -c "^building '" "$1"; }

cat > pkgs.nix <<'NIX'
let
  mk = name: script: derivation { inherit name; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" script ]; };
in rec {
  lib = mk "lib" "/bin/mkdir $out; echo lib > $out/data; /bin/ln -s data $out/link";
  app = mk "app" "read x < ${lib}/data; echo \"$x ${lib}\" > $out";
}
NIX

c store generate-key test-cache-1 sk pk; same "generate-key" 0 $?
case "$(cat pk)" in test-cache-1:*) ok;; *) bad "public key format" "$(cat pk)";; esac
app=$(c build pkgs.nix -A app 2>/dev/null)
lib=$(cut -d' ' -f2 < "$app")
c store copy --to "file://$tmp/cache" --key-file sk "$app"; same "copy --to" 0 $?
same "nix-cache-info" "StoreDir: $NIX_STORE_DIR" "$(head -1 cache/nix-cache-info)"
h=$(basename "$app" | cut -c1-32)
ni=cache/$h.narinfo
same "narinfo StorePath" "StorePath: $app" "$(grep ^StorePath: "$ni")"
same "narinfo References" "References: $(basename "$lib")" "$(grep ^References: "$ni")"
same "narinfo Compression" "Compression: xz" "$(grep ^Compression: "$ni")"
has "narinfo Deriver" "^Deriver: .*-app.drv" "$ni"
has "narinfo Sig" "^Sig: test-cache-1:" "$ni"
url=$(sed -n 's/^URL: //p' "$ni")
same "NAR decompresses to the path's NAR hash" "$(sed -n 's/^NarHash: //p' "$ni")" \
  "sha256:$(xz -dc "cache/$url" | sha256sum | cut -d' ' -f1 | xargs -I{} "$CNIX" hash --to-base32 sha256:{})"
same "FileSize" "$(stat -c %s "cache/$url")" "$(sed -n 's/^FileSize: //p' "$ni")"

# ---- substitution instead of building ----
rm result; c store gc >/dev/null 2>&1
[ -e "$app" ] && bad "gc emptied the store" || ok
c build pkgs.nix -A app --dry-run --option substituters "file://$tmp/cache" 2>err >/dev/null
has "dry run: will be fetched" "paths will be fetched" err
if grep -q "will be built" err || [ -e "$app" ]; then bad "dry run: nothing built or fetched" "$(cat err)"; else ok; fi
o=$(c build pkgs.nix -A app --option substituters "file://$tmp/cache" --option trusted-public-keys "$(cat pk)" 2>err); rc=$?
same "substituted build" "0 $app" "$rc $o"
same "nothing built" 0 "$(builds err)"
has "copying message" "copying path '$lib' from 'file://$tmp/cache'" err
same "substituted content" "lib $lib" "$(cat "$app")"
same "substituted symlink" data "$(readlink "$lib/link")"
c store verify --check-contents; same "verify after substitution" 0 $?
same "signature recorded" 1 "$(c store path-info --sigs "$app" | grep -c test-cache-1:)"

# untrusted key: refused, built instead
rm result; c store gc >/dev/null 2>&1
c store generate-key other sk2 pk2
o=$(c build pkgs.nix -A app --option substituters "file://$tmp/cache" --option trusted-public-keys "$(cat pk2)" 2>err); rc=$?
same "untrusted cache: built" "0 2" "$rc $(builds err)"
has "untrusted message" "lacks a signature by a trusted key" err
# require-sigs = false accepts it
rm result; c store gc >/dev/null 2>&1
o=$(c build pkgs.nix -A app --option substituters "file://$tmp/cache" --option require-sigs false 2>err)
same "require-sigs false substitutes" 0 "$(builds err)"

# tampered narinfo (NarSize changed): the signature no longer matches
rm result; c store gc >/dev/null 2>&1
cp -r cache cache-t
sed -i 's/^NarSize: .*/NarSize: 12345/' "cache-t/$h.narinfo"
o=$(c build pkgs.nix -A app --option substituters "file://$tmp/cache-t" --option trusted-public-keys "$(cat pk)" 2>err); rc=$?
same "tampered narinfo refused, built" "0 1" "$rc $(builds err)"
has "tampered message" "lacks a signature by a trusted key" err
# tampered NAR with signatures off: the NAR hash check refuses it
rm result; c store gc >/dev/null 2>&1
rm -rf cache-t; cp -r cache cache-t
liburl=$(sed -n 's/^URL: //p' "cache-t/$(basename "$lib" | cut -c1-32).narinfo")
xz -dc "cache-t/$liburl" | sed 's/lib/LIB/' | xz > x && cp x "cache-t/$liburl"
o=$(c build pkgs.nix -A app --option substituters "file://$tmp/cache-t" --option require-sigs false 2>err); rc=$?
same "tampered NAR refused, lib built, app substituted" "0 1" "$rc $(builds err)"
has "hash mismatch message" "hash mismatch importing path" err
c store verify --check-contents; same "verify after refusals" 0 $?

# cnix store sign + copy --from
c store sign --key-file sk2 "$app" "$lib"; same "sign" 0 $?
same "two signatures" 2 "$(c store path-info --sigs "$app" | tr ' \t' '\n\n' | grep -c ':')"
c store copy --to "file://$tmp/cache2" --compression zstd "$app"
NIX_STATE_DIR=$tmp/var2 NIX_STORE_DIR=$tmp/store2 c store copy --from "file://$tmp/cache2" "$app" 2>err; rc=$?
same "copy --from needs the same store dir" 1 $rc
NIX_STATE_DIR=$tmp/varB c store copy --from "file://$tmp/cache2" --option trusted-public-keys "$(cat pk2)" "$app" 2>err; rc=$?; [ $rc = 0 ] || cat err
same "copy --from (zstd, sign-ed key)" 0 $rc
NIX_STATE_DIR=$tmp/varB c store verify --check-contents; same "verify copy --from" 0 $?

# ---- with CppNix: its caches read by cnix, cnix's by nix ----
if command -v nix >/dev/null && unshare --mount --pid --net --fork true 2>/dev/null; then
  export NIX_STORE_DIR=/nix/store CNIX_STORE_ROOT=$tmp/croot NIX_STATE_DIR=$tmp/croot/nix/var/nix
  nixc() { timeout 120 nix --extra-experimental-features nix-command "$@"; }
  sb=(--option sandbox true --option sandbox-paths "/bin /lib /usr /lib64?")
  capp=$(c build "${sb[@]}" pkgs.nix -A app --no-out-link 2>err)
  c store copy --to "file://$tmp/ccache" --key-file sk "$capp"
  nixc copy --from "file://$tmp/ccache" --store "$tmp/nroot" --option trusted-public-keys "$(cat pk)" "$capp" 2>err; rc=$?
  same "nix copy --from a cnix cache (signed)" 0 $rc
  [ $rc = 0 ] || tail -3 err
  same "nix reads the same NAR hash" "$(sed -n 's/^NarHash: //p' "ccache/$(basename "$capp" | cut -c1-32).narinfo")" \
    "$(nix-store --store "$tmp/nroot" -q --hash "$capp" 2>/dev/null)"
  nixc copy --to "file://$tmp/ncache" --store "$tmp/nroot" "$capp" 2>err; rc=$?
  same "nix copy --to" 0 $rc
  # unsigned nix cache: cnix with require-sigs off substitutes, with it on refuses
  CNIX_STORE_ROOT=$tmp/croot2 NIX_STATE_DIR=$tmp/croot2/nix/var/nix c store copy --from "file://$tmp/ncache" "$capp" 2>err; rc=$?
  same "unsigned nix cache refused" 1 $rc
  CNIX_STORE_ROOT=$tmp/croot2 NIX_STATE_DIR=$tmp/croot2/nix/var/nix c store copy --from "file://$tmp/ncache" --option require-sigs false "$capp" 2>err; rc=$?
  same "cnix reads nix's cache" 0 $rc
  same "content from nix's cache" "$(cat "$tmp/croot$capp")" "$(cat "$tmp/croot2$capp" 2>/dev/null)"
  # a cache signed by nix (nix store sign with cnix's secret key format)
  nixc store sign --store "$tmp/nroot" --key-file sk -r "$capp" 2>err; rc=$?
  nixc copy --to "file://$tmp/ncache2" --store "$tmp/nroot" "$capp" 2>/dev/null
  CNIX_STORE_ROOT=$tmp/croot3 NIX_STATE_DIR=$tmp/croot3/nix/var/nix c store copy --from "file://$tmp/ncache2" --option trusted-public-keys "$(cat pk)" "$capp" 2>err; rc=$?
  same "nix-signed cache accepted with cnix's key" 0 $rc
  # the nix-written cache as a substituter of a build: nothing is built
  o=$(CNIX_STORE_ROOT=$tmp/croot5 NIX_STATE_DIR=$tmp/croot5/nix/var/nix c build "${sb[@]}" pkgs.nix -A app --no-out-link \
      --option substituters "file://$tmp/ncache2" --option trusted-public-keys "$(cat pk)" 2>err); rc=$?
  same "build substituted from nix's cache" "0 $capp 0" "$rc $o $(builds err)"
  sed -i 's/^NarSize: .*/NarSize: 1/' "ncache2/$(basename "$capp" | cut -c1-32).narinfo"
  CNIX_STORE_ROOT=$tmp/croot4 NIX_STATE_DIR=$tmp/croot4/nix/var/nix c store copy --from "file://$tmp/ncache2" --option trusted-public-keys "$(cat pk)" "$capp" 2>err; rc=$?
  same "tampered nix narinfo refused" 1 $rc
else
  echo "skip: nix or namespaces not available: no interchange tests"
  skip=$((skip + 1))
fi

echo "cache: $pass passed, $fail failed, $skip skipped"
[ $fail = 0 ]
