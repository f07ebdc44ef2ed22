/*
 * results_cache.c - results snapshots (see results_cache.h): results_load()'s output written
 * once, a JSON text per line, to an unlinked temporary file, with an index in memory; pages
 * are read back with pread. The cache is a small array under one mutex; computing takes a
 * second mutex so two requests never compute the same results at once.
 */
#include "results_cache.h"

#include "config.h"
#include "db.h"
#include "err.h"
#include "results_db.h"

#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One line of the snapshot file. */
struct line {
  uint64_t off; /* where it starts */
  uint32_t len; /* its length in bytes (no newline) */
  int32_t unit; /* the unit it is about: index into the units list, -1 = none */
};

struct results_snap {
  int refs;        /* holders: the cache itself and each reader (under cache_lock) */
  uint64_t used;   /* last use, for LRU (under cache_lock) */
  int64_t cycle;   /* the key: cycle, method, stamp */
  char method[16]; /* resolved method name */
  int64_t stamp;   /* results_stamp.n it was computed at */
  int fd;          /* the unlinked snapshot file */
  char *head;      /* the head's JSON text (without "parts" and "kinds") */
  char *brief;     /* the same without normalization.reviewers */
  json_t *extra;   /* {"parts": …, "kinds": …} added to every head */
  struct line *lines[3];
  size_t n[3];
  char **code, **name, **kind; /* per unit, aligned with lines[RESULTS_UNITS]: into strings */
  char *strings;               /* every unit's code, name and kind, in one block */
  size_t *by_code;             /* unit indexes sorted by code */
};

static const char *const part_key[3] = {"units", "disagreements", "sensitivity"};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t compute_lock = PTHREAD_MUTEX_INITIALIZER;
static struct results_snap *cache[RESULTS_CACHE_MAX];
static uint64_t tick;
static int64_t computed;

/* Frees S and its file. */
static void snap_free(struct results_snap *s)
{
  if (!s) return;
  if (s->fd >= 0) close(s->fd);
  free(s->head);
  free(s->brief);
  json_decref(s->extra);
  for (int p = 0; p < 3; p++) free(s->lines[p]);
  free(s->strings);
  free(s->code);
  free(s->name);
  free(s->kind);
  free(s->by_code);
  free(s);
}

void results_snap_release(struct results_snap *s)
{
  if (!s) return;
  pthread_mutex_lock(&cache_lock);
  int last = --s->refs == 0;
  pthread_mutex_unlock(&cache_lock);
  if (last) snap_free(s);
}

/* The current results_stamp.n into *STAMP. E_OK or a db error. */
static int read_stamp(struct db *db, int64_t *stamp)
{
  db_stmt *st = db_prepare(db, "SELECT n FROM results_stamp WHERE id = 1");
  return st ? db_one_int(st, stamp) : E_DB;
}

/* The cached snapshot for (CYCLE, METHOD, STAMP) with a reference taken, or NULL. */
static struct results_snap *lookup(int64_t cycle, const char *method, int64_t stamp)
{
  struct results_snap *hit = NULL;
  pthread_mutex_lock(&cache_lock);
  for (int i = 0; i < RESULTS_CACHE_MAX; i++) {
    struct results_snap *s = cache[i];
    if (s && s->cycle == cycle && s->stamp == stamp && !strcmp(s->method, method)) {
      hit = s;
      hit->refs++;
      hit->used = ++tick;
      break;
    }
  }
  pthread_mutex_unlock(&cache_lock);
  return hit;
}

/* Puts S (refs 1, the caller's) in the cache, replacing the snapshot of the same cycle and
 * method or else the least recently used one. */
static void insert(struct results_snap *s)
{
  struct results_snap *gone = NULL;
  pthread_mutex_lock(&cache_lock);
  int slot = -1;
  for (int i = 0; i < RESULTS_CACHE_MAX && slot < 0; i++)
    if (cache[i] && cache[i]->cycle == s->cycle && !strcmp(cache[i]->method, s->method)) slot = i;
  for (int i = 0; i < RESULTS_CACHE_MAX && slot < 0; i++)
    if (!cache[i]) slot = i;
  if (slot < 0) {
    slot = 0;
    for (int i = 1; i < RESULTS_CACHE_MAX; i++)
      if (cache[i]->used < cache[slot]->used) slot = i;
  }
  if (cache[slot]) {
    if (--cache[slot]->refs == 0) gone = cache[slot];
  }
  cache[slot] = s;
  s->refs++;
  s->used = ++tick;
  computed++;
  pthread_mutex_unlock(&cache_lock);
  snap_free(gone);
}

/* A buffered writer on a file descriptor that knows its offset. */
struct out {
  int fd;
  uint64_t off; /* bytes written or buffered so far */
  char buf[1 << 16];
  size_t used;
  int failed;
};

/* Writes OUT's buffer. 0 or -1. */
static int out_flush(struct out *o)
{
  size_t done = 0;
  while (done < o->used) {
    ssize_t w = write(o->fd, o->buf + done, o->used - done);
    if (w <= 0) return o->failed = -1;
    done += (size_t)w;
  }
  o->used = 0;
  return 0;
}

/* Appends LEN bytes of P. 0 or -1. */
static int out_put(struct out *o, const char *p, size_t len)
{
  while (len && !o->failed) {
    if (o->used == sizeof o->buf && out_flush(o)) break;
    size_t k = sizeof o->buf - o->used;
    if (k > len) k = len;
    memcpy(o->buf + o->used, p, k);
    o->used += k;
    o->off += k;
    p += k;
    len -= k;
  }
  return o->failed;
}

/* Writes V as one line and records where into *L. 0 or -1. */
static int out_line(struct out *o, json_t *v, struct line *l)
{
  char *text = json_dumps(v, JSON_COMPACT);
  if (!text) return -1;
  size_t len = strlen(text);
  l->off = o->off;
  l->len = (uint32_t)len;
  int bad = len > UINT32_MAX || out_put(o, text, len) || out_put(o, "\n", 1);
  free(text);
  return bad ? -1 : 0;
}

/* Index of unit CODE in S (binary search over by_code), or -1. */
static int32_t unit_index(struct results_snap *s, const char *code)
{
  size_t lo = 0, hi = s->n[RESULTS_UNITS];
  if (!code) return -1;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = strcmp(s->code[s->by_code[mid]], code);
    if (!c) return (int32_t)s->by_code[mid];
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return -1;
}

static _Thread_local struct results_snap *sort_snap; /* for by_code_cmp */

static int by_code_cmp(const void *a, const void *b)
{
  return strcmp(sort_snap->code[*(const size_t *)a], sort_snap->code[*(const size_t *)b]);
}

/* qsort comparator for an array of C strings. */
static int str_cmp(const void *a, const void *b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "kinds": [{"kind","units"}] of S's units, by kind code, into S->extra. 0 or -1. */
static int count_kinds(struct results_snap *s)
{
  json_t *counts = json_object(), *kinds = json_array();
  const char *k;
  json_t *v;
  int bad = !counts || !kinds;
  for (size_t i = 0; !bad && i < s->n[RESULTS_UNITS]; i++) {
    json_t *c = json_object_get(counts, s->kind[i]);
    bad = c ? json_integer_set(c, json_integer_value(c) + 1)
            : json_object_set_new(counts, s->kind[i], json_integer(1));
  }
  /* jansson keeps insertion order: sort the kind codes */
  size_t nk = bad ? 0 : json_object_size(counts), j = 0;
  const char **keys = nk ? malloc(nk * sizeof *keys) : NULL;
  if (nk && !keys) bad = 1;
  if (!bad) {
    json_object_foreach(counts, k, v) keys[j++] = k;
    if (nk) qsort(keys, nk, sizeof *keys, str_cmp);
    for (j = 0; j < nk && !bad; j++)
      bad = json_array_append_new(kinds, json_pack("{s:s,s:O}", "kind", keys[j], "units",
                                                   json_object_get(counts, keys[j])));
  }
  free(keys);
  if (!bad)
    bad = json_object_set_new(s->extra, "kinds", kinds);
  else
    json_decref(kinds);
  json_decref(counts);
  return bad ? -1 : 0;
}

/* Unit X's code (K 0), name (1) or kind (2) as the index keeps it ("" when absent). */
static const char *unit_str(json_t *x, int k)
{
  static const char *const key[3] = {"code", "name", "kind"};
  return json_string_value(json_object_get(x, key[k])) ?: "";
}

/* A snapshot of RES (results_load()'s output, borrowed) for CYCLE, METHOD, STAMP into *OUT
 * (refs 1). E_OK, E_NOMEM or E_INTERNAL (the temporary file). */
static int build(json_t *res, int64_t cycle, const char *method, int64_t stamp,
                 struct results_snap **out)
{
  struct results_snap *s = calloc(1, sizeof *s);
  struct out *o = malloc(sizeof *o);
  json_t *head = NULL;
  int rc = E_NOMEM;
  *out = NULL;
  if (!s || !o) goto fail;
  s->fd = -1;
  s->refs = 1;
  s->cycle = cycle;
  s->stamp = stamp;
  snprintf(s->method, sizeof s->method, "%s", method);

  char path[4200];
  snprintf(path, sizeof path, "%s/tmp/results-XXXXXX", config_active()->data_dir);
  if ((s->fd = mkstemp(path)) < 0) {
    rc = E_INTERNAL;
    goto fail;
  }
  unlink(path); /* the descriptor is the only name it needs */
  o->fd = s->fd;
  o->off = 0;
  o->used = 0;
  o->failed = 0;

  json_t *units = json_object_get(res, "units");
  size_t nu = json_array_size(units);
  if (nu &&
      (!(s->code = calloc(nu, sizeof *s->code)) || !(s->name = calloc(nu, sizeof *s->name)) ||
       !(s->kind = calloc(nu, sizeof *s->kind)) || !(s->by_code = malloc(nu * sizeof *s->by_code))))
    goto fail;
  for (int p = 0; p < 3; p++) {
    size_t n = json_array_size(json_object_get(res, part_key[p]));
    if (n && !(s->lines[p] = calloc(n, sizeof *s->lines[p]))) goto fail;
  }
  /* The units' codes, names and kinds go into one block: copied one by one, they would sit
   * between the freed nodes of RES all over the heap and keep those pages resident. */
  size_t i, bytes = 0;
  json_t *x;
  json_array_foreach(units, i, x)
  {
    for (int k = 0; k < 3; k++) bytes += strlen(unit_str(x, k)) + 1;
  }
  char *w = s->strings = malloc(bytes ? bytes : 1);
  if (!w) goto fail;
  json_array_foreach(units, i, x)
  {
    s->n[RESULTS_UNITS] = i + 1;
    w = stpcpy(s->code[i] = w, unit_str(x, 0)) + 1;
    w = stpcpy(s->name[i] = w, unit_str(x, 1)) + 1;
    w = stpcpy(s->kind[i] = w, unit_str(x, 2)) + 1;
    s->by_code[i] = i;
    s->lines[RESULTS_UNITS][i].unit = (int32_t)i;
    if (out_line(o, x, &s->lines[RESULTS_UNITS][i])) goto io;
  }
  sort_snap = s;
  if (nu) qsort(s->by_code, nu, sizeof *s->by_code, by_code_cmp);
  for (int p = RESULTS_DISAGREEMENTS; p <= RESULTS_SENSITIVITY; p++) {
    json_array_foreach(json_object_get(res, part_key[p]), i, x)
    {
      s->lines[p][i].unit = unit_index(s, json_string_value(json_object_get(x, "unit")));
      s->n[p] = i + 1;
      if (out_line(o, x, &s->lines[p][i])) goto io;
    }
  }
  if (out_flush(o)) goto io;

  if (!(head = json_copy(res))) goto fail;
  for (int p = 0; p < 3; p++) json_object_del(head, part_key[p]);
  if (!(s->head = json_dumps(head, JSON_COMPACT))) goto fail;
  json_object_del(json_object_get(head, "normalization"), "reviewers");
  if (!(s->brief = json_dumps(head, JSON_COMPACT))) goto fail;
  if (!(s->extra =
            json_pack("{s:{s:I,s:I,s:I}}", "parts", "units", (json_int_t)s->n[0], "disagreements",
                      (json_int_t)s->n[1], "sensitivity", (json_int_t)s->n[2])) ||
      count_kinds(s))
    goto fail;
  json_decref(head);
  free(o);
  *out = s;
  return E_OK;
io:
  rc = E_INTERNAL;
fail:
  json_decref(head);
  free(o);
  snap_free(s);
  return rc;
}

/* The method results_load() would use for CYCLE when none is given, into M. E_OK, E_NOT_FOUND
 * or a db error. */
static int official_method(struct db *db, int64_t cycle, char *m, size_t len)
{
  int64_t rubric;
  json_t *settings = NULL;
  int rc = results_db_cycle(db, cycle, &rubric, &settings, NULL, 0);
  if (!rc) {
    const char *v =
        json_string_value(json_object_get(json_object_get(settings, "aggregation"), "method"));
    snprintf(m, len, "%s", v ? v : "mean");
  }
  json_decref(settings);
  return rc;
}

int results_snap_get(struct db *db, int64_t cycle, const char *method, struct results_snap **out,
                     const char **field, const char **problem)
{
  char m[16];
  int64_t stamp;
  json_t *res = NULL;
  int rc;
  *out = NULL;
  if (method && strlen(method) >= sizeof m) { /* callers pass h_results_method()'s names */
    if (field) *field = "method";
    if (problem) *problem = "汇总方法无效";
    return E_VALIDATION;
  }
  if (method)
    snprintf(m, sizeof m, "%s", method);
  else if ((rc = official_method(db, cycle, m, sizeof m)))
    return rc;
  if ((rc = read_stamp(db, &stamp))) return rc;
  if ((*out = lookup(cycle, m, stamp))) return E_OK;
  if (db_in_transaction(db)) {
    /* what this transaction wrote may still be rolled back, and its stamp number reused by
     * another change: compute for this caller only, never into the cache */
    if (!(rc = results_load(db, cycle, m, NULL, &res, field, problem)))
      rc = build(res, cycle, m, stamp, out);
    json_decref(res);
    return rc;
  }

  pthread_mutex_lock(&compute_lock);
  if (!(rc = read_stamp(db, &stamp)) && !(*out = lookup(cycle, m, stamp)) &&
      !(rc = results_load(db, cycle, m, NULL, &res, field, problem)) &&
      !(rc = build(res, cycle, m, stamp, out)))
    insert(*out);
  pthread_mutex_unlock(&compute_lock);
  if (res) {
    json_decref(res);
    malloc_trim(0); /* the computation's hundreds of MB back to the system, not kept idle */
  }
  return rc;
}

/* Line L of S parsed into a new JSON value, or NULL. */
static json_t *read_line(struct results_snap *s, const struct line *l)
{
  char stackbuf[8192];
  char *buf = l->len <= sizeof stackbuf ? stackbuf : malloc(l->len);
  json_t *v = NULL;
  if (!buf) return NULL;
  size_t done = 0;
  while (done < l->len) {
    ssize_t r = pread(s->fd, buf + done, l->len - done, (off_t)(l->off + done));
    if (r <= 0) goto out;
    done += (size_t)r;
  }
  v = json_loadb(buf, l->len, 0, NULL);
out:
  if (buf != stackbuf) free(buf);
  return v;
}

json_t *results_snap_head(struct results_snap *s, int brief)
{
  json_t *head = json_loads(brief ? s->brief : s->head, 0, NULL);
  if (head && json_object_update(head, s->extra)) {
    json_decref(head);
    return NULL;
  }
  return head;
}

/* Whether unit index U passes FILTER F. */
static int passes(struct results_snap *s, int32_t u, const struct results_filter *f)
{
  if (!f) return 1;
  if ((f->unit || f->units || f->kind || (f->q && *f->q)) && u < 0) return 0;
  if (f->unit && strcmp(s->code[u], f->unit)) return 0;
  if (f->units) {
    size_t i, in = 0;
    json_t *c;
    json_array_foreach(f->units, i, c) in |=
        json_is_string(c) && !strcmp(json_string_value(c), s->code[u]);
    if (!in) return 0;
  }
  if (f->kind && strcmp(s->kind[u], f->kind)) return 0;
  if (f->q && *f->q && !strstr(s->code[u], f->q) && !strstr(s->name[u], f->q)) return 0;
  return 1;
}

/* Adds to entry E (about unit index U) of list PART what F->enrich promises ("name" or
 * "by_method"). 0 or -1. */
static int enrich(struct results_snap *s, enum results_part part, const struct results_filter *f,
                  int32_t u, json_t *e)
{
  if (u < 0 || part == RESULTS_UNITS || !f || !f->enrich) return 0;
  if (part == RESULTS_DISAGREEMENTS) return json_object_set_new(e, "name", json_string(s->name[u]));
  json_t *row = read_line(s, &s->lines[RESULTS_UNITS][u]);
  json_t *by = json_object_get(row, "by_method");
  int bad = !row || json_object_set(e, "by_method", by ? by : json_null());
  json_decref(row);
  return bad ? -1 : 0;
}

int results_snap_list(struct results_snap *s, enum results_part part,
                      const struct results_filter *filter, int64_t offset, int64_t limit,
                      json_t **items, int64_t *total)
{
  json_t *arr = json_array();
  int64_t seen = 0;
  int ordered = part == RESULTS_UNITS && filter && filter->by_code;
  *items = NULL;
  if (!arr) return E_NOMEM;
  for (size_t i = 0; i < s->n[part]; i++) {
    const struct line *l = &s->lines[part][ordered ? s->by_code[i] : i];
    if (!passes(s, l->unit, filter)) continue;
    int64_t at = seen++;
    if (at < offset || (limit >= 0 && at >= offset + limit)) continue;
    json_t *e = read_line(s, l);
    int rc = !e ? E_INTERNAL : enrich(s, part, filter, l->unit, e) ? E_NOMEM : E_OK;
    if (rc) json_decref(e);
    if (!rc && json_array_append_new(arr, e)) rc = E_NOMEM; /* E is the array's even then */
    if (rc) {
      json_decref(arr);
      return rc;
    }
  }
  if (total) *total = seen;
  *items = arr;
  return E_OK;
}

/* Reads part P's lines into BUF (part_bytes(S, P) bytes) joined by commas, and
 * returns the bytes written, or -1 when the file cannot be read. */
static int64_t read_part(struct results_snap *s, int p, char *buf)
{
  if (!s->n[p]) return 0;
  const struct line *first = &s->lines[p][0], *last = &s->lines[p][s->n[p] - 1];
  uint64_t len = last->off + last->len - first->off, done = 0;
  while (done < len) { /* a list's lines are written one after another: one read */
    ssize_t r = pread(s->fd, buf + done, len - done, (off_t)(first->off + done));
    if (r <= 0) return -1;
    done += (uint64_t)r;
  }
  for (uint64_t i = 0; i < len; i++)
    if (buf[i] == '\n') buf[i] = ',';
  return (int64_t)len;
}

/* Bytes from the start of part P's first line to the end of its last (the newlines between
 * them included, not the last one). */
static uint64_t part_bytes(struct results_snap *s, int p)
{
  if (!s->n[p]) return 0;
  const struct line *last = &s->lines[p][s->n[p] - 1];
  return last->off + last->len - s->lines[p][0].off;
}

int results_snap_text(struct results_snap *s, const char *prefix, const char *suffix, char **out,
                      size_t *len)
{
  size_t hl = strlen(s->head), pl = strlen(prefix), sl = strlen(suffix);
  uint64_t size = pl + hl + sl + 64;
  for (int p = 0; p < 3; p++) size += part_bytes(s, p) + strlen(part_key[p]) + 8;
  char *buf = malloc(size), *w = buf;
  *out = NULL;
  if (!buf) return E_NOMEM;
  memcpy(w, prefix, pl);
  w += pl;
  memcpy(w, s->head, hl - 1); /* without its closing brace */
  w += hl - 1;
  for (int p = 0; p < 3; p++) {
    w += sprintf(w, "%s\"%s\":[", hl > 2 || p ? "," : "", part_key[p]);
    int64_t n = read_part(s, p, w);
    if (n < 0) {
      free(buf);
      return E_INTERNAL;
    }
    w += n;
    *w++ = ']';
  }
  *w++ = '}';
  memcpy(w, suffix, sl);
  w += sl;
  *out = buf;
  *len = (size_t)(w - buf);
  return E_OK;
}

int results_snap_full(struct results_snap *s, json_t **out)
{
  json_t *res = json_loads(s->head, 0, NULL);
  *out = NULL;
  if (!res) return E_NOMEM;
  for (int p = 0; p < 3; p++) {
    json_t *arr = json_array();
    if (!arr || json_object_set_new(res, part_key[p], arr)) {
      json_decref(res);
      return E_NOMEM;
    }
    for (size_t i = 0; i < s->n[p]; i++) {
      json_t *e = read_line(s, &s->lines[p][i]);
      if (!e || json_array_append_new(arr, e)) {
        json_decref(res);
        return e ? E_NOMEM : E_INTERNAL;
      }
    }
  }
  *out = res;
  return E_OK;
}

int results_cached(struct db *db, int64_t cycle, const char *method, json_t **out,
                   const char **field, const char **problem)
{
  return results_cached_of(db, cycle, method, NULL, out, field, problem);
}

int results_cached_of(struct db *db, int64_t cycle, const char *method,
                      const struct results_filter *filter, json_t **out, const char **field,
                      const char **problem)
{
  struct results_snap *s = NULL;
  json_t *res = NULL, *list;
  int rc = results_snap_get(db, cycle, method, &s, field, problem);
  *out = NULL;
  if (!rc && !filter) rc = results_snap_full(s, out);
  if (!rc && filter) {
    rc = (res = json_loads(s->head, 0, NULL)) ? E_OK : E_NOMEM;
    for (int p = 0; !rc && p < 3; p++)
      if (!(rc = results_snap_list(s, (enum results_part)p, filter, 0, -1, &list, NULL)) &&
          json_object_set_new(res, part_key[p], list))
        rc = E_NOMEM;
    if (rc)
      json_decref(res);
    else
      *out = res;
  }
  results_snap_release(s);
  return rc;
}

int64_t results_cache_computed(void)
{
  pthread_mutex_lock(&cache_lock);
  int64_t n = computed;
  pthread_mutex_unlock(&cache_lock);
  return n;
}

void results_cache_clear(void)
{
  struct results_snap *gone[RESULTS_CACHE_MAX] = {0};
  pthread_mutex_lock(&cache_lock);
  for (int i = 0; i < RESULTS_CACHE_MAX; i++) {
    if (cache[i]) {
      if (--cache[i]->refs == 0) gone[i] = cache[i];
      cache[i] = NULL;
    }
  }
  pthread_mutex_unlock(&cache_lock);
  for (int i = 0; i < RESULTS_CACHE_MAX; i++) snap_free(gone[i]);
}
