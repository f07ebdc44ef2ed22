/*
 * rubrics.h - rubrics: trees of assessment indicators (考核指标) with points, and their rules.
 *
 * The JSON form (used by the API, the demo and the built-in template):
 *   {"name", "total_points", "rules": {"score_step","bonus_cap","deduction_cap","na_rescale"},
 *    "grade_bands": [{"name","min"}], "areas": [{"code","name","children": [...]}],
 *    "bonus": [{"code","name","points","cap"}],
 *    "deduction": [{"code","name","points","cap","area"}] ("area": the code of the top-level area
 *    the deduction comes off, stopping at zero there; absent = off the total),
 *    "veto": [{"code","name","effect": "grade:不合格" | "cap:合格"}]}
 * A node has either "children" (an area or a grouping indicator) or "max_points" (a leaf),
 * plus optional "guidance", "keywords" (strings), "applies_to" (unit kind codes or null) and
 * "responsible". Leaves' points must add up to total_points. "rules" may hold score_step
 * (> 0), bonus_cap and deduction_cap (≥ 0 or null = none) and na_rescale (boolean); keywords
 * may not contain semicolons (the CSV form separates them with "；"); applies_to is null (all
 * kinds) or a non-empty list of unit kind codes.
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
 * transaction; stores the new id in *ID. DERIVED_FROM (0 = none) is the rubric this one is a
 * new version of: the new rubric joins its family with the next version number; otherwise it
 * starts a family of its own at version 1. Members the storage does not know (e.g. "line")
 * are ignored. Returns E_OK or a db error. */
int rubric_insert(struct db *db, json_t *j, int frozen, int64_t derived_from, int64_t now,
                  int64_t *id);

/* Replaces the tree of rubric ID (not frozen) with the validated rubric J, inside the caller's
 * transaction or its own. Returns E_OK, E_NOT_FOUND, E_CONFLICT when the rubric is frozen,
 * or a db error. */
int rubric_replace(struct db *db, int64_t id, json_t *j, int64_t now);

/* Rubric ID as a JSON tree in the form above plus "id", "version", "frozen", "created_at",
 * "family", "derived_from" (id or null), "versions" (the family, as rubric_versions()) and,
 * per area, "points" (the sum of its leaves). E_OK with *OUT (caller decrefs), E_NOT_FOUND,
 * or a db error. */
int rubric_get(struct db *db, int64_t id, json_t **out);

/* Stores in *YES whether rubric ID exists. E_OK or a db error. */
int rubric_exists(struct db *db, int64_t id, int *yes);

/* The identity of the rubric tree RB (as rubric_get() returns it) for a reply: a new object
 * {"id","name","version","total_points"} (caller decrefs), or NULL when out of memory. */
json_t *rubric_ident(json_t *rb);

/* The rubrics, newest first: [{"id","name","version","total_points","frozen","cycles",
 * "created_at","family"}] into *OUT (caller decrefs). E_OK or a db error. */
int rubric_list(struct db *db, json_t **out);

/* A deep copy of the rubric tree RB (as rubric_get() returns it, or a file being imported)
 * without the members the server adds (id, version, frozen, created_at, family, derived_from,
 * versions, the computed "points" of groups, and the "line" numbers of an import): the form POST
 * /api/v1/rubrics takes and the JSON export holds. NULL when out of memory; caller decrefs. */
json_t *rubric_portable(json_t *rb);

/* The "line" member of the node or item that the validation path FIELD ("areas[2].children[0]
 * .max_points") names in RB, or of its nearest ancestor that has one; 0 when none. Imports
 * put the line numbers of their rows there, so errors can name the line. */
long rubric_line_of(json_t *rb, const char *field);

/* The versions of FAMILY, oldest first, in the form of rubric_list(), into *OUT (caller
 * decrefs). E_OK or a db error. */
int rubric_versions(struct db *db, int64_t family, json_t **out);

#endif
