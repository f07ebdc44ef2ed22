/*
 * it_accounts.c - integration tests of accounts, sessions and authorization against the real
 * daemon (with demo data): the route x actor authorization matrix, account management by the
 * assessment office, forced password change, own password and sessions, disabling, resets,
 * the unit accounts sheet, and the audit trail API.
 *
 * The matrix walks kaoping's own route table (linked in from kaoping_core), so a route added
 * without an expectation here, or with a policy other than the expected one, fails.
 */
#include "req.h"
#include "routes.h"
#include "testutil.h"

#include <check.h>
#include <time.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct tu_daemon d;

static void start(void)
{
  const char *args[] = {"--demo", NULL};
  ck_assert_msg(tu_start(&d, NULL, args) == 0, "daemon did not start: %s", d.out);
}

static void stop(void)
{
  ck_assert_int_eq(tu_stop(&d), 0);
  tu_rmrf(d.dir);
}

/* A signed-in client: its cookie jar and CSRF token. */
struct client {
  char jar[300];
  char csrf[65];
};

/* Signs LOGIN in with PASSWORD into a fresh jar; asserts the status is WANT. */
static void sign_in(struct client *c, const char *login, const char *password, long want)
{
  static int n;
  snprintf(c->jar, sizeof c->jar, "%s/jar-%d-%s", d.dir, n++, login);
  unlink(c->jar);
  long status = tu_login(d.url, login, password, c->jar, c->csrf);
  ck_assert_msg(status == want, "login %s: %ld", login, status);
}

/* Sends METHOD PATH as client C (NULL = anonymous) with a JSON BODY (may be NULL). */
static void call(struct client *c, const char *method, const char *path, const char *body,
                 struct tu_resp *r)
{
  char url[600], tok[100];
  snprintf(url, sizeof url, "%s%s", d.url, path);
  snprintf(tok, sizeof tok, "X-CSRF-Token: %s", c ? c->csrf : "");
  const char *h[] = {"Content-Type: application/json", tok, NULL};
  tu_http(method, url, body ? h : h + 1, body, body ? strlen(body) : 0, c ? c->jar : NULL, r);
}

/* Parses R's body; asserts it is JSON. Caller decrefs. */
static json_t *body_json(struct tu_resp *r)
{
  json_t *j = json_loads(r->body, 0, NULL);
  ck_assert_msg(j != NULL, "not JSON (%ld): %s", r->status, r->body);
  return j;
}

static const char *error_code(struct tu_resp *r)
{
  static char code[64];
  json_t *j = body_json(r);
  snprintf(code, sizeof code, "%s",
           json_string_value(json_object_get(json_object_get(j, "error"), "code")));
  json_decref(j);
  return code;
}

/* The id of user LOGIN, looked up as admin A. */
static long long user_id(struct client *a, const char *login)
{
  char path[200];
  snprintf(path, sizeof path, "/api/v1/users?q=%s", login);
  struct tu_resp r;
  call(a, "GET", path, NULL, &r);
  ck_assert_int_eq(r.status, 200);
  json_t *j = body_json(&r);
  size_t i;
  json_t *u;
  long long id = 0;
  json_array_foreach(json_object_get(j, "users"), i, u)
  {
    if (!strcmp(json_string_value(json_object_get(u, "login")), login))
      id = json_integer_value(json_object_get(u, "id"));
  }
  json_decref(j);
  tu_resp_free(&r);
  ck_assert_int_gt(id, 0);
  return id;
}

/* ---- the authorization matrix ---- */

/* Who may call each route: every row of the route table needs one here. */
static const struct {
  const char *method, *pattern;
  int allowed;
} expected[] = {
    {"GET", "/healthz", ROLE_ANY},
    {"GET", "/metrics", ROLE_ANY},
    {"GET", "/api/v1/openapi.json", ROLE_ANY},
    {"POST", "/api/v1/client-errors", ROLE_ANY},
    {"POST", "/api/v1/session", ROLE_ANY},
    {"DELETE", "/api/v1/session", ROLE_USER},
    {"GET", "/api/v1/me", ROLE_USER},
    {"PUT", "/api/v1/me/password", ROLE_USER},
    {"GET", "/api/v1/me/sessions", ROLE_USER},
    {"DELETE", "/api/v1/me/sessions/{id}", ROLE_USER},
    {"GET", "/api/v1/unit-kinds", ROLE_USER},
    {"GET", "/api/v1/units", ROLE_USER},
    {"POST", "/api/v1/units", ROLE_ADMIN},
    {"POST", "/api/v1/units/import", ROLE_ADMIN},
    {"GET", "/api/v1/units/{unit}", ROLE_USER},
    {"PATCH", "/api/v1/units/{unit}", ROLE_ADMIN},
    {"GET", "/api/v1/cycles", ROLE_USER},
    {"POST", "/api/v1/cycles", ROLE_ADMIN},
    {"GET", "/api/v1/cycles/{cycle}", ROLE_USER},
    {"PATCH", "/api/v1/cycles/{cycle}", ROLE_ADMIN},
    {"GET", "/api/v1/cycles/{cycle}/units", ROLE_USER},
    {"POST", "/api/v1/cycles/{cycle}/units/{unit}/late-upload", ROLE_ADMIN},
    {"POST", "/api/v1/cycles/{cycle}/units/{unit}/report", ROLE_ADMIN | ROLE_UNIT},
    {"GET", "/api/v1/cycles/{cycle}/units/{unit}/report", ROLE_USER},
    {"GET", "/api/v1/cycles/{cycle}/units/{unit}/report/versions", ROLE_USER},
    {"GET", "/api/v1/cycles/{cycle}/units/{unit}/report/versions/{version}", ROLE_USER},
    {"GET", "/api/v1/cycles/{cycle}/units/{unit}/report/versions/{version}/file", ROLE_USER},
    {"POST", "/api/v1/cycles/{cycle}/reports/import", ROLE_ADMIN},
    {"GET", "/api/v1/search", ROLE_USER},
    {"GET", "/api/v1/cycles/{cycle}/assignments", ROLE_ADMIN},
    {"POST", "/api/v1/cycles/{cycle}/assignments", ROLE_ADMIN},
    {"DELETE", "/api/v1/cycles/{cycle}/assignments/{id}", ROLE_ADMIN},
    {"POST", "/api/v1/cycles/{cycle}/assignments/import", ROLE_ADMIN},
    {"POST", "/api/v1/cycles/{cycle}/assignments/auto", ROLE_ADMIN},
    {"POST", "/api/v1/cycles/{cycle}/assignments/{id}/recuse", ROLE_REVIEWER},
    {"POST", "/api/v1/cycles/{cycle}/assignments/{id}/reopen", ROLE_ADMIN},
    {"GET", "/api/v1/cycles/{cycle}/progress", ROLE_ADMIN},
    {"GET", "/api/v1/conflicts", ROLE_ADMIN | ROLE_REVIEWER},
    {"POST", "/api/v1/conflicts", ROLE_ADMIN | ROLE_REVIEWER},
    {"GET", "/api/v1/reviews", ROLE_REVIEWER | ROLE_UNIT},
    {"GET", "/api/v1/cycles/{cycle}/units/{unit}/scoring", ROLE_USER},
    {"GET", "/api/v1/cycles/{cycle}/units/{unit}/scores", ROLE_USER},
    {"PUT", "/api/v1/cycles/{cycle}/units/{unit}/scores", ROLE_REVIEWER | ROLE_UNIT},
    {"GET", "/api/v1/cycles/{cycle}/results", ROLE_USER},
    {"GET", "/api/v1/cycles/{cycle}/results/{unit}", ROLE_ADMIN | ROLE_UNIT},
    {"GET", "/api/v1/cycles/{cycle}/statistics", ROLE_ADMIN},
    {"GET", "/api/v1/cycles/{cycle}/appeals", ROLE_USER},
    {"POST", "/api/v1/cycles/{cycle}/appeals", ROLE_UNIT},
    {"POST", "/api/v1/cycles/{cycle}/appeals/{id}/assign", ROLE_ADMIN},
    {"POST", "/api/v1/cycles/{cycle}/appeals/{id}/rescore", ROLE_REVIEWER},
    {"POST", "/api/v1/cycles/{cycle}/appeals/{id}/decide", ROLE_ADMIN},
    {"GET", "/api/v1/cycles/{cycle}/compare", ROLE_ADMIN | ROLE_REVIEWER},
    {"GET", "/api/v1/cycles/{cycle}/heatmap", ROLE_ADMIN | ROLE_REVIEWER},
    {"GET", "/api/v1/units/{unit}/history", ROLE_USER},
    {"GET", "/api/v1/cycles/{cycle}/export.csv", ROLE_ADMIN},
    {"GET", "/api/v1/cycles/{cycle}/export.xlsx", ROLE_ADMIN},
    {"GET", "/api/v1/cycles/{cycle}/export.json", ROLE_ADMIN},
    {"GET", "/api/v1/cycles/{cycle}/units/{unit}/scoresheet.xlsx", ROLE_ADMIN},
    {"GET", "/api/v1/rubrics", ROLE_ADMIN},
    {"POST", "/api/v1/rubrics", ROLE_ADMIN},
    {"GET", "/api/v1/rubrics/template", ROLE_ADMIN},
    {"POST", "/api/v1/rubrics/draft", ROLE_ADMIN},
    {"POST", "/api/v1/rubrics/draft/file", ROLE_ADMIN},
    {"GET", "/api/v1/rubrics/{id}", ROLE_USER},
    {"PUT", "/api/v1/rubrics/{id}", ROLE_ADMIN},
    {"GET", "/api/v1/rubrics/{id}/diff", ROLE_ADMIN},
    {"GET", "/api/v1/rubrics/{id}/export.json", ROLE_ADMIN},
    {"GET", "/api/v1/rubrics/{id}/export.csv", ROLE_ADMIN},
    {"GET", "/api/v1/rubrics/{id}/export.xlsx", ROLE_ADMIN},
    {"POST", "/api/v1/rubrics/import", ROLE_ADMIN},
    {"GET", "/api/v1/cycles/{cycle}/rubric-change", ROLE_ADMIN},
    {"GET", "/api/v1/users", ROLE_ADMIN},
    {"POST", "/api/v1/users", ROLE_ADMIN},
    {"GET", "/api/v1/users/{id}", ROLE_ADMIN},
    {"PATCH", "/api/v1/users/{id}", ROLE_ADMIN},
    {"POST", "/api/v1/users/{id}/password-reset", ROLE_ADMIN},
    {"POST", "/api/v1/cycles/{cycle}/unit-accounts", ROLE_ADMIN},
    {"GET", "/api/v1/audit", ROLE_ADMIN},
    {"GET", "/api/v1/audit/verify", ROLE_ADMIN},
};

/* The actors: anonymous, two unit users of different units, two reviewers (one of them
 * belongs to a unit), the admin. */
static const struct {
  const char *login;
  int role;
} actors[] = {
    {NULL, ROLE_ANON},
    {"unit-YL-SFJ", ROLE_UNIT},
    {"unit-YL-GAJ", ROLE_UNIT},
    {"reviewer1", ROLE_REVIEWER},
    {"reviewer2", ROLE_REVIEWER},
    {"admin", ROLE_ADMIN},
};

/* PATTERN with its {params} filled: {id} → ID, {cycle} → CYCLE, {unit} → a unit code,
 * {version} → 1; a query that the search route needs. */
static void fill(const char *pattern, long long id, long long cycle, char *out, size_t cap)
{
  size_t o = 0;
  for (const char *p = pattern; *p && o + 24 < cap;) {
    if (*p == '{') {
      const char *end = strchr(p, '}');
      if (!strncmp(p, "{unit}", 6))
        o += (size_t)snprintf(out + o, cap - o, "YL-SFJ");
      else if (!strncmp(p, "{version}", 9))
        o += (size_t)snprintf(out + o, cap - o, "1");
      else
        o += (size_t)snprintf(out + o, cap - o, "%lld", !strncmp(p, "{cycle}", 7) ? cycle : id);
      p = end + 1;
    } else {
      out[o++] = *p++;
    }
  }
  out[o] = 0;
  if (!strcmp(pattern, "/api/v1/search")) snprintf(out + o, cap - o, "?q=%%E6%%B3%%95%%E6%%B2%%BB");
}

START_TEST(every_route_times_every_actor)
{
  struct client admin;
  sign_in(&admin, "admin", "kaoping-demo", 200);
  /* A throwaway account for the {id} routes, so resets and edits hurt no actor. */
  struct tu_resp r;
  call(&admin, "POST", "/api/v1/users", "{\"login\":\"matrix-target\",\"role\":\"reviewer\"}", &r);
  ck_assert_int_eq(r.status, 201);
  tu_resp_free(&r);
  long long target = user_id(&admin, "matrix-target");
  for (size_t i = 0; i < routes_count; i++) {
    int want = -1;
    for (size_t k = 0; k < sizeof expected / sizeof expected[0]; k++)
      if (!strcmp(expected[k].method, routes[i].method) &&
          !strcmp(expected[k].pattern, routes[i].pattern))
        want = expected[k].allowed;
    ck_assert_msg(want >= 0, "route %s %s has no expectation in the authorization matrix",
                  routes[i].method, routes[i].pattern);
    ck_assert_msg(want == routes[i].roles, "route %s %s allows roles %d, expected %d",
                  routes[i].method, routes[i].pattern, routes[i].roles, want);
    char path[300];
    fill(routes[i].pattern, target, 2, path, sizeof path);
    for (size_t a = 0; a < sizeof actors / sizeof actors[0]; a++) {
      struct client c, *cp = NULL;
      if (actors[a].login) {
        sign_in(&c, actors[a].login, "kaoping-demo", 200); /* fresh: a logout must not leak */
        cp = &c;
      }
      call(cp, routes[i].method, path, routes[i].body == BODY_JSON ? "{}" : NULL, &r);
      if (want & actors[a].role) {
        ck_assert_msg(r.status != 401 && r.status != 403 && r.status != 0,
                      "%s %s as %s: allowed but got %ld %s", routes[i].method, path,
                      actors[a].login ? actors[a].login : "anonymous", r.status, r.body);
      } else {
        long deny = actors[a].role == ROLE_ANON ? 401 : 403;
        ck_assert_msg(r.status == deny, "%s %s as %s: want %ld got %ld %s", routes[i].method, path,
                      actors[a].login ? actors[a].login : "anonymous", deny, r.status, r.body);
      }
      tu_resp_free(&r);
    }
  }
}
END_TEST

/* ---- account management ---- */

START_TEST(admin_creates_user_who_must_change_password)
{
  struct client admin, u;
  sign_in(&admin, "admin", "kaoping-demo", 200);
  struct tu_resp r;
  call(&admin, "POST", "/api/v1/users",
       "{\"login\":\"li.hua\",\"display_name\":\"李华\",\"role\":\"admin\"}", &r);
  ck_assert_int_eq(r.status, 201);
  json_t *j = body_json(&r);
  char pw[64];
  snprintf(pw, sizeof pw, "%s", json_string_value(json_object_get(j, "password")));
  ck_assert_int_eq(strlen(pw), 14);
  ck_assert(json_is_true(json_object_get(json_object_get(j, "user"), "must_change_password")));
  json_decref(j);
  tu_resp_free(&r);
  /* Validation: each problem names its field. */
  const struct {
    const char *body, *field;
    long status;
  } bad[] = {
      {"{\"login\":\"li.hua\",\"role\":\"admin\"}", "login", 409},
      {"{\"login\":\"x y\",\"role\":\"admin\"}", "login", 400},
      {"{\"login\":\"newone\",\"role\":\"boss\"}", "role", 400},
      {"{\"login\":\"newone\",\"role\":\"unit\"}", "unit", 400},
      {"{\"login\":\"newone\",\"role\":\"unit\",\"unit\":\"NOPE\"}", "unit", 400},
      {"{\"login\":\"newone\",\"role\":\"reviewer\",\"password\":\"short\"}", "password", 400},
      {"{\"login\":\"newone\",\"role\":\"reviewer\",\"extra\":1}", "extra", 400},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    call(&admin, "POST", "/api/v1/users", bad[i].body, &r);
    ck_assert_msg(r.status == bad[i].status, "%s: %ld %s", bad[i].body, r.status, r.body);
    json_t *doc = body_json(&r);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(doc, "error"), "field")),
                     bad[i].field);
    json_decref(doc);
    tu_resp_free(&r);
  }
  /* The new admin signs in and can do nothing but change the password. */
  sign_in(&u, "li.hua", pw, 200);
  call(&u, "GET", "/api/v1/users", NULL, &r);
  ck_assert_int_eq(r.status, 403);
  ck_assert_str_eq(error_code(&r), "E_PASSWORD_CHANGE");
  tu_resp_free(&r);
  call(&u, "PUT", "/api/v1/me/password",
       "{\"current_password\":\"wrong-wrong-1\",\"new_password\":\"a brand new secret\"}", &r);
  ck_assert_int_eq(r.status, 400);
  ck_assert_ptr_nonnull(strstr(r.body, "\"field\":\"current_password\""));
  tu_resp_free(&r);
  char body[200];
  snprintf(body, sizeof body, "{\"current_password\":\"%s\",\"new_password\":\"1234567890\"}", pw);
  call(&u, "PUT", "/api/v1/me/password", body, &r);
  ck_assert_int_eq(r.status, 400);
  ck_assert_ptr_nonnull(strstr(r.body, "\"field\":\"new_password\""));
  tu_resp_free(&r);
  snprintf(body, sizeof body,
           "{\"current_password\":\"%s\",\"new_password\":\"a brand new secret\"}", pw);
  call(&u, "PUT", "/api/v1/me/password", body, &r);
  ck_assert_int_eq(r.status, 204);
  tu_resp_free(&r);
  call(&u, "GET", "/api/v1/users", NULL, &r); /* same session goes on */
  ck_assert_int_eq(r.status, 200);
  tu_resp_free(&r);
  struct client again;
  sign_in(&again, "li.hua", pw, 401);
  sign_in(&again, "li.hua", "a brand new secret", 200);
}
END_TEST

START_TEST(disable_reset_and_sessions)
{
  struct client admin, rev, rev2;
  sign_in(&admin, "admin", "kaoping-demo", 200);
  sign_in(&rev, "reviewer3", "kaoping-demo", 200);
  sign_in(&rev2, "reviewer3", "kaoping-demo", 200);
  struct tu_resp r;
  /* Own sessions: two, and one can end the other. */
  call(&rev, "GET", "/api/v1/me/sessions", NULL, &r);
  json_t *j = body_json(&r);
  json_t *list = json_object_get(j, "sessions");
  ck_assert_int_eq(json_array_size(list), 2);
  long long other = 0;
  size_t i;
  json_t *s;
  json_array_foreach(list, i, s)
  {
    if (!json_is_true(json_object_get(s, "current")))
      other = json_integer_value(json_object_get(s, "id"));
  }
  json_decref(j);
  tu_resp_free(&r);
  char path[100];
  snprintf(path, sizeof path, "/api/v1/me/sessions/%lld", other);
  call(&rev, "DELETE", path, NULL, &r);
  ck_assert_int_eq(r.status, 204);
  tu_resp_free(&r);
  call(&rev2, "GET", "/api/v1/me", NULL, &r);
  ck_assert_int_eq(r.status, 401);
  tu_resp_free(&r);
  /* Someone else's session id looks like a missing one. */
  call(&admin, "GET", "/api/v1/me/sessions", NULL, &r);
  j = body_json(&r);
  long long admin_sid =
      json_integer_value(json_object_get(json_array_get(json_object_get(j, "sessions"), 0), "id"));
  json_decref(j);
  tu_resp_free(&r);
  snprintf(path, sizeof path, "/api/v1/me/sessions/%lld", admin_sid);
  call(&rev, "DELETE", path, NULL, &r);
  ck_assert_int_eq(r.status, 404);
  tu_resp_free(&r);

  /* A reset ends the user's sessions and hands out a password to be changed. */
  long long id = user_id(&admin, "reviewer3");
  snprintf(path, sizeof path, "/api/v1/users/%lld/password-reset", id);
  call(&admin, "POST", path, NULL, &r);
  ck_assert_int_eq(r.status, 200);
  j = body_json(&r);
  char pw[64];
  snprintf(pw, sizeof pw, "%s", json_string_value(json_object_get(j, "password")));
  json_decref(j);
  tu_resp_free(&r);
  call(&rev, "GET", "/api/v1/me", NULL, &r);
  ck_assert_int_eq(r.status, 401);
  tu_resp_free(&r);
  sign_in(&rev, "reviewer3", "kaoping-demo", 401);
  sign_in(&rev, "reviewer3", pw, 200);
  call(&rev, "GET", "/api/v1/me", NULL, &r);
  ck_assert_ptr_nonnull(strstr(r.body, "\"must_change_password\":true"));
  tu_resp_free(&r);

  /* Disabling ends the sessions and blocks sign-in; enabling lets the user back. */
  snprintf(path, sizeof path, "/api/v1/users/%lld", id);
  call(&admin, "PATCH", path, "{\"disabled\":true}", &r);
  ck_assert_int_eq(r.status, 200);
  ck_assert_ptr_nonnull(strstr(r.body, "\"disabled\":true"));
  tu_resp_free(&r);
  call(&rev, "GET", "/api/v1/me", NULL, &r);
  ck_assert_int_eq(r.status, 401);
  tu_resp_free(&r);
  sign_in(&rev, "reviewer3", pw, 401);
  call(&admin, "PATCH", path, "{\"disabled\":false,\"display_name\":\"王建华（复）\"}", &r);
  ck_assert_int_eq(r.status, 200);
  ck_assert_ptr_nonnull(strstr(r.body, "王建华（复）"));
  tu_resp_free(&r);
  sign_in(&rev, "reviewer3", pw, 200);

  /* Role and unit rules on edits. */
  call(&admin, "PATCH", path, "{\"role\":\"unit\"}", &r);
  ck_assert_int_eq(r.status, 400);
  ck_assert_ptr_nonnull(strstr(r.body, "\"field\":\"unit\""));
  tu_resp_free(&r);
  call(&admin, "PATCH", path, "{\"role\":\"unit\",\"unit\":\"YL-JYJ\"}", &r);
  ck_assert_int_eq(r.status, 200);
  ck_assert_ptr_nonnull(strstr(r.body, "\"code\":\"YL-JYJ\""));
  tu_resp_free(&r);
  call(&admin, "GET", "/api/v1/users?q=YL-JYJ", NULL, &r); /* search finds unit codes too */
  ck_assert_ptr_nonnull(strstr(r.body, "reviewer3"));
  tu_resp_free(&r);
  call(&admin, "PATCH", path, "{\"role\":\"admin\"}", &r); /* the unit goes with the role */
  ck_assert_int_eq(r.status, 200);
  ck_assert_ptr_nonnull(strstr(r.body, "\"unit\":null"));
  tu_resp_free(&r);
  call(&admin, "PATCH", "/api/v1/users/999999", "{\"disabled\":true}", &r);
  ck_assert_int_eq(r.status, 404);
  tu_resp_free(&r);

  /* The admin cannot lock themselves out. */
  snprintf(path, sizeof path, "/api/v1/users/%lld", user_id(&admin, "admin"));
  call(&admin, "PATCH", path, "{\"disabled\":true}", &r);
  ck_assert_int_eq(r.status, 400);
  tu_resp_free(&r);
  call(&admin, "PATCH", path, "{\"role\":\"reviewer\"}", &r);
  ck_assert_int_eq(r.status, 400);
  tu_resp_free(&r);
}
END_TEST

/* Adds unit CODE to cycle 2 directly in the database (there is no units API yet). */
static void add_unit(const char *code, const char *name)
{
  char path[300], sql[600];
  snprintf(path, sizeof path, "%s/kaoping.db", d.dir);
  sqlite3 *h;
  ck_assert_int_eq(sqlite3_open(path, &h), SQLITE_OK);
  sqlite3_busy_timeout(h, 5000);
  snprintf(sql, sizeof sql,
           "INSERT INTO unit (code, name, kind, created_at, updated_at) VALUES ('%s', '%s', "
           "'town', 0, 0);"
           "INSERT INTO cycle_unit (cycle_id, unit_id) SELECT 2, id FROM unit WHERE code = '%s';",
           code, name, code);
  ck_assert_int_eq(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(h);
}

START_TEST(unit_accounts_for_a_cycle)
{
  struct client admin;
  sign_in(&admin, "admin", "kaoping-demo", 200);
  struct tu_resp r;
  call(&admin, "POST", "/api/v1/cycles/2/unit-accounts", NULL, &r);
  ck_assert_int_eq(r.status, 201);
  ck_assert_str_eq(r.body, "{\"created\":[],\"skipped\":[]}"); /* the demo units have accounts */
  tu_resp_free(&r);
  add_unit("YL-XZ1", "新增镇");
  call(&admin, "POST", "/api/v1/cycles/2/unit-accounts", NULL, &r);
  ck_assert_int_eq(r.status, 201);
  json_t *j = body_json(&r);
  json_t *c = json_array_get(json_object_get(j, "created"), 0);
  ck_assert_str_eq(json_string_value(json_object_get(c, "login")), "unit-YL-XZ1");
  ck_assert_str_eq(json_string_value(json_object_get(c, "unit_name")), "新增镇");
  char pw[64];
  snprintf(pw, sizeof pw, "%s", json_string_value(json_object_get(c, "password")));
  json_decref(j);
  tu_resp_free(&r);
  struct client u;
  sign_in(&u, "unit-YL-XZ1", pw, 200);
  call(&u, "GET", "/api/v1/me", NULL, &r);
  ck_assert_ptr_nonnull(strstr(r.body, "\"code\":\"YL-XZ1\""));
  ck_assert_ptr_nonnull(strstr(r.body, "\"must_change_password\":true"));
  tu_resp_free(&r);
  /* The sheet to hand out. */
  add_unit("YL-XZ2", "又一镇");
  call(&admin, "POST", "/api/v1/cycles/2/unit-accounts?format=xlsx", NULL, &r);
  ck_assert_int_eq(r.status, 201);
  ck_assert_str_eq(tu_header(&r, "Content-Type"),
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  ck_assert_ptr_nonnull(strstr(tu_header(&r, "Content-Disposition"), "unit-accounts-2.xlsx"));
  ck_assert_int_gt(r.len, 1000);
  ck_assert_int_eq(memcmp(r.body, "PK", 2), 0);
  ck_assert_str_eq(tu_header(&r, "X-Kaoping-Created"), "1");
  ck_assert_str_eq(tu_header(&r, "X-Kaoping-Skipped"), "0");
  char xlsx[300], out[8192];
  snprintf(xlsx, sizeof xlsx, "%s/accounts.xlsx", d.dir);
  FILE *f = fopen(xlsx, "wb");
  fwrite(r.body, 1, r.len, f);
  fclose(f);
  tu_resp_free(&r);
  /* The sheet holds the new login (checked by unzipping it with python, as a person's Excel would).
   */
  char cmd[600];
  snprintf(cmd, sizeof cmd,
           "python3 -c \"import zipfile,sys; z=zipfile.ZipFile(sys.argv[1]); "
           "print(z.read('xl/worksheets/sheet1.xml').decode())\" %s",
           xlsx);
  FILE *p = popen(cmd, "r");
  size_t n = fread(out, 1, sizeof out - 1, p);
  out[n] = 0;
  pclose(p);
  ck_assert_ptr_nonnull(strstr(out, "unit-YL-XZ2"));
  ck_assert_ptr_nonnull(strstr(out, "初始密码"));
  call(&admin, "GET", "/api/v1/users?unit=YL-XZ2", NULL, &r);
  ck_assert_ptr_nonnull(strstr(r.body, "\"total\":1"));
  tu_resp_free(&r);
  call(&admin, "POST", "/api/v1/cycles/999/unit-accounts", NULL, &r);
  ck_assert_int_eq(r.status, 404);
  tu_resp_free(&r);
  call(&admin, "POST", "/api/v1/cycles/2/unit-accounts?format=pdf", NULL, &r);
  ck_assert_int_eq(r.status, 400);
  tu_resp_free(&r);
}
END_TEST

START_TEST(audit_trail_api)
{
  struct client admin;
  sign_in(&admin, "admin", "kaoping-demo", 200);
  struct tu_resp r;
  call(&admin, "POST", "/api/v1/users", "{\"login\":\"audited\",\"role\":\"reviewer\"}", &r);
  tu_resp_free(&r);
  call(&admin, "GET", "/api/v1/audit?limit=5", NULL, &r);
  ck_assert_int_eq(r.status, 200);
  json_t *j = body_json(&r);
  json_t *first = json_array_get(json_object_get(j, "entries"), 0);
  ck_assert_str_eq(json_string_value(json_object_get(first, "action")), "user.create");
  ck_assert_str_eq(json_string_value(json_object_get(first, "actor")), "admin");
  ck_assert_str_eq(json_string_value(json_object_get(first, "client_addr")), "127.0.0.1");
  ck_assert_str_eq(json_string_value(json_object_get(json_object_get(first, "detail"), "login")),
                   "audited");
  ck_assert_int_eq(json_array_size(json_object_get(j, "entries")), 5);
  ck_assert(json_is_integer(json_object_get(j, "next_before")));
  json_decref(j);
  tu_resp_free(&r);
  call(&admin, "GET", "/api/v1/audit?action=session.login&actor=admin", NULL, &r);
  ck_assert_ptr_nonnull(strstr(r.body, "session.login"));
  ck_assert_ptr_null(strstr(r.body, "user.create"));
  tu_resp_free(&r);
  call(&admin, "GET", "/api/v1/audit?limit=0", NULL, &r);
  ck_assert_int_eq(r.status, 400);
  tu_resp_free(&r);
  call(&admin, "GET", "/api/v1/audit/verify", NULL, &r);
  ck_assert_int_eq(r.status, 200);
  ck_assert_ptr_nonnull(strstr(r.body, "\"ok\":true"));
  tu_resp_free(&r);
}
END_TEST

START_TEST(cycles_are_listed_newest_first)
{
  struct client u;
  sign_in(&u, "unit-YL-SFJ", "kaoping-demo", 200);
  struct tu_resp r;
  call(&u, "GET", "/api/v1/cycles", NULL, &r);
  ck_assert_int_eq(r.status, 200);
  json_t *j = body_json(&r);
  json_t *list = json_object_get(j, "cycles"), *c = json_array_get(list, 0);
  ck_assert_int_eq(json_array_size(list), 2);
  ck_assert_int_eq(json_integer_value(json_object_get(c, "year")), 2023);
  ck_assert_str_eq(json_string_value(json_object_get(c, "phase")), "review");
  ck_assert_int_eq(json_integer_value(json_object_get(c, "units")), 20);
  ck_assert_int_eq(json_integer_value(json_object_get(c, "reports")), 14);
  ck_assert(json_is_integer(json_object_get(c, "submission_deadline")));
  ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(list, 1), "reports")), 4);
  json_decref(j);
  tu_resp_free(&r);
}
END_TEST

/* Runs SQL on the daemon's database file directly (to age a session, say). */
static void db_exec_file(const char *sql)
{
  char path[300];
  snprintf(path, sizeof path, "%s/kaoping.db", d.dir);
  sqlite3 *h;
  ck_assert_int_eq(sqlite3_open(path, &h), SQLITE_OK);
  sqlite3_busy_timeout(h, 5000);
  ck_assert_int_eq(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(h);
}

START_TEST(sessions_expire_when_idle_or_old)
{
  struct client a, b;
  sign_in(&a, "reviewer4", "kaoping-demo", 200);
  sign_in(&b, "reviewer5", "kaoping-demo", 200);
  struct tu_resp r;
  /* Both in use first, so both are kept in memory too. */
  for (int i = 0; i < 2; i++) {
    call(i ? &b : &a, "GET", "/api/v1/me", NULL, &r);
    ck_assert_int_eq(r.status, 200);
    tu_resp_free(&r);
  }
  /* 31 minutes without a request (the default idle limit is 30). */
  db_exec_file("UPDATE session SET last_seen = last_seen - 31 * 60 WHERE user_id = "
               "(SELECT id FROM user WHERE login = 'reviewer4')");
  call(&a, "GET", "/api/v1/me", NULL, &r);
  ck_assert_int_eq(r.status, 401);
  tu_resp_free(&r);
  /* Active, but past the absolute limit. */
  db_exec_file("UPDATE session SET expires_at = strftime('%s', 'now') - 1 WHERE user_id = "
               "(SELECT id FROM user WHERE login = 'reviewer5')");
  call(&b, "GET", "/api/v1/me", NULL, &r);
  ck_assert_int_eq(r.status, 401);
  tu_resp_free(&r);
  /* Expired sessions are deleted, not just refused. */
  char path[300];
  snprintf(path, sizeof path, "%s/kaoping.db", d.dir);
  sqlite3 *h;
  ck_assert_int_eq(sqlite3_open(path, &h), SQLITE_OK);
  sqlite3_stmt *st;
  ck_assert_int_eq(sqlite3_prepare_v2(h,
                                      "SELECT count(*) FROM session s JOIN user u ON u.id = "
                                      "s.user_id WHERE u.login IN ('reviewer4', 'reviewer5')",
                                      -1, &st, NULL),
                   SQLITE_OK);
  ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
  ck_assert_int_eq(sqlite3_column_int(st, 0), 0);
  sqlite3_finalize(st);
  sqlite3_close(h);
  /* Forged and malformed cookies are simply anonymous. */
  const char *cookies[] = {"kp_session="
                           "0000000000000000000000000000000000000000000000000000000000000000",
                           "kp_session=short", "kp_session=%00%01",
                           "kp_session="
                           "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"};
  for (int i = 0; i < 4; i++) {
    char url[200], hdr[200];
    snprintf(url, sizeof url, "%s/api/v1/me", d.url);
    snprintf(hdr, sizeof hdr, "Cookie: %s", cookies[i]);
    const char *h2[] = {hdr, NULL};
    tu_http("GET", url, h2, NULL, 0, NULL, &r);
    ck_assert_int_eq(r.status, 401);
    tu_resp_free(&r);
  }
}
END_TEST

/* Counter kaoping_session_cache_lookups_total{result=RESULT} of the daemon's /metrics. */
static long long session_lookups(const char *result)
{
  struct tu_resp r;
  char name[100];
  call(NULL, "GET", "/metrics", NULL, &r);
  ck_assert_int_eq(r.status, 200);
  snprintf(name, sizeof name, "kaoping_session_cache_lookups_total{result=\"%s\"} ", result);
  const char *at = strstr(r.body, name);
  ck_assert_msg(at != NULL, "no %s in /metrics", name);
  long long n = atoll(at + strlen(name));
  tu_resp_free(&r);
  return n;
}

/* GET /api/v1/me as C: asserts status WANT and returns display_name and the unit's name
 * ("" for none) in NAME and UNIT (for 200). */
static void me(struct client *c, long want, char name[200], char unit[200])
{
  struct tu_resp r;
  call(c, "GET", "/api/v1/me", NULL, &r);
  ck_assert_msg(r.status == want, "GET /me: %ld, wanted %ld: %s", r.status, want, r.body);
  if (want == 200) {
    json_t *j = body_json(&r), *u = json_object_get(j, "user");
    if (!u) u = j;
    snprintf(name, 200, "%s", json_string_value(json_object_get(u, "display_name")));
    const char *un = json_string_value(json_object_get(json_object_get(u, "unit"), "name"));
    snprintf(unit, 200, "%s", un ? un : "");
    json_decref(j);
  }
  tu_resp_free(&r);
}

/* Sessions are kept in memory between requests; every change to what a request's identity is
 * read from counts from the next request, also when it is written straight into the database
 * file by another program. */
START_TEST(a_kept_session_follows_every_write)
{
  struct client rv, un, x, y;
  char name[200], unit[200];
  sign_in(&rv, "reviewer6", "kaoping-demo", 200);
  sign_in(&un, "unit-YL-SFJ", "kaoping-demo", 200);
  sign_in(&x, "reviewer5", "kaoping-demo", 200);
  sign_in(&y, "reviewer3", "kaoping-demo", 200);
  long long hits = session_lookups("hit");
  for (int i = 0; i < 3; i++) me(&rv, 200, name, unit);
  ck_assert_int_ge(session_lookups("hit"), hits + 2); /* the first read fills it */

  db_exec_file("UPDATE user SET display_name = '库外改名' WHERE login = 'reviewer6'");
  me(&rv, 200, name, unit);
  ck_assert_str_eq(name, "库外改名");

  me(&un, 200, name, unit);
  ck_assert_str_ne(unit, "库外改名的单位");
  db_exec_file("UPDATE unit SET name = '库外改名的单位' WHERE code = 'YL-SFJ'");
  me(&un, 200, name, unit);
  ck_assert_str_eq(unit, "库外改名的单位");

  me(&x, 200, name, unit);
  db_exec_file("DELETE FROM session WHERE user_id = (SELECT id FROM user WHERE login = "
               "'reviewer5')");
  me(&x, 401, name, unit);

  me(&y, 200, name, unit);
  db_exec_file("UPDATE session SET last_seen = last_seen - 31 * 60 WHERE user_id = (SELECT id "
               "FROM user WHERE login = 'reviewer3')");
  me(&y, 401, name, unit);

  me(&rv, 200, name, unit);
  db_exec_file("UPDATE user SET disabled = 1 WHERE login = 'reviewer6'");
  me(&rv, 401, name, unit);
  me(&un, 200, name, unit); /* others stay signed in */
}
END_TEST

/* Every state-changing route, from the route table: without the token, with a wrong one, and
 * from another site, the answer is 403 and nothing changes. */
START_TEST(csrf_negatives_for_every_state_changing_route)
{
  struct client admin, reviewer, unit;
  sign_in(&admin, "admin", "kaoping-demo", 200);
  sign_in(&reviewer, "reviewer1", "kaoping-demo", 200);
  sign_in(&unit, "unit-YL-SFJ", "kaoping-demo", 200);
  int checked = 0;
  for (size_t i = 0; i < routes_count; i++) {
    if (!route_is_unsafe(&routes[i])) continue;
    char path[300], url[400];
    fill(routes[i].pattern, 2, 2, path, sizeof path);
    snprintf(url, sizeof url, "%s%s", d.url, path);
    const char *body = routes[i].body == BODY_JSON ? "{}" : NULL;
    struct tu_resp r;
    /* Someone the route is for: the admin, or a reviewer for the routes admins may not use, or
     * a unit user for the routes only they may use. */
    struct client *who = routes[i].roles & ROLE_ADMIN      ? &admin
                         : routes[i].roles & ROLE_REVIEWER ? &reviewer
                                                           : &unit;
    if (!(routes[i].roles & ROLE_ANON)) {
      char bad[100];
      snprintf(bad, sizeof bad, "X-CSRF-Token: %.63sX", who->csrf);
      const char *none[] = {"Content-Type: application/json", NULL};
      const char *wrong[] = {"Content-Type: application/json", bad, NULL};
      tu_http(routes[i].method, url, none, body, body ? 2 : 0, who->jar, &r);
      ck_assert_msg(r.status == 403 && strstr(r.body, "E_CSRF"), "%s %s without token: %ld",
                    routes[i].method, path, r.status);
      tu_resp_free(&r);
      tu_http(routes[i].method, url, wrong, body, body ? 2 : 0, who->jar, &r);
      ck_assert_msg(r.status == 403 && strstr(r.body, "E_CSRF"), "%s %s wrong token: %ld",
                    routes[i].method, path, r.status);
      tu_resp_free(&r);
    }
    char tok[100];
    snprintf(tok, sizeof tok, "X-CSRF-Token: %s", who->csrf);
    const char *cross[] = {"Content-Type: application/json", tok, "Origin: http://evil.example",
                           "Sec-Fetch-Site: cross-site", NULL};
    tu_http(routes[i].method, url, cross, body, body ? 2 : 0, who->jar, &r);
    ck_assert_msg(r.status == 403 && strstr(r.body, "E_CSRF"), "%s %s cross-site: %ld",
                  routes[i].method, path, r.status);
    tu_resp_free(&r);
    checked++;
  }
  ck_assert_int_ge(checked, 15);
  struct tu_resp r;
  call(&admin, "GET", "/api/v1/me", NULL, &r); /* the admin's session survived all that */
  ck_assert_int_eq(r.status, 200);
  tu_resp_free(&r);
}
END_TEST

START_TEST(audit_rows_carry_before_and_after)
{
  struct client admin;
  sign_in(&admin, "admin", "kaoping-demo", 200);
  struct tu_resp r;
  long long id = user_id(&admin, "reviewer6");
  char path[100];
  snprintf(path, sizeof path, "/api/v1/users/%lld", id);
  call(&admin, "PATCH", path, "{\"display_name\":\"刘若兰（已调岗）\"}", &r);
  ck_assert_int_eq(r.status, 200);
  tu_resp_free(&r);
  call(&admin, "GET", "/api/v1/audit?action=user.update&limit=1", NULL, &r);
  json_t *j = body_json(&r);
  json_t *det = json_object_get(json_array_get(json_object_get(j, "entries"), 0), "detail");
  ck_assert_str_eq(
      json_string_value(json_object_get(json_object_get(det, "before"), "display_name")),
      "县委党校法学教研室 刘若兰");
  ck_assert_str_eq(
      json_string_value(json_object_get(json_object_get(det, "after"), "display_name")),
      "刘若兰（已调岗）");
  json_decref(j);
  tu_resp_free(&r);
  call(&admin, "PATCH", "/api/v1/units/YL-SFJ", "{\"name\":\"云岭县司法局（新）\"}", &r);
  tu_resp_free(&r);
  call(&admin, "GET", "/api/v1/audit?object=unit:YL-SFJ&limit=1", NULL, &r);
  ck_assert_ptr_nonnull(strstr(r.body, "\"before\":{"));
  ck_assert_ptr_nonnull(strstr(r.body, "云岭县司法局（新）"));
  tu_resp_free(&r);
  call(&admin, "PATCH", "/api/v1/cycles/2", "{\"phase\":\"publication\"}", &r);
  tu_resp_free(&r);
  call(&admin, "GET", "/api/v1/audit?action=cycle.phase", NULL, &r);
  j = body_json(&r);
  det = json_object_get(json_array_get(json_object_get(j, "entries"), 0), "detail");
  ck_assert_str_eq(json_string_value(json_object_get(json_object_get(det, "before"), "phase")),
                   "review");
  ck_assert_str_eq(json_string_value(json_object_get(json_object_get(det, "after"), "phase")),
                   "publication");
  json_decref(j);
  tu_resp_free(&r);
  /* Time filter: nothing before 2001, everything in the last day. */
  call(&admin, "GET", "/api/v1/audit?until=978307200", NULL, &r);
  ck_assert_ptr_nonnull(strstr(r.body, "\"entries\":[]"));
  tu_resp_free(&r);
  char q[120];
  snprintf(q, sizeof q, "/api/v1/audit?since=%lld&action=cycle.phase",
           (long long)time(NULL) - 86400);
  call(&admin, "GET", q, NULL, &r);
  ck_assert_ptr_nonnull(strstr(r.body, "cycle.phase"));
  tu_resp_free(&r);
  /* Failed logins are audited too, with the account they named. */
  struct client x;
  sign_in(&x, "reviewer6", "not-the-password", 401);
  call(&admin, "GET", "/api/v1/audit?action=session.login_failed&limit=1", NULL, &r);
  snprintf(q, sizeof q, "\"object\":\"user:%lld\"", id);
  ck_assert_ptr_nonnull(strstr(r.body, q));
  tu_resp_free(&r);
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("accounts");
  TCase *tc = tcase_create("accounts");
  tcase_add_checked_fixture(tc, start, stop);
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, every_route_times_every_actor);
  tcase_add_test(tc, admin_creates_user_who_must_change_password);
  tcase_add_test(tc, disable_reset_and_sessions);
  tcase_add_test(tc, unit_accounts_for_a_cycle);
  tcase_add_test(tc, audit_trail_api);
  tcase_add_test(tc, cycles_are_listed_newest_first);
  tcase_add_test(tc, sessions_expire_when_idle_or_old);
  tcase_add_test(tc, a_kept_session_follows_every_write);
  tcase_add_test(tc, csrf_negatives_for_every_state_changing_route);
  tcase_add_test(tc, audit_rows_carry_before_and_after);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return tu_run_suite(suite());
}
