/*
 * users.c - account rules and creation (see users.h).
 */
#include "users.h"

#include "audit.h"
#include "db.h"
#include "err.h"
#include "utf8.h"

#include <ctype.h>
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

/* Passwords so common that guessing tools try them first (lower case). */
static const char *const common[] = {
    "1234567890",    "12345678910",  "0123456789",   "1111111111",   "1q2w3e4r5t",  "qwertyuiop",
    "password123",   "password1234", "passw0rd123",  "abc1234567",   "a123456789",  "admin12345",
    "administrator", "qwerty12345",  "iloveyou123",  "woaini1314",   "5201314520",  "aa123456789",
    "zxcvbnm123",    "asdfghjkl1",   "1qaz2wsx3edc", "qazwsxedcrfv", "welcome123",  "p@ssw0rd123",
    "admin@123456",  "kaoping123",   "kaoping2023",  "kaoping2024",  "12345678900", NULL};

const char *user_password_problem(const char *password, const char *login)
{
  size_t bytes = strlen(password);
  if (bytes > 1024) return "密码过长";
  if (!utf8_valid(password, bytes)) return "密码含有无效字符";
  if (utf8_chars(password) < USER_PASSWORD_MIN) return "密码至少需要 10 个字符";
  size_t same = 1;
  while (password[same] == password[0]) same++;
  if (same == bytes) return "密码不能由同一个字符重复组成";
  for (size_t i = 0; common[i]; i++)
    if (!strcasecmp(password, common[i])) return "该密码过于常见，请换一个";
  if (login && !strcasecmp(password, login)) return "密码不能与登录名相同";
  return NULL;
}

int user_create(struct db *db, const char *login, const char *display_name, const char *role,
                const char *unit_code, const char *pw_hash, int64_t actor_id, const char *actor,
                const char *client, int64_t *id, const char **field, const char **problem)
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
                               "created_at, updated_at) VALUES (:login, :name, :role, :unit, "
                               ":hash, :now, :now)");
  if (!st) {
    rc = E_DB;
    goto fail;
  }
  if ((rc = db_bind_text(st, ":login", login)) ||
      (rc = db_bind_text(st, ":name", display_name && *display_name ? display_name : login)) ||
      (rc = db_bind_text(st, ":role", role)) ||
      (rc = unit_id ? db_bind_int(st, ":unit", unit_id) : db_bind_null(st, ":unit")) ||
      (rc = db_bind_text(st, ":hash", pw_hash)) || (rc = db_bind_int(st, ":now", now))) {
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
