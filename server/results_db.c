/*
 * results_db.c - the input of the results engine read from the database (see results_db.h):
 * the cycle, its rubric, units, the office's N/A marks, the aggregation settings, and the
 * submitted review sheets streamed into the engine row by row (results_add_score(): no JSON
 * per sheet or score), or collected into a JSON array for the reviewer statistics.
 */
#include "results_db.h"

#include "db.h"
#include "dbjson.h"
#include "err.h"
#include "h_cycles.h"
#include "results.h"
#include "rubrics.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local char why_field[200], why_problem[400];

/* Sets the thread-local FIELD and PROBLEM and returns E_VALIDATION. */
static int invalid(const char **field, const char **problem, const char *f, const char *p)
{
  snprintf(why_field, sizeof why_field, "%s", f);
  snprintf(why_problem, sizeof why_problem, "%s", p);
  if (field) *field = why_field;
  if (problem) *problem = why_problem;
  return E_VALIDATION;
}

int results_db_cycle(struct db *db, int64_t cycle, int64_t *rubric, json_t **settings, char *phase,
                     size_t phase_len)
{
  db_stmt *st = db_prepare(db, "SELECT rubric_id, settings, phase FROM cycle WHERE id = :c");
  int rc;
  *settings = NULL;
  *rubric = 0;
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":c", cycle))) goto done;
  if ((rc = db_step(st)) != DB_ROW) {
    rc = rc == DB_DONE ? E_NOT_FOUND : rc;
    goto done;
  }
  *rubric = db_col_is_null(st, 0) ? 0 : db_col_int(st, 0);
  if (phase) snprintf(phase, phase_len, "%s", db_col_text(st, 2));
  rc = (*settings = cycle_settings(db_col_text(st, 1))) ? E_OK : E_NOMEM;
done:
  db_reset(st);
  return rc;
}

/* One row of the units query: {"code","name","kind"}. */
static json_t *unit_row(db_stmt *st, void *ctx)
{
  (void)ctx;
  return json_pack("{s:s,s:s,s:s}", "code", db_col_text(st, 0), "name", db_col_text(st, 1), "kind",
                   db_col_text(st, 2));
}

int results_db_units(struct db *db, int64_t cycle, json_t **out)
{
  db_stmt *st = db_prepare(db, "SELECT u.code, u.name, u.kind FROM cycle_unit cu JOIN unit u ON "
                               "u.id = cu.unit_id WHERE cu.cycle_id = :c ORDER BY u.code");
  int rc;
  *out = NULL;
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":c", cycle))) {
    db_reset(st);
    return rc;
  }
  return db_rows_json(st, unit_row, NULL, out);
}

/* The office's N/A marks of CYCLE against RUBRIC: {unit code: [leaf codes]} into *OUT (caller
 * decrefs). Marks on indicators of another rubric (left from a rubric switch), on non-leaves or
 * on units no longer in the cycle are skipped: the engine would refuse them, and they do not
 * concern the current computation. E_OK, E_NOMEM or a db error. */
static int office_na(struct db *db, int64_t cycle, int64_t rubric, json_t **out)
{
  db_stmt *st = db_prepare(
      db, "SELECT u.code, i.code FROM indicator_na n JOIN unit u ON u.id = n.unit_id JOIN "
          "indicator i ON i.id = n.indicator_id JOIN cycle_unit cu ON cu.cycle_id = n.cycle_id AND "
          "cu.unit_id = n.unit_id WHERE n.cycle_id = :c AND i.rubric_id = :r AND i.kind = 'item' "
          "ORDER BY u.code, i.id");
  int rc;
  json_t *o = json_object();
  *out = NULL;
  if (!st || !o) {
    json_decref(o);
    return st ? E_NOMEM : E_DB;
  }
  if ((rc = db_bind_int(st, ":c", cycle)) || (rc = db_bind_int(st, ":r", rubric))) goto done;
  while ((rc = db_step(st)) == DB_ROW) {
    const char *unit = db_col_text(st, 0);
    json_t *list = json_object_get(o, unit);
    if (!list && (!(list = json_array()) || json_object_set_new(o, unit, list))) {
      rc = E_NOMEM;
      break;
    }
    if (json_array_append_new(list, json_string(db_col_text(st, 1)))) {
      rc = E_NOMEM;
      break;
    }
  }
  if (rc == DB_DONE) rc = E_OK;
done:
  db_reset(st);
  if (rc)
    json_decref(o);
  else
    *out = o;
  return rc;
}

/* The upheld appeals of CYCLE on leaves of RUBRIC as results.h's options.overrides
 * {unit code: {leaf code: points}} into *OUT (caller decrefs); of several upheld appeals on
 * one leaf the last decided wins. Units no longer in the cycle are skipped. E_OK, E_NOMEM or a
 * db error. */
static int appeal_overrides(struct db *db, int64_t cycle, int64_t rubric, json_t **out)
{
  db_stmt *st = db_prepare(
      db, "SELECT u.code, i.code, json_extract(a.outcome, '$.after') FROM appeal a JOIN unit u ON "
          "u.id = a.unit_id JOIN indicator i ON i.id = a.indicator_id JOIN cycle_unit cu ON "
          "cu.cycle_id = a.cycle_id AND cu.unit_id = a.unit_id WHERE a.cycle_id = :c AND "
          "a.status = 'upheld' AND i.rubric_id = :r AND json_type(a.outcome, '$.after') IN "
          "('integer', 'real') ORDER BY a.decided_at, a.id");
  int rc;
  json_t *o = json_object();
  *out = NULL;
  if (!st || !o) {
    json_decref(o);
    if (st) db_reset(st);
    return st ? E_NOMEM : E_DB;
  }
  if ((rc = db_bind_int(st, ":c", cycle)) || (rc = db_bind_int(st, ":r", rubric))) goto done;
  while ((rc = db_step(st)) == DB_ROW) {
    const char *unit = db_col_text(st, 0);
    json_t *m = json_object_get(o, unit);
    if (!m && (!(m = json_object()) || json_object_set_new(o, unit, m))) {
      rc = E_NOMEM;
      break;
    }
    if (json_object_set_new(m, db_col_text(st, 1), json_real(db_col_double(st, 2)))) {
      rc = E_NOMEM;
      break;
    }
  }
  if (rc == DB_DONE) rc = E_OK;
done:
  db_reset(st);
  if (rc)
    json_decref(o);
  else
    *out = o;
  return rc;
}

/* Called with every submitted sheet in the form results.h reads (borrowed: valid during the
 * call only). Returns E_OK to go on, or an error that stops the walk and is returned. */
typedef int (*sheet_fn)(json_t *sheet, void *ctx);

/* Streams the submitted review sheets of CYCLE (items of RUBRIC's indicators only) to EACH,
 * in assignment order, one small sheet object at a time. Sheets of units no longer in the cycle
 * are skipped (the engine knows only the cycle's units). E_OK, E_NOMEM, EACH's error or a db
 * error. *N (may be NULL) is the number of sheets given to EACH. */
static int each_sheet(struct db *db, int64_t cycle, int64_t rubric, sheet_fn each, void *ctx,
                      int64_t *n)
{
  db_stmt *st = db_prepare(
      db,
      "SELECT a.id, u.code, us.login, i.code, s.points, s.na, s.count, s.veto FROM assignment "
      "a JOIN unit u ON u.id = a.unit_id JOIN user us ON us.id = a.user_id JOIN cycle_unit cu "
      "ON cu.cycle_id = a.cycle_id AND cu.unit_id = a.unit_id LEFT JOIN score s ON "
      "s.assignment_id = a.id LEFT JOIN indicator i ON i.id = s.indicator_id AND i.rubric_id = "
      ":r WHERE a.cycle_id = :c AND a.kind = 'review' AND a.status = 'submitted' ORDER BY a.id");
  int rc;
  int64_t cur = 0, count = 0;
  json_t *sheet = NULL, *items = NULL;
  if (n) *n = 0;
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":c", cycle)) || (rc = db_bind_int(st, ":r", rubric))) goto done;
  while ((rc = db_step(st)) == DB_ROW) {
    int64_t id = db_col_int(st, 0);
    if (id != cur) {
      if (sheet) {
        if ((rc = each(sheet, ctx))) goto done;
        count++;
        json_decref(sheet);
      }
      cur = id;
      sheet = json_pack("{s:s,s:s,s:{}}", "unit", db_col_text(st, 1), "reviewer",
                        db_col_text(st, 2), "items");
      if (!sheet) {
        rc = E_NOMEM;
        goto done;
      }
      items = json_object_get(sheet, "items");
    }
    if (db_col_is_null(st, 3)) continue; /* no score, or one of another rubric */
    json_t *item = json_pack("{s:o,s:b,s:o,s:b}", "points",
                             db_col_is_null(st, 4) ? json_null() : json_real(db_col_double(st, 4)),
                             "na", (int)db_col_int(st, 5), "count",
                             db_col_is_null(st, 6) ? json_null() : json_integer(db_col_int(st, 6)),
                             "veto", (int)db_col_int(st, 7));
    if (!item || json_object_set_new(items, db_col_text(st, 3), item)) {
      rc = E_NOMEM;
      goto done;
    }
  }
  if (rc != DB_DONE) goto done;
  if (sheet) {
    if ((rc = each(sheet, ctx))) goto done;
    count++;
  }
  rc = E_OK;
done:
  db_reset(st);
  json_decref(sheet);
  if (n) *n = count;
  return rc;
}

/* An indicator of the rubric as the engine numbers it. */
struct ind {
  int64_t id; /* indicator.id */
  int item;   /* results_item() of its code, -1 when the engine has no such item */
  char *code; /* its code when item is -1 (for the engine's message), else NULL; owned */
};

/* A rubric's indicators by id. */
struct ind_map {
  struct ind *a; /* by id */
  size_t n;      /* how many */
  int64_t lo;    /* the smallest id */
  int32_t *pos;  /* span entries: the index in A of id lo + k, or -1; NULL when the ids are too
                    sparse for it (then A is searched) */
  size_t span;   /* largest id − lo + 1 */
};

static int ind_cmp(const void *a, const void *b)
{
  int64_t x = ((const struct ind *)a)->id, y = ((const struct ind *)b)->id;
  return (x > y) - (x < y);
}

static void ind_free(struct ind_map *m)
{
  for (size_t i = 0; m->a && i < m->n; i++) free(m->a[i].code);
  free(m->a);
  free(m->pos);
}

/* Indicator ID in M, or NULL when it is not one of the rubric's. */
static const struct ind *ind_find(const struct ind_map *m, int64_t id)
{
  if (m->pos) {
    if (id < m->lo || (uint64_t)(id - m->lo) >= m->span) return NULL;
    int32_t k = m->pos[id - m->lo];
    return k < 0 ? NULL : &m->a[k];
  }
  struct ind key = {id, 0, NULL};
  return m->n ? bsearch(&key, m->a, m->n, sizeof *m->a, ind_cmp) : NULL;
}

/* The indicators of RUBRIC into *M (free with ind_free, also after an error), each with its
 * engine item: read once, so a score row needs no join and no code lookup. A rubric's ids are
 * nearly always one run (made together), so a direct table serves the lookups. E_OK, E_NOMEM
 * or a db error. */
static int indicators(struct db *db, int64_t rubric, struct results *eng, struct ind_map *m)
{
  db_stmt *st = db_prepare(db, "SELECT id, code FROM indicator WHERE rubric_id = :r ORDER BY id");
  size_t cap = 0;
  int rc;
  memset(m, 0, sizeof *m);
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":r", rubric))) goto done;
  while ((rc = db_step(st)) == DB_ROW) {
    if (m->n == cap) {
      cap = cap ? cap * 2 : 64;
      struct ind *p = realloc(m->a, cap * sizeof *p);
      if (!p) {
        rc = E_NOMEM;
        goto done;
      }
      m->a = p;
    }
    struct ind *x = &m->a[m->n++];
    x->id = db_col_int(st, 0);
    x->item = results_item(eng, db_col_text(st, 1));
    x->code = NULL;
    if (x->item < 0 && !(x->code = strdup(db_col_text(st, 1)))) {
      rc = E_NOMEM;
      goto done;
    }
  }
  if (rc != DB_DONE) goto done;
  rc = E_OK;
  if (!m->n) goto done;
  m->lo = m->a[0].id;
  uint64_t span = (uint64_t)(m->a[m->n - 1].id - m->lo) + 1;
  if (span > 8 * (uint64_t)m->n + 4096) goto done; /* sparse: bsearch */
  m->span = (size_t)span;
  if (!(m->pos = malloc(m->span * sizeof *m->pos))) {
    rc = E_NOMEM;
    goto done;
  }
  for (size_t k = 0; k < m->span; k++) m->pos[k] = -1;
  for (size_t i = 0; i < m->n; i++) m->pos[m->a[i].id - m->lo] = (int32_t)i;
done:
  db_reset(st);
  return rc;
}

/* Streams the submitted review sheets of CYCLE (scores on RUBRIC's indicators only) into the
 * engine ENG as rows (results_begin_sheet, results_add_score, results_end_sheet), in
 * assignment order, scores in indicator order within a sheet: the sheets each_sheet() gives,
 * without a JSON object per sheet or score. Two statements walk in step by assignment id: the
 * sheets (with unit code and login; sheets of units no longer in the cycle left out) and
 * their score rows (no join but the assignment's). *N is the number of sheets added. E_OK,
 * the engine's error (with *FIELD, *PROBLEM), E_NOMEM or a db error. */
static int feed_rows(struct db *db, int64_t cycle, int64_t rubric, struct results *eng, int64_t *n,
                     const char **field, const char **problem)
{
  db_stmt *sh = db_prepare(
      db, "SELECT a.id, u.code, us.login FROM assignment a JOIN unit u ON u.id = a.unit_id JOIN "
          "user us ON us.id = a.user_id JOIN cycle_unit cu ON cu.cycle_id = a.cycle_id AND "
          "cu.unit_id = a.unit_id WHERE a.cycle_id = :c AND a.kind = 'review' AND a.status = "
          "'submitted' ORDER BY a.id");
  db_stmt *sc = db_prepare(
      db, "SELECT s.assignment_id, s.indicator_id, s.points, s.na, s.count, s.veto FROM "
          "assignment a JOIN score s ON s.assignment_id = a.id WHERE a.cycle_id = :c AND a.kind = "
          "'review' AND a.status = 'submitted' ORDER BY a.id, s.indicator_id");
  struct ind_map ind = {0};
  int rc, have;
  *n = 0;
  if (!sh || !sc) return E_DB;
  if ((rc = indicators(db, rubric, eng, &ind)) || (rc = db_bind_int(sh, ":c", cycle)) ||
      (rc = db_bind_int(sc, ":c", cycle)))
    goto done;
  if ((have = db_step(sc)) != DB_ROW && have != DB_DONE) {
    rc = have;
    goto done;
  }
  while ((rc = db_step(sh)) == DB_ROW) {
    int64_t id = db_col_int(sh, 0);
    if ((rc = results_begin_sheet(eng, db_col_text(sh, 1), db_col_text(sh, 2), field, problem)))
      goto done;
    /* Score rows of sheets left out above come first; then this sheet's. */
    for (; have == DB_ROW; have = db_step(sc)) {
      int64_t aid = db_col_int(sc, 0);
      if (aid > id) break;
      if (aid < id) continue;
      const struct ind *x = ind_find(&ind, db_col_int(sc, 1));
      if (!x) continue; /* an indicator of another rubric */
      double count = db_col_is_null(sc, 4) ? NAN : (double)db_col_int(sc, 4);
      if ((rc = results_add_score(
               eng, x->item, x->code, db_col_is_null(sc, 2) ? NAN : db_col_double(sc, 2),
               db_col_int(sc, 3) != 0, count, db_col_int(sc, 5) != 0, field, problem)))
        goto done;
    }
    if (have != DB_ROW && have != DB_DONE) {
      rc = have;
      goto done;
    }
    if ((rc = results_end_sheet(eng, field, problem))) goto done;
    (*n)++;
  }
  if (rc == DB_DONE) rc = E_OK;
done:
  db_reset(sh);
  db_reset(sc);
  ind_free(&ind);
  return rc;
}

/* each_sheet's step for results_db_sheets(): into an array. */
static int collect_sheet(json_t *sheet, void *ctx)
{
  return json_array_append(ctx, sheet) ? E_NOMEM : E_OK;
}

int results_db_sheets(struct db *db, int64_t cycle, int64_t rubric, json_t **out)
{
  json_t *arr = json_array();
  int rc = arr ? each_sheet(db, cycle, rubric, collect_sheet, arr, NULL) : E_NOMEM;
  *out = NULL;
  if (rc)
    json_decref(arr);
  else
    *out = arr;
  return rc;
}

/* One row of the assignments query, in revstats.h's form. */
static json_t *assignment_row(db_stmt *st, void *ctx)
{
  (void)ctx;
  return json_pack("{s:s,s:o,s:s,s:s}", "reviewer", db_col_text(st, 0), "reviewer_name",
                   db_col_is_null(st, 1) || !*db_col_text(st, 1) ? json_null()
                                                                 : json_string(db_col_text(st, 1)),
                   "unit", db_col_text(st, 2), "status", db_col_text(st, 3));
}

int results_db_assignments(struct db *db, int64_t cycle, json_t **out)
{
  db_stmt *st = db_prepare(db, "SELECT us.login, us.display_name, u.code, a.status FROM "
                               "assignment a JOIN user us ON us.id = a.user_id JOIN unit u ON "
                               "u.id = a.unit_id WHERE a.cycle_id = :c AND a.kind = 'review' "
                               "ORDER BY a.id");
  int rc;
  *out = NULL;
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":c", cycle))) {
    db_reset(st);
    return rc;
  }
  return db_rows_json(st, assignment_row, NULL, out);
}

/* Adds the leaves under NODE (a rubric node list) to LEAVES as {"code","name","area","max"}
 * and their maximum to *MAX. 0 or -1 when out of memory. */
static int add_leaves(json_t *nodes, const char *area, json_t *leaves, double *max)
{
  size_t i;
  json_t *n;
  json_array_foreach(nodes, i, n)
  {
    json_t *kids = json_object_get(n, "children");
    if (json_is_array(kids) && json_array_size(kids)) {
      if (add_leaves(kids, area, leaves, max)) return -1;
      continue;
    }
    double m = json_number_value(json_object_get(n, "max_points"));
    const char *name = json_string_value(json_object_get(n, "name"));
    *max += m;
    if (json_array_append_new(leaves, json_pack("{s:s?,s:s,s:s?,s:f}", "code",
                                                json_string_value(json_object_get(n, "code")),
                                                "name", name ? name : "", "area", area, "max", m)))
      return -1;
  }
  return 0;
}

/* The result of a cycle without any submitted sheet, with results.h's top-level members:
 * RUBRIC's areas, leaves and bands (QUOTAS applied as shares), every unit of UNITS with
 * status "no_sheets", nothing ranked. A new object or NULL when out of memory. */
static json_t *empty_result(json_t *rubric, json_t *units, const char *method, double flag_share,
                            json_t *quotas)
{
  json_t *o = json_pack(
      "{s:s,s:[ssss],s:f,s:[],s:[],s:{s:i,s:i,s:i,s:i,s:i},s:[],s:[],s:[],s:[],s:{s:f,s:f,s:i,"
      "s:[]},s:[s],s:b}",
      "method", method, "methods", "mean", "median", "trimmed", "normalized", "flag_share",
      flag_share, "areas", "leaves", "counts", "units", (int)json_array_size(units), "ranked", 0,
      "no_sheets", (int)json_array_size(units), "sheets", 0, "reviewers", 0, "grades", "units",
      "disagreements", "sensitivity", "normalization", "mu", 0.0, "sigma", 0.0, "min_sheets", 5,
      "reviewers", "notes", "本考核周期还没有已提交的评分表，暂无结果：所有单位均未排名。", "empty",
      1);
  if (!o) return NULL;
  size_t i;
  json_t *a, *u, *b;
  json_t *areas = json_object_get(o, "areas"), *leaves = json_object_get(o, "leaves");
  json_array_foreach(json_object_get(rubric, "areas"), i, a)
  {
    double max = 0;
    const char *code = json_string_value(json_object_get(a, "code"));
    json_t *kids = json_object_get(a, "children");
    if (json_is_array(kids) && json_array_size(kids)) {
      if (add_leaves(kids, code, leaves, &max)) goto nomem;
    } else { /* an area that is itself a leaf */
      json_t *one = json_pack("[O]", a);
      int bad = !one || add_leaves(one, code, leaves, &max);
      json_decref(one);
      if (bad) goto nomem;
    }
    const char *name = json_string_value(json_object_get(a, "name"));
    if (json_array_append_new(areas, json_pack("{s:s?,s:s,s:f}", "code", code, "name",
                                               name ? name : "", "max", round(max * 100) / 100)))
      goto nomem;
  }
  json_array_foreach(json_object_get(rubric, "grade_bands"), i, b)
  {
    const char *name = json_string_value(json_object_get(b, "name"));
    json_t *share = json_null(), *q;
    size_t k;
    json_array_foreach(quotas, k, q)
    {
      const char *g = json_string_value(json_object_get(q, "grade"));
      if (g && name && !strcmp(g, name)) share = json_object_get(q, "max_share");
    }
    if (json_array_append_new(json_object_get(o, "grades"),
                              json_pack("{s:s?,s:O,s:O,s:o,s:i}", "name", name, "min",
                                        json_object_get(b, "min"), "max_share", share, "limit",
                                        json_is_null(share) ? json_null() : json_integer(0),
                                        "count", 0)))
      goto nomem;
  }
  json_array_foreach(units, i, u)
  {
    json_t *row = json_pack("{s:O,s:O,s:O,s:s,s:i,s:n,s:n,s:n,s:b,s:b,s:n,s:n,s:b,s:n,s:n}", "code",
                            json_object_get(u, "code"), "name", json_object_get(u, "name"), "kind",
                            json_object_get(u, "kind"), "status", "no_sheets", "sheets", 0, "total",
                            "rank", "rank_in_kind", "tied", 0, "tied_in_kind", 0, "grade",
                            "band_grade", "border", 0, "border_grade", "vetoed_by");
    if (!row || json_array_append_new(json_object_get(o, "units"), row)) goto nomem;
  }
  return o;
nomem:
  json_decref(o);
  return NULL;
}

/* Names an engine error on a stored setting as the setting's path. */
static int setting_error(int rc, const char **field, const char **problem)
{
  if (rc != E_VALIDATION || !field || !*field) return rc;
  const char *f0 = !strncmp(*field, "options.", 8) ? *field + 8 : *field;
  if (!strncmp(f0, "quotas", 6) || !strncmp(f0, "flag_share", 10)) {
    char f[200];
    snprintf(f, sizeof f, "settings.aggregation.%s", f0);
    return invalid(field, problem, f, problem && *problem ? *problem : "评分设置无效");
  }
  return rc;
}

int results_load(struct db *db, int64_t cycle, const char *method, json_t *trace, json_t **out,
                 const char **field, const char **problem)
{
  int64_t rubric_id = 0, nsheet = 0;
  json_t *settings = NULL, *rubric = NULL, *units = NULL, *na = NULL, *options = NULL,
         *overrides = NULL;
  struct results *eng = NULL;
  *out = NULL;
  int rc = results_db_cycle(db, cycle, &rubric_id, &settings, NULL, 0);
  if (rc) goto done;
  if (!rubric_id) {
    rc = invalid(field, problem, "rubric_id", "该考核周期还没有选定评分细则，无法计算结果");
    goto done;
  }
  json_t *agg = json_object_get(settings, "aggregation");
  if (!method) method = json_string_value(json_object_get(agg, "method"));
  if (!method) method = "mean";
  options = json_pack("{s:s,s:O,s:O}", "method", method, "quotas", json_object_get(agg, "quotas"),
                      "flag_share", json_object_get(agg, "flag_share"));
  if (!options) {
    rc = E_NOMEM;
    goto done;
  }
  if (trace && json_object_set(options, "trace", trace)) {
    rc = E_NOMEM;
    goto done;
  }
  if ((rc = rubric_get(db, rubric_id, &rubric)) || (rc = results_db_units(db, cycle, &units)) ||
      (rc = office_na(db, cycle, rubric_id, &na)) ||
      (rc = appeal_overrides(db, cycle, rubric_id, &overrides)))
    goto done;
  if (json_object_size(overrides) && json_object_set(options, "overrides", overrides)) {
    rc = E_NOMEM;
    goto done;
  }
  if ((rc = results_new(rubric, units, na, options, &eng, field, problem))) {
    rc = setting_error(rc, field, problem);
    goto done;
  }
  if ((rc = feed_rows(db, cycle, rubric_id, eng, &nsheet, field, problem))) goto done;
  if (!nsheet) {
    rc = (*out = empty_result(rubric, units, method,
                              json_number_value(json_object_get(options, "flag_share")),
                              json_object_get(options, "quotas")))
             ? E_OK
             : E_NOMEM;
    goto done;
  }
  if ((rc = results_finish(eng, out, field, problem))) goto done;
  if (json_object_set_new(*out, "empty", json_false())) {
    json_decref(*out);
    *out = NULL;
    rc = E_NOMEM;
  }
done:
  results_free(eng);
  json_decref(settings);
  json_decref(rubric);
  json_decref(units);
  json_decref(na);
  json_decref(overrides);
  json_decref(options);
  return rc;
}
