/*
 * zipsafe.h - zip archives from outside, opened defensively: the only interface to libzip.
 *
 * zipsafe_open() reads the archive's central directory itself and refuses the archive before
 * anything is decompressed when it has too many entries, declares too much data in all, has an
 * entry larger than 1 MiB that claims to compress better than ZIPSAFE_MAX_RATIO:1, has an
 * unsafe or duplicate entry name (absolute, "..", backslash, drive letter, control
 * characters), or entries whose data overlap each other or the directory (the "overlapping
 * files" zip bomb), is encrypted, or spans several disks. libzip then opens the same bytes,
 * through the same file descriptor, and must agree with that reading. Reading an entry never
 * returns more than its declared size nor more than the caller's cap, whatever the compressed
 * stream would expand to. Used for .docx files and for bulk imports of many reports.
 *
 * Entry names are UTF-8: names flagged UTF-8 must be valid; other names are taken as UTF-8
 * when valid, else as GB18030 (what Chinese Windows' zip tools write). A handle is used by one
 * thread at a time.
 */
#ifndef KAOPING_ZIPSAFE_H
#define KAOPING_ZIPSAFE_H

#include <stddef.h>
#include <stdint.h>

#define ZIPSAFE_MAX_ENTRIES    10000                 /* entries in one archive */
#define ZIPSAFE_MAX_TOTAL      ((uint64_t)256 << 20) /* declared uncompressed bytes, all entries */
#define ZIPSAFE_MAX_RATIO      200                 /* uncompressed : compressed, for big entries */
#define ZIPSAFE_RATIO_MIN_SIZE ((uint64_t)1 << 20) /* entries this large are ratio-checked */

/* An open archive (opaque). */
struct zipsafe;

/* Opens and checks the zip archive at PATH. On E_OK stores a handle in *OUT (close it with
 * zipsafe_close). Errors: E_BAD_FILE with a static Chinese sentence in *DETAIL (e.g.
 * "压缩包结构异常…") when the file is not a well-formed, safe zip archive or cannot be read;
 * E_NOMEM. *OUT is NULL on error. */
int zipsafe_open(const char *path, struct zipsafe **out, const char **detail);

/* Closes Z (NULL is fine). */
void zipsafe_close(struct zipsafe *z);

/* The number of entries in Z (directories included). */
size_t zipsafe_count(const struct zipsafe *z);

/* The UTF-8 name of entry I (< zipsafe_count), owned by Z. Directories end with '/'. */
const char *zipsafe_name(const struct zipsafe *z, size_t i);

/* The declared uncompressed size of entry I. */
uint64_t zipsafe_size(const struct zipsafe *z, size_t i);

/* Finds the entry named NAME (exact, case-sensitive) and stores its index in *I.
 * Returns E_OK or E_NOT_FOUND. */
int zipsafe_find(const struct zipsafe *z, const char *name, size_t *i);

/* Reads entry I into a new malloc'd buffer *BUF (the caller frees it) of *LEN bytes, followed
 * by a NUL that *LEN does not count. Refuses entries declared larger than CAP.
 * Errors: E_BAD_FILE with *DETAIL set when the entry is too large, expands past its declared
 * size, is shorter than declared, fails its CRC, or uses an unsupported compression method;
 * E_NOMEM. *BUF is NULL on error. */
int zipsafe_read(struct zipsafe *z, size_t i, size_t cap, char **buf, size_t *len,
                 const char **detail);

/* zipsafe_find() then zipsafe_read(); E_NOT_FOUND (with *DETAIL) when there is no such entry. */
int zipsafe_read_name(struct zipsafe *z, const char *name, size_t cap, char **buf, size_t *len,
                      const char **detail);

#endif
