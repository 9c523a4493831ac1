/* Primop family prim_arith: integer/float arithmetic, bit operations, comparison, rounding. */
#include "primops/primops.h"

#include <math.h>

/* Forces both operands: the result is a float if either is one (CppNix's rule for
 * builtins.add/sub/mul; ints are promoted by eval_force_float). */
static bool either_float(EvalState *st, Value **args)
{
    eval_force(st, args[0], 0);
    eval_force(st, args[1], 0);
    return args[0]->type == T_FLOAT || args[1]->type == T_FLOAT;
}

static void prim_add(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    if (either_float(st, args)) {
        double a = eval_force_float(st, args[0], 0, "while evaluating the first argument of the addition");
        double b = eval_force_float(st, args[1], 0, "while evaluating the second argument of the addition");
        val_set_float(out, a + b);
        return;
    }
    int64_t a = eval_force_int(st, args[0], 0, "while evaluating the first argument of the addition");
    int64_t b = eval_force_int(st, args[1], 0, "while evaluating the second argument of the addition");
    int64_t r;
    if (__builtin_add_overflow(a, b, &r))
        eval_error(st, ERR_EVAL, 0, "integer overflow in adding %lld + %lld", (long long)a, (long long)b);
    val_set_int(out, r);
}

static void prim_sub(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    if (either_float(st, args)) {
        double a = eval_force_float(st, args[0], 0, "while evaluating the first argument of the subtraction");
        double b = eval_force_float(st, args[1], 0, "while evaluating the second argument of the subtraction");
        val_set_float(out, a - b);
        return;
    }
    int64_t a = eval_force_int(st, args[0], 0, "while evaluating the first argument of the subtraction");
    int64_t b = eval_force_int(st, args[1], 0, "while evaluating the second argument of the subtraction");
    int64_t r;
    if (__builtin_sub_overflow(a, b, &r))
        eval_error(st, ERR_EVAL, 0, "integer overflow in subtracting %lld - %lld", (long long)a, (long long)b);
    val_set_int(out, r);
}

static void prim_mul(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    if (either_float(st, args)) {
        /* "the first of the multiplication" is CppNix's wording, typo included. */
        double a = eval_force_float(st, args[0], 0, "while evaluating the first of the multiplication");
        double b = eval_force_float(st, args[1], 0, "while evaluating the second argument of the multiplication");
        val_set_float(out, a * b);
        return;
    }
    int64_t a = eval_force_int(st, args[0], 0, "while evaluating the first argument of the multiplication");
    int64_t b = eval_force_int(st, args[1], 0, "while evaluating the second argument of the multiplication");
    int64_t r;
    if (__builtin_mul_overflow(a, b, &r))
        eval_error(st, ERR_EVAL, 0, "integer overflow in multiplying %lld * %lld", (long long)a, (long long)b);
    val_set_int(out, r);
}

static void prim_div(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    eval_force(st, args[0], 0);
    eval_force(st, args[1], 0);
    /* The divisor is checked (as a float) before the dividend's type: `div "x" 0`
     * reports division by zero. */
    double d = eval_force_float(st, args[1], 0, "while evaluating the second operand of the division");
    if (d == 0)
        eval_error(st, ERR_EVAL, 0, "division by zero");
    if (args[0]->type == T_FLOAT || args[1]->type == T_FLOAT) {
        double a = eval_force_float(st, args[0], 0, "while evaluating the first operand of the division");
        val_set_float(out, a / d);
        return;
    }
    int64_t a = eval_force_int(st, args[0], 0, "while evaluating the first operand of the division");
    int64_t b = eval_force_int(st, args[1], 0, "while evaluating the second operand of the division");
    if (a == INT64_MIN && b == -1)
        eval_error(st, ERR_EVAL, 0, "integer overflow in dividing %lld / %lld", (long long)a, (long long)b);
    val_set_int(out, a / b);
}

static void prim_bitAnd(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    int64_t a = eval_force_int(st, args[0], 0, "while evaluating the first argument passed to builtins.bitAnd");
    int64_t b = eval_force_int(st, args[1], 0, "while evaluating the second argument passed to builtins.bitAnd");
    val_set_int(out, a & b);
}

static void prim_bitOr(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    int64_t a = eval_force_int(st, args[0], 0, "while evaluating the first argument passed to builtins.bitOr");
    int64_t b = eval_force_int(st, args[1], 0, "while evaluating the second argument passed to builtins.bitOr");
    val_set_int(out, a | b);
}

static void prim_bitXor(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    int64_t a = eval_force_int(st, args[0], 0, "while evaluating the first argument passed to builtins.bitXor");
    int64_t b = eval_force_int(st, args[1], 0, "while evaluating the second argument passed to builtins.bitXor");
    val_set_int(out, a ^ b);
}

static void prim_lessThan(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    eval_force(st, args[0], 0);
    eval_force(st, args[1], 0);
    val_set_bool(out, eval_compare(st, args[0], args[1], 0, NULL) < 0);
}

/* ceil/floor: the rounded float must fit an int64; int arguments go through a
 * double too (CppNix does, and reports the precision loss as an error). */
static void round_to_int(EvalState *st, Value *arg, double (*round)(double), const char *ctx, Value *out)
{
    double x = eval_force_float(st, arg, 0, ctx);
    double r = round(x);
    bool is_int = arg->type == T_INT;
    /* -2^63 is exact as a double; 2^63 is the first value out of range. */
    if (!(r >= -9223372036854775808.0 && r < 9223372036854775808.0)) {
        if (is_int)
            eval_error(st, ERR_EVAL, 0,
                       "Due to a bug (see https://github.com/NixOS/nix/issues/12899) the NixInt argument %lld "
                       "caused undefined behavior in previous Nix versions.\n\tFuture Nix versions might "
                       "implement the correct behavior.",
                       (long long)arg->integer);
        eval_error(st, ERR_EVAL, 0, "NixFloat argument %g is not in the range of NixInt", x);
    }
    int64_t res = (int64_t)r;
    if (is_int && res != arg->integer)
        eval_error(st, ERR_EVAL, 0,
                   "Due to a bug (see https://github.com/NixOS/nix/issues/12899) a loss of precision occurred "
                   "in previous Nix versions because the NixInt argument %lld was rounded to %lld.\n\tFuture "
                   "Nix versions might implement the correct behavior.",
                   (long long)arg->integer, (long long)res);
    val_set_int(out, res);
}

static void prim_ceil(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    round_to_int(st, args[0], ceil, "while evaluating the first argument passed to builtins.ceil", out);
}

static void prim_floor(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    round_to_int(st, args[0], floor, "while evaluating the first argument passed to builtins.floor", out);
}

const PrimOp prim_arith[] = {
    {"add", 2, 0, "e1 e2",
     "Return the sum of the numbers *e1* and *e2*: `builtins.add 1 2` is `3`. If either is a float the "
     "result is a float; integer overflow is an error.",
     prim_add},
    {"sub", 2, 0, "e1 e2",
     "Return the difference *e1* - *e2*: `builtins.sub 5 7` is `-2`. Floats as for `add`; integer "
     "overflow is an error. `a - b` is evaluated as this primop.",
     prim_sub},
    {"mul", 2, 0, "e1 e2",
     "Return the product *e1* \\* *e2*: `builtins.mul 6 7` is `42`. Floats as for `add`; integer "
     "overflow is an error.",
     prim_mul},
    {"div", 2, 0, "e1 e2",
     "Return the quotient *e1* / *e2*: `builtins.div 7 2` is `3` (integer division truncates toward "
     "zero), `builtins.div 7.0 2` is `3.5`. Division by zero (also `0.0`) is an error, as is "
     "dividing the smallest integer by -1.",
     prim_div},
    {"bitAnd", 2, 0, "e1 e2",
     "Return the bitwise AND of the integers *e1* and *e2*: `builtins.bitAnd 12 10` is `8`.", prim_bitAnd},
    {"bitOr", 2, 0, "e1 e2",
     "Return the bitwise OR of the integers *e1* and *e2*: `builtins.bitOr 12 10` is `14`.", prim_bitOr},
    {"bitXor", 2, 0, "e1 e2",
     "Return the bitwise XOR of the integers *e1* and *e2*: `builtins.bitXor 12 10` is `6`.", prim_bitXor},
    {"lessThan", 2, 0, "e1 e2",
     "Return `true` if *e1* is less than *e2*, as the `<` operator: numbers (ints and floats mix), "
     "strings (bytewise), paths, and lists (lexicographically). Other types cannot be compared: "
     "`builtins.lessThan {} {}` is an error.",
     prim_lessThan},
    {"ceil", 1, 0, "number",
     "Round *number* up to the nearest integer: `builtins.ceil 1.2` is `2`, `builtins.ceil (-1.2)` is "
     "`-1`. An error if the result does not fit a 64-bit integer (NaN, infinities).",
     prim_ceil},
    {"floor", 1, 0, "number",
     "Round *number* down to the nearest integer: `builtins.floor 1.8` is `1`, `builtins.floor (-1.2)` "
     "is `-2`. An error if the result does not fit a 64-bit integer (NaN, infinities).",
     prim_floor},
    {0},
};
