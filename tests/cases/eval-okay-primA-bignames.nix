# attrNames/attrValues of large sets (the radix name sort): names sharing long prefixes,
# prefixes of one another, non-ASCII bytes and the empty name.
let
  prefixes = [ "" "a" "pkgs" "pkgsCross" "pkgsCrossA" "python3Packages" "python3PackagesX" "é" "~" "A" ];
  names = builtins.concatLists (map (p: builtins.genList (i: p + toString (i * 37)) 60) prefixes);
  set = builtins.listToAttrs (map (n: { name = n; value = builtins.stringLength n; }) (names ++ prefixes));
  ns = builtins.attrNames set;
in
{
  count = builtins.length ns;
  first = builtins.genList (i: builtins.elemAt ns i) 12;
  last = builtins.genList (i: builtins.elemAt ns (builtins.length ns - 12 + i)) 12;
  sorted = builtins.sort (a: b: a < b) ns == ns;
  values = builtins.foldl' (a: b: a + b) 0 (builtins.attrValues set);
  middle = builtins.genList (i: builtins.elemAt ns (200 + i * 3)) 20;
}
