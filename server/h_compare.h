/*
 * h_compare.h - comparing units over HTTP: a few units of one cycle side by side (numbers per
 * area and indicator, the reviewers' comments and evidence quotes), every unit × area as a
 * heatmap, and one unit's results across the cycles. The numbers are results.h's (through
 * results_load()), so they always equal the results page's; who may see a cycle is
 * h_results_open()'s rule (admin from review on, everyone else from publication on).
 *
 * Unit users: a unit user sees only its own unit's results (h_results.c), so comparing units
 * and the heatmap (which show other units) are not for them (the route rows allow admin and
 * reviewers only); the history of their own unit is.
 */
#ifndef KAOPING_H_COMPARE_H
#define KAOPING_H_COMPARE_H

#include "req.h"

/* GET /api/v1/cycles/{cycle}/compare?units=A,B[,…][&method=] (admin, reviewers):
 * {"method","areas","leaves" (as results.h), "units": [{"code","name","kind","status","total",
 * "rank","grade","areas","values"}] in the order asked, "comments": {leaf code: {unit code:
 * [{"reviewer","points","na","comment","quotes": [text]}]}}} from the submitted review sheets.
 * Reviewers appear by display name to the admin and as 评审专家1, 2, … (per unit, in login order)
 * to reviewers; "rank" is left out for reviewers when settings.show_ranks is false. 400 on
 * "units" for fewer than 2 or more than 6 codes, a duplicate or a unit outside the cycle, on
 * "method" for an unknown method; 409 E_NOT_OPEN before the results may be seen. */
int h_compare_get(struct req *r, struct reply *out);

/* GET /api/v1/cycles/{cycle}/heatmap[?method=] (admin, reviewers): {"method","areas","units":
 * [{"code","name","kind","total","areas": [per area, the unit's leaf values over the max of its
 * applicable leaves, 0..1 with 2 decimals; null when all N/A or no result]}]} for every unit of
 * the cycle (results order; by code for reviewers when ranks are
 * hidden). Same visibility and errors as the compare route. */
int h_heatmap_get(struct req *r, struct reply *out);

/* GET /api/v1/units/{unit}/history (signed in): {"unit": {"code","name","kind"}, "cycles":
 * [{"cycle","year","title","phase","total","rank","grade","areas": [{"code","name","max",
 * "score"}],"leaves": [{"code","name","area","max"}],"values": {leaf code: value or null}}]}
 * oldest first, over the cycles whose results the caller may see (admin: review phase on;
 * others: publication on) in which the unit has a result (cycles without a computable result,
 * e.g. no rubric, are left out). Each cycle under its own official method and rubric. 404 for
 * an unknown unit, and for a unit user asking about another unit. */
int h_unit_history(struct req *r, struct reply *out);

#endif
