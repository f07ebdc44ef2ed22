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

/* ---- the compiled rules (scoring_figures) ---- */

/* A bonus or deduction item with a code. */
struct special {
  int deduction;    /* 0 bonus, 1 deduction */
  double points;    /* points per claim or occurrence */
  double cap;       /* the item's cap, INFINITY = none */
  const char *area; /* the area code it is tied to, or NULL */
};

/* A veto item with a code. */
struct veto_item {
  const char *code;   /* its code */
  const char *effect; /* "grade:X" / "cap:X", or NULL (then it does nothing) */
};

struct scoring_rules {
  double total_points, bonus_cap, deduction_cap;
  int na_rescale;
  int nleaf, narea, nspecial, nveto, nband;
  double *leaf_max;       /* per leaf */
  int *area_first;        /* narea + 1: the leaves of area a are [area_first[a], area_first[a+1]) */
  const char **area_code; /* per area, or NULL */
  struct special *sp;     /* bonus items, then deduction items */
  int **area_ded;         /* per area: the deduction items tied to its code, ending with -1 */
  struct veto_item *veto; /* per veto item with a code */
  const char **band_name; /* per band (NULL when it has no name) */
  double *band_min;       /* per band */
  double *area_base;      /* scratch: per area, the base points of its leaves */
};

/* Counts the leaves under N (N itself when it is a leaf), storing their maxima from *I on. */
static void compile_leaves(json_t *n, double *max, int *i)
{
  json_t *children = json_object_get(n, "children");
  if (json_is_array(children)) {
    size_t k;
    json_t *c;
    json_array_foreach(children, k, c) compile_leaves(c, max, i);
    return;
  }
  if (max) max[*i] = num(n, "max_points", 0);
  (*i)++;
}

void scoring_rules_free(struct scoring_rules *s)
{
  if (!s) return;
  for (int a = 0; s->area_ded && a < s->narea; a++) free(s->area_ded[a]);
  free(s->area_ded);
  free(s->leaf_max);
  free(s->area_first);
  free(s->area_code);
  free(s->sp);
  free(s->veto);
  free(s->band_name);
  free(s->band_min);
  free(s->area_base);
  free(s);
}

struct scoring_rules *scoring_compile(json_t *rubric, int *nleaf, int *ncount, int *nveto)
{
  struct scoring_rules *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  json_t *rules = json_object_get(rubric, "rules"), *areas = json_object_get(rubric, "areas"), *v;
  json_t *lists[2] = {json_object_get(rubric, "bonus"), json_object_get(rubric, "deduction")};
  json_t *bands = json_object_get(rubric, "grade_bands"), *vetoes = json_object_get(rubric, "veto");
  size_t i;
  s->total_points = num(rubric, "total_points", 100);
  s->bonus_cap = num(rules, "bonus_cap", INFINITY);
  s->deduction_cap = num(rules, "deduction_cap", INFINITY);
  s->na_rescale = !json_is_false(json_object_get(rules, "na_rescale"));
  s->narea = (int)json_array_size(areas);
  json_array_foreach(areas, i, v) compile_leaves(v, NULL, &s->nleaf);
  s->leaf_max = calloc((size_t)s->nleaf + 1, sizeof *s->leaf_max);
  s->area_first = calloc((size_t)s->narea + 1, sizeof *s->area_first);
  s->area_code = calloc((size_t)s->narea + 1, sizeof *s->area_code);
  s->area_ded = calloc((size_t)s->narea + 1, sizeof *s->area_ded);
  s->area_base = calloc((size_t)s->narea + 1, sizeof *s->area_base);
  s->sp = calloc(json_array_size(lists[0]) + json_array_size(lists[1]) + 1, sizeof *s->sp);
  s->veto = calloc(json_array_size(vetoes) + 1, sizeof *s->veto);
  s->band_name = calloc(json_array_size(bands) + 1, sizeof *s->band_name);
  s->band_min = calloc(json_array_size(bands) + 1, sizeof *s->band_min);
  if (!s->leaf_max || !s->area_first || !s->area_code || !s->area_ded || !s->area_base || !s->sp ||
      !s->veto || !s->band_name || !s->band_min)
    goto nomem;
  int l = 0;
  json_array_foreach(areas, i, v)
  {
    s->area_first[i] = l;
    s->area_code[i] = json_string_value(json_object_get(v, "code"));
    compile_leaves(v, s->leaf_max, &l);
  }
  s->area_first[s->narea] = l;
  /* Items without a code never count (their count reads as 0), so only coded ones are kept. */
  for (int d = 0; d < 2; d++) {
    json_array_foreach(lists[d], i, v)
    {
      if (!json_string_value(json_object_get(v, "code"))) continue;
      struct special *sp = &s->sp[s->nspecial++];
      sp->deduction = d;
      sp->points = num(v, "points", 0);
      sp->cap = num(v, "cap", INFINITY);
      sp->area = json_string_value(json_object_get(v, "area"));
    }
  }
  for (int a = 0; a < s->narea; a++) {
    if (!(s->area_ded[a] = malloc(((size_t)s->nspecial + 1) * sizeof **s->area_ded))) goto nomem;
    int n = 0;
    for (int k = 0; s->area_code[a] && k < s->nspecial; k++)
      if (s->sp[k].deduction && s->sp[k].area && !strcmp(s->sp[k].area, s->area_code[a]))
        s->area_ded[a][n++] = k;
    s->area_ded[a][n] = -1;
  }
  json_array_foreach(vetoes, i, v)
  {
    const char *code = json_string_value(json_object_get(v, "code"));
    if (!code) continue;
    s->veto[s->nveto].code = code;
    s->veto[s->nveto++].effect = json_string_value(json_object_get(v, "effect"));
  }
  json_array_foreach(bands, i, v)
  {
    s->band_name[i] = json_string_value(json_object_get(v, "name"));
    s->band_min[i] = num(v, "min", 0);
  }
  s->nband = (int)json_array_size(bands);
  if (nleaf) *nleaf = s->nleaf;
  if (ncount) *ncount = s->nspecial;
  if (nveto) *nveto = s->nveto;
  return s;
nomem:
  scoring_rules_free(s);
  return NULL;
}

/* specials() on compiled items: the bonus (DEDUCTION 0) or deduction items without an area. */
static double specials_free(const struct scoring_rules *s, int deduction, const double *counts)
{
  double sum = 0;
  for (int k = 0; k < s->nspecial; k++) {
    const struct special *sp = &s->sp[k];
    if (sp->deduction != deduction || sp->area) continue;
    double c = counts[k];
    if (c <= 0) continue;
    double v = sp->points * c;
    sum += v > sp->cap ? sp->cap : v;
  }
  return sum;
}

/* 1 when veto item V is flagged in VETO (by its code, as scoring_total reads "veto"). */
static int flagged(const struct scoring_rules *s, const unsigned char *veto, int v)
{
  if (veto[v]) return 1;
  for (int k = 0; k < s->nveto; k++) /* another item with the same code (an invalid rubric) */
    if (veto[k] && !strcmp(s->veto[k].code, s->veto[v].code)) return 1;
  return 0;
}

/* Every operation below is scoring_total()'s, in the same order, so the figures are equal bit
 * for bit; keep the two in step. */
void scoring_figures(struct scoring_rules *s, const struct scoring_in *in,
                     struct scoring_figures *out)
{
  double base = 0, max_all = 0, max_applicable = 0;
  for (int a = 0; a < s->narea; a++) {
    double before = base;
    for (int l = s->area_first[a]; l < s->area_first[a + 1]; l++) {
      double max = s->leaf_max[l];
      max_all += max;
      if (in->out[l]) continue;
      max_applicable += max;
      double v = in->scores[l];
      base += v < 0 ? 0 : v > max ? max : v;
    }
    s->area_base[a] = base - before;
  }
  base = round2(base);
  double rescaled = base, factor = 1;
  if (max_applicable < max_all && s->na_rescale && max_applicable > 0) {
    factor = s->total_points / max_applicable;
    rescaled = round2(base * factor);
  }
  double bonus = round2(specials_free(s, 0, in->counts));
  if (bonus > s->bonus_cap) bonus = s->bonus_cap;
  double ded = specials_free(s, 1, in->counts);
  for (int a = 0; a < s->narea; a++) {
    double amount = 0;
    if (s->area_code[a]) {
      for (const int *k = s->area_ded[a]; *k >= 0; k++) {
        const struct special *sp = &s->sp[*k];
        double c = in->counts[*k];
        if (c <= 0) continue;
        double v = sp->points * c;
        amount += v > sp->cap ? sp->cap : v;
      }
      amount = round2(amount);
    }
    double have = round2(s->area_base[a] * factor);
    if (amount > have) amount = have;
    ded += amount;
  }
  ded = round2(ded);
  if (ded > s->deduction_cap) ded = s->deduction_cap;
  double total = round2(rescaled + bonus - ded);
  if (total < 0) total = 0;
  if (total > s->total_points) total = s->total_points;
  const char *grade = NULL, *vetoed_by = NULL;
  int gi = 0;
  for (int b = 0; b < s->nband; b++) {
    if (!grade && total + 1e-9 >= s->band_min[b]) {
      grade = s->band_name[b];
      gi = b;
    }
  }
  for (int v = 0; v < s->nveto; v++) {
    const char *effect = s->veto[v].effect;
    /* (scoring_total reads past a shorter effect; rubric_validate never lets one through) */
    if (!effect || strlen(effect) < 4 || !flagged(s, in->veto, v)) continue;
    int force = !strncmp(effect, "grade:", 6);
    const char *band = effect + (force ? 6 : 4);
    for (int b = 0; b < s->nband; b++) {
      if (!s->band_name[b] || strcmp(s->band_name[b], band)) continue;
      if (force || !grade || b > gi) {
        grade = s->band_name[b];
        gi = b;
        vetoed_by = s->veto[v].code;
      }
    }
  }
  out->base = base;
  out->applicable_max = max_applicable;
  out->rescaled = rescaled;
  out->bonus = bonus;
  out->deduction = ded;
  out->total = total;
  out->grade = grade;
  out->vetoed_by = vetoed_by;
}
