/*
 * users.h - accounts: validation of logins and passwords, creation, lookup.
 *
 * Used by the `kaoping user add` command, the demo data and (later) the admin API, so every
 * path that creates a user applies the same rules.
 */
#ifndef KAOPING_USERS_H
#define KAOPING_USERS_H

#include <jansson.h>
#include <stdint.h>

struct db;

#define USER_PASSWORD_MIN 10 /* characters */

/* NULL when LOGIN is acceptable (2-64 of A-Z a-z 0-9 . _ - @), else a Chinese reason. */
const char *user_login_problem(const char *login);

/* NULL when PASSWORD is acceptable, else a Chinese reason. Refused: fewer than
 * USER_PASSWORD_MIN characters, more than 1024 bytes, invalid UTF-8, the login, and common
 * passwords: digits and punctuation only, keyboard walks, short repeated chunks, and a common
 * word (English, keyboard runs, pinyin words and surnames) or the login padded with up to 8
 * digits or punctuation characters. */
const char *user_password_problem(const char *password, const char *login);

/* Creates a user with an already computed password hash PW_HASH (MUST_CHANGE: the user must
 * change it at the next login), inside a transaction, with an audit row by ACTOR (ACTOR_ID 0 =
 * CLI/system). ROLE is "admin", "reviewer" or "unit"; UNIT_CODE is required for "unit" and optional
 * for "reviewer" (NULL otherwise). Returns E_OK with the new id in *ID; E_VALIDATION with *FIELD
 * and *PROBLEM set; E_DUPLICATE when the login is taken; or a db error. */
int user_create(struct db *db, const char *login, const char *display_name, const char *role,
                const char *unit_code, const char *pw_hash, int must_change, int64_t actor_id,
                const char *actor, const char *client, int64_t *id, const char **field,
                const char **problem);

/* Number of enabled admin accounts, or -1 on a db error. */
int64_t user_admin_count(struct db *db);

/* A change to an account; members left NULL / -1 stay as they are. */
struct user_change {
  const char *display_name; /* new name, or NULL */
  const char *role;         /* "admin" | "reviewer" | "unit", or NULL */
  const char *unit_code;    /* new unit (with unit_set), NULL to clear */
  int unit_set;             /* 1 when unit_code is part of the change */
  int disabled;             /* 0 or 1, or -1 */
};

/* Applies C to user ID in one transaction with an audit row by ACTOR_ID/ACTOR; disabling ends
 * the user's sessions. Refuses to disable or demote oneself (ACTOR_ID) and to leave no enabled
 * admin. Returns E_OK; E_NOT_FOUND; E_VALIDATION with *FIELD / *PROBLEM; or a db error. */
int user_update(struct db *db, int64_t id, const struct user_change *c, int64_t actor_id,
                const char *actor, const char *client, const char **field, const char **problem);

/* Stores the new password hash HASH of user ID, sets must_change_pw to MUST_CHANGE, ends the
 * user's other sessions (all but KEEP; 0 = all) and audits ACTION ("user.password_reset" or
 * "user.password_change") by ACTOR_ID/ACTOR, in one transaction. Returns E_OK, E_NOT_FOUND or
 * a db error. */
int user_set_password(struct db *db, int64_t id, const char *hash, int must_change, int64_t keep,
                      int64_t actor_id, const char *actor, const char *client, const char *action);

/* The stored password hash of user ID into HASH (128 bytes). E_OK, E_NOT_FOUND or db error. */
int user_password_hash(struct db *db, int64_t id, char *hash);

/* User ID as the admin API shows it: {"id","login","display_name","role","unit","disabled",
 * "must_change_password","created_at","updated_at"}. Returns E_OK with *OUT (caller decrefs),
 * E_NOT_FOUND, or an error. */
int user_get(struct db *db, int64_t id, json_t **out);

/* Users matching the filters (each may be NULL): ROLE exactly, UNIT code exactly, Q as a
 * substring of login or name; ordered by role then login; at most LIMIT from OFFSET.
 * Stores an array in *OUT (caller decrefs) and the number of matches in *TOTAL. */
int user_list(struct db *db, const char *role, const char *unit, const char *q, int64_t limit,
              int64_t offset, json_t **out, int64_t *total);

#endif
