/*
 * results.h - a cycle's results as a pure computation: from the submitted review sheets to
 * every unit's aggregated scores, total, rank and grade, with the disagreements to discuss,
 * the sensitivity to the aggregation method and a trace of every step. No database, no HTTP:
 * JSON in (jansson), JSON out. The statistics live in aggregate.c, ranks and quotas in
 * ranking.c, the rubric's rules (N/A rescaling, caps, floors, vetoes) in scoring.c.
 *
 * INPUT
 *   rubric     the tree of rubric_get() (see rubrics.h): areas → children → leaves with
 *              max_points and applies_to; bonus, deduction, veto; rules; grade_bands (highest
 *              first). Assumed valid (rubric_validate); only what the engine needs is checked.
 *   units      [{"code", "name", "kind"}] the cycle's units; kind may be null (every leaf
 *              applies). Codes unique.
 *   sheets     the SUBMITTED review sheets (not self-assessments, not drafts):
 *              [{"unit": code, "reviewer": login, "items": {code: {"points": n|null,
 *              "na": bool, "count": n, "veto": bool}}}] - the stored item form of sheets.h;
 *              other members (comment, evidence) are ignored. Per item code: leaves read
 *              points (0..max_points, null = not scored) and na; bonus and deduction items
 *              read count (≥ 0; absent or null = 0); veto items read veto. One sheet per
 *              (unit, reviewer).
 *   office_na  optional (NULL or {}): {unit code: [leaf codes]} indicators the office marked
 *              not applicable to a unit.
 *   options    optional (NULL or {}), every member optional:
 *              "method"     "mean" (default) | "median" | "trimmed" | "normalized": the
 *                           cycle's official method; the others are computed too.
 *              "quotas"     [{"grade": band name, "max_share": 0..1}] at most one per band,
 *                           never on the lowest band.
 *              "flag_share" disagreement threshold, a fraction 0 < x ≤ 1 of the leaf's
 *                           maximum (default 0.5).
 *              "trace"      true (every unit), or [unit codes]: units whose "trace" is built.
 *                           Absent: none (the trace of 50,000 units would be huge).
 *              "overrides"  {unit code: {leaf code: points (0..max_points)}}: the outcome of
 *                           upheld appeals (复核). See OVERRIDES below. null or absent: none.
 *              Unknown members are refused.
 *
 * AGGREGATION (per unit × leaf)
 *   The leaf is N/A for the unit (na_reason) when the office marked it ("office"), else when
 *   applies_to excludes the unit's kind ("kind"), else when MORE than half of the unit's
 *   sheets mark it N/A ("majority"; 1 of 2 is not a majority). Otherwise its values are the
 *   points of the sheets that scored it (not N/A, points not null), n of them, and:
 *     mean; median (even n: mean of the two middle values); trimmed (n ≥ 3: drop one highest
 *     and one lowest, mean of the rest; n < 3: the mean); normalized (below); sd (sample,
 *     n − 1; 0 for n < 2); range = max − min.
 *   An applicable leaf that no sheet scored (cannot happen with submitted sheets) is 0 with
 *   n = 0 and status "unscored".
 *   flag (high disagreement, listed for discussion): n ≥ 2 and range ≥ flag_share × max_points.
 *   Every aggregate is rounded to 2 decimals (half away from zero) before it is summed, so the
 *   trace adds up as shown.
 *
 *   normalized (reviewer leniency): every value that enters an aggregate above becomes a
 *   fraction f = points ÷ max_points. Per reviewer r over all their fractions in the cycle:
 *   mean μr and sample sd σr; over all fractions of all reviewers: pooled μ and σ. Then
 *     - a reviewer with fewer than AGG_NORM_MIN_SHEETS (5) sheets in the cycle is left
 *       unchanged (a' = f);
 *     - else if σr = 0: a' = f − μr + μ;
 *     - else a' = μ + (f − μr) × σ / σr;
 *   a' clamped to [0, 1], times max_points, is the adjusted score; the leaf's normalized value
 *   is the mean of its adjusted scores. (Deviation from the first design, which counted
 *   SCORES (< 5 → shift only): one sheet already holds ~40 scores, and a reviewer who scored
 *   only one or two units has a mean that reflects those units' quality, so shifting it to
 *   the pool would erase exactly what is being measured. Counting SHEETS fixes that.)
 *
 *   OVERRIDES: after aggregation, a leaf with an override takes the override (rounded to 2
 *   decimals) as its value under EVERY method (mean, median, trimmed, normalized alike), so
 *   totals, ranks, grades and sensitivity all follow it. It does not change n, sd, range or
 *   flag (those describe the reviewers' scores) nor the leniency moments. A leaf the majority
 *   of sheets marked N/A applies again when it has an override; a leaf N/A by the office's
 *   mark or by unit kind stays N/A and its override is ignored. Units without sheets are
 *   not computed, so their overrides do nothing.
 *
 *   Bonus claims and deduction occurrences: the unit's sheets' counts (missing = 0, every sheet
 *   counts) aggregated with the method (normalized uses the mean), rounded to 2 decimals; a
 *   fractional count (mean 1.5 occurrences) deducts proportionally. Veto items: flagged when
 *   MORE than half of the unit's sheets flag them.
 *
 * TOTALS: per method, scoring_total() runs once on the unit's aggregated "virtual sheet" (the
 *   method's leaf values, the N/A leaves of every reason in "na", the aggregated counts, the
 *   majority vetoes) with the unit's kind, so the rubric's rules apply once, to the aggregate.
 *   The per-reviewer totals are scoring_total() of each sheet as its reviewer submitted it
 *   (their own N/A marks plus the office's; points null = 0): the total they saw.
 *   Units without any submitted sheet: status "no_sheets", total null, not ranked or graded.
 *
 * RANKS: by total (2 decimals) descending, standard competition ranking (1, 2, 2, 4); tied
 *   units share the rank and carry tied = true; listed in rank order, ties by unit code.
 *   rank_in_kind: the same among the ranked units of the same kind (units with kind null form
 *   one group).
 * GRADES: band_grade = scoring_total's grade (bands by total, then vetoes force or cap). Then
 *   quotas, from the highest band down: a band with max_share holds at most
 *   floor(max_share × ranked units) units, filled in rank order; units that do not fit move to
 *   the next band and compete there in rank order. A tied group straddling the limit is not
 *   split: all of it moves down and its units get border = true and border_grade = the band
 *   they missed (for the office's decision). Units only move down, so a vetoed unit never
 *   rises above its veto grade. Quotas apply to every method alike (for sensitivity).
 * SENSITIVITY: every ranked unit's total, rank and grade under every method; the units whose
 *   grade under some other method differs from the official one are listed.
 *
 * OUTPUT (one new object; all numbers rounded to 2 decimals; arrays in the order stated):
 *   {"method": official method,
 *    "methods": ["mean","median","trimmed","normalized"],
 *    "flag_share": n,
 *    "areas":  [{"code","name","max"}]                 top-level areas, rubric order
 *    "leaves": [{"code","name","area","max"}]          leaves, rubric order ("area": area code)
 *    "counts": {"units","ranked","no_sheets","sheets","reviewers"},
 *    "grades": [{"name","min","max_share": n|null,"limit": n|null,"count"}]  bands, highest
 *              first; count = units in the band after quotas (official method)
 *    "units": [ ranked units in rank order, then "no_sheets" units by code:
 *      {"code","name","kind","status": "ok"|"no_sheets","sheets": n (submitted sheets),
 *       "total": n|null, "base","applicable_max","rescaled","bonus","deduction": scoring_total's
 *         figures for the official method (absent for no_sheets),
 *       "areas":  [n|null] aligned with top-level "areas": sum of the area's applicable leaf
 *         values × the N/A rescaling factor when it applies (before deductions); null when
 *         every leaf of the area is N/A; may differ from "rescaled" by rounding (0.01s),
 *       "values": [n|null] aligned with top-level "leaves": the official method's leaf values,
 *         null = N/A for the unit,
 *       "disputed": [leaf codes flagged], "spread": {"sd","range"} of the per-reviewer totals,
 *       "rank","rank_in_kind": n|null, "tied","tied_in_kind": bool,
 *       "grade": n|null (after quotas), "band_grade": before quotas, "border": bool,
 *       "border_grade": band missed or null, "vetoed_by": veto code or null,
 *       "by_method": {method: {"total","rank","grade"}} (ranked units only),
 *       "trace": {...} (only for units asked for by options.trace, see below)}],
 *    "disagreements": [{"unit","leaf","n","min","max","range","sd"}] every flagged unit × leaf,
 *      units in rank order, leaves in rubric order,
 *    "sensitivity": [{"unit","name","grade","changes": {method: grade}}] units in rank order
 *      whose grade differs under some method ("changes" holds only the differing methods),
 *    "normalization": {"mu","sigma","min_sheets","reviewers": [{"reviewer","sheets","values",
 *      "mean","sd","mode": "unchanged"|"shifted"|"scaled"}] by login} (means of fractions,
 *      4 decimals),
 *    "notes": ["…"] Chinese sentences for the office: each quota's limit and what it did, each
 *      border group, a quota that leaves its band empty}
 *
 *   trace (the trace page; reviewers in login order everywhere):
 *     {"leaves": [{"code","status": "scored"|"na"|"unscored","na_reason": "office"|"kind"|
 *        "majority"|null,"na_votes": n,"scores": [{"reviewer","points": n|null,"na": bool,
 *        "adjusted": n|null (normalized score; null when not counted)}],
 *        "mean","median","trimmed","normalized","value","n","sd","range","flag",
 *        "override"?: {"points": the override,"replaced": the official method's aggregate it
 *        replaced,"note": "复核调整"}}] every leaf, rubric order (the statistics absent when
 *        the leaf is N/A; "mean" … "normalized" are the reviewers' aggregates, "value" is the
 *        leaf's value after any override; "override" only on overridden leaves),
 *      "counts": [{"code","type": "bonus"|"deduction","counts": [n per reviewer],"mean",
 *        "median","trimmed","value"}] items that some sheet counted,
 *      "vetoes": [{"code","votes","of","flagged": bool,"by": [logins]}] items some sheet flagged,
 *      "reviewers": [{"reviewer","total","grade"}],
 *      "scoring": scoring_total()'s object for the official method (with "steps"),
 *      "areas": [{"code","points","max","score"}] (points and max over applicable leaves),
 *      "ranking": ["…"] Chinese sentences: rank, ties, band grade, quota moves, border}
 *
 * ERRORS (E_VALIDATION with *FIELD a path and *PROBLEM a Chinese sentence naming the value):
 *   unknown method ("method"); bad quota ("quotas[i].grade" unknown, duplicate or the lowest
 *   band; "quotas[i].max_share" not a number in 0..1; quotas when the rubric has no bands);
 *   bad flag_share or trace or an unknown option ("options.x"); an override naming an unknown
 *   unit or leaf or a value outside 0..max_points ("options.overrides.<unit>[.<leaf>]"); a unit
 * without a code or with a duplicate one ("units[i].code"); a sheet naming an unknown unit, without
 * a reviewer, with an unknown indicator code or a bad value ("sheets[i].items.<code>.points"), or a
 * second sheet of the same reviewer for the same unit ("sheets[i].reviewer"); office_na naming an
 * unknown unit or leaf; a trace code that is not a unit; NO SUBMITTED SHEET AT ALL ("sheets": the
 *   cycle has nothing to compute). A rubric without leaves ("rubric.areas"). E_NOMEM when out
 *   of memory. NOT errors (ordinary results): units without sheets (status "no_sheets"), a
 *   quota whose limit is 0 (its band stays empty; a note says so), no disagreements, every
 *   unit in one band.
 * FIELD and PROBLEM live in a thread-local buffer until the next call of this module.
 *
 * SHARED VALUES: the output's numbers and strings may be one jansson value referenced from
 *   several places (every 85.5 is one real; a unit's code is the one of UNITS, which must then
 *   not change): treat them as read-only (never json_real_set() & co.); deleting, replacing and
 *   adding members is fine, and so is keeping parts of the output after the rest is freed.
 *
 * COST: linear in units × sheets × leaves (plus one sort per method). The rubric's rules are
 *   compiled once (scoring_figures(), bit for bit scoring_total()) and run 4 + sheets times
 *   per unit; scoring_total() itself runs only for traced units. Sheets are held in flat arrays
 *   (~10 bytes per score) until every unit is computed, then freed before the output is built,
 *   so the peak is the larger of the two, not their sum; the output's repeated values are
 *   shared. 50,000 units × 3 sheets × 40 leaves (unit_results, RelWithDebInfo, 2-core machine
 *   under load): computing 1.0–1.2 s (4.5–6.2 s with a JSON virtual sheet per total).
 */
#ifndef KAOPING_RESULTS_H
#define KAOPING_RESULTS_H

#include <jansson.h>

/* A computation in progress, for loaders that stream sheets instead of building one array. */
struct results;

/* Starts a computation over RUBRIC, UNITS, OFFICE_NA (may be NULL) and OPTIONS (may be NULL),
 * in the forms above; the arguments are borrowed references that must stay alive until
 * results_free(). E_OK with *OUT (free with results_free()), or E_VALIDATION with *FIELD and
 * *PROBLEM, or E_NOMEM. */
int results_new(json_t *rubric, json_t *units, json_t *office_na, json_t *options,
                struct results **out, const char **field, const char **problem);

/* Adds one submitted sheet SHEET (the form above; borrowed, not kept: it may be freed after the
 * call). Its field paths are "sheets[i]" with i the number of sheets added before. E_OK,
 * E_VALIDATION with *FIELD and *PROBLEM (R is unchanged then), or E_NOMEM. */
int results_add_sheet(struct results *r, json_t *sheet, const char **field, const char **problem);

/* Sheets from rows, for loaders that read scores one row at a time (results_db.c): no JSON
 * object per sheet or score. results_begin_sheet() opens the sheet of REVIEWER (login) for
 * UNIT (code); results_add_score() sets one of its items; results_end_sheet() adds it. The
 * sheet is the same as results_add_sheet() of {"unit", "reviewer", "items": {code: {"points",
 * "na", "count", "veto"}}} with the items given, in the order given: the same checks with the
 * same field paths ("sheets[i]…", i = the sheets added before), the same result. An item given
 * twice keeps the last values. After an error the open sheet is dropped (R keeps the sheets
 * added before; begin the next one or stop). E_OK, E_VALIDATION with *FIELD and *PROBLEM, or
 * E_NOMEM. Not between results_begin_sheet() and results_end_sheet(): results_add_sheet() and
 * results_finish() (which refuses an open sheet). */
int results_begin_sheet(struct results *r, const char *unit, const char *reviewer,
                        const char **field, const char **problem);

/* The number of the item CODE (a leaf, bonus, deduction or veto code of the rubric) for
 * results_add_score(), or -1 when the rubric has no such code. Look each code up once, not
 * once per score. */
int results_item(struct results *r, const char *code);

/* Sets item ITEM (results_item(), or -1 for a code the rubric does not have: the call then
 * fails naming CODE, as results_add_sheet() would) of the open sheet. CODE names the item in
 * messages (NULL = the rubric's code of ITEM). What is read depends on the item as in
 * results_add_sheet(): a leaf reads POINTS (NAN = null, not scored; else 0 .. max_points) and
 * NA (nonzero = N/A); a bonus or deduction item reads COUNT (NAN = null = 0; else ≥ 0); a veto
 * item reads VETO (nonzero = flagged). */
int results_add_score(struct results *r, int item, const char *code, double points, int na,
                      double count, int veto, const char **field, const char **problem);

/* Adds the open sheet. E_OK, E_VALIDATION (no sheet open) or E_NOMEM. */
int results_end_sheet(struct results *r, const char **field, const char **problem);

/* Computes the results of everything added into *OUT (a new object, caller decrefs). E_OK,
 * E_VALIDATION (no sheet at all, a duplicate sheet) with *FIELD and *PROBLEM, or E_NOMEM.
 * Call at most once; free R afterwards either way. */
int results_finish(struct results *r, json_t **out, const char **field, const char **problem);

/* Frees R (NULL is fine). */
void results_free(struct results *r);

/* The whole computation in one call: results_new(), results_add_sheet() for each element of
 * the array SHEETS, results_finish(). Same returns; *OUT only on E_OK (caller decrefs). */
int results_compute(json_t *rubric, json_t *units, json_t *sheets, json_t *office_na,
                    json_t *options, json_t **out, const char **field, const char **problem);

#endif
