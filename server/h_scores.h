/*
 * h_scores.h - score sheets over HTTP (the sheet's form is in sheets.h) and the assignments of
 * reviewers to units that decide who may score whom.
 */
#ifndef KAOPING_H_SCORES_H
#define KAOPING_H_SCORES_H

#include "req.h"

/* GET /api/v1/cycles/{cycle}/units/{unit}/scores: a reviewer gets their own sheet for the unit
 * ({"sheet"}; 404 when not assigned); a unit user their unit's self-assessment ({"sheet"}, or
 * {"sheet": null} before the first save); the admin every sheet of the unit ({"sheets"}). */
int h_scores_get(struct req *r, struct reply *out);

/* PUT /api/v1/cycles/{cycle}/units/{unit}/scores (reviewer, unit): saves a change to the
 * caller's sheet (reviewers in the review phase, on units assigned to them; unit users in the
 * submission phase, on their own unit's self-assessment, made at the first save). 200
 * {"sheet"} with the new version; 400 naming the indicator and the problem; 409 on a stale
 * version, a submitted sheet or the wrong phase; 404 when not assigned. Audited. */
int h_scores_put(struct req *r, struct reply *out);

/* GET /api/v1/cycles/{cycle}/assignments (admin): {"assignments": [{"id","unit","unit_name",
 * "reviewer","reviewer_name","kind","status","version","submitted_at","scored"}]}, by unit. */
int h_assignments_list(struct req *r, struct reply *out);

/* POST /api/v1/cycles/{cycle}/assignments (admin) {"unit": code, "reviewer": login}: assigns
 * the reviewer to the unit; 400 for an unknown unit or reviewer, a unit outside the cycle, the
 * reviewer's own unit or a declared conflict; 409 when already assigned. 201 {"assignment"}. */
int h_assignment_create(struct req *r, struct reply *out);

/* DELETE /api/v1/cycles/{cycle}/assignments/{id} (admin): removes an assignment that has no
 * scores yet (409 otherwise: reopen or reassign instead). 204. */
int h_assignment_delete(struct req *r, struct reply *out);

#endif
