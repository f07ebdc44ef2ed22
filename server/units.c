/*
 * units.c - assessed units: validation, creation, changes, listing (see units.h). Used by the
 * units API, the CSV/XLSX import and the demo, so every path applies the same rules.
 */
#include "units.h"

#include "audit.h"
#include "db.h"
#include "dbjson.h"
#include "err.h"
#include "utf8.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *unit_code_problem(const char *code)
{
  size_t n = strlen(code);
  if (n < 1 || n > 32) return "单位代码应为 1 到 32 个字符";
  for (const char *p = code; *p; p++)
    if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
      return "单位代码只能包含英文字母、数字和 . _ -";
  return NULL;
}

const char *unit_name_problem(const char *name)
{
  size_t n = strlen(name);
  if (n == 0) return "单位名称不能为空";
  if (!utf8_valid(name, n)) return "单位名称含有无效字符";
  if (utf8_chars(name) > 100) return "单位名称不能超过 100 个字";
  for (const char *p = name; *p; p++)
    if ((unsigned char)*p < 0x20) return "单位名称含有控制字符";
  return NULL;
}

int unit_kind_resolve(struct db *db, const char *kind, char out[32])
{
  db_stmt *st = db_prepare(db, "SELECT code FROM unit_kind WHERE code = :k OR name = :k OR "
                               "(:k IN ('县直部门', '市直部门', '区直部门', '部门单位') AND code = "
                               "'department') OR (:k IN ('街道办事处') AND code = 'street') OR "
                               "(:k IN ('开发区', '园区', '管委会') AND code = 'zone')");
  int rc;
  if (!st) return E_DB;
  if ((rc = db_bind_text(st, ":k", kind))) {
    db_reset(st);
    return rc;
  }
  rc = db_step(st);
  if (rc == DB_ROW) snprintf(out, 32, "%s", db_col_text(st, 0));
  db_reset(st);
  return rc == DB_ROW ? E_OK : rc == DB_DONE ? E_NOT_FOUND : rc;
}

int unit_id_by_code(struct db *db, const char *code, int64_t *id)
{
  db_stmt *st = db_prepare(db, "SELECT id FROM unit WHERE code = :c");
  int rc;
  if (!st) return E_DB;
  if ((rc = db_bind_text(st, ":c", code))) {
    db_reset(st);
    return rc;
  }
  return db_one_int(st, id);
}

/* 1 when making PARENT the parent of ID would create a cycle (PARENT is ID or below it). */
static int would_loop(struct db *db, int64_t id, int64_t parent)
{
  db_stmt *st = db_prepare(db, "WITH RECURSIVE up(id) AS (SELECT :p UNION SELECT u.parent_id "
                               "FROM unit u JOIN up ON u.id = up.id WHERE u.parent_id IS NOT NULL) "
                               "SELECT count(*) FROM up WHERE id = :id");
  int64_t n = 0;
  if (!st || db_bind_int(st, ":p", parent) || db_bind_int(st, ":id", id) || db_one_int(st, &n))
    return 1;
  return n > 0;
}

int unit_save(struct db *db, const struct unit_in *in, int create, int64_t actor_id,
              const char *actor, const char *client, const char **field, const char **problem)
{
  *field = *problem = NULL;
#define INVALID(f, p)                                                                              \
  do {                                                                                             \
    *field = f;                                                                                    \
    *problem = p;                                                                                  \
    rc = E_VALIDATION;                                                                             \
    goto fail;                                                                                     \
  } while (0)
  int rc = db_begin(db);
  if (rc) return rc;
  int64_t id = 0, parent = 0;
  json_t *before = NULL; /* the unit before a change, for the audit row */
  if ((*problem = unit_code_problem(in->code))) INVALID("code", *problem);
  rc = unit_id_by_code(db, in->code, &id);
  if (rc && rc != E_NOT_FOUND) goto fail;
  if (create && !rc) {
    *field = "code";
    *problem = "该单位代码已存在";
    rc = E_DUPLICATE;
    goto fail;
  }
  if (!create && rc == E_NOT_FOUND) goto fail;
  if (!create && (rc = unit_get(db, in->code, &before))) goto fail;
  if (in->name && (*problem = unit_name_problem(in->name))) INVALID("name", *problem);
  if (create && !in->name) INVALID("name", "单位名称不能为空");
  char kind[32] = "";
  if (in->kind) {
    rc = unit_kind_resolve(db, in->kind, kind);
    if (rc == E_NOT_FOUND)
      INVALID("kind", "单位类别应为：市、区、县、部门、开发区/园区、镇、乡、街道");
    if (rc) goto fail;
  } else if (create) {
    INVALID("kind", "单位类别不能为空");
  }
  if (in->parent_set && in->parent) {
    rc = unit_id_by_code(db, in->parent, &parent);
    if (rc == E_NOT_FOUND) INVALID("parent", "上级单位代码不存在");
    if (rc) goto fail;
    if (!create && would_loop(db, id, parent))
      INVALID("parent", "上级单位不能是本单位或其下级单位");
  }
  int64_t now = (int64_t)time(NULL);
  db_stmt *st;
  if (create) {
    st = db_prepare(db, "INSERT INTO unit (code, name, kind, parent_id, active, created_at, "
                        "updated_at) VALUES (:code, :name, :kind, :parent, :active, :now, :now)");
  } else {
    st = db_prepare(db, "UPDATE unit SET name = coalesce(:name, name), kind = coalesce(nullif("
                        ":kind, ''), kind), parent_id = CASE WHEN :pset THEN :parent ELSE "
                        "parent_id END, active = coalesce(:active, active), updated_at = :now "
                        "WHERE code = :code");
  }
  if (!st) {
    rc = E_DB;
    goto fail;
  }
  if ((rc = db_bind_text(st, ":code", in->code)) || (rc = db_bind_text(st, ":name", in->name)) ||
      (rc = db_bind_text(st, ":kind", kind)) ||
      (rc = parent ? db_bind_int(st, ":parent", parent) : db_bind_null(st, ":parent")) ||
      (rc = in->active >= 0
                ? db_bind_int(st, ":active", in->active)
                : (create ? db_bind_int(st, ":active", 1) : db_bind_null(st, ":active"))) ||
      (rc = db_bind_int(st, ":now", now)) ||
      (rc = create ? E_OK : db_bind_int(st, ":pset", in->parent_set))) {
    db_reset(st);
    goto fail;
  }
  if ((rc = db_run(st))) goto fail;
  json_t *after = NULL;
  if ((rc = unit_get(db, in->code, &after))) goto fail;
  json_t *d = json_pack("{s:O?,s:o}", "before", before, "after", after);
  char *text = d ? json_dumps(d, JSON_COMPACT) : NULL;
  json_decref(d);
  char object[64];
  snprintf(object, sizeof object, "unit:%s", in->code);
  rc = text ? audit_write(db, actor_id, actor, create ? "unit.create" : "unit.update", object, text,
                          client)
            : E_NOMEM;
  free(text);
  if (rc) goto fail;
  json_decref(before);
  return db_commit(db);
fail:
  json_decref(before);
  db_rollback(db);
  return rc ? rc : E_DB;
#undef INVALID
}

/* Columns of unit_row(): "FROM unit u JOIN unit_kind k ON k.code = u.kind LEFT JOIN unit p ON
 * p.id = u.parent_id". */
#define UNIT_ROW "u.code, u.name, u.kind, k.name, p.code, p.name, u.active, u.id"

static json_t *unit_row(db_stmt *st, void *ctx)
{
  (void)ctx;
  json_t *parent = db_col_is_null(st, 4) ? json_null()
                                         : json_pack("{s:s,s:s}", "code", db_col_text(st, 4),
                                                     "name", db_col_text(st, 5));
  return json_pack("{s:s,s:s,s:s,s:s,s:o,s:b}", "code", db_col_text(st, 0), "name",
                   db_col_text(st, 1), "kind", db_col_text(st, 2), "kind_name", db_col_text(st, 3),
                   "parent", parent, "active", (int)db_col_int(st, 6));
}

#define UNIT_FROM                                                                                  \
  " FROM unit u JOIN unit_kind k ON k.code = u.kind LEFT JOIN unit p ON p.id = u.parent_id "       \
  "WHERE (:only IS NULL OR u.id = :only) AND (:kind IS NULL OR u.kind = :kind) AND (:active "      \
  "IS NULL OR u.active = :active) AND (:q IS NULL OR instr(u.name, :q) > 0 OR "                    \
  "instr(lower(u.code), lower(:q)) > 0)"

int unit_list(struct db *db, const struct unit_filter *f, json_t **out, int64_t *total)
{
  *out = NULL;
  db_stmt *st = db_prepare(db, "SELECT count(*)" UNIT_FROM);
  int rc = E_OK;
  for (int pass = 0; pass < 2; pass++) {
    if (!st) return E_DB;
    if ((rc = f->only ? db_bind_int(st, ":only", f->only) : db_bind_null(st, ":only")) ||
        (rc = db_bind_text(st, ":kind", f->kind)) ||
        (rc = f->active >= 0 ? db_bind_int(st, ":active", f->active)
                             : db_bind_null(st, ":active")) ||
        (rc = db_bind_text(st, ":q", f->q)) ||
        (rc = pass ? db_bind_int(st, ":limit", f->limit) : E_OK) ||
        (rc = pass ? db_bind_int(st, ":offset", f->offset) : E_OK)) {
      db_reset(st);
      return rc;
    }
    if (pass == 0) {
      if ((rc = db_one_int(st, total))) return rc;
      st = db_prepare(db, "SELECT " UNIT_ROW UNIT_FROM " ORDER BY k.sort, u.code LIMIT :limit "
                          "OFFSET :offset");
    }
  }
  return db_rows_json(st, unit_row, NULL, out);
}

int unit_get(struct db *db, const char *code, json_t **out)
{
  db_stmt *st = db_prepare(db, "SELECT " UNIT_ROW " FROM unit u JOIN unit_kind k ON k.code = "
                               "u.kind LEFT JOIN unit p ON p.id = u.parent_id WHERE u.code = :c");
  int rc;
  if (!st) return E_DB;
  if ((rc = db_bind_text(st, ":c", code))) {
    db_reset(st);
    return rc;
  }
  rc = db_step(st);
  *out = rc == DB_ROW ? unit_row(st, NULL) : NULL;
  db_reset(st);
  if (rc == DB_ROW) return *out ? E_OK : E_NOMEM;
  return rc == DB_DONE ? E_NOT_FOUND : rc;
}

static json_t *kind_row(db_stmt *st, void *ctx)
{
  (void)ctx;
  return json_pack("{s:s,s:s}", "code", db_col_text(st, 0), "name", db_col_text(st, 1));
}

int unit_kinds(struct db *db, json_t **out)
{
  db_stmt *st = db_prepare(db, "SELECT code, name FROM unit_kind ORDER BY sort");
  if (!st) return E_DB;
  return db_rows_json(st, kind_row, NULL, out);
}
