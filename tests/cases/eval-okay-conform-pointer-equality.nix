# CppNix's eqValues: both sides are forced, then a value is equal to itself (the same Value,
# so also a function) -- but `==` compares two copies of its operands, so `f == f` is false.
let
  f = x: x;
  g = f;
  t = [ (throw "not forced") ];
in
[
  (f == f)
  ([ f ] == [ f ])
  ([ f ] == [ g ])
  ({ a = f; } == { a = f; })
  (builtins.elem f [ 1 f ])
  ([ t ] == [ t ])
  ([ f ] == [ (x: x) ])
]
