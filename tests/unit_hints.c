/*
 * unit_hints.c - keyword passages and name masking (server/hints.c): hand-checked offsets
 * (non-ASCII text, keywords at the very start and end, a keyword broken by a line break),
 * paragraphs of wrapped lines joined and long ones cut, ranking and the cap per leaf, the
 * demo reports against the demo rubric (most leaves get a passage, and every stated hit is
 * really its keyword), speed on a 200 KB report, and the masking of a unit's names with
 * offsets kept.
 */
#include "hints.h"

#include "testutil.h"

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* hints_find() for one leaf "x" with the keywords KWS (a JSON array). */
static json_t *one(const char *text, const char *kws, size_t max)
{
  json_t *leaves = json_pack("{s:o}", "x", json_loads(kws, 0, NULL));
  ck_assert_ptr_nonnull(leaves);
  json_t *h = hints_find(text, strlen(text), leaves, max);
  ck_assert_ptr_nonnull(h);
  json_t *x = json_incref(json_object_get(h, "x"));
  ck_assert(json_is_array(x));
  json_decref(h);
  json_decref(leaves);
  return x;
}

/* Compact JSON of J (static buffer), to compare with a hand-written expectation. */
static const char *dump(json_t *j)
{
  static char buf[8192];
  char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
  snprintf(buf, sizeof buf, "%s", s ? s : "?");
  free(s);
  return buf;
}

START_TEST(offsets_by_hand)
{
  /* "abc" [0,3), an empty line at 4, [5,15), [16,22), [23,38) */
  json_t *x = one("abc\n\n第一段提到法律顾问。\n第二段没有。\n法律顾问和合法性审查都在这里。",
                  "[\"法律顾问\",\"合法性审查\"]", 8);
  ck_assert_str_eq(dump(x), "[{\"start\":23,\"end\":38,\"keywords\":[\"法律顾问\",\"合法性审查\"],"
                            "\"hits\":[[23,27],[28,33]]},{\"start\":5,\"end\":15,\"keywords\":["
                            "\"法律顾问\"],\"hits\":[[10,14]]}]");
  json_decref(x);
  /* at the very start and the very end of the text */
  x = one("法律顾问在开头，结尾是法律顾问", "[\"法律顾问\"]", 8);
  ck_assert_str_eq(dump(x), "[{\"start\":0,\"end\":15,\"keywords\":[\"法律顾问\"],\"hits\":[[0,4],["
                            "11,15]]}]");
  json_decref(x);
  /* 2- and 4-byte characters count as one each; blanks around a line are not in it */
  x = one("  é𠀀法治 \r\nx", "[\"法治\",\"x\"]", 8);
  ck_assert_str_eq(dump(x), "[{\"start\":2,\"end\":6,\"keywords\":[\"法治\"],\"hits\":[[4,6]]},{"
                            "\"start\":9,\"end\":10,\"keywords\":[\"x\"],\"hits\":[[9,10]]}]");
  json_decref(x);
  /* a keyword broken by a line break is not found; one keyword's hits do not overlap */
  x = one("依法治\n教", "[\"依法治教\"]", 8);
  ck_assert_int_eq(json_array_size(x), 0);
  json_decref(x);
  x = one("啊啊啊", "[\"啊啊\"]", 8);
  ck_assert_str_eq(dump(x), "[{\"start\":0,\"end\":3,\"keywords\":[\"啊啊\"],\"hits\":[[0,2]]}]");
  json_decref(x);
  /* keywords that cannot match are ignored, a repeated one counts once */
  x = one("普法宣传", "[\"\",3,\"普\\n法\",\"普法\",\"普法\"]", 8);
  ck_assert_str_eq(dump(x), "[{\"start\":0,\"end\":4,\"keywords\":[\"普法\"],\"hits\":[[0,2]]}]");
  json_decref(x);
  /* different keywords may overlap, case matters */
  x = one("行政复议法 ABC", "[\"行政复议\",\"复议法\",\"abc\"]", 8);
  ck_assert_str_eq(dump(x), "[{\"start\":0,\"end\":9,\"keywords\":[\"行政复议\",\"复议法\"],"
                            "\"hits\":[[0,4],[2,5]]}]");
  json_decref(x);
}
END_TEST

START_TEST(wrapped_lines_are_one_paragraph)
{
  /* Three lines as wide as the text's usual line, not ending a sentence, run on; a numbered
   * item starts a new paragraph; a short or finished line ends one. */
  const char *t = "甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛壬癸\n" /* [0,20) */
                  "子丑寅卯法律顾问子丑寅卯子丑寅卯子丑寅卯\n" /* [21,41) */
                  "到此为止。\n"                               /* [42,47) */
                  "甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚法律顾\n" /* [48,68) */
                  "（二）法律顾问子丑寅卯子丑寅卯子丑寅卯子\n" /* [69,89) */
                  "问。";                                      /* [90,92) */
  json_t *x = one(t, "[\"法律顾问\"]", 8);
  ck_assert_str_eq(dump(x), "[{\"start\":0,\"end\":47,\"keywords\":[\"法律顾问\"],\"hits\":[[25,"
                            "29]]},{\"start\":69,\"end\":92,\"keywords\":[\"法律顾问\"],\"hits\":[["
                            "72,76]]}]");
  json_decref(x);
}
END_TEST

START_TEST(long_paragraphs_are_cut_and_ranked)
{
  /* 50 sentences of 11 characters on one line: cut after the first sentence end at 200
   * characters or more: [0,209), [209,418), [418,550). */
  char t[50 * 40 + 100] = "";
  for (int i = 0; i < 50; i++) strcat(t, "这是一句法律顾问的话。");
  json_t *x = one(t, "[\"法律顾问\"]", 8);
  ck_assert_int_eq(json_array_size(x), 3);
  long want[3][3] = {{0, 209, 19}, {209, 418, 19}, {418, 550, 12}};
  for (int i = 0; i < 3; i++) {
    json_t *p = json_array_get(x, (size_t)i);
    ck_assert_int_eq(json_integer_value(json_object_get(p, "start")), want[i][0]);
    ck_assert_int_eq(json_integer_value(json_object_get(p, "end")), want[i][1]);
    ck_assert_int_eq(json_array_size(json_object_get(p, "hits")), want[i][2]);
  }
  ck_assert_int_eq(json_integer_value(json_array_get(
                       json_array_get(json_object_get(json_array_get(x, 1), "hits"), 0), 0)),
                   209 + 4);
  json_decref(x);
  /* Ten paragraphs with one keyword, the ninth with two: it comes first, then by position, at
   * most MAX. */
  t[0] = 0;
  for (int i = 0; i < 10; i++) strcat(t, i == 8 ? "普法和法律顾问。\n" : "开展普法活动。\n");
  x = one(t, "[\"法律顾问\",\"普法\"]", 8);
  ck_assert_int_eq(json_array_size(x), 8);
  ck_assert_str_eq(dump(json_object_get(json_array_get(x, 0), "keywords")),
                   "[\"法律顾问\",\"普法\"]");
  ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(x, 0), "start")), 8 * 8);
  ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(x, 1), "start")), 0);
  ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(x, 7), "start")), 6 * 8);
  json_decref(x);
  /* Every leaf asked about is answered, with an empty list when nothing is found. */
  json_t *leaves = json_pack("{s:[s],s:[],s:[s]}", "a", "普法", "b", "c", "无此词");
  json_t *h = hints_find(t, strlen(t), leaves, 8);
  ck_assert_int_eq(json_object_size(h), 3);
  ck_assert_int_eq(json_array_size(json_object_get(h, "a")), 8);
  ck_assert_int_eq(json_array_size(json_object_get(h, "b")), 0);
  ck_assert_int_eq(json_array_size(json_object_get(h, "c")), 0);
  json_decref(h);
  json_decref(leaves);
  leaves = json_pack("{s:[s]}", "a", "x");
  h = hints_find("", 0, leaves, 8);
  ck_assert_int_eq(json_array_size(json_object_get(h, "a")), 0);
  json_decref(h);
  json_decref(leaves);
}
END_TEST

/* The path of a file below the source tree. */
static const char *src(const char *rel)
{
  static char p[1024];
  const char *root = getenv("KAOPING_SOURCE_DIR");
  snprintf(p, sizeof p, "%s/%s", root ? root : "..", rel);
  return p;
}

/* The leaves of the demo rubric as {"code": [keywords]}, and their applies_to into *APPLIES. */
static json_t *demo_leaves(json_t **applies)
{
  json_t *rb = json_load_file(src("server/demo/rubric-default.json"), 0, NULL);
  ck_assert_ptr_nonnull(rb);
  json_t *out = json_object(), *stack = json_copy(json_object_get(rb, "areas"));
  *applies = json_object();
  while (json_array_size(stack)) {
    json_t *n = json_incref(json_array_get(stack, 0));
    json_array_remove(stack, 0);
    json_t *kids = json_object_get(n, "children");
    const char *code = json_string_value(json_object_get(n, "code"));
    if (json_is_array(kids))
      json_array_extend(stack, kids);
    else {
      json_object_set(out, code, json_object_get(n, "keywords"));
      json_object_set(*applies, code, json_object_get(n, "applies_to"));
    }
    json_decref(n);
  }
  json_decref(stack);
  json_decref(rb);
  return out;
}

/* Byte offsets of every code point of T (and one past the end), malloc'd. */
static size_t *cp_bytes(const char *t, size_t len, size_t *n)
{
  size_t *o = malloc((len + 2) * sizeof *o), k = 0;
  for (size_t i = 0; i < len; i++)
    if ((t[i] & 0xC0) != 0x80) o[k++] = i;
  o[k] = len;
  *n = k;
  return o;
}

/* Checks every passage and hit of H against TEXT: hits inside their passage, each the text of
 * one of the passage's keywords, every listed keyword hit. Returns the leaves with a passage. */
static int check_hints(const char *name, const char *text, size_t len, json_t *h)
{
  size_t ncp, *at = cp_bytes(text, len, &ncp);
  int found = 0;
  const char *code;
  json_t *list;
  json_object_foreach(h, code, list)
  {
    found += json_array_size(list) > 0;
    ck_assert_int_le(json_array_size(list), HINTS_MAX_PER_LEAF);
    size_t i, j, k;
    json_t *p, *hit, *kw;
    json_array_foreach(list, i, p)
    {
      long long s = json_integer_value(json_object_get(p, "start")),
                e = json_integer_value(json_object_get(p, "end"));
      ck_assert_msg(0 <= s && s < e && (size_t)e <= ncp, "%s %s: passage %lld..%lld", name, code, s,
                    e);
      json_t *kws = json_object_get(p, "keywords");
      int *used = calloc(json_array_size(kws) + 1, sizeof *used);
      json_array_foreach(json_object_get(p, "hits"), j, hit)
      {
        long long hs = json_integer_value(json_array_get(hit, 0)),
                  he = json_integer_value(json_array_get(hit, 1));
        ck_assert_msg(s <= hs && hs < he && he <= e, "%s %s: hit %lld..%lld outside", name, code,
                      hs, he);
        size_t b0 = at[hs], b1 = at[he];
        int ok = 0;
        json_array_foreach(kws, k, kw)
        {
          if (json_string_length(kw) == b1 - b0 &&
              !memcmp(text + b0, json_string_value(kw), b1 - b0)) {
            ok = 1;
            used[k] = 1;
          }
        }
        ck_assert_msg(ok, "%s %s: hit %lld..%lld is \"%.*s\", not a keyword", name, code, hs, he,
                      (int)(b1 - b0), text + b0);
      }
      for (k = 0; k < json_array_size(kws); k++)
        ck_assert_msg(used[k], "%s %s: keyword %s listed but not hit", name, code,
                      json_string_value(json_array_get(kws, k)));
      free(used);
      if (i > 0) { /* ranked: no more distinct keywords than the one before */
        json_t *prev = json_array_get(list, i - 1);
        size_t a = json_array_size(json_object_get(prev, "keywords")), b = json_array_size(kws);
        ck_assert(a > b || (a == b && json_integer_value(json_object_get(prev, "start")) < s));
      }
    }
  }
  free(at);
  return found;
}

/* The kind of demo unit CODE (from demo.json). */
static const char *demo_kind(json_t *demo, const char *code)
{
  size_t i;
  json_t *u;
  json_array_foreach(json_object_get(demo, "units"), i, u)
  {
    if (!strcmp(json_string_value(json_object_get(u, "code")), code))
      return json_string_value(json_object_get(u, "kind"));
  }
  return NULL;
}

START_TEST(passage_hints_found_for_the_demo_reports)
{
  json_t *applies, *leaves = demo_leaves(&applies);
  json_t *demo = json_load_file(src("server/demo/demo.json"), 0, NULL);
  ck_assert_ptr_nonnull(demo);
  ck_assert_int_ge(json_object_size(leaves), 30);
  DIR *d = opendir(src("server/demo/reports"));
  ck_assert_ptr_nonnull(d);
  struct dirent *e;
  int reports = 0, all = 0, all_found = 0;
  while ((e = readdir(d))) {
    if (!strstr(e->d_name, ".txt")) continue;
    char rel[300], code[64];
    snprintf(rel, sizeof rel, "server/demo/reports/%s", e->d_name);
    snprintf(code, sizeof code, "%.*s", (int)(strrchr(e->d_name, '-') - e->d_name), e->d_name);
    const char *kind = demo_kind(demo, code);
    ck_assert_msg(kind != NULL, "unit of %s", e->d_name);
    size_t len;
    char *text = tu_slurp(src(rel), &len);
    ck_assert_ptr_nonnull(text);
    /* the leaves that apply to the unit's kind, as the scoring page asks for them */
    json_t *mine = json_object();
    const char *lc;
    json_t *kws;
    json_object_foreach(leaves, lc, kws)
    {
      json_t *ap = json_object_get(applies, lc), *k;
      int yes = !json_is_array(ap);
      size_t i;
      json_array_foreach(ap, i, k) yes |= !strcmp(json_string_value(k), kind);
      if (yes) json_object_set(mine, lc, kws);
    }
    json_t *h = hints_find(text, len, mine, HINTS_MAX_PER_LEAF);
    ck_assert_ptr_nonnull(h);
    ck_assert_int_eq(json_object_size(h), json_object_size(mine));
    int found = check_hints(e->d_name, text, len, h);
    /* A leaf has passages exactly when one of its keywords is in the text (the demo's
     * keywords hold no sentence end, so no hit is lost where a long paragraph is cut). */
    json_object_foreach(mine, lc, kws)
    {
      int in_text = 0;
      size_t i;
      json_t *k;
      json_array_foreach(kws, i, k) in_text |= strstr(text, json_string_value(k)) != NULL;
      ck_assert_msg(in_text == (json_array_size(json_object_get(h, lc)) > 0),
                    "%s %s: in the text %d, passages %zu", e->d_name, lc, in_text,
                    json_array_size(json_object_get(h, lc)));
    }
    int n = (int)json_object_size(mine);
    printf("%s: %d of %d applicable leaves have passages\n", e->d_name, found, n);
    /* every report, even the thin YL-SMX, has passages for a quarter of its leaves; the rich
     * ones (the county government, the justice bureau) for two thirds */
    ck_assert_msg(found * 4 >= n, "%s: %d of %d leaves", e->d_name, found, n);
    if (!strcmp(code, "YL") || !strcmp(code, "YL-SFJ"))
      ck_assert_msg(found * 3 >= n * 2, "%s: %d of %d leaves", e->d_name, found, n);
    all += n;
    all_found += found;
    json_decref(h);
    json_decref(mine);
    free(text);
    reports++;
  }
  closedir(d);
  ck_assert_int_ge(reports, 18);
  /* most leaves over all the demo reports */
  printf("demo reports: %d of %d leaves have passages\n", all_found, all);
  ck_assert_msg(all_found * 10 >= all * 6, "%d of %d", all_found, all);
  json_decref(demo);
  json_decref(leaves);
  json_decref(applies);
}
END_TEST

START_TEST(fast_on_a_big_report)
{
  /* 200 KB of demo text; 40 leaves of 10 keywords (the demo rubric's, and 9 more made of its
   * keywords with a suffix that is rarely found). */
  json_t *applies, *leaves = demo_leaves(&applies);
  json_t *more = json_object();
  const char *code;
  json_t *kws;
  int extra = 0;
  json_object_foreach(leaves, code, kws)
  {
    if (extra >= 9) break;
    json_t *l = json_array();
    size_t i;
    json_t *k;
    json_array_foreach(kws, i, k)
    {
      char s[200];
      snprintf(s, sizeof s, "%s工作", json_string_value(k));
      json_array_append_new(l, json_string(s));
    }
    char c[40];
    snprintf(c, sizeof c, "X%d", extra++);
    json_object_set_new(more, c, l);
  }
  json_object_update(leaves, more);
  json_decref(more);
  ck_assert_int_eq(json_object_size(leaves), 40);
  size_t len, cap = 210 * 1024, n = 0;
  char *one = tu_slurp(src("server/demo/reports/YL-SFJ-2023.txt"), &len), *big = malloc(cap);
  ck_assert_ptr_nonnull(one);
  while (n + len < 200 * 1024) {
    memcpy(big + n, one, len);
    n += len;
  }
  big[n] = 0;
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  json_t *h = hints_find(big, n, leaves, HINTS_MAX_PER_LEAF);
  clock_gettime(CLOCK_MONOTONIC, &b);
  double ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
  printf("hints for %zu bytes, 40 leaves: %.2f ms\n", n, ms);
  ck_assert_ptr_nonnull(h);
  check_hints("big", big, n, h);
  ck_assert_msg(ms < 30.0 * TU_SLOW, "took %.2f ms", ms);
  json_decref(h);
  free(big);
  free(one);
  json_decref(leaves);
  json_decref(applies);
}
END_TEST

/* hints_mask() of TEXT with NAMES, checked to keep the number of characters. */
static char *mask(const char *text, json_t *names, int edges)
{
  size_t n;
  char *m = hints_mask(text, strlen(text), names, edges, &n);
  ck_assert_ptr_nonnull(m);
  ck_assert_uint_eq(strlen(m), n);
  size_t a = 0, b = 0;
  for (const char *p = text; *p; p++) a += (*p & 0xC0) != 0x80;
  for (const char *p = m; *p; p++) b += (*p & 0xC0) != 0x80;
  ck_assert_uint_eq(a, b);
  return m;
}

START_TEST(names_are_masked_in_place)
{
  json_t *in = json_pack("[s,s]", "云岭县青石镇人民政府", "青石镇人民政府");
  json_t *names = hints_mask_names(in);
  ck_assert_str_eq(dump(names), "[\"云岭县青石镇人民政府\",\"青石镇人民政府\",\"云岭县青石镇\","
                                "\"青石镇\"]");
  char *m = mask("青石镇2023年报告\n云岭县青石镇人民政府：镇政府、县政府", names, 0);
  ck_assert_str_eq(m, "＊＊＊2023年报告\n＊＊＊＊＊＊＊＊＊＊：镇政府、县政府");
  free(m);
  /* a quote cut out of the middle of the name: its edges too, but not single characters */
  m = mask("石镇人民政府组织学习云岭县青", names, 1);
  ck_assert_str_eq(m, "＊＊＊＊＊＊组织学习＊＊＊＊");
  free(m);
  m = mask("府组织学习云", names, 1);
  ck_assert_str_eq(m, "府组织学习云");
  free(m);
  json_decref(names);
  json_decref(in);
  /* short forms: without the region, never only a generic ending */
  const struct {
    const char *name, *want;
  } cases[] = {
      {"云岭县公安局", "[\"云岭县公安局\",\"公安局\"]"},
      {"云岭县人民政府", "[\"云岭县人民政府\",\"云岭县\"]"},
      {"云岭经济开发区管理委员会", "[\"云岭经济开发区管理委员会\",\"云岭经济开发区\"]"},
      {"云州市生态环境局云岭分局", "[\"云州市生态环境局云岭分局\",\"生态环境局云岭分局\"]"},
      {"市场监督管理局", "[\"市场监督管理局\"]"},
      {"", "[]"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    in = json_pack("[s,i]", cases[i].name, 3);
    names = hints_mask_names(in);
    ck_assert_str_eq(dump(names), cases[i].want);
    json_decref(names);
    json_decref(in);
  }
  /* mixed widths and overlapping names */
  in = json_pack("[s,s]", "ab", "bé");
  m = mask("xabéy é", in, 0);
  ck_assert_str_eq(m, "x＊＊＊y é");
  free(m);
  json_decref(in);
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("hints");
  TCase *tc = tcase_create("hints");
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, offsets_by_hand);
  tcase_add_test(tc, wrapped_lines_are_one_paragraph);
  tcase_add_test(tc, long_paragraphs_are_cut_and_ranked);
  tcase_add_test(tc, passage_hints_found_for_the_demo_reports);
  tcase_add_test(tc, fast_on_a_big_report);
  tcase_add_test(tc, names_are_masked_in_place);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return tu_run_suite(suite());
}
