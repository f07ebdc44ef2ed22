/*
 * reply.c - helpers handlers use to fill a struct reply (see req.h).
 */
#include "err.h"
#include "req.h"
#include "routes.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int reply_json(struct reply *out, int status, json_t *j)
{
  if (!j) return E_NOMEM;
  json_decref(out->json);
  out->json = j;
  out->status = status;
  return E_OK;
}

int reply_header(struct reply *out, const char *name, const char *value)
{
  if (out->nh >= (int)(sizeof out->hname / sizeof out->hname[0])) return E_INTERNAL;
  out->hname[out->nh] = name;
  out->hvalue[out->nh++] = value;
  return E_OK;
}

int reply_invalid(struct reply *out, const char *field, const char *detail)
{
  out->field = field;
  out->detail = detail;
  return E_VALIDATION;
}

const char *req_param(struct req *r, const char *name)
{
  if (!r->rt) return NULL;
  size_t nlen = strlen(name);
  int i = 0;
  for (const char *p = r->rt->pattern; (p = strchr(p, '{')) != NULL; i++) {
    const char *end = strchr(++p, '}');
    if (!end) break;
    if ((size_t)(end - p) == nlen && !strncmp(p, name, nlen))
      return i < r->nparams ? r->params[i] : NULL;
    p = end;
  }
  return NULL;
}

/* Parses S as a decimal integer; returns 0 and stores it in *V, or -1. */
static int parse_int(const char *s, int64_t *v)
{
  char *end;
  errno = 0;
  long long n = strtoll(s, &end, 10);
  if (!*s || *end || errno) return -1;
  *v = n;
  return 0;
}

int req_query_int(struct req *r, struct reply *out, const char *name, int64_t def, int64_t min,
                  int64_t max, int64_t *val)
{
  const char *s = req_query(r, name);
  if (!s) {
    *val = def;
    return E_OK;
  }
  if (parse_int(s, val) || *val < min || *val > max)
    return reply_invalid(out, name, "应为允许范围内的整数");
  return E_OK;
}

int req_param_id(struct req *r, const char *name, int64_t *id)
{
  const char *s = req_param(r, name);
  return s && !parse_int(s, id) && *id > 0 ? E_OK : E_NOT_FOUND;
}
