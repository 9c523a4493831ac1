/* Primop family prim_hash: hashing strings and converting between hash encodings. */
#include "primops/primops.h"
#include "store/hash.h"

#include <stdio.h>
#include <string.h>

static HashAlgo parse_algo_or_throw(EvalState *st, const char *name)
{
    HashAlgo a = hash_algo_parse(name, strlen(name));
    if (a == HASH_NONE)
        eval_error(st, ERR_USAGE, 0,
                   "unknown hash algorithm '%s', expect 'blake3', 'md5', 'sha1', 'sha256', or 'sha512'", name);
    return a;
}

static void prim_hash_string(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    const char *name = eval_force_string_no_ctx(st, args[0], 0,
        "while evaluating the first argument passed to builtins.hashString");
    HashAlgo a = parse_algo_or_throw(st, name);
    const char *s = eval_force_string(st, args[1], 0,
        "while evaluating the second argument passed to builtins.hashString");
    Hash h;
    hash_buf(a, s, args[1]->len, &h);
    val_make_string(out, hash_to_string(&h, HASH_FMT_BASE16, false));
}

/* The value of a required attribute, or CppNix's "attribute missing" error. */
static Value *get_attr(EvalState *st, Bindings *b, const char *name)
{
    Attr *a = attrs_find(b, sym_intern_cstr(st->symbols, name));
    if (!a) {
        char frame[64];
        snprintf(frame, sizeof frame, "while locating the attribute '%s'", name);
        eval_frame_push(st, 0, frame);
        eval_error(st, ERR_EVAL, 0, "attribute '%s' missing", name);
    }
    return a->value;
}

static void prim_convert_hash(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    Bindings *b = eval_force_attrs(st, args[0], 0,
        "while evaluating the first argument passed to builtins.convertHash");
    const char *hs = eval_force_string_no_ctx(st, get_attr(st, b, "hash"), 0,
        "while evaluating the attribute 'hash'");
    HashAlgo algo = HASH_NONE;
    Attr *a = attrs_find(b, sym_intern_cstr(st->symbols, "hashAlgo"));
    if (a)
        algo = parse_algo_or_throw(st, eval_force_string_no_ctx(st, a->value, 0,
                                       "while evaluating the attribute 'hashAlgo'"));
    const char *fname = eval_force_string_no_ctx(st, get_attr(st, b, "toHashFormat"), 0,
        "while evaluating the attribute 'toHashFormat'");
    HashFormat fmt;
    if (!hash_format_parse(fname, &fmt))
        eval_error(st, ERR_USAGE, 0,
                   "unknown hash format '%s', expect 'base16', 'base32', 'base64', or 'sri'", fname);
    if (strcmp(fname, "base32") == 0)
        fprintf(stderr, "warning: \"base32\" is a deprecated alias for hash format \"nix32\".\n");
    Hash h;
    const char *err = hash_parse_any(hs, algo, &h, NULL);
    if (err)
        eval_error(st, ERR_EVAL, 0, "%s", err);
    val_make_string(out, hash_to_string(&h, fmt, fmt == HASH_FMT_SRI));
}

const PrimOp prim_hash[] = {
    {"hashString", 2, 0, "type s",
     "Return the base-16 hash of the string *s* (its context is ignored) with the algorithm\n"
     "*type*: \"md5\", \"sha1\", \"sha256\" or \"sha512\".\n\n"
     "    builtins.hashString \"md5\" \"\"   # \"d41d8cd98f00b204e9800998ecf8427e\"",
     prim_hash_string},
    {"convertHash", 1, 0, "args",
     "Re-encode a hash. *args* has `hash` (base16, nix32, base64, SRI, or \"algo:...\"),\n"
     "`hashAlgo` (optional when the hash names its algorithm) and `toHashFormat`\n"
     "(\"base16\", \"nix32\", \"base32\" (deprecated alias), \"base64\" or \"sri\").\n\n"
     "    builtins.convertHash { hash = \"sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\";\n"
     "                           toHashFormat = \"nix32\"; }",
     prim_convert_hash},
    {0},
};
