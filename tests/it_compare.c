/*
 * it_compare.c - comparing units, the heatmap and a unit's history over HTTP against the real
 * daemon with the demo data: cycle 2 (2023, in review: reviewer3 has submitted every sheet, so
 * the admin sees ranked results) and cycle 1 (2022, closed: every sheet of YL-SFJ, YL-SCJ,
 * YL-JYJ and YL-QSZ submitted). The numbers must equal the results route's; comments and
 * evidence quotes come from the submitted sheets; visibility follows the results' rules.
 */
#include "testutil.h"

#include <check.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static struct tu_daemon d;

static struct tu_user admin, rev1, unit_sfj;

/* The row of unit CODE in the array UNITS (NULL when absent). */
static json_t *row(json_t *units, const char *code)
{
  size_t i;
  json_t *u;
  json_array_foreach(units, i, u)
  {
    if (!strcmp(tu_str(u, "code"), code)) return u;
  }
  return NULL;
}

/* Asserts that GET P as W answers 400 naming FIELD. */
static void bad(struct tu_user *w, const char *p, const char *field)
{
  json_t *e = tu_call(w, "GET", p, NULL, 400);
  ck_assert_str_eq(tu_str(json_object_get(e, "error"), "field"), field);
  json_decref(e);
}

static void start(void)
{
  tu_start_demo(&d);
  tu_demo_login(&admin, &d, "admin");
  tu_demo_login(&rev1, &d, "reviewer1");
  tu_demo_login(&unit_sfj, &d, "unit-YL-SFJ");
}

static void stop(void)
{
  tu_stop_clean(&d);
}

START_TEST(compare_equals_results)
{
  json_t *rj = tu_call(&admin, "GET", "/api/v1/cycles/2/results", NULL, 200);
  json_t *res = json_object_get(rj, "results");
  json_t *runits = json_object_get(res, "units");
  char a[32], b[32];
  snprintf(a, sizeof a, "%s", tu_str(json_array_get(runits, 0), "code"));
  snprintf(b, sizeof b, "%s", tu_str(json_array_get(runits, 1), "code"));
  char p[200];
  snprintf(p, sizeof p, "/api/v1/cycles/2/compare?units=%s,%s", b, a);
  json_t *c = tu_call(&admin, "GET", p, NULL, 200);
  ck_assert(json_equal(json_object_get(c, "areas"), json_object_get(res, "areas")));
  ck_assert(json_equal(json_object_get(c, "leaves"), json_object_get(res, "leaves")));
  ck_assert_str_eq(tu_str(c, "method"), tu_str(res, "method"));
  json_t *units = json_object_get(c, "units");
  ck_assert_int_eq((int)json_array_size(units), 2);
  ck_assert_str_eq(tu_str(json_array_get(units, 0), "code"), b); /* the order asked */
  static const char *const keys[] = {"name",  "kind",  "total",  "rank",
                                     "grade", "areas", "values", NULL};
  for (int k = 0; keys[k]; k++) {
    ck_assert_msg(json_equal(json_object_get(row(units, a), keys[k]),
                             json_object_get(row(runits, a), keys[k])),
                  "%s differs", keys[k]);
    ck_assert(json_equal(json_object_get(row(units, b), keys[k]),
                         json_object_get(row(runits, b), keys[k])));
  }
  /* comments: every leaf scored by reviewer3 for both units, by name; quotes somewhere */
  json_t *com = json_object_get(c, "comments"), *by_unit, *list, *e;
  const char *leaf;
  size_t i, quotes = 0, entries = 0;
  ck_assert_int_eq((int)json_object_size(com), (int)json_array_size(json_object_get(c, "leaves")));
  int both = 0;
  json_object_foreach(com, leaf, by_unit)
  {
    both += json_object_get(by_unit, a) && json_object_get(by_unit, b);
    const char *u;
    json_object_foreach(by_unit, u, list)
    {
      json_array_foreach(list, i, e)
      {
        entries++;
        quotes += json_array_size(json_object_get(e, "quotes"));
        ck_assert(json_is_string(json_object_get(e, "comment")));
        ck_assert(strncmp(tu_str(e, "reviewer"), "评审专家", strlen("评审专家")) != 0);
      }
    }
  }
  ck_assert_int_gt(both, 0);
  ck_assert(entries >= json_object_size(com));
  ck_assert_uint_gt(quotes, 0);
  json_decref(c);
  /* another method: the results route's numbers under that method */
  json_decref(rj);
  rj = tu_call(&admin, "GET", "/api/v1/cycles/2/results?method=median", NULL, 200);
  snprintf(p, sizeof p, "/api/v1/cycles/2/compare?units=%s,%s&method=median", a, b);
  c = tu_call(&admin, "GET", p, NULL, 200);
  ck_assert(json_equal(
      json_object_get(row(json_object_get(c, "units"), a), "total"),
      json_object_get(row(json_object_get(json_object_get(rj, "results"), "units"), a), "total")));
  json_decref(c);
  json_decref(rj);
}
END_TEST

START_TEST(bad_inputs)
{
  bad(&admin, "/api/v1/cycles/2/compare", "units");
  bad(&admin, "/api/v1/cycles/2/compare?units=YL-SFJ", "units");
  bad(&admin, "/api/v1/cycles/2/compare?units=YL-SFJ,YL-SFJ", "units");
  bad(&admin, "/api/v1/cycles/2/compare?units=YL-SFJ,NOPE", "units");
  bad(&admin, "/api/v1/cycles/2/compare?units=YL-SFJ,,YL-GAJ", "units");
  bad(&admin, "/api/v1/cycles/2/compare?units=YL-SFJ,YL-GAJ,", "units");
  bad(&admin, "/api/v1/cycles/2/compare?units=A,B,C,D,E,F,G", "units");
  bad(&admin, "/api/v1/cycles/2/compare?units=YL-SFJ,YL-GAJ&method=best", "method");
  bad(&admin, "/api/v1/cycles/2/heatmap?method=best", "method");
  json_decref(tu_call(&admin, "GET", "/api/v1/cycles/99/compare?units=YL-SFJ,YL-GAJ", NULL, 404));
  json_decref(tu_call(&admin, "GET", "/api/v1/cycles/99/heatmap", NULL, 404));
  json_decref(tu_call(&admin, "GET", "/api/v1/units/NOPE/history", NULL, 404));
  /* six units are fine */
  json_t *c = tu_call(&admin, "GET",
                      "/api/v1/cycles/2/compare?units=YL-SFJ,YL-GAJ,YL-JYJ,YL-SCJ,YL-QSZ,YL-CGJD",
                      NULL, 200);
  ck_assert_int_eq((int)json_array_size(json_object_get(c, "units")), 6);
  json_decref(c);
}
END_TEST

START_TEST(heatmap_shares)
{
  json_t *rj = tu_call(&admin, "GET", "/api/v1/cycles/2/results", NULL, 200);
  json_t *h = tu_call(&admin, "GET", "/api/v1/cycles/2/heatmap", NULL, 200);
  json_t *res = json_object_get(rj, "results"), *areas = json_object_get(res, "areas");
  json_t *leaves = json_object_get(res, "leaves"), *u, *a, *l;
  ck_assert(json_equal(json_object_get(h, "areas"), areas));
  ck_assert_int_eq((int)json_array_size(json_object_get(h, "units")),
                   (int)json_array_size(json_object_get(res, "units")));
  size_t i, k, j;
  int seen = 0;
  json_array_foreach(json_object_get(res, "units"), i, u)
  {
    json_t *hr = json_array_get(json_object_get(h, "units"), i);
    ck_assert_str_eq(tu_str(hr, "code"), tu_str(u, "code"));
    ck_assert(json_equal(json_object_get(hr, "total"), json_object_get(u, "total")));
    json_array_foreach(areas, k, a)
    {
      /* by hand: applicable leaf values over their max */
      double got = 0, max = 0;
      json_array_foreach(leaves, j, l)
      {
        json_t *v = json_array_get(json_object_get(u, "values"), j);
        if (!json_is_number(v) || strcmp(tu_str(l, "area"), tu_str(a, "code"))) continue;
        got += json_number_value(v);
        max += json_number_value(json_object_get(l, "max"));
      }
      json_t *share = json_array_get(json_object_get(hr, "areas"), k);
      if (max == 0 || json_is_null(json_object_get(u, "total"))) {
        ck_assert(json_is_null(share));
        continue;
      }
      ck_assert(fabs(json_number_value(share) - got / max) <= 0.005 + 1e-9);
      ck_assert(json_number_value(share) >= 0 && json_number_value(share) <= 1);
      seen++;
    }
  }
  ck_assert_int_gt(seen, 0);
  json_decref(rj);
  json_decref(h);
}
END_TEST

/* The years of the history reply H, e.g. "2022,2023". */
static const char *years(json_t *h, char *buf, size_t cap)
{
  size_t i, n = 0;
  json_t *c;
  buf[0] = 0;
  json_array_foreach(json_object_get(h, "cycles"), i, c)
  {
    n += (size_t)snprintf(buf + n, cap - n, "%s%lld", i ? "," : "",
                          (long long)json_integer_value(json_object_get(c, "year")));
  }
  return buf;
}

START_TEST(history_across_cycles)
{
  char y[100];
  json_t *h = tu_call(&admin, "GET", "/api/v1/units/YL-SFJ/history", NULL, 200);
  ck_assert_str_eq(tu_str(json_object_get(h, "unit"), "name"), "云岭县司法局");
  ck_assert_str_eq(years(h, y, sizeof y), "2022,2023");
  /* each year equals that cycle's results */
  size_t i;
  json_t *c;
  json_array_foreach(json_object_get(h, "cycles"), i, c)
  {
    char p[100];
    snprintf(p, sizeof p, "/api/v1/cycles/%lld/results",
             (long long)json_integer_value(json_object_get(c, "cycle")));
    json_t *rj = tu_call(&admin, "GET", p, NULL, 200), *res = json_object_get(rj, "results");
    json_t *u = row(json_object_get(res, "units"), "YL-SFJ");
    ck_assert(json_equal(json_object_get(c, "total"), json_object_get(u, "total")));
    ck_assert(json_equal(json_object_get(c, "grade"), json_object_get(u, "grade")));
    json_t *leaf = json_array_get(json_object_get(res, "leaves"), 0);
    ck_assert(json_equal(json_object_get(json_object_get(c, "values"), tu_str(leaf, "code")),
                         json_array_get(json_object_get(u, "values"), 0)));
    ck_assert_int_eq((int)json_array_size(json_object_get(c, "areas")),
                     (int)json_array_size(json_object_get(res, "areas")));
    json_decref(rj);
  }
  json_decref(h);
  /* others see published cycles only: 2022 */
  h = tu_call(&rev1, "GET", "/api/v1/units/YL-SFJ/history", NULL, 200);
  ck_assert_str_eq(years(h, y, sizeof y), "2022");
  json_decref(h);
  h = tu_call(&unit_sfj, "GET", "/api/v1/units/YL-SFJ/history", NULL, 200);
  ck_assert_str_eq(years(h, y, sizeof y), "2022");
  json_decref(h);
}
END_TEST

START_TEST(roles_and_phases)
{
  /* reviewers: cycle 2 is in review, not yet published */
  json_t *e = tu_call(&rev1, "GET", "/api/v1/cycles/2/compare?units=YL-SFJ,YL-SCJ", NULL, 409);
  ck_assert_str_eq(tu_str(json_object_get(e, "error"), "code"), "E_NOT_OPEN");
  json_decref(e);
  json_decref(tu_call(&rev1, "GET", "/api/v1/cycles/2/heatmap", NULL, 409));
  /* the closed 2022 cycle: reviewers compare, reviewers masked */
  json_t *c = tu_call(&rev1, "GET", "/api/v1/cycles/1/compare?units=YL-SFJ,YL-SCJ", NULL, 200);
  json_t *com = json_object_get(c, "comments"), *by_unit;
  const char *leaf;
  int masked = 0;
  json_object_foreach(com, leaf, by_unit)
  {
    json_t *list = json_object_get(by_unit, "YL-SFJ"), *x;
    size_t i;
    json_array_foreach(list, i, x)
    {
      ck_assert_msg(!strncmp(tu_str(x, "reviewer"), "评审专家", strlen("评审专家")), "%s",
                    tu_str(x, "reviewer"));
      masked++;
    }
  }
  ck_assert_int_gt(masked, 0);
  json_decref(c);
  json_decref(tu_call(&rev1, "GET", "/api/v1/cycles/1/heatmap", NULL, 200));
  /* unit users see only their own unit: no comparing, no heatmap, no other unit's history */
  json_decref(tu_call(&unit_sfj, "GET", "/api/v1/cycles/1/compare?units=YL-SFJ,YL-SCJ", NULL, 403));
  json_decref(tu_call(&unit_sfj, "GET", "/api/v1/cycles/1/heatmap", NULL, 403));
  json_decref(tu_call(&unit_sfj, "GET", "/api/v1/units/YL-SCJ/history", NULL, 404));
  /* anonymous */
  json_decref(tu_json(d.url, NULL, NULL, "GET", "/api/v1/units/YL-SFJ/history", NULL, 401));
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("compare");
  TCase *tc = tcase_create("compare");
  tcase_add_checked_fixture(tc, start, stop);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, compare_equals_results);
  tcase_add_test(tc, bad_inputs);
  tcase_add_test(tc, heatmap_shares);
  tcase_add_test(tc, history_across_cycles);
  tcase_add_test(tc, roles_and_phases);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return tu_run_suite(suite());
}
