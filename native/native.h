/* Native code: plugins, importNative, exec and typed foreign functions (libffi). */
#ifndef CNIX_NATIVE_NATIVE_H
#define CNIX_NATIVE_NATIVE_H

#include <stdbool.h>
#include <stddef.h>

#include "eval/eval.h"
#include "include/cnix/plugin.h"

/* What a CnixState is: the evaluator plus the call site errors are reported at. */
struct CnixState {
    EvalState *st;
    PosIdx pos;
    /* name order of the set last iterated with cnix_attrs_*_at (a loop over i
     * would otherwise sort once per element) */
    const Bindings *order_of;
    uint32_t *order;
};

/* Recognises the native-code options of the command line at argv[*i]:
 *   --plugin-files "A.so B.so"                       (also --option plugin-files ...)
 *   --allow-unsafe-native-code-during-evaluation     (also --option ... true/false)
 * On a match it stores them in *s, advances *i past any value and returns true.
 * A missing value sets *err and returns true. */
bool native_cli_option(EvalSettings *s, int argc, char **argv, int *i, const char **err);

/* The plugin files to load: settings.plugin_files if set, else $CNIX_PLUGIN_FILES. */
const char *native_plugin_files(const EvalSettings *s);

/* Loads the space-separated plugin files (a directory means every file in it)
 * and returns their primops (NULL-terminated array, never freed). On failure
 * returns NULL and sets *err to "could not dynamically open plugin file ...". */
const PrimOp **native_plugins_load(const char *files, const char **err);

/* Loads native_plugin_files(&st->settings) and binds their primops into st.
 * Returns false and sets *err if a plugin cannot be loaded. */
bool native_load_plugins(EvalState *st, const char **err);

/* Runs f(cs, out) for an importNative initializer symbol (native/api.c). */
void native_call_initializer(EvalState *st, PosIdx pos, void *fn, Value *out);

/* Raises the error for a native builtin used without
 * --allow-unsafe-native-code-during-evaluation. */
void native_check_gate(EvalState *st, PosIdx pos, const char *builtin);

#endif
