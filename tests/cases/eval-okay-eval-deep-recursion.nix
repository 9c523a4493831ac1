# Non-tail recursion 10^5 deep (CppNix 2.8 overflows its stack here) and a long lazy chain.
let
  f = n: if n == 0 then 0 else 1 + f (n - 1);
  chain = builtins.foldl' (acc: x: { v = acc.v + x; }) { v = 0; } (builtins.genList (x: x) 100000);
in
[ (f 100000) chain.v ]
