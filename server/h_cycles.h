/*
 * h_cycles.h - assessment cycles.
 */
#ifndef KAOPING_H_CYCLES_H
#define KAOPING_H_CYCLES_H

#include "req.h"

/* GET /api/v1/cycles (any signed-in user): newest year first,
 * {"cycles":[{"id","year","title","phase","submission_deadline","review_deadline",
 * "units","reports","rubric_id"}]}; deadlines are Unix seconds or null. */
int h_cycles_list(struct req *r, struct reply *out);

/* GET /api/v1/cycles/{cycle}: {"cycle"}. */
int h_cycle_get(struct req *r, struct reply *out);

/* POST /api/v1/cycles (admin) {"year","title","submission_deadline"?,"review_deadline"?,
 * "units"?, and at most one of "rubric_id" (use it), "rubric_copy_from" (a new editable
 * version of that rubric, e.g. last year's) or "rubric_template": true (the built-in one)}:
 * creates a cycle in phase draft with the given units (default: every active unit); 201
 * {"cycle"}. Deadlines are Unix seconds. */
int h_cycle_create(struct req *r, struct reply *out);

/* PATCH /api/v1/cycles/{cycle} (admin) {"title"?,"phase"?,"submission_deadline"?,
 * "review_deadline"?,"rubric_id"?,"confirm_rubric_change"?}: a phase moves one step forward
 * or back; a closed cycle is read-only (409). Another rubric_id is taken until publication
 * (409 after); once the cycle has scores only with "confirm_rubric_change": true (409
 * without), and the scores move over as h_cycle_rubric.h describes. {"cycle"}. */
int h_cycle_update(struct req *r, struct reply *out);

/* GET /api/v1/cycles/{cycle}/units: the cycle's units with their current report's status
 * (version, uploaded_at, late, format, filename, warnings, size) — all for the admin, one's
 * own unit for a unit user, assigned units for a reviewer. */
int h_cycle_units(struct req *r, struct reply *out);

/* POST /api/v1/cycles/{cycle}/units/{unit}/late-upload (admin) {"until": ts | null}: lets
 * the unit upload after the deadline until then (the upload is flagged late); 204. */
int h_cycle_late_upload(struct req *r, struct reply *out);

#endif
