/*
 * arena.h - per-request bump allocator.
 *
 * Everything a request needs while it is handled (copied strings, path parameters, query
 * values) is allocated from the request's arena and released at once by arena_free() when the
 * request completes. Never hand arena memory to libmicrohttpd as a response body: MHD may send
 * it after the request's completion callback has freed the arena.
 */
#ifndef KAOPING_ARENA_H
#define KAOPING_ARENA_H

#include <stddef.h>

struct arena_chunk;

/* An arena; zero-initialise it ({0}) before first use. */
struct arena {
  struct arena_chunk *head; /* newest chunk, linked to older ones; NULL when empty */
};

/* Returns N bytes aligned for any type, zeroed, or NULL when memory is exhausted. */
void *arena_alloc(struct arena *a, size_t n);

/* Copies the first N bytes of S plus a terminating NUL. NULL on exhaustion. */
char *arena_strndup(struct arena *a, const char *s, size_t n);

/* Copies the NUL-terminated S. NULL on exhaustion or when S is NULL. */
char *arena_strdup(struct arena *a, const char *s);

/* printf into the arena. NULL on exhaustion. */
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Frees every allocation of the arena; it can be used again afterwards. */
void arena_free(struct arena *a);

#endif
