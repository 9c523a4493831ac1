#!/usr/bin/env bash
# Reliability: malformed and hostile source text must give exit status 1 with a clear error
# and a position, never a crash or a hang (issue "Reliability").
. "$(dirname "$0")/lib.bash"
cd "$TMP"
gen() { python3 -c "$1" > "$2"; }

# Every byte value, several times: garbage from the first byte on.
gen 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 16)' garbage.nix
expect_err binary-garbage-file 'error:' -- instantiate --eval garbage.nix
STDIN=garbage.nix expect_err binary-garbage-stdin-parse 'error:' -- instantiate --parse -
# Garbage after a valid prefix: the position must point into the file.
gen 'import sys; sys.stdout.buffer.write(b"let x = 1; in x + \x80\xfe\x01\x02")' garbage-tail.nix
expect_err binary-garbage-after-prefix 'garbage-tail.nix:1:' -- instantiate --eval garbage-tail.nix

# Invalid UTF-8: outside strings it is no token; inside strings bytes are kept as they are.
gen 'import sys; sys.stdout.buffer.write(b"\xff\xfe")' badutf8.nix
expect_err invalid-utf8-token 'error:' -- instantiate --eval badutf8.nix
gen 'import sys; sys.stdout.buffer.write(b"\"a\xff\xfeb\"")' badutf8-string.nix
expect_ok invalid-utf8-in-string "$(printf '"a\xff\xfeb"')" -- instantiate --eval badutf8-string.nix
gen 'import sys; sys.stdout.buffer.write(b"{ \xc3\x28 = 1; }")' badutf8-attr.nix
expect_err invalid-utf8-attr-name 'error:' -- instantiate --eval badutf8-attr.nix

# NUL bytes in source text.
gen 'import sys; sys.stdout.buffer.write(b"1 + \0 2")' nul.nix
expect_err nul-in-source 'nul.nix:1:' -- instantiate --eval nul.nix
gen 'import sys; sys.stdout.buffer.write(b"\"ab\0cd\"")' nul-string.nix
expect_err nul-in-string-literal 'error:' -- instantiate --eval nul-string.nix

# Unterminated constructs.
printf '"abc' > unterm-string.nix
expect_err unterminated-string 'unexpected end of file' -- instantiate --eval unterm-string.nix
printf "''abc" > unterm-istring.nix
expect_err unterminated-indented-string 'unexpected end of file' -- instantiate --eval unterm-istring.nix
printf '"a${1' > unterm-interp.nix
expect_err unterminated-interpolation 'unexpected end of file' -- instantiate --eval unterm-interp.nix
printf '/* abc' > unterm-comment.nix
expect_err unterminated-comment 'error:' -- instantiate --eval unterm-comment.nix
printf '1 + /* abc\n\n' > unterm-comment2.nix
expect_err unterminated-comment-after-expr 'error:' -- instantiate --eval unterm-comment2.nix
printf '{ a = 1;' > unterm-attrs.nix
expect_err unterminated-attrset 'unexpected end of file' -- instantiate --eval unterm-attrs.nix
expect_err unterminated-list-expr 'unexpected end of file' -- instantiate --eval -E '[ 1 2'

# Numbers out of range.
expect_err huge-integer "invalid integer '99999999999999999999999'" -- instantiate --eval -E '99999999999999999999999'
expect_err huge-integer-in-file "invalid integer" -- instantiate --eval -E 'let x = 1; in x + 184467440737095516160'
expect_sane huge-float -- instantiate --eval -E '1.0e99999'

# 10^6-deep nesting in the parser.
gen 'print("(" * 1000000 + "1" + ")" * 1000000)' deep-parens.nix
expect_err deep-parens 'error:' -- instantiate --eval deep-parens.nix
STDIN=deep-parens.nix expect_err deep-parens-parse 'error:' -- instantiate --parse -
gen 'print("[" * 1000000 + "]" * 1000000)' deep-lists.nix
expect_err deep-lists 'error:' -- instantiate --eval deep-lists.nix
gen 'print("{a=" * 1000000 + "1" + ";}" * 1000000)' deep-attrs.nix
expect_err deep-attrsets 'error:' -- instantiate --eval deep-attrs.nix
gen 'print("let a = " * 1000000 + "1" + "; in a" * 1000000)' deep-lets.nix
expect_err deep-lets 'error:' -- instantiate --eval deep-lets.nix
gen 'print("x: " * 1000000 + "1")' deep-lambdas.nix
expect_sane deep-lambdas -- instantiate --eval deep-lambdas.nix
gen 'print("!" * 1000000 + "true")' deep-not.nix
expect_err deep-negations 'error:' -- instantiate --eval deep-not.nix
gen 'print("\"${" * 1000000 + "\"x\"" + "}\"" * 1000000)' deep-interp.nix
expect_err deep-interpolation 'error:' -- instantiate --eval deep-interp.nix

# 10^6 operands: a flat but 10^6-deep left-leaning tree for the evaluator. Either the sum or
# a clean error is acceptable.
gen 'print("1" + " + 1" * 1000000)' long-sum.nix
TIMEOUT=120 expect_sane long-sum-10e6 -- instantiate --eval long-sum.nix
gen 'print("[" + " 1" * 1000000 + " ]")' long-list.nix
TIMEOUT=120 expect_sane long-list-literal-10e6 -- instantiate --eval --strict long-list.nix

finish
