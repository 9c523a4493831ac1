#!/usr/bin/env bash
# End-to-end test runner: runs every tests/e2e/*.sh script (except this one) with CNIX set to
# the cnix binary; a script passes when it exits 0.   tests/e2e/run.sh BUILD/cnix [NAME-REGEX]
# Ends with "N passed, N failed"; exit status 1 if any script failed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] || { echo "usage: $0 CNIX-BINARY [NAME-REGEX]" >&2; exit 2; }
CNIX=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
[ -x "$CNIX" ] || { echo "error: '$CNIX' is not an executable" >&2; exit 2; }
export CNIX
filter=${2:-}
logs=$(mktemp -d); trap 'rm -rf "$logs"' EXIT
pass=0 fail=0
for t in "$here"/*.sh; do
  name=$(basename "$t" .sh)
  [ "$name" = run ] && continue
  [ -n "$filter" ] && ! [[ $name =~ $filter ]] && continue
  # A whole script gets 10 minutes; each cnix call inside has its own, shorter timeout.
  if (cd "$here" && timeout -k 10 600 bash "$t") > "$logs/$name.log" 2>&1; then
    pass=$((pass + 1)); echo "PASS $name"
  else
    fail=$((fail + 1)); echo "FAIL $name"; sed 's/^/    /' "$logs/$name.log" | tail -40
  fi
  # Expected failures are listed even when the script passes, so they stay visible.
  grep -E '^(XFAIL|XPASS)' "$logs/$name.log" | sed "s/^/    $name: /"
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
