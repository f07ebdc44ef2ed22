/*
 * scoring.h - a unit's total and grade from one set of scores under a rubric's rules, with a
 * trace of every step (so every total can be explained).
 *
 * The rules, in order:
 *   1. Leaves that do not apply to the unit (applies_to excludes its kind, or marked N/A for
 *      it) are left out, together with their maximum.
 *   2. base = sum of the applicable leaves' scores (each clamped to 0..max_points).
 *   3. With rules.na_rescale (the default) and some leaves left out:
 *      rescaled = base / applicable maximum × total_points; otherwise rescaled = base.
 *   4. bonus = sum over bonus items of min(points × claims, cap), at most rules.bonus_cap.
 *   5. deduction = sum over deduction items of min(points × occurrences, cap). An item with
 *      an "area" (the code of a top-level area) comes off that area's score only, and the
 *      area's deductions stop at its (rescaled) score: an area never goes below 0 (扣完为止).
 *      All deductions together are held to rules.deduction_cap.
 *   6. total = rescaled + bonus − deduction, never below 0 (扣完为止) nor above total_points.
 *   7. grade = the first band (highest first) whose min the total reaches.
 *   8. A veto item that is flagged forces the grade ("grade:不合格") or caps it ("cap:合格":
 *      no better than that band); the total itself is kept and shown.
 * Every number is rounded to 2 decimals at the end of each step.
 */
#ifndef KAOPING_SCORING_H
#define KAOPING_SCORING_H

#include <jansson.h>

/* Computes the total of SHEET under RUBRIC (the tree of rubric_get()) for a unit of kind
 * UNIT_KIND (NULL = every leaf applies). SHEET: {"scores": {"code": points, …},
 * "na": ["code", …], "claims": {"B1": n, …}, "occurrences": {"D1": n, …}, "veto": ["V1"]};
 * missing leaves count as 0. Returns a new object (caller decrefs) {"base",
 * "applicable_max", "rescaled", "bonus", "deduction", "total", "grade", "vetoed_by",
 * "excluded": [codes], "steps": ["…", …] (Chinese sentences, one per rule applied)}, or NULL
 * when out of memory. */
json_t *scoring_total(json_t *rubric, json_t *sheet, const char *unit_kind);

#endif
