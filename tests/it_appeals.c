/*
 * it_appeals.c - publication and appeals (复核) over HTTP against the real daemon with demo
 * data. A small cycle is built as in it_results.c: a rubric of two leaves (1.1 worth 60, 1.2
 * worth 40), units YL-SFJ, YL-GAJ, YL-JYJ, three reviewers' submitted sheets (tu_sql):
 *
 *   unit      reviewer1   reviewer3   reviewer5   mean
 *   YL-SFJ    60 + 40     54 + 36     30 + 20     48 + 32 = 80
 *   YL-GAJ    48 + 32     48 + 32     48 + 32     80
 *   YL-JYJ    57 + 38     57 + 38     57 + 38     95
 *
 * and a report text for YL-SFJ. The cycle is published through the API with appeal_days 5 and
 * score_step 1; YL-SFJ appeals 1.1 and 1.2; reviewer1 rescores 1.1 to 57; the office upholds
 * it (SFJ's total 80 → 89: 1.1 goes from 48 to 57) and rejects 1.2 (nothing changes).
 */
#include "testutil.h"

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct tu_daemon d;

static struct tu_user admin, sfj, gaj;
static long long cyc;       /* the small cycle */
static char base[64];       /* "/api/v1/cycles/<cyc>" */
static char path[200];      /* scratch path */
static long long rubric_id; /* the small rubric */

/* The report text of YL-SFJ: the first 4 characters are quoted as evidence. */
#define REPORT_TEXT "法治建设年度报告：本年度完成行政执法公示。"

/* Calls and checks an error reply: status WANT, code CODE, field FIELD (NULL = any). */
static void refused(struct tu_user *w, const char *method, const char *p, const char *body,
                    long want, const char *code, const char *field)
{
  json_t *e = tu_call(w, method, p, body, want);
  ck_assert_msg(!strcmp(tu_str(tu_err(e), "code"), code), "%s %s: code %s, want %s", method, p,
                tu_str(tu_err(e), "code"), code);
  if (field)
    ck_assert_msg(tu_str(tu_err(e), "field") && !strcmp(tu_str(tu_err(e), "field"), field),
                  "%s: field %s, want %s", body ? body : "", tu_str(tu_err(e), "field"), field);
  json_decref(e);
}

/* Writes a submitted review sheet of LOGIN for UNIT: P11 and P12 points, with comments. */
static void sheet(const char *login, const char *unit, double p11, double p12)
{
  char q[1800];
  snprintf(q, sizeof q,
           "INSERT INTO assignment (cycle_id, unit_id, user_id, kind, status, submitted_at, "
           "created_at, updated_at) VALUES (%lld, (SELECT id FROM unit WHERE code = '%s'), "
           "(SELECT id FROM user WHERE login = '%s'), 'review', 'submitted', 1, 1, 1);"
           "INSERT INTO score (assignment_id, indicator_id, points, comment, updated_at) VALUES "
           "(last_insert_rowid(), (SELECT id FROM indicator WHERE rubric_id = %lld AND code = "
           "'1.1'), %g, '%s 对 1.1 的意见', 1);"
           "INSERT INTO score (assignment_id, indicator_id, points, updated_at) SELECT "
           "max(id), (SELECT id FROM indicator WHERE rubric_id = %lld AND code = '1.2'), %g, 1 "
           "FROM assignment",
           cyc, unit, login, rubric_id, p11, login, rubric_id, p12);
  tu_sql(d.dir, q);
}

static void start(void)
{
  tu_start_demo(&d);
  tu_demo_login(&admin, &d, "admin");
  tu_demo_login(&sfj, &d, "unit-YL-SFJ");
  tu_demo_login(&gaj, &d, "unit-YL-GAJ");
  json_t *rb = tu_call(
      &admin, "POST", "/api/v1/rubrics",
      "{\"name\":\"复核测试细则\",\"total_points\":100,\"grade_bands\":[{\"name\":\"优秀\","
      "\"min\":90},{\"name\":\"良好\",\"min\":80},{\"name\":\"合格\",\"min\":60},{\"name\":"
      "\"不合格\",\"min\":0}],\"areas\":[{\"code\":\"1\",\"name\":\"甲\",\"children\":[{\"code\":"
      "\"1.1\",\"name\":\"乙\",\"max_points\":60},{\"code\":\"1.2\",\"name\":\"丙\","
      "\"max_points\":40}]}]}",
      201);
  rubric_id = json_integer_value(json_object_get(json_object_get(rb, "rubric"), "id"));
  json_decref(rb);
  char body[300];
  snprintf(body, sizeof body,
           "{\"year\":2024,\"title\":\"复核测试\",\"rubric_id\":%lld,\"units\":[\"YL-SFJ\","
           "\"YL-GAJ\",\"YL-JYJ\"]}",
           rubric_id);
  json_t *c = tu_call(&admin, "POST", "/api/v1/cycles", body, 201);
  cyc = json_integer_value(json_object_get(json_object_get(c, "cycle"), "id"));
  json_decref(c);
  snprintf(base, sizeof base, "/api/v1/cycles/%lld", cyc);
  json_decref(tu_call(&admin, "PATCH", base, "{\"phase\":\"submission\"}", 200));
  json_decref(tu_call(&admin, "PATCH", base, "{\"phase\":\"review\"}", 200));
  sheet("reviewer1", "YL-SFJ", 60, 40);
  sheet("reviewer3", "YL-SFJ", 54, 36);
  sheet("reviewer5", "YL-SFJ", 30, 20);
  sheet("reviewer1", "YL-GAJ", 48, 32);
  sheet("reviewer3", "YL-GAJ", 48, 32);
  sheet("reviewer5", "YL-GAJ", 48, 32);
  sheet("reviewer1", "YL-JYJ", 57, 38);
  sheet("reviewer3", "YL-JYJ", 57, 38);
  sheet("reviewer5", "YL-JYJ", 57, 38);
  char q[800];
  snprintf(q, sizeof q,
           "INSERT OR IGNORE INTO blob (sha256, size, created_at) VALUES ('%064d', 10, 1);"
           "INSERT INTO report (cycle_id, unit_id, version, sha256, filename, format, size, "
           "uploaded_at, text, current) VALUES (%lld, (SELECT id FROM unit WHERE code = "
           "'YL-SFJ'), 1, '%064d', 'r.txt', 'txt', 10, 1, '%s', 1)",
           0, cyc, 0, REPORT_TEXT);
  tu_sql(d.dir, q);
}

static void stop(void)
{
  tu_stop_clean(&d);
}

/* SFJ's official total as unit W sees it. */
static double total(struct tu_user *w)
{
  snprintf(path, sizeof path, "%s/results", base);
  json_t *j = tu_call(w, "GET", path, NULL, 200);
  json_t *u = json_array_get(json_object_get(json_object_get(j, "results"), "units"), 0);
  ck_assert_str_eq(tu_str(u, "code"), "YL-SFJ");
  double t = tu_num(u, "total");
  json_decref(j);
  return t;
}

/* The appeals of the cycle as W sees them (QUERY "" or "?status=…"); a new reference. */
static json_t *appeals(struct tu_user *w, const char *query)
{
  snprintf(path, sizeof path, "%s/appeals%s", base, query);
  json_t *j = tu_call(w, "GET", path, NULL, 200);
  json_t *a = json_incref(json_object_get(j, "appeals"));
  json_decref(j);
  ck_assert(json_is_array(a));
  return a;
}

START_TEST(publish_appeal_rescore_decide)
{
  char apath[200], body[400];
  snprintf(apath, sizeof apath, "%s/appeals", base);
  const char *good = "{\"reason\":\"评分偏低\",\"items\":[{\"indicator\":\"1.1\",\"reason\":"
                     "\"已完成执法公示\"},{\"indicator\":\"1.2\",\"reason\":\"材料齐全\"}],"
                     "\"evidence\":[{\"start\":0,\"end\":4}]}";
  /* before publication */
  refused(&sfj, "POST", apath, good, 409, "E_NOT_OPEN", NULL);
  /* settings: appeal_days and the step, then publication computes the window */
  refused(&admin, "PATCH", base, "{\"settings\":{\"appeal_days\":61}}", 400, "E_VALIDATION",
          "settings.appeal_days");
  refused(&admin, "PATCH", base, "{\"settings\":{\"appeal_days\":\"5\"}}", 400, "E_VALIDATION",
          "settings.appeal_days");
  json_decref(
      tu_call(&admin, "PATCH", base, "{\"settings\":{\"appeal_days\":5,\"score_step\":1}}", 200));
  json_t *c = tu_call(&admin, "PATCH", base, "{\"phase\":\"publication\"}", 200);
  json_t *cy = json_object_get(c, "cycle");
  long long pub = (long long)tu_num(cy, "published_at"),
            dl = (long long)tu_num(cy, "appeal_deadline");
  ck_assert_int_eq((int)tu_num(json_object_get(cy, "settings"), "appeal_days"), 5);
  ck_assert(pub > 0);
  ck_assert_int_eq(dl, ((pub + 28800) / 86400 + 6) * 86400 - 1 - 28800);
  ck_assert_int_eq((dl + 28800) % 86400, 86399); /* 23:59:59 China time */
  json_decref(c);
  ck_assert(total(&sfj) == 80);

  /* bad filings */
  refused(&sfj, "POST", apath, "{\"items\":[]}", 400, "E_VALIDATION", "items");
  refused(&sfj, "POST", apath, "{\"items\":[{\"indicator\":\"1\",\"reason\":\"x\"}]}", 400,
          "E_VALIDATION", "items[0].indicator");
  refused(&sfj, "POST", apath, "{\"items\":[{\"indicator\":\"9.9\",\"reason\":\"x\"}]}", 400,
          "E_VALIDATION", "items[0].indicator");
  refused(&sfj, "POST", apath,
          "{\"items\":[{\"indicator\":\"1.1\",\"reason\":\"x\"},{\"indicator\":\"1.1\","
          "\"reason\":\"y\"}]}",
          400, "E_VALIDATION", "items[1].indicator");
  refused(&sfj, "POST", apath, "{\"items\":[{\"indicator\":\"1.1\",\"reason\":\"\"}]}", 400,
          "E_VALIDATION", "items[0].reason");
  refused(&sfj, "POST", apath,
          "{\"items\":[{\"indicator\":\"1.1\",\"reason\":\"x\"}],\"evidence\":[{\"start\":5,"
          "\"end\":500}]}",
          400, "E_VALIDATION", "evidence[0]");
  refused(&gaj, "POST", apath,
          "{\"items\":[{\"indicator\":\"1.1\",\"reason\":\"x\"}],\"evidence\":[{\"start\":0,"
          "\"end\":1}]}",
          400, "E_VALIDATION", "evidence"); /* GAJ has no report */
  refused(&admin, "POST", apath, good, 403, "E_FORBIDDEN", NULL);
  struct tu_user zjj; /* a unit outside the cycle */
  tu_demo_login(&zjj, &d, "unit-YL-ZJJ");
  refused(&zjj, "POST", apath, good, 404, "E_NOT_FOUND", NULL);
  ck_assert_int_eq(tu_sql_int(d.dir, "SELECT count(*) FROM appeal"), 0);

  /* the filing */
  json_t *j = tu_call(&sfj, "POST", apath, good, 201);
  json_t *rows = json_object_get(j, "appeals");
  ck_assert_int_eq((int)json_array_size(rows), 2);
  json_t *a1 = json_array_get(rows, 0), *a2 = json_array_get(rows, 1);
  long long id1 = (long long)tu_num(a1, "id"), id2 = (long long)tu_num(a2, "id");
  ck_assert_str_eq(tu_str(a1, "indicator"), "1.1");
  ck_assert_str_eq(tu_str(a1, "indicator_name"), "乙");
  ck_assert_str_eq(tu_str(a1, "status"), "open");
  ck_assert_str_eq(tu_str(a1, "group_reason"), "评分偏低");
  ck_assert_str_eq(tu_str(a1, "unit"), "YL-SFJ");
  ck_assert(json_is_null(json_object_get(a1, "reviewer")));
  json_t *ev = json_array_get(json_object_get(a2, "evidence"), 0);
  ck_assert_str_eq(tu_str(ev, "quote"), "法治建设");
  ck_assert_int_eq((int)tu_num(ev, "end"), 4);
  json_decref(j);
  /* the same indicator again while undecided */
  refused(&sfj, "POST", apath, "{\"items\":[{\"indicator\":\"1.1\",\"reason\":\"再次\"}]}", 409,
          "E_CONFLICT", "items[0].indicator");
  /* another unit sees none of them */
  json_t *l = appeals(&gaj, "");
  ck_assert_int_eq((int)json_array_size(l), 0);
  json_decref(l);

  /* assignment */
  snprintf(path, sizeof path, "%s/appeals/%lld/assign", base, id1);
  refused(&admin, "POST", path, "{\"reviewer\":\"reviewer2\"}", 409, "E_CONFLICT", "reviewer");
  refused(&admin, "POST", path, "{\"reviewer\":\"admin\"}", 400, "E_VALIDATION", "reviewer");
  refused(&sfj, "POST", path, "{\"reviewer\":\"reviewer1\"}", 403, "E_FORBIDDEN", NULL);
  j = tu_call(&admin, "POST", path, "{\"reviewer\":\"reviewer1\"}", 200);
  ck_assert_str_eq(tu_str(json_object_get(j, "appeal"), "status"), "in_review");
  ck_assert_str_eq(tu_str(json_object_get(j, "appeal"), "reviewer"), "reviewer1");
  json_decref(j);

  /* the re-review */
  struct tu_user r1, r3;
  tu_demo_login(&r1, &d, "reviewer1");
  tu_demo_login(&r3, &d, "reviewer3");
  snprintf(path, sizeof path, "%s/appeals/%lld/rescore", base, id1);
  refused(&r3, "POST", path, "{\"points\":57,\"comment\":\"复核\"}", 404, "E_NOT_FOUND", NULL);
  refused(&r1, "POST", path, "{\"points\":55.5,\"comment\":\"复核\"}", 400, "E_VALIDATION",
          "points");
  refused(&r1, "POST", path, "{\"points\":61,\"comment\":\"复核\"}", 400, "E_VALIDATION", "points");
  refused(&r1, "POST", path, "{\"points\":57}", 400, "E_VALIDATION", "comment");
  snprintf(body, sizeof body, "%s/appeals/%lld/rescore", base, id2); /* not assigned */
  refused(&r1, "POST", body, "{\"points\":30,\"comment\":\"复核\"}", 404, "E_NOT_FOUND", NULL);
  j = tu_call(&r1, "POST", path, "{\"points\":57,\"comment\":\"执法公示材料完整\"}", 200);
  ck_assert(tu_num(json_object_get(json_object_get(j, "appeal"), "rescore"), "points") == 57);
  json_decref(j);
  l = appeals(&r1, "");
  ck_assert_int_eq((int)json_array_size(l), 1);
  json_decref(l);
  l = appeals(&r3, "");
  ck_assert_int_eq((int)json_array_size(l), 0);
  json_decref(l);
  l = appeals(&admin, "?status=in_review");
  ck_assert_int_eq((int)json_array_size(l), 1);
  json_decref(l);
  refused(&admin, "GET", "/api/v1/cycles/1/appeals?status=done", NULL, 400, "E_VALIDATION",
          "status");
  /* the unit: no reviewer login, no re-review before the decision */
  l = appeals(&sfj, "");
  ck_assert_int_eq((int)json_array_size(l), 2);
  ck_assert_str_eq(tu_str(json_array_get(l, 0), "reviewer"), "评审专家");
  ck_assert(json_is_null(json_object_get(json_array_get(l, 0), "rescore")));
  json_decref(l);

  /* decisions: upheld with the re-review's points; 1.1 goes from 48 to 57 */
  snprintf(path, sizeof path, "%s/appeals/%lld/decide", base, id1);
  refused(&admin, "POST", path, "{\"outcome\":\"maybe\",\"response\":\"x\"}", 400, "E_VALIDATION",
          "outcome");
  refused(&admin, "POST", path, "{\"outcome\":\"upheld\",\"response\":\"x\",\"points\":0.5}", 400,
          "E_VALIDATION", "points");
  j = tu_call(&admin, "POST", path,
              "{\"outcome\":\"upheld\",\"response\":\"经复核，调整为 57 分\"}", 200);
  json_t *ap = json_object_get(j, "appeal");
  ck_assert_str_eq(tu_str(ap, "status"), "upheld");
  ck_assert(tu_num(ap, "before") == 48 && tu_num(ap, "after") == 57);
  json_decref(j);
  ck_assert(total(&sfj) == 89);
  snprintf(path, sizeof path, "%s/appeals/%lld/decide", base, id1);
  refused(&admin, "POST", path, "{\"outcome\":\"rejected\",\"response\":\"x\"}", 409, "E_CONFLICT",
          NULL);
  /* rejected without a re-review: nothing changes */
  snprintf(path, sizeof path, "%s/appeals/%lld/decide", base, id2);
  refused(&admin, "POST", path, "{\"outcome\":\"upheld\",\"response\":\"x\"}", 400, "E_VALIDATION",
          "points");
  j = tu_call(&admin, "POST", path, "{\"outcome\":\"rejected\",\"response\":\"材料不支持\"}", 200);
  ap = json_object_get(j, "appeal");
  ck_assert(tu_num(ap, "before") == 32 && json_is_null(json_object_get(ap, "after")));
  json_decref(j);
  ck_assert(total(&sfj) == 89);
  ck_assert_int_eq(tu_sql_int(d.dir, "SELECT count(*) FROM appeal WHERE status = 'upheld' AND "
                                     "json_extract(outcome, '$.before') = 48 AND "
                                     "json_extract(outcome, '$.after') = 57"),
                   1);
  /* the unit now sees the re-review and the answer, still without the login */
  l = appeals(&sfj, "");
  ck_assert(tu_num(json_object_get(json_array_get(l, 0), "rescore"), "points") == 57);
  ck_assert_str_eq(tu_str(json_array_get(l, 0), "response"), "经复核，调整为 57 分");
  char *ld = json_dumps(l, 0);
  ck_assert_ptr_null(strstr(ld, "reviewer1"));
  free(ld);
  json_decref(l);
  /* audit */
  ck_assert_int_eq(tu_sql_int(d.dir, "SELECT count(*) FROM audit WHERE action = 'appeal.create'"),
                   1);
  ck_assert_int_eq(tu_sql_int(d.dir, "SELECT count(*) FROM audit WHERE action = 'appeal.assign'"),
                   1);
  ck_assert_int_eq(tu_sql_int(d.dir, "SELECT count(*) FROM audit WHERE action = 'appeal.rescore'"),
                   1);
  ck_assert_int_eq(tu_sql_int(d.dir, "SELECT count(*) FROM audit WHERE action = 'appeal.decide' "
                                     "AND json_extract(detail, '$.before') = 48 AND "
                                     "json_extract(detail, '$.after') = 57"),
                   1);
  ck_assert_int_eq(tu_sql_int(d.dir, "SELECT count(*) FROM audit WHERE action = 'appeal.decide' "
                                     "AND json_extract(detail, '$.outcome') = 'rejected'"),
                   1);
  /* the unit's trace: comments, anonymous reviewers, the override */
  snprintf(path, sizeof path, "%s/results/YL-SFJ", base);
  j = tu_call(&sfj, "GET", path, NULL, 200);
  json_t *leaf = json_array_get(
      json_object_get(json_object_get(json_object_get(j, "unit"), "trace"), "leaves"), 0);
  ck_assert(tu_num(leaf, "value") == 57);
  ck_assert_str_eq(tu_str(json_object_get(leaf, "override"), "note"), "复核调整");
  ck_assert(tu_num(json_object_get(leaf, "override"), "replaced") == 48);
  json_t *s0 = json_array_get(json_object_get(leaf, "scores"), 0);
  ck_assert_str_eq(tu_str(s0, "reviewer"), "评审专家1");
  ck_assert_str_eq(tu_str(s0, "comment"), "reviewer1 对 1.1 的意见");
  char *dump = json_dumps(j, 0);
  ck_assert_ptr_null(strstr(dump, "\"reviewer1\""));
  free(dump);
  json_decref(j);
}
END_TEST

START_TEST(window_and_closed_cycle)
{
  char apath[200];
  snprintf(apath, sizeof apath, "%s/appeals", base);
  const char *one = "{\"items\":[{\"indicator\":\"1.2\",\"reason\":\"偏低\"}]}";
  json_decref(tu_call(&admin, "PATCH", base, "{\"phase\":\"publication\"}", 200));
  /* an explicit deadline wins over appeal_days; in the past the window is shut */
  char q[200];
  snprintf(q, sizeof q,
           "UPDATE cycle SET appeal_deadline = CAST(strftime('%%s', 'now') AS INTEGER) - 60 WHERE "
           "id = %lld",
           cyc);
  tu_sql(d.dir, q);
  json_t *e = tu_call(&gaj, "POST", apath, one, 409);
  ck_assert_str_eq(tu_str(tu_err(e), "code"), "E_NOT_OPEN");
  ck_assert_ptr_nonnull(strstr(tu_str(tu_err(e), "detail"), "截止"));
  json_decref(e);
  /* set again through the API: open */
  char body[100];
  snprintf(body, sizeof body, "{\"appeal_deadline\":%lld}",
           tu_sql_int(d.dir, "SELECT CAST(strftime('%s', 'now') AS INTEGER) + 3600"));
  json_decref(tu_call(&admin, "PATCH", base, body, 200));
  json_t *j = tu_call(&gaj, "POST", apath, one, 201);
  long long id = (long long)tu_num(json_array_get(json_object_get(j, "appeals"), 0), "id");
  json_decref(j);
  /* closed: read-only */
  json_decref(tu_call(&admin, "PATCH", base, "{\"phase\":\"closed\"}", 200));
  refused(&gaj, "POST", apath, "{\"items\":[{\"indicator\":\"1.1\",\"reason\":\"偏低\"}]}", 409,
          "E_CONFLICT", NULL);
  snprintf(path, sizeof path, "%s/appeals/%lld/assign", base, id);
  refused(&admin, "POST", path, "{\"reviewer\":\"reviewer1\"}", 409, "E_CONFLICT", NULL);
  snprintf(path, sizeof path, "%s/appeals/%lld/decide", base, id);
  refused(&admin, "POST", path, "{\"outcome\":\"rejected\",\"response\":\"x\"}", 409, "E_CONFLICT",
          NULL);
  json_t *l = appeals(&gaj, ""); /* still readable */
  ck_assert_int_eq((int)json_array_size(l), 1);
  json_decref(l);
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("appeals");
  TCase *tc = tcase_create("appeals");
  tcase_add_checked_fixture(tc, start, stop);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, publish_appeal_rescore_decide);
  tcase_add_test(tc, window_and_closed_cycle);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return tu_run_suite(suite());
}
