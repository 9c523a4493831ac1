#!/usr/bin/env bash
# Error reports as CppNix shows them: the short trace without --show-trace (frames kept,
# builtin frames, the truncation note), corepkgs positions, errors from a profile's packages.
. ./lib.bash

# the short trace keeps "while calling the 'throw' builtin" with its position
expect_err short-throw "while calling the 'throw' builtin" -- instantiate --eval -E 'let f = x: throw "boom"; in f 1'
has_not() { if grep -qF -- "$2" "$TMP/.err"; then _verdict "$1" "stderr has '$2'"; else _verdict "$1" ""; fi; }
has_not short-throw-no-lambda-frame "while calling 'f'"
has_not short-throw-not-truncated "stack trace truncated"
expect_err full-throw-lambda-frame "while calling 'f'" -- instantiate --show-trace --eval -E 'let f = x: throw "boom"; in f 1'

# a deep recursion prints a few frames, not one per level
cat > "$TMP/deep.nix" <<'NIX'
let f = n: if n == 0 then throw "boom" else { x = f (n - 1); }.x; in f 200
NIX
expect_err short-deep "stack trace truncated" -- instantiate --eval "$TMP/deep.nix"
n=$(grep -c '^ *… ' "$TMP/.err")
_verdict short-deep-few-frames "$([ "$n" -le 3 ] || echo "$n frames")"
expect_err full-deep "boom" -- instantiate --show-trace --eval "$TMP/deep.nix"
n=$(grep -c '^ *… \|duplicate frames omitted' "$TMP/.err")
_verdict full-deep-many-frames "$([ "$n" -ge 6 ] || echo "only $n frames")"

# positions inside <nix/fetchurl.nix> print as CppNix's
expect_err corepkgs-position '<nix/fetchurl\.nix>:[0-9]+:[0-9]+' -- instantiate --eval --strict -E 'import <nix/fetchurl.nix> { url = "file:///x"; sha256 = 1; }'
has_not corepkgs-no-internal-name "__corepkgs__"

# a throw in a profile's package list: the builtin's frame with its position
printf '[ (throw "nope") ]\n' > "$TMP/prof.nix"
expect_err profile-throw "while calling the 'throw' builtin" -- profile switch "$TMP/prof.nix" --profile "$TMP/p"
finish
