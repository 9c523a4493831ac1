#!/usr/bin/env bash
# Runs each primitive pattern at 10^4, 10^5, 10^6 elements; prints wall time and peak RSS so
# that linear growth (x10 per row) can be read off.
set -u
cnix=$1
declare -A exprs=(
  [map]='n: builtins.length (map (x: x + 1) (builtins.genList (x: x) n))'
  [filter]='n: builtins.length (builtins.filter (x: x / 2 * 2 == x) (builtins.genList (x: x) n))'
  [foldl]="n: builtins.foldl' (a: b: a + b) 0 (builtins.genList (x: x) n)"
  [genList]='n: builtins.length (builtins.genList (x: x * 2) n)'
  [listToAttrs]='n: builtins.length (builtins.attrNames (builtins.listToAttrs (builtins.genList (i: { name = toString i; value = i; }) n)))'
  [attrNames]='n: let s = builtins.listToAttrs (builtins.genList (i: { name = "a${toString i}"; value = i; }) n); in builtins.length (builtins.attrNames s) + builtins.length (builtins.attrNames s)'
  [update]="n: builtins.length (builtins.attrNames (builtins.foldl' (acc: i: acc // { \"k\${toString (builtins.div i 100)}\" = i; }) {} (builtins.genList (x: x) n)))"
  [concat]="n: builtins.stringLength (builtins.foldl' (acc: i: acc + \"x\") \"\" (builtins.genList (x: x) n))"
  [interp]="n: builtins.stringLength (builtins.foldl' (acc: i: \"\${acc}x\") \"\" (builtins.genList (x: x) n))"
)
printf '%-12s %10s %10s %10s   %s\n' pattern n wall_s peak_MB result
for name in map filter foldl genList listToAttrs attrNames update concat interp; do
  for n in 10000 100000 1000000; do
    # 60 s cap: `//` loops are quadratic by nature (each step copies the accumulator, as
    # in CppNix), so their 10^6 row would take minutes. String appends (concat, interp)
    # are linear: a long left operand is kept by reference (eval/rope.c), not copied.
    r=$( { /usr/bin/time -f '%e %M' timeout 60 "$cnix" instantiate --eval --strict -E "(${exprs[$name]}) $n" 2>&1 >/tmp/cnix-scale.$$; } | tail -1)
    [ -s /tmp/cnix-scale.$$ ] || echo "(timeout or error)" > /tmp/cnix-scale.$$
    printf '%-12s %10d %10s %10.1f   %s\n' "$name" "$n" "${r% *}" "$(awk "BEGIN{print ${r#* }/1024}")" "$(head -c 40 /tmp/cnix-scale.$$)"
  done
done
rm -f /tmp/cnix-scale.$$
