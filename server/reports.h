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

struct store_file;
struct extract_result;

/* Reads a file arriving in F (still in the store's temporary folder): format from its
 * content, text (extract.h), and structure (structure.h) against the cycle's YEAR (0 =
 * unknown) and the unit's name UNIT_NAME (NULL = unknown). On E_OK fills X (extract_free) and
 * *STRUCTURE (caller decrefs). On failure F is dropped and *DETAIL says why in Chinese:
 * E_FILE_TYPE, E_BAD_FILE, E_NOMEM. */
int report_read(struct store_file *f, int year, const char *unit_name, struct extract_result *x,
                json_t **structure, const char **detail);

/* Who a version is for and how it came, for report_keep(). */
struct report_origin {
  int64_t cycle_id, unit_id; /* whose report */
  int64_t uploader;          /* user id (0 = system) */
  const char *actor;         /* login for the audit row */
  const char *client;        /* client address */
  const char *filename;      /* the name it was uploaded under */
  int late;                  /* after the deadline, by permission */
  int64_t at;                /* upload time (Unix seconds) */
};

/* Keeps a file that report_read() accepted: renames F into the store under DATA_DIR and
 * records it with X and STRUCTURE as O's new current version (report_record). Stores the
 * version number. Returns E_OK, E_INTERNAL when the store fails (F dropped), or a db error. */
int report_keep(struct db *db, const char *data_dir, struct store_file *f,
                const struct report_origin *o, const struct extract_result *x, json_t *structure,
                int *version);

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
