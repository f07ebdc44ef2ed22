/*
 * h_review.h - what a reviewer (or a unit user doing its self-assessment, 自评) needs on the
 * scoring page in one answer, and their list of sheets to work on.
 */
#ifndef KAOPING_H_REVIEW_H
#define KAOPING_H_REVIEW_H

#include "req.h"

/* GET /api/v1/cycles/{cycle}/units/{unit}/scoring[?sheet=ID] ({unit}: a unit code, or "~ID"
 * naming the caller's own assignment ID, the only form a blind cycle shows its reviewers).
 * A reviewer: their own review sheet (404 when not assigned or recused); a unit user: their
 * unit's self-assessment (sheet null before the first save); the admin: the sheet ?sheet=ID
 * read-only (404 unless it is one of the unit's sheets in the cycle; sheet null without it;
 * ?sheet from anyone else is 400). Drafts are 404 except for the admin. 200
 * {"cycle": {"id","year","title","phase","submission_deadline","review_deadline","settings"
 * (h_cycles.h's cycle_settings)},
 *  "unit": {"code","name","kind","kind_name","blind"},
 *  "report": null | {"id","version","filename","text","sections"},
 *  "rubric": (rubrics.h's tree) | null (no rubric chosen yet),
 *  "sheet": (sheets.h's form) | null,
 *  "editable", "readonly_reason": Chinese text | null (wrong phase, submitted, the admin, no
 *  rubric),
 *  "score_step": the step points move in (the cycle's, else the rubric's, else
 *  SHEET_DEFAULT_STEP), "comment_below": the cycle's (0 = no comment required),
 *  "not_applicable": [leaf codes that do not apply to the unit: by kind, or marked N/A for it by
 *  the office; the submit check skips them],
 *  "hints": {"<leaf code>": [{"start","end","keywords": [text],"hits": [[start, end]]}]} (one
 *  member per applicable leaf that has keywords, [] when none is found; {} without a report;
 *  hints.h says how passages are cut and ranked, at most HINTS_MAX_PER_LEAF),
 *  "others": null | [{"reviewer": display name,"status","total": (scoring.h's result),
 *  "items"}],
 *  "self": null | {"status","total","items"}}.
 * Offsets count Unicode code points of "text". In a blind cycle a reviewer sees the unit as
 * {"code": "~ID","name": "匿名单位 ID","blind": true} (kind kept), the report without its file
 * name, and every occurrence of the unit's names (sheets.h's sheet_blind_names) in the text,
 * the sections' headings, the quotes and the comments masked with as many "＊" (offsets hold;
 * hints are found in the masked text). "others" holds the other submitted review sheets when
 * the cycle's settings allow it: for a reviewer reveal_others "always", or "after_submit" once
 * the caller's own sheet is submitted (null for "never" and before that); for the admin
 * always (every submitted review sheet but the one shown); never for a unit user. "self" holds
 * the unit's self-assessment: for a reviewer when show_self is on and the self-assessment is
 * submitted or the cycle is past the submission phase; for the admin whenever there is one;
 * never for the unit user (it is their "sheet"). */
int h_scoring_get(struct req *r, struct reply *out);

/* GET /api/v1/reviews (reviewer, unit user): the caller's sheets to work on, newest cycle
 * first, draft cycles left out. A reviewer: every review assignment (recused ones too, with
 * that status), by unit code within a cycle (blind cycles: by assignment). A unit user: one
 * row per cycle its unit takes part in, with its self-assessment ("assignment": id | null,
 * "status": "not_started" before the first save, "version" 0). Rows: {"assignment","kind":
 * "review"|"self","cycle","cycle_title","year","phase","unit","unit_name","unit_kind",
 * "unit_kind_name","status","version","submitted_at","scored" (applicable leaves scored or
 * marked N/A),"leaves" (applicable leaves: by the unit's kind, less those the office marked
 * N/A for it),"submission_deadline","review_deadline","blind","has_report"}; a blind cycle's
 * rows show the unit as "~ID" and "匿名单位 ID". 200 {"reviews": [...]}. */
int h_reviews_list(struct req *r, struct reply *out);

#endif
