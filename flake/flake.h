/* Flakes: flake references, flake.nix, flake.lock, locking and calling a flake, as CppNix's
 * libflake does. Everything is evaluated in the caller's EvalState; sources are fetched
 * through builtins.fetchTree. */
#ifndef CNIX_FLAKE_FLAKE_H
#define CNIX_FLAKE_FLAKE_H

#include <stdbool.h>
#include <stdint.h>

#include "eval/eval.h"
#include "util/strbuf.h"

/* ---------- attributes of a flake reference (fetchers::Attrs) ---------- */

typedef enum FlakeAttrKind { FA_STR, FA_INT, FA_BOOL } FlakeAttrKind;

typedef struct FlakeAttr {
    const char *name;
    FlakeAttrKind kind;
    const char *str;
    int64_t num; /* FA_INT value, FA_BOOL 0/1 */
} FlakeAttr;

/* Sorted by name (strcmp), unique names. "dir" is the flake's subdirectory, as in lock files. */
typedef struct FlakeAttrs {
    FlakeAttr *v;
    uint32_t n;
} FlakeAttrs;

const FlakeAttr *flake_attrs_get(const FlakeAttrs *a, const char *name);
const char *flake_attrs_str(const FlakeAttrs *a, const char *name); /* NULL unless a string */
void flake_attrs_set_str(FlakeAttrs *a, const char *name, const char *s);
void flake_attrs_set_int(FlakeAttrs *a, const char *name, int64_t i, bool is_bool);
void flake_attrs_del(FlakeAttrs *a, const char *name);
FlakeAttrs flake_attrs_copy(const FlakeAttrs *a);
bool flake_attrs_equal(const FlakeAttrs *a, const FlakeAttrs *b);
/* From an attribute set of strings, Booleans and non-negative integers; errors name the
 * attribute (who: "flake input", "flake reference", "lock file"). */
FlakeAttrs flake_attrs_from_value(EvalState *st, Value *v, PosIdx pos, const char *who);
Value *flake_attrs_to_value(EvalState *st, const FlakeAttrs *a, bool drop_dir);
/* Appends a as a JSON object (nlohmann's dump(indent) layout at nesting depth). */
void flake_attrs_json(const FlakeAttrs *a, int depth, StrBuf *out);

/* Parses a flake reference URL. base_dir resolves relative paths ("." "./sub" "path:./x");
 * NULL keeps them relative (inputs of a flake: locked relative to their parent). For
 * a bare path inside a Git work tree, the reference is git+file:// of the repository with
 * ?dir= for the subdirectory, as CppNix does. Query parameters become attributes. */
FlakeAttrs flake_ref_parse(EvalState *st, const char *url, const char *base_dir, PosIdx pos);
/* The URL form of a flake reference (flakeRefToString; "dir" as ?dir=). */
const char *flake_ref_to_string(EvalState *st, const FlakeAttrs *a);
/* Whether the reference pins its content: git/forge with rev, path/tarball/file with
 * narHash (CppNix's Input::isLocked). */
bool flake_ref_is_locked(const FlakeAttrs *a);
/* "path" with a relative path: resolved against the parent flake. */
bool flake_ref_is_relative(const FlakeAttrs *a);

/* ---------- flake.nix ---------- */

typedef struct FlakeInput FlakeInput;
typedef struct FlakeInputs {
    FlakeInput *v; /* sorted by name */
    uint32_t n;
} FlakeInputs;

/* An input path such as ["nixops", "nixpkgs"] ("nixops/nixpkgs"). */
typedef struct InputPath {
    const char **v;
    uint32_t n;
} InputPath;

struct FlakeInput {
    const char *name;
    bool has_ref;
    FlakeAttrs ref;
    bool is_flake;
    bool has_follows;
    InputPath follows; /* absolute: prefixed by the declaring flake's lock path */
    FlakeInputs overrides; /* inputs.X.inputs.Y... */
    PosIdx pos;
};

typedef struct Flake {
    const char *description; /* or NULL */
    FlakeInputs inputs;
    Value *outputs;       /* the outputs function */
    Value *nix_config;    /* the nixConfig set, or NULL */
    const char *dir;      /* directory holding flake.nix (in the store, or a relative input's) */
    const char *flake_nix;
} Flake;

/* Reads dir/flake.nix as CppNix's readFlake does; ref_str names the flake in errors.
 * lock_prefix: this flake's path in the lock graph (follows are relative to it). */
void flake_read(EvalState *st, const char *dir, const char *ref_str, const InputPath *lock_prefix, Flake *out);

const char *input_path_str(const InputPath *p);
InputPath input_path_append(const InputPath *p, const char *name);
bool input_path_equal(const InputPath *a, const InputPath *b);
/* Parses "a/b" (each element a flake id); errors as CppNix's parseInputAttrPath. */
InputPath input_path_parse(EvalState *st, const char *s, PosIdx pos);

/* ---------- settings, registries ---------- */

/* Settings of flake/ (nix.conf names in comments), passed by the command. */
typedef struct FlakeSettings {
    const char *user_registry;   /* $XDG_CONFIG_HOME/cnix/registry.json */
    const char *system_registry; /* /etc/cnix/registry.json */
    const char *global_registry; /* flake-registry: a path or file:// URL; NULL: none */
    bool use_registries;         /* use-registries */
    /* forge-mirror: a directory with github/OWNER/REPO, gitlab/OWNER/REPO and
     * sourcehut/OWNER/REPO Git repositories that github:, gitlab: and sourcehut: references
     * are fetched from instead of the network (tests, offline mirrors); NULL: none */
    const char *forge_mirror;
    bool accept_flake_config;    /* accept-flake-config */
    /* flake-source-cache: the file of the source cache ("" or false: none); by default
     * $XDG_CACHE_HOME/cnix/flake-sources */
    const char *source_cache;
    const char *commit_lock_file_summary; /* commit-lock-file-summary: first line of its commits */
    const char *bash_prompt[3];  /* bash-prompt, -prefix, -suffix (for a future develop) */
    /* Applies a trusted nixConfig setting of the top-level flake (the command's settings:
     * store, evaluator, flake); NULL: nixConfig is checked but not applied. */
    void (*apply_setting)(void *ctx, const char *name, const char *value);
    void *apply_ctx;
    struct FlakeRegistry *flag_registry; /* --override-flake */
} FlakeSettings;

/* Defaults from the environment's directories (no network registry). */
void flake_settings_default(FlakeSettings *s);
/* Sets a nix.conf-style setting; false if the name is not one of flake/'s. */
bool flake_settings_set(FlakeSettings *s, const char *name, const char *value);

typedef struct FlakeRegistryEntry {
    FlakeAttrs from, to;
    bool exact;
} FlakeRegistryEntry;

typedef struct FlakeRegistry {
    FlakeRegistryEntry *v;
    uint32_t n;
} FlakeRegistry;

/* Reads a registry file (version 2); a missing file is an empty registry. */
FlakeRegistry flake_registry_read(EvalState *st, const char *path);
/* Writes it as CppNix does (2-space JSON, version 2). NULL or an error message. */
const char *flake_registry_write(const FlakeRegistry *r, const char *path);
void flake_registry_add(FlakeRegistry *r, const FlakeAttrs *from, const FlakeAttrs *to, bool exact);
/* Removes entries whose "from" is from; returns how many. */
uint32_t flake_registry_remove(FlakeRegistry *r, const FlakeAttrs *from);

/* ref with indirect references looked up in the registries (flag, user, system, global);
 * other references as they are. */
FlakeAttrs flake_resolve(EvalState *st, const FlakeSettings *fs, const FlakeAttrs *ref);

/* ---------- fetching ---------- */

/* A fetched source tree. */
typedef struct FlakeTree {
    const char *store_path; /* the root of the fetched tree */
    FlakeAttrs locked;      /* the input with what pins it (rev, narHash, ...); "dir" kept */
    Value *source_info;     /* fetchTree's result (outPath, narHash, rev, ...) */
} FlakeTree;

/* Fetches ref (any type fetchTree knows, after registries and forge mapping), ignoring
 * pure evaluation (locking fetches unlocked inputs; the locked result is pure again). */
void flake_fetch(EvalState *st, const FlakeSettings *fs, const FlakeAttrs *ref, FlakeTree *out);

/* ---------- lock files ---------- */

typedef struct LockNode LockNode;

typedef struct LockEdge {
    const char *name;
    LockNode *node;    /* NULL for a follows edge */
    InputPath follows; /* from the root */
} LockEdge;

struct LockNode {
    bool is_root;
    bool is_flake;
    FlakeAttrs original, locked;
    bool has_parent;
    InputPath parent;  /* relative path inputs: the input path of the flake they live in */
    LockEdge *inputs;  /* sorted by name */
    uint32_t ninputs, cap;
    /* set when this run fetched the node (callFlake passes it on instead of re-fetching) */
    const char *src_dir;   /* the flake's directory (store path + dir, or the parent's subdir) */
    Value *source_info;
    const char *key;   /* assigned by flake_lock_to_json */
};

typedef struct LockFile {
    LockNode *root;
} LockFile;

LockNode *lock_node_new(void);
/* Replaces or adds an edge (kept sorted by name). */
void lock_node_set_edge(LockNode *n, const char *name, LockNode *child, const InputPath *follows);
const LockEdge *lock_node_edge(const LockNode *n, const char *name);
/* Reads flake.lock text (versions 5 to 7); file names it in errors. */
LockFile flake_lock_parse(EvalState *st, const char *text, size_t len, const char *file);
/* Reads path if it exists, else an empty lock file. */
LockFile flake_lock_read(EvalState *st, const char *path);
/* The lock file as CppNix writes it (version 7, 2-space JSON, sorted keys, no final
 * newline): sets every reachable node's key. */
const char *flake_lock_to_json(const LockFile *lf);
/* The node an input path leads to (following follows); NULL if there is none. Throws
 * "follow cycle detected". */
LockNode *flake_lock_find(EvalState *st, const LockFile *lf, const InputPath *path);
/* "input 'a/b' follows a non-existent input 'c'" */
void flake_lock_check(EvalState *st, const LockFile *lf);
/* The first unlocked (non-relative) node's reference, or NULL. */
const FlakeAttrs *flake_lock_unlocked(const LockFile *lf);
/* CppNix's LockFile::diff: "• Added input 'x':\n    'ref' (date)\n" lines (no colours). */
const char *flake_lock_diff(EvalState *st, const LockFile *old_lf, const LockFile *new_lf);

/* ---------- locking and calling ---------- */

typedef struct FlakeOverride {
    InputPath path;
    FlakeAttrs ref;
} FlakeOverride;

typedef struct LockFlags {
    bool apply_nix_config;   /* the top-level flake's nixConfig (commands, not getFlake) */
    bool recreate_lock_file;
    bool update_lock_file;   /* false: --no-update-lock-file */
    bool write_lock_file;    /* false: --no-write-lock-file */
    bool commit_lock_file;
    const char *reference_lock_file;
    const char *output_lock_file;
    FlakeOverride *overrides; /* --override-input */
    uint32_t noverrides;
    InputPath *updates;       /* flake update NAME / --update-input */
    uint32_t nupdates;
} LockFlags;

void flake_lock_flags_default(LockFlags *f); /* applies nixConfig, writes the lock file */

typedef struct LockedFlake {
    FlakeAttrs original_ref, locked_ref; /* of the top-level flake */
    const char *source_dir;              /* the top-level flake's local directory, if any */
    Flake flake;
    FlakeTree tree;                      /* the top-level source */
    LockFile lock;
    bool force_dirty;                    /* modified lock file not written */
} LockedFlake;

/* Applies the trusted settings of f's nixConfig through fs->apply_setting and warns about
 * the others ("ignoring untrusted flake configuration setting"). */
void flake_apply_config(EvalState *st, const FlakeSettings *fs, const Flake *f);

/* Locks the flake at ref (CppNix's lockFlake): keeps unchanged lock entries, fetches new
 * or changed ones and recurses into them with their own lock files, resolves follows,
 * and writes flake.lock when it changed and may be written. */
void flake_lock(EvalState *st, const FlakeSettings *fs, const FlakeAttrs *ref, const LockFlags *flags, LockedFlake *out);

/* The flake's value as CppNix's callFlake gives it: outputs plus self attributes. */
void flake_call(EvalState *st, const FlakeSettings *fs, LockedFlake *lf, Value *out);

/* Adds builtins.getFlake (bound to fs, which must outlive st) to st's builtins. */
void flake_open(EvalState *st, const FlakeSettings *fs);

/* ---------- installables ---------- */

/* Whether a command-line argument is a flake installable (it has '#' or a flake scheme)
 * rather than a file: the rule that tells `cnix build .#x` from `cnix build FILE`. */
bool flake_is_installable(const char *arg);
/* "REF#ATTR" -> REF and ATTR ("" when there is no '#'). */
void flake_split_installable(const char *arg, const char **ref, const char **fragment);
/* Locks and calls the flake of arg and selects its attribute: "#x" tries
 * packages.SYSTEM.x, legacyPackages.SYSTEM.x, x; "#" alone packages.SYSTEM.default and
 * defaultPackage.SYSTEM; "#.x" exactly x. Returns the attribute path found. */
const char *flake_eval_installable(EvalState *st, const FlakeSettings *fs, const char *arg, const char *cwd,
                                   const LockFlags *flags, Value *out);

/* A Nix expression (impure: builtins.getFlake, currentSystem) selecting the installable's
 * attribute with the same search order, for commands that record it to evaluate it again
 * later (cnix profile install/upgrade). */
const char *flake_installable_expr(const char *arg, const char *cwd);

/* Warnings and messages go to stderr as "warning: ..." */
void flake_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
