/*
 * routes.c - the route table and the path matcher (see routes.h).
 *
 * To add a route: write the handler in the h_*.c file of its area, add a row here, and
 * describe it in server/openapi.json (test_openapi fails otherwise).
 */
#include "routes.h"

#include "err.h"
#include "h_appeals.h"
#include "h_assign.h"
#include "h_audit.h"
#include "h_compare.h"
#include "h_cycles.h"
#include "h_export.h"
#include "h_import.h"
#include "h_reports.h"
#include "h_results.h"
#include "h_review.h"
#include "h_cycle_rubric.h"
#include "h_rubrics.h"
#include "h_scores.h"
#include "h_search.h"
#include "h_session.h"
#include "h_system.h"
#include "h_units.h"
#include "h_users.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

const struct route routes[] = {
    /* operations */
    {"GET", "/healthz", ROLE_ANY, BODY_NONE, h_healthz, R_PWCHANGE},
    {"GET", "/metrics", ROLE_ANY, BODY_NONE, h_metrics, R_PWCHANGE},
    {"GET", "/api/v1/openapi.json", ROLE_ANY, BODY_NONE, h_openapi, R_PWCHANGE},
    {"POST", "/api/v1/client-errors", ROLE_ANY, BODY_JSON, h_client_error, R_PWCHANGE},
    /* sessions and the signed-in user */
    {"POST", "/api/v1/session", ROLE_ANY, BODY_JSON, h_login, R_PWCHANGE},
    {"DELETE", "/api/v1/session", ROLE_USER, BODY_NONE, h_logout, R_PWCHANGE},
    {"GET", "/api/v1/me", ROLE_USER, BODY_NONE, h_me, R_PWCHANGE},
    {"PUT", "/api/v1/me/password", ROLE_USER, BODY_JSON, h_me_password, R_PWCHANGE},
    {"GET", "/api/v1/me/sessions", ROLE_USER, BODY_NONE, h_me_sessions, R_PWCHANGE},
    {"DELETE", "/api/v1/me/sessions/{id}", ROLE_USER, BODY_NONE, h_me_session_end, R_PWCHANGE},
    /* units */
    {"GET", "/api/v1/unit-kinds", ROLE_USER, BODY_NONE, h_unit_kinds, 0},
    {"GET", "/api/v1/units", ROLE_USER, BODY_NONE, h_units_list, 0},
    {"POST", "/api/v1/units", ROLE_ADMIN, BODY_JSON, h_unit_create, 0},
    {"POST", "/api/v1/units/import", ROLE_ADMIN, BODY_UPLOAD, h_units_import, 0},
    {"GET", "/api/v1/units/{unit}", ROLE_USER, BODY_NONE, h_unit_get, 0},
    {"PATCH", "/api/v1/units/{unit}", ROLE_ADMIN, BODY_JSON, h_unit_update, 0},
    /* cycles */
    {"GET", "/api/v1/cycles", ROLE_USER, BODY_NONE, h_cycles_list, 0},
    {"POST", "/api/v1/cycles", ROLE_ADMIN, BODY_JSON, h_cycle_create, 0},
    {"GET", "/api/v1/cycles/{cycle}", ROLE_USER, BODY_NONE, h_cycle_get, 0},
    {"PATCH", "/api/v1/cycles/{cycle}", ROLE_ADMIN, BODY_JSON, h_cycle_update, 0},
    {"GET", "/api/v1/cycles/{cycle}/units", ROLE_USER, BODY_NONE, h_cycle_units, 0},
    {"GET", "/api/v1/cycles/{cycle}/rubric-change", ROLE_ADMIN, BODY_NONE, h_cycle_rubric_change,
     0},
    {"POST", "/api/v1/cycles/{cycle}/units/{unit}/late-upload", ROLE_ADMIN, BODY_JSON,
     h_cycle_late_upload, 0},
    /* reports */
    {"POST", "/api/v1/cycles/{cycle}/units/{unit}/report", ROLE_ADMIN | ROLE_UNIT, BODY_UPLOAD,
     h_report_upload, 0},
    {"GET", "/api/v1/cycles/{cycle}/units/{unit}/report", ROLE_USER, BODY_NONE, h_report_get, 0},
    {"GET", "/api/v1/cycles/{cycle}/units/{unit}/report/versions", ROLE_USER, BODY_NONE,
     h_report_versions, 0},
    {"GET", "/api/v1/cycles/{cycle}/units/{unit}/report/versions/{version}", ROLE_USER, BODY_NONE,
     h_report_version, 0},
    {"GET", "/api/v1/cycles/{cycle}/units/{unit}/report/versions/{version}/file", ROLE_USER,
     BODY_NONE, h_report_file, 0},
    {"POST", "/api/v1/cycles/{cycle}/reports/import", ROLE_ADMIN, BODY_UPLOAD, h_reports_import, 0},
    {"GET", "/api/v1/search", ROLE_USER, BODY_NONE, h_search, 0},
    /* assignments and score sheets */
    {"GET", "/api/v1/cycles/{cycle}/assignments", ROLE_ADMIN, BODY_NONE, h_assignments_list, 0},
    {"POST", "/api/v1/cycles/{cycle}/assignments", ROLE_ADMIN, BODY_JSON, h_assignment_create, 0},
    {"DELETE", "/api/v1/cycles/{cycle}/assignments/{id}", ROLE_ADMIN, BODY_NONE,
     h_assignment_delete, 0},
    {"POST", "/api/v1/cycles/{cycle}/assignments/import", ROLE_ADMIN, BODY_UPLOAD,
     h_assignments_import, 0},
    {"POST", "/api/v1/cycles/{cycle}/assignments/auto", ROLE_ADMIN, BODY_JSON, h_assignments_auto,
     0},
    {"POST", "/api/v1/cycles/{cycle}/assignments/{id}/recuse", ROLE_REVIEWER, BODY_JSON,
     h_assignment_recuse, 0},
    {"POST", "/api/v1/cycles/{cycle}/assignments/{id}/reopen", ROLE_ADMIN, BODY_JSON,
     h_assignment_reopen, 0},
    {"GET", "/api/v1/cycles/{cycle}/progress", ROLE_ADMIN, BODY_NONE, h_cycle_progress, 0},
    {"GET", "/api/v1/conflicts", ROLE_ADMIN | ROLE_REVIEWER, BODY_NONE, h_conflicts_list, 0},
    {"POST", "/api/v1/conflicts", ROLE_ADMIN | ROLE_REVIEWER, BODY_JSON, h_conflict_create, 0},
    {"GET", "/api/v1/reviews", ROLE_REVIEWER | ROLE_UNIT, BODY_NONE, h_reviews_list, 0},
    {"GET", "/api/v1/cycles/{cycle}/units/{unit}/scoring", ROLE_USER, BODY_NONE, h_scoring_get, 0},
    {"GET", "/api/v1/cycles/{cycle}/units/{unit}/scores", ROLE_USER, BODY_NONE, h_scores_get, 0},
    {"PUT", "/api/v1/cycles/{cycle}/units/{unit}/scores", ROLE_REVIEWER | ROLE_UNIT, BODY_JSON,
     h_scores_put, 0},
    /* results */
    {"GET", "/api/v1/cycles/{cycle}/results", ROLE_USER, BODY_NONE, h_results_get, 0},
    {"GET", "/api/v1/cycles/{cycle}/results/{unit}", ROLE_ADMIN | ROLE_UNIT, BODY_NONE,
     h_result_trace, 0},
    {"GET", "/api/v1/cycles/{cycle}/statistics", ROLE_ADMIN, BODY_NONE, h_statistics_get, 0},
    /* appeals (复核) */
    {"GET", "/api/v1/cycles/{cycle}/appeals", ROLE_USER, BODY_NONE, h_appeals_list, 0},
    {"POST", "/api/v1/cycles/{cycle}/appeals", ROLE_UNIT, BODY_JSON, h_appeals_create, 0},
    {"POST", "/api/v1/cycles/{cycle}/appeals/{id}/assign", ROLE_ADMIN, BODY_JSON, h_appeal_assign,
     0},
    {"POST", "/api/v1/cycles/{cycle}/appeals/{id}/rescore", ROLE_REVIEWER, BODY_JSON,
     h_appeal_rescore, 0},
    {"POST", "/api/v1/cycles/{cycle}/appeals/{id}/decide", ROLE_ADMIN, BODY_JSON, h_appeal_decide,
     0},
    /* comparing units */
    {"GET", "/api/v1/cycles/{cycle}/compare", ROLE_ADMIN | ROLE_REVIEWER, BODY_NONE, h_compare_get,
     0},
    {"GET", "/api/v1/cycles/{cycle}/heatmap", ROLE_ADMIN | ROLE_REVIEWER, BODY_NONE, h_heatmap_get,
     0},
    {"GET", "/api/v1/units/{unit}/history", ROLE_USER, BODY_NONE, h_unit_history, 0},
    {"GET", "/api/v1/cycles/{cycle}/export.csv", ROLE_ADMIN, BODY_NONE, h_export, 0},
    {"GET", "/api/v1/cycles/{cycle}/export.xlsx", ROLE_ADMIN, BODY_NONE, h_export, 0},
    {"GET", "/api/v1/cycles/{cycle}/export.json", ROLE_ADMIN, BODY_NONE, h_export, 0},
    {"GET", "/api/v1/cycles/{cycle}/units/{unit}/scoresheet.xlsx", ROLE_ADMIN, BODY_NONE,
     h_export_unit, 0},
    /* rubrics */
    {"GET", "/api/v1/rubrics", ROLE_ADMIN, BODY_NONE, h_rubrics_list, 0},
    {"POST", "/api/v1/rubrics", ROLE_ADMIN, BODY_JSON, h_rubric_create, 0},
    {"GET", "/api/v1/rubrics/template", ROLE_ADMIN, BODY_NONE, h_rubric_template, 0},
    {"POST", "/api/v1/rubrics/draft", ROLE_ADMIN, BODY_JSON, h_rubric_draft, 0},
    {"POST", "/api/v1/rubrics/draft/file", ROLE_ADMIN, BODY_UPLOAD, h_rubric_draft_file, 0},
    {"GET", "/api/v1/rubrics/{id}", ROLE_USER, BODY_NONE, h_rubric_get, 0},
    {"PUT", "/api/v1/rubrics/{id}", ROLE_ADMIN, BODY_JSON, h_rubric_replace, 0},
    {"GET", "/api/v1/rubrics/{id}/diff", ROLE_ADMIN, BODY_NONE, h_rubric_diff, 0},
    {"GET", "/api/v1/rubrics/{id}/export.json", ROLE_ADMIN, BODY_NONE, h_rubric_export, 0},
    {"GET", "/api/v1/rubrics/{id}/export.csv", ROLE_ADMIN, BODY_NONE, h_rubric_export, 0},
    {"GET", "/api/v1/rubrics/{id}/export.xlsx", ROLE_ADMIN, BODY_NONE, h_rubric_export, 0},
    {"POST", "/api/v1/rubrics/import", ROLE_ADMIN, BODY_UPLOAD, h_rubric_import, 0},
    /* accounts (assessment office) */
    {"GET", "/api/v1/users", ROLE_ADMIN, BODY_NONE, h_users_list, 0},
    {"POST", "/api/v1/users", ROLE_ADMIN, BODY_JSON, h_user_create, 0},
    {"GET", "/api/v1/users/{id}", ROLE_ADMIN, BODY_NONE, h_user_get, 0},
    {"PATCH", "/api/v1/users/{id}", ROLE_ADMIN, BODY_JSON, h_user_update, 0},
    {"POST", "/api/v1/users/{id}/password-reset", ROLE_ADMIN, BODY_NONE, h_user_reset_password, 0},
    {"POST", "/api/v1/cycles/{cycle}/unit-accounts", ROLE_ADMIN, BODY_NONE, h_unit_accounts, 0},
    /* audit trail */
    {"GET", "/api/v1/audit", ROLE_ADMIN, BODY_NONE, h_audit_list, 0},
    {"GET", "/api/v1/audit/verify", ROLE_ADMIN, BODY_NONE, h_audit_verify, 0},
};
const size_t routes_count = sizeof routes / sizeof routes[0];

int route_pattern_match(const char *pattern, const char *path, const char **params, int *nparams,
                        struct arena *a)
{
  const char *p = pattern, *s = path;
  int n = 0;
  while (*p && *s) {
    if (*p == '{') {
      const char *pend = strchr(p, '}'), *send = strchr(s, '/');
      if (!send) send = s + strlen(s);
      if (!pend || send == s || n >= REQ_MAX_PARAMS) return 0;
      if (params) {
        params[n] = arena_strndup(a, s, (size_t)(send - s));
        if (!params[n]) return -1;
      }
      n++;
      p = pend + 1;
      s = send;
    } else if (*p++ != *s++) {
      return 0;
    }
  }
  if (*p || *s) return 0;
  if (nparams) *nparams = n;
  return 1;
}

/* What a path must have to match route I, known before matching it: its number of slashes
 * and its literal end (the pattern's text after its last parameter, e.g. "/scores"). Most
 * routes fail on one of the two, so only a few are matched character by character. */
static struct {
  unsigned slashes;
  const char *tail;
  size_t tail_len;
} shape[sizeof routes / sizeof routes[0]];
static pthread_once_t shape_once = PTHREAD_ONCE_INIT;

static void shape_init(void)
{
  for (size_t i = 0; i < routes_count; i++) {
    const char *pat = routes[i].pattern, *close = strrchr(pat, '}');
    for (const char *q = pat; *q; q++) shape[i].slashes += *q == '/';
    shape[i].tail = close ? close + 1 : pat;
    shape[i].tail_len = strlen(shape[i].tail);
  }
}

/* 1 when PATH (LEN bytes, SLASHES slashes) may match route I (see shape). */
static int may_match(size_t i, const char *path, size_t len, unsigned slashes)
{
  return shape[i].slashes == slashes && shape[i].tail_len <= len &&
         !memcmp(path + len - shape[i].tail_len, shape[i].tail, shape[i].tail_len);
}

int route_match(const char *method, const char *path, const struct route **rt, const char **params,
                int *nparams, struct arena *a, char *allow, size_t allowlen)
{
  const char *want = strcmp(method, "HEAD") ? method : "GET";
  size_t used = 0, len = strlen(path);
  unsigned slashes = 0;
  int known = 0;
  allow[0] = 0;
  pthread_once(&shape_once, shape_init);
  for (const char *q = path; *q; q++) slashes += *q == '/';
  /* The method's own routes first, matched without copying parameters (a failed match would
   * leave its copies in A); the other methods only when none matches, for ALLOW. */
  for (size_t i = 0; i < routes_count; i++) {
    if (!may_match(i, path, len, slashes) || strcmp(routes[i].method, want) ||
        route_pattern_match(routes[i].pattern, path, NULL, NULL, a) != 1)
      continue;
    if (route_pattern_match(routes[i].pattern, path, params, nparams, a) < 0) return E_NOMEM;
    *rt = &routes[i];
    return E_OK;
  }
  for (size_t i = 0; i < routes_count; i++) {
    if (may_match(i, path, len, slashes) && strcmp(routes[i].method, want) &&
        route_pattern_match(routes[i].pattern, path, NULL, NULL, a) == 1) {
      known = 1;
      const char *m = routes[i].method;
      int n = snprintf(allow + used, allowlen - used, "%s%s%s", used ? ", " : "", m,
                       strcmp(m, "GET") ? "" : ", HEAD");
      if (n > 0 && used + (size_t)n < allowlen) used += (size_t)n;
    }
  }
  return known ? E_METHOD : E_NOT_FOUND;
}

int route_is_unsafe(const struct route *rt)
{
  return strcmp(rt->method, "GET") != 0;
}
