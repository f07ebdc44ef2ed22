/*
 * req.h - what a handler sees of an HTTP request, and the reply it fills in.
 *
 * Handlers are plain functions `int h_x(struct req *r, struct reply *out)`: they read the
 * request through this header (never through libmicrohttpd, which only http.c knows), fill
 * `out` and return E_OK, or return an E_* code (err.h) and let http.c answer with the error
 * body. A handler that returns an error may set out->field / out->detail to name the input
 * that was wrong. Memory: r->a (the request arena) for anything that lives as long as the
 * request; out->json is owned by the reply and released by http.c.
 */
#ifndef KAOPING_REQ_H
#define KAOPING_REQ_H

#include "arena.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct route;
struct db;
struct upload;
struct deferred;

/* Roles as bits, so a route can allow several. */
enum role {
  ROLE_ANON = 1 << 0,     /* no session */
  ROLE_ADMIN = 1 << 1,    /* assessment office */
  ROLE_REVIEWER = 1 << 2, /* reviewer */
  ROLE_UNIT = 1 << 3,     /* staff of one unit */
};
#define ROLE_USER (ROLE_ADMIN | ROLE_REVIEWER | ROLE_UNIT) /* any signed-in user */
#define ROLE_ANY  (ROLE_ANON | ROLE_USER)                  /* everyone */

#define REQ_MAX_PARAMS 4

/* The signed-in user of a request (all zero for an anonymous request). Strings in r->a. */
struct user {
  int64_t id;               /* user id; 0 = anonymous */
  int role;                 /* one ROLE_* bit; ROLE_ANON when anonymous */
  const char *login;        /* login name */
  const char *display_name; /* name shown in the UI */
  int64_t unit_id;          /* the user's unit, or 0 */
  const char *unit_code;    /* its code, or NULL */
  const char *unit_name;    /* its name, or NULL */
  int must_change_pw;       /* the user must change the password before anything else */
  int64_t session_id;       /* the session row */
  char csrf[65];            /* the session's CSRF token */
};

/* One request, from its first callback to its completion. */
struct req {
  struct arena a;                     /* per-request memory, freed at completion */
  const struct route *rt;             /* matched route, or NULL (asset or error) */
  const char *method;                 /* as received: "GET", "HEAD", "POST", ... */
  const char *path;                   /* decoded path without the query string */
  const char *params[REQ_MAX_PARAMS]; /* values of the route's {params}, in order */
  int nparams;                        /* how many */
  char *body;                         /* raw request body (malloc'd), NUL-terminated */
  size_t body_len, body_cap;          /* its length and allocated size */
  json_t *jbody;                      /* parsed JSON body for BODY_JSON routes, or NULL */
  struct upload *upload;              /* the streamed file of BODY_UPLOAD routes, or NULL */
  void *pp;                           /* MHD post processor (only http.c uses it) */
  struct user user;                   /* who is asking */
  struct db *db;                      /* this thread's database connection */
  char client[64];                    /* client address as text */
  int64_t t0_us;                      /* monotonic start time, microseconds */
  int status;                         /* status of the queued reply (for log and metrics) */
  size_t bytes;                       /* body bytes of the queued reply */
  int queued;                         /* a reply has been queued */
  int refused;                        /* body over the cap: the rest is dropped, 413 sent */
  size_t discarded;                   /* body bytes dropped since */
  int pending;                        /* error decided on the 1st call, sent on the last */
  const char *pending_allow;          /* its Allow header (405), or NULL */
  const char *pending_detail;         /* its detail, or NULL */
  int asset;                          /* a web app file, served on the last call */
  int auth_later;                     /* a GET without body: signed in on the last call,
                                         inside the request's read transaction */
  int64_t session_touch;              /* session_settle(): move this session's last_seen, */
  int64_t session_drop;               /* delete this expired session (0 = nothing to do) */
  void *conn;                         /* the MHD connection: only http.c uses it */
  struct deferred *deferred;          /* a write handed to batch.c (req_defer): http.c only */
  void *deferred_arg;                 /* the handler's state for its deferred write and reply */
};

/* The reply a handler fills in. Zero-initialised by http.c; status 0 means 200. */
struct reply {
  int status;           /* HTTP status for a success reply (200, 201, 204) */
  json_t *json;         /* JSON body (owned; set with reply_json) */
  char *body;           /* or a raw body (malloc'd, owned) ... */
  size_t len;           /* ... of this length ... */
  const char *ctype;    /* ... and this Content-Type (static string) */
  int fd;               /* or a file to send (closed by http.c; -1 = none: http.c starts every
                           reply with -1; set by reply_file) */
  uint64_t fd_size;     /* its size in bytes */
  const char *hname[4]; /* extra response headers (static or arena strings) */
  const char *hvalue[4];
  int nh;
  const char *field;  /* on error: the input field at fault */
  const char *detail; /* on error: more precise Chinese message */
};

typedef int (*handler_fn)(struct req *r, struct reply *out);

/* A handler's write, run by req_defer() on connection DB inside a transaction it must neither
 * begin nor end. It may read R (the request is paused meanwhile) and set OUT's field and
 * detail (any strings: they are copied) when it fails; it returns E_OK or an E_* code, and
 * on failure what it wrote is undone. */
typedef int (*write_fn)(struct req *r, struct db *db, struct reply *out);

/* What a handler returns after req_defer(): not an error, the request goes on later. */
#define REQ_DEFERRED (-1)

/* Hands WRITE over to the group commit (batch.h) and returns REQ_DEFERRED, for the handler
 * to return. The request is paused until its batch has committed; then FINISH makes the reply
 * (called like a handler, in a read-only request of its own, so it sees the write), or, when
 * WRITE or the commit failed, the error is the reply. Keep what FINISH needs in R's arena.
 * For writes that are small and frequent (a score saved). Returns E_NOMEM on failure. */
int req_defer(struct req *r, write_fn write, handler_fn finish);

/* Request accessors, implemented in http.c. Return NULL when absent. Strings live until the
 * request completes. */
const char *req_header(struct req *r, const char *name);
const char *req_query(struct req *r, const char *name);
const char *req_cookie(struct req *r, const char *name);

/* Reads query parameter NAME as an integer in MIN..MAX into *VAL (DEF when absent). Returns
 * E_OK, or E_VALIDATION naming the parameter in OUT. */
int req_query_int(struct req *r, struct reply *out, const char *name, int64_t def, int64_t min,
                  int64_t max, int64_t *val);

/* Reads route parameter NAME as a positive id into *ID. Returns E_OK or E_NOT_FOUND. */
int req_param_id(struct req *r, const char *name, int64_t *id);

/* The value of route parameter NAME ("{cycle}" in the pattern → "cycle"), or NULL. */
const char *req_param(struct req *r, const char *name);

/* Sets OUT's JSON body (takes the reference) and status (0 = 200). Returns E_OK, or E_NOMEM
 * when J is NULL (a failed json_pack). */
int reply_json(struct reply *out, int status, json_t *j);

/* Sets OUT's body to the JSON text TEXT of LEN bytes (malloc'd; the reply takes it, also on
 * error) and status (0 = 200), for replies written as text rather than built with jansson.
 * Returns E_OK, or E_NOMEM when TEXT is NULL. */
int reply_json_text(struct reply *out, int status, char *text, size_t len);

/* Adds a response header; NAME and VALUE must outlive the request. Returns E_OK or
 * E_INTERNAL when there is no room. */
int reply_header(struct reply *out, const char *name, const char *value);

/* Makes OUT send the file at PATH (SIZE bytes) as CTYPE, offered for download as FILENAME
 * (UTF-8; sent as an RFC 6266 / 5987 Content-Disposition). Returns E_OK, E_NOT_FOUND when
 * the file cannot be opened, or E_NOMEM. */
int reply_file(struct req *r, struct reply *out, const char *path, const char *ctype,
               const char *filename);

/* Marks a validation error on FIELD with the Chinese DETAIL; returns E_VALIDATION, so
 * handlers write `return reply_invalid(out, "login", "不能为空");`. */
int reply_invalid(struct reply *out, const char *field, const char *detail);

#endif
