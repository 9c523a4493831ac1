# A thunk that failed is not re-evaluated (the trace prints once); tryEval catches
# throw and failed assertions but the failure is remembered.
let
  bad = builtins.trace "evaluating bad" (throw "nope");
  a1 = builtins.tryEval bad;
  a2 = builtins.tryEval bad;
  asrt = builtins.tryEval (assert 1 == 2; 3);
in
[ a1.success a2.success asrt (builtins.tryEval 42) ]
