/*
 * h_review.c - the scoring page's data and the caller's work list (see h_review.h): who sees
 * which sheet, what the cycle's settings let them see of the others, blind review (the unit
 * as "~ID", its names masked in the text, the quotes and the comments), and the keyword
 * passages (hints.h) of every applicable leaf.
 */
#include "h_review.h"

#include "authz.h"
#include "db.h"
#include "dbjson.h"
#include "err.h"
#include "h_cycles.h"
#include "hints.h"
#include "reports.h"
#include "rubrics.h"
#include "sheets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A unit's neutral name in a blind cycle, with its assignment id (the UI may translate it:
 * "blind" is true beside it). */
#define BLIND_NAME "匿名单位 %lld"

/* SQL: indicator i (a leaf) applies to unit un in cycle c: by kind (applies_to) and not marked
 * not applicable for the unit by the office (indicator_na). */
#define APPLIES                                                                                    \
  "(i.applies_to IS NULL OR EXISTS (SELECT 1 FROM json_each(i.applies_to) WHERE value = "          \
  "un.kind)) AND NOT EXISTS (SELECT 1 FROM indicator_na x WHERE x.cycle_id = c.id AND "            \
  "x.unit_id = un.id AND x.indicator_id = i.id)"

static json_t *int_or_null(db_stmt *st, int i)
{
  return db_col_is_null(st, i) ? json_null() : json_integer(db_col_int(st, i));
}

static int phase_rank(const char *p)
{
  static const char *const phases[] = {"draft", "submission", "review", "publication", "closed"};
  for (int i = 0; i < 5; i++)
    if (!strcmp(p, phases[i])) return i;
  return -1;
}

/* Everything the scoring page is about, gathered before the answer is built. */
struct page {
  int64_t cycle, unit, rubric;
  char phase[16];
  json_t *cy;       /* {"id","year","title","phase","submission_deadline","review_deadline",
                       "settings"} */
  json_t *settings; /* borrowed from cy */
  json_t *unit_j;   /* {"code","name","kind","kind_name","blind"} */
  char kind[32];    /* the unit's kind code */
  int64_t mine;     /* the sheet shown as "sheet" (0 = none) */
  char status[16];  /* its status ("" = none) */
  int blind;        /* a reviewer in a blind cycle */
  json_t *names;    /* the names to mask (blind), or NULL */
};

/* The cycle of the path (drafts only for the admin) into P. */
static int load_cycle(struct req *r, struct page *p)
{
  db_stmt *st = db_prepare(r->db, "SELECT id, year, title, phase, submission_deadline, "
                                  "review_deadline, settings, coalesce(rubric_id, 0) FROM cycle "
                                  "WHERE id = :c AND (:admin OR phase <> 'draft')");
  int rc;
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":c", p->cycle)) ||
      (rc = db_bind_int(st, ":admin", r->user.role == ROLE_ADMIN))) {
    db_reset(st);
    return rc;
  }
  if ((rc = db_step(st)) != DB_ROW) {
    db_reset(st);
    return rc == DB_DONE ? E_NOT_FOUND : rc;
  }
  snprintf(p->phase, sizeof p->phase, "%s", db_col_text(st, 3));
  p->rubric = db_col_int(st, 7);
  p->settings = cycle_settings(db_col_text(st, 6));
  p->cy = json_pack("{s:I,s:I,s:s,s:s,s:o,s:o,s:O}", "id", (json_int_t)db_col_int(st, 0), "year",
                    (json_int_t)db_col_int(st, 1), "title", db_col_text(st, 2), "phase", p->phase,
                    "submission_deadline", int_or_null(st, 4), "review_deadline",
                    int_or_null(st, 5), "settings", p->settings);
  db_reset(st);
  json_decref(p->settings); /* cy holds it */
  if (!p->cy) p->settings = NULL;
  return p->cy ? E_OK : E_NOMEM;
}

/* The unit of the path, taking part in the cycle, into P (code, name, kind). */
static int load_unit(struct req *r, struct page *p, char *code, size_t codecap, char *name,
                     size_t namecap, char *kind_name, size_t kncap)
{
  db_stmt *st = db_prepare(r->db, "SELECT un.code, un.name, un.kind, k.name FROM cycle_unit cu "
                                  "JOIN unit un ON un.id = cu.unit_id JOIN unit_kind k ON k.code "
                                  "= un.kind WHERE cu.cycle_id = :c AND cu.unit_id = :u");
  int rc;
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":c", p->cycle)) || (rc = db_bind_int(st, ":u", p->unit))) {
    db_reset(st);
    return rc;
  }
  if ((rc = db_step(st)) == DB_ROW) {
    snprintf(code, codecap, "%s", db_col_text(st, 0));
    snprintf(name, namecap, "%s", db_col_text(st, 1));
    snprintf(p->kind, sizeof p->kind, "%s", db_col_text(st, 2));
    snprintf(kind_name, kncap, "%s", db_col_text(st, 3));
  }
  db_reset(st);
  return rc == DB_ROW ? E_OK : rc == DB_DONE ? E_NOT_FOUND : rc;
}

/* The first sheet of SQL (bound to :c and :u, and to :me (the caller) or :s (SHEET) as BIND
 * says) into P->mine and P->status; none = 0. */
enum { BIND_ME = 1, BIND_SHEET = 2 };
static int find_sheet(struct req *r, struct page *p, const char *sql, int bind, int64_t sheet)
{
  db_stmt *st = db_prepare(r->db, sql);
  int rc;
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":c", p->cycle)) || (rc = db_bind_int(st, ":u", p->unit)) ||
      ((bind & BIND_ME) && (rc = db_bind_int(st, ":me", r->user.id))) ||
      ((bind & BIND_SHEET) && (rc = db_bind_int(st, ":s", sheet)))) {
    db_reset(st);
    return rc;
  }
  if ((rc = db_step(st)) == DB_ROW) {
    p->mine = db_col_int(st, 0);
    snprintf(p->status, sizeof p->status, "%s", db_col_text(st, 1));
  }
  db_reset(st);
  return rc == DB_ROW || rc == DB_DONE ? E_OK : rc;
}

/* The caller's sheet on the page: a reviewer's own review sheet (404 when not assigned or
 * recused), a unit user's self-assessment (may not exist yet), the admin's ?sheet= (404 when
 * it is not one of the unit's sheets in the cycle). */
static int caller_sheet(struct req *r, struct page *p, int64_t sheet)
{
  int rc;
  if (r->user.role == ROLE_REVIEWER) {
    if (r->user.unit_id == p->unit) return E_NOT_FOUND;
    rc = find_sheet(r, p,
                    "SELECT id, status FROM assignment WHERE cycle_id = :c AND unit_id = :u AND "
                    "user_id = :me AND kind = 'review' AND status <> 'recused'",
                    BIND_ME, 0);
    return rc ? rc : p->mine ? E_OK : E_NOT_FOUND;
  }
  if (r->user.role == ROLE_UNIT) {
    if (r->user.unit_id != p->unit) return E_NOT_FOUND;
    return find_sheet(r, p,
                      "SELECT id, status FROM assignment WHERE cycle_id = :c AND unit_id = :u "
                      "AND kind = 'self' ORDER BY id LIMIT 1",
                      0, 0);
  }
  if (!sheet) return E_OK;
  rc = find_sheet(r, p,
                  "SELECT id, status FROM assignment WHERE id = :s AND cycle_id = :c AND "
                  "unit_id = :u",
                  BIND_SHEET, sheet);
  return rc ? rc : p->mine ? E_OK : E_NOT_FOUND;
}

/* Masks the names of P in string member KEY of OBJ (blind pages only). */
static int mask_in(struct page *p, json_t *obj, const char *key)
{
  json_t *v = json_object_get(obj, key);
  if (!p->blind || !json_is_string(v)) return E_OK;
  size_t n;
  char *m = hints_mask(json_string_value(v), json_string_length(v), p->names, 0, &n);
  if (!m) return E_NOMEM;
  int rc = json_object_set_new(obj, key, json_stringn(m, n)) ? E_NOMEM : E_OK;
  free(m);
  return rc;
}

/* The unit's current report as the page shows it into *OUT (JSON null without one): {"id",
 * "version","filename","text","sections","headings"}; on a blind page the names are masked in
 * the text, the sections' headings and the headings list, and the file name is null. */
static int page_report(struct req *r, struct page *p, json_t **out)
{
  json_t *rep = NULL;
  int rc = report_get(r->db, p->cycle, p->unit, 0, 1, &rep);
  *out = NULL;
  if (rc == E_NOT_FOUND) {
    *out = json_null();
    return E_OK;
  }
  if (rc) return rc;
  json_t *headings = json_object_get(rep, "headings");
  json_t *j =
      json_pack("{s:O,s:O,s:O,s:O,s:O,s:o}", "id", json_object_get(rep, "id"), "version",
                json_object_get(rep, "version"), "filename", json_object_get(rep, "filename"),
                "text", json_object_get(rep, "text"), "sections", json_object_get(rep, "sections"),
                "headings", json_is_array(headings) ? json_incref(headings) : json_array());
  json_decref(rep);
  if (!j) return E_NOMEM;
  if (p->blind) {
    json_object_set_new(j, "filename", json_null());
    json_t *sections = json_deep_copy(json_object_get(j, "sections"));
    size_t i;
    json_t *s;
    rc = mask_in(p, j, "text");
    json_array_foreach(sections, i, s)
    {
      if (!rc) rc = mask_in(p, s, "heading");
    }
    json_object_set_new(j, "sections", sections ? sections : json_array());
    json_t *heads = json_deep_copy(json_object_get(j, "headings"));
    json_array_foreach(heads, i, s)
    {
      if (!rc) rc = mask_in(p, s, "text");
    }
    json_object_set_new(j, "headings", heads ? heads : json_array());
  }
  if (rc) {
    json_decref(j);
    return rc;
  }
  *out = j;
  return E_OK;
}

/* The leaves of the cycle's rubric for the unit: *HINT_LEAVES {"code": [keywords]} for the
 * applicable leaves that have keywords, *NA [codes] of those that do not apply. */
static int page_leaves(struct req *r, struct page *p, json_t **hint_leaves, json_t **na)
{
  *hint_leaves = json_object();
  *na = json_array();
  if (!*hint_leaves || !*na) return E_NOMEM;
  db_stmt *st = db_prepare(r->db, "SELECT i.code, i.keywords, " APPLIES
                                  " FROM indicator i JOIN cycle c ON c.id = :c JOIN unit un ON "
                                  "un.id = :u WHERE i.rubric_id = :r AND i.kind = 'item' ORDER "
                                  "BY i.id");
  int rc;
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":c", p->cycle)) || (rc = db_bind_int(st, ":u", p->unit)) ||
      (rc = db_bind_int(st, ":r", p->rubric))) {
    db_reset(st);
    return rc;
  }
  while ((rc = db_step(st)) == DB_ROW) {
    const char *code = db_col_text(st, 0);
    if (!db_col_int(st, 2)) {
      json_array_append_new(*na, json_string(code));
      continue;
    }
    json_t *kw = json_loads(db_col_text(st, 1), 0, NULL);
    if (json_is_array(kw) && json_array_size(kw))
      json_object_set_new(*hint_leaves, code, kw);
    else
      json_decref(kw);
  }
  db_reset(st);
  return rc == DB_DONE ? E_OK : rc;
}

/* Sheet ID as another sheet beside the caller's: {"reviewer"?,"status","total","items"}
 * (REVIEWER: the author's display name, NULL for the self-assessment). */
static int side_sheet(struct req *r, struct page *p, int64_t id, const char *reviewer, json_t **out)
{
  json_t *s = NULL;
  int rc = sheet_load_as(r->db, id, p->blind ? SHEET_BLIND : SHEET_PLAIN, &s);
  *out = NULL;
  if (rc) return rc;
  json_t *j = json_pack("{s:O,s:O,s:O}", "status", json_object_get(s, "status"), "total",
                        json_object_get(s, "total"), "items", json_object_get(s, "items"));
  if (j && reviewer) json_object_set_new(j, "reviewer", json_string(reviewer));
  json_decref(s);
  *out = j;
  return j ? E_OK : E_NOMEM;
}

/* "others": the other submitted review sheets of the unit, when the caller may see them
 * (JSON null otherwise). */
static int page_others(struct req *r, struct page *p, json_t **out)
{
  *out = NULL;
  int see = r->user.role == ROLE_ADMIN;
  if (r->user.role == ROLE_REVIEWER) {
    const char *reveal = json_string_value(json_object_get(p->settings, "reveal_others"));
    see = reveal && (!strcmp(reveal, "always") ||
                     (!strcmp(reveal, "after_submit") && !strcmp(p->status, "submitted")));
  }
  if (!see) {
    *out = json_null();
    return E_OK;
  }
  db_stmt *st = db_prepare(r->db, "SELECT a.id, u.display_name FROM assignment a JOIN user u ON "
                                  "u.id = a.user_id WHERE a.cycle_id = :c AND a.unit_id = :u AND "
                                  "a.kind = 'review' AND a.status = 'submitted' AND a.id <> :me "
                                  "ORDER BY a.submitted_at, a.id");
  int rc;
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":c", p->cycle)) || (rc = db_bind_int(st, ":u", p->unit)) ||
      (rc = db_bind_int(st, ":me", p->mine))) {
    db_reset(st);
    return rc;
  }
  /* Collect first: loading a sheet runs other statements. */
  json_t *ids = json_array(), *list = json_array();
  while (ids && (rc = db_step(st)) == DB_ROW)
    json_array_append_new(ids,
                          json_pack("[I,s]", (json_int_t)db_col_int(st, 0), db_col_text(st, 1)));
  db_reset(st);
  if (!ids || !list) rc = E_NOMEM;
  if (rc == DB_DONE) rc = E_OK;
  size_t i;
  json_t *x;
  json_array_foreach(ids, i, x)
  {
    json_t *o = NULL;
    if (rc || (rc = side_sheet(r, p, json_integer_value(json_array_get(x, 0)),
                               json_string_value(json_array_get(x, 1)), &o)))
      break;
    json_array_append_new(list, o);
  }
  json_decref(ids);
  if (rc) {
    json_decref(list);
    return rc;
  }
  *out = list;
  return E_OK;
}

/* "self": the unit's self-assessment beside a reviewer's sheet (when show_self is on, once it
 * is submitted or the submission phase is over) or the admin's; JSON null otherwise. */
static int page_self(struct req *r, struct page *p, json_t **out)
{
  *out = json_null();
  if (r->user.role == ROLE_UNIT) return E_OK;
  int64_t id = 0;
  char status[16] = "";
  db_stmt *st = db_prepare(r->db, "SELECT id, status FROM assignment WHERE cycle_id = :c AND "
                                  "unit_id = :u AND kind = 'self' ORDER BY id LIMIT 1");
  int rc;
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":c", p->cycle)) || (rc = db_bind_int(st, ":u", p->unit))) {
    db_reset(st);
    return rc;
  }
  if ((rc = db_step(st)) == DB_ROW) {
    id = db_col_int(st, 0);
    snprintf(status, sizeof status, "%s", db_col_text(st, 1));
  }
  db_reset(st);
  if (rc != DB_ROW && rc != DB_DONE) return rc;
  if (!id || id == p->mine) return E_OK;
  if (r->user.role == ROLE_REVIEWER &&
      (!json_is_true(json_object_get(p->settings, "show_self")) ||
       (strcmp(status, "submitted") && phase_rank(p->phase) < phase_rank("review"))))
    return E_OK;
  json_t *s = NULL;
  if ((rc = side_sheet(r, p, id, NULL, &s))) return rc;
  *out = s;
  return E_OK;
}

/* Why the caller cannot change the sheet on the page, or NULL when they can. */
static const char *readonly_reason(struct req *r, struct page *p)
{
  if (r->user.role == ROLE_ADMIN) return "考核办只能查看评分表，不能代为打分";
  if (!p->rubric) return "该考核周期还没有选定评分细则，暂不能打分";
  if (r->user.role == ROLE_UNIT) {
    if (strcmp(p->phase, "submission")) return "自评只能在报告填报阶段进行，现在只能查看";
    if (!strcmp(p->status, "submitted")) return "自评表已提交；如需修改，请联系考核办退回";
    return NULL;
  }
  if (strcmp(p->phase, "review")) return "当前不在评审阶段，评分表只读";
  if (!strcmp(p->status, "submitted")) return "评分表已提交；如需修改，请联系考核办退回";
  return NULL;
}

/* The step scores move in on the page: the cycle's, else the rubric's, else the default. */
static double page_step(struct page *p, json_t *rubric)
{
  json_t *s = json_object_get(p->settings, "score_step");
  if (json_is_number(s) && json_number_value(s) > 0) return json_number_value(s);
  s = json_object_get(json_object_get(rubric, "rules"), "score_step");
  if (json_is_number(s) && json_number_value(s) > 0) return json_number_value(s);
  return SHEET_DEFAULT_STEP;
}

int h_scoring_get(struct req *r, struct reply *out)
{
  struct page p;
  memset(&p, 0, sizeof p);
  int64_t tilde = 0, sheet = 0;
  json_t *unit = NULL, *report = NULL, *rubric = NULL, *mine = NULL, *hint_leaves = NULL,
         *na = NULL, *hints = NULL, *others = NULL, *self = NULL;
  char code[64], name[256], kind_name[64];
  int rc = req_param_id(r, "cycle", &p.cycle);
  if (rc || (rc = load_cycle(r, &p))) goto done;
  if ((rc = authz_scoring_unit(r, p.cycle, &p.unit, &tilde))) goto done;
  if ((rc = req_query_int(r, out, "sheet", 0, 1, INT64_MAX, &sheet))) goto done;
  if (sheet && r->user.role != ROLE_ADMIN) {
    rc = reply_invalid(out, "sheet", "只有考核办可以指定要查看的评分表");
    goto done;
  }
  if ((rc = load_unit(r, &p, code, sizeof code, name, sizeof name, kind_name, sizeof kind_name)) ||
      (rc = caller_sheet(r, &p, sheet)))
    goto done;
  p.blind = r->user.role == ROLE_REVIEWER && json_is_true(json_object_get(p.settings, "blind"));
  if (p.blind && (rc = sheet_blind_names(r->db, p.cycle, p.unit, &p.names))) goto done;
  if (p.blind) {
    char tc[32], tn[64];
    snprintf(tc, sizeof tc, "~%lld", (long long)p.mine);
    snprintf(tn, sizeof tn, BLIND_NAME, (long long)p.mine);
    unit = json_pack("{s:s,s:s,s:s,s:s,s:b}", "code", tc, "name", tn, "kind", p.kind, "kind_name",
                     kind_name, "blind", 1);
  } else
    unit = json_pack("{s:s,s:s,s:s,s:s,s:b}", "code", code, "name", name, "kind", p.kind,
                     "kind_name", kind_name, "blind", 0);
  if (!unit) {
    rc = E_NOMEM;
    goto done;
  }
  if (p.mine &&
      (rc = sheet_load_as(r->db, p.mine, r->user.role == ROLE_ADMIN ? SHEET_PLAIN : SHEET_AUTHOR,
                          &mine)))
    goto done;
  if ((rc = page_report(r, &p, &report))) goto done;
  if (p.rubric &&
      ((rc = rubric_get(r->db, p.rubric, &rubric)) || (rc = page_leaves(r, &p, &hint_leaves, &na))))
    goto done;
  /* Hints in the text as shown (masked on a blind page: a name is never a passage's reason). */
  json_t *text = json_object_get(report, "text");
  hints = json_is_string(text) && hint_leaves
              ? hints_find(json_string_value(text), json_string_length(text), hint_leaves,
                           HINTS_MAX_PER_LEAF)
              : json_object();
  if (!hints) {
    rc = E_NOMEM;
    goto done;
  }
  if ((rc = page_others(r, &p, &others)) || (rc = page_self(r, &p, &self))) goto done;
  if (!na && !(na = json_array())) {
    rc = E_NOMEM;
    goto done;
  }
  const char *why = readonly_reason(r, &p);
  rc = reply_json(out, 200,
                  json_pack("{s:O,s:O,s:O,s:o,s:o,s:b,s:s?,s:f,s:O,s:O,s:O,s:O,s:O}", "cycle", p.cy,
                            "unit", unit, "report", report, "rubric",
                            rubric ? json_incref(rubric) : json_null(), "sheet",
                            mine ? json_incref(mine) : json_null(), "editable", why == NULL,
                            "readonly_reason", why, "score_step", page_step(&p, rubric),
                            "comment_below", json_object_get(p.settings, "comment_below"),
                            "not_applicable", na, "hints", hints, "others", others, "self", self));
done:
  json_decref(p.cy);
  json_decref(p.names);
  json_decref(unit);
  json_decref(report);
  json_decref(rubric);
  json_decref(mine);
  json_decref(hint_leaves);
  json_decref(na);
  json_decref(hints);
  json_decref(others);
  json_decref(self);
  return rc;
}

/* ---- the work list ---- */

/* One row of the work list (columns of the queries below). */
static json_t *review_row(db_stmt *st, void *ctx)
{
  (void)ctx;
  int blind = (int)db_col_int(st, 17);
  char code[64], name[300];
  snprintf(code, sizeof code, "%s", db_col_text(st, 6));
  snprintf(name, sizeof name, "%s", db_col_text(st, 7));
  if (blind) {
    snprintf(code, sizeof code, "~%lld", (long long)db_col_int(st, 0));
    snprintf(name, sizeof name, BLIND_NAME, (long long)db_col_int(st, 0));
  }
  json_t *row = json_pack(
      "{s:o,s:s,s:I,s:s,s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:o,s:I,s:I}", "assignment",
      int_or_null(st, 0), "kind", db_col_text(st, 1), "cycle", (json_int_t)db_col_int(st, 2),
      "cycle_title", db_col_text(st, 3), "year", (json_int_t)db_col_int(st, 4), "phase",
      db_col_text(st, 5), "unit", code, "unit_name", name, "unit_kind", db_col_text(st, 8),
      "unit_kind_name", db_col_text(st, 9), "status", db_col_text(st, 10), "version",
      (json_int_t)db_col_int(st, 11), "submitted_at", int_or_null(st, 12), "scored",
      (json_int_t)db_col_int(st, 13), "leaves", (json_int_t)db_col_int(st, 14));
  if (row) {
    json_object_set_new(row, "submission_deadline", int_or_null(st, 15));
    json_object_set_new(row, "review_deadline", int_or_null(st, 16));
    json_object_set_new(row, "blind", json_boolean(blind));
    json_object_set_new(row, "has_report", json_boolean(db_col_int(st, 18)));
  }
  return row;
}

/* Columns 13..18 of a work-list row for sheet a of unit un in cycle c: leaves scored (points
 * or N/A), applicable leaves, deadlines, blind, has a report. */
#define ROW_TAIL                                                                                   \
  "(SELECT count(*) FROM score s JOIN indicator i ON i.id = s.indicator_id WHERE "                 \
  "s.assignment_id = a.id AND i.rubric_id = c.rubric_id AND i.kind = 'item' AND (s.points IS "     \
  "NOT NULL OR s.na = 1) AND " APPLIES "), (SELECT count(*) FROM indicator i WHERE i.rubric_id "   \
  "= c.rubric_id AND i.kind = 'item' AND " APPLIES "), c.submission_deadline, "                    \
  "c.review_deadline, "

int h_reviews_list(struct req *r, struct reply *out)
{
  db_stmt *st;
  if (r->user.role == ROLE_REVIEWER)
    st = db_prepare(
        r->db, "SELECT a.id, a.kind, c.id, c.title, c.year, c.phase, un.code, un.name, un.kind, "
               "k.name, a.status, a.sheet_version, a.submitted_at, " ROW_TAIL
               "coalesce(json_extract(c.settings, '$.blind'), 0) AS blind, EXISTS (SELECT 1 "
               "FROM report rp WHERE rp.cycle_id = c.id AND rp.unit_id = un.id AND rp.current = "
               "1) FROM assignment a JOIN cycle c ON c.id = a.cycle_id JOIN unit un ON un.id = "
               "a.unit_id JOIN unit_kind k ON k.code = un.kind WHERE a.user_id = :me AND a.kind "
               "= 'review' AND c.phase <> 'draft' ORDER BY c.year DESC, c.id DESC, CASE WHEN "
               "blind THEN '' ELSE un.code END, a.id");
  else
    st = db_prepare(
        r->db, "SELECT a.id, 'self', c.id, c.title, c.year, c.phase, un.code, un.name, un.kind, "
               "k.name, coalesce(a.status, 'not_started'), coalesce(a.sheet_version, 0), "
               "a.submitted_at, " ROW_TAIL
               "0, EXISTS (SELECT 1 FROM report rp WHERE rp.cycle_id = c.id AND rp.unit_id = "
               "un.id AND rp.current = 1) FROM cycle_unit cu JOIN cycle c ON c.id = cu.cycle_id "
               "JOIN unit un ON un.id = cu.unit_id JOIN unit_kind k ON k.code = un.kind LEFT "
               "JOIN assignment a ON a.id = (SELECT min(id) FROM assignment WHERE cycle_id = "
               "c.id AND unit_id = un.id AND kind = 'self') WHERE cu.unit_id = :me AND c.phase "
               "<> 'draft' ORDER BY c.year DESC, c.id DESC");
  if (!st) return E_DB;
  int rc = db_bind_int(st, ":me", r->user.role == ROLE_REVIEWER ? r->user.id : r->user.unit_id);
  if (rc) {
    db_reset(st);
    return rc;
  }
  json_t *list = NULL;
  if ((rc = db_rows_json(st, review_row, NULL, &list))) return rc;
  return reply_json(out, 200, json_pack("{s:o}", "reviews", list));
}
