/*
 * dbjson.h - turning query results into JSON arrays, the way every list route needs it.
 */
#ifndef KAOPING_DBJSON_H
#define KAOPING_DBJSON_H

#include "db.h"

#include <jansson.h>

/* Turns the current row of ST into a JSON value (NULL = out of memory). CTX is passed through. */
typedef json_t *(*db_row_fn)(db_stmt *st, void *ctx);

/* Steps the bound statement ST to its end, collecting ROW(ST, CTX) for every row into a new
 * array stored in *OUT (caller decrefs). Resets ST. Returns E_OK, E_NOMEM, or db_step()'s
 * error (then *OUT is NULL). */
int db_rows_json(db_stmt *st, db_row_fn row, void *ctx, json_t **out);

#endif
