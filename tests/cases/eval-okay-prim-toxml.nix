# toXML: every value kind, escaping in attribute values, functions with patterns.
builtins.toXML {
  i = -3;
  f = 2.5;
  s = "a<b>&\"c\"\nd";
  b = true;
  n = null;
  l = [ 1 "x" ];
  p = /tmp/x;
  fn = { a, b ? 1, ... }@args: a;
  g = x: x;
  prim = builtins.add;
}
