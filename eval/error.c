/* Errors: catch points, throwing, live trace frames, and CppNix-style error printing. */
#if defined(__SANITIZE_ADDRESS__)
#define EVAL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define EVAL_ASAN 1
#endif
#endif
#ifdef EVAL_ASAN
#include <sanitizer/asan_interface.h>
#endif
#include "eval/internal.h"

#include <gc/gc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void eval_try_enter(EvalState *st, TryFrame *f)
{
    f->prev = st->try_top;
    f->error = NULL;
    f->saved_depth = st->call_depth;
    f->saved_frames = st->nframes;
    f->saved_forcing = st->nforcing;
    st->try_top = f;
}

void eval_try_leave(EvalState *st, TryFrame *f)
{
    st->try_top = f->prev;
}

void eval_forcing_grow(EvalState *st)
{
    uint32_t cap = st->forcing_cap ? st->forcing_cap * 2 : 1024;
    Value **n = GC_MALLOC(cap * sizeof(Value *));
    if (st->nforcing)
        memcpy(n, st->forcing, st->nforcing * sizeof(Value *));
    st->forcing = n;
    st->forcing_cap = cap;
}

void eval_frame_push(EvalState *st, PosIdx pos, const char *msg)
{
    if (st->nframes == st->frames_cap) {
        uint32_t cap = st->frames_cap ? st->frames_cap * 2 : 1024;
        TraceEntry *n = GC_MALLOC(cap * sizeof(TraceEntry));
        if (st->nframes)
            memcpy(n, st->frames, st->nframes * sizeof(TraceEntry));
        st->frames = n;
        st->frames_cap = cap;
    }
    st->frames[st->nframes++] = (TraceEntry){pos, msg, 0};
}

void eval_frame_push_always(EvalState *st, PosIdx pos, const char *msg)
{
    eval_frame_push(st, pos, msg);
    st->frames[st->nframes - 1].sym = TRACE_ALWAYS;
}

void eval_frame_pop(EvalState *st)
{
    st->nframes--;
}

static void show_select_frame(EvalState *st, const ExprSelect *x, StrBuf *sb)
{
    sb_puts(sb, "while evaluating the attribute '");
    for (uint32_t i = 0; i < x->npath; i++) {
        if (i)
            sb_putc(sb, '.');
        if (x->path[i].sym)
            sb_puts(sb, sym_name(st->symbols, x->path[i].sym));
        else {
            sb_puts(sb, "\"${");
            parse_show(st->symbols, x->path[i].expr, sb);
            sb_puts(sb, "}\"");
        }
    }
    sb_putc(sb, '\'');
}

/* Copies the live frames [from, nframes) into e->trace, outermost first. They
 * stay raw (a symbol or AST node instead of text) until the error is printed,
 * so deep recursions cost a memcpy here. */
static void capture_trace(EvalState *st, EvalError *e, uint32_t from)
{
    uint32_t n = st->nframes > from ? st->nframes - from : 0;
    TraceEntry *t = GC_MALLOC((n + 1) * sizeof(TraceEntry));
    if (n)
        memcpy(t, &st->frames[from], n * sizeof(TraceEntry));
    e->trace = t;
    e->ntrace = n;
}

_Noreturn void eval_throw(EvalState *st, EvalError *e)
{
    TryFrame *f = st->try_top;
    if (!f) {
        eval_print_error(st, e, stderr);
        fflush(stderr);
        _exit(1);
    }
    if (!e->trace)
        capture_trace(st, e, f->saved_frames);
    /* Thunks being forced remember the error (forcing them again re-raises it
     * without re-evaluating); resource errors instead leave them thunks again. */
    bool memo = e->kind != ERR_STACK_OVERFLOW && e->kind != ERR_INTERRUPTED && e->kind != ERR_OOM;
    Value **forcing = st->forcing;
    for (uint32_t i = st->nforcing; i > f->saved_forcing; i--) {
        Value *v = forcing[i - 1];
        if (v->type != T_BLACKHOLE)
            continue;
        if (memo) {
            v->type = T_FAILED;
            v->failed.error = e;
        } else
            v->type = v->flags;
    }
    st->nforcing = f->saved_forcing;
    st->nframes = f->saved_frames;
    st->call_depth = f->saved_depth;
    st->try_top = f->prev;
    f->error = e;
#ifdef EVAL_ASAN
    /* ASan clears the redzones of the frames a longjmp skips only up to 64 MiB of
     * stack; deep evaluations unwind gigabytes, leaving stale poison that later
     * frames trip over (false reports, then ASan's own CHECK failure). The skipped
     * frames lie between here and the catching frame, which holds *f. */
    char here;
    if ((char *)f > &here)
        __asan_unpoison_memory_region(&here, (size_t)((char *)f - &here));
#endif
    longjmp(f->jb, 1);
}

_Noreturn void eval_rethrow_failed(EvalState *st, Value *v)
{
    /* a fresh copy, so frames added while this one propagates do not change the memo */
    EvalError *e = GC_MALLOC(sizeof *e);
    *e = *(EvalError *)v->failed.error;
    if (!e->trace) {
        e->trace = GC_MALLOC(sizeof(TraceEntry));
        e->ntrace = 0;
    }
    eval_rethrow(st, e);
}

_Noreturn void eval_rethrow(EvalState *st, EvalError *e)
{
    TryFrame *f = st->try_top;
    if (f && e->trace) {
        /* the frames between the outer catch point and here go before e's own */
        EvalError outer = {0};
        capture_trace(st, &outer, f->saved_frames);
        if (outer.ntrace) {
            TraceEntry *t = GC_MALLOC((outer.ntrace + e->ntrace + 1) * sizeof(TraceEntry));
            memcpy(t, outer.trace, outer.ntrace * sizeof(TraceEntry));
            memcpy(t + outer.ntrace, e->trace, e->ntrace * sizeof(TraceEntry));
            e->trace = t;
            e->ntrace += outer.ntrace;
        }
    } else if (!f && e->trace) {
        EvalError outer = {0};
        capture_trace(st, &outer, 0);
        if (outer.ntrace) {
            TraceEntry *t = GC_MALLOC((outer.ntrace + e->ntrace + 1) * sizeof(TraceEntry));
            memcpy(t, outer.trace, outer.ntrace * sizeof(TraceEntry));
            memcpy(t + outer.ntrace, e->trace, e->ntrace * sizeof(TraceEntry));
            e->trace = t;
            e->ntrace += outer.ntrace;
        }
    }
    eval_throw(st, e);
}

static _Noreturn void verror(EvalState *st, ErrorKind kind, PosIdx pos, const char *hint,
                             const char *fmt, va_list ap)
{
    StrBuf sb;
    sb_init(&sb);
    sb_vprintf(&sb, fmt, ap);
    EvalError *e = GC_MALLOC(sizeof *e);
    e->kind = kind;
    e->msg = sb.data;
    e->pos = pos;
    e->hint = hint;
    eval_throw(st, e);
}

_Noreturn void eval_error(EvalState *st, ErrorKind kind, PosIdx pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verror(st, kind, pos, NULL, fmt, ap);
}

_Noreturn void eval_error_hint(EvalState *st, ErrorKind kind, PosIdx pos, const char *hint,
                               const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verror(st, kind, pos, hint, fmt, ap);
}

_Noreturn void eval_type_error(EvalState *st, PosIdx pos, const char *expected, Value *found,
                               const char *ctx)
{
    if (ctx)
        eval_frame_push(st, pos, ctx);
    const char *shown = eval_show_value_str(st, found);
    eval_error(st, ERR_TYPE, pos, "expected %s but found %s: %s", expected, eval_type_name(found),
               shown);
}

/* ---------- printing ---------- */

static void put_trimmed(StrBuf *out, StrBuf *line)
{
    size_t n = line->len;
    while (n > 0 && (line->data[n - 1] == ' ' || line->data[n - 1] == '\t'))
        n--;
    sb_add(out, line->data, n);
    sb_putc(out, '\n');
}

/* Appends msg with every line after the first indented like CppNix does. */
static void put_indented(StrBuf *out, const char *msg, const char *indent)
{
    for (const char *p = msg; *p; p++) {
        sb_putc(out, *p);
        if (*p == '\n')
            sb_puts(out, indent);
    }
}

/* Finds line `line` (1-based) of src; returns false past the end. */
/* The next line break at or after p: "\n", "\r\n" or a lone "\r" (positions count all
 * three, so code frames must too). *blen is its length; NULL if there is none. */
static const char *find_eol(const char *p, const char *end, size_t *blen)
{
    for (; p < end; p++) {
        if (*p == '\n' || *p == '\r') {
            *blen = (*p == '\r' && p + 1 < end && p[1] == '\n') ? 2 : 1;
            return p;
        }
    }
    return NULL;
}

static bool get_line(const Source *src, uint32_t line, const char **start, size_t *len)
{
    const char *p = src->text, *end = src->text + src->len;
    if (!p)
        return false;
    size_t blen;
    for (uint32_t l = 1; l < line; l++) {
        const char *nl = find_eol(p, end, &blen);
        if (!nl)
            return false;
        p = nl + blen;
    }
    if (p > end || (p == end && line > 1 && p[-1] != '\n' && p[-1] != '\r'))
        return false;
    const char *nl = find_eol(p, end, &blen);
    *start = p;
    *len = (size_t)((nl ? nl : end) - p);
    return true;
}

static void show_origin(EvalState *st, const Pos *p, StrBuf *out)
{
    switch (p->src->kind) {
    case SRC_FILE:
        sb_puts(out, p->src->path);
        break;
    case SRC_STRING:
        sb_puts(out, "«string»");
        break;
    case SRC_STDIN:
        sb_puts(out, "«stdin»");
        break;
    case SRC_NONE:
        sb_puts(out, "«none»");
        break;
    }
    (void)st;
}

static void code_line(StrBuf *out, const char *indent, uint32_t no, const char *s, size_t len)
{
    StrBuf l;
    sb_init(&l);
    sb_printf(&l, "%s %5u| ", indent, no);
    sb_add(&l, s, len);
    put_trimmed(out, &l);
}

/* "at FILE:L:C:" plus up to three lines of code with a caret under the column;
 * code lines are indented by code_indent. */
static void show_pos_code(EvalState *st, PosIdx pos, const char *indent, const char *code_indent,
                          StrBuf *out)
{
    Pos p = pos_get(st->positions, pos);
    if (!p.src)
        return;
    StrBuf l;
    sb_init(&l);
    sb_printf(&l, "%sat ", indent);
    show_origin(st, &p, &l);
    sb_printf(&l, ":%u:%u:", p.line, p.col);
    put_trimmed(out, &l);
    const char *s;
    size_t len;
    if (p.line > 1 && get_line(p.src, p.line - 1, &s, &len))
        code_line(out, code_indent, p.line - 1, s, len);
    if (get_line(p.src, p.line, &s, &len)) {
        code_line(out, code_indent, p.line, s, len);
        StrBuf c;
        sb_init(&c);
        sb_printf(&c, "%s      |", code_indent);
        for (uint32_t i = 0; i < p.col; i++)
            sb_putc(&c, ' ');
        sb_putc(&c, '^');
        put_trimmed(out, &c);
    }
    if (get_line(p.src, p.line + 1, &s, &len))
        code_line(out, code_indent, p.line + 1, s, len);
}

static void show_pos(EvalState *st, PosIdx pos, const char *indent, StrBuf *out)
{
    show_pos_code(st, pos, indent, "       ", out);
}

void eval_write_log(FILE *f, const char *s, size_t len)
{
    const char *term = getenv("TERM");
    if (isatty(fileno(f)) && !getenv("NO_COLOR") && !(term && strcmp(term, "dumb") == 0)) {
        fwrite(s, 1, len, f);
        return;
    }
    size_t i = 0, run = 0;
    while (i < len) {
        if (s[i] == '\033' && i + 1 < len && s[i + 1] == '[') {
            fwrite(s + run, 1, i - run, f);
            /* CSI: parameter and intermediate bytes, then one final byte in 0x40..0x7e */
            i += 2;
            while (i < len && (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] <= 0x3f)
                i++;
            while (i < len && (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] <= 0x2f)
                i++;
            if (i < len)
                i++;
            run = i;
        } else {
            i++;
        }
    }
    fwrite(s + run, 1, len - run, f);
}

void eval_print_warning(EvalState *st, const char *msg, PosIdx pos)
{
    StrBuf out;
    sb_init(&out);
    sb_puts(&out, "warning: ");
    put_indented(&out, msg, "         ");
    sb_putc(&out, '\n');
    show_pos_code(st, pos, "         ", "         ", &out);
    fflush(stdout);
    eval_write_log(stderr, out.data, out.len);
}

/* One printable trace line: message text and position. always: printed even past the short
 * trace's limit (CppNix's TracePrint::Always). */
typedef struct Line {
    PosIdx pos;
    const char *msg;
    bool always;
} Line;

/* Expands raw frames into printable lines (a lambda call frame becomes "from
 * call site" + "while calling 'f'"). Lambda call frames exist in CppNix only under
 * --show-trace (EvalState::callFunction adds them then), so without it they are left out. */
static Line *expand_trace(EvalState *st, const EvalError *e, uint32_t *np)
{
    Line *l = GC_MALLOC((2 * (size_t)e->ntrace + 1) * sizeof(Line));
    uint32_t k = 0;
    for (uint32_t i = 0; i < e->ntrace; i++) {
        TraceEntry fr = e->trace[i];
        if (fr.sym == FRAME_CALL || fr.sym == FRAME_LAMBDA) {
            if (!st->settings.show_trace)
                continue;
            const ExprLambda *lam = (const ExprLambda *)fr.msg;
            if (fr.sym == FRAME_CALL && fr.pos) /* as CppNix: only where there is a position */
                l[k++] = (Line){fr.pos, "from call site", false};
            StrBuf sb;
            sb_init(&sb);
            if (lam->name)
                sb_printf(&sb, "while calling '%s'", sym_name(st->symbols, lam->name));
            else
                sb_puts(&sb, "while calling anonymous lambda");
            l[k++] = (Line){lam->base.pos, sb.data, false};
            continue;
        }
        if (!fr.sym || fr.sym == TRACE_ALWAYS) {
            if (!fr.pos && strcmp(fr.msg, "from call site") == 0)
                continue;
            l[k++] = (Line){fr.pos, fr.msg, fr.sym == TRACE_ALWAYS};
            continue;
        }
        StrBuf sb;
        sb_init(&sb);
        if (fr.sym == FRAME_PRIMOP)
            sb_printf(&sb, "while calling the '%s' builtin", fr.msg);
        else if (fr.sym == FRAME_ASSERT) {
            sb_puts(&sb, "while evaluating the condition of the assertion '");
            parse_show(st->symbols, ((const ExprAssert *)fr.msg)->cond, &sb);
            sb_putc(&sb, '\'');
        } else if (fr.sym == FRAME_INDEX)
            sb_printf(&sb, "while evaluating list element at index %zu", (size_t)(uintptr_t)fr.msg);
        else if (fr.sym == FRAME_SELECT)
            show_select_frame(st, (const ExprSelect *)fr.msg, &sb);
        else
            sb_printf(&sb, fr.msg, sym_name(st->symbols, fr.sym));
        l[k++] = (Line){fr.pos, sb.data, false};
    }
    *np = k;
    return l;
}

/* Lines already printed, for CppNix's duplicate-frame elision. */
typedef struct Seen {
    Line *slots;
    size_t cap, n;
} Seen;

static size_t line_hash(Line l)
{
    size_t h = l.pos * 0x9E3779B97F4A7C15u;
    for (const char *p = l.msg; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211u;
    return h;
}

/* Inserts l; false if an equal line was already there. */
static bool seen_insert(Seen *s, Line l)
{
    if (2 * (s->n + 1) > s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        Line *n = GC_MALLOC(cap * sizeof(Line));
        for (size_t i = 0; i < s->cap; i++)
            if (s->slots[i].msg) {
                size_t h = line_hash(s->slots[i]) & (cap - 1);
                while (n[h].msg)
                    h = (h + 1) & (cap - 1);
                n[h] = s->slots[i];
            }
        s->slots = n;
        s->cap = cap;
    }
    size_t h = line_hash(l) & (s->cap - 1);
    while (s->slots[h].msg) {
        if (s->slots[h].pos == l.pos && strcmp(s->slots[h].msg, l.msg) == 0)
            return false;
        h = (h + 1) & (s->cap - 1);
    }
    s->slots[h] = l;
    s->n++;
    return true;
}

/* Prints one trace line and counts it as CppNix's showErrorInfo does: one if counted, and one
 * more when it shows a position (code takes room). Duplicates printed after all are not
 * counted themselves, only their positions (CppNix's printSkippedTracesMaybe). */
static void print_line(EvalState *st, Line l, StrBuf *out, uint32_t *count, bool counted)
{
    sb_puts(out, "       … ");
    put_indented(out, l.msg, "         ");
    sb_putc(out, '\n');
    size_t before = out->len;
    show_pos(st, l.pos, "         ", out);
    sb_putc(out, '\n');
    *count += counted + (out->len > before + 1);
}

/* Skipped duplicates: a few are printed after all; a run of more is summarised
 * and the memory of what was seen starts over (so A..B..A recursion shows). */
static void flush_skipped(EvalState *st, Line *skipped, uint32_t *nskipped, StrBuf *out,
                          uint32_t *count)
{
    if (*nskipped == 0)
        return;
    if (*nskipped <= 5) {
        for (uint32_t i = 0; i < *nskipped; i++)
            print_line(st, skipped[i], out, count, false);
    } else {
        /* CppNix means to forget the lines seen here, but clears a copy of its set
         * (printSkippedTracesMaybe takes it by value): they stay seen */
        sb_printf(out, "       (%u duplicate frames omitted)\n\n", *nskipped);
    }
    *nskipped = 0;
}

static void render_error(EvalState *st, const EvalError *e, StrBuf *outp)
{
    StrBuf out = *outp;
    sb_puts(&out, "error:");
    if (e->ntrace == 0) {
        sb_putc(&out, ' ');
        put_indented(&out, e->msg, "       ");
        sb_putc(&out, '\n');
    } else {
        sb_putc(&out, '\n');
        uint32_t n;
        Line *lines = expand_trace(st, e, &n);
        Line *skipped = GC_MALLOC((n + 1) * sizeof(Line));
        uint32_t nskipped = 0;
        Seen seen = {0};
        /* CppNix's showErrorInfo: without --show-trace, lines (outermost first) are printed
         * until the count passes 3 (a line with a position counts two); after that only the
         * ones marked always. */
        uint32_t count = 0;
        bool truncated = false;
        for (uint32_t i = 0; i < n; i++) {
            if (!lines[i].msg[0])
                continue;
            if (!st->settings.show_trace && count > 3)
                truncated = true;
            if (truncated && !lines[i].always)
                continue;
            if (!seen_insert(&seen, lines[i])) {
                skipped[nskipped++] = lines[i];
                continue;
            }
            flush_skipped(st, skipped, &nskipped, &out, &count);
            print_line(st, lines[i], &out, &count, true);
        }
        flush_skipped(st, skipped, &nskipped, &out, &count);
        if (truncated)
            sb_puts(&out, "       (stack trace truncated; use '--show-trace' to show the full, "
                          "detailed trace)\n\n");
        sb_puts(&out, "       error: ");
        put_indented(&out, e->msg, "       ");
        sb_putc(&out, '\n');
    }
    show_pos(st, e->pos, "       ", &out);
    if (e->hint) {
        sb_puts(&out, "       ");
        put_indented(&out, e->hint, "       ");
        sb_putc(&out, '\n');
    }
    *outp = out;
}

void eval_print_error(EvalState *st, const EvalError *e, FILE *f)
{
    StrBuf out;
    sb_init(&out);
    render_error(st, e, &out);
    eval_write_log(f, out.data, out.len);
}

/* CppNix renders a traced warning as its error report with "warning" for "error" and every
 * line after the first indented by two more columns. */
void eval_print_warning_traced(EvalState *st, const EvalError *w, FILE *f)
{
    StrBuf err, out;
    sb_init(&err);
    sb_init(&out);
    render_error(st, w, &err);
    const char *p = err.data + strlen("error:");
    sb_puts(&out, "warning:");
    bool in_trace = w->ntrace > 0;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (p != err.data + strlen("error:") && len > 0)
            sb_puts(&out, "  ");
        /* the message line of a traced report: "       error: MSG" */
        if (in_trace && len >= 14 && strncmp(p, "       error: ", 14) == 0) {
            sb_puts(&out, "       warning: ");
            sb_add(&out, p + 14, len - 14);
            in_trace = false;
        } else {
            sb_add(&out, p, len);
        }
        if (!nl)
            break;
        sb_putc(&out, '\n');
        p = nl + 1;
    }
    fflush(stdout);
    eval_write_log(f, out.data, out.len);
}
