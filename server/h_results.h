/*
 * h_results.h - a cycle's results over HTTP: totals, ranks and grades under the cycle's
 * aggregation method (or another one, to compare), one unit's trace from the reviewers' scores
 * to its grade, and the reviewers' statistics. The computation itself is results.h and
 * revstats.h; this file loads their input from the database and decides who sees what.
 */
#ifndef KAOPING_H_RESULTS_H
#define KAOPING_H_RESULTS_H

#include "req.h"

/* The cycle of a results request and what the caller may see of it (h_results_open()). */
struct results_seen {
  int64_t cycle;    /* the cycle id */
  int64_t rubric;   /* its rubric, 0 = none */
  json_t *settings; /* cycle_settings() (owned: json_decref when done) */
  char phase[16];   /* its phase */
  int show_ranks;   /* settings.show_ranks */
};

/* Reads the {cycle} route parameter of R into S and checks that the caller may see the cycle's
 * results now (the rule shared by every results-derived route, h_compare.c too): the admin from
 * review on, everyone else from publication on. E_OK (S->settings to decref), E_NOT_FOUND
 * (unknown; a draft for a non-admin), E_NOT_OPEN with a Chinese detail in OUT, or a db error. */
int h_results_open(struct req *r, struct reply *out, struct results_seen *s);

/* Reads ?method= into *METHOD (NULL = the cycle's; else a static string). E_OK or E_VALIDATION
 * on "method" in OUT. */
int h_results_method(struct req *r, struct reply *out, const char **method);

/* Turns results_load()'s error RC into the reply: an error on a stored setting (a quota naming
 * a band the cycle's rubric no longer has, no rubric chosen) is the cycle's state, 409 with the
 * problem; others pass through with FIELD and PROBLEM copied into R's arena. Returns the code. */
int h_results_load_error(struct req *r, struct reply *out, int rc, const char *field,
                         const char *problem);

/* GET /api/v1/cycles/{cycle}/results[?method=mean|median|trimmed|normalized]: results.h's
 * output for the cycle's submitted review sheets (the method defaults to the cycle's
 * settings.aggregation.method; quotas and flag_share come from the settings too), from the
 * results cache (results_cache.h: computed again only after its inputs changed). The admin:
 * always, from the review phase on. Reviewers and unit users: from the publication phase on
 * only; a unit user gets its own unit's row (rank only when settings.show_ranks), reviewers
 * every unit without the trace-level detail. 400 for an unknown method (field "method"); 409
 * E_NOT_OPEN before the results may be seen; 200 {"results": …} with "empty": true and no
 * units ranked when no sheet is submitted yet.
 * A PAGE instead of every unit (admin and reviewers; a unit user's reply is its own row
 * anyway) when any of limit, offset or part is given:
 *   part    units (default) | disagreements | sensitivity: the list the page is taken from;
 *   limit   1..1000 entries (default 50); offset ≥ 0 (default 0);
 *   kind    only units of this kind (entries of the other lists: of units of this kind);
 *   q       only units whose code or name contains this text (≤ 200 bytes).
 * The reply holds the head (results.h's members but the three lists, without
 * normalization.reviewers; "parts": entries in each list; "kinds": [{"kind","units"}]), the
 * page under the part's name, and "page": {"part","offset","limit","total": entries that pass
 * the filters}. Disagreements gain "name" and sensitivity entries "by_method" of their unit.
 * A reviewer's page without show_ranks lists units by code, without ranks. 400 naming part,
 * limit, offset or q when invalid. */
int h_results_get(struct req *r, struct reply *out);

/* GET /api/v1/cycles/{cycle}/results/{unit}[?method=]: the unit's row with its "trace" (every
 * step from the reviewers' scores to its total and grade). The admin; the unit's own users from
 * publication on. 404 for a unit outside the cycle. Every trace leaf's score carries the
 * reviewer's "comment" on that leaf from the submitted sheet ("" when none); a unit user sees
 * the reviewers as 评审专家n. Leaves changed by an upheld appeal show "override" (results.h). */
int h_result_trace(struct req *r, struct reply *out);

/* GET /api/v1/cycles/{cycle}/statistics (admin): revstats.h's output for the cycle: completion,
 * leniency, agreement per indicator, outliers. */
int h_statistics_get(struct req *r, struct reply *out);

#endif
