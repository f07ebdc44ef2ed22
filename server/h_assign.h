/*
 * h_assign.h - the assessment office's work on assignments beyond one-by-one (bulk import from
 * a file, automatic assignment), its progress view, and the reviewer's side: declaring a
 * conflict of interest and recusing from an assignment. The single-assignment routes and the
 * score sheets themselves are in h_scores.h.
 */
#ifndef KAOPING_H_ASSIGN_H
#define KAOPING_H_ASSIGN_H

#include "req.h"

/* POST /api/v1/cycles/{cycle}/assignments/import?apply=0|1 (admin; multipart field "file": .csv
 * in UTF-8 or GB18030, or .xlsx) with a header row naming the unit (单位代码 or 单位名称) and the
 * reviewer (评审人账号 or 评审人). 200 {"rows": [{"line","unit","unit_name","reviewer",
 * "reviewer_name","action": "create"|"exists","problems": [{"column","problem"}]}],"counts":
 * {"create","exists","errors"},"applied": bool}. apply=1 inserts every "create" row in one
 * transaction (audited) only when no row has a problem; otherwise nothing is stored and the
 * answer is 400 E_VALIDATION carrying the rows. The same rules as a single assignment apply
 * (own unit, declared conflict, unit outside the cycle, unknown or disabled reviewer). */
int h_assignments_import(struct req *r, struct reply *out);

/* POST /api/v1/cycles/{cycle}/assignments/auto (admin) {"per_unit": 1..20,"cap": n|null,
 * "panels": [{"name"?,"reviewers": [login],"unit_kinds": [kind]}]?,"seed"?: int,
 * "apply"?: bool}: proposes reviewers so that every unit of the cycle has per_unit active
 * review assignments (existing ones count), spreading the load evenly, never above cap sheets
 * per reviewer (existing ones count), never a reviewer's own unit, a declared conflict or a
 * reviewer already on (or recused from) the unit; with panels, a unit only gets reviewers of
 * a panel listing its kind. 200 {"proposed": [{"unit","unit_name","reviewer","reviewer_name"}],
 * "short": [{"unit","unit_name","missing","problem"}],"load": [{"reviewer","reviewer_name",
 * "before","after"}],"applied": bool}; apply=true stores the proposal in one transaction,
 * audited as one "assignment.auto" row. The same seed gives the same proposal. */
int h_assignments_auto(struct req *r, struct reply *out);

/* GET /api/v1/cycles/{cycle}/progress (admin): {"review_deadline": ts|null,"overdue": bool,
 * "reviewers": [{"login","display_name","assigned","not_started","in_progress","submitted",
 * "recused"}],"units": [{"code","name","kind","assigned","not_started","in_progress",
 * "submitted","recused","self": status|null}],"late": [{"login","display_name","unsubmitted",
 * "units": [code]}],"recusals": [{"assignment","unit","unit_name","reviewer","reviewer_name",
 * "reason","at"}]}. "late" lists reviewers with unsubmitted sheets (overdue: the deadline has
 * passed). */
int h_cycle_progress(struct req *r, struct reply *out);

/* POST /api/v1/cycles/{cycle}/assignments/{id}/recuse (reviewer, their own assignment)
 * {"reason": 1..500 chars,"conflict"?: bool}: the reviewer withdraws from a sheet not yet
 * submitted (status "recused", scores kept for the record but never counted); with
 * "conflict": true the conflict with the unit is also declared for later cycles. 200
 * {"assignment": {"id","status": "recused"}}; 409 when already submitted or recused.
 * Audited. */
int h_assignment_recuse(struct req *r, struct reply *out);

/* POST /api/v1/cycles/{cycle}/assignments/{id}/reopen (admin) {"reason": 1..500 chars}: a
 * submitted sheet (review or self) goes back to "in_progress" so its author can change it;
 * the sheet's version is raised. 200 {"assignment": {"id","status","version"}}; 409 when not
 * submitted. Audited with the reason. */
int h_assignment_reopen(struct req *r, struct reply *out);

/* GET /api/v1/conflicts (admin: every declared conflict; reviewer: their own):
 * {"conflicts": [{"reviewer","reviewer_name","unit","unit_name","reason","created_at"}]}. */
int h_conflicts_list(struct req *r, struct reply *out);

/* POST /api/v1/conflicts (reviewer: {"unit": code,"reason"}; admin: {"reviewer": login,
 * "unit","reason"}): declares a conflict of interest; the reviewer's unsubmitted assignments
 * to the unit in open cycles are recused with the same reason. 201 {"conflict"}; 409 when
 * already declared. Audited. */
int h_conflict_create(struct req *r, struct reply *out);

#endif
