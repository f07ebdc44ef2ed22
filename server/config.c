/*
 * config.c - the option table and its parser (see config.h).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum opt_type { OPT_STR, OPT_UINT, OPT_FLAG };

/* One option: where it is stored and who accepts it. */
struct opt {
  const char *name;   /* flag without the leading "--" */
  const char *env;    /* environment variable, or NULL */
  enum opt_type type; /* how the value is parsed */
  size_t off;         /* offset of the member in struct config */
  unsigned cmds;      /* commands that accept it (enum cmd bits) */
  const char *def;    /* default as text, for the help output */
  const char *help;   /* one line */
};

#define OFF(m) offsetof(struct config, m)
#define ALL    (CMD_SERVE | CMD_BACKUP | CMD_USER_ADD | CMD_AUDIT_VERIFY | CMD_DEMO)

static const struct opt opts[] = {
    {"listen", "KAOPING_LISTEN", OPT_STR, OFF(listen), CMD_SERVE, "127.0.0.1:8080",
     "address and port to listen on (port 0 picks a free port)"},
    {"data-dir", "KAOPING_DATA_DIR", OPT_STR, OFF(data_dir), ALL, "./kaoping-data",
     "folder with the database and uploaded files"},
    {"web-root", "KAOPING_WEB_ROOT", OPT_STR, OFF(web_root), CMD_SERVE, "(embedded)",
     "serve the web app from this folder instead of the copy in the binary"},
    {"threads", "KAOPING_THREADS", OPT_UINT, OFF(threads), CMD_SERVE, "number of cores",
     "HTTP worker threads"},
    {"demo", "KAOPING_DEMO", OPT_FLAG, OFF(demo), CMD_SERVE, "off",
     "fill an empty data dir with a demonstration cycle and print its logins"},
    {"timeout", "KAOPING_TIMEOUT", OPT_UINT, OFF(timeout), CMD_SERVE, "30",
     "seconds before an idle connection is closed"},
    {"max-connections", "KAOPING_MAX_CONNECTIONS", OPT_UINT, OFF(max_connections), CMD_SERVE,
     "4096", "open connections at most"},
    {"per-ip-limit", "KAOPING_PER_IP_LIMIT", OPT_UINT, OFF(per_ip_limit), CMD_SERVE, "256",
     "open connections per client address at most (0 = no limit)"},
    {"max-body", "KAOPING_MAX_BODY", OPT_UINT, OFF(max_body), CMD_SERVE, "1048576",
     "largest JSON request body in bytes"},
    {"max-upload", "KAOPING_MAX_UPLOAD", OPT_UINT, OFF(max_upload), CMD_SERVE, "52428800",
     "largest uploaded file in bytes (50 MB)"},
    {"shutdown-grace", "KAOPING_SHUTDOWN_GRACE", OPT_UINT, OFF(shutdown_grace), CMD_SERVE, "10",
     "seconds in-flight requests get to finish on SIGTERM"},
    {"secure-cookies", "KAOPING_SECURE_COOKIES", OPT_FLAG, OFF(secure_cookies), CMD_SERVE, "off",
     "mark cookies Secure (set this behind a TLS proxy)"},
    {"tls-cert", "KAOPING_TLS_CERT", OPT_STR, OFF(tls_cert), CMD_SERVE, "(none)",
     "serve HTTPS with this PEM certificate (with --tls-key)"},
    {"tls-key", "KAOPING_TLS_KEY", OPT_STR, OFF(tls_key), CMD_SERVE, "(none)",
     "the PEM private key of --tls-cert"},
    {"pwhash", "KAOPING_PWHASH", OPT_STR, OFF(pwhash), CMD_SERVE | CMD_USER_ADD | CMD_DEMO,
     "interactive", "password hashing cost: interactive, moderate, or min (tests only)"},
    {"session-idle", "KAOPING_SESSION_IDLE", OPT_UINT, OFF(session_idle), CMD_SERVE, "30",
     "minutes of inactivity that end a session"},
    {"session-max", "KAOPING_SESSION_MAX", OPT_UINT, OFF(session_max), CMD_SERVE, "12",
     "hours after which a session ends regardless"},
    {"log-level", "KAOPING_LOG_LEVEL", OPT_STR, OFF(log_level), CMD_SERVE, "info",
     "debug, info, warn or error"},
    {"search-rank-max", "KAOPING_SEARCH_RANK_MAX", OPT_UINT, OFF(search_rank_max), CMD_SERVE,
     "2000", "search ranks by relevance up to this many matches, above it newest stored first"},
    {"login", NULL, OPT_STR, OFF(login), CMD_USER_ADD, "", "login name of the new user"},
    {"role", NULL, OPT_STR, OFF(role), CMD_USER_ADD, "", "admin, reviewer or unit"},
    {"unit", NULL, OPT_STR, OFF(unit), CMD_USER_ADD, "", "unit code (required for role unit)"},
    {"name", NULL, OPT_STR, OFF(display_name), CMD_USER_ADD, "(login)",
     "name shown in the web app"},
    {"scale", NULL, OPT_UINT, OFF(scale), CMD_DEMO, "0",
     "generate N units with reports and submitted sheets (benchmarks); 0 = the small demo"},
    {"seed", NULL, OPT_UINT, OFF(seed), CMD_DEMO, "1", "seed of the generated data"},
};
#define NOPTS (sizeof opts / sizeof opts[0])

/* Stores VALUE (text) into the member of C that O names. Returns 0, or -1 with ERR. */
static int set(const struct opt *o, struct config *c, const char *value, const char *from,
               char *err, size_t errlen)
{
  char *base = (char *)c + o->off;
  if (o->type == OPT_STR) {
    *(const char **)base = value;
  } else if (o->type == OPT_FLAG) {
    if (!value || !strcmp(value, "1") || !strcmp(value, "true") || !strcmp(value, "yes"))
      *(int *)base = 1;
    else if (!strcmp(value, "0") || !strcmp(value, "false") || !strcmp(value, "no"))
      *(int *)base = 0;
    else {
      snprintf(err, errlen, "%s: '%s' is not a yes/no value", from, value);
      return -1;
    }
  } else {
    char *end;
    errno = 0;
    unsigned long v = strtoul(value, &end, 10);
    if (!*value || *end || errno || v > 0x7fffffffUL || value[0] == '-') {
      snprintf(err, errlen, "%s: '%s' is not a whole number", from, value);
      return -1;
    }
    *(unsigned *)base = (unsigned)v;
  }
  return 0;
}

int config_parse(enum cmd cmd, int argc, char **argv, struct config *c, char **pos, int maxpos,
                 int *npos, char *err, size_t errlen)
{
  memset(c, 0, sizeof *c);
  c->listen = "127.0.0.1:8080";
  c->data_dir = "./kaoping-data";
  c->timeout = 30;
  c->max_connections = 4096;
  c->per_ip_limit = 256;
  c->max_body = 1 << 20;
  c->max_upload = 50u << 20;
  c->shutdown_grace = 10;
  c->pwhash = "interactive";
  c->session_idle = 30;
  c->session_max = 12;
  c->log_level = "info";
  c->search_rank_max = CONFIG_SEARCH_RANK_MAX;
  c->seed = 1;
  *npos = 0;

  for (size_t i = 0; i < NOPTS; i++) {
    const char *v = opts[i].env ? getenv(opts[i].env) : NULL;
    if (v && (opts[i].cmds & cmd) && set(&opts[i], c, v, opts[i].env, err, errlen)) return -1;
  }
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (strncmp(a, "--", 2) != 0 || a[2] == 0) {
      if (*npos >= maxpos) {
        snprintf(err, errlen, "unexpected argument '%s'", a);
        return -1;
      }
      pos[(*npos)++] = argv[i];
      continue;
    }
    const char *name = a + 2, *eq = strchr(name, '=');
    size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
    const struct opt *o = NULL;
    for (size_t k = 0; k < NOPTS; k++)
      if ((opts[k].cmds & cmd) && strlen(opts[k].name) == nlen &&
          !strncmp(opts[k].name, name, nlen))
        o = &opts[k];
    if (!o) {
      snprintf(err, errlen, "unknown option '%.*s' (see --help)", (int)(nlen + 2), a);
      return -1;
    }
    const char *value = eq ? eq + 1 : NULL;
    if (!value && o->type != OPT_FLAG) {
      if (i + 1 >= argc) {
        snprintf(err, errlen, "option '%s' needs a value", a);
        return -1;
      }
      value = argv[++i];
    }
    if (set(o, c, value, a, err, errlen)) return -1;
  }
  return 0;
}

static const struct config *active;

void config_set_active(const struct config *c)
{
  active = c;
}

const struct config *config_active(void)
{
  return active;
}

void config_usage(enum cmd cmd, void *fp)
{
  FILE *f = fp;
  for (size_t i = 0; i < NOPTS; i++) {
    if (!(opts[i].cmds & cmd)) continue;
    char flag[64];
    snprintf(flag, sizeof flag, "--%s%s", opts[i].name, opts[i].type == OPT_FLAG ? "" : " V");
    fprintf(f, "  %-24s %s\n", flag, opts[i].help);
    fprintf(f, "  %-24s default %s%s%s\n", "", opts[i].def, opts[i].env ? "; env " : "",
            opts[i].env ? opts[i].env : "");
  }
}
