/* Accumulating string contexts from many pieces in linear time (primops helpers). */
#ifndef CNIX_PRIMOPS_CTXBUF_H
#define CNIX_PRIMOPS_CTXBUF_H

#include "eval/value.h"

/* A growable array of context elements; turned into a sorted, unique
 * StrContext once at the end instead of merging pairwise per piece. */
typedef struct CtxBuf {
    const char **elems; /* GC memory (scanned) */
    size_t n, cap;
} CtxBuf;

void prim_ctxbuf_init(CtxBuf *cb);
void prim_ctxbuf_add(CtxBuf *cb, const char *elem);
void prim_ctxbuf_add_ctx(CtxBuf *cb, const StrContext *ctx);
/* Sorted and deduplicated; NULL when empty. */
const StrContext *prim_ctxbuf_finish(CtxBuf *cb);

#endif
