/* Primop family native_builtins: importNative, exec and foreignFunction (all behind the unsafe-native gate). */
#include <dlfcn.h>
#include <errno.h>
#include <gc/gc.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "builtins/builtins.h"
#include "native/native.h"
#include "util/strbuf.h"

static void prim_importNative(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    native_check_gate(st, pos, "importNative");
    const char *path = eval_coerce_to_path(
        st, args[0], pos, "while evaluating the first argument passed to builtins.importNative");
    const char *sym = eval_force_string_no_ctx(
        st, args[1], pos, "while evaluating the second argument passed to builtins.importNative");
    void *h = dlopen(path, RTLD_LAZY | RTLD_LOCAL);
    if (!h)
        eval_error(st, ERR_EVAL, pos, "could not open '%s': %s", path, dlerror());
    dlerror();
    void *fn = dlsym(h, sym);
    if (!fn) {
        const char *msg = dlerror();
        if (msg)
            eval_error(st, ERR_EVAL, pos, "could not load symbol '%s' from '%s': %s", sym, path, msg);
        eval_error(st, ERR_EVAL, pos,
                   "symbol '%s' from '%s' resolved to NULL when a function pointer was expected",
                   sym, path);
    }
    /* Never dlclose: the value may hold pointers into the library. */
    native_call_initializer(st, pos, fn, out);
}

/* "failed with exit code 3" / "failed due to signal 9 (Killed)", as CppNix's statusToString. */
static const char *status_text(int status, char *buf, size_t n)
{
    if (WIFEXITED(status))
        snprintf(buf, n, "failed with exit code %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(buf, n, "failed due to signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else
        snprintf(buf, n, "died abnormally");
    return buf;
}

/* Runs argv (searched in PATH) and returns its standard output; standard error is inherited. */
static const char *run_program(EvalState *st, PosIdx pos, char **argv, size_t *len)
{
    int fds[2];
    if (pipe(fds) != 0)
        eval_error(st, ERR_IO, pos, "creating a pipe: %s", strerror(errno));
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        eval_error(st, ERR_IO, pos, "unable to fork: %s", strerror(errno));
    }
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execvp(argv[0], argv);
        fprintf(stderr, "error: executing '%s': %s\n", argv[0], strerror(errno));
        _exit(1);
    }
    close(fds[1]);
    StrBuf out;
    sb_init(&out);
    char buf[65536];
    for (;;) {
        ssize_t r = read(fds[0], buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        sb_add(&out, buf, (size_t)r);
    }
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        char sbuf[128];
        eval_error(st, ERR_EVAL, pos, "program '%s' %s", argv[0],
                   status_text(status, sbuf, sizeof sbuf));
    }
    *len = out.len;
    return sb_finish(&out);
}

static void prim_exec(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    native_check_gate(st, pos, "exec");
    eval_force_list(st, args[0], pos, "while evaluating the first argument passed to builtins.exec");
    uint32_t n = args[0]->len;
    if (n == 0)
        eval_error(st, ERR_EVAL, pos, "at least one argument to 'exec' required");
    char **argv = GC_MALLOC((n + 1) * sizeof *argv);
    for (uint32_t i = 0; i < n; i++) {
        size_t len = 0;
        const char *s = eval_coerce_to_string(
            st, val_list(args[0])[i], pos,
            i == 0 ? "while evaluating the first element of the argument passed to builtins.exec"
                   : "while evaluating an element of the argument passed to builtins.exec",
            0, NULL, &len);
        argv[i] = (char *)s;
    }
    argv[n] = NULL;
    size_t len = 0;
    const char *text = run_program(st, pos, argv, &len);

    char *msg = GC_MALLOC_ATOMIC(strlen(argv[0]) + 64);
    sprintf(msg, "while parsing the output from '%s'", argv[0]);
    eval_frame_push(st, pos, msg);
    Expr *e = eval_parse_string(st, text, len, "/", SRC_STRING);
    eval_frame_pop(st);

    msg = GC_MALLOC_ATOMIC(strlen(argv[0]) + 64);
    sprintf(msg, "while evaluating the output from '%s'", argv[0]);
    eval_frame_push(st, pos, msg);
    eval_expr(st, e, out);
    eval_force(st, out, pos);
    eval_frame_pop(st);
}

void native_prim_foreign_function(EvalState *st, PosIdx pos, Value **args, Value *out);

const PrimOp native_builtins[] = {
    {"importNative", 2, 0, "path symbol",
     "Load the shared object at *path* and call its function *symbol*, which\n"
     "returns a Nix value through the plugin API of `include/cnix/plugin.h`:\n"
     "\n"
     "    void symbol(CnixState *st, CnixValue *out);\n"
     "\n"
     "For example `builtins.importNative ./libhello.so \"hello\"`. Only\n"
     "available with `--allow-unsafe-native-code-during-evaluation`; errors if the\n"
     "library cannot be opened or the symbol is missing. The library is never\n"
     "unloaded.",
     prim_importNative},
    {"exec", 1, 0, "argv",
     "Run the program `head argv` (looked up in `PATH`) with the remaining\n"
     "elements of the list *argv* as arguments, and parse and evaluate what it\n"
     "prints on standard output as a Nix expression. For example\n"
     "`builtins.exec [ \"echo\" \"{ a = 1; }\" ]` is `{ a = 1; }`. Only available with\n"
     "`--allow-unsafe-native-code-during-evaluation`. A program that exits with a\n"
     "non-zero status, or prints an invalid expression, is an error; an empty\n"
     "list is an error.",
     prim_exec},
    {"foreignFunction", 1, 0, "spec",
     "Make a Nix function from the C function *spec*.`symbol` in the shared\n"
     "library *spec*.`library` (a file name searched like `dlopen` does, a path,\n"
     "or `null` for cnix itself and the libraries it uses). *spec*.`args` lists the\n"
     "C types of the parameters and *spec*.`returns` the C type of the result:\n"
     "`int8` `int16` `int32` `int64` `uint8` `uint16` `uint32` `uint64` `int` `long`\n"
     "`size_t` (Nix integers, range-checked), `float` `double` (floats; integers\n"
     "are converted), `string` (a Nix string without NUL bytes in, a copied string\n"
     "out; a NULL result is `null`), `pointer` (an opaque external value; `null` is\n"
     "the NULL pointer) and `void` (result only: `null`).\n"
     "\n"
     "    let pow = builtins.foreignFunction { library = \"libm.so.6\";\n"
     "      symbol = \"pow\"; args = [ \"double\" \"double\" ]; returns = \"double\"; };\n"
     "    in pow 2 10   # 1024.0\n"
     "\n"
     "The result takes one argument per C parameter (at most 7); a function with\n"
     "no parameters is called by applying it to `null`. The libffi call interface\n"
     "is prepared once, here. Only available with\n"
     "`--allow-unsafe-native-code-during-evaluation`. A wrong C type name, a missing\n"
     "library or symbol, an argument of the wrong type and an integer out of range\n"
     "for its C type are errors.",
     native_prim_foreign_function},
    {0},
};
