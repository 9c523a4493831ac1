# Version comparison, splitting and derivation-name parsing.
let
  cmp = a: b: builtins.compareVersions a b;
in
{
  compare = [
    (cmp "1.0" "1.0") (cmp "1.0" "1.1") (cmp "1.1" "1.0") (cmp "1.0" "1.0.0") (cmp "1.0pre1" "1.0")
    (cmp "2.3a" "2.3.1") (cmp "2.3a" "2.3b") (cmp "2.3" "2.3a") (cmp "1.0-pre" "1.0-rc") (cmp "pre" "pre")
    (cmp "1.2.3" "1.2-3") (cmp "" "") (cmp "" "1") (cmp "a" "") (cmp "10" "9") (cmp "1.10" "1.9")
    # beyond a C int: compared as strings, and numbers win over words
    (cmp "3000000000" "2999999999") (cmp "3000000000" "4") (cmp "x" "3000000000") (cmp "01" "1")
    (cmp "1..2" "1.2") (cmp "1.2-" "1.2") (cmp "alpha" "beta") (cmp "1.0b" "1.0pre")
  ];
  split = map builtins.splitVersion [ "1.2.3pre-4" "" "..." "1.2a.b-c3" "abc" "2024-01-15" "1--2" "x.y.z" ];
  parse = map builtins.parseDrvName [
    "nix-0.12pre12876" "hello" "a-b-c" "foo-bar-1.0" "foo-" "-1.0" "gcc-wrapper-10.2.0" "x-1-2" "py3.10-foo-1.0" "a--b"
  ];
}
