#!/usr/bin/env bash
# Flakes: locking path/git/tarball inputs, follows, flake = false, updates, overrides, dirty
# trees, installables, bad flake.nix files; lock files and `flake metadata --json` compared
# with Debian's nix 2.8 when it is installed.
. ./lib.bash
# Sources are read from the store by path, so the private store's logical and physical
# directories are the same here (no CNIX_STORE_ROOT).
unset CNIX_STORE_ROOT
export NIX_STORE_DIR=$TMP/store NIX_STATE_DIR=$TMP/state HOME=$TMP/home XDG_CONFIG_HOME=$TMP/home/.config
# The builders use the host's /bin/sh: the sandbox (on by default) must show it.
export NIX_CONFIG="sandbox-paths = /bin /lib /usr /lib64?"
mkdir -p "$HOME"
W=$TMP/w
mkdir -p "$W"
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@e GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@e
export GIT_AUTHOR_DATE=@1700000000 GIT_COMMITTER_DATE=@1700000000 GIT_CONFIG_NOSYSTEM=1
git config --global init.defaultBranch master 2>/dev/null
mkgit() { (cd "$1" && git init -q && git add -A && git commit -qm init); }
settime() { find "$1" -exec touch -h -d @1700000000 {} +; }

# The oracle: CppNix 2.8 with its own store and state under $TMP.
ONIX=""
if command -v nix >/dev/null 2>&1 && nix --version 2>/dev/null | grep -q 'Nix'; then ONIX=1; else
  echo "note: nix (Debian's nix-bin) not installed; skipping the comparisons with CppNix 2.8"; fi
onix() {
  (export NIX_STORE_DIR=$TMP/ostore NIX_STATE_DIR=$TMP/ostate NIX_LOG_DIR=$TMP/olog XDG_CACHE_HOME=$TMP/ocache \
      NIX_CONFIG= HOME=$TMP/ohome; mkdir -p "$TMP/ohome"
   timeout 120 nix --extra-experimental-features 'nix-command flakes' --store "$TMP/oroot" \
     --option flake-registry "$TMP/none.json" "$@")
}
# CppNix 2.8 records the ref of a work tree as "master", current CppNix as "refs/heads/master".
norm_ref() { sed 's|"ref": "refs/heads/|"ref": "|'; }
# same_file NAME A B: byte-identical files
same_file() {
  local p=""
  if ! cmp -s "$2" "$3"; then p="differs: $(diff "$2" "$3" | head -20 | tr '\n' ' ')"; fi
  rc=0; err=""; _verdict "$1" "$p"
}
# check NAME CONDITION-COMMAND...: a shell condition
check() { local n=$1; shift; rc=0; err=""; if "$@"; then _verdict "$n" ""; else _verdict "$n" "condition failed: $*"; fi; }

# ---------- the sources ----------
mkdir -p "$W/dep" "$W/gdep" "$W/data" "$W/data2" "$W/mid" "$W/top" "$W/olddep"
cat > "$W/dep/flake.nix" <<'EOF'
{ description = "dep"; outputs = { self }: { v = 1; lib.greet = n: "hi ${n}"; }; }
EOF
cat > "$W/olddep/flake.nix" <<'EOF'
{ outputs = { self }: { v = 0; }; }
EOF
cat > "$W/gdep/flake.nix" <<'EOF'
{ outputs = { self }: { v = 2; rev = self.rev; }; }
EOF
echo data > "$W/data/data.txt"
echo data2 > "$W/data2/data.txt"
cat > "$W/mid/flake.nix" <<EOF
{ inputs.dep.url = "path:$W/olddep";
  inputs.data = { url = "path:$W/data2"; flake = false; };
  outputs = { self, dep, data }: { depv = dep.v; data = builtins.readFile "\${data}/data.txt"; }; }
EOF
cat > "$W/top/flake.nix" <<EOF
{ description = "top";
  inputs = {
    dep.url = "path:$W/dep";
    gdep.url = "git+file://$W/gdep";
    data = { url = "path:$W/data"; flake = false; };
    mid.url = "path:$W/mid";
    mid.inputs.dep.follows = "dep";
  };
  outputs = { self, dep, gdep, data, mid }: {
    sum = dep.v + gdep.v;
    greet = dep.lib.greet "you";
    data = builtins.readFile (data + "/data.txt");
    dataOut = data ? outPath && data ? narHash && data ? lastModified && !(data ? outputs);
    midDep = mid.depv;
    midData = mid.data;
    selfType = self._type;
    selfHasNarHash = self ? narHash && self ? lastModified;
    gdepRev = gdep.rev == gdep.sourceInfo.rev && builtins.stringLength gdep.shortRev == 7;
    gdepRevCount = gdep.revCount;
  };
}
EOF
mkgit "$W/gdep"
settime "$W/dep"; settime "$W/olddep"; settime "$W/data"; settime "$W/data2"; settime "$W/mid"; settime "$W/top"

# ---------- locking and evaluating ----------
cd "$W/top"
expect_ok "lock creates flake.lock" "" -- flake lock
check "lock file exists" test -f "$W/top/flake.lock"
check "lock file ends with a newline" test "$(tail -c1 "$W/top/flake.lock" | od -An -c | tr -d ' ')" = '\n'
check "lock file has the follows as a list" grep -q '"dep": \[' "$W/top/flake.lock"
check "clashing node keys get _2" grep -q '"data_2": {' "$W/top/flake.lock"
check "flake = false recorded" grep -q '"flake": false' "$W/top/flake.lock"
expect_ok "eval across path and git inputs" "3" -- eval .#sum
expect_ok "eval a function from an input" '"hi you"' -- eval .#greet
expect_ok "flake = false input" '"data\n"' -- eval .#data
expect_ok "flake = false input outPath" "true" -- eval .#dataOut
expect_ok "follows replaces the nested input" "1" -- eval .#midDep
expect_ok "nested non-flake input (key data_2)" '"data2\n"' -- eval .#midData
expect_ok "self is a flake" '"flake"' -- eval .#selfType
expect_ok "self has narHash and lastModified" "true" -- eval .#selfHasNarHash
expect_ok "git input rev and shortRev" "true" -- eval .#gdepRev
expect_ok "git input revCount" "1" -- eval .#gdepRevCount
expect_ok "--apply" '6' -- eval .#sum --apply 'x: x * 2'
expect_err "missing attribute names the search order" "does not provide attribute 'packages\.[^']*\.nope', 'legacyPackages\.[^']*\.nope' or 'nope'" --nopos -- eval .#nope
cp "$W/top/flake.lock" "$TMP/lock1"
expect_ok "relocking an unchanged flake changes nothing" "" -- flake lock
same_file "lock file unchanged" "$TMP/lock1" "$W/top/flake.lock"
if [ -n "$ONIX" ]; then
  cp "$W/top/flake.lock" "$TMP/cnix.lock"; rm "$W/top/flake.lock"
  onix flake lock "path:$W/top" 2>"$TMP/onix.err" || cat "$TMP/onix.err"
  norm_ref < "$TMP/cnix.lock" > "$TMP/cnix-norm.lock"
  same_file "lock file as CppNix 2.8 writes it" "$W/top/flake.lock" "$TMP/cnix-norm.lock"
  cp "$TMP/cnix.lock" "$W/top/flake.lock"
  cn flake metadata --json "path:$W/top"; echo "$out" > "$TMP/cmeta.json"
  onix flake metadata --json "path:$W/top" > "$TMP/ometa.json" 2>"$TMP/onix.err"
  # compare what both versions mean the same way (2.8 prints "ref": "master", encodes '/')
  python3 - "$TMP/cmeta.json" "$TMP/ometa.json" > "$TMP/metacmp" <<'EOF'
import json, sys
c, o = (json.load(open(f)) for f in sys.argv[1:3])
def norm(x):
    if isinstance(x, dict):
        return {k: (v.replace("refs/heads/", "") if k == "ref" else norm(v)) for k, v in x.items()}
    return x
for k in ["description", "lastModified", "locked", "original", "originalUrl", "resolved", "resolvedUrl", "locks"]:
    if norm(c.get(k)) != norm(o.get(k)):
        print("field", k, "differs:", c.get(k), "vs", o.get(k))
print("compared")
EOF
  check "flake metadata --json as CppNix 2.8" test "$(cat "$TMP/metacmp")" = compared
fi
cn flake metadata
check "metadata names the description" grep -qx "Description:   top" "$TMP/.out"
check "metadata lists follows" grep -q "follows input 'dep'" "$TMP/.out"
check "metadata tree" grep -q '└───mid' "$TMP/.out"
cn flake show
check "show lists outputs" grep -q "├───greet: unknown" "$TMP/.out"

# ---------- updates ----------
echo '{ outputs = { self }: { v = 20; rev = self.rev; }; }' > "$W/gdep/flake.nix"
(cd "$W/gdep" && GIT_COMMITTER_DATE=@1700000100 GIT_AUTHOR_DATE=@1700000100 git commit -qam two)
expect_ok "lock keeps the old revision" "3" -- eval .#sum
expect_ok "flake lock does not update" "" -- flake lock
same_file "lock file kept" "$TMP/lock1" "$W/top/flake.lock"
expect_ok "flake update gdep" "" -- flake update gdep
check "update reports the change" grep -q "Updated input 'gdep'" "$TMP/.err"
expect_ok "updated input is used" "21" -- eval .#sum
expect_ok "updated revCount" "2" -- eval .#gdepRevCount
cp "$W/top/flake.lock" "$TMP/lock2"
if [ -n "$ONIX" ]; then
  cp "$TMP/lock1" "$W/top/flake.lock"; norm_ref < "$TMP/lock1" > "$W/top/flake.lock"
  onix flake lock --update-input gdep "path:$W/top" 2>/dev/null
  norm_ref < "$TMP/lock2" > "$TMP/lock2-norm"
  same_file "updated lock file as CppNix 2.8 (flake lock --update-input)" "$W/top/flake.lock" "$TMP/lock2-norm"
  cp "$TMP/lock2" "$W/top/flake.lock"
fi
expect_ok "--update-input" "" -- flake lock --update-input dep
expect_ok "flake update (all)" "" -- flake update
same_file "full update of an up-to-date lock" "$TMP/lock2" "$W/top/flake.lock"

# ---------- overrides, --no-write-lock-file ----------
mkdir -p "$W/dep3"
echo '{ outputs = { self }: { v = 100; lib.greet = n: "hey ${n}"; }; }' > "$W/dep3/flake.nix"
expect_ok "--override-input" "120" -- eval .#sum --override-input dep "path:$W/dep3" --no-write-lock-file
check "--no-write-lock-file warns" grep -q "not writing modified lock file" "$TMP/.err"
same_file "--no-write-lock-file keeps the lock" "$TMP/lock2" "$W/top/flake.lock"
expect_ok "--override-input follows through to the follower" "100" -- eval .#midDep --override-input dep "path:$W/dep3" --no-write-lock-file
expect_ok "--output-lock-file" "" -- flake lock --override-input dep "path:$W/dep3" --output-lock-file "$TMP/out.lock"
check "override written to the output lock" grep -q "$W/dep3" "$TMP/out.lock"
check "original stays the flake.nix reference" grep -q "\"path\": \"$W/dep\"" "$TMP/out.lock"
same_file "--output-lock-file leaves flake.lock" "$TMP/lock2" "$W/top/flake.lock"
expect_ok "--recreate-lock-file" "" -- flake lock --recreate-lock-file
same_file "recreated lock equals the locked one" "$TMP/lock2" "$W/top/flake.lock"
echo '{ outputs = { self }: { }; inputs.dep.url = "path:/nonexistent"; }' > "$W/olddep2.nix"
expect_err "--no-update-lock-file refuses changes" "requires lock file changes but they're not allowed" --nopos -- flake lock --override-input dep "path:$W/dep3" --no-update-lock-file

# ---------- a git flake, dirty trees ----------
mkdir -p "$W/gtop"
cat > "$W/gtop/flake.nix" <<EOF
{ inputs.dep.url = "path:$W/dep";
  outputs = { self, dep }: {
    files = builtins.attrNames (builtins.readDir self.outPath);
    myrev = self.rev or "none";
    dirty = self.dirtyRev or "clean";
    packages.x86_64-linux.default = derivation { name = "built"; system = "x86_64-linux"; builder = "/bin/sh"; args = [ "-c" "echo \${toString dep.v} > \$out" ]; };
  }; }
EOF
echo tracked > "$W/gtop/tracked.txt"
mkgit "$W/gtop"
echo untracked > "$W/gtop/untracked.txt"
cd "$W/gtop"
expect_ok "git flake: only tracked files (and the new lock file)" '[ "flake.lock" "flake.nix" "tracked.txt" ]' -- eval .#files
check "lock file added to git (intent to add)" sh -c "cd '$W/gtop' && git ls-files | grep -qx flake.lock"
cn eval .#dirty
check "uncommitted lock file makes the tree dirty" sh -c "printf '%s' '$out' | grep -q -- '-dirty\"'"
(cd "$W/gtop" && git add flake.lock && git commit -qm lock)
expect_ok "clean git flake has a rev" "\"$(cd "$W/gtop" && git rev-parse HEAD)\"" -- eval .#myrev
echo '# changed' >> "$W/gtop/tracked.txt"
cn eval .#dirty
check "dirty tree: dirtyRev" sh -c "printf '%s' '$out' | grep -q -- '-dirty\"'"
check "dirty tree warns" grep -q "uncommitted changes\|is dirty" "$TMP/.err"
expect_ok "dirty tree: no rev" '"none"' -- eval .#myrev
(cd "$W/gtop" && git checkout -q tracked.txt)
cn build .# --no-out-link
check "cnix build .#: prints the output path" sh -c "grep -q -- '-built$' '$TMP/.out'"
cn build
check "cnix build without arguments builds the flake in ." test -L "$W/gtop/result"
check "its output" test "$(cat "$W/gtop/result" 2>/dev/null)" = 1

# ---------- tarballs, relative paths, indirect inputs, registries, forge mirror ----------
mkdir -p "$W/tb/src"
echo '{ outputs = { self }: { v = 7; }; }' > "$W/tb/src/flake.nix"
settime "$W/tb/src"
(cd "$W/tb" && tar czf src.tar.gz src)
mkdir -p "$W/top2/sub" "$W/reg"
echo '{ outputs = { self }: { v = 8; }; }' > "$W/top2/sub/flake.nix"
echo '{ outputs = { self }: { v = 9; }; }' > "$W/reg/flake.nix"
mkdir -p "$W/mirror/github/owner/repo"
echo '{ outputs = { self }: { v = 10; }; }' > "$W/mirror/github/owner/repo/flake.nix"
mkgit "$W/mirror/github/owner/repo"
cat > "$W/top2/flake.nix" <<EOF
{ inputs.tb.url = "tarball+file://$W/tb/src.tar.gz";
  inputs.sub.url = "path:./sub";
  inputs.gh.url = "github:owner/repo";
  outputs = { self, tb, sub, gh, myreg }: { v = [ tb.v sub.v gh.v myreg.v ]; ghrev = gh ? rev; }; }
EOF
cd "$W/top2"
expect_err "unknown indirect input" "cannot find flake 'flake:myreg' in the flake registries" --nopos -- eval .#v --forge-mirror "$W/mirror"
expect_ok "registry add" "" -- registry add myreg "path:$W/reg"
cn registry list
check "registry list" grep -q "^user   flake:myreg path:$W/reg$" "$TMP/.out"
expect_err "github without a mirror is not fetched" "cnix fetches only local sources" --nopos -- eval .#v
expect_ok "tarball, relative path, github mirror, registry inputs" "[ 7 8 10 9 ]" -- eval .#v --forge-mirror "$W/mirror"
expect_ok "github input has a rev" "true" -- eval .#ghrev --forge-mirror "$W/mirror"
check "relative path locked relatively" grep -q '"path": "./sub"' "$W/top2/flake.lock"
check "relative path has a parent" grep -q '"parent": \[\]' "$W/top2/flake.lock"
check "github locked with owner/repo/rev" sh -c "grep -q '\"type\": \"github\"' '$W/top2/flake.lock' && grep -q '\"rev\": \"$(cd "$W/mirror/github/owner/repo" && git rev-parse HEAD)\"' '$W/top2/flake.lock'"
check "indirect input resolved and locked" grep -q "\"path\": \"$W/reg\"" "$W/top2/flake.lock"
expect_ok "locked entries evaluate without fetching changes" "[ 7 8 10 9 ]" -- eval .#v --forge-mirror "$W/mirror"
expect_ok "registry remove" "" -- registry remove myreg
cn registry list
check "registry list after remove" test -z "$out"

# ---------- nixConfig ----------
mkdir -p "$W/cfg"
cat > "$W/cfgreg.json" <<EOF2
{"flakes":[{"from":{"id":"viacfg","type":"indirect"},"to":{"path":"$W/reg","type":"path"}}],"version":2}
EOF2
cat > "$W/cfg/flake.nix" <<EOF2
{ nixConfig = { flake-registry = "$W/cfgreg.json"; max-jobs = 3; };
  outputs = { self, viacfg }: { v = viacfg.v; }; }
EOF2
cd "$W/cfg"
expect_ok "nixConfig flake-registry (always trusted) resolves an indirect input" "9" -- eval .#v
check "untrusted nixConfig setting ignored with a warning" grep -q "ignoring untrusted flake configuration setting 'max-jobs'" "$TMP/.err"
expect_ok "--accept-flake-config" "9" -- eval .#v --accept-flake-config
check "accepted settings do not warn" sh -c "! grep -q 'untrusted' '$TMP/.err'"
printf '{ nixConfig.bad = { a = 1; }; outputs = { self }: { }; }\n' > "$W/cfg/flake.nix"
expect_err "nixConfig setting of a wrong type" "flake configuration setting 'bad' is a set" -- flake lock

# ---------- pure evaluation ----------
mkdir -p "$W/pure"
cat > "$W/pure/flake.nix" <<'EOF'
{ outputs = { self }: { sys = builtins.currentSystem; env = builtins.getEnv "HOME"; corepkg = builtins.typeOf (import <nix/fetchurl.nix>); etc = builtins.readFile /etc/hostname; }; }
EOF
cd "$W/pure"
expect_err "pure: no currentSystem" "attribute 'currentSystem' missing" --nopos -- eval .#sys
expect_ok "--impure lifts it" "\"$(uname -m)-linux\"" -- eval .#sys --impure
expect_ok "pure: getEnv is empty" '""' -- eval .#env
expect_ok "pure: <nix/fetchurl.nix> is built in (nixpkgs' bootstrap needs it)" '"lambda"' -- eval .#corepkg
expect_err "pure: no files outside the store" "access to absolute path '/etc/hostname' is forbidden in pure evaluation mode" --nopos -- eval .#etc

# ---------- builtins.getFlake ----------
cd "$W"
expect_ok "getFlake (impure)" "21" -- eval --impure --expr "(builtins.getFlake \"path:$W/top\").sum"
expect_err "getFlake refuses unlocked references in pure mode" "cannot call 'getFlake' on unlocked flake reference 'path:$W/top'" -- eval --pure-eval --expr "(builtins.getFlake \"path:$W/top\").sum"
cn eval --impure --raw --expr "(builtins.getFlake \"path:$W/top\").narHash"; nh=$out
expect_ok "getFlake of a locked reference in pure mode" "21" -- eval --pure-eval --expr "(builtins.getFlake \"path:$W/top?narHash=$nh\").sum"
expect_ok "getFlake in cnix instantiate" "21" -- instantiate --eval -E "(builtins.getFlake \"path:$W/top\").sum"
grev=$(cd "$W/gtop" && git rev-parse HEAD)
expect_ok "getFlake of a git revision in pure mode" "\"$grev\"" -- eval --pure-eval --expr "(builtins.getFlake \"git+file://$W/gtop?rev=$grev\").myrev"

# ---------- check, init, new, prefetch, archive ----------
mkdir -p "$W/ck/tmpl" "$W/ini"
echo hello > "$W/ck/tmpl/README"
cat > "$W/ck/flake.nix" <<'EOF2'
{ outputs = { self }: {
    checks.x86_64-linux.ok = derivation { name = "ok"; system = "x86_64-linux"; builder = "/bin/sh"; args = [ "-c" "echo ok > $out" ]; };
    checks.x86_64-linux.bad = derivation { name = "bad"; system = "x86_64-linux"; builder = "/bin/sh"; args = [ "-c" "exit 1" ]; };
    packages.x86_64-linux.notdrv = 1;
    packages.x86_64-linux.fine = derivation { name = "fine"; system = "x86_64-linux"; builder = "/bin/sh"; };
    overlays.good = final: prev: { };
    overlays.wrong = { x }: { };
    templates.default = { path = ./tmpl; description = "a template"; welcomeText = "welcome!"; };
    apps.x86_64-linux.a = { type = "app"; program = "/bin/sh"; };
    mything = 1;
  }; }
EOF2
cd "$W/ck"
cn flake check
check "check fails" test "$rc" = 1
check "check: non-derivation package named" grep -q "flake attribute 'packages.x86_64-linux.notdrv' is not a derivation" "$TMP/.err"
check "check: bad overlay named" grep -q "while checking flake output attribute 'overlays.wrong'" "$TMP/.err"
check "check: failing check built" grep -q "bad.drv' failed" "$TMP/.err"
check "check: unknown output warned" grep -q "unknown flake output 'mything'" "$TMP/.err"
check "check: good outputs not reported" sh -c "! grep -q 'overlays.good\|packages.x86_64-linux.fine\|apps' '$TMP/.err'"
check "check: final summary" grep -q "some errors were encountered during the evaluation" "$TMP/.err"
cn flake check --no-build
check "check --no-build builds nothing" sh -c "! grep -q 'building' '$TMP/.err'"
cd "$W/ini"
cn flake init -t "path:$W/ck"
check "init copies the template" test "$(cat "$W/ini/README" 2>/dev/null)" = hello
check "init prints the welcome text" grep -q "^welcome!$" "$TMP/.out"
echo changed > "$W/ini/README"
expect_err "init refuses to overwrite" "encountered 1 conflicts" --nopos -- flake init -t "path:$W/ck#default"
cd "$W"
cn flake new newdir -t "path:$W/ck"
check "new made the directory" test -f "$W/newdir/README"
cn flake prefetch --json "path:$W/ck"
check "prefetch --json" sh -c "printf '%s' '$out' | python3 -c 'import json,sys; j=json.load(sys.stdin); assert j[\"hash\"].startswith(\"sha256-\") and j[\"locked\"][\"type\"] == \"path\"'"
cd "$W/top"
cn flake archive --json
check "archive --json lists the inputs' store paths" sh -c "printf '%s' '$out' | python3 -c 'import json,sys; j=json.load(sys.stdin); assert sorted(j[\"inputs\"]) == [\"data\", \"dep\", \"gdep\", \"mid\"] and j[\"inputs\"][\"mid\"][\"inputs\"][\"data\"][\"path\"].startswith(\"$NIX_STORE_DIR\")'"

# ---------- the REPL's :lf, profile install ----------
cd "$W/top"
STDIN=$TMP/repl.in; printf ':lf .\nsum\ninputs.dep.v\n' > "$STDIN"
cn repl
unset STDIN
check ":lf adds the flake's outputs and attributes to the scope" test "$(printf '%s\n' "$out" | grep -v '^$' | tr '\n' ' ')" = "21 1 "
cd "$W/gtop"
cn profile install .#default --profile "$TMP/prof"
check "profile install FLAKE#ATTR" sh -c "'$CNIX' profile list --profile '$TMP/prof' | grep -q '^built '"
sed -i 's/name = "built"/name = "built-2"/' "$W/gtop/flake.nix"
cn profile upgrade --profile "$TMP/prof"
check "profile upgrade re-evaluates the flake" sh -c "'$CNIX' profile list --profile '$TMP/prof' | grep -q '^built-2 '"
(cd "$W/gtop" && git checkout -q flake.nix)

cd "$W"
expect_ok "flake clone of a Git flake" "" -- flake clone "git+file://$W/gdep" --dest "$W/cloned"
check "clone has the flake" test -f "$W/cloned/flake.nix"
expect_ok "flake clone of a github flake from the mirror" "" -- flake clone github:owner/repo --dest "$W/cloned2" --forge-mirror "$W/mirror"
check "github clone has the flake" test -f "$W/cloned2/flake.nix"
expect_err "path flakes cannot be cloned" "only Git and forge flakes can be cloned" --nopos -- flake clone "path:$W/dep" --dest "$W/cloned3"

# ---------- show laziness, --commit-lock-file, dirty inputs, subflakes of a Git tree ----------
mkdir -p "$W/lazy"
cat > "$W/lazy/flake.nix" <<'EOF2'
{ outputs = { self }: {
    legacyPackages.x86_64-linux.hello = throw "legacyPackages forced";
    packages.aarch64-linux.default = throw "other system forced";
    lib = throw "lib forced";
  }; }
EOF2
cd "$W/lazy"
cn flake show
check "show does not force legacyPackages, other systems or unknown outputs" sh -c "[ $rc = 0 ] && ! grep -q forced '$TMP/.err'"
check "show says legacyPackages is omitted" grep -q "omitted (use '--legacy' to show)" "$TMP/.out"
mkdir -p "$W/gc/sub"
cat > "$W/gc/flake.nix" <<EOF2
{ inputs.dep.url = "path:$W/dep"; outputs = { self, dep }: { v = dep.v; }; }
EOF2
echo '{ outputs = { self }: { where = "sub"; }; }' > "$W/gc/sub/flake.nix"
mkgit "$W/gc"
cd "$W/gc"
cn flake lock --commit-lock-file
check "--commit-lock-file commits flake.lock" test "$(cd "$W/gc" && git log -1 --format=%s)" = "flake.lock: Add"
check "and leaves the tree clean" test -z "$(cd "$W/gc" && git status --porcelain)"
expect_ok "a subflake of a Git tree (bare relative path: ?dir=)" '"sub"' -- eval ./sub#where
cn flake metadata --json ./sub
check "subflake reference has dir=sub" sh -c "printf '%s' '$out' | grep -q '\"dir\":\"sub\"'"
mkdir -p "$W/dirtydep" "$W/usesdirty"
echo '{ outputs = { self }: { v = 5; }; }' > "$W/dirtydep/flake.nix"
mkgit "$W/dirtydep"
echo '# edit' >> "$W/dirtydep/flake.nix"
cat > "$W/usesdirty/flake.nix" <<EOF2
{ inputs.d.url = "git+file://$W/dirtydep"; outputs = { self, d }: { v = d.v; }; }
EOF2
cd "$W/usesdirty"
expect_ok "a dirty Git input evaluates" "5" -- eval .#v
check "its lock file is not written" sh -c "grep -q 'not writing lock file of flake .* because it has an unlocked input' '$TMP/.err' && [ ! -e '$W/usesdirty/flake.lock' ]"

# ---------- the source cache ----------
mkdir -p "$W/cached"
echo '{ outputs = { self }: { v = 1; }; }' > "$W/cached/flake.nix"
settime "$W/cached"
hash_of() { cn flake prefetch --json "path:$W/cached" "$@"; printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["hash"])'; }
h1=$(hash_of); h2=$(hash_of)
check "source cache: same narHash again" test -n "$h1" -a "$h1" = "$h2"
check "source cache: entry written" grep -q "path	$W/cached	" "$HOME/.cache/cnix/flake-sources"
echo '{ outputs = { self }: { v = 2; }; }' > "$W/cached/flake.nix"
settime "$W/cached" # same sizes and times: the inode change time still differs
h3=$(hash_of); h4=$(hash_of --option flake-source-cache false)
check "source cache: a changed file is hashed again" test "$h3" != "$h1" -a "$h3" = "$h4"
cd "$W/cached"
expect_ok "source cache: evaluation sees the change" "2" -- eval .#v

# ---------- bad flake.nix files and lock files ----------
mkdir -p "$W/bad"
cd "$W/bad"
bad() { # NAME REGEX FLAKE-TEXT [--nopos]
  printf '%s\n' "$3" > "$W/bad/flake.nix"; rm -f "$W/bad/flake.lock"
  expect_err "$1" "$2" ${4:-} -- flake lock
}
bad "unsupported attribute, with its position" "flake 'path:$W/bad' has an unsupported attribute 'foo', at $W/bad/flake.nix:1:28|has an unsupported attribute 'foo', at .*flake.nix:1:28" \
  '{ outputs = { self }: { }; foo = 1; }'
bad "non-literal url" "expected a string but got a thunk at .*flake.nix:[0-9]+:[0-9]+" \
  '{ inputs.x.url = "path:" + "/x"; outputs = { self, x }: { }; }'
bad "unexpected input attribute" "unexpected flake input attribute 'bogus', at .*flake.nix:[0-9]+:[0-9]+" \
  '{ inputs.x = { bogus = "a"; }; outputs = { self, x }: { }; }'
bad "follows a non-existent input" "input 'x' follows a non-existent input 'nope'" \
  "{ inputs.x.follows = \"nope\"; outputs = { self, x }: { }; }" --nopos
bad "ref and follows" "flake input has both a flake reference and a follows attribute, at .*flake.nix:[0-9]+:[0-9]+" \
  "{ inputs.x = { url = \"path:$W/dep\"; follows = \"y\"; }; outputs = { self, x }: { }; }"
bad "outputs missing" "flake 'path:$W/bad' lacks attribute 'outputs'" \
  '{ description = "no outputs"; }' --nopos
bad "outputs not a function" "expected a function but got a set at .*flake.nix:1:3" \
  '{ outputs = { }; }'
bad "not an attribute set" "must be an attribute set" \
  'let x = 1; in { outputs = _: { }; }' --nopos
printf '%s\n' '{ outputs = { self }: { }; }' > "$W/bad/flake.nix"
printf '{"nodes": {"root": {}}, "root": "root", "version": 4}\n' > "$W/bad/flake.lock"
expect_err "unsupported lock file version" "lock file '.*flake.lock' has unsupported version 4" --nopos -- flake lock
printf '{"nodes": {"root": {"inputs": {"x": "x"}}}, "root": "root", "version": 7}\n' > "$W/bad/flake.lock"
expect_err "lock file references a missing node" "lock file references missing node 'x'" --nopos -- flake lock
printf '{"nodes": {"root": {"inputs": {"x": "x"}}, "x": {"locked": {"type": "path", "path": "/x"}, "original": {"type": "path", "path": "/x"}}}, "root": "root", "version": 7}\n' > "$W/bad/flake.lock"
expect_err "unlocked lock file entry" "Lock file contains unlocked input" --nopos -- flake lock
printf '{"nodes": {"root": {"inputs": {"x": "x"}}, "x": {"locked": {"type": "path", "path": "/x", "narHash": "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}, "original": {"type": "path", "path": "/x"}}}, "root": "root", "version": 5}\n' > "$W/bad/flake.lock"
expect_ok "version 5 lock files are read (entry dropped as unused)" "" -- flake lock
check "rewritten as version 7" grep -q '"version": 7' "$W/bad/flake.lock"
mkdir -p "$W/cyc"
cat > "$W/cyc/flake.nix" <<'EOF'
{ inputs.a.follows = "b"; inputs.b.follows = "a"; outputs = { self, a, b }: { }; }
EOF
cd "$W/cyc"
expect_err "follow cycle" "follow cycle detected" --nopos -- flake lock
mkdir -p "$W/loop"
cat > "$W/loop/flake.nix" <<EOF
{ inputs.me.url = "path:$W/loop"; outputs = { self, me }: { }; }
EOF
cd "$W/loop"
expect_err "circular import" "found circular import of flake" --nopos -- flake lock
finish
