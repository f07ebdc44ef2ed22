/*
 * testutil.h - helpers for kaoping's Check suites: temporary folders, the real `kaoping`
 * binary started on port 0 as a child process, HTTP through libcurl, and raw sockets for the
 * cases libcurl will not produce (trickled bodies, idle connections, oversized headers).
 *
 * The binary is found in $KAOPING_BIN (CTest sets it). Every daemon gets --pwhash min so
 * password hashing stays fast, and its standard error goes to DIR/daemon.log.
 */
#ifndef KAOPING_TESTUTIL_H
#define KAOPING_TESTUTIL_H

#include <check.h>
#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

/* A running daemon. */
struct tu_daemon {
  pid_t pid;       /* child process */
  int port;        /* bound port */
  char url[64];    /* "http://127.0.0.1:PORT" */
  char dir[256];   /* its data dir */
  char out[16384]; /* what it printed on standard output up to the listening line */
};

/* An HTTP response. */
struct tu_resp {
  long status;         /* HTTP status, 0 when the request failed */
  int curl_error;      /* libcurl's result code (0 = ok) */
  char *body;          /* body, NUL-terminated (malloc'd) */
  size_t len;          /* its length */
  char headers[16384]; /* raw response headers */
};

/* Time budgets in tests are set for a plain build; sanitizer builds run several times slower,
 * so a budget is written `limit * TU_SLOW`. */
#if defined(__SANITIZE_ADDRESS__)
#define TU_SLOW 5
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TU_SLOW 5
#endif
#endif
#ifndef TU_SLOW
#define TU_SLOW 1
#endif

/* Reads the file at PATH into a malloc'd, NUL-terminated buffer (caller frees) and stores its
 * length in *LEN (LEN may be NULL). NULL when the file cannot be read. */
char *tu_slurp(const char *path, size_t *len);

/* Writes the N bytes of DATA to the file PATH. Aborts the test on failure. */
void tu_spit(const char *path, const void *data, size_t n);

/* Runs the SQL Q on the database of the data dir DIR (beside a running daemon: WAL mode and a
 * busy timeout make that safe). Aborts the test on failure. */
void tu_sql(const char *dir, const char *q);

/* The first column of the first row of the SQL Q on DIR's database, as an integer. */
long long tu_sql_int(const char *dir, const char *q);

/* Creates a new folder under /tmp and writes its path to BUF. Aborts the test on failure. */
void tu_tmpdir(char *buf, size_t cap);

/* A checked fixture for tests that open the database in their own process:
 * tu_db_setup() makes tu_db_dir a new temporary data dir and initialises crypto at its
 * cheapest cost; tu_db_teardown() closes every database connection and removes the dir. */
extern char tu_db_dir[256];
void tu_db_setup(void);
void tu_db_teardown(void);

/* The integer SQL (one row, one column) gives on DB, a connection of the test's own process.
 * Aborts the test when the statement fails or gives no row. */
struct db;
long long tu_db_int(struct db *db, const char *sql);

/* Removes DIR and everything below it. */
void tu_rmrf(const char *dir);

/* Starts `kaoping serve --listen 127.0.0.1:0 --data-dir DIR ARGS...` (ARGS NULL-terminated,
 * may be NULL) and waits until it prints its listening line. DIR NULL = a new temporary
 * folder. Returns 0, or -1 when it exited or did not listen within 30 s (its output is then in
 * d->out and DIR/daemon.log). */
int tu_start(struct tu_daemon *d, const char *dir, const char *const args[]);

/* Sends SIGTERM and waits for the daemon to exit. Returns its exit status (128+signal when it
 * was killed by a signal). */
int tu_stop(struct tu_daemon *d);

/* Runs the kaoping binary with ARGV (NULL-terminated, without the program name), writing
 * INPUT (may be NULL) to its standard input. Stores what it printed (stdout and stderr) in
 * OUT. Returns its exit status. */
int tu_run(const char *const argv[], const char *input, char *out, size_t outlen);

/* Performs METHOD on URL (https URLs are verified against the certificate file named by
 * $KAOPING_TEST_CA when set) with extra HEADERS ("Name: value", NULL-terminated, may be NULL) and
 * BODY (may be NULL). COOKIES, when not NULL, is a cookie-jar file used for reading and
 * writing. Returns 0 when a response arrived. Free with tu_resp_free(). */
int tu_http(const char *method, const char *url, const char *const headers[], const char *body,
            size_t bodylen, const char *cookies, struct tu_resp *r);
void tu_resp_free(struct tu_resp *r);

/* The value of header NAME in R (case-insensitive), copied into a static buffer, or NULL. */
const char *tu_header(const struct tu_resp *r, const char *name);

/* Signs in as LOGIN/PASSWORD with cookie jar JAR; stores the CSRF token in CSRF (65 bytes).
 * Returns the HTTP status. */
long tu_login(const char *url, const char *login, const char *password, const char *jar,
              char *csrf);

/* METHOD BASE+PATH with the cookie jar JAR (NULL = none) and the CSRF token CSRF (NULL =
 * none), and JSON BODY (NULL = none). Asserts the status is WANT and returns the parsed reply
 * ({} for an empty one); the caller decrefs. */
json_t *tu_json(const char *base, const char *jar, const char *csrf, const char *method,
                const char *path, const char *body, long want);

/* Posts FILE as the multipart field "file" named NAME to BASE+PATH, with EXTRA curl form
 * arguments (NULL = none, e.g. "-F 'assign=<f.json'"). Asserts the status is WANT and returns
 * the parsed reply; the caller decrefs. */
json_t *tu_upload(const char *base, const char *jar, const char *csrf, const char *path,
                  const char *file, const char *name, const char *extra, long want);

/* tu_start(D, NULL, {"--demo"}): a daemon with the demo data in a new temporary folder. Asserts
 * it started. */
void tu_start_demo(struct tu_daemon *d);

/* tu_stop(D), asserting the daemon exited with 0, then removes its data dir. */
void tu_stop_clean(struct tu_daemon *d);

/* A signed-in user of daemon D: a cookie jar file in D's data dir and the CSRF token. */
struct tu_user {
  const struct tu_daemon *d;
  char jar[300], csrf[65];
};

/* Signs U in to the running daemon D as the demo user LOGIN (password "kaoping-demo") with the
 * cookie jar D->dir/jar-LOGIN. Asserts the sign-in succeeds. D must outlive U's use. */
void tu_demo_login(struct tu_user *u, const struct tu_daemon *d, const char *login);

/* tu_json as the signed-in U against its daemon: METHOD PATH with JSON BODY (NULL = none).
 * Asserts the status is WANT and returns the parsed reply; the caller decrefs. */
json_t *tu_call(const struct tu_user *u, const char *method, const char *path, const char *body,
                long want);

/* Member K of the JSON object O as a string; NULL when O is not an object, K is absent or not a
 * string. */
const char *tu_str(const json_t *o, const char *k);

/* Member K of O as a number (integer or real); 0 when absent or not a number. */
double tu_num(const json_t *o, const char *k);

/* Member K of O as an integer; 0 when absent or not an integer (reals included). */
long long tu_int(const json_t *o, const char *k);

/* The "error" member of an error reply R (NULL when there is none). */
json_t *tu_err(const json_t *r);

/* The "field" of the error in reply R, as tu_str: NULL when there is none. */
const char *tu_err_field(const json_t *r);

/* tu_sql_int on DIR's database with the SQL built from the printf format FMT (at most 999
 * bytes; longer aborts the test). */
long long tu_sqlf(const char *dir, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Runs the Check suite S and returns the process exit status for main(). */
int tu_run_suite(Suite *s);

/* Opens a TCP connection to 127.0.0.1:PORT; returns the socket or -1. */
int tu_connect(int port);

/* Sends the NUL-terminated S on FD. Returns 0 or -1. */
int tu_send(int fd, const char *s);

/* Reads from FD until the peer closes or TIMEOUT_MS pass without data; stores at most CAP-1
 * bytes in BUF (NUL-terminated). Returns the bytes read, and sets *CLOSED when the peer closed. */
size_t tu_recv(int fd, char *buf, size_t cap, int timeout_ms, int *closed);

/* Milliseconds of a monotonic clock. */
long long tu_now_ms(void);

#endif
