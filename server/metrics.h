/*
 * metrics.h - request counters and the latency histogram, exported at GET /metrics in the
 * Prometheus text format. Counters are atomics updated by every worker thread.
 */
#ifndef KAOPING_METRICS_H
#define KAOPING_METRICS_H

#include <stddef.h>
#include <stdint.h>

/* Route slots besides the rows of the route table. */
#define METRICS_ROUTE_ASSET (-1) /* a static asset of the web app */
#define METRICS_ROUTE_NONE  (-2) /* no route matched (404, 414, ...) */

/* Allocates the counters. Returns 0, or -1 when out of memory. Call once before serving. */
int metrics_init(void);

/* Frees them. */
void metrics_free(void);

/* Counts one finished request of route ROUTE (its index in the route table, or one of the
 * slots above) with HTTP STATUS that took USEC microseconds. */
void metrics_observe(int route, int status, int64_t usec);

/* Counts one error report sent by the web app. */
void metrics_client_error(void);

/* Renders every metric as Prometheus text into a malloc'd, NUL-terminated *OUT (caller
 * frees) of *LEN bytes. DB_BYTES is the database size (-1 if unknown), CONNECTIONS the open
 * connections. Returns 0, or -1 when out of memory. */
int metrics_render(char **out, size_t *len, int64_t db_bytes, unsigned connections);

#endif
