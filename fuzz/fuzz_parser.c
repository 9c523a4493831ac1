/* libFuzzer target: the parser must never crash, hang or read out of bounds on any
 * bytes; whatever it accepts is printed back with parse_show. */
#include <gc/gc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parser/parser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    if (!init) {
        GC_INIT();
        init = 1;
    }
    SymTab *syms = sym_new();
    PosTable *pt = pos_table_new();
    /* The bytes are passed as libFuzzer gives them (malloc'd, exact size, no
     * NUL after them), so the parser has to copy them before lexing. */
    const Source *src = pos_add_source(pt, SRC_STRING, NULL, "/base/dir", (const char *)data, size);
    ParseOptions opts = {.home = "/home/u", .pipe_operators = size > 0 && (data[0] & 1),
                         .lint_url_literals = size > 1 ? data[1] % 3 : 0};
    ParseError err;
    Expr *e = parse_source(syms, pt, src, &opts, &err);
    if (e) {
        StrBuf sb;
        sb_init(&sb);
        parse_show(syms, e, &sb);
    } else if (!err.msg) {
        abort(); /* a failed parse must always explain itself */
    } else {
        Pos p = pos_get(pt, err.pos);
        if (err.pos && (p.line == 0 || p.col == 0))
            abort();
    }
    return 0;
}
