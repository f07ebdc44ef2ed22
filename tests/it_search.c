/*
 * it_search.c - full-text search against the real daemon with the demo reports: for a list
 * of 1-, 2- and 3-character Chinese queries, Latin words and numbers, the set of reports the
 * API returns must equal the set a brute-force instr() scan over the same texts finds (read
 * straight from the SQLite file); plus multi-word AND, snippet marks, filters and scoping.
 * A second daemon runs with --search-rank-max 3, so that the demo's common words have more
 * matches than it: their pages come newest stored first ("order":"recent", report ids
 * descending), counted only up to the page's bound ("total_capped"), and paging two at a time
 * still yields exactly the brute-force set.
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

/* The same with relevance ranking up to 3 matches only. */
static void start_rank3(void)
{
  const char *args[] = {"--demo", "--search-rank-max", "3", NULL};
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
 * without case), read from the database file; sorted by key, or with NEWEST by report id
 * descending (the order of a search with more matches than --search-rank-max). */
static void scan_keys(const char *words, int newest, char *out, size_t cap)
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
  strcat(sql, newest ? " ORDER BY rp.id DESC" : " ORDER BY k");
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
  if (!newest) qsort(keys, n, sizeof keys[0], (int (*)(const void *, const void *))strcmp);
  for (size_t k = 0; k < n; k++) {
    strncat(out, keys[k], cap - strlen(out) - 2);
    strncat(out, ",", cap - strlen(out) - 1);
  }
}

static void scan_set(const char *words, char *out, size_t cap)
{
  scan_keys(words, 0, out, cap);
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
    /* The demo has far fewer matches than the default --search-rank-max (2000). */
    ck_assert_str_eq(json_string_value(json_object_get(j, "order")), "relevance");
    ck_assert(json_is_false(json_object_get(j, "total_capped")));
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
  /* Every hit's snippet (kp_snippet in db.c) is a passage of about 40 characters around a
   * hit, with the words marked; "…" where the text goes on. */
  json_t *j = search("法律顾问", NULL, jar), *hit;
  size_t i;
  ck_assert_int_gt(json_array_size(json_object_get(j, "results")), 1);
  json_array_foreach(json_object_get(j, "results"), i, hit)
  {
    const char *snip = json_string_value(json_object_get(hit, "snippet"));
    ck_assert_msg(strstr(snip, "\002法律顾问\003") != NULL, "snippet %s", snip);
    ck_assert_msg(strlen(snip) < 3 * 60, "snippet %s", snip);
  }
  json_decref(j);
  /* Two words near each other come in one passage when a report has them so. */
  j = search("法律顾问 执业律师", NULL, jar);
  int both = 0;
  json_array_foreach(json_object_get(j, "results"), i, hit)
  {
    const char *snip = json_string_value(json_object_get(hit, "snippet"));
    both += strstr(snip, "\002法律顾问\003") && strstr(snip, "\002执业律师\003");
  }
  ck_assert_int_gt(both, 0);
  json_decref(j);
  /* Cycle filter: the 2022 cycle (id 1) has 4 reports. */
  j = search("法治", "&cycle=1", jar);
  ck_assert_int_eq(json_integer_value(json_object_get(j, "total")), 4);
  json_decref(j);
  j = search("法治", "&kind=town", jar);
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

/* With --search-rank-max 3: more matches than 3 come newest stored first, counted up to the
 * larger of 3 and the page's end; two at a time, the pages give exactly the brute-force list in
 * report id order, and a search with at most 3 matches is still ranked. */
START_TEST(many_matches_newest_first)
{
  static const char *const queries[] = {"法治", "法律顾问", "复议", "2023", "法治 复议", NULL};
  int recent = 0;
  for (int i = 0; queries[i]; i++) {
    char want[8192], got[8192] = "", extra[64];
    scan_keys(queries[i], 1, want, sizeof want);
    int nwant = 0;
    for (const char *c = want; *c; c++) nwant += *c == ',';
    for (int offset = 0;; offset += 2) {
      snprintf(extra, sizeof extra, "&limit=2&offset=%d", offset);
      char enc[200], url[400];
      urlenc(queries[i], enc, sizeof enc);
      snprintf(url, sizeof url, "%s/api/v1/search?q=%s%s", d.url, enc, extra);
      struct tu_resp r;
      tu_http("GET", url, NULL, NULL, 0, jar, &r);
      ck_assert_int_eq(r.status, 200);
      json_t *j = json_loads(r.body, 0, NULL);
      tu_resp_free(&r);
      ck_assert_ptr_nonnull(j);
      json_t *res = json_object_get(j, "results"), *hit;
      const char *order = json_string_value(json_object_get(j, "order"));
      ck_assert_str_eq(order, nwant > 3 ? "recent" : "relevance");
      long long total = json_integer_value(json_object_get(j, "total"));
      int capped = json_is_true(json_object_get(j, "total_capped"));
      long long bound = offset + 2 > 3 ? offset + 2 : 3;
      /* Exact when all matches are within the bound, else the bound. */
      ck_assert_int_eq(capped, nwant > bound);
      ck_assert_int_eq(total, nwant > bound ? bound : nwant);
      size_t k;
      json_array_foreach(res, k, hit)
      {
        snprintf(
            got + strlen(got), sizeof got - strlen(got), "%lld:%s,",
            (long long)json_integer_value(json_object_get(json_object_get(hit, "cycle"), "id")),
            json_string_value(json_object_get(json_object_get(hit, "unit"), "code")));
      }
      size_t n = json_array_size(res);
      json_decref(j);
      if (n < 2) break;
    }
    if (nwant > 3) {
      recent++;
      ck_assert_msg(!strcmp(got, want), "query %s: pages gave {%s}, newest first is {%s}",
                    queries[i], got, want);
    } else { /* ranked: the same set */
      char sorted[8192];
      scan_keys(queries[i], 0, sorted, sizeof sorted);
      ck_assert_int_eq(strlen(got), strlen(sorted));
    }
  }
  ck_assert_int_ge(recent, 3); /* the demo's common words have more than 3 matches */
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
  TCase *rank3 = tcase_create("rank3");
  tcase_add_checked_fixture(rank3, start_rank3, stop);
  tcase_set_timeout(rank3, 120);
  tcase_add_test(rank3, many_matches_newest_first);
  suite_add_tcase(s, rank3);
  return s;
}

int main(void)
{
  return tu_run_suite(suite());
}
