/*
 * authz.h - object-level authorization: which units' data a signed-in user may see or change.
 *
 * The route table checks roles; these checks decide per object. A refusal is answered as
 * E_NOT_FOUND, exactly like a missing object, so nobody learns whether another unit's report
 * exists.
 */
#ifndef KAOPING_AUTHZ_H
#define KAOPING_AUTHZ_H

#include "req.h"

#include <stdint.h>

/* May R's user read the data (report, scores) of unit UNIT_ID in cycle CYCLE_ID? The admin:
 * always; a unit user: their own unit; a reviewer: a unit assigned to them in that cycle
 * (not recused) that is not their own, and never in a blind cycle (settings.blind: there the
 * scoring page, GET …/scoring, is a reviewer's only view of a report, with names masked).
 * Returns E_OK, E_NOT_FOUND, or a db error. */
int authz_unit_read(struct req *r, int64_t cycle_id, int64_t unit_id);

/* May R's user submit for unit UNIT_ID (upload its report)? The admin and the unit's own
 * users. Returns E_OK or E_NOT_FOUND. */
int authz_unit_write(struct req *r, int64_t unit_id);

/* Resolves the {unit} route parameter (a unit code) into *UNIT_ID. E_OK or E_NOT_FOUND. */
int authz_param_unit(struct req *r, int64_t *unit_id);

/* Resolves the {unit} route parameter of the scoring routes (…/scoring, …/scores) of cycle
 * CYCLE_ID into *UNIT_ID: a unit code, or "~ID" naming the calling reviewer's own review
 * assignment ID in that cycle (not recused; *ASSIGNMENT = ID, else 0). In a blind cycle a
 * reviewer must use "~ID": a unit code answers E_NOT_FOUND, so a guessed code tells nothing.
 * Whether the caller may use the unit's sheets is still the route's to check. E_OK,
 * E_NOT_FOUND (also "~ID" for anyone but that reviewer) or a db error. */
int authz_scoring_unit(struct req *r, int64_t cycle_id, int64_t *unit_id, int64_t *assignment);

/* The "~ID" form of the {unit} route parameter: *ID = the assignment id it names, or 0 when
 * the parameter is a unit code. E_OK, or E_NOT_FOUND for a missing parameter, a "~" not
 * followed by digits only, or "~ID" from anyone but a reviewer. Who owns the assignment is
 * the caller's to check (authz_scoring_unit, sheet_find). */
int authz_tilde_param(struct req *r, int64_t *id);

#endif
