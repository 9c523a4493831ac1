# builtins.match with regular expressions that begin or end with literal text (match
# skips the regex engine when that text is missing): quantified, escaped, grouped and
# alternative literals must not be taken as required.
let
  cases = [
    [ "word[0-9]*7" [ "word17" "word18" "word7" "wor7" "word" "7" "" ] ]
    [ "ab*" [ "a" "ab" "abbb" "b" "" ] ]
    [ "ab?c" [ "ac" "abc" "abbc" "c" ] ]
    [ "ab{2}c" [ "abbc" "abc" "ac" ] ]
    [ "ab+" [ "a" "ab" "abb" ] ]
    [ "a|bc" [ "a" "bc" "c" "abc" ] ]
    [ "(a|b)c" [ "ac" "bc" "c" "abc" ] ]
    [ "x|y7" [ "x" "y7" "7" ] ]
    [ "(.*)\\.nix" [ "default.nix" "a.nix" "nix" ".nix" "a.nixx" "anix" ] ]
    [ "[a-z]+-[0-9]+" [ "abc-12" "abc-" "-12" ] ]
    [ "abc" [ "abc" "ab" "abcd" "xabc" ] ]
    [ "a" [ "a" "" "aa" ] ]
    [ "(abc)" [ "abc" "ab" ] ]
    [ "abc(d)?" [ "abc" "abcd" "abd" ] ]
    [ "[]a]x" [ "]x" "ax" "x" ] ]
    [ "[[:digit:]]z" [ "1z" "az" ] ]
    [ "\\\\a" [ "\\a" "a" ] ]
    [ "a\\*" [ "a*" "a" "aa" ] ]
    [ "^ab$" [ "ab" "a" ] ]
    [ "" [ "" "a" ] ]
    [ "ab|" [ "ab" "" "a" ] ]
    [ "((a)|b)7" [ "a7" "b7" "7" ] ]
    [ "abcdefghijklmnopqrstuvwxyz0123" [ "abcdefghijklmnopqrstuvwxyz0123" "abcdefghijklmnopqrstuvwxyz012" ] ]
    [ "7" [ "7" "77" "" ] ]
  ];
in map (c: map (s: builtins.match (builtins.elemAt c 0) s) (builtins.elemAt c 1)) cases
