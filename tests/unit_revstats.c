/*
 * unit_revstats.c - the reviewer statistics on hand-computed cases: completion counts with
 * recusals, leniency of three reviewers, ICC(1) on Shrout & Fleiss's textbook table, perfect
 * agreement, zero variance and too few units, unequal group sizes, agreement on the totals,
 * outliers at, above and below the rule, truncation of the list, skipped items, input errors,
 * order independence, and a national-scale input (50,000 units × 3 sheets × 40 leaves).
 */
#include "revstats.h"

#include "err.h"
#include "testutil.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CLOSE(a, b)                                                                                \
  ck_assert_msg(fabs((a) - (b)) < 1e-9, "%s = %.10g, want %.10g", #a, (double)(a), (double)(b))

/* Area A: L1 (max 10), L2 (max 20); area B: group G with L3 (max 10). */
static const char *RUBRIC =
    "{\"areas\":[{\"code\":\"A\",\"name\":\"甲\",\"children\":["
    "{\"code\":\"L1\",\"name\":\"一\",\"max_points\":10},{\"code\":\"L2\",\"max_points\":20}]},"
    "{\"code\":\"B\",\"children\":[{\"code\":\"G\",\"children\":["
    "{\"code\":\"L3\",\"max_points\":10}]}]}]}";

static json_t *parse(const char *s)
{
  json_error_t e;
  json_t *j = json_loads(s, 0, &e);
  ck_assert_msg(j != NULL, "%s: %s", e.text, s);
  return j;
}

/* Runs the computation on the JSON texts; the test fails unless it returns E_OK. */
static json_t *run(const char *rubric, const char *assignments, const char *sheets)
{
  json_t *r = parse(rubric), *a = parse(assignments), *s = parse(sheets), *out = NULL;
  const char *problem = NULL;
  int rc = revstats_compute(r, a, s, &out, &problem);
  ck_assert_msg(rc == E_OK, "rc %d: %s", rc, problem ? problem : "");
  ck_assert_ptr_nonnull(out);
  json_decref(r);
  json_decref(a);
  json_decref(s);
  return out;
}

/* The return code of the computation on the JSON texts (and *PROBLEM). */
static int run_rc(const char *assignments, const char *sheets, const char **problem)
{
  json_t *r = parse(RUBRIC), *a = parse(assignments), *s = parse(sheets), *out = NULL;
  int rc = revstats_compute(r, a, s, &out, problem);
  if (rc) ck_assert_ptr_null(out);
  json_decref(out);
  json_decref(r);
  json_decref(a);
  json_decref(s);
  return rc;
}

/* The element of the array at KEY of O whose member NAME is VALUE. */
static json_t *find(json_t *o, const char *key, const char *name, const char *value)
{
  size_t i;
  json_t *e;
  json_array_foreach(json_object_get(o, key), i, e)
  {
    if (!strcmp(json_string_value(json_object_get(e, name)), value)) return e;
  }
  ck_abort_msg("%s with %s = %s not found", key, name, value);
  return NULL;
}

static double num(json_t *o, const char *k)
{
  json_t *v = json_object_get(o, k);
  ck_assert_msg(json_is_number(v), "%s is not a number", k);
  return json_number_value(v);
}

static const char *str(json_t *o, const char *k)
{
  return json_string_value(json_object_get(o, k));
}

/* A sheet of reviewer R on unit U with L1, L2 (and L3 when >= 0) scored. */
static void sheet3(char *buf, size_t n, const char *u, const char *r, double l1, double l2,
                   double l3)
{
  char l3s[64] = "";
  if (l3 >= 0) snprintf(l3s, sizeof l3s, ",\"L3\":{\"points\":%g,\"na\":false}", l3);
  snprintf(buf, n,
           "{\"unit\":\"%s\",\"reviewer\":\"%s\",\"items\":{\"L1\":{\"points\":%g,\"na\":false},"
           "\"L2\":{\"points\":%g,\"na\":false}%s}}",
           u, r, l1, l2, l3s);
}

START_TEST(completion_counts_recusals)
{
  /* r1: 4 rows, 2 submitted, 1 in progress, 1 recused → 2 / (4 − 1) = 0.6667.
   * r2: 2 rows, 1 not started, 1 recused → 0 / (2 − 1) = 0.
   * r3: 1 row, recused → 1 − 1 = 0 open → null.
   * r0: only a sheet, no assignment → counts 0, completion null, name null, sorted first.
   * Cycle: 7 rows, 2 submitted, 3 recused → 2 / 4 = 0.5. */
  json_t *o = run(RUBRIC,
                  "[{\"reviewer\":\"r2\",\"reviewer_name\":\"李四\",\"unit\":\"u1\",\"status\":"
                  "\"assigned\"},"
                  "{\"reviewer\":\"r1\",\"reviewer_name\":\"张三\",\"unit\":\"u1\",\"status\":"
                  "\"submitted\"},"
                  "{\"reviewer\":\"r3\",\"reviewer_name\":null,\"unit\":\"u1\",\"status\":"
                  "\"recused\"},"
                  "{\"reviewer\":\"r1\",\"reviewer_name\":\"张三\",\"unit\":\"u2\",\"status\":"
                  "\"submitted\"},"
                  "{\"reviewer\":\"r2\",\"reviewer_name\":\"李四\",\"unit\":\"u2\",\"status\":"
                  "\"recused\"},"
                  "{\"reviewer\":\"r1\",\"reviewer_name\":\"张三\",\"unit\":\"u3\",\"status\":"
                  "\"in_progress\"},"
                  "{\"reviewer\":\"r1\",\"reviewer_name\":\"张三\",\"unit\":\"u4\",\"status\":"
                  "\"recused\"}]",
                  "[{\"unit\":\"u1\",\"reviewer\":\"r0\",\"items\":{}}]");
  json_t *revs = json_object_get(o, "reviewers");
  ck_assert_int_eq(json_array_size(revs), 4);
  const char *order[] = {"r0", "r1", "r2", "r3"};
  for (int i = 0; i < 4; i++) ck_assert_str_eq(str(json_array_get(revs, i), "reviewer"), order[i]);
  json_t *r = find(o, "reviewers", "reviewer", "r1");
  ck_assert_str_eq(str(r, "reviewer_name"), "张三");
  CLOSE(num(r, "assigned"), 4);
  CLOSE(num(r, "submitted"), 2);
  CLOSE(num(r, "in_progress"), 1);
  CLOSE(num(r, "not_started"), 0);
  CLOSE(num(r, "recused"), 1);
  CLOSE(num(r, "completion"), 0.6667);
  r = find(o, "reviewers", "reviewer", "r2");
  CLOSE(num(r, "not_started"), 1);
  CLOSE(num(r, "completion"), 0);
  r = find(o, "reviewers", "reviewer", "r3");
  ck_assert(json_is_null(json_object_get(r, "completion")));
  ck_assert(json_is_null(json_object_get(r, "reviewer_name")));
  r = find(o, "reviewers", "reviewer", "r0");
  CLOSE(num(r, "assigned"), 0);
  ck_assert(json_is_null(json_object_get(r, "completion")));
  ck_assert(json_is_null(json_object_get(r, "mean_fraction")));
  json_t *all = json_object_get(o, "completion");
  CLOSE(num(all, "assigned"), 7);
  CLOSE(num(all, "recused"), 3);
  CLOSE(num(all, "completion"), 0.5);
  json_decref(o);
}
END_TEST

/* Reviewers a, b, c on units u1..u5, each with L1 = 7, 6, 5 (max 10) and L2 = 15, 14, 13
 * (max 20); d alone on u9 (L1 = 10); d and e together on u8 (L1: d 10, e 0). */
static char *leniency_sheets(void)
{
  char *s = malloc(8192), one[256];
  strcpy(s, "[");
  for (int u = 1; u <= 5; u++) {
    char unit[16];
    snprintf(unit, sizeof unit, "u%d", u);
    sheet3(one, sizeof one, unit, "a", 7, 15, -1);
    strcat(strcat(s, one), ",");
    sheet3(one, sizeof one, unit, "b", 6, 14, -1);
    strcat(strcat(s, one), ",");
    sheet3(one, sizeof one, unit, "c", 5, 13, -1);
    strcat(strcat(s, one), ",");
  }
  strcat(s, "{\"unit\":\"u9\",\"reviewer\":\"d\",\"items\":{\"L1\":{\"points\":10}}},"
            "{\"unit\":\"u8\",\"reviewer\":\"d\",\"items\":{\"L1\":{\"points\":10}}},"
            "{\"unit\":\"u8\",\"reviewer\":\"e\",\"items\":{\"L1\":{\"points\":0}}}]");
  return s;
}

START_TEST(leniency_of_three_reviewers)
{
  /* L1 cell {a 7, b 6, c 5}: a 7 − (6+5)/2 = 1.5 → 1.5/10 = 0.15; b 6 − 6 = 0; c −0.15.
   * L2 cell {15, 14, 13}: a 15 − 13.5 = 1.5 → 1.5/20 = 0.075; b 0; c −0.075.
   * Over 5 units × 2 leaves = 10 comparisons: a = (5·0.15 + 5·0.075)/10 = 0.1125 → 11.25 per
   * 100 points, 偏松; b = 0 → 适中; c = −0.1125 → 偏严.
   * a's mean score fraction: (5·0.7 + 5·0.75)/10 = 0.725.
   * d: alone on u9 (not compared); on u8 10 − 0 = 10 → 1.0, n = 1 → 样本不足 despite the size.
   * d's mean fraction (10/10 + 10/10)/2 = 1. */
  char *sh = leniency_sheets();
  json_t *o = run(RUBRIC, "[]", sh);
  free(sh);
  json_t *r = find(o, "reviewers", "reviewer", "a"), *l = json_object_get(r, "leniency");
  CLOSE(num(l, "n"), 10);
  CLOSE(num(l, "fraction"), 0.1125);
  CLOSE(num(l, "per_100"), 11.25);
  ck_assert_str_eq(str(l, "label"), "偏松");
  CLOSE(num(r, "mean_fraction"), 0.725);
  CLOSE(num(r, "scores"), 10);
  l = json_object_get(find(o, "reviewers", "reviewer", "b"), "leniency");
  CLOSE(num(l, "fraction"), 0);
  ck_assert_str_eq(str(l, "label"), "适中");
  l = json_object_get(find(o, "reviewers", "reviewer", "c"), "leniency");
  CLOSE(num(l, "fraction"), -0.1125);
  CLOSE(num(l, "per_100"), -11.25);
  ck_assert_str_eq(str(l, "label"), "偏严");
  r = find(o, "reviewers", "reviewer", "d");
  l = json_object_get(r, "leniency");
  CLOSE(num(l, "n"), 1);
  CLOSE(num(l, "fraction"), 1);
  ck_assert_str_eq(str(l, "label"), "样本不足");
  CLOSE(num(r, "mean_fraction"), 1);
  CLOSE(num(r, "scores"), 2);
  json_decref(o);
}
END_TEST

START_TEST(agreement_on_totals_and_negative_icc)
{
  /* Same input. L2 (u1..u5 only, {15, 14, 13} each): all unit means equal → SSB = 0, MSB = 0;
   * SSW = 5 · (1 + 0 + 1) = 10 over N − k = 15 − 5 → MSW = 1; n0 = 3;
   * ICC = (0 − 1)/(0 + 2 · 1) = −0.5 → 较差 (negative values are reported as they are).
   * L3 has no scores → 数据不足. L1 has a value too (u1..u5 and u8), so 2 leaves count.
   * Totals (100 × points / max of the scored leaves): a 22/30 → 73.33, b 20/30 → 66.67,
   * c 18/30 → 60 on u1..u5; on u8 d 100, e 0 (only L1); u9 has one sheet and does not enter.
   * N = 17, k = 6, grand mean (15 · 66.67 + 100)/17 = 64.706;
   * SSB = 15 · 1.961² + 2 · 14.706² = 490.2 → MSB = 98.04;
   * SSW = 5 · (44.44 + 0 + 44.44) + 2 · 2500 = 5444.4 → MSW = 5444.4/11 = 494.95;
   * n0 = (17 − 49/17)/5 = 2.8235; ICC = (98.04 − 494.95)/(98.04 + 1.8235 · 494.95) = −0.3967.
   * (python icc1 of agreement_textbook on [[220/3, 200/3, 60]]*5 + [[100, 0]] →
   * (98.039, 494.949, 2.8235, −0.396675).) */
  char *sh = leniency_sheets();
  json_t *o = run(RUBRIC, "[]", sh);
  free(sh);
  json_t *l2 = find(o, "indicators", "code", "L2");
  CLOSE(num(l2, "icc"), -0.5);
  CLOSE(num(l2, "units"), 5);
  CLOSE(num(l2, "scores"), 15);
  ck_assert_str_eq(str(l2, "label"), "较差");
  ck_assert(json_is_null(json_object_get(l2, "reason")));
  json_t *l3 = find(o, "indicators", "code", "L3");
  ck_assert(json_is_null(json_object_get(l3, "icc")));
  ck_assert_str_eq(str(l3, "label"), "数据不足");
  ck_assert_str_eq(str(l3, "reason"), "too_few_units");
  json_t *ov = json_object_get(o, "overall");
  CLOSE(num(ov, "units"), 6);
  CLOSE(num(ov, "scores"), 17);
  CLOSE(num(ov, "icc"), -0.3967);
  ck_assert_str_eq(str(ov, "label"), "较差");
  ck_assert_int_eq((int)num(ov, "leaves"), 2); /* L1 and L2 */
  ck_assert_str_eq(str(json_array_get(json_object_get(o, "indicators"), 0), "code"), "L1");
  ck_assert_str_eq(str(json_array_get(json_object_get(o, "indicators"), 0), "name"), "一");
  json_decref(o);
}
END_TEST

/* Sheets putting the values of ROWS (unit i, reviewer j; NaN = no score) on leaf L1. */
static char *table_sheets(int nu, int nr, const double *rows)
{
  char *s = malloc(64 + (size_t)nu * nr * 96);
  strcpy(s, "[");
  for (int i = 0; i < nu; i++)
    for (int j = 0; j < nr; j++) {
      double v = rows[i * nr + j];
      if (isnan(v)) continue;
      char one[128];
      snprintf(one, sizeof one,
               "%s{\"unit\":\"u%02d\",\"reviewer\":\"r%02d\",\"items\":{\"L1\":{\"points\":%g}}}",
               strlen(s) > 1 ? "," : "", i, j, v);
      strcat(s, one);
    }
  strcat(s, "]");
  return s;
}

static json_t *l1_of(int nu, int nr, const double *rows)
{
  char *sh = table_sheets(nu, nr, rows);
  json_t *o = run(RUBRIC, "[]", sh);
  free(sh);
  json_t *l1 = json_incref(find(o, "indicators", "code", "L1"));
  json_decref(o);
  return l1;
}

START_TEST(agreement_textbook)
{
  /* Shrout & Fleiss (1979), Table 2: 6 targets × 4 judges; their ICC(1,1) is .17.
   * python3 -c "
   * def icc1(g):
   *   N=sum(len(x) for x in g);k=len(g);gm=sum(sum(x) for x in g)/N
   *   ssb=sum(len(x)*(sum(x)/len(x)-gm)**2 for x in g)
   *   ssw=sum(sum((v-sum(x)/len(x))**2 for v in x) for x in g)
   *   msb=ssb/(k-1);msw=ssw/(N-k);n0=(N-sum(len(x)**2 for x in g)/N)/(k-1)
   *   return msb,msw,n0,(msb-msw)/(msb+(n0-1)*msw)
   * print(icc1([[9,2,5,8],[6,1,3,2],[8,4,6,8],[7,1,2,6],[10,5,6,9],[6,2,4,7]]))"
   * → (11.2417, 6.2639, 4.0, 0.165742): BMS 11.24 and WMS 6.26 as in their Table 3. */
  static const double t[] = {9, 2, 5, 8, 6,  1, 3, 2, 8, 4, 6, 8,
                             7, 1, 2, 6, 10, 5, 6, 9, 6, 2, 4, 7};
  json_t *l1 = l1_of(6, 4, t);
  CLOSE(num(l1, "icc"), 0.1657);
  CLOSE(num(l1, "units"), 6);
  CLOSE(num(l1, "scores"), 24);
  ck_assert_str_eq(str(l1, "label"), "较差");
  json_decref(l1);
}
END_TEST

START_TEST(agreement_perfect_and_none)
{
  /* Every reviewer gives a unit the same score, the units differ: MSW = 0 → ICC = 1. */
  static const double same[] = {2, 2, 2, 5, 5, 5, 9, 9, 9};
  json_t *l1 = l1_of(3, 3, same);
  CLOSE(num(l1, "icc"), 1);
  ck_assert_str_eq(str(l1, "label"), "很好");
  json_decref(l1);
  /* Every score is 6: zero variance, 0/0 → null, 评分无差异. */
  static const double flat[] = {6, 6, 6, 6, 6, 6};
  l1 = l1_of(3, 2, flat);
  ck_assert(json_is_null(json_object_get(l1, "icc")));
  ck_assert_str_eq(str(l1, "label"), "评分无差异");
  ck_assert_str_eq(str(l1, "reason"), "no_variance");
  json_decref(l1);
  /* Only one unit has two scores (the other has one): k = 1 → null, 数据不足. */
  static const double one[] = {6, 8, 3, NAN};
  l1 = l1_of(2, 2, one);
  ck_assert(json_is_null(json_object_get(l1, "icc")));
  ck_assert_str_eq(str(l1, "label"), "数据不足");
  CLOSE(num(l1, "units"), 1);
  json_decref(l1);
}
END_TEST

START_TEST(agreement_unequal_groups)
{
  /* u00 {2, 4}, u01 {6, 7, 8}, u02 {1, 3, 5, 3}: N = 9, k = 3, means 3, 7, 3, grand 39/9.
   * SSB = 2·(4/3)² + 3·(8/3)² + 4·(4/3)² = (32 + 192 + 64)/9 = 32 → MSB = 16.
   * SSW = 2 + 2 + 8 = 12 → MSW = 12/6 = 2.  n0 = (9 − (4 + 9 + 16)/9)/2 = 26/9.
   * ICC = (16 − 2)/(16 + (26/9 − 1)·2) = 14/(178/9) = 126/178 = 0.70787 → 一般.
   * (python icc1 above: (16.0, 2.0, 2.8889, 0.707865).) */
  static const double t[] = {2, 4, NAN, NAN, 6, 7, 8, NAN, 1, 3, 5, 3};
  json_t *l1 = l1_of(3, 4, t);
  CLOSE(num(l1, "icc"), 0.7079);
  CLOSE(num(l1, "scores"), 9);
  ck_assert_str_eq(str(l1, "label"), "一般");
  json_decref(l1);
}
END_TEST

START_TEST(outliers_by_the_rule)
{
  /* u1 L1 {9, 2, 1} (max 10, threshold 4): 9 vs median(2, 1) = 1.5 → 7.5 (0.75) yes;
   *   2 vs median(9, 1) = 5 → 3 no; 1 vs median(9, 2) = 5.5 → 4.5 (0.45) yes.
   * u2 L1 {6, 2, 2}: 6 vs 2 → exactly 4 (0.4) yes; 2 vs median(6, 2) = 4 → 2 no.
   * u3 L2 {20, 10, 10, 10} (max 20, threshold 8): 20 vs 10 → 10 (0.5) yes; 10 vs 10 no.
   * u4 L1 {5.5, 2, 2}: 3.5 < 4 no.  u5 L1 {10, 0}: only two scores, never.
   * Order by fraction: 0.75 (u1 a), 0.5 (u3 a), 0.45 (u1 c), 0.4 (u2 a). */
  json_t *o = run(RUBRIC, "[]",
                  "[{\"unit\":\"u1\",\"reviewer\":\"a\",\"items\":{\"L1\":{\"points\":9}}},"
                  "{\"unit\":\"u1\",\"reviewer\":\"b\",\"items\":{\"L1\":{\"points\":2}}},"
                  "{\"unit\":\"u1\",\"reviewer\":\"c\",\"items\":{\"L1\":{\"points\":1}}},"
                  "{\"unit\":\"u2\",\"reviewer\":\"a\",\"items\":{\"L1\":{\"points\":6}}},"
                  "{\"unit\":\"u2\",\"reviewer\":\"b\",\"items\":{\"L1\":{\"points\":2}}},"
                  "{\"unit\":\"u2\",\"reviewer\":\"c\",\"items\":{\"L1\":{\"points\":2}}},"
                  "{\"unit\":\"u3\",\"reviewer\":\"a\",\"items\":{\"L2\":{\"points\":20}}},"
                  "{\"unit\":\"u3\",\"reviewer\":\"b\",\"items\":{\"L2\":{\"points\":10}}},"
                  "{\"unit\":\"u3\",\"reviewer\":\"c\",\"items\":{\"L2\":{\"points\":10}}},"
                  "{\"unit\":\"u3\",\"reviewer\":\"d\",\"items\":{\"L2\":{\"points\":10}}},"
                  "{\"unit\":\"u4\",\"reviewer\":\"a\",\"items\":{\"L1\":{\"points\":5.5}}},"
                  "{\"unit\":\"u4\",\"reviewer\":\"b\",\"items\":{\"L1\":{\"points\":2}}},"
                  "{\"unit\":\"u4\",\"reviewer\":\"c\",\"items\":{\"L1\":{\"points\":2}}},"
                  "{\"unit\":\"u5\",\"reviewer\":\"a\",\"items\":{\"L1\":{\"points\":10}}},"
                  "{\"unit\":\"u5\",\"reviewer\":\"b\",\"items\":{\"L1\":{\"points\":0}}}]");
  json_t *ol = json_object_get(o, "outliers"), *items = json_object_get(ol, "items");
  CLOSE(num(ol, "total"), 4);
  ck_assert(json_is_false(json_object_get(ol, "truncated")));
  ck_assert_int_eq(json_array_size(items), 4);
  static const struct {
    const char *unit, *leaf, *rev;
    double points, median, distance, fraction;
  } want[] = {{"u1", "L1", "a", 9, 1.5, 7.5, 0.75},
              {"u3", "L2", "a", 20, 10, 10, 0.5},
              {"u1", "L1", "c", 1, 5.5, 4.5, 0.45},
              {"u2", "L1", "a", 6, 2, 4, 0.4}};
  for (size_t i = 0; i < 4; i++) {
    json_t *e = json_array_get(items, i);
    ck_assert_str_eq(str(e, "unit"), want[i].unit);
    ck_assert_str_eq(str(e, "leaf"), want[i].leaf);
    ck_assert_str_eq(str(e, "reviewer"), want[i].rev);
    CLOSE(num(e, "points"), want[i].points);
    CLOSE(num(e, "others_median"), want[i].median);
    CLOSE(num(e, "distance"), want[i].distance);
    CLOSE(num(e, "fraction"), want[i].fraction);
  }
  json_decref(o);
}
END_TEST

START_TEST(outliers_are_truncated)
{
  /* 600 units u000..u599, each L1 {10, 0, 0, 0}: the 10 is 10 from median(0, 0, 0) (1.0); a 0
   * is 0 from median(10, 0, 0) = 0. 600 outliers, all at 1.0: the first 500 by unit code are
   * kept (sheets given in reverse order, so the heap must pick them). */
  size_t cap = 600 * 4 * 96 + 16;
  char *s = malloc(cap);
  strcpy(s, "[");
  size_t len = 1;
  for (int u = 599; u >= 0; u--)
    for (int r = 0; r < 4; r++)
      len += (size_t)snprintf(
          s + len, cap - len,
          "%s{\"unit\":\"u%03d\",\"reviewer\":\"r%d\",\"items\":{\"L1\":{\"points\":%d}}}",
          len > 1 ? "," : "", u, r, r == 2 ? 10 : 0);
  strcpy(s + len, "]");
  json_t *o = run(RUBRIC, "[]", s);
  free(s);
  json_t *ol = json_object_get(o, "outliers"), *items = json_object_get(ol, "items");
  CLOSE(num(ol, "total"), 600);
  ck_assert(json_is_true(json_object_get(ol, "truncated")));
  ck_assert_int_eq(json_array_size(items), REVSTATS_OUTLIER_CAP);
  ck_assert_str_eq(str(json_array_get(items, 0), "unit"), "u000");
  ck_assert_str_eq(str(json_array_get(items, 0), "reviewer"), "r2");
  ck_assert_str_eq(str(json_array_get(items, 499), "unit"), "u499");
  json_decref(o);
}
END_TEST

START_TEST(items_that_do_not_count)
{
  /* Counted: L1 12 → clamped to 10 (1.0), L2 5 (0.25). Skipped: the area code "A", the group
   * "G", an unknown "X9", L3 marked N/A, and in the second sheet L1 null and L2 without points.
   * Mean fraction (1.0 + 0.25)/2 = 0.625. */
  json_t *o = run(RUBRIC, "[]",
                  "[{\"unit\":\"u1\",\"reviewer\":\"a\",\"items\":{\"A\":{\"points\":3},"
                  "\"G\":{\"points\":1},\"X9\":{\"points\":1},\"L1\":{\"points\":12},"
                  "\"L2\":{\"points\":5,\"na\":false},\"L3\":{\"points\":4,\"na\":true}}},"
                  "{\"unit\":\"u1\",\"reviewer\":\"b\",\"items\":{\"L1\":{\"points\":null},"
                  "\"L2\":{\"na\":false}}}]");
  json_t *a = find(o, "reviewers", "reviewer", "a");
  CLOSE(num(a, "scores"), 2);
  CLOSE(num(a, "mean_fraction"), 0.625);
  CLOSE(num(find(o, "reviewers", "reviewer", "b"), "scores"), 0);
  CLOSE(num(json_object_get(a, "leniency"), "n"), 0);
  ck_assert(json_is_null(json_object_get(json_object_get(a, "leniency"), "fraction")));
  json_decref(o);
}
END_TEST

START_TEST(bad_inputs_are_refused)
{
  const char *p = NULL;
  ck_assert_int_eq(run_rc("[{\"reviewer\":\"a\",\"unit\":\"u1\",\"status\":\"done\"}]", "[]", &p),
                   E_VALIDATION);
  ck_assert_ptr_nonnull(strstr(p, "done"));
  ck_assert_int_eq(run_rc("[]",
                          "[{\"unit\":\"u1\",\"reviewer\":\"a\",\"items\":{}},"
                          "{\"unit\":\"u1\",\"reviewer\":\"a\",\"items\":{}}]",
                          &p),
                   E_VALIDATION);
  ck_assert_ptr_nonnull(strstr(p, "两张"));
  ck_assert_int_eq(
      run_rc("[]", "[{\"unit\":\"u1\",\"reviewer\":\"a\",\"items\":{\"L1\":{\"points\":\"9\"}}}]",
             &p),
      E_VALIDATION);
  ck_assert_int_eq(run_rc("[]", "[{\"unit\":1,\"reviewer\":\"a\",\"items\":{}}]", &p),
                   E_VALIDATION);
  ck_assert_int_eq(run_rc("{}", "[]", &p), E_VALIDATION);
  ck_assert_int_eq(run_rc("[]", "[]", NULL), E_OK);
}
END_TEST

START_TEST(order_of_the_input_does_not_matter)
{
  /* The unequal-groups table, once in order and once reversed: the same bytes out. */
  char *fwd = table_sheets(3, 4, (const double[]){2, 4, NAN, NAN, 6, 7, 8, NAN, 1, 3, 5, 3});
  json_t *a = parse(fwd), *rev = json_array();
  for (size_t i = json_array_size(a); i-- > 0;) json_array_append(rev, json_array_get(a, i));
  char *revs = json_dumps(rev, 0);
  json_t *o1 = run(RUBRIC, "[]", fwd), *o2 = run(RUBRIC, "[]", revs);
  char *d1 = json_dumps(o1, JSON_SORT_KEYS), *d2 = json_dumps(o2, JSON_SORT_KEYS);
  ck_assert_str_eq(d1, d2);
  free(d1);
  free(d2);
  free(revs);
  free(fwd);
  json_decref(o1);
  json_decref(o2);
  json_decref(a);
  json_decref(rev);
}
END_TEST

START_TEST(national_scale)
{
  /* 50,000 units × 3 sheets × 40 leaves (6 million scores) from 60 reviewers. Item objects
   * are shared between sheets (one per leaf and value) to keep the input's memory small. */
  enum { NU = 50000, NL = 40, NR = 60 };
  json_t *rubric = json_object(), *leaves = json_array(), *area = json_object();
  json_object_set_new(area, "code", json_string("A"));
  json_object_set_new(area, "children", leaves);
  json_object_set_new(rubric, "areas", json_pack("[o]", area));
  char codes[NL][16];
  json_t *pool[11];
  for (int v = 0; v <= 10; v++) pool[v] = json_pack("{s:i, s:b}", "points", v, "na", 0);
  for (int l = 0; l < NL; l++) {
    snprintf(codes[l], sizeof codes[l], "L%02d", l);
    json_array_append_new(leaves, json_pack("{s:s, s:i}", "code", codes[l], "max_points", 10));
  }
  json_t *assignments = json_array(), *sheets = json_array();
  unsigned seed = 12345;
  for (int u = 0; u < NU; u++) {
    char unit[16];
    snprintf(unit, sizeof unit, "U%05d", u);
    int base = 3 + u % 5; /* the unit's quality */
    for (int j = 0; j < 3; j++) {
      char login[16];
      int r = (u * 7 + j * 13) % NR;
      snprintf(login, sizeof login, "rev%02d", r);
      json_array_append_new(assignments,
                            json_pack("{s:s, s:s, s:s, s:s}", "reviewer", login, "reviewer_name",
                                      login, "unit", unit, "status", "submitted"));
      json_t *items = json_object();
      for (int l = 0; l < NL; l++) {
        seed = seed * 1103515245u + 12345u;
        int v = base + (int)((seed >> 16) % 3) - 1 + (r % 6 == 0); /* rev00, rev06… lenient */
        if ((seed >> 8) % 1000 == 0) v = 10;                       /* a rare outlier */
        json_object_set(items, codes[l], pool[v > 10 ? 10 : v]);
      }
      json_array_append_new(
          sheets, json_pack("{s:s, s:s, s:o}", "unit", unit, "reviewer", login, "items", items));
    }
  }
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  json_t *out = NULL;
  const char *problem = NULL;
  int rc = revstats_compute(rubric, assignments, sheets, &out, &problem);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  ck_assert_msg(rc == E_OK, "%s", problem ? problem : "");
  printf("revstats: %d units × 3 sheets × %d leaves in %.3f s\n", NU, NL,
         (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
  ck_assert_int_eq(json_array_size(json_object_get(out, "reviewers")), NR);
  ck_assert_int_eq(json_array_size(json_object_get(out, "indicators")), NL);
  json_t *l0 = json_array_get(json_object_get(out, "indicators"), 0);
  CLOSE(num(l0, "units"), NU);
  ck_assert(num(l0, "icc") > 0.5); /* unit quality dominates the noise */
  json_t *lenient = find(out, "reviewers", "reviewer", "rev00");
  ck_assert_str_eq(str(json_object_get(lenient, "leniency"), "label"), "偏松");
  CLOSE(num(find(out, "reviewers", "reviewer", "rev01"), "completion"), 1);
  ck_assert(json_is_true(json_object_get(json_object_get(out, "outliers"), "truncated")));
  json_decref(out);
  json_decref(rubric);
  json_decref(assignments);
  json_decref(sheets);
  for (int v = 0; v <= 10; v++) json_decref(pool[v]);
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("revstats");
  TCase *tc = tcase_create("revstats");
  tcase_add_test(tc, completion_counts_recusals);
  tcase_add_test(tc, leniency_of_three_reviewers);
  tcase_add_test(tc, agreement_on_totals_and_negative_icc);
  tcase_add_test(tc, agreement_textbook);
  tcase_add_test(tc, agreement_perfect_and_none);
  tcase_add_test(tc, agreement_unequal_groups);
  tcase_add_test(tc, outliers_by_the_rule);
  tcase_add_test(tc, outliers_are_truncated);
  tcase_add_test(tc, items_that_do_not_count);
  tcase_add_test(tc, bad_inputs_are_refused);
  tcase_add_test(tc, order_of_the_input_does_not_matter);
  suite_add_tcase(s, tc);
  TCase *big = tcase_create("scale");
  tcase_set_timeout(big, 300);
  tcase_add_test(big, national_scale);
  suite_add_tcase(s, big);
  return s;
}

int main(void)
{
  return tu_run_suite(suite());
}
