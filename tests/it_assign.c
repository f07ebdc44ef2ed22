/*
 * it_assign.c - assignments beyond one-by-one against the real daemon with demo data (cycle 2
 * in review, 3 reviewers per unit round robin; reviewer2 belongs to YL-SFJ, reviewer4 to
 * YL-SCJ): the import from CSV (UTF-8 and GB18030, codes or names) and XLSX with its per-row
 * preview and all-or-nothing apply; automatic assignment with a seed (stored rows match the
 * preview, a second run proposes nothing), caps and panels, and its refusals; the progress
 * view after saving and submitting sheets, with the late list; recusal (the sheet is gone for
 * the reviewer, the office assigns someone else); conflicts recusing open sheets in open
 * cycles only; reopening a submitted review or self sheet; and who may do what.
 */
#include "testutil.h"
#include "xlsx.h"

#include <check.h>
#include <iconv.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct tu_daemon d;

/* The 20 units of the demo, for new cycles. */
#define ALL_UNITS                                                                                  \
  "[\"YL\",\"YL-SFJ\",\"YL-GAJ\",\"YL-SCJ\",\"YL-JYJ\",\"YL-WJJ\",\"YL-ZRJ\",\"YL-ZJJ\","          \
  "\"YL-JTJ\",\"YL-RSJ\",\"YL-YJJ\",\"YL-NYJ\",\"YL-STJ\",\"YL-QSZ\",\"YL-LXZ\",\"YL-BSZ\","       \
  "\"YL-SMX\",\"YL-HPX\",\"YL-CGJD\",\"YL-KFQ\"]"

static struct tu_user admin, rev1;

static void start(void)
{
  tu_start_demo(&d);
  tu_demo_login(&admin, &d, "admin");
  tu_demo_login(&rev1, &d, "reviewer1");
}

static void stop(void)
{
  tu_stop_clean(&d);
}

/* tu_str, but "" for a missing member, so strcmp on it is safe. */
static const char *str(json_t *o, const char *k)
{
  const char *s = json_string_value(json_object_get(o, k));
  return s ? s : "";
}

static const char *err_detail(json_t *j)
{
  return str(json_object_get(j, "error"), "detail");
}

/* Uploads FILE (named NAME) as the admin. */
static json_t *upload(const char *p, const char *file, const char *name, long want)
{
  return tu_upload(d.url, admin.jar, admin.csrf, p, file, name, NULL, want);
}

static void write_file(const char *path, const char *text)
{
  tu_spit(path, text, strlen(text));
}

/* Creates a draft cycle of the units UNITS (a JSON array text) and returns its id. */
static long long new_cycle(const char *units)
{
  char body[600];
  snprintf(body, sizeof body, "{\"year\":2024,\"title\":\"测试周期\",\"units\":%s}", units);
  json_t *j = tu_call(&admin, "POST", "/api/v1/cycles", body, 201);
  long long id = tu_int(json_object_get(j, "cycle"), "id");
  json_decref(j);
  return id;
}

/* The id of LOGIN's review sheet for UNIT in CYCLE (0 = none). */
static long long sheet_id(long long cycle, const char *unit, const char *login)
{
  return tu_sqlf(d.dir,
                 "SELECT coalesce((SELECT a.id FROM assignment a JOIN unit un ON un.id = a.unit_id "
                 "JOIN user u ON u.id = a.user_id WHERE a.cycle_id = %lld AND un.code = '%s' AND "
                 "u.login = '%s' AND a.kind = 'review'), 0)",
                 cycle, unit, login);
}

/* The code of the N-th (from 0) unit with an open sheet of LOGIN in cycle 2, by code. */
static const char *unit_of(const char *login, int n, char buf[32])
{
  json_t *a = tu_call(&admin, "GET", "/api/v1/cycles/2/assignments", NULL, 200);
  size_t i;
  json_t *x;
  buf[0] = 0;
  json_array_foreach(json_object_get(a, "assignments"), i, x)
  {
    if (strcmp(str(x, "reviewer"), login) || strcmp(str(x, "kind"), "review") ||
        strcmp(str(x, "status"), "assigned"))
      continue;
    if (n-- == 0) {
      snprintf(buf, 32, "%s", str(x, "unit"));
      break;
    }
  }
  json_decref(a);
  ck_assert_msg(buf[0], "%s has enough open sheets", login);
  return buf;
}

/* Scores every leaf of the demo rubric that applies to UNIT at its maximum and submits, as W
 * (the sheet at version 0). */
static void submit_sheet(struct tu_user *w, const char *unit)
{
  char p[200];
  snprintf(p, sizeof p, "/api/v1/units/%s", unit);
  json_t *u = tu_call(&admin, "GET", p, NULL, 200);
  char kind[32];
  snprintf(kind, sizeof kind, "%s", str(json_object_get(u, "unit"), "kind"));
  json_decref(u);
  json_t *rb = tu_call(&admin, "GET", "/api/v1/rubrics/1", NULL, 200), *items = json_object();
  json_t *stack = json_copy(json_object_get(json_object_get(rb, "rubric"), "areas"));
  while (json_array_size(stack)) {
    json_t *n = json_incref(json_array_get(stack, 0));
    json_array_remove(stack, 0);
    json_t *kids = json_object_get(n, "children");
    if (json_is_array(kids)) {
      json_array_extend(stack, kids);
    } else {
      json_t *ap = json_object_get(n, "applies_to");
      int applies = !json_is_array(ap);
      size_t i;
      json_t *k;
      json_array_foreach(ap, i, k) applies |= !strcmp(json_string_value(k), kind);
      if (applies)
        json_object_set_new(items, str(n, "code"),
                            json_pack("{s:O}", "points", json_object_get(n, "max_points")));
    }
    json_decref(n);
  }
  json_t *body = json_pack("{s:i,s:o,s:b}", "version", 0, "items", items, "submit", 1);
  char *b = json_dumps(body, 0);
  snprintf(p, sizeof p, "/api/v1/cycles/2/units/%s/scores", unit);
  json_t *s = tu_call(w, "PUT", p, b, 200);
  ck_assert_str_eq(str(json_object_get(s, "sheet"), "status"), "submitted");
  json_decref(s);
  free(b);
  json_decref(body);
  json_decref(stack);
  json_decref(rb);
}

/* The entry of ARRAY whose member KEY is VALUE, or NULL. */
static json_t *find(json_t *array, const char *key, const char *value)
{
  size_t i;
  json_t *x;
  json_array_foreach(array, i, x)
  {
    if (!strcmp(str(x, key), value)) return x;
  }
  return NULL;
}

/* ---- import ---- */

START_TEST(import_csv_preview_refusal_and_apply)
{
  long long c = new_cycle("[\"YL-SFJ\",\"YL-GAJ\",\"YL-SCJ\"]");
  char path[300], url[100], urla[120];
  snprintf(path, sizeof path, "%s/assign.csv", d.dir);
  snprintf(url, sizeof url, "/api/v1/cycles/%lld/assignments/import", c);
  snprintf(urla, sizeof urla, "%s?apply=1", url);
  json_decref(
      tu_call(&admin, "POST", "/api/v1/conflicts",
              "{\"reviewer\":\"reviewer3\",\"unit\":\"YL-GAJ\",\"reason\":\"曾在该局任职\"}", 201));
  /* Lines 2-3 create; 4 own unit; 5 conflict; 6 not in the cycle; 7 unknown unit; 8 unknown
   * reviewer; 9 repeats line 2; the empty line is skipped. */
  write_file(path, "\xef\xbb\xbf单位代码,评审人账号\n"
                   "YL-SFJ,reviewer1\n"
                   "YL-GAJ,reviewer1\n"
                   "YL-SFJ,reviewer2\n"
                   "YL-GAJ,reviewer3\n"
                   "YL-JYJ,reviewer1\n"
                   "NOPE,reviewer1\n"
                   "YL-SCJ,nobody\n"
                   "YL-SFJ,reviewer1\n"
                   ",\n");
  json_t *j = upload(url, path, "assign.csv", 200);
  json_t *rows = json_object_get(j, "rows"), *counts = json_object_get(j, "counts");
  ck_assert_int_eq(json_array_size(rows), 8);
  ck_assert_int_eq(tu_int(counts, "create"), 2);
  ck_assert_int_eq(tu_int(counts, "exists"), 0);
  ck_assert_int_eq(tu_int(counts, "errors"), 6);
  ck_assert(json_is_false(json_object_get(j, "applied")));
  json_t *r0 = json_array_get(rows, 0);
  ck_assert_int_eq(tu_int(r0, "line"), 2);
  ck_assert_str_eq(str(r0, "action"), "create");
  ck_assert_str_eq(str(r0, "unit_name"), "云岭县司法局");
  ck_assert_str_eq(str(r0, "reviewer_name"), "县委依法治县办 张明远");
  const struct {
    int line;
    const char *column, *words;
  } want[] = {
      {4, "评审人账号", "本单位"},         {5, "评审人账号", "利益冲突"},
      {6, "单位代码", "不参加"},           {7, "单位代码", "没有这个单位"},
      {8, "评审人账号", "没有这个评审人"}, {9, "评审人账号", "第 2 行"},
  };
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    json_t *row = json_array_get(rows, i + 2), *p = json_object_get(row, "problems");
    ck_assert_int_eq(tu_int(row, "line"), want[i].line);
    ck_assert_int_eq(json_array_size(p), 1);
    ck_assert_str_eq(str(json_array_get(p, 0), "column"), want[i].column);
    ck_assert_msg(strstr(str(json_array_get(p, 0), "problem"), want[i].words), "line %d: %s",
                  want[i].line, str(json_array_get(p, 0), "problem"));
  }
  json_decref(j);
  /* Applying a file with problems stores nothing and answers with the rows. */
  j = upload(urla, path, "assign.csv", 400);
  ck_assert_str_eq(str(json_object_get(j, "error"), "code"), "E_VALIDATION");
  ck_assert_int_eq(json_array_size(json_object_get(json_object_get(j, "error"), "rows")), 8);
  json_decref(j);
  ck_assert_int_eq(tu_sqlf(d.dir, "SELECT count(*) FROM assignment WHERE cycle_id = %lld", c), 0);
  /* The good rows alone apply in one go; logins are not case-sensitive. */
  write_file(path, "单位代码,评审人账号\nYL-SFJ,reviewer1\nYL-GAJ,reviewer1\nYL-SCJ,REVIEWER5\n");
  j = upload(urla, path, "assign.csv", 200);
  ck_assert(json_is_true(json_object_get(j, "applied")));
  ck_assert_int_eq(tu_int(json_object_get(j, "counts"), "create"), 3);
  json_decref(j);
  ck_assert_int_eq(tu_sqlf(d.dir, "SELECT count(*) FROM assignment WHERE cycle_id = %lld", c), 3);
  ck_assert_int_ne(sheet_id(c, "YL-SCJ", "reviewer5"), 0);
  ck_assert_int_eq(tu_sqlf(d.dir,
                           "SELECT count(*) FROM audit WHERE action = 'assignment.import' AND "
                           "json_extract(detail, '$.created') = 3"),
                   1);
  /* The same file again: everything exists already, nothing to create. */
  j = upload(urla, path, "assign.csv", 200);
  ck_assert_int_eq(tu_int(json_object_get(j, "counts"), "exists"), 3);
  ck_assert_int_eq(tu_int(json_object_get(j, "counts"), "create"), 0);
  json_decref(j);
  ck_assert_int_eq(tu_sqlf(d.dir, "SELECT count(*) FROM assignment WHERE cycle_id = %lld", c), 3);
  /* No usable header; not a table; a closed cycle; a cycle that does not exist. */
  write_file(path, "甲,乙\nYL-SFJ,reviewer1\n");
  j = upload(url, path, "assign.csv", 400);
  ck_assert_str_eq(tu_err_field(j), "file");
  json_decref(j);
  write_file(path, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 old excel");
  json_decref(upload(url, path, "assign.xls", 415));
  write_file(path, "单位代码,评审人账号\nYL-SFJ,reviewer1\n");
  json_decref(upload("/api/v1/cycles/1/assignments/import", path, "assign.csv", 409));
  json_decref(upload("/api/v1/cycles/999/assignments/import", path, "assign.csv", 404));
}
END_TEST

START_TEST(import_gb18030_names_and_xlsx)
{
  long long c = new_cycle("[\"YL-SFJ\",\"YL-GAJ\",\"YL-QSZ\"]");
  char path[300], url[100];
  snprintf(path, sizeof path, "%s/assign-gbk.csv", d.dir);
  snprintf(url, sizeof url, "/api/v1/cycles/%lld/assignments/import?apply=1", c);
  /* Names instead of codes and logins, saved by Excel in GB18030. */
  const char *utf8 = "单位名称,评审人\r\n"
                     "云岭县公安局,云州至诚律师事务所（外聘专家） 陈思远\r\n"
                     "云岭县青石镇人民政府,县委党校法学教研室 刘若兰\r\n";
  char gbk[512];
  iconv_t cd = iconv_open("GB18030", "UTF-8");
  ck_assert(cd != (iconv_t)-1);
  char *in = (char *)utf8, *o = gbk;
  size_t il = strlen(utf8), ol = sizeof gbk;
  ck_assert(iconv(cd, &in, &il, &o, &ol) != (size_t)-1);
  iconv_close(cd);
  tu_spit(path, gbk, (size_t)(o - gbk));
  json_t *j = upload(url, path, "分配.csv", 200);
  ck_assert(json_is_true(json_object_get(j, "applied")));
  json_t *r0 = json_array_get(json_object_get(j, "rows"), 0);
  ck_assert_str_eq(str(r0, "unit"), "YL-GAJ");
  ck_assert_str_eq(str(r0, "reviewer"), "reviewer5");
  json_decref(j);
  ck_assert_int_ne(sheet_id(c, "YL-QSZ", "reviewer6"), 0);
  /* A display name two reviewers share is refused: use the login. */
  tu_sql(d.dir, "UPDATE user SET display_name = '王同名' WHERE login IN ('reviewer3', "
                "'reviewer5')");
  write_file(path, "单位名称,评审人\n云岭县司法局,王同名\n");
  j = upload(url, path, "a.csv", 400);
  json_t *p = json_object_get(
      json_array_get(json_object_get(json_object_get(j, "error"), "rows"), 0), "problems");
  ck_assert_str_eq(str(json_array_get(p, 0), "column"), "评审人");
  ck_assert_ptr_nonnull(strstr(str(json_array_get(p, 0), "problem"), "同名"));
  json_decref(j);
  /* XLSX, written by the same library the office's files come from. */
  snprintf(path, sizeof path, "%s/assign.xlsx", d.dir);
  const char *head[] = {"单位代码", "评审人账号"};
  const char *cells[] = {"YL-SFJ", "reviewer1", "YL-QSZ", "reviewer2"};
  ck_assert_int_eq(xlsx_write_table(path, d.dir, "分配", head, NULL, 2, cells, 2), 0);
  j = upload(url, path, "assign.xlsx", 200);
  ck_assert_int_eq(tu_int(json_object_get(j, "counts"), "create"), 2);
  json_decref(j);
  ck_assert_int_ne(sheet_id(c, "YL-QSZ", "reviewer2"), 0);
  ck_assert_int_eq(tu_sqlf(d.dir, "SELECT count(*) FROM assignment WHERE cycle_id = %lld", c), 4);
}
END_TEST

/* ---- automatic assignment ---- */

/* Checks no proposal of J puts a reviewer on their own unit. */
static void no_own_unit(json_t *j)
{
  size_t i;
  json_t *x;
  json_array_foreach(json_object_get(j, "proposed"), i, x)
  {
    ck_assert(!(!strcmp(str(x, "reviewer"), "reviewer2") && !strcmp(str(x, "unit"), "YL-SFJ")));
    ck_assert(!(!strcmp(str(x, "reviewer"), "reviewer4") && !strcmp(str(x, "unit"), "YL-SCJ")));
  }
}

START_TEST(auto_seeded_preview_apply_and_rerun)
{
  const char *body = "{\"per_unit\":4,\"seed\":7}";
  json_t *a = tu_call(&admin, "POST", "/api/v1/cycles/2/assignments/auto", body, 200);
  json_t *b = tu_call(&admin, "POST", "/api/v1/cycles/2/assignments/auto", body, 200);
  ck_assert_int_eq(json_array_size(json_object_get(a, "proposed")), 20); /* one more per unit */
  ck_assert_int_eq(json_array_size(json_object_get(a, "short")), 0);
  ck_assert(json_equal(a, b));
  ck_assert(json_is_false(json_object_get(a, "applied")));
  ck_assert_int_eq(tu_int(a, "seed"), 7);
  no_own_unit(a);
  ck_assert_int_eq(
      tu_sqlf(d.dir, "SELECT count(*) FROM assignment WHERE cycle_id = 2 AND kind = 'review'"), 60);
  /* Every reviewer had 10; 20 more spread evenly. */
  size_t i;
  json_t *x;
  long long lo = 1000, hi = 0, before = 0, after = 0;
  json_array_foreach(json_object_get(a, "load"), i, x)
  {
    before += tu_int(x, "before");
    after += tu_int(x, "after");
    lo = tu_int(x, "after") < lo ? tu_int(x, "after") : lo;
    hi = tu_int(x, "after") > hi ? tu_int(x, "after") : hi;
  }
  ck_assert_int_eq(before, 60);
  ck_assert_int_eq(after, 80);
  ck_assert_int_le(hi - lo, 1);
  /* Applying with the same seed stores exactly the preview. */
  json_decref(b);
  b = tu_call(&admin, "POST", "/api/v1/cycles/2/assignments/auto",
              "{\"per_unit\":4,\"seed\":7,\"apply\":true}", 200);
  ck_assert(json_is_true(json_object_get(b, "applied")));
  ck_assert(json_equal(json_object_get(a, "proposed"), json_object_get(b, "proposed")));
  ck_assert_int_eq(
      tu_sqlf(d.dir, "SELECT count(*) FROM assignment WHERE cycle_id = 2 AND kind = 'review'"), 80);
  json_array_foreach(json_object_get(b, "proposed"), i, x)
  {
    ck_assert_int_ne(sheet_id(2, str(x, "unit"), str(x, "reviewer")), 0);
  }
  ck_assert_int_eq(tu_sqlf(d.dir, "SELECT count(*) FROM audit WHERE action = 'assignment.auto' AND "
                                  "json_extract(detail, '$.created') = 20 AND json_extract(detail, "
                                  "'$.seed') = 7"),
                   1);
  json_decref(a);
  json_decref(b);
  /* A second run has nothing left to do. */
  a = tu_call(&admin, "POST", "/api/v1/cycles/2/assignments/auto",
              "{\"per_unit\":4,\"apply\":true}", 200);
  ck_assert_int_eq(json_array_size(json_object_get(a, "proposed")), 0);
  ck_assert_int_eq(json_array_size(json_object_get(a, "short")), 0);
  ck_assert_int_eq(tu_int(a, "seed"), 2); /* the default: the cycle's id */
  json_decref(a);
  ck_assert_int_eq(
      tu_sqlf(d.dir, "SELECT count(*) FROM assignment WHERE cycle_id = 2 AND kind = 'review'"), 80);
  /* Refusals, each naming the field. */
  const struct {
    const char *body, *field;
  } bad[] = {
      {"{}", "per_unit"},
      {"{\"per_unit\":0}", "per_unit"},
      {"{\"per_unit\":21}", "per_unit"},
      {"{\"per_unit\":2,\"cap\":0}", "cap"},
      {"{\"per_unit\":2,\"cap\":10001}", "cap"},
      {"{\"per_unit\":2,\"seed\":-1}", "seed"},
      {"{\"per_unit\":2,\"apply\":\"yes\"}", "apply"},
      {"{\"per_unit\":2,\"extra\":1}", "extra"},
      {"{\"per_unit\":2,\"panels\":{}}", "panels"},
      {"{\"per_unit\":2,\"panels\":[{\"reviewers\":[],\"unit_kinds\":[\"town\"]}]}",
       "panels[0].reviewers"},
      {"{\"per_unit\":2,\"panels\":[{\"reviewers\":[\"reviewer1\",\"nobody\"],\"unit_kinds\":["
       "\"部门\"]}]}",
       "panels[0].reviewers[1]"},
      {"{\"per_unit\":2,\"panels\":[{\"reviewers\":[\"reviewer1\"],\"unit_kinds\":[\"town\"]},{"
       "\"reviewers\":[\"reviewer1\"],\"unit_kinds\":[\"星球\"]}]}",
       "panels[1].unit_kinds[0]"},
      {"{\"per_unit\":2,\"panels\":[{\"reviewers\":[\"reviewer1\"],\"unit_kinds\":[\"town\"],"
       "\"leader\":\"x\"}]}",
       "panels[0].leader"},
  };
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    a = tu_call(&admin, "POST", "/api/v1/cycles/2/assignments/auto", bad[k].body, 400);
    ck_assert_msg(tu_err_field(a) && !strcmp(tu_err_field(a), bad[k].field), "%s: field %s",
                  bad[k].body, tu_err_field(a));
    json_decref(a);
  }
  json_decref(
      tu_call(&admin, "POST", "/api/v1/cycles/999/assignments/auto", "{\"per_unit\":2}", 404));
  a = tu_call(&admin, "POST", "/api/v1/cycles/1/assignments/auto", "{\"per_unit\":2}", 409);
  ck_assert_ptr_nonnull(strstr(err_detail(a), "公示"));
  json_decref(a);
  ck_assert_int_eq(
      tu_sqlf(d.dir, "SELECT count(*) FROM assignment WHERE cycle_id = 2 AND kind = 'review'"), 80);
}
END_TEST

START_TEST(auto_cap_and_panels)
{
  /* Six units, six reviewers, two each with a cap of two: exactly enough. */
  long long c = new_cycle("[\"YL-SFJ\",\"YL-GAJ\",\"YL-SCJ\",\"YL-JYJ\",\"YL-WJJ\",\"YL-ZRJ\"]");
  char url[100];
  snprintf(url, sizeof url, "/api/v1/cycles/%lld/assignments/auto", c);
  json_t *j = tu_call(&admin, "POST", url, "{\"per_unit\":2,\"cap\":2}", 200);
  ck_assert_int_eq(json_array_size(json_object_get(j, "proposed")), 12);
  ck_assert_int_eq(json_array_size(json_object_get(j, "short")), 0);
  no_own_unit(j);
  size_t i;
  json_t *x;
  json_array_foreach(json_object_get(j, "load"), i, x) ck_assert_int_eq(tu_int(x, "after"), 2);
  json_decref(j);
  /* Three each with the same cap: 12 of 18, the rest reported short for the cap. */
  j = tu_call(&admin, "POST", url, "{\"per_unit\":3,\"cap\":2,\"apply\":true}", 200);
  ck_assert_int_eq(json_array_size(json_object_get(j, "proposed")), 12);
  long long missing = 0;
  json_array_foreach(json_object_get(j, "short"), i, x)
  {
    missing += tu_int(x, "missing");
    ck_assert_str_eq(str(x, "reason"), "cap");
    ck_assert_ptr_nonnull(strstr(str(x, "problem"), "上限"));
  }
  ck_assert_int_eq(missing, 6);
  json_decref(j);
  ck_assert_int_eq(tu_sqlf(d.dir,
                           "SELECT max(n) FROM (SELECT count(*) AS n FROM assignment WHERE "
                           "cycle_id = %lld GROUP BY user_id)",
                           c),
                   2);
  /* Panels: departments by reviewers 1 and 3, towns by 5 and 6, townships by nobody. */
  c = new_cycle("[\"YL-SFJ\",\"YL-GAJ\",\"YL-QSZ\",\"YL-LXZ\",\"YL-SMX\"]");
  snprintf(url, sizeof url, "/api/v1/cycles/%lld/assignments/auto", c);
  j = tu_call(
      &admin, "POST", url,
      "{\"per_unit\":2,\"apply\":true,\"panels\":[{\"name\":\"部门组\",\"reviewers\":["
      "\"reviewer1\",\"reviewer3\"],\"unit_kinds\":[\"部门\"]},{\"reviewers\":[\"reviewer5\","
      "\"reviewer6\"],\"unit_kinds\":[\"town\"]}]}",
      200);
  ck_assert_int_eq(json_array_size(json_object_get(j, "proposed")), 8);
  json_array_foreach(json_object_get(j, "proposed"), i, x)
  {
    int town = !strcmp(str(x, "unit"), "YL-QSZ") || !strcmp(str(x, "unit"), "YL-LXZ");
    const char *rv = str(x, "reviewer");
    if (town)
      ck_assert(!strcmp(rv, "reviewer5") || !strcmp(rv, "reviewer6"));
    else
      ck_assert(!strcmp(rv, "reviewer1") || !strcmp(rv, "reviewer3"));
  }
  json_t *s = json_object_get(j, "short");
  ck_assert_int_eq(json_array_size(s), 1);
  ck_assert_str_eq(str(json_array_get(s, 0), "unit"), "YL-SMX");
  ck_assert_str_eq(str(json_array_get(s, 0), "reason"), "panel");
  ck_assert_int_eq(tu_int(json_array_get(s, 0), "missing"), 2);
  ck_assert_ptr_nonnull(strstr(str(json_array_get(s, 0), "problem"), "乡"));
  json_decref(j);
  ck_assert_int_eq(tu_sqlf(d.dir, "SELECT count(*) FROM assignment WHERE cycle_id = %lld", c), 8);
}
END_TEST

/* ---- progress ---- */

/* Review sheets of cycle 2 by reviewer login (or unit code) and status (a LIKE pattern). */
#define REVIEWER_SHEETS                                                                            \
  "SELECT count(*) FROM assignment a JOIN user u ON u.id = a.user_id WHERE a.cycle_id = 2 AND "    \
  "a.kind = 'review' AND u.login = '%s' AND a.status LIKE '%s'"
#define UNIT_SHEETS                                                                                \
  "SELECT count(*) FROM assignment a JOIN unit un ON un.id = a.unit_id WHERE a.cycle_id = 2 AND "  \
  "a.kind = 'review' AND un.code = '%s' AND a.status LIKE '%s'"

START_TEST(progress_counts_and_late_list)
{
  json_t *p = tu_call(&admin, "GET", "/api/v1/cycles/2/progress", NULL, 200);
  ck_assert_int_eq(json_array_size(json_object_get(p, "reviewers")), 6);
  ck_assert_int_eq(json_array_size(json_object_get(p, "units")), 20);
  ck_assert_int_eq(tu_int(p, "review_deadline"), 1711900799);
  ck_assert(json_boolean_value(json_object_get(p, "overdue")) == (time(NULL) > 1711900799));
  /* Each reviewer's counts are what is stored (the demo's round robin is not quite even, and
   * the demo has sheets in progress and submitted). */
  size_t i;
  json_t *x;
  json_array_foreach(json_object_get(p, "reviewers"), i, x)
  {
    ck_assert_int_eq(tu_int(x, "assigned"), tu_sqlf(d.dir, REVIEWER_SHEETS, str(x, "login"), "%"));
    ck_assert_int_eq(tu_int(x, "not_started"),
                     tu_sqlf(d.dir, REVIEWER_SHEETS, str(x, "login"), "assigned"));
    ck_assert_int_eq(tu_int(x, "in_progress"),
                     tu_sqlf(d.dir, REVIEWER_SHEETS, str(x, "login"), "in_progress"));
    ck_assert_int_eq(tu_int(x, "submitted"),
                     tu_sqlf(d.dir, REVIEWER_SHEETS, str(x, "login"), "submitted"));
  }
  json_t *r = find(json_object_get(p, "reviewers"), "login", "reviewer1");
  long long n1 = tu_int(r, "assigned");
  ck_assert_int_eq(json_array_size(json_object_get(p, "late")), 6);
  ck_assert_int_eq(json_array_size(json_object_get(p, "recusals")), 0);
  json_decref(p);
  /* reviewer1 saves one sheet and submits another. */
  char u1[32], u2[32], path[200];
  unit_of("reviewer1", 0, u1);
  unit_of("reviewer1", 1, u2);
  snprintf(path, sizeof path, "/api/v1/cycles/2/units/%s/scores", u1);
  json_decref(
      tu_call(&rev1, "PUT", path, "{\"version\":0,\"items\":{\"1.1\":{\"points\":1}}}", 200));
  submit_sheet(&rev1, u2);
  p = tu_call(&admin, "GET", "/api/v1/cycles/2/progress", NULL, 200);
  r = find(json_object_get(p, "reviewers"), "login", "reviewer1");
  ck_assert_int_eq(tu_int(r, "assigned"), n1);
  ck_assert_int_eq(tu_int(r, "not_started"), n1 - 2);
  ck_assert_int_eq(tu_int(r, "in_progress"), 1);
  ck_assert_int_eq(tu_int(r, "submitted"), 1);
  ck_assert_int_eq(tu_int(r, "recused"), 0);
  json_t *u = find(json_object_get(p, "units"), "code", u1);
  ck_assert_int_eq(tu_int(u, "assigned"), 3);
  ck_assert_int_ge(tu_int(u, "in_progress"), 1);
  ck_assert_int_eq(tu_int(u, "in_progress"), tu_sqlf(d.dir, UNIT_SHEETS, u1, "in_progress"));
  ck_assert_int_eq(tu_int(u, "not_started"), tu_sqlf(d.dir, UNIT_SHEETS, u1, "assigned"));
  if (!tu_sqlf(d.dir,
               "SELECT count(*) FROM assignment a JOIN unit un ON un.id = a.unit_id WHERE "
               "a.cycle_id = 2 AND a.kind = 'self' AND un.code = '%s'",
               u1))
    ck_assert(json_is_null(json_object_get(u, "self")));
  ck_assert_str_ne(str(u, "kind"), "");
  u = find(json_object_get(p, "units"), "code", u2);
  ck_assert_int_eq(tu_int(u, "submitted"), 1);
  /* Late: most unsubmitted first; reviewer1 owes u1 but not u2. */
  json_t *late = json_object_get(p, "late");
  ck_assert_int_eq(json_array_size(late), 6);
  json_array_foreach(late, i, x)
  {
    ck_assert_int_eq(json_array_size(json_object_get(x, "units")), tu_int(x, "unsubmitted"));
    if (i)
      ck_assert_int_le(tu_int(x, "unsubmitted"),
                       tu_int(json_array_get(late, i - 1), "unsubmitted"));
  }
  json_t *mine = find(late, "login", "reviewer1");
  ck_assert_int_eq(tu_int(mine, "unsubmitted"), n1 - 1);
  int has_u1 = 0;
  json_array_foreach(json_object_get(mine, "units"), i, x)
  {
    ck_assert_str_ne(json_string_value(x), u2);
    has_u1 |= !strcmp(json_string_value(x), u1);
  }
  ck_assert(has_u1);
  json_decref(p);
  /* Only the office sees it; an unknown cycle is 404. */
  json_decref(tu_call(&rev1, "GET", "/api/v1/cycles/2/progress", NULL, 403));
  json_decref(tu_call(&admin, "GET", "/api/v1/cycles/999/progress", NULL, 404));
}
END_TEST

/* ---- recusal ---- */

START_TEST(recuse_then_reassign)
{
  char u[32], u2[32], u3[32], p[200], spath[200];
  unit_of("reviewer1", 0, u);
  unit_of("reviewer1", 1, u2);
  unit_of("reviewer1", 2, u3);
  long long id = sheet_id(2, u, "reviewer1");
  snprintf(p, sizeof p, "/api/v1/cycles/2/assignments/%lld/recuse", id);
  snprintf(spath, sizeof spath, "/api/v1/cycles/2/units/%s/scores", u);
  /* Refusals: no reason, an empty one, a wrong type, someone else's sheet, another cycle, the
   * office itself. */
  json_t *j = tu_call(&rev1, "POST", p, "{}", 400);
  ck_assert_str_eq(tu_err_field(j), "reason");
  json_decref(j);
  j = tu_call(&rev1, "POST", p, "{\"reason\":\" \xe3\x80\x80 \"}", 400);
  ck_assert_str_eq(tu_err_field(j), "reason");
  json_decref(j);
  json_decref(tu_call(&rev1, "POST", p, "{\"reason\":\"x\",\"conflict\":\"yes\"}", 400));
  char other[200];
  snprintf(other, sizeof other, "/api/v1/cycles/2/assignments/%lld/recuse",
           tu_sqlf(d.dir,
                   "SELECT min(a.id) FROM assignment a JOIN user u ON u.id = a.user_id WHERE "
                   "a.cycle_id = 2 AND u.login = 'reviewer3'"));
  json_decref(tu_call(&rev1, "POST", other, "{\"reason\":\"x\"}", 404));
  char wrong[200];
  snprintf(wrong, sizeof wrong, "/api/v1/cycles/1/assignments/%lld/recuse", id);
  json_decref(tu_call(&rev1, "POST", wrong, "{\"reason\":\"x\"}", 404));
  json_decref(tu_call(&admin, "POST", p, "{\"reason\":\"x\"}", 403));
  /* The reviewer recuses: the sheet is gone for them. */
  j = tu_call(&rev1, "POST", p, "{\"reason\":\"与该单位负责人有亲属关系\"}", 200);
  ck_assert_str_eq(str(json_object_get(j, "assignment"), "status"), "recused");
  json_decref(j);
  j = tu_call(&rev1, "POST", p, "{\"reason\":\"again\"}", 409);
  ck_assert_ptr_nonnull(strstr(err_detail(j), "已回避"));
  json_decref(j);
  json_decref(tu_call(&rev1, "GET", spath, NULL, 404));
  json_decref(
      tu_call(&rev1, "PUT", spath, "{\"version\":1,\"items\":{\"1.1\":{\"points\":1}}}", 404));
  ck_assert_int_eq(tu_sqlf(d.dir,
                           "SELECT count(*) FROM audit WHERE action = 'assignment.recuse' AND "
                           "object = 'assignment:%lld'",
                           id),
                   1);
  /* The office sees why, in the list and the progress view, and assigns someone else. */
  j = tu_call(&admin, "GET", "/api/v1/cycles/2/assignments", NULL, 200);
  size_t i;
  json_t *x;
  int seen = 0;
  json_array_foreach(json_object_get(j, "assignments"), i, x)
  {
    if (tu_int(x, "id") == id) {
      seen = 1;
      ck_assert_str_eq(str(x, "status"), "recused");
      ck_assert_str_eq(str(x, "recuse_reason"), "与该单位负责人有亲属关系");
    } else {
      ck_assert(json_is_null(json_object_get(x, "recuse_reason")));
    }
  }
  ck_assert(seen);
  json_decref(j);
  j = tu_call(&admin, "GET", "/api/v1/cycles/2/progress", NULL, 200);
  json_t *rc = json_array_get(json_object_get(j, "recusals"), 0);
  ck_assert_int_eq(tu_int(rc, "assignment"), id);
  ck_assert_str_eq(str(rc, "reason"), "与该单位负责人有亲属关系");
  ck_assert_str_eq(str(rc, "by"), "reviewer1");
  ck_assert_str_eq(str(rc, "unit"), u);
  json_t *un = find(json_object_get(j, "units"), "code", u);
  ck_assert_int_eq(tu_int(un, "assigned"), 2);
  ck_assert_int_eq(tu_int(un, "recused"), 1);
  json_decref(j);
  char body[200];
  snprintf(body, sizeof body, "{\"unit\":\"%s\",\"reviewer\":\"reviewer1\"}", u);
  json_decref(tu_call(&admin, "POST", "/api/v1/cycles/2/assignments", body, 409)); /* still on it */
  /* A reviewer not on the unit and not of it. */
  char login[32] = "";
  for (int k = 2; k <= 6 && !login[0]; k++) {
    char l[32];
    snprintf(l, sizeof l, "reviewer%d", k);
    if (!sheet_id(2, u, l) && !(k == 2 && !strcmp(u, "YL-SFJ")) &&
        !(k == 4 && !strcmp(u, "YL-SCJ")))
      snprintf(login, sizeof login, "%s", l);
  }
  ck_assert(login[0]);
  snprintf(body, sizeof body, "{\"unit\":\"%s\",\"reviewer\":\"%s\"}", u, login);
  json_decref(tu_call(&admin, "POST", "/api/v1/cycles/2/assignments", body, 201));
  /* The unit has its three again: automatic assignment has nothing to add. */
  j = tu_call(&admin, "POST", "/api/v1/cycles/2/assignments/auto", "{\"per_unit\":3}", 200);
  ck_assert_int_eq(json_array_size(json_object_get(j, "proposed")), 0);
  json_decref(j);
  /* A submitted sheet cannot be recused. */
  submit_sheet(&rev1, u2);
  snprintf(p, sizeof p, "/api/v1/cycles/2/assignments/%lld/recuse", sheet_id(2, u2, "reviewer1"));
  j = tu_call(&rev1, "POST", p, "{\"reason\":\"x\"}", 409);
  ck_assert_ptr_nonnull(strstr(err_detail(j), "已提交"));
  json_decref(j);
  /* Recusing with a conflict declares it for later cycles too. */
  snprintf(p, sizeof p, "/api/v1/cycles/2/assignments/%lld/recuse", sheet_id(2, u3, "reviewer1"));
  j = tu_call(&rev1, "POST", p, "{\"reason\":\"曾在该单位工作\",\"conflict\":true}", 200);
  ck_assert(json_is_true(json_object_get(j, "conflict")));
  json_decref(j);
  j = tu_call(&rev1, "GET", "/api/v1/conflicts", NULL, 200);
  ck_assert_int_eq(json_array_size(json_object_get(j, "conflicts")), 1);
  ck_assert_str_eq(str(json_array_get(json_object_get(j, "conflicts"), 0), "unit"), u3);
  ck_assert_str_eq(str(json_array_get(json_object_get(j, "conflicts"), 0), "declared_by"),
                   "reviewer1");
  json_decref(j);
  long long c = new_cycle(ALL_UNITS);
  snprintf(body, sizeof body, "{\"unit\":\"%s\",\"reviewer\":\"reviewer1\"}", u3);
  char ap[100];
  snprintf(ap, sizeof ap, "/api/v1/cycles/%lld/assignments", c);
  j = tu_call(&admin, "POST", ap, body, 400);
  ck_assert_ptr_nonnull(strstr(err_detail(j), "利益冲突"));
  json_decref(j);
}
END_TEST

/* ---- conflicts ---- */

START_TEST(conflicts_recuse_open_sheets_only)
{
  struct tu_user rev3, rev5, unit;
  tu_demo_login(&rev3, &d, "reviewer3");
  tu_demo_login(&rev5, &d, "reviewer5");
  tu_demo_login(&unit, &d, "unit-YL-SFJ");
  char x[32], y[32], body[300];
  unit_of("reviewer3", 0, x);
  /* reviewer3 also has X in a new (draft) cycle and in the closed 2022 cycle. */
  long long c = new_cycle(ALL_UNITS);
  char ap[100];
  snprintf(ap, sizeof ap, "/api/v1/cycles/%lld/assignments", c);
  snprintf(body, sizeof body, "{\"unit\":\"%s\",\"reviewer\":\"reviewer3\"}", x);
  json_decref(tu_call(&admin, "POST", ap, body, 201));
  char q[400];
  snprintf(q, sizeof q,
           "INSERT INTO assignment (cycle_id, unit_id, user_id, created_at, updated_at) SELECT 1, "
           "un.id, u.id, 0, 0 FROM unit un, user u WHERE un.code = '%s' AND u.login = "
           "'reviewer3'",
           x);
  tu_sql(d.dir, q);
  /* Refusals. */
  json_t *j =
      tu_call(&rev3, "POST", "/api/v1/conflicts", "{\"unit\":\"NOPE\",\"reason\":\"x\"}", 400);
  ck_assert_str_eq(tu_err_field(j), "unit");
  json_decref(j);
  j = tu_call(&rev3, "POST", "/api/v1/conflicts",
              "{\"reviewer\":\"reviewer5\",\"unit\":\"YL-GAJ\",\"reason\":\"x\"}", 400);
  ck_assert_str_eq(tu_err_field(j), "reviewer");
  json_decref(j);
  snprintf(body, sizeof body, "{\"unit\":\"%s\"}", x);
  json_decref(tu_call(&rev3, "POST", "/api/v1/conflicts", body, 400));
  json_decref(
      tu_call(&unit, "POST", "/api/v1/conflicts", "{\"unit\":\"YL-GAJ\",\"reason\":\"x\"}", 403));
  json_decref(tu_call(&unit, "GET", "/api/v1/conflicts", NULL, 403));
  /* Declared: the open sheets of cycle 2 and the draft cycle are recused, the closed one's not. */
  snprintf(body, sizeof body, "{\"unit\":\"%s\",\"reason\":\"配偶在该单位任职\"}", x);
  j = tu_call(&rev3, "POST", "/api/v1/conflicts", body, 201);
  ck_assert_str_eq(str(json_object_get(j, "conflict"), "unit"), x);
  ck_assert_str_eq(str(json_object_get(j, "conflict"), "reviewer"), "reviewer3");
  ck_assert_int_eq(json_array_size(json_object_get(j, "recused")), 2);
  json_decref(j);
  ck_assert_int_eq(
      tu_sqlf(d.dir,
              "SELECT count(*) FROM assignment a JOIN unit un ON un.id = a.unit_id JOIN "
              "user u ON u.id = a.user_id WHERE un.code = '%s' AND u.login = "
              "'reviewer3' AND a.status = 'recused' AND a.recuse_reason = "
              "'配偶在该单位任职' AND a.cycle_id IN (2, %lld)",
              x, c),
      2);
  ck_assert_int_eq(tu_sqlf(d.dir,
                           "SELECT count(*) FROM assignment a JOIN unit un ON un.id = a.unit_id "
                           "WHERE un.code = '%s' AND a.cycle_id = 1 AND a.status = 'assigned'",
                           x),
                   1);
  ck_assert_int_eq(tu_sqlf(d.dir, "SELECT count(*) FROM audit WHERE action = 'assignment.recuse'"),
                   2);
  json_decref(tu_call(&rev3, "POST", "/api/v1/conflicts", body, 409));
  /* The office declares one for reviewer5 on a unit whose sheet reviewer5 already submitted:
   * a submitted sheet stays. */
  unit_of("reviewer5", 0, y);
  submit_sheet(&rev5, y);
  snprintf(body, sizeof body,
           "{\"reviewer\":\"reviewer5\",\"unit\":\"%s\",\"reason\":\"利害关系\"}", y);
  j = tu_call(&admin, "POST", "/api/v1/conflicts", body, 201);
  ck_assert_int_eq(json_array_size(json_object_get(j, "recused")), 0);
  ck_assert_str_eq(str(json_object_get(j, "conflict"), "declared_by"), "admin");
  json_decref(j);
  ck_assert_int_eq(tu_sqlf(d.dir,
                           "SELECT count(*) FROM assignment WHERE id = %lld AND status = "
                           "'submitted'",
                           sheet_id(2, y, "reviewer5")),
                   1);
  j = tu_call(&admin, "POST", "/api/v1/conflicts", "{\"unit\":\"YL-GAJ\",\"reason\":\"x\"}", 400);
  ck_assert_str_eq(tu_err_field(j), "reviewer");
  json_decref(j);
  j = tu_call(&admin, "POST", "/api/v1/conflicts",
              "{\"reviewer\":\"unit-YL-SFJ\",\"unit\":\"YL-GAJ\",\"reason\":\"x\"}", 400);
  ck_assert_str_eq(tu_err_field(j), "reviewer");
  json_decref(j);
  /* Each reviewer sees their own; the office sees all. */
  j = tu_call(&rev3, "GET", "/api/v1/conflicts", NULL, 200);
  ck_assert_int_eq(json_array_size(json_object_get(j, "conflicts")), 1);
  json_decref(j);
  j = tu_call(&admin, "GET", "/api/v1/conflicts", NULL, 200);
  ck_assert_int_eq(json_array_size(json_object_get(j, "conflicts")), 2);
  json_decref(j);
  /* Automatic assignment of the new cycle never gives reviewer3 unit X again. */
  snprintf(ap, sizeof ap, "/api/v1/cycles/%lld/assignments/auto", c);
  j = tu_call(&admin, "POST", ap, "{\"per_unit\":3}", 200);
  size_t i;
  json_t *e;
  json_array_foreach(json_object_get(j, "proposed"), i, e)
  {
    ck_assert(!(!strcmp(str(e, "unit"), x) && !strcmp(str(e, "reviewer"), "reviewer3")));
    ck_assert(!(!strcmp(str(e, "unit"), y) && !strcmp(str(e, "reviewer"), "reviewer5")));
  }
  ck_assert_int_eq(json_array_size(json_object_get(j, "proposed")), 60);
  json_decref(j);
}
END_TEST

/* ---- reopening ---- */

START_TEST(reopen_review_and_self_sheets)
{
  char u[32], p[200], spath[200];
  unit_of("reviewer1", 0, u);
  submit_sheet(&rev1, u);
  long long id = sheet_id(2, u, "reviewer1");
  long long v = tu_sqlf(d.dir, "SELECT sheet_version FROM assignment WHERE id = %lld", id);
  snprintf(p, sizeof p, "/api/v1/cycles/2/assignments/%lld/reopen", id);
  snprintf(spath, sizeof spath, "/api/v1/cycles/2/units/%s/scores", u);
  json_t *j = tu_call(&admin, "POST", p, "{}", 400);
  ck_assert_str_eq(tu_err_field(j), "reason");
  json_decref(j);
  json_decref(tu_call(&rev1, "POST", p, "{\"reason\":\"x\"}", 403));
  char q[200];
  snprintf(q, sizeof q, "/api/v1/cycles/1/assignments/%lld/reopen", id);
  json_decref(tu_call(&admin, "POST", q, "{\"reason\":\"x\"}", 404));
  json_decref(tu_call(&admin, "POST", "/api/v1/cycles/2/assignments/99999/reopen",
                      "{\"reason\":\"x\"}", 404));
  /* Reopened: back in progress with a new version, editable again, audited with the reason. */
  j = tu_call(&admin, "POST", p, "{\"reason\":\"1.1 的评分依据引用有误，请核对\"}", 200);
  ck_assert_str_eq(str(json_object_get(j, "assignment"), "status"), "in_progress");
  ck_assert_int_eq(tu_int(json_object_get(j, "assignment"), "version"), v + 1);
  json_decref(j);
  j = tu_call(&rev1, "GET", spath, NULL, 200);
  ck_assert_str_eq(str(json_object_get(j, "sheet"), "status"), "in_progress");
  ck_assert_int_eq(tu_int(json_object_get(j, "sheet"), "version"), v + 1);
  json_decref(j);
  char body[200];
  snprintf(body, sizeof body, "{\"version\":%lld,\"items\":{\"1.1\":{\"points\":1}}}", v + 1);
  json_decref(tu_call(&rev1, "PUT", spath, body, 200));
  ck_assert_int_eq(
      tu_sqlf(d.dir,
              "SELECT count(*) FROM audit WHERE action = 'assignment.reopen' AND object "
              "= 'assignment:%lld' AND json_extract(detail, '$.reason') = '1.1 "
              "的评分依据引用有误，请核对'",
              id),
      1);
  ck_assert_int_eq(tu_sqlf(d.dir,
                           "SELECT count(*) FROM assignment_reopen WHERE assignment_id = %lld AND "
                           "version = %lld AND submitted_at IS NOT NULL",
                           id, v + 1),
                   1);
  j = tu_call(&admin, "POST", p, "{\"reason\":\"x\"}", 409);
  ck_assert_ptr_nonnull(strstr(err_detail(j), "已提交"));
  json_decref(j);
  /* A unit's submitted self-assessment, in the submission phase. */
  tu_sql(d.dir, "INSERT INTO assignment (cycle_id, unit_id, user_id, kind, status, sheet_version, "
                "submitted_at, created_at, updated_at) SELECT 2, un.id, u.id, 'self', "
                "'submitted', 3, 1700000000, 0, 0 FROM unit un, user u WHERE un.code = 'YL-SFJ' "
                "AND u.login = 'unit-YL-SFJ'");
  long long self = tu_sqlf(d.dir, "SELECT id FROM assignment WHERE kind = 'self' AND cycle_id = 2");
  snprintf(p, sizeof p, "/api/v1/cycles/2/assignments/%lld/reopen", self);
  j = tu_call(&admin, "POST", p, "{\"reason\":\"自评得分与佐证不符\"}", 409); /* in review */
  ck_assert_ptr_nonnull(strstr(err_detail(j), "自评"));
  json_decref(j);
  tu_sql(d.dir, "UPDATE cycle SET phase = 'submission' WHERE id = 2");
  j = tu_call(&admin, "POST", p, "{\"reason\":\"自评得分与佐证不符\"}", 200);
  ck_assert_int_eq(tu_int(json_object_get(j, "assignment"), "version"), 4);
  ck_assert_str_eq(str(json_object_get(j, "assignment"), "kind"), "self");
  json_decref(j);
  struct tu_user unit;
  tu_demo_login(&unit, &d, "unit-YL-SFJ");
  json_decref(tu_call(&unit, "PUT", "/api/v1/cycles/2/units/YL-SFJ/scores",
                      "{\"version\":4,\"items\":{\"1.1\":{\"points\":1}}}", 200));
}
END_TEST

/* ---- a closed cycle ---- */

/* The demo's 2022 cycle is closed: its assignments, late uploads and unit accounts no longer
 * change (publication allows unit accounts, which units need to read their results). */
START_TEST(closed_cycle_is_read_only)
{
  json_t *e = tu_call(&admin, "POST", "/api/v1/cycles/1/assignments",
                      "{\"unit\":\"YL-GAJ\",\"reviewer\":\"reviewer1\"}", 409);
  ck_assert_str_eq(json_string_value(json_object_get(json_object_get(e, "error"), "code")),
                   "E_NOT_OPEN");
  json_decref(e);
  char p[120];
  snprintf(p, sizeof p, "/api/v1/cycles/1/assignments/%lld",
           tu_sqlf(d.dir, "SELECT min(id) FROM assignment WHERE cycle_id = 1"));
  long long before = tu_sqlf(d.dir, "SELECT count(*) FROM assignment WHERE cycle_id = 1");
  ck_assert_int_gt(before, 0);
  json_decref(tu_call(&admin, "DELETE", p, NULL, 409));
  ck_assert_int_eq(tu_sqlf(d.dir, "SELECT count(*) FROM assignment WHERE cycle_id = 1"), before);
  json_decref(tu_call(&admin, "POST", "/api/v1/cycles/1/units/YL-GAJ/late-upload",
                      "{\"until\":1893456000}", 409));
  json_decref(tu_call(&admin, "POST", "/api/v1/cycles/1/unit-accounts", NULL, 409));
  json_decref(
      tu_call(&admin, "POST", "/api/v1/cycles/1/assignments/auto", "{\"per_unit\":1}", 409));
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("assign");
  TCase *tc = tcase_create("assign");
  tcase_add_checked_fixture(tc, start, stop);
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, import_csv_preview_refusal_and_apply);
  tcase_add_test(tc, import_gb18030_names_and_xlsx);
  tcase_add_test(tc, auto_seeded_preview_apply_and_rerun);
  tcase_add_test(tc, auto_cap_and_panels);
  tcase_add_test(tc, progress_counts_and_late_list);
  tcase_add_test(tc, recuse_then_reassign);
  tcase_add_test(tc, conflicts_recuse_open_sheets_only);
  tcase_add_test(tc, reopen_review_and_self_sheets);
  tcase_add_test(tc, closed_cycle_is_read_only);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return tu_run_suite(suite());
}
