/*
 * unit_scoring.c - the rubric's rules on hand-computed cases: plain sums, N/A rescaling (by
 * unit kind and by flag), bonus and deduction caps per item and overall, the zero floor,
 * clamping of scores, deductions tied to an area that stop at that area's score (扣完为止),
 * grade bands, and vetoes that force or cap the grade.
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
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return tu_run_suite(suite());
}
