/*
 * docx.c - text of Word documents (see docx.h).
 *
 * Each XML part is walked once with libxml2's xmlTextReader, a pull parser that keeps only the
 * current node, so a 64 MiB document.xml needs about 64 MiB plus the output. The walk over
 * document.xml is a small state machine (struct walk); numbering.xml and styles.xml are read
 * first into tables (struct numbering) that the walk consults at the end of each paragraph's
 * properties, which the schema puts before the paragraph's runs, so a list marker can be
 * written before the text without going back.
 */
#include "docx.h"

#include "err.h"

#include <libxml/parser.h>
#include <libxml/xmlreader.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DOC_MAX   ((size_t)64 << 20) /* word/document.xml, uncompressed */
#define PART_MAX  ((size_t)8 << 20)  /* numbering.xml, styles.xml */
#define MAX_ABS   2048               /* abstract lists kept from numbering.xml */
#define MAX_NUM   4096               /* list instances kept */
#define MAX_STYLE 4096               /* styles kept */
#define MAX_TBL   64                 /* table nesting tracked (deeper counts as the deepest) */
#define LVLS      9                  /* list levels in WordprocessingML */

static const char W_NS[] = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
static const char W_NS_STRICT[] = "http://purl.oclc.org/ooxml/wordprocessingml/main";
static const char MC_NS[] = "http://schemas.openxmlformats.org/markup-compatibility/2006";

static const char BAD_XML[] =
    "Word 文档内容已损坏（XML 格式错误），请用 Word 或 WPS 重新保存后上传";
static const char BAD_DTD[] = "Word 文档含有不允许的 DTD 或实体声明（疑似恶意文件）";
static const char TOO_BIG[] = "文本过大：提取出的文字超过 8 MB";

/* ---- output buffer ---- */

/* Growing output with a hard cap; errors are sticky and checked by the caller's loop. */
struct sbuf {
  char *p;    /* the text, malloc'd */
  size_t len; /* bytes used */
  size_t cap; /* bytes allocated */
  size_t max; /* the caller's cap */
  int err;    /* E_OK, E_BAD_FILE (over max) or E_NOMEM */
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
  if (b->err) return;
  if (n > b->max - b->len) {
    b->err = E_BAD_FILE;
    return;
  }
  if (b->len + n + 1 > b->cap) {
    size_t c = b->cap ? b->cap : 4096;
    while (c < b->len + n + 1) c *= 2;
    char *p = realloc(b->p, c);
    if (!p) {
      b->err = E_NOMEM;
      return;
    }
    b->p = p;
    b->cap = c;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
}

static void sb_str(struct sbuf *b, const char *s)
{
  sb_add(b, s, strlen(s));
}

/* ---- safe XML reading ---- */

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void xml_init(void)
{
  xmlInitParser();
}

static void xml_quiet(void *arg, xmlErrorPtr e)
{
  (void)arg;
  (void)e;
}

/* A reader over BUF[LEN], or NULL when BUF declares a DTD (*DTD set) or on no memory.
 * Options: no network, no entity substitution, no DTD loading, default size limits. */
static xmlTextReaderPtr reader_open(const char *buf, size_t len, int *dtd)
{
  *dtd = 0;
  pthread_once(&xml_once, xml_init);
  /* A Word part never has a DOCTYPE; refusing it outright rules out entity expansion of any
   * kind (billion laughs, external entities). The reader check below covers other encodings. */
  if (memmem(buf, len, "<!DOCTYPE", 9) || memmem(buf, len, "<!ENTITY", 8)) {
    *dtd = 1;
    return NULL;
  }
  xmlTextReaderPtr r = xmlReaderForMemory(
      buf, (int)len, NULL, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (r) xmlTextReaderSetStructuredErrorHandler(r, xml_quiet, NULL);
  return r;
}

/* Advances R. Returns 1 on a node, 0 at the end, -1 on malformed XML, -2 on a DTD or an
 * entity reference. */
static int reader_next(xmlTextReaderPtr r)
{
  int rc = xmlTextReaderRead(r);
  if (rc != 1) return rc == 0 ? 0 : -1;
  int t = xmlTextReaderNodeType(r);
  if (t == XML_READER_TYPE_DOCUMENT_TYPE || t == XML_READER_TYPE_ENTITY_REFERENCE ||
      t == XML_READER_TYPE_ENTITY)
    return -2;
  return 1;
}

/* 1 when the current node is in the WordprocessingML namespace (transitional or strict). */
static int in_w(xmlTextReaderPtr r)
{
  const char *ns = (const char *)xmlTextReaderConstNamespaceUri(r);
  return ns && (!strcmp(ns, W_NS) || !strcmp(ns, W_NS_STRICT));
}

/* The w:NAME attribute of the current element, in the element's namespace, copied into BUF
 * (CAP bytes, cut at a UTF-8 boundary); "" when absent. */
static const char *attr(xmlTextReaderPtr r, const char *name, char *buf, size_t cap)
{
  buf[0] = '\0';
  xmlChar *v =
      xmlTextReaderGetAttributeNs(r, (const xmlChar *)name, xmlTextReaderConstNamespaceUri(r));
  if (!v) return buf;
  size_t n = strlen((const char *)v);
  if (n >= cap) {
    n = cap - 1;
    while (n > 0 && ((unsigned char)v[n] & 0xC0) == 0x80) n--;
  }
  memcpy(buf, v, n);
  buf[n] = '\0';
  xmlFree(v);
  return buf;
}

/* The w:NAME attribute as an integer, DEF when absent or not a number. */
static int attr_int(xmlTextReaderPtr r, const char *name, int def)
{
  char b[32], *end;
  attr(r, name, b, sizeof b);
  long v = strtol(b, &end, 10);
  if (!b[0] || *end || v < -1000000 || v > 1000000) return def;
  return (int)v;
}

/* ---- numbering and styles ---- */

enum fmt {
  F_DECIMAL,
  F_DECIMAL_ZERO,
  F_UPPER_ROMAN,
  F_LOWER_ROMAN,
  F_UPPER_LETTER,
  F_LOWER_LETTER,
  F_CHINESE,
  F_CHINESE_LEGAL,
  F_IDEO_TRAD,
  F_ZODIAC,
  F_IDEO_DIGITAL,
  F_CIRCLE,
  F_FULLWIDTH,
  F_BULLET,
  F_NONE
};

static const struct {
  const char *name; /* w:numFmt value */
  enum fmt fmt;     /* how we count */
} FORMATS[] = {
    {"decimal", F_DECIMAL},
    {"decimalZero", F_DECIMAL_ZERO},
    {"upperRoman", F_UPPER_ROMAN},
    {"lowerRoman", F_LOWER_ROMAN},
    {"upperLetter", F_UPPER_LETTER},
    {"lowerLetter", F_LOWER_LETTER},
    {"chineseCounting", F_CHINESE},
    {"chineseCountingThousand", F_CHINESE},
    {"japaneseCounting", F_CHINESE},
    {"taiwaneseCounting", F_CHINESE},
    {"taiwaneseCountingThousand", F_CHINESE},
    {"chineseLegalSimplified", F_CHINESE_LEGAL},
    {"ideographTraditional", F_IDEO_TRAD},
    {"ideographZodiac", F_ZODIAC},
    {"ideographDigital", F_IDEO_DIGITAL},
    {"taiwaneseDigital", F_IDEO_DIGITAL},
    {"decimalEnclosedCircle", F_CIRCLE},
    {"decimalEnclosedCircleChinese", F_CIRCLE},
    {"decimalFullWidth", F_FULLWIDTH},
    {"decimalFullWidth2", F_FULLWIDTH},
    {"bullet", F_BULLET},
    {"none", F_NONE},
};

/* One level of an abstract list. */
struct lvl {
  int start;     /* w:start, the first number */
  enum fmt fmt;  /* w:numFmt */
  int suff_none; /* w:suff="nothing" */
  char text[64]; /* w:lvlText, UTF-8 */
};

/* An abstract list (w:abstractNum) and its running counters. */
struct absnum {
  int id;               /* w:abstractNumId */
  struct lvl lvl[LVLS]; /* its levels */
  int counter[LVLS];    /* last number given at each level */
  int used[LVLS];       /* whether COUNTER is set (else the next is START) */
};

/* A list instance (w:num): an abstract list with optional restart values. */
struct num {
  int id;             /* w:numId */
  int abs_id;         /* w:abstractNumId */
  int override[LVLS]; /* w:startOverride, or -1 */
  int applied[LVLS];  /* whether the override has been applied */
};

/* A paragraph style's numbering. */
struct style {
  char id[64];    /* w:styleId */
  char based[64]; /* w:basedOn, or "" */
  int num_id;     /* w:numId, -1 when the style does not say */
  int ilvl;       /* w:ilvl, -1 when the style does not say */
};

struct numbering {
  struct absnum *a;       /* abstract lists, in file order */
  size_t na;              /* how many */
  struct num *n;          /* list instances, sorted by id after loading */
  size_t nn;              /* how many */
  struct style *s;        /* styles, sorted by id after loading */
  size_t ns;              /* how many */
  struct absnum fallback; /* used for a numId that numbering.xml does not define */
};

static void lvl_defaults(struct absnum *a)
{
  for (int i = 0; i < LVLS; i++) {
    a->lvl[i].start = 1;
    a->lvl[i].fmt = F_DECIMAL;
    a->lvl[i].suff_none = 0;
    snprintf(a->lvl[i].text, sizeof a->lvl[i].text, "%%%d.", i + 1);
    a->used[i] = 0;
    a->counter[i] = 0;
  }
}

static enum fmt fmt_of(const char *s)
{
  for (size_t i = 0; i < sizeof FORMATS / sizeof FORMATS[0]; i++)
    if (!strcmp(FORMATS[i].name, s)) return FORMATS[i].fmt;
  return F_DECIMAL;
}

static int num_cmp(const void *a, const void *b)
{
  int x = ((const struct num *)a)->id, y = ((const struct num *)b)->id;
  return x < y ? -1 : x > y;
}

static int style_cmp(const void *a, const void *b)
{
  return strcmp(((const struct style *)a)->id, ((const struct style *)b)->id);
}

/* Reads numbering.xml (BUF[LEN]) into NB. Best effort: a damaged part leaves what was read. */
static void load_numbering(struct numbering *nb, const char *buf, size_t len)
{
  int dtd;
  xmlTextReaderPtr r = reader_open(buf, len, &dtd);
  if (!r) return;
  struct absnum *cur_a = NULL;
  struct num *cur_n = NULL;
  int lvl = -1, ovl = -1;
  char v[64];
  while (reader_next(r) == 1) {
    int type = xmlTextReaderNodeType(r);
    if (!in_w(r)) continue;
    const char *name = (const char *)xmlTextReaderConstLocalName(r);
    if (type == XML_READER_TYPE_END_ELEMENT) {
      if (!strcmp(name, "abstractNum")) cur_a = NULL;
      if (!strcmp(name, "num")) cur_n = NULL;
      if (!strcmp(name, "lvl")) lvl = -1;
      if (!strcmp(name, "lvlOverride")) ovl = -1;
      continue;
    }
    if (type != XML_READER_TYPE_ELEMENT) continue;
    int empty = xmlTextReaderIsEmptyElement(r);
    if (!strcmp(name, "abstractNum")) {
      cur_a = NULL;
      if (nb->na < MAX_ABS && !empty) {
        cur_a = &nb->a[nb->na++];
        cur_a->id = attr_int(r, "abstractNumId", -1);
        lvl_defaults(cur_a);
      }
    } else if (!strcmp(name, "num")) {
      cur_n = NULL;
      if (nb->nn < MAX_NUM && !empty) {
        cur_n = &nb->n[nb->nn++];
        cur_n->id = attr_int(r, "numId", -1);
        cur_n->abs_id = -1;
        for (int i = 0; i < LVLS; i++) cur_n->override[i] = -1, cur_n->applied[i] = 0;
      }
    } else if (!strcmp(name, "lvl") && cur_a) {
      int i = attr_int(r, "ilvl", -1);
      lvl = !empty && i >= 0 && i < LVLS ? i : -1;
    } else if (cur_a && lvl >= 0) {
      struct lvl *l = &cur_a->lvl[lvl];
      if (!strcmp(name, "start")) l->start = attr_int(r, "val", 1);
      if (!strcmp(name, "numFmt")) l->fmt = fmt_of(attr(r, "val", v, sizeof v));
      if (!strcmp(name, "suff")) l->suff_none = !strcmp(attr(r, "val", v, sizeof v), "nothing");
      if (!strcmp(name, "lvlText")) attr(r, "val", l->text, sizeof l->text);
    } else if (cur_n) {
      if (!strcmp(name, "abstractNumId")) cur_n->abs_id = attr_int(r, "val", -1);
      if (!strcmp(name, "lvlOverride")) {
        int i = attr_int(r, "ilvl", -1);
        ovl = !empty && i >= 0 && i < LVLS ? i : -1;
      }
      if (!strcmp(name, "startOverride") && ovl >= 0) cur_n->override[ovl] = attr_int(r, "val", 1);
    }
  }
  xmlFreeTextReader(r);
}

/* Reads the numbering of paragraph styles from styles.xml (BUF[LEN]) into NB. Best effort. */
static void load_styles(struct numbering *nb, const char *buf, size_t len)
{
  int dtd;
  xmlTextReaderPtr r = reader_open(buf, len, &dtd);
  if (!r) return;
  struct style *cur = NULL;
  while (reader_next(r) == 1) {
    int type = xmlTextReaderNodeType(r);
    if (!in_w(r)) continue;
    const char *name = (const char *)xmlTextReaderConstLocalName(r);
    if (type == XML_READER_TYPE_END_ELEMENT) {
      if (!strcmp(name, "style")) cur = NULL;
      continue;
    }
    if (type != XML_READER_TYPE_ELEMENT) continue;
    if (!strcmp(name, "style")) {
      cur = NULL;
      if (nb->ns < MAX_STYLE && !xmlTextReaderIsEmptyElement(r)) {
        cur = &nb->s[nb->ns++];
        attr(r, "styleId", cur->id, sizeof cur->id);
        cur->based[0] = '\0';
        cur->num_id = cur->ilvl = -1;
      }
    } else if (cur && !strcmp(name, "basedOn"))
      attr(r, "val", cur->based, sizeof cur->based);
    else if (cur && !strcmp(name, "numId"))
      cur->num_id = attr_int(r, "val", -1);
    else if (cur && !strcmp(name, "ilvl"))
      cur->ilvl = attr_int(r, "val", -1);
  }
  xmlFreeTextReader(r);
}

/* Appends the decimal digits of V using the code points DIGITS[10] (UTF-8 strings). */
static void put_digits(char *out, size_t cap, int v, const char *const digits[10])
{
  char d[16];
  snprintf(d, sizeof d, "%d", v);
  for (const char *p = d; *p; p++)
    if (*p >= '0' && *p <= '9') strncat(out, digits[*p - '0'], cap - strlen(out) - 1);
}

/* Writes V (1..9999) in Chinese counting: 一, 十, 十一, 二十, 一百零一, 一千零一十. LEGAL uses
 * the financial characters (壹拾, 壹佰) and keeps the 壹 before 拾. */
static void put_chinese(char *out, size_t cap, int v, int legal)
{
  static const char *const plain[10] = {"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"};
  static const char *const fin[10] = {"零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖"};
  static const char *const unit_plain[4] = {"", "十", "百", "千"};
  static const char *const unit_fin[4] = {"", "拾", "佰", "仟"};
  const char *const *dig = legal ? fin : plain;
  const char *const *unit = legal ? unit_fin : unit_plain;
  int d[4] = {v / 1000 % 10, v / 100 % 10, v / 10 % 10, v % 10};
  int started = 0, zero = 0;
  for (int i = 0; i < 4; i++) {
    int p = 3 - i, x = d[i];
    if (x == 0) {
      zero = started;
      continue;
    }
    if (zero) strncat(out, dig[0], cap - strlen(out) - 1);
    zero = 0;
    if (!(p == 1 && x == 1 && !started && !legal)) strncat(out, dig[x], cap - strlen(out) - 1);
    strncat(out, unit[p], cap - strlen(out) - 1);
    started = 1;
  }
}

/* Appends V formatted as FMT to OUT (CAP bytes, NUL-terminated). */
static void put_number(char *out, size_t cap, int v, enum fmt fmt)
{
  static const char *const ideo[10] = {"〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"};
  static const char *const full[10] = {"０", "１", "２", "３", "４", "５", "６", "７", "８", "９"};
  static const char *const trad[10] = {"甲", "乙", "丙", "丁", "戊", "己", "庚", "辛", "壬", "癸"};
  static const char *const zodiac[12] = {"子", "丑", "寅", "卯", "辰", "巳",
                                         "午", "未", "申", "酉", "戌", "亥"};
  size_t n = strlen(out);
  char *p = out + n;
  size_t room = cap - n;
  if (v < 1 && fmt != F_DECIMAL && fmt != F_DECIMAL_ZERO) fmt = F_DECIMAL;
  switch (fmt) {
  case F_DECIMAL_ZERO:
    snprintf(p, room, "%02d", v);
    return;
  case F_UPPER_ROMAN:
  case F_LOWER_ROMAN: {
    static const struct {
      int v;
      const char *s;
    } R[] = {{1000, "M"}, {900, "CM"}, {500, "D"}, {400, "CD"}, {100, "C"}, {90, "XC"}, {50, "L"},
             {40, "XL"},  {10, "X"},   {9, "IX"},  {5, "V"},    {4, "IV"},  {1, "I"}};
    if (v >= 4000) break;
    for (size_t i = 0; i < sizeof R / sizeof R[0]; i++)
      while (v >= R[i].v) {
        strncat(out, R[i].s, cap - strlen(out) - 1);
        v -= R[i].v;
      }
    if (fmt == F_LOWER_ROMAN)
      for (char *q = p; *q; q++) *q = (char)(*q - 'A' + 'a');
    return;
  }
  case F_UPPER_LETTER:
  case F_LOWER_LETTER: {
    /* Word's letters: A..Z, then AA..ZZ, AAA.. (the letter repeated). */
    int times = (v - 1) / 26 + 1;
    char c = (char)((fmt == F_UPPER_LETTER ? 'A' : 'a') + (v - 1) % 26);
    for (int i = 0; i < times && i < 8 && (size_t)i + 1 < room; i++) p[i] = c, p[i + 1] = '\0';
    return;
  }
  case F_CHINESE:
  case F_CHINESE_LEGAL:
    if (v >= 10000) break;
    put_chinese(out, cap, v, fmt == F_CHINESE_LEGAL);
    return;
  case F_IDEO_TRAD:
    strncat(out, trad[(v - 1) % 10], room - 1);
    return;
  case F_ZODIAC:
    strncat(out, zodiac[(v - 1) % 12], room - 1);
    return;
  case F_IDEO_DIGITAL:
    put_digits(out, cap, v, ideo);
    return;
  case F_FULLWIDTH:
    put_digits(out, cap, v, full);
    return;
  case F_CIRCLE:
    if (v > 20) break;
    /* U+2460 CIRCLED DIGIT ONE .. U+2473 CIRCLED NUMBER TWENTY */
    snprintf(p, room, "\xE2\x91%c", (char)(0xA0 + v - 1));
    return;
  default:
    break;
  }
  snprintf(p, room, "%d", v);
}

static struct num *find_num(struct numbering *nb, int id)
{
  struct num key = {.id = id};
  return nb->nn ? bsearch(&key, nb->n, nb->nn, sizeof *nb->n, num_cmp) : NULL;
}

static int abs_cmp(const void *a, const void *b)
{
  int x = ((const struct absnum *)a)->id, y = ((const struct absnum *)b)->id;
  return x < y ? -1 : x > y;
}

static struct absnum *find_abs(struct numbering *nb, int id)
{
  struct absnum key = {.id = id};
  return nb->na ? bsearch(&key, nb->a, nb->na, sizeof *nb->a, abs_cmp) : NULL;
}

/* Resolves the numbering of a paragraph with direct NUM_ID/ILVL (-1 = not given) and style
 * PSTYLE; on a numbered paragraph, counts and writes its marker to OUT (CAP bytes), else "". */
static void paragraph_marker(struct numbering *nb, int num_id, int ilvl, const char *pstyle,
                             char *out, size_t cap)
{
  out[0] = '\0';
  if (num_id < 0 && pstyle[0] && nb->ns) {
    struct style key, *s = NULL;
    snprintf(key.id, sizeof key.id, "%s", pstyle);
    for (int hop = 0; hop < 16; hop++) {
      s = bsearch(&key, nb->s, nb->ns, sizeof *nb->s, style_cmp);
      if (!s || s->num_id >= 0 || !s->based[0]) break;
      snprintf(key.id, sizeof key.id, "%s", s->based);
    }
    if (s && s->num_id >= 0) {
      num_id = s->num_id;
      if (ilvl < 0) ilvl = s->ilvl;
    }
  }
  if (num_id <= 0) return; /* numId 0 = numbering explicitly removed */
  if (ilvl < 0 || ilvl >= LVLS) ilvl = 0;
  struct num *n = find_num(nb, num_id);
  struct absnum *a = n ? find_abs(nb, n->abs_id) : NULL;
  if (!a) a = &nb->fallback;
  if (n && n->override[ilvl] >= 0 && !n->applied[ilvl]) {
    n->applied[ilvl] = 1;
    a->used[ilvl] = 1;
    a->counter[ilvl] = n->override[ilvl] - 1;
  }
  a->counter[ilvl] = a->used[ilvl] ? a->counter[ilvl] + 1 : a->lvl[ilvl].start;
  a->used[ilvl] = 1;
  for (int k = ilvl + 1; k < LVLS; k++) a->used[k] = 0;

  const struct lvl *l = &a->lvl[ilvl];
  if (l->fmt == F_NONE) return;
  if (l->fmt == F_BULLET) {
    /* Symbol-font bullets are private-use code points (U+E000..U+F8FF: EE..EF A3 in UTF-8
     * for U+F0xx); show a real bullet instead. */
    const unsigned char *t = (const unsigned char *)l->text;
    int pua = t[0] == 0xEE || (t[0] == 0xEF && t[1] < 0xA4);
    snprintf(out, cap, "%s", !t[0] || pua ? "•" : l->text);
  } else {
    for (const char *p = l->text; *p && strlen(out) + 1 < cap; p++) {
      if (p[0] == '%' && p[1] >= '1' && p[1] <= '9') {
        int k = p[1] - '1';
        put_number(out, cap, a->used[k] ? a->counter[k] : a->lvl[k].start,
                   k == ilvl ? l->fmt : a->lvl[k].fmt);
        p++;
      } else {
        size_t m = strlen(out);
        out[m] = *p;
        out[m + 1] = '\0';
      }
    }
  }
  /* A space after the marker, except after CJK punctuation (一、 （一） ．) which already
   * separates, and when the level says so. */
  size_t m = strlen(out);
  if (!m || l->suff_none) return;
  const unsigned char *e = (const unsigned char *)out + m;
  int cjk_punct = m >= 3 && ((e[-3] == 0xE3 && e[-2] == 0x80) ||                   /* U+3000.. */
                             (e[-3] == 0xEF && (e[-2] == 0xBC || e[-2] == 0xBD))); /* U+FF00.. */
  if (!cjk_punct && m + 1 < cap) strcat(out, " ");
}

/* ---- the document walk ---- */

struct walk {
  xmlTextReaderPtr r;      /* the reader over document.xml */
  struct sbuf *out;        /* the text */
  struct numbering *nb;    /* lists and styles */
  int skip;                /* depth of the element whose subtree is ignored, or -1 */
  int ppr;                 /* depth of the open w:pPr, or -1 */
  int in_t;                /* inside w:t */
  int para;                /* open paragraphs (text boxes nest them) */
  int tbl;                 /* open tables */
  int cells[MAX_TBL];      /* cells begun in the current row, per table level */
  int cell_paras[MAX_TBL]; /* paragraphs begun in the current cell, per table level */
  int num_id, ilvl;        /* the paragraph's direct numbering, -1 = none given */
  char pstyle[64];         /* the paragraph's style id */
};

/* Elements whose whole subtree carries no visible text of the document. */
static const char *const SKIPPED[] = {"del",     "moveFrom", "delText", "instrText", "delInstrText",
                                      "rPr",     "sdtPr",    "tblPr",   "trPr",      "tcPr",
                                      "tblGrid", "sectPr",   "fldData", "pPrChange", "rPrChange"};

static int level(const struct walk *w)
{
  return w->tbl <= 0 ? 0 : w->tbl > MAX_TBL ? MAX_TBL - 1 : w->tbl - 1;
}

/* A separator that must not break a table row: inside a table, a space instead. */
static void put_break(struct walk *w, const char *outside)
{
  sb_str(w->out, w->tbl > 0 ? " " : outside);
}

static void para_start(struct walk *w)
{
  if (++w->para > 1) return; /* a text box paragraph: inline */
  w->num_id = w->ilvl = -1;
  w->pstyle[0] = '\0';
  if (w->tbl > 0 && w->cell_paras[level(w)]++ > 0) sb_str(w->out, " ");
}

static void para_end(struct walk *w)
{
  if (w->para-- > 1)
    sb_str(w->out, " ");
  else if (w->tbl == 0)
    sb_str(w->out, "\n");
}

static void on_start(struct walk *w, const char *name, int empty, int depth)
{
  if (w->ppr >= 0) { /* inside the paragraph's properties: only numbering and style matter */
    if (!strcmp(name, "pPrChange") && !empty) w->skip = depth; /* the old, revised-away pPr */
    if (!strcmp(name, "pStyle")) attr(w->r, "val", w->pstyle, sizeof w->pstyle);
    if (!strcmp(name, "numId")) w->num_id = attr_int(w->r, "val", -1);
    if (!strcmp(name, "ilvl")) w->ilvl = attr_int(w->r, "val", -1);
    return;
  }
  for (size_t i = 0; i < sizeof SKIPPED / sizeof SKIPPED[0]; i++)
    if (!strcmp(name, SKIPPED[i])) {
      if (!empty) w->skip = depth;
      return;
    }
  if (!strcmp(name, "p")) {
    para_start(w);
    if (empty) para_end(w);
  } else if (!strcmp(name, "pPr")) {
    if (!empty) {
      if (w->para == 1)
        w->ppr = depth;
      else
        w->skip = depth; /* a pPr outside a paragraph, or of a text-box paragraph */
    }
  } else if (!strcmp(name, "t")) {
    w->in_t = !empty;
  } else if (!strcmp(name, "tab")) {
    put_break(w, "\t");
  } else if (!strcmp(name, "br") || !strcmp(name, "cr")) {
    put_break(w, "\n");
  } else if (!strcmp(name, "noBreakHyphen")) {
    sb_str(w->out, "-");
  } else if (!strcmp(name, "tbl")) {
    w->tbl++;
    w->cells[level(w)] = 0;
  } else if (!strcmp(name, "tr")) {
    w->cells[level(w)] = 0;
  } else if (!strcmp(name, "tc")) {
    int l = level(w);
    if (w->cells[l]++ > 0) sb_str(w->out, w->tbl == 1 ? "\t" : " ");
    w->cell_paras[l] = 0;
  }
}

static void on_end(struct walk *w, const char *name, int depth)
{
  if (w->ppr >= 0) {
    if (depth != w->ppr || strcmp(name, "pPr")) return;
    w->ppr = -1;
    char marker[256];
    paragraph_marker(w->nb, w->num_id, w->ilvl, w->pstyle, marker, sizeof marker);
    sb_str(w->out, marker);
    return;
  }
  if (!strcmp(name, "t"))
    w->in_t = 0;
  else if (!strcmp(name, "p") && w->para > 0)
    para_end(w);
  else if (!strcmp(name, "tr") && w->tbl > 0)
    sb_str(w->out, w->tbl == 1 ? "\n" : " ");
  else if (!strcmp(name, "tbl") && w->tbl > 0)
    w->tbl--;
}

/* Walks document.xml (BUF[LEN]) appending its text to OUT. Returns E_OK, E_BAD_FILE with
 * *DETAIL, or E_NOMEM. */
static int walk_document(const char *buf, size_t len, struct numbering *nb, struct sbuf *out,
                         const char **detail)
{
  int dtd, rc;
  struct walk w = {.out = out, .nb = nb, .skip = -1, .ppr = -1};
  w.r = reader_open(buf, len, &dtd);
  if (!w.r) {
    *detail = dtd ? BAD_DTD : "内存不足";
    return dtd ? E_BAD_FILE : E_NOMEM;
  }
  while ((rc = reader_next(w.r)) == 1 && !out->err) {
    int type = xmlTextReaderNodeType(w.r);
    int depth = xmlTextReaderDepth(w.r);
    if (w.skip >= 0) {
      if (type == XML_READER_TYPE_END_ELEMENT && depth == w.skip) w.skip = -1;
      continue;
    }
    if (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA ||
        type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE || type == XML_READER_TYPE_WHITESPACE) {
      if (w.in_t && w.ppr < 0) {
        const char *s = (const char *)xmlTextReaderConstValue(w.r);
        if (s) sb_str(out, s);
      }
      continue;
    }
    if (type != XML_READER_TYPE_ELEMENT && type != XML_READER_TYPE_END_ELEMENT) continue;
    const char *name = (const char *)xmlTextReaderConstLocalName(w.r);
    if (!in_w(w.r)) {
      /* Markup compatibility: keep the preferred mc:Choice, drop the mc:Fallback copy. */
      const char *ns = (const char *)xmlTextReaderConstNamespaceUri(w.r);
      if (type == XML_READER_TYPE_ELEMENT && ns && !strcmp(ns, MC_NS) &&
          !strcmp(name, "Fallback") && !xmlTextReaderIsEmptyElement(w.r))
        w.skip = depth;
      continue;
    }
    if (type == XML_READER_TYPE_ELEMENT) {
      on_start(&w, name, xmlTextReaderIsEmptyElement(w.r), depth);
    } else
      on_end(&w, name, depth);
  }
  xmlFreeTextReader(w.r);
  if (rc < 0) {
    *detail = rc == -2 ? BAD_DTD : BAD_XML;
    return E_BAD_FILE;
  }
  if (out->err) {
    *detail = out->err == E_BAD_FILE ? TOO_BIG : "内存不足";
    return out->err;
  }
  return E_OK;
}

int docx_extract(struct zipsafe *z, size_t cap, char **text, size_t *len, const char **detail)
{
  int rc;
  char *doc = NULL, *part = NULL;
  size_t doclen, partlen;
  const char *why = NULL;
  struct sbuf out = {.max = cap};
  struct numbering nb = {0};
  *text = NULL;
  *len = 0;
  rc = zipsafe_read_name(z, DOCX_MAIN, DOC_MAX, &doc, &doclen, &why);
  if (rc != E_OK) {
    if (rc == E_NOT_FOUND) rc = E_BAD_FILE;
    goto done;
  }
  rc = E_NOMEM;
  why = "内存不足";
  nb.a = malloc(MAX_ABS * sizeof *nb.a);
  nb.n = malloc(MAX_NUM * sizeof *nb.n);
  nb.s = malloc(MAX_STYLE * sizeof *nb.s);
  if (!nb.a || !nb.n || !nb.s) goto done;
  lvl_defaults(&nb.fallback);
  /* Optional parts: a missing, oversized or damaged one only costs list markers. */
  if (zipsafe_read_name(z, "word/numbering.xml", PART_MAX, &part, &partlen, NULL) == E_OK)
    load_numbering(&nb, part, partlen);
  free(part);
  part = NULL;
  if (zipsafe_read_name(z, "word/styles.xml", PART_MAX, &part, &partlen, NULL) == E_OK)
    load_styles(&nb, part, partlen);
  free(part);
  part = NULL;
  qsort(nb.a, nb.na, sizeof *nb.a, abs_cmp);
  qsort(nb.n, nb.nn, sizeof *nb.n, num_cmp);
  qsort(nb.s, nb.ns, sizeof *nb.s, style_cmp);

  rc = walk_document(doc, doclen, &nb, &out, &why);
  if (rc != E_OK) goto done;
  while (out.len > 0 &&
         (out.p[out.len - 1] == ' ' || out.p[out.len - 1] == '\t' || out.p[out.len - 1] == '\n'))
    out.len--;
  if (!out.p) {
    out.p = malloc(1);
    if (!out.p) {
      rc = E_NOMEM;
      why = "内存不足";
      goto done;
    }
  }
  out.p[out.len] = '\0';
  *text = out.p;
  *len = out.len;
  out.p = NULL;
  rc = E_OK;
done:
  free(doc);
  free(part);
  free(out.p);
  free(nb.a);
  free(nb.n);
  free(nb.s);
  if (detail) *detail = rc == E_OK ? NULL : why;
  return rc;
}
