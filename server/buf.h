/*
 * buf.h - a growing byte buffer, for text built piece by piece (a sheet's total as JSON, a
 * rubric as CSV, a rubric draft's names, /metrics).
 *
 * Start from `struct buf b = {0};`. Once something was written, b.p is NUL-terminated and
 * holds b.n bytes (before that b.p is NULL). An allocation failure sets b.oom and every later
 * write is dropped, so a caller checks b.oom once, at the end. The caller frees b.p.
 */
#ifndef KAOPING_BUF_H
#define KAOPING_BUF_H

#include <stddef.h>

struct buf {
  char *p;       /* the bytes, NUL-terminated (malloc'd), or NULL while empty */
  size_t n, cap; /* bytes held (without the NUL), bytes allocated */
  int oom;       /* an allocation failed: what follows was dropped */
};

/* Appends the N bytes at S (N = 0: nothing, no allocation). */
void buf_put(struct buf *b, const void *s, size_t n);

/* Appends the string S. */
void buf_puts(struct buf *b, const char *s);

/* Appends FMT formatted as printf() does. */
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
