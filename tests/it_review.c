/*
 * it_review.c - the scoring page's data, the work list and the cycle's scoring settings
 * against the real daemon with demo data (cycle 2 in review, three reviewers per unit; the
 * demo's own sheets are removed first, so every test starts with no score): settings validated and
 * defaulted; the score step and the comment rule taken from the cycle; the scoring GET for a
 * reviewer, a unit user (self-assessment) and the admin (?sheet=); who gets 404; other reviewers'
 * sheets under each reveal_others setting before and after the caller submits; the self-assessment
 * under show_self; blind review (the unit as ~ID, names masked at unchanged offsets, no report
 * route, no search, scores through ~ID, the toggle refused once scores exist); keyword passages at
 * the right offsets for every demo report; the work lists.
 */
#include "testutil.h"

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct tu_daemon d;

static struct tu_user admin, rev;
static char unit[32];        /* a unit with a report assigned to reviewer1 */
static long long asg;        /* reviewer1's assignment on it */
static char scoring[200];    /* its scoring path */
static char scores[200];     /* its scores path */
static char other_login[32]; /* another reviewer of that unit */
static long long other_asg;  /* their assignment */

static void start(void)
{
  tu_start_demo(&d);
  /* The demo's own sheets go: every test starts from a cycle in review with no score yet. */
  tu_sql(d.dir, "DELETE FROM evidence WHERE assignment_id IN (SELECT id FROM assignment WHERE "
                "cycle_id = 2); DELETE FROM score WHERE assignment_id IN (SELECT id FROM "
                "assignment WHERE cycle_id = 2); DELETE FROM assignment WHERE cycle_id = 2 AND "
                "kind = 'self'; UPDATE assignment SET status = 'assigned', sheet_version = 0, "
                "submitted_at = NULL WHERE cycle_id = 2");
  tu_demo_login(&admin, &d, "admin");
  tu_demo_login(&rev, &d, "reviewer1");
  /* reviewer1's first unit with a report, from the work list */
  json_t *l = tu_call(&rev, "GET", "/api/v1/reviews", NULL, 200);
  size_t i;
  json_t *x;
  unit[0] = 0;
  json_array_foreach(json_object_get(l, "reviews"), i, x)
  {
    if (unit[0] || !json_is_true(json_object_get(x, "has_report"))) continue;
    snprintf(unit, sizeof unit, "%s", tu_str(x, "unit"));
    asg = tu_int(x, "assignment");
  }
  json_decref(l);
  ck_assert_msg(unit[0], "reviewer1 has a unit with a report");
  snprintf(scoring, sizeof scoring, "/api/v1/cycles/2/units/%s/scoring", unit);
  snprintf(scores, sizeof scores, "/api/v1/cycles/2/units/%s/scores", unit);
  /* another reviewer of the unit */
  json_t *a = tu_call(&admin, "GET", "/api/v1/cycles/2/assignments", NULL, 200);
  other_login[0] = 0;
  json_array_foreach(json_object_get(a, "assignments"), i, x)
  {
    if (other_login[0] || strcmp(tu_str(x, "unit"), unit) ||
        !strcmp(tu_str(x, "reviewer"), "reviewer1"))
      continue;
    snprintf(other_login, sizeof other_login, "%s", tu_str(x, "reviewer"));
    other_asg = tu_int(x, "id");
  }
  json_decref(a);
  ck_assert(other_login[0]);
}

static void stop(void)
{
  tu_stop_clean(&d);
}

/* PATCHes cycle 2 with BODY, expecting WANT; returns the reply. */
static json_t *patch(const char *body, long want)
{
  return tu_call(&admin, "PATCH", "/api/v1/cycles/2", body, want);
}

/* Byte offset of code point N of T. */
static size_t at_cp(const char *t, long long n)
{
  size_t i = 0;
  for (long long c = 0; t[i] && c < n; c++) {
    i++;
    while ((t[i] & 0xC0) == 0x80) i++;
  }
  return i;
}

static size_t cps(const char *t)
{
  size_t n = 0;
  for (; *t; t++) n += (*t & 0xC0) != 0x80;
  return n;
}

/* The applicable leaves of scoring page S as {"code": max}. */
static json_t *leaves_of(json_t *s)
{
  json_t *out = json_object(), *na = json_object_get(s, "not_applicable");
  json_t *stack = json_copy(json_object_get(json_object_get(s, "rubric"), "areas"));
  while (json_array_size(stack)) {
    json_t *n = json_incref(json_array_get(stack, 0));
    json_array_remove(stack, 0);
    json_t *kids = json_object_get(n, "children");
    if (json_is_array(kids))
      json_array_extend(stack, kids);
    else {
      int skip = 0;
      size_t i;
      json_t *c;
      json_array_foreach(na, i, c) skip |= !strcmp(json_string_value(c), tu_str(n, "code"));
      if (!skip)
        json_object_set_new(out, tu_str(n, "code"),
                            json_real(json_number_value(json_object_get(n, "max_points"))));
    }
    json_decref(n);
  }
  json_decref(stack);
  return out;
}

/* W scores every applicable leaf of its sheet behind PATH_SCORING / PATH_SCORES with the full
 * points and submits it. */
static void submit_all(struct tu_user *w, const char *path_scoring, const char *path_scores)
{
  json_t *s = tu_call(w, "GET", path_scoring, NULL, 200);
  json_t *l = leaves_of(s), *items = json_object();
  const char *k;
  json_t *v;
  json_object_foreach(l, k, v) json_object_set_new(items, k, json_pack("{s:O}", "points", v));
  json_t *sheet = json_object_get(s, "sheet");
  json_t *body = json_pack("{s:I,s:o,s:b}", "version",
                           (json_int_t)(json_is_object(sheet) ? tu_int(sheet, "version") : 0),
                           "items", items, "submit", 1);
  char *b = json_dumps(body, 0);
  json_t *r = tu_call(w, "PUT", path_scores, b, 200);
  ck_assert_str_eq(tu_str(json_object_get(r, "sheet"), "status"), "submitted");
  json_decref(r);
  free(b);
  json_decref(body);
  json_decref(l);
  json_decref(s);
}

/* Checks every passage of HINTS against TEXT; returns the leaves with a passage. */
static int check_hints(const char *text, json_t *hints)
{
  int found = 0;
  const char *code;
  json_t *list;
  json_object_foreach(hints, code, list)
  {
    found += json_array_size(list) > 0;
    ck_assert_int_le(json_array_size(list), 8);
    size_t i, j, k;
    json_t *p, *h, *kw;
    json_array_foreach(list, i, p)
    {
      long long s = tu_int(p, "start"), e = tu_int(p, "end");
      ck_assert(0 <= s && s < e && (size_t)e <= cps(text));
      json_array_foreach(json_object_get(p, "hits"), j, h)
      {
        long long hs = json_integer_value(json_array_get(h, 0)),
                  he = json_integer_value(json_array_get(h, 1));
        ck_assert(s <= hs && hs < he && he <= e);
        size_t b0 = at_cp(text, hs), b1 = at_cp(text, he);
        int ok = 0;
        json_array_foreach(json_object_get(p, "keywords"), k, kw)
        {
          ok |= json_string_length(kw) == b1 - b0 &&
                !memcmp(text + b0, json_string_value(kw), b1 - b0);
        }
        ck_assert_msg(ok, "%s: hit %lld..%lld \"%.*s\" is none of its keywords", code, hs, he,
                      (int)(b1 - b0), text + b0);
      }
    }
  }
  return found;
}

START_TEST(settings_validated_and_defaulted)
{
  json_t *c = tu_call(&admin, "GET", "/api/v1/cycles/2", NULL, 200);
  json_t *s = json_object_get(json_object_get(c, "cycle"), "settings");
  ck_assert(json_is_null(json_object_get(s, "score_step")));
  ck_assert(json_number_value(json_object_get(s, "comment_below")) == 0);
  ck_assert_str_eq(tu_str(s, "reveal_others"), "after_submit");
  ck_assert(json_is_false(json_object_get(s, "blind")));
  ck_assert(json_is_true(json_object_get(s, "show_self")));
  json_decref(c);
  c = tu_call(&rev, "GET", "/api/v1/cycles", NULL, 200);
  ck_assert_str_eq(
      tu_str(json_object_get(json_array_get(json_object_get(c, "cycles"), 0), "settings"),
             "reveal_others"),
      "after_submit");
  json_decref(c);
  const struct {
    const char *body, *field;
  } bad[] = {
      {"{\"settings\":[]}", "settings"},
      {"{\"settings\":null}", "settings"},
      {"{\"settings\":{\"weights\":1}}", "settings.weights"},
      {"{\"settings\":{\"score_step\":0}}", "settings.score_step"},
      {"{\"settings\":{\"score_step\":-0.5}}", "settings.score_step"},
      {"{\"settings\":{\"score_step\":0.3}}", "settings.score_step"},
      {"{\"settings\":{\"score_step\":\"0.5\"}}", "settings.score_step"},
      {"{\"settings\":{\"score_step\":1}}", "settings.score_step"}, /* 4.1.2 has 1.5 points */
      {"{\"settings\":{\"score_step\":5}}", "settings.score_step"},
      {"{\"settings\":{\"comment_below\":1.5}}", "settings.comment_below"},
      {"{\"settings\":{\"comment_below\":-0.1}}", "settings.comment_below"},
      {"{\"settings\":{\"comment_below\":true}}", "settings.comment_below"},
      {"{\"settings\":{\"reveal_others\":\"later\"}}", "settings.reveal_others"},
      {"{\"settings\":{\"reveal_others\":1}}", "settings.reveal_others"},
      {"{\"settings\":{\"blind\":1}}", "settings.blind"},
      {"{\"settings\":{\"show_self\":\"yes\"}}", "settings.show_self"},
      /* a good member and a bad one: nothing stored */
      {"{\"settings\":{\"blind\":true,\"show_self\":0}}", "settings.show_self"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    json_t *e = patch(bad[i].body, 400);
    ck_assert_msg(tu_err_field(e) && !strcmp(tu_err_field(e), bad[i].field), "case %zu: field %s",
                  i, tu_err_field(e) ? tu_err_field(e) : "(none)");
    json_decref(e);
  }
  ck_assert_int_eq(tu_sql_int(d.dir, "SELECT settings = '{}' FROM cycle WHERE id = 2"), 1);
  /* a partial change keeps what is stored (also members kaoping does not show yet) */
  tu_sql(d.dir, "UPDATE cycle SET settings = '{\"later_setting\":\"kept\"}' WHERE id = 2");
  c = patch("{\"settings\":{\"score_step\":0.25,\"comment_below\":0.6,\"reveal_others\":"
            "\"never\",\"blind\":true,\"show_self\":false}}",
            200);
  s = json_object_get(json_object_get(c, "cycle"), "settings");
  ck_assert(json_number_value(json_object_get(s, "score_step")) == 0.25);
  ck_assert(json_number_value(json_object_get(s, "comment_below")) == 0.6);
  ck_assert_str_eq(tu_str(s, "reveal_others"), "never");
  ck_assert(json_is_true(json_object_get(s, "blind")));
  ck_assert(json_is_false(json_object_get(s, "show_self")));
  ck_assert_str_eq(tu_str(s, "later_setting"), "kept"); /* members of later work are kept */
  json_decref(c);
  c = patch("{\"settings\":{\"score_step\":null,\"blind\":false}}", 200);
  s = json_object_get(json_object_get(c, "cycle"), "settings");
  ck_assert(json_is_null(json_object_get(s, "score_step")));
  ck_assert(json_is_false(json_object_get(s, "blind")));
  ck_assert_str_eq(tu_str(s, "reveal_others"), "never");
  json_decref(c);
  ck_assert_int_eq(
      tu_sql_int(d.dir, "SELECT count(*) FROM audit WHERE action = 'cycle.settings' AND object = "
                        "'cycle:2' AND detail LIKE '%\"blind\":true%'"),
      2);
  /* from the publication phase on: refused */
  json_decref(patch("{\"phase\":\"publication\"}", 200));
  json_t *e = patch("{\"settings\":{\"comment_below\":0.5}}", 409);
  ck_assert_str_eq(tu_err_field(e), "settings");
  json_decref(e);
}
END_TEST

START_TEST(score_step_from_the_cycle)
{
  /* 1.1 is worth 4 points: 1.25 is off a 0.5 step, on a 0.25 step */
  json_decref(patch("{\"settings\":{\"score_step\":0.5}}", 200));
  json_t *e =
      tu_call(&rev, "PUT", scores, "{\"version\":0,\"items\":{\"1.1\":{\"points\":1.25}}}", 400);
  ck_assert_str_eq(tu_err_field(e), "items.1.1.points");
  ck_assert_ptr_nonnull(strstr(tu_str(json_object_get(e, "error"), "detail"), "0.5"));
  json_decref(e);
  json_decref(patch("{\"settings\":{\"score_step\":0.25}}", 200));
  json_t *s = tu_call(&rev, "GET", scoring, NULL, 200);
  ck_assert(json_number_value(json_object_get(s, "score_step")) == 0.25);
  json_decref(s);
  s = tu_call(&rev, "PUT", scores, "{\"version\":0,\"items\":{\"1.1\":{\"points\":1.25}}}", 200);
  ck_assert(json_number_value(json_object_get(
                json_object_get(json_object_get(json_object_get(s, "sheet"), "items"), "1.1"),
                "points")) == 1.25);
  json_decref(s);
  /* back to the rubric's 0.5 */
  json_decref(patch("{\"settings\":{\"score_step\":null}}", 200));
  s = tu_call(&rev, "GET", scoring, NULL, 200);
  ck_assert(json_number_value(json_object_get(s, "score_step")) == 0.5);
  json_decref(s);
}
END_TEST

START_TEST(comment_required_below_the_cycles_threshold)
{
  json_decref(patch("{\"settings\":{\"comment_below\":0.5}}", 200));
  json_t *s = tu_call(&rev, "GET", scoring, NULL, 200);
  ck_assert(json_number_value(json_object_get(s, "comment_below")) == 0.5);
  json_t *l = leaves_of(s), *items = json_object();
  json_decref(s);
  const char *k;
  json_t *v;
  json_object_foreach(l, k, v) json_object_set_new(items, k, json_pack("{s:O}", "points", v));
  /* 1.1 (4 points) at 1.5: below half, no comment */
  json_object_set_new(items, "1.1", json_pack("{s:f}", "points", 1.5));
  json_t *body = json_pack("{s:i,s:O,s:b}", "version", 0, "items", items, "submit", 1);
  char *b = json_dumps(body, 0);
  json_t *e = tu_call(&rev, "PUT", scores, b, 400);
  free(b);
  ck_assert_str_eq(tu_err_field(e), "submit");
  ck_assert_ptr_nonnull(strstr(tu_str(json_object_get(e, "error"), "detail"), "1.1"));
  json_decref(e);
  /* at exactly half: no comment needed */
  json_object_set_new(items, "1.1", json_pack("{s:f}", "points", 2.0));
  json_object_set(body, "items", items);
  b = json_dumps(body, 0);
  s = tu_call(&rev, "PUT", scores, b, 200);
  free(b);
  ck_assert_str_eq(tu_str(json_object_get(s, "sheet"), "status"), "submitted");
  json_decref(s);
  json_decref(body);
  json_decref(items);
  json_decref(l);
}
END_TEST

START_TEST(scoring_page_for_a_reviewer)
{
  json_t *s = tu_call(&rev, "GET", scoring, NULL, 200);
  json_t *u = json_object_get(s, "unit"), *rep = json_object_get(s, "report");
  ck_assert_str_eq(tu_str(u, "code"), unit);
  ck_assert(json_is_false(json_object_get(u, "blind")));
  ck_assert_str_eq(tu_str(u, "kind"), "department");
  ck_assert_int_eq(tu_int(json_object_get(s, "cycle"), "id"), 2);
  ck_assert_str_eq(tu_str(json_object_get(s, "cycle"), "phase"), "review");
  ck_assert_str_eq(
      tu_str(json_object_get(json_object_get(s, "cycle"), "settings"), "reveal_others"),
      "after_submit");
  ck_assert_ptr_nonnull(tu_str(rep, "text"));
  ck_assert_ptr_nonnull(tu_str(rep, "filename"));
  ck_assert(json_array_size(json_object_get(rep, "sections")) >= 4);
  ck_assert(json_array_size(json_object_get(json_object_get(s, "rubric"), "areas")) == 10);
  json_t *sheet = json_object_get(s, "sheet");
  ck_assert_int_eq(tu_int(sheet, "id"), asg);
  ck_assert_int_eq(tu_int(sheet, "version"), 0);
  ck_assert(json_is_true(json_object_get(s, "editable")));
  ck_assert(json_is_null(json_object_get(s, "readonly_reason")));
  ck_assert(json_number_value(json_object_get(s, "score_step")) == 0.5);
  ck_assert(json_is_null(json_object_get(s, "others")));
  ck_assert(json_is_null(json_object_get(s, "self")));
  /* a department: 5.5 (towns only) does not apply, and has no hints */
  json_t *na = json_object_get(s, "not_applicable");
  ck_assert_int_eq(json_array_size(na), 1);
  ck_assert_str_eq(json_string_value(json_array_get(na, 0)), "5.5");
  json_t *hints = json_object_get(s, "hints");
  ck_assert_ptr_null(json_object_get(hints, "5.5"));
  ck_assert_int_eq(json_object_size(hints), 30);
  int found = check_hints(tu_str(rep, "text"), hints);
  ck_assert_int_ge(found, 15);
  json_decref(s);
  /* submitted: read-only, with the reason */
  submit_all(&rev, scoring, scores);
  s = tu_call(&rev, "GET", scoring, NULL, 200);
  ck_assert(json_is_false(json_object_get(s, "editable")));
  ck_assert_ptr_nonnull(strstr(tu_str(s, "readonly_reason"), "已提交"));
  json_decref(s);
  /* not assigned, unknown, recused, and someone else's ?sheet: 404 / 400 */
  json_decref(tu_call(&rev, "GET", "/api/v1/cycles/2/units/YL-SFJ/scoring", NULL, 404));
  json_decref(tu_call(&rev, "GET", "/api/v1/cycles/2/units/NOPE/scoring", NULL, 404));
  json_decref(tu_call(&rev, "GET", "/api/v1/cycles/99/units/YL-SFJ/scoring", NULL, 404));
  char p[300];
  snprintf(p, sizeof p, "%s?sheet=%lld", scoring, asg);
  json_t *e = tu_call(&rev, "GET", p, NULL, 400);
  ck_assert_str_eq(tu_err_field(e), "sheet");
  json_decref(e);
  char q[200];
  snprintf(q, sizeof q, "UPDATE assignment SET status = 'recused' WHERE id = %lld", asg);
  tu_sql(d.dir, q);
  json_decref(tu_call(&rev, "GET", scoring, NULL, 404));
  /* outside the review phase: read-only */
  snprintf(q, sizeof q, "UPDATE assignment SET status = 'in_progress' WHERE id = %lld", asg);
  tu_sql(d.dir, q);
  json_decref(patch("{\"phase\":\"publication\"}", 200));
  s = tu_call(&rev, "GET", scoring, NULL, 200);
  ck_assert(json_is_false(json_object_get(s, "editable")));
  ck_assert_ptr_nonnull(strstr(tu_str(s, "readonly_reason"), "评审阶段"));
  json_decref(s);
}
END_TEST

START_TEST(scoring_page_for_a_unit_and_the_admin)
{
  struct tu_user u;
  tu_demo_login(&u, &d, "unit-YL-SFJ");
  const char *sc = "/api/v1/cycles/2/units/YL-SFJ/scoring";
  /* in review: no self-assessment, read-only */
  json_t *s = tu_call(&u, "GET", sc, NULL, 200);
  ck_assert(json_is_null(json_object_get(s, "sheet")));
  ck_assert(json_is_false(json_object_get(s, "editable")));
  ck_assert_ptr_nonnull(strstr(tu_str(s, "readonly_reason"), "自评"));
  ck_assert(json_is_null(json_object_get(s, "others")));
  ck_assert(json_is_null(json_object_get(s, "self")));
  ck_assert_str_eq(tu_str(json_object_get(s, "unit"), "name"), "云岭县司法局");
  json_decref(s);
  json_decref(tu_call(&u, "GET", scoring, NULL, 404)); /* another unit */
  json_decref(tu_call(&u, "GET", "/api/v1/cycles/2/units/~1/scoring", NULL, 404));
  /* in the submission phase: editable, null sheet until the first save */
  json_decref(patch("{\"phase\":\"submission\"}", 200));
  s = tu_call(&u, "GET", sc, NULL, 200);
  ck_assert(json_is_null(json_object_get(s, "sheet")));
  ck_assert(json_is_true(json_object_get(s, "editable")));
  ck_assert_int_ge(json_object_size(json_object_get(s, "hints")), 20);
  json_decref(s);
  json_decref(tu_call(&u, "PUT", "/api/v1/cycles/2/units/YL-SFJ/scores",
                      "{\"version\":0,\"items\":{\"1.1\":{\"points\":4,\"comment\":\"本局自评\"}}}",
                      200));
  s = tu_call(&u, "GET", sc, NULL, 200);
  json_t *sheet = json_object_get(s, "sheet");
  ck_assert_str_eq(tu_str(sheet, "kind"), "self");
  long long self_id = tu_int(sheet, "id");
  ck_assert(json_is_true(json_object_get(s, "editable")));
  json_decref(s);
  json_decref(patch("{\"phase\":\"review\"}", 200));
  /* the admin: no sheet without ?sheet=, every sheet with it, read-only; the self-assessment
   * always */
  s = tu_call(&admin, "GET", sc, NULL, 200);
  ck_assert(json_is_null(json_object_get(s, "sheet")));
  ck_assert(json_is_false(json_object_get(s, "editable")));
  ck_assert_ptr_nonnull(strstr(tu_str(s, "readonly_reason"), "考核办"));
  ck_assert_str_eq(tu_str(json_object_get(s, "self"), "status"), "in_progress");
  ck_assert(json_is_array(json_object_get(s, "others")));
  json_decref(s);
  char p[300];
  snprintf(p, sizeof p, "%s?sheet=%lld", sc, self_id);
  s = tu_call(&admin, "GET", p, NULL, 200);
  ck_assert_int_eq(tu_int(json_object_get(s, "sheet"), "id"), self_id);
  ck_assert(json_is_null(json_object_get(s, "self"))); /* it is the sheet shown */
  json_decref(s);
  snprintf(p, sizeof p, "%s?sheet=%lld", scoring, asg);
  s = tu_call(&admin, "GET", p, NULL, 200);
  ck_assert_int_eq(tu_int(json_object_get(s, "sheet"), "id"), asg);
  ck_assert_str_eq(tu_str(json_object_get(json_object_get(s, "sheet"), "reviewer"), "login"),
                   "reviewer1");
  ck_assert(json_is_false(json_object_get(s, "editable")));
  json_decref(s);
  snprintf(p, sizeof p, "%s?sheet=%lld", sc, asg); /* not a sheet of YL-SFJ */
  json_decref(tu_call(&admin, "GET", p, NULL, 404));
  snprintf(p, sizeof p, "%s?sheet=abc", sc);
  json_t *e = tu_call(&admin, "GET", p, NULL, 400);
  ck_assert_str_eq(tu_err_field(e), "sheet");
  json_decref(e);
}
END_TEST

/* The number of other sheets reviewer W sees on PATH (-1 for null). */
static int others(struct tu_user *w, const char *path)
{
  json_t *s = tu_call(w, "GET", path, NULL, 200);
  json_t *o = json_object_get(s, "others");
  int n = json_is_array(o) ? (int)json_array_size(o) : json_is_null(o) ? -1 : -2;
  if (n > 0) {
    ck_assert_ptr_nonnull(tu_str(json_array_get(o, 0), "reviewer"));
    ck_assert_str_eq(tu_str(json_array_get(o, 0), "status"), "submitted");
    ck_assert(json_is_object(json_object_get(json_array_get(o, 0), "items")));
    ck_assert(
        json_is_number(json_object_get(json_object_get(json_array_get(o, 0), "total"), "total")));
  }
  json_decref(s);
  return n;
}

START_TEST(other_reviewers_as_the_settings_say)
{
  struct tu_user o;
  tu_demo_login(&o, &d, other_login);
  /* the other reviewer submits first */
  submit_all(&o, scoring, scores);
  ck_assert_int_eq(others(&rev, scoring), -1); /* after_submit, not yet submitted */
  json_decref(patch("{\"settings\":{\"reveal_others\":\"always\"}}", 200));
  ck_assert_int_eq(others(&rev, scoring), 1);
  json_decref(patch("{\"settings\":{\"reveal_others\":\"never\"}}", 200));
  ck_assert_int_eq(others(&rev, scoring), -1);
  json_decref(patch("{\"settings\":{\"reveal_others\":\"after_submit\"}}", 200));
  submit_all(&rev, scoring, scores);
  ck_assert_int_eq(others(&rev, scoring), 1);
  ck_assert_int_eq(others(&o, scoring), 1);
  /* the other sheet is the other reviewer's, named */
  json_t *s = tu_call(&rev, "GET", scoring, NULL, 200);
  json_t *first = json_array_get(json_object_get(s, "others"), 0);
  json_t *me = tu_call(&o, "GET", "/api/v1/me", NULL, 200);
  ck_assert_str_eq(tu_str(first, "reviewer"), tu_str(json_object_get(me, "user"), "display_name"));
  json_decref(me);
  json_decref(s);
  json_decref(patch("{\"settings\":{\"reveal_others\":\"never\"}}", 200));
  ck_assert_int_eq(others(&rev, scoring), -1);
  json_decref(patch("{\"settings\":{\"reveal_others\":\"always\"}}", 200));
  ck_assert_int_eq(others(&rev, scoring), 1);
}
END_TEST

START_TEST(self_assessment_as_the_settings_say)
{
  /* the unit assesses itself in the submission phase */
  char u_login[64], sp[200];
  snprintf(u_login, sizeof u_login, "unit-%s", unit);
  snprintf(sp, sizeof sp, "/api/v1/cycles/2/units/%s/scores", unit);
  struct tu_user u;
  tu_demo_login(&u, &d, u_login);
  json_decref(patch("{\"phase\":\"submission\"}", 200));
  /* a reviewer does not see an unsubmitted self-assessment during submission */
  json_decref(tu_call(&u, "PUT", sp, "{\"version\":0,\"items\":{\"1.1\":{\"points\":4}}}", 200));
  json_t *s = tu_call(&rev, "GET", scoring, NULL, 200);
  ck_assert(json_is_null(json_object_get(s, "self")));
  json_decref(s);
  json_decref(patch("{\"phase\":\"review\"}", 200));
  s = tu_call(&rev, "GET", scoring, NULL, 200);
  json_t *self = json_object_get(s, "self");
  ck_assert(json_is_object(self));
  ck_assert_str_eq(tu_str(self, "status"), "in_progress");
  ck_assert(json_number_value(json_object_get(
                json_object_get(json_object_get(self, "items"), "1.1"), "points")) == 4);
  ck_assert(json_is_object(json_object_get(self, "total")));
  ck_assert_ptr_null(json_object_get(self, "reviewer"));
  json_decref(s);
  json_decref(patch("{\"settings\":{\"show_self\":false}}", 200));
  s = tu_call(&rev, "GET", scoring, NULL, 200);
  ck_assert(json_is_null(json_object_get(s, "self")));
  json_decref(s);
  s = tu_call(&admin, "GET", scoring, NULL, 200); /* the office always */
  ck_assert(json_is_object(json_object_get(s, "self")));
  json_decref(s);
}
END_TEST

/* The text of UNIT's current report as the admin reads it, and the names to hide into NAME1
 * (registered) and NAME2 (read from the report). */
static char *plain_text(char *name1, char *name2)
{
  char p[200];
  snprintf(p, sizeof p, "/api/v1/units/%s", unit);
  json_t *u = tu_call(&admin, "GET", p, NULL, 200);
  snprintf(name1, 200, "%s", tu_str(json_object_get(u, "unit"), "name"));
  json_decref(u);
  snprintf(p, sizeof p, "/api/v1/cycles/2/units/%s/report", unit);
  json_t *r = tu_call(&admin, "GET", p, NULL, 200);
  json_t *rep = json_object_get(r, "report");
  snprintf(name2, 200, "%s", tu_str(rep, "unit_name") ? tu_str(rep, "unit_name") : name1);
  char *t = strdup(tu_str(rep, "text"));
  json_decref(r);
  return t;
}

START_TEST(blind_review)
{
  char name1[200], name2[200], p[300];
  char *plain = plain_text(name1, name2);
  ck_assert_ptr_nonnull(strstr(plain, name1));
  /* before: the reviewer finds the report by search */
  json_t *q = tu_call(&rev, "GET", "/api/v1/search?q=%E6%B3%95%E6%B2%BB&cycle=2", NULL, 200);
  ck_assert_int_gt(tu_int(q, "total"), 0);
  json_decref(q);
  /* the unit's self-assessment names the unit in a comment */
  char u_login[64], body[600];
  snprintf(u_login, sizeof u_login, "unit-%s", unit);
  struct tu_user uu;
  tu_demo_login(&uu, &d, u_login);
  snprintf(p, sizeof p, "/api/v1/cycles/2/units/%s/scores", unit);
  snprintf(body, sizeof body,
           "{\"version\":0,\"items\":{\"1.1\":{\"points\":4,\"comment\":\"%s全年专题学习4次\"}}}",
           name1);
  json_decref(patch("{\"phase\":\"submission\"}", 200));
  json_decref(tu_call(&uu, "PUT", p, body, 200));
  json_decref(patch("{\"phase\":\"review\"}", 200));
  /* self-assessments are not review scores: blind mode can still be turned on */
  json_decref(patch("{\"settings\":{\"blind\":true}}", 200));
  /* the work list shows ~ID and a neutral name */
  json_t *l = tu_call(&rev, "GET", "/api/v1/reviews", NULL, 200);
  size_t i;
  json_t *x;
  char tilde[32];
  snprintf(tilde, sizeof tilde, "~%lld", asg);
  int seen = 0;
  json_array_foreach(json_object_get(l, "reviews"), i, x)
  {
    if (tu_int(x, "cycle") != 2) continue; /* the closed 2022 cycle is not blind */
    ck_assert_msg(tu_str(x, "unit")[0] == '~', "row shows %s", tu_str(x, "unit"));
    ck_assert_ptr_nonnull(strstr(tu_str(x, "unit_name"), "匿名单位"));
    ck_assert(json_is_true(json_object_get(x, "blind")));
    seen |= !strcmp(tu_str(x, "unit"), tilde);
  }
  ck_assert(seen);
  json_t *blind_rows = json_array(); /* the blind cycle's rows name nothing */
  json_array_foreach(json_object_get(l, "reviews"), i, x)
  {
    if (tu_int(x, "cycle") == 2) json_array_append(blind_rows, x);
  }
  char *dumped = json_dumps(blind_rows, 0);
  ck_assert_ptr_null(strstr(dumped, name1));
  ck_assert_ptr_null(strstr(dumped, unit));
  free(dumped);
  json_decref(blind_rows);
  json_decref(l);
  /* the scoring page through ~ID: names masked, offsets kept */
  snprintf(p, sizeof p, "/api/v1/cycles/2/units/%s/scoring", tilde);
  json_t *s = tu_call(&rev, "GET", p, NULL, 200);
  json_t *u = json_object_get(s, "unit");
  ck_assert_str_eq(tu_str(u, "code"), tilde);
  ck_assert_ptr_nonnull(strstr(tu_str(u, "name"), "匿名单位"));
  ck_assert(json_is_true(json_object_get(u, "blind")));
  json_t *rep = json_object_get(s, "report");
  ck_assert(json_is_null(json_object_get(rep, "filename")));
  ck_assert_int_gt(json_array_size(json_object_get(rep, "headings")), 0);
  const char *text = tu_str(rep, "text");
  ck_assert_ptr_null(strstr(text, name1));
  ck_assert_ptr_null(strstr(text, name2));
  ck_assert_ptr_nonnull(strstr(text, "＊＊＊"));
  ck_assert_uint_eq(cps(text), cps(plain));
  ck_assert_str_eq(tu_str(json_object_get(s, "sheet"), "unit"), tilde);
  json_t *self_items = json_object_get(json_object_get(s, "self"), "items");
  const char *said = tu_str(json_object_get(self_items, "1.1"), "comment");
  ck_assert_ptr_nonnull(said);
  ck_assert_msg(!strstr(said, name1) && strstr(said, "＊"), "self comment %s", said);
  check_hints(text, json_object_get(s, "hints"));
  dumped = json_dumps(s, 0);
  ck_assert_ptr_null(strstr(dumped, name1));
  ck_assert_ptr_null(strstr(dumped, name2));
  ck_assert_ptr_null(strstr(dumped, unit));
  free(dumped);
  json_decref(s);
  /* the code form, the report routes, the unit list and search tell the reviewer nothing */
  json_decref(tu_call(&rev, "GET", scoring, NULL, 404));
  json_decref(tu_call(&rev, "GET", scores, NULL, 404));
  snprintf(p, sizeof p, "/api/v1/cycles/2/units/%s/report", unit);
  json_decref(tu_call(&rev, "GET", p, NULL, 404));
  snprintf(p, sizeof p, "/api/v1/cycles/2/units/%s/report/versions", unit);
  json_decref(tu_call(&rev, "GET", p, NULL, 404));
  q = tu_call(&rev, "GET", "/api/v1/search?q=%E6%B3%95%E6%B2%BB&cycle=2", NULL, 200);
  ck_assert_int_eq(tu_int(q, "total"), 0);
  json_decref(q);
  q = tu_call(&rev, "GET", "/api/v1/cycles/2/units", NULL, 200);
  ck_assert_int_eq(json_array_size(json_object_get(q, "units")), 0);
  json_decref(q);
  /* the admin still sees everything */
  s = tu_call(&admin, "GET", scoring, NULL, 200);
  ck_assert_str_eq(tu_str(json_object_get(s, "unit"), "code"), unit);
  ck_assert_ptr_nonnull(strstr(tu_str(json_object_get(s, "report"), "text"), name1));
  json_decref(s);
  /* scores through ~ID, evidence quoted and masked: the report opens with the unit's name */
  char sp[200];
  snprintf(sp, sizeof sp, "/api/v1/cycles/2/units/%s/scores", tilde);
  s = tu_call(&rev, "PUT", sp,
              "{\"version\":0,\"items\":{\"1.1\":{\"points\":2,\"evidence\":[{\"start\":0,\"end\":"
              "12}]}}}",
              200);
  json_t *sheet = json_object_get(s, "sheet");
  ck_assert_str_eq(tu_str(sheet, "unit"), tilde);
  const char *quote = tu_str(
      json_array_get(
          json_object_get(json_object_get(json_object_get(sheet, "items"), "1.1"), "evidence"), 0),
      "quote");
  ck_assert_ptr_nonnull(quote);
  ck_assert_uint_eq(cps(quote), 12);
  ck_assert_msg(!strncmp(quote, "＊", strlen("＊")), "quote %s", quote);
  json_decref(s);
  s = tu_call(&rev, "GET", sp, NULL, 200);
  ck_assert_int_eq(tu_int(json_object_get(s, "sheet"), "version"), 1);
  json_decref(s);
  /* another reviewer's ~ID, a malformed one, and ~ID for a unit user: 404 */
  snprintf(p, sizeof p, "/api/v1/cycles/2/units/~%lld/scoring", other_asg);
  json_decref(tu_call(&rev, "GET", p, NULL, 404));
  snprintf(p, sizeof p, "/api/v1/cycles/2/units/~%lld/scores", other_asg);
  json_decref(tu_call(&rev, "PUT", p, "{\"version\":0}", 404));
  json_decref(tu_call(&rev, "GET", "/api/v1/cycles/2/units/~/scoring", NULL, 404));
  json_decref(tu_call(&rev, "GET", "/api/v1/cycles/2/units/~1x/scoring", NULL, 404));
  snprintf(p, sizeof p, "/api/v1/cycles/1/units/%s/scoring", tilde); /* another cycle */
  json_decref(tu_call(&rev, "GET", p, NULL, 404));
  /* scores exist: blind mode stays as it is */
  json_t *e = patch("{\"settings\":{\"blind\":false}}", 409);
  ck_assert_str_eq(tu_err_field(e), "settings.blind");
  json_decref(e);
  json_decref(patch("{\"settings\":{\"blind\":true,\"comment_below\":0.2}}", 200));
  free(plain);
}
END_TEST

START_TEST(hints_for_every_demo_report)
{
  /* every unit of cycle 2 with a report, through the admin's scoring page */
  json_t *units = tu_call(&admin, "GET", "/api/v1/cycles/2/units", NULL, 200);
  size_t i;
  json_t *x;
  int reports = 0, all = 0, found = 0;
  json_array_foreach(json_object_get(units, "units"), i, x)
  {
    if (json_is_null(json_object_get(x, "report"))) continue;
    char p[200];
    snprintf(p, sizeof p, "/api/v1/cycles/2/units/%s/scoring", tu_str(x, "code"));
    json_t *s = tu_call(&admin, "GET", p, NULL, 200);
    json_t *hints = json_object_get(s, "hints");
    int f = check_hints(tu_str(json_object_get(s, "report"), "text"), hints);
    ck_assert_msg(f * 4 >= (int)json_object_size(hints), "%s: %d of %zu", tu_str(x, "code"), f,
                  json_object_size(hints));
    all += (int)json_object_size(hints);
    found += f;
    reports++;
    json_decref(s);
  }
  json_decref(units);
  ck_assert_int_eq(reports, 14);
  ck_assert_msg(found * 10 >= all * 6, "%d of %d leaves", found, all);
}
END_TEST

START_TEST(work_lists)
{
  json_t *l = tu_call(&rev, "GET", "/api/v1/reviews", NULL, 200);
  json_t *rows = json_object_get(l, "reviews");
  ck_assert_int_eq(json_array_size(rows),
                   tu_sql_int(d.dir,
                              "SELECT count(*) FROM assignment a JOIN user u ON u.id = "
                              "a.user_id WHERE u.login = 'reviewer1' AND a.kind = 'review'"));
  size_t i;
  json_t *x, *mine = NULL;
  json_array_foreach(rows, i, x)
  {
    ck_assert_str_eq(tu_str(x, "kind"), "review");
    ck_assert_ptr_nonnull(tu_str(x, "unit_name"));
    /* newest cycle first (2023, then the closed 2022), units by code within a cycle */
    json_t *prev = i > 0 ? json_array_get(rows, i - 1) : NULL;
    if (prev) ck_assert_int_ge(tu_int(prev, "cycle"), tu_int(x, "cycle"));
    if (prev && tu_int(prev, "cycle") == tu_int(x, "cycle"))
      ck_assert(strcmp(tu_str(prev, "unit"), tu_str(x, "unit")) < 0);
    if (tu_int(x, "assignment") == asg) mine = x;
  }
  ck_assert_ptr_nonnull(mine);
  ck_assert_str_eq(tu_str(mine, "unit"), unit);
  ck_assert_str_eq(tu_str(mine, "status"), "assigned");
  ck_assert_int_eq(tu_int(mine, "scored"), 0);
  ck_assert_int_eq(tu_int(mine, "leaves"), 30); /* a department: all but 5.5 */
  ck_assert(json_is_true(json_object_get(mine, "has_report")));
  ck_assert(json_is_integer(json_object_get(mine, "review_deadline")));
  json_decref(l);
  json_decref(tu_call(&rev, "PUT", scores,
                      "{\"version\":0,\"items\":{\"1.1\":{\"points\":2},\"1.2\":{\"na\":true},"
                      "\"2.1\":{\"comment\":\"待定\"}}}",
                      200));
  l = tu_call(&rev, "GET", "/api/v1/reviews", NULL, 200);
  json_array_foreach(json_object_get(l, "reviews"), i, x)
  {
    if (tu_int(x, "assignment") != asg) continue;
    ck_assert_str_eq(tu_str(x, "status"), "in_progress");
    ck_assert_int_eq(tu_int(x, "scored"), 2); /* points or N/A; a comment alone is not a score */
    ck_assert_int_eq(tu_int(x, "version"), 1);
  }
  json_decref(l);
  /* a unit user: one row per cycle (2023 in review, 2022 closed), no self-assessment yet */
  struct tu_user u;
  tu_demo_login(&u, &d, "unit-YL-QSZ");
  l = tu_call(&u, "GET", "/api/v1/reviews", NULL, 200);
  rows = json_object_get(l, "reviews");
  ck_assert_int_eq(json_array_size(rows), 2);
  x = json_array_get(rows, 0);
  ck_assert_int_eq(tu_int(x, "year"), 2023);
  ck_assert_str_eq(tu_str(x, "kind"), "self");
  ck_assert(json_is_null(json_object_get(x, "assignment")));
  ck_assert_str_eq(tu_str(x, "status"), "not_started");
  ck_assert_str_eq(tu_str(x, "unit"), "YL-QSZ");
  ck_assert_int_eq(tu_int(x, "leaves"), 28); /* a town: 3.1, 3.2 and 7.1 do not apply */
  ck_assert_int_eq(tu_int(json_array_get(rows, 1), "year"), 2022);
  json_decref(l);
  /* the office has no work list */
  json_decref(tu_call(&admin, "GET", "/api/v1/reviews", NULL, 403));
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("review");
  TCase *tc = tcase_create("review");
  tcase_add_checked_fixture(tc, start, stop);
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, settings_validated_and_defaulted);
  tcase_add_test(tc, score_step_from_the_cycle);
  tcase_add_test(tc, comment_required_below_the_cycles_threshold);
  tcase_add_test(tc, scoring_page_for_a_reviewer);
  tcase_add_test(tc, scoring_page_for_a_unit_and_the_admin);
  tcase_add_test(tc, other_reviewers_as_the_settings_say);
  tcase_add_test(tc, self_assessment_as_the_settings_say);
  tcase_add_test(tc, blind_review);
  tcase_add_test(tc, hints_for_every_demo_report);
  tcase_add_test(tc, work_lists);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return tu_run_suite(suite());
}
