#!/usr/bin/env bash
# e2e: native code during evaluation: plugins (--plugin-files), importNative, exec, foreignFunction.
# Builds examples/plugin/example.c and a few broken plugins, then checks results and every error.
#   CNIX=build/cnix tests/e2e/native.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
CNIX=${CNIX:-$root/build/cnix}
CC=${CC:-cc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $1"; shift; printf '  %s\n' "$@"; }

# expect NAME EXPECTED-STDOUT CNIX-ARGS...: exit status 0 and exactly this output.
expect() {
  local name=$1 want=$2; shift 2
  local out rc
  out=$(timeout -k 5 60 "$CNIX" "$@" 2>"$tmp/err"); rc=$?
  if [ $rc = 0 ] && [ "$out" = "$want" ]; then ok; else
    bad "$name" "want: $want" "got:  $out (exit $rc)" "$(head -5 "$tmp/err")"; fi
}

# expect_err NAME MESSAGE-FRAGMENT CNIX-ARGS...: exit status 1, fragment in stderr, no crash.
expect_err() {
  local name=$1 frag=$2; shift 2
  local rc
  timeout -k 5 60 "$CNIX" "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?
  if [ $rc = 1 ] && grep -qF -- "$frag" "$tmp/err"; then ok; else
    bad "$name" "want exit 1 and: $frag" "got exit $rc: $(head -c 600 "$tmp/err")"; fi
}

ev() { expect "$1" "$2" instantiate --eval --strict "${@:3}"; }
ev_err() { expect_err "$1" "$2" instantiate --eval --strict "${@:3}"; }

# ---------- build the plugins ----------
if ! $CC -shared -fPIC -Wall -Wextra -Werror -I "$root/include" "$root/examples/plugin/example.c" \
      -o "$tmp/example.so" 2>"$tmp/cc.err"; then
  cat "$tmp/cc.err"; echo "0 passed, 1 failed"; exit 1
fi
cat >"$tmp/noinit.c" <<'EOF'
int not_a_plugin(void) { return 1; }
EOF
cat >"$tmp/failinit.c" <<'EOF'
#include "cnix/plugin.h"
int cnix_plugin_init(CnixPlugin *p) { cnix_plugin_set_error(p, "no licence key"); return 1; }
EOF
cat >"$tmp/badarity.c" <<'EOF'
#include "cnix/plugin.h"
static void f(CnixState *st, CnixValue *out, CnixValue *a) { cnix_copy(st, out, a); }
int cnix_plugin_init(CnixPlugin *p) {
  return cnix_register_primop(p, "tooMany", 9, "", "", CNIX_PRIMOP_FN(f)) ? 1 : 0;
}
EOF
cat >"$tmp/badname.c" <<'EOF'
#include "cnix/plugin.h"
static void f(CnixState *st, CnixValue *out, CnixValue *a) { cnix_copy(st, out, a); }
int cnix_plugin_init(CnixPlugin *p) {
  return cnix_register_primop(p, "bad name!", 1, "x", "", CNIX_PRIMOP_FN(f)) ? 1 : 0;
}
EOF
cat >"$tmp/noresult.c" <<'EOF'
#include "cnix/plugin.h"
static void forgetful(CnixState *st, CnixValue *out, CnixValue *a) { (void)st; (void)out; (void)a; }
static void ident(CnixState *st, CnixValue *out, CnixValue *a) { cnix_copy(st, out, a); }
int cnix_plugin_init(CnixPlugin *p) {
  return cnix_register_primop(p, "forgetful", 1, "x", "Sets nothing.", CNIX_PRIMOP_FN(forgetful))
      || cnix_register_primop(p, "ident", 1, "x", "The identity.", CNIX_PRIMOP_FN(ident));
}
EOF
for p in noinit failinit badarity badname noresult; do
  $CC -shared -fPIC -I "$root/include" "$tmp/$p.c" -o "$tmp/$p.so" || { bad "build $p"; }
done
mkdir -p "$tmp/plugdir" && cp "$tmp/example.so" "$tmp/noresult.so" "$tmp/plugdir/"

P=(--plugin-files "$tmp/example.so")
export CNIX_FFI_TEST=cnix-ffi-test
unset CNIX_PLUGIN_FILES
U=--allow-unsafe-native-code-during-evaluation

# ---------- plugins ----------
ev "plugin arity 3" 6 "${P[@]}" -E 'builtins.add3 1 2 3'
ev "plugin partial application" "[ 6 13 ]" "${P[@]}" -E 'let g = builtins.add3 1 2; in [ (g 3) (g 10) ]'
ev "plugin arity 8" 12345678 "${P[@]}" -E 'builtins.sum8 1 2 3 4 5 6 7 8'
ev "plugin callback into Nix" 18 "${P[@]}" -E 'builtins.applyTwice (x: x * 3) 2'
ev "plugin callback with a primop" 7 "${P[@]}" -E 'builtins.applyTwice (builtins.add3 1 1) 3'
ev "plugin builds a set" '{ names = [ "a" "b" ]; size = 2; type = "set"; }' "${P[@]}" \
  -E 'builtins.describe { b = 1; a = 2; }'
ev "plugin reads a string" '{ contextSize = 0; size = 5; type = "string"; }' "${P[@]}" \
  -E 'builtins.describe "hello"'
ev "plugin reads a float" '{ doubled = 5; type = "float"; }' "${P[@]}" -E 'builtins.describe 2.5'
ev "plugin builds a list" "[ 0 1 2 3 4 ]" "${P[@]}" -E 'builtins.range 5'
ev "plugin empty list" "[ ]" "${P[@]}" -E 'builtins.range 0'
ev "plugin string context" 1 "${P[@]}" \
  -E '(builtins.describe (builtins.withContext "x" "/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-foo")).contextSize'
ev "plugin arguments are lazy" 1 "${P[@]}" -E 'builtins.lookupOr { a = 1; } "a" (throw "not forced")'
ev "plugin attr lookup default" '"dflt"' "${P[@]}" -E 'builtins.lookupOr { a = 1; } "b" "dflt"'
ev "plugin cnix_try success" '{ ok = true; value = [ 0 1 2 ]; }' "${P[@]}" -E 'builtins.tryApply builtins.range 3'
ev "plugin cnix_try catches" '{ error = "example plugin: inner"; ok = false; }' "${P[@]}" \
  -E 'builtins.tryApply builtins.fail "inner"'
ev "plugin paths" '[ /a/b /a / ]' "${P[@]}" -E 'with builtins; [ (parent /a/b/c) (parent /a/b) (parent /a) ]'
ev "plugin external values" 42 "${P[@]}" -E 'builtins.unbox (builtins.box 42)'
ev "plugin coercion" '"/x-1"' "${P[@]}" -E 'builtins.show { __toString = s: "/x-" + s.n; n = "1"; }'
ev "plugin type names" '[ "an integer" "a set" "a list" ]' "${P[@]}" -E 'with builtins; [ (typeName 1) (typeName { }) (typeName [ ]) ]'
ev "plugin list elements are lazy" 2 "${P[@]}" -E 'builtins.nth [ (throw "no") 2 ] 1'
ev "plugin attribute values" '[ 1 2 ]' "${P[@]}" -E 'builtins.values { b = 2; a = 1; }'
ev "plugin needString" '"s"' "${P[@]}" -E 'builtins.needString "s"'
ev_err "plugin deep forcing" "deep error" "${P[@]}" -E 'builtins.strict { a = [ (throw "deep error") ]; }'
ev_err "plugin throws a type error" "expected a string but found an integer" "${P[@]}" -E 'builtins.needString 1'
ev_err "plugin external type check" "expected an external value but found an integer" "${P[@]}" -E 'builtins.unbox 1'
ev_err "plugin list index" "nth: index 5 out of range" "${P[@]}" -E 'builtins.nth [ 1 ] 5'
ev "plugin primop is a function" '"lambda"' "${P[@]}" -E 'builtins.typeOf builtins.add3'
CNIX_PLUGIN_FILES="$tmp/example.so" ev "plugin via CNIX_PLUGIN_FILES" 3 -E 'builtins.add3 1 1 1'
CNIX_PLUGIN_FILES="$tmp/nope.so" ev "--plugin-files overrides CNIX_PLUGIN_FILES" 3 "${P[@]}" -E 'builtins.add3 1 1 1'
ev "--option plugin-files" 3 --option plugin-files "$tmp/example.so" -E 'builtins.add3 1 1 1'
ev "plugin directory" '[ 3 5 ]' --plugin-files "$tmp/plugdir" -E '[ (builtins.add3 1 1 1) (builtins.ident 5) ]'
ev "plugin file twice" 3 --plugin-files "$tmp/example.so $tmp/example.so" -E 'builtins.add3 1 1 1'
ev "builtins unchanged without plugins" false -E 'builtins ? add3'
# every evaluating command loads plugins (one session): cnix eval and cnix repl too
expect "plugin in cnix eval" 6 eval "${P[@]}" --expr 'builtins.add3 1 2 3'
printf 'builtins.add3 1 2 3\n' >"$tmp/repl-in"
out=$(timeout -k 5 60 "$CNIX" repl "${P[@]}" <"$tmp/repl-in" 2>&1 | head -1)
if [ "$out" = 6 ]; then ok; else bad "plugin in cnix repl" "want: 6" "got:  $out"; fi
ev_err "plugin raises an error" "example plugin: boom" "${P[@]}" -E 'builtins.fail "boom"'
ev_err "plugin type error" "expected an integer but found a string" "${P[@]}" -E 'builtins.add3 1 "x" 3'
ev_err "plugin callback error propagates" "from the callback" "${P[@]}" \
  -E 'builtins.applyTwice (x: throw "from the callback") 1'
ev_err "plugin range check" "range: -1 is not between 0 and 256" "${P[@]}" -E 'builtins.range (-1)'
ev_err "plugin result not set" "primop 'forgetful' from a plugin did not set its result" \
  --plugin-files "$tmp/noresult.so" -E 'builtins.forgetful 1'
ev_err "missing plugin file" "could not dynamically open plugin file '$tmp/nope.so'" \
  --plugin-files "$tmp/nope.so" -E '1'
ev_err "plugin without entry point" "has no function 'cnix_plugin_init'" \
  --plugin-files "$tmp/noinit.so" -E '1'
ev_err "plugin init fails" "failed to initialise: no licence key" --plugin-files "$tmp/failinit.so" -E '1'
ev_err "plugin bad arity" "arity 9; it must be 1 to 8" --plugin-files "$tmp/badarity.so" -E '1'
ev_err "plugin bad primop name" "failed to initialise: invalid primop name 'bad name!'" --plugin-files "$tmp/badname.so" -E '1'
expect_err "--plugin-files without value" "requires 1 argument" instantiate --eval --plugin-files

# cnix doc shows plugin primops
out=$("$CNIX" doc "${P[@]}" add3 2>&1)
if printf '%s' "$out" | grep -qF "Add three integers" && printf '%s' "$out" | grep -qF "a b c"; then ok; else
  bad "cnix doc plugin primop" "$out"; fi
out=$("$CNIX" doc "${P[@]}" 2>&1)
if printf '%s\n' "$out" | grep -qx "applyTwice" && printf '%s\n' "$out" | grep -qx "foreignFunction"; then ok; else
  bad "cnix doc lists plugin primops" "$(printf '%s' "$out" | tail -5)"; fi
out=$("$CNIX" doc builtins.foreignFunction 2>&1)
if printf '%s' "$out" | grep -qF "libffi call interface"; then ok; else bad "cnix doc foreignFunction" "$out"; fi

# the REPL loads plugins too, and :doc shows their documentation
out=$(printf 'builtins.add3 1 2 39\n:doc builtins.add3\n' | timeout -k 5 60 "$CNIX" repl --plugin-files "$tmp/example.so" 2>&1)
if printf '%s\n' "$out" | grep -qx "42" && printf '%s' "$out" | grep -qF "Add three integers"; then ok; else
  bad "repl with a plugin" "$out"; fi
expect_err "repl with a missing plugin" "could not dynamically open plugin file" repl --plugin-files "$tmp/nope.so"

# ---------- importNative ----------
ev_err "importNative gate" "'builtins.importNative' is disabled; pass --allow-unsafe-native-code-during-evaluation" \
  -E "builtins.importNative $tmp/example.so \"example_init\""
ev "importNative" '{ double = 42; greeting = "hello from C"; }' $U \
  -E "let m = builtins.importNative $tmp/example.so \"example_init\"; in { greeting = m.greeting; double = m.double 21; }"
ev "importNative string path" '"hello from C"' $U \
  -E "(builtins.importNative \"$tmp/example.so\" \"example_init\").greeting"
ev_err "importNative missing symbol" "could not load symbol 'nope' from '$tmp/example.so'" $U \
  -E "builtins.importNative $tmp/example.so \"nope\""
ev_err "importNative missing file" "could not open '$tmp/none.so'" $U \
  -E "builtins.importNative $tmp/none.so \"x\""
ev_err "importNative symbol type" "expected a string but found an integer" $U \
  -E "builtins.importNative $tmp/example.so 1"

# ---------- exec ----------
ev_err "exec gate" "'builtins.exec' is disabled; pass --allow-unsafe-native-code-during-evaluation" \
  -E 'builtins.exec [ "echo" "1" ]'
ev "exec parses stdout" '{ a = 1; b = [ 2 3 ]; }' $U -E 'builtins.exec [ "sh" "-c" "echo \"{ a = 1; b = [ 2 3 ]; }\"" ]'
ev "exec evaluates" 3 $U -E 'builtins.exec [ "echo" "1 + 2" ]'
ev "exec coerces arguments" '"/x/y"' $U -E 'builtins.exec [ "printf" "\"%s\"" /x/y ]'
ev "exec result is lazy data" 6 $U -E '(builtins.exec [ "echo" "{ f = x: x * 2; }" ]).f 3'
ev_err "exec empty list" "at least one argument to 'exec' required" $U -E 'builtins.exec [ ]'
ev_err "exec not a list" "expected a list but found a string" $U -E 'builtins.exec "echo"'
ev_err "exec failing program" "program 'false' failed with exit code 1" $U -E 'builtins.exec [ "false" ]'
ev_err "exec exit status" "program 'sh' failed with exit code 3" $U -E 'builtins.exec [ "sh" "-c" "exit 3" ]'
ev_err "exec missing program" "program '$tmp/no-such-program' failed with exit code 1" $U \
  -E "builtins.exec [ \"$tmp/no-such-program\" ]"
ev_err "exec unparsable output" "syntax error" $U -E 'builtins.exec [ "echo" "{" ]'
ev_err "exec output fails to evaluate" "bad output" $U -E 'builtins.exec [ "echo" "throw \"bad output\"" ]'

# ---------- foreignFunction ----------
LIBM='library = "libm.so.6";'
LIBC='library = "libc.so.6";'
pow="builtins.foreignFunction { $LIBM symbol = \"pow\"; args = [ \"double\" \"double\" ]; returns = \"double\"; }"
cos="builtins.foreignFunction { $LIBM symbol = \"cos\"; args = [ \"double\" ]; returns = \"double\"; }"
strlen="builtins.foreignFunction { $LIBC symbol = \"strlen\"; args = [ \"string\" ]; returns = \"size_t\"; }"
ff() { echo "builtins.foreignFunction { $LIBC symbol = \"$1\"; args = [ $2 ]; returns = \"$3\"; }"; }

ev_err "foreignFunction gate" "'builtins.foreignFunction' is disabled" -E "$pow"
ev "pow" true $U -E "($pow) 2 10 == 1024.0"
ev "pow with floats" 6.25 $U -E "($pow) 2.5 2"
ev "cos 0" true $U -E "($cos) 0 == 1.0"
ev "cos pi" true $U -E "($cos) 3.141592653589793 == -1.0"
ev "strlen" 5 $U -E "($strlen) \"hello\""
ev "strlen empty" 0 $U -E "($strlen) \"\""
ev "strlen of an interpolated string" 11 $U -E "let s = \"world\"; in ($strlen) \"hello \${s}\""
ev "cached call interface" 2000 $U -E "let pow = $pow; go = n: if n == 0 then 0 else pow 2 1 + go (n - 1); in go 1000"
ev "partial application" '[ 8 9 ]' $U -E "let pow = $pow; sq = x: pow x 2; p2 = pow 2; in [ (p2 3) (sq 3) ]"
ev "int in and out" 42 $U -E "($(ff abs '"int"' int)) (-42)"
ev "long" 5000000000 $U -E "($(ff labs '"long"' long)) (-5000000000)"
ev "int16" 300 $U -E "($(ff abs '"int16"' int16)) (-300)"
ev "int32" 2147483647 $U -E "($(ff abs '"int32"' int32)) (-2147483647)"
ev "int64" 9000000000000000000 $U -E "($(ff labs '"int64"' int64)) (-9000000000000000000)"
ev "uint8" 255 $U -E "($(ff abs '"uint8"' uint8)) 255"
ev_err "int16 out of range" "integer 32768 is out of range for C type 'int16'" $U -E "($(ff abs '"int16"' int)) 32768"
ev_err "uint32 out of range" "integer 4294967296 is out of range for C type 'uint32'" $U -E "($(ff htonl '"uint32"' uint32)) 4294967296"
ev "uint32 in and out" 16777216 $U -E "($(ff htonl '"uint32"' uint32)) 1"
ev "uint16" 256 $U -E "($(ff htons '"uint16"' uint16)) 1"
ev "int8 result wraps like C" -1 $U -E "($(ff abs '"int"' int8)) 255"
ev "float type" true $U -E "(builtins.foreignFunction { $LIBM symbol = \"cosf\"; args = [ \"float\" ]; returns = \"float\"; }) 0 == 1.0"
ev "string result" '"cnix-ffi-test"' $U -E "($(ff getenv '"string"' string)) \"CNIX_FFI_TEST\""
ev "NULL string result is null" null $U -E "($(ff getenv '"string"' string)) \"CNIX_NO_SUCH_VARIABLE_X\""
ev "pointer round trip" 5 $U \
  -E "let strdup = $(ff strdup '"string"' pointer); len = $(ff strlen '"pointer"' size_t); in len (strdup \"hello\")"
ev "pointer values are typed" '"pointer"' $U -E "builtins.typeOf (($(ff malloc '"size_t"' pointer)) 16)"
ev "void result and null pointer" null $U -E "($(ff free '"pointer"' void)) null"
ev "no arguments" true $U -E "($(ff getpid '' int)) null > 0"
ev "library null is the program" 3 $U \
  -E 'builtins.foreignFunction { library = null; symbol = "strlen"; args = [ "string" ]; returns = "size_t"; } "abc"'
libc=$(for d in /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu /lib64 /usr/lib64 /lib /usr/lib; do
  [ -e "$d/libc.so.6" ] && { echo "$d/libc.so.6"; break; }; done)
ev "library as a path" 3 $U \
  -E "builtins.foreignFunction { library = $libc; symbol = \"strlen\"; args = [ \"string\" ]; returns = \"size_t\"; } \"abc\""
ev "uint64 max in range" true $U -E "($(ff labs '"uint64"' int64)) 9223372036854775807 == 9223372036854775807"

ev_err "missing library" "could not open library 'libnope-cnix.so'" $U \
  -E 'builtins.foreignFunction { library = "libnope-cnix.so"; symbol = "f"; args = [ ]; returns = "void"; }'
ev_err "missing symbol" "could not find symbol 'no_such_function_x' in library 'libm.so.6'" $U \
  -E "builtins.foreignFunction { $LIBM symbol = \"no_such_function_x\"; args = [ ]; returns = \"void\"; }"
ev_err "wrong argument type" "argument 2 of foreign function 'pow' (C type 'double') must be a float or an integer, but it is a string" \
  $U -E "($pow) 2 \"x\""
ev_err "string for an integer" "argument 1 of foreign function 'abs' (C type 'int') must be an integer, but it is a float" \
  $U -E "($(ff abs '"int"' int)) 1.5"
ev_err "integer for a string" "argument 1 of foreign function 'strlen' (C type 'string') must be a string, but it is an integer" \
  $U -E "($strlen) 3"
ev_err "bad pointer" "must be a pointer (an external value) or null, but it is a string" \
  $U -E "($(ff free '"pointer"' void)) \"x\""
ev_err "too many arguments" "attempt to call something which is not a function but a float" $U -E "($pow) 2 3 4"
ev_err "no-argument function needs null" "takes no C arguments and must be applied to null" $U -E "($(ff getpid '' int)) 1"
ev_err "int out of range" "integer 2147483648 is out of range for C type 'int' (argument 1 of foreign function 'abs')" \
  $U -E "($(ff abs '"int"' int)) 2147483648"
ev_err "int8 out of range" "integer -129 is out of range for C type 'int8'" $U -E "($(ff abs '"int8"' int)) (-129)"
ev_err "uint8 out of range" "integer 256 is out of range for C type 'uint8'" $U -E "($(ff abs '"uint8"' int)) 256"
ev_err "negative unsigned" "integer -1 is out of range for C type 'size_t'" $U -E "($(ff labs '"size_t"' long)) (-1)"
ev_err "uint64 result too large" "result 18446744073709551615 of foreign function 'strtoull' (C type 'uint64') does not fit in a Nix integer" \
  $U -E "($(ff strtoull '"string" "pointer" "int"' uint64)) \"18446744073709551615\" null 10"
ev_err "unknown C type" "unknown C type 'quad' for argument 1" $U -E "$(ff abs '"quad"' int)"
ev_err "unknown result type" "unknown C type 'bool' for the result" $U -E "$(ff abs '"int"' bool)"
ev_err "void argument" "C type 'void' is only allowed as the result" $U -E "$(ff abs '"void"' int)"
ev_err "too many C arguments" "declares 8 arguments; at most 7 are supported" $U \
  -E "$(ff abs '"int" "int" "int" "int" "int" "int" "int" "int"' int)"
ev_err "missing attribute" "attribute 'symbol' missing in the argument of builtins.foreignFunction" $U \
  -E "builtins.foreignFunction { $LIBM args = [ ]; returns = \"void\"; }"
ev_err "unexpected attribute" "unexpected attribute 'arity' in the argument of builtins.foreignFunction" $U \
  -E "builtins.foreignFunction { $LIBM symbol = \"cos\"; args = [ ]; returns = \"void\"; arity = 1; }"
ev_err "spec not a set" "expected a set but found a string" $U -E 'builtins.foreignFunction "cos"'

echo "native: $pass passed, $fail failed"
[ $fail = 0 ]
