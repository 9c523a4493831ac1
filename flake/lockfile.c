/* flake.lock: the lock graph, reading versions 5 to 7 and writing version 7 as CppNix does. */
#include <errno.h>
#include <gc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flake/flake.h"
#include "flake/internal.h"
#include "util/fs.h"

LockNode *lock_node_new(void)
{
    LockNode *n = GC_MALLOC(sizeof *n);
    n->is_flake = true;
    return n;
}

void lock_node_set_edge(LockNode *n, const char *name, LockNode *child, const InputPath *follows)
{
    uint32_t i = 0;
    while (i < n->ninputs && strcmp(n->inputs[i].name, name) < 0)
        i++;
    if (i == n->ninputs || strcmp(n->inputs[i].name, name) != 0) {
        if (n->ninputs == n->cap) {
            n->cap = n->cap ? n->cap * 2 : 4;
            LockEdge *ne = GC_MALLOC(n->cap * sizeof *ne);
            if (n->ninputs)
                memcpy(ne, n->inputs, n->ninputs * sizeof *ne);
            n->inputs = ne;
        }
        memmove(n->inputs + i + 1, n->inputs + i, (n->ninputs - i) * sizeof *n->inputs);
        n->ninputs++;
    }
    LockEdge *e = &n->inputs[i];
    memset(e, 0, sizeof *e);
    e->name = name;
    e->node = child;
    if (follows)
        e->follows = *follows;
}

const LockEdge *lock_node_edge(const LockNode *n, const char *name)
{
    for (uint32_t i = 0; i < n->ninputs; i++)
        if (strcmp(n->inputs[i].name, name) == 0)
            return &n->inputs[i];
    return NULL;
}

/* ---------- reading ---------- */

typedef struct KeyMap {
    const char **keys;
    LockNode **nodes;
    uint32_t n, cap;
} KeyMap;

static LockNode *keymap_get(const KeyMap *m, const char *k)
{
    for (uint32_t i = 0; i < m->n; i++)
        if (strcmp(m->keys[i], k) == 0)
            return m->nodes[i];
    return NULL;
}

static void keymap_put(KeyMap *m, const char *k, LockNode *n)
{
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 16;
        const char **nk = GC_MALLOC(m->cap * sizeof *nk);
        LockNode **nn = GC_MALLOC(m->cap * sizeof *nn);
        if (m->n) {
            memcpy(nk, m->keys, m->n * sizeof *nk);
            memcpy(nn, m->nodes, m->n * sizeof *nn);
        }
        m->keys = nk;
        m->nodes = nn;
    }
    m->keys[m->n] = k;
    m->nodes[m->n++] = n;
}

static Value *get(EvalState *st, Value *obj, const char *name)
{
    if (obj->type != T_ATTRS)
        return NULL;
    Attr *a = attrs_find(val_attrs(obj), sym_intern_cstr(st->symbols, name));
    return a ? a->value : NULL;
}

typedef struct LockReader {
    EvalState *st;
    const char *file;
    Value *nodes;
    KeyMap map;
} LockReader;

static InputPath json_path(LockReader *r, Value *list)
{
    InputPath p = {0};
    for (uint32_t i = 0; i < list->len; i++) {
        Value *e = val_list(list)[i];
        eval_force(r->st, e, 0);
        if (e->type != T_STRING)
            eval_error(r->st, ERR_EVAL, 0, "lock file '%s' has a non-string input path element", r->file);
        p = input_path_append(&p, val_str(e));
    }
    return p;
}

static void read_inputs(LockReader *r, LockNode *node, Value *jnode);

static LockNode *read_node(LockReader *r, const char *key)
{
    EvalState *st = r->st;
    Value *j = get(st, r->nodes, key);
    if (!j)
        eval_error(st, ERR_EVAL, 0, "lock file references missing node '%s'", key);
    LockNode *n = lock_node_new();
    Value *locked = get(st, j, "locked"), *original = get(st, j, "original");
    if (!locked)
        eval_error(st, ERR_EVAL, 0, "attribute 'locked' missing in lock file");
    if (!original)
        eval_error(st, ERR_EVAL, 0, "attribute 'original' missing in lock file");
    n->locked = flake_attrs_from_value(st, locked, 0, "lock file");
    Value *info = get(st, j, "info"); /* version 5 kept narHash and the like apart */
    if (info) {
        FlakeAttrs ia = flake_attrs_from_value(st, info, 0, "lock file");
        for (uint32_t i = 0; i < ia.n; i++) {
            const FlakeAttr *x = &ia.v[i];
            if (x->kind == FA_STR)
                flake_attrs_set_str(&n->locked, x->name, x->str);
            else
                flake_attrs_set_int(&n->locked, x->name, x->num, x->kind == FA_BOOL);
        }
    }
    n->original = flake_attrs_from_value(st, original, 0, "lock file");
    Value *fl = get(st, j, "flake");
    if (fl && fl->type == T_BOOL)
        n->is_flake = fl->boolean;
    Value *parent = get(st, j, "parent");
    if (parent && parent->type == T_LIST) {
        n->has_parent = true;
        n->parent = json_path(r, parent);
    }
    if (!flake_ref_is_locked(&n->locked) && !flake_ref_is_relative(&n->locked))
        eval_error(st, ERR_EVAL, 0,
                   "Lock file contains unlocked input '%s'. Use '--allow-dirty-locks' to accept this lock file.",
                   flake_ref_to_string(st, &n->locked));
    keymap_put(&r->map, key, n);
    read_inputs(r, n, j);
    return n;
}

static void read_inputs(LockReader *r, LockNode *node, Value *jnode)
{
    EvalState *st = r->st;
    Value *ins = get(st, jnode, "inputs");
    if (!ins || ins->type != T_ATTRS)
        return;
    Bindings *b = val_attrs(ins);
    for (uint32_t i = 0; i < b->size; i++) {
        const char *name = sym_name(st->symbols, b->attrs[i].name);
        Value *v = b->attrs[i].value;
        eval_force(st, v, 0);
        if (v->type == T_LIST) {
            InputPath p = json_path(r, v);
            lock_node_set_edge(node, name, NULL, &p);
        } else if (v->type == T_STRING) {
            const char *k = val_str(v);
            LockNode *child = keymap_get(&r->map, k);
            if (!child)
                child = read_node(r, k);
            if (child->is_root)
                eval_error(st, ERR_EVAL, 0, "lock file contains cycle to root node");
            lock_node_set_edge(node, name, child, NULL);
        } else
            eval_error(st, ERR_EVAL, 0, "lock file '%s' has an invalid input '%s'", r->file, name);
    }
}

LockFile flake_lock_parse(EvalState *st, const char *text, size_t len, const char *file)
{
    LockReader r = {st, file, NULL, {0}};
    Value *j = flake_parse_json(st, text, len, file);
    Value *ver = get(st, j, "version");
    int64_t version = ver && ver->type == T_INT ? ver->integer : 0;
    if (version < 5 || version > 7)
        eval_error(st, ERR_EVAL, 0, "lock file '%s' has unsupported version %lld", file, (long long)version);
    r.nodes = get(st, j, "nodes");
    Value *root = get(st, j, "root");
    if (!r.nodes || r.nodes->type != T_ATTRS || !root || root->type != T_STRING)
        eval_error(st, ERR_EVAL, 0, "lock file '%s' lacks 'nodes' or 'root'", file);
    LockFile lf;
    lf.root = lock_node_new();
    lf.root->is_root = true;
    keymap_put(&r.map, val_str(root), lf.root);
    Value *jroot = get(st, r.nodes, val_str(root));
    if (!jroot)
        eval_error(st, ERR_EVAL, 0, "lock file references missing node '%s'", val_str(root));
    read_inputs(&r, lf.root, jroot);
    return lf;
}

LockFile flake_lock_read(EvalState *st, const char *path)
{
    size_t len;
    char *text = fs_read_file(path, &len);
    if (!text) {
        LockFile lf = {lock_node_new()};
        lf.root->is_root = true;
        return lf;
    }
    return flake_lock_parse(st, text, len, path);
}

/* ---------- writing ---------- */

typedef struct Writer {
    KeyMap keys; /* key -> node, in assignment order */
} Writer;

static bool key_taken(const Writer *w, const char *k)
{
    return keymap_get(&w->keys, k) != NULL;
}

static bool key_assigned(const Writer *w, const LockNode *n)
{
    for (uint32_t i = 0; i < w->keys.n; i++)
        if (w->keys.nodes[i] == n)
            return true;
    return false;
}

/* Keys as CppNix's dumpNode gives them: depth-first in input-name order, the input's name,
 * or NAME_2, NAME_3... when taken. */
static void assign_keys(Writer *w, LockNode *n, const char *key)
{
    if (key_assigned(w, n))
        return;
    if (key_taken(w, key)) {
        for (int i = 2;; i++) {
            const char *k = sb_fmt("%s_%d", key, i);
            if (!key_taken(w, k)) {
                key = k;
                break;
            }
        }
    }
    n->key = key;
    keymap_put(&w->keys, key, n);
    for (uint32_t i = 0; i < n->ninputs; i++)
        if (n->inputs[i].node)
            assign_keys(w, n->inputs[i].node, n->inputs[i].name);
}

static void json_path_out(StrBuf *out, const InputPath *p, int depth)
{
    if (p->n == 0) {
        sb_puts(out, "[]");
        return;
    }
    sb_putc(out, '[');
    for (uint32_t i = 0; i < p->n; i++) {
        flake_json_indent(out, depth + 1);
        flake_json_string(out, p->v[i]);
        if (i + 1 < p->n)
            sb_putc(out, ',');
    }
    flake_json_indent(out, depth);
    sb_putc(out, ']');
}

static void node_json(const LockNode *n, StrBuf *out)
{
    /* members in key order: flake, inputs, locked, original, parent */
    bool any = false;
#define MEMBER(name)                                                                                                 \
    do {                                                                                                             \
        if (any)                                                                                                     \
            sb_putc(out, ',');                                                                                       \
        any = true;                                                                                                  \
        flake_json_indent(out, 3);                                                                                   \
        flake_json_string(out, name);                                                                                \
        sb_puts(out, ": ");                                                                                          \
    } while (0)
    sb_putc(out, '{');
    if (!n->is_root && !n->is_flake) {
        MEMBER("flake");
        sb_puts(out, "false");
    }
    if (n->ninputs) {
        MEMBER("inputs");
        sb_putc(out, '{');
        for (uint32_t i = 0; i < n->ninputs; i++) {
            const LockEdge *e = &n->inputs[i];
            flake_json_indent(out, 4);
            flake_json_string(out, e->name);
            sb_puts(out, ": ");
            if (e->node)
                flake_json_string(out, e->node->key);
            else
                json_path_out(out, &e->follows, 4);
            if (i + 1 < n->ninputs)
                sb_putc(out, ',');
        }
        flake_json_indent(out, 3);
        sb_putc(out, '}');
    }
    if (!n->is_root) {
        MEMBER("locked");
        flake_attrs_json(&n->locked, 3, out);
        MEMBER("original");
        flake_attrs_json(&n->original, 3, out);
        if (n->has_parent) {
            MEMBER("parent");
            json_path_out(out, &n->parent, 3);
        }
    }
#undef MEMBER
    if (any)
        flake_json_indent(out, 2);
    sb_putc(out, '}');
}

static int cmp_idx_key(const void *a, const void *b, void *keys)
{
    const char **k = keys;
    return strcmp(k[*(const uint32_t *)a], k[*(const uint32_t *)b]);
}

const char *flake_lock_to_json(const LockFile *lf)
{
    Writer w = {{0}};
    assign_keys(&w, lf->root, "root");
    uint32_t *order = GC_MALLOC_ATOMIC((w.keys.n + 1) * sizeof *order);
    for (uint32_t i = 0; i < w.keys.n; i++)
        order[i] = i;
    qsort_r(order, w.keys.n, sizeof *order, cmp_idx_key, w.keys.keys);
    StrBuf out;
    sb_init(&out);
    sb_puts(&out, "{\n  \"nodes\": {");
    for (uint32_t i = 0; i < w.keys.n; i++) {
        flake_json_indent(&out, 2);
        flake_json_string(&out, w.keys.keys[order[i]]);
        sb_puts(&out, ": ");
        node_json(w.keys.nodes[order[i]], &out);
        if (i + 1 < w.keys.n)
            sb_putc(&out, ',');
    }
    sb_puts(&out, "\n  },\n  \"root\": ");
    flake_json_string(&out, lf->root->key);
    sb_puts(&out, ",\n  \"version\": 7\n}");
    return sb_finish(&out);
}

/* ---------- queries ---------- */

typedef struct Visited {
    InputPath *v;
    uint32_t n, cap;
} Visited;

static LockNode *find(EvalState *st, const LockFile *lf, const InputPath *path, Visited *vis)
{
    for (uint32_t i = 0; i < vis->n; i++)
        if (input_path_equal(&vis->v[i], path)) {
            StrBuf sb;
            sb_init(&sb);
            for (uint32_t k = i; k < vis->n; k++)
                sb_printf(&sb, "%s -> ", input_path_str(&vis->v[k]));
            sb_puts(&sb, input_path_str(path));
            eval_error(st, ERR_EVAL, 0, "follow cycle detected: [%s]", sb.data);
        }
    if (vis->n == vis->cap) {
        vis->cap = vis->cap ? vis->cap * 2 : 8;
        InputPath *nv = GC_MALLOC(vis->cap * sizeof *nv);
        if (vis->n)
            memcpy(nv, vis->v, vis->n * sizeof *nv);
        vis->v = nv;
    }
    vis->v[vis->n++] = *path;
    LockNode *pos = lf->root;
    for (uint32_t i = 0; i < path->n; i++) {
        const LockEdge *e = lock_node_edge(pos, path->v[i]);
        if (!e)
            return NULL;
        if (e->node)
            pos = e->node;
        else {
            pos = find(st, lf, &e->follows, vis);
            if (!pos)
                return NULL;
        }
    }
    return pos;
}

LockNode *flake_lock_find(EvalState *st, const LockFile *lf, const InputPath *path)
{
    Visited vis = {0};
    return find(st, lf, path, &vis);
}

/* Every input path of the graph with its edge, each node entered once, sorted. */
typedef struct FlatInput {
    InputPath path;
    const LockEdge *edge;
} FlatInput;

typedef struct Flat {
    FlatInput *v;
    uint32_t n, cap;
    const LockNode **done;
    uint32_t ndone, done_cap;
} Flat;

static void flatten(Flat *f, const InputPath *prefix, const LockNode *n)
{
    for (uint32_t i = 0; i < f->ndone; i++)
        if (f->done[i] == n)
            return;
    if (f->ndone == f->done_cap) {
        f->done_cap = f->done_cap ? f->done_cap * 2 : 16;
        const LockNode **nd = GC_MALLOC(f->done_cap * sizeof *nd);
        if (f->ndone)
            memcpy(nd, f->done, f->ndone * sizeof *nd);
        f->done = nd;
    }
    f->done[f->ndone++] = n;
    for (uint32_t i = 0; i < n->ninputs; i++) {
        if (f->n == f->cap) {
            f->cap = f->cap ? f->cap * 2 : 16;
            FlatInput *nv = GC_MALLOC(f->cap * sizeof *nv);
            if (f->n)
                memcpy(nv, f->v, f->n * sizeof *nv);
            f->v = nv;
        }
        InputPath p = input_path_append(prefix, n->inputs[i].name);
        f->v[f->n].path = p;
        f->v[f->n++].edge = &n->inputs[i];
        if (n->inputs[i].node)
            flatten(f, &p, n->inputs[i].node);
    }
}

static int cmp_path(const InputPath *a, const InputPath *b)
{
    for (uint32_t i = 0; i < a->n && i < b->n; i++) {
        int c = strcmp(a->v[i], b->v[i]);
        if (c)
            return c;
    }
    return a->n < b->n ? -1 : a->n > b->n;
}

static int cmp_flat(const void *a, const void *b)
{
    return cmp_path(&((const FlatInput *)a)->path, &((const FlatInput *)b)->path);
}

static Flat flat_inputs(const LockFile *lf)
{
    Flat f = {0};
    InputPath empty = {0};
    flatten(&f, &empty, lf->root);
    if (f.n)
        qsort(f.v, f.n, sizeof *f.v, cmp_flat);
    return f;
}

void flake_lock_check(EvalState *st, const LockFile *lf)
{
    Flat f = flat_inputs(lf);
    for (uint32_t i = 0; i < f.n; i++) {
        const LockEdge *e = f.v[i].edge;
        if (!e->node && e->follows.n && !flake_lock_find(st, lf, &e->follows))
            eval_error(st, ERR_EVAL, 0, "input '%s' follows a non-existent input '%s'", input_path_str(&f.v[i].path),
                       input_path_str(&e->follows));
    }
}

const FlakeAttrs *flake_lock_unlocked(const LockFile *lf)
{
    Flat f = flat_inputs(lf);
    for (uint32_t i = 0; i < f.n; i++) {
        const LockNode *n = f.v[i].edge->node;
        if (n && !flake_ref_is_locked(&n->locked) && !flake_ref_is_relative(&n->locked))
            return &n->locked;
    }
    return NULL;
}

static const char *describe_edge(EvalState *st, const LockEdge *e)
{
    if (!e->node)
        return sb_fmt("follows '%s'", input_path_str(&e->follows));
    const char *s = sb_fmt("'%s'", flake_ref_to_string(st, &e->node->locked));
    const FlakeAttr *lm = flake_attrs_get(&e->node->locked, "lastModified");
    if (lm && lm->kind == FA_INT) {
        time_t t = (time_t)lm->num;
        struct tm tm;
        gmtime_r(&t, &tm);
        char buf[32];
        strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
        s = sb_fmt("%s (%s)", s, buf);
    }
    return s;
}

static bool edges_equal(const LockEdge *a, const LockEdge *b)
{
    if (a->node && b->node)
        return flake_attrs_equal(&a->node->locked, &b->node->locked);
    if (!a->node && !b->node)
        return input_path_equal(&a->follows, &b->follows);
    return false;
}

const char *flake_lock_diff(EvalState *st, const LockFile *old_lf, const LockFile *new_lf)
{
    Flat a = flat_inputs(old_lf), b = flat_inputs(new_lf);
    StrBuf sb;
    sb_init(&sb);
    uint32_t i = 0, j = 0;
    while (i < a.n || j < b.n) {
        int c = i == a.n ? 1 : j == b.n ? -1 : cmp_path(&a.v[i].path, &b.v[j].path);
        if (c > 0) {
            sb_printf(&sb, "\xe2\x80\xa2 Added input '%s':\n    %s\n", input_path_str(&b.v[j].path),
                      describe_edge(st, b.v[j].edge));
            j++;
        } else if (c < 0) {
            sb_printf(&sb, "\xe2\x80\xa2 Removed input '%s'\n", input_path_str(&a.v[i].path));
            i++;
        } else {
            if (!edges_equal(a.v[i].edge, b.v[j].edge))
                sb_printf(&sb, "\xe2\x80\xa2 Updated input '%s':\n    %s\n  \xe2\x86\x92 %s\n", input_path_str(&a.v[i].path),
                          describe_edge(st, a.v[i].edge), describe_edge(st, b.v[j].edge));
            i++;
            j++;
        }
    }
    return sb_finish(&sb);
}
