/*
 * revstats.c - reviewer statistics (completion, leniency, agreement per indicator, outliers):
 * the computation described in revstats.h.
 *
 * How it runs: the rubric's leaves go into an array and a hash table (code → index); the units'
 * and reviewers' names are interned in hash tables and ranked by strcmp; the sheets are sorted
 * by (unit, reviewer). Then one unit at a time: its sheets' counted scores go into a scratch
 * array sorted by (leaf, reviewer), and each cell (unit × leaf) is fed once into the per-leaf
 * agreement accumulators, the reviewers' leniency sums and the outlier heap. The one-way ANOVA
 * sums are accumulated group by group (Chan et al.'s pairwise update), so nothing needs a
 * second pass and no copy of all scores is kept.
 */
#include "revstats.h"

#include "err.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- small helpers ---- */

static _Thread_local char problem_buf[256];

/* Formats the problem sentence into the thread-local buffer; returns E_VALIDATION. */
static int invalid(const char **problem, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int invalid(const char **problem, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(problem_buf, sizeof problem_buf, fmt, ap);
  va_end(ap);
  if (problem) *problem = problem_buf;
  return E_VALIDATION;
}

/* X rounded to DIGITS decimals, half away from zero, never -0. */
static double round_to(double x, int digits)
{
  double f = digits == 2 ? 100.0 : 10000.0;
  double r = round(x * f) / f;
  return r == 0 ? 0 : r;
}

/* A JSON number rounded to DIGITS decimals, or null when OK is 0. NULL when out of memory. */
static json_t *num_or_null(int ok, double x, int digits)
{
  return ok ? json_real(round_to(x, digits)) : json_null();
}

/* ---- a string → index hash table (open addressing; keys borrowed from the JSON input) ---- */

struct strmap {
  const char **keys; /* NULL = empty slot */
  size_t *vals;      /* the index stored for each key */
  size_t cap;        /* slots, a power of two */
  size_t n;          /* keys stored */
};

/* FNV-1a hash of the string S. */
static uint64_t hash_str(const char *s)
{
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

/* Frees the table M and empties it. */
static void strmap_free(struct strmap *m)
{
  free(m->keys);
  free(m->vals);
  memset(m, 0, sizeof *m);
}

/* The slot of KEY in M (cap > 0), or the empty slot where it would go. */
static size_t strmap_slot(const struct strmap *m, const char *key)
{
  size_t i = (size_t)hash_str(key) & (m->cap - 1);
  while (m->keys[i] && strcmp(m->keys[i], key)) i = (i + 1) & (m->cap - 1);
  return i;
}

/* Doubles the slots of M. E_OK or E_NOMEM (M unchanged). */
static int strmap_grow(struct strmap *m)
{
  size_t cap = m->cap ? m->cap * 2 : 64;
  struct strmap g = {calloc(cap, sizeof *g.keys), malloc(cap * sizeof *g.vals), cap, 0};
  if (!g.keys || !g.vals) {
    strmap_free(&g);
    return E_NOMEM;
  }
  for (size_t i = 0; i < m->cap; i++)
    if (m->keys[i]) {
      size_t s = strmap_slot(&g, m->keys[i]);
      g.keys[s] = m->keys[i];
      g.vals[s] = m->vals[i];
    }
  g.n = m->n;
  strmap_free(m);
  *m = g;
  return E_OK;
}

/* The index of KEY, or (size_t)-1 when absent. */
static size_t strmap_get(const struct strmap *m, const char *key)
{
  if (!m->cap) return (size_t)-1;
  size_t s = strmap_slot(m, key);
  return m->keys[s] ? m->vals[s] : (size_t)-1;
}

/* Stores in *IDX the index of KEY, adding it with index m->n when new (*ADDED = 1). */
static int strmap_intern(struct strmap *m, const char *key, size_t *idx, int *added)
{
  if ((m->n + 1) * 2 > m->cap && strmap_grow(m)) return E_NOMEM;
  size_t s = strmap_slot(m, key);
  *added = !m->keys[s];
  if (*added) {
    m->keys[s] = key;
    m->vals[s] = m->n++;
  }
  *idx = m->vals[s];
  return E_OK;
}

/* ---- growable arrays ---- */

/* Returns in *P an array of at least N + 1 elements of SIZE bytes with the contents of OLD
 * (holding N; capacity *CAP, raised when it grows); P = OLD when there was room. E_NOMEM
 * leaves OLD as it was. */
static int grow_to(void *old, size_t *cap, size_t n, size_t size, void **p)
{
  *p = old;
  if (n < *cap) return E_OK;
  size_t c = *cap ? *cap * 2 : 16;
  if (!(*p = realloc(old, c * size))) return E_NOMEM;
  *cap = c;
  return E_OK;
}

/* ---- the one-way ANOVA accumulator behind ICC(1) ---- */

struct icc_acc {
  size_t k;      /* groups (units with ≥ 2 scores) */
  double n;      /* scores in them */
  double mean;   /* their grand mean so far */
  double ssb;    /* Σ m_i (ȳ_i − ȳ)², accumulated pairwise */
  double ssw;    /* Σ Σ (y_ij − ȳ_i)² */
  double summ2;  /* Σ m_i² */
  double lo, hi; /* the smallest and largest score (zero variance when equal) */
};

/* Adds the group of the M values V (M ≥ 2) to A. */
static void icc_add(struct icc_acc *a, const double *v, size_t m)
{
  double s = 0, w = 0;
  for (size_t i = 0; i < m; i++) s += v[i];
  double gm = s / (double)m;
  for (size_t i = 0; i < m; i++) {
    w += (v[i] - gm) * (v[i] - gm);
    if (!a->k && !i) a->lo = a->hi = v[i];
    if (v[i] < a->lo) a->lo = v[i];
    if (v[i] > a->hi) a->hi = v[i];
  }
  double dm = (double)m, d = gm - a->mean;
  a->ssb += d * d * a->n * dm / (a->n + dm);
  a->mean += d * dm / (a->n + dm);
  a->n += dm;
  a->ssw += w;
  a->summ2 += dm * dm;
  a->k++;
}

/* The ICC(1) of A into *ICC; returns 1, or 0 with *REASON when it cannot be computed. */
static int icc_value(const struct icc_acc *a, double *icc, const char **reason)
{
  if (a->k < 2) {
    *reason = "too_few_units";
    return 0;
  }
  if (a->lo == a->hi) {
    *reason = "no_variance";
    return 0;
  }
  double k = (double)a->k;
  double msb = a->ssb / (k - 1), msw = a->ssw / (a->n - k);
  double n0 = (a->n - a->summ2 / a->n) / (k - 1);
  double den = msb + (n0 - 1) * msw;
  if (!(den > 0)) {
    *reason = "no_variance";
    return 0;
  }
  *icc = (msb - msw) / den;
  if (*icc > 1) *icc = 1;
  return 1;
}

/* The label of an agreement value (after Koo & Li 2016) or of its absence. */
static const char *icc_label(int ok, double icc, const char *reason)
{
  if (!ok) return strcmp(reason, "too_few_units") ? "评分无差异" : "数据不足";
  icc = round_to(icc, 4);
  return icc >= 0.9 ? "很好" : icc >= 0.75 ? "良好" : icc >= 0.5 ? "一般" : "较差";
}

/* {"units","scores","icc","label","reason"} of A into the object O. */
static int icc_put(json_t *o, const struct icc_acc *a, double *icc, int *ok)
{
  const char *reason = NULL;
  *ok = icc_value(a, icc, &reason);
  if (json_object_set_new(o, "units", json_integer((json_int_t)a->k)) ||
      json_object_set_new(o, "scores", json_integer((json_int_t)a->n)) ||
      json_object_set_new(o, "icc", num_or_null(*ok, *icc, 4)) ||
      json_object_set_new(o, "label", json_string(icc_label(*ok, *icc, reason))) ||
      json_object_set_new(o, "reason", reason ? json_string(reason) : json_null()))
    return E_NOMEM;
  return E_OK;
}

/* ---- the computation's state ---- */

struct leaf {
  const char *code, *name; /* borrowed from the rubric; name may be NULL */
  double max;              /* max_points */
  struct icc_acc acc;      /* agreement over its cells */
};

struct reviewer {
  const char *login, *name;                           /* borrowed; name may be NULL */
  long assigned, not_started, in_progress, submitted; /* assignment rows by status */
  long recused;
  long scores;     /* counted scores */
  double sum_frac; /* Σ points / max over them */
  long n_len;      /* leniency comparisons */
  double sum_len;  /* Σ offsets (fractions of the maximum) */
};

struct sheet {
  size_t unit, reviewer; /* ranks (after sorting the names) */
  json_t *items;         /* borrowed */
};

struct score {
  size_t leaf, reviewer; /* leaf index, reviewer rank */
  double points;         /* clamped */
};

struct outlier {
  size_t unit, leaf, reviewer; /* unit rank, leaf index, reviewer rank */
  double points, median, frac; /* the score, the others' median, distance / max */
};

struct state {
  struct leaf *leaves; /* the rubric's leaves in rubric order */
  size_t nleaves, capleaves;
  struct strmap leafmap; /* leaf code → index */
  struct reviewer *revs; /* by rank after ranking */
  size_t nrevs, caprevs;
  struct strmap revmap; /* login → index before ranking */
  const char **units;   /* unit codes, by rank after ranking */
  size_t nunits, capunits;
  struct strmap unitmap; /* unit code → index before ranking */
  struct sheet *sheets;  /* by (unit, reviewer) after ranking */
  size_t nsheets;
  struct score *buf; /* one unit's scores */
  size_t nbuf, capbuf;
  double *vals;          /* one cell's values (scratch) */
  double *sorted;        /* the same, sorted (scratch) */
  size_t capvals;        /* room in vals and sorted */
  struct outlier *heap;  /* the best REVSTATS_OUTLIER_CAP outliers, worst at the root */
  size_t nheap;          /* how many it holds */
  long noutliers;        /* outliers found in all */
  struct icc_acc totals; /* agreement on the sheets' totals */
};

/* ---- reading the inputs ---- */

/* Adds the leaves under the nodes of the array LIST to S. */
static int read_nodes(struct state *s, json_t *list, const char *path, int depth,
                      const char **problem)
{
  if (!json_is_array(list)) return invalid(problem, "%s 应为数组", path);
  if (depth > 8) return invalid(problem, "%s 层级过深", path);
  size_t i;
  json_t *n;
  json_array_foreach(list, i, n)
  {
    char p[160];
    snprintf(p, sizeof p, "%s[%zu]", path, i);
    if (!json_is_object(n)) return invalid(problem, "%s 应为对象", p);
    json_t *ch = json_object_get(n, "children");
    if (json_is_array(ch) && json_array_size(ch)) {
      char cp[176];
      snprintf(cp, sizeof cp, "%s.children", p);
      int rc = read_nodes(s, ch, cp, depth + 1, problem);
      if (rc) return rc;
      continue;
    }
    const char *code = json_string_value(json_object_get(n, "code"));
    json_t *mx = json_object_get(n, "max_points");
    if (!code) return invalid(problem, "%s.code 应为字符串", p);
    if (!json_is_number(mx) || !(json_number_value(mx) > 0))
      return invalid(problem, "%s.max_points 应为大于 0 的数字", p);
    size_t idx;
    int added;
    if (strmap_intern(&s->leafmap, code, &idx, &added)) return E_NOMEM;
    if (!added) return invalid(problem, "指标编号 %s 重复", code);
    void *mem;
    if (grow_to(s->leaves, &s->capleaves, s->nleaves, sizeof *s->leaves, &mem)) return E_NOMEM;
    s->leaves = mem;
    s->leaves[s->nleaves++] = (struct leaf){
        code, json_string_value(json_object_get(n, "name")), json_number_value(mx), {0}};
  }
  return E_OK;
}

/* The index of reviewer LOGIN in S, added when new. */
static int intern_reviewer(struct state *s, const char *login, size_t *idx)
{
  int added;
  if (strmap_intern(&s->revmap, login, idx, &added)) return E_NOMEM;
  if (!added) return E_OK;
  void *mem;
  if (grow_to(s->revs, &s->caprevs, s->nrevs, sizeof *s->revs, &mem)) return E_NOMEM;
  s->revs = mem;
  s->revs[s->nrevs++] = (struct reviewer){.login = login};
  return E_OK;
}

/* Counts the assignment rows AS per reviewer. E_OK, E_VALIDATION or E_NOMEM. */
static int read_assignments(struct state *s, json_t *as, const char **problem)
{
  if (!json_is_array(as)) return invalid(problem, "assignments 应为数组");
  size_t i;
  json_t *a;
  json_array_foreach(as, i, a)
  {
    const char *login = json_string_value(json_object_get(a, "reviewer"));
    const char *status = json_string_value(json_object_get(a, "status"));
    json_t *name = json_object_get(a, "reviewer_name");
    if (!login) return invalid(problem, "assignments[%zu].reviewer 应为字符串", i);
    if (!json_is_string(json_object_get(a, "unit")))
      return invalid(problem, "assignments[%zu].unit 应为字符串", i);
    if (name && !json_is_null(name) && !json_is_string(name))
      return invalid(problem, "assignments[%zu].reviewer_name 应为字符串或 null", i);
    if (!status) return invalid(problem, "assignments[%zu].status 应为字符串", i);
    size_t r;
    if (intern_reviewer(s, login, &r)) return E_NOMEM;
    struct reviewer *v = &s->revs[r];
    if (!strcmp(status, "assigned"))
      v->not_started++;
    else if (!strcmp(status, "in_progress"))
      v->in_progress++;
    else if (!strcmp(status, "submitted"))
      v->submitted++;
    else if (!strcmp(status, "recused"))
      v->recused++;
    else
      return invalid(problem, "assignments[%zu].status 未知：%s", i, status);
    v->assigned++;
    if (!v->name) v->name = json_string_value(name);
  }
  return E_OK;
}

/* Interns the units and reviewers of the sheets SH and lists the sheets (items borrowed).
 * E_OK, E_VALIDATION or E_NOMEM. */
static int read_sheets(struct state *s, json_t *sh, const char **problem)
{
  if (!json_is_array(sh)) return invalid(problem, "sheets 应为数组");
  s->sheets = malloc((json_array_size(sh) + 1) * sizeof *s->sheets);
  if (!s->sheets) return E_NOMEM;
  size_t i;
  json_t *x;
  json_array_foreach(sh, i, x)
  {
    const char *unit = json_string_value(json_object_get(x, "unit"));
    const char *login = json_string_value(json_object_get(x, "reviewer"));
    json_t *items = json_object_get(x, "items");
    if (!unit) return invalid(problem, "sheets[%zu].unit 应为字符串", i);
    if (!login) return invalid(problem, "sheets[%zu].reviewer 应为字符串", i);
    if (!json_is_object(items)) return invalid(problem, "sheets[%zu].items 应为对象", i);
    size_t u, r;
    int added;
    if (strmap_intern(&s->unitmap, unit, &u, &added)) return E_NOMEM;
    if (added) {
      void *mem;
      if (grow_to(s->units, &s->capunits, s->nunits, sizeof *s->units, &mem)) return E_NOMEM;
      s->units = mem;
      s->units[s->nunits++] = unit;
    }
    if (intern_reviewer(s, login, &r)) return E_NOMEM;
    s->sheets[s->nsheets++] = (struct sheet){u, r, items};
  }
  return E_OK;
}

/* ---- ranking names so that every order is strcmp order ---- */

/* qsort orders: names by strcmp, sheets by (unit, reviewer) rank. */
static int cmp_str(const void *a, const void *b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_rev(const void *a, const void *b)
{
  return strcmp(((const struct reviewer *)a)->login, ((const struct reviewer *)b)->login);
}

static int cmp_sheet(const void *a, const void *b)
{
  const struct sheet *x = a, *y = b;
  if (x->unit != y->unit) return x->unit < y->unit ? -1 : 1;
  return x->reviewer < y->reviewer ? -1 : x->reviewer > y->reviewer;
}

/* Sorts units and reviewers by name and re-points the sheets at the ranks. */
static int rank(struct state *s, const char **problem)
{
  size_t *urank = malloc((s->nunits + 1) * sizeof *urank);
  size_t *rrank = malloc((s->nrevs + 1) * sizeof *rrank);
  if (!urank || !rrank) {
    free(urank);
    free(rrank);
    return E_NOMEM;
  }
  if (s->nunits > 1) qsort(s->units, s->nunits, sizeof *s->units, cmp_str);
  for (size_t i = 0; i < s->nunits; i++) urank[strmap_get(&s->unitmap, s->units[i])] = i;
  if (s->nrevs > 1) qsort(s->revs, s->nrevs, sizeof *s->revs, cmp_rev);
  for (size_t i = 0; i < s->nrevs; i++) rrank[strmap_get(&s->revmap, s->revs[i].login)] = i;
  for (size_t i = 0; i < s->nsheets; i++) {
    s->sheets[i].unit = urank[s->sheets[i].unit];
    s->sheets[i].reviewer = rrank[s->sheets[i].reviewer];
  }
  free(urank);
  free(rrank);
  if (s->nsheets > 1) qsort(s->sheets, s->nsheets, sizeof *s->sheets, cmp_sheet);
  for (size_t i = 1; i < s->nsheets; i++)
    if (!cmp_sheet(&s->sheets[i - 1], &s->sheets[i]))
      return invalid(problem, "单位 %s 的评审人 %s 有两张评分表", s->units[s->sheets[i].unit],
                     s->revs[s->sheets[i].reviewer].login);
  return E_OK;
}

/* ---- outliers: a bounded heap keeping the REVSTATS_OUTLIER_CAP farthest ---- */

/* 1 when outlier A comes before B in the output order. */
static int outlier_before(const struct outlier *a, const struct outlier *b)
{
  if (a->frac != b->frac) return a->frac > b->frac;
  if (a->unit != b->unit) return a->unit < b->unit;
  if (a->leaf != b->leaf) return a->leaf < b->leaf;
  return a->reviewer < b->reviewer;
}

static int cmp_outlier(const void *a, const void *b)
{
  return outlier_before(a, b) ? -1 : outlier_before(b, a) ? 1 : 0;
}

/* Restores the heap (the LAST in output order at the root) below position I. */
static void heap_down(struct outlier *h, size_t n, size_t i)
{
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, w = i;
    if (l < n && outlier_before(&h[w], &h[l])) w = l;
    if (r < n && outlier_before(&h[w], &h[r])) w = r;
    if (w == i) return;
    struct outlier t = h[i];
    h[i] = h[w];
    h[w] = t;
    i = w;
  }
}

/* Counts the outlier O and keeps it when it is among the REVSTATS_OUTLIER_CAP first. */
static void heap_offer(struct state *s, const struct outlier *o)
{
  s->noutliers++;
  if (s->nheap < REVSTATS_OUTLIER_CAP) {
    size_t i = s->nheap++;
    s->heap[i] = *o;
    while (i && outlier_before(&s->heap[(i - 1) / 2], &s->heap[i])) {
      struct outlier t = s->heap[i];
      s->heap[i] = s->heap[(i - 1) / 2];
      s->heap[(i - 1) / 2] = t;
      i = (i - 1) / 2;
    }
  } else if (outlier_before(o, &s->heap[0])) {
    s->heap[0] = *o;
    heap_down(s->heap, s->nheap, 0);
  }
}

/* ---- one unit at a time ---- */

/* qsort orders: a unit's scores by (leaf, reviewer); values ascending. */
static int cmp_score(const void *a, const void *b)
{
  const struct score *x = a, *y = b;
  if (x->leaf != y->leaf) return x->leaf < y->leaf ? -1 : 1;
  return x->reviewer < y->reviewer ? -1 : x->reviewer > y->reviewer;
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* The median of the sorted M values V without the one at position SKIP. */
static double median_without(const double *v, size_t m, size_t skip)
{
  size_t n = m - 1;
#define AT(p) v[(p) < skip ? (p) : (p) + 1]
  double med = n % 2 ? AT(n / 2) : (AT(n / 2 - 1) + AT(n / 2)) / 2;
#undef AT
  return med;
}

/* Feeds the cell of the M scores C (one leaf of unit U, by reviewer) into the statistics. */
static void cell(struct state *s, size_t u, const struct score *c, size_t m)
{
  struct leaf *lf = &s->leaves[c[0].leaf];
  double sum = 0;
  for (size_t i = 0; i < m; i++) {
    s->vals[i] = c[i].points;
    sum += c[i].points;
    struct reviewer *r = &s->revs[c[i].reviewer];
    r->scores++;
    r->sum_frac += c[i].points / lf->max;
  }
  if (m < 2) return;
  icc_add(&lf->acc, s->vals, m);
  for (size_t i = 0; i < m; i++) {
    struct reviewer *r = &s->revs[c[i].reviewer];
    double others = (sum - c[i].points) / (double)(m - 1);
    r->sum_len += (c[i].points - others) / lf->max;
    r->n_len++;
  }
  if (m < REVSTATS_OUTLIER_MIN_SCORES) return;
  memcpy(s->sorted, s->vals, m * sizeof *s->sorted);
  qsort(s->sorted, m, sizeof *s->sorted, cmp_double);
  double limit = REVSTATS_OUTLIER_LIMIT * lf->max - 1e-9 * lf->max;
  for (size_t i = 0; i < m; i++) {
    size_t pos = 0; /* a position of this value among the sorted ones */
    while (s->sorted[pos] != c[i].points) pos++;
    double med = median_without(s->sorted, m, pos), dist = fabs(c[i].points - med);
    if (dist >= limit)
      heap_offer(s,
                 &(struct outlier){u, c[i].leaf, c[i].reviewer, c[i].points, med, dist / lf->max});
  }
}

/* Processes the sheets FIRST .. LAST-1, all of one unit. */
static int unit(struct state *s, size_t first, size_t last, const char **problem)
{
  s->nbuf = 0;
  double rate[64], *rates = rate; /* the sheets' totals on a 100-point scale */
  size_t nrates = 0;
  if (last - first > sizeof rate / sizeof *rate &&
      !(rates = malloc((last - first) * sizeof *rates)))
    return E_NOMEM;
  int rc = E_OK;
  for (size_t i = first; i < last && !rc; i++) {
    const struct sheet *sh = &s->sheets[i];
    double pts = 0, max = 0;
    const char *code;
    json_t *it;
    json_object_foreach(sh->items, code, it)
    {
      size_t leaf = strmap_get(&s->leafmap, code);
      if (leaf == (size_t)-1) continue;
      if (!json_is_object(it)) {
        rc = invalid(problem, "单位 %s 评审人 %s 的 %s 应为对象", s->units[sh->unit],
                     s->revs[sh->reviewer].login, code);
        break;
      }
      json_t *na = json_object_get(it, "na"), *p = json_object_get(it, "points");
      if (json_is_true(na) || !p || json_is_null(p)) continue;
      if (!json_is_number(p)) {
        rc = invalid(problem, "单位 %s 评审人 %s 的 %s.points 应为数字或 null", s->units[sh->unit],
                     s->revs[sh->reviewer].login, code);
        break;
      }
      double v = json_number_value(p), mx = s->leaves[leaf].max;
      v = v < 0 ? 0 : v > mx ? mx : v;
      void *mem;
      if (grow_to(s->buf, &s->capbuf, s->nbuf, sizeof *s->buf, &mem)) {
        rc = E_NOMEM;
        break;
      }
      s->buf = mem;
      s->buf[s->nbuf++] = (struct score){leaf, sh->reviewer, v};
      pts += v;
      max += mx;
    }
    if (max > 0) rates[nrates++] = 100 * pts / max;
  }
  if (!rc && nrates >= 2) icc_add(&s->totals, rates, nrates);
  if (rates != rate) free(rates);
  if (rc) return rc;
  if (s->capvals < last - first) {
    free(s->vals);
    free(s->sorted);
    s->capvals = last - first;
    s->vals = malloc(s->capvals * sizeof *s->vals);
    s->sorted = malloc(s->capvals * sizeof *s->sorted);
    if (!s->vals || !s->sorted) return E_NOMEM;
  }
  if (s->nbuf > 1) qsort(s->buf, s->nbuf, sizeof *s->buf, cmp_score);
  for (size_t i = 0, j; i < s->nbuf; i = j) {
    for (j = i + 1; j < s->nbuf && s->buf[j].leaf == s->buf[i].leaf;) j++;
    cell(s, s->sheets[first].unit, &s->buf[i], j - i);
  }
  return E_OK;
}

/* ---- writing the output ---- */

/* Sets KEY of O to the integer V. */
static int put_int(json_t *o, const char *key, long v)
{
  return json_object_set_new(o, key, json_integer(v)) ? E_NOMEM : E_OK;
}

/* The counts and the completion of R into O. */
static int put_counts(json_t *o, const struct reviewer *r)
{
  long open = r->assigned - r->recused;
  if (put_int(o, "assigned", r->assigned) || put_int(o, "not_started", r->not_started) ||
      put_int(o, "in_progress", r->in_progress) || put_int(o, "submitted", r->submitted) ||
      put_int(o, "recused", r->recused) ||
      json_object_set_new(o, "completion",
                          num_or_null(open > 0, (double)r->submitted / (double)open, 4)))
    return E_NOMEM;
  return E_OK;
}

/* The output element of reviewer R; NULL when out of memory. */
static json_t *reviewer_json(const struct reviewer *r)
{
  json_t *o = json_object(), *len = json_object();
  if (!o || json_object_set_new(o, "leniency", len)) {
    json_decref(o);
    return NULL;
  }
  double f = r->n_len ? r->sum_len / (double)r->n_len : 0, fr = round_to(f, 4);
  const char *label = r->n_len < REVSTATS_LENIENCY_MIN_N       ? "样本不足"
                      : fr >= REVSTATS_LENIENCY_LIMIT - 1e-12  ? "偏松"
                      : fr <= -REVSTATS_LENIENCY_LIMIT + 1e-12 ? "偏严"
                                                               : "适中";
  if (json_object_set_new(o, "reviewer", json_string(r->login)) ||
      json_object_set_new(o, "reviewer_name", r->name ? json_string(r->name) : json_null()) ||
      put_counts(o, r) || put_int(o, "scores", r->scores) ||
      json_object_set_new(o, "mean_fraction",
                          num_or_null(r->scores > 0, r->sum_frac / (double)r->scores, 4)) ||
      put_int(len, "n", r->n_len) ||
      json_object_set_new(len, "fraction", num_or_null(r->n_len > 0, f, 4)) ||
      json_object_set_new(len, "per_100", num_or_null(r->n_len > 0, fr * 100, 2)) ||
      json_object_set_new(len, "label", json_string(label))) {
    json_decref(o);
    return NULL;
  }
  return o;
}

/* The output element of leaf LF, its ICC in *ICC when *OK; NULL when out of memory. */
static json_t *leaf_json(const struct leaf *lf, double *icc, int *ok)
{
  json_t *o = json_object();
  if (!o || json_object_set_new(o, "code", json_string(lf->code)) ||
      json_object_set_new(o, "name", lf->name ? json_string(lf->name) : json_null()) ||
      json_object_set_new(o, "max_points", json_real(lf->max)) || icc_put(o, &lf->acc, icc, ok)) {
    json_decref(o);
    return NULL;
  }
  return o;
}

/* The "outliers" member (sorts the heap); NULL when out of memory. */
static json_t *outliers_json(struct state *s)
{
  json_t *o = json_object(), *items = json_array();
  if (!o || json_object_set_new(o, "items", items) ||
      json_object_set_new(o, "total", json_integer(s->noutliers)) ||
      json_object_set_new(o, "truncated", json_boolean(s->noutliers > REVSTATS_OUTLIER_CAP))) {
    json_decref(o);
    return NULL;
  }
  if (s->nheap > 1) qsort(s->heap, s->nheap, sizeof *s->heap, cmp_outlier);
  for (size_t i = 0; i < s->nheap; i++) {
    const struct outlier *x = &s->heap[i];
    json_t *e =
        json_pack("{s:s, s:s, s:s, s:f, s:f, s:f, s:f}", "unit", s->units[x->unit], "leaf",
                  s->leaves[x->leaf].code, "reviewer", s->revs[x->reviewer].login, "points",
                  x->points, "others_median", x->median, "distance",
                  round_to(fabs(x->points - x->median), 2), "fraction", round_to(x->frac, 4));
    if (json_array_append_new(items, e)) {
      json_decref(o);
      return NULL;
    }
  }
  return o;
}

/* The "rules" member: the constants of revstats.h. */
static json_t *rules_json(void)
{
  return json_pack("{s:i, s:f, s:i, s:f, s:i}", "leniency_min_n", REVSTATS_LENIENCY_MIN_N,
                   "leniency_limit", REVSTATS_LENIENCY_LIMIT, "outlier_min_scores",
                   REVSTATS_OUTLIER_MIN_SCORES, "outlier_limit", REVSTATS_OUTLIER_LIMIT,
                   "outlier_cap", REVSTATS_OUTLIER_CAP);
}

/* The output object of S into *OUT. E_OK or E_NOMEM. json_object_set_new() takes its value
 * (also NULL or on failure), so each member is owned by O as soon as it is set. */
static int output(struct state *s, json_t **out)
{
  json_t *o = json_object(), *revs, *leaves, *all, *overall;
  if (!o || json_object_set_new(o, "method", json_string("ICC(1)")) ||
      json_object_set_new(o, "rules", rules_json()) ||
      json_object_set_new(o, "completion", all = json_object()) ||
      json_object_set_new(o, "reviewers", revs = json_array()) ||
      json_object_set_new(o, "indicators", leaves = json_array()) ||
      json_object_set_new(o, "overall", overall = json_object()))
    goto fail;
  struct reviewer sum = {0};
  for (size_t i = 0; i < s->nrevs; i++) {
    const struct reviewer *r = &s->revs[i];
    sum.assigned += r->assigned;
    sum.not_started += r->not_started;
    sum.in_progress += r->in_progress;
    sum.submitted += r->submitted;
    sum.recused += r->recused;
    if (json_array_append_new(revs, reviewer_json(r))) goto fail;
  }
  if (put_counts(all, &sum)) goto fail;
  double leaf_sum = 0, icc = 0;
  long nleaf = 0;
  int ok;
  for (size_t i = 0; i < s->nleaves; i++) {
    if (json_array_append_new(leaves, leaf_json(&s->leaves[i], &icc, &ok))) goto fail;
    if (ok) {
      leaf_sum += round_to(icc, 4);
      nleaf++;
    }
  }
  if (icc_put(overall, &s->totals, &icc, &ok) ||
      json_object_set_new(overall, "leaf_mean",
                          num_or_null(nleaf > 0, leaf_sum / (double)nleaf, 4)) ||
      put_int(overall, "leaves", nleaf) || json_object_set_new(o, "outliers", outliers_json(s)))
    goto fail;
  *out = o;
  return E_OK;
fail:
  json_decref(o);
  return E_NOMEM;
}

/* Frees what S owns (never the borrowed JSON). */
static void state_free(struct state *s)
{
  free(s->leaves);
  strmap_free(&s->leafmap);
  free(s->revs);
  strmap_free(&s->revmap);
  free(s->units);
  strmap_free(&s->unitmap);
  free(s->sheets);
  free(s->buf);
  free(s->vals);
  free(s->sorted);
  free(s->heap);
}

int revstats_compute(json_t *rubric, json_t *assignments, json_t *sheets, json_t **out,
                     const char **problem)
{
  struct state s = {0};
  *out = NULL;
  int rc;
  if (!json_is_object(rubric))
    rc = invalid(problem, "rubric 应为对象");
  else if (!(s.heap = malloc(REVSTATS_OUTLIER_CAP * sizeof *s.heap)))
    rc = E_NOMEM;
  else if (!(rc = read_nodes(&s, json_object_get(rubric, "areas"), "areas", 1, problem)) &&
           !(rc = read_assignments(&s, assignments, problem)) &&
           !(rc = read_sheets(&s, sheets, problem)) && !(rc = rank(&s, problem))) {
    for (size_t i = 0, j; i < s.nsheets && !rc; i = j) {
      for (j = i + 1; j < s.nsheets && s.sheets[j].unit == s.sheets[i].unit;) j++;
      rc = unit(&s, i, j, problem);
    }
    if (!rc) rc = output(&s, out);
  }
  state_free(&s);
  return rc;
}
