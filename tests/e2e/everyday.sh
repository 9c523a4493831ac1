#!/usr/bin/env bash
# e2e: the idioms a new user types first (issue 21): the search path from NIX_PATH in every
# command and the REPL, and `<nixpkgs>` as the file argument of build, instantiate and eval.
#   CNIX=build/cnix tests/e2e/everyday.sh
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.bash"
# Builders use the host's tools: the sandbox (on by default) must show them.
export NIX_CONFIG="sandbox-paths = /bin /lib /usr /lib64?"
np=$TMP/nixpkgs
mkdir -p "$np"
cat > "$np/default.nix" <<'NIX'
{ system ? builtins.currentSystem }:
{
  hello = derivation {
    name = "hello-1.0";
    inherit system;
    builder = "/bin/sh";
    args = [ "-c" "echo hi > $out" ];
  };
}
NIX
cd "$TMP" || exit 1

export NIX_PATH=nixpkgs=$np
# The REPL reads NIX_PATH like every other command.
STDIN=$TMP/in; printf '%s\n' '<nixpkgs>' > "$STDIN"
expect_ok "repl: <nixpkgs> from NIX_PATH" "$np" -- repl
STDIN=$TMP/in; printf '%s\n' 'hello.name' > "$STDIN"
expect_ok "repl <nixpkgs> as a file" '"hello-1.0"' -- repl '<nixpkgs>'
STDIN=$TMP/in; printf '%s\n' '(import <nixpkgs> {}).hello.name' > "$STDIN"
expect_ok "repl: import <nixpkgs>" '"hello-1.0"' -- repl
STDIN=

# `<nixpkgs>` as a file argument is looked up in the search path, as nix-build does.
expect_ok "eval --file <nixpkgs>" '"hello-1.0"' -- eval --file '<nixpkgs>' hello.name
drv=$(NIX_PATH= "$CNIX" instantiate "$np" -A hello 2>/dev/null)
case $drv in *-hello-1.0.drv) ;; *) drv="no drv from '$np' ($drv)" ;; esac
expect_ok "instantiate <nixpkgs> -A hello" "$drv" -- instantiate '<nixpkgs>' -A hello
cn build '<nixpkgs>' -A hello --no-out-link
p=$(_crash); [ -z "$p" ] && [ "$rc" != 0 ] && p="exit status $rc"
[ -z "$p" ] && [ "$(cat "$CNIX_STORE_ROOT$out" 2>/dev/null)" != hi ] && p="output '$out' does not hold 'hi'"
_verdict "build <nixpkgs> -A hello" "$p"
# -I comes before NIX_PATH
mkdir -p "$TMP/other"; echo '{ hello.name = "other"; }' > "$TMP/other/default.nix"
expect_ok "-I before NIX_PATH" '"other"' -- eval -I "nixpkgs=$TMP/other" --file '<nixpkgs>' hello.name
# An entry missing from the search path is an error, with the usual message.
expect_err "eval --file <nope>" "file 'nope' was not found in the Nix search path" -- eval --file '<nope>' x
expect_err "instantiate <nope>" "file 'nope' was not found in the Nix search path" -- instantiate '<nope>'
finish
