/*
 * metrics.c - counters and histogram behind GET /metrics (see metrics.h).
 */
#include "metrics.h"

#include "batch.h"
#include "buf.h"
#include "results_cache.h"
#include "routes.h"
#include "session.h"
#include "sheet_cache.h"
#include "version.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Statuses counted separately; anything else lands in the last slot ("other"). */
static const int statuses[] = {200, 201, 204, 304, 400, 401, 403, 404,
                               405, 409, 413, 414, 415, 429, 500, 503};
#define NSTATUS (sizeof statuses / sizeof statuses[0] + 1)

/* Histogram bucket upper bounds in microseconds (Prometheus le= in seconds). */
static const int64_t bounds_us[] = {250,   500,    1000,   2500,   5000,    10000,  25000,
                                    50000, 100000, 250000, 500000, 1000000, 2500000};
#define NBUCKET (sizeof bounds_us / sizeof bounds_us[0])

static atomic_ullong *counts; /* [(routes_count + 2) * NSTATUS] */
static atomic_ullong buckets[NBUCKET + 1];
static atomic_ullong sum_us, total, client_errors;
static time_t started;

int metrics_init(void)
{
  counts = calloc((routes_count + 2) * NSTATUS, sizeof *counts);
  started = time(NULL);
  return counts ? 0 : -1;
}

void metrics_free(void)
{
  free(counts);
  counts = NULL;
}

static size_t slot(int route)
{
  if (route == METRICS_ROUTE_ASSET) return routes_count;
  if (route < 0 || (size_t)route >= routes_count) return routes_count + 1;
  return (size_t)route;
}

void metrics_observe(int route, int status, int64_t usec)
{
  size_t s = NSTATUS - 1;
  for (size_t i = 0; i + 1 < NSTATUS; i++)
    if (statuses[i] == status) s = i;
  if (counts)
    atomic_fetch_add_explicit(&counts[slot(route) * NSTATUS + s], 1, memory_order_relaxed);
  size_t b = 0;
  while (b < NBUCKET && usec > bounds_us[b]) b++;
  atomic_fetch_add_explicit(&buckets[b], 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&sum_us, (unsigned long long)(usec > 0 ? usec : 0),
                            memory_order_relaxed);
  atomic_fetch_add_explicit(&total, 1, memory_order_relaxed);
}

void metrics_client_error(void)
{
  atomic_fetch_add_explicit(&client_errors, 1, memory_order_relaxed);
}

int metrics_render(char **out, size_t *len, int64_t db_bytes, unsigned connections)
{
  struct buf t = {0};
  buf_printf(&t,
             "# HELP kaoping_build_info Version of the running kaoping.\n"
             "# TYPE kaoping_build_info gauge\nkaoping_build_info{version=\"%s\"} 1\n",
             KAOPING_VERSION);
  buf_printf(&t,
             "# HELP kaoping_uptime_seconds Seconds since the daemon started.\n"
             "# TYPE kaoping_uptime_seconds gauge\nkaoping_uptime_seconds %lld\n",
             (long long)(time(NULL) - started));
  buf_printf(&t, "# HELP kaoping_http_requests_total Finished HTTP requests by route and status.\n"
                 "# TYPE kaoping_http_requests_total counter\n");
  for (size_t r = 0; counts && r < routes_count + 2; r++) {
    const char *method = r < routes_count ? routes[r].method : "";
    const char *route = r < routes_count ? routes[r].pattern : r == routes_count ? "asset" : "none";
    for (size_t s = 0; s < NSTATUS; s++) {
      unsigned long long n = atomic_load_explicit(&counts[r * NSTATUS + s], memory_order_relaxed);
      if (!n) continue;
      char status[8];
      if (s + 1 < NSTATUS)
        snprintf(status, sizeof status, "%d", statuses[s]);
      else
        strcpy(status, "other");
      buf_printf(&t, "kaoping_http_requests_total{method=\"%s\",route=\"%s\",status=\"%s\"} %llu\n",
                 method, route, status, n);
    }
  }
  buf_printf(&t, "# HELP kaoping_http_request_duration_seconds Time from request start to reply.\n"
                 "# TYPE kaoping_http_request_duration_seconds histogram\n");
  unsigned long long cum = 0;
  for (size_t b = 0; b <= NBUCKET; b++) {
    cum += atomic_load_explicit(&buckets[b], memory_order_relaxed);
    if (b < NBUCKET)
      buf_printf(&t, "kaoping_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
                 (double)bounds_us[b] / 1e6, cum);
    else
      buf_printf(&t, "kaoping_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n", cum);
  }
  buf_printf(&t, "kaoping_http_request_duration_seconds_sum %.6f\n",
             (double)atomic_load(&sum_us) / 1e6);
  buf_printf(&t, "kaoping_http_request_duration_seconds_count %llu\n", atomic_load(&total));
  buf_printf(&t,
             "# HELP kaoping_http_connections Open HTTP connections.\n"
             "# TYPE kaoping_http_connections gauge\nkaoping_http_connections %u\n",
             connections);
  buf_printf(&t,
             "# HELP kaoping_db_size_bytes Size of the SQLite database file.\n"
             "# TYPE kaoping_db_size_bytes gauge\nkaoping_db_size_bytes %lld\n",
             (long long)db_bytes);
  buf_printf(&t,
             "# HELP kaoping_client_errors_total Script errors reported by browsers.\n"
             "# TYPE kaoping_client_errors_total counter\nkaoping_client_errors_total %llu\n",
             atomic_load(&client_errors));
  buf_printf(
      &t,
      "# HELP kaoping_results_computed_total Results computed into a snapshot (results_cache.h):"
      " a cycle's results are computed again only after what they depend on changed.\n"
      "# TYPE kaoping_results_computed_total counter\nkaoping_results_computed_total %lld\n",
      (long long)results_cache_computed());
  uint64_t hits, misses;
  size_t kept;
  sheet_cache_stats(&hits, &misses, &kept);
  buf_printf(&t,
             "# HELP kaoping_sheet_cache_lookups_total Score sheets' items and totals looked up in "
             "memory (sheet_cache.h), by whether a current copy was there.\n"
             "# TYPE kaoping_sheet_cache_lookups_total counter\n"
             "kaoping_sheet_cache_lookups_total{result=\"hit\"} %llu\n"
             "kaoping_sheet_cache_lookups_total{result=\"miss\"} %llu\n"
             "# HELP kaoping_sheet_cache_bytes Text of score sheets kept in memory.\n"
             "# TYPE kaoping_sheet_cache_bytes gauge\nkaoping_sheet_cache_bytes %zu\n",
             (unsigned long long)hits, (unsigned long long)misses, kept);
  session_cache_stats(&hits, &misses);
  buf_printf(
      &t,
      "# HELP kaoping_session_cache_lookups_total Signed-in requests whose session was found in "
      "memory (session.h), by whether a current copy was there.\n"
      "# TYPE kaoping_session_cache_lookups_total counter\n"
      "kaoping_session_cache_lookups_total{result=\"hit\"} %llu\n"
      "kaoping_session_cache_lookups_total{result=\"miss\"} %llu\n",
      (unsigned long long)hits, (unsigned long long)misses);
  uint64_t batches, jobs;
  batch_stats(&batches, &jobs);
  buf_printf(&t,
             "# HELP kaoping_write_batches_total Transactions of the group commit (batch.h).\n"
             "# TYPE kaoping_write_batches_total counter\nkaoping_write_batches_total %llu\n"
             "# HELP kaoping_write_batch_jobs_total Writes run in them (score saves).\n"
             "# TYPE kaoping_write_batch_jobs_total counter\nkaoping_write_batch_jobs_total %llu\n",
             (unsigned long long)batches, (unsigned long long)jobs);
  if (t.oom) {
    free(t.p);
    return -1;
  }
  *out = t.p;
  *len = t.n;
  return 0;
}
