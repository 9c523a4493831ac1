/* Value, list, string and attribute-set allocation; sorted-array attribute sets. */
#include "eval/internal.h"

#include <gc/gc.h>
#include <stdlib.h>
#include <string.h>

/* bdwgc's mark stack starts at 4096 entries and doubles only at the end of a
 * collection that overflowed it, and each overflow makes the marker rescan the marked
 * heap: the six collections of home.nix overflowed it 128 times, so that marking did
 * the work of several. So once the live heap is MARK_WARM_LIVE, a few extra
 * collections are each given a chain of nodes whose leaves pile up on the mark stack
 * (the marker follows the link, pushed last, and leaves the leaves) beyond its size:
 * the stack doubles each time, to 2^(12 + ROUNDS) entries, and later collections do
 * not overflow it. Smaller evaluations pay nothing. */
#define MARK_STACK_START 4096
#define MARK_WARM_FAN 6
#define MARK_WARM_ROUNDS 5
/* Only once the live heap is this big: the extra collections each mark it, and an
 * overflow rescans it (at the first collection instead, a 0.06 s program took 2.6x
 * the instructions). */
#define MARK_WARM_LIVE ((size_t)24 << 20)

static void mark_stack_warm_up(void)
{
    for (int r = 0; r < MARK_WARM_ROUNDS; r++) {
        /* (beyond the stack by two of the 512-entry discards an overflow makes: few
         * overflows, each a rescan of the heap) */
        size_t leaves = ((size_t)MARK_STACK_START << r) + 1024;
        void **volatile chain = NULL;
        for (size_t n = 0; n < leaves; n += MARK_WARM_FAN) {
            void **node = GC_MALLOC((MARK_WARM_FAN + 1) * sizeof(void *));
            for (int i = 0; i < MARK_WARM_FAN; i++)
                node[i] = GC_MALLOC(sizeof(void *));
            node[MARK_WARM_FAN] = chain;
            chain = node;
        }
        GC_gcollect();
        chain = NULL;
    }
}

void eval_pos_value(EvalState *st, PosIdx pos, bool files_only, Value *out)
{
    Pos p = pos_get(st->positions, pos);
    if (!pos || !p.src || (files_only && p.src->kind != SRC_FILE)) {
        val_set_null(out);
        return;
    }
    const char *file = p.src->kind == SRC_FILE    ? p.src->path
                       : p.src->kind == SRC_STDIN ? "«stdin»"
                                                  : "«string»";
    size_t flen = strlen(file);
    /* CppNix's file is the path inside its accessor: "/fetchurl.nix" for what positions show
     * as <nix/fetchurl.nix>, "/derivation-internal.nix" for «nix-internal»/derivation-internal.nix */
    if (strncmp(file, "<nix/", 5) == 0 && file[flen - 1] == '>') {
        file += 4;
        flen -= 5;
    } else if (strncmp(file, "«nix-internal»/", strlen("«nix-internal»/")) == 0) {
        file += strlen("«nix-internal»");
        flen -= strlen("«nix-internal»");
    }
    st->stats.values += 3;
    Value *v = GC_MALLOC(3 * sizeof(Value));
    val_set_string(&v[0], file, flen, NULL);
    val_set_int(&v[1], p.line);
    val_set_int(&v[2], p.col);
    Bindings *b = attrs_alloc(st, 3);
    attrs_push(b, st->s.file, 0, &v[0]);
    attrs_push(b, st->s.line, 0, &v[1]);
    attrs_push(b, st->s.column, 0, &v[2]);
    attrs_sort(b);
    val_set_attrs(out, b);
}

/* After each collection, let the program allocate about 4x its live data
 * (at least 8 MB, at most 128 MB) before the next one: small programs stay small,
 * and allocation-heavy ones with a large live heap (nixpkgs-like fixed points)
 * do not spend their time re-marking it. */
static void gc_pace(EvalState *st)
{
    EvalPriv *p = st->priv;
    size_t no = (size_t)GC_get_gc_no();
    if (no == p->gc_seen)
        return;
    p->gc_seen = no;
    if (p->gc_min_fixed) {
        GC_set_min_bytes_allocd(p->gc_min_fixed);
        return;
    }
    size_t heap = GC_get_heap_size(), free = GC_get_free_bytes();
    size_t live = heap > free ? heap - free : 0;
    st->stats.gc_marked += live;
    if (!p->mark_stack_warm && live >= MARK_WARM_LIVE) {
        p->mark_stack_warm = true;
        mark_stack_warm_up();
        p->gc_seen = (size_t)GC_get_gc_no();
    }
    /* The C stack is scanned by every collection too: in a deep recursion
     * (bench deep: ~8 MB of frames) it costs as much as a heap of that size. */
    struct GC_stack_base sb;
    char here;
    if (GC_get_my_stackbottom(&sb) && (char *)sb.mem_base > &here)
        live += (size_t)((char *)sb.mem_base - &here);
    size_t want = 4 * live;
    if (want < ((size_t)8 << 20))
        want = (size_t)8 << 20;
    /* 128 MB cap: at 1 GB, bench lists (~110 MB live) peaked at 555-610 MB, above
     * CppNix's 446; at 128 MB 293 MB, and every workload stays under CppNix's peak
     * with no measurable CPU change */
    if (want > ((size_t)128 << 20))
        want = (size_t)128 << 20;
    GC_set_min_bytes_allocd(want);
}

/* Refills a free list with objects of request bytes. The collector adds one byte to
 * every request, so that a pointer just past an object keeps that object alive and
 * not the next one: a request of 32 gets 48-byte cells. Objects whose size is
 * exactly a cell need that byte (exact 32-byte cells for 2-slot Envs and ropes let
 * collections free live data: nixpkgs' lib/tests/misc.nix crashed under
 * CNIX_GC_MIN=1000000); a 24-byte Value in a 32-byte cell has 8 bytes past its
 * end, so Values ask for 31 bytes and get exactly 32. */
void *eval_refill(EvalState *st, void **list, size_t request)
{
    gc_pace(st);
    void *l = GC_malloc_many(request);
    if (!l)
        eval_error(st, ERR_OOM, 0, "out of memory");
    *list = l;
    return l;
}

Value *val_alloc(EvalState *st)
{
    st->stats.values++;
    return eval_alloc_value(st);
}

Value **val_list_alloc(EvalState *st, size_t n)
{
    st->stats.list_elems += n;
    return n ? GC_MALLOC(n * sizeof(Value *)) : NULL;
}

char *val_str_alloc(size_t len)
{
    return GC_MALLOC_ATOMIC(len + 1);
}

const char *val_str_dup(const char *s, size_t len)
{
    char *d = GC_MALLOC_ATOMIC(len + 1);
    memcpy(d, s, len);
    d[len] = 0;
    return d;
}

void val_make_string(Value *v, const char *s)
{
    size_t n = strlen(s);
    val_set_string(v, val_str_dup(s, n), n, NULL);
}

Bindings *attrs_alloc(EvalState *st, size_t capacity)
{
    st->stats.attrsets++;
    st->stats.attr_slots += capacity;
    Bindings *b = GC_MALLOC(sizeof(Bindings) + capacity * sizeof(Attr));
    b->size = 0;
    b->capacity = (uint32_t)capacity;
    b->pos = 0;
    b->layered = 0;
    return b;
}

void attrs_push(Bindings *b, Symbol name, PosIdx pos, Value *value)
{
    b->attrs[b->size++] = (Attr){name, pos, value};
}

static int attr_cmp(const void *a, const void *b)
{
    Symbol x = ((const Attr *)a)->name, y = ((const Attr *)b)->name;
    return x < y ? -1 : x > y;
}

void attrs_sort(Bindings *b)
{
    /* Insertion sort for small (common, often nearly sorted) sets. */
    if (b->size < 16) {
        for (uint32_t i = 1; i < b->size; i++) {
            Attr a = b->attrs[i];
            uint32_t j = i;
            while (j > 0 && b->attrs[j - 1].name > a.name) {
                b->attrs[j] = b->attrs[j - 1];
                j--;
            }
            b->attrs[j] = a;
        }
        return;
    }
    qsort(b->attrs, b->size, sizeof(Attr), attr_cmp);
}
