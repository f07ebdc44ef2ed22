/*
 * revstats.h - reviewer statistics of one cycle as a pure computation: no database, no HTTP, no
 * clock, no global state. JSON in, JSON out. The caller (the statistics route) loads the cycle's
 * rubric, assignments and submitted sheets into the three inputs below and serves the output.
 *
 * INPUTS
 *   rubric       the rubric tree in the form of rubrics.h (rubric_get() or the template): only
 *                "areas" is read. A node whose "children" is a non-empty array is a group; any
 *                other node is a leaf and must have a "code" (string, unique) and "max_points"
 *                (number > 0); "name" (string) is copied to the output when present. Leaves are
 *                taken in rubric order (depth first, children in array order).
 *   assignments  [{"reviewer": login, "reviewer_name": string|null, "unit": code,
 *                  "status": "assigned"|"in_progress"|"submitted"|"recused"}, …]: one element
 *                per assignment row of the cycle, recused ones included. "assigned" means not
 *                started. The first non-null "reviewer_name" of a login is its name.
 *   sheets       [{"unit": code, "reviewer": login, "items": {code: {"points": n|null,
 *                  "na": bool}, …}}, …]: the SUBMITTED review sheets only (the caller filters;
 *                every sheet given here is counted). At most one sheet per (unit, reviewer).
 *                Items whose code is not a leaf of the rubric are skipped (groups, removed
 *                indicators, bonus/deduction codes); so are items with "na": true and items
 *                whose "points" is null or absent. A score is clamped to 0 .. max_points (as
 *                scoring.c does). A reviewer who has sheets but no assignment row still gets a
 *                row in the output (counts 0, name null).
 *
 * DEFINITIONS
 *   cell       one unit × one leaf; its scores are the counted scores of the sheets on it.
 *   leniency   for every score s of reviewer R in a cell with at least one other score:
 *              d = (s − mean of the OTHER reviewers' scores in the cell) / max_points; the
 *              reviewer's leniency is the mean of d over all these comparisons (n of them). A
 *              score alone in its cell is not compared. Label: n < REVSTATS_LENIENCY_MIN_N →
 *              "样本不足"; otherwise fraction ≥ +REVSTATS_LENIENCY_LIMIT → "偏松",
 *              ≤ −REVSTATS_LENIENCY_LIMIT → "偏严", else "适中" (on the rounded fraction).
 *   agreement  ICC(1): the one-way random-effects, single-rating intraclass correlation
 *              (Shrout & Fleiss 1979, ICC(1,1); McGraw & Wong 1996, ICC(1)). Why this one: each
 *              unit is scored by its own subset of reviewers (not a fully crossed design), so
 *              reviewers cannot be modelled as a factor; the one-way model puts reviewer
 *              differences into the error term, which is exactly the disagreement we want to
 *              show, and its cut-offs (Koo & Li 2016) are the common reference for ratings.
 *              Krippendorff's alpha (interval) was the alternative; for 2-3 ratings per unit it
 *              gives nearly the same number (alpha ≈ ICC(1) with a small-sample correction),
 *              but its cut-offs come from content-analysis coding, and the office reads ICC.
 *              Only cells with ≥ 2 scores enter. With k such units, N scores, unit sizes m_i,
 *              unit means ȳ_i and the grand mean ȳ:
 *                MSB = Σ m_i (ȳ_i − ȳ)² / (k − 1)       MSW = Σ_i Σ_j (y_ij − ȳ_i)² / (N − k)
 *                n0  = (N − Σ m_i² / N) / (k − 1)       (= m when every unit has m scores)
 *                ICC(1) = (MSB − MSW) / (MSB + (n0 − 1) · MSW)
 *              It lies in (−1/(n0 − 1), 1]; negative values mean less agreement than chance and
 *              are reported as they are. Null when k < 2 (label "数据不足", reason
 *              "too_few_units") or when every score entering is the same (zero variance, the
 *              formula is 0/0; label "评分无差异", reason "no_variance"). Otherwise labels after
 *              Koo & Li 2016 on the rounded value: < 0.5 "较差", 0.5 ≤ x < 0.75 "一般",
 *              0.75 ≤ x < 0.9 "良好", ≥ 0.9 "很好"; reason null.
 *   overall    ICC(1) as above on the sheets' totals: each sheet's total is
 *              100 × Σ its counted points / Σ the max_points of those leaves (the N/A-rescaled
 *              score on a 100-point scale, without bonus and deductions); units with ≥ 2 sheets
 *              that have at least one counted score enter. This is the agreement that matters
 *              for the ranking. Also given: the plain mean of the non-null per-leaf values.
 *   outlier    a score s in a cell with at least REVSTATS_OUTLIER_MIN_SCORES scores where
 *              |s − median of the OTHER scores in the cell| ≥ REVSTATS_OUTLIER_LIMIT ×
 *              max_points (compared with a tolerance of 1e-9 × max_points; the median of an even
 *              count is the mean of the two middle values). Sorted by distance / max_points
 *              descending, then unit code, leaf in rubric order, reviewer login; at most
 *              REVSTATS_OUTLIER_CAP are listed.
 *
 * OUTPUT (a new object; every list in a fixed order, so equal inputs give equal bytes)
 *   {"method": "ICC(1)",
 *    "rules": {"leniency_min_n", "leniency_limit", "outlier_min_scores", "outlier_limit",
 *              "outlier_cap"}                             the constants below, for the page
 *    "completion": {"assigned", "not_started", "in_progress", "submitted", "recused",
 *                   "completion"}                         the whole cycle, as per reviewer
 *    "reviewers": [                                       by login (strcmp order)
 *      {"reviewer", "reviewer_name" (string|null),
 *       "assigned"    (assignment rows, recused ones included),
 *       "not_started" (status "assigned"), "in_progress", "submitted", "recused",
 *       "completion"  (submitted / (assigned − recused), 4 decimals; null when that is 0),
 *       "scores"      (the reviewer's counted scores),
 *       "mean_fraction" (mean of points / max_points over them, 4 decimals; null when none),
 *       "leniency": {"n", "fraction" (4 decimals; null when n = 0),
 *                    "per_100" (fraction × 100, points on a 100-point total, 2 decimals;
 *                               null when n = 0), "label"}}],
 *    "indicators": [                                      leaves in rubric order
 *      {"code", "name" (string|null), "max_points",
 *       "units"  (cells of this leaf with ≥ 2 scores), "scores" (the scores in those cells),
 *       "icc" (4 decimals|null), "label", "reason" (null|"too_few_units"|"no_variance")}],
 *    "overall": {"units", "scores", "icc", "label", "reason"   on the sheet totals, as above
 *                "leaf_mean" (mean of the non-null indicator icc values, 4 decimals|null),
 *                "leaves" (how many indicators have a non-null icc)},
 *    "outliers": {"total" (all outliers found), "truncated" (total > the cap),
 *                 "items": [{"unit", "leaf", "reviewer", "points", "others_median",
 *                            "distance" (|points − others_median|, 2 decimals),
 *                            "fraction" (distance / max_points, 4 decimals)}]}}
 *   Points are given as read (after clamping). Rounding is half away from zero.
 *
 * COST: linear in the number of items plus a sort of the sheets and of each unit's scores;
 * memory: the sheets' index and one unit's scores at a time (no copy of all scores).
 */
#ifndef KAOPING_REVSTATS_H
#define KAOPING_REVSTATS_H

#include <jansson.h>

#define REVSTATS_LENIENCY_MIN_N     10   /* comparisons needed before a leniency label */
#define REVSTATS_LENIENCY_LIMIT     0.05 /* |mean offset| of the maximum that counts as lenient */
#define REVSTATS_OUTLIER_MIN_SCORES 3    /* scores a cell needs before a score can be an outlier */
#define REVSTATS_OUTLIER_LIMIT      0.4  /* distance from the others' median, of the maximum */
#define REVSTATS_OUTLIER_CAP        500  /* outliers listed at most */

/* Computes the statistics of RUBRIC, ASSIGNMENTS and SHEETS (borrowed, not changed; forms
 * above) into *OUT (a new object, caller decrefs). Returns E_OK; E_VALIDATION when an input
 * does not have the form above (not an array/object, a missing or non-string unit, reviewer or
 * leaf code, an unknown status, max_points not > 0, a duplicate leaf code, points neither a
 * number nor null, two sheets for one unit and reviewer), with *PROBLEM (when PROBLEM is not
 * NULL) a sentence naming the element, valid in a thread-local buffer until the next call;
 * E_NOMEM when out of memory. *OUT is NULL unless E_OK. */
int revstats_compute(json_t *rubric, json_t *assignments, json_t *sheets, json_t **out,
                     const char **problem);

#endif
