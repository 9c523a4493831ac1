#!/usr/bin/env bash
# e2e (static): the include graph follows the layers of docs/architecture.md, so that the
# layering cannot silently regress. For each folder, every `#include "DIR/..."` of its
# .c/.h/.re files must name an allowed DIR; eval/internal.h is eval/'s own.
#   tests/e2e/layers.sh  (needs no cnix binary; run.sh passes CNIX anyway)
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
CNIX=${CNIX:-/bin/true}
. "$here/lib.bash"
err=""

# The arrows allowed (a folder may include itself). util and store know no evaluator;
# eval knows no builtin and no store; primops (pure builtins) may use the store's hash
# functions (store/hash.h) and nothing else of the store.
declare -A allowed=(
  [util]=""
  [parser]="util"
  [store]="util"
  [eval]="parser util"
  [primops]="eval parser util store/hash.h"
  [builtins]="primops eval parser util store"
  [native]="builtins primops eval parser util store include"
  [repl]="builtins primops eval parser util store"
  [profile]="builtins primops eval parser util store"
  [flake]="builtins primops eval parser util store"
  [cli]="*"
)

# violations DIR: "file: include" lines of DIR that the table does not allow.
violations() {
  local dir=$1 ok=${allowed[$1]}
  [ "$ok" = "*" ] && return
  grep -Hn '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[a-z_]*/' "$root/$dir"/*.[ch] "$root/$dir"/*.re 2>/dev/null |
    while IFS= read -r line; do
      inc=$(printf '%s' "$line" | sed -E 's/.*#[[:space:]]*include[[:space:]]*"([^"]*)".*/\1/')
      top=${inc%%/*}
      [ "$top" = "$dir" ] && continue
      good=0
      for a in $ok; do
        if [ "$a" = "$top" ] || [ "$a" = "$inc" ]; then good=1; fi
      done
      [ $good = 0 ] && printf '%s\n' "${line#"$root/"}"
    done
}

for dir in $(printf '%s\n' "${!allowed[@]}" | sort); do
  [ -d "$root/$dir" ] || { _verdict "layers-$dir" "folder $dir/ is in the table but missing"; continue; }
  v=$(violations "$dir")
  _verdict "layers-$dir" "${v:+includes it may not: $(printf '%s' "$v" | tr '\n' ';' | head -c 600)}"
done

# Every folder with sources is in the table (a new folder needs its arrows).
for d in "$root"/*/; do
  d=$(basename "$d")
  ls "$root/$d"/*.c >/dev/null 2>&1 || continue
  case $d in tests|fuzz|bench|examples|docs|build*) continue ;; esac
  [ -n "${allowed[$d]+x}" ] || _verdict "layers-known-$d" "folder $d/ has sources but no row in tests/e2e/layers.sh (and docs/architecture.md)"
done

# Only eval/ includes eval/internal.h.
v=$(grep -rln --include='*.c' --include='*.h' --include='*.re' '#[[:space:]]*include[[:space:]]*"eval/internal.h"' \
      "$root"/{util,parser,store,primops,builtins,native,repl,profile,flake,cli} 2>/dev/null | sed "s|^$root/||")
_verdict layers-eval-internal "${v:+eval/internal.h included outside eval/: $(printf '%s' "$v" | tr '\n' ' ')}"

# One session set-up creates evaluator states (cli/session.c; unit tests and fuzzers aside).
v=$(grep -rln --include='*.c' 'eval_state_new(' "$root"/{util,parser,store,primops,builtins,native,repl,profile,flake,cli} 2>/dev/null |
      sed "s|^$root/||" | grep -v '^cli/session.c$')
_verdict layers-one-session "${v:+eval_state_new called outside cli/session.c: $(printf '%s' "$v" | tr '\n' ' ')}"

# One session opens stores (cli/session.c); builtins/bistore.c opens the local store only for
# a state bi_open_all was given no store (unit tests, fuzzers), builtins/fetch.c the store
# fetchClosure's fromStore names (as CppNix's openStore(fromStoreUrl)).
v=$(grep -rln --include='*.c' -E '\bstore_(config_)?open\(' "$root"/{util,parser,primops,builtins,native,repl,profile,flake,cli} 2>/dev/null |
      sed "s|^$root/||" | grep -v -e '^cli/session.c$' -e '^builtins/bistore.c$' -e '^builtins/fetch.c$')
_verdict layers-one-store-opener "${v:+stores opened outside cli/session.c: $(printf '%s' "$v" | tr '\n' ' ')}"

# The check itself can fail: a file with a forbidden include is found.
mkdir -p "$TMP/probe/eval"
printf '#include "builtins/registry.h"\n' >"$TMP/probe/eval/x.c"
probe=$(root=$TMP/probe; violations eval)
_verdict layers-probe "$([ -n "$probe" ] || echo "a forbidden include in a probe tree was not reported")"

finish
