#!/usr/bin/env bash
# e2e: Ctrl-C (SIGINT) during evaluation stops it the same way in every command that
# evaluates (one session, cli/session.c): "error: interrupted by the user", exit status 1;
# the REPL goes on reading after it.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.bash"

# Runs long (10^10 calls) in bounded memory and depth; the trace says evaluation started.
loop='builtins.trace "started" (let inner = n: if n == 0 then 0 else inner (n - 1); outer = m: if m == 0 then 0 else builtins.seq (inner 100000) (outer (m - 1)); in outer 100000)'

# wait_for FILE TEXT: polls (up to 30 s) until FILE contains TEXT.
wait_for() {
  for _ in $(seq 300); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  return 1
}

# stop PID: waits (up to 30 s) for PID to exit, then kills it; sets rc.
stop() {
  for _ in $(seq 300); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$1" 2>/dev/null; then kill -KILL "$1"; wait "$1" 2>/dev/null; rc=124; else wait "$1"; rc=$?; fi
}

# interrupt NAME CNIX-ARGS...: starts the evaluation, sends SIGINT once it runs.
interrupt() {
  local name=$1; shift
  : >"$TMP/int.err"
  "$CNIX" "$@" >"$TMP/int.out" 2>"$TMP/int.err" </dev/null &
  local pid=$! p=""
  if ! wait_for "$TMP/int.err" "trace: started"; then p="evaluation did not start"; kill -KILL $pid; fi
  kill -INT $pid 2>/dev/null
  stop $pid
  err=$(cat "$TMP/int.err")
  [ -z "$p" ] && [ "$rc" != 1 ] && p="exit status $rc, expected 1"
  [ -z "$p" ] && ! grep -q "error: interrupted by the user" "$TMP/int.err" && p="no 'error: interrupted by the user'"
  _verdict "$name" "$p"
}

interrupt interrupt-instantiate-eval instantiate --eval -E "$loop"
interrupt interrupt-instantiate instantiate -E "$loop"
interrupt interrupt-eval eval --expr "$loop"
interrupt interrupt-build build --no-out-link -E "$loop"
interrupt interrupt-profile profile switch --profile "$TMP/prof" -E "$loop"

# The REPL (from a pipe): the evaluation stops, the next input is evaluated.
mkfifo "$TMP/fifo"
"$CNIX" repl <"$TMP/fifo" >"$TMP/int.out" 2>"$TMP/int.err" &
pid=$!
exec 3>"$TMP/fifo"
printf '%s\n' "$loop" >&3
p=""
wait_for "$TMP/int.err" "trace: started" || p="evaluation did not start"
kill -INT $pid 2>/dev/null
wait_for "$TMP/int.err" "interrupted by the user" || p="${p:-no 'interrupted by the user'}"
printf '6 * 7\n' >&3
exec 3>&-
stop $pid
err=$(cat "$TMP/int.err")
[ -z "$p" ] && [ "$rc" != 0 ] && p="exit status $rc, expected 0"
[ -z "$p" ] && ! grep -qx 42 "$TMP/int.out" && p="the input after the interrupt was not evaluated: $(head -c 200 "$TMP/int.out")"
_verdict interrupt-repl "$p"

finish
