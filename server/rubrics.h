/*
 * rubrics.h - rubrics: trees of assessment indicators (考核指标) with points, and their rules.
 *
 * The JSON form (used by the API, the demo and the built-in template):
 *   {"name", "total_points", "rules": {"score_step","bonus_cap","deduction_cap","na_rescale"},
 *    "grade_bands": [{"name","min"}], "areas": [{"code","name","children": [...]}],
 *    "bonus": [{"code","name","points","cap"}], "deduction": [{"code","name","points","cap"}],
 *    "veto": [{"code","name","effect": "grade:不合格" | "cap:合格"}]}
 * A node has either "children" (an area or a grouping indicator) or "max_points" (a leaf),
 * plus optional "guidance", "keywords" (strings), "applies_to" (unit kind codes or null) and
 * "responsible". Leaves' points must add up to total_points.
 */
#ifndef KAOPING_RUBRICS_H
#define KAOPING_RUBRICS_H

#include <jansson.h>
#include <stdint.h>

struct db;

#define RUBRIC_MAX_NODES 2000 /* nodes in one rubric */
#define RUBRIC_MAX_DEPTH 3    /* areas, indicators, sub-indicators */

/* Checks the rubric J against every rule above. Returns E_OK, or E_VALIDATION with *FIELD a
 * path to the offending value ("areas[2].children[0].max_points") and *PROBLEM a Chinese
 * sentence naming the node by its code; both live in a thread-local buffer until the next
 * call. E_DB on a database error (unit kinds are read from DB). */
int rubric_validate(struct db *db, json_t *j, const char **field, const char **problem);

/* Stores the validated rubric J (FROZEN 1 = may not change any more) inside the caller's
 * transaction or its own; stores the new id in *ID. Returns E_OK or a db error. */
int rubric_insert(struct db *db, json_t *j, int frozen, int64_t now, int64_t *id);

/* Replaces the tree of rubric ID (not frozen) with the validated rubric J, inside the caller's
 * transaction or its own. Returns E_OK, E_NOT_FOUND, E_CONFLICT when the rubric is frozen,
 * or a db error. */
int rubric_replace(struct db *db, int64_t id, json_t *j, int64_t now);

/* Rubric ID as a JSON tree in the form above plus "id", "version", "frozen", "created_at"
 * and, per area, "points" (the sum of its leaves). E_OK with *OUT (caller decrefs),
 * E_NOT_FOUND, or a db error. */
int rubric_get(struct db *db, int64_t id, json_t **out);

/* The rubrics, newest first: [{"id","name","version","total_points","frozen","cycles",
 * "created_at"}] into *OUT. */
int rubric_list(struct db *db, json_t **out);

#endif
