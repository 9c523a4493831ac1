# Environments of calls kept on the C stack (eval/eval.c, StackEnv) and values escaping from them.
let
  big = 5000;
  l = x: [ x x ];
  a = x: { inherit x; y = x; };
  le = x: let y = x; in [ y ];
  cl = x: [ (z: x + z) ];
  pm = x: [ (builtins.add x) ];
  mp = x: map (y: y + x) [ 1 ];
  th = x: { t = x + 1; };
  nested = x: [] ++ l x;
  twice = x: (y: [ x y ]) x;
  deep = n: if n == 0 then [] else [ n ] ++ deep (n - 1);
  deep2 = n: if n == 0 then {} else { "a${toString n}" = n; } // deep2 (n - 1);
  w = x: with { q = x; }; [ q x ];
  r = x: rec { v = x; u = v; };
  g = x: builtins.genList (i: x) 2;
  s = x: builtins.seq x [ x ];
  tr = x: [ (builtins.tryEval x) ];
  id = x: x;
  lst = x: id [ x ];
  ch = x: [ (y: (z: [ x y z ])) ];
  n = big;
in {
  l = [] ++ l (n + 1);
  a = {} // a (n + 2);
  le = [] ++ le (n + 3);
  cl = map (f: f 1) ([] ++ cl (n + 4));
  pm = map (f: f 1) ([] ++ pm (n + 5));
  mp = [] ++ mp (n + 6);
  th = ({} // th (n + 7)).t;
  nested = [] ++ nested (n + 8);
  twice = [] ++ twice (n + 9);
  deep = deep 5;
  deep2 = deep2 3;
  w = [] ++ w (n + 10);
  r = {} // r (n + 11);
  g = [] ++ g (n + 12);
  s = [] ++ s (n + 13);
  tr = [] ++ tr (n + 14);
  lst = [] ++ lst (n + 16);
  ch = map (f: (f 1) 2) ([] ++ ch (n + 17));
  sum = 1 + id (n + 18);
  cmpf = [] ++ [ ((x: x > 3) (n - 1)) ];
  fl = builtins.foldl' (acc: x: acc ++ id [ (x + n) ]) [] [ 1 2 ];
}
