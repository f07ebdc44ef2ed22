/*
 * h_results.c - results, traces and statistics over HTTP (see h_results.h). Scaffolding: the
 * routes answer 500 until they are written.
 */
#include "h_results.h"

#include "err.h"

int h_results_get(struct req *r, struct reply *out)
{
  (void)r;
  (void)out;
  return E_INTERNAL;
}
int h_result_trace(struct req *r, struct reply *out)
{
  (void)r;
  (void)out;
  return E_INTERNAL;
}
int h_statistics_get(struct req *r, struct reply *out)
{
  (void)r;
  (void)out;
  return E_INTERNAL;
}
