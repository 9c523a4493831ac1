# match must match the whole string; captures are strings or null; split interleaves
# unmatched text with capture lists, including empty matches.
with builtins;
{
  m = [
    (match "a(b)?(c)" "ac")
    (match "ab" "abc")
    (match "(.*)\\.(.*)" "file.tar.gz")
    (match "" "")
    (match "[[:digit:]]+" "123")
    (match "x|(y)" "x")
    (match ".*" "multi\nline")
    (match "[]a]+\\.[\\]" "]a.\\")
    (match "a{2}(b{1,})c{0,1}" "aabbb")
  ];
  s = [
    (split "(a)b" "abc")
    (split "[ ]" "x y z")
    (split "," "")
    (split "a*" "baaac")
    (split "(x)|(y)" "1x2y3")
    (split "^a" "aaa")
    (split "o" "foo")
  ];
}
