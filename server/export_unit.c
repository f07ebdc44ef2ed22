/*
 * export_unit.c - one unit's 评分表 workbook (see export_unit.h). Both kinds of sheet are
 * written by one function from one item form ({code: {"points","na","count","veto",
 * "comment"}}, the stored form of a review sheet): the 综合 sheet's items are made from the
 * results (the official leaf values, the aggregated counts, the majority vetoes), so the two
 * layouts cannot drift apart.
 */
#include "export_unit.h"

#include "err.h"
#include "utf8.h"
#include "xlsx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The columns of every sheet. */
enum { C_CODE, C_NAME, C_MAX, C_GUIDE, C_SCORE, C_NOTE, NCOLS };

static const double WIDTHS[NCOLS] = {9, 28, 8, 52, 11, 36};
static const char *const HEADS[NCOLS] = {"编号", "指标", "分值", "评分标准", "得分", "评语"};

/* Cell styles. */
#define S_CELL  XLSX_F_BORDER
#define S_MID   (XLSX_F_BORDER | XLSX_F_CENTER)
#define S_TEXT  (XLSX_F_BORDER | XLSX_F_WRAP)
#define S_SCORE (XLSX_F_BORDER | XLSX_F_CENTER | XLSX_F_NUM2)
#define S_HEAD  (XLSX_F_BORDER | XLSX_F_CENTER | XLSX_F_BOLD | XLSX_F_FILL)
#define S_AREA  (XLSX_F_BORDER | XLSX_F_BOLD)

#define SIGN_REVIEWER "评审人（签字）：________        日期：____年__月__日"
#define SIGN_OFFICE   "考核办（盖章）：________        日期：____年__月__日"

/* What one sheet shows beyond its items. */
struct page_info {
  const char *info;  /* the line under the title */
  const char *empty; /* a notice row under the header (NULL = none) */
  json_t *total;     /* the 合计 (a number, or NULL/null = none) */
  const char *grade; /* the grade ("" = none) */
  const char *rank;  /* "第 n 名（共 m 个单位）" ("" = none; 综合 only) */
  const char *sum;   /* the 合计 row's 评分标准 text (how the total is made) */
  int office;        /* 1 for 综合: the office's signature line too */
};

/* A sheet being written: the page and the next row. */
struct pen {
  struct xlsx_page *p; /* the worksheet */
  unsigned row;        /* the next row to write */
};

/* The text of J when it is a string, else "". */
static const char *str(json_t *j)
{
  return json_is_string(j) ? json_string_value(j) : "";
}

/* A text cell of S. */
static struct xlsx_cell text(const char *s)
{
  return (struct xlsx_cell){.kind = XLSX_STR, .s = s};
}

/* A number cell of N. */
static struct xlsx_cell num(double n)
{
  return (struct xlsx_cell){.kind = XLSX_NUM, .n = n};
}

/* N written as Chinese numerals (1 … 99: 一 … 九十九) into BUF (CAP ≥ 16). */
static const char *cn_number(int n, char *buf, size_t cap)
{
  static const char *const D[10] = {"〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"};
  if (n < 1 || n > 99)
    snprintf(buf, cap, "%d", n);
  else if (n < 10)
    snprintf(buf, cap, "%s", D[n]);
  else
    snprintf(buf, cap, "%s十%s", n >= 20 ? D[n / 10] : "", n % 10 ? D[n % 10] : "");
  return buf;
}

/* The points of a rubric node: its max_points, or the sum over its children. */
static double node_points(json_t *node)
{
  json_t *mp = json_object_get(node, "max_points");
  if (json_is_number(mp)) return json_number_value(mp);
  double sum = 0;
  size_t i;
  json_t *c;
  json_array_foreach(json_object_get(node, "children"), i, c) sum += node_points(c);
  return sum;
}

/* An estimate of the height in points a row needs for the wrapped texts of its cells (CJK
 * characters take two width units): Excel recomputes it, but WPS and printing keep it. */
static double row_height(const char *name, const char *guide, const char *note)
{
  const char *t[3] = {name, guide, note};
  const double w[3] = {WIDTHS[C_NAME], WIDTHS[C_GUIDE], WIDTHS[C_NOTE]};
  double lines = 1;
  for (int k = 0; k < 3; k++) {
    double l = (double)(2 * utf8_chars(t[k] ? t[k] : "")) / (w[k] - 1) + 0.99;
    if (l > lines) lines = (double)(long)l;
  }
  return 15 * lines + 3;
}

/* Writes one row of P: the cells CELLS[NCOLS] in STYLES[NCOLS]. 0 or -1. */
static int put_row(struct pen *p, const struct xlsx_cell cells[NCOLS], const int styles[NCOLS])
{
  for (int c = 0; c < NCOLS; c++)
    if (xlsx_page_put(p->p, p->row, c, &cells[c], styles[c])) return -1;
  p->row++;
  return 0;
}

/* The 得分 cell of the leaf item IT (NULL = not scored). */
static struct xlsx_cell leaf_score(json_t *it)
{
  if (json_is_true(json_object_get(it, "na"))) return text("不适用");
  json_t *pts = json_object_get(it, "points");
  return json_is_number(pts) ? num(json_number_value(pts)) : text("");
}

/* Writes NODE (a group or leaf below an area) and its subtree with the scores ITEMS. */
static int write_node(struct pen *p, json_t *node, json_t *items)
{
  const char *code = str(json_object_get(node, "code")), *name = str(json_object_get(node, "name"));
  const char *guide = str(json_object_get(node, "guidance"));
  json_t *kids = json_object_get(node, "children");
  if (json_is_array(kids)) { /* a grouping indicator: its own bold row, then its children */
    const struct xlsx_cell g[NCOLS] = {text(code),  text(name), num(node_points(node)),
                                       text(guide), text(""),   text("")};
    const int gs[NCOLS] = {
        S_MID | XLSX_F_BOLD, S_AREA | XLSX_F_WRAP, S_MID | XLSX_F_BOLD, S_TEXT, S_MID, S_TEXT};
    if (xlsx_page_height(p->p, p->row, row_height(name, guide, NULL)) || put_row(p, g, gs))
      return -1;
    size_t i;
    json_t *c;
    json_array_foreach(kids, i, c)
    {
      if (write_node(p, c, items)) return -1;
    }
    return 0;
  }
  json_t *it = json_object_get(items, code);
  const char *note = str(json_object_get(it, "comment"));
  const struct xlsx_cell l[NCOLS] = {text(code),  text(name),     num(node_points(node)),
                                     text(guide), leaf_score(it), text(note)};
  const int ls[NCOLS] = {S_MID, S_TEXT, S_MID, S_TEXT, S_SCORE, S_TEXT};
  if (xlsx_page_height(p->p, p->row, row_height(name, guide, note))) return -1;
  return put_row(p, l, ls);
}

/* Writes one sheet NAME: the title, the tree of RUBRIC with ITEMS, the 合计 and signatures. */
static int write_page(struct xlsx_form *f, const char *name, const char *title, json_t *rubric,
                      json_t *items, const struct page_info *pi)
{
  struct pen p = {xlsx_form_page(f, name, WIDTHS, NCOLS), 0};
  char buf[512], cn[16];
  if (!p.p) return -1;
  if (xlsx_page_height(p.p, 0, 30) ||
      xlsx_page_merge(p.p, p.row++, 0, NCOLS - 1, title, XLSX_F_TITLE) ||
      xlsx_page_height(p.p, 1, 20) || xlsx_page_merge(p.p, p.row++, 0, NCOLS - 1, pi->info, 0))
    return -1;
  unsigned head = p.row;
  const struct xlsx_cell heads[NCOLS] = {text(HEADS[0]), text(HEADS[1]), text(HEADS[2]),
                                         text(HEADS[3]), text(HEADS[4]), text(HEADS[5])};
  const int hs[NCOLS] = {S_HEAD, S_HEAD, S_HEAD, S_HEAD, S_HEAD, S_HEAD};
  if (put_row(&p, heads, hs)) return -1;
  if (pi->empty && xlsx_page_merge(p.p, p.row++, 0, NCOLS - 1, pi->empty, S_MID | XLSX_F_BOLD))
    return -1;
  size_t i, k;
  json_t *area, *c;
  json_array_foreach(json_object_get(rubric, "areas"), i, area)
  {
    snprintf(buf, sizeof buf, "%s、%s（%g 分）", cn_number((int)i + 1, cn, sizeof cn),
             str(json_object_get(area, "name")), node_points(area));
    if (xlsx_page_height(p.p, p.row, 20) ||
        xlsx_page_merge(p.p, p.row++, 0, NCOLS - 1, buf, S_AREA))
      return -1;
    json_array_foreach(json_object_get(area, "children"), k, c)
    {
      if (write_node(&p, c, items)) return -1;
    }
  }
  /* bonus, deduction, veto */
  static const char *const TYPES[3] = {"bonus", "deduction", "veto"};
  static const char *const HEADINGS[3] = {"加分项", "扣分项", "否决项"};
  for (int t = 0; t < 3; t++) {
    json_t *list = json_object_get(rubric, TYPES[t]);
    if (!json_array_size(list)) continue;
    if (xlsx_page_merge(p.p, p.row++, 0, NCOLS - 1, HEADINGS[t], S_AREA)) return -1;
    json_array_foreach(list, k, c)
    {
      const char *code = str(json_object_get(c, "code")), *iname = str(json_object_get(c, "name"));
      json_t *it = json_object_get(items, code);
      double pts = json_number_value(json_object_get(c, "points"));
      json_t *cap = json_object_get(c, "cap");
      char rule[256], score[64];
      struct xlsx_cell max = text("");
      if (t < 2) {
        int n = snprintf(rule, sizeof rule, "每项%s %g 分", t ? "扣" : "加", pts);
        if (json_is_number(cap) && n > 0 && (size_t)n < sizeof rule)
          snprintf(rule + n, sizeof rule - (size_t)n, "，最多%s %g 分", t ? "扣" : "加",
                   json_number_value(cap));
        snprintf(score, sizeof score, "%g 次", json_number_value(json_object_get(it, "count")));
        max = num(pts);
      } else {
        const char *eff = str(json_object_get(c, "effect"));
        snprintf(rule, sizeof rule, "%s%s",
                 !strncmp(eff, "cap:", 4) ? "触发后等次最高为" : "触发后等次定为",
                 strchr(eff, ':') ? strchr(eff, ':') + 1 : eff);
        snprintf(score, sizeof score, "%s",
                 json_is_true(json_object_get(it, "veto")) ? "触发" : "未触发");
      }
      const char *note = str(json_object_get(it, "comment"));
      const struct xlsx_cell row[NCOLS] = {text(code), text(iname), max,
                                           text(rule), text(score), text(note)};
      const int st[NCOLS] = {S_MID, S_TEXT, S_MID, S_TEXT, S_MID, S_TEXT};
      if (xlsx_page_height(p.p, p.row, row_height(iname, rule, note)) || put_row(&p, row, st))
        return -1;
    }
  }
  /* 合计 */
  snprintf(buf, sizeof buf, "%s%s%s%s", *pi->grade ? "等次：" : "", pi->grade,
           *pi->grade && *pi->rank ? "；" : "", pi->rank);
  const struct xlsx_cell sum[NCOLS] = {
      text(""),
      text(""),
      num(json_number_value(json_object_get(rubric, "total_points"))),
      text(pi->sum),
      json_is_number(pi->total) ? num(json_number_value(pi->total)) : text(""),
      text(buf)};
  const int ss[NCOLS] = {
      S_HEAD, S_HEAD, S_MID | XLSX_F_BOLD, S_TEXT, S_SCORE | XLSX_F_BOLD, S_TEXT | XLSX_F_BOLD};
  if (xlsx_page_height(p.p, p.row, row_height(NULL, pi->sum, buf)) || put_row(&p, sum, ss) ||
      xlsx_page_merge(p.p, p.row - 1, C_CODE, C_NAME, "合计", S_HEAD))
    return -1;
  p.row++; /* a blank line before the signatures */
  if (xlsx_page_height(p.p, p.row, 28) ||
      xlsx_page_merge(p.p, p.row++, 0, NCOLS - 1, SIGN_REVIEWER, 0))
    return -1;
  if (pi->office && (xlsx_page_height(p.p, p.row, 28) ||
                     xlsx_page_merge(p.p, p.row++, 0, NCOLS - 1, SIGN_OFFICE, 0)))
    return -1;
  return xlsx_page_print(p.p, head);
}

/* The 综合 sheet's items from the results: the official value of every leaf (null = N/A) with
 * a note on overrides and disagreements, the aggregated counts, the majority vetoes. A new
 * object, or NULL when out of memory. */
static json_t *official_items(json_t *results, json_t *row)
{
  json_t *items = json_object(), *tr = json_object_get(row, "trace"), *x;
  json_t *values = json_object_get(row, "values");
  size_t i;
  int bad = !items;
  json_array_foreach(json_object_get(results, "leaves"), i, x)
  {
    if (bad || !json_is_array(values)) break;
    json_t *v = json_array_get(values, i);
    bad = json_object_set_new(
              items, str(json_object_get(x, "code")),
              json_pack("{s:O,s:b,s:s}", "points", v, "na", json_is_null(v), "comment", "")) != 0;
  }
  json_array_foreach(json_object_get(tr, "leaves"), i, x)
  {
    json_t *it = json_object_get(items, str(json_object_get(x, "code")));
    json_t *ov = json_object_get(x, "override");
    char note[200] = "";
    if (bad || !it) continue;
    if (ov)
      snprintf(note, sizeof note, "复核调整（原汇总 %.2f 分）",
               json_number_value(json_object_get(ov, "replaced")));
    else if (json_is_true(json_object_get(x, "flag")))
      snprintf(note, sizeof note, "评审分歧较大（%lld 份评分，极差 %.2f 分）",
               (long long)json_integer_value(json_object_get(x, "n")),
               json_number_value(json_object_get(x, "range")));
    bad = json_object_set_new(it, "comment", json_string(note)) != 0;
  }
  json_array_foreach(json_object_get(tr, "counts"), i, x)
  {
    if (!bad)
      bad = json_object_set_new(items, str(json_object_get(x, "code")),
                                json_pack("{s:O}", "count", json_object_get(x, "value"))) != 0;
  }
  json_array_foreach(json_object_get(tr, "vetoes"), i, x)
  {
    char note[100];
    snprintf(note, sizeof note, "%lld / %lld 份评分表勾选",
             (long long)json_integer_value(json_object_get(x, "votes")),
             (long long)json_integer_value(json_object_get(x, "of")));
    if (!bad)
      bad = json_object_set_new(items, str(json_object_get(x, "code")),
                                json_pack("{s:b,s:s}", "veto",
                                          json_is_true(json_object_get(x, "flagged")), "comment",
                                          note)) != 0;
  }
  if (bad) {
    json_decref(items);
    return NULL;
  }
  return items;
}

/* 1 when sheet names A and B are the same to Excel (ASCII letters compared without case). */
static int same_name(const char *a, const char *b)
{
  for (; *a && *b; a++, b++) {
    char x = *a >= 'A' && *a <= 'Z' ? (char)(*a + 32) : *a;
    char y = *b >= 'A' && *b <= 'Z' ? (char)(*b + 32) : *b;
    if (x != y) return 0;
  }
  return *a == *b;
}

/* Copies S into OUT (CAP bytes) as a sheet name of at most MAXCH characters: []:*?/\ become
 * '_', a leading or trailing apostrophe too, control characters are dropped, UTF-8 sequences
 * are never cut. "评审人" when nothing is left. */
static void sheet_name(const char *s, size_t maxch, char *out, size_t cap)
{
  size_t n = 0, ch = 0;
  for (const unsigned char *p = (const unsigned char *)s; *p && ch < maxch;) {
    size_t len = *p < 0x80 ? 1 : *p >= 0xF0 ? 4 : *p >= 0xE0 ? 3 : 2;
    if (n + len + 1 > cap) break;
    if (*p < 0x20) {
      p++;
      continue;
    }
    if (len == 1 && strchr("[]:*?/\\", *p)) {
      out[n++] = '_';
      p++;
    } else {
      for (size_t k = 0; k < len && p[k]; k++) out[n++] = (char)p[k];
      p += len;
    }
    ch++;
  }
  out[n] = 0;
  if (n && out[0] == '\'') out[0] = '_';
  if (n && out[n - 1] == '\'') out[n - 1] = '_';
  if (!n) snprintf(out, cap, "评审人");
}

int export_unit_xlsx(const char *path, const char *tmpdir, json_t *cycle, json_t *rubric,
                     json_t *results, json_t *row, json_t *unit)
{
  static const char *const METHODS[][2] = {{"mean", "平均值"},
                                           {"median", "中位数"},
                                           {"trimmed", "去掉一个最高分和一个最低分后平均"},
                                           {"normalized", "评审尺度校正后平均"}};
  json_t *sheets = json_object_get(unit, "sheets"), *tr = json_object_get(row, "trace");
  const char *method = str(json_object_get(results, "method")), *mname = method;
  for (size_t m = 0; m < sizeof METHODS / sizeof *METHODS; m++)
    if (!strcmp(method, METHODS[m][0])) mname = METHODS[m][1];
  char title[600], info[600], rank[100] = "", sum[400] = "";
  snprintf(title, sizeof title, "%s　%s评分表", str(json_object_get(cycle, "title")),
           str(json_object_get(unit, "name")));
  snprintf(info, sizeof info, "被考核单位：%s（%s）    汇总：%zu 份评分表，按%s汇总",
           str(json_object_get(unit, "name")), str(json_object_get(unit, "code")),
           json_array_size(sheets), mname);
  if (json_is_integer(json_object_get(row, "rank")))
    snprintf(rank, sizeof rank, "排名：第 %lld 名（共 %lld 个单位）",
             (long long)json_integer_value(json_object_get(row, "rank")),
             (long long)json_integer_value(
                 json_object_get(json_object_get(results, "counts"), "ranked")));
  if (json_is_number(json_object_get(row, "total"))) {
    double base = json_number_value(json_object_get(row, "base"));
    double amax = json_number_value(json_object_get(row, "applicable_max"));
    double scaled = json_number_value(json_object_get(row, "rescaled"));
    char part[160] = "";
    if (scaled - base > 0.001 || base - scaled > 0.001) /* N/A leaves rescaled to full marks */
      snprintf(part, sizeof part, "（适用指标满分 %g，按比例折算为 %.2f）", amax, scaled);
    snprintf(sum, sizeof sum, "基础分 %.2f%s，加分 %.2f，扣分 %.2f", base, part,
             json_number_value(json_object_get(row, "bonus")),
             json_number_value(json_object_get(row, "deduction")));
  }
  json_t *items = official_items(results, row);
  struct xlsx_form *f = items ? xlsx_form_open(path, tmpdir) : NULL;
  int bad = !f;
  const struct page_info off = {
      .info = info,
      .empty = json_array_size(sheets) ? NULL : "暂无已提交的评分表",
      .total = json_object_get(row, "total"),
      .grade = str(json_object_get(row, "grade")),
      .rank = rank,
      .sum = sum,
      .office = 1,
  };
  if (!bad) bad = write_page(f, "综合", title, rubric, items, &off);
  json_decref(items);
  /* one sheet per submitted review sheet, named after its reviewer */
  char(*names)[128] = calloc(json_array_size(sheets) + 1, sizeof *names);
  size_t i, k;
  json_t *s, *x;
  if (!names) bad = 1;
  if (!bad) snprintf(names[0], sizeof names[0], "综合");
  json_array_foreach(sheets, i, s)
  {
    if (bad) break;
    const char *login = str(json_object_get(s, "login")), *who = str(json_object_get(s, "name"));
    if (!*who) who = login;
    char *nm = names[i + 1];
    sheet_name(who, 31, nm, sizeof names[0]);
    for (int n = 2, clash = 1; clash; n++) {
      clash = 0;
      for (k = 0; k <= i && !clash; k++) clash = same_name(names[k], nm);
      if (clash) { /* "name（n）", the name cut so the whole stays within 31 characters */
        char base[96], suffix[32];
        snprintf(suffix, sizeof suffix, "（%d）", n);
        sheet_name(who, 31 - utf8_chars(suffix), base, sizeof base);
        snprintf(nm, sizeof names[0], "%s%s", base, suffix);
      }
    }
    json_t *total = NULL;
    const char *grade = "";
    json_array_foreach(json_object_get(tr, "reviewers"), k, x)
    {
      if (!strcmp(str(json_object_get(x, "reviewer")), login)) {
        total = json_object_get(x, "total");
        grade = str(json_object_get(x, "grade"));
      }
    }
    snprintf(info, sizeof info, "被考核单位：%s（%s）    评审人：%s（%s）",
             str(json_object_get(unit, "name")), str(json_object_get(unit, "code")), who, login);
    const struct page_info pi = {
        .info = info,
        .total = total,
        .grade = grade,
        .rank = "",
        .sum = "按评分细则计算（含加分、扣分和不适用指标的折算）",
    };
    /* leaves the office or the unit's kind make N/A are 不适用 on every sheet, whether or not
     * the reviewer marked them (a shallow copy: only absent codes are added) */
    json_t *mine = json_copy(json_object_get(s, "items"));
    bad = !mine;
    json_array_foreach(json_object_get(tr, "leaves"), k, x)
    {
      const char *why = str(json_object_get(x, "na_reason")), *lc = str(json_object_get(x, "code"));
      if (!bad && (!strcmp(why, "office") || !strcmp(why, "kind")) && !json_object_get(mine, lc))
        bad = json_object_set_new(mine, lc, json_pack("{s:b}", "na", 1)) != 0;
    }
    if (!bad) bad = write_page(f, nm, title, rubric, mine, &pi);
    json_decref(mine);
  }
  free(names);
  if (f && xlsx_form_close(f)) bad = 1;
  return bad ? E_INTERNAL : E_OK;
}
