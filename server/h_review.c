/*
 * h_review.c - the scoring page's data and the caller's work list (see h_review.h).
 * Scaffolding: the routes answer 500 until they are written.
 */
#include "h_review.h"

#include "err.h"

int h_scoring_get(struct req *r, struct reply *out)
{
  (void)r;
  (void)out;
  return E_INTERNAL;
}
int h_reviews_list(struct req *r, struct reply *out)
{
  (void)r;
  (void)out;
  return E_INTERNAL;
}
