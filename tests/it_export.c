/*
 * it_export.c - the result downloads against the real daemon with demo data (cycle 2, where
 * reviewer3 has submitted sheets): the CSV starts with a UTF-8 BOM, parses (RFC 4180, a small
 * parser below), has the summary header and one line per unit, and its totals, ranks and
 * grades equal GET /api/v1/cycles/2/results; the XLSX, read back as the zip of XML it is
 * (zipsafe.h), has the sheets 汇总, 明细 and 评审意见, frozen header rows, the totals of the
 * results as numbers, one 明细 row per score of a submitted sheet with the same points as the
 * database, and one 评审意见 row per comment; the JSON parses and holds the same results and
 * scores; a new cycle without sheets gives valid files with header rows; a reviewer gets 403,
 * an unknown method 400, an unknown cycle 404. A unit's 评分表 (scoresheet.xlsx, the first
 * ranked unit of cycle 2, scored by reviewer3): 综合 and one sheet per submitted sheet, merged
 * cells, A4 landscape, one number per leaf scored plus the 合计, a stored score among them;
 * a unit without sheets gets 综合 alone saying so; 404 outside the cycle, 403 for a reviewer.
 * Last, a big cycle (KAOPING_EXPORT_SHEETS extra
 * sheets, 1500 by default, ~30 scores each) filled by SQL is exported in every format and the
 * daemon's memory (VmRSS, VmHWM from /proc) and the time are printed, not asserted.
 */
#include "testutil.h"

#include "err.h"
#include "zipsafe.h"

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct tu_daemon d;
static struct tu_user admin, rev;

static void start(void)
{
  tu_start_demo(&d);
  tu_demo_login(&admin, &d, "admin");
  tu_demo_login(&rev, &d, "reviewer1");
}

static void stop(void)
{
  tu_stop_clean(&d);
}

/* GET PATH as the admin (or with the cookie jar COOKIES), asserting status WANT; the response in
 * *R. */
static void get(const char *path, const char *cookies, long want, struct tu_resp *r)
{
  char url[600];
  snprintf(url, sizeof url, "%s%s", d.url, path);
  ck_assert_int_eq(tu_http("GET", url, NULL, NULL, 0, cookies ? cookies : admin.jar, r), 0);
  ck_assert_msg(r->status == want, "GET %s: %ld, want %ld: %.300s", path, r->status, want, r->body);
}

/* The "results" object of GET /api/v1/cycles/CYCLE/results (caller decrefs). */
static json_t *results_of(long long cycle)
{
  char path[100];
  snprintf(path, sizeof path, "/api/v1/cycles/%lld/results", cycle);
  json_t *j = tu_call(&admin, "GET", path, NULL, 200);
  json_t *res = json_incref(json_object_get(j, "results"));
  json_decref(j);
  ck_assert_ptr_nonnull(res);
  return res;
}

/* ---- a small RFC 4180 reader ---- */

/* Parses the CSV text S (N bytes, after the BOM) into an array of rows, each an array of
 * strings. Fields may be quoted ("" inside is a quote, CR and LF allowed); lines end with CRLF.
 * NULL when a quote is unbalanced. */
static json_t *csv_parse(const char *s, size_t n)
{
  json_t *rows = json_array(), *row = json_array();
  char *f = malloc(n + 1);
  size_t i = 0, k = 0;
  int quoted = 0, any = 0;
  while (i < n) {
    char c = s[i];
    if (quoted) {
      if (c == '"' && i + 1 < n && s[i + 1] == '"') {
        f[k++] = '"';
        i += 2;
      } else if (c == '"') {
        quoted = 0;
        i++;
      } else {
        f[k++] = c;
        i++;
      }
      continue;
    }
    if (c == '"') {
      quoted = 1;
      any = 1;
      i++;
    } else if (c == ',' || c == '\r' || c == '\n') {
      json_array_append_new(row, json_stringn(f, k));
      k = 0;
      if (c != ',') {
        ck_assert_msg(c == '\r' && i + 1 < n && s[i + 1] == '\n', "line not ended by CRLF");
        json_array_append_new(rows, row);
        row = json_array();
        i++;
      }
      i++;
      any = 0;
    } else {
      f[k++] = c;
      any = 1;
      i++;
    }
  }
  free(f);
  if (quoted || any || json_array_size(row)) { /* the last line must end with CRLF */
    json_decref(row);
    json_decref(rows);
    return NULL;
  }
  json_decref(row);
  return rows;
}

/* ---- reading an XLSX back ---- */

/* The entry NAME of the zip at PATH (malloc'd, NUL-terminated; caller frees) or NULL. */
static char *zip_entry(const char *path, const char *name)
{
  struct zipsafe *z = NULL;
  const char *detail = NULL;
  char *buf = NULL;
  size_t len, i;
  ck_assert_msg(zipsafe_open(path, &z, &detail) == E_OK, "not a zip: %s", detail);
  if (zipsafe_find(z, name, &i) == E_OK)
    ck_assert_int_eq(zipsafe_read(z, i, (size_t)200 << 20, &buf, &len, &detail), E_OK);
  zipsafe_close(z);
  return buf;
}

/* Decodes the XML text S..E (entities &amp; &lt; &gt; &quot; &apos;) into a new string. */
static json_t *xml_text(const char *s, const char *e)
{
  char *t = malloc((size_t)(e - s) + 1);
  size_t k = 0;
  static const char *const ent[][2] = {
      {"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}};
  while (s < e) {
    int done = 0;
    for (int j = 0; j < 5 && !done; j++)
      if (!strncmp(s, ent[j][0], strlen(ent[j][0]))) {
        t[k++] = ent[j][1][0];
        s += strlen(ent[j][0]);
        done = 1;
      }
    if (!done) t[k++] = *s++;
  }
  json_t *j = json_stringn(t, k);
  free(t);
  return j;
}

/* The rows of worksheet XML X as an array of objects {"A": value, "B": …} (strings for inline
 * strings, numbers for numeric cells; empty cells absent). Row 1 is the header. */
static json_t *sheet_rows(const char *x)
{
  json_t *rows = json_array();
  const char *p = strstr(x, "<sheetData");
  ck_assert_ptr_nonnull(p);
  while ((p = strstr(p, "<row ")) != NULL) {
    const char *end = strstr(p, "</row>"), *self = strstr(p, "/>");
    json_t *row = json_object();
    json_array_append_new(rows, row);
    if (self && (!end || self < strchr(p, '>') + 1)) { /* <row .../> */
      p = self;
      continue;
    }
    const char *c = p;
    while ((c = strstr(c, "<c ")) != NULL && c < end) {
      const char *r = strstr(c, " r=\"") + 4, *close = strchr(c, '>');
      char col[8] = {0};
      for (int k = 0; k < 7 && r[k] >= 'A' && r[k] <= 'Z'; k++) col[k] = r[k];
      const char *cend = strstr(c, "</c>");
      if (close[-1] == '/' || !cend || cend > end) { /* an empty, styled cell */
        c = close;
        continue;
      }
      const char *t = strstr(c, "<t"), *v = strstr(c, "<v>");
      if (t && t < cend) {
        t = strchr(t, '>') + 1;
        json_object_set_new(row, col, xml_text(t, strstr(t, "</t>")));
      } else if (v && v < cend) {
        json_object_set_new(row, col, json_real(strtod(v + 3, NULL)));
      }
      c = cend;
    }
    p = end;
  }
  return rows;
}

/* Writes BODY (N bytes) to DIR/NAME and returns the path (static). */
static const char *save(const char *name, const char *body, size_t n)
{
  static char path[400];
  snprintf(path, sizeof path, "%s/%s", d.dir, name);
  tu_spit(path, body, n);
  return path;
}

/* Long-double-free comparison of two 2-decimal figures. */
static int same(double a, double b)
{
  return a - b < 0.005 && b - a < 0.005;
}

/* The number of detail rows the database holds for CYCLE (the rows 明细 must list). */
static long long detail_count(long long cycle, const char *extra)
{
  char q[1200];
  snprintf(q, sizeof q,
           "SELECT count(*) FROM score s JOIN assignment a ON a.id = s.assignment_id JOIN "
           "indicator i ON i.id = s.indicator_id WHERE a.cycle_id = %lld AND a.kind = 'review' "
           "AND a.status = 'submitted' AND (i.kind = 'item' OR coalesce(s.count, 0) > 0 OR "
           "s.veto = 1 OR s.comment <> '') %s",
           cycle, extra);
  return tu_sql_int(d.dir, q);
}

START_TEST(csv_matches_results)
{
  json_t *res = results_of(2);
  json_t *units = json_object_get(res, "units"), *areas = json_object_get(res, "areas");
  ck_assert_int_gt(json_array_size(units), 0);
  struct tu_resp r;
  get("/api/v1/cycles/2/export.csv", NULL, 200, &r);
  ck_assert_str_eq(tu_header(&r, "Content-Type"), "text/csv; charset=utf-8");
  const char *cd = tu_header(&r, "Content-Disposition");
  ck_assert_ptr_nonnull(strstr(cd, "filename*=UTF-8''"));
  ck_assert_ptr_nonnull(strstr(cd, ".csv"));
  ck_assert_int_ge(r.len, 3);
  ck_assert_msg(!memcmp(r.body, "\xEF\xBB\xBF", 3), "no BOM");
  json_t *rows = csv_parse(r.body + 3, r.len - 3);
  ck_assert_msg(rows != NULL, "the CSV does not parse");
  json_t *head = json_array_get(rows, 0);
  const char *want[] = {"单位代码", "单位名称", "单位类别", "总分", "排名", "等次"};
  ck_assert_int_eq(json_array_size(head), 6 + json_array_size(areas));
  for (size_t c = 0; c < 6; c++)
    ck_assert_str_eq(json_string_value(json_array_get(head, c)), want[c]);
  for (size_t a = 0; a < json_array_size(areas); a++)
    ck_assert_str_eq(json_string_value(json_array_get(head, 6 + a)),
                     json_string_value(json_object_get(json_array_get(areas, a), "name")));
  ck_assert_int_eq(json_array_size(rows), 1 + json_array_size(units));
  size_t i, ranked = 0;
  json_t *u;
  json_array_foreach(units, i, u)
  {
    json_t *row = json_array_get(rows, i + 1);
    ck_assert_int_eq(json_array_size(row), json_array_size(head));
    ck_assert_str_eq(json_string_value(json_array_get(row, 0)),
                     json_string_value(json_object_get(u, "code")));
    ck_assert_str_eq(json_string_value(json_array_get(row, 1)),
                     json_string_value(json_object_get(u, "name")));
    const char *total = json_string_value(json_array_get(row, 3));
    json_t *jt = json_object_get(u, "total");
    if (json_is_number(jt)) {
      ranked++;
      ck_assert_msg(same(strtod(total, NULL), json_number_value(jt)), "%s: %s vs %g",
                    json_string_value(json_object_get(u, "code")), total, json_number_value(jt));
      ck_assert_int_eq(atoll(json_string_value(json_array_get(row, 4))),
                       json_integer_value(json_object_get(u, "rank")));
      ck_assert_str_eq(json_string_value(json_array_get(row, 5)),
                       json_string_value(json_object_get(u, "grade")));
      json_t *ua = json_object_get(u, "areas");
      for (size_t a = 0; a < json_array_size(areas); a++) {
        const char *cell = json_string_value(json_array_get(row, 6 + a));
        if (json_is_number(json_array_get(ua, a)))
          ck_assert(same(strtod(cell, NULL), json_number_value(json_array_get(ua, a))));
        else
          ck_assert_str_eq(cell, "");
      }
    } else {
      ck_assert_str_eq(total, "");
    }
  }
  ck_assert_int_gt(ranked, 0); /* reviewer3's sheets give totals */
  printf("export.csv of cycle 2: %zu bytes, %zu units, %zu with a total\n", r.len,
         json_array_size(units), ranked);
  json_decref(rows);
  tu_resp_free(&r);
  json_decref(res);
}
END_TEST

/* The detail CSV (?sheet=detail): one line per detail row in 明细's columns, in the order of
 * unit code, the rubric tree and the login, the same rows as the XLSX's 明细; bad parameters. */
START_TEST(csv_detail)
{
  struct tu_resp r;
  get("/api/v1/cycles/2/export.csv?sheet=detail", NULL, 200, &r);
  ck_assert_str_eq(tu_header(&r, "Content-Type"), "text/csv; charset=utf-8");
  ck_assert_ptr_nonnull(strstr(tu_header(&r, "Content-Disposition"), "%E6%98%8E%E7%BB%86.csv"));
  ck_assert(r.len > 3 && !memcmp(r.body, "\xEF\xBB\xBF", 3));
  json_t *rows = csv_parse(r.body + 3, r.len - 3);
  ck_assert_int_eq(json_array_size(rows), 1 + detail_count(2, ""));
  json_t *head = json_array_get(rows, 0);
  const char *want[] = {"单位代码", "单位名称", "指标编号", "指标名称", "评审人", "得分", "评语"};
  ck_assert_int_eq(json_array_size(head), 7);
  for (size_t c = 0; c < 7; c++)
    ck_assert_str_eq(json_string_value(json_array_get(head, c)), want[c]);
  /* units in code order; every score of a unit together; a number or 不适用 for items */
  const char *prev = "";
  size_t i, items = 0;
  json_t *row;
  json_array_foreach(rows, i, row)
  {
    if (!i) continue;
    const char *unit = json_string_value(json_array_get(row, 0));
    ck_assert_msg(strcmp(prev, unit) <= 0, "unit %s after %s", unit, prev);
    prev = unit;
    double x;
    const char *score = json_string_value(json_array_get(row, 5));
    if (sscanf(score, "%lf", &x) == 1) items++;
  }
  ck_assert_int_eq(items, detail_count(2, "AND i.kind = 'item' AND s.points IS NOT NULL AND "
                                          "s.na = 0"));
  json_decref(rows);
  tu_resp_free(&r);
  /* the same rows as the summary's method-free detail: a method, an unknown sheet, or a sheet
   * on another format are refused */
  const char *bad[] = {"/api/v1/cycles/2/export.csv?sheet=detail&method=median",
                       "/api/v1/cycles/2/export.csv?sheet=scores",
                       "/api/v1/cycles/2/export.xlsx?sheet=detail"};
  for (size_t k = 0; k < 3; k++) {
    get(bad[k], NULL, 400, &r);
    json_t *e = json_loads(r.body, 0, NULL);
    ck_assert_str_eq(tu_err_field(e), k ? "sheet" : "method");
    json_decref(e);
    tu_resp_free(&r);
  }
  get("/api/v1/cycles/2/export.csv?sheet=summary", NULL, 200, &r);
  ck_assert_ptr_nonnull(strstr(r.body, "总分"));
  tu_resp_free(&r);
}
END_TEST

START_TEST(xlsx_read_back)
{
  json_t *res = results_of(2);
  json_t *units = json_object_get(res, "units");
  size_t nareas = json_array_size(json_object_get(res, "areas"));
  struct tu_resp r;
  get("/api/v1/cycles/2/export.xlsx", NULL, 200, &r);
  ck_assert_str_eq(tu_header(&r, "Content-Type"),
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  ck_assert_ptr_nonnull(strstr(tu_header(&r, "Content-Disposition"), ".xlsx"));
  const char *path = save("export.xlsx", r.body, r.len);
  char *wb = zip_entry(path, "xl/workbook.xml");
  ck_assert_ptr_nonnull(wb);
  const char *s1 = strstr(wb, "<sheet name=\"汇总\""), *s2 = strstr(wb, "<sheet name=\"明细\""),
             *s3 = strstr(wb, "<sheet name=\"评审意见\"");
  ck_assert_msg(s1 && s2 && s3 && s1 < s2 && s2 < s3, "sheets: %s", wb);
  free(wb);

  /* 汇总: frozen header, the results' totals and ranks as numbers, a note for no sheets. */
  char *x1 = zip_entry(path, "xl/worksheets/sheet1.xml");
  ck_assert_ptr_nonnull(strstr(x1, "ySplit=\"1\""));
  ck_assert_ptr_nonnull(strstr(x1, "state=\"frozen\""));
  json_t *rows = sheet_rows(x1);
  ck_assert_int_eq(json_array_size(rows), 1 + json_array_size(units));
  json_t *head = json_array_get(rows, 0);
  ck_assert_str_eq(json_string_value(json_object_get(head, "D")), "总分");
  char last[3] = {(char)('A' + 6 + nareas), 0};
  ck_assert_str_eq(json_string_value(json_object_get(head, last)), "备注");
  size_t i, checked = 0;
  json_t *u;
  json_array_foreach(units, i, u)
  {
    json_t *row = json_array_get(rows, i + 1);
    ck_assert_str_eq(json_string_value(json_object_get(row, "A")),
                     json_string_value(json_object_get(u, "code")));
    json_t *total = json_object_get(u, "total");
    if (json_is_number(total)) {
      ck_assert_msg(json_is_real(json_object_get(row, "D")), "total is not a number cell");
      ck_assert(same(json_real_value(json_object_get(row, "D")), json_number_value(total)));
      ck_assert(same(json_real_value(json_object_get(row, "E")),
                     (double)json_integer_value(json_object_get(u, "rank"))));
      checked++;
    } else {
      ck_assert_ptr_null(json_object_get(row, "D"));
      ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(row, last)), "暂无"));
    }
  }
  ck_assert_int_gt(checked, 0);
  json_decref(rows);
  free(x1);

  /* 明细: one row per score, and the points add up to the database's. */
  char *x2 = zip_entry(path, "xl/worksheets/sheet2.xml");
  ck_assert_ptr_nonnull(strstr(x2, "state=\"frozen\""));
  rows = sheet_rows(x2);
  long long want = detail_count(2, "");
  ck_assert_int_gt(want, 0);
  ck_assert_int_eq(json_array_size(rows), 1 + want);
  ck_assert_str_eq(json_string_value(json_object_get(json_array_get(rows, 0), "F")), "得分");
  double sum = 0;
  json_t *row;
  json_array_foreach(rows, i, row) if (i && json_is_real(json_object_get(row, "F"))) sum +=
      json_real_value(json_object_get(row, "F"));
  long long cents =
      tu_sql_int(d.dir, "SELECT CAST(round(sum(s.points) * 100) AS INTEGER) FROM score s JOIN "
                        "assignment a ON a.id = s.assignment_id JOIN indicator i ON i.id = "
                        "s.indicator_id WHERE a.cycle_id = 2 AND a.kind = 'review' AND a.status "
                        "= 'submitted' AND i.kind = 'item' AND s.na = 0");
  ck_assert_msg(same(sum, (double)cents / 100), "明细 sum %.2f, database %.2f", sum,
                (double)cents / 100);
  /* ordered by unit code */
  for (i = 2; i < json_array_size(rows); i++)
    ck_assert(strcmp(json_string_value(json_object_get(json_array_get(rows, i - 1), "A")),
                     json_string_value(json_object_get(json_array_get(rows, i), "A"))) <= 0);
  json_decref(rows);
  free(x2);

  /* 评审意见: the comments only. */
  char *x3 = zip_entry(path, "xl/worksheets/sheet3.xml");
  rows = sheet_rows(x3);
  ck_assert_int_eq(json_array_size(rows), 1 + detail_count(2, "AND s.comment <> ''"));
  ck_assert_str_eq(json_string_value(json_object_get(json_array_get(rows, 0), "D")), "评语");
  printf("export.xlsx of cycle 2: %zu bytes, 明细 %lld rows, 评审意见 %zu rows\n", r.len, want,
         json_array_size(rows) - 1);
  json_decref(rows);
  free(x3);
  tu_resp_free(&r);
  json_decref(res);
}
END_TEST

START_TEST(json_matches)
{
  json_t *res = results_of(2);
  struct tu_resp r;
  get("/api/v1/cycles/2/export.json", NULL, 200, &r);
  ck_assert_str_eq(tu_header(&r, "Content-Type"), "application/json; charset=utf-8");
  json_error_t err;
  json_t *j = json_loadb(r.body, r.len, JSON_REJECT_DUPLICATES, &err);
  ck_assert_msg(j != NULL, "export.json: %s at %d", err.text, err.line);
  ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j, "cycle"), "id")), 2);
  ck_assert_msg(json_equal(json_object_get(j, "results"), res), "results differ");
  json_t *scores = json_object_get(j, "scores");
  ck_assert_int_eq(json_array_size(scores), detail_count(2, ""));
  json_t *s0 = json_array_get(scores, 0);
  ck_assert_ptr_nonnull(json_object_get(s0, "unit"));
  ck_assert_ptr_nonnull(json_object_get(s0, "points"));
  ck_assert_str_eq(json_string_value(json_object_get(s0, "reviewer")), "reviewer3");
  json_decref(j);
  tu_resp_free(&r);
  json_decref(res);
}
END_TEST

START_TEST(empty_cycle_and_errors)
{
  json_t *c = tu_call(&admin, "POST", "/api/v1/cycles",
                      "{\"year\":2024,\"title\":\"2024年度考核\",\"rubric_id\":1}", 201);
  long long id = json_integer_value(json_object_get(json_object_get(c, "cycle"), "id"));
  json_decref(c);
  long long nunits =
      tu_sql_int(d.dir, "SELECT count(*) FROM cycle_unit WHERE cycle_id = (SELECT max(id) FROM "
                        "cycle)");
  char path[200];
  struct tu_resp r;
  snprintf(path, sizeof path, "/api/v1/cycles/%lld/export.csv", id);
  get(path, NULL, 200, &r);
  ck_assert(!memcmp(r.body, "\xEF\xBB\xBF", 3));
  json_t *rows = csv_parse(r.body + 3, r.len - 3);
  ck_assert_ptr_nonnull(rows);
  ck_assert_int_eq(json_array_size(rows), 1 + nunits); /* every unit, with empty totals */
  ck_assert_str_eq(json_string_value(json_array_get(json_array_get(rows, 0), 0)), "单位代码");
  ck_assert_str_eq(json_string_value(json_array_get(json_array_get(rows, 1), 3)), "");
  json_decref(rows);
  tu_resp_free(&r);

  snprintf(path, sizeof path, "/api/v1/cycles/%lld/export.xlsx", id);
  get(path, NULL, 200, &r);
  const char *file = save("empty.xlsx", r.body, r.len);
  for (int s = 1; s <= 3; s++) {
    char entry[64];
    snprintf(entry, sizeof entry, "xl/worksheets/sheet%d.xml", s);
    char *x = zip_entry(file, entry);
    ck_assert_ptr_nonnull(x);
    rows = sheet_rows(x);
    ck_assert_int_eq(json_array_size(rows), s == 1 ? 1 + nunits : 1); /* header only */
    ck_assert_int_gt(json_object_size(json_array_get(rows, 0)), 3);
    json_decref(rows);
    free(x);
  }
  tu_resp_free(&r);

  snprintf(path, sizeof path, "/api/v1/cycles/%lld/export.json", id);
  get(path, NULL, 200, &r);
  json_t *j = json_loadb(r.body, r.len, 0, NULL);
  ck_assert_ptr_nonnull(j);
  ck_assert_int_eq(json_array_size(json_object_get(j, "scores")), 0);
  ck_assert(json_is_true(json_object_get(json_object_get(j, "results"), "empty")));
  json_decref(j);
  tu_resp_free(&r);

  /* errors */
  get("/api/v1/cycles/2/export.csv", rev.jar, 403, &r);
  tu_resp_free(&r);
  get("/api/v1/cycles/2/export.xlsx?method=average", NULL, 400, &r);
  j = json_loads(r.body, 0, NULL);
  ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "error"), "field")),
                   "method");
  json_decref(j);
  tu_resp_free(&r);
  get("/api/v1/cycles/999/export.json", NULL, 404, &r);
  tu_resp_free(&r);
  get("/api/v1/cycles/2/export.csv?method=median", NULL, 200, &r);
  tu_resp_free(&r);
}
END_TEST

/* The numbers of the 得分 column (E) of worksheet XML X into OUT (at most CAP), in row order:
 * cells with a value and no type (shared strings have t="s"). Returns how many. */
static size_t score_numbers(const char *x, double *out, size_t cap)
{
  size_t n = 0;
  for (const char *c = x; (c = strstr(c, "<c r=\"E")) != NULL; c++) {
    const char *close = strchr(c, '>'), *t = strstr(c, " t=\""), *end = strstr(c, "</c>");
    const char *v = strstr(c, "<v>");
    if (close[-1] == '/' || (t && t < close) || !v || !end || v > end) continue;
    if (n < cap) out[n] = strtod(v + 3, NULL);
    n++;
  }
  return n;
}

START_TEST(unit_scoresheet)
{
  json_t *res = results_of(2);
  json_t *u = json_array_get(json_object_get(res, "units"), 0);
  const char *code = json_string_value(json_object_get(u, "code"));
  long long nsheets = json_integer_value(json_object_get(u, "sheets"));
  ck_assert_int_gt(nsheets, 0);
  char path[300];
  snprintf(path, sizeof path, "/api/v1/cycles/2/results/%s", code);
  json_t *tj = tu_call(&admin, "GET", path, NULL, 200);
  json_t *tr = json_object_get(json_object_get(tj, "unit"), "trace");
  /* reviewer3's place among the unit's sheets (login order = sheet order after 综合) */
  size_t i, k, at = 0;
  json_t *x, *sc;
  json_array_foreach(json_object_get(tr, "reviewers"), i, x)
  {
    if (!strcmp(json_string_value(json_object_get(x, "reviewer")), "reviewer3")) at = i + 1;
  }
  ck_assert_msg(at > 0, "reviewer3 did not score unit %s", code);
  size_t want3 = 0; /* leaves reviewer3 scored with a number */
  json_array_foreach(json_object_get(tr, "leaves"), i, x)
  {
    json_array_foreach(json_object_get(x, "scores"), k, sc)
    {
      if (!strcmp(json_string_value(json_object_get(sc, "reviewer")), "reviewer3") &&
          json_is_number(json_object_get(sc, "points")) && !json_is_true(json_object_get(sc, "na")))
        want3++;
    }
  }
  size_t want0 = 0; /* leaves with an official value */
  json_array_foreach(json_object_get(u, "values"), i, x) want0 += json_is_number(x);

  struct tu_resp r;
  snprintf(path, sizeof path, "/api/v1/cycles/2/units/%s/scoresheet.xlsx", code);
  get(path, NULL, 200, &r);
  ck_assert_str_eq(tu_header(&r, "Content-Type"),
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  ck_assert_ptr_nonnull(strstr(tu_header(&r, "Content-Disposition"), ".xlsx"));
  const char *file = save("scoresheet.xlsx", r.body, r.len);
  char *wb = zip_entry(file, "xl/workbook.xml");
  ck_assert_ptr_nonnull(wb);
  ck_assert_msg(strstr(wb, "<sheet name=\"综合\""), "no 综合: %s", wb);
  long long nws = 0;
  for (const char *p = wb; (p = strstr(p, "<sheet ")) != NULL; p++) nws++;
  ck_assert_int_eq(nws, 1 + nsheets);
  free(wb);
  char *ss = zip_entry(file, "xl/sharedStrings.xml");
  ck_assert_ptr_nonnull(ss);
  ck_assert_ptr_nonnull(strstr(ss, "（reviewer3）"));
  ck_assert_ptr_nonnull(strstr(ss, "评审人（签字）"));
  ck_assert_ptr_nonnull(strstr(ss, "考核办（盖章）"));
  free(ss);

  /* 综合: merged areas, the official values and the total as numbers */
  double nums[400];
  char *x1 = zip_entry(file, "xl/worksheets/sheet1.xml");
  ck_assert_ptr_nonnull(strstr(x1, "<mergeCells"));
  ck_assert_ptr_nonnull(strstr(x1, "<pageSetup paperSize=\"9\""));
  ck_assert_ptr_nonnull(strstr(x1, "orientation=\"landscape\""));
  size_t n = score_numbers(x1, nums, 400);
  ck_assert_int_eq(n, want0 + 1);
  ck_assert(same(nums[n - 1], json_number_value(json_object_get(u, "total"))));
  free(x1);

  /* reviewer3's sheet: one number per leaf scored, the total, a stored score among them */
  char entry[64];
  snprintf(entry, sizeof entry, "xl/worksheets/sheet%zu.xml", at + 1);
  char *x3 = zip_entry(file, entry);
  ck_assert_ptr_nonnull(x3);
  ck_assert_ptr_nonnull(strstr(x3, "<mergeCells"));
  n = score_numbers(x3, nums, 400);
  ck_assert_int_eq(n, want3 + 1);
  char q[900];
  snprintf(q, sizeof q,
           "SELECT CAST(round(s.points * 100) AS INTEGER) FROM score s JOIN assignment a ON a.id = "
           "s.assignment_id JOIN user us ON us.id = a.user_id JOIN unit un ON un.id = a.unit_id "
           "JOIN indicator i ON i.id = s.indicator_id WHERE a.cycle_id = 2 AND a.kind = 'review' "
           "AND us.login = 'reviewer3' AND un.code = '%s' AND i.kind = 'item' AND s.na = 0 AND "
           "s.points IS NOT NULL ORDER BY s.points * 100 %% 100 DESC, i.code LIMIT 1",
           code);
  double stored = (double)tu_sql_int(d.dir, q) / 100;
  int found = 0;
  for (k = 0; k + 1 < n; k++) found |= same(nums[k], stored);
  ck_assert_msg(found, "stored score %.2f not in reviewer3's sheet", stored);
  free(x3);
  tu_resp_free(&r);

  /* a unit without sheets: 综合 alone, saying so */
  json_t *c = tu_call(&admin, "POST", "/api/v1/cycles",
                      "{\"year\":2025,\"title\":\"2025年度考核\",\"rubric_id\":1}", 201);
  long long id = json_integer_value(json_object_get(json_object_get(c, "cycle"), "id"));
  json_decref(c);
  snprintf(path, sizeof path, "/api/v1/cycles/%lld/units/%s/scoresheet.xlsx", id, code);
  get(path, NULL, 200, &r);
  file = save("empty-scoresheet.xlsx", r.body, r.len);
  wb = zip_entry(file, "xl/workbook.xml");
  nws = 0;
  for (const char *p = wb; (p = strstr(p, "<sheet ")) != NULL; p++) nws++;
  ck_assert_int_eq(nws, 1);
  free(wb);
  ss = zip_entry(file, "xl/sharedStrings.xml");
  ck_assert_ptr_nonnull(strstr(ss, "暂无已提交的评分表"));
  free(ss);
  tu_resp_free(&r);

  /* refusals: a unit outside the cycle, an unknown cycle, a reviewer */
  json_decref(tu_call(&admin, "POST", "/api/v1/units",
                      "{\"code\":\"ZZ-OUT\",\"name\":\"周期外单位\",\"kind\":\"县直部门\"}", 201));
  get("/api/v1/cycles/2/units/ZZ-OUT/scoresheet.xlsx", NULL, 404, &r);
  tu_resp_free(&r);
  get("/api/v1/cycles/2/units/NO-SUCH/scoresheet.xlsx", NULL, 404, &r);
  tu_resp_free(&r);
  snprintf(path, sizeof path, "/api/v1/cycles/999/units/%s/scoresheet.xlsx", code);
  get(path, NULL, 404, &r);
  tu_resp_free(&r);
  snprintf(path, sizeof path, "/api/v1/cycles/2/units/%s/scoresheet.xlsx", code);
  get(path, rev.jar, 403, &r);
  tu_resp_free(&r);
  json_decref(tj);
  json_decref(res);
}
END_TEST

/* VmRSS and VmHWM of the daemon in KiB. */
static void mem(long *rss, long *hwm)
{
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%d/status", (int)d.pid);
  FILE *f = fopen(path, "r");
  *rss = *hwm = -1;
  while (f && fgets(line, sizeof line, f)) {
    if (!strncmp(line, "VmRSS:", 6)) *rss = atol(line + 6);
    if (!strncmp(line, "VmHWM:", 6)) *hwm = atol(line + 6);
  }
  if (f) fclose(f);
}

START_TEST(big_export)
{
  const char *env = getenv("KAOPING_EXPORT_SHEETS");
  long sheets = env ? atol(env) : 1500;
  long nunits = tu_sql_int(d.dir, "SELECT count(*) FROM cycle_unit WHERE cycle_id = 2");
  long reviewers = (sheets + nunits - 1) / nunits;
  char q[2000];
  long long t0 = tu_now_ms();
  snprintf(q, sizeof q,
           "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %ld) "
           "INSERT INTO user (login, display_name, role, pw_hash, created_at, updated_at) "
           "SELECT printf('big%%05d', i), printf('专家%%d', i), 'reviewer', 'x', 0, 0 FROM n",
           reviewers);
  tu_sql(d.dir, q);
  tu_sql(d.dir,
         "INSERT INTO assignment (cycle_id, unit_id, user_id, kind, status, submitted_at, "
         "created_at, updated_at) SELECT 2, cu.unit_id, u.id, 'review', 'submitted', 0, 0, 0 "
         "FROM cycle_unit cu, user u WHERE cu.cycle_id = 2 AND u.login LIKE 'big%'");
  tu_sql(d.dir, "INSERT INTO score (assignment_id, indicator_id, points, na, comment, updated_at) "
                "SELECT a.id, i.id, round(i.max_points * ((a.id * 7 + i.id * 13) % 11) / 10.0 "
                "* 2) / 2, 0, CASE WHEN (a.id + i.id) % 5 = 0 THEN '材料不全，扣分，详见报告第' || "
                "i.id || '页' ELSE '' END, 0 FROM assignment a JOIN user u ON u.id = a.user_id, "
                "indicator i WHERE u.login LIKE 'big%' AND i.rubric_id = 1 AND i.kind = 'item'");
  long long rows = detail_count(2, "");
  printf("big export: %ld reviewers × %ld units = %lld sheets, %lld detail rows (filled in %lld "
         "ms)\n",
         reviewers, nunits,
         tu_sql_int(d.dir, "SELECT count(*) FROM assignment WHERE cycle_id = 2 "
                           "AND status = 'submitted' AND kind = 'review'"),
         rows, tu_now_ms() - t0);
  /* One worker thread, so every request uses the same SQLite connection and malloc arena:
   * the figures then show what an export adds after the results were computed once. */
  char dir[256];
  snprintf(dir, sizeof dir, "%s", d.dir);
  ck_assert_int_eq(tu_stop(&d), 0);
  ck_assert_msg(tu_start(&d, dir, (const char *[]){"--threads", "1", NULL}) == 0,
                "daemon did not restart: %s", d.out);
  long rss0, hwm0;
  mem(&rss0, &hwm0);
  printf("  daemon (1 thread) before: VmRSS %ld KiB, VmHWM %ld KiB\n", rss0, hwm0);
  struct tu_resp r;
  long long t = tu_now_ms();
  get("/api/v1/cycles/2/results", NULL, 200, &r);
  mem(&rss0, &hwm0);
  printf("  GET results  %10zu bytes in %6lld ms; VmRSS %ld KiB, VmHWM %ld KiB\n", r.len,
         tu_now_ms() - t, rss0, hwm0);
  tu_resp_free(&r);
  const char *ext[] = {"csv", "json", "xlsx", "xlsx"};
  for (int k = 0; k < 4; k++) {
    char path[100];
    snprintf(path, sizeof path, "/api/v1/cycles/2/export.%s", ext[k]);
    t = tu_now_ms();
    get(path, NULL, 200, &r);
    long long ms = tu_now_ms() - t;
    long rss, hwm;
    mem(&rss, &hwm);
    printf("  export.%-4s %10zu bytes in %6lld ms; VmRSS %ld KiB, VmHWM %ld KiB\n", ext[k], r.len,
           ms, rss, hwm);
    if (!strcmp(ext[k], "json")) {
      json_t *j = json_loadb(r.body, r.len, 0, NULL);
      ck_assert_ptr_nonnull(j);
      ck_assert_int_eq(json_array_size(json_object_get(j, "scores")), rows);
      json_decref(j);
    }
    tu_resp_free(&r);
  }
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("export");
  TCase *tc = tcase_create("export");
  tcase_add_checked_fixture(tc, start, stop);
  tcase_set_timeout(tc, 280);
  tcase_add_test(tc, csv_matches_results);
  tcase_add_test(tc, csv_detail);
  tcase_add_test(tc, xlsx_read_back);
  tcase_add_test(tc, json_matches);
  tcase_add_test(tc, empty_cycle_and_errors);
  tcase_add_test(tc, unit_scoresheet);
  tcase_add_test(tc, big_export);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return tu_run_suite(suite());
}
