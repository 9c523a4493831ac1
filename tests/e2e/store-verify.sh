#!/usr/bin/env bash
# e2e: cnix store verify [--check-contents] [--repair] on damaged stores: paths that
# disappeared (with and without referrers), modified contents, references to rows that are
# gone, leftovers of killed additions; and re-adding a lost path restores its referrers'
# closure (its database row is kept).
#   CNIX=build/cnix bash tests/e2e/store-verify.sh
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.bash"
cd "$TMP"
export CNIX_STORE_ROOT= NIX_STORE_DIR=$TMP/store NIX_STATE_DIR=$TMP/var
DB=$NIX_STATE_DIR/db/cnix.sqlite
err=""
check() { _verdict "$1" "$2"; }
c() { timeout -k 5 "$TIMEOUT" "$CNIX" "$@"; }
# verify ARGS...: runs cnix store verify; sets vrc and vout (stderr)
verify() { vout=$(c store verify "$@" 2>&1); vrc=$?; }
has() { case "$vout" in *"$1"*) ;; *) echo "no '$1' in: $(echo "$vout" | head -5)";; esac; }

cat > w.nix <<'NIX'
{ salt }:
let t = builtins.toFile "text" "text ${salt}";
in derivation { name = "d"; system = "x"; builder = "/bin/sh"; inherit t salt; }
NIX
inst() { c instantiate w.nix --argstr salt "$1" 2>/dev/null; } # no collector runs here
textof() { c store path-info -r "$1" | grep -- '-text$'; }

d1=$(inst one); t1=$(textof "$d1")
loose=$(c instantiate --eval --read-write-mode -E 'builtins.toFile "loose" "nothing refers to me"' | tr -d '"')
check "setup" "$(case "$d1 $t1 $loose" in "$NIX_STORE_DIR"/*.drv\ "$NIX_STORE_DIR"/*-text\ "$NIX_STORE_DIR"/*-loose) ;; *) echo "got '$d1' '$t1' '$loose'";; esac)"
verify --check-contents
check "clean store verifies" "$([ $vrc = 0 ] || echo "exit $vrc: $vout")"

# a path without referrers that disappeared is unregistered (as CppNix)
chmod -R u+w "$loose"; rm -rf "$loose"
verify
check "disappeared path without referrers: exit 0" "$([ $vrc = 0 ] || echo "exit $vrc: $vout")"
check "disappeared path without referrers: message" "$(has "path '$loose' disappeared, removing from database...")"
check "disappeared path is no longer registered" "$([ -z "$(sqlite3 "$DB" "select path from ValidPaths where path = '$loose'")" ] || echo registered)"

# a path a valid path refers to is an error that stays
chmod -R u+w "$t1"; rm -rf "$t1"
verify
check "disappeared path with a valid referrer: exit 1" "$([ $vrc = 1 ] || echo "exit $vrc: $vout")"
check "disappeared path with a valid referrer: message" "$(has "path '$t1' disappeared, but it still has valid referrers!")"

# re-adding it (as after a power loss that lost the rename) restores the closure: the row is
# kept, so the referrer's reference still points at it
d1b=$(inst one)
check "re-instantiation after the loss" "$([ "$d1b" = "$d1" ] && [ -e "$t1" ] || echo "'$d1b', text present: $([ -e "$t1" ] && echo yes || echo no)")"
check "re-added path keeps its referrers" "$([ "$(textof "$d1")" = "$t1" ] || echo "closure of $d1: $(c store path-info -r "$d1" | tr '\n' ' ')")"
verify --check-contents
check "store verifies after re-adding" "$([ $vrc = 0 ] || echo "exit $vrc: $vout")"

# both a path and its only referrer gone: both unregistered
d2=$(inst two); t2=$(textof "$d2")
chmod -R u+w "$d2" "$t2"; rm -rf "$d2" "$t2"
verify
check "path and referrer both gone: exit 0" "$([ $vrc = 0 ] || echo "exit $vrc: $vout")"
check "path and referrer both gone: referrer unregistered" "$(has "path '$d2' disappeared, removing from database...")"
check "path and referrer both gone: path unregistered" "$(has "path '$t2' disappeared, removing from database...")"

# modified contents
d3=$(inst three); t3=$(textof "$d3")
chmod u+w "$t3"; echo tampered > "$t3"
verify
check "modified contents unnoticed without --check-contents" "$([ $vrc = 0 ] || echo "exit $vrc: $vout")"
verify --check-contents
check "modified contents: exit 1" "$([ $vrc = 1 ] || echo "exit $vrc: $vout")"
check "modified contents: message" "$(has "path '$t3' was modified! expected hash")"
printf 'text three' > "$t3"; chmod a-w "$t3"
verify --check-contents
check "restored contents verify" "$([ $vrc = 0 ] || echo "exit $vrc: $vout")"

# rows of Refs whose referrer is gone (left by an older cnix re-registering with a new id)
sqlite3 "$DB" "insert into Refs (referrer, reference) values (99999, (select id from ValidPaths where path = '$t3'))"
verify
check "orphan reference rows: exit 1" "$([ $vrc = 1 ] || echo "exit $vrc: $vout")"
check "orphan reference rows: message" "$(has "references of unregistered paths")"
verify --repair
check "orphan reference rows: --repair fixes them" "$([ $vrc = 0 ] || echo "exit $vrc: $vout")"
verify
check "orphan reference rows: clean afterwards" "$([ $vrc = 0 ] || echo "exit $vrc: $vout")"

# a reference whose path row is gone: the referrer lost part of its closure
sqlite3 "$DB" "insert into Refs (referrer, reference) values ((select id from ValidPaths where path = '$d3'), 99998)"
verify --repair
check "dangling reference: exit 1 even with --repair" "$([ $vrc = 1 ] || echo "exit $vrc: $vout")"
check "dangling reference: message" "$(has "path '$d3' refers to a path that is no longer registered")"
check "dangling reference: --repair says so" "$(has "not all store errors were fixed")"
sqlite3 "$DB" "delete from Refs where reference = 99998"

# leftovers of a killed addition: reported, not an error; --repair removes them
name=$(basename "$t3")
mkdir -p "$NIX_STORE_DIR/.cnix-tmp-999990-0-$name"
mkdir -p "$NIX_STORE_DIR/00000000000000000000000000000000-half"
verify
check "leftovers: exit 0" "$([ $vrc = 0 ] || echo "exit $vrc: $vout")"
check "leftovers: temporary reported" "$(has ".cnix-tmp-999990-0-$name' is in the store directory but not registered")"
check "leftovers: unregistered path reported" "$(has "00000000000000000000000000000000-half' is in the store directory but not registered")"
check "leftovers: kept without --repair" "$([ -e "$NIX_STORE_DIR/.cnix-tmp-999990-0-$name" ] || echo removed)"
verify --repair
check "leftovers: --repair exit 0" "$([ $vrc = 0 ] || echo "exit $vrc: $vout")"
check "leftovers: --repair removes them" "$(ls -A "$NIX_STORE_DIR" | grep -E '^\.cnix-|-half$')"
verify --check-contents
check "final store verifies" "$([ $vrc = 0 ] || echo "exit $vrc: $vout")"
check "database integrity" "$(r=$(sqlite3 "$DB" 'pragma integrity_check'); [ "$r" = ok ] || echo "$r")"
finish
