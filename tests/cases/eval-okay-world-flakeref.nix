# parseFlakeRef and flakeRefToString round trips over the supported reference forms.
map (s: let r = builtins.parseFlakeRef s; in [ r (builtins.flakeRefToString r) ]) [
  "github:NixOS/nixpkgs/23.05?dir=lib"
  "gitlab:a/b"
  "github:a/b/0d1ca20be5cea455048ab65d48d05a27309baa1f"
  "nixpkgs"
  "flake:nixpkgs/nixos-23.05"
  "path:/a/b/../c"
  "/x/y"
  "git+https://example.com/r?ref=main&rev=0d1ca20be5cea455048ab65d48d05a27309baa1f"
  "https://x.org/a.tar.gz"
]
