# A long concatenated string (a rope inside) in an error message and as a missing attribute.
let
  long = builtins.foldl' (acc: i: acc + "ab") "" (builtins.genList (i: i) 100);
in
if builtins.hasAttr long { } then null else throw ("no such name: ${long}" + "!")
