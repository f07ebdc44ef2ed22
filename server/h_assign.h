/*
 * h_assign.h - the assessment office's work on assignments beyond one-by-one (bulk import from
 * a file, automatic assignment), its progress view, and the reviewer's side: declaring a
 * conflict of interest and recusing from an assignment; and the office reopening a submitted
 * sheet. The single-assignment routes and the score sheets themselves are in h_scores.h; the
 * assignment algorithm is assign.h.
 */
#ifndef KAOPING_H_ASSIGN_H
#define KAOPING_H_ASSIGN_H

#include "req.h"

/* Every route here that changes assignments refuses a cycle in publication or closed with 409
 * E_NOT_OPEN; an unknown cycle is 404. Reasons (recusal, conflict, reopening) are 1..500
 * characters and not only white space. */

/* POST /api/v1/cycles/{cycle}/assignments/import?apply=0|1 (admin; multipart field "file": .csv
 * in UTF-8 or GB18030, or .xlsx) with a header row naming the unit (单位代码 or 单位名称) and the
 * reviewer (评审人账号, case-insensitive, or 评审人: a display name must match exactly one
 * enabled reviewer); at most 10,000 data rows, empty rows skipped. 200 {"rows": [{"line","unit",
 * "unit_name","reviewer","reviewer_name","action": "create"|"exists","problems": [{"column",
 * "problem"}]}],"counts": {"create","exists","errors"},"applied": bool}. A row's problems:
 * unknown unit, a unit name shared by two units, unit outside the cycle, unknown, disabled or
 * ambiguous reviewer, the reviewer's own unit, a declared conflict, a reviewer who recused
 * from the unit, a row repeating an earlier one. apply=1 reads and inserts every "create" row
 * in one transaction, audited as one "assignment.import" row, only when no row has a problem;
 * otherwise nothing is stored and the answer is 400 E_VALIDATION whose "error" carries "rows"
 * and "counts". 400 (field "file") without a usable header or over the row limit; 415/422 for
 * a file that is not a table. */
int h_assignments_import(struct req *r, struct reply *out);

/* POST /api/v1/cycles/{cycle}/assignments/auto (admin) {"per_unit": 1..20,"cap": 1..10000|null,
 * "panels": [{"name"?,"reviewers": [login],"unit_kinds": [kind code or name]}]?,"seed"?: int
 * >= 0 (default: the cycle id),"apply"?: bool}: proposes reviewers so that every unit of the
 * cycle has per_unit active review assignments (existing ones count), spreading the load
 * evenly, never above cap sheets per reviewer (existing ones count), never a reviewer's own
 * unit, a declared conflict or a reviewer already on (or recused from) the unit; with panels,
 * a unit only gets reviewers of a panel listing its kind. The number of new sheets is the
 * largest these rules allow (assign.h). 200 {"proposed": [{"unit","unit_name","reviewer",
 * "reviewer_name"}],"short": [{"unit","unit_name","missing","reason": "few"|"cap"|"panel",
 * "problem"}],"load": [{"reviewer","reviewer_name","before","after"}] (every enabled reviewer),
 * "applied": bool,"seed"}. The proposal is computed under the write lock; apply=true stores it
 * in the same transaction, audited as one "assignment.auto" row (parameters, counts, pairs).
 * The same seed on the same data gives the same proposal. 400 names the field, e.g.
 * "panels[0].reviewers[1]". */
int h_assignments_auto(struct req *r, struct reply *out);

/* GET /api/v1/cycles/{cycle}/progress (admin): {"review_deadline": ts|null,"overdue": bool,
 * "reviewers": [{"login","display_name","assigned","not_started","in_progress","submitted",
 * "recused"}],"units": [{"code","name","kind","assigned","not_started","in_progress",
 * "submitted","recused","self": status|null}],"late": [{"login","display_name","unsubmitted",
 * "units": [code]}],"recusals": [{"assignment","unit","unit_name","reviewer","reviewer_name",
 * "reason","at","by"}]}. Counts are of review sheets; "assigned" excludes recused ones.
 * "reviewers" lists those with a sheet in the cycle, "units" every unit of the cycle (by kind,
 * then code). "late" lists reviewers with unsubmitted (not recused) sheets, most first, with
 * the units they owe; "overdue" is true once the review deadline has passed. "recusals" are
 * newest first; "by" is the login of who recused (the reviewer, or the admin declaring a
 * conflict for them). */
int h_cycle_progress(struct req *r, struct reply *out);

/* POST /api/v1/cycles/{cycle}/assignments/{id}/recuse (reviewer, their own review sheet; any
 * other is 404) {"reason","conflict"?: bool}: the reviewer withdraws from a sheet not yet
 * submitted (status "recused", reason and time kept, version raised; the scores stay for the
 * record but are never counted, and the reviewer no longer sees the sheet). With "conflict":
 * true the conflict with the unit is also declared (if not already) and the reviewer's other
 * open sheets for the unit in unpublished cycles are recused too. 200 {"assignment": {"id",
 * "status": "recused","reason"},"conflict": bool,"also_recused": [{"id","cycle"}]}; 409
 * E_CONFLICT when already submitted or recused. Audited: "assignment.recuse" per sheet,
 * "conflict.create" when declared. */
int h_assignment_recuse(struct req *r, struct reply *out);

/* POST /api/v1/cycles/{cycle}/assignments/{id}/reopen (admin) {"reason"}: a submitted sheet
 * goes back to "in_progress" (submitted_at cleared, version raised) so its author can change
 * and submit it again. Only while the author may edit: a review sheet in the review phase, a
 * self-assessment in the submission phase (else 409 E_NOT_OPEN). 200 {"assignment": {"id",
 * "kind","status": "in_progress","version"}}; 409 E_CONFLICT when not submitted. Recorded in
 * assignment_reopen and audited as "assignment.reopen" with the reason. */
int h_assignment_reopen(struct req *r, struct reply *out);

/* GET /api/v1/conflicts (admin: every declared conflict; reviewer: their own), by reviewer and
 * unit: {"conflicts": [{"reviewer","reviewer_name","unit","unit_name","reason","created_at",
 * "declared_by"}]}. */
int h_conflicts_list(struct req *r, struct reply *out);

/* POST /api/v1/conflicts (reviewer: {"unit": code,"reason"}; admin: {"reviewer": login,
 * "unit","reason"}): declares a conflict of interest; the reviewer's unsubmitted review sheets
 * for the unit in cycles not yet in publication or closed are recused with the same reason
 * (submitted ones stay). 201 {"conflict": (as listed),"recused": [{"id","cycle"}]}; 400 for an
 * unknown unit or reviewer; 409 E_DUPLICATE when already declared. Audited
 * ("conflict.create", and "assignment.recuse" per sheet). */
int h_conflict_create(struct req *r, struct reply *out);

#endif
