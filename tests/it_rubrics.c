/*
 * it_rubrics.c - rubrics against the real daemon with demo data: the demo rubric as a tree,
 * a JSON round trip (read, create, read back: identical), and bad rubrics, each refused with
 * the path and code of the node at fault and nothing stored.
 */
#include "testutil.h"

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct tu_daemon d;
static char jar[300], csrf[65];

static void start(void)
{
  const char *args[] = {"--demo", "--max-body", "4000000", NULL};
  ck_assert_msg(tu_start(&d, NULL, args) == 0, "daemon did not start: %s", d.out);
  snprintf(jar, sizeof jar, "%s/jar", d.dir);
  ck_assert_int_eq(tu_login(d.url, "admin", "kaoping-demo", jar, csrf), 200);
}

static void stop(void)
{
  ck_assert_int_eq(tu_stop(&d), 0);
  tu_rmrf(d.dir);
}

static json_t *call(const char *method, const char *path, const char *body, long want)
{
  return tu_json(d.url, jar, csrf, method, path, body, want);
}

/* The rubric R without what the server adds (ids, version, per-area sums), as sent. */
static json_t *as_input(json_t *r)
{
  json_t *in = json_deep_copy(r);
  const char *drop[] = {"id", "version", "frozen", "created_at"};
  for (int i = 0; i < 4; i++) json_object_del(in, drop[i]);
  size_t i;
  json_t *a;
  json_array_foreach(json_object_get(in, "areas"), i, a) json_object_del(a, "points");
  return in;
}

START_TEST(demo_rubric_and_round_trip)
{
  json_t *j = call("GET", "/api/v1/rubrics/1", NULL, 200);
  json_t *rb = json_object_get(j, "rubric");
  ck_assert_int_eq(json_array_size(json_object_get(rb, "areas")), 10);
  double sum = 0;
  size_t i;
  json_t *a;
  json_array_foreach(json_object_get(rb, "areas"), i, a) sum +=
      json_number_value(json_object_get(a, "points"));
  ck_assert(sum > 99.999 && sum < 100.001);
  ck_assert_int_eq(json_array_size(json_object_get(rb, "veto")), 3);
  /* Send it back as a new rubric: what is read again equals what was sent. */
  json_t *in = as_input(rb);
  json_object_set_new(in, "name", json_string("复制的细则"));
  char *body = json_dumps(in, JSON_COMPACT);
  json_t *created = call("POST", "/api/v1/rubrics", body, 201);
  free(body);
  json_t *back = as_input(json_object_get(created, "rubric"));
  ck_assert_msg(json_equal(in, back), "round trip changed the rubric");
  json_decref(back);
  json_decref(created);
  json_decref(in);
  json_decref(j);
  j = call("GET", "/api/v1/rubrics", NULL, 200);
  ck_assert_int_eq(json_array_size(json_object_get(j, "rubrics")), 2);
  ck_assert_int_eq(json_integer_value(
                       json_object_get(json_array_get(json_object_get(j, "rubrics"), 1), "cycles")),
                   2);
  json_decref(j);
}
END_TEST

/* A minimal valid rubric with MUTATE applied by the caller. */
static json_t *small(void)
{
  return json_loads(
      "{\"name\":\"细则\",\"total_points\":10,\"grade_bands\":[{\"name\":\"合格\",\"min\":6},"
      "{\"name\":\"不合格\",\"min\":0}],\"areas\":[{\"code\":\"1\",\"name\":\"甲\",\"children\":"
      "[{\"code\":\"1.1\",\"name\":\"乙\",\"max_points\":4},{\"code\":\"1.2\",\"name\":\"丙\","
      "\"max_points\":6,\"applies_to\":[\"department\"]}]}],\"bonus\":[{\"code\":\"B1\",\"name\":"
      "\"加分\",\"points\":1,\"cap\":2}],\"veto\":[{\"code\":\"V1\",\"name\":\"否决\",\"effect\":"
      "\"grade:不合格\"}]}",
      0, NULL);
}

START_TEST(bad_rubrics_name_the_node)
{
  json_t *ok = small();
  char *body = json_dumps(ok, 0);
  json_decref(call("POST", "/api/v1/rubrics", body, 201));
  free(body);
  json_decref(ok);
  const struct {
    const char *path; /* JSON pointer-ish: where to change */
    const char *value;
    const char *field, *needle;
  } cases[] = {
      {"dup", NULL, "areas[0].children[1].code", "1.1"},
      {"neg", NULL, "areas[0].children[0].max_points", "1.1"},
      {"str", NULL, "areas[0].children[0].max_points", "1.1"},
      {"sum", NULL, "total_points", "9"},
      {"kind", NULL, "areas[0].children[1].applies_to", "planet"},
      {"deep", NULL, "areas[0].children[0].children[0].children", "1.1.1"},
      {"unknown", NULL, "areas[0].children[0].weight", "weight"},
      {"veto", NULL, "veto[0].effect", "V1"},
      {"cap", NULL, "bonus[0].cap", "B1"},
      {"emptyarea", NULL, "areas[0]", "1"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    json_t *r = small();
    json_t *c0 = json_array_get(
        json_object_get(json_array_get(json_object_get(r, "areas"), 0), "children"), 0);
    json_t *c1 = json_array_get(
        json_object_get(json_array_get(json_object_get(r, "areas"), 0), "children"), 1);
    const char *k = cases[i].path;
    if (!strcmp(k, "dup")) json_object_set_new(c1, "code", json_string("1.1"));
    if (!strcmp(k, "neg")) json_object_set_new(c0, "max_points", json_real(-4));
    if (!strcmp(k, "str")) json_object_set_new(c0, "max_points", json_string("4"));
    if (!strcmp(k, "sum")) json_object_set_new(c0, "max_points", json_real(3));
    if (!strcmp(k, "kind")) json_object_set_new(c1, "applies_to", json_pack("[s]", "planet"));
    if (!strcmp(k, "deep"))
      json_object_set_new(c0, "children",
                          json_pack("[{s:s,s:s,s:[{s:s,s:s,s:f}]}]", "code", "1.1.1", "name", "丁",
                                    "children", "code", "1.1.1.1", "name", "戊", "max_points",
                                    4.0));
    if (!strcmp(k, "deep")) json_object_del(c0, "max_points");
    if (!strcmp(k, "unknown")) json_object_set_new(c0, "weight", json_integer(1));
    if (!strcmp(k, "veto"))
      json_object_set_new(json_array_get(json_object_get(r, "veto"), 0), "effect",
                          json_string("grade:特优"));
    if (!strcmp(k, "cap"))
      json_object_set_new(json_array_get(json_object_get(r, "bonus"), 0), "cap", json_real(0.5));
    if (!strcmp(k, "emptyarea")) {
      json_t *a0 = json_array_get(json_object_get(r, "areas"), 0);
      json_object_del(a0, "children");
    }
    char *b = json_dumps(r, 0);
    json_t *e = call("POST", "/api/v1/rubrics", b, 400);
    free(b);
    json_t *err = json_object_get(e, "error");
    ck_assert_msg(!strcmp(json_string_value(json_object_get(err, "field")), cases[i].field),
                  "%s: field %s", k, json_string_value(json_object_get(err, "field")));
    const char *detail = json_string_value(json_object_get(err, "detail"));
    ck_assert_msg(detail && strstr(detail, cases[i].needle), "%s: detail %s", k,
                  detail ? detail : "none");
    json_decref(e);
    json_decref(r);
  }
  /* 10,000 nodes: refused by count, not by time or memory. */
  json_t *big = small();
  json_t *kids = json_array();
  for (int i = 0; i < 10000; i++) {
    char code[16];
    snprintf(code, sizeof code, "1.%d", i + 1);
    json_array_append_new(
        kids, json_pack("{s:s,s:s,s:f}", "code", code, "name", "项", "max_points", 0.01));
  }
  json_object_set_new(json_array_get(json_object_get(big, "areas"), 0), "children", kids);
  char *b = json_dumps(big, JSON_COMPACT);
  long long t0 = tu_now_ms();
  json_t *e = call("POST", "/api/v1/rubrics", b, 400);
  ck_assert_int_lt(tu_now_ms() - t0, 5000);
  ck_assert_ptr_nonnull(
      strstr(json_string_value(json_object_get(json_object_get(e, "error"), "detail")), "2000"));
  json_decref(e);
  free(b);
  json_decref(big);
  /* Editing: the demo rubric is frozen (its cycles use it); the new one can be replaced. */
  json_t *edit = small();
  json_object_set_new(edit, "name", json_string("细则（修订）"));
  b = json_dumps(edit, 0);
  e = call("PUT", "/api/v1/rubrics/1", b, 409);
  ck_assert_ptr_nonnull(
      strstr(json_string_value(json_object_get(json_object_get(e, "error"), "detail")), "新版本"));
  json_decref(e);
  e = call("PUT", "/api/v1/rubrics/2", b, 200);
  ck_assert_str_eq(json_string_value(json_object_get(json_object_get(e, "rubric"), "name")),
                   "细则（修订）");
  json_decref(e);
  free(b);
  json_decref(edit);
  /* Nothing half-stored: only the demo rubric and the valid small one exist. */
  json_t *j = call("GET", "/api/v1/rubrics", NULL, 200);
  ck_assert_int_eq(json_array_size(json_object_get(j, "rubrics")), 2);
  json_decref(j);
}
END_TEST

/* Counts the leaves below NODES. */
static size_t count_leaves(json_t *nodes)
{
  size_t n = 0, i;
  json_t *x;
  json_array_foreach(nodes, i, x)
  {
    json_t *c = json_object_get(x, "children");
    n += json_is_array(c) ? count_leaves(c) : 1;
  }
  return n;
}

START_TEST(draft_from_a_work_plan_and_save_it)
{
  const char *src = getenv("KAOPING_SOURCE_DIR");
  char path[600];
  snprintf(path, sizeof path, "%s/../shared/corpus/003_f171a35ac8c36bb3.txt", src ? src : ".");
  json_t *text = NULL;
  size_t want_areas = 2, want_leaves = 3;
  FILE *f = fopen(path, "rb");
  if (f) {
    static char buf[200000];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    text = json_string(buf);
    want_areas = 7;
    want_leaves = 19;
  } else {
    printf("SKIP: ../shared/corpus not found; drafting from a written plan instead\n");
    text = json_string(
        "某县2024年法治政府建设工作要点\n一、总体要求\n坚持依法行政。\n二、主要任务\n"
        "（一）依法全面履行政府职能\n1.推进简政放权。全面落实权责清单。（责任单位：县政府办）\n"
        "2.加强市场监管。推行双随机抽查。（责任单位：县市场监管局）\n（二）健全依法决策机制\n"
        "3.落实重大行政决策程序。（责任单位：县司法局）\n三、组织保障\n加强领导。\n");
  }
  json_t *req = json_pack("{s:o,s:i}", "text", text, "total_points", 100);
  char *body = json_dumps(req, JSON_COMPACT);
  json_decref(req);
  json_t *j = call("POST", "/api/v1/rubrics/draft", body, 200);
  free(body);
  json_t *rb = json_object_get(j, "rubric");
  ck_assert_int_eq(json_array_size(json_object_get(rb, "areas")), want_areas);
  ck_assert_int_eq(count_leaves(json_object_get(rb, "areas")), want_leaves);
  json_t *first = json_array_get(
      json_object_get(json_array_get(json_object_get(rb, "areas"), 0), "children"), 0);
  ck_assert(json_string_length(json_object_get(first, "responsible")) > 0);
  ck_assert_int_gt(json_array_size(json_object_get(j, "notes")), 0);
  /* The admin saves the draft as it is: it passes every rule, responsible units included. */
  body = json_dumps(rb, JSON_COMPACT);
  json_t *saved = call("POST", "/api/v1/rubrics", body, 201);
  free(body);
  json_t *sfirst = json_array_get(
      json_object_get(json_array_get(json_object_get(json_object_get(saved, "rubric"), "areas"), 0),
                      "children"),
      0);
  ck_assert_str_eq(json_string_value(json_object_get(sfirst, "responsible")),
                   json_string_value(json_object_get(first, "responsible")));
  json_decref(saved);
  json_decref(j);
  /* The same from an uploaded file. */
  char file[300];
  snprintf(file, sizeof file, "%s/plan.txt", d.dir);
  f = fopen(file, "w");
  fputs("一、依法行政（30分）\n1.规范性文件备案（10分）\n2.合法性审查\n二、行政执法（70分）\n1."
        "三项制度\n2.执法监督\n",
        f);
  fclose(f);
  j = tu_upload(d.url, jar, csrf, "/api/v1/rubrics/draft/file?total_points=100", file, "plan.txt",
                NULL, 200);
  json_t *a0 = json_array_get(json_object_get(json_object_get(j, "rubric"), "areas"), 0);
  ck_assert_int_eq((int)json_number_value(json_object_get(
                       json_array_get(json_object_get(a0, "children"), 0), "max_points")),
                   10);
  ck_assert_int_eq((int)json_number_value(json_object_get(
                       json_array_get(json_object_get(a0, "children"), 1), "max_points")),
                   20);
  json_decref(j);
  /* Nothing to draft from. */
  j = call("POST", "/api/v1/rubrics/draft", "{\"text\":\"只是一段没有编号的文字。\"}", 400);
  ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "error"), "field")),
                   "text");
  json_decref(j);
  json_decref(call("POST", "/api/v1/rubrics/draft", "{\"text\":\"\"}", 400));
}
END_TEST

START_TEST(template_cycle_rubric_and_freezing)
{
  /* Start from the built-in template, save it, give it to a new cycle. */
  json_t *t = call("GET", "/api/v1/rubrics/template", NULL, 200);
  json_t *tpl = json_object_get(t, "rubric");
  ck_assert_int_eq(json_array_size(json_object_get(tpl, "areas")), 10);
  char *body = json_dumps(tpl, JSON_COMPACT);
  json_t *saved = call("POST", "/api/v1/rubrics", body, 201);
  free(body);
  long long rid = json_integer_value(json_object_get(json_object_get(saved, "rubric"), "id"));
  json_decref(saved);
  json_decref(t);
  char b[200], path[100];
  snprintf(b, sizeof b, "{\"year\":2025,\"title\":\"2025年度考核\",\"rubric_id\":%lld}", rid);
  json_t *c = call("POST", "/api/v1/cycles", b, 201);
  long long cid = json_integer_value(json_object_get(json_object_get(c, "cycle"), "id"));
  ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(c, "cycle"), "rubric_id")),
                   rid);
  json_decref(c);
  json_decref(
      call("POST", "/api/v1/cycles", "{\"year\":2025,\"title\":\"x\",\"rubric_id\":999}", 400));
  /* Editable until review starts; then frozen, and the cycle keeps it. */
  snprintf(path, sizeof path, "/api/v1/rubrics/%lld", rid);
  json_t *rb = call("GET", path, NULL, 200);
  json_t *in = json_deep_copy(json_object_get(rb, "rubric"));
  const char *drop[] = {"id", "version", "frozen", "created_at"};
  for (int i = 0; i < 4; i++) json_object_del(in, drop[i]);
  size_t i;
  json_t *a;
  json_array_foreach(json_object_get(in, "areas"), i, a) json_object_del(a, "points");
  body = json_dumps(in, JSON_COMPACT);
  json_decref(call("PUT", path, body, 200));
  char cpath[100];
  snprintf(cpath, sizeof cpath, "/api/v1/cycles/%lld", cid);
  json_decref(call("PATCH", cpath, "{\"phase\":\"submission\"}", 200));
  json_decref(call("PATCH", cpath, "{\"phase\":\"review\"}", 200));
  json_decref(call("PUT", path, body, 409));
  snprintf(b, sizeof b, "{\"rubric_id\":%lld}", rid);
  json_decref(call("PATCH", cpath, b, 409));
  free(body);
  json_decref(in);
  json_decref(rb);
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("rubrics");
  TCase *tc = tcase_create("rubrics");
  tcase_add_checked_fixture(tc, start, stop);
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, demo_rubric_and_round_trip);
  tcase_add_test(tc, bad_rubrics_name_the_node);
  tcase_add_test(tc, draft_from_a_work_plan_and_save_it);
  tcase_add_test(tc, template_cycle_rubric_and_freezing);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return tu_run_suite(suite());
}
