/*
 * db.c - the only file that talks to SQLite (see db.h for the connection model and API).
 *
 * Owns: opening connections with kaoping's pragmas, the schema migrations embedded from sql/,
 * the per-connection statement cache, named binds, nested transactions, the process's writer
 * lock, the read-only guard for GET requests, the online backup, and the FTS5 tokenizer
 * "kaoping" for Chinese text. Every
 * SQLite error passes through db_fail(), which logs the extended error code, SQLite's message and
 * the SQL text.
 */
#include "db.h"

#include "embedded.h"
#include "err.h"
#include "log.h"
#include "thread.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* SQLite's page cache per connection, in KiB (PRAGMA cache_size=-N). Every worker thread holds
 * a connection, and saves at national scale fill each cache to its limit (they touch pages all
 * over the score, assignment and audit tables), so this bounds the daemon's memory: 4 MiB a
 * connection. Pages it misses come from the kernel's page cache. */
#ifndef DB_CACHE_KIB
#define DB_CACHE_KIB "4000"
#endif

/* The WAL file is cut back to this many bytes when it restarts, should it have grown past
 * (readers holding old pages while the checkpoint ran): 64 MiB, twice DB_CHECKPOINT_PAGES. */
#define DB_WAL_LIMIT "67108864"

/* Pages of each connection's page cache allocated at once (see configure()): ~1.1 MiB. */
#define DB_CACHE_BULK 256

/* How long a writer waits for the database: SQLite's busy timeout, and the writer lock. */
#define DB_BUSY_MS 5000

/* A cached statement: the SQL it was compiled from and its hash. */
struct cached {
  uint64_t hash;    /* FNV-1a of sql; 0 = empty slot */
  char *sql;        /* copy of the SQL text (malloc'd) */
  sqlite3_stmt *st; /* compiled with SQLITE_PREPARE_PERSISTENT */
};

/* One connection and what belongs to it. Used by one thread at a time. */
struct db {
  sqlite3 *h;           /* the connection */
  struct cached *cache; /* open-addressing table of ncache slots (a power of two) */
  size_t ncache, nused; /* slots and slots in use */
  int depth;            /* nesting depth of db_begin() */
  int doomed;           /* a nested level rolled back: the outermost end rolls back */
  int readonly;         /* the current request may only read (checked in db_step) */
  int reading;          /* the read-only request's read transaction is open */
  int writer;           /* holds the process's writer lock (see writer_lock) */
  int savepoint;        /* inside db_savepoint() */
  sqlite3_stmt *lone;   /* the autocommit write that holds it until reset, or NULL */
  struct db *next;      /* all connections, for db_global_close() */
};

static char db_path[4096];        /* DATA_DIR/kaoping.db */
static _Atomic uint64_t instance; /* db_instance(): raised by each db_global_init() */
static pthread_mutex_t all_lock = PTHREAD_MUTEX_INITIALIZER;
static struct db *all;                /* every open connection */
static _Thread_local struct db *mine; /* this thread's connection */

/* ---- the writer lock ----
 *
 * SQLite lets one connection write at a time. A connection that finds the write lock taken
 * sleeps in SQLite's busy handler (1, 2, 5, 10 … ms) and tries again, so under a load of
 * writes the worker threads sleep while the lock is free, and a write's latency grows by the
 * sleeps. The writers of this process therefore queue on one mutex instead and start the
 * moment the previous one ends: the outermost db_begin() takes it before BEGIN IMMEDIATE, and
 * the end of that transaction releases it, whatever the outcome (tx_end, also after a failed
 * COMMIT; db_request_end() ends a transaction a handler left open). A write statement run
 * outside a transaction (autocommit) holds it from its first step until it has finished
 * (DB_DONE, an error, or db_reset()). Only a thread's own connection (db_thread()) does this
 * for autocommit writes; the connection of db_global_init() writes alone anyway. The wait is
 * bounded like SQLite's own: E_BUSY after DB_BUSY_MS. Other processes (kaoping user add, a
 * backup) still meet SQLite's lock and its busy handler. */
static pthread_mutex_t writer = PTHREAD_MUTEX_INITIALIZER;

/* Takes the writer lock for DB (no-op when DB holds it). E_OK, or E_BUSY (logged) after
 * waiting DB_BUSY_MS. */
static int writer_lock(struct db *db)
{
  if (db->writer) return E_OK;
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += DB_BUSY_MS / 1000;
  until.tv_nsec += (long)(DB_BUSY_MS % 1000) * 1000000L;
  if (until.tv_nsec >= 1000000000L) {
    until.tv_sec++;
    until.tv_nsec -= 1000000000L;
  }
  int e = pthread_mutex_timedlock(&writer, &until);
  if (e) {
    log_error("writer lock not free after %d ms (error %d)", DB_BUSY_MS, e);
    return E_BUSY;
  }
  db->writer = 1;
  return E_OK;
}

/* Releases the writer lock if DB holds it. */
static void writer_unlock(struct db *db)
{
  if (!db->writer) return;
  db->writer = 0;
  db->lone = NULL;
  pthread_mutex_unlock(&writer);
}

/* Logs an SQLite failure at SITE and maps it to an E_* code. */
static int db_fail(sqlite3 *h, const char *site, const char *sql)
{
  int ext = sqlite3_extended_errcode(h), prim = ext & 0xff;
  if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY) return E_DUPLICATE;
  log_write(LOG_ERROR, site, "sqlite error %d (%s) in: %.300s", ext, sqlite3_errmsg(h),
            sql ? sql : "?");
  if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED) return E_BUSY;
  if (prim == SQLITE_NOMEM) return E_NOMEM;
  return E_DB;
}

static void configure(void)
{
  sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  /* Each connection takes DB_CACHE_BULK pages for its page cache in one allocation and reuses
   * them: a connection empties its cache whenever another one has written (every batch of
   * saves) and reads its pages back, each through malloc and free; under saves at national
   * scale malloc and free were 7.3% of the worker threads' perf samples, 5.7% with the bulk.
   * Pages beyond the bulk come from malloc, as before. */
  int hdr = 0;
  if (sqlite3_config(SQLITE_CONFIG_PCACHE_HDRSZ, &hdr) == SQLITE_OK)
    sqlite3_config(SQLITE_CONFIG_PAGECACHE, NULL, 4096 + hdr, DB_CACHE_BULK);
}

/* ---- the FTS5 tokenizer "kaoping" ----
 *
 * Chinese has no spaces between words, and the built-in trigram tokenizer cannot match words
 * of one or two characters, which are most Chinese search words (法治, 复议, 普法). So:
 *  - every Han character is a token (its unigram), and the bigram it starts (with the next
 *    Han character of the same run) is indexed at the same position (FTS5_TOKEN_COLOCATED);
 *  - a query's Han run of one character is its unigram; a longer run becomes its overlapping
 *    bigrams, which FTS5 matches as a phrase at consecutive positions: "法治政府" → 法治 治政 政府.
 *    So a 2-character word is one index lookup, and longer words are exact phrase matches;
 *  - runs of ASCII letters and digits are lowercased word tokens; full-width letters and
 *    digits (ＡＢＣ１２３) are folded to ASCII first; everything else separates tokens.
 */

/* Decodes the code point at P (before END) into *CP; returns its length in bytes (1 for an
 * invalid byte, which then yields U+FFFD). */
static int utf8_next(const unsigned char *p, const unsigned char *end, unsigned *cp)
{
  unsigned c = p[0];
  int n = c < 0x80                 ? 1
          : c >= 0xC2 && c <= 0xDF ? 2
          : c >= 0xE0 && c <= 0xEF ? 3
          : c >= 0xF0 && c <= 0xF4 ? 4
                                   : 0;
  if (n == 1) {
    *cp = c;
    return 1;
  }
  if (n == 0 || end - p < n) {
    *cp = 0xFFFD;
    return 1;
  }
  unsigned v = c & (0x7F >> n);
  for (int i = 1; i < n; i++) {
    if ((p[i] & 0xC0) != 0x80) {
      *cp = 0xFFFD;
      return 1;
    }
    v = (v << 6) | (p[i] & 0x3F);
  }
  *cp = v;
  return n;
}

static int is_han(unsigned c)
{
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x3134F);
}

/* ASCII letter or digit after folding full-width forms, lowercased; 0 when not one. */
static int word_char(unsigned c)
{
  if (c >= 0xFF10 && c <= 0xFF5A) c -= 0xFEE0; /* full-width digits and letters */
  if (c >= 'A' && c <= 'Z') return (int)(c + 32);
  if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return (int)c;
  return 0;
}

/* The tokenizer has no settings: any non-NULL pointer will do as its instance. */
static int tok_create(void *ctx, const char **args, int nargs, Fts5Tokenizer **out)
{
  (void)ctx;
  (void)args;
  (void)nargs;
  *out = (Fts5Tokenizer *)&tok_create;
  return SQLITE_OK;
}

static void tok_delete(Fts5Tokenizer *t)
{
  (void)t;
}

/* Longest ASCII word token kept; longer runs are cut (still matched by their prefix). */
#define TOK_WORD_MAX 64

static int tok_tokenize(Fts5Tokenizer *t, void *ctx, int flags, const char *text, int len,
                        int (*emit)(void *, int, const char *, int, int, int))
{
  (void)t;
  const unsigned char *p = (const unsigned char *)text, *end = p + len;
  const int query = (flags & FTS5_TOKENIZE_QUERY) != 0;
  int rc = SQLITE_OK;
  while (p < end && rc == SQLITE_OK) {
    unsigned c;
    int n = utf8_next(p, end, &c);
    if (is_han(c)) {
      /* One Han run: emit unigrams (document) and bigrams. */
      const unsigned char *a = p;
      int an = n;
      while (rc == SQLITE_OK) {
        const unsigned char *b = a + an;
        unsigned c2 = 0;
        int bn = b < end ? utf8_next(b, end, &c2) : 0;
        int pair = bn && is_han(c2);
        if (!query) {
          rc = emit(ctx, 0, (const char *)a, an, (int)(a - (const unsigned char *)text),
                    (int)(a + an - (const unsigned char *)text));
          if (rc == SQLITE_OK && pair)
            rc = emit(ctx, FTS5_TOKEN_COLOCATED, (const char *)a, an + bn,
                      (int)(a - (const unsigned char *)text),
                      (int)(b + bn - (const unsigned char *)text));
        } else if (pair) {
          rc = emit(ctx, 0, (const char *)a, an + bn, (int)(a - (const unsigned char *)text),
                    (int)(b + bn - (const unsigned char *)text));
        } else if (a == p) { /* a query run of a single character */
          rc = emit(ctx, 0, (const char *)a, an, (int)(a - (const unsigned char *)text),
                    (int)(a + an - (const unsigned char *)text));
        }
        if (!pair) {
          p = a + an;
          break;
        }
        a = b;
        an = bn;
      }
    } else if (word_char(c)) {
      char word[TOK_WORD_MAX];
      int wn = 0;
      const unsigned char *start = p;
      int w;
      while (p < end) {
        n = utf8_next(p, end, &c);
        if (!(w = word_char(c))) break;
        if (wn < TOK_WORD_MAX) word[wn++] = (char)w;
        p += n;
      }
      rc = emit(ctx, 0, word, wn, (int)(start - (const unsigned char *)text),
                (int)(p - (const unsigned char *)text));
    } else {
      p += n;
    }
  }
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* ---- the FTS5 auxiliary function kp_snippet(report_fts, N) ----
 *
 * The passage of about N token positions (N Chinese characters) of the current row's text with
 * the most distinct query words, then the most hits, the earliest of equals, centred on its
 * hits; "…" marks where the text goes on. Plain text: the caller marks the words. FTS5's own
 * snippet() tokenizes the whole text to score every window and find sentence starts (about
 * 0.3 ms for a 27 KB report); this one finds the hits in the row's position lists (xInst) and
 * tokenizes the text only up to the passage's end. */

/* Position counter for kp_snippet: the byte span of positions FROM..TO of a text. */
struct span {
  int pos, from, to; /* the current position (-1 before the first); the wanted ones */
  int start, end;    /* byte offsets found; start -1 until FROM is reached */
  int more;          /* the text goes on after TO */
};

static int span_token(void *ctx, int flags, const char *token, int len, int start, int end)
{
  (void)token;
  (void)len;
  struct span *s = ctx;
  if (!(flags & FTS5_TOKEN_COLOCATED) && ++s->pos > s->to) {
    s->more = 1;
    return SQLITE_DONE;
  }
  if (s->pos < s->from) return SQLITE_OK;
  if (s->start < 0) s->start = start;
  if (end > s->end) s->end = end; /* a colocated bigram reaches the next character */
  return SQLITE_OK;
}

static void kp_snippet(const Fts5ExtensionApi *api, Fts5Context *fc, sqlite3_context *ctx, int nval,
                       sqlite3_value **val)
{
  int width = nval > 0 ? sqlite3_value_int(val[0]) : 40, n = 0, rc;
  if (width < 1) width = 40;
  const char *text = NULL;
  int len = 0;
  if ((rc = api->xColumnText(fc, 0, &text, &len)) || (rc = api->xInstCount(fc, &n))) {
    sqlite3_result_error_code(ctx, rc);
    return;
  }
  if (!text) {
    sqlite3_result_text(ctx, "", 0, SQLITE_STATIC);
    return;
  }
  /* The best window: one starting at a hit, scored 1000 per distinct word plus 1 per hit. */
  int best_first = 0, best_last = 0, best_score = -1;
  for (int i = 0; i < n; i++) {
    int ph, col, off;
    if (api->xInst(fc, i, &ph, &col, &off) || col != 0) continue;
    unsigned long long seen = 0;
    int score = 0, last = off;
    for (int j = i; j < n; j++) {
      int ph2, col2, off2;
      if (api->xInst(fc, j, &ph2, &col2, &off2) || col2 != 0 || off2 >= off + width) break;
      int end = off2 + api->xPhraseSize(fc, ph2); /* the position after the word's last char */
      if (end > off + width - 1) break;
      unsigned long long bit = ph2 < 64 ? 1ull << ph2 : 0;
      score += bit && !(seen & bit) ? 1000 : 1;
      seen |= bit;
      if (end > last) last = end;
    }
    if (score > best_score) {
      best_score = score;
      best_first = off;
      best_last = last;
    }
  }
  int from = best_score < 0 ? 0 : best_first - (width - 1 - (best_last - best_first)) / 2;
  if (from < 0) from = 0;
  struct span s = {-1, from, from + width - 1, -1, 0, 0};
  tok_tokenize(NULL, &s, FTS5_TOKENIZE_DOCUMENT, text, len, span_token);
  if (s.start < 0) { /* the text has fewer positions than FROM (cannot happen with a hit) */
    sqlite3_result_text(ctx, "", 0, SQLITE_STATIC);
    return;
  }
  int pre = s.start > 0, post = s.more;
  size_t size = (size_t)(s.end - s.start) + 7;
  char *out = sqlite3_malloc64(size), *o = out;
  if (!out) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (pre) {
    memcpy(o, "\xe2\x80\xa6", 3); /* … */
    o += 3;
  }
  memcpy(o, text + s.start, (size_t)(s.end - s.start));
  o += s.end - s.start;
  if (post) {
    memcpy(o, "\xe2\x80\xa6", 3);
    o += 3;
  }
  sqlite3_result_text(ctx, out, (int)(o - out), sqlite3_free);
}

/* Registers the tokenizer and kp_snippet on connection H. Returns SQLITE_OK or an error. */
static int tok_register(sqlite3 *h)
{
  static fts5_tokenizer tok = {tok_create, tok_delete, tok_tokenize};
  fts5_api *api = NULL;
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(h, "SELECT fts5(?1)", -1, &st, NULL);
  if (rc == SQLITE_OK) {
    sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
    sqlite3_step(st);
    rc = sqlite3_finalize(st);
  }
  if (rc != SQLITE_OK || !api) return rc ? rc : SQLITE_ERROR;
  rc = api->xCreateTokenizer(api, "kaoping", NULL, &tok, NULL);
  return rc ? rc : api->xCreateFunction(api, "kp_snippet", NULL, kp_snippet, NULL);
}

/* Adapter from the FTS5 callback to db_fts_tokens()'s. */
static int tok_collect(void *ctx, int flags, const char *token, int len, int start, int end)
{
  (void)start;
  (void)end;
  struct {
    void (*each)(const char *, int, int, void *);
    void *ctx;
  } *w = ctx;
  w->each(token, len, (flags & FTS5_TOKEN_COLOCATED) != 0, w->ctx);
  return SQLITE_OK;
}

int db_fts_tokens(const char *text, int query,
                  void (*each)(const char *tok, int len, int colocated, void *ctx), void *ctx)
{
  struct wrap {
    void (*each)(const char *, int, int, void *);
    void *ctx;
  } w = {each, ctx};
  int rc = tok_tokenize(NULL, &w, query ? FTS5_TOKENIZE_QUERY : FTS5_TOKENIZE_DOCUMENT, text,
                        (int)strlen(text), tok_collect);
  return rc == SQLITE_OK ? E_OK : E_INTERNAL;
}

/* Process-wide SQLite settings, applied once before SQLite initialises: no memory statistics
 * (they take a global lock on every allocation, which all worker threads then wait on). */
static void configure_once(void)
{
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, configure);
}

/* ---- checkpoints ----
 * SQLite's automatic checkpoint runs inside the COMMIT that takes the WAL past 1000 pages, on
 * the committing thread, and syncs the WAL and the database file: with the group commit
 * (batch.h) that thread is the batch thread, and every save queued behind it waited for the
 * disk. So each connection has a WAL hook of its own instead (which replaces the automatic
 * one), and a thread of db.c's own does the checkpoints:
 *   - a commit that leaves DB_CHECKPOINT_PAGES more pages in the WAL than the last checkpoint
 *     copied wakes it for a passive checkpoint on its own connection: it copies what no reader
 *     still needs into the database file and blocks neither readers nor writers. 8,000 pages
 *     (32 MiB) rather than SQLite's 1,000: a page saved again before the checkpoint is copied
 *     once (tests/bench/RESULTS.md, "Group commit"). The thread runs at nice
 *     DB_CHECKPOINT_NICE: on a busy machine requests go first.
 *   - The WAL file starts again from its beginning only when a writer begins after everything
 *     was copied, which never happens while writes keep coming during the checkpoints. So when
 *     the WAL holds DB_CHECKPOINT_PAGES or more and nothing has been committed for
 *     DB_QUIET_MS, the thread runs a restart checkpoint (it waits for readers of the old pages,
 *     and writers wait for it), after which the next write starts the WAL over, cut back to
 *     DB_WAL_LIMIT. Under writes that never pause the WAL keeps growing (~1 GB in 8 s of
 *     saves at 11,000/s), and shrinks at the first pause.
 * Without that thread (not started, or stopping), the committing connection checkpoints
 * itself, as SQLite would. */
#define DB_CHECKPOINT_PAGES 8000
#define DB_CHECKPOINT_NICE  10  /* the checkpoint thread's nice value */
#define DB_QUIET_MS         100 /* no commit for this long: a pause to start the WAL over */

static pthread_mutex_t ckpt_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ckpt_wake = PTHREAD_COND_INITIALIZER;
static pthread_t ckpt_thread;
static int ckpt_running, ckpt_stop, ckpt_wanted; /* under ckpt_lock */
static int ckpt_done;      /* WAL pages the last checkpoint had copied, under ckpt_lock */
static int wal_pages;      /* the WAL's pages after the last commit, under ckpt_lock */
static int64_t last_write; /* when (ms, monotonic) that commit was, under ckpt_lock */

static struct db *db_open(int create);
static void db_close(struct db *db);

static int64_t mono_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A checkpoint of H's database in MODE (passive or restart); failures other than a busy
 * database are logged. Records what it copied. */
static void checkpoint(sqlite3 *h, int mode)
{
  int log = 0, copied = 0;
  int rc = sqlite3_wal_checkpoint_v2(h, NULL, mode, &log, &copied);
  if (rc != SQLITE_OK && rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
    log_warn("checkpoint failed: %s", sqlite3_errstr(rc));
  pthread_mutex_lock(&ckpt_lock);
  ckpt_done = copied > 0 ? copied : 0;
  if (mode == SQLITE_CHECKPOINT_RESTART && rc == SQLITE_OK && copied == log)
    wal_pages = ckpt_done = 0; /* the next write starts the WAL over */
  else if (mode == SQLITE_CHECKPOINT_RESTART)
    last_write = mono_ms(); /* not now: try again after the next pause */
  pthread_mutex_unlock(&ckpt_lock);
}

/* sqlite3_wal_hook callback: after each commit, with the WAL's size in pages. */
static int wal_hook(void *arg, sqlite3 *h, const char *name, int pages)
{
  (void)arg;
  (void)name;
  pthread_mutex_lock(&ckpt_lock);
  if (pages < wal_pages || pages < ckpt_done) ckpt_done = 0; /* the WAL started over */
  wal_pages = pages;
  last_write = mono_ms();
  int due = pages - ckpt_done >= DB_CHECKPOINT_PAGES;
  int queued = due && ckpt_running && !ckpt_stop;
  if (queued) {
    ckpt_wanted = 1;
    pthread_cond_signal(&ckpt_wake);
  }
  pthread_mutex_unlock(&ckpt_lock);
  if (due && !queued) checkpoint(h, SQLITE_CHECKPOINT_PASSIVE);
  return SQLITE_OK;
}

static void *ckpt_loop(void *arg)
{
  (void)arg;
  struct db *db = NULL;
  if (setpriority(PRIO_PROCESS, (id_t)gettid(), DB_CHECKPOINT_NICE))
    log_warn("cannot lower the checkpoint thread's priority: %s", strerror(errno));
  pthread_mutex_lock(&ckpt_lock);
  for (;;) {
    int mode = SQLITE_CHECKPOINT_PASSIVE;
    while (!ckpt_wanted && !ckpt_stop) {
      if (wal_pages < DB_CHECKPOINT_PAGES) {
        pthread_cond_wait(&ckpt_wake, &ckpt_lock);
        continue;
      }
      /* A long WAL: start it over at the first pause in the writes. */
      int64_t now = mono_ms();
      if (now - last_write >= DB_QUIET_MS) {
        mode = SQLITE_CHECKPOINT_RESTART;
        break;
      }
      int64_t at = last_write + DB_QUIET_MS;
      struct timespec until;
      clock_gettime(CLOCK_REALTIME, &until);
      int64_t ns = until.tv_nsec + (at - now) * 1000000;
      until.tv_sec += (time_t)(ns / 1000000000);
      until.tv_nsec = (long)(ns % 1000000000);
      pthread_cond_timedwait(&ckpt_wake, &ckpt_lock, &until);
    }
    if (ckpt_stop) break;
    ckpt_wanted = 0;
    pthread_mutex_unlock(&ckpt_lock);
    if (!db) db = db_open(0); /* NULL (logged): tried again at the next wake */
    if (db) checkpoint(db->h, mode);
    pthread_mutex_lock(&ckpt_lock);
    if (!db) wal_pages = 0; /* no connection: wait for the next commit, not in a loop */
  }
  pthread_mutex_unlock(&ckpt_lock);
  if (db) db_close(db);
  return NULL;
}

/* Starts the checkpoint thread when it is not running. E_OK or E_INTERNAL (logged). */
static int ckpt_start(void)
{
  pthread_mutex_lock(&ckpt_lock);
  int rc = E_OK;
  if (!ckpt_running) {
    ckpt_stop = ckpt_wanted = 0;
    if (thread_start(&ckpt_thread, ckpt_loop, "kaoping-ckpt")) {
      log_error("cannot start the checkpoint thread");
      rc = E_INTERNAL;
    } else {
      ckpt_running = 1;
    }
  }
  pthread_mutex_unlock(&ckpt_lock);
  return rc;
}

/* Stops the checkpoint thread (a no-op when it is not running). */
static void ckpt_end(void)
{
  pthread_mutex_lock(&ckpt_lock);
  int was = ckpt_running;
  ckpt_stop = 1;
  pthread_cond_signal(&ckpt_wake);
  pthread_mutex_unlock(&ckpt_lock);
  if (!was) return;
  pthread_join(ckpt_thread, NULL);
  pthread_mutex_lock(&ckpt_lock);
  ckpt_running = 0;
  pthread_mutex_unlock(&ckpt_lock);
}

/* Opens a connection to db_path with kaoping's per-connection pragmas. */
static struct db *db_open(int create)
{
  configure_once();
  struct db *db = calloc(1, sizeof *db);
  if (!db) return NULL;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  if (sqlite3_open_v2(db_path, &db->h, flags, NULL) != SQLITE_OK) {
    log_error("cannot open %s: %s", db_path, db->h ? sqlite3_errmsg(db->h) : "out of memory");
    sqlite3_close(db->h);
    free(db);
    return NULL;
  }
  sqlite3_extended_result_codes(db->h, 1);
  sqlite3_busy_timeout(db->h, DB_BUSY_MS);
  if (tok_register(db->h) != SQLITE_OK) {
    log_error("cannot register the FTS5 tokenizer: %s", sqlite3_errmsg(db->h));
    sqlite3_close(db->h);
    free(db);
    return NULL;
  }
  if (db_exec(db, "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL; "
                  "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-" DB_CACHE_KIB "; "
                  "PRAGMA journal_size_limit=" DB_WAL_LIMIT ";") != E_OK) {
    sqlite3_close(db->h);
    free(db);
    return NULL;
  }
  sqlite3_wal_hook(db->h, wal_hook, NULL);
  return db;
}

/* Finalizes DB's statements and closes it. */
static void db_close(struct db *db)
{
  for (size_t i = 0; i < db->ncache; i++) {
    if (!db->cache[i].hash) continue;
    sqlite3_finalize(db->cache[i].st);
    free(db->cache[i].sql);
  }
  free(db->cache);
  if (sqlite3_close(db->h) != SQLITE_OK) log_error("close: %s", sqlite3_errmsg(db->h));
  free(db);
}

int db_exec(struct db *db, const char *sql)
{
  char *msg = NULL;
  if (sqlite3_exec(db->h, sql, NULL, NULL, &msg) == SQLITE_OK) return E_OK;
  sqlite3_free(msg);
  return db_fail(db->h, LOG_SITE, sql);
}

/* Reads an integer PRAGMA (e.g. "PRAGMA user_version"); -1 on error. */
static int64_t pragma_int(struct db *db, const char *sql)
{
  int64_t v = -1;
  db_stmt *st = db_prepare(db, sql);
  if (st) db_one_int(st, &v);
  return v;
}

/* The number in a migration's name "/0007_scores.sql", or -1. */
static int migration_number(const char *name)
{
  int n = 0, digits = 0;
  for (const char *p = name + 1; *p >= '0' && *p <= '9'; p++, digits++) n = n * 10 + (*p - '0');
  return digits == 4 && name[5] == '_' ? n : -1;
}

int db_schema_latest(void)
{
  int latest = 0;
  for (size_t i = 0; i < sql_files_count; i++) {
    int n = migration_number(sql_files[i].name);
    if (n > latest) latest = n;
  }
  return latest;
}

int db_schema_version(struct db *db)
{
  return (int)pragma_int(db, "PRAGMA user_version");
}

/* Applies migration M (number N) in its own transaction, unless a concurrent process already
 * did (the version is re-read under the write lock). */
static int migrate_one(struct db *db, const struct embedded_file *m, int n)
{
  int rc = db_begin(db);
  if (rc) return rc;
  if (db_schema_version(db) >= n) return db_rollback(db);
  char pragma[64];
  snprintf(pragma, sizeof pragma, "PRAGMA user_version=%d;", n);
  rc = db_exec(db, (const char *)m->data);
  if (!rc) rc = db_exec(db, pragma);
  if (rc) {
    db_rollback(db);
    return rc;
  }
  log_info("applied migration %s", m->name + 1);
  return db_commit(db);
}

uint64_t db_instance(void)
{
  return instance;
}

int db_global_init(const char *data_dir, char *msg, size_t msglen)
{
  instance++;
  if ((size_t)snprintf(db_path, sizeof db_path, "%s/kaoping.db", data_dir) >= sizeof db_path) {
    snprintf(msg, msglen, "data dir path too long");
    return E_DB;
  }
  struct db *db = db_open(1);
  if (!db) {
    snprintf(msg, msglen, "cannot open database %s (see log)", db_path);
    return E_DB;
  }
  int rc = E_DB;
  int64_t app = pragma_int(db, "PRAGMA application_id");
  int64_t version = pragma_int(db, "PRAGMA user_version");
  int latest = db_schema_latest();
  if (app < 0 || version < 0) {
    snprintf(msg, msglen, "%s is not a readable SQLite database", db_path);
    goto done;
  }
  if (app != 0 && app != DB_APPLICATION_ID) {
    snprintf(msg, msglen, "%s is not a kaoping database (application_id %lld)", db_path,
             (long long)app);
    goto done;
  }
  if (version > latest) {
    snprintf(msg, msglen,
             "database schema version %lld is newer than this kaoping (knows up to %d): "
             "run a newer kaoping, or restore a backup made by this version",
             (long long)version, latest);
    goto done;
  }
  if (db_exec(db, "PRAGMA journal_mode=WAL;")) {
    snprintf(msg, msglen, "cannot switch %s to WAL mode", db_path);
    goto done;
  }
  if (app == 0) {
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA application_id=%d;", DB_APPLICATION_ID);
    if (db_exec(db, sql)) goto done;
  }
  for (size_t i = 0; i < sql_files_count; i++) {
    int n = migration_number(sql_files[i].name);
    if (n <= version) continue;
    if (n < 0 || migrate_one(db, &sql_files[i], n) != E_OK) {
      snprintf(msg, msglen, "migration %s failed (see log)", sql_files[i].name + 1);
      goto done;
    }
  }
  rc = ckpt_start();
  if (rc) snprintf(msg, msglen, "cannot start the checkpoint thread");
done:
  if (rc) log_error("%s", msg);
  db_close(db);
  return rc;
}

struct db *db_thread(void)
{
  if (mine) return mine;
  struct db *db = db_open(0);
  if (!db) return NULL;
  pthread_mutex_lock(&all_lock);
  db->next = all;
  all = db;
  pthread_mutex_unlock(&all_lock);
  return mine = db;
}

void db_global_close(void)
{
  ckpt_end();
  pthread_mutex_lock(&all_lock);
  while (all) {
    struct db *next = all->next;
    db_close(all);
    all = next;
  }
  pthread_mutex_unlock(&all_lock);
  mine = NULL;
}

static uint64_t fnv(const char *s)
{
  /* FNV-1a over the length and at most the first and the last SAMPLE bytes: statements run
   * to 1 KB and are looked up several times per request, and the byte loop over all of it
   * cost more than the lookup itself. Statements alike in those bytes only probe further:
   * db_prepare() compares the whole text. */
  enum { SAMPLE = 48 };
  size_t n = strlen(s);
  uint64_t h = (1469598103934665603ULL ^ n) * 1099511628211ULL;
  for (size_t i = 0; i < n && i < SAMPLE; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
  for (size_t i = n > 2 * SAMPLE ? n - SAMPLE : n; i < n; i++)
    h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
  return h ? h : 1;
}

/* Inserts ST under HASH/SQL into DB's cache, growing it at half load. */
static int cache_put(struct db *db, uint64_t hash, const char *sql, sqlite3_stmt *st)
{
  if (2 * (db->nused + 1) > db->ncache) {
    size_t n = db->ncache ? db->ncache * 2 : 64;
    struct cached *t = calloc(n, sizeof *t);
    if (!t) return E_NOMEM;
    for (size_t i = 0; i < db->ncache; i++) {
      if (!db->cache[i].hash) continue;
      size_t j = db->cache[i].hash & (n - 1);
      while (t[j].hash) j = (j + 1) & (n - 1);
      t[j] = db->cache[i];
    }
    free(db->cache);
    db->cache = t;
    db->ncache = n;
  }
  char *copy = strdup(sql);
  if (!copy) return E_NOMEM;
  size_t j = hash & (db->ncache - 1);
  while (db->cache[j].hash) j = (j + 1) & (db->ncache - 1);
  db->cache[j] = (struct cached){hash, copy, st};
  db->nused++;
  return E_OK;
}

db_stmt *db_prepare(struct db *db, const char *sql)
{
  uint64_t h = fnv(sql);
  for (size_t j = db->ncache ? h & (db->ncache - 1) : 0; db->ncache && db->cache[j].hash;
       j = (j + 1) & (db->ncache - 1))
    if (db->cache[j].hash == h && !strcmp(db->cache[j].sql, sql)) return db->cache[j].st;
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
    db_fail(db->h, LOG_SITE, sql);
    return NULL;
  }
  if (cache_put(db, h, sql, st) != E_OK) {
    sqlite3_finalize(st);
    return NULL;
  }
  return st;
}

/* The index of parameter NAME in ST; 0 (logged) when it has none. */
static int param(db_stmt *st, const char *name)
{
  int i = sqlite3_bind_parameter_index(st, name);
  if (!i) log_error("no parameter %s in: %.200s", name, sqlite3_sql(st));
  return i;
}

#define BIND(call)                                                                                 \
  do {                                                                                             \
    int i_ = param(st, name);                                                                      \
    if (!i_) return E_INTERNAL;                                                                    \
    if ((call) != SQLITE_OK) return db_fail(sqlite3_db_handle(st), LOG_SITE, sqlite3_sql(st));     \
    return E_OK;                                                                                   \
  } while (0)

int db_bind_text(db_stmt *st, const char *name, const char *z)
{
  if (!z) return db_bind_null(st, name);
  BIND(sqlite3_bind_text(st, i_, z, -1, SQLITE_TRANSIENT));
}

int db_bind_textn(db_stmt *st, const char *name, const char *z, size_t n)
{
  BIND(sqlite3_bind_text64(st, i_, z, n, SQLITE_TRANSIENT, SQLITE_UTF8));
}

int db_bind_int(db_stmt *st, const char *name, int64_t v)
{
  BIND(sqlite3_bind_int64(st, i_, v));
}

int db_bind_double(db_stmt *st, const char *name, double v)
{
  BIND(sqlite3_bind_double(st, i_, v));
}

int db_bind_blob(db_stmt *st, const char *name, const void *p, size_t n)
{
  BIND(sqlite3_bind_blob64(st, i_, p, n, SQLITE_TRANSIENT));
}

int db_bind_null(db_stmt *st, const char *name)
{
  BIND(sqlite3_bind_null(st, i_));
}

int db_step(db_stmt *st)
{
  int ro = sqlite3_stmt_readonly(st);
  if (mine && mine->readonly && !ro) {
    log_error("write attempted during a read-only request: %.200s", sqlite3_sql(st));
    return E_INTERNAL;
  }
  /* A write outside a transaction holds the writer lock until it has finished. */
  struct db *lone = !ro && mine && !mine->depth && sqlite3_db_handle(st) == mine->h ? mine : NULL;
  if (lone) {
    int e = writer_lock(lone);
    if (e) return e;
  }
  int rc = sqlite3_step(st);
  if (lone && rc != SQLITE_ROW)
    writer_unlock(lone);
  else if (lone)
    lone->lone = st; /* released when ST is reset */
  if (rc == SQLITE_ROW) return DB_ROW;
  if (rc == SQLITE_DONE) return DB_DONE;
  return db_fail(sqlite3_db_handle(st), LOG_SITE, sqlite3_sql(st));
}

void db_reset(db_stmt *st)
{
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  /* An autocommit write that returned rows has finished now. */
  if (mine && mine->lone == st) writer_unlock(mine);
}

int64_t db_col_int(db_stmt *st, int i)
{
  return sqlite3_column_int64(st, i);
}

double db_col_double(db_stmt *st, int i)
{
  return sqlite3_column_double(st, i);
}

const char *db_col_text(db_stmt *st, int i)
{
  const unsigned char *z = sqlite3_column_text(st, i);
  return z ? (const char *)z : "";
}

const void *db_col_blob(db_stmt *st, int i)
{
  return sqlite3_column_blob(st, i);
}

size_t db_col_bytes(db_stmt *st, int i)
{
  return (size_t)sqlite3_column_bytes(st, i);
}

int db_col_is_null(db_stmt *st, int i)
{
  return sqlite3_column_type(st, i) == SQLITE_NULL;
}

int db_one_int(db_stmt *st, int64_t *out)
{
  int rc = db_step(st);
  if (rc == DB_ROW) *out = sqlite3_column_int64(st, 0);
  db_reset(st);
  return rc == DB_ROW ? E_OK : rc == DB_DONE ? E_NOT_FOUND : rc;
}

int db_run(db_stmt *st)
{
  int rc = db_step(st);
  db_reset(st);
  return rc == DB_DONE || rc == DB_ROW ? E_OK : rc;
}

int db_begin(struct db *db)
{
  if (db->depth > 0) {
    db->depth++;
    return E_OK;
  }
  int rc = writer_lock(db);
  if (rc) return rc;
  db->depth = 1; /* before BEGIN's db_run: BEGIN is no autocommit write */
  db->doomed = 0;
  db_stmt *st = db_prepare(db, "BEGIN IMMEDIATE");
  rc = st ? db_run(st) : E_DB;
  if (rc) {
    db->depth = 0;
    writer_unlock(db);
  }
  return rc;
}

/* Ends one level; the outermost level commits, or rolls back when doomed. */
static int tx_end(struct db *db, int commit)
{
  if (db->depth <= 0) {
    log_error("transaction end without begin");
    return E_INTERNAL;
  }
  if (!commit) db->doomed = 1;
  if (--db->depth > 0) return E_OK;
  db->savepoint = 0; /* ended with the transaction */
  db_stmt *st = db_prepare(db, db->doomed ? "ROLLBACK" : "COMMIT");
  int rc = st ? db_run(st) : E_DB;
  if (rc && sqlite3_get_autocommit(db->h) == 0) {
    /* A failed COMMIT (or ROLLBACK) leaves the transaction open; end it so the connection
     * stays usable and the writer lock can go. */
    db_exec(db, "ROLLBACK");
  }
  writer_unlock(db);
  return db->doomed && !rc ? E_OK : rc;
}

int db_commit(struct db *db)
{
  return tx_end(db, 1);
}

int db_rollback(struct db *db)
{
  return tx_end(db, 0);
}

int db_in_transaction(struct db *db)
{
  return db->depth > 0;
}

int db_savepoint(struct db *db)
{
  if (db->depth != 1 || db->savepoint) {
    log_error("savepoint outside a transaction or inside another (depth %d)", db->depth);
    return E_INTERNAL;
  }
  db_stmt *st = db_prepare(db, "SAVEPOINT kp");
  int rc = st ? db_run(st) : E_DB;
  if (!rc) db->savepoint = 1;
  return rc;
}

int db_savepoint_end(struct db *db, int keep)
{
  if (!db->savepoint) {
    log_error("savepoint end without a savepoint");
    return E_INTERNAL;
  }
  db->savepoint = 0;
  if (db->depth != 1 || db->doomed) {
    log_error("work inside a savepoint left the transaction at depth %d%s", db->depth,
              db->doomed ? ", doomed" : "");
    return E_INTERNAL;
  }
  db_stmt *st = keep ? NULL : db_prepare(db, "ROLLBACK TO kp");
  int rc = keep ? E_OK : st ? db_run(st) : E_DB;
  st = rc ? NULL : db_prepare(db, "RELEASE kp");
  return rc ? rc : st ? db_run(st) : E_DB;
}

/* Read-only requests are enforced in db_step() with sqlite3_stmt_readonly(), which costs
 * nothing. (PRAGMA query_only would do it too, but setting it expires every prepared
 * statement of the connection, so each GET recompiled all of its SQL: measured at a third of
 * the daemon's CPU on /healthz; see tests/bench/RESULTS.md.) A read-only request runs in one
 * read transaction: otherwise each statement is a read transaction of its own, each taking
 * and dropping SQLite's shared-memory read lock (fcntl) and, when another connection wrote in
 * between, emptying this connection's page cache. One per request costs 8% less CPU on a
 * score sheet GET, and gives the handler one consistent snapshot. */
int db_request_begin(struct db *db, int readonly)
{
  db->readonly = readonly;
  if (readonly && !db->depth) {
    db_stmt *st = db_prepare(db, "BEGIN");
    int rc = st ? db_run(st) : E_DB;
    if (rc) return rc;
    db->reading = 1;
  }
  return E_OK;
}

void db_request_end(struct db *db)
{
  if (db->depth > 0) {
    log_error("request ended inside a transaction (depth %d): rolled back", db->depth);
    db->depth = 1;
    db_rollback(db);
  }
  if (db->reading) {
    db->reading = 0;
    db_stmt *st = db_prepare(db, "COMMIT");
    if (!st || db_run(st)) db_exec(db, "ROLLBACK");
  }
  if (db->writer) { /* an autocommit write stepped to a row and never reset */
    log_error("request ended holding the writer lock: released");
    writer_unlock(db);
  }
  db->readonly = 0;
}

int64_t db_last_id(struct db *db)
{
  return sqlite3_last_insert_rowid(db->h);
}

int db_changes(struct db *db)
{
  return sqlite3_changes(db->h);
}

int64_t db_size_bytes(struct db *db)
{
  int64_t pages = pragma_int(db, "PRAGMA page_count");
  int64_t size = pragma_int(db, "PRAGMA page_size");
  return pages < 0 || size < 0 ? -1 : pages * size;
}

int db_backup(const char *data_dir, const char *dest, char *msg, size_t msglen)
{
  if (access(dest, F_OK) == 0) {
    snprintf(msg, msglen, "%s already exists; choose a new file name", dest);
    return E_DUPLICATE;
  }
  char path[4096];
  snprintf(path, sizeof path, "%s/kaoping.db", data_dir);
  sqlite3 *src = NULL, *copy = NULL;
  sqlite3_stmt *st = NULL;
  int rc = E_DB;
  configure_once();
  if (sqlite3_open_v2(path, &src, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
    snprintf(msg, msglen, "cannot open %s: %s", path, src ? sqlite3_errmsg(src) : "no memory");
    goto done;
  }
  sqlite3_busy_timeout(src, 10000);
  /* VACUUM INTO reads inside one read transaction: the copy is a consistent snapshot even
   * while the daemon keeps writing through WAL. */
  if (sqlite3_prepare_v2(src, "VACUUM INTO ?1", -1, &st, NULL) != SQLITE_OK ||
      sqlite3_bind_text(st, 1, dest, -1, SQLITE_STATIC) != SQLITE_OK ||
      sqlite3_step(st) != SQLITE_DONE) {
    snprintf(msg, msglen, "backup failed: %s", sqlite3_errmsg(src));
    goto done;
  }
  sqlite3_finalize(st);
  st = NULL;
  int fd = open(dest, O_RDONLY);
  if (fd < 0 || fsync(fd) != 0) {
    snprintf(msg, msglen, "cannot sync %s: %s", dest, strerror(errno));
    if (fd >= 0) close(fd);
    goto done;
  }
  close(fd);
  if (sqlite3_open_v2(dest, &copy, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(copy, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK ||
      sqlite3_step(st) != SQLITE_ROW ||
      strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0) {
    snprintf(msg, msglen, "the copy %s failed its integrity check", dest);
    goto done;
  }
  rc = E_OK;
done:
  sqlite3_finalize(st);
  sqlite3_close(copy);
  sqlite3_close(src);
  return rc;
}
