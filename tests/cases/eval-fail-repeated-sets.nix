# «repeated» for sets (CppNix's printer compares bindings): s // { } is s again, and every
# empty set is the one shared empty Bindings; a set with the same contents is another set.
let
  s = { a = 1; };
  l = [ s (s // { }) { a = 1; } { } { } ];
in
builtins.deepSeq l (l + 1)
