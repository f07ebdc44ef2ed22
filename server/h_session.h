/*
 * h_session.h - signing in and out, and who am I.
 */
#ifndef KAOPING_H_SESSION_H
#define KAOPING_H_SESSION_H

#include "req.h"

/* POST /api/v1/session {"login","password"}: 200 {"user":{…},"csrf_token"} with the session
 * cookie; 401 E_LOGIN_FAILED (same answer for an unknown login and a wrong password); 429
 * E_THROTTLED with Retry-After; 400 E_VALIDATION. */
int h_login(struct req *r, struct reply *out);

/* DELETE /api/v1/session: ends the caller's session; 204. */
int h_logout(struct req *r, struct reply *out);

/* GET /api/v1/me: {"user":{…},"csrf_token"}. */
int h_me(struct req *r, struct reply *out);

#endif
