/*
 * it_search.c - full-text search against the real daemon with the demo reports: for a list
 * of 1-, 2- and 3-character Chinese queries, Latin words and numbers, the set of reports the
 * API returns must equal the set a brute-force instr() scan over the same texts finds (read
 * straight from the SQLite file); plus multi-word AND, snippet marks, filters and scoping.
 */
#include "testutil.h"

#include <check.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct tu_daemon d;
static char jar[300];

static void start(void)
{
  const char *args[] = {"--demo", NULL};
  ck_assert_msg(tu_start(&d, NULL, args) == 0, "daemon did not start: %s", d.out);
  snprintf(jar, sizeof jar, "%s/jar", d.dir);
  char csrf[65];
  ck_assert_int_eq(tu_login(d.url, "admin", "kaoping-demo", jar, csrf), 200);
}

static void stop(void)
{
  ck_assert_int_eq(tu_stop(&d), 0);
  tu_rmrf(d.dir);
}

/* Percent-encodes S into OUT. */
static void urlenc(const char *s, char *out, size_t cap)
{
  size_t o = 0;
  for (const unsigned char *p = (const unsigned char *)s; *p && o + 4 < cap; p++) {
    if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'))
      out[o++] = (char)*p;
    else
      o += (size_t)snprintf(out + o, cap - o, "%%%02X", *p);
  }
  out[o] = 0;
}

/* Runs a search as the jar's user; returns the parsed reply (caller decrefs). */
static json_t *search(const char *q, const char *extra, const char *cookies)
{
  char enc[600], url[900];
  urlenc(q, enc, sizeof enc);
  snprintf(url, sizeof url, "%s/api/v1/search?q=%s&limit=100%s", d.url, enc, extra ? extra : "");
  struct tu_resp r;
  tu_http("GET", url, NULL, NULL, 0, cookies, &r);
  ck_assert_msg(r.status == 200, "search %s: %ld %s", q, r.status, r.body);
  json_t *j = json_loads(r.body, 0, NULL);
  tu_resp_free(&r);
  ck_assert_ptr_nonnull(j);
  return j;
}

/* The set of "cycle:unit" keys of a search reply, sorted, comma-joined into OUT. */
static void api_set(json_t *j, char *out, size_t cap)
{
  char keys[200][48];
  size_t n = 0, i;
  json_t *hit;
  json_array_foreach(json_object_get(j, "results"), i, hit)
  {
    if (n < 200)
      snprintf(keys[n++], 48, "%lld:%s",
               (long long)json_integer_value(json_object_get(json_object_get(hit, "cycle"), "id")),
               json_string_value(json_object_get(json_object_get(hit, "unit"), "code")));
  }
  qsort(keys, n, sizeof keys[0], (int (*)(const void *, const void *))strcmp);
  out[0] = 0;
  for (size_t k = 0; k < n; k++) {
    strncat(out, keys[k], cap - strlen(out) - 2);
    strncat(out, ",", cap - strlen(out) - 1);
  }
}

/* The same set by brute force: current reports whose text contains every word (ASCII words
 * without case), read from the database file. */
static void scan_set(const char *words, char *out, size_t cap)
{
  char path[300], sql[1200];
  snprintf(path, sizeof path, "%s/kaoping.db", d.dir);
  sqlite3 *h;
  ck_assert_int_eq(sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  snprintf(sql, sizeof sql,
           "SELECT rp.cycle_id || ':' || u.code AS k FROM report rp JOIN unit u "
           "ON u.id = rp.unit_id WHERE rp.current = 1");
  char copy[256];
  snprintf(copy, sizeof copy, "%s", words);
  int nw = 0;
  for (char *w = strtok(copy, " "); w; w = strtok(NULL, " "), nw++)
    snprintf(sql + strlen(sql), sizeof sql - strlen(sql),
             " AND instr(lower(rp.text), lower(?%d)) > 0", nw + 1);
  strcat(sql, " ORDER BY k");
  sqlite3_stmt *st;
  ck_assert_int_eq(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
  snprintf(copy, sizeof copy, "%s", words);
  int i = 1;
  for (char *w = strtok(copy, " "); w; w = strtok(NULL, " "))
    sqlite3_bind_text(st, i++, w, -1, SQLITE_TRANSIENT);
  out[0] = 0;
  char keys[200][48];
  size_t n = 0;
  while (sqlite3_step(st) == SQLITE_ROW && n < 200)
    snprintf(keys[n++], 48, "%s", sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(h);
  qsort(keys, n, sizeof keys[0], (int (*)(const void *, const void *))strcmp);
  for (size_t k = 0; k < n; k++) {
    strncat(out, keys[k], cap - strlen(out) - 2);
    strncat(out, ",", cap - strlen(out) - 1);
  }
}

START_TEST(fts_agrees_with_brute_force)
{
  static const char *const queries[] = {/* one character */ "法",
                                        "诉",
                                        "醉",
                                        "罚",
                                        "芯",
                                        "谁",
                                        /* two characters */ "法治",
                                        "复议",
                                        "普法",
                                        "听证",
                                        "清单",
                                        "督察",
                                        "应诉",
                                        "网格",
                                        /* three and more */ "法律顾问",
                                        "合法性审查",
                                        "双随机",
                                        "第一责任人",
                                        "重大行政决策",
                                        "行政执法三项制度",
                                        "不存在的词语组合",
                                        /* Latin words and numbers */ "2023",
                                        "2022",
                                        "12345",
                                        "OA",
                                        /* several words (all must occur) */ "法治 复议",
                                        "普法 2023",
                                        "听证 清单",
                                        NULL};
  int nonempty = 0;
  for (int i = 0; queries[i]; i++) {
    char got[8192], want[8192];
    json_t *j = search(queries[i], NULL, jar);
    api_set(j, got, sizeof got);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "total")),
                     json_array_size(json_object_get(j, "results")));
    json_decref(j);
    scan_set(queries[i], want, sizeof want);
    ck_assert_msg(!strcmp(got, want), "query %s: search found {%s}, a scan finds {%s}", queries[i],
                  got, want);
    if (*want) nonempty++;
  }
  ck_assert_int_ge(nonempty, 20); /* the comparison is about real matches, not empty sets */
}
END_TEST

START_TEST(snippets_filters_and_scope)
{
  json_t *j = search("法律顾问", NULL, jar);
  json_t *hit = json_array_get(json_object_get(j, "results"), 0);
  const char *snip = json_string_value(json_object_get(hit, "snippet"));
  ck_assert_ptr_nonnull(strstr(snip, "\002法律顾问\003"));
  json_decref(j);
  /* Cycle filter: the 2022 cycle (id 1) has 4 reports. */
  j = search("法治", "&cycle=1", jar);
  ck_assert_int_eq(json_integer_value(json_object_get(j, "total")), 4);
  json_decref(j);
  j = search("法治", "&kind=town", jar);
  size_t i;
  json_array_foreach(json_object_get(j, "results"), i, hit)
  {
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(hit, "unit"), "kind_name")),
                     "镇");
  }
  ck_assert_int_gt(json_array_size(json_object_get(j, "results")), 0);
  json_decref(j);
  /* Query syntax typed by a person is just text. */
  j = search("\"法治 OR NEAR(", NULL, jar);
  json_decref(j);
  /* A unit user finds only their own unit's reports. */
  char ujar[320], csrf[65];
  snprintf(ujar, sizeof ujar, "%s/ujar", d.dir);
  ck_assert_int_eq(tu_login(d.url, "unit-YL-SFJ", "kaoping-demo", ujar, csrf), 200);
  j = search("法治", NULL, ujar);
  ck_assert_int_eq(json_integer_value(json_object_get(j, "total")),
                   2); /* its 2022 and 2023 reports */
  json_array_foreach(json_object_get(j, "results"), i, hit)
  {
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(hit, "unit"), "code")),
                     "YL-SFJ");
  }
  json_decref(j);
  /* Bad queries. */
  char url[300];
  struct tu_resp r;
  snprintf(url, sizeof url, "%s/api/v1/search?q=", d.url);
  tu_http("GET", url, NULL, NULL, 0, jar, &r);
  ck_assert_int_eq(r.status, 400);
  tu_resp_free(&r);
  snprintf(url, sizeof url, "%s/api/v1/search?q=%%EF%%BC%%8C%%E3%%80%%82", d.url); /* ，。 only */
  tu_http("GET", url, NULL, NULL, 0, jar, &r);
  ck_assert_int_eq(r.status, 400);
  ck_assert_ptr_nonnull(strstr(r.body, "\"field\":\"q\""));
  tu_resp_free(&r);
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("search");
  TCase *tc = tcase_create("search");
  tcase_add_checked_fixture(tc, start, stop);
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, fts_agrees_with_brute_force);
  tcase_add_test(tc, snippets_filters_and_scope);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return tu_run_suite(suite());
}
