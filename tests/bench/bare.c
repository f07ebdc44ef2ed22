/* bare: the smallest useful libmicrohttpd server, the yardstick for kaoping's benchmarks.
 *
 * It answers every GET with the fixed body {"status":"ok"} from one response object built at
 * start-up (MHD_RESPMEM_PERSISTENT) and queued as early as keep-alive allows, so what it measures
 * is this machine's limit for "an HTTP reply" through libmicrohttpd with the same daemon flags and
 * limits as kaoping (server/http.c): epoll internal thread, error log, inter-thread channel, a
 * thread pool of one thread per core, 30 s idle timeout, 4096 connections, 256 per address, listen
 * backlog 1024 (the timeout and both connection limits can be changed with the options of the
 * same name as kaoping's). A POST gets the same reply after its body has been read and thrown
 * away: the limit for an upload through libmicrohttpd (tests/bench/load.sh). Any other method
 * gets 405 with an empty body.
 *
 * The reply is queued on the access handler's second call, not its first: libmicrohttpd 0.9.75
 * treats a response queued while only the headers are processed as "early", stops reading the
 * connection and answers with "Connection: close", so every request would pay for a new TCP
 * connection. kaoping queues on the second call too, so both keep connections alive.
 *
 * usage: bare [--listen ADDR:PORT] [--threads N] [--timeout S] [--max-connections N]
 *             [--per-ip-limit N]
 *   --listen           IPv4 address and port, port 0 picks a free one (default 127.0.0.1:0)
 *   --threads          worker threads (default: number of cores)
 *   --timeout          seconds before an idle connection is closed (default 30)
 *   --max-connections  open connections at most (default 4096)
 *   --per-ip-limit     open connections per client address at most, 0 = no limit (default 256)
 * Prints "listening on http://ADDR:PORT" on stdout, then runs until SIGINT or SIGTERM.
 *
 * Built by tests/bench/run.sh:  cc -std=c11 -O2 bare.c $(pkg-config --cflags --libs libmicrohttpd)
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

static const char BODY[] = "{\"status\":\"ok\"}";

static struct MHD_Response *ok_resp;     /* 200 with BODY, shared by every request */
static struct MHD_Response *refuse_resp; /* 405, empty */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
  (void)sig;
  stop = 1;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
  (void)cls;
  (void)url;
  (void)version;
  (void)upload_data;
  static int seen; /* any non-NULL marker: "headers done, next call may reply" */
  if (!*req_cls) {
    *req_cls = &seen;
    return MHD_YES;
  }
  if (*upload_data_size) {
    *upload_data_size = 0; /* read and throw away any body */
    return MHD_YES;
  }
  if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_POST) != 0)
    return MHD_queue_response(c, MHD_HTTP_METHOD_NOT_ALLOWED, refuse_resp);
  return MHD_queue_response(c, MHD_HTTP_OK, ok_resp);
}

/* Parses "A.B.C.D:PORT" into SA. Returns 0 or -1. */
static int parse_listen(const char *s, struct sockaddr_in *sa)
{
  const char *colon = strrchr(s, ':');
  char host[INET_ADDRSTRLEN];
  if (!colon || (size_t)(colon - s) >= sizeof host) return -1;
  memcpy(host, s, (size_t)(colon - s));
  host[colon - s] = '\0';
  char *end;
  errno = 0;
  unsigned long port = strtoul(colon + 1, &end, 10);
  if (errno || end == colon + 1 || *end || port > 65535) return -1;
  memset(sa, 0, sizeof *sa);
  sa->sin_family = AF_INET;
  sa->sin_port = htons((uint16_t)port);
  return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

static void usage(FILE *f)
{
  fprintf(f, "usage: bare [--listen ADDR:PORT] [--threads N] [--timeout S] [--max-connections N]"
             " [--per-ip-limit N]\n");
}

int main(int argc, char **argv)
{
  const char *listen = "127.0.0.1:0";
  long threads = sysconf(_SC_NPROCESSORS_ONLN);
  if (threads < 1) threads = 1;
  long timeout = 30, max_conns = 4096, per_ip = 256;
  for (int i = 1; i < argc; i++) {
    long *num = NULL, lo = 0, hi = 0;
    if (!strcmp(argv[i], "--listen") && i + 1 < argc) {
      listen = argv[++i];
    } else if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
      num = &threads, lo = 1, hi = 1024;
    } else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
      num = &timeout, lo = 0, hi = 86400;
    } else if (!strcmp(argv[i], "--max-connections") && i + 1 < argc) {
      num = &max_conns, lo = 1, hi = 1000000;
    } else if (!strcmp(argv[i], "--per-ip-limit") && i + 1 < argc) {
      num = &per_ip, lo = 0, hi = 1000000;
    } else if (!strcmp(argv[i], "--help")) {
      usage(stdout);
      return 0;
    } else {
      usage(stderr);
      return 2;
    }
    if (num) {
      char *end;
      *num = strtol(argv[++i], &end, 10);
      if (*end || !argv[i][0] || *num < lo || *num > hi) {
        fprintf(stderr, "bare: bad %s '%s'\n", argv[i - 1], argv[i]);
        return 2;
      }
    }
  }
  struct sockaddr_in sa;
  if (parse_listen(listen, &sa) != 0) {
    fprintf(stderr, "bare: cannot use listen address '%s' (want A.B.C.D:PORT)\n", listen);
    return 2;
  }

  ok_resp = MHD_create_response_from_buffer(sizeof BODY - 1, (void *)BODY, MHD_RESPMEM_PERSISTENT);
  refuse_resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
  if (!ok_resp || !refuse_resp ||
      MHD_add_response_header(ok_resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json") !=
          MHD_YES ||
      MHD_add_response_header(refuse_resp, MHD_HTTP_HEADER_ALLOW, "GET, POST") != MHD_YES) {
    fprintf(stderr, "bare: out of memory\n");
    return 1;
  }

  /* Block the stop signals before MHD starts its threads, so that they inherit the mask and
   * the signals are only taken by sigsuspend() below. */
  sigset_t stopset, oldset;
  sigemptyset(&stopset);
  sigaddset(&stopset, SIGINT);
  sigaddset(&stopset, SIGTERM);
  sigprocmask(SIG_BLOCK, &stopset, &oldset);
  struct sigaction act;
  memset(&act, 0, sizeof act);
  act.sa_handler = on_signal;
  sigemptyset(&act.sa_mask);
  sigaction(SIGINT, &act, NULL);
  sigaction(SIGTERM, &act, NULL);

  struct MHD_Daemon *d = MHD_start_daemon(
      MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC, 0, NULL, NULL, on_request,
      NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_THREAD_POOL_SIZE,
      (unsigned)threads, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)timeout,
      MHD_OPTION_CONNECTION_LIMIT, (unsigned)max_conns, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
      (unsigned)per_ip, MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_END);
  if (!d) {
    fprintf(stderr, "bare: cannot listen on %s: %s\n", listen, strerror(errno));
    return 1;
  }
  const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
  char host[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &sa.sin_addr, host, sizeof host);
  printf("listening on http://%s:%u\n", host, di ? (unsigned)di->port : 0u);
  fflush(stdout);

  while (!stop) sigsuspend(&oldset);

  MHD_stop_daemon(d);
  MHD_destroy_response(ok_resp);
  MHD_destroy_response(refuse_resp);
  return 0;
}
