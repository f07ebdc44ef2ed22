/*
 * arena.c - per-request bump allocator (see arena.h).
 *
 * Chunks are at least 4 KiB; a larger request gets a chunk of its own size. Most requests fit
 * in the first chunk, so a request costs one malloc and one free.
 */
#include "arena.h"

#include <stdarg.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_CHUNK 4096

/* A chunk header followed by its storage. */
struct arena_chunk {
  struct arena_chunk *prev; /* older chunk, or NULL */
  size_t used, cap;         /* bytes used and available after the header */
  alignas(max_align_t) unsigned char mem[];
};

void *arena_alloc(struct arena *a, size_t n)
{
  const size_t al = alignof(max_align_t);
  n = (n + al - 1) & ~(al - 1);
  if (n == 0) n = al;
  struct arena_chunk *c = a->head;
  if (!c || c->cap - c->used < n) {
    size_t cap = n > ARENA_CHUNK ? n : ARENA_CHUNK;
    c = malloc(sizeof *c + cap);
    if (!c) return NULL;
    c->prev = a->head;
    c->used = 0;
    c->cap = cap;
    a->head = c;
  }
  void *p = c->mem + c->used;
  c->used += n;
  memset(p, 0, n);
  return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
  char *p = arena_alloc(a, n + 1);
  if (!p) return NULL;
  memcpy(p, s, n);
  p[n] = 0;
  return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
  return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
  va_list ap, ap2;
  va_start(ap, fmt);
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  char *p = n >= 0 ? arena_alloc(a, (size_t)n + 1) : NULL;
  if (p) vsnprintf(p, (size_t)n + 1, fmt, ap2);
  va_end(ap2);
  return p;
}

void arena_free(struct arena *a)
{
  struct arena_chunk *c = a->head;
  while (c) {
    struct arena_chunk *prev = c->prev;
    free(c);
    c = prev;
  }
  a->head = NULL;
}
