#!/usr/bin/env bash
# e2e: 240 derivations from tests/e2e/drv-corpus/gen.nix (input-addressed, fixed-output flat and
# recursive, multiple outputs, structuredAttrs, passAsFile, __ignoreNulls, dependency chains,
# path / filtered / toFile sources) must give the drvPath/outPath and byte-identical .drv files
# recorded from CppNix 2.8 (expected.json, expected-drv-hashes.txt); live against
# nix-instantiate too when it is installed.   CNIX=build/cnix tests/e2e/drv-corpus.sh
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.bash"
dir=$here/drv-corpus
expr='builtins.mapAttrs (n: d: { drv = d.drvPath; out = d.outPath; } // (if d ? dev then { dev = d.dev.outPath; } else {})) (import ./gen.nix)'
want=$(cat "$dir/expected.json")
cd "$dir" || exit 1

# per-derivation mismatches, named, so a failure says which features broke
diffjson() { # WANT-FILE GOT-FILE
  python3 - "$1" "$2" <<'PY' 2>&1 || echo "(could not parse JSON)"
import json, sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
bad = [k for k in sorted(a) if a.get(k) != b.get(k)] + [k for k in b if k not in a]
print("%d of %d derivations differ: %s" % (len(bad), len(a), " ".join(bad[:15])))
PY
}

# 1. drvPath / outPath (and dev outputs) of every derivation, via --eval --strict --json
cn instantiate --eval --strict --json -E "$expr"
p=$(_crash)
[ -z "$p" ] && [ "$rc" != 0 ] && p="exit status $rc"
if [ -z "$p" ] && [ "$out" != "$want" ]; then
  printf '%s' "$out" > "$TMP/got.json"; p=$(diffjson "$dir/expected.json" "$TMP/got.json"); fi
_verdict "eval drvPath/outPath of $(grep -o '"drv"' <<<"$want" | wc -l) derivations vs recorded CppNix 2.8" "$p"

# 2. instantiate into a private store: the .drv files must hash as recorded
cn instantiate gen.nix
p=$(_crash)
[ -z "$p" ] && [ "$rc" != 0 ] && p="exit status $rc"
wantdrvs=$(grep -o '"drv":"[^"]*"' <<<"$want" | cut -d'"' -f4 | sort)
[ -z "$p" ] && [ "$(sort <<<"$out")" != "$wantdrvs" ] && p="printed .drv paths differ from the recorded drvPaths"
_verdict "instantiate prints the recorded .drv paths" "$p"
got_hashes=$( (cd "$CNIX_STORE_ROOT/nix/store" 2>/dev/null && sha256sum -- *.drv) | sort -k2)
p=""
if [ "$got_hashes" != "$(cat "$dir/expected-drv-hashes.txt")" ]; then
  p="$(diff <(cat "$dir/expected-drv-hashes.txt") <(printf '%s\n' "$got_hashes") | grep -c '^[<>]') differing lines: $(diff <(cat "$dir/expected-drv-hashes.txt") <(printf '%s\n' "$got_hashes") | grep '^[<>]' | head -4 | tr '\n' ' ')"
fi
_verdict "sha256 of $(wc -l < "$dir/expected-drv-hashes.txt") .drv files vs recorded CppNix 2.8" "$p"

# 3. live against CppNix (a chroot store, never the real one)
if command -v nix-instantiate >/dev/null; then
  live=$(cd "$dir" && nix-instantiate --store "$TMP/nixroot" --eval --strict --json -E "$expr" 2>/dev/null)
  p=""; [ "$live" = "$want" ] || p="recorded expected.json is stale vs this nix-instantiate"
  _verdict "recorded values match live nix-instantiate" "$p"
  (cd "$dir" && nix-instantiate --store "$TMP/nixroot" gen.nix >/dev/null 2>&1)
  live_hashes=$( (cd "$TMP/nixroot/nix/store" && sha256sum -- *.drv) | sort -k2)
  p=""; [ "$live_hashes" = "$got_hashes" ] || p="cnix's .drv files differ from live nix-instantiate's"
  _verdict "cnix .drv files vs live nix-instantiate" "$p"
else
  echo "skip: nix-instantiate (CppNix) is not installed; recorded values only"
fi
finish
