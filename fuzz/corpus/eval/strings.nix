builtins.concatStringsSep "," (builtins.genList (i: toString i) 20) + builtins.replaceStrings ["a"] ["b"] "banana"
