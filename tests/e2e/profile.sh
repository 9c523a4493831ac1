#!/usr/bin/env bash
# e2e: cnix profile (switch, generations, rollback, delete-generations + gc, conflicts and
# priorities, imperative verbs, crash safety of the switch) on a fresh temporary store whose
# physical and logical paths are equal (builders are /bin/sh scripts run on the host).
#   CNIX=build/cnix tests/e2e/profile.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
CNIX=${CNIX:-$root/build/cnix}
tmp=$(mktemp -d)
cleanup() { chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
export NIX_STORE_DIR=$tmp/store NIX_STATE_DIR=$tmp/var NIX_LOG_DIR=$tmp/log XDG_CONFIG_HOME=$tmp/config XDG_STATE_HOME=$tmp/xdg-state
export TMPDIR=$tmp/t
mkdir -p "$TMPDIR"
unset CNIX_STORE_ROOT
# Builders here use the host's tools: the sandbox (on by default) must show them.
export NIX_CONFIG="sandbox-paths = /bin /lib /usr /lib64?"
cd "$tmp" || exit 1
pass=0; fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $1"; shift; printf '  %s\n' "$@"; }
same() { if [ "$2" = "$3" ]; then ok; else bad "$1" "want: $2" "got:  $3"; fi; }
has() { if grep -q -- "$2" "$3"; then ok; else bad "$1" "no '$2' in:" "$(cat "$3")"; fi; }
c() { timeout 60 "$CNIX" "$@"; }
P=$XDG_STATE_HOME/cnix/profiles/profile PDIR=$XDG_STATE_HOME/cnix/profiles

# Packages: hello at any version (--argstr ver), world, two that clash on bin/tool.
cat > pkgs.nix <<'NIX'
{ ver ? "1.0", toolprio ? 5 }:
let
  mk = pname: version: extra: script: derivation ({
    name = "${pname}-${version}"; inherit pname version;
    system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" script ];
  } // extra);
  prog = name: text: ''/bin/mkdir -p $out/bin; printf '#!/bin/sh\necho ${text}\n' > $out/bin/${name}; /bin/chmod +x $out/bin/${name}'';
in rec {
  hello = mk "hello" ver {} ''${prog "hello" "hello ${ver}"}; /bin/mkdir -p $out/share/doc/hello; echo ${ver} > $out/share/doc/hello/VERSION'';
  world = mk "world" "2.0" {} ''${prog "world" "world"}; /bin/mkdir -p $out/share/doc/world; echo w > $out/share/doc/world/README'';
  toolA = (mk "toolA" "1" {} (prog "tool" "A")) // { meta.priority = toolprio; };
  toolB = mk "toolB" "1" {} (prog "tool" "B");
  broken = mk "broken" "1" {} "echo failing >&2; exit 1";
}
NIX
cat > conf.nix <<'NIX'
{ ver ? "1.0" }: let p = import ./pkgs.nix { inherit ver; }; in { packages = [ p.hello p.world ]; }
NIX

# ---- switch to two packages; run them through the profile's bin ----
c profile switch conf.nix 2>err; rc=$?
same "switch: exit 0" 0 $rc
[ $rc = 0 ] || cat err
same "switch: hello runs from the profile" "hello 1.0" "$("$P/bin/hello")"
same "switch: world runs from the profile" "world" "$("$P/bin/world")"
same "switch: share/doc merged" "1.0 w" "$(cat "$P/share/doc/hello/VERSION" "$P/share/doc/world/README" | tr '\n' ' ' | sed 's/ $//')"
same "profile -> profile-1-link" profile-1-link "$(readlink "$P")"
env1=$(readlink "$P-1-link")
case "$env1" in "$NIX_STORE_DIR"/*-user-environment) ok;; *) bad "generation 1 is a user environment" "$env1";; esac
has "manifest names hello" "^name hello-1.0" "$P/manifest.cnix"
has "manifest has the origin" "^origin-file $tmp/conf.nix" "$P/manifest.cnix"
hello1=$(sed -n 's/^output out \(.*-hello-1.0\)$/\1/p' "$P/manifest.cnix")
same "hello-1.0 output recorded" 1 "$(printf '%s\n' "$hello1" | grep -c hello-1.0)"
same "env references the packages" "$(printf '%s\n' "$hello1" "$(sed -n 's/^output out \(.*-world-2.0\)$/\1/p' "$P/manifest.cnix")" | sort)" \
  "$(sqlite3 "$NIX_STATE_DIR/db/cnix.sqlite" "select v2.path from ValidPaths v1 join Refs r on r.referrer=v1.id join ValidPaths v2 on v2.id=r.reference where v1.path='$env1' order by v2.path")"

# Same set again: no new generation (as nix-env).
c profile switch conf.nix 2>err
same "unchanged switch: no new generation" 1 "$(ls "$PDIR" | grep -c -- '-link$')"

# ---- a new version: both versions in the store at once ----
c profile switch conf.nix --argstr ver 2.0 2>err || cat err
same "new version runs" "hello 2.0" "$("$P/bin/hello")"
same "profile -> profile-2-link" profile-2-link "$(readlink "$P")"
env2=$(readlink "$P-2-link")
hello2=$(sed -n 's/^output out \(.*-hello-2.0\)$/\1/p' "$P/manifest.cnix")
if [ -x "$hello1/bin/hello" ] && [ -x "$hello2/bin/hello" ] && [ "$hello1" != "$hello2" ]; then ok; else bad "both versions in the store" "$hello1" "$hello2"; fi
hist=$(c profile history)
same "history lists 2 generations" 2 "$(printf '%s\n' "$hist" | wc -l)"
if printf '%s\n' "$hist" | grep -qE '^   2   [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}   \(current\)$'; then ok; else bad "history marks 2 current" "$hist"; fi
same "--list-generations = history" "$hist" "$(c profile --list-generations)"
c profile diff-closures > diff
has "diff-closures shows the version change" "hello: 1.0 → 2.0" diff

# ---- rollback and switch-generation ----
c profile rollback 2>err
same "rollback: profile -> generation 1" profile-1-link "$(readlink "$P")"
same "rollback: the first environment exactly" "$env1" "$(readlink -f "$P")"
same "rollback: old version runs" "hello 1.0" "$("$P/bin/hello")"
c profile rollback 2>err; rc=$?
same "rollback past the first fails" 1 $rc
has "rollback past the first: message" "no generation older" err
c profile switch-generation 2 2>err
same "switch-generation 2" "$env2" "$(readlink -f "$P")"
c profile switch-generation 9 2>err; rc=$?
same "missing generation: exit 1" 1 $rc
has "missing generation: message" "generation 9 does not exist" err
same "missing generation: profile unchanged" profile-2-link "$(readlink "$P")"

# ---- clear errors leave the profile alone ----
echo '"just a string"' > notlist.nix
c profile switch notlist.nix 2>err; rc=$?
same "not a list: exit 1" 1 $rc
has "not a list: message" "not a list of derivations" err
echo '[ 1 ]' > intlist.nix
c profile switch intlist.nix 2>err; rc=$?
same "list of ints: exit 1" 1 $rc
has "list of ints: message" "not a derivation" err
echo 'let p = import ./pkgs.nix {}; in [ p.hello p.broken ]' > broken.nix
c profile switch broken.nix 2>err; rc=$?
same "failed build: exit 100" 100 $rc
has "failed build: says profile unchanged" "profile is unchanged" err
same "failed build: profile unchanged" profile-2-link "$(readlink "$P")"
same "failed build: no new generation" 2 "$(ls "$PDIR" | grep -c -- '-link$')"

# ---- conflicts and priorities (in another profile) ----
Q=$tmp/other/prof
echo 'let p = import ./pkgs.nix {}; in [ p.toolA p.toolB ]' > clash.nix
c profile switch clash.nix --profile "$Q" 2>err; rc=$?
same "conflict: exit 1" 1 $rc
has "conflict names toolA" "toolA-1" err
has "conflict names toolB" "toolB-1" err
has "conflict names the file" "bin/tool" err
if [ -e "$Q" ]; then bad "conflict: no profile created" "$(ls -la "$tmp/other")"; else ok; fi
echo 'let p = import ./pkgs.nix { toolprio = 3; }; in [ p.toolB p.toolA ]' > prio.nix
c profile switch prio.nix --profile "$Q" 2>err || cat err
same "priority 3 beats the default 5" A "$("$Q/bin/tool")"
echo 'let p = import ./pkgs.nix { toolprio = 7; }; in [ p.toolA p.toolB ]' > prio2.nix
c profile switch prio2.nix --profile "$Q" 2>err || cat err
same "priority 7 loses to the default 5" B "$("$Q/bin/tool")"
same "other profile: own generations" "prof-2-link" "$(readlink "$Q")"
auto=$(for l in "$NIX_STATE_DIR"/gcroots/auto/*; do readlink "$l"; done | grep -c "$tmp/other/prof-")
same "other profile: generations are GC roots" 2 "$auto"

# ---- imperative verbs ----
R=$tmp/imp/prof
c profile install -f pkgs.nix -A hello --profile "$R" 2>err || cat err
same "install: hello" "hello 1.0" "$("$R/bin/hello")"
c profile install -E "(import $tmp/pkgs.nix {}).world" --profile "$R" 2>err || cat err
same "install -E: world" "world" "$("$R/bin/world")"
same "install: list" "hello-1.0 world-2.0" "$(c profile list --profile "$R" | cut -d' ' -f1 | tr '\n' ' ' | sed 's/ $//')"
sed -i 's/ver ? "1.0"/ver ? "3.0"/' pkgs.nix
c profile upgrade --profile "$R" 2>err || cat err
same "upgrade: hello 3.0" "hello 3.0" "$("$R/bin/hello")"
same "upgrade: list" "hello-3.0 world-2.0" "$(c profile list --profile "$R" | cut -d' ' -f1 | tr '\n' ' ' | sed 's/ $//')"
sed -i 's/ver ? "3.0"/ver ? "1.0"/' pkgs.nix
c profile remove hello --profile "$R" 2>err || cat err
same "remove: list" "world-2.0" "$(c profile list --profile "$R" | cut -d' ' -f1)"
if [ -e "$R/bin/hello" ]; then bad "remove: bin/hello gone"; else ok; fi
c profile remove nosuch --profile "$R" 2>err; rc=$?
same "remove of a missing package fails" 1 $rc
same "imperative: 4 generations" 4 "$(c profile history --profile "$R" | wc -l)"
S=$tmp/imp/args
c profile install -f pkgs.nix -A hello --argstr ver 1.5 --profile "$S" 2>err || cat err
c profile upgrade --profile "$S" 2>err || cat err
same "upgrade re-evaluates with the recorded --argstr" "hello 1.5" "$("$S/bin/hello")"
c profile upgrade --argstr ver 1.6 --profile "$S" 2>err || cat err
same "upgrade: arguments given now win" "hello 1.6" "$("$S/bin/hello")"

# ---- delete-generations + gc frees exactly what only the deleted generation held ----
c profile switch-generation 2 >/dev/null 2>&1
c profile switch conf.nix --argstr ver 4.0 2>/dev/null  # generation 3, hello 4.0
rm -rf "$tmp/imp" "$tmp/other"  # their indirect roots dangle now: hello-1.0 only in generation 1
c store gc >/dev/null 2>&1      # unrelated garbage first
hello1drv=$(sed -n 's/^drv \(.*-hello-1.0.drv\)$/\1/p' "$P-1-link/manifest.cnix")
want=$(printf '%s\n' "$env1" "$hello1" "$hello1drv" | sort)
c profile delete-generations 1 > del 2>&1
has "delete-generations 1" "removing generation 1" del
c store gc > gc.out 2>&1
same "gc frees exactly generation 1's own paths" "$want" "$(sed -n "s/^deleting '\(.*\)'$/\1/p" gc.out | sort)"
if [ -e "$hello2/bin/hello" ] && [ -e "$env2" ]; then ok; else bad "gc keeps generation 2"; fi
same "gc keeps the current generation" "hello 4.0" "$("$P/bin/hello")"
c profile delete-generations 3 2>err; rc=$?
same "deleting the current generation fails" 1 $rc
c profile switch conf.nix --argstr ver 5.0 2>/dev/null  # generation 4
c profile switch conf.nix --argstr ver 6.0 2>/dev/null  # generation 5
c profile delete-generations +2 >/dev/null 2>&1
same "+2 keeps the last two" "4 5" "$(c profile history | awk '{print $1}' | tr '\n' ' ' | sed 's/ $//')"
c profile switch conf.nix --argstr ver 7.0 2>/dev/null  # generation 6
touch -h -d '10 days ago' "$P-4-link"; touch -h -d '5 days ago' "$P-5-link"
c profile delete-generations 3d >/dev/null 2>&1
same "3d deletes what was older than the one active 3 days ago" "5 6" "$(c profile history | awk '{print $1}' | tr '\n' ' ' | sed 's/ $//')"
c profile switch-generation 5 2>/dev/null
c profile delete-generations old >/dev/null 2>&1
same "old keeps only the current" "5" "$(c profile history | awk '{print $1}')"

# ---- crash safety: SIGKILL at random moments never leaves a broken profile ----
# Each round switches to a new version (a real build, ~0.4 s), killed after 0-449 ms.
broken_rounds=""
for i in $(seq 1 25); do
  "$CNIX" profile switch conf.nix --argstr ver "c$i" >/dev/null 2>&1 &
  pid=$!
  sleep "$(printf "0.%03d" $((RANDOM % 450)))"
  kill -9 $pid 2>/dev/null
  wait $pid 2>/dev/null
  gen=$(readlink "$P")
  target=$(readlink "$PDIR/$gen")
  case "$target" in "$NIX_STORE_DIR"/*-user-environment) ;; *) broken_rounds="$broken_rounds $i(link:$gen->$target)"; continue;; esac
  v=$(sqlite3 "$NIX_STATE_DIR/db/cnix.sqlite" "select count(*) from ValidPaths where path='$target'")
  if [ "$v" != 1 ] || [ ! -f "$target/manifest.cnix" ] || ! "$P/bin/hello" >/dev/null 2>&1; then
    broken_rounds="$broken_rounds $i(incomplete:$target)"
  fi
done
same "crash: profile always a complete generation" "" "$broken_rounds"
echo "crash rounds: profile reached $(readlink "$P") of 25 kills"
c store verify > verify.out 2>&1; rc=$?
same "crash: store verify passes" 0 $rc
[ $rc = 0 ] || cat verify.out
ln -s profile-1-link "$P.tmp-99999"; ln -s /nowhere "$P-99-link.tmp-99999"  # as a kill would leave
c profile switch conf.nix --argstr ver final 2>err || cat err
same "crash: a later switch works" "hello final" "$("$P/bin/hello")"
same "crash: no temporary links left after a switch" "" "$(ls "$PDIR" | grep -- '\.tmp-')"

echo "$pass passed, $fail failed"
[ $fail = 0 ]
