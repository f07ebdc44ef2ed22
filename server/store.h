/*
 * store.h - the content-addressed file store under DATA_DIR/store.
 *
 * A file is written to DATA_DIR/tmp while it is hashed (SHA-256), fsynced, and then renamed
 * to DATA_DIR/store/<first 2 hex digits>/<remaining 62>, and the folder is fsynced; only then
 * may the database refer to it. A crash at any moment leaves either no file or a complete one
 * (a stray temporary file at worst, removed at the next start). Identical content is stored
 * once. Memory use does not depend on the file's size: bytes are streamed, and while a file
 * is written the kernel is asked every STORE_FLUSH_STEP bytes to start writing it to disk, so
 * the final fsync has little left to wait for and uploads do not pile up dirty pages.
 */
#ifndef KAOPING_STORE_H
#define KAOPING_STORE_H

#include "crypto.h"

#include <stddef.h>
#include <stdint.h>

/* Bytes written between two requests to start write-back (see store_write). */
#define STORE_FLUSH_STEP ((uint64_t)4 << 20)

/* A file being written. */
struct store_file {
  int fd;                    /* the temporary file, or -1 */
  char tmp[4096];            /* its path */
  struct crypto_sha256 hash; /* running SHA-256 of the bytes so far */
  uint64_t size;             /* bytes so far */
  uint64_t flushed;          /* bytes whose write-back to disk has been started */
};

/* A file arriving in a request (BODY_UPLOAD): filled by http.c while the body streams in,
 * committed by the handler with store_commit(); http.c aborts it if the handler did not. */
struct upload {
  struct store_file f;  /* the temporary file; f.fd < 0 once committed or aborted */
  const char *filename; /* the client's file name (UTF-8, path stripped), in the request arena */
  int started;          /* the file field has begun */
  int extra;            /* a second "file" part arrived (ignored) */
  int failed;           /* writing failed (disk full, ...) */
  char *assign;         /* the text of a form field "assign" (malloc'd, NUL-terminated) or NULL */
  size_t assign_len;    /* its length; at most UPLOAD_FIELD_MAX */
};

/* The largest "assign" form field kept with an upload. */
#define UPLOAD_FIELD_MAX (256u << 10)

/* Creates DATA_DIR/store and DATA_DIR/tmp if needed and empties tmp. Returns 0 or -1. */
int store_init(const char *data_dir);

/* Starts a new file. Returns 0, or -1 (logged). */
int store_begin(const char *data_dir, struct store_file *f);

/* Appends N bytes and hashes them; every STORE_FLUSH_STEP bytes starts (does not wait for) the
 * write-back of the bytes so far. Returns 0, or -1 (logged; call store_abort). */
int store_write(struct store_file *f, const void *p, size_t n);

/* Finishes the file: fsync, rename into place, fsync the folder. Stores the SHA-256 as hex in
 * SHA. Returns 0, or -1 (logged; the temporary file is removed). */
int store_commit(const char *data_dir, struct store_file *f, char sha[CRYPTO_SHA256_HEX]);

/* Drops an unfinished file. */
void store_abort(struct store_file *f);

/* Writes the path of stored file SHA into PATH (PATHLEN bytes). */
void store_path(const char *data_dir, const char *sha, char *path, size_t pathlen);

#endif
