#!/usr/bin/env bash
# The collector's work as `cnix instantiate --stats` reports it (gc: cycles, heap in use after
# each collection summed, time in collections): for a small allocation-heavy expression, and
# for each real-world workload when REALWORLD_DIR holds the trees.
#   bench/gcstats.sh BUILD/cnix [REALWORLD_SCRIPTS_DIR REALWORLD_DIR]
# With BENCH_RESULTS set, appends "gcstats <tab> NAME <tab> cycles <tab> markedBytes <tab> seconds
# <tab> heapSize" (or "gcstats <tab> NAME <tab> missing" when --stats lacks a key).
set -u
cnix=$(cd "$(dirname "$1")" && pwd)/$(basename "$1"); scripts=${2:-}; dir=${3:-}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
runs=("genList:-E:builtins.foldl' (a: x: a + x.i + builtins.stringLength x.s) 0 (builtins.genList (i: { inherit i; s = toString i; }) 1000000)")
if [ -n "$scripts" ] && [ -f "$dir/nixpkgs/default.nix" ] && [ -d "$dir/home-manager/modules" ]; then
  for f in "$scripts"/*.nix; do
    name=$(basename "$f" .nix); [ "$name" = overlay ] && continue
    runs+=("$name:$f")
  done
fi
printf '%-12s %7s %12s %9s %11s\n' workload cycles marked_MB gc_s heap_MB
for r in "${runs[@]}"; do
  name=${r%%:*}; rest=${r#*:}
  if [[ $rest == -E:* ]]; then args=(--eval --strict -E "${rest#-E:}")
  else args=(--readonly-mode --eval --strict --json --arg nixpkgs "$dir/nixpkgs" --arg home-manager "$dir/home-manager" "$rest"); fi
  ( cd "$tmp" && NIX_PATH= "$cnix" instantiate --stats "${args[@]}" >/dev/null 2>"$tmp/stats" )
  python3 - "$name" "$tmp/stats" "${BENCH_RESULTS:-}" <<'PY'
import json, sys
name, path, results = sys.argv[1:]
text = open(path).read()
try:
    gc = json.loads(text[text.index("{"):])["gc"]
    row = (gc["cycles"], gc["markedBytes"], gc["seconds"], gc["heapSize"])
except (ValueError, KeyError) as e:
    print(f"{name:<12} --stats has no collector figures ({type(e).__name__})")
    if results:
        open(results, "a").write(f"gcstats\t{name}\tmissing\n")
    sys.exit(0)
print(f"{name:<12} {row[0]:7d} {row[1] / 2**20:12.1f} {row[2]:9.3f} {row[3] / 2**20:11.1f}")
if results:
    open(results, "a").write("gcstats\t%s\t%d\t%d\t%.3f\t%d\n" % ((name,) + row))
PY
done
