/*
 * sheet_cache.c - score sheets' items and totals as text, kept between requests (see
 * sheet_cache.h).
 *
 * A direct-mapped table: sheet id -> one slot (a multiplicative hash, so that the ids of one
 * reviewer's sheets, often close together, spread out). Two sheets sharing a slot take turns;
 * the key comparison keeps either from being served for the other.
 */
#include "sheet_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct slot {
  struct sheet_key key;
  char *text; /* malloc'd, NUL-terminated; NULL = empty */
  size_t len;
};

static struct slot slots[SHEET_CACHE_SLOTS];
static size_t bytes;  /* the sum of the slots' len */
static unsigned hand; /* the slot emptied next when over the budget */
static uint64_t hits, misses;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static struct slot *slot_of(int64_t sheet)
{
  uint64_t h = (uint64_t)sheet * 0x9E3779B97F4A7C15u;
  return &slots[(h >> 32) & (SHEET_CACHE_SLOTS - 1)];
}

/* Empties S. Call with the lock held. */
static void drop(struct slot *s)
{
  bytes -= s->len;
  free(s->text);
  s->text = NULL;
  s->len = 0;
}

char *sheet_cache_get(const struct sheet_key *key, size_t *len)
{
  char *out = NULL;
  *len = 0;
  pthread_mutex_lock(&lock);
  struct slot *s = slot_of(key->sheet);
  if (s->text && !memcmp(&s->key, key, sizeof *key) && (out = malloc(s->len + 1))) {
    memcpy(out, s->text, s->len + 1);
    *len = s->len;
  }
  if (out)
    hits++;
  else
    misses++;
  pthread_mutex_unlock(&lock);
  return out;
}

void sheet_cache_put(const struct sheet_key *key, const char *text, size_t len)
{
  if (len > SHEET_CACHE_ENTRY_MAX) return;
  char *copy = malloc(len + 1);
  if (!copy) return;
  memcpy(copy, text, len);
  copy[len] = 0;
  pthread_mutex_lock(&lock);
  struct slot *s = slot_of(key->sheet);
  drop(s);
  while (bytes + len > SHEET_CACHE_BYTES) drop(&slots[hand++ & (SHEET_CACHE_SLOTS - 1)]);
  s->key = *key;
  s->text = copy;
  s->len = len;
  bytes += len;
  pthread_mutex_unlock(&lock);
}

void sheet_cache_clear(void)
{
  pthread_mutex_lock(&lock);
  for (size_t i = 0; i < SHEET_CACHE_SLOTS; i++) drop(&slots[i]);
  pthread_mutex_unlock(&lock);
}

void sheet_cache_stats(uint64_t *h, uint64_t *m, size_t *b)
{
  pthread_mutex_lock(&lock);
  if (h) *h = hits;
  if (m) *m = misses;
  if (b) *b = bytes;
  pthread_mutex_unlock(&lock);
}
