let d = derivation { name = "foo"; system = "x86_64-linux"; builder = "/bin/sh"; };
in builtins.outputOf (builtins.unsafeDiscardOutputDependency d.drvPath) "out"
