/*
 * it_scale.c - `kaoping demo --scale N`, the benchmark data generator, at a small N: what it
 * creates (units by kind, accounts, both cycles, reports of 10-42 KB with the five parts,
 * three submitted sheets per unit and cycle, bench's empty sheets), that the same seed gives
 * the same scores and another seed other ones, that it refuses a data dir with data, and that
 * the real daemon serves the result: results of both cycles, search, a reviewer's task list
 * and a score saved by the load-test reviewer.
 */
#include "testutil.h"

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#define N     62 /* two counties of 31 units */
#define N_STR "62"

/* Runs `kaoping demo --scale N --data-dir DIR --seed SEED`; returns the exit status and the
 * output in OUT. */
static int generate(const char *dir, const char *seed, char *out, size_t cap)
{
  const char *argv[] = {"demo",   "--scale", N_STR,      "--data-dir", dir,
                        "--seed", seed,      "--pwhash", "min",        NULL};
  return tu_run(argv, NULL, out, cap);
}

START_TEST(generated_data)
{
  char dir[256], out[8192];
  tu_tmpdir(dir, sizeof dir);
  ck_assert_int_eq(generate(dir, "7", out, sizeof out), 0);
  ck_assert_ptr_nonnull(strstr(out, "scale data: " N_STR " units"));
  ck_assert_ptr_nonnull(strstr(out, "kaoping serve --data-dir"));

  ck_assert_int_eq(tu_sql_int(dir, "SELECT count(*) FROM unit"), N);
  ck_assert_int_eq(tu_sql_int(dir, "SELECT count(*) FROM unit WHERE kind = 'county'"), 2);
  ck_assert_int_eq(tu_sql_int(dir, "SELECT count(*) FROM unit WHERE kind = 'department'"), 40);
  ck_assert_int_eq(tu_sql_int(dir, "SELECT count(*) FROM unit WHERE kind = 'town'"), 16);
  ck_assert_int_eq(tu_sql_int(dir, "SELECT count(*) FROM unit WHERE kind = 'street'"), 4);
  ck_assert_int_eq(tu_sql_int(dir, "SELECT count(*) FROM unit WHERE kind <> 'county' AND "
                                   "parent_id IS NULL"),
                   0);
  ck_assert_int_eq(tu_sql_int(dir, "SELECT count(*) FROM user WHERE role = 'unit'"), N);
  /* ceil(N / 10) reviewers plus bench */
  ck_assert_int_eq(tu_sql_int(dir, "SELECT count(*) FROM user WHERE role = 'reviewer'"), 8);
  ck_assert_int_eq(tu_sql_int(dir, "SELECT count(*) FROM user WHERE role = 'admin'"), 1);
  ck_assert_int_eq(tu_sql_int(dir, "SELECT count(*) FROM cycle WHERE id = 1 AND phase = 'closed' "
                                   "AND year = 2024"),
                   1);
  ck_assert_int_eq(tu_sql_int(dir, "SELECT count(*) FROM cycle WHERE id = 2 AND phase = 'review' "
                                   "AND year = 2025"),
                   1);
  ck_assert_int_eq(tu_sql_int(dir, "SELECT count(*) FROM cycle_unit"), 2 * N);

  /* reports: one current per unit in cycle 2, five parts, 10-42 KB, indexed */
  ck_assert_int_eq(tu_sql_int(dir, "SELECT count(*) FROM report WHERE cycle_id = 2 AND current"),
                   N);
  ck_assert_int_eq(tu_sql_int(dir, "SELECT count(*) FROM report WHERE cycle_id <> 2"), 0);
  ck_assert_int_eq(tu_sql_int(dir, "SELECT count(*) FROM report WHERE "
                                   "json_array_length(sections) <> 5"),
                   0);
  ck_assert_int_ge(tu_sql_int(dir, "SELECT min(length(CAST(text AS BLOB))) FROM report"), 10240);
  ck_assert_int_le(tu_sql_int(dir, "SELECT max(length(CAST(text AS BLOB))) FROM report"), 43008);
  ck_assert_int_eq(tu_sql_int(dir, "SELECT count(*) FROM report_fts_docsize"), N);
  ck_assert_int_eq(tu_sql_int(dir, "SELECT count(*) FROM report r WHERE instr(r.text, (SELECT "
                                   "name FROM unit WHERE id = r.unit_id)) = 0"),
                   0);

  /* sheets: 3 submitted per unit and cycle by distinct reviewers; bench's empty ones */
  for (int c = 1; c <= 2; c++) {
    ck_assert_int_eq(tu_sqlf(dir,
                             "SELECT count(*) FROM assignment WHERE cycle_id = %d AND status = "
                             "'submitted' AND user_id <> (SELECT id FROM user WHERE login = "
                             "'bench')",
                             c),
                     3 * N);
    ck_assert_int_eq(tu_sqlf(dir,
                             "SELECT count(*) FROM (SELECT unit_id FROM assignment WHERE "
                             "cycle_id = %d AND status = 'submitted' GROUP BY unit_id HAVING "
                             "count(DISTINCT user_id) = 3)",
                             c),
                     N);
  }
  ck_assert_int_eq(tu_sql_int(dir, "SELECT count(*) FROM assignment a JOIN user u ON u.id = "
                                   "a.user_id WHERE u.login = 'bench' AND a.cycle_id = 2 AND "
                                   "a.status = 'assigned' AND a.sheet_version = 0"),
                   N);
  /* every applicable leaf scored on every submitted sheet, within 0..max in steps of 0.5 */
  ck_assert_int_eq(tu_sql_int(dir, "SELECT count(*) FROM score s JOIN indicator i ON i.id = "
                                   "s.indicator_id WHERE i.kind = 'item' AND (s.points IS NULL OR "
                                   "s.points < 0 OR s.points > i.max_points OR s.points * 2 <> "
                                   "round(s.points * 2))"),
                   0);
  ck_assert_int_eq(tu_sql_int(dir, "SELECT count(*) FROM assignment a JOIN unit u ON u.id = "
                                   "a.unit_id JOIN indicator i ON i.rubric_id = 1 AND i.kind = "
                                   "'item' AND (i.applies_to IS NULL OR EXISTS (SELECT 1 FROM "
                                   "json_each(i.applies_to) WHERE value = u.kind)) WHERE a.status "
                                   "= 'submitted' AND NOT EXISTS (SELECT 1 FROM score s WHERE "
                                   "s.assignment_id = a.id AND s.indicator_id = i.id)"),
                   0);
  ck_assert_int_eq(tu_sql_int(dir, "SELECT frozen FROM rubric WHERE id = 1"), 1);
  ck_assert_int_eq(tu_sql_int(dir, "SELECT count(*) FROM audit WHERE action = 'demo.scale'"), 1);

  /* a second run refuses the data dir that holds data */
  ck_assert_int_eq(generate(dir, "7", out, sizeof out), 1);

  /* the same seed gives the same scores, another seed others */
  char same[256], other[256];
  tu_tmpdir(same, sizeof same);
  tu_tmpdir(other, sizeof other);
  ck_assert_int_eq(generate(same, "7", out, sizeof out), 0);
  ck_assert_int_eq(generate(other, "8", out, sizeof out), 0);
  const char *q = "SELECT CAST(total(points * 100) AS INTEGER) + count(*) FROM score";
  ck_assert_int_eq(tu_sql_int(dir, q), tu_sql_int(same, q));
  ck_assert_int_ne(tu_sql_int(dir, q), tu_sql_int(other, q));
  tu_rmrf(same);
  tu_rmrf(other);

  /* the daemon serves it */
  struct tu_daemon d;
  const char *args[] = {NULL};
  ck_assert_int_eq(tu_start(&d, dir, args), 0);
  struct tu_user admin, rv, bench;
  tu_demo_login(&admin, &d, "admin");
  tu_demo_login(&rv, &d, "rv00001");
  tu_demo_login(&bench, &d, "bench");
  for (int c = 1; c <= 2; c++) {
    char p[64];
    snprintf(p, sizeof p, "/api/v1/cycles/%d/results", c);
    json_t *res = tu_call(&admin, "GET", p, NULL, 200);
    json_t *counts = json_object_get(json_object_get(res, "results"), "counts");
    ck_assert_int_eq(tu_int(counts, "ranked"), N);
    ck_assert_int_eq(tu_int(counts, "sheets"), 3 * N);
    json_decref(res);
  }
  json_t *hits = tu_call(&admin, "GET", "/api/v1/search?q=%E5%A4%8D%E8%AE%AE", NULL, 200);
  ck_assert_int_gt(json_array_size(json_object_get(hits, "results")), 0);
  json_decref(hits);
  json_t *tasks = tu_call(&rv, "GET", "/api/v1/reviews", NULL, 200);
  ck_assert_int_gt(json_array_size(json_object_get(tasks, "reviews")), 0);
  json_decref(tasks);
  json_t *saved = tu_call(&bench, "PUT", "/api/v1/cycles/2/units/G000001/scores",
                          "{\"version\": 0, \"items\": {\"1.1\": {\"points\": 1.5}}}", 200);
  ck_assert_int_eq(tu_int(json_object_get(saved, "sheet"), "version"), 1);
  json_decref(saved);
  tu_stop_clean(&d);
}
END_TEST

int main(void)
{
  Suite *s = suite_create("scale");
  TCase *tc = tcase_create("generator");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, generated_data);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
