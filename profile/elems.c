/* Profile elements from evaluated package lists, their recorded origins, and the element
 * set operations of install, remove and upgrade. */
#include "profile/elems.h"

#include <gc/gc.h>
#include <string.h>

#include "util/drvname.h"
#include "util/strbuf.h"

static Value *get_attr(EvalState *st, Value *v, const char *name)
{
    Attr *a = attrs_find(v->attrs, sym_intern_cstr(st->symbols, name));
    if (!a)
        return NULL;
    eval_force(st, a->value, 0);
    return a->value;
}

static const char *get_str(EvalState *st, Value *v, const char *name)
{
    Value *a = get_attr(st, v, name);
    return a ? eval_force_string(st, a, 0, NULL) : NULL;
}

/* Splits name as builtins.parseDrvName does (GC strings). */
static void split_name(const char *name, const char **pname, const char **version)
{
    DrvName dn = drvname_parse(name, strlen(name));
    *pname = GC_strndup(name, dn.name_len);
    *version = dn.version;
}

static const char *encode_args(const AutoArg *a, int n)
{
    if (!n)
        return NULL;
    StrBuf sb;
    sb_init(&sb);
    for (int i = 0; i < n; i++)
        sb_printf(&sb, "%s%s %s %s", i ? "\n" : "", a[i].is_str ? "argstr" : "arg", a[i].name, a[i].text);
    return sb_finish(&sb);
}

/* The inverse of encode_args; TEXT may itself hold newlines, so a line that does not start with
 * "arg " or "argstr " continues the previous one. */
void profile_origin_args(const ProfileElem *e, const AutoArg **out, int *n)
{
    const char *s = e->origin_args;
    *n = 0;
    *out = NULL;
    if (!s)
        return;
    size_t cap = 1;
    for (const char *p = s; *p; p++)
        cap += *p == '\n';
    AutoArg *v = GC_MALLOC(cap * sizeof *v);
    int cnt = 0;
    const char *p = s;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        const char *line = GC_strndup(p, len);
        bool is_str = !strncmp(line, "argstr ", 7), is_arg = !strncmp(line, "arg ", 4);
        const char *sp = (is_str || is_arg) ? strchr(line + (is_str ? 7 : 4), ' ') : NULL;
        if (sp) {
            const char *name = line + (is_str ? 7 : 4);
            v[cnt++] = (AutoArg){GC_strndup(name, (size_t)(sp - name)), sp + 1, is_str};
        } else if (cnt) {
            StrBuf sb;
            sb_init(&sb);
            sb_printf(&sb, "%s\n%s", v[cnt - 1].text, line);
            v[cnt - 1].text = sb_finish(&sb);
        }
        p += len + (nl ? 1 : 0);
    }
    *out = v;
    *n = cnt;
}

static void elem_of(EvalState *st, const ProfileOrigin *o, Value *v, size_t idx, ProfileElem *el)
{
    eval_force(st, v, 0);
    if (!eval_is_derivation(st, v))
        eval_error(st, ERR_TYPE, 0, "element %zu of the package list of '%s' is %s, not a derivation", idx,
                   o->file ? o->file : "(expression)", eval_type_name(v));
    el->name = get_str(st, v, "name");
    if (!el->name)
        eval_error(st, ERR_TYPE, 0, "element %zu of the package list has no name", idx);
    split_name(el->name, &el->pname, &el->version);
    const char *pn = get_str(st, v, "pname"), *ver = get_str(st, v, "version");
    if (pn)
        el->pname = pn;
    if (ver)
        el->version = ver;
    el->priority = 5;
    const char **outs = NULL;
    size_t nouts = 0;
    Value *meta = get_attr(st, v, "meta");
    if (meta && meta->type == T_ATTRS) {
        Value *pr = get_attr(st, meta, "priority");
        if (pr)
            el->priority = eval_force_int(st, pr, 0, "while evaluating meta.priority");
        Value *oti = get_attr(st, meta, "outputsToInstall");
        if (oti) {
            eval_force_list(st, oti, 0, "while evaluating meta.outputsToInstall");
            nouts = oti->len;
            outs = GC_MALLOC((nouts + 1) * sizeof *outs);
            for (size_t k = 0; k < nouts; k++)
                outs[k] = eval_force_string(st, val_list(oti)[k], 0, NULL);
        }
    }
    if (!nouts) {
        const char *on = get_str(st, v, "outputName");
        outs = GC_MALLOC(sizeof *outs);
        outs[0] = on ? on : "out";
        nouts = 1;
    }
    el->drv = get_str(st, v, "drvPath");
    el->out_names = outs;
    el->out_paths = GC_MALLOC(nouts * sizeof(char *));
    el->nouts = nouts;
    for (size_t k = 0; k < nouts; k++) {
        Value *ov = get_attr(st, v, outs[k]);
        const char *p = ov && ov->type == T_ATTRS ? get_str(st, ov, "outPath") : NULL;
        if (!p)
            eval_error(st, ERR_TYPE, 0, "package '%s' has no output '%s'", el->name, outs[k]);
        el->out_paths[k] = p;
    }
    el->origin_file = o->file;
    el->origin_expr = o->expr;
    el->origin_attr = o->attr;
    el->origin_args = encode_args(o->args, o->nargs);
}

ProfileElem *profile_elems_of_value(EvalState *st, Value *v, const ProfileOrigin *o, size_t *n)
{
    eval_force(st, v, 0);
    if (v->type == T_ATTRS && !eval_is_derivation(st, v)) {
        Value *p = get_attr(st, v, "packages");
        if (p)
            v = p;
    }
    if (v->type == T_ATTRS && eval_is_derivation(st, v)) {
        ProfileElem *one = GC_MALLOC(sizeof *one);
        elem_of(st, o, v, 0, one);
        *n = 1;
        return one;
    }
    if (v->type != T_LIST)
        eval_error(st, ERR_TYPE, 0,
                   "'%s' evaluates to %s, not a list of derivations or a set with a 'packages' list",
                   o->file ? o->file : "(expression)", eval_type_name(v));
    *n = v->len;
    ProfileElem *elems = GC_MALLOC((*n ? *n : 1) * sizeof *elems);
    for (size_t i = 0; i < *n; i++)
        elem_of(st, o, val_list(v)[i], i, &elems[i]);
    return elems;
}

bool profile_elem_matches(const ProfileElem *e, const char *name)
{
    return !strcmp(e->name, name) || (e->pname && !strcmp(e->pname, name));
}

ProfileElem *profile_install(const ProfileElem *cur, size_t n, const ProfileElem *add, size_t m, size_t *out_n)
{
    ProfileElem *all = GC_MALLOC((n + m + 1) * sizeof *all);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        bool replaced = false;
        for (size_t j = 0; j < m; j++)
            replaced = replaced || !strcmp(cur[i].pname, add[j].pname);
        if (!replaced)
            all[k++] = cur[i];
    }
    for (size_t j = 0; j < m; j++)
        all[k++] = add[j];
    *out_n = k;
    return all;
}

ProfileElem *profile_remove(const ProfileElem *cur, size_t n, const char *const *names, size_t nnames,
                            size_t *out_n, const char **err)
{
    for (size_t j = 0; j < nnames; j++) {
        bool found = false;
        for (size_t i = 0; i < n; i++)
            found = found || profile_elem_matches(&cur[i], names[j]);
        if (!found) {
            *err = sb_fmt("no installed package matches '%s'", names[j]);
            return NULL;
        }
    }
    ProfileElem *keep = GC_MALLOC((n + 1) * sizeof *keep);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        bool drop = false;
        for (size_t j = 0; j < nnames; j++)
            drop = drop || profile_elem_matches(&cur[i], names[j]);
        if (!drop)
            keep[k++] = cur[i];
    }
    *out_n = k;
    return keep;
}

const ProfileElem *profile_upgrade_of(const ProfileElem *e, const ProfileElem *fresh, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (!strcmp(fresh[k].pname, e->pname))
            return &fresh[k];
    return NULL;
}
