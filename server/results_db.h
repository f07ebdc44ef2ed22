/*
 * results_db.h - the input of the results engine (results.h) read from the database: a
 * cycle's rubric, units, submitted review sheets, the office's N/A marks and its aggregation
 * settings, computed into results.h's output.
 */
#ifndef KAOPING_RESULTS_DB_H
#define KAOPING_RESULTS_DB_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct db;

/* Computes the results of cycle CYCLE: METHOD (NULL = the cycle's settings.aggregation.method,
 * default "mean"), the quotas and flag_share of its settings, TRACE as results.h's
 * options.trace (NULL = none; a JSON true or an array of unit codes; borrowed). The sheets are
 * the cycle's submitted review sheets (status "submitted", kind "review"), streamed into the
 * engine; the cycle's upheld appeals (appeal.status 'upheld', outcome.after) are the engine's
 * options.overrides (the last decided per unit and leaf). Returns E_OK with *OUT (results.h's
 * output, caller decrefs) — or, when no sheet is submitted yet, a valid empty result
 * {"method","methods","empty": true,"units": [every unit with status "no_sheets"], …} rather than
 * an error; E_NOT_FOUND for an unknown cycle; E_VALIDATION with *FIELD and *PROBLEM (e.g. "method"
 * unknown, or a stored quota the rubric no longer allows); or a db error. FIELD and PROBLEM are
 * thread-local until the next call. */
int results_load(struct db *db, int64_t cycle, const char *method, json_t *trace, json_t **out,
                 const char **field, const char **problem);

/* The cycle's rubric id (*RUBRIC, 0 = none chosen), its settings as cycle_settings()
 * (h_cycles.h) shows them (*SETTINGS, caller decrefs) and, when PHASE is not NULL, its phase
 * (PHASE_LEN bytes). E_OK, E_NOT_FOUND, E_NOMEM or a db error (then *SETTINGS is NULL). */
int results_db_cycle(struct db *db, int64_t cycle, int64_t *rubric, json_t **settings, char *phase,
                     size_t phase_len);

/* The cycle's units [{"code","name","kind"}] by code into *OUT (caller decrefs). E_OK, E_NOMEM
 * or a db error. */
int results_db_units(struct db *db, int64_t cycle, json_t **out);

/* The cycle's submitted review sheets (items of RUBRIC's indicators) as ONE array in results.h's
 * sheet form, for revstats_compute(): memory grows with every score of the cycle (about
 * 100 bytes each as JSON), acceptable at county scale; at national scale revstats would need a
 * streaming interface like results.h's. *OUT caller decrefs. E_OK, E_NOMEM or a db error. */
int results_db_sheets(struct db *db, int64_t cycle, int64_t rubric, json_t **out);

/* The cycle's review assignments in revstats.h's form [{"reviewer","reviewer_name","unit",
 * "status"}] (recused ones included) into *OUT (caller decrefs). E_OK, E_NOMEM or a db error. */
int results_db_assignments(struct db *db, int64_t cycle, json_t **out);

#endif
