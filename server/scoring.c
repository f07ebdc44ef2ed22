/*
 * scoring.c - totals and grades under a rubric's rules (see scoring.h).
 */
#include "scoring.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double round2(double x)
{
  return round(x * 100.0) / 100.0;
}

/* A number member KEY of O, or DEF. */
static double num(json_t *o, const char *key, double def)
{
  json_t *v = json_object_get(o, key);
  return json_is_number(v) ? json_number_value(v) : def;
}

/* 1 when the string array ARR holds S. */
static int has(json_t *arr, const char *s)
{
  size_t i;
  json_t *v;
  json_array_foreach(arr, i, v)
  {
    if (json_is_string(v) && !strcmp(json_string_value(v), s)) return 1;
  }
  return 0;
}

/* The running sums of a walk over the leaves. */
struct sums {
  double base, max_all, max_applicable;
  json_t *excluded;
};

/* Adds the leaves under node N (N itself when it is a leaf) to S. */
static void leaves(json_t *n, json_t *sheet, const char *kind, struct sums *s)
{
  json_t *children = json_object_get(n, "children");
  if (json_is_array(children)) {
    size_t i;
    json_t *c;
    json_array_foreach(children, i, c) leaves(c, sheet, kind, s);
    return;
  }
  const char *code = json_string_value(json_object_get(n, "code"));
  double max = num(n, "max_points", 0);
  json_t *ap = json_object_get(n, "applies_to");
  int applies =
      !(kind && json_is_array(ap) && !has(ap, kind)) && !has(json_object_get(sheet, "na"), code);
  s->max_all += max;
  if (!applies) {
    json_array_append_new(s->excluded, json_string(code));
    return;
  }
  s->max_applicable += max;
  double v = num(json_object_get(sheet, "scores"), code, 0);
  s->base += v < 0 ? 0 : v > max ? max : v;
}

/* Sum over the special items LIST of min(points × count, cap), counts from COUNTS; only the
 * items whose "area" is AREA (NULL = the items without one). */
static double specials(json_t *list, json_t *counts, const char *area)
{
  double sum = 0;
  size_t i;
  json_t *n;
  json_array_foreach(list, i, n)
  {
    const char *a = json_string_value(json_object_get(n, "area"));
    if (area ? !a || strcmp(a, area) : a != NULL) continue;
    double c = num(counts, json_string_value(json_object_get(n, "code")), 0);
    if (c <= 0) continue;
    /* Not floored: a sheet's counts are whole numbers (sheets.c), and an aggregate of several
     * sheets (results.c, e.g. a mean of 1.5 occurrences) deducts proportionally. */
    double v = num(n, "points", 0) * c;
    double cap = num(n, "cap", INFINITY);
    sum += v > cap ? cap : v;
  }
  return sum;
}

/* AMOUNT (a bonus or deduction sum) rounded and held to the rubric's overall CAP, with the
 * step explained in STEPS under LABEL ("加分" / "扣分"). */
static double overall(double amount, double cap, const char *label, json_t *steps)
{
  char msg[120];
  amount = round2(amount);
  if (amount > cap)
    snprintf(msg, sizeof msg, "%s %g 分超过上限，按 %g 分计", label, amount, cap);
  else if (amount > 0)
    snprintf(msg, sizeof msg, "%s %g 分", label, amount);
  else
    return amount;
  json_array_append_new(steps, json_string(msg));
  return amount > cap ? cap : amount;
}

json_t *scoring_total(json_t *rubric, json_t *sheet, const char *unit_kind)
{
  json_t *rules = json_object_get(rubric, "rules"), *steps = json_array();
  struct sums s = {0, 0, 0, json_array()};
  char msg[300];
  if (!steps || !s.excluded) {
    json_decref(steps);
    json_decref(s.excluded);
    return NULL;
  }
  double total_points = num(rubric, "total_points", 100);
  json_t *areas = json_object_get(rubric, "areas"), *area;
  size_t ai;
  double *area_base = calloc(json_array_size(areas) + 1, sizeof *area_base);
  if (!area_base) {
    json_decref(steps);
    json_decref(s.excluded);
    return NULL;
  }
  json_array_foreach(areas, ai, area)
  {
    double before = s.base;
    leaves(area, sheet, unit_kind, &s);
    area_base[ai] = s.base - before;
  }
  s.base = round2(s.base);
  snprintf(msg, sizeof msg, "各适用指标得分合计 %g 分（适用满分 %g 分）", s.base, s.max_applicable);
  json_array_append_new(steps, json_string(msg));
  json_t *rescale = json_object_get(rules, "na_rescale");
  double rescaled = s.base, factor = 1;
  if (s.max_applicable < s.max_all && !json_is_false(rescale) && s.max_applicable > 0) {
    factor = total_points / s.max_applicable;
    rescaled = round2(s.base * factor);
    snprintf(msg, sizeof msg, "有 %zu 项指标不适用，按 %g ÷ %g × %g 折算为 %g 分",
             json_array_size(s.excluded), s.base, s.max_applicable, total_points, rescaled);
    json_array_append_new(steps, json_string(msg));
  }
  double bonus =
      overall(specials(json_object_get(rubric, "bonus"), json_object_get(sheet, "claims"), NULL),
              num(rules, "bonus_cap", INFINITY), "加分", steps);
  /* Deductions tied to an area come off that area's score and stop at zero there (扣完为止);
   * then all deductions together are held to the rubric's overall cap. */
  json_t *dlist = json_object_get(rubric, "deduction"),
         *occ = json_object_get(sheet, "occurrences");
  double ded = specials(dlist, occ, NULL);
  json_array_foreach(areas, ai, area)
  {
    const char *acode = json_string_value(json_object_get(area, "code"));
    double amount = acode ? round2(specials(dlist, occ, acode)) : 0;
    double have = round2(area_base[ai] * factor);
    if (amount > have) {
      snprintf(msg, sizeof msg, "一级指标 %s 扣分 %g 分超过其得分 %g 分，扣完为止，按 %g 分计",
               acode, amount, have, have);
      json_array_append_new(steps, json_string(msg));
      amount = have;
    }
    ded += amount;
  }
  free(area_base);
  ded = overall(ded, num(rules, "deduction_cap", INFINITY), "扣分", steps);
  double total = round2(rescaled + bonus - ded);
  if (total < 0) {
    json_array_append_new(steps, json_string("扣完为止：总分不低于 0 分"));
    total = 0;
  }
  if (total > total_points) {
    snprintf(msg, sizeof msg, "总分不超过满分 %g 分", total_points);
    json_array_append_new(steps, json_string(msg));
    total = total_points;
  }
  /* Grade by band, then vetoes. */
  json_t *bands = json_object_get(rubric, "grade_bands");
  const char *grade = NULL;
  size_t gi = 0, i;
  json_t *b;
  json_array_foreach(bands, i, b)
  {
    if (!grade && total + 1e-9 >= num(b, "min", 0)) {
      grade = json_string_value(json_object_get(b, "name"));
      gi = i;
    }
  }
  const char *vetoed_by = NULL;
  json_t *v;
  json_array_foreach(json_object_get(rubric, "veto"), i, v)
  {
    const char *code = json_string_value(json_object_get(v, "code"));
    const char *effect = json_string_value(json_object_get(v, "effect"));
    if (!code || !effect || !has(json_object_get(sheet, "veto"), code)) continue;
    int force = !strncmp(effect, "grade:", 6);
    const char *band = effect + (force ? 6 : 4);
    size_t bi;
    json_t *bb;
    json_array_foreach(bands, bi, bb)
    {
      if (strcmp(json_string_value(json_object_get(bb, "name")), band)) continue;
      if (force || !grade || bi > gi) {
        snprintf(msg, sizeof msg, "一票否决项 %s：等次%s为%s", code, force ? "定" : "最高", band);
        json_array_append_new(steps, json_string(msg));
        grade = json_string_value(json_object_get(bb, "name"));
        gi = bi;
        vetoed_by = code;
      }
    }
  }
  snprintf(msg, sizeof msg, "总分 %g 分，等次：%s", total, grade ? grade : "（未设等次）");
  json_array_append_new(steps, json_string(msg));
  return json_pack("{s:f,s:f,s:f,s:f,s:f,s:f,s:s?,s:s?,s:o,s:o}", "base", s.base, "applicable_max",
                   s.max_applicable, "rescaled", rescaled, "bonus", bonus, "deduction", ded,
                   "total", total, "grade", grade, "vetoed_by", vetoed_by, "excluded", s.excluded,
                   "steps", steps);
}
