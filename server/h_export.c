/*
 * h_export.c - result downloads (see h_export.h). Scaffolding: the routes answer 500 until
 * they are written.
 */
#include "h_export.h"

#include "err.h"

int h_export(struct req *r, struct reply *out)
{
  (void)r;
  (void)out;
  return E_INTERNAL;
}
