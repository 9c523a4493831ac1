/* Attribute sets under construction: lookup, nested paths, CppNix's merging and errors. */
#include <stdlib.h>

#include "parser/parse_int.h"

/* ExprLambda::setName / setDocComment: propagate into curried bodies. */
static void set_name(Expr *e, Symbol s)
{
    while (e->kind == EXPR_LAMBDA) {
        ExprLambda *l = (ExprLambda *)e;
        l->name = s;
        e = l->body;
    }
}

void parse_set_doc(Expr *e, const char *doc)
{
    while (e->kind == EXPR_LAMBDA && doc) {
        ExprLambda *l = (ExprLambda *)e;
        if (l->doc)
            return;
        l->doc = doc;
        e = l->body;
    }
}

static uint32_t slot_hash(const ExprAttrs *a, Symbol s)
{
    uint64_t h = (uint64_t)(uintptr_t)a * 0x9E3779B97F4A7C15ull ^ (uint64_t)s * 0xC2B2AE3D27D4EB4Full;
    return (uint32_t)(h >> 29);
}

static AttrSlot *slot_find(Parser *P, const ExprAttrs *a, Symbol s)
{
    uint32_t mask = P->nslots - 1;
    for (uint32_t i = slot_hash(a, s) & mask;; i = (i + 1) & mask) {
        AttrSlot *sl = &P->slots[i];
        if (!sl->attrs || (sl->attrs == a && sl->sym == s))
            return sl;
    }
}

AttrDef *parse_attr_find(Parser *P, ExprAttrs *a, Symbol s)
{
    if (a->nattrs <= 8) {
        for (uint32_t i = 0; i < a->nattrs; i++)
            if (a->attrs[i].name == s)
                return &a->attrs[i];
        return NULL;
    }
    AttrSlot *sl = slot_find(P, a, s);
    return sl->attrs ? &a->attrs[sl->idx] : NULL;
}

static void slot_insert(Parser *P, ExprAttrs *a, Symbol s, uint32_t idx)
{
    if ((P->nused + 1) * 2 > P->nslots) {
        AttrSlot *old = P->slots;
        uint32_t oldn = P->nslots;
        P->nslots = oldn ? oldn * 2 : 1024;
        P->slots = GC_MALLOC(P->nslots * sizeof(AttrSlot));
        for (uint32_t i = 0; i < oldn; i++)
            if (old[i].attrs)
                *slot_find(P, old[i].attrs, old[i].sym) = old[i];
    }
    AttrSlot *sl = slot_find(P, a, s);
    *sl = (AttrSlot){a, s, idx};
    P->nused++;
}

void parse_attr_push(Parser *P, ExprAttrs *a, AttrDef def)
{
    a->attrs = grow(a->attrs, a->nattrs, sizeof(AttrDef));
    uint32_t idx = a->nattrs++;
    a->attrs[idx] = def;
    if (a->nattrs == 9) {
        for (uint32_t i = 0; i < 9; i++)
            slot_insert(P, a, a->attrs[i].name, i);
    } else if (a->nattrs > 9) {
        slot_insert(P, a, def.name, idx);
    }
}

static void dyn_push(ExprAttrs *a, Expr *name, Expr *value, PosIdx pos)
{
    a->dyn = grow(a->dyn, a->ndyn, sizeof(DynAttrDef));
    a->dyn[a->ndyn++] = (DynAttrDef){name, value, pos};
}

void parse_inherit_from_push(ExprAttrs *a, Expr *e)
{
    a->inherit_from = grow(a->inherit_from, a->ninherit_from, sizeof(Expr *));
    a->inherit_from[a->ninherit_from++] = e;
}

void parse_format_pos(Parser *P, StrBuf *sb, PosIdx p)
{
    Pos pos = pos_get(P->pt, p);
    const Source *s = pos.src;
    if (!s || s->kind == SRC_NONE)
        sb_puts(sb, "\xc2\xab" "none\xc2\xbb");
    else if (s->kind == SRC_STRING)
        sb_puts(sb, "\xc2\xab" "string\xc2\xbb");
    else if (s->kind == SRC_STDIN)
        sb_puts(sb, "\xc2\xab" "stdin\xc2\xbb");
    else
        sb_puts(sb, s->path ? s->path : "");
    sb_printf(sb, ":%u", pos.line);
    if (pos.col > 0)
        sb_printf(sb, ":%u", pos.col);
}

_Noreturn void parse_dup_attr(Parser *P, const AttrName *path, uint32_t n, PosIdx pos, PosIdx prev)
{
    StrBuf sb;
    sb_init(&sb);
    sb_puts(&sb, "attribute '");
    parse_show_attrpath(P->syms, path, n, &sb);
    sb_puts(&sb, "' already defined at ");
    parse_format_pos(P, &sb, prev);
    parse_fail_at(P, pos, sb_finish(&sb));
}

static int cmp_attrdef(const void *a, const void *b)
{
    Symbol x = ((const AttrDef *)a)->name, y = ((const AttrDef *)b)->name;
    return x < y ? -1 : x > y;
}

static void path_push(PathBuf *pb, AttrName an)
{
    if (pb->n == pb->cap) {
        pb->cap = pb->cap ? 2 * pb->cap : 4;
        AttrName *a = GC_MALLOC(pb->cap * sizeof(AttrName));
        if (pb->n)
            memcpy(a, pb->items, pb->n * sizeof(AttrName));
        pb->items = a;
    }
    pb->items[pb->n++] = an;
}

/* Adds `sym = def` to a, merging two attribute-set literals the way CppNix
 * does; path (ending in sym) is for error messages. */
static void add_attr_sym(Parser *P, ExprAttrs *a, PathBuf *path, Symbol sym, AttrDef def)
{
    AttrDef *j = parse_attr_find(P, a, sym);
    if (!j) {
        def.name = sym;
        parse_attr_push(P, a, def);
        set_name(def.e, sym);
        return;
    }
    if (def.e->kind != EXPR_ATTRS || j->e->kind != EXPR_ATTRS)
        parse_dup_attr(P, path->items, path->n, def.pos, j->pos);
    ExprAttrs *ae = (ExprAttrs *)def.e, *ja = (ExprAttrs *)j->e;
    uint32_t base = ja->ninherit_from;
    /* CppNix walks the merged set in symbol order (a std::map). */
    if (ae->nattrs > 1)
        qsort(ae->attrs, ae->nattrs, sizeof(AttrDef), cmp_attrdef);
    uint32_t n = ae->nattrs;
    AttrDef *items = ae->attrs;
    ae->attrs = NULL;
    ae->nattrs = 0;
    for (uint32_t i = 0; i < n; i++) {
        AttrDef ad = items[i];
        if (ad.kind == ATTR_INHERITED_FROM)
            ad.from_index += base;
        path_push(path, (AttrName){ad.name, NULL});
        add_attr_sym(P, ja, path, ad.name, ad);
        path->n--;
    }
    for (uint32_t i = 0; i < ae->ndyn; i++)
        dyn_push(ja, ae->dyn[i].name_expr, ae->dyn[i].value, ae->dyn[i].pos);
    ae->ndyn = 0;
    for (uint32_t i = 0; i < ae->ninherit_from; i++)
        parse_inherit_from_push(ja, ae->inherit_from[i]);
    ae->ninherit_from = 0;
}

/* `a.b.c = e;` in a set: creates or extends nested sets (CppNix addAttr). */
void parse_add_attr(Parser *P, ExprAttrs *a, PathBuf *path, PosIdx pos, Expr *e, const char *doc)
{
    uint32_t i;
    for (i = 0; i + 1 < path->n; i++) {
        ExprAttrs *nested;
        AttrName *an = &path->items[i];
        if (an->sym) {
            AttrDef *j = parse_attr_find(P, a, an->sym);
            if (j) {
                if (j->e->kind != EXPR_ATTRS)
                    parse_dup_attr(P, path->items, i + 1, pos, j->pos);
                nested = (ExprAttrs *)j->e;
            } else {
                nested = parse_mk_attrs(P, 0);
                parse_attr_push(P, a, (AttrDef){.name = an->sym, .kind = ATTR_PLAIN, .pos = pos,
                                          .e = &nested->base});
            }
        } else {
            nested = parse_mk_attrs(P, 0);
            dyn_push(a, an->expr, &nested->base, pos);
        }
        a = nested;
    }
    AttrName *last = &path->items[i];
    if (last->sym)
        add_attr_sym(P, a, path, last->sym,
                     (AttrDef){.name = last->sym, .kind = ATTR_PLAIN, .pos = pos, .e = e});
    else
        dyn_push(a, last->expr, e, pos);
    if (doc)
        parse_set_doc(e, doc);
}

ExprAttrs *parse_mk_attrs(Parser *P, PosIdx pos)
{
    ExprAttrs *a = NEW(ExprAttrs, EXPR_ATTRS, pos);
    if (P->nall == P->capall) {
        uint32_t cap = P->capall ? P->capall * 2 : 64;
        ExprAttrs **n = GC_MALLOC(cap * sizeof *n);
        if (P->nall)
            memcpy(n, P->all_attrs, P->nall * sizeof *n);
        P->all_attrs = n;
        P->capall = cap;
    }
    P->all_attrs[P->nall++] = a;
    return a;
}

void parse_finish_attrs(Parser *P)
{
    for (uint32_t i = 0; i < P->nall; i++) {
        ExprAttrs *a = P->all_attrs[i];
        if (a->nattrs > 1)
            qsort(a->attrs, a->nattrs, sizeof(AttrDef), cmp_attrdef);
    }
}
