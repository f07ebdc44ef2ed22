/*
 * reports.c - recording and reading report versions (see reports.h).
 */
#include "reports.h"

#include "audit.h"
#include "db.h"
#include "dbjson.h"
#include "err.h"
#include "extract.h"
#include "store.h"
#include "structure.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Binds TEXT (compact JSON of J, or DEF when J is NULL) to NAME. */
static int bind_json(db_stmt *st, const char *name, json_t *j, const char *def)
{
  char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
  int rc = db_bind_text(st, name, text ? text : def);
  free(text);
  return rc;
}

int report_record(struct db *db, const struct report_new *n, int64_t *id, int *version)
{
  int rc = db_begin(db);
  if (rc) return rc;
  db_stmt *st = db_prepare(db, "INSERT OR IGNORE INTO blob (sha256, size, created_at) VALUES "
                               "(:sha, :size, :at)");
  if (!st) goto fail;
  if ((rc = db_bind_text(st, ":sha", n->sha)) ||
      (rc = db_bind_int(st, ":size", (int64_t)n->size)) || (rc = db_bind_int(st, ":at", n->at)) ||
      (rc = db_run(st)))
    goto fail;
  /* The previous current version leaves the search index and stops being current. */
  int64_t old = 0;
  st = db_prepare(db, "SELECT id FROM report WHERE cycle_id = :c AND unit_id = :u AND current = 1");
  if (!st) goto fail;
  if ((rc = db_bind_int(st, ":c", n->cycle_id)) || (rc = db_bind_int(st, ":u", n->unit_id)))
    goto fail;
  rc = db_one_int(st, &old);
  if (rc && rc != E_NOT_FOUND) goto fail;
  if (old) {
    st = db_prepare(db, "INSERT INTO report_fts (report_fts, rowid, text) SELECT 'delete', id, "
                        "text FROM report WHERE id = :id AND text IS NOT NULL");
    if (!st || (rc = db_bind_int(st, ":id", old)) || (rc = db_run(st))) goto fail;
    st = db_prepare(db, "UPDATE report SET current = 0 WHERE id = :id");
    if (!st || (rc = db_bind_int(st, ":id", old)) || (rc = db_run(st))) goto fail;
  }
  int64_t v = 0;
  st = db_prepare(db, "SELECT coalesce(max(version), 0) + 1 FROM report WHERE cycle_id = :c AND "
                      "unit_id = :u");
  if (!st || (rc = db_bind_int(st, ":c", n->cycle_id)) ||
      (rc = db_bind_int(st, ":u", n->unit_id)) || (rc = db_one_int(st, &v)))
    goto fail;
  /* What the structure reader found goes into three columns: sections, warnings, and the
   * rest (title, year, unit name, length, headings) as info. */
  json_t *info = json_deep_copy(n->structure ? n->structure : json_object());
  if (!info) {
    rc = E_NOMEM;
    goto fail;
  }
  json_t *sections = json_incref(json_object_get(info, "sections"));
  json_t *warnings = json_incref(json_object_get(info, "warnings"));
  json_object_del(info, "sections");
  json_object_del(info, "warnings");
  st = db_prepare(db, "INSERT INTO report (cycle_id, unit_id, version, sha256, filename, format, "
                      "encoding, size, uploaded_by, uploaded_at, late, text, sections, warnings, "
                      "info, current) VALUES (:c, :u, :v, :sha, :fn, :fmt, :enc, :size, :by, :at, "
                      ":late, :text, :sections, :warnings, :info, 1)");
  if (!st)
    rc = E_DB;
  else if ((rc = db_bind_int(st, ":c", n->cycle_id)) || (rc = db_bind_int(st, ":u", n->unit_id)) ||
           (rc = db_bind_int(st, ":v", v)) || (rc = db_bind_text(st, ":sha", n->sha)) ||
           (rc = db_bind_text(st, ":fn", n->filename)) ||
           (rc = db_bind_text(st, ":fmt", n->format)) ||
           (rc = db_bind_text(st, ":enc", n->encoding ? n->encoding : "")) ||
           (rc = db_bind_int(st, ":size", (int64_t)n->size)) ||
           (rc = n->uploader ? db_bind_int(st, ":by", n->uploader) : db_bind_null(st, ":by")) ||
           (rc = db_bind_int(st, ":at", n->at)) || (rc = db_bind_int(st, ":late", n->late)) ||
           (rc = db_bind_textn(st, ":text", n->text ? n->text : "", n->text ? n->text_len : 0)) ||
           (rc = bind_json(st, ":sections", sections, "[]")) ||
           (rc = bind_json(st, ":warnings", warnings, "[]")) ||
           (rc = bind_json(st, ":info", info, "{}")))
    db_reset(st);
  else
    rc = db_run(st);
  json_decref(sections);
  json_decref(warnings);
  json_decref(info);
  if (rc) goto fail;
  *id = db_last_id(db);
  *version = (int)v;
  st = db_prepare(db, "INSERT INTO report_fts (rowid, text) VALUES (:id, :text)");
  if (!st || (rc = db_bind_int(st, ":id", *id)) ||
      (rc = db_bind_textn(st, ":text", n->text ? n->text : "", n->text ? n->text_len : 0)) ||
      (rc = db_run(st)))
    goto fail;
  char object[48], detail[400];
  snprintf(object, sizeof object, "report:%lld", (long long)*id);
  json_t *d = json_pack("{s:I,s:I,s:I,s:s,s:s,s:I,s:b}", "cycle", (json_int_t)n->cycle_id, "unit",
                        (json_int_t)n->unit_id, "version", (json_int_t)v, "sha256", n->sha,
                        "format", n->format, "size", (json_int_t)n->size, "late", n->late);
  char *dt = d ? json_dumps(d, JSON_COMPACT) : NULL;
  json_decref(d);
  snprintf(detail, sizeof detail, "%s", dt ? dt : "{}");
  free(dt);
  if ((rc = audit_write(db, n->uploader, n->actor, "report.upload", object, detail, n->client)))
    goto fail;
  return db_commit(db);
fail:
  db_rollback(db);
  return rc ? rc : E_DB;
}

/* Columns of report_row(): "FROM report rp LEFT JOIN user us ON us.id = rp.uploaded_by". */
#define REPORT_ROW                                                                                 \
  "rp.id, rp.version, rp.current, rp.filename, rp.format, rp.encoding, rp.size, rp.sha256, "       \
  "rp.uploaded_at, us.login, us.display_name, rp.late, rp.info, rp.sections, rp.warnings"

static json_t *report_row(db_stmt *st, int with_text)
{
  json_t *info = json_loads(db_col_text(st, 12), 0, NULL);
  if (!info) info = json_object();
  json_t *by = db_col_is_null(st, 9) ? json_null()
                                     : json_pack("{s:s,s:s}", "login", db_col_text(st, 9),
                                                 "display_name", db_col_text(st, 10));
  json_t *j = json_pack(
      "{s:I,s:I,s:b,s:s,s:s,s:s,s:I,s:s,s:I,s:o,s:b}", "id", (json_int_t)db_col_int(st, 0),
      "version", (json_int_t)db_col_int(st, 1), "current", (int)db_col_int(st, 2), "filename",
      db_col_text(st, 3), "format", db_col_text(st, 4), "encoding", db_col_text(st, 5), "size",
      (json_int_t)db_col_int(st, 6), "sha256", db_col_text(st, 7), "uploaded_at",
      (json_int_t)db_col_int(st, 8), "uploaded_by", by, "late", (int)db_col_int(st, 11));
  json_t *sections = json_loads(db_col_text(st, 13), 0, NULL);
  json_t *warnings = json_loads(db_col_text(st, 14), 0, NULL);
  if (j) {
    json_object_update_missing(j, info);
    json_object_set_new(j, "sections", sections ? sections : json_array());
    json_object_set_new(j, "warnings", warnings ? warnings : json_array());
    if (with_text)
      json_object_set_new(j, "text", json_stringn(db_col_text(st, 15), db_col_bytes(st, 15)));
  } else {
    json_decref(sections);
    json_decref(warnings);
  }
  json_decref(info);
  return j;
}

/* Binds :c, :u and :v of ST (a report of a unit in a cycle, by version); resets ST on error. */
static int bind_version(db_stmt *st, int64_t cycle_id, int64_t unit_id, int version)
{
  int rc;
  if ((rc = db_bind_int(st, ":c", cycle_id)) || (rc = db_bind_int(st, ":u", unit_id)) ||
      (rc = db_bind_int(st, ":v", version)))
    db_reset(st);
  return rc;
}

int report_get(struct db *db, int64_t cycle_id, int64_t unit_id, int version, int with_text,
               json_t **out)
{
  db_stmt *st =
      db_prepare(db, "SELECT " REPORT_ROW ", rp.text FROM report rp LEFT JOIN user us "
                     "ON us.id = rp.uploaded_by WHERE rp.cycle_id = :c AND rp.unit_id = "
                     ":u AND (CASE WHEN :v = 0 THEN rp.current = 1 ELSE rp.version = :v END)");
  int rc;
  *out = NULL;
  if (!st) return E_DB;
  if ((rc = bind_version(st, cycle_id, unit_id, version))) return rc;
  rc = db_step(st);
  if (rc == DB_ROW) *out = report_row(st, with_text);
  db_reset(st);
  if (rc == DB_ROW) return *out ? E_OK : E_NOMEM;
  return rc == DB_DONE ? E_NOT_FOUND : rc;
}

/* A version for the list: the report row without its reading (headings, sections). */
static json_t *version_row(db_stmt *st, void *ctx)
{
  (void)ctx;
  json_t *v = report_row(st, 0);
  if (v) {
    json_object_del(v, "headings");
    json_object_del(v, "sections");
  }
  return v;
}

int report_versions(struct db *db, int64_t cycle_id, int64_t unit_id, json_t **out)
{
  db_stmt *st = db_prepare(db, "SELECT " REPORT_ROW " FROM report rp LEFT JOIN user us ON us.id "
                               "= rp.uploaded_by WHERE rp.cycle_id = :c AND rp.unit_id = :u "
                               "ORDER BY rp.version DESC");
  int rc;
  *out = NULL;
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":c", cycle_id)) || (rc = db_bind_int(st, ":u", unit_id))) {
    db_reset(st);
    return rc;
  }
  return db_rows_json(st, version_row, NULL, out);
}

int report_file(struct db *db, int64_t cycle_id, int64_t unit_id, int version, char *sha,
                char *filename, char *format, char *encoding)
{
  db_stmt *st = db_prepare(db, "SELECT sha256, filename, format, encoding FROM report WHERE "
                               "cycle_id = :c AND unit_id = :u AND version = :v");
  int rc;
  if (!st) return E_DB;
  if ((rc = bind_version(st, cycle_id, unit_id, version))) return rc;
  rc = db_step(st);
  if (rc == DB_ROW) {
    snprintf(sha, 65, "%s", db_col_text(st, 0));
    snprintf(filename, 256, "%s", db_col_text(st, 1));
    snprintf(format, 16, "%s", db_col_text(st, 2));
    snprintf(encoding, 16, "%s", db_col_text(st, 3));
  }
  db_reset(st);
  return rc == DB_ROW ? E_OK : rc == DB_DONE ? E_NOT_FOUND : rc;
}

int report_read(struct store_file *f, int year, const char *unit_name, struct extract_result *x,
                json_t **structure, const char **detail)
{
  *structure = NULL;
  int rc = extract_file(f->tmp, x, detail);
  if (!rc && !(*structure = structure_analyze(x->text, x->len, year, unit_name))) {
    extract_free(x);
    rc = E_NOMEM;
  }
  if (rc) store_abort(f);
  return rc;
}

int report_keep(struct db *db, const char *data_dir, struct store_file *f,
                const struct report_origin *o, const struct extract_result *x, json_t *structure,
                int *version)
{
  char sha[CRYPTO_SHA256_HEX];
  uint64_t size = f->size;
  if (store_commit(data_dir, f, sha) != 0) return E_INTERNAL;
  struct report_new n = {.cycle_id = o->cycle_id,
                         .unit_id = o->unit_id,
                         .uploader = o->uploader,
                         .actor = o->actor,
                         .client = o->client,
                         .sha = sha,
                         .size = size,
                         .filename = o->filename ? o->filename : "report",
                         .format = x->format,
                         .encoding = x->encoding,
                         .text = x->text,
                         .text_len = x->len,
                         .structure = structure,
                         .late = o->late,
                         .at = o->at};
  int64_t id;
  return report_record(db, &n, &id, version);
}
