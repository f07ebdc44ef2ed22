/*
 * session.c - sessions and login throttling (see session.h).
 */
#include "session.h"

#include "crypto.h"
#include "db.h"
#include "err.h"
#include "log.h"

#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LAST_SEEN_STEP 60  /* update last_seen at most once a minute */
#define FAIL_WINDOW    900 /* seconds: failures older than this are not counted */

/* Wall-clock time in milliseconds: login_failure.at is kept in milliseconds, so a 1-second
 * wait lasts a whole second whatever the clock's second boundaries. */
static int64_t now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t idle_s = 30 * 60, max_s = 12 * 3600;
static int secure;

void session_configure(unsigned idle_minutes, unsigned max_hours, int secure_cookies)
{
  idle_s = (int64_t)idle_minutes * 60;
  max_s = (int64_t)max_hours * 3600;
  secure = secure_cookies;
}

/* Loads the user columns of ST (from column FIRST on) into U. Strings go to A. */
static void load_user(struct user *u, db_stmt *st, int first, struct arena *a)
{
  static const int roles[] = {ROLE_ADMIN, ROLE_REVIEWER, ROLE_UNIT};
  static const char *names[] = {"admin", "reviewer", "unit"};
  u->id = db_col_int(st, first);
  u->login = arena_strdup(a, db_col_text(st, first + 1));
  u->display_name = arena_strdup(a, db_col_text(st, first + 2));
  const char *role = db_col_text(st, first + 3);
  u->role = ROLE_ANON;
  for (int i = 0; i < 3; i++)
    if (!strcmp(role, names[i])) u->role = roles[i];
  u->unit_id = db_col_int(st, first + 4);
  u->must_change_pw = (int)db_col_int(st, first + 5);
  u->unit_code = db_col_is_null(st, first + 6) ? NULL : arena_strdup(a, db_col_text(st, first + 6));
  u->unit_name = db_col_is_null(st, first + 7) ? NULL : arena_strdup(a, db_col_text(st, first + 7));
}

#define USER_COLUMNS                                                                               \
  "u.id, u.login, u.display_name, u.role, coalesce(u.unit_id, 0), u.must_change_pw, un.code, "     \
  "un.name"

/* ---- sessions kept in memory ----
 *
 * Reading a session is a join of three tables for every request. The sessions in use are
 * therefore kept here too, each under the value auth_stamp.v had when it was read
 * (sql/0010_auth_stamp.sql: triggers give it a new random value on any change to a session,
 * an account or a unit that a signed-in request's identity is read from, whatever code makes
 * it). A request reads that one value; an entry is used only when its token hash, database and
 * stamp all match, and only while the session is neither expired nor idle by the entry's times
 * (else the database decides, as before). The entry's last_seen follows the daemon's own
 * updates of the row. The stamp is read in the same statement as the session, so an entry
 * never carries a newer stamp than its data.
 *
 * Memory: SESSION_SLOTS direct-mapped slots (a token's hash picks one; a newer session in the
 * same slot replaces the older, which is then read from the database again), each with one
 * malloc'd block for the four strings. One mutex; its sections copy a few hundred bytes. */
#define SESSION_SLOTS 8192 /* a power of two */

static struct sentry {
  uint64_t db;                           /* db_instance(); 0 = free slot */
  unsigned char hash[CRYPTO_HASH_BYTES]; /* the token's */
  int64_t stamp, sid, last_seen, expires;
  struct user u; /* its strings point into text */
  char *text;    /* malloc'd: login, display name, unit code, unit name, each NUL-ended */
} stab[SESSION_SLOTS];
static pthread_mutex_t stab_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic uint64_t stab_hits, stab_misses;

void session_cache_stats(uint64_t *hits, uint64_t *misses)
{
  if (hits) *hits = atomic_load(&stab_hits);
  if (misses) *misses = atomic_load(&stab_misses);
}

static struct sentry *slot_of(const unsigned char h[CRYPTO_HASH_BYTES])
{
  uint32_t x;
  memcpy(&x, h, sizeof x);
  return &stab[x & (SESSION_SLOTS - 1)];
}

/* The current auth_stamp value into *V. E_OK or a db error. */
static int auth_stamp(struct db *db, int64_t *v)
{
  db_stmt *st = db_prepare(db, "SELECT v FROM auth_stamp WHERE id = 1");
  return st ? db_one_int(st, v) : E_DB;
}

/* Keeps session SID of token hash H, read with stamp STAMP, as user U. */
static void keep(const unsigned char h[CRYPTO_HASH_BYTES], int64_t stamp, int64_t sid,
                 int64_t last_seen, int64_t expires, const struct user *u)
{
  const char *parts[4] = {u->login, u->display_name, u->unit_code ? u->unit_code : "",
                          u->unit_name ? u->unit_name : ""};
  size_t len[4], n = 0;
  for (int i = 0; i < 4; i++) n += (len[i] = strlen(parts[i])) + 1;
  char *text = malloc(n), *o = text;
  if (!text) return;
  const char *at[4];
  for (int i = 0; i < 4; i++) {
    memcpy(o, parts[i], len[i] + 1);
    at[i] = o;
    o += len[i] + 1;
  }
  pthread_mutex_lock(&stab_lock);
  struct sentry *e = slot_of(h);
  free(e->text);
  e->db = db_instance();
  memcpy(e->hash, h, CRYPTO_HASH_BYTES);
  e->stamp = stamp;
  e->sid = sid;
  e->last_seen = last_seen;
  e->expires = expires;
  e->u = *u;
  e->u.login = at[0];
  e->u.display_name = at[1];
  e->u.unit_code = u->unit_code ? at[2] : NULL;
  e->u.unit_name = u->unit_name ? at[3] : NULL;
  e->text = text;
  pthread_mutex_unlock(&stab_lock);
}

/* The kept session of token hash H under stamp STAMP into *U (strings copied into A), with
 * its last_seen into *LAST_SEEN: 1 when there is one that is still neither expired nor idle at
 * NOW, else 0 (also when A is exhausted). */
static int kept(const unsigned char h[CRYPTO_HASH_BYTES], int64_t stamp, int64_t now,
                struct user *u, int64_t *last_seen, struct arena *a)
{
  int found = 0;
  pthread_mutex_lock(&stab_lock);
  struct sentry *e = slot_of(h);
  if (e->db == db_instance() && e->stamp == stamp && !memcmp(e->hash, h, CRYPTO_HASH_BYTES) &&
      now < e->expires && now - e->last_seen < idle_s) {
    *u = e->u;
    u->session_id = e->sid;
    *last_seen = e->last_seen;
    u->login = arena_strdup(a, e->u.login);
    u->display_name = arena_strdup(a, e->u.display_name);
    u->unit_code = e->u.unit_code ? arena_strdup(a, e->u.unit_code) : NULL;
    u->unit_name = e->u.unit_name ? arena_strdup(a, e->u.unit_name) : NULL;
    found = u->login && u->display_name && (u->unit_code != NULL) == (e->u.unit_code != NULL) &&
            (u->unit_name != NULL) == (e->u.unit_name != NULL);
  }
  pthread_mutex_unlock(&stab_lock);
  return found;
}

/* Sets the kept last_seen of token hash H to NOW, if it is still kept. */
static void kept_seen(const unsigned char h[CRYPTO_HASH_BYTES], int64_t now)
{
  pthread_mutex_lock(&stab_lock);
  struct sentry *e = slot_of(h);
  if (e->db == db_instance() && !memcmp(e->hash, h, CRYPTO_HASH_BYTES)) e->last_seen = now;
  pthread_mutex_unlock(&stab_lock);
}

void session_cache_clear(void)
{
  pthread_mutex_lock(&stab_lock);
  for (size_t i = 0; i < SESSION_SLOTS; i++) {
    free(stab[i].text);
    memset(&stab[i], 0, sizeof stab[i]);
  }
  pthread_mutex_unlock(&stab_lock);
}

int session_authenticate(struct req *r, const char *cookie)
{
  if (!cookie || strlen(cookie) != CRYPTO_TOKEN_HEX - 1) return E_OK;
  for (const char *p = cookie; *p; p++)
    if (!isxdigit((unsigned char)*p)) return E_OK;
  unsigned char h[CRYPTO_HASH_BYTES];
  crypto_token_hash(cookie, h);
  int64_t now = (int64_t)time(NULL), stamp, last_seen;
  struct user u = {0};
  int rc = auth_stamp(r->db, &stamp);
  if (rc) return rc;
  if (kept(h, stamp, now, &u, &last_seen, &r->a)) {
    atomic_fetch_add(&stab_hits, 1);
    if (now - last_seen >= LAST_SEEN_STEP) {
      r->session_touch = u.session_id;
      kept_seen(h, now);
    }
    r->user = u;
    return E_OK;
  }
  atomic_fetch_add(&stab_misses, 1);
  db_stmt *st = db_prepare(r->db, "SELECT s.id, s.csrf_token, s.last_seen, s.expires_at, "
                                  "(SELECT v FROM auth_stamp WHERE id = 1), " USER_COLUMNS
                                  " FROM session s JOIN user u ON u.id = s.user_id "
                                  "LEFT JOIN unit un ON un.id = u.unit_id "
                                  "WHERE s.token_hash = :h AND u.disabled = 0");
  if (!st) return E_DB;
  if ((rc = db_bind_blob(st, ":h", h, sizeof h))) return rc;
  rc = db_step(st);
  if (rc != DB_ROW) {
    db_reset(st);
    return rc == DB_DONE ? E_OK : rc;
  }
  int64_t sid = db_col_int(st, 0), expires = db_col_int(st, 3);
  last_seen = db_col_int(st, 2);
  stamp = db_col_int(st, 4);
  snprintf(u.csrf, sizeof u.csrf, "%s", db_col_text(st, 1));
  load_user(&u, st, 5, &r->a);
  db_reset(st);
  if (now >= expires || now - last_seen >= idle_s) {
    r->session_drop = sid;
    return E_OK;
  }
  if (now - last_seen >= LAST_SEEN_STEP) {
    r->session_touch = sid;
    last_seen = now;
  }
  if (!u.login || !u.display_name || (u.unit_code == NULL) != (u.unit_id == 0)) return E_NOMEM;
  u.session_id = sid;
  keep(h, stamp, sid, last_seen, expires, &u);
  r->user = u;
  return E_OK;
}

int session_settle(struct req *r)
{
  int64_t drop = r->session_drop, touch = r->session_touch;
  r->session_drop = r->session_touch = 0;
  db_stmt *st = NULL;
  int rc = E_OK;
  if (drop && (!(st = db_prepare(r->db, "DELETE FROM session WHERE id = :id")) ||
               (rc = db_bind_int(st, ":id", drop)) || (rc = db_run(st))))
    return st ? rc : E_DB;
  if (touch && (!(st = db_prepare(r->db, "UPDATE session SET last_seen = :now WHERE id = :id")) ||
                (rc = db_bind_int(st, ":now", (int64_t)time(NULL))) ||
                (rc = db_bind_int(st, ":id", touch)) || (rc = db_run(st))))
    return st ? rc : E_DB;
  return E_OK;
}

int session_start(struct req *r, int64_t user_id, struct reply *out)
{
  char token[CRYPTO_TOKEN_HEX], csrf[CRYPTO_TOKEN_HEX];
  unsigned char h[CRYPTO_HASH_BYTES];
  crypto_token(token);
  crypto_token(csrf);
  crypto_token_hash(token, h);
  int64_t now = (int64_t)time(NULL);
  const char *ua = req_header(r, "User-Agent");
  db_stmt *st = db_prepare(r->db, "INSERT INTO session (token_hash, user_id, csrf_token, "
                                  "created_at, last_seen, expires_at, client_addr, user_agent) "
                                  "VALUES (:h, :uid, :csrf, :now, :now, :exp, :addr, :ua)");
  if (!st) return E_DB;
  int rc;
  if ((rc = db_bind_blob(st, ":h", h, sizeof h)) || (rc = db_bind_int(st, ":uid", user_id)) ||
      (rc = db_bind_text(st, ":csrf", csrf)) || (rc = db_bind_int(st, ":now", now)) ||
      (rc = db_bind_int(st, ":exp", now + max_s)) || (rc = db_bind_text(st, ":addr", r->client)) ||
      (rc = db_bind_textn(st, ":ua", ua ? ua : "", ua ? strnlen(ua, 300) : 0))) {
    db_reset(st);
    return rc;
  }
  if ((rc = db_run(st))) return rc;
  int64_t sid = db_last_id(r->db);
  st = db_prepare(r->db, "SELECT " USER_COLUMNS " FROM user u LEFT JOIN unit un ON un.id = "
                         "u.unit_id WHERE u.id = :id");
  if (!st || (rc = db_bind_int(st, ":id", user_id))) return st ? rc : E_DB;
  if ((rc = db_step(st)) != DB_ROW) {
    db_reset(st);
    return rc == DB_DONE ? E_NOT_FOUND : rc;
  }
  struct user u = {0};
  load_user(&u, st, 0, &r->a);
  db_reset(st);
  u.session_id = sid;
  snprintf(u.csrf, sizeof u.csrf, "%s", csrf);
  r->user = u;
  const char *cookie = arena_printf(&r->a, "%s=%s; Path=/; HttpOnly; SameSite=Strict%s",
                                    SESSION_COOKIE_NAME, token, secure ? "; Secure" : "");
  if (!cookie || !u.login) return E_NOMEM;
  return reply_header(out, "Set-Cookie", cookie);
}

int session_end(struct req *r, struct reply *out)
{
  db_stmt *st = db_prepare(r->db, "DELETE FROM session WHERE id = :id");
  int rc;
  if (!st || (rc = db_bind_int(st, ":id", r->user.session_id))) return st ? rc : E_DB;
  if ((rc = db_run(st))) return rc;
  return session_clear_cookie(r, out);
}

int session_clear_cookie(struct req *r, struct reply *out)
{
  const char *cookie = arena_printf(&r->a, "%s=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0%s",
                                    SESSION_COOKIE_NAME, secure ? "; Secure" : "");
  return cookie ? reply_header(out, "Set-Cookie", cookie) : E_NOMEM;
}

int session_end_all(struct db *db, int64_t user_id, int64_t keep)
{
  db_stmt *st = db_prepare(db, "DELETE FROM session WHERE user_id = :u AND id <> :keep");
  int rc;
  if (!st || (rc = db_bind_int(st, ":u", user_id)) || (rc = db_bind_int(st, ":keep", keep)))
    return st ? rc : E_DB;
  return db_run(st);
}

json_t *session_user_json(const struct user *u)
{
  const char *role = u->role == ROLE_ADMIN      ? "admin"
                     : u->role == ROLE_REVIEWER ? "reviewer"
                                                : "unit";
  json_t *unit = u->unit_code ? json_pack("{s:s,s:s}", "code", u->unit_code, "name", u->unit_name)
                              : json_null();
  return json_pack("{s:I,s:s,s:s,s:s,s:o,s:b}", "id", (json_int_t)u->id, "login", u->login,
                   "display_name", u->display_name, "role", role, "unit", unit,
                   "must_change_password", u->must_change_pw);
}

/* The throttling keys of one attempt and their free failures and longest wait. */
struct fkey {
  char key[200];
  int64_t free, cap;
};

static void fkeys(struct fkey k[3], const char *login, const char *addr)
{
  snprintf(k[0].key, sizeof k[0].key, "pair:%.64s|%.64s", login, addr);
  k[0].free = 5;
  k[0].cap = 900;
  snprintf(k[1].key, sizeof k[1].key, "addr:%.64s", addr);
  k[1].free = 20;
  k[1].cap = 900;
  snprintf(k[2].key, sizeof k[2].key, "login:%.64s", login);
  k[2].free = 50;
  k[2].cap = 60;
}

int session_throttle(struct db *db, const char *login, const char *addr, int64_t *retry_after)
{
  struct fkey k[3];
  fkeys(k, login, addr);
  int64_t now = now_ms(), wait = 0; /* milliseconds: a 1-second wait is a whole second */
  db_stmt *st = db_prepare(db, "SELECT count(*), coalesce(max(at), 0) FROM login_failure "
                               "WHERE key = :key AND at > :since");
  if (!st) return E_DB;
  for (int i = 0; i < 3; i++) {
    int rc;
    if ((rc = db_bind_text(st, ":key", k[i].key)) ||
        (rc = db_bind_int(st, ":since", now - FAIL_WINDOW * 1000)))
      return rc;
    rc = db_step(st);
    int64_t n = rc == DB_ROW ? db_col_int(st, 0) : 0, last = rc == DB_ROW ? db_col_int(st, 1) : 0;
    db_reset(st);
    if (rc != DB_ROW) return rc;
    if (n < k[i].free) continue;
    int64_t need = n - k[i].free >= 20 ? k[i].cap : (int64_t)1 << (n - k[i].free);
    if (need > k[i].cap) need = k[i].cap;
    if (last + need * 1000 - now > wait) wait = last + need * 1000 - now;
  }
  *retry_after = (wait + 999) / 1000; /* whole seconds, rounded up */
  return wait > 0 ? E_THROTTLED : E_OK;
}

int session_login_failed(struct db *db, const char *login, const char *addr)
{
  struct fkey k[3];
  fkeys(k, login, addr);
  int64_t now = now_ms();
  db_stmt *st = db_prepare(db, "DELETE FROM login_failure WHERE at < :old");
  int rc;
  if (!st || (rc = db_bind_int(st, ":old", now - FAIL_WINDOW * 1000)) || (rc = db_run(st)))
    return st ? rc : E_DB;
  st = db_prepare(db, "INSERT INTO login_failure (key, at) VALUES (:key, :at)");
  if (!st) return E_DB;
  for (int i = 0; i < 3; i++)
    if ((rc = db_bind_text(st, ":key", k[i].key)) || (rc = db_bind_int(st, ":at", now)) ||
        (rc = db_run(st)))
      return rc;
  return E_OK;
}

int session_login_succeeded(struct db *db, const char *login, const char *addr)
{
  struct fkey k[3];
  fkeys(k, login, addr);
  db_stmt *st = db_prepare(db, "DELETE FROM login_failure WHERE key = :key");
  int rc;
  if (!st || (rc = db_bind_text(st, ":key", k[0].key))) return st ? rc : E_DB;
  return db_run(st);
}
