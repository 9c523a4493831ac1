# Environments of calls kept on the C stack (eval/eval.c, StackEnv) and values escaping from them.
let
  three = (a: b: c: a + b + c) 1 2 3;
  ret = ((a: b: x: a + b + x) 1 2) 3;
  f = a: b: { s = a + b; l = [ a b ]; g = y: a + y; };
  r = f 1 2;
  srt = builtins.sort (a: b: let d = a - b; in d < 0) [ 5 3 9 1 ];
  fl = builtins.foldl' (acc: x: acc // { "k${toString x}" = x; }) {} [ 1 2 3 ];
  fw = builtins.foldl' (acc: x: with { inherit x; }; acc + x) 0 [ 1 2 3 ];
  mixed = builtins.foldl' ({ s ? 0 }: x: { s = s + x; }) {} [ 1 2 ];
  partial = let add = a: b: a + b; inc = add 1; in map inc [ 1 2 ];
  functor = let s = { __functor = self: a: b: a + b; }; in s 1 2;
in { inherit three ret srt fl fw mixed partial functor; rs = r.s; rl = r.l; rg = r.g 10; }
