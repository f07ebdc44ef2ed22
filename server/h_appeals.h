/*
 * h_appeals.h - appeals (复核) against published results: a unit files appeals on indicators
 * within the cycle's appeal window, the office assigns a reviewer for a re-review, the reviewer
 * rescores, the office decides; upheld appeals override the indicator's value in the results
 * (results_db.h). Tables: appeal, appeal_group, appeal_evidence (sql/0006_appeals.sql).
 *
 * An appeal row as every route shows it:
 *   {"id","group": id of the filing,"unit": code,"unit_name","indicator": leaf code,
 *    "indicator_name","reason","group_reason": the filing's overall reason ("" when none),
 *    "evidence": [{"start","end","quote"}] (the filing's passages, character offsets into the
 *    report version current at filing time),"status": "open"|"in_review"|"upheld"|"rejected",
 *    "created_at","reviewer": login|null,"reviewer_name": display name|null,"assigned_at": n|null,
 *    "rescore": {"points","comment","at"}|null,"before": n|null,"after": n|null,
 *    "response": the office's answer|null,"decided_at": n|null}
 * A unit user sees "reviewer" and "reviewer_name" as "评审专家" (null while unassigned) and
 * "rescore" only once the appeal is decided (the office's decision comes first).
 *
 * All changes need the cycle in the publication phase: 409 E_CONFLICT (detail
 * "考核周期已结束归档…") once it is closed, 409 E_NOT_OPEN in earlier phases. Every change is
 * audited (appeal.create, appeal.assign, appeal.rescore, appeal.decide).
 */
#ifndef KAOPING_H_APPEALS_H
#define KAOPING_H_APPEALS_H

#include "req.h"

#define APPEAL_MAX_ITEMS    20   /* indicators in one filing */
#define APPEAL_MAX_EVIDENCE 20   /* passages in one filing */
#define APPEAL_MAX_TEXT     2000 /* characters of a reason, comment or response */

/* POST /api/v1/cycles/{cycle}/appeals (a unit user, for its own unit) {"reason"?: ≤ 2000
 * characters,"items": [{"indicator": leaf code,"reason": 1..2000 characters}] (1..20),
 * "evidence"?: [{"start","end"}] (≤ 20, 0 ≤ start < end ≤ the current report's length in
 * characters, ≤ 2000 characters each)}. Only in the publication phase up to appeal_deadline
 * (null = no deadline): 409 E_NOT_OPEN with a Chinese detail otherwise (E_CONFLICT once
 * closed). 400 naming "items[i].indicator" for a code that is not a leaf of the cycle's
 * rubric, a leaf that does not apply to the unit (kind or the office's N/A mark) or a
 * duplicate; 409 E_CONFLICT on "items[i].indicator" when that indicator already has an
 * undecided appeal; 400 on "evidence[i]" for bad offsets or evidence without a report;
 * 404 when the unit is not in the cycle. 201 {"appeals": [rows]}, one per item, all or
 * nothing. */
int h_appeals_create(struct req *r, struct reply *out);

/* GET /api/v1/cycles/{cycle}/appeals[?status=open|in_review|upheld|rejected] (admin: all; unit
 * user: its unit's; reviewer: those assigned to them) → {"appeals": [rows]} by id. 400 on
 * "status" for another value; 404 for an unknown cycle (or a draft, for others than the
 * admin). */
int h_appeals_list(struct req *r, struct reply *out);

/* POST /api/v1/cycles/{cycle}/appeals/{id}/assign (admin) {"reviewer": login}: an open or
 * in_review appeal goes to that reviewer (status in_review; a re-review by an earlier reviewer
 * is dropped). 400 on "reviewer" for a login that is not an active reviewer; 409 E_CONFLICT on
 * "reviewer" when the reviewer belongs to the unit, declared a conflict with it or recused
 * from it in the cycle; 409 E_CONFLICT when the appeal is decided. 200 {"appeal": row}. */
int h_appeal_assign(struct req *r, struct reply *out);

/* POST /api/v1/cycles/{cycle}/appeals/{id}/rescore (the assigned reviewer) {"points": 0..the
 * leaf's maximum in the cycle's score step (settings.score_step, else the rubric's, else
 * 0.01),"comment": 1..2000 characters}: stores (or replaces) the re-review. 404 when the appeal
 * is not assigned to the caller or not in_review; 400 on "points" or "comment". 200
 * {"appeal": row}. */
int h_appeal_rescore(struct req *r, struct reply *out);

/* POST /api/v1/cycles/{cycle}/appeals/{id}/decide (admin) {"outcome": "upheld"|"rejected",
 * "response": 1..2000 characters,"points"?: the new value when upheld (0..max, on the score
 * step; default the re-review's points, required without one; refused when rejected)}:
 * before = the unit's official value of the leaf now (results_load; null when N/A or no
 * sheets), after = the new value when upheld, null when rejected; stored in appeal.outcome
 * {"before","after","response"}; upheld appeals then override the leaf in the results. 409
 * E_CONFLICT when already decided. 200 {"appeal": row}. */
int h_appeal_decide(struct req *r, struct reply *out);

#endif
