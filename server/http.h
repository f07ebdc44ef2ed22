/*
 * http.h - the HTTP server: libmicrohttpd's daemon, the dispatcher and the replies.
 *
 * http.c is the only file that includes microhttpd.h. It owns the request lifecycle (context
 * with arena, route match, role and CSRF checks, body reading with a cap, JSON parsing,
 * handler call, reply with security headers), static assets (embedded or from --web-root,
 * ETag/304), the access log, metrics, and graceful shutdown.
 */
#ifndef KAOPING_HTTP_H
#define KAOPING_HTTP_H

#include "config.h"

/* Starts serving on cfg->listen with cfg->threads worker threads (epoll, thread pool).
 * The caller must have blocked SIGINT/SIGTERM and ignored SIGPIPE first, so the workers
 * inherit that. On success stores the bound port in *PORT (useful with port 0) and the
 * printable base URL in URL (URLLEN bytes) and returns 0; returns -1 with a message in the
 * log otherwise. CFG must outlive the server. */
int http_start(const struct config *cfg, unsigned *port, char *url, size_t urllen);

/* Stops accepting connections, lets requests in flight finish for at most GRACE seconds
 * (answers sent meanwhile carry Connection: close), then stops the daemon and its threads. */
void http_stop(unsigned grace);

/* Open connections right now (for metrics). */
unsigned http_connections(void);

#endif
