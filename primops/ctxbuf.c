/* Accumulating string contexts from many pieces in linear time. */
#include "primops/ctxbuf.h"

#include <gc/gc.h>
#include <string.h>

void prim_ctxbuf_init(CtxBuf *cb)
{
    cb->elems = NULL;
    cb->n = cb->cap = 0;
}

void prim_ctxbuf_add(CtxBuf *cb, const char *elem)
{
    if (cb->n == cb->cap) {
        size_t cap = cb->cap ? cb->cap * 2 : 8;
        const char **e = GC_MALLOC(cap * sizeof *e);
        if (cb->n)
            memcpy(e, cb->elems, cb->n * sizeof *e);
        cb->elems = e;
        cb->cap = cap;
    }
    cb->elems[cb->n++] = elem;
}

void prim_ctxbuf_add_ctx(CtxBuf *cb, const StrContext *ctx)
{
    if (!ctx)
        return;
    for (uint32_t i = 0; i < ctx->n; i++)
        prim_ctxbuf_add(cb, ctx->elems[i]);
}

const StrContext *prim_ctxbuf_finish(CtxBuf *cb)
{
    if (cb->n == 0)
        return NULL;
    return ctx_from_array(cb->elems, cb->n);
}
