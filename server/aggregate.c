/*
 * aggregate.c - statistics of a few reviewers' scores and the leniency model (see
 * aggregate.h).
 */
#include "aggregate.h"

#include <math.h>
#include <string.h>

static const char *const names[AGG_METHODS] = {"mean", "median", "trimmed", "normalized"};

const char *agg_method_name(int m)
{
  return m >= 0 && m < AGG_METHODS ? names[m] : NULL;
}

int agg_method_parse(const char *name)
{
  for (int m = 0; name && m < AGG_METHODS; m++)
    if (!strcmp(name, names[m])) return m;
  return -1;
}

double agg_round2(double x)
{
  return round(x * 100.0 + (x >= 0 ? 1e-9 : -1e-9)) / 100.0;
}

void agg_compute(const double *v, int n, double *scratch, struct agg_stats *out)
{
  memset(out, 0, sizeof *out);
  out->n = n;
  if (n <= 0) return;
  /* n is a handful of reviewers: insertion sort into SCRATCH. */
  double sum = 0;
  for (int i = 0; i < n; i++) {
    double x = v[i];
    int j = i;
    for (; j > 0 && scratch[j - 1] > x; j--) scratch[j] = scratch[j - 1];
    scratch[j] = x;
    sum += x;
  }
  out->mean = sum / n;
  out->min = scratch[0];
  out->max = scratch[n - 1];
  out->median = n % 2 ? scratch[n / 2] : (scratch[n / 2 - 1] + scratch[n / 2]) / 2;
  out->trimmed = n >= 3 ? (sum - scratch[0] - scratch[n - 1]) / (n - 2) : out->mean;
  if (n >= 2) {
    double ss = 0;
    for (int i = 0; i < n; i++) ss += (v[i] - out->mean) * (v[i] - out->mean);
    out->sd = sqrt(ss / (n - 1));
  }
}

void agg_moments_add(struct agg_moments *m, double x)
{
  m->n++;
  double d = x - m->mean;
  m->mean += d / (double)m->n;
  m->m2 += d * (x - m->mean);
}

double agg_moments_sd(const struct agg_moments *m)
{
  return m->n < 2 ? 0 : sqrt(m->m2 / (double)(m->n - 1));
}

enum agg_norm_mode agg_norm_mode(long sheets, double sd_r)
{
  if (sheets < AGG_NORM_MIN_SHEETS) return AGG_NORM_UNCHANGED;
  return sd_r < 1e-9 ? AGG_NORM_SHIFTED : AGG_NORM_SCALED;
}

double agg_normalize(double f, enum agg_norm_mode mode, double mu_r, double sd_r, double mu,
                     double sigma)
{
  double a = f;
  if (mode == AGG_NORM_SHIFTED)
    a = f - mu_r + mu;
  else if (mode == AGG_NORM_SCALED)
    a = mu + (f - mu_r) * sigma / sd_r;
  return a < 0 ? 0 : a > 1 ? 1 : a;
}
