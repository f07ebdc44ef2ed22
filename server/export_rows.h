/*
 * export_rows.h - what the result downloads read from the database besides results_load():
 * the cycle's title, the unit kinds' names, and the detail rows of every submitted review
 * sheet (unit × indicator × reviewer), stepped one row at a time so an export of millions of
 * scores never holds them in memory.
 */
#ifndef KAOPING_EXPORT_ROWS_H
#define KAOPING_EXPORT_ROWS_H

#include <jansson.h>
#include <stdint.h>

struct db;

/* One score of a submitted review sheet. Strings belong to the database cursor: valid only
 * during the callback that receives the row. */
struct export_row {
  const char *unit_code, *unit_name; /* the unit scored */
  const char *ind_code, *ind_name;   /* the indicator */
  const char *ind_kind;              /* "item", "bonus", "deduction" or "veto" */
  const char *login, *reviewer;      /* the reviewer's login and display name ("" if none) */
  const char *comment;               /* the reviewer's comment ("" if none) */
  int has_points;                    /* points is set (an item scored, not N/A) */
  double points;                     /* the points given to an item */
  int na;                            /* the reviewer marked the indicator not applicable */
  int64_t count;                     /* bonus claims or deduction occurrences (0 if none) */
  int veto;                          /* the reviewer flagged the veto item */
};

/* Called for each row; a non-zero return stops the iteration and is returned by
 * export_rows_each(). */
typedef int (*export_row_fn)(const struct export_row *row, void *ctx);

/* Steps through the scores of cycle CYCLE's submitted review sheets (assignment kind 'review',
 * status 'submitted'), ordered by unit code, the indicator's place in the rubric tree and the
 * reviewer's login, calling EACH(row, CTX) once per row. Rows: every scored item (points or
 * N/A), and the bonus, deduction and veto items a reviewer counted, flagged or commented on.
 * Returns E_OK (also for no rows), EACH's non-zero result, or a db error. */
int export_rows_each(struct db *db, int64_t cycle, export_row_fn each, void *ctx);

/* The cycle CYCLE as {"id","year","title","phase"} in *OUT (caller decrefs). Returns E_OK,
 * E_NOT_FOUND, E_NOMEM or a db error. */
int export_cycle(struct db *db, int64_t cycle, json_t **out);

/* The unit kinds as {code: Chinese name} in *OUT (caller decrefs). Returns E_OK, E_NOMEM or
 * a db error. */
int export_kind_names(struct db *db, json_t **out);

/* Unit CODE of cycle CYCLE with its submitted review sheets, for the per-unit 评分表, into *OUT
 * (caller decrefs): {"code","name","sheets": [{"login","name" (display name, "" if none),
 * "items": {indicator code: {"points": n|null,"na","count","veto","comment"}}}]}, sheets by
 * login; items as export_rows_each() lists them (every scored item; bonus, deduction and veto
 * items only when counted, flagged or commented on). Returns E_OK, E_NOT_FOUND (no such unit
 * in the cycle), E_NOMEM or a db error. */
int export_unit_sheets(struct db *db, int64_t cycle, const char *code, json_t **out);

#endif
