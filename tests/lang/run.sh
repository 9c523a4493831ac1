#!/usr/bin/env bash
# Runs CppNix's language test suite (../shared/nix-lang-tests) and cnix's own cases
# (tests/cases, same shape) against a cnix binary, as the suite's README describes.
#   tests/lang/run.sh BUILD/cnix [NAME-FILTER-REGEX]
# With LANG_DIFF=1, also prints a unified diff (expected vs cnix's stderr) for every *-fail
# test whose error report is not byte-identical to its .err.exp, then the names of those tests.
# Prints per-category counts and ends with "N passed, N failed". Exit status 1 if a test that
# is not in tests/lang/known-failures fails, or if a listed test passes (the list only shrinks).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cnix=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
filter=${2:-}
known="$here/known-failures"

suite=${NIX_LANG_TESTS:-}
if [ -z "$suite" ]; then
  for d in "$root/../shared/nix-lang-tests" /work/shared/nix-lang-tests; do
    [ -d "$d/lang" ] && { suite=$(cd "$d" && pwd); break; }
  done
fi

out=$(mktemp -d); trap 'rm -rf "$out"' EXIT

# The suite expects the store directory (/nix/store, as the README says) to exist, which
# CppNix's harness ensures with a store of its own (NIX_REMOTE=dummy://, whose store is
# mounted at the store directory). cnix gets a private store in the scratch directory:
# logically /nix/store, physically $out/root/nix/store, so nothing depends on the machine
# having (or lacking) a Nix store and nothing touches one.
export NIX_STORE_DIR=/nix/store CNIX_STORE_ROOT=$out/root NIX_STATE_DIR=$out/root/nix/var/nix
mkdir -p "$CNIX_STORE_ROOT/nix/store" "$NIX_STATE_DIR"

# A checkout without symlink support (git's core.symlinks=false) stores each symlink of the
# suite as a regular file holding the link target. tests/lang/suite-symlinks lists upstream's
# symlinks (git mode 120000); when one of them arrived that way, the suite is staged in a
# scratch copy with the links recreated, so the tests see the tree upstream has.
if [ -n "$suite" ] && [ -f "$here/suite-symlinks" ]; then
  staged=""
  while read -r path target; do
    case $path in ''|'#'*) continue ;; esac
    f="$suite/lang/$path"
    [ -f "$f" ] && [ ! -L "$f" ] && [ "$(cat "$f")" = "$target" ] || continue
    if [ -z "$staged" ]; then
      staged="$out/suite"; cp -a "$suite" "$staged"
    fi
    ln -sfn "$target" "$staged/lang/$path.tmp" && mv -T "$staged/lang/$path.tmp" "$staged/lang/$path"
  done < "$here/suite-symlinks"
  [ -n "$staged" ] && suite=$staged
fi

# errmsg FILE: the final "error: ..." message of an error report, leading blanks removed.
errmsg() { grep -aE '^\s*error: ' "$1" | tail -1 | sed -E 's/^\s+//'; }
export -f errmsg

# A *-fail test passes when cnix exits with status 1 and its final error message equals the
# one in .err.exp (stricter than the suite's own exit-status criterion); "exact" additionally
# counts byte-identical stderr, traces and code frames included.
# difference EXP GOT NAME: under LANG_DIFF, saves the diff of a report that is not exact.
difference() {
  [ -n "${LANG_DIFF:-}" ] && [ -f "$1" ] && ! cmp -s "$1" "$2" &&
    diff -u --label "$3.err.exp" --label "$3 (cnix)" "$1" "$2" > "$out/diffs/$3"
  return 0
}
export -f difference

# run_one DIR NAME: runs test NAME (e.g. eval-okay-foo) whose files live in DIR/lang,
# writes "RESULT CATEGORY NAME [exact]" to $out/results/NAME.
run_one() {
  local dir=$1 name=$2 cat res exact="" flags=() f
  # CppNix's test harness (tests/functional/common/init.sh) configures
  # experimental-features = nix-command flakes for every test
  local xp=(--extra-experimental-features "nix-command flakes")
  cd "$dir" || return
  local t="$out/work/$name"; mkdir -p "$out/work"
  case $name in
    parse-okay-*) cat=parse-okay
      timeout 20 "$cnix" instantiate --parse - < "lang/$name.nix" > "$t.out" 2> "$t.err"; rc=$?
      sed -i "s|$dir|/pwd|g" "$t.out" "$t.err"
      [ $rc = 0 ] && cmp -s "$t.out" "lang/$name.exp" && res=pass || res=fail ;;
    parse-fail-*) cat=parse-fail
      timeout 20 "$cnix" instantiate --parse - < "lang/$name.nix" > "$t.out" 2> "$t.err"; rc=$?
      sed -i "s|$dir|/pwd|g" "$t.out" "$t.err"
      res=fail
      if [ $rc = 1 ]; then
        if [ -f "lang/$name.err.exp" ]; then [ "$(errmsg "$t.err")" = "$(errmsg "lang/$name.err.exp")" ] && res=pass; else res=pass; fi
      fi
      [ -f "lang/$name.err.exp" ] && cmp -s "$t.err" "lang/$name.err.exp" && exact=exact
      difference "lang/$name.err.exp" "$t.err" "$name" ;;
    eval-okay-*) cat=eval-okay
      if [ -f "lang/$name.exp-disabled" ] && [ ! -f "lang/$name.exp" ] && [ ! -f "lang/$name.exp.xml" ]; then
        echo "skip $cat $name" > "$out/results/$name"; return; fi
      if [ -f "lang/$name.flags" ]; then read -r -a flags < <(sed 's/#.*//' "lang/$name.flags" | tr '\n' ' '); fi
      if [ -f "lang/$name.exp.xml" ]; then
        exp="lang/$name.exp.xml"
        TEST_VAR=foo NIX_PATH=lang/dir3:lang/dir4 HOME=/fake-home \
          timeout 20 "$cnix" instantiate "${xp[@]}" "${flags[@]}" --eval --xml --no-location --strict "lang/$name.nix" > "$t.out" 2> "$t.err"; rc=$?
      else
        exp="lang/$name.exp"
        TEST_VAR=foo NIX_PATH=lang/dir3:lang/dir4 HOME=/fake-home \
          timeout 20 "$cnix" instantiate "${xp[@]}" --show-trace "${flags[@]}" --eval --strict "lang/$name.nix" > "$t.out" 2> "$t.err"; rc=$?
      fi
      sed -i "s|$dir|/pwd|g" "$t.out" "$t.err"
      [ -f "lang/$name.postprocess" ] && bash "lang/$name.postprocess" "$t" >/dev/null 2>&1
      res=fail
      if [ $rc = 0 ] && cmp -s "$t.out" "$exp"; then
        if [ -f "lang/$name.err.exp" ]; then cmp -s "$t.err" "lang/$name.err.exp" && res=pass; else res=pass; fi
      fi ;;
    eval-fail-*) cat=eval-fail
      # show-trace = true is in effect for every test (README), also where X.flags replaces the flags
      if [ -f "lang/$name.flags" ]; then read -r -a flags < <(sed 's/#.*//' "lang/$name.flags" | tr '\n' ' '); flags=(--show-trace "${flags[@]}")
      else flags=(--eval --strict --show-trace); fi
      TEST_VAR=foo NIX_PATH=lang/dir3:lang/dir4 HOME=/fake-home \
        timeout 20 "$cnix" instantiate "${xp[@]}" "${flags[@]}" "lang/$name.nix" > "$t.out" 2> "$t.err"; rc=$?
      sed -i "s|$dir|/pwd|g" "$t.out" "$t.err"
      [ -f "lang/$name.postprocess" ] && bash "lang/$name.postprocess" "$t" >/dev/null 2>&1
      res=fail
      if [ $rc = 1 ]; then
        if [ -f "lang/$name.err.exp" ]; then [ "$(errmsg "$t.err")" = "$(errmsg "lang/$name.err.exp")" ] && res=pass; else res=pass; fi
      fi
      [ -f "lang/$name.err.exp" ] && cmp -s "$t.err" "lang/$name.err.exp" && exact=exact
      difference "lang/$name.err.exp" "$t.err" "$name" ;;
    *) return ;;
  esac
  echo "$res $cat $name $exact" > "$out/results/$name"
}
export -f run_one
export out cnix

mkdir -p "$out/results" "$out/diffs"
{
  if [ -n "$suite" ]; then
    for f in "$suite"/lang/*.nix; do n=$(basename "$f" .nix); echo "$suite $n"; done
  else
    echo "warning: CppNix's suite not found (set NIX_LANG_TESTS); running only tests/cases" >&2
  fi
  # tests/cases holds cnix's own tests; run from a folder whose lang/ is tests/cases.
  [ -d "$root/tests/cases" ] && for f in "$root"/tests/cases/*.nix; do
    [ -e "$f" ] && echo "$out/own $(basename "$f" .nix)"; done
} | grep -E "${filter:-.}" > "$out/list"
mkdir -p "$out/own"; ln -s "$root/tests/cases" "$out/own/lang"
xargs -P "${JOBS:-2}" -L 1 bash -c 'run_one "$0" "$1"' < "$out/list"

declare -A listed=()
if [ -f "$known" ]; then
  while read -r n _; do [ -n "$n" ] && listed[$n]=1; done < <(sed -e 's/#.*//' -e '/^\s*$/d' "$known")
fi
pass=0; fail=0; unexpected=0; fixed=0
declare -A cpass=() cfail=() cexact=() cfailexp=()
for r in "$out"/results/*; do
  read -r res cat name exact < "$r"
  [ "$res" = skip ] && continue
  if [ "$res" = pass ]; then
    pass=$((pass+1)); cpass[$cat]=$(( ${cpass[$cat]:-0} + 1 ))
    if [ -n "${listed[$name]:-}" ]; then fixed=$((fixed+1)); echo "NOW PASSES (remove from known-failures): $name"; fi
  else
    fail=$((fail+1)); cfail[$cat]=$(( ${cfail[$cat]:-0} + 1 ))
    if [ -z "${listed[$name]:-}" ]; then unexpected=$((unexpected+1)); echo "FAIL: $name"; fi
  fi
  [ "$exact" = exact ] && cexact[$cat]=$(( ${cexact[$cat]:-0} + 1 ))
done
if [ -n "${LANG_DIFF:-}" ]; then
  for d in "$out"/diffs/*; do [ -e "$d" ] && { cat "$d"; echo; }; done
  for d in "$out"/diffs/*; do [ -e "$d" ] && echo "NOT EXACT: $(basename "$d")"; done
fi
for cat in parse-okay parse-fail eval-okay eval-fail; do
  line=$(printf '%-11s %4d passed, %4d failed' "$cat" "${cpass[$cat]:-0}" "${cfail[$cat]:-0}")
  case $cat in *-fail) line="$line   (exact error message: ${cexact[$cat]:-0})";; esac
  echo "$line"
done
echo "known failures: ${#listed[@]} listed; unexpected failures: $unexpected; listed but now passing: $fixed"
echo "$pass passed, $fail failed"
[ $unexpected = 0 ] && [ $fixed = 0 ]
