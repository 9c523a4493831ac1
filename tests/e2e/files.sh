#!/usr/bin/env bash
# Builtins that read the file system (readFile, readDir, pathExists, readFileType, hashFile,
# getEnv, toPath, import): results, and clean errors for directories read as files,
# unreadable files, symlink loops, NUL bytes and self-referencing imports.
. "$(dirname "$0")/lib.bash"
cd "$TMP"
mkdir -p d/sub && printf 'hello\n' > d/a.txt && : > d/empty && ln -s a.txt d/link && ln -s sub d/ldir
ln -s nowhere d/broken && ln -s loop1 d/loop2 && ln -s loop2 d/loop1 && ln -s self d/self
printf 'a\0b' > nul.bin
E() { echo "$TMP/$1"; }

# --- results ---
expect_ok readFile '"hello\n"' -- instantiate --eval -E "builtins.readFile $(E d/a.txt)"
expect_ok readFile-empty '""' -- instantiate --eval -E "builtins.readFile $(E d/empty)"
expect_ok readFile-through-symlink '"hello\n"' -- instantiate --eval -E "builtins.readFile $(E d/link)"
expect_ok readFile-string-path '"hello\n"' -- instantiate --eval -E "builtins.readFile \"$(E d/a.txt)\""
expect_ok readDir '{ "a.txt" = "regular"; broken = "symlink"; empty = "regular"; ldir = "symlink"; link = "symlink"; loop1 = "symlink"; loop2 = "symlink"; self = "symlink"; sub = "directory"; }' \
  -- instantiate --eval --strict -E "builtins.readDir $(E d)"
expect_ok readDir-empty '{ }' -- instantiate --eval --strict -E "builtins.readDir $(E d/sub)"
expect_ok readDir-through-symlink '{ }' -- instantiate --eval --strict -E "builtins.readDir $(E d/ldir)"
rft() { echo "(builtins.readFileType $(E "$1"))"; }
expect_ok readFileType '[ "regular" "directory" "symlink" "symlink" "symlink" ]' \
  -- instantiate --eval --strict -E "[ $(rft d/a.txt) $(rft d/sub) $(rft d/link) $(rft d/broken) $(rft d/loop1) ]"
expect_ok readFileType-device '"unknown"' -- instantiate --eval -E 'builtins.readFileType /dev/null'
pe() { echo "(builtins.pathExists $1)"; }
expect_ok pathExists '[ true false true true false true ]' \
  -- instantiate --eval --strict -E "[ $(pe $(E d/a.txt)) $(pe $(E d/nope)) $(pe $(E d/broken)) $(pe "\"$(E d/sub)/\"") $(pe "\"$(E d/a.txt)/\"") $(pe $(E d/loop1)) ]"
expect_ok hashFile-sha256 "\"$(sha256sum < d/a.txt | cut -d' ' -f1)\"" -- instantiate --eval -E "builtins.hashFile \"sha256\" $(E d/a.txt)"
expect_ok hashFile-md5-nul "\"$(md5sum < nul.bin | cut -d' ' -f1)\"" -- instantiate --eval -E "builtins.hashFile \"md5\" $(E nul.bin)"
expect_err hashFile-bad-algo "unknown hash algorithm 'sha3'" -- instantiate --eval --show-trace -E "builtins.hashFile \"sha3\" $(E d/a.txt)"
CNIX_E2E_VAR='x y' expect_ok getEnv '"x y"' -- instantiate --eval -E 'builtins.getEnv "CNIX_E2E_VAR"'
expect_ok getEnv-unset '""' -- instantiate --eval -E 'builtins.getEnv "CNIX_E2E_SURELY_UNSET"'
expect_ok toPath '"/a/c"' -- instantiate --eval -E 'builtins.toPath "/a//b/../c/"'
expect_err toPath-relative "string 'a/b' doesn't represent an absolute path" -- instantiate --eval --show-trace -E 'builtins.toPath "a/b"'

# --- errors ---
expect_err readFile-directory "file '$TMP/d' is not a regular file" -- instantiate --eval --show-trace -E "builtins.readFile $(E d)"
expect_err readFile-missing "path '$TMP/d/nope' does not exist" -- instantiate --eval --show-trace -E "builtins.readFile $(E d/nope)"
expect_err readFile-dangling-symlink "path '$TMP/d/nowhere' does not exist" -- instantiate --eval --show-trace -E "builtins.readFile $(E d/broken)"
expect_err readFile-nul "the contents of the file '$TMP/nul.bin' cannot be represented as a Nix string" \
  -- instantiate --eval --show-trace -E "builtins.readFile $(E nul.bin)"
expect_err readFile-symlink-loop "infinite symlink recursion in path '$TMP/d/loop1'" -- instantiate --eval --show-trace -E "builtins.readFile $(E d/loop1)"
expect_err readFile-self-symlink "infinite symlink recursion" -- instantiate --eval --show-trace -E "builtins.readFile $(E d/self)"
expect_err readDir-symlink-loop "infinite symlink recursion" -- instantiate --eval --show-trace -E "builtins.readDir $(E d/loop1)"
expect_err pathExists-dir-symlink-loop "infinite symlink recursion" -- instantiate --eval --show-trace -E "builtins.pathExists \"$(E d/loop1)/\""
expect_err hashFile-symlink-loop "infinite symlink recursion" -- instantiate --eval --show-trace -E "builtins.hashFile \"sha1\" $(E d/loop1)"
expect_err readDir-file "'$TMP/d/a.txt' is not a directory" -- instantiate --eval --show-trace -E "builtins.readDir $(E d/a.txt)"
expect_err readDir-missing "path '$TMP/d/nope' does not exist" -- instantiate --eval --show-trace -E "builtins.readDir $(E d/nope)"
expect_err readFileType-missing "path '$TMP/d/nope' does not exist" -- instantiate --eval --show-trace -E "builtins.readFileType $(E d/nope)"
expect_err readFile-not-a-path "cannot coerce a list to a string" -- instantiate --eval --show-trace -E 'builtins.readFile [ ]'
expect_err readFile-relative-string "string 'rel' doesn't represent an absolute path" -- instantiate --eval --show-trace -E 'builtins.readFile "rel"'
expect_err getEnv-not-string "expected a string but found a list" -- instantiate --eval --show-trace -E 'builtins.getEnv [ ]'

# --- imports that cannot work ---
echo 'import ./self.nix' > self.nix
printf 'import ./mutual-b.nix\n' > mutual-a.nix && printf '1 + import ./mutual-a.nix\n' > mutual-b.nix
printf 'let x = import ./lazy-self.nix; in { y = 1; z = x.z; }' > lazy-self.nix
python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)))' > garbage.nix
mkdir -p nodefault
expect_err import-self 'infinite recursion|stack overflow|max-call-depth' --nopos -- instantiate --eval --show-trace self.nix
expect_err import-mutual 'infinite recursion|stack overflow|max-call-depth' --nopos -- instantiate --eval --show-trace mutual-a.nix
expect_err import-self-lazy-attr 'infinite recursion|stack overflow|max-call-depth' --nopos -- instantiate --eval --strict --show-trace lazy-self.nix
expect_err import-directory-without-default "path '$TMP/nodefault/default.nix' does not exist" -- instantiate --eval --show-trace -E "import $(E nodefault)"
expect_err import-garbage 'error:' -- instantiate --eval --show-trace -E "import $(E garbage.nix)"
expect_err import-symlink-loop "symlink|symbolic link" -- instantiate --eval --show-trace -E "import $(E d/loop1)"
expect_err import-nul-file 'error:' -- instantiate --eval --show-trace -E "import $(E nul.bin)"

# readFile of a file in the store: the string refers to the path's references that occur in
# it (here a .drv file and the toFile source it uses), like CppNix.
echo 'let b = builtins.toFile "b" "y"; in derivation { name = "d"; system = "x"; builder = "/bin/sh"; args = [ b ]; }' > drv.nix
drv=$(NIX_STORE_DIR=$TMP/store CNIX_STORE_ROOT= NIX_STATE_DIR=$TMP/state "$CNIX" instantiate drv.nix 2>/dev/null)
NIX_STORE_DIR=$TMP/store CNIX_STORE_ROOT= NIX_STATE_DIR=$TMP/state \
  expect_ok readFile-store-context true -- instantiate --eval --strict -E "builtins.attrNames (builtins.getContext (builtins.readFile $drv)) == [ (builtins.unsafeDiscardStringContext (builtins.toFile \"b\" \"y\")) ]"

# A chroot store (logical store directory /cnix-no-such-store, physically under croot): the
# file builtins see store paths where the store holds them, as CppNix's store accessor; the
# logical directory does not exist on the machine, so reading it there would fail.
mkdir -p croot/cnix-no-such-store && printf 'fetched' > fetched.txt
chroot_env() { NIX_STORE_DIR=/cnix-no-such-store CNIX_STORE_ROOT=$TMP/croot NIX_STATE_DIR=$TMP/croot/var "$@"; }
chroot_env expect_ok chroot-store-dir-exists '[ true false "directory" ]' -- instantiate --eval --strict \
  -E '[ (builtins.pathExists builtins.storeDir) (builtins.pathExists "${builtins.storeDir}/foo") (builtins.readFileType builtins.storeDir) ]'
chroot_env expect_ok chroot-store-read-fetched '[ "fetched" [ "regular" ] ]' -- instantiate --eval --strict \
  -E "let f = builtins.fetchurl file://$TMP/fetched.txt; in [ (builtins.readFile f) (builtins.attrValues (builtins.readDir builtins.storeDir)) ]"
chroot_env expect_err chroot-store-missing-path "path '/cnix-no-such-store/foo' does not exist" -- instantiate --eval --show-trace \
  -E 'builtins.readFile "${builtins.storeDir}/foo"'

# Unreadable files: as root every file is readable, so cnix runs as an unprivileged user.
mkdir -p locked && printf 'secret' > locked/f && chmod 000 locked/f && mkdir locked/dir && chmod 000 locked/dir
chmod 755 locked
if [ "$(id -u)" = 0 ]; then
  if command -v setpriv >/dev/null; then
    cp "$CNIX" "$TMP/cnix-copy" && chmod 755 "$TMP/cnix-copy"
    saved=$CNIX; CNIX=$TMP/cnix-copy; CNIX_WRAP="setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/nonexistent"
  else
    echo "skip unreadable-file checks: running as root without setpriv"; finish; exit
  fi
fi
expect_err readFile-unreadable "opening '$TMP/locked/f': Permission denied" -- instantiate --eval --show-trace -E "builtins.readFile $(E locked/f)"
expect_err hashFile-unreadable "Permission denied" -- instantiate --eval --show-trace -E "builtins.hashFile \"sha256\" $(E locked/f)"
expect_err readDir-unreadable "Permission denied" -- instantiate --eval --show-trace -E "builtins.readDir $(E locked/dir)"
expect_err import-unreadable "Permission denied" -- instantiate --eval --show-trace -E "import $(E locked/f)"
expect_err readFile-in-unreadable-dir "Permission denied" -- instantiate --eval --show-trace -E "builtins.readFile $(E locked/dir/x)"
CNIX=${saved:-$CNIX}; CNIX_WRAP=

finish
