# List primops: laziness, ordering, stability and sharing edge cases.
let
  xs = builtins.genList (i: i * i) 10;
  # Elements that would throw are never forced by the structural primops.
  lazy = [ 1 (throw "forced") 3 ];
  pairs = builtins.genList (i: { k = builtins.bitAnd i 3; v = i; }) 12;
  byK = a: b: a.k < b.k;
  inconsistent = builtins.sort (a: b: true) (builtins.genList (i: i) 20);
  random = builtins.genList (i: builtins.bitAnd (i * 7919) 255) 300;
  sorted = builtins.sort builtins.lessThan random;
  isSorted = l: builtins.all (i: builtins.elemAt l i <= builtins.elemAt l (i + 1)) (builtins.genList (i: i) (builtins.length l - 1));
in
{
  genList = xs;
  genListEmpty = builtins.genList (x: x) 0;
  mapLazy = builtins.length (map (x: throw "never") [ 1 2 3 ]);
  mapEmptyNoForce = map (throw "f unused") [ ];
  mapValues = map (x: x + 1) [ 1 2 3 ];
  genListLazy = builtins.length (builtins.genList (i: throw "never") 5);
  filter = builtins.filter (x: builtins.bitAnd x 1 == 0) xs;
  filterAll = builtins.filter (x: true) [ 1 2 ];
  filterNone = builtins.filter (x: false) [ 1 2 ];
  filterEmpty = builtins.filter (throw "unused") [ ];
  foldl = builtins.foldl' (acc: x: acc + x) 0 xs;
  foldlOrder = builtins.foldl' (acc: x: acc + x) "" [ "a" "b" "c" ];
  foldlEmpty = builtins.foldl' (a: b: a) 7 [ ];
  foldlLazyElems = builtins.foldl' (acc: x: acc + 1) 0 lazy;
  elemAt = builtins.elemAt xs 3;
  elemAtLazy = builtins.elemAt lazy 2;
  head = builtins.head lazy;
  tail = builtins.length (builtins.tail lazy);
  tailOfTail = builtins.tail (builtins.tail (builtins.tail [ 1 2 3 4 ]));
  tailSingle = builtins.tail [ 1 ];
  length = builtins.length lazy;
  elem = [ (builtins.elem 4 xs) (builtins.elem 5 xs) (builtins.elem 4.0 xs) (builtins.elem [ 1 ] [ [ 1 ] ]) ];
  concatLists = builtins.concatLists [ [ 1 ] [ ] [ 2 3 ] [ ] ];
  concatListsOne = builtins.concatLists [ [ ] [ 1 2 ] [ ] ];
  concatListsEmpty = builtins.concatLists [ [ ] [ ] ];
  concatMap = builtins.concatMap (x: [ x x ]) [ 1 2 3 ];
  concatMapLazy = builtins.length (builtins.concatMap (x: [ (throw "no") ]) [ 1 2 ]);
  any = [ (builtins.any (x: x > 50) xs) (builtins.any (x: x > 100) xs) (builtins.any (x: x) [ ]) ];
  all = [ (builtins.all (x: x >= 0) xs) (builtins.all (x: x < 50) xs) (builtins.all (x: x) [ ]) ];
  anyShortCircuit = builtins.any (x: if x < 2 then x == 1 else throw "too far") [ 0 1 2 ];
  sort = builtins.sort builtins.lessThan [ 3 1 2 1.5 (-1) ];
  sortStrings = builtins.sort (a: b: a < b) [ "b" "a" "B" "" "ab" ];
  sortLists = builtins.sort builtins.lessThan [ [ 1 2 ] [ 1 ] [ 0 5 ] [ ] ];
  sortStable = map (p: p.v) (builtins.sort byK pairs);
  sortStableDesc = map (p: p.v) (builtins.sort (a: b: a.k > b.k) pairs);
  sortEmpty = builtins.sort (throw "unused") [ ];
  sortInconsistent = builtins.sort builtins.lessThan inconsistent;
  sortBig = [ (isSorted sorted) (builtins.length sorted) (builtins.head sorted) (builtins.elemAt sorted 299) ];
  partition = builtins.partition (x: x > 10) [ 1 23 9 3 42 ];
  partitionEmpty = builtins.partition (x: x) [ ];
  groupBy = builtins.groupBy (x: if x > 10 then "big" else "small") [ 1 23 9 3 42 ];
  groupByOrder = builtins.attrNames (builtins.groupBy (x: x) [ "z" "a" "m" "a" "z" ]);
  groupByLazy = builtins.length (builtins.groupBy (x: x.n) [ { n = "a"; v = throw "no"; } ]).a;
}
