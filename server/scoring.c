/*
 * scoring.c - totals and grades under a rubric's rules (see scoring.h).
 */
#include "scoring.h"

#include "buf.h"

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double round2(double x)
{
  return round(x * 100.0) / 100.0;
}

/* A number member KEY of O, or DEF. */
static double num(json_t *o, const char *key, double def)
{
  json_t *v = json_object_get(o, key);
  return json_is_number(v) ? json_number_value(v) : def;
}

/* 1 when the string array ARR holds S. */
static int has(json_t *arr, const char *s)
{
  size_t i;
  json_t *v;
  json_array_foreach(arr, i, v)
  {
    if (json_is_string(v) && !strcmp(json_string_value(v), s)) return 1;
  }
  return 0;
}

/* ---- the compiled rules (scoring_figures) ---- */

/* A bonus or deduction item with a code. */
struct special {
  const char *code; /* its code */
  int deduction;    /* 0 bonus, 1 deduction */
  double points;    /* points per claim or occurrence */
  double cap;       /* the item's cap, INFINITY = none */
  const char *area; /* the area code it is tied to, or NULL */
};

/* A veto item with a code. */
struct veto_item {
  const char *code;   /* its code */
  const char *effect; /* "grade:X" / "cap:X", or NULL (then it does nothing) */
};

struct scoring_rules {
  double total_points, bonus_cap, deduction_cap;
  int na_rescale;
  int nleaf, narea, nspecial, nveto, nband;
  double *leaf_max;        /* per leaf */
  const char **leaf_code;  /* per leaf, or NULL */
  json_t **leaf_applies;   /* per leaf: its "applies_to" (borrowed), or NULL */
  struct code_slot *codes; /* every code, sorted, for the *_index() lookups */
  int ncodes;
  int *area_first;        /* narea + 1: the leaves of area a are [area_first[a], area_first[a+1]) */
  const char **area_code; /* per area, or NULL */
  struct special *sp;     /* bonus items, then deduction items */
  int **area_ded;         /* per area: the deduction items tied to its code, ending with -1 */
  struct veto_item *veto; /* per veto item with a code */
  const char **band_name; /* per band (NULL when it has no name) */
  double *band_min;       /* per band */
  double *area_base;      /* scratch of scoring_figures(): per area, its leaves' base points */
};

/* A code and what it names in the compiled orders (-1: nothing of that sort). */
struct code_slot {
  const char *code;
  int leaf, bonus, deduction, veto;
};

/* Counts the leaves under N (N itself when it is a leaf), storing their maxima, codes and
 * "applies_to" in S from *I on (S NULL: only counts). */
static void compile_leaves(json_t *n, struct scoring_rules *s, int *i)
{
  json_t *children = json_object_get(n, "children");
  if (json_is_array(children)) {
    size_t k;
    json_t *c;
    json_array_foreach(children, k, c) compile_leaves(c, s, i);
    return;
  }
  if (s) {
    s->leaf_max[*i] = num(n, "max_points", 0);
    s->leaf_code[*i] = json_string_value(json_object_get(n, "code"));
    s->leaf_applies[*i] = json_object_get(n, "applies_to");
  }
  (*i)++;
}

static int slot_cmp(const void *a, const void *b)
{
  return strcmp(((const struct code_slot *)a)->code, ((const struct code_slot *)b)->code);
}

/* The slot of CODE in S's sorted codes, or NULL. */
static const struct code_slot *slot(const struct scoring_rules *s, const char *code)
{
  if (!code) return NULL;
  struct code_slot key = {.code = code};
  return bsearch(&key, s->codes, (size_t)s->ncodes, sizeof key, slot_cmp);
}

/* Adds CODE to S's codes, naming position I of the sort *FIELD points to in the slot. */
static void add_code(struct scoring_rules *s, const char *code, size_t field, int i)
{
  if (!code) return;
  struct code_slot *c = &s->codes[s->ncodes++];
  c->code = code;
  c->leaf = c->bonus = c->deduction = c->veto = -1;
  *(int *)((char *)c + field) = i;
}

/* Sorts S's codes and merges the slots of a code named more than once (a leaf and a special
 * item may share one; within a sort, rubric_validate keeps codes apart, and the first wins). */
static void sort_codes(struct scoring_rules *s)
{
  qsort(s->codes, (size_t)s->ncodes, sizeof *s->codes, slot_cmp);
  int n = 0;
  for (int i = 0; i < s->ncodes; i++) {
    if (n && !strcmp(s->codes[n - 1].code, s->codes[i].code)) {
      struct code_slot *d = &s->codes[n - 1], *x = &s->codes[i];
      if (d->leaf < 0) d->leaf = x->leaf;
      if (d->bonus < 0) d->bonus = x->bonus;
      if (d->deduction < 0) d->deduction = x->deduction;
      if (d->veto < 0) d->veto = x->veto;
    } else {
      s->codes[n++] = s->codes[i];
    }
  }
  s->ncodes = n;
}

void scoring_rules_free(struct scoring_rules *s)
{
  if (!s) return;
  for (int a = 0; s->area_ded && a < s->narea; a++) free(s->area_ded[a]);
  free(s->area_ded);
  free(s->leaf_max);
  free(s->leaf_code);
  free(s->leaf_applies);
  free(s->codes);
  free(s->area_first);
  free(s->area_code);
  free(s->sp);
  free(s->veto);
  free(s->band_name);
  free(s->band_min);
  free(s->area_base);
  free(s);
}

struct scoring_rules *scoring_compile(json_t *rubric, int *nleaf, int *ncount, int *nveto)
{
  struct scoring_rules *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  json_t *rules = json_object_get(rubric, "rules"), *areas = json_object_get(rubric, "areas"), *v;
  json_t *lists[2] = {json_object_get(rubric, "bonus"), json_object_get(rubric, "deduction")};
  json_t *bands = json_object_get(rubric, "grade_bands"), *vetoes = json_object_get(rubric, "veto");
  size_t i;
  s->total_points = num(rubric, "total_points", 100);
  s->bonus_cap = num(rules, "bonus_cap", INFINITY);
  s->deduction_cap = num(rules, "deduction_cap", INFINITY);
  s->na_rescale = !json_is_false(json_object_get(rules, "na_rescale"));
  s->narea = (int)json_array_size(areas);
  json_array_foreach(areas, i, v) compile_leaves(v, NULL, &s->nleaf);
  s->leaf_max = calloc((size_t)s->nleaf + 1, sizeof *s->leaf_max);
  s->leaf_code = calloc((size_t)s->nleaf + 1, sizeof *s->leaf_code);
  s->leaf_applies = calloc((size_t)s->nleaf + 1, sizeof *s->leaf_applies);
  s->codes = calloc((size_t)s->nleaf + json_array_size(lists[0]) + json_array_size(lists[1]) +
                        json_array_size(vetoes) + 1,
                    sizeof *s->codes);
  s->area_first = calloc((size_t)s->narea + 1, sizeof *s->area_first);
  s->area_code = calloc((size_t)s->narea + 1, sizeof *s->area_code);
  s->area_ded = calloc((size_t)s->narea + 1, sizeof *s->area_ded);
  s->area_base = calloc((size_t)s->narea + 1, sizeof *s->area_base);
  s->sp = calloc(json_array_size(lists[0]) + json_array_size(lists[1]) + 1, sizeof *s->sp);
  s->veto = calloc(json_array_size(vetoes) + 1, sizeof *s->veto);
  s->band_name = calloc(json_array_size(bands) + 1, sizeof *s->band_name);
  s->band_min = calloc(json_array_size(bands) + 1, sizeof *s->band_min);
  if (!s->leaf_max || !s->leaf_code || !s->leaf_applies || !s->codes || !s->area_first ||
      !s->area_code || !s->area_ded || !s->area_base || !s->sp || !s->veto || !s->band_name ||
      !s->band_min)
    goto nomem;
  int l = 0;
  json_array_foreach(areas, i, v)
  {
    s->area_first[i] = l;
    s->area_code[i] = json_string_value(json_object_get(v, "code"));
    compile_leaves(v, s, &l);
  }
  for (int k = 0; k < l; k++) add_code(s, s->leaf_code[k], offsetof(struct code_slot, leaf), k);
  s->area_first[s->narea] = l;
  /* Items without a code never count (their count reads as 0), so only coded ones are kept. */
  for (int d = 0; d < 2; d++) {
    json_array_foreach(lists[d], i, v)
    {
      if (!json_string_value(json_object_get(v, "code"))) continue;
      add_code(s, json_string_value(json_object_get(v, "code")),
               d ? offsetof(struct code_slot, deduction) : offsetof(struct code_slot, bonus),
               s->nspecial);
      struct special *sp = &s->sp[s->nspecial++];
      sp->code = json_string_value(json_object_get(v, "code"));
      sp->deduction = d;
      sp->points = num(v, "points", 0);
      sp->cap = num(v, "cap", INFINITY);
      sp->area = json_string_value(json_object_get(v, "area"));
    }
  }
  for (int a = 0; a < s->narea; a++) {
    if (!(s->area_ded[a] = malloc(((size_t)s->nspecial + 1) * sizeof **s->area_ded))) goto nomem;
    int n = 0;
    for (int k = 0; s->area_code[a] && k < s->nspecial; k++)
      if (s->sp[k].deduction && s->sp[k].area && !strcmp(s->sp[k].area, s->area_code[a]))
        s->area_ded[a][n++] = k;
    s->area_ded[a][n] = -1;
  }
  json_array_foreach(vetoes, i, v)
  {
    const char *code = json_string_value(json_object_get(v, "code"));
    if (!code) continue;
    add_code(s, code, offsetof(struct code_slot, veto), s->nveto);
    s->veto[s->nveto].code = code;
    s->veto[s->nveto++].effect = json_string_value(json_object_get(v, "effect"));
  }
  json_array_foreach(bands, i, v)
  {
    s->band_name[i] = json_string_value(json_object_get(v, "name"));
    s->band_min[i] = num(v, "min", 0);
  }
  s->nband = (int)json_array_size(bands);
  sort_codes(s);
  if (nleaf) *nleaf = s->nleaf;
  if (ncount) *ncount = s->nspecial;
  if (nveto) *nveto = s->nveto;
  return s;
nomem:
  scoring_rules_free(s);
  return NULL;
}

/* The sum over the bonus (DEDUCTION 0) or deduction items of S tied to area AREA (-1: the
 * items without an area) of min(points × count, cap), counts from COUNTS. Not floored: a
 * sheet's counts are whole numbers (sheets.c), and an aggregate of several sheets (results.c,
 * e.g. a mean of 1.5 occurrences) deducts proportionally. */
static double specials(const struct scoring_rules *s, int deduction, int area, const double *counts)
{
  double sum = 0;
  if (area >= 0) {
    for (const int *k = s->area_ded[area]; *k >= 0; k++) {
      const struct special *sp = &s->sp[*k];
      double c = counts[*k];
      if (c <= 0) continue;
      double v = sp->points * c;
      sum += v > sp->cap ? sp->cap : v;
    }
    return sum;
  }
  for (int k = 0; k < s->nspecial; k++) {
    const struct special *sp = &s->sp[k];
    if (sp->deduction != deduction || sp->area) continue;
    double c = counts[k];
    if (c <= 0) continue;
    double v = sp->points * c;
    sum += v > sp->cap ? sp->cap : v;
  }
  return sum;
}

/* 1 when veto item V is flagged in VETO (by its code: another item with the same code, in an
 * invalid rubric, flags it too). */
static int flagged(const struct scoring_rules *s, const unsigned char *veto, int v)
{
  if (veto[v]) return 1;
  for (int k = 0; k < s->nveto; k++)
    if (veto[k] && !strcmp(s->veto[k].code, s->veto[v].code)) return 1;
  return 0;
}

/* Appends S to T as a JSON string: quotes, backslashes and control characters escaped, the
 * rest (UTF-8 from the rubric and the sentences here) as it is. */
static void put_string(struct buf *t, const char *s)
{
  buf_put(t, "\"", 1);
  const char *run = s;
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    buf_put(t, run, (size_t)(s - run));
    /* jansson's forms: the short ones JSON has, else \u00XX */
    const char *esc = c == '"'    ? "\\\""
                      : c == '\\' ? "\\\\"
                      : c == '\b' ? "\\b"
                      : c == '\f' ? "\\f"
                      : c == '\n' ? "\\n"
                      : c == '\r' ? "\\r"
                      : c == '\t' ? "\\t"
                                  : NULL;
    char u[8];
    if (!esc) snprintf(u, sizeof u, "\\u%04X", c);
    buf_puts(t, esc ? esc : u);
    run = s + 1;
  }
  buf_put(t, run, (size_t)(s - run));
  buf_put(t, "\"", 1);
}

/* Appends X to T as jansson writes a real: "%.17g", with ".0" when that looks like an integer. */
static void put_real(struct buf *t, double x)
{
  char b[40];
  int n = snprintf(b, sizeof b, "%.17g", x);
  char *e = strchr(b, 'e');
  if (e) { /* jansson drops the exponent's '+' and leading zeros: 1e-05 → 1e-5 */
    char *d = e + 1, *from = d + (*d == '+' || *d == '-');
    if (*d == '-') d++;
    while (*from == '0' && from[1]) from++;
    memmove(d, from, strlen(from) + 1);
  } else if (n > 0 && !strpbrk(b, ".n")) { /* n: inf and nan, never here */
    memcpy(b + n, ".0", 3);
  }
  buf_puts(t, b);
}

/* Appends the sentence FMT… to STEPS (a JSON array's members, comma separated) when not NULL. */
__attribute__((format(printf, 2, 3))) static void step(struct buf *steps, const char *fmt, ...)
{
  if (!steps) return;
  char msg[300];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (steps->n) buf_put(steps, ",", 1);
  put_string(steps, msg);
}

/* AMOUNT (a bonus or deduction sum) rounded and held to the rubric's overall CAP, the step
 * explained in STEPS under LABEL ("加分" / "扣分"). */
static double overall(double amount, double cap, const char *label, struct buf *steps)
{
  amount = round2(amount);
  if (amount > cap)
    step(steps, "%s %g 分超过上限，按 %g 分计", label, amount, cap);
  else if (amount > 0)
    step(steps, "%s %g 分", label, amount);
  return amount > cap ? cap : amount;
}

/* The rules of scoring.h on IN under S into *OUT, the one implementation behind
 * scoring_figures(), scoring_explain() and scoring_total(). AREA_BASE: scratch of S->narea
 * doubles. With STEPS not NULL, each step is explained there and the codes of the leaves left
 * out are appended to EXCLUDED. */
static void apply(const struct scoring_rules *s, const struct scoring_in *in,
                  struct scoring_figures *out, double *area_base, struct buf *steps)
{
  double base = 0, max_all = 0, max_applicable = 0;
  int nout = 0;
  for (int a = 0; a < s->narea; a++) {
    double before = base;
    for (int l = s->area_first[a]; l < s->area_first[a + 1]; l++) {
      double max = s->leaf_max[l];
      max_all += max;
      if (in->out[l]) {
        nout++;
        continue;
      }
      max_applicable += max;
      double v = in->scores[l];
      base += v < 0 ? 0 : v > max ? max : v;
    }
    area_base[a] = base - before;
  }
  base = round2(base);
  step(steps, "各适用指标得分合计 %g 分（适用满分 %g 分）", base, max_applicable);
  double rescaled = base, factor = 1;
  if (max_applicable < max_all && s->na_rescale && max_applicable > 0) {
    factor = s->total_points / max_applicable;
    rescaled = round2(base * factor);
    step(steps, "有 %d 项指标不适用，按 %g ÷ %g × %g 折算为 %g 分", nout, base, max_applicable,
         s->total_points, rescaled);
  }
  double bonus = overall(specials(s, 0, -1, in->counts), s->bonus_cap, "加分", steps);
  /* Deductions tied to an area come off that area's score and stop at zero there (扣完为止);
   * then all deductions together are held to the rubric's overall cap. */
  double ded = specials(s, 1, -1, in->counts);
  for (int a = 0; a < s->narea; a++) {
    double amount = s->area_code[a] ? round2(specials(s, 1, a, in->counts)) : 0;
    double have = round2(area_base[a] * factor);
    if (amount > have) {
      step(steps, "一级指标 %s 扣分 %g 分超过其得分 %g 分，扣完为止，按 %g 分计", s->area_code[a],
           amount, have, have);
      amount = have;
    }
    ded += amount;
  }
  ded = overall(ded, s->deduction_cap, "扣分", steps);
  double total = round2(rescaled + bonus - ded);
  if (total < 0) {
    step(steps, "扣完为止：总分不低于 0 分");
    total = 0;
  }
  if (total > s->total_points) {
    step(steps, "总分不超过满分 %g 分", s->total_points);
    total = s->total_points;
  }
  /* Grade by band, then vetoes. */
  const char *grade = NULL, *vetoed_by = NULL;
  int gi = 0;
  for (int b = 0; b < s->nband; b++) {
    if (!grade && total + 1e-9 >= s->band_min[b]) {
      grade = s->band_name[b];
      gi = b;
    }
  }
  for (int v = 0; v < s->nveto; v++) {
    const char *effect = s->veto[v].effect;
    if (!effect || strlen(effect) < 4 || !flagged(s, in->veto, v)) continue;
    int force = !strncmp(effect, "grade:", 6);
    const char *band = effect + (force ? 6 : 4);
    for (int b = 0; b < s->nband; b++) {
      if (!s->band_name[b] || strcmp(s->band_name[b], band)) continue;
      if (force || !grade || b > gi) {
        step(steps, "一票否决项 %s：等次%s为%s", s->veto[v].code, force ? "定" : "最高", band);
        grade = s->band_name[b];
        gi = b;
        vetoed_by = s->veto[v].code;
      }
    }
  }
  step(steps, "总分 %g 分，等次：%s", total, grade ? grade : "（未设等次）");
  out->base = base;
  out->applicable_max = max_applicable;
  out->rescaled = rescaled;
  out->bonus = bonus;
  out->deduction = ded;
  out->total = total;
  out->grade = grade;
  out->vetoed_by = vetoed_by;
}

void scoring_figures(struct scoring_rules *s, const struct scoring_in *in,
                     struct scoring_figures *out)
{
  apply(s, in, out, s->area_base, NULL);
}

char *scoring_explain_text(const struct scoring_rules *s, const struct scoring_in *in, size_t *len)
{
  double *area_base = calloc((size_t)s->narea + 1, sizeof *area_base);
  struct buf steps = {0}, t = {0};
  struct scoring_figures f;
  if (area_base) apply(s, in, &f, area_base, &steps);
  free(area_base);
  if (!area_base || steps.oom) {
    free(steps.p);
    return NULL;
  }
  static const char *const names[] = {"{\"base\":",  ",\"applicable_max\":", ",\"rescaled\":",
                                      ",\"bonus\":", ",\"deduction\":",      ",\"total\":"};
  const double v[] = {f.base, f.applicable_max, f.rescaled, f.bonus, f.deduction, f.total};
  for (int i = 0; i < 6; i++) {
    buf_puts(&t, names[i]);
    put_real(&t, v[i]);
  }
  buf_puts(&t, ",\"grade\":");
  if (f.grade)
    put_string(&t, f.grade);
  else
    buf_puts(&t, "null");
  buf_puts(&t, ",\"vetoed_by\":");
  if (f.vetoed_by)
    put_string(&t, f.vetoed_by);
  else
    buf_puts(&t, "null");
  buf_puts(&t, ",\"excluded\":[");
  for (int l = 0, first = 1; l < s->nleaf; l++) {
    if (!in->out[l]) continue;
    if (!first) buf_put(&t, ",", 1);
    first = 0;
    put_string(&t, s->leaf_code[l] ? s->leaf_code[l] : "");
  }
  buf_puts(&t, "],\"steps\":[");
  if (steps.n) buf_put(&t, steps.p, steps.n);
  buf_puts(&t, "]}");
  free(steps.p);
  if (t.oom) {
    free(t.p);
    return NULL;
  }
  if (len) *len = t.n;
  return t.p;
}

json_t *scoring_explain(const struct scoring_rules *s, const struct scoring_in *in)
{
  char *text = scoring_explain_text(s, in, NULL);
  json_t *j = text ? json_loads(text, 0, NULL) : NULL;
  free(text);
  return j;
}

int scoring_leaf_index(const struct scoring_rules *s, const char *code)
{
  const struct code_slot *c = slot(s, code);
  return c ? c->leaf : -1;
}

int scoring_count_index(const struct scoring_rules *s, int deduction, const char *code)
{
  const struct code_slot *c = slot(s, code);
  return !c ? -1 : deduction ? c->deduction : c->bonus;
}

int scoring_veto_index(const struct scoring_rules *s, const char *code)
{
  const struct code_slot *c = slot(s, code);
  return c ? c->veto : -1;
}

void scoring_kind_out(const struct scoring_rules *s, const char *kind, unsigned char *out)
{
  for (int l = 0; kind && l < s->nleaf; l++) {
    json_t *ap = s->leaf_applies[l];
    if (json_is_array(ap) && !has(ap, kind)) out[l] = 1;
  }
}

json_t *scoring_total(json_t *rubric, json_t *sheet, const char *unit_kind)
{
  int nl = 0, nc = 0, nv = 0;
  struct scoring_rules *s = scoring_compile(rubric, &nl, &nc, &nv);
  double *scores = s ? calloc((size_t)nl + 1, sizeof *scores) : NULL;
  double *counts = s ? calloc((size_t)nc + 1, sizeof *counts) : NULL;
  unsigned char *out = s ? calloc((size_t)nl + 1, 1) : NULL;
  unsigned char *veto = s ? calloc((size_t)nv + 1, 1) : NULL;
  json_t *total = NULL;
  if (scores && counts && out && veto) {
    json_t *sc = json_object_get(sheet, "scores"), *na = json_object_get(sheet, "na");
    json_t *claims = json_object_get(sheet, "claims"), *occ = json_object_get(sheet, "occurrences");
    json_t *flags = json_object_get(sheet, "veto");
    scoring_kind_out(s, unit_kind, out);
    for (int l = 0; l < nl; l++) {
      scores[l] = num(sc, s->leaf_code[l], 0);
      if (has(na, s->leaf_code[l] ? s->leaf_code[l] : "")) out[l] = 1;
    }
    for (int k = 0; k < nc; k++)
      counts[k] = num(s->sp[k].deduction ? occ : claims, s->sp[k].code, 0);
    for (int v = 0; v < nv; v++) veto[v] = (unsigned char)has(flags, s->veto[v].code);
    struct scoring_in in = {scores, out, counts, veto};
    total = scoring_explain(s, &in);
  }
  free(scores);
  free(counts);
  free(out);
  free(veto);
  scoring_rules_free(s);
  return total;
}
