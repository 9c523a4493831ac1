# Value printing: string escapes, floats, attribute names that need quotes, repeated values.
let
  s = { k = 1; };
  l = [ 1 2 3 ];
in
[
  "quote \" backslash \\ newline \n tab \t dollar-brace \${x} plain $ sign"
  1.0 0.1 1.5e20 (-2.5) 123456789.0 (1.0 / 3)
  { "a b" = 1; "if" = 2; _ok' = 3; "1x" = 4; }
  [ s s l l ]
  null true false
  (x: x) builtins.add (builtins.add 1)
]
