/*
 * h_session.c - signing in and out (see h_session.h).
 *
 * The password is verified outside any transaction (Argon2id takes tens of milliseconds and
 * must not hold SQLite's write lock); the outcome is then recorded in one short transaction.
 */
#include "h_session.h"

#include "audit.h"
#include "crypto.h"
#include "db.h"
#include "err.h"
#include "json.h"
#include "session.h"

#include <stdio.h>
#include <string.h>

/* {"user":…, "csrf_token":…} for the request's user. */
static json_t *me_json(const struct user *u)
{
  json_t *user = session_user_json(u);
  return user ? json_pack("{s:o,s:s}", "user", user, "csrf_token", u->csrf) : NULL;
}

int h_login(struct req *r, struct reply *out)
{
  static const char *const keys[] = {"login", "password", NULL};
  const char *login, *password;
  int rc;
  if ((rc = json_only_keys(out, r->jbody, keys)) ||
      (rc = json_take_str(out, r->jbody, "login", 1, 64, &login)) ||
      (rc = json_take_str(out, r->jbody, "password", 1, 1024, &password)))
    return rc;

  int64_t wait = 0;
  if ((rc = session_throttle(r->db, login, r->client, &wait)) == E_THROTTLED) {
    reply_header(out, "Retry-After", arena_printf(&r->a, "%lld", (long long)wait));
    out->detail = arena_printf(&r->a, "登录失败次数过多，请 %lld 秒后再试", (long long)wait);
    return rc;
  }
  if (rc) return rc;

  int64_t uid = 0;
  char hash[CRYPTO_PWHASH_STR] = "";
  db_stmt *st = db_prepare(r->db, "SELECT id, pw_hash, disabled FROM user WHERE login = :login");
  int disabled = 0;
  if (!st || (rc = db_bind_text(st, ":login", login))) return st ? rc : E_DB;
  if ((rc = db_step(st)) == DB_ROW) {
    uid = db_col_int(st, 0);
    snprintf(hash, sizeof hash, "%s", db_col_text(st, 1));
    disabled = (int)db_col_int(st, 2);
  }
  db_reset(st);
  if (rc != DB_ROW && rc != DB_DONE) return rc;

  int rehash = 0;
  /* A disabled account fails like a wrong password (same answer, same time), but its
   * audit row still names the account. */
  int ok = crypto_password_verify(uid && !disabled ? hash : NULL, password, &rehash);
  char newhash[CRYPTO_PWHASH_STR];
  if (ok && rehash && crypto_password_hash(password, newhash) != 0) rehash = 0;

  if ((rc = db_begin(r->db))) return rc;
  char object[32];
  snprintf(object, sizeof object, "user:%lld", (long long)uid);
  if (!ok) {
    rc = session_login_failed(r->db, login, r->client);
    if (!rc)
      rc = audit_write(r->db, uid, login, "session.login_failed", uid ? object : "", "{}",
                       r->client);
    if (!rc)
      rc = db_commit(r->db);
    else
      db_rollback(r->db);
    return rc ? rc : E_LOGIN_FAILED;
  }
  if (rehash) {
    st = db_prepare(r->db, "UPDATE user SET pw_hash = :h WHERE id = :id");
    if (!st || (rc = db_bind_text(st, ":h", newhash)) || (rc = db_bind_int(st, ":id", uid)) ||
        (rc = db_run(st)))
      goto fail;
  }
  /* The session this browser already had ends: a login always starts from a new token. */
  if (r->user.session_id) {
    st = db_prepare(r->db, "DELETE FROM session WHERE id = :id");
    if (!st || (rc = db_bind_int(st, ":id", r->user.session_id)) || (rc = db_run(st))) goto fail;
  }
  if ((rc = session_login_succeeded(r->db, login, r->client)) ||
      (rc = session_start(r, uid, out)) ||
      (rc = audit_write(r->db, uid, r->user.login, "session.login", object, "{}", r->client)))
    goto fail;
  if ((rc = db_commit(r->db))) return rc;
  return reply_json(out, 200, me_json(&r->user));
fail:
  db_rollback(r->db);
  return rc ? rc : E_DB;
}

int h_logout(struct req *r, struct reply *out)
{
  int rc = db_begin(r->db);
  if (rc) return rc;
  char object[32];
  snprintf(object, sizeof object, "user:%lld", (long long)r->user.id);
  if ((rc = session_end(r, out)) || (rc = audit_write(r->db, r->user.id, r->user.login,
                                                      "session.logout", object, "{}", r->client))) {
    db_rollback(r->db);
    return rc;
  }
  if ((rc = db_commit(r->db))) return rc;
  out->status = 204;
  return E_OK;
}

int h_me(struct req *r, struct reply *out)
{
  return reply_json(out, 200, me_json(&r->user));
}
