/*
 * users.c - account rules and creation (see users.h).
 */
#include "users.h"

#include "audit.h"
#include "db.h"
#include "dbjson.h"
#include "err.h"
#include "session.h"
#include "utf8.h"

#include <ctype.h>
#include <stdio.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

const char *user_login_problem(const char *login)
{
  size_t n = strlen(login);
  if (n < 2 || n > 64) return "登录名应为 2 到 64 个字符";
  for (const char *p = login; *p; p++)
    if (!isalnum((unsigned char)*p) && !strchr("._-@", *p))
      return "登录名只能包含英文字母、数字和 . _ - @";
  return NULL;
}

/* Words that lists of leaked passwords show people build passwords from, in lower case:
 * English favourites, keyboard runs, and pinyin words and surnames common in China. A
 * password that is one of these (or the login) padded with digits and punctuation, e.g.
 * "woaini1314!" or "Admin@2023", is refused. */
static const char *const common_bases[] = {"password",
                                           "passw0rd",
                                           "p@ssw0rd",
                                           "p@ssword",
                                           "pass",
                                           "admin",
                                           "administrator",
                                           "root",
                                           "user",
                                           "test",
                                           "guest",
                                           "login",
                                           "welcome",
                                           "hello",
                                           "letmein",
                                           "iloveyou",
                                           "love",
                                           "monkey",
                                           "dragon",
                                           "master",
                                           "shadow",
                                           "sunshine",
                                           "princess",
                                           "football",
                                           "baseball",
                                           "superman",
                                           "batman",
                                           "trustno1",
                                           "secret",
                                           "abc",
                                           "abcd",
                                           "abcde",
                                           "abcdef",
                                           "abcdefg",
                                           "qwe",
                                           "qwer",
                                           "qwert",
                                           "qwerty",
                                           "qwertyu",
                                           "qwertyui",
                                           "qwertyuiop",
                                           "asd",
                                           "asdf",
                                           "asdfg",
                                           "asdfgh",
                                           "asdfghjkl",
                                           "zxc",
                                           "zxcv",
                                           "zxcvb",
                                           "zxcvbn",
                                           "zxcvbnm",
                                           "qaz",
                                           "qazwsx",
                                           "qazwsxedc",
                                           "1qaz2wsx",
                                           "1q2w3e",
                                           "1q2w3e4r",
                                           "q1w2e3r4",
                                           "a1b2c3",
                                           "aa",
                                           "aaa",
                                           "aaaa",
                                           "woaini",
                                           "woaini1314",
                                           "aini",
                                           "wobuzhidao",
                                           "nihao",
                                           "zhongguo",
                                           "china",
                                           "beijing",
                                           "shanghai",
                                           "guangzhou",
                                           "shenzhen",
                                           "huawei",
                                           "xiaomi",
                                           "baidu",
                                           "taobao",
                                           "alibaba",
                                           "tencent",
                                           "weixin",
                                           "wechat",
                                           "qq",
                                           "kaoping",
                                           "kaohe",
                                           "fazhi",
                                           "zhengfu",
                                           "sifa",
                                           "sifaju",
                                           "zhengwu",
                                           "bangong",
                                           "bangongshi",
                                           "mima",
                                           "mimamima",
                                           "zhang",
                                           "wang",
                                           "li",
                                           "liu",
                                           "chen",
                                           "yang",
                                           "huang",
                                           "zhao",
                                           "zhou",
                                           "wu",
                                           "xu",
                                           "sun",
                                           "ma",
                                           "zhu",
                                           "hu",
                                           "guo",
                                           "he",
                                           "lin",
                                           "luo",
                                           "gao",
                                           "liang",
                                           "zheng",
                                           "xie",
                                           "song",
                                           "tang",
                                           "han",
                                           "feng",
                                           "deng",
                                           "cao",
                                           "peng",
                                           "zeng",
                                           "xiao",
                                           "tian",
                                           "dong",
                                           "pan",
                                           "yuan",
                                           "cai",
                                           "jiang",
                                           "yu",
                                           "du",
                                           "ye",
                                           "cheng",
                                           "wei",
                                           "su",
                                           "lu",
                                           "ding",
                                           "ren",
                                           "shen",
                                           "yao",
                                           "jin",
                                           NULL};

/* Keyboard rows, forwards; a password made of one run of them (either way) is refused. */
static const char *const walks[] = {"1234567890",
                                    "qwertyuiop",
                                    "asdfghjkl",
                                    "zxcvbnm",
                                    "abcdefghijklmnopqrstuvwxyz",
                                    "1qaz2wsx3edc4rfv5tgb",
                                    "qazwsxedcrfvtgbyhnujm",
                                    NULL};

/* 1 when S (lower case) is a run of one of the keyboard walks, forwards or backwards. */
static int is_walk(const char *s)
{
  size_t n = strlen(s);
  for (size_t w = 0; walks[w]; w++) {
    const char *row = walks[w];
    size_t len = strlen(row);
    for (size_t i = 0; i + n <= len; i++) {
      int fwd = 1, back = 1;
      for (size_t k = 0; k < n && (fwd || back); k++) {
        fwd = fwd && s[k] == row[i + k];
        back = back && s[k] == row[i + n - 1 - k];
      }
      if (fwd || back) return 1;
    }
  }
  return 0;
}

/* 1 when S is one short chunk (at most 4 characters) repeated, e.g. "abcabcabca", "12121212". */
static int is_repeat(const char *s)
{
  size_t n = strlen(s);
  for (size_t period = 1; period <= 4 && period < n; period++) {
    size_t i = period;
    while (i < n && s[i] == s[i - period]) i++;
    if (i == n) return 1;
  }
  return 0;
}

/* 1 for an ASCII letter or any byte of a non-ASCII character (Chinese counts as letters). */
static int is_letter(char c)
{
  return isalpha((unsigned char)c) || (unsigned char)c >= 0x80;
}

/* 1 when PASSWORD (already known to be long enough) is a common one: a keyboard walk, a
 * repeated chunk, all digits that form a date-like or sequential pattern, or a common base
 * word or LOGIN padded with at most 8 digits and punctuation at either end. */
static int is_common(const char *password, const char *login)
{
  char low[1100];
  size_t n = 0;
  for (const char *p = password; *p && n + 1 < sizeof low; p++)
    low[n++] = (char)tolower((unsigned char)*p);
  low[n] = 0;
  if (is_walk(low) || is_repeat(low)) return 1;
  /* Strip padding (digits, punctuation) from both ends and look at the core. */
  size_t start = 0, end = n;
  while (start < n && !is_letter(low[start])) start++;
  while (end > start && !is_letter(low[end - 1])) end--;
  if (start == n) return 1; /* digits and punctuation only: dates, phone numbers, runs */
  size_t pad = start + (n - end);
  if (pad > 8) return 0;
  char core[1100];
  memcpy(core, low + start, end - start);
  core[end - start] = 0;
  for (size_t i = 0; common_bases[i]; i++)
    if (!strcmp(core, common_bases[i])) return 1;
  if (login && !strcasecmp(core, login)) return 1;
  return is_walk(core) || is_repeat(core);
}

const char *user_password_problem(const char *password, const char *login)
{
  size_t bytes = strlen(password);
  if (bytes > 1024) return "密码过长";
  if (!utf8_valid(password, bytes)) return "密码含有无效字符";
  if (utf8_chars(password) < USER_PASSWORD_MIN) return "密码至少需要 10 个字符";
  if (login && !strcasecmp(password, login)) return "密码不能与登录名相同";
  if (login && strlen(login) >= 4 && strcasestr(password, login)) return "密码不能包含登录名";
  if (is_common(password, login))
    return "该密码过于常见或有规律（如常用词、键盘顺序、重复字符、纯数字），请换一个";
  return NULL;
}

int user_create(struct db *db, const char *login, const char *display_name, const char *role,
                const char *unit_code, const char *pw_hash, int must_change, int64_t actor_id,
                const char *actor, const char *client, int64_t *id, const char **field,
                const char **problem)
{
  *field = NULL;
  *problem = NULL;
  if ((*problem = user_login_problem(login))) {
    *field = "login";
    return E_VALIDATION;
  }
  if (!role || (strcmp(role, "admin") && strcmp(role, "reviewer") && strcmp(role, "unit"))) {
    *field = "role";
    *problem = "角色应为 admin、reviewer 或 unit";
    return E_VALIDATION;
  }
  if (!strcmp(role, "unit") && !unit_code) {
    *field = "unit";
    *problem = "单位用户必须指定所属单位";
    return E_VALIDATION;
  }
  if (!strcmp(role, "admin") && unit_code) {
    *field = "unit";
    *problem = "管理员不属于任何被考核单位";
    return E_VALIDATION;
  }
  int rc = db_begin(db);
  if (rc) return rc;
  int64_t unit_id = 0;
  if (unit_code) {
    db_stmt *st = db_prepare(db, "SELECT id FROM unit WHERE code = :code");
    if (!st || (rc = db_bind_text(st, ":code", unit_code))) goto fail;
    rc = db_one_int(st, &unit_id);
    if (rc == E_NOT_FOUND) {
      *field = "unit";
      *problem = "没有这个单位代码";
      rc = E_VALIDATION;
    }
    if (rc) goto fail;
  }
  int64_t now = (int64_t)time(NULL);
  db_stmt *st = db_prepare(db, "INSERT INTO user (login, display_name, role, unit_id, pw_hash, "
                               "must_change_pw, created_at, updated_at) VALUES (:login, :name, "
                               ":role, :unit, :hash, :must, :now, :now)");
  if (!st) {
    rc = E_DB;
    goto fail;
  }
  if ((rc = db_bind_text(st, ":login", login)) ||
      (rc = db_bind_text(st, ":name", display_name && *display_name ? display_name : login)) ||
      (rc = db_bind_text(st, ":role", role)) ||
      (rc = unit_id ? db_bind_int(st, ":unit", unit_id) : db_bind_null(st, ":unit")) ||
      (rc = db_bind_text(st, ":hash", pw_hash)) || (rc = db_bind_int(st, ":must", must_change)) ||
      (rc = db_bind_int(st, ":now", now))) {
    db_reset(st);
    goto fail;
  }
  if ((rc = db_run(st))) {
    if (rc == E_DUPLICATE) {
      *field = "login";
      *problem = "该登录名已被使用";
    }
    goto fail;
  }
  *id = db_last_id(db);
  char object[32];
  snprintf(object, sizeof object, "user:%lld", (long long)*id);
  json_t *d = json_pack("{s:s,s:s,s:s?}", "login", login, "role", role, "unit", unit_code);
  char *detail = d ? json_dumps(d, JSON_COMPACT) : NULL;
  json_decref(d);
  rc = detail ? audit_write(db, actor_id, actor, "user.create", object, detail, client) : E_NOMEM;
  free(detail);
  if (rc) goto fail;
  return db_commit(db);
fail:
  db_rollback(db);
  return rc;
}

int64_t user_admin_count(struct db *db)
{
  int64_t n = -1;
  db_stmt *st = db_prepare(db, "SELECT count(*) FROM user WHERE role = 'admin' AND disabled = 0");
  if (!st || db_one_int(st, &n)) return -1;
  return n;
}

/* Columns of user_row_json(), after "FROM user u LEFT JOIN unit un ON un.id = u.unit_id". */
#define USER_ROW                                                                                   \
  "u.id, u.login, u.display_name, u.role, un.code, un.name, u.disabled, u.must_change_pw, "        \
  "u.created_at, u.updated_at"

static json_t *user_row_json(db_stmt *st, void *ctx)
{
  (void)ctx;
  json_t *unit = db_col_is_null(st, 4) ? json_null()
                                       : json_pack("{s:s,s:s}", "code", db_col_text(st, 4), "name",
                                                   db_col_text(st, 5));
  return json_pack("{s:I,s:s,s:s,s:s,s:o,s:b,s:b,s:I,s:I}", "id", (json_int_t)db_col_int(st, 0),
                   "login", db_col_text(st, 1), "display_name", db_col_text(st, 2), "role",
                   db_col_text(st, 3), "unit", unit, "disabled", (int)db_col_int(st, 6),
                   "must_change_password", (int)db_col_int(st, 7), "created_at",
                   (json_int_t)db_col_int(st, 8), "updated_at", (json_int_t)db_col_int(st, 9));
}

int user_get(struct db *db, int64_t id, json_t **out)
{
  db_stmt *st = db_prepare(db, "SELECT " USER_ROW " FROM user u LEFT JOIN unit un ON un.id = "
                               "u.unit_id WHERE u.id = :id");
  int rc;
  if (!st || (rc = db_bind_int(st, ":id", id))) return st ? rc : E_DB;
  rc = db_step(st);
  *out = rc == DB_ROW ? user_row_json(st, NULL) : NULL;
  db_reset(st);
  if (rc == DB_ROW) return *out ? E_OK : E_NOMEM;
  return rc == DB_DONE ? E_NOT_FOUND : rc;
}

/* The filter of user_list(), shared by its count and its page. */
#define USER_FILTER                                                                                \
  " FROM user u LEFT JOIN unit un ON un.id = u.unit_id WHERE (:role IS NULL OR u.role = :role) "   \
  "AND (:unit IS NULL OR un.code = :unit) AND (:q IS NULL OR instr(lower(u.login), lower(:q)) "    \
  "> 0 OR instr(u.display_name, :q) > 0 OR instr(lower(coalesce(un.code, '')), lower(:q)) > 0 "    \
  "OR instr(coalesce(un.name, ''), :q) > 0)"

static int bind_filter(db_stmt *st, const char *role, const char *unit, const char *q)
{
  int rc;
  if ((rc = db_bind_text(st, ":role", role)) || (rc = db_bind_text(st, ":unit", unit)) ||
      (rc = db_bind_text(st, ":q", q)))
    db_reset(st);
  return rc;
}

int user_list(struct db *db, const char *role, const char *unit, const char *q, int64_t limit,
              int64_t offset, json_t **out, int64_t *total)
{
  int rc;
  *out = NULL;
  db_stmt *st = db_prepare(db, "SELECT count(*)" USER_FILTER);
  if (!st) return E_DB;
  if ((rc = bind_filter(st, role, unit, q)) || (rc = db_one_int(st, total))) return rc;
  st = db_prepare(db, "SELECT " USER_ROW USER_FILTER " ORDER BY CASE u.role WHEN 'admin' THEN 0 "
                      "WHEN 'reviewer' THEN 1 ELSE 2 END, u.login LIMIT :limit OFFSET :offset");
  if (!st) return E_DB;
  if ((rc = bind_filter(st, role, unit, q)) || (rc = db_bind_int(st, ":limit", limit)) ||
      (rc = db_bind_int(st, ":offset", offset)))
    return rc;
  return db_rows_json(st, user_row_json, NULL, out);
}

/* Audits ACTION on user ID with DETAIL (a JSON object; stolen). */
static int audit_user(struct db *db, int64_t id, const char *action, json_t *detail,
                      int64_t actor_id, const char *actor, const char *client)
{
  char object[32];
  snprintf(object, sizeof object, "user:%lld", (long long)id);
  char *text = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
  json_decref(detail);
  int rc = text ? audit_write(db, actor_id, actor, action, object, text, client) : E_NOMEM;
  free(text);
  return rc;
}

int user_update(struct db *db, int64_t id, const struct user_change *c, int64_t actor_id,
                const char *actor, const char *client, const char **field, const char **problem)
{
  *field = *problem = NULL;
  int rc = db_begin(db);
  if (rc) return rc;
  json_t *before = NULL; /* the account before the change, for the audit row */
  if ((rc = user_get(db, id, &before)) && rc != E_NOT_FOUND) goto fail;
  db_stmt *st =
      db_prepare(db, "SELECT role, coalesce(unit_id, 0), disabled FROM user WHERE id = :id");
  char role[16] = "";
  int64_t unit_id = 0, disabled = 0;
  if (!st || (rc = db_bind_int(st, ":id", id))) goto fail;
  if ((rc = db_step(st)) == DB_ROW) {
    snprintf(role, sizeof role, "%s", db_col_text(st, 0));
    unit_id = db_col_int(st, 1);
    disabled = db_col_int(st, 2);
  }
  db_reset(st);
  if (rc != DB_ROW) {
    rc = rc == DB_DONE ? E_NOT_FOUND : rc;
    goto fail;
  }
  const char *new_role = c->role ? c->role : role;
  struct user_change cc = *c;
  if (!strcmp(new_role, "admin") && !cc.unit_set) { /* an admin belongs to no unit */
    cc.unit_set = 1;
    cc.unit_code = NULL;
  }
  c = &cc;
  if (strcmp(new_role, "admin") && strcmp(new_role, "reviewer") && strcmp(new_role, "unit")) {
    *field = "role";
    *problem = "角色应为 admin、reviewer 或 unit";
    goto invalid;
  }
  int64_t new_unit = unit_id;
  if (c->unit_set) {
    new_unit = 0;
    if (c->unit_code) {
      st = db_prepare(db, "SELECT id FROM unit WHERE code = :code");
      if (!st || (rc = db_bind_text(st, ":code", c->unit_code))) goto fail;
      if ((rc = db_one_int(st, &new_unit)) == E_NOT_FOUND) {
        *field = "unit";
        *problem = "没有这个单位代码";
        goto invalid;
      }
      if (rc) goto fail;
    }
  }
  if (!strcmp(new_role, "unit") && !new_unit) {
    *field = "unit";
    *problem = "单位用户必须指定所属单位";
    goto invalid;
  }
  if (!strcmp(new_role, "admin") && new_unit) {
    *field = "unit";
    *problem = "管理员不属于任何被考核单位";
    goto invalid;
  }
  int new_disabled = c->disabled >= 0 ? c->disabled : (int)disabled;
  if (id == actor_id && (new_disabled || strcmp(new_role, "admin"))) {
    *field = new_disabled ? "disabled" : "role";
    *problem = "不能停用自己的账号或取消自己的管理员角色";
    goto invalid;
  }
  int64_t now = (int64_t)time(NULL);
  st = db_prepare(db, "UPDATE user SET display_name = coalesce(:name, display_name), role = :role, "
                      "unit_id = :unit, disabled = :disabled, updated_at = :now WHERE id = :id");
  if (!st || (rc = db_bind_text(st, ":name", c->display_name)) ||
      (rc = db_bind_text(st, ":role", new_role)) ||
      (rc = new_unit ? db_bind_int(st, ":unit", new_unit) : db_bind_null(st, ":unit")) ||
      (rc = db_bind_int(st, ":disabled", new_disabled)) || (rc = db_bind_int(st, ":now", now)) ||
      (rc = db_bind_int(st, ":id", id)) || (rc = db_run(st)))
    goto fail;
  if (user_admin_count(db) < 1) {
    *field = "role";
    *problem = "至少需要保留一个启用的管理员账号";
    goto invalid;
  }
  if (new_disabled && (rc = session_end_all(db, id, 0))) goto fail;
  json_t *after = NULL;
  if ((rc = user_get(db, id, &after))) goto fail;
  json_t *d = json_pack("{s:O,s:o}", "before", before, "after", after);
  if ((rc = audit_user(db, id, new_disabled && !disabled ? "user.disable" : "user.update", d,
                       actor_id, actor, client)))
    goto fail;
  json_decref(before);
  return db_commit(db);
invalid:
  rc = E_VALIDATION;
fail:
  json_decref(before);
  db_rollback(db);
  return rc ? rc : E_DB;
}

int user_set_password(struct db *db, int64_t id, const char *hash, int must_change, int64_t keep,
                      int64_t actor_id, const char *actor, const char *client, const char *action)
{
  int rc = db_begin(db);
  if (rc) return rc;
  db_stmt *st = db_prepare(db, "UPDATE user SET pw_hash = :h, must_change_pw = :m, updated_at = "
                               ":now WHERE id = :id");
  if (!st || (rc = db_bind_text(st, ":h", hash)) || (rc = db_bind_int(st, ":m", must_change)) ||
      (rc = db_bind_int(st, ":now", (int64_t)time(NULL))) || (rc = db_bind_int(st, ":id", id)) ||
      (rc = db_run(st)))
    goto fail;
  if (db_changes(db) == 0) {
    rc = E_NOT_FOUND;
    goto fail;
  }
  if ((rc = session_end_all(db, id, keep)) ||
      (rc = audit_user(db, id, action, json_object(), actor_id, actor, client)))
    goto fail;
  return db_commit(db);
fail:
  db_rollback(db);
  return rc ? rc : E_DB;
}

int user_password_hash(struct db *db, int64_t id, char *hash)
{
  db_stmt *st = db_prepare(db, "SELECT pw_hash FROM user WHERE id = :id");
  int rc;
  if (!st || (rc = db_bind_int(st, ":id", id))) return st ? rc : E_DB;
  rc = db_step(st);
  if (rc == DB_ROW) snprintf(hash, 128, "%s", db_col_text(st, 0));
  db_reset(st);
  return rc == DB_ROW ? E_OK : rc == DB_DONE ? E_NOT_FOUND : rc;
}
