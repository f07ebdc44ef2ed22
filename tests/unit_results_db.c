/*
 * unit_results_db.c - results_load() reads the sheets as rows (results_db.c's feed_rows) and
 * must give exactly what the engine gives for the same sheets as JSON (results_db_sheets(),
 * the JSON path): compared byte for byte on a `kaoping demo --scale` data set, every method,
 * both cycles, then again after adding what the demo data lacks (N/A marks, unscored leaves,
 * null counts, a vetoed unit, submitted sheets without a score, scores on another rubric's
 * indicators, a unit taken out of the cycle), and the same refusal for a score on an area.
 */
#include "crypto.h"
#include "db.h"
#include "demo_scale.h"
#include "err.h"
#include "results.h"
#include "results_db.h"
#include "rubrics.h"
#include "store.h"
#include "testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What results_load() computed before it read rows: the engine on the JSON sheets, with
 * results_load()'s options (no office N/A marks and no appeals in these data). */
static int reference(struct db *db, int64_t cycle, const char *method, json_t **out,
                     const char **field)
{
  int64_t rubric = 0;
  json_t *settings = NULL, *rb = NULL, *units = NULL, *sheets = NULL;
  const char *problem = NULL;
  ck_assert_int_eq(results_db_cycle(db, cycle, &rubric, &settings, NULL, 0), E_OK);
  json_t *agg = json_object_get(settings, "aggregation");
  if (!method) method = json_string_value(json_object_get(agg, "method"));
  json_t *opt =
      json_pack("{s:s,s:O,s:O}", "method", method ? method : "mean", "quotas",
                json_object_get(agg, "quotas"), "flag_share", json_object_get(agg, "flag_share"));
  ck_assert_ptr_nonnull(opt);
  ck_assert_int_eq(rubric_get(db, rubric, &rb), E_OK);
  ck_assert_int_eq(results_db_units(db, cycle, &units), E_OK);
  ck_assert_int_eq(results_db_sheets(db, cycle, rubric, &sheets), E_OK);
  int rc = results_compute(rb, units, sheets, NULL, opt, out, field, &problem);
  if (!rc) json_object_set_new(*out, "empty", json_false());
  json_decref(settings);
  json_decref(rb);
  json_decref(units);
  json_decref(sheets);
  json_decref(opt);
  return rc;
}

/* results_load() equals the reference for both cycles and every method. */
static void same_as_json_path(struct db *db)
{
  static const char *methods[] = {NULL, "median", "trimmed", "normalized"};
  for (int64_t cycle = 1; cycle <= 2; cycle++)
    for (int m = 0; m < 4; m++) {
      json_t *a = NULL, *b = NULL;
      const char *field = NULL, *problem = NULL;
      ck_assert_int_eq(reference(db, cycle, methods[m], &a, &field), E_OK);
      ck_assert_int_eq(results_load(db, cycle, methods[m], NULL, &b, &field, &problem), E_OK);
      char *da = json_dumps(a, JSON_COMPACT), *dbb = json_dumps(b, JSON_COMPACT);
      ck_assert_msg(da && dbb && !strcmp(da, dbb), "cycle %lld method %s differs", (long long)cycle,
                    methods[m] ? methods[m] : "(settings)");
      free(da);
      free(dbb);
      json_decref(a);
      json_decref(b);
    }
}

START_TEST(rows_equal_the_json_path)
{
  char msg[512];
  ck_assert_int_eq(store_init(tu_db_dir), 0);
  ck_assert_msg(db_global_init(tu_db_dir, msg, sizeof msg) == E_OK, "%s", msg);
  struct db *db = db_thread();
  ck_assert_ptr_nonnull(db);
  ck_assert_int_eq(demo_scale(tu_db_dir, 62, 11), E_OK);
  ck_assert_int_eq(tu_db_int(db, "SELECT count(*) FROM indicator_na"), 0);
  ck_assert_int_eq(tu_db_int(db, "SELECT count(*) FROM appeal"), 0);
  same_as_json_path(db);

  /* What the generated data lack. */
  ck_assert_int_eq(db_exec(db, "UPDATE score SET na = 1, points = NULL WHERE "
                               "(assignment_id * 7 + indicator_id) % 23 = 0"),
                   E_OK);
  ck_assert_int_eq(db_exec(db, "UPDATE score SET points = NULL WHERE (assignment_id * 5 + "
                               "indicator_id) % 41 = 0"),
                   E_OK);
  ck_assert_int_eq(db_exec(db, "UPDATE score SET count = NULL WHERE count IS NOT NULL AND "
                               "assignment_id % 2 = 0"),
                   E_OK);
  /* a veto on every sheet of the cycle's first unit, on one sheet of the second */
  ck_assert_int_eq(
      db_exec(db, "INSERT OR REPLACE INTO score (assignment_id, indicator_id, veto, updated_at) "
                  "SELECT a.id, (SELECT min(id) FROM indicator WHERE rubric_id = c.rubric_id AND "
                  "kind = 'veto'), 1, 0 FROM assignment a JOIN cycle c ON c.id = a.cycle_id WHERE "
                  "a.status = 'submitted' AND (a.unit_id = (SELECT min(unit_id) FROM assignment "
                  "WHERE cycle_id = a.cycle_id) OR a.id IN (SELECT max(id) FROM assignment GROUP "
                  "BY cycle_id))"),
      E_OK);
  /* bench's empty sheets of two units submitted */
  ck_assert_int_eq(db_exec(db, "UPDATE assignment SET status = 'submitted' WHERE id IN (SELECT id "
                               "FROM assignment WHERE status = 'assigned' ORDER BY id LIMIT 2)"),
                   E_OK);
  /* scores on the indicators of a copy of the rubric (ignored: another rubric) */
  json_t *rb = NULL;
  int64_t copy = 0;
  ck_assert_int_eq(rubric_get(db, 1, &rb), E_OK);
  ck_assert_int_eq(rubric_insert(db, rb, 0, 0, 0, &copy), E_OK);
  json_decref(rb);
  char sql[600];
  snprintf(sql, sizeof sql,
           "INSERT INTO score (assignment_id, indicator_id, points, updated_at) SELECT a.id, "
           "i.id, 0, 0 FROM assignment a JOIN indicator i ON i.rubric_id = %lld AND i.kind = "
           "'item' WHERE a.status = 'submitted' AND a.id %% 3 = 0 AND i.id %% 4 = 0",
           (long long)copy);
  ck_assert_int_eq(db_exec(db, sql), E_OK);
  ck_assert_int_gt(tu_db_int(db, "SELECT count(*) FROM score s JOIN indicator i ON i.id = "
                                 "s.indicator_id WHERE i.rubric_id <> 1"),
                   0);
  /* cycle 2's vetoed unit taken out of the cycle, its submitted sheets left behind (their
   * veto rows must not reach the next sheet) */
  ck_assert_int_eq(db_exec(db, "DELETE FROM cycle_unit WHERE cycle_id = 2 AND unit_id = (SELECT "
                               "min(unit_id) FROM assignment WHERE cycle_id = 2)"),
                   E_OK);
  same_as_json_path(db);

  /* A score on an area (not a leaf): refused alike, same field. */
  ck_assert_int_eq(db_exec(db, "INSERT INTO score (assignment_id, indicator_id, points, "
                               "updated_at) SELECT max(a.id), (SELECT min(id) FROM indicator "
                               "WHERE rubric_id = 1 AND kind = 'area'), 1, 0 FROM assignment a "
                               "WHERE a.cycle_id = 2 AND a.status = 'submitted'"),
                   E_OK);
  json_t *out = NULL;
  const char *f1 = NULL, *f2 = NULL, *problem = NULL;
  ck_assert_int_eq(reference(db, 2, NULL, &out, &f1), E_VALIDATION);
  char want[200];
  snprintf(want, sizeof want, "%s", f1);
  ck_assert_int_eq(results_load(db, 2, NULL, NULL, &out, &f2, &problem), E_VALIDATION);
  ck_assert_str_eq(f2, want);
  ck_assert_ptr_null(out);
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("results_db");
  TCase *tc = tcase_create("results_db");
  tcase_add_checked_fixture(tc, tu_db_setup, tu_db_teardown);
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, rows_equal_the_json_path);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return tu_run_suite(suite());
}
