# Lexical bindings shadow `with`; the innermost `with` wins; rec sets, let inherit,
# inherit (from) evaluated once, and the legacy __overrides.
let
  x = "let";
  a = { x = "with-a"; y = "with-a"; z = "with-a"; };
  b = { y = "with-b"; };
  src = builtins.trace "src forced" { p = 1; q = 2; };
in
{
  lexical = with a; x;
  inner = with a; with b; y;
  outer = with a; with b; z;
  rec1 = (rec { u = 1; v = u + 1; w = v * 10; }).w;
  inh = let inherit (src) p q; in p + q;
  letinh = let y = 5; in let inherit y; z = y + 1; in z;
  overrides = (rec { __overrides = { a = 2; }; r = a; a = 1; }).r;
  dyn = { "${"d" + "yn"}" = 1; ${null} = 2; }; 
}
