#!/usr/bin/env bash
# Reliability: evaluations that overflow, recurse without end or ask for absurd amounts of
# memory must end with exit status 1 and a clear error, never a crash or a hang.
. "$(dirname "$0")/lib.bash"
cd "$TMP"

# Integer overflow is an error in current CppNix (it wrapped in 2.8).
expect_err overflow-add 'integer overflow in adding 9223372036854775807 \+ 1' -- instantiate --eval --show-trace -E '9223372036854775807 + 1'
expect_err overflow-sub 'integer overflow in subtracting' -- instantiate --eval --show-trace -E '(-9223372036854775807) - 2'
expect_err overflow-mul 'integer overflow in multiplying' -- instantiate --eval --show-trace -E '9223372036854775807 * 2'
expect_err overflow-div 'integer overflow in dividing -9223372036854775808 / -1' -- instantiate --eval --show-trace -E '(-9223372036854775807 - 1) / -1'
expect_err overflow-neg 'integer overflow' -- instantiate --eval --show-trace -E '0 - (-9223372036854775807 - 1)'
expect_err overflow-builtin-add 'integer overflow' -- instantiate --eval --show-trace -E 'builtins.add 9223372036854775807 1'
expect_err overflow-foldl-sum 'integer overflow' -- instantiate --eval --show-trace -E "builtins.foldl' builtins.add 0 [ 9223372036854775807 1 ]"
expect_err division-by-zero 'division by zero' -- instantiate --eval --show-trace -E '1 / 0'
expect_err builtin-div-by-zero 'division by zero' -- instantiate --eval --show-trace -E 'builtins.div 7 0'

# Memory exhaustion: lists and strings far beyond any machine.
expect_err genList-huge 'error:' --nopos -- instantiate --eval --strict --show-trace -E 'builtins.genList (x: x) 1000000000000'
expect_err genList-huge-length 'error:' --nopos -- instantiate --eval --show-trace -E 'builtins.length (builtins.genList (x: x) 1000000000000)'
expect_err genList-negative 'cannot create list of size -1' -- instantiate --eval --show-trace -E 'builtins.genList (x: x) (-1)'
expect_err string-doubling 'error:' --nopos -- instantiate --eval --show-trace -E 'let d = s: s + s; f = n: s: if n == 0 then s else f (n - 1) (d s); in builtins.stringLength (f 40 "x")'
expect_err list-doubling 'error:' --nopos -- instantiate --eval --show-trace -E 'let f = n: l: if n == 0 then l else f (n - 1) (l ++ l); in builtins.length (f 40 [ 1 ])'
expect_err replicate-string 'error:' --nopos -- instantiate --eval --show-trace -E 'builtins.stringLength (builtins.concatStringsSep "" (builtins.genList (x: "0123456789") 1000000000))'

# Unbounded recursion.
expect_err infinite-recursion-let 'infinite recursion encountered' -- instantiate --eval --show-trace -E 'let x = x; in x'
expect_err infinite-recursion-attrs 'infinite recursion encountered' -- instantiate --eval --show-trace -E 'rec { a = b; b = a; }.a'
expect_err unbounded-call-depth 'stack overflow|max-call-depth' -- instantiate --eval --show-trace -E 'let f = x: f x; in f 1'
# 10^6 nested calls: CppNix stops at max-call-depth (10000); cnix's default allows more, so
# either the result or a clean stack-overflow error is acceptable here.
TIMEOUT=120 expect_sane recursion-10e6 -- instantiate --eval --show-trace -E 'let f = n: if n == 0 then 0 else 1 + f (n - 1); in f 1000000'
TIMEOUT=120 expect_err recursion-10e6-max-call-depth 'stack overflow|max-call-depth' -- instantiate --eval --show-trace --max-call-depth 10000 -E 'let f = n: if n == 0 then 0 else 1 + f (n - 1); in f 1000000'
expect_err recursive-attrset-growth 'stack overflow|max-call-depth|infinite recursion' -- instantiate --eval --show-trace -E 'let f = x: { a = f x; } // f x; in f 1'

# Deep data built at run time: printing, comparing, serialising or forcing it either works
# or fails cleanly.
deep='builtins.foldl'"'"' (acc: _: [ acc ]) [ ] (builtins.genList (x: x) 1000000)'
deepattrs='builtins.foldl'"'"' (acc: _: { a = acc; }) { } (builtins.genList (x: x) 1000000)'
TIMEOUT=120 expect_sane deep-list-print -- instantiate --eval --strict --show-trace -E "$deep"
TIMEOUT=120 expect_sane deep-list-deepSeq -- instantiate --eval --show-trace -E "builtins.deepSeq ($deep) 1"
TIMEOUT=120 expect_sane deep-list-equal -- instantiate --eval --show-trace -E "($deep) == ($deep)"
TIMEOUT=120 expect_sane deep-attrs-toJSON -- instantiate --eval --show-trace -E "builtins.stringLength (builtins.toJSON ($deepattrs))"
TIMEOUT=120 expect_sane deep-attrs-toXML -- instantiate --eval --show-trace -E "builtins.stringLength (builtins.toXML ($deepattrs))"
TIMEOUT=120 expect_sane deep-attrs-print -- instantiate --eval --strict --show-trace -E "$deepattrs"
TIMEOUT=120 expect_sane deep-fromJSON -- instantiate --eval --show-trace -E "builtins.fromJSON (builtins.concatStringsSep \"\" (builtins.genList (x: \"[\") 1000000))"

finish
