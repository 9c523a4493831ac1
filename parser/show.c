/* Prints an AST in the exact format of CppNix's `nix-instantiate --parse`. */
#include <stdlib.h>
#include <string.h>

#include "parser/parser.h"

/* Printing context: a per-call cache of which symbols need quoting. */
typedef struct Show {
    const SymTab *syms;
    uint8_t *quote; /* by Symbol: 0 unknown, 1 plain identifier, 2 needs quoting */
    size_t nquote;
} Show;

static void show(Show *S, const Expr *e, StrBuf *out);

/* Inline appends: printing is a hot loop for `--parse` of large files. */
static inline void out_add(StrBuf *out, const char *s, size_t n)
{
    if (out->len + n + 1 > out->cap)
        sb_reserve(out, n);
    memcpy(out->data + out->len, s, n);
    out->len += n;
    out->data[out->len] = 0;
}

static inline void out_c(StrBuf *out, char c)
{
    if (out->len + 2 > out->cap)
        sb_reserve(out, 1);
    out->data[out->len++] = c;
    out->data[out->len] = 0;
}

#define OUT_LIT(out, lit) out_add((out), (lit), sizeof(lit) - 1)

/* CppNix's printLiteralString: escapes " \ newline CR tab and "${". */
static void show_string(const char *s, size_t n, StrBuf *out)
{
    sb_reserve(out, n + 2);
    out_c(out, '"');
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
            out_add(out, s + run, i - run);
            out_add(out, esc, 2);
            run = i + 1;
        }
    }
    out_add(out, s + run, n - run);
    out_c(out, '"');
}

static bool is_keyword(const char *s, size_t n)
{
    switch (n) {
    case 2: return !memcmp(s, "if", 2) || !memcmp(s, "in", 2);
    case 3: return !memcmp(s, "let", 3) || !memcmp(s, "rec", 3);
    case 4: return !memcmp(s, "then", 4) || !memcmp(s, "else", 4) || !memcmp(s, "with", 4);
    case 6: return !memcmp(s, "assert", 6);
    case 7: return !memcmp(s, "inherit", 7);
    default: return false;
    }
}

static bool plain_ident(const char *s, size_t n)
{
    if (is_keyword(s, n))
        return false;
    char c = s[0];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    for (size_t i = 1; ok && i < n; i++) {
        c = s[i];
        ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
             c == '\'' || c == '-';
    }
    return ok;
}

/* CppNix's printIdentifier: quotes names that are not plain identifiers. */
static void show_ident(Show *S, Symbol sym, StrBuf *out)
{
    const char *s = sym_name(S->syms, sym);
    size_t n = sym_len(S->syms, sym);
    if (n == 0) {
        OUT_LIT(out, "\"\"");
        return;
    }
    uint8_t q = sym < S->nquote ? S->quote[sym] : 0;
    if (!q) {
        q = plain_ident(s, n) ? 1 : 2;
        if (sym < S->nquote)
            S->quote[sym] = q;
    }
    if (q == 1) {
        out_add(out, s, n);
    } else if (is_keyword(s, n)) {
        out_c(out, '"');
        out_add(out, s, n);
        out_c(out, '"');
    } else {
        show_string(s, n, out);
    }
}

static void show_attrpath(Show *S, const AttrName *path, uint32_t n, StrBuf *out)
{
    for (uint32_t i = 0; i < n; i++) {
        if (i)
            out_c(out, '.');
        if (path[i].sym) {
            show_ident(S, path[i].sym, out);
        } else {
            OUT_LIT(out, "\"${");
            show(S, path[i].expr, out);
            OUT_LIT(out, "}\"");
        }
    }
}

void parse_show_attrpath(const SymTab *syms, const AttrName *path, uint32_t n, StrBuf *out)
{
    Show S = {syms, NULL, 0};
    show_attrpath(&S, path, n, out);
}

static int cmp_names(Show *S, Symbol a, Symbol b)
{
    size_t la = sym_len(S->syms, a), lb = sym_len(S->syms, b);
    int c = memcmp(sym_name(S->syms, a), sym_name(S->syms, b), la < lb ? la : lb);
    if (c)
        return c;
    return la < lb ? -1 : la > lb;
}

/* Sorts indices lexicographically by name (insertion sort on small sets, else
 * merge sort), since qsort has no context argument in C11. */
static void sort_by_name(Show *S, const Symbol *names, uint32_t *idx, uint32_t *tmp, uint32_t n)
{
    if (n < 16) {
        for (uint32_t i = 1; i < n; i++) {
            uint32_t x = idx[i], j = i;
            while (j > 0 && cmp_names(S, names[idx[j - 1]], names[x]) > 0) {
                idx[j] = idx[j - 1];
                j--;
            }
            idx[j] = x;
        }
        return;
    }
    uint32_t h = n / 2;
    sort_by_name(S, names, idx, tmp, h);
    sort_by_name(S, names, idx + h, tmp, n - h);
    uint32_t i = 0, j = h, k = 0;
    while (i < h && j < n)
        tmp[k++] = cmp_names(S, names[idx[j]], names[idx[i]]) < 0 ? idx[j++] : idx[i++];
    while (i < h)
        tmp[k++] = idx[i++];
    while (j < n)
        tmp[k++] = idx[j++];
    memcpy(idx, tmp, n * sizeof *idx);
}

static uint32_t *sorted_attrs(Show *S, const ExprAttrs *a)
{
    uint32_t n = a->nattrs;
    Symbol *names = malloc((n ? n : 1) * sizeof(Symbol));
    uint32_t *idx = malloc((n ? n : 1) * 2 * sizeof(uint32_t));
    for (uint32_t i = 0; i < n; i++) {
        names[i] = a->attrs[i].name;
        idx[i] = i;
    }
    sort_by_name(S, names, idx, idx + n, n);
    free(names);
    return idx;
}

static void show_bindings(Show *S, const ExprAttrs *a, StrBuf *out)
{
    uint32_t *idx = sorted_attrs(S, a);
    uint32_t n = a->nattrs;
    bool any = false;
    for (uint32_t i = 0; i < n; i++) {
        const AttrDef *d = &a->attrs[idx[i]];
        if (d->kind != ATTR_INHERITED)
            continue;
        out_add(out, any ? " " : "inherit ", any ? 1 : 8);
        any = true;
        show_ident(S, d->name, out);
    }
    if (any)
        OUT_LIT(out, "; ");
    for (uint32_t f = 0; f < a->ninherit_from; f++) {
        bool started = false;
        for (uint32_t i = 0; i < n; i++) {
            const AttrDef *d = &a->attrs[idx[i]];
            if (d->kind != ATTR_INHERITED_FROM || d->from_index != f)
                continue;
            if (!started) {
                OUT_LIT(out, "inherit (");
                show(S, a->inherit_from[f], out);
                out_c(out, ')');
                started = true;
            }
            out_c(out, ' ');
            show_ident(S, d->name, out);
        }
        if (started)
            OUT_LIT(out, "; ");
    }
    for (uint32_t i = 0; i < n; i++) {
        const AttrDef *d = &a->attrs[idx[i]];
        if (d->kind != ATTR_PLAIN)
            continue;
        show_ident(S, d->name, out);
        OUT_LIT(out, " = ");
        show(S, d->e, out);
        OUT_LIT(out, "; ");
    }
    for (uint32_t i = 0; i < a->ndyn; i++) {
        OUT_LIT(out, "\"${");
        show(S, a->dyn[i].name_expr, out);
        OUT_LIT(out, "}\" = ");
        show(S, a->dyn[i].value, out);
        OUT_LIT(out, "; ");
    }
    free(idx);
}

static void show_call2(Show *S, const char *fn, const Expr *a, const Expr *b, StrBuf *out)
{
    out_c(out, '(');
    out_add(out, fn, strlen(fn));
    out_c(out, ' ');
    show(S, a, out);
    out_c(out, ' ');
    show(S, b, out);
    out_c(out, ')');
}

static void show_binop(Show *S, const ExprBinOp *b, StrBuf *out)
{
    static const char *const infix[] = {
        [OP_EQ] = "==", [OP_NEQ] = "!=", [OP_AND] = "&&", [OP_OR] = "||", [OP_IMPL] = "->",
        [OP_UPDATE] = "//", [OP_CONCAT_LISTS] = "++", [OP_ADD] = "+",
    };
    switch (b->op) {
    case OP_SUB: show_call2(S, "__sub", b->lhs, b->rhs, out); return;
    case OP_MUL: show_call2(S, "__mul", b->lhs, b->rhs, out); return;
    case OP_DIV: show_call2(S, "__div", b->lhs, b->rhs, out); return;
    case OP_LT: show_call2(S, "__lessThan", b->lhs, b->rhs, out); return;
    case OP_GT: show_call2(S, "__lessThan", b->rhs, b->lhs, out); return;
    case OP_LE:
        OUT_LIT(out, "(! ");
        show_call2(S, "__lessThan", b->rhs, b->lhs, out);
        out_c(out, ')');
        return;
    case OP_GE:
        OUT_LIT(out, "(! ");
        show_call2(S, "__lessThan", b->lhs, b->rhs, out);
        out_c(out, ')');
        return;
    default:
        out_c(out, '(');
        show(S, b->lhs, out);
        out_c(out, ' ');
        out_add(out, infix[b->op], strlen(infix[b->op]));
        out_c(out, ' ');
        show(S, b->rhs, out);
        out_c(out, ')');
    }
}

static void show_lambda(Show *S, const ExprLambda *l, StrBuf *out)
{
    out_c(out, '(');
    if (l->formals) {
        const Formals *f = l->formals;
        OUT_LIT(out, "{ ");
        Symbol *names = malloc((f->n ? f->n : 1) * sizeof(Symbol));
        uint32_t *idx = malloc((f->n ? f->n : 1) * 2 * sizeof(uint32_t));
        for (uint32_t i = 0; i < f->n; i++) {
            names[i] = f->items[i].name;
            idx[i] = i;
        }
        sort_by_name(S, names, idx, idx + f->n, f->n);
        for (uint32_t i = 0; i < f->n; i++) {
            const Formal *fm = &f->items[idx[i]];
            if (i)
                OUT_LIT(out, ", ");
            show_ident(S, fm->name, out);
            if (fm->def) {
                OUT_LIT(out, " ? ");
                show(S, fm->def, out);
            }
        }
        free(names);
        free(idx);
        if (f->ellipsis)
            out_add(out, f->n ? ", ..." : "...", f->n ? 5 : 3);
        OUT_LIT(out, " }");
        if (l->arg)
            OUT_LIT(out, " @ ");
    }
    if (l->arg)
        show_ident(S, l->arg, out);
    OUT_LIT(out, ": ");
    show(S, l->body, out);
    out_c(out, ')');
}

static void show(Show *S, const Expr *e, StrBuf *out)
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
        out_add(out, ((const ExprPath *)e)->path, strlen(((const ExprPath *)e)->path));
        return;
    case EXPR_VAR:
        show_ident(S, ((const ExprVar *)e)->name, out);
        return;
    case EXPR_SELECT: {
        const ExprSelect *s = (const ExprSelect *)e;
        out_c(out, '(');
        show(S, s->e, out);
        OUT_LIT(out, ").");
        show_attrpath(S, s->path, s->npath, out);
        if (s->def) {
            OUT_LIT(out, " or (");
            show(S, s->def, out);
            out_c(out, ')');
        }
        return;
    }
    case EXPR_HAS_ATTR: {
        const ExprHasAttr *h = (const ExprHasAttr *)e;
        OUT_LIT(out, "((");
        show(S, h->e, out);
        OUT_LIT(out, ") ? ");
        show_attrpath(S, h->path, h->npath, out);
        out_c(out, ')');
        return;
    }
    case EXPR_ATTRS: {
        const ExprAttrs *a = (const ExprAttrs *)e;
        if (a->rec)
            OUT_LIT(out, "rec ");
        OUT_LIT(out, "{ ");
        show_bindings(S, a, out);
        out_c(out, '}');
        return;
    }
    case EXPR_LIST: {
        const ExprList *l = (const ExprList *)e;
        OUT_LIT(out, "[ ");
        for (uint32_t i = 0; i < l->n; i++) {
            out_c(out, '(');
            show(S, l->elems[i], out);
            OUT_LIT(out, ") ");
        }
        out_c(out, ']');
        return;
    }
    case EXPR_LAMBDA:
        show_lambda(S, (const ExprLambda *)e, out);
        return;
    case EXPR_CALL: {
        const ExprCall *c = (const ExprCall *)e;
        const ExprBinOp *b = (const ExprBinOp *)c->fn;
        out_c(out, '(');
        if (c->fn->kind == EXPR_BINOP && (b->op == OP_SUB || b->op == OP_MUL || b->op == OP_DIV ||
                                          b->op == OP_LT || b->op == OP_GT)) {
            /* CppNix builds these operators as calls (__sub a b), and applying
             * such a call again only appends arguments: (__sub a b c). */
            static const char *const fn[] = {[OP_SUB] = "__sub ", [OP_MUL] = "__mul ",
                                             [OP_DIV] = "__div ", [OP_LT] = "__lessThan ",
                                             [OP_GT] = "__lessThan "};
            out_add(out, fn[b->op], strlen(fn[b->op]));
            show(S, b->op == OP_GT ? b->rhs : b->lhs, out);
            out_c(out, ' ');
            show(S, b->op == OP_GT ? b->lhs : b->rhs, out);
        } else {
            show(S, c->fn, out);
        }
        for (uint32_t i = 0; i < c->nargs; i++) {
            out_c(out, ' ');
            show(S, c->args[i], out);
        }
        out_c(out, ')');
        return;
    }
    case EXPR_LET: {
        const ExprLet *l = (const ExprLet *)e;
        OUT_LIT(out, "(let ");
        show_bindings(S, l->attrs, out);
        OUT_LIT(out, "in ");
        show(S, l->body, out);
        out_c(out, ')');
        return;
    }
    case EXPR_WITH: {
        const ExprWith *w = (const ExprWith *)e;
        OUT_LIT(out, "(with ");
        show(S, w->attrs, out);
        OUT_LIT(out, "; ");
        show(S, w->body, out);
        out_c(out, ')');
        return;
    }
    case EXPR_IF: {
        const ExprIf *i = (const ExprIf *)e;
        OUT_LIT(out, "(if ");
        show(S, i->cond, out);
        OUT_LIT(out, " then ");
        show(S, i->then, out);
        OUT_LIT(out, " else ");
        show(S, i->else_, out);
        out_c(out, ')');
        return;
    }
    case EXPR_ASSERT: {
        const ExprAssert *a = (const ExprAssert *)e;
        OUT_LIT(out, "assert ");
        show(S, a->cond, out);
        OUT_LIT(out, "; ");
        show(S, a->body, out);
        return;
    }
    case EXPR_NOT:
        OUT_LIT(out, "(! ");
        show(S, ((const ExprNot *)e)->e, out);
        out_c(out, ')');
        return;
    case EXPR_BINOP:
        show_binop(S, (const ExprBinOp *)e, out);
        return;
    case EXPR_CONCAT_STRINGS: {
        const ExprConcatStrings *c = (const ExprConcatStrings *)e;
        out_c(out, '(');
        for (uint32_t i = 0; i < c->nparts; i++) {
            if (i)
                OUT_LIT(out, " + ");
            show(S, c->parts[i], out);
        }
        out_c(out, ')');
        return;
    }
    case EXPR_POS:
        OUT_LIT(out, "__curPos");
        return;
    }
}

void parse_show(const SymTab *syms, const Expr *e, StrBuf *out)
{
    Show S = {syms, NULL, 0};
    S.nquote = sym_count(syms) + 1;
    S.quote = calloc(S.nquote, 1);
    if (!S.quote)
        S.nquote = 0;
    show(&S, e, out);
    free(S.quote);
}
