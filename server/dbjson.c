/*
 * dbjson.c - query results as JSON arrays (see dbjson.h).
 */
#include "dbjson.h"

#include "err.h"

int db_rows_json(db_stmt *st, db_row_fn row, void *ctx, json_t **out)
{
  json_t *arr = json_array();
  int rc = arr ? DB_DONE : E_NOMEM;
  while (arr && (rc = db_step(st)) == DB_ROW)
    if (json_array_append_new(arr, row(st, ctx))) {
      rc = E_NOMEM;
      break;
    }
  db_reset(st);
  *out = NULL;
  if (rc != DB_DONE) {
    json_decref(arr);
    return rc == DB_ROW ? E_NOMEM : rc;
  }
  *out = arr;
  return E_OK;
}
