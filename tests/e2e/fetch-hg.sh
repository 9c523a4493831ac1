#!/usr/bin/env bash
# fetchMercurial on local repositories through the `hg` command (CppNix's attributes and
# result); skipped where Mercurial is not installed.
. "$(dirname "$0")/lib.bash"
if ! command -v hg >/dev/null; then
  echo "skip fetch-hg: the hg command (Mercurial) is not installed"
  finish; exit
fi
cd "$TMP"
S=/nix/store
# the tree of fetch.sh: CppNix (2.8) gives it this path under the name "source"
tree_path=$S/b2jdrm0ix0w82qps8dphlj591735wpkl-source
export HGPLAIN= HGUSER=test HGENCODING=utf-8
mkdir -p repo/sub && cd repo && hg init -q . \
  && printf 'a\n' > a && chmod 755 a && printf 'b\n' > sub/b && ln -s a link \
  && hg add -q a sub/b link && hg commit -q -m one -d '1700000000 0' \
  && printf 'two\n' > new && hg add -q new && hg commit -q -m two -d '1700000100 0' \
  && hg branch -q feature && printf 'f\n' > f && hg add -q f && hg commit -q -m three -d '1700000200 0' \
  && hg update -q default && cd ..
rev1=$(hg log -R repo -r 0 --template '{node}')
rev2=$(hg log -R repo -r 1 --template '{node}')
rev3=$(hg log -R repo -r 2 --template '{node}')

expect_ok hg-rev-path "\"$tree_path\"" -- instantiate --eval -E "(fetchMercurial { url = \"file://$TMP/repo\"; rev = \"$rev1\"; }).outPath"
expect_ok hg-rev-attrs "{ branch = \"default\"; outPath = \"$tree_path\"; rev = \"$rev1\"; revCount = 0; shortRev = \"${rev1:0:12}\"; }" \
  -- instantiate --eval --strict -E "builtins.fetchMercurial { url = $TMP/repo; rev = \"$rev1\"; }"
[ "$(cat "$TMP/root$tree_path/sub/b" 2>/dev/null)" = b ] && [ -x "$TMP/root$tree_path/a" ] && [ -L "$TMP/root$tree_path/link" ] \
  && [ ! -e "$TMP/root$tree_path/.hg_archival.txt" ] && [ ! -e "$TMP/root$tree_path/.hg" ] \
  && _verdict hg-content "" || _verdict hg-content "the store path differs from the revision's tree"
# the default branch's head, a branch name as rev, a name
expect_ok hg-default "[ \"$rev2\" 1 \"default\" ]" -- instantiate --eval --strict -E "let r = builtins.fetchMercurial \"file://$TMP/repo\"; in [ r.rev r.revCount r.branch ]"
expect_ok hg-branch-as-rev "[ \"$rev3\" 2 \"feature\" ]" -- instantiate --eval --strict -E "let r = builtins.fetchMercurial { url = $TMP/repo; rev = \"feature\"; }; in [ r.rev r.revCount r.branch ]"
expect_ok hg-name 'true' -- instantiate --eval -E "builtins.match \".*-mine\" (builtins.fetchMercurial { url = $TMP/repo; name = \"mine\"; }).outPath == [ ]"
cn instantiate --eval --raw -E "(builtins.fetchMercurial { url = $TMP/repo; rev = \"$rev2\"; }).outPath"
[ "$(cat "$TMP/root$out/new" 2>/dev/null)" = two ] && _verdict hg-rev2-content "" || _verdict hg-rev2-content "'new' of revision 1 missing in '$out'"
# an unclean working tree: tracked files as on disk, the null revision, no revCount
printf 'changed\n' > repo/new && printf 'untracked\n' > repo/untracked
expect_ok hg-dirty '[ "0000000000000000000000000000000000000000" "000000000000" false "default" ]' \
  -- instantiate --eval --strict -E "let r = builtins.fetchMercurial $TMP/repo; in [ r.rev r.shortRev (r ? revCount) r.branch ]"
cn instantiate --eval --raw -E "(builtins.fetchMercurial $TMP/repo).outPath"
[ "$(cat "$TMP/root$out/new" 2>/dev/null)" = changed ] && [ ! -e "$TMP/root$out/untracked" ] && [ -x "$TMP/root$out/a" ] \
  && _verdict hg-dirty-content "" || _verdict hg-dirty-content "'$out' is not the tracked files as on disk"
grep -q "warning: Mercurial tree '$TMP/repo' is unclean" "$TMP/.err" && _verdict hg-dirty-warning "" || _verdict hg-dirty-warning "no warning about the unclean tree"
# errors
expect_err hg-bad-arg "unsupported argument 'foo' to 'fetchMercurial'" -- instantiate --eval -E "builtins.fetchMercurial { url = $TMP/repo; foo = 1; }"
expect_err hg-no-url "'url' argument required" --nopos -- instantiate --eval -E 'builtins.fetchMercurial { name = "x"; }'
expect_err hg-unknown-rev "program 'hg' failed with exit code" --nopos -- instantiate --eval -E "builtins.fetchMercurial { url = $TMP/repo; rev = \"0123456789012345678901234567890123456789\"; }"
expect_err hg-not-a-repo "is not a Mercurial repository" --nopos -- instantiate --eval -E "builtins.fetchMercurial $TMP"
expect_err hg-pure "in pure evaluation mode, 'fetchMercurial' requires a Mercurial revision" --nopos -- instantiate --pure-eval --eval -E "builtins.fetchMercurial { url = \"file://$TMP/repo\"; }"
expect_ok hg-pure-rev "\"$tree_path\"" -- instantiate --pure-eval --eval -E "(builtins.fetchMercurial { url = \"file://$TMP/repo\"; rev = \"$rev1\"; }).outPath"
expect_err hg-remote "cnix fetches only local sources" --nopos -- instantiate --eval -E 'builtins.fetchMercurial "https://example.com/repo"'
finish
