/* What the builtins that make store objects share (derivation.c, paths.c, outputof.c,
 * instantiate.c): the per-state store data, growable string arrays, closures. */
#ifndef CNIX_BUILTINS_BISTORE_H
#define CNIX_BUILTINS_BISTORE_H

#include <stdbool.h>
#include <string.h>

#include "eval/eval.h"
#include "store/drv.h"
#include "store/store.h"
#include "util/strmap.h"

/* The references of a text file made by toFile (for closures of derivations in
 * read-only evaluation, where nothing reaches the store database). */
typedef struct TextRefs {
    const char **refs;
    size_t nrefs;
} TextRefs;

typedef struct BiStore {
    Store *ls;         /* the store evaluation reads and writes (bi_open_all's) */
    DrvCache *drvs;
    StrMap text_refs;  /* store path -> TextRefs */
    StrMap src_cache;  /* source path -> store path ("${./file}") */
    Value *derivation; /* the `derivation` lambda once loaded */
    bool writable;     /* write .drv files and sources (nix-instantiate without --eval) */
} BiStore;


/* The per-state data (made on first use); the store directory evaluation computes paths in. */
BiStore *bi_state(EvalState *st);
const char *bi_store_dir(EvalState *st);

/* Exact-size formatting into a GC string: no growth garbage (this runs per derivation). */
char *bi_fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));

/* Starts in inline storage (these live on the C stack, which the collector scans), so
 * short vectors make no garbage; pv_finish gives a GC copy that may outlive it. */
typedef struct PtrVec {
    const char **v;
    size_t n, cap;
    const char *inl[8];
} PtrVec;

void bi_pv_push(PtrVec *p, const char *s);
const char **bi_pv_finish(PtrVec *p);
void bi_pv_add_ctx(PtrVec *p, const StrContext *c);
void bi_pv_sort_unique(PtrVec *p);

static inline bool bi_has_suffix(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

/* computeFSClosure of path over what evaluation knows (derivations in the cache, toFile
 * results, valid paths); appends to out (unsorted, may repeat). */
void bi_closure(EvalState *st, const char *path, StrMap *seen, PtrVec *out);

#endif
