/*
 * demo_sheets.c - the demonstration score sheets (see demo_sheets.h).
 */
#include "demo_sheets.h"

#include "db.h"
#include "err.h"
#include "hints.h"
#include "log.h"
#include "rubrics.h"
#include "sheets.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STEP 0.5 /* the demo rubric's score step */

/* A stable hash of the strings A and B (FNV-1a), for made-up but repeatable numbers. */
static uint32_t mix(const char *a, const char *b)
{
  uint32_t h = 2166136261u;
  for (const char *s = a; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
  h = (h ^ '/') * 16777619u;
  for (const char *s = b; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
  return h;
}

/* Appends every leaf of NODE's subtree to LEAVES. */
static void collect_leaves(json_t *node, json_t *leaves)
{
  json_t *kids = json_object_get(node, "children");
  if (!kids) {
    json_array_append(leaves, node);
    return;
  }
  size_t i;
  json_t *k;
  json_array_foreach(kids, i, k) collect_leaves(k, leaves);
}

/* Does LEAF apply to units of kind KIND? */
static int applies(json_t *leaf, const char *kind)
{
  json_t *to = json_object_get(leaf, "applies_to");
  if (!json_is_array(to)) return 1;
  size_t i;
  json_t *k;
  json_array_foreach(to, i, k) if (!strcmp(json_string_value(k), kind)) return 1;
  return 0;
}

/* Who scores how much: the share of leaves scored, whether the sheet is submitted, how many
 * sheets (0 = all), and the reviewer's lean. */
struct habit {
  const char *login;
  double share;
  int submit, sheets;
  double lean;
};

static const struct habit habits[] = {
    {"reviewer3", 1.0, 1, 0, 0.03},
    {"reviewer4", 0.5, 0, 0, -0.02},
    {"reviewer5", 0.25, 0, 2, 0.0},
};

static const char *const low_comments[] = {
    "报告对该项工作只作了原则性表述，缺少具体做法和数据支撑。",
    "相关工作有部署，但未说明落实情况和成效，酌情扣分。",
    "报告未反映该项工作的完成情况，按评分标准扣分。",
};

static const char *const self_comments[] = {
    "已按年度工作要点落实，具体做法见报告相应部分。",
    "本单位已建立相应制度并组织实施，相关台账可备查。",
    "该项工作按要求完成，个别环节仍需在下一年度加强。",
};

/* The change that scores LEAVES for one sheet of a unit with code UNIT (kind KIND, report
 * TEXT or NULL) by LOGIN: a new object for sheet_apply(), or NULL when out of memory. */
static json_t *make_change(json_t *rb, json_t *leaves, const char *unit, const char *kind,
                           const char *text, const char *login, const struct habit *hb, int self,
                           double shift)
{
  json_t *items = json_object(), *kw = json_object(), *found = NULL;
  size_t i;
  json_t *leaf;
  json_array_foreach(leaves, i, leaf) json_object_set(
      kw, json_string_value(json_object_get(leaf, "code")), json_object_get(leaf, "keywords"));
  if (text) found = hints_find(text, strlen(text), kw, 1);
  json_decref(kw);
  double quality = 0.55 + (double)(mix(unit, "quality") % 40) / 100.0 + shift;
  size_t n = json_array_size(leaves), todo = (size_t)ceil(hb->share * (double)n);
  json_array_foreach(leaves, i, leaf)
  {
    if (i >= todo) break;
    if (!applies(leaf, kind)) continue;
    const char *code = json_string_value(json_object_get(leaf, "code"));
    double max = json_number_value(json_object_get(leaf, "max_points"));
    double noise = (double)((int)(mix(code, login) % 21) - 10) / 100.0;
    double frac = fmin(1.0, fmax(0.0, quality + hb->lean + noise));
    double pts = floor(max * frac / STEP + 0.5) * STEP;
    json_t *it = json_pack("{s:f}", "points", pts);
    if (self)
      json_object_set_new(it, "comment", json_string(self_comments[mix(code, unit) % 3]));
    else if (pts < 0.6 * max)
      json_object_set_new(it, "comment", json_string(low_comments[mix(code, login) % 3]));
    json_t *first = json_array_get(json_object_get(found, code), 0);
    if (first && pts >= 0.8 * max)
      json_object_set_new(it, "evidence",
                          json_pack("[{s:O,s:O}]", "start", json_object_get(first, "start"), "end",
                                    json_object_get(first, "end")));
    json_object_set_new(items, code, it);
  }
  if (hb->submit && !self) { /* a full sheet also says whether deductions or bonuses apply */
    json_t *d = json_array_get(json_object_get(rb, "deduction"), 5);
    json_t *b = json_array_get(json_object_get(rb, "bonus"), 2);
    if (d && quality < 0.65)
      json_object_set_new(items, json_string_value(json_object_get(d, "code")),
                          json_pack("{s:i}", "count", 1));
    if (b && quality > 0.88)
      json_object_set_new(items, json_string_value(json_object_get(b, "code")),
                          json_pack("{s:i}", "count", 1));
  }
  json_decref(found);
  return json_pack("{s:i,s:o,s:b}", "version", 0, "items", items, "submit", hb->submit);
}

/* Applies CHANGE to sheet ID, logging the problem when the demo data breaks a rule. */
static int apply(struct db *db, int64_t id, json_t *change, int64_t now)
{
  json_t *codes = NULL;
  const char *field = NULL, *detail = NULL;
  int rc = change ? sheet_apply(db, id, change, now, &codes, &field, &detail) : E_NOMEM;
  if (rc)
    log_error("demo sheet %lld: %s %s", (long long)id, field ? field : "", detail ? detail : "");
  json_decref(codes);
  json_decref(change);
  return rc;
}

int demo_sheets(struct db *db, int64_t cycle, int finished, int64_t now)
{
  int64_t rubric_id = 0;
  db_stmt *st = db_prepare(db, "SELECT coalesce(rubric_id, 0) FROM cycle WHERE id = :c");
  int rc;
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":c", cycle)) || (rc = db_one_int(st, &rubric_id))) return rc;
  json_t *rb = NULL, *leaves = json_array();
  if (!rubric_id || (rc = rubric_get(db, rubric_id, &rb))) {
    json_decref(leaves);
    return rubric_id ? rc : E_OK;
  }
  size_t i;
  json_t *area;
  json_array_foreach(json_object_get(rb, "areas"), i, area) collect_leaves(area, leaves);

  /* The self-assessment first, as it was made in the submission phase (the current cycle). */
  st = finished ? NULL
                : db_prepare(db, "INSERT INTO assignment (cycle_id, unit_id, user_id, kind, "
                                 "created_at, updated_at) SELECT :c, u.unit_id, u.id, 'self', "
                                 ":now, :now FROM user u WHERE u.login = 'unit-YL-GAJ'");
  if (!finished && (!st || (rc = db_bind_int(st, ":c", cycle)) ||
                    (rc = db_bind_int(st, ":now", now)) || (rc = db_run(st))))
    goto done;
  static const struct habit self_habit = {"unit-YL-GAJ", 1.0, 1, 0, 0.08};
  json_t *ids = json_array();
  st = db_prepare(db, "SELECT a.id, a.kind, u.login, un.code, un.kind, coalesce(rp.text, '') "
                      "FROM assignment a JOIN user u ON u.id = a.user_id JOIN unit un ON un.id = "
                      "a.unit_id JOIN report rp ON rp.cycle_id = a.cycle_id AND rp.unit_id = "
                      "a.unit_id AND rp.current = 1 WHERE a.cycle_id = :c ORDER BY a.id");
  if (!st || !ids || (rc = db_bind_int(st, ":c", cycle))) {
    json_decref(ids);
    rc = rc ? rc : E_DB;
    goto done;
  }
  while ((rc = db_step(st)) == DB_ROW)
    json_array_append_new(
        ids, json_pack("{s:I,s:s,s:s,s:s,s:s,s:s}", "id", (json_int_t)db_col_int(st, 0), "kind",
                       db_col_text(st, 1), "login", db_col_text(st, 2), "unit", db_col_text(st, 3),
                       "unit_kind", db_col_text(st, 4), "text", db_col_text(st, 5)));
  db_reset(st);
  rc = rc == DB_DONE ? E_OK : rc;
  int done_by[sizeof habits / sizeof habits[0]] = {0};
  json_t *row;
  json_array_foreach(ids, i, row)
  {
    if (rc) break;
    const char *login = json_string_value(json_object_get(row, "login"));
    int self = !strcmp(json_string_value(json_object_get(row, "kind")), "self");
    const struct habit *hb = self ? &self_habit : NULL;
    struct habit all = {login, 1.0, 1, 0, (double)(mix(login, "lean") % 7) / 100.0 - 0.03};
    if (finished) hb = &all;
    for (size_t h = 0; !self && !finished && h < sizeof habits / sizeof habits[0]; h++)
      if (!strcmp(habits[h].login, login) && (!habits[h].sheets || done_by[h] < habits[h].sheets)) {
        hb = &habits[h];
        done_by[h]++;
      }
    if (!hb) continue;
    rc = apply(db, json_integer_value(json_object_get(row, "id")),
               make_change(rb, leaves, json_string_value(json_object_get(row, "unit")),
                           json_string_value(json_object_get(row, "unit_kind")),
                           json_string_value(json_object_get(row, "text")), login, hb, self,
                           finished ? -0.06 : 0.0),
               now);
  }
  json_decref(ids);
done:
  json_decref(rb);
  json_decref(leaves);
  return rc;
}
