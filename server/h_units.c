/*
 * h_units.c - the units API (see h_units.h).
 */
#include "h_units.h"

#include "err.h"
#include "json.h"
#include "audit.h"
#include "db.h"
#include "sheet.h"
#include "store.h"
#include "units.h"

#include <stdlib.h>
#include <strings.h>

#include <string.h>

int h_units_list(struct req *r, struct reply *out)
{
  struct unit_filter f = {.active = -1};
  int rc;
  int64_t active;
  if ((rc = req_query_int(r, out, "limit", 200, 1, 5000, &f.limit)) ||
      (rc = req_query_int(r, out, "offset", 0, 0, INT64_MAX / 2, &f.offset)) ||
      (rc = req_query_int(r, out, "active", -1, -1, 1, &active)))
    return rc;
  f.active = (int)active;
  f.kind = req_query(r, "kind");
  f.q = req_query(r, "q");
  if (f.q && !*f.q) f.q = NULL;
  if (r->user.role == ROLE_UNIT) f.only = r->user.unit_id; /* a unit sees itself only */
  json_t *units = NULL;
  int64_t total = 0;
  if ((rc = unit_list(r->db, &f, &units, &total))) return rc;
  return reply_json(out, 200, json_pack("{s:o,s:I}", "units", units, "total", (json_int_t)total));
}

int h_unit_kinds(struct req *r, struct reply *out)
{
  json_t *kinds = NULL;
  int rc = unit_kinds(r->db, &kinds);
  return rc ? rc : reply_json(out, 200, json_pack("{s:o}", "kinds", kinds));
}

int h_unit_get(struct req *r, struct reply *out)
{
  const char *code = req_param(r, "unit");
  json_t *u = NULL;
  if (r->user.role == ROLE_UNIT && (!r->user.unit_code || strcmp(code, r->user.unit_code)))
    return E_NOT_FOUND;
  int rc = unit_get(r->db, code, &u);
  return rc ? rc : reply_json(out, 200, json_pack("{s:o}", "unit", u));
}

/* Reads the fields of a unit body into IN; CREATE requires code/name/kind. */
static int read_unit(struct req *r, struct reply *out, struct unit_in *in, int create)
{
  static const char *const keys[] = {"code", "name", "kind", "parent", "active", NULL};
  static const char *const keys_patch[] = {"name", "kind", "parent", "active", NULL};
  int rc;
  json_t *parent = json_object_get(r->jbody, "parent"),
         *active = json_object_get(r->jbody, "active");
  if ((rc = json_only_keys(out, r->jbody, create ? keys : keys_patch)) ||
      (create && (rc = json_take_str(out, r->jbody, "code", 1, 32, &in->code))) ||
      (rc = json_take_str(out, r->jbody, "name", create, 100, &in->name)) ||
      (rc = json_take_str(out, r->jbody, "kind", create, 32, &in->kind)) ||
      (rc = json_take_str(out, r->jbody, "parent", 0, 32, &in->parent)))
    return rc;
  in->parent_set = parent != NULL;
  if (in->parent && !*in->parent) in->parent = NULL;
  in->active = -1;
  if (active) {
    if (!json_is_boolean(active)) return reply_invalid(out, "active", "应为 true 或 false");
    in->active = json_is_true(active);
  }
  return E_OK;
}

/* Saves IN and answers with the unit. */
static int save(struct req *r, struct reply *out, struct unit_in *in, int create)
{
  const char *field = NULL, *problem = NULL;
  int rc = unit_save(r->db, in, create, r->user.id, r->user.login, r->client, &field, &problem);
  if (rc) {
    out->field = field;
    out->detail = problem;
    return rc;
  }
  json_t *u = NULL;
  if ((rc = unit_get(r->db, in->code, &u))) return rc;
  return reply_json(out, create ? 201 : 200, json_pack("{s:o}", "unit", u));
}

int h_unit_create(struct req *r, struct reply *out)
{
  struct unit_in in = {0};
  int rc = read_unit(r, out, &in, 1);
  return rc ? rc : save(r, out, &in, 1);
}

int h_unit_update(struct req *r, struct reply *out)
{
  struct unit_in in = {0};
  int rc = read_unit(r, out, &in, 0);
  if (rc) return rc;
  in.code = req_param(r, "unit");
  return save(r, out, &in, 0);
}

/* ---- import from CSV / XLSX ---- */

/* The columns an import understands, and the header texts that name them. */
enum { COL_CODE, COL_NAME, COL_KIND, COL_PARENT, COL_ACTIVE, NCOLS };
static const char *const col_label[NCOLS] = {"单位代码", "单位名称", "单位类别", "上级单位代码",
                                             "状态"};
static const char *const col_names[NCOLS][6] = {
    {"单位代码", "代码", "编码", "单位编码", "code", NULL},
    {"单位名称", "名称", "单位", "name", NULL},
    {"单位类别", "类别", "类型", "单位类型", "kind", NULL},
    {"上级单位代码", "上级单位", "上级代码", "上级", "parent", NULL},
    {"状态", "是否启用", "active", NULL},
};

/* Appends a problem of COLUMN to ROW (a JSON row object). */
static void problem(json_t *row, int column, const char *message)
{
  json_array_append_new(json_object_get(row, "problems"),
                        json_pack("{s:s,s:s}", "column", col_label[column], "message", message));
}

int h_units_import(struct req *r, struct reply *out)
{
  int64_t apply;
  int rc = req_query_int(r, out, "apply", 0, 0, 1, &apply);
  if (rc) return rc;
  struct sheet sh;
  const char *detail = NULL;
  if ((rc = sheet_read(r->upload->f.tmp, &sh, &detail))) {
    out->field = "file";
    out->detail = detail ? detail : "无法读取该文件，请上传 .xlsx 或 .csv 表格";
    return rc == E_FILE_TYPE ? E_FILE_TYPE : rc;
  }
  /* Find the header row's columns. */
  int col[NCOLS];
  for (int k = 0; k < NCOLS; k++) {
    col[k] = -1;
    for (size_t c = 0; c < sh.cols && col[k] < 0; c++)
      for (int a = 0; col_names[k][a] && col[k] < 0; a++)
        if (!strcasecmp(sheet_cell(&sh, 0, c), col_names[k][a])) col[k] = (int)c;
  }
  if (col[COL_CODE] < 0 || col[COL_NAME] < 0 || col[COL_KIND] < 0) {
    sheet_free(&sh);
    out->field = "file";
    out->detail =
        "表格第一行应为列名，至少包括：单位代码、单位名称、单位类别（可选：上级单位代码、状态）";
    return E_VALIDATION;
  }
  json_t *rows = json_array();
  int64_t creates = 0, updates = 0, same = 0, bad = 0;
  for (size_t i = 1; rows && i < sh.rows; i++) {
    const char *v[NCOLS];
    int empty = 1;
    for (int k = 0; k < NCOLS; k++) {
      v[k] = col[k] >= 0 ? sheet_cell(&sh, i, (size_t)col[k]) : "";
      if (*v[k]) empty = 0;
    }
    if (empty) continue;
    json_t *row = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:[]}", "row", (json_int_t)(i + 1), "code",
                            v[COL_CODE], "name", v[COL_NAME], "kind", v[COL_KIND], "parent",
                            v[COL_PARENT], "action", "create", "problems");
    if (!row || json_array_append_new(rows, row)) break;
    const char *p;
    char kind[32];
    if ((p = unit_code_problem(v[COL_CODE]))) problem(row, COL_CODE, p);
    if ((p = unit_name_problem(v[COL_NAME]))) problem(row, COL_NAME, p);
    if (!*v[COL_KIND])
      problem(row, COL_KIND, "单位类别不能为空");
    else if (unit_kind_resolve(r->db, v[COL_KIND], kind) != E_OK)
      problem(row, COL_KIND, "应为：市、区、县、部门、开发区/园区、镇、乡、街道");
    if (*v[COL_ACTIVE] && strcmp(v[COL_ACTIVE], "启用") && strcmp(v[COL_ACTIVE], "停用") &&
        strcmp(v[COL_ACTIVE], "1") && strcmp(v[COL_ACTIVE], "0"))
      problem(row, COL_ACTIVE, "应为“启用”或“停用”");
    /* Duplicates inside the file, and parents that exist neither in the file nor stored. */
    for (size_t k = 0; k + 1 < json_array_size(rows); k++)
      if (!strcmp(json_string_value(json_object_get(json_array_get(rows, k), "code")), v[COL_CODE]))
        problem(row, COL_CODE, "与前面的行重复");
    int64_t id = 0;
    if (*v[COL_PARENT]) {
      int found = unit_id_by_code(r->db, v[COL_PARENT], &id) == E_OK;
      for (size_t k = 1; !found && k < sh.rows; k++)
        found =
            col[COL_CODE] >= 0 && !strcmp(sheet_cell(&sh, k, (size_t)col[COL_CODE]), v[COL_PARENT]);
      if (!found) problem(row, COL_PARENT, "上级单位代码既不在表格中，也不是已有单位");
      if (!strcmp(v[COL_PARENT], v[COL_CODE])) problem(row, COL_PARENT, "上级单位不能是本单位");
    }
    json_t *existing = NULL;
    if (unit_get(r->db, v[COL_CODE], &existing) == E_OK) {
      const char *pc =
          json_string_value(json_object_get(json_object_get(existing, "parent"), "code"));
      int changed =
          strcmp(json_string_value(json_object_get(existing, "name")), v[COL_NAME]) ||
          strcmp(json_string_value(json_object_get(existing, "kind")), kind) ||
          strcmp(pc ? pc : "", v[COL_PARENT]) ||
          (*v[COL_ACTIVE] && json_is_true(json_object_get(existing, "active")) !=
                                 (!strcmp(v[COL_ACTIVE], "启用") || !strcmp(v[COL_ACTIVE], "1")));
      json_object_set_new(row, "action", json_string(changed ? "update" : "unchanged"));
      json_decref(existing);
    }
    const char *action = json_string_value(json_object_get(row, "action"));
    if (json_array_size(json_object_get(row, "problems")))
      bad++;
    else if (!strcmp(action, "create"))
      creates++;
    else if (!strcmp(action, "update"))
      updates++;
    else
      same++;
  }
  json_t *summary = json_pack("{s:I,s:I,s:I,s:I,s:I}", "rows", (json_int_t)json_array_size(rows),
                              "create", (json_int_t)creates, "update", (json_int_t)updates,
                              "unchanged", (json_int_t)same, "problems", (json_int_t)bad);
  if (!rows || !summary) {
    json_decref(rows);
    json_decref(summary);
    sheet_free(&sh);
    return E_NOMEM;
  }
  if (!apply || bad) {
    sheet_free(&sh);
    if (apply) /* refused whole: the standard error body, with the rows to fix */
      return reply_json(out, 400,
                        json_pack("{s:{s:s,s:s,s:s,s:o,s:o}}", "error", "code", "E_VALIDATION",
                                  "message", "输入内容不符合要求", "detail",
                                  "表格中有问题的行，未导入任何单位；请修改后重新导入", "rows",
                                  rows, "summary", summary));
    return reply_json(out, 200,
                      json_pack("{s:o,s:o,s:b}", "rows", rows, "summary", summary, "applied", 0));
  }
  /* Apply all rows in one transaction: first every unit without its parent, then the parents,
   * so a row may name a parent that comes later in the file. */
  if ((rc = db_begin(r->db))) goto done;
  for (int pass = 0; pass < 2 && !rc; pass++) {
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
      const char *action = json_string_value(json_object_get(row, "action"));
      const char *parent = json_string_value(json_object_get(row, "parent"));
      if (!strcmp(action, "unchanged") || (pass == 1 && !*parent)) continue;
      struct unit_in in = {.code = json_string_value(json_object_get(row, "code")), .active = -1};
      if (pass == 0) {
        in.name = json_string_value(json_object_get(row, "name"));
        in.kind = json_string_value(json_object_get(row, "kind"));
        const char *act =
            sheet_cell(&sh, (size_t)json_integer_value(json_object_get(row, "row")) - 1,
                       col[COL_ACTIVE] >= 0 ? (size_t)col[COL_ACTIVE] : SHEET_MAX_COLS);
        if (*act) in.active = !strcmp(act, "启用") || !strcmp(act, "1");
        in.parent_set = !*parent; /* an empty parent clears it now */
      } else {
        in.parent = parent;
        in.parent_set = 1;
      }
      const char *field, *prob;
      rc = unit_save(r->db, &in, pass == 0 && !strcmp(action, "create"), r->user.id, r->user.login,
                     r->client, &field, &prob);
      if (rc) {
        out->detail = arena_printf(&r->a, "第 %lld 行：%s",
                                   (long long)json_integer_value(json_object_get(row, "row")),
                                   prob ? prob : "保存失败");
        break;
      }
    }
  }
  if (!rc) {
    char *d = json_dumps(summary, JSON_COMPACT);
    rc = d ? audit_write(r->db, r->user.id, r->user.login, "unit.import", "units", d, r->client)
           : E_NOMEM;
    free(d);
  }
  if (rc)
    db_rollback(r->db);
  else
    rc = db_commit(r->db);
done:
  sheet_free(&sh);
  if (rc) {
    json_decref(rows);
    json_decref(summary);
    return rc;
  }
  return reply_json(out, 200,
                    json_pack("{s:o,s:o,s:b}", "rows", rows, "summary", summary, "applied", 1));
}
