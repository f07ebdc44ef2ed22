/*
 * rubric_draft.h - proposes a draft rubric (考核指标 tree) from the text of a work plan (工作要点)
 * or an assessment method / scoring sheet (考核办法, 评分标准). No I/O and no state: one call
 * reads one text and returns a JSON tree the office then edits.
 *
 * What is read (rubric_draft.c documents the rules in full):
 *   - numbered headings at the start of a line: 一、 （一） 1. 1、 1．  1.1 （1） 1） ①;
 *   - which part holds the tasks: the top-level items named 主要任务/重点任务/考核内容/… when
 *     there are any, else every top-level item except preamble and closing parts (总体要求,
 *     指导思想, 组织保障, 保障措施, 工作要求, 落实机制, …); a single remaining wrapper whose
 *     items have items of their own is unwrapped;
 *   - per indicator: name (heading up to the first 。), guidance (the rest of its text),
 *     responsible units (责任单位/牵头单位/责任部门 clauses, removed from the guidance), stated
 *     points (（15分）, 共20分) and 3–8 proposed keywords.
 * Everything is linear in the text (keywords look at most at the first 3000 bytes of each
 * indicator's text). Ill-formed UTF-8 is dropped from the output strings.
 */
#ifndef KAOPING_RUBRIC_DRAFT_H
#define KAOPING_RUBRIC_DRAFT_H

#include <jansson.h>
#include <stddef.h>

/* Proposes a rubric tree from TEXT (UTF-8, LEN bytes, need not be NUL-terminated). TOTAL is the
 * sum the leaf points must reach (usually 100).
 *
 * On E_OK, *OUT is a new object (caller json_decref):
 *   {"name": title or null, "total_points": TOTAL,
 *    "areas": [{"code":"1","name":…,"children":[
 *        {"code":"1.1","name":…,"max_points":n,"guidance":…,"keywords":[…],
 *         "responsible": string or null,"points_from_text":bool,"line":n}
 *      or {"code":"1.2","name":…,"guidance":…,"responsible":…,"line":n,"children":[leaves
 *         coded "1.2.1" …]}]}],
 *    "notes": [strings for the office: skipped parts, averaged points, mismatched totals]}
 * Leaf points sum to TOTAL exactly (steps of 0.5) unless points stated in the text disagree
 * with TOTAL, which a note then says.
 *
 * Errors: E_VALIDATION with *DETAIL set to a static Chinese message (never freed) for a NULL or
 * empty text, a TOTAL that is not a positive number, or a text with no numbered structure;
 * E_NOMEM. *OUT is NULL on error. DETAIL may be NULL; *DETAIL is set to NULL on E_OK. */
int rubric_draft(const char *text, size_t len, double total, json_t **out, const char **detail);

#endif
