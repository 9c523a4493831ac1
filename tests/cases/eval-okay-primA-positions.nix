# Which primop results keep attribute positions (unsafeGetAttrPos), as CppNix.
let s = { a = 1; b = 2; }; f = { x, y ? 1 }: x; in
map (p: if p == null then null else p.line) [
  (builtins.unsafeGetAttrPos "a" (builtins.mapAttrs (n: v: v) s))
  (builtins.unsafeGetAttrPos "a" (removeAttrs s [ "b" ]))
  (builtins.unsafeGetAttrPos "a" (builtins.intersectAttrs s s))
  (builtins.unsafeGetAttrPos "a" (builtins.listToAttrs [ { name = "a"; value = 1; } ]))
  (builtins.unsafeGetAttrPos "a" (builtins.zipAttrsWith (n: v: v) [ s ]))
  (builtins.unsafeGetAttrPos "a" (builtins.groupBy (x: "a") [ 1 ]))
  (builtins.unsafeGetAttrPos "y" (builtins.functionArgs f))
  (builtins.unsafeGetAttrPos "right" (builtins.partition (x: true) [ ]))
  (builtins.unsafeGetAttrPos "name" (builtins.parseDrvName "a-1"))
]
