/*
 * h_compare.c - the compare page's data (see h_compare.h): a few units side by side with the
 * reviewers' comments and quotes, the heatmap of every unit × area, and one unit's history.
 * Numbers come from results_load() (never computed here), so they equal the results route's;
 * comments and evidence are read from the submitted review sheets of the units asked for.
 */
#include "h_compare.h"

#include "db.h"
#include "err.h"
#include "h_results.h"
#include "results_cache.h"
#include "results_db.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COMPARE_MIN 2 /* units to compare, at least */
#define COMPARE_MAX 6 /* and at most (a radar chart with more is unreadable) */

/* X rounded to 2 decimals, half away from zero. */
static double round2(double x)
{
  return round(x * 100.0) / 100.0;
}

/* The string member K of object O, or "" when absent. */
static const char *str_of(json_t *o, const char *k)
{
  const char *s = json_string_value(json_object_get(o, k));
  return s ? s : "";
}

/* The row of unit CODE in the results RES, or NULL. */
static json_t *result_row(json_t *res, const char *code)
{
  size_t i;
  json_t *u;
  json_array_foreach(json_object_get(res, "units"), i, u)
  {
    const char *c = json_string_value(json_object_get(u, "code"));
    if (c && !strcmp(c, code)) return u;
  }
  return NULL;
}

/* The compare form of result row U: code, name, kind, status, total, rank (only when
 * WITH_RANK), grade, areas, values. A new object or NULL (out of memory). */
static json_t *compare_row(json_t *u, int with_rank)
{
  json_t *o = json_pack("{s:O,s:O,s:O*,s:O*,s:O*,s:O*,s:O*,s:O*}", "code",
                        json_object_get(u, "code"), "name", json_object_get(u, "name"), "kind",
                        json_object_get(u, "kind"), "status", json_object_get(u, "status"), "total",
                        json_object_get(u, "total"), "grade", json_object_get(u, "grade"), "areas",
                        json_object_get(u, "areas"), "values", json_object_get(u, "values"));
  if (o && with_rank) {
    json_t *rank = json_object_get(u, "rank");
    if (json_object_set_new(o, "rank", rank ? json_incref(rank) : json_null())) {
      json_decref(o);
      return NULL;
    }
  }
  return o;
}

/* Reads ?units= into *ASKED (a new array of distinct codes of the cycle's units, in the order
 * given; caller decrefs). E_OK, E_VALIDATION on "units" in OUT, E_NOMEM or a db error. */
static int take_units(struct req *r, struct reply *out, int64_t cycle, json_t **asked)
{
  const char *q = req_query(r, "units");
  json_t *known = NULL, *list = NULL, *u;
  char buf[64];
  size_t i, n = 1;
  int rc;
  *asked = NULL;
  for (const char *p = q ? q : ""; *p; p++) n += *p == ',';
  if (!q || !*q || n < COMPARE_MIN || n > COMPARE_MAX)
    return reply_invalid(out, "units", "请选择 2 至 6 个单位进行对比");
  if (!(list = json_array())) return E_NOMEM;
  if ((rc = results_db_units(r->db, cycle, &known))) goto done;
  for (const char *p = q;; p++) {
    size_t len = strcspn(p, ",");
    if (len == 0 || len >= sizeof buf) {
      rc = reply_invalid(out, "units", "单位代码之间用英文逗号分隔，且不能为空");
      goto done;
    }
    memcpy(buf, p, len);
    buf[len] = 0;
    int found = 0, dup = 0;
    json_array_foreach(known, i, u)
    {
      found |= !strcmp(json_string_value(json_object_get(u, "code")), buf);
    }
    json_array_foreach(list, i, u) dup |= !strcmp(json_string_value(u), buf);
    if (!found || dup) {
      out->field = "units";
      out->detail =
          arena_printf(&r->a, "单位代码 %s %s", buf, found ? "重复出现" : "不是本考核周期的单位");
      rc = E_VALIDATION;
      goto done;
    }
    if (json_array_append_new(list, json_string(buf))) {
      rc = E_NOMEM;
      goto done;
    }
    p += len;
    if (!*p) break;
  }
  *asked = list;
  list = NULL;
done:
  json_decref(list);
  json_decref(known);
  return rc;
}

/* Adds to COMMENTS ({leaf: {unit: [...]}}) the scores, comments and evidence quotes of UNIT's
 * submitted review sheets in cycle S (indicators of its rubric only). Reviewers by display name
 * when NAMED, else 评审专家n in login order. E_OK, E_NOMEM or a db error. */
static int unit_comments(struct req *r, const struct results_seen *s, const char *unit, int named,
                         json_t *comments)
{
  db_stmt *st = db_prepare(
      r->db,
      "SELECT a.id, us.login, us.display_name, i.code, s.points, s.na, s.comment FROM assignment "
      "a JOIN unit u ON u.id = a.unit_id JOIN user us ON us.id = a.user_id JOIN score s ON "
      "s.assignment_id = a.id JOIN indicator i ON i.id = s.indicator_id WHERE a.cycle_id = :c "
      "AND u.code = :u AND a.kind = 'review' AND a.status = 'submitted' AND i.rubric_id = :r AND "
      "i.kind = 'item' ORDER BY us.login, a.id, i.id");
  json_t *index = json_object(); /* "assignment/leaf" → entry (borrowed) */
  int64_t cur = 0, nth = 0;
  char key[96], alias[48];
  int rc;
  if (!index) return E_NOMEM;
  if (!st) {
    json_decref(index);
    return E_DB;
  }
  if ((rc = db_bind_int(st, ":c", s->cycle)) || (rc = db_bind_text(st, ":u", unit)) ||
      (rc = db_bind_int(st, ":r", s->rubric)))
    goto done;
  while ((rc = db_step(st)) == DB_ROW) {
    int64_t aid = db_col_int(st, 0);
    const char *leaf = db_col_text(st, 3);
    if (aid != cur) {
      cur = aid;
      nth++;
    }
    snprintf(alias, sizeof alias, "评审专家%lld", (long long)nth);
    const char *who = alias;
    if (named) who = *db_col_text(st, 2) ? db_col_text(st, 2) : db_col_text(st, 1);
    json_t *by_unit = json_object_get(comments, leaf), *list;
    if (!by_unit && (!(by_unit = json_object()) || json_object_set_new(comments, leaf, by_unit))) {
      rc = E_NOMEM;
      goto done;
    }
    if (!(list = json_object_get(by_unit, unit)) &&
        (!(list = json_array()) || json_object_set_new(by_unit, unit, list))) {
      rc = E_NOMEM;
      goto done;
    }
    json_t *e = json_pack("{s:s,s:o,s:b,s:s,s:[]}", "reviewer", who, "points",
                          db_col_is_null(st, 4) ? json_null() : json_real(db_col_double(st, 4)),
                          "na", (int)db_col_int(st, 5), "comment", db_col_text(st, 6), "quotes");
    if (!e || json_array_append_new(list, e)) {
      rc = E_NOMEM;
      goto done;
    }
    snprintf(key, sizeof key, "%lld/%s", (long long)aid, leaf);
    if (json_object_set(index, key, e)) {
      rc = E_NOMEM;
      goto done;
    }
  }
  if (rc != DB_DONE) goto done;
  db_reset(st);
  st = db_prepare(r->db,
                  "SELECT e.assignment_id, i.code, e.quote FROM evidence e JOIN assignment a ON "
                  "a.id = e.assignment_id JOIN unit u ON u.id = a.unit_id JOIN indicator i ON "
                  "i.id = e.indicator_id WHERE a.cycle_id = :c AND u.code = :u AND a.kind = "
                  "'review' AND a.status = 'submitted' AND i.rubric_id = :r ORDER BY "
                  "e.assignment_id, e.start_offset, e.id");
  if (!st) {
    rc = E_DB;
    goto done;
  }
  if ((rc = db_bind_int(st, ":c", s->cycle)) || (rc = db_bind_text(st, ":u", unit)) ||
      (rc = db_bind_int(st, ":r", s->rubric)))
    goto done;
  while ((rc = db_step(st)) == DB_ROW) {
    snprintf(key, sizeof key, "%lld/%s", (long long)db_col_int(st, 0), db_col_text(st, 1));
    json_t *e = json_object_get(index, key);
    if (!e) continue; /* evidence without a score row: nothing to attach it to */
    if (json_array_append_new(json_object_get(e, "quotes"), json_string(db_col_text(st, 2)))) {
      rc = E_NOMEM;
      goto done;
    }
  }
  if (rc == DB_DONE) rc = E_OK;
done:
  if (st) db_reset(st);
  json_decref(index);
  return rc;
}

/* Whether the caller of R sees ranks in cycle S. */
static int sees_ranks(struct req *r, const struct results_seen *s)
{
  return r->user.role == ROLE_ADMIN || s->show_ranks;
}

int h_compare_get(struct req *r, struct reply *out)
{
  struct results_seen s;
  const char *method, *field = NULL, *problem = NULL;
  json_t *asked = NULL, *res = NULL, *units = NULL, *comments = NULL, *x;
  size_t i;
  int rc = h_results_open(r, out, &s);
  if (rc) return rc;
  if ((rc = h_results_method(r, out, &method)) || (rc = take_units(r, out, s.cycle, &asked)))
    goto done;
  struct results_filter f = {.units = asked}; /* 2-6 rows, not 50,000 */
  if ((rc = results_cached_of(r->db, s.cycle, method, &f, &res, &field, &problem))) {
    rc = h_results_load_error(r, out, rc, field, problem);
    goto done;
  }
  if (!(units = json_array()) || !(comments = json_object())) {
    rc = E_NOMEM;
    goto done;
  }
  json_array_foreach(asked, i, x)
  {
    json_t *row = result_row(res, json_string_value(x));
    if (!row) { /* results list every unit of the cycle: a unit removed meanwhile */
      rc = reply_invalid(out, "units", "所选单位已不在本考核周期中");
      goto done;
    }
    if (json_array_append_new(units, compare_row(row, sees_ranks(r, &s)))) {
      rc = E_NOMEM;
      goto done;
    }
    if ((rc = unit_comments(r, &s, json_string_value(x), r->user.role == ROLE_ADMIN, comments)))
      goto done;
  }
  rc = reply_json(out, 200,
                  json_pack("{s:O,s:O,s:O,s:O,s:O}", "method", json_object_get(res, "method"),
                            "areas", json_object_get(res, "areas"), "leaves",
                            json_object_get(res, "leaves"), "units", units, "comments", comments));
done:
  json_decref(units);
  json_decref(comments);
  json_decref(asked);
  json_decref(res);
  json_decref(s.settings);
  return rc;
}

/* qsort order of heatmap rows by unit code. */
static int code_cmp(const void *a, const void *b)
{
  return strcmp(json_string_value(json_object_get(*(json_t *const *)a, "code")),
                json_string_value(json_object_get(*(json_t *const *)b, "code")));
}

/* The heatmap row of result row U of RES: per top-level area, the sum of the unit's leaf values
 * over the sum of the max of the leaves that apply to it (N/A leaves left out of both), 0..1 with
 * 2 decimals; null when every leaf of the area is N/A or the unit has no result. (Not "areas"
 * over the area's max: the N/A rescaling applies the whole rubric's factor to every area, so an
 * area with no N/A leaf of its own can pass its max.) A new object or NULL. */
static json_t *heat_row(json_t *u, json_t *res)
{
  json_t *areas = json_object_get(res, "areas"), *leaves = json_object_get(res, "leaves");
  json_t *shares = json_array(), *a, *l;
  size_t i, k;
  if (!shares) return NULL;
  json_array_foreach(areas, i, a)
  {
    double got = 0, max = 0;
    json_array_foreach(leaves, k, l)
    {
      json_t *v = json_array_get(json_object_get(u, "values"), k);
      if (!json_is_number(v) || strcmp(str_of(l, "area"), str_of(a, "code"))) continue;
      got += json_number_value(v);
      max += json_number_value(json_object_get(l, "max"));
    }
    json_t *share = max > 0 && json_is_number(json_object_get(u, "total"))
                        ? json_real(round2(got / max))
                        : json_null();
    if (json_array_append_new(shares, share)) {
      json_decref(shares);
      return NULL;
    }
  }
  return json_pack("{s:O,s:O,s:O*,s:O*,s:o}", "code", json_object_get(u, "code"), "name",
                   json_object_get(u, "name"), "kind", json_object_get(u, "kind"), "total",
                   json_object_get(u, "total"), "areas", shares);
}

int h_heatmap_get(struct req *r, struct reply *out)
{
  struct results_seen s;
  const char *method, *field = NULL, *problem = NULL;
  json_t *res = NULL, *x, *areas;
  json_t **rows = NULL;
  size_t i, n = 0;
  int rc = h_results_open(r, out, &s);
  if (rc) return rc;
  if ((rc = h_results_method(r, out, &method))) goto done;
  if ((rc = results_cached(r->db, s.cycle, method, &res, &field, &problem))) {
    rc = h_results_load_error(r, out, rc, field, problem);
    goto done;
  }
  areas = json_object_get(res, "areas");
  n = json_array_size(json_object_get(res, "units"));
  if (!(rows = calloc(n + 1, sizeof *rows))) {
    rc = E_NOMEM;
    goto done;
  }
  json_array_foreach(json_object_get(res, "units"), i, x)
  {
    if (!(rows[i] = heat_row(x, res))) {
      rc = E_NOMEM;
      goto done;
    }
  }
  /* Results list units in rank order: when ranks are hidden, the order must not tell them. */
  if (!sees_ranks(r, &s)) qsort(rows, n, sizeof *rows, code_cmp);
  json_t *list = json_array();
  if (!list) {
    rc = E_NOMEM;
    goto done;
  }
  for (i = 0; i < n; i++) {
    if (json_array_append_new(list, rows[i])) {
      rows[i] = NULL;
      json_decref(list);
      rc = E_NOMEM;
      goto done;
    }
    rows[i] = NULL;
  }
  rc = reply_json(out, 200,
                  json_pack("{s:O,s:O,s:o}", "method", json_object_get(res, "method"), "areas",
                            areas, "units", list));
done:
  if (rows)
    for (i = 0; i < n; i++) json_decref(rows[i]);
  free(rows);
  json_decref(res);
  json_decref(s.settings);
  return rc;
}

/* The history entry of result row U in RES (cycle CYCLE, YEAR, TITLE, PHASE); "rank" only when
 * WITH_RANK. A new object or NULL (out of memory). */
static json_t *history_entry(json_t *res, json_t *u, int64_t cycle, int64_t year, const char *title,
                             const char *phase, int with_rank)
{
  json_t *areas = json_array(), *values = json_object(), *x;
  size_t i;
  json_t *e = NULL;
  if (!areas || !values) goto fail;
  json_array_foreach(json_object_get(res, "areas"), i, x)
  {
    json_t *v = json_array_get(json_object_get(u, "areas"), i);
    if (json_array_append_new(areas,
                              json_pack("{s:O,s:O,s:O,s:O}", "code", json_object_get(x, "code"),
                                        "name", json_object_get(x, "name"), "max",
                                        json_object_get(x, "max"), "score", v ? v : json_null())))
      goto fail;
  }
  json_array_foreach(json_object_get(res, "leaves"), i, x)
  {
    json_t *v = json_array_get(json_object_get(u, "values"), i);
    if (json_object_set(values, json_string_value(json_object_get(x, "code")), v ? v : json_null()))
      goto fail;
  }
  e = json_pack("{s:I,s:I,s:s,s:s,s:O*,s:O*,s:o,s:O,s:o}", "cycle", (json_int_t)cycle, "year",
                (json_int_t)year, "title", title, "phase", phase, "total",
                json_object_get(u, "total"), "grade", json_object_get(u, "grade"), "areas", areas,
                "leaves", json_object_get(res, "leaves"), "values", values);
  areas = values = NULL; /* taken by json_pack, also when it fails */
  if (e && with_rank) {
    json_t *rank = json_object_get(u, "rank");
    if (json_object_set_new(e, "rank", rank ? json_incref(rank) : json_null())) goto fail;
  }
  return e;
fail:
  json_decref(areas);
  json_decref(values);
  json_decref(e);
  return NULL;
}

int h_unit_history(struct req *r, struct reply *out)
{
  const char *code = req_param(r, "unit");
  int admin = r->user.role == ROLE_ADMIN;
  json_t *unit = NULL, *cycles = NULL, *list = json_array(), *x;
  size_t i;
  int rc;
  if (!list) return E_NOMEM;
  if (!code ||
      (r->user.role == ROLE_UNIT && (!r->user.unit_code || strcmp(code, r->user.unit_code)))) {
    rc = E_NOT_FOUND;
    goto done;
  }
  db_stmt *st = db_prepare(r->db, "SELECT code, name, kind FROM unit WHERE code = :u");
  if (!st) {
    rc = E_DB;
    goto done;
  }
  if ((rc = db_bind_text(st, ":u", code))) {
    db_reset(st);
    goto done;
  }
  if ((rc = db_step(st)) == DB_ROW)
    unit = json_pack("{s:s,s:s,s:s}", "code", db_col_text(st, 0), "name", db_col_text(st, 1),
                     "kind", db_col_text(st, 2));
  db_reset(st);
  if (rc != DB_ROW) {
    rc = rc == DB_DONE ? E_NOT_FOUND : rc;
    goto done;
  }
  if (!unit) {
    rc = E_NOMEM;
    goto done;
  }
  /* The cycles the unit takes part in whose results the caller may see (h_results_open()'s
   * rule), oldest first. Collected first: results_load() runs statements of its own. */
  st = db_prepare(r->db, "SELECT c.id, c.year, c.title, c.phase FROM cycle c JOIN cycle_unit cu "
                         "ON cu.cycle_id = c.id JOIN unit u ON u.id = cu.unit_id WHERE u.code = "
                         ":u AND (c.phase IN ('publication', 'closed') OR (:admin AND c.phase = "
                         "'review')) ORDER BY c.year, c.id");
  if (!st) {
    rc = E_DB;
    goto done;
  }
  if ((rc = db_bind_text(st, ":u", code)) || (rc = db_bind_int(st, ":admin", admin))) {
    db_reset(st);
    goto done;
  }
  if (!(cycles = json_array())) {
    db_reset(st);
    rc = E_NOMEM;
    goto done;
  }
  while ((rc = db_step(st)) == DB_ROW) {
    if (json_array_append_new(cycles,
                              json_pack("{s:I,s:I,s:s,s:s}", "id", (json_int_t)db_col_int(st, 0),
                                        "year", (json_int_t)db_col_int(st, 1), "title",
                                        db_col_text(st, 2), "phase", db_col_text(st, 3)))) {
      rc = E_NOMEM;
      break;
    }
  }
  db_reset(st);
  if (rc != DB_DONE) goto done;
  json_array_foreach(cycles, i, x)
  {
    int64_t id = json_integer_value(json_object_get(x, "id")), rubric;
    json_t *settings = NULL, *res = NULL, *row;
    const char *field = NULL, *problem = NULL;
    if ((rc = results_db_cycle(r->db, id, &rubric, &settings, NULL, 0))) goto done;
    int with_rank = admin || !json_is_false(json_object_get(settings, "show_ranks"));
    json_decref(settings);
    struct results_filter f = {.unit = code};
    rc = results_cached_of(r->db, id, NULL, &f, &res, &field, &problem);
    if (rc == E_VALIDATION) continue; /* no computable result (no rubric, a stale setting) */
    if (rc) goto done;
    row = result_row(res, code);
    if (row && !strcmp(json_string_value(json_object_get(row, "status")), "ok") &&
        json_array_append_new(
            list, history_entry(res, row, id, json_integer_value(json_object_get(x, "year")),
                                json_string_value(json_object_get(x, "title")),
                                json_string_value(json_object_get(x, "phase")), with_rank))) {
      json_decref(res);
      rc = E_NOMEM;
      goto done;
    }
    json_decref(res);
  }
  rc = reply_json(out, 200, json_pack("{s:O,s:O}", "unit", unit, "cycles", list));
done:
  json_decref(unit);
  json_decref(cycles);
  json_decref(list);
  return rc;
}
