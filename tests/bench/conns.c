/* conns: opens many keep-alive HTTP/1.1 connections to a local server and holds them open, so
 * that tests/bench/load.sh can read the server's memory with that many connections.
 *
 * It connects N non-blocking sockets to 127.0.0.1:PORT, at most WINDOW of them between connect()
 * and their reply at any time, sends one "GET PATH HTTP/1.1" with "Connection: keep-alive" on
 * each, reads each full reply (headers and a Content-Length body) and checks that it is 200 and
 * does not announce "Connection: close". The window is small on purpose: with 128 connections
 * in set-up at once, libmicrohttpd 0.9.75 in epoll mode now and then stops reading a burst of
 * new connections (their requests stay unread until the idle timeout closes them; bare and
 * kaoping alike, see tests/bench/RESULTS.md); with 8 it never did in our runs, and 5,000
 * connections still open in about 0.3 s.
 * When all N replies are in it prints "ready N" on stdout and waits, with every connection
 * open, until stdin reaches end of file or SIGINT/SIGTERM arrives. Meanwhile any connection the
 * server closes is counted. Before leaving it prints "closed-by-server K" and closes everything.
 *
 * usage: conns PORT N [PATH] [WINDOW]
 *   PORT    the server's port on 127.0.0.1
 *   N       connections to open (1..1000000; the open-file limit must allow N + a few)
 *   PATH    the request path (default /healthz)
 *   WINDOW  connections waiting for their connect or reply at once (default 8)
 * Exits 0 when every connection got its 200 reply and none was closed by the server before the
 * end; 1 on any failure (with a line on stderr saying what: for "no progress for 10 s" also how
 * many connections had replied, were connecting, sending, or waiting for their reply); 2 on bad
 * usage.
 *
 * Built by tests/bench/load.sh:  cc -std=c11 -O2 conns.c
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RESP_MAX 4096 /* bytes of one reply kept (headers + body); more is a failure */

enum state { CONNECTING, SENDING, READING, IDLE, CLOSED };

/* One connection. */
struct conn {
  int fd;
  enum state st;
  size_t sent;        /* request bytes written */
  size_t got;         /* reply bytes read into buf */
  char buf[RESP_MAX]; /* the reply so far */
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
  (void)sig;
  stop = 1;
}

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int fail(const char *what, long i)
{
  if (i >= 0)
    fprintf(stderr, "conns: connection %ld: %s\n", i, what);
  else
    fprintf(stderr, "conns: %s\n", what);
  return -1;
}

/* Says on stderr WHY the connections were not all answered and where the first NEXT stand. */
static void stalled(const struct conn *cs, long next, const char *why)
{
  long st[CLOSED + 1] = {0};
  for (long i = 0; i < next; i++) st[cs[i].st]++;
  fprintf(stderr, "conns: %s: %ld replied, %ld connecting, %ld sending, %ld waiting for a reply\n",
          why, st[IDLE], st[CONNECTING], st[SENDING], st[READING]);
}

/* Starts a non-blocking connect of C to SA. Returns 0 or -1. */
static int start_connect(struct conn *c, const struct sockaddr_in *sa, int ep, long i)
{
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd < 0) return fail(strerror(errno), i);
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(c->fd, (const struct sockaddr *)sa, sizeof *sa) != 0 && errno != EINPROGRESS)
    return fail(strerror(errno), i);
  c->st = CONNECTING;
  struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN | EPOLLRDHUP, .data.u64 = (uint64_t)i};
  if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) != 0) return fail(strerror(errno), i);
  return 0;
}

/* Looks at the reply in C: 1 when complete and good, 0 when more is needed, -1 when bad. */
static int reply_done(struct conn *c, long i)
{
  c->buf[c->got < RESP_MAX ? c->got : RESP_MAX - 1] = '\0';
  char *end = strstr(c->buf, "\r\n\r\n");
  if (!end) return c->got >= RESP_MAX - 1 ? fail("reply headers too long", i) : 0;
  if (strncmp(c->buf, "HTTP/1.1 200 ", 13) != 0) {
    char line[80];
    snprintf(line, sizeof line, "reply is not 200: %.60s", c->buf);
    for (char *p = line; *p; p++)
      if (*p == '\r' || *p == '\n') *p = ' ';
    return fail(line, i);
  }
  size_t head = (size_t)(end + 4 - c->buf), len = 0;
  int has_len = 0;
  for (char *p = c->buf; p < end; p++) {
    if (*p != '\n') continue;
    if (!strncasecmp(p + 1, "Content-Length:", 15)) {
      len = (size_t)strtoul(p + 16, NULL, 10);
      has_len = 1;
    } else if (!strncasecmp(p + 1, "Connection:", 11) && strstr(p + 12, "close") &&
               strstr(p + 12, "close") < strstr(p + 1, "\r\n")) {
      return fail("the server answered with Connection: close", i);
    }
  }
  if (!has_len) return fail("reply without Content-Length", i);
  if (head + len >= RESP_MAX) return fail("reply too long", i);
  return c->got >= head + len ? 1 : 0;
}

int main(int argc, char **argv)
{
  if (argc < 3 || argc > 5) {
    fprintf(stderr, "usage: conns PORT N [PATH] [WINDOW]\n");
    return 2;
  }
  char *end;
  long port = strtol(argv[1], &end, 10);
  long n = strtol(argv[2], &end, 10);
  const char *path = argc > 3 ? argv[3] : "/healthz";
  long window = argc > 4 ? strtol(argv[4], NULL, 10) : 8;
  if (port < 1 || port > 65535 || n < 1 || n > 1000000 || *end || path[0] != '/' || window < 1) {
    fprintf(stderr, "usage: conns PORT N [PATH] [WINDOW]\n");
    return 2;
  }
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)n + 16) {
    fprintf(stderr, "conns: the open-file limit is %llu, need %ld (ulimit -n)\n",
            (unsigned long long)rl.rlim_cur, n + 16);
    return 1;
  }

  struct sigaction act;
  memset(&act, 0, sizeof act);
  act.sa_handler = on_signal;
  sigemptyset(&act.sa_mask);
  sigaction(SIGINT, &act, NULL);
  sigaction(SIGTERM, &act, NULL);
  signal(SIGPIPE, SIG_IGN);

  char req[512];
  int reqlen = snprintf(req, sizeof req,
                        "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%ld\r\nConnection: keep-alive\r\n"
                        "Accept: */*\r\n\r\n",
                        path, port);
  if (reqlen <= 0 || (size_t)reqlen >= sizeof req) return fail("path too long", -1), 2;

  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

  struct conn *cs = calloc((size_t)n, sizeof *cs);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (!cs || ep < 0) return fail("out of memory", -1), 1;
  for (long i = 0; i < n; i++) cs[i].fd = -1;

  /* ---- open, request, read ---- */
  long next = 0, busy = 0, done = 0;
  double t0 = now_s();
  struct epoll_event evs[256];
  while (done < n) {
    while (busy < window && next < n) {
      if (start_connect(&cs[next], &sa, ep, next)) return 1;
      next++, busy++;
    }
    if (stop) return stalled(cs, next, "interrupted"), 1;
    int k = epoll_wait(ep, evs, 256, 10000);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) return fail(strerror(errno), -1), 1;
    if (k == 0) return stalled(cs, next, "no progress for 10 s"), 1;
    for (int e = 0; e < k; e++) {
      long i = (long)evs[e].data.u64;
      struct conn *c = &cs[i];
      if (c->st == CONNECTING) {
        int err = 0;
        socklen_t el = sizeof err;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
        if (err) return fail(strerror(err), i), 1;
        c->st = SENDING;
      }
      if (c->st == SENDING) {
        ssize_t w = send(c->fd, req + c->sent, (size_t)reqlen - c->sent, MSG_NOSIGNAL);
        if (w < 0 && errno != EAGAIN) return fail(strerror(errno), i), 1;
        if (w > 0) c->sent += (size_t)w;
        if (c->sent == (size_t)reqlen) {
          c->st = READING;
          struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.u64 = (uint64_t)i};
          epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
        }
        continue;
      }
      if (c->st == READING) {
        ssize_t r = recv(c->fd, c->buf + c->got, RESP_MAX - 1 - c->got, 0);
        if (r == 0) return fail("closed by the server before the reply was complete", i), 1;
        if (r < 0 && errno != EAGAIN) return fail(strerror(errno), i), 1;
        if (r > 0) c->got += (size_t)r;
        int rc = reply_done(c, i);
        if (rc < 0) return 1;
        if (rc == 1) {
          c->st = IDLE;
          busy--, done++;
          /* From now on only a close (or unexpected data) from the server matters. */
        }
      } else if (c->st == IDLE) {
        char b[256];
        ssize_t r = recv(c->fd, b, sizeof b, 0);
        if (r == 0 || (r < 0 && errno != EAGAIN)) return fail("closed by the server", i), 1;
      }
    }
  }
  double t1 = now_s();
  printf("ready %ld (%.2f s)\n", n, t1 - t0);
  fflush(stdout);

  /* ---- hold: until stdin ends or a signal comes ---- */
  struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.u64 = (uint64_t)-1};
  int in_watch = epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev) == 0;
  long closed = 0;
  while (!stop) {
    int k = epoll_wait(ep, evs, 256, in_watch ? -1 : 1000);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) break;
    for (int e = 0; e < k; e++) {
      if (evs[e].data.u64 == (uint64_t)-1) {
        char b[256];
        ssize_t r = read(0, b, sizeof b);
        if (r <= 0) stop = 1;
        continue;
      }
      long i = (long)evs[e].data.u64;
      struct conn *c = &cs[i];
      char b[256];
      ssize_t r = recv(c->fd, b, sizeof b, 0);
      if (r == 0 || (r < 0 && errno != EAGAIN)) {
        epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
        c->fd = -1;
        c->st = CLOSED;
        closed++;
      }
    }
  }
  printf("closed-by-server %ld\n", closed);
  fflush(stdout);
  for (long i = 0; i < n; i++)
    if (cs[i].fd >= 0) close(cs[i].fd);
  free(cs);
  close(ep);
  return closed ? 1 : 0;
}
