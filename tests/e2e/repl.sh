#!/usr/bin/env bash
# End-to-end tests of `cnix repl`: through a pipe (bindings, files, every command, errors)
# and through a pseudo-terminal with tmux (completion, history, Ctrl-C).
#   CNIX=build/cnix tests/e2e/repl.sh
set -u
cnix=${CNIX:-${1:-build/cnix}}
cnix=$(cd "$(dirname "$cnix")" && pwd)/$(basename "$cnix")
tmp=$(mktemp -d)
sock="cnix-repl-test-$$"
cleanup() {
  tmux -L "$sock" kill-server 2>/dev/null
  chmod -R u+w "$tmp" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
export HOME="$tmp/home" XDG_DATA_HOME="" XDG_CONFIG_HOME="$tmp/config"
# A private store: derivations are written and built there.
export NIX_STORE_DIR="$tmp/store" NIX_STATE_DIR="$tmp/var" NIX_LOG_DIR="$tmp/log"
unset CNIX_STORE_ROOT
# Builders here use the host's tools: the sandbox (on by default) must show them.
export NIX_CONFIG="sandbox-paths = /bin /lib /usr /lib64?"
mkdir -p "$HOME"
pass=0 fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $1"; shift; for l in "$@"; do printf '  %s\n' "$l"; done; }

# repl NAME INPUT [ARGS...]: runs the REPL on INPUT through a pipe, in $tmp;
# leaves stdout in $out, stderr in $err, exit status in $rc.
repl() {
  local name=$1 input=$2; shift 2
  out=$(cd "$tmp" && printf '%s' "$input" | timeout 20 "$cnix" repl "$@" 2>"$tmp/err"); rc=$?
  err=$(cat "$tmp/err")
}

# expect NAME INPUT EXPECTED-STDOUT [ARGS...]
expect() {
  local name=$1 input=$2 want; want=$(printf '%s' "$3"); shift 3
  repl "$name" "$input" "$@"
  if [ "$rc" = 0 ] && [ "$out" = "$want" ]; then ok; else
    bad "$name" "rc=$rc" "stdout: $(printf '%q' "$out")" "wanted: $(printf '%q' "$want")" "stderr: $err"; fi
}

# expect_err NAME INPUT STDERR-SUBSTRING [STDOUT]: the REPL survives the error (exit 0).
expect_err() {
  local name=$1 input=$2 want=$3 want_out; want_out=$(printf '%s' "${4-__any__}")
  repl "$name" "$input"
  if [ "$rc" = 0 ] && [[ "$err" == *"$want"* ]] && { [ "$want_out" = __any__ ] || [ "$out" = "$want_out" ]; }; then ok; else
    bad "$name" "rc=$rc" "stderr: $err" "wanted in stderr: $want" "stdout: $(printf '%q' "$out")"; fi
}

nl=$'\n'

# ---------- values and printing ----------
expect int '1 + 1' "2$nl"
expect float '1.5' "1.5$nl"
expect string '"a\"b${"c"}\n\${x}"' "\"a\\\"bc\\n\\\${x}\"$nl"
expect null-bool '[ null true ]' "[$nl  null$nl  true$nl]$nl"
expect list-one '[ 1 ]' "[ 1 ]$nl"
expect list-empty '[ ]' "[ ]$nl"
expect set-empty '{ }' "{ }$nl"
expect set-one '{ a = 1; }' "{ a = 1; }$nl"
expect set-pretty '{ b = "x"; a = 1; }' "{$nl  a = 1;$nl  b = \"x\";$nl}$nl"
expect depth-1 '{ a.b.c = 1; l = [ [ 1 ] ]; }' "{$nl  a = { ... };$nl  l = [ ... ];$nl}$nl"
expect set-nested-one '{ a = { b = 1; }; }' "{$nl  a = { ... };$nl}$nl"
expect quoted-names '{ "a b" = 1; "if" = 2; }' "{$nl  \"a b\" = 1;$nl  \"if\" = 2;$nl}$nl"
expect lambda 'x: x' "«lambda @ «string»:1:1»$nl"
expect lambda-named 'let f = x: x; in f' "«lambda f @ «string»:1:9»$nl"
expect primop 'builtins.substring' "«primop substring»$nl"
expect primop-app 'builtins.substring 1' "«partially applied primop substring»$nl"
expect primop-global 'toString' "«primop toString»$nl"
expect path '/tmp/x' "/tmp/x$nl"
expect nested-error '{ a = throw "boom"; b = 1; }' "{$nl  a = «error: boom»;$nl  b = 1;$nl}$nl"
expect repeated 'let a = { x = 1; }; in [ a a ]' "[$nl  { ... }$nl  «repeated»$nl]$nl"
expect repeated-list ':p let l = [ 1 2 ]; in [ l l ]' "[$nl  [$nl    1$nl    2$nl  ]$nl  «repeated»$nl]$nl"
expect cycle ':p let x = { a = x; }; in x' "{$nl  a = «repeated»;$nl}$nl"
expect list-error '[ (throw "e") 1 ]' "[$nl  «error: e»$nl  1$nl]$nl"
expect derivation '{ type = "derivation"; drvPath = "/nix/store/aaaa-x.drv"; }' \
  "«derivation /nix/store/aaaa-x.drv»$nl"
expect several-lines "1$nl$nl\"two\"$nl" "1$nl$nl$nl\"two\"$nl"

# ---------- bindings and multi-line input ----------
expect binding "x = 3${nl}x * 2$nl" "${nl}6$nl"
expect binding-lazy "y = throw \"never\"${nl}1$nl" "${nl}1$nl"
expect rebinding "x = 1${nl}y = x${nl}x = 2${nl}[ x y ]$nl" "$nl$nl$nl[$nl  2$nl  1$nl]$nl"
expect binding-fn "f = a: a * 10${nl}f 4$nl" "${nl}40$nl"
expect shadow-builtin "toString = 5${nl}toString + 1${nl}builtins.toString$nl" "${nl}6$nl${nl}«primop toString»$nl"
expect equality-not-binding "x = 1${nl}x == 1$nl" "${nl}true$nl"
expect multi-line "{ a = 1;${nl}b = 2;${nl}}$nl" "{$nl  a = 1;$nl  b = 2;$nl}$nl"
expect multi-line-let "let${nl}  z = 5;${nl}in z$nl" "5$nl"
expect multi-line-string "\"a${nl}b\"$nl" "\"a\\nb\"$nl"
expect_err incomplete-at-eof "{ a = 1;$nl" "unexpected end of file"

# ---------- errors: printed, the REPL goes on, bindings survive ----------
expect_err error-continues "x = 7${nl}throw \"top\"${nl}x$nl" "top" "$nl${nl}7$nl"
expect_err type-error '1 + "a"' "error:"
expect_err undefined-var 'nope_not_bound' "undefined variable 'nope_not_bound'"
expect_err syntax-error '1 +* 2' "error:"
expect_err unknown-command ':frobnicate' "unknown command ':frobnicate'"
repl no-escapes "{ a = 1; b = [ \"s\" ]; c = x: x; }$nl"
if [[ "$out" != *$'\033'* ]] && [[ "$out" == *'b = [ ... ];'* ]]; then ok; else bad no-escapes "$out"; fi
repl no-prompt "1$nl"
if [[ "$out$err" != *"repl>"* ]]; then ok; else bad no-prompt "$out" "$err"; fi

# ---------- commands ----------
repl help ":?$nl"
if [[ "$out" == *":a, :add"* && "$out" == *":doc"* && "$out" == *":te, :trace-enable"* ]]; then ok; else bad help "$out"; fi
repl help-long ":help$nl"
if [[ "$out" == *":l, :load"* ]]; then ok; else bad help-long "$out"; fi
expect print-deep ':p { a.b.c = 1; }' "{$nl  a = {$nl    b = { c = 1; };$nl  };$nl}$nl"
expect print-string ":print \"a${nl}b\"$nl" "a${nl}b$nl"
expect type-int ':t 1' "an integer$nl"
expect type-set ':t { }' "a set$nl"
expect add ":a { p = 1; q = 2; }${nl}p + q$nl" "${nl}3$nl"
expect last-loaded ":a { q = 2; p = 1; }$nl:ll$nl" "${nl}p${nl}q$nl"
repl add-notice ":add { p = 1; q = 2; }$nl"
if [[ "$err" == *"Added 2 variables."* ]]; then ok; else bad add-notice "$err"; fi
expect_err add-not-set ':a 1' "expected a set but found an integer"
expect trace-toggle ":te$nl:te$nl:trace-enable true$nl" \
  "showing error traces$nl${nl}not showing error traces$nl${nl}showing error traces$nl"
expect_err trace-bad-arg ':te maybe' "unexpected argument 'maybe'"
expect quit "1$nl:q${nl}2$nl" "1$nl"
expect quit-long ":quit${nl}2$nl" ""
expect_err build-not-drv ':b 1' "does not evaluate to a derivation"
cat > "$tmp/drv.nix" <<'EOF'
let mk = name: script: derivation {
  inherit name; builder = "/bin/sh"; args = [ "-c" script ]; system = builtins.currentSystem;
}; in {
  ok = mk "ok" "echo built-it; echo hi > $out";
  bad = mk "bad" "echo oops; exit 3";
}
EOF
repl build ":l drv.nix$nl:b ok${nl}builtins.readFile ok$nl:log ok$nl"
if [[ "$out" == *"This derivation produced the following outputs:$nl  out -> $NIX_STORE_DIR/"*-ok* &&
      "$out" == *'"hi\n"'* && "$out" == *built-it* && "$err" == *"building '$NIX_STORE_DIR/"* ]]; then ok; else
  bad build "$out" "$err"; fi
expect_err build-fails ":l drv.nix$nl:build bad$nl" "failed with exit code 3"
rm -rf "$NIX_STORE_DIR"
repl build-readonly "bad.drvPath$nl" -r --file drv.nix
drv=${out//\"/}
if [[ "$drv" == "$NIX_STORE_DIR/"*-bad.drv ]] && [ ! -e "$drv" ]; then ok; else bad build-readonly "$out" "$err"; fi
mkdir -p "$NIX_LOG_DIR/drvs/bb"
echo "the build said hello" > "$NIX_LOG_DIR/drvs/bb/cd-y.drv"
expect log ':log { type = "derivation"; drvPath = "/nix/store/bbcd-y.drv"; }' "the build said hello$nl$nl"
expect_err log-missing ':log { type = "derivation"; drvPath = "/nix/store/cccc-z.drv"; }' \
  "build log of '/nix/store/cccc-z.drv' is not available"
repl doc-primop ":doc builtins.concatStringsSep$nl"
if [[ "$out" == *"Synopsis: builtins.concatStringsSep separator list"* ]] && [ "$(printf '%s\n' "$out" | wc -l)" -gt 3 ]; then ok; else bad doc-primop "$out" "$err"; fi
repl doc-global ":doc toString$nl"
if [[ "$out" == *"Synopsis: builtins.toString"* ]]; then ok; else bad doc-global "$out" "$err"; fi
cat > "$tmp/lib.nix" <<'EOF'
{
  /** Adds one to its argument. */
  inc = x: x + 1;
  plain = 42;
  # not a doc comment
  undocumented = y: y;
}
EOF
repl doc-lambda ":l lib.nix$nl:doc inc$nl"
if [[ "$out" == *"Adds one to its argument."* && "$out" == *"lib.nix:3:"* ]]; then ok; else bad doc-lambda "$out" "$err"; fi
repl doc-attr ":doc (import ./lib.nix).plain$nl"
if [[ "$out" == *"plain"* && "$out" == *"lib.nix:4:"* && "$out" == *"No documentation"* ]]; then ok; else bad doc-attr "$out" "$err"; fi
expect_err doc-none ':doc 1' "value does not have documentation"

# ---------- files ----------
cat > "$tmp/f.nix" <<'EOF'
{ n ? 1, s ? "none" }: { val = n * 10; str = s; fn = x: x; }
EOF
echo '{ z = 7; }' > "$tmp/g.nix"
expect load ":l g.nix${nl}z$nl" "${nl}7$nl"
expect load-long ":load $tmp/g.nix${nl}z$nl" "${nl}7$nl"
repl load-notice ":l g.nix$nl"
if [[ "$err" == *"Added 1 variables."* && "$err" == *"z"* ]]; then ok; else bad load-notice "$err"; fi
expect load-autocall ":l f.nix${nl}val$nl" "${nl}10$nl"
expect args-file "val${nl}str$nl" "40$nl$nl\"hi\"$nl" f.nix --arg n 4 --argstr s hi
expect args-file-flag "val + z$nl" "27$nl" --file f.nix g.nix --arg n 2
expect lambda-pos-file "fn$nl" "«lambda fn @ $tmp/f.nix:1:54»$nl" f.nix
echo '{ needed }: { inside = needed; }' > "$tmp/needs.nix"
expect_err load-missing-arg ":l needs.nix$nl" "cannot evaluate a function that has an argument without a value ('needed')"
expect load-arg-expr ":l needs.nix${nl}inside$nl" "${nl}[$nl  1$nl  \"two\"$nl]$nl" --arg needed '[ 1 "two" ]'
expect_err load-missing ":l nonexistent.nix${nl}" "nonexistent.nix"
mkdir -p "$tmp/sp/pkg"
echo '{ fromSearchPath = true; }' > "$tmp/sp/pkg/default.nix"
expect search-path-joined "<sp>$nl" "$tmp/sp$nl" "-Isp=$tmp/sp"
expect search-path ":l <sp/pkg>${nl}fromSearchPath$nl" "${nl}true$nl" -I "sp=$tmp/sp"
echo '{ r = 1; }' > "$tmp/h.nix"
expect add-after-load ":l h.nix${nl}r$nl:a { extra = 1; }${nl}extra$nl" "${nl}1$nl$nl${nl}1$nl"
echo '{ r = 1; }' > "$tmp/h.nix"
{ printf ':l h.nix\nr\n'; sleep 0.3; echo '{ r = 2; }' > "$tmp/h.nix"; printf ':r\nr\n'; } \
  | (cd "$tmp" && timeout 20 "$cnix" repl >"$tmp/out" 2>"$tmp/err")
if [ "$(cat "$tmp/out")" = "${nl}1$nl$nl${nl}2" ]; then ok; else bad reload-changed "$(cat "$tmp/out")" "$(cat "$tmp/err")"; fi
expect_err reload-forgets-bindings "k = 1${nl}:r${nl}k$nl" "undefined variable 'k'"

# :edit runs $EDITOR (here a fake vim recording its arguments) at the definition.
mkdir -p "$tmp/bin"
export EDITOR="$tmp/bin/vim"
printf '#!/bin/sh\necho "$@" > %s/edited\n' "$tmp" > "$tmp/bin/vim"
chmod +x "$tmp/bin/vim"
repl edit-lambda ":l lib.nix$nl:e inc$nl"
if [ "$(cat "$tmp/edited" 2>/dev/null)" = "+3 $tmp/lib.nix" ]; then ok; else bad edit-lambda "$(cat "$tmp/edited" 2>/dev/null)" "$err"; fi
rm -f "$tmp/edited"
repl edit-path ":edit ./g.nix$nl"
if [ "$(cat "$tmp/edited" 2>/dev/null)" = "$tmp/g.nix" ]; then ok; else bad edit-path "$(cat "$tmp/edited" 2>/dev/null)" "$err"; fi
rm -f "$tmp/edited"
repl edit-package ":e { meta.position = \"$tmp/lib.nix:5\"; }$nl"
if [ "$(cat "$tmp/edited" 2>/dev/null)" = "+5 $tmp/lib.nix" ]; then ok; else bad edit-package "$(cat "$tmp/edited" 2>/dev/null)" "$err"; fi
expect_err edit-typed ':e x: x' "cannot be shown in an editor"

# ---------- the terminal: completion, history, Ctrl-C ----------
# tty_wait PATTERN: waits (up to ~10 s) until the screen contains PATTERN.
tty_wait() {
  local i
  for i in $(seq 100); do
    screen=$(tmux -L "$sock" capture-pane -p -t t -S -100 2>/dev/null)
    [[ "$screen" == *"$1"* ]] && return 0
    sleep 0.1
  done
  return 1
}
tty_check() {
  local name=$1 pat=$2
  if tty_wait "$pat"; then ok; else bad "$name" "wanted on screen: $pat" "$screen"; fi
}
keys() { tmux -L "$sock" send-keys -t t "$@" 2>/dev/null; }
tty_runs=0
tty_start() {
  # A fresh server (socket) per session: reusing one right after kill-server races.
  tmux -L "$sock" kill-server 2>/dev/null
  tty_runs=$((tty_runs + 1)); sock="cnix-repl-test-$$-$tty_runs"
  tmux -L "$sock" -f /dev/null new-session -d -s t -x 150 -y 50 \
    "cd $tmp && HOME=$HOME TERM=xterm $cnix repl; sleep 30"
  tty_wait "cnix-repl>" || true
}

if command -v tmux >/dev/null; then
  echo 'foo: { my_long_file_name = 1; }' > "$tmp/complete_me_file.nix"
  tty_start
  tty_check tty-prompt "cnix-repl>"
  keys '"coloured"' Enter
  tty_check tty-value '"coloured"'
  if tmux -L "$sock" capture-pane -e -p -t t | grep -q $'\033\\[[0-9;]*m"coloured"'; then ok; else
    bad tty-colour "$(tmux -L "$sock" capture-pane -e -p -t t | cat -v)"; fi
  keys 'zzy_long_name = 41' Enter
  keys 'zzy_long' Tab ' + 1' Enter
  tty_check complete-var "42"
  keys 'builtins.stringLe' Tab
  tty_check complete-builtin "builtins.stringLength"
  keys C-u 'deep = { alpha = { beta = 99; }; }' Enter
  keys 'deep.al' Tab
  tty_check complete-attr "deep.alpha"
  keys '.be' Tab Enter
  tty_check complete-attr-path "99"
  keys ':hel' Tab
  tty_check complete-command ":help"
  keys C-u ':l complete_me_f' Tab
  tty_check complete-file ":l complete_me_file.nix"
  keys C-u 'toStr' Tab
  tty_check complete-global "toString"
  keys C-u
  # An evaluation that does not end by itself, then Ctrl-C: back at the prompt, bindings intact.
  keys 'let g = n: if n == 0 then 0 else g (n - 1) + g (n - 1); in g 60' Enter
  sleep 1
  keys C-c
  tty_check ctrl-c-long "interrupted"
  keys 'zzy_long_name + 100' Enter
  tty_check ctrl-c-bindings-kept "141"
  keys 'let f = x: f x; in f 1' Enter
  sleep 1
  keys C-c
  keys 'zzy_long_name + 200' Enter
  tty_check ctrl-c-recursion "241"
  # Ctrl-C while editing abandons the line; Ctrl-D quits.
  keys 'this is abandoned' C-c
  keys '1 + 2 + 3' Enter
  tty_check ctrl-c-line "6"
  # A bracketed paste of several lines runs them one by one.
  tmux -L "$sock" set-buffer $'pa_x = 5\npa_x * 3'
  tmux -L "$sock" paste-buffer -p -t t
  keys Enter
  tty_check paste-lines "15"
  keys C-d
  sleep 0.5
  if [ -s "$HOME/.local/share/cnix/repl-history" ] &&
     grep -q 'zzy_long_name = 41' "$HOME/.local/share/cnix/repl-history"; then ok; else bad history-file; fi
  tty_start
  keys Up
  tty_check history-recall "pa_x * 3"
  keys Up Up
  tty_check history-recall-older "1 + 2 + 3"
  keys C-u ':q' Enter
else
  echo "tmux not found: skipping terminal tests"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
