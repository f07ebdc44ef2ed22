/*
 * it_units.c - units, unit import and cycles against the real daemon with demo data: unit
 * rules and scoping, CSV (UTF-8 and GB18030) and XLSX import with the per-row preview and the
 * all-or-nothing apply, cycle creation, phase steps, the closed state, submission status by
 * role and late-upload permission.
 */
#include "testutil.h"
#include "xlsx.h"

#include <check.h>
#include <iconv.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct tu_daemon d;
static char jar[300], csrf[65];

static void start(void)
{
  const char *args[] = {"--demo", NULL};
  ck_assert_msg(tu_start(&d, NULL, args) == 0, "daemon did not start: %s", d.out);
  snprintf(jar, sizeof jar, "%s/jar", d.dir);
  ck_assert_int_eq(tu_login(d.url, "admin", "kaoping-demo", jar, csrf), 200);
}

static void stop(void)
{
  ck_assert_int_eq(tu_stop(&d), 0);
  tu_rmrf(d.dir);
}

/* METHOD PATH as the admin (or with COOKIES/TOKEN when given) with a JSON body. */
static json_t *call_as(const char *cookies, const char *token, const char *method, const char *path,
                       const char *body, long want)
{
  return tu_json(d.url, cookies, token, method, path, body, want);
}

static json_t *call(const char *method, const char *path, const char *body, long want)
{
  return call_as(jar, csrf, method, path, body, want);
}

/* Uploads FILE (named NAME) to PATH as multipart field "file"; returns the parsed reply. */
static json_t *upload(const char *path, const char *file, const char *name, long want)
{
  return tu_upload(d.url, jar, csrf, path, file, name, NULL, want);
}

static void write_file(const char *path, const char *text)
{
  FILE *f = fopen(path, "wb");
  ck_assert_ptr_nonnull(f);
  fputs(text, f);
  fclose(f);
}

START_TEST(units_rules_and_scope)
{
  json_t *j = call(
      "POST", "/api/v1/units",
      "{\"code\":\"YL-TYJ\",\"name\":\"云岭县体育局\",\"kind\":\"县直部门\",\"parent\":\"YL\"}",
      201);
  json_t *u = json_object_get(j, "unit");
  ck_assert_str_eq(json_string_value(json_object_get(u, "kind")), "department");
  ck_assert_str_eq(json_string_value(json_object_get(json_object_get(u, "parent"), "code")), "YL");
  json_decref(j);
  const struct {
    const char *body, *field;
    long status;
  } bad[] = {
      {"{\"code\":\"YL-TYJ\",\"name\":\"重复\",\"kind\":\"town\"}", "code", 409},
      {"{\"code\":\"有中文\",\"name\":\"x\",\"kind\":\"town\"}", "code", 400},
      {"{\"code\":\"X1\",\"name\":\"x\",\"kind\":\"星球\"}", "kind", 400},
      {"{\"code\":\"X1\",\"name\":\"x\",\"kind\":\"town\",\"parent\":\"NOPE\"}", "parent", 400},
      {"{\"code\":\"X1\",\"name\":\"\",\"kind\":\"town\"}", "name", 400},
      {"{\"code\":\"X1\",\"kind\":\"town\"}", "name", 400},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    j = call("POST", "/api/v1/units", bad[i].body, bad[i].status);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "error"), "field")),
                     bad[i].field);
    json_decref(j);
  }
  /* A parent loop is refused; renaming and deactivating work. */
  json_decref(call("PATCH", "/api/v1/units/YL", "{\"parent\":\"YL-TYJ\"}", 400));
  j = call("PATCH", "/api/v1/units/YL-TYJ", "{\"name\":\"云岭县文化体育局\",\"active\":false}",
           200);
  ck_assert(json_is_false(json_object_get(json_object_get(j, "unit"), "active")));
  json_decref(j);
  json_decref(call("PATCH", "/api/v1/units/NOPE", "{\"name\":\"x\"}", 404));
  j = call("GET", "/api/v1/units?active=0", NULL, 200);
  ck_assert_int_eq(json_integer_value(json_object_get(j, "total")), 1);
  json_decref(j);
  /* A unit user sees only their own unit. */
  char ujar[320], utok[65];
  snprintf(ujar, sizeof ujar, "%s/ujar", d.dir);
  ck_assert_int_eq(tu_login(d.url, "unit-YL-SFJ", "kaoping-demo", ujar, utok), 200);
  j = call_as(ujar, utok, "GET", "/api/v1/units", NULL, 200);
  ck_assert_int_eq(json_integer_value(json_object_get(j, "total")), 1);
  json_decref(j);
  json_decref(call_as(ujar, utok, "GET", "/api/v1/units/YL-GAJ", NULL, 404));
  json_decref(call_as(ujar, utok, "GET", "/api/v1/units/YL-SFJ", NULL, 200));
  j = call("GET", "/api/v1/unit-kinds", NULL, 200);
  ck_assert_int_eq(json_array_size(json_object_get(j, "kinds")), 8);
  json_decref(j);
}
END_TEST

START_TEST(import_csv_preview_refusal_and_apply)
{
  char path[300];
  snprintf(path, sizeof path, "%s/units.csv", d.dir);
  /* Row 2 updates, row 3 is unchanged, row 4 creates with a parent defined later (row 6),
   * row 5 has three problems, row 6 creates. */
  write_file(path, "\xef\xbb\xbf单位代码,单位名称,单位类别,上级单位代码\n"
                   "YL-SFJ,云岭县司法局（改名）,部门,YL\n"
                   "YL-GAJ,云岭县公安局,department,YL\n"
                   "YL-NEW1,\"新设机构, 甲\",镇,YL-NEW2\n"
                   "bad code,,星球,NOPE\n"
                   "YL-NEW2,新设上级,县,\n");
  json_t *j = upload("/api/v1/units/import", path, "units.csv", 200);
  json_t *rows = json_object_get(j, "rows"), *sum = json_object_get(j, "summary");
  ck_assert_int_eq(json_array_size(rows), 5);
  ck_assert_str_eq(json_string_value(json_object_get(json_array_get(rows, 0), "action")), "update");
  ck_assert_str_eq(json_string_value(json_object_get(json_array_get(rows, 1), "action")),
                   "unchanged");
  ck_assert_str_eq(json_string_value(json_object_get(json_array_get(rows, 2), "action")), "create");
  ck_assert_str_eq(json_string_value(json_object_get(json_array_get(rows, 2), "name")),
                   "新设机构, 甲");
  json_t *bad = json_array_get(rows, 3);
  ck_assert_int_eq(json_integer_value(json_object_get(bad, "row")), 5);
  ck_assert_int_eq(json_array_size(json_object_get(bad, "problems")),
                   4); /* code, name, kind, parent */
  const char *cols[4];
  for (int i = 0; i < 4; i++)
    cols[i] = json_string_value(
        json_object_get(json_array_get(json_object_get(bad, "problems"), (size_t)i), "column"));
  ck_assert_str_eq(cols[0], "单位代码");
  ck_assert_str_eq(cols[1], "单位名称");
  ck_assert_str_eq(cols[2], "单位类别");
  ck_assert_str_eq(cols[3], "上级单位代码");
  ck_assert_int_eq(json_integer_value(json_object_get(sum, "problems")), 1);
  ck_assert(json_is_false(json_object_get(j, "applied")));
  json_decref(j);
  /* Applying a file with problems changes nothing. */
  j = upload("/api/v1/units/import?apply=1", path, "units.csv", 400);
  ck_assert_int_eq(json_array_size(json_object_get(json_object_get(j, "error"), "rows")), 5);
  json_decref(j);
  j = call("GET", "/api/v1/units/YL-SFJ", NULL, 200);
  ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "unit"), "name")),
                   "云岭县司法局");
  json_decref(j);
  json_decref(call("GET", "/api/v1/units/YL-NEW2", NULL, 404));
  /* Without the bad row it applies in full, parents included. */
  write_file(path, "单位代码,单位名称,单位类别,上级单位代码\n"
                   "YL-SFJ,云岭县司法局（改名）,部门,YL\n"
                   "YL-NEW1,\"新设机构, 甲\",镇,YL-NEW2\n"
                   "YL-NEW2,新设上级,县,\n");
  j = upload("/api/v1/units/import?apply=1", path, "units.csv", 200);
  ck_assert(json_is_true(json_object_get(j, "applied")));
  json_decref(j);
  j = call("GET", "/api/v1/units/YL-NEW1", NULL, 200);
  ck_assert_str_eq(json_string_value(json_object_get(
                       json_object_get(json_object_get(j, "unit"), "parent"), "code")),
                   "YL-NEW2");
  json_decref(j);
  j = call("GET", "/api/v1/audit?action=unit.import", NULL, 200);
  ck_assert_int_eq(json_array_size(json_object_get(j, "entries")), 1);
  json_decref(j);
}
END_TEST

START_TEST(import_gb18030_csv_and_xlsx)
{
  char path[300];
  snprintf(path, sizeof path, "%s/units-gbk.csv", d.dir);
  const char *utf8 = "单位代码,单位名称,单位类别\r\nYL-GBK,龙潭乡人民政府,乡\r\n";
  char gbk[256];
  iconv_t cd = iconv_open("GB18030", "UTF-8");
  char *in = (char *)utf8, *o = gbk;
  size_t il = strlen(utf8), ol = sizeof gbk;
  ck_assert(iconv(cd, &in, &il, &o, &ol) != (size_t)-1);
  iconv_close(cd);
  *o = 0;
  write_file(path, gbk);
  json_t *j = upload("/api/v1/units/import?apply=1", path, "units.csv", 200);
  ck_assert(json_is_true(json_object_get(j, "applied")));
  json_decref(j);
  j = call("GET", "/api/v1/units/YL-GBK", NULL, 200);
  ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "unit"), "name")),
                   "龙潭乡人民政府");
  ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "unit"), "kind")),
                   "township");
  json_decref(j);
  /* XLSX written by the same library offices' files come from. */
  snprintf(path, sizeof path, "%s/units.xlsx", d.dir);
  const char *head[] = {"代码", "名称", "类别", "上级"};
  const char *cells[] = {"YL-XL1", "西岭镇",           "镇",     "YL",
                         "YL-XL2", "西岭开发区管委会", "开发区", ""};
  char tmp[300];
  snprintf(tmp, sizeof tmp, "%s", d.dir);
  ck_assert_int_eq(xlsx_write_table(path, tmp, "单位", head, NULL, 4, cells, 2), 0);
  j = upload("/api/v1/units/import?apply=1", path, "units.xlsx", 200);
  ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j, "summary"), "create")), 2);
  json_decref(j);
  j = call("GET", "/api/v1/units/YL-XL2", NULL, 200);
  ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "unit"), "kind")), "zone");
  json_decref(j);
  /* Files that are not tables. */
  snprintf(path, sizeof path, "%s/x.xls", d.dir);
  write_file(path, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 old excel");
  j = upload("/api/v1/units/import", path, "x.xls", 415);
  ck_assert_ptr_nonnull(
      strstr(json_string_value(json_object_get(json_object_get(j, "error"), "detail")), ".xls"));
  json_decref(j);
  snprintf(path, sizeof path, "%s/noheader.csv", d.dir);
  write_file(path, "a,b,c\n1,2,3\n");
  json_decref(upload("/api/v1/units/import", path, "noheader.csv", 400));
}
END_TEST

START_TEST(cycles_phases_status_and_late_uploads)
{
  json_t *j = call("POST", "/api/v1/cycles",
                   "{\"year\":2024,\"title\":\"云岭县2024年度法治政府建设考核\",\"submission_"
                   "deadline\":1740844799,\"units\":[\"YL-SFJ\",\"YL-GAJ\"]}",
                   201);
  json_t *c = json_object_get(j, "cycle");
  long long id = json_integer_value(json_object_get(c, "id"));
  ck_assert_str_eq(json_string_value(json_object_get(c, "phase")), "draft");
  ck_assert_int_eq(json_integer_value(json_object_get(c, "units")), 2);
  json_decref(j);
  json_decref(call("POST", "/api/v1/cycles", "{\"year\":1999,\"title\":\"x\"}", 400));
  json_decref(
      call("POST", "/api/v1/cycles", "{\"year\":2024,\"title\":\"x\",\"units\":[\"NOPE\"]}", 400));
  char path[128];
  snprintf(path, sizeof path, "/api/v1/cycles/%lld", id);
  json_decref(call("PATCH", path, "{\"phase\":\"review\"}", 400)); /* two steps */
  const char *steps[] = {"submission", "review", "publication", "closed"};
  for (int i = 0; i < 4; i++) {
    char body[64];
    snprintf(body, sizeof body, "{\"phase\":\"%s\"}", steps[i]);
    j = call("PATCH", path, body, 200);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "cycle"), "phase")),
                     steps[i]);
    json_decref(j);
  }
  j = call("PATCH", path, "{\"title\":\"改名\"}", 409); /* closed is read-only */
  json_decref(j);
  j = call("GET", "/api/v1/audit?action=cycle.phase", NULL, 200);
  ck_assert_int_eq(json_array_size(json_object_get(j, "entries")), 4);
  json_decref(j);
  /* Submission status: the admin sees all 20 units of the demo cycle, 14 with reports. */
  j = call("GET", "/api/v1/cycles/2/units", NULL, 200);
  json_t *units = json_object_get(j, "units");
  ck_assert_int_eq(json_array_size(units), 20);
  size_t i, with = 0;
  json_t *u;
  json_array_foreach(units, i, u)
  {
    if (!json_is_null(json_object_get(u, "report"))) with++;
  }
  ck_assert_int_eq(with, 14);
  json_decref(j);
  /* A reviewer sees the units assigned to them, never their own (reviewer2 is of YL-SFJ). */
  char rjar[320], rtok[65];
  snprintf(rjar, sizeof rjar, "%s/rjar", d.dir);
  ck_assert_int_eq(tu_login(d.url, "reviewer2", "kaoping-demo", rjar, rtok), 200);
  j = call_as(rjar, rtok, "GET", "/api/v1/cycles/2/units", NULL, 200);
  units = json_object_get(j, "units");
  ck_assert_int_gt(json_array_size(units), 0);
  ck_assert_int_lt(json_array_size(units), 20);
  json_array_foreach(units, i, u)
  {
    ck_assert_str_ne(json_string_value(json_object_get(u, "code")), "YL-SFJ");
  }
  json_decref(j);
  /* Late upload permission. */
  json_decref(
      call("POST", "/api/v1/cycles/2/units/YL-ZJJ/late-upload", "{\"until\":4000000000}", 204));
  j = call("GET", "/api/v1/cycles/2/units", NULL, 200);
  json_array_foreach(json_object_get(j, "units"), i, u)
  {
    if (!strcmp(json_string_value(json_object_get(u, "code")), "YL-ZJJ"))
      ck_assert_int_eq(json_integer_value(json_object_get(u, "late_upload_until")), 4000000000LL);
  }
  json_decref(j);
  json_decref(call("POST", "/api/v1/cycles/2/units/NOPE/late-upload", "{\"until\":null}", 404));
  json_decref(call("POST", "/api/v1/cycles/2/units/YL-ZJJ/late-upload", "{}", 400));
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("units");
  TCase *tc = tcase_create("units");
  tcase_add_checked_fixture(tc, start, stop);
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, units_rules_and_scope);
  tcase_add_test(tc, import_csv_preview_refusal_and_apply);
  tcase_add_test(tc, import_gb18030_csv_and_xlsx);
  tcase_add_test(tc, cycles_phases_status_and_late_uploads);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return tu_run_suite(suite());
}
