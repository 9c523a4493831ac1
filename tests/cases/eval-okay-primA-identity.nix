# Which primop results are the same list/set as their input, as the printer's
# «repeated» shows: a list only as the same Value object (CppNix since 2025: results of
# calls are copies, so none here), a set as the same bindings (getAttr returns s itself).
let
  l = [ 1 2 3 ];
  small = [ 1 2 ];
  s = { a = 1; b = 2; };
in
[
  l
  (builtins.filter (x: true) l)
  (builtins.filter (x: true) small)
  (builtins.filter (x: x > 1) l)
  (builtins.tail [ 0 1 2 3 ])
  (builtins.tail [ 0 1 2 3 ])
  (builtins.concatLists [ [ ] l [ ] ])
  (builtins.concatMap (x: x) [ l ])
  (builtins.elemAt [ l ] 0)
  (builtins.head [ l ])
  (builtins.sort builtins.lessThan l)
  (map (x: x) l)
  s
  (removeAttrs s [ "c" ])
  (builtins.intersectAttrs s s)
  (builtins.getAttr "x" { x = s; })
  (builtins.mapAttrs (n: v: v) s)
]
