/*
 * main.c - the kaoping command: parses the command line, and for `serve` sets up signals,
 * storage and the HTTP server, waits for SIGINT/SIGTERM and shuts down gracefully.
 *
 * Commands: serve, demo, backup, user add, audit verify, --version, --help. Exit status: 0 on
 * success, 1 on failure (message on stderr), 2 on a usage error.
 */
#include "audit.h"
#include "config.h"
#include "crypto.h"
#include "db.h"
#include "demo.h"
#include "demo_scale.h"
#include "err.h"
#include "h_system.h"
#include "http.h"
#include "log.h"
#include "results_cache.h"
#include "session.h"
#include "store.h"
#include "users.h"
#include "version.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

/* How often, in seconds, a serving daemon hands freed heap memory back (malloc_trim). */
#define TRIM_EVERY_S 10

static void usage(FILE *f)
{
  fprintf(f,
          "kaoping %s - 法治政府建设考核 (rule-of-law government assessment) server\n\n"
          "usage:\n"
          "  kaoping serve [options]                 run the web server\n"
          "  kaoping demo [--scale N] [options]      fill an empty data dir with demo data\n"
          "  kaoping backup [options] FILE           write a consistent copy of the database\n"
          "  kaoping user add [options]              create a user; password on standard input\n"
          "  kaoping audit verify [options]          check the audit trail's hash chain\n"
          "  kaoping --version | --help\n\n"
          "serve options:\n",
          KAOPING_VERSION);
  config_usage(CMD_SERVE, f);
  fprintf(f, "\ndemo options:\n");
  config_usage(CMD_DEMO, f);
  fprintf(f, "\nbackup and audit verify options:\n");
  config_usage(CMD_BACKUP, f);
  fprintf(f, "\nuser add options:\n");
  config_usage(CMD_USER_ADD & ~0u, f);
  fprintf(f, "\nEvery option with a variable can also be set in the environment.\n");
}

/* Creates the data dir (mode 0700) if needed. Returns 0 or -1 (message printed). */
static int make_data_dir(const char *dir)
{
  if (mkdir(dir, 0700) == 0 || errno == EEXIST) return 0;
  fprintf(stderr, "kaoping: cannot create data dir %s: %s\n", dir, strerror(errno));
  return -1;
}

/* Opens the storage of DATA_DIR for a command. Returns 0 or -1 (message printed). */
static int open_storage(const char *data_dir)
{
  char msg[512];
  if (db_global_init(data_dir, msg, sizeof msg) != E_OK) {
    fprintf(stderr, "kaoping: %s\n", msg);
    return -1;
  }
  return 0;
}

/* Takes an exclusive lock on DATA_DIR/kaoping.lock so two servers never share a data dir.
 * The lock lasts until the process exits. Returns 0 or -1 (message printed). */
static int lock_data_dir(const char *dir)
{
  char path[4096];
  snprintf(path, sizeof path, "%s/kaoping.lock", dir);
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) != 0) {
    fprintf(stderr, "kaoping: another kaoping is already serving %s\n", dir);
    if (fd >= 0) close(fd);
    return -1;
  }
  return 0;
}

/* Raises the open-file limit to its hard maximum: every connection needs a descriptor. */
static void raise_fd_limit(void)
{
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

static int cmd_serve(struct config *c)
{
  config_set_active(c);
  if (!strcmp(c->log_level, "debug"))
    log_set_level(LOG_DEBUG);
  else if (!strcmp(c->log_level, "warn"))
    log_set_level(LOG_WARN);
  else if (!strcmp(c->log_level, "error"))
    log_set_level(LOG_ERROR);
  if (crypto_init(c->pwhash) != 0) {
    fprintf(stderr, "kaoping: cannot start libsodium or unknown --pwhash '%s'\n", c->pwhash);
    return 1;
  }
  json_object_seed(0);
  if (make_data_dir(c->data_dir) || lock_data_dir(c->data_dir) || store_init(c->data_dir) ||
      open_storage(c->data_dir))
    return 1;
  session_configure(c->session_idle ? c->session_idle : 30, c->session_max ? c->session_max : 12,
                    c->secure_cookies || c->tls_cert); /* Secure cookies whenever HTTPS is used */
  struct db *db = db_thread();
  if (!db) return 1;
  if (c->demo) {
    if (demo_seed(c->data_dir) != E_OK) {
      fprintf(stderr, "kaoping: the demo data could not be created (see the log above)\n");
      db_global_close();
      return 1;
    }
    h_system_set_demo(1);
  } else if (user_admin_count(db) == 0) {
    printf("no admin account yet; create one with:\n"
           "  kaoping user add --data-dir %s --login admin --role admin\n"
           "(the password is read from standard input)\n",
           c->data_dir);
  }

  /* Block the stop signals before any thread starts, so every thread inherits the mask and
   * only sigwait() below receives them. */
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, NULL);
  signal(SIGPIPE, SIG_IGN);
  raise_fd_limit();

  unsigned port;
  char url[128];
  if (http_start(c, &port, url, sizeof url) != 0) {
    db_global_close();
    return 1;
  }
  printf("listening on %s\n", url);
  fflush(stdout);

  /* Wait for a stop signal. Meanwhile, every TRIM_EVERY_S seconds, give the heap memory that
   * requests have freed back to the system: glibc keeps freed chunks in each worker thread's
   * arena, and after a burst of saves that is tens of MB held by an idle daemon (see
   * tests/bench/RESULTS.md, "Memory after load"). */
  struct timespec every = {TRIM_EVERY_S, 0};
  int sig;
  while ((sig = sigtimedwait(&stop, NULL, &every)) < 0) malloc_trim(0);
  log_info("received %s: stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
  http_stop(c->shutdown_grace);
  results_cache_clear();
  db_global_close();
  log_info("stopped; database closed");
  return 0;
}

/* kaoping demo: the small demonstration data (as serve --demo) or, with --scale N, the
 * national-scale data set of demo_scale.h, into an empty data dir; then exits. */
static int cmd_demo(struct config *c)
{
  if (crypto_init(c->pwhash) != 0) {
    fprintf(stderr, "kaoping: cannot start libsodium or unknown --pwhash '%s'\n", c->pwhash);
    return 1;
  }
  if (c->scale > DEMO_SCALE_MAX) {
    fprintf(stderr, "kaoping: --scale is at most %d units\n", DEMO_SCALE_MAX);
    return 2;
  }
  json_object_seed(0);
  if (make_data_dir(c->data_dir) || lock_data_dir(c->data_dir) || store_init(c->data_dir) ||
      open_storage(c->data_dir))
    return 1;
  int rc = c->scale ? demo_scale(c->data_dir, (int)c->scale, c->seed) : demo_seed(c->data_dir);
  db_global_close();
  if (rc == E_OK) {
    printf("data dir ready: kaoping serve --data-dir %s\n", c->data_dir);
    return 0;
  }
  if (rc != E_CONFLICT)
    fprintf(stderr,
            "kaoping: the demo data could not be created (see the log above); remove %s "
            "and try again\n",
            c->data_dir);
  return 1;
}

static int cmd_backup(struct config *c, const char *file)
{
  char msg[512];
  struct stat sb;
  char path[4096];
  snprintf(path, sizeof path, "%s/kaoping.db", c->data_dir);
  if (stat(path, &sb) != 0) {
    fprintf(stderr, "kaoping: no database at %s\n", path);
    return 1;
  }
  if (db_backup(c->data_dir, file, msg, sizeof msg) != E_OK) {
    fprintf(stderr, "kaoping: %s\n", msg);
    return 1;
  }
  if (stat(file, &sb) != 0) sb.st_size = 0;
  printf("backup written to %s (%lld bytes, integrity ok)\n", file, (long long)sb.st_size);
  return 0;
}

/* Reads one line (the password) from standard input without echo when it is a terminal.
 * Returns 0, or -1 when there is no line. */
static int read_password(char *buf, size_t cap)
{
  struct termios old, quiet;
  int tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
  if (tty) {
    fprintf(stderr, "password: ");
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  char *got = fgets(buf, (int)cap, stdin);
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    fprintf(stderr, "\n");
  }
  if (!got) return -1;
  buf[strcspn(buf, "\r\n")] = 0;
  return 0;
}

static int cmd_user_add(struct config *c)
{
  if (!c->login || !c->role) {
    fprintf(stderr, "kaoping: user add needs --login and --role (see --help)\n");
    return 2;
  }
  if (crypto_init(c->pwhash) != 0) {
    fprintf(stderr, "kaoping: cannot start libsodium or unknown --pwhash '%s'\n", c->pwhash);
    return 1;
  }
  char pw[1100];
  if (read_password(pw, sizeof pw) != 0) {
    fprintf(stderr, "kaoping: no password on standard input\n");
    return 1;
  }
  const char *problem = user_password_problem(pw, c->login);
  if (problem) {
    fprintf(stderr, "kaoping: password: %s\n", problem);
    return 1;
  }
  char hash[CRYPTO_PWHASH_STR];
  if (crypto_password_hash(pw, hash) != 0) return 1;
  if (make_data_dir(c->data_dir) || open_storage(c->data_dir)) return 1;
  struct db *db = db_thread();
  int64_t id = 0;
  const char *field = NULL;
  int rc = db ? user_create(db, c->login, c->display_name, c->role, c->unit, hash, 0, 0, "cli", "",
                            &id, &field, &problem)
              : E_DB;
  db_global_close();
  if (rc) {
    if (field)
      fprintf(stderr, "kaoping: --%s: %s\n", field, problem);
    else
      fprintf(stderr, "kaoping: %s\n", err_message(rc));
    return 1;
  }
  printf("user %s created (id %lld, role %s)\n", c->login, (long long)id, c->role);
  return 0;
}

static int cmd_audit_verify(struct config *c)
{
  if (crypto_init(NULL) != 0 || open_storage(c->data_dir)) return 1;
  struct db *db = db_thread();
  int64_t count = 0, bad = 0;
  char head[65];
  int rc = db ? audit_verify(db, &count, head, &bad) : E_DB;
  db_global_close();
  if (rc == E_CONFLICT) {
    printf("audit chain BROKEN at entry %lld: the trail was changed after it was written\n",
           (long long)bad);
    return 1;
  }
  if (rc) {
    fprintf(stderr, "kaoping: %s\n", err_message(rc));
    return 1;
  }
  printf("audit chain ok: %lld entries, head %s\n", (long long)count, count ? head : "(empty)");
  return 0;
}

int main(int argc, char **argv)
{
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
      !strcmp(argv[1], "help")) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
    printf("kaoping %s\n", KAOPING_VERSION);
    return 0;
  }
  enum cmd cmd;
  int skip = 2;
  if (!strcmp(argv[1], "serve"))
    cmd = CMD_SERVE;
  else if (!strcmp(argv[1], "demo"))
    cmd = CMD_DEMO;
  else if (!strcmp(argv[1], "backup"))
    cmd = CMD_BACKUP;
  else if (!strcmp(argv[1], "user") && argc > 2 && !strcmp(argv[2], "add"))
    cmd = CMD_USER_ADD, skip = 3;
  else if (!strcmp(argv[1], "audit") && argc > 2 && !strcmp(argv[2], "verify"))
    cmd = CMD_AUDIT_VERIFY, skip = 3;
  else {
    fprintf(stderr, "kaoping: unknown command '%s' (see kaoping --help)\n", argv[1]);
    return 2;
  }
  for (int i = skip; i < argc; i++)
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      usage(stdout);
      return 0;
    }
  struct config c;
  char *pos[1];
  int npos = 0;
  char err[256];
  if (config_parse(cmd, argc - skip, argv + skip, &c, pos, cmd == CMD_BACKUP ? 1 : 0, &npos, err,
                   sizeof err) != 0) {
    fprintf(stderr, "kaoping: %s\n", err);
    return 2;
  }
  switch (cmd) {
  case CMD_SERVE:
    return cmd_serve(&c);
  case CMD_BACKUP:
    if (npos != 1) {
      fprintf(stderr, "kaoping: backup needs the FILE to write (see --help)\n");
      return 2;
    }
    return cmd_backup(&c, pos[0]);
  case CMD_DEMO:
    return cmd_demo(&c);
  case CMD_USER_ADD:
    return cmd_user_add(&c);
  case CMD_AUDIT_VERIFY:
    return cmd_audit_verify(&c);
  }
  return 2;
}
