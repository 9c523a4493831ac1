# Frames CppNix prints always (TracePrint::Always) stay after the limit: addErrorContext's
# messages and the derivation chain; ordinary frames after the limit are left out.
let
  g = n: if n == 0 then throw "kaboom" else builtins.addErrorContext "level ${toString n}" { a = g (n - 1); }.a;
in
derivation {
  name = "top";
  system = "x86_64-linux";
  builder = "/bin/sh";
  buildInputs = [ (g 3) ];
}
