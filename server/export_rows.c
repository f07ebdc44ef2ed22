/*
 * export_rows.c - the database reads of the result downloads (see export_rows.h).
 */
#include "export_rows.h"

#include "db.h"
#include "err.h"

/* The units with a submitted review sheet in the cycle, by code. Statement held open while
 * each unit's rows are read, so the whole export reads one snapshot of the database. */
static const char UNITS_SQL[] =
    "SELECT un.id FROM unit un WHERE EXISTS (SELECT 1 FROM assignment a WHERE a.cycle_id = "
    ":cycle AND a.unit_id = un.id AND a.kind = 'review' AND a.status = 'submitted') "
    "ORDER BY un.code";

/* One unit's rows. The indicators of the cycle's rubric get a sort key from their path in
 * the tree (each level's sort and id, zero-padded), so ORDER BY on it is the rubric's order.
 * One query per unit rather than one for the cycle: the connection keeps SQLite's temporary
 * data in memory (temp_store=MEMORY, db.c), so a sort over every score of a big cycle would
 * grow with it, whereas a unit's rows are its sheets × indicators (thousands). */
static const char ROWS_SQL[] =
    "WITH RECURSIVE ord(id, k) AS ("
    " SELECT id, printf('%08d%012d', sort, id) FROM indicator"
    "  WHERE rubric_id = (SELECT rubric_id FROM cycle WHERE id = :cycle) AND parent_id IS NULL"
    " UNION ALL"
    " SELECT i.id, o.k || printf('%08d%012d', i.sort, i.id) FROM indicator i"
    "  JOIN ord o ON i.parent_id = o.id)"
    " SELECT un.code, un.name, i.code, i.name, i.kind, us.login, us.display_name, s.comment,"
    "  s.points, s.na, coalesce(s.count, 0), s.veto"
    " FROM assignment a"
    " JOIN score s ON s.assignment_id = a.id"
    " JOIN indicator i ON i.id = s.indicator_id"
    " JOIN ord o ON o.id = i.id"
    " JOIN unit un ON un.id = a.unit_id"
    " JOIN user us ON us.id = a.user_id"
    " WHERE a.cycle_id = :cycle AND a.unit_id = :unit AND a.kind = 'review'"
    "  AND a.status = 'submitted'"
    "  AND (i.kind = 'item' OR coalesce(s.count, 0) > 0 OR s.veto = 1 OR s.comment <> '')"
    " ORDER BY o.k, us.login";

/* Calls EACH for every row of unit UNIT in CYCLE. E_OK, EACH's result or a db error. */
static int unit_rows(struct db *db, int64_t cycle, int64_t unit, export_row_fn each, void *ctx)
{
  db_stmt *st = db_prepare(db, ROWS_SQL);
  if (!st) return E_DB;
  int rc = db_bind_int(st, ":cycle", cycle);
  if (!rc) rc = db_bind_int(st, ":unit", unit);
  while (!rc && (rc = db_step(st)) == DB_ROW) {
    struct export_row row = {
        .unit_code = db_col_text(st, 0),
        .unit_name = db_col_text(st, 1),
        .ind_code = db_col_text(st, 2),
        .ind_name = db_col_text(st, 3),
        .ind_kind = db_col_text(st, 4),
        .login = db_col_text(st, 5),
        .reviewer = db_col_text(st, 6),
        .comment = db_col_text(st, 7),
        .has_points = !db_col_is_null(st, 8) && !db_col_int(st, 9),
        .points = db_col_double(st, 8),
        .na = (int)db_col_int(st, 9),
        .count = db_col_int(st, 10),
        .veto = (int)db_col_int(st, 11),
    };
    rc = each(&row, ctx);
  }
  if (rc == DB_DONE) rc = E_OK;
  db_reset(st);
  return rc;
}

int export_rows_each(struct db *db, int64_t cycle, export_row_fn each, void *ctx)
{
  db_stmt *st = db_prepare(db, UNITS_SQL);
  if (!st) return E_DB;
  int rc = db_bind_int(st, ":cycle", cycle);
  while (!rc && (rc = db_step(st)) == DB_ROW)
    rc = unit_rows(db, cycle, db_col_int(st, 0), each, ctx);
  if (rc == DB_DONE) rc = E_OK;
  db_reset(st);
  return rc;
}

int export_cycle(struct db *db, int64_t cycle, json_t **out)
{
  db_stmt *st = db_prepare(db, "SELECT id, year, title, phase FROM cycle WHERE id = :id");
  if (!st) return E_DB;
  int rc = db_bind_int(st, ":id", cycle);
  if (!rc && (rc = db_step(st)) == DB_ROW) {
    *out = json_pack("{s:I,s:I,s:s,s:s}", "id", (json_int_t)db_col_int(st, 0), "year",
                     (json_int_t)db_col_int(st, 1), "title", db_col_text(st, 2), "phase",
                     db_col_text(st, 3));
    rc = *out ? E_OK : E_NOMEM;
  } else if (rc == DB_DONE) {
    rc = E_NOT_FOUND;
  }
  db_reset(st);
  return rc;
}

int export_kind_names(struct db *db, json_t **out)
{
  db_stmt *st = db_prepare(db, "SELECT code, name FROM unit_kind ORDER BY sort");
  json_t *o = json_object();
  if (!st || !o) {
    json_decref(o);
    return st ? E_NOMEM : E_DB;
  }
  int rc;
  while ((rc = db_step(st)) == DB_ROW)
    if (json_object_set_new(o, db_col_text(st, 0), json_string(db_col_text(st, 1)))) {
      rc = E_NOMEM;
      break;
    }
  db_reset(st);
  if (rc != DB_DONE) {
    json_decref(o);
    return rc;
  }
  *out = o;
  return E_OK;
}

/* export_row_fn: ROW into the "items" of its reviewer's sheet in CTX ({login: items}). */
static int unit_sheet_row(const struct export_row *row, void *ctx)
{
  json_t *items = json_object_get(ctx, row->login);
  if (!items) return E_OK; /* not one of the sheets listed (cannot happen in one snapshot) */
  json_t *it = json_pack(
      "{s:o,s:b,s:I,s:b,s:s}", "points", row->has_points ? json_real(row->points) : json_null(),
      "na", row->na, "count", (json_int_t)row->count, "veto", row->veto, "comment", row->comment);
  return it && !json_object_set_new(items, row->ind_code, it) ? E_OK : E_NOMEM;
}

int export_unit_sheets(struct db *db, int64_t cycle, const char *code, json_t **out)
{
  db_stmt *st = db_prepare(db, "SELECT u.id, u.code, u.name FROM cycle_unit cu JOIN unit u ON "
                               "u.id = cu.unit_id WHERE cu.cycle_id = :cycle AND u.code = :code");
  json_t *o = NULL, *by = json_object(); /* login → the sheet's items */
  int64_t unit = 0;
  if (!st || !by) {
    json_decref(by);
    return st ? E_NOMEM : E_DB;
  }
  int rc = db_bind_int(st, ":cycle", cycle);
  if (!rc) rc = db_bind_text(st, ":code", code);
  if (!rc && (rc = db_step(st)) == DB_ROW) {
    unit = db_col_int(st, 0);
    o = json_pack("{s:s,s:s,s:[]}", "code", db_col_text(st, 1), "name", db_col_text(st, 2),
                  "sheets");
    rc = o ? E_OK : E_NOMEM;
  } else if (rc == DB_DONE) {
    rc = E_NOT_FOUND;
  }
  db_reset(st);
  if (rc) goto done;
  if (!(st =
            db_prepare(db, "SELECT us.login, us.display_name FROM assignment a JOIN user us ON "
                           "us.id = a.user_id WHERE a.cycle_id = :cycle AND a.unit_id = :unit "
                           "AND a.kind = 'review' AND a.status = 'submitted' ORDER BY us.login"))) {
    rc = E_DB;
    goto done;
  }
  rc = db_bind_int(st, ":cycle", cycle);
  if (!rc) rc = db_bind_int(st, ":unit", unit);
  while (!rc && (rc = db_step(st)) == DB_ROW) {
    json_t *items = json_object();
    json_t *sheet = items ? json_pack("{s:s,s:s,s:O}", "login", db_col_text(st, 0), "name",
                                      db_col_text(st, 1), "items", items)
                          : NULL;
    if (!sheet || json_array_append_new(json_object_get(o, "sheets"), sheet) ||
        json_object_set(by, db_col_text(st, 0), items))
      rc = E_NOMEM;
    else
      rc = E_OK;
    json_decref(items);
  }
  db_reset(st);
  if (rc == DB_DONE) rc = E_OK;
  if (!rc) rc = unit_rows(db, cycle, unit, unit_sheet_row, by);
done:
  json_decref(by);
  if (rc) {
    json_decref(o);
    return rc;
  }
  *out = o;
  return E_OK;
}
