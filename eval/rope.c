/* Ropes: string and list concatenations that keep long operands by reference, flattened on first read. */
#include "eval/internal.h"

#include <string.h>

/* `acc + "x"` in a loop would copy the accumulator at every step (quadratic time and
 * garbage); instead the result refers to its operands and is copied out once, when
 * something first reads its characters (val_str). A rope is always at least ROPE_MIN
 * bytes long, and both children of a node are non-empty, so a flattening walks fewer
 * nodes than it writes bytes. */

#define ROPE_MIN 128               /* shorter results are copied flat, as before */
#define ROPE_BIT 0x80000000u       /* in StrRope.llen/rlen: that child is a StrRope */
#define ROPE_MAX_LEN 0x7fffffffu   /* longer results are flat (lengths keep one bit free) */

/* 32 bytes: one eval_alloc32 object. The same nodes make list ropes (`acc ++ [ x ]`): their
 * pieces are arrays of element pointers, their lengths count elements. */
typedef struct StrRope {
    const void *flat;        /* the pieces once flattened (then left/right are NULL) */
    const void *left, *right; /* a piece, or a StrRope when the length has ROPE_BIT */
    uint32_t llen, rlen;
} StrRope;

typedef struct RopeWalk {
    const StrRope *r;
    size_t off, len;
} RopeWalk;

/* Writes the len items (of esz bytes: characters or element pointers) of r to out,
 * iteratively: a left-deep chain (`acc + x`) or a right-deep one (`x + acc`) walks
 * without a stack; only nodes whose two children are both unflattened ropes push one
 * of them. Inlined into its two users, so that esz is a constant in each. */
static inline __attribute__((always_inline)) void rope_write_items(const StrRope *r, size_t len, char *out,
                                                                  size_t esz)
{
    RopeWalk local[32], *stack = local;
    size_t n = 0, cap = 32, off = 0;
    for (;;) {
        if (r->flat) {
            memcpy(out + off * esz, r->flat, len * esz);
        } else {
            size_t ll = r->llen & ~ROPE_BIT, rl = r->rlen & ~ROPE_BIT;
            const StrRope *lr = (r->llen & ROPE_BIT) ? r->left : NULL;
            const StrRope *rr = (r->rlen & ROPE_BIT) ? r->right : NULL;
            if (!lr)
                memcpy(out + off * esz, r->left, ll * esz);
            if (!rr)
                memcpy(out + (off + ll) * esz, r->right, rl * esz);
            if (lr && rr) {
                if (n == cap) {
                    /* GC memory: the stack holds the only pointers to nothing, but
                     * keeps the house rule of no GC pointers in malloc'd memory */
                    RopeWalk *bigger = GC_MALLOC(2 * cap * sizeof *bigger);
                    memcpy(bigger, stack, n * sizeof *stack);
                    stack = bigger;
                    cap *= 2;
                }
                stack[n++] = (RopeWalk){rr, off + ll, rl};
            }
            if (lr) {
                r = lr;
                len = ll;
                continue;
            }
            if (rr) {
                r = rr;
                off += ll;
                len = rl;
                continue;
            }
        }
        if (!n)
            return;
        n--;
        r = stack[n].r;
        off = stack[n].off;
        len = stack[n].len;
    }
}

static void rope_write(const StrRope *r, size_t len, char *out)
{
    rope_write_items(r, len, out, 1);
}

const char *val_str_flatten(const Value *cv)
{
    Value *v = (Value *)cv; /* logically const: the characters do not change */
    StrRope *r = (StrRope *)v->str.s;
    if (!r->flat) {
        char *buf = GC_MALLOC_ATOMIC((size_t)v->len + 1);
        rope_write(r, v->len, buf);
        buf[v->len] = 0;
        r->flat = buf;
        /* the operands are garbage now unless something else holds them */
        r->left = r->right = NULL;
    }
    v->str.s = r->flat;
    v->flags = 0;
    return v->str.s;
}

/* ---------- building ---------- */

/* Appends the piece (p, len, is_rope) to c->acc. */
static void cat_join(StrCat *c, const void *p, size_t len, bool is_rope)
{
    if (!len)
        return;
    if (!c->acc_len) {
        c->acc = p;
        c->acc_len = len;
        c->acc_rope = is_rope;
        return;
    }
    size_t total = c->acc_len + len;
    if (total > ROPE_MAX_LEN) {
        /* too long for a node: copy (only strings of gigabytes get here) */
        char *buf = GC_MALLOC_ATOMIC(total + 1);
        if (c->acc_rope)
            rope_write(c->acc, c->acc_len, buf);
        else
            memcpy(buf, c->acc, c->acc_len);
        if (is_rope)
            rope_write(p, len, buf + c->acc_len);
        else
            memcpy(buf + c->acc_len, p, len);
        buf[total] = 0;
        c->acc = buf;
        c->acc_len = total;
        c->acc_rope = false;
        return;
    }
    StrRope *r = eval_alloc32(c->st);
    r->left = c->acc;
    r->llen = (uint32_t)c->acc_len | (c->acc_rope ? ROPE_BIT : 0);
    r->right = p;
    r->rlen = (uint32_t)len | (is_rope ? ROPE_BIT : 0);
    c->acc = r;
    c->acc_len = total;
    c->acc_rope = true;
}

/* The pending short pieces as one string: a lone piece is shared, several are
 * copied into one allocation of the exact size. */
static const char *cat_pending(StrCat *c, size_t *len)
{
    if (c->npend == 1) {
        *len = c->pend[0].len;
        return c->pend[0].s;
    }
    char *buf = GC_MALLOC_ATOMIC(c->pend_len + 1), *o = buf;
    for (uint32_t i = 0; i < c->npend; i++) {
        memcpy(o, c->pend[i].s, c->pend[i].len);
        o += c->pend[i].len;
    }
    *o = 0;
    *len = c->pend_len;
    return buf;
}

/* Moves the pending short pieces into c->acc. */
static void cat_flush(StrCat *c)
{
    if (!c->npend)
        return;
    size_t len;
    const char *s = cat_pending(c, &len);
    cat_join(c, s, len, false);
    c->npend = 0;
    c->pend_len = 0;
}

void strcat_init(EvalState *st, StrCat *c)
{
    c->st = st;
    c->npend = 0;
    c->pend_len = 0;
    c->acc = NULL;
    c->acc_len = 0;
    c->acc_rope = false;
}

void strcat_add(StrCat *c, const char *s, size_t len)
{
    if (!len)
        return;
    if (c->npend == STRCAT_PENDING) {
        /* many short pieces: merge them into one */
        size_t l;
        const char *m = cat_pending(c, &l);
        c->pend[0] = (StrPiece){m, l};
        c->npend = 1;
    }
    c->pend[c->npend++] = (StrPiece){s, len};
    c->pend_len += len;
}

void strcat_add_value(StrCat *c, const Value *v)
{
    if (!v->len)
        return;
    if (v->len >= ROPE_MIN || (v->flags & VAL_ROPE)) {
        cat_flush(c);
        cat_join(c, v->str.s, v->len, v->flags & VAL_ROPE);
        return;
    }
    strcat_add(c, v->str.s, v->len);
}

void strcat_finish(StrCat *c, Value *out, const StrContext *ctx)
{
    if (!c->acc_len) {
        /* no long piece (a rope is one): one flat string, as before */
        size_t len = 0;
        const char *s = c->npend ? cat_pending(c, &len) : "";
        val_set_string(out, s, len, ctx);
        return;
    }
    cat_flush(c);
    val_set_string(out, c->acc, c->acc_len, ctx);
    if (c->acc_rope)
        out->flags = VAL_ROPE;
}

/* ---------- lists ---------- */

/* `acc ++ [ x ]` in a loop (foldl') and long `[ a ] ++ [ b ] ++ ...` chains copied the
 * elements so far at every step (quadratic); a result of at least LIST_ROPE_MIN elements
 * refers to its operands instead and is copied out once, when something first reads its
 * elements (val_list). Its length is known without flattening. */
#define LIST_ROPE_MIN 32

Value **val_list_flatten(const Value *cv)
{
    Value *v = (Value *)cv; /* logically const: the elements do not change */
    StrRope *r = (StrRope *)v->list.elems;
    if (!r->flat) {
        Value **buf = GC_MALLOC((size_t)v->len * sizeof *buf);
        rope_write_items(r, v->len, (char *)buf, sizeof *buf);
        r->flat = buf;
        /* the operands are garbage now unless something else holds them */
        r->left = r->right = NULL;
    }
    v->list.elems = (Value **)r->flat;
    v->flags = 0;
    return v->list.elems;
}

/* What a T_LIST operand contributes to a node: its element array, or its unflattened node. */
static const void *list_piece(const Value *v, bool *is_rope)
{
    *is_rope = false;
    if (!(v->flags & VAL_LIST_ROPE))
        return v->list.elems;
    const StrRope *r = (const StrRope *)v->list.elems;
    if (r->flat)
        return r->flat;
    *is_rope = true;
    return r;
}

void val_list_concat(EvalState *st, const Value *a, const Value *b, Value *out)
{
    size_t n = (size_t)a->len + b->len;
    if (n < LIST_ROPE_MIN || n > ROPE_MAX_LEN) {
        Value **el = val_list_alloc(st, n);
        memcpy(el, val_list(a), a->len * sizeof *el);
        memcpy(el + a->len, val_list(b), b->len * sizeof *el);
        val_set_list(out, el, n);
        return;
    }
    st->stats.list_elems += n;
    bool lrope, rrope;
    const void *l = list_piece(a, &lrope), *r = list_piece(b, &rrope);
    StrRope *node = eval_alloc32(st);
    node->left = l;
    node->llen = a->len | (lrope ? ROPE_BIT : 0);
    node->right = r;
    node->rlen = b->len | (rrope ? ROPE_BIT : 0);
    val_set_list(out, (Value **)node, n);
    out->flags = VAL_LIST_ROPE;
}
