/* Prints an AST in the exact format of CppNix's `nix-instantiate --parse`. */
#include <stdlib.h>
#include <string.h>

#include "parser/parser.h"

static void show(const SymTab *syms, const Expr *e, StrBuf *out);

/* CppNix's printLiteralString: escapes " \ newline CR tab and "${". */
static void show_string(const char *s, size_t n, StrBuf *out)
{
    sb_reserve(out, n + 2);
    sb_putc(out, '"');
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        const char *esc = NULL;
        switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        case '$':
            if (i + 1 < n && s[i + 1] == '{')
                esc = "\\$";
            break;
        default: break;
        }
        if (esc) {
            sb_add(out, s + run, i - run);
            sb_puts(out, esc);
            run = i + 1;
        }
    }
    sb_add(out, s + run, n - run);
    sb_putc(out, '"');
}

static bool is_keyword(const char *s, size_t n)
{
    static const char *const kw[] = {"if", "then", "else", "assert", "with", "let", "in", "rec", "inherit"};
    for (size_t i = 0; i < sizeof kw / sizeof *kw; i++)
        if (strlen(kw[i]) == n && memcmp(kw[i], s, n) == 0)
            return true;
    return false;
}

/* CppNix's printIdentifier: quotes names that are not plain identifiers. */
static void show_ident(const SymTab *syms, Symbol sym, StrBuf *out)
{
    const char *s = sym_name(syms, sym);
    size_t n = sym_len(syms, sym);
    if (n == 0) {
        sb_puts(out, "\"\"");
        return;
    }
    if (is_keyword(s, n)) {
        sb_putc(out, '"');
        sb_add(out, s, n);
        sb_putc(out, '"');
        return;
    }
    char c = s[0];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    for (size_t i = 1; ok && i < n; i++) {
        c = s[i];
        ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
             c == '\'' || c == '-';
    }
    if (ok)
        sb_add(out, s, n);
    else
        show_string(s, n, out);
}

void parse_show_attrpath(const SymTab *syms, const AttrName *path, uint32_t n, StrBuf *out)
{
    for (uint32_t i = 0; i < n; i++) {
        if (i)
            sb_putc(out, '.');
        if (path[i].sym) {
            show_ident(syms, path[i].sym, out);
        } else {
            sb_puts(out, "\"${");
            show(syms, path[i].expr, out);
            sb_puts(out, "}\"");
        }
    }
}

static int cmp_names(const SymTab *syms, Symbol a, Symbol b)
{
    size_t la = sym_len(syms, a), lb = sym_len(syms, b);
    int c = memcmp(sym_name(syms, a), sym_name(syms, b), la < lb ? la : lb);
    if (c)
        return c;
    return la < lb ? -1 : la > lb;
}

/* Sorts indices lexicographically by name (insertion sort on small sets, else
 * merge sort), since qsort has no context argument in C11. */
static void sort_by_name(const SymTab *syms, const Symbol *names, uint32_t *idx, uint32_t *tmp, uint32_t n)
{
    if (n < 16) {
        for (uint32_t i = 1; i < n; i++) {
            uint32_t x = idx[i], j = i;
            while (j > 0 && cmp_names(syms, names[idx[j - 1]], names[x]) > 0) {
                idx[j] = idx[j - 1];
                j--;
            }
            idx[j] = x;
        }
        return;
    }
    uint32_t h = n / 2;
    sort_by_name(syms, names, idx, tmp, h);
    sort_by_name(syms, names, idx + h, tmp, n - h);
    uint32_t i = 0, j = h, k = 0;
    while (i < h && j < n)
        tmp[k++] = cmp_names(syms, names[idx[j]], names[idx[i]]) < 0 ? idx[j++] : idx[i++];
    while (i < h)
        tmp[k++] = idx[i++];
    while (j < n)
        tmp[k++] = idx[j++];
    memcpy(idx, tmp, n * sizeof *idx);
}

static uint32_t *sorted_attrs(const SymTab *syms, const ExprAttrs *a)
{
    uint32_t n = a->nattrs;
    Symbol *names = malloc((n ? n : 1) * sizeof(Symbol));
    uint32_t *idx = malloc((n ? n : 1) * 2 * sizeof(uint32_t));
    for (uint32_t i = 0; i < n; i++) {
        names[i] = a->attrs[i].name;
        idx[i] = i;
    }
    sort_by_name(syms, names, idx, idx + n, n);
    free(names);
    return idx;
}

static void show_bindings(const SymTab *syms, const ExprAttrs *a, StrBuf *out)
{
    uint32_t *idx = sorted_attrs(syms, a);
    uint32_t n = a->nattrs;
    bool any = false;
    for (uint32_t i = 0; i < n; i++) {
        const AttrDef *d = &a->attrs[idx[i]];
        if (d->kind != ATTR_INHERITED)
            continue;
        sb_puts(out, any ? " " : "inherit ");
        any = true;
        show_ident(syms, d->name, out);
    }
    if (any)
        sb_puts(out, "; ");
    for (uint32_t f = 0; f < a->ninherit_from; f++) {
        bool started = false;
        for (uint32_t i = 0; i < n; i++) {
            const AttrDef *d = &a->attrs[idx[i]];
            if (d->kind != ATTR_INHERITED_FROM || d->from_index != f)
                continue;
            if (!started) {
                sb_puts(out, "inherit (");
                show(syms, a->inherit_from[f], out);
                sb_putc(out, ')');
                started = true;
            }
            sb_putc(out, ' ');
            show_ident(syms, d->name, out);
        }
        if (started)
            sb_puts(out, "; ");
    }
    for (uint32_t i = 0; i < n; i++) {
        const AttrDef *d = &a->attrs[idx[i]];
        if (d->kind != ATTR_PLAIN)
            continue;
        show_ident(syms, d->name, out);
        sb_puts(out, " = ");
        show(syms, d->e, out);
        sb_puts(out, "; ");
    }
    for (uint32_t i = 0; i < a->ndyn; i++) {
        sb_puts(out, "\"${");
        show(syms, a->dyn[i].name_expr, out);
        sb_puts(out, "}\" = ");
        show(syms, a->dyn[i].value, out);
        sb_puts(out, "; ");
    }
    free(idx);
}

static void show_call2(const SymTab *syms, const char *fn, const Expr *a, const Expr *b, StrBuf *out)
{
    sb_putc(out, '(');
    sb_puts(out, fn);
    sb_putc(out, ' ');
    show(syms, a, out);
    sb_putc(out, ' ');
    show(syms, b, out);
    sb_putc(out, ')');
}

static void show_binop(const SymTab *syms, const ExprBinOp *b, StrBuf *out)
{
    static const char *const infix[] = {
        [OP_EQ] = "==", [OP_NEQ] = "!=", [OP_AND] = "&&", [OP_OR] = "||", [OP_IMPL] = "->",
        [OP_UPDATE] = "//", [OP_CONCAT_LISTS] = "++", [OP_ADD] = "+",
    };
    switch (b->op) {
    case OP_SUB: show_call2(syms, "__sub", b->lhs, b->rhs, out); return;
    case OP_MUL: show_call2(syms, "__mul", b->lhs, b->rhs, out); return;
    case OP_DIV: show_call2(syms, "__div", b->lhs, b->rhs, out); return;
    case OP_LT: show_call2(syms, "__lessThan", b->lhs, b->rhs, out); return;
    case OP_GT: show_call2(syms, "__lessThan", b->rhs, b->lhs, out); return;
    case OP_LE:
        sb_puts(out, "(! ");
        show_call2(syms, "__lessThan", b->rhs, b->lhs, out);
        sb_putc(out, ')');
        return;
    case OP_GE:
        sb_puts(out, "(! ");
        show_call2(syms, "__lessThan", b->lhs, b->rhs, out);
        sb_putc(out, ')');
        return;
    default:
        sb_putc(out, '(');
        show(syms, b->lhs, out);
        sb_putc(out, ' ');
        sb_puts(out, infix[b->op]);
        sb_putc(out, ' ');
        show(syms, b->rhs, out);
        sb_putc(out, ')');
    }
}

static void show_lambda(const SymTab *syms, const ExprLambda *l, StrBuf *out)
{
    sb_putc(out, '(');
    if (l->formals) {
        const Formals *f = l->formals;
        sb_puts(out, "{ ");
        Symbol *names = malloc((f->n ? f->n : 1) * sizeof(Symbol));
        uint32_t *idx = malloc((f->n ? f->n : 1) * 2 * sizeof(uint32_t));
        for (uint32_t i = 0; i < f->n; i++) {
            names[i] = f->items[i].name;
            idx[i] = i;
        }
        sort_by_name(syms, names, idx, idx + f->n, f->n);
        for (uint32_t i = 0; i < f->n; i++) {
            const Formal *fm = &f->items[idx[i]];
            if (i)
                sb_puts(out, ", ");
            show_ident(syms, fm->name, out);
            if (fm->def) {
                sb_puts(out, " ? ");
                show(syms, fm->def, out);
            }
        }
        free(names);
        free(idx);
        if (f->ellipsis)
            sb_puts(out, f->n ? ", ..." : "...");
        sb_puts(out, " }");
        if (l->arg)
            sb_puts(out, " @ ");
    }
    if (l->arg)
        show_ident(syms, l->arg, out);
    sb_puts(out, ": ");
    show(syms, l->body, out);
    sb_putc(out, ')');
}

static void show(const SymTab *syms, const Expr *e, StrBuf *out)
{
    switch ((ExprKind)e->kind) {
    case EXPR_INT:
        sb_printf(out, "%lld", (long long)((const ExprInt *)e)->value);
        return;
    case EXPR_FLOAT:
        /* std::ostream's default formatting of a double is %g. */
        sb_printf(out, "%g", ((const ExprFloat *)e)->value);
        return;
    case EXPR_STRING: {
        const ExprString *s = (const ExprString *)e;
        show_string(s->s, s->len, out);
        return;
    }
    case EXPR_PATH:
        sb_puts(out, ((const ExprPath *)e)->path);
        return;
    case EXPR_VAR:
        show_ident(syms, ((const ExprVar *)e)->name, out);
        return;
    case EXPR_SELECT: {
        const ExprSelect *s = (const ExprSelect *)e;
        sb_putc(out, '(');
        show(syms, s->e, out);
        sb_puts(out, ").");
        parse_show_attrpath(syms, s->path, s->npath, out);
        if (s->def) {
            sb_puts(out, " or (");
            show(syms, s->def, out);
            sb_putc(out, ')');
        }
        return;
    }
    case EXPR_HAS_ATTR: {
        const ExprHasAttr *h = (const ExprHasAttr *)e;
        sb_puts(out, "((");
        show(syms, h->e, out);
        sb_puts(out, ") ? ");
        parse_show_attrpath(syms, h->path, h->npath, out);
        sb_putc(out, ')');
        return;
    }
    case EXPR_ATTRS: {
        const ExprAttrs *a = (const ExprAttrs *)e;
        if (a->rec)
            sb_puts(out, "rec ");
        sb_puts(out, "{ ");
        show_bindings(syms, a, out);
        sb_putc(out, '}');
        return;
    }
    case EXPR_LIST: {
        const ExprList *l = (const ExprList *)e;
        sb_puts(out, "[ ");
        for (uint32_t i = 0; i < l->n; i++) {
            sb_putc(out, '(');
            show(syms, l->elems[i], out);
            sb_puts(out, ") ");
        }
        sb_putc(out, ']');
        return;
    }
    case EXPR_LAMBDA:
        show_lambda(syms, (const ExprLambda *)e, out);
        return;
    case EXPR_CALL: {
        const ExprCall *c = (const ExprCall *)e;
        sb_putc(out, '(');
        show(syms, c->fn, out);
        for (uint32_t i = 0; i < c->nargs; i++) {
            sb_putc(out, ' ');
            show(syms, c->args[i], out);
        }
        sb_putc(out, ')');
        return;
    }
    case EXPR_LET: {
        const ExprLet *l = (const ExprLet *)e;
        sb_puts(out, "(let ");
        show_bindings(syms, l->attrs, out);
        sb_puts(out, "in ");
        show(syms, l->body, out);
        sb_putc(out, ')');
        return;
    }
    case EXPR_WITH: {
        const ExprWith *w = (const ExprWith *)e;
        sb_puts(out, "(with ");
        show(syms, w->attrs, out);
        sb_puts(out, "; ");
        show(syms, w->body, out);
        sb_putc(out, ')');
        return;
    }
    case EXPR_IF: {
        const ExprIf *i = (const ExprIf *)e;
        sb_puts(out, "(if ");
        show(syms, i->cond, out);
        sb_puts(out, " then ");
        show(syms, i->then, out);
        sb_puts(out, " else ");
        show(syms, i->else_, out);
        sb_putc(out, ')');
        return;
    }
    case EXPR_ASSERT: {
        const ExprAssert *a = (const ExprAssert *)e;
        sb_puts(out, "assert ");
        show(syms, a->cond, out);
        sb_puts(out, "; ");
        show(syms, a->body, out);
        return;
    }
    case EXPR_NOT:
        sb_puts(out, "(! ");
        show(syms, ((const ExprNot *)e)->e, out);
        sb_putc(out, ')');
        return;
    case EXPR_BINOP:
        show_binop(syms, (const ExprBinOp *)e, out);
        return;
    case EXPR_CONCAT_STRINGS: {
        const ExprConcatStrings *c = (const ExprConcatStrings *)e;
        sb_putc(out, '(');
        for (uint32_t i = 0; i < c->nparts; i++) {
            if (i)
                sb_puts(out, " + ");
            show(syms, c->parts[i], out);
        }
        sb_putc(out, ')');
        return;
    }
    case EXPR_POS:
        sb_puts(out, "__curPos");
        return;
    }
}

void parse_show(const SymTab *syms, const Expr *e, StrBuf *out) { show(syms, e, out); }
