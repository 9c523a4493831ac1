#!/usr/bin/env bash
# Pure (--pure-eval) and restricted (--restrict-eval) evaluation: every denial CppNix makes,
# with its wording, and the paths that stay allowed (-I, NIX_PATH entries).
. "$(dirname "$0")/lib.bash"
cd "$TMP"
mkdir -p allowed/sub outside && echo '"in"' > allowed/f.nix && echo '"out"' > outside/f.nix
echo secret > outside/secret && ln -s ../outside/secret allowed/escape && ln -s f.nix allowed/inner
echo '1 + 2' > outside/main.nix
pure="in pure evaluation mode \(use '--impure' to override\)"
P() { echo "$TMP/$1"; }

# --- pure evaluation ---
CNIX_E2E_VAR=x expect_ok pure-getEnv '""' -- instantiate --show-trace --pure-eval --eval -E 'builtins.getEnv "CNIX_E2E_VAR"'
expect_err pure-currentTime "attribute 'currentTime' missing" -- instantiate --show-trace --pure-eval --eval -E 'builtins.currentTime'
expect_err pure-currentSystem "attribute 'currentSystem' missing" -- instantiate --show-trace --pure-eval --eval -E 'builtins.currentSystem'
NIX_PATH=foo=$TMP expect_ok pure-nixPath-empty '[ ]' -- instantiate --show-trace --pure-eval -I bar=$TMP --eval --strict -E 'builtins.nixPath'
NIX_PATH=foo=$TMP expect_err pure-lookup "cannot look up '<foo>' $pure" -- instantiate --show-trace --pure-eval --eval -E '<foo>'
expect_err pure-readFile "access to absolute path '$TMP/allowed/f.nix' is forbidden $pure" -- instantiate --show-trace --pure-eval --eval -E "builtins.readFile $(P allowed/f.nix)"
expect_err pure-readDir "access to absolute path '$TMP/allowed' is forbidden $pure" -- instantiate --show-trace --pure-eval --eval -E "builtins.readDir $(P allowed)"
expect_err pure-readFileType "access to absolute path '$TMP/allowed' is forbidden $pure" -- instantiate --show-trace --pure-eval --eval -E "builtins.readFileType $(P allowed)"
expect_err pure-hashFile "access to absolute path '$TMP/allowed/f.nix' is forbidden $pure" -- instantiate --show-trace --pure-eval --eval -E "builtins.hashFile \"sha256\" $(P allowed/f.nix)"
expect_err pure-import "access to absolute path '$TMP/allowed/f.nix' is forbidden $pure" -- instantiate --show-trace --pure-eval --eval -E "import $(P allowed/f.nix)"
expect_err pure-scopedImport "access to absolute path '$TMP/allowed/f.nix' is forbidden $pure" -- instantiate --show-trace --pure-eval --eval -E "scopedImport { } $(P allowed/f.nix)"
expect_ok pure-pathExists 'false' -- instantiate --show-trace --pure-eval --eval -E "builtins.pathExists $(P allowed/f.nix)"
expect_err pure-main-file "access to absolute path '$TMP/outside/main.nix' is forbidden $pure" --nopos -- instantiate --show-trace --pure-eval --eval outside/main.nix
expect_ok pure-plain-expression '3' -- instantiate --show-trace --pure-eval --eval -E '1 + 2'
expect_err pure-storePath "'builtins.storePath' is not allowed in pure evaluation mode" -- instantiate --show-trace --pure-eval --eval -E 'builtins.storePath /nix/store/00000000000000000000000000000000-x'
expect_err pure-fetchurl-needs-hash "in pure evaluation mode, 'fetchurl' requires a 'sha256' argument" -- instantiate --show-trace --pure-eval --eval -E "builtins.fetchurl file://$(P allowed/f.nix)"
expect_err pure-fetchTarball-needs-hash "in pure evaluation mode, 'fetchTarball' requires a 'sha256' argument" -- instantiate --show-trace --pure-eval --eval -E "builtins.fetchTarball file://$(P allowed/x.tar.gz)"

# --- restricted evaluation ---
r="is forbidden in restricted mode"
CNIX_E2E_VAR=x expect_ok restricted-getEnv '""' -- instantiate --show-trace --restrict-eval --eval -E 'builtins.getEnv "CNIX_E2E_VAR"'
expect_ok restricted-plain-expression '3' -- instantiate --show-trace --restrict-eval --eval -E '1 + 2'
expect_err restricted-readFile "access to absolute path '$TMP/outside/f.nix' $r" -- instantiate --show-trace --restrict-eval --eval -E "builtins.readFile $(P outside/f.nix)"
expect_ok restricted-readFile-I '"\"in\"\n"' -- instantiate --show-trace --restrict-eval -I "$(P allowed)" --eval -E "builtins.readFile $(P allowed/f.nix)"
expect_ok restricted-readFile-I-prefix '"\"in\"\n"' -- instantiate --show-trace --restrict-eval -I "src=$(P allowed)" --eval -E "builtins.readFile $(P allowed/f.nix)"
expect_ok restricted-readFile-I-relative '"\"in\"\n"' -- instantiate --show-trace --restrict-eval -I src=./allowed --eval -E "builtins.readFile $(P allowed/f.nix)"
NIX_PATH=src=$TMP/allowed expect_ok restricted-readFile-NIX_PATH '"\"in\"\n"' -- instantiate --show-trace --restrict-eval --eval -E "builtins.readFile $(P allowed/f.nix)"
expect_err restricted-dotdot "access to absolute path '$TMP/outside/secret' $r" -- instantiate --show-trace --restrict-eval -I "$(P allowed)" --eval -E "builtins.readFile \"$(P allowed)/../outside/secret\""
expect_err restricted-symlink-escape "access to absolute path '$TMP/outside/secret' $r" -- instantiate --show-trace --restrict-eval -I "$(P allowed)" --eval -E "builtins.readFile $(P allowed/escape)"
expect_ok restricted-symlink-inside '"\"in\"\n"' -- instantiate --show-trace --restrict-eval -I "$(P allowed)" --eval -E "builtins.readFile $(P allowed/inner)"
expect_ok restricted-readDir-ancestor-filtered '{ allowed = "directory"; }' -- instantiate --show-trace --restrict-eval -I "$(P allowed)" --eval --strict -E "builtins.readDir $TMP"
expect_err restricted-readDir "access to absolute path '$TMP/outside' $r" -- instantiate --show-trace --restrict-eval -I "$(P allowed)" --eval -E "builtins.readDir $(P outside)"
expect_ok restricted-readFileType-symlink-to-outside '"symlink"' -- instantiate --show-trace --restrict-eval -I "$(P allowed)" --eval -E "builtins.readFileType $(P allowed/escape)"
expect_ok restricted-pathExists '[ false true ]' -- instantiate --show-trace --restrict-eval -I "$(P allowed)" --eval --strict -E "[ (builtins.pathExists $(P outside/f.nix)) (builtins.pathExists $(P allowed/f.nix)) ]"
expect_err restricted-import "access to absolute path '$TMP/outside/f.nix' $r" -- instantiate --show-trace --restrict-eval -I "$(P allowed)" --eval -E "import $(P outside/f.nix)"
expect_ok restricted-import-allowed '"in"' -- instantiate --show-trace --restrict-eval -I "$(P allowed)" --eval -E "import $(P allowed/f.nix)"
expect_err restricted-main-file "access to absolute path '$TMP/outside/main.nix' $r" --nopos -- instantiate --show-trace --restrict-eval --eval outside/main.nix
expect_ok restricted-main-file-I '3' -- instantiate --show-trace --restrict-eval -I src=./outside --eval outside/main.nix
expect_err restricted-nixPath-override "access to absolute path '$TMP' $r" -- instantiate --show-trace --restrict-eval --eval -E 'let __nixPath = [ { prefix = "foo"; path = ./.; } ]; in <foo>'
expect_ok restricted-nixPath-override-I "$TMP" -- instantiate --show-trace --restrict-eval -I src=. --eval -E 'let __nixPath = [ { prefix = "foo"; path = ./.; } ]; in <foo>'
expect_ok restricted-option-form '"\"in\"\n"' -- instantiate --option restrict-eval true -I "$(P allowed)" --eval -E "builtins.readFile $(P allowed/f.nix)"
expect_err restricted-fetchurl-file "access to absolute path '$TMP/outside/f.nix' $r" -- instantiate --show-trace --restrict-eval --eval -E "builtins.fetchurl file://$(P outside/f.nix)"
expect_err restricted-fetchurl-uri "access to URI 'https://example.com/x' $r" -- instantiate --show-trace --restrict-eval --eval -E 'builtins.fetchurl https://example.com/x'
expect_err restricted-fetchTarball-uri "access to URI 'https://example.com/x.tar.gz' $r" -- instantiate --show-trace --restrict-eval --eval -E 'builtins.fetchTarball https://example.com/x.tar.gz'

finish
