# Long concatenations (kept unflattened internally): every reader must see the same
# characters, length and context as a flat string.
let
  n = 3000;
  range = builtins.genList (i: i) n;
  # left-deep chains, by + and by interpolation
  plus = builtins.foldl' (acc: i: acc + "x") "" range;
  interp = builtins.foldl' (acc: i: "${acc}${toString (i - i / 10 * 10)}") "" range;
  # right-deep (prepending) and doubling (shared operands)
  pre = builtins.foldl' (acc: i: "y" + acc) "" range;
  dbl = builtins.foldl' (acc: i: acc + acc) "ab" (builtins.genList (i: i) 12);
  # mixed: a rope on both sides, interleaved with short parts and empty strings
  mixed = builtins.foldl' (acc: i: "<${acc}>" + "" + "${plus}") "" (builtins.genList (i: i) 4);
  flat = builtins.concatStringsSep "" (builtins.genList (i: "x") n);
  # intermediate results stay readable after later ones were flattened
  steps = builtins.genList (k: builtins.foldl' (acc: i: acc + "z${toString i}") "" (builtins.genList (i: i) (k * 40))) 5;
  drv = derivation { name = "ropes"; system = "x86_64-linux"; builder = "/bin/sh"; };
  withCtx = builtins.foldl' (acc: i: acc + (if i == 100 then "${drv}" else "c")) "" range;
  withCtx2 = "${withCtx}${drv.drvPath}" + plus;
  h = s: builtins.hashString "sha256" s;
  # deep chains: flattening must not recurse per node
  deep = builtins.foldl' (acc: i: acc + "d") "" (builtins.genList (i: i) 100000);
  deepPre = builtins.foldl' (acc: i: "${toString (i - i / 7 * 7)}${acc}") "" (builtins.genList (i: i) 100000);
in {
  deep = [ (builtins.stringLength deep) (h deep) (h deepPre) (builtins.substring 50000 14 deepPre) ];
  lens = map builtins.stringLength [ plus interp pre dbl mixed withCtx withCtx2 ];
  hashes = map h [ plus interp pre dbl mixed ];
  eqFlat = plus == flat;
  eqSelf = plus == plus + "";
  neq = plus == flat + "x";
  lt = [ (plus < flat + "x") (interp < plus) (pre > plus) ];
  sub = [ (builtins.substring 1234 20 interp) (builtins.substring 2990 100 pre) (builtins.substring 0 10 dbl) ];
  stepLens = map builtins.stringLength steps;
  stepSubs = map (s: builtins.substring 0 12 s) steps;
  stepsAgain = map h steps;
  attr = (builtins.listToAttrs [ { name = plus; value = 1; } ]).${flat};
  dynAttr = { ${interp} = 2; }.${interp};
  hasAttr = builtins.hasAttr flat { ${plus} = 3; };
  json = builtins.stringLength (builtins.toJSON [ plus interp ]);
  fromJson = builtins.fromJSON (builtins.toJSON interp) == interp;
  replaced = builtins.stringLength (builtins.replaceStrings [ "xx" ] [ "y" ] plus);
  match = builtins.match "(0123456789)*" interp != null;
  split = builtins.length (builtins.split "5" interp);
  ctx = builtins.getContext withCtx2;
  hasCtx = [ (builtins.hasContext withCtx) (builtins.hasContext plus) ];
  discarded = builtins.hasContext (builtins.unsafeDiscardStringContext withCtx2);
  ctxPrefix = builtins.substring 0 105 withCtx;
  grouped = map builtins.stringLength (builtins.attrNames (builtins.groupBy (s: s) [ plus flat interp ]));
  unique = builtins.length (builtins.genericClosure { startSet = [ { key = plus; } { key = flat; } ]; operator = _: [ ]; });
  typeOf = builtins.typeOf interp;
  toStr = builtins.stringLength (toString [ plus interp ]);
  path = builtins.stringLength (toString (/tmp + "/${plus}"));
}
