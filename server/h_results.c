/*
 * h_results.c - results, traces and statistics over HTTP (see h_results.h). The results come
 * from results_cache.c (computed by results.c from results_db.c's input, again as soon as
 * anything they depend on changed, so a change of the cycle's settings shows at once); traces
 * and statistics are computed per request; this file decides who sees what:
 *
 *   phase          admin            reviewer                 unit user
 *   draft          409              404 (cycle hidden)       404
 *   submission     409              409                      409
 *   review         everything       409                      409
 *   publication+   everything       every unit's row         its own row and the members
 *                                   (no trace, no reviewer   needed to read it (no other
 *                                   logins)                  unit's data, no reviewer logins)
 *
 * settings.show_ranks false hides rank, rank_in_kind, tied, tied_in_kind and by_method.*.rank
 * from reviewers and unit users (units then listed by code, so the order tells nothing).
 */
#include "h_results.h"

#include "db.h"
#include "err.h"
#include "results_cache.h"
#include "results_db.h"
#include "revstats.h"
#include "rubrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 1 when PHASE is publication or closed. */
static int published(const char *phase)
{
  return !strcmp(phase, "publication") || !strcmp(phase, "closed");
}

/* See h_results.h. */
int h_results_open(struct req *r, struct reply *out, struct results_seen *s)
{
  memset(s, 0, sizeof *s);
  int rc = req_param_id(r, "cycle", &s->cycle);
  if (rc) return rc;
  rc = results_db_cycle(r->db, s->cycle, &s->rubric, &s->settings, s->phase, sizeof s->phase);
  if (rc) return rc;
  s->show_ranks = !json_is_false(json_object_get(s->settings, "show_ranks"));
  int admin = r->user.role == ROLE_ADMIN;
  if (!admin && !strcmp(s->phase, "draft"))
    rc = E_NOT_FOUND;
  else if (admin && (!strcmp(s->phase, "draft") || !strcmp(s->phase, "submission"))) {
    out->detail = "考核周期尚未进入评审阶段，还没有结果可看";
    rc = E_NOT_OPEN;
  } else if (!admin && !published(s->phase)) {
    out->detail = "考核结果尚未公示，公示后才能查看";
    rc = E_NOT_OPEN;
  }
  if (rc) {
    json_decref(s->settings);
    s->settings = NULL;
  }
  return rc;
}

/* See h_results.h. */
int h_results_method(struct req *r, struct reply *out, const char **method)
{
  static const char *const known[] = {"mean", "median", "trimmed", "normalized", NULL};
  const char *m = req_query(r, "method");
  *method = NULL;
  if (!m) return E_OK;
  for (int i = 0; known[i]; i++)
    if (!strcmp(m, known[i])) {
      *method = known[i];
      return E_OK;
    }
  return reply_invalid(out, "method",
                       "汇总方法应为 mean（平均）、median（中位数）、trimmed（去掉最高最低后平均）"
                       "或 normalized（按评审尺度校正）");
}

/* See h_results.h. */
int h_results_load_error(struct req *r, struct reply *out, int rc, const char *field,
                         const char *problem)
{
  if (rc != E_VALIDATION) return rc;
  out->field = field ? arena_strdup(&r->a, field) : NULL;
  out->detail = problem ? arena_strdup(&r->a, problem) : NULL;
  if (field && (!strncmp(field, "settings.", 9) || !strcmp(field, "rubric_id"))) return E_CONFLICT;
  return E_VALIDATION;
}

/* Removes "rank" from each method of BY_METHOD ({method: {"total","rank","grade"}}; NULL is
 * fine). */
static void hide_method_ranks(json_t *by_method)
{
  const char *m;
  json_t *v;
  json_object_foreach(by_method, m, v) json_object_del(v, "rank");
}

/* Removes the rank members from the unit row U (show_ranks false). */
static void hide_ranks(json_t *u)
{
  static const char *const keys[] = {"rank", "rank_in_kind", "tied", "tied_in_kind", NULL};
  for (int i = 0; keys[i]; i++) json_object_del(u, keys[i]);
  hide_method_ranks(json_object_get(u, "by_method"));
  json_t *tr = json_object_get(u, "trace");
  if (tr) json_object_del(tr, "ranking");
}

/* qsort order of unit rows by code. */
static int row_code_cmp(const void *a, const void *b)
{
  return strcmp(json_string_value(json_object_get(*(json_t *const *)a, "code")),
                json_string_value(json_object_get(*(json_t *const *)b, "code")));
}

/* Lists the rows of UNITS by code (so that the order does not give the ranks away). E_OK or
 * E_NOMEM. */
static int sort_by_code(json_t *units)
{
  size_t n = json_array_size(units);
  json_t **v = malloc((n + 1) * sizeof *v);
  if (!v) return E_NOMEM;
  for (size_t i = 0; i < n; i++) v[i] = json_incref(json_array_get(units, i));
  qsort(v, n, sizeof *v, row_code_cmp);
  json_array_clear(units);
  int rc = E_OK;
  for (size_t i = 0; i < n; i++)
    if (json_array_append_new(units, v[i])) rc = E_NOMEM;
  free(v);
  return rc;
}

/* Replaces the reviewers' logins in trace TR by "评审专家1", "评审专家2", … in login order (the
 * order the trace lists reviewers in), for a unit user: the unit sees how its grade came
 * about, not who scored it. E_OK or E_NOMEM. */
static int mask_reviewers(json_t *tr)
{
  json_t *revs = json_object_get(tr, "reviewers"), *alias = json_object(), *x, *e;
  size_t i, k;
  if (!alias) return E_NOMEM;
  json_array_foreach(revs, i, x)
  {
    char name[48];
    snprintf(name, sizeof name, "评审专家%zu", i + 1);
    const char *login = json_string_value(json_object_get(x, "reviewer"));
    if (login) json_object_set_new(alias, login, json_string(name));
  }
  json_array_foreach(revs, i, x)
  {
    json_t *a = json_object_get(alias, json_string_value(json_object_get(x, "reviewer")));
    if (a) json_object_set(x, "reviewer", a);
  }
  json_array_foreach(json_object_get(tr, "leaves"), i, x)
  {
    json_array_foreach(json_object_get(x, "scores"), k, e)
    {
      json_t *a = json_object_get(alias, json_string_value(json_object_get(e, "reviewer")));
      if (a) json_object_set(e, "reviewer", a);
    }
  }
  json_array_foreach(json_object_get(tr, "vetoes"), i, x)
  {
    json_t *by = json_object_get(x, "by");
    json_array_foreach(by, k, e)
    {
      json_t *a = json_object_get(alias, json_string_value(e));
      if (a) json_array_set(by, k, a);
    }
  }
  json_decref(alias);
  return E_OK;
}

/* Cuts the results RES down to what unit UNIT's users may read: the unit's own row, its own
 * disagreements and sensitivity, the rubric's areas, leaves and grade bands (names and
 * limits, no counts), and counts.units (plus counts.ranked when ranks are shown). A new object
 * into *OUT (caller decrefs). E_OK or E_NOMEM. */
static int unit_view(json_t *res, const char *unit, int show_ranks, json_t **out)
{
  static const char *const keep[] = {"method", "methods", "flag_share", "areas",
                                     "leaves", "empty",   NULL};
  json_t *o = json_object(), *units = json_array(), *dis = json_array(), *sens = json_array(),
         *grades = json_array(), *x;
  size_t i;
  int rc = E_NOMEM;
  *out = NULL;
  if (!o || !units || !dis || !sens || !grades || json_object_set_new(o, "units", units) ||
      json_object_set_new(o, "disagreements", dis) || json_object_set_new(o, "sensitivity", sens) ||
      json_object_set_new(o, "grades", grades)) {
    if (!json_object_get(o, "units")) json_decref(units);
    if (!json_object_get(o, "disagreements")) json_decref(dis);
    if (!json_object_get(o, "sensitivity")) json_decref(sens);
    if (!json_object_get(o, "grades")) json_decref(grades);
    json_decref(o);
    return E_NOMEM;
  }
  for (int k = 0; keep[k]; k++)
    if (json_object_get(res, keep[k]) && json_object_set(o, keep[k], json_object_get(res, keep[k])))
      goto done;
  json_t *counts = json_object_get(res, "counts");
  if (json_object_set_new(o, "counts",
                          show_ranks
                              ? json_pack("{s:O,s:O}", "units", json_object_get(counts, "units"),
                                          "ranked", json_object_get(counts, "ranked"))
                              : json_pack("{s:O}", "units", json_object_get(counts, "units"))))
    goto done;
  json_array_foreach(json_object_get(res, "grades"), i, x)
  {
    if (json_array_append_new(grades,
                              json_pack("{s:O,s:O,s:O?,s:O?}", "name", json_object_get(x, "name"),
                                        "min", json_object_get(x, "min"), "max_share",
                                        json_object_get(x, "max_share"), "limit",
                                        json_object_get(x, "limit"))))
      goto done;
  }
  json_array_foreach(json_object_get(res, "units"), i, x)
  {
    if (strcmp(json_string_value(json_object_get(x, "code")), unit)) continue;
    if (!show_ranks) hide_ranks(x);
    if (json_array_append(units, x)) goto done;
  }
  json_array_foreach(json_object_get(res, "disagreements"), i, x)
  {
    if (!strcmp(json_string_value(json_object_get(x, "unit")), unit) && json_array_append(dis, x))
      goto done;
  }
  json_array_foreach(json_object_get(res, "sensitivity"), i, x)
  {
    if (!strcmp(json_string_value(json_object_get(x, "unit")), unit) && json_array_append(sens, x))
      goto done;
  }
  *out = o;
  o = NULL;
  rc = E_OK;
done:
  json_decref(o);
  return rc;
}

/* Cuts the results RES down in place to what a reviewer may read after publication: every
 * unit's row without traces, no per-reviewer normalization detail (other reviewers' leniency),
 * ranks only when SHOW_RANKS. E_OK or E_NOMEM. */
static int reviewer_view(json_t *res, int show_ranks)
{
  size_t i;
  json_t *x;
  json_array_foreach(json_object_get(res, "units"), i, x)
  {
    json_object_del(x, "trace");
    if (!show_ranks) hide_ranks(x);
  }
  json_t *norm = json_object_get(res, "normalization");
  if (norm) json_object_del(norm, "reviewers");
  if (!show_ranks) {
    json_t *counts = json_object_get(res, "counts");
    if (counts) json_object_del(counts, "ranked");
    return sort_by_code(json_object_get(res, "units"));
  }
  return E_OK;
}

/* The ?part= of a paged results request into *PART. E_OK or E_VALIDATION in OUT. */
static int results_part(struct req *r, struct reply *out, enum results_part *part)
{
  const char *p = req_query(r, "part");
  *part = RESULTS_UNITS;
  if (!p || !strcmp(p, "units")) return E_OK;
  if (!strcmp(p, "disagreements"))
    *part = RESULTS_DISAGREEMENTS;
  else if (!strcmp(p, "sensitivity"))
    *part = RESULTS_SENSITIVITY;
  else
    return reply_invalid(
        out, "part", "part 应为 units（单位）、disagreements（分歧）或 sensitivity（方法影响）");
  return E_OK;
}

/* A page of the results for the admin or a reviewer (h_results.h): the head, cut for a
 * reviewer, and the page of ?part= under the filters. E_OK with *OUT (caller decrefs), or an
 * error in OUT. */
static int results_page(struct req *r, struct reply *out, struct results_snap *snap, int show_ranks,
                        json_t **res)
{
  static const char *const key[] = {"units", "disagreements", "sensitivity"};
  enum results_part part;
  int64_t offset, limit, total = 0;
  struct results_filter f = {.kind = req_query(r, "kind"), .q = req_query(r, "q"), .enrich = 1};
  json_t *head = NULL, *items = NULL, *x;
  size_t i;
  int reviewer = r->user.role == ROLE_REVIEWER;
  int rc = results_part(r, out, &part);
  if (rc || (rc = req_query_int(r, out, "offset", 0, 0, INT64_MAX, &offset)) ||
      (rc = req_query_int(r, out, "limit", 50, 1, 1000, &limit)))
    return rc;
  if (f.q && strlen(f.q) > 200) return reply_invalid(out, "q", "查找的文字太长（最多 200 字节）");
  f.by_code = reviewer && !show_ranks;
  if (!(head = results_snap_head(snap, 1))) return E_NOMEM;
  if ((rc = results_snap_list(snap, part, &f, offset, limit, &items, &total))) goto done;
  if (reviewer) {
    if (!show_ranks) {
      json_t *counts = json_object_get(head, "counts");
      if (counts) json_object_del(counts, "ranked");
      json_array_foreach(items, i, x)
      {
        if (part == RESULTS_UNITS) hide_ranks(x);
        if (part == RESULTS_SENSITIVITY) hide_method_ranks(json_object_get(x, "by_method"));
      }
    }
  }
  if (json_object_set_new(head, key[part], items) ||
      json_object_set_new(head, "page",
                          json_pack("{s:s,s:I,s:I,s:I}", "part", key[part], "offset",
                                    (json_int_t)offset, "limit", (json_int_t)limit, "total",
                                    (json_int_t)total))) {
    items = NULL; /* the head's, even on failure */
    rc = E_NOMEM;
    goto done;
  }
  items = NULL;
  *res = head;
  head = NULL;
done:
  json_decref(items);
  json_decref(head);
  return rc;
}

int h_results_get(struct req *r, struct reply *out)
{
  struct results_seen s;
  struct results_snap *snap = NULL;
  const char *method, *field = NULL, *problem = NULL;
  json_t *res = NULL, *view = NULL;
  int paged = req_query(r, "limit") || req_query(r, "offset") || req_query(r, "part");
  int rc = h_results_open(r, out, &s);
  if (rc) return rc;
  if ((rc = h_results_method(r, out, &method))) goto done;
  if (r->user.role == ROLE_UNIT) {
    const char *own = r->user.unit_code ? r->user.unit_code : "";
    struct results_filter f = {.unit = own};
    if ((rc = results_cached_of(r->db, s.cycle, method, &f, &res, &field, &problem))) {
      rc = h_results_load_error(r, out, rc, field, problem);
      goto done;
    }
    if ((rc = unit_view(res, own, s.show_ranks, &view))) goto done;
  } else if ((rc = results_snap_get(r->db, s.cycle, method, &snap, &field, &problem))) {
    rc = h_results_load_error(r, out, rc, field, problem);
    goto done;
  } else if (paged) {
    if ((rc = results_page(r, out, snap, s.show_ranks, &view))) goto done;
  } else if (r->user.role == ROLE_ADMIN) { /* everything as it is: no need to parse it */
    char *text;
    size_t len;
    if ((rc = results_snap_text(snap, "{\"results\":", "}", &text, &len))) goto done;
    rc = reply_json_text(out, 200, text, len);
    goto done;
  } else {
    if ((rc = results_snap_full(snap, &res))) goto done;
    if (r->user.role == ROLE_REVIEWER && (rc = reviewer_view(res, s.show_ranks))) goto done;
    view = res;
    res = NULL;
  }
  rc = reply_json(out, 200, json_pack("{s:o}", "results", view));
done:
  results_snap_release(snap);
  json_decref(res);
  json_decref(s.settings);
  return rc;
}

/* Whether unit CODE takes part in cycle CYCLE, into *YES. E_OK or a db error. */
static int in_cycle(struct req *r, int64_t cycle, const char *code, int64_t *yes)
{
  db_stmt *st = db_prepare(r->db, "SELECT EXISTS (SELECT 1 FROM cycle_unit cu JOIN unit u ON "
                                  "u.id = cu.unit_id WHERE cu.cycle_id = :c AND u.code = :code)");
  int rc;
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":c", cycle)) || (rc = db_bind_text(st, ":code", code))) {
    db_reset(st);
    return rc;
  }
  return db_one_int(st, yes);
}

/* Adds to every score of the trace TR (unit CODE of cycle CYCLE, rubric RUBRIC; reviewers
 * still as logins) the reviewer's "comment" on that leaf from their submitted sheet ("" when
 * none). E_OK, E_NOMEM or a db error. */
static int add_comments(struct req *r, int64_t cycle, int64_t rubric, const char *code, json_t *tr)
{
  db_stmt *st = db_prepare(
      r->db, "SELECT us.login, i.code, s.comment FROM assignment a JOIN unit u ON u.id = "
             "a.unit_id JOIN user us ON us.id = a.user_id JOIN score s ON s.assignment_id = a.id "
             "JOIN indicator i ON i.id = s.indicator_id WHERE a.cycle_id = :c AND u.code = :u AND "
             "a.kind = 'review' AND a.status = 'submitted' AND i.rubric_id = :r AND s.comment <> "
             "''");
  json_t *by = json_object(); /* "login\ncode" → comment */
  int rc;
  if (!st || !by) {
    json_decref(by);
    return st ? E_NOMEM : E_DB;
  }
  if ((rc = db_bind_int(st, ":c", cycle)) || (rc = db_bind_text(st, ":u", code)) ||
      (rc = db_bind_int(st, ":r", rubric))) {
    db_reset(st);
    json_decref(by);
    return rc;
  }
  while ((rc = db_step(st)) == DB_ROW) {
    const char *k = arena_printf(&r->a, "%s\n%s", db_col_text(st, 0), db_col_text(st, 1));
    if (!k || json_object_set_new(by, k, json_string(db_col_text(st, 2)))) {
      rc = E_NOMEM;
      break;
    }
  }
  db_reset(st);
  if (rc != DB_DONE) {
    json_decref(by);
    return rc;
  }
  size_t i, k;
  json_t *l, *e;
  json_array_foreach(json_object_get(tr, "leaves"), i, l)
  {
    const char *leaf = json_string_value(json_object_get(l, "code"));
    json_array_foreach(json_object_get(l, "scores"), k, e)
    {
      const char *login = json_string_value(json_object_get(e, "reviewer"));
      const char *key = arena_printf(&r->a, "%s\n%s", login ? login : "", leaf ? leaf : "");
      json_t *c = key ? json_object_get(by, key) : NULL;
      if (!key || json_object_set_new(e, "comment", c ? json_incref(c) : json_string(""))) {
        json_decref(by);
        return E_NOMEM;
      }
    }
  }
  json_decref(by);
  return E_OK;
}

int h_result_trace(struct req *r, struct reply *out)
{
  struct results_seen s;
  const char *method, *field = NULL, *problem = NULL, *code = req_param(r, "unit");
  json_t *res = NULL, *trace = NULL, *row = NULL, *x;
  int64_t yes = 0;
  size_t i;
  int rc = h_results_open(r, out, &s);
  if (rc) return rc;
  out->detail = NULL;
  if (!code ||
      (r->user.role == ROLE_UNIT && (!r->user.unit_code || strcmp(code, r->user.unit_code)))) {
    rc = E_NOT_FOUND;
    goto done;
  }
  if ((rc = in_cycle(r, s.cycle, code, &yes))) goto done;
  if (!yes) {
    rc = E_NOT_FOUND;
    goto done;
  }
  if ((rc = h_results_method(r, out, &method))) goto done;
  if (!(trace = json_pack("[s]", code))) {
    rc = E_NOMEM;
    goto done;
  }
  if ((rc = results_load(r->db, s.cycle, method, trace, &res, &field, &problem))) {
    rc = h_results_load_error(r, out, rc, field, problem);
    goto done;
  }
  json_array_foreach(json_object_get(res, "units"), i, x)
  {
    if (!strcmp(json_string_value(json_object_get(x, "code")), code)) row = x;
  }
  if (!row) {
    rc = E_NOT_FOUND;
    goto done;
  }
  /* A unit without sheets has no trace from the engine: an empty one keeps the shape. */
  if (!json_object_get(row, "trace") && json_object_set_new(row, "trace", json_null())) {
    rc = E_NOMEM;
    goto done;
  }
  if (json_is_object(json_object_get(row, "trace")) &&
      (rc = add_comments(r, s.cycle, s.rubric, code, json_object_get(row, "trace"))))
    goto done;
  if (r->user.role == ROLE_UNIT) {
    if (!s.show_ranks) hide_ranks(row);
    if ((rc = mask_reviewers(json_object_get(row, "trace")))) goto done;
  }
  rc = reply_json(out, 200, json_pack("{s:O}", "unit", row));
done:
  json_decref(res);
  json_decref(trace);
  json_decref(s.settings);
  return rc;
}

int h_statistics_get(struct req *r, struct reply *out)
{
  struct results_seen s;
  json_t *rubric = NULL, *assignments = NULL, *sheets = NULL, *stats = NULL;
  const char *problem = NULL;
  int rc = h_results_open(r, out, &s);
  if (rc) return rc;
  if (!s.rubric) {
    out->field = "rubric_id";
    out->detail = "该考核周期还没有选定评分细则，无法统计";
    rc = E_CONFLICT;
    goto done;
  }
  /* At national scale these are whole JSON arrays (revstats.h has no streaming interface):
   * roughly 100 bytes per score, acceptable for a county or a province. */
  if ((rc = rubric_get(r->db, s.rubric, &rubric)) ||
      (rc = results_db_assignments(r->db, s.cycle, &assignments)) ||
      (rc = results_db_sheets(r->db, s.cycle, s.rubric, &sheets)))
    goto done;
  if ((rc = revstats_compute(rubric, assignments, sheets, &stats, &problem))) {
    if (rc == E_VALIDATION) {
      out->detail = problem ? arena_strdup(&r->a, problem) : NULL;
      rc = E_INTERNAL; /* stored data the engine refuses: a bug, not the caller's input */
    }
    goto done;
  }
  rc = reply_json(out, 200, json_pack("{s:o}", "statistics", stats));
done:
  json_decref(rubric);
  json_decref(assignments);
  json_decref(sheets);
  json_decref(s.settings);
  return rc;
}
