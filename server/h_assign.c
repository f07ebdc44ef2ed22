/*
 * h_assign.c - bulk and automatic assignments, the progress view, conflicts of interest and
 * recusal, and reopening a submitted sheet (see h_assign.h). The assignment algorithm itself
 * is the pure module assign.c; this file reads a cycle into it, checks requests, stores and
 * audits.
 */
#include "h_assign.h"

#include "assign.h"
#include "audit.h"
#include "db.h"
#include "dbjson.h"
#include "err.h"
#include "h_cycles.h"
#include "json.h"
#include "sheet.h"
#include "store.h"
#include "units.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define IMPORT_MAX_ROWS     10000 /* data rows of an assignment file */
#define REASON_MAX          500   /* characters of a recusal, conflict or reopening reason */
#define AUTO_K_MAX          20    /* per_unit */
#define AUTO_CAP_MAX        10000 /* cap */
#define PANELS_MAX          50    /* panels in one request */
#define PANEL_REVIEWERS_MAX 2000  /* reviewers in one panel */
#define AUDIT_PAIRS_MAX     20000 /* pairs listed in one audit row (the rest are counted) */

/* ---- shared helpers ---- */

/* Writes an audit row of R's user with DETAIL (taken; NULL = out of memory). */
static int audit_json(struct req *r, const char *action, const char *object, json_t *detail)
{
  char *dt = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
  json_decref(detail);
  int rc =
      dt ? audit_write(r->db, r->user.id, r->user.login, action, object, dt, r->client) : E_NOMEM;
  free(dt);
  return rc;
}

/* An assignment row of a cycle in PHASE may change until the cycle is published: E_OK, or
 * E_NOT_OPEN explained (whole cycles are checked with cycle_check_open()). */
static int need_open(struct reply *out, const char *phase)
{
  if (strcmp(phase, "publication") && strcmp(phase, "closed")) return E_OK;
  out->detail = "本周期已进入公示或已结束，不能再调整评审分配";
  return E_NOT_OPEN;
}

/* Reads the required "reason" of BODY (1..REASON_MAX characters, not only white space). */
static int take_reason(struct reply *out, json_t *body, const char **reason)
{
  int rc = json_take_str(out, body, "reason", 1, REASON_MAX, reason);
  if (rc) return rc;
  for (const char *p = *reason; *p;) {
    if (!strncmp(p, "\xe3\x80\x80", 3)) /* the ideographic space */
      p += 3;
    else if (strchr(" \t\r\n", *p))
      p++;
    else
      return E_OK;
  }
  return reply_invalid(out, "reason", "请写明理由");
}

/* Sets review sheet ID (not submitted) of reviewer LOGIN for unit UNIT in CYCLE to recused
 * for REASON, by R's user, with an audit row. E_OK, E_CONFLICT when it was no longer open, or
 * a db error. */
static int recuse_one(struct req *r, int64_t id, int64_t cycle, const char *unit, const char *login,
                      const char *reason, int conflict, int64_t now)
{
  db_stmt *st = db_prepare(
      r->db, "UPDATE assignment SET status = 'recused', recuse_reason = :why, recused_at = :now, "
             "recused_by = :me, sheet_version = sheet_version + 1, updated_at = :now WHERE id = "
             ":id AND kind = 'review' AND status IN ('assigned', 'in_progress')");
  int rc;
  if (!st) return E_DB;
  if ((rc = db_bind_text(st, ":why", reason)) || (rc = db_bind_int(st, ":now", now)) ||
      (rc = db_bind_int(st, ":me", r->user.id)) || (rc = db_bind_int(st, ":id", id))) {
    db_reset(st);
    return rc;
  }
  if ((rc = db_run(st))) return rc;
  if (db_changes(r->db) != 1) return E_CONFLICT;
  char object[64];
  snprintf(object, sizeof object, "assignment:%lld", (long long)id);
  return audit_json(r, "assignment.recuse", object,
                    json_pack("{s:I,s:s,s:s,s:s,s:b}", "cycle", (json_int_t)cycle, "unit", unit,
                              "reviewer", login, "reason", reason, "conflict", conflict));
}

/* Recuses every unsubmitted review sheet of reviewer USER for unit UNIT in cycles not yet
 * published, except sheet EXCEPT, for REASON (each audited); appends {"id","cycle"} of each to
 * DONE. E_OK or a db error. */
static int recuse_open_sheets(struct req *r, int64_t user, int64_t unit, int64_t except,
                              const char *reason, int64_t now, json_t *done)
{
  db_stmt *st = db_prepare(
      r->db, "SELECT a.id, a.cycle_id, un.code, u.login FROM assignment a JOIN cycle c ON c.id = "
             "a.cycle_id JOIN unit un ON un.id = a.unit_id JOIN user u ON u.id = a.user_id WHERE "
             "a.user_id = :u AND a.unit_id = :un AND a.kind = 'review' AND a.status IN "
             "('assigned', 'in_progress') AND c.phase NOT IN ('publication', 'closed') AND a.id "
             "<> :x ORDER BY a.id");
  int rc;
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":u", user)) || (rc = db_bind_int(st, ":un", unit)) ||
      (rc = db_bind_int(st, ":x", except))) {
    db_reset(st);
    return rc;
  }
  json_t *todo = json_array();
  while (todo && (rc = db_step(st)) == DB_ROW)
    json_array_append_new(todo, json_pack("{s:I,s:I,s:s,s:s}", "id", (json_int_t)db_col_int(st, 0),
                                          "cycle", (json_int_t)db_col_int(st, 1), "unit",
                                          db_col_text(st, 2), "login", db_col_text(st, 3)));
  db_reset(st);
  if (!todo) return E_NOMEM;
  if (rc != DB_DONE) {
    json_decref(todo);
    return rc;
  }
  rc = E_OK;
  size_t i;
  json_t *x;
  json_array_foreach(todo, i, x)
  {
    int64_t id = json_integer_value(json_object_get(x, "id")),
            cy = json_integer_value(json_object_get(x, "cycle"));
    if ((rc = recuse_one(r, id, cy, json_string_value(json_object_get(x, "unit")),
                         json_string_value(json_object_get(x, "login")), reason, 1, now)))
      break;
    json_array_append_new(done,
                          json_pack("{s:I,s:I}", "id", (json_int_t)id, "cycle", (json_int_t)cy));
  }
  json_decref(todo);
  return rc;
}

/* ---- import from CSV / XLSX ---- */

/* The columns of an assignment file and the header texts that name them. */
enum { IC_CODE, IC_UNAME, IC_LOGIN, IC_RNAME, NIC };
static const char *const ic_label[NIC] = {"单位代码", "单位名称", "评审人账号", "评审人"};
static const char *const ic_names[NIC][6] = {
    {"单位代码", "代码", "单位编码", "code", NULL},
    {"单位名称", "被考核单位", "名称", "单位", NULL},
    {"评审人账号", "账号", "登录名", "评审人登录名", "login", NULL},
    {"评审人", "评审人姓名", "评审专家", "姓名", NULL},
};

/* What one row resolved to. */
struct irow {
  int64_t unit, user; /* ids, 0 when not resolved */
  int64_t line;       /* row number in the file (1 = header) */
  int create;         /* to be inserted */
};

static void iproblem(json_t *row, int column, const char *message)
{
  json_array_append_new(json_object_get(row, "problems"),
                        json_pack("{s:s,s:s}", "column", ic_label[column], "problem", message));
}

/* Resolves the unit cell V (a code when BY_CODE, else a name) of ROW: *ID, or a problem. */
static int import_unit(struct req *r, int64_t cycle, const char *v, int by_code, json_t *row,
                       int64_t *id)
{
  int col = by_code ? IC_CODE : IC_UNAME;
  *id = 0;
  if (!*v) {
    iproblem(row, col, "不能为空");
    return E_OK;
  }
  db_stmt *st = db_prepare(
      r->db, by_code ? "SELECT un.id, un.code, un.name, EXISTS (SELECT 1 FROM cycle_unit cu WHERE "
                       "cu.cycle_id = :c AND cu.unit_id = un.id) AS inc FROM unit un WHERE "
                       "un.code = :v ORDER BY inc DESC, un.id LIMIT 2"
                     : "SELECT un.id, un.code, un.name, EXISTS (SELECT 1 FROM cycle_unit cu WHERE "
                       "cu.cycle_id = :c AND cu.unit_id = un.id) AS inc FROM unit un WHERE "
                       "un.name = :v ORDER BY inc DESC, un.id LIMIT 2");
  int rc;
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":c", cycle)) || (rc = db_bind_text(st, ":v", v))) {
    db_reset(st);
    return rc;
  }
  int64_t found = 0, in_cycle = 0, n = 0;
  while ((rc = db_step(st)) == DB_ROW) {
    if (n++ == 0) {
      found = db_col_int(st, 0);
      in_cycle = db_col_int(st, 3);
      json_object_set_new(row, "unit", json_string(db_col_text(st, 1)));
      json_object_set_new(row, "unit_name", json_string(db_col_text(st, 2)));
    } else if (db_col_int(st, 3) == in_cycle) {
      found = -1; /* two units of that name, both in the cycle or both outside */
    }
  }
  db_reset(st);
  if (rc != DB_DONE) return rc;
  if (!n)
    iproblem(row, col, by_code ? "没有这个单位代码" : "没有这个名称的单位");
  else if (found < 0)
    iproblem(row, col, "有多个单位叫这个名称，请改用单位代码");
  else if (!in_cycle)
    iproblem(row, col, "该单位不参加本周期考核");
  else
    *id = found;
  return E_OK;
}

/* Resolves the reviewer cell V (a login when BY_LOGIN, else a display name) of ROW: *ID and
 * the reviewer's unit *OWN, or a problem. */
static int import_reviewer(struct req *r, const char *v, int by_login, json_t *row, int64_t *id,
                           int64_t *own)
{
  int col = by_login ? IC_LOGIN : IC_RNAME;
  *id = *own = 0;
  if (!*v) {
    iproblem(row, col, "不能为空");
    return E_OK;
  }
  db_stmt *st =
      db_prepare(r->db, by_login ? "SELECT id, login, display_name, coalesce(unit_id, 0) FROM "
                                   "user WHERE login = :v AND role = 'reviewer' AND disabled = 0 "
                                   "ORDER BY id LIMIT 2"
                                 : "SELECT id, login, display_name, coalesce(unit_id, 0) FROM "
                                   "user WHERE display_name = :v AND role = 'reviewer' AND "
                                   "disabled = 0 ORDER BY id LIMIT 2");
  int rc;
  if (!st) return E_DB;
  if ((rc = db_bind_text(st, ":v", v))) {
    db_reset(st);
    return rc;
  }
  int n = 0;
  while ((rc = db_step(st)) == DB_ROW) {
    if (n++) continue;
    *id = db_col_int(st, 0);
    *own = db_col_int(st, 3);
    json_object_set_new(row, "reviewer", json_string(db_col_text(st, 1)));
    json_object_set_new(row, "reviewer_name", json_string(db_col_text(st, 2)));
  }
  db_reset(st);
  if (rc != DB_DONE) return rc;
  if (n == 1) return E_OK;
  *id = 0;
  iproblem(row, col,
           n          ? "有多名评审人同名，请改用评审人账号"
           : by_login ? "没有这个评审人账号（或账号已停用）"
                      : "没有叫这个名字的评审人（或账号已停用）");
  return E_OK;
}

/* The rules between a resolved unit and reviewer: own unit, conflict, an existing sheet. */
static int import_rules(struct req *r, int64_t cycle, struct irow *ir, int64_t own, int rcol,
                        json_t *row)
{
  if (own == ir->unit) iproblem(row, rcol, "评审人属于该单位，不能评审本单位");
  db_stmt *st = db_prepare(
      r->db, "SELECT EXISTS (SELECT 1 FROM conflict WHERE user_id = :me AND unit_id = :u), "
             "(SELECT status FROM assignment WHERE cycle_id = :c AND unit_id = :u AND user_id = "
             ":me AND kind = 'review')");
  int rc;
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":me", ir->user)) || (rc = db_bind_int(st, ":u", ir->unit)) ||
      (rc = db_bind_int(st, ":c", cycle)) || (rc = db_step(st)) != DB_ROW) {
    db_reset(st);
    return rc == DB_DONE ? E_INTERNAL : rc;
  }
  int conflict = (int)db_col_int(st, 0), exists = !db_col_is_null(st, 1),
      recused = exists && !strcmp(db_col_text(st, 1), "recused");
  db_reset(st);
  if (conflict) iproblem(row, rcol, "评审人已声明与该单位存在利益冲突");
  if (recused)
    iproblem(row, rcol, "该评审人已回避该单位，不能再分配");
  else if (exists)
    json_object_set_new(row, "action", json_string("exists"));
  return E_OK;
}

int h_assignments_import(struct req *r, struct reply *out)
{
  int64_t cycle, apply;
  int rc = req_param_id(r, "cycle", &cycle);
  if (rc || (rc = req_query_int(r, out, "apply", 0, 0, 1, &apply)) ||
      (rc = cycle_check_open(r->db, cycle, 0, &out->detail)))
    return rc;
  struct sheet sh;
  const char *detail = NULL;
  if ((rc = sheet_read(r->upload->f.tmp, &sh, &detail))) {
    out->field = "file";
    out->detail = detail ? detail : "无法读取该文件，请上传 .xlsx 或 .csv 表格";
    return rc;
  }
  int col[NIC];
  for (int k = 0; k < NIC; k++) {
    col[k] = -1;
    for (size_t c = 0; c < sh.cols && col[k] < 0; c++)
      for (int a = 0; ic_names[k][a] && col[k] < 0; a++)
        if (!strcasecmp(sheet_cell(&sh, 0, c), ic_names[k][a])) col[k] = (int)c;
  }
  int ucol = col[IC_CODE] >= 0 ? IC_CODE : IC_UNAME,
      rcol = col[IC_LOGIN] >= 0 ? IC_LOGIN : IC_RNAME;
  size_t data = 0;
  for (size_t i = 1; i < sh.rows && col[ucol] >= 0 && col[rcol] >= 0; i++)
    data += *sheet_cell(&sh, i, (size_t)col[ucol]) || *sheet_cell(&sh, i, (size_t)col[rcol]);
  if (col[ucol] < 0 || col[rcol] < 0 || data > IMPORT_MAX_ROWS) {
    sheet_free(&sh);
    out->field = "file";
    out->detail = data > IMPORT_MAX_ROWS
                      ? "一次最多导入 10000 行分配，请把表格分成几份"
                      : "表格第一行应为列名，包括：单位代码（或单位名称）、评审人账号（或评审人）";
    return E_VALIDATION;
  }
  struct irow *ir = calloc(data + 1, sizeof *ir);
  json_t *rows = json_array();
  int64_t creates = 0, exists = 0, bad = 0;
  size_t n = 0;
  int in_tx = 0;
  if (!ir || !rows) {
    rc = E_NOMEM;
    goto done;
  }
  /* Applying reads and writes under the write lock, so what is checked is what is stored. */
  if (apply) {
    if ((rc = db_begin(r->db))) goto done;
    in_tx = 1;
  }
  for (size_t i = 1; i < sh.rows && !rc; i++) {
    const char *uv = sheet_cell(&sh, i, (size_t)col[ucol]),
               *rv = sheet_cell(&sh, i, (size_t)col[rcol]);
    if (!*uv && !*rv) continue;
    json_t *row = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:[]}", "line", (json_int_t)(i + 1), "unit",
                            uv, "unit_name", "", "reviewer", rv, "reviewer_name", "", "action",
                            "create", "problems");
    if (!row || json_array_append_new(rows, row)) {
      rc = E_NOMEM;
      break;
    }
    struct irow *x = &ir[n++];
    int64_t own = 0;
    x->line = (int64_t)(i + 1);
    if ((rc = import_unit(r, cycle, uv, ucol == IC_CODE, row, &x->unit)) ||
        (rc = import_reviewer(r, rv, rcol == IC_LOGIN, row, &x->user, &own)))
      break;
    if (x->unit && x->user) {
      if ((rc = import_rules(r, cycle, x, own, rcol, row))) break;
      for (size_t k = 0; k + 1 < n; k++)
        if (ir[k].unit == x->unit && ir[k].user == x->user) {
          char msg[64];
          snprintf(msg, sizeof msg, "与第 %lld 行重复", (long long)ir[k].line);
          iproblem(row, rcol, msg);
          break;
        }
    }
    const char *action = json_string_value(json_object_get(row, "action"));
    if (json_array_size(json_object_get(row, "problems")))
      bad++;
    else if (!strcmp(action, "create"))
      creates++, x->create = 1;
    else
      exists++;
  }
  if (rc) goto done;
  json_t *counts = json_pack("{s:I,s:I,s:I}", "create", (json_int_t)creates, "exists",
                             (json_int_t)exists, "errors", (json_int_t)bad);
  if (!counts) {
    rc = E_NOMEM;
    goto done;
  }
  if (!apply || bad) {
    if (apply) { /* refused whole: the standard error body, with the rows to fix */
      db_rollback(r->db);
      in_tx = 0;
      rc = reply_json(out, 400,
                      json_pack("{s:{s:s,s:s,s:s,s:s,s:O,s:o}}", "error", "code", "E_VALIDATION",
                                "message", "输入内容不符合要求", "field", "file", "detail",
                                "表格中有问题的行，未分配任何评审；请修改后重新导入", "rows", rows,
                                "counts", counts));
    } else {
      rc = reply_json(out, 200,
                      json_pack("{s:O,s:o,s:b}", "rows", rows, "counts", counts, "applied", 0));
    }
    goto done;
  }
  int64_t now = (int64_t)time(NULL);
  json_t *pairs = json_array();
  db_stmt *st = db_prepare(r->db, "INSERT INTO assignment (cycle_id, unit_id, user_id, kind, "
                                  "created_at, updated_at) VALUES (:c, :u, :me, 'review', :now, "
                                  ":now)");
  if (!pairs || !st) rc = pairs ? E_DB : E_NOMEM;
  for (size_t k = 0; k < n && !rc; k++) {
    if (!ir[k].create) continue;
    json_t *row = json_array_get(rows, k);
    if ((rc = db_bind_int(st, ":c", cycle)) || (rc = db_bind_int(st, ":u", ir[k].unit)) ||
        (rc = db_bind_int(st, ":me", ir[k].user)) || (rc = db_bind_int(st, ":now", now))) {
      db_reset(st);
      break;
    }
    if ((rc = db_run(st))) break;
    json_array_append_new(
        pairs, json_pack("[O,O]", json_object_get(row, "unit"), json_object_get(row, "reviewer")));
  }
  char object[64];
  snprintf(object, sizeof object, "cycle:%lld", (long long)cycle);
  if (!rc)
    rc = audit_json(r, "assignment.import", object,
                    json_pack("{s:I,s:I,s:s,s:o}", "created", (json_int_t)creates, "exists",
                              (json_int_t)exists, "file",
                              r->upload->filename ? r->upload->filename : "", "pairs", pairs));
  else
    json_decref(pairs);
  if (!rc) {
    in_tx = 0; /* a failed COMMIT ends the transaction too */
    rc = db_commit(r->db);
  }
  if (rc) {
    json_decref(counts);
    goto done;
  }
  rc = reply_json(out, 200,
                  json_pack("{s:O,s:o,s:b}", "rows", rows, "counts", counts, "applied", 1));
done:
  if (in_tx) db_rollback(r->db);
  json_decref(rows);
  free(ir);
  sheet_free(&sh);
  return rc;
}

/* ---- automatic assignment ---- */

/* A cycle read for assign_run(), with the names to show. Arrays in the request arena. */
struct cyc {
  size_t nk, nu, nr, nt, nc;
  const char **kcode, **kname;   /* unit kinds in display order */
  struct assign_unit *units;     /* by id */
  const char **ucode, **uname;   /* per unit */
  int64_t *taken;                /* the units' taken reviewer ids, unit after unit */
  struct assign_reviewer *revs;  /* enabled reviewers by id */
  const char **rlogin, **rname;  /* per reviewer */
  struct assign_conflict *confs; /* every declared conflict */
};

/* Runs count query SQL (bound to :c = CYCLE when it has it) into *N. */
static int count_of(struct req *r, const char *sql, int64_t cycle, size_t *n)
{
  db_stmt *st = db_prepare(r->db, sql);
  int64_t v = 0;
  int rc;
  if (!st) return E_DB;
  if (strstr(sql, ":c") && (rc = db_bind_int(st, ":c", cycle))) {
    db_reset(st);
    return rc;
  }
  rc = db_one_int(st, &v);
  *n = (size_t)v;
  return rc;
}

/* Arena array of N elements of SIZE (at least one, so never NULL unless out of memory). */
static void *arr(struct req *r, size_t n, size_t size)
{
  return arena_alloc(&r->a, (n ? n : 1) * size);
}

/* Reads CYCLE into C. Call inside a transaction so the counts hold. */
static int cyc_load(struct req *r, int64_t cycle, struct cyc *c)
{
  int rc;
  memset(c, 0, sizeof *c);
  if ((rc = count_of(r, "SELECT count(*) FROM unit_kind", 0, &c->nk)) ||
      (rc = count_of(r, "SELECT count(*) FROM cycle_unit WHERE cycle_id = :c", cycle, &c->nu)) ||
      (rc = count_of(r, "SELECT count(*) FROM user WHERE role = 'reviewer' AND disabled = 0", 0,
                     &c->nr)) ||
      (rc = count_of(r, "SELECT count(*) FROM assignment WHERE cycle_id = :c AND kind = 'review'",
                     cycle, &c->nt)) ||
      (rc = count_of(r, "SELECT count(*) FROM conflict", 0, &c->nc)))
    return rc;
  c->kcode = arr(r, c->nk, sizeof *c->kcode);
  c->kname = arr(r, c->nk, sizeof *c->kname);
  c->units = arr(r, c->nu, sizeof *c->units);
  c->ucode = arr(r, c->nu, sizeof *c->ucode);
  c->uname = arr(r, c->nu, sizeof *c->uname);
  c->taken = arr(r, c->nt, sizeof *c->taken);
  c->revs = arr(r, c->nr, sizeof *c->revs);
  c->rlogin = arr(r, c->nr, sizeof *c->rlogin);
  c->rname = arr(r, c->nr, sizeof *c->rname);
  c->confs = arr(r, c->nc, sizeof *c->confs);
  if (!c->kcode || !c->kname || !c->units || !c->ucode || !c->uname || !c->taken || !c->revs ||
      !c->rlogin || !c->rname || !c->confs)
    return E_NOMEM;
  /* Kinds. */
  db_stmt *st = db_prepare(r->db, "SELECT code, name FROM unit_kind ORDER BY sort, code");
  size_t i = 0;
  if (!st) return E_DB;
  rc = DB_DONE; /* also when a loop below reads nothing */
  while (i < c->nk && (rc = db_step(st)) == DB_ROW) {
    c->kcode[i] = arena_strdup(&r->a, db_col_text(st, 0));
    c->kname[i++] = arena_strdup(&r->a, db_col_text(st, 1));
  }
  db_reset(st);
  if (rc != DB_ROW && rc != DB_DONE) return rc;
  /* Units, with the reviewers already on each (by unit id, as the units). */
  st = db_prepare(r->db, "SELECT un.id, un.code, un.name, un.kind FROM cycle_unit cu JOIN unit "
                         "un ON un.id = cu.unit_id WHERE cu.cycle_id = :c ORDER BY un.id");
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":c", cycle))) {
    db_reset(st);
    return rc;
  }
  for (i = 0, rc = DB_DONE; i < c->nu && (rc = db_step(st)) == DB_ROW; i++) {
    c->units[i].id = db_col_int(st, 0);
    c->ucode[i] = arena_strdup(&r->a, db_col_text(st, 1));
    c->uname[i] = arena_strdup(&r->a, db_col_text(st, 2));
    for (size_t k = 0; k < c->nk; k++)
      if (c->kcode[k] && !strcmp(c->kcode[k], db_col_text(st, 3))) c->units[i].kind = (int)k;
  }
  db_reset(st);
  if (rc != DB_ROW && rc != DB_DONE) return rc;
  st = db_prepare(r->db, "SELECT unit_id, user_id, status <> 'recused' FROM assignment WHERE "
                         "cycle_id = :c AND kind = 'review' ORDER BY unit_id, user_id");
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":c", cycle))) {
    db_reset(st);
    return rc;
  }
  size_t u = 0, t = 0;
  rc = DB_DONE;
  while (t < c->nt && (rc = db_step(st)) == DB_ROW) {
    int64_t unit = db_col_int(st, 0);
    while (u < c->nu && c->units[u].id < unit) u++;
    if (u == c->nu || c->units[u].id != unit) continue; /* a unit no longer in the cycle */
    if (!c->units[u].ntaken) c->units[u].taken = &c->taken[t];
    c->taken[t++] = db_col_int(st, 1);
    c->units[u].ntaken++;
    c->units[u].active += (int)db_col_int(st, 2);
  }
  db_reset(st);
  if (rc != DB_ROW && rc != DB_DONE) return rc;
  /* Enabled reviewers with their load in the cycle. */
  st = db_prepare(r->db, "SELECT u.id, u.login, u.display_name, coalesce(u.unit_id, 0), (SELECT "
                         "count(*) FROM assignment a WHERE a.cycle_id = :c AND a.user_id = u.id "
                         "AND a.kind = 'review' AND a.status <> 'recused') FROM user u WHERE "
                         "u.role = 'reviewer' AND u.disabled = 0 ORDER BY u.id");
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":c", cycle))) {
    db_reset(st);
    return rc;
  }
  for (i = 0, rc = DB_DONE; i < c->nr && (rc = db_step(st)) == DB_ROW; i++) {
    c->revs[i] =
        (struct assign_reviewer){db_col_int(st, 0), db_col_int(st, 3), (int)db_col_int(st, 4)};
    c->rlogin[i] = arena_strdup(&r->a, db_col_text(st, 1));
    c->rname[i] = arena_strdup(&r->a, db_col_text(st, 2));
  }
  db_reset(st);
  if (rc != DB_ROW && rc != DB_DONE) return rc;
  st = db_prepare(r->db, "SELECT user_id, unit_id FROM conflict");
  if (!st) return E_DB;
  for (i = 0, rc = DB_DONE; i < c->nc && (rc = db_step(st)) == DB_ROW; i++)
    c->confs[i] = (struct assign_conflict){db_col_int(st, 0), db_col_int(st, 1)};
  db_reset(st);
  if (rc != DB_ROW && rc != DB_DONE) return rc;
  for (i = 0; i < c->nu; i++)
    if (!c->ucode[i] || !c->uname[i]) return E_NOMEM;
  for (i = 0; i < c->nr; i++)
    if (!c->rlogin[i] || !c->rname[i]) return E_NOMEM;
  return E_OK;
}

/* Reads the "panels" of BODY against the cycle C into *PANELS / *NPANELS (arena). */
static int take_panels(struct req *r, struct reply *out, const struct cyc *c,
                       struct assign_panel **panels, size_t *npanels)
{
  static const char *const keys[] = {"name", "reviewers", "unit_kinds", NULL};
  json_t *list = json_object_get(r->jbody, "panels");
  *panels = NULL;
  *npanels = 0;
  if (!list || json_is_null(list)) return E_OK;
  if (!json_is_array(list) || json_array_size(list) > PANELS_MAX)
    return reply_invalid(out, "panels", "评审组应为最多 50 个评审组的列表");
  *panels = arr(r, json_array_size(list), sizeof **panels);
  if (!*panels) return E_NOMEM;
  size_t i;
  json_t *p;
  json_array_foreach(list, i, p)
  {
    const char *f = arena_printf(&r->a, "panels[%zu]", i);
    if (!f) return E_NOMEM;
    if (!json_is_object(p))
      return reply_invalid(out, f, "每个评审组应为对象：{name, reviewers, unit_kinds}");
    const char *k;
    json_t *v, *rv = json_object_get(p, "reviewers"), *kv = json_object_get(p, "unit_kinds"),
               *nv = json_object_get(p, "name");
    json_object_foreach(p, k, v)
    {
      int known = 0;
      for (int a = 0; keys[a] && !known; a++) known = !strcmp(k, keys[a]);
      if (!known) return reply_invalid(out, arena_printf(&r->a, "%s.%s", f, k), "不认识的字段");
    }
    if (nv && !json_is_null(nv) && (!json_is_string(nv) || json_string_length(nv) > 200))
      return reply_invalid(out, arena_printf(&r->a, "%s.name", f), "评审组名称应为文本");
    if (!json_is_array(rv) || !json_array_size(rv) || json_array_size(rv) > PANEL_REVIEWERS_MAX)
      return reply_invalid(out, arena_printf(&r->a, "%s.reviewers", f),
                           "应为评审人账号的列表（至少一人）");
    if (!json_is_array(kv) || !json_array_size(kv) || json_array_size(kv) > c->nk)
      return reply_invalid(out, arena_printf(&r->a, "%s.unit_kinds", f),
                           "应为单位类别的列表（至少一类）");
    struct assign_panel *pn = &(*panels)[i];
    int64_t *ids = arr(r, json_array_size(rv), sizeof *ids);
    int *kinds = arr(r, json_array_size(kv), sizeof *kinds);
    if (!ids || !kinds) return E_NOMEM;
    size_t j;
    json_t *x;
    json_array_foreach(rv, j, x)
    {
      const char *login = json_string_value(x);
      size_t m = 0;
      while (login && m < c->nr && strcasecmp(c->rlogin[m], login)) m++;
      if (!login || m == c->nr)
        return reply_invalid(out, arena_printf(&r->a, "%s.reviewers[%zu]", f, j),
                             "没有这个评审人账号（或账号已停用）");
      ids[pn->nreviewers++] = c->revs[m].id;
    }
    json_array_foreach(kv, j, x)
    {
      char code[32];
      size_t m = 0;
      if (!json_is_string(x) || unit_kind_resolve(r->db, json_string_value(x), code) != E_OK)
        m = c->nk;
      while (m < c->nk && strcmp(c->kcode[m], code)) m++;
      if (m == c->nk) {
        char *all = arena_strdup(&r->a, "应为以下单位类别之一：");
        for (size_t q = 0; all && q < c->nk; q++)
          all = arena_printf(&r->a, "%s%s%s", all, q ? "、" : "", c->kname[q]);
        return reply_invalid(out, arena_printf(&r->a, "%s.unit_kinds[%zu]", f, j),
                             all ? all : "没有这个单位类别");
      }
      kinds[pn->nkinds++] = (int)m;
    }
    pn->reviewers = ids;
    pn->kinds = kinds;
  }
  *npanels = json_array_size(list);
  return E_OK;
}

/* The Chinese explanation of a unit left short. */
static const char *short_problem(struct req *r, const struct cyc *c, const struct assign_short *s,
                                 int cap)
{
  switch (s->why) {
  case ASSIGN_SHORT_CAP:
    return arena_printf(&r->a, "还差 %d 名评审人：符合条件的评审人都已达到每人 %d 份的上限",
                        s->missing, cap);
  case ASSIGN_SHORT_PANEL:
    return arena_printf(&r->a, "还差 %d 名评审人：没有评审组负责“%s”类单位", s->missing,
                        c->kname[c->units[s->unit].kind]);
  default:
    return arena_printf(&r->a,
                        "还差 %d 名评审人：符合条件的评审人不够（本单位人员、已声明利益冲突、"
                        "已分配或已回避的评审人不能再分配）",
                        s->missing);
  }
}

int h_assignments_auto(struct req *r, struct reply *out)
{
  static const char *const keys[] = {"per_unit", "cap", "panels", "seed", "apply", NULL};
  static const char *const reasons[] = {"", "few", "cap", "panel"};
  int64_t cycle, per_unit = 0, cap = 0, seed;
  int rc = req_param_id(r, "cycle", &cycle);
  if (rc || (rc = cycle_check_open(r->db, cycle, 0, &out->detail))) return rc;
  seed = cycle;
  json_t *ap = json_object_get(r->jbody, "apply");
  if ((rc = json_only_keys(out, r->jbody, keys)) ||
      (rc = json_take_int(out, r->jbody, "per_unit", 1, 1, AUTO_K_MAX, &per_unit)) ||
      (rc = json_take_int(out, r->jbody, "cap", 0, 1, AUTO_CAP_MAX, &cap)) ||
      (rc = json_take_int(out, r->jbody, "seed", 0, 0, INT64_MAX, &seed)))
    return rc;
  if (ap && !json_is_boolean(ap)) return reply_invalid(out, "apply", "应为 true 或 false");
  int apply = json_is_true(ap);
  /* Read, compute and (when applying) store under the write lock: the proposal is computed
   * from exactly what is stored next to it. */
  if ((rc = db_begin(r->db))) return rc;
  struct cyc c;
  struct assign_panel *panels = NULL;
  size_t npanels = 0;
  struct assign_result res = {0};
  json_t *proposed = json_array(), *shorts = json_array(), *load = json_array(),
         *pairs = json_array();
  if (!proposed || !shorts || !load || !pairs) {
    rc = E_NOMEM;
    goto fail;
  }
  if ((rc = cyc_load(r, cycle, &c)) || (rc = take_panels(r, out, &c, &panels, &npanels))) goto fail;
  struct assign_input in = {.units = c.units,
                            .nunits = c.nu,
                            .reviewers = c.revs,
                            .nreviewers = c.nr,
                            .conflicts = c.confs,
                            .nconflicts = c.nc,
                            .panels = panels,
                            .npanels = npanels,
                            .nkinds = (int)(c.nk ? c.nk : 1),
                            .k = (int)per_unit,
                            .cap = (int)cap,
                            .seed = (uint64_t)seed};
  if ((rc = assign_run(&in, &res))) {
    rc = rc == E_VALIDATION ? E_INTERNAL : rc; /* the input is ours */
    goto fail;
  }
  for (size_t i = 0; i < res.npairs; i++) {
    size_t u = res.pairs[i].unit, v = res.pairs[i].reviewer;
    json_array_append_new(proposed, json_pack("{s:s,s:s,s:s,s:s}", "unit", c.ucode[u], "unit_name",
                                              c.uname[u], "reviewer", c.rlogin[v], "reviewer_name",
                                              c.rname[v]));
    if (i < AUDIT_PAIRS_MAX)
      json_array_append_new(pairs, json_pack("[s,s]", c.ucode[u], c.rlogin[v]));
  }
  for (size_t i = 0; i < res.nshorts; i++) {
    const struct assign_short *s = &res.shorts[i];
    const char *problem = short_problem(r, &c, s, (int)cap);
    json_array_append_new(shorts,
                          json_pack("{s:s,s:s,s:i,s:s,s:s}", "unit", c.ucode[s->unit], "unit_name",
                                    c.uname[s->unit], "missing", s->missing, "reason",
                                    reasons[s->why], "problem", problem ? problem : ""));
  }
  for (size_t i = 0; i < c.nr; i++)
    json_array_append_new(load,
                          json_pack("{s:s,s:s,s:i,s:i}", "reviewer", c.rlogin[i], "reviewer_name",
                                    c.rname[i], "before", c.revs[i].load, "after", res.load[i]));
  if (json_array_size(proposed) != res.npairs || json_array_size(shorts) != res.nshorts ||
      json_array_size(load) != c.nr) {
    rc = E_NOMEM;
    goto fail;
  }
  if (apply) {
    int64_t now = (int64_t)time(NULL);
    db_stmt *st = db_prepare(r->db, "INSERT INTO assignment (cycle_id, unit_id, user_id, kind, "
                                    "created_at, updated_at) VALUES (:c, :u, :me, 'review', "
                                    ":now, :now)");
    if (!st) rc = E_DB;
    for (size_t i = 0; i < res.npairs && !rc; i++) {
      if ((rc = db_bind_int(st, ":c", cycle)) ||
          (rc = db_bind_int(st, ":u", c.units[res.pairs[i].unit].id)) ||
          (rc = db_bind_int(st, ":me", c.revs[res.pairs[i].reviewer].id)) ||
          (rc = db_bind_int(st, ":now", now)))
        db_reset(st);
      else
        rc = db_run(st);
    }
    char object[64];
    snprintf(object, sizeof object, "cycle:%lld", (long long)cycle);
    json_t *cj = cap ? json_integer(cap) : json_null();
    if (!rc)
      rc = audit_json(r, "assignment.auto", object,
                      json_pack("{s:I,s:o,s:I,s:I,s:I,s:I,s:O}", "per_unit", (json_int_t)per_unit,
                                "cap", cj, "seed", (json_int_t)seed, "panels", (json_int_t)npanels,
                                "created", (json_int_t)res.npairs, "short", (json_int_t)res.nshorts,
                                "pairs", pairs));
    else
      json_decref(cj);
    if (rc || (rc = db_commit(r->db))) goto fail;
  } else {
    db_rollback(r->db); /* nothing was written: this only ends the read */
  }
  json_decref(pairs);
  assign_result_free(&res);
  return reply_json(out, 200,
                    json_pack("{s:o,s:o,s:o,s:b,s:I}", "proposed", proposed, "short", shorts,
                              "load", load, "applied", apply, "seed", (json_int_t)seed));
fail:
  db_rollback(r->db);
  assign_result_free(&res);
  json_decref(proposed);
  json_decref(shorts);
  json_decref(load);
  json_decref(pairs);
  return rc ? rc : E_DB;
}

/* ---- progress ---- */

static json_t *progress_reviewer(db_stmt *st, void *ctx)
{
  (void)ctx;
  return json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:I}", "login", db_col_text(st, 0), "display_name",
                   db_col_text(st, 1), "assigned", (json_int_t)db_col_int(st, 2), "not_started",
                   (json_int_t)db_col_int(st, 3), "in_progress", (json_int_t)db_col_int(st, 4),
                   "submitted", (json_int_t)db_col_int(st, 5), "recused",
                   (json_int_t)db_col_int(st, 6));
}

static json_t *progress_unit(db_stmt *st, void *ctx)
{
  (void)ctx;
  return json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:o}", "code", db_col_text(st, 0), "name",
                   db_col_text(st, 1), "kind", db_col_text(st, 2), "assigned",
                   (json_int_t)db_col_int(st, 3), "not_started", (json_int_t)db_col_int(st, 4),
                   "in_progress", (json_int_t)db_col_int(st, 5), "submitted",
                   (json_int_t)db_col_int(st, 6), "recused", (json_int_t)db_col_int(st, 7), "self",
                   db_col_is_null(st, 8) ? json_null() : json_string(db_col_text(st, 8)));
}

static json_t *progress_late(db_stmt *st, void *ctx)
{
  (void)ctx;
  return json_pack("{s:s,s:s,s:I,s:[]}", "login", db_col_text(st, 0), "display_name",
                   db_col_text(st, 1), "unsubmitted", (json_int_t)db_col_int(st, 2), "units");
}

static json_t *progress_recusal(db_stmt *st, void *ctx)
{
  (void)ctx;
  return json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:o,s:s}", "assignment", (json_int_t)db_col_int(st, 0),
                   "unit", db_col_text(st, 1), "unit_name", db_col_text(st, 2), "reviewer",
                   db_col_text(st, 3), "reviewer_name", db_col_text(st, 4), "reason",
                   db_col_text(st, 5), "at",
                   db_col_is_null(st, 6) ? json_null() : json_integer(db_col_int(st, 6)), "by",
                   db_col_text(st, 7));
}

/* Runs SQL bound to :c = CYCLE into a JSON array *OUT via ROW. */
static int cycle_rows(struct req *r, const char *sql, int64_t cycle, db_row_fn row, json_t **out)
{
  db_stmt *st = db_prepare(r->db, sql);
  int rc;
  *out = NULL;
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":c", cycle))) {
    db_reset(st);
    return rc;
  }
  return db_rows_json(st, row, NULL, out);
}

int h_cycle_progress(struct req *r, struct reply *out)
{
  int64_t cycle;
  int rc = req_param_id(r, "cycle", &cycle);
  if (rc) return rc;
  db_stmt *st = db_prepare(r->db, "SELECT review_deadline FROM cycle WHERE id = :c");
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":c", cycle)) || (rc = db_step(st)) != DB_ROW) {
    db_reset(st);
    return rc == DB_DONE ? E_NOT_FOUND : rc ? rc : E_INTERNAL;
  }
  int has_deadline = !db_col_is_null(st, 0);
  int64_t deadline = db_col_int(st, 0);
  db_reset(st);
  json_t *reviewers = NULL, *units = NULL, *late = NULL, *recusals = NULL;
  if ((rc = cycle_rows(
           r,
           "SELECT u.login, u.display_name, sum(a.status <> 'recused'), sum(a.status = "
           "'assigned'), sum(a.status = 'in_progress'), sum(a.status = 'submitted'), "
           "sum(a.status = 'recused') FROM assignment a JOIN user u ON u.id = a.user_id WHERE "
           "a.cycle_id = :c AND a.kind = 'review' GROUP BY a.user_id ORDER BY u.login",
           cycle, progress_reviewer, &reviewers)) ||
      (rc = cycle_rows(
           r,
           "SELECT un.code, un.name, un.kind, coalesce(sum(a.status <> 'recused'), 0), "
           "coalesce(sum(a.status = 'assigned'), 0), coalesce(sum(a.status = 'in_progress'), 0), "
           "coalesce(sum(a.status = 'submitted'), 0), coalesce(sum(a.status = 'recused'), 0), "
           "(SELECT s.status FROM assignment s WHERE s.cycle_id = cu.cycle_id AND s.unit_id = "
           "un.id AND s.kind = 'self' ORDER BY s.id LIMIT 1) FROM cycle_unit cu JOIN unit un ON "
           "un.id = cu.unit_id LEFT JOIN unit_kind k ON k.code = un.kind LEFT JOIN assignment a "
           "ON a.cycle_id = cu.cycle_id AND a.unit_id = un.id AND a.kind = 'review' WHERE "
           "cu.cycle_id = :c GROUP BY un.id ORDER BY k.sort, un.code",
           cycle, progress_unit, &units)) ||
      (rc = cycle_rows(r,
                       "SELECT u.login, u.display_name, count(*) FROM assignment a JOIN user u ON "
                       "u.id = a.user_id WHERE a.cycle_id = :c AND a.kind = 'review' AND "
                       "a.status IN ('assigned', 'in_progress') GROUP BY a.user_id ORDER BY "
                       "count(*) DESC, u.login",
                       cycle, progress_late, &late)) ||
      (rc = cycle_rows(r,
                       "SELECT a.id, un.code, un.name, u.login, u.display_name, "
                       "coalesce(a.recuse_reason, ''), a.recused_at, coalesce(b.login, '') FROM "
                       "assignment a JOIN unit un ON un.id = a.unit_id JOIN user u ON u.id = "
                       "a.user_id LEFT JOIN user b ON b.id = a.recused_by WHERE a.cycle_id = :c "
                       "AND a.status = 'recused' ORDER BY a.recused_at DESC, a.id DESC",
                       cycle, progress_recusal, &recusals)))
    goto fail;
  /* The units each late reviewer still owes, in code order. */
  st = db_prepare(r->db, "SELECT u.login, un.code FROM assignment a JOIN user u ON u.id = "
                         "a.user_id JOIN unit un ON un.id = a.unit_id WHERE a.cycle_id = :c AND "
                         "a.kind = 'review' AND a.status IN ('assigned', 'in_progress') ORDER BY "
                         "u.login, un.code");
  if (!st) {
    rc = E_DB;
    goto fail;
  }
  json_t *by_login = json_object();
  size_t i;
  json_t *x;
  json_array_foreach(late, i, x)
  {
    json_object_set(by_login, json_string_value(json_object_get(x, "login")),
                    json_object_get(x, "units"));
  }
  if (!by_login || (rc = db_bind_int(st, ":c", cycle))) {
    db_reset(st);
    json_decref(by_login);
    rc = rc ? rc : E_NOMEM;
    goto fail;
  }
  while ((rc = db_step(st)) == DB_ROW)
    json_array_append_new(json_object_get(by_login, db_col_text(st, 0)),
                          json_string(db_col_text(st, 1)));
  db_reset(st);
  json_decref(by_login);
  if (rc != DB_DONE) goto fail;
  int overdue = has_deadline && (int64_t)time(NULL) > deadline;
  return reply_json(out, 200,
                    json_pack("{s:o,s:b,s:o,s:o,s:o,s:o}", "review_deadline",
                              has_deadline ? json_integer(deadline) : json_null(), "overdue",
                              overdue, "reviewers", reviewers, "units", units, "late", late,
                              "recusals", recusals));
fail:
  json_decref(reviewers);
  json_decref(units);
  json_decref(late);
  json_decref(recusals);
  return rc ? rc : E_DB;
}

/* ---- recusal and reopening ---- */

int h_assignment_recuse(struct req *r, struct reply *out)
{
  static const char *const keys[] = {"reason", "conflict", NULL};
  int64_t cycle, id;
  const char *reason;
  int rc = req_param_id(r, "cycle", &cycle);
  if (rc || (rc = req_param_id(r, "id", &id))) return rc;
  json_t *cf = json_object_get(r->jbody, "conflict");
  if ((rc = json_only_keys(out, r->jbody, keys)) || (rc = take_reason(out, r->jbody, &reason)))
    return rc;
  if (cf && !json_is_boolean(cf)) return reply_invalid(out, "conflict", "应为 true 或 false");
  int conflict = json_is_true(cf);
  if ((rc = db_begin(r->db))) return rc;
  /* Only the reviewer's own review sheet: anything else is "not found". */
  db_stmt *st = db_prepare(
      r->db, "SELECT a.status, a.unit_id, un.code, c.phase FROM assignment a JOIN unit un ON "
             "un.id = a.unit_id JOIN cycle c ON c.id = a.cycle_id WHERE a.id = :id AND "
             "a.cycle_id = :c AND a.user_id = :me AND a.kind = 'review'");
  if (!st) goto fail;
  if ((rc = db_bind_int(st, ":id", id)) || (rc = db_bind_int(st, ":c", cycle)) ||
      (rc = db_bind_int(st, ":me", r->user.id)) || (rc = db_step(st)) != DB_ROW) {
    db_reset(st);
    rc = rc == DB_DONE ? E_NOT_FOUND : rc ? rc : E_INTERNAL;
    goto fail;
  }
  char status[16], phase[16], unit_code[64];
  int64_t unit = db_col_int(st, 1);
  snprintf(status, sizeof status, "%s", db_col_text(st, 0));
  snprintf(unit_code, sizeof unit_code, "%s", db_col_text(st, 2));
  snprintf(phase, sizeof phase, "%s", db_col_text(st, 3));
  db_reset(st);
  if (!strcmp(status, "submitted")) {
    out->detail = "该评分表已提交，不能再回避；如确需回避，请联系考核办退回后再操作";
    rc = E_CONFLICT;
  } else if (!strcmp(status, "recused")) {
    out->detail = "您已回避该单位的评审";
    rc = E_CONFLICT;
  } else if ((rc = need_open(out, phase))) {
    out->detail = "本周期已进入公示或已结束，不能再回避";
  }
  if (rc) goto fail;
  int64_t now = (int64_t)time(NULL);
  json_t *also = json_array();
  if (!also) {
    rc = E_NOMEM;
    goto fail;
  }
  rc = recuse_one(r, id, cycle, unit_code, r->user.login, reason, conflict, now);
  if (!rc && conflict) {
    st = db_prepare(r->db, "INSERT INTO conflict (user_id, unit_id, reason, created_at, "
                           "created_by) VALUES (:me, :u, :why, :now, :me) ON CONFLICT DO NOTHING");
    if (!st)
      rc = E_DB;
    else if ((rc = db_bind_int(st, ":me", r->user.id)) || (rc = db_bind_int(st, ":u", unit)) ||
             (rc = db_bind_text(st, ":why", reason)) || (rc = db_bind_int(st, ":now", now)))
      db_reset(st);
    else
      rc = db_run(st);
    char object[64];
    snprintf(object, sizeof object, "user:%lld", (long long)r->user.id);
    if (!rc && db_changes(r->db) == 1)
      rc = audit_json(r, "conflict.create", object,
                      json_pack("{s:s,s:s,s:s}", "reviewer", r->user.login, "unit", unit_code,
                                "reason", reason));
    if (!rc) rc = recuse_open_sheets(r, r->user.id, unit, id, reason, now, also);
  }
  if (rc || (rc = db_commit(r->db))) {
    json_decref(also);
    goto fail;
  }
  return reply_json(out, 200,
                    json_pack("{s:{s:I,s:s,s:s},s:b,s:o}", "assignment", "id", (json_int_t)id,
                              "status", "recused", "reason", reason, "conflict", conflict,
                              "also_recused", also));
fail:
  db_rollback(r->db);
  return rc ? rc : E_DB;
}

int h_assignment_reopen(struct req *r, struct reply *out)
{
  static const char *const keys[] = {"reason", NULL};
  int64_t cycle, id;
  const char *reason;
  int rc = req_param_id(r, "cycle", &cycle);
  if (rc || (rc = req_param_id(r, "id", &id))) return rc;
  if ((rc = json_only_keys(out, r->jbody, keys)) || (rc = take_reason(out, r->jbody, &reason)))
    return rc;
  if ((rc = db_begin(r->db))) return rc;
  db_stmt *st = db_prepare(
      r->db, "SELECT a.kind, a.status, a.sheet_version, a.submitted_at, c.phase, un.code, "
             "u.login FROM assignment a JOIN cycle c ON c.id = a.cycle_id JOIN unit un ON un.id "
             "= a.unit_id JOIN user u ON u.id = a.user_id WHERE a.id = :id AND a.cycle_id = :c");
  if (!st) goto fail;
  if ((rc = db_bind_int(st, ":id", id)) || (rc = db_bind_int(st, ":c", cycle)) ||
      (rc = db_step(st)) != DB_ROW) {
    db_reset(st);
    rc = rc == DB_DONE ? E_NOT_FOUND : rc ? rc : E_INTERNAL;
    goto fail;
  }
  char kind[8], status[16], phase[16], unit[64], login[80];
  snprintf(kind, sizeof kind, "%s", db_col_text(st, 0));
  snprintf(status, sizeof status, "%s", db_col_text(st, 1));
  int64_t version = db_col_int(st, 2) + 1;
  int had_submitted = !db_col_is_null(st, 3);
  int64_t submitted_at = db_col_int(st, 3);
  snprintf(phase, sizeof phase, "%s", db_col_text(st, 4));
  snprintf(unit, sizeof unit, "%s", db_col_text(st, 5));
  snprintf(login, sizeof login, "%s", db_col_text(st, 6));
  db_reset(st);
  int self = !strcmp(kind, "self");
  if (strcmp(status, "submitted")) {
    out->detail = "只有已提交的评分表才能退回修改";
    rc = E_CONFLICT;
    goto fail;
  }
  /* Reopen only while its author may edit again (sheets are edited in these phases). */
  if (strcmp(phase, self ? "submission" : "review")) {
    out->detail = self ? "自评表只能在报告填报阶段退回修改" : "评审评分表只能在评审阶段退回修改";
    rc = E_NOT_OPEN;
    goto fail;
  }
  int64_t now = (int64_t)time(NULL);
  st = db_prepare(r->db, "UPDATE assignment SET status = 'in_progress', sheet_version = :v, "
                         "submitted_at = NULL, updated_at = :now WHERE id = :id AND status = "
                         "'submitted'");
  if (!st || (rc = db_bind_int(st, ":v", version)) || (rc = db_bind_int(st, ":now", now)) ||
      (rc = db_bind_int(st, ":id", id)) || (rc = db_run(st)))
    goto fail;
  st = db_prepare(r->db, "INSERT INTO assignment_reopen (assignment_id, reason, reopened_by, "
                         "reopened_at, submitted_at, version) VALUES (:id, :why, :me, :now, "
                         ":sub, :v)");
  if (!st || (rc = db_bind_int(st, ":id", id)) || (rc = db_bind_text(st, ":why", reason)) ||
      (rc = db_bind_int(st, ":me", r->user.id)) || (rc = db_bind_int(st, ":now", now)) ||
      (rc = had_submitted ? db_bind_int(st, ":sub", submitted_at) : db_bind_null(st, ":sub")) ||
      (rc = db_bind_int(st, ":v", version)) || (rc = db_run(st)))
    goto fail;
  char object[64];
  snprintf(object, sizeof object, "assignment:%lld", (long long)id);
  if ((rc = audit_json(r, "assignment.reopen", object,
                       json_pack("{s:I,s:s,s:s,s:s,s:s,s:I}", "cycle", (json_int_t)cycle, "kind",
                                 kind, "unit", unit, "author", login, "reason", reason, "version",
                                 (json_int_t)version))) ||
      (rc = db_commit(r->db)))
    goto fail;
  return reply_json(out, 200,
                    json_pack("{s:{s:I,s:s,s:s,s:I}}", "assignment", "id", (json_int_t)id, "kind",
                              kind, "status", "in_progress", "version", (json_int_t)version));
fail:
  if (st) db_reset(st);
  db_rollback(r->db);
  return rc ? rc : E_DB;
}

/* ---- conflicts of interest ---- */

static json_t *conflict_row(db_stmt *st, void *ctx)
{
  (void)ctx;
  return json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:s}", "reviewer", db_col_text(st, 0), "reviewer_name",
                   db_col_text(st, 1), "unit", db_col_text(st, 2), "unit_name", db_col_text(st, 3),
                   "reason", db_col_text(st, 4), "created_at", (json_int_t)db_col_int(st, 5),
                   "declared_by", db_col_text(st, 6));
}

#define CONFLICT_SELECT                                                                            \
  "SELECT u.login, u.display_name, un.code, un.name, c.reason, c.created_at, coalesce(b.login, "   \
  "'') FROM conflict c JOIN user u ON u.id = c.user_id JOIN unit un ON un.id = c.unit_id LEFT "    \
  "JOIN user b ON b.id = c.created_by "

int h_conflicts_list(struct req *r, struct reply *out)
{
  db_stmt *st = db_prepare(r->db, CONFLICT_SELECT "WHERE :all OR c.user_id = :me ORDER BY "
                                                  "u.login, un.code");
  int rc;
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":all", r->user.role == ROLE_ADMIN)) ||
      (rc = db_bind_int(st, ":me", r->user.id))) {
    db_reset(st);
    return rc;
  }
  json_t *list = NULL;
  if ((rc = db_rows_json(st, conflict_row, NULL, &list))) return rc;
  return reply_json(out, 200, json_pack("{s:o}", "conflicts", list));
}

int h_conflict_create(struct req *r, struct reply *out)
{
  static const char *const keys_reviewer[] = {"unit", "reason", NULL};
  static const char *const keys_admin[] = {"reviewer", "unit", "reason", NULL};
  int admin = r->user.role == ROLE_ADMIN;
  const char *unit, *login = NULL, *reason;
  int rc = json_only_keys(out, r->jbody, admin ? keys_admin : keys_reviewer);
  if (rc || (admin && (rc = json_take_str(out, r->jbody, "reviewer", 1, 64, &login))) ||
      (rc = json_take_str(out, r->jbody, "unit", 1, 32, &unit)) ||
      (rc = take_reason(out, r->jbody, &reason)))
    return rc;
  if ((rc = db_begin(r->db))) return rc;
  int64_t user = r->user.id, unit_id = 0;
  if (admin) {
    db_stmt *st = db_prepare(r->db, "SELECT id FROM user WHERE login = :l AND role = 'reviewer'");
    if (!st) goto fail;
    if ((rc = db_bind_text(st, ":l", login))) {
      db_reset(st);
      goto fail;
    }
    if ((rc = db_one_int(st, &user))) {
      if (rc == E_NOT_FOUND) rc = reply_invalid(out, "reviewer", "没有这个评审人");
      goto fail;
    }
  }
  if ((rc = unit_id_by_code(r->db, unit, &unit_id))) {
    if (rc == E_NOT_FOUND) rc = reply_invalid(out, "unit", "没有这个单位");
    goto fail;
  }
  int64_t now = (int64_t)time(NULL);
  db_stmt *st = db_prepare(r->db, "INSERT INTO conflict (user_id, unit_id, reason, created_at, "
                                  "created_by) VALUES (:u, :un, :why, :now, :me)");
  if (!st) goto fail;
  if ((rc = db_bind_int(st, ":u", user)) || (rc = db_bind_int(st, ":un", unit_id)) ||
      (rc = db_bind_text(st, ":why", reason)) || (rc = db_bind_int(st, ":now", now)) ||
      (rc = db_bind_int(st, ":me", r->user.id))) {
    db_reset(st);
    goto fail;
  }
  if ((rc = db_run(st))) {
    if (rc == E_DUPLICATE) out->detail = "已声明过与该单位的利益冲突";
    goto fail;
  }
  json_t *recused = json_array(), *conflict = NULL;
  char object[64];
  snprintf(object, sizeof object, "user:%lld", (long long)user);
  if (!recused) {
    rc = E_NOMEM;
    goto fail;
  }
  if ((rc = recuse_open_sheets(r, user, unit_id, 0, reason, now, recused)) ||
      (rc = audit_json(r, "conflict.create", object,
                       json_pack("{s:s,s:s,s:s,s:O}", "reviewer", admin ? login : r->user.login,
                                 "unit", unit, "reason", reason, "recused", recused)))) {
    json_decref(recused);
    goto fail;
  }
  /* The new row, as the list shows it. */
  st = db_prepare(r->db, CONFLICT_SELECT "WHERE c.user_id = :u AND c.unit_id = :un");
  if (!st || (rc = db_bind_int(st, ":u", user)) || (rc = db_bind_int(st, ":un", unit_id)) ||
      (rc = db_step(st)) != DB_ROW) {
    if (st) db_reset(st);
    json_decref(recused);
    rc = rc == DB_DONE || rc == DB_ROW ? E_INTERNAL : rc;
    goto fail;
  }
  conflict = conflict_row(st, NULL);
  db_reset(st);
  if (!conflict || (rc = db_commit(r->db))) {
    json_decref(conflict);
    json_decref(recused);
    rc = rc ? rc : E_NOMEM;
    goto fail;
  }
  return reply_json(out, 201, json_pack("{s:o,s:o}", "conflict", conflict, "recused", recused));
fail:
  db_rollback(r->db);
  return rc ? rc : E_DB;
}
