#!/usr/bin/env bash
# e2e (source check): a string Value's characters are read only through val_str and a list
# Value's elements only through val_list (eval/value.h), because a concatenation may be an
# unflattened rope (VAL_ROPE / VAL_LIST_ROPE: str.s or list.elems then points to a node, not to
# characters or elements). Fails listing any direct `.str.s` / `->str.s` / `.list.elems` /
# `->list.elems` use outside the rope code, or any string or list Value made without
# val_set_string / val_set_list.
#   tests/e2e/value-access.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root" || exit 1
# uses MESSAGE REGEX [EXEMPT-REGEX]: fails, listing them, if source lines match REGEX outside
# eval/value.h and eval/rope.c (which own the representation) and EXEMPT-REGEX.
uses() {
  local bad
  bad=$(grep -rnE "$2" --include='*.c' --include='*.h' . | grep -vE '^\./(eval/value\.h|eval/rope\.c):' |
        grep -vE "${3:-^$}")
  if [ -n "$bad" ]; then
    echo "$1:"
    echo "$bad"
    exit 1
  fi
}
# The TOML parser's nodes (n->str.s, n->str.len) are its own struct, not Values.
uses "direct reads of a string Value's characters (use val_str(v), which flattens ropes)" \
  '(\.|->)str\.s\b' '^\./(primops/toml[a-z_]*\.c|tests/unit/test_toml\.c):.*\bn->str\.s\b'
uses "direct uses of a list Value's elements (use val_list(v), which flattens ropes)" '(\.|->)list\.elems\b'
# Making one by hand would leave Value.flags (VAL_ROPE, VAL_LIST_ROPE) stale.
uses "string Values written without val_set_string (Value.flags must be set)" 'type\s*=\s*T_STRING\b'
uses "list Values written without val_set_list (Value.flags must be set)" 'type\s*=\s*T_LIST\b'
echo "ok   no direct .str.s or .list.elems uses outside eval/value.h and eval/rope.c; strings and lists made by val_set_string and val_set_list"
