# «repeated» marks only the same object printed again (CppNix's printer): the same list value
# twice is marked, a copy of it (x ++ [ ]) is printed again.
let
  x = [ 1 2 3 ];
  l = [ x x (x ++ [ ]) ];
in
builtins.deepSeq l (l + 1)
