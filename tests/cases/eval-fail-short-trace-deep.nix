# A deep recursion without --show-trace: the outermost frames until their count passes 3 (a
# frame with a position counts two), then "(stack trace truncated ...)".
let
  f = n: if n == 0 then throw "boom" else { x = f (n - 1); }.x;
in
f 50
