# drvPath carries the derivation's whole closure ("=" context): refused.
let d = derivation { name = "foo"; system = "x86_64-linux"; builder = "/bin/sh"; };
in builtins.outputOf d.drvPath "out"
