#!/usr/bin/env bash
# Behaviours found by running other implementations' language suites (Tvix, Lix) against
# cnix, where cnix differed from current CppNix and a tests/cases file cannot express the
# check (whole error traces, symlinked files).
. "$(dirname "$0")/lib.bash"
cd "$TMP"

# expect_trace NAME EXPECTED-STDERR -- CNIX-ARGS...: exit 1 and stderr exactly as given.
expect_trace() {
  local name=$1 want=$2; shift 3
  cn "$@"
  local p; p=$(_crash)
  if [ -z "$p" ] && [ "$rc" != 1 ]; then p="exit status $rc, expected 1"; fi
  if [ -z "$p" ] && [ "$err" != "$want" ]; then p="stderr differs: $(diff <(printf '%s\n' "$want") <(printf '%s\n' "$err") | head -8 | tr '\n' '|')"; fi
  _verdict "$name" "$p"
}

# A non-Boolean operand of ! && || -> gets one frame naming the operator, like CppNix 2.2x
# (the older "in the argument of the not operator" frame is gone).
frame() { printf 'error:\n       … %s\n         at «string»:1:%s:\n            1| %s\n             | %*s^\n\n       error: expected a Boolean but found an integer: 1\n       at «string»:1:%s:\n            1| %s\n             | %*s^' \
  "$1" "$2" "$3" $(($2 - 1)) '' "$2" "$3" $(($2 - 1)) ''; }
expect_trace not-operand-frame "$(frame "in the argument of '!'" 2 '!1')" -- instantiate --eval -E '!1'
expect_trace and-operand-frame "$(frame "in the left operand of '&&'" 1 '1 && true')" -- instantiate --eval -E '1 && true'
expect_trace or-operand-frame "$(frame "in the right operand of '||'" 10 'false || 1')" -- instantiate --eval -E 'false || 1'
expect_trace impl-operand-frame "$(frame "in the left operand of '->'" 1 '1 -> true')" -- instantiate --eval -E '1 -> true'

# Importing a symlink follows it: relative paths in the target resolve against the target's
# folder, and the link and its target share one import-cache entry (equal functions).
mkdir -p real link
echo '{ f = x: x; data = import ./data.nix; }' > real/lib.nix
echo '"real data"' > real/data.nix
echo '"wrong data"' > link/data.nix
ln -s ../real/lib.nix link/lib.nix
ln -s link/lib.nix chain.nix
expect_ok import-symlink-relative '"real data"' -- instantiate --eval --strict -E '(import ./link/lib.nix).data'
expect_ok import-symlink-cache 'true' -- instantiate --eval --strict -E 'import ./link/lib.nix == import ./real/lib.nix'
expect_ok import-symlink-chain '"real data"' -- instantiate --eval --strict -E '(import ./chain.nix).data'
ln -s loop1.nix loop2.nix; ln -s loop2.nix loop1.nix
expect_err import-symlink-loop 'too many symbolic links|does not exist' -- instantiate --eval -E 'import ./loop1.nix'

finish
