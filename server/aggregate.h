/*
 * aggregate.h - the statistics behind a unit's score on one indicator: mean, median, trimmed
 * mean (去掉一个最高分和一个最低分), sample standard deviation and range of a few reviewers'
 * scores, and the reviewer-leniency model of the "normalized" method (see results.h for how
 * it is used). Pure functions on plain arrays; no JSON, no allocation.
 */
#ifndef KAOPING_AGGREGATE_H
#define KAOPING_AGGREGATE_H

/* The aggregation methods, in the order results list them. */
enum agg_method {
  AGG_MEAN,       /* "mean": arithmetic mean */
  AGG_MEDIAN,     /* "median": middle value; even n: mean of the two middle values */
  AGG_TRIMMED,    /* "trimmed": n ≥ 3: drop one highest and one lowest, mean of the rest */
  AGG_NORMALIZED, /* "normalized": mean of the leniency-adjusted scores */
  AGG_METHODS     /* how many */
};

/* A reviewer with fewer submitted sheets than this is not adjusted by the "normalized"
 * method: their mean would describe the few units they happened to score, not their leniency. */
#define AGG_NORM_MIN_SHEETS 5

/* The name of method M ("mean", …), or NULL when out of range. */
const char *agg_method_name(int m);

/* The method named NAME, or -1 when there is none. */
int agg_method_parse(const char *name);

/* X rounded half away from zero to 2 decimals, with a 1e-9 nudge so that values such as 2.675
 * (stored as 2.67499…) round as written. */
double agg_round2(double x);

/* The statistics of N values. */
struct agg_stats {
  int n;          /* how many values */
  double mean;    /* arithmetic mean (0 when n = 0) */
  double median;  /* middle value, or mean of the two middle values */
  double trimmed; /* n ≥ 3: mean without one highest and one lowest; else the mean */
  double sd;      /* sample standard deviation (divisor n − 1); 0 when n < 2 */
  double min;     /* smallest value (0 when n = 0) */
  double max;     /* largest value (0 when n = 0) */
};

/* Computes the statistics of the N values V into *OUT. SCRATCH must hold N doubles (V is not
 * changed). Unrounded. */
void agg_compute(const double *v, int n, double *scratch, struct agg_stats *out);

/* Running count, mean and sum of squared deviations (Welford), for the leniency model. */
struct agg_moments {
  long n;      /* values added */
  double mean; /* their mean */
  double m2;   /* sum of squared deviations from the mean */
};

/* Adds X to *M (start from a zeroed struct). */
void agg_moments_add(struct agg_moments *m, double x);

/* The sample standard deviation of *M (divisor n − 1), 0 when n < 2. */
double agg_moments_sd(const struct agg_moments *m);

/* How a reviewer's scores are adjusted by the "normalized" method. */
enum agg_norm_mode {
  AGG_NORM_UNCHANGED, /* fewer than AGG_NORM_MIN_SHEETS sheets: taken as given */
  AGG_NORM_SHIFTED,   /* no spread (σr = 0): shifted by μ − μr */
  AGG_NORM_SCALED,    /* μ + (f − μr) · σ / σr */
};

/* The mode for a reviewer with SHEETS submitted sheets whose fractions have standard
 * deviation SD_R. */
enum agg_norm_mode agg_norm_mode(long sheets, double sd_r);

/* The adjusted fraction of the reviewer's fraction F (a score ÷ the leaf's maximum) under MODE,
 * with the reviewer's mean MU_R and standard deviation SD_R and the pooled MU and SIGMA,
 * clamped to [0, 1]. */
double agg_normalize(double f, enum agg_norm_mode mode, double mu_r, double sd_r, double mu,
                     double sigma);

#endif
