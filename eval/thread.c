/* Runs evaluation on a thread with a huge, lazily committed stack registered with the GC. */
#define GC_THREADS
#include <gc/gc.h>

#include "eval/eval.h"

#include <pthread.h>
#include <stdio.h>
#include <sys/mman.h>

typedef struct Job {
    void (*fn)(void *);
    void *arg;
} Job;

static void *trampoline(void *p)
{
    Job *j = p;
    j->fn(j->arg);
    return NULL;
}

void eval_run_with_big_stack(void (*fn)(void *), void *arg)
{
    /* 8 GiB of address space, committed only as touched; with max-call-depth
     * 10^6 the deepest evaluations use about 1-2 GiB. */
    size_t sizes[] = {(size_t)8 << 30, (size_t)2 << 30, (size_t)512 << 20};
    Job job = {fn, arg};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        void *stack = mmap(NULL, sizes[i], PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
        if (stack == MAP_FAILED)
            continue;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_t t;
        if (pthread_attr_setstack(&attr, stack, sizes[i]) == 0 &&
            pthread_create(&t, &attr, trampoline, &job) == 0) {
            pthread_attr_destroy(&attr);
            pthread_join(t, NULL);
            munmap(stack, sizes[i]);
            return;
        }
        pthread_attr_destroy(&attr);
        munmap(stack, sizes[i]);
    }
    fn(arg); /* no big stack available: run here */
}
