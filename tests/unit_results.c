/*
 * unit_results.c - the results engine on hand-computed cases: mean, median and trimmed mean
 * with 1 to 5 sheets, the leniency normalisation worked through by hand, N/A by office, kind
 * and majority with rescaling, overrides from upheld appeals, bonus and deduction caps with
 * fractional counts and an area floor, vetoes by majority only, competition ranks with ties overall
 * and within kind, quotas with a tied border group and a vetoed unit, sensitivity between methods,
 * every error, sheets given as rows (the same output and errors as sheets given as JSON, traces
 * that change nothing else), and a national-size input (50,000 units × 3 sheets × 40 leaves)
 * that must finish.
 */
#include "results.h"

#include "aggregate.h"
#include "err.h"
#include "testutil.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NA  (-1.0) /* the sheet marks the leaf N/A */
#define NUL (-2.0) /* the sheet leaves the leaf unscored */

/* Total 100: area 1 = 1.1 (40) + 1.2 (20, only departments and counties); area 2 = 2.1 (40).
 * Bonus B1 2 per claim, cap 3; B2 1 per claim; overall bonus cap 4. Deduction D1 1 per
 * occurrence, cap 5; D2 3 per occurrence; D3 4 per occurrence off area 2 (stops at area 2's
 * score); overall deduction cap 6. Bands 优秀 90, 良好 80, 合格 60, 不合格 0. V1 forces 不合格,
 * V2 caps at 合格. */
static json_t *rubric(void)
{
  json_error_t e;
  json_t *r = json_loads(
      "{\"total_points\":100,\"rules\":{\"bonus_cap\":4,\"deduction_cap\":6,\"na_rescale\":true},"
      "\"grade_bands\":[{\"name\":\"优秀\",\"min\":90},{\"name\":\"良好\",\"min\":80},"
      "{\"name\":\"合格\",\"min\":60},{\"name\":\"不合格\",\"min\":0}],"
      "\"areas\":[{\"code\":\"1\",\"name\":\"组织领导\",\"children\":["
      "{\"code\":\"1.1\",\"name\":\"甲\",\"max_points\":40},"
      "{\"code\":\"1.2\",\"name\":\"乙\",\"max_points\":20,\"applies_to\":[\"department\","
      "\"county\"]}]},"
      "{\"code\":\"2\",\"name\":\"依法行政\",\"children\":[{\"code\":\"2.1\",\"name\":\"丙\","
      "\"max_points\":40}]}],"
      "\"bonus\":[{\"code\":\"B1\",\"points\":2,\"cap\":3},{\"code\":\"B2\",\"points\":1}],"
      "\"deduction\":[{\"code\":\"D1\",\"points\":1,\"cap\":5},{\"code\":\"D2\",\"points\":3},"
      "{\"code\":\"D3\",\"points\":4,\"area\":\"2\"}],"
      "\"veto\":[{\"code\":\"V1\",\"effect\":\"grade:不合格\"},{\"code\":\"V2\",\"effect\":\"cap:"
      "合格\"}]}",
      0, &e);
  ck_assert_msg(r != NULL, "%s", e.text);
  return r;
}

/* Units from "CODE:kind,CODE:kind" (name = code). */
static json_t *units(const char *spec)
{
  json_t *a = json_array();
  char buf[2048], *save = NULL;
  snprintf(buf, sizeof buf, "%s", spec);
  for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    char *colon = strchr(t, ':');
    *colon = 0;
    json_array_append_new(a, json_pack("{s:s,s:s,s:s}", "code", t, "name", t, "kind", colon + 1));
  }
  return a;
}

static json_t *leafitem(double p)
{
  if (p == NA) return json_pack("{s:n,s:b}", "points", "na", 1);
  if (p == NUL) return json_pack("{s:n,s:b}", "points", "na", 0);
  return json_pack("{s:f,s:b}", "points", p, "na", 0);
}

/* Appends a sheet of REV for UNIT with the points of 1.1, 1.2 and 2.1 (NA, NUL allowed). */
static void sh(json_t *sheets, const char *unit, const char *rev, double a, double b, double c)
{
  json_array_append_new(sheets, json_pack("{s:s,s:s,s:{s:o,s:o,s:o}}", "unit", unit, "reviewer",
                                          rev, "items", "1.1", leafitem(a), "1.2", leafitem(b),
                                          "2.1", leafitem(c)));
}

/* Sets item CODE of the last sheet to {MEMBER: V}. */
static void extra(json_t *sheets, const char *code, const char *member, json_t *v)
{
  json_t *items = json_object_get(json_array_get(sheets, json_array_size(sheets) - 1), "items");
  json_object_set_new(items, code, json_pack("{s:o}", member, v));
}

/* Runs the engine; fails the test on an error. Steals UNITS, SHEETS and OFFICE. */
static json_t *run(json_t *u, json_t *sheets, json_t *office, const char *options)
{
  json_t *rb = rubric(), *opt = options ? json_loads(options, 0, NULL) : NULL, *out = NULL;
  ck_assert(!options || opt);
  const char *field = NULL, *problem = NULL;
  int rc = results_compute(rb, u, sheets, office, opt, &out, &field, &problem);
  ck_assert_msg(rc == E_OK, "rc %d field %s: %s", rc, field ? field : "", problem ? problem : "");
  json_decref(rb);
  json_decref(opt);
  json_decref(u);
  json_decref(sheets);
  json_decref(office);
  return out;
}

static json_t *unit_of(json_t *out, const char *code)
{
  size_t i;
  json_t *u;
  json_array_foreach(json_object_get(out, "units"), i, u)
  {
    if (!strcmp(json_string_value(json_object_get(u, "code")), code)) return u;
  }
  ck_abort_msg("unit %s missing", code);
  return NULL;
}

static json_t *leaf_trace(json_t *u, const char *code)
{
  size_t i;
  json_t *l;
  json_array_foreach(json_object_get(json_object_get(u, "trace"), "leaves"), i, l)
  {
    if (!strcmp(json_string_value(json_object_get(l, "code")), code)) return l;
  }
  ck_abort_msg("leaf %s missing", code);
  return NULL;
}

static double get(json_t *o, const char *k)
{
  json_t *v = json_object_get(o, k);
  ck_assert_msg(json_is_number(v), "%s is not a number", k);
  return json_number_value(v);
}

static const char *sget(json_t *o, const char *k)
{
  return json_string_value(json_object_get(o, k));
}

#define CLOSE(a, b)                                                                                \
  ck_assert_msg(fabs((a) - (b)) < 1e-6, "%s = %.6f, want %.6f", #a, (double)(a), (double)(b))

/* ---- aggregation ---- */

START_TEST(methods_with_one_to_five_sheets)
{
  /* Leaf 1.1 scores per unit; 1.2 = 20 and 2.1 = 40 on every sheet.
   *   U1 [30]               mean 30     median 30    trimmed 30 (n < 3: mean)
   *   U2 [30 20]            mean 25     median 25    trimmed 25 (n < 3: mean)
   *   U3 [10 30 35]         mean 25     median 30    trimmed 30 (drop 10 and 35)
   *   U4 [10 20 35 40]      mean 26.25  median 27.5  trimmed 27.5 ((20 + 35) / 2)
   *   U5 [0 20 25 33 40]    mean 23.6   median 25    trimmed 26 ((20 + 25 + 33) / 3)
   * U3: sd = √(((−15)² + 5² + 10²) / 2) = √175 = 13.23, range 25 ≥ 0.5 × 40: flagged.
   * U2: sd = √((5² + 5²) / 1) = 7.07, range 10 < 20: not flagged.
   * Totals by mean: U3 25 + 20 + 40 = 85 (良好); by median 90 (优秀). */
  static const double v[5][5] = {
      {30}, {30, 20}, {10, 30, 35}, {10, 20, 35, 40}, {0, 20, 25, 33, 40}};
  static const double want[5][3] = {
      {30, 30, 30}, {25, 25, 25}, {25, 30, 30}, {26.25, 27.5, 27.5}, {23.6, 25, 26}};
  json_t *sheets = json_array();
  char unit[8], rev[8];
  for (int u = 0; u < 5; u++)
    for (int j = 0; j <= u; j++) {
      snprintf(unit, sizeof unit, "U%d", u + 1);
      snprintf(rev, sizeof rev, "r%d", j + 1);
      sh(sheets, unit, rev, v[u][j], 20, 40);
    }
  json_t *out = run(units("U1:department,U2:department,U3:department,U4:department,U5:department"),
                    sheets, NULL, "{\"trace\":true}");
  for (int u = 0; u < 5; u++) {
    snprintf(unit, sizeof unit, "U%d", u + 1);
    json_t *l = leaf_trace(unit_of(out, unit), "1.1");
    CLOSE(get(l, "mean"), want[u][0]);
    CLOSE(get(l, "median"), want[u][1]);
    CLOSE(get(l, "trimmed"), want[u][2]);
    ck_assert_int_eq((int)get(l, "n"), u + 1);
    ck_assert_int_eq(json_integer_value(json_object_get(unit_of(out, unit), "sheets")), u + 1);
  }
  json_t *l3 = leaf_trace(unit_of(out, "U3"), "1.1"), *l2 = leaf_trace(unit_of(out, "U2"), "1.1");
  CLOSE(get(l3, "sd"), 13.23);
  CLOSE(get(l3, "range"), 25);
  ck_assert(json_is_true(json_object_get(l3, "flag")));
  CLOSE(get(l2, "sd"), 7.07);
  ck_assert(json_is_false(json_object_get(l2, "flag")));
  ck_assert_int_eq(json_array_size(json_object_get(l3, "scores")), 3);
  ck_assert_str_eq(sget(json_array_get(json_object_get(l3, "scores"), 0), "reviewer"), "r1");
  CLOSE(get(unit_of(out, "U3"), "total"), 85);
  ck_assert_str_eq(sget(unit_of(out, "U3"), "grade"), "良好");
  /* The official value is the mean: U4's "values" = [26.25, 20, 40]. */
  CLOSE(json_number_value(json_array_get(json_object_get(unit_of(out, "U4"), "values"), 0)), 26.25);
  /* Disagreements: U3 (range 25), U4 (30), U5 (40) on 1.1; U1 has one value, U2 range 10. */
  json_t *dis = json_object_get(out, "disagreements");
  ck_assert_int_eq(json_array_size(dis), 3);
  ck_assert_str_eq(sget(json_array_get(dis, 0), "leaf"), "1.1");
  json_decref(out);

  /* Median as the official method: U3 = 30 + 20 + 40 = 90 → 优秀; the mean (85, 良好) is kept
   * in by_method. */
  sheets = json_array();
  sh(sheets, "U3", "r1", 10, 20, 40);
  sh(sheets, "U3", "r2", 30, 20, 40);
  sh(sheets, "U3", "r3", 35, 20, 40);
  out = run(units("U3:department"), sheets, NULL, "{\"method\":\"median\"}");
  json_t *u3 = unit_of(out, "U3");
  CLOSE(get(u3, "total"), 90);
  ck_assert_str_eq(sget(u3, "grade"), "优秀");
  json_t *bm = json_object_get(u3, "by_method");
  CLOSE(get(json_object_get(bm, "mean"), "total"), 85);
  ck_assert_str_eq(sget(json_object_get(bm, "mean"), "grade"), "良好");
  ck_assert_str_eq(sget(out, "method"), "median");
  json_decref(out);
}
END_TEST

START_TEST(normalisation_by_hand)
{
  /* Five departments N1..N5. Reviewer "le" (lenient) gives the fractions 0.6, 0.7, 0.8, 0.9, 1.0
   * of every leaf's maximum to N1..N5; "ha" (harsh) 0.4 … 0.8; "few" scores only N1, 0.5.
   *   le: 15 fractions, μr = 0.8, σr = √(3 × (0.04 + 0.01 + 0 + 0.01 + 0.04) / 14) = 0.146385
   *   ha: μr = 0.6, σr = 0.146385; few: 1 sheet < 5 → unchanged.
   *   pooled (33 fractions): μ = (15 × 0.8 + 15 × 0.6 + 3 × 0.5) / 33 = 0.681818;
   *   Σ(f − μ)² = 0.3 + 15 × 0.118182² + 0.3 + 15 × 0.081818² + 3 × 0.181818² = 1.009091,
   *   σ = √(1.009091 / 32) = 0.177578; σ / σr = 1.213091.
   *   N3: le 0.8 → μ + 0 = 0.681818, ha 0.6 → 0.681818: 1.1 = 27.27 (raw mean 28),
   *       1.2 = 13.64, 2.1 = 27.27, total 68.18.
   *   N1: le 0.6 → 0.681818 − 0.2 × 1.213091 = 0.439200, ha 0.4 → 0.439200, few 0.5 (as is):
   *       mean 0.459467 → 1.1 = 18.38 (raw (24 + 16 + 20) / 3 = 20).
   *   N5: 0.681818 + 0.2 × 1.213091 = 0.924436 → 1.1 = 36.98. */
  static const double le[5] = {0.6, 0.7, 0.8, 0.9, 1.0}, ha[5] = {0.4, 0.5, 0.6, 0.7, 0.8};
  json_t *sheets = json_array();
  char unit[8];
  for (int i = 0; i < 5; i++) {
    snprintf(unit, sizeof unit, "N%d", i + 1);
    sh(sheets, unit, "le", 40 * le[i], 20 * le[i], 40 * le[i]);
    sh(sheets, unit, "ha", 40 * ha[i], 20 * ha[i], 40 * ha[i]);
  }
  sh(sheets, "N1", "few", 20, 10, 20);
  json_t *out = run(units("N1:department,N2:department,N3:department,N4:department,N5:department"),
                    sheets, NULL, "{\"method\":\"normalized\",\"trace\":[\"N1\",\"N3\",\"N5\"]}");
  json_t *norm = json_object_get(out, "normalization");
  CLOSE(get(norm, "mu"), 0.6818);
  CLOSE(get(norm, "sigma"), 0.1776);
  json_t *revs = json_object_get(norm, "reviewers");
  ck_assert_str_eq(sget(json_array_get(revs, 0), "reviewer"), "few");
  ck_assert_str_eq(sget(json_array_get(revs, 0), "mode"), "unchanged");
  ck_assert_str_eq(sget(json_array_get(revs, 1), "mode"), "scaled");
  CLOSE(get(json_array_get(revs, 2), "mean"), 0.8); /* le */
  CLOSE(get(json_array_get(revs, 2), "sd"), 0.1464);
  json_t *n3 = leaf_trace(unit_of(out, "N3"), "1.1");
  CLOSE(get(n3, "normalized"), 27.27);
  CLOSE(get(n3, "mean"), 28);
  CLOSE(get(leaf_trace(unit_of(out, "N3"), "1.2"), "normalized"), 13.64);
  CLOSE(get(unit_of(out, "N3"), "total"), 68.18); /* 27.27 + 13.64 + 27.27 */
  json_t *n1 = leaf_trace(unit_of(out, "N1"), "1.1");
  CLOSE(get(n1, "normalized"), 18.38);
  CLOSE(get(n1, "mean"), 20);
  /* The adjusted scores are shown per reviewer: ha 0.4392 × 40 = 17.57, few 20 unchanged. */
  json_t *sc = json_object_get(n1, "scores"); /* few, ha, le */
  CLOSE(get(json_array_get(sc, 0), "adjusted"), 20);
  CLOSE(get(json_array_get(sc, 1), "adjusted"), 17.57);
  CLOSE(get(leaf_trace(unit_of(out, "N5"), "1.1"), "normalized"), 36.98);
  json_decref(out);
}
END_TEST

START_TEST(not_applicable_by_office_kind_and_majority)
{
  /* T1, a town: 1.2 does not apply (kind); 2.1 is N/A on 2 of 3 sheets (majority). 1.1 mean
   * (30 + 34 + 32) / 3 = 32 of 40 → 32 / 40 × 100 = 80 (良好).
   * T2, a department: the office marks 1.2 N/A; 2.1 is N/A on 1 of 3 sheets only (a minority),
   * so it counts with the other two: (30 + 34) / 2 = 32. 1.1 = 40. (40 + 32) / 80 × 100 = 90:
   * area 1 = 40 × 1.25 = 50, area 2 = 32 × 1.25 = 40. */
  json_t *sheets = json_array();
  sh(sheets, "T1", "a", 30, NA, NA);
  sh(sheets, "T1", "b", 34, NA, NA);
  sh(sheets, "T1", "c", 32, NA, 20);
  sh(sheets, "T2", "a", 40, 10, 30);
  sh(sheets, "T2", "b", 40, 10, 34);
  sh(sheets, "T2", "c", 40, 10, NA);
  /* T3: 2.1 N/A on 1 of 2 sheets (half, not a majority): it counts, with the one score 20:
   * 40 + 20 + 20 = 80. */
  sh(sheets, "T3", "a", 40, 20, NA);
  sh(sheets, "T3", "b", 40, 20, 20);
  json_t *office = json_pack("{s:[s]}", "T2", "1.2");
  json_t *out =
      run(units("T1:town,T2:department,T3:department"), sheets, office, "{\"trace\":true}");
  CLOSE(get(unit_of(out, "T3"), "total"), 80);
  ck_assert_int_eq((int)get(leaf_trace(unit_of(out, "T3"), "2.1"), "n"), 1);
  json_t *t1 = unit_of(out, "T1"), *t2 = unit_of(out, "T2");
  CLOSE(get(t1, "base"), 32);
  CLOSE(get(t1, "applicable_max"), 40);
  CLOSE(get(t1, "total"), 80);
  ck_assert_str_eq(sget(leaf_trace(t1, "1.2"), "na_reason"), "kind");
  ck_assert_str_eq(sget(leaf_trace(t1, "2.1"), "na_reason"), "majority");
  ck_assert_int_eq((int)get(leaf_trace(t1, "2.1"), "na_votes"), 2);
  ck_assert(json_is_null(json_array_get(json_object_get(t1, "values"), 2)));
  ck_assert(json_is_null(json_array_get(json_object_get(t1, "areas"), 1))); /* all of area 2 */
  CLOSE(get(t2, "total"), 90);
  ck_assert_str_eq(sget(t2, "grade"), "优秀");
  ck_assert_str_eq(sget(leaf_trace(t2, "1.2"), "na_reason"), "office");
  ck_assert_str_eq(sget(leaf_trace(t2, "2.1"), "status"), "scored");
  ck_assert_int_eq((int)get(leaf_trace(t2, "2.1"), "n"), 2);
  CLOSE(json_number_value(json_array_get(json_object_get(t2, "areas"), 0)), 50);
  CLOSE(json_number_value(json_array_get(json_object_get(t2, "areas"), 1)), 40);
  json_decref(out);
}
END_TEST

START_TEST(overrides_replace_the_aggregate)
{
  /* U1, a department: 1.1 scored 30, 34, 20 (mean 28, median = trimmed 30), 1.2 10, 14, 12
   * (12 under every method), 2.1 30, 34, 38 (34). An upheld appeal sets 1.1 to 36 under every
   * method: total 36 + 12 + 34 = 82 (mean and trimmed alike; 74 by the mean without it).
   * U2, a town: 1.2 does not apply (kind), so its override is ignored; 2.1 is N/A on 2 of 3
   * sheets (majority) but its override 30 brings it back: (40 + 30) / 80 × 100 = 87.5 (100
   * without it). */
  json_t *sheets = json_array();
  sh(sheets, "U1", "a", 30, 10, 30);
  sh(sheets, "U1", "b", 34, 14, 34);
  sh(sheets, "U1", "c", 20, 12, 38);
  sh(sheets, "U2", "a", 40, NA, 20);
  sh(sheets, "U2", "b", 40, NA, NA);
  sh(sheets, "U2", "c", 40, NA, NA);
  json_t *plain = run(units("U1:department,U2:town"), json_deep_copy(sheets), NULL, NULL);
  CLOSE(get(unit_of(plain, "U1"), "total"), 74);
  CLOSE(get(unit_of(plain, "U2"), "total"), 100);
  json_decref(plain);
  json_t *out = run(units("U1:department,U2:town"), sheets, NULL,
                    "{\"trace\":true,\"overrides\":{\"U1\":{\"1.1\":36},\"U2\":{\"1.2\":5,"
                    "\"2.1\":30}}}");
  json_t *u1 = unit_of(out, "U1"), *u2 = unit_of(out, "U2");
  CLOSE(get(u1, "total"), 82);
  CLOSE(json_number_value(json_array_get(json_object_get(u1, "values"), 0)), 36);
  const char *methods[] = {"mean", "median", "trimmed", "normalized"};
  for (int m = 0; m < 4; m++) {
    json_t *by = json_object_get(json_object_get(u1, "by_method"), methods[m]);
    ck_assert_msg(fabs(get(by, "total") - 82) < 1e-6 || m == 3, "%s", methods[m]);
  }
  json_t *l = leaf_trace(u1, "1.1");
  CLOSE(get(l, "value"), 36);
  CLOSE(get(l, "mean"), 28);
  CLOSE(get(l, "trimmed"), 30);
  json_t *ov = json_object_get(l, "override");
  CLOSE(get(ov, "points"), 36);
  CLOSE(get(ov, "replaced"), 28);
  ck_assert_str_eq(sget(ov, "note"), "复核调整");
  ck_assert_ptr_null(json_object_get(leaf_trace(u1, "1.2"), "override"));
  CLOSE(get(u2, "total"), 87.5);
  ck_assert(json_is_null(json_array_get(json_object_get(u2, "values"), 1)));
  ck_assert_str_eq(sget(leaf_trace(u2, "1.2"), "na_reason"), "kind");
  ck_assert_str_eq(sget(leaf_trace(u2, "2.1"), "status"), "scored");
  CLOSE(get(leaf_trace(u2, "2.1"), "value"), 30);
  CLOSE(get(json_object_get(leaf_trace(u2, "2.1"), "override"), "replaced"), 20);
  json_decref(out);
  /* refused overrides */
  const struct {
    const char *opt, *field;
  } bad[] = {
      {"{\"overrides\":[]}", "options.overrides"},
      {"{\"overrides\":{\"NOPE\":{\"1.1\":1}}}", "options.overrides.NOPE"},
      {"{\"overrides\":{\"U1\":{\"9.9\":1}}}", "options.overrides.U1.9.9"},
      {"{\"overrides\":{\"U1\":{\"1.1\":41}}}", "options.overrides.U1.1.1"},
      {"{\"overrides\":{\"U1\":{\"1.1\":\"x\"}}}", "options.overrides.U1.1.1"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    json_t *rb = rubric(), *u = units("U1:department"), *sh1 = json_array(), *res = NULL;
    json_t *opt = json_loads(bad[i].opt, 0, NULL);
    sh(sh1, "U1", "a", 30, 10, 30);
    const char *field = NULL, *problem = NULL;
    int rc = results_compute(rb, u, sh1, NULL, opt, &res, &field, &problem);
    ck_assert_int_eq(rc, E_VALIDATION);
    ck_assert_msg(field && !strcmp(field, bad[i].field), "case %zu: %s", i, field ? field : "");
    ck_assert_ptr_nonnull(problem);
    json_decref(rb);
    json_decref(u);
    json_decref(sh1);
    json_decref(opt);
  }
}
END_TEST

START_TEST(bonus_deduction_caps_and_area_floor)
{
  /* Every sheet scores 1.1 = 30, 1.2 = 10, 2.1 = 30 (base 70) unless said.
   * K1: B1 claimed 2, 2, 2 → 2 × 2 = 4, item cap 3; B2 2, 2, 2 → 2; 5 capped overall at 4.
   *     D1 7, 7, 7 → 7, item cap 5; D2 1, 1, 1 → 3; 8 capped overall at 6. 70 + 4 − 6 = 68.
   * K2: D1 occurrences 1, 2, 2: mean 1.67 → deducts 1.67 (a fraction is not floored): 68.33;
   *     by median 2 → 68.
   * K3: 2.1 = 5 on every sheet (base 45); D3 (area 2) 2, 2, 2 → 8 stops at area 2's 5 (扣完为止):
   *     45 − 5 = 40 (不合格). */
  json_t *sheets = json_array();
  const char *revs[3] = {"a", "b", "c"};
  for (int j = 0; j < 3; j++) {
    sh(sheets, "K1", revs[j], 30, 10, 30);
    extra(sheets, "B1", "count", json_integer(2));
    json_object_set_new(
        json_object_get(json_array_get(sheets, json_array_size(sheets) - 1), "items"), "B2",
        json_pack("{s:i}", "count", 2));
    json_object_set_new(
        json_object_get(json_array_get(sheets, json_array_size(sheets) - 1), "items"), "D1",
        json_pack("{s:i}", "count", 7));
    json_object_set_new(
        json_object_get(json_array_get(sheets, json_array_size(sheets) - 1), "items"), "D2",
        json_pack("{s:i}", "count", 1));
    sh(sheets, "K2", revs[j], 30, 10, 30);
    extra(sheets, "D1", "count", json_integer(j ? 2 : 1));
    sh(sheets, "K3", revs[j], 30, 10, 5);
    extra(sheets, "D3", "count", json_integer(2));
  }
  json_t *out =
      run(units("K1:department,K2:department,K3:department"), sheets, NULL, "{\"trace\":[\"K2\"]}");
  json_t *k1 = unit_of(out, "K1"), *k2 = unit_of(out, "K2"), *k3 = unit_of(out, "K3");
  CLOSE(get(k1, "bonus"), 4);
  CLOSE(get(k1, "deduction"), 6);
  CLOSE(get(k1, "total"), 68);
  CLOSE(get(k2, "deduction"), 1.67);
  CLOSE(get(k2, "total"), 68.33);
  CLOSE(get(json_object_get(json_object_get(k2, "by_method"), "median"), "total"), 68);
  json_t *cnt = json_array_get(json_object_get(json_object_get(k2, "trace"), "counts"), 0);
  ck_assert_str_eq(sget(cnt, "code"), "D1");
  ck_assert_str_eq(sget(cnt, "type"), "deduction");
  CLOSE(get(cnt, "value"), 1.67);
  CLOSE(get(k3, "deduction"), 5);
  CLOSE(get(k3, "total"), 40);
  ck_assert_str_eq(sget(k3, "grade"), "不合格");
  /* The trace holds scoring.c's explanation. */
  json_t *steps =
      json_object_get(json_object_get(json_object_get(k2, "trace"), "scoring"), "steps");
  ck_assert_int_ge(json_array_size(steps), 3);
  json_decref(out);
}
END_TEST

START_TEST(veto_by_majority_only)
{
  /* Both units total 36 + 18 + 40 = 94 (优秀 by points). V1 (forces 不合格) is flagged by 2 of
   * 3 sheets for W1 → 不合格; by 1 of 3 for W2 → no veto. */
  json_t *sheets = json_array();
  const char *revs[3] = {"a", "b", "c"};
  for (int j = 0; j < 3; j++) {
    sh(sheets, "W1", revs[j], 36, 18, 40);
    if (j < 2) extra(sheets, "V1", "veto", json_true());
    sh(sheets, "W2", revs[j], 36, 18, 40);
    if (j == 0) extra(sheets, "V1", "veto", json_true());
  }
  /* W3: 1 of 2 sheets is half, not more than half: no veto. */
  sh(sheets, "W3", "a", 36, 18, 40);
  extra(sheets, "V1", "veto", json_true());
  sh(sheets, "W3", "b", 36, 18, 40);
  json_t *out =
      run(units("W1:department,W2:department,W3:department"), sheets, NULL, "{\"trace\":true}");
  ck_assert_str_eq(sget(unit_of(out, "W3"), "grade"), "优秀");
  json_t *w1 = unit_of(out, "W1"), *w2 = unit_of(out, "W2");
  CLOSE(get(w1, "total"), 94); /* the total is kept */
  ck_assert_str_eq(sget(w1, "grade"), "不合格");
  ck_assert_str_eq(sget(w1, "vetoed_by"), "V1");
  json_t *vote = json_array_get(json_object_get(json_object_get(w1, "trace"), "vetoes"), 0);
  ck_assert_int_eq((int)get(vote, "votes"), 2);
  ck_assert_int_eq((int)get(vote, "of"), 3);
  ck_assert(json_is_true(json_object_get(vote, "flagged")));
  ck_assert_str_eq(sget(w2, "grade"), "优秀");
  ck_assert(json_is_null(json_object_get(w2, "vetoed_by")));
  vote = json_array_get(json_object_get(json_object_get(w2, "trace"), "vetoes"), 0);
  ck_assert(json_is_false(json_object_get(vote, "flagged")));
  /* The per-reviewer totals: W2's reviewer a saw a vetoed sheet of its own. */
  json_t *rv = json_array_get(json_object_get(json_object_get(w2, "trace"), "reviewers"), 0);
  ck_assert_str_eq(sget(rv, "grade"), "不合格");
  json_decref(out);
}
END_TEST

/* ---- ranks, grades, sensitivity ---- */

START_TEST(ties_overall_and_in_kind)
{
  /* One sheet each. Departments: A 36+18+36 = 90, B 34+17+34 = 85, C 85. Towns (1.2 N/A,
   * × 100 / 80): D 32+32 → 80, E 80, F 28+28 → 70. Z has no sheet.
   * Overall: A 1, B 2, C 2, D 4, E 4, F 6 (1, 2, 2, 4). Departments: A 1, B 2, C 2.
   * Towns: D 1, E 1, F 3. */
  json_t *sheets = json_array();
  sh(sheets, "A", "r", 36, 18, 36);
  sh(sheets, "B", "r", 34, 17, 34);
  sh(sheets, "C", "r", 34, 17, 34);
  sh(sheets, "D", "r", 32, NA, 32);
  sh(sheets, "E", "r", 32, NA, 32);
  sh(sheets, "F", "r", 28, NA, 28);
  json_t *out = run(units("Z:town,F:town,E:town,D:town,C:department,B:department,A:department"),
                    sheets, NULL, "{\"trace\":[\"C\"]}");
  static const char *order[] = {"A", "B", "C", "D", "E", "F", "Z"};
  static const int rank[] = {1, 2, 2, 4, 4, 6}, kind[] = {1, 2, 2, 1, 1, 3};
  static const int tied[] = {0, 1, 1, 1, 1, 0};
  json_t *us = json_object_get(out, "units");
  ck_assert_int_eq(json_array_size(us), 7);
  for (int i = 0; i < 7; i++) {
    json_t *u = json_array_get(us, (size_t)i);
    ck_assert_str_eq(sget(u, "code"), order[i]);
    if (i == 6) break;
    ck_assert_int_eq((int)get(u, "rank"), rank[i]);
    ck_assert_int_eq((int)get(u, "rank_in_kind"), kind[i]);
    ck_assert_int_eq(json_is_true(json_object_get(u, "tied")), tied[i]);
    ck_assert_int_eq(json_is_true(json_object_get(u, "tied_in_kind")), tied[i]);
  }
  json_t *z = json_array_get(us, 6);
  ck_assert_str_eq(sget(z, "status"), "no_sheets");
  ck_assert(json_is_null(json_object_get(z, "total")));
  ck_assert(json_is_null(json_object_get(z, "rank")));
  ck_assert_int_eq((int)get(json_object_get(out, "counts"), "ranked"), 6);
  ck_assert_int_eq((int)get(json_object_get(out, "counts"), "no_sheets"), 1);
  /* The trace says the tie in words. */
  json_t *s = json_object_get(json_object_get(unit_of(out, "C"), "trace"), "ranking");
  ck_assert_ptr_nonnull(
      strstr(json_string_value(json_array_get(s, 0)), "排第 2 名（与其他 1 个单位并列）"));
  json_decref(out);
}
END_TEST

START_TEST(quota_with_border_group_and_veto)
{
  /* Ten departments, one sheet each (1.2 = 20, 2.1 = 40, 1.1 = total − 60;
   * Q10 0 + 10 + 40):
   *   Q1 98 with V2 (cap 合格) → 合格; Q2 95, Q3 92, Q4 92, Q5 91 (优秀 by points); Q6 85,
   *   Q7 84 (良好); Q8 70, Q9 65 (合格); Q10 50 (不合格).
   * Quotas: 优秀 ≤ 20% → floor(0.2 × 10) = 2; 良好 ≤ 30% → 3.
   *   优秀 in rank order: Q2 (kept, 1), then Q3 and Q4 tied at 92: 1 + 2 > 2 with a place left
   *   → the group straddles the limit: both drop, border; Q5 drops too (no border). 优秀 = {Q2}.
   *   良好: Q3, Q4, Q5 (3 = the limit), then Q6 and Q7 drop to 合格 (no border: the limit was
   *   reached exactly). 合格 = Q1, Q6, Q7, Q8, Q9. Q1 stays 合格 although ranked first. */
  static const double total[10] = {98, 95, 92, 92, 91, 85, 84, 70, 65, 50};
  static const char *grade[10] = {"合格", "优秀", "良好", "良好", "良好",
                                  "合格", "合格", "合格", "合格", "不合格"};
  static const char *band[10] = {"合格", "优秀", "优秀", "优秀", "优秀",
                                 "良好", "良好", "合格", "合格", "不合格"};
  json_t *sheets = json_array();
  char code[8], spec[400] = "";
  for (int i = 0; i < 10; i++) {
    snprintf(code, sizeof code, "Q%d", i + 1);
    if (i == 9)
      sh(sheets, code, "r", 0, 10, 40); /* 50 */
    else
      sh(sheets, code, "r", total[i] - 60, 20, 40);
    if (i == 0) extra(sheets, "V2", "veto", json_true());
    snprintf(spec + strlen(spec), sizeof spec - strlen(spec), "%sQ%d:department", i ? "," : "",
             i + 1);
  }
  json_t *out = run(units(spec), sheets, NULL,
                    "{\"quotas\":[{\"grade\":\"优秀\",\"max_share\":0.2},{\"grade\":\"良好\","
                    "\"max_share\":0.3}],\"trace\":[\"Q3\"]}");
  for (int i = 0; i < 10; i++) {
    snprintf(code, sizeof code, "Q%d", i + 1);
    json_t *u = unit_of(out, code);
    ck_assert_msg(!strcmp(sget(u, "grade"), grade[i]), "%s: %s", code, sget(u, "grade"));
    ck_assert_str_eq(sget(u, "band_grade"), band[i]);
    ck_assert_int_eq(json_is_true(json_object_get(u, "border")), i == 2 || i == 3);
  }
  ck_assert_str_eq(sget(unit_of(out, "Q3"), "border_grade"), "优秀");
  ck_assert_int_eq((int)get(unit_of(out, "Q1"), "rank"), 1);
  ck_assert_str_eq(sget(unit_of(out, "Q1"), "vetoed_by"), "V2");
  json_t *g = json_object_get(out, "grades");
  ck_assert_int_eq((int)get(json_array_get(g, 0), "limit"), 2);
  ck_assert_int_eq((int)get(json_array_get(g, 0), "count"), 1);
  ck_assert_int_eq((int)get(json_array_get(g, 1), "count"), 3);
  ck_assert_int_eq((int)get(json_array_get(g, 2), "count"), 5);
  /* The notes name the border group for the office. */
  json_t *notes = json_object_get(out, "notes");
  int border_note = 0;
  for (size_t i = 0; i < json_array_size(notes); i++) {
    const char *s = json_string_value(json_array_get(notes, i));
    border_note |= strstr(s, "2 个单位同为 92.00 分") && strstr(s, "Q3") && strstr(s, "Q4");
  }
  ck_assert_msg(border_note, "border group named in the notes");
  json_t *rk = json_object_get(json_object_get(unit_of(out, "Q3"), "trace"), "ranking");
  ck_assert_ptr_nonnull(
      strstr(json_string_value(json_array_get(rk, json_array_size(rk) - 1)), "请考核办研究决定"));
  json_decref(out);

  /* A limit of 0 empties the band: no error. */
  sheets = json_array();
  sh(sheets, "Q2", "r", 35, 20, 40);
  out = run(units("Q2:department"), sheets, NULL,
            "{\"quotas\":[{\"grade\":\"优秀\",\"max_share\":0.2}]}");
  ck_assert_str_eq(sget(unit_of(out, "Q2"), "grade"), "良好");
  json_decref(out);
}
END_TEST

START_TEST(sensitivity_between_mean_and_trimmed)
{
  /* S1: 1.1 scored 40, 40, 4 → mean 28 (total 88, 良好), trimmed 40 (total 100, 优秀), median
   * 40 (优秀), normalized = mean (every reviewer has < 5 sheets: unchanged) → 良好.
   * S2: 36, 36, 36 → 94 by every method: not listed. Official: trimmed. */
  json_t *sheets = json_array();
  const char *revs[3] = {"a", "b", "c"};
  for (int j = 0; j < 3; j++) {
    sh(sheets, "S1", revs[j], j == 2 ? 4 : 40, 20, 40);
    sh(sheets, "S2", revs[j], 36, 18, 40);
  }
  json_t *out = run(units("S1:department,S2:department"), sheets, NULL, "{\"method\":\"trimmed\"}");
  ck_assert_str_eq(sget(unit_of(out, "S1"), "grade"), "优秀");
  CLOSE(get(unit_of(out, "S1"), "total"), 100);
  json_t *sens = json_object_get(out, "sensitivity");
  ck_assert_int_eq(json_array_size(sens), 1);
  json_t *s = json_array_get(sens, 0);
  ck_assert_str_eq(sget(s, "unit"), "S1");
  ck_assert_str_eq(sget(s, "grade"), "优秀");
  json_t *ch = json_object_get(s, "changes");
  ck_assert_int_eq(json_object_size(ch), 2);
  ck_assert_str_eq(sget(ch, "mean"), "良好");
  ck_assert_str_eq(sget(ch, "normalized"), "良好");
  json_t *bm = json_object_get(unit_of(out, "S1"), "by_method");
  CLOSE(get(json_object_get(bm, "mean"), "total"), 88);
  ck_assert_int_eq((int)get(json_object_get(bm, "mean"), "rank"), 2); /* S2's 94 beats 88 */
  ck_assert_int_eq((int)get(json_object_get(bm, "trimmed"), "rank"), 1);
  json_decref(out);
}
END_TEST

/* ---- errors ---- */

/* Runs the engine expecting E_VALIDATION on FIELD. */
static void refused(json_t *u, json_t *sheets, json_t *office, const char *options,
                    const char *want_field)
{
  json_t *rb = rubric(), *opt = options ? json_loads(options, 0, NULL) : NULL, *out = NULL;
  const char *field = NULL, *problem = NULL;
  int rc = results_compute(rb, u, sheets, office, opt, &out, &field, &problem);
  ck_assert_msg(rc == E_VALIDATION, "want E_VALIDATION on %s, got %d", want_field, rc);
  ck_assert_ptr_null(out);
  ck_assert_msg(field && !strcmp(field, want_field), "field %s, want %s", field ? field : "-",
                want_field);
  ck_assert_msg(problem && strlen(problem) > 6, "a message for %s", want_field);
  json_decref(rb);
  json_decref(opt);
  json_decref(u);
  json_decref(sheets);
  json_decref(office);
}

static json_t *one_sheet(void)
{
  json_t *s = json_array();
  sh(s, "A", "r", 30, 10, 30);
  return s;
}

START_TEST(every_error)
{
  refused(units("A:department"), json_array(), NULL, NULL, "sheets"); /* nothing submitted */
  refused(units("A:department"), one_sheet(), NULL, "{\"method\":\"geometric\"}", "method");
  refused(units("A:department"), one_sheet(), NULL,
          "{\"quotas\":[{\"grade\":\"特优\",\"max_share\":0.2}]}", "quotas[0].grade");
  refused(units("A:department"), one_sheet(), NULL,
          "{\"quotas\":[{\"grade\":\"优秀\",\"max_share\":1.5}]}", "quotas[0].max_share");
  refused(units("A:department"), one_sheet(), NULL,
          "{\"quotas\":[{\"grade\":\"优秀\",\"max_share\":\"20%\"}]}", "quotas[0].max_share");
  refused(units("A:department"), one_sheet(), NULL,
          "{\"quotas\":[{\"grade\":\"不合格\",\"max_share\":0.1}]}", "quotas[0].grade");
  refused(units("A:department"), one_sheet(), NULL,
          "{\"quotas\":[{\"grade\":\"优秀\",\"max_share\":0.1},{\"grade\":\"优秀\","
          "\"max_share\":0.2}]}",
          "quotas[1].grade");
  refused(units("A:department"), one_sheet(), NULL, "{\"flag_share\":0}", "options.flag_share");
  refused(units("A:department"), one_sheet(), NULL, "{\"speed\":1}", "options.speed");
  refused(units("A:department"), one_sheet(), NULL, "{\"trace\":[\"X\"]}", "options.trace[0]");
  refused(units("A:department,A:town"), one_sheet(), NULL, NULL, "units[1].code");
  refused(units("B:department"), one_sheet(), NULL, NULL, "sheets[0].unit");
  refused(units("A:department"), one_sheet(), json_pack("{s:[s]}", "A", "9.9"), NULL,
          "office_na.A[0]");
  refused(units("A:department"), one_sheet(), json_pack("{s:[s]}", "X", "1.1"), NULL,
          "office_na.X");
  json_t *s = one_sheet();
  sh(s, "A", "r", 20, 10, 30); /* the same reviewer twice */
  refused(units("A:department"), s, NULL, NULL, "sheets[1].reviewer");
  s = one_sheet();
  sh(s, "A", "q", 45, 10, 30); /* above 1.1's 40 */
  refused(units("A:department"), s, NULL, NULL, "sheets[1].items.1.1.points");
  s = one_sheet();
  extra(s, "X9", "points", json_integer(1));
  refused(units("A:department"), s, NULL, NULL, "sheets[0].items.X9");
  s = one_sheet();
  extra(s, "D1", "count", json_integer(-1));
  refused(units("A:department"), s, NULL, NULL, "sheets[0].items.D1.count");
  s = json_array();
  json_array_append_new(s, json_pack("{s:s,s:{}}", "unit", "A", "items"));
  refused(units("A:department"), s, NULL, NULL, "sheets[0].reviewer");
}
END_TEST

/* ---- sheets from rows ---- */

/* A random cycle for the row API: 40 units of 4 kinds, 0 to 5 sheets each from 12 reviewers
 * with scores in half points, unscored and N/A leaves, bonus and deduction counts (some null),
 * vetoes; office N/A marks and overrides in the options. */
struct row_case {
  json_t *units, *sheets, *office, *opt;
};

static struct row_case row_case(unsigned long long seed, const char *method)
{
  static const char *kinds[] = {"department", "county", "town", "street"};
  static const char *leaves[] = {"1.1", "1.2", "2.1"};
  static const double max[] = {40, 20, 40};
  static const char *items[] = {"B1", "B2", "D1", "D2", "D3"};
  struct row_case c = {json_array(), json_array(), json_object(), NULL};
  char code[16], rev[16];
#define NEXT(n)                                                                                    \
  ((int)(((seed = seed * 6364136223846793005ULL + 1442695040888963407ULL) >> 33) % (n)))
  for (int u = 0; u < 40; u++) {
    snprintf(code, sizeof code, "U%02d", u);
    json_array_append_new(
        c.units, json_pack("{s:s,s:s,s:s}", "code", code, "name", code, "kind", kinds[u % 4]));
    if (u % 9 == 4) json_object_set_new(c.office, code, json_pack("[s]", "2.1"));
    int k = NEXT(6), first = NEXT(12);
    for (int j = 0; j < k; j++) {
      snprintf(rev, sizeof rev, "r%02d", (first + j * 5) % 12);
      json_t *it = json_object();
      for (int l = 0; l < 3; l++) {
        int pick = NEXT(12);
        json_t *o = pick == 0   ? json_pack("{s:n,s:b}", "points", "na", 1)
                    : pick == 1 ? json_pack("{s:n}", "points")
                                : json_pack("{s:f,s:b}", "points", NEXT((int)max[l] * 2 + 1) * 0.5,
                                            "na", pick == 2);
        json_object_set_new(it, leaves[l], o);
      }
      for (int i = 0; i < 5; i++) {
        int pick = NEXT(5);
        if (pick == 0) json_object_set_new(it, items[i], json_pack("{s:n}", "count"));
        if (pick == 1) json_object_set_new(it, items[i], json_pack("{s:i}", "count", NEXT(3)));
      }
      if (NEXT(6) == 0) json_object_set_new(it, "V1", json_pack("{s:b}", "veto", 1));
      if (NEXT(4) == 0) json_object_set_new(it, "V2", json_pack("{s:b}", "veto", NEXT(2)));
      json_array_append_new(c.sheets,
                            json_pack("{s:s,s:s,s:o}", "unit", code, "reviewer", rev, "items", it));
    }
  }
#undef NEXT
  c.opt = json_pack("{s:s,s:b,s:{s:{s:f},s:{s:f}},s:[{s:s,s:f}]}", "method", method, "trace", 1,
                    "overrides", "U03", "1.1", 33.5, "U07", "1.2", 0.0, "quotas", "grade", "优秀",
                    "max_share", 0.2);
  return c;
}

static void row_case_free(struct row_case *c)
{
  json_decref(c->units);
  json_decref(c->sheets);
  json_decref(c->office);
  json_decref(c->opt);
}

/* Computes C with the sheets given row by row (results_begin_sheet / results_add_score /
 * results_end_sheet); the return code of the first failure, with *FIELD. */
static int run_rows(json_t *rb, struct row_case *c, json_t *opt, json_t **out, const char **field)
{
  struct results *r = NULL;
  const char *problem = NULL;
  *out = NULL;
  int rc = results_new(rb, c->units, c->office, opt, &r, field, &problem);
  size_t i;
  json_t *sheet;
  json_array_foreach(c->sheets, i, sheet)
  {
    if (rc) break;
    rc = results_begin_sheet(r, sget(sheet, "unit"), sget(sheet, "reviewer"), field, &problem);
    const char *code;
    json_t *it;
    json_object_foreach(json_object_get(sheet, "items"), code, it)
    {
      if (rc) break;
      json_t *p = json_object_get(it, "points"), *cnt = json_object_get(it, "count");
      rc = results_add_score(r, results_item(r, code), code,
                             json_is_number(p) ? json_number_value(p) : NAN,
                             json_is_true(json_object_get(it, "na")),
                             json_is_number(cnt) ? json_number_value(cnt) : NAN,
                             json_is_true(json_object_get(it, "veto")), field, &problem);
    }
    if (!rc) rc = results_end_sheet(r, field, &problem);
  }
  if (!rc) rc = results_finish(r, out, field, &problem);
  results_free(r);
  return rc;
}

START_TEST(rows_give_the_same_output_as_sheets)
{
  static const char *methods[] = {"mean", "median", "trimmed", "normalized"};
  json_t *rb = rubric();
  for (int t = 0; t < 12; t++) {
    struct row_case c = row_case(1000 + (unsigned long long)t, methods[t % 4]);
    json_t *a = NULL, *b = NULL;
    const char *field = NULL, *problem = NULL;
    ck_assert_int_eq(results_compute(rb, c.units, c.sheets, c.office, c.opt, &a, &field, &problem),
                     E_OK);
    ck_assert_int_eq(run_rows(rb, &c, c.opt, &b, &field), E_OK);
    char *da = json_dumps(a, JSON_COMPACT), *db = json_dumps(b, JSON_COMPACT);
    ck_assert_msg(da && db && !strcmp(da, db), "case %d: rows differ from sheets", t);
    /* Every total is scoring_total()'s: the trace's "scoring" (scoring_total) and the unit's
     * figures (compiled rules) agree bit for bit; without traces the rest is unchanged. */
    size_t i;
    json_t *u;
    json_array_foreach(json_object_get(a, "units"), i, u)
    {
      json_t *sc = json_object_get(json_object_get(u, "trace"), "scoring");
      if (!sc) continue;
      static const char *fig[] = {"base",  "applicable_max", "rescaled",
                                  "bonus", "deduction",      "total"};
      for (int f = 0; f < 6; f++)
        ck_assert_msg(json_number_value(json_object_get(sc, fig[f])) ==
                          json_number_value(json_object_get(u, fig[f])),
                      "case %d unit %s: %s", t, sget(u, "code"), fig[f]);
      ck_assert(json_equal(json_object_get(sc, "grade"), json_object_get(u, "band_grade")));
    }
    json_t *plain = json_deep_copy(c.opt), *c1 = NULL;
    json_object_del(plain, "trace");
    ck_assert_int_eq(run_rows(rb, &c, plain, &c1, &field), E_OK);
    json_array_foreach(json_object_get(a, "units"), i, u) json_object_del(u, "trace");
    char *dt = json_dumps(a, JSON_COMPACT), *dc = json_dumps(c1, JSON_COMPACT);
    ck_assert_msg(!strcmp(dt, dc), "case %d: traces change the rest", t);
    free(da);
    free(db);
    free(dt);
    free(dc);
    json_decref(a);
    json_decref(b);
    json_decref(c1);
    json_decref(plain);
    row_case_free(&c);
  }
  json_decref(rb);
}
END_TEST

/* Refuses C both ways with the same field. */
static void rows_refuse(struct row_case *c, const char *want)
{
  json_t *rb = rubric(), *out = NULL;
  const char *f1 = NULL, *f2 = NULL, *problem = NULL;
  int rc = results_compute(rb, c->units, c->sheets, c->office, NULL, &out, &f1, &problem);
  ck_assert_int_eq(rc, E_VALIDATION);
  ck_assert_str_eq(f1, want);
  char copy[200];
  snprintf(copy, sizeof copy, "%s", f1);
  ck_assert_int_eq(run_rows(rb, c, NULL, &out, &f2), E_VALIDATION);
  ck_assert_str_eq(f2, copy);
  ck_assert_ptr_null(out);
  json_decref(rb);
  row_case_free(c);
}

START_TEST(rows_refuse_what_sheets_refuse)
{
  struct row_case c = {units("A:department"), one_sheet(), NULL, NULL};
  sh(c.sheets, "B", "q", 1, 1, 1);
  rows_refuse(&c, "sheets[1].unit");
  c = (struct row_case){units("A:department"), one_sheet(), NULL, NULL};
  sh(c.sheets, "A", "q", 41, 1, 1);
  rows_refuse(&c, "sheets[1].items.1.1.points");
  c = (struct row_case){units("A:department"), one_sheet(), NULL, NULL};
  extra(c.sheets, "X9", "points", json_integer(1));
  rows_refuse(&c, "sheets[0].items.X9");
  c = (struct row_case){units("A:department"), one_sheet(), NULL, NULL};
  extra(c.sheets, "D2", "count", json_real(-0.5));
  rows_refuse(&c, "sheets[0].items.D2.count");
  c = (struct row_case){units("A:department"), one_sheet(), NULL, NULL};
  sh(c.sheets, "A", "r", 1, 1, 1);
  rows_refuse(&c, "sheets[1].reviewer");
  c = (struct row_case){units("A:department"), one_sheet(), NULL, NULL};
  json_array_append_new(c.sheets, json_pack("{s:s,s:s,s:{}}", "unit", "A", "reviewer", ""));
  rows_refuse(&c, "sheets[1].reviewer");
  /* A sheet left open, and a score without a sheet. */
  json_t *rb = rubric(), *us = units("A:department"), *out = NULL;
  struct results *r = NULL;
  const char *field = NULL, *problem = NULL;
  ck_assert_int_eq(results_new(rb, us, NULL, NULL, &r, &field, &problem), E_OK);
  ck_assert_int_eq(results_add_score(r, 0, NULL, 1, 0, NAN, 0, &field, &problem), E_VALIDATION);
  ck_assert_int_eq(results_begin_sheet(r, "A", "r", &field, &problem), E_OK);
  ck_assert_int_eq(
      results_add_score(r, results_item(r, "1.1"), NULL, 30, 0, NAN, 0, &field, &problem), E_OK);
  ck_assert_int_eq(results_finish(r, &out, &field, &problem), E_VALIDATION);
  ck_assert_ptr_null(out);
  results_free(r);
  json_decref(us);
  json_decref(rb);
}
END_TEST

/* ---- scale ---- */

START_TEST(national_size_finishes)
{
  /* 50,000 units in 5 kinds, 3 sheets each from 300 reviewers, 40 leaves of 2.5 points in 10
   * areas; scores from a fixed LCG; added one sheet at a time as a database loader would. */
  enum { NU = 50000, NL = 40, K = 3 };
  static const char *kinds[] = {"city", "county", "department", "town", "street"};
  json_t *rb = json_pack("{s:i,s:{s:b},s:[{s:s,s:f},{s:s,s:f},{s:s,s:f},{s:s,s:f}],s:[],"
                         "s:[{s:s,s:f,s:f}],s:[{s:s,s:f,s:f}],s:[{s:s,s:s}]}",
                         "total_points", 100, "rules", "na_rescale", 1, "grade_bands", "name",
                         "优秀", "min", 90.0, "name", "良好", "min", 80.0, "name", "合格", "min",
                         60.0, "name", "不合格", "min", 0.0, "areas", "bonus", "code", "B1",
                         "points", 1.0, "cap", 2.0, "deduction", "code", "D1", "points", 0.5, "cap",
                         2.0, "veto", "code", "V1", "effect", "grade:不合格");
  char code[32];
  for (int a = 0; a < 10; a++) {
    json_t *ch = json_array();
    for (int l = 0; l < 4; l++) {
      snprintf(code, sizeof code, "%d.%d", a + 1, l + 1);
      json_t *leaf = json_pack("{s:s,s:f}", "code", code, "max_points", 2.5);
      if (a == 9 && l == 3)
        json_object_set_new(leaf, "applies_to", json_pack("[s,s]", "town", "street"));
      json_array_append_new(ch, leaf);
    }
    snprintf(code, sizeof code, "%d", a + 1);
    json_array_append_new(json_object_get(rb, "areas"),
                          json_pack("{s:s,s:o}", "code", code, "children", ch));
  }
  json_t *us = json_array();
  for (int u = 0; u < NU; u++) {
    snprintf(code, sizeof code, "U%05d", u);
    json_array_append_new(
        us, json_pack("{s:s,s:s,s:s}", "code", code, "name", code, "kind", kinds[u % 5]));
  }
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  struct results *r = NULL;
  const char *field = NULL, *problem = NULL;
  json_t *opt = json_pack("{s:s,s:[{s:s,s:f}]}", "method", "trimmed", "quotas", "grade", "优秀",
                          "max_share", 0.2);
  ck_assert_int_eq(results_new(rb, us, NULL, opt, &r, &field, &problem), E_OK);
  unsigned long long seed = 42;
  char leaf[16], rev[16];
  for (int u = 0; u < NU; u++) {
    int base = 2 + (u * 7919) % 7; /* the unit's quality: 2..8 half-points of 2.5 → 1..2.5 */
    for (int j = 0; j < K; j++) {
      json_t *items = json_object();
      for (int a = 0; a < 10; a++)
        for (int l = 0; l < 4; l++) {
          seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
          int half = base - 1 + (int)((seed >> 33) % 3); /* ±0.5 noise */
          if (half > 5) half = 5;
          if (half < 0) half = 0;
          snprintf(leaf, sizeof leaf, "%d.%d", a + 1, l + 1);
          json_object_set_new(items, leaf, json_pack("{s:f}", "points", half * 0.5));
        }
      if (u % 97 == 0) json_object_set_new(items, "D1", json_pack("{s:i}", "count", 1 + j));
      snprintf(code, sizeof code, "U%05d", u);
      snprintf(rev, sizeof rev, "rv%03d", (u + j * 101) % 300);
      json_t *sheet = json_pack("{s:s,s:s,s:o}", "unit", code, "reviewer", rev, "items", items);
      ck_assert_int_eq(results_add_sheet(r, sheet, &field, &problem), E_OK);
      json_decref(sheet);
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double load = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  json_t *out = NULL;
  int rc = results_finish(r, &out, &field, &problem);
  ck_assert_msg(rc == E_OK, "%s: %s", field ? field : "", problem ? problem : "");
  results_free(r);
  struct timespec t2;
  clock_gettime(CLOCK_MONOTONIC, &t2);
  double comp = (double)(t2.tv_sec - t1.tv_sec) + (double)(t2.tv_nsec - t1.tv_nsec) / 1e9;
  char *dump = json_dumps(out, JSON_COMPACT);
  size_t bytes = dump ? strlen(dump) : 0;
  free(dump);
  printf("unit_results: %d units × %d sheets × %d leaves: adding sheets %.2f s, computing %.2f s,"
         " output %.1f MB\n",
         NU, K, NL, load, comp, (double)bytes / 1e6);
  json_t *list = json_object_get(out, "units");
  ck_assert_int_eq(json_array_size(list), NU);
  ck_assert_int_eq((int)get(json_object_get(out, "counts"), "ranked"), NU);
  /* Ranks never go down the list, totals never go up; the 优秀 quota holds. */
  for (size_t i = 1; i < json_array_size(list); i++) {
    json_t *a = json_array_get(list, i - 1), *b = json_array_get(list, i);
    ck_assert(get(a, "total") >= get(b, "total"));
    ck_assert(get(a, "rank") <= get(b, "rank"));
  }
  ck_assert_int_le((int)get(json_array_get(json_object_get(out, "grades"), 0), "count"), NU / 5);
  json_decref(out);
  json_decref(opt);
  json_decref(us);
  json_decref(rb);
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("results");
  TCase *tc = tcase_create("results");
  tcase_add_test(tc, methods_with_one_to_five_sheets);
  tcase_add_test(tc, normalisation_by_hand);
  tcase_add_test(tc, not_applicable_by_office_kind_and_majority);
  tcase_add_test(tc, overrides_replace_the_aggregate);
  tcase_add_test(tc, bonus_deduction_caps_and_area_floor);
  tcase_add_test(tc, veto_by_majority_only);
  tcase_add_test(tc, ties_overall_and_in_kind);
  tcase_add_test(tc, quota_with_border_group_and_veto);
  tcase_add_test(tc, sensitivity_between_mean_and_trimmed);
  tcase_add_test(tc, every_error);
  tcase_add_test(tc, rows_give_the_same_output_as_sheets);
  tcase_add_test(tc, rows_refuse_what_sheets_refuse);
  suite_add_tcase(s, tc);
  TCase *big = tcase_create("scale");
  tcase_set_timeout(big, 900);
  tcase_add_test(big, national_size_finishes);
  suite_add_tcase(s, big);
  return s;
}

int main(void)
{
  return tu_run_suite(suite());
}
