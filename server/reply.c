/*
 * reply.c - helpers handlers use to fill a struct reply (see req.h).
 */
#include "err.h"
#include "req.h"
#include "routes.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
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

int reply_json_text(struct reply *out, int status, char *text, size_t len)
{
  if (!text) return E_NOMEM;
  free(out->body);
  out->body = text;
  out->len = len;
  out->ctype = "application/json; charset=utf-8";
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

int reply_file(struct req *r, struct reply *out, const char *path, const char *ctype,
               const char *filename)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  struct stat sb;
  if (fd < 0 || fstat(fd, &sb) != 0) {
    if (fd >= 0) close(fd);
    return E_NOT_FOUND;
  }
  /* filename*: every byte outside unreserved ASCII percent-encoded; filename: an ASCII
   * stand-in for old clients. */
  size_t n = strlen(filename);
  char *enc = arena_alloc(&r->a, 3 * n + 1), *ascii = arena_alloc(&r->a, n + 1);
  if (!enc || !ascii) {
    close(fd);
    return E_NOMEM;
  }
  size_t e = 0, k = 0;
  for (const unsigned char *p = (const unsigned char *)filename; *p; p++) {
    if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
        strchr("-._~", *p))
      enc[e++] = (char)*p;
    else
      e += (size_t)sprintf(enc + e, "%%%02X", *p);
    ascii[k++] = *p < 0x80 && *p >= 0x20 && *p != '"' && *p != '\\' ? (char)*p : '_';
  }
  enc[e] = ascii[k] = 0;
  const char *cd =
      arena_printf(&r->a, "attachment; filename=\"%s\"; filename*=UTF-8''%s", ascii, enc);
  if (!cd || reply_header(out, "Content-Disposition", cd)) {
    close(fd);
    return E_NOMEM;
  }
  out->fd = fd;
  out->fd_size = (uint64_t)sb.st_size;
  out->ctype = ctype;
  return E_OK;
}
