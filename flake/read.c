/* flake.nix: reading and validating description, inputs, outputs and nixConfig. */
#include <gc.h>
#include <stdlib.h>
#include <string.h>

#include "builtins/builtins.h"
#include "flake/flake.h"
#include "flake/internal.h"

const char *flake_pos_str(EvalState *st, PosIdx pos)
{
    Pos p = pos_get(st->positions, pos);
    if (!p.src || !p.src->path)
        return "\xc2\xabnone\xc2\xbb";
    return sb_fmt("%s:%u:%u", p.src->path, p.line, p.col);
}

/* ---------- input paths ---------- */

const char *input_path_str(const InputPath *p)
{
    StrBuf sb;
    sb_init(&sb);
    for (uint32_t i = 0; i < p->n; i++) {
        if (i)
            sb_putc(&sb, '/');
        sb_puts(&sb, p->v[i]);
    }
    return sb_finish(&sb);
}

InputPath input_path_append(const InputPath *p, const char *name)
{
    InputPath r = {GC_MALLOC((p->n + 1) * sizeof(char *)), p->n + 1};
    if (p->n)
        memcpy(r.v, p->v, p->n * sizeof(char *));
    r.v[p->n] = name;
    return r;
}

bool input_path_equal(const InputPath *a, const InputPath *b)
{
    if (a->n != b->n)
        return false;
    for (uint32_t i = 0; i < a->n; i++)
        if (strcmp(a->v[i], b->v[i]) != 0)
            return false;
    return true;
}

InputPath input_path_parse(EvalState *st, const char *s, PosIdx pos)
{
    InputPath r = {0};
    while (*s) {
        size_t n = strcspn(s, "/");
        if (n) {
            if (!bi_is_flake_id(s, n))
                eval_error(st, ERR_EVAL, pos, "invalid flake input attribute path element '%.*s'", (int)n, s);
            r = input_path_append(&r, val_str_dup(s, n));
        }
        s += n;
        if (*s == '/')
            s++;
    }
    return r;
}

/* ---------- flake.nix ---------- */

/* CppNix's isTrivial: flake.nix may only use values known without evaluation. */
static bool is_trivial(const Value *v)
{
    if (v->type == T_APP || v->type == T_PRIMOP_APP)
        return false;
    if (v->type != T_THUNK)
        return true;
    switch (v->thunk.expr->kind) {
    case EXPR_ATTRS: case EXPR_LAMBDA: case EXPR_LIST: case EXPR_INT: case EXPR_FLOAT: case EXPR_STRING: case EXPR_PATH:
        return true;
    default:
        return false;
    }
}

static const char *type_word(ValueType t)
{
    switch (t) {
    case T_NULL: return "null";
    case T_BOOL: return "a Boolean";
    case T_INT: return "an integer";
    case T_FLOAT: return "a float";
    case T_STRING: return "a string";
    case T_PATH: return "a path";
    case T_LIST: return "a list";
    case T_ATTRS: return "a set";
    case T_LAMBDA: case T_PRIMOP: case T_PRIMOP_APP: return "a function";
    default: return "a thunk";
    }
}

/* "expected a string but got a thunk at FILE:L:C" (CppNix's expectType). */
static void expect_type(EvalState *st, ValueType want, Value *v, PosIdx pos)
{
    if (is_trivial(v))
        eval_force(st, v, pos);
    ValueType t = v->type;
    if (t == T_PRIMOP || t == T_PRIMOP_APP)
        t = T_LAMBDA;
    if (t != want)
        eval_error(st, ERR_EVAL, 0, "expected %s but got %s at %s", type_word(want), type_word(t), flake_pos_str(st, pos));
}

static void parse_inputs(EvalState *st, Value *v, PosIdx pos, const InputPath *prefix, bool allow_self,
                         FlakeInputs *out);

static void parse_input(EvalState *st, const char *name, Value *v, PosIdx pos, const InputPath *prefix, FlakeInput *in)
{
    expect_type(st, T_ATTRS, v, pos);
    memset(in, 0, sizeof *in);
    in->name = name;
    in->is_flake = true;
    in->pos = pos;
    FlakeAttrs attrs = {0};
    const char *url = NULL;
    Bindings *b = val_attrs(v);
    uint32_t *order = attrs_sorted_by_name(st, b);
    for (uint32_t k = 0; k < b->size; k++) {
        Attr *a = &b->attrs[order[k]];
        const char *an = sym_name(st->symbols, a->name);
        eval_frame_push(st, a->pos, sb_fmt("while evaluating flake attribute '%s'", an));
        if (strcmp(an, "url") == 0) {
            if (is_trivial(a->value))
                eval_force(st, a->value, a->pos);
            if (a->value->type != T_STRING)
                eval_error(st, ERR_EVAL, 0, "expected a string but got %s at %s", type_word(a->value->type),
                           flake_pos_str(st, a->pos));
            url = val_str(a->value);
            flake_attrs_set_str(&attrs, "url", url);
        } else if (strcmp(an, "flake") == 0) {
            expect_type(st, T_BOOL, a->value, a->pos);
            in->is_flake = a->value->boolean;
        } else if (strcmp(an, "inputs") == 0) {
            parse_inputs(st, a->value, a->pos, prefix, false, &in->overrides);
        } else if (strcmp(an, "follows") == 0) {
            expect_type(st, T_STRING, a->value, a->pos);
            InputPath f = input_path_parse(st, val_str(a->value), a->pos);
            InputPath full = *prefix;
            for (uint32_t i = 0; i < f.n; i++)
                full = input_path_append(&full, f.v[i]);
            in->has_follows = true;
            in->follows = full;
        } else {
            if (is_trivial(a->value))
                eval_force(st, a->value, a->pos);
            Value *x = a->value;
            if (x->type == T_STRING)
                flake_attrs_set_str(&attrs, an, val_str(x));
            else if (x->type == T_BOOL)
                flake_attrs_set_int(&attrs, an, x->boolean, true);
            else if (x->type == T_INT) {
                if (x->integer < 0)
                    eval_error(st, ERR_EVAL, a->pos, "negative value given for flake input attribute %s: %lld", an,
                               (long long)x->integer);
                flake_attrs_set_int(&attrs, an, x->integer, false);
            } else
                eval_error(st, ERR_TYPE, a->pos,
                           "flake input attribute '%s' is %s while a string, Boolean, or integer is expected", an,
                           type_word(x->type));
        }
        eval_frame_pop(st);
    }
    if (flake_attrs_get(&attrs, "type")) {
        in->has_ref = true;
        in->ref = attrs;
    } else {
        flake_attrs_del(&attrs, "url");
        if (attrs.n)
            eval_error(st, ERR_EVAL, 0, "unexpected flake input attribute '%s', at %s", attrs.v[0].name,
                       flake_pos_str(st, pos));
        if (url) {
            in->has_ref = true;
            in->ref = flake_ref_parse(st, url, NULL, pos);
        }
    }
    if (in->has_ref && in->has_follows)
        eval_error(st, ERR_EVAL, 0, "flake input has both a flake reference and a follows attribute, at %s",
                   flake_pos_str(st, pos));
}

static int cmp_input(const void *a, const void *b)
{
    return strcmp(((const FlakeInput *)a)->name, ((const FlakeInput *)b)->name);
}

static void parse_inputs(EvalState *st, Value *v, PosIdx pos, const InputPath *prefix, bool allow_self,
                         FlakeInputs *out)
{
    expect_type(st, T_ATTRS, v, pos);
    Bindings *b = val_attrs(v);
    out->v = GC_MALLOC((b->size + 1) * sizeof *out->v);
    out->n = 0;
    for (uint32_t i = 0; i < b->size; i++) {
        Attr *a = &b->attrs[i];
        const char *name = sym_name(st->symbols, a->name);
        if (strcmp(name, "self") == 0) {
            if (!allow_self)
                eval_error(st, ERR_EVAL, 0, "'self' input attribute not allowed at %s", flake_pos_str(st, a->pos));
            expect_type(st, T_ATTRS, a->value, a->pos);
            continue; /* self attributes (submodules, lfs): cnix reads them from the tree as given */
        }
        parse_input(st, name, a->value, a->pos, prefix, &out->v[out->n++]);
    }
    qsort(out->v, out->n, sizeof *out->v, cmp_input);
}

static const FlakeInput *find_input(const FlakeInputs *ins, const char *name)
{
    for (uint32_t i = 0; i < ins->n; i++)
        if (strcmp(ins->v[i].name, name) == 0)
            return &ins->v[i];
    return NULL;
}

void flake_read(EvalState *st, const char *dir, const char *ref_str, const InputPath *lock_prefix, Flake *out)
{
    memset(out, 0, sizeof *out);
    out->dir = dir;
    out->flake_nix = sb_fmt("%s/flake.nix", dir);
    Expr *e = eval_parse_file(st, out->flake_nix);
    if (e->kind != EXPR_ATTRS)
        eval_error(st, ERR_EVAL, 0, "file '%s' must be an attribute set", out->flake_nix);
    Value *v = val_alloc(st);
    eval_import(st, out->flake_nix, v, 0);
    Bindings *b = val_attrs(v);
    Symbol s_inputs = sym_intern_cstr(st->symbols, "inputs"), s_outputs = sym_intern_cstr(st->symbols, "outputs"),
           s_config = sym_intern_cstr(st->symbols, "nixConfig");
    /* unsupported attributes first: they make the rest meaningless */
    uint32_t *order = attrs_sorted_by_name(st, b);
    for (uint32_t k = 0; k < b->size; k++) {
        Attr *a = &b->attrs[order[k]];
        if (a->name != st->s.description && a->name != s_inputs && a->name != s_outputs && a->name != s_config)
            eval_error(st, ERR_EVAL, 0, "flake '%s' has an unsupported attribute '%s', at %s", ref_str,
                       sym_name(st->symbols, a->name), flake_pos_str(st, a->pos));
    }
    Attr *a = attrs_find(b, st->s.description);
    if (a) {
        expect_type(st, T_STRING, a->value, a->pos);
        out->description = val_str(a->value);
    }
    a = attrs_find(b, s_inputs);
    if (a)
        parse_inputs(st, a->value, a->pos, lock_prefix, true, &out->inputs);
    a = attrs_find(b, s_outputs);
    if (!a)
        eval_error(st, ERR_EVAL, 0, "flake '%s' lacks attribute 'outputs'", ref_str);
    expect_type(st, T_LAMBDA, a->value, a->pos);
    out->outputs = a->value;
    if (a->value->type == T_LAMBDA && a->value->lambda.fun->formals) {
        /* formals not declared as inputs are indirect inputs ("nixpkgs" -> flake:nixpkgs) */
        Formals *fs = a->value->lambda.fun->formals;
        for (uint32_t i = 0; i < fs->n; i++) {
            const char *name = sym_name(st->symbols, fs->items[i].name);
            if (fs->items[i].name == st->s.self || find_input(&out->inputs, name))
                continue;
            FlakeInput *nv = GC_MALLOC((out->inputs.n + 1) * sizeof *nv);
            if (out->inputs.n)
                memcpy(nv, out->inputs.v, out->inputs.n * sizeof *nv);
            FlakeInput *in = &nv[out->inputs.n];
            memset(in, 0, sizeof *in);
            in->name = name;
            in->is_flake = true;
            in->has_ref = true;
            in->pos = fs->items[i].pos;
            flake_attrs_set_str(&in->ref, "id", name);
            flake_attrs_set_str(&in->ref, "type", "indirect");
            out->inputs.v = nv;
            out->inputs.n++;
            qsort(out->inputs.v, out->inputs.n, sizeof *out->inputs.v, cmp_input);
        }
    }
    a = attrs_find(b, s_config);
    if (a) {
        expect_type(st, T_ATTRS, a->value, a->pos);
        Bindings *cb = val_attrs(a->value);
        for (uint32_t i = 0; i < cb->size; i++) {
            Value *x = cb->attrs[i].value;
            if (is_trivial(x))
                eval_force(st, x, cb->attrs[i].pos);
            if (x->type != T_STRING && x->type != T_INT && x->type != T_BOOL && x->type != T_LIST && x->type != T_PATH)
                eval_error(st, ERR_TYPE, cb->attrs[i].pos, "flake configuration setting '%s' is %s",
                           sym_name(st->symbols, cb->attrs[i].name), eval_type_name(x));
        }
        out->nix_config = a->value;
    }
}
