/*
 * reports.h - report versions: recording an uploaded file as a unit's new current version
 * (with its extracted text, structure and search index), and reading versions back.
 *
 * Every upload is a new version; the newest is current (report.current), older ones stay
 * listed and downloadable. Only current versions are in the search index.
 */
#ifndef KAOPING_REPORTS_H
#define KAOPING_REPORTS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct db;

/* A new version to record. The file must already be in the store under SHA. */
struct report_new {
  int64_t cycle_id, unit_id; /* whose report */
  int64_t uploader;          /* user id (0 = system) */
  const char *actor;         /* login for the audit row */
  const char *client;        /* client address */
  const char *sha;           /* SHA-256 of the file (its name in the store) */
  uint64_t size;             /* file size in bytes */
  const char *filename;      /* the name it was uploaded under */
  const char *format;        /* "txt", "docx", "pdf" */
  const char *encoding;      /* "utf-8" / "gb18030" for text, "" otherwise */
  const char *text;          /* extracted UTF-8 text */
  size_t text_len;           /* its length in bytes */
  json_t *structure;         /* structure_analyze() result (borrowed) */
  int late;                  /* uploaded after the deadline by permission */
  int64_t at;                /* upload time (Unix seconds) */
};

/* Records N in one transaction: blob row, report row with the next version number, the
 * previous version no longer current, the search index moved to the new text, an audit row.
 * Stores the new report's id and version. Returns E_OK or a db error. */
int report_record(struct db *db, const struct report_new *n, int64_t *id, int *version);

/* The report of UNIT_ID in CYCLE_ID: VERSION 0 = the current one. With WITH_TEXT the text is
 * included. Stores a new object in *OUT (caller decrefs): {"id","version","current",
 * "filename","format","encoding","size","sha256","uploaded_at","uploaded_by","late","title",
 * "year","unit_name","chars","headings","sections","warnings","text"?}. Returns E_OK,
 * E_NOT_FOUND or a db error. */
int report_get(struct db *db, int64_t cycle_id, int64_t unit_id, int version, int with_text,
               json_t **out);

/* Every version of UNIT_ID's report in CYCLE_ID, newest first, without text, into *OUT. */
int report_versions(struct db *db, int64_t cycle_id, int64_t unit_id, json_t **out);

/* The store name (SHA-256 hex, 65 bytes), file name (256 bytes), format and encoding (16
 * bytes each) of one version. E_OK, E_NOT_FOUND or a db error. */
int report_file(struct db *db, int64_t cycle_id, int64_t unit_id, int version, char *sha,
                char *filename, char *format, char *encoding);

#endif
