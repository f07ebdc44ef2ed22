/*
 * ranking.h - ranks and grade quotas over totals, as a pure computation on arrays (results.c
 * feeds it; see results.h for the rules as the office sees them).
 *
 * Totals are compared in hundredths (long long cents) so that two totals shown alike are tied.
 * Units are addressed by their index in the caller's arrays.
 */
#ifndef KAOPING_RANKING_H
#define KAOPING_RANKING_H

/* Sorts the N unit indexes IDX by total descending (CENTS[u]), then by CODES[u] ascending
 * (strcmp), so equal totals come in a fixed order. */
void rank_order(int *idx, int n, const long long *cents, const char *const *codes);

/* Standard competition ranks (1, 2, 2, 4) over IDX as sorted by rank_order(): stores the rank
 * of IDX[i] in RANK[IDX[i]] and whether it is shared in TIED[IDX[i]] (1/0). */
void rank_assign(const int *idx, int n, const long long *cents, int *rank, unsigned char *tied);

/* What a quota did to one band. */
struct rank_quota_info {
  int limit;              /* floor(share × n): the most units the band may hold */
  int wanted;             /* units that reached the band (after the bands above) */
  int kept;               /* units that stay in it */
  int border_n;           /* size of the tied group that straddled the limit (0 = none) */
  long long border_cents; /* its total, in hundredths */
};

/* Applies the quotas SHARE[b] (a fraction 0..1, or < 0 for none) of the NBAND bands, highest
 * first, to the N ranked units IDX (sorted by rank_order()). BAND[u] holds each unit's band
 * index from its total and vetoes and is lowered in place: band b keeps at most
 * floor(SHARE[b] × N) units in rank order; the rest move to band b + 1 (and compete there, in
 * rank order, with the units already in it). A tied group that straddles the limit is not
 * split: all of it moves down and each of its units gets BORDER[u] = b (the band it missed);
 * BORDER[u] is -1 for the others (set by this function for every unit of IDX). Units never
 * move up. The caller guarantees that the last band has no quota. INFO[b] (NBAND entries)
 * tells what happened to each band (zeroed for bands without a quota). Returns 0, or -1 when
 * out of memory. */
int rank_quota(const int *idx, int n, const long long *cents, int nband, const double *share,
               int *band, int *border, struct rank_quota_info *info);

#endif
