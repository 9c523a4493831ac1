/* Primop family prim_xml: toXML, and the XML printer shared with the CLI's --xml. */
#include "primops/xml.h"

#include "primops/primops.h"
#include "primops/ctxbuf.h"

#include <gc/gc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct XmlOut {
    EvalState *st;
    bool strict, location;
    StrBuf *out;
    CtxBuf ctx;
    uint32_t depth;           /* open elements, for indentation */
    const char **drvs_seen;   /* drvPaths already printed in full */
    size_t ndrvs, capdrvs;
} XmlOut;

/* XML attributes of one element; printed sorted by name like CppNix's std::map. */
typedef struct XAttr {
    const char *name;
    const char *value;
    size_t len;
} XAttr;

static void indent(XmlOut *x)
{
    for (uint32_t i = 0; i < x->depth; i++)
        sb_add(x->out, "  ", 2);
}

static int cmp_xattr(const void *a, const void *b)
{
    return strcmp(((const XAttr *)a)->name, ((const XAttr *)b)->name);
}

static void write_attrs(XmlOut *x, XAttr *attrs, size_t n)
{
    if (n > 1)
        qsort(attrs, n, sizeof *attrs, cmp_xattr);
    StrBuf *o = x->out;
    for (size_t i = 0; i < n; i++) {
        sb_putc(o, ' ');
        sb_puts(o, attrs[i].name);
        sb_add(o, "=\"", 2);
        const char *s = attrs[i].value;
        size_t run = 0;
        for (size_t j = 0; j < attrs[i].len; j++) {
            const char *rep;
            switch (s[j]) {
            case '"': rep = "&quot;"; break;
            case '<': rep = "&lt;"; break;
            case '>': rep = "&gt;"; break;
            case '&': rep = "&amp;"; break;
            case '\n': rep = "&#xA;"; break; /* keeps attribute normalisation from eating it */
            default: continue;
            }
            sb_add(o, s + run, j - run);
            sb_puts(o, rep);
            run = j + 1;
        }
        sb_add(o, s + run, attrs[i].len - run);
        sb_putc(o, '"');
    }
}

static void empty_elem(XmlOut *x, const char *name, XAttr *attrs, size_t n)
{
    indent(x);
    sb_putc(x->out, '<');
    sb_puts(x->out, name);
    write_attrs(x, attrs, n);
    sb_puts(x->out, " />\n");
}

static void open_elem(XmlOut *x, const char *name, XAttr *attrs, size_t n)
{
    indent(x);
    sb_putc(x->out, '<');
    sb_puts(x->out, name);
    write_attrs(x, attrs, n);
    sb_puts(x->out, ">\n");
    x->depth++;
}

static void close_elem(XmlOut *x, const char *name)
{
    x->depth--;
    indent(x);
    sb_puts(x->out, "</");
    sb_puts(x->out, name);
    sb_puts(x->out, ">\n");
}

static void empty_elem1(XmlOut *x, const char *name, const char *attr, const char *value, size_t len)
{
    XAttr a = {attr, value, len};
    empty_elem(x, name, &a, 1);
}

static XAttr xa(const char *name, const char *value)
{
    return (XAttr){name, value, strlen(value)};
}

/* Adds path (files only), line and column of pos to attrs; returns the new count. */
static size_t pos_attrs(XmlOut *x, PosIdx pos, XAttr *attrs, size_t n)
{
    Pos p = pos_get(x->st->positions, pos);
    if (p.src && p.src->kind == SRC_FILE && p.src->path)
        attrs[n++] = xa("path", p.src->path);
    char *buf = GC_MALLOC_ATOMIC(32);
    snprintf(buf, 32, "%u", p.line);
    attrs[n++] = xa("line", buf);
    buf = GC_MALLOC_ATOMIC(32);
    snprintf(buf, 32, "%u", p.col);
    attrs[n++] = xa("column", buf);
    return n;
}

static void xml_value(XmlOut *x, Value *v, PosIdx pos);

static void show_attrs(XmlOut *x, Bindings *b)
{
    EvalState *st = x->st;
    uint32_t *order = attrs_sorted_by_name(st, b);
    for (uint32_t k = 0; k < b->size; k++) {
        Attr *a = &b->attrs[order[k]];
        XAttr attrs[4];
        size_t n = 0;
        attrs[n++] = (XAttr){"name", sym_name(st->symbols, a->name), sym_len(st->symbols, a->name)};
        if (x->location && a->pos)
            n = pos_attrs(x, a->pos, attrs, n);
        open_elem(x, "attr", attrs, n);
        xml_value(x, a->value, a->pos);
        close_elem(x, "attr");
    }
}

static bool drv_seen_insert(XmlOut *x, const char *drv)
{
    for (size_t i = 0; i < x->ndrvs; i++)
        if (strcmp(x->drvs_seen[i], drv) == 0)
            return false;
    if (x->ndrvs == x->capdrvs) {
        size_t cap = x->capdrvs ? x->capdrvs * 2 : 8;
        const char **n = GC_MALLOC(cap * sizeof *n);
        if (x->ndrvs)
            memcpy(n, x->drvs_seen, x->ndrvs * sizeof *n);
        x->drvs_seen = n;
        x->capdrvs = cap;
    }
    x->drvs_seen[x->ndrvs++] = drv;
    return true;
}

static int cmp_formal_names(const void *a, const void *b, void *symtab)
{
    return strcmp(sym_name(symtab, *(const Symbol *)a), sym_name(symtab, *(const Symbol *)b));
}

static void xml_lambda(XmlOut *x, Value *v)
{
    EvalState *st = x->st;
    ExprLambda *fun = v->lambda.fun;
    XAttr attrs[3];
    size_t n = 0;
    if (x->location)
        n = pos_attrs(x, fun->base.pos, attrs, n);
    open_elem(x, "function", attrs, n);
    if (fun->formals) {
        n = 0;
        if (fun->arg)
            attrs[n++] = xa("name", sym_name(st->symbols, fun->arg));
        if (fun->formals->ellipsis)
            attrs[n++] = xa("ellipsis", "1");
        open_elem(x, "attrspat", attrs, n);
        uint32_t nf = fun->formals->n;
        Symbol *names = GC_MALLOC_ATOMIC((nf + 1) * sizeof *names);
        for (uint32_t i = 0; i < nf; i++)
            names[i] = fun->formals->items[i].name;
        qsort_r(names, nf, sizeof *names, cmp_formal_names, st->symbols);
        for (uint32_t i = 0; i < nf; i++) {
            const char *nm = sym_name(st->symbols, names[i]);
            empty_elem1(x, "attr", "name", nm, strlen(nm));
        }
        close_elem(x, "attrspat");
    } else {
        const char *nm = sym_name(st->symbols, fun->arg);
        empty_elem1(x, "varpat", "name", nm, strlen(nm));
    }
    close_elem(x, "function");
}

static void xml_value(XmlOut *x, Value *v, PosIdx pos)
{
    EvalState *st = x->st;
    if (++st->call_depth > st->settings.max_value_depth && st->settings.max_value_depth)
        eval_error(st, ERR_STACK_OVERFLOW, pos, "stack overflow; max-call-depth exceeded");
    if (x->strict)
        eval_force(st, v, pos);
    char buf[64];
    switch (v->type) {
    case T_INT:
        snprintf(buf, sizeof buf, "%lld", (long long)v->integer);
        empty_elem1(x, "int", "value", buf, strlen(buf));
        break;
    case T_BOOL:
        empty_elem1(x, "bool", "value", v->boolean ? "true" : "false", v->boolean ? 4 : 5);
        break;
    case T_STRING:
        prim_ctxbuf_add_ctx(&x->ctx, v->str.ctx);
        empty_elem1(x, "string", "value", val_str(v), v->len);
        break;
    case T_PATH:
        empty_elem1(x, "path", "value", v->path.path, strlen(v->path.path));
        break;
    case T_NULL:
        empty_elem(x, "null", NULL, 0);
        break;
    case T_ATTRS:
        if (eval_is_derivation(st, v)) {
            XAttr attrs[2];
            size_t n = 0;
            const char *drv_path = "";
            Attr *a = attrs_find(v->attrs, st->s.drvPath);
            if (a) {
                if (x->strict)
                    eval_force(st, a->value, a->pos);
                if (a->value->type == T_STRING) {
                    drv_path = val_str(a->value);
                    attrs[n++] = (XAttr){"drvPath", drv_path, a->value->len};
                }
            }
            a = attrs_find(v->attrs, st->s.outPath);
            if (a) {
                if (x->strict)
                    eval_force(st, a->value, a->pos);
                if (a->value->type == T_STRING)
                    attrs[n++] = (XAttr){"outPath", val_str(a->value), a->value->len};
            }
            open_elem(x, "derivation", attrs, n);
            if (drv_path[0] && drv_seen_insert(x, drv_path))
                show_attrs(x, val_attrs(v));
            else
                empty_elem(x, "repeated", NULL, 0);
            close_elem(x, "derivation");
        } else {
            open_elem(x, "attrs", NULL, 0);
            show_attrs(x, val_attrs(v));
            close_elem(x, "attrs");
        }
        break;
    case T_LIST:
        open_elem(x, "list", NULL, 0);
        for (uint32_t i = 0; i < v->len; i++)
            xml_value(x, val_list(v)[i], pos);
        close_elem(x, "list");
        break;
    case T_LAMBDA:
        xml_lambda(x, v);
        break;
    case T_FLOAT:
        /* CppNix formats with an ostream's defaults: like %g. */
        snprintf(buf, sizeof buf, "%g", v->fpoint);
        empty_elem1(x, "float", "value", buf, strlen(buf));
        break;
    default: /* thunks, primops (not serialised), externals */
        empty_elem(x, "unevaluated", NULL, 0);
        break;
    }
    st->call_depth--;
}

void prim_to_xml(EvalState *st, Value *v, PosIdx pos, bool strict, bool location, StrBuf *out,
                 const StrContext **ctx)
{
    XmlOut x = {0};
    x.st = st;
    x.strict = strict;
    x.location = location;
    x.out = out;
    prim_ctxbuf_init(&x.ctx);
    sb_puts(out, "<?xml version='1.0' encoding='utf-8'?>\n");
    open_elem(&x, "expr", NULL, 0);
    xml_value(&x, v, pos);
    close_elem(&x, "expr");
    if (ctx) {
        prim_ctxbuf_add_ctx(&x.ctx, *ctx);
        *ctx = prim_ctxbuf_finish(&x.ctx);
    }
}

static void prim_to_xml_fn(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    StrBuf sb;
    sb_init(&sb);
    const StrContext *ctx = NULL;
    prim_to_xml(st, args[0], 0, true, false, &sb, &ctx);
    size_t len = sb.len;
    val_set_string(out, sb_finish(&sb), len, ctx);
}

const PrimOp prim_xml[] = {
    {"toXML", 1, 0, "e",
     "Return a string with an XML representation of *e* (the format of `nix-instantiate\n"
     "--eval --xml`): `<int value=\"1\" />`, `<string .../>`, `<attrs>` of `<attr name=...>`,\n"
     "`<list>`, `<function>` with its argument pattern, `<derivation>` (printed in full once\n"
     "per drvPath, then `<repeated />`). Evaluates *e* deeply.\n\n"
     "    builtins.toXML 1   # \"<?xml version='1.0' encoding='utf-8'?>\\n<expr>\\n  <int value=\\\"1\\\" />\\n</expr>\\n\"",
     prim_to_xml_fn},
    {0},
};
