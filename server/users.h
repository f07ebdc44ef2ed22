/*
 * users.h - accounts: validation of logins and passwords, creation, lookup.
 *
 * Used by the `kaoping user add` command, the demo data and (later) the admin API, so every
 * path that creates a user applies the same rules.
 */
#ifndef KAOPING_USERS_H
#define KAOPING_USERS_H

#include <stdint.h>

struct db;

#define USER_PASSWORD_MIN 10 /* characters */

/* NULL when LOGIN is acceptable (2-64 of A-Z a-z 0-9 . _ - @), else a Chinese reason. */
const char *user_login_problem(const char *login);

/* NULL when PASSWORD is acceptable (at least USER_PASSWORD_MIN characters, at most 1024
 * bytes, not one repeated character, not a well-known password, not the login), else a
 * Chinese reason. */
const char *user_password_problem(const char *password, const char *login);

/* Creates a user with an already computed password hash PW_HASH, inside a transaction, with an
 * audit row by ACTOR (ACTOR_ID 0 = CLI/system). ROLE is "admin", "reviewer" or "unit";
 * UNIT_CODE is required for "unit" and optional for "reviewer" (NULL otherwise).
 * Returns E_OK with the new id in *ID; E_VALIDATION with *FIELD and *PROBLEM set; E_DUPLICATE
 * when the login is taken; or a db error. */
int user_create(struct db *db, const char *login, const char *display_name, const char *role,
                const char *unit_code, const char *pw_hash, int64_t actor_id, const char *actor,
                const char *client, int64_t *id, const char **field, const char **problem);

/* Number of enabled admin accounts, or -1 on a db error. */
int64_t user_admin_count(struct db *db);

#endif
