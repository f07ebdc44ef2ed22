/*
 * units.h - assessed units (单位): code, name, kind, parent unit, active flag.
 */
#ifndef KAOPING_UNITS_H
#define KAOPING_UNITS_H

#include <jansson.h>
#include <stdint.h>

struct db;

/* NULL when CODE is a valid unit code (1-32 of A-Z a-z 0-9 . _ -), else a Chinese reason. */
const char *unit_code_problem(const char *code);

/* NULL when NAME is a valid unit name (1-100 characters, no control characters). */
const char *unit_name_problem(const char *name);

/* Resolves a unit kind given as its code ("town") or its Chinese name ("镇", "县直部门") into
 * its code in OUT (32 bytes). Returns E_OK, E_NOT_FOUND or a db error. */
int unit_kind_resolve(struct db *db, const char *kind, char out[32]);

/* The id of the unit with CODE. E_OK, E_NOT_FOUND or a db error. */
int unit_id_by_code(struct db *db, const char *code, int64_t *id);

/* A unit to create or change. NULL / -1 members stay unchanged when changing. */
struct unit_in {
  const char *code;   /* required: identifies the unit */
  const char *name;   /* 单位名称 */
  const char *kind;   /* code or Chinese name of the kind */
  const char *parent; /* parent unit code (with parent_set), NULL = none */
  int parent_set;     /* 1 when parent is part of the change */
  int active;         /* 0 or 1, or -1 */
};

/* Creates (CREATE 1) or changes unit IN in one transaction with an audit row by ACTOR.
 * Returns E_OK; E_VALIDATION or E_DUPLICATE with *FIELD and *PROBLEM (Chinese); E_NOT_FOUND
 * when changing a unit that does not exist; or a db error. */
int unit_save(struct db *db, const struct unit_in *in, int create, int64_t actor_id,
              const char *actor, const char *client, const char **field, const char **problem);

/* Filters of unit_list(); NULL / 0 / -1 = any. */
struct unit_filter {
  int64_t only;     /* just this unit id (a unit user's own) */
  const char *kind; /* kind code */
  int active;       /* 0 or 1, or -1 */
  const char *q;    /* substring of name or code */
  int64_t limit, offset;
};

/* Units matching F ordered by kind and code, as {"code","name","kind","kind_name","parent",
 * "active"}; stores an array in *OUT (caller decrefs) and the number of matches in *TOTAL. */
int unit_list(struct db *db, const struct unit_filter *f, json_t **out, int64_t *total);

/* One unit by CODE into *OUT (caller decrefs). E_OK, E_NOT_FOUND or a db error. */
int unit_get(struct db *db, const char *code, json_t **out);

/* The unit kinds [{"code","name"}] in display order into *OUT (caller decrefs). */
int unit_kinds(struct db *db, json_t **out);

#endif
