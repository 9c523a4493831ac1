/* The REPL's main loop: reading lines (readline or a pipe), scope, evaluating and printing. */
#include <errno.h>
#include <gc/gc.h>
#include <readline/history.h>
#include <readline/readline.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <unistd.h>

#include "repl/internal.h"
#include "util/fs.h"

#define PROMPT "cnix-repl> "
#define CONT_PROMPT "           "

/* ---------- scope ---------- */

static void scope_grow(Repl *r)
{
    uint32_t cap = r->cap ? 2 * r->cap : 256;
    /* A new, larger frame: thunks made earlier keep the old one, whose slots
     * they can see are the same Value pointers. */
    Env *env = eval_scope_new(r->st, NULL, cap);
    Symbol *names = GC_MALLOC_ATOMIC(cap * sizeof(Symbol));
    memset(names, 0, cap * sizeof(Symbol));
    if (r->n) {
        memcpy(env->values, r->env->values, r->n * sizeof(Value *));
        memcpy(names, r->names, r->n * sizeof(Symbol));
    }
    r->env = env;
    r->names = names;
    r->cap = cap;
}

void repl_add_var(Repl *r, Symbol name, Value *v)
{
    if (r->n == r->cap)
        scope_grow(r);
    if (name >= r->nslot_of) {
        size_t n = r->nslot_of ? r->nslot_of : 1024;
        while (n <= name)
            n *= 2;
        uint32_t *slots = GC_MALLOC_ATOMIC(n * sizeof(uint32_t));
        memset(slots, 0, n * sizeof(uint32_t));
        if (r->nslot_of)
            memcpy(slots, r->slot_of, r->nslot_of * sizeof(uint32_t));
        r->slot_of = slots;
        r->nslot_of = n;
    }
    if (r->slot_of[name])
        r->names[r->slot_of[name] - 1] = 0;
    r->names[r->n] = name;
    r->env->values[r->n] = v;
    r->slot_of[name] = ++r->n;
}

void repl_reset_scope(Repl *r)
{
    r->env = NULL;
    r->names = NULL;
    r->n = r->cap = 0;
    r->slot_of = NULL;
    r->nslot_of = 0;
    scope_grow(r);
}

/* ---------- parsing and evaluating ---------- */

/* A parse error at the end of the input means the expression is not finished
 * yet: read another line and try again (nix repl's rule). */
static bool is_incomplete(const EvalError *e)
{
    return e->kind == ERR_PARSE && e->msg && strstr(e->msg, "unexpected end of file");
}

Expr *repl_parse(Repl *r, const char *text, size_t len)
{
    /* The source must outlive the expression (code frames, positions). */
    char *copy = GC_MALLOC_ATOMIC(len + 1);
    memcpy(copy, text, len);
    copy[len] = 0;
    return eval_parse_string_in_scope(r->st, copy, len, r->cwd, SRC_STRING, r->names, r->n);
}

static Value *thunk_in_scope(Repl *r, Expr *e)
{
    return eval_thunk_new(r->st, r->env, e);
}

void repl_eval_string(Repl *r, const char *text, Value *out)
{
    Value *v = thunk_in_scope(r, repl_parse(r, text, strlen(text)));
    eval_force(r->st, v, 0);
    *out = *v;
}

bool repl_try_eval(Repl *r, const char *text, Value *out)
{
    TryFrame f;
    if (EVAL_TRY(r->st, &f)) {
        repl_eval_string(r, text, out);
        eval_try_leave(r->st, &f);
        return true;
    }
    return false;
}

/* ---------- lines ---------- */

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static char *trim(char *s)
{
    while (is_space(*s))
        s++;
    size_t n = strlen(s);
    while (n && is_space(s[n - 1]))
        s[--n] = 0;
    return s;
}

/* `name = expr`: the first '=' (not '==') preceded by a variable name only. */
static bool split_binding(Repl *r, char *line, Symbol *name, char **rhs)
{
    char *eq = strchr(line, '=');
    if (!eq || eq[1] == '=')
        return false;
    char *end = eq;
    while (end > line && is_space(end[-1]))
        end--;
    if (!repl_is_var_name(line, (size_t)(end - line)))
        return false;
    *name = sym_intern(r->st->symbols, line, (size_t)(end - line));
    *rhs = eq + 1;
    return true;
}

static void write_out(StrBuf *sb)
{
    fwrite(sb->data, 1, sb->len, stdout);
    fflush(stdout);
}

/* Evaluates one complete input (possibly several lines); throws on errors. */
static ReplLineResult process_line(Repl *r, char *input)
{
    char *line = trim(input);
    if (!*line)
        return REPL_CONTINUE;
    r->st->interrupted = 0;
    if (line[0] == ':') {
        char *p = line;
        while (*p && !is_space(*p))
            p++;
        char *arg = p;
        if (*p) {
            *p = 0;
            arg = trim(p + 1);
        }
        return repl_command(r, line, arg);
    }
    Symbol name;
    char *rhs;
    if (split_binding(r, line, &name, &rhs)) {
        Expr *e = repl_parse(r, rhs, strlen(rhs));
        repl_add_var(r, name, thunk_in_scope(r, e));
        return REPL_CONTINUE;
    }
    Value v;
    repl_eval_string(r, line, &v);
    StrBuf sb;
    sb_init(&sb);
    repl_print_value(r, &sb, &v, 1, stdout);
    sb_putc(&sb, '\n');
    write_out(&sb);
    return REPL_CONTINUE;
}

/* ---------- reading input ---------- */

typedef enum ReadStatus { READ_LINE, READ_EOF, READ_INTERRUPTED } ReadStatus;

/* readline's line callback takes no user pointer, so the line read is reached through
 * file statics. */
static char *line_read;
static bool line_done;

static void on_rl_line(char *line)
{
    line_read = line;
    line_done = true;
    rl_callback_handler_remove();
}

/* Reads a line with readline's callback interface, so that Ctrl-C (SIGINT)
 * can abandon the line being edited: select() returns EINTR. */
static ReadStatus read_tty(Repl *r, const char *prompt, char **out)
{
    line_done = false;
    line_read = NULL;
    rl_callback_handler_install(prompt, on_rl_line);
    while (!line_done) {
        fd_set fds;
        FD_ZERO(&fds);
        FD_SET(STDIN_FILENO, &fds);
        int n = select(STDIN_FILENO + 1, &fds, NULL, NULL, NULL);
        if (r->st->interrupted) {
            r->st->interrupted = 0;
            rl_crlf(); /* the abandoned text stays visible above */
            rl_replace_line("", 0);
            rl_point = rl_end = 0;
            rl_callback_handler_remove();
            return READ_INTERRUPTED;
        }
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rl_callback_handler_remove();
            return READ_EOF;
        }
        rl_callback_read_char();
    }
    if (!line_read)
        return READ_EOF;
    *out = line_read;
    return READ_LINE;
}

static ReadStatus read_pipe(char **out)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, stdin);
    if (n < 0) {
        free(line);
        return READ_EOF;
    }
    if (n && line[n - 1] == '\n')
        line[n - 1] = 0;
    *out = line;
    return READ_LINE;
}

/* ---------- history ---------- */

static void history_init(Repl *r)
{
    const char *xdg = getenv("XDG_DATA_HOME");
    const char *home = getenv("HOME");
    StrBuf sb;
    sb_init(&sb);
    if (xdg && *xdg)
        sb_printf(&sb, "%s/cnix/repl-history", xdg);
    else if (home && *home)
        sb_printf(&sb, "%s/.local/share/cnix/repl-history", home);
    else
        return;
    char *path = sb_finish(&sb);
    const char *slash = strrchr(path, '/');
    fs_mkdir_p(GC_strndup(path, (size_t)(slash - path)), 0755);
    r->history_path = path;
    stifle_history(1000);
    read_history(path);
    using_history(); /* after reading: start browsing at the end */
}

static void history_add(Repl *r, const char *line)
{
    if (!r->history_path || !*line)
        return;
    HIST_ENTRY *last = history_length ? history_get(history_base + history_length - 1) : NULL;
    if (last && strcmp(last->line, line) == 0)
        return;
    add_history(line);
    /* Written at once so that history survives a crash or a kill. */
    if (append_history(1, r->history_path) != 0)
        write_history(r->history_path);
    history_truncate_file(r->history_path, 1000);
}

/* ---------- the loop ---------- */

static void print_error(Repl *r, EvalError *e)
{
    fflush(stdout);
    eval_print_error(r->st, e, stderr);
    fflush(stderr);
}

#if defined(__SANITIZE_ADDRESS__)
#define REPL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define REPL_ASAN 1
#endif
#endif

#ifdef REPL_ASAN
#include <sanitizer/asan_interface.h>
/* After a longjmp out of a very deep evaluation AddressSanitizer keeps the
 * skipped frames poisoned (it refuses to clean stacks this large), so later
 * calls would be reported as overflows: unpoison the unused part below us. */
static void unpoison_stack_below(void)
{
    pthread_attr_t attr;
    void *base;
    size_t size;
    if (pthread_getattr_np(pthread_self(), &attr) != 0)
        return;
    if (pthread_attr_getstack(&attr, &base, &size) == 0) {
        char *here = __builtin_frame_address(0); /* callers' frames are above */
        char *low = base;
        if (here > low)
            ASAN_UNPOISON_MEMORY_REGION(low, (size_t)(here - low));
    }
    pthread_attr_destroy(&attr);
}
#else
static void unpoison_stack_below(void) {}
#endif

/* Runs process_line under a catch point. Returns REPL_QUIT to stop; sets
 * *incomplete when the input needs more lines (only if allow_incomplete). */
static ReplLineResult run_input(Repl *r, char *input, bool allow_incomplete, bool *incomplete)
{
    *incomplete = false;
    TryFrame f;
    if (EVAL_TRY(r->st, &f)) {
        ReplLineResult res = process_line(r, input);
        eval_try_leave(r->st, &f);
        return res;
    }
    unpoison_stack_below();
    if (allow_incomplete && is_incomplete(f.error)) {
        *incomplete = true;
        return REPL_CONTINUE;
    }
    print_error(r, f.error);
    r->st->interrupted = 0;
    return REPL_CONTINUE;
}

static void load_one(Repl *r, const char *file)
{
    TryFrame f;
    if (EVAL_TRY(r->st, &f)) {
        fprintf(stderr, "Loading '%s'...\n", file);
        repl_load_file(r, file, true);
        eval_try_leave(r->st, &f);
    } else {
        print_error(r, f.error);
    }
}

/* Adds one line to the pending input and runs it unless it is incomplete. */
static ReplLineResult feed_line(Repl *r, StrBuf *input, const char *line)
{
    sb_puts(input, line);
    sb_putc(input, '\n');
    /* process_line trims in place: work on a copy, keep input for more lines. */
    char *copy = GC_MALLOC_ATOMIC(input->len + 1);
    memcpy(copy, input->data, input->len + 1);
    bool incomplete;
    ReplLineResult res = run_input(r, copy, true, &incomplete);
    if (incomplete)
        return REPL_CONTINUE;
    sb_init(input);
    if (res == REPL_QUIT)
        return res;
    putchar('\n');
    fflush(stdout);
    return REPL_CONTINUE;
}

int repl_run(EvalState *st, const ReplOptions *opts)
{
    Repl *r = GC_MALLOC(sizeof *r);
    r->st = st;
    r->interactive = isatty(STDIN_FILENO);
    const char *term = getenv("TERM");
    const char *no_colour = getenv("NO_COLOR");
    r->colour = r->interactive && isatty(STDOUT_FILENO) && !(no_colour && *no_colour) &&
                !(term && !strcmp(term, "dumb"));
    char *cwd = getcwd(NULL, 0);
    r->cwd = cwd ? val_str_dup(cwd, strlen(cwd)) : "/";
    free(cwd);
    repl_reset_scope(r);
    r->store_cfg = opts->store_cfg;
    if (!r->store_cfg) {
        r->store_cfg = GC_MALLOC(sizeof *r->store_cfg);
        const char *err = store_config_init(r->store_cfg);
        if (err)
            fprintf(stderr, "warning: %s\n", err);
    }

    r->auto_args = opts->auto_args ? opts->auto_args : attrs_alloc(st, 0);

    if (r->interactive) {
        fprintf(stderr, "Welcome to cnix. Type :? for help.\n\n");
        rl_catch_signals = 0; /* the session's handler sets st->interrupted */
        rl_readline_name = "cnix";
        history_init(r);
        repl_complete_init(r);
    }
    for (uint32_t i = 0; i < opts->nfiles; i++)
        load_one(r, opts->files[i]);

    StrBuf input;
    sb_init(&input);
    for (;;) {
        char *line = NULL;
        st->interrupted = 0; /* a Ctrl-C that came after the evaluation ended */
        ReadStatus rs = r->interactive ? read_tty(r, input.len ? CONT_PROMPT : PROMPT, &line)
                                       : read_pipe(&line);
        if (rs == READ_INTERRUPTED) {
            sb_init(&input);
            continue;
        }
        if (rs == READ_EOF) {
            if (input.len) {
                /* Input ended inside an expression: report the parse error. */
                bool incomplete;
                run_input(r, sb_finish(&input), false, &incomplete);
            }
            if (r->interactive)
                putchar('\n');
            break;
        }
        /* A bracketed paste arrives as one line with newlines in it: take
         * its lines one by one, as if they had been typed. */
        bool quit = false;
        for (char *piece = line, *next; piece && !quit; piece = next) {
            next = strchr(piece, '\n');
            if (next)
                *next++ = 0;
            if (r->interactive)
                history_add(r, piece);
            quit = feed_line(r, &input, piece) == REPL_QUIT;
        }
        free(line);
        if (quit)
            break;
    }
    fflush(stdout);
    return 0;
}

