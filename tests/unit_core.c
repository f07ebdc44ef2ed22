/*
 * unit_core.c - Check suite for the modules without I/O: the error table, the arena, UTF-8
 * validation, JSON body parsing and field checks, option parsing, the router, the
 * OpenAPI document against the route table, and the score sheets' text cache.
 */
#include "arena.h"
#include "config.h"
#include "embedded.h"
#include "err.h"
#include "json.h"
#include "routes.h"
#include "sheet_cache.h"
#include "utf8.h"

#include "testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

START_TEST(err_table_is_consistent)
{
  ck_assert_int_eq(E_OK, 0);
  for (int c = 0; c < E__COUNT; c++) {
    ck_assert_str_eq(err_name(c) + 0, err_name(c)); /* non-null */
    ck_assert_int_eq(strncmp(err_name(c), "E_", 2), 0);
    ck_assert_int_ge(err_status(c), 200);
    ck_assert_int_lt(err_status(c), 600);
    ck_assert(strlen(err_message(c)) > 0);
    for (int d = 0; d < c; d++) ck_assert_str_ne(err_name(c), err_name(d));
  }
  ck_assert_int_eq(err_status(E_NOT_FOUND), 404);
  ck_assert_int_eq(err_status(E_METHOD), 405);
  ck_assert_int_eq(err_status(E_TOO_LARGE), 413);
  ck_assert_int_eq(err_status(9999), 500);
  ck_assert_str_eq(err_name(-1), "E_INTERNAL");
}
END_TEST

START_TEST(arena_allocates_aligned_and_large)
{
  struct arena a = {0};
  char *s = arena_strdup(&a, "考评");
  ck_assert_str_eq(s, "考评");
  for (int i = 0; i < 1000; i++) {
    void *p = arena_alloc(&a, (size_t)i + 1);
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq((size_t)p % _Alignof(max_align_t), 0);
  }
  char *big = arena_alloc(&a, 100000);
  ck_assert_ptr_nonnull(big);
  ck_assert_int_eq(big[99999], 0);
  ck_assert_str_eq(arena_printf(&a, "%d-%s", 7, "x"), "7-x");
  ck_assert_str_eq(s, "考评"); /* earlier allocations survive new chunks */
  arena_free(&a);
  ck_assert_ptr_null(a.head);
}
END_TEST

START_TEST(utf8_validation)
{
  ck_assert(utf8_valid("abc", 3));
  ck_assert(utf8_valid("法治政府", strlen("法治政府")));
  ck_assert(utf8_valid("\xf0\x9f\x98\x80", 4));  /* U+1F600 */
  ck_assert(!utf8_valid("\xff", 1));             /* never valid */
  ck_assert(!utf8_valid("\xc0\xaf", 2));         /* overlong '/' */
  ck_assert(!utf8_valid("\xe0\x80\xaf", 3));     /* overlong */
  ck_assert(!utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
  ck_assert(!utf8_valid("\xf4\x90\x80\x80", 4)); /* above U+10FFFF */
  ck_assert(!utf8_valid("\xe6\xb3", 2));         /* truncated */
  ck_assert(!utf8_valid("a\0b", 3));             /* NUL */
  ck_assert_int_eq(utf8_chars("法治a"), 3);
}
END_TEST

/* Parses TEXT and returns the error code (E_OK when it parsed); *DETAIL points to a copy of
 * the explanation that lives until the next call. */
static int parse(const char *text, const char **detail)
{
  static char copy[512];
  struct arena a = {0};
  json_t *j = NULL;
  *detail = NULL;
  int rc = json_parse_body(text, strlen(text), &j, detail, &a);
  if (*detail) {
    snprintf(copy, sizeof copy, "%s", *detail);
    *detail = copy;
  }
  json_decref(j);
  arena_free(&a);
  return rc;
}

START_TEST(json_bodies)
{
  const char *d;
  ck_assert_int_eq(parse("{\"a\":1}", &d), E_OK);
  ck_assert_int_eq(parse("", &d), E_BAD_JSON);
  ck_assert_int_eq(parse("{\"a\":", &d), E_BAD_JSON);
  ck_assert_ptr_nonnull(strstr(d, "第 1 行"));
  ck_assert_int_eq(parse("{\"a\":1,\"a\":2}", &d), E_BAD_JSON);
  ck_assert_ptr_nonnull(strstr(d, "重复的键"));
  ck_assert_int_eq(parse("[1,2]", &d), E_BAD_JSON);
  ck_assert_int_eq(parse("{\"a\":\"\xff\"}", &d), E_BAD_UTF8);
  char deep[20010];
  memset(deep, '[', 10000);
  memset(deep + 10000, ']', 10000);
  deep[20000] = 0;
  ck_assert_int_eq(parse(deep, &d), E_BAD_JSON);
}
END_TEST

START_TEST(json_fields)
{
  json_error_t e;
  json_t *o =
      json_loads("{\"s\":\"abc\",\"n\":5,\"e\":\"\",\"c\":\"a\\u0001b\",\"z\":\"a\\u0000b\"}",
                 JSON_ALLOW_NUL, &e);
  ck_assert_ptr_nonnull(o);
  struct reply out = {0};
  const char *s;
  int64_t n = 0;
  ck_assert_int_eq(json_take_str(&out, o, "s", 1, 10, &s), E_OK);
  ck_assert_str_eq(s, "abc");
  ck_assert_int_eq(json_take_str(&out, o, "s", 1, 2, &s), E_VALIDATION);
  ck_assert_str_eq(out.field, "s");
  ck_assert_int_eq(json_take_str(&out, o, "missing", 1, 2, &s), E_VALIDATION);
  ck_assert_int_eq(json_take_str(&out, o, "missing", 0, 2, &s), E_OK);
  ck_assert_ptr_null(s);
  ck_assert_int_eq(json_take_str(&out, o, "e", 1, 10, &s), E_VALIDATION);
  ck_assert_int_eq(json_take_str(&out, o, "c", 1, 10, &s), E_VALIDATION);
  ck_assert_int_eq(json_take_str(&out, o, "z", 1, 10, &s), E_VALIDATION);
  ck_assert_int_eq(json_take_str(&out, o, "n", 1, 10, &s), E_VALIDATION);
  ck_assert_int_eq(json_take_int(&out, o, "n", 1, 0, 10, &n), E_OK);
  ck_assert_int_eq(n, 5);
  ck_assert_int_eq(json_take_int(&out, o, "n", 1, 6, 10, &n), E_VALIDATION);
  ck_assert_int_eq(json_take_int(&out, o, "s", 1, 0, 10, &n), E_VALIDATION);
  static const char *const keys[] = {"s", "n", "e", "c", NULL};
  ck_assert_int_eq(json_only_keys(&out, o, keys), E_VALIDATION);
  ck_assert_str_eq(out.field, "z");
  json_decref(o);
}
END_TEST

START_TEST(config_precedence_and_errors)
{
  struct config c;
  char *pos[1];
  int npos;
  char err[256];
  unsetenv("KAOPING_LISTEN");
  ck_assert_int_eq(config_parse(CMD_SERVE, 0, NULL, &c, pos, 0, &npos, err, sizeof err), 0);
  ck_assert_str_eq(c.listen, "127.0.0.1:8080");
  ck_assert_str_eq(c.data_dir, "./kaoping-data");
  ck_assert_int_eq(c.timeout, 30);
  setenv("KAOPING_LISTEN", "0.0.0.0:9000", 1);
  setenv("KAOPING_THREADS", "3", 1);
  setenv("KAOPING_DEMO", "yes", 1);
  ck_assert_int_eq(config_parse(CMD_SERVE, 0, NULL, &c, pos, 0, &npos, err, sizeof err), 0);
  ck_assert_str_eq(c.listen, "0.0.0.0:9000");
  ck_assert_int_eq(c.threads, 3);
  ck_assert_int_eq(c.demo, 1);
  char *argv[] = {"--listen", "127.0.0.1:1", "--threads=4", "--demo=no"};
  ck_assert_int_eq(config_parse(CMD_SERVE, 4, argv, &c, pos, 0, &npos, err, sizeof err), 0);
  ck_assert_str_eq(c.listen, "127.0.0.1:1");
  ck_assert_int_eq(c.threads, 4);
  ck_assert_int_eq(c.demo, 0);
  char *bad[] = {"--threads", "-1"};
  ck_assert_int_eq(config_parse(CMD_SERVE, 2, bad, &c, pos, 0, &npos, err, sizeof err), -1);
  ck_assert_ptr_nonnull(strstr(err, "whole number"));
  char *unknown[] = {"--login", "x"}; /* a user add option, not serve's */
  ck_assert_int_eq(config_parse(CMD_SERVE, 2, unknown, &c, pos, 0, &npos, err, sizeof err), -1);
  char *missing[] = {"--data-dir"};
  ck_assert_int_eq(config_parse(CMD_BACKUP, 1, missing, &c, pos, 1, &npos, err, sizeof err), -1);
  char *file[] = {"out.db", "--data-dir", "d"};
  ck_assert_int_eq(config_parse(CMD_BACKUP, 3, file, &c, pos, 1, &npos, err, sizeof err), 0);
  ck_assert_int_eq(npos, 1);
  ck_assert_str_eq(pos[0], "out.db");
  ck_assert_str_eq(c.data_dir, "d");
  setenv("KAOPING_THREADS", "many", 1);
  ck_assert_int_eq(config_parse(CMD_SERVE, 0, NULL, &c, pos, 0, &npos, err, sizeof err), -1);
  ck_assert_ptr_nonnull(strstr(err, "KAOPING_THREADS"));
}
END_TEST

START_TEST(router_matches_params_405_head)
{
  struct arena a = {0};
  const struct route *rt = NULL;
  const char *params[REQ_MAX_PARAMS];
  int np = -1;
  char allow[128];
  ck_assert_int_eq(route_match("GET", "/healthz", &rt, params, &np, &a, allow, sizeof allow), E_OK);
  ck_assert_str_eq(rt->pattern, "/healthz");
  ck_assert_int_eq(route_match("HEAD", "/healthz", &rt, params, &np, &a, allow, sizeof allow),
                   E_OK);
  ck_assert_int_eq(route_match("PUT", "/healthz", &rt, params, &np, &a, allow, sizeof allow),
                   E_METHOD);
  ck_assert_str_eq(allow, "GET, HEAD");
  ck_assert_int_eq(route_match("PUT", "/api/v1/session", &rt, params, &np, &a, allow, sizeof allow),
                   E_METHOD);
  ck_assert_str_eq(allow, "POST, DELETE");
  ck_assert_int_eq(route_match("GET", "/healthz/", &rt, params, &np, &a, allow, sizeof allow),
                   E_NOT_FOUND);
  ck_assert_int_eq(route_match("GET", "/nothing", &rt, params, &np, &a, allow, sizeof allow),
                   E_NOT_FOUND);
  const char *pat = "/api/v1/cycles/{cycle}/units/{unit}/report";
  ck_assert_int_eq(
      route_pattern_match(pat, "/api/v1/cycles/12/units/YL-SFJ/report", params, &np, &a), 1);
  ck_assert_int_eq(np, 2);
  ck_assert_str_eq(params[0], "12");
  ck_assert_str_eq(params[1], "YL-SFJ");
  ck_assert_int_eq(route_pattern_match(pat, "/api/v1/cycles//units/x/report", params, &np, &a), 0);
  ck_assert_int_eq(route_pattern_match(pat, "/api/v1/cycles/1/units/x/report/", params, &np, &a),
                   0);
  ck_assert_int_eq(route_pattern_match(pat, "/api/v1/cycles/1/units/x", params, &np, &a), 0);
  ck_assert_int_eq(route_pattern_match("/a/{x}", "/a/b/c", params, &np, &a), 0);
  arena_free(&a);
}
END_TEST

START_TEST(every_route_has_a_role_and_handler)
{
  for (size_t i = 0; i < routes_count; i++) {
    ck_assert_msg(routes[i].roles != 0, "%s %s has no roles", routes[i].method, routes[i].pattern);
    ck_assert_ptr_nonnull(routes[i].fn);
    ck_assert_msg(routes[i].pattern[0] == '/', "%s", routes[i].pattern);
    for (size_t j = 0; j < i; j++)
      ck_assert_msg(strcmp(routes[i].method, routes[j].method) ||
                        strcmp(routes[i].pattern, routes[j].pattern),
                    "duplicate route %s %s", routes[i].method, routes[i].pattern);
  }
}
END_TEST

/* The OpenAPI document must describe every route of the table and nothing else. */
START_TEST(openapi_matches_route_table)
{
  const struct embedded_file *f = embedded_find(res_files, res_files_count, "/openapi.json");
  ck_assert_ptr_nonnull(f);
  json_error_t e;
  json_t *doc = json_loadb((const char *)f->data, f->len, JSON_REJECT_DUPLICATES, &e);
  ck_assert_msg(doc != NULL, "openapi.json: %s line %d", e.text, e.line);
  ck_assert_str_eq(json_string_value(json_object_get(doc, "openapi")), "3.0.3");
  json_t *paths = json_object_get(doc, "paths");
  for (size_t i = 0; i < routes_count; i++) {
    char method[16];
    size_t k;
    for (k = 0; routes[i].method[k] && k < sizeof method - 1; k++)
      method[k] = (char)(routes[i].method[k] | 0x20);
    method[k] = 0;
    json_t *op = json_object_get(json_object_get(paths, routes[i].pattern), method);
    ck_assert_msg(op != NULL, "route %s %s is missing from openapi.json", routes[i].method,
                  routes[i].pattern);
    ck_assert_msg(json_object_get(op, "responses") != NULL, "%s %s has no responses",
                  routes[i].method, routes[i].pattern);
  }
  const char *path;
  json_t *item;
  size_t described = 0;
  json_object_foreach(paths, path, item)
  {
    const char *m;
    json_t *op;
    json_object_foreach(item, m, op)
    {
      int found = 0;
      for (size_t i = 0; i < routes_count && !found; i++)
        found = !strcmp(routes[i].pattern, path) && !strcasecmp(routes[i].method, m);
      ck_assert_msg(found, "openapi.json describes %s %s, which the route table lacks", m, path);
      described++;
    }
  }
  ck_assert_int_eq(described, routes_count);
  json_decref(doc);
}
END_TEST

/* sheet_cache: a text comes back only for its exact key, every member of the key counts,
 * oversized texts are not kept, and the bytes kept never pass the budget. */
START_TEST(sheet_cache_keys_and_budget)
{
  sheet_cache_clear();
  struct sheet_key k;
  memset(&k, 0, sizeof k);
  k.db = 1;
  k.sheet = 42;
  k.stamp = -7;
  k.rubric = 3;
  k.rubric_created = 100;
  k.rubric_updated = 200;
  strcpy(k.unit_kind, "county");
  size_t len;
  ck_assert_ptr_null(sheet_cache_get(&k, &len));
  sheet_cache_put(&k, ",\"items\":{}}", 12);
  char *t = sheet_cache_get(&k, &len);
  ck_assert_ptr_nonnull(t);
  ck_assert_uint_eq(len, 12);
  ck_assert_str_eq(t, ",\"items\":{}}");
  free(t);
  /* Each member of the key on its own makes a different key. */
  for (int m = 0; m < 7; m++) {
    struct sheet_key o = k;
    switch (m) {
    case 0:
      o.db++;
      break;
    case 1:
      o.sheet++;
      break;
    case 2:
      o.stamp++;
      break;
    case 3:
      o.rubric++;
      break;
    case 4:
      o.rubric_created++;
      break;
    case 5:
      o.rubric_updated++;
      break;
    default:
      strcpy(o.unit_kind, "town");
      break;
    }
    ck_assert_msg(sheet_cache_get(&o, &len) == NULL, "member %d", m);
  }
  /* Too large: not kept. */
  char *big = malloc(SHEET_CACHE_ENTRY_MAX + 2);
  memset(big, 'x', SHEET_CACHE_ENTRY_MAX + 1);
  big[SHEET_CACHE_ENTRY_MAX + 1] = 0;
  k.stamp = 8;
  sheet_cache_put(&k, big, SHEET_CACHE_ENTRY_MAX + 1);
  ck_assert_ptr_null(sheet_cache_get(&k, &len));
  /* Many sheets of the largest size kept: the budget holds, recent ones are there. */
  size_t kept;
  for (int64_t id = 1; id <= 3 * (int64_t)(SHEET_CACHE_BYTES / SHEET_CACHE_ENTRY_MAX); id++) {
    k.sheet = id;
    sheet_cache_put(&k, big, SHEET_CACHE_ENTRY_MAX);
    sheet_cache_stats(NULL, NULL, &kept);
    ck_assert_uint_le(kept, SHEET_CACHE_BYTES);
  }
  ck_assert_uint_gt(kept, SHEET_CACHE_BYTES / 2);
  t = sheet_cache_get(&k, &len);
  ck_assert_ptr_nonnull(t);
  ck_assert_uint_eq(len, SHEET_CACHE_ENTRY_MAX);
  free(t);
  free(big);
  sheet_cache_clear();
  sheet_cache_stats(NULL, NULL, &kept);
  ck_assert_uint_eq(kept, 0);
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("core");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, err_table_is_consistent);
  tcase_add_test(tc, arena_allocates_aligned_and_large);
  tcase_add_test(tc, utf8_validation);
  tcase_add_test(tc, json_bodies);
  tcase_add_test(tc, json_fields);
  tcase_add_test(tc, config_precedence_and_errors);
  tcase_add_test(tc, router_matches_params_405_head);
  tcase_add_test(tc, every_route_has_a_role_and_handler);
  tcase_add_test(tc, openapi_matches_route_table);
  tcase_add_test(tc, sheet_cache_keys_and_budget);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return tu_run_suite(suite());
}
