/*
 * session.h - login sessions and login throttling.
 *
 * The cookie `kp_session` carries a 256-bit random token; only its BLAKE2b hash is stored.
 * A session ends after session_idle minutes without a request, after session_max hours in
 * any case, at logout, and when the account is disabled. Each session has its own CSRF token
 * that state-changing requests must echo in X-CSRF-Token (checked in http.c).
 */
#ifndef KAOPING_SESSION_H
#define KAOPING_SESSION_H

#include "req.h"

#include <jansson.h>
#include <stdint.h>

#define SESSION_COOKIE_NAME "kp_session"

/* Sets the timeouts and the cookie's Secure flag. Call once before serving. */
void session_configure(unsigned idle_minutes, unsigned max_hours, int secure_cookies);

/* Looks up the session named by COOKIE (may be NULL) and fills r->user when it is valid and
 * its account enabled; otherwise leaves r anonymous. Sessions in use are kept in memory under
 * sql/0010_auth_stamp.sql's stamp, read on every call (see session.c), so a change to a
 * session, an account or a unit counts from the next request whoever makes it. Writes
 * nothing, so it may run inside a read transaction: the session's last_seen to move and an
 * expired session to delete are left in r->session_touch and r->session_drop for
 * session_settle(). Returns E_OK (also for a missing or bad cookie) or a db error. */
int session_authenticate(struct req *r, const char *cookie);

/* Makes the writes session_authenticate() left in R (outside any read transaction), and
 * clears them. Returns E_OK or a db error. */
int session_settle(struct req *r);

/* Forgets every session kept in memory (tests; the daemon never needs to). */
void session_cache_clear(void);

/* Counters since the start: session lookups answered from memory and those that read the
 * database (requests with a well-formed cookie only). Either pointer may be NULL. */
void session_cache_stats(uint64_t *hits, uint64_t *misses);

/* Starts a new session for USER_ID (inside the caller's transaction), loads the user into
 * r->user and adds the Set-Cookie header to OUT. Returns E_OK or a db error. */
int session_start(struct req *r, int64_t user_id, struct reply *out);

/* Ends r's session (inside the caller's transaction) and adds a Set-Cookie header to OUT that
 * clears the cookie. Returns E_OK or a db error. */
int session_end(struct req *r, struct reply *out);

/* Adds a Set-Cookie header to OUT that clears the session cookie. Returns E_OK or E_NOMEM. */
int session_clear_cookie(struct req *r, struct reply *out);

/* Ends every session of USER_ID except KEEP (0 = all), inside the caller's transaction: used
 * when a password changes or an account is disabled. Returns E_OK or a db error. */
int session_end_all(struct db *db, int64_t user_id, int64_t keep);

/* The user as the API shows it: {"id","login","display_name","role","unit","must_change_password"}.
 * NULL when out of memory. */
json_t *session_user_json(const struct user *u);

/* Login throttling. Failures are counted for the pair (login, address), the address and the
 * login, over the last 15 minutes; past a free number of failures each further attempt must
 * wait 2^(n - free) seconds after the last failure, at most 15 minutes for the pair and the
 * address and 1 minute for the login alone, so an attacker elsewhere cannot lock a user out for
 * long. session_throttle() returns E_OK, or E_THROTTLED with the wait in *RETRY_AFTER seconds. */
int session_throttle(struct db *db, const char *login, const char *addr, int64_t *retry_after);

/* Records one failed login (inside the caller's transaction). */
int session_login_failed(struct db *db, const char *login, const char *addr);

/* Forgets the failures of the pair (login, address) after a successful login. */
int session_login_succeeded(struct db *db, const char *login, const char *addr);

#endif
