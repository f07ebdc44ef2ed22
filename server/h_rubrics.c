/*
 * h_rubrics.c - the rubrics API (see h_rubrics.h).
 */
#include "h_rubrics.h"

#include "audit.h"
#include "config.h"
#include "db.h"
#include "embedded.h"
#include "err.h"
#include "extract.h"
#include "json.h"
#include "rubric_diff.h"
#include "rubric_draft.h"
#include "rubric_io.h"
#include "rubrics.h"
#include "sheet.h"
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int h_rubrics_list(struct req *r, struct reply *out)
{
  json_t *list = NULL;
  int rc = rubric_list(r->db, &list);
  return rc ? rc : reply_json(out, 200, json_pack("{s:o}", "rubrics", list));
}

int h_rubric_get(struct req *r, struct reply *out)
{
  int64_t id;
  json_t *rb = NULL;
  int rc = req_param_id(r, "id", &id);
  if (!rc) rc = rubric_get(r->db, id, &rb);
  return rc ? rc : reply_json(out, 200, json_pack("{s:o}", "rubric", rb));
}

/* Replaces the JSON body by its portable form: what GET adds (id, version, frozen, family,
 * derived_from, versions, group points) is read-only and ignored, so a client may send back
 * what it read. */
static int portable_body(struct req *r)
{
  json_t *b = rubric_portable(r->jbody);
  if (!b) return E_NOMEM;
  json_decref(r->jbody);
  r->jbody = b;
  return E_OK;
}

int h_rubric_create(struct req *r, struct reply *out)
{
  const char *field = NULL, *problem = NULL;
  int64_t from = 0, id;
  int rc;
  /* "derived_from": the rubric this one is a new version of (it joins that family). */
  json_t *df = json_object_get(r->jbody, "derived_from");
  if (df && !json_is_null(df)) {
    if ((rc = json_take_int(out, r->jbody, "derived_from", 0, 1, INT64_MAX, &from))) return rc;
    int exists = 0;
    if ((rc = rubric_exists(r->db, from, &exists))) return rc;
    if (!exists) return reply_invalid(out, "derived_from", "没有这个评分细则");
  }
  if ((rc = portable_body(r))) return rc;
  if ((rc = rubric_validate(r->db, r->jbody, &field, &problem))) {
    out->field = field;
    out->detail = problem;
    return rc;
  }
  if ((rc = db_begin(r->db))) return rc;
  if ((rc = rubric_insert(r->db, r->jbody, 0, from, (int64_t)time(NULL), &id))) goto fail;
  char object[32], detail[300];
  snprintf(object, sizeof object, "rubric:%lld", (long long)id);
  json_t *d = json_pack("{s:O,s:o}", "name", json_object_get(r->jbody, "name"), "derived_from",
                        from ? json_integer(from) : json_null());
  char *dt = d ? json_dumps(d, JSON_COMPACT) : NULL;
  json_decref(d);
  snprintf(detail, sizeof detail, "%s", dt ? dt : "{}");
  free(dt);
  if ((rc = audit_write(r->db, r->user.id, r->user.login, "rubric.create", object, detail,
                        r->client)))
    goto fail;
  if ((rc = db_commit(r->db))) return rc;
  json_t *rb = NULL;
  if ((rc = rubric_get(r->db, id, &rb))) return rc;
  return reply_json(out, 201, json_pack("{s:o}", "rubric", rb));
fail:
  db_rollback(r->db);
  return rc;
}

int h_rubric_replace(struct req *r, struct reply *out)
{
  int64_t id;
  const char *field = NULL, *problem = NULL;
  int rc = req_param_id(r, "id", &id);
  if (rc || (rc = portable_body(r))) return rc;
  if ((rc = rubric_validate(r->db, r->jbody, &field, &problem))) {
    out->field = field;
    out->detail = problem;
    return rc;
  }
  if ((rc = db_begin(r->db))) return rc;
  rc = rubric_replace(r->db, id, r->jbody, (int64_t)time(NULL));
  if (rc == E_CONFLICT) out->detail = "该评分细则已被考核周期使用并冻结，请另存为新版本";
  char object[32];
  snprintf(object, sizeof object, "rubric:%lld", (long long)id);
  if (!rc)
    rc = audit_write(r->db, r->user.id, r->user.login, "rubric.update", object, "{}", r->client);
  if (rc) {
    db_rollback(r->db);
    return rc;
  }
  if ((rc = db_commit(r->db))) return rc;
  json_t *rb = NULL;
  if ((rc = rubric_get(r->db, id, &rb))) return rc;
  return reply_json(out, 200, json_pack("{s:o}", "rubric", rb));
}

/* Answers with the draft of TEXT ({"rubric": tree, "notes": [...]}). */
static int draft_reply(struct reply *out, const char *field, const char *text, size_t len,
                       double total)
{
  json_t *draft = NULL;
  const char *detail = NULL;
  int rc = rubric_draft(text, len, total, &draft, &detail);
  if (rc) {
    out->detail = detail;
    out->field = field;
    return rc;
  }
  json_t *notes = json_incref(json_object_get(draft, "notes"));
  json_object_del(draft, "notes");
  if (!json_is_string(json_object_get(draft, "name")))
    json_object_set_new(draft, "name", json_string("评分细则（草稿）"));
  return reply_json(out, 200,
                    json_pack("{s:o,s:o}", "rubric", draft, "notes", notes ? notes : json_array()));
}

int h_rubric_draft(struct req *r, struct reply *out)
{
  static const char *const keys[] = {"text", "total_points", NULL};
  const char *text;
  int rc;
  if ((rc = json_only_keys(out, r->jbody, keys)) ||
      (rc = json_take_str(out, r->jbody, "text", 1, 400000, &text)))
    return rc;
  json_t *t = json_object_get(r->jbody, "total_points");
  double total = json_is_number(t) ? json_number_value(t) : 100;
  if (t && (!json_is_number(t) || total <= 0 || total > 1000))
    return reply_invalid(out, "total_points", "总分应为大于 0、不超过 1000 的数字");
  return draft_reply(out, "text", text, strlen(text), total);
}

int h_rubric_draft_file(struct req *r, struct reply *out)
{
  /* total_points as in the JSON route: a number above 0 and at most 1000 (e.g. 100 or 99.5). */
  const char *q = req_query(r, "total_points");
  char *end = NULL;
  double total = q ? strtod(q, &end) : 100;
  int rc = E_OK;
  if (q && (end == q || *end || !(total > 0 && total <= 1000)))
    rc = reply_invalid(out, "total_points", "总分应为大于 0、不超过 1000 的数字");
  if (rc) {
    store_abort(&r->upload->f);
    return rc;
  }
  struct extract_result x = {0};
  const char *detail = NULL;
  rc = extract_file(r->upload->f.tmp, &x, &detail);
  store_abort(&r->upload->f); /* the document itself is not kept */
  if (rc) {
    out->field = "file";
    out->detail = detail;
    return rc;
  }
  rc = draft_reply(out, "file", x.text, x.len, total);
  extract_free(&x);
  return rc;
}

int h_rubric_diff(struct req *r, struct reply *out)
{
  int64_t id, to;
  int rc = req_param_id(r, "id", &id);
  if (rc || (rc = req_query_int(r, out, "to", 0, 0, INT64_MAX, &to))) return rc;
  if (!to) return reply_invalid(out, "to", "请给出要比较的另一个评分细则（to=编号）");
  json_t *a = NULL, *b = NULL;
  if ((rc = rubric_get(r->db, id, &a))) return rc;
  if ((rc = rubric_get(r->db, to, &b))) {
    json_decref(a);
    return rc == E_NOT_FOUND ? reply_invalid(out, "to", "没有这个评分细则") : rc;
  }
  json_t *d = rubric_diff(a, b);
  if (d) {
    json_object_set_new(d, "from", rubric_ident(a));
    json_object_set_new(d, "to", rubric_ident(b));
  }
  json_decref(a);
  json_decref(b);
  return d ? reply_json(out, 200, d) : E_NOMEM;
}

int h_rubric_template(struct req *r, struct reply *out)
{
  (void)r;
  const struct embedded_file *f =
      embedded_find(res_files, res_files_count, "/demo/rubric-default.json");
  json_t *j = f ? json_loadb((const char *)f->data, f->len, 0, NULL) : NULL;
  if (!j) return E_INTERNAL;
  return reply_json(out, 200, json_pack("{s:o}", "rubric", j));
}

/* ---- export and import ---- */

/* A file name for rubric RB in format EXT: "名称（v2）.csv", without path separators. */
static const char *export_name(struct req *r, json_t *rb, const char *ext)
{
  char name[200];
  snprintf(name, sizeof name, "%s", json_string_value(json_object_get(rb, "name")) ?: "评分细则");
  for (char *c = name; *c; c++)
    if (*c == '/' || *c == '\\' || (unsigned char)*c < 0x20) *c = '_';
  return arena_printf(&r->a, "%s（v%lld）.%s", name,
                      (long long)json_integer_value(json_object_get(rb, "version")), ext);
}

int h_rubric_export(struct req *r, struct reply *out)
{
  int64_t id;
  int rc = req_param_id(r, "id", &id);
  if (rc) return rc;
  const char *ext = strrchr(r->path, '.') + 1; /* the route table names .json, .csv or .xlsx */
  json_t *rb = NULL;
  if ((rc = rubric_get(r->db, id, &rb))) return rc;
  json_t *portable = rubric_portable(rb);
  const struct config *cfg = config_active();
  char tmpdir[4100], path[4200];
  snprintf(tmpdir, sizeof tmpdir, "%s/tmp", cfg->data_dir);
  snprintf(path, sizeof path, "%s/rubric-export-XXXXXX", tmpdir);
  int fd = portable ? mkstemp(path) : -1;
  if (fd < 0) {
    json_decref(rb);
    json_decref(portable);
    return portable ? E_INTERNAL : E_NOMEM;
  }
  const char *ctype;
  if (!strcmp(ext, "xlsx")) {
    close(fd);
    rc = rubric_to_xlsx(portable, path, tmpdir);
    ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
  } else {
    char *body = NULL;
    size_t len = 0;
    if (!strcmp(ext, "csv")) {
      rc = rubric_to_csv(portable, &body, &len);
      ctype = "text/csv; charset=utf-8";
    } else {
      body = json_dumps(portable, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
      len = body ? strlen(body) : 0;
      rc = body ? E_OK : E_NOMEM;
      ctype = "application/json; charset=utf-8";
    }
    if (!rc && write(fd, body, len) != (ssize_t)len) rc = E_INTERNAL;
    free(body);
    close(fd);
  }
  if (!rc) rc = reply_file(r, out, path, ctype, export_name(r, rb, ext));
  unlink(path); /* reply_file holds the open file; the name is no longer needed */
  json_decref(rb);
  json_decref(portable);
  return rc;
}

/* The format of the file at PATH by its first bytes: "json" when it starts (after an optional
 * UTF-8 BOM and white space) with '{', "xlsx" for a zip, otherwise "csv". */
static const char *file_format(const char *path)
{
  unsigned char buf[64];
  FILE *f = fopen(path, "rb");
  size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
  if (f) fclose(f);
  if (n >= 4 && !memcmp(buf, "PK\x03\x04", 4)) return "xlsx";
  size_t i = n >= 3 && buf[0] == 0xEF && buf[1] == 0xBB && buf[2] == 0xBF ? 3 : 0;
  while (i < n && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n')) i++;
  return i < n && buf[i] == '{' ? "json" : "csv";
}

/* Reads the uploaded rubric file into *RB (caller decrefs) and names its format in *FORMAT. */
static int import_read(struct req *r, struct reply *out, json_t **rb, const char **format)
{
  const char *path = r->upload->f.tmp;
  *rb = NULL;
  *format = file_format(path);
  if (!strcmp(*format, "json")) {
    json_error_t e;
    FILE *fp = fopen(path, "rb");
    unsigned char bom[3];
    if (!fp) return E_INTERNAL;
    if (!(fread(bom, 1, 3, fp) == 3 && !memcmp(bom, "\xEF\xBB\xBF", 3))) rewind(fp);
    json_t *j = json_loadf(fp, JSON_REJECT_DUPLICATES, &e);
    fclose(fp);
    if (!json_is_object(j)) {
      json_decref(j);
      out->field = "file";
      out->detail = arena_printf(&r->a, "第 %d 行：JSON 格式有误（%s）", e.line, e.text);
      return E_VALIDATION;
    }
    *rb = rubric_portable(j);
    json_decref(j);
    return *rb ? E_OK : E_NOMEM;
  }
  struct sheet sh;
  const char *detail = NULL;
  int rc = sheet_read(path, &sh, &detail);
  if (rc) {
    out->field = "file";
    out->detail = detail ? detail : "无法读取该文件，请上传导出的 .xlsx、.csv 或 .json 文件";
    return rc;
  }
  size_t line = 0;
  rc = rubric_from_sheet(&sh, rb, &line, &detail);
  sheet_free(&sh);
  if (rc == E_VALIDATION) {
    out->field = line ? arena_printf(&r->a, "line:%zu", line) : "file";
    out->detail = detail;
  }
  return rc;
}

int h_rubric_import(struct req *r, struct reply *out)
{
  int64_t save;
  json_t *rb = NULL;
  const char *format = NULL, *field = NULL, *problem = NULL;
  int rc = req_query_int(r, out, "save", 0, 0, 1, &save);
  if (!rc) rc = import_read(r, out, &rb, &format);
  store_abort(&r->upload->f); /* the file itself is not kept */
  if (rc) return rc;
  rc = rubric_validate(r->db, rb, &field, &problem);
  if (rc && rc != E_VALIDATION) goto done;
  const char *where = NULL;
  if (rc) {
    long line = rubric_line_of(rb, field);
    where =
        line ? arena_printf(&r->a, "第 %ld 行：%s", line, problem) : arena_strdup(&r->a, problem);
    field = arena_strdup(&r->a, field);
  }
  if (!save) {
    json_t *portable = rubric_portable(rb);
    rc = reply_json(
        out, 200,
        json_pack("{s:o,s:s,s:o}", "rubric", portable, "format", format, "problem",
                  rc ? json_pack("{s:s,s:s}", "field", field, "detail", where) : json_null()));
    goto done;
  }
  if (rc) {
    out->field = field;
    out->detail = where;
    goto done;
  }
  int64_t id;
  if ((rc = db_begin(r->db))) goto done;
  char object[32];
  if ((rc = rubric_insert(r->db, rb, 0, 0, (int64_t)time(NULL), &id))) {
    db_rollback(r->db);
    goto done;
  }
  snprintf(object, sizeof object, "rubric:%lld", (long long)id);
  json_t *d = json_pack("{s:O,s:s}", "name", json_object_get(rb, "name"), "format", format);
  char *dt = d ? json_dumps(d, JSON_COMPACT) : NULL;
  json_decref(d);
  rc = dt ? audit_write(r->db, r->user.id, r->user.login, "rubric.import", object, dt, r->client)
          : E_NOMEM;
  free(dt);
  if (rc || (rc = db_commit(r->db))) {
    db_rollback(r->db);
    goto done;
  }
  json_t *stored = NULL;
  if (!(rc = rubric_get(r->db, id, &stored)))
    rc = reply_json(out, 201, json_pack("{s:o}", "rubric", stored));
done:
  json_decref(rb);
  return rc;
}
