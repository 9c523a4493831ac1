builtins.genericClosure {
  startSet = [ { key = 1; } { key = 2; } { key = "x"; } ];
  operator = x: [ ];
}
