/* builtins.foreignFunction: typed C functions from shared libraries, called through libffi. */
#include <dlfcn.h>
#include <ffi.h>
#include <gc/gc.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "native/native.h"

/* The most arguments a foreign function takes: one primop argument slot
 * carries the prepared call, PrimOp arity is at most 8. */
#define FF_MAX_ARGS 7

typedef enum CType {
    CT_INT8, CT_INT16, CT_INT32, CT_INT64, CT_UINT8, CT_UINT16, CT_UINT32, CT_UINT64,
    CT_INT, CT_LONG, CT_SIZE_T, CT_FLOAT, CT_DOUBLE, CT_STRING, CT_POINTER, CT_VOID,
} CType;

typedef struct CTypeInfo {
    const char *name;
    ffi_type *ffi;
    int64_t min;  /* integers: the range a Nix integer must lie in */
    uint64_t max;
    bool is_unsigned;
} CTypeInfo;

#if SIZE_MAX == UINT64_MAX
#define FFI_SIZE_T ffi_type_uint64
#else
#define FFI_SIZE_T ffi_type_uint32
#endif
#if LONG_MAX == INT64_MAX
#define FFI_LONG ffi_type_sint64
#else
#define FFI_LONG ffi_type_sint32
#endif

static const CTypeInfo ctypes[] = {
    [CT_INT8] = {"int8", &ffi_type_sint8, INT8_MIN, INT8_MAX, false},
    [CT_INT16] = {"int16", &ffi_type_sint16, INT16_MIN, INT16_MAX, false},
    [CT_INT32] = {"int32", &ffi_type_sint32, INT32_MIN, INT32_MAX, false},
    [CT_INT64] = {"int64", &ffi_type_sint64, INT64_MIN, INT64_MAX, false},
    [CT_UINT8] = {"uint8", &ffi_type_uint8, 0, UINT8_MAX, true},
    [CT_UINT16] = {"uint16", &ffi_type_uint16, 0, UINT16_MAX, true},
    [CT_UINT32] = {"uint32", &ffi_type_uint32, 0, UINT32_MAX, true},
    [CT_UINT64] = {"uint64", &ffi_type_uint64, 0, UINT64_MAX, true},
    [CT_INT] = {"int", &ffi_type_sint, INT_MIN, INT_MAX, false},
    [CT_LONG] = {"long", &FFI_LONG, LONG_MIN, LONG_MAX, false},
    [CT_SIZE_T] = {"size_t", &FFI_SIZE_T, 0, SIZE_MAX, true},
    [CT_FLOAT] = {"float", &ffi_type_float, 0, 0, false},
    [CT_DOUBLE] = {"double", &ffi_type_double, 0, 0, false},
    [CT_STRING] = {"string", &ffi_type_pointer, 0, 0, false},
    [CT_POINTER] = {"pointer", &ffi_type_pointer, 0, 0, false},
    [CT_VOID] = {"void", &ffi_type_void, 0, 0, false},
};
#define NCTYPES (sizeof ctypes / sizeof ctypes[0])

static bool is_integer(CType t) { return t <= CT_SIZE_T; }

/* A prepared foreign call: made once by foreignFunction, used by every call. */
typedef struct ForeignFn {
    ffi_cif cif;
    ffi_type *atypes[FF_MAX_ARGS];
    uint8_t kinds[FF_MAX_ARGS]; /* CType of each argument */
    uint8_t ret;                /* CType of the result */
    uint32_t nargs;
    void (*fn)(void);
    const char *symbol;
} ForeignFn;

/* One argument's C storage. */
typedef union Slot {
    int8_t i8; int16_t i16; int32_t i32; int64_t i64;
    uint8_t u8; uint16_t u16; uint32_t u32; uint64_t u64;
    int i; long l; size_t z; float f; double d; void *p;
} Slot;

static const char *type_list(void)
{
    return "int8, int16, int32, int64, uint8, uint16, uint32, uint64, int, long, size_t, float, "
           "double, string, pointer, void";
}

static CType parse_ctype(EvalState *st, PosIdx pos, Value *v, const char *what)
{
    const char *name = eval_force_string_no_ctx(
        st, v, pos, "while evaluating a C type name passed to builtins.foreignFunction");
    for (size_t i = 0; i < NCTYPES; i++)
        if (strcmp(ctypes[i].name, name) == 0)
            return (CType)i;
    eval_error(st, ERR_EVAL, pos, "unknown C type '%s' for %s in builtins.foreignFunction; known types: %s",
               name, what, type_list());
}

static const char *ordinal_arg(EvalState *st, uint32_t i)
{
    char buf[32];
    snprintf(buf, sizeof buf, "argument %u", i + 1);
    return val_str_dup(buf, strlen(buf));
}

_Noreturn static void arg_type_error(EvalState *st, PosIdx pos, const ForeignFn *ff, uint32_t i,
                                     const char *expected, Value *v)
{
    eval_error(st, ERR_TYPE, pos,
               "%s of foreign function '%s' (C type '%s') must be %s, but it is %s",
               ordinal_arg(st, i), ff->symbol, ctypes[ff->kinds[i]].name, expected,
               eval_type_name(v));
}

/* Converts Nix value v to the C type of argument i. */
static void to_c(EvalState *st, PosIdx pos, const ForeignFn *ff, uint32_t i, Value *v, Slot *s)
{
    CType t = (CType)ff->kinds[i];
    eval_force(st, v, pos);
    if (is_integer(t)) {
        if (v->type != T_INT)
            arg_type_error(st, pos, ff, i, "an integer", v);
        int64_t n = v->integer;
        const CTypeInfo *ti = &ctypes[t];
        bool ok = ti->is_unsigned ? n >= 0 && (uint64_t)n <= ti->max
                                  : n >= ti->min && n <= (int64_t)ti->max;
        if (!ok)
            eval_error(st, ERR_EVAL, pos,
                       "integer %lld is out of range for C type '%s' (%s of foreign function '%s')",
                       (long long)n, ti->name, ordinal_arg(st, i), ff->symbol);
        switch (t) {
        case CT_INT8: s->i8 = (int8_t)n; break;
        case CT_INT16: s->i16 = (int16_t)n; break;
        case CT_INT32: s->i32 = (int32_t)n; break;
        case CT_INT64: s->i64 = n; break;
        case CT_UINT8: s->u8 = (uint8_t)n; break;
        case CT_UINT16: s->u16 = (uint16_t)n; break;
        case CT_UINT32: s->u32 = (uint32_t)n; break;
        case CT_UINT64: s->u64 = (uint64_t)n; break;
        case CT_INT: s->i = (int)n; break;
        case CT_LONG: s->l = (long)n; break;
        default: s->z = (size_t)n; break;
        }
        return;
    }
    switch (t) {
    case CT_FLOAT:
    case CT_DOUBLE: {
        double d;
        if (v->type == T_FLOAT)
            d = v->fpoint;
        else if (v->type == T_INT)
            d = (double)v->integer;
        else
            arg_type_error(st, pos, ff, i, "a float or an integer", v);
        if (t == CT_FLOAT)
            s->f = (float)d;
        else
            s->d = d;
        return;
    }
    case CT_STRING:
        if (v->type != T_STRING)
            arg_type_error(st, pos, ff, i, "a string", v);
        if (memchr(val_str(v), 0, v->len))
            eval_error(st, ERR_EVAL, pos,
                       "%s of foreign function '%s' contains a NUL byte and cannot be a C string",
                       ordinal_arg(st, i), ff->symbol);
        /* A private copy: the C function may write to it. */
        s->p = (void *)val_str_dup(val_str(v), v->len);
        return;
    case CT_POINTER:
        if (v->type == T_NULL)
            s->p = NULL;
        else if (v->type == T_EXTERNAL)
            s->p = v->external.ptr;
        else
            arg_type_error(st, pos, ff, i, "a pointer (an external value) or null", v);
        return;
    default:
        eval_error(st, ERR_EVAL, pos, "internal error: bad C argument type");
    }
}

/* Converts the C result (libffi widens small integers to ffi_arg) to a Nix value. */
static void from_c(EvalState *st, PosIdx pos, const ForeignFn *ff, const void *rv, Value *out)
{
    ffi_sarg sa;
    ffi_arg ua;
    memcpy(&sa, rv, sizeof sa);
    memcpy(&ua, rv, sizeof ua);
    switch ((CType)ff->ret) {
    case CT_INT8: val_set_int(out, (int8_t)sa); return;
    case CT_INT16: val_set_int(out, (int16_t)sa); return;
    case CT_INT32: val_set_int(out, (int32_t)sa); return;
    case CT_INT: val_set_int(out, (int)sa); return;
    case CT_UINT8: val_set_int(out, (uint8_t)ua); return;
    case CT_UINT16: val_set_int(out, (uint16_t)ua); return;
    case CT_UINT32: val_set_int(out, (uint32_t)ua); return;
    case CT_INT64:
    case CT_LONG: {
        int64_t n;
        memcpy(&n, rv, sizeof n);
        val_set_int(out, n);
        return;
    }
    case CT_UINT64:
    case CT_SIZE_T: {
        uint64_t n;
        if (ff->ret == CT_SIZE_T) {
            size_t z;
            memcpy(&z, rv, sizeof z);
            n = z;
        } else {
            memcpy(&n, rv, sizeof n);
        }
        if (n > (uint64_t)INT64_MAX)
            eval_error(st, ERR_EVAL, pos,
                       "result %llu of foreign function '%s' (C type '%s') does not fit in a Nix "
                       "integer",
                       (unsigned long long)n, ff->symbol, ctypes[ff->ret].name);
        val_set_int(out, (int64_t)n);
        return;
    }
    case CT_FLOAT: {
        float f;
        memcpy(&f, rv, sizeof f);
        val_set_float(out, f);
        return;
    }
    case CT_DOUBLE: {
        double d;
        memcpy(&d, rv, sizeof d);
        val_set_float(out, d);
        return;
    }
    case CT_STRING: {
        const char *s;
        memcpy(&s, rv, sizeof s);
        if (s)
            val_make_string(out, s);
        else
            val_set_null(out);
        return;
    }
    case CT_POINTER: {
        void *p;
        memcpy(&p, rv, sizeof p);
        out->type = T_EXTERNAL;
        out->external.ptr = p;
        out->external.type_name = "pointer";
        return;
    }
    case CT_VOID: val_set_null(out); return;
    }
}

/* The primop behind every foreign function: args[0] is the prepared call
 * (an external value), the rest are the Nix arguments. */
static void ff_call(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    const ForeignFn *ff = args[0]->external.ptr;
    Slot slots[FF_MAX_ARGS];
    void *avalues[FF_MAX_ARGS];
    if (ff->nargs == 0) {
        eval_force(st, args[1], pos);
        if (args[1]->type != T_NULL)
            eval_error(st, ERR_TYPE, pos,
                       "foreign function '%s' takes no C arguments and must be applied to null, "
                       "not %s",
                       ff->symbol, eval_type_name(args[1]));
    }
    for (uint32_t i = 0; i < ff->nargs; i++) {
        to_c(st, pos, ff, i, args[1 + i], &slots[i]);
        avalues[i] = &slots[i];
    }
    /* Large enough for any result, aligned for all of them. */
    union { ffi_arg a; double d; void *p; uint64_t u; char pad[16]; } rv;
    memset(&rv, 0, sizeof rv);
    ffi_call((ffi_cif *)&ff->cif, ff->fn, &rv, avalues);
    from_c(st, pos, ff, &rv, out);
}

static Value *req_attr(EvalState *st, PosIdx pos, Bindings *b, const char *name)
{
    Symbol sym = sym_intern_cstr(st->symbols, name);
    Attr *a = attrs_find(b, sym);
    if (!a)
        eval_error(st, ERR_EVAL, pos, "attribute '%s' missing in the argument of builtins.foreignFunction",
                   name);
    return a->value;
}

void native_prim_foreign_function(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    native_check_gate(st, pos, "foreignFunction");
    Bindings *b = eval_force_attrs(st, args[0], pos,
                                   "while evaluating the first argument passed to builtins.foreignFunction");
    static const char *const known[] = {"library", "symbol", "args", "returns"};
    for (uint32_t i = 0; i < b->size; i++) {
        const char *n = sym_name(st->symbols, b->attrs[i].name);
        bool ok = false;
        for (size_t k = 0; k < 4; k++)
            ok = ok || strcmp(n, known[k]) == 0;
        if (!ok)
            eval_error(st, ERR_EVAL, pos,
                       "unexpected attribute '%s' in the argument of builtins.foreignFunction "
                       "(expected library, symbol, args, returns)",
                       n);
    }

    Value *lib_v = req_attr(st, pos, b, "library");
    eval_force(st, lib_v, pos);
    const char *library = NULL; /* NULL: the running program and its libraries */
    if (lib_v->type == T_PATH)
        library = lib_v->path.path;
    else if (lib_v->type != T_NULL)
        library = eval_force_string_no_ctx(st, lib_v, pos,
                                           "while evaluating the 'library' attribute passed to builtins.foreignFunction");
    const char *symbol = eval_force_string_no_ctx(
        st, req_attr(st, pos, b, "symbol"), pos,
        "while evaluating the 'symbol' attribute passed to builtins.foreignFunction");

    ForeignFn *ff = GC_MALLOC(sizeof *ff);
    ff->symbol = symbol;
    Value *args_v = req_attr(st, pos, b, "args");
    eval_force_list(st, args_v, pos,
                    "while evaluating the 'args' attribute passed to builtins.foreignFunction");
    if (args_v->len > FF_MAX_ARGS)
        eval_error(st, ERR_EVAL, pos,
                   "foreign function '%s' declares %u arguments; at most %d are supported", symbol,
                   args_v->len, FF_MAX_ARGS);
    ff->nargs = args_v->len;
    for (uint32_t i = 0; i < ff->nargs; i++) {
        CType t = parse_ctype(st, pos, val_list(args_v)[i], ordinal_arg(st, i));
        if (t == CT_VOID)
            eval_error(st, ERR_EVAL, pos,
                       "C type 'void' is only allowed as the result of a foreign function (%s of '%s')",
                       ordinal_arg(st, i), symbol);
        ff->kinds[i] = (uint8_t)t;
        ff->atypes[i] = ctypes[t].ffi;
    }
    ff->ret = (uint8_t)parse_ctype(st, pos, req_attr(st, pos, b, "returns"), "the result");

    void *h = dlopen(library, RTLD_NOW | RTLD_LOCAL);
    if (!h)
        eval_error(st, ERR_EVAL, pos, "could not open library '%s': %s",
                   library ? library : "(program)", dlerror());
    dlerror();
    void *sym = dlsym(h, symbol);
    if (!sym) {
        const char *msg = dlerror();
        eval_error(st, ERR_EVAL, pos, "could not find symbol '%s' in library '%s': %s", symbol,
                   library ? library : "(program)", msg ? msg : "it resolved to NULL");
    }
    ff->fn = (void (*)(void))sym;
    if (ffi_prep_cif(&ff->cif, FFI_DEFAULT_ABI, ff->nargs, ctypes[ff->ret].ffi, ff->atypes) !=
        FFI_OK)
        eval_error(st, ERR_EVAL, pos, "libffi cannot prepare a call to '%s'", symbol);

    /* The result is a partial application of a primop made for this function,
     * with the prepared call as its first argument: applying the remaining
     * arguments runs ff_call. */
    PrimOp *op = GC_MALLOC(sizeof *op);
    op->name = symbol;
    op->arity = (uint8_t)(1 + (ff->nargs ? ff->nargs : 1));
    op->flags = 0;
    op->args = "ffi args";
    op->doc = "A foreign function made by builtins.foreignFunction.";
    op->fn = ff_call;
    Value *opv = val_alloc(st);
    opv->type = T_PRIMOP;
    opv->primop = op;
    Value *ffv = val_alloc(st);
    ffv->type = T_EXTERNAL;
    ffv->external.ptr = ff;
    ffv->external.type_name = "foreign-function";
    out->type = T_PRIMOP_APP;
    out->primop_app.left = opv;
    out->primop_app.right = ffv;
}
