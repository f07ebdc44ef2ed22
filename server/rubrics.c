/*
 * rubrics.c - rubric validation, storage and reading (see rubrics.h).
 */
#include "rubrics.h"

#include "db.h"
#include "dbjson.h"
#include "err.h"
#include "utf8.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- validation ---- */

/* Where a validation problem is reported: the path and the sentence. */
static _Thread_local char vfield[160], vproblem[400];

static int invalid(const char **field, const char **problem, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int invalid(const char **field, const char **problem, const char *path, const char *fmt, ...)
{
  snprintf(vfield, sizeof vfield, "%s", path);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(vproblem, sizeof vproblem, fmt, ap);
  va_end(ap);
  *field = vfield;
  *problem = vproblem;
  return E_VALIDATION;
}

/* The state of one validation walk. */
struct walk {
  struct db *db;
  json_t *codes; /* codes seen (object used as a set) */
  json_t *areas; /* codes of the top-level areas (a set) */
  int nodes;     /* nodes seen */
  double leaves; /* sum of leaf points */
  const char **field, **problem;
};

/* The Chinese label of member KEY in messages. */
static const char *label(const char *key)
{
  return !strcmp(key, "name")          ? "名称"
         : !strcmp(key, "guidance")    ? "评分标准"
         : !strcmp(key, "responsible") ? "责任单位"
                                       : key;
}

/* A text member KEY of N: required or not, at most MAX characters. */
static int text(struct walk *w, json_t *n, const char *path, const char *key, int required,
                size_t max, const char *code)
{
  json_t *v = json_object_get(n, key);
  char p[200];
  snprintf(p, sizeof p, "%s.%s", path, key);
  if (!v || json_is_null(v))
    return required ? invalid(w->field, w->problem, p, "指标 %s 缺少%s", code, label(key)) : E_OK;
  if (!json_is_string(v) || (required && !json_string_length(v)))
    return invalid(w->field, w->problem, p, "指标 %s 的%s应为非空文本", code, label(key));
  if (utf8_chars(json_string_value(v)) > max)
    return invalid(w->field, w->problem, p, "指标 %s 的%s过长（最多 %zu 字）", code, label(key),
                   max);
  return E_OK;
}

/* 1 when X is a number of points: finite, >= 0, a multiple of 0.01. */
static int is_points(json_t *x)
{
  if (!json_is_number(x)) return 0;
  double v = json_number_value(x);
  return isfinite(v) && v >= 0 && v <= 1000 && fabs(v * 100 - round(v * 100)) < 1e-6;
}

/* Checks node N (at PATH, depth DEPTH) and its children. */
static int node(struct walk *w, json_t *n, const char *path, int depth)
{
  static const char *const keys[] = {
      "code",       "name",        "children",         "max_points", "guidance", "keywords",
      "applies_to", "responsible", "points_from_text", "line",       "points",   NULL};
  if (!json_is_object(n)) return invalid(w->field, w->problem, path, "应为指标对象");
  if (++w->nodes > RUBRIC_MAX_NODES)
    return invalid(w->field, w->problem, path, "指标过多（最多 %d 个）", RUBRIC_MAX_NODES);
  const char *k;
  json_t *v;
  json_object_foreach(n, k, v)
  {
    int known = 0;
    for (int i = 0; keys[i] && !known; i++) known = !strcmp(k, keys[i]);
    if (!known) {
      char p[200];
      snprintf(p, sizeof p, "%s.%s", path, k);
      return invalid(w->field, w->problem, p, "不认识的字段 %s", k);
    }
  }
  json_t *jc = json_object_get(n, "code");
  const char *code = json_is_string(jc) ? json_string_value(jc) : "?";
  int rc;
  char p[200];
  snprintf(p, sizeof p, "%s.code", path);
  if (!json_is_string(jc) || !json_string_length(jc) || json_string_length(jc) > 20)
    return invalid(w->field, w->problem, p, "指标编号应为 1 到 20 个字符");
  for (const char *c = code; *c; c++)
    if (!((*c >= '0' && *c <= '9') || ((*c | 0x20) >= 'a' && (*c | 0x20) <= 'z') || *c == '.' ||
          *c == '-'))
      return invalid(w->field, w->problem, p, "指标编号 %s 只能包含字母、数字、点和连字符", code);
  if (json_object_get(w->codes, code))
    return invalid(w->field, w->problem, p, "指标编号 %s 重复", code);
  json_object_set_new(w->codes, code, json_true());
  if ((rc = text(w, n, path, "name", 1, 200, code)) ||
      (rc = text(w, n, path, "guidance", 0, 4000, code)) ||
      (rc = text(w, n, path, "responsible", 0, 500, code)))
    return rc;
  json_t *kw = json_object_get(n, "keywords");
  snprintf(p, sizeof p, "%s.keywords", path);
  if (kw && !json_is_null(kw)) {
    if (!json_is_array(kw) || json_array_size(kw) > 50)
      return invalid(w->field, w->problem, p, "指标 %s 的关键词应为最多 50 个文本的数组", code);
    size_t i;
    json_t *x;
    json_array_foreach(kw, i, x)
    {
      if (!json_is_string(x) || !json_string_length(x) || utf8_chars(json_string_value(x)) > 50)
        return invalid(w->field, w->problem, p, "指标 %s 的关键词应为 1 到 50 个字的文本", code);
      if (strchr(json_string_value(x), ';') || strstr(json_string_value(x), "；"))
        return invalid(w->field, w->problem, p,
                       "指标 %s 的关键词“%s”含有分号（分号用来分隔关键词，请拆成两个）", code,
                       json_string_value(x));
    }
  }
  json_t *ap = json_object_get(n, "applies_to");
  snprintf(p, sizeof p, "%s.applies_to", path);
  if (ap && !json_is_null(ap)) {
    if (!json_is_array(ap) || !json_array_size(ap))
      return invalid(w->field, w->problem, p,
                     "指标 %s 的适用单位类别应为非空数组，或 null 表示适用于全部类别", code);
    size_t i;
    json_t *x;
    json_array_foreach(ap, i, x)
    {
      int64_t ok = 0;
      db_stmt *st = db_prepare(w->db, "SELECT count(*) FROM unit_kind WHERE code = :c");
      if (!st) return E_DB;
      if (!json_is_string(x) || db_bind_text(st, ":c", json_string_value(x)) ||
          db_one_int(st, &ok) || !ok)
        return invalid(w->field, w->problem, p, "指标 %s 的适用单位类别 %s 不存在", code,
                       json_is_string(x) ? json_string_value(x) : "?");
    }
  }
  json_t *children = json_object_get(n, "children"), *mx = json_object_get(n, "max_points");
  if (children && !json_is_null(children)) {
    snprintf(p, sizeof p, "%s.children", path);
    if (!json_is_array(children) || !json_array_size(children))
      return invalid(w->field, w->problem, p, "指标 %s 的下级指标应为非空数组", code);
    if (mx && !json_is_null(mx))
      return invalid(w->field, w->problem, p,
                     "指标 %s 有下级指标，不能再设分值（分值写在末级指标上）", code);
    if (depth >= RUBRIC_MAX_DEPTH)
      return invalid(w->field, w->problem, p, "指标 %s 层级过深（最多 %d 级）", code,
                     RUBRIC_MAX_DEPTH);
    size_t i;
    json_t *c;
    json_array_foreach(children, i, c)
    {
      char cp[200];
      snprintf(cp, sizeof cp, "%s.children[%zu]", path, i);
      if ((rc = node(w, c, cp, depth + 1))) return rc;
    }
    return E_OK;
  }
  snprintf(p, sizeof p, "%s.max_points", path);
  if (depth == 1)
    return invalid(w->field, w->problem, path, "一级指标 %s 至少需要一个下级指标", code);
  if (!is_points(mx) || json_number_value(mx) <= 0)
    return invalid(w->field, w->problem, p, "末级指标 %s 的分值应为大于 0 的数字", code);
  w->leaves += json_number_value(mx);
  return E_OK;
}

/* Checks the special items of LIST (bonus, deduction or veto). */
static int specials(struct walk *w, json_t *j, const char *key, json_t *bands)
{
  json_t *list = json_object_get(j, key);
  if (!list || json_is_null(list)) return E_OK;
  if (!json_is_array(list)) return invalid(w->field, w->problem, key, "应为数组");
  size_t i;
  json_t *n;
  json_array_foreach(list, i, n)
  {
    static const char *const members[] = {"code",   "name", "points", "cap",
                                          "effect", "area", "line",   NULL};
    char path[64], p[96];
    snprintf(path, sizeof path, "%s[%zu]", key, i);
    if (!json_is_object(n)) return invalid(w->field, w->problem, path, "应为对象");
    const char *m;
    json_t *v;
    json_object_foreach(n, m, v)
    {
      int ok = 0;
      for (int x = 0; members[x] && !ok; x++) ok = !strcmp(m, members[x]);
      if (!strcmp(m, "effect") && strcmp(key, "veto")) ok = 0;
      if ((!strcmp(m, "points") || !strcmp(m, "cap")) && !strcmp(key, "veto")) ok = 0;
      if (!strcmp(m, "area") && strcmp(key, "deduction")) ok = 0;
      if (!ok) {
        snprintf(p, sizeof p, "%s.%s", path, m);
        return invalid(w->field, w->problem, p, "不认识的字段 %s", m);
      }
    }
    json_t *jc = json_object_get(n, "code");
    const char *code = json_is_string(jc) ? json_string_value(jc) : "?";
    snprintf(p, sizeof p, "%s.code", path);
    if (!json_is_string(jc) || !json_string_length(jc) || json_string_length(jc) > 20)
      return invalid(w->field, w->problem, p, "编号应为 1 到 20 个字符");
    if (json_object_get(w->codes, code))
      return invalid(w->field, w->problem, p, "编号 %s 重复", code);
    json_object_set_new(w->codes, code, json_true());
    int rc = text(w, n, path, "name", 1, 200, code);
    if (rc) return rc;
    if (!strcmp(key, "veto")) {
      const char *effect = json_string_value(json_object_get(n, "effect"));
      snprintf(p, sizeof p, "%s.effect", path);
      const char *grade = effect && !strncmp(effect, "grade:", 6) ? effect + 6
                          : effect && !strncmp(effect, "cap:", 4) ? effect + 4
                                                                  : NULL;
      int known = 0;
      size_t k;
      json_t *b;
      json_array_foreach(bands, k, b)
      {
        if (grade && !strcmp(json_string_value(json_object_get(b, "name")), grade)) known = 1;
      }
      if (!known)
        return invalid(w->field, w->problem, p,
                       "否决项 %s 的效果应为“grade:等次”或“cap:等次”，等次须在等次设置中", code);
    } else {
      json_t *pt = json_object_get(n, "points"), *cap = json_object_get(n, "cap");
      snprintf(p, sizeof p, "%s.points", path);
      if (!is_points(pt) || json_number_value(pt) <= 0)
        return invalid(w->field, w->problem, p, "%s %s 的每项分值应为大于 0 的数字",
                       strcmp(key, "bonus") ? "扣分项" : "加分项", code);
      snprintf(p, sizeof p, "%s.cap", path);
      if (cap && !json_is_null(cap) &&
          (!is_points(cap) || json_number_value(cap) < json_number_value(pt)))
        return invalid(w->field, w->problem, p, "%s %s 的上限不能小于每项分值",
                       strcmp(key, "bonus") ? "扣分项" : "加分项", code);
      json_t *area = json_object_get(n, "area");
      snprintf(p, sizeof p, "%s.area", path);
      if (area && !json_is_null(area) &&
          (!json_is_string(area) || !json_object_get(w->areas, json_string_value(area))))
        return invalid(w->field, w->problem, p, "扣分项 %s 所属的一级指标 %s 不存在", code,
                       json_is_string(area) ? json_string_value(area) : "?");
    }
  }
  return E_OK;
}

/* Checks RULES (absent, null or an object of the known rules). */
static int rules_ok(struct walk *w, json_t *rules)
{
  if (!rules || json_is_null(rules)) return E_OK;
  if (!json_is_object(rules)) return invalid(w->field, w->problem, "rules", "计分规则应为对象");
  const char *k;
  json_t *v;
  char p[64];
  json_object_foreach(rules, k, v)
  {
    snprintf(p, sizeof p, "rules.%s", k);
    if (!strcmp(k, "na_rescale")) {
      if (!json_is_boolean(v))
        return invalid(w->field, w->problem, p, "不适用指标是否折算应为 true 或 false");
    } else if (!strcmp(k, "score_step")) {
      if (!is_points(v) || json_number_value(v) <= 0)
        return invalid(w->field, w->problem, p, "评分步长应为大于 0 的数字（如 0.5）");
    } else if (!strcmp(k, "bonus_cap") || !strcmp(k, "deduction_cap")) {
      if (!json_is_null(v) && !is_points(v))
        return invalid(w->field, w->problem, p, "%s应为不小于 0 的数字，或 null 表示不设上限",
                       k[0] == 'b' ? "加分总上限" : "扣分总上限");
    } else {
      return invalid(w->field, w->problem, p, "不认识的计分规则 %s", k);
    }
  }
  return E_OK;
}

int rubric_validate(struct db *db, json_t *j, const char **field, const char **problem)
{
  struct walk w = {db, json_object(), json_object(), 0, 0, field, problem};
  int rc = E_OK;
  static const char *const keys[] = {"name",  "total_points", "rules", "grade_bands", "areas",
                                     "bonus", "deduction",    "veto",  "notes",       NULL};
  const char *k;
  json_t *v;
  if (!w.codes || !w.areas) {
    json_decref(w.codes);
    json_decref(w.areas);
    return E_NOMEM;
  }
  if (!json_is_object(j)) {
    rc = invalid(field, problem, "", "评分细则应为 JSON 对象");
    goto done;
  }
  json_object_foreach(j, k, v)
  {
    int known = 0;
    for (int i = 0; keys[i] && !known; i++) known = !strcmp(k, keys[i]);
    if (!known) {
      rc = invalid(field, problem, k, "不认识的字段 %s", k);
      goto done;
    }
  }
  json_t *name = json_object_get(j, "name"), *total = json_object_get(j, "total_points");
  if (!json_is_string(name) || !json_string_length(name) ||
      utf8_chars(json_string_value(name)) > 100) {
    rc = invalid(field, problem, "name", "名称应为 1 到 100 个字");
    goto done;
  }
  if (!is_points(total) || json_number_value(total) <= 0) {
    rc = invalid(field, problem, "total_points", "总分应为大于 0、不超过 1000 的数字");
    goto done;
  }
  if ((rc = rules_ok(&w, json_object_get(j, "rules")))) goto done;
  json_t *bands = json_object_get(j, "grade_bands");
  if (bands && !json_is_null(bands)) {
    if (!json_is_array(bands)) {
      rc = invalid(field, problem, "grade_bands", "等次设置应为数组");
      goto done;
    }
    double last = INFINITY;
    size_t i;
    json_t *b;
    json_array_foreach(bands, i, b)
    {
      char p[64];
      snprintf(p, sizeof p, "grade_bands[%zu]", i);
      json_t *bn = json_object_get(b, "name"), *bm = json_object_get(b, "min");
      if (!json_is_string(bn) || !json_string_length(bn) || !is_points(bm) ||
          json_number_value(bm) >= last) {
        rc = invalid(field, problem, p, "等次应有名称，且最低分从高到低排列");
        goto done;
      }
      last = json_number_value(bm);
    }
  }
  json_t *areas = json_object_get(j, "areas");
  if (!json_is_array(areas) || !json_array_size(areas)) {
    rc = invalid(field, problem, "areas", "至少需要一个一级指标");
    goto done;
  }
  size_t i;
  json_t *a;
  json_array_foreach(areas, i, a)
  {
    char p[64];
    snprintf(p, sizeof p, "areas[%zu]", i);
    if ((rc = node(&w, a, p, 1))) goto done;
    json_object_set_new(w.areas, json_string_value(json_object_get(a, "code")), json_true());
  }
  if (fabs(w.leaves - json_number_value(total)) > 1e-6) {
    rc = invalid(field, problem, "total_points", "各末级指标分值合计 %g 分，与总分 %g 分不一致",
                 w.leaves, json_number_value(total));
    goto done;
  }
  if ((rc = specials(&w, j, "bonus", bands)) || (rc = specials(&w, j, "deduction", bands)) ||
      (rc = specials(&w, j, "veto", bands)))
    goto done;
done:
  json_decref(w.codes);
  json_decref(w.areas);
  return rc;
}

/* ---- storage ---- */

/* Turns every integer inside J into a real, so that one number has one JSON form whatever
 * the file it came from wrote ("4" or "4.0"): all numbers of a rubric are points. */
static void reals(json_t *j)
{
  size_t i;
  const char *k;
  json_t *v;
  if (json_is_object(j)) {
    json_object_foreach(j, k, v)
    {
      if (json_is_integer(v))
        json_object_set_new(j, k, json_real((double)json_integer_value(v)));
      else
        reals(v);
    }
  } else if (json_is_array(j)) {
    json_array_foreach(j, i, v)
    {
      if (json_is_integer(v))
        json_array_set_new(j, i, json_real((double)json_integer_value(v)));
      else
        reals(v);
    }
  }
}

/* Inserts one rubric node and its children. */
static int insert_node(struct db *db, int64_t rubric, int64_t parent, json_t *n, int sort,
                       const char *kind)
{
  json_t *children = json_object_get(n, "children");
  if (!strcmp(kind, "item") && json_is_array(children)) kind = "area";
  db_stmt *st =
      db_prepare(db, "INSERT INTO indicator (rubric_id, parent_id, code, name, kind, "
                     "sort, max_points, points, cap, effect, guidance, keywords, responsible, "
                     "applies_to, area_code) VALUES (:r, :p, :code, :name, :kind, :sort, :max, "
                     ":points, :cap, :effect, :guidance, :kw, :resp, :applies, :area)");
  if (!st) return E_DB;
  json_t *kw = json_object_get(n, "keywords"), *ap = json_object_get(n, "applies_to");
  char *kws = json_is_array(kw) ? json_dumps(kw, JSON_COMPACT) : NULL;
  char *aps = json_is_array(ap) ? json_dumps(ap, JSON_COMPACT) : NULL;
  json_t *mx = json_object_get(n, "max_points"), *pt = json_object_get(n, "points"),
         *cap = json_object_get(n, "cap");
  const char *effect = json_string_value(json_object_get(n, "effect"));
  int rc;
  if ((rc = db_bind_int(st, ":r", rubric)) ||
      (rc = parent ? db_bind_int(st, ":p", parent) : db_bind_null(st, ":p")) ||
      (rc = db_bind_text(st, ":code", json_string_value(json_object_get(n, "code")))) ||
      (rc = db_bind_text(st, ":name", json_string_value(json_object_get(n, "name")))) ||
      (rc = db_bind_text(st, ":kind", kind)) || (rc = db_bind_int(st, ":sort", sort)) ||
      (rc = json_is_number(mx) ? db_bind_double(st, ":max", json_number_value(mx))
                               : db_bind_null(st, ":max")) ||
      (rc = json_is_number(pt) ? db_bind_double(st, ":points", json_number_value(pt))
                               : db_bind_null(st, ":points")) ||
      (rc = json_is_number(cap) ? db_bind_double(st, ":cap", json_number_value(cap))
                                : db_bind_null(st, ":cap")) ||
      (rc = db_bind_text(st, ":effect", effect)) ||
      (rc = db_bind_text(st, ":guidance",
                         json_string_value(json_object_get(n, "guidance")) ?: "")) ||
      (rc = db_bind_text(st, ":kw", kws ? kws : "[]")) ||
      (rc =
           db_bind_text(st, ":resp", json_string_value(json_object_get(n, "responsible")) ?: "")) ||
      (rc = db_bind_text(st, ":applies", aps)) ||
      (rc = db_bind_text(st, ":area", json_string_value(json_object_get(n, "area")))))
    db_reset(st);
  else
    rc = db_run(st);
  free(kws);
  free(aps);
  if (rc) return rc;
  int64_t id = db_last_id(db);
  size_t i;
  json_t *c;
  json_array_foreach(children, i, c)
  {
    if ((rc = insert_node(db, rubric, id, c, (int)i + 1, "item"))) return rc;
  }
  return E_OK;
}

int rubric_insert(struct db *db, json_t *rb, int frozen, int64_t derived_from, int64_t now,
                  int64_t *id)
{
  /* A new version joins the family of the rubric it derives from, numbered after the newest;
   * a rubric of its own starts a family (family = its own id, set below). */
  db_stmt *st = db_prepare(
      db, "INSERT INTO rubric (name, total_points, rules, grade_bands, frozen, derived_from, "
          "family, version, created_at, updated_at) VALUES (:name, :total, :rules, :bands, "
          ":frozen, :from, (SELECT family FROM rubric WHERE id = :from), coalesce((SELECT "
          "max(v.version) + 1 FROM rubric v WHERE v.family = (SELECT family FROM rubric WHERE "
          "id = :from)), 1), :now, :now)");
  if (!st) return E_DB;
  json_t *jr = json_deep_copy(json_object_get(rb, "rules")),
         *jb = json_deep_copy(json_object_get(rb, "grade_bands"));
  reals(jr);
  reals(jb);
  char *rules = jr ? json_dumps(jr, JSON_COMPACT) : NULL;
  char *bands = jb ? json_dumps(jb, JSON_COMPACT) : NULL;
  json_decref(jr);
  json_decref(jb);
  int rc;
  if ((rc = db_bind_text(st, ":name", json_string_value(json_object_get(rb, "name")))) ||
      (rc = db_bind_double(st, ":total", json_number_value(json_object_get(rb, "total_points")))) ||
      (rc = db_bind_text(st, ":rules", rules ? rules : "{}")) ||
      (rc = db_bind_text(st, ":bands", bands ? bands : "[]")) ||
      (rc = db_bind_int(st, ":now", now)) || (rc = db_bind_int(st, ":frozen", frozen)) ||
      (rc = derived_from ? db_bind_int(st, ":from", derived_from) : db_bind_null(st, ":from")))
    db_reset(st);
  else
    rc = db_run(st);
  free(rules);
  free(bands);
  if (rc) return rc;
  *id = db_last_id(db);
  st = db_prepare(db, "UPDATE rubric SET family = id WHERE id = :id AND family IS NULL");
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":id", *id)) || (rc = db_run(st))) return rc;
  static const struct {
    const char *key, *kind;
  } parts[] = {{"areas", "item"}, {"bonus", "bonus"}, {"deduction", "deduction"}, {"veto", "veto"}};
  int sort = 0;
  for (size_t p = 0; p < sizeof parts / sizeof parts[0]; p++) {
    size_t i;
    json_t *n;
    json_array_foreach(json_object_get(rb, parts[p].key), i, n)
    {
      if ((rc = insert_node(db, *id, 0, n, ++sort, parts[p].kind))) return rc;
    }
  }
  return E_OK;
}

int rubric_replace(struct db *db, int64_t id, json_t *rb, int64_t now)
{
  int64_t frozen = 0;
  db_stmt *st = db_prepare(db, "SELECT frozen FROM rubric WHERE id = :id");
  int rc;
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":id", id)) || (rc = db_one_int(st, &frozen))) return rc;
  if (frozen) return E_CONFLICT;
  if ((rc = db_begin(db))) return rc;
  /* Absent members are stored as their empty JSON (no temporary objects to release). */
  json_t *jr = json_deep_copy(json_object_get(rb, "rules")),
         *jb = json_deep_copy(json_object_get(rb, "grade_bands"));
  reals(jr);
  reals(jb);
  char *rules = jr ? json_dumps(jr, JSON_COMPACT) : strdup("{}");
  char *bands = jb ? json_dumps(jb, JSON_COMPACT) : strdup("[]");
  json_decref(jr);
  json_decref(jb);
  st = db_prepare(db, "UPDATE rubric SET name = :name, total_points = :total, rules = :rules, "
                      "grade_bands = :bands, updated_at = :now WHERE id = :id");
  if (!st || !rules || !bands)
    rc = st ? E_NOMEM : E_DB;
  else if ((rc = db_bind_text(st, ":name", json_string_value(json_object_get(rb, "name")))) ||
           (rc = db_bind_double(st, ":total",
                                json_number_value(json_object_get(rb, "total_points")))) ||
           (rc = db_bind_text(st, ":rules", rules)) || (rc = db_bind_text(st, ":bands", bands)) ||
           (rc = db_bind_int(st, ":now", now)) || (rc = db_bind_int(st, ":id", id)))
    db_reset(st);
  else
    rc = db_run(st);
  free(rules);
  free(bands);
  if (!rc) {
    st = db_prepare(db, "DELETE FROM indicator WHERE rubric_id = :id");
    rc = !st ? E_DB : db_bind_int(st, ":id", id) ? E_INTERNAL : db_run(st);
  }
  static const struct {
    const char *key, *kind;
  } parts[] = {{"areas", "item"}, {"bonus", "bonus"}, {"deduction", "deduction"}, {"veto", "veto"}};
  int sort = 0;
  for (size_t p = 0; !rc && p < sizeof parts / sizeof parts[0]; p++) {
    size_t i;
    json_t *n;
    json_array_foreach(json_object_get(rb, parts[p].key), i, n)
    {
      if (!rc) rc = insert_node(db, id, 0, n, ++sort, parts[p].kind);
    }
  }
  if (rc) {
    db_rollback(db);
    return rc;
  }
  return db_commit(db);
}

/* ---- reading ---- */

/* Builds the children of PARENT (0 = the top) of kind KIND ('item' for the tree) into ARR. */
static int read_nodes(struct db *db, int64_t rubric, int64_t parent, int special, json_t *arr,
                      double *sum)
{
  db_stmt *st =
      db_prepare(db, "SELECT id, code, name, kind, max_points, points, cap, effect, "
                     "guidance, keywords, applies_to, responsible, area_code FROM indicator "
                     "WHERE rubric_id = "
                     ":r AND coalesce(parent_id, 0) = :p AND ((:special AND kind IN "
                     "('bonus', 'deduction', 'veto')) OR (NOT :special AND kind IN "
                     "('area', 'item'))) ORDER BY sort");
  if (!st) return E_DB;
  int rc;
  if ((rc = db_bind_int(st, ":r", rubric)) || (rc = db_bind_int(st, ":p", parent)) ||
      (rc = db_bind_int(st, ":special", special))) {
    db_reset(st);
    return rc;
  }
  /* Collect the rows first: the recursion below reuses this statement. */
  json_t *rows = json_array();
  while (rows && (rc = db_step(st)) == DB_ROW) {
    json_t *n =
        json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)db_col_int(st, 0), "code",
                  db_col_text(st, 1), "name", db_col_text(st, 2), "kind", db_col_text(st, 3));
    if (!n) break;
    if (!db_col_is_null(st, 4))
      json_object_set_new(n, "max_points", json_real(db_col_double(st, 4)));
    if (!db_col_is_null(st, 5)) json_object_set_new(n, "points", json_real(db_col_double(st, 5)));
    if (!db_col_is_null(st, 6)) json_object_set_new(n, "cap", json_real(db_col_double(st, 6)));
    if (!db_col_is_null(st, 7)) json_object_set_new(n, "effect", json_string(db_col_text(st, 7)));
    if (*db_col_text(st, 8)) json_object_set_new(n, "guidance", json_string(db_col_text(st, 8)));
    json_t *kw = json_loads(db_col_text(st, 9), 0, NULL),
           *ap = json_loads(db_col_text(st, 10), 0, NULL);
    json_object_set_new(n, "keywords", kw ? kw : json_array());
    json_object_set_new(n, "applies_to", ap ? ap : json_null());
    if (*db_col_text(st, 11))
      json_object_set_new(n, "responsible", json_string(db_col_text(st, 11)));
    if (!db_col_is_null(st, 12)) json_object_set_new(n, "area", json_string(db_col_text(st, 12)));
    json_array_append_new(rows, n);
  }
  db_reset(st);
  if (!rows) return E_NOMEM;
  if (rc != DB_DONE) {
    json_decref(rows);
    return rc;
  }
  size_t i;
  json_t *n;
  json_array_foreach(rows, i, n)
  {
    int64_t id = json_integer_value(json_object_get(n, "id"));
    json_object_del(n, "id");
    const char *kind = json_string_value(json_object_get(n, "kind"));
    double below = 0;
    if (!strcmp(kind, "area")) {
      json_t *children = json_array();
      if (!children || (rc = read_nodes(db, rubric, id, 0, children, &below))) {
        json_decref(children);
        json_decref(rows);
        return rc ? rc : E_NOMEM;
      }
      json_object_set_new(n, "children", children);
      json_object_set_new(n, "points", json_real(below));
      *sum += below;
    } else if (!strcmp(kind, "item")) {
      *sum += json_number_value(json_object_get(n, "max_points"));
    }
    if (!special) json_object_del(n, "kind");
    json_array_append(arr, n);
  }
  json_decref(rows);
  return E_OK;
}

int rubric_get(struct db *db, int64_t id, json_t **out)
{
  db_stmt *st = db_prepare(db, "SELECT name, version, total_points, rules, grade_bands, frozen, "
                               "created_at, family, derived_from FROM rubric WHERE id = :id");
  int rc;
  *out = NULL;
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":id", id))) {
    db_reset(st);
    return rc;
  }
  if ((rc = db_step(st)) != DB_ROW) {
    db_reset(st);
    return rc == DB_DONE ? E_NOT_FOUND : rc;
  }
  json_t *rules = json_loads(db_col_text(st, 3), 0, NULL),
         *bands = json_loads(db_col_text(st, 4), 0, NULL);
  reals(rules); /* rubrics stored before numbers were normalised */
  reals(bands);
  json_t *r = json_pack(
      "{s:I,s:s,s:I,s:f,s:o,s:o,s:b,s:I}", "id", (json_int_t)id, "name", db_col_text(st, 0),
      "version", (json_int_t)db_col_int(st, 1), "total_points", db_col_double(st, 2), "rules",
      rules ? rules : json_object(), "grade_bands", bands ? bands : json_array(), "frozen",
      (int)db_col_int(st, 5), "created_at", (json_int_t)db_col_int(st, 6));
  int64_t family = db_col_int(st, 7);
  if (r)
    json_object_set_new(r, "derived_from",
                        db_col_is_null(st, 8) ? json_null() : json_integer(db_col_int(st, 8)));
  db_reset(st);
  if (!r) return E_NOMEM;
  json_t *versions = NULL;
  if ((rc = rubric_versions(db, family, &versions))) {
    json_decref(r);
    return rc;
  }
  json_object_set_new(r, "family", json_integer(family));
  json_object_set_new(r, "versions", versions);
  json_t *areas = json_array(), *special = json_array();
  double sum = 0, ignored = 0;
  if (!areas || !special || (rc = read_nodes(db, id, 0, 0, areas, &sum)) ||
      (rc = read_nodes(db, id, 0, 1, special, &ignored))) {
    json_decref(areas);
    json_decref(special);
    json_decref(r);
    return rc ? rc : E_NOMEM;
  }
  json_object_set_new(r, "areas", areas);
  json_t *lists[3] = {json_array(), json_array(), json_array()};
  static const char *const names[3] = {"bonus", "deduction", "veto"};
  size_t i;
  json_t *n;
  json_array_foreach(special, i, n)
  {
    const char *kind = json_string_value(json_object_get(n, "kind"));
    for (int k = 0; k < 3; k++)
      if (!strcmp(kind, names[k])) {
        json_t *c = json_copy(n);
        json_object_del(c, "kind");
        json_object_del(c, "keywords");
        json_object_del(c, "applies_to");
        json_array_append_new(lists[k], c);
      }
  }
  json_decref(special);
  for (int k = 0; k < 3; k++) json_object_set_new(r, names[k], lists[k]);
  *out = r;
  return E_OK;
}

/* Removes the import line numbers of the items in LIST and, with GROUPS, the computed
 * "points" of group nodes, recursively. */
static void drop_computed(json_t *list, int groups)
{
  size_t i;
  json_t *n;
  json_array_foreach(list, i, n)
  {
    json_object_del(n, "line");
    json_t *children = json_object_get(n, "children");
    if (!groups || !json_is_array(children)) continue;
    json_object_del(n, "points");
    drop_computed(children, 1);
  }
}

json_t *rubric_portable(json_t *rb)
{
  static const char *const server_side[] = {"id",     "version",      "frozen",   "created_at",
                                            "family", "derived_from", "versions", NULL};
  json_t *c = json_deep_copy(rb);
  if (!json_is_object(c)) return c;
  for (int i = 0; server_side[i]; i++) json_object_del(c, server_side[i]);
  drop_computed(json_object_get(c, "areas"), 1);
  static const char *const lists[] = {"grade_bands", "bonus", "deduction", "veto"};
  for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
    drop_computed(json_object_get(c, lists[i]), 0);
  reals(c);
  return c;
}

long rubric_line_of(json_t *rb, const char *field)
{
  json_t *at = rb;
  long line = 0;
  const char *p = field ? field : "";
  while (at && *p) {
    json_t *ln = json_object_get(at, "line");
    if (json_is_integer(ln)) line = (long)json_integer_value(ln);
    char key[64];
    size_t k = 0;
    while (*p && *p != '.' && *p != '[' && k + 1 < sizeof key) key[k++] = *p++;
    key[k] = 0;
    at = k ? json_object_get(at, key) : at;
    while (at && *p == '[') {
      char *end;
      unsigned long idx = strtoul(p + 1, &end, 10);
      at = json_array_get(at, idx);
      p = *end == ']' ? end + 1 : end;
    }
    if (*p == '.') p++;
  }
  if (json_is_object(at) && json_is_integer(json_object_get(at, "line")))
    line = (long)json_integer_value(json_object_get(at, "line"));
  return line;
}

int rubric_exists(struct db *db, int64_t id, int *yes)
{
  int64_t n = 0;
  db_stmt *st = db_prepare(db, "SELECT count(*) FROM rubric WHERE id = :id");
  int rc;
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":id", id)) || (rc = db_one_int(st, &n))) return rc;
  *yes = n > 0;
  return E_OK;
}

json_t *rubric_ident(json_t *rb)
{
  return json_pack("{s:O,s:O,s:O,s:O}", "id", json_object_get(rb, "id"), "name",
                   json_object_get(rb, "name"), "version", json_object_get(rb, "version"),
                   "total_points", json_object_get(rb, "total_points"));
}

/* The columns every rubric listing selects, in the order rubric_row() reads them. */
#define RUBRIC_ROW_COLUMNS                                                                         \
  "r.id, r.name, r.version, r.total_points, r.frozen, r.created_at, (SELECT count(*) FROM "        \
  "cycle c WHERE c.rubric_id = r.id), r.family "

static json_t *rubric_row(db_stmt *st, void *ctx)
{
  (void)ctx;
  return json_pack("{s:I,s:s,s:I,s:f,s:b,s:I,s:I,s:I}", "id", (json_int_t)db_col_int(st, 0), "name",
                   db_col_text(st, 1), "version", (json_int_t)db_col_int(st, 2), "total_points",
                   db_col_double(st, 3), "frozen", (int)db_col_int(st, 4), "created_at",
                   (json_int_t)db_col_int(st, 5), "cycles", (json_int_t)db_col_int(st, 6), "family",
                   (json_int_t)db_col_int(st, 7));
}

int rubric_list(struct db *db, json_t **out)
{
  db_stmt *st = db_prepare(db, "SELECT " RUBRIC_ROW_COLUMNS "FROM rubric r ORDER BY r.id DESC");
  if (!st) return E_DB;
  return db_rows_json(st, rubric_row, NULL, out);
}

int rubric_versions(struct db *db, int64_t family, json_t **out)
{
  db_stmt *st = db_prepare(db, "SELECT " RUBRIC_ROW_COLUMNS
                               "FROM rubric r WHERE r.family = :f ORDER BY r.version");
  if (!st) return E_DB;
  int rc = db_bind_int(st, ":f", family);
  if (rc) {
    db_reset(st);
    return rc;
  }
  return db_rows_json(st, rubric_row, NULL, out);
}
