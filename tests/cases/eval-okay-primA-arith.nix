# Arithmetic, comparison, rounding and type primops.
let
  intMax = 9223372036854775807;
  intMin = -9223372036854775807 - 1;
in
{
  add = [ (builtins.add 1 2) (builtins.add 1 2.5) (builtins.add 0.5 0.25) (builtins.add intMax intMin) ];
  sub = [ (builtins.sub 1 2) (builtins.sub 1.5 2) (builtins.sub intMin (-1)) ];
  mul = [ (builtins.mul 6 7) (builtins.mul 2 0.5) (builtins.mul intMax (-1)) ];
  div = [ (builtins.div 7 2) (builtins.div (-7) 2) (builtins.div 7.0 2) (builtins.div 1 4.0) (builtins.div intMin 2) ];
  bits = [ (builtins.bitAnd 12 10) (builtins.bitOr 12 10) (builtins.bitXor 12 10) (builtins.bitAnd (-1) 255) (builtins.bitXor intMax intMin) ];
  lessThan = [
    (builtins.lessThan 1 2) (builtins.lessThan 2 1) (builtins.lessThan 1 1.5) (builtins.lessThan 1.0 1)
    (builtins.lessThan "a" "b") (builtins.lessThan "" "a") (builtins.lessThan /a /b)
    (builtins.lessThan [ 1 2 ] [ 1 3 ]) (builtins.lessThan [ 1 ] [ 1 0 ]) (builtins.lessThan [ { } 1 ] [ { } 2 ])
  ];
  ceil = [ (builtins.ceil 1.2) (builtins.ceil (-1.2)) (builtins.ceil 3) (builtins.ceil 2.0) (builtins.ceil (-0.5)) ];
  floor = [ (builtins.floor 1.8) (builtins.floor (-1.2)) (builtins.floor 3) (builtins.floor (-0.0)) ];
  types = map builtins.typeOf [ 1 1.0 "s" /p null true { } [ ] (x: x) builtins.map (builtins.map (x: x)) ];
  isNull = [ (isNull null) (isNull 0) ];
  preds = map (v: [
    (builtins.isInt v) (builtins.isFloat v) (builtins.isString v) (builtins.isPath v) (builtins.isBool v)
    (builtins.isList v) (builtins.isAttrs v) (builtins.isFunction v) (builtins.isNull v)
  ]) [ 1 1.0 "s" /p false [ ] { } (x: x) builtins.add (builtins.add 1) { __functor = s: x: x; } null ];
}
