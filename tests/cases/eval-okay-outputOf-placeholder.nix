# Outputs of outputs have no static path: outputOf returns DownstreamPlaceholder strings
# (sha256 "nix-upstream-output:..." for the first level, "nix-computed-output:..." above),
# and chains through them. Values computed by hand from CppNix's algorithm.
let
  d = derivation { name = "foo"; system = "x86_64-linux"; builder = "/bin/sh"; outputs = [ "out" "dev" ]; };
  b = builtins.outputOf d.outPath "out";
  b2 = builtins.outputOf d.dev.outPath "lib";
  c = builtins.outputOf b "bin";
in [
  d.drvPath
  b
  b2
  c
  (builtins.hasContext c)
  (builtins.unsafeDiscardStringContext c)
  (builtins.stringLength (builtins.outputOf c "x"))
]
