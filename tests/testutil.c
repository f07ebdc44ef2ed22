/*
 * testutil.c - helpers for kaoping's Check suites (see testutil.h).
 */
#include "testutil.h"

#include "crypto.h"
#include "db.h"
#include "err.h"

#include <arpa/inet.h>
#include <check.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

long long tu_now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void tu_tmpdir(char *buf, size_t cap)
{
  snprintf(buf, cap, "/tmp/kaoping-test-XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(buf));
}

char tu_db_dir[256];

void tu_db_setup(void)
{
  tu_tmpdir(tu_db_dir, sizeof tu_db_dir);
  ck_assert_int_eq(crypto_init("min"), 0);
}

long long tu_db_int(struct db *db, const char *sql)
{
  int64_t n = -1;
  db_stmt *st = db_prepare(db, sql);
  ck_assert_ptr_nonnull(st);
  ck_assert_int_eq(db_one_int(st, &n), E_OK);
  return (long long)n;
}

void tu_db_teardown(void)
{
  db_global_close();
  tu_rmrf(tu_db_dir);
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
  (void)sb;
  (void)flag;
  (void)ftw;
  return remove(path);
}

void tu_rmrf(const char *dir)
{
  nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static const char *bin(void)
{
  const char *b = getenv("KAOPING_BIN");
  ck_assert_msg(b != NULL, "KAOPING_BIN is not set (run the tests through ctest)");
  return b;
}

int tu_start(struct tu_daemon *d, const char *dir, const char *const args[])
{
  memset(d, 0, sizeof *d);
  if (dir)
    snprintf(d->dir, sizeof d->dir, "%s", dir);
  else
    tu_tmpdir(d->dir, sizeof d->dir);
  int pipefd[2];
  ck_assert_int_eq(pipe(pipefd), 0);
  const char *argv[40] = {bin(),        "serve", "--listen", "127.0.0.1:0",
                          "--data-dir", d->dir,  "--pwhash", "min"};
  int n = 8;
  for (int i = 0; args && args[i] && n < 39; i++) argv[n++] = args[i];
  argv[n] = NULL;
  char log[300];
  snprintf(log, sizeof log, "%s/daemon.log", d->dir);
  d->pid = fork();
  ck_assert_int_ge(d->pid, 0);
  if (d->pid == 0) {
    dup2(pipefd[1], STDOUT_FILENO);
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) dup2(fd, STDERR_FILENO);
    close(pipefd[0]);
    execv(argv[0], (char *const *)argv);
    _exit(127);
  }
  close(pipefd[1]);
  size_t len = 0;
  long long deadline = tu_now_ms() + 30000;
  while (tu_now_ms() < deadline && len + 1 < sizeof d->out) {
    struct pollfd p = {pipefd[0], POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;
    ssize_t r = read(pipefd[0], d->out + len, sizeof d->out - 1 - len);
    if (r <= 0) break;
    len += (size_t)r;
    d->out[len] = 0;
    const char *l = strstr(d->out, "listening on http");
    const char *host = l ? strstr(l, "://127.0.0.1:") : NULL;
    if (host && strchr(host, '\n')) {
      int tls = l[strlen("listening on http")] == 's';
      d->port = atoi(host + strlen("://127.0.0.1:"));
      snprintf(d->url, sizeof d->url, "%s://127.0.0.1:%d", tls ? "https" : "http", d->port);
      break;
    }
  }
  close(pipefd[0]);
  if (d->port) return 0;
  kill(d->pid, SIGKILL);
  waitpid(d->pid, NULL, 0);
  d->pid = 0;
  return -1;
}

int tu_stop(struct tu_daemon *d)
{
  if (d->pid <= 0) return -1;
  int status = 0;
  kill(d->pid, SIGTERM);
  waitpid(d->pid, &status, 0);
  d->pid = 0;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int tu_run(const char *const argv[], const char *input, char *out, size_t outlen)
{
  int in[2], o[2];
  ck_assert_int_eq(pipe(in), 0);
  ck_assert_int_eq(pipe(o), 0);
  const char *full[40] = {bin()};
  int n = 1;
  for (int i = 0; argv[i] && n < 39; i++) full[n++] = argv[i];
  full[n] = NULL;
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    dup2(in[0], STDIN_FILENO);
    dup2(o[1], STDOUT_FILENO);
    dup2(o[1], STDERR_FILENO);
    close(in[1]);
    close(o[0]);
    execv(full[0], (char *const *)full);
    _exit(127);
  }
  close(in[0]);
  close(o[1]);
  if (input) {
    ssize_t w = write(in[1], input, strlen(input));
    (void)w;
  }
  close(in[1]);
  size_t len = 0;
  ssize_t r;
  while (len + 1 < outlen && (r = read(o[0], out + len, outlen - 1 - len)) > 0) len += (size_t)r;
  out[len] = 0;
  close(o[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static size_t on_body(char *p, size_t size, size_t n, void *userp)
{
  struct tu_resp *r = userp;
  size_t add = size * n;
  char *nb = realloc(r->body, r->len + add + 1);
  if (!nb) return 0;
  memcpy(nb + r->len, p, add);
  r->body = nb;
  r->len += add;
  r->body[r->len] = 0;
  return add;
}

static size_t on_header(char *p, size_t size, size_t n, void *userp)
{
  struct tu_resp *r = userp;
  size_t add = size * n, have = strlen(r->headers);
  /* Keep only the last response's headers (after a 100 Continue, say). */
  if (add > 5 && !strncmp(p, "HTTP/", 5)) r->headers[have = 0] = 0;
  if (have + add + 1 < sizeof r->headers) {
    memcpy(r->headers + have, p, add);
    r->headers[have + add] = 0;
  }
  return add;
}

int tu_http(const char *method, const char *url, const char *const headers[], const char *body,
            size_t bodylen, const char *cookies, struct tu_resp *r)
{
  memset(r, 0, sizeof *r);
  r->body = calloc(1, 1);
  CURL *c = curl_easy_init();
  ck_assert_ptr_nonnull(c);
  struct curl_slist *hl = NULL;
  for (int i = 0; headers && headers[i]; i++) hl = curl_slist_append(hl, headers[i]);
  hl = curl_slist_append(hl, "Expect:");
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  if (!strcmp(method, "HEAD")) curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  if (body) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)bodylen);
  }
  if (cookies) {
    curl_easy_setopt(c, CURLOPT_COOKIEFILE, cookies);
    curl_easy_setopt(c, CURLOPT_COOKIEJAR, cookies);
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
  const char *ca = getenv("KAOPING_TEST_CA"); /* the certificate a TLS test made */
  if (ca) curl_easy_setopt(c, CURLOPT_CAINFO, ca);
  r->curl_error = (int)curl_easy_perform(c);
  if (!r->curl_error) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
  curl_slist_free_all(hl);
  curl_easy_cleanup(c);
  return r->curl_error ? -1 : 0;
}

void tu_resp_free(struct tu_resp *r)
{
  free(r->body);
  r->body = NULL;
}

const char *tu_header(const struct tu_resp *r, const char *name)
{
  static char val[4096];
  size_t nlen = strlen(name);
  for (const char *l = r->headers; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
    if (!strncasecmp(l, name, nlen) && l[nlen] == ':') {
      const char *v = l + nlen + 1;
      while (*v == ' ') v++;
      size_t n = strcspn(v, "\r\n");
      snprintf(val, sizeof val, "%.*s", (int)n, v);
      return val;
    }
  }
  return NULL;
}

long tu_login(const char *url, const char *login, const char *password, const char *jar, char *csrf)
{
  char u[256], body[512];
  snprintf(u, sizeof u, "%s/api/v1/session", url);
  snprintf(body, sizeof body, "{\"login\":\"%s\",\"password\":\"%s\"}", login, password);
  const char *h[] = {"Content-Type: application/json", NULL};
  struct tu_resp r;
  tu_http("POST", u, h, body, strlen(body), jar, &r);
  csrf[0] = 0;
  const char *t = r.body ? strstr(r.body, "\"csrf_token\":\"") : NULL;
  if (t) snprintf(csrf, 65, "%.64s", t + strlen("\"csrf_token\":\""));
  long status = r.status;
  tu_resp_free(&r);
  return status;
}

int tu_connect(int port)
{
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  struct sockaddr_in sa = {0};
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

int tu_send(int fd, const char *s)
{
  size_t n = strlen(s);
  while (n > 0) {
    ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
    if (w <= 0) return -1;
    s += w;
    n -= (size_t)w;
  }
  return 0;
}

size_t tu_recv(int fd, char *buf, size_t cap, int timeout_ms, int *closed)
{
  size_t len = 0;
  *closed = 0;
  while (len + 1 < cap) {
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0) break;
    ssize_t r = recv(fd, buf + len, cap - 1 - len, 0);
    if (r <= 0) {
      *closed = 1;
      break;
    }
    len += (size_t)r;
  }
  buf[len] = 0;
  return len;
}

json_t *tu_json(const char *base, const char *jar, const char *csrf, const char *method,
                const char *path, const char *body, long want)
{
  char url[1200], tok[100];
  snprintf(url, sizeof url, "%s%s", base, path);
  snprintf(tok, sizeof tok, "X-CSRF-Token: %s", csrf ? csrf : "");
  const char *h[] = {"Content-Type: application/json", tok, NULL};
  struct tu_resp r;
  tu_http(method, url, body ? h : h + 1, body, body ? strlen(body) : 0, jar, &r);
  ck_assert_msg(r.status == want, "%s %s: want %ld got %ld %.400s", method, path, want, r.status,
                r.body);
  json_t *j = r.len ? json_loads(r.body, 0, NULL) : json_object();
  ck_assert_msg(j != NULL, "%s %s: not JSON: %.400s", method, path, r.body);
  tu_resp_free(&r);
  return j;
}

json_t *tu_upload(const char *base, const char *jar, const char *csrf, const char *path,
                  const char *file, const char *name, const char *extra, long want)
{
  static char out[1 << 20];
  char cmd[4096];
  snprintf(
      cmd, sizeof cmd,
      "curl -s -o - -w '\\n%%{http_code}' -b %s -H 'X-CSRF-Token: %s' -F 'file=@%s;filename=%s' "
      "%s '%s%s'",
      jar, csrf, file, name, extra ? extra : "", base, path);
  FILE *p = popen(cmd, "r");
  ck_assert_ptr_nonnull(p);
  size_t n = fread(out, 1, sizeof out - 1, p);
  out[n] = 0;
  pclose(p);
  char *nl = strrchr(out, '\n');
  ck_assert_ptr_nonnull(nl);
  long status = atol(nl + 1);
  *nl = 0;
  ck_assert_msg(status == want, "upload %s to %s: want %ld got %ld %.400s", name, path, want,
                status, out);
  json_t *j = json_loads(out, 0, NULL);
  ck_assert_msg(j != NULL, "not JSON: %.400s", out);
  return j;
}

int tu_run_suite(Suite *s)
{
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

char *tu_slurp(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 1 << 16, n = 0, got;
  char *b = malloc(cap + 1);
  while (b && (got = fread(b + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) {
      char *nb = realloc(b, (cap *= 2) + 1);
      if (!nb) free(b);
      b = nb;
    }
  }
  fclose(f);
  ck_assert_ptr_nonnull(b);
  b[n] = '\0';
  if (len) *len = n;
  return b;
}

void tu_spit(const char *path, const void *data, size_t n)
{
  FILE *f = fopen(path, "wb");
  ck_assert_msg(f != NULL, "cannot write %s", path);
  ck_assert_uint_eq(fwrite(data, 1, n, f), n);
  ck_assert_int_eq(fclose(f), 0);
}

/* Opens the database of data dir DIR. */
static sqlite3 *tu_db(const char *dir)
{
  char path[512];
  snprintf(path, sizeof path, "%s/kaoping.db", dir);
  sqlite3 *h = NULL;
  ck_assert_int_eq(sqlite3_open(path, &h), SQLITE_OK);
  sqlite3_busy_timeout(h, 5000);
  return h;
}

void tu_sql(const char *dir, const char *q)
{
  sqlite3 *h = tu_db(dir);
  char *msg = NULL;
  int rc = sqlite3_exec(h, q, NULL, NULL, &msg);
  ck_assert_msg(rc == SQLITE_OK, "%s: %s", q, msg ? msg : "?");
  sqlite3_close(h);
}

long long tu_sql_int(const char *dir, const char *q)
{
  sqlite3 *h = tu_db(dir);
  sqlite3_stmt *st = NULL;
  ck_assert_msg(sqlite3_prepare_v2(h, q, -1, &st, NULL) == SQLITE_OK, "%s: %s", q,
                sqlite3_errmsg(h));
  ck_assert_msg(sqlite3_step(st) == SQLITE_ROW, "%s: no row", q);
  long long v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(h);
  return v;
}

long long tu_sqlf(const char *dir, const char *fmt, ...)
{
  char q[1000];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(q, sizeof q, fmt, ap);
  va_end(ap);
  ck_assert_msg(n >= 0 && (size_t)n < sizeof q, "tu_sqlf: query too long: %s", fmt);
  return tu_sql_int(dir, q);
}

void tu_demo_login(struct tu_user *u, const struct tu_daemon *d, const char *login)
{
  u->d = d;
  snprintf(u->jar, sizeof u->jar, "%s/jar-%s", d->dir, login);
  ck_assert_int_eq(tu_login(d->url, login, "kaoping-demo", u->jar, u->csrf), 200);
}

json_t *tu_call(const struct tu_user *u, const char *method, const char *path, const char *body,
                long want)
{
  return tu_json(u->d->url, u->jar, u->csrf, method, path, body, want);
}

const char *tu_str(const json_t *o, const char *k)
{
  return json_string_value(json_object_get(o, k));
}

double tu_num(const json_t *o, const char *k)
{
  return json_number_value(json_object_get(o, k));
}

long long tu_int(const json_t *o, const char *k)
{
  return json_integer_value(json_object_get(o, k));
}

json_t *tu_err(const json_t *r)
{
  return json_object_get(r, "error");
}

const char *tu_err_field(const json_t *r)
{
  return tu_str(tu_err(r), "field");
}

void tu_start_demo(struct tu_daemon *d)
{
  const char *args[] = {"--demo", NULL};
  ck_assert_msg(tu_start(d, NULL, args) == 0, "daemon did not start: %s", d->out);
}

void tu_stop_clean(struct tu_daemon *d)
{
  ck_assert_int_eq(tu_stop(d), 0);
  tu_rmrf(d->dir);
}
