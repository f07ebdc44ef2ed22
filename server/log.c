/*
 * log.c - the daemon's log (see log.h).
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static enum log_level min_level = LOG_INFO;

void log_set_level(enum log_level level)
{
  min_level = level;
}

/* Writes "YYYY-MM-DDTHH:MM:SSZ " into buf (at least 22 bytes); returns its length. */
static int stamp(char *buf, size_t cap)
{
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  return (int)strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ ", &tm);
}

/* Writes the first LEN bytes of BUF (clamped to its size) followed by a newline. */
static void emit(char *buf, size_t cap, int len)
{
  if (len < 0) return;
  if ((size_t)len >= cap - 1) len = (int)cap - 2;
  buf[len++] = '\n';
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
  emit(buf, sizeof buf, n);
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

void log_access(const char *method, const char *path, int status, size_t bytes, long long usec,
                const char *client)
{
  char buf[1024], m[24], p[512];
  sanitize(method, m, sizeof m);
  sanitize(path, p, sizeof p);
  int n = stamp(buf, sizeof buf);
  n += snprintf(buf + n, sizeof buf - (size_t)n, "access %s %s %d %zuB %lldus %s", m, p, status,
                bytes, usec, client);
  emit(buf, sizeof buf, n);
}
