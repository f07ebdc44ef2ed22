/*
 * h_cycles.h - assessment cycles.
 */
#ifndef KAOPING_H_CYCLES_H
#define KAOPING_H_CYCLES_H

#include "req.h"

#include <stdint.h>

#define CYCLE_APPEAL_DAYS     10 /* default settings.appeal_days */
#define CYCLE_APPEAL_DAYS_MAX 60 /* its largest value */

/* A cycle's scoring settings (cycle.settings) as the API shows them: the stored JSON text
 * STORED (NULL or not an object = none) with every default filled in: {"score_step": null
 * (the rubric's rules.score_step) | n,"comment_below": 0 (a fraction of a leaf's maximum
 * below which a score needs a comment; 0 = never),"reveal_others": "after_submit" | "always"
 * | "never" (when a reviewer sees the other reviewers' submitted sheets of a unit),"blind":
 * false (reviewers see units as "~<assignment id>", names masked in the text),"show_self":
 * true (reviewers see the unit's self-assessment),"show_ranks": true (reviewers and unit users
 * see ranks in the published results),"aggregation": {"method": "mean" | "median" | "trimmed"
 * | "normalized","quotas": [{"grade","max_share"}] (default []),"flag_share": 0.5} (how
 * results.h aggregates; stored members over these defaults),"appeal_days": 10 (1..60: the
 * appeal window after publication, see h_cycle_update)}, plus any other stored member.
 * A new object (caller decrefs), or NULL when out of memory. */
json_t *cycle_settings(const char *stored);

/* May cycle CYCLE still take changes to its assignments and uploads? E_OK while it is before
 * publication (or, with UNTIL_CLOSED, also during publication); E_NOT_OPEN with *DETAIL a
 * Chinese sentence once it is published (or closed); E_NOT_FOUND for an unknown cycle; or a db
 * error. */
int cycle_check_open(struct db *db, int64_t cycle, int until_closed, const char **detail);

/* GET /api/v1/cycles (any signed-in user): newest year first,
 * {"cycles":[{"id","year","title","phase","submission_deadline","review_deadline",
 * "units","reports","rubric_id","settings","published_at","appeal_deadline"}]}; deadlines and
 * published_at are Unix seconds or null; settings as cycle_settings() shows them. */
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
 * "review_deadline"?,"appeal_deadline"?,"rubric_id"?,"confirm_rubric_change"?,"settings"?}:
 * a phase moves one
 * step forward or back; a closed cycle is read-only (409). Another rubric_id is taken until
 * publication (409 after); once the cycle has scores only with "confirm_rubric_change": true
 * (409 without), and the scores move over as h_cycle_rubric.h describes. "settings" is a
 * partial object of cycle_settings()'s members, merged into the stored ones (other stored
 * members kept), until publication (409 after): score_step one of 0.01, 0.05, 0.1, 0.2,
 * 0.25, 0.5, 1, 2, 5 that divides every leaf's maximum of the cycle's rubric, or null;
 * comment_below 0..1; reveal_others; blind and show_self booleans. A bad one is 400 naming
 * "settings.<key>" (also an unknown key); turning blind on or off once a review score exists
 * is 409 on "settings.blind". The result settings "aggregation" (a partial object merged into
 * the stored one: "method" mean|median|trimmed|normalized, "quotas" [{"grade": a band of the
 * cycle's rubric, not the lowest, at most once,"max_share": 0..1}], "flag_share" 0 < x ≤ 1;
 * 400 naming "settings.aggregation.<member>[…]") and "show_ranks" (boolean) may change until
 * the cycle is closed (results are recomputed on every request), and so may "appeal_days"
 * (an integer 1..60, 400 on "settings.appeal_days" otherwise).
 * The appeal window: the first move to publication sets published_at (kept when the phase
 * goes back and forth) and, unless an appeal_deadline is already set, appeal_deadline = the
 * end (23:59:59 China time, UTC+8) of the day appeal_days days after the day of publication
 * (cycle_appeal_deadline()). A later change of appeal_days in a published cycle recomputes it
 * from published_at; an explicit "appeal_deadline" (Unix seconds, or null to clear) in the
 * same or a later PATCH wins. Audited ("cycle.settings" when
 * only that changes). {"cycle"}. */
int h_cycle_update(struct req *r, struct reply *out);

/* The end of the appeal window: 23:59:59 China time (UTC+8) of the day DAYS days after the
 * China-time day of PUBLISHED (Unix seconds). */
int64_t cycle_appeal_deadline(int64_t published, int64_t days);

/* GET /api/v1/cycles/{cycle}/units: the cycle's units with their current report's status
 * (version, uploaded_at, late, format, filename, warnings, size) — all for the admin, one's
 * own unit for a unit user, assigned units for a reviewer (none in a blind cycle: there a
 * reviewer knows units only as "~<assignment id>", see GET /api/v1/reviews). */
int h_cycle_units(struct req *r, struct reply *out);

/* POST /api/v1/cycles/{cycle}/units/{unit}/late-upload (admin) {"until": ts | null}: lets
 * the unit upload after the deadline until then (the upload is flagged late); 204. */
int h_cycle_late_upload(struct req *r, struct reply *out);

#endif
