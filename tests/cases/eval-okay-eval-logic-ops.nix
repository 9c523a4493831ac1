# && || -> short-circuit and their truth tables; ! and comparisons (a <= b is !(b < a)).
let
  t = true;
  f = false;
  boom = throw "not short-circuited";
in
[
  (t && t) (t && f) (f && boom)
  (t || boom) (f || t) (f || f)
  (f -> boom) (t -> t) (t -> f)
  (!t) (!f)
  (1 < 2) (2 <= 2) (3 > 2) (2 >= 3)
  (1.5 < 2) (2 <= 1.5)
  ("abc" < "abd") ([ 1 2 ] < [ 1 3 ]) ([ 1 ] < [ 1 0 ])
]
