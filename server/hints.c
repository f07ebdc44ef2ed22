/*
 * hints.c - keyword passages and name masking in a report text (see hints.h).
 */
#include "hints.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- UTF-8 ---- */

static int is_cont(unsigned char b)
{
  return (b & 0xC0) == 0x80;
}

/* The code point at S (N bytes left) into *CP; returns its length in bytes (1 for a stray
 * byte, which then stands for itself). */
static size_t decode(const unsigned char *s, size_t n, uint32_t *cp)
{
  size_t k = s[0] < 0x80 ? 1 : s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC0 ? 2 : 1;
  if (k > n) k = 1;
  for (size_t i = 1; i < k; i++)
    if (!is_cont(s[i])) k = 1;
  if (k == 1) {
    *cp = s[0];
    return 1;
  }
  uint32_t v = s[0] & (0x7F >> k);
  for (size_t i = 1; i < k; i++) v = v << 6 | (s[i] & 0x3F);
  *cp = v;
  return k;
}

/* Code points in the N bytes at S. */
static size_t cps_of(const char *s, size_t n)
{
  size_t c = 0;
  for (size_t i = 0; i < n; i++) c += !is_cont((unsigned char)s[i]);
  return c;
}

static int in_set(uint32_t cp, const uint32_t *set)
{
  for (; *set; set++)
    if (*set == cp) return 1;
  return 0;
}

static const uint32_t blanks[] = {' ', '\t', '\r', '\f', '\v', 0x3000, 0xA0, 0xFEFF, 0};
/* Ends a sentence (where a long paragraph may be cut). */
static const uint32_t stops[] = {0x3002, 0xFF01, 0xFF1F, 0xFF1B, '!', '?', ';', 0};
/* Ends a line that does not run on into the next one. */
static const uint32_t ends[] = {0x3002, 0xFF01, 0xFF1F, 0xFF1B, 0xFF1A, '!',
                                '?',    ';',    ':',    0x2026, 0};
/* Closing marks that follow a sentence end. */
static const uint32_t closers[] = {0x201D, 0x2019, 0x300D, 0x300F, 0xFF09, ')', 0x3011, 0};
/* Clause marks, where a piece without sentence ends may be cut. */
static const uint32_t clauses[] = {0xFF0C, 0x3001, ',', 0};
static const uint32_t numerals[] = {0x4E00, 0x4E8C, 0x4E09, 0x56DB, 0x4E94, 0x516D, 0x4E03,
                                    0x516B, 0x4E5D, 0x5341, 0x767E, 0x96F6, 0};

/* ---- passages ---- */

/* A stretch of the text: bytes [b0, b1), code points [c0, c1). */
struct span {
  size_t b0, b1, c0, c1;
};

/* A growing array of spans. */
struct spans {
  struct span *a;
  size_t n, cap;
};

static int push(struct spans *v, struct span s)
{
  if (v->n == v->cap) {
    size_t cap = v->cap ? 2 * v->cap : 64;
    struct span *a = realloc(v->a, cap * sizeof *a);
    if (!a) return -1;
    v->a = a;
    v->cap = cap;
  }
  v->a[v->n++] = s;
  return 0;
}

/* The lines of T (N bytes), without line breaks and leading or trailing blanks; an empty
 * line has b0 == b1. */
static int split_lines(const char *t, size_t n, struct spans *out)
{
  const unsigned char *s = (const unsigned char *)t;
  size_t i = 0, c = 0;
  while (i <= n) {
    size_t b0 = i, c0 = c;
    while (i < n && s[i] != '\n') c += !is_cont(s[i++]);
    size_t b1 = i, c1 = c;
    /* trim: leading blanks forward, trailing blanks backward */
    for (;;) {
      uint32_t cp;
      if (b0 >= b1) break;
      size_t k = decode(s + b0, b1 - b0, &cp);
      if (!in_set(cp, blanks)) break;
      b0 += k;
      c0++;
    }
    while (b1 > b0) {
      size_t k = 1;
      while (k < b1 - b0 && is_cont(s[b1 - k])) k++;
      uint32_t cp;
      decode(s + b1 - k, k, &cp);
      if (!in_set(cp, blanks)) break;
      b1 -= k;
      c1--;
    }
    if (push(out, (struct span){b0, b1, c0, b1 > b0 ? c1 : c0})) return -1;
    if (i == n) break;
    i++; /* the line break */
    c++;
  }
  return 0;
}

/* The last code point of span L of T. */
static uint32_t last_cp(const char *t, const struct span *l, uint32_t *before)
{
  const unsigned char *s = (const unsigned char *)t;
  size_t e = l->b1, k = 1;
  while (k < e - l->b0 && is_cont(s[e - k])) k++;
  uint32_t cp, prev = 0;
  decode(s + e - k, k, &cp);
  if (e - k > l->b0) {
    size_t j = 1;
    while (j < e - k - l->b0 && is_cont(s[e - k - j])) j++;
    decode(s + e - k - j, j, &prev);
  }
  *before = prev;
  return cp;
}

/* 1 when line L of T ends a sentence (a closing quote counts after a sentence end). */
static int line_ends(const char *t, const struct span *l)
{
  uint32_t before, cp = last_cp(t, l, &before);
  return in_set(cp, ends) || (in_set(cp, closers) && in_set(before, stops));
}

/* 1 when line L of T starts a numbered item: 一、 （一） (1) 1. 1、 1． 第. */
static int starts_item(const char *t, const struct span *l)
{
  const unsigned char *s = (const unsigned char *)t + l->b0;
  size_t n = l->b1 - l->b0, i = 0;
  uint32_t cp;
  if (!n) return 0;
  i += decode(s, n, &cp);
  if (cp == 0x7B2C) return 1; /* 第 */
  int paren = cp == 0xFF08 || cp == '(';
  if (paren) {
    if (i >= n) return 0;
    i += decode(s + i, n - i, &cp);
  }
  int digits = cp >= '0' && cp <= '9', cjk = in_set(cp, numerals);
  if (!digits && !cjk) return 0;
  while (i < n) {
    i += decode(s + i, n - i, &cp);
    if ((digits && cp >= '0' && cp <= '9') || (cjk && in_set(cp, numerals))) continue;
    if (paren) return cp == 0xFF09 || cp == ')';
    return cp == 0x3001 || (digits && (cp == '.' || cp == 0xFF0E));
  }
  return 0;
}

static int cmp_size(const void *a, const void *b)
{
  size_t x = *(const size_t *)a, y = *(const size_t *)b;
  return x < y ? -1 : x > y;
}

/* Cuts paragraph P of T into pieces (see hints.h) appended to OUT. */
static int cut(const char *t, struct span p, struct spans *out)
{
  if (p.c1 - p.c0 <= HINTS_SPLIT) return push(out, p);
  const unsigned char *s = (const unsigned char *)t;
  struct span cur = {p.b0, p.b0, p.c0, p.c0};
  size_t i = p.b0, c = p.c0;
  while (i < p.b1) {
    uint32_t cp;
    i += decode(s + i, p.b1 - i, &cp);
    c++;
    size_t have = c - cur.c0;
    int end = (have >= HINTS_PIECE && in_set(cp, stops)) ||
              (have >= 4 * HINTS_PIECE && in_set(cp, clauses)) || have >= 8 * HINTS_PIECE;
    if (!end || i >= p.b1) continue;
    for (;;) { /* closing quotes stay with their sentence */
      uint32_t nx;
      size_t k = decode(s + i, p.b1 - i, &nx);
      if (!in_set(nx, closers)) break;
      i += k;
      c++;
      if (i >= p.b1) break;
    }
    cur.b1 = i;
    cur.c1 = c;
    if (push(out, cur)) return -1;
    /* the next piece starts after blanks and line breaks */
    while (i < p.b1) {
      uint32_t nx;
      size_t k = decode(s + i, p.b1 - i, &nx);
      if (nx != '\n' && !in_set(nx, blanks)) break;
      i += k;
      c++;
    }
    cur = (struct span){i, i, c, c};
  }
  if (cur.b0 < p.b1) {
    cur.b1 = p.b1;
    cur.c1 = p.c1;
    if (push(out, cur)) return -1;
  }
  return 0;
}

/* The passages of T (N bytes) into OUT, in text order. */
static int passages(const char *t, size_t n, struct spans *out)
{
  struct spans lines = {0};
  size_t *len = NULL;
  int rc = -1;
  if (split_lines(t, n, &lines)) goto done;
  /* The usual width of a long line: the 75th percentile of the non-empty lines' lengths. */
  size_t m = 0, wide = SIZE_MAX;
  if (!(len = malloc((lines.n + 1) * sizeof *len))) goto done;
  for (size_t i = 0; i < lines.n; i++)
    if (lines.a[i].c1 > lines.a[i].c0) len[m++] = lines.a[i].c1 - lines.a[i].c0;
  if (m >= 4) {
    qsort(len, m, sizeof *len, cmp_size);
    wide = len[m * 3 / 4] * 85 / 100;
    if (wide < 10) wide = 10;
  }
  for (size_t i = 0; i < lines.n; i++) {
    struct span p = lines.a[i];
    if (p.b1 == p.b0) continue;
    while (i + 1 < lines.n && lines.a[i].c1 - lines.a[i].c0 >= wide &&
           lines.a[i + 1].b1 > lines.a[i + 1].b0 && !line_ends(t, &lines.a[i]) &&
           !starts_item(t, &lines.a[i + 1])) {
      i++;
      p.b1 = lines.a[i].b1;
      p.c1 = lines.a[i].c1;
    }
    if (cut(t, p, out)) goto done;
  }
  rc = 0;
done:
  free(lines.a);
  free(len);
  return rc;
}

/* ---- keywords ---- */

#define NBUCKET 1024

/* One distinct keyword. */
struct kw {
  const char *s;  /* its bytes (borrowed from the leaves' JSON) */
  size_t len;     /* in bytes */
  size_t cps;     /* in code points */
  size_t next_ok; /* byte offset before which another hit would overlap the last one */
  int chain;      /* next keyword in the same bucket, or -1 */
  int first;      /* its first hit, or -1 */
  int last;       /* its last hit, or -1 */
};

/* One hit: a keyword at code point C, inside passage P. */
struct hit {
  size_t c, p;
  int next; /* the keyword's next hit, or -1 */
};

/* Every keyword of a call, hashed by their first (up to) 3 bytes. */
struct table {
  struct kw *kw;
  int n, cap;
  int head[3][NBUCKET]; /* by prefix length 1, 2, 3 */
  int has[3];           /* keywords with that prefix length exist */
  struct hit *hit;
  int nhit, caphit;
};

static unsigned bucket(const unsigned char *s, size_t l)
{
  unsigned h = 0;
  for (size_t i = 0; i < l; i++) h = h * 131 + s[i];
  return h % NBUCKET;
}

/* The index of keyword S (LEN bytes) in T, added when new; -1 when out of memory or full. */
static int kw_index(struct table *t, const char *s, size_t len)
{
  size_t l = len < 3 ? len : 3;
  unsigned b = bucket((const unsigned char *)s, l);
  for (int k = t->head[l - 1][b]; k >= 0; k = t->kw[k].chain)
    if (t->kw[k].len == len && !memcmp(t->kw[k].s, s, len)) return k;
  if (t->n >= HINTS_MAX_KEYWORDS) return -1;
  if (t->n == t->cap) {
    int cap = t->cap ? 2 * t->cap : 64;
    struct kw *a = realloc(t->kw, (size_t)cap * sizeof *a);
    if (!a) return -1;
    t->kw = a;
    t->cap = cap;
  }
  t->kw[t->n] = (struct kw){s, len, cps_of(s, len), 0, t->head[l - 1][b], -1, -1};
  t->head[l - 1][b] = t->n;
  t->has[l - 1] = 1;
  return t->n++;
}

static int add_hit(struct table *t, int k, size_t c, size_t p)
{
  if (t->nhit == t->caphit) {
    int cap = t->caphit ? 2 * t->caphit : 256;
    struct hit *a = realloc(t->hit, (size_t)cap * sizeof *a);
    if (!a) return -1;
    t->hit = a;
    t->caphit = cap;
  }
  t->hit[t->nhit] = (struct hit){c, p, -1};
  if (t->kw[k].last >= 0)
    t->hit[t->kw[k].last].next = t->nhit;
  else
    t->kw[k].first = t->nhit;
  t->kw[k].last = t->nhit++;
  return 0;
}

/* One pass over TEXT: every keyword's hits that lie inside a passage of P. */
static int scan(struct table *t, const char *text, size_t n, const struct spans *p)
{
  const unsigned char *s = (const unsigned char *)text;
  size_t c = 0, pi = 0;
  for (size_t i = 0; i < n; i++) {
    if (is_cont(s[i])) continue;
    while (pi < p->n && p->a[pi].c1 <= c) pi++;
    for (size_t l = 1; l <= 3 && l <= n - i; l++) {
      if (!t->has[l - 1]) continue;
      for (int k = t->head[l - 1][bucket(s + i, l)]; k >= 0; k = t->kw[k].chain) {
        struct kw *w = &t->kw[k];
        if (w->len > n - i || i < w->next_ok || memcmp(s + i, w->s, w->len)) continue;
        w->next_ok = i + w->len;
        if (pi < p->n && p->a[pi].c0 <= c && c + w->cps <= p->a[pi].c1 && add_hit(t, k, c, pi))
          return -1;
      }
    }
    c++;
  }
  return 0;
}

/* A hit of one leaf: keyword slot S (its place in the leaf's list) at [c, e) in passage p. */
struct lhit {
  size_t p, c, e;
  int s;
};

static int cmp_lhit(const void *a, const void *b)
{
  const struct lhit *x = a, *y = b;
  if (x->p != y->p) return x->p < y->p ? -1 : 1;
  if (x->c != y->c) return x->c < y->c ? -1 : 1;
  return x->s - y->s;
}

/* A passage of one leaf: its hits are lh[from .. from + n). */
struct group {
  size_t p, from, n;
  int distinct;
};

static int cmp_group(const void *a, const void *b)
{
  const struct group *x = a, *y = b;
  if (x->distinct != y->distinct) return y->distinct - x->distinct;
  return x->p < y->p ? -1 : x->p > y->p;
}

/* The ranked passages of one leaf whose keywords are SLOT[0..NS) (indexes into T). */
static json_t *leaf_passages(struct table *t, const struct spans *p, const int *slot, int ns,
                             size_t max)
{
  size_t nh = 0;
  for (int s = 0; s < ns; s++)
    for (int h = t->kw[slot[s]].first; h >= 0; h = t->hit[h].next) nh++;
  json_t *list = json_array();
  if (!list || !nh) return list;
  struct lhit *lh = malloc(nh * sizeof *lh);
  struct group *g = malloc(nh * sizeof *g);
  int *seen = calloc((size_t)ns, sizeof *seen);
  if (!lh || !g || !seen) {
    json_decref(list);
    list = NULL;
    goto done;
  }
  nh = 0;
  for (int s = 0; s < ns; s++)
    for (int h = t->kw[slot[s]].first; h >= 0; h = t->hit[h].next)
      lh[nh++] = (struct lhit){t->hit[h].p, t->hit[h].c, t->hit[h].c + t->kw[slot[s]].cps, s};
  qsort(lh, nh, sizeof *lh, cmp_lhit);
  size_t ng = 0;
  for (size_t i = 0; i < nh; i++) {
    if (!ng || g[ng - 1].p != lh[i].p) g[ng++] = (struct group){lh[i].p, i, 0, 0};
    struct group *cur = &g[ng - 1];
    cur->n++;
    if (seen[lh[i].s] != (int)ng) {
      seen[lh[i].s] = (int)ng;
      cur->distinct++;
    }
  }
  qsort(g, ng, sizeof *g, cmp_group);
  for (size_t i = 0; i < ng && i < max; i++) {
    json_t *kws = json_array(), *hits = json_array();
    int found[64] = {0}, *mark = ns <= 64 ? found : calloc((size_t)ns, sizeof *mark);
    if (!mark) {
      json_decref(kws);
      json_decref(hits);
      json_decref(list);
      list = NULL;
      goto done;
    }
    for (size_t j = g[i].from; j < g[i].from + g[i].n; j++) {
      mark[lh[j].s] = 1;
      json_array_append_new(hits, json_pack("[I,I]", (json_int_t)lh[j].c, (json_int_t)lh[j].e));
    }
    for (int s = 0; s < ns; s++)
      if (mark[s]) json_array_append_new(kws, json_stringn(t->kw[slot[s]].s, t->kw[slot[s]].len));
    if (mark != found) free(mark);
    const struct span *sp = &p->a[g[i].p];
    json_array_append_new(list, json_pack("{s:I,s:I,s:o,s:o}", "start", (json_int_t)sp->c0, "end",
                                          (json_int_t)sp->c1, "keywords", kws, "hits", hits));
  }
done:
  free(lh);
  free(g);
  free(seen);
  return list;
}

json_t *hints_find(const char *text, size_t len, json_t *leaves, size_t max)
{
  struct spans p = {0};
  struct table *t = calloc(1, sizeof *t);
  json_t *out = json_object();
  int *slots = NULL;
  size_t nslots = 0, cap = 0, nleaves = json_object_size(leaves), li = 0;
  size_t *offsets = calloc(nleaves + 1, sizeof *offsets); /* leaf i: slots[offsets[i] ..
                                                              offsets[i + 1]) */
  if (!t || !out || !offsets || passages(text, len, &p)) goto fail;
  memset(t->head, 0xFF, sizeof t->head); /* -1 */
  /* Every leaf's keywords as indexes into T, one leaf after another. */
  const char *code;
  json_t *kws;
  json_object_foreach(leaves, code, kws)
  {
    offsets[li] = nslots;
    size_t i;
    json_t *k;
    json_array_foreach(kws, i, k)
    {
      const char *s = json_string_value(k);
      size_t l = json_string_length(k);
      if (!s || !l || memchr(s, '\n', l) || memchr(s, '\r', l)) continue;
      int x = kw_index(t, s, l);
      if (x < 0) continue;
      int dup = 0;
      for (size_t j = offsets[li]; j < nslots && !dup; j++) dup = slots[j] == x;
      if (dup) continue;
      if (nslots == cap) {
        cap = cap ? 2 * cap : 256;
        int *a = realloc(slots, cap * sizeof *a);
        if (!a) goto fail;
        slots = a;
      }
      slots[nslots++] = x;
    }
    li++;
  }
  offsets[li] = nslots;
  if (scan(t, text, len, &p)) goto fail;
  li = 0;
  json_object_foreach(leaves, code, kws)
  {
    json_t *list = leaf_passages(t, &p, slots ? slots + offsets[li] : NULL,
                                 (int)(offsets[li + 1] - offsets[li]), max);
    li++;
    if (!list || json_object_set_new(out, code, list)) goto fail;
  }
  goto done;
fail:
  json_decref(out);
  out = NULL;
done:
  free(p.a);
  free(slots);
  free(offsets);
  if (t) {
    free(t->kw);
    free(t->hit);
  }
  free(t);
  return out;
}

/* ---- masking ---- */

static const char *const generic[] = {"管理委员会", "人民政府", "委员会", "办事处", NULL};

/* The length of the generic ending of S (N bytes), or 0. */
static size_t generic_end(const char *s, size_t n)
{
  for (int i = 0; generic[i]; i++) {
    size_t g = strlen(generic[i]);
    if (n >= g && !memcmp(s + n - g, generic[i], g)) return g;
  }
  return 0;
}

/* The byte offset just after the leading region of S (N bytes): the first 省, 市, 县 or 区
 * after at least one other character; 0 when none. */
static size_t region_end(const char *s, size_t n)
{
  static const uint32_t region[] = {0x7701, 0x5E02, 0x53BF, 0x533A, 0};
  const unsigned char *u = (const unsigned char *)s;
  size_t i = 0;
  int nth = 0;
  while (i < n) {
    uint32_t cp;
    i += decode(u + i, n - i, &cp);
    if (nth++ && in_set(cp, region)) return i;
  }
  return 0;
}

/* Adds S (N bytes) to ARR when it has at least MINCPS characters and is not there yet. */
static void add_name(json_t *arr, const char *s, size_t n, size_t mincps)
{
  if (cps_of(s, n) < mincps) return;
  size_t i;
  json_t *x;
  json_array_foreach(arr, i, x)
  {
    if (json_string_length(x) == n && !memcmp(json_string_value(x), s, n)) return;
  }
  json_array_append_new(arr, json_stringn(s, n));
}

/* Adds the short form of S (N bytes) without its leading region, unless only a generic ending
 * (or nothing) is left. */
static void add_without_region(json_t *arr, const char *s, size_t n)
{
  size_t r = region_end(s, n);
  if (!r || r >= n || generic_end(s + r, n - r) == n - r) return;
  add_name(arr, s + r, n - r, 3);
}

static int cmp_longer(const void *a, const void *b)
{
  size_t x = json_string_length(*(json_t *const *)a), y = json_string_length(*(json_t *const *)b);
  return x > y ? -1 : x < y;
}

json_t *hints_mask_names(json_t *names)
{
  json_t *out = json_array();
  if (!out) return NULL;
  size_t i;
  json_t *x;
  json_array_foreach(names, i, x)
  {
    const char *s = json_string_value(x);
    size_t n = json_string_length(x);
    if (!s || !n) continue;
    add_name(out, s, n, 2);
    size_t g = generic_end(s, n);
    if (g && g < n) {
      add_name(out, s, n - g, 3);
      add_without_region(out, s, n - g);
    }
    add_without_region(out, s, n);
  }
  /* longest first */
  size_t n = json_array_size(out);
  json_t **v = malloc((n + 1) * sizeof *v);
  if (!v) {
    json_decref(out);
    return NULL;
  }
  for (i = 0; i < n; i++) v[i] = json_incref(json_array_get(out, i));
  qsort(v, n, sizeof *v, cmp_longer);
  json_array_clear(out);
  for (i = 0; i < n; i++) json_array_append_new(out, v[i]);
  free(v);
  return out;
}

char *hints_mask(const char *text, size_t len, json_t *names, int edges, size_t *outlen)
{
  unsigned char *m = calloc(len + 1, 1);
  if (!m) return NULL;
  size_t i;
  json_t *x;
  json_array_foreach(names, i, x)
  {
    const char *s = json_string_value(x);
    size_t n = json_string_length(x);
    if (!s || !n) continue;
    for (const char *p = text; (p = memmem(p, len - (size_t)(p - text), s, n)); p++)
      memset(m + (p - text), 1, n);
    if (!edges) continue;
    /* a quote that starts inside the name (its end) or stops inside it (its start) */
    for (size_t k = 1; k < n; k++) {
      if (is_cont((unsigned char)s[k])) continue;
      if (cps_of(s + k, n - k) >= 2 && n - k <= len && !memcmp(text, s + k, n - k))
        memset(m, 1, n - k);
      if (cps_of(s, k) >= 2 && k <= len && !memcmp(text + len - k, s, k)) memset(m + len - k, 1, k);
    }
  }
  /* Each character goes whole: masked (as its first byte says) or copied. */
  const char star[] = "\xEF\xBC\x8A"; /* ＊ */
  size_t size = 0;
  for (i = 0; i < len;) {
    size_t k = 1;
    while (i + k < len && is_cont((unsigned char)text[i + k])) k++;
    size += m[i] ? 3 : k;
    i += k;
  }
  char *out = malloc(size + 1), *o = out;
  if (out) {
    for (i = 0; i < len;) {
      size_t k = 1;
      while (i + k < len && is_cont((unsigned char)text[i + k])) k++;
      memcpy(o, m[i] ? star : text + i, m[i] ? 3 : k);
      o += m[i] ? 3 : k;
      i += k;
    }
    *o = 0;
    *outlen = size;
  }
  free(m);
  return out;
}
