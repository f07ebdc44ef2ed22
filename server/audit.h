/*
 * audit.h - the tamper-evident audit trail.
 *
 * Every state change writes one audit row in the same transaction as the change. Rows form a
 * hash chain: hash = BLAKE2b-256(prev_hash || canonical text of the row), so editing,
 * inserting or deleting a row in the middle breaks every later link; `kaoping audit verify`
 * recomputes the chain and prints the head hash, which an office can note down to also detect
 * a cut-off tail.
 */
#ifndef KAOPING_AUDIT_H
#define KAOPING_AUDIT_H

#include <stdint.h>

struct db;

/* Appends one row. Must run inside a transaction (db_begin) so the chain stays linear.
 * USER_ID 0 = no user (CLI, system); ACTOR is the login or "cli"/"system"; ACTION like
 * "user.create"; OBJECT like "user:12"; DETAIL is compact JSON text ("{}" when NULL); CLIENT
 * the client address or "". Returns E_OK or a db error. */
int audit_write(struct db *db, int64_t user_id, const char *actor, const char *action,
                const char *object, const char *detail, const char *client);

/* Recomputes the whole chain. Returns E_OK with the number of rows in *COUNT and the head
 * hash as 64 hex digits in HEAD (65 bytes; "" when empty); or E_CONFLICT with the first bad
 * row's id in *BAD_ID; or a db error. */
int audit_verify(struct db *db, int64_t *count, char head[65], int64_t *bad_id);

#endif
