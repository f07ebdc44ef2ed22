/*
 * unit_rubric_draft.c - Check suite for rubric_draft.c: the county work plan in the corpus
 * (7 areas, 19 tasks with their 责任单位, no preamble or closing part, points summing to 100),
 * synthetic scoring sheets with stated points, a flat list, third-level items, and bad input:
 * empty text, text without numbering, a 2 MB text under a time limit, random bytes.
 *
 * The corpus is read from $KAOPING_SOURCE_DIR/../shared/corpus; when it is missing the corpus
 * case prints "SKIP: ../shared/corpus not found" and passes.
 */
#include "err.h"
#include "rubric_draft.h"

#include "testutil.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- helpers ---- */

static json_t *draft_ok(const char *text, size_t len, double total)
{
  json_t *out = NULL;
  const char *detail = "x";
  int rc = rubric_draft(text, len, total, &out, &detail);
  ck_assert_int_eq(rc, E_OK);
  ck_assert_ptr_null(detail);
  ck_assert_ptr_nonnull(out);
  return out;
}

/* Appends every leaf below the array ITEMS to LEAVES (borrowed references). */
static void collect_leaves(json_t *items, json_t *leaves)
{
  size_t i;
  json_t *it;
  json_array_foreach(items, i, it)
  {
    json_t *kids = json_object_get(it, "children");
    if (kids)
      collect_leaves(kids, leaves);
    else
      json_array_append(leaves, it);
  }
}

static json_t *leaves_of(json_t *rubric)
{
  json_t *leaves = json_array();
  size_t i;
  json_t *a;
  json_array_foreach(json_object_get(rubric, "areas"), i, a)
  {
    ck_assert_ptr_nonnull(json_object_get(a, "children"));
    collect_leaves(json_object_get(a, "children"), leaves);
  }
  return leaves;
}

static double points_sum(json_t *leaves)
{
  double s = 0;
  size_t i;
  json_t *l;
  json_array_foreach(leaves, i, l)
  {
    double p = json_real_value(json_object_get(l, "max_points"));
    ck_assert(fabs(p * 2 - round(p * 2)) < 1e-9); /* 0.5 steps */
    s += p;
  }
  return s;
}

static const char *str(json_t *o, const char *k)
{
  const char *s = json_string_value(json_object_get(o, k));
  return s ? s : "";
}

static double seconds(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- the corpus work plan ---- */

START_TEST(corpus_work_plan)
{
  const char *src = getenv("KAOPING_SOURCE_DIR");
  char path[1024];
  snprintf(path, sizeof path, "%s/../shared/corpus/003_f171a35ac8c36bb3.txt", src ? src : ".");
  size_t len;
  char *text = tu_slurp(path, &len);
  if (!text) {
    printf("SKIP: ../shared/corpus not found\n");
    return;
  }
  json_t *r = draft_ok(text, len, 100);
  if (getenv("RUBRIC_DRAFT_DUMP")) json_dumpf(r, stdout, JSON_INDENT(2)), puts("");
  ck_assert(strstr(str(r, "name"), "2017年法治政府建设工作要点") != NULL);
  json_t *areas = json_object_get(r, "areas");
  ck_assert_int_eq(json_array_size(areas), 7);
  static const char *const area_names[] = {"依法全面履行政府职能",       "加强依法行政制度建设",
                                           "扎实推行依法决策",           "切实加强行政执法",
                                           "强化对行政权力的监督和制约", "全面推进政府信息公开",
                                           "依法预防和化解社会矛盾"};
  for (size_t i = 0; i < 7; i++) {
    json_t *a = json_array_get(areas, i);
    ck_assert_str_eq(str(a, "name"), area_names[i]);
    char code[8];
    snprintf(code, sizeof code, "%zu", i + 1);
    ck_assert_str_eq(str(a, "code"), code);
  }
  json_t *leaves = leaves_of(r);
  ck_assert_int_eq(json_array_size(leaves), 19);
  long prev = 0;
  size_t i;
  json_t *l;
  json_array_foreach(leaves, i, l)
  {
    long line = (long)json_integer_value(json_object_get(l, "line"));
    ck_assert_int_gt(line, prev); /* document order */
    prev = line;
    ck_assert_int_gt(strlen(str(l, "responsible")), 0);
    ck_assert(strstr(str(l, "guidance"), "责任单位") == NULL);
    ck_assert(strstr(str(l, "guidance"), "责任部门") == NULL);
    size_t nk = json_array_size(json_object_get(l, "keywords"));
    ck_assert_int_ge(nk, 3);
    ck_assert_int_le(nk, 8);
    ck_assert(json_is_false(json_object_get(l, "points_from_text")));
    /* nothing from the preamble or the closing part */
    ck_assert(strstr(str(l, "name"), "第一责任人") == NULL);
    ck_assert(strstr(str(l, "name"), "考核体系") == NULL);
    ck_assert(strstr(str(l, "name"), "法制队伍") == NULL);
  }
  ck_assert_str_eq(str(json_array_get(leaves, 0), "name"), "积极推进政府职能转变");
  ck_assert_str_eq(str(json_array_get(leaves, 0), "code"), "1.1");
  ck_assert_str_eq(str(json_array_get(leaves, 0), "responsible"),
                   "县编办、县政府法制办、县电子政务办、县发改局、县人社局");
  ck_assert_str_eq(str(json_array_get(leaves, 2), "name"), "加强规范性文件监督管理");
  ck_assert_str_eq(str(json_array_get(leaves, 2), "code"), "2.1");
  ck_assert_str_eq(str(json_array_get(leaves, 2), "responsible"), "县政府法制办");
  ck_assert_str_eq(str(json_array_get(leaves, 5), "responsible"), "各行政执法部门");
  ck_assert_str_eq(str(json_array_get(leaves, 11), "responsible"), "县政府法制办,县人社局、县编办");
  ck_assert_str_eq(str(json_array_get(leaves, 13), "name"), "加强政府层级监督");
  ck_assert_str_eq(str(json_array_get(leaves, 18), "code"), "7.3");
  ck_assert_str_eq(str(json_array_get(leaves, 18), "responsible"), "县政府法制办、各部门");
  /* the rest of the paragraph, without the heading sentence */
  ck_assert(strncmp(str(json_array_get(leaves, 1), "guidance"), "推进商事登记便利化", 27) == 0);
  ck_assert(fabs(points_sum(leaves) - 100) < 1e-9);
  ck_assert(fabs(json_real_value(json_object_get(r, "total_points")) - 100) < 1e-9);
  /* notes: averaged points, skipped parts */
  const char *notes = NULL;
  char *dump = json_dumps(json_object_get(r, "notes"), 0);
  notes = dump;
  ck_assert(strstr(notes, "分值为平均分配，请调整") != NULL);
  ck_assert(strstr(notes, "总体要求") != NULL);
  ck_assert(strstr(notes, "组织保障和落实机制") != NULL);
  free(dump);
  json_decref(leaves);
  json_decref(r);
  free(text);
}
END_TEST

/* ---- synthetic documents ---- */

static const char sheet[] =
    "某县2023年度法治政府建设考核评分标准\n"
    "一、依法全面履行政府职能（20分）\n"
    "1. 推进政府职能转变（5分）。按要求公布权力清单和责任清单，未公布的扣2分。\n"
    "2. 深化“放管服”改革。每少一项扣0.5分，扣完为止。\n"
    "3. 加强市场监管。落实“双随机、一公开”监管。牵头单位：县市场监管局\n"
    "二、健全依法决策机制（30分）\n"
    "1. 落实重大行政决策程序。严格执行合法性审查。\n"
    "2. 完善政府法律顾问制度。实现法律顾问全覆盖。\n"
    "三、严格规范公正文明执法\n"
    "1. 推行行政执法三项制度。\n"
    "2. 规范行政裁量权。\n"
    "3. 加强执法人员管理。\n"
    "4. 落实执法责任制（共8分）。\n";

START_TEST(sheet_stated_points)
{
  json_t *r = draft_ok(sheet, strlen(sheet), 100);
  if (getenv("RUBRIC_DRAFT_DUMP")) json_dumpf(r, stdout, JSON_INDENT(2)), puts("");
  ck_assert_str_eq(str(r, "name"), "某县2023年度法治政府建设考核评分标准");
  json_t *areas = json_object_get(r, "areas");
  ck_assert_int_eq(json_array_size(areas), 3);
  ck_assert_str_eq(str(json_array_get(areas, 0), "name"), "依法全面履行政府职能");
  json_t *leaves = leaves_of(r);
  ck_assert_int_eq(json_array_size(leaves), 9);
  static const double want[] = {5, 7.5, 7.5, 15, 15, 14, 14, 14, 8};
  for (size_t i = 0; i < 9; i++) {
    json_t *l = json_array_get(leaves, i);
    ck_assert_double_eq_tol(json_real_value(json_object_get(l, "max_points")), want[i], 1e-9);
    ck_assert_int_eq(json_is_true(json_object_get(l, "points_from_text")), i == 0 || i == 8);
  }
  ck_assert_str_eq(str(json_array_get(leaves, 0), "name"), "推进政府职能转变");
  ck_assert_str_eq(str(json_array_get(leaves, 8), "name"), "落实执法责任制");
  ck_assert(strstr(str(json_array_get(leaves, 1), "guidance"), "扣完为止") != NULL);
  ck_assert_str_eq(str(json_array_get(leaves, 2), "responsible"), "县市场监管局");
  ck_assert(strstr(str(json_array_get(leaves, 2), "guidance"), "牵头") == NULL);
  ck_assert(json_is_null(json_object_get(json_array_get(leaves, 0), "responsible")));
  /* quoted term as a keyword */
  char *kw = json_dumps(json_object_get(json_array_get(leaves, 2), "keywords"), 0);
  ck_assert(strstr(kw, "双随机、一公开") != NULL);
  free(kw);
  ck_assert(fabs(points_sum(leaves) - 100) < 1e-9);
  json_decref(leaves);
  json_decref(r);
}
END_TEST

START_TEST(third_level_and_flat)
{
  const char *t = "考核细则\n"
                  "一、制度建设\n"
                  "（一）规范性文件管理\n"
                  "1. 合法性审查全覆盖。\n"
                  "2. 备案审查及时。\n"
                  "（二）重大决策\n"
                  "二、执法监督\n"
                  "（一）执法案卷评查。\n";
  json_t *r = draft_ok(t, strlen(t), 100);
  json_t *a0 = json_array_get(json_object_get(r, "areas"), 0);
  json_t *c0 = json_array_get(json_object_get(a0, "children"), 0);
  ck_assert_str_eq(str(c0, "code"), "1.1");
  ck_assert_ptr_null(json_object_get(c0, "max_points"));
  json_t *g = json_array_get(json_object_get(c0, "children"), 1);
  ck_assert_str_eq(str(g, "code"), "1.1.2");
  ck_assert_str_eq(str(g, "name"), "备案审查及时");
  json_t *leaves = leaves_of(r);
  ck_assert_int_eq(json_array_size(leaves), 4);
  ck_assert(fabs(points_sum(leaves) - 100) < 1e-9);
  json_decref(leaves);
  json_decref(r);

  const char *flat = "1. 公布权力清单。\n2、开展行政复议。\n3．做好普法宣传。\n";
  r = draft_ok(flat, strlen(flat), 10);
  ck_assert(json_is_null(json_object_get(r, "name")));
  leaves = leaves_of(r);
  ck_assert_int_eq(json_array_size(leaves), 3);
  ck_assert(fabs(points_sum(leaves) - 10) < 1e-9);
  ck_assert_double_eq_tol(json_real_value(json_object_get(json_array_get(leaves, 2), "max_points")),
                          3.5, 1e-9);
  json_decref(leaves);
  json_decref(r);
}
END_TEST

/* ---- bad input ---- */

START_TEST(rejects_unstructured)
{
  json_t *out = (json_t *)1;
  const char *detail = NULL;
  ck_assert_int_eq(rubric_draft("", 0, 100, &out, &detail), E_VALIDATION);
  ck_assert_ptr_null(out);
  ck_assert_ptr_nonnull(detail);
  ck_assert_int_eq(rubric_draft(NULL, 0, 100, &out, &detail), E_VALIDATION);
  const char *prose = "今年我们认真推进依法行政。\n2017年完成各项任务，成效明显。\n3.5%的增长。\n";
  detail = NULL;
  ck_assert_int_eq(rubric_draft(prose, strlen(prose), 100, &out, &detail), E_VALIDATION);
  ck_assert_ptr_null(out);
  ck_assert(strstr(detail, "编号结构") != NULL);
  ck_assert_int_eq(rubric_draft(sheet, strlen(sheet), 0, &out, &detail), E_VALIDATION);
  ck_assert_int_eq(rubric_draft(sheet, strlen(sheet), NAN, &out, NULL), E_VALIDATION);
}
END_TEST

START_TEST(big_text_is_fast)
{
  const char *unit = "（一）加强执法监督\n"
                     "1. 推行行政执法公示制度。落实“双随机、一公开”，每少一次扣0.5分。"
                     "（责任单位：县司法局）\n"
                     "2. 完善法律顾问制度（2分）。\n";
  size_t ul = strlen(unit), cap = 2u << 20;
  char *t = malloc(cap + 64);
  ck_assert_ptr_nonnull(t);
  size_t n = 0;
  n += (size_t)sprintf(t, "二、主要任务\n");
  while (n + ul < cap) memcpy(t + n, unit, ul), n += ul;
  double t0 = seconds();
  json_t *r = draft_ok(t, n, 100);
  double dt = seconds() - t0;
  printf("2 MB work plan: %.3f s, %zu areas\n", dt, json_array_size(json_object_get(r, "areas")));
  ck_assert(dt < 2.0 * TU_SLOW);
  json_decref(r);

  /* one huge task: keywords must not go quadratic */
  memcpy(t, "一、主要任务\n1. 推进公开。", strlen("一、主要任务\n1. 推进公开。"));
  n = strlen("一、主要任务\n1. 推进公开。");
  while (n + 18 <= cap) memcpy(t + n, "制度清单审查", 18), n += 18;
  t0 = seconds();
  r = draft_ok(t, n, 100);
  dt = seconds() - t0;
  printf("2 MB single task: %.3f s\n", dt);
  ck_assert(dt < 2.0 * TU_SLOW);
  json_decref(r);

  /* many tasks of 3 KB full of cue words */
  n = (size_t)sprintf(t, "一、主要任务\n");
  while (n + 3100 < cap) {
    n += (size_t)sprintf(t + n, "1. 推进公开。");
    for (int k = 0; k < 170; k++) memcpy(t + n, "制度清单审查", 18), n += 18;
    t[n++] = '\n';
  }
  t0 = seconds();
  r = draft_ok(t, n, 100);
  dt = seconds() - t0;
  printf("2 MB of cue-dense tasks: %.3f s\n", dt);
  ck_assert(dt < 2.0 * TU_SLOW);
  json_decref(r);
  free(t);
}
END_TEST

START_TEST(random_bytes)
{
  unsigned seed = 12345;
  size_t cap = 1 << 16;
  char *t = malloc(cap);
  ck_assert_ptr_nonnull(t);
  static const char *const bits[] = {"一、",    "（一）",     "1.",       "\n",   "。",
                                     "（5分）", "责任单位：", "(",        "）",   "“",
                                     "》",      "制度",       "\xE4\xB8", "\xFF", "\0"};
  for (int round = 0; round < 200; round++) {
    size_t n = 0, want = (size_t)(rand_r(&seed) % cap);
    while (n + 16 < want) {
      if (rand_r(&seed) % 2) {
        t[n++] = (char)rand_r(&seed);
      } else {
        const char *b = bits[rand_r(&seed) % (sizeof bits / sizeof bits[0])];
        size_t bl = *b ? strlen(b) : 1;
        memcpy(t + n, b, bl);
        n += bl;
      }
    }
    json_t *out = NULL;
    const char *detail = NULL;
    int rc = rubric_draft(t, n, 100, &out, &detail);
    ck_assert(rc == E_OK || rc == E_VALIDATION);
    if (rc == E_OK) {
      char *s = json_dumps(out, 0); /* every string is valid UTF-8 */
      ck_assert_ptr_nonnull(s);
      free(s);
      json_t *leaves = leaves_of(out);
      ck_assert(json_array_size(leaves) > 0);
      json_decref(leaves);
    }
    json_decref(out);
  }
  free(t);
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("rubric_draft");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, corpus_work_plan);
  tcase_add_test(tc, sheet_stated_points);
  tcase_add_test(tc, third_level_and_flat);
  tcase_add_test(tc, rejects_unstructured);
  tcase_add_test(tc, big_text_is_fast);
  tcase_add_test(tc, random_bytes);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return tu_run_suite(suite());
}
