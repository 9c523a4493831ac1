# "entering the infinite recursion" is printed always.
let
  a = { x = b.y; };
  b = { y = c.z; };
  c = { z = d.w; };
  d = { w = a.x; };
in
a.x
