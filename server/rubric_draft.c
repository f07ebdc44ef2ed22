/*
 * rubric_draft.c - turns a work plan or scoring sheet into a draft rubric (see rubric_draft.h).
 *
 * Passes, each linear in the text:
 *   1. headings: every line is trimmed and tested for a numbering marker. A marker counts only
 *      when text starting with a Han character, 《, “ or an opening bracket follows it, so
 *      "3.5%" or "2017." do not. Marker styles: A 一、  B （一）/(一)  C 1. 1、 1．  D 1.1
 *      E （1）/(1)  F 1）  G ①  H 1.1.1. Each heading becomes a node.
 *   2. tree: styles nest in the order they first appear. A stack holds at most one open node
 *      per style; a heading of a style already on the stack closes that node and everything
 *      above it and becomes its sibling, any other style becomes a child of the top.
 *   3. task part: top-level nodes are classified by words. If any is a task part (主要任务,
 *      重点任务, 工作任务, 考核内容, 考核指标, 考核项目, 评分标准, 具体任务, 重点工作), only
 *      those are kept; else the preamble and closing parts (总体要求, 指导思想, 基本原则, 工作目标,
 *      组织保障, 保障措施, 工作要求, 落实机制, 组织领导, 实施步骤, 考核方式, 结果运用, 附则 …)
 *      are dropped. A kept node whose children have children is a wrapper: its children are the
 *      areas; otherwise the kept node is an area. When no kept node has children at all, they
 *      are the leaves of one area named after the title. Every dropped part is named in a note.
 *   4. indicators: areas → children → at most one more level; anything deeper is folded into
 *      the guidance of its level-3 (or level-2) ancestor. An area without children gets one
 *      child that repeats it.
 *   5. text of an indicator: name = the heading up to the first 。 (cut at the first ，/；
 *      when longer than 40 code points, capped at 60), without stated points or a trailing
 *      colon. Guidance = the following text up to the next heading outside its subtree, with
 *      责任单位/牵头单位/责任部门/配合单位… clauses (bracketed, or "label：…" to the end of the
 *      sentence) moved to "responsible" (several joined by "；").
 *   6. points: a number + 分 in the heading, after （ ( 共 计 值 满分 ： or a space, not
 *      followed by 钟/之. A node with stated points keeps them; the rest of a budget (TOTAL for
 *      the areas, a stated node's points for its children) is split evenly over the leaves
 *      without stated points below unstated nodes, in steps of 0.5, the last leaves taking the
 *      remainder so the budget is met exactly.
 *   7. keywords (first 3000 bytes of name + guidance): quoted terms “…” (2–12 code points),
 *      《…》 titles without a region prefix, 关于 and 的通知/的意见/…, the name when short, known
 *      multi-character terms (合法性审查, 规范性文件 …), and chunks ending in a cue word (清单,
 *      审查, 制度, 执法, 公开 …) extended left by up to 4 Han characters, stopping at function
 *      characters (的, 和, 与 …) and leading verbs (推进, 加强, 完善 …): the longest extension
 *      seen twice in the text, else the whole extension when it stopped at such a boundary,
 *      else 2 characters. At most 32 cue occurrences are looked at. Ranked by kind, then frequency,
 * then position; a candidate contained in (or containing) a chosen one is skipped; 3–8 kept.
 */
#include "rubric_draft.h"

#include "buf.h"
#include "err.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BAD_CP      0xFFFFFFFFu
#define NAME_SOFT   40   /* code points: longer names are cut at the first ，/；  */
#define NAME_MAX    60   /* code points: hard cap on a name */
#define TITLE_LINES 40   /* lines searched for the title */
#define TITLE_MAX   60   /* code points in a title */
#define KW_WINDOW   3000 /* bytes of an indicator's text searched for keywords */
#define KW_MAX      8
#define KW_MIN      3
#define KW_CANDS    64  /* candidates kept per indicator */
#define KW_CUES     32  /* cue occurrences looked at per indicator */
#define RESP_SCAN   600 /* bytes searched for the closing bracket of a 责任单位 clause */

enum { ST_A, ST_B, ST_C, ST_D, ST_E, ST_F, ST_G, ST_H, NSTYLE };

/* A numbered heading in the text. */
struct node {
  int style;       /* ST_* */
  int parent;      /* index or -1 */
  int first, last; /* first and last child or -1 */
  int next;        /* next sibling or -1 */
  size_t line_beg; /* byte offset of the marker */
  size_t text_beg; /* byte offset of the heading text after the marker */
  size_t line_end; /* end of the heading's line */
  size_t sub_end;  /* end of the subtree: start of the next heading outside it */
  long line_no;    /* 1-based line number */
};

/* An indicator of the draft (area, level 2 or level 3). */
struct ind {
  int src;      /* node index, -1 for the synthetic area */
  int level;    /* 1, 2, 3 */
  int first;    /* first child or -1 */
  int next;     /* next sibling or -1 */
  int stated;   /* 1 when the heading states points */
  double pts;   /* stated points, then the final points of a leaf */
  int own_leaf; /* a leaf repeating an area without children */
};

/* Everything one call works on. */
struct ctx {
  const char *t;      /* the text */
  size_t len;         /* its length */
  struct node *nodes; /* headings in document order */
  int nnode, capnode;
  struct ind *inds; /* indicators; areas linked from area_first */
  int nind, capind;
  int area_first; /* first area or -1 */
  int averaged;   /* some leaf got an even share */
  int negative;   /* stated points exceed a budget */
  json_t *notes;  /* array of strings */
};

/* ---- UTF-8 ---- */

/* Decodes the code point at S (N bytes available) into *CP; returns its length (1 and BAD_CP
 * for an ill-formed sequence). N must be > 0. */
static size_t u8dec(const unsigned char *s, size_t n, uint32_t *cp)
{
  uint32_t c = s[0];
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  size_t k;
  uint32_t min;
  if (c >= 0xC2 && c <= 0xDF) {
    k = 2, min = 0x80, c &= 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    k = 3, min = 0x800, c &= 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    k = 4, min = 0x10000, c &= 0x07;
  } else {
    *cp = BAD_CP;
    return 1;
  }
  if (n < k) {
    *cp = BAD_CP;
    return 1;
  }
  for (size_t i = 1; i < k; i++) {
    if ((s[i] & 0xC0) != 0x80) {
      *cp = BAD_CP;
      return 1;
    }
    c = (c << 6) | (s[i] & 0x3F);
  }
  if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
    *cp = BAD_CP;
    return 1;
  }
  *cp = c;
  return k;
}

/* The code point at byte I of C's text (BAD_CP at or past END); *NX gets the next offset. */
static uint32_t cp_at(const struct ctx *c, size_t i, size_t end, size_t *nx)
{
  uint32_t cp;
  if (i >= end) {
    if (nx) *nx = end;
    return BAD_CP;
  }
  size_t k = u8dec((const unsigned char *)c->t + i, end - i, &cp);
  if (nx) *nx = i + k;
  return cp;
}

/* The code point that ends at byte I (not before BEG), or BAD_CP; *PV gets its start. */
static uint32_t cp_before(const char *t, size_t beg, size_t i, size_t *pv)
{
  size_t s = i;
  for (int k = 0; k < 4 && s > beg; k++) {
    s--;
    if (((unsigned char)t[s] & 0xC0) != 0x80) break;
  }
  if (s == i) return BAD_CP;
  uint32_t cp;
  size_t k = u8dec((const unsigned char *)t + s, i - s, &cp);
  if (s + k != i) return BAD_CP;
  if (pv) *pv = s;
  return cp;
}

static int is_han(uint32_t cp)
{
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF);
}

static int is_space(uint32_t cp)
{
  return cp == ' ' || cp == '\t' || cp == '\r' || cp == '\f' || cp == '\v' || cp == 0x3000 ||
         cp == 0xA0 || cp == 0xFEFF;
}

static int is_cn_numeral(uint32_t cp)
{
  static const uint32_t d[] = {0x4E00, 0x4E8C, 0x4E09, 0x56DB, 0x4E94, 0x516D, 0x4E03,
                               0x516B, 0x4E5D, 0x5341, 0x96F6, 0x3007, 0x4E24, 0x767E};
  for (size_t i = 0; i < sizeof d / sizeof d[0]; i++)
    if (cp == d[i]) return 1;
  return 0;
}

/* 0–9 for an ASCII or full-width digit, else -1. */
static int digit(uint32_t cp)
{
  if (cp >= '0' && cp <= '9') return (int)(cp - '0');
  if (cp >= 0xFF10 && cp <= 0xFF19) return (int)(cp - 0xFF10);
  return -1;
}

/* 1 when the bytes at I..END start with the NUL-terminated W. */
static int at(const struct ctx *c, size_t i, size_t end, const char *w)
{
  size_t n = strlen(w);
  return end - i >= n && i <= end && memcmp(c->t + i, w, n) == 0;
}

/* 1 when W occurs in [BEG, END). */
static int has_word(const struct ctx *c, size_t beg, size_t end, const char *w)
{
  size_t n = strlen(w);
  for (size_t i = beg; i + n <= end; i++)
    if (memcmp(c->t + i, w, n) == 0) return 1;
  return 0;
}

static int has_any(const struct ctx *c, size_t beg, size_t end, const char *const *ws)
{
  for (; *ws; ws++)
    if (has_word(c, beg, end, *ws)) return 1;
  return 0;
}

/* ---- text into a buffer (buf.h) ---- */

/* Appends [BEG, END) of the text: ill-formed bytes and control characters dropped, each line
 * trimmed at its start, blank lines dropped, at most one "\n" between lines. */
static void sb_text(struct buf *b, const struct ctx *c, size_t beg, size_t end)
{
  size_t i = beg;
  int line_start = b->n == 0 || b->p[b->n - 1] == '\n';
  while (i < end) {
    size_t nx;
    uint32_t cp = cp_at(c, i, end, &nx);
    if (cp == '\n') {
      if (b->n > 0 && b->p[b->n - 1] != '\n') buf_put(b, "\n", 1);
      line_start = 1;
    } else if (cp == BAD_CP || (cp < 0x20 && cp != '\t') || cp == 0x7F || cp == 0xFEFF) {
      /* dropped */
    } else if (line_start && is_space(cp)) {
      /* leading space dropped */
    } else {
      buf_put(b, c->t + i, nx - i);
      line_start = 0;
    }
    i = nx;
  }
}

/* Trims trailing white space (ASCII, U+3000) and line breaks from B. */
static void sb_rtrim(struct buf *b)
{
  while (b->n > 0) {
    unsigned char ch = (unsigned char)b->p[b->n - 1];
    if (ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r') {
      b->n--;
    } else if (b->n >= 3 && memcmp(b->p + b->n - 3, "\xE3\x80\x80", 3) == 0) {
      b->n -= 3;
    } else {
      break;
    }
  }
  if (b->p) b->p[b->n] = 0;
}

/* ---- pass 1 and 2: headings and tree ---- */

/* Reads a marker at I (trimmed line start, line end END). On success returns its style and
 * sets *TEXT to the start of the heading text; else -1. */
static int marker(const struct ctx *c, size_t i, size_t end, size_t *text)
{
  size_t p, q;
  uint32_t cp = cp_at(c, i, end, &p);
  int style = -1;
  if (is_cn_numeral(cp)) {
    int k = 1;
    while (k < 5 && is_cn_numeral(cp_at(c, p, end, &q))) p = q, k++;
    uint32_t sep = cp_at(c, p, end, &q);
    if (k <= 4 && (sep == 0x3001 || sep == 0xFF0E)) style = ST_A, p = q;
  } else if (cp == '(' || cp == 0xFF08) {
    uint32_t d = cp_at(c, p, end, &q);
    int kind = is_cn_numeral(d) ? 1 : digit(d) >= 0 ? 2 : 0;
    int k = 0;
    while (kind && k < 4) {
      d = cp_at(c, p, end, &q);
      if (kind == 1 ? !is_cn_numeral(d) : digit(d) < 0) break;
      p = q, k++;
    }
    uint32_t close = cp_at(c, p, end, &q);
    if (kind && k >= 1 && k <= (kind == 1 ? 4 : 2) && (close == ')' || close == 0xFF09)) {
      style = kind == 1 ? ST_B : ST_E, p = q;
      uint32_t sep = cp_at(c, p, end, &q);
      if (sep == 0x3001) p = q;
    }
  } else if (digit(cp) >= 0) {
    int k = 1, dots = 0;
    while (k < 3 && digit(cp_at(c, p, end, &q)) >= 0) p = q, k++;
    if (k > 2) return -1;
    /* further groups: .d or .dd */
    for (;;) {
      uint32_t s = cp_at(c, p, end, &q);
      if (s != '.' && s != 0xFF0E) break;
      size_t r;
      if (digit(cp_at(c, q, end, &r)) < 0) break;
      size_t r2;
      if (digit(cp_at(c, r, end, &r2)) >= 0) r = r2;
      if (digit(cp_at(c, r, end, &r2)) >= 0) return -1;
      p = r, dots++;
      if (dots > 2) return -1;
    }
    uint32_t s = cp_at(c, p, end, &q);
    if (dots == 0) {
      if (s == '.' || s == 0xFF0E || s == 0x3001)
        style = ST_C, p = q;
      else if (s == ')' || s == 0xFF09)
        style = ST_F, p = q;
    } else {
      style = dots == 1 ? ST_D : ST_H;
      if (s == '.' || s == 0xFF0E || s == 0x3001) p = q;
    }
  } else if (cp >= 0x2460 && cp <= 0x2473) {
    style = ST_G;
  }
  if (style < 0) return -1;
  while (is_space(cp_at(c, p, end, &q))) p = q;
  uint32_t f = cp_at(c, p, end, &q);
  if (!(is_han(f) || f == 0x300A || f == 0x201C || f == 0xFF08 || f == '(' || f == 0x3010))
    return -1;
  *text = p;
  return style;
}

static int add_node(struct ctx *c)
{
  if (c->nnode == c->capnode) {
    int cap = c->capnode ? c->capnode * 2 : 64;
    struct node *p = realloc(c->nodes, (size_t)cap * sizeof *p);
    if (!p) return E_NOMEM;
    c->nodes = p, c->capnode = cap;
  }
  c->nnode++;
  return E_OK;
}

/* Passes 1 and 2. */
static int scan_headings(struct ctx *c)
{
  int stack[NSTYLE];
  int depth = 0;
  size_t i = 0;
  long line_no = 1;
  while (i < c->len) {
    size_t e = i;
    while (e < c->len && c->t[e] != '\n') e++;
    size_t s = i, q;
    while (s < e && is_space(cp_at(c, s, e, &q))) s = q;
    size_t text;
    int style = s < e ? marker(c, s, e, &text) : -1;
    if (style >= 0) {
      if (add_node(c)) return E_NOMEM;
      int n = c->nnode - 1;
      struct node *nd = &c->nodes[n];
      memset(nd, 0, sizeof *nd);
      nd->style = style, nd->line_beg = s, nd->text_beg = text, nd->line_end = e;
      nd->sub_end = c->len, nd->line_no = line_no;
      nd->first = nd->last = nd->next = -1;
      int k = depth;
      for (int j = 0; j < depth; j++)
        if (c->nodes[stack[j]].style == style) {
          k = j;
          break;
        }
      for (int j = k; j < depth; j++) c->nodes[stack[j]].sub_end = s;
      depth = k;
      nd->parent = depth ? stack[depth - 1] : -1;
      if (nd->parent >= 0) {
        struct node *pa = &c->nodes[nd->parent];
        if (pa->last >= 0)
          c->nodes[pa->last].next = n;
        else
          pa->first = n;
        pa->last = n;
      }
      stack[depth++] = n;
    }
    i = e < c->len ? e + 1 : e;
    line_no++;
  }
  /* link the roots through next */
  int prev = -1;
  for (int n = 0; n < c->nnode; n++)
    if (c->nodes[n].parent < 0) {
      if (prev >= 0) c->nodes[prev].next = n;
      prev = n;
    }
  return E_OK;
}

/* ---- heading text: name, points ---- */

/* End of the first sentence of node N's heading: the first 。 in its line, or the line end. */
static size_t sent_end(const struct ctx *c, int n, size_t *after)
{
  const struct node *nd = &c->nodes[n];
  for (size_t i = nd->text_beg; i + 3 <= nd->line_end; i++)
    if (memcmp(c->t + i, "\xE3\x80\x82", 3) == 0) {
      *after = i + 3;
      return i;
    }
  *after = nd->line_end;
  return nd->line_end;
}

/* Finds stated points in [BEG, END). Returns 1 and sets *PTS and the bytes [*CB, *CE) to cut
 * from a name, else 0. */
static int find_points(const struct ctx *c, size_t beg, size_t end, double *pts, size_t *cb,
                       size_t *ce)
{
  for (size_t i = beg; i + 3 <= end; i++) {
    if (!at(c, i, end, "分")) continue;
    size_t s = i;
    int dot = 0, nd = 0;
    while (s > beg) {
      char ch = c->t[s - 1];
      if (ch >= '0' && ch <= '9')
        nd++;
      else if (ch == '.' && !dot && nd > 0)
        dot = 1;
      else
        break;
      s--;
    }
    if (nd == 0 || c->t[s] == '.') continue;
    size_t pv = s, nx;
    uint32_t before = s > beg ? cp_before(c->t, beg, s, &pv) : ' ';
    uint32_t after = cp_at(c, i + 3, end, &nx);
    if (after == 0x949F || after == 0x4E4B) continue; /* 钟 之 */
    int ok = before == '(' || before == 0xFF08 || before == 0x5171 /* 共 */ ||
             before == 0x8BA1 /* 计 */ || before == 0x503C /* 值 */ || before == ':' ||
             before == 0xFF1A || before == ' ' || before == 0x3000;
    if (before == 0x5206 /* 分 */) {
      size_t pv2;
      ok = cp_before(c->t, beg, pv, &pv2) == 0x6EE1; /* 满分 */
    }
    if (!ok) continue;
    char num[16];
    size_t nl = i - s < sizeof num - 1 ? i - s : sizeof num - 1;
    memcpy(num, c->t + s, nl);
    num[nl] = 0;
    double v = strtod(num, NULL);
    if (!(v > 0 && v <= 1000)) continue;
    *pts = v;
    *cb = s, *ce = i + 3;
    if (before == '(' || before == 0xFF08 || before == 0x5171 || before == 0x8BA1) {
      *cb = pv;
      if (before == 0x5171 || before == 0x8BA1) {
        size_t pv2;
        uint32_t b2 = cp_before(c->t, beg, pv, &pv2);
        if (b2 == '(' || b2 == 0xFF08) *cb = pv2;
      }
      if (after == ')' || after == 0xFF09) *ce = nx;
    }
    return 1;
  }
  return 0;
}

/* Stated points of node N (its heading's first sentence); 0 when none. */
static int node_points(const struct ctx *c, int n, double *pts, size_t *cb, size_t *ce)
{
  size_t after;
  size_t se = sent_end(c, n, &after);
  return find_points(c, c->nodes[n].text_beg, se, pts, cb, ce);
}

/* The name of node N into B; *TRUNC set when it is shorter than the heading's first sentence. */
static void node_name(const struct ctx *c, int n, struct buf *b, int *trunc)
{
  size_t after, cb = 0, ce = 0, q;
  double pts;
  size_t beg = c->nodes[n].text_beg;
  size_t end = sent_end(c, n, &after);
  int has = find_points(c, beg, end, &pts, &cb, &ce);
  *trunc = 0;
  /* cut at the first ，/；/, when long */
  size_t cps = 0, cut = 0;
  for (size_t i = beg; i < end; i = q) {
    uint32_t cp = cp_at(c, i, end, &q);
    if (!cut && cps >= 4 && (cp == 0xFF0C || cp == ',' || cp == 0xFF1B || cp == ';')) cut = i;
    cps++;
  }
  if (cps > NAME_SOFT && cut) end = cut, *trunc = 1;
  size_t n0 = b->n;
  if (has && cb >= beg && ce <= end) {
    sb_text(b, c, beg, cb);
    sb_text(b, c, ce, end);
  } else {
    sb_text(b, c, beg, end);
  }
  /* cap, then strip trailing colon and space */
  cps = 0;
  for (size_t i = n0; i < b->n; i++)
    if (((unsigned char)b->p[i] & 0xC0) != 0x80 && ++cps > NAME_MAX) {
      b->n = i, b->p[i] = 0, *trunc = 1;
      break;
    }
  for (;;) {
    sb_rtrim(b);
    if (b->n > n0 && (b->p[b->n - 1] == ':' || b->p[b->n - 1] == ',')) {
      b->p[--b->n] = 0;
    } else if (b->n >= n0 + 3 &&
               (memcmp(b->p + b->n - 3, "：", 3) == 0 || memcmp(b->p + b->n - 3, "，", 3) == 0)) {
      b->n -= 3, b->p[b->n] = 0;
    } else {
      break;
    }
  }
}

/* ---- responsible clauses ---- */

static const char *const resp_labels[] = {"责任单位", "牵头单位", "责任部门", "牵头部门",
                                          "配合单位", "配合部门", "协办单位", "责任主体",
                                          "主办单位", NULL};

/* When a responsible clause starts at I (a bracket then a label, or a label after a line
 * start or sentence end), sets [*CB, *CE) to the whole clause and [*RB, *RE) to its content
 * and returns 1. */
static int resp_clause(const struct ctx *c, size_t i, size_t end, int boundary, size_t *cb,
                       size_t *ce, size_t *rb, size_t *re)
{
  size_t p = i, q;
  uint32_t cp = cp_at(c, p, end, &q);
  int bracket = cp == '(' || cp == 0xFF08;
  if (bracket)
    p = q;
  else if (!boundary)
    return 0;
  const char *const *l;
  for (l = resp_labels; *l; l++)
    if (at(c, p, end, *l)) break;
  if (!*l) return 0;
  p += strlen(*l);
  cp = cp_at(c, p, end, &q);
  if (cp != ':' && cp != 0xFF1A) return 0;
  p = q;
  size_t limit = end - p > RESP_SCAN ? p + RESP_SCAN : end;
  size_t e = p;
  while (e < limit) {
    cp = cp_at(c, e, limit, &q);
    if (cp == '\n') break;
    if (bracket ? (cp == ')' || cp == 0xFF09) : (cp == 0x3002 || cp == 0xFF1B || cp == ';')) break;
    e = q;
  }
  int closed = e < limit && c->t[e] != '\n';
  if (bracket && !closed) return 0;
  *rb = p, *re = e;
  *cb = i;
  *ce = closed ? q : e; /* the closing bracket or the sentence end goes with the clause */
  return 1;
}

/* Appends [BEG, END) to G without responsible clauses, whose contents go to R. */
static void split_resp(const struct ctx *c, size_t beg, size_t end, struct buf *g, struct buf *r)
{
  size_t i = beg, run = beg, q;
  int boundary = 1;
  while (i < end) {
    uint32_t cp = cp_at(c, i, end, &q);
    size_t cb, ce, rb, re;
    if ((cp == '(' || cp == 0xFF08 || boundary) &&
        resp_clause(c, i, end, boundary, &cb, &ce, &rb, &re)) {
      sb_text(g, c, run, cb);
      size_t n0 = r->n;
      if (r->n) buf_puts(r, "；");
      size_t m0 = r->n;
      sb_text(r, c, rb, re);
      sb_rtrim(r);
      if (r->n == m0) r->n = n0, r->p ? r->p[n0] = 0 : 0;
      i = run = ce;
      boundary = 0;
      continue;
    }
    boundary = cp == '\n' || cp == 0x3002 || cp == 0xFF1B || (boundary && is_space(cp));
    i = q;
  }
  sb_text(g, c, run, end);
}

/* ---- keywords ---- */

struct cand {
  size_t off, len; /* bytes in the keyword window */
  int kind;        /* 0 quoted, 1 title, 2 name, 3 term, 4 chunk, 5 bare cue */
  int count;       /* occurrences in the window */
};

static const char *const kw_terms[] = {
    "合法性审查", "规范性文件", "法律顾问", "行政复议",     "行政诉讼", "出庭应诉",   "政务公开",
    "信息公开",   "权力清单",   "责任清单", "重大行政决策", "行政裁量", "普法责任制", "以案释法",
    "综合执法",   "备案审查",   "行政调解", "人民调解",     "双随机",   NULL};
static const char *const kw_cues[] = {
    "清单", "审查", "制度", "执法", "复议", "公开", "普法", "决策",   "备案", "顾问", "应诉",
    "调解", "监督", "许可", "审批", "裁量", "听证", "评估", "公示",   "监管", "考核", "培训",
    "诉讼", "合同", "信用", "仲裁", "纠纷", "机制", "信访", "责任制", "平台", NULL};
/* A chunk does not extend left past these characters … */
static const char kw_stop1[] = "的和与及等对在把将了为是并或中由向从按经以其各之于不要到有被所、";
/* … nor over these leading verbs and adverbs. */
static const char *const kw_stop2[] = {
    "推行", "推进", "加强", "完善", "建立", "健全", "落实", "实行", "严格", "全面", "深化",
    "规范", "开展", "做好", "强化", "提高", "依法", "积极", "加大", "实施", "组织", "一步",
    "认真", "切实", "不断", "充分", "探索", "坚持", "执行", "履行", "通过", "经过", "作为",
    "形成", "定期", "逐步", "进行", "推动", "建设", "自觉", "主动", "从事", "出现", "运用",
    "发挥", "授予", "颁发", "调离", "配置", "依据", "做到", "确定", "接受", "办理", NULL};

static int stop1(uint32_t cp)
{
  char u[5];
  size_t n = 0;
  if (cp < 0x800) return 1;
  u[n++] = (char)(0xE0 | (cp >> 12));
  u[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
  u[n++] = (char)(0x80 | (cp & 0x3F));
  u[n] = 0;
  return strstr(kw_stop1, u) != NULL;
}

static int count_in(const char *w, size_t wn, const char *s, size_t n)
{
  int k = 0;
  for (size_t i = 0; i + wn <= n; i++)
    if (memcmp(s + i, w, wn) == 0) k++;
  return k;
}

static int cand_cmp(const void *a, const void *b)
{
  const struct cand *x = a, *y = b;
  if (x->kind != y->kind) return x->kind - y->kind;
  if (x->count != y->count) return y->count - x->count;
  return x->off < y->off ? -1 : x->off > y->off;
}

static size_t cps_of(const char *s, size_t n)
{
  size_t k = 0;
  for (size_t i = 0; i < n; i++) k += ((unsigned char)s[i] & 0xC0) != 0x80;
  return k;
}

static void add_cand(struct cand *cs, int *nc, size_t off, size_t len, int kind, const char *w,
                     size_t wn)
{
  if (*nc >= KW_CANDS || len == 0) return;
  for (int i = 0; i < *nc; i++)
    if (cs[i].len == len && memcmp(w + cs[i].off, w + off, len) == 0) return;
  cs[*nc].off = off, cs[*nc].len = len, cs[*nc].kind = kind;
  cs[*nc].count = count_in(w + off, len, w, wn);
  (*nc)++;
}

/* Proposes keywords from the window W (N bytes, valid UTF-8) with NAME (NN bytes) at its start. */
static json_t *keywords(const char *w, size_t n, size_t nn)
{
  struct cand cs[KW_CANDS];
  int nc = 0;
  struct ctx wc = {.t = w, .len = n};
  size_t q;
  /* quoted terms and titles */
  for (size_t i = 0; i < n; i++) {
    int quote = at(&wc, i, n, "“"), title = at(&wc, i, n, "《");
    if (!quote && !title) continue;
    const char *close = quote ? "”" : "》";
    size_t b = i + 3, e = b;
    while (e < n && !at(&wc, e, n, close) && w[e] != '\n' && !at(&wc, e, n, "。")) e++;
    if (e >= n || !at(&wc, e, n, close)) continue;
    size_t cb = b, ce = e;
    if (title) {
      /* region prefix (…省/市/县/区 within 8 code points), 关于, trailing 的通知 … */
      size_t k = cb, cpn = 0;
      while (k < ce && cpn < 8) {
        uint32_t cp = cp_at(&wc, k, ce, &q);
        cpn++;
        if (cp == 0x7701 || cp == 0x5E02 || cp == 0x53BF || cp == 0x533A) {
          if (cps_of(w + q, ce - q) >= 4) cb = q;
          break;
        }
        k = q;
      }
      if (at(&wc, cb, ce, "关于")) cb += 6;
      static const char *const tails[] = {"的实施意见", "的通知", "的意见", "的决定",
                                          "的规定",     "的办法", NULL};
      for (const char *const *t = tails; *t; t++) {
        size_t tl = strlen(*t);
        if (ce - cb > tl && memcmp(w + ce - tl, *t, tl) == 0) {
          ce -= tl;
          break;
        }
      }
      if (has_word(&wc, cb, ce, "〈")) continue;
    }
    size_t cpn = cps_of(w + cb, ce - cb);
    if (cpn >= 2 && cpn <= 12) add_cand(cs, &nc, cb, ce - cb, quote ? 0 : 1, w, n);
    i = e;
  }
  /* the name when short and all Han */
  size_t ncp = cps_of(w, nn);
  if (ncp >= 2 && ncp <= 8) {
    int han = 1;
    for (size_t i = 0; i < nn; i = q)
      if (!is_han(cp_at(&wc, i, nn, &q))) han = 0;
    if (han) add_cand(cs, &nc, 0, nn, 2, w, n);
  }
  /* known terms and cue chunks */
  int ncue = 0;
  for (size_t i = 0; i < n && nc < KW_CANDS && ncue < KW_CUES; i++) {
    if (((unsigned char)w[i] & 0xC0) == 0x80) continue;
    for (const char *const *t = kw_terms; *t; t++)
      if (at(&wc, i, n, *t)) add_cand(cs, &nc, i, strlen(*t), 3, w, n);
    for (const char *const *t = kw_cues; *t; t++) {
      if (!at(&wc, i, n, *t)) continue;
      size_t tl = strlen(*t), ends[5];
      int m = 0, bounded = 0;
      ncue++;
      ends[0] = i;
      size_t s = i;
      while (m < 4 && s > 0) {
        size_t pv, pv2;
        uint32_t cp = cp_before(w, 0, s, &pv);
        if (!is_han(cp) || stop1(cp)) {
          bounded = 1;
          break;
        }
        uint32_t cp2 = cp_before(w, 0, pv, &pv2);
        int verb = 0;
        if (cp2 != BAD_CP)
          for (const char *const *v = kw_stop2; *v; v++)
            if (s - pv2 == strlen(*v) && memcmp(w + pv2, *v, s - pv2) == 0) verb = 1;
        if (verb) {
          bounded = 1;
          break;
        }
        s = pv;
        ends[++m] = s;
      }
      if (s == 0) bounded = 1;
      int k = 0;
      for (int j = m; j >= 1; j--)
        if (count_in(w + ends[j], i + tl - ends[j], w, n) >= 2) {
          k = j;
          break;
        }
      /* seen once: the whole extension when it ended at a boundary, else 2 characters */
      if (k == 0) k = bounded || m < 2 ? m : 2;
      if (k > 0)
        add_cand(cs, &nc, ends[k], i + tl - ends[k], 4, w, n);
      else
        add_cand(cs, &nc, i, tl, 5, w, n);
    }
  }
  qsort(cs, (size_t)nc, sizeof cs[0], cand_cmp);
  json_t *arr = json_array();
  if (!arr) return NULL;
  int chosen[KW_MAX], nch = 0;
  for (int pass = 0; pass < 2 && nch < KW_MIN; pass++)
    for (int i = 0; i < nc && nch < KW_MAX; i++) {
      int skip = 0;
      for (int j = 0; j < nch; j++) {
        const struct cand *a = &cs[chosen[j]], *b = &cs[i];
        if (a == b) skip = 1;
        /* pass 0 skips overlaps; pass 1 fills up to the minimum with anything new */
        else if (pass == 0 && (count_in(w + b->off, b->len, w + a->off, a->len) ||
                               count_in(w + a->off, a->len, w + b->off, b->len)))
          skip = 1;
        else if (a->len == b->len && memcmp(w + a->off, w + b->off, a->len) == 0)
          skip = 1;
      }
      if (skip) continue;
      if (pass == 1 && nch >= KW_MIN) break;
      chosen[nch++] = i;
    }
  for (int j = 0; j < nch; j++)
    if (json_array_append_new(arr, json_stringn(w + cs[chosen[j]].off, cs[chosen[j]].len))) {
      json_decref(arr);
      return NULL;
    }
  return arr;
}

/* ---- pass 3 and 4: choosing the task part, building indicators ---- */

static const char *const task_words[] = {"主要任务", "重点任务", "工作任务", "考核内容",
                                         "考核指标", "考核项目", "评分标准", "具体任务",
                                         "重点工作", "任务分工", NULL};
static const char *const skip_words[] = {"总体要求", "指导思想", "基本原则", "工作目标", "主要目标",
                                         "总体目标", "组织保障", "保障措施", "工作要求", "落实机制",
                                         "组织领导", "组织实施", "实施步骤", "工作步骤", "时间安排",
                                         "考核方式", "考核程序", "考核方法", "结果运用", "结果应用",
                                         "等次评定", "附则",     "其他事项", "工作保障", NULL};

static size_t heading_end(const struct ctx *c, int n)
{
  size_t after;
  return sent_end(c, n, &after);
}

static int add_ind(struct ctx *c, int src, int level, int *first, int *last)
{
  if (c->nind == c->capind) {
    int cap = c->capind ? c->capind * 2 : 64;
    struct ind *p = realloc(c->inds, (size_t)cap * sizeof *p);
    if (!p) return -1;
    c->inds = p, c->capind = cap;
  }
  int k = c->nind++;
  struct ind *d = &c->inds[k];
  memset(d, 0, sizeof *d);
  d->src = src, d->level = level, d->first = d->next = -1;
  if (src >= 0) {
    size_t cb, ce;
    d->stated = node_points(c, src, &d->pts, &cb, &ce);
  }
  if (*last >= 0)
    c->inds[*last].next = k;
  else
    *first = k;
  *last = k;
  return k;
}

/* Adds an area from node SRC with its children (and grandchildren) as indicators. */
static int add_area(struct ctx *c, int src, int *alast)
{
  int a = add_ind(c, src, 1, &c->area_first, alast);
  if (a < 0) return E_NOMEM;
  int cf = -1, cl = -1;
  if (c->nodes[src].first < 0) {
    int k = add_ind(c, src, 2, &cf, &cl);
    if (k < 0) return E_NOMEM;
    c->inds[k].own_leaf = 1;
    c->inds[a].stated = 0;
  } else {
    for (int n = c->nodes[src].first; n >= 0; n = c->nodes[n].next) {
      int k = add_ind(c, n, 2, &cf, &cl);
      if (k < 0) return E_NOMEM;
      int gf = -1, gl = -1;
      for (int g = c->nodes[n].first; g >= 0; g = c->nodes[g].next)
        if (add_ind(c, g, 3, &gf, &gl) < 0) return E_NOMEM;
      c->inds[k].first = gf;
    }
  }
  c->inds[a].first = cf;
  return E_OK;
}

static int note(struct ctx *c, const char *s)
{
  return json_array_append_new(c->notes, json_string(s)) ? E_NOMEM : E_OK;
}

/* Adds a note naming the dropped top-level part N. */
static int note_skipped(struct ctx *c, int n)
{
  struct buf b = {0};
  int trunc;
  buf_puts(&b, "未作为考核指标：“");
  sb_text(&b, c, c->nodes[n].line_beg, c->nodes[n].text_beg);
  node_name(c, n, &b, &trunc);
  buf_puts(&b, "”（不属于任务部分）");
  int rc = b.oom ? E_NOMEM : note(c, b.p);
  free(b.p);
  return rc;
}

static int has_grandchildren(const struct ctx *c, int n)
{
  for (int k = c->nodes[n].first; k >= 0; k = c->nodes[k].next)
    if (c->nodes[k].first >= 0) return 1;
  return 0;
}

/* 1 when top-level node N is kept: it names a task part (when NTASK > 0), or it is not a
 * preamble or closing part; ALL keeps everything. */
static int root_kept(const struct ctx *c, int n, int ntask, int all)
{
  if (all) return 1;
  size_t he = heading_end(c, n);
  return ntask ? has_any(c, c->nodes[n].text_beg, he, task_words)
               : !has_any(c, c->nodes[n].text_beg, he, skip_words);
}

/* Passes 3 and 4. The first node is always a root; roots are linked through next. */
static int choose_areas(struct ctx *c)
{
  int alast = -1, rc, ntask = 0, nkeep = 0, all = 0, anykids = 0;
  for (int n = 0; n >= 0; n = c->nodes[n].next)
    ntask += has_any(c, c->nodes[n].text_beg, heading_end(c, n), task_words);
  for (int n = 0; n >= 0; n = c->nodes[n].next) nkeep += root_kept(c, n, ntask, 0);
  if (nkeep == 0) {
    all = 1;
    for (int n = 0; n >= 0; n = c->nodes[n].next) nkeep++;
  }
  for (int n = 0; n >= 0; n = c->nodes[n].next) {
    if (!root_kept(c, n, ntask, all)) {
      if ((rc = note_skipped(c, n))) return rc;
    } else if (c->nodes[n].first >= 0) {
      anykids = 1;
    }
  }
  if (!anykids) {
    /* a flat list: the kept roots are the leaves of one area */
    int a = add_ind(c, -1, 1, &c->area_first, &alast);
    if (a < 0) return E_NOMEM;
    int cf = -1, cl = -1;
    for (int n = 0; n >= 0; n = c->nodes[n].next)
      if (root_kept(c, n, ntask, all) && add_ind(c, n, 2, &cf, &cl) < 0) return E_NOMEM;
    c->inds[a].first = cf;
    return E_OK;
  }
  for (int n = 0; n >= 0; n = c->nodes[n].next) {
    if (!root_kept(c, n, ntask, all)) continue;
    /* a wrapper: a task part, or the only part left, whose items have items */
    if (has_grandchildren(c, n) && (ntask || nkeep == 1)) {
      for (int k = c->nodes[n].first; k >= 0; k = c->nodes[k].next)
        if ((rc = add_area(c, k, &alast))) return rc;
    } else if ((rc = add_area(c, n, &alast))) {
      return rc;
    }
  }
  return E_OK;
}

/* ---- pass 6: points ---- */

static double fixed_mass(const struct ctx *c, int k)
{
  const struct ind *d = &c->inds[k];
  if (d->stated) return d->pts;
  double s = 0;
  for (int j = d->first; j >= 0; j = c->inds[j].next) s += fixed_mass(c, j);
  return s;
}

/* Appends the leaves below K that take an even share (not under a stated node) to LV. */
static void free_leaves(struct ctx *c, int k, int *lv, int *nl)
{
  struct ind *d = &c->inds[k];
  if (d->stated) return;
  if (d->first < 0) {
    lv[(*nl)++] = k;
    return;
  }
  for (int j = d->first; j >= 0; j = c->inds[j].next) free_leaves(c, j, lv, nl);
}

static void assign(struct ctx *c, int first, double budget, int *lv);

static void assign_stated(struct ctx *c, int k, int *lv)
{
  struct ind *d = &c->inds[k];
  if (d->stated) {
    if (d->first >= 0) assign(c, d->first, d->pts, lv);
    return;
  }
  for (int j = d->first; j >= 0; j = c->inds[j].next) assign_stated(c, j, lv);
}

/* Shares BUDGET among the siblings from FIRST. LV is scratch for nind indices. */
static void assign(struct ctx *c, int first, double budget, int *lv)
{
  double fixed = 0;
  int nl = 0;
  for (int j = first; j >= 0; j = c->inds[j].next) {
    fixed += fixed_mass(c, j);
    free_leaves(c, j, lv, &nl);
  }
  if (nl > 0) {
    long long units = llround((budget - fixed) * 2);
    if (units < 0) units = 0, c->negative = 1;
    long long base = units / nl, rem = units % nl;
    for (int i = 0; i < nl; i++)
      c->inds[lv[i]].pts = (double)(base + (i >= nl - rem ? 1 : 0)) / 2.0;
    c->averaged = 1;
  }
  for (int j = first; j >= 0; j = c->inds[j].next) assign_stated(c, j, lv);
}

static double leaf_sum(const struct ctx *c, int first)
{
  double s = 0;
  for (int j = first; j >= 0; j = c->inds[j].next)
    s += c->inds[j].first >= 0 ? leaf_sum(c, c->inds[j].first) : c->inds[j].pts;
  return s;
}

/* ---- pass 5 and output ---- */

static int set(json_t *o, const char *k, json_t *v)
{
  return v ? json_object_set_new(o, k, v) : -1;
}

static json_t *sb_json(struct buf *b)
{
  return json_stringn(b->p ? b->p : "", b->n);
}

/* The JSON of indicator K with code CODE. */
static json_t *ind_json(struct ctx *c, int k, const char *code, const char *area_name)
{
  struct ind *d = &c->inds[k];
  json_t *o = json_object(), *kids = NULL;
  struct buf name = {0}, g = {0}, r = {0}, w = {0};
  int trunc = 0, fail = 0;
  if (!o) return NULL;
  fail |= set(o, "code", json_string(code));
  if (d->src < 0) {
    buf_puts(&name, area_name);
  } else {
    node_name(c, d->src, &name, &trunc);
  }
  fail |= name.oom || set(o, "name", sb_json(&name));
  if (d->level > 1 || d->first >= 0) {
    if (d->first >= 0) {
      kids = json_array();
      fail |= !kids || set(o, "children", kids);
      int i = 1;
      for (int j = d->first; j >= 0 && !fail; j = c->inds[j].next, i++) {
        char cc[64];
        snprintf(cc, sizeof cc, "%s.%d", code, i);
        fail |= json_array_append_new(kids, ind_json(c, j, cc, area_name));
      }
    }
  }
  if (d->level > 1 && !fail) {
    const struct node *nd = &c->nodes[d->src];
    size_t after;
    size_t se = sent_end(c, d->src, &after);
    size_t gb = trunc ? nd->text_beg : after;
    size_t ge = d->first >= 0 ? c->nodes[c->inds[d->first].src].line_beg : nd->sub_end;
    (void)se;
    if (gb > ge) gb = ge;
    split_resp(c, gb, ge, &g, &r);
    sb_rtrim(&g);
    fail |= g.oom || r.oom;
    if (d->first < 0) fail |= set(o, "max_points", json_real(d->pts));
    fail |= set(o, "guidance", sb_json(&g));
    if (d->first < 0 && !fail) {
      buf_put(&w, name.p ? name.p : "", name.n);
      size_t nn = w.n;
      buf_put(&w, "\n", 1);
      buf_put(&w, g.p ? g.p : "", g.n < KW_WINDOW ? g.n : KW_WINDOW);
      /* do not end inside a code point */
      while (w.n > nn && ((unsigned char)w.p[w.n - 1] & 0xC0) == 0x80) w.n--;
      if (w.n > nn && (unsigned char)w.p[w.n - 1] >= 0xC0) w.n--;
      fail |= w.oom || set(o, "keywords", keywords(w.p, w.n, nn));
    }
    fail |= set(o, "responsible", r.n ? sb_json(&r) : json_null());
    if (d->first < 0) fail |= set(o, "points_from_text", json_boolean(d->stated));
    fail |= set(o, "line", json_integer(nd->line_no));
  }
  free(name.p), free(g.p), free(r.p), free(w.p);
  if (fail) {
    json_decref(o);
    return NULL;
  }
  return o;
}

/* The document title into B (empty when none). */
static void find_title(struct ctx *c, struct buf *b)
{
  static const char *const words[] = {"工作要点", "考核办法", "考核细则", "评分标准",
                                      "考核方案", "评分细则", "考评办法", "考评细则",
                                      "考核指标", "实施方案", "评分表",   NULL};
  size_t limit = c->nnode ? c->nodes[0].line_beg : c->len;
  size_t i = 0;
  for (int line = 0; line < TITLE_LINES && i < limit; line++) {
    size_t e = i;
    while (e < c->len && c->t[e] != '\n') e++;
    if (has_any(c, i, e, words) && !has_word(c, i, e, "，") && !has_word(c, i, e, ",") &&
        !has_word(c, i, e, "。") && !has_word(c, i, e, "：") && !has_word(c, i, e, ":")) {
      size_t s = i, q;
      while (s < e && is_space(cp_at(c, s, e, &q))) s = q;
      size_t ee = e;
      if (at(c, s, e, "《")) s += 3;
      if (ee >= s + 3 && memcmp(c->t + ee - 3, "》", 3) == 0) ee -= 3;
      size_t n0 = b->n;
      sb_text(b, c, s, ee);
      sb_rtrim(b);
      if (cps_of(b->p ? b->p + n0 : "", b->n - n0) <= TITLE_MAX && b->n > n0) return;
      b->n = n0;
      if (b->p) b->p[n0] = 0;
    }
    i = e < c->len ? e + 1 : e;
  }
}

int rubric_draft(const char *text, size_t len, double total, json_t **out, const char **detail)
{
  static const char *const unstructured =
      "未能在文本中识别出编号结构（如“一、”“（一）”“1.”），请检查文档";
  struct ctx c = {.t = text, .len = len, .area_first = -1};
  struct buf title = {0};
  json_t *res = NULL, *areas = NULL;
  int *lv = NULL;
  int rc = E_OK;
  const char *msg = NULL;
  *out = NULL;
  if (!text || len == 0) {
    rc = E_VALIDATION, msg = "文本为空，请提供工作要点或考核办法的全文";
    goto done;
  }
  if (!(total > 0) || !isfinite(total) || total > 100000) {
    rc = E_VALIDATION, msg = "总分必须为正数";
    goto done;
  }
  if ((rc = scan_headings(&c))) goto done;
  if (c.nnode == 0) {
    rc = E_VALIDATION, msg = unstructured;
    goto done;
  }
  c.notes = json_array();
  if (!c.notes) {
    rc = E_NOMEM;
    goto done;
  }
  if ((rc = choose_areas(&c))) goto done;
  if (c.area_first < 0) {
    rc = E_VALIDATION, msg = unstructured;
    goto done;
  }
  find_title(&c, &title);
  if (title.oom) {
    rc = E_NOMEM;
    goto done;
  }
  lv = malloc((size_t)c.nind * sizeof *lv);
  if (!lv) {
    rc = E_NOMEM;
    goto done;
  }
  assign(&c, c.area_first, total, lv);
  double sum = leaf_sum(&c, c.area_first);
  if (c.averaged && (rc = note(&c, "分值为平均分配，请调整"))) goto done;
  if (fabs(sum - total) > 1e-9) {
    char buf[200];
    snprintf(buf, sizeof buf, "文中标明的分值合计为 %g 分，与总分 %g 分不一致，请核对", sum, total);
    if ((rc = note(&c, buf))) goto done;
  } else if (c.negative && (rc = note(&c, "文中标明的分值已超过上级分值，部分指标为 0 分"))) {
    goto done;
  }
  res = json_object();
  areas = json_array();
  if (!res || !areas || set(res, "areas", areas)) {
    json_decref(areas);
    rc = E_NOMEM;
    goto done;
  }
  int fail = set(res, "name", title.n ? sb_json(&title) : json_null());
  fail |= set(res, "total_points", json_real(total));
  const char *area_name = title.n ? title.p : "考核内容";
  int i = 1;
  for (int a = c.area_first; a >= 0 && !fail; a = c.inds[a].next, i++) {
    char code[32];
    snprintf(code, sizeof code, "%d", i);
    fail |= json_array_append_new(areas, ind_json(&c, a, code, area_name));
  }
  fail |= set(res, "notes", json_incref(c.notes));
  if (fail) rc = E_NOMEM;
done:
  if (rc) {
    json_decref(res);
    res = NULL;
  }
  *out = res;
  if (detail) *detail = rc == E_VALIDATION ? msg : NULL;
  json_decref(c.notes);
  free(c.nodes), free(c.inds), free(title.p), free(lv);
  return rc;
}
