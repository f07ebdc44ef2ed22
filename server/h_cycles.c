/*
 * h_cycles.c - assessment cycles (see h_cycles.h).
 */
#include "h_cycles.h"

#include "db.h"
#include "err.h"

/* An integer column, or JSON null when it is NULL. */
static json_t *int_or_null(db_stmt *st, int i)
{
  return db_col_is_null(st, i) ? json_null() : json_integer(db_col_int(st, i));
}

int h_cycles_list(struct req *r, struct reply *out)
{
  db_stmt *st =
      db_prepare(r->db, "SELECT c.id, c.year, c.title, c.phase, c.submission_deadline, "
                        "c.review_deadline, (SELECT count(*) FROM cycle_unit cu WHERE "
                        "cu.cycle_id = c.id), (SELECT count(DISTINCT unit_id) FROM report "
                        "rp WHERE rp.cycle_id = c.id) FROM cycle c ORDER BY c.year DESC, "
                        "c.id DESC");
  if (!st) return E_DB;
  json_t *arr = json_array();
  int rc;
  while (arr && (rc = db_step(st)) == DB_ROW) {
    json_t *c = json_pack("{s:I,s:I,s:s,s:s,s:o,s:o,s:I,s:I}", "id", (json_int_t)db_col_int(st, 0),
                          "year", (json_int_t)db_col_int(st, 1), "title", db_col_text(st, 2),
                          "phase", db_col_text(st, 3), "submission_deadline", int_or_null(st, 4),
                          "review_deadline", int_or_null(st, 5), "units",
                          (json_int_t)db_col_int(st, 6), "reports", (json_int_t)db_col_int(st, 7));
    if (json_array_append_new(arr, c)) rc = E_NOMEM;
  }
  db_reset(st);
  if (!arr || rc != DB_DONE) {
    json_decref(arr);
    return arr ? rc : E_NOMEM;
  }
  return reply_json(out, 200, json_pack("{s:o}", "cycles", arr));
}
