/*
 * h_system.c - operational routes (see h_system.h).
 */
#include "h_system.h"

#include "db.h"
#include "embedded.h"
#include "err.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "metrics.h"
#include "version.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int demo_mode;

void h_system_set_demo(int demo)
{
  demo_mode = demo;
}

int h_healthz(struct req *r, struct reply *out)
{
  int64_t one = 0;
  db_stmt *st = db_prepare(r->db, "SELECT 1");
  if (!st || db_one_int(st, &one) || one != 1) return E_DB;
  return reply_json(
      out, 200,
      json_pack("{s:s,s:s,s:b}", "status", "ok", "version", KAOPING_VERSION, "demo", demo_mode));
}

int h_metrics(struct req *r, struct reply *out)
{
  if (metrics_render(&out->body, &out->len, db_size_bytes(r->db), http_connections()))
    return E_NOMEM;
  out->ctype = "text/plain; version=0.0.4; charset=utf-8";
  return E_OK;
}

int h_openapi(struct req *r, struct reply *out)
{
  (void)r;
  const struct embedded_file *f = embedded_find(res_files, res_files_count, "/openapi.json");
  if (!f) return E_NOT_FOUND;
  out->body = malloc(f->len);
  if (!out->body) return E_NOMEM;
  memcpy(out->body, f->data, f->len);
  out->len = f->len;
  out->ctype = f->mime;
  return E_OK;
}

/* Allows at most 60 logged reports per minute, so a broken page cannot flood the log. */
static int report_allowed(void)
{
  static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
  static time_t minute;
  static int count;
  time_t now = time(NULL) / 60;
  pthread_mutex_lock(&lock);
  if (now != minute) {
    minute = now;
    count = 0;
  }
  int ok = ++count <= 60;
  pthread_mutex_unlock(&lock);
  return ok;
}

int h_client_error(struct req *r, struct reply *out)
{
  static const char *const keys[] = {"message", "source", "line", "column", "stack", "page", NULL};
  const char *message, *source, *stack, *page;
  int64_t line = 0, column = 0;
  int rc;
  if ((rc = json_only_keys(out, r->jbody, keys)) ||
      (rc = json_take_str(out, r->jbody, "message", 1, 1000, &message)) ||
      (rc = json_take_str(out, r->jbody, "source", 0, 500, &source)) ||
      (rc = json_take_str(out, r->jbody, "stack", 0, 4000, &stack)) ||
      (rc = json_take_str(out, r->jbody, "page", 0, 200, &page)) ||
      (rc = json_take_int(out, r->jbody, "line", 0, 0, 10000000, &line)) ||
      (rc = json_take_int(out, r->jbody, "column", 0, 0, 10000000, &column)))
    return rc;
  metrics_client_error();
  if (report_allowed())
    log_warn("browser error from %s on %s: %.300s at %.200s:%lld:%lld", r->client,
             page ? page : "?", message, source ? source : "?", (long long)line, (long long)column);
  out->status = 204;
  return E_OK;
}
