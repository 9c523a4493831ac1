# An input-addressed derivation's outputs are known statically: outputOf returns the
# store path itself, with the output (not the whole closure) in its context.
let
  d = derivation { name = "foo"; system = "x86_64-linux"; builder = "/bin/sh"; outputs = [ "out" "dev" ]; };
  drv = builtins.unsafeDiscardOutputDependency d.drvPath;
  a = builtins.outputOf drv "dev";
  o = builtins.outputOf drv "out";
in [ a (a == d.dev.outPath) (o == d.outPath) (builtins.getContext a) (builtins.getContext o) ]
