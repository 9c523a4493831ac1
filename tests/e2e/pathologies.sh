#!/usr/bin/env bash
# Pathologies: inputs whose cost used to grow quadratically must end quickly, with their
# result or a clean error. Each check has a time limit that the linear implementation meets
# many times over and the quadratic one missed by far (measured on the old code: 9*10^4
# nested '-' 20 s, `{}.a.a...` 9*10^4 over 60 s, a 3*10^4 `++` chain 12 s, foldl' appending
# 10^5 elements 39 s; now each under 1 s).
. "$(dirname "$0")/lib.bash"
cd "$TMP"
TIMEOUT=${PATHOLOGY_TIMEOUT:-20}

# nest KIND N > FILE: N nested KIND forms around a value (python3 builds the source).
nest() {
  python3 - "$1" "$2" <<'PY'
import sys
k, n = sys.argv[1], int(sys.argv[2])
src = {
    "neg": lambda: "-" * n + "1",                       # no blanks: one run of path characters
    "neg-spaced": lambda: "- " * n + "1",
    "not": lambda: "!" * n + "true",
    "paren": lambda: "(" * n + "1" + ")" * n,
    "list": lambda: "builtins.length " + "[" * n + "1" + "]" * n,
    "set": lambda: "builtins.attrNames " + "{a=" * n + "1" + ";}" * n,
    "let": lambda: "let a=1; in " * n + "a",
    "if": lambda: "if true then " * n + "1" + " else 2" * n,
    "lambda": lambda: "builtins.isFunction (" + "x: " * n + "1)",
    "interp": lambda: '"${' * n + '"a"' + '}"' * n,
    "update": lambda: "builtins.attrNames (" + "{} // " * n + "{ a = 1; })",
    "concat": lambda: "builtins.length (" + "[1] ++ " * n + "[1])",
    "plus": lambda: "1 + " * n + "1",
    "select": lambda: "let s = { a = s; x = 1; }; in s" + ".a" * n + ".x",
    "select-spaced": lambda: "let s = { a = s; x = 1; }; in s" + " . a" * n + " . x",
    "apply": lambda: "let f = x: x; in " + "f " * n + "1",
}[k]()
sys.stdout.write(src)
PY
}
want() { # KIND N: the value of `nest KIND N`
  case $1 in
    neg|neg-spaced) [ $(($2 % 2)) = 0 ] && echo 1 || echo -1 ;;
    not) [ $(($2 % 2)) = 0 ] && echo true || echo false ;;
    paren|list|let|if|plus|apply|select|select-spaced) [ "$1" = plus ] && echo $(($2 + 1)) || echo 1 ;;
    lambda) echo true ;;
    interp) echo '"a"' ;;
    update|set) echo '[ "a" ]' ;;
    concat) echo $(($2 + 1)) ;;
  esac
}

# Below the parser's nesting limit (10^5 levels; a parenthesis or an interpolation takes 3)
# every form parses and evaluates; far beyond it (10^6) each either works or stops with the
# clean "expression nesting too deep" error.
for k in neg neg-spaced not paren list set let if lambda interp update concat plus select select-spaced apply; do
  nest "$k" 30000 > "$k.nix"
  expect_ok "nesting-$k-3e4" "$(want "$k" 30000)" -- instantiate --eval --strict "$k.nix"
  nest "$k" 1000000 > "$k-1e6.nix"
  expect_sane "nesting-$k-1e6" -- instantiate --eval --strict "$k-1e6.nix"
done
nest paren 1000000 > deep.nix
expect_err nesting-too-deep 'expression nesting too deep' -- instantiate --parse deep.nix
# The quadratic lexer case at the size that took 20 s before: 9*10^4 '-' and `.a` without blanks.
nest neg 90000 > neg9.nix
expect_ok lex-neg-9e4 1 -- instantiate --eval neg9.nix
nest select 90000 > sel9.nix
expect_ok lex-select-9e4 1 -- instantiate --eval sel9.nix

# `++`: long chains and accumulation loops are linear (ropes of element arrays).
nest concat 300000 > chain.nix
expect_ok concat-chain-3e5 300001 -- instantiate --eval chain.nix
acc="builtins.foldl' (acc: x: acc ++ [ x ]) [ ] (builtins.genList (x: x) 300000)"
expect_ok concat-foldl-3e5 '[ 300000 299999 44999850000 ]' -- instantiate --eval --strict \
  -E "let r = $acc; in [ (builtins.length r) (builtins.elemAt r 299999) (builtins.foldl' builtins.add 0 r) ]"
pre="builtins.foldl' (acc: x: [ x ] ++ acc) [ ] (builtins.genList (x: x) 300000)"
expect_ok concat-prepend-3e5 '[ 299999 0 ]' -- instantiate --eval --strict \
  -E "let r = $pre; in [ (builtins.head r) (builtins.elemAt r 299999) ]"
# Semantics are those of a copied list: elements stay lazy, equality, sharing and every
# list builtin see the concatenation.
L='builtins.genList (x: x) 40'
expect_ok concat-lazy 81 -- instantiate --eval -E "builtins.length ($L ++ [ (throw \"lazy\") ] ++ $L)"
expect_err concat-element-forced 'lazy' --nopos -- instantiate --eval --strict -E "$L ++ [ (throw \"lazy\") ] ++ $L"
expect_ok concat-builtins '[ true 39 [ 1 2 ] 40 true 79 [ 38 39 ] ]' -- instantiate --eval --strict -E "
  let a = $L; b = a ++ a; in [ (b == a ++ a) (builtins.elemAt b 79) (builtins.genList (i: builtins.elemAt (builtins.tail b) i) 2)
    (builtins.length (builtins.filter (x: x < 20) b)) (builtins.sort builtins.lessThan b == builtins.sort builtins.lessThan (a ++ a))
    (builtins.foldl' (m: x: if x > m then x else m) 0 (b ++ [ 79 ])) (builtins.genList (i: builtins.elemAt (map (x: x) b) (78 + i)) 2) ]"
expect_ok concat-tojson '"[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,0]"' \
  -- instantiate --eval --strict -E "builtins.toJSON ($L ++ [ 0 ])"
expect_err concat-type-error 'expected a list but found a string: "x"' -- instantiate --eval -E "$L ++ $L ++ \"x\""

finish
