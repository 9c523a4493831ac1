/* Primop family prim_toml: fromTOML, turning the parser's tree into Nix values. */
#include "primops/primops.h"
#include "primops/toml.h"
#include "util/strbuf.h"

#include <string.h>

/* CppNix refuses strings with NUL bytes; its message shows them as U+2400. */
static void check_no_nul(EvalState *st, const char *s, size_t len)
{
    if (!memchr(s, 0, len))
        return;
    StrBuf sb;
    sb_init(&sb);
    for (size_t i = 0; i < len; i++) {
        if (s[i])
            sb_putc(&sb, s[i]);
        else
            sb_puts(&sb, "\xe2\x90\x80");
    }
    eval_error(st, ERR_EVAL, 0,
               "while parsing TOML: error: input string '%s' cannot be represented as Nix string because it "
               "contains null bytes", sb.data);
}

static void to_value(EvalState *st, TomlNode *n, Value *out, bool timestamps)
{
    switch (n->kind) {
    case TOML_TABLE: {
        Bindings *b = attrs_alloc(st, n->n);
        for (uint32_t i = 0; i < n->n; i++) {
            check_no_nul(st, n->table.keys[i], n->table.key_lens[i]);
            Value *v = val_alloc(st);
            to_value(st, n->table.vals[i], v, timestamps);
            attrs_push(b, sym_intern(st->symbols, n->table.keys[i], n->table.key_lens[i]), 0, v);
        }
        attrs_sort(b);
        val_set_attrs(out, b);
        return;
    }
    case TOML_ARRAY: {
        Value **l = val_list_alloc(st, n->n);
        for (uint32_t i = 0; i < n->n; i++) {
            l[i] = val_alloc(st);
            to_value(st, n->items[i], l[i], timestamps);
        }
        val_set_list(out, l, n->n);
        return;
    }
    case TOML_STRING:
        check_no_nul(st, n->str.s, n->str.len);
        val_set_string(out, n->str.s, n->str.len, NULL);
        return;
    case TOML_INT:
        val_set_int(out, n->i);
        return;
    case TOML_FLOAT:
        val_set_float(out, n->f);
        return;
    case TOML_BOOL:
        val_set_bool(out, n->b);
        return;
    case TOML_DATETIME: {
        if (!timestamps)
            eval_error(st, ERR_EVAL, 0, "while parsing TOML: Dates and times are not supported");
        Bindings *b = attrs_alloc(st, 2);
        Value *t = val_alloc(st);
        val_make_string(t, "timestamp");
        attrs_push(b, sym_intern_cstr(st->symbols, "_type"), 0, t);
        Value *v = val_alloc(st);
        val_set_string(v, n->str.s, n->str.len, NULL);
        attrs_push(b, st->s.value, 0, v);
        attrs_sort(b);
        val_set_attrs(out, b);
        return;
    }
    }
}

static void prim_from_toml(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    const char *s = eval_force_string_no_ctx(st, args[0], 0,
        "while evaluating the argument passed to builtins.fromTOML");
    const char *err = NULL;
    TomlNode *root = prim_toml_parse(s, args[0]->len, "fromTOML", &err);
    if (!root)
        eval_error(st, ERR_EVAL, 0, "while parsing TOML: %s", err);
    to_value(st, root, out, eval_feature_enabled(&st->settings, "parse-toml-timestamps"));
}

const PrimOp prim_toml[] = {
    {"fromTOML", 1, PRIM_GLOBAL, "e",
     "Convert a TOML 1.0 document to a Nix value: tables become sets, arrays lists.\n"
     "Dates and times are an error unless the experimental feature `parse-toml-timestamps`\n"
     "is enabled; then they become `{ _type = \"timestamp\"; value = \"1979-05-27T07:32:00Z\"; }`.\n\n"
     "    builtins.fromTOML \"x = 1\\n[t]\\ny = 'a'\"   # { t = { y = \"a\"; }; x = 1; }",
     prim_from_toml},
    {0},
};
