/* nix-instantiate FILE: the derivations in a value (CppNix's getDerivations), written with
 * their closures, as the lines to print. */
#include <stdio.h>
#include <string.h>

#include "builtins/bistore.h"
#include "builtins/derivation.h"

typedef struct Found {
    PtrVec lines;
    StrMap done; /* by Bindings address, as CppNix's `done` set */
} Found;

static bool is_derivation_attrs(EvalState *st, Value *v)
{
    return v->type == T_ATTRS && eval_is_derivation(st, v);
}

static void add_derivation(EvalState *st, Value *v, Found *f)
{
    char key[32];
    snprintf(key, sizeof key, "%p", (void *)val_attrs(v)); /* flat: one key per set */
    if (strmap_get(&f->done, key))
        return;
    strmap_put(&f->done, bi_fmt("%s", key), (void *)1);
    Attr *dp = attrs_find(v->attrs, st->s.drvPath);
    if (!dp)
        eval_error(st, ERR_EVAL, 0, "derivation does not have attribute 'drvPath'");
    const char *drv_path = eval_force_string(st, dp->value, 0, "while evaluating the 'drvPath' attribute of a derivation");
    Attr *on = attrs_find(v->attrs, st->s.outputName);
    const char *output = on ? eval_force_string(st, on->value, 0, "while evaluating the output name of a derivation") : "out";
    if (!store_is_valid(bi_state(st)->ls, drv_path))
        eval_error(st, ERR_EVAL, 0, "derivation '%s' is not in the store (was the evaluation read-only?)", drv_path);
    bi_pv_push(&f->lines, strcmp(output, "out") == 0 ? drv_path : bi_fmt("%s!%s", drv_path, output));
}

static void get_derivations(EvalState *st, Value *v, Found *f, int depth)
{
    if (depth > 10000)
        eval_error(st, ERR_STACK_OVERFLOW, 0, "stack overflow; max-call-depth exceeded");
    eval_force(st, v, 0);
    if (is_derivation_attrs(st, v)) {
        add_derivation(st, v, f);
    } else if (v->type == T_ATTRS) {
        Bindings *b = val_attrs(v);
        uint32_t *order = attrs_sorted_by_name(st, b);
        for (uint32_t i = 0; i < b->size; i++) {
            Value *c = b->attrs[order[i]].value;
            eval_force(st, c, 0);
            if (is_derivation_attrs(st, c)) {
                add_derivation(st, c, f);
            } else if (c->type == T_ATTRS) {
                Attr *r = attrs_find(c->attrs, st->s.recurseForDerivations);
                if (r && eval_force_bool(st, r->value, 0, "while evaluating the attribute 'recurseForDerivations'"))
                    get_derivations(st, c, f, depth + 1);
            }
        }
    } else if (v->type == T_LIST) {
        for (uint32_t i = 0; i < v->len; i++)
            get_derivations(st, val_list(v)[i], f, depth + 1);
    } else if (depth == 0) {
        eval_error(st, ERR_TYPE, 0, "expression does not evaluate to a derivation (or a set or list of those)");
    }
}

const char **bi_instantiate(EvalState *st, Value *v, size_t *n)
{
    Found f;
    memset(&f, 0, sizeof f);
    get_derivations(st, v, &f, 0);
    *n = f.lines.n;
    return bi_pv_finish(&f.lines);
}
