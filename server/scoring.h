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

/* The same rules compiled once, for callers that total many sheets under one rubric (results.c
 * totals every unit 4 + sheets times; sheets.c keeps one per rubric for every sheet it reads):
 * arrays instead of JSON lookups. scoring_total() compiles the rubric and runs the same code, so
 * there is one implementation of the rules. scoring_figures() keeps a scratch array in the
 * compiled rubric (one caller at a time); everything else only reads it. */
struct scoring_rules;

/* One set of scores for scoring_figures(), in the compiled rubric's orders. */
struct scoring_in {
  const double *scores;      /* per leaf, in the order of a depth-first walk of "areas" */
  const unsigned char *out;  /* per leaf: 1 = left out (N/A for the unit, or applies_to
                                excludes its kind: the caller decides both) */
  const double *counts;      /* per bonus item with a code, then per deduction item with a code,
                                rubric order: claims / occurrences */
  const unsigned char *veto; /* per veto item with a code, rubric order: 1 = flagged */
};

/* scoring_total()'s numbers, grade and veto for one set of scores. */
struct scoring_figures {
  double base, applicable_max, rescaled, bonus, deduction, total;
  const char *grade;     /* band name (borrowed from the rubric), or NULL */
  const char *vetoed_by; /* veto code (borrowed from the rubric), or NULL */
};

/* Compiles RUBRIC (borrowed: it must outlive the result). A new object (free with
 * scoring_rules_free()), or NULL when out of memory. *NLEAF, *NCOUNT and *NVETO (each may be
 * NULL) receive the lengths struct scoring_in's arrays must have. */
struct scoring_rules *scoring_compile(json_t *rubric, int *nleaf, int *ncount, int *nveto);

/* Frees S (NULL is fine). */
void scoring_rules_free(struct scoring_rules *s);

/* The figures of IN under S into *OUT: bit for bit scoring_total()'s members for the sheet
 * {"scores": scores by leaf code, "na": the codes of the leaves with out = 1, "claims" and
 * "occurrences": the counts by item code, "veto": the codes flagged} with UNIT_KIND NULL
 * (and the leaves excluded by kind marked in IN's out). */
void scoring_figures(struct scoring_rules *s, const struct scoring_in *in,
                     struct scoring_figures *out);

/* scoring_total()'s object for IN under S (the figures, "excluded" and "steps"). S is only
 * read: threads may share it. A new object (caller decrefs), or NULL when out of memory. */
json_t *scoring_explain(const struct scoring_rules *s, const struct scoring_in *in);

/* The same object as compact JSON text, written directly (what sheets send; scoring_explain()
 * parses it), with jansson's number format: *LEN (when LEN is not NULL) bytes, malloc'd and
 * NUL-terminated, the caller frees it. NULL when out of memory. */
char *scoring_explain_text(const struct scoring_rules *s, const struct scoring_in *in, size_t *len);

/* Where CODE sits in S's orders, for filling a struct scoring_in: its leaf, its bonus
 * (DEDUCTION 0) or deduction (1) item among the counts, its veto item; -1 when it is none. */
int scoring_leaf_index(const struct scoring_rules *s, const char *code);
int scoring_count_index(const struct scoring_rules *s, int deduction, const char *code);
int scoring_veto_index(const struct scoring_rules *s, const char *code);

/* Sets OUT[l] (one byte per leaf) to 1 for each leaf whose "applies_to" leaves out a unit of
 * kind KIND (NULL: none is left out); other bytes are kept. */
void scoring_kind_out(const struct scoring_rules *s, const char *kind, unsigned char *out);

#endif
