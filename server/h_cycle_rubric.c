/*
 * h_cycle_rubric.c - a cycle's rubric: chosen at creation, switched with its scores carried
 * over (see h_cycle_rubric.h).
 */
#include "h_cycle_rubric.h"

#include "audit.h"
#include "db.h"
#include "embedded.h"
#include "err.h"
#include "json.h"
#include "rubric_diff.h"
#include "rubrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Stores RB (a portable tree) as a new rubric derived from FROM (0 = none) and audits it. */
static int store_copy(struct req *r, struct reply *out, json_t *rb, int64_t from, int64_t *id)
{
  const char *field = NULL, *problem = NULL;
  int rc = rubric_validate(r->db, rb, &field, &problem);
  if (rc == E_VALIDATION) {
    /* A stored rubric no longer passes (e.g. a unit kind it names was removed). */
    out->field = from ? "rubric_copy_from" : "rubric_template";
    out->detail = arena_printf(&r->a, "无法复制该评分细则：%s", problem);
    return rc;
  }
  if (rc || (rc = rubric_insert(r->db, rb, 0, from, (int64_t)time(NULL), id))) return rc;
  char object[32];
  snprintf(object, sizeof object, "rubric:%lld", (long long)*id);
  json_t *d =
      json_pack("{s:O,s:o,s:s}", "name", json_object_get(rb, "name"), "derived_from",
                from ? json_integer(from) : json_null(), "source", from ? "copy" : "template");
  char *dt = d ? json_dumps(d, JSON_COMPACT) : NULL;
  json_decref(d);
  rc = dt ? audit_write(r->db, r->user.id, r->user.login, "rubric.create", object, dt, r->client)
          : E_NOMEM;
  free(dt);
  return rc;
}

int cycle_rubric_choose(struct req *r, struct reply *out, int64_t *id)
{
  json_t *body = r->jbody;
  int64_t use = 0, copy = 0;
  int rc, chosen = 0;
  *id = 0;
  if ((rc = json_take_int(out, body, "rubric_id", 0, 1, INT64_MAX, &use)) ||
      (rc = json_take_int(out, body, "rubric_copy_from", 0, 1, INT64_MAX, &copy)))
    return rc;
  json_t *tpl = json_object_get(body, "rubric_template");
  if (tpl && !json_is_boolean(tpl))
    return reply_invalid(out, "rubric_template", "应为 true 或 false");
  chosen = (use != 0) + (copy != 0) + json_is_true(tpl);
  if (chosen > 1)
    return reply_invalid(out, "rubric_id",
                         "rubric_id、rubric_copy_from 和 rubric_template 只能选一个");
  if (use) {
    int exists = 0;
    if ((rc = rubric_exists(r->db, use, &exists))) return rc;
    if (!exists) return reply_invalid(out, "rubric_id", "没有这个评分细则");
    *id = use;
    return E_OK;
  }
  if (copy) {
    json_t *rb = NULL;
    rc = rubric_get(r->db, copy, &rb);
    if (rc == E_NOT_FOUND) return reply_invalid(out, "rubric_copy_from", "没有这个评分细则");
    if (rc) return rc;
    json_t *portable = rubric_portable(rb);
    json_decref(rb);
    rc = portable ? store_copy(r, out, portable, copy, id) : E_NOMEM;
    json_decref(portable);
    return rc;
  }
  if (json_is_true(tpl)) {
    const struct embedded_file *f =
        embedded_find(res_files, res_files_count, "/demo/rubric-default.json");
    json_t *j = f ? json_loadb((const char *)f->data, f->len, 0, NULL) : NULL;
    if (!j) return E_INTERNAL;
    rc = store_copy(r, out, j, 0, id);
    json_decref(j);
    return rc;
  }
  return E_OK;
}

/* Binds :c and :to of ST; E_OK or the bind error (ST reset). */
static int bind2(db_stmt *st, int64_t cycle, int64_t to)
{
  int rc;
  if ((rc = db_bind_int(st, ":c", cycle)) || (rc = db_bind_int(st, ":to", to))) db_reset(st);
  return rc;
}

/* The indicator of rubric :to with the same code and kind as indicator X.id. */
#define SAME_IN_TO                                                                                 \
  "(SELECT n.id FROM indicator o JOIN indicator n ON n.rubric_id = :to AND n.code = o.code "       \
  "AND n.kind = o.kind WHERE o.id = X.indicator_id)"

/* The counts of a switch of CYCLE to TO into *OUT ({"scores":{…},"evidence":{…}}). */
static int counts(struct db *db, int64_t cycle, int64_t to, json_t **out)
{
  db_stmt *st = db_prepare(
      db, "SELECT count(*), coalesce(sum(m.nid IS NOT NULL), 0), coalesce(sum(m.nid IS NOT "
          "NULL AND m.points > (SELECT max_points FROM indicator WHERE id = m.nid)), 0) FROM "
          "(SELECT X.points, " SAME_IN_TO " AS nid FROM score X JOIN assignment a ON a.id = "
          "X.assignment_id WHERE a.cycle_id = :c) m");
  int rc;
  *out = NULL;
  if (!st) return E_DB;
  if ((rc = bind2(st, cycle, to))) return rc;
  if ((rc = db_step(st)) != DB_ROW) {
    db_reset(st);
    return rc == DB_DONE ? E_INTERNAL : rc;
  }
  int64_t total = db_col_int(st, 0), kept = db_col_int(st, 1), clamped = db_col_int(st, 2);
  db_reset(st);
  st = db_prepare(db, "SELECT count(*), coalesce(sum(" SAME_IN_TO " IS NULL), 0) FROM evidence "
                      "X JOIN assignment a ON a.id = X.assignment_id WHERE a.cycle_id = :c");
  if (!st) return E_DB;
  if ((rc = bind2(st, cycle, to))) return rc;
  if ((rc = db_step(st)) != DB_ROW) {
    db_reset(st);
    return rc == DB_DONE ? E_INTERNAL : rc;
  }
  *out = json_pack("{s:{s:I,s:I,s:I,s:I},s:{s:I,s:I}}", "scores", "total", (json_int_t)total,
                   "kept", (json_int_t)kept, "dropped", (json_int_t)(total - kept), "clamped",
                   (json_int_t)clamped, "evidence", "total", (json_int_t)db_col_int(st, 0),
                   "dropped", (json_int_t)db_col_int(st, 1));
  db_reset(st);
  return *out ? E_OK : E_NOMEM;
}

int cycle_rubric_preview(struct db *db, int64_t cycle, int64_t to, json_t **out)
{
  int64_t from = 0, sheets = 0, submitted = 0;
  *out = NULL;
  db_stmt *st = db_prepare(
      db, "SELECT coalesce(c.rubric_id, 0), (SELECT count(*) FROM assignment a WHERE "
          "a.cycle_id = c.id), (SELECT count(*) FROM assignment a WHERE a.cycle_id = c.id AND "
          "a.status = 'submitted') FROM cycle c WHERE c.id = :c");
  int rc;
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":c", cycle))) {
    db_reset(st);
    return rc;
  }
  if ((rc = db_step(st)) != DB_ROW) {
    db_reset(st);
    return rc == DB_DONE ? E_NOT_FOUND : rc;
  }
  from = db_col_int(st, 0);
  sheets = db_col_int(st, 1);
  submitted = db_col_int(st, 2);
  db_reset(st);
  json_t *a = NULL, *b = NULL, *c = NULL;
  if ((rc = rubric_get(db, to, &b)) || (from && (rc = rubric_get(db, from, &a))) ||
      (rc = counts(db, cycle, to, &c)))
    goto done;
  json_t *diff = a ? rubric_diff(a, b) : json_null();
  int64_t scored = json_integer_value(json_object_get(json_object_get(c, "scores"), "total"));
  *out = json_pack("{s:o,s:o,s:o,s:O,s:O,s:I,s:I,s:b}", "from", a ? rubric_ident(a) : json_null(),
                   "to", rubric_ident(b), "diff", diff, "scores", json_object_get(c, "scores"),
                   "evidence", json_object_get(c, "evidence"), "sheets", (json_int_t)sheets,
                   "submitted", (json_int_t)submitted, "confirm_required", scored > 0);
  rc = *out ? E_OK : E_NOMEM;
done:
  json_decref(a);
  json_decref(b);
  json_decref(c);
  return rc;
}

int cycle_rubric_switch(struct db *db, int64_t cycle, int64_t to, int confirmed, json_t **out)
{
  int rc = counts(db, cycle, to, out);
  if (rc) return rc;
  if (!confirmed && json_integer_value(json_object_get(json_object_get(*out, "scores"), "total"))) {
    json_decref(*out);
    *out = NULL;
    return E_CONFLICT;
  }
  /* Evidence and scores on indicators TO does not have go; the rest move over by code, and
   * points above a new maximum are cut to it. SET expressions see the row before the update. */
  static const char *const sql[] = {
      "DELETE FROM evidence AS X WHERE X.assignment_id IN (SELECT id FROM assignment WHERE "
      "cycle_id = :c) AND " SAME_IN_TO " IS NULL",
      "UPDATE evidence AS X SET indicator_id = " SAME_IN_TO " WHERE X.assignment_id IN (SELECT "
      "id FROM assignment WHERE cycle_id = :c)",
      "DELETE FROM score AS X WHERE X.assignment_id IN (SELECT id FROM assignment WHERE "
      "cycle_id = :c) AND " SAME_IN_TO " IS NULL",
      "UPDATE score AS X SET points = CASE WHEN X.points > (SELECT max_points FROM indicator "
      "WHERE id = " SAME_IN_TO ") THEN (SELECT max_points FROM indicator WHERE id = " SAME_IN_TO
      ") ELSE X.points END, indicator_id = " SAME_IN_TO " WHERE X.assignment_id IN (SELECT id "
      "FROM assignment WHERE cycle_id = :c)",
      "DELETE FROM indicator_na AS X WHERE X.cycle_id = :c AND " SAME_IN_TO " IS NULL",
      "UPDATE indicator_na AS X SET indicator_id = " SAME_IN_TO " WHERE X.cycle_id = :c",
      "UPDATE cycle SET rubric_id = :to WHERE id = :c",
  };
  for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++) {
    db_stmt *st = db_prepare(db, sql[i]);
    if (!st)
      rc = E_DB;
    else if (!(rc = bind2(st, cycle, to)))
      rc = db_run(st);
    if (rc) {
      json_decref(*out);
      *out = NULL;
      return rc;
    }
  }
  return E_OK;
}

int h_cycle_rubric_change(struct req *r, struct reply *out)
{
  int64_t cycle, to;
  int rc = req_param_id(r, "cycle", &cycle);
  if (rc || (rc = req_query_int(r, out, "to", 0, 0, INT64_MAX, &to))) return rc;
  if (!to) return reply_invalid(out, "to", "请选择要换用的评分细则（to=编号）");
  json_t *p = NULL;
  rc = cycle_rubric_preview(r->db, cycle, to, &p);
  if (rc == E_NOT_FOUND) {
    /* Which one is missing: the cycle (404) or the rubric (a bad `to`). */
    int exists = 1;
    if (!rubric_exists(r->db, to, &exists) && !exists)
      return reply_invalid(out, "to", "没有这个评分细则");
  }
  return rc ? rc : reply_json(out, 200, p);
}
