/*
 * h_rubrics.h - the rubrics API.
 */
#ifndef KAOPING_H_RUBRICS_H
#define KAOPING_H_RUBRICS_H

#include "req.h"

/* GET /api/v1/rubrics (admin): {"rubrics":[{"id","name","version","total_points","frozen",
 * "cycles","created_at"}]}. */
int h_rubrics_list(struct req *r, struct reply *out);

/* POST /api/v1/rubrics (admin): a rubric as a JSON tree (see rubrics.h); every rule checked,
 * 400 E_VALIDATION naming the node's path and code otherwise; 201 {"rubric"} as stored. */
int h_rubric_create(struct req *r, struct reply *out);

/* PUT /api/v1/rubrics/{id} (admin): replaces the tree of a rubric that is not frozen (same
 * checks as POST); 409 E_CONFLICT for a frozen one (save it as a new rubric instead);
 * {"rubric"}. */
int h_rubric_replace(struct req *r, struct reply *out);

/* GET /api/v1/rubrics/{id} (signed in): {"rubric"} as a tree with per-area points. */
int h_rubric_get(struct req *r, struct reply *out);

/* POST /api/v1/rubrics/draft (admin) {"text","total_points"?}: a proposed rubric from the text
 * of a work plan or an assessment method: {"rubric": tree (unsaved), "notes": [...]}; 400
 * E_VALIDATION when the text has no numbered structure. */
int h_rubric_draft(struct req *r, struct reply *out);

/* POST /api/v1/rubrics/draft/file?total_points= (admin; multipart field "file": .txt, .docx,
 * .pdf): the same from an uploaded document, read like a report; the file is not kept. */
int h_rubric_draft_file(struct req *r, struct reply *out);

/* GET /api/v1/rubrics/template (admin): kaoping's built-in rubric for the annual 法治政府建设
 * assessment, as an unsaved tree to start a cycle's rubric from: {"rubric"}. */
int h_rubric_template(struct req *r, struct reply *out);

#endif
