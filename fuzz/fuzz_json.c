/* libFuzzer target: fromJSON must never crash; whatever it accepts must print with
 * toJSON to text that parses and prints back identically. */
#define GC_THREADS
#include <gc/gc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "builtins/builtins.h"
#include "eval/eval.h"
#include "primops/json.h"

static EvalState *st;

static const char *print(Value *v)
{
    StrBuf sb;
    sb_init(&sb);
    prim_to_json(st, v, 0, true, &sb, NULL);
    return sb.data;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!st) {
        GC_INIT();
        EvalSettings s;
        eval_settings_default(&s);
        st = eval_state_new(&s);
        bi_open_all(st, NULL);
    }
    /* Nix strings cannot hold NUL bytes: fromJSON never sees one. */
    if (memchr(data, 0, size))
        return 0;
    char *text = GC_MALLOC_ATOMIC(size + 1);
    memcpy(text, data, size);
    text[size] = 0;
    TryFrame f;
    if (EVAL_TRY(st, &f)) {
        Value *v = GC_MALLOC(sizeof *v);
        prim_from_json(st, text, size, v);
        const char *p1 = print(v);
        Value *v2 = GC_MALLOC(sizeof *v2);
        prim_from_json(st, p1, strlen(p1), v2);
        const char *p2 = print(v2);
        if (strcmp(p1, p2) != 0)
            abort();
        eval_try_leave(st, &f);
    }
    return 0;
}
