#!/bin/sh
# Runs every built fuzz target (build-fuzz/fuzz/*) for $1 seconds each (default
# $FUZZ_SECONDS or 30) on its seed corpus (fuzz/corpus/NAME without the fuzz_ prefix, or
# fuzz/corpus/fuzz_NAME); new inputs go to a scratch copy so the seeds stay small. Prints
# executions and findings per target, and ends with "N passed, N failed".
secs=${1:-${FUZZ_SECONDS:-30}}
# LeakSanitizer cannot see pointers held in bdwgc's heap (see `make asan` in the Makefile).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:detect_stack_use_after_return=0}
pass=0; fail=0
for bin in build-fuzz/fuzz/fuzz_*; do
  [ -x "$bin" ] || continue
  n=$(basename "$bin"); short=${n#fuzz_}
  seeds=fuzz/corpus/$short; [ -d "$seeds" ] || seeds=fuzz/corpus/$n
  work=build-fuzz/corpus/$n; mkdir -p "$work"
  [ -d "$seeds" ] && cp -n "$seeds"/* "$work"/ 2>/dev/null
  log=build-fuzz/$n.log
  # -timeout: a single input running this long is a hang (fuzz_eval stops its own
  # programs after 1.5 s of CPU); -rss_limit_mb: the process, ASan shadow included.
  "$bin" -max_total_time="$secs" -rss_limit_mb=2560 -timeout=20 -print_final_stats=1 -detect_leaks=0 \
    -artifact_prefix=build-fuzz/$n- "$work" >"$log" 2>&1
  st=$?
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  [ -n "$runs" ] || runs=$(grep -o 'Done [0-9]* runs' "$log" | grep -o '[0-9][0-9]*' | tail -1)
  found=$(grep -cE '^(==[0-9]+==ERROR|SUMMARY: |ALARM: working on the last Unit|==[0-9]+== ERROR: libFuzzer)' "$log")
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
  if [ "$st" = 0 ]; then
    pass=$((pass+1)); echo "ok   $n: ${runs:-?} executions, $cov, 0 findings"
  else
    fail=$((fail+1)); echo "FAIL $n: ${runs:-?} executions, $found finding(s), artifacts: $(ls build-fuzz/$n-* 2>/dev/null | tr '\n' ' ') (log $log)"
    grep -E 'ERROR|SUMMARY|#[0-9]+ 0x' "$log" | head -20
  fi
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
