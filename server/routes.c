/*
 * routes.c - the route table and the path matcher (see routes.h).
 *
 * To add a route: write the handler in the h_*.c file of its area, add a row here, and
 * describe it in server/openapi.json (test_openapi fails otherwise).
 */
#include "routes.h"

#include "err.h"
#include "h_session.h"
#include "h_system.h"

#include <stdio.h>
#include <string.h>

const struct route routes[] = {
    /* operations */
    {"GET", "/healthz", ROLE_ANY, BODY_NONE, h_healthz},
    {"GET", "/metrics", ROLE_ANY, BODY_NONE, h_metrics},
    {"GET", "/api/v1/openapi.json", ROLE_ANY, BODY_NONE, h_openapi},
    {"POST", "/api/v1/client-errors", ROLE_ANY, BODY_JSON, h_client_error},
    /* sessions */
    {"POST", "/api/v1/session", ROLE_ANY, BODY_JSON, h_login},
    {"DELETE", "/api/v1/session", ROLE_USER, BODY_NONE, h_logout},
    {"GET", "/api/v1/me", ROLE_USER, BODY_NONE, h_me},
};
const size_t routes_count = sizeof routes / sizeof routes[0];

int route_pattern_match(const char *pattern, const char *path, const char **params, int *nparams,
                        struct arena *a)
{
  const char *p = pattern, *s = path;
  int n = 0;
  while (*p && *s) {
    if (*p == '{') {
      const char *pend = strchr(p, '}'), *send = strchr(s, '/');
      if (!send) send = s + strlen(s);
      if (!pend || send == s || n >= REQ_MAX_PARAMS) return 0;
      if (params) {
        params[n] = arena_strndup(a, s, (size_t)(send - s));
        if (!params[n]) return -1;
      }
      n++;
      p = pend + 1;
      s = send;
    } else if (*p++ != *s++) {
      return 0;
    }
  }
  if (*p || *s) return 0;
  if (nparams) *nparams = n;
  return 1;
}

int route_match(const char *method, const char *path, const struct route **rt, const char **params,
                int *nparams, struct arena *a, char *allow, size_t allowlen)
{
  const char *want = strcmp(method, "HEAD") ? method : "GET";
  size_t used = 0;
  int known = 0;
  allow[0] = 0;
  for (size_t i = 0; i < routes_count; i++) {
    if (!strcmp(routes[i].method, want)) {
      int m = route_pattern_match(routes[i].pattern, path, params, nparams, a);
      if (m < 0) return E_NOMEM;
      if (m) {
        *rt = &routes[i];
        return E_OK;
      }
    } else if (route_pattern_match(routes[i].pattern, path, NULL, NULL, a) == 1) {
      known = 1;
      const char *m = routes[i].method;
      int n = snprintf(allow + used, allowlen - used, "%s%s%s", used ? ", " : "", m,
                       strcmp(m, "GET") ? "" : ", HEAD");
      if (n > 0 && used + (size_t)n < allowlen) used += (size_t)n;
    }
  }
  return known ? E_METHOD : E_NOT_FOUND;
}

int route_is_unsafe(const struct route *rt)
{
  return strcmp(rt->method, "GET") != 0;
}
