# Attribute-set primops: name order, first-wins, laziness, positions, genericClosure keys.
let
  # Interned in non-lexicographic order, so symbol order differs from name order.
  s = { zeta = 1; alpha = 2; Mid = 3; "" = 4; "a b" = 5; a = 6; };
  big = builtins.listToAttrs (builtins.genList (i: { name = "k${toString i}"; value = i; }) 100);
  small = { k5 = "x"; k50 = "y"; nope = "z"; };
  f = { a, b ? 1, ... }: a;
  closure = builtins.genericClosure {
    startSet = [ { key = 1; } { key = 1.0; } { key = 2; } ];
    operator = x: if x.key < 6 then [ { key = x.key + 1; } { key = x.key * 2; } ] else [ ];
  };
in
{
  attrNames = builtins.attrNames s;
  attrValues = builtins.attrValues s;
  attrNamesEmpty = builtins.attrNames { };
  getAttr = builtins.getAttr "alpha" s;
  getAttrLazy = builtins.getAttr "a" { a = 1; b = throw "no"; };
  hasAttr = [ (builtins.hasAttr "a b" s) (builtins.hasAttr "never-interned-name-xyz" s) (builtins.hasAttr "b" s) ];
  removeAttrs = removeAttrs s [ "zeta" "a" "zeta" "not-there" ];
  removeAttrsNone = removeAttrs { x = 1; } [ "y" ];
  removeAttrsAll = removeAttrs { x = 1; y = 2; } [ "x" "y" ];
  listToAttrs = builtins.listToAttrs [
    { name = "b"; value = 1; }
    { name = "a"; value = 2; }
    { name = "b"; value = 3; }
    { name = "c"; value = throw "lazy"; }
    { name = "a"; value = throw "dropped"; }
  ] // { c = 0; };
  listToAttrsBig = [ (builtins.length (builtins.attrNames big)) big.k0 big.k99 ];
  listToAttrsDupFirst = (builtins.listToAttrs [ { name = "x"; value = 1; } { name = "x"; } ]).x;
  intersectSmall = builtins.intersectAttrs small big;
  intersectSmallRev = builtins.intersectAttrs big small;
  intersectSimilar = builtins.attrNames (builtins.intersectAttrs { k1 = 0; k2 = 0; k3 = 0; zz = 0; } { k2 = "r"; k3 = "r"; k4 = "r"; zz = "r"; });
  intersectValues = builtins.intersectAttrs { a = 1; b = 2; } { b = 3; c = 4; };
  intersectEmpty = builtins.intersectAttrs { } { a = 1; };
  catAttrs = builtins.catAttrs "a" [ { a = 1; } { b = 0; } { a = 2; } ];
  catAttrsUnknown = builtins.catAttrs "never-interned-name-abc" [ { a = 1; } ];
  mapAttrs = builtins.mapAttrs (name: value: name + "=" + toString value) { x = 1; y = 2; };
  mapAttrsLazy = (builtins.mapAttrs (n: v: throw "no") { a = 1; b = 2; }) ? a;
  mapAttrsCount = builtins.length (builtins.attrNames (builtins.mapAttrs (n: v: v) big));
  zipAttrsWith = builtins.zipAttrsWith (name: values: { inherit name values; }) [ { b = 1; a = 2; } { c = 3; } { a = 4; } ];
  zipAttrsWithLazy = builtins.attrNames (builtins.zipAttrsWith (n: v: throw "no") [ { x = 1; } { y = 2; } ]);
  functionArgs = builtins.functionArgs f;
  functionArgsPlain = builtins.functionArgs (x: x);
  functionArgsPrimop = [ (builtins.functionArgs builtins.map) (builtins.functionArgs (builtins.map (x: x))) ];
  pos = let p = builtins.unsafeGetAttrPos "alpha" s; in [ (baseNameOf p.file) p.line p.column ];
  posMissing = builtins.unsafeGetAttrPos "nope" s;
  posOfFormal = (builtins.unsafeGetAttrPos "b" (builtins.functionArgs f)).column;
  closure = map (x: x.key) closure;
  closureStrings = map (x: x.key) (builtins.genericClosure {
    startSet = [ { key = "a"; } ];
    operator = x: if builtins.stringLength x.key < 3 then [ { key = x.key + "a"; } { key = "a" + x.key; } { key = x.key + "b"; } ] else [ ];
  });
  closureLists = map (x: x.key) (builtins.genericClosure {
    startSet = [ { key = [ 1 ]; } { key = [ 1 ]; } { key = [ 1 2 ]; } { key = [ ]; } ];
    operator = x: [ ];
  });
  closureEmpty = builtins.genericClosure { startSet = [ ]; operator = throw "unused"; };
  closureOneBool = builtins.genericClosure { startSet = [ { key = true; } ]; operator = x: [ ]; };
}
