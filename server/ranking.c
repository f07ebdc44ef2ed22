/*
 * ranking.c - competition ranks and grade quotas on arrays (see ranking.h).
 */
#include "ranking.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The keys rank_order() sorts by. */
struct keys {
  const long long *cents;   /* total in hundredths, by unit */
  const char *const *codes; /* unit code, by unit */
};

static int by_total(const void *a, const void *b, void *ctx)
{
  const struct keys *k = ctx;
  int x = *(const int *)a, y = *(const int *)b;
  if (k->cents[x] != k->cents[y]) return k->cents[x] > k->cents[y] ? -1 : 1;
  return strcmp(k->codes[x], k->codes[y]);
}

void rank_order(int *idx, int n, const long long *cents, const char *const *codes)
{
  struct keys k = {cents, codes};
  if (n > 1) qsort_r(idx, (size_t)n, sizeof *idx, by_total, &k);
}

void rank_assign(const int *idx, int n, const long long *cents, int *rank, unsigned char *tied)
{
  for (int i = 0; i < n;) {
    int j = i;
    while (j < n && cents[idx[j]] == cents[idx[i]]) j++;
    for (int k = i; k < j; k++) {
      rank[idx[k]] = i + 1;
      tied[idx[k]] = j - i > 1;
    }
    i = j;
  }
}

int rank_quota(const int *idx, int n, const long long *cents, int nband, const double *share,
               int *band, int *border, struct rank_quota_info *info)
{
  int *mem = malloc(((size_t)n + 1) * sizeof *mem);
  if (!mem) return -1;
  memset(info, 0, (size_t)nband * sizeof *info);
  for (int i = 0; i < n; i++) border[idx[i]] = -1;
  for (int b = 0; b + 1 < nband; b++) {
    if (share[b] < 0) continue;
    struct rank_quota_info *q = &info[b];
    /* The nudge keeps 0.2 × 20 at 4 although the product may be 3.9999999. */
    q->limit = (int)floor(share[b] * n + 1e-9);
    int m = 0;
    for (int i = 0; i < n; i++)
      if (band[idx[i]] == b) mem[m++] = idx[i];
    q->wanted = m;
    int full = 0;
    for (int i = 0; i < m;) {
      int j = i;
      while (j < m && cents[mem[j]] == cents[mem[i]]) j++;
      if (!full && q->kept + (j - i) <= q->limit) {
        q->kept += j - i;
      } else {
        if (!full && q->kept < q->limit) { /* a tied group across the limit */
          q->border_n = j - i;
          q->border_cents = cents[mem[i]];
          for (int k = i; k < j; k++) border[mem[k]] = b;
        }
        full = 1;
        for (int k = i; k < j; k++) band[mem[k]] = b + 1;
      }
      i = j;
    }
  }
  free(mem);
  return 0;
}
