/*
 * unit_scoring.c - the rubric's rules on hand-computed cases: plain sums, N/A rescaling (by
 * unit kind and by flag), bonus and deduction caps per item and overall, the zero floor,
 * clamping of scores, deductions tied to an area that stop at that area's score (扣完为止),
 * grade bands, and vetoes that force or cap the grade; the compiled rules (scoring_figures)
 * against scoring_total on thousands of random sheets under three rubrics.
 */
#include "scoring.h"

#include "testutil.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Total 100: area 1 = 1.1 (40) + 1.2 (20, not for towns); area 2 = 2.1 (40).
 * Bonus B1 2 per claim, cap 3; B2 1 per claim. Overall bonus cap 4.
 * Deduction D1 1 per occurrence, cap 5; D2 3 per occurrence. Overall deduction cap 6.
 * Bands 优秀 90, 良好 80, 合格 60, 不合格 0. V1 forces 不合格, V2 caps at 合格. */
static json_t *rubric(void)
{
  json_error_t e;
  json_t *r = json_loads(
      "{\"total_points\":100,\"rules\":{\"bonus_cap\":4,\"deduction_cap\":6,\"na_rescale\":true},"
      "\"grade_bands\":[{\"name\":\"优秀\",\"min\":90},{\"name\":\"良好\",\"min\":80},{\"name\":"
      "\"合格\",\"min\":60},"
      "{\"name\":\"不合格\",\"min\":0}],"
      "\"areas\":[{\"code\":\"1\",\"children\":[{\"code\":\"1.1\",\"max_points\":40},{\"code\":\"1."
      "2\",\"max_points\":20,"
      "\"applies_to\":[\"department\",\"county\"]}]},{\"code\":\"2\",\"children\":[{\"code\":\"2."
      "1\",\"max_points\":40}]}],"
      "\"bonus\":[{\"code\":\"B1\",\"points\":2,\"cap\":3},{\"code\":\"B2\",\"points\":1}],"
      "\"deduction\":[{\"code\":\"D1\",\"points\":1,\"cap\":5},{\"code\":\"D2\",\"points\":3}],"
      "\"veto\":[{\"code\":\"V1\",\"effect\":\"grade:不合格\"},{\"code\":\"V2\",\"effect\":\"cap:"
      "合格\"}]}",
      0, &e);
  ck_assert_msg(r != NULL, "%s", e.text);
  return r;
}

static json_t *run(const char *sheet, const char *kind)
{
  json_t *r = rubric(), *s = json_loads(sheet, 0, NULL);
  ck_assert_ptr_nonnull(s);
  json_t *t = scoring_total(r, s, kind);
  ck_assert_ptr_nonnull(t);
  json_decref(r);
  json_decref(s);
  return t;
}

static double get(json_t *t, const char *k)
{
  return json_number_value(json_object_get(t, k));
}

#define CLOSE(a, b)                                                                                \
  ck_assert_msg(fabs((a) - (b)) < 1e-9, "%s = %g, want %g", #a, (double)(a), (double)(b))

START_TEST(plain_sum_and_grade)
{
  json_t *t = run("{\"scores\":{\"1.1\":36,\"1.2\":18,\"2.1\":35}}", "department");
  CLOSE(get(t, "base"), 89);
  CLOSE(get(t, "total"), 89);
  ck_assert_str_eq(json_string_value(json_object_get(t, "grade")), "良好");
  json_decref(t);
  t = run("{\"scores\":{\"1.1\":36,\"1.2\":19,\"2.1\":35}}", "department");
  ck_assert_str_eq(json_string_value(json_object_get(t, "grade")),
                   "优秀"); /* 90 reaches the band */
  json_decref(t);
}
END_TEST

START_TEST(scores_are_clamped_to_their_leaf)
{
  json_t *t = run("{\"scores\":{\"1.1\":55,\"1.2\":-3,\"2.1\":40}}", "county");
  CLOSE(get(t, "base"), 80); /* 40 + 0 + 40 */
  json_decref(t);
}
END_TEST

START_TEST(not_applicable_rescales)
{
  /* A town: 1.2 does not apply. base 36 + 35 = 71 of 80 → 71 / 80 × 100 = 88.75. */
  json_t *t = run("{\"scores\":{\"1.1\":36,\"1.2\":18,\"2.1\":35}}", "town");
  CLOSE(get(t, "base"), 71);
  CLOSE(get(t, "applicable_max"), 80);
  CLOSE(get(t, "rescaled"), 88.75);
  ck_assert_str_eq(json_string_value(json_array_get(json_object_get(t, "excluded"), 0)), "1.2");
  json_decref(t);
  /* Marked N/A for one unit: 2.1 left out. (36 + 18) / 60 × 100 = 90. */
  t = run("{\"scores\":{\"1.1\":36,\"1.2\":18},\"na\":[\"2.1\"]}", "department");
  CLOSE(get(t, "total"), 90);
  json_decref(t);
}
END_TEST

START_TEST(bonus_caps_per_item_and_overall)
{
  /* B1 × 2 = 4 capped at 3; B2 × 2 = 2; 5 in all, capped overall at 4. 70 + 4 = 74. */
  json_t *t = run("{\"scores\":{\"1.1\":30,\"1.2\":10,\"2.1\":30},\"claims\":{\"B1\":2,\"B2\":2}}",
                  "department");
  CLOSE(get(t, "bonus"), 4);
  CLOSE(get(t, "total"), 74);
  json_decref(t);
  t = run("{\"scores\":{\"1.1\":30,\"1.2\":10,\"2.1\":30},\"claims\":{\"B1\":1}}", "department");
  CLOSE(get(t, "bonus"), 2);
  json_decref(t);
}
END_TEST

START_TEST(deductions_caps_and_floor)
{
  /* D1 × 7 = 7 capped at 5; D2 × 1 = 3; 8 in all, capped at 6. 70 − 6 = 64. */
  json_t *t =
      run("{\"scores\":{\"1.1\":30,\"1.2\":10,\"2.1\":30},\"occurrences\":{\"D1\":7,\"D2\":1}}",
          "department");
  CLOSE(get(t, "deduction"), 6);
  CLOSE(get(t, "total"), 64);
  json_decref(t);
  /* Never below 0: 2 − 6. */
  t = run("{\"scores\":{\"1.1\":2},\"occurrences\":{\"D2\":2}}", "department");
  CLOSE(get(t, "total"), 0);
  ck_assert_str_eq(json_string_value(json_object_get(t, "grade")), "不合格");
  json_decref(t);
  /* Never above the total: 100 + 4. */
  t = run("{\"scores\":{\"1.1\":40,\"1.2\":20,\"2.1\":40},\"claims\":{\"B1\":1,\"B2\":2}}",
          "department");
  CLOSE(get(t, "total"), 100);
  json_decref(t);
}
END_TEST

/* The rubric above with two deductions tied to area 2: D3 4 per occurrence and D4 2 per
 * occurrence, cap 4. */
static json_t *run_area(const char *sheet, const char *kind)
{
  json_t *r = rubric(), *s = json_loads(sheet, 0, NULL);
  ck_assert_ptr_nonnull(s);
  json_array_append_new(json_object_get(r, "deduction"),
                        json_pack("{s:s,s:f,s:s}", "code", "D3", "points", 4.0, "area", "2"));
  json_array_append_new(
      json_object_get(r, "deduction"),
      json_pack("{s:s,s:f,s:f,s:s}", "code", "D4", "points", 2.0, "cap", 4.0, "area", "2"));
  json_object_set_new(json_object_get(r, "rules"), "deduction_cap", json_real(20));
  json_t *t = scoring_total(r, s, kind);
  ck_assert_ptr_nonnull(t);
  json_decref(r);
  json_decref(s);
  return t;
}

START_TEST(area_deductions_stop_at_the_area)
{
  /* Area 2 scored 5: D3 × 2 = 8 would take it below zero, so only 5 comes off (扣完为止);
   * D1 × 1 = 1 comes off the total. 30 + 10 + 5 − 5 − 1 = 39. */
  json_t *t = run_area("{\"scores\":{\"1.1\":30,\"1.2\":10,\"2.1\":5},"
                       "\"occurrences\":{\"D3\":2,\"D1\":1}}",
                       "department");
  CLOSE(get(t, "deduction"), 6);
  CLOSE(get(t, "total"), 39);
  json_t *steps = json_object_get(t, "steps");
  int explained = 0;
  for (size_t i = 0; i < json_array_size(steps); i++)
    explained |= strstr(json_string_value(json_array_get(steps, i)), "扣完为止") != NULL;
  ck_assert_msg(explained, "the area floor is explained");
  json_decref(t);
  /* Within the area's score: D3 × 1 + D4 × 3 (6, capped at 4) = 8 of area 2's 30. 70 − 8. */
  t = run_area("{\"scores\":{\"1.1\":30,\"1.2\":10,\"2.1\":30},"
               "\"occurrences\":{\"D3\":1,\"D4\":3}}",
               "department");
  CLOSE(get(t, "deduction"), 8);
  CLOSE(get(t, "total"), 62);
  json_decref(t);
  /* A town (1.2 N/A, factor 100 / 80): area 2's 8 points count as 10, so D3 × 3 = 12 stops
   * at 10. Rescaled (30 + 8) × 1.25 = 47.5; 47.5 − 10 = 37.5. */
  t = run_area("{\"scores\":{\"1.1\":30,\"2.1\":8},\"occurrences\":{\"D3\":3}}", "town");
  CLOSE(get(t, "rescaled"), 47.5);
  CLOSE(get(t, "deduction"), 10);
  CLOSE(get(t, "total"), 37.5);
  json_decref(t);
}
END_TEST

START_TEST(vetoes_force_or_cap_the_grade)
{
  json_t *t =
      run("{\"scores\":{\"1.1\":40,\"1.2\":20,\"2.1\":35},\"veto\":[\"V1\"]}", "department");
  CLOSE(get(t, "total"), 95); /* the total is kept */
  ck_assert_str_eq(json_string_value(json_object_get(t, "grade")), "不合格");
  ck_assert_str_eq(json_string_value(json_object_get(t, "vetoed_by")), "V1");
  json_decref(t);
  t = run("{\"scores\":{\"1.1\":40,\"1.2\":20,\"2.1\":35},\"veto\":[\"V2\"]}", "department");
  ck_assert_str_eq(json_string_value(json_object_get(t, "grade")), "合格");
  json_decref(t);
  /* A cap does not raise a lower grade. */
  t = run("{\"scores\":{\"1.1\":20,\"2.1\":20},\"veto\":[\"V2\"]}", "department");
  ck_assert_str_eq(json_string_value(json_object_get(t, "grade")), "不合格");
  ck_assert(json_is_null(json_object_get(t, "vetoed_by")) || !json_object_get(t, "vetoed_by"));
  json_decref(t);
}
END_TEST

START_TEST(every_step_is_explained)
{
  json_t *t = run("{\"scores\":{\"1.1\":36,\"2.1\":35},\"claims\":{\"B1\":1},\"occurrences\":{"
                  "\"D1\":1},\"veto\":[\"V2\"]}",
                  "town");
  json_t *steps = json_object_get(t, "steps");
  ck_assert_int_ge(json_array_size(steps), 5);
  char all[4096] = "";
  size_t i;
  json_t *s;
  json_array_foreach(steps, i, s)
  {
    strncat(all, json_string_value(s), sizeof all - strlen(all) - 2);
    strcat(all, "|");
  }
  ck_assert_ptr_nonnull(strstr(all, "折算"));
  ck_assert_ptr_nonnull(strstr(all, "加分 2 分"));
  ck_assert_ptr_nonnull(strstr(all, "扣分 1 分"));
  ck_assert_ptr_nonnull(strstr(all, "一票否决项 V2"));
  json_decref(t);
}
END_TEST

/* ---- the compiled rules ---- */

/* Appends the codes of the leaves under N (N itself when a leaf) to CODES, walk order. */
static void leaf_codes(json_t *n, json_t *codes)
{
  json_t *children = json_object_get(n, "children");
  if (json_is_array(children)) {
    size_t i;
    json_t *c;
    json_array_foreach(children, i, c) leaf_codes(c, codes);
    return;
  }
  json_array_append(codes, json_object_get(n, "code"));
}

/* The codes of the items of LIST that have one. */
static json_t *coded(json_t *list)
{
  json_t *codes = json_array(), *v;
  size_t i;
  json_array_foreach(list, i, v)
  {
    if (json_is_string(json_object_get(v, "code")))
      json_array_append(codes, json_object_get(v, "code"));
  }
  return codes;
}

static unsigned long long lcg = 7;

/* A pseudo-random integer in 0..N-1. */
static int rnd(int n)
{
  lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
  return (int)((lcg >> 33) % (unsigned long long)n);
}

#define SAME(a, b)                                                                                 \
  ck_assert_msg(!memcmp(&(a), &(b), sizeof(double)), "%s: %.17g vs %.17g", #b, a, b)

/* Compares scoring_figures() with scoring_total() on N random sheets under RUBRIC (JSON). */
static void compiled_equals_total(const char *rubric_json, int n)
{
  json_t *rb = json_loads(rubric_json, 0, NULL), *v;
  ck_assert_ptr_nonnull(rb);
  json_t *leaves = json_array(), *bonus = coded(json_object_get(rb, "bonus")),
         *ded = coded(json_object_get(rb, "deduction")),
         *vetoes = coded(json_object_get(rb, "veto"));
  size_t i;
  json_array_foreach(json_object_get(rb, "areas"), i, v) leaf_codes(v, leaves);
  int nl = 0, nc = 0, nv = 0;
  struct scoring_rules *s = scoring_compile(rb, &nl, &nc, &nv);
  ck_assert_ptr_nonnull(s);
  ck_assert_int_eq(nl, (int)json_array_size(leaves));
  ck_assert_int_eq(nc, (int)(json_array_size(bonus) + json_array_size(ded)));
  ck_assert_int_eq(nv, (int)json_array_size(vetoes));
  double scores[64], counts[64];
  unsigned char out[64], veto[64];
  ck_assert_int_le(nl, 64);
  for (int t = 0; t < n; t++) {
    json_t *sheet =
        json_pack("{s:{},s:[],s:{},s:{},s:[]}", "scores", "na", "claims", "occurrences", "veto");
    for (int l = 0; l < nl; l++) {
      /* quarter points from -1 to 45, so some are clamped; a few leaves left out */
      scores[l] = rnd(185) * 0.25 - 1 + (rnd(10) ? 0 : 0.001 * rnd(1000));
      out[l] = rnd(6) == 0;
      const char *code = json_string_value(json_array_get(leaves, (size_t)l));
      json_object_set_new(json_object_get(sheet, "scores"), code, json_real(scores[l]));
      if (out[l]) json_array_append_new(json_object_get(sheet, "na"), json_string(code));
    }
    for (int k = 0; k < nc; k++) {
      counts[k] = rnd(4) ? rnd(9) / 3.0 : -rnd(2); /* fractions (means), zeros, negatives */
      int d = k >= (int)json_array_size(bonus);
      json_t *codes = d ? ded : bonus;
      json_object_set_new(json_object_get(sheet, d ? "occurrences" : "claims"),
                          json_string_value(json_array_get(
                              codes, (size_t)(d ? k - (int)json_array_size(bonus) : k))),
                          json_real(counts[k]));
    }
    for (int k = 0; k < nv; k++) {
      veto[k] = rnd(5) == 0;
      if (veto[k]) json_array_append(json_object_get(sheet, "veto"), json_array_get(vetoes, k));
    }
    struct scoring_in in = {scores, out, counts, veto};
    struct scoring_figures f;
    scoring_figures(s, &in, &f);
    json_t *tt = scoring_total(rb, sheet, NULL);
    ck_assert_ptr_nonnull(tt);
    double base = get(tt, "base"), am = get(tt, "applicable_max"), re = get(tt, "rescaled"),
           bo = get(tt, "bonus"), de = get(tt, "deduction"), to = get(tt, "total");
    SAME(f.base, base);
    SAME(f.applicable_max, am);
    SAME(f.rescaled, re);
    SAME(f.bonus, bo);
    SAME(f.deduction, de);
    SAME(f.total, to);
    const char *g = json_string_value(json_object_get(tt, "grade")),
               *vb = json_string_value(json_object_get(tt, "vetoed_by"));
    ck_assert_msg(f.grade == g || (f.grade && g && !strcmp(f.grade, g)), "grade %s vs %s",
                  f.grade ? f.grade : "-", g ? g : "-");
    ck_assert_msg(f.vetoed_by == vb || (f.vetoed_by && vb && !strcmp(f.vetoed_by, vb)),
                  "vetoed_by %s vs %s", f.vetoed_by ? f.vetoed_by : "-", vb ? vb : "-");
    /* The same sheet filled by code, as sheets.c fills it from score rows, and explained:
     * scoring_total()'s object, steps and excluded codes included. */
    double s2[64] = {0}, c2[64] = {0};
    unsigned char o2[64] = {0}, v2[64] = {0};
    for (int l = 0; l < nl; l++) {
      int k = scoring_leaf_index(s, json_string_value(json_array_get(leaves, (size_t)l)));
      ck_assert_int_ge(k, 0);
      s2[k] = scores[l];
      o2[k] = out[l];
    }
    for (int k = 0; k < nc; k++) {
      int d = k >= (int)json_array_size(bonus);
      const char *code = json_string_value(
          json_array_get(d ? ded : bonus, (size_t)(d ? k - (int)json_array_size(bonus) : k)));
      int x = scoring_count_index(s, d, code);
      ck_assert_int_ge(x, 0);
      c2[x] = counts[k];
    }
    for (int k = 0; k < nv; k++) {
      int x = scoring_veto_index(s, json_string_value(json_array_get(vetoes, (size_t)k)));
      ck_assert_int_ge(x, 0);
      v2[x] = v2[x] || veto[k];
    }
    ck_assert_int_eq(scoring_leaf_index(s, "no such code"), -1);
    ck_assert_int_eq(scoring_veto_index(s, NULL), -1);
    struct scoring_in in2 = {s2, o2, c2, v2};
    json_t *ex = scoring_explain(s, &in2);
    ck_assert_ptr_nonnull(ex);
    char *a = json_dumps(ex, JSON_COMPACT), *b = json_dumps(tt, JSON_COMPACT);
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
    /* The text sheets send is what jansson would write for the same object. */
    size_t tl = 0;
    char *text = scoring_explain_text(s, &in2, &tl);
    ck_assert_ptr_nonnull(text);
    ck_assert_uint_eq(tl, strlen(text));
    b = json_dumps(tt, JSON_COMPACT);
    ck_assert_str_eq(text, b);
    free(b);
    free(text);
    json_decref(ex);
    json_decref(tt);
    json_decref(sheet);
  }
  scoring_rules_free(s);
  json_decref(leaves);
  json_decref(bonus);
  json_decref(ded);
  json_decref(vetoes);
  json_decref(rb);
}

/* The total's text escapes what the rubric's strings hold, and writes numbers as jansson does
 * (exponents included), so that parsing it and writing it again with jansson changes nothing. */
START_TEST(explained_text_is_jansson_text)
{
  json_t *rb = json_loads(
      "{\"total_points\":100,\"grade_bands\":[{\"name\":\"优\\\"秀\\\\\\t\\u0001\",\"min\":0}],"
      "\"areas\":[{\"code\":\"A\\\"1\",\"children\":[{\"code\":\"a\\n1\",\"max_points\":"
      "0.00001},{\"code\":\"a2\",\"max_points\":1e22}]}],"
      "\"veto\":[{\"code\":\"V\\\\1\",\"effect\":\"grade:优\\\"秀\\\\\\t\\u0001\"}]}",
      0, NULL);
  ck_assert_ptr_nonnull(rb);
  int nl = 0, nc = 0, nv = 0;
  struct scoring_rules *s = scoring_compile(rb, &nl, &nc, &nv);
  ck_assert_ptr_nonnull(s);
  ck_assert_int_eq(nl, 2);
  ck_assert_int_eq(nv, 1);
  double scores[2] = {0.00001, 3e21}, counts[1] = {0};
  unsigned char out[2] = {0, 0}, veto[1] = {1};
  for (int k = 0; k < 2; k++) {
    out[1] = (unsigned char)k; /* the second leaf left out: "excluded" holds a code */
    struct scoring_in in = {scores, out, counts, veto};
    char *text = scoring_explain_text(s, &in, NULL);
    ck_assert_ptr_nonnull(text);
    json_t *back = json_loads(text, 0, NULL);
    ck_assert_msg(back != NULL, "not JSON: %s", text);
    char *again = json_dumps(back, JSON_COMPACT);
    ck_assert_str_eq(text, again);
    ck_assert_str_eq(json_string_value(json_object_get(back, "vetoed_by")), "V\\1");
    free(again);
    free(text);
    json_decref(back);
  }
  scoring_rules_free(s);
  json_decref(rb);
}
END_TEST

START_TEST(compiled_rules_equal_scoring_total)
{
  json_t *r = rubric();
  char *plain = json_dumps(r, 0);
  json_decref(r);
  compiled_equals_total(plain, 3000);
  free(plain);
  /* Area deductions (two areas' codes), items without code or with an area on a bonus, an
   * area that is itself a leaf, no overall caps, rescaling off, an uncoded veto, a capping veto
   * above and below the band. */
  compiled_equals_total(
      "{\"total_points\":120,\"rules\":{\"na_rescale\":false},"
      "\"grade_bands\":[{\"name\":\"A\",\"min\":100},{\"name\":\"B\",\"min\":70.5},"
      "{\"name\":\"C\",\"min\":60}],"
      "\"areas\":[{\"code\":\"1\",\"children\":[{\"code\":\"1.1\",\"max_points\":40},"
      "{\"code\":\"1.2\",\"children\":[{\"code\":\"1.2.1\",\"max_points\":7.5},"
      "{\"code\":\"1.2.2\",\"max_points\":12.5}]}]},"
      "{\"code\":\"2\",\"max_points\":30},"
      "{\"code\":\"3\",\"children\":[{\"code\":\"3.1\",\"max_points\":30}]}],"
      "\"bonus\":[{\"code\":\"B1\",\"points\":1.5,\"cap\":2.5},{\"points\":9},"
      "{\"code\":\"B3\",\"points\":2,\"area\":\"1\"}],"
      "\"deduction\":[{\"code\":\"D1\",\"points\":0.7,\"cap\":1.9},"
      "{\"code\":\"D2\",\"points\":6,\"area\":\"2\"},{\"code\":\"D3\",\"points\":11,\"area\":"
      "\"3\",\"cap\":20},{\"code\":\"D4\",\"points\":5,\"area\":\"9\"}],"
      "\"veto\":[{\"effect\":\"grade:C\"},{\"code\":\"V2\",\"effect\":\"cap:B\"},"
      "{\"code\":\"V3\",\"effect\":\"cap:A\"},{\"code\":\"V4\"}]}",
      3000);
  /* With rescaling, overall caps and no bands. */
  compiled_equals_total(
      "{\"total_points\":100,\"rules\":{\"bonus_cap\":3,\"deduction_cap\":4.5},"
      "\"areas\":[{\"code\":\"1\",\"children\":[{\"code\":\"1.1\",\"max_points\":33.3},"
      "{\"code\":\"1.2\",\"max_points\":33.3}]},{\"code\":\"2\",\"children\":[{\"code\":"
      "\"2.1\",\"max_points\":33.4}]}],"
      "\"bonus\":[{\"code\":\"B1\",\"points\":1}],"
      "\"deduction\":[{\"code\":\"D1\",\"points\":2.5,\"area\":\"1\"},{\"code\":\"D2\","
      "\"points\":1}],\"veto\":[{\"code\":\"V1\",\"effect\":\"grade:X\"}]}",
      3000);
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("scoring");
  TCase *tc = tcase_create("scoring");
  tcase_add_test(tc, plain_sum_and_grade);
  tcase_add_test(tc, scores_are_clamped_to_their_leaf);
  tcase_add_test(tc, not_applicable_rescales);
  tcase_add_test(tc, bonus_caps_per_item_and_overall);
  tcase_add_test(tc, deductions_caps_and_floor);
  tcase_add_test(tc, area_deductions_stop_at_the_area);
  tcase_add_test(tc, vetoes_force_or_cap_the_grade);
  tcase_add_test(tc, every_step_is_explained);
  tcase_add_test(tc, compiled_rules_equal_scoring_total);
  tcase_add_test(tc, explained_text_is_jansson_text);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return tu_run_suite(suite());
}
