# CppNix parses - * / < > <= >= and unary minus as calls of the variables __sub, __mul, __div
# and __lessThan, so a let, rec set, function argument or scopedImport scope can rebind them;
# `with` cannot (the builtins are lexically bound). `+` is not overridable.
let
  __sub = _: _: "subtracted";
  __mul = _: _: "multiplied";
  __div = _: _: "divided";
  __lessThan = a: b: "compared ${toString a} ${toString b}";
in
[
  (3 + 5)
  (4 * 4)
  (-3)
  (12 - 3)
  (0 / 1)
  (42 < 16)
  (42 > 16)
  (rec { __sub = a: b: a; x = 5 - 1; }).x
  ((__lessThan: [ (1 <= 2) (1 >= 2) ]) (a: b: a == 1))
  ((__mul: 2 * 3) (a: b: a + b))
  (with { __mul = _: _: "with"; }; 2 * 3)
  (builtins.scopedImport { __div = a: b: [ a b ]; } ./eval-okay-conform-op-override.imported-nix)
]
