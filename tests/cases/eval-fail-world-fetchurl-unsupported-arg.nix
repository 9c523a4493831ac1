builtins.fetchurl { url = "file:///x"; hash = "sha256-AAAA"; }
