# hashString for every algorithm; convertHash between all encodings, prefixed and SRI input.
with builtins;
let
  h = hashString "sha256" "abc";
in
{
  hs = map (a: hashString a "hello") [ "md5" "sha1" "sha256" "sha512" ];
  conv = map (f: convertHash { hash = h; hashAlgo = "sha256"; toHashFormat = f; }) [ "base16" "nix32" "base64" "sri" ];
  fromSri = convertHash { hash = "sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="; toHashFormat = "base16"; };
  fromPrefixed = convertHash { hash = "sha1:${hashString "sha1" ""}"; toHashFormat = "nix32"; };
}
