/*
 * h_users.h - accounts: the admin's user management and every user's own password and
 * sessions.
 */
#ifndef KAOPING_H_USERS_H
#define KAOPING_H_USERS_H

#include "req.h"

/* GET /api/v1/users?role=&unit=&q=&limit=&offset= (admin): {"users":[…],"total"}. */
int h_users_list(struct req *r, struct reply *out);

/* POST /api/v1/users (admin) {"login","display_name"?,"role","unit"?,"password"?}: 201
 * {"user","password"}; without a password one is generated and returned once. The new user
 * must change the password at the first login. */
int h_user_create(struct req *r, struct reply *out);

/* GET /api/v1/users/{id} (admin): {"user"}. */
int h_user_get(struct req *r, struct reply *out);

/* PATCH /api/v1/users/{id} (admin) {"display_name"?,"role"?,"unit"?,"disabled"?}: {"user"};
 * disabling ends the user's sessions. */
int h_user_update(struct req *r, struct reply *out);

/* POST /api/v1/users/{id}/password-reset (admin): {"password"}: a new generated password
 * that must be changed at the next login; the user's sessions end. */
int h_user_reset_password(struct req *r, struct reply *out);

/* POST /api/v1/cycles/{cycle}/unit-accounts?format=json|xlsx (admin): creates an account
 * `unit-<code>` with a generated password for every unit of the cycle that has none, in one
 * transaction; 201 with {"created":[…],"skipped":[…]} or the XLSX sheet to hand out. */
int h_unit_accounts(struct req *r, struct reply *out);

/* PUT /api/v1/me/password {"current_password","new_password"}: 204; the user's other
 * sessions end. Allowed while a password change is pending. */
int h_me_password(struct req *r, struct reply *out);

/* GET /api/v1/me/sessions: {"sessions":[{"id","created_at","last_seen","expires_at",
 * "client_addr","user_agent","current"}]}. */
int h_me_sessions(struct req *r, struct reply *out);

/* DELETE /api/v1/me/sessions/{id}: ends one of the caller's own sessions; 204. */
int h_me_session_end(struct req *r, struct reply *out);

#endif
