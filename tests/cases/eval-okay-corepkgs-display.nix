# Corepkgs paths print as CppNix (2.20 and later) prints them; unsafeGetAttrPos gives the file
# inside CppNix's corepkgs accessor.
let
  p = <nix/fetchurl.nix>;
  d = import p { url = "file:///x"; sha256 = "0000000000000000000000000000000000000000000000000000"; };
in
[ p (builtins.unsafeGetAttrPos "url" d).file ]
