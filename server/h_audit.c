/*
 * h_audit.c - reading and verifying the audit trail (see h_audit.h).
 */
#include "h_audit.h"

#include "audit.h"
#include "db.h"
#include "err.h"

int h_audit_list(struct req *r, struct reply *out)
{
  int64_t before, limit, since, until;
  int rc;
  if ((rc = req_query_int(r, out, "before", INT64_MAX, 1, INT64_MAX, &before)) ||
      (rc = req_query_int(r, out, "limit", 100, 1, 500, &limit)) ||
      (rc = req_query_int(r, out, "since", 0, 0, INT64_MAX, &since)) ||
      (rc = req_query_int(r, out, "until", INT64_MAX, 0, INT64_MAX, &until)))
    return rc;
  db_stmt *st =
      db_prepare(r->db, "SELECT id, at, actor, action, object, detail, client_addr "
                        "FROM audit WHERE id < :before AND (:action IS NULL OR action "
                        "= :action) AND (:object IS NULL OR object = :object) AND "
                        "(:actor IS NULL OR actor = :actor) AND at >= :since AND at <= :until "
                        "ORDER BY id DESC LIMIT :limit");
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":before", before)) || (rc = db_bind_int(st, ":limit", limit)) ||
      (rc = db_bind_int(st, ":since", since)) || (rc = db_bind_int(st, ":until", until)) ||
      (rc = db_bind_text(st, ":action", req_query(r, "action"))) ||
      (rc = db_bind_text(st, ":object", req_query(r, "object"))) ||
      (rc = db_bind_text(st, ":actor", req_query(r, "actor")))) {
    db_reset(st);
    return rc;
  }
  json_t *arr = json_array();
  int64_t last = 0;
  while (arr && (rc = db_step(st)) == DB_ROW) {
    json_t *detail = json_loads(db_col_text(st, 5), 0, NULL);
    last = db_col_int(st, 0);
    if (json_array_append_new(
            arr, json_pack("{s:I,s:I,s:s,s:s,s:s,s:o,s:s}", "id", (json_int_t)last, "at",
                           (json_int_t)db_col_int(st, 1), "actor", db_col_text(st, 2), "action",
                           db_col_text(st, 3), "object", db_col_text(st, 4), "detail",
                           detail ? detail : json_object(), "client_addr", db_col_text(st, 6))))
      rc = E_NOMEM;
  }
  db_reset(st);
  if (!arr || rc != DB_DONE) {
    json_decref(arr);
    return arr ? rc : E_NOMEM;
  }
  json_t *next = (int64_t)json_array_size(arr) == limit ? json_integer(last) : json_null();
  return reply_json(out, 200, json_pack("{s:o,s:o}", "entries", arr, "next_before", next));
}

int h_audit_verify(struct req *r, struct reply *out)
{
  int64_t count = 0, bad = 0;
  char head[65];
  int rc = audit_verify(r->db, &count, head, &bad);
  if (rc && rc != E_CONFLICT) return rc;
  return reply_json(out, 200,
                    json_pack("{s:b,s:I,s:s,s:o}", "ok", rc == E_OK, "entries", (json_int_t)count,
                              "head", rc ? "" : head, "broken_at",
                              rc ? json_integer(bad) : json_null()));
}
