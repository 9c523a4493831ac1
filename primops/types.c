/* Primop family prim_types: type predicates and builtins.typeOf. */
#include "primops/primops.h"

#include <string.h>

/* Each predicate forces its argument (only to weak head normal form). */
static ValueType forced_type(EvalState *st, Value *v)
{
    eval_force(st, v, 0);
    return (ValueType)v->type;
}

static void prim_isNull(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    val_set_bool(out, forced_type(st, args[0]) == T_NULL);
}

static void prim_isInt(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    val_set_bool(out, forced_type(st, args[0]) == T_INT);
}

static void prim_isFloat(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    val_set_bool(out, forced_type(st, args[0]) == T_FLOAT);
}

static void prim_isBool(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    val_set_bool(out, forced_type(st, args[0]) == T_BOOL);
}

static void prim_isString(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    val_set_bool(out, forced_type(st, args[0]) == T_STRING);
}

static void prim_isPath(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    val_set_bool(out, forced_type(st, args[0]) == T_PATH);
}

static void prim_isList(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    val_set_bool(out, forced_type(st, args[0]) == T_LIST);
}

static void prim_isAttrs(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    val_set_bool(out, forced_type(st, args[0]) == T_ATTRS);
}

/* Functor sets (with __functor) are attribute sets, not functions, here. */
static void prim_isFunction(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    ValueType t = forced_type(st, args[0]);
    val_set_bool(out, t == T_LAMBDA || t == T_PRIMOP || t == T_PRIMOP_APP);
}

static void prim_typeOf(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    eval_force(st, args[0], 0);
    const char *name = eval_type_of(args[0]);
    /* The names are static strings: no copy needed. */
    val_set_string(out, name, strlen(name), NULL);
}

const PrimOp prim_types[] = {
    {"isNull", 1, PRIM_GLOBAL, "e",
     "Return `true` if *e* evaluates to `null`, `false` otherwise; the same as `e == null`. "
     "Also bound globally as `isNull`.",
     prim_isNull},
    {"isInt", 1, 0, "e", "Return `true` if *e* evaluates to an integer: `builtins.isInt 1` is `true`, "
                         "`builtins.isInt 1.0` is `false`.",
     prim_isInt},
    {"isFloat", 1, 0, "e", "Return `true` if *e* evaluates to a float: `builtins.isFloat 1.0` is `true`, "
                           "`builtins.isFloat 1` is `false`.",
     prim_isFloat},
    {"isBool", 1, 0, "e", "Return `true` if *e* evaluates to a Boolean (`true` or `false`).", prim_isBool},
    {"isString", 1, 0, "e",
     "Return `true` if *e* evaluates to a string; paths are not strings: `builtins.isString ./x` is "
     "`false`.",
     prim_isString},
    {"isPath", 1, 0, "e", "Return `true` if *e* evaluates to a path: `builtins.isPath ./x` is `true`, "
                          "`builtins.isPath \"/x\"` is `false`.",
     prim_isPath},
    {"isList", 1, 0, "e", "Return `true` if *e* evaluates to a list: `builtins.isList [ ]` is `true`.",
     prim_isList},
    {"isAttrs", 1, 0, "e", "Return `true` if *e* evaluates to an attribute set: `builtins.isAttrs { }` is "
                           "`true`.",
     prim_isAttrs},
    {"isFunction", 1, 0, "e",
     "Return `true` if *e* evaluates to a function (a lambda or a primop, also partially applied). "
     "An attribute set with `__functor` is callable but is not a function here.",
     prim_isFunction},
    {"typeOf", 1, 0, "e",
     "Return the type of *e* as a string: `\"int\"`, `\"bool\"`, `\"string\"`, `\"path\"`, `\"null\"`, "
     "`\"set\"`, `\"list\"`, `\"lambda\"` or `\"float\"`. Example: `builtins.typeOf 1.5` is `\"float\"`; "
     "primops are `\"lambda\"` too.",
     prim_typeOf},
    {0},
};
