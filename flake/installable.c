/* Installables FLAKEREF#ATTRPATH: locking the flake and finding the attribute with
 * CppNix's search order. */
#include <string.h>

#include "flake/flake.h"
#include "flake/internal.h"

bool flake_is_installable(const char *arg)
{
    if (strchr(arg, '#'))
        return true;
    static const char *const schemes[] = {"path:", "git+", "github:", "gitlab:", "sourcehut:", "flake:",
                                          "tarball+", "file+", NULL};
    for (const char *const *s = schemes; *s; s++)
        if (strncmp(arg, *s, strlen(*s)) == 0)
            return true;
    return false;
}

/* Looks an attribute path up without auto-calling; false if some component is missing. */
static bool select_path(EvalState *st, Value *v, const char *path, Value **out)
{
    Value *cur = v;
    while (*path) {
        size_t n;
        const char *name;
        if (*path == '"') {
            const char *end = strchr(path + 1, '"');
            if (!end)
                eval_error(st, ERR_EVAL, 0, "missing closing quote in selection path '%s'", path);
            name = val_str_dup(path + 1, (size_t)(end - path - 1));
            n = (size_t)(end - path + 1);
        } else {
            n = strcspn(path, ".");
            name = val_str_dup(path, n);
        }
        eval_force(st, cur, 0);
        if (cur->type != T_ATTRS)
            return false;
        Attr *a = attrs_find(val_attrs(cur), sym_intern_cstr(st->symbols, name));
        if (!a)
            return false;
        cur = a->value;
        path += n;
        if (*path == '.')
            path++;
    }
    eval_force(st, cur, 0);
    *out = cur;
    return true;
}

void flake_split_installable(const char *arg, const char **ref, const char **fragment)
{
    const char *hash = strchr(arg, '#');
    if (hash) {
        *ref = val_str_dup(arg, (size_t)(hash - arg));
        *fragment = hash + 1;
    } else {
        *ref = arg;
        *fragment = "";
    }
}

const char *flake_eval_installable(EvalState *st, const FlakeSettings *fs, const char *arg, const char *cwd,
                                   const LockFlags *flags, Value *out)
{
    const char *ref_str, *fragment;
    flake_split_installable(arg, &ref_str, &fragment);
    if (!*ref_str)
        ref_str = ".";
    FlakeAttrs ref = flake_ref_parse(st, ref_str, cwd, 0);
    LockedFlake lf;
    flake_lock(st, fs, &ref, flags, &lf);
    Value *fv = val_alloc(st);
    flake_call(st, fs, &lf, fv);
    Bindings *b = eval_force_attrs(st, fv, 0, "while evaluating a flake");
    Attr *oa = attrs_find(b, sym_intern_cstr(st->symbols, "outputs"));
    Value *outputs = oa->value;
    const char *sys = st->settings.system;
    const char *cands[4];
    int nc = 0;
    if (fragment[0] == '.')
        cands[nc++] = fragment + 1;
    else if (!*fragment) {
        cands[nc++] = sb_fmt("packages.%s.default", sys);
        cands[nc++] = sb_fmt("defaultPackage.%s", sys);
    } else {
        cands[nc++] = sb_fmt("packages.%s.%s", sys, fragment);
        cands[nc++] = sb_fmt("legacyPackages.%s.%s", sys, fragment);
        cands[nc++] = fragment;
    }
    for (int i = 0; i < nc; i++) {
        Value *v;
        if (select_path(st, outputs, cands[i], &v)) {
            *out = *v;
            return cands[i];
        }
    }
    StrBuf sb;
    sb_init(&sb);
    for (int i = 0; i < nc; i++)
        sb_printf(&sb, "%s'%s'", i == 0 ? "" : i + 1 == nc ? " or " : ", ", cands[i]);
    eval_error(st, ERR_EVAL, 0, "flake '%s' does not provide attribute %s", flake_ref_to_string(st, &lf.original_ref),
               sb.data);
}

/* An attribute path as Nix selection syntax: a.b."c d" */
static void put_attr_path(StrBuf *sb, const char *path)
{
    while (*path) {
        size_t n = strcspn(path, ".");
        bool plain = n > 0 && ((path[0] >= 'a' && path[0] <= 'z') || (path[0] >= 'A' && path[0] <= 'Z') || path[0] == '_');
        for (size_t i = 0; i < n && plain; i++)
            plain = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_'-", path[i]) != NULL;
        sb_putc(sb, '.');
        if (plain)
            sb_add(sb, path, n);
        else
            eval_print_string_literal(path, n, sb);
        path += n;
        if (*path == '.')
            path++;
    }
}

const char *flake_installable_expr(const char *arg, const char *cwd)
{
    const char *ref, *frag;
    flake_split_installable(arg, &ref, &frag);
    if (!*ref)
        ref = ".";
    /* relative references are made absolute: the expression is evaluated elsewhere later */
    if (ref[0] == '.')
        ref = sb_fmt("%s/%s", cwd, ref);
    else if (strncmp(ref, "path:.", 6) == 0)
        ref = sb_fmt("path:%s/%s", cwd, ref + 5);
    StrBuf sb;
    sb_init(&sb);
    sb_puts(&sb, "let f = (builtins.getFlake ");
    eval_print_string_literal(ref, strlen(ref), &sb);
    sb_puts(&sb, ").outputs; s = builtins.currentSystem; in ");
    if (frag[0] == '.') {
        sb_puts(&sb, "f");
        put_attr_path(&sb, frag + 1);
    } else if (!*frag)
        sb_puts(&sb, "f.packages.${s}.default or f.defaultPackage.${s}");
    else {
        sb_puts(&sb, "f.packages.${s}");
        put_attr_path(&sb, frag);
        sb_puts(&sb, " or f.legacyPackages.${s}");
        put_attr_path(&sb, frag);
        sb_puts(&sb, " or f");
        put_attr_path(&sb, frag);
    }
    return sb_finish(&sb);
}
