#!/usr/bin/env bash
# The global scope against CppNix's rule (EvalState::addPrimOp / addConstant): a primop or
# constant is bound globally under exactly the name it is registered with, so the ones
# registered without "__" are plain globals (map, fetchTarball, ...) and have no "__" twin, and
# every other builtin X is global only as __X. Primops of an experimental feature exist only
# when it is enabled.
. ./lib.bash

# CppNix master's primops and constants registered without "__" (primops.cc, fetchTree.cc,
# fetchMercurial.cc, fromTOML.cc; fetchTree needs fetch-tree, see below).
plain="abort baseNameOf break builtins derivation derivationStrict dirOf false fetchGit
fetchMercurial fetchTarball fromTOML import isNull map null placeholder removeAttrs scopedImport
throw toString true"
# cnix's native-code builtins are bound always and refuse to run without
# --allow-unsafe-native-code-during-evaluation (tests/e2e/native.sh); CppNix binds
# importNative and exec only with that setting.
native="importNative exec foreignFunction"
# builtins.getFlake is added by the flake module when a session starts (flake/getflake.c),
# to the builtins set only; CppNix registers it as __getFlake, with the flakes feature.
session_added="getFlake"

# globals_of FLAGS...: the names among the candidates that are bound globally (one REPL reading
# `builtins.seq NAME "OK NAME"` per candidate; an undefined one prints only an error).
globals_of() {
  err=""
  cn instantiate --eval --json "$@" -E 'builtins.attrNames builtins'
  local names; names=$(printf '%s' "$out" | tr -d '[]"' | tr ',' ' ')
  : > "$TMP/cand"
  for n in $names; do
    case " $native $session_added " in *" $n "*) continue ;; esac
    printf 'builtins.seq (%s) "OK %s"\nbuiltins.seq (__%s) "OK __%s"\n' "$n" "$n" "$n" "$n" >> "$TMP/cand"
  done
  STDIN=$TMP/cand cn repl "$@"
  printf '%s\n' "$out" | sed -n 's/^"OK \(.*\)"$/\1/p' | sort
}

# the expected set: the plain names, and __X for every other attribute X of builtins
expected_of() {
  cn instantiate --eval --json "$@" -E 'builtins.attrNames builtins'
  local names; names=$(printf '%s' "$out" | tr -d '[]"' | tr ',' ' ')
  for n in $names; do
    case " $native $session_added " in *" $n "*) continue ;; esac
    if printf '%s\n' $plain | grep -qx -- "$n"; then echo "$n"; else echo "__$n"; fi
  done | sort
}

check_globals() {
  local name=$1; shift
  err=""
  local got want; got=$(globals_of "$@"); want=$(expected_of "$@")
  local p=""
  [ -n "$got" ] || p="no globals found"
  [ -z "$p" ] && [ "$got" != "$want" ] && p="differs: $(diff <(echo "$want") <(echo "$got") | grep '^[<>]' | tr '\n' ' ')"
  _verdict "$name" "$p"
}

check_globals global-names

# every plain name is there by default (fetchTree is not: it needs the feature)
got=$(globals_of); err=""
missing=""
for n in $plain; do printf '%s\n' "$got" | grep -qx -- "$n" || missing="$missing $n"; done
_verdict global-plain-names-present "${missing:+missing:$missing}"
expect_err fetchTree-needs-feature "undefined variable 'fetchTree'" -- instantiate --eval -E 'fetchTree'
expect_ok builtins-fetchTree-needs-feature 'false' -- instantiate --eval -E 'builtins ? fetchTree'
expect_ok fetchTree-with-feature 'true' -- instantiate --extra-experimental-features fetch-tree --eval -E 'builtins.isFunction fetchTree'
expect_err no-dunder-fetchTree "undefined variable '__fetchTree'" -- instantiate --extra-experimental-features fetch-tree --eval -E '__fetchTree'
expect_ok fetchTree-with-flakes 'true' -- instantiate --extra-experimental-features flakes --eval -E 'builtins ? fetchTree && builtins.isFunction fetchTree'
expect_ok fetchClosure-needs-feature 'false' -- instantiate --eval -E 'builtins ? fetchClosure'
expect_ok fetchClosure-with-feature 'true' -- instantiate --extra-experimental-features fetch-closure --eval -E 'builtins.isFunction __fetchClosure'
expect_err no-plain-fetchClosure "undefined variable 'fetchClosure'" -- instantiate --extra-experimental-features fetch-closure --eval -E 'fetchClosure'
expect_err no-dunder-map "undefined variable '__map'" -- instantiate --eval -E '__map'
expect_ok bare-fetchTarball 'true' -- instantiate --eval -E 'builtins.isFunction fetchTarball'
finish
