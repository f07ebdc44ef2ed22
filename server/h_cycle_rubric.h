/*
 * h_cycle_rubric.h - the rubric a cycle scores against: chosen when the cycle is created (an
 * existing rubric, a copy of last year's as a new version, or the built-in template), and
 * switched later to another version, with the scores already given carried over by code.
 */
#ifndef KAOPING_H_CYCLE_RUBRIC_H
#define KAOPING_H_CYCLE_RUBRIC_H

#include "req.h"

#include <stdint.h>

/* Reads the rubric choice of a POST /api/v1/cycles body: "rubric_id" (use that rubric as it
 * is), "rubric_copy_from" (a rubric id: a new, editable version of it is made in its family)
 * or "rubric_template": true (the built-in template is stored as a new rubric); at most one.
 * Must run inside the caller's transaction (the copies are stored there) and audits what it
 * stores. *ID gets the rubric (0 = none chosen). Returns E_OK, E_VALIDATION naming the member
 * in OUT, or a db error. */
int cycle_rubric_choose(struct req *r, struct reply *out, int64_t *id);

/* What switching cycle CYCLE to rubric TO does, into *OUT (caller decrefs): {"from": {"id",
 * "name","version","total_points"} | null, "to": {...}, "diff": (rubric_diff.h) | null, "scores":
 * {"total", "kept","dropped","clamped"}, "evidence": {"total","dropped"}, "sheets", "submitted",
 * "confirm_required": bool (true when any score exists)}. "kept" scores move to the
 * indicator with the same code and kind in TO; "dropped" ones (no such indicator) are deleted
 * with their evidence; "clamped" ones are above the new maximum and are cut to it. Returns
 * E_OK, E_NOT_FOUND (no such cycle or rubric) or a db error. */
int cycle_rubric_preview(struct db *db, int64_t cycle, int64_t to, json_t **out);

/* Switches cycle CYCLE to rubric TO as the preview describes, inside the caller's
 * transaction; *COUNTS gets the preview's "scores" and "evidence" objects (caller decrefs).
 * When the cycle has scores and CONFIRMED is 0, nothing changes and E_CONFLICT is returned.
 * Returns E_OK, E_CONFLICT or a db error. */
int cycle_rubric_switch(struct db *db, int64_t cycle, int64_t to, int confirmed, json_t **counts);

/* GET /api/v1/cycles/{cycle}/rubric-change?to={rubric} (admin): the preview above, shown to
 * the admin before they confirm a switch. 400 without `to`, 404 for an unknown cycle or
 * rubric. */
int h_cycle_rubric_change(struct req *r, struct reply *out);

#endif
