/*
 * it_http.c - integration tests: the real `kaoping` binary started on port 0 with a temporary
 * data dir, spoken to over real HTTP (libcurl, and raw sockets where a misbehaving client is
 * needed). Covers the error shapes, security headers, assets with ETag/304, body and URL
 * limits, malformed input, timeouts, sessions and CSRF, metrics, migrations, backup while
 * serving, graceful shutdown with a request in flight, and the command-line tools.
 */
#include "testutil.h"

#include <check.h>
#include <jansson.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static struct tu_daemon d; /* the daemon of the "served" test case, with demo data */
static char jar[300];      /* a cookie jar in its data dir */

static void start_demo(void)
{
  const char *args[] = {"--demo", "--max-body", "4096", "--timeout", "2", NULL};
  ck_assert_msg(tu_start(&d, NULL, args) == 0, "daemon did not start: %s", d.out);
  snprintf(jar, sizeof jar, "%s/cookies.txt", d.dir);
}

static void stop_demo(void)
{
  ck_assert_int_eq(tu_stop(&d), 0);
  tu_rmrf(d.dir);
}

/* GET/POST helper on the demo daemon: PATH relative to its URL. */
static void req(const char *method, const char *path, const char *const headers[], const char *body,
                struct tu_resp *r)
{
  char url[9000];
  snprintf(url, sizeof url, "%s%s", d.url, path);
  tu_http(method, url, headers, body, body ? strlen(body) : 0, jar, r);
}

/* Asserts R is an error reply with CODE, parsed as JSON. */
static void assert_error(struct tu_resp *r, long status, const char *code)
{
  ck_assert_msg(r->status == status, "want %ld got %ld: %s", status, r->status, r->body);
  const char *ct = tu_header(r, "Content-Type");
  ck_assert_msg(ct && !strncmp(ct, "application/json", 16), "content type %s", ct ? ct : "none");
  json_error_t e;
  json_t *j = json_loads(r->body, 0, &e);
  ck_assert_msg(j != NULL, "not JSON: %s", r->body);
  json_t *err = json_object_get(j, "error");
  ck_assert_str_eq(json_string_value(json_object_get(err, "code")), code);
  ck_assert(json_string_length(json_object_get(err, "message")) > 0);
  json_decref(j);
}

static void assert_security_headers(struct tu_resp *r)
{
  const char *csp = tu_header(r, "Content-Security-Policy");
  ck_assert_msg(csp != NULL, "no CSP on %ld reply", r->status);
  ck_assert_ptr_nonnull(strstr(csp, "frame-ancestors 'none'"));
  ck_assert_ptr_nonnull(strstr(csp, "script-src 'self'"));
  ck_assert_ptr_null(strstr(csp, "unsafe-inline"));
  ck_assert_str_eq(tu_header(r, "X-Content-Type-Options"), "nosniff");
  ck_assert_ptr_nonnull(tu_header(r, "Referrer-Policy"));
}

static const char *const json_h[] = {"Content-Type: application/json", NULL};

START_TEST(errors_are_json_404_405)
{
  struct tu_resp r;
  req("GET", "/api/v1/nothing", NULL, NULL, &r);
  assert_error(&r, 404, "E_NOT_FOUND");
  tu_resp_free(&r);
  req("GET", "/no-such-page.html", NULL, NULL, &r);
  assert_error(&r, 404, "E_NOT_FOUND");
  tu_resp_free(&r);
  req("PUT", "/healthz", NULL, NULL, &r);
  assert_error(&r, 405, "E_METHOD");
  ck_assert_str_eq(tu_header(&r, "Allow"), "GET, HEAD");
  tu_resp_free(&r);
  req("PATCH", "/api/v1/session", NULL, NULL, &r);
  assert_error(&r, 405, "E_METHOD");
  ck_assert_str_eq(tu_header(&r, "Allow"), "POST, DELETE");
  tu_resp_free(&r);
  req("HEAD", "/healthz", NULL, NULL, &r);
  ck_assert_int_eq(r.status, 200);
  ck_assert_int_eq(r.len, 0);
  tu_resp_free(&r);
}
END_TEST

START_TEST(security_headers_on_every_kind_of_reply)
{
  struct {
    const char *method, *path, *body;
    const char *const *headers;
    long status;
  } cases[] = {
      {"GET", "/healthz", NULL, NULL, 200},
      {"GET", "/", NULL, NULL, 200},
      {"HEAD", "/", NULL, NULL, 200},
      {"GET", "/metrics", NULL, NULL, 200},
      {"GET", "/api/v1/openapi.json", NULL, NULL, 200},
      {"POST", "/api/v1/client-errors", "{\"message\":\"x\"}", json_h, 204},
      {"GET", "/api/v1/me", NULL, NULL, 401},
      {"GET", "/nope", NULL, NULL, 404},
      {"DELETE", "/healthz", NULL, NULL, 405},
      {"POST", "/api/v1/client-errors", "{", json_h, 400},
      {"POST", "/api/v1/client-errors", "x=1", NULL, 415},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct tu_resp r;
    req(cases[i].method, cases[i].path, cases[i].headers, cases[i].body, &r);
    ck_assert_msg(r.status == cases[i].status, "%s %s: %ld", cases[i].method, cases[i].path,
                  r.status);
    assert_security_headers(&r);
    tu_resp_free(&r);
  }
  /* 304 and 413 too */
  struct tu_resp r;
  req("GET", "/", NULL, NULL, &r);
  char inm[128];
  snprintf(inm, sizeof inm, "If-None-Match: %s", tu_header(&r, "ETag"));
  tu_resp_free(&r);
  const char *h[] = {inm, NULL};
  req("GET", "/", h, NULL, &r);
  ck_assert_int_eq(r.status, 304);
  assert_security_headers(&r);
  tu_resp_free(&r);
  char big[5000];
  memset(big, 'a', sizeof big - 1);
  big[sizeof big - 1] = 0;
  req("POST", "/api/v1/client-errors", json_h, big, &r);
  ck_assert_int_eq(r.status, 413);
  assert_security_headers(&r);
  tu_resp_free(&r);
}
END_TEST

START_TEST(assets_have_types_etags_and_304)
{
  struct tu_resp r;
  req("GET", "/", NULL, NULL, &r);
  ck_assert_int_eq(r.status, 200);
  ck_assert_str_eq(tu_header(&r, "Content-Type"), "text/html; charset=utf-8");
  ck_assert_ptr_nonnull(strstr(r.body, "<html"));
  ck_assert_ptr_nonnull(strstr(r.body, "lang=\"zh-CN\""));
  char etag[64];
  snprintf(etag, sizeof etag, "%s", tu_header(&r, "ETag"));
  ck_assert_int_eq(etag[0], '"');
  tu_resp_free(&r);
  char inm[128];
  snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
  const char *h[] = {inm, NULL};
  req("GET", "/index.html", h, NULL, &r);
  ck_assert_int_eq(r.status, 304);
  ck_assert_int_eq(r.len, 0);
  ck_assert_str_eq(tu_header(&r, "ETag"), etag);
  tu_resp_free(&r);
  const char *stale[] = {"If-None-Match: \"0000\"", NULL};
  req("GET", "/", stale, NULL, &r);
  ck_assert_int_eq(r.status, 200);
  tu_resp_free(&r);
  req("GET", "/js/main.js", NULL, NULL, &r);
  ck_assert_int_eq(r.status, 200);
  ck_assert_str_eq(tu_header(&r, "Content-Type"), "text/javascript; charset=utf-8");
  tu_resp_free(&r);
  req("GET", "/css/app.css", NULL, NULL, &r);
  ck_assert_str_eq(tu_header(&r, "Content-Type"), "text/css; charset=utf-8");
  tu_resp_free(&r);
  req("GET", "/i18n/zh-CN.js", NULL, NULL, &r);
  ck_assert_int_eq(r.status, 200);
  ck_assert_ptr_nonnull(strstr(r.body, "考"));
  tu_resp_free(&r);
  req("POST", "/index.html", json_h, "{}", &r);
  assert_error(&r, 404, "E_NOT_FOUND");
  tu_resp_free(&r);
}
END_TEST

START_TEST(body_limits_413)
{
  struct tu_resp r;
  char big[6000];
  memset(big, ' ', sizeof big - 1);
  big[sizeof big - 1] = 0;
  big[0] = '{';
  big[sizeof big - 2] = '}';
  req("POST", "/api/v1/client-errors", json_h, big, &r); /* Content-Length 5999 > 4096 */
  assert_error(&r, 413, "E_TOO_LARGE");
  tu_resp_free(&r);
  /* Chunked: no Content-Length, the cap is enforced while reading. */
  const char *chunked[] = {"Content-Type: application/json", "Transfer-Encoding: chunked", NULL};
  req("POST", "/api/v1/client-errors", chunked, big, &r);
  assert_error(&r, 413, "E_TOO_LARGE");
  tu_resp_free(&r);
  /* A body on a route that takes none: authentication comes first, then the body check. */
  req("DELETE", "/api/v1/session", json_h, "{}", &r);
  ck_assert_int_eq(r.status, 401);
  tu_resp_free(&r);
  char csrf[65], tok[100];
  ck_assert_int_eq(tu_login(d.url, "admin", "kaoping-demo", jar, csrf), 200);
  snprintf(tok, sizeof tok, "X-CSRF-Token: %s", csrf);
  const char *signed_in[] = {"Content-Type: application/json", tok, NULL};
  req("DELETE", "/api/v1/session", signed_in, "{}", &r);
  ck_assert_int_eq(r.status, 413);
  tu_resp_free(&r);
  /* The daemon still serves. */
  req("GET", "/healthz", NULL, NULL, &r);
  ck_assert_int_eq(r.status, 200);
  tu_resp_free(&r);
}
END_TEST

START_TEST(malformed_json_and_utf8_400)
{
  struct {
    const char *body;
    long status;
    const char *code;
  } cases[] = {
      {"{\"message\":", 400, "E_BAD_JSON"},
      {"", 400, "E_BAD_JSON"},
      {"[1]", 400, "E_BAD_JSON"},
      {"{\"message\":\"a\",\"message\":\"b\"}", 400, "E_BAD_JSON"},
      {"{\"message\":\"\xff\xfe\"}", 400, "E_BAD_UTF8"},
      {"{\"message\":\"\xed\xa0\x80\"}", 400, "E_BAD_UTF8"},
      {"{\"message\":\"x\",\"evil\":1}", 400, "E_VALIDATION"},
      {"{\"message\":1}", 400, "E_VALIDATION"},
      {"{\"line\":1}", 400, "E_VALIDATION"},
      {"{\"message\":\"ok\",\"line\":-5}", 400, "E_VALIDATION"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct tu_resp r;
    char url[128];
    snprintf(url, sizeof url, "%s/api/v1/client-errors", d.url);
    tu_http("POST", url, json_h, cases[i].body, strlen(cases[i].body), NULL, &r);
    assert_error(&r, cases[i].status, cases[i].code);
    tu_resp_free(&r);
  }
  struct tu_resp r;
  req("POST", "/api/v1/client-errors", NULL, "{\"message\":\"x\"}", &r); /* form content type */
  assert_error(&r, 415, "E_MEDIA_TYPE");
  tu_resp_free(&r);
  req("GET", "/api/%ff%fe", NULL, NULL, &r);
  assert_error(&r, 400, "E_BAD_UTF8");
  tu_resp_free(&r);
}
END_TEST

START_TEST(long_urls_and_headers)
{
  char path[8300] = "/api/";
  memset(path + 5, 'a', 8192);
  path[8197] = 0;
  struct tu_resp r;
  req("GET", path, NULL, NULL, &r);
  assert_error(&r, 414, "E_URI_TOO_LONG");
  tu_resp_free(&r);
  /* A 64 KiB header does not fit MHD's per-connection memory: it answers 431 or hangs up. */
  static char hdr[70000];
  memcpy(hdr, "X-Big: ", 7);
  memset(hdr + 7, 'b', 65536);
  hdr[7 + 65536] = 0;
  const char *h[] = {hdr, NULL};
  req("GET", "/healthz", h, NULL, &r);
  ck_assert_msg(r.status == 431 || r.status == 0, "status %ld", r.status);
  tu_resp_free(&r);
  req("GET", "/healthz", NULL, NULL, &r);
  ck_assert_int_eq(r.status, 200);
  tu_resp_free(&r);
}
END_TEST

START_TEST(idle_and_trickling_connections_are_closed)
{
  int fd = tu_connect(d.port);
  ck_assert_int_ge(fd, 0);
  long long t0 = tu_now_ms();
  char buf[512];
  int closed = 0;
  tu_recv(fd, buf, sizeof buf, 6000, &closed);
  ck_assert_msg(closed, "idle connection still open after 6 s (timeout 2 s)");
  ck_assert_int_lt(tu_now_ms() - t0, 5000);
  close(fd);
  /* Half a request line, then silence. */
  fd = tu_connect(d.port);
  ck_assert_int_eq(tu_send(fd, "GET /heal"), 0);
  tu_recv(fd, buf, sizeof buf, 6000, &closed);
  ck_assert(closed);
  close(fd);
  /* Headers complete but the announced body never comes. */
  fd = tu_connect(d.port);
  ck_assert_int_eq(tu_send(fd,
                           "POST /api/v1/client-errors HTTP/1.1\r\nHost: x\r\n"
                           "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"mes"),
                   0);
  tu_recv(fd, buf, sizeof buf, 6000, &closed);
  ck_assert(closed);
  close(fd);
}
END_TEST

START_TEST(sessions_login_csrf_logout)
{
  char csrf[65];
  ck_assert_int_eq(tu_login(d.url, "admin", "wrong-password", jar, csrf), 401);
  ck_assert_int_eq(tu_login(d.url, "nobody", "kaoping-demo", jar, csrf), 401);
  struct tu_resp r;
  req("POST", "/api/v1/session", json_h, "{\"login\":\"admin\",\"password\":\"kaoping-demo\"}", &r);
  ck_assert_int_eq(r.status, 200);
  const char *cookie = tu_header(&r, "Set-Cookie");
  ck_assert_ptr_nonnull(cookie);
  ck_assert_ptr_nonnull(strstr(cookie, "kp_session="));
  ck_assert_ptr_nonnull(strstr(cookie, "HttpOnly"));
  ck_assert_ptr_nonnull(strstr(cookie, "SameSite=Strict"));
  json_t *j = json_loads(r.body, 0, NULL);
  ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "user"), "role")), "admin");
  snprintf(csrf, sizeof csrf, "%s", json_string_value(json_object_get(j, "csrf_token")));
  json_decref(j);
  tu_resp_free(&r);
  ck_assert_int_eq(strlen(csrf), 64);

  req("GET", "/api/v1/me", NULL, NULL, &r);
  ck_assert_int_eq(r.status, 200);
  ck_assert_ptr_nonnull(strstr(r.body, "\"login\":\"admin\""));
  tu_resp_free(&r);

  req("DELETE", "/api/v1/session", NULL, NULL, &r);
  assert_error(&r, 403, "E_CSRF");
  tu_resp_free(&r);
  char tok[100], bad[100];
  snprintf(tok, sizeof tok, "X-CSRF-Token: %s", csrf);
  snprintf(bad, sizeof bad, "X-CSRF-Token: %.63sX", csrf);
  const char *wrong[] = {bad, NULL};
  req("DELETE", "/api/v1/session", wrong, NULL, &r);
  assert_error(&r, 403, "E_CSRF");
  tu_resp_free(&r);
  const char *cross[] = {tok, "Origin: http://evil.example", NULL};
  req("DELETE", "/api/v1/session", cross, NULL, &r);
  assert_error(&r, 403, "E_CSRF");
  tu_resp_free(&r);
  const char *site[] = {tok, "Sec-Fetch-Site: cross-site", NULL};
  req("DELETE", "/api/v1/session", site, NULL, &r);
  assert_error(&r, 403, "E_CSRF");
  tu_resp_free(&r);
  char origin[128];
  snprintf(origin, sizeof origin, "Origin: %s", d.url);
  const char *good[] = {tok, origin, "Sec-Fetch-Site: same-origin", NULL};
  req("DELETE", "/api/v1/session", good, NULL, &r);
  ck_assert_int_eq(r.status, 204);
  tu_resp_free(&r);
  req("GET", "/api/v1/me", NULL, NULL, &r);
  assert_error(&r, 401, "E_UNAUTHENTICATED");
  tu_resp_free(&r);

  /* A unit user sees their unit. */
  ck_assert_int_eq(tu_login(d.url, "unit-YL-SFJ", "kaoping-demo", jar, csrf), 200);
  /* Signing in again from the same browser replaces the session: the old one is gone. */
  char oldjar[320];
  snprintf(oldjar, sizeof oldjar, "%s.old", jar);
  char cp[700];
  snprintf(cp, sizeof cp, "cp %s %s", jar, oldjar);
  ck_assert_int_eq(system(cp), 0);
  ck_assert_int_eq(tu_login(d.url, "unit-YL-SFJ", "kaoping-demo", jar, csrf), 200);
  char me[128];
  snprintf(me, sizeof me, "%s/api/v1/me", d.url);
  tu_http("GET", me, NULL, NULL, 0, oldjar, &r);
  ck_assert_int_eq(r.status, 401);
  tu_resp_free(&r);
  req("GET", "/api/v1/me", NULL, NULL, &r);
  ck_assert_ptr_nonnull(strstr(r.body, "\"code\":\"YL-SFJ\""));
  tu_resp_free(&r);
}
END_TEST

START_TEST(login_throttling_answers_429)
{
  char csrf[65];
  for (int i = 0; i < 5; i++)
    ck_assert_int_eq(tu_login(d.url, "reviewer1", "wrong-pass-1", NULL, csrf), 401);
  struct tu_resp r;
  char url[128];
  snprintf(url, sizeof url, "%s/api/v1/session", d.url);
  const char *body = "{\"login\":\"reviewer1\",\"password\":\"kaoping-demo\"}";
  tu_http("POST", url, json_h, body, strlen(body), NULL, &r);
  assert_error(&r, 429, "E_THROTTLED");
  const char *ra = tu_header(&r, "Retry-After");
  ck_assert_ptr_nonnull(ra);
  ck_assert_int_ge(atoi(ra), 1);
  tu_resp_free(&r);
  sleep(3); /* 2^0 .. 2 s wait after five failures */
  ck_assert_int_eq(tu_login(d.url, "reviewer1", "kaoping-demo", NULL, csrf), 200);
}
END_TEST

START_TEST(metrics_and_openapi)
{
  struct tu_resp r;
  req("GET", "/healthz", NULL, NULL, &r);
  ck_assert_ptr_nonnull(strstr(r.body, "\"demo\":true"));
  tu_resp_free(&r);
  req("GET", "/nope", NULL, NULL, &r);
  tu_resp_free(&r);
  req("GET", "/metrics", NULL, NULL, &r);
  ck_assert_int_eq(r.status, 200);
  ck_assert_ptr_nonnull(strstr(tu_header(&r, "Content-Type"), "text/plain"));
  ck_assert_ptr_nonnull(strstr(
      r.body, "kaoping_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"}"));
  ck_assert_ptr_nonnull(
      strstr(r.body, "kaoping_http_requests_total{method=\"\",route=\"none\",status=\"404\"} 1"));
  ck_assert_ptr_nonnull(
      strstr(r.body, "kaoping_http_request_duration_seconds_bucket{le=\"+Inf\"}"));
  const char *db = strstr(r.body, "\nkaoping_db_size_bytes ");
  ck_assert_ptr_nonnull(db);
  ck_assert_int_gt(atoll(db + strlen("\nkaoping_db_size_bytes ")), 4096);
  tu_resp_free(&r);
  req("GET", "/api/v1/openapi.json", NULL, NULL, &r);
  ck_assert_int_eq(r.status, 200);
  json_t *j = json_loads(r.body, 0, NULL);
  ck_assert_ptr_nonnull(json_object_get(json_object_get(j, "paths"), "/api/v1/session"));
  json_decref(j);
  tu_resp_free(&r);
}
END_TEST

/* Counts rows in the SQLite file PATH with SQL. */
static long long file_count(const char *path, const char *sql)
{
  sqlite3 *h;
  ck_assert_int_eq(sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  sqlite3_stmt *st;
  ck_assert_int_eq(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
  ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
  long long n = sqlite3_column_type(st, 0) == SQLITE_TEXT
                    ? !strcmp((const char *)sqlite3_column_text(st, 0), "ok")
                    : sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(h);
  return n;
}

START_TEST(backup_while_serving_and_writing)
{
  /* A writer keeps signing in and out (each login writes a session and audit rows). */
  pid_t writer = fork();
  ck_assert_int_ge(writer, 0);
  if (writer == 0) {
    char csrf[65];
    for (int i = 0; i < 200; i++)
      tu_login(d.url, "admin", i % 2 ? "kaoping-demo" : "x-wrong-pass", NULL, csrf);
    _exit(0);
  }
  usleep(100000);
  char dest[300], out[2048];
  snprintf(dest, sizeof dest, "%s/backup.db", d.dir);
  const char *argv[] = {"backup", "--data-dir", d.dir, dest, NULL};
  int status = tu_run(argv, NULL, out, sizeof out);
  ck_assert_msg(status == 0, "backup failed: %s", out);
  ck_assert_ptr_nonnull(strstr(out, "integrity ok"));
  waitpid(writer, NULL, 0);
  ck_assert_int_eq(file_count(dest, "PRAGMA integrity_check"), 1);
  ck_assert_int_eq(file_count(dest, "SELECT count(*) FROM unit"), 20);
  ck_assert_int_eq(file_count(dest, "SELECT count(*) FROM user"), 27);
  ck_assert_int_eq(file_count(dest, "SELECT count(*) FROM report"), 18);
  ck_assert_int_gt(file_count(dest, "SELECT count(*) FROM indicator"), 30);
  ck_assert_int_gt(file_count(dest, "SELECT count(*) FROM audit"), 27);
  /* The same file again is refused rather than overwritten. */
  ck_assert_int_eq(tu_run(argv, NULL, out, sizeof out), 1);
  ck_assert_ptr_nonnull(strstr(out, "already exists"));
}
END_TEST

START_TEST(report_files_are_in_the_store)
{
  char db[300], path[600];
  snprintf(db, sizeof db, "%s/kaoping.db", d.dir);
  sqlite3 *h;
  ck_assert_int_eq(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  sqlite3_stmt *st;
  ck_assert_int_eq(sqlite3_prepare_v2(h, "SELECT sha256, size FROM report", -1, &st, NULL),
                   SQLITE_OK);
  int n = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    const char *sha = (const char *)sqlite3_column_text(st, 0);
    snprintf(path, sizeof path, "%s/store/%.2s/%s", d.dir, sha, sha + 2);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "missing %s", path);
    fseek(f, 0, SEEK_END);
    ck_assert_int_eq(ftell(f), sqlite3_column_int64(st, 1));
    fclose(f);
    n++;
  }
  sqlite3_finalize(st);
  sqlite3_close(h);
  ck_assert_int_eq(n, 18);
}
END_TEST

/* ---- cases that start their own daemons ---- */

START_TEST(graceful_shutdown_finishes_request_in_flight)
{
  struct tu_daemon g;
  ck_assert_int_eq(tu_start(&g, NULL, NULL), 0);
  int fd = tu_connect(g.port);
  ck_assert_int_ge(fd, 0);
  const char *body = "{\"message\":\"in flight\"}";
  char head[256];
  snprintf(head, sizeof head,
           "POST /api/v1/client-errors HTTP/1.1\r\nHost: 127.0.0.1\r\n"
           "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%.8s",
           strlen(body), body);
  ck_assert_int_eq(tu_send(fd, head), 0);
  usleep(300000);
  kill(g.pid, SIGTERM);
  usleep(300000);
  /* The daemon no longer accepts connections but waits for this request. */
  ck_assert_int_lt(tu_connect(g.port), 0);
  ck_assert_int_eq(tu_send(fd, body + 8), 0);
  char buf[2048];
  int closed;
  tu_recv(fd, buf, sizeof buf, 5000, &closed);
  ck_assert_msg(!strncmp(buf, "HTTP/1.1 204", 12), "reply: %s", buf);
  ck_assert_ptr_nonnull(strstr(buf, "Connection: close"));
  close(fd);
  int status = 0;
  waitpid(g.pid, &status, 0);
  ck_assert(WIFEXITED(status));
  ck_assert_int_eq(WEXITSTATUS(status), 0);
  char log[300], text[65536];
  snprintf(log, sizeof log, "%s/daemon.log", g.dir);
  FILE *f = fopen(log, "r");
  size_t n = fread(text, 1, sizeof text - 1, f);
  fclose(f);
  text[n] = 0;
  ck_assert_ptr_nonnull(strstr(text, "waiting for 1 requests in flight"));
  ck_assert_ptr_nonnull(strstr(text, "database closed"));
  ck_assert_ptr_nonnull(strstr(text, "POST /api/v1/client-errors 204"));
  tu_rmrf(g.dir);
}
END_TEST

/* The number of lines of DIR/daemon.log that contain NEEDLE. */
static int log_lines_with(const char *dir, const char *needle)
{
  char path[300];
  snprintf(path, sizeof path, "%s/daemon.log", dir);
  size_t len = 0;
  char *text = tu_slurp(path, &len);
  int n = 0;
  for (char *p = text; p && (p = strstr(p, needle)); p += strlen(needle)) n++;
  free(text);
  return n;
}

/* Access lines are gathered per thread and written in bulk: each must still reach the log
 * within a moment of its request (the flusher), a full buffer must be written by its thread,
 * and a graceful stop must write whatever is left. */
START_TEST(access_lines_reach_the_log)
{
  struct tu_daemon g;
  ck_assert_int_eq(tu_start(&g, NULL, NULL), 0);
  char url[160];
  /* 300 lines of ~80 bytes: more than one 16 KB buffer holds */
  for (int i = 0; i < 300; i++) {
    struct tu_resp r;
    snprintf(url, sizeof url, "%s/api/v1/log-probe-a%d", g.url, i);
    ck_assert_int_eq(tu_http("GET", url, NULL, NULL, 0, NULL, &r), 0);
    ck_assert_int_eq(r.status, 404);
    tu_resp_free(&r);
  }
  long long t0 = tu_now_ms();
  int seen = 0;
  while ((seen = log_lines_with(g.dir, "access GET /api/v1/log-probe-a")) < 300 &&
         tu_now_ms() - t0 < 3000)
    usleep(20000);
  ck_assert_int_eq(seen, 300);
  /* a few more, then a stop at once: the stop writes them */
  for (int i = 0; i < 5; i++) {
    struct tu_resp r;
    snprintf(url, sizeof url, "%s/api/v1/log-probe-b%d", g.url, i);
    ck_assert_int_eq(tu_http("GET", url, NULL, NULL, 0, NULL, &r), 0);
    tu_resp_free(&r);
  }
  ck_assert_int_eq(tu_stop(&g), 0);
  ck_assert_int_eq(log_lines_with(g.dir, "access GET /api/v1/log-probe-b"), 5);
  ck_assert_int_eq(log_lines_with(g.dir, " 404 "), 305);
  tu_rmrf(g.dir);
}
END_TEST

START_TEST(storage_migrations_restart_and_newer_schema)
{
  struct tu_daemon g;
  ck_assert_int_eq(tu_start(&g, NULL, NULL), 0);
  ck_assert_ptr_nonnull(strstr(g.out, "no admin account yet"));
  char dir[256];
  snprintf(dir, sizeof dir, "%s", g.dir);
  /* A second daemon on the same data dir is refused. */
  struct tu_daemon other;
  ck_assert_int_eq(tu_start(&other, dir, NULL), -1);
  ck_assert_int_eq(tu_stop(&g), 0);
  char out[4096];
  const char *add[] = {"user",   "add",   "--data-dir", dir,   "--login", "chief",
                       "--role", "admin", "--pwhash",   "min", NULL};
  ck_assert_int_eq(tu_run(add, "too-short\n", out, sizeof out), 1);
  ck_assert_ptr_nonnull(strstr(out, "10"));
  ck_assert_int_eq(tu_run(add, "a long enough secret\n", out, sizeof out), 0);
  ck_assert_ptr_nonnull(strstr(out, "created"));
  ck_assert_int_eq(tu_run(add, "a long enough secret\n", out, sizeof out), 1); /* taken */
  /* Restart on the existing database: nothing lost, no admin hint, login works. */
  ck_assert_int_eq(tu_start(&g, dir, NULL), 0);
  ck_assert_ptr_null(strstr(g.out, "no admin account yet"));
  char csrf[65];
  ck_assert_int_eq(tu_login(g.url, "chief", "a long enough secret", NULL, csrf), 200);
  ck_assert_int_eq(tu_stop(&g), 0);
  const char *verify[] = {"audit", "verify", "--data-dir", dir, NULL};
  ck_assert_int_eq(tu_run(verify, NULL, out, sizeof out), 0);
  ck_assert_ptr_nonnull(strstr(out, "audit chain ok: 2 entries"));
  /* Tampering with the trail is detected. */
  char db[300];
  snprintf(db, sizeof db, "%s/kaoping.db", dir);
  sqlite3 *h;
  ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
  ck_assert_int_eq(
      sqlite3_exec(h, "UPDATE audit SET actor = 'someone-else' WHERE id = 1", NULL, NULL, NULL),
      SQLITE_OK);
  sqlite3_stmt *vs;
  ck_assert_int_eq(sqlite3_prepare_v2(h, "PRAGMA user_version", -1, &vs, NULL), SQLITE_OK);
  ck_assert_int_eq(sqlite3_step(vs), SQLITE_ROW);
  char restore[64];
  snprintf(restore, sizeof restore, "PRAGMA user_version = %d", sqlite3_column_int(vs, 0));
  sqlite3_finalize(vs);
  ck_assert_int_eq(sqlite3_exec(h, "PRAGMA user_version = 999", NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(h);
  /* A database from a newer kaoping is refused with a clear message. */
  ck_assert_int_eq(tu_start(&g, dir, NULL), -1);
  char log[300], text[65536];
  snprintf(log, sizeof log, "%s/daemon.log", dir);
  FILE *f = fopen(log, "r");
  size_t n = fread(text, 1, sizeof text - 1, f);
  fclose(f);
  text[n] = 0;
  ck_assert_ptr_nonnull(strstr(text, "newer than this kaoping"));
  ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
  ck_assert_int_eq(sqlite3_exec(h, restore, NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(h);
  ck_assert_int_eq(tu_run(verify, NULL, out, sizeof out), 1);
  ck_assert_ptr_nonnull(strstr(out, "BROKEN at entry 1"));
  tu_rmrf(dir);
}
END_TEST

START_TEST(command_line)
{
  char out[8192];
  const char *version[] = {"--version", NULL};
  ck_assert_int_eq(tu_run(version, NULL, out, sizeof out), 0);
  ck_assert_int_eq(strncmp(out, "kaoping ", 8), 0);
  const char *help[] = {"--help", NULL};
  ck_assert_int_eq(tu_run(help, NULL, out, sizeof out), 0);
  const char *want[] = {"serve",    "backup",         "user add",   "audit verify",
                        "--listen", "KAOPING_LISTEN", "--data-dir", "KAOPING_DATA_DIR",
                        "--demo",   "--threads",      "--web-root", NULL};
  for (int i = 0; want[i]; i++)
    ck_assert_msg(strstr(out, want[i]) != NULL, "help lacks %s", want[i]);
  const char *bad[] = {"serve", "--no-such-flag", NULL};
  ck_assert_int_eq(tu_run(bad, NULL, out, sizeof out), 2);
  ck_assert_ptr_nonnull(strstr(out, "unknown option"));
  const char *nocmd[] = {"frobnicate", NULL};
  ck_assert_int_eq(tu_run(nocmd, NULL, out, sizeof out), 2);
  const char *badlisten[] = {
      "serve", "--listen", "nonsense", "--data-dir", "/tmp/kaoping-test-nolisten", NULL};
  ck_assert_int_eq(tu_run(badlisten, NULL, out, sizeof out), 1);
  ck_assert_ptr_nonnull(strstr(out, "listen address"));
  tu_rmrf("/tmp/kaoping-test-nolisten");
}
END_TEST

START_TEST(web_root_serves_from_disk)
{
  char web[256], file[300];
  tu_tmpdir(web, sizeof web);
  snprintf(file, sizeof file, "%s/index.html", web);
  FILE *f = fopen(file, "w");
  fputs("<!doctype html><html lang=\"zh-CN\"><title>dev copy</title></html>", f);
  fclose(f);
  const char *args[] = {"--web-root", web, NULL};
  struct tu_daemon g;
  ck_assert_int_eq(tu_start(&g, NULL, args), 0);
  char url[128];
  struct tu_resp r;
  snprintf(url, sizeof url, "%s/", g.url);
  tu_http("GET", url, NULL, NULL, 0, NULL, &r);
  ck_assert_int_eq(r.status, 200);
  ck_assert_ptr_nonnull(strstr(r.body, "dev copy"));
  char inm[128];
  snprintf(inm, sizeof inm, "If-None-Match: %s", tu_header(&r, "ETag"));
  tu_resp_free(&r);
  const char *h[] = {inm, NULL};
  tu_http("GET", url, h, NULL, 0, NULL, &r);
  ck_assert_int_eq(r.status, 304);
  tu_resp_free(&r);
  snprintf(url, sizeof url, "%s/../kaoping.db", g.url);
  tu_http("GET", url, NULL, NULL, 0, NULL, &r);
  ck_assert_int_eq(r.status, 404);
  tu_resp_free(&r);
  snprintf(url, sizeof url, "%s/%%2e%%2e/%%2e%%2e/etc/passwd", g.url);
  tu_http("GET", url, NULL, NULL, 0, NULL, &r);
  ck_assert_int_eq(r.status, 404);
  tu_resp_free(&r);
  ck_assert_int_eq(tu_stop(&g), 0);
  tu_rmrf(g.dir);
  tu_rmrf(web);
}
END_TEST

START_TEST(tls_serves_https_with_hsts_and_secure_cookies)
{
  char dir[256], cert[300], key[300], cmd[1200];
  tu_tmpdir(dir, sizeof dir);
  snprintf(cert, sizeof cert, "%s/cert.pem", dir);
  snprintf(key, sizeof key, "%s/key.pem", dir);
  snprintf(
      cmd, sizeof cmd,
      "openssl req -x509 -newkey rsa:2048 -nodes -keyout %s -out %s -days 2 -subj /CN=127.0.0.1 "
      "-addext subjectAltName=IP:127.0.0.1 2>/dev/null",
      key, cert);
  ck_assert_int_eq(system(cmd), 0);
  const char *args[] = {"--demo", "--tls-cert", cert, "--tls-key", key, NULL};
  struct tu_daemon g;
  ck_assert_msg(tu_start(&g, NULL, args) == 0, "no TLS daemon: %s", g.out);
  ck_assert_int_eq(strncmp(g.url, "https://", 8), 0);
  setenv("KAOPING_TEST_CA", cert, 1);
  char url[200];
  struct tu_resp r;
  snprintf(url, sizeof url, "%s/healthz", g.url);
  tu_http("GET", url, NULL, NULL, 0, NULL, &r);
  ck_assert_msg(r.status == 200, "curl error %d", r.curl_error);
  ck_assert_str_eq(tu_header(&r, "Strict-Transport-Security"), "max-age=31536000");
  tu_resp_free(&r);
  snprintf(url, sizeof url, "%s/api/v1/session", g.url);
  const char *h[] = {"Content-Type: application/json", NULL};
  const char *body = "{\"login\":\"admin\",\"password\":\"kaoping-demo\"}";
  tu_http("POST", url, h, body, strlen(body), NULL, &r);
  ck_assert_int_eq(r.status, 200);
  ck_assert_ptr_nonnull(strstr(tu_header(&r, "Set-Cookie"), "; Secure"));
  tu_resp_free(&r);
  /* Plain HTTP to the TLS port gets no HTTP answer. */
  snprintf(url, sizeof url, "http://127.0.0.1:%d/healthz", g.port);
  tu_http("GET", url, NULL, NULL, 0, NULL, &r);
  ck_assert_int_ne(r.status, 200);
  tu_resp_free(&r);
  unsetenv("KAOPING_TEST_CA");
  ck_assert_int_eq(tu_stop(&g), 0);
  tu_rmrf(g.dir);
  /* A missing key file stops the start with a message. */
  const char *bad[] = {"--tls-cert", cert, "--tls-key", "/nonexistent.pem", NULL};
  ck_assert_int_eq(tu_start(&g, NULL, bad), -1);
  tu_rmrf(g.dir);
  tu_rmrf(dir);
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("http");
  TCase *served = tcase_create("served");
  tcase_add_checked_fixture(served, start_demo, stop_demo);
  tcase_set_timeout(served, 120);
  tcase_add_test(served, errors_are_json_404_405);
  tcase_add_test(served, security_headers_on_every_kind_of_reply);
  tcase_add_test(served, assets_have_types_etags_and_304);
  tcase_add_test(served, body_limits_413);
  tcase_add_test(served, malformed_json_and_utf8_400);
  tcase_add_test(served, long_urls_and_headers);
  tcase_add_test(served, idle_and_trickling_connections_are_closed);
  tcase_add_test(served, sessions_login_csrf_logout);
  tcase_add_test(served, login_throttling_answers_429);
  tcase_add_test(served, metrics_and_openapi);
  tcase_add_test(served, backup_while_serving_and_writing);
  tcase_add_test(served, report_files_are_in_the_store);
  suite_add_tcase(s, served);
  TCase *own = tcase_create("own daemons");
  tcase_set_timeout(own, 120);
  tcase_add_test(own, graceful_shutdown_finishes_request_in_flight);
  tcase_add_test(own, access_lines_reach_the_log);
  tcase_add_test(own, storage_migrations_restart_and_newer_schema);
  tcase_add_test(own, command_line);
  tcase_add_test(own, web_root_serves_from_disk);
  tcase_add_test(own, tls_serves_https_with_hsts_and_secure_cookies);
  suite_add_tcase(s, own);
  return s;
}

int main(void)
{
  return tu_run_suite(suite());
}
