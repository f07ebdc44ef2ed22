/*
 * unit_structure.c - Check suite for structure.c: the 18 demo reports and the real corpus
 * (expected title, year, unit and, per part, found by heading / by content / missing), offsets
 * that slice back to the heading text, small synthetic reports (statutory order, reversed
 * order, no line breaks, thematic headings with cues in the body, year and unit mismatches,
 * empty text), and pathological input: 5 MB texts under a time limit, ill-formed UTF-8 and
 * random bytes.
 *
 * Demo reports are read from $KAOPING_SOURCE_DIR/server/demo/reports, the corpus from
 * $KAOPING_SOURCE_DIR/../shared/corpus (skipped with a message when that folder is missing).
 */
#include "structure.h"
#include "testutil.h"

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Time budgets are for a plain build; sanitizers slow the scan down several times. */
#if defined(__SANITIZE_ADDRESS__)
#define SLOW 10
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SLOW 10
#endif
#endif
#ifndef SLOW
#define SLOW 1
#endif

/* ---- helpers ---- */

static const char *src_dir(void)
{
  const char *s = getenv("KAOPING_SOURCE_DIR");
  return s && *s ? s : ".";
}

/* The file at PATH, NUL-terminated, or NULL when it cannot be read. */
static char *slurp(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = NULL;
  size_t cap = 0, n = 0;
  for (;;) {
    if (n + 4096 + 1 > cap) {
      cap = cap ? cap * 2 : 65536;
      char *nb = realloc(buf, cap);
      ck_assert_ptr_nonnull(nb);
      buf = nb;
    }
    size_t got = fread(buf + n, 1, cap - n - 1, f);
    n += got;
    if (got == 0) break;
  }
  fclose(f);
  buf[n] = 0;
  *len = n;
  return buf;
}

/* Byte offset of code point CP in the valid UTF-8 string S. */
static size_t byte_at(const char *s, size_t cp)
{
  size_t i = 0, k = 0;
  for (; s[i]; i++) {
    if (((unsigned char)s[i] & 0xC0) == 0x80) continue;
    if (k++ == cp) return i;
  }
  ck_assert_uint_eq(k, cp); /* CP may be the end */
  return i;
}

static size_t utf8_cps(const char *s)
{
  size_t k = 0;
  for (; *s; s++)
    if (((unsigned char)*s & 0xC0) != 0x80) k++;
  return k;
}

/* 1 when the text at code point START of TEXT begins with WANT. */
static int text_at(const char *text, json_int_t start, const char *want)
{
  return strncmp(text + byte_at(text, (size_t)start), want, strlen(want)) == 0;
}

static json_t *part(json_t *r, int k)
{
  json_t *p = json_array_get(json_object_get(r, "sections"), (size_t)k);
  ck_assert_ptr_nonnull(p);
  return p;
}

/* 'H' found by heading, 'C' by content, '-' missing. */
static char part_by(json_t *r, int k)
{
  json_t *p = part(r, k);
  if (!json_is_true(json_object_get(p, "found"))) {
    ck_assert(json_is_null(json_object_get(p, "start")));
    ck_assert(json_is_null(json_object_get(p, "by")));
    return '-';
  }
  const char *by = json_string_value(json_object_get(p, "by"));
  ck_assert_ptr_nonnull(by);
  return strcmp(by, "heading") == 0 ? 'H' : 'C';
}

static json_int_t part_start(json_t *r, int k)
{
  return json_integer_value(json_object_get(part(r, k), "start"));
}

static json_int_t part_end(json_t *r, int k)
{
  return json_integer_value(json_object_get(part(r, k), "end"));
}

static const char *part_heading(json_t *r, int k)
{
  return json_string_value(json_object_get(part(r, k), "heading"));
}

static int warned(json_t *r, const char *code, const char *partcode)
{
  size_t i;
  json_t *w;
  json_array_foreach(json_object_get(r, "warnings"), i, w)
  {
    if (strcmp(json_string_value(json_object_get(w, "code")), code) != 0) continue;
    if (partcode && !json_is_string(json_object_get(w, "part"))) continue;
    if (partcode && strcmp(json_string_value(json_object_get(w, "part")), partcode) != 0) continue;
    ck_assert(json_is_string(json_object_get(w, "message")));
    return 1;
  }
  return 0;
}

static const char *warning_message(json_t *r, const char *code)
{
  size_t i;
  json_t *w;
  json_array_foreach(json_object_get(r, "warnings"), i, w)
  {
    if (strcmp(json_string_value(json_object_get(w, "code")), code) == 0)
      return json_string_value(json_object_get(w, "message"));
  }
  return NULL;
}

/* Shape checks that hold for any input: five parts in order, offsets in range, headings in
 * text order. */
static void check_shape(json_t *r)
{
  ck_assert_ptr_nonnull(r);
  json_int_t chars = json_integer_value(json_object_get(r, "chars"));
  ck_assert(json_is_integer(json_object_get(r, "paragraphs")));
  ck_assert(json_is_array(json_object_get(r, "warnings")));
  json_t *parts = json_object_get(r, "sections");
  ck_assert_uint_eq(json_array_size(parts), 5);
  static const char *const codes[] = {"S1", "S2", "S3", "S4", "S5"};
  for (int k = 0; k < 5; k++) {
    ck_assert_str_eq(json_string_value(json_object_get(part(r, k), "code")), codes[k]);
    ck_assert(json_is_string(json_object_get(part(r, k), "name")));
    if (part_by(r, k) == '-') continue;
    ck_assert_int_ge(part_start(r, k), 0);
    ck_assert_int_le(part_start(r, k), part_end(r, k));
    ck_assert_int_le(part_end(r, k), chars);
  }
  json_int_t prev = -1;
  size_t i;
  json_t *h;
  json_array_foreach(json_object_get(r, "headings"), i, h)
  {
    json_int_t s = json_integer_value(json_object_get(h, "start"));
    json_int_t lv = json_integer_value(json_object_get(h, "level"));
    ck_assert_int_gt(s, prev);
    ck_assert_int_lt(s, chars);
    ck_assert(lv >= 1 && lv <= 3);
    ck_assert(json_is_string(json_object_get(h, "text")));
    prev = s;
  }
  char *dump = json_dumps(r, 0); /* every string is valid UTF-8 */
  ck_assert_ptr_nonnull(dump);
  free(dump);
}

/* Offsets slice TEXT (valid UTF-8) back to each heading's text and each part's heading. */
static void check_offsets(const char *text, json_t *r)
{
  check_shape(r);
  ck_assert_int_eq(json_integer_value(json_object_get(r, "chars")), (json_int_t)utf8_cps(text));
  size_t i;
  json_t *h;
  json_array_foreach(json_object_get(r, "headings"), i, h)
  {
    const char *t = json_string_value(json_object_get(h, "text"));
    ck_assert_msg(text_at(text, json_integer_value(json_object_get(h, "start")), t),
                  "heading %s not at its offset", t);
  }
  for (int k = 0; k < 5; k++) {
    const char *t = part_heading(r, k);
    if (t) ck_assert_msg(text_at(text, part_start(r, k), t), "S%d heading %s", k + 1, t);
  }
}

/* Text of a valid UTF-8 string TEXT between code points B and E (malloc'd). */
static char *slice(const char *text, json_int_t b, json_int_t e)
{
  size_t x = byte_at(text, (size_t)b), y = byte_at(text, (size_t)e);
  char *s = strndup(text + x, y - x);
  ck_assert_ptr_nonnull(s);
  return s;
}

/* ---- demo reports ---- */

static const struct demo_case {
  const char *file;       /* in server/demo/reports */
  int year;               /* year the report covers */
  const char *unit;       /* unit name as signed */
  const char *registered; /* the unit's name in demo.json */
  const char *parts;      /* S1..S5: H by heading, C by content, - missing */
} demo[] = {
    {"YL-2023.txt", 2023, "云岭县人民政府", "云岭县人民政府", "HHHHH"},
    {"YL-CGJD-2023.txt", 2023, "城关街道办事处", "云岭县城关街道办事处", "H-HH-"},
    {"YL-GAJ-2023.txt", 2023, "云岭县公安局", "云岭县公安局", "CHCH-"},
    {"YL-JYJ-2022.txt", 2022, "云岭县教育局", "云岭县教育局", "HHHHH"},
    {"YL-JYJ-2023.txt", 2023, "云岭县教育局", "云岭县教育局", "HHHHH"},
    {"YL-KFQ-2023.txt", 2023, "云岭经济开发区管理委员会", "云岭经济开发区管理委员会", "CHCH-"},
    {"YL-LXZ-2023.txt", 2023, "柳溪镇人民政府", "云岭县柳溪镇人民政府", "CHCH-"},
    {"YL-QSZ-2022.txt", 2022, "青石镇人民政府", "云岭县青石镇人民政府", "CHCH-"},
    {"YL-QSZ-2023.txt", 2023, "青石镇人民政府", "云岭县青石镇人民政府", "CHCH-"},
    {"YL-SCJ-2022.txt", 2022, "云岭县市场监督管理局", "云岭县市场监督管理局", "CHCH-"},
    {"YL-SCJ-2023.txt", 2023, "云岭县市场监督管理局", "云岭县市场监督管理局", "HHHHH"},
    {"YL-SFJ-2022.txt", 2022, "云岭县司法局", "云岭县司法局", "HHHHH"},
    {"YL-SFJ-2023.txt", 2023, "云岭县司法局", "云岭县司法局", "HHHHH"},
    {"YL-SMX-2023.txt", 2023, "松木乡人民政府", "云岭县松木乡人民政府", "HHHHH"},
    {"YL-STJ-2023.txt", 2023, "云州市生态环境局云岭分局", "云州市生态环境局云岭分局", "HHHHH"},
    {"YL-WJJ-2023.txt", 2023, "云岭县卫生健康局", "云岭县卫生健康局", "HHHHH"},
    {"YL-YJJ-2023.txt", 2023, "云岭县应急管理局", "云岭县应急管理局", "HHHHH"},
    {"YL-ZRJ-2023.txt", 2023, "云岭县自然资源局", "云岭县自然资源局", "HH-H-"},
};
#define NDEMO (sizeof demo / sizeof *demo)

static char *demo_text(const char *file, size_t *len)
{
  char path[4096];
  snprintf(path, sizeof path, "%s/server/demo/reports/%s", src_dir(), file);
  char *t = slurp(path, len);
  ck_assert_msg(t != NULL, "cannot read %s (set KAOPING_SOURCE_DIR)", path);
  return t;
}

START_TEST(demo_reports)
{
  const struct demo_case *c = &demo[_i];
  size_t len;
  char *text = demo_text(c->file, &len);
  json_t *r = structure_analyze(text, len, c->year, c->registered);
  check_offsets(text, r);

  const char *title = json_string_value(json_object_get(r, "title"));
  ck_assert_msg(title != NULL, "%s: no title", c->file);
  ck_assert(strstr(title, "法治政府建设") != NULL);
  ck_assert_int_eq(json_integer_value(json_object_get(r, "year")), c->year);
  ck_assert_str_eq(json_string_value(json_object_get(r, "unit_name")), c->unit);
  for (int k = 0; k < 5; k++) {
    char got = part_by(r, k);
    ck_assert_msg(got == c->parts[k], "%s: S%d is %c, want %c", c->file, k + 1, got, c->parts[k]);
    char code[3] = {'S', (char)('1' + k), 0};
    int want_warning = k < 4 && c->parts[k] == '-';
    ck_assert_int_eq(warned(r, "missing_part", code), want_warning);
  }
  ck_assert(!warned(r, "year_mismatch", NULL));
  ck_assert(!warned(r, "unit_mismatch", NULL));
  ck_assert(!warned(r, "too_short", NULL));
  ck_assert(!warned(r, "no_text", NULL));
  ck_assert(!warned(r, "not_report", NULL));

  /* The first responsibility part comes first in the county government's and YL-YJJ's. */
  if (strcmp(c->file, "YL-2023.txt") == 0 || strcmp(c->file, "YL-YJJ-2023.txt") == 0)
    ck_assert_int_lt(part_start(r, 2), part_start(r, 0));
  /* Thematic: S1 starts at the first level-1 heading; shortcomings and plan come after it. */
  if (c->parts[0] == 'C') {
    json_t *h0 = json_array_get(json_object_get(r, "headings"), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(h0, "level")), 1);
    ck_assert_str_eq(part_heading(r, 0), json_string_value(json_object_get(h0, "text")));
    ck_assert_int_le(part_end(r, 0), part_start(r, 1));
    ck_assert_int_lt(part_start(r, 1), part_start(r, 3));
  }
  /* Parts do not overlap, except S3 found inside S1. */
  for (int a = 0; a < 5; a++)
    for (int b = 0; b < 5; b++) {
      if (a == b || part_by(r, a) == '-' || part_by(r, b) == '-') continue;
      if ((a == 0 && b == 2) || (a == 2 && b == 0)) continue;
      if (part_start(r, a) < part_start(r, b)) ck_assert_int_le(part_end(r, a), part_start(r, b));
    }

  /* The same text checked against another year and another unit. */
  json_t *r2 = structure_analyze(text, len, c->year + 1, "云岭县某某局");
  ck_assert_ptr_nonnull(r2);
  char want[128];
  snprintf(want, sizeof want, "报告年度为 %d 年，与考核年度 %d 年不一致", c->year, c->year + 1);
  ck_assert_str_eq(warning_message(r2, "year_mismatch"), want);
  const char *other = strcmp(c->unit, "云岭县公安局") == 0 ? "云岭县司法局" : "云岭县公安局";
  json_t *r3 = structure_analyze(text, len, 0, other);
  ck_assert_msg(warned(r3, "unit_mismatch", NULL), "%s: no unit_mismatch for %s", c->file, other);
  ck_assert(!warned(r3, "year_mismatch", NULL));
  json_decref(r3);
  json_decref(r2);
  json_decref(r);
  free(text);
}
END_TEST

START_TEST(demo_reports_all_covered)
{
  char path[4096];
  snprintf(path, sizeof path, "%s/server/demo/reports", src_dir());
  DIR *dir = opendir(path);
  ck_assert_msg(dir != NULL, "cannot open %s", path);
  struct dirent *de;
  int n = 0;
  while ((de = readdir(dir))) {
    size_t l = strlen(de->d_name);
    if (l < 4 || strcmp(de->d_name + l - 4, ".txt") != 0) continue;
    int known = 0;
    for (size_t k = 0; k < NDEMO; k++)
      if (strcmp(demo[k].file, de->d_name) == 0) known = 1;
    ck_assert_msg(known, "demo report %s has no expectation here", de->d_name);
    n++;
  }
  closedir(dir);
  ck_assert_int_eq(n, (int)NDEMO);
}
END_TEST

/* Details the table does not show. */
START_TEST(demo_details)
{
  size_t len;
  char *text = demo_text("YL-QSZ-2023.txt", &len); /* site clutter, body on one line */
  json_t *r = structure_analyze(text, len, 2023, "云岭县青石镇人民政府");
  ck_assert_str_eq(json_string_value(json_object_get(r, "title")),
                   "青石镇2023年法治政府建设工作情况报告");
  ck_assert_uint_eq(json_array_size(json_object_get(r, "headings")), 7);
  ck_assert_str_eq(part_heading(r, 1), "六、正视短板，查找差距");
  ck_assert_str_eq(part_heading(r, 2), "一、压实领导责任，法治建设组织保障更加有力");
  char *s4 = slice(text, part_start(r, 3), part_end(r, 3));
  ck_assert(strncmp(s4, "七、明确方向，谋划来年", strlen("七、明确方向，谋划来年")) == 0);
  ck_assert(strstr(s4, "青石镇人民政府") == NULL); /* the signature is not part of S4 */
  free(s4);
  json_decref(r);
  free(text);

  text = demo_text("YL-LXZ-2023.txt", &len); /* S3 is one level-2 block inside S1 */
  r = structure_analyze(text, len, 2023, NULL);
  ck_assert_str_eq(part_heading(r, 2), "（二）落实“一把手”责任");
  char *s3 = slice(text, part_start(r, 2), part_end(r, 2));
  ck_assert(strstr(s3, "第一责任人") != NULL);
  ck_assert(strstr(s3, "（三）") == NULL);
  free(s3);
  ck_assert(!warned(r, "unit_mismatch", NULL)); /* no uploader given */
  json_decref(r);
  free(text);

  text = demo_text("YL-CGJD-2023.txt", &len);
  r = structure_analyze(text, len, 2023, "城关街道"); /* a short form of the name */
  ck_assert(!warned(r, "unit_mismatch", NULL));
  ck_assert_str_eq(warning_message(r, "missing_part"), "未找到：存在的不足和原因");
  json_decref(r);
  free(text);
}
END_TEST

/* ---- corpus ---- */

static const struct corpus_case {
  const char *file;
  const char *title; /* NULL = none */
  int year;
  const char *parts;
  const char *s3_heading; /* expected heading of S3, or NULL */
} corpus[] = {
    /* half-year summary: site clutter, thematic headings inside one long line, no
     * shortcomings, no plan, the 一把手 only as members of a leading group */
    {"000_ee5bcf686e82c714.txt", "市2019年上半年法治政府建设工作总结", 2019, "C----", NULL},
    /* bureau report without a title: 一、工作情况 二、存在问题 三、2024 年工作计划; the
     * first-responsibility duty is stated, with 主要领导亲自抓, in its (一) */
    {"001_5a7ed637e8473e00.txt", NULL, 2023, "HHCH-", "(一)健全完善依法决策机制"},
    /* a work plan (工作要点), not a report */
    {"003_f171a35ac8c36bb3.txt", NULL, 2017, "-----", NULL},
};

START_TEST(corpus_reports)
{
  const struct corpus_case *c = &corpus[_i];
  char path[4096];
  snprintf(path, sizeof path, "%s/../shared/corpus", src_dir());
  DIR *dir = opendir(path);
  if (!dir) {
    printf("SKIP: ../shared/corpus not found\n");
    return;
  }
  closedir(dir);
  snprintf(path, sizeof path, "%s/../shared/corpus/%s", src_dir(), c->file);
  size_t len;
  char *text = slurp(path, &len);
  if (!text) {
    printf("SKIP: %s not found\n", path);
    return;
  }
  json_t *r = structure_analyze(text, len, 0, NULL);
  check_offsets(text, r);
  json_t *t = json_object_get(r, "title");
  if (c->title)
    ck_assert_str_eq(json_string_value(t), c->title);
  else
    ck_assert(json_is_null(t));
  ck_assert_int_eq(json_integer_value(json_object_get(r, "year")), c->year);
  ck_assert(json_is_null(json_object_get(r, "unit_name"))); /* none is signed */
  for (int k = 0; k < 5; k++)
    ck_assert_msg(part_by(r, k) == c->parts[k], "%s: S%d is %c, want %c", c->file, k + 1,
                  part_by(r, k), c->parts[k]);
  if (c->s3_heading) ck_assert_str_eq(part_heading(r, 2), c->s3_heading);
  ck_assert_int_eq(warned(r, "not_report", NULL), c->parts[0] == '-');
  json_decref(r);

  /* 001 is addressed to 荥阳市人民政府: the addressee is not taken for the unit, so naming
   * the real uploader raises nothing. */
  r = structure_analyze(text, len, 2023, "荥阳市科技工业和信息化局");
  ck_assert(!warned(r, "unit_mismatch", NULL));
  json_decref(r);
  free(text);
}
END_TEST

/* ---- synthetic reports ---- */

/* Appends to a growing string. */
struct sb {
  char *s;
  size_t n, cap;
};

static void sb_add(struct sb *b, const char *s)
{
  size_t k = strlen(s);
  if (b->n + k + 1 > b->cap) {
    b->cap = (b->n + k + 1) * 2;
    b->s = realloc(b->s, b->cap);
    ck_assert_ptr_nonnull(b->s);
  }
  memcpy(b->s + b->n, s, k + 1);
  b->n += k;
}

/* A paragraph of N sentences of neutral body text (about 20 Han characters each). */
static void filler(struct sb *b, int n)
{
  for (int i = 0; i < n; i++) sb_add(b, "本单位按照年度计划推进各项工作，相关制度逐步完善。");
}

/* The five statutory parts; SEP goes between paragraphs ("\n" or " "). ORDER lists parts. */
static char *statutory(const char *sep, const char *order)
{
  static const char *const heads[] = {
      "、2023年度推进法治政府建设的主要举措和成效", "、2023年度推进法治政府建设存在的不足和原因",
      "、党政主要负责人履行推进法治建设第一责任人职责、加强法治政府建设的有关情况",
      "、2024年度推进法治政府建设的主要安排", "、其他需要报告的情况"};
  static const char *const bodies[] = {
      "全年办理行政复议案件12件，培训执法人员260人次，审查合同46份。",
      "一是法治队伍力量不足；二是执法规范化水平有待提高。",
      "局长认真履行第一责任人职责，全年专题研究法治工作3次。",
      "一是继续完善合法性审查机制；二是加强执法人员培训。", "无。"};
  static const char *const nums[] = {"一", "二", "三", "四", "五"};
  struct sb b = {0};
  sb_add(&b, "云岭县测试局2023年度法治政府建设情况报告");
  sb_add(&b, sep);
  sb_add(&b, "云岭县人民政府：");
  sb_add(&b, sep);
  sb_add(&b, "2023年，我局认真落实法治政府建设各项任务，现将有关情况报告如下。");
  sb_add(&b, sep);
  for (int i = 0; order[i]; i++) {
    int k = order[i] - '1';
    sb_add(&b, nums[i]);
    sb_add(&b, heads[k]);
    sb_add(&b, sep);
    sb_add(&b, bodies[k]);
    filler(&b, 8);
    sb_add(&b, sep);
  }
  sb_add(&b, "云岭县测试局");
  sb_add(&b, sep);
  sb_add(&b, "2024年1月15日");
  sb_add(&b, "\n");
  return b.s;
}

START_TEST(five_parts_in_order)
{
  char *t = statutory("\n", "12345");
  json_t *r = structure_analyze(t, strlen(t), 2023, "云岭县测试局");
  check_offsets(t, r);
  ck_assert_str_eq(json_string_value(json_object_get(r, "title")),
                   "云岭县测试局2023年度法治政府建设情况报告");
  ck_assert_str_eq(json_string_value(json_object_get(r, "unit_name")), "云岭县测试局");
  ck_assert_int_eq(json_integer_value(json_object_get(r, "year")), 2023);
  for (int k = 0; k < 5; k++) ck_assert_int_eq(part_by(r, k), 'H');
  for (int k = 0; k < 4; k++) ck_assert_int_eq(part_end(r, k) + 1, part_start(r, k + 1));
  ck_assert(text_at(t, part_start(r, 0), "一、2023年度推进法治政府建设的主要举措和成效"));
  char *s5 = slice(t, part_start(r, 4), part_end(r, 4));
  ck_assert(strstr(s5, "云岭县测试局") == NULL); /* the signature ends the body */
  free(s5);
  ck_assert_uint_eq(json_array_size(json_object_get(r, "warnings")), 0);
  /* title, addressee, opening, five headings with their paragraphs, signature, date */
  ck_assert_int_eq(json_integer_value(json_object_get(r, "paragraphs")), 15);
  json_t *heads = json_object_get(r, "headings");
  ck_assert_uint_eq(json_array_size(heads), 5);
  for (size_t k = 0; k < 5; k++)
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(heads, k), "level")), 1);
  json_decref(r);
  free(t);
}
END_TEST

START_TEST(five_parts_reversed)
{
  char *t = statutory("\n", "54321");
  json_t *r = structure_analyze(t, strlen(t), 2023, NULL);
  check_offsets(t, r);
  for (int k = 0; k < 5; k++) ck_assert_int_eq(part_by(r, k), 'H');
  for (int k = 4; k > 0; k--) ck_assert_int_lt(part_start(r, k), part_start(r, k - 1));
  ck_assert(text_at(t, part_start(r, 4), "一、其他需要报告的情况"));
  ck_assert(text_at(t, part_start(r, 0), "五、2023年度推进法治政府建设的主要举措和成效"));
  json_decref(r);
  free(t);
}
END_TEST

START_TEST(no_line_breaks)
{
  char *t = statutory(" ", "12345");
  ck_assert(strchr(t, '\n') == strrchr(t, '\n')); /* only the final one */
  json_t *r = structure_analyze(t, strlen(t), 2023, "云岭县测试局");
  check_offsets(t, r);
  ck_assert_str_eq(json_string_value(json_object_get(r, "title")),
                   "云岭县测试局2023年度法治政府建设情况报告");
  ck_assert_int_eq(json_integer_value(json_object_get(r, "year")), 2023);
  for (int k = 0; k < 5; k++) ck_assert_int_eq(part_by(r, k), 'H');
  ck_assert_str_eq(part_heading(r, 1), "二、2023年度推进法治政府建设存在的不足和原因");
  ck_assert(!warned(r, "unit_mismatch", NULL));
  json_decref(r);

  /* the same without any space: headings still start after a full stop */
  struct sb b = {0};
  sb_add(&b, "云岭县测试局2023年度法治政府建设情况报告。");
  filler(&b, 10);
  sb_add(&b, "一、主要举措和成效。全年办理案件30件，培训200人次，审查合同12份。");
  filler(&b, 10);
  sb_add(&b, "二、存在的不足。一是人员不足，二是能力有待提高。");
  filler(&b, 10);
  sb_add(&b, "三、第一责任人履职情况。局长专题研究法治工作2次。");
  filler(&b, 10);
  sb_add(&b, "四、下一年度工作安排。继续加强培训。");
  r = structure_analyze(b.s, b.n, 0, NULL);
  check_offsets(b.s, r);
  ck_assert_uint_eq(json_array_size(json_object_get(r, "headings")), 4);
  ck_assert_str_eq(part_heading(r, 2), "三、第一责任人履职情况");
  for (int k = 0; k < 4; k++) ck_assert_int_eq(part_by(r, k), 'H');
  json_decref(r);
  free(b.s);
  free(t);
}
END_TEST

/* Thematic headings; shortcomings and plan only as sentences at the end. */
START_TEST(thematic_content_cues)
{
  struct sb b = {0};
  sb_add(&b, "云岭县测试镇2023年度法治政府建设情况报告\n云岭县人民政府：\n");
  sb_add(&b, "2023年，我镇坚持依法行政，现将有关情况报告如下。\n");
  sb_add(&b, "一、强化组织领导，压实工作责任\n");
  sb_add(&b, "镇党委书记、镇长履行推进法治建设第一责任人职责，全年专题研究法治工作3次。");
  filler(&b, 10);
  sb_add(&b, "\n二、规范执法行为，提升执法质量\n");
  sb_add(&b, "全年办理行政处罚案件23件，培训执法人员120人次，审查合同46份。");
  filler(&b, 10);
  sb_add(&b, "\n三、深化普法宣传\n开展宣传活动24场，受众1.2万人次。");
  filler(&b, 10);
  sb_add(&b, "回顾一年来的工作，虽然取得一定进展，但也存在一些不足：一是干部法治意识有待提高；"
             "二是执法力量还不够。");
  sb_add(&b, "下一步，我镇将继续加强法治建设，力争年内新增示范村1个。\n");
  sb_add(&b, "云岭县测试镇人民政府\n2024年1月22日\n");
  json_t *r = structure_analyze(b.s, b.n, 2023, "云岭县测试镇人民政府");
  check_offsets(b.s, r);
  ck_assert_int_eq(part_by(r, 0), 'C');
  ck_assert_int_eq(part_by(r, 1), 'C');
  ck_assert_int_eq(part_by(r, 2), 'C');
  ck_assert_int_eq(part_by(r, 3), 'C');
  ck_assert_int_eq(part_by(r, 4), '-');
  ck_assert_str_eq(part_heading(r, 0), "一、强化组织领导，压实工作责任");
  ck_assert_str_eq(part_heading(r, 2), "一、强化组织领导，压实工作责任");
  ck_assert(json_is_null(json_object_get(part(r, 1), "heading")));
  ck_assert(text_at(b.s, part_start(r, 1), "回顾一年来的工作"));
  ck_assert(text_at(b.s, part_start(r, 3), "下一步，我镇将继续"));
  ck_assert_int_eq(part_end(r, 0), part_start(r, 1));
  ck_assert_int_eq(part_end(r, 1), part_start(r, 3));
  ck_assert_int_lt(part_end(r, 2), part_start(r, 1));
  ck_assert(!warned(r, "missing_part", NULL));
  json_decref(r);
  free(b.s);
}
END_TEST

/* A demo report with its tail headings removed: the shortcomings are a bare list, the plan a
 * sentence. */
START_TEST(thematic_without_tail_headings)
{
  size_t len;
  char *text = demo_text("YL-GAJ-2023.txt", &len);
  struct sb b = {0};
  const char *cut = strstr(text, "六、工作中的短板\n"),
             *plan = strstr(text, "七、2024年工作思路\n");
  ck_assert(cut && plan && cut < plan);
  char *head = strndup(text, (size_t)(cut - text));
  char *mid = strndup(cut + strlen("六、工作中的短板\n"),
                      (size_t)(plan - cut) - strlen("六、工作中的短板\n"));
  sb_add(&b, head);
  sb_add(&b, mid);
  sb_add(&b, "下一步，我局将重点做好以下工作：\n");
  sb_add(&b, plan + strlen("七、2024年工作思路\n"));
  json_t *r = structure_analyze(b.s, b.n, 2023, "云岭县公安局");
  check_offsets(b.s, r);
  ck_assert_int_eq(part_by(r, 1), 'C');
  ck_assert_int_eq(part_by(r, 3), 'C');
  ck_assert(text_at(b.s, part_start(r, 1), "一是基层所队执法能力参差不齐"));
  ck_assert(text_at(b.s, part_start(r, 3), "下一步，我局将重点做好以下工作"));
  char *gap = slice(b.s, part_end(r, 1), part_start(r, 3)); /* S2 runs up to S4 */
  ck_assert_str_eq(gap, "\n\n");
  free(gap);
  gap = slice(b.s, part_end(r, 0), part_start(r, 1)); /* and S1 up to S2 */
  ck_assert_str_eq(gap, "\n\n");
  free(gap);
  ck_assert(!warned(r, "missing_part", NULL));
  json_decref(r);
  free(head);
  free(mid);
  free(b.s);
  free(text);
}
END_TEST

START_TEST(year_and_unit_mismatch)
{
  char *t = statutory("\n", "12345");
  json_t *r = structure_analyze(t, strlen(t), 2024, "云岭县教育局");
  ck_assert_str_eq(warning_message(r, "year_mismatch"),
                   "报告年度为 2023 年，与考核年度 2024 年不一致");
  ck_assert_str_eq(warning_message(r, "unit_mismatch"),
                   "报告中的单位为“云岭县测试局”，与上传单位“云岭县教育局”不一致");
  json_decref(r);
  /* a government is not its department, even though the county's name is contained */
  r = structure_analyze(t, strlen(t), 2023, "云岭县人民政府");
  ck_assert(warned(r, "unit_mismatch", NULL));
  json_decref(r);
  /* a caller's name that is not UTF-8 still gives a valid message */
  r = structure_analyze(t, strlen(t), 2023, "\xff\xfe 某局");
  check_shape(r);
  ck_assert(warned(r, "unit_mismatch", NULL));
  json_decref(r);
  free(t);

  /* year from the body when the title has none; abbreviated names match */
  const char *u = "经开区管委会法治政府建设情况报告\n云岭县人民政府：\n2022年以来，园区推进依法"
                  "行政。\n一、主要举措和成效\n全年审查合同12份。\n云岭经开区管委会\n";
  r = structure_analyze(u, strlen(u), 2023, "云岭经济开发区管理委员会");
  ck_assert_int_eq(json_integer_value(json_object_get(r, "year")), 2022);
  ck_assert(warned(r, "year_mismatch", NULL));
  ck_assert(!warned(r, "unit_mismatch", NULL));
  ck_assert(warned(r, "too_short", NULL));
  json_decref(r);

  /* the addressee at the top is the recipient, not the unit */
  const char *v = "荥阳市人民政府：\n2023年，我局推进依法行政。\n一、工作情况\n全年办理案件3件。\n";
  r = structure_analyze(v, strlen(v), 2023, "荥阳市某局");
  ck_assert(json_is_null(json_object_get(r, "unit_name")));
  ck_assert(!warned(r, "unit_mismatch", NULL));
  ck_assert_int_eq(json_integer_value(json_object_get(r, "year")), 2023);
  json_decref(r);
}
END_TEST

/* The signed name against the uploader's name. */
static const struct name_case {
  const char *signed_as, *uploader;
  int mismatch;
} names[] = {
    {"城关街道办", "云岭县城关街道办事处", 0},
    {"云岭县卫健委", "云岭县卫生健康委员会", 0},
    {"云岭经开区管委会", "云岭经济开发区管理委员会", 0},
    {"县公安局", "云岭县公安局", 0},
    {"中共云岭县委 云岭县人民政府", "云岭县人民政府", 0},
    {"云岭县人民政府办公室", "云岭县人民政府", 1},
    {"云岭县人民政府", "云岭县司法局", 1},
    {"青石镇人民政府", "云岭县柳溪镇人民政府", 1},
    {"青石镇人民政府", "云岭县青溪镇人民政府", 1},
    {"云岭县教育局", "云岭县司法局", 1},
    {"柳溪镇人民政府", "云岭县司法局", 1},
};

START_TEST(unit_names)
{
  const struct name_case *c = &names[_i];
  struct sb b = {0};
  sb_add(&b, "2023年度法治政府建设情况报告\n云岭县人民政府：\n2023年，推进依法行政。\n");
  sb_add(&b, "一、主要举措和成效\n全年审查合同12份。\n");
  sb_add(&b, c->signed_as);
  sb_add(&b, "\n2024年1月5日\n");
  json_t *r = structure_analyze(b.s, b.n, 2023, c->uploader);
  ck_assert_str_eq(json_string_value(json_object_get(r, "unit_name")), c->signed_as);
  ck_assert_msg(warned(r, "unit_mismatch", NULL) == c->mismatch, "%s / %s", c->signed_as,
                c->uploader);
  json_decref(r);
  free(b.s);
}
END_TEST

START_TEST(empty_and_scanned)
{
  json_t *r = structure_analyze("", 0, 2023, "云岭县司法局");
  check_shape(r);
  ck_assert_int_eq(json_integer_value(json_object_get(r, "chars")), 0);
  ck_assert(json_is_null(json_object_get(r, "title")));
  ck_assert(json_is_null(json_object_get(r, "year")));
  ck_assert(json_is_null(json_object_get(r, "unit_name")));
  for (int k = 0; k < 5; k++) ck_assert_int_eq(part_by(r, k), '-');
  ck_assert_uint_eq(json_array_size(json_object_get(r, "warnings")), 1);
  ck_assert_str_eq(warning_message(r, "no_text"), "未能从文件中读出文字（可能是扫描件）");
  json_decref(r);

  r = structure_analyze(NULL, 0, 0, NULL);
  check_shape(r);
  json_decref(r);

  const char *pages = "\f- 1 -\n\f- 2 -\n\f- 3 -\n  \n";
  r = structure_analyze(pages, strlen(pages), 0, NULL);
  check_shape(r);
  ck_assert(warned(r, "no_text", NULL));
  ck_assert(!warned(r, "missing_part", NULL));
  json_decref(r);

  const char *shortr = "测试局2023年法治政府建设情况报告\n一、主要工作\n全年办理案件3件。\n";
  r = structure_analyze(shortr, strlen(shortr), 2023, NULL);
  check_offsets(shortr, r);
  ck_assert(warned(r, "too_short", NULL));
  ck_assert(warned(r, "missing_part", "S2"));
  ck_assert(!warned(r, "missing_part", "S5"));
  json_decref(r);
}
END_TEST

/* ---- pathological input ---- */

static void timed(const char *what, const char *t, size_t n)
{
  long long t0 = tu_now_ms();
  json_t *r = structure_analyze(t, n, 2023, "云岭县司法局");
  long long ms = tu_now_ms() - t0;
  check_shape(r);
  printf("structure_analyze %s (%zu bytes): %lld ms\n", what, n, ms);
  ck_assert_msg(ms < 3000LL * SLOW, "%s took %lld ms", what, ms);
  json_decref(r);
}

START_TEST(five_megabytes)
{
  const size_t target = 5u << 20;
  size_t len;
  char *rep = demo_text("YL-SFJ-2023.txt", &len);
  char *big = malloc(target + len + 1);
  ck_assert_ptr_nonnull(big);
  size_t n = 0;
  while (n < target) {
    memcpy(big + n, rep, len);
    n += len;
  }
  big[n] = 0;
  timed("repeated report", big, n);

  for (size_t i = 0; i < n; i++) /* all on one line */
    if (big[i] == '\n') big[i] = ' ';
  timed("one line", big, n);

  static const char *const pieces[][2] = {{"headings only", "一、主要举措和成效\n"},
                                          {"cues only", "。（一）存在一些不足第一责任人下一步"},
                                          {"plan sentences", "下一步，将继续。"},
                                          {"digits", "2"}};
  for (size_t p = 0; p < sizeof pieces / sizeof *pieces; p++) {
    size_t k = strlen(pieces[p][1]);
    n = 0;
    while (n + k <= target) {
      memcpy(big + n, pieces[p][1], k);
      n += k;
    }
    big[n] = 0;
    timed(pieces[p][0], big, n);
  }

  unsigned x = 12345;
  for (size_t i = 0; i < target; i++) {
    x = x * 1103515245u + 12345u;
    big[i] = (char)(x >> 16);
  }
  timed("random bytes", big, target);
  free(big);
  free(rep);
}
END_TEST

START_TEST(junk_between_utf8)
{
  size_t len;
  char *text = demo_text("YL-SFJ-2023.txt", &len);
  static const char *const junk[] = {"\xff",     "\xc0\xaf",     "\x80\x80",
                                     "\xe4\xb8", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                                     "\0",       "\xef\xbb\xbf"};
  char *out = malloc(len * 2 + 64);
  ck_assert_ptr_nonnull(out);
  size_t n = 0, m = 0;
  for (size_t i = 0; i < len; i++) {
    out[n++] = text[i];
    /* junk at the start of every line and after every full stop */
    if (text[i] == '\n' || (i >= 2 && memcmp(text + i - 2, "。", 3) == 0)) {
      const char *j = junk[m++ % (sizeof junk / sizeof *junk)];
      size_t k = j[0] ? strlen(j) : 1;
      memcpy(out + n, j, k);
      n += k;
    }
  }
  out[n] = 0;
  json_t *r = structure_analyze(out, n, 2023, "云岭县司法局");
  check_shape(r);
  for (int k = 0; k < 5; k++) ck_assert_int_eq(part_by(r, k), 'H');
  ck_assert_int_eq(json_integer_value(json_object_get(r, "year")), 2023);
  json_decref(r);

  /* a truncated sequence right before a heading, and junk inside the title */
  const char *t = "\xe4\xb8测试局\xff"
                  "2023年法治政府建设情况报告\n\xe4一、主要举措和成效\n全年办理"
                  "案件3件\xc3。\n";
  r = structure_analyze(t, strlen(t), 0, NULL);
  check_shape(r);
  ck_assert_int_eq(part_by(r, 0), 'H');
  ck_assert(strstr(json_string_value(json_object_get(r, "title")), "\xef\xbf\xbd") != NULL);
  ck_assert_str_eq(part_heading(r, 0), "一、主要举措和成效");
  json_decref(r);
  free(out);
  free(text);
}
END_TEST

START_TEST(random_bytes)
{
  /* Random bytes, and random sequences of fragments that look like report text. */
  static const char *const frag[] = {"一、",
                                     "二、",
                                     "十二、",
                                     "（一）",
                                     "(二)",
                                     "1.",
                                     "2、",
                                     "（3）",
                                     "。",
                                     "，",
                                     "：",
                                     " ",
                                     "\n",
                                     "\r\n",
                                     "\f",
                                     "存在一些不足",
                                     "下一步，将继续",
                                     "第一责任人",
                                     "专题研究",
                                     "2023年，",
                                     "2024年",
                                     "年度报告",
                                     "法治政府建设情况报告",
                                     "人民政府",
                                     "局",
                                     "全年办理案件12件",
                                     "其他需要报告的情况",
                                     "主要举措和成效",
                                     "\xe4\xb8",
                                     "\xff",
                                     "\0",
                                     "\xe3\x80\x80",
                                     "第一部分",
                                     "二〇二四年一月五日"};
  const size_t nfrag = sizeof frag / sizeof *frag;
  unsigned x = 777;
  char *buf = malloc(70000);
  ck_assert_ptr_nonnull(buf);
  for (int round = 0; round < 400; round++) {
    x = x * 1103515245u + 12345u;
    size_t n = (x >> 8) % 60000, len = 0;
    if (round % 2 == 0) {
      for (; len < n; len++) {
        x = x * 1103515245u + 12345u;
        buf[len] = (char)(x >> 16);
      }
    } else {
      while (len < n) {
        x = x * 1103515245u + 12345u;
        const char *f = frag[(x >> 16) % nfrag];
        size_t k = f[0] ? strlen(f) : 1;
        if (len + k > n) break;
        memcpy(buf + len, f, k);
        len += k;
      }
    }
    buf[len] = 0;
    json_t *r = structure_analyze(buf, len, (int)(x % 3) + 2022, (x & 1) ? "云岭县司法局" : NULL);
    check_shape(r);
    json_decref(r);
  }
  free(buf);
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("structure");
  TCase *tc = tcase_create("structure");
  tcase_set_timeout(tc, 120);
  tcase_add_loop_test(tc, demo_reports, 0, (int)NDEMO);
  tcase_add_test(tc, demo_reports_all_covered);
  tcase_add_test(tc, demo_details);
  tcase_add_loop_test(tc, corpus_reports, 0, (int)(sizeof corpus / sizeof *corpus));
  tcase_add_test(tc, five_parts_in_order);
  tcase_add_test(tc, five_parts_reversed);
  tcase_add_test(tc, no_line_breaks);
  tcase_add_test(tc, thematic_content_cues);
  tcase_add_test(tc, thematic_without_tail_headings);
  tcase_add_test(tc, year_and_unit_mismatch);
  tcase_add_loop_test(tc, unit_names, 0, (int)(sizeof names / sizeof *names));
  tcase_add_test(tc, empty_and_scanned);
  tcase_add_test(tc, five_megabytes);
  tcase_add_test(tc, junk_between_utf8);
  tcase_add_test(tc, random_bytes);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return tu_run_suite(suite());
}
