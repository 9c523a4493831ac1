#!/usr/bin/env bash
# e2e (source check): a string Value's characters are read only through val_str (eval/value.h),
# because a concatenation may be an unflattened rope (VAL_ROPE: str.s then points to a node, not
# to characters). Fails listing any direct `.str.s` / `->str.s` read outside the rope code, or
# any string Value made without val_set_string.
#   tests/e2e/str-access.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root" || exit 1
# eval/value.h (val_set_string, val_str) and eval/rope.c own the representation; the TOML
# parser's nodes (n->str.s, n->str.len) are its own struct, not Values.
bad=$(grep -rnE '(\.|->)str\.s\b' --include='*.c' --include='*.h' . |
      grep -vE '^\./(eval/value\.h|eval/rope\.c):' |
      grep -vE '^\./(primops/toml[a-z_]*\.c|tests/unit/test_toml\.c):.*\bn->str\.s\b')
if [ -n "$bad" ]; then
  echo "direct reads of a string Value's characters (use val_str(v), which flattens ropes):"
  echo "$bad"
  exit 1
fi
# Making a string by hand would leave Value.flags (VAL_ROPE) stale: use val_set_string.
bad=$(grep -rnE 'type\s*=\s*T_STRING\b' --include='*.c' --include='*.h' . | grep -vE '^\./eval/value\.h:')
if [ -n "$bad" ]; then
  echo "string Values written without val_set_string (Value.flags must be set):"
  echo "$bad"
  exit 1
fi
echo "ok   no direct .str.s reads outside eval/value.h and eval/rope.c; strings made by val_set_string"
