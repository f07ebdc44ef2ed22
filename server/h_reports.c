/*
 * h_reports.c - the reports API: upload, the current version with its reading, versions,
 * original files (see h_reports.h).
 *
 * An upload arrives in the store's temporary folder (http.c streams it there). It is read
 * (format detection, text extraction, structure) while still temporary, so a file that cannot
 * be read leaves nothing behind; only then is it renamed into the store and recorded, in one
 * transaction, as the unit's new current version.
 */
#include "h_reports.h"

#include "authz.h"
#include "config.h"
#include "db.h"
#include "err.h"
#include "extract.h"
#include "reports.h"
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The cycle and unit of the path, checked for existence and for R's right to read (WRITE 0)
 * or submit (WRITE 1). */
static int resolve(struct req *r, int write, int64_t *cycle, int64_t *unit)
{
  int rc = req_param_id(r, "cycle", cycle);
  if (rc || (rc = authz_param_unit(r, unit))) return rc;
  if ((rc = write ? authz_unit_write(r, *unit) : authz_unit_read(r, *cycle, *unit))) return rc;
  int64_t n = 0;
  db_stmt *st =
      db_prepare(r->db, "SELECT count(*) FROM cycle_unit WHERE cycle_id = :c AND unit_id = :u");
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":c", *cycle)) || (rc = db_bind_int(st, ":u", *unit)) ||
      (rc = db_one_int(st, &n))) {
    db_reset(st);
    return rc;
  }
  return n ? E_OK : E_NOT_FOUND;
}

/* Decides whether R may upload now for UNIT in CYCLE: a unit user in the submission phase
 * before the deadline, or after it while the office allows a late upload (*LATE = 1); the
 * admin in the draft, submission and review phases (late when past the deadline). Also
 * returns the cycle's year. */
static int upload_window(struct req *r, struct reply *out, int64_t cycle, int64_t unit, int *late,
                         int *year)
{
  db_stmt *st = db_prepare(r->db, "SELECT c.phase, c.submission_deadline, cu.late_upload_until, "
                                  "c.year FROM cycle c JOIN cycle_unit cu ON cu.cycle_id = c.id "
                                  "WHERE c.id = :c AND cu.unit_id = :u");
  int rc;
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":c", cycle)) || (rc = db_bind_int(st, ":u", unit))) {
    db_reset(st);
    return rc;
  }
  if ((rc = db_step(st)) != DB_ROW) {
    db_reset(st);
    return rc == DB_DONE ? E_NOT_FOUND : rc;
  }
  char phase[16];
  snprintf(phase, sizeof phase, "%s", db_col_text(st, 0));
  int64_t deadline = db_col_is_null(st, 1) ? 0 : db_col_int(st, 1);
  int64_t until = db_col_is_null(st, 2) ? 0 : db_col_int(st, 2);
  *year = (int)db_col_int(st, 3);
  db_reset(st);
  int64_t now = (int64_t)time(NULL);
  *late = deadline && now > deadline;
  if (r->user.role == ROLE_ADMIN) {
    if (!strcmp(phase, "draft") || !strcmp(phase, "submission") || !strcmp(phase, "review"))
      return E_OK;
    out->detail = "考核已进入公示或归档阶段，不能再上传报告";
    return E_NOT_OPEN;
  }
  if (strcmp(phase, "submission") != 0) {
    out->detail =
        !strcmp(phase, "draft") ? "考核周期尚未开放报告填报" : "报告填报已结束，不能再上传";
    return E_NOT_OPEN;
  }
  if (*late && !(until && now <= until)) return E_DEADLINE;
  return E_OK;
}

int h_report_upload(struct req *r, struct reply *out)
{
  int64_t cycle, unit;
  int late = 0, year = 0, rc;
  struct upload *u = r->upload;
  if ((rc = resolve(r, 1, &cycle, &unit)) ||
      (rc = upload_window(r, out, cycle, unit, &late, &year))) {
    store_abort(&u->f); /* refused: the file goes before the answer does */
    return rc;
  }
  char unit_name[256] = "";
  db_stmt *st = db_prepare(r->db, "SELECT name FROM unit WHERE id = :u");
  if (st && !db_bind_int(st, ":u", unit) && db_step(st) == DB_ROW)
    snprintf(unit_name, sizeof unit_name, "%s", db_col_text(st, 0));
  if (st) db_reset(st);

  /* Read the file while it is still temporary. */
  struct extract_result x = {0};
  json_t *structure = NULL;
  const char *detail = NULL;
  if ((rc = report_read(&u->f, year, unit_name, &x, &structure, &detail))) {
    out->field = "file";
    out->detail = detail;
    return rc;
  }
  struct report_origin o = {.cycle_id = cycle,
                            .unit_id = unit,
                            .uploader = r->user.id,
                            .actor = r->user.login,
                            .client = r->client,
                            .filename = u->filename,
                            .late = late,
                            .at = (int64_t)time(NULL)};
  int version;
  rc = report_keep(r->db, config_active()->data_dir, &u->f, &o, &x, structure, &version);
  if (rc == E_INTERNAL) out->detail = "服务器无法保存上传的文件";
  json_decref(structure);
  extract_free(&x);
  if (rc) return rc;
  json_t *rep = NULL;
  if ((rc = report_get(r->db, cycle, unit, 0, 0, &rep))) return rc;
  return reply_json(out, 201, json_pack("{s:o}", "report", rep));
}

int h_report_get(struct req *r, struct reply *out)
{
  int64_t cycle, unit;
  json_t *rep = NULL;
  int rc = resolve(r, 0, &cycle, &unit);
  if (!rc) rc = report_get(r->db, cycle, unit, 0, 1, &rep);
  return rc ? rc : reply_json(out, 200, json_pack("{s:o}", "report", rep));
}

int h_report_versions(struct req *r, struct reply *out)
{
  int64_t cycle, unit;
  json_t *list = NULL;
  int rc = resolve(r, 0, &cycle, &unit);
  if (!rc) rc = report_versions(r->db, cycle, unit, &list);
  return rc ? rc : reply_json(out, 200, json_pack("{s:o}", "versions", list));
}

int h_report_version(struct req *r, struct reply *out)
{
  int64_t cycle, unit, version;
  json_t *rep = NULL;
  int rc = resolve(r, 0, &cycle, &unit);
  if (!rc) rc = req_param_id(r, "version", &version);
  if (!rc) rc = report_get(r->db, cycle, unit, (int)version, 1, &rep);
  return rc ? rc : reply_json(out, 200, json_pack("{s:o}", "report", rep));
}

int h_report_file(struct req *r, struct reply *out)
{
  int64_t cycle, unit, version;
  char sha[65], filename[256], format[16], encoding[16], path[4200];
  int rc = resolve(r, 0, &cycle, &unit);
  if (!rc) rc = req_param_id(r, "version", &version);
  if (!rc) rc = report_file(r->db, cycle, unit, (int)version, sha, filename, format, encoding);
  if (rc) return rc;
  store_path(config_active()->data_dir, sha, path, sizeof path);
  const char *ctype =
      !strcmp(format, "pdf") ? "application/pdf"
      : !strcmp(format, "docx")
          ? "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
      : !strcmp(encoding, "gb18030") ? "text/plain; charset=gb18030"
                                     : "text/plain; charset=utf-8";
  return reply_file(r, out, path, ctype, filename);
}
