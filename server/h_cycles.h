/*
 * h_cycles.h - assessment cycles.
 */
#ifndef KAOPING_H_CYCLES_H
#define KAOPING_H_CYCLES_H

#include "req.h"

/* GET /api/v1/cycles (any signed-in user): newest year first,
 * {"cycles":[{"id","year","title","phase","submission_deadline","review_deadline",
 * "units","reports"}]}; deadlines are Unix seconds or null. */
int h_cycles_list(struct req *r, struct reply *out);

#endif
