/*
 * log.c - the daemon's log (see log.h).
 */
#include "log.h"
#include "thread.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static enum log_level min_level = LOG_INFO;

void log_set_level(enum log_level level)
{
  min_level = level;
}

/* Writes "YYYY-MM-DDTHH:MM:SSZ " into buf (at least 22 bytes); returns its length. The text
 * is made once a second per thread (gmtime_r and strftime cost more than the rest of an
 * access line). */
static int stamp(char *buf, size_t cap)
{
  static _Thread_local time_t last = -1;
  static _Thread_local char text[32];
  static _Thread_local int len;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  if (ts.tv_sec != last) {
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    len = (int)strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ ", &tm);
    last = ts.tv_sec;
  }
  if (cap <= (size_t)len) return 0;
  memcpy(buf, text, (size_t)len + 1);
  return len;
}

/* Writes the first LEN bytes of BUF (clamped to its size) followed by a newline. */
static int buffer_line(const char *line, size_t len);

/* Ends the first LEN bytes of BUF (clamped to its size) with a newline and writes the line: at
 * once, or into this thread's access-line buffer when BUFFERED and buffering is on. */
static void emit(char *buf, size_t cap, int len, int buffered)
{
  if (len < 0) return;
  if ((size_t)len >= cap - 1) len = (int)cap - 2;
  buf[len++] = '\n';
  if (buffered && buffer_line(buf, (size_t)len) == 0) return;
  ssize_t w = write(STDERR_FILENO, buf, (size_t)len);
  (void)w;
}

void log_write(enum log_level level, const char *site, const char *fmt, ...)
{
  static const char *names[] = {"debug", "info", "warn", "error"};
  if (level < min_level) return;
  char buf[2048];
  int n = stamp(buf, sizeof buf);
  n += snprintf(buf + n, sizeof buf - (size_t)n, "%s %s ", names[level], site);
  va_list ap;
  va_start(ap, fmt);
  if ((size_t)n < sizeof buf) n += vsnprintf(buf + n, sizeof buf - (size_t)n, fmt, ap);
  va_end(ap);
  emit(buf, sizeof buf, n, 0);
}

/* Copies S into OUT (CAP bytes) with control characters, spaces and bytes of invalid or
 * non-ASCII text shown as %XX, so a request cannot forge or split log lines. Long values are
 * cut with "...". */
static void sanitize(const char *s, char *out, size_t cap)
{
  static const char hex[] = "0123456789ABCDEF";
  size_t o = 0;
  for (; *s && o + 7 < cap; s++) {
    unsigned char c = (unsigned char)*s;
    if (c > 0x20 && c < 0x7f && c != '%') {
      out[o++] = (char)c;
    } else {
      out[o++] = '%';
      out[o++] = hex[c >> 4];
      out[o++] = hex[c & 15];
    }
  }
  if (*s) { /* cut: the loop left room for "..." */
    memcpy(out + o, "...", 3);
    o += 3;
  }
  out[o] = 0;
}

/* ---- access lines, buffered ----
 *
 * Between log_buffer_start() and log_buffer_stop(), each thread that writes access lines
 * gathers them in a buffer of its own (struct abuf, LOG_BUFFER_BYTES) and writes the buffer
 * with one write(2) when the next line would not fit; a flusher thread writes every buffer
 * that holds lines every LOG_FLUSH_MS, so a line appears at most that long after its request
 * ended. One write(2) per request was ~6% of a score sheet GET's CPU (tests/bench/RESULTS.md,
 * "Access lines"). A thread's lines stay in order; lines of different threads, and other log
 * lines (written at once), may come up to LOG_FLUSH_MS out of order. A crash loses the lines
 * of the last LOG_FLUSH_MS; log_buffer_stop() writes everything.
 *
 * Thread safety: a buffer's contents change under its own lock (taken by its thread for each
 * line, and by the flusher); the list of buffers changes under list_lock. Buffers are never
 * freed: a thread keeps its buffer across a stop and a new start (at most LOG_MAX_BUFFERS
 * threads get one; later threads write their lines at once). */
#define LOG_BUFFER_BYTES 16384
#define LOG_FLUSH_MS     100
#define LOG_MAX_BUFFERS  64

struct abuf {
  pthread_mutex_t lock;
  size_t len;
  struct abuf *next; /* the list, under list_lock */
  char data[LOG_BUFFER_BYTES];
};

static pthread_mutex_t list_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t list_wake = PTHREAD_COND_INITIALIZER;
static struct abuf *bufs;            /* every thread's buffer, under list_lock */
static int nbufs;                    /* their number, under list_lock */
static int flusher_on, flusher_stop; /* under list_lock */
static atomic_int buffering;         /* lines are buffered (the flusher runs) */
static pthread_t flusher;
static _Thread_local struct abuf *mine; /* this thread's buffer, or NULL */
static _Thread_local int no_buffer;     /* this thread found the list full */

/* Writes and empties B's lines; B's lock is held. */
static void abuf_write(struct abuf *b)
{
  size_t off = 0;
  while (off < b->len) {
    ssize_t w = write(STDERR_FILENO, b->data + off, b->len - off);
    if (w <= 0) break; /* stderr gone or full: the lines are dropped, as unbuffered ones are */
    off += (size_t)w;
  }
  b->len = 0;
}

/* Writes every buffer's lines. */
static void flush_all(void)
{
  pthread_mutex_lock(&list_lock);
  for (struct abuf *b = bufs; b; b = b->next) {
    pthread_mutex_lock(&b->lock);
    if (b->len) abuf_write(b);
    pthread_mutex_unlock(&b->lock);
  }
  pthread_mutex_unlock(&list_lock);
}

static void *flush_loop(void *arg)
{
  (void)arg;
  pthread_mutex_lock(&list_lock);
  while (!flusher_stop) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    long ns = until.tv_nsec + LOG_FLUSH_MS * 1000000L;
    until.tv_sec += ns / 1000000000L;
    until.tv_nsec = ns % 1000000000L;
    pthread_cond_timedwait(&list_wake, &list_lock, &until);
    pthread_mutex_unlock(&list_lock);
    flush_all();
    pthread_mutex_lock(&list_lock);
  }
  pthread_mutex_unlock(&list_lock);
  return NULL;
}

int log_buffer_start(void)
{
  pthread_mutex_lock(&list_lock);
  int rc = 0;
  if (!flusher_on) {
    flusher_stop = 0;
    rc = thread_start(&flusher, flush_loop, "kaoping-log");
    if (!rc) {
      flusher_on = 1;
      atomic_store(&buffering, 1);
    }
  }
  pthread_mutex_unlock(&list_lock);
  return rc;
}

void log_buffer_stop(void)
{
  atomic_store(&buffering, 0); /* lines from now on are written at once */
  pthread_mutex_lock(&list_lock);
  int was = flusher_on;
  flusher_on = 0;
  flusher_stop = 1;
  pthread_cond_signal(&list_wake);
  pthread_mutex_unlock(&list_lock);
  if (was) pthread_join(flusher, NULL);
  flush_all();
}

/* This thread's buffer, made on its first line; NULL when the list is full or out of
 * memory (the thread then writes its lines at once). */
static struct abuf *my_buffer(void)
{
  if (mine || no_buffer) return mine;
  pthread_mutex_lock(&list_lock);
  struct abuf *b = nbufs < LOG_MAX_BUFFERS ? malloc(sizeof *b) : NULL;
  if (b) {
    pthread_mutex_init(&b->lock, NULL);
    b->len = 0;
    b->next = bufs;
    bufs = b;
    nbufs++;
  }
  pthread_mutex_unlock(&list_lock);
  mine = b;
  no_buffer = !b;
  return b;
}

/* Adds LINE (LEN bytes, newline included, LEN ≤ LOG_BUFFER_BYTES) to this thread's buffer: 0,
 * or -1 when it must be written at once (not buffering, or no buffer). */
static int buffer_line(const char *line, size_t len)
{
  struct abuf *b = atomic_load(&buffering) ? my_buffer() : NULL;
  if (!b) return -1;
  pthread_mutex_lock(&b->lock);
  if (b->len + len > sizeof b->data) abuf_write(b);
  memcpy(b->data + b->len, line, len);
  b->len += len;
  pthread_mutex_unlock(&b->lock);
  return 0;
}

void log_access(const char *method, const char *path, int status, size_t bytes, long long usec,
                const char *client)
{
  char buf[1024], m[24], p[512];
  sanitize(method, m, sizeof m);
  sanitize(path, p, sizeof p);
  int n = stamp(buf, sizeof buf);
  n += snprintf(buf + n, sizeof buf - (size_t)n, "access %s %s %d %zuB %lldus %s", m, p, status,
                bytes, usec, client);
  emit(buf, sizeof buf, n, 1);
}
