/*
 * reply.c - helpers handlers use to fill a struct reply (see req.h).
 */
#include "err.h"
#include "req.h"
#include "routes.h"

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
