# Environments of calls kept on the C stack (eval/eval.c, StackEnv) and values escaping from them.
let
  adders = map (x: y: x + y) [ 1 2 3 ];
  thunks = map (x: { a = x * 2; b = [ x (x + 1) ]; c = let z = x; in z + 1; d = with { q = x; }; q; }) [ 1 2 3 ];
  lazy = map (x: builtins.seq 1 (if x > 1 then x else 0)) [ 1 2 3 ];
  rec1 = map (x: rec { a = x; b = a + 1; }) [ 5 6 ];
  inh = map (x: { inherit x; }) [ 7 8 ];
  inhf = map (x: { inherit (x) a; }) [ { a = 1; } { a = 2; } ];
  nest = map (x: (y: z: x + y + z) 10) [ 1 2 ];
  f = n: if n == 0 then [] else [ (m: n + m) ] ++ f (n - 1);
  g = n: if n == 0 then (k: k) else (k: n + (g (n - 1)) k);
  h = n: if n == 0 then 0 else (x: x) (1 + h (n - 1));
  fold = builtins.foldl' (acc: x: acc ++ [ (y: x + y) ]) [] [ 1 2 3 ];
  srt = builtins.sort (a: b: a < b) [ 3 1 2 ];
  tail = n: acc: if n == 0 then acc else tail (n - 1) (acc + n);
  tail1 = n: if n == 0 then "done" else tail1 (n - 1);
  tries = map (x: builtins.tryEval (if x == 2 then throw "no" else x)) [ 1 2 3 ];
  strs = map (x: "v${toString x}") [ 1 2 ];
  apply = map (x: builtins.mapAttrs (k: v: v + x) { a = 1; b = 2; }) [ 10 20 ];
  gen = builtins.genList (i: [ i (i * 2) (j: i + j) ]) 3;
  cm = builtins.concatMap (x: [ x (x + 1) ]) [ 1 2 ];
  part = builtins.partition (x: x > 1) [ 1 2 3 ];
  fix = f: let x = f x; in x;
  fixed = fix (self: { a = 1; b = self.a + 1; });
  assertf = map (x: assert x > 0; x) [ 1 2 ];
  wth = map (x: with x; a + b) [ { a = 1; b = 2; } ];
  deep = let d = n: if n == 0 then (x: x) else d (n - 1); in (d 100) 5;
  ops = map (x: x == 1 || x > 2) [ 1 2 3 ];
in {
  a = map (f: f 10) adders;
  inherit thunks lazy rec1 inh inhf nest srt tries strs apply cm part fixed assertf wth deep ops;
  f = map (m: m 1) (f 3);
  g = (g 4) 10;
  h = h 100;
  fold = map (f: f 100) fold;
  tail = tail 1000 0;
  tail1 = tail1 1000;
  gen = map (l: [ (builtins.elemAt l 0) (builtins.elemAt l 1) ((builtins.elemAt l 2) 5) ]) gen;
}
