/*
 * embedded.h - files compiled into the binary by tools/embed.c.
 *
 * Three tables are generated at build time: web_files (web/, served at /), sql_files (sql/, the
 * schema migrations) and res_files (server/openapi.json and the demo data in server/demo/). Each
 * table is sorted by name; embedded_find() looks a name up by binary search.
 */
#ifndef KAOPING_EMBEDDED_H
#define KAOPING_EMBEDDED_H

#include <stddef.h>

/* One embedded file. All members point to static data and are never freed. */
struct embedded_file {
  const char *name;          /* "/css/app.css": path below the embedded folder, leading '/' */
  const char *mime;          /* Content-Type chosen from the extension */
  const unsigned char *data; /* the bytes, followed by a NUL that len does not count */
  size_t len;                /* length in bytes */
  const char *etag;          /* strong ETag, quoted: "\"0123456789abcdef\"" */
};

extern const struct embedded_file web_files[];
extern const size_t web_files_count;
extern const struct embedded_file sql_files[];
extern const size_t sql_files_count;
extern const struct embedded_file res_files[];
extern const size_t res_files_count;

/* Finds NAME (with its leading '/') in a sorted table of COUNT files.
 * Returns the entry, or NULL when there is none. */
const struct embedded_file *embedded_find(const struct embedded_file *tab, size_t count,
                                          const char *name);

/* The Content-Type served for a file NAME, chosen from its extension
 * ("application/octet-stream" when unknown). Returns a static string. */
const char *embedded_mime(const char *name);

#endif
