#!/usr/bin/env bash
# End-to-end test runner: runs every tests/e2e/*.sh script (except this one) with CNIX set to
# the cnix binary; a script passes when it exits 0.   tests/e2e/run.sh BUILD/cnix [NAME-REGEX]
# Ends with "N passed, N failed" over the checks of all scripts (each script's own last count
# line, tests/tally.sh); exit status 1 if any script failed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] || { echo "usage: $0 CNIX-BINARY [NAME-REGEX]" >&2; exit 2; }
CNIX=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
[ -x "$CNIX" ] || { echo "error: '$CNIX' is not an executable" >&2; exit 2; }
export CNIX
filter=${2:-}
logs=$(mktemp -d); trap 'rm -rf "$logs"' EXIT
pass=0 fail=0 spass=0 sfail=0
for t in "$here"/*.sh; do
  name=$(basename "$t" .sh)
  [ "$name" = run ] && continue
  [ -n "$filter" ] && ! [[ $name =~ $filter ]] && continue
  # A whole script gets 10 minutes; each cnix call inside has its own, shorter timeout.
  (cd "$here" && timeout -k 10 600 bash "$t") > "$logs/$name.log" 2>&1; st=$?
  read -r p f < <("$here/../tally.sh" $st "$logs/$name.log")
  pass=$((pass + p)) fail=$((fail + f))
  if [ $st = 0 ]; then
    spass=$((spass + 1)); echo "PASS $name ($p checks)"
  else
    sfail=$((sfail + 1)); echo "FAIL $name ($f of $((p + f)) checks failed)"; sed 's/^/    /' "$logs/$name.log" | tail -40
  fi
  # Expected failures are listed even when the script passes, so they stay visible.
  grep -E '^(XFAIL|XPASS)' "$logs/$name.log" | sed "s/^/    $name: /"
done
echo "scripts: $spass passed, $sfail failed"
echo "e2e: $pass passed, $fail failed"
[ "$sfail" = 0 ] && [ "$fail" = 0 ]
