/*
 * sheets.c - score sheets: reading with the running total, and applying a change (see
 * sheets.h).
 */
#include "sheets.h"

#include "db.h"
#include "err.h"
#include "hints.h"
#include "rubrics.h"
#include "scoring.h"
#include "sheet_cache.h"
#include "utf8.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local char sfield[160], sdetail[400];

static int problem(const char **field, const char **detail, int code, const char *path,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int problem(const char **field, const char **detail, int code, const char *path,
                   const char *fmt, ...)
{
  snprintf(sfield, sizeof sfield, "%s", path);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(sdetail, sizeof sdetail, fmt, ap);
  va_end(ap);
  *field = path ? sfield : NULL;
  *detail = sdetail;
  return code;
}

/* What a sheet is about: its assignment row, the unit and the cycle. */
struct ctx {
  int64_t id, cycle, unit, rubric, version;
  int64_t stamp;                          /* body_stamp: see sheet_cache.h */
  int64_t report;                         /* the unit's current report in the cycle, 0 = none */
  int64_t rubric_created, rubric_updated; /* the rubric row's times (both caches' keys) */
  int rubric_frozen;                      /* scores point at the rubric: it no longer changes */
  char kind[8], status[16], unit_kind[32];
  double score_step, comment_below; /* 0 = not set */
  int blind;                        /* the cycle is in blind mode */
};

/* Copies the text of column I of ST into BUF (N bytes, cut to fit). */
static void col_copy(db_stmt *st, int i, char *buf, size_t n)
{
  size_t len = db_col_bytes(st, i);
  const char *z = db_col_text(st, i);
  if (len >= n) len = n - 1;
  memcpy(buf, z, len);
  buf[len] = 0;
}

/* The columns of a sheet's context, in the order read_ctx() reads them, from the tables a
 * (assignment), cy (cycle), un (unit), u (the sheet's user) and rb (rubric, may be NULL);
 * CTX_FULL adds what only a change needs: the score step, the comment threshold and the
 * unit's current report (rp, may be NULL). The last four are what the head shows besides the
 * context (written by write_head(): SQLite's json_object() cost 15 k instructions a read). */
/* The cycle's blind flag; settings without the word are not parsed (3 k instructions). */
#define CTX_BLIND                                                                                  \
  "CASE WHEN instr(cy.settings, '\"blind\"') THEN coalesce(json_extract(cy.settings, "             \
  "'$.blind'), 0) ELSE 0 END"
#define CTX_COLUMNS(step, below, report)                                                           \
  "a.id, a.cycle_id, a.unit_id, coalesce(cy.rubric_id, 0), a.sheet_version, a.kind, a.status, "    \
  "un.kind, " step ", " below ", " report ", " CTX_BLIND ", "                                      \
  "coalesce(rb.frozen, 0), coalesce(rb.created_at, 0), coalesce(rb.updated_at, 0), "               \
  "a.body_stamp, a.submitted_at, un.code, u.login, u.display_name"
#define CTX_FULL                                                                                   \
  CTX_COLUMNS("coalesce(json_extract(cy.settings, '$.score_step'), json_extract(rb.rules, "        \
              "'$.score_step'), 0)",                                                               \
              "coalesce(json_extract(cy.settings, '$.comment_below'), 0)", "coalesce(rp.id, 0)")
#define CTX_READ CTX_COLUMNS("0", "0", "0")

/* Appends string S to O as a JSON string and returns the new end; O must have 6 * strlen(S)
 * + 3 bytes free. Strings with nothing to escape (codes, logins, most names) are copied as
 * they are; the others are escaped by jansson. */
static char *put_str(char *o, const char *s)
{
  size_t n = strlen(s), i = 0;
  while (i < n && (unsigned char)s[i] >= 0x20 && s[i] != '"' && s[i] != '\\') i++;
  if (i == n) {
    *o = '"';
    memcpy(o + 1, s, n);
    o[n + 1] = '"';
    return o + n + 2;
  }
  json_t *j = json_stringn_nocheck(s, n);
  size_t w = j ? json_dumpb(j, o, 6 * n + 3, JSON_ENCODE_ANY) : 0;
  json_decref(j);
  if (!w) { /* out of memory: an empty string keeps the text valid */
    memcpy(o, "\"\"", 2);
    w = 2;
  }
  return o + w;
}

/* Appends the decimal digits of V to O and returns the new end (O: 21 bytes free). */
static char *put_int(char *o, int64_t v)
{
  char d[24];
  int n = 0;
  uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
  do d[n++] = (char)('0' + u % 10);
  while (u /= 10);
  if (v < 0) *o++ = '-';
  while (n) *o++ = d[--n];
  return o;
}

/* Appends the string literal S (without its NUL) to O and returns the new end. */
#define PUT(o, s) (memcpy((o), (s), sizeof(s) - 1), (o) + sizeof(s) - 1)

/* The head of sheet C, every member but "items" and "total", as the text of a JSON object
 * into *HEAD (malloc'd, NUL-terminated, *HLEN bytes; the caller frees it), with the columns
 * of ST from FIRST on: submitted_at (may be NULL), the unit's code, the reviewer's login and
 * display name. E_OK or E_NOMEM (*HEAD NULL). */
static int write_head(const struct ctx *c, db_stmt *st, int first, char **head, size_t *hlen)
{
  const char *code = db_col_text(st, first + 1), *login = db_col_text(st, first + 2),
             *name = db_col_text(st, first + 3);
  size_t cap =
      6 * (strlen(code) + strlen(login) + strlen(name) + sizeof c->kind + sizeof c->status) + 256;
  char *b = malloc(cap), *o = b;
  *head = NULL;
  if (!b) return E_NOMEM;
  o = put_int(PUT(o, "{\"id\":"), c->id);
  o = put_str(PUT(o, ",\"kind\":"), c->kind);
  o = put_str(PUT(o, ",\"status\":"), c->status);
  o = put_int(PUT(o, ",\"version\":"), c->version);
  o = PUT(o, ",\"submitted_at\":");
  o = db_col_is_null(st, first) ? PUT(o, "null") : put_int(o, db_col_int(st, first));
  o = put_str(PUT(o, ",\"unit\":"), code);
  o = put_str(PUT(o, ",\"reviewer\":{\"login\":"), login);
  o = put_str(PUT(o, ",\"display_name\":"), name);
  o = put_int(PUT(o, "},\"rubric_id\":"), c->rubric);
  *o++ = '}';
  *o = 0;
  *head = b;
  *hlen = (size_t)(o - b);
  return E_OK;
}

/* Reads the context columns of ST's row from column FIRST on into *C and, when HEAD is not
 * NULL, the head's text (write_head()). E_OK or E_NOMEM (*HEAD NULL). */
static int read_ctx(db_stmt *st, int first, struct ctx *c, char **head, size_t *hlen)
{
  memset(c, 0, sizeof *c);
  c->id = db_col_int(st, first);
  c->cycle = db_col_int(st, first + 1);
  c->unit = db_col_int(st, first + 2);
  c->rubric = db_col_int(st, first + 3);
  c->version = db_col_int(st, first + 4);
  col_copy(st, first + 5, c->kind, sizeof c->kind);
  col_copy(st, first + 6, c->status, sizeof c->status);
  col_copy(st, first + 7, c->unit_kind, sizeof c->unit_kind);
  c->score_step = db_col_double(st, first + 8);
  c->comment_below = db_col_double(st, first + 9);
  c->report = db_col_int(st, first + 10);
  c->blind = db_col_int(st, first + 11) != 0;
  c->rubric_frozen = db_col_int(st, first + 12) != 0;
  c->rubric_created = db_col_int(st, first + 13);
  c->rubric_updated = db_col_int(st, first + 14);
  c->stamp = db_col_int(st, first + 15);
  return head ? write_head(c, st, first + 16, head, hlen) : E_OK;
}

/* Sheet ASSIGNMENT's context into *C (all of it when FULL, as a change needs; else what
 * reading it needs) and, when HEAD is not NULL, the head's text as read_ctx() gives it. E_OK,
 * E_NOT_FOUND, E_NOMEM or a db error (*HEAD NULL). */
static int load_ctx(struct db *db, int64_t assignment, int full, struct ctx *c, char **head,
                    size_t *hlen)
{
  db_stmt *st =
      full ? db_prepare(db, "SELECT " CTX_FULL " FROM assignment a JOIN cycle cy ON cy.id = "
                            "a.cycle_id JOIN unit un ON un.id = a.unit_id JOIN user u ON u.id = "
                            "a.user_id LEFT JOIN rubric rb ON rb.id = cy.rubric_id LEFT JOIN "
                            "report rp ON rp.cycle_id = a.cycle_id AND rp.unit_id = a.unit_id "
                            "AND rp.current = 1 WHERE a.id = :a")
           : db_prepare(db, "SELECT " CTX_READ " FROM assignment a JOIN cycle cy ON cy.id = "
                            "a.cycle_id JOIN unit un ON un.id = a.unit_id JOIN user u ON u.id = "
                            "a.user_id LEFT JOIN rubric rb ON rb.id = cy.rubric_id WHERE a.id = "
                            ":a");
  int rc;
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":a", assignment))) {
    db_reset(st);
    return rc;
  }
  if ((rc = db_step(st)) != DB_ROW) {
    db_reset(st);
    return rc == DB_DONE ? E_NOT_FOUND : rc;
  }
  rc = read_ctx(st, 0, c, head, hlen);
  db_reset(st);
  return rc;
}

/* ---- the rubric of a sheet ----
 *
 * Every sheet's total needs its rubric (rubric_get()'s tree: about 40 indicator rows and a
 * json_loads() of each one's keywords, which costs more than reading the rest of the sheet)
 * compiled for scoring (scoring_compile()). Both are therefore kept here for frozen rubrics,
 * shared by all worker threads.
 *
 * Why a frozen rubric does not change: the first score stored against one of its indicators
 * freezes it (a trigger in sql/0004_rubric_versions.sql), triggers there refuse any change to
 * a frozen rubric's indicators, rubric_replace() refuses a frozen rubric's row, nothing sets
 * frozen back to 0, and rubrics are never deleted. Edits become a new version, that is another
 * rubric id, and a cycle switching to it changes the rubric id load_ctx() reads.
 *
 * Invalidation rule: an entry is used only for a sheet whose load_ctx() row says its rubric is
 * frozen, and only when the entry's key equals that row's: the database (db_instance()), the
 * rubric id, its created_at and its updated_at (so any change to the row made with the time,
 * as rubric_replace() does, misses the cache). A rubric that is not frozen is read every time
 * and never stored. Entries are replaced round robin; nothing else removes them.
 *
 * Thread safety: the table is read and written under rcache_lock; an entry holds one
 * reference to its struct rubric_use and a reader takes another before the lock is released;
 * the last release frees it. A rubric_use is never modified after it is made: its tree and
 * rules are only read (scoring_explain_text() only reads the rules). Its tree's "versions" member
 * may be stale (a later version of the family) and must not be shown. */
#define RUBRIC_CACHE 16

/* A rubric as sheets use it. */
struct rubric_use {
  json_t *rubric;              /* rubric_get()'s tree */
  struct scoring_rules *rules; /* compiled from it */
  int nleaf, ncount, nveto;    /* the lengths of a struct scoring_in's arrays under RULES */
  atomic_int refs;             /* references: the cache's and the readers' */
};

static struct {
  uint64_t db;                  /* db_instance() when it was read */
  int64_t id, created, updated; /* the rubric row */
  struct rubric_use *use;       /* one reference; NULL = free slot */
} rcache[RUBRIC_CACHE];
static unsigned rcache_next; /* the slot replaced next */
static pthread_mutex_t rcache_lock = PTHREAD_MUTEX_INITIALIZER;

/* Drops a reference to U (NULL is fine); the last one frees it. */
static void use_release(struct rubric_use *u)
{
  if (!u || atomic_fetch_sub(&u->refs, 1) != 1) return;
  scoring_rules_free(u->rules);
  json_decref(u->rubric);
  free(u);
}

/* The rubric of sheet C, read and compiled, into *OUT: a reference the caller drops with
 * use_release() and must not modify (it may be shared with other threads). E_OK, or
 * rubric_get()'s E_NOT_FOUND, E_NOMEM or db error with *OUT NULL. */
static int sheet_rubric(struct db *db, const struct ctx *c, struct rubric_use **out)
{
  uint64_t inst = db_instance();
  *out = NULL;
  if (c->rubric_frozen) {
    pthread_mutex_lock(&rcache_lock);
    for (int i = 0; i < RUBRIC_CACHE && !*out; i++)
      if (rcache[i].use && rcache[i].db == inst && rcache[i].id == c->rubric &&
          rcache[i].created == c->rubric_created && rcache[i].updated == c->rubric_updated) {
        *out = rcache[i].use;
        atomic_fetch_add(&(*out)->refs, 1);
      }
    pthread_mutex_unlock(&rcache_lock);
    if (*out) return E_OK;
  }
  struct rubric_use *u = calloc(1, sizeof *u);
  if (!u) return E_NOMEM;
  atomic_init(&u->refs, 1);
  int rc = rubric_get(db, c->rubric, &u->rubric);
  if (!rc && !(u->rules = scoring_compile(u->rubric, &u->nleaf, &u->ncount, &u->nveto)))
    rc = E_NOMEM;
  if (rc) {
    use_release(u);
    return rc;
  }
  *out = u;
  if (!c->rubric_frozen) return E_OK;
  atomic_fetch_add(&u->refs, 1); /* the cache's */
  pthread_mutex_lock(&rcache_lock);
  unsigned i = rcache_next++ % RUBRIC_CACHE;
  struct rubric_use *old = rcache[i].use;
  rcache[i].db = inst;
  rcache[i].id = c->rubric;
  rcache[i].created = c->rubric_created;
  rcache[i].updated = c->rubric_updated;
  rcache[i].use = u;
  pthread_mutex_unlock(&rcache_lock);
  use_release(old);
  return E_OK;
}

/* ---- reading ----
 *
 * A sheet is read as JSON text: its head written by write_head() from the row load_ctx() or
 * sheet_find() reads, its "items" written by SQLite's JSON functions straight from the score and
 * evidence rows (ITEMS_SQL), and its "total" from scoring_total() (jansson). Building the ~40 items
 * as a jansson tree and dumping it cost more than half of a sheet request's CPU; SQLite writes the
 * same JSON values in about a third of the time. The blind view and sheet_load_as() parse that text
 * back, so the shape of an item is written in one place. The items and the total, the costly part,
 * are kept in sheet_cache between requests, under a key read fresh with that row every time (the
 * sheet's body_stamp, changed by triggers on any write to its score or evidence rows); the head is
 * always written from that row. */

/* The "items" object of sheet :a, one row. json_group_object() adds the items in the order
 * the rows come, which is the score table's key (assignment_id, indicator_id), the order of
 * the indicators' ids; the evidence of an item comes from evidence_sheet (assignment_id,
 * indicator_id) in rowid order, that is by id. The flags na and veto (0 or 1) pick an element
 * of the JSON array [false,true] so that they are JSON booleans, not numbers (SQLite parses
 * that constant once per statement). */
#define ITEMS_SQL                                                                                  \
  "SELECT json_group_object(i.code, json_object('points', s.points, 'comment', s.comment, 'na', "  \
  "'[false,true]' -> s.na, 'count', coalesce(s.count, 0), 'veto', '[false,true]' -> s.veto, "      \
  "'evidence', (SELECT json_group_array(json_object('id', e.id, 'start', e.start_offset, 'end', "  \
  "e.end_offset, 'quote', e.quote)) FROM evidence e WHERE e.assignment_id = s.assignment_id AND "  \
  "e.indicator_id = s.indicator_id))) FROM score s JOIN indicator i ON i.id = s.indicator_id "     \
  "WHERE s.assignment_id = :a"

/* The total of sheet C under U (its rubric) as compact JSON text into *OUT (malloc'd; the
 * caller frees it): scoring_explain_text() on its score rows. E_OK, E_NOMEM or a db error. */
static int sheet_total(struct db *db, const struct ctx *c, const struct rubric_use *u, char **out)
{
  *out = NULL;
  double *scores = calloc((size_t)u->nleaf + 1, sizeof *scores);
  double *counts = calloc((size_t)u->ncount + 1, sizeof *counts);
  unsigned char *left = calloc((size_t)u->nleaf + 1, 1), *veto = calloc((size_t)u->nveto + 1, 1);
  db_stmt *st = db_prepare(db, "SELECT i.code, i.kind, s.points, coalesce(s.count, 0), s.na, "
                               "s.veto FROM score s JOIN indicator i ON i.id = s.indicator_id "
                               "WHERE s.assignment_id = :a");
  int rc = !scores || !counts || !left || !veto ? E_NOMEM
           : !st                                ? E_DB
                                                : db_bind_int(st, ":a", c->id);
  while (!rc && (rc = db_step(st)) == DB_ROW) {
    const char *code = db_col_text(st, 0), *kind = db_col_text(st, 1);
    int k = scoring_leaf_index(u->rules, code);
    if (k >= 0 && !strcmp(kind, "item") && !db_col_is_null(st, 2)) scores[k] = db_col_double(st, 2);
    if (k >= 0 && db_col_int(st, 4)) left[k] = 1; /* marked N/A */
    int d = !strcmp(kind, "deduction");
    if ((d || !strcmp(kind, "bonus")) && (k = scoring_count_index(u->rules, d, code)) >= 0)
      counts[k] = (double)db_col_int(st, 3);
    if (db_col_int(st, 5) && (k = scoring_veto_index(u->rules, code)) >= 0) veto[k] = 1;
    rc = E_OK;
  }
  if (st) db_reset(st);
  if (rc == DB_DONE) rc = E_OK;
  if (!rc) {
    scoring_kind_out(u->rules, c->unit_kind, left);
    struct scoring_in in = {scores, left, counts, veto};
    if (!(*out = scoring_explain_text(u->rules, &in, NULL))) rc = E_NOMEM;
  }
  free(scores);
  free(counts);
  free(left);
  free(veto);
  return rc;
}

int sheet_blind_names(struct db *db, int64_t cycle, int64_t unit, json_t **out)
{
  db_stmt *st = db_prepare(db, "SELECT name FROM unit WHERE id = :u UNION SELECT DISTINCT "
                               "json_extract(info, '$.unit_name') FROM report WHERE cycle_id = "
                               ":c AND unit_id = :u AND json_type(info, '$.unit_name') = 'text'");
  int rc;
  *out = NULL;
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":u", unit)) || (rc = db_bind_int(st, ":c", cycle))) {
    db_reset(st);
    return rc;
  }
  json_t *names = json_array();
  while (names && (rc = db_step(st)) == DB_ROW)
    json_array_append_new(names, json_string(db_col_text(st, 0)));
  db_reset(st);
  if (!names) return E_NOMEM;
  if (rc == DB_DONE && !(*out = hints_mask_names(names))) rc = E_NOMEM;
  json_decref(names);
  return rc == DB_DONE ? E_OK : rc;
}

/* Replaces string member KEY of OBJ by itself with NAMES masked (EDGES: see hints_mask). */
static int mask_member(json_t *obj, const char *key, json_t *names, int edges)
{
  json_t *v = json_object_get(obj, key);
  if (!json_is_string(v)) return E_OK;
  size_t n;
  char *m = hints_mask(json_string_value(v), json_string_length(v), names, edges, &n);
  if (!m) return E_NOMEM;
  int rc = json_object_set_new(obj, key, json_stringn(m, n)) ? E_NOMEM : E_OK;
  free(m);
  return rc;
}

/* Sheet SHEET (of assignment C) as a blind cycle shows it to reviewers: the unit as "~ID",
 * its names masked in comments and quotes. */
static int blind_sheet(struct db *db, const struct ctx *c, json_t *sheet)
{
  json_t *names = NULL;
  int rc = sheet_blind_names(db, c->cycle, c->unit, &names);
  if (rc) return rc;
  char tilde[32];
  snprintf(tilde, sizeof tilde, "~%lld", (long long)c->id);
  json_object_set_new(sheet, "unit", json_string(tilde));
  const char *code;
  json_t *item;
  json_object_foreach(json_object_get(sheet, "items"), code, item)
  {
    if ((rc = mask_member(item, "comment", names, 0))) break;
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(item, "evidence"), i, e)
    {
      if ((rc = mask_member(e, "quote", names, 1))) break;
    }
    if (rc) break;
  }
  json_decref(names);
  return rc;
}

int sheet_load(struct db *db, int64_t assignment, json_t **out)
{
  return sheet_load_as(db, assignment, SHEET_AUTHOR, out);
}

int sheet_load_as(struct db *db, int64_t assignment, enum sheet_view view, json_t **out)
{
  char *text = NULL;
  size_t len = 0;
  int rc = sheet_text(db, assignment, view, &text, &len);
  *out = NULL;
  if (rc) return rc;
  *out = json_loadb(text, len, 0, NULL);
  free(text);
  return *out ? E_OK : E_NOMEM;
}

/* The end of sheet C's text, the tail `,"items":{…},"total":{…}}`, into a new malloc'd *OUT
 * of *LEN bytes (the caller frees it): a copy of the one sheet_cache keeps for C when there is
 * one, else computed and, when C's rubric is frozen, kept (see sheet_cache.h for the key).
 * E_OK, E_NOMEM or a db error (*OUT NULL). */
static int sheet_tail(struct db *db, const struct ctx *c, char **out, size_t *len)
{
  struct sheet_key key;
  memset(&key, 0, sizeof key);
  key.db = db_instance();
  key.sheet = c->id;
  key.stamp = c->stamp;
  key.rubric = c->rubric;
  key.rubric_created = c->rubric_created;
  key.rubric_updated = c->rubric_updated;
  memcpy(key.unit_kind, c->unit_kind, sizeof key.unit_kind);
  if (c->rubric_frozen && (*out = sheet_cache_get(&key, len))) return E_OK;
  *out = NULL;
  *len = 0;

  struct rubric_use *u = NULL;
  char *ttext = NULL, *b = NULL;
  int rc = c->rubric ? sheet_rubric(db, c, &u) : E_OK;
  if (!rc) rc = u ? sheet_total(db, c, u, &ttext) : !(ttext = strdup("null")) ? E_NOMEM : E_OK;
  db_stmt *st = rc ? NULL : db_prepare(db, ITEMS_SQL);
  if (!rc && !st) rc = E_DB;
  if (!rc && !(rc = db_bind_int(st, ":a", c->id))) {
    rc = db_step(st);
    rc = rc == DB_ROW ? E_OK : rc == DB_DONE ? E_DB : rc;
  }
  size_t n = 0;
  if (!rc) {
    const char *items = db_col_text(st, 0);
    size_t in = db_col_bytes(st, 0), tn = strlen(ttext);
    n = 9 + in + 9 + tn + 1;
    if (!(b = malloc(n + 1))) {
      rc = E_NOMEM;
    } else {
      char *o = b;
      memcpy(o, ",\"items\":", 9);
      memcpy(o += 9, items, in);
      memcpy(o += in, ",\"total\":", 9);
      memcpy(o += 9, ttext, tn);
      memcpy(o += tn, "}", 2);
    }
  }
  if (st) db_reset(st);
  if (!rc && c->rubric_frozen) sheet_cache_put(&key, b, n);
  if (!rc) {
    *out = b;
    *len = n;
  }
  free(ttext);
  use_release(u);
  return rc;
}

/* The text of sheet C as VIEW sees it, from its head's text HTEXT (HN bytes, which this may
 * modify) and its tail, into *OUT (malloc'd, *LEN bytes; the caller frees it). E_OK, E_NOMEM
 * or a db error (*OUT NULL). */
static int ctx_text(struct db *db, const struct ctx *c, char *htext, size_t hn,
                    enum sheet_view view, char **out, size_t *len)
{
  char *b = NULL, *tail = NULL;
  size_t n = 0, tn = 0;
  *out = NULL;
  *len = 0;
  int blind =
      view == SHEET_BLIND || (view == SHEET_AUTHOR && c->blind && !strcmp(c->kind, "review"));
  int rc = sheet_tail(db, c, &tail, &tn);
  if (!rc && !blind) {
    /* The head's text without its closing brace, then the tail. */
    n = hn - 1 + tn;
    if (!(b = malloc(n + 1))) {
      rc = E_NOMEM;
    } else {
      memcpy(b, htext, hn - 1);
      memcpy(b + hn - 1, tail, tn + 1);
    }
  } else if (!rc) {
    /* The blind view masks names inside comments and quotes: on the parsed sheet. The tail
     * with its comma made a brace is the object {"items":…,"total":…}. */
    tail[0] = '{';
    json_t *head = json_loadb(htext, hn, 0, NULL), *body = json_loadb(tail, tn, 0, NULL);
    if (!head || !body || json_object_update(head, body)) rc = E_NOMEM;
    if (!rc) rc = blind_sheet(db, c, head);
    if (!rc && !(b = json_dumps(head, JSON_COMPACT))) rc = E_NOMEM;
    if (!rc) n = strlen(b);
    json_decref(head);
    json_decref(body);
  }
  if (!rc) {
    *out = b;
    *len = n;
    b = NULL;
  }
  free(b);
  free(tail);
  return rc;
}

int sheet_text(struct db *db, int64_t assignment, enum sheet_view view, char **out, size_t *len)
{
  struct ctx c;
  char *htext = NULL;
  size_t hn = 0;
  *out = NULL;
  *len = 0;
  int rc = load_ctx(db, assignment, 0, &c, &htext, &hn);
  if (rc) return rc;
  rc = ctx_text(db, &c, htext, hn, view, out, len);
  free(htext);
  return rc;
}

int sheet_find(struct db *db, const struct sheet_query *q, struct sheet_ref *ref, char **out,
               size_t *len)
{
  memset(ref, 0, sizeof *ref);
  if (out) {
    *out = NULL;
    *len = 0;
  }
  /* The sheet: "~ID" by its id, a unit's self-assessment among the unit's few rows, a
   * reviewer's through the unique (cycle, unit, user, kind) index. */
  db_stmt *st =
      q->assignment
          ? db_prepare(db, "SELECT cy.phase, a.unit_id, " CTX_READ " FROM assignment a JOIN "
                           "cycle cy ON cy.id = a.cycle_id JOIN cycle_unit cu ON cu.cycle_id = "
                           "a.cycle_id AND cu.unit_id = a.unit_id JOIN unit un ON un.id = "
                           "a.unit_id JOIN user u ON u.id = a.user_id LEFT JOIN rubric rb ON "
                           "rb.id = cy.rubric_id WHERE a.id = :id AND a.cycle_id = :c AND "
                           "a.user_id = :me AND a.kind = 'review' AND a.status <> 'recused'")
      : q->self
          ? db_prepare(db, "SELECT cy.phase, un.id, " CTX_READ " FROM cycle cy JOIN unit un ON "
                           "un.code = :code JOIN cycle_unit cu ON cu.cycle_id = cy.id AND "
                           "cu.unit_id = un.id LEFT JOIN assignment a ON a.id = (SELECT "
                           "min(x.id) FROM assignment x WHERE x.cycle_id = cy.id AND x.unit_id "
                           "= un.id AND x.kind = 'self') LEFT JOIN user u ON u.id = a.user_id "
                           "LEFT JOIN rubric rb ON rb.id = cy.rubric_id WHERE cy.id = :c")
          : db_prepare(db, "SELECT cy.phase, un.id, " CTX_READ " FROM cycle cy JOIN unit un ON "
                           "un.code = :code JOIN cycle_unit cu ON cu.cycle_id = cy.id AND "
                           "cu.unit_id = un.id LEFT JOIN assignment a ON a.cycle_id = cy.id AND "
                           "a.unit_id = un.id AND a.user_id = :me AND a.kind = 'review' AND "
                           "a.status <> 'recused' LEFT JOIN user u ON u.id = a.user_id LEFT "
                           "JOIN rubric rb ON rb.id = cy.rubric_id WHERE cy.id = :c");
  int rc;
  if (!st) return E_DB;
  int by_user = q->assignment || !q->self; /* the statements that name the caller */
  if ((rc = db_bind_int(st, ":c", q->cycle)) ||
      (by_user && (rc = db_bind_int(st, ":me", q->user))) ||
      (q->assignment && (rc = db_bind_int(st, ":id", q->assignment))) ||
      (!q->assignment && (rc = db_bind_text(st, ":code", q->unit_code ? q->unit_code : "")))) {
    db_reset(st);
    return rc;
  }
  if ((rc = db_step(st)) != DB_ROW) {
    db_reset(st);
    return rc == DB_DONE ? E_NOT_FOUND : rc;
  }
  snprintf(ref->phase, sizeof ref->phase, "%s", db_col_text(st, 0));
  ref->unit = db_col_int(st, 1);
  struct ctx c;
  char *htext = NULL;
  size_t hn = 0;
  int found = !db_col_is_null(st, 2);
  rc = read_ctx(st, 2, &c, found && out ? &htext : NULL, &hn);
  ref->sheet = found ? c.id : 0;
  ref->blind = c.blind; /* the cycle's, read with or without a sheet */
  db_reset(st);
  if (!rc && found && out) rc = ctx_text(db, &c, htext, hn, SHEET_AUTHOR, out, len);
  free(htext);
  return rc;
}

/* ---- applying a change ---- */

/* One stored score row, as read before a change. */
struct row {
  int exists;
  double points;
  int has_points;
  int64_t count;
  int na, veto;
  char *comment; /* malloc'd */
};

static int read_row(struct db *db, int64_t assignment, int64_t indicator, struct row *r)
{
  db_stmt *st = db_prepare(db, "SELECT points, coalesce(count, 0), na, veto, comment FROM "
                               "score WHERE assignment_id = :a AND indicator_id = :i");
  int rc;
  memset(r, 0, sizeof *r);
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":a", assignment)) || (rc = db_bind_int(st, ":i", indicator))) {
    db_reset(st);
    return rc;
  }
  rc = db_step(st);
  if (rc == DB_ROW) {
    r->exists = 1;
    r->has_points = !db_col_is_null(st, 0);
    r->points = db_col_double(st, 0);
    r->count = db_col_int(st, 1);
    r->na = (int)db_col_int(st, 2);
    r->veto = (int)db_col_int(st, 3);
    r->comment = strdup(db_col_text(st, 4));
  } else {
    r->comment = strdup("");
  }
  db_reset(st);
  if (rc != DB_ROW && rc != DB_DONE) {
    free(r->comment);
    return rc;
  }
  return r->comment ? E_OK : E_NOMEM;
}

/* Replaces the evidence of INDICATOR (code CODE) on sheet C with LIST. */
static int put_evidence(struct db *db, const struct ctx *c, int64_t indicator, const char *code,
                        json_t *list, int64_t now, const char **field, const char **detail)
{
  char path[200];
  snprintf(path, sizeof path, "items.%s.evidence", code);
  if (!json_is_array(list) || json_array_size(list) > SHEET_MAX_EVIDENCE)
    return problem(field, detail, E_VALIDATION, path, "指标 %s 的证据应为最多 %d 段的列表", code,
                   SHEET_MAX_EVIDENCE);
  if (json_array_size(list) && !c->report)
    return problem(field, detail, E_VALIDATION, path, "该单位还没有报告，不能引用证据");
  /* The report's length in characters, read only for evidence: length() reads the whole
   * text (26 KB on average at national scale). */
  int64_t chars = 0;
  db_stmt *st;
  int rc;
  if (json_array_size(list)) {
    if (!(st = db_prepare(db, "SELECT coalesce(length(text), 0) FROM report WHERE id = :r")))
      return E_DB;
    if ((rc = db_bind_int(st, ":r", c->report))) {
      db_reset(st);
      return rc;
    }
    if ((rc = db_one_int(st, &chars))) return rc == E_NOT_FOUND ? E_INTERNAL : rc;
  }
  st = db_prepare(db, "DELETE FROM evidence WHERE assignment_id = :a AND indicator_id = :i");
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":a", c->id)) || (rc = db_bind_int(st, ":i", indicator)) ||
      (rc = db_run(st)))
    return rc;
  size_t i;
  json_t *e;
  json_array_foreach(list, i, e)
  {
    json_t *js = json_object_get(e, "start"), *je = json_object_get(e, "end");
    int64_t s = json_is_integer(js) ? json_integer_value(js) : -1;
    int64_t en = json_is_integer(je) ? json_integer_value(je) : -1;
    if (!json_is_object(e) || s < 0 || en <= s || en > chars)
      return problem(
          field, detail, E_VALIDATION, path,
          "指标 %s 的第 %zu 段证据位置无效（应在报告正文 0 到 %lld 字之间，且起点小于终点）", code,
          i + 1, (long long)chars);
    if (en - s > SHEET_MAX_QUOTE)
      return problem(field, detail, E_VALIDATION, path,
                     "指标 %s 的第 %zu 段证据过长（最多 %d 字），请只选取相关的句子", code, i + 1,
                     SHEET_MAX_QUOTE);
    st = db_prepare(db, "INSERT INTO evidence (assignment_id, indicator_id, report_id, "
                        "start_offset, end_offset, quote, created_at) SELECT :a, :i, id, :s, :e, "
                        "substr(text, :s + 1, :e - :s), :now FROM report WHERE id = :r");
    if (!st) return E_DB;
    if ((rc = db_bind_int(st, ":a", c->id)) || (rc = db_bind_int(st, ":i", indicator)) ||
        (rc = db_bind_int(st, ":s", s)) || (rc = db_bind_int(st, ":e", en)) ||
        (rc = db_bind_int(st, ":now", now)) || (rc = db_bind_int(st, ":r", c->report)) ||
        (rc = db_run(st)))
      return rc;
  }
  return E_OK;
}

/* 1 when X is a multiple of STEP (up to rounding). */
static int on_step(double x, double step)
{
  if (step <= 0) step = SHEET_DEFAULT_STEP;
  double q = x / step;
  return fabs(q - round(q)) < 1e-6;
}

/* Checks and stores one item CODE = V of the change. */
static int apply_item(struct db *db, const struct ctx *c, const char *code, json_t *v, int64_t now,
                      const char **field, const char **detail)
{
  static const char *const keys[] = {"points", "comment", "na", "count", "veto", "evidence", NULL};
  char path[200];
  snprintf(path, sizeof path, "items.%s", code);
  if (!json_is_object(v))
    return problem(field, detail, E_VALIDATION, path, "指标 %s 的内容应为对象", code);
  const char *k;
  json_t *x;
  json_object_foreach(v, k, x)
  {
    int known = 0;
    for (int i = 0; keys[i] && !known; i++) known = !strcmp(k, keys[i]);
    if (!known) {
      snprintf(path, sizeof path, "items.%s.%s", code, k);
      return problem(field, detail, E_VALIDATION, path, "指标 %s：不认识的字段 %s", code, k);
    }
  }
  db_stmt *st = db_prepare(db, "SELECT id, kind, coalesce(max_points, 0) FROM indicator WHERE "
                               "rubric_id = :r AND code = :c");
  int rc;
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":r", c->rubric)) || (rc = db_bind_text(st, ":c", code))) {
    db_reset(st);
    return rc;
  }
  if ((rc = db_step(st)) != DB_ROW) {
    db_reset(st);
    if (rc != DB_DONE) return rc;
    return problem(field, detail, E_VALIDATION, path, "评分细则中没有指标 %s", code);
  }
  int64_t ind = db_col_int(st, 0);
  char kind[16];
  snprintf(kind, sizeof kind, "%s", db_col_text(st, 1));
  double max = db_col_double(st, 2);
  db_reset(st);
  if (!strcmp(kind, "area"))
    return problem(field, detail, E_VALIDATION, path, "%s 是分组指标，分数请打在其下的末级指标上",
                   code);
  int leaf = !strcmp(kind, "item"), counted = !strcmp(kind, "bonus") || !strcmp(kind, "deduction");
  struct row r;
  if ((rc = read_row(db, c->id, ind, &r))) return rc;
  json_t *pts = json_object_get(v, "points"), *cm = json_object_get(v, "comment"),
         *na = json_object_get(v, "na"), *cnt = json_object_get(v, "count"),
         *veto = json_object_get(v, "veto");
  if (pts) {
    snprintf(path, sizeof path, "items.%s.points", code);
    if (!leaf)
      rc = problem(field, detail, E_VALIDATION, path, "%s 不是末级指标，不能打分", code);
    else if (json_is_null(pts))
      r.has_points = 0;
    else if (!json_is_number(pts) || !isfinite(json_number_value(pts)))
      rc = problem(field, detail, E_VALIDATION, path, "指标 %s 的得分应为数字", code);
    else if (json_number_value(pts) < 0 || json_number_value(pts) > max + 1e-9)
      rc = problem(field, detail, E_VALIDATION, path, "指标 %s 的得分应在 0 到 %g 分之间", code,
                   max);
    else if (!on_step(json_number_value(pts), c->score_step))
      rc = problem(field, detail, E_VALIDATION, path, "指标 %s 的得分应为 %g 分的整数倍", code,
                   c->score_step > 0 ? c->score_step : SHEET_DEFAULT_STEP);
    else {
      r.has_points = 1;
      r.points = json_number_value(pts);
    }
  }
  if (!rc && cm) {
    snprintf(path, sizeof path, "items.%s.comment", code);
    if (!json_is_string(cm) || utf8_chars(json_string_value(cm)) > SHEET_MAX_COMMENT)
      rc = problem(field, detail, E_VALIDATION, path, "指标 %s 的评语应为最多 %d 字的文本", code,
                   SHEET_MAX_COMMENT);
    else {
      free(r.comment);
      r.comment = strdup(json_string_value(cm));
      if (!r.comment) rc = E_NOMEM;
    }
  }
  if (!rc && na) {
    snprintf(path, sizeof path, "items.%s.na", code);
    if (!json_is_boolean(na) || (!leaf && json_is_true(na)))
      rc = problem(field, detail, E_VALIDATION, path,
                   "指标 %s：“不适用”只能是 true 或 false，且只用于末级指标", code);
    else
      r.na = json_is_true(na);
  }
  if (!rc && cnt) {
    snprintf(path, sizeof path, "items.%s.count", code);
    if (!counted)
      rc = problem(field, detail, E_VALIDATION, path, "%s 不是加分或扣分项，不能填次数", code);
    else if (!json_is_integer(cnt) || json_integer_value(cnt) < 0 || json_integer_value(cnt) > 1000)
      rc = problem(field, detail, E_VALIDATION, path, "%s 的次数应为 0 到 1000 的整数", code);
    else
      r.count = json_integer_value(cnt);
  }
  if (!rc && veto) {
    snprintf(path, sizeof path, "items.%s.veto", code);
    if (strcmp(kind, "veto") || !json_is_boolean(veto))
      rc = problem(field, detail, E_VALIDATION, path, "%s 不是一票否决项，或取值不是 true/false",
                   code);
    else
      r.veto = json_is_true(veto);
  }
  if (!rc) {
    st = db_prepare(db, "INSERT INTO score (assignment_id, indicator_id, points, count, na, veto, "
                        "comment, updated_at) VALUES (:a, :i, :p, :n, :na, :v, :c, :now) ON "
                        "CONFLICT (assignment_id, indicator_id) DO UPDATE SET points = "
                        "excluded.points, count = excluded.count, na = excluded.na, veto = "
                        "excluded.veto, comment = excluded.comment, updated_at = "
                        "excluded.updated_at");
    if (!st)
      rc = E_DB;
    else if ((rc = db_bind_int(st, ":a", c->id)) || (rc = db_bind_int(st, ":i", ind)) ||
             (rc = r.has_points ? db_bind_double(st, ":p", r.points) : db_bind_null(st, ":p")) ||
             (rc = counted ? db_bind_int(st, ":n", r.count) : db_bind_null(st, ":n")) ||
             (rc = db_bind_int(st, ":na", r.na)) || (rc = db_bind_int(st, ":v", r.veto)) ||
             (rc = db_bind_text(st, ":c", r.comment)) || (rc = db_bind_int(st, ":now", now)))
      db_reset(st);
    else
      rc = db_run(st);
  }
  free(r.comment);
  json_t *ev = json_object_get(v, "evidence");
  if (!rc && ev) rc = put_evidence(db, c, ind, code, ev, now, field, detail);
  return rc;
}

/* The submit checks: every applicable leaf scored or N/A, comments where required. */
static int complete(struct db *db, const struct ctx *c, const char **field, const char **detail)
{
  db_stmt *st = db_prepare(
      db, "SELECT i.code, s.points IS NULL AND coalesce(s.na, 0) = 0, :below > 0 AND s.points "
          "IS NOT NULL AND s.points < :below * i.max_points AND coalesce(s.comment, '') = '' "
          "FROM indicator i LEFT JOIN score s ON s.indicator_id = i.id AND s.assignment_id = "
          ":a WHERE i.rubric_id = :r AND i.kind = 'item' AND (i.applies_to IS NULL OR EXISTS "
          "(SELECT 1 FROM json_each(i.applies_to) WHERE value = :kind)) AND NOT EXISTS (SELECT "
          "1 FROM indicator_na x WHERE x.cycle_id = :cy AND x.unit_id = :u AND x.indicator_id = "
          "i.id) ORDER BY i.id");
  int rc;
  if (!st) return E_DB;
  if ((rc = db_bind_double(st, ":below", c->comment_below)) ||
      (rc = db_bind_int(st, ":a", c->id)) || (rc = db_bind_int(st, ":r", c->rubric)) ||
      (rc = db_bind_text(st, ":kind", c->unit_kind)) || (rc = db_bind_int(st, ":cy", c->cycle)) ||
      (rc = db_bind_int(st, ":u", c->unit))) {
    db_reset(st);
    return rc;
  }
  char missing[200] = "", nocomment[200] = "";
  int nm = 0, nc = 0;
  while ((rc = db_step(st)) == DB_ROW) {
    const char *code = db_col_text(st, 0);
    if (db_col_int(st, 1) && nm++ < 5)
      snprintf(missing + strlen(missing), sizeof missing - strlen(missing), "%s%s",
               nm > 1 ? "、" : "", code);
    if (db_col_int(st, 2) && nc++ < 5)
      snprintf(nocomment + strlen(nocomment), sizeof nocomment - strlen(nocomment), "%s%s",
               nc > 1 ? "、" : "", code);
  }
  db_reset(st);
  if (rc != DB_DONE) return rc;
  if (nm)
    return problem(field, detail, E_VALIDATION, "submit",
                   "还有 %d 项指标未打分（%s%s），请打分或标记“不适用”后再提交", nm, missing,
                   nm > 5 ? " 等" : "");
  if (nc)
    return problem(field, detail, E_VALIDATION, "submit",
                   "有 %d 项得分低于满分的 %g%% 但没有写评语（%s%s），请说明理由后再提交", nc,
                   c->comment_below * 100, nocomment, nc > 5 ? " 等" : "");
  return E_OK;
}

int sheet_apply(struct db *db, int64_t assignment, json_t *change, int64_t now, json_t **codes,
                const char **field, const char **detail)
{
  struct ctx c;
  int rc = load_ctx(db, assignment, 1, &c, NULL, NULL);
  *codes = NULL;
  if (rc) return rc;
  if (!json_is_object(change))
    return problem(field, detail, E_VALIDATION, "", "评分内容应为 JSON 对象");
  const char *k;
  json_t *v;
  json_object_foreach(change, k, v)
  {
    if (strcmp(k, "version") && strcmp(k, "items") && strcmp(k, "submit"))
      return problem(field, detail, E_VALIDATION, k, "不认识的字段 %s", k);
  }
  json_t *ver = json_object_get(change, "version"), *items = json_object_get(change, "items"),
         *submit = json_object_get(change, "submit");
  if (!json_is_integer(ver))
    return problem(field, detail, E_VALIDATION, "version", "缺少评分表版本号（version）");
  if (items && !json_is_object(items))
    return problem(field, detail, E_VALIDATION, "items", "items 应为以指标编号为键的对象");
  if (submit && !json_is_boolean(submit))
    return problem(field, detail, E_VALIDATION, "submit", "submit 应为 true 或 false");
  if (!c.rubric) return problem(field, detail, E_CONFLICT, NULL, "该考核周期还没有选定评分细则");
  if (!strcmp(c.status, "submitted"))
    return problem(field, detail, E_CONFLICT, NULL,
                   "该评分表已提交，不能再修改；如需修改，请联系考核办退回");
  if (!strcmp(c.status, "recused"))
    return problem(field, detail, E_CONFLICT, NULL, "您已回避该单位的评审");
  if (json_integer_value(ver) != c.version)
    return problem(field, detail, E_CONFLICT, "version",
                   "评分表已在其他窗口或设备上保存过（当前版本 %lld），请刷新页面后再修改",
                   (long long)c.version);
  json_t *done = json_array();
  if (!done) return E_NOMEM;
  json_object_foreach(items, k, v)
  {
    if ((rc = apply_item(db, &c, k, v, now, field, detail))) {
      json_decref(done);
      return rc;
    }
    json_array_append_new(done, json_string(k));
  }
  int submitting = json_is_true(submit);
  if (submitting && (rc = complete(db, &c, field, detail))) {
    json_decref(done);
    return rc;
  }
  /* Most saves change only the version and the time. An UPDATE that names status rewrites the
   * three indexes holding it even when the value stays, so status is named only when it
   * changes: on a submit, or on the first save of a sheet still 'assigned' (c.status was read
   * in this transaction). */
  int restatus = submitting || !strcmp(c.status, "assigned");
  db_stmt *st = db_prepare(
      db, restatus ? "UPDATE assignment SET sheet_version = sheet_version + 1, status = CASE WHEN "
                     ":sub THEN 'submitted' WHEN status = 'assigned' THEN 'in_progress' ELSE "
                     "status END, submitted_at = CASE WHEN :sub THEN :now ELSE submitted_at END, "
                     "updated_at = :now WHERE id = :a"
                   : "UPDATE assignment SET sheet_version = sheet_version + 1, updated_at = :now "
                     "WHERE id = :a");
  if (!st)
    rc = E_DB;
  else if ((!restatus || !(rc = db_bind_int(st, ":sub", submitting))) &&
           !(rc = db_bind_int(st, ":now", now)) && !(rc = db_bind_int(st, ":a", c.id)))
    rc = db_run(st);
  else
    db_reset(st);
  if (rc) {
    json_decref(done);
    return rc;
  }
  *codes = done;
  return E_OK;
}
