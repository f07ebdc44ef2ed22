/*
 * zipsafe.c - defensive reading of zip archives (see zipsafe.h); the only file that includes
 * zip.h.
 *
 * The central directory is parsed here, not taken from libzip, because libzip does not tell
 * where an entry's data lies, and that is what the overlapping-entries check needs. Layout
 * (APPNOTE.TXT 4.3): local headers with data, then the central directory (one 46-byte record
 * plus name, extra field and comment per entry), then the end-of-central-directory record
 * (22 bytes plus a comment of up to 65535 bytes), preceded for ZIP64 archives by a ZIP64 end
 * record and its 20-byte locator. libzip reads the archive through a callback source on our
 * own descriptor, so both readings see the same bytes.
 */
#include "zipsafe.h"

#include "err.h"
#include "textenc.h"
#include "utf8.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#define SIG_LOCAL     0x04034b50u
#define SIG_CENTRAL   0x02014b50u
#define SIG_END       0x06054b50u
#define SIG_END64     0x06064b50u
#define SIG_END64_LOC 0x07064b50u
#define CD_MAX        ((uint64_t)32 << 20) /* central directory bytes we are willing to read */
#define NAME_MAX_LEN  1024                 /* bytes of UTF-8 in one entry name */

static const char BAD_STRUCT[] = "压缩包结构异常，文件可能已损坏或被篡改";
static const char BAD_TRUNC[] = "压缩包不完整或已损坏（找不到文件目录）";
static const char BAD_COUNT[] = "压缩包结构异常：包含的文件过多（超过 10000 个）";
static const char BAD_TOTAL[] = "压缩包结构异常：解压后总大小超过 256 MB";
static const char BAD_RATIO[] = "压缩包结构异常：压缩比异常（疑似压缩炸弹）";
static const char BAD_OVERLAP[] = "压缩包结构异常：文件数据相互重叠（疑似压缩炸弹）";
static const char BAD_NAME[] =
    "压缩包结构异常：含有不安全的文件路径（绝对路径、“..”、反斜杠或控制字符）";
static const char BAD_NAME_ENC[] = "压缩包结构异常：文件名编码无法识别";
static const char BAD_DUP[] = "压缩包结构异常：含有重名文件";
static const char BAD_CRYPT[] = "压缩包已加密，无法读取；请解除密码后重新上传";
static const char BAD_MULTI[] = "不支持分卷压缩包";
static const char BAD_IO[] = "无法读取文件";
static const char BAD_BIG[] = "压缩包内的文件过大";
static const char BAD_SIZE[] = "压缩包结构异常：文件实际大小与声明不符（疑似压缩炸弹）";
static const char BAD_DATA[] = "压缩包内容已损坏（校验失败）";
static const char BAD_METHOD[] = "压缩包使用了不支持的压缩方式";
static const char NO_ENTRY[] = "压缩包中没有所需的文件";

/* One entry as the central directory declares it. */
struct entry {
  char *name;        /* UTF-8, NUL-terminated, malloc'd */
  uint64_t size;     /* declared uncompressed size */
  uint64_t csize;    /* declared compressed size */
  uint64_t offset;   /* offset of its local header */
  uint64_t data_end; /* offset just past its compressed data */
  size_t raw_off;    /* offset of its raw name in the central directory (during open) */
  size_t raw_len;    /* length of the raw name */
};

struct zipsafe {
  int fd;             /* the archive, O_CLOEXEC */
  uint64_t fsize;     /* its size */
  uint64_t pos;       /* read position of libzip's callback source */
  zip_error_t zerr;   /* last error of the callback source */
  zip_t *za;          /* libzip's handle, reading through src_cb() */
  size_t n;           /* entries */
  struct entry *e;    /* entries[n], in central-directory order (= libzip's indices) */
  size_t *byname;     /* indices sorted by name, for zipsafe_find() */
  uint64_t cd_offset; /* where the central directory starts */
};

static uint16_t le16(const unsigned char *p)
{
  return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const unsigned char *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p)
{
  return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* Reads exactly N bytes at OFF. Returns 0, or -1 on error or end of file. */
static int read_at(int fd, uint64_t off, void *buf, size_t n)
{
  char *p = buf;
  while (n > 0) {
    ssize_t r = pread(fd, p, n, (off_t)off);
    if (r <= 0) return -1;
    p += r;
    off += (uint64_t)r;
    n -= (size_t)r;
  }
  return 0;
}

/* libzip's view of the archive: a seekable, read-only source over Z->fd. */
static zip_int64_t src_cb(void *ud, void *data, zip_uint64_t len, zip_source_cmd_t cmd)
{
  struct zipsafe *z = ud;
  switch (cmd) {
  case ZIP_SOURCE_OPEN:
    z->pos = 0;
    return 0;
  case ZIP_SOURCE_READ: {
    if (z->pos >= z->fsize) return 0;
    if (len > z->fsize - z->pos) len = z->fsize - z->pos;
    ssize_t r = pread(z->fd, data, (size_t)len, (off_t)z->pos);
    if (r < 0) {
      zip_error_set(&z->zerr, ZIP_ER_READ, 0);
      return -1;
    }
    z->pos += (uint64_t)r;
    return r;
  }
  case ZIP_SOURCE_CLOSE:
  case ZIP_SOURCE_FREE:
    return 0;
  case ZIP_SOURCE_STAT: {
    if (len < sizeof(zip_stat_t)) {
      zip_error_set(&z->zerr, ZIP_ER_INVAL, 0);
      return -1;
    }
    zip_stat_t *st = data;
    zip_stat_init(st);
    st->size = z->fsize;
    st->valid |= ZIP_STAT_SIZE;
    return sizeof(zip_stat_t);
  }
  case ZIP_SOURCE_ERROR:
    return zip_error_to_data(&z->zerr, data, len);
  case ZIP_SOURCE_SEEK: {
    zip_int64_t p = zip_source_seek_compute_offset(z->pos, z->fsize, data, len, &z->zerr);
    if (p < 0) return -1;
    z->pos = (uint64_t)p;
    return 0;
  }
  case ZIP_SOURCE_TELL:
    return (zip_int64_t)z->pos;
  case ZIP_SOURCE_SUPPORTS:
    return zip_source_make_command_bitmap(
        ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE, ZIP_SOURCE_STAT, ZIP_SOURCE_ERROR,
        ZIP_SOURCE_FREE, ZIP_SOURCE_SEEK, ZIP_SOURCE_TELL, ZIP_SOURCE_SUPPORTS, -1);
  default:
    zip_error_set(&z->zerr, ZIP_ER_OPNOTSUPP, 0);
    return -1;
  }
}

/* 1 when the UTF-8 NAME is safe to use as a relative path: not empty, no control characters,
 * no backslash, not absolute, no drive letter, no ".." component. */
static int name_safe(const char *name)
{
  size_t n = strlen(name);
  if (n == 0 || n > NAME_MAX_LEN || name[0] == '/') return 0;
  if (n >= 2 && name[1] == ':' &&
      ((name[0] >= 'A' && name[0] <= 'Z') || (name[0] >= 'a' && name[0] <= 'z')))
    return 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)name[i];
    if (c < 0x20 || c == 0x7F || c == '\\') return 0;
  }
  for (const char *p = name; *p;) {
    const char *slash = strchr(p, '/');
    size_t len = slash ? (size_t)(slash - p) : strlen(p);
    if (len == 2 && p[0] == '.' && p[1] == '.') return 0;
    p += len;
    if (*p == '/') p++;
  }
  return 1;
}

/* Stores in *OUT the UTF-8 form of the raw name RAW[LEN]; FLAGS are the entry's general
 * purpose flags (bit 11: the name is UTF-8). Returns E_OK, E_BAD_FILE or E_NOMEM. */
static int decode_name(const char *raw, size_t len, unsigned flags, char **out)
{
  *out = NULL;
  if (memchr(raw, '\0', len)) return E_BAD_FILE;
  if (utf8_valid(raw, len)) {
    char *s = malloc(len + 1);
    if (!s) return E_NOMEM;
    memcpy(s, raw, len);
    s[len] = '\0';
    *out = s;
    return E_OK;
  }
  if (flags & 0x800) return E_BAD_FILE; /* flagged UTF-8 but is not */
  char enc[16];
  size_t n;
  int rc = textenc_convert(raw, len, NAME_MAX_LEN, out, &n, enc, NULL);
  return rc == E_NOMEM ? E_NOMEM : rc == E_OK ? E_OK : E_BAD_FILE;
}

static int by_offset(const void *a, const void *b)
{
  const struct entry *x = *(struct entry *const *)a, *y = *(struct entry *const *)b;
  return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static int by_name(const void *a, const void *b, void *zv)
{
  const struct zipsafe *z = zv;
  return strcmp(z->e[*(const size_t *)a].name, z->e[*(const size_t *)b].name);
}

/* Parses the central directory CD[CDLEN] into Z->e (Z->n entries expected).
 * Returns E_OK, E_BAD_FILE with *DETAIL, or E_NOMEM. */
static int parse_cd(struct zipsafe *z, const unsigned char *cd, size_t cdlen, const char **detail)
{
  uint64_t total = 0, csum = 0;
  size_t p = 0;
  for (size_t i = 0; i < z->n; i++) {
    struct entry *e = &z->e[i];
    if (cdlen - p < 46 || le32(cd + p) != SIG_CENTRAL) goto bad;
    const unsigned char *h = cd + p;
    unsigned flags = le16(h + 8);
    size_t nlen = le16(h + 28), xlen = le16(h + 30), clen = le16(h + 32);
    unsigned disk = le16(h + 34);
    if (cdlen - p - 46 < nlen + xlen + clen) goto bad;
    e->csize = le32(h + 20);
    e->size = le32(h + 24);
    e->offset = le32(h + 42);
    /* ZIP64 extended information (APPNOTE 4.5.3): only the fields that are all ones above. */
    const unsigned char *x = h + 46 + nlen, *xend = x + xlen;
    while (xend - x >= 4) {
      unsigned id = le16(x), sz = le16(x + 2);
      if ((size_t)(xend - x - 4) < sz) goto bad;
      if (id == 0x0001) {
        const unsigned char *f = x + 4, *fend = f + sz;
        uint64_t *want[3] = {&e->size, &e->csize, &e->offset};
        for (int k = 0; k < 3; k++) {
          if (*want[k] != 0xFFFFFFFFu) continue;
          if (fend - f < 8) goto bad;
          *want[k] = le64(f);
          f += 8;
        }
        if (disk == 0xFFFF) {
          if (fend - f < 4) goto bad;
          disk = le32(f);
        }
      }
      x += 4 + sz;
    }
    if (disk != 0) {
      *detail = BAD_MULTI;
      return E_BAD_FILE;
    }
    if (flags & 0x41) { /* bit 0: encrypted, bit 6: strong encryption */
      *detail = BAD_CRYPT;
      return E_BAD_FILE;
    }
    e->raw_off = p + 46;
    e->raw_len = nlen;
    int rc = decode_name((const char *)h + 46, nlen, flags, &e->name);
    if (rc != E_OK) {
      if (rc == E_BAD_FILE) *detail = BAD_NAME_ENC;
      return rc;
    }
    if (!name_safe(e->name)) {
      *detail = BAD_NAME;
      return E_BAD_FILE;
    }
    total += e->size;
    csum += e->csize;
    if (e->size > ZIPSAFE_MAX_TOTAL || total > ZIPSAFE_MAX_TOTAL) {
      *detail = BAD_TOTAL;
      return E_BAD_FILE;
    }
    if (e->size > ZIPSAFE_RATIO_MIN_SIZE && e->size / ZIPSAFE_MAX_RATIO > e->csize) {
      *detail = BAD_RATIO;
      return E_BAD_FILE;
    }
    if (e->csize > z->fsize || csum > z->fsize) {
      *detail = BAD_OVERLAP;
      return E_BAD_FILE;
    }
    p += 46 + nlen + xlen + clen;
  }
  if (p != cdlen) goto bad;
  return E_OK;
bad:
  *detail = BAD_STRUCT;
  return E_BAD_FILE;
}

/* Reads each entry's local header to find where its data ends, then checks that no two
 * entries' [header, data end) ranges overlap and that none reaches into the directory. */
static int check_layout(struct zipsafe *z, const char **detail)
{
  int rc = E_NOMEM;
  struct entry **order = malloc((z->n ? z->n : 1) * sizeof *order);
  if (!order) goto done;
  rc = E_BAD_FILE;
  *detail = BAD_STRUCT;
  for (size_t i = 0; i < z->n; i++) {
    struct entry *e = &z->e[i];
    unsigned char h[30];
    if (e->offset > z->cd_offset || z->cd_offset - e->offset < 30) goto done;
    if (read_at(z->fd, e->offset, h, sizeof h) < 0 || le32(h) != SIG_LOCAL) goto done;
    uint64_t start = e->offset + 30 + le16(h + 26) + le16(h + 28);
    if (start > z->cd_offset || z->cd_offset - start < e->csize) {
      *detail = BAD_OVERLAP;
      goto done;
    }
    e->data_end = start + e->csize;
    order[i] = e;
  }
  qsort(order, z->n, sizeof *order, by_offset);
  for (size_t i = 1; i < z->n; i++)
    if (order[i]->offset < order[i - 1]->data_end) {
      *detail = BAD_OVERLAP;
      goto done;
    }
  rc = E_OK;
done:
  free(order);
  return rc;
}

/* Finds the end-of-central-directory record (and the ZIP64 one when present) and stores the
 * entry count, the directory's offset and size. Returns E_OK or E_BAD_FILE / E_NOMEM. */
static int find_directory(struct zipsafe *z, uint64_t *count, uint64_t *cd_size,
                          const char **detail)
{
  int rc = E_NOMEM;
  size_t tail_len = z->fsize < 22 + 65535 ? (size_t)z->fsize : 22 + 65535;
  uint64_t tail_off = z->fsize - tail_len;
  unsigned char *tail = NULL;
  *detail = BAD_TRUNC;
  if (tail_len < 22) {
    rc = E_BAD_FILE;
    goto done;
  }
  tail = malloc(tail_len);
  if (!tail) goto done;
  rc = E_BAD_FILE;
  if (read_at(z->fd, tail_off, tail, tail_len) < 0) goto done;
  /* The record whose comment ends exactly at the end of the file: a signature inside a
   * comment cannot satisfy that as well. */
  size_t at = tail_len - 22 + 1;
  while (at-- > 0)
    if (le32(tail + at) == SIG_END && at + 22 + le16(tail + at + 20) == tail_len) break;
  if (at == (size_t)-1) goto done;
  const unsigned char *r = tail + at;
  uint64_t end_pos = tail_off + at, cd_end = end_pos;
  unsigned disk = le16(r + 4), cd_disk = le16(r + 6);
  uint64_t n_disk = le16(r + 8), n = le16(r + 10);
  uint64_t size = le32(r + 12), off = le32(r + 16);
  *detail = BAD_STRUCT;
  if (end_pos >= 20 && at >= 20 && le32(tail + at - 20) == SIG_END64_LOC) {
    unsigned char z64[56];
    uint64_t z64_off = le64(tail + at - 20 + 8);
    if (z64_off > end_pos - 20 || end_pos - 20 - z64_off < 56) goto done;
    if (read_at(z->fd, z64_off, z64, sizeof z64) < 0 || le32(z64) != SIG_END64) goto done;
    disk = le32(z64 + 16);
    cd_disk = le32(z64 + 20);
    n_disk = le64(z64 + 24);
    n = le64(z64 + 32);
    size = le64(z64 + 40);
    off = le64(z64 + 48);
    cd_end = z64_off;
  } else if (n == 0xFFFF || size == 0xFFFFFFFFu || off == 0xFFFFFFFFu)
    goto done; /* ZIP64 values without the ZIP64 record */
  if (disk != 0 || cd_disk != 0 || n_disk != n) {
    *detail = BAD_MULTI;
    goto done;
  }
  if (n > ZIPSAFE_MAX_ENTRIES) {
    *detail = BAD_COUNT;
    goto done;
  }
  if (off > cd_end || cd_end - off != size || size < n * 46 || size > CD_MAX) goto done;
  *count = n;
  *cd_size = size;
  z->cd_offset = off;
  rc = E_OK;
done:
  free(tail);
  return rc;
}

/* Opens libzip on Z's descriptor and checks that it sees the same entries. */
static int open_libzip(struct zipsafe *z, const unsigned char *cd, const char **detail)
{
  zip_error_t err;
  zip_error_init(&err);
  zip_error_init(&z->zerr);
  zip_source_t *src = zip_source_function_create(src_cb, z, &err);
  int rc = E_NOMEM;
  if (!src) goto done;
  /* No ZIP_CHECKCONS: it refuses archives whose local headers differ from the directory in
   * harmless ways (timestamps, version numbers) that some writers produce, and the checks
   * that matter for safety are done above on the directory, which is what libzip uses. */
  z->za = zip_open_from_source(src, ZIP_RDONLY, &err);
  if (!z->za) {
    zip_source_free(src);
    rc = zip_error_code_zip(&err) == ZIP_ER_MEMORY ? E_NOMEM : E_BAD_FILE;
    *detail = BAD_STRUCT;
    goto done;
  }
  rc = E_BAD_FILE;
  *detail = BAD_STRUCT;
  if ((uint64_t)zip_get_num_entries(z->za, 0) != z->n) goto done;
  for (size_t i = 0; i < z->n; i++) {
    zip_stat_t st;
    const char *raw = zip_get_name(z->za, i, ZIP_FL_ENC_RAW);
    if (zip_stat_index(z->za, i, ZIP_FL_ENC_RAW, &st) < 0 || !raw) goto done;
    if (st.size != z->e[i].size || st.comp_size != z->e[i].csize) goto done;
    if (strlen(raw) != z->e[i].raw_len || memcmp(raw, cd + z->e[i].raw_off, z->e[i].raw_len))
      goto done;
  }
  rc = E_OK;
done:
  zip_error_fini(&err);
  return rc;
}

int zipsafe_open(const char *path, struct zipsafe **out, const char **detail)
{
  int rc = E_NOMEM;
  unsigned char *cd = NULL;
  const char *why = BAD_IO;
  struct zipsafe *z = calloc(1, sizeof *z);
  *out = NULL;
  if (!z) goto done;
  z->fd = open(path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  rc = E_BAD_FILE;
  if (z->fd < 0 || fstat(z->fd, &st) < 0 || !S_ISREG(st.st_mode)) goto done;
  z->fsize = (uint64_t)st.st_size;
  uint64_t count, cd_size;
  rc = find_directory(z, &count, &cd_size, &why);
  if (rc != E_OK) goto done;
  rc = E_NOMEM;
  cd = malloc(cd_size ? cd_size : 1);
  z->e = calloc(count ? count : 1, sizeof *z->e);
  z->byname = malloc((count ? count : 1) * sizeof *z->byname);
  if (!cd || !z->e || !z->byname) goto done;
  z->n = count;
  rc = E_BAD_FILE;
  why = BAD_TRUNC;
  if (read_at(z->fd, z->cd_offset, cd, cd_size) < 0) goto done;
  rc = parse_cd(z, cd, cd_size, &why);
  if (rc != E_OK) goto done;
  rc = check_layout(z, &why);
  if (rc != E_OK) goto done;
  for (size_t i = 0; i < z->n; i++) z->byname[i] = i;
  qsort_r(z->byname, z->n, sizeof *z->byname, by_name, z);
  for (size_t i = 1; i < z->n; i++)
    if (!strcmp(z->e[z->byname[i]].name, z->e[z->byname[i - 1]].name)) {
      rc = E_BAD_FILE;
      why = BAD_DUP;
      goto done;
    }
  rc = open_libzip(z, cd, &why);
  if (rc != E_OK) goto done;
  *out = z;
  z = NULL;
done:
  free(cd);
  zipsafe_close(z);
  if (detail) *detail = rc == E_OK ? NULL : rc == E_NOMEM ? "内存不足" : why;
  return rc;
}

void zipsafe_close(struct zipsafe *z)
{
  if (!z) return;
  if (z->za) zip_discard(z->za);
  if (z->e)
    for (size_t i = 0; i < z->n; i++) free(z->e[i].name);
  free(z->e);
  free(z->byname);
  if (z->fd >= 0) close(z->fd);
  free(z);
}

size_t zipsafe_count(const struct zipsafe *z)
{
  return z->n;
}

const char *zipsafe_name(const struct zipsafe *z, size_t i)
{
  return z->e[i].name;
}

uint64_t zipsafe_size(const struct zipsafe *z, size_t i)
{
  return z->e[i].size;
}

int zipsafe_find(const struct zipsafe *z, const char *name, size_t *i)
{
  size_t lo = 0, hi = z->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = strcmp(z->e[z->byname[mid]].name, name);
    if (c == 0) {
      *i = z->byname[mid];
      return E_OK;
    }
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return E_NOT_FOUND;
}

int zipsafe_read(struct zipsafe *z, size_t i, size_t cap, char **buf, size_t *len,
                 const char **detail)
{
  int rc = E_BAD_FILE;
  const char *why = BAD_BIG;
  char *b = NULL;
  zip_file_t *f = NULL;
  uint64_t size = z->e[i].size;
  *buf = NULL;
  *len = 0;
  if (size > cap || size > SIZE_MAX - 1) goto done;
  f = zip_fopen_index(z->za, i, 0);
  if (!f) {
    int ze = zip_error_code_zip(zip_get_error(z->za));
    rc = ze == ZIP_ER_MEMORY ? E_NOMEM : E_BAD_FILE;
    why = ze == ZIP_ER_COMPNOTSUPP                            ? BAD_METHOD
          : ze == ZIP_ER_ENCRNOTSUPP || ze == ZIP_ER_NOPASSWD ? BAD_CRYPT
                                                              : BAD_DATA;
    goto done;
  }
  rc = E_NOMEM;
  b = malloc((size_t)size + 1);
  if (!b) goto done;
  rc = E_BAD_FILE;
  why = BAD_DATA;
  size_t got = 0;
  while (got < size) {
    zip_int64_t r = zip_fread(f, b + got, (zip_uint64_t)(size - got));
    if (r <= 0) goto done; /* error, or shorter than declared */
    got += (size_t)r;
  }
  /* One more byte must be the end: data past the declared size is a lie (and reading to the
   * end is what makes libzip check the CRC). */
  char probe;
  zip_int64_t r = zip_fread(f, &probe, 1);
  if (r != 0) {
    if (r > 0) why = BAD_SIZE;
    goto done;
  }
  b[size] = '\0';
  *buf = b;
  *len = (size_t)size;
  b = NULL;
  rc = E_OK;
done:
  if (f) zip_fclose(f);
  free(b);
  if (detail) *detail = rc == E_OK ? NULL : rc == E_NOMEM ? "内存不足" : why;
  return rc;
}

int zipsafe_read_name(struct zipsafe *z, const char *name, size_t cap, char **buf, size_t *len,
                      const char **detail)
{
  size_t i;
  *buf = NULL;
  *len = 0;
  if (zipsafe_find(z, name, &i) != E_OK) {
    if (detail) *detail = NO_ENTRY;
    return E_NOT_FOUND;
  }
  return zipsafe_read(z, i, cap, buf, len, detail);
}
