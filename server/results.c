/*
 * results.c - a cycle's results from its submitted sheets (see results.h for the rules and
 * the output). Sheets are kept in flat arrays (points, N/A marks, counts, vetoes per sheet);
 * the computation runs in passes: group the sheets by unit, decide each leaf's N/A status,
 * gather the reviewers' leniency moments, aggregate and total every unit under every method
 * (scoring_total on a reused virtual sheet), then rank and grade per method and assemble the
 * output.
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
  int first, nsheet;              /* its sheets: r->order[first .. first + nsheet) */
  int traced;                     /* 1 when its trace is built */
};

/* A reviewer seen in the sheets. */
struct reviewer {
  char *login;             /* owned */
  long sheets;             /* sheets submitted in the cycle */
  struct agg_moments mom;  /* fractions of their counted scores */
  enum agg_norm_mode mode; /* how the normalized method treats them */
};

struct results {
  json_t *rubric;      /* borrowed */
  int method;          /* official enum agg_method */
  double flag_share;   /* disagreement threshold */
  int trace_all;       /* options.trace = true */
  json_t *trace_list;  /* options.trace as an array, or NULL (borrowed) */
  json_t *overrides;   /* options.overrides, or NULL (borrowed) */
  double *ov;          /* nunit × nleaf: the override of a leaf's value, NAN = none */
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
  json_t *vs, *vs_na, *vs_veto; /* the virtual sheet handed to scoring_total */
};

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
    r->unit[i].code = code;
    r->unit[i].name = str(u, "name") ? str(u, "name") : code;
    r->unit[i].kind = str(u, "kind");
    r->unit[i].traced = r->trace_all;
    if (ix_set(r->unit_ix, code, (int)i)) return E_NOMEM;
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
      (rc = setup_overrides(r, field, problem)))
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
  free(r->unit);
  free(r->office);
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

int results_add_sheet(struct results *r, json_t *sheet, const char **field, const char **problem)
{
  int s = r->nsheet, u = ix_get(r->unit_ix, str(sheet, "unit"));
  const char *login = str(sheet, "reviewer");
  json_t *items = json_object_get(sheet, "items");
  if (u < 0)
    return fail(field, problem, path("sheets[%d].unit", s), "评分表的单位“%s”不是本周期的单位",
                str(sheet, "unit") ? str(sheet, "unit") : "（未填写）");
  if (!login || !*login)
    return fail(field, problem, path("sheets[%d].reviewer", s), "评分表缺少评审人");
  if (items && !json_is_object(items))
    return fail(field, problem, path("sheets[%d].items", s), "评分表的 items 必须是对象");
  if (grow(r)) return E_NOMEM;
  size_t nl = (size_t)r->nleaf, ni = (size_t)r->nitem + 1, nv = (size_t)r->nveto + 1;
  double *pts = r->s_pts + (size_t)s * nl, *cnt = r->s_cnt + (size_t)s * ni;
  unsigned char *na = r->s_na + (size_t)s * nl, *veto = r->s_veto + (size_t)s * nv;
  for (size_t l = 0; l < nl; l++) pts[l] = NAN;
  memset(na, 0, nl);
  memset(cnt, 0, ni * sizeof *cnt);
  memset(veto, 0, nv);
  const char *code;
  json_t *it;
  json_object_foreach(items, code, it)
  {
    int k;
    if (!json_is_object(it))
      return fail(field, problem, path("sheets[%d].items.%s", s, code), "指标 %s 的评分必须是对象",
                  code);
    if ((k = ix_get(r->leaf_ix, code)) >= 0) {
      json_t *p = json_object_get(it, "points"), *n = json_object_get(it, "na");
      double x = json_number_value(p);
      if (p && !json_is_null(p) && (!json_is_number(p) || !(x >= 0 && x <= r->leaf[k].max)))
        return fail(field, problem, path("sheets[%d].items.%s.points", s, code),
                    "指标 %s 的得分必须在 0 到 %g 分之间", code, r->leaf[k].max);
      if (n && !json_is_boolean(n))
        return fail(field, problem, path("sheets[%d].items.%s.na", s, code),
                    "指标 %s 的不适用标记必须是布尔值", code);
      pts[k] = json_is_number(p) ? x : NAN;
      na[k] = json_is_true(n);
    } else if ((k = ix_get(r->item_ix, code)) >= 0) {
      json_t *c = json_object_get(it, "count");
      double x = json_number_value(c);
      if (c && !json_is_null(c) && (!json_is_number(c) || !(x >= 0)))
        return fail(field, problem, path("sheets[%d].items.%s.count", s, code),
                    "%s 项的次数必须是不小于 0 的数", code);
      cnt[k] = json_is_number(c) ? x : 0;
    } else if ((k = ix_get(r->veto_ix, code)) >= 0) {
      json_t *v = json_object_get(it, "veto");
      if (v && !json_is_boolean(v))
        return fail(field, problem, path("sheets[%d].items.%s.veto", s, code),
                    "一票否决项 %s 的标记必须是布尔值", code);
      veto[k] = json_is_true(v);
    } else {
      return fail(field, problem, path("sheets[%d].items.%s", s, code),
                  "评分表中的“%s”不是评分细则的指标或项目", code);
    }
  }
  int v = reviewer_of(r, login);
  if (v < 0) return E_NOMEM;
  r->s_unit[s] = u;
  r->s_rev[s] = v;
  r->rev[v].sheets++;
  r->nsheet++;
  return E_OK;
}

/* ---- the computation ---- */

/* Per-method results of every unit, and scratch space for one unit. */
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
  const char **vetoed;                 /* official vetoed_by (rubric string) */
  json_t **uo;                         /* per unit output object */
  unsigned char *lstat;                /* nunit × nleaf leaf status */
  double *mv[AGG_METHODS];             /* one unit's leaf values per method */
  double *cv[AGG_METHODS];             /* one unit's counts per method */
  double *vals, *adj, *scratch, *rtot; /* per sheet of one unit */
  int *who;                            /* sheet index of each value */
  json_t *disagree;                    /* [{"unit",...}] in unit input order */
  int *dis_unit;                       /* the unit of each of them */
  double mu, sigma;                    /* pooled moments of fractions */
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
  r->order = malloc((size_t)r->nsheet * sizeof *r->order);
  if (!r->order) return E_NOMEM;
  for (int i = 0; i < r->nsheet; i++) r->order[i] = i;
  qsort_r(r->order, (size_t)r->nsheet, sizeof *r->order, sheet_cmp, r);
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
  for (int v = 0; v < r->nrev; v++)
    r->rev[v].mode = agg_norm_mode(r->rev[v].sheets, agg_moments_sd(&r->rev[v].mom));
}

/* The normalized points of sheet S's score P on leaf L. */
static double adjusted(struct results *r, struct work *w, int s, int l, double p)
{
  struct reviewer *v = &r->rev[r->s_rev[s]];
  double max = r->leaf[l].max;
  if (max <= 0) return p;
  return max *
         agg_normalize(p / max, v->mode, v->mom.mean, agg_moments_sd(&v->mom), w->mu, w->sigma);
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

/* Appends the codes of the leaves of unit U (sheet S, or the aggregate when S < 0) that are
 * N/A to the virtual sheet. */
static int fill_na(struct results *r, struct work *w, int u, int s)
{
  size_t nl = (size_t)r->nleaf;
  unsigned char *st = w->lstat + (size_t)u * nl;
  json_array_clear(r->vs_na);
  for (size_t l = 0; l < nl; l++) {
    int out = s < 0 ? st[l] != ST_APPLIES
                    : st[l] == ST_OFFICE || st[l] == ST_KIND || r->s_na[(size_t)s * nl + l];
    if (out && json_array_append_new(r->vs_na, json_string(r->leaf[l].code))) return E_NOMEM;
  }
  return E_OK;
}

/* Aggregates, totals and describes unit U (which has sheets). */
static int do_unit(struct results *r, struct work *w, int u)
{
  struct unit *un = &r->unit[u];
  size_t nl = (size_t)r->nleaf, ni = (size_t)r->nitem + 1, nv = (size_t)r->nveto + 1;
  unsigned char *st = w->lstat + (size_t)u * nl;
  int k = un->nsheet, rc = E_NOMEM;
  json_t *uo = w->uo[u], *tr = NULL, *tleaves = NULL, *official = NULL;
  json_t *values = json_array(), *disputed = json_array();
  if (!values || !disputed) goto done;
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
    double ov = r->ov[(size_t)u * nl + l];
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
    double range = a.max - a.min;
    int flag = st[l] == ST_APPLIES && n >= 2 && range >= r->flag_share * lf->max - 1e-9;
    if (json_array_append_new(values,
                              st[l] == ST_APPLIES ? jnum(w->mv[r->method][l]) : json_null()))
      goto done;
    if (flag) {
      if (json_array_append_new(disputed, json_string(lf->code)) ||
          json_array_append_new(w->disagree,
                                json_pack("{s:s,s:s,s:i,s:o,s:o,s:o,s:o}", "unit", un->code, "leaf",
                                          lf->code, "n", n, "min", jnum(a.min), "max", jnum(a.max),
                                          "range", jnum(range), "sd", jnum(a.sd))))
        goto done;
      int *p = realloc(w->dis_unit, json_array_size(w->disagree) * sizeof *p);
      if (!p) goto done;
      w->dis_unit = p;
      p[json_array_size(w->disagree) - 1] = u;
    }
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
                           json_real(pre[AGG_NORMALIZED]), "value", json_real(w->mv[r->method][l]),
                           "n", n, "sd", jnum(a.sd), "range", jnum(range), "flag", flag)))
        goto done;
      if (has_ov && json_object_set_new(o, "override",
                                        json_pack("{s:o,s:o,s:s}", "points", jnum(ov), "replaced",
                                                  json_real(pre[r->method]), "note", "复核调整")))
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
                                          "value", w->cv[r->method][i])))
        goto done;
    }
  }
  /* Vetoes by majority. */
  json_array_clear(r->vs_veto);
  for (size_t i = 0; i < (size_t)r->nveto; i++) {
    int votes = 0;
    json_t *by = tr ? json_array() : NULL;
    for (int j = 0; j < k; j++) {
      int s = r->order[un->first + j];
      if (!r->s_veto[(size_t)s * nv + i]) continue;
      votes++;
      if (by) json_array_append_new(by, json_string(r->rev[r->s_rev[s]].login));
    }
    if (2 * votes > k && json_array_append_new(r->vs_veto, json_string(r->veto[i]))) goto done;
    if (by && votes) {
      if (json_array_append_new(json_object_get(tr, "vetoes"),
                                json_pack("{s:s,s:i,s:i,s:b,s:o}", "code", r->veto[i], "votes",
                                          votes, "of", k, "flagged", 2 * votes > k, "by", by)))
        goto done;
    } else {
      json_decref(by);
    }
  }
  /* Totals per method on the virtual sheet. */
  if (fill_na(r, w, u, -1)) goto done;
  for (int m = 0; m < AGG_METHODS; m++) {
    for (size_t l = 0; l < nl; l++) json_real_set(r->leaf[l].slot, w->mv[m][l]);
    for (size_t i = 0; i < (size_t)r->nitem; i++) json_real_set(r->item[i].slot, w->cv[m][i]);
    json_t *t = scoring_total(r->rubric, r->vs, un->kind);
    if (!t) goto done;
    w->cents[m][u] = cents(num(t, "total", 0));
    w->band0[m][u] = band_of(r, str(t, "grade"));
    if (m == r->method) {
      official = t;
      int vi = ix_get(r->veto_ix, str(t, "vetoed_by"));
      w->vetoed[u] = vi >= 0 ? r->veto[vi] : NULL;
    } else {
      json_decref(t);
    }
  }
  /* Per-reviewer totals: each sheet as submitted, with the office's N/A marks. */
  for (int j = 0; j < k; j++) {
    int s = r->order[un->first + j];
    for (size_t l = 0; l < nl; l++) {
      double p = r->s_pts[(size_t)s * nl + l];
      json_real_set(r->leaf[l].slot, isnan(p) ? 0 : p);
    }
    for (size_t i = 0; i < (size_t)r->nitem; i++)
      json_real_set(r->item[i].slot, r->s_cnt[(size_t)s * ni + i]);
    json_array_clear(r->vs_veto);
    for (size_t i = 0; i < (size_t)r->nveto; i++)
      if (r->s_veto[(size_t)s * nv + i]) json_array_append_new(r->vs_veto, json_string(r->veto[i]));
    if (fill_na(r, w, u, s)) goto done;
    json_t *t = scoring_total(r->rubric, r->vs, un->kind);
    if (!t) goto done;
    w->rtot[j] = num(t, "total", 0);
    int bad = tr && json_array_append_new(json_object_get(tr, "reviewers"),
                                          json_pack("{s:s,s:f,s:O}", "reviewer",
                                                    r->rev[r->s_rev[s]].login, "total", w->rtot[j],
                                                    "grade", json_object_get(t, "grade")));
    json_decref(t);
    if (bad) goto done;
  }
  struct agg_stats rs;
  agg_compute(w->rtot, k, w->scratch, &rs);
  /* Area scores (official method) with the rescaling factor scoring.c applies. */
  double app = 0, all = 0, factor = 1;
  double *pts = calloc((size_t)r->narea + 1, sizeof *pts),
         *amax = calloc((size_t)r->narea + 1, sizeof *amax);
  if (!pts || !amax) {
    free(pts);
    free(amax);
    goto done;
  }
  for (size_t l = 0; l < nl; l++) {
    all += r->leaf[l].max;
    if (st[l] != ST_APPLIES) continue;
    app += r->leaf[l].max;
    pts[r->leaf[l].area] += w->mv[r->method][l];
    amax[r->leaf[l].area] += r->leaf[l].max;
  }
  if (app < all && r->na_rescale && app > 0) factor = r->total_points / app;
  json_t *areas = json_array(), *tareas = tr ? json_array() : NULL;
  for (int a = 0; areas && a < r->narea; a++) {
    json_t *score = amax[a] > 0 ? jnum(pts[a] * factor) : json_null();
    json_array_append(areas, score);
    if (tareas)
      json_array_append_new(tareas,
                            json_pack("{s:s,s:o,s:o,s:O}", "code", r->area_code[a], "points",
                                      jnum(pts[a]), "max", jnum(amax[a]), "score", score));
    json_decref(score);
  }
  free(pts);
  free(amax);
  if (!areas) goto done;
  if (json_object_set_new(uo, "areas", areas) || json_object_set_new(uo, "values", values) ||
      json_object_set_new(uo, "disputed", disputed))
    goto done;
  values = disputed = NULL;
  static const char *const figures[] = {"base",  "applicable_max", "rescaled",
                                        "bonus", "deduction",      "total"};
  for (size_t f = 0; f < sizeof figures / sizeof *figures; f++)
    if (json_object_set(uo, figures[f], json_object_get(official, figures[f]))) goto done;
  if (json_object_set_new(
          uo, "spread", json_pack("{s:o,s:o}", "sd", jnum(rs.sd), "range", jnum(rs.max - rs.min))))
    goto done;
  if (tr) {
    if (json_object_set(tr, "scoring", official) || json_object_set_new(tr, "areas", tareas) ||
        json_object_set_new(uo, "trace", tr))
      goto done;
    tr = NULL;
  }
  rc = E_OK;
done:
  json_decref(official);
  json_decref(values);
  json_decref(disputed);
  json_decref(tr);
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

/* A band's name, or NULL for -1. */
static const char *bname(struct results *r, int b)
{
  return b >= 0 && b < r->nband ? r->band[b] : NULL;
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
  if (w->vetoed[u])
    say(out, "按总分和一票否决项 %s，等次为%s", w->vetoed[u], bname(r, w->band0[m][u]));
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

/* Disagreements by their unit's position KEY, then by the order they were found in (which is
 * rubric order within a unit). */
static int unit_order_cmp(const void *a, const void *b, void *ctx)
{
  const int *key = ctx;
  int x = *(const int *)a, y = *(const int *)b;
  if (key[x] != key[y]) return key[x] < key[y] ? -1 : 1;
  return (x > y) - (x < y);
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
  if (w->uo)
    for (int u = 0; u < r->nunit; u++) json_decref(w->uo[u]);
  free(w->uo);
  free(w->lstat);
  free(w->vals);
  free(w->adj);
  free(w->scratch);
  free(w->rtot);
  free(w->who);
  json_decref(w->disagree);
  free(w->dis_unit);
}

static int work_alloc(struct results *r, struct work *w)
{
  size_t nu = (size_t)r->nunit + 1, kmax = 1;
  for (int u = 0; u < r->nunit; u++)
    if ((size_t)r->unit[u].nsheet > kmax) kmax = (size_t)r->unit[u].nsheet;
  for (int m = 0; m < AGG_METHODS; m++) {
    if (!(w->cents[m] = calloc(nu, sizeof *w->cents[m])) ||
        !(w->band0[m] = calloc(nu, sizeof *w->band0[m])) ||
        !(w->band[m] = calloc(nu, sizeof *w->band[m])) ||
        !(w->border[m] = calloc(nu, sizeof *w->border[m])) ||
        !(w->rank[m] = calloc(nu, sizeof *w->rank[m])) ||
        !(w->tied[m] = calloc(nu, sizeof *w->tied[m])) ||
        !(w->mv[m] = calloc((size_t)r->nleaf + 1, sizeof *w->mv[m])) ||
        !(w->cv[m] = calloc((size_t)r->nitem + 1, sizeof *w->cv[m])))
      return E_NOMEM;
  }
  w->rank_kind = calloc(nu, sizeof *w->rank_kind);
  w->tie_n = calloc(nu, sizeof *w->tie_n);
  w->kind_n = calloc(nu, sizeof *w->kind_n);
  w->tied_kind = calloc(nu, 1);
  w->vetoed = calloc(nu, sizeof *w->vetoed);
  w->uo = calloc(nu, sizeof *w->uo);
  w->lstat = calloc(nu * (size_t)r->nleaf, 1);
  w->vals = calloc(kmax, sizeof *w->vals);
  w->adj = calloc(kmax, sizeof *w->adj);
  w->scratch = calloc(kmax, sizeof *w->scratch);
  w->rtot = calloc(kmax, sizeof *w->rtot);
  w->who = calloc(kmax, sizeof *w->who);
  w->disagree = json_array();
  if (!w->rank_kind || !w->tie_n || !w->kind_n || !w->tied_kind || !w->vetoed || !w->uo ||
      !w->lstat || !w->vals || !w->adj || !w->scratch || !w->rtot || !w->who || !w->disagree)
    return E_NOMEM;
  return E_OK;
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

int results_finish(struct results *r, json_t **out, const char **field, const char **problem)
{
  struct work w;
  int rc, n = 0, m = r->method;
  int *idx = NULL, *rest = NULL, *pos = NULL;
  json_t *o = NULL, *notes = json_array();
  memset(&w, 0, sizeof w);
  *out = NULL;
  if (!notes) return E_NOMEM;
  if (!r->nsheet) {
    rc = fail(field, problem, "sheets", "本考核周期还没有已提交的评分表，无法计算结果");
    goto done;
  }
  if ((rc = group_sheets(r, field, problem)) || (rc = work_alloc(r, &w))) goto done;
  rc = E_NOMEM;
  leaf_status(r, &w);
  idx = malloc(((size_t)r->nunit + 1) * sizeof *idx);
  rest = malloc(((size_t)r->nunit + 1) * sizeof *rest);
  pos = calloc((size_t)r->nunit + 1, sizeof *pos);
  if (!idx || !rest || !pos) goto done;
  int nrest = 0;
  for (int u = 0; u < r->nunit; u++) {
    struct unit *un = &r->unit[u];
    w.uo[u] = json_pack("{s:s,s:s,s:s?,s:s,s:i}", "code", un->code, "name", un->name, "kind",
                        un->kind, "status", un->nsheet ? "ok" : "no_sheets", "sheets", un->nsheet);
    if (!w.uo[u]) goto done;
    if (!un->nsheet) {
      rest[nrest++] = u;
      continue;
    }
    idx[n++] = u;
    if ((rc = do_unit(r, &w, u))) goto done;
    rc = E_NOMEM;
  }
  if (rank_all(r, &w, idx, n, notes)) goto done;
  if (!(o = header(r, &w))) goto done;
  json_t *units = json_array(), *sens = json_array(), *grades = json_array();
  if (json_object_set_new(o, "units", units) || json_object_set_new(o, "sensitivity", sens) ||
      json_object_set_new(o, "grades", grades))
    goto done;
  for (int i = 0; i < n; i++) {
    int u = idx[i];
    json_t *uo = w.uo[u], *bym = json_object(), *changes = json_object();
    pos[u] = i;
    if (!bym || !changes) {
      json_decref(bym);
      json_decref(changes);
      goto done;
    }
    for (int k = 0; k < AGG_METHODS; k++) {
      json_object_set_new(bym, agg_method_name(k),
                          json_pack("{s:f,s:i,s:s?}", "total", (double)w.cents[k][u] / 100.0,
                                    "rank", w.rank[k][u], "grade", bname(r, w.band[k][u])));
      if (k != m && w.band[k][u] != w.band[m][u])
        json_object_set_new(changes, agg_method_name(k),
                            bname(r, w.band[k][u]) ? json_string(bname(r, w.band[k][u]))
                                                   : json_null());
    }
    if (json_object_size(changes))
      json_array_append_new(sens, json_pack("{s:s,s:s,s:s?,s:o}", "unit", r->unit[u].code, "name",
                                            r->unit[u].name, "grade", bname(r, w.band[m][u]),
                                            "changes", changes));
    else
      json_decref(changes);
    json_t *more = json_pack("{s:i,s:i,s:b,s:b,s:s?,s:s?,s:b,s:s?,s:s?,s:o}", "rank", w.rank[m][u],
                             "rank_in_kind", w.rank_kind[u], "tied", w.tied[m][u], "tied_in_kind",
                             w.tied_kind[u], "grade", bname(r, w.band[m][u]), "band_grade",
                             bname(r, w.band0[m][u]), "border", w.border[m][u] >= 0, "border_grade",
                             bname(r, w.border[m][u]), "vetoed_by", w.vetoed[u], "by_method", bym);
    if (!more || json_object_update_new(uo, more)) goto done;
    json_t *tr = json_object_get(uo, "trace");
    if (tr) {
      json_t *s = json_array();
      if (!s || json_object_set_new(tr, "ranking", s)) goto done;
      ranking_sentences(r, &w, u, n, s);
    }
    if (json_array_append(units, uo)) goto done;
  }
  if (nrest > 1) qsort_r(rest, (size_t)nrest, sizeof *rest, code_cmp, r);
  for (int i = 0; i < nrest; i++) {
    json_t *uo = w.uo[rest[i]];
    if (json_object_update_new(uo, json_pack("{s:n,s:n,s:n,s:b,s:b,s:n,s:n,s:b,s:n,s:n}", "total",
                                             "rank", "rank_in_kind", "tied", 0, "tied_in_kind", 0,
                                             "grade", "band_grade", "border", 0, "border_grade",
                                             "vetoed_by")) ||
        json_array_append(units, uo))
      goto done;
  }
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
  /* Disagreements in rank order, leaves in rubric order. */
  size_t nd = json_array_size(w.disagree);
  int *dord = malloc((nd + 1) * sizeof *dord), *key = malloc((nd + 1) * sizeof *key);
  json_t *dis = json_array();
  if (!dord || !key || !dis || json_object_set_new(o, "disagreements", dis)) {
    free(dord);
    free(key);
    goto done;
  }
  for (size_t i = 0; i < nd; i++) {
    dord[i] = (int)i;
    key[i] = pos[w.dis_unit[i]];
  }
  qsort_r(dord, nd, sizeof *dord, unit_order_cmp, key);
  for (size_t i = 0; i < nd; i++)
    json_array_append(dis, json_array_get(w.disagree, (size_t)dord[i]));
  free(dord);
  free(key);
  if (json_object_set_new(o, "counts",
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
  free(pos);
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
