/*
 * demo.c - fills an empty data dir with the demonstration data of server/demo
 * (a fictional county's assessment office, its units, reviewers, rubric, two cycles and
 * report texts) and prints the demo logins.
 *
 * Everything is inserted in one transaction with an audit row, so a failure leaves the data
 * dir empty. Report texts go through the content-addressed store like uploads do.
 */
#include "demo.h"

#include "audit.h"
#include "crypto.h"
#include "db.h"
#include "demo_sheets.h"
#include "embedded.h"
#include "extract.h"
#include "err.h"
#include "log.h"
#include "reports.h"
#include "rubrics.h"
#include "store.h"
#include "users.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEMO_PASSWORD    "kaoping-demo"
#define REVIEWS_PER_UNIT 3

/* Loads embedded resource NAME as JSON (caller decrefs), or NULL (logged). */
static json_t *resource_json(const char *name)
{
  const struct embedded_file *f = embedded_find(res_files, res_files_count, name);
  json_error_t e;
  json_t *j = f ? json_loadb((const char *)f->data, f->len, JSON_REJECT_DUPLICATES, &e) : NULL;
  if (!j) log_error("demo resource %s: %s", name, f ? e.text : "missing");
  return j;
}

/* "2024-03-01" → the end of that day in China (UTC+8) as Unix time; 0 when unparsable. */
static int64_t day_end(const char *ymd)
{
  struct tm tm = {0};
  if (!ymd || sscanf(ymd, "%d-%d-%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3) return 0;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  tm.tm_hour = 15;
  tm.tm_min = 59;
  tm.tm_sec = 59;
  return (int64_t)timegm(&tm);
}

/* Runs ST after binding nothing more; returns E_OK or the error. Resets ST. */
#define RUN_OR_FAIL(st)                                                                            \
  do {                                                                                             \
    if ((rc = db_run(st))) goto fail;                                                              \
  } while (0)

/* The id of unit CODE, or 0. */
static int64_t unit_id(struct db *db, const char *code)
{
  int64_t id = 0;
  db_stmt *st = db_prepare(db, "SELECT id FROM unit WHERE code = :c");
  if (st && !db_bind_text(st, ":c", code)) db_one_int(st, &id);
  return id;
}

/* Stores report REP (its original .docx/.pdf when the demo has one, else its text), reads it
 * through the same extractor as an upload, and records it. */
static int insert_report(struct db *db, const char *data_dir, json_t *rep, int64_t cycle, int year,
                         int64_t deadline, int64_t uploader, const char *unit_name)
{
  const char *orig = json_string_value(json_object_get(rep, "original"));
  char name[512];
  snprintf(name, sizeof name, "/demo/%s",
           orig ? orig : json_string_value(json_object_get(rep, "file")));
  const struct embedded_file *f = embedded_find(res_files, res_files_count, name);
  int64_t unit = unit_id(db, json_string_value(json_object_get(rep, "unit")));
  if (!f || !unit) {
    log_error("demo report %s: missing file or unit", name);
    return E_INTERNAL;
  }
  struct store_file sf;
  if (store_begin(data_dir, &sf)) return E_INTERNAL;
  if (store_write(&sf, f->data, f->len)) {
    store_abort(&sf);
    return E_INTERNAL;
  }
  struct extract_result x = {0};
  json_t *structure = NULL;
  const char *detail = NULL;
  int rc = report_read(&sf, year, unit_name, &x, &structure, &detail);
  if (rc) {
    log_error("demo report %s cannot be read: %s", name, detail ? detail : "");
    return rc;
  }
  int late = json_is_true(json_object_get(rep, "late"));
  struct report_origin o = {.cycle_id = cycle,
                            .unit_id = unit,
                            .uploader = uploader,
                            .actor = "system",
                            .client = "",
                            .filename = json_string_value(json_object_get(rep, "filename")),
                            .late = late,
                            .at = late ? deadline + 86400 * 3
                                       : deadline - 86400 * (int64_t)(5 + unit % 20)};
  int version;
  rc = report_keep(db, data_dir, &sf, &o, &x, structure, &version);
  json_decref(structure);
  extract_free(&x);
  return rc;
}

/* Creates user LOGIN with the demo password hash; returns its id in *ID. */
static int add_user(struct db *db, const char *login, const char *name, const char *role,
                    const char *unit, const char *hash, int64_t *id)
{
  const char *field, *problem;
  int rc = user_create(db, login, name, role, unit, hash, 0, 0, "system", "", id, &field, &problem);
  if (rc) log_error("demo user %s: %s %s", login, field ? field : "", problem ? problem : "");
  return rc;
}

/* Prints the demo logins to standard output. */
static void print_logins(struct db *db)
{
  printf("demo logins (password for every account: %s):\n", DEMO_PASSWORD);
  db_stmt *st =
      db_prepare(db, "SELECT u.login, u.display_name, coalesce(un.name, '') FROM user u "
                     "LEFT JOIN unit un ON un.id = u.unit_id ORDER BY "
                     "CASE u.role WHEN 'admin' THEN 0 WHEN 'reviewer' THEN 1 ELSE 2 END, u.id");
  int shown = 0, rc;
  while (st && (rc = db_step(st)) == DB_ROW) {
    if (shown++ < 12)
      printf("  %-14s %s%s%s\n", db_col_text(st, 0), db_col_text(st, 1),
             *db_col_text(st, 2) && strcmp(db_col_text(st, 1), db_col_text(st, 2)) ? " / " : "",
             strcmp(db_col_text(st, 1), db_col_text(st, 2)) ? db_col_text(st, 2) : "");
  }
  if (st) db_reset(st);
  if (shown > 12) printf("  ... and %d more unit logins: unit-<unit code>\n", shown - 12);
  fflush(stdout);
}

int demo_seed(const char *data_dir)
{
  struct db *db = db_thread();
  if (!db) return E_DB;
  int64_t units = 0;
  db_stmt *st = db_prepare(db, "SELECT count(*) FROM unit");
  if (!st || db_one_int(st, &units)) return E_DB;
  if (units > 0) {
    printf("demo: the data dir already holds data; nothing added\n");
    print_logins(db);
    return E_OK;
  }
  json_t *demo = resource_json("/demo/demo.json"),
         *rubric = resource_json("/demo/rubric-default.json");
  char hash[CRYPTO_PWHASH_STR];
  int rc = E_INTERNAL;
  if (!demo || !rubric || crypto_password_hash(DEMO_PASSWORD, hash)) goto done;
  /* The built-in template under the demo county's own name. */
  json_object_set(rubric, "name", json_object_get(demo, "rubric_name"));
  if ((rc = db_begin(db))) goto done;
  int64_t now = (int64_t)time(NULL), rubric_id, id;
  const char *rfield = NULL, *rproblem = NULL;
  if ((rc = rubric_validate(db, rubric, &rfield, &rproblem))) {
    log_error("the demo rubric is invalid at %s: %s", rfield ? rfield : "?",
              rproblem ? rproblem : "");
    goto fail;
  }
  if ((rc = rubric_insert(db, rubric, 1, 0, now, &rubric_id))) goto fail;

  size_t i;
  json_t *u;
  json_array_foreach(json_object_get(demo, "units"), i, u)
  {
    const char *parent = json_string_value(json_object_get(u, "parent"));
    int64_t pid = parent ? unit_id(db, parent) : 0;
    st = db_prepare(db, "INSERT INTO unit (code, name, kind, parent_id, created_at, updated_at) "
                        "VALUES (:code, :name, :kind, :p, :now, :now)");
    if (!st) goto fail;
    if ((rc = db_bind_text(st, ":code", json_string_value(json_object_get(u, "code")))) ||
        (rc = db_bind_text(st, ":name", json_string_value(json_object_get(u, "name")))) ||
        (rc = db_bind_text(st, ":kind", json_string_value(json_object_get(u, "kind")))) ||
        (rc = pid ? db_bind_int(st, ":p", pid) : db_bind_null(st, ":p")) ||
        (rc = db_bind_int(st, ":now", now)))
      goto fail;
    RUN_OR_FAIL(st);
  }

  if ((rc = add_user(db, "admin", json_string_value(json_object_get(demo, "office")), "admin", NULL,
                     hash, &id)))
    goto fail;
  json_array_foreach(json_object_get(demo, "reviewers"), i, u)
  {
    if ((rc = add_user(db, json_string_value(json_object_get(u, "login")),
                       json_string_value(json_object_get(u, "display_name")), "reviewer",
                       json_string_value(json_object_get(u, "unit")), hash, &id)))
      goto fail;
  }
  json_array_foreach(json_object_get(demo, "units"), i, u)
  {
    const char *code = json_string_value(json_object_get(u, "code"));
    char login[80];
    snprintf(login, sizeof login, "unit-%s", code);
    if ((rc = add_user(db, login, json_string_value(json_object_get(u, "name")), "unit", code, hash,
                       &id)))
      goto fail;
  }

  json_t *c;
  int64_t latest_cycle = 0;
  json_array_foreach(json_object_get(demo, "cycles"), i, c)
  {
    int64_t year = json_integer_value(json_object_get(c, "year"));
    int64_t sub = day_end(json_string_value(json_object_get(c, "submission_deadline")));
    int64_t rev = day_end(json_string_value(json_object_get(c, "review_deadline")));
    st = db_prepare(db, "INSERT INTO cycle (year, title, phase, rubric_id, submission_deadline, "
                        "review_deadline, created_at, updated_at) VALUES (:y, :t, :ph, :r, :s, "
                        ":rv, :now, :now)");
    if (!st) goto fail;
    if ((rc = db_bind_int(st, ":y", year)) ||
        (rc = db_bind_text(st, ":t", json_string_value(json_object_get(c, "title")))) ||
        (rc = db_bind_text(st, ":ph", json_string_value(json_object_get(c, "phase")))) ||
        (rc = db_bind_int(st, ":r", rubric_id)) || (rc = db_bind_int(st, ":s", sub)) ||
        (rc = db_bind_int(st, ":rv", rev)) || (rc = db_bind_int(st, ":now", now)))
      goto fail;
    RUN_OR_FAIL(st);
    int64_t cycle = db_last_id(db);
    latest_cycle = cycle;
    st = db_prepare(db, "INSERT INTO cycle_unit (cycle_id, unit_id) SELECT :c, id FROM unit");
    if (!st || (rc = db_bind_int(st, ":c", cycle))) goto fail;
    RUN_OR_FAIL(st);
    size_t k;
    json_t *rep;
    json_array_foreach(json_object_get(demo, "reports"), k, rep)
    {
      if (json_integer_value(json_object_get(rep, "year")) != year) continue;
      char login[80];
      int64_t uploader = 0;
      snprintf(login, sizeof login, "unit-%s", json_string_value(json_object_get(rep, "unit")));
      char unit_name[256] = "";
      st = db_prepare(db, "SELECT u.id, un.name FROM user u JOIN unit un ON un.id = u.unit_id "
                          "WHERE u.login = :l");
      if (st && !db_bind_text(st, ":l", login) && db_step(st) == DB_ROW) {
        uploader = db_col_int(st, 0);
        snprintf(unit_name, sizeof unit_name, "%s", db_col_text(st, 1));
      }
      if (st) db_reset(st);
      if ((rc = insert_report(db, data_dir, rep, cycle, (int)year, sub, uploader, unit_name)))
        goto fail;
    }
  }

  /* Assignments: REVIEWS_PER_UNIT reviewers per unit, round robin over the reviewers, skipping
   * a reviewer who belongs to the unit (conflict of interest); every unit in the newest cycle,
   * the units that reported in a closed one. Then the sheets: under way in the newest cycle,
   * all submitted in a closed one (its results are the units' history). */
  st = db_prepare(db, "SELECT id, phase = 'closed' FROM cycle WHERE id = :c OR phase = 'closed' "
                      "ORDER BY id");
  json_t *todo = json_array();
  if (!st || !todo || (rc = db_bind_int(st, ":c", latest_cycle))) {
    json_decref(todo);
    goto fail;
  }
  while ((rc = db_step(st)) == DB_ROW)
    json_array_append_new(
        todo, json_pack("[I,b]", (json_int_t)db_col_int(st, 0), (int)db_col_int(st, 1)));
  db_reset(st);
  rc = rc == DB_DONE ? E_OK : rc;
  json_t *cy;
  json_array_foreach(todo, i, cy)
  {
    int64_t cid = json_integer_value(json_array_get(cy, 0));
    int closed = json_is_true(json_array_get(cy, 1));
    st = db_prepare(db, "INSERT INTO assignment (cycle_id, unit_id, user_id, status, created_at, "
                        "updated_at) SELECT :c, un.id, r.id, 'assigned', :now, :now FROM unit un "
                        "JOIN (SELECT id, unit_id, row_number() OVER (ORDER BY id) - 1 AS k, "
                        "count(*) OVER () AS n FROM user WHERE role = 'reviewer') r ON ((r.k - "
                        "un.id % r.n + r.n) % r.n) < :per WHERE coalesce(r.unit_id, 0) <> un.id "
                        "AND (NOT :closed OR EXISTS (SELECT 1 FROM report rp WHERE rp.cycle_id = "
                        ":c AND rp.unit_id = un.id))");
    if (!rc && !st) rc = E_DB;
    if (rc || (rc = db_bind_int(st, ":c", cid)) || (rc = db_bind_int(st, ":now", now)) ||
        (rc = db_bind_int(st, ":per", REVIEWS_PER_UNIT)) ||
        (rc = db_bind_int(st, ":closed", closed)) || (rc = db_run(st)) ||
        (rc = demo_sheets(db, cid, closed, now)))
      break;
  }
  json_decref(todo);
  if (rc) goto fail;
  if ((rc = audit_write(db, 0, "system", "demo.seed", "", "{}", ""))) goto fail;
  if ((rc = db_commit(db))) goto done;
  printf("demo data: %s, %lld units\n", json_string_value(json_object_get(demo, "office")),
         (long long)json_array_size(json_object_get(demo, "units")));
  print_logins(db);
  rc = E_OK;
  goto done;
fail:
  if (!rc) rc = E_DB;
  db_rollback(db);
done:
  if (rc) log_error("demo data could not be created (error %d)", rc);
  json_decref(demo);
  json_decref(rubric);
  return rc;
}
