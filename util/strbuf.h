/* Growable byte buffers on the GC heap, for building strings and output. */
#ifndef CNIX_UTIL_STRBUF_H
#define CNIX_UTIL_STRBUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Contents are always NUL-terminated after any sb_ call; len excludes the NUL.
 * The data lives in atomic (pointer-free) GC memory. */
typedef struct StrBuf {
    char *data;
    size_t len;
    size_t cap;
} StrBuf;

void sb_init(StrBuf *sb);
void sb_reserve(StrBuf *sb, size_t extra);
void sb_add(StrBuf *sb, const char *s, size_t n);
void sb_puts(StrBuf *sb, const char *s);
void sb_putc(StrBuf *sb, char c);
/* Appends the UTF-8 encoding of a code point (up to 0x10FFFF; not checked). */
void sb_put_utf8(StrBuf *sb, uint32_t cp);
/* Appends a decimal integer (as printf's %" PRId64 ", without its cost). */
void sb_put_int(StrBuf *sb, int64_t v);
void sb_printf(StrBuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vprintf(StrBuf *sb, const char *fmt, va_list ap);
/* A new GC string formatted as by printf. */
/* a + b + c in an exactly sized GC string (atomic). */
char *sb_cat3(const char *a, const char *b, const char *c);
char *sb_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Returns the NUL-terminated contents; the buffer may be reused after sb_init. */
char *sb_finish(StrBuf *sb);

#endif
