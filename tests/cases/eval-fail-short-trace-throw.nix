# Without --show-trace the 'throw' builtin's frame stays (CppNix adds builtin frames always,
# lambda call frames only under --show-trace).
let
  f = x: throw "boom ${x}";
in
f "a"
