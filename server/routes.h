/*
 * routes.h - the route table: every HTTP API route as data.
 *
 * A row gives the method, the path pattern ("{name}" matches one non-empty segment), the roles
 * allowed to call it, the kind of body it takes and the handler. The dispatcher in http.c
 * matches the path, then the method (path known but method not → 405 with Allow; HEAD is
 * matched as GET), checks the role and the CSRF token in one place, and only then reads the
 * body and calls the handler. Every route must also be described in server/openapi.json;
 * a test walks this table and fails on a missing one.
 */
#ifndef KAOPING_ROUTES_H
#define KAOPING_ROUTES_H

#include "req.h"

#include <stddef.h>

/* What a route accepts as request body. */
enum body_kind {
  BODY_NONE,   /* no body: any body is refused with 413 */
  BODY_JSON,   /* a JSON document of at most --max-body bytes, Content-Type application/json */
  BODY_UPLOAD, /* multipart/form-data with a field "file" of at most --max-upload bytes,
                  streamed into the file store's temporary folder (r->upload) */
};

/* Route flags. */
enum {
  R_PWCHANGE = 1 << 0, /* allowed while the user must change the password first */
};

/* One row of the table. */
struct route {
  const char *method;  /* "GET", "POST", "PUT", "PATCH", "DELETE" */
  const char *pattern; /* "/api/v1/cycles/{cycle}" */
  int roles;           /* ROLE_* bits allowed to call it */
  enum body_kind body; /* what it takes */
  handler_fn fn;       /* the handler */
  unsigned flags;      /* R_* */
};

extern const struct route routes[];
extern const size_t routes_count;

/* Matches METHOD and PATH against the table. On success stores the row in *RT and the
 * values of its {params} (copied into A) in PARAMS and their number in *NPARAMS, and returns E_OK.
 * Returns E_NOT_FOUND when no pattern matches, or E_METHOD when patterns match but not the method;
 * then ALLOW (ALLOWLEN bytes) lists the methods that do, e.g. "GET, HEAD, POST". Returns
 * E_NOMEM when A is exhausted. */
int route_match(const char *method, const char *path, const struct route **rt, const char **params,
                int *nparams, struct arena *a, char *allow, size_t allowlen);

/* Matches PATH against one PATTERN. On a match stores the {param} values (copied into A; may
 * be NULL to skip) and their number, and returns 1; returns 0 when it does not match and -1
 * when A is exhausted. */
int route_pattern_match(const char *pattern, const char *path, const char **params, int *nparams,
                        struct arena *a);

/* 1 when the route changes state (any method but GET) and so needs the CSRF checks. */
int route_is_unsafe(const struct route *rt);

#endif
