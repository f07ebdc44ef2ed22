/*
 * h_scores.c - score sheets and assignments (see h_scores.h).
 */
#include "h_scores.h"

#include "audit.h"
#include "authz.h"
#include "h_cycles.h"
#include "db.h"
#include "dbjson.h"
#include "err.h"
#include "json.h"
#include "sheets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The target of a score-sheet route, found with sheet_find(): the cycle into *CYCLE, the
 * unit into *UNIT ({unit}: a code, or "~ID" naming the calling reviewer's own assignment, the
 * only form a blind cycle takes from reviewers: see authz_scoring_unit, whose rules this
 * follows), the cycle's phase into PHASE and the caller's own sheet into *SHEET (0 = none
 * yet): a reviewer's review assignment (not recused), or the unit's self-assessment for its
 * own users; admins have none. With TEXT not NULL, the sheet's text as its author sees it too
 * (NULL when there is none; the caller frees it). E_OK, E_NOT_FOUND (no such cycle or unit, a
 * unit outside the cycle, a unit user's other unit, a reviewer not assigned, a code in a blind
 * cycle) or a db error. */
static int route_sheet(struct req *r, int64_t *cycle, int64_t *unit, int64_t *sheet, char phase[16],
                       char **text, size_t *len)
{
  int self = r->user.role == ROLE_UNIT, reviewer = r->user.role == ROLE_REVIEWER;
  struct sheet_query q = {.user = r->user.id, .self = self};
  struct sheet_ref ref;
  char *t = NULL;
  *unit = *sheet = 0;
  if (text) *text = NULL;
  int rc = req_param_id(r, "cycle", cycle);
  if (rc || (rc = authz_tilde_param(r, &q.assignment))) return rc;
  if (!q.assignment) q.unit_code = req_param(r, "unit");
  q.cycle = *cycle;
  if ((rc = sheet_find(r->db, &q, &ref, text ? &t : NULL, len))) return rc;
  if ((reviewer && ((ref.blind && !q.assignment) || !ref.sheet)) ||
      (self && r->user.unit_id != ref.unit)) {
    free(t);
    return E_NOT_FOUND;
  }
  *unit = ref.unit;
  *sheet = ref.sheet;
  snprintf(phase, 16, "%s", ref.phase);
  if (text) *text = t;
  return E_OK;
}

/* Replies {"sheet": TEXT} (TEXT: a sheet as its author sees it, taken over and freed here;
 * NULL gives {"sheet": null}). */
static int reply_sheet_text(struct reply *out, char *text, size_t len)
{
  static const char pre[] = "{\"sheet\":", none[] = "null";
  char *body;
  if (!text) len = sizeof none - 1;
  if (!(body = malloc(sizeof pre - 1 + len + 2))) {
    free(text);
    return E_NOMEM;
  }
  memcpy(body, pre, sizeof pre - 1);
  memcpy(body + sizeof pre - 1, text ? text : none, len);
  memcpy(body + sizeof pre - 1 + len, "}", 2);
  free(text);
  return reply_json_text(out, 200, body, sizeof pre - 1 + len + 1);
}

/* Replies {"sheet": sheet ID as its author sees it}, written as text (sheet_text). */
static int reply_sheet(struct db *db, struct reply *out, int64_t id)
{
  char *text = NULL;
  size_t len = 0;
  int rc = sheet_text(db, id, SHEET_AUTHOR, &text, &len);
  return rc ? rc : reply_sheet_text(out, text, len);
}

/* Replies {"sheets": [every sheet of UNIT in CYCLE as the office sees it]}, self-assessment
 * first, then by id. */
static int reply_all_sheets(struct db *db, struct reply *out, int64_t cycle, int64_t unit)
{
  db_stmt *st = db_prepare(db, "SELECT id FROM assignment WHERE cycle_id = :c AND unit_id = :u "
                               "ORDER BY kind, id");
  int rc;
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":c", cycle)) || (rc = db_bind_int(st, ":u", unit))) {
    db_reset(st);
    return rc;
  }
  int64_t *ids = NULL;
  size_t n = 0, cap = 0;
  while ((rc = db_step(st)) == DB_ROW) {
    if (n == cap) {
      int64_t *more = realloc(ids, (cap ? 2 * cap : 8) * sizeof *ids);
      if (!more) {
        rc = E_NOMEM;
        break;
      }
      ids = more;
      cap = cap ? 2 * cap : 8;
    }
    ids[n++] = db_col_int(st, 0);
  }
  db_reset(st);
  char *body = NULL;
  size_t len = 0;
  FILE *f = rc == DB_DONE ? open_memstream(&body, &len) : NULL;
  if (!f) {
    free(ids);
    return rc == DB_DONE ? E_NOMEM : rc;
  }
  fputs("{\"sheets\":[", f);
  rc = E_OK;
  for (size_t i = 0; i < n && !rc; i++) {
    char *text;
    size_t tl;
    if ((rc = sheet_text(db, ids[i], SHEET_PLAIN, &text, &tl))) break;
    if (i) fputc(',', f);
    fwrite(text, 1, tl, f);
    free(text);
  }
  fputs("]}", f);
  free(ids);
  if (fclose(f) && !rc) rc = E_NOMEM;
  if (rc) {
    free(body);
    return rc;
  }
  return reply_json_text(out, 200, body, len);
}

int h_scores_get(struct req *r, struct reply *out)
{
  int64_t cycle, unit, id;
  char phase[16], *text;
  size_t len = 0;
  int admin = r->user.role == ROLE_ADMIN;
  int rc = route_sheet(r, &cycle, &unit, &id, phase, admin ? NULL : &text, &len);
  if (rc) return rc;
  if (admin) return reply_all_sheets(r->db, out, cycle, unit);
  return reply_sheet_text(out, text, len);
}

/* A save between h_scores_put and its reply (in the request's arena). */
struct save {
  int64_t cycle, unit; /* the route's */
  int64_t id;          /* the sheet; 0 until the unit's first self-assessment save makes it */
};

/* The write of a save (a write_fn, on the group commit's connection DB): the sheet made when
 * it is the unit's first self-assessment save, the change applied, the audit row. */
static int save_write(struct req *r, struct db *db, struct reply *out)
{
  struct save *sv = r->deferred_arg;
  int64_t now = (int64_t)time(NULL);
  int rc;
  if (!sv->id) { /* another first save may have been committed since route_sheet() */
    db_stmt *st = db_prepare(db, "SELECT min(id) FROM assignment WHERE cycle_id = :c AND "
                                 "unit_id = :u AND kind = 'self'");
    if (!st) return E_DB;
    if ((rc = db_bind_int(st, ":c", sv->cycle)) || (rc = db_bind_int(st, ":u", sv->unit))) {
      db_reset(st);
      return rc;
    }
    if ((rc = db_one_int(st, &sv->id))) return rc;
  }
  if (!sv->id) { /* the unit's self-assessment starts with its first save */
    db_stmt *st = db_prepare(db, "INSERT INTO assignment (cycle_id, unit_id, user_id, kind, "
                                 "created_at, updated_at) VALUES (:c, :u, :me, 'self', :now, "
                                 ":now)");
    if (!st) return E_DB;
    if ((rc = db_bind_int(st, ":c", sv->cycle)) || (rc = db_bind_int(st, ":u", sv->unit)) ||
        (rc = db_bind_int(st, ":me", r->user.id)) || (rc = db_bind_int(st, ":now", now))) {
      db_reset(st);
      return rc;
    }
    if ((rc = db_run(st))) return rc;
    sv->id = db_last_id(db);
  }
  json_t *codes = NULL;
  if ((rc = sheet_apply(db, sv->id, r->jbody, now, &codes, &out->field, &out->detail))) return rc;
  char object[64];
  snprintf(object, sizeof object, "sheet:%lld", (long long)sv->id);
  int submit = json_is_true(json_object_get(r->jbody, "submit"));
  json_t *d = json_pack("{s:o,s:b}", "items", codes, "submit", submit);
  char *dt = d ? json_dumps(d, JSON_COMPACT) : NULL;
  json_decref(d);
  rc = dt ? audit_write(db, r->user.id, r->user.login, submit ? "score.submit" : "score.save",
                        object, dt, r->client)
          : E_NOMEM;
  free(dt);
  return rc;
}

/* The reply to a save, once committed: the sheet as its author sees it. */
static int save_reply(struct req *r, struct reply *out)
{
  struct save *sv = r->deferred_arg;
  return reply_sheet(r->db, out, sv->id);
}

int h_scores_put(struct req *r, struct reply *out)
{
  char phase[16];
  struct save *sv = arena_alloc(&r->a, sizeof *sv);
  if (!sv) return E_NOMEM;
  int rc = route_sheet(r, &sv->cycle, &sv->unit, &sv->id, phase, NULL, NULL);
  if (rc) return rc;
  int self = r->user.role == ROLE_UNIT;
  if (strcmp(phase, self ? "submission" : "review")) {
    out->detail = self ? "自评只能在报告填报阶段进行" : "当前不在评审阶段，不能评分";
    return E_NOT_OPEN;
  }
  r->deferred_arg = sv;
  return req_defer(r, save_write, save_reply);
}

/* ---- assignments ---- */

static json_t *assignment_row(db_stmt *st, void *ctx)
{
  (void)ctx;
  return json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:o,s:I}", "id", (json_int_t)db_col_int(st, 0),
                   "unit", db_col_text(st, 1), "unit_name", db_col_text(st, 2), "reviewer",
                   db_col_text(st, 3), "reviewer_name", db_col_text(st, 4), "kind",
                   db_col_text(st, 5), "status", db_col_text(st, 6), "version",
                   (json_int_t)db_col_int(st, 7), "submitted_at",
                   db_col_is_null(st, 8) ? json_null() : json_integer(db_col_int(st, 8)), "scored",
                   (json_int_t)db_col_int(st, 9));
}

int h_assignments_list(struct req *r, struct reply *out)
{
  int64_t cycle, exists = 0;
  int rc = req_param_id(r, "cycle", &cycle);
  if (rc) return rc;
  db_stmt *st = db_prepare(r->db, "SELECT count(*) FROM cycle WHERE id = :c");
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":c", cycle)) || (rc = db_one_int(st, &exists))) return rc;
  if (!exists) return E_NOT_FOUND;
  st = db_prepare(r->db, "SELECT a.id, un.code, un.name, u.login, u.display_name, a.kind, "
                         "a.status, a.sheet_version, a.submitted_at, (SELECT count(*) FROM score "
                         "s WHERE s.assignment_id = a.id) FROM assignment a JOIN unit un ON "
                         "un.id = a.unit_id JOIN user u ON u.id = a.user_id WHERE a.cycle_id = "
                         ":c ORDER BY un.code, a.kind, u.login");
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":c", cycle))) {
    db_reset(st);
    return rc;
  }
  json_t *list = NULL;
  if ((rc = db_rows_json(st, assignment_row, NULL, &list))) return rc;
  /* Every row's "recuse_reason": why a recused sheet was given up (h_assign.c), else null. */
  json_t *why = json_object();
  st = db_prepare(r->db, "SELECT id, recuse_reason FROM assignment WHERE cycle_id = :c AND "
                         "status = 'recused' AND recuse_reason IS NOT NULL");
  if (!why || !st || (rc = db_bind_int(st, ":c", cycle))) {
    if (st) db_reset(st);
    json_decref(why);
    json_decref(list);
    return rc ? rc : why ? E_DB : E_NOMEM;
  }
  while ((rc = db_step(st)) == DB_ROW)
    json_object_set_new(why, db_col_text(st, 0), json_string(db_col_text(st, 1)));
  db_reset(st);
  size_t i;
  json_t *x;
  json_array_foreach(list, i, x)
  {
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)json_integer_value(json_object_get(x, "id")));
    json_t *w = json_object_get(why, key);
    json_object_set(x, "recuse_reason", w ? w : json_null());
  }
  json_decref(why);
  if (rc != DB_DONE) {
    json_decref(list);
    return rc;
  }
  return reply_json(out, 200, json_pack("{s:o}", "assignments", list));
}

int h_assignment_create(struct req *r, struct reply *out)
{
  static const char *const keys[] = {"unit", "reviewer", NULL};
  int64_t cycle;
  const char *unit, *reviewer;
  int rc = req_param_id(r, "cycle", &cycle);
  if (rc || (rc = json_only_keys(out, r->jbody, keys)) ||
      (rc = json_take_str(out, r->jbody, "unit", 1, 64, &unit)) ||
      (rc = json_take_str(out, r->jbody, "reviewer", 1, 64, &reviewer)))
    return rc;
  if ((rc = db_begin(r->db))) return rc;
  if ((rc = cycle_check_open(r->db, cycle, 0, &out->detail))) goto fail;
  /* Everything the assignment depends on, in one row. */
  db_stmt *st = db_prepare(
      r->db, "SELECT (SELECT count(*) FROM cycle WHERE id = :c), un.id, (SELECT count(*) FROM "
             "cycle_unit WHERE cycle_id = :c AND unit_id = un.id), u.id, u.role, "
             "coalesce(u.unit_id, 0) = un.id, EXISTS (SELECT 1 FROM conflict x WHERE x.user_id "
             "= u.id AND x.unit_id = un.id), EXISTS (SELECT 1 FROM assignment a WHERE a.cycle_id "
             "= :c AND a.unit_id = un.id AND a.user_id = u.id AND a.kind = 'review') FROM "
             "(SELECT 1) LEFT JOIN unit un ON un.code = :unit LEFT JOIN user u ON u.login = "
             ":login AND u.disabled = 0");
  if (!st) goto fail;
  if ((rc = db_bind_int(st, ":c", cycle)) || (rc = db_bind_text(st, ":unit", unit)) ||
      (rc = db_bind_text(st, ":login", reviewer)) || (rc = db_step(st)) != DB_ROW) {
    db_reset(st);
    rc = rc ? rc : E_INTERNAL;
    goto fail;
  }
  int64_t cycle_ok = db_col_int(st, 0), unit_id = db_col_int(st, 1), in_cycle = db_col_int(st, 2),
          user_id = db_col_int(st, 3);
  int reviewer_role = !strcmp(db_col_text(st, 4), "reviewer"), own = (int)db_col_int(st, 5),
      conflict = (int)db_col_int(st, 6), dup = (int)db_col_int(st, 7);
  db_reset(st);
  rc = !cycle_ok   ? E_NOT_FOUND
       : !unit_id  ? reply_invalid(out, "unit", "没有这个单位")
       : !in_cycle ? reply_invalid(out, "unit", "该单位不参加本周期考核")
       : !user_id || !reviewer_role
           ? reply_invalid(out, "reviewer", "没有这个评审人（或账号已停用）")
       : own      ? reply_invalid(out, "reviewer", "评审人不能评审本单位")
       : conflict ? reply_invalid(out, "reviewer", "评审人已声明与该单位存在利益冲突")
       : dup      ? (out->detail = "该评审人已分配给这个单位", E_CONFLICT)
                  : E_OK;
  if (rc) goto fail;
  int64_t now = (int64_t)time(NULL);
  st = db_prepare(r->db, "INSERT INTO assignment (cycle_id, unit_id, user_id, kind, created_at, "
                         "updated_at) VALUES (:c, :u, :me, 'review', :now, :now)");
  if (!st || (rc = db_bind_int(st, ":c", cycle)) || (rc = db_bind_int(st, ":u", unit_id)) ||
      (rc = db_bind_int(st, ":me", user_id)) || (rc = db_bind_int(st, ":now", now)) ||
      (rc = db_run(st)))
    goto fail;
  int64_t id = db_last_id(r->db);
  char object[64], detail[300];
  snprintf(object, sizeof object, "assignment:%lld", (long long)id);
  json_t *d =
      json_pack("{s:I,s:s,s:s}", "cycle", (json_int_t)cycle, "unit", unit, "reviewer", reviewer);
  char *dt = d ? json_dumps(d, JSON_COMPACT) : NULL;
  json_decref(d);
  snprintf(detail, sizeof detail, "%s", dt ? dt : "{}");
  free(dt);
  if ((rc = audit_write(r->db, r->user.id, r->user.login, "assignment.create", object, detail,
                        r->client)) ||
      (rc = db_commit(r->db)))
    goto fail;
  return reply_json(out, 201,
                    json_pack("{s:{s:I,s:s,s:s,s:s}}", "assignment", "id", (json_int_t)id, "unit",
                              unit, "reviewer", reviewer, "status", "assigned"));
fail:
  db_rollback(r->db);
  return rc ? rc : E_DB;
}

int h_assignment_delete(struct req *r, struct reply *out)
{
  int64_t cycle, id, scored = -1;
  int rc = req_param_id(r, "cycle", &cycle);
  if (rc || (rc = req_param_id(r, "id", &id))) return rc;
  if ((rc = db_begin(r->db))) return rc;
  if ((rc = cycle_check_open(r->db, cycle, 0, &out->detail))) goto fail;
  db_stmt *st = db_prepare(r->db, "SELECT (SELECT count(*) FROM score s WHERE s.assignment_id = "
                                  "a.id) FROM assignment a WHERE a.id = :id AND a.cycle_id = :c "
                                  "AND a.kind = 'review'");
  if (!st) goto fail;
  if ((rc = db_bind_int(st, ":id", id)) || (rc = db_bind_int(st, ":c", cycle))) {
    db_reset(st);
    goto fail;
  }
  if ((rc = db_step(st)) == DB_ROW) scored = db_col_int(st, 0);
  db_reset(st);
  if (rc != DB_ROW) {
    rc = rc == DB_DONE ? E_NOT_FOUND : rc;
    goto fail;
  }
  if (scored > 0) {
    out->detail = "该评审人已开始打分，不能直接取消分配";
    rc = E_CONFLICT;
    goto fail;
  }
  st = db_prepare(r->db, "DELETE FROM assignment WHERE id = :id");
  char object[64];
  snprintf(object, sizeof object, "assignment:%lld", (long long)id);
  if (!st || (rc = db_bind_int(st, ":id", id)) || (rc = db_run(st)) ||
      (rc = audit_write(r->db, r->user.id, r->user.login, "assignment.delete", object, "{}",
                        r->client)) ||
      (rc = db_commit(r->db)))
    goto fail;
  out->status = 204;
  return E_OK;
fail:
  db_rollback(r->db);
  return rc ? rc : E_DB;
}
