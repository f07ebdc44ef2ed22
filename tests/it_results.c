/*
 * it_results.c - a cycle's results, traces and statistics over HTTP against the real daemon
 * with demo data. A small known situation is built first: a rubric of two leaves (1.1 worth 60,
 * 1.2 worth 40; bands 优秀 90, 良好 80, 合格 60, 不合格 0), a new cycle in review with three
 * units and three reviewers' submitted sheets written with tu_sql:
 *
 *   unit      reviewer1   reviewer3   reviewer5   mean        trimmed (= median)
 *   YL-SFJ    60 + 40     54 + 36     30 + 20     48+32 = 80  54+36 = 90
 *   YL-GAJ    48 + 32     48 + 32     48 + 32     80          80
 *   YL-JYJ    57 + 38     57 + 38     57 + 38     95          95
 *
 * so the mean ranks JYJ 1 (优秀), SFJ and GAJ tied 2 (良好); trimmed ranks JYJ 1, SFJ 2 (优秀),
 * GAJ 3; a quota of one third on 优秀 moves SFJ down to 良好 under trimmed. SFJ's range on 1.1
 * (30 of 60) and 1.2 (20 of 40) reaches flag_share 0.5: disputed. reviewer6 also has an
 * unstarted sheet of SFJ (statistics: 10 assigned, 9 submitted, 1 not started).
 */
#include "testutil.h"

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct tu_daemon d;

static struct tu_user admin;
static long long cyc;       /* the small cycle */
static char base[64];       /* "/api/v1/cycles/<cyc>" */
static char path[200];      /* scratch path */
static long long rubric_id; /* the small rubric */

/* The row of unit CODE in the results RES (NULL when absent). */
static json_t *row(json_t *res, const char *code)
{
  size_t i;
  json_t *u;
  json_array_foreach(json_object_get(res, "units"), i, u)
  {
    if (!strcmp(tu_str(u, "code"), code)) return u;
  }
  return NULL;
}

/* A new cycle of the small rubric with units YL-SFJ, YL-GAJ, YL-JYJ moved into review; its id. */
static long long new_cycle(int year)
{
  char body[300];
  snprintf(body, sizeof body,
           "{\"year\":%d,\"title\":\"结果测试\",\"rubric_id\":%lld,\"units\":[\"YL-SFJ\","
           "\"YL-GAJ\",\"YL-JYJ\"]}",
           year, rubric_id);
  json_t *c = tu_call(&admin, "POST", "/api/v1/cycles", body, 201);
  long long id = json_integer_value(json_object_get(json_object_get(c, "cycle"), "id"));
  json_decref(c);
  snprintf(path, sizeof path, "/api/v1/cycles/%lld", id);
  json_decref(tu_call(&admin, "PATCH", path, "{\"phase\":\"submission\"}", 200));
  json_decref(tu_call(&admin, "PATCH", path, "{\"phase\":\"review\"}", 200));
  return id;
}

/* Writes a submitted review sheet of LOGIN for UNIT in the small cycle: P11 and P12 points. */
static void sheet(const char *login, const char *unit, double p11, double p12)
{
  char q[1600];
  snprintf(q, sizeof q,
           "INSERT INTO assignment (cycle_id, unit_id, user_id, kind, status, submitted_at, "
           "created_at, updated_at) VALUES (%lld, (SELECT id FROM unit WHERE code = '%s'), "
           "(SELECT id FROM user WHERE login = '%s'), 'review', 'submitted', 1, 1, 1);"
           "INSERT INTO score (assignment_id, indicator_id, points, updated_at) VALUES "
           "(last_insert_rowid(), (SELECT id FROM indicator WHERE rubric_id = %lld AND code = "
           "'1.1'), %g, 1);"
           "INSERT INTO score (assignment_id, indicator_id, points, updated_at) SELECT "
           "max(id), (SELECT id FROM indicator WHERE rubric_id = %lld AND code = '1.2'), %g, 1 "
           "FROM assignment",
           cyc, unit, login, rubric_id, p11, rubric_id, p12);
  tu_sql(d.dir, q);
}

static void start(void)
{
  tu_start_demo(&d);
  tu_demo_login(&admin, &d, "admin");
  json_t *rb = tu_call(
      &admin, "POST", "/api/v1/rubrics",
      "{\"name\":\"结果测试细则\",\"total_points\":100,\"grade_bands\":[{\"name\":\"优秀\","
      "\"min\":90},{\"name\":\"良好\",\"min\":80},{\"name\":\"合格\",\"min\":60},{\"name\":"
      "\"不合格\",\"min\":0}],\"areas\":[{\"code\":\"1\",\"name\":\"甲\",\"children\":[{\"code\":"
      "\"1.1\",\"name\":\"乙\",\"max_points\":60},{\"code\":\"1.2\",\"name\":\"丙\","
      "\"max_points\":40}]}]}",
      201);
  rubric_id = json_integer_value(json_object_get(json_object_get(rb, "rubric"), "id"));
  json_decref(rb);
  ck_assert(rubric_id > 0);
  cyc = new_cycle(2024);
  snprintf(base, sizeof base, "/api/v1/cycles/%lld", cyc);
  sheet("reviewer1", "YL-SFJ", 60, 40);
  sheet("reviewer3", "YL-SFJ", 54, 36);
  sheet("reviewer5", "YL-SFJ", 30, 20);
  sheet("reviewer1", "YL-GAJ", 48, 32);
  sheet("reviewer3", "YL-GAJ", 48, 32);
  sheet("reviewer5", "YL-GAJ", 48, 32);
  sheet("reviewer1", "YL-JYJ", 57, 38);
  sheet("reviewer3", "YL-JYJ", 57, 38);
  sheet("reviewer5", "YL-JYJ", 57, 38);
  char q[400];
  snprintf(q, sizeof q,
           "INSERT INTO assignment (cycle_id, unit_id, user_id, kind, status, created_at, "
           "updated_at) VALUES (%lld, (SELECT id FROM unit WHERE code = 'YL-SFJ'), (SELECT id "
           "FROM user WHERE login = 'reviewer6'), 'review', 'assigned', 1, 1)",
           cyc);
  tu_sql(d.dir, q);
}

static void stop(void)
{
  tu_stop_clean(&d);
}

/* GET the small cycle's results with QUERY ("" or "?method=…") as W; the "results" member (a
 * new reference). */
static json_t *results(struct tu_user *w, const char *query)
{
  snprintf(path, sizeof path, "%s/results%s", base, query);
  json_t *j = tu_call(w, "GET", path, NULL, 200);
  json_t *r = json_incref(json_object_get(j, "results"));
  json_decref(j);
  ck_assert_ptr_nonnull(r);
  return r;
}

/* kaoping_results_computed_total from GET /metrics: how many times results were computed. */
static long long computed(void)
{
  char url[200];
  struct tu_resp r;
  snprintf(url, sizeof url, "%s/metrics", d.url);
  ck_assert_int_eq(tu_http("GET", url, NULL, NULL, 0, NULL, &r), 0);
  const char *k = strstr(r.body, "\nkaoping_results_computed_total ");
  ck_assert_ptr_nonnull(k);
  long long n = atoll(k + strlen("\nkaoping_results_computed_total "));
  tu_resp_free(&r);
  return n;
}

/* The total of unit CODE in the small cycle's results now (admin, official method). */
static double total_of(const char *code)
{
  json_t *r = results(&admin, "");
  json_t *u = row(r, code);
  ck_assert_ptr_nonnull(u);
  double t = tu_num(u, "total");
  json_decref(r);
  return t;
}

START_TEST(computed_once_until_something_changes)
{
  ck_assert(total_of("YL-SFJ") == 80);
  long long n0 = computed();
  ck_assert(total_of("YL-SFJ") == 80); /* nothing changed: the snapshot answers */
  json_decref(results(&admin, "?limit=1"));
  ck_assert_int_eq(computed(), n0);
  /* a draft sheet's scores do not count and do not invalidate */
  char q[600];
  snprintf(q, sizeof q,
           "UPDATE score SET points = 1 WHERE assignment_id IN (SELECT id FROM assignment "
           "WHERE cycle_id = %lld AND status <> 'submitted')",
           cyc);
  tu_sql(d.dir, q);
  snprintf(q, sizeof q,
           "INSERT INTO score (assignment_id, indicator_id, points, updated_at) SELECT a.id, "
           "i.id, 3, 1 FROM assignment a, indicator i WHERE a.cycle_id = %lld AND a.status = "
           "'assigned' AND i.rubric_id = %lld AND i.code = '1.1'",
           cyc, rubric_id);
  tu_sql(d.dir, q);
  ck_assert(total_of("YL-SFJ") == 80);
  ck_assert_int_eq(computed(), n0);
  /* a submitted score changes: computed again, and the new value shows */
  snprintf(q, sizeof q,
           "UPDATE score SET points = 39 WHERE indicator_id = (SELECT id FROM indicator WHERE "
           "rubric_id = %lld AND code = '1.1') AND assignment_id = (SELECT a.id FROM assignment "
           "a JOIN unit u ON u.id = a.unit_id JOIN user us ON us.id = a.user_id WHERE "
           "a.cycle_id = %lld AND u.code = 'YL-SFJ' AND us.login = 'reviewer5')",
           rubric_id, cyc);
  tu_sql(d.dir, q);
  ck_assert(total_of("YL-SFJ") == 83); /* (60 + 54 + 39) / 3 = 51, + 32 */
  ck_assert_int_eq(computed(), n0 + 1);
  /* a sheet reopened leaves the results; submitted again it is back */
  snprintf(q, sizeof q,
           "UPDATE assignment SET status = 'in_progress' WHERE cycle_id = %lld AND user_id = "
           "(SELECT id FROM user WHERE login = 'reviewer5') AND unit_id = (SELECT id FROM unit "
           "WHERE code = 'YL-SFJ')",
           cyc);
  tu_sql(d.dir, q);
  ck_assert(total_of("YL-SFJ") == 57 + 38); /* (60 + 54) / 2 + (40 + 36) / 2 */
  snprintf(q, sizeof q,
           "UPDATE assignment SET status = 'submitted' WHERE cycle_id = %lld AND user_id = "
           "(SELECT id FROM user WHERE login = 'reviewer5') AND unit_id = (SELECT id FROM unit "
           "WHERE code = 'YL-SFJ')",
           cyc);
  tu_sql(d.dir, q);
  ck_assert(total_of("YL-SFJ") == 83);
  /* the unit's name, the office's N/A mark and the cycle's settings are inputs too */
  tu_sql(d.dir, "UPDATE unit SET name = name || '（更名）' WHERE code = 'YL-GAJ'");
  json_t *r = results(&admin, "");
  ck_assert_ptr_nonnull(strstr(tu_str(row(r, "YL-GAJ"), "name"), "（更名）"));
  json_decref(r);
  snprintf(q, sizeof q,
           "INSERT INTO indicator_na (cycle_id, unit_id, indicator_id) SELECT %lld, u.id, i.id "
           "FROM unit u, indicator i WHERE u.code = 'YL-JYJ' AND i.rubric_id = %lld AND i.code "
           "= '1.2'",
           cyc, rubric_id);
  tu_sql(d.dir, q);
  r = results(&admin, "");
  ck_assert(json_is_null(json_array_get(json_object_get(row(r, "YL-JYJ"), "values"), 1)));
  json_decref(r);
  json_decref(tu_call(&admin, "PATCH", base,
                      "{\"settings\":{\"aggregation\":{\"method\":\"median\"}}}", 200));
  r = results(&admin, "");
  ck_assert_str_eq(tu_str(r, "method"), "median");
  json_decref(r);
  long long n1 = computed();
  json_decref(results(&admin, ""));
  json_decref(results(&admin, "?method=median&limit=5"));
  ck_assert_int_eq(computed(), n1);
}
END_TEST

START_TEST(pages_and_filters)
{
  json_t *full = results(&admin, "");
  json_t *r = results(&admin, "?limit=2");
  json_t *units = json_object_get(r, "units");
  ck_assert_int_eq((int)json_array_size(units), 2);
  ck_assert(
      json_equal(json_array_get(units, 0), json_array_get(json_object_get(full, "units"), 0)));
  ck_assert(
      json_equal(json_array_get(units, 1), json_array_get(json_object_get(full, "units"), 1)));
  json_t *page = json_object_get(r, "page");
  ck_assert_str_eq(tu_str(page, "part"), "units");
  ck_assert_int_eq(tu_int(page, "total"), 3);
  ck_assert_int_eq(tu_int(page, "offset"), 0);
  ck_assert_int_eq(tu_int(page, "limit"), 2);
  ck_assert_int_eq(tu_int(json_object_get(r, "parts"), "units"), 3);
  ck_assert_int_eq(tu_int(json_object_get(r, "parts"), "disagreements"),
                   (long long)json_array_size(json_object_get(full, "disagreements")));
  ck_assert(json_equal(json_object_get(r, "grades"), json_object_get(full, "grades")));
  ck_assert(json_equal(json_object_get(r, "counts"), json_object_get(full, "counts")));
  ck_assert_ptr_null(json_object_get(r, "disagreements"));
  ck_assert_ptr_nonnull(json_object_get(json_object_get(r, "normalization"), "mu"));
  ck_assert_ptr_null(json_object_get(json_object_get(r, "normalization"), "reviewers"));
  json_t *kinds = json_object_get(r, "kinds");
  ck_assert_int_ge((int)json_array_size(kinds), 1);
  long long sum = 0;
  size_t i;
  json_t *x;
  json_array_foreach(kinds, i, x) sum += tu_int(x, "units");
  ck_assert_int_eq(sum, 3);
  json_decref(r);
  r = results(&admin, "?limit=2&offset=2");
  ck_assert_int_eq((int)json_array_size(json_object_get(r, "units")), 1);
  ck_assert(json_equal(json_array_get(json_object_get(r, "units"), 0),
                       json_array_get(json_object_get(full, "units"), 2)));
  json_decref(r);
  r = results(&admin, "?limit=10&q=SFJ");
  ck_assert_int_eq((int)json_array_size(json_object_get(r, "units")), 1);
  ck_assert_str_eq(tu_str(json_array_get(json_object_get(r, "units"), 0), "code"), "YL-SFJ");
  ck_assert_int_eq(tu_int(json_object_get(r, "page"), "total"), 1);
  json_decref(r);
  const char *kind = tu_str(json_array_get(json_object_get(full, "units"), 0), "kind");
  char query[100];
  snprintf(query, sizeof query, "?limit=10&kind=%s", kind);
  r = results(&admin, query);
  json_array_foreach(json_object_get(r, "units"), i, x) ck_assert_str_eq(tu_str(x, "kind"), kind);
  ck_assert_int_ge((int)json_array_size(json_object_get(r, "units")), 1);
  json_decref(r);
  r = results(&admin, "?limit=10&kind=nokind");
  ck_assert_int_eq((int)json_array_size(json_object_get(r, "units")), 0);
  ck_assert_int_eq(tu_int(json_object_get(r, "page"), "total"), 0);
  json_decref(r);
  /* the disagreements page names the unit */
  r = results(&admin, "?part=disagreements&limit=100");
  ck_assert_int_ge((int)json_array_size(json_object_get(r, "disagreements")), 1);
  json_array_foreach(json_object_get(r, "disagreements"), i, x)
  {
    ck_assert_str_eq(tu_str(x, "unit"), "YL-SFJ");
    ck_assert_str_eq(tu_str(x, "name"), tu_str(row(full, "YL-SFJ"), "name"));
  }
  ck_assert_ptr_null(json_object_get(r, "units"));
  json_decref(r);
  r = results(&admin, "?part=sensitivity&method=trimmed&limit=100");
  json_array_foreach(json_object_get(r, "sensitivity"), i, x)
  {
    ck_assert_ptr_nonnull(json_object_get(json_object_get(x, "by_method"), "mean"));
  }
  json_decref(r);
  /* bad paging: 400 naming the parameter */
  static const char *const bad[][2] = {
      {"?limit=0", "limit"},    {"?limit=1001", "limit"},         {"?limit=x", "limit"},
      {"?offset=-1", "offset"}, {"?part=units2&limit=5", "part"}, {NULL, NULL}};
  for (int k = 0; bad[k][0]; k++) {
    snprintf(path, sizeof path, "%s/results%s", base, bad[k][0]);
    json_t *e = tu_call(&admin, "GET", path, NULL, 400);
    ck_assert_str_eq(tu_err_field(e), bad[k][1]);
    json_decref(e);
  }
  json_decref(full);
}
END_TEST

START_TEST(totals_ranks_grades_and_methods)
{
  json_t *r = results(&admin, "");
  ck_assert_str_eq(tu_str(r, "method"), "mean");
  ck_assert(json_is_false(json_object_get(r, "empty")));
  json_t *c = json_object_get(r, "counts");
  ck_assert_int_eq((int)tu_num(c, "units"), 3);
  ck_assert_int_eq((int)tu_num(c, "ranked"), 3);
  ck_assert_int_eq((int)tu_num(c, "sheets"), 9);
  ck_assert_int_eq((int)tu_num(c, "reviewers"), 3);
  /* rank order: JYJ, then the tie in code order GAJ, SFJ */
  json_t *units = json_object_get(r, "units");
  ck_assert_str_eq(tu_str(json_array_get(units, 0), "code"), "YL-JYJ");
  ck_assert_str_eq(tu_str(json_array_get(units, 1), "code"), "YL-GAJ");
  ck_assert_str_eq(tu_str(json_array_get(units, 2), "code"), "YL-SFJ");
  json_t *jyj = row(r, "YL-JYJ"), *gaj = row(r, "YL-GAJ"), *sfj = row(r, "YL-SFJ");
  ck_assert(tu_num(jyj, "total") == 95 && tu_num(gaj, "total") == 80 && tu_num(sfj, "total") == 80);
  ck_assert_int_eq((int)tu_num(jyj, "rank"), 1);
  ck_assert_int_eq((int)tu_num(gaj, "rank"), 2);
  ck_assert_int_eq((int)tu_num(sfj, "rank"), 2);
  ck_assert(json_is_true(json_object_get(sfj, "tied")) &&
            json_is_true(json_object_get(gaj, "tied")));
  ck_assert(json_is_false(json_object_get(jyj, "tied")));
  ck_assert_str_eq(tu_str(jyj, "grade"), "优秀");
  ck_assert_str_eq(tu_str(sfj, "grade"), "良好");
  ck_assert_int_eq((int)json_array_size(json_object_get(sfj, "disputed")), 2);
  ck_assert_int_eq((int)json_array_size(json_object_get(r, "disagreements")), 2);
  ck_assert_ptr_null(json_object_get(sfj, "trace"));
  /* the method switch: trimmed drops 60/40 and 30/20 */
  json_t *by = json_object_get(json_object_get(sfj, "by_method"), "trimmed");
  ck_assert(tu_num(by, "total") == 90);
  json_decref(r);
  r = results(&admin, "?method=trimmed");
  ck_assert_str_eq(tu_str(r, "method"), "trimmed");
  sfj = row(r, "YL-SFJ");
  ck_assert(tu_num(sfj, "total") == 90);
  ck_assert_int_eq((int)tu_num(sfj, "rank"), 2);
  ck_assert(json_is_false(json_object_get(sfj, "tied")));
  ck_assert_str_eq(tu_str(sfj, "grade"), "优秀");
  ck_assert_int_eq((int)tu_num(row(r, "YL-GAJ"), "rank"), 3);
  json_decref(r);
  /* bad method, unknown cycle */
  snprintf(path, sizeof path, "%s/results?method=average", base);
  json_t *e = tu_call(&admin, "GET", path, NULL, 400);
  ck_assert_str_eq(tu_str(tu_err(e), "field"), "method");
  json_decref(e);
  json_decref(tu_call(&admin, "GET", "/api/v1/cycles/9999/results", NULL, 404));
  json_decref(tu_call(&admin, "GET", "/api/v1/cycles/9999/statistics", NULL, 404));
}
END_TEST

START_TEST(settings_quota_and_method)
{
  /* defaults shown */
  json_t *c = tu_call(&admin, "GET", base, NULL, 200);
  json_t *s = json_object_get(json_object_get(c, "cycle"), "settings");
  json_t *agg = json_object_get(s, "aggregation");
  ck_assert_str_eq(tu_str(agg, "method"), "mean");
  ck_assert(tu_num(agg, "flag_share") == 0.5);
  ck_assert_int_eq((int)json_array_size(json_object_get(agg, "quotas")), 0);
  ck_assert(json_is_true(json_object_get(s, "show_ranks")));
  json_decref(c);
  /* refused settings */
  const struct {
    const char *body, *field;
  } bad[] = {
      {"{\"settings\":{\"aggregation\":{\"method\":\"mode\"}}}", "settings.aggregation.method"},
      {"{\"settings\":{\"aggregation\":{\"flag_share\":0}}}", "settings.aggregation.flag_share"},
      {"{\"settings\":{\"aggregation\":{\"flag_share\":1.5}}}", "settings.aggregation.flag_share"},
      {"{\"settings\":{\"aggregation\":{\"weights\":1}}}", "settings.aggregation.weights"},
      {"{\"settings\":{\"aggregation\":[]}}", "settings.aggregation"},
      {"{\"settings\":{\"aggregation\":{\"quotas\":[{\"grade\":\"卓越\",\"max_share\":0.1}]}}}",
       "settings.aggregation.quotas[0].grade"},
      {"{\"settings\":{\"aggregation\":{\"quotas\":[{\"grade\":\"不合格\",\"max_share\":0.1}]}}}",
       "settings.aggregation.quotas[0].grade"},
      {"{\"settings\":{\"aggregation\":{\"quotas\":[{\"grade\":\"优秀\",\"max_share\":0.1},"
       "{\"grade\":\"优秀\",\"max_share\":0.2}]}}}",
       "settings.aggregation.quotas[1].grade"},
      {"{\"settings\":{\"aggregation\":{\"quotas\":[{\"grade\":\"优秀\",\"max_share\":2}]}}}",
       "settings.aggregation.quotas[0].max_share"},
      {"{\"settings\":{\"show_ranks\":1}}", "settings.show_ranks"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    json_t *e = tu_call(&admin, "PATCH", base, bad[i].body, 400);
    const char *f = tu_str(tu_err(e), "field");
    ck_assert_msg(f && !strcmp(f, bad[i].field), "case %zu: field %s", i, f ? f : "(none)");
    json_decref(e);
  }
  /* trimmed with one third of 优秀: SFJ (90, second) moves down to 良好 */
  json_decref(
      tu_call(&admin, "PATCH", base,
              "{\"settings\":{\"aggregation\":{\"method\":\"trimmed\",\"quotas\":[{\"grade\":"
              "\"优秀\",\"max_share\":0.34}]}}}",
              200));
  json_t *r = results(&admin, "");
  ck_assert_str_eq(tu_str(r, "method"), "trimmed");
  json_t *sfj = row(r, "YL-SFJ");
  ck_assert(tu_num(sfj, "total") == 90);
  ck_assert_str_eq(tu_str(sfj, "band_grade"), "优秀");
  ck_assert_str_eq(tu_str(sfj, "grade"), "良好");
  ck_assert_str_eq(tu_str(row(r, "YL-JYJ"), "grade"), "优秀");
  json_t *g0 = json_array_get(json_object_get(r, "grades"), 0);
  ck_assert_int_eq((int)tu_num(g0, "limit"), 1);
  ck_assert_int_eq((int)tu_num(g0, "count"), 1);
  json_decref(r);
  ck_assert_int_eq(tu_sql_int(d.dir, "SELECT count(*) FROM audit WHERE action = 'cycle.settings' "
                                     "AND detail LIKE '%trimmed%'"),
                   1);
  /* a partial change keeps the rest */
  c = tu_call(&admin, "PATCH", base, "{\"settings\":{\"aggregation\":{\"flag_share\":0.9}}}", 200);
  agg = json_object_get(json_object_get(json_object_get(c, "cycle"), "settings"), "aggregation");
  ck_assert_str_eq(tu_str(agg, "method"), "trimmed");
  ck_assert_int_eq((int)json_array_size(json_object_get(agg, "quotas")), 1);
  json_decref(c);
  r = results(&admin, "");
  ck_assert_int_eq((int)json_array_size(json_object_get(r, "disagreements")), 0);
  json_decref(r);
}
END_TEST

START_TEST(trace_and_statistics)
{
  snprintf(path, sizeof path, "%s/results/YL-SFJ?method=trimmed", base);
  json_t *t = tu_call(&admin, "GET", path, NULL, 200);
  json_t *u = json_object_get(t, "unit");
  ck_assert_str_eq(tu_str(u, "code"), "YL-SFJ");
  ck_assert(tu_num(u, "total") == 90);
  json_t *tr = json_object_get(u, "trace");
  json_t *l0 = json_array_get(json_object_get(tr, "leaves"), 0);
  ck_assert_str_eq(tu_str(l0, "code"), "1.1");
  ck_assert_int_eq((int)json_array_size(json_object_get(l0, "scores")), 3);
  ck_assert(tu_num(l0, "mean") == 48 && tu_num(l0, "trimmed") == 54 && tu_num(l0, "value") == 54);
  ck_assert_str_eq(tu_str(json_array_get(json_object_get(l0, "scores"), 0), "reviewer"),
                   "reviewer1");
  ck_assert_int_eq((int)json_array_size(json_object_get(tr, "reviewers")), 3);
  json_decref(t);
  snprintf(path, sizeof path, "%s/results/YL-ZJJ", base); /* not in the cycle */
  json_decref(tu_call(&admin, "GET", path, NULL, 404));
  snprintf(path, sizeof path, "%s/results/NOPE", base);
  json_decref(tu_call(&admin, "GET", path, NULL, 404));
  /* statistics */
  snprintf(path, sizeof path, "%s/statistics", base);
  json_t *s = tu_call(&admin, "GET", path, NULL, 200);
  json_t *st = json_object_get(s, "statistics"), *comp = json_object_get(st, "completion");
  ck_assert_int_eq((int)tu_num(comp, "assigned"), 10);
  ck_assert_int_eq((int)tu_num(comp, "submitted"), 9);
  ck_assert_int_eq((int)tu_num(comp, "not_started"), 1);
  json_t *revs = json_object_get(st, "reviewers");
  ck_assert_int_eq((int)json_array_size(revs), 4);
  ck_assert_str_eq(tu_str(json_array_get(revs, 0), "reviewer"), "reviewer1");
  ck_assert_int_eq((int)tu_num(json_array_get(revs, 0), "submitted"), 3);
  ck_assert_int_eq((int)tu_num(json_array_get(revs, 0), "scores"), 6);
  json_decref(s);
}
END_TEST

START_TEST(roles_and_phases)
{
  struct tu_user rev, sfj, gaj;
  tu_demo_login(&rev, &d, "reviewer1");
  tu_demo_login(&sfj, &d, "unit-YL-SFJ");
  tu_demo_login(&gaj, &d, "unit-YL-GAJ");
  snprintf(path, sizeof path, "%s/results", base);
  json_t *e = tu_call(&rev, "GET", path, NULL, 409);
  ck_assert_str_eq(tu_str(tu_err(e), "code"), "E_NOT_OPEN");
  ck_assert_ptr_nonnull(tu_str(tu_err(e), "detail"));
  json_decref(e);
  json_decref(tu_call(&sfj, "GET", path, NULL, 409));
  snprintf(path, sizeof path, "%s/results/YL-SFJ", base);
  json_decref(tu_call(&sfj, "GET", path, NULL, 409));
  snprintf(path, sizeof path, "%s/statistics", base);
  json_decref(tu_call(&rev, "GET", path, NULL, 403));
  /* publication */
  json_decref(tu_call(&admin, "PATCH", base, "{\"phase\":\"publication\"}", 200));
  json_t *r = results(&sfj, "");
  ck_assert_int_eq((int)json_array_size(json_object_get(r, "units")), 1);
  json_t *own = row(r, "YL-SFJ");
  ck_assert_ptr_nonnull(own);
  ck_assert_int_eq((int)tu_num(own, "rank"), 2);
  ck_assert_ptr_null(json_object_get(r, "normalization"));
  ck_assert_ptr_null(json_object_get(r, "notes"));
  size_t i;
  json_t *x;
  json_array_foreach(json_object_get(r, "disagreements"), i, x)
  {
    ck_assert_str_eq(tu_str(x, "unit"), "YL-SFJ");
  }
  json_decref(r);
  r = results(&rev, "");
  ck_assert_int_eq((int)json_array_size(json_object_get(r, "units")), 3);
  ck_assert_ptr_null(json_object_get(json_object_get(r, "normalization"), "reviewers"));
  json_decref(r);
  /* the trace: the unit's own, reviewers masked; another unit's 404 */
  snprintf(path, sizeof path, "%s/results/YL-SFJ", base);
  json_t *t = tu_call(&sfj, "GET", path, NULL, 200);
  json_t *l0 = json_array_get(
      json_object_get(json_object_get(json_object_get(t, "unit"), "trace"), "leaves"), 0);
  ck_assert_str_eq(tu_str(json_array_get(json_object_get(l0, "scores"), 0), "reviewer"),
                   "评审专家1");
  json_decref(t);
  json_decref(tu_call(&gaj, "GET", path, NULL, 404));
  /* show_ranks false, allowed after publication; other settings are not */
  json_decref(tu_call(&admin, "PATCH", base, "{\"settings\":{\"show_ranks\":false}}", 200));
  e = tu_call(&admin, "PATCH", base, "{\"settings\":{\"comment_below\":0.5,\"show_ranks\":true}}",
              409);
  json_decref(e);
  r = results(&sfj, "");
  own = row(r, "YL-SFJ");
  ck_assert_ptr_null(json_object_get(own, "rank"));
  ck_assert_ptr_null(json_object_get(own, "tied"));
  ck_assert_ptr_null(
      json_object_get(json_object_get(json_object_get(own, "by_method"), "mean"), "rank"));
  ck_assert_ptr_nonnull(json_object_get(own, "total"));
  json_decref(r);
  r = results(&rev, "");
  ck_assert_ptr_null(json_object_get(json_array_get(json_object_get(r, "units"), 0), "rank"));
  ck_assert_str_eq(tu_str(json_array_get(json_object_get(r, "units"), 0), "code"), "YL-GAJ");
  json_decref(r);
  /* pages for a reviewer: by code, no ranks, no counts.ranked, no reviewers' leniency */
  r = results(&rev, "?limit=1&offset=1");
  ck_assert_str_eq(tu_str(json_array_get(json_object_get(r, "units"), 0), "code"), "YL-JYJ");
  ck_assert_ptr_null(json_object_get(json_array_get(json_object_get(r, "units"), 0), "rank"));
  ck_assert_ptr_null(json_object_get(json_object_get(r, "counts"), "ranked"));
  ck_assert_ptr_null(json_object_get(json_object_get(r, "normalization"), "reviewers"));
  json_decref(r);
  r = results(&rev, "?part=sensitivity&method=trimmed&limit=10");
  json_array_foreach(json_object_get(r, "sensitivity"), i, x)
  {
    ck_assert_ptr_null(
        json_object_get(json_object_get(json_object_get(x, "by_method"), "mean"), "rank"));
  }
  json_decref(r);
  /* a unit user's request ignores paging: its own row only */
  r = results(&sfj, "?limit=5&offset=0");
  ck_assert_int_eq((int)json_array_size(json_object_get(r, "units")), 1);
  json_decref(r);
  r = results(&admin, ""); /* the office always sees ranks */
  ck_assert_int_eq((int)tu_num(row(r, "YL-JYJ"), "rank"), 1);
  json_decref(r);
  /* closed: no more changes */
  json_decref(tu_call(&admin, "PATCH", base, "{\"phase\":\"closed\"}", 200));
  json_decref(tu_call(&admin, "PATCH", base, "{\"settings\":{\"show_ranks\":true}}", 409));
}
END_TEST

START_TEST(empty_cycle_and_the_demo)
{
  json_t *full = results(&admin, "");
  long long empty_cycle = new_cycle(2025);
  snprintf(path, sizeof path, "/api/v1/cycles/%lld/results", empty_cycle);
  json_t *j = tu_call(&admin, "GET", path, NULL, 200);
  json_t *r = json_object_get(j, "results");
  ck_assert(json_is_true(json_object_get(r, "empty")));
  ck_assert_int_eq((int)tu_num(json_object_get(r, "counts"), "ranked"), 0);
  ck_assert_int_eq((int)json_array_size(json_object_get(r, "units")), 3);
  size_t i;
  json_t *x;
  const char *k;
  json_array_foreach(json_object_get(r, "units"), i, x)
  {
    ck_assert_str_eq(tu_str(x, "status"), "no_sheets");
    ck_assert(json_is_null(json_object_get(x, "rank")));
  }
  json_object_foreach(full, k, x) ck_assert_msg(json_object_get(r, k), "empty result lacks %s", k);
  json_object_foreach(r, k, x) ck_assert_msg(json_object_get(full, k), "extra member %s", k);
  ck_assert(json_equal(json_object_get(r, "leaves"), json_object_get(full, "leaves")));
  ck_assert(json_equal(json_object_get(r, "areas"), json_object_get(full, "areas")));
  ck_assert_int_eq((int)json_array_size(json_object_get(r, "grades")), 4);
  json_decref(j);
  json_decref(full);
  /* the demo's cycle 2: reviewer3's submitted sheets give ranked units */
  long long t0 = tu_now_ms();
  j = tu_call(&admin, "GET", "/api/v1/cycles/2/results", NULL, 200);
  long long ms = tu_now_ms() - t0;
  fprintf(stderr, "GET /api/v1/cycles/2/results: %lld ms\n", ms);
  ck_assert(ms < 2000 * TU_SLOW);
  r = json_object_get(j, "results");
  ck_assert(tu_num(json_object_get(r, "counts"), "ranked") >= 1);
  json_t *first = json_array_get(json_object_get(r, "units"), 0);
  ck_assert_int_eq((int)tu_num(first, "rank"), 1);
  ck_assert_str_eq(tu_str(first, "status"), "ok");
  json_decref(j);
  json_decref(tu_call(&admin, "GET", "/api/v1/cycles/2/statistics", NULL, 200));
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("results");
  TCase *tc = tcase_create("results");
  tcase_add_checked_fixture(tc, start, stop);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, totals_ranks_grades_and_methods);
  tcase_add_test(tc, settings_quota_and_method);
  tcase_add_test(tc, trace_and_statistics);
  tcase_add_test(tc, roles_and_phases);
  tcase_add_test(tc, empty_cycle_and_the_demo);
  tcase_add_test(tc, computed_once_until_something_changes);
  tcase_add_test(tc, pages_and_filters);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return tu_run_suite(suite());
}
