#!/bin/sh
# Runs every built fuzz target (build-fuzz/fuzz/*) for $1 seconds each on its seed corpus
# (fuzz/corpus/NAME without the fuzz_ prefix, or fuzz/corpus/fuzz_NAME); new inputs go to a
# scratch copy so the seeds stay small. Ends with "N passed, N failed".
secs=${1:-60}
pass=0; fail=0
for bin in build-fuzz/fuzz/fuzz_*; do
  [ -x "$bin" ] || continue
  n=$(basename "$bin"); short=${n#fuzz_}
  seeds=fuzz/corpus/$short; [ -d "$seeds" ] || seeds=fuzz/corpus/$n
  work=build-fuzz/corpus/$n; mkdir -p "$work"
  [ -d "$seeds" ] && cp -n "$seeds"/* "$work"/ 2>/dev/null
  log=build-fuzz/$n.log
  if "$bin" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -artifact_prefix=build-fuzz/$n- "$work" >"$log" 2>&1; then
    pass=$((pass+1)); echo "ok $n: $(grep -o 'Done [0-9]* runs' "$log" | tail -1)"
  else
    fail=$((fail+1)); echo "FAIL $n (see $log)"; tail -30 "$log"
  fi
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
