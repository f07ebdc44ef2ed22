/*
 * h_appeals.c - appeals against published results (see h_appeals.h): filing, listing,
 * assigning a re-review, the re-review and the office's decision.
 */
#include "h_appeals.h"

#include "audit.h"
#include "db.h"
#include "err.h"
#include "json.h"
#include "results_cache.h"
#include "results_db.h"
#include "sheets.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* What the appeal routes need of a cycle. */
struct acycle {
  int64_t id;       /* cycle id */
  char phase[16];   /* its phase */
  int64_t deadline; /* appeal_deadline, 0 = none */
  int64_t rubric;   /* rubric id, 0 = none */
  double step;      /* score step: settings, else the rubric's rules, else 0 */
};

/* Loads cycle {cycle} of the route into C. E_OK, E_NOT_FOUND (also a draft for others than
 * the admin) or a db error. */
static int load_cycle(struct req *r, struct acycle *c)
{
  memset(c, 0, sizeof *c);
  int rc = req_param_id(r, "cycle", &c->id);
  if (rc) return rc;
  db_stmt *st = db_prepare(
      r->db, "SELECT c.phase, coalesce(c.appeal_deadline, 0), coalesce(c.rubric_id, 0), "
             "coalesce(json_extract(c.settings, '$.score_step'), json_extract(rb.rules, "
             "'$.score_step'), 0) FROM cycle c LEFT JOIN rubric rb ON rb.id = c.rubric_id WHERE "
             "c.id = :c");
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":c", c->id))) {
    db_reset(st);
    return rc;
  }
  if ((rc = db_step(st)) == DB_ROW) {
    snprintf(c->phase, sizeof c->phase, "%s", db_col_text(st, 0));
    c->deadline = db_col_int(st, 1);
    c->rubric = db_col_int(st, 2);
    c->step = db_col_double(st, 3);
    rc = E_OK;
  } else if (rc == DB_DONE) {
    rc = E_NOT_FOUND;
  }
  db_reset(st);
  if (!rc && r->user.role != ROLE_ADMIN && !strcmp(c->phase, "draft")) rc = E_NOT_FOUND;
  return rc;
}

/* Appeals change only while the cycle is published: E_OK, or 409 explained. */
static int need_publication(struct reply *out, const struct acycle *c)
{
  if (!strcmp(c->phase, "publication")) return E_OK;
  if (!strcmp(c->phase, "closed")) {
    out->detail = "考核周期已结束归档，复核申请不能再提交或处理";
    return E_CONFLICT;
  }
  out->detail = "考核结果尚未公示，公示后才能申请或处理复核";
  return E_NOT_OPEN;
}

/* T (Unix seconds) as "YYYY-MM-DD HH:MM" China time, in R's arena. */
static const char *china_time(struct req *r, int64_t t)
{
  time_t x = (time_t)(t + 8 * 3600);
  struct tm tm;
  char buf[32];
  if (!gmtime_r(&x, &tm) || !strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm)) return "";
  return arena_strdup(&r->a, buf);
}

/* An integer column as JSON: null for NULL. */
static json_t *int_or_null(db_stmt *st, int i)
{
  return db_col_is_null(st, i) ? json_null() : json_integer(db_col_int(st, i));
}

/* A number member KEY of O copied (null when absent or not a number). */
static json_t *num_member(json_t *o, const char *key)
{
  json_t *v = json_object_get(o, key);
  return json_is_number(v) ? json_real(json_number_value(v)) : json_null();
}

/* How a row is shown. */
enum view { V_ADMIN, V_REVIEWER, V_UNIT };

/* What selects rows: the cycle, and optionally one appeal, one filing and one status. */
struct sel {
  int64_t cycle, id, group; /* id, group 0 = any */
  const char *status;       /* NULL = any */
};

/* The filing GROUP's evidence [{"start","end","quote"}], cached in CACHE (id → array). A
 * borrowed reference or NULL when out of memory / on a db error (*RC set). */
static json_t *group_evidence(struct req *r, json_t *cache, int64_t group, int *rc)
{
  char key[32];
  snprintf(key, sizeof key, "%lld", (long long)group);
  json_t *arr = json_object_get(cache, key);
  if (arr) return arr;
  db_stmt *st = db_prepare(r->db, "SELECT start_offset, end_offset, quote FROM appeal_evidence "
                                  "WHERE group_id = :g ORDER BY id");
  if (!st) {
    *rc = E_DB;
    return NULL;
  }
  if ((*rc = db_bind_int(st, ":g", group))) {
    db_reset(st);
    return NULL;
  }
  arr = json_array();
  int s;
  while (arr && (s = db_step(st)) == DB_ROW) {
    if (json_array_append_new(
            arr, json_pack("{s:I,s:I,s:s}", "start", (json_int_t)db_col_int(st, 0), "end",
                           (json_int_t)db_col_int(st, 1), "quote", db_col_text(st, 2))))
      s = E_NOMEM;
  }
  db_reset(st);
  if (!arr || s != DB_DONE) {
    json_decref(arr);
    *rc = arr ? s : E_NOMEM;
    return NULL;
  }
  if (json_object_set_new(cache, key, arr)) {
    *rc = E_NOMEM;
    return NULL;
  }
  return arr;
}

/* The appeal rows selected by SEL as R's user may see them, by id, into *OUT (caller decrefs).
 * E_OK, E_NOMEM or a db error. */
static int appeal_rows(struct req *r, const struct sel *sel, json_t **out)
{
  db_stmt *st = db_prepare(
      r->db,
      "SELECT a.id, coalesce(a.group_id, 0), u.code, u.name, coalesce(i.code, ''), "
      "coalesce(i.name, ''), a.reason, coalesce(g.reason, ''), a.status, a.created_at, rv.login, "
      "rv.display_name, a.assigned_at, a.rescore_points, a.rescore_comment, a.rescored_at, "
      "a.outcome, a.decided_at FROM appeal a JOIN unit u ON u.id = a.unit_id LEFT JOIN indicator "
      "i ON i.id = a.indicator_id LEFT JOIN appeal_group g ON g.id = a.group_id LEFT JOIN user "
      "rv ON rv.id = a.reviewer_id WHERE a.cycle_id = :c AND (:id = 0 OR a.id = :id) AND (:g = "
      "0 OR a.group_id = :g) AND (:status = '' OR a.status = :status) AND (:role = 'admin' OR "
      "(:role = 'unit' AND a.unit_id = :myunit) OR (:role = 'reviewer' AND a.reviewer_id = "
      ":me)) ORDER BY a.id");
  enum view v = r->user.role == ROLE_ADMIN  ? V_ADMIN
                : r->user.role == ROLE_UNIT ? V_UNIT
                                            : V_REVIEWER;
  const char *role = v == V_ADMIN ? "admin" : v == V_UNIT ? "unit" : "reviewer";
  int rc;
  json_t *arr = json_array(), *cache = json_object();
  *out = NULL;
  if (!st || !arr || !cache) {
    json_decref(arr);
    json_decref(cache);
    return st ? E_NOMEM : E_DB;
  }
  if ((rc = db_bind_int(st, ":c", sel->cycle)) || (rc = db_bind_int(st, ":id", sel->id)) ||
      (rc = db_bind_int(st, ":g", sel->group)) ||
      (rc = db_bind_text(st, ":status", sel->status ? sel->status : "")) ||
      (rc = db_bind_text(st, ":role", role)) ||
      (rc = db_bind_int(st, ":myunit", r->user.unit_id)) ||
      (rc = db_bind_int(st, ":me", r->user.id))) {
    db_reset(st);
    goto fail;
  }
  /* The rows first, then each filing's evidence (a second statement, after this one ends). */
  while ((rc = db_step(st)) == DB_ROW) {
    const char *status = db_col_text(st, 8);
    int decided = !strcmp(status, "upheld") || !strcmp(status, "rejected");
    int assigned = !db_col_is_null(st, 10);
    json_t *outcome = json_loads(db_col_text(st, 16), 0, NULL);
    json_t *rescore = db_col_is_null(st, 13) || (v == V_UNIT && !decided)
                          ? json_null()
                          : json_pack("{s:f,s:s,s:o}", "points", db_col_double(st, 13), "comment",
                                      db_col_text(st, 14), "at", int_or_null(st, 15));
    json_t *reviewer = !assigned     ? json_null()
                       : v == V_UNIT ? json_string("评审专家")
                                     : json_string(db_col_text(st, 10));
    json_t *reviewer_name = !assigned     ? json_null()
                            : v == V_UNIT ? json_string("评审专家")
                                          : json_string(*db_col_text(st, 11) ? db_col_text(st, 11)
                                                                             : db_col_text(st, 10));
    json_t *resp = json_object_get(outcome, "response");
    json_t *row = json_pack(
        "{s:I,s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "id",
        (json_int_t)db_col_int(st, 0), "group", (json_int_t)db_col_int(st, 1), "unit",
        db_col_text(st, 2), "unit_name", db_col_text(st, 3), "indicator", db_col_text(st, 4),
        "indicator_name", db_col_text(st, 5), "reason", db_col_text(st, 6), "group_reason",
        db_col_text(st, 7), "status", status, "created_at", (json_int_t)db_col_int(st, 9),
        "reviewer", reviewer, "reviewer_name", reviewer_name, "assigned_at",
        v == V_UNIT ? json_null() : int_or_null(st, 12), "rescore", rescore, "before",
        num_member(outcome, "before"), "after", num_member(outcome, "after"), "response",
        json_is_string(resp) ? json_string(json_string_value(resp)) : json_null(), "decided_at",
        int_or_null(st, 17));
    json_decref(outcome);
    if (json_array_append_new(arr, row)) {
      rc = E_NOMEM;
      break;
    }
  }
  db_reset(st);
  if (rc != DB_DONE) goto fail;
  size_t i;
  json_t *row;
  rc = E_OK;
  json_array_foreach(arr, i, row)
  {
    json_int_t g = json_integer_value(json_object_get(row, "group"));
    json_t *ev = g ? group_evidence(r, cache, g, &rc) : json_array();
    if (!ev) {
      if (!rc) rc = E_NOMEM;
      goto fail;
    }
    if (g ? json_object_set(row, "evidence", ev) : json_object_set_new(row, "evidence", ev)) {
      rc = E_NOMEM;
      goto fail;
    }
  }
  json_decref(cache);
  *out = arr;
  return E_OK;
fail:
  json_decref(arr);
  json_decref(cache);
  return rc ? rc : E_DB;
}

/* Replies STATUS {"appeal": row} for appeal ID of cycle CYCLE. */
static int reply_one(struct req *r, struct reply *out, int64_t cycle, int64_t id, int status)
{
  struct sel sel = {cycle, id, 0, NULL};
  json_t *rows = NULL;
  int rc = appeal_rows(r, &sel, &rows);
  if (rc) return rc;
  json_t *row = json_incref(json_array_get(rows, 0));
  json_decref(rows);
  if (!row) return E_NOT_FOUND;
  return reply_json(out, status, json_pack("{s:o}", "appeal", row));
}

/* Writes an audit row ACTION on OBJECT ("appeal:ID" or "cycle:ID") with DETAIL (stolen). */
static int audit_appeal(struct req *r, const char *action, const char *object, json_t *detail)
{
  char *text = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
  json_decref(detail);
  int rc = text ? audit_write(r->db, r->user.id, r->user.login, action, object, text, r->client)
                : E_NOMEM;
  free(text);
  return rc;
}

/* 1 when X is a multiple of STEP (0 = the default step), up to rounding. */
static int on_step(double x, double step)
{
  if (step <= 0) step = SHEET_DEFAULT_STEP;
  double q = x / step;
  return fabs(q - round(q)) < 1e-6;
}

/* Reads number KEY of the body (REQUIRED or not) as points 0..MAX on C's step into *P (*SET
 * 1 when given). E_OK or E_VALIDATION on KEY. */
static int take_points(struct req *r, struct reply *out, const struct acycle *c, double max,
                       int required, double *p, int *set)
{
  json_t *v = json_object_get(r->jbody, "points");
  *set = v && !json_is_null(v);
  if (!*set) return required ? reply_invalid(out, "points", "请填写分值") : E_OK;
  double x = json_is_number(v) ? json_number_value(v) : -1;
  if (!(x >= 0 && x <= max + 1e-9))
    return reply_invalid(out, "points", arena_printf(&r->a, "分值应在 0 到 %g 之间", max));
  if (!on_step(x, c->step)) {
    double step = c->step > 0 ? c->step : SHEET_DEFAULT_STEP;
    return reply_invalid(out, "points",
                         arena_printf(&r->a, "分值应为评分步长 %g 分的整数倍", step));
  }
  *p = x;
  return E_OK;
}

/* ---- filing ---- */

/* Leaf CODE of cycle C's rubric for unit UNIT: *ID (0 = not a leaf of the rubric) and
 * *APPLIES (its kinds include the unit's and the office did not mark it N/A). */
static int find_leaf(struct req *r, const struct acycle *c, int64_t unit, const char *code,
                     int64_t *id, int *applies)
{
  db_stmt *st = db_prepare(
      r->db,
      "SELECT i.id, (i.applies_to IS NULL OR EXISTS (SELECT 1 FROM json_each(i.applies_to) j "
      "WHERE j.value = (SELECT kind FROM unit WHERE id = :u))) AND NOT EXISTS (SELECT 1 FROM "
      "indicator_na n WHERE n.cycle_id = :c AND n.unit_id = :u AND n.indicator_id = i.id) FROM "
      "indicator i WHERE i.rubric_id = :r AND i.code = :code AND i.kind = 'item' AND "
      "i.max_points IS NOT NULL AND NOT EXISTS (SELECT 1 FROM indicator ch WHERE ch.parent_id = "
      "i.id)");
  int rc;
  *id = 0;
  *applies = 0;
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":u", unit)) || (rc = db_bind_int(st, ":c", c->id)) ||
      (rc = db_bind_int(st, ":r", c->rubric)) || (rc = db_bind_text(st, ":code", code))) {
    db_reset(st);
    return rc;
  }
  if ((rc = db_step(st)) == DB_ROW) {
    *id = db_col_int(st, 0);
    *applies = db_col_int(st, 1) != 0;
  }
  db_reset(st);
  return rc == DB_ROW || rc == DB_DONE ? E_OK : rc;
}

/* Whether unit UNIT has an undecided appeal on indicator IND in cycle CYCLE, into *YES. */
static int pending(struct req *r, int64_t cycle, int64_t unit, int64_t ind, int64_t *yes)
{
  db_stmt *st = db_prepare(r->db, "SELECT EXISTS (SELECT 1 FROM appeal WHERE cycle_id = :c AND "
                                  "unit_id = :u AND indicator_id = :i AND status IN ('open', "
                                  "'in_review'))");
  int rc;
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":c", cycle)) || (rc = db_bind_int(st, ":u", unit)) ||
      (rc = db_bind_int(st, ":i", ind))) {
    db_reset(st);
    return rc;
  }
  return db_one_int(st, yes);
}

/* Checks the evidence list EV against the unit's current report (*REPORT, 0 = none; CHARS its
 * length). E_OK or E_VALIDATION naming "evidence[i]". */
static int check_evidence(struct req *r, struct reply *out, json_t *ev, int64_t report,
                          int64_t chars)
{
  static const char *const keys[] = {"start", "end", NULL};
  if (!ev || json_is_null(ev)) return E_OK;
  if (!json_is_array(ev) || json_array_size(ev) > APPEAL_MAX_EVIDENCE)
    return reply_invalid(out, "evidence", "证据应为最多 20 段的列表，每段 {\"start\", \"end\"}");
  if (json_array_size(ev) && !report)
    return reply_invalid(out, "evidence", "本单位在该周期没有报告，不能引用证据");
  size_t i;
  json_t *e;
  json_array_foreach(ev, i, e)
  {
    const char *f = arena_printf(&r->a, "evidence[%zu]", i);
    json_t *js = json_object_get(e, "start"), *je = json_object_get(e, "end");
    int64_t s = json_is_integer(js) ? json_integer_value(js) : -1;
    int64_t en = json_is_integer(je) ? json_integer_value(je) : -1;
    int rc = json_is_object(e) ? json_only_keys(out, e, keys) : E_VALIDATION;
    if (rc || s < 0 || en <= s || en > chars)
      return reply_invalid(
          out, f,
          arena_printf(&r->a,
                       "第 %zu 段证据位置无效（应在报告正文 0 到 %lld 字之间，且起点小于终点）",
                       i + 1, (long long)chars));
    if (en - s > SHEET_MAX_QUOTE)
      return reply_invalid(
          out, f, arena_printf(&r->a, "第 %zu 段证据过长（最多 %d 字）", i + 1, SHEET_MAX_QUOTE));
  }
  return E_OK;
}

int h_appeals_create(struct req *r, struct reply *out)
{
  static const char *const keys[] = {"reason", "items", "evidence", NULL};
  static const char *const item_keys[] = {"indicator", "reason", NULL};
  struct acycle c;
  const char *reason;
  int rc = load_cycle(r, &c);
  if (rc) return rc;
  int64_t unit = r->user.unit_id, yes = 0, report = 0, chars = 0, now = (int64_t)time(NULL);
  /* the unit takes part in the cycle (else 404: nothing to appeal) */
  db_stmt *st = db_prepare(r->db, "SELECT EXISTS (SELECT 1 FROM cycle_unit WHERE cycle_id = :c "
                                  "AND unit_id = :u)");
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":c", c.id)) || (rc = db_bind_int(st, ":u", unit)) ||
      (rc = db_one_int(st, &yes)))
    return rc;
  if (!yes) return E_NOT_FOUND;
  if ((rc = need_publication(out, &c))) return rc;
  if (c.deadline && now > c.deadline) {
    out->detail =
        arena_printf(&r->a, "复核申请期已于 %s 截止，不能再申请复核", china_time(r, c.deadline));
    return E_NOT_OPEN;
  }
  if ((rc = json_only_keys(out, r->jbody, keys)) ||
      (rc = json_take_str(out, r->jbody, "reason", 0, APPEAL_MAX_TEXT, &reason)))
    return rc;
  json_t *items = json_object_get(r->jbody, "items"), *ev = json_object_get(r->jbody, "evidence");
  if (!json_is_array(items) || !json_array_size(items) || json_array_size(items) > APPEAL_MAX_ITEMS)
    return reply_invalid(out, "items",
                         "请列出 1 到 20 个申请复核的指标：[{\"indicator\": 指标编号, \"reason\": "
                         "理由}]");
  st = db_prepare(r->db, "SELECT id, coalesce(length(text), 0) FROM report WHERE cycle_id = :c "
                         "AND unit_id = :u AND current = 1");
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":c", c.id)) || (rc = db_bind_int(st, ":u", unit))) {
    db_reset(st);
    return rc;
  }
  if ((rc = db_step(st)) == DB_ROW) {
    report = db_col_int(st, 0);
    chars = db_col_int(st, 1);
  }
  db_reset(st);
  if (rc != DB_ROW && rc != DB_DONE) return rc;
  if ((rc = check_evidence(r, out, ev, report, chars))) return rc;
  size_t n = json_array_size(items), i;
  int64_t *ind = arena_alloc(&r->a, n * sizeof *ind);
  const char **why = arena_alloc(&r->a, n * sizeof *why);
  if (!ind || !why) return E_NOMEM;
  if ((rc = db_begin(r->db))) return rc;
  json_t *e;
  json_array_foreach(items, i, e)
  {
    const char *f = arena_printf(&r->a, "items[%zu].indicator", i);
    const char *code = json_string_value(json_object_get(e, "indicator"));
    int applies = 0;
    if (!json_is_object(e) || (rc = json_only_keys(out, e, item_keys))) {
      rc = reply_invalid(out, arena_printf(&r->a, "items[%zu]", i),
                         "每项应为 {\"indicator\": 指标编号, \"reason\": 理由}");
      goto fail;
    }
    if (!code || !*code) {
      rc = reply_invalid(out, f, "请填写指标编号");
      goto fail;
    }
    if ((rc = json_take_str(out, e, "reason", 1, APPEAL_MAX_TEXT, &why[i]))) {
      out->field = arena_printf(&r->a, "items[%zu].reason", i);
      goto fail;
    }
    if ((rc = find_leaf(r, &c, unit, code, &ind[i], &applies))) goto fail;
    if (!ind[i]) {
      rc = reply_invalid(
          out, f,
          arena_printf(&r->a, "“%s”不是本周期评分细则的末级评分指标，只能对具体指标申请复核",
                       code));
      goto fail;
    }
    if (!applies) {
      rc = reply_invalid(out, f, arena_printf(&r->a, "指标 %s 不适用于本单位，不能申请复核", code));
      goto fail;
    }
    for (size_t k = 0; k < i; k++)
      if (ind[k] == ind[i]) {
        rc = reply_invalid(out, f, arena_printf(&r->a, "指标 %s 重复列出", code));
        goto fail;
      }
    if ((rc = pending(r, c.id, unit, ind[i], &yes))) goto fail;
    if (yes) {
      out->field = f;
      out->detail = arena_printf(&r->a, "指标 %s 已申请复核，尚未处理完毕，请勿重复申请", code);
      rc = E_CONFLICT;
      goto fail;
    }
  }
  st = db_prepare(r->db, "INSERT INTO appeal_group (cycle_id, unit_id, reason, created_by, "
                         "created_at) VALUES (:c, :u, :reason, :by, :now)");
  if (!st || (rc = db_bind_int(st, ":c", c.id)) || (rc = db_bind_int(st, ":u", unit)) ||
      (rc = db_bind_text(st, ":reason", reason ? reason : "")) ||
      (rc = db_bind_int(st, ":by", r->user.id)) || (rc = db_bind_int(st, ":now", now)) ||
      (rc = db_run(st)))
    goto fail;
  int64_t group = db_last_id(r->db);
  json_array_foreach(ev, i, e)
  {
    int64_t s = json_integer_value(json_object_get(e, "start"));
    int64_t en = json_integer_value(json_object_get(e, "end"));
    st = db_prepare(r->db, "INSERT INTO appeal_evidence (group_id, report_id, start_offset, "
                           "end_offset, quote) SELECT :g, id, :s, :e, substr(text, :s + 1, :e - "
                           ":s) FROM report WHERE id = :r");
    if (!st || (rc = db_bind_int(st, ":g", group)) || (rc = db_bind_int(st, ":s", s)) ||
        (rc = db_bind_int(st, ":e", en)) || (rc = db_bind_int(st, ":r", report)) ||
        (rc = db_run(st)))
      goto fail;
  }
  json_t *codes = json_array();
  if (!codes) {
    rc = E_NOMEM;
    goto fail;
  }
  for (i = 0; i < n; i++) {
    st = db_prepare(r->db, "INSERT INTO appeal (cycle_id, unit_id, indicator_id, reason, "
                           "created_by, created_at, group_id) VALUES (:c, :u, :i, :reason, :by, "
                           ":now, :g)");
    if (!st || (rc = db_bind_int(st, ":c", c.id)) || (rc = db_bind_int(st, ":u", unit)) ||
        (rc = db_bind_int(st, ":i", ind[i])) || (rc = db_bind_text(st, ":reason", why[i])) ||
        (rc = db_bind_int(st, ":by", r->user.id)) || (rc = db_bind_int(st, ":now", now)) ||
        (rc = db_bind_int(st, ":g", group)) || (rc = db_run(st))) {
      json_decref(codes);
      goto fail;
    }
    json_array_append(codes, json_object_get(json_array_get(items, i), "indicator"));
  }
  if ((rc = audit_appeal(r, "appeal.create", arena_printf(&r->a, "cycle:%lld", (long long)c.id),
                         json_pack("{s:s,s:I,s:o,s:I}", "unit",
                                   r->user.unit_code ? r->user.unit_code : "", "group",
                                   (json_int_t)group, "indicators", codes, "evidence",
                                   (json_int_t)json_array_size(ev)))))
    goto fail;
  if ((rc = db_commit(r->db))) return rc;
  struct sel sel = {c.id, 0, group, NULL};
  json_t *rows = NULL;
  if ((rc = appeal_rows(r, &sel, &rows))) return rc;
  return reply_json(out, 201, json_pack("{s:o}", "appeals", rows));
fail:
  db_rollback(r->db);
  return rc ? rc : E_DB;
}

int h_appeals_list(struct req *r, struct reply *out)
{
  static const char *const statuses[] = {"open", "in_review", "upheld", "rejected", NULL};
  struct acycle c;
  int rc = load_cycle(r, &c);
  if (rc) return rc;
  const char *status = req_query(r, "status");
  if (status && *status) {
    int known = 0;
    for (int i = 0; statuses[i] && !known; i++) known = !strcmp(status, statuses[i]);
    if (!known) return reply_invalid(out, "status", "状态应为 open、in_review、upheld 或 rejected");
  } else {
    status = NULL;
  }
  struct sel sel = {c.id, 0, 0, status};
  json_t *rows = NULL;
  if ((rc = appeal_rows(r, &sel, &rows))) return rc;
  return reply_json(out, 200, json_pack("{s:o}", "appeals", rows));
}

/* ---- handling ---- */

/* One appeal as the handling routes need it. */
struct appeal {
  int64_t id, unit, reviewer; /* reviewer 0 = none */
  char status[16];
  char unit_code[64], leaf[64];
  double max;      /* the leaf's maximum */
  int has_rescore; /* a re-review is stored */
  double rescore;  /* its points */
  char reviewer_login[80];
};

/* Loads appeal {id} of cycle C into A and checks the phase. E_OK, E_NOT_FOUND, the phase's
 * 409 or a db error. */
static int load_appeal(struct req *r, struct reply *out, const struct acycle *c, struct appeal *a)
{
  memset(a, 0, sizeof *a);
  int rc = req_param_id(r, "id", &a->id);
  if (rc) return rc;
  db_stmt *st = db_prepare(
      r->db, "SELECT a.unit_id, coalesce(a.reviewer_id, 0), a.status, u.code, coalesce(i.code, "
             "''), coalesce(i.max_points, 0), a.rescore_points, coalesce(rv.login, '') FROM appeal "
             "a JOIN unit u ON u.id = a.unit_id LEFT JOIN indicator i ON i.id = a.indicator_id "
             "LEFT JOIN user rv ON rv.id = a.reviewer_id WHERE a.id = :id AND a.cycle_id = :c");
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":id", a->id)) || (rc = db_bind_int(st, ":c", c->id))) {
    db_reset(st);
    return rc;
  }
  if ((rc = db_step(st)) == DB_ROW) {
    a->unit = db_col_int(st, 0);
    a->reviewer = db_col_int(st, 1);
    snprintf(a->status, sizeof a->status, "%s", db_col_text(st, 2));
    snprintf(a->unit_code, sizeof a->unit_code, "%s", db_col_text(st, 3));
    snprintf(a->leaf, sizeof a->leaf, "%s", db_col_text(st, 4));
    a->max = db_col_double(st, 5);
    a->has_rescore = !db_col_is_null(st, 6);
    a->rescore = db_col_double(st, 6);
    snprintf(a->reviewer_login, sizeof a->reviewer_login, "%s", db_col_text(st, 7));
    rc = E_OK;
  } else if (rc == DB_DONE) {
    rc = E_NOT_FOUND;
  }
  db_reset(st);
  /* a reviewer learns nothing of appeals not assigned to them */
  if (!rc && r->user.role == ROLE_REVIEWER &&
      (a->reviewer != r->user.id || strcmp(a->status, "in_review")))
    rc = E_NOT_FOUND;
  return rc ? rc : need_publication(out, c);
}

/* 409 unless appeal A is still undecided. */
static int need_undecided(struct reply *out, const struct appeal *a)
{
  if (!strcmp(a->status, "open") || !strcmp(a->status, "in_review")) return E_OK;
  out->detail = "该复核申请已有结论，不能再更改";
  return E_CONFLICT;
}

int h_appeal_assign(struct req *r, struct reply *out)
{
  static const char *const keys[] = {"reviewer", NULL};
  struct acycle c;
  struct appeal a;
  const char *login;
  int rc = load_cycle(r, &c);
  if (rc || (rc = json_only_keys(out, r->jbody, keys)) ||
      (rc = json_take_str(out, r->jbody, "reviewer", 1, 64, &login)))
    return rc;
  if ((rc = db_begin(r->db))) return rc;
  if ((rc = load_appeal(r, out, &c, &a)) || (rc = need_undecided(out, &a))) goto fail;
  db_stmt *st = db_prepare(
      r->db,
      "SELECT id, coalesce(unit_id, 0) = :u, EXISTS (SELECT 1 FROM conflict WHERE user_id = "
      "user.id AND unit_id = :u), EXISTS (SELECT 1 FROM assignment WHERE user_id = user.id AND "
      "unit_id = :u AND cycle_id = :c AND status = 'recused') FROM user WHERE login = :login AND "
      "role = 'reviewer' AND disabled = 0");
  if (!st) goto fail;
  if ((rc = db_bind_int(st, ":u", a.unit)) || (rc = db_bind_int(st, ":c", c.id)) ||
      (rc = db_bind_text(st, ":login", login))) {
    db_reset(st);
    goto fail;
  }
  int64_t reviewer = 0;
  int own = 0, conflict = 0, recused = 0;
  if ((rc = db_step(st)) == DB_ROW) {
    reviewer = db_col_int(st, 0);
    own = db_col_int(st, 1) != 0;
    conflict = db_col_int(st, 2) != 0;
    recused = db_col_int(st, 3) != 0;
  }
  db_reset(st);
  if (rc != DB_ROW && rc != DB_DONE) goto fail;
  if (!reviewer) {
    rc = reply_invalid(out, "reviewer", "没有这个评审专家账号（或已停用）");
    goto fail;
  }
  if (own || conflict || recused) {
    out->field = "reviewer";
    out->detail = own        ? "该评审专家属于被复核的单位，应当回避"
                  : conflict ? "该评审专家已声明与该单位存在利益冲突，应当回避"
                             : "该评审专家在本周期已回避该单位的评审";
    rc = E_CONFLICT;
    goto fail;
  }
  st = db_prepare(r->db, "UPDATE appeal SET status = 'in_review', reviewer_id = :rv, assigned_by "
                         "= :me, assigned_at = :now, rescore_points = CASE WHEN reviewer_id = :rv "
                         "THEN rescore_points END, rescore_comment = CASE WHEN reviewer_id = :rv "
                         "THEN rescore_comment END, rescored_at = CASE WHEN reviewer_id = :rv "
                         "THEN rescored_at END WHERE id = :id");
  if (!st || (rc = db_bind_int(st, ":rv", reviewer)) || (rc = db_bind_int(st, ":me", r->user.id)) ||
      (rc = db_bind_int(st, ":now", (int64_t)time(NULL))) || (rc = db_bind_int(st, ":id", a.id)) ||
      (rc = db_run(st)))
    goto fail;
  if ((rc = audit_appeal(r, "appeal.assign", arena_printf(&r->a, "appeal:%lld", (long long)a.id),
                         json_pack("{s:I,s:s,s:s,s:s,s:o}", "cycle", (json_int_t)c.id, "unit",
                                   a.unit_code, "indicator", a.leaf, "reviewer", login, "previous",
                                   a.reviewer ? json_string(a.reviewer_login) : json_null()))))
    goto fail;
  if ((rc = db_commit(r->db))) return rc;
  return reply_one(r, out, c.id, a.id, 200);
fail:
  db_rollback(r->db);
  return rc ? rc : E_DB;
}

int h_appeal_rescore(struct req *r, struct reply *out)
{
  static const char *const keys[] = {"points", "comment", NULL};
  struct acycle c;
  struct appeal a;
  const char *comment;
  double points = 0;
  int set;
  int rc = load_cycle(r, &c);
  if (rc) return rc;
  if ((rc = db_begin(r->db))) return rc;
  if ((rc = load_appeal(r, out, &c, &a))) goto fail;
  if ((rc = json_only_keys(out, r->jbody, keys)) ||
      (rc = take_points(r, out, &c, a.max, 1, &points, &set)) ||
      (rc = json_take_str(out, r->jbody, "comment", 1, APPEAL_MAX_TEXT, &comment)))
    goto fail;
  db_stmt *st = db_prepare(r->db, "UPDATE appeal SET rescore_points = :p, rescore_comment = :cm, "
                                  "rescored_at = :now WHERE id = :id AND status = 'in_review' "
                                  "AND reviewer_id = :me");
  if (!st || (rc = db_bind_double(st, ":p", points)) || (rc = db_bind_text(st, ":cm", comment)) ||
      (rc = db_bind_int(st, ":now", (int64_t)time(NULL))) || (rc = db_bind_int(st, ":id", a.id)) ||
      (rc = db_bind_int(st, ":me", r->user.id)) || (rc = db_run(st)))
    goto fail;
  if (db_changes(r->db) != 1) {
    rc = E_NOT_FOUND;
    goto fail;
  }
  if ((rc = audit_appeal(r, "appeal.rescore", arena_printf(&r->a, "appeal:%lld", (long long)a.id),
                         json_pack("{s:I,s:s,s:s,s:f,s:s,s:o}", "cycle", (json_int_t)c.id, "unit",
                                   a.unit_code, "indicator", a.leaf, "points", points, "comment",
                                   comment, "previous",
                                   a.has_rescore ? json_real(a.rescore) : json_null()))))
    goto fail;
  if ((rc = db_commit(r->db))) return rc;
  return reply_one(r, out, c.id, a.id, 200);
fail:
  db_rollback(r->db);
  return rc ? rc : E_DB;
}

/* The official value of leaf LEAF for unit UNIT in cycle CYCLE now, into *BEFORE (a new
 * reference: a number, or null when N/A or the unit has no result). E_OK, E_NOMEM, E_CONFLICT
 * (the results cannot be computed, explained) or a db error. */
static int official_value(struct req *r, struct reply *out, int64_t cycle, const char *unit,
                          const char *leaf, json_t **before)
{
  const char *field = NULL, *problem = NULL;
  json_t *res = NULL, *x;
  size_t i, li = (size_t)-1;
  *before = NULL;
  struct results_filter f = {.unit = unit};
  int rc = results_cached_of(r->db, cycle, NULL, &f, &res, &field, &problem);
  if (rc == E_VALIDATION) {
    out->field = field ? arena_strdup(&r->a, field) : NULL;
    out->detail = problem ? arena_strdup(&r->a, problem) : "无法计算考核结果";
    return E_CONFLICT;
  }
  if (rc) return rc;
  json_array_foreach(json_object_get(res, "leaves"), i, x)
  {
    const char *code = json_string_value(json_object_get(x, "code"));
    if (code && !strcmp(code, leaf)) li = i;
  }
  json_array_foreach(json_object_get(res, "units"), i, x)
  {
    const char *code = json_string_value(json_object_get(x, "code"));
    if (!code || strcmp(code, unit)) continue;
    json_t *v = json_array_get(json_object_get(x, "values"), li);
    if (json_is_number(v)) *before = json_real(json_number_value(v));
  }
  json_decref(res);
  if (!*before) *before = json_null();
  return *before ? E_OK : E_NOMEM;
}

int h_appeal_decide(struct req *r, struct reply *out)
{
  static const char *const keys[] = {"outcome", "response", "points", NULL};
  struct acycle c;
  struct appeal a;
  const char *outcome, *response;
  double points = 0;
  int set = 0;
  json_t *before = NULL, *stored = NULL;
  char *text = NULL;
  int rc = load_cycle(r, &c);
  if (rc) return rc;
  if ((rc = json_only_keys(out, r->jbody, keys)) ||
      (rc = json_take_str(out, r->jbody, "outcome", 1, 16, &outcome)) ||
      (rc = json_take_str(out, r->jbody, "response", 1, APPEAL_MAX_TEXT, &response)))
    return rc;
  int upheld = !strcmp(outcome, "upheld");
  if (!upheld && strcmp(outcome, "rejected"))
    return reply_invalid(out, "outcome",
                         "结论应为 upheld（维持申请、调整分值）或 rejected（驳回）");
  if ((rc = db_begin(r->db))) return rc;
  if ((rc = load_appeal(r, out, &c, &a)) || (rc = need_undecided(out, &a))) goto fail;
  if ((rc = take_points(r, out, &c, a.max, 0, &points, &set))) goto fail;
  if (!upheld && set) {
    rc = reply_invalid(out, "points", "驳回时不调整分值，请勿填写 points");
    goto fail;
  }
  if (upheld && !set) {
    if (!a.has_rescore) {
      rc = reply_invalid(out, "points", "尚无复核评分，维持申请时须填写调整后的分值");
      goto fail;
    }
    points = a.rescore;
  }
  if ((rc = official_value(r, out, c.id, a.unit_code, a.leaf, &before))) goto fail;
  stored = json_pack("{s:O,s:o,s:s}", "before", before, "after",
                     upheld ? json_real(points) : json_null(), "response", response);
  if (!stored || !(text = json_dumps(stored, JSON_COMPACT))) {
    rc = E_NOMEM;
    goto fail;
  }
  int64_t now = (int64_t)time(NULL);
  db_stmt *st = db_prepare(r->db, "UPDATE appeal SET status = :s, decided_by = :me, decided_at = "
                                  ":now, outcome = :o WHERE id = :id AND status IN ('open', "
                                  "'in_review')");
  if (!st || (rc = db_bind_text(st, ":s", outcome)) || (rc = db_bind_int(st, ":me", r->user.id)) ||
      (rc = db_bind_int(st, ":now", now)) || (rc = db_bind_text(st, ":o", text)) ||
      (rc = db_bind_int(st, ":id", a.id)) || (rc = db_run(st)))
    goto fail;
  if (db_changes(r->db) != 1) {
    rc = E_CONFLICT;
    goto fail;
  }
  if ((rc = audit_appeal(r, "appeal.decide", arena_printf(&r->a, "appeal:%lld", (long long)a.id),
                         json_pack("{s:I,s:s,s:s,s:s,s:O,s:O,s:s}", "cycle", (json_int_t)c.id,
                                   "unit", a.unit_code, "indicator", a.leaf, "outcome", outcome,
                                   "before", before, "after", json_object_get(stored, "after"),
                                   "response", response))))
    goto fail;
  json_decref(before);
  json_decref(stored);
  free(text);
  if ((rc = db_commit(r->db))) return rc;
  return reply_one(r, out, c.id, a.id, 200);
fail:
  json_decref(before);
  json_decref(stored);
  free(text);
  db_rollback(r->db);
  return rc ? rc : E_DB;
}
