/*
 * results.c - a cycle's results from its submitted sheets (see results.h for the rules and
 * the output). Sheets arrive as JSON (results_add_sheet) or as rows (results_begin_sheet,
 * results_add_score, results_end_sheet), both into flat arrays (points, N/A marks, counts,
 * vetoes per sheet). The computation runs in passes: group the sheets by unit, decide each
 * leaf's N/A status, gather the reviewers' leniency moments, aggregate and total every unit
 * under every method (scoring_figures on the compiled rubric; scoring_total only for traces)
 * into flat per-unit arrays, free the sheets, rank and grade per method, and only then build
 * the output, each unit's object at once in its final member order, sharing repeated values.
 */
#include "results.h"

#include "aggregate.h"
#include "err.h"
#include "ranking.h"
#include "scoring.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local char rfield[200], rproblem[400];

/* Why a leaf is N/A for a unit (0 = it applies). */
enum { ST_APPLIES, ST_OFFICE, ST_KIND, ST_MAJORITY };
static const char *const st_name[] = {NULL, "office", "kind", "majority"};

/* A leaf of the rubric. */
struct leaf {
  const char *code, *name; /* from the rubric */
  double max;              /* max_points */
  int area;                /* index of its top-level area */
  json_t *applies_to;      /* unit kinds, or NULL/null = all */
  json_t *slot;            /* its score in the virtual sheet (borrowed from r->vs) */
};

/* A bonus or deduction item. */
struct item {
  const char *code; /* from the rubric */
  int deduction;    /* 0 bonus, 1 deduction */
  json_t *slot;     /* its count in the virtual sheet */
};

/* A unit of the cycle. */
struct unit {
  const char *code, *name, *kind; /* kind may be NULL */
  json_t *jcode, *jname, *jkind;  /* the same as JSON for the output (own references) */
  int first, nsheet;              /* its sheets: r->order[first .. first + nsheet) */
  int traced;                     /* 1 when its trace is built */
};

/* A reviewer seen in the sheets. */
struct reviewer {
  char *login;             /* owned */
  long sheets;             /* sheets submitted in the cycle */
  struct agg_moments mom;  /* fractions of their counted scores */
  double sd;               /* their sample sd (leaf_status) */
  enum agg_norm_mode mode; /* how the normalized method treats them */
};

struct results {
  json_t *rubric;      /* borrowed */
  int method;          /* official enum agg_method */
  double flag_share;   /* disagreement threshold */
  int trace_all;       /* options.trace = true */
  json_t *trace_list;  /* options.trace as an array, or NULL (borrowed) */
  json_t *overrides;   /* options.overrides, or NULL (borrowed) */
  double *ov;          /* nunit × nleaf: the override of a leaf's value, NAN = none; NULL when
                          there is no override at all */
  double total_points; /* rubric total_points */
  int na_rescale;      /* rules.na_rescale is not false */
  int nleaf, nitem, nveto, nband, narea;
  struct leaf *leaf;
  struct item *item;
  const char **veto; /* veto item codes */
  const char **band; /* band names, highest first */
  double *band_min;  /* their minimum totals */
  double *share;     /* quota per band, -1 = none */
  const char **area_code, **area_name;
  double *area_max;                                       /* sum of the area's leaves */
  json_t *leaf_ix, *item_ix, *veto_ix, *unit_ix, *rev_ix; /* code → index */
  int nunit;
  struct unit *unit;
  unsigned char *office; /* nunit × nleaf: 1 = the office marked it N/A */
  int nrev, caprev;
  struct reviewer *rev;
  int nsheet, capsheet;
  int *s_unit, *s_rev;          /* per sheet */
  double *s_pts;                /* nsheet × nleaf, NAN = not scored */
  unsigned char *s_na;          /* nsheet × nleaf, 1 = N/A */
  double *s_cnt;                /* nsheet × nitem */
  unsigned char *s_veto;        /* nsheet × nveto */
  int *order;                   /* sheets grouped by unit, reviewers by login (finish) */
  int open;                     /* 1 between results_begin_sheet() and results_end_sheet() */
  int open_unit;                /* the open sheet's unit */
  char *open_login;             /* and reviewer (owned) */
  json_t *vs, *vs_na, *vs_veto; /* the virtual sheet for scoring_total (traces only) */
  struct scoring_rules *rules;  /* the rubric compiled, for every other total */
  /* Values the output shares between its members instead of allocating each one again
   * (results.h: the output's scalars are read-only). */
  json_t **cent;            /* NCENT: json_real(k / 100.0), made when first needed */
  json_t **small;           /* nunit + 1: json_integer(k), made when first needed */
  json_t **jband, **jveto;  /* band names, veto codes */
  json_t **jleaf;           /* leaf codes */
  json_t *jok, *jno_sheets; /* "ok", "no_sheets" */
};

/* Cached numbers: 0.00 .. 1,000.00 in hundredths. */
#define NCENT 100001

/* A field path formatted into a thread-local buffer (valid until the next call). */
__attribute__((format(printf, 1, 2))) static const char *path(const char *fmt, ...)
{
  static _Thread_local char buf[200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return buf;
}

/* Stores the field path FLD and the Chinese sentence FMT (printf) for the caller and returns
 * E_VALIDATION. */
__attribute__((format(printf, 4, 5))) static int fail(const char **field, const char **problem,
                                                      const char *fld, const char *fmt, ...)
{
  va_list ap;
  snprintf(rfield, sizeof rfield, "%s", fld);
  va_start(ap, fmt);
  vsnprintf(rproblem, sizeof rproblem, fmt, ap);
  va_end(ap);
  if (field) *field = rfield;
  if (problem) *problem = rproblem;
  return E_VALIDATION;
}

static double num(json_t *o, const char *key, double def)
{
  json_t *v = json_object_get(o, key);
  return json_is_number(v) ? json_number_value(v) : def;
}

static const char *str(json_t *o, const char *key)
{
  return json_string_value(json_object_get(o, key));
}

/* The index stored under KEY in the index object IX, or -1. */
static int ix_get(json_t *ix, const char *key)
{
  json_t *v = key ? json_object_get(ix, key) : NULL;
  return v ? (int)json_integer_value(v) : -1;
}

static int ix_set(json_t *ix, const char *key, int i)
{
  return json_object_set_new(ix, key, json_integer(i)) ? E_NOMEM : E_OK;
}

static long long cents(double x)
{
  return llround(x * 100.0);
}

/* The string V for the output, shared (a new reference) when it is a string without NUL
 * bytes, else a new string of S (V's C string, as json_pack's "s" would copy it). NULL when out
 * of memory. */
static json_t *jstr(json_t *v, const char *s)
{
  if (json_is_string(v) && strlen(json_string_value(v)) == json_string_length(v))
    return json_incref(v);
  return json_stringn_nocheck(s, strlen(s));
}

/* ---- setting up: rubric, options, units ---- */

/* Adds the leaves under N (N itself when it is a leaf) of area A. */
static int walk_leaves(struct results *r, json_t *n, int a, const char **field,
                       const char **problem)
{
  json_t *children = json_object_get(n, "children");
  if (json_is_array(children)) {
    size_t i;
    json_t *c;
    json_array_foreach(children, i, c)
    {
      int rc = walk_leaves(r, c, a, field, problem);
      if (rc) return rc;
    }
    return E_OK;
  }
  const char *code = str(n, "code");
  if (!code || !json_is_number(json_object_get(n, "max_points")))
    return fail(field, problem, "rubric.areas", "评分细则中有指标缺少编号或分值");
  struct leaf *l = realloc(r->leaf, ((size_t)r->nleaf + 1) * sizeof *l);
  if (!l) return E_NOMEM;
  r->leaf = l;
  l = &r->leaf[r->nleaf];
  l->code = code;
  l->name = str(n, "name") ? str(n, "name") : code;
  l->max = num(n, "max_points", 0);
  l->area = a;
  l->applies_to = json_object_get(n, "applies_to");
  l->slot = json_real(0);
  if (!l->slot || json_object_set_new(json_object_get(r->vs, "scores"), code, l->slot))
    return E_NOMEM;
  r->area_max[a] += l->max;
  return ix_set(r->leaf_ix, code, r->nleaf++);
}

static int setup_rubric(struct results *r, const char **field, const char **problem)
{
  json_t *rb = r->rubric, *areas = json_object_get(rb, "areas"), *v;
  size_t i;
  r->total_points = num(rb, "total_points", 100);
  r->na_rescale = !json_is_false(json_object_get(json_object_get(rb, "rules"), "na_rescale"));
  r->narea = (int)json_array_size(areas);
  r->area_code = calloc((size_t)r->narea + 1, sizeof *r->area_code);
  r->area_name = calloc((size_t)r->narea + 1, sizeof *r->area_name);
  r->area_max = calloc((size_t)r->narea + 1, sizeof *r->area_max);
  if (!r->area_code || !r->area_name || !r->area_max) return E_NOMEM;
  json_array_foreach(areas, i, v)
  {
    r->area_code[i] = str(v, "code") ? str(v, "code") : "";
    r->area_name[i] = str(v, "name") ? str(v, "name") : r->area_code[i];
    int rc = walk_leaves(r, v, (int)i, field, problem);
    if (rc) return rc;
  }
  if (!r->nleaf) return fail(field, problem, "rubric.areas", "评分细则没有任何评分指标");
  /* Bonus, then deduction items; their counts sit in "claims" and "occurrences". */
  static const char *const lists[2] = {"bonus", "deduction"};
  static const char *const slots[2] = {"claims", "occurrences"};
  size_t total = json_array_size(json_object_get(rb, "bonus")) +
                 json_array_size(json_object_get(rb, "deduction"));
  r->item = calloc(total + 1, sizeof *r->item);
  if (!r->item) return E_NOMEM;
  for (int d = 0; d < 2; d++) {
    json_array_foreach(json_object_get(rb, lists[d]), i, v)
    {
      const char *code = str(v, "code");
      if (!code) continue;
      struct item *it = &r->item[r->nitem];
      it->code = code;
      it->deduction = d;
      it->slot = json_real(0);
      if (!it->slot || json_object_set_new(json_object_get(r->vs, slots[d]), code, it->slot) ||
          ix_set(r->item_ix, code, r->nitem++))
        return E_NOMEM;
    }
  }
  json_t *vetoes = json_object_get(rb, "veto");
  r->veto = calloc(json_array_size(vetoes) + 1, sizeof *r->veto);
  if (!r->veto) return E_NOMEM;
  json_array_foreach(vetoes, i, v)
  {
    if (!str(v, "code")) continue;
    r->veto[r->nveto] = str(v, "code");
    if (ix_set(r->veto_ix, r->veto[r->nveto], r->nveto)) return E_NOMEM;
    r->nveto++;
  }
  json_t *bands = json_object_get(rb, "grade_bands");
  r->band = calloc(json_array_size(bands) + 1, sizeof *r->band);
  r->band_min = calloc(json_array_size(bands) + 1, sizeof *r->band_min);
  r->share = calloc(json_array_size(bands) + 1, sizeof *r->share);
  if (!r->band || !r->band_min || !r->share) return E_NOMEM;
  json_array_foreach(bands, i, v)
  {
    if (!str(v, "name")) continue;
    r->band[r->nband] = str(v, "name");
    r->band_min[r->nband] = num(v, "min", 0);
    r->share[r->nband++] = -1;
  }
  return E_OK;
}

static int setup_options(struct results *r, json_t *options, const char **field,
                         const char **problem)
{
  r->method = AGG_MEAN;
  r->flag_share = 0.5;
  if (!options || json_is_null(options)) return E_OK;
  if (!json_is_object(options)) return fail(field, problem, "options", "选项必须是对象");
  const char *key;
  json_t *v;
  json_object_foreach(options, key, v)
  {
    if (!strcmp(key, "method")) {
      r->method = agg_method_parse(json_string_value(v));
      if (r->method < 0)
        return fail(field, problem, "method",
                    "不存在的汇总方法“%s”：可选 mean（平均）、median（中位数）、trimmed"
                    "（去掉一个最高分和一个最低分）、normalized（评审尺度校正）",
                    json_is_string(v) ? json_string_value(v) : "（非文字）");
    } else if (!strcmp(key, "flag_share")) {
      double x = json_number_value(v);
      if (!json_is_number(v) || !(x > 0 && x <= 1))
        return fail(field, problem, "options.flag_share",
                    "分歧提示阈值必须是大于 0、不超过 1 的比例（占该指标满分）");
      r->flag_share = x;
    } else if (!strcmp(key, "trace")) {
      if (json_is_array(v))
        r->trace_list = v;
      else if (json_is_boolean(v))
        r->trace_all = json_is_true(v);
      else
        return fail(field, problem, "options.trace", "trace 必须是 true 或单位代码列表");
    } else if (!strcmp(key, "overrides")) {
      if (!json_is_object(v) && !json_is_null(v))
        return fail(field, problem, "options.overrides",
                    "复核调整必须是对象：{单位代码: {指标编号: 分值}}");
      r->overrides = json_is_object(v) ? v : NULL;
    } else if (!strcmp(key, "quotas")) {
      if (!json_is_array(v)) return fail(field, problem, "quotas", "等次名额必须是列表");
      if (json_array_size(v) && !r->nband)
        return fail(field, problem, "quotas", "评分细则未设等次，不能设置等次名额");
      size_t i;
      json_t *q;
      json_array_foreach(v, i, q)
      {
        const char *g = str(q, "grade");
        int b = -1;
        for (int k = 0; g && k < r->nband; k++)
          if (!strcmp(r->band[k], g)) b = k;
        if (b < 0)
          return fail(field, problem, path("quotas[%zu].grade", i),
                      "等次名额中的等次“%s”不是评分细则的等次", g ? g : "（未填写）");
        if (b == r->nband - 1)
          return fail(field, problem, path("quotas[%zu].grade", i),
                      "最低等次“%s”不能设置名额上限：超出名额的单位无处可降", g);
        if (r->share[b] >= 0)
          return fail(field, problem, path("quotas[%zu].grade", i), "等次“%s”的名额重复设置", g);
        json_t *s = json_object_get(q, "max_share");
        double x = json_number_value(s);
        if (!json_is_number(s) || !(x >= 0 && x <= 1))
          return fail(field, problem, path("quotas[%zu].max_share", i),
                      "等次“%s”的名额比例必须是 0 到 1 之间的数（如 0.2 表示 20%%）", g);
        r->share[b] = x;
      }
    } else {
      return fail(field, problem, path("options.%s", key), "不认识的选项“%s”", key);
    }
  }
  return E_OK;
}

static int setup_units(struct results *r, json_t *units, json_t *office_na, const char **field,
                       const char **problem)
{
  if (!json_is_array(units)) return fail(field, problem, "units", "单位列表必须是数组");
  r->nunit = (int)json_array_size(units);
  r->unit = calloc((size_t)r->nunit + 1, sizeof *r->unit);
  r->office = calloc((size_t)r->nunit * (size_t)r->nleaf + 1, 1);
  if (!r->unit || !r->office) return E_NOMEM;
  size_t i;
  json_t *u;
  json_array_foreach(units, i, u)
  {
    const char *code = str(u, "code");
    if (!code || !*code)
      return fail(field, problem, path("units[%zu].code", i), "第 %zu 个单位缺少单位代码", i + 1);
    if (ix_get(r->unit_ix, code) >= 0)
      return fail(field, problem, path("units[%zu].code", i), "单位代码“%s”重复", code);
    struct unit *un = &r->unit[i];
    un->code = code;
    un->name = str(u, "name") ? str(u, "name") : code;
    un->kind = str(u, "kind");
    un->traced = r->trace_all;
    un->jcode = jstr(json_object_get(u, "code"), code);
    un->jname =
        str(u, "name") ? jstr(json_object_get(u, "name"), un->name) : json_incref(un->jcode);
    un->jkind = un->kind ? jstr(json_object_get(u, "kind"), un->kind) : json_null();
    if (!un->jcode || !un->jname || !un->jkind || ix_set(r->unit_ix, code, (int)i)) return E_NOMEM;
  }
  json_array_foreach(r->trace_list, i, u)
  {
    int k = ix_get(r->unit_ix, json_string_value(u));
    if (k < 0)
      return fail(field, problem, path("options.trace[%zu]", i), "trace 中的“%s”不是本周期的单位",
                  json_is_string(u) ? json_string_value(u) : "（非文字）");
    r->unit[k].traced = 1;
  }
  if (!office_na || json_is_null(office_na)) return E_OK;
  if (!json_is_object(office_na))
    return fail(field, problem, "office_na", "考核办不适用标记必须是对象");
  const char *key;
  json_t *list;
  json_object_foreach(office_na, key, list)
  {
    int k = ix_get(r->unit_ix, key);
    if (k < 0)
      return fail(field, problem, path("office_na.%s", key),
                  "不适用标记中的单位“%s”不是本周期的单位", key);
    if (!json_is_array(list))
      return fail(field, problem, path("office_na.%s", key), "单位“%s”的不适用指标必须是列表", key);
    json_array_foreach(list, i, u)
    {
      int l = ix_get(r->leaf_ix, json_string_value(u));
      if (l < 0)
        return fail(field, problem, path("office_na.%s[%zu]", key, i),
                    "单位“%s”的不适用标记“%s”不是评分指标", key,
                    json_is_string(u) ? json_string_value(u) : "（非文字）");
      r->office[(size_t)k * (size_t)r->nleaf + (size_t)l] = 1;
    }
  }
  return E_OK;
}

/* Reads options.overrides (r->overrides) into r->ov once units and leaves are known. */
static int setup_overrides(struct results *r, const char **field, const char **problem)
{
  size_t n = (size_t)r->nunit * (size_t)r->nleaf;
  if (!json_object_size(r->overrides)) return E_OK;
  r->ov = malloc((n + 1) * sizeof *r->ov);
  if (!r->ov) return E_NOMEM;
  for (size_t i = 0; i < n; i++) r->ov[i] = NAN;
  const char *unit, *leaf;
  json_t *list, *v;
  json_object_foreach(r->overrides, unit, list)
  {
    int u = ix_get(r->unit_ix, unit);
    if (u < 0)
      return fail(field, problem, path("options.overrides.%s", unit),
                  "复核调整中的单位“%s”不是本周期的单位", unit);
    if (!json_is_object(list))
      return fail(field, problem, path("options.overrides.%s", unit),
                  "单位“%s”的复核调整必须是对象：{指标编号: 分值}", unit);
    json_object_foreach(list, leaf, v)
    {
      int l = ix_get(r->leaf_ix, leaf);
      if (l < 0)
        return fail(field, problem, path("options.overrides.%s.%s", unit, leaf),
                    "复核调整中的“%s”不是评分指标", leaf);
      double x = json_number_value(v);
      if (!json_is_number(v) || !(x >= 0 && x <= r->leaf[l].max + 1e-9))
        return fail(field, problem, path("options.overrides.%s.%s", unit, leaf),
                    "单位“%s”指标 %s 的复核调整分值必须在 0 到 %g 之间", unit, leaf,
                    r->leaf[l].max);
      r->ov[(size_t)u * (size_t)r->nleaf + (size_t)l] = x;
    }
  }
  return E_OK;
}

/* Compiles the rubric's rules and makes the strings the output repeats. */
static int setup_output(struct results *r, const char **field, const char **problem)
{
  int nl = 0, nc = 0, nv = 0;
  if (!(r->rules = scoring_compile(r->rubric, &nl, &nc, &nv))) return E_NOMEM;
  /* Both walk the rubric alike (walk_leaves refuses what scoring could not read), so this
   * holds; checked because the arrays handed to scoring_figures() depend on it. */
  if (nl != r->nleaf || nc != r->nitem || nv != r->nveto)
    return fail(field, problem, "rubric", "评分细则的结构无法识别");
  r->cent = calloc(NCENT, sizeof *r->cent);
  r->small = calloc((size_t)r->nunit + 1, sizeof *r->small);
  r->jband = calloc((size_t)r->nband + 1, sizeof *r->jband);
  r->jveto = calloc((size_t)r->nveto + 1, sizeof *r->jveto);
  r->jleaf = calloc((size_t)r->nleaf + 1, sizeof *r->jleaf);
  r->jok = json_string("ok");
  r->jno_sheets = json_string("no_sheets");
  if (!r->cent || !r->small || !r->jband || !r->jveto || !r->jleaf || !r->jok || !r->jno_sheets)
    return E_NOMEM;
  for (int b = 0; b < r->nband; b++)
    if (!(r->jband[b] = json_stringn_nocheck(r->band[b], strlen(r->band[b])))) return E_NOMEM;
  for (int v = 0; v < r->nveto; v++)
    if (!(r->jveto[v] = json_stringn_nocheck(r->veto[v], strlen(r->veto[v])))) return E_NOMEM;
  for (int l = 0; l < r->nleaf; l++)
    if (!(r->jleaf[l] = json_stringn_nocheck(r->leaf[l].code, strlen(r->leaf[l].code))))
      return E_NOMEM;
  return E_OK;
}

int results_new(json_t *rubric, json_t *units, json_t *office_na, json_t *options,
                struct results **out, const char **field, const char **problem)
{
  struct results *r = calloc(1, sizeof *r);
  int rc = E_NOMEM;
  *out = NULL;
  if (!r) return E_NOMEM;
  r->rubric = rubric;
  r->leaf_ix = json_object();
  r->item_ix = json_object();
  r->veto_ix = json_object();
  r->unit_ix = json_object();
  r->rev_ix = json_object();
  r->vs = json_pack("{s:{},s:[],s:{},s:{},s:[]}", "scores", "na", "claims", "occurrences", "veto");
  if (!r->leaf_ix || !r->item_ix || !r->veto_ix || !r->unit_ix || !r->rev_ix || !r->vs) goto done;
  r->vs_na = json_object_get(r->vs, "na");
  r->vs_veto = json_object_get(r->vs, "veto");
  if (!json_is_object(rubric)) {
    rc = fail(field, problem, "rubric", "缺少评分细则");
    goto done;
  }
  if ((rc = setup_rubric(r, field, problem)) || (rc = setup_options(r, options, field, problem)) ||
      (rc = setup_units(r, units, office_na, field, problem)) ||
      (rc = setup_overrides(r, field, problem)) || (rc = setup_output(r, field, problem)))
    goto done;
  *out = r;
  return E_OK;
done:
  results_free(r);
  return rc;
}

void results_free(struct results *r)
{
  if (!r) return;
  for (int i = 0; i < r->nrev; i++) free(r->rev[i].login);
  free(r->rev);
  free(r->leaf);
  free(r->item);
  free(r->veto);
  free(r->band);
  free(r->band_min);
  free(r->share);
  free(r->area_code);
  free(r->area_name);
  free(r->area_max);
  for (int u = 0; r->unit && u < r->nunit; u++) {
    json_decref(r->unit[u].jcode);
    json_decref(r->unit[u].jname);
    json_decref(r->unit[u].jkind);
  }
  free(r->unit);
  free(r->office);
  free(r->open_login);
  scoring_rules_free(r->rules);
  for (int k = 0; r->cent && k < NCENT; k++) json_decref(r->cent[k]);
  free(r->cent);
  for (int k = 0; r->small && k <= r->nunit; k++) json_decref(r->small[k]);
  free(r->small);
  for (int b = 0; r->jband && b < r->nband; b++) json_decref(r->jband[b]);
  free(r->jband);
  for (int v = 0; r->jveto && v < r->nveto; v++) json_decref(r->jveto[v]);
  free(r->jveto);
  for (int l = 0; r->jleaf && l < r->nleaf; l++) json_decref(r->jleaf[l]);
  free(r->jleaf);
  json_decref(r->jok);
  json_decref(r->jno_sheets);
  free(r->ov);
  free(r->s_unit);
  free(r->s_rev);
  free(r->s_pts);
  free(r->s_na);
  free(r->s_cnt);
  free(r->s_veto);
  free(r->order);
  json_decref(r->leaf_ix);
  json_decref(r->item_ix);
  json_decref(r->veto_ix);
  json_decref(r->unit_ix);
  json_decref(r->rev_ix);
  json_decref(r->vs);
  free(r);
}

/* ---- adding sheets ---- */

/* Makes room for one more sheet. */
static int grow(struct results *r)
{
  if (r->nsheet < r->capsheet) return E_OK;
  size_t cap = r->capsheet ? (size_t)r->capsheet * 2 : 64, nl = (size_t)r->nleaf,
         ni = (size_t)r->nitem + 1, nv = (size_t)r->nveto + 1;
  void *p;
#define GROW(f, per)                                                                               \
  if (!(p = realloc(r->f, cap * (per) * sizeof *r->f))) return E_NOMEM;                            \
  r->f = p;
  GROW(s_unit, 1)
  GROW(s_rev, 1)
  GROW(s_pts, nl)
  GROW(s_na, nl)
  GROW(s_cnt, ni)
  GROW(s_veto, nv)
#undef GROW
  r->capsheet = (int)cap;
  return E_OK;
}

/* The index of reviewer LOGIN, added when new; -1 when out of memory. */
static int reviewer_of(struct results *r, const char *login)
{
  int k = ix_get(r->rev_ix, login);
  if (k >= 0) return k;
  if (r->nrev == r->caprev) {
    int cap = r->caprev ? r->caprev * 2 : 16;
    struct reviewer *p = realloc(r->rev, (size_t)cap * sizeof *p);
    if (!p) return -1;
    r->rev = p;
    r->caprev = cap;
  }
  struct reviewer *v = &r->rev[r->nrev];
  memset(v, 0, sizeof *v);
  if (!(v->login = strdup(login)) || ix_set(r->rev_ix, login, r->nrev)) {
    free(v->login);
    return -1;
  }
  return r->nrev++;
}

int results_item(struct results *r, const char *code)
{
  int k;
  if ((k = ix_get(r->leaf_ix, code)) >= 0) return k;
  if ((k = ix_get(r->item_ix, code)) >= 0) return r->nleaf + k;
  if ((k = ix_get(r->veto_ix, code)) >= 0) return r->nleaf + r->nitem + k;
  return -1;
}

/* The code of item K (results_item's numbering). */
static const char *item_code(struct results *r, int k)
{
  if (k < r->nleaf) return r->leaf[k].code;
  if (k < r->nleaf + r->nitem) return r->item[k - r->nleaf].code;
  return r->veto[k - r->nleaf - r->nitem];
}

/* Opens sheet r->nsheet of unit U by LOGIN: room made, every item unscored. */
static int open_sheet(struct results *r, int u, const char *login)
{
  if (grow(r)) return E_NOMEM;
  size_t l = strlen(login);
  char *copy = realloc(r->open_login, l + 1);
  if (!copy) return E_NOMEM;
  memcpy(copy, login, l + 1);
  r->open_login = copy;
  int s = r->nsheet;
  size_t nl = (size_t)r->nleaf, ni = (size_t)r->nitem + 1, nv = (size_t)r->nveto + 1;
  double *pts = r->s_pts + (size_t)s * nl;
  for (size_t k = 0; k < nl; k++) pts[k] = NAN;
  memset(r->s_na + (size_t)s * nl, 0, nl);
  memset(r->s_cnt + (size_t)s * ni, 0, ni * sizeof *r->s_cnt);
  memset(r->s_veto + (size_t)s * nv, 0, nv);
  r->open_unit = u;
  r->open = 1;
  return E_OK;
}

/* The problems of one item of the open sheet, with results_add_sheet's paths. */
static int bad_points(struct results *r, const char *code, int k, const char **field,
                      const char **problem)
{
  r->open = 0;
  return fail(field, problem, path("sheets[%d].items.%s.points", r->nsheet, code),
              "指标 %s 的得分必须在 0 到 %g 分之间", code, r->leaf[k].max);
}

static int bad_count(struct results *r, const char *code, const char **field, const char **problem)
{
  r->open = 0;
  return fail(field, problem, path("sheets[%d].items.%s.count", r->nsheet, code),
              "%s 项的次数必须是不小于 0 的数", code);
}

static int bad_code(struct results *r, const char *code, const char **field, const char **problem)
{
  r->open = 0;
  if (!code) code = "";
  return fail(field, problem, path("sheets[%d].items.%s", r->nsheet, code),
              "评分表中的“%s”不是评分细则的指标或项目", code);
}

/* Stores item K of the open sheet (checked already). */
static void put_item(struct results *r, int k, double points, int na, double count, int veto)
{
  size_t s = (size_t)r->nsheet;
  if (k < r->nleaf) {
    r->s_pts[s * (size_t)r->nleaf + (size_t)k] = points;
    r->s_na[s * (size_t)r->nleaf + (size_t)k] = (unsigned char)!!na;
  } else if (k < r->nleaf + r->nitem) {
    r->s_cnt[s * ((size_t)r->nitem + 1) + (size_t)(k - r->nleaf)] = isnan(count) ? 0 : count;
  } else {
    r->s_veto[s * ((size_t)r->nveto + 1) + (size_t)(k - r->nleaf - r->nitem)] =
        (unsigned char)!!veto;
  }
}

int results_begin_sheet(struct results *r, const char *unit, const char *reviewer,
                        const char **field, const char **problem)
{
  int u = ix_get(r->unit_ix, unit);
  r->open = 0;
  if (u < 0)
    return fail(field, problem, path("sheets[%d].unit", r->nsheet),
                "评分表的单位“%s”不是本周期的单位", unit ? unit : "（未填写）");
  if (!reviewer || !*reviewer)
    return fail(field, problem, path("sheets[%d].reviewer", r->nsheet), "评分表缺少评审人");
  return open_sheet(r, u, reviewer);
}

int results_add_score(struct results *r, int item, const char *code, double points, int na,
                      double count, int veto, const char **field, const char **problem)
{
  if (!r->open)
    return fail(field, problem, path("sheets[%d]", r->nsheet), "评分表尚未开始或已出错");
  if (item < 0 || item >= r->nleaf + r->nitem + r->nveto) return bad_code(r, code, field, problem);
  if (!code) code = item_code(r, item);
  if (item < r->nleaf && !isnan(points) && !(points >= 0 && points <= r->leaf[item].max))
    return bad_points(r, code, item, field, problem);
  if (item >= r->nleaf && item < r->nleaf + r->nitem && !isnan(count) && !(count >= 0))
    return bad_count(r, code, field, problem);
  put_item(r, item, points, na, count, veto);
  return E_OK;
}

int results_end_sheet(struct results *r, const char **field, const char **problem)
{
  if (!r->open)
    return fail(field, problem, path("sheets[%d]", r->nsheet), "评分表尚未开始或已出错");
  r->open = 0;
  int v = reviewer_of(r, r->open_login);
  if (v < 0) return E_NOMEM;
  int s = r->nsheet;
  r->s_unit[s] = r->open_unit;
  r->s_rev[s] = v;
  r->rev[v].sheets++;
  r->nsheet++;
  return E_OK;
}

int results_add_sheet(struct results *r, json_t *sheet, const char **field, const char **problem)
{
  int s = r->nsheet;
  const char *login = str(sheet, "reviewer");
  json_t *items = json_object_get(sheet, "items");
  int rc = results_begin_sheet(r, str(sheet, "unit"), login, field, problem);
  if (rc) return rc;
  if (items && !json_is_object(items)) {
    r->open = 0;
    return fail(field, problem, path("sheets[%d].items", s), "评分表的 items 必须是对象");
  }
  const char *code;
  json_t *it;
  json_object_foreach(items, code, it)
  {
    int k;
    if (!json_is_object(it)) {
      r->open = 0;
      return fail(field, problem, path("sheets[%d].items.%s", s, code), "指标 %s 的评分必须是对象",
                  code);
    }
    if ((k = results_item(r, code)) < 0) return bad_code(r, code, field, problem);
    if (k < r->nleaf) {
      json_t *p = json_object_get(it, "points"), *n = json_object_get(it, "na");
      double x = json_number_value(p);
      if (p && !json_is_null(p) && (!json_is_number(p) || !(x >= 0 && x <= r->leaf[k].max)))
        return bad_points(r, code, k, field, problem);
      if (n && !json_is_boolean(n)) {
        r->open = 0;
        return fail(field, problem, path("sheets[%d].items.%s.na", s, code),
                    "指标 %s 的不适用标记必须是布尔值", code);
      }
      put_item(r, k, json_is_number(p) ? x : NAN, json_is_true(n), NAN, 0);
    } else if (k < r->nleaf + r->nitem) {
      json_t *c = json_object_get(it, "count");
      double x = json_number_value(c);
      if (c && !json_is_null(c) && (!json_is_number(c) || !(x >= 0)))
        return bad_count(r, code, field, problem);
      put_item(r, k, NAN, 0, json_is_number(c) ? x : NAN, 0);
    } else {
      json_t *v = json_object_get(it, "veto");
      if (v && !json_is_boolean(v)) {
        r->open = 0;
        return fail(field, problem, path("sheets[%d].items.%s.veto", s, code),
                    "一票否决项 %s 的标记必须是布尔值", code);
      }
      put_item(r, k, NAN, 0, NAN, json_is_true(v));
    }
  }
  return results_end_sheet(r, field, problem);
}

/* ---- the computation ---- */

/* A flagged unit × leaf (a disagreement); min … sd rounded to 2 decimals. */
struct dis {
  int leaf, n;
  double min, max, range, sd;
};

/* Per-method results of every unit, what the output needs of each unit (built after ranking),
 * and scratch space for one unit. */
struct work {
  long long *cents[AGG_METHODS];    /* total in hundredths, per unit */
  int *band0[AGG_METHODS];          /* band from total and vetoes, -1 = none */
  int *band[AGG_METHODS];           /* after quotas */
  int *border[AGG_METHODS];         /* band missed at a border, -1 */
  int *rank[AGG_METHODS];           /* overall rank */
  unsigned char *tied[AGG_METHODS]; /* rank shared */
  int *rank_kind;                   /* official rank within kind */
  int *tie_n;                       /* official: units sharing the unit's total (itself included) */
  int *kind_n;                      /* official: ranked units of the unit's kind */
  unsigned char *tied_kind;
  int *vetoed;                  /* official vetoed_by: veto item index, -1 = none */
  unsigned char *lstat;         /* nunit × nleaf leaf status */
  double *val;                  /* nunit × nleaf: the official method's leaf values */
  double *area;                 /* nunit × narea: area scores (rounded), NAN = every leaf N/A */
  struct scoring_figures *fig;  /* per unit: the official method's figures */
  double *spread;               /* nunit × 2: sd and range of the per-reviewer totals (rounded) */
  json_t **trace;               /* per unit: its trace, or NULL */
  struct dis *dis;              /* disagreements: units in input order, leaves in rubric order */
  size_t ndis, capdis;          /* how many, room */
  size_t *dis_first;            /* nunit + 1: unit u's are dis[dis_first[u] .. dis_first[u + 1]) */
  double *mv[AGG_METHODS];      /* one unit's leaf values per method */
  double *cv[AGG_METHODS];      /* one unit's counts per method */
  double *vals, *adj, *scratch; /* per sheet of one unit */
  double *rtot;                 /* per sheet of one unit: the reviewer's total */
  int *who;                     /* sheet index of each value */
  double *sv;                   /* nleaf: one sheet's scores for scoring_figures() */
  unsigned char *out;           /* nleaf: the leaves left out of a total */
  unsigned char *vflag;         /* nveto + 1: the vetoes flagged by majority */
  double *apts, *amax;          /* narea: one unit's area sums */
  double mu, sigma;             /* pooled moments of fractions */
};

static int sheet_cmp(const void *a, const void *b, void *ctx)
{
  struct results *r = ctx;
  int x = *(const int *)a, y = *(const int *)b;
  if (r->s_unit[x] != r->s_unit[y]) return r->s_unit[x] < r->s_unit[y] ? -1 : 1;
  int c = strcmp(r->rev[r->s_rev[x]].login, r->rev[r->s_rev[y]].login);
  return c ? c : (x > y) - (x < y);
}

/* Groups the sheets by unit (reviewers by login); refuses a second sheet of a reviewer. */
static int group_sheets(struct results *r, const char **field, const char **problem)
{
  r->order = malloc(((size_t)r->nsheet + 1) * sizeof *r->order);
  if (!r->order) return E_NOMEM;
  for (int i = 0; i < r->nsheet; i++) r->order[i] = i;
  if (r->nsheet > 1) qsort_r(r->order, (size_t)r->nsheet, sizeof *r->order, sheet_cmp, r);
  for (int i = 0; i < r->nsheet; i++) {
    int s = r->order[i];
    struct unit *u = &r->unit[r->s_unit[s]];
    if (!u->nsheet) u->first = i;
    u->nsheet++;
    if (i && r->s_unit[r->order[i - 1]] == r->s_unit[s] &&
        r->s_rev[r->order[i - 1]] == r->s_rev[s]) {
      int later = r->order[i - 1] > s ? r->order[i - 1] : s;
      return fail(field, problem, path("sheets[%d].reviewer", later),
                  "评审人“%s”对单位“%s”提交了两份评分表", r->rev[r->s_rev[s]].login, u->code);
    }
  }
  return E_OK;
}

/* 1 when the string array ARR holds S. */
static int holds(json_t *arr, const char *s)
{
  size_t i;
  json_t *v;
  json_array_foreach(arr, i, v) if (json_is_string(v) && !strcmp(json_string_value(v), s)) return 1;
  return 0;
}

/* Decides every leaf's status per unit and gathers the leniency moments. */
static void leaf_status(struct results *r, struct work *w)
{
  size_t nl = (size_t)r->nleaf;
  struct agg_moments pool = {0, 0, 0};
  for (int u = 0; u < r->nunit; u++) {
    struct unit *un = &r->unit[u];
    unsigned char *st = w->lstat + (size_t)u * nl;
    for (size_t l = 0; l < nl; l++) {
      struct leaf *lf = &r->leaf[l];
      int votes = 0;
      for (int j = 0; j < un->nsheet; j++)
        votes += r->s_na[(size_t)r->order[un->first + j] * nl + l];
      if (r->office[(size_t)u * nl + l])
        st[l] = ST_OFFICE;
      else if (un->kind && json_is_array(lf->applies_to) && !holds(lf->applies_to, un->kind))
        st[l] = ST_KIND;
      else if (2 * votes > un->nsheet)
        st[l] = ST_MAJORITY;
      else
        st[l] = ST_APPLIES;
      if (st[l] != ST_APPLIES || lf->max <= 0) continue;
      for (int j = 0; j < un->nsheet; j++) {
        int s = r->order[un->first + j];
        double p = r->s_pts[(size_t)s * nl + l];
        if (r->s_na[(size_t)s * nl + l] || isnan(p)) continue;
        agg_moments_add(&r->rev[r->s_rev[s]].mom, p / lf->max);
        agg_moments_add(&pool, p / lf->max);
      }
    }
  }
  w->mu = pool.mean;
  w->sigma = agg_moments_sd(&pool);
  for (int v = 0; v < r->nrev; v++) {
    r->rev[v].sd = agg_moments_sd(&r->rev[v].mom);
    r->rev[v].mode = agg_norm_mode(r->rev[v].sheets, r->rev[v].sd);
  }
}

/* The normalized points of sheet S's score P on leaf L. */
static double adjusted(struct results *r, struct work *w, int s, int l, double p)
{
  struct reviewer *v = &r->rev[r->s_rev[s]];
  double max = r->leaf[l].max;
  if (max <= 0) return p;
  return max * agg_normalize(p / max, v->mode, v->mom.mean, v->sd, w->mu, w->sigma);
}

/* The band index of GRADE (a name), or -1. */
static int band_of(struct results *r, const char *grade)
{
  for (int b = 0; grade && b < r->nband; b++)
    if (!strcmp(r->band[b], grade)) return b;
  return -1;
}

static json_t *jnum(double x)
{
  return json_real(agg_round2(x));
}

/* X as a JSON real for the output: a shared one when X is k / 100 for k in 0 .. NCENT - 1 (the
 * rounded values nearly all are), else a new one. NULL when out of memory (or X not finite). */
static json_t *cnum(struct results *r, double x)
{
  double k = round(x * 100.0);
  if (k >= 0 && k < NCENT) {
    double y = k / 100.0;
    if (!memcmp(&x, &y, sizeof x)) { /* bit for bit, so -0.0 is not 0.0 */
      json_t **c = &r->cent[(int)k];
      if (!*c) *c = json_real(y);
      return json_incref(*c);
    }
  }
  return json_real(x);
}

/* I as a JSON integer: shared for 0 .. nunit, else new. NULL when out of memory. */
static json_t *cint(struct results *r, long long i)
{
  if (i >= 0 && i <= r->nunit) {
    json_t **c = &r->small[i];
    if (!*c) *c = json_integer((json_int_t)i);
    return json_incref(*c);
  }
  return json_integer((json_int_t)i);
}

/* A band's name, or NULL for -1. */
static const char *bname(struct results *r, int b)
{
  return b >= 0 && b < r->nband ? r->band[b] : NULL;
}

/* Band B's name as JSON (shared), or null for -1. */
static json_t *jband(struct results *r, int b)
{
  return b >= 0 && b < r->nband ? json_incref(r->jband[b]) : json_null();
}

/* Appends the codes of the leaves of unit U (the aggregate) that are N/A to the virtual sheet
 * (for scoring_total()'s steps in a trace). */
static int fill_na(struct results *r, struct work *w, int u)
{
  size_t nl = (size_t)r->nleaf;
  unsigned char *st = w->lstat + (size_t)u * nl;
  json_array_clear(r->vs_na);
  for (size_t l = 0; l < nl; l++)
    if (st[l] != ST_APPLIES && json_array_append_new(r->vs_na, json_string(r->leaf[l].code)))
      return E_NOMEM;
  return E_OK;
}

/* scoring_total() of unit U's aggregate under the official method, for its trace: the same
 * figures as scoring_figures() with every step explained. NULL when out of memory. */
static json_t *official_total(struct results *r, struct work *w, int u)
{
  int m = r->method;
  for (int l = 0; l < r->nleaf; l++) json_real_set(r->leaf[l].slot, w->mv[m][l]);
  for (int i = 0; i < r->nitem; i++) json_real_set(r->item[i].slot, w->cv[m][i]);
  json_array_clear(r->vs_veto);
  for (int i = 0; i < r->nveto; i++)
    if (w->vflag[i] && json_array_append_new(r->vs_veto, json_string(r->veto[i]))) return NULL;
  if (fill_na(r, w, u)) return NULL;
  return scoring_total(r->rubric, r->vs, r->unit[u].kind);
}

/* Records the disagreement on leaf L of the unit being computed. */
static int add_dis(struct work *w, int l, const struct agg_stats *a)
{
  if (w->ndis == w->capdis) {
    size_t cap = w->capdis ? w->capdis * 2 : 256;
    struct dis *p = realloc(w->dis, cap * sizeof *p);
    if (!p) return E_NOMEM;
    w->dis = p;
    w->capdis = cap;
  }
  struct dis *d = &w->dis[w->ndis++];
  d->leaf = l;
  d->n = a->n;
  d->min = agg_round2(a->min);
  d->max = agg_round2(a->max);
  d->range = agg_round2(a->max - a->min);
  d->sd = agg_round2(a->sd);
  return E_OK;
}

/* Aggregates and totals unit U (which has sheets) into W; builds its trace when asked for. */
static int do_unit(struct results *r, struct work *w, int u)
{
  struct unit *un = &r->unit[u];
  size_t nl = (size_t)r->nleaf, ni = (size_t)r->nitem + 1, nv = (size_t)r->nveto + 1;
  unsigned char *st = w->lstat + (size_t)u * nl;
  int k = un->nsheet, m0 = r->method, rc = E_NOMEM;
  json_t *tr = NULL, *tleaves = NULL, *tareas = NULL;
  if (un->traced) {
    tr = json_pack("{s:[],s:[],s:[],s:[]}", "leaves", "counts", "vetoes", "reviewers");
    if (!tr) goto done;
    tleaves = json_object_get(tr, "leaves");
  }
  /* Leaves. */
  for (size_t l = 0; l < nl; l++) {
    struct leaf *lf = &r->leaf[l];
    int n = 0, na_votes = 0;
    json_t *tscores = tr ? json_array() : NULL;
    /* An override (an upheld appeal) replaces the aggregate of a leaf that applies to the
     * unit's kind and was not set aside by the office; it also brings back a leaf the
     * majority of sheets marked N/A. */
    double ov = r->ov ? r->ov[(size_t)u * nl + l] : NAN;
    int has_ov = !isnan(ov) && st[l] != ST_OFFICE && st[l] != ST_KIND;
    if (has_ov) st[l] = ST_APPLIES;
    for (int j = 0; j < k; j++) {
      int s = r->order[un->first + j];
      double p = r->s_pts[(size_t)s * nl + l];
      int sna = r->s_na[(size_t)s * nl + l];
      na_votes += sna;
      int counted = st[l] == ST_APPLIES && !sna && !isnan(p);
      if (counted) {
        w->vals[n] = p;
        w->adj[n] = adjusted(r, w, s, (int)l, p);
        w->who[n++] = s;
      }
      if (tscores &&
          json_array_append_new(
              tscores, json_pack("{s:s,s:o,s:b,s:o}", "reviewer", r->rev[r->s_rev[s]].login,
                                 "points", isnan(p) ? json_null() : json_real(p), "na", sna,
                                 "adjusted", counted ? jnum(w->adj[n - 1]) : json_null())))
        goto done;
    }
    struct agg_stats a, an;
    agg_compute(w->vals, n, w->scratch, &a);
    agg_compute(w->adj, n, w->scratch, &an);
    w->mv[AGG_MEAN][l] = agg_round2(a.mean);
    w->mv[AGG_MEDIAN][l] = agg_round2(a.median);
    w->mv[AGG_TRIMMED][l] = agg_round2(a.trimmed);
    w->mv[AGG_NORMALIZED][l] = agg_round2(an.mean);
    double pre[AGG_METHODS]; /* the aggregates before an override */
    for (int m = 0; m < AGG_METHODS; m++) {
      pre[m] = w->mv[m][l];
      if (has_ov) w->mv[m][l] = agg_round2(ov);
    }
    w->val[(size_t)u * nl + l] = w->mv[m0][l];
    double range = a.max - a.min;
    int flag = st[l] == ST_APPLIES && n >= 2 && range >= r->flag_share * lf->max - 1e-9;
    if (flag && add_dis(w, (int)l, &a)) goto done;
    if (tr) {
      json_t *o = json_pack("{s:s,s:s,s:s?,s:i,s:o}", "code", lf->code, "status",
                            st[l] != ST_APPLIES ? "na"
                            : n || has_ov       ? "scored"
                                                : "unscored",
                            "na_reason", st_name[st[l]], "na_votes", na_votes, "scores", tscores);
      tscores = NULL;
      if (!o || json_array_append_new(tleaves, o)) goto done;
      if (st[l] == ST_APPLIES &&
          json_object_update_new(
              o, json_pack("{s:o,s:o,s:o,s:o,s:o,s:i,s:o,s:o,s:b}", "mean",
                           json_real(pre[AGG_MEAN]), "median", json_real(pre[AGG_MEDIAN]),
                           "trimmed", json_real(pre[AGG_TRIMMED]), "normalized",
                           json_real(pre[AGG_NORMALIZED]), "value", json_real(w->mv[m0][l]), "n", n,
                           "sd", jnum(a.sd), "range", jnum(range), "flag", flag)))
        goto done;
      if (has_ov && json_object_set_new(o, "override",
                                        json_pack("{s:o,s:o,s:s}", "points", jnum(ov), "replaced",
                                                  json_real(pre[m0]), "note", "复核调整")))
        goto done;
    }
    json_decref(tscores);
  }
  /* Bonus and deduction counts: every sheet counts, missing = 0. */
  for (size_t i = 0; i < (size_t)r->nitem; i++) {
    int any = 0;
    for (int j = 0; j < k; j++) {
      w->vals[j] = r->s_cnt[(size_t)r->order[un->first + j] * ni + i];
      any |= w->vals[j] != 0;
    }
    struct agg_stats a;
    agg_compute(w->vals, k, w->scratch, &a);
    w->cv[AGG_MEAN][i] = w->cv[AGG_NORMALIZED][i] = agg_round2(a.mean);
    w->cv[AGG_MEDIAN][i] = agg_round2(a.median);
    w->cv[AGG_TRIMMED][i] = agg_round2(a.trimmed);
    if (tr && any) {
      json_t *c = json_array();
      for (int j = 0; c && j < k; j++) json_array_append_new(c, json_real(w->vals[j]));
      if (json_array_append_new(json_object_get(tr, "counts"),
                                json_pack("{s:s,s:s,s:o,s:f,s:f,s:f,s:f}", "code", r->item[i].code,
                                          "type", r->item[i].deduction ? "deduction" : "bonus",
                                          "counts", c, "mean", w->cv[AGG_MEAN][i], "median",
                                          w->cv[AGG_MEDIAN][i], "trimmed", w->cv[AGG_TRIMMED][i],
                                          "value", w->cv[m0][i])))
        goto done;
    }
  }
  /* Vetoes by majority. */
  for (size_t i = 0; i < (size_t)r->nveto; i++) {
    int votes = 0;
    json_t *by = tr ? json_array() : NULL;
    for (int j = 0; j < k; j++) {
      int s = r->order[un->first + j];
      if (!r->s_veto[(size_t)s * nv + i]) continue;
      votes++;
      if (by) json_array_append_new(by, json_string(r->rev[r->s_rev[s]].login));
    }
    w->vflag[i] = 2 * votes > k;
    if (by && votes) {
      if (json_array_append_new(json_object_get(tr, "vetoes"),
                                json_pack("{s:s,s:i,s:i,s:b,s:o}", "code", r->veto[i], "votes",
                                          votes, "of", k, "flagged", 2 * votes > k, "by", by)))
        goto done;
    } else {
      json_decref(by);
    }
  }
  /* Totals per method on the aggregate. */
  for (size_t l = 0; l < nl; l++) w->out[l] = st[l] != ST_APPLIES;
  for (int m = 0; m < AGG_METHODS; m++) {
    struct scoring_in in = {w->mv[m], w->out, w->cv[m], w->vflag};
    struct scoring_figures f;
    scoring_figures(r->rules, &in, &f);
    w->cents[m][u] = cents(f.total);
    w->band0[m][u] = band_of(r, f.grade);
    if (m != m0) continue;
    w->fig[u] = f;
    w->vetoed[u] = ix_get(r->veto_ix, f.vetoed_by);
  }
  /* Per-reviewer totals: each sheet as submitted, with the office's N/A marks. */
  for (int j = 0; j < k; j++) {
    int s = r->order[un->first + j];
    for (size_t l = 0; l < nl; l++) {
      double p = r->s_pts[(size_t)s * nl + l];
      w->sv[l] = isnan(p) ? 0 : p;
      w->out[l] = st[l] == ST_OFFICE || st[l] == ST_KIND || r->s_na[(size_t)s * nl + l];
    }
    struct scoring_in in = {w->sv, w->out, r->s_cnt + (size_t)s * ni, r->s_veto + (size_t)s * nv};
    struct scoring_figures f;
    scoring_figures(r->rules, &in, &f);
    w->rtot[j] = f.total;
    if (tr &&
        json_array_append_new(json_object_get(tr, "reviewers"),
                              json_pack("{s:s,s:f,s:s?}", "reviewer", r->rev[r->s_rev[s]].login,
                                        "total", f.total, "grade", f.grade)))
      goto done;
  }
  struct agg_stats rs;
  agg_compute(w->rtot, k, w->scratch, &rs);
  w->spread[2 * (size_t)u] = agg_round2(rs.sd);
  w->spread[2 * (size_t)u + 1] = agg_round2(rs.max - rs.min);
  /* Area scores (official method) with the rescaling factor scoring.c applies. */
  double app = 0, all = 0, factor = 1;
  memset(w->apts, 0, ((size_t)r->narea + 1) * sizeof *w->apts);
  memset(w->amax, 0, ((size_t)r->narea + 1) * sizeof *w->amax);
  for (size_t l = 0; l < nl; l++) {
    all += r->leaf[l].max;
    if (st[l] != ST_APPLIES) continue;
    app += r->leaf[l].max;
    w->apts[r->leaf[l].area] += w->mv[m0][l];
    w->amax[r->leaf[l].area] += r->leaf[l].max;
  }
  if (app < all && r->na_rescale && app > 0) factor = r->total_points / app;
  if (tr && !(tareas = json_array())) goto done;
  for (int a = 0; a < r->narea; a++) {
    double score = w->amax[a] > 0 ? agg_round2(w->apts[a] * factor) : NAN;
    w->area[(size_t)u * (size_t)r->narea + (size_t)a] = score;
    if (tareas && json_array_append_new(
                      tareas, json_pack("{s:s,s:o,s:o,s:o}", "code", r->area_code[a], "points",
                                        jnum(w->apts[a]), "max", jnum(w->amax[a]), "score",
                                        isnan(score) ? json_null() : json_real(score))))
      goto done;
  }
  if (tr) {
    json_t *official = official_total(r, w, u);
    if (!official || json_object_set_new(tr, "scoring", official) ||
        json_object_set_new(tr, "areas", tareas))
      goto done;
    tareas = NULL;
    w->trace[u] = tr;
    tr = NULL;
  }
  rc = E_OK;
done:
  json_decref(tr);
  json_decref(tareas);
  return rc;
}

/* Ranking by kind: kind (NULL first), then total descending, then code. */
static int kind_cmp(const void *a, const void *b, void *ctx)
{
  struct results *r = ((void **)ctx)[0];
  const long long *c = ((void **)ctx)[1];
  int x = *(const int *)a, y = *(const int *)b;
  const char *kx = r->unit[x].kind ? r->unit[x].kind : "",
             *ky = r->unit[y].kind ? r->unit[y].kind : "";
  int d = strcmp(kx, ky);
  if (d) return d;
  if (c[x] != c[y]) return c[x] > c[y] ? -1 : 1;
  return strcmp(r->unit[x].code, r->unit[y].code);
}

/* Appends a formatted Chinese sentence to the array A. */
__attribute__((format(printf, 2, 3))) static void say(json_t *a, const char *fmt, ...)
{
  char buf[600];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  json_array_append_new(a, json_string(buf));
}

/* The notes on what each quota did (official method). */
static void quota_notes(struct results *r, struct work *w, const int *idx, int n,
                        const struct rank_quota_info *info, json_t *notes)
{
  int m = r->method;
  for (int b = 0; b + 1 < r->nband; b++) {
    if (r->share[b] < 0) continue;
    const struct rank_quota_info *q = &info[b];
    say(notes,
        "%s：名额上限 %d 个（%d 个参评单位 × %g%%，向下取整），达到该等次 %d 个，保留 %d 个%s%s%s",
        r->band[b], q->limit, n, r->share[b] * 100, q->wanted, q->kept,
        q->wanted > q->kept ? "，其余降至" : "", q->wanted > q->kept ? r->band[b + 1] : "",
        q->limit == 0 ? "；该等次空缺" : "");
    if (!q->border_n) continue;
    char names[400] = "";
    int shown = 0;
    for (int i = 0; i < n; i++) {
      int u = idx[i];
      /* The group: the units of band b with the border total, all moved below it. */
      if (w->cents[m][u] != q->border_cents || w->band0[m][u] > b || w->band[m][u] <= b) continue;
      if (shown++ < 10) {
        if (*names) strncat(names, "、", sizeof names - strlen(names) - 1);
        strncat(names, r->unit[u].name, sizeof names - strlen(names) - 1);
      }
    }
    say(notes, "%s：名额线处有 %d 个单位同为 %.2f 分（%s%s），不拆分，整组降至%s，请考核办研究决定",
        r->band[b], q->border_n, (double)q->border_cents / 100.0, names, shown > 10 ? "等" : "",
        r->band[b + 1]);
  }
}

/* Ranks and grades every method; the kind ranks and notes for the official one. */
static int rank_all(struct results *r, struct work *w, int *idx, int n, json_t *notes)
{
  const char **codes = malloc(((size_t)r->nunit + 1) * sizeof *codes);
  struct rank_quota_info *info = calloc((size_t)r->nband + 1, sizeof *info);
  int *kidx = malloc(((size_t)n + 1) * sizeof *kidx), rc = E_NOMEM;
  if (!codes || !info || !kidx) goto done;
  for (int u = 0; u < r->nunit; u++) codes[u] = r->unit[u].code;
  for (int m = 0; m < AGG_METHODS; m++) {
    rank_order(idx, n, w->cents[m], codes);
    rank_assign(idx, n, w->cents[m], w->rank[m], w->tied[m]);
    memcpy(w->band[m], w->band0[m], (size_t)r->nunit * sizeof *w->band[m]);
    if (rank_quota(idx, n, w->cents[m], r->nband, r->share, w->band[m], w->border[m], info))
      goto done;
    if (m != r->method) continue;
    quota_notes(r, w, idx, n, info, notes);
  }
  /* Within kind, official method. */
  memcpy(kidx, idx, (size_t)n * sizeof *kidx);
  void *ctx[2] = {r, w->cents[r->method]};
  if (n > 1) qsort_r(kidx, (size_t)n, sizeof *kidx, kind_cmp, ctx);
  for (int i = 0; i < n;) {
    int j = i;
    const char *k = r->unit[kidx[i]].kind ? r->unit[kidx[i]].kind : "";
    while (j < n && !strcmp(r->unit[kidx[j]].kind ? r->unit[kidx[j]].kind : "", k)) j++;
    rank_assign(kidx + i, j - i, w->cents[r->method], w->rank_kind, w->tied_kind);
    for (int t = i; t < j; t++) w->kind_n[kidx[t]] = j - i;
    i = j;
  }
  /* Leave IDX in the official order; count the units of each total. */
  rank_order(idx, n, w->cents[r->method], codes);
  for (int i = 0; i < n;) {
    int j = i;
    while (j < n && w->cents[r->method][idx[j]] == w->cents[r->method][idx[i]]) j++;
    for (int t = i; t < j; t++) w->tie_n[idx[t]] = j - i;
    i = j;
  }
  rc = E_OK;
done:
  free(codes);
  free(info);
  free(kidx);
  return rc;
}

/* The trace's sentences on rank and grade of unit U. */
static void ranking_sentences(struct results *r, struct work *w, int u, int n, json_t *out)
{
  int m = r->method;
  struct unit *un = &r->unit[u];
  int same = w->tie_n[u] - 1, kind_n = w->kind_n[u];
  char tie[80] = "";
  if (same) snprintf(tie, sizeof tie, "（与其他 %d 个单位并列）", same);
  say(out, "总分 %.2f 分，在 %d 个参评单位中排第 %d 名%s", (double)w->cents[m][u] / 100.0, n,
      w->rank[m][u], tie);
  say(out, "在同类单位（%s）%d 个中排第 %d 名%s", un->kind ? un->kind : "未分类", kind_n,
      w->rank_kind[u], w->tied_kind[u] ? "（并列）" : "");
  if (w->vetoed[u] >= 0)
    say(out, "按总分和一票否决项 %s，等次为%s", r->veto[w->vetoed[u]], bname(r, w->band0[m][u]));
  else if (w->band0[m][u] >= 0)
    say(out, "按总分，等次为%s", bname(r, w->band0[m][u]));
  for (int b = w->band0[m][u]; b >= 0 && b < w->band[m][u]; b++) {
    if (w->border[m][u] == b)
      say(out, "%s等次名额已到名额线，本单位与同分单位整组不拆分，降为%s，请考核办研究决定",
          r->band[b], r->band[b + 1]);
    else
      say(out, "%s等次名额已满，降为%s", r->band[b], r->band[b + 1]);
  }
}

static int code_cmp(const void *a, const void *b, void *ctx)
{
  struct results *r = ctx;
  return strcmp(r->unit[*(const int *)a].code, r->unit[*(const int *)b].code);
}

static void work_free(struct results *r, struct work *w)
{
  for (int m = 0; m < AGG_METHODS; m++) {
    free(w->cents[m]);
    free(w->band0[m]);
    free(w->band[m]);
    free(w->border[m]);
    free(w->rank[m]);
    free(w->tied[m]);
    free(w->mv[m]);
    free(w->cv[m]);
  }
  free(w->rank_kind);
  free(w->tie_n);
  free(w->kind_n);
  free(w->tied_kind);
  free(w->vetoed);
  free(w->lstat);
  free(w->val);
  free(w->area);
  free(w->fig);
  free(w->spread);
  if (w->trace)
    for (int u = 0; u < r->nunit; u++) json_decref(w->trace[u]);
  free(w->trace);
  free(w->dis);
  free(w->dis_first);
  free(w->vals);
  free(w->adj);
  free(w->scratch);
  free(w->rtot);
  free(w->who);
  free(w->sv);
  free(w->out);
  free(w->vflag);
  free(w->apts);
  free(w->amax);
}

static int work_alloc(struct results *r, struct work *w)
{
  size_t nu = (size_t)r->nunit + 1, nl = (size_t)r->nleaf + 1, na = (size_t)r->narea + 1, kmax = 1;
  for (int u = 0; u < r->nunit; u++)
    if ((size_t)r->unit[u].nsheet > kmax) kmax = (size_t)r->unit[u].nsheet;
  for (int m = 0; m < AGG_METHODS; m++) {
    if (!(w->cents[m] = calloc(nu, sizeof *w->cents[m])) ||
        !(w->band0[m] = calloc(nu, sizeof *w->band0[m])) ||
        !(w->band[m] = calloc(nu, sizeof *w->band[m])) ||
        !(w->border[m] = calloc(nu, sizeof *w->border[m])) ||
        !(w->rank[m] = calloc(nu, sizeof *w->rank[m])) ||
        !(w->tied[m] = calloc(nu, sizeof *w->tied[m])) ||
        !(w->mv[m] = calloc(nl, sizeof *w->mv[m])) ||
        !(w->cv[m] = calloc((size_t)r->nitem + 1, sizeof *w->cv[m])))
      return E_NOMEM;
  }
  w->rank_kind = calloc(nu, sizeof *w->rank_kind);
  w->tie_n = calloc(nu, sizeof *w->tie_n);
  w->kind_n = calloc(nu, sizeof *w->kind_n);
  w->tied_kind = calloc(nu, 1);
  w->vetoed = malloc(nu * sizeof *w->vetoed);
  w->lstat = calloc(nu * nl, 1);
  w->val = calloc(nu * nl, sizeof *w->val);
  w->area = calloc(nu * na, sizeof *w->area);
  w->fig = calloc(nu, sizeof *w->fig);
  w->spread = calloc(2 * nu, sizeof *w->spread);
  w->trace = calloc(nu, sizeof *w->trace);
  w->dis_first = calloc(nu, sizeof *w->dis_first);
  w->vals = calloc(kmax, sizeof *w->vals);
  w->adj = calloc(kmax, sizeof *w->adj);
  w->scratch = calloc(kmax, sizeof *w->scratch);
  w->rtot = calloc(kmax, sizeof *w->rtot);
  w->who = calloc(kmax, sizeof *w->who);
  w->sv = calloc(nl, sizeof *w->sv);
  w->out = calloc(nl, 1);
  w->vflag = calloc((size_t)r->nveto + 1, 1);
  w->apts = calloc(na, sizeof *w->apts);
  w->amax = calloc(na, sizeof *w->amax);
  if (!w->rank_kind || !w->tie_n || !w->kind_n || !w->tied_kind || !w->vetoed || !w->lstat ||
      !w->val || !w->area || !w->fig || !w->spread || !w->trace || !w->dis_first || !w->vals ||
      !w->adj || !w->scratch || !w->rtot || !w->who || !w->sv || !w->out || !w->vflag || !w->apts ||
      !w->amax)
    return E_NOMEM;
  for (size_t u = 0; u < nu; u++) w->vetoed[u] = -1;
  return E_OK;
}

/* Frees the sheets' arrays once every unit is computed: the output no longer needs them. */
static void drop_sheets(struct results *r)
{
  free(r->s_pts);
  free(r->s_na);
  free(r->s_cnt);
  free(r->s_veto);
  free(r->order);
  r->s_pts = NULL;
  r->s_cnt = NULL;
  r->s_na = r->s_veto = NULL;
  r->order = NULL;
}

static int login_cmp(const void *a, const void *b, void *ctx)
{
  struct results *r = ctx;
  return strcmp(r->rev[*(const int *)a].login, r->rev[*(const int *)b].login);
}

/* The top-level members that describe the rubric and the leniency model. */
static json_t *header(struct results *r, struct work *w)
{
  json_t *o = json_pack(
      "{s:s,s:[ssss],s:o,s:[],s:[],s:{s:o,s:o,s:i,s:[]}}", "method", agg_method_name(r->method),
      "methods", "mean", "median", "trimmed", "normalized", "flag_share", json_real(r->flag_share),
      "areas", "leaves", "normalization", "mu", json_real(round(w->mu * 1e4) / 1e4), "sigma",
      json_real(round(w->sigma * 1e4) / 1e4), "min_sheets", AGG_NORM_MIN_SHEETS, "reviewers");
  if (!o) return NULL;
  for (int a = 0; a < r->narea; a++)
    json_array_append_new(json_object_get(o, "areas"),
                          json_pack("{s:s,s:s,s:o}", "code", r->area_code[a], "name",
                                    r->area_name[a], "max", jnum(r->area_max[a])));
  for (int l = 0; l < r->nleaf; l++)
    json_array_append_new(json_object_get(o, "leaves"),
                          json_pack("{s:s,s:s,s:s,s:o}", "code", r->leaf[l].code, "name",
                                    r->leaf[l].name, "area", r->area_code[r->leaf[l].area], "max",
                                    json_real(r->leaf[l].max)));
  /* Reviewers by login. */
  json_t *revs = json_object_get(json_object_get(o, "normalization"), "reviewers");
  int *ord = malloc(((size_t)r->nrev + 1) * sizeof *ord);
  if (!ord) {
    json_decref(o);
    return NULL;
  }
  for (int i = 0; i < r->nrev; i++) ord[i] = i;
  if (r->nrev > 1) qsort_r(ord, (size_t)r->nrev, sizeof *ord, login_cmp, r);
  static const char *const modes[] = {"unchanged", "shifted", "scaled"};
  for (int i = 0; i < r->nrev; i++) {
    struct reviewer *v = &r->rev[ord[i]];
    json_array_append_new(
        revs, json_pack("{s:s,s:I,s:I,s:f,s:f,s:s}", "reviewer", v->login, "sheets",
                        (json_int_t)v->sheets, "values", (json_int_t)v->mom.n, "mean",
                        round(v->mom.mean * 1e4) / 1e4, "sd",
                        round(agg_moments_sd(&v->mom) * 1e4) / 1e4, "mode", modes[v->mode]));
  }
  free(ord);
  return o;
}

/* Sets member KEY (a constant) of O to V, a new reference that is consumed even on failure
 * (NULL when it could not be made). Nonzero on failure. */
static int put(json_t *o, const char *key, json_t *v)
{
  return json_object_set_new_nocheck(o, key, v);
}

/* Adds the members every unit row starts with. */
static int row_head(struct results *r, json_t *o, int u, json_t *status)
{
  struct unit *un = &r->unit[u];
  return put(o, "code", json_incref(un->jcode)) | put(o, "name", json_incref(un->jname)) |
         put(o, "kind", json_incref(un->jkind)) | put(o, "status", json_incref(status)) |
         put(o, "sheets", cint(r, un->nsheet));
}

/* The output row of ranked unit U, one of N ranked (results.h's members, in its order). NULL
 * when out of memory. */
static json_t *ranked_row(struct results *r, struct work *w, int u, int n)
{
  size_t nl = (size_t)r->nleaf, na = (size_t)r->narea;
  const unsigned char *st = w->lstat + (size_t)u * nl;
  const double *val = w->val + (size_t)u * nl, *area = w->area + (size_t)u * na;
  const struct scoring_figures *f = &w->fig[u];
  int m = r->method, bad;
  json_t *o = json_object(), *a;
  if (!o) return NULL;
  bad = row_head(r, o, u, r->jok);
  if (bad || !(a = json_array()) || put(o, "areas", a)) goto fail;
  for (size_t i = 0; i < na; i++)
    bad |= json_array_append_new(a, isnan(area[i]) ? json_null() : cnum(r, area[i]));
  if (bad || !(a = json_array()) || put(o, "values", a)) goto fail;
  for (size_t l = 0; l < nl; l++)
    bad |=
        json_array_append_new(a, st[l] == ST_APPLIES ? cnum(r, agg_round2(val[l])) : json_null());
  if (bad || !(a = json_array()) || put(o, "disputed", a)) goto fail;
  for (size_t d = w->dis_first[u]; d < w->dis_first[u + 1]; d++)
    bad |= json_array_append_new(a, json_incref(r->jleaf[w->dis[d].leaf]));
  bad |= put(o, "base", cnum(r, f->base)) | put(o, "applicable_max", cnum(r, f->applicable_max)) |
         put(o, "rescaled", cnum(r, f->rescaled)) | put(o, "bonus", cnum(r, f->bonus)) |
         put(o, "deduction", cnum(r, f->deduction)) | put(o, "total", cnum(r, f->total));
  if (bad || !(a = json_object()) || put(o, "spread", a)) goto fail;
  if (put(a, "sd", cnum(r, w->spread[2 * (size_t)u])) ||
      put(a, "range", cnum(r, w->spread[2 * (size_t)u + 1])))
    goto fail;
  if (w->trace[u]) {
    json_t *tr = w->trace[u], *s = json_array();
    w->trace[u] = NULL;
    if (!s || json_object_set_new(tr, "ranking", s)) {
      json_decref(tr);
      goto fail;
    }
    if (put(o, "trace", tr)) goto fail;
    ranking_sentences(r, w, u, n, s);
  }
  bad = put(o, "rank", cint(r, w->rank[m][u])) | put(o, "rank_in_kind", cint(r, w->rank_kind[u])) |
        put(o, "tied", json_boolean(w->tied[m][u])) |
        put(o, "tied_in_kind", json_boolean(w->tied_kind[u])) |
        put(o, "grade", jband(r, w->band[m][u])) | put(o, "band_grade", jband(r, w->band0[m][u])) |
        put(o, "border", json_boolean(w->border[m][u] >= 0)) |
        put(o, "border_grade", jband(r, w->border[m][u])) |
        put(o, "vetoed_by", w->vetoed[u] >= 0 ? json_incref(r->jveto[w->vetoed[u]]) : json_null());
  if (bad || !(a = json_object()) || put(o, "by_method", a)) goto fail;
  for (int k = 0; k < AGG_METHODS; k++) {
    json_t *x = json_object();
    if (!x || put(a, agg_method_name(k), x) ||
        put(x, "total", cnum(r, (double)w->cents[k][u] / 100.0)) |
            put(x, "rank", cint(r, w->rank[k][u])) | put(x, "grade", jband(r, w->band[k][u])))
      goto fail;
  }
  return o;
fail:
  json_decref(o);
  return NULL;
}

/* The output row of unit U, which has no sheet. NULL when out of memory. */
static json_t *no_sheets_row(struct results *r, int u)
{
  static const char *const nulls[] = {"total", "rank", "rank_in_kind"}, *const tail[] = {
                                                                            "grade", "band_grade"};
  json_t *o = json_object();
  if (!o) return NULL;
  int bad = row_head(r, o, u, r->jno_sheets);
  for (size_t i = 0; i < sizeof nulls / sizeof *nulls; i++) bad |= put(o, nulls[i], json_null());
  bad |= put(o, "tied", json_false()) | put(o, "tied_in_kind", json_false());
  for (size_t i = 0; i < sizeof tail / sizeof *tail; i++) bad |= put(o, tail[i], json_null());
  bad |= put(o, "border", json_false()) | put(o, "border_grade", json_null()) |
         put(o, "vetoed_by", json_null());
  if (bad) {
    json_decref(o);
    return NULL;
  }
  return o;
}

/* The sensitivity entry of ranked unit U ({"unit","name","grade","changes"}), or json null when
 * its grade is the same under every method; NULL when out of memory. */
static json_t *sensitivity(struct results *r, struct work *w, int u)
{
  int m = r->method;
  json_t *changes = NULL;
  for (int k = 0; k < AGG_METHODS; k++) {
    if (k == m || w->band[k][u] == w->band[m][u]) continue;
    if (!changes && !(changes = json_object())) return NULL;
    if (put(changes, agg_method_name(k), jband(r, w->band[k][u]))) {
      json_decref(changes);
      return NULL;
    }
  }
  if (!changes) return json_null();
  json_t *o = json_object();
  if (!o || put(o, "unit", json_incref(r->unit[u].jcode)) |
                put(o, "name", json_incref(r->unit[u].jname)) |
                put(o, "grade", jband(r, w->band[m][u])) | put(o, "changes", changes)) {
    if (!o) json_decref(changes);
    json_decref(o);
    return NULL;
  }
  return o;
}

/* The disagreements of the N ranked units IDX in rank order, leaves in rubric order, appended
 * to DIS. */
static int disagreements(struct results *r, struct work *w, const int *idx, int n, json_t *dis)
{
  for (int i = 0; i < n; i++) {
    int u = idx[i];
    for (size_t k = w->dis_first[u]; k < w->dis_first[u + 1]; k++) {
      const struct dis *d = &w->dis[k];
      json_t *o = json_object();
      if (!o || json_array_append_new(dis, o) ||
          put(o, "unit", json_incref(r->unit[u].jcode)) |
              put(o, "leaf", json_incref(r->jleaf[d->leaf])) | put(o, "n", cint(r, d->n)) |
              put(o, "min", cnum(r, d->min)) | put(o, "max", cnum(r, d->max)) |
              put(o, "range", cnum(r, d->range)) | put(o, "sd", cnum(r, d->sd)))
        return E_NOMEM;
    }
  }
  return E_OK;
}

int results_finish(struct results *r, json_t **out, const char **field, const char **problem)
{
  struct work w;
  int rc, n = 0, m = r->method;
  int *idx = NULL, *rest = NULL;
  json_t *o = NULL, *notes = json_array();
  memset(&w, 0, sizeof w);
  *out = NULL;
  if (!notes) return E_NOMEM;
  if (r->open) {
    rc = fail(field, problem, path("sheets[%d]", r->nsheet), "评分表尚未结束");
    goto done;
  }
  if (!r->nsheet) {
    rc = fail(field, problem, "sheets", "本考核周期还没有已提交的评分表，无法计算结果");
    goto done;
  }
  if ((rc = group_sheets(r, field, problem)) || (rc = work_alloc(r, &w))) goto done;
  rc = E_NOMEM;
  leaf_status(r, &w);
  idx = malloc(((size_t)r->nunit + 1) * sizeof *idx);
  rest = malloc(((size_t)r->nunit + 1) * sizeof *rest);
  if (!idx || !rest) goto done;
  int nrest = 0;
  for (int u = 0; u < r->nunit; u++) {
    w.dis_first[u] = w.ndis;
    if (!r->unit[u].nsheet) {
      rest[nrest++] = u;
      continue;
    }
    idx[n++] = u;
    if ((rc = do_unit(r, &w, u))) goto done;
    rc = E_NOMEM;
  }
  w.dis_first[r->nunit] = w.ndis;
  drop_sheets(r);
  if (rank_all(r, &w, idx, n, notes)) goto done;
  if (!(o = header(r, &w))) goto done;
  json_t *units = json_array(), *sens = json_array(), *grades = json_array();
  if (json_object_set_new(o, "units", units) || json_object_set_new(o, "sensitivity", sens) ||
      json_object_set_new(o, "grades", grades))
    goto done;
  for (int i = 0; i < n; i++) {
    json_t *s = sensitivity(r, &w, idx[i]);
    if (!s || json_array_append_new(units, ranked_row(r, &w, idx[i], n))) {
      json_decref(s);
      goto done;
    }
    if (!json_is_null(s) && json_array_append_new(sens, s)) goto done;
  }
  if (nrest > 1) qsort_r(rest, (size_t)nrest, sizeof *rest, code_cmp, r);
  for (int i = 0; i < nrest; i++)
    if (json_array_append_new(units, no_sheets_row(r, rest[i]))) goto done;
  /* The grade distribution (official). */
  for (int b = 0; b < r->nband; b++) {
    int count = 0;
    for (int i = 0; i < n; i++) count += w.band[m][idx[i]] == b;
    json_array_append_new(
        grades,
        json_pack("{s:s,s:f,s:o,s:o,s:i}", "name", r->band[b], "min", r->band_min[b], "max_share",
                  r->share[b] >= 0 ? json_real(r->share[b]) : json_null(), "limit",
                  r->share[b] >= 0 ? json_integer((json_int_t)floor(r->share[b] * n + 1e-9))
                                   : json_null(),
                  "count", count));
  }
  json_t *dis = json_array();
  if (!dis || json_object_set_new(o, "disagreements", dis) || disagreements(r, &w, idx, n, dis) ||
      json_object_set_new(o, "counts",
                          json_pack("{s:i,s:i,s:i,s:i,s:i}", "units", r->nunit, "ranked", n,
                                    "no_sheets", nrest, "sheets", r->nsheet, "reviewers",
                                    r->nrev)) ||
      json_object_set(o, "notes", notes))
    goto done;
  *out = o;
  o = NULL;
  rc = E_OK;
done:
  json_decref(o);
  json_decref(notes);
  free(idx);
  free(rest);
  work_free(r, &w);
  return rc;
}

int results_compute(json_t *rubric, json_t *units, json_t *sheets, json_t *office_na,
                    json_t *options, json_t **out, const char **field, const char **problem)
{
  struct results *r = NULL;
  *out = NULL;
  int rc = results_new(rubric, units, office_na, options, &r, field, problem);
  if (rc) return rc;
  if (sheets && !json_is_array(sheets)) {
    results_free(r);
    return fail(field, problem, "sheets", "评分表列表必须是数组");
  }
  size_t i;
  json_t *s;
  json_array_foreach(sheets, i, s)
  {
    if ((rc = results_add_sheet(r, s, field, problem))) break;
  }
  if (!rc) rc = results_finish(r, out, field, problem);
  results_free(r);
  return rc;
}
