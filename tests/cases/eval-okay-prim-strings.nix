# Edge cases of the string primops (lengths in bytes, slicing, joining, replacing, path names).
with builtins;
{
  len = [ (stringLength "") (stringLength "héllo") (stringLength (toString 123)) ];
  sub = [
    (substring 0 3 "nixos")
    (substring 3 100 "nixos")
    (substring 2 (-1) "nixos")
    (substring 10 2 "nixos")
    (substring 5 0 "nixos")
    (substring 1 0 "x")
  ];
  join = [
    (concatStringsSep ", " [ "a" "b" "c" ])
    (concatStringsSep "-" [ ])
    (concatStringsSep "-" [ "only" ])
    (concatStringsSep "" [ "x" "y" ])
  ];
  repl = [
    (replaceStrings [ "oo" "a" ] [ "a" "i" ] "foobar")
    (replaceStrings [ "" ] [ "-" ] "abc")
    (replaceStrings [ "a" "" ] [ "X" "_" ] "bab")
    (replaceStrings [ ] [ ] "same")
    (replaceStrings [ "aa" "a" ] [ "1" "2" ] "aaa")
    (replaceStrings [ "x" ] [ (throw "unused") ] "abc")
    (replaceStrings [ "ab" "b" ] [ "" "B" ] "abbb")
  ];
  tostr = [
    (toString [ 1 null "a" true false [ 2 3 ] ])
    (toString 1.5)
    (toString { __toString = self: "custom"; })
    (toString { outPath = "/out"; })
    (toString /some/path)
  ];
  base = [ (baseNameOf "/a/b/c/") (baseNameOf "a//") (baseNameOf "/") (baseNameOf "x") ];
  dir = [ (dirOf "a/b/c") (dirOf "/a") (dirOf "abc") (dirOf "a//b") (dirOf /a/b) (dirOf /.) ];
}
