/*
 * h_cycles.c - assessment cycles (see h_cycles.h).
 */
#include "h_cycles.h"

#include "audit.h"
#include "authz.h"
#include "db.h"
#include "err.h"
#include "h_cycle_rubric.h"
#include "json.h"
#include "rubrics.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* An integer column, or JSON null when it is NULL. */
static json_t *int_or_null(db_stmt *st, int i)
{
  return db_col_is_null(st, i) ? json_null() : json_integer(db_col_int(st, i));
}

json_t *cycle_settings(const char *stored)
{
  json_t *s = stored ? json_loads(stored, 0, NULL) : NULL;
  if (!json_is_object(s)) {
    json_decref(s);
    s = json_object();
  }
  if (!s) return NULL;
  json_t *defaults = json_pack("{s:n,s:f,s:s,s:b,s:b,s:b,s:i}", "score_step", "comment_below", 0.0,
                               "reveal_others", "after_submit", "blind", 0, "show_self", 1,
                               "show_ranks", 1, "appeal_days", CYCLE_APPEAL_DAYS);
  json_t *agg = json_pack("{s:s,s:[],s:f}", "method", "mean", "quotas", "flag_share", 0.5);
  json_t *stored_agg = json_object_get(s, "aggregation");
  int bad = !defaults || !agg || json_object_update_missing(s, defaults);
  /* aggregation: the stored members over the defaults */
  if (!bad && json_is_object(stored_agg)) bad = json_object_update(agg, stored_agg);
  if (!bad) bad = json_object_set(s, "aggregation", agg);
  json_decref(defaults);
  json_decref(agg);
  if (bad) {
    json_decref(s);
    return NULL;
  }
  return s;
}

int h_cycles_list(struct req *r, struct reply *out)
{
  db_stmt *st =
      db_prepare(r->db, "SELECT c.id, c.year, c.title, c.phase, c.submission_deadline, "
                        "c.review_deadline, (SELECT count(*) FROM cycle_unit cu WHERE "
                        "cu.cycle_id = c.id), (SELECT count(DISTINCT unit_id) FROM report "
                        "rp WHERE rp.cycle_id = c.id), c.rubric_id, c.settings, c.published_at, "
                        "c.appeal_deadline FROM cycle c WHERE :admin OR "
                        "c.phase <> "
                        "'draft' ORDER BY c.year DESC, c.id DESC");
  if (!st) return E_DB;
  int brc = db_bind_int(st, ":admin", r->user.role == ROLE_ADMIN); /* drafts are the office's */
  if (brc) {
    db_reset(st);
    return brc;
  }
  json_t *arr = json_array();
  int rc;
  while (arr && (rc = db_step(st)) == DB_ROW) {
    json_t *c = json_pack("{s:I,s:I,s:s,s:s,s:o,s:o,s:I,s:I}", "id", (json_int_t)db_col_int(st, 0),
                          "year", (json_int_t)db_col_int(st, 1), "title", db_col_text(st, 2),
                          "phase", db_col_text(st, 3), "submission_deadline", int_or_null(st, 4),
                          "review_deadline", int_or_null(st, 5), "units",
                          (json_int_t)db_col_int(st, 6), "reports", (json_int_t)db_col_int(st, 7));
    if (c) {
      json_object_set_new(c, "rubric_id", int_or_null(st, 8));
      json_object_set_new(c, "settings", cycle_settings(db_col_text(st, 9)));
      json_object_set_new(c, "published_at", int_or_null(st, 10));
      json_object_set_new(c, "appeal_deadline", int_or_null(st, 11));
    }
    if (json_array_append_new(arr, c)) rc = E_NOMEM;
  }
  db_reset(st);
  if (!arr || rc != DB_DONE) {
    json_decref(arr);
    return arr ? rc : E_NOMEM;
  }
  return reply_json(out, 200, json_pack("{s:o}", "cycles", arr));
}

/* The phases in order; a cycle moves one step forward or back, and never leaves "closed". */
static const char *const phases[] = {"draft", "submission", "review", "publication", "closed"};

static int phase_index(const char *p)
{
  for (int i = 0; i < 5; i++)
    if (!strcmp(p, phases[i])) return i;
  return -1;
}

int64_t cycle_appeal_deadline(int64_t published, int64_t days)
{
  const int64_t cst = 8 * 3600, day = 86400;
  int64_t t = published + cst;
  int64_t d = (t >= 0 ? t : t - day + 1) / day; /* the China-time day number, floored */
  return (d + days + 1) * day - 1 - cst;
}

/* Cycle ID as the API shows it, into *OUT (caller decrefs); drafts only for the admin.
 * E_OK, E_NOT_FOUND or a db error. */
static int cycle_load(struct req *r, int64_t id, json_t **out)
{
  db_stmt *st = db_prepare(
      r->db, "SELECT c.id, c.year, c.title, c.phase, c.submission_deadline, "
             "c.review_deadline, (SELECT count(*) FROM cycle_unit cu WHERE "
             "cu.cycle_id = c.id), (SELECT count(*) FROM report rp WHERE "
             "rp.cycle_id = c.id AND rp.current = 1), c.rubric_id, c.settings, c.published_at, "
             "c.appeal_deadline FROM cycle c WHERE "
             "c.id = :id "
             "AND (:admin OR c.phase <> 'draft')");
  int rc;
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":id", id)) ||
      (rc = db_bind_int(st, ":admin", r->user.role == ROLE_ADMIN))) {
    db_reset(st);
    return rc;
  }
  if ((rc = db_step(st)) != DB_ROW) {
    db_reset(st);
    return rc == DB_DONE ? E_NOT_FOUND : rc;
  }
  json_t *c = json_pack("{s:I,s:I,s:s,s:s,s:o,s:o,s:I,s:I}", "id", (json_int_t)db_col_int(st, 0),
                        "year", (json_int_t)db_col_int(st, 1), "title", db_col_text(st, 2), "phase",
                        db_col_text(st, 3), "submission_deadline", int_or_null(st, 4),
                        "review_deadline", int_or_null(st, 5), "units",
                        (json_int_t)db_col_int(st, 6), "reports", (json_int_t)db_col_int(st, 7));
  if (c) {
    json_object_set_new(c, "rubric_id", int_or_null(st, 8));
    json_object_set_new(c, "settings", cycle_settings(db_col_text(st, 9)));
    json_object_set_new(c, "published_at", int_or_null(st, 10));
    json_object_set_new(c, "appeal_deadline", int_or_null(st, 11));
  }
  db_reset(st);
  *out = c;
  return c ? E_OK : E_NOMEM;
}

/* {"cycle":{…}} for cycle ID. */
static int cycle_reply(struct req *r, struct reply *out, int64_t id, int status)
{
  json_t *c = NULL;
  int rc = cycle_load(r, id, &c);
  return rc ? rc : reply_json(out, status, json_pack("{s:o}", "cycle", c));
}

int h_cycle_get(struct req *r, struct reply *out)
{
  int64_t id;
  int rc = req_param_id(r, "cycle", &id);
  return rc ? rc : cycle_reply(r, out, id, 200);
}

/* Reads an optional deadline KEY (Unix seconds, or null to clear) into *V / *SET. */
static int take_deadline(struct reply *out, json_t *body, const char *key, int64_t *v, int *set)
{
  json_t *j = json_object_get(body, key);
  *set = j != NULL;
  *v = 0;
  if (!j || json_is_null(j)) return E_OK;
  return json_take_int(out, body, key, 1, 946684800, 4102444800, v); /* 2000..2100 */
}

/* Reads the optional "rubric_id" of the body into *ID (0 = none), checking the rubric exists. */
static int take_rubric(struct req *r, struct reply *out, int64_t *id)
{
  int exists = 0;
  *id = 0;
  int rc = json_take_int(out, r->jbody, "rubric_id", 0, 1, INT64_MAX, id);
  if (rc || !*id || (rc = rubric_exists(r->db, *id, &exists))) return rc;
  return exists ? E_OK : reply_invalid(out, "rubric_id", "没有这个评分细则");
}

/* The score steps a cycle may choose: values that divide usual leaf maxima. */
static const double steps[] = {0.01, 0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 5, 0};

/* 1 when X is a whole multiple of STEP (up to rounding). */
static int multiple_of(double x, double step)
{
  double q = x / step;
  return fabs(q - round(q)) < 1e-6;
}

/* Checks STEP against every leaf of RUBRIC: each maximum must be reachable in steps. */
static int step_fits(struct req *r, struct reply *out, int64_t rubric, double step)
{
  db_stmt *st = db_prepare(r->db, "SELECT code, max_points FROM indicator WHERE rubric_id = :r "
                                  "AND kind = 'item' AND max_points IS NOT NULL ORDER BY id");
  int rc;
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":r", rubric))) {
    db_reset(st);
    return rc;
  }
  while ((rc = db_step(st)) == DB_ROW) {
    double max = db_col_double(st, 1);
    if (multiple_of(max, step)) continue;
    out->field = "settings.score_step";
    out->detail = arena_printf(&r->a,
                               "评分步长 %g 分不能整除指标 %s 的满分 %g 分（按此步长打不到满分），"
                               "请选择更小的步长",
                               step, db_col_text(st, 0), max);
    db_reset(st);
    return E_VALIDATION;
  }
  db_reset(st);
  return rc == DB_DONE ? E_OK : rc;
}

/* Whether cycle ID has any review score yet, into *YES. */
static int has_review_scores(struct req *r, int64_t id, int64_t *yes)
{
  db_stmt *st = db_prepare(r->db, "SELECT EXISTS (SELECT 1 FROM score s JOIN assignment a ON "
                                  "a.id = s.assignment_id WHERE a.cycle_id = :c AND a.kind = "
                                  "'review')");
  int rc;
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":c", id))) {
    db_reset(st);
    return rc;
  }
  return db_one_int(st, yes);
}

/* The string value of J, or "" when J is not a string. */
static const char *str_or_empty(json_t *j)
{
  return json_is_string(j) ? json_string_value(j) : "";
}

/* The aggregation methods of results.h. */
static const char *const agg_methods[] = {"mean", "median", "trimmed", "normalized", NULL};

/* Checks the quotas Q of settings.aggregation against the grade bands of RUBRIC (0 = none
 * chosen: every quota is refused): an array of {"grade": a band, not the lowest, at most once,
 * "max_share": 0..1}. E_OK, E_VALIDATION naming "settings.aggregation.quotas[i].<member>", or
 * a db error. */
static int check_quotas(struct req *r, struct reply *out, int64_t rubric, json_t *q)
{
  if (!json_is_array(q))
    return reply_invalid(out, "settings.aggregation.quotas",
                         "等次名额应为列表，例如 [{\"grade\": \"优秀\", \"max_share\": 0.2}]");
  if (!json_array_size(q)) return E_OK;
  json_t *rb = NULL, *bands;
  int rc = rubric ? rubric_get(r->db, rubric, &rb) : E_OK;
  if (rc) return rc;
  bands = json_object_get(rb, "grade_bands");
  size_t i, nb = json_array_size(bands);
  json_t *e;
  json_array_foreach(q, i, e)
  {
    const char *g = json_string_value(json_object_get(e, "grade"));
    json_t *share = json_object_get(e, "max_share");
    const char *base = arena_printf(&r->a, "settings.aggregation.quotas[%zu]", i);
    if (!base) {
      rc = E_NOMEM;
      break;
    }
    if (!json_is_object(e) || json_object_size(e) != 2 || !g || !share) {
      rc = reply_invalid(out, base, "每个等次名额应为 {\"grade\": 等次名称, \"max_share\": 比例}");
      break;
    }
    size_t b = nb;
    for (size_t k = 0; k < nb && b == nb; k++)
      if (!strcmp(g, str_or_empty(json_object_get(json_array_get(bands, k), "name")))) b = k;
    const char *gf = arena_printf(&r->a, "%s.grade", base);
    if (b == nb) {
      out->field = gf;
      out->detail = rubric ? arena_printf(&r->a, "该周期的评分细则没有“%s”这一等次", g)
                           : "该周期还没有评分细则，不能设置等次名额";
      rc = E_VALIDATION;
      break;
    }
    if (b == nb - 1) {
      out->field = gf;
      out->detail = arena_printf(&r->a, "“%s”是最低等次，不能限定名额", g);
      rc = E_VALIDATION;
      break;
    }
    for (size_t k = 0; k < i; k++)
      if (!strcmp(g, str_or_empty(json_object_get(json_array_get(q, k), "grade")))) b = nb;
    if (b == nb) {
      out->field = gf;
      out->detail = arena_printf(&r->a, "等次“%s”的名额重复设置", g);
      rc = E_VALIDATION;
      break;
    }
    double x = json_is_number(share) ? json_number_value(share) : -1;
    if (!(x >= 0 && x <= 1)) {
      rc = reply_invalid(out, arena_printf(&r->a, "%s.max_share", base),
                         "名额比例应为 0 到 1 之间的数（例如 0.2 表示至多 20% 的单位）");
      break;
    }
  }
  json_decref(rb);
  return rc;
}

/* Checks the partial aggregation settings V against RUBRIC and merges them into CUR's
 * "aggregation" member. E_OK, E_VALIDATION naming "settings.aggregation.<member>", E_NOMEM or
 * a db error. */
static int merge_aggregation(struct req *r, struct reply *out, int64_t rubric, json_t *v,
                             json_t *cur)
{
  if (!json_is_object(v))
    return reply_invalid(out, "settings.aggregation",
                         "应为对象，例如 {\"method\": \"trimmed\", \"quotas\": [], "
                         "\"flag_share\": 0.5}");
  json_t *agg = json_object_get(cur, "aggregation");
  agg = json_is_object(agg) ? json_deep_copy(agg) : json_object();
  if (!agg) return E_NOMEM;
  int rc = E_OK;
  const char *key;
  json_t *x;
  json_object_foreach(v, key, x)
  {
    if (!strcmp(key, "method")) {
      const char *m = json_string_value(x);
      int known = 0;
      for (int i = 0; m && agg_methods[i] && !known; i++) known = !strcmp(m, agg_methods[i]);
      if (!known) {
        rc = reply_invalid(out, "settings.aggregation.method",
                           "汇总方法应为 mean（平均）、median（中位数）、trimmed（去掉最高最低后"
                           "平均）或 normalized（按评审尺度校正）");
        break;
      }
    } else if (!strcmp(key, "quotas")) {
      if ((rc = check_quotas(r, out, rubric, x))) break;
    } else if (!strcmp(key, "flag_share")) {
      double f = json_is_number(x) ? json_number_value(x) : -1;
      if (!(f > 0 && f <= 1)) {
        rc = reply_invalid(out, "settings.aggregation.flag_share",
                           "分歧阈值应为大于 0、不超过 1 的数（占指标满分的比例）");
        break;
      }
      x = json_real(f);
      if (!x || json_object_set_new(agg, key, x)) rc = E_NOMEM;
      if (rc) break;
      continue;
    } else {
      rc = reply_invalid(out, arena_printf(&r->a, "settings.aggregation.%.40s", key),
                         "不认识的汇总设置项");
      break;
    }
    if (json_object_set(agg, key, x)) {
      rc = E_NOMEM;
      break;
    }
  }
  if (!rc && json_object_set(cur, "aggregation", agg)) rc = E_NOMEM;
  json_decref(agg);
  return rc;
}

/* Checks the "settings" of the PATCH body for cycle ID (scored against RUBRIC, 0 = none yet)
 * and merges them into the stored settings STORED; *MERGED is the new JSON text (caller
 * frees). E_VALIDATION naming "settings.<key>", E_CONFLICT when blind mode would change once
 * review scores exist, or a db error. */
static int merge_settings(struct req *r, struct reply *out, int64_t id, int64_t rubric,
                          const char *stored, char **merged)
{
  json_t *patch = json_object_get(r->jbody, "settings");
  *merged = NULL;
  if (!json_is_object(patch))
    return reply_invalid(out, "settings", "评分设置应为对象，例如 {\"blind\": true}");
  json_t *cur = json_loads(stored, 0, NULL);
  if (!json_is_object(cur)) {
    json_decref(cur);
    cur = json_object();
  }
  if (!cur) return E_NOMEM;
  int rc = E_OK;
  const char *key;
  json_t *v;
  json_object_foreach(patch, key, v)
  {
    const char *field = arena_printf(&r->a, "settings.%.40s", key);
    if (!field) {
      rc = E_NOMEM;
      break;
    }
    if (!strcmp(key, "score_step")) {
      if (json_is_null(v)) {
        json_object_del(cur, key);
        continue;
      }
      double step = json_is_number(v) ? json_number_value(v) : -1;
      int known = 0;
      for (int i = 0; steps[i] > 0 && !known; i++) known = fabs(step - steps[i]) < 1e-9;
      if (!known) {
        rc = reply_invalid(out, field,
                           "评分步长应为 0.01、0.05、0.1、0.2、0.25、0.5、1、2 或 5 分之一，"
                           "或为 null（使用评分细则的步长）");
        break;
      }
      if (rubric && (rc = step_fits(r, out, rubric, step))) break;
      json_object_set_new(cur, key, json_real(step));
    } else if (!strcmp(key, "comment_below")) {
      if (!json_is_number(v) || !(json_number_value(v) >= 0 && json_number_value(v) <= 1)) {
        rc = reply_invalid(out, field,
                           "应为 0 到 1 之间的数（低于满分的这一比例须写评语，0 表示不要求）");
        break;
      }
      json_object_set_new(cur, key, json_real(json_number_value(v)));
    } else if (!strcmp(key, "reveal_others")) {
      const char *x = json_string_value(v);
      if (!x || (strcmp(x, "after_submit") && strcmp(x, "always") && strcmp(x, "never"))) {
        rc = reply_invalid(out, field, "应为 after_submit（提交后可见）、always 或 never");
        break;
      }
      json_object_set(cur, key, v);
    } else if (!strcmp(key, "blind") || !strcmp(key, "show_self")) {
      if (!json_is_boolean(v)) {
        rc = reply_invalid(out, field, "应为 true 或 false");
        break;
      }
      int64_t scored = 0;
      if (!strcmp(key, "blind") && json_is_true(v) != json_is_true(json_object_get(cur, "blind")) &&
          (!(rc = has_review_scores(r, id, &scored)) && scored)) {
        out->field = "settings.blind";
        out->detail =
            "该周期已有评审打分，不能再开启或关闭匿名评审（否则评审人已看到的内容与设置不符）";
        rc = E_CONFLICT;
      }
      if (rc) break;
      json_object_set(cur, key, v);
    } else if (!strcmp(key, "aggregation")) {
      if ((rc = merge_aggregation(r, out, rubric, v, cur))) break;
    } else if (!strcmp(key, "appeal_days")) {
      json_int_t days = json_is_integer(v) ? json_integer_value(v) : 0;
      if (days < 1 || days > CYCLE_APPEAL_DAYS_MAX) {
        rc = reply_invalid(out, field, "复核申请期应为 1 到 60 之间的整数（公示后的天数）");
        break;
      }
      json_object_set(cur, key, v);
    } else if (!strcmp(key, "show_ranks")) {
      if (!json_is_boolean(v)) {
        rc = reply_invalid(out, field, "应为 true 或 false");
        break;
      }
      json_object_set(cur, key, v);
    } else {
      rc = reply_invalid(out, field, "不认识的评分设置项");
      break;
    }
  }
  if (!rc && !(*merged = json_dumps(cur, JSON_COMPACT))) rc = E_NOMEM;
  json_decref(cur);
  return rc;
}

/* 1 when the "settings" of BODY hold only the result settings (aggregation, show_ranks,
 * appeal_days). */
static int only_result_settings(json_t *body)
{
  const char *key;
  json_t *v;
  json_object_foreach(json_object_get(body, "settings"), key, v)
  {
    if (strcmp(key, "aggregation") && strcmp(key, "show_ranks") && strcmp(key, "appeal_days"))
      return 0;
  }
  return 1;
}

/* Writes an audit row for cycle ID with DETAIL (stolen). */
static int audit_cycle(struct req *r, int64_t id, const char *action, json_t *detail)
{
  char object[32];
  snprintf(object, sizeof object, "cycle:%lld", (long long)id);
  char *text = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
  json_decref(detail);
  int rc = text ? audit_write(r->db, r->user.id, r->user.login, action, object, text, r->client)
                : E_NOMEM;
  free(text);
  return rc;
}

int h_cycle_create(struct req *r, struct reply *out)
{
  static const char *const keys[] = {"year",  "title",     "submission_deadline", "review_deadline",
                                     "units", "rubric_id", "rubric_copy_from",    "rubric_template",
                                     NULL};
  int64_t year = 0, sub, rev;
  int sub_set, rev_set;
  const char *title;
  int rc;
  if ((rc = json_only_keys(out, r->jbody, keys)) ||
      (rc = json_take_int(out, r->jbody, "year", 1, 2000, 2100, &year)) ||
      (rc = json_take_str(out, r->jbody, "title", 1, 100, &title)) ||
      (rc = take_deadline(out, r->jbody, "submission_deadline", &sub, &sub_set)) ||
      (rc = take_deadline(out, r->jbody, "review_deadline", &rev, &rev_set)))
    return rc;
  if (sub && rev && rev < sub)
    return reply_invalid(out, "review_deadline", "评审截止时间不能早于填报截止时间");
  int64_t rubric = 0;
  json_t *units = json_object_get(r->jbody, "units");
  if (units && !json_is_array(units)) return reply_invalid(out, "units", "应为单位代码的数组");
  if ((rc = db_begin(r->db))) return rc;
  if ((rc = cycle_rubric_choose(r, out, &rubric))) goto fail;
  int64_t now = (int64_t)time(NULL);
  db_stmt *st = db_prepare(r->db, "INSERT INTO cycle (year, title, phase, submission_deadline, "
                                  "review_deadline, rubric_id, created_at, updated_at) VALUES (:y, "
                                  ":t, 'draft', :s, :rv, :rubric, :now, :now)");
  if (!st) goto fail;
  if ((rc = db_bind_int(st, ":y", year)) || (rc = db_bind_text(st, ":t", title)) ||
      (rc = rubric ? db_bind_int(st, ":rubric", rubric) : db_bind_null(st, ":rubric")) ||
      (rc = sub ? db_bind_int(st, ":s", sub) : db_bind_null(st, ":s")) ||
      (rc = rev ? db_bind_int(st, ":rv", rev) : db_bind_null(st, ":rv")) ||
      (rc = db_bind_int(st, ":now", now)) || (rc = db_run(st)))
    goto fail;
  int64_t id = db_last_id(r->db);
  if (!units) { /* every active unit takes part */
    st = db_prepare(r->db, "INSERT INTO cycle_unit (cycle_id, unit_id) SELECT :c, id FROM unit "
                           "WHERE active = 1");
    if (!st || (rc = db_bind_int(st, ":c", id)) || (rc = db_run(st))) goto fail;
  } else {
    size_t i;
    json_t *code;
    st = db_prepare(r->db, "INSERT OR IGNORE INTO cycle_unit (cycle_id, unit_id) SELECT :c, id "
                           "FROM unit WHERE code = :code");
    json_array_foreach(units, i, code)
    {
      if (!json_is_string(code)) {
        rc = reply_invalid(out, "units", "应为单位代码的数组");
        goto fail;
      }
      if (!st || (rc = db_bind_int(st, ":c", id)) ||
          (rc = db_bind_text(st, ":code", json_string_value(code))) || (rc = db_run(st)))
        goto fail;
      if (db_changes(r->db) == 0) {
        out->detail = arena_printf(&r->a, "单位代码 %s 不存在", json_string_value(code));
        out->field = "units";
        rc = E_VALIDATION;
        goto fail;
      }
    }
  }
  if ((rc = audit_cycle(r, id, "cycle.create",
                        json_pack("{s:I,s:s,s:o}", "year", (json_int_t)year, "title", title,
                                  "rubric_id", rubric ? json_integer(rubric) : json_null()))))
    goto fail;
  if ((rc = db_commit(r->db))) return rc;
  return cycle_reply(r, out, id, 201);
fail:
  db_rollback(r->db);
  return rc ? rc : E_DB;
}

int h_cycle_update(struct req *r, struct reply *out)
{
  static const char *const keys[] = {"title",
                                     "phase",
                                     "submission_deadline",
                                     "review_deadline",
                                     "appeal_deadline",
                                     "rubric_id",
                                     "confirm_rubric_change",
                                     "settings",
                                     NULL};
  int64_t id, sub, rev, appeal;
  int sub_set, rev_set, appeal_set;
  const char *title, *phase;
  int rc = req_param_id(r, "cycle", &id);
  if (rc) return rc;
  if ((rc = json_only_keys(out, r->jbody, keys)) ||
      (rc = json_take_str(out, r->jbody, "title", 0, 100, &title)) ||
      (rc = json_take_str(out, r->jbody, "phase", 0, 16, &phase)) ||
      (rc = take_deadline(out, r->jbody, "submission_deadline", &sub, &sub_set)) ||
      (rc = take_deadline(out, r->jbody, "review_deadline", &rev, &rev_set)) ||
      (rc = take_deadline(out, r->jbody, "appeal_deadline", &appeal, &appeal_set)))
    return rc;
  if (title && !*title) return reply_invalid(out, "title", "不能为空");
  int64_t rubric = 0;
  if ((rc = take_rubric(r, out, &rubric))) return rc;
  int to = phase ? phase_index(phase) : -1;
  if (phase && to < 0)
    return reply_invalid(out, "phase", "阶段应为 draft、submission、review、publication 或 closed");
  json_t *before = NULL;   /* the cycle before the change, for the audit row */
  json_t *switched = NULL; /* the scores carried over to another rubric, when it changes */
  char *settings = NULL;   /* the new settings (JSON text), when they change */
  if ((rc = db_begin(r->db))) return rc;
  db_stmt *st = db_prepare(r->db, "SELECT phase, settings, published_at, appeal_deadline FROM "
                                  "cycle WHERE id = :id");
  char cur[16] = "";
  char *stored = NULL;
  int64_t published = 0, appeal_old = 0; /* 0 = not set */
  if (!st || (rc = db_bind_int(st, ":id", id))) goto fail;
  if ((rc = db_step(st)) == DB_ROW) {
    snprintf(cur, sizeof cur, "%s", db_col_text(st, 0));
    stored = arena_strdup(&r->a, db_col_text(st, 1));
    published = db_col_is_null(st, 2) ? 0 : db_col_int(st, 2);
    appeal_old = db_col_is_null(st, 3) ? 0 : db_col_int(st, 3);
  }
  db_reset(st);
  if (rc != DB_ROW) {
    rc = rc == DB_DONE ? E_NOT_FOUND : rc;
    goto fail;
  }
  int from = phase_index(cur);
  if ((rc = cycle_load(r, id, &before))) goto fail;
  if (!strcmp(cur, "closed")) {
    out->detail = "考核周期已结束归档，不能再修改";
    rc = E_CONFLICT;
    goto fail;
  }
  if (phase && to != from && (to > from + 1 || to < from - 1)) {
    out->field = "phase";
    out->detail = "阶段只能前进或后退一步";
    rc = E_VALIDATION;
    goto fail;
  }
  /* Another rubric: until results are published; once scores exist, only with the admin's
   * confirmation (after GET .../rubric-change showed what changes), the scores moving over. */
  if (rubric && rubric != json_integer_value(json_object_get(before, "rubric_id"))) {
    if (from >= phase_index("publication")) {
      out->field = "rubric_id";
      out->detail = "结果已公示，不能再更换评分细则";
      rc = E_CONFLICT;
      goto fail;
    }
    int confirmed = json_is_true(json_object_get(r->jbody, "confirm_rubric_change"));
    if ((rc = cycle_rubric_switch(r->db, id, rubric, confirmed, &switched))) {
      if (rc == E_CONFLICT) {
        out->field = "confirm_rubric_change";
        out->detail = "该周期已有评分，更换评分细则前请先查看变化（rubric-change）并确认";
      }
      goto fail;
    }
  }
  /* Scoring settings: until results are published; the result settings (aggregation,
   * show_ranks) until the cycle is closed (checked above): results are computed on every
   * request, so a change shows at once. */
  if (json_object_get(r->jbody, "settings")) {
    if (from >= phase_index("publication") && !only_result_settings(r->jbody)) {
      out->field = "settings";
      out->detail = "结果已公示，不能再修改评分设置";
      rc = E_CONFLICT;
      goto fail;
    }
    int64_t scored_against =
        rubric ? rubric : json_integer_value(json_object_get(before, "rubric_id"));
    if ((rc = merge_settings(r, out, id, scored_against, stored ? stored : "{}", &settings)))
      goto fail;
  }
  /* The appeal window (see h_cycles.h): explicit, else computed on the first publication or
   * when appeal_days changes in a published cycle, else unchanged. */
  int64_t now = (int64_t)time(NULL);
  if (!appeal_set) {
    int to_pub = phase && to == phase_index("publication") && from != to;
    int days_changed =
        json_object_get(json_object_get(r->jbody, "settings"), "appeal_days") && published;
    if ((to_pub && !appeal_old) || days_changed) {
      json_t *eff = cycle_settings(settings ? settings : stored);
      if (!eff) {
        rc = E_NOMEM;
        goto fail;
      }
      json_int_t days = json_integer_value(json_object_get(eff, "appeal_days"));
      json_decref(eff);
      if (days < 1 || days > CYCLE_APPEAL_DAYS_MAX) days = CYCLE_APPEAL_DAYS;
      appeal = cycle_appeal_deadline(published ? published : now, days);
      appeal_set = 1;
    }
  }
  st = db_prepare(r->db, "UPDATE cycle SET title = coalesce(:t, title), phase = coalesce(:ph, "
                         "phase), submission_deadline = CASE WHEN :sset THEN :s ELSE "
                         "submission_deadline END, review_deadline = CASE WHEN :rset THEN :rv "
                         "ELSE review_deadline END, appeal_deadline = CASE WHEN :aset THEN :ad "
                         "ELSE appeal_deadline END, published_at = CASE WHEN :ph = "
                         "'publication' AND published_at IS NULL THEN :now ELSE published_at END, "
                         "settings = coalesce(:settings, settings), updated_at = :now WHERE id = "
                         ":id");
  if (!st) goto fail;
  if ((rc = db_bind_text(st, ":t", title)) || (rc = db_bind_text(st, ":ph", phase)) ||
      (rc = db_bind_text(st, ":settings", settings)) || (rc = db_bind_int(st, ":sset", sub_set)) ||
      (rc = sub ? db_bind_int(st, ":s", sub) : db_bind_null(st, ":s")) ||
      (rc = db_bind_int(st, ":rset", rev_set)) ||
      (rc = rev ? db_bind_int(st, ":rv", rev) : db_bind_null(st, ":rv")) ||
      (rc = db_bind_int(st, ":aset", appeal_set)) ||
      (rc = appeal ? db_bind_int(st, ":ad", appeal) : db_bind_null(st, ":ad")) ||
      (rc = db_bind_int(st, ":now", now)) || (rc = db_bind_int(st, ":id", id)) || (rc = db_run(st)))
    goto fail;
  json_t *after = NULL;
  if ((rc = cycle_load(r, id, &after))) goto fail;
  json_t *moved = switched; /* handed over to the audit row */
  switched = NULL;
  if ((rc = audit_cycle(
           r, id,
           phase && to != from ? "cycle.phase"
           : moved             ? "cycle.rubric"
           : settings          ? "cycle.settings"
                               : "cycle.update",
           json_pack("{s:O,s:o,s:o?}", "before", before, "after", after, "moved", moved))))
    goto fail;
  json_decref(before);
  free(settings);
  if ((rc = db_commit(r->db))) return rc;
  return cycle_reply(r, out, id, 200);
fail:
  json_decref(before);
  json_decref(switched);
  free(settings);
  db_rollback(r->db);
  return rc ? rc : E_DB;
}

int h_cycle_units(struct req *r, struct reply *out)
{
  int64_t id, exists = 0;
  int rc = req_param_id(r, "cycle", &id);
  if (rc) return rc;
  db_stmt *st = db_prepare(r->db, "SELECT count(*) FROM cycle WHERE id = :id");
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":id", id)) || (rc = db_one_int(st, &exists))) return rc;
  if (!exists) return E_NOT_FOUND;
  /* Who sees which units: the admin all; a unit user their own; a reviewer those assigned. */
  st = db_prepare(
      r->db, "SELECT u.code, u.name, u.kind, k.name, cu.late_upload_until, rp.version, "
             "rp.uploaded_at, rp.late, rp.format, rp.filename, json_array_length(rp.warnings), "
             "rp.size FROM cycle_unit cu JOIN unit u ON u.id = cu.unit_id JOIN unit_kind k ON "
             "k.code = u.kind JOIN cycle cy ON cy.id = cu.cycle_id LEFT JOIN report rp ON "
             "rp.cycle_id = cu.cycle_id AND rp.unit_id = u.id AND rp.current = 1 WHERE "
             "cu.cycle_id = :c AND (:role = 'admin' OR (:role = 'unit' AND u.id = :myunit) OR "
             "(:role = 'reviewer' AND u.id <> :myunit AND NOT coalesce(json_extract(cy.settings, "
             "'$.blind'), 0) AND EXISTS (SELECT 1 FROM assignment a WHERE a.cycle_id = cu.cycle_id "
             "AND a.unit_id = u.id AND a.user_id = :me AND a.kind = 'review' AND a.status "
             "<> 'recused'))) ORDER BY k.sort, u.code");
  if (!st) return E_DB;
  const char *role = r->user.role == ROLE_ADMIN  ? "admin"
                     : r->user.role == ROLE_UNIT ? "unit"
                                                 : "reviewer";
  if ((rc = db_bind_int(st, ":c", id)) || (rc = db_bind_text(st, ":role", role)) ||
      (rc = db_bind_int(st, ":myunit", r->user.unit_id)) ||
      (rc = db_bind_int(st, ":me", r->user.id))) {
    db_reset(st);
    return rc;
  }
  json_t *arr = json_array();
  while (arr && (rc = db_step(st)) == DB_ROW) {
    json_t *rep =
        db_col_is_null(st, 5)
            ? json_null()
            : json_pack("{s:I,s:I,s:b,s:s,s:s,s:I,s:I}", "version", (json_int_t)db_col_int(st, 5),
                        "uploaded_at", (json_int_t)db_col_int(st, 6), "late",
                        (int)db_col_int(st, 7), "format", db_col_text(st, 8), "filename",
                        db_col_text(st, 9), "warnings", (json_int_t)db_col_int(st, 10), "size",
                        (json_int_t)db_col_int(st, 11));
    json_t *u =
        json_pack("{s:s,s:s,s:s,s:s,s:o,s:o}", "code", db_col_text(st, 0), "name",
                  db_col_text(st, 1), "kind", db_col_text(st, 2), "kind_name", db_col_text(st, 3),
                  "late_upload_until", int_or_null(st, 4), "report", rep);
    if (json_array_append_new(arr, u)) rc = E_NOMEM;
  }
  db_reset(st);
  if (!arr || rc != DB_DONE) {
    json_decref(arr);
    return arr ? rc : E_NOMEM;
  }
  return reply_json(out, 200, json_pack("{s:o}", "units", arr));
}

int cycle_check_open(struct db *db, int64_t cycle, int until_closed, const char **detail)
{
  db_stmt *st = db_prepare(db, "SELECT phase FROM cycle WHERE id = :c");
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
  int closed = !strcmp(db_col_text(st, 0), "closed"),
      published = !strcmp(db_col_text(st, 0), "publication");
  db_reset(st);
  if (closed && until_closed) {
    *detail = "该考核周期已结束，只能查看，不能再更改";
    return E_NOT_OPEN;
  }
  if ((closed || published) && !until_closed) {
    *detail = "该考核周期已进入公示或已结束，不能再更改评审分配或上传";
    return E_NOT_OPEN;
  }
  return E_OK;
}

int h_cycle_late_upload(struct req *r, struct reply *out)
{
  static const char *const keys[] = {"until", NULL};
  int64_t id, unit, until;
  int set;
  int rc = req_param_id(r, "cycle", &id);
  if (rc || (rc = authz_param_unit(r, &unit))) return rc;
  if ((rc = json_only_keys(out, r->jbody, keys)) ||
      (rc = take_deadline(out, r->jbody, "until", &until, &set)))
    return rc;
  if (!set) return reply_invalid(out, "until", "请指定允许补交的截止时间（或 null 取消）");
  if ((rc = db_begin(r->db))) return rc;
  if ((rc = cycle_check_open(r->db, id, 0, &out->detail))) goto fail;
  db_stmt *st = db_prepare(r->db, "UPDATE cycle_unit SET late_upload_until = :u WHERE cycle_id = "
                                  ":c AND unit_id = :unit");
  if (!st) goto fail;
  if ((rc = until ? db_bind_int(st, ":u", until) : db_bind_null(st, ":u")) ||
      (rc = db_bind_int(st, ":c", id)) || (rc = db_bind_int(st, ":unit", unit)) ||
      (rc = db_run(st)))
    goto fail;
  if (db_changes(r->db) == 0) {
    rc = E_NOT_FOUND;
    goto fail;
  }
  if ((rc = audit_cycle(r, id, "cycle.late_upload",
                        json_pack("{s:s,s:o}", "unit", req_param(r, "unit"), "until",
                                  until ? json_integer(until) : json_null()))))
    goto fail;
  if ((rc = db_commit(r->db))) return rc;
  out->status = 204;
  return E_OK;
fail:
  db_rollback(r->db);
  return rc ? rc : E_DB;
}
