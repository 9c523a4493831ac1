#!/usr/bin/env bash
# e2e: cnix build / cnix store realise / cnix log on a fresh temporary store whose physical
# and logical paths are equal (builders are /bin/sh scripts run on the host).
#   CNIX=build/cnix tests/e2e/build.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
CNIX=${CNIX:-$root/build/cnix}
tmp=$(mktemp -d)
cleanup() { chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
export NIX_STORE_DIR=$tmp/store NIX_STATE_DIR=$tmp/var NIX_LOG_DIR=$tmp/log XDG_CONFIG_HOME=$tmp/config
unset CNIX_STORE_ROOT
# Builders here use the host's tools, and some coordinate through files in $w (not $tmp,
# which holds the store: mounted over the sandbox's own store, it would hide the outputs).
w=$tmp/w; mkdir -p "$w"
export NIX_CONFIG="sandbox-paths = /bin /lib /usr /lib64? $w"
cd "$tmp" || exit 1
pass=0; fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $1"; shift; printf '  %s\n' "$@"; }
same() { if [ "$2" = "$3" ]; then ok; else bad "$1" "want: $2" "got:  $3"; fi; }
has() { if grep -q -- "$2" "$3"; then ok; else bad "$1" "no '$2' in:" "$(cat "$3")"; fi; }
c() { timeout 60 "$CNIX" "$@"; }
db() { sqlite3 "$NIX_STATE_DIR/db/cnix.sqlite" "$1"; }
refs_of() { db "select v2.path from ValidPaths v1 join Refs r on r.referrer=v1.id join ValidPaths v2 on v2.id=r.reference where v1.path='$1' order by v2.path"; }

cat > lib.nix <<NIX
rec {
  tmp = "$w";
  mk = name: script: derivation { inherit name; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" script ]; };
  mkA = attrs: derivation ({ system = builtins.currentSystem; builder = "/bin/sh"; } // attrs);
}
NIX

# ---- a chain of three derivations; references found by scanning ----
cat > chain.nix <<'NIX'
with import ./lib.nix;
rec {
  a = mk "a" "echo a > $out";
  b = mk "b" "/bin/mkdir $out; echo ${a} > $out/ref; /bin/cat ${a} > $out/copy";
  c = mk "c" "/bin/mkdir $out; /bin/cat ${b}/copy > $out/v; echo ${b} > $out/ref; echo $HOME:$PATH:$NIX_STORE:$NIX_BUILD_TOP:$TMPDIR:$(/bin/pwd):$TERM:$NIX_LOG_FD > $out/env";
}
NIX
out=$(c build chain.nix -A c 2>err); rc=$?
same "chain builds" 0 $rc
[ $rc = 0 ] || cat err
same "chain output printed" "$(readlink result)" "$out"
same "chain output content" a "$(cat result/v)"
same "three builds" 3 "$(grep -c "^building '" err)"
IFS=: read -r home path nstore top tmpd pwd term logfd < result/env
same "HOME" /homeless-shelter "$home"
same "PATH" /path-not-set "$path"
same "NIX_STORE" "$NIX_STORE_DIR" "$nstore"
same "TMPDIR is NIX_BUILD_TOP" "$top" "$tmpd"
same "cwd is NIX_BUILD_TOP" "$top" "$pwd"
same "TERM" xterm-256color "$term"
same "NIX_LOG_FD" 2 "$logfd"
if [ -e "$top" ]; then bad "build dir removed" "$top exists"; else ok; fi
bpath=$(cat result/ref)
same "references of c = b" "$bpath" "$(refs_of "$out")"
apath=$(cat "$bpath/ref")
same "references of b = a" "$apath" "$(refs_of "$bpath")"
deriver=$(db "select deriver from ValidPaths where path='$out'")
case "$deriver" in *-c.drv) ok;; *) bad "deriver registered" "$deriver";; esac
same "canonical file" 444:1 "$(stat -c %a:%Y "$out/v")"
same "canonical dir" 555 "$(stat -c %a "$out")"
same "NAR hash registered" "sha256:$("$CNIX" hash path --type sha256 "$out")" "$(db "select hash from ValidPaths where path='$out'")"

# ---- rebuild avoidance ----
out2=$(c build chain.nix -A c 2>err)
same "rebuild: same output" "$out" "$out2"
same "rebuild: nothing built" 0 "$(grep -c "^building '" err)"
same "result is a GC root" "$tmp/result" "$(readlink "$NIX_STATE_DIR"/gcroots/auto/*)"

# ---- out links ----
c build chain.nix -A a -A b -o mylink >/dev/null 2>&1
if [ -L mylink ] && [ -L mylink-2 ]; then ok; else bad "out links mylink, mylink-2" "$(ls)"; fi
rm -f mylink mylink-2
o=$(c build chain.nix -A a --no-out-link 2>/dev/null)
if [ -e mylink ] || [ -z "$o" ]; then bad "--no-out-link" "$o"; else ok; fi

# ---- cnix store realise of an instantiated .drv; cnix log ----
drv=$(c instantiate -E "with import $tmp/lib.nix; mk \"logged\" \"echo line1; echo line2 >&2; echo x > \$out\"" 2>/dev/null)
o=$(c store realise "$drv" 2>/dev/null); rc=$?
same "store realise" 0 $rc
same "store realise output" x "$(cat "$o")"
same "cnix build DRV" "$o" "$(c build "$drv" --no-out-link 2>/dev/null)"
same "log by drv" "line1
line2" "$(c log "$drv")"
same "log by output" "line1
line2" "$(c log "$o")"
c build -E "with import $tmp/lib.nix; mk \"dry\" \"echo > \$out\"" --dry-run > dry.out 2>dry.err; rc=$?
same "dry run" 0 $rc
has "dry run lists" "will be built" dry.err
if ls "$NIX_STORE_DIR" | grep -q -- '-dry$'; then bad "dry run builds nothing"; else ok; fi

# ---- failures: exit status, log tail, dependents, --keep-going ----
cat > fail.nix <<'NIX'
with import ./lib.nix;
rec {
  bad = mk "bad" "echo first; echo oops >&2; exit 3";
  dependent = mk "dependent" "echo ${bad} > $out";
  good = mk "good" "/bin/sleep 0.3; echo good > $out";
  partial = mk "partial" "/bin/mkdir $out; echo x > $out/x; exit 1";
}
NIX
c build fail.nix -A dependent > /dev/null 2>err; rc=$?
same "failing build status 100" 100 $rc
has "exit code reported" "builder for '.*-bad.drv' failed with exit code 3" err
has "log tail" "> oops" err
has "dependent reported" "dependencies of derivation '.*-dependent.drv' failed to build" err
c log "$(ls -d "$NIX_STORE_DIR"/*-bad.drv)" > log.txt 2>&1
has "failed build log kept" oops log.txt
c build fail.nix -A partial >/dev/null 2>&1
if ls "$NIX_STORE_DIR" | grep -q -- '-partial$'; then bad "failed output deleted"; else ok; fi
c build fail.nix -A bad -A good --keep-going >out 2>err; rc=$?
same "keep-going status" 100 $rc
if ls "$NIX_STORE_DIR" | grep -q -- '-good$'; then ok; else bad "keep-going built the other" "$(cat err)"; fi
c build -E 'with import ./lib.nix; mkA { name = "nobuilder"; builder = "/nonexistent"; }' >/dev/null 2>err; rc=$?
same "missing builder status" 100 $rc
has "missing builder message" "executing '/nonexistent'" err

c build -E 'with import ./lib.nix; mk "kept" "echo data > keep; exit 1"' -K >/dev/null 2>err; rc=$?
same "keep-failed status" 100 $rc
kept=$(sed -n "s/^note: keeping build directory '\(.*\)'$/\1/p" err)
same "keep-failed keeps the build directory" data "$(cat "$kept/keep" 2>/dev/null)"
has "silent failure: no log tail" "failed with exit code 1$" err
rm -rf "$kept"

# ---- parallel builds: each builder waits for the other to start ----
cat > par.nix <<'NIX'
with import ./lib.nix;
let w = me: other: mk "par-${me}" ''
  : > ${tmp}/par-${me}
  i=0; while [ ! -e ${tmp}/par-${other} ]; do i=$((i+1)); [ $i -gt 15 ] && exit 1; /bin/sleep 0.1; done
  echo ${me} > $out'';
in { both = mk "both" "/bin/cat ${w "x" "y"} ${w "y" "x"} > $out"; }
NIX
c build par.nix -A both -j 2 > /dev/null 2>err; rc=$?
same "parallel with -j 2" 0 $rc
rm -f w/par-x w/par-y
# the same from a configuration file, against a store with nothing built
mkdir -p config/cnix
echo "max-jobs = 2   # from the config file" > config/cnix/cnix.conf
NIX_STORE_DIR=$tmp/store2 NIX_STATE_DIR=$tmp/var2 c build par.nix -A both --no-out-link >/dev/null 2>err; rc=$?
same "max-jobs from cnix.conf" 0 $rc
rm -f w/par-x w/par-y
NIX_STORE_DIR=$tmp/store3 NIX_STATE_DIR=$tmp/var3 c build par.nix -A both --no-out-link --option max-jobs 1 >/dev/null 2>err; rc=$?
same "--option max-jobs 1 serialises (the waiting builder gives up)" 100 $rc
rm -f w/par-x w/par-y
echo "max-jobs = lots" > config/cnix/cnix.conf
c build par.nix -A both >/dev/null 2>err; rc=$?
same "bad config value" 1 $rc
has "bad config message" "should have an integer value" err
rm -f config/cnix/cnix.conf

# ---- fixed-output derivations ----
printf 'fixed content\n' > payload
h=$(sha256sum payload | cut -d' ' -f1)
mkdir -p t && cp payload t/f && cp payload w/
rh=$("$CNIX" hash path --type sha256 t)
cat > fod.nix <<NIX
with import ./lib.nix;
{
  good = mkA { name = "payload"; args = [ "-c" "/bin/cat $w/payload > \$out" ]; outputHashAlgo = "sha256"; outputHash = "$h"; };
  wrong = mkA { name = "payload2"; args = [ "-c" "echo other > \$out" ]; outputHashAlgo = "sha256"; outputHash = "$h"; };
  rec_ = mkA { name = "tree"; args = [ "-c" "/bin/mkdir \$out; /bin/cat $w/payload > \$out/f" ]; outputHashMode = "recursive"; outputHashAlgo = "sha256"; outputHash = "$rh"; };
}
NIX
o=$(c build fod.nix -A good 2>err); rc=$?
same "fixed-output builds" 0 $rc
same "fixed-output content" "fixed content" "$(cat "$o")"
case "$(db "select ca from ValidPaths where path='$o'")" in fixed:sha256:*) ok;; *) bad "fixed-output ca";; esac
c build fod.nix -A wrong 2>err >/dev/null; rc=$?
same "hash mismatch status 102" 102 $rc
has "hash mismatch message" "hash mismatch in fixed-output derivation" err
has "specified:" "specified: sha256-" err
has "got:" "got:    sha256-" err
if ls "$NIX_STORE_DIR" | grep -q -- '-payload2$'; then bad "mismatched output removed"; else ok; fi
o=$(c build fod.nix -A rec_ 2>err); rc=$?
same "recursive fixed-output" 0 $rc

# ---- passAsFile ----
o=$(c build -E 'with import ./lib.nix; mkA { name = "paf"; big = "contents of big"; passAsFile = [ "big" ]; args = [ "-c" "/bin/cat $bigPath > $out; echo \"[$big]\" >> $out" ]; }' 2>err)
same "passAsFile" "contents of big[]" "$(tr -d '\n' < "$o")"

# ---- builtin:fetchurl (file://), other platforms, multiple outputs ----
printf 'fetched\n' > fetched.txt
fh=$(sha256sum fetched.txt | cut -d' ' -f1)
o=$(c build -E "import <nix/fetchurl.nix> { url = \"file://$tmp/fetched.txt\"; sha256 = \"$fh\"; }" 2>err); rc=$?
same "builtin:fetchurl file://" "0 fetched" "$rc $(cat "$o" 2>/dev/null)"
c build -E "import <nix/fetchurl.nix> { url = \"file://$tmp/fetched.txt\"; sha256 = \"$h\"; }" >/dev/null 2>err; rc=$?
same "builtin:fetchurl wrong hash" 102 $rc
c build -E 'derivation { name = "alien"; system = "mips64-plan9"; builder = "/bin/sh"; }' >/dev/null 2>err; rc=$?
same "other platform refused" 1 $rc
has "platform message" "a 'mips64-plan9' with features {} is required to build" err
o=$(c build -E 'with import ./lib.nix; mkA { name = "multi"; outputs = [ "out" "dev" "doc" ]; args = [ "-c" "echo o > $out; /bin/mkdir $dev; echo $out > $dev/ref; echo d > $doc" ]; }' 2>err); rc=$?
same "multiple outputs" 0 $rc
dev=$(c store realise "$(ls -d "$NIX_STORE_DIR"/*-multi.drv)" 2>/dev/null | grep -- -dev$)
same "dev output refers to out" "$o" "$(refs_of "$dev")"
o=$(c build -E 'with import ./lib.nix; (mkA { name = "multi"; outputs = [ "out" "dev" "doc" ]; args = [ "-c" "echo o > $out; /bin/mkdir $dev; echo $out > $dev/ref; echo d > $doc" ]; }).doc' -o m 2>err)
same "non-default output link" "d" "$(cat m-doc 2>/dev/null)"

# ---- structured attributes: .attrs.json (outputs mapped) and .attrs.sh ----
cat > sa.nix <<'NIX'
derivation {
  name = "sa"; system = builtins.currentSystem; builder = "/bin/bash";
  __structuredAttrs = true; outputs = [ "out" "dev" ];
  list = [ 1 "a b" true ]; set = { k = "it's"; n = 2; }; nested = { a = [ 1 ]; }; flag = false;
  args = [ "-c" ''
    . $NIX_ATTRS_SH_FILE
    out=''${outputs[out]}
    /bin/mkdir $out; /bin/cp $NIX_ATTRS_SH_FILE $out/sh; /bin/cp $NIX_ATTRS_JSON_FILE $out/json
    echo "''${list[1]}|''${set[k]}|$flag|$name|''${nested:-none}|''${outputs[dev]}" > $out/vals
    echo > ''${outputs[dev]}
  '' ];
}
NIX
o=$(c build sa.nix 2>err); rc=$?
same "structured attrs build" 0 $rc
dev=$(ls -d "$NIX_STORE_DIR"/*-sa-dev)
same "attrs.sh values" "a b|it's||sa|none|$dev" "$(cat "$o/vals" 2>/dev/null)"
has "attrs.sh list" "^declare -a list=(1 'a b' 1 )$" "$o/sh"
has "attrs.sh set" "^declare -A set=(\['k'\]='it'\\\\''s' \['n'\]=2 )$" "$o/sh"
has "attrs.json outputs" "\"outputs\":{\"dev\":\"$dev\",\"out\":\"$o\"}" "$o/json"

# ---- progress line: on a terminal only ----
if command -v script >/dev/null; then
  script -qec "$CNIX build -E 'with import ./lib.nix; mk \"tty\" \"/bin/sleep 1.2; echo > \$out\"' --no-out-link -Q" /dev/null > tty.out 2>&1
  has "progress line on a terminal" "/1 built, 1 running" tty.out
  c build -E 'with import ./lib.nix; mk "notty" "echo > $out"' --no-out-link 2>err >/dev/null
  if grep -q "built," err; then bad "no progress line without a terminal"; else ok; fi
fi

# ---- atomicity: kill -9 the build midway; nothing registered, no builder left; the next
# run succeeds ----
token=$RANDOM$RANDOM
cat > kill.nix <<NIX
with import ./lib.nix;
mk "killme" ''
  /bin/mkdir \$out; echo partial > \$out/a
  if [ ! -e $w/killed-once ]; then : > $w/killed-once; /bin/sleep 30.$token; fi
  echo complete > \$out/b''
NIX
"$CNIX" build kill.nix >/dev/null 2>&1 &
cpid=$!
for _ in $(seq 100); do pgrep -f "sleep 30.$token" >/dev/null && break; sleep 0.05; done
kill -9 $cpid; wait $cpid 2>/dev/null
for _ in $(seq 40); do pgrep -f "sleep 30.$token" >/dev/null || break; sleep 0.05; done
same "the killed build's builder is gone" "" "$(pgrep -f "sleep 30.$token")"
same "killed output not registered" "" "$(db "select path from ValidPaths where path like '%-killme'")"
o=$(c build kill.nix 2>err); rc=$?
same "rebuild after kill" 0 $rc
same "rebuild complete" complete "$(cat "$o/b" 2>/dev/null)"

# ---- two concurrent builds of the same closure build each derivation once ----
cat > conc.nix <<'NIX'
with import ./lib.nix;
let slow = mk "slow" "echo x >> ${tmp}/count; /bin/sleep 0.5; echo slow > $out";
in mk "conc" "/bin/cat ${slow} > $out; echo y >> ${tmp}/count2"
NIX
c build conc.nix --no-out-link >/dev/null 2>&1 & p1=$!
c build conc.nix --no-out-link >/dev/null 2>&1 & p2=$!
wait $p1; r1=$?; wait $p2; r2=$?
same "concurrent builds succeed" "0 0" "$r1 $r2"
same "slow built once" 1 "$(wc -l < w/count)"
same "top built once" 1 "$(wc -l < w/count2)"

echo "build: $pass passed, $fail failed"
[ $fail = 0 ]
