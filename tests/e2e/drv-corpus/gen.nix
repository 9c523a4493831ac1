# Test corpus: >= 200 derivations from combinations of derivation features (see ../drv-corpus.sh).
# Index i picks: kind (input-addressed / fixed flat / fixed recursive / multiple outputs),
# __structuredAttrs, passAsFile, __ignoreNulls, a source (none / path / filtered path / toFile
# with references) and a dependency on derivation i/2 (chains ~8 levels deep).
let
  n = 240;
  mod = a: b: a - b * (a / b);
  bit = i: k: mod (i / k) 2 == 1;
  srcA = ./src/a.txt;
  tree = builtins.path {
    path = ./src/tree;
    name = "tree-src";
  };
  filtered = builtins.path {
    path = ./src/tree;
    name = "filtered";
    filter = p: t: t == "directory" || builtins.match ".*\\.txt" p != null;
  };
  note = builtins.toFile "note.txt" "a=${srcA} b=${./src/b.txt}\n";
  sources = i: [
    { }
    { src = srcA; }
    { src = tree; }
    { src = filtered; }
    { src = note; }
    { src = builtins.toFile "ref-${toString i}" "uses ${filtered} and ${note}"; }
  ];
  mk = i:
    let
      kind = mod i 4;
      sa = bit i 4;
      paf = bit i 8;
      ign = bit i 16;
      dep = if i == 0 then null else drvs.${"d" + toString (i / 2)};
      depRef = if dep == null then "" else if dep ? dev then dep.dev else dep;
      outs = if kind == 3 then { outputs = [ "out" "dev" ] ++ (if mod i 3 == 0 then [ "doc" ] else [ ]); } else { };
      fixed =
        if kind == 1 then {
          outputHashMode = "flat";
          outputHashAlgo = "sha256";
          outputHash = builtins.hashString "sha256" "flat ${toString i}";
        } else if kind == 2 then {
          outputHashMode = "recursive";
          outputHash = builtins.hashString "sha1" "rec ${toString i}";
          outputHashAlgo = "sha1";
        } else { };
    in
    derivation ({
      name = "c${toString i}";
      system = "x86_64-linux";
      builder = "/bin/sh";
      args = [ "-c" "echo ${toString i} > $out" ];
      idx = i;
      flag = sa;
      list = [ 1 "two" i ];
      dep = depRef;
      maybe = if ign then null else "kept";
    }
    // outs // fixed
    // builtins.elemAt (sources i) (mod (i / 32) 6)
    // (if sa then { __structuredAttrs = true; nested = { a = i; b = [ true null ]; }; } else { })
    // (if paf then { passAsFile = [ "big" ]; big = "big text ${toString i}"; } else { })
    // (if ign then { __ignoreNulls = true; gone = null; } else { }));
  drvs = builtins.listToAttrs (builtins.genList (i: { name = "d" + toString i; value = mk i; }) n);
in
drvs
