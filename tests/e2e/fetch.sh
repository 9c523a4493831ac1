#!/usr/bin/env bash
# Fetchers on local sources (no network here): fetchurl, fetchTarball in every archive format,
# fetchGit, fetchTree. Store paths, hashes and revisions are fixed vectors computed with
# CppNix (2.8) from the same inputs; the store is a private one under $TMP/root.
. "$(dirname "$0")/lib.bash"
cd "$TMP"
# (lib.bash points CNIX_STORE_ROOT at the private store $TMP/root)
S=/nix/store
printf 'hi\n' > f.txt
mkdir -p t/top/sub && printf 'a\n' > t/top/a && chmod 755 t/top/a && printf 'b\n' > t/top/sub/b && ln -s a t/top/link
tree_path=$S/b2jdrm0ix0w82qps8dphlj591735wpkl-source
tree_nar=sha256-oCx/yCsPs2we9p1Y1txDmT6mszGKxTw3eDHpiF1gRAY=
U="file://$TMP"

# --- fetchurl ---
expect_ok fetchurl "\"$S/7m9jlj34ns6r66ablfz6dxbnsazck0sa-f.txt\"" -- instantiate --eval -E "builtins.fetchurl $U/f.txt"
[ "$(cat "$TMP/root$S/7m9jlj34ns6r66ablfz6dxbnsazck0sa-f.txt" 2>/dev/null)" = hi ] && _verdict fetchurl-content "" || _verdict fetchurl-content "the store path does not hold the file"
expect_ok fetchurl-name "\"$S/x0vrad4w8444r50r1glhaf8v50r06mic-other\"" -- instantiate --eval -E "builtins.fetchurl { url = $U/f.txt; name = \"other\"; }"
expect_ok fetchurl-sha256 "\"$S/7m9jlj34ns6r66ablfz6dxbnsazck0sa-f.txt\"" -- instantiate --eval -E "builtins.fetchurl { url = $U/f.txt; sha256 = \"1r3v22qkypccqifzbww5lrn6hf1chi23m6zzkyvb8bvg457nxslq\"; }"
expect_ok fetchurl-context '[ "'$S'/7m9jlj34ns6r66ablfz6dxbnsazck0sa-f.txt" ]' -- instantiate --eval --strict -E "builtins.attrNames (builtins.getContext (builtins.fetchurl $U/f.txt))"
expect_err fetchurl-hash-mismatch "hash mismatch in file downloaded from '$U/f.txt'" --nopos -- instantiate --eval -E "builtins.fetchurl { url = $U/f.txt; sha256 = \"0000000000000000000000000000000000000000000000000000\"; }"
expect_err fetchurl-missing 'unable to download' --nopos -- instantiate --eval -E "builtins.fetchurl $U/nope"
expect_err fetchurl-bad-arg "unsupported argument 'foo' to 'fetchurl'" --nopos -- instantiate --eval -E "builtins.fetchurl { url = $U/f.txt; foo = 1; }"
expect_err fetchurl-no-url "'url' argument required" --nopos -- instantiate --eval -E 'builtins.fetchurl { name = "x"; }'
expect_err fetchurl-bad-name "invalid store path name when fetching URL 'https://example.com/~x': name '~x' contains illegal character '~'" --nopos -- instantiate --eval -E 'builtins.fetchurl "https://example.com/~x"'
expect_err fetchurl-remote 'unable to download' --nopos -- instantiate --eval -E 'builtins.fetchurl "https://example.com/x"'

# --- fetchTarball: the same tree from every archive format gives the same path ---
tar -C t -czf t.tar.gz top && tar -C t -cJf t.tar.xz top && tar -C t -cjf t.tar.bz2 top && tar -C t -cf t.tar top
tar -C t --zstd -cf t.tar.zst top 2>/dev/null
(cd t && zip -qry ../t.zip top)
for f in t.tar.gz t.tar.xz t.tar.bz2 t.tar.zst t.tar t.zip; do
  [ -f "$f" ] || { echo "skip fetchTarball-$f: cannot create it here"; continue; }
  expect_ok "fetchTarball-$f" "\"$tree_path\"" -- instantiate --eval -E "builtins.fetchTarball $U/$f"
done
[ -x "$TMP/root$tree_path/a" ] && [ -L "$TMP/root$tree_path/link" ] && [ "$(cat "$TMP/root$tree_path/sub/b")" = b ] \
  && _verdict fetchTarball-content "" || _verdict fetchTarball-content "unpacked tree differs (exec bit, symlink or file)"
expect_ok fetchTarball-sha256 "\"$tree_path\"" -- instantiate --eval -E "builtins.fetchTarball { url = $U/t.tar.gz; sha256 = \"$tree_nar\"; }"
expect_err fetchTarball-hash-mismatch 'hash mismatch' --nopos -- instantiate --eval -E "builtins.fetchTarball { url = $U/t.tar.gz; sha256 = \"sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"; }"
mkdir -p m && printf 1 > m/x && printf 2 > m/y && tar -C m -czf multi.tar.gz x y
expect_sane fetchTarball-several-top-level-entries -- instantiate --eval -E "builtins.fetchTarball $U/multi.tar.gz"
expect_err fetchTarball-relative "tarball 'file:./t.tar.gz' must use an absolute path" --nopos -- instantiate --eval -E 'builtins.fetchTarball "file:./t.tar.gz"'
expect_err fetchTarball-missing "tarball \"$TMP/nope.tar.gz\" does not exist" --nopos -- instantiate --eval -E "builtins.fetchTarball $U/nope.tar.gz"
expect_err fetchTarball-directory "tarball \"$TMP/t\" is a directory, not a file" --nopos -- instantiate --eval -E "builtins.fetchTarball $U/t"
expect_err fetchTarball-not-an-archive 'archive' --nopos -- instantiate --eval -E "builtins.fetchTarball $U/f.txt"
python3 -c '
import tarfile, io
with tarfile.open("evil.tar.gz", "w:gz") as t:
    i = tarfile.TarInfo("../escaped"); d = b"x"; i.size = len(d); t.addfile(i, io.BytesIO(d))'
expect_err fetchTarball-path-traversal 'outside the archive' --nopos -- instantiate --eval -E "builtins.fetchTarball $U/evil.tar.gz"
[ ! -e "$TMP/escaped" ] && [ ! -e "/tmp/escaped" ] && _verdict fetchTarball-no-escape "" || _verdict fetchTarball-no-escape "a file was written outside the unpack directory"

# --- fetchGit ---
mkdir repo && (cd repo && git init -q && git config user.email a@b && git config user.name t &&
  printf 'hello\n' > a && mkdir d && printf 'x\n' > d/x && git add . &&
  GIT_COMMITTER_DATE=2020-01-01T00:00:00Z GIT_AUTHOR_DATE=2020-01-01T00:00:00Z git commit -qm one && git branch -q other)
rev=0d1ca20be5cea455048ab65d48d05a27309baa1f
git_attrs="{ lastModified = 1577836800; lastModifiedDate = \"20200101000000\"; narHash = \"sha256-zKEWdfZvPesRAfXncncbcajClVoEMC7i5F/fFzX0BN4=\"; outPath = \"$S/wg5a06r80rbq4973f809dxrqalxbr0ks-source\"; rev = \"$rev\"; revCount = 1; shortRev = \"0d1ca20\"; submodules = false; }"
expect_ok fetchGit-path "$git_attrs" -- instantiate --eval --strict -E "builtins.fetchGit $TMP/repo"
expect_ok fetchGit-rev "$git_attrs" -- instantiate --eval --strict -E "builtins.fetchGit { url = $TMP/repo; rev = \"$rev\"; }"
expect_ok fetchGit-ref "$git_attrs" -- instantiate --eval --strict -E "builtins.fetchGit { url = \"file://$TMP/repo\"; ref = \"other\"; }"
expect_ok fetchGit-pure-rev "$git_attrs" -- instantiate --pure-eval --eval --strict -E "builtins.fetchGit { url = \"file://$TMP/repo\"; rev = \"$rev\"; }"
expect_err fetchGit-pure-unlocked "in pure evaluation mode, 'fetchGit' doesn't fetch unlocked input" --nopos -- instantiate --pure-eval --eval --strict -E "builtins.fetchGit $TMP/repo"
expect_err fetchGit-missing-rev "Cannot find Git revision '1111111111111111111111111111111111111111'" --nopos -- instantiate --eval --strict -E "builtins.fetchGit { url = $TMP/repo; rev = \"1111111111111111111111111111111111111111\"; }"
expect_err fetchGit-type-arg "unexpected argument 'type'" --nopos -- instantiate --eval -E "builtins.fetchGit { url = $TMP/repo; type = \"git\"; }"
expect_err fetchGit-not-a-repo "not a Git repository" --nopos -- instantiate --eval -E "builtins.fetchGit $TMP/t"
printf 'changed\n' > repo/a
expect_ok fetchGit-dirty '[ "0000000000000000000000000000000000000000" "'$rev'-dirty" "changed\n" ]' -- instantiate --eval --strict -E "let r = builtins.fetchGit $TMP/repo; in [ r.rev r.dirtyRev (builtins.readFile \"$TMP/root\${builtins.substring 0 (-1) r.outPath}/a\") ]"
(cd repo && git checkout -q a)

# Submodules (narHashes from CppNix 2.8 on the same trees)
git init -q sub && (cd sub && git config user.email a@b && git config user.name t && echo s > s && git add s && git commit -qm s)
git init -q withsub && (cd withsub && git config user.email a@b && git config user.name t && echo m > m &&
  git -c protocol.file.allow=always submodule add -q ../sub sub >/dev/null 2>&1 && git add . && git commit -qm m)
expect_ok fetchGit-submodules '[ "sha256-NbGK1xXR1aTPmm2vUCuDjCs9rHANDGviRTmuZNJvdXE=" true ]' -- instantiate --eval --strict -E "let r = builtins.fetchGit { url = $TMP/withsub; submodules = true; }; in [ r.narHash r.submodules ]"
expect_ok fetchGit-without-submodules '"sha256-5ULmZMZcA2r+aGf2Kj4UKGgTgdYaz7ePUREpcwqt6jA="' -- instantiate --eval --strict -E "(builtins.fetchGit $TMP/withsub).narHash"

# --- fetchTree ---
expect_ok fetchTree-tarball "{ narHash = \"$tree_nar\"; outPath = \"$tree_path\"; }" -- instantiate --extra-experimental-features fetch-tree --eval --strict -E "builtins.fetchTree { type = \"tarball\"; url = $U/t.tar.gz; }"
expect_ok fetchTree-path-narHash "\"$tree_nar\"" -- instantiate --extra-experimental-features fetch-tree --eval --strict -E "(builtins.fetchTree { type = \"path\"; path = \"$TMP/t/top\"; }).narHash"
expect_ok fetchTree-path-url "\"$tree_path\"" -- instantiate --extra-experimental-features fetch-tree --eval --strict -E "(builtins.fetchTree \"path:$TMP/t/top\").outPath"
expect_ok fetchTree-git-shallow '[ "0d1ca20" false ]' -- instantiate --extra-experimental-features fetch-tree --eval --strict -E "let r = builtins.fetchTree { type = \"git\"; url = \"file://$TMP/repo\"; }; in [ r.shortRev (r ? revCount) ]"
expect_ok fetchTree-git-url "\"$rev\"" -- instantiate --extra-experimental-features fetch-tree --eval --strict -E "(builtins.fetchTree \"git+file://$TMP/repo\").rev"
expect_ok fetchTree-file-is-flat-source 'true' -- instantiate --extra-experimental-features fetch-tree --eval --strict -E "(builtins.fetchTree { type = \"file\"; url = $U/f.txt; }).outPath == builtins.fetchurl { url = $U/f.txt; name = \"source\"; }"
expect_err fetchTree-negative "negative value given for 'fetchTree' argument 'owner': -1" --nopos -- instantiate --extra-experimental-features fetch-tree --eval -E "builtins.fetchTree { type = \"file\"; url = $U/f.txt; owner = -1; }"
expect_err fetchTree-list-arg "argument 'x' to 'fetchTree' is a list while a string, Boolean or integer is expected" --nopos -- instantiate --extra-experimental-features fetch-tree --eval -E "builtins.fetchTree { type = \"file\"; url = $U/f.txt; x = [ ]; }"
expect_err fetchTree-no-type "argument 'type' is missing in call to 'fetchTree'" --nopos -- instantiate --extra-experimental-features fetch-tree --eval -E "builtins.fetchTree { url = $U/f.txt; }"
expect_err fetchTree-name "argument 'name' isn’t supported in call to 'fetchTree'" --nopos -- instantiate --extra-experimental-features fetch-tree --eval -E "builtins.fetchTree { type = \"file\"; url = $U/f.txt; name = \"x\"; }"

# --- restricted evaluation and allowed-uris ---
expect_err restricted-fetchurl "access to absolute path '$TMP/f.txt' is forbidden in restricted mode" --nopos -- instantiate --restrict-eval --eval -E "builtins.fetchurl $U/f.txt"
expect_ok restricted-fetchurl-allowed "\"$S/7m9jlj34ns6r66ablfz6dxbnsazck0sa-f.txt\"" -- instantiate --restrict-eval --allowed-uris "$U" --eval -E "builtins.fetchurl $U/f.txt"
expect_ok restricted-fetchurl-allowed-option "\"$S/7m9jlj34ns6r66ablfz6dxbnsazck0sa-f.txt\"" -- instantiate --restrict-eval --option allowed-uris "$U/f.txt" --eval -E "builtins.fetchurl $U/f.txt"
expect_err restricted-fetchurl-prefix-boundary "access to URI '$U/f.txt' is forbidden in restricted mode|forbidden" --nopos -- instantiate --restrict-eval --allowed-uris "$U/f.tx" --eval -E "builtins.fetchurl $U/f.txt"
expect_err restricted-remote-uri "access to URI 'https://example.com/x' is forbidden in restricted mode" --nopos -- instantiate --restrict-eval --eval -E 'builtins.fetchurl https://example.com/x'
expect_err restricted-scheme-prefix 'unable to download' --nopos -- instantiate --restrict-eval --allowed-uris "https:" --eval -E 'builtins.fetchurl "https://example.com/x"'

finish
