/*
 * h_export.c - result downloads (see h_export.h): the cycle and its results are read
 * (the results snapshot of results_cache.h), the file is written by export.c into a temporary file
 * under DATA_DIR/tmp, and that file is sent by descriptor and its name removed at once. Also one
 * unit's 评分表 (export_unit.c), read the same way.
 */
#include "h_export.h"

#include "config.h"
#include "err.h"
#include "export.h"
#include "export_rows.h"
#include "export_unit.h"
#include "h_results.h"
#include "results_cache.h"
#include "results_db.h"
#include "rubrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The download's file name: "<cycle title>结果<LABEL>.<ext>", without path separators or
 * control characters. In R's arena. */
static const char *export_name(struct req *r, json_t *cyc, const char *label, const char *ext)
{
  char name[400];
  snprintf(name, sizeof name, "%s", json_string_value(json_object_get(cyc, "title")) ?: "考核");
  for (char *c = name; *c; c++)
    if (*c == '/' || *c == '\\' || (unsigned char)*c < 0x20) *c = '_';
  return arena_printf(&r->a, "%s结果%s.%s", name, label, ext);
}

int h_export(struct req *r, struct reply *out)
{
  int64_t cycle;
  int rc = req_param_id(r, "cycle", &cycle);
  if (rc) return rc;
  const char *ext = strrchr(r->path, '.') + 1; /* the route table names .csv, .xlsx or .json */
  const char *method, *sheet = req_query(r, "sheet");
  json_t *cyc = NULL, *res = NULL, *kinds = NULL;
  struct results_snap *snap = NULL;
  const char *field = NULL, *problem = NULL;
  int detail = sheet && !strcmp(sheet, "detail");
  if (sheet && !detail && strcmp(sheet, "summary"))
    return reply_invalid(out, "sheet", "sheet 只能是 summary（汇总）或 detail（明细）");
  if (sheet && strcmp(ext, "csv"))
    return reply_invalid(out, "sheet", "sheet 只用于 CSV 导出：Excel 文件已含汇总与明细两张表");
  if ((rc = h_results_method(r, out, &method)) || (rc = export_cycle(r->db, cycle, &cyc)))
    return rc;
  if (detail && method) {
    rc = reply_invalid(out, "method", "明细导出列出每位评审人的原始评分，与汇总方法无关");
    goto done;
  }
  if (detail) goto write; /* the scores as they are: no results to compute */
  rc = results_snap_get(r->db, cycle, method, &snap, &field, &problem);
  if (rc == E_VALIDATION) {
    /* copied: results_load's buffer is thread-local until its next call */
    rc = reply_invalid(out, arena_strdup(&r->a, field ? field : "method"),
                       arena_strdup(&r->a, problem ? problem : "不能计算结果"));
    goto done;
  }
  if (!rc) rc = export_kind_names(r->db, &kinds);
  if (rc) goto done;

write:;
  const struct config *cfg = config_active();
  char tmpdir[4100], path[4200];
  snprintf(tmpdir, sizeof tmpdir, "%s/tmp", cfg->data_dir);
  snprintf(path, sizeof path, "%s/export-XXXXXX", tmpdir);
  int fd = mkstemp(path);
  if (fd < 0) {
    rc = E_INTERNAL;
    goto done;
  }
  const char *ctype = NULL;
  if (!strcmp(ext, "xlsx")) {
    close(fd);
    rc = export_xlsx(r->db, cycle, path, tmpdir, snap, kinds);
    ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
  } else {
    FILE *f = fdopen(fd, "wb");
    if (!f) {
      close(fd);
      rc = E_INTERNAL;
    } else {
      setvbuf(f, NULL, _IOFBF, 1 << 16);
      if (detail) {
        rc = export_csv_detail(r->db, cycle, f);
        ctype = "text/csv; charset=utf-8";
      } else if (!strcmp(ext, "csv")) {
        rc = export_csv(f, snap, kinds);
        ctype = "text/csv; charset=utf-8";
      } else if (!(rc = results_snap_full(snap, &res))) {
        rc = export_json(r->db, cycle, f, cyc, res);
        ctype = "application/json; charset=utf-8";
      }
      if (fclose(f) && !rc) rc = E_INTERNAL;
    }
  }
  if (!rc) rc = reply_file(r, out, path, ctype, export_name(r, cyc, detail ? "明细" : "", ext));
  unlink(path); /* reply_file holds the open file; the name is no longer needed */
done:
  results_snap_release(snap);
  json_decref(cyc);
  json_decref(res);
  json_decref(kinds);
  return rc;
}

int h_export_unit(struct req *r, struct reply *out)
{
  int64_t cycle, rubric = 0;
  const char *code = req_param(r, "unit"), *field = NULL, *problem = NULL;
  json_t *cyc = NULL, *unit = NULL, *trace = NULL, *res = NULL, *settings = NULL, *rb = NULL;
  json_t *row = NULL, *x;
  size_t i;
  int rc = req_param_id(r, "cycle", &cycle);
  if (rc) return rc;
  if (!code) return E_NOT_FOUND;
  if ((rc = export_cycle(r->db, cycle, &cyc)) ||
      (rc = export_unit_sheets(r->db, cycle, code, &unit)))
    goto done;
  if (!(trace = json_pack("[s]", code))) {
    rc = E_NOMEM;
    goto done;
  }
  if ((rc = results_load(r->db, cycle, NULL, trace, &res, &field, &problem))) {
    rc = h_results_load_error(r, out, rc, field, problem);
    goto done;
  }
  if ((rc = results_db_cycle(r->db, cycle, &rubric, &settings, NULL, 0))) goto done;
  if (!rubric) { /* results_load() refuses this already; kept for a clear reply */
    out->field = "rubric_id";
    out->detail = "该考核周期还没有选定评分细则";
    rc = E_CONFLICT;
    goto done;
  }
  if ((rc = rubric_get(r->db, rubric, &rb))) goto done;
  json_array_foreach(json_object_get(res, "units"), i, x)
  {
    if (!strcmp(json_string_value(json_object_get(x, "code")) ?: "", code)) row = x;
  }
  if (!row) {
    rc = E_NOT_FOUND;
    goto done;
  }

  const struct config *cfg = config_active();
  char tmpdir[4100], path[4200], name[600];
  snprintf(tmpdir, sizeof tmpdir, "%s/tmp", cfg->data_dir);
  snprintf(path, sizeof path, "%s/scoresheet-XXXXXX", tmpdir);
  int fd = mkstemp(path);
  if (fd < 0) {
    rc = E_INTERNAL;
    goto done;
  }
  close(fd);
  rc = export_unit_xlsx(path, tmpdir, cyc, rb, res, row, unit);
  snprintf(name, sizeof name, "%s_%s评分表",
           json_string_value(json_object_get(cyc, "title")) ?: "考核",
           json_string_value(json_object_get(unit, "name")) ?: code);
  for (char *c = name; *c; c++)
    if (*c == '/' || *c == '\\' || (unsigned char)*c < 0x20) *c = '_';
  if (!rc)
    rc = reply_file(r, out, path,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    arena_printf(&r->a, "%s.xlsx", name));
  unlink(path); /* reply_file holds the open file; the name is no longer needed */
done:
  json_decref(cyc);
  json_decref(unit);
  json_decref(trace);
  json_decref(res);
  json_decref(settings);
  json_decref(rb);
  return rc;
}
