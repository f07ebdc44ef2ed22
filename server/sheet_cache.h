/*
 * sheet_cache.h - the text of score sheets' items and totals kept in memory between requests.
 *
 * Writing a sheet's ~40 items and computing its total is most of the cost of reading a sheet
 * (sheets.c): the same few thousand bytes, rebuilt for every GET while nothing changed. This
 * module keeps that text (a sheet's "tail": ,"items":{…},"total":{…}} ) under a key made of
 * everything it is computed from, read fresh from the database on every request:
 *   - the database (db_instance());
 *   - the sheet's id and its body_stamp (sql/0009_sheet_stamp.sql: triggers give it a new
 *     random value on every write to the sheet's score or evidence rows, whatever code makes
 *     it, and a rolled-back write takes its value away with it);
 *   - the rubric's id, created_at and updated_at (the indicators' codes and the total's
 *     rules; callers store only sheets whose rubric is frozen, so its indicators are fixed);
 *   - the unit's kind (which indicators apply to it).
 * An entry whose key no longer matches is never returned; it is replaced or evicted in time.
 *
 * Memory: at most SHEET_CACHE_BYTES of text in SHEET_CACHE_SLOTS slots (a sheet maps to one
 * slot by its id); texts larger than SHEET_CACHE_ENTRY_MAX are not kept. When a new text would
 * take the total over the budget, slots are emptied in turn (a clock hand) until it fits.
 *
 * Threads: every function may be called from any thread (one mutex; the critical sections
 * are a hash, a compare and a copy of a few KB).
 */
#ifndef KAOPING_SHEET_CACHE_H
#define KAOPING_SHEET_CACHE_H

#include <stddef.h>
#include <stdint.h>

#define SHEET_CACHE_SLOTS     4096               /* a power of two */
#define SHEET_CACHE_BYTES     ((size_t)8 << 20)  /* text kept at most, all slots */
#define SHEET_CACHE_ENTRY_MAX ((size_t)64 << 10) /* larger texts are not kept */

/* What a sheet's tail is computed from (see above). Zero-fill before setting the members:
 * the whole struct is compared. */
struct sheet_key {
  uint64_t db;
  int64_t sheet, stamp;
  int64_t rubric, rubric_created, rubric_updated;
  char unit_kind[32];
};

/* A copy of the text kept for KEY: a new malloc'd, NUL-terminated buffer (the caller frees
 * it) and its length in *LEN; NULL when none is kept (or memory ran out). */
char *sheet_cache_get(const struct sheet_key *key, size_t *len);

/* Keeps a copy of TEXT (LEN bytes) for KEY, replacing what the sheet's slot held. Does
 * nothing when LEN is above SHEET_CACHE_ENTRY_MAX or memory runs out. */
void sheet_cache_put(const struct sheet_key *key, const char *text, size_t len);

/* Empties the cache (tests; the daemon never needs to). */
void sheet_cache_clear(void);

/* Counters since the start: lookups that found a text, lookups that did not, and the bytes
 * kept now. Any pointer may be NULL. */
void sheet_cache_stats(uint64_t *hits, uint64_t *misses, size_t *bytes);

#endif
