# Context round trips through appendContext/getContext and the discard/add primops.
let
  p = "/nix/store/0m8dh8izkcq50bsr9m7mzln5zxy1m0iv-a";
  d = "/nix/store/s19bk4nvdrix80lhszak4f4wsisb81y6-a.drv";
  s = builtins.appendContext "x" {
    ${p} = { path = true; };
    ${d} = { outputs = [ "out" "dev" ]; allOutputs = true; };
  };
  deep = builtins.appendContext d { ${d} = { allOutputs = true; }; };
  plain = builtins.appendContext d { ${d} = { path = true; }; };
in
{
  ctx = builtins.getContext s;
  has = [ (builtins.hasContext s) (builtins.hasContext "x") ];
  discarded = builtins.getContext (builtins.unsafeDiscardStringContext s);
  outDep = builtins.getContext (builtins.unsafeDiscardOutputDependency deep);
  added = builtins.getContext (builtins.addDrvOutputDependencies plain);
  idem = builtins.getContext (builtins.addDrvOutputDependencies deep);
  joined = builtins.getContext (builtins.concatStringsSep "" [ s plain ]);
  sub = builtins.getContext (builtins.substring 0 0 s);
  repl = builtins.getContext (builtins.replaceStrings [ "x" ] [ plain ] "x");
}
