/*
 * h_rubrics.h - the rubrics API.
 */
#ifndef KAOPING_H_RUBRICS_H
#define KAOPING_H_RUBRICS_H

#include "req.h"

/* GET /api/v1/rubrics (admin): {"rubrics":[{"id","name","version","total_points","frozen",
 * "cycles","created_at","family"}]}. */
int h_rubrics_list(struct req *r, struct reply *out);

/* POST /api/v1/rubrics (admin): a rubric as a JSON tree (see rubrics.h), optionally with
 * "derived_from": the id of the rubric it is a new version of (it then joins that family with
 * the next version number); every rule checked, 400 E_VALIDATION naming the node's path and
 * code otherwise; 201 {"rubric"} as stored. */
int h_rubric_create(struct req *r, struct reply *out);

/* PUT /api/v1/rubrics/{id} (admin): replaces the tree of a rubric that is not frozen (same
 * checks as POST); 409 E_CONFLICT for a frozen one (save it as a new rubric instead);
 * {"rubric"}. */
int h_rubric_replace(struct req *r, struct reply *out);

/* GET /api/v1/rubrics/{id} (signed in): {"rubric"} as a tree with per-area points, its family
 * and the family's versions. */
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

/* GET /api/v1/rubrics/{id}/diff?to={other} (admin): what changes from rubric ID to OTHER (see
 * rubric_diff.h) plus "from"/"to": {"id","name","version","total_points"}; 400 when `to` is
 * missing or names no rubric. */
int h_rubric_diff(struct req *r, struct reply *out);

/* GET /api/v1/rubrics/{id}/export.json|.csv|.xlsx (admin): the rubric as a download in the
 * POST form (JSON), or one row per node (CSV in UTF-8 with a BOM, or an XLSX workbook; the
 * columns are in rubric_io.h). Importing the file gives back the same rubric. */
int h_rubric_export(struct req *r, struct reply *out);

/* POST /api/v1/rubrics/import?save=0|1 (admin; multipart field "file": a .json, .csv or .xlsx
 * export, told apart by content). save=0 (the default) reads and checks the file without
 * storing anything: 200 {"rubric": tree, "format", "problem": null | {"field","detail"}} (a
 * rule broken by the content, e.g. points that do not add up, is reported in "problem" so the
 * editor can open the tree and show it next to its node). save=1 stores it: 201 {"rubric"}.
 * A file that cannot be read as a rubric is refused (400/415/422) with a detail naming the
 * line ("第 N 行：…"); with save=1 so is a broken rule. */
int h_rubric_import(struct req *r, struct reply *out);

#endif
