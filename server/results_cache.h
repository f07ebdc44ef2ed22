/*
 * results_cache.h - computed results kept until what they were computed from changes, and read
 * a page at a time.
 *
 * results_load() (results_db.h) computes a cycle's results from every submitted sheet: at
 * 50,000 units (4.4 million scores) that takes seconds and its output is ~70 MB of JSON, too
 * slow for a results page that is opened, filtered and paged all day. This module computes
 * once per (cycle, method) and keeps the output as a SNAPSHOT until the database's
 * results_stamp (sql/0008_results_stamp.sql: bumped by triggers on every write that can change
 * a result, whatever code makes it) moves on; then the next request computes again.
 *
 * A snapshot is one JSON text per line in an unlinked temporary file under DATA_DIR/tmp
 * (the head — results.h's output without its three lists — then one line per unit,
 * disagreement and sensitivity entry), with a small index in memory (offsets, each unit's
 * code, name, kind and grade). Lines are read back with pread, so the snapshot lives in the page
 * cache, not in the daemon's resident memory: a page of 50 units reads 50 lines.
 * At most RESULTS_CACHE_MAX snapshots are kept (least recently used goes first); they are
 * never written to the database (a GET stays read-only) and are gone with the process.
 *
 * Inside a transaction (db_in_transaction()) a stale snapshot is computed for the caller
 * alone and not kept: what the transaction wrote may still be rolled back.
 *
 * Threads: every function may be called from any request thread. A snapshot is reference-
 * counted: a reader keeps it valid until results_snap_release() even if a newer one replaces
 * it. Two requests that find the same snapshot stale compute it once: the second waits for
 * the first.
 */
#ifndef KAOPING_RESULTS_CACHE_H
#define KAOPING_RESULTS_CACHE_H

#include <jansson.h>
#include <stdint.h>

struct db;
struct results_snap;

/* Snapshots kept at once (different cycles or methods). */
#define RESULTS_CACHE_MAX 4

/* The three lists of results.h's output a page can be taken from. */
enum results_part { RESULTS_UNITS, RESULTS_DISAGREEMENTS, RESULTS_SENSITIVITY };

/* Which entries of a list a page takes; every member optional (NULL/0 = no filter). Entries of
 * the disagreements and sensitivity lists are filtered by their unit. */
struct results_filter {
  const char *unit; /* exact unit code */
  json_t *units;    /* or one of these unit codes (a JSON array of strings; borrowed) */
  const char *kind; /* exact unit kind code */
  const char *q;    /* substring of the unit's code or name (bytes, case-sensitive) */
  int by_code;      /* units list only: ordered by unit code instead of results.h's order */
  int enrich;       /* 1: disagreements gain "name" (the unit's name) and sensitivity entries
                       "by_method" (the unit's), for a page that has no unit rows */
};

/* The snapshot of CYCLE's results under METHOD (NULL = the cycle's official method; else a
 * name as h_results_method() gives it: one longer than 15 bytes is E_VALIDATION), computed
 * by results_load() when there is none or the stamp moved on. E_OK with *OUT (release with
 * results_snap_release()); else results_load()'s errors with *FIELD and *PROBLEM
 * (thread-local until the next call), E_NOMEM, E_INTERNAL (temporary file) or a db error. */
int results_snap_get(struct db *db, int64_t cycle, const char *method, struct results_snap **out,
                     const char **field, const char **problem);

/* Gives back a snapshot from results_snap_get() (NULL is fine). */
void results_snap_release(struct results_snap *s);

/* The snapshot's head: results.h's output without "units", "disagreements" and "sensitivity",
 * plus "parts": {"units","disagreements","sensitivity": entries in each list} and "kinds":
 * [{"kind","units"}] (the unit kinds present, by code, with their unit counts); BRIEF leaves
 * out normalization.reviewers (~100 bytes a reviewer). A new object (caller decrefs) or NULL
 * when out of memory. */
json_t *results_snap_head(struct results_snap *s, int brief);

/* Entries of list PART that pass FILTER (may be NULL), from the OFFSET-th (≥ 0) on, at most
 * LIMIT of them (< 0 = all), into *ITEMS (a new array, caller decrefs) and the number that pass
 * the filter into *TOTAL (may be NULL). Entries are results.h's (plus FILTER->enrich's). E_OK,
 * E_NOMEM or E_INTERNAL (the file cannot be read). */
int results_snap_list(struct results_snap *s, enum results_part part,
                      const struct results_filter *filter, int64_t offset, int64_t limit,
                      json_t **items, int64_t *total);

/* results_load()'s output rebuilt from the snapshot: the same members and values (a new object,
 * caller decrefs; it holds every unit, so at national scale prefer results_snap_list()). E_OK,
 * E_NOMEM or E_INTERNAL. */
int results_snap_full(struct results_snap *s, json_t **out);

/* results_snap_full()'s object as JSON text, without parsing a line: PREFIX, the object,
 * SUFFIX, into *OUT (malloc'd, caller frees; *LEN bytes, not NUL-terminated). Its members are
 * the head's, then "units", "disagreements", "sensitivity" (results.h's order differs: JSON
 * objects are unordered). E_OK, E_NOMEM or E_INTERNAL. */
int results_snap_text(struct results_snap *s, const char *prefix, const char *suffix, char **out,
                      size_t *len);

/* results_load(DB, CYCLE, METHOD, NULL, OUT, FIELD, PROBLEM) from the cache: results_snap_get()
 * then results_snap_full(). Same returns. */
int results_cached(struct db *db, int64_t cycle, const char *method, json_t **out,
                   const char **field, const char **problem);

/* results_cached() with each of the three lists cut to the entries that pass FILTER (NULL =
 * all; FILTER->enrich as in results_snap_list()): e.g. {.unit = code} for one unit's row and
 * entries, the head as results_load() gives it. Same returns. */
int results_cached_of(struct db *db, int64_t cycle, const char *method,
                      const struct results_filter *filter, json_t **out, const char **field,
                      const char **problem);

/* The snapshots computed since the process started (for tests and /metrics). */
int64_t results_cache_computed(void);

/* Drops every snapshot (at shutdown; readers still holding one keep it until they release). */
void results_cache_clear(void);

#endif
