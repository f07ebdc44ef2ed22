/*
 * h_assign.c - bulk and automatic assignments, progress, conflicts and recusal (see
 * h_assign.h). Scaffolding: the routes answer 500 until they are written.
 */
#include "h_assign.h"

#include "err.h"

int h_assignments_import(struct req *r, struct reply *out)
{
  (void)r;
  (void)out;
  return E_INTERNAL;
}
int h_assignments_auto(struct req *r, struct reply *out)
{
  (void)r;
  (void)out;
  return E_INTERNAL;
}
int h_cycle_progress(struct req *r, struct reply *out)
{
  (void)r;
  (void)out;
  return E_INTERNAL;
}
int h_assignment_recuse(struct req *r, struct reply *out)
{
  (void)r;
  (void)out;
  return E_INTERNAL;
}
int h_assignment_reopen(struct req *r, struct reply *out)
{
  (void)r;
  (void)out;
  return E_INTERNAL;
}
int h_conflicts_list(struct req *r, struct reply *out)
{
  (void)r;
  (void)out;
  return E_INTERNAL;
}
int h_conflict_create(struct req *r, struct reply *out)
{
  (void)r;
  (void)out;
  return E_INTERNAL;
}
