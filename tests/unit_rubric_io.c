/*
 * unit_rubric_io.c - Check suite for rubric_io.c: the demo rubric and a rubric using every
 * feature go to CSV and XLSX files and come back identical through sheet_read(), as the
 * server will read them; the CSV bytes; a CSV in GB18030 as Excel on Chinese Windows saves
 * it; each structural error with its line and sentence; the row limit and a 10,000-row table
 * under a time limit.
 *
 * The demo rubric is read from $KAOPING_SOURCE_DIR/server/demo/rubric-default.json.
 */
#include "err.h"
#include "rubric_io.h"
#include "sheet.h"
#include "zipsafe.h"

#include "testutil.h"

#include <check.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char dir[256]; /* this test's temporary folder */

static void setup(void)
{
  tu_tmpdir(dir, sizeof dir);
}

static void teardown(void)
{
  tu_rmrf(dir);
}

/* ---- helpers ---- */

static double seconds(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *path_of(const char *name)
{
  static char p[512];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  return p;
}

static json_t *demo(void)
{
  const char *src = getenv("KAOPING_SOURCE_DIR");
  char p[1024];
  snprintf(p, sizeof p, "%s/server/demo/rubric-default.json", src ? src : ".");
  json_error_t e;
  json_t *j = json_load_file(p, JSON_REJECT_DUPLICATES, &e);
  ck_assert_msg(j != NULL, "%s: %s", p, e.text);
  return j;
}

/* Imports the table file PATH; RC, LINE and DETAIL receive the result (OUT only on E_OK). */
static int import_file(const char *path, json_t **out, size_t *line, const char **detail)
{
  struct sheet s;
  const char *why = NULL;
  int rc = sheet_read(path, &s, &why);
  ck_assert_msg(rc == E_OK, "sheet_read %s: %d %s", path, rc, why ? why : "");
  rc = rubric_from_sheet(&s, out, line, detail);
  sheet_free(&s);
  return rc;
}

static json_t *import_ok(const char *path)
{
  json_t *out = NULL;
  size_t line = 99;
  const char *detail = NULL;
  int rc = import_file(path, &out, &line, &detail);
  ck_assert_msg(rc == E_OK, "import %s: %d line %zu: %s", path, rc, line, detail ? detail : "");
  ck_assert_ptr_nonnull(out);
  return out;
}

static json_t *import_csv_ok(const char *csv)
{
  tu_spit(path_of("t.csv"), csv, strlen(csv));
  return import_ok(path_of("t.csv"));
}

/* Asserts that the CSV text CSV is refused about LINE with a sentence containing FRAGMENT. */
#define want_error(csv, line, fragment) want_error_at(__LINE__, csv, line, fragment)
static void want_error_at(int at, const char *csv, size_t want_line, const char *fragment)
{
  tu_spit(path_of("e.csv"), csv, strlen(csv));
  json_t *out = (json_t *)1;
  size_t line = 99;
  const char *detail = NULL;
  int rc = import_file(path_of("e.csv"), &out, &line, &detail);
  ck_assert_msg(rc == E_VALIDATION, "test line %d: rc %d", at, rc);
  ck_assert_ptr_null(out);
  ck_assert_ptr_nonnull(detail);
  ck_assert_msg(line == want_line, "test line %d: line %zu, want %zu (%s)", at, line, want_line,
                detail);
  ck_assert_msg(strstr(detail, fragment) != NULL, "test line %d: \"%s\" lacks \"%s\"", at, detail,
                fragment);
  char prefix[32];
  snprintf(prefix, sizeof prefix, "第 %zu 行：", want_line);
  if (want_line) ck_assert_msg(!strncmp(detail, prefix, strlen(prefix)), "%s", detail);
}

/* Removes every "line" member below J. */
static void strip_lines(json_t *j)
{
  size_t i;
  json_t *v;
  const char *k;
  if (json_is_object(j)) {
    json_object_del(j, "line");
    json_object_foreach(j, k, v) strip_lines(v);
  } else if (json_is_array(j)) {
    json_array_foreach(j, i, v) strip_lines(v);
  }
}

/* Turns every whole real below J into an integer. */
static void whole_reals(json_t *j)
{
  size_t i;
  json_t *v;
  const char *k;
  if (json_is_object(j)) {
    json_object_foreach(j, k, v)
    {
      if (json_is_real(v) && json_real_value(v) == (double)(json_int_t)json_real_value(v))
        json_object_set_new(j, k, json_integer((json_int_t)json_real_value(v)));
      else
        whole_reals(v);
    }
  } else if (json_is_array(j)) {
    json_array_foreach(j, i, v)
    {
      if (json_is_real(v) && json_real_value(v) == (double)(json_int_t)json_real_value(v))
        json_array_set_new(j, i, json_integer((json_int_t)json_real_value(v)));
      else
        whole_reals(v);
    }
  }
}

static void normalise_nodes(json_t *list)
{
  size_t i;
  json_t *n;
  json_array_foreach(list, i, n)
  {
    json_object_del(n, "points");
    json_object_del(n, "kind");
    if (!json_is_array(json_object_get(n, "keywords")))
      json_object_set_new(n, "keywords", json_array());
    if (!json_object_get(n, "applies_to")) json_object_set_new(n, "applies_to", json_null());
    static const char *const texts[] = {"guidance", "responsible"};
    for (int t = 0; t < 2; t++)
      if (!json_string_length(json_object_get(n, texts[t]))) json_object_del(n, texts[t]);
    normalise_nodes(json_object_get(n, "children"));
  }
}

/* The documented normalisation of rubric_io.h, applied to a rubric that did not come from
 * an import. */
static void normalise(json_t *rb)
{
  static const char *const extras[] = {"id",           "version", "frozen",  "created_at",
                                       "derived_from", "family",  "versions"};
  for (size_t i = 0; i < sizeof extras / sizeof extras[0]; i++) json_object_del(rb, extras[i]);
  if (!json_object_get(rb, "rules")) json_object_set_new(rb, "rules", json_object());
  static const char *const lists[] = {"grade_bands", "bonus", "deduction", "veto"};
  for (int i = 0; i < 4; i++)
    if (!json_object_get(rb, lists[i])) json_object_set_new(rb, lists[i], json_array());
  for (int i = 1; i < 3; i++) {
    size_t k;
    json_t *x;
    json_array_foreach(json_object_get(rb, lists[i]), k, x)
    {
      if (json_is_null(json_object_get(x, "cap"))) json_object_del(x, "cap");
      if (!json_string_length(json_object_get(x, "area"))) json_object_del(x, "area");
    }
  }
  normalise_nodes(json_object_get(rb, "areas"));
  whole_reals(rb);
}

static void assert_same(json_t *got, json_t *want)
{
  if (json_equal(got, want)) return;
  char *g = json_dumps(got, JSON_SORT_KEYS | JSON_INDENT(1)),
       *w = json_dumps(want, JSON_SORT_KEYS | JSON_INDENT(1));
  tu_spit(path_of("got.json"), g, strlen(g));
  tu_spit(path_of("want.json"), w, strlen(w));
  ck_abort_msg("round trip differs:\n--- got\n%.3000s\n--- want\n%.3000s", g, w);
}

/* Exports RB to CSV and to XLSX, imports both files and checks they give RB back. */
static void round_trip(json_t *rb)
{
  json_t *want = json_deep_copy(rb);
  normalise(want);

  char *csv = NULL;
  size_t len = 0;
  ck_assert_int_eq(rubric_to_csv(rb, &csv, &len), E_OK);
  ck_assert_uint_eq(strlen(csv), len);
  tu_spit(path_of("r.csv"), csv, len);
  free(csv);
  json_t *from_csv = import_ok(path_of("r.csv"));

  ck_assert_int_eq(rubric_to_xlsx(rb, path_of("r.xlsx"), dir), E_OK);
  json_t *from_xlsx = import_ok(path_of("r.xlsx"));

  /* same rows, same line numbers */
  assert_same(from_csv, from_xlsx);
  strip_lines(from_csv);
  assert_same(from_csv, want);

  json_decref(from_csv);
  json_decref(from_xlsx);
  json_decref(want);
}

/* A rubric using every feature. */
static const char full_json[] =
    "{\"name\": \"全功能细则, 含“引号”\", \"total_points\": 100,"
    " \"rules\": {\"score_step\": 0.25, \"bonus_cap\": 5, \"deduction_cap\": null,"
    "   \"na_rescale\": false},"
    " \"grade_bands\": [{\"name\": \"优秀\", \"min\": 90}, {\"name\": \"合格\", \"min\": 60.5},"
    "   {\"name\": \"不合格\", \"min\": 0}],"
    " \"areas\": ["
    "  {\"code\": \"1\", \"name\": \"一级 甲\", \"responsible\": \"县司法局\", \"children\": ["
    "    {\"code\": \"1.1\", \"name\": \"二级, 带逗号\", \"keywords\": [\"分组词\"], \"children\": "
    "["
    "      {\"code\": \"1.1.1\", \"name\": \"三级 A\", \"max_points\": 12.25,"
    "       \"guidance\": \"第一行\\n第二行, 有逗号\\n他说\\\"好\\\"，再扣 1 分\","
    "       \"keywords\": [\"双随机、一公开\", \"key word\", \"行政 执法\"],"
    "       \"applies_to\": [\"county\", \"department\"], \"responsible\": \"县政府办\"},"
    "      {\"code\": \"1.1.2\", \"name\": \"三级 B\", \"max_points\": 0.01, \"keywords\": [],"
    "       \"applies_to\": null, \"guidance\": \"\", \"responsible\": \"\"}]},"
    "    {\"code\": \"1.2\", \"name\": \"二级\", \"max_points\": 37.74}]},"
    "  {\"code\": \"2\", \"name\": \"一级 乙\", \"applies_to\": [\"zone\"], \"children\": ["
    "    {\"code\": \"2.1\", \"name\": \"x\", \"max_points\": 50.0}]}],"
    " \"bonus\": [{\"code\": \"B1\", \"name\": \"示范\", \"points\": 1.5, \"cap\": 3},"
    "   {\"code\": \"B2\", \"name\": \"无上限\", \"points\": 1}],"
    " \"deduction\": [{\"code\": \"D1\", \"name\": \"扣一级甲\", \"points\": 0.5, \"cap\": 2,"
    "   \"area\": \"1\"}, {\"code\": \"D2\", \"name\": \"扣总分\", \"points\": 1, \"cap\": null}],"
    " \"veto\": [{\"code\": \"V1\", \"name\": \"否决\", \"effect\": \"grade:不合格\"},"
    "   {\"code\": \"V2\", \"name\": \"封顶\", \"effect\": \"cap:合格\"}]}";

static json_t *full(void)
{
  json_error_t e;
  json_t *j = json_loads(full_json, JSON_REJECT_DUPLICATES, &e);
  ck_assert_msg(j != NULL, "%s", e.text);
  return j;
}

/* ---- round trips ---- */

START_TEST(demo_round_trip)
{
  json_t *rb = demo();
  round_trip(rb);
  json_decref(rb);
}
END_TEST

START_TEST(full_round_trip)
{
  json_t *rb = full();
  round_trip(rb);

  /* lines: header 1, 细则 2, rules 3-6, bands 7-9, nodes 10-16, bonus 17-18, deduction
   * 19-20, veto 21-22 */
  char *csv = NULL;
  size_t len;
  ck_assert_int_eq(rubric_to_csv(rb, &csv, &len), E_OK);
  tu_spit(path_of("f.csv"), csv, len);
  free(csv);
  json_t *got = import_ok(path_of("f.csv"));
  json_t *a0 = json_array_get(json_object_get(got, "areas"), 0);
  json_t *g = json_array_get(json_object_get(a0, "children"), 0);
  json_t *b = json_array_get(json_object_get(g, "children"), 1);
  ck_assert_int_eq(json_integer_value(json_object_get(
                       json_array_get(json_object_get(got, "grade_bands"), 0), "line")),
                   7);
  ck_assert_int_eq(json_integer_value(json_object_get(a0, "line")), 10);
  ck_assert_str_eq(json_string_value(json_object_get(b, "code")), "1.1.2");
  ck_assert_int_eq(json_integer_value(json_object_get(b, "line")), 13); /* after a 3-line cell */
  ck_assert_int_eq(
      json_integer_value(json_object_get(json_array_get(json_object_get(got, "veto"), 1), "line")),
      22);
  ck_assert(json_is_real(json_object_get(b, "max_points")));
  ck_assert(json_is_integer(json_object_get(got, "total_points")));
  ck_assert(json_is_null(json_object_get(json_object_get(got, "rules"), "deduction_cap")));
  ck_assert(json_is_false(json_object_get(json_object_get(got, "rules"), "na_rescale")));
  json_decref(got);

  /* rubric_get()'s extra members change nothing */
  char *plain = NULL, *extra = NULL;
  size_t pl, el;
  ck_assert_int_eq(rubric_to_csv(rb, &plain, &pl), E_OK);
  json_object_set_new(rb, "id", json_integer(7));
  json_object_set_new(rb, "version", json_integer(2));
  json_object_set_new(rb, "frozen", json_true());
  json_object_set_new(rb, "versions", json_array());
  json_object_set_new(a0 = json_array_get(json_object_get(rb, "areas"), 0), "points",
                      json_real(50));
  json_object_set_new(a0, "kind", json_string("area"));
  ck_assert_int_eq(rubric_to_csv(rb, &extra, &el), E_OK);
  ck_assert_uint_eq(pl, el);
  ck_assert_mem_eq(plain, extra, pl);
  free(plain);
  free(extra);
  json_decref(rb);
}
END_TEST

/* ---- the files themselves ---- */

START_TEST(csv_bytes)
{
  json_t *rb = full();
  char *csv = NULL;
  size_t len = 0;
  ck_assert_int_eq(rubric_to_csv(rb, &csv, &len), E_OK);
  static const char head[] = "\xEF\xBB\xBF"
                             "编号,上级编号,类型,名称,分值,上限,效果,评分标准,关键词,"
                             "适用单位类别,责任单位\r\n"
                             ",,细则,\"全功能细则, 含“引号”\",100,,,,,,\r\n"
                             "score_step,,规则,评分步长,0.25,,,,,,\r\n";
  ck_assert_mem_eq(csv, head, strlen(head));
  ck_assert(strstr(csv, "deduction_cap,,规则,扣分总上限（空 = 不设上限）,,,,,,,\r\n") != NULL);
  ck_assert(strstr(csv, "na_rescale,,规则,不适用指标按比例折算（是/否）,否,,,,,,\r\n") != NULL);
  ck_assert(strstr(csv, ",,等次,合格,60.5,,,,,,\r\n") != NULL);
  ck_assert(strstr(csv,
                   "1.1.1,1.1,三级指标,三级 A,12.25,,,"
                   "\"第一行\n第二行, 有逗号\n他说\"\"好\"\"，再扣 1 分\","
                   "双随机、一公开；key word；行政 执法,county；department,县政府办\r\n") != NULL);
  ck_assert(strstr(csv, "1.1.2,1.1,三级指标,三级 B,0.01,,,,,,\r\n") != NULL);
  ck_assert(strstr(csv, "1.1,1,二级指标,\"二级, 带逗号\",,,,,分组词,,\r\n") != NULL);
  ck_assert(strstr(csv, "2.1,2,二级指标,x,50,,,,,,\r\n") != NULL);
  ck_assert(strstr(csv, "D1,1,扣分项,扣一级甲,0.5,2,,,,,\r\n") != NULL);
  ck_assert(strstr(csv, "B2,,加分项,无上限,1,,,,,,\r\n") != NULL);
  ck_assert(strstr(csv, "V1,,否决项,否决,,,定为:不合格,,,,\r\n") != NULL);
  ck_assert(strstr(csv, "V2,,否决项,封顶,,,至多:合格,,,,\r\n") != NULL);
  ck_assert(len > 2 && !strcmp(csv + len - 2, "\r\n"));
  /* every line break outside quotes is CRLF: 22 rows */
  int quoted = 0, rows = 0;
  for (size_t i = 0; i < len; i++) {
    if (csv[i] == '"') quoted = !quoted;
    if (!quoted && csv[i] == '\n') {
      ck_assert_int_eq(csv[i - 1], '\r');
      rows++;
    }
  }
  ck_assert_int_eq(rows, 22);
  free(csv);
  json_decref(rb);
}
END_TEST

START_TEST(xlsx_cells)
{
  json_t *rb = full();
  ck_assert_int_eq(rubric_to_xlsx(rb, path_of("c.xlsx"), dir), E_OK);
  struct zipsafe *z = NULL;
  const char *detail = NULL;
  ck_assert_int_eq(zipsafe_open(path_of("c.xlsx"), &z, &detail), E_OK);
  char *xml = NULL, *wb = NULL, *st = NULL;
  size_t n;
  ck_assert_int_eq(zipsafe_read_name(z, "xl/worksheets/sheet1.xml", 1 << 20, &xml, &n, &detail),
                   E_OK);
  ck_assert_int_eq(zipsafe_read_name(z, "xl/workbook.xml", 1 << 20, &wb, &n, &detail), E_OK);
  ck_assert_int_eq(zipsafe_read_name(z, "xl/styles.xml", 1 << 20, &st, &n, &detail), E_OK);
  ck_assert(strstr(st, "numFmtId=\"49\"") != NULL); /* "@": 编号 columns keep typed text */
  ck_assert(strstr(st, "wrapText=\"1\"") != NULL);
  ck_assert(strstr(wb, "name=\"评分细则\"") != NULL);
  ck_assert(strstr(xml, "<pane ySplit=\"1\"") != NULL);                  /* frozen header */
  ck_assert(strstr(xml, "<v>12.25</v>") != NULL);                        /* points are numbers */
  ck_assert(strstr(xml, "<col min=\"8\" max=\"8\" width=\"60") != NULL); /* 评分标准 */
  ck_assert(strstr(xml, "<t>1.1.1</t>") != NULL);                        /* codes stay text */
  free(xml);
  free(wb);
  free(st);
  zipsafe_close(z);
  json_decref(rb);
}
END_TEST

START_TEST(gb18030_csv)
{
  json_t *rb = demo();
  char *csv = NULL;
  size_t len = 0;
  ck_assert_int_eq(rubric_to_csv(rb, &csv, &len), E_OK);
  tu_spit(path_of("u.csv"), csv, len);
  json_t *want = import_ok(path_of("u.csv"));

  /* What Excel on Chinese Windows saves: GB18030, no byte-order mark, CRLF. */
  iconv_t cd = iconv_open("GB18030", "UTF-8");
  ck_assert(cd != (iconv_t)-1);
  char *in = csv + 3, *gb = malloc(len * 2), *o = gb;
  size_t inleft = len - 3, outleft = len * 2;
  ck_assert_uint_ne(iconv(cd, &in, &inleft, &o, &outleft), (size_t)-1);
  iconv_close(cd);
  ck_assert_mem_eq(gb, "\xB1\xE0\xBA\xC5,", 5); /* 编号 */
  tu_spit(path_of("g.csv"), gb, (size_t)(o - gb));
  json_t *got = import_ok(path_of("g.csv"));
  assert_same(got, want);
  ck_assert_int_eq(json_array_size(json_object_get(got, "areas")), 10);
  free(gb);
  free(csv);
  json_decref(got);
  json_decref(want);
  json_decref(rb);
}
END_TEST

/* ---- what the importer accepts ---- */

#define H    "编号,上级编号,类型,名称,分值\n"
#define HEAD H ",,细则,测试,100\n"

START_TEST(accepted_forms)
{
  /* English headers and kinds in another column order, plain 指标, separators, blank rows */
  json_t *rb = import_csv_ok("kind,Code,name,parent,points,keywords,applies_to,effect,cap\n"
                             "rubric,,英文表,,10\n"
                             ",,,,\n"
                             "rule,na_rescale,,,TRUE\n"
                             "rule,bonus_cap,,,0\n"
                             "band,,合格,,60\n"
                             "area,A,甲,,,\" 词一 ;词二；；词三 \",county、 city，zone,,\n"
                             "指标,A.1,乙,A,\" 10 \",,,,\n"
                             "item,A.2,丙,A,2.50,,；,,\n"
                             "bonus,B,加,,1,,,,2\n"
                             "deduction,D,扣,A,0.5,,,,\n"
                             "veto,V1,否,,,,,定为：不合格,\n"
                             "veto,V2,否,,,,,cap:合格,\n"
                             "veto,V3,否,,,,,grade：不合格,\n");
  json_t *a = json_array_get(json_object_get(rb, "areas"), 0);
  json_t *kids = json_object_get(a, "children");
  ck_assert_str_eq(json_string_value(json_object_get(rb, "name")), "英文表");
  ck_assert(json_is_true(json_object_get(json_object_get(rb, "rules"), "na_rescale")));
  ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(rb, "rules"), "bonus_cap")),
                   0);
  json_t *want_kw = json_pack("[sss]", "词一", "词二", "词三");
  json_t *want_ap = json_pack("[sss]", "county", "city", "zone");
  ck_assert(json_equal(json_object_get(a, "keywords"), want_kw));
  ck_assert(json_equal(json_object_get(a, "applies_to"), want_ap));
  json_decref(want_kw);
  json_decref(want_ap);
  ck_assert_int_eq(json_array_size(kids), 2);
  ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(kids, 0), "max_points")), 10);
  ck_assert(json_real_value(json_object_get(json_array_get(kids, 1), "max_points")) == 2.5);
  ck_assert(json_is_null(json_object_get(json_array_get(kids, 1), "applies_to")));
  ck_assert_int_eq(json_array_size(json_object_get(json_array_get(kids, 1), "keywords")), 0);
  ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(kids, 1), "line")), 9);
  json_t *d = json_array_get(json_object_get(rb, "deduction"), 0);
  ck_assert_str_eq(json_string_value(json_object_get(d, "area")), "A");
  ck_assert_ptr_null(json_object_get(d, "cap"));
  ck_assert_int_eq(
      json_integer_value(json_object_get(json_array_get(json_object_get(rb, "bonus"), 0), "cap")),
      2);
  json_t *veto = json_object_get(rb, "veto");
  ck_assert_str_eq(json_string_value(json_object_get(json_array_get(veto, 0), "effect")),
                   "grade:不合格");
  ck_assert_str_eq(json_string_value(json_object_get(json_array_get(veto, 1), "effect")),
                   "cap:合格");
  ck_assert_str_eq(json_string_value(json_object_get(json_array_get(veto, 2), "effect")),
                   "grade:不合格");
  json_decref(rb);

  /* numbers: 12.250 and Excel's rounding noise are fine; surrounding spaces too */
  rb = import_csv_ok(H ",,细则,数,12.250\n");
  ck_assert(json_real_value(json_object_get(rb, "total_points")) == 12.25);
  json_decref(rb);
  rb = import_csv_ok(H ",,细则,数,1.2000000000000002\n");
  ck_assert(json_real_value(json_object_get(rb, "total_points")) == 1.2);
  json_decref(rb);
  const char *cells[] = {"类型", "名称", "分值", "细则", "数", " 12.5\t"};
  struct sheet s = {2, 3, (char **)cells, NULL};
  size_t line;
  const char *detail;
  ck_assert_int_eq(rubric_from_sheet(&s, &rb, &line, &detail), E_VALIDATION); /* 编号 etc. */
  ck_assert(strstr(detail, "缺少“编号”列") != NULL);
  const char *cells2[] = {"编号", "上级编号", "类型", "名称", "分值",
                          "",     "",         "细则", "数",   " 12.5\t"};
  s = (struct sheet){2, 5, (char **)cells2, NULL};
  ck_assert_int_eq(rubric_from_sheet(&s, &rb, &line, &detail), E_OK);
  ck_assert(json_real_value(json_object_get(rb, "total_points")) == 12.5);
  json_decref(rb);
}
END_TEST

/* ---- structural errors ---- */

START_TEST(column_errors)
{
  want_error("编号,上级编号,类型,名称\n,,细则,测试\n", 1, "缺少“分值”列");
  want_error("编号,上级编号,类型,名称,分值,备注\n,,细则,测试,100,\n", 1,
             "不认识的列“备注”（F 列）");
  want_error("编号,上级编号,类型,名称,分值,name\n,,细则,测试,100,\n", 1,
             "“名称”列出现了两次（D 列和 F 列）");
  want_error("编号,上级编号,类型,名称,分值,,上限\n,,细则,测试,100,x,\n", 1,
             "F 列没有列名，但第 2 行在这一列有内容“x”");
  /* an empty column without a name is fine */
  json_t *rb = import_csv_ok("编号,上级编号,类型,名称,分值,,上限\n,,细则,测试,100,,\n"
                             "1,,一级指标,甲,\n1.1,1,二级指标,乙,100\n");
  json_decref(rb);
  want_error(H ",,细则,测试,100\n,,,名称,\n", 3, "类型（C 列）为空");
  want_error(H ",,细则,测试,100\n1,,四级指标,甲,\n", 3, "类型（C 列）“四级指标”不认识");
  want_error(H ",,细则,测试,100\n1,,一级指标,甲,\n1.1,1,二级指标,乙,10\nB1,,加分项,x,1\n"
               "V1,,否决项,y,\n",
             6, "效果（表中没有这一列）“”应为“定为:等次”或“至多:等次”");
  want_error("编号,上级编号,类型,名称,分值,效果\n,,细则,测试,100,\n1,,一级指标,甲,,x\n", 3,
             "一级指标行不填效果（F 列），请清空“x”");
  want_error(H "x,,细则,测试,100\n", 2, "细则行不填编号（A 列）");
}
END_TEST

START_TEST(tree_errors)
{
  want_error(HEAD ",,一级指标,甲,\n", 3, "编号（A 列）为空；指标必须有编号");
  want_error(HEAD "1,,一级指标,甲,\n1.1,1,二级指标,乙,10\n1.1,1,二级指标,丙,10\n", 5,
             "编号（A 列）“1.1”与第 4 行重复");
  want_error(HEAD "1,,一级指标,甲,\nB1,,加分项,x,1\nB1,,扣分项,y,1\n", 5, "与第 4 行重复");
  want_error(HEAD "1,,一级指标,甲,\n1.1,9,二级指标,乙,10\n", 4,
             "上级编号（B 列）“9”在本行之前没有出现（上级指标须写在它的下级之前）");
  /* parent after child */
  want_error(HEAD "1.1,1,二级指标,乙,10\n1,,一级指标,甲,\n", 3, "“1”在本行之前没有出现");
  /* parent with points (a leaf, or a group row that wrongly has points) */
  want_error(HEAD "1,,一级指标,甲,5\n1.1,1,二级指标,乙,10\n", 4,
             "上级编号（B 列）“1”（第 3 行）填了分值，是末级指标，不能有下级；分值只填在末级指标"
             "上，若“1”是分组，请清空第 3 行的分值");
  want_error(HEAD "B1,,加分项,x,1\n1.1,B1,二级指标,乙,10\n", 4, "“B1”是第 3 行的加分项，不是指标");
  want_error(HEAD "1,,一级指标,甲,\n1.1,1.1,二级指标,乙,10\n", 4,
             "上级编号（B 列）“1.1”就是本行的编号；指标不能做自己的上级");
  want_error(HEAD "1,,一级指标,甲,\n1.1,1,指标,乙,\n1.1.1,1.1,指标,丙,\n1.1.1.1,1.1.1,指标,丁,1\n",
             6, "指标“1.1.1.1”在三级指标“1.1.1”之下，是第 4 级；指标最多三级");
  want_error(HEAD "1,,一级指标,甲,\n1.1,1,三级指标,乙,10\n", 4,
             "类型（C 列）为“三级指标”，但上级“1”是一级指标，本行应为二级指标");
  want_error(HEAD "1,,一级指标,甲,\n1.1,1,一级指标,乙,10\n", 4, "本行应为二级指标");
  want_error(HEAD "1,,二级指标,甲,10\n", 3,
             "类型（C 列）为“二级指标”，但上级编号（B 列）为空；二级、三级指标须填上级编号");
  want_error(HEAD "1,,一级指标,甲,\n1.1,1,二级指标,乙,\n", 4, "指标“1.1”既没有分值也没有下级指标");
  want_error(HEAD "1,,一级指标,甲,\n1.1,1,二级指标,乙,10\nD1,1.1,扣分项,扣,1\n", 5,
             "上级编号（B 列）“1.1”不是一级指标的编号");
  want_error(HEAD "1,,一级指标,甲,\n1.1,1,二级指标,乙,10\nD1,,扣分项,扣,1\nD2,X,扣分项,扣,1\n", 6,
             "“X”不是一级指标的编号");
  want_error(HEAD "1,,一级指标,甲,\n1.1,1,二级指标,乙,10\n,,否决项,否,\n", 5,
             "编号（A 列）为空；否决项必须有编号");
}
END_TEST

START_TEST(number_errors)
{
  want_error(H ",,细则,测试,abc\n", 2, "分值（E 列）“abc”不是数字");
  want_error(H ",,细则,测试,NaN\n", 2, "“NaN”不是数字");
  want_error(H ",,细则,测试,inf\n", 2, "“inf”不是数字");
  want_error(H ",,细则,测试,1e3\n", 2, "“1e3”不是数字");
  want_error(H ",,细则,测试,1.2.3\n", 2, "“1.2.3”不是数字");
  want_error(H ",,细则,测试,-1\n", 2, "分值（E 列）“-1”是负数");
  want_error(H ",,细则,测试,12.255\n", 2, "分值（E 列）“12.255”最多保留两位小数");
  want_error(H ",,细则,测试,１２\n", 2, "“１２”含有全角数字或全角小数点，请改用半角数字");
  want_error(H ",,细则,测试,12．5\n", 2, "全角");
  want_error(H ",,细则,测试,\n", 2, "分值（E 列）为空，应填总分");
  want_error(H ",,细则,测试,99999999999\n", 2, "过大");
  want_error(HEAD "1,,一级指标,甲,\n1.1,1,二级指标,乙,1x\n", 4, "“1x”不是数字");
  want_error(HEAD ",,等次,优秀,\n", 3, "为空，应填该等次的最低分");
  want_error(HEAD "B1,,加分项,x,\n", 3, "为空，应填每项分值");
  want_error("编号,上级编号,类型,名称,分值,上限\n,,细则,测试,100,\nB1,,加分项,x,1,0.001\n", 3,
             "上限（F 列）“0.001”最多保留两位小数");
}
END_TEST

START_TEST(rubric_and_rule_errors)
{
  want_error(H "1,,一级指标,甲,\n1.1,1,二级指标,乙,10\n", 0, "没有类型为“细则”的行");
  want_error(HEAD ",,细则,又一个,100\n", 3, "类型为“细则”的行只能有一行（第 2 行已有）");
  want_error(HEAD "max_bonus,,规则,,3\n", 3, "编号（A 列）“max_bonus”不是计分规则");
  want_error(HEAD "bonus_cap,,规则,,3\nbonus_cap,,规则,,4\n", 4, "计分规则 bonus_cap 重复出现");
  want_error(HEAD "na_rescale,,规则,,也许\n", 3, "分值（E 列）“也许”应为“是”或“否”");
  want_error(HEAD "score_step,,规则,,\n", 3, "应填评分步长");
  want_error(HEAD "1,,一级指标,甲,\n1.1,1,二级指标,乙,10\nV1,,否决项,否,\n", 5, "效果");

  /* an empty table, a header alone */
  struct sheet s = {0};
  json_t *out = (json_t *)1;
  size_t line = 9;
  const char *detail = NULL;
  ck_assert_int_eq(rubric_from_sheet(&s, &out, &line, &detail), E_VALIDATION);
  ck_assert_ptr_null(out);
  ck_assert_uint_eq(line, 0);
  ck_assert_str_eq(detail, "表格是空的");
  want_error(H, 0, "只有表头");
}
END_TEST

/* ---- size ---- */

/* The CSV of a rubric with AREAS areas of LEAVES leaves each (1 + AREAS * (1 + LEAVES) rows). */
static char *big_csv(int areas, int leaves, int extra)
{
  size_t cap = 64 + (size_t)areas * (size_t)(leaves + 1) * 48 + (size_t)extra * 48;
  char *t = malloc(cap), *p = t;
  ck_assert_ptr_nonnull(t);
  p += sprintf(p, H ",,细则,大表,%d\n", areas * leaves);
  for (int a = 0; a < areas; a++) {
    p += sprintf(p, "A%d,,一级指标,区%d,\n", a, a);
    for (int l = 0; l < leaves; l++) p += sprintf(p, "A%d.%d,A%d,二级指标,项,1\n", a, l, a);
  }
  for (int e = 0; e < extra; e++) p += sprintf(p, "X%d,A0,二级指标,多,1\n", e);
  ck_assert_uint_lt((size_t)(p - t), cap);
  return t;
}

START_TEST(size_limits)
{
  /* 10,000 data rows (9,999 nodes and the 细则 row): accepted, fast */
  char *csv = big_csv(99, 100, 0);
  tu_spit(path_of("big.csv"), csv, strlen(csv));
  free(csv);
  struct sheet s;
  const char *why;
  ck_assert_int_eq(sheet_read(path_of("big.csv"), &s, &why), E_OK);
  ck_assert_uint_eq(s.rows, 10001);
  json_t *out = NULL;
  size_t line;
  const char *detail = NULL;
  double t0 = seconds();
  int rc = rubric_from_sheet(&s, &out, &line, &detail);
  double dt = seconds() - t0;
  printf("10000 rows: %.3f s\n", dt);
  ck_assert_msg(rc == E_OK, "%s", detail ? detail : "");
  ck_assert(dt < 1.0 * TU_SLOW);
  ck_assert_int_eq(json_array_size(json_object_get(out, "areas")), 99);
  json_t *last = json_array_get(
      json_object_get(json_array_get(json_object_get(out, "areas"), 98), "children"), 99);
  ck_assert_int_eq(json_integer_value(json_object_get(last, "line")), 10001);
  json_decref(out);
  sheet_free(&s);

  /* 10,001 data rows: refused as a whole, before any row is read */
  csv = big_csv(99, 100, 1);
  want_error(csv, 0, "表格有 10001 行数据，超过上限 10000 行");
  free(csv);
  size_t rows = 10002;
  char **cells = calloc(rows * 5, sizeof *cells);
  ck_assert_ptr_nonnull(cells);
  static const char *const head[] = {"编号", "上级编号", "类型", "名称", "分值"};
  for (size_t i = 0; i < rows * 5; i++) cells[i] = i < 5 ? (char *)head[i] : (char *)"乱";
  s = (struct sheet){rows, 5, cells, NULL};
  t0 = seconds();
  ck_assert_int_eq(rubric_from_sheet(&s, &out, &line, &detail), E_VALIDATION);
  ck_assert(seconds() - t0 < 0.01 * TU_SLOW);
  ck_assert_uint_eq(line, 0);
  ck_assert(strstr(detail, "超过上限 10000 行") != NULL);
  free(cells);
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("rubric_io");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, demo_round_trip);
  tcase_add_test(tc, full_round_trip);
  tcase_add_test(tc, csv_bytes);
  tcase_add_test(tc, xlsx_cells);
  tcase_add_test(tc, gb18030_csv);
  tcase_add_test(tc, accepted_forms);
  tcase_add_test(tc, column_errors);
  tcase_add_test(tc, tree_errors);
  tcase_add_test(tc, number_errors);
  tcase_add_test(tc, rubric_and_rule_errors);
  tcase_add_test(tc, size_limits);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return tu_run_suite(suite());
}
