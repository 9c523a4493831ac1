# Regular expressions that are plain text (split and match search for the text itself).
let
  drv = derivation { name = "plain"; system = "x86_64-linux"; builder = "/bin/sh"; };
in {
  splits = [
    (builtins.split " " "a b  c ")
    (builtins.split " " " ")
    (builtins.split " " "")
    (builtins.split "aa" "aaaaa")
    (builtins.split "\\." "lib.strings.x.")
    (builtins.split "\\.\\*" "a.*b.*")
    (builtins.split "ab" "xyz")
    (builtins.split "/" "/nix/store/x")
    (builtins.split "-" "a-b")
    (builtins.split "\n" "line1\nline2\n")
  ];
  noMatchKeepsContext = builtins.hasContext (builtins.head (builtins.split "zz" "${drv}"));
  pieceContext = builtins.hasContext (builtins.head (builtins.split "-" "${drv}"));
  matches = [
    (builtins.match "abc" "abc")
    (builtins.match "abc" "abcd")
    (builtins.match "a\\.c" "a.c")
    (builtins.match "a\\.c" "abc")
    (builtins.match "\\$" "$")
    (builtins.match " " " ")
  ];
}
