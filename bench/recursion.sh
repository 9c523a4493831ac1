#!/usr/bin/env bash
# Recursion depth: evaluates `let f = n: if n == 0 then 0 else 1 + f (n - 1); in f N` for
# N = 10^4, 2*10^4, 5*10^4, 10^5, ... until it fails (or N = 10^7 succeeds), under cnix and,
# when installed, CppNix's nix-instantiate. Prints the deepest N that worked, the first that
# failed and whether that failure was clean (exit status 1 and an `error:` message, no signal).
#   bench/recursion.sh BUILD/cnix
# With BENCH_RESULTS set, appends
# "depth <tab> IMPL <tab> deepest_ok <tab> first_failed <tab> clean(yes|no|-) <tab> message".
set -u
cnix=$1
impls=("cnix|$cnix instantiate")
if command -v nix-instantiate >/dev/null; then
  impls+=("CppNix $(nix-instantiate --version | awk '{print $NF}')|nix-instantiate")
fi
out=$(mktemp); trap 'rm -f "$out"' EXIT
for entry in "${impls[@]}"; do
  name=${entry%%|*}; cmd=${entry#*|}
  ok=0; failed=0; clean=-; msg=""; secs=""
  for n in 10000 20000 50000 100000 200000 500000 1000000 2000000 5000000 10000000; do
    s=$(date +%s%N)
    # 120 s and 16 GiB of address space at most: a runaway evaluation is a failure, not a hang
    ( ulimit -v 16777216; timeout 120 $cmd --eval --strict \
        -E "let f = n: if n == 0 then 0 else 1 + f (n - 1); in f $n" >"$out" 2>&1 )
    st=$?
    e=$(date +%s%N)
    if [ $st = 0 ] && [ "$(head -c 20 "$out")" = "$n" ]; then
      ok=$n; secs=$(awk "BEGIN{printf \"%.2f\", ($e - $s) / 1e9}")
      continue
    fi
    failed=$n
    msg=$(grep -o 'error: .*' "$out" | tail -1 | head -c 100)
    if [ $st = 1 ] && [ -n "$msg" ]; then clean=yes; else clean=no; msg="exit status $st ${msg:-(no error message)}"; fi
    break
  done
  if [ "$failed" = 0 ]; then
    printf '%-14s deepest N that worked: %s (%s s); no failure up to 10^7\n' "$name" "$ok" "$secs"
  else
    printf '%-14s deepest N that worked: %s (%s s); N = %s fails %s: %s\n' "$name" "$ok" "${secs:--}" \
      "$failed" "$([ $clean = yes ] && echo cleanly || echo UNCLEANLY)" "$msg"
  fi
  [ -n "${BENCH_RESULTS:-}" ] && printf 'depth\t%s\t%s\t%s\t%s\t%s\n' "$name" "$ok" "$failed" "$clean" "$msg" >>"$BENCH_RESULTS"
done
exit 0
