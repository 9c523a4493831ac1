/* Tab completion for the REPL: commands, variables in scope, attribute paths, file names. */
#include <gc/gc.h>
#include <readline/readline.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repl/internal.h"
#include "util/sort.h"

/* readline's completion callback takes no user pointer. */
static Repl *comp_repl;

/* A growing malloc'd array in readline's format: [0] is filled at the end
 * with the common prefix, then the matches, then NULL. */
typedef struct Matches {
    char **v;
    size_t n, cap;
} Matches;

static void add_match(Matches *m, const char *s, size_t len)
{
    if (m->n + 2 >= m->cap) {
        m->cap = m->cap ? 2 * m->cap : 16;
        m->v = realloc(m->v, m->cap * sizeof *m->v);
    }
    char *c = malloc(len + 1);
    memcpy(c, s, len);
    c[len] = 0;
    m->v[1 + m->n++] = c;
}

/* Sorts, drops duplicates and fills in the common prefix; NULL if empty. */
static char **finish(Matches *m)
{
    if (!m->n) {
        free(m->v);
        return NULL;
    }
    qsort(m->v + 1, m->n, sizeof *m->v, sort_cmp_str);
    size_t j = 1;
    for (size_t i = 2; i <= m->n; i++) {
        if (strcmp(m->v[i], m->v[j]) == 0)
            free(m->v[i]);
        else
            m->v[++j] = m->v[i];
    }
    m->n = j;
    size_t lcp = strlen(m->v[1]);
    for (size_t i = 2; i <= m->n; i++) {
        size_t k = 0;
        while (k < lcp && m->v[i][k] == m->v[1][k])
            k++;
        lcp = k;
    }
    if (m->n == 1) {
        m->v[0] = m->v[1];
        m->v[1] = NULL;
        return m->v;
    }
    m->v[0] = malloc(lcp + 1);
    memcpy(m->v[0], m->v[1], lcp);
    m->v[0][lcp] = 0;
    m->v[m->n + 1] = NULL;
    return m->v;
}

static bool binds_globally(EvalState *st, const char *name)
{
    TryFrame f;
    if (EVAL_TRY(st, &f)) {
        eval_parse_string_in_scope(st, name, strlen(name), "/", SRC_STRING, NULL, 0);
        eval_try_leave(st, &f);
        return true;
    }
    return false;
}

/* Names bound in the global scope, found by asking the binder about each
 * builtin's plain and __ name (the global scope keeps no name list). */
static void global_names(Repl *r)
{
    if (r->global_names)
        return;
    EvalState *st = r->st;
    Bindings *b = st->builtins && st->builtins->type == T_ATTRS ? val_attrs(st->builtins) : NULL;
    uint32_t n = b ? b->size : 0;
    const char **names = GC_MALLOC((2 * n + 2) * sizeof *names);
    uint32_t k = 0;
    names[k++] = "builtins";
    for (uint32_t i = 0; i < n; i++) {
        const char *name = sym_name(st->symbols, b->attrs[i].name);
        size_t len = strlen(name);
        char *under = GC_MALLOC_ATOMIC(len + 3);
        memcpy(under, "__", 2);
        memcpy(under + 2, name, len + 1);
        const char *cands[2] = {name, under};
        for (int c = 0; c < 2; c++)
            if (binds_globally(st, cands[c]))
                names[k++] = cands[c];
    }
    r->global_names = names;
    r->nglobal = k;
}

static void complete_vars(Repl *r, const char *text, Matches *m)
{
    size_t len = strlen(text);
    for (uint32_t i = 0; i < r->n; i++) {
        if (!r->names[i])
            continue;
        const char *name = sym_name(r->st->symbols, r->names[i]);
        if (strncmp(name, text, len) == 0)
            add_match(m, name, strlen(name));
    }
    global_names(r);
    for (uint32_t i = 0; i < r->nglobal; i++)
        if (strncmp(r->global_names[i], text, len) == 0)
            add_match(m, r->global_names[i], strlen(r->global_names[i]));
}

/* `expr.prefix`: evaluates expr (errors ignored) and offers its attributes. */
static void complete_attrs(Repl *r, const char *text, const char *dot, Matches *m)
{
    size_t elen = (size_t)(dot - text);
    char *expr = GC_MALLOC_ATOMIC(elen + 1);
    memcpy(expr, text, elen);
    expr[elen] = 0;
    const char *prefix = dot + 1;
    size_t plen = strlen(prefix);
    Value v;
    if (!repl_try_eval(r, expr, &v) || v.type != T_ATTRS)
        return;
    EvalState *st = r->st;
    Bindings *vb = val_attrs(&v);
    for (uint32_t i = 0; i < vb->size; i++) {
        Symbol s = vb->attrs[i].name;
        const char *name = sym_name(st->symbols, s);
        size_t len = sym_len(st->symbols, s);
        if (len < plen || memcmp(name, prefix, plen) != 0)
            continue;
        StrBuf sb;
        sb_init(&sb);
        sb_add(&sb, text, elen + 1);
        if (repl_is_var_name(name, len))
            sb_add(&sb, name, len);
        else
            eval_print_string_literal(name, len, &sb);
        add_match(m, sb.data, sb.len);
    }
}

static char *command_generator(const char *text, int state)
{
    static size_t i; /* readline's generator protocol keeps its cursor between calls */
    if (!state)
        i = 0;
    size_t len = strlen(text);
    while (repl_command_names[i]) {
        const char *c = repl_command_names[i++];
        if (strncmp(c, text, len) == 0)
            return strdup(c);
    }
    return NULL;
}

static bool line_starts_with_load(const char *line)
{
    return strncmp(line, ":l ", 3) == 0 || strncmp(line, ":load ", 6) == 0;
}

static char **complete(const char *text, int start, int end)
{
    (void)end;
    Repl *r = comp_repl;
    rl_attempted_completion_over = 1; /* never fall back to readline's own file names */
    rl_completion_append_character = ' ';
    const char *line = rl_line_buffer;
    while (*line == ' ')
        line++;
    if (line[0] == ':' && start <= (int)(line - rl_line_buffer))
        return rl_completion_matches(text, command_generator);
    if (line_starts_with_load(line) || strchr(text, '/'))
        return rl_completion_matches(text, rl_filename_completion_function);

    Matches m = {0};
    const char *dot = strrchr(text, '.');
    if (dot) {
        rl_completion_append_character = '\0';
        complete_attrs(r, text, dot, &m);
    } else {
        complete_vars(r, text, &m);
    }
    /* Ctrl-C during an evaluation for completion only cancels the completion. */
    r->st->interrupted = 0;
    return finish(&m);
}

void repl_complete_init(Repl *r)
{
    comp_repl = r;
    rl_attempted_completion_function = complete;
    rl_completer_word_break_characters = " \t\n\r(){}[];,";
}
