/* nixConfig: the top-level flake's settings, applied when trusted (accept-flake-config or
 * one of CppNix's always-safe names), else ignored with CppNix's warning. */
#include <string.h>

#include "flake/flake.h"
#include "flake/internal.h"

static bool always_safe(const char *name)
{
    static const char *const safe[] = {"bash-prompt", "bash-prompt-prefix", "bash-prompt-suffix", "flake-registry",
                                       "commit-lock-file-summary", "commit-lockfile-summary", NULL};
    if (strncmp(name, "extra-", 6) == 0)
        name += 6;
    for (const char *const *s = safe; *s; s++)
        if (strcmp(*s, name) == 0)
            return true;
    return false;
}

/* The setting's value as nix.conf text: lists joined by spaces, paths copied to the store. */
static const char *setting_text(EvalState *st, Value *v, PosIdx pos)
{
    eval_force(st, v, pos);
    switch (v->type) {
    case T_STRING:
        return val_str(v);
    case T_INT:
        return sb_fmt("%lld", (long long)v->integer);
    case T_BOOL:
        return v->boolean ? "true" : "false";
    case T_PATH:
        return eval_coerce_to_string(st, v, pos, "while evaluating a flake configuration setting", COERCE_COPY_TO_STORE,
                                     NULL, NULL);
    case T_LIST: {
        StrBuf sb;
        sb_init(&sb);
        for (uint32_t i = 0; i < v->len; i++) {
            const char *s = eval_force_string_no_ctx(st, val_list(v)[i], pos,
                                                     "while evaluating a flake configuration setting");
            if (!*s && sb.len == 0)
                continue;
            if (sb.len)
                sb_putc(&sb, ' ');
            sb_puts(&sb, s);
        }
        return sb_finish(&sb);
    }
    default:
        return "";
    }
}

void flake_apply_config(EvalState *st, const FlakeSettings *fs, const Flake *f)
{
    if (!f->nix_config)
        return;
    Bindings *b = val_attrs(f->nix_config);
    uint32_t *order = attrs_sorted_by_name(st, b);
    for (uint32_t i = 0; i < b->size; i++) {
        Attr *a = &b->attrs[order[i]];
        const char *name = sym_name(st->symbols, a->name);
        const char *value = setting_text(st, a->value, a->pos);
        if (!always_safe(name) && !(fs && fs->accept_flake_config)) {
            flake_warn("ignoring untrusted flake configuration setting '%s'.\nPass '%s' to trust it", name,
                       "--accept-flake-config");
            continue;
        }
        if (fs && fs->apply_setting)
            fs->apply_setting(fs->apply_ctx, name, value);
    }
}
