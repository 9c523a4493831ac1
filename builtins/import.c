/* Primop family bi_import: import, scopedImport and the search path (<...> lookups). */
#include "builtins/access.h"
#include "builtins/builtins.h"


#include <gc/gc.h>
#include <string.h>

/* CppNix ships <nix/fetchurl.nix> inside the binary; this is an equivalent. */
static const char corepkg_fetchurl[] =
    "{ system ? \"\", url, hash ? \"\", sha256 ? \"\", sha1 ? \"\", sha512 ? \"\", md5 ? \"\",\n"
    "  outputHash ? (if hash != \"\" then hash else if sha512 != \"\" then sha512\n"
    "    else if sha1 != \"\" then sha1 else if md5 != \"\" then md5 else sha256),\n"
    "  outputHashAlgo ? (if hash != \"\" then \"\" else if sha512 != \"\" then \"sha512\"\n"
    "    else if sha1 != \"\" then \"sha1\" else if md5 != \"\" then \"md5\" else \"sha256\"),\n"
    "  executable ? false, unpack ? false, name ? baseNameOf (toString url), impure ? false }:\n"
    "derivation ({\n"
    "  builder = \"builtin:fetchurl\";\n"
    "  outputHashMode = if unpack || executable then \"recursive\" else \"flat\";\n"
    "  inherit name url executable unpack;\n"
    "  system = \"builtin\";\n"
    "  preferLocalBuild = true;\n"
    "  impureEnvVars = [ \"http_proxy\" \"https_proxy\" \"ftp_proxy\" \"all_proxy\" \"no_proxy\" ];\n"
    "  urls = [ url ];\n"
    "} // (if impure then { __impure = true; } else { inherit outputHashAlgo outputHash; }))\n";

#define COREPKGS EVAL_COREPKGS_PREFIX

/* <nix/fetchurl.nix>: built in, so pure and restricted evaluation allow it (as CppNix's
 * corepkgs); nixpkgs' bootstrap tools import it, also from flakes. */
static bool is_corepkg(const char *path)
{
    return strncmp(path, COREPKGS, strlen(COREPKGS)) == 0 && strcmp(path + strlen(COREPKGS), "fetchurl.nix") == 0;
}

static void import_path(EvalState *st, const char *path, Value *out, PosIdx pos)
{
    if (is_corepkg(path)) {
        /* positions in it show as CppNix's do: <nix/fetchurl.nix>:L:C */
        const Source *src = pos_add_source(st->positions, SRC_FILE, "<nix/fetchurl.nix>", "/",
                                           corepkg_fetchurl, sizeof corepkg_fetchurl - 1);
        Expr *e = eval_parse_source(st, src);
        eval_expr(st, e, out);
        return;
    }
    eval_import(st, path, out, pos);
}

static const char *import_arg_path(EvalState *st, Value *v, PosIdx pos)
{
    return eval_coerce_to_path(st, v, pos, "while evaluating the first argument passed to builtins.import");
}

static void prim_import(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    const char *path = import_arg_path(st, args[0], pos);
    if (!is_corepkg(path))
        bi_check_path(st, path, 0); /* pure/restricted evaluation */
    import_path(st, path, out, pos);
}

static void prim_scoped_import(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    Bindings *scope = eval_force_attrs(st, args[0], pos,
                                       "while evaluating the first argument passed to builtins.scopedImport");
    const char *path = eval_coerce_to_path(st, args[1], pos,
                                           "while evaluating the second argument passed to builtins.scopedImport");
    bi_check_path(st, path, 0);
    const char *file = eval_resolve_import_path(st, path, pos);
    Symbol *names = GC_MALLOC_ATOMIC((scope->size + 1) * sizeof(Symbol));
    Env *env = eval_scope_new(st, NULL, scope->size);
    for (uint32_t i = 0; i < scope->size; i++) {
        names[i] = scope->attrs[i].name;
        env->values[i] = scope->attrs[i].value;
    }
    Expr *e = eval_parse_file_in_scope(st, file, names, scope->size);
    eval_in_scope(st, env, e, out);
}

static void prim_find_file(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    const char *name = eval_force_string_no_ctx(st, args[1], pos,
                                                "while evaluating the second argument passed to builtins.findFile");
    TryFrame f;
    const char *found = NULL;
    if (EVAL_TRY(st, &f)) {
        found = eval_find_file(st, args[0], name, pos);
        eval_try_leave(st, &f);
    } else {
        if (strncmp(name, "nix/", 4) == 0 && strcmp(name + 4, "fetchurl.nix") == 0)
            found = COREPKGS "fetchurl.nix";
        else
            eval_rethrow(st, f.error);
    }
    /* Under restricted evaluation a search path entry may still point outside the allowed
     * paths (__nixPath can be redefined); CppNix refuses such a lookup. */
    if (!is_corepkg(found))
        bi_check_path(st, found, pos);
    val_set_path(out, found);
}

const PrimOp bi_import[] = {
    {"import", 1, PRIM_GLOBAL, "path",
     "Load, parse and evaluate the Nix file *path* (a directory means its `default.nix`) and "
     "return its value. Results are cached per file.\n\n"
     "Example: `import ./lib.nix`, `import <nixpkgs> { }`.",
     prim_import},
    {"scopedImport", 2, PRIM_GLOBAL, "scope path",
     "Like `import`, but the attributes of *scope* are added to the scope of the imported file "
     "(overriding builtins). Not cached.\n\n"
     "Example: `scopedImport { x = 1; } ./f.nix` where f.nix is `x + 1` gives 2.",
     prim_scoped_import},
    {"findFile", 2, 0, "search-path lookup-path",
     "Find *lookup-path* (like `nixpkgs/lib`) in *search-path*, a list of `{ prefix; path; }` "
     "sets such as `builtins.nixPath`; this is what `<nixpkgs/lib>` means. An entry matches when "
     "its prefix is empty or equals the first components of the lookup path; the first existing "
     "file wins.\n\nExample: `builtins.findFile builtins.nixPath \"nixpkgs\"`.",
     prim_find_file},
    {0},
};
