/*
 * h_users.c - account management: the admin's user list and edits, password resets, the
 * initial accounts of a cycle's units as a printable sheet, and every user's own password and
 * sessions (see h_users.h).
 *
 * Passwords are hashed before any transaction starts (Argon2id must not hold the write lock).
 * Generated passwords are random (about 71 bits) and must be changed at the first login.
 */
#include "h_users.h"

#include "audit.h"
#include "config.h"
#include "crypto.h"
#include "db.h"
#include "err.h"
#include "h_cycles.h"
#include "json.h"
#include "session.h"
#include "users.h"
#include "xlsx.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Maps a users.c validation result into OUT. */
static int invalid(struct reply *out, int rc, const char *field, const char *problem)
{
  if (rc == E_VALIDATION || (rc == E_DUPLICATE && field)) {
    out->field = field;
    out->detail = problem;
  }
  return rc;
}

int h_users_list(struct req *r, struct reply *out)
{
  int64_t limit, offset, total = 0;
  int rc;
  const char *role = req_query(r, "role"), *unit = req_query(r, "unit"), *q = req_query(r, "q");
  if ((rc = req_query_int(r, out, "limit", 100, 1, 1000, &limit)) ||
      (rc = req_query_int(r, out, "offset", 0, 0, INT64_MAX / 2, &offset)))
    return rc;
  json_t *users = NULL;
  if ((rc = user_list(r->db, role, unit, q && *q ? q : NULL, limit, offset, &users, &total)))
    return rc;
  return reply_json(out, 200, json_pack("{s:o,s:I}", "users", users, "total", (json_int_t)total));
}

int h_user_get(struct req *r, struct reply *out)
{
  int64_t id;
  json_t *u = NULL;
  int rc = req_param_id(r, "id", &id);
  if (!rc) rc = user_get(r->db, id, &u);
  return rc ? rc : reply_json(out, 200, json_pack("{s:o}", "user", u));
}

int h_user_create(struct req *r, struct reply *out)
{
  static const char *const keys[] = {"login", "display_name", "role", "unit", "password", NULL};
  const char *login, *name, *role, *unit, *password;
  int rc;
  if ((rc = json_only_keys(out, r->jbody, keys)) ||
      (rc = json_take_str(out, r->jbody, "login", 1, 64, &login)) ||
      (rc = json_take_str(out, r->jbody, "display_name", 0, 100, &name)) ||
      (rc = json_take_str(out, r->jbody, "role", 1, 16, &role)) ||
      (rc = json_take_str(out, r->jbody, "unit", 0, 64, &unit)) ||
      (rc = json_take_str(out, r->jbody, "password", 0, 1024, &password)))
    return rc;
  const char *problem = user_login_problem(login);
  if (problem) return reply_invalid(out, "login", problem);
  char generated[CRYPTO_GENPW_LEN + 1] = "";
  if (!password || !*password) {
    crypto_generate_password(generated);
    password = generated;
  } else if ((problem = user_password_problem(password, login))) {
    return reply_invalid(out, "password", problem);
  }
  char hash[CRYPTO_PWHASH_STR];
  if (crypto_password_hash(password, hash)) return E_NOMEM;
  int64_t id = 0;
  const char *field = NULL;
  rc = user_create(r->db, login, name, role, unit && *unit ? unit : NULL, hash, 1, r->user.id,
                   r->user.login, r->client, &id, &field, &problem);
  if (rc) return invalid(out, rc, field, problem);
  json_t *u = NULL;
  if ((rc = user_get(r->db, id, &u))) return rc;
  return reply_json(
      out, 201, json_pack("{s:o,s:s?}", "user", u, "password", generated[0] ? generated : NULL));
}

int h_user_update(struct req *r, struct reply *out)
{
  static const char *const keys[] = {"display_name", "role", "unit", "disabled", NULL};
  int64_t id;
  int rc = req_param_id(r, "id", &id);
  if (rc) return rc;
  struct user_change c = {.disabled = -1};
  json_t *unit = json_object_get(r->jbody, "unit"),
         *disabled = json_object_get(r->jbody, "disabled");
  if ((rc = json_only_keys(out, r->jbody, keys)) ||
      (rc = json_take_str(out, r->jbody, "display_name", 0, 100, &c.display_name)) ||
      (rc = json_take_str(out, r->jbody, "role", 0, 16, &c.role)) ||
      (rc = json_take_str(out, r->jbody, "unit", 0, 64, &c.unit_code)))
    return rc;
  if (c.display_name && !*c.display_name) return reply_invalid(out, "display_name", "不能为空");
  c.unit_set = unit != NULL;
  if (c.unit_code && !*c.unit_code) c.unit_code = NULL;
  if (disabled) {
    if (!json_is_boolean(disabled)) return reply_invalid(out, "disabled", "应为 true 或 false");
    c.disabled = json_is_true(disabled);
  }
  const char *field = NULL, *problem = NULL;
  rc = user_update(r->db, id, &c, r->user.id, r->user.login, r->client, &field, &problem);
  if (rc) return invalid(out, rc, field, problem);
  json_t *u = NULL;
  if ((rc = user_get(r->db, id, &u))) return rc;
  return reply_json(out, 200, json_pack("{s:o}", "user", u));
}

int h_user_reset_password(struct req *r, struct reply *out)
{
  int64_t id;
  int rc = req_param_id(r, "id", &id);
  if (rc) return rc;
  char pw[CRYPTO_GENPW_LEN + 1], hash[CRYPTO_PWHASH_STR];
  crypto_generate_password(pw);
  if (crypto_password_hash(pw, hash)) return E_NOMEM;
  rc = user_set_password(r->db, id, hash, 1, 0, r->user.id, r->user.login, r->client,
                         "user.password_reset");
  return rc ? rc : reply_json(out, 200, json_pack("{s:s}", "password", pw));
}

int h_me_password(struct req *r, struct reply *out)
{
  static const char *const keys[] = {"current_password", "new_password", NULL};
  const char *cur, *next;
  int rc;
  if ((rc = json_only_keys(out, r->jbody, keys)) ||
      (rc = json_take_str(out, r->jbody, "current_password", 1, 1024, &cur)) ||
      (rc = json_take_str(out, r->jbody, "new_password", 1, 1024, &next)))
    return rc;
  char hash[CRYPTO_PWHASH_STR];
  if ((rc = user_password_hash(r->db, r->user.id, hash))) return rc;
  int rehash;
  if (!crypto_password_verify(hash, cur, &rehash))
    return reply_invalid(out, "current_password", "当前密码不正确");
  const char *problem = user_password_problem(next, r->user.login);
  if (problem) return reply_invalid(out, "new_password", problem);
  if (!strcmp(cur, next)) return reply_invalid(out, "new_password", "新密码不能与当前密码相同");
  if (crypto_password_hash(next, hash)) return E_NOMEM;
  rc = user_set_password(r->db, r->user.id, hash, 0, r->user.session_id, r->user.id, r->user.login,
                         r->client, "user.password_change");
  if (rc) return rc;
  out->status = 204;
  return E_OK;
}

int h_me_sessions(struct req *r, struct reply *out)
{
  db_stmt *st =
      db_prepare(r->db, "SELECT id, created_at, last_seen, expires_at, client_addr, "
                        "user_agent FROM session WHERE user_id = :u ORDER BY last_seen DESC");
  int rc;
  if (!st || (rc = db_bind_int(st, ":u", r->user.id))) return st ? rc : E_DB;
  json_t *arr = json_array();
  while (arr && (rc = db_step(st)) == DB_ROW) {
    int64_t id = db_col_int(st, 0);
    json_t *s =
        json_pack("{s:I,s:I,s:I,s:I,s:s,s:s,s:b}", "id", (json_int_t)id, "created_at",
                  (json_int_t)db_col_int(st, 1), "last_seen", (json_int_t)db_col_int(st, 2),
                  "expires_at", (json_int_t)db_col_int(st, 3), "client_addr", db_col_text(st, 4),
                  "user_agent", db_col_text(st, 5), "current", id == r->user.session_id);
    if (json_array_append_new(arr, s)) rc = E_NOMEM;
  }
  db_reset(st);
  if (!arr || rc != DB_DONE) {
    json_decref(arr);
    return arr ? rc : E_NOMEM;
  }
  return reply_json(out, 200, json_pack("{s:o}", "sessions", arr));
}

int h_me_session_end(struct req *r, struct reply *out)
{
  int64_t id;
  int rc = req_param_id(r, "id", &id);
  if (rc) return rc;
  if ((rc = db_begin(r->db))) return rc;
  db_stmt *st = db_prepare(r->db, "DELETE FROM session WHERE id = :id AND user_id = :u");
  if (!st || (rc = db_bind_int(st, ":id", id)) || (rc = db_bind_int(st, ":u", r->user.id)) ||
      (rc = db_run(st)))
    goto fail;
  if (db_changes(r->db) == 0) { /* not this user's session: same answer as a missing one */
    rc = E_NOT_FOUND;
    goto fail;
  }
  char object[32];
  snprintf(object, sizeof object, "session:%lld", (long long)id);
  if ((rc = audit_write(r->db, r->user.id, r->user.login, "session.end", object, "{}", r->client)))
    goto fail;
  if ((rc = db_commit(r->db))) return rc;
  if (id == r->user.session_id && (rc = session_clear_cookie(r, out))) return rc;
  out->status = 204;
  return E_OK;
fail:
  db_rollback(r->db);
  return rc ? rc : E_DB;
}

/* One unit without an account, and the account made for it. */
struct newacct {
  int64_t unit_id;
  char code[65], name[201], login[80], pw[CRYPTO_GENPW_LEN + 1], hash[CRYPTO_PWHASH_STR];
};

/* Writes the accounts sheet ACC[N] as XLSX into a malloc'd buffer *BODY of *LEN bytes. */
static int accounts_sheet(const struct newacct *acc, size_t n, const char *title, char **body,
                          size_t *len)
{
  const struct config *cfg = config_active();
  char path[4200], tmpdir[4100];
  snprintf(tmpdir, sizeof tmpdir, "%s/tmp", cfg->data_dir);
  snprintf(path, sizeof path, "%s/accounts-XXXXXX", tmpdir);
  int fd = mkstemp(path);
  if (fd < 0) return E_INTERNAL;
  close(fd);
  static const char *const head[] = {"单位代码", "单位名称", "登录名", "初始密码", "说明"};
  static const double widths[] = {14, 36, 20, 20, 44};
  const char **cells = calloc(n ? n * 5 : 1, sizeof *cells);
  if (!cells) {
    unlink(path);
    return E_NOMEM;
  }
  for (size_t i = 0; i < n; i++) {
    cells[i * 5] = acc[i].code;
    cells[i * 5 + 1] = acc[i].name;
    cells[i * 5 + 2] = acc[i].login;
    cells[i * 5 + 3] = acc[i].pw;
    cells[i * 5 + 4] = "首次登录后须修改密码；请妥善保管，勿外传";
  }
  int rc = xlsx_write_table(path, tmpdir, title, head, widths, 5, cells, n) ? E_INTERNAL : E_OK;
  free(cells);
  struct stat sb;
  FILE *f = rc ? NULL : fopen(path, "rb");
  if (f && fstat(fileno(f), &sb) == 0 && (*body = malloc((size_t)sb.st_size + 1)) != NULL &&
      fread(*body, 1, (size_t)sb.st_size, f) == (size_t)sb.st_size)
    *len = (size_t)sb.st_size;
  else if (!rc)
    rc = E_INTERNAL;
  if (f) fclose(f);
  unlink(path);
  return rc;
}

int h_unit_accounts(struct req *r, struct reply *out)
{
  int64_t cycle;
  int rc = req_param_id(r, "cycle", &cycle);
  if (rc) return rc;
  const char *format = req_query(r, "format");
  if (format && strcmp(format, "json") && strcmp(format, "xlsx"))
    return reply_invalid(out, "format", "应为 json 或 xlsx");
  if ((rc = cycle_check_open(r->db, cycle, 1, &out->detail))) return rc;
  /* Units of the cycle that have no unit account yet. */
  db_stmt *st;
  st = db_prepare(r->db, "SELECT un.id, un.code, un.name FROM cycle_unit cu JOIN unit un ON "
                         "un.id = cu.unit_id WHERE cu.cycle_id = :c AND un.active = 1 AND NOT "
                         "EXISTS (SELECT 1 FROM user u WHERE u.unit_id = un.id AND u.role = "
                         "'unit') ORDER BY un.code");
  if (!st || (rc = db_bind_int(st, ":c", cycle))) return st ? rc : E_DB;
  size_t n = 0, cap = 16;
  struct newacct *acc = malloc(cap * sizeof *acc);
  while (acc && (rc = db_step(st)) == DB_ROW) {
    if (n == cap) {
      struct newacct *na = realloc(acc, (cap *= 2) * sizeof *acc);
      if (!na) break;
      acc = na;
    }
    acc[n].unit_id = db_col_int(st, 0);
    snprintf(acc[n].code, sizeof acc[n].code, "%s", db_col_text(st, 1));
    snprintf(acc[n].name, sizeof acc[n].name, "%s", db_col_text(st, 2));
    snprintf(acc[n].login, sizeof acc[n].login, "unit-%s", acc[n].code);
    crypto_generate_password(acc[n].pw);
    n++;
  }
  db_reset(st);
  if (!acc || rc != DB_DONE) {
    free(acc);
    return acc ? (rc == DB_ROW ? E_NOMEM : rc) : E_NOMEM;
  }
  /* The passwords are random and replaced at first login, so they are hashed at the lowest
   * cost: guessing 71 random bits is hopeless at any hashing speed, and a cycle's thousands
   * of accounts are made in seconds rather than hours. */
  for (size_t i = 0; i < n; i++)
    if (crypto_password_hash_min(acc[i].pw, acc[i].hash)) {
      free(acc);
      return E_NOMEM;
    }
  /* All accounts in one transaction: either every password of the sheet exists, or none. */
  json_t *created = json_array(), *skipped = json_array();
  if (!created || !skipped || (rc = db_begin(r->db))) {
    rc = rc ? rc : E_NOMEM;
    goto done;
  }
  st = db_prepare(r->db, "SELECT count(*) FROM user WHERE login = :l");
  for (size_t i = 0; i < n && !rc; i++) {
    int64_t taken = 0, id;
    const char *field, *problem;
    if (!st || (rc = db_bind_text(st, ":l", acc[i].login)) || (rc = db_one_int(st, &taken))) {
      rc = rc ? rc : E_DB;
      break;
    }
    if (taken) {
      json_array_append_new(skipped, json_pack("{s:s,s:s,s:s}", "unit", acc[i].code, "login",
                                               acc[i].login, "reason", "该登录名已被其他账号使用"));
      acc[i].login[0] = 0;
      continue;
    }
    rc = user_create(r->db, acc[i].login, acc[i].name, "unit", acc[i].code, acc[i].hash, 1,
                     r->user.id, r->user.login, r->client, &id, &field, &problem);
    if (!rc && json_array_append_new(created, json_pack("{s:s,s:s,s:s,s:s}", "unit", acc[i].code,
                                                        "unit_name", acc[i].name, "login",
                                                        acc[i].login, "password", acc[i].pw)))
      rc = E_NOMEM;
  }
  if (rc) {
    db_rollback(r->db);
    goto done;
  }
  if ((rc = db_commit(r->db))) goto done;
  if (format && !strcmp(format, "xlsx")) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
      if (acc[i].login[0]) acc[k++] = acc[i];
    rc = accounts_sheet(acc, k, "初始账号", &out->body, &out->len);
    if (!rc) {
      out->ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
      out->status = 201;
      rc = reply_header(out, "Content-Disposition",
                        arena_printf(&r->a, "attachment; filename=\"unit-accounts-%lld.xlsx\"",
                                     (long long)cycle));
      /* The sheet itself cannot say what was skipped: the counts travel as headers. */
      if (!rc)
        rc = reply_header(out, "X-Kaoping-Created",
                          arena_printf(&r->a, "%zu", json_array_size(created)));
      if (!rc)
        rc = reply_header(out, "X-Kaoping-Skipped",
                          arena_printf(&r->a, "%zu", json_array_size(skipped)));
    }
  } else {
    rc = reply_json(out, 201, json_pack("{s:O,s:O}", "created", created, "skipped", skipped));
  }
done:
  json_decref(created);
  json_decref(skipped);
  free(acc);
  return rc;
}
