# A layered set (big // small) reports the same unexpected argument and suggestions as a flat one.
let big = builtins.listToAttrs (builtins.genList (i: { name = "k${toString i}"; value = i; }) 40);
in (big // { k1 = 5; zz = 1; }).kk1
