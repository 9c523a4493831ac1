#!/bin/sh
# tests/tally.sh STATUS LOG: prints "PASSED FAILED" for one test program that exited with
# STATUS and wrote LOG. Its counts are those of the last "N passed, N failed" line in LOG; a
# program without such a line is one check; a program that failed while reporting no failed
# check (it died midway) counts one failure more, so a crash is never summed away.
st=$1 log=$2
set -- $(awk 'match($0, /[0-9]+ passed, [0-9]+ failed/) { s = substr($0, RSTART, RLENGTH) }
              END { if (s != "") { split(s, a, " "); print a[1], a[3] } }' "$log" 2>/dev/null)
if [ $# -eq 0 ]; then
  if [ "$st" = 0 ]; then echo "1 0"; else echo "0 1"; fi
elif [ "$st" != 0 ] && [ "$2" = 0 ]; then
  echo "$1 1"
else
  echo "$1 $2"
fi
