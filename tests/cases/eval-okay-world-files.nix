# Builtins that read the file system, on tests/cases/world-data.
let d = ./world-data; in
{
  readFile = builtins.readFile (d + "/a.txt");
  viaLink = builtins.readFile (d + "/link");
  readDir = builtins.readDir d;
  types = map builtins.readFileType [ d (d + "/a.txt") (d + "/link") ];
  exists = map builtins.pathExists [
    (d + "/a.txt") (d + "/nope") "${toString d}/sub/" "${toString d}/a.txt/" "${toString d}/sub/."
  ];
  hashes = map (t: builtins.hashFile t (d + "/nul.bin")) [ "md5" "sha1" "sha256" "sha512" ];
  toPath = builtins.toPath "/a//b/./c/../d/";
  env = [ (builtins.getEnv "TEST_VAR") (builtins.getEnv "CNIX_SURELY_UNSET_VARIABLE") ];
}
