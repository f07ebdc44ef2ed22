/*
 * http.c - the only file that talks to libmicrohttpd (see http.h).
 *
 * Request lifecycle (libmicrohttpd calls on_request several times per request):
 *   1st call  headers only: make the context, check the URL, match the route (404/405),
 *             check Content-Length against the route's cap (413) and Content-Type (415),
 *             authenticate the session cookie, check the role (401/403) and, for state-changing
 *             routes, the origin and CSRF token (403). Any failure is answered at once, so an
 *             unwanted body is never read.
 *   middle    body chunks: appended up to the cap; past it 413 is queued and the rest dropped.
 *   last      parse the JSON body, call the handler inside db_request_begin/end, queue the
 *             reply (or the error or static asset decided on the 1st call: answering a
 *             request without a body there would make MHD close the connection).
 *   deferred  a handler that handed its write to the group commit (req_defer) has its
 *             connection suspended; the batch thread resumes it once the write is committed
 *             or refused, and the next call makes the reply (deferred_reply).
 *   completed on_completed(): access log line, metrics, free the context.
 * Replies never point into the request arena (it is freed before MHD sends the reply): JSON
 * is serialised with json_dumps() and handed over with MHD_RESPMEM_MUST_FREE.
 */
#include "http.h"

#include "batch.h"
#include "crypto.h"
#include "db.h"
#include "embedded.h"
#include "err.h"
#include "json.h"
#include "log.h"
#include "metrics.h"
#include "req.h"
#include "routes.h"
#include "session.h"
#include "store.h"
#include "utf8.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define URL_MAX     2048        /* longest accepted path, in bytes (else 414) */
#define ASSET_MAX   (16u << 20) /* largest file served from --web-root */
#define DISCARD_MAX (8u << 20)  /* body bytes dropped after a 413 before hanging up */

/* Sent with every reply kaoping makes (MHD's own low-level error pages excepted). */
static const char *const security_headers[][2] = {
    {"Content-Security-Policy",
     "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
     "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
     "form-action 'self'; frame-ancestors 'none'"},
    {"X-Content-Type-Options", "nosniff"},
    {"Referrer-Policy", "no-referrer"},
    {"X-Frame-Options", "DENY"},
    {"Cross-Origin-Opener-Policy", "same-origin"},
    {"Cross-Origin-Resource-Policy", "same-origin"},
};

/* Prebuilt replies for one embedded asset, queued many times. */
struct asset {
  struct MHD_Response *ok;           /* 200 with the content */
  struct MHD_Response *not_modified; /* 304 for a matching If-None-Match */
};

static const struct config *cfg;
static struct MHD_Daemon *daemon_;
static char *tls_cert, *tls_key; /* PEM text of --tls-cert / --tls-key while serving */
static struct asset *assets;     /* one per web_files entry */
static atomic_int in_flight;     /* requests between first call and completion */
static atomic_int stopping;      /* http_stop() has begun */

static int64_t now_us(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- request accessors (req.h) ---- */

const char *req_header(struct req *r, const char *name)
{
  return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *req_query(struct req *r, const char *name)
{
  return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *req_cookie(struct req *r, const char *name)
{
  return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

/* ---- replies ---- */

static void add_security_headers(struct MHD_Response *resp)
{
  for (size_t i = 0; i < sizeof security_headers / sizeof security_headers[0]; i++)
    MHD_add_response_header(resp, security_headers[i][0], security_headers[i][1]);
  if (tls_cert) MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000");
}

/* Reads the whole file PATH into a NUL-terminated malloc'd string; NULL (logged) on failure. */
static char *read_pem(const char *path)
{
  FILE *f = fopen(path, "rb");
  char *buf = NULL;
  long n = -1;
  if (f && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && n < (1 << 20) &&
      fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) != NULL &&
      fread(buf, 1, (size_t)n, f) == (size_t)n) {
    buf[n] = 0;
  } else {
    free(buf);
    buf = NULL;
    log_error("cannot read %s: %s", path, f ? "empty, too large or unreadable" : strerror(errno));
  }
  if (f) fclose(f);
  return buf;
}

/* Queues RESP with STATUS for R and releases our reference to RESP, unless SHARED (a
 * prebuilt asset reply that is queued many times and freed at shutdown). */
static enum MHD_Result queue_resp(struct req *r, unsigned status, struct MHD_Response *resp,
                                  size_t bytes, int shared)
{
  if (!resp) return MHD_NO;
  /* While stopping, close each connection after its reply. A shared reply cannot carry the
   * header, so a connection served one is closed by MHD_stop_daemon() instead. */
  if (atomic_load(&stopping) && !shared)
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
  enum MHD_Result ret = MHD_queue_response(r->conn, status, resp);
  if (!shared) MHD_destroy_response(resp);
  r->queued = 1;
  r->status = (int)status;
  r->bytes = bytes;
  return ret;
}

/* Queues BODY (malloc'd, LEN bytes; ownership passes to MHD) as a reply of STATUS. */
static enum MHD_Result queue_body(struct req *r, unsigned status, char *body, size_t len,
                                  const char *ctype, const struct reply *rep)
{
  struct MHD_Response *resp = MHD_create_response_from_buffer(
      len, body ? body : (char *)"", body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
  if (!resp) {
    free(body);
    return MHD_NO;
  }
  add_security_headers(resp);
  if (ctype) MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
  MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
  for (int i = 0; rep && i < rep->nh; i++)
    MHD_add_response_header(resp, rep->hname[i], rep->hvalue[i]);
  return queue_resp(r, status, resp, len, 0);
}

static const char json_ctype[] = "application/json; charset=utf-8";

/* Queues the error reply for CODE: {"error":{"code","message","field"?,"detail"?}}. ALLOW,
 * when set, becomes the Allow header (405). REP may carry extra headers (e.g. Retry-After). */
static enum MHD_Result queue_error(struct req *r, int code, const char *field, const char *detail,
                                   const char *allow, const struct reply *rep)
{
  if (code == E_OK) code = E_INTERNAL;
  json_t *e = json_pack("{s:s,s:s}", "code", err_name(code), "message", err_message(code));
  if (e && field) json_object_set_new(e, "field", json_string(field));
  if (e && detail) json_object_set_new(e, "detail", json_string(detail));
  json_t *j = e ? json_pack("{s:o}", "error", e) : NULL;
  char *body = j ? json_dumps(j, JSON_COMPACT) : NULL;
  json_decref(j);
  if (!body) return MHD_NO;
  struct reply extra = {0};
  if (rep) extra = *rep;
  if (allow) reply_header(&extra, MHD_HTTP_HEADER_ALLOW, allow);
  return queue_body(r, (unsigned)err_status(code), body, strlen(body), json_ctype, &extra);
}

/* Queues the handler's reply OUT. */
static enum MHD_Result queue_reply(struct req *r, struct reply *out)
{
  unsigned status = out->status ? (unsigned)out->status : 200;
  if (out->json) {
    char *body = json_dumps(out->json, JSON_COMPACT);
    if (!body) return queue_error(r, E_NOMEM, NULL, NULL, NULL, NULL);
    return queue_body(r, status, body, strlen(body), json_ctype, out);
  }
  if (out->fd >= 0) {
    struct MHD_Response *resp = MHD_create_response_from_fd64(out->fd_size, out->fd);
    if (!resp) {
      close(out->fd);
      return MHD_NO;
    }
    out->fd = -1; /* MHD closes it */
    add_security_headers(resp);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, out->ctype);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "private, no-store");
    for (int i = 0; i < out->nh; i++) MHD_add_response_header(resp, out->hname[i], out->hvalue[i]);
    return queue_resp(r, status, resp, (size_t)out->fd_size, 0);
  }
  if (out->body) {
    char *body = out->body;
    out->body = NULL;
    return queue_body(r, status, body, out->len, out->ctype, out);
  }
  return queue_body(r, status == 200 ? 204 : status, NULL, 0, NULL, out);
}

/* ---- static assets ---- */

/* 1 when the request's If-None-Match names ETAG. */
static int etag_matches(struct req *r, const char *etag)
{
  const char *inm = req_header(r, MHD_HTTP_HEADER_IF_NONE_MATCH);
  return inm && (strstr(inm, etag) != NULL || !strcmp(inm, "*"));
}

/* Adds the headers every asset reply carries. */
static void asset_headers(struct MHD_Response *resp, const char *mime, const char *etag)
{
  add_security_headers(resp);
  if (mime) MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, mime);
  MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
  /* Names are not content-hashed, so browsers revalidate every time (cheap: 304). */
  MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
}

/* Serves PATH from --web-root. Returns 1 when a reply was queued, 0 when there is no file. */
static int serve_disk(struct req *r, const char *path, enum MHD_Result *ret)
{
  /* Refuse hidden names and any "..": only plain files below the root are served. */
  if (strstr(path, "/.") || strchr(path, '\\')) return 0;
  char full[PATH_MAX];
  if ((size_t)snprintf(full, sizeof full, "%s%s", cfg->web_root, path) >= sizeof full) return 0;
  int fd = open(full, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return 0;
  struct stat sb;
  char *buf = NULL;
  if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size > (off_t)ASSET_MAX ||
      !(buf = malloc((size_t)sb.st_size + 1))) {
    close(fd);
    free(buf);
    return 0;
  }
  size_t len = 0;
  ssize_t n;
  while (len < (size_t)sb.st_size && (n = read(fd, buf + len, (size_t)sb.st_size - len)) > 0)
    len += (size_t)n;
  close(fd);
  struct crypto_sha256 h;
  char hex[CRYPTO_SHA256_HEX], etag[24];
  crypto_sha256_init(&h);
  crypto_sha256_update(&h, buf, len);
  crypto_sha256_final(&h, hex);
  snprintf(etag, sizeof etag, "\"%.16s\"", hex);
  struct MHD_Response *resp;
  unsigned status = 200;
  if (etag_matches(r, etag)) {
    free(buf);
    resp = MHD_create_response_from_buffer(0, (char *)"", MHD_RESPMEM_PERSISTENT);
    status = 304;
    len = 0;
  } else {
    resp = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
    if (!resp) free(buf);
  }
  if (resp) asset_headers(resp, embedded_mime(path), etag);
  *ret = queue_resp(r, status, resp, len, 0);
  return 1;
}

/* Serves a web app file for a GET/HEAD of PATH. Returns 1 when a reply was queued. */
static int serve_asset(struct req *r, const char *path, enum MHD_Result *ret)
{
  if (!strcmp(path, "/")) path = "/index.html";
  if (cfg->web_root) return serve_disk(r, path, ret);
  const struct embedded_file *f = embedded_find(web_files, web_files_count, path);
  if (!f) return 0;
  struct asset *a = &assets[f - web_files];
  if (etag_matches(r, f->etag)) {
    *ret = queue_resp(r, 304, a->not_modified, 0, 1);
  } else {
    *ret = queue_resp(r, 200, a->ok, f->len, 1);
  }
  return 1;
}

/* Builds the prebuilt asset replies. Returns 0, or -1 when out of memory. */
static int assets_build(void)
{
  assets = calloc(web_files_count ? web_files_count : 1, sizeof *assets);
  if (!assets) return -1;
  for (size_t i = 0; i < web_files_count; i++) {
    const struct embedded_file *f = &web_files[i];
    assets[i].ok = MHD_create_response_from_buffer(f->len, (void *)f->data, MHD_RESPMEM_PERSISTENT);
    assets[i].not_modified = MHD_create_response_from_buffer(0, (char *)"", MHD_RESPMEM_PERSISTENT);
    if (!assets[i].ok || !assets[i].not_modified) return -1;
    asset_headers(assets[i].ok, f->mime, f->etag);
    asset_headers(assets[i].not_modified, NULL, f->etag);
  }
  return 0;
}

static void assets_free(void)
{
  for (size_t i = 0; assets && i < web_files_count; i++) {
    if (assets[i].ok) MHD_destroy_response(assets[i].ok);
    if (assets[i].not_modified) MHD_destroy_response(assets[i].not_modified);
  }
  free(assets);
  assets = NULL;
}

/* ---- the checks of the first call ---- */

/* Room for the multipart framing around an uploaded file. */
#define MULTIPART_SLACK (64u << 10)

/* The body cap of route RT in bytes (for uploads: the whole multipart body). */
static size_t body_cap(const struct route *rt)
{
  if (rt->body == BODY_UPLOAD) return (size_t)cfg->max_upload + MULTIPART_SLACK;
  return rt->body == BODY_JSON ? cfg->max_body : 0;
}

/* Keeps the last path component of a client's file name, as valid UTF-8 of at most 200
 * bytes without control characters; NULL when nothing usable is left. */
static const char *clean_filename(struct arena *a, const char *name)
{
  if (!name) return NULL;
  const char *base = name;
  for (const char *p = name; *p; p++)
    if (*p == '/' || *p == '\\') base = p + 1;
  size_t n = strlen(base);
  while (n > 200 || (n > 0 && !utf8_valid(base, n))) n--; /* cut at a character boundary */
  char *out = arena_strndup(a, base, n);
  for (char *p = out; p && *p; p++)
    if ((unsigned char)*p < 0x20) *p = '_';
  return out && *out ? out : NULL;
}

/* The post processor's callback: streams the first part named "file" into the store's
 * temporary folder and keeps a small text field "assign" (up to UPLOAD_FIELD_MAX); other
 * fields and further "file" parts are ignored. Returning MHD_NO stops the parsing (the rest
 * of the body is then drained and an error answered). */
static enum MHD_Result post_iter(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *filename, const char *content_type,
                                 const char *transfer_encoding, const char *data, uint64_t off,
                                 size_t size)
{
  (void)kind;
  (void)content_type;
  (void)transfer_encoding;
  struct req *r = cls;
  if (!key || (strcmp(key, "file") != 0 && strcmp(key, "assign") != 0)) return MHD_YES;
  struct upload *u = r->upload;
  if (!u) {
    u = r->upload = arena_alloc(&r->a, sizeof *u);
    if (!u) return MHD_NO;
    u->f.fd = -1;
  }
  if (!strcmp(key, "assign")) { /* a small text field that comes with the file */
    if (u->assign_len + size > UPLOAD_FIELD_MAX) return MHD_NO;
    char *nb = realloc(u->assign, u->assign_len + size + 1);
    if (!nb) return MHD_NO;
    memcpy(nb + u->assign_len, data, size);
    u->assign = nb;
    u->assign_len += size;
    nb[u->assign_len] = 0;
    return MHD_YES;
  }
  if (off == 0 && u->started) {
    u->extra = 1; /* a second file part */
    return MHD_YES;
  }
  if (u->extra) return MHD_YES;
  if (!u->started) {
    u->started = 1;
    u->filename = clean_filename(&r->a, filename);
    if (store_begin(cfg->data_dir, &u->f)) {
      u->failed = 1;
      return MHD_NO;
    }
  }
  if (u->f.fd < 0) return MHD_NO;
  if (u->f.size + size > cfg->max_upload) {
    r->refused = 1;
    store_abort(&u->f);
    return MHD_NO;
  }
  if (size && store_write(&u->f, data, size)) {
    u->failed = 1;
    store_abort(&u->f);
    return MHD_NO;
  }
  return MHD_YES;
}

/* 1 when the request comes from the page's own origin, as far as the browser says: the
 * Origin header (when present) names the Host, and Sec-Fetch-Site (when present) is
 * same-origin or none. Non-browser clients send neither and are judged by the token alone. */
static int same_origin(struct req *r)
{
  const char *site = req_header(r, "Sec-Fetch-Site");
  if (site && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0) return 0;
  const char *origin = req_header(r, "Origin");
  if (!origin) return 1;
  const char *host = req_header(r, MHD_HTTP_HEADER_HOST), *sep = strstr(origin, "://");
  return host && sep && !strcmp(sep + 3, host);
}

/* The CSRF rule for state-changing routes: same origin, and for routes that need a signed-in
 * user the session's token in X-CSRF-Token. Routes open to anonymous callers (signing in,
 * error reports) cannot depend on a session token and rely on the origin check alone.
 * Returns E_OK or E_CSRF. */
static int check_csrf(struct req *r)
{
  if (!same_origin(r)) return E_CSRF;
  if (!r->user.id || (r->rt->roles & ROLE_ANON)) return E_OK;
  const char *tok = req_header(r, "X-CSRF-Token");
  size_t want = strlen(r->user.csrf);
  if (!tok || strlen(tok) != want || !crypto_equal(tok, r->user.csrf, want)) return E_CSRF;
  return E_OK;
}

/* Parses Content-Length; -1 when absent or not a number. */
static long long content_length(struct req *r)
{
  const char *v = req_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
  if (!v) return -1;
  char *end;
  errno = 0;
  long long n = strtoll(v, &end, 10);
  return errno || *end || n < 0 ? -1 : n;
}

/* 1 when the request announces a body (Content-Length > 0 or chunked). */
static int has_body(struct req *r)
{
  return content_length(r) > 0 || req_header(r, MHD_HTTP_HEADER_TRANSFER_ENCODING) != NULL;
}

/* Answers R with error CODE. A request that carries a body is answered at once so the body
 * is never read (MHD then closes the connection); one without a body is answered on the final
 * call, which keeps the connection open for the next request. */
static enum MHD_Result refuse(struct req *r, int code, const char *allow)
{
  if (has_body(r)) return queue_error(r, code, NULL, NULL, allow, NULL);
  r->pending = code;
  r->pending_allow = allow ? arena_strdup(&r->a, allow) : NULL;
  return MHD_YES;
}

/* Who is asking, and whether they may call r's route: reads the session, checks the role,
 * a pending password change and, on a state-changing route, the CSRF token. Returns E_OK or
 * the error to answer with. */
static int admit(struct req *r)
{
  int rc = session_authenticate(r, req_cookie(r, SESSION_COOKIE_NAME));
  if (rc) return rc;
  if (!(r->rt->roles & r->user.role)) return r->user.id ? E_FORBIDDEN : E_UNAUTHENTICATED;
  if (r->user.must_change_pw && !(r->rt->flags & R_PWCHANGE)) return E_PASSWORD_CHANGE;
  if (route_is_unsafe(r->rt) && (rc = check_csrf(r)) != E_OK) return rc;
  return E_OK;
}

/* The first call: everything that can be decided from the headers. */
static enum MHD_Result first_call(struct MHD_Connection *c, const char *url, const char *method,
                                  void **req_cls)
{
  struct req *r = calloc(1, sizeof *r);
  if (!r) return MHD_NO;
  *req_cls = r;
  atomic_fetch_add(&in_flight, 1);
  r->conn = c;
  r->method = method;
  r->path = url;
  r->t0_us = now_us();
  r->user.role = ROLE_ANON;
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (ci && ci->client_addr) {
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET) { /* dotted quad, without inet_ntop's generic path */
      const unsigned char *b =
          (const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr.s_addr;
      char *o = r->client;
      for (int i = 0; i < 4; i++) {
        if (i) *o++ = '.';
        if (b[i] >= 100) *o++ = (char)('0' + b[i] / 100);
        if (b[i] >= 10) *o++ = (char)('0' + b[i] / 10 % 10);
        *o++ = (char)('0' + b[i] % 10);
      }
      *o = 0;
    } else if (sa->sa_family == AF_INET6)
      inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, r->client,
                sizeof r->client);
  }

  if (strlen(url) > URL_MAX) return refuse(r, E_URI_TOO_LONG, NULL);
  if (!utf8_valid(url, strlen(url))) return refuse(r, E_BAD_UTF8, NULL);

  char allow[128];
  int rc = route_match(method, url, &r->rt, r->params, &r->nparams, &r->a, allow, sizeof allow);
  if (rc == E_NOT_FOUND && (!strcmp(method, "GET") || !strcmp(method, "HEAD")) &&
      strncmp(url, "/api/", 5) != 0 && !has_body(r)) {
    r->asset = 1; /* served on the final call; 404 there when there is no such file */
    return MHD_YES;
  }
  if (rc) return refuse(r, rc, rc == E_METHOD ? allow : NULL);

  r->db = db_thread();
  if (!r->db) return refuse(r, E_DB, NULL);
  if (!route_is_unsafe(r->rt) && !has_body(r)) {
    /* A GET: nothing to decide before the last call, where the sign-in is read in the
     * request's read transaction (one snapshot and one shared-memory lock, not two). */
    r->auth_later = 1;
    return MHD_YES;
  }
  rc = admit(r);
  int src = session_settle(r); /* outside any transaction here */
  if (rc || (rc = src)) return refuse(r, rc, NULL);
  long long cl = content_length(r);
  const char *te = req_header(r, MHD_HTTP_HEADER_TRANSFER_ENCODING);
  if (cl > (long long)body_cap(r->rt)) return refuse(r, E_TOO_LARGE, NULL);
  const char *ct = req_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
  if (r->rt->body == BODY_JSON && (cl > 0 || te)) {
    if (!ct || strncmp(ct, "application/json", 16) != 0 ||
        (ct[16] && ct[16] != ';' && ct[16] != ' '))
      return refuse(r, E_MEDIA_TYPE, NULL);
  }
  if (r->rt->body == BODY_UPLOAD && (!ct || strncasecmp(ct, "multipart/form-data", 19) != 0)) {
    r->pending_detail = "请以 multipart/form-data 表单上传文件（字段名 file）";
    return refuse(r, E_MEDIA_TYPE, NULL);
  }

  if (r->rt->body == BODY_UPLOAD) {
    r->pp = MHD_create_post_processor(c, 64 * 1024, post_iter, r);
    if (!r->pp) {
      r->pending_detail = "上传表单格式不正确（缺少 boundary）";
      return refuse(r, E_MEDIA_TYPE, NULL);
    }
  }
  return MHD_YES;
}

/* A middle call: append a body chunk. Past the cap the body is refused: MHD 0.9.75 cannot
 * queue a reply mid-upload, so the rest is read and dropped and 413 is sent on the last call;
 * a client that keeps sending past DISCARD_MAX is cut off. */
static enum MHD_Result body_chunk(struct req *r, const char *data, size_t size)
{
  if (r->queued || r->pending || !r->rt) return MHD_YES;
  if (r->refused) {
    r->discarded += size;
    if (r->discarded <= DISCARD_MAX) return MHD_YES;
    log_warn("%s kept sending after 413 (%zu bytes dropped): closing", r->client, r->discarded);
    return MHD_NO;
  }
  if (r->rt->body == BODY_UPLOAD) {
    if (MHD_post_process(r->pp, data, size) != MHD_YES) {
      r->refused = 1; /* drain the rest; the last call answers */
      if (!r->upload || !r->upload->failed) {
        if (!(r->upload && r->upload->f.fd < 0 && r->upload->started)) r->pending = E_BAD_REQUEST;
      }
    }
    return MHD_YES;
  }
  size_t cap = body_cap(r->rt);
  if (size > cap - r->body_len) {
    r->refused = 1;
    r->discarded = size;
    free(r->body);
    r->body = NULL;
    r->body_len = r->body_cap = 0;
    return MHD_YES;
  }
  if (r->body_len + size + 1 > r->body_cap) {
    size_t ncap = r->body_cap ? r->body_cap : 4096;
    while (ncap < r->body_len + size + 1) ncap *= 2;
    char *nb = realloc(r->body, ncap);
    if (!nb) {
      r->refused = 1; /* answered on the last call */
      r->pending = E_NOMEM;
      return MHD_YES;
    }
    r->body = nb;
    r->body_cap = ncap;
  }
  memcpy(r->body + r->body_len, data, size);
  r->body_len += size;
  r->body[r->body_len] = 0;
  return MHD_YES;
}

/* ---- writes handed to the group commit (req_defer, batch.h) ---- */

/* A request's deferred write: its job, and its outcome once the batch ended. */
struct deferred {
  struct batch_job job;
  struct req *r;
  write_fn write;
  handler_fn finish;
  atomic_int done;    /* 1 once RC and the error's field and detail are set */
  int rc;             /* the write's outcome (or the batch's) */
  const char *field;  /* on error: from the write's reply, in r->a */
  const char *detail; /* on error: likewise */
};

int req_defer(struct req *r, write_fn write, handler_fn finish)
{
  struct deferred *d = arena_alloc(&r->a, sizeof *d);
  if (!d) return E_NOMEM;
  memset(d, 0, sizeof *d);
  d->r = r;
  d->write = write;
  d->finish = finish;
  d->job.arg = d;
  r->deferred = d;
  return REQ_DEFERRED;
}

/* The write of D on DB (a batch_job's run): its error's field and detail are kept in the
 * request's arena, which nothing else touches while the request is paused. */
static int deferred_run(struct db *db, void *arg)
{
  struct deferred *d = arg;
  struct reply out = {.fd = -1};
  int rc = d->write(d->r, db, &out);
  if (rc) {
    d->field = out.field ? arena_strdup(&d->r->a, out.field) : NULL;
    d->detail = out.detail ? arena_strdup(&d->r->a, out.detail) : NULL;
  }
  json_decref(out.json);
  free(out.body);
  return rc;
}

/* The outcome of D's batch (a batch_job's done, on the batch thread): the request goes on;
 * MHD calls on_request again, which makes the reply (deferred_reply). */
static void deferred_done(void *arg, int rc)
{
  struct deferred *d = arg;
  d->rc = rc;
  atomic_store(&d->done, 1);
  MHD_resume_connection(d->r->conn);
}

/* The write of R done on R's own thread, when the batch thread does not run (stopping). */
static void deferred_inline(struct req *r)
{
  struct deferred *d = r->deferred;
  int rc = db_begin(r->db);
  if (!rc) {
    rc = deferred_run(r->db, d);
    int crc = rc ? db_rollback(r->db) : db_commit(r->db);
    if (!rc) rc = crc;
  }
  d->rc = rc;
  atomic_store(&d->done, 1);
}

/* The reply of a deferred request: the error of its write, or FINISH's reply in a read-only
 * request of its own. */
static enum MHD_Result deferred_reply(struct req *r)
{
  struct deferred *d = r->deferred;
  if (!atomic_load(&d->done)) return MHD_YES; /* not yet (MHD called early): wait */
  struct reply out = {.fd = -1};
  int rc = d->rc;
  if (rc) {
    out.field = d->field;
    out.detail = d->detail;
  } else {
    r->db = db_thread();
    rc = r->db ? db_request_begin(r->db, 1) : E_DB;
    if (!rc) rc = d->finish(r, &out);
    if (r->db) db_request_end(r->db);
    if (rc == REQ_DEFERRED) rc = E_INTERNAL; /* a finish cannot defer again */
  }
  enum MHD_Result ret =
      rc ? queue_error(r, rc, out.field, out.detail, NULL, &out) : queue_reply(r, &out);
  if (out.fd >= 0) close(out.fd);
  json_decref(out.json);
  free(out.body);
  return ret;
}

/* Pauses R and hands its write to the batch thread, or does it at once when that thread is
 * not running; the reply follows in deferred_reply(). */
static enum MHD_Result defer(struct req *r)
{
  struct deferred *d = r->deferred;
  d->job.run = deferred_run;
  d->job.done = deferred_done;
  MHD_suspend_connection(r->conn); /* before the job can end and resume it */
  if (batch_submit(&d->job) == E_OK) return MHD_YES;
  MHD_resume_connection(r->conn);
  deferred_inline(r);
  return deferred_reply(r);
}

/* The last call: parse the body, run the handler, queue its reply. */
static enum MHD_Result last_call(struct req *r)
{
  if (r->deferred) return deferred_reply(r); /* called again after its batch */
  if (r->rt->body == BODY_UPLOAD) {
    struct upload *u = r->upload;
    if (u && u->failed)
      return queue_error(r, E_INTERNAL, NULL, "服务器无法保存上传的文件", NULL, NULL);
    if (!u || !u->started || u->f.fd < 0)
      return queue_error(r, E_VALIDATION, "file", "请选择要上传的文件", NULL, NULL);
  }
  if (r->rt->body == BODY_JSON) {
    const char *detail = NULL;
    int rc = json_parse_body(r->body, r->body_len, &r->jbody, &detail, &r->a);
    if (rc) return queue_error(r, rc, NULL, detail, NULL, NULL);
  }
  struct reply out = {.fd = -1};
  int readonly = !strcmp(r->rt->method, "GET");
  int rc = db_request_begin(r->db, readonly);
  if (!rc && r->auth_later) rc = admit(r);
  if (!rc) rc = r->rt->fn(r, &out);
  db_request_end(r->db);
  int src = session_settle(r); /* what admit() left to write */
  if (src) log_error("session upkeep failed (%d) for %s %s", src, r->method, r->path);
  if (rc == REQ_DEFERRED && r->deferred) {
    if (out.fd >= 0) close(out.fd); /* a deferring handler replies later, in its finish */
    json_decref(out.json);
    free(out.body);
    return defer(r);
  }
  if (rc == REQ_DEFERRED) rc = E_INTERNAL;
  enum MHD_Result ret =
      rc ? queue_error(r, rc, out.field, out.detail, NULL, &out) : queue_reply(r, &out);
  if (out.fd >= 0) close(out.fd); /* not handed to MHD (an error reply) */
  json_decref(out.json);
  free(out.body);
  return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
  (void)cls;
  (void)version;
  struct req *r = *req_cls;
  if (!r) return first_call(c, url, method, req_cls);
  if (*upload_data_size) {
    enum MHD_Result ret = body_chunk(r, upload_data, *upload_data_size);
    *upload_data_size = 0;
    return ret;
  }
  if (r->queued) return MHD_YES;
  if (r->refused && !r->pending && !(r->upload && r->upload->failed))
    return queue_error(r, E_TOO_LARGE, NULL, NULL, NULL, NULL);
  if (r->pending)
    return queue_error(r, r->pending, NULL, r->pending_detail, r->pending_allow, NULL);
  if (r->asset) {
    enum MHD_Result ret;
    return serve_asset(r, url, &ret) ? ret : queue_error(r, E_NOT_FOUND, NULL, NULL, NULL, NULL);
  }
  return last_call(r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
  (void)cls;
  (void)c;
  struct req *r = *req_cls;
  if (!r) return;
  *req_cls = NULL;
  int64_t dur = now_us() - r->t0_us;
  int status = r->queued ? r->status : 0;
  if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && status) status = -status; /* cut short */
  log_access(r->method, r->path, status, r->bytes, (long long)dur, r->client);
  int route = r->rt                                  ? (int)(r->rt - routes)
              : r->status == 200 || r->status == 304 ? METRICS_ROUTE_ASSET
                                                     : METRICS_ROUTE_NONE;
  metrics_observe(route, status < 0 ? -status : status, dur);
  if (r->pp) MHD_destroy_post_processor(r->pp);
  if (r->upload) {
    store_abort(&r->upload->f); /* an upload the handler did not keep */
    free(r->upload->assign);
  }
  free(r->body);
  json_decref(r->jbody);
  arena_free(&r->a);
  free(r);
  atomic_fetch_sub(&in_flight, 1);
}

/* ---- daemon ---- */

/* MHD's logger callback: FMT is libmicrohttpd's own format string, not ours, hence the
 * pragma for -Wformat-nonliteral. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
  (void)cls;
  char buf[512];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  vsnprintf(buf, sizeof buf, fmt, ap);
#pragma GCC diagnostic pop
  size_t n = strlen(buf);
  while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) buf[--n] = 0;
  log_write(LOG_WARN, "libmicrohttpd", "%s", buf);
}

static void mhd_panic(void *cls, const char *file, unsigned int line, const char *reason)
{
  (void)cls;
  log_write(LOG_ERROR, "libmicrohttpd", "panic at %s:%u: %s; aborting", file ? file : "?", line,
            reason ? reason : "");
  abort();
}

/* Resolves "HOST:PORT" or "[V6]:PORT" into a socket address. Returns 0 or -1. */
static int parse_listen(const char *listen, struct sockaddr_storage *ss, int *v6)
{
  char host[256];
  const char *port;
  if (listen[0] == '[') {
    const char *end = strchr(listen, ']');
    if (!end || end[1] != ':' || (size_t)(end - listen - 1) >= sizeof host) return -1;
    snprintf(host, sizeof host, "%.*s", (int)(end - listen - 1), listen + 1);
    port = end + 2;
  } else {
    const char *colon = strrchr(listen, ':');
    if (!colon || (size_t)(colon - listen) >= sizeof host) return -1;
    snprintf(host, sizeof host, "%.*s", (int)(colon - listen), listen);
    port = colon + 1;
  }
  struct addrinfo hints = {0}, *res = NULL;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
  if (getaddrinfo(host[0] ? host : NULL, port, &hints, &res) != 0 || !res) return -1;
  memcpy(ss, res->ai_addr, res->ai_addrlen);
  *v6 = res->ai_family == AF_INET6;
  freeaddrinfo(res);
  return 0;
}

int http_start(const struct config *c, unsigned *port, char *url, size_t urllen)
{
  cfg = c;
  struct sockaddr_storage ss;
  int v6 = 0;
  if (parse_listen(c->listen, &ss, &v6) != 0) {
    log_error("cannot use listen address '%s' (want ADDR:PORT, e.g. 127.0.0.1:8080)", c->listen);
    return -1;
  }
  if (!c->tls_cert != !c->tls_key) {
    log_error("--tls-cert and --tls-key go together");
    return -1;
  }
  if (c->tls_cert && (!(tls_cert = read_pem(c->tls_cert)) || !(tls_key = read_pem(c->tls_key)))) {
    free(tls_cert);
    tls_cert = NULL;
    return -1;
  }
  if (metrics_init() != 0 || assets_build() != 0) {
    log_error("out of memory");
    return -1;
  }
  unsigned threads = c->threads;
  if (!threads) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    threads = n > 0 ? (unsigned)n : 1;
  }
  MHD_set_panic_func(mhd_panic, NULL);
  if (batch_start() != E_OK) {
    assets_free();
    metrics_free();
    return -1;
  }
  if (log_buffer_start() != 0) log_warn("access lines are written one by one (no flusher thread)");
  unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC |
                   MHD_ALLOW_SUSPEND_RESUME | (v6 ? MHD_USE_IPv6 : 0) |
                   (tls_cert ? MHD_USE_TLS : 0);
  daemon_ = MHD_start_daemon(
      flags, 0, NULL, NULL, on_request, NULL, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
      MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE, threads,
      MHD_OPTION_CONNECTION_TIMEOUT, c->timeout, MHD_OPTION_CONNECTION_LIMIT, c->max_connections,
      MHD_OPTION_PER_IP_CONNECTION_LIMIT, c->per_ip_limit, MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024,
      MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
      /* with TLS the certificate and key follow; without, the list ends here */
      tls_cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, tls_cert, MHD_OPTION_HTTPS_MEM_KEY,
      tls_key, MHD_OPTION_END);
  if (!daemon_) {
    log_error("cannot listen on %s: %s", c->listen, strerror(errno));
    log_buffer_stop();
    batch_stop();
    assets_free();
    metrics_free();
    return -1;
  }
  const union MHD_DaemonInfo *di = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT);
  *port = di ? di->port : 0;
  char host[INET6_ADDRSTRLEN] = "";
  if (v6)
    inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof host);
  else
    inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof host);
  snprintf(url, urllen, v6 ? "%s://[%s]:%u" : "%s://%s:%u", tls_cert ? "https" : "http", host,
           *port);
  log_info("serving with %u threads, timeout %us, max %u connections (%u per address)", threads,
           c->timeout, c->max_connections, c->per_ip_limit);
  return 0;
}

void http_stop(unsigned grace)
{
  if (!daemon_) return;
  atomic_store(&stopping, 1);
  MHD_socket s = MHD_quiesce_daemon(daemon_);
  if (s != MHD_INVALID_SOCKET) close(s);
  int64_t deadline = now_us() + (int64_t)grace * 1000000;
  int waited = 0;
  while (atomic_load(&in_flight) > 0 && now_us() < deadline) {
    if (!waited++) log_info("waiting for %d requests in flight", atomic_load(&in_flight));
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  if (atomic_load(&in_flight) > 0)
    log_warn("%d requests still running after %us: closing them", atomic_load(&in_flight), grace);
  batch_stop(); /* runs what is queued: no connection stays paused for MHD_stop_daemon */
  MHD_stop_daemon(daemon_);
  daemon_ = NULL;
  log_buffer_stop(); /* the threads that write access lines have ended */
  free(tls_cert);
  free(tls_key);
  tls_cert = tls_key = NULL;
  assets_free();
  metrics_free();
}

unsigned http_connections(void)
{
  if (!daemon_) return 0;
  const union MHD_DaemonInfo *di =
      MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
  return di ? di->num_connections : 0;
}
