/*
 * it_scores.c - score sheets and assignments against the real daemon with demo data (cycle 2
 * is in review, with reviewers assigned round robin): a reviewer's first save, the running
 * total, a stale version refused, every validation rule refused with the indicator named and
 * nothing half saved, evidence quoted from the report, access (not assigned, other units,
 * wrong phase), submission with its completeness and comment checks and the lock after it,
 * a unit's self-assessment in the submission phase (which freezes a new rubric), manual
 * assignments refused for the reviewer's own unit, a declared conflict or a duplicate, a
 * sheet's total following every change of its rubric (sheets.c caches frozen rubrics), and a
 * sheet kept in memory (sheet_cache.c) following writes made straight into the SQLite file.
 */
#include "testutil.h"

#include <check.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static struct tu_daemon d;

static struct tu_user admin, rev;
static char unit[32], path[200]; /* a unit assigned to reviewer1, and its scores path */

static void start(void)
{
  tu_start_demo(&d);
  tu_demo_login(&admin, &d, "admin");
  tu_demo_login(&rev, &d, "reviewer1");
  /* The first unit assigned to reviewer1 that has a report. */
  json_t *a = tu_call(&admin, "GET", "/api/v1/cycles/2/assignments", NULL, 200);
  size_t i;
  json_t *x;
  unit[0] = 0;
  json_array_foreach(json_object_get(a, "assignments"), i, x)
  {
    if (unit[0] || strcmp(json_string_value(json_object_get(x, "reviewer")), "reviewer1")) continue;
    char rp[200];
    snprintf(rp, sizeof rp, "/api/v1/cycles/2/units/%s/report",
             json_string_value(json_object_get(x, "unit")));
    struct tu_resp r;
    char url[300];
    snprintf(url, sizeof url, "%s%s", d.url, rp);
    tu_http("GET", url, NULL, NULL, 0, admin.jar, &r);
    if (r.status == 200)
      snprintf(unit, sizeof unit, "%s", json_string_value(json_object_get(x, "unit")));
    tu_resp_free(&r);
  }
  json_decref(a);
  ck_assert_msg(unit[0], "reviewer1 has a unit with a report");
  snprintf(path, sizeof path, "/api/v1/cycles/2/units/%s/scores", unit);
}

static void stop(void)
{
  tu_stop_clean(&d);
}

/* The leaves of the demo rubric that apply to unit kind KIND, as {"code": max}. */
static json_t *leaves(const char *kind)
{
  json_t *rb = tu_call(&admin, "GET", "/api/v1/rubrics/1", NULL, 200), *out = json_object();
  json_t *stack = json_copy(json_object_get(json_object_get(rb, "rubric"), "areas"));
  while (json_array_size(stack)) {
    json_t *n = json_incref(json_array_get(stack, 0));
    json_array_remove(stack, 0);
    json_t *kids = json_object_get(n, "children");
    if (json_is_array(kids))
      json_array_extend(stack, kids);
    else {
      json_t *ap = json_object_get(n, "applies_to");
      int applies = !json_is_array(ap);
      size_t i;
      json_t *k;
      json_array_foreach(ap, i, k) applies |= !strcmp(json_string_value(k), kind);
      if (applies)
        json_object_set_new(out, json_string_value(json_object_get(n, "code")),
                            json_real(tu_num(n, "max_points")));
    }
    json_decref(n);
  }
  json_decref(stack);
  json_decref(rb);
  return out;
}

/* The kind of unit CODE. */
static const char *unit_kind(const char *code)
{
  static char kind[32];
  char p[100];
  snprintf(p, sizeof p, "/api/v1/units/%s", code);
  json_t *u = tu_call(&admin, "GET", p, NULL, 200);
  snprintf(kind, sizeof kind, "%s",
           json_string_value(json_object_get(json_object_get(u, "unit"), "kind")));
  json_decref(u);
  return kind;
}

START_TEST(first_save_total_and_stale_version)
{
  json_t *s = tu_call(&rev, "GET", path, NULL, 200);
  json_t *sheet = json_object_get(s, "sheet");
  ck_assert_int_eq(json_integer_value(json_object_get(sheet, "version")), 0);
  ck_assert_str_eq(json_string_value(json_object_get(sheet, "status")), "assigned");
  ck_assert_int_eq(json_object_size(json_object_get(sheet, "items")), 0);
  json_decref(s);
  s = tu_call(&rev, "PUT", path,
              "{\"version\":0,\"items\":{\"1.1\":{\"points\":2.5,\"comment\":\"学习制度健全\"},"
              "\"1.2\":{\"points\":1}}}",
              200);
  sheet = json_object_get(s, "sheet");
  ck_assert_int_eq(json_integer_value(json_object_get(sheet, "version")), 1);
  ck_assert_str_eq(json_string_value(json_object_get(sheet, "status")), "in_progress");
  json_t *it = json_object_get(json_object_get(sheet, "items"), "1.1");
  ck_assert(tu_num(it, "points") == 2.5);
  ck_assert_str_eq(json_string_value(json_object_get(it, "comment")), "学习制度健全");
  ck_assert(tu_num(json_object_get(sheet, "total"), "base") == 3.5);
  json_decref(s);
  /* A second tab still holding version 0: refused, nothing overwritten. */
  json_t *e = tu_call(&rev, "PUT", path, "{\"version\":0,\"items\":{\"1.1\":{\"points\":0}}}", 409);
  ck_assert_str_eq(json_string_value(json_object_get(json_object_get(e, "error"), "field")),
                   "version");
  json_decref(e);
  /* Only the members sent change: the comment stays when the points change. */
  s = tu_call(&rev, "PUT", path, "{\"version\":1,\"items\":{\"1.1\":{\"points\":3}}}", 200);
  it = json_object_get(json_object_get(json_object_get(s, "sheet"), "items"), "1.1");
  ck_assert(tu_num(it, "points") == 3);
  ck_assert_str_eq(json_string_value(json_object_get(it, "comment")), "学习制度健全");
  json_decref(s);
  ck_assert_int_eq(tu_sql_int(d.dir, "SELECT count(*) FROM audit WHERE action = 'score.save'"), 2);
}
END_TEST

/* The items of sheet ASSIGNMENT built here from its rows in the SQLite file, in sheets.h's
 * form: what the daemon's reply must hold. */
static json_t *items_from_rows(long long assignment)
{
  char db[400];
  snprintf(db, sizeof db, "%s/kaoping.db", d.dir);
  sqlite3 *h;
  ck_assert_int_eq(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  sqlite3_stmt *st, *ev;
  ck_assert_int_eq(sqlite3_prepare_v2(h,
                                      "SELECT i.code, s.points, coalesce(s.count, 0), s.na, "
                                      "s.veto, s.comment, s.indicator_id FROM score s JOIN "
                                      "indicator i ON i.id = s.indicator_id WHERE "
                                      "s.assignment_id = ?1",
                                      -1, &st, NULL),
                   SQLITE_OK);
  ck_assert_int_eq(sqlite3_prepare_v2(h,
                                      "SELECT id, start_offset, end_offset, quote FROM "
                                      "evidence WHERE assignment_id = ?1 AND indicator_id = "
                                      "?2 ORDER BY id",
                                      -1, &ev, NULL),
                   SQLITE_OK);
  sqlite3_bind_int64(st, 1, assignment);
  json_t *items = json_object();
  while (sqlite3_step(st) == SQLITE_ROW) {
    json_t *list = json_array();
    sqlite3_bind_int64(ev, 1, assignment);
    sqlite3_bind_int64(ev, 2, sqlite3_column_int64(st, 6));
    while (sqlite3_step(ev) == SQLITE_ROW)
      json_array_append_new(list, json_pack("{s:I,s:I,s:I,s:s}", "id",
                                            (json_int_t)sqlite3_column_int64(ev, 0), "start",
                                            (json_int_t)sqlite3_column_int64(ev, 1), "end",
                                            (json_int_t)sqlite3_column_int64(ev, 2), "quote",
                                            (const char *)sqlite3_column_text(ev, 3)));
    sqlite3_reset(ev);
    json_t *points = sqlite3_column_type(st, 1) == SQLITE_NULL
                         ? json_null()
                         : json_real(sqlite3_column_double(st, 1));
    json_object_set_new(items, (const char *)sqlite3_column_text(st, 0),
                        json_pack("{s:o,s:s,s:b,s:I,s:b,s:o}", "points", points, "comment",
                                  (const char *)sqlite3_column_text(st, 5), "na",
                                  sqlite3_column_int(st, 3), "count",
                                  (json_int_t)sqlite3_column_int64(st, 2), "veto",
                                  sqlite3_column_int(st, 4), "evidence", list));
  }
  sqlite3_finalize(st);
  sqlite3_finalize(ev);
  sqlite3_close(h);
  return items;
}

/* The sheet a reply holds is written as text by SQLite's JSON functions (sheets.c): every
 * kind of value, including comments with quotes, backslashes, control characters and
 * characters outside the BMP, must come back exactly as stored, with booleans as booleans,
 * the same for the reviewer, for the office's list and for the reply of the save itself. */
/* One PUT of BODY to PATH with U's CSRF token and the cookie jar JAR; its HTTP status. */
static long put_status(const struct tu_user *u, const char *jar, const char *p, const char *body)
{
  char url[400], tok[100];
  snprintf(url, sizeof url, "%s%s", d.url, p);
  snprintf(tok, sizeof tok, "X-CSRF-Token: %s", u->csrf);
  const char *h[] = {"Content-Type: application/json", tok, NULL};
  struct tu_resp r;
  tu_http("PUT", url, h, body, strlen(body), jar, &r);
  long st = r.status;
  tu_resp_free(&r);
  return st;
}

/* Item CODE of SHEET as text ("-" when it has none); the caller frees it. */
static char *item_text(json_t *sheet, const char *code)
{
  json_t *it = json_object_get(json_object_get(sheet, "items"), code);
  return it ? json_dumps(it, JSON_COMPACT | JSON_SORT_KEYS) : strdup("-");
}

/* A counter of GET /metrics. */
static long long metric(const char *name)
{
  char url[300];
  snprintf(url, sizeof url, "%s/metrics", d.url);
  struct tu_resp r;
  tu_http("GET", url, NULL, NULL, 0, NULL, &r);
  char line[200]; /* the sample's line, not its # HELP and # TYPE lines */
  snprintf(line, sizeof line, "\n%s ", name);
  const char *at = r.body ? strstr(r.body, line) : NULL;
  long long v = at ? atoll(at + strlen(line)) : -1;
  tu_resp_free(&r);
  return v;
}

/* Saves from many connections at once go through the group commit (batch.c): each keeps its
 * own outcome (a refused save in the middle undoes only itself), every save is stored with its
 * audit row, two saves of one version of one sheet never both succeed, and /metrics counts
 * the batches. */
START_TEST(saves_at_once_keep_their_own_outcome)
{
  enum { SHEETS = 6, SAVES = 8 };
  json_t *rv = tu_call(&rev, "GET", "/api/v1/reviews", NULL, 200);
  char paths[SHEETS][200];
  long long ver[SHEETS];
  int n = 0;
  size_t i;
  json_t *x;
  json_array_foreach(json_object_get(rv, "reviews"), i, x)
  {
    if (n == SHEETS || tu_int(x, "cycle") != 2) continue;
    snprintf(paths[n], sizeof paths[n], "/api/v1/cycles/2/units/%s/scores", tu_str(x, "unit"));
    ver[n++] = tu_int(x, "version");
  }
  json_decref(rv);
  ck_assert_int_ge(n, 3);
  long long saves0 = tu_sql_int(d.dir, "SELECT count(*) FROM audit WHERE action = 'score.save'");
  long long jobs0 = metric("kaoping_write_batch_jobs_total"),
            batches0 = metric("kaoping_write_batches_total");
  ck_assert_int_ge(jobs0, 0);
  json_t *s0 = tu_call(&rev, "GET", paths[0], NULL, 200);
  char *item12 = item_text(json_object_get(s0, "sheet"), "1.2");
  json_decref(s0);
  size_t jl;
  char *jar = tu_slurp(rev.jar, &jl);
  pid_t kids[SHEETS];
  for (int k = 0; k < n; k++) {
    if ((kids[k] = fork()) == 0) {
      char myjar[400], body[200];
      snprintf(myjar, sizeof myjar, "%s.%d", rev.jar, k);
      tu_spit(myjar, jar, jl);
      int bad = 0;
      for (int j = 0; j < SAVES; j++) {
        if (k == 0 && j == SAVES / 2) { /* refused in the middle of the others: 400, and its
                                           first item, written before the second failed, undone */
          snprintf(body, sizeof body,
                   "{\"version\":%lld,\"items\":{\"1.2\":{\"points\":1,\"comment\":\"撤销\"},"
                   "\"1.1\":{\"points\":-1}}}",
                   ver[k] + j);
          bad |= put_status(&rev, myjar, paths[k], body) != 400;
        }
        snprintf(body, sizeof body, "{\"version\":%lld,\"items\":{\"1.1\":{\"points\":%d}}}",
                 ver[k] + j, j % 3);
        bad |= put_status(&rev, myjar, paths[k], body) != 200;
      }
      _exit(bad);
    }
    ck_assert_int_gt(kids[k], 0);
  }
  for (int k = 0; k < n; k++) {
    int status = -1;
    waitpid(kids[k], &status, 0);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "saver %d got a wrong status", k);
  }
  for (int k = 0; k < n; k++) {
    json_t *s = tu_call(&rev, "GET", paths[k], NULL, 200);
    json_t *sh = json_object_get(s, "sheet");
    ck_assert_int_eq(tu_int(sh, "version"), ver[k] + SAVES);
    ck_assert(tu_num(json_object_get(json_object_get(sh, "items"), "1.1"), "points") ==
              (SAVES - 1) % 3);
    if (k == 0) {
      char *now = item_text(sh, "1.2");
      ck_assert_str_eq(now, item12);
      free(now);
    }
    json_decref(s);
  }
  ck_assert_int_eq(tu_sql_int(d.dir, "SELECT count(*) FROM audit WHERE action = 'score.save'"),
                   saves0 + (long long)n * SAVES);
  long long jobs = metric("kaoping_write_batch_jobs_total") - jobs0,
            batches = metric("kaoping_write_batches_total") - batches0;
  ck_assert_int_eq(jobs, (long long)n * SAVES + 1);
  ck_assert_int_ge(batches, 1);
  ck_assert_int_le(batches, jobs);

  /* Two tabs saving the same version at once: one is kept, the other gets 409. */
  long long v = ver[0] + SAVES;
  pid_t two[2];
  for (int k = 0; k < 2; k++) {
    if ((two[k] = fork()) == 0) {
      char myjar[400], body[200];
      snprintf(myjar, sizeof myjar, "%s.t%d", rev.jar, k);
      tu_spit(myjar, jar, jl);
      snprintf(body, sizeof body, "{\"version\":%lld,\"items\":{\"1.2\":{\"points\":%d}}}", v, k);
      long st = put_status(&rev, myjar, paths[0], body);
      _exit(st == 200 ? 0 : st == 409 ? 1 : 2);
    }
    ck_assert_int_gt(two[k], 0);
  }
  int codes[2];
  for (int k = 0; k < 2; k++) {
    int status = -1;
    waitpid(two[k], &status, 0);
    ck_assert(WIFEXITED(status));
    codes[k] = WEXITSTATUS(status);
  }
  ck_assert_msg(codes[0] + codes[1] == 1 && codes[0] != 2 && codes[1] != 2,
                "one 200 and one 409 (got %d, %d)", codes[0], codes[1]);
  free(jar);
  free(item12);
}
END_TEST

START_TEST(sheet_reply_holds_the_stored_values)
{
  static const char comment[] =
      "含\\\"引号\\\"、反斜杠\\\\、换行\\n、制表\\t、控制符\\u0001、表情😀和/斜杠";
  char body[1200];
  snprintf(body, sizeof body,
           "{\"version\":0,\"items\":{\"1.1\":{\"points\":2.5,\"comment\":\"%s\","
           "\"evidence\":[{\"start\":0,\"end\":6},{\"start\":10,\"end\":20}]},\"1.2\":{"
           "\"na\":true},\"2.1\":{\"points\":1.5},\"2.2\":{\"points\":4},\"B1\":{\"count\":2},"
           "\"D1\":{\"count\":1},\"V1\":{\"veto\":true,\"comment\":\"否决\"}}}",
           comment);
  json_t *saved = tu_call(&rev, "PUT", path, body, 200);
  json_t *sheet = json_object_get(saved, "sheet");
  long long id = (long long)json_integer_value(json_object_get(sheet, "id"));
  json_t *want = items_from_rows(id);
  ck_assert_int_eq(json_object_size(want), 7);
  json_t *it = json_object_get(want, "1.1");
  ck_assert_str_eq(json_string_value(json_object_get(it, "comment")),
                   "含\"引号\"、反斜杠\\、换行\n、制表\t、控制符\x01、表情😀和/斜杠");
  ck_assert_int_eq(json_array_size(json_object_get(it, "evidence")), 2);
  ck_assert(json_equal(json_object_get(sheet, "items"), want));
  json_t *got = tu_call(&rev, "GET", path, NULL, 200);
  ck_assert(json_equal(json_object_get(got, "sheet"), sheet));
  /* Booleans are JSON true/false (json_equal would also take them for 1/0 no more than
   * integers for reals: checked by type). */
  json_t *gi = json_object_get(json_object_get(json_object_get(got, "sheet"), "items"), "1.2");
  ck_assert(json_is_true(json_object_get(gi, "na")));
  ck_assert(json_is_false(json_object_get(gi, "veto")));
  ck_assert(json_is_real(json_object_get(
      json_object_get(json_object_get(json_object_get(got, "sheet"), "items"), "2.2"), "points")));
  ck_assert(json_is_null(json_object_get(gi, "points")));
  /* The office sees the same sheet among the unit's sheets. */
  char ap[200];
  snprintf(ap, sizeof ap, "/api/v1/cycles/2/units/%s/scores", unit);
  json_t *all = tu_call(&admin, "GET", ap, NULL, 200);
  size_t i;
  json_t *x;
  int found = 0;
  json_array_foreach(json_object_get(all, "sheets"), i, x)
  {
    if (json_integer_value(json_object_get(x, "id")) != id) continue;
    found = 1;
    ck_assert(json_equal(x, sheet));
  }
  ck_assert(found);
  ck_assert_int_ge(json_array_size(json_object_get(all, "sheets")), 2);
  json_decref(all);
  json_decref(got);
  json_decref(want);
  json_decref(saved);
}
END_TEST

/* Counter kaoping_sheet_cache_lookups_total{result=RESULT} of the daemon's /metrics. */
static long long cache_lookups(const char *result)
{
  char url[300], name[100];
  snprintf(url, sizeof url, "%s/metrics", d.url);
  snprintf(name, sizeof name, "kaoping_sheet_cache_lookups_total{result=\"%s\"} ", result);
  struct tu_resp r;
  ck_assert_int_eq(tu_http("GET", url, NULL, NULL, 0, NULL, &r), 0);
  const char *p = strstr(r.body, name);
  ck_assert_msg(p != NULL, "no %s in /metrics", name);
  long long n = atoll(p + strlen(name));
  tu_resp_free(&r);
  return n;
}

/* Item CODE of the sheet at PATH as REV reads it now (the reply is stored in *REPLY, which
 * the caller decrefs). */
static json_t *read_item(const char *code, json_t **reply)
{
  *reply = tu_call(&rev, "GET", path, NULL, 200);
  return json_object_get(json_object_get(json_object_get(*reply, "sheet"), "items"), code);
}

/* A sheet's items and total are kept in memory between reads (sheet_cache.h). Reading again
 * is served from there, and every write to the sheet's rows, including one made outside the
 * daemon straight into the SQLite file, is seen by the very next read. */
START_TEST(a_kept_sheet_follows_every_write)
{
  json_t *s = tu_call(&rev, "PUT", path,
                      "{\"version\":0,\"items\":{\"1.1\":{\"points\":2.5,\"comment\":\"第一稿\","
                      "\"evidence\":[{\"start\":0,\"end\":6}]},\"1.2\":{\"points\":1}}}",
                      200);
  long long id = tu_int(json_object_get(s, "sheet"), "id");
  json_decref(s);
  long long hits = cache_lookups("hit");
  json_t *a = tu_call(&rev, "GET", path, NULL, 200), *b = tu_call(&rev, "GET", path, NULL, 200);
  ck_assert_int_eq(cache_lookups("hit"), hits + 2);
  ck_assert(json_equal(a, b));
  ck_assert(tu_num(json_object_get(json_object_get(a, "sheet"), "total"), "base") == 3.5);
  json_decref(a);
  json_decref(b);

  long long misses = cache_lookups("miss");
  char q[600];
  snprintf(q, sizeof q,
           "UPDATE score SET points = 3, comment = '库外修改' WHERE assignment_id = %lld AND "
           "indicator_id = (SELECT i.id FROM score s JOIN indicator i ON i.id = s.indicator_id "
           "WHERE s.assignment_id = %lld AND i.code = '1.1')",
           id, id);
  tu_sql(d.dir, q);
  json_t *r, *it = read_item("1.1", &r);
  ck_assert_int_eq(cache_lookups("miss"), misses + 1);
  ck_assert_str_eq(json_string_value(json_object_get(it, "comment")), "库外修改");
  ck_assert(tu_num(it, "points") == 3);
  ck_assert_int_eq(json_array_size(json_object_get(it, "evidence")), 1);
  ck_assert(tu_num(json_object_get(json_object_get(r, "sheet"), "total"), "base") == 4);
  json_decref(r);

  snprintf(q, sizeof q, "DELETE FROM evidence WHERE assignment_id = %lld", id);
  tu_sql(d.dir, q);
  it = read_item("1.1", &r);
  ck_assert_int_eq(json_array_size(json_object_get(it, "evidence")), 0);
  json_decref(r);

  snprintf(q, sizeof q,
           "DELETE FROM score WHERE assignment_id = %lld AND indicator_id = (SELECT i.id FROM "
           "score s JOIN indicator i ON i.id = s.indicator_id WHERE s.assignment_id = %lld AND "
           "i.code = '1.2')",
           id, id);
  tu_sql(d.dir, q);
  ck_assert_ptr_null(read_item("1.2", &r));
  ck_assert(tu_num(json_object_get(json_object_get(r, "sheet"), "total"), "base") == 3);
  json_decref(r);
}
END_TEST

/* The sheet's head is written by kaoping, not by SQLite: names with quotes, backslashes,
 * control characters and Chinese come back as stored, in valid JSON. */
START_TEST(a_sheet_head_keeps_any_name)
{
  const char *name = "王\"伟\\\t\x01/测";
  tu_sql(d.dir, "UPDATE user SET display_name = '王\"伟\\' || char(9) || char(1) || '/测' WHERE "
                "login = 'reviewer1'");
  json_t *s = tu_call(&rev, "GET", path, NULL, 200), *sh = json_object_get(s, "sheet");
  ck_assert_str_eq(tu_str(json_object_get(sh, "reviewer"), "display_name"), name);
  ck_assert_str_eq(tu_str(json_object_get(sh, "reviewer"), "login"), "reviewer1");
  ck_assert_str_eq(tu_str(sh, "unit"), unit);
  ck_assert_str_eq(tu_str(sh, "kind"), "review");
  ck_assert(json_is_integer(json_object_get(sh, "id")) &&
            json_is_integer(json_object_get(sh, "version")) &&
            json_is_integer(json_object_get(sh, "rubric_id")));
  ck_assert(json_is_null(json_object_get(sh, "submitted_at")));
  json_decref(s);
}
END_TEST

START_TEST(every_bad_value_names_the_indicator)
{
  json_decref(
      tu_call(&rev, "PUT", path, "{\"version\":0,\"items\":{\"1.1\":{\"points\":1}}}", 200));
  char big[2200 * 3 + 100];
  strcpy(big, "{\"version\":1,\"items\":{\"1.1\":{\"comment\":\"");
  for (int i = 0; i < 2001; i++) strcat(big, "字");
  strcat(big, "\"}}}");
  const struct {
    const char *body, *field;
  } cases[] = {
      {"{\"version\":1,\"items\":{\"1.1\":{\"points\":\"3\"}}}", "items.1.1.points"},
      {"{\"version\":1,\"items\":{\"1.1\":{\"points\":-1}}}", "items.1.1.points"},
      {"{\"version\":1,\"items\":{\"1.1\":{\"points\":99}}}", "items.1.1.points"},
      {"{\"version\":1,\"items\":{\"1.1\":{\"points\":1.3}}}", "items.1.1.points"},
      {"{\"version\":1,\"items\":{\"9.9\":{\"points\":1}}}", "items.9.9"},
      {"{\"version\":1,\"items\":{\"1\":{\"points\":1}}}", "items.1"},
      {"{\"version\":1,\"items\":{\"1.1\":{\"count\":2}}}", "items.1.1.count"},
      {"{\"version\":1,\"items\":{\"D1\":{\"count\":-2}}}", "items.D1.count"},
      {"{\"version\":1,\"items\":{\"1.1\":{\"veto\":true}}}", "items.1.1.veto"},
      {"{\"version\":1,\"items\":{\"1.1\":{\"na\":\"yes\"}}}", "items.1.1.na"},
      {"{\"version\":1,\"items\":{\"1.1\":{\"weight\":1}}}", "items.1.1.weight"},
      {"{\"version\":1,\"items\":{\"1.1\":{\"evidence\":[{\"start\":5,\"end\":3}]}}}",
       "items.1.1.evidence"},
      {"{\"version\":1,\"items\":{\"1.1\":{\"evidence\":[{\"start\":0,\"end\":99999999}]}}}",
       "items.1.1.evidence"},
      {big, "items.1.1.comment"},
      {"{\"version\":\"1\"}", "version"},
      {"{\"version\":1,\"items\":[]}", "items"},
      /* a good item, then a bad one: neither is saved */
      {"{\"version\":1,\"items\":{\"1.2\":{\"points\":1},\"1.1\":{\"points\":7}}}",
       "items.1.1.points"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    json_t *e = tu_call(&rev, "PUT", path, cases[i].body, 400);
    json_t *err = json_object_get(e, "error");
    ck_assert_msg(!strcmp(json_string_value(json_object_get(err, "field")), cases[i].field),
                  "case %zu: field %s", i, json_string_value(json_object_get(err, "field")));
    ck_assert_ptr_nonnull(json_string_value(json_object_get(err, "detail")));
    json_decref(e);
  }
  json_t *s = tu_call(&rev, "GET", path, NULL, 200);
  json_t *sheet = json_object_get(s, "sheet");
  ck_assert_int_eq(json_integer_value(json_object_get(sheet, "version")), 1);
  ck_assert_int_eq(json_object_size(json_object_get(sheet, "items")), 1);
  json_decref(s);
  /* Not JSON numbers at all (NaN) is refused by the parser. */
  json_decref(
      tu_call(&rev, "PUT", path, "{\"version\":1,\"items\":{\"1.1\":{\"points\":NaN}}}", 400));
}
END_TEST

START_TEST(evidence_is_quoted_from_the_report)
{
  char rp[200];
  snprintf(rp, sizeof rp, "/api/v1/cycles/2/units/%s/report", unit);
  json_t *rep = tu_call(&rev, "GET", rp, NULL, 200);
  const char *text = json_string_value(json_object_get(json_object_get(rep, "report"), "text"));
  ck_assert_ptr_nonnull(text);
  /* The first 12 characters (UTF-8: count code points, not bytes). */
  const char *p = text;
  for (int n = 0; n < 12 && *p; n++) {
    p++;
    while ((*p & 0xC0) == 0x80) p++;
  }
  char want[200];
  snprintf(want, sizeof want, "%.*s", (int)(p - text), text);
  json_t *s = tu_call(&rev, "PUT", path,
                      "{\"version\":0,\"items\":{\"2.1\":{\"points\":1,\"evidence\":[{\"start\":0,"
                      "\"end\":12}]}}}",
                      200);
  json_t *ev = json_object_get(
      json_object_get(json_object_get(json_object_get(s, "sheet"), "items"), "2.1"), "evidence");
  ck_assert_int_eq(json_array_size(ev), 1);
  ck_assert_str_eq(json_string_value(json_object_get(json_array_get(ev, 0), "quote")), want);
  json_decref(s);
  /* Replaced as a list; an empty list removes it. */
  s = tu_call(&rev, "PUT", path, "{\"version\":1,\"items\":{\"2.1\":{\"evidence\":[]}}}", 200);
  ev = json_object_get(
      json_object_get(json_object_get(json_object_get(s, "sheet"), "items"), "2.1"), "evidence");
  ck_assert_int_eq(json_array_size(ev), 0);
  json_decref(s);
  json_decref(rep);
}
END_TEST

START_TEST(who_may_score_what)
{
  /* A unit not assigned to reviewer1. */
  json_t *a = tu_call(&admin, "GET", "/api/v1/cycles/2/assignments", NULL, 200);
  char other[32] = "";
  size_t i, j;
  json_t *x, *y;
  json_array_foreach(json_object_get(a, "assignments"), i, x)
  {
    const char *u = json_string_value(json_object_get(x, "unit"));
    int mine = 0;
    json_array_foreach(json_object_get(a, "assignments"), j, y)
    {
      mine |= !strcmp(json_string_value(json_object_get(y, "unit")), u) &&
              !strcmp(json_string_value(json_object_get(y, "reviewer")), "reviewer1");
    }
    if (!mine && !other[0]) snprintf(other, sizeof other, "%s", u);
  }
  json_decref(a);
  ck_assert(other[0]);
  char p[200];
  snprintf(p, sizeof p, "/api/v1/cycles/2/units/%s/scores", other);
  json_decref(tu_call(&rev, "GET", p, NULL, 404));
  json_decref(tu_call(&rev, "PUT", p, "{\"version\":0}", 404));
  /* The admin sees every sheet of a unit but scores none. */
  json_t *all = tu_call(&admin, "GET", path, NULL, 200);
  ck_assert_int_ge(json_array_size(json_object_get(all, "sheets")), 1);
  json_decref(all);
  json_decref(tu_call(&admin, "PUT", path, "{\"version\":0}", 403));
  /* A unit user in the review phase: no self-assessment any more. */
  struct tu_user u;
  tu_demo_login(&u, &d, "unit-YL-SFJ");
  json_t *e = tu_call(&u, "PUT", "/api/v1/cycles/2/units/YL-SFJ/scores", "{\"version\":0}", 409);
  json_decref(e);
  json_decref(tu_call(&u, "GET", path, NULL, 404));
  /* Outside the review phase a reviewer cannot score either. */
  json_decref(tu_call(&admin, "PATCH", "/api/v1/cycles/2", "{\"phase\":\"publication\"}", 200));
  e = tu_call(&rev, "PUT", path, "{\"version\":0,\"items\":{\"1.1\":{\"points\":1}}}", 409);
  ck_assert_ptr_nonnull(
      strstr(json_string_value(json_object_get(json_object_get(e, "error"), "detail")), "评审"));
  json_decref(e);
}
END_TEST

START_TEST(submit_checks_and_locks)
{
  json_t *l = leaves(unit_kind(unit));
  /* Incomplete: refused with the missing codes. */
  json_t *e = tu_call(&rev, "PUT", path,
                      "{\"version\":0,\"items\":{\"1.1\":{\"points\":1}},\"submit\":true}", 400);
  ck_assert_ptr_nonnull(
      strstr(json_string_value(json_object_get(json_object_get(e, "error"), "detail")), "未打分"));
  json_decref(e);
  /* Every applicable leaf scored (one marked N/A), the first one low without a comment, and the
   * cycle asking for comments below 60% of the maximum. */
  tu_sql(d.dir,
         "UPDATE cycle SET settings = json_set(settings, '$.comment_below', 0.6) WHERE id = 2");
  json_t *items = json_object();
  const char *k;
  json_t *v;
  int first = 1;
  json_object_foreach(l, k, v)
  {
    json_t *item = first ? json_pack("{s:f}", "points", 0.5)
                         : json_pack("{s:f}", "points", json_number_value(v));
    if (!strcmp(k, "1.2")) item = (json_decref(item), json_pack("{s:b}", "na", 1));
    json_object_set_new(items, k, item);
    first = 0;
  }
  json_t *body = json_pack("{s:i,s:O,s:b}", "version", 0, "items", items, "submit", 1);
  char *b = json_dumps(body, 0);
  e = tu_call(&rev, "PUT", path, b, 400);
  ck_assert_ptr_nonnull(
      strstr(json_string_value(json_object_get(json_object_get(e, "error"), "detail")), "评语"));
  json_decref(e);
  free(b);
  /* With the comment: submitted and locked. */
  json_object_set_new(json_object_get(items, json_object_iter_key(json_object_iter(items))),
                      "comment", json_string("制度未按要求落实"));
  json_object_set(body, "items", items);
  b = json_dumps(body, 0);
  json_t *s = tu_call(&rev, "PUT", path, b, 200);
  free(b);
  json_t *sheet = json_object_get(s, "sheet");
  ck_assert_str_eq(json_string_value(json_object_get(sheet, "status")), "submitted");
  ck_assert(json_is_integer(json_object_get(sheet, "submitted_at")));
  json_decref(s);
  e = tu_call(&rev, "PUT", path, "{\"version\":1,\"items\":{\"1.1\":{\"points\":1}}}", 409);
  ck_assert_ptr_nonnull(
      strstr(json_string_value(json_object_get(json_object_get(e, "error"), "detail")), "已提交"));
  json_decref(e);
  ck_assert_int_eq(tu_sql_int(d.dir, "SELECT count(*) FROM audit WHERE action = 'score.submit'"),
                   1);
  json_decref(body);
  json_decref(items);
  json_decref(l);
}
END_TEST

START_TEST(self_assessment_freezes_a_new_rubric)
{
  json_t *c = tu_call(&admin, "POST", "/api/v1/cycles",
                      "{\"year\":2024,\"title\":\"2024年度考核\",\"rubric_copy_from\":1}", 201);
  long long cid = json_integer_value(json_object_get(json_object_get(c, "cycle"), "id"));
  long long rid = json_integer_value(json_object_get(json_object_get(c, "cycle"), "rubric_id"));
  json_decref(c);
  char cp[100], sp[200], rp[100];
  snprintf(cp, sizeof cp, "/api/v1/cycles/%lld", cid);
  snprintf(sp, sizeof sp, "/api/v1/cycles/%lld/units/YL-SFJ/scores", cid);
  snprintf(rp, sizeof rp, "/api/v1/rubrics/%lld", rid);
  json_decref(tu_call(&admin, "PATCH", cp, "{\"phase\":\"submission\"}", 200));
  struct tu_user u;
  tu_demo_login(&u, &d, "unit-YL-SFJ");
  json_t *s = tu_call(&u, "GET", sp, NULL, 200);
  ck_assert(json_is_null(json_object_get(s, "sheet")));
  json_decref(s);
  json_t *r = tu_call(&admin, "GET", rp, NULL, 200);
  ck_assert(json_is_false(json_object_get(json_object_get(r, "rubric"), "frozen")));
  json_decref(r);
  s = tu_call(&u, "PUT", sp,
              "{\"version\":0,\"items\":{\"1.1\":{\"points\":3,\"comment\":\"自评说明\"}}}", 200);
  ck_assert_str_eq(json_string_value(json_object_get(json_object_get(s, "sheet"), "kind")), "self");
  json_decref(s);
  r = tu_call(&admin, "GET", rp, NULL, 200);
  ck_assert(json_is_true(json_object_get(json_object_get(r, "rubric"), "frozen")));
  json_decref(r);
  /* Another unit's self-assessment is not theirs. */
  snprintf(sp, sizeof sp, "/api/v1/cycles/%lld/units/YL-GAJ/scores", cid);
  json_decref(tu_call(&u, "PUT", sp, "{\"version\":0}", 404));
}
END_TEST

START_TEST(manual_assignments)
{
  /* reviewer2 belongs to 云岭县司法局 (YL-SFJ). */
  json_t *e = tu_call(&admin, "POST", "/api/v1/cycles/2/assignments",
                      "{\"unit\":\"YL-SFJ\",\"reviewer\":\"reviewer2\"}", 400);
  ck_assert_str_eq(json_string_value(json_object_get(json_object_get(e, "error"), "field")),
                   "reviewer");
  json_decref(e);
  tu_sql(d.dir, "INSERT INTO conflict (user_id, unit_id, reason, created_at) SELECT u.id, un.id, "
                "'配偶在该单位任职', 0 FROM user u, unit un WHERE u.login = 'reviewer3' AND "
                "un.code = 'YL-JYJ'");
  e = tu_call(&admin, "POST", "/api/v1/cycles/2/assignments",
              "{\"unit\":\"YL-JYJ\",\"reviewer\":\"reviewer3\"}", 400);
  ck_assert_ptr_nonnull(strstr(
      json_string_value(json_object_get(json_object_get(e, "error"), "detail")), "利益冲突"));
  json_decref(e);
  json_decref(tu_call(&admin, "POST", "/api/v1/cycles/2/assignments",
                      "{\"unit\":\"NOPE\",\"reviewer\":\"reviewer3\"}", 400));
  json_decref(tu_call(&admin, "POST", "/api/v1/cycles/2/assignments",
                      "{\"unit\":\"YL-JYJ\",\"reviewer\":\"unit-YL\"}", 400));
  /* A fresh assignment, a duplicate, and removal. */
  char body[200];
  snprintf(body, sizeof body, "{\"unit\":\"%s\",\"reviewer\":\"reviewer1\"}", unit);
  json_decref(tu_call(&admin, "POST", "/api/v1/cycles/2/assignments", body, 409));
  /* A reviewer not yet on YL-JYJ (nor in conflict with it). */
  json_t *list = tu_call(&admin, "GET", "/api/v1/cycles/2/assignments", NULL, 200);
  char free_rev[32] = "";
  const char *cands[] = {"reviewer1", "reviewer4", "reviewer5", "reviewer6"};
  for (int c = 0; c < 4 && !free_rev[0]; c++) {
    int taken = 0;
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(list, "assignments"), i, x)
    {
      taken |= !strcmp(json_string_value(json_object_get(x, "unit")), "YL-JYJ") &&
               !strcmp(json_string_value(json_object_get(x, "reviewer")), cands[c]);
    }
    if (!taken) snprintf(free_rev, sizeof free_rev, "%s", cands[c]);
  }
  json_decref(list);
  ck_assert(free_rev[0]);
  snprintf(body, sizeof body, "{\"unit\":\"YL-JYJ\",\"reviewer\":\"%s\"}", free_rev);
  json_t *a = tu_call(&admin, "POST", "/api/v1/cycles/2/assignments", body, 201);
  long long id = json_integer_value(json_object_get(json_object_get(a, "assignment"), "id"));
  json_decref(a);
  char dp[100];
  snprintf(dp, sizeof dp, "/api/v1/cycles/2/assignments/%lld", id);
  json_decref(tu_call(&admin, "DELETE", dp, NULL, 204));
  json_decref(tu_call(&admin, "DELETE", dp, NULL, 404));
  /* One with scores stays. */
  json_decref(
      tu_call(&rev, "PUT", path, "{\"version\":0,\"items\":{\"1.1\":{\"points\":1}}}", 200));
  char q[300];
  snprintf(q, sizeof q,
           "SELECT a.id FROM assignment a JOIN unit un ON un.id = a.unit_id JOIN user u ON u.id "
           "= a.user_id WHERE a.cycle_id = 2 AND un.code = '%s' AND u.login = 'reviewer1'",
           unit);
  snprintf(dp, sizeof dp, "/api/v1/cycles/2/assignments/%lld", tu_sql_int(d.dir, q));
  json_decref(tu_call(&admin, "DELETE", dp, NULL, 409));
}
END_TEST

/* The grade of the total of the sheet at PATH as U sees it, into GRADE; returns its rubric_id. */
static long long sheet_grade(const struct tu_user *u, const char *p, char grade[64])
{
  json_t *s = tu_call(u, "GET", p, NULL, 200);
  json_t *sheet = json_object_get(s, "sheet");
  const char *g = json_string_value(json_object_get(json_object_get(sheet, "total"), "grade"));
  snprintf(grade, 64, "%s", g ? g : "");
  long long id = json_integer_value(json_object_get(sheet, "rubric_id"));
  json_decref(s);
  return id;
}

/* RB (a rubric as GET /api/v1/rubrics/{id} gives it) with one grade band NAME from 0 points
 * (and its veto items forcing that grade), as a request body (caller frees). */
static char *one_band(json_t *rb, const char *name)
{
  char effect[64];
  snprintf(effect, sizeof effect, "grade:%s", name);
  json_object_set_new(rb, "grade_bands", json_pack("[{s:s,s:f}]", "name", name, "min", 0.0));
  size_t i;
  json_t *x;
  json_array_foreach(json_object_get(rb, "veto"), i, x)
      json_object_set_new(x, "effect", json_string(effect));
  return json_dumps(rb, JSON_COMPACT);
}

START_TEST(total_follows_every_rubric_change)
{
  char grade[64], q[400];
  /* A frozen rubric (the demo's, scored in both cycles): its tree is cached after the first
   * read. Changed behind the daemon's back with the row's time, as rubric_replace() would
   * change an unfrozen one: the cache misses. */
  ck_assert_int_eq(tu_sql_int(d.dir, "SELECT frozen FROM rubric WHERE id = 1"), 1);
  ck_assert_int_eq(sheet_grade(&rev, path, grade), 1);
  ck_assert_str_ne(grade, "甲");
  ck_assert_int_eq(sheet_grade(&rev, path, grade), 1);
  ck_assert_str_ne(grade, "甲");
  tu_sql(d.dir, "UPDATE rubric SET grade_bands = '[{\"name\":\"甲\",\"min\":0}]', updated_at "
                "= updated_at + 1 WHERE id = 1");
  sheet_grade(&rev, path, grade);
  ck_assert_str_eq(grade, "甲");
  /* A scored sheet whose cycle switches to a new version of the rubric: the new one counts. */
  json_decref(
      tu_call(&rev, "PUT", path, "{\"version\":0,\"items\":{\"1.1\":{\"points\":1}}}", 200));
  sheet_grade(&rev, path, grade);
  ck_assert_str_eq(grade, "甲");
  json_t *r = tu_call(&admin, "GET", "/api/v1/rubrics/1", NULL, 200);
  json_t *rb = json_object_get(r, "rubric");
  json_object_set_new(rb, "derived_from", json_integer(1));
  char *body = one_band(rb, "乙");
  json_t *v = tu_call(&admin, "POST", "/api/v1/rubrics", body, 201);
  free(body);
  long long nid = json_integer_value(json_object_get(json_object_get(v, "rubric"), "id"));
  json_decref(v);
  snprintf(q, sizeof q, "{\"rubric_id\":%lld,\"confirm_rubric_change\":true}", nid);
  json_decref(tu_call(&admin, "PATCH", "/api/v1/cycles/2", q, 200));
  ck_assert_int_eq(sheet_grade(&rev, path, grade), nid);
  ck_assert_str_eq(grade, "乙");
  /* A rubric that is not frozen yet, edited while a sheet on it exists: read every time. */
  snprintf(q, sizeof q, "{\"year\":2024,\"title\":\"2024年度考核\",\"rubric_copy_from\":%lld}",
           nid);
  json_t *c = tu_call(&admin, "POST", "/api/v1/cycles", q, 201);
  long long cid = json_integer_value(json_object_get(json_object_get(c, "cycle"), "id"));
  long long rid = json_integer_value(json_object_get(json_object_get(c, "cycle"), "rubric_id"));
  json_decref(c);
  char ap[100], sp[200], rp[100];
  snprintf(ap, sizeof ap, "/api/v1/cycles/%lld/assignments", cid);
  snprintf(sp, sizeof sp, "/api/v1/cycles/%lld/units/%s/scores", cid, unit);
  snprintf(rp, sizeof rp, "/api/v1/rubrics/%lld", rid);
  snprintf(q, sizeof q, "{\"unit\":\"%s\",\"reviewer\":\"reviewer1\"}", unit);
  json_decref(tu_call(&admin, "POST", ap, q, 201));
  ck_assert_int_eq(sheet_grade(&rev, sp, grade), rid);
  ck_assert_str_ne(grade, "丙");
  json_decref(r);
  r = tu_call(&admin, "GET", rp, NULL, 200);
  ck_assert(json_is_false(json_object_get(json_object_get(r, "rubric"), "frozen")));
  body = one_band(json_object_get(r, "rubric"), "丙");
  json_decref(tu_call(&admin, "PUT", rp, body, 200));
  free(body);
  sheet_grade(&rev, sp, grade);
  ck_assert_str_eq(grade, "丙");
  json_decref(r);
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("scores");
  TCase *tc = tcase_create("scores");
  tcase_add_checked_fixture(tc, start, stop);
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, first_save_total_and_stale_version);
  tcase_add_test(tc, saves_at_once_keep_their_own_outcome);
  tcase_add_test(tc, sheet_reply_holds_the_stored_values);
  tcase_add_test(tc, a_kept_sheet_follows_every_write);
  tcase_add_test(tc, a_sheet_head_keeps_any_name);
  tcase_add_test(tc, every_bad_value_names_the_indicator);
  tcase_add_test(tc, evidence_is_quoted_from_the_report);
  tcase_add_test(tc, who_may_score_what);
  tcase_add_test(tc, submit_checks_and_locks);
  tcase_add_test(tc, self_assessment_freezes_a_new_rubric);
  tcase_add_test(tc, manual_assignments);
  tcase_add_test(tc, total_follows_every_rubric_change);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return tu_run_suite(suite());
}
