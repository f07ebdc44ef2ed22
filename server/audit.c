/*
 * audit.c - the hash-chained audit trail (see audit.h).
 */
#include "audit.h"

#include "crypto.h"
#include "db.h"
#include "err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The canonical text of a row that its hash covers: fields joined by 0x1f (unit separator),
 * which never appears in them unescaped because JSON and logins cannot contain it raw. */
static char *canonical(int64_t at, int64_t user_id, const char *actor, const char *action,
                       const char *object, const char *detail, const char *client, size_t *len)
{
  int n = snprintf(NULL, 0, "%lld\x1f%lld\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s", (long long)at,
                   (long long)user_id, actor, action, object, detail, client);
  char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
  if (!s) return NULL;
  snprintf(s, (size_t)n + 1, "%lld\x1f%lld\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s", (long long)at,
           (long long)user_id, actor, action, object, detail, client);
  *len = (size_t)n;
  return s;
}

int audit_write(struct db *db, int64_t user_id, const char *actor, const char *action,
                const char *object, const char *detail, const char *client)
{
  if (!detail) detail = "{}";
  if (!object) object = "";
  if (!client) client = "";
  unsigned char prev[CRYPTO_HASH_BYTES], hash[CRYPTO_HASH_BYTES];
  size_t prevlen = 0;
  db_stmt *st = db_prepare(db, "SELECT hash FROM audit ORDER BY id DESC LIMIT 1");
  if (!st) return E_DB;
  int rc = db_step(st);
  if (rc == DB_ROW && db_col_bytes(st, 0) == CRYPTO_HASH_BYTES) {
    memcpy(prev, db_col_blob(st, 0), CRYPTO_HASH_BYTES);
    prevlen = CRYPTO_HASH_BYTES;
  }
  db_reset(st);
  if (rc != DB_ROW && rc != DB_DONE) return rc;
  int64_t at = (int64_t)time(NULL);
  size_t len;
  char *text = canonical(at, user_id, actor, action, object, detail, client, &len);
  if (!text) return E_NOMEM;
  crypto_chain_hash(prevlen ? prev : NULL, prevlen, text, len, hash);
  free(text);
  st = db_prepare(db, "INSERT INTO audit (at, user_id, actor, action, object, detail, "
                      "client_addr, prev_hash, hash) VALUES (:at, :uid, :actor, :action, "
                      ":object, :detail, :client, :prev, :hash)");
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":at", at)) || (rc = db_bind_text(st, ":actor", actor)) ||
      (rc = db_bind_text(st, ":action", action)) || (rc = db_bind_text(st, ":object", object)) ||
      (rc = db_bind_text(st, ":detail", detail)) || (rc = db_bind_text(st, ":client", client)) ||
      (rc = db_bind_blob(st, ":hash", hash, sizeof hash)) ||
      (rc = user_id ? db_bind_int(st, ":uid", user_id) : db_bind_null(st, ":uid")) ||
      (rc = prevlen ? db_bind_blob(st, ":prev", prev, prevlen) : db_bind_null(st, ":prev"))) {
    db_reset(st);
    return rc;
  }
  return db_run(st);
}

int audit_verify(struct db *db, int64_t *count, char head[65], int64_t *bad_id)
{
  db_stmt *st = db_prepare(db, "SELECT id, at, coalesce(user_id, 0), actor, action, object, "
                               "detail, client_addr, prev_hash, hash FROM audit ORDER BY id");
  if (!st) return E_DB;
  unsigned char prev[CRYPTO_HASH_BYTES], hash[CRYPTO_HASH_BYTES];
  size_t prevlen = 0;
  int rc;
  *count = 0;
  head[0] = 0;
  while ((rc = db_step(st)) == DB_ROW) {
    int64_t id = db_col_int(st, 0);
    size_t len;
    char *text =
        canonical(db_col_int(st, 1), db_col_int(st, 2), db_col_text(st, 3), db_col_text(st, 4),
                  db_col_text(st, 5), db_col_text(st, 6), db_col_text(st, 7), &len);
    if (!text) {
      db_reset(st);
      return E_NOMEM;
    }
    crypto_chain_hash(prevlen ? prev : NULL, prevlen, text, len, hash);
    free(text);
    int prev_ok = prevlen
                      ? db_col_bytes(st, 8) == prevlen && !memcmp(db_col_blob(st, 8), prev, prevlen)
                      : db_col_is_null(st, 8);
    if (!prev_ok || db_col_bytes(st, 9) != sizeof hash ||
        memcmp(db_col_blob(st, 9), hash, sizeof hash)) {
      *bad_id = id;
      db_reset(st);
      return E_CONFLICT;
    }
    memcpy(prev, hash, sizeof hash);
    prevlen = sizeof hash;
    (*count)++;
  }
  db_reset(st);
  if (rc != DB_DONE) return rc;
  if (prevlen) crypto_hex(prev, prevlen, head);
  return E_OK;
}
