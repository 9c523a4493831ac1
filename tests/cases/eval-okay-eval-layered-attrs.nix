# `//` with a small right side over a large set builds layered sets (eval/attrs.c): every
# reader must see the same set as a flat merge would give. Sets here have >= 40 attributes
# so that layering is used.
let
  inherit (builtins) foldl' genList listToAttrs attrNames attrValues length mapAttrs
    removeAttrs intersectAttrs catAttrs hasAttr getAttr toJSON unsafeGetAttrPos;
  range = n: genList (i: i) n;
  big = listToAttrs (map (i: { name = "k${toString i}"; value = i; }) (range 40));
  # a deep chain: 600 updates, each key written 3 times (shadowing across layers)
  chain = foldl' (acc: i: acc // { "k${toString (i / 3)}" = i; }) big (range 600);
  # the same set built flat
  flat = listToAttrs (map (i: { name = "k${toString i}"; value = if i < 200 then 3 * i + 2 else i; }) (range 200));
  # a chain whose keys all differ, from a different starting order
  fresh = foldl' (acc: i: acc // { "n${toString i}" = i * i; }) big (range 300);
  sum = l: foldl' (a: b: a + b) 0 l;
  # lookups before and after the set is flattened (attrNames flattens)
  s1 = chain // { extra = "e"; };
  before = [ s1.k0 s1.k5 s1.k199 s1.extra (s1 ? k200) (s1 ? k39) (s1.nope or "dflt") ];
  names = attrNames s1;
  after = [ s1.k0 s1.k5 s1.k199 s1.extra (s1 ? k200) (s1 ? k39) (s1.nope or "dflt") ];
  # a layered set on the right of `//`, and layered on both sides
  both = (big // { a = 1; }) // (big // { b = 2; k3 = "r"; });
  small = { k1 = "s1"; zz = "s2"; } // fresh;
  fn = { k1, k2, ... }@args: k1 + k2 + length (attrNames args);
  withs = with (big // { wa = 10; }); wa + k7;
  inh = let inherit (big // { k8 = 80; }) k8 k9; in k8 + k9;
  recs = rec { base = big // { r = 5; }; val = base.r + base.k2; };
  functor = (big // { __functor = self: x: x + self.k4; }) 100;
  str = "${big // { __toString = self: "str${toString self.k6}"; }}";
  outp = toString (big // { outPath = "/some/path"; });
in {
  equalFlat = chain == flat;
  equalSelf = chain == chain // { };
  notEqual = chain == flat // { k0 = 0; };
  count = length (attrNames chain);
  countFresh = length (attrNames fresh);
  sumChain = sum (attrValues chain);
  sumFresh = sum (attrValues fresh);
  firstNames = genList (i: builtins.elemAt (attrNames fresh) i) 12;
  lastName = builtins.elemAt names (length names - 1);
  inherit before after withs inh functor str outp;
  recsVal = recs.val;
  both = [ both.a both.b both.k3 both.k4 (length (attrNames both)) ];
  small = [ small.k1 small.zz small.n7 (length (attrNames small)) ];
  fn = fn (big // { k1 = 100; });
  has = [ (hasAttr "k150" chain) (hasAttr "k250" chain) (getAttr "k150" chain) ];
  mapped = (mapAttrs (n: v: v + 1) chain).k150;
  removed = let r = removeAttrs chain [ "k150" "k3" "absent" ]; in [ (length (attrNames r)) (r ? k150) r.k4 ];
  inter1 = attrNames (intersectAttrs { k1 = 0; n5 = 0; zz = 0; } fresh);
  inter2 = attrValues (intersectAttrs fresh { k1 = "x"; n5 = "y"; zz = "z"; });
  cat = catAttrs "k150" [ chain flat { } ];
  json = builtins.substring 0 40 (toJSON (fresh // { "00" = true; }));
  pos = (unsafeGetAttrPos "extra" s1).line;
  types = [ (builtins.isAttrs chain) (builtins.typeOf s1) ];
  printed = builtins.substring 0 60 (builtins.toString (attrNames (big // { "a b" = 1; "" = 2; })));
  nested = (big // { sub = big // { deep = chain // { x = 1; }; }; }).sub.deep.k100;
  seqd = builtins.deepSeq chain (length (attrValues chain));
  zipped = builtins.length (attrNames (builtins.zipAttrsWith (n: vs: vs) [ chain fresh ]));
}
