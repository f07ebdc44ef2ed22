/*
 * h_import.c - bulk import of many units' reports from one zip (see h_import.h).
 *
 * Stateless preview and apply: the same request with apply=0 shows what would happen, with
 * apply=1 does it. The browser keeps the zip and sends it again to apply, with an optional
 * form field "assign" ({"entry name": "unit code" | ""}) that overrides the matching. Each
 * entry is read like an upload (format by content, text, structure); it is matched to a unit
 * of the cycle by its file name (a unit's name or code in it) or, failing that, by the unit
 * name read from its text.
 */
#include "h_import.h"

#include "audit.h"
#include "config.h"
#include "db.h"
#include "err.h"
#include "extract.h"
#include "reports.h"
#include "store.h"
#include "zipsafe.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* A unit of the cycle. */
struct cunit {
  int64_t id;
  char code[40], name[256];
};

/* Loads the units of CYCLE (all of them, a few MB at national scale). */
static int load_units(struct db *db, int64_t cycle, struct cunit **out, size_t *n)
{
  db_stmt *st = db_prepare(db, "SELECT u.id, u.code, u.name FROM cycle_unit cu JOIN unit u ON "
                               "u.id = cu.unit_id WHERE cu.cycle_id = :c");
  int rc;
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":c", cycle))) {
    db_reset(st);
    return rc;
  }
  size_t cap = 64;
  struct cunit *u = malloc(cap * sizeof *u);
  *n = 0;
  while (u && (rc = db_step(st)) == DB_ROW) {
    if (*n == cap) {
      struct cunit *nu = realloc(u, (cap *= 2) * sizeof *u);
      if (!nu) {
        free(u);
        u = NULL;
        break;
      }
      u = nu;
    }
    u[*n].id = db_col_int(st, 0);
    snprintf(u[*n].code, sizeof u[*n].code, "%s", db_col_text(st, 1));
    snprintf(u[*n].name, sizeof u[*n].name, "%s", db_col_text(st, 2));
    (*n)++;
  }
  db_reset(st);
  if (!u) return E_NOMEM;
  if (rc != DB_DONE) {
    free(u);
    return rc;
  }
  *out = u;
  return E_OK;
}

/* 1 when CODE occurs in S as a whole token (not inside a longer run of letters and digits). */
static int has_code(const char *s, const char *code)
{
  size_t n = strlen(code);
  for (const char *p = s; (p = strcasestr(p, code)) != NULL; p++) {
    int before = p == s || !isalnum((unsigned char)p[-1]);
    int after = !isalnum((unsigned char)p[n]);
    if (before && after) return 1;
  }
  return 0;
}

/* The unit whose name appears in NAME (the longest name), else whose code appears in it as a
 * token (the longest code), or NULL. */
static const struct cunit *match_name(const struct cunit *u, size_t n, const char *name)
{
  const struct cunit *best = NULL;
  for (size_t i = 0; i < n; i++)
    if (strstr(name, u[i].name) && (!best || strlen(u[i].name) > strlen(best->name))) best = &u[i];
  if (best) return best;
  for (size_t i = 0; i < n; i++) /* the longest code: "YL-RSJ" over "YL" */
    if (has_code(name, u[i].code) && (!best || strlen(u[i].code) > strlen(best->code)))
      best = &u[i];
  return best;
}

/* The unit named DETECTED (as read from a report's text): the same name, or a unit name that
 * contains it or is contained in it (longest). NULL when none. */
static const struct cunit *match_text(const struct cunit *u, size_t n, const char *detected)
{
  const struct cunit *best = NULL;
  if (!detected || strlen(detected) < 6) return NULL; /* two characters or less: too vague */
  for (size_t i = 0; i < n; i++)
    if (!strcmp(u[i].name, detected)) return &u[i];
  for (size_t i = 0; i < n; i++)
    if ((strstr(u[i].name, detected) || strstr(detected, u[i].name)) &&
        (!best || strlen(u[i].name) > strlen(best->name)))
      best = &u[i];
  return best;
}

/* 1 for entries that are not files to import: folders, hidden files, macOS metadata. */
static int skipped_entry(const char *name)
{
  size_t n = strlen(name);
  const char *base = strrchr(name, '/');
  base = base ? base + 1 : name;
  return n == 0 || name[n - 1] == '/' || base[0] == '.' || !strncmp(name, "__MACOSX/", 9);
}

int h_reports_import(struct req *r, struct reply *out)
{
  int64_t cycle, apply, year = 0, deadline = 0;
  int rc = req_param_id(r, "cycle", &cycle);
  if (rc || (rc = req_query_int(r, out, "apply", 0, 0, 1, &apply))) return rc;
  db_stmt *st = db_prepare(r->db, "SELECT year, coalesce(submission_deadline, 0), phase FROM "
                                  "cycle WHERE id = :c");
  char phase[16] = "";
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":c", cycle))) {
    db_reset(st);
    return rc;
  }
  if ((rc = db_step(st)) == DB_ROW) {
    year = db_col_int(st, 0);
    deadline = db_col_int(st, 1);
    snprintf(phase, sizeof phase, "%s", db_col_text(st, 2));
  }
  db_reset(st);
  if (rc != DB_ROW) return rc == DB_DONE ? E_NOT_FOUND : rc;
  if (strcmp(phase, "draft") && strcmp(phase, "submission") && strcmp(phase, "review")) {
    out->detail = "考核已进入公示或归档阶段，不能再导入报告";
    return E_NOT_OPEN;
  }
  json_t *assign = NULL;
  if (r->upload->assign) {
    assign = json_loadb(r->upload->assign, r->upload->assign_len, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(assign)) {
      json_decref(assign);
      return reply_invalid(out, "assign", "应为 JSON 对象：{\"文件名\": \"单位代码\"}");
    }
  }
  const struct config *cfg = config_active();
  struct zipsafe *z = NULL;
  const char *detail = NULL;
  struct cunit *units = NULL;
  size_t nunits = 0;
  json_t *entries = json_array();
  if ((rc = zipsafe_open(r->upload->f.tmp, &z, &detail))) {
    out->field = "file";
    out->detail = detail ? detail : "请上传 .zip 压缩包";
    goto done;
  }
  if ((rc = load_units(r->db, cycle, &units, &nunits))) goto done;
  int64_t matched = 0, problems = 0, now = (int64_t)time(NULL);
  if (apply && (rc = db_begin(r->db))) goto done;
  for (size_t i = 0; i < zipsafe_count(z) && entries; i++) {
    const char *name = zipsafe_name(z, i);
    if (skipped_entry(name)) continue;
    json_t *e = json_pack("{s:s,s:I,s:n,s:n,s:n,s:n,s:[]}", "name", name, "size",
                          (json_int_t)zipsafe_size(z, i), "format", "unit", "matched_by", "title",
                          "problems");
    if (!e || json_array_append_new(entries, e)) break;
    /* Read the entry like an upload: into the store's tmp folder, then extract. */
    char *buf = NULL;
    size_t len = 0;
    struct store_file f = {.fd = -1};
    struct extract_result x = {0};
    const char *why = NULL;
    int erc = zipsafe_read(z, i, cfg->max_upload, &buf, &len, &why);
    if (!erc && store_begin(cfg->data_dir, &f)) erc = E_INTERNAL;
    if (!erc && store_write(&f, buf, len)) erc = E_INTERNAL;
    free(buf);
    json_t *structure = NULL;
    if (!erc) erc = report_read(&f, (int)year, NULL, &x, &structure, &why);
    if (erc) {
      json_array_append_new(json_object_get(e, "problems"),
                            json_string(why ? why : "无法读取该文件"));
      problems++;
      store_abort(&f);
      continue;
    }
    json_object_set_new(e, "format", json_string(x.format));
    const char *detected =
        structure ? json_string_value(json_object_get(structure, "unit_name")) : NULL;
    if (structure && json_is_string(json_object_get(structure, "title")))
      json_object_set(e, "title", json_object_get(structure, "title"));
    const struct cunit *u = NULL;
    const char *by = NULL;
    json_t *over = assign ? json_object_get(assign, name) : NULL;
    if (over) {
      for (size_t k = 0; json_is_string(over) && k < nunits && !u; k++)
        if (!strcmp(units[k].code, json_string_value(over))) u = &units[k];
      by = u ? "assigned" : NULL;
      if (!u && json_string_length(over))
        json_array_append_new(json_object_get(e, "problems"),
                              json_string("指定的单位不在本考核周期中"));
    } else if ((u = match_name(units, nunits, name))) {
      by = "filename";
    } else if ((u = match_text(units, nunits, detected))) {
      by = "text";
    }
    if (u) {
      json_object_set_new(e, "unit", json_pack("{s:s,s:s}", "code", u->code, "name", u->name));
      json_object_set_new(e, "matched_by", json_string(by));
      matched++;
    } else if (!over) {
      json_array_append_new(json_object_get(e, "problems"),
                            json_string("未能确定所属单位，请手动指定"));
    }
    if (json_array_size(json_object_get(e, "problems"))) problems++;
    if (apply && u && !json_array_size(json_object_get(e, "problems"))) {
      const char *base = strrchr(name, '/');
      struct report_origin o = {.cycle_id = cycle,
                                .unit_id = u->id,
                                .uploader = r->user.id,
                                .actor = r->user.login,
                                .client = r->client,
                                .filename = base ? base + 1 : name,
                                .late = deadline && now > deadline,
                                .at = now};
      int version;
      rc = report_keep(r->db, cfg->data_dir, &f, &o, &x, structure, &version);
      if (!rc) json_object_set_new(e, "version", json_integer(version));
    }
    store_abort(&f);
    json_decref(structure);
    extract_free(&x);
    if (rc) break;
  }
  /* Two files for one unit: the import cannot tell which is the report. */
  for (size_t i = 0; entries && i < json_array_size(entries); i++) {
    const char *ci = json_string_value(
        json_object_get(json_object_get(json_array_get(entries, i), "unit"), "code"));
    for (size_t k = i + 1; ci && k < json_array_size(entries); k++) {
      const char *ck = json_string_value(
          json_object_get(json_object_get(json_array_get(entries, k), "unit"), "code"));
      if (ck && !strcmp(ci, ck)) {
        json_array_append_new(json_object_get(json_array_get(entries, k), "problems"),
                              json_string("与前面的文件对应同一单位"));
        problems++;
        if (apply && !rc) {
          rc = E_VALIDATION;
          out->detail = "压缩包中有多个文件对应同一单位；请在预览中指定后再导入";
        }
      }
    }
  }
  if (apply) {
    if (rc) {
      db_rollback(r->db);
    } else {
      char d[96], object[32];
      snprintf(d, sizeof d, "{\"files\":%zu,\"matched\":%lld}", json_array_size(entries),
               (long long)matched);
      snprintf(object, sizeof object, "cycle:%lld", (long long)cycle);
      rc = audit_write(r->db, r->user.id, r->user.login, "report.import", object, d, r->client);
      rc = rc ? (db_rollback(r->db), rc) : db_commit(r->db);
    }
  }
  if (!rc && !entries) rc = E_NOMEM;
  if (!rc)
    rc = reply_json(out, 200,
                    json_pack("{s:O,s:{s:I,s:I,s:I},s:b}", "entries", entries, "summary", "files",
                              (json_int_t)json_array_size(entries), "matched", (json_int_t)matched,
                              "problems", (json_int_t)problems, "applied", (int)apply));
done:
  store_abort(&r->upload->f);
  json_decref(entries);
  json_decref(assign);
  zipsafe_close(z);
  free(units);
  return rc;
}
