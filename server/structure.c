/*
 * structure.c - reads the structure of a report's extracted text (see structure.h).
 *
 * Everything works on byte offsets into the text and is converted to code-point offsets only
 * for the result. The passes, each linear in the text:
 *   1. decode: count code points and Han ideographs, keep a code-point checkpoint every 4 KiB;
 *   2. meta: title, year and unit from the first lines, signature from the last lines;
 *   3. headings: markers at the start of a line (一、 （一） 1. 1、 第一部分), and inside long
 *      lines when the numbering continues (text whose line breaks were lost);
 *   4. parts by heading: top-level headings are matched against word lists per part;
 *   5. units: each line, split where a heading starts inside it; a line holding only a heading
 *      is joined to the next line. Units are scored with content cues for S2, S3 and S4;
 *   6. parts by content, S1 from the thematic top-level headings, then the end of every part.
 *
 * Content rules (only for parts no heading names):
 *   S1  the first top-level heading that names no part and is not a plan heading (总体要求…);
 *       it runs to the first heading or content start of another part. Found only when that
 *       range reports results: at least 3 quantities such as "36 名", "212 件", "98%" or the
 *       words 全年/累计/共计/截至. A work plan has none, so it does not pass. Without any
 *       headings: from the first paragraph that states a quantity.
 *   S2  a unit with a strong phrase (存在一些, 但也存在, 还存在, 不足之处, …) scoring 4 or more
 *       (strong 2, weak words such as 不足/短板/有待/不够 1 each, distinct), or with 4 distinct
 *       weak words (a list of shortcomings: 参差不齐, 不强, 不规范, 薄弱); the last best wins.
 *   S3  a unit naming the duty holder (第一责任人, 主要负责人, 主要负责同志, 党政主要负责) plus
 *       at least one act of leadership (亲自, 专题研究, 主持, 述法, 述职, 领导小组, …); the
 *       first best wins. A plan that only says the duty "must" be carried out has no such act.
 *   S4  a unit with a sentence that starts with 下一步/下一阶段/今后/明年/来年 or "<later
 *       year>年，…将", plus at least one more cue (将继续, 以下工作, 力争, …); the last best wins.
 * A unit inside a part found by heading is not searched for another part, except inside S1
 * (S3 is often a sentence within the measures). A content part starts at its unit's heading
 * when the unit has one and the cue is in its first sentence (S3: always), else at the sentence
 * with the cue. Parts end where the next part starts (an S3 found by content does not cut S1)
 * or at the end of their heading block, and never after the signature.
 */
#include "structure.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { S1, S2, S3, S4, S5, NPART };
enum { BY_NONE, BY_HEADING, BY_CONTENT };

#define TITLE_MAX    60 /* code points in a title */
#define HEADING_MAX  60 /* code points in a heading's text */
#define HEADINGS_MAX 4096
#define TOO_SHORT    800  /* Han characters */
#define NO_TEXT      20   /* Han characters */
#define INLINE_MIN   150  /* lines this long are searched for headings inside them */
#define TOP_LINES    40   /* lines searched for the title */
#define TOP_BYTES    8000 /* bytes searched for the title */
#define YEAR_SCAN    3000 /* bytes after the title searched for the year */
#define SIGN_LINES   4    /* last non-blank lines searched for the signature */
#define SIGN_MAX     30   /* code points in a signature or unit name */
#define S1_EVIDENCE  3    /* quantities a thematic S1 must report */
#define S2_MIN       4    /* content scores a unit needs to start a part: see above */
#define S3_MIN       3
#define S4_MIN       4
#define CK           4096 /* bytes between code-point checkpoints */

static const char *const part_code[NPART] = {"S1", "S2", "S3", "S4", "S5"};
static const char *const part_name[NPART] = {"主要举措和成效", "存在的不足和原因",
                                             "党政主要负责人履行第一责任人职责情况",
                                             "下一年度主要安排", "其他需要报告的情况"};

/* ---- word lists ---- */

/* Top-level heading words per part, tried in the order S5, S3, S2, S4, S1. */
static const char *const hw_s1[] = {"举措",     "主要成效", "工作成效", "取得的成效", "和成效",
                                    "及成效",   "与成效",   "主要工作", "工作情况",   "开展情况",
                                    "主要做法", "做法和",   "进展情况", "推进情况",   "落实情况",
                                    "建设情况", "主要成绩", "工作成绩", NULL};
static const char *const hw_s2[] = {"存在的",   "存在问题", "不足",   "短板",   "差距", "薄弱",
                                    "主要问题", "问题和",   "问题与", "问题及", "困难", NULL};
/* A thematic heading may promise to close a gap: 补齐短板, 缩小差距. */
static const char *const hw_s2_not[] = {"补齐", "补足", "弥补", "补短", "缩小差距", NULL};
static const char *const hw_s3[] = {"第一责任人", "主要负责人履行", "主要负责同志履行",
                                    "党政主要负责", NULL};
static const char *const hw_s4[] = {"下一年",   "下一步",   "下步",     "下一阶段", "下阶段",
                                    "明年",     "来年",     "今后",     "打算",     "工作计划",
                                    "工作安排", "主要安排", "工作思路", "工作重点", NULL};
static const char *const hw_s5[] = {"其他需要报告", "其他事项", "其他情况", NULL};
/* Headings of a plan, not of measures taken: never the start of S1. */
static const char *const hw_plan[] = {"总体要求", "指导思想", "工作目标", "基本原则",
                                      "主要任务", "重点任务", "保障措施", "实施步骤",
                                      "工作要求", "基本情况", NULL};

static const char *const cue_s2_strong[] = {
    "存在的问题", "存在问题",   "存在一些",   "存在以下",   "存在着",   "但也存在",
    "还存在",     "仍存在",     "仍然存在",   "依然存在",   "不足之处", "问题和不足",
    "不足和问题", "差距和不足", "困难和问题", "问题与不足", NULL};
static const char *const cue_s2_weak[] = {"不足", "短板",   "差距",   "薄弱",   "有待",     "不够",
                                          "不强", "不高",   "不到位", "不平衡", "参差不齐", "滞后",
                                          "欠缺", "不完善", "不健全", "不规范", "仍有",     NULL};
static const char *const cue_s3_core[] = {"第一责任人", "主要负责人", "主要负责同志",
                                          "党政主要负责", NULL};
static const char *const cue_s3_act[] = {"亲自", "专题研究", "主持",     "述法", "述职",
                                         "带头", "领导小组", "组长",     "部署", "听取",
                                         "督办", "批示",     "研究法治", NULL};
static const char *const cue_s4_lead[] = {"下一步", "下一阶段", "下步",     "今后",
                                          "明年",   "来年",     "新的一年", NULL};
static const char *const cue_s4_mid[] = {"将重点",   "将着力",   "将继续",   "将进一步",
                                         "将着重",   "将持续",   "以下工作", "工作打算",
                                         "工作计划", "工作思路", "工作安排", NULL};
static const char *const cue_s4_weak[] = {"力争", "计划", "继续", "年内", "推动", "深化", NULL};

static const char *const title_need1[] = {"报告", "总结", "情况", NULL};
static const char *const title_need2[] = {"法治", "依法行政", "依法治", NULL};
static const char *const plan_need[] = {"要点", "计划", "方案", "意见", "规划", "办法", NULL};
static const char *const clutter[] = {"首页", ">", "＞", "发布", "浏览", "下载", "来源", NULL};
static const char *const no_title_punct[] = {"，", ",", "。", "；", ";", "！", "？", NULL};
static const char *const name_punct[] = {"，", ",", "。", "；", ";", "：", ":", "、", NULL};

/* Suffixes dropped before unit names are compared. */
static const char *const gov_suffix[] = {"人民政府", "政府",   "办事处", "管理委员会",
                                         "管委会",   "委员会", NULL};
/* Endings of a government's (or a zone's, a town's) name, and of a department's. */
static const char *const kind_gov[] = {"人民政府", "政府", "办事处", "街道办", "管理委员会",
                                       "管委会",   "街道", "镇",     "乡",     "县",
                                       "区",       "市",   "州",     "旗",     NULL};
static const char *const kind_dept[] = {"局", "委", "办", "办公室", "中心", NULL};
static const char *const unit_suffix[] = {
    "人民政府", "政府", "办事处", "委员会", "管委会", "办公室", "局", "委", "办", "中心", "街道",
    "镇",       "乡",   "院",     "所",     "厅",     "部",     "队", "处", "室", "署",   NULL};
static const char *const region_suffix[] = {"县", "区", "市", "州", "盟", "旗", NULL};

static const char *const measure_words[] = {"件", "次", "份", "场", "名", "个", "项", "万", "元",
                                            "家", "户", "条", "期", "批", "卷", "篇", "人", "所",
                                            "处", "起", "台", "%",  "％", "天", "类", "亿", NULL};
static const char *const result_words[] = {"全年", "累计", "共计", "截至", "截止", NULL};

/* ---- the document ---- */

struct head {
  size_t b;    /* byte offset of the marker */
  size_t te;   /* byte offset just past the heading's text */
  int level;   /* 1 一、, 2 （一）, 3 1. */
  int mask;    /* parts a top-level heading names (bit per part) */
  int inlined; /* found inside a line */
};

struct part {
  int by;      /* BY_NONE, BY_HEADING, BY_CONTENT */
  size_t b, e; /* byte range */
  int head;    /* heading index, or -1 */
};

struct unit {
  size_t b, e; /* byte range */
  size_t body; /* first byte after the heading's text (b when the unit has no heading) */
  int head;    /* heading index that starts the unit, or -1 */
};

struct cand {
  int set;       /* a unit reached the threshold */
  int score;     /* its score */
  size_t cue;    /* byte offset of its first cue */
  struct unit u; /* the unit */
};

struct doc {
  const unsigned char *t; /* the text */
  size_t n;               /* its length in bytes */
  size_t *ckb, *ckc;      /* checkpoint k: first character at or after byte k*CK, its index */
  size_t nck;             /* checkpoints */
  size_t cps;             /* code points */
  size_t han;             /* Han ideographs */
  size_t lines;           /* non-blank lines */
  size_t inl;             /* headings found inside lines */
  struct head *h;         /* headings, in text order */
  size_t nh, caph;        /* used, allocated */
  int top;                /* level of the top-level headings */
  int ntop;               /* top-level headings */
  int oom;                /* an allocation failed */
  int has_title, has_plan, has_sig, has_tun;
  size_t title_b, title_e; /* report title */
  size_t plan_b, plan_e;   /* plan title, when there is no report title */
  size_t sig_b, sig_e;     /* unit name in the signature */
  size_t sigline_b;        /* start of the signature block (signature or closing date) */
  size_t tun_b, tun_e;     /* unit name in the title */
  int year;                /* 0 = unknown */
  size_t body_end;         /* end of the body: before the signature block */
  struct part p[NPART];    /* the parts */
  struct cand c[NPART];    /* best content units for S2, S3, S4 */
  int has_q;               /* without headings: first unit stating a quantity */
  struct unit q;
};

/* ---- UTF-8 ---- */

/* Length of the character at byte I: 1..4, or 1 for a byte that starts no well-formed sequence
 * (then *CP = U+FFFD). */
static size_t next_char(const struct doc *d, size_t i, unsigned *cp)
{
  const unsigned char *s = d->t + i;
  size_t left = d->n - i, need;
  unsigned c = s[0], lo = 0x80, hi = 0xBF, v;
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  if (c >= 0xC2 && c <= 0xDF) {
    need = 1;
    v = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 2;
    v = c & 0x0F;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 3;
    v = c & 0x07;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else
    goto bad;
  if (left <= need || s[1] < lo || s[1] > hi) goto bad;
  for (size_t k = 2; k <= need; k++)
    if (s[k] < 0x80 || s[k] > 0xBF) goto bad;
  for (size_t k = 1; k <= need; k++) v = (v << 6) | (s[k] & 0x3F);
  *cp = v;
  return need + 1;
bad:
  *cp = 0xFFFD;
  return 1;
}

/* Spacing, and what carries no text: control characters and ill-formed bytes (U+FFFD), so
 * junk before a heading marker does not hide it. Line breaks are handled before this. */
static int is_ws(unsigned c)
{
  return c < 0x20 || c == ' ' || c == 0x7F || c == 0x3000 || c == 0xA0 || c == 0xFEFF ||
         c == 0x200B || c == 0xFFFD;
}

static int is_han(unsigned c)
{
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x2FFFF);
}

/* Sentence ends. */
static int is_stop(unsigned c)
{
  return c == 0x3002 || c == 0xFF01 || c == 0xFF1F || c == 0xFF1B || c == '!' || c == '?' ||
         c == ';';
}

static int is_break(unsigned char c)
{
  return c == '\n' || c == '\r' || c == '\f';
}

static int is_digit(const struct doc *d, size_t i)
{
  return i < d->n && d->t[i] >= '0' && d->t[i] <= '9';
}

/* Code points in bytes [B, E). */
static size_t cps_between(const struct doc *d, size_t b, size_t e)
{
  size_t k = 0;
  unsigned cp;
  while (b < e) {
    b += next_char(d, b, &cp);
    k++;
  }
  return k;
}

/* Code-point offset of byte B (a character boundary). */
static size_t cp_of(const struct doc *d, size_t b)
{
  if (b >= d->n) return d->cps;
  size_t k = b / CK;
  if (k >= d->nck) k = d->nck - 1;
  while (k > 0 && d->ckb[k] > b) k--;
  return d->ckc[k] + cps_between(d, d->ckb[k], b);
}

/* Byte length of S when the text at I (before E) starts with it, else 0. */
static size_t at(const struct doc *d, size_t i, size_t e, const char *s)
{
  size_t k = strlen(s);
  if (i > e || e - i < k || memcmp(d->t + i, s, k) != 0) return 0;
  return k;
}

/* First occurrence of S in [B, E), or (size_t)-1. */
static size_t find(const struct doc *d, size_t b, size_t e, const char *s)
{
  size_t k = strlen(s);
  if (b >= e || e - b < k) return (size_t)-1;
  const unsigned char *p = memmem(d->t + b, e - b, s, k);
  return p ? (size_t)(p - d->t) : (size_t)-1;
}

/* 1 when some word of LIST occurs in [B, E). */
static int has_any(const struct doc *d, size_t b, size_t e, const char *const *list)
{
  for (; *list; list++)
    if (find(d, b, e, *list) != (size_t)-1) return 1;
  return 0;
}

/* Byte length of the word of LIST that [B, E) ends with, else 0. */
static size_t ends_with(const struct doc *d, size_t b, size_t e, const char *const *list)
{
  for (; *list; list++) {
    size_t k = strlen(*list);
    if (e - b >= k && memcmp(d->t + e - k, *list, k) == 0) return k;
  }
  return 0;
}

/* Counts the distinct words of LIST in [B, E); *FIRST (if not NULL) gets the lowest offset. */
static int count_distinct(const struct doc *d, size_t b, size_t e, const char *const *list,
                          size_t *first)
{
  int k = 0;
  for (; *list; list++) {
    size_t at_ = find(d, b, e, *list);
    if (at_ == (size_t)-1) continue;
    k++;
    if (first && at_ < *first) *first = at_;
  }
  return k;
}

static size_t skip_ws(const struct doc *d, size_t i, size_t e)
{
  unsigned cp;
  while (i < e) {
    size_t k = next_char(d, i, &cp);
    if (!is_ws(cp)) break;
    i += k;
  }
  return i;
}

/* E moved back over whitespace and, when PUNCT, over trailing commas and colons. Sequences are
 * checked whole, and a well-formed sequence always starts on a character boundary. */
static size_t rtrim(const struct doc *d, size_t b, size_t e, int punct)
{
  static const char *const ws3[] = {"\xE3\x80\x80", "\xEF\xBB\xBF", "\xE2\x80\x8B", NULL};
  static const char *const p3[] = {"，", "：", "、", NULL};
  for (;;) {
    if (e > b && (d->t[e - 1] == ' ' || d->t[e - 1] == '\t' || d->t[e - 1] == '\v'))
      e--;
    else if (e - b >= 2 && d->t[e - 2] == 0xC2 && d->t[e - 1] == 0xA0)
      e -= 2;
    else if (e - b >= 3 && ends_with(d, b, e, ws3))
      e -= 3;
    else if (punct && e > b && (d->t[e - 1] == ',' || d->t[e - 1] == ':'))
      e--;
    else if (punct && e - b >= 3 && ends_with(d, b, e, p3))
      e -= 3;
    else
      return e;
  }
}

/* End of the line starting at byte I (the offset of its line break, or the text's end). */
static size_t eol(const struct doc *d, size_t i)
{
  while (i < d->n && !is_break(d->t[i])) i++;
  return i;
}

/* The trimmed line [*S, *E) that starts at LB; returns the offset after its line break. */
static size_t line_at(const struct doc *d, size_t lb, size_t *s, size_t *e)
{
  size_t le = eol(d, lb);
  *s = skip_ws(d, lb, le);
  *e = rtrim(d, *s, le, 0);
  return le < d->n ? le + 1 : le;
}

/* ---- pass 1: decode ---- */

static int decode(struct doc *d)
{
  d->nck = d->n / CK + 2;
  d->ckb = malloc(d->nck * sizeof *d->ckb);
  d->ckc = malloc(d->nck * sizeof *d->ckc);
  if (!d->ckb || !d->ckc) return -1;
  size_t i = 0, k = 0;
  unsigned cp;
  while (i < d->n) {
    while (k < d->nck && k * CK <= i) {
      d->ckb[k] = i;
      d->ckc[k++] = d->cps;
    }
    i += next_char(d, i, &cp);
    d->cps++;
    if (is_han(cp)) d->han++;
  }
  for (; k < d->nck; k++) {
    d->ckb[k] = d->n;
    d->ckc[k] = d->cps;
  }
  return 0;
}

/* ---- heading markers ---- */

/* A Chinese number 1..99 at I (一, 十二, 二十, 二十三); *END gets the byte after it. 0 if none. */
static int cn_num(const struct doc *d, size_t i, size_t e, size_t *end)
{
  static const char *const dig[] = {"一", "二", "三", "四", "五", "六", "七", "八", "九"};
  int v[3], n = 0;
  while (n < 3 && i < e) {
    int got = -1;
    if (at(d, i, e, "十"))
      got = 10;
    else
      for (int k = 0; k < 9; k++)
        if (at(d, i, e, dig[k])) got = k + 1;
    if (got < 0) break;
    v[n++] = got;
    i += 3; /* every digit above is three bytes */
  }
  int r = 0;
  if (n == 1 && v[0] < 10)
    r = v[0];
  else if (n == 1)
    r = 10;
  else if (n == 2 && v[0] == 10 && v[1] < 10)
    r = 10 + v[1];
  else if (n == 2 && v[0] < 10 && v[1] == 10)
    r = v[0] * 10;
  else if (n == 3 && v[0] < 10 && v[1] == 10 && v[2] < 10)
    r = v[0] * 10 + v[2];
  if (r > 0) *end = i;
  return r;
}

/* An Arabic number 1..99 (ASCII or full-width digits) at I; *END gets the byte after it. */
static int ar_num(const struct doc *d, size_t i, size_t e, size_t *end)
{
  int v = 0, n = 0;
  while (i < e && n < 3) {
    if (d->t[i] >= '0' && d->t[i] <= '9') {
      v = v * 10 + (d->t[i] - '0');
      i++;
    } else if (e - i >= 3 && d->t[i] == 0xEF && d->t[i + 1] == 0xBC && d->t[i + 2] >= 0x90 &&
               d->t[i + 2] <= 0x99) {
      v = v * 10 + (d->t[i + 2] - 0x90);
      i += 3;
    } else
      break;
    n++;
  }
  if (n == 0 || n > 2 || v == 0) return 0;
  *end = i;
  return v;
}

/* A separator after a number: 、 (一、2023年度… is a heading), or ． . not followed by a digit
 * (1.5 is a number). Returns its length or 0. */
static size_t num_sep(const struct doc *d, size_t i, size_t e)
{
  size_t k = at(d, i, e, "、");
  if (k) return k;
  if (!(k = at(d, i, e, "．")) && !(k = at(d, i, e, "."))) return 0;
  return is_digit(d, i + k) ? 0 : k;
}

/* A heading marker at I: 一、 第一部分 （一） (1) 1. 1、 Sets *LEVEL, *NUM and *AFTER (first
 * byte of the heading's words). Returns 1 when there is one. */
static int marker(const struct doc *d, size_t i, size_t e, int *level, int *num, size_t *after)
{
  size_t j, k;
  int v;
  if ((k = at(d, i, e, "第")) && (v = cn_num(d, i + k, e, &j)) > 0 && (k = at(d, j, e, "部分"))) {
    *level = 1;
    j += k;
    if ((k = at(d, j, e, "、")) || (k = at(d, j, e, "：")) || (k = at(d, j, e, ":"))) j += k;
  } else if ((v = cn_num(d, i, e, &j)) > 0 && (k = num_sep(d, j, e))) {
    *level = 1;
    j += k;
  } else if ((k = at(d, i, e, "（")) || (k = at(d, i, e, "("))) {
    size_t m;
    if ((v = cn_num(d, i + k, e, &m)) > 0)
      *level = 2;
    else if ((v = ar_num(d, i + k, e, &m)) > 0)
      *level = 3;
    else
      return 0;
    if (!(k = at(d, m, e, "）")) && !(k = at(d, m, e, ")"))) return 0;
    j = m + k;
  } else if ((v = ar_num(d, i, e, &j)) > 0 && (k = num_sep(d, j, e))) {
    *level = 3;
    j += k;
  } else
    return 0;
  *num = v;
  *after = skip_ws(d, j, e);
  return *after < e;
}

/* End of a heading's text that starts at B with words at A, in a line ending at E. In a long
 * line the text also ends at a colon or at a space (not one after a digit: "2023 年"). */
static size_t heading_end(const struct doc *d, size_t b, size_t a, size_t e, int long_line)
{
  size_t i = a, n = cps_between(d, b, a);
  unsigned cp, prev = 0;
  while (i < e && n < HEADING_MAX) {
    size_t k = next_char(d, i, &cp);
    if (is_stop(cp)) break;
    if (long_line && (cp == 0xFF1A || cp == ':')) break;
    if (long_line && is_ws(cp) && i > a && !(prev >= '0' && prev <= '9')) break;
    prev = cp;
    i += k;
    n++;
  }
  return rtrim(d, a, i, 1);
}

static void add_heading(struct doc *d, size_t b, size_t te, int level, int inlined)
{
  if (d->nh == HEADINGS_MAX) return;
  if (d->nh == d->caph) {
    size_t cap = d->caph ? d->caph * 2 : 64;
    struct head *h = realloc(d->h, cap * sizeof *h);
    if (!h) {
      d->oom = 1;
      return;
    }
    d->h = h;
    d->caph = cap;
  }
  d->h[d->nh++] = (struct head){b, te, level, 0, inlined};
  if (inlined) d->inl++;
}

/* ---- pass 2: title, year, unit, signature ---- */

/* A title candidate from the line [S, E): the line, or in a long line its part before the
 * first space. Returns 1 and sets [*TB, *TE) when it is short and has no sentence punctuation. */
static int title_candidate(const struct doc *d, size_t s, size_t e, size_t *tb, size_t *te)
{
  int lv, num;
  size_t after;
  if (marker(d, s, e, &lv, &num, &after)) return 0;
  size_t i = s;
  unsigned cp;
  while (i < e) {
    size_t k = next_char(d, i, &cp);
    if (is_ws(cp)) break;
    i += k;
  }
  if (i < e && cps_between(d, s, e) <= TITLE_MAX) i = e; /* a short line may hold spaces */
  size_t end = rtrim(d, s, i, 0);
  if (end <= s || cps_between(d, s, end) > TITLE_MAX) return 0;
  if (has_any(d, s, end, no_title_punct) || has_any(d, s, end, clutter)) return 0;
  if (ends_with(d, s, end, (const char *const[]){"：", ":", NULL})) return 0;
  *tb = s;
  *te = end;
  return 1;
}

/* A year 2000..2099 at I followed (after spaces) by 年; *END gets the byte after 年. */
static int year_at(const struct doc *d, size_t i, size_t e, size_t *end)
{
  if (e - i < 5 || d->t[i] != '2' || d->t[i + 1] != '0' || !is_digit(d, i + 2) ||
      !is_digit(d, i + 3) || (i + 4 < e && is_digit(d, i + 4)))
    return 0;
  if (i > 0 && d->t[i - 1] >= '0' && d->t[i - 1] <= '9') return 0;
  size_t j = i + 4;
  while (j < e && d->t[j] == ' ') j++;
  size_t k = at(d, j, e, "年");
  if (!k) return 0;
  *end = j + k;
  return 2000 + (d->t[i + 2] - '0') * 10 + (d->t[i + 3] - '0');
}

/* The first year in [B, E); *YB gets where it starts. */
static int first_year(const struct doc *d, size_t b, size_t e, size_t *yb)
{
  for (size_t i = b; i + 5 <= e; i++) {
    size_t end;
    int y;
    if (d->t[i] == '2' && (y = year_at(d, i, e, &end))) {
      *yb = i;
      return y;
    }
  }
  return 0;
}

/* A year in body text: "2023年，" "2023年以来" "2023年度" "2023年是". */
static int body_year(const struct doc *d, size_t b, size_t e)
{
  static const char *const after[] = {"，", ",", "、", "以来", "度", "是", "里", NULL};
  for (size_t i = b; i + 5 <= e; i++) {
    size_t end;
    int y;
    if (d->t[i] != '2' || !(y = year_at(d, i, e, &end))) continue;
    for (const char *const *a = after; *a; a++)
      if (at(d, end, e, *a)) return y;
  }
  return 0;
}

/* A unit name in [B, E): short, no punctuation, ending with a unit suffix (or, when REGION,
 * a county/district/city). */
static int unit_like(const struct doc *d, size_t b, size_t e, int region)
{
  size_t n = cps_between(d, b, e);
  if (n < 2 || n > SIGN_MAX || has_any(d, b, e, name_punct)) return 0;
  if (has_any(d, b, e, title_need2)) return 0;
  return ends_with(d, b, e, unit_suffix) || (region && ends_with(d, b, e, region_suffix));
}

/* The unit named before the year or 关于 in the title. */
static void title_unit(struct doc *d)
{
  size_t b = d->title_b, e = d->title_e, yb, k;
  if ((k = at(d, b, e, "关于"))) b += k;
  size_t stop = e;
  if (first_year(d, b, e, &yb)) stop = yb;
  size_t g = find(d, b, stop, "关于");
  if (g != (size_t)-1) stop = g;
  stop = rtrim(d, b, stop, 0);
  if (unit_like(d, b, stop, 1)) {
    d->has_tun = 1;
    d->tun_b = b;
    d->tun_e = stop;
  }
}

/* A closing date line: "2024年2月20日", "2024-02-20", "二〇二四年一月二十日"; 1 if [S, E) is
 * one. */
static int date_line(const struct doc *d, size_t s, size_t e)
{
  /* 〇 零 一 二 三 四 五 六 七 八 九 十 */
  static const unsigned cn[] = {0x3007, 0x96F6, 0x4E00, 0x4E8C, 0x4E09, 0x56DB,
                                0x4E94, 0x516D, 0x4E03, 0x516B, 0x4E5D, 0x5341};
  if (cps_between(d, s, e) > 16) return 0;
  int digits = 0;
  unsigned cp;
  for (size_t i = s; i < e;) {
    i += next_char(d, i, &cp);
    int num = cp >= '0' && cp <= '9';
    for (size_t m = 0; m < sizeof cn / sizeof *cn; m++)
      if (cp == cn[m]) num = 1;
    if (num)
      digits++;
    else if (!(cp == 0x5E74 || cp == 0x6708 || cp == 0x65E5 || cp == '-' || cp == '.' ||
               cp == '/' || is_ws(cp)))
      return 0; /* not 年 月 日 or a separator */
  }
  return digits >= 4;
}

/* The signature among the last lines: a unit name, maybe followed by a date. */
static void find_signature(struct doc *d)
{
  size_t lb[SIGN_LINES], le[SIGN_LINES]; /* candidate lines, last first */
  int nl = 0;
  size_t e = d->n;
  /* Walk back over lines. The window is bounded so a text without line breaks costs little. */
  size_t floor_ = d->n > 4000 ? d->n - 4000 : 0;
  while (e > floor_ && nl < SIGN_LINES) {
    size_t b = e;
    while (b > floor_ && !is_break(d->t[b - 1])) b--;
    if (b == floor_ && floor_ > 0) break; /* the line goes on before the window */
    size_t s, t;
    line_at(d, b, &s, &t);
    if (t > s) {
      lb[nl] = s;
      le[nl] = t;
      nl++;
    }
    if (b == 0) break;
    e = b - 1;
  }
  d->sigline_b = d->n;
  for (int k = 0; k < nl; k++) {
    size_t s = lb[k], t = le[k];
    if (date_line(d, s, t)) {
      d->sigline_b = s;
      continue;
    }
    /* a unit and a date on one line: cut the date off */
    size_t yb;
    if (first_year(d, s, t, &yb) && yb > s && date_line(d, yb, t)) t = rtrim(d, s, yb, 0);
    if (unit_like(d, s, t, 0) || (ends_with(d, s, t, gov_suffix) && cps_between(d, s, t) <= 40 &&
                                  !has_any(d, s, t, name_punct))) {
      d->has_sig = 1;
      d->sig_b = s;
      d->sig_e = t;
      d->sigline_b = s;
    }
    break;
  }
}

static void find_meta(struct doc *d)
{
  size_t lb = 0, s, e;
  int lines = 0;
  while (lb < d->n && lb < TOP_BYTES && lines < TOP_LINES && !d->has_title) {
    size_t next = line_at(d, lb, &s, &e);
    if (e > s) {
      lines++;
      size_t tb, te;
      if (title_candidate(d, s, e, &tb, &te) && has_any(d, tb, te, title_need2)) {
        if (has_any(d, tb, te, title_need1)) {
          d->has_title = 1;
          d->title_b = tb;
          d->title_e = te;
        } else if (!d->has_plan && has_any(d, tb, te, plan_need)) {
          d->has_plan = 1;
          d->plan_b = tb;
          d->plan_e = te;
        }
      }
    }
    lb = next;
  }
  size_t yb;
  size_t from = 0;
  if (d->has_title) {
    d->year = first_year(d, d->title_b, d->title_e, &yb);
    title_unit(d);
    from = d->title_e;
  }
  if (!d->year) {
    size_t to = from + YEAR_SCAN < d->n ? from + YEAR_SCAN : d->n;
    d->year = body_year(d, from, to);
  }
  if (!d->year && d->has_plan) d->year = first_year(d, d->plan_b, d->plan_e, &yb);
  find_signature(d);
  d->body_end = rtrim(d, 0, d->sigline_b, 0);
  while (d->body_end > 0 && is_break(d->t[d->body_end - 1]))
    d->body_end = rtrim(d, 0, d->body_end - 1, 0);
}

/* ---- pass 3: headings ---- */

/* Tries a heading at I in the line ending at E. INLINE: inside a line, where the number must
 * continue the numbering in CNT. Returns the byte after the heading's text, or 0. */
static size_t try_heading(struct doc *d, size_t i, size_t e, int long_line, int inlined, int cnt[4])
{
  int level, num;
  size_t after;
  if (!marker(d, i, e, &level, &num, &after)) return 0;
  if (inlined && num != cnt[level] + 1) return 0;
  size_t te = heading_end(d, i, after, e, long_line);
  if (te <= after) return 0;
  add_heading(d, i, te, level, inlined);
  cnt[level] = num;
  for (int k = level + 1; k < 4; k++) cnt[k] = 0;
  return te;
}

static void find_headings(struct doc *d)
{
  int cnt[4] = {0};
  size_t lb = 0, s, e;
  while (lb < d->n) {
    size_t next = line_at(d, lb, &s, &e);
    lb = next;
    if (e <= s) continue;
    d->lines++;
    size_t len = cps_between(d, s, e);
    size_t i = try_heading(d, s, e, len > HEADING_MAX, 0, cnt);
    if (!i) i = s;
    if (len < INLINE_MIN) continue;
    unsigned prev = ' ', cp;
    if (i > s) prev = 0; /* just after a heading's text */
    while (i < e) {
      size_t k = next_char(d, i, &cp);
      int strong = prev == 0x3002 || prev == 0xFF01 || prev == 0xFF1F || is_ws(prev);
      int weak = strong || prev == 0xFF1B || prev == ';';
      if (weak && i > s) {
        int level, num;
        size_t after, te = 0;
        if (marker(d, i, e, &level, &num, &after) && (level > 1 || strong))
          te = try_heading(d, i, e, 1, 1, cnt);
        if (te) {
          i = te;
          prev = 0;
          continue;
        }
      }
      prev = cp;
      i += k;
    }
  }
}

/* ---- pass 4: parts named by top-level headings ---- */

static int heading_mask(const struct doc *d, const struct head *h)
{
  int m = 0;
  if (has_any(d, h->b, h->te, hw_s5)) m |= 1 << S5;
  if (has_any(d, h->b, h->te, hw_s3)) m |= 1 << S3;
  if (has_any(d, h->b, h->te, hw_s2) && !has_any(d, h->b, h->te, hw_s2_not)) m |= 1 << S2;
  if (has_any(d, h->b, h->te, hw_s4)) m |= 1 << S4;
  if (!m && has_any(d, h->b, h->te, hw_s1)) m |= 1 << S1;
  return m;
}

/* End of the block of heading K: the next heading of its level or above. */
static size_t block_end(const struct doc *d, size_t k)
{
  for (size_t j = k + 1; j < d->nh; j++)
    if (d->h[j].level <= d->h[k].level) return d->h[j].b;
  return d->body_end;
}

static void parts_by_heading(struct doc *d)
{
  d->top = 4;
  for (size_t k = 0; k < d->nh; k++)
    if (d->h[k].level < d->top) d->top = d->h[k].level;
  int plain = 0; /* a top-level heading naming no part was seen */
  for (size_t k = 0; k < d->nh; k++) {
    struct head *h = &d->h[k];
    if (h->level != d->top || h->b >= d->body_end) continue;
    d->ntop++;
    h->mask = heading_mask(d, h);
    /* "…成效明显" after thematic headings is one more thematic heading, not S1's */
    if (h->mask == 1 << S1 && plain) h->mask = 0;
    if (!h->mask && !has_any(d, h->b, h->te, hw_plan)) plain = 1;
    for (int p = 0; p < NPART; p++) {
      if (!(h->mask & (1 << p)) || d->p[p].by) continue;
      d->p[p] = (struct part){BY_HEADING, h->b, d->body_end, (int)k};
      for (size_t j = k + 1; j < d->nh; j++) {
        const struct head *n = &d->h[j];
        if (n->level == d->top && !(heading_mask(d, n) & (1 << p))) {
          d->p[p].e = n->b;
          break;
        }
      }
    }
  }
}

/* ---- pass 5: units and content cues ---- */

/* 1 when byte B lies in a part found by heading other than S1 and TARGET. */
static int in_other_part(const struct doc *d, size_t b, int target)
{
  for (int p = S2; p < NPART; p++)
    if (p != target && d->p[p].by == BY_HEADING && b >= d->p[p].b && b < d->p[p].e) return 1;
  return 0;
}

/* Start of the sentence holding byte CUE in the unit U. */
static size_t sentence_start(const struct doc *d, const struct unit *u, size_t cue)
{
  size_t i = skip_ws(d, u->body, u->e), s = i;
  unsigned cp;
  while (i < cue && i < u->e) {
    i += next_char(d, i, &cp);
    if (is_stop(cp)) s = i;
  }
  return skip_ws(d, s, u->e);
}

/* Quantities ("36 名", "212 件", "98%") and result words in [B, E). */
static int quantities(const struct doc *d, size_t b, size_t e)
{
  int k = 0;
  for (const char *const *w = result_words; *w; w++)
    for (size_t i = b; (i = find(d, i, e, *w)) != (size_t)-1; i += strlen(*w)) k++;
  size_t i = b;
  while (i < e) {
    if (!is_digit(d, i)) {
      i++;
      continue;
    }
    while (i < e && (is_digit(d, i) || d->t[i] == '.')) i++;
    while (i < e && d->t[i] == ' ') i++;
    size_t m;
    if ((m = at(d, i, e, "余")) || (m = at(d, i, e, "多"))) i += m;
    while (i < e && d->t[i] == ' ') i++;
    for (const char *const *w = measure_words; *w; w++)
      if (at(d, i, e, *w)) {
        k++;
        break;
      }
  }
  return k;
}

/* S4's lead: a sentence in U starting with 下一步 etc. or "<year after the report>年，…将".
 * Returns the byte of the first such sentence, or (size_t)-1. */
static size_t s4_lead(const struct doc *d, const struct unit *u)
{
  size_t i = skip_ws(d, u->body, u->e);
  int start = 1;
  unsigned cp;
  while (i < u->e) {
    if (start) {
      for (const char *const *w = cue_s4_lead; *w; w++)
        if (at(d, i, u->e, *w)) return i;
      size_t end;
      int y = d->t[i] == '2' ? year_at(d, i, u->e, &end) : 0;
      if (y && (!d->year || y > d->year)) {
        size_t lim = end, n = 0;
        while (lim < u->e && n < 16) {
          lim += next_char(d, lim, &cp);
          n++;
        }
        if (find(d, end, lim, "将") != (size_t)-1) return i;
      }
    }
    i += next_char(d, i, &cp);
    start = is_stop(cp) || cp == 0xFF1A || cp == ':' ? 1 : (start && is_ws(cp));
  }
  return (size_t)-1;
}

static void offer(struct doc *d, int p, int score, size_t cue, const struct unit *u, int later)
{
  struct cand *c = &d->c[p];
  if (c->set && (score < c->score || (score == c->score && !later))) return;
  *c = (struct cand){1, score, cue, *u};
}

static void score_unit(struct doc *d, const struct unit *u)
{
  if (u->b >= d->body_end) return;
  size_t e = u->e < d->body_end ? u->e : d->body_end;
  if (!d->p[S2].by && !in_other_part(d, u->b, S2)) {
    size_t cue = (size_t)-1, weak = (size_t)-1;
    int strong = count_distinct(d, u->b, e, cue_s2_strong, &cue);
    int score = 2 * strong + count_distinct(d, u->b, e, cue_s2_weak, &weak);
    if ((strong && score >= S2_MIN) || score - 2 * strong >= S2_MIN)
      offer(d, S2, score, strong ? cue : weak, u, 1);
  }
  if (!d->p[S3].by && !in_other_part(d, u->b, S3)) {
    size_t cue = (size_t)-1;
    int core = count_distinct(d, u->b, e, cue_s3_core, &cue);
    int score = core ? 2 + count_distinct(d, u->b, e, cue_s3_act, NULL) : 0;
    if (score >= S3_MIN) offer(d, S3, score, cue, u, 0);
  }
  if (!d->p[S4].by && !in_other_part(d, u->b, S4)) {
    struct unit v = *u;
    v.e = e;
    size_t cue = s4_lead(d, &v);
    if (cue != (size_t)-1) {
      int score = 3 + 2 * count_distinct(d, u->b, e, cue_s4_mid, NULL) +
                  count_distinct(d, u->b, e, cue_s4_weak, NULL);
      if (score >= S4_MIN) offer(d, S4, score, cue, u, 1);
    }
  }
  if (d->ntop == 0 && !d->has_q && !d->p[S1].by && quantities(d, u->b, e) > 0) {
    d->has_q = 1;
    d->q = *u;
  }
}

static void scan_units(struct doc *d)
{
  struct unit pend = {0, 0, 0, -1};
  int pending = 0;
  size_t hk = 0, lb = 0, s, e;
  while (lb < d->n) {
    lb = line_at(d, lb, &s, &e);
    if (e <= s) continue;
    while (hk < d->nh && d->h[hk].b < s) hk++;
    size_t i = s;
    int first = 1;
    while (i < e) {
      int head = hk < d->nh && d->h[hk].b == i ? (int)hk : -1;
      if (head >= 0) hk++;
      size_t j = hk < d->nh && d->h[hk].b < e ? d->h[hk].b : e;
      struct unit u = {i, j, head >= 0 ? d->h[head].te : i, head};
      if (pending && first && head < 0) { /* a heading alone on its line takes this line */
        pend.e = j;
        pend.body = i;
        score_unit(d, &pend);
        pending = 0;
      } else {
        if (pending) score_unit(d, &pend);
        pending = 0;
        if (head >= 0 && skip_ws(d, u.body, j) >= j) {
          pend = u;
          pending = 1;
        } else
          score_unit(d, &u);
      }
      first = 0;
      i = j;
    }
  }
  if (pending) score_unit(d, &pend);
}

/* ---- pass 6: parts by content, S1, ends ---- */

static void parts_by_content(struct doc *d)
{
  for (int p = S2; p <= S4; p++) {
    const struct cand *c = &d->c[p];
    if (d->p[p].by || !c->set) continue;
    struct part *r = &d->p[p];
    r->by = BY_CONTENT;
    size_t ss = sentence_start(d, &c->u, c->cue);
    int promote = c->u.head >= 0 && (p == S3 || ss == skip_ws(d, c->u.body, c->u.e));
    if (promote) {
      r->head = c->u.head;
      r->b = d->h[c->u.head].b;
      r->e = block_end(d, (size_t)c->u.head);
    } else {
      r->head = -1;
      r->b = ss;
      if (p == S3)
        r->e = c->u.e;
      else { /* to the end of the enclosing top-level block */
        r->e = d->body_end;
        for (size_t k = 0; k < d->nh; k++)
          if (d->h[k].level == d->top && d->h[k].b > ss) {
            r->e = d->h[k].b;
            break;
          }
      }
    }
  }
}

/* S1 from the thematic top-level headings (or, without headings, the first paragraph with a
 * quantity), when the range reports results. */
static void s1_by_content(struct doc *d)
{
  if (d->p[S1].by) return;
  size_t b = (size_t)-1;
  int head = -1;
  for (size_t k = 0; k < d->nh; k++) {
    const struct head *h = &d->h[k];
    if (h->level != d->top || h->mask || h->b >= d->body_end) continue;
    if (has_any(d, h->b, h->te, hw_plan)) continue;
    b = h->b;
    head = (int)k;
    break;
  }
  if (head < 0 && d->ntop == 0 && d->has_q) b = d->q.b;
  if (b == (size_t)-1) return;
  size_t e = d->body_end;
  for (size_t k = 0; k < d->nh; k++)
    if (d->h[k].level == d->top && d->h[k].mask && d->h[k].b > b && d->h[k].b < e) e = d->h[k].b;
  for (int p = S2; p < NPART; p++)
    if (d->p[p].by && !(p == S3 && d->p[p].by == BY_CONTENT) && d->p[p].b > b && d->p[p].b < e)
      e = d->p[p].b;
  if (quantities(d, b, e) < S1_EVIDENCE) return;
  d->p[S1] = (struct part){BY_CONTENT, b, e, head};
}

static void part_ends(struct doc *d)
{
  for (int p = 0; p < NPART; p++) {
    struct part *r = &d->p[p];
    if (!r->by) continue;
    for (int q = 0; q < NPART; q++) {
      const struct part *o = &d->p[q];
      if (q == p || !o->by || (q == S3 && o->by == BY_CONTENT)) continue;
      if (o->b > r->b && o->b < r->e) r->e = o->b;
    }
    if (r->e > d->body_end) r->e = d->body_end;
    if (r->e < r->b) r->e = r->b;
    r->e = rtrim(d, r->b, r->e, 0);
    while (r->e > r->b && is_break(d->t[r->e - 1])) r->e = rtrim(d, r->b, r->e - 1, 0);
  }
}

/* ---- unit names ---- */

/* Code points of [B, E) of text T, decoded into OUT (at most CAP). */
static size_t decode_name(const char *t, size_t n, unsigned *out, size_t cap)
{
  struct doc tmp = {.t = (const unsigned char *)t, .n = n};
  size_t i = 0, k = 0;
  unsigned cp;
  while (i < n && k < cap) {
    i += next_char(&tmp, i, &cp);
    if (!is_ws(cp)) out[k++] = cp;
  }
  return k;
}

/* Byte length of the word of LIST that S ends with, else 0. */
static size_t name_ends(const char *s, const char *const *list)
{
  size_t n = strlen(s);
  for (; *list; list++) {
    size_t k = strlen(*list);
    if (n >= k && memcmp(s + n - k, *list, k) == 0) return k;
  }
  return 0;
}

/* 'g' government, 'd' department, 0 unknown. */
static int name_kind(const char *s)
{
  if (name_ends(s, kind_gov)) return 'g';
  return name_ends(s, kind_dept) ? 'd' : 0;
}

/* 1 when the names A (from the report) and B (the uploader) can be the same unit: not a
 * government against a department (云岭县人民政府 is not 云岭县司法局, though its name is
 * contained), then one contained in the other (城关街道 in 云岭县城关街道办事处), then 80 % of
 * the shorter name's characters in the longer one (经开区管委会, 县卫健委). */
static int same_unit(const char *a, const char *b)
{
  int ka = name_kind(a), kb = name_kind(b);
  if (ka && kb && ka != kb) return 0;
  if (strstr(a, b) || strstr(b, a)) return 1;
  unsigned x[64], y[64];
  size_t nx = decode_name(a, strlen(a) - name_ends(a, gov_suffix), x, 64);
  size_t ny = decode_name(b, strlen(b) - name_ends(b, gov_suffix), y, 64);
  if (nx == 0 || ny == 0) return 0;
  const unsigned *s = nx <= ny ? x : y, *l = nx <= ny ? y : x;
  size_t ns = nx <= ny ? nx : ny, nl = nx <= ny ? ny : nx, hit = 0;
  for (size_t i = 0; i < ns; i++)
    for (size_t j = 0; j < nl; j++)
      if (s[i] == l[j]) {
        hit++;
        break;
      }
  return hit * 5 >= ns * 4;
}

/* ---- result ---- */

/* A JSON string of bytes [B, E), ill-formed bytes and NUL replaced by U+FFFD. */
static json_t *jstr(const struct doc *d, size_t b, size_t e)
{
  char *buf = malloc((e - b) * 3 + 1);
  if (!buf) return NULL;
  size_t o = 0;
  unsigned cp;
  for (size_t i = b; i < e;) {
    size_t k = next_char(d, i, &cp);
    if (cp == 0xFFFD || cp == 0) {
      memcpy(buf + o, "\xEF\xBF\xBD", 3);
      o += 3;
    } else {
      memcpy(buf + o, d->t + i, k);
      o += k;
    }
    i += k;
  }
  json_t *j = json_stringn(buf, o);
  free(buf);
  return j;
}

/* Adds VAL (stolen; NULL = out of memory) as KEY of OBJ; clears *OK on failure. */
static void put(json_t *obj, const char *key, json_t *val, int *ok)
{
  if (!val || json_object_set_new(obj, key, val) != 0) *ok = 0;
}

/* Adds a warning; MSG may hold the caller's unit name, so it is cleaned like the text. */
static void warn(json_t *arr, const char *code, const char *part, const char *msg, int *ok)
{
  struct doc m = {.t = (const unsigned char *)msg, .n = strlen(msg)};
  json_t *w = json_object();
  if (!w) {
    *ok = 0;
    return;
  }
  put(w, "code", json_string(code), ok);
  if (part) put(w, "part", json_string(part), ok);
  put(w, "message", jstr(&m, 0, m.n), ok);
  if (json_array_append_new(arr, w) != 0) *ok = 0;
}

/* A NUL-terminated copy of [B, E) for messages, ill-formed bytes replaced. */
static char *cstr(const struct doc *d, size_t b, size_t e)
{
  json_t *j = jstr(d, b, e);
  char *s = j ? strdup(json_string_value(j)) : NULL;
  json_decref(j);
  return s;
}

static void unit_warning(const struct doc *d, json_t *warnings, size_t b, size_t e,
                         const char *unit_name, int *ok)
{
  char *found = cstr(d, b, e);
  if (!found) {
    *ok = 0;
    return;
  }
  if (!same_unit(found, unit_name)) {
    char msg[1024];
    snprintf(msg, sizeof msg, "报告中的单位为“%s”，与上传单位“%s”不一致", found, unit_name);
    warn(warnings, "unit_mismatch", NULL, msg, ok);
  }
  free(found);
}

static json_t *result(const struct doc *d, int cycle_year, const char *unit_name)
{
  int ok = 1;
  json_t *r = json_object(), *heads = json_array(), *parts = json_array(), *warnings = json_array();
  if (!r || !heads || !parts || !warnings) {
    json_decref(r);
    json_decref(heads);
    json_decref(parts);
    json_decref(warnings);
    return NULL;
  }
  put(r, "title", d->has_title ? jstr(d, d->title_b, d->title_e) : json_null(), &ok);
  put(r, "year", d->year ? json_integer(d->year) : json_null(), &ok);
  put(r, "unit_name",
      d->has_sig   ? jstr(d, d->sig_b, d->sig_e)
      : d->has_tun ? jstr(d, d->tun_b, d->tun_e)
                   : json_null(),
      &ok);
  put(r, "chars", json_integer((json_int_t)d->cps), &ok);
  put(r, "paragraphs", json_integer((json_int_t)(d->lines + d->inl)), &ok);
  for (size_t k = 0; k < d->nh && ok; k++) {
    json_t *h = json_object();
    if (!h) {
      ok = 0;
      break;
    }
    put(h, "level", json_integer(d->h[k].level), &ok);
    put(h, "text", jstr(d, d->h[k].b, d->h[k].te), &ok);
    put(h, "start", json_integer((json_int_t)cp_of(d, d->h[k].b)), &ok);
    if (json_array_append_new(heads, h) != 0) ok = 0;
  }
  put(r, "headings", heads, &ok);
  int no_text = d->han < NO_TEXT;
  for (int p = 0; p < NPART && ok; p++) {
    const struct part *x = &d->p[p];
    json_t *s = json_object();
    if (!s) {
      ok = 0;
      break;
    }
    put(s, "code", json_string(part_code[p]), &ok);
    put(s, "name", json_string(part_name[p]), &ok);
    put(s, "found", json_boolean(x->by != BY_NONE), &ok);
    put(s, "start", x->by ? json_integer((json_int_t)cp_of(d, x->b)) : json_null(), &ok);
    put(s, "end", x->by ? json_integer((json_int_t)cp_of(d, x->e)) : json_null(), &ok);
    put(s, "heading",
        x->by && x->head >= 0 ? jstr(d, d->h[x->head].b, d->h[x->head].te) : json_null(), &ok);
    put(s, "by",
        x->by == BY_HEADING   ? json_string("heading")
        : x->by == BY_CONTENT ? json_string("content")
                              : json_null(),
        &ok);
    if (json_array_append_new(parts, s) != 0) ok = 0;
    if (!x->by && p != S5 && !no_text) {
      char msg[160];
      snprintf(msg, sizeof msg, "未找到：%s", part_name[p]);
      warn(warnings, "missing_part", part_code[p], msg, &ok);
    }
  }
  put(r, "sections", parts, &ok);
  char msg[512];
  if (no_text) {
    warn(warnings, "no_text", NULL, "未能从文件中读出文字（可能是扫描件）", &ok);
  } else {
    if (!d->has_title && d->has_plan) {
      char *t = cstr(d, d->plan_b, d->plan_e);
      if (t) {
        snprintf(msg, sizeof msg, "文件标题为“%s”，看起来是工作计划或方案，不是年度报告", t);
        warn(warnings, "not_report", NULL, msg, &ok);
      } else
        ok = 0;
      free(t);
    }
    if (cycle_year && d->year && d->year != cycle_year) {
      snprintf(msg, sizeof msg, "报告年度为 %d 年，与考核年度 %d 年不一致", d->year, cycle_year);
      warn(warnings, "year_mismatch", NULL, msg, &ok);
    }
    if (unit_name && *unit_name) {
      size_t before = json_array_size(warnings);
      if (d->has_sig) unit_warning(d, warnings, d->sig_b, d->sig_e, unit_name, &ok);
      if (d->has_tun && json_array_size(warnings) == before)
        unit_warning(d, warnings, d->tun_b, d->tun_e, unit_name, &ok);
    }
    if (d->han < TOO_SHORT) {
      snprintf(msg, sizeof msg, "报告正文仅 %zu 个汉字，内容可能不完整", d->han);
      warn(warnings, "too_short", NULL, msg, &ok);
    }
  }
  put(r, "warnings", warnings, &ok);
  if (!ok) {
    json_decref(r);
    return NULL;
  }
  return r;
}

json_t *structure_analyze(const char *text, size_t len, int cycle_year, const char *unit_name)
{
  struct doc d = {.t = (const unsigned char *)(text ? text : ""), .n = text ? len : 0};
  for (int p = 0; p < NPART; p++) d.p[p].head = -1;
  json_t *r = NULL;
  if (decode(&d) != 0) goto done;
  find_meta(&d);
  find_headings(&d);
  if (d.oom) goto done;
  parts_by_heading(&d);
  scan_units(&d);
  parts_by_content(&d);
  s1_by_content(&d);
  part_ends(&d);
  r = result(&d, cycle_year, unit_name);
done:
  free(d.ckb);
  free(d.ckc);
  free(d.h);
  return r;
}
