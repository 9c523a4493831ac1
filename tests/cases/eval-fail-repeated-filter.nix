# A filter that keeps every element copies the list value: printed, not «repeated».
let
  x = [ 1 2 3 ];
  l = [ x (builtins.filter (_: true) x) ];
in
builtins.deepSeq l (l + 1)
