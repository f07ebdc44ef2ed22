/*
 * config.h - kaoping's options: one table gives each option's flag, environment variable,
 * type, default, the commands that accept it and its help text.
 *
 * Precedence: command-line flag > environment variable (KAOPING_*) > default. String values
 * point into argv or the environment and live as long as the process.
 */
#ifndef KAOPING_CONFIG_H
#define KAOPING_CONFIG_H

#include <stddef.h>

/* The commands of the kaoping binary (bit flags, for the option table). */
enum cmd {
  CMD_SERVE = 1 << 0,
  CMD_BACKUP = 1 << 1,
  CMD_USER_ADD = 1 << 2,
  CMD_AUDIT_VERIFY = 1 << 3,
  CMD_DEMO = 1 << 4,
};

/* --search-rank-max's default: up to this many matches a search is ranked by relevance. */
#define CONFIG_SEARCH_RANK_MAX 2000

/* Every setting of every command. */
struct config {
  const char *listen;       /* ADDR:PORT to listen on; port 0 picks a free one */
  const char *data_dir;     /* folder holding kaoping.db and the file store */
  const char *web_root;     /* serve web/ from this folder instead of the embedded copy */
  unsigned threads;         /* HTTP worker threads; 0 = number of cores */
  int demo;                 /* fill an empty data dir with demonstration data */
  unsigned timeout;         /* seconds before an idle connection is closed */
  unsigned max_connections; /* open connections at most */
  unsigned per_ip_limit;    /* open connections per client address at most; 0 = no limit */
  unsigned max_body;        /* JSON request body cap in bytes */
  unsigned max_upload;      /* uploaded file cap in bytes */
  unsigned shutdown_grace;  /* seconds in-flight requests get to finish at shutdown */
  int secure_cookies;       /* mark cookies Secure (behind a TLS proxy) */
  const char *tls_cert;     /* PEM certificate (chain) file: serve HTTPS */
  const char *tls_key;      /* PEM private key file */
  const char *pwhash;       /* password hashing cost: interactive | moderate | min */
  unsigned session_idle;    /* minutes of inactivity that end a session */
  unsigned session_max;     /* hours after which a session ends regardless */
  const char *log_level;    /* debug | info | warn | error */
  unsigned search_rank_max; /* search ranks by relevance (bm25) up to this many matches */
  const char *login;        /* user add: the new user's login */
  const char *role;         /* user add: admin | reviewer | unit */
  const char *unit;         /* user add: unit code (required for role unit) */
  const char *display_name; /* user add: the name shown in the UI */
  unsigned scale;           /* demo: units of the national-scale data set; 0 = the small demo */
  unsigned seed;            /* demo: seed of the generated data */
};

/* Fills C with the defaults, then the environment, then ARGV (options only; positional
 * arguments are stored in POS, at most MAXPOS of them, their number in *NPOS). Accepts only
 * the options of command CMD. Returns 0, or -1 with a message in ERR (ERRLEN bytes). */
int config_parse(enum cmd cmd, int argc, char **argv, struct config *c, char **pos, int maxpos,
                 int *npos, char *err, size_t errlen);

/* The configuration of the running command (set by main with config_set_active); handlers
 * read e.g. the data dir from it. */
void config_set_active(const struct config *c);
const struct config *config_active(void);

/* Prints the options of CMD, one per line with its variable and default, to F (a FILE *). */
void config_usage(enum cmd cmd, void *f);

#endif
