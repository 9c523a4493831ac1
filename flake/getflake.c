/* builtins.getFlake: locking and calling a flake from an expression. */
#include <string.h>
#include <unistd.h>

#include "flake/flake.h"
#include "flake/internal.h"

/* getFlake SETTINGS REF (SETTINGS is bound by flake_open). */
static void prim_get_flake(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    eval_force(st, args[0], pos);
    const FlakeSettings *fs = args[0]->type == T_EXTERNAL ? args[0]->external.ptr : NULL;
    const char *s = eval_force_string_no_ctx(st, args[1], pos, "while evaluating the argument passed to builtins.getFlake");
    bool pure = st->settings.pure_eval;
    char cwd[4096];
    if (pure || !getcwd(cwd, sizeof cwd))
        strcpy(cwd, "/");
    FlakeAttrs ref = flake_ref_parse(st, s, pure ? NULL : cwd, pos);
    if (pure && !flake_ref_is_locked(&ref))
        eval_error(st, ERR_EVAL, pos, "cannot call 'getFlake' on unlocked flake reference '%s' (use --impure to override)",
                   flake_ref_to_string(st, &ref));
    FlakeSettings local = fs ? *fs : (FlakeSettings){0};
    local.use_registries = local.use_registries && !pure;
    LockFlags flags;
    flake_lock_flags_default(&flags);
    flags.write_lock_file = false;
    flags.apply_nix_config = false;
    LockedFlake lf;
    flake_lock(st, &local, &ref, &flags, &lf);
    flake_call(st, fs, &lf, out);
    eval_force(st, out, pos);
}

static const PrimOp get_flake_op = {
    "getFlake", 2, 0, "settings args",
    "Fetch a flake from a flake reference, and return its output attributes and some metadata.\n\n"
    "    (builtins.getFlake \"path:/home/user/src/foo?narHash=sha256-...\").packages.x86_64-linux.default\n\n"
    "In pure evaluation mode the reference must be locked (a `rev` or a `narHash`); the flake's\n"
    "lock file is used but not written.",
    prim_get_flake};

void flake_open(EvalState *st, const FlakeSettings *fs)
{
    Value *op = val_alloc(st), *ext = val_alloc(st), *fn = val_alloc(st);
    op->type = T_PRIMOP;
    op->primop = &get_flake_op;
    ext->type = T_EXTERNAL;
    ext->external.ptr = (void *)fs;
    ext->external.type_name = "flake settings";
    fn->type = T_PRIMOP_APP;
    fn->primop_app.left = op;
    fn->primop_app.right = ext;
    /* builtins.getFlake only (CppNix binds no global name): a new builtins set in place */
    Bindings *b = val_attrs(st->builtins);
    Bindings *nb = attrs_alloc(st, b->size + 1);
    Symbol name = sym_intern_cstr(st->symbols, "getFlake");
    for (uint32_t i = 0; i < b->size; i++)
        if (b->attrs[i].name != name)
            attrs_push(nb, b->attrs[i].name, b->attrs[i].pos, b->attrs[i].value);
    attrs_push(nb, name, 0, fn);
    attrs_sort(nb);
    val_set_attrs(st->builtins, nb);
}
