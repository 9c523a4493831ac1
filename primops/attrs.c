/* Primop family prim_attrs: attribute-set queries, construction, mapping and genericClosure. */
#include "primops/primops.h"
#include "primops/primutil.h"
#include "util/strbuf.h"

#include <gc/gc.h>
#include <string.h>

/* CppNix's EvalState::getAttr failure: the context frame, then the message. */
_Noreturn static void missing_attr(EvalState *st, Symbol name, const char *ctx)
{
    if (ctx)
        eval_frame_push(st, 0, ctx);
    eval_error(st, ERR_TYPE, 0, "attribute '%s' missing", sym_name(st->symbols, name));
}

static void set_empty_attrs(EvalState *st, Value *out)
{
    val_set_attrs(out, attrs_alloc(st, 0));
}

static void prim_attrNames(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    Bindings *b = eval_force_attrs(st, args[0], 0, "while evaluating the argument passed to builtins.attrNames");
    uint32_t n = b->size;
    if (n == 0) {
        val_set_list(out, NULL, 0);
        return;
    }
    uint32_t *idx = prim_attrs_by_name(st, b);
    Value **elems = val_list_alloc(st, n);
    for (uint32_t i = 0; i < n; i++)
        elems[i] = prim_sym_string(st, b->attrs[idx[i]].name);
    val_set_list(out, elems, n);
}

static void prim_attrValues(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    Bindings *b = eval_force_attrs(st, args[0], 0, "while evaluating the argument passed to builtins.attrValues");
    uint32_t n = b->size;
    if (n == 0) {
        val_set_list(out, NULL, 0);
        return;
    }
    uint32_t *idx = prim_attrs_by_name(st, b);
    Value **elems = val_list_alloc(st, n);
    for (uint32_t i = 0; i < n; i++)
        elems[i] = b->attrs[idx[i]].value;
    val_set_list(out, elems, n);
}

/* The symbol for a name given as a string, or 0 if no attribute can have it
 * (never interned), which spares the symbol table from lookups of junk. */
static Symbol lookup_sym(EvalState *st, Value *s)
{
    return sym_lookup(st->symbols, val_str(s), s->len);
}

static void prim_getAttr(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    eval_force_string_no_ctx(st, args[0], 0, "while evaluating the first argument passed to builtins.getAttr");
    Bindings *b = eval_force_attrs_lookup(st, args[1], 0, "while evaluating the second argument passed to builtins.getAttr");
    Symbol s = lookup_sym(st, args[0]);
    Attr *a = s ? attrs_find(b, s) : NULL;
    if (!a) {
        eval_frame_push(st, 0, "in the attribute set under consideration");
        eval_error(st, ERR_TYPE, 0, "attribute '%s' missing", val_str(args[0]));
    }
    eval_force(st, a->value, 0);
    *out = *a->value;
}

static void prim_hasAttr(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    eval_force_string_no_ctx(st, args[0], 0, "while evaluating the first argument passed to builtins.hasAttr");
    Bindings *b = eval_force_attrs_lookup(st, args[1], 0, "while evaluating the second argument passed to builtins.hasAttr");
    Symbol s = lookup_sym(st, args[0]);
    val_set_bool(out, s && attrs_find(b, s));
}

static void prim_unsafeGetAttrPos(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    eval_force_string_no_ctx(st, args[0], 0,
                             "while evaluating the first argument passed to builtins.unsafeGetAttrPos");
    Bindings *b =
        eval_force_attrs_lookup(st, args[1], 0, "while evaluating the second argument passed to builtins.unsafeGetAttrPos");
    Symbol s = lookup_sym(st, args[0]);
    Attr *a = s ? attrs_find(b, s) : NULL;
    if (!a)
        val_set_null(out);
    else
        eval_pos_value(st, a->pos, true, out);
}

static void prim_removeAttrs(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    Bindings *b = eval_force_attrs(st, args[0], 0, "while evaluating the first argument passed to builtins.removeAttrs");
    eval_force_list(st, args[1], 0, "while evaluating the second argument passed to builtins.removeAttrs");
    uint32_t n = args[1]->len;
    Value **names = val_list(args[1]);
    /* Mark the doomed attributes (binary search each name): O(k log n + n). */
    uint8_t *gone = NULL;
    uint32_t ngone = 0;
    for (uint32_t i = 0; i < n; i++)
        eval_force_string_no_ctx(st, names[i], 0,
                                 "while evaluating the values of the second argument passed to builtins.removeAttrs");
    enum { AHEAD = 8 }; /* see listToAttrs */
    for (uint32_t i = 0; i < n && i < AHEAD; i++)
        sym_prefetch(st->symbols, val_str(names[i]), names[i]->len);
    for (uint32_t i = 0; i < n; i++) {
        if (i + AHEAD < n)
            sym_prefetch(st->symbols, val_str(names[i + AHEAD]), names[i + AHEAD]->len);
        Symbol s = lookup_sym(st, names[i]);
        Attr *a = s ? attrs_find(b, s) : NULL;
        if (!a)
            continue;
        if (!gone) {
            gone = GC_MALLOC_ATOMIC(b->size);
            memset(gone, 0, b->size);
        }
        size_t k = (size_t)(a - b->attrs);
        ngone += !gone[k];
        gone[k] = 1;
    }
    /* Always a new set (never the input itself), as in CppNix: set identity is
     * visible in printing («repeated»). */
    Bindings *r = attrs_alloc(st, b->size - ngone);
    for (uint32_t i = 0; i < b->size; i++)
        if (!gone || !gone[i])
            r->attrs[r->size++] = b->attrs[i]; /* a subsequence of a sorted array stays sorted */
    val_set_attrs(out, r);
}

/* First occurrence of a name wins. Names are all evaluated first; values stay lazy. */
static void prim_listToAttrs(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    eval_force_list(st, args[0], 0, "while evaluating the argument passed to builtins.listToAttrs");
    uint32_t n = args[0]->len;
    Value **src = val_list(args[0]);
    uint64_t *keys = GC_MALLOC_ATOMIC(((size_t)n + 1) * sizeof(uint64_t)); /* symbol << 32 | index */
    Value **names = GC_MALLOC(((size_t)n + 1) * sizeof *names);
    for (uint32_t i = 0; i < n; i++) {
        Bindings *e = eval_force_attrs_lookup(
            st, src[i], 0, "while evaluating an element of the list passed to builtins.listToAttrs");
        Attr *name = attrs_find(e, st->s.name);
        if (!name)
            missing_attr(st, st->s.name, "in a {name=...; value=...;} pair");
        eval_force_string_no_ctx(
            st, name->value, name->pos,
            "while evaluating the `name` attribute of an element of the list passed to builtins.listToAttrs");
        names[i] = name->value;
    }
    /* Interning is a random access into a large table per name: prefetch a few ahead. */
    enum { AHEAD = 8 };
    for (uint32_t i = 0; i < n && i < AHEAD; i++)
        sym_prefetch(st->symbols, val_str(names[i]), names[i]->len);
    for (uint32_t i = 0; i < n; i++) {
        if (i + AHEAD < n)
            sym_prefetch(st->symbols, val_str(names[i + AHEAD]), names[i + AHEAD]->len);
        Symbol s = sym_intern(st->symbols, val_str(names[i]), names[i]->len);
        keys[i] = (uint64_t)s << 32 | i;
    }
    GC_FREE(names);
    prim_sort_u64(keys, n); /* stable by symbol: the first occurrence leads each run */
    uint32_t unique = 0;
    for (uint32_t i = 0; i < n; i++)
        unique += i == 0 || keys[i] >> 32 != keys[i - 1] >> 32;
    Bindings *b = attrs_alloc(st, unique);
    for (uint32_t i = 0; i < n; i++) {
        if (i > 0 && keys[i] >> 32 == keys[i - 1] >> 32)
            continue;
        Bindings *e = src[(uint32_t)keys[i]]->attrs;
        Attr *value = attrs_find(e, st->s.value);
        if (!value)
            missing_attr(st, st->s.value, "in a {name=...; value=...;} pair");
        b->attrs[b->size++] = (Attr){(Symbol)(keys[i] >> 32), value->pos, value->value};
    }
    val_set_attrs(out, b);
}

static uint32_t ilog2(uint32_t x)
{
    uint32_t r = 0;
    while (x >>= 1)
        r++;
    return r;
}

/* The attributes of the second set whose names the first set has too. */
static void prim_intersectAttrs(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    Bindings *l = eval_force_attrs_lookup(st, args[0], 0, "while evaluating the first argument passed to builtins.intersectAttrs");
    Bindings *r = eval_force_attrs_lookup(st, args[1], 0, "while evaluating the second argument passed to builtins.intersectAttrs");
    uint32_t nl = attrs_count(l), nr = attrs_count(r);
    uint32_t small = nl < nr ? nl : nr;
    uint32_t large = nl < nr ? nr : nl;
    Bindings *b = attrs_alloc(st, small);
    /* Only the side that is iterated is flattened: callPackage's
     * `intersectAttrs (functionArgs f) (pkgs // { ... })` must not copy pkgs. */
    if ((uint64_t)small * (ilog2(large) + 1) > (uint64_t)small + large) {
        /* Similar sizes: one merge pass over both sorted arrays. */
        l = val_attrs(args[0]);
        r = val_attrs(args[1]);
        uint32_t i = 0, j = 0;
        while (i < l->size && j < r->size) {
            Symbol a = l->attrs[i].name, c = r->attrs[j].name;
            if (a < c)
                i++;
            else if (c < a)
                j++;
            else {
                b->attrs[b->size++] = r->attrs[j];
                i++;
                j++;
            }
        }
    } else if (nl < nr) {
        l = val_attrs(args[0]);
        for (uint32_t i = 0; i < l->size; i++) {
            Attr *a = attrs_find(r, l->attrs[i].name);
            if (a)
                b->attrs[b->size++] = *a;
        }
    } else {
        r = val_attrs(args[1]);
        for (uint32_t j = 0; j < r->size; j++)
            if (attrs_find(l, r->attrs[j].name))
                b->attrs[b->size++] = r->attrs[j];
    }
    val_set_attrs(out, b); /* a new set even if it equals the second: see removeAttrs */
}

static void prim_catAttrs(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    eval_force_string_no_ctx(st, args[0], 0, "while evaluating the first argument passed to builtins.catAttrs");
    eval_force_list(st, args[1], 0, "while evaluating the second argument passed to builtins.catAttrs");
    Symbol s = lookup_sym(st, args[0]);
    uint32_t n = args[1]->len;
    Value **src = val_list(args[1]);
    Value **elems = val_list_alloc(st, n);
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        Bindings *e = eval_force_attrs_lookup(
            st, src[i], 0, "while evaluating an element in the list passed as second argument to builtins.catAttrs");
        Attr *a = s ? attrs_find(e, s) : NULL;
        if (a)
            elems[k++] = a->value;
    }
    val_set_list(out, k ? elems : NULL, k);
}

static void prim_functionArgs(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    Value *f = args[0];
    eval_force(st, f, 0);
    if (f->type == T_PRIMOP || f->type == T_PRIMOP_APP) {
        set_empty_attrs(st, out);
        return;
    }
    if (f->type != T_LAMBDA)
        eval_error(st, ERR_TYPE, 0, "'functionArgs' requires a function");
    Formals *fs = f->lambda.fun->formals;
    if (!fs) {
        set_empty_attrs(st, out);
        return;
    }
    Value *bools = prim_values(st, 2);
    val_set_bool(&bools[0], false);
    val_set_bool(&bools[1], true);
    Bindings *b = attrs_alloc(st, fs->n);
    /* Formals are sorted by symbol already, like Bindings. */
    for (uint32_t i = 0; i < fs->n; i++)
        b->attrs[b->size++] = (Attr){fs->items[i].name, fs->items[i].pos, &bools[fs->items[i].def != NULL]};
    val_set_attrs(out, b);
}

static void set_app(Value *v, Value *fn, Value *arg)
{
    v->type = T_APP;
    v->app.fn = fn;
    v->app.arg = arg;
}

/* Each value becomes the lazy application `f name value`; f is not forced here. */
static void prim_mapAttrs(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    Bindings *in = eval_force_attrs(st, args[1], 0, "while evaluating the second argument passed to builtins.mapAttrs");
    uint32_t n = in->size;
    Bindings *b = attrs_alloc(st, n);
    Value *v = prim_values(st, 2 * (size_t)n); /* per attribute: f name, f name value */
    for (uint32_t i = 0; i < n; i++) {
        Value *app1 = &v[2 * i], *app2 = app1 + 1;
        set_app(app1, args[0], prim_sym_string(st, in->attrs[i].name));
        set_app(app2, app1, in->attrs[i].value);
        b->attrs[i] = (Attr){in->attrs[i].name, 0, app2};
    }
    b->size = n;
    val_set_attrs(out, b);
}

static void prim_zipAttrsWith(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    eval_force_function(st, args[0], 0, "while evaluating the first argument passed to builtins.zipAttrsWith");
    eval_force_list(st, args[1], 0, "while evaluating the second argument passed to builtins.zipAttrsWith");
    uint32_t n = args[1]->len;
    Value **src = val_list(args[1]);
    size_t total = 0;
    for (uint32_t i = 0; i < n; i++)
        total += eval_force_attrs(st, src[i], 0,
                                  "while evaluating a value of the list passed as second argument to "
                                  "builtins.zipAttrsWith")
                     ->size;
    /* Number the distinct names in order of appearance and count their values. */
    PrimSymMap map;
    prim_symmap_init(&map, 16);
    uint32_t *count = GC_MALLOC_ATOMIC((total + 1) * sizeof(uint32_t));
    Symbol *syms = GC_MALLOC_ATOMIC((total + 1) * sizeof(Symbol));
    uint32_t nkeys = 0;
    for (uint32_t i = 0; i < n; i++) {
        Bindings *e = src[i]->attrs;
        for (uint32_t j = 0; j < e->size; j++) {
            bool added;
            uint32_t *k = prim_symmap_get(&map, e->attrs[j].name, &added);
            if (added) {
                *k = nkeys;
                syms[nkeys] = e->attrs[j].name;
                count[nkeys++] = 0;
            }
            count[*k]++;
        }
    }
    /* Per name: the list of values, `f name`, `f name list`. */
    Value **all = val_list_alloc(st, total);
    Value *v = prim_values(st, 3 * (size_t)nkeys);
    size_t off = 0;
    for (uint32_t k = 0; k < nkeys; k++) {
        val_set_list(&v[3 * k], all + off, count[k]);
        off += count[k];
        count[k] = 0;
    }
    for (uint32_t i = 0; i < n; i++) {
        Bindings *e = src[i]->attrs;
        for (uint32_t j = 0; j < e->size; j++) {
            bool added;
            uint32_t k = *prim_symmap_get(&map, e->attrs[j].name, &added);
            val_list(&v[3 * k])[count[k]++] = e->attrs[j].value;
        }
    }
    uint64_t *order = GC_MALLOC_ATOMIC(((size_t)nkeys + 1) * sizeof(uint64_t));
    for (uint32_t k = 0; k < nkeys; k++)
        order[k] = (uint64_t)syms[k] << 32 | k;
    prim_sort_u64(order, nkeys);
    Bindings *b = attrs_alloc(st, nkeys);
    for (uint32_t i = 0; i < nkeys; i++) {
        uint32_t k = (uint32_t)order[i];
        Value *list = &v[3 * k], *app1 = list + 1, *app2 = list + 2;
        set_app(app1, args[0], prim_sym_string(st, syms[k]));
        set_app(app2, app1, list);
        b->attrs[b->size++] = (Attr){syms[k], 0, app2};
    }
    val_set_attrs(out, b);
}

/* ---- genericClosure ---- */

/* Keys are compared as CppNix's ordered map does (with eval_compare); a hash table
 * keeps that linear. Equal keys must hash equally: numbers hash by their double
 * value (1 and 1.0 are the same key), lists by length only (their elements are not
 * forced just to hash them). */
typedef enum KeyClass { KEY_NUMBER, KEY_STRING, KEY_PATH, KEY_LIST, KEY_OTHER } KeyClass;

static KeyClass key_class(const Value *k)
{
    switch (k->type) {
    case T_INT:
    case T_FLOAT:
        return KEY_NUMBER;
    case T_STRING:
        return KEY_STRING;
    case T_PATH:
        return KEY_PATH;
    case T_LIST:
        return KEY_LIST;
    default:
        return KEY_OTHER;
    }
}

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    return x ^ (x >> 33);
}

static uint64_t hash_bytes(const char *s, size_t n, uint64_t h)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
    return h;
}

static uint64_t key_hash(const Value *k)
{
    switch (key_class(k)) {
    case KEY_NUMBER: {
        double d = k->type == T_INT ? (double)k->integer : k->fpoint;
        if (d >= -9.2e18 && d <= 9.2e18 && d == (double)(int64_t)d)
            return mix64((uint64_t)(int64_t)d);
        uint64_t bits;
        memcpy(&bits, &d, sizeof bits);
        return mix64(bits ^ 0x5bd1e995ULL);
    }
    case KEY_STRING:
        return hash_bytes(val_str(k), k->len, 0xcbf29ce484222325ULL);
    case KEY_PATH:
        return hash_bytes(k->path.path, strlen(k->path.path), 0x84222325cbf29ce4ULL);
    case KEY_LIST:
        return mix64(k->len + 0x9e3779b97f4a7c15ULL);
    default:
        return mix64(k->type);
    }
}

typedef struct KeySet {
    Value **keys; /* GC: the keys and the elements they came from */
    Value **elems;
    uint64_t *hashes;
    size_t mask, n;
} KeySet;

static void keyset_alloc(KeySet *s, size_t cap)
{
    s->keys = GC_MALLOC(cap * sizeof(Value *));
    s->elems = GC_MALLOC(cap * sizeof(Value *));
    s->hashes = GC_MALLOC_ATOMIC(cap * sizeof(uint64_t));
    s->mask = cap - 1;
    s->n = 0;
}

static void keyset_put(KeySet *s, uint64_t h, Value *key, Value *elem)
{
    size_t i = h & s->mask;
    while (s->keys[i])
        i = (i + 1) & s->mask;
    s->keys[i] = key;
    s->elems[i] = elem;
    s->hashes[i] = h;
    s->n++;
}

static void keyset_grow(KeySet *s)
{
    KeySet old = *s;
    keyset_alloc(s, (old.mask + 1) * 2);
    for (size_t i = 0; i <= old.mask; i++)
        if (old.keys[i])
            keyset_put(s, old.hashes[i], old.keys[i], old.elems[i]);
}

/* fmt with v rendered as in error messages: only built once an error happened. */
static const char *show_msg(EvalState *st, const char *fmt, Value *v)
{
    StrBuf sb;
    sb_init(&sb);
    sb_printf(&sb, fmt, eval_show_value_str(st, v));
    return sb_finish(&sb);
}

/* eval_compare(key, other) == 0; on an error, CppNix's traces name both elements. */
static bool keys_equal(EvalState *st, Value *key, Value *elem, Value *other_key, Value *other_elem)
{
    TryFrame f;
    if (EVAL_TRY(st, &f)) {
        int c = eval_compare(st, key, other_key, 0, NULL);
        eval_try_leave(st, &f);
        return c == 0;
    }
    /* Frames pushed now land between the live ones and the error's own (eval_rethrow). */
    eval_frame_push(st, 0, show_msg(st, "while comparing element %s", elem));
    eval_frame_push(st, 0, show_msg(st, "with element %s", other_elem));
    eval_rethrow(st, f.error);
}

/* Adds key unless an equal one is present; returns whether it was added. */
static bool keyset_add(EvalState *st, KeySet *s, Value *first_key, Value *first_elem, Value *key, Value *elem)
{
    /* Keys of different kinds (or of kinds without an order) cannot coexist: CppNix's
     * map would have compared the new key with some present key and failed. */
    if (first_key && (key_class(key) != key_class(first_key) || key_class(key) == KEY_OTHER))
        keys_equal(st, key, elem, first_key, first_elem);
    uint64_t h = key_hash(key);
    for (size_t i = h & s->mask; s->keys[i]; i = (i + 1) & s->mask)
        if (s->hashes[i] == h && keys_equal(st, key, elem, s->keys[i], s->elems[i]))
            return false;
    if ((s->n + 1) * 2 > s->mask + 1)
        keyset_grow(s);
    keyset_put(s, h, key, elem);
    return true;
}

typedef struct ValueVec {
    Value **items;
    size_t n, cap;
} ValueVec;

static void vec_push(ValueVec *v, Value *x)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 16;
        Value **items = GC_MALLOC(cap * sizeof *items);
        if (v->n)
            memcpy(items, v->items, v->n * sizeof *items);
        v->items = items;
        v->cap = cap;
    }
    v->items[v->n++] = x;
}

_Noreturn static void closure_element_error(EvalState *st, Value *e, bool not_attrs)
{
    eval_frame_push(st, 0, show_msg(st, "in genericClosure element %s", e));
    if (not_attrs)
        eval_force_attrs(st, e, 0, NULL); /* throws the type error */
    missing_attr(st, st->s.key, NULL);
}

static void prim_genericClosure(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    Bindings *b =
        eval_force_attrs(st, args[0], 0, "while evaluating the first argument passed to builtins.genericClosure");
    Attr *start = attrs_find(b, st->s.startSet);
    if (!start)
        missing_attr(st, st->s.startSet, "in the attrset passed as argument to builtins.genericClosure");
    eval_force_list(st, start->value, 0,
                    "while evaluating the 'startSet' attribute passed as argument to builtins.genericClosure");
    if (start->value->len == 0) {
        *out = *start->value;
        return;
    }
    Attr *op = attrs_find(b, st->s.operator_);
    if (!op)
        missing_attr(st, st->s.operator_, "in the attrset passed as argument to builtins.genericClosure");
    eval_force_function(st, op->value, 0,
                        "while evaluating the 'operator' attribute passed as argument to builtins.genericClosure");

    ValueVec work = {0}, res = {0};
    for (uint32_t i = 0; i < start->value->len; i++)
        vec_push(&work, val_list(start->value)[i]);
    KeySet seen;
    keyset_alloc(&seen, 64);
    Value *first_key = NULL, *first_elem = NULL;
    for (size_t head = 0; head < work.n; head++) {
        Value *e = work.items[head];
        eval_force(st, e, 0);
        if (e->type != T_ATTRS)
            closure_element_error(st, e, true);
        Attr *key = attrs_find(e->attrs, st->s.key);
        if (!key)
            closure_element_error(st, e, false);
        eval_force(st, key->value, 0);
        if (!keyset_add(st, &seen, first_key, first_elem, key->value, e))
            continue;
        if (!first_key) {
            first_key = key->value;
            first_elem = e;
        }
        vec_push(&res, e);

        TryFrame f;
        if (EVAL_TRY(st, &f)) {
            Value next;
            eval_call(st, op->value, 1, &e, &next, 0);
            eval_force_list(st, &next, 0,
                            "while evaluating the return value of the `operator` passed to builtins.genericClosure");
            for (uint32_t i = 0; i < next.len; i++) {
                eval_force(st, val_list(&next)[i], 0);
                vec_push(&work, val_list(&next)[i]);
            }
            eval_try_leave(st, &f);
        } else {
            eval_frame_push(st, 0, show_msg(st, "while calling operator on genericClosure element %s", e));
            eval_rethrow(st, f.error);
        }
        /* Processed entries are dead: drop them now and then so a long closure's queue
         * does not keep every element alive twice. */
        if (head > 4096 && head * 2 > work.n) {
            memmove(work.items, work.items + head + 1, (work.n - head - 1) * sizeof(Value *));
            work.n -= head + 1;
            head = (size_t)-1; /* the loop's increment brings it to 0 */
        }
    }
    Value **elems = val_list_alloc(st, res.n);
    memcpy(elems, res.items, res.n * sizeof(Value *));
    val_set_list(out, elems, res.n);
}

const PrimOp prim_attrs[] = {
    {"attrNames", 1, 0, "set",
     "Return the names of the attributes of *set*, sorted: `builtins.attrNames { y = 1; x = \"foo\"; }` "
     "is `[ \"x\" \"y\" ]`.",
     prim_attrNames},
    {"attrValues", 1, 0, "set",
     "Return the values of the attributes of *set*, in the order of their sorted names: "
     "`builtins.attrValues { y = 1; x = \"foo\"; }` is `[ \"foo\" 1 ]`.",
     prim_attrValues},
    {"getAttr", 2, 0, "s set",
     "Return the attribute *s* of *set*, like `set.${s}`: `builtins.getAttr \"x\" { x = 1; }` is `1`. "
     "An error if it is missing.",
     prim_getAttr},
    {"hasAttr", 2, 0, "s set",
     "Return whether *set* has an attribute named *s*, like `set ? ${s}`: "
     "`builtins.hasAttr \"x\" { x = 1; }` is `true`.",
     prim_hasAttr},
    {"removeAttrs", 2, PRIM_GLOBAL, "set list",
     "Remove the attributes named in *list* from *set*: `removeAttrs { x = 1; y = 2; z = 3; } [ \"a\" "
     "\"x\" \"z\" ]` is `{ y = 2; }`. Names not in *set* are ignored. Also bound globally.",
     prim_removeAttrs},
    {"listToAttrs", 1, 0, "e",
     "Build a set from a list of `{ name = ...; value = ...; }` sets: "
     "`builtins.listToAttrs [ { name = \"foo\"; value = 123; } ]` is `{ foo = 123; }`. If a name "
     "occurs more than once, the first occurrence wins. Values stay unevaluated.",
     prim_listToAttrs},
    {"intersectAttrs", 2, 0, "e1 e2",
     "Return the attributes of *e2* whose names are also in *e1*: "
     "`builtins.intersectAttrs { a = 1; } { a = 2; b = 3; }` is `{ a = 2; }`.",
     prim_intersectAttrs},
    {"catAttrs", 2, 0, "attr list",
     "Collect the attribute *attr* of each set in *list*, skipping sets without it: "
     "`builtins.catAttrs \"a\" [ { a = 1; } { b = 0; } { a = 2; } ]` is `[ 1 2 ]`.",
     prim_catAttrs},
    {"functionArgs", 1, 0, "f",
     "Return the formal arguments of the function *f* as a set mapping each name to whether it has "
     "a default: `builtins.functionArgs ({ x, y ? 123 }: ...)` is `{ x = false; y = true; }`. "
     "`{ }` for `x: ...` functions and primops; an error for non-functions.",
     prim_functionArgs},
    {"unsafeGetAttrPos", 2, 0, "s set",
     "Return the position of the definition of attribute *s* in *set* as `{ file; line; column; }`, "
     "or `null` if the attribute is missing or has no position in a file "
     "(e.g. `builtins.unsafeGetAttrPos \"x\" { x = 1; }` written in `a.nix` line 1 gives "
     "`{ column = 36; file = \"/…/a.nix\"; line = 1; }`).",
     prim_unsafeGetAttrPos},
    {"mapAttrs", 2, 0, "f attrset",
     "Apply *f* to every attribute's name and value, lazily: "
     "`builtins.mapAttrs (name: value: value * 10) { a = 1; b = 2; }` is `{ a = 10; b = 20; }`.",
     prim_mapAttrs},
    {"zipAttrsWith", 2, 0, "f list",
     "Merge the sets in *list*: each name present in any of them maps to `f name values`, *values* "
     "being the list of its values in list order (lazily): "
     "`builtins.zipAttrsWith (name: values: values) [ { a = 1; } { a = 2; b = 3; } ]` is "
     "`{ a = [ 1 2 ]; b = [ 3 ]; }`.",
     prim_zipAttrsWith},
    {"genericClosure", 1, 0, "attrset",
     "Compute the closure of `attrset.startSet` under `attrset.operator`: each set in the start set "
     "and in the lists *operator* returns must have a `key` attribute (numbers, strings, paths or "
     "lists); sets whose key was already seen are dropped, the others are passed to *operator*. "
     "Returns the sets in the order they were first reached. Example: "
     "`builtins.genericClosure { startSet = [ { key = 5; } ]; operator = x: if x.key > 1 then "
     "[ { key = x.key - 1; } ] else [ ]; }` is `[ { key = 5; } { key = 4; } ... { key = 1; } ]`.",
     prim_genericClosure},
    {0},
};
