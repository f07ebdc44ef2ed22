/*
 * rubric_io.c - a rubric as a table: CSV and XLSX export, import from a sheet (see
 * rubric_io.h for the columns, the kinds of row and the JSON the import makes).
 *
 * Export flattens the tree into rows of NCOL text cells (NULL = empty) and hands them to the
 * CSV writer below or to xlsx.c. Import is one pass over the rows: parents come before their
 * children, so each node row finds its parent in a JSON object used as a hash table from code
 * to row (codes of nodes and special items share one namespace, as in rubric_validate()); a
 * last pass over the rows catches nodes left without points or children and deductions
 * whose area is not a top-level node.
 */
#include "rubric_io.h"

#include "buf.h"

#include "err.h"
#include "xlsx.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The columns, in the order the exporter writes them (see columns[] for their names). */
enum col {
  C_CODE,
  C_PARENT,
  C_KIND,
  C_NAME,
  C_POINTS,
  C_CAP,
  C_EFFECT,
  C_GUIDE,
  C_KEYS,
  C_APPLY,
  C_RESP,
  NCOL
};

static const struct column {
  const char *zh, *en; /* header text; the importer accepts either */
  int required;        /* the importer refuses a table without it */
  double width;        /* XLSX column width in characters */
  int flags;           /* XLSX cell flags */
} columns[NCOL] = {
    {"编号", "code", 1, 10, XLSX_TEXT},
    {"上级编号", "parent", 1, 10, XLSX_TEXT},
    {"类型", "kind", 1, 10, 0},
    {"名称", "name", 1, 40, XLSX_WRAP},
    {"分值", "points", 1, 8, XLSX_NUMBER},
    {"上限", "cap", 0, 8, XLSX_NUMBER},
    {"效果", "effect", 0, 14, 0},
    {"评分标准", "guidance", 0, 60, XLSX_WRAP},
    {"关键词", "keywords", 0, 30, XLSX_WRAP},
    {"适用单位类别", "applies_to", 0, 16, 0},
    {"责任单位", "responsible", 0, 20, 0},
};

/* The kinds of row. */
enum kind { K_RUBRIC, K_RULE, K_BAND, K_NODE, K_BONUS, K_DEDUCTION, K_VETO };

#define BIT(c) (1u << (c))
#define NODE_COLS                                                                                  \
  (BIT(C_CODE) | BIT(C_PARENT) | BIT(C_NAME) | BIT(C_POINTS) | BIT(C_GUIDE) | BIT(C_KEYS) |        \
   BIT(C_APPLY) | BIT(C_RESP))
#define BONUS_COLS (BIT(C_CODE) | BIT(C_NAME) | BIT(C_POINTS) | BIT(C_CAP))

static const struct kind_name {
  const char *zh, *en; /* 类型 text; en is matched ignoring case */
  enum kind kind;
  int level;     /* a node's stated level, 0 = from its parent */
  unsigned cols; /* the columns (besides 类型) a row of this kind may fill */
} kinds[] = {
    {"细则", "rubric", K_RUBRIC, 0, BIT(C_NAME) | BIT(C_POINTS)},
    {"规则", "rule", K_RULE, 0, BIT(C_CODE) | BIT(C_NAME) | BIT(C_POINTS)},
    {"等次", "band", K_BAND, 0, BIT(C_NAME) | BIT(C_POINTS)},
    {"一级指标", NULL, K_NODE, 1, NODE_COLS},
    {"二级指标", NULL, K_NODE, 2, NODE_COLS},
    {"三级指标", NULL, K_NODE, 3, NODE_COLS},
    {"指标", "area", K_NODE, 0, NODE_COLS},
    {"指标", "item", K_NODE, 0, NODE_COLS},
    {"加分项", "bonus", K_BONUS, 0, BONUS_COLS},
    {"扣分项", "deduction", K_DEDUCTION, 0, BONUS_COLS | BIT(C_PARENT)},
    {"否决项", "veto", K_VETO, 0, BIT(C_CODE) | BIT(C_NAME) | BIT(C_EFFECT)},
};
#define COLUMNS_HINT                                                                               \
  "编号、上级编号、类型、名称、分值、上限、效果、评分标准、关键词、适用单位类别、责任单位"
#define KINDS_HINT "细则、规则、等次、一级指标、二级指标、三级指标、指标、加分项、扣分项或否决项"

static const char *const levels[] = {"一级指标", "二级指标", "三级指标"};

/* The rules, with a label for people in 名称. */
static const char *const rule_keys[][2] = {{"score_step", "评分步长"},
                                           {"bonus_cap", "加分总上限（空 = 不设上限）"},
                                           {"deduction_cap", "扣分总上限（空 = 不设上限）"},
                                           {"na_rescale", "不适用指标按比例折算（是/否）"}};
#define NRULES (sizeof rule_keys / sizeof rule_keys[0])

/* Veto effects: JSON prefix and table word. */
static const char *const effects[][2] = {{"grade:", "定为"}, {"cap:", "至多"}};

static const char *str(json_t *o, const char *k)
{
  const char *s = json_string_value(json_object_get(o, k));
  return s ? s : "";
}

/* ---- export ---- */

/* Rows of NCOL malloc'd cells (NULL = empty) being built. */
struct rows {
  char **cell;   /* n * NCOL cells */
  size_t n, cap; /* rows used and allocated */
  int nomem;     /* an allocation failed; the rest is skipped */
};

/* A new empty row, or NULL (nomem set). */
static char **row_add(struct rows *t)
{
  if (t->nomem) return NULL;
  if (t->n == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 64;
    char **c = realloc(t->cell, cap * NCOL * sizeof *c);
    if (!c) {
      t->nomem = 1;
      return NULL;
    }
    t->cell = c;
    t->cap = cap;
  }
  char **r = t->cell + t->n++ * NCOL;
  memset(r, 0, NCOL * sizeof *r);
  return r;
}

static void rows_free(struct rows *t)
{
  for (size_t i = 0; i < t->n * NCOL; i++) free(t->cell[i]);
  free(t->cell);
}

/* Cell C of row R becomes a copy of S (nothing when S is NULL or ""). */
static void set(struct rows *t, char **r, int c, const char *s)
{
  if (s && *s && !(r[c] = strdup(s))) t->nomem = 1;
}

/* V in its shortest exact form: "12.5", "3", "0.25"; %.17g when not a multiple of 0.01. */
static void format_number(double v, char buf[40])
{
  double c = round(v * 100);
  if (!isfinite(v) || fabs(v * 100 - c) > 1e-6 || fabs(c) > 1e15) {
    snprintf(buf, 40, "%.17g", v);
    return;
  }
  long long k = llabs((long long)c);
  int n = snprintf(buf, 40, "%s%lld", c < 0 ? "-" : "", k / 100);
  if (k % 100) snprintf(buf + n, 40 - (size_t)n, ".%02lld", k % 100);
  if (k % 10 == 0 && k % 100) buf[strlen(buf) - 1] = 0; /* 12.50 → 12.5 */
}

static void set_number(struct rows *t, char **r, int c, json_t *v)
{
  char buf[40];
  if (!json_is_number(v)) return;
  format_number(json_number_value(v), buf);
  set(t, r, c, buf);
}

/* Cell C of row R becomes the strings of the array A joined with "；". */
static void set_list(struct rows *t, char **r, int c, json_t *a)
{
  size_t i, len = 1;
  json_t *x;
  json_array_foreach(a, i, x) len += json_string_length(x) + 3;
  char *s = malloc(len), *p = s;
  if (!s) {
    t->nomem = 1;
    return;
  }
  *p = 0;
  json_array_foreach(a, i, x)
  {
    if (!json_is_string(x)) continue;
    if (p > s) memcpy(p, "；", 3), p += 3;
    memcpy(p, json_string_value(x), json_string_length(x));
    p += json_string_length(x);
  }
  *p = 0;
  if (*s)
    r[c] = s;
  else
    free(s);
}

/* The nodes of LIST at DEPTH (1 = areas) below the node PARENT ("" for areas), depth first. */
static void put_nodes(struct rows *t, json_t *list, const char *parent, int depth)
{
  size_t i;
  json_t *n;
  json_array_foreach(list, i, n)
  {
    char **r = row_add(t);
    if (!r) return;
    json_t *kids = json_object_get(n, "children");
    set(t, r, C_CODE, str(n, "code"));
    set(t, r, C_PARENT, parent);
    set(t, r, C_KIND, depth <= 3 ? levels[depth - 1] : "指标");
    set(t, r, C_NAME, str(n, "name"));
    if (!json_is_array(kids)) set_number(t, r, C_POINTS, json_object_get(n, "max_points"));
    set(t, r, C_GUIDE, str(n, "guidance"));
    set_list(t, r, C_KEYS, json_object_get(n, "keywords"));
    set_list(t, r, C_APPLY, json_object_get(n, "applies_to"));
    set(t, r, C_RESP, str(n, "responsible"));
    if (json_is_array(kids)) put_nodes(t, kids, str(n, "code"), depth + 1);
  }
}

/* The special items of RB[KEY] as rows of kind KIND. */
static void put_specials(struct rows *t, json_t *rb, const char *key, const char *kind)
{
  size_t i;
  json_t *n;
  json_array_foreach(json_object_get(rb, key), i, n)
  {
    char **r = row_add(t);
    if (!r) return;
    set(t, r, C_CODE, str(n, "code"));
    set(t, r, C_KIND, kind);
    set(t, r, C_NAME, str(n, "name"));
    set_number(t, r, C_POINTS, json_object_get(n, "points"));
    set_number(t, r, C_CAP, json_object_get(n, "cap"));
    set(t, r, C_PARENT, str(n, "area"));
    const char *e = str(n, "effect");
    char buf[256];
    for (size_t k = 0; k < 2; k++)
      if (!strncmp(e, effects[k][0], strlen(effects[k][0]))) {
        snprintf(buf, sizeof buf, "%s:%s", effects[k][1], e + strlen(effects[k][0]));
        e = buf;
        break;
      }
    set(t, r, C_EFFECT, e);
  }
}

/* The rows of the rubric RB, in the documented order. */
static int flatten(json_t *rb, struct rows *t)
{
  char **r = row_add(t);
  if (r) {
    set(t, r, C_KIND, "细则");
    set(t, r, C_NAME, str(rb, "name"));
    set_number(t, r, C_POINTS, json_object_get(rb, "total_points"));
  }
  json_t *rules = json_object_get(rb, "rules");
  for (size_t k = 0; k < NRULES; k++) {
    json_t *v = json_object_get(rules, rule_keys[k][0]);
    if (!v || !(r = row_add(t))) continue;
    set(t, r, C_CODE, rule_keys[k][0]);
    set(t, r, C_KIND, "规则");
    set(t, r, C_NAME, rule_keys[k][1]);
    if (json_is_boolean(v))
      set(t, r, C_POINTS, json_is_true(v) ? "是" : "否");
    else
      set_number(t, r, C_POINTS, v);
  }
  size_t i;
  json_t *b;
  json_array_foreach(json_object_get(rb, "grade_bands"), i, b)
  {
    if (!(r = row_add(t))) break;
    set(t, r, C_KIND, "等次");
    set(t, r, C_NAME, str(b, "name"));
    set_number(t, r, C_POINTS, json_object_get(b, "min"));
  }
  put_nodes(t, json_object_get(rb, "areas"), "", 1);
  put_specials(t, rb, "bonus", "加分项");
  put_specials(t, rb, "deduction", "扣分项");
  put_specials(t, rb, "veto", "否决项");
  return t->nomem ? E_NOMEM : E_OK;
}

/* One CSV field: quoted when it holds a comma, quote, CR or LF; quotes doubled. */
static void put_field(struct buf *b, const char *s)
{
  if (!s || !strpbrk(s, ",\"\r\n")) {
    if (s) buf_puts(b, s);
    return;
  }
  buf_put(b, "\"", 1);
  for (const char *q; (q = strchr(s, '"')); s = q + 1)
    buf_put(b, s, (size_t)(q - s) + 1), buf_put(b, "\"", 1);
  buf_puts(b, s);
  buf_put(b, "\"", 1);
}

int rubric_to_csv(json_t *rb, char **out, size_t *len)
{
  struct rows t = {0};
  struct buf b = {0};
  *out = NULL;
  *len = 0;
  int rc = flatten(rb, &t);
  buf_put(&b, "\xEF\xBB\xBF", 3);
  for (size_t r = 0; rc == E_OK && r <= t.n; r++) {
    for (int c = 0; c < NCOL; c++) {
      if (c) buf_put(&b, ",", 1);
      put_field(&b, r ? t.cell[(r - 1) * NCOL + c] : columns[c].zh);
    }
    buf_put(&b, "\r\n", 2);
  }
  rows_free(&t);
  if (rc == E_OK && b.oom) rc = E_NOMEM;
  if (rc) {
    free(b.p);
    return rc;
  }
  *out = b.p;
  *len = b.n;
  return E_OK;
}

int rubric_to_xlsx(json_t *rb, const char *path, const char *tmpdir)
{
  struct rows t = {0};
  const char *head[NCOL];
  double widths[NCOL];
  int flags[NCOL];
  for (int c = 0; c < NCOL; c++) {
    head[c] = columns[c].zh;
    widths[c] = columns[c].width;
    flags[c] = columns[c].flags;
  }
  int rc = flatten(rb, &t);
  if (rc == E_OK && xlsx_write_table_ex(path, tmpdir, "评分细则", head, widths, flags, NCOL,
                                        (const char *const *)t.cell, t.n))
    rc = E_INTERNAL;
  rows_free(&t);
  return rc;
}

/* ---- import ---- */

/* What the import remembers of a data row. */
struct item {
  json_t *j;        /* the node, band or special item made of it (borrowed), or NULL */
  enum kind kind;   /* its kind */
  int level;        /* a node's depth, 1..3 */
  int has_points;   /* a node with 分值 (a leaf) */
  int has_children; /* a node with rows below it */
};

/* The state of one import. */
struct import {
  const struct sheet *s;
  int col[NCOL];      /* sheet column of each column, -1 when the table has none */
  struct item *items; /* one per sheet row (index = row) */
  json_t *codes;      /* code → row, for nodes and special items */
  json_t *rb;         /* the rubric being built */
  size_t rubric_line; /* the row of 细则, 0 until seen */
  size_t *line;       /* the caller's out-parameters */
  const char **detail;
};

static _Thread_local char why[768];

/* Fails the import about LINE (0 = no line) with the sentence FMT. */
static int fail(struct import *x, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(struct import *x, size_t line, const char *fmt, ...)
{
  int n = line ? snprintf(why, sizeof why, "第 %zu 行：", line) : 0;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why + n, sizeof why - (size_t)n, fmt, ap);
  va_end(ap);
  *x->line = line;
  *x->detail = why;
  return E_VALIDATION;
}

/* S cut to about 40 bytes at a character boundary, for quoting in a message (static buffer
 * per argument slot K, so two may appear in one message). */
static const char *clip(const char *s, int k)
{
  static _Thread_local char buf[2][64];
  size_t n = strlen(s);
  if (n <= 40) return s;
  n = 40;
  while (n && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
  snprintf(buf[k], sizeof buf[k], "%.*s…", (int)n, s);
  return buf[k];
}

/* The letter of sheet column K (0 = "A"; SHEET_MAX_COLS keeps it to two letters). */
static const char *letter(size_t k, char buf[3])
{
  buf[0] = (char)(k >= 26 ? 'A' + k / 26 - 1 : 'A' + k);
  buf[1] = k >= 26 ? (char)('A' + k % 26) : 0;
  buf[2] = 0;
  return buf;
}

/* "分值（E 列）": column C by name and by its letter in the sheet (two static buffers used
 * in turn, so two may appear in one message). */
static const char *where(struct import *x, int c)
{
  static _Thread_local char buf[2][64];
  static _Thread_local int turn;
  char l[3], *b = buf[turn ^= 1];
  if (x->col[c] < 0)
    snprintf(b, sizeof buf[0], "%s（表中没有这一列）", columns[c].zh);
  else
    snprintf(b, sizeof buf[0], "%s（%s 列）", columns[c].zh, letter((size_t)x->col[c], l));
  return b;
}

static const char *cell(struct import *x, size_t row, int c)
{
  return x->col[c] < 0 ? "" : sheet_cell(x->s, row, (size_t)x->col[c]);
}

/* Adds V to the object O under KEY; 0 or -1 (out of memory). */
static int add(json_t *o, const char *key, json_t *v)
{
  return v ? json_object_set_new(o, key, v) : -1;
}

/* Adds the text of column C in ROW to O under KEY when it is not empty. */
static int add_text(struct import *x, json_t *o, const char *key, size_t row, int c)
{
  const char *v = cell(x, row, c);
  return *v ? add(o, key, json_string(v)) : 0;
}

/* Parses the number in column C of ROW into *OUT (a new integer when whole, else a real;
 * NULL when the cell is empty). An empty cell is an error when WHAT (what belongs there) is
 * not NULL. */
static int number(struct import *x, size_t row, int c, const char *what, json_t **out)
{
  const char *s = cell(x, row, c), *p;
  *out = NULL;
  while (*s == ' ' || *s == '\t') s++;
  size_t n = strlen(s);
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
  if (!n) return what ? fail(x, row + 1, "%s为空，应填%s", where(x, c), what) : E_OK;
  char text[64];
  snprintf(text, sizeof text, "%.*s", (int)(n < 60 ? n : 60), s);
  for (p = s; p < s + n; p++)
    if (!memcmp(p, "\xEF\xBC", 2) && ((unsigned char)p[2] == 0x8E ||
                                      ((unsigned char)p[2] >= 0x90 && (unsigned char)p[2] <= 0x99)))
      return fail(x, row + 1, "%s“%s”含有全角数字或全角小数点，请改用半角数字（如 12.5）",
                  where(x, c), clip(text, 0));
  if (*s == '-') return fail(x, row + 1, "%s“%s”是负数，分值不能为负", where(x, c), clip(text, 0));
  size_t digits = 0, dots = 0;
  for (p = s; p < s + n; p++) {
    if (*p == '.' && !dots)
      dots++;
    else if (*p >= '0' && *p <= '9')
      digits++;
    else
      break;
  }
  if (p < s + n || !digits) return fail(x, row + 1, "%s“%s”不是数字", where(x, c), clip(text, 0));
  double v = strtod(s, NULL), cents = round(v * 100);
  if (!(v <= 1e9)) return fail(x, row + 1, "%s“%s”过大", where(x, c), clip(text, 0));
  if (fabs(v * 100 - cents) > 1e-6)
    return fail(x, row + 1, "%s“%s”最多保留两位小数", where(x, c), clip(text, 0));
  *out = fmod(cents, 100) == 0 ? json_integer((json_int_t)(cents / 100)) : json_real(cents / 100);
  return *out ? E_OK : E_NOMEM;
}

/* Parses column C of ROW (see number()) and adds it to O under KEY when not empty. */
static int add_number(struct import *x, json_t *o, const char *key, size_t row, int c,
                      const char *what)
{
  json_t *v;
  int rc = number(x, row, c, what, &v);
  return rc || !v ? rc : add(o, key, v) ? E_NOMEM : E_OK;
}

/* The pieces of TEXT between separators (";" "；" and, when MORE, also "," "，" "、"),
 * trimmed, empty ones dropped, as a new array (NULL when out of memory). */
static json_t *split(const char *text, int more)
{
  static const char *const seps[] = {";", "；", ",", "，", "、"};
  json_t *a = json_array();
  const char *p = text, *start = text;
  while (a) {
    size_t sl = 0;
    for (size_t k = 0; k < (more ? 5u : 2u) && *p && !sl; k++)
      if (!strncmp(p, seps[k], strlen(seps[k]))) sl = strlen(seps[k]);
    if (*p && !sl) {
      p++;
      continue;
    }
    const char *e = p;
    for (;;) {
      if (start < e && strchr(" \t\r\n", *start))
        start++;
      else if (e - start >= 3 && !memcmp(start, "\xE3\x80\x80", 3))
        start += 3;
      else if (start < e && strchr(" \t\r\n", e[-1]))
        e--;
      else if (e - start >= 3 && !memcmp(e - 3, "\xE3\x80\x80", 3))
        e -= 3;
      else
        break;
    }
    if (e > start && json_array_append_new(a, json_stringn(start, (size_t)(e - start)))) {
      json_decref(a);
      return NULL;
    }
    if (!*p) break;
    p += sl;
    start = p;
  }
  return a;
}

/* 适用单位类别 TEXT as a new array of codes, or null when it names none. */
static json_t *applies(const char *text)
{
  json_t *a = split(text, 1);
  if (a && !json_array_size(a)) json_decref(a), a = json_null();
  return a;
}

/* Claims CODE for row ROW (of kind KIND_NAME), refusing an empty or a repeated one. */
static int claim(struct import *x, size_t row, const char *code, const char *kind_name)
{
  if (!*code) return fail(x, row + 1, "%s为空；%s必须有编号", where(x, C_CODE), kind_name);
  json_t *seen = json_object_get(x->codes, code);
  if (seen)
    return fail(x, row + 1, "%s“%s”与第 %lld 行重复", where(x, C_CODE), clip(code, 0),
                (long long)json_integer_value(seen) + 1);
  return json_object_set_new(x->codes, code, json_integer((json_int_t)row)) ? E_NOMEM : E_OK;
}

/* A node row: finds its parent, checks the level, adds the node to the tree. */
static int node_row(struct import *x, size_t row, const struct kind_name *k, json_t *o)
{
  const char *code = cell(x, row, C_CODE), *parent = cell(x, row, C_PARENT);
  struct item *it = &x->items[row];
  int rc;
  json_t *kids = json_object_get(x->rb, "areas");
  it->level = 1;
  if (*parent && !strcmp(parent, code) && *code)
    return fail(x, row + 1, "%s“%s”就是本行的编号；指标不能做自己的上级", where(x, C_PARENT),
                clip(parent, 0));
  if ((rc = claim(x, row, code, "指标"))) return rc;
  if (*parent) {
    json_t *pr = json_object_get(x->codes, parent);
    struct item *p = pr ? &x->items[json_integer_value(pr)] : NULL;
    size_t pline = pr ? (size_t)json_integer_value(pr) + 1 : 0;
    if (!p)
      return fail(x, row + 1, "%s“%s”在本行之前没有出现（上级指标须写在它的下级之前）",
                  where(x, C_PARENT), clip(parent, 0));
    if (p->kind != K_NODE)
      return fail(x, row + 1, "%s“%s”是第 %zu 行的%s，不是指标", where(x, C_PARENT),
                  clip(parent, 0), pline,
                  p->kind == K_BONUS       ? "加分项"
                  : p->kind == K_DEDUCTION ? "扣分项"
                                           : "否决项");
    if (p->has_points)
      return fail(x, row + 1,
                  "%s“%s”（第 %zu 行）填了分值，是末级指标，不能有下级；分值只填在末级指标上，"
                  "若“%s”是分组，请清空第 %zu 行的分值",
                  where(x, C_PARENT), clip(parent, 0), pline, clip(parent, 1), pline);
    it->level = p->level + 1;
    if (it->level > 3)
      return fail(x, row + 1, "指标“%s”在三级指标“%s”之下，是第 4 级；指标最多三级", clip(code, 0),
                  clip(parent, 1));
    p->has_children = 1;
    kids = json_object_get(p->j, "children");
    if (!kids && add(p->j, "children", kids = json_array())) return E_NOMEM;
  }
  if (k->level && k->level != it->level && it->level == 1)
    return fail(x, row + 1, "%s为“%s”，但%s为空；二级、三级指标须填上级编号", where(x, C_KIND),
                k->zh, where(x, C_PARENT));
  if (k->level && k->level != it->level)
    return fail(x, row + 1, "%s为“%s”，但上级“%s”是%s，本行应为%s", where(x, C_KIND), k->zh,
                clip(parent, 0), levels[it->level - 2], levels[it->level - 1]);
  if ((rc = add_number(x, o, "max_points", row, C_POINTS, NULL))) return rc;
  it->has_points = json_object_get(o, "max_points") != NULL;
  if (add(o, "code", json_string(code)) || add_text(x, o, "guidance", row, C_GUIDE) ||
      add(o, "keywords", split(cell(x, row, C_KEYS), 0)) ||
      add(o, "applies_to", applies(cell(x, row, C_APPLY))) ||
      add_text(x, o, "responsible", row, C_RESP) || json_array_append(kids, o))
    return E_NOMEM;
  return E_OK;
}

/* A 规则 row: sets the rule named in 编号. */
static int rule_row(struct import *x, size_t row)
{
  const char *key = cell(x, row, C_CODE), *v = cell(x, row, C_POINTS);
  json_t *rules = json_object_get(x->rb, "rules"), *val = NULL;
  size_t k = 0;
  while (k < NRULES && strcmp(key, rule_keys[k][0])) k++;
  if (k == NRULES)
    return fail(x, row + 1,
                "%s“%s”不是计分规则，应为 score_step、bonus_cap、deduction_cap 或 na_rescale",
                where(x, C_CODE), clip(key, 0));
  if (json_object_get(rules, key)) return fail(x, row + 1, "计分规则 %s 重复出现", key);
  if (k == 3) {
    if (!strcmp(v, "是") || !strcmp(v, "1") || !strcasecmp(v, "true"))
      val = json_true();
    else if (!strcmp(v, "否") || !strcmp(v, "0") || !strcasecmp(v, "false"))
      val = json_false();
    else
      return fail(x, row + 1, "%s“%s”应为“是”或“否”", where(x, C_POINTS), clip(v, 0));
  } else {
    int rc = number(x, row, C_POINTS, k == 0 ? "评分步长（如 0.5）" : NULL, &val);
    if (rc) return rc;
    if (!val) val = json_null(); /* an empty cap: no cap */
  }
  return add(rules, key, val) ? E_NOMEM : E_OK;
}

/* A 否决项's 效果: "定为:等次", "至多:等次", "grade:等次" or "cap:等次" (also with "："). */
static int effect(struct import *x, size_t row, json_t *o)
{
  const char *e = cell(x, row, C_EFFECT);
  for (size_t k = 0; k < 2; k++) {
    for (int w = 0; w < 2; w++) {
      size_t n = strlen(effects[k][w]) - (w == 0); /* "grade" without its colon */
      if (strncmp(e, effects[k][w], n)) continue;
      const char *g = e + n;
      while (*g == ' ') g++;
      if (*g == ':')
        g++;
      else if (!strncmp(g, "：", 3))
        g += 3;
      else
        continue;
      while (*g == ' ') g++;
      if (!*g) break;
      char buf[256];
      snprintf(buf, sizeof buf, "%s%s", effects[k][0], g);
      return add(o, "effect", json_string(buf)) ? E_NOMEM : E_OK;
    }
  }
  return fail(x, row + 1, "%s“%s”应为“定为:等次”或“至多:等次”（如“定为:不合格”）",
              where(x, C_EFFECT), clip(e, 0));
}

/* One data row ROW of kind K. */
static int data_row(struct import *x, size_t row, const struct kind_name *k)
{
  struct item *it = &x->items[row];
  json_t *o = NULL;
  int rc = E_OK;
  it->kind = k->kind;
  for (int c = 0; c < NCOL; c++)
    if (c != C_KIND && !(k->cols & BIT(c)) && *cell(x, row, c))
      return fail(x, row + 1, "%s行不填%s，请清空“%s”", k->zh, where(x, c),
                  clip(cell(x, row, c), 0));
  switch (k->kind) {
  case K_RUBRIC: {
    if (x->rubric_line)
      return fail(x, row + 1, "类型为“细则”的行只能有一行（第 %zu 行已有）", x->rubric_line);
    x->rubric_line = row + 1;
    if ((rc = add_number(x, x->rb, "total_points", row, C_POINTS, "总分"))) return rc;
    return add_text(x, x->rb, "name", row, C_NAME) ? E_NOMEM : E_OK;
  }
  case K_RULE:
    return rule_row(x, row);
  default:
    break;
  }
  if (!(o = json_object()) || add(o, "name", json_string(cell(x, row, C_NAME))) ||
      add(o, "line", json_integer((json_int_t)row + 1))) {
    json_decref(o);
    return E_NOMEM;
  }
  it->j = o;
  switch (k->kind) {
  case K_BAND:
    if (!(rc = add_number(x, o, "min", row, C_POINTS, "该等次的最低分")) &&
        json_array_append(json_object_get(x->rb, "grade_bands"), o))
      rc = E_NOMEM;
    break;
  case K_NODE:
    rc = node_row(x, row, k, o);
    break;
  default: { /* bonus, deduction, veto */
    static const char *const lists[] = {
        [K_BONUS] = "bonus", [K_DEDUCTION] = "deduction", [K_VETO] = "veto"};
    const char *code = cell(x, row, C_CODE);
    if ((rc = claim(x, row, code, k->zh))) break;
    if (add(o, "code", json_string(code)))
      rc = E_NOMEM;
    else if (k->kind == K_VETO)
      rc = effect(x, row, o);
    else if (!(rc = add_number(x, o, "points", row, C_POINTS, "每项分值")))
      rc = add_number(x, o, "cap", row, C_CAP, NULL);
    if (!rc && k->kind == K_DEDUCTION && add_text(x, o, "area", row, C_PARENT)) rc = E_NOMEM;
    if (!rc && json_array_append(json_object_get(x->rb, lists[k->kind]), o)) rc = E_NOMEM;
  }
  }
  json_decref(o); /* the tree or the list holds it now */
  if (rc) it->j = NULL;
  return rc;
}

/* Maps the header row to columns. */
static int header(struct import *x)
{
  const struct sheet *s = x->s;
  char l1[3], l2[3];
  for (int c = 0; c < NCOL; c++) x->col[c] = -1;
  for (size_t k = 0; k < s->cols; k++) {
    const char *h = sheet_cell(s, 0, k);
    int c = 0;
    while (c < NCOL && strcmp(h, columns[c].zh) && strcasecmp(h, columns[c].en)) c++;
    if (!*h) {
      for (size_t r = 1; r < s->rows; r++)
        if (*sheet_cell(s, r, k))
          return fail(x, 1, "%s 列没有列名，但第 %zu 行在这一列有内容“%s”", letter(k, l1), r + 1,
                      clip(sheet_cell(s, r, k), 0));
      continue;
    }
    if (c == NCOL)
      return fail(x, 1, "不认识的列“%s”（%s 列）；可用的列为：" COLUMNS_HINT, clip(h, 0),
                  letter(k, l1));
    if (x->col[c] >= 0)
      return fail(x, 1, "“%s”列出现了两次（%s 列和 %s 列）", columns[c].zh,
                  letter((size_t)x->col[c], l1), letter(k, l2));
    x->col[c] = (int)k;
  }
  for (int c = 0; c < NCOL; c++)
    if (columns[c].required && x->col[c] < 0) return fail(x, 1, "缺少“%s”列", columns[c].zh);
  return E_OK;
}

/* After all rows: nodes without points or children, deductions whose area is not an area. */
static int final_checks(struct import *x)
{
  for (size_t r = 1; r < x->s->rows; r++) {
    struct item *it = &x->items[r];
    if (!it->j) continue;
    const char *code = str(it->j, "code");
    if (it->kind == K_NODE && !it->has_points && !it->has_children)
      return fail(x, r + 1, "指标“%s”既没有分值也没有下级指标；末级指标须填分值", clip(code, 0));
    const char *area = str(it->j, "area");
    if (it->kind == K_DEDUCTION && *area) {
      json_t *a = json_object_get(x->codes, area);
      if (!a || x->items[json_integer_value(a)].kind != K_NODE ||
          x->items[json_integer_value(a)].level != 1)
        return fail(
            x, r + 1,
            "%s“%s”不是一级指标的编号（扣分项的上级编号填它所扣的一级指标，留空表示从总分中扣）",
            where(x, C_PARENT), clip(area, 0));
    }
  }
  return E_OK;
}

int rubric_from_sheet(const struct sheet *s, json_t **out, size_t *line, const char **detail)
{
  struct import x = {.s = s, .line = line, .detail = detail};
  int rc = E_OK;
  *out = NULL;
  *line = 0;
  *detail = NULL;
  if (s->rows == 0) return fail(&x, 0, "表格是空的");
  if (s->rows == 1) return fail(&x, 0, "表格只有表头，没有数据行");
  if (s->rows - 1 > RUBRIC_IO_MAX_ROWS)
    return fail(&x, 0, "表格有 %zu 行数据，超过上限 %d 行", s->rows - 1, RUBRIC_IO_MAX_ROWS);
  if ((rc = header(&x))) return rc;
  x.items = calloc(s->rows, sizeof *x.items);
  x.codes = json_object();
  x.rb = json_pack("{s:{},s:[],s:[],s:[],s:[],s:[]}", "rules", "grade_bands", "areas", "bonus",
                   "deduction", "veto");
  if (!x.items || !x.codes || !x.rb) rc = E_NOMEM;
  for (size_t r = 1; rc == E_OK && r < s->rows; r++) {
    size_t c = 0;
    while (c < s->cols && !*sheet_cell(s, r, c)) c++;
    if (c == s->cols) continue; /* a blank row */
    const char *kind = cell(&x, r, C_KIND);
    size_t k = 0;
    while (k < sizeof kinds / sizeof kinds[0] && strcmp(kind, kinds[k].zh) &&
           !(kinds[k].en && !strcasecmp(kind, kinds[k].en)))
      k++;
    if (!*kind)
      rc = fail(&x, r + 1, "%s为空，应为" KINDS_HINT, where(&x, C_KIND));
    else if (k == sizeof kinds / sizeof kinds[0])
      rc = fail(&x, r + 1, "%s“%s”不认识，应为" KINDS_HINT, where(&x, C_KIND), clip(kind, 0));
    else
      rc = data_row(&x, r, &kinds[k]);
  }
  if (rc == E_OK && !x.rubric_line)
    rc = fail(&x, 0, "表格中没有类型为“细则”的行（该行的名称为细则名称，分值为总分）");
  if (rc == E_OK) rc = final_checks(&x);
  free(x.items);
  json_decref(x.codes);
  if (rc) {
    json_decref(x.rb);
    return rc;
  }
  *out = x.rb;
  return E_OK;
}
