/* libFuzzer target: parsing and deeply evaluating any bytes must end in a value or a clean
 * error, never a crash; per-input limits on CPU time, call depth and heap keep slow or
 * huge (but legitimate) programs from being reported as hangs or memory blow-ups. */
#define GC_THREADS
#include <gc/gc.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "builtins/builtins.h"
#include "eval/eval.h"
#include "store/store.h"

/* The private store every input evaluates against (uncollectable: opened once). */
static Store *fuzz_store;

/* Limits: a fuzz input is at most a few KiB, so anything beyond these is a
 * runaway program rather than a bug; the evaluator must stop it cleanly. */
#define CALL_DEPTH 2000
#define HEAP_BYTES ((size_t)384 << 20)
#define CPU_MS 1500

/* A signal handler and the GC's out-of-memory callback take no context pointer. */
static volatile int *interrupt_flag;
static jmp_buf oom_jb;
static volatile int in_eval;

static void on_timer(int sig)
{
    (void)sig;
    if (interrupt_flag)
        *interrupt_flag = 1;
}

/* The heap limit was hit somewhere inside the evaluator: abandon this input (its
 * state becomes garbage) rather than returning NULL into code that does not expect it. */
static void *on_oom(size_t n)
{
    (void)n;
    if (in_eval)
        longjmp(oom_jb, 1);
    abort();
}

static void arm_timer(long ms)
{
    struct itimerval t;
    memset(&t, 0, sizeof t);
    t.it_value.tv_sec = ms / 1000;
    t.it_value.tv_usec = (ms % 1000) * 1000;
    setitimer(ITIMER_VIRTUAL, &t, NULL); /* libFuzzer's -timeout owns ITIMER_REAL */
}

typedef struct Job {
    const uint8_t *data;
    size_t size;
} Job;

static void run(void *p)
{
    Job *j = p;
    if (setjmp(oom_jb)) {
        in_eval = 0;
        return;
    }
    in_eval = 1; /* from here an allocation failure abandons the input */
    EvalSettings s;
    eval_settings_default(&s);
    /* Pure and restricted with nothing allowed: inputs must not read the machine's
     * files (e.g. /dev/zero), environment or network. */
    s.pure_eval = true;
    s.restrict_eval = true;
    s.max_call_depth = CALL_DEPTH;
    s.nix_path = NULL;
    s.nix_path_len = 0;
    EvalState *volatile st = eval_state_new(&s);
    bi_open_all(st, fuzz_store);
    interrupt_flag = &st->interrupted;
    arm_timer(CPU_MS);
    TryFrame f;
    if (EVAL_TRY(st, &f)) {
        Expr *e = eval_parse_string(st, (const char *)j->data, j->size, "/fuzz", SRC_STRING);
        Value *v = GC_MALLOC(sizeof *v);
        eval_expr(st, e, v);
        eval_force_deep(st, v, 0);
        StrBuf sb;
        sb_init(&sb);
        eval_print_value(st, v, &sb);
        eval_try_leave(st, &f);
    } else if (!f.error || !f.error->msg) {
        abort(); /* every error must explain itself */
    }
    arm_timer(0);
    in_eval = 0;
    interrupt_flag = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    if (!init) {
        GC_INIT();
        GC_allow_register_threads();
        GC_set_max_heap_size(HEAP_BYTES);
        GC_set_oom_fn(on_oom);
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_timer;
        sa.sa_flags = SA_RESTART;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGVTALRM, &sa, NULL);
        /* Never touch a real store, even if an input finds a way to write one. */
        StoreSettings set = {.root = "/tmp/cnix-fuzz-eval-root", .state_dir = "/tmp/cnix-fuzz-eval-root/state"};
        const char *err = NULL;
        fuzz_store = store_open("local", &set, &err);
        if (!fuzz_store)
            abort();
        init = 1;
    }
    /* Garbage of earlier inputs can fill the capped heap: collect it now, outside
     * any evaluation, rather than failing an allocation in the next one. */
    if (GC_get_heap_size() > HEAP_BYTES / 2)
        GC_gcollect();
    Job j = {data, size};
    /* The CLI evaluates on a big stack too; without it deep but bounded recursion
     * would be a false stack overflow. */
    eval_run_with_big_stack(run, &j);
    return 0;
}
