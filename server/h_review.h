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
 * read-only (sheet null without it). 200 {"cycle": {"id","year","title","phase","settings"},
 * "unit": {"code","name","kind","blind"},"report": null | {"id","version","filename","text",
 * "sections"},"rubric": (rubrics.h's tree),"sheet": (sheets.h's form) | null,"editable",
 * "readonly_reason": text | null,"score_step","comment_below","hints": {"<leaf code>":
 * [{"start","end","keywords": [text],"hits": [[start, end]]}]},"others": null | [{"reviewer",
 * "status","total","items"}],"self": null | {"status","total","items"}}. Offsets count
 * Unicode code points of "text". In a blind cycle a reviewer sees the unit as "~ID" with a
 * neutral name, and every occurrence of the unit's name in the text and in quotes is masked
 * with as many "＊" (offsets hold). "others" holds the other submitted review sheets when the
 * cycle's settings allow it (reveal_others "always", or "after_submit" once the caller's own
 * sheet is submitted); "self" the unit's self-assessment when show_self is on. */
int h_scoring_get(struct req *r, struct reply *out);

/* GET /api/v1/reviews (reviewer, unit user): the caller's sheets to work on. A reviewer: every
 * review assignment, newest cycle first: [{"assignment","cycle","cycle_title","year","phase",
 * "unit","unit_name","unit_kind","status","version","submitted_at","scored","leaves",
 * "review_deadline","has_report"}] (blind cycles show "~ID" and a neutral name). A unit user:
 * one row per cycle its unit takes part in from the submission phase on, with its
 * self-assessment ("assignment": id | null, "status": "not_started" before the first save).
 * 200 {"reviews": [...]}. */
int h_reviews_list(struct req *r, struct reply *out);

#endif
