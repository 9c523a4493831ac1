/* Attribute-set lookup and `//`: layered sets, so update chains do not copy the left side. */
#include "eval/internal.h"

#include <gc/gc.h>
#include <string.h>

/* A layered set L (L->layered != 0) is `base // top`: attrs[0..size) is the top layer
 * (sorted, unique) and attrs[size] is not an attribute but the link to the base: its
 * value field points to the base Bindings, its name field holds LINK_* flags, its pos
 * field counts lookups that went past the top (attrs_find).
 * L->layered counts the attributes of the whole set. Layers are immutable; flattening
 * only redirects the link to the flat copy (LINK_FLAT), so Attr pointers that lookups
 * returned stay valid.
 *
 * Sizes of the top layers at least double going down (attrs_update merges a new top
 * with the layers below while they are comparable: the logarithmic method), so a set
 * has O(log n) layers, each attribute is copied O(log n) times over a chain of
 * updates, and a lookup costs O(log^2 n) at worst (one or two binary searches in the
 * common `big // { few }` case). */

#define LINK_FLAT 1u /* the base is the flat copy of the whole set (attrs_flatten's cache) */

/* Below this many attributes on the left, `//` copies: cheap, and keeps small sets flat. */
#define LAYER_MIN_BASE 32
/* A top of at least 1/LAYER_RATIO of its flat base is merged into it. */
#define LAYER_RATIO 8
/* Bound on the layers of a set: top sizes more than double downwards, sizes are < 2^32. */
#define MAX_LAYERS 40

static inline Attr *link_of(const Bindings *b) { return (Attr *)&b->attrs[b->size]; }
static inline Bindings *base_of(const Bindings *b) { return (Bindings *)link_of(b)->value; }
static inline bool is_flattened(const Bindings *b) { return link_of(b)->name & LINK_FLAT; }

Attr *attrs_find(const Bindings *b, Symbol name)
{
    for (;;) {
        if (__builtin_expect(b->layered != 0, 0) && is_flattened(b)) {
            b = base_of(b); /* the flat copy has it all */
            continue;
        }
        uint32_t lo = 0, hi = b->size;
        while (lo < hi) {
            uint32_t mid = (lo + hi) / 2;
            Symbol s = b->attrs[mid].name;
            if (s == name)
                return (Attr *)&b->attrs[mid];
            if (s < name)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (__builtin_expect(!b->layered, 1))
            return NULL;
        /* A set looked up through its layers many times (a long-lived overlay result)
         * is flattened once its lookups have paid for the copy; the link's pos field
         * counts them. (Sets live in the GC heap: the cast only drops the promise.) */
        Attr *link = link_of(b);
        if (++link->pos > b->layered / 4 + 64)
            return attrs_find(attrs_flatten((Bindings *)b), name);
        b = base_of(b);
    }
}

/* Merges two sorted arrays into dst, the first winning on equal names; returns the count. */
static uint32_t merge_into(Attr *dst, const Attr *top, uint32_t nt, const Attr *bot, uint32_t nb)
{
    uint32_t i = 0, j = 0, k = 0;
    while (i < nt && j < nb) {
        Symbol x = top[i].name, y = bot[j].name;
        if (x < y)
            dst[k++] = top[i++];
        else if (x > y)
            dst[k++] = bot[j++];
        else {
            dst[k++] = top[i++];
            j++;
        }
    }
    memcpy(dst + k, top + i, (nt - i) * sizeof(Attr));
    k += nt - i;
    memcpy(dst + k, bot + j, (nb - j) * sizeof(Attr));
    return k + (nb - j);
}

Bindings *attrs_flatten(Bindings *b)
{
    if (!b->layered)
        return b;
    if (is_flattened(b))
        return base_of(b);
    /* The top layers, top first, then a flat bottom (possibly an earlier flat copy). */
    Bindings *layers[MAX_LAYERS + 1];
    uint32_t n = 0;
    for (Bindings *c = b;; c = base_of(c)) {
        /* (the depth bound holds by construction; past it, flatten the rest first) */
        if (!c->layered || is_flattened(c) || n == MAX_LAYERS) {
            layers[n++] = attrs_flat(c);
            break;
        }
        layers[n++] = c;
    }
    uint32_t total = b->layered;
    Bindings *f = GC_MALLOC(sizeof(Bindings) + (size_t)total * sizeof(Attr));
    f->capacity = total;
    f->pos = b->pos;
    /* Fold the layers top-down, alternating between f and a scratch buffer so that the
     * last merge lands in f; geometric layer sizes make this O(total). */
    Attr *tmp = n > 2 ? GC_MALLOC_ATOMIC((size_t)total * sizeof(Attr)) : NULL;
    const Attr *acc = layers[0]->attrs;
    uint32_t nacc = layers[0]->size;
    for (uint32_t i = 1; i < n; i++) {
        Attr *dst = (n - 1 - i) % 2 == 0 ? f->attrs : tmp;
        nacc = merge_into(dst, acc, nacc, layers[i]->attrs, layers[i]->size);
        acc = dst;
    }
    if (tmp)
        GC_FREE(tmp);
    f->size = nacc;
    Attr *link = link_of(b);
    link->value = (Value *)f;
    link->name |= LINK_FLAT;
    return f;
}

/* A new flat set: a's attributes overridden and extended by b's (both flat). */
static Bindings *merge_flat(EvalState *st, Bindings *a, Bindings *b)
{
    Bindings *n = attrs_alloc(st, (size_t)a->size + b->size);
    n->size = merge_into(n->attrs, b->attrs, b->size, a->attrs, a->size);
    n->pos = b->pos;
    st->stats.update_copied += n->size;
    return n;
}

Bindings *attrs_update(EvalState *st, Bindings *a, Bindings *b)
{
    st->stats.updates++;
    uint32_t na = attrs_count(a), nb = attrs_count(b);
    if (nb == 0)
        return a;
    if (na == 0)
        return b;
    b = attrs_flat(b);
    if (na < LAYER_MIN_BASE || (uint64_t)nb * LAYER_RATIO >= na)
        return merge_flat(st, attrs_flat(a), b);
    /* The new top layer: b, merged with the top layers of a that are not more than
     * twice its size. Merged tops get room for the link slot. */
    const Attr *top = b->attrs;
    uint32_t ntop = b->size;
    Bindings *merged = NULL;
    Bindings *base = a;
    while (base->layered && !is_flattened(base) && base->size <= 2 * (uint64_t)ntop) {
        Bindings *m = attrs_alloc(st, (size_t)ntop + base->size + 1);
        m->size = merge_into(m->attrs, top, ntop, base->attrs, base->size);
        st->stats.update_copied += m->size;
        merged = m;
        top = m->attrs;
        ntop = m->size;
        base = base_of(base);
    }
    if (base->layered && is_flattened(base))
        base = base_of(base);
    if (!base->layered && (uint64_t)ntop * LAYER_RATIO >= base->size) {
        Bindings *n = attrs_alloc(st, (size_t)ntop + base->size);
        n->size = merge_into(n->attrs, top, ntop, base->attrs, base->size);
        n->pos = b->pos;
        st->stats.update_copied += n->size;
        return n;
    }
    uint32_t total = attrs_count(base);
    for (uint32_t i = 0; i < ntop; i++)
        total += attrs_find(base, top[i].name) == NULL;
    Bindings *l = merged;
    if (!l) {
        l = attrs_alloc(st, (size_t)ntop + 1);
        memcpy(l->attrs, top, (size_t)ntop * sizeof(Attr));
        l->size = ntop;
        st->stats.update_copied += ntop;
    }
    l->pos = b->pos;
    l->layered = total;
    *link_of(l) = (Attr){0, 0, (Value *)base};
    return l;
}
