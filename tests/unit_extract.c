/*
 * unit_extract.c - Check suite for document text extraction: extract.c and the modules behind
 * it (textenc.c, zipsafe.c, docx.c, pdf.c).
 *
 * "corpus": each real report in ../shared/corpus (found from $KAOPING_SOURCE_DIR) is read as
 * UTF-8 text, converted to GB18030, turned into a .docx by tests/fixtures/make_docx.py (with a
 * heading, lists, a table and tracked changes) and into a PDF by tests/fixtures/make_pdf.py
 * (pycairo + Noto CJK); each must come back with the right format, encoding and passages of the
 * source. Without the corpus these tests print "SKIP: ..." and pass.
 * "features": small documents built here, byte by byte, for one behaviour each.
 * "hostile": damaged and malicious files, generated here; each must be refused with the right
 * code and a Chinese detail, quickly, without leaking a file descriptor or a child process.
 */
#include "docx.h"
#include "err.h"
#include "extract.h"
#include "pdf.h"
#include "testutil.h"
#include "textenc.h"
#include "zipsafe.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <iconv.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zip.h>

extern char **environ;

static char dir[256];

static void setup(void)
{
  tu_tmpdir(dir, sizeof dir);
}

static void teardown(void)
{
  tu_rmrf(dir);
}

/* ---- small helpers ---- */

/* DIR/NAME into a static buffer (one at a time: copy when two are needed). */
static const char *tmp(const char *name)
{
  static char p[512];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  return p;
}

static int fd_count(void)
{
  DIR *d = opendir("/proc/self/fd");
  int n = 0;
  while (d && readdir(d)) n++;
  if (d) closedir(d);
  return n;
}

/* 1 when this process has no child at all, running or zombie. */
static int no_children(void)
{
  int st;
  return waitpid(-1, &st, WNOHANG) == -1 && errno == ECHILD;
}

/* Runs ARGV (PATH lookup) and returns its exit status, or -1. */
static int run(char *const argv[])
{
  pid_t pid;
  int st;
  if (posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ) != 0) return -1;
  if (waitpid(pid, &st, 0) != pid) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Debian's python3 (which has python3-cairo), else the first in PATH. */
static char *python(void)
{
  return access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
}

/* S with all white space removed (ASCII, U+00A0, U+3000), malloc'd. pdftotext and the
 * extractors break lines and pad differently from the source. */
static char *squeeze(const char *s)
{
  char *o = malloc(strlen(s) + 1), *w = o;
  for (const unsigned char *p = (const unsigned char *)s; *p;) {
    if (*p == ' ' || (*p >= '\t' && *p <= '\r')) {
      p++;
    } else if (p[0] == 0xC2 && p[1] == 0xA0) {
      p += 2;
    } else if (p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80) {
      p += 3;
    } else
      *w++ = (char)*p++;
  }
  *w = '\0';
  return o;
}

static size_t cps(const char *s)
{
  size_t n = 0;
  for (; *s; s++)
    if (((unsigned char)*s & 0xC0) != 0x80) n++;
  return n;
}

/* Picks 4 passages of SRC (squeezed, up to 16 code points each) from sentences a fifth, two
 * fifths... of the way through: each lies inside one sentence, so no extractor may insert
 * anything into it. Stores malloc'd strings in OUT. */
static void passages(const char *src, char *out[4])
{
  char *seg[4096];
  size_t nseg = 0;
  char *copy = strdup(src);
  for (char *s = copy; *s && nseg < 4096;) {
    size_t n = strcspn(s, "\n");
    char *stop = strstr(s, "。");
    if (stop && (size_t)(stop - s) < n) n = (size_t)(stop - s);
    char save = s[n];
    s[n] = '\0';
    char *q = squeeze(s);
    if (cps(q) >= 12)
      seg[nseg++] = q;
    else
      free(q);
    s[n] = save;
    s += n;
    if (*s == '\n') s++;
    if (!strncmp(s, "。", 3)) s += 3;
  }
  free(copy);
  ck_assert_uint_ge(nseg, 4);
  for (int k = 0; k < 4; k++) {
    char *q = seg[nseg * (size_t)(k + 1) / 5];
    /* skip to the middle code point, keep 16 */
    size_t skip = (cps(q) - (cps(q) > 16 ? 16 : cps(q))) / 2;
    const char *p = q;
    for (size_t i = 0; i < skip; i++) do
        p++;
      while (((unsigned char)*p & 0xC0) == 0x80);
    const char *e = p;
    for (int i = 0; i < 16 && *e; i++) do
        e++;
      while (((unsigned char)*e & 0xC0) == 0x80);
    out[k] = strndup(p, (size_t)(e - p));
  }
  for (size_t i = 0; i < nseg; i++) free(seg[i]);
}

static void assert_passages(const char *src, const char *got, const char *what)
{
  char *p[4], *g = squeeze(got);
  passages(src, p);
  for (int k = 0; k < 4; k++) {
    ck_assert_msg(strstr(g, p[k]) != NULL, "%s: passage %d \"%s\" missing", what, k, p[k]);
    free(p[k]);
  }
  free(g);
}

/* CRC-32 (ISO-HDLC), for the zip writer. */
static uint32_t crc32_of(const void *data, size_t n)
{
  const unsigned char *p = data;
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; i++) {
    c ^= p[i];
    for (int k = 0; k < 8; k++) c = c & 1 ? (c >> 1) ^ 0xEDB88320u : c >> 1;
  }
  return ~c;
}

/* ---- a zip writer that can lie: every header field is the caller's ---- */

struct zb {
  unsigned char *b; /* local headers and data */
  size_t len, cap;
  unsigned char *cd; /* central directory */
  size_t cdlen, cdcap;
  unsigned n; /* central entries */
  int zip64;  /* write ZIP64 directory records (sizes and offsets in extra fields) */
};

static void put(unsigned char **b, size_t *len, size_t *cap, const void *p, size_t n)
{
  if (*len + n > *cap) {
    while (*len + n > *cap) *cap = *cap ? *cap * 2 : 4096;
    *b = realloc(*b, *cap);
  }
  memcpy(*b + *len, p, n);
  *len += n;
}

static void le(unsigned char *p, uint64_t v, int n)
{
  for (int i = 0; i < n; i++) p[i] = (unsigned char)(v >> (8 * i));
}

/* One raw zip entry; DATA (N bytes) is written as is after the local header. */
struct zent {
  const char *name; /* raw name bytes (NUL-terminated) */
  const void *data; /* bytes stored */
  size_t n;         /* how many */
  unsigned method;  /* 0 stored, 8 deflate */
  uint32_t crc;     /* CRC-32 of the uncompressed data */
  uint32_t size;    /* declared uncompressed size */
  unsigned flags;   /* general purpose flags */
};

/* Writes a local header and data; returns its offset. */
static uint32_t zb_local(struct zb *z, const struct zent *e)
{
  unsigned char h[30] = {0};
  size_t nl = strlen(e->name);
  uint32_t off = (uint32_t)z->len;
  le(h, 0x04034b50, 4);
  le(h + 4, 20, 2);
  le(h + 6, e->flags, 2);
  le(h + 8, e->method, 2);
  le(h + 14, e->crc, 4);
  le(h + 18, e->n, 4);
  le(h + 22, e->size, 4);
  le(h + 26, nl, 2);
  put(&z->b, &z->len, &z->cap, h, sizeof h);
  put(&z->b, &z->len, &z->cap, e->name, nl);
  put(&z->b, &z->len, &z->cap, e->data, e->n);
  return off;
}

/* Adds a central-directory record for E whose local header is at OFF. */
static void zb_central(struct zb *z, const struct zent *e, uint32_t off)
{
  unsigned char h[46] = {0}, x[28];
  size_t nl = strlen(e->name);
  uint64_t all = z->zip64 ? 0xFFFFFFFFu : 0;
  le(h, 0x02014b50, 4);
  le(h + 4, 45, 2);
  le(h + 6, 45, 2);
  le(h + 8, e->flags, 2);
  le(h + 10, e->method, 2);
  le(h + 16, e->crc, 4);
  le(h + 20, all ? all : e->n, 4);
  le(h + 24, all ? all : e->size, 4);
  le(h + 28, nl, 2);
  le(h + 30, all ? sizeof x : 0, 2);
  le(h + 42, all ? all : off, 4);
  /* ZIP64 extended information: uncompressed size, compressed size, local header offset. */
  le(x, 1, 2);
  le(x + 2, 24, 2);
  le(x + 4, e->size, 8);
  le(x + 12, e->n, 8);
  le(x + 20, off, 8);
  put(&z->cd, &z->cdlen, &z->cdcap, h, sizeof h);
  put(&z->cd, &z->cdlen, &z->cdcap, e->name, nl);
  if (all) put(&z->cd, &z->cdlen, &z->cdcap, x, sizeof x);
  z->n++;
}

/* Adds an honest stored entry NAME with the NUL-terminated TEXT. */
static void zb_add(struct zb *z, const char *name, const char *text)
{
  size_t n = strlen(text);
  struct zent e = {name, text, n, 0, crc32_of(text, n), (uint32_t)n, 0};
  zb_central(z, &e, zb_local(z, &e));
}

/* Appends the directory and its end record, writes PATH and frees Z. */
static void zb_write(struct zb *z, const char *path)
{
  unsigned char end[22] = {0}, end64[56] = {0}, loc[20] = {0};
  size_t cd_off = z->len;
  le(end, 0x06054b50, 4);
  le(end + 8, z->zip64 ? 0xFFFF : z->n, 2);
  le(end + 10, z->zip64 ? 0xFFFF : z->n, 2);
  le(end + 12, z->zip64 ? 0xFFFFFFFFu : z->cdlen, 4);
  le(end + 16, z->zip64 ? 0xFFFFFFFFu : cd_off, 4);
  if (z->cdlen) put(&z->b, &z->len, &z->cap, z->cd, z->cdlen);
  if (z->zip64) {
    size_t end64_off = z->len;
    le(end64, 0x06064b50, 4);
    le(end64 + 4, 44, 8);
    le(end64 + 12, 45, 2);
    le(end64 + 14, 45, 2);
    le(end64 + 24, z->n, 8);
    le(end64 + 32, z->n, 8);
    le(end64 + 40, z->cdlen, 8);
    le(end64 + 48, cd_off, 8);
    le(loc, 0x07064b50, 4);
    le(loc + 8, end64_off, 8);
    le(loc + 16, 1, 4);
    put(&z->b, &z->len, &z->cap, end64, sizeof end64);
    put(&z->b, &z->len, &z->cap, loc, sizeof loc);
  }
  put(&z->b, &z->len, &z->cap, end, sizeof end);
  tu_spit(path, z->b, z->len);
  free(z->b);
  free(z->cd);
  memset(z, 0, sizeof *z);
}

/* Writes a zip at PATH, through libzip, with one deflated entry NAME holding DATA[N]. */
static void libzip_one(const char *path, const char *name, const void *data, size_t n)
{
  int err;
  zip_t *za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &err);
  ck_assert_ptr_nonnull(za);
  zip_source_t *s = zip_source_buffer(za, data, n, 0);
  ck_assert_ptr_nonnull(s);
  zip_int64_t i = zip_file_add(za, name, s, ZIP_FL_ENC_UTF_8);
  ck_assert_int_ge(i, 0);
  ck_assert_int_eq(zip_set_file_compression(za, (zip_uint64_t)i, ZIP_CM_DEFLATE, 9), 0);
  ck_assert_int_eq(zip_close(za), 0);
}

/* The document.xml wrapper around BODY (WordprocessingML body content). */
static char *document_xml(const char *body)
{
  const char *head = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
                     "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/"
                     "2006/main\" xmlns:mc=\"http://schemas.openxmlformats.org/"
                     "markup-compatibility/2006\"><w:body>";
  const char *tail = "</w:body></w:document>";
  char *s = malloc(strlen(head) + strlen(body) + strlen(tail) + 1);
  sprintf(s, "%s%s%s", head, body, tail);
  return s;
}

/* Writes a .docx at PATH with BODY and, when not NULL, NUMBERING / STYLES (whole parts). */
static void make_docx(const char *path, const char *body, const char *numbering, const char *styles)
{
  struct zb z = {0};
  char *doc = document_xml(body);
  zb_add(&z, "[Content_Types].xml", "<?xml version=\"1.0\"?><Types/>");
  zb_add(&z, "word/document.xml", doc);
  if (numbering) zb_add(&z, "word/numbering.xml", numbering);
  if (styles) zb_add(&z, "word/styles.xml", styles);
  zb_write(&z, path);
  free(doc);
}

/* A one-page PDF whose page content stream is CONTENT; PAGES_LOOP makes the page tree refer
 * to itself and the trailer's /Prev point at its own xref. */
static void make_pdf_raw(const char *path, const char *content, int pages_loop)
{
  char body[4096], obj[5][512];
  snprintf(obj[0], sizeof obj[0], "<< /Type /Catalog /Pages 2 0 R >>");
  snprintf(obj[1], sizeof obj[1], "<< /Type /Pages /Kids [%s] /Count 1 >>",
           pages_loop ? "2 0 R" : "3 0 R");
  snprintf(obj[2], sizeof obj[2],
           "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R "
           "/Resources << /Font << /F1 5 0 R >> >> >>");
  snprintf(obj[3], sizeof obj[3], "<< /Length %zu >>\nstream\n%s\nendstream", strlen(content),
           content);
  snprintf(obj[4], sizeof obj[4], "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
  size_t off[5], n = (size_t)snprintf(body, sizeof body, "%%PDF-1.4\n");
  for (int i = 0; i < 5; i++) {
    off[i] = n;
    n += (size_t)snprintf(body + n, sizeof body - n, "%d 0 obj\n%s\nendobj\n", i + 1, obj[i]);
  }
  size_t xref = n;
  n += (size_t)snprintf(body + n, sizeof body - n, "xref\n0 6\n0000000000 65535 f \n");
  for (int i = 0; i < 5; i++)
    n += (size_t)snprintf(body + n, sizeof body - n, "%010zu 00000 n \n", off[i]);
  char prev[32] = "";
  if (pages_loop) snprintf(prev, sizeof prev, " /Prev %zu", xref);
  n += (size_t)snprintf(body + n, sizeof body - n,
                        "trailer\n<< /Size 6 /Root 1 0 R%s >>\nstartxref\n%zu\n%%%%EOF\n", prev,
                        xref);
  tu_spit(path, body, n);
}

/* A fake pdftotext: a shell script with BODY, made executable; returns its path (static). */
static const char *fake_tool(const char *body)
{
  static char path[512];
  snprintf(path, sizeof path, "%s/fake-pdftotext", dir);
  char script[1024];
  int n = snprintf(script, sizeof script, "#!/bin/sh\n%s\n", body);
  tu_spit(path, script, (size_t)n);
  ck_assert_int_eq(chmod(path, 0755), 0);
  return path;
}

/* Extracts PATH expecting WANT; for errors, a detail containing NEEDLE. Asserts it took less
 * than MAX_MS and left no descriptor or child behind. Returns the elapsed milliseconds. */
static long long expect(const char *path, int want, const char *needle, long long max_ms)
{
  struct extract_result r;
  const char *detail = "unset";
  int fds = fd_count();
  long long t0 = tu_now_ms();
  int rc = extract_file(path, &r, &detail);
  long long ms = tu_now_ms() - t0;
  ck_assert_msg(rc == want, "%s: got %s (%s), want %s", path, err_name(rc), detail ? detail : "",
                err_name(want));
  if (want != E_OK) {
    ck_assert_ptr_nonnull(detail);
    int chinese = 0;
    for (const char *c = detail; *c; c++) chinese |= (unsigned char)*c >= 0x80;
    ck_assert_msg(chinese, "detail not Chinese: %s", detail);
    ck_assert_msg(strstr(detail, needle) != NULL, "%s: detail \"%s\" lacks \"%s\"", path, detail,
                  needle);
    ck_assert_ptr_null(r.text);
  }
  extract_free(&r);
  ck_assert_msg(ms < max_ms, "%s took %lld ms (limit %lld)", path, ms, max_ms);
  ck_assert_int_eq(fd_count(), fds);
  ck_assert_msg(no_children(), "a child process was left behind");
  printf("  %-28s %-12s %5lld ms  %s\n", strrchr(path, '/') + 1, err_name(rc), ms,
         detail ? detail : "");
  return ms;
}

/* Extracts PATH, which must succeed, and returns the result (extract_free it). */
static struct extract_result ok(const char *path)
{
  struct extract_result r;
  const char *detail = NULL;
  int rc = extract_file(path, &r, &detail);
  ck_assert_msg(rc == E_OK, "%s: %s (%s)", path, err_name(rc), detail ? detail : "");
  ck_assert_ptr_nonnull(r.text);
  ck_assert_uint_eq(strlen(r.text), r.len);
  return r;
}

/* ---- corpus ---- */

static const char *const CORPUS[] = {"000_ee5bcf686e82c714.txt", "001_5a7ed637e8473e00.txt",
                                     "003_f171a35ac8c36bb3.txt"};

/* Path of corpus file I in BUF, or NULL (after printing SKIP) when the corpus is missing. */
static const char *corpus_file(int i, char *buf, size_t cap)
{
  const char *src = getenv("KAOPING_SOURCE_DIR");
  snprintf(buf, cap, "%s/../shared/corpus/%s", src ? src : "..", CORPUS[i]);
  if (access(buf, R_OK) != 0) {
    printf("SKIP: %s not found (set KAOPING_SOURCE_DIR to the repository root; the corpus is "
           "../shared/corpus)\n",
           buf);
    return NULL;
  }
  return buf;
}

static char *to_gb18030(const char *s, size_t n, size_t *outlen)
{
  iconv_t cd = iconv_open("GB18030", "UTF-8");
  ck_assert(cd != (iconv_t)-1);
  size_t cap = 2 * n + 16, ol = cap;
  char *out = malloc(cap), *op = out, *ip = (char *)s;
  size_t il = n;
  ck_assert_uint_ne(iconv(cd, &ip, &il, &op, &ol), (size_t)-1);
  iconv_close(cd);
  *outlen = cap - ol;
  return out;
}

START_TEST(corpus_txt_gb18030_docx_pdf)
{
  char src[512];
  if (!corpus_file(_i, src, sizeof src)) return;
  size_t n;
  char *text = tu_slurp(src, &n);
  ck_assert_ptr_nonnull(text);

  /* UTF-8 as collected. */
  struct extract_result r = ok(src);
  ck_assert_str_eq(r.format, "txt");
  ck_assert_str_eq(r.encoding, "utf-8");
  ck_assert_str_eq(r.text, text);
  assert_passages(text, r.text, "txt");
  extract_free(&r);

  /* GB18030. */
  size_t gn;
  char *gb = to_gb18030(text, n, &gn);
  ck_assert_int_ne(memcmp(gb, text, gn < n ? gn : n), 0);
  char gbpath[512];
  snprintf(gbpath, sizeof gbpath, "%s", tmp("report-gb.txt"));
  tu_spit(gbpath, gb, gn);
  free(gb);
  r = ok(gbpath);
  ck_assert_str_eq(r.format, "txt");
  ck_assert_str_eq(r.encoding, "gb18030");
  ck_assert_str_eq(r.text, text);
  extract_free(&r);

  /* .docx from the committed generator, which also writes the text we must get back. */
  const char *srcdir = getenv("KAOPING_SOURCE_DIR");
  char script[512], docx[512], want[512];
  snprintf(script, sizeof script, "%s/tests/fixtures/make_docx.py", srcdir ? srcdir : "..");
  snprintf(docx, sizeof docx, "%s", tmp("report.docx"));
  snprintf(want, sizeof want, "%s", tmp("report-docx.txt"));
  char *argv[] = {python(), script, src, docx, want, NULL};
  ck_assert_int_eq(run(argv), 0);
  long long t0 = tu_now_ms();
  r = ok(docx);
  printf("  corpus %d docx: %zu bytes in %lld ms\n", _i, r.len, tu_now_ms() - t0);
  char *expected = tu_slurp(want, NULL);
  ck_assert_str_eq(r.format, "docx");
  ck_assert_str_eq(r.encoding, "");
  ck_assert_str_eq(r.text, expected);
  assert_passages(text, r.text, "docx");
  ck_assert(strncmp(r.text, "1. ", 3) != 0);               /* the heading is not numbered */
  ck_assert_ptr_nonnull(strstr(r.text, "\n1. "));          /* decimal list */
  ck_assert_ptr_nonnull(strstr(r.text, "\n3. "));          /* counted */
  ck_assert_ptr_nonnull(strstr(r.text, "\n二、"));         /* chineseCounting */
  ck_assert_ptr_nonnull(strstr(r.text, "\n（一）"));       /* numbering through a style */
  ck_assert_ptr_nonnull(strstr(r.text, "【此句为新增】")); /* w:ins kept */
  ck_assert_ptr_null(strstr(r.text, "【此句已删除】"));    /* w:del dropped */
  free(expected);
  extract_free(&r);

  /* PDF rendered by cairo with an embedded CJK font. */
  char pdf[512];
  snprintf(script, sizeof script, "%s/tests/fixtures/make_pdf.py", srcdir ? srcdir : "..");
  snprintf(pdf, sizeof pdf, "%s", tmp("report.pdf"));
  char *argv2[] = {"/usr/bin/python3", script, src, pdf, NULL};
  ck_assert_msg(run(argv2) == 0, "make_pdf.py failed: install python3-cairo and fonts-noto-cjk");
  t0 = tu_now_ms();
  r = ok(pdf);
  printf("  corpus %d pdf: %zu bytes in %lld ms\n", _i, r.len, tu_now_ms() - t0);
  ck_assert_str_eq(r.format, "pdf");
  ck_assert_str_eq(r.encoding, "");
  assert_passages(text, r.text, "pdf");
  char *a = squeeze(text), *b = squeeze(r.text);
  ck_assert_msg(strlen(b) * 100 >= strlen(a) * 98 && strlen(b) * 100 <= strlen(a) * 102,
                "pdf text %zu bytes, source %zu", strlen(b), strlen(a));
  free(a);
  free(b);
  extract_free(&r);
  ck_assert(no_children());
  free(text);
}
END_TEST

/* ---- features ---- */

START_TEST(text_encodings)
{
  /* UTF-8 with BOM and CRLF / CR line ends. */
  const char u8[] = "\xEF\xBB\xBF一、总体要求\r\n二、主要任务\r三、保障\n";
  tu_spit(tmp("bom.txt"), u8, sizeof u8 - 1);
  struct extract_result r = ok(tmp("bom.txt"));
  ck_assert_str_eq(r.text, "一、总体要求\n二、主要任务\n三、保障\n");
  ck_assert_str_eq(r.encoding, "utf-8");
  extract_free(&r);

  /* UTF-16LE with BOM, as Notepad's "Unicode". */
  const char u16[] = "\xFF\xFE\xD5\x6C\xBB\x6C\r\0\n\0A\0";
  tu_spit(tmp("u16.txt"), u16, sizeof u16 - 1);
  r = ok(tmp("u16.txt"));
  ck_assert_str_eq(r.text, "法治\nA");
  ck_assert_str_eq(r.encoding, "utf-16le");
  extract_free(&r);

  /* Pure ASCII is UTF-8; text mentioning %PDF- later is still text. */
  tu_spit(tmp("ascii.txt"), "Report 2024\nsee %PDF-1.4", 24);
  r = ok(tmp("ascii.txt"));
  ck_assert_str_eq(r.format, "txt");
  ck_assert_str_eq(r.encoding, "utf-8");
  extract_free(&r);

  /* The public converter, as CSV import uses it: GBK bytes of "考评,单位". */
  char *out, enc[16];
  size_t n;
  ck_assert_int_eq(textenc_to_utf8("\xBF\xBC\xC6\xC0,\xB5\xA5\xCE\xBB", 9, &out, &n, enc), E_OK);
  ck_assert_str_eq(out, "考评,单位");
  ck_assert_str_eq(enc, "gb18030");
  free(out);
  /* A cap smaller than the text. */
  const char *why;
  ck_assert_int_eq(textenc_convert("abcdef", 6, 3, &out, &n, enc, &why), E_BAD_FILE);
  ck_assert_ptr_null(out);
  ck_assert_ptr_nonnull(strstr(why, "文本过大"));
  /* Overlong UTF-8 ("/" as C0 AF) is not taken as UTF-8; those bytes are GBK's 蜡. */
  ck_assert_int_eq(textenc_convert("\xC0\xAF", 2, 100, &out, &n, enc, &why), E_OK);
  ck_assert_str_eq(enc, "gb18030");
  ck_assert_str_eq(out, "蜡");
  free(out);
  /* 0x80 alone is neither. */
  ck_assert_int_eq(textenc_convert("a\x80", 2, 100, &out, &n, enc, &why), E_FILE_TYPE);
  ck_assert_ptr_null(out);
}
END_TEST

/* A paragraph numbered with list ID at level LVL. */
#define NP(id, lvl, text)                                                                          \
  "<w:p><w:pPr><w:numPr><w:ilvl w:val=\"" #lvl "\"/><w:numId w:val=\"" #id                         \
  "\"/></w:numPr></w:pPr><w:r><w:t>" text "</w:t></w:r></w:p>"

START_TEST(docx_structure)
{
  const char *numbering =
      "<?xml version=\"1.0\"?><w:numbering xmlns:w=\"http://schemas.openxmlformats.org/"
      "wordprocessingml/2006/main\">"
      "<w:abstractNum w:abstractNumId=\"7\">"
      "<w:lvl w:ilvl=\"0\"><w:start w:val=\"10\"/><w:numFmt w:val=\"chineseCounting\"/>"
      "<w:lvlText w:val=\"%1、\"/></w:lvl>"
      "<w:lvl w:ilvl=\"1\"><w:start w:val=\"1\"/><w:numFmt w:val=\"decimal\"/>"
      "<w:lvlText w:val=\"（%2）\"/></w:lvl>"
      "<w:lvl w:ilvl=\"2\"><w:numFmt w:val=\"bullet\"/><w:lvlText w:val=\"\xEF\x82\xB7\"/>"
      "</w:lvl></w:abstractNum>"
      "<w:abstractNum w:abstractNumId=\"8\"><w:lvl w:ilvl=\"0\"><w:start w:val=\"1\"/>"
      "<w:numFmt w:val=\"decimalEnclosedCircleChinese\"/><w:lvlText w:val=\"%1\"/>"
      "<w:suff w:val=\"nothing\"/></w:lvl></w:abstractNum>"
      "<w:abstractNum w:abstractNumId=\"9\">"
      "<w:lvl w:ilvl=\"0\"><w:start w:val=\"1\"/><w:numFmt w:val=\"decimal\"/>"
      "<w:lvlText w:val=\"%1.\"/></w:lvl>"
      "<w:lvl w:ilvl=\"1\"><w:start w:val=\"1\"/><w:numFmt w:val=\"decimal\"/>"
      "<w:lvlText w:val=\"%1.%2\"/></w:lvl>"
      "<w:lvl w:ilvl=\"2\"><w:start w:val=\"1\"/><w:numFmt w:val=\"chineseLegalSimplified\"/>"
      "<w:lvlText w:val=\"第%3条\"/></w:lvl></w:abstractNum>"
      "<w:num w:numId=\"1\"><w:abstractNumId w:val=\"7\"/></w:num>"
      "<w:num w:numId=\"2\"><w:abstractNumId w:val=\"8\"/></w:num>"
      "<w:num w:numId=\"3\"><w:abstractNumId w:val=\"8\"/>"
      "<w:lvlOverride w:ilvl=\"0\"><w:startOverride w:val=\"1\"/></w:lvlOverride></w:num>"
      "<w:num w:numId=\"4\"><w:abstractNumId w:val=\"9\"/></w:num>"
      "</w:numbering>";
  const char *body =
      "<w:p><w:pPr><w:pStyle w:val=\"Heading1\"/><w:tabs><w:tab w:val=\"left\" w:pos=\"1\"/>"
      "</w:tabs></w:pPr><w:r><w:rPr><w:b/></w:rPr><w:t>标题</w:t></w:r></w:p>" NP(1, 0, "甲") NP(
          1, 1, "乙") NP(1, 1, "丙") NP(1, 2, "丁") NP(1, 0, "戊") NP(1, 1, "子") NP(4, 0, "A")
          NP(4, 1, "B") NP(4, 2, "C") NP(2, 0, "己") NP(2, 0, "庚") NP(3, 0, "辛") NP(
              0, 0,
              "无") "<w:p><w:r><w:t xml:space=\"preserve\">a </w:t></w:r><w:r><w:tab/><w:t>b</w:t>"
                    "<w:br/><w:t>c</w:t><w:noBreakHyphen/><w:t>d</w:t></w:r></w:p>"
                    /* a field: code dropped, result kept */
                    "<w:p><w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText> PAGE "
                    "</w:instrText></w:r><w:r><w:fldChar "
                    "w:fldCharType=\"separate\"/></w:r><w:r><w:t>7</w:t>"
                    "</w:r><w:r><w:fldChar w:fldCharType=\"end\"/></w:r></w:p>"
                    /* tracked changes */
                    "<w:p><w:del w:id=\"1\"><w:r><w:delText>旧</w:delText></w:r></w:del><w:ins "
                    "w:id=\"2\">"
                    "<w:r><w:t>新</w:t></w:r></w:ins><w:moveFrom><w:r><w:t>移出</w:t></w:r></"
                    "w:moveFrom>"
                    "</w:p>"
                    /* a table with two paragraphs in a cell, and a nested table */
                    "<w:tbl><w:tblPr/><w:tr><w:tc><w:p><w:r><w:t>A1</w:t></w:r></"
                    "w:p><w:p><w:r><w:t>A1b"
                    "</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>B1</w:t></w:r></w:p></w:tc></"
                    "w:tr>"
                    "<w:tr><w:tc><w:tbl><w:tr><w:tc><w:p><w:r><w:t>x</w:t></w:r></w:p></"
                    "w:tc><w:tc><w:p>"
                    "<w:r><w:t>y</w:t></w:r></w:p></w:tc></w:tr></w:tbl><w:p/></"
                    "w:tc><w:tc><w:p><w:r><w:tab/>"
                    "<w:t>B2</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"
                    /* a text box with its VML fallback copy */
                    "<w:p><w:r><w:t>框前</w:t></w:r><mc:AlternateContent><mc:Choice "
                    "Requires=\"wps\"><w:r>"
                    "<w:drawing><w:txbxContent><w:p><w:r><w:t>框内</w:t></w:r></w:p></"
                    "w:txbxContent>"
                    "</w:drawing></w:r></"
                    "mc:Choice><mc:Fallback><w:r><w:pict><w:txbxContent><w:p><w:r><w:t>"
                    "框内</w:t></w:r></w:p></w:txbxContent></w:pict></w:r></mc:Fallback></"
                    "mc:AlternateContent>"
                    "</w:p>"
                    "<w:p><w:r><w:t>&lt;&amp;&#x6CD5;</w:t></w:r></w:p><w:p/><w:p/>";
  make_docx(tmp("s.docx"), body, numbering, NULL);
  struct extract_result r = ok(tmp("s.docx"));
  ck_assert_str_eq(r.text, "标题\n"
                           "十、甲\n"
                           "（1）乙\n"
                           "（2）丙\n"
                           "• 丁\n"
                           "十一、戊\n"
                           "（1）子\n"
                           "1. A\n"
                           "1.1 B\n"
                           "第壹条 C\n"
                           "①己\n"
                           "②庚\n"
                           "①辛\n"
                           "无\n"
                           "a \tb\nc-d\n"
                           "7\n"
                           "新\n"
                           "A1 A1b\tB1\n"
                           "x y \t B2\n"
                           "框前框内 \n"
                           "<&法");
  ck_assert_str_eq(r.format, "docx");
  extract_free(&r);
}
END_TEST

START_TEST(docx_numbering_fallbacks)
{
  /* No numbering.xml: numbered paragraphs count in decimal. */
  make_docx(tmp("plain.docx"), NP(5, 0, "甲") NP(5, 0, "乙") NP(5, 1, "丙"), NULL, NULL);
  struct extract_result r = ok(tmp("plain.docx"));
  ck_assert_str_eq(r.text, "1. 甲\n2. 乙\n1. 丙");
  extract_free(&r);

  /* Chinese counting past ten and a hundred, through a style based on a numbered style. */
  char body[65536] = "";
  for (int i = 0; i < 111; i++)
    strcat(body, "<w:p><w:pPr><w:pStyle w:val=\"Sub\"/></w:pPr><w:r><w:t>项</w:t></w:r></w:p>");
  const char *numbering =
      "<?xml version=\"1.0\"?><w:numbering xmlns:w=\"http://schemas.openxmlformats.org/"
      "wordprocessingml/2006/main\"><w:abstractNum w:abstractNumId=\"0\"><w:lvl w:ilvl=\"0\">"
      "<w:start w:val=\"1\"/><w:numFmt w:val=\"chineseCounting\"/><w:lvlText w:val=\"%1、\"/>"
      "</w:lvl></w:abstractNum><w:num w:numId=\"6\"><w:abstractNumId w:val=\"0\"/></w:num>"
      "</w:numbering>";
  const char *styles =
      "<?xml version=\"1.0\"?><w:styles xmlns:w=\"http://schemas.openxmlformats.org/"
      "wordprocessingml/2006/main\"><w:style w:type=\"paragraph\" w:styleId=\"Base\">"
      "<w:pPr><w:numPr><w:numId w:val=\"6\"/></w:numPr></w:pPr></w:style>"
      "<w:style w:type=\"paragraph\" w:styleId=\"Sub\"><w:basedOn w:val=\"Base\"/></w:style>"
      "<w:style w:type=\"paragraph\" w:styleId=\"Loop\"><w:basedOn w:val=\"Loop\"/></w:style>"
      "</w:styles>";
  make_docx(tmp("cn.docx"), body, numbering, styles);
  r = ok(tmp("cn.docx"));
  ck_assert(!strncmp(r.text, "一、项\n二、项\n", strlen("一、项\n二、项\n")));
  ck_assert_ptr_nonnull(strstr(r.text, "\n十、项\n十一、项\n"));
  ck_assert_ptr_nonnull(strstr(r.text, "\n二十、项\n"));
  ck_assert_ptr_nonnull(strstr(r.text, "\n一百、项\n一百零一、项\n"));
  ck_assert_ptr_nonnull(strstr(r.text, "\n一百一十一、项"));
  extract_free(&r);

  /* A style based on itself does not loop; strict OOXML's namespace is read too. */
  struct zb z = {0};
  zb_add(&z, "word/document.xml",
         "<w:document xmlns:w=\"http://purl.oclc.org/ooxml/wordprocessingml/main\"><w:body>"
         "<w:p><w:pPr><w:pStyle w:val=\"Loop\"/></w:pPr><w:r><w:t>严格</w:t></w:r></w:p>"
         "</w:body></w:document>");
  zb_add(&z, "word/styles.xml", styles);
  zb_write(&z, tmp("strict.docx"));
  r = ok(tmp("strict.docx"));
  ck_assert_str_eq(r.text, "严格");
  extract_free(&r);
}
END_TEST

START_TEST(zipsafe_api)
{
  struct zb z = {0};
  zb_add(&z, "a/", "");
  zb_add(&z, "a/one.txt", "1");
  zb_add(&z, "\xB1\xA8\xB8\xE6.txt", "GBK name"); /* 报告.txt in GBK, no UTF-8 flag */
  zb_add(&z, "b.txt", "0123456789");
  zb_write(&z, tmp("api.zip"));
  struct zipsafe *zs;
  const char *why;
  int fds = fd_count();
  ck_assert_int_eq(zipsafe_open(tmp("api.zip"), &zs, &why), E_OK);
  ck_assert_uint_eq(zipsafe_count(zs), 4);
  ck_assert_str_eq(zipsafe_name(zs, 0), "a/");
  ck_assert_str_eq(zipsafe_name(zs, 2), "报告.txt");
  ck_assert_uint_eq(zipsafe_size(zs, 3), 10);
  size_t i, n;
  ck_assert_int_eq(zipsafe_find(zs, "报告.txt", &i), E_OK);
  ck_assert_uint_eq(i, 2);
  ck_assert_int_eq(zipsafe_find(zs, "nope", &i), E_NOT_FOUND);
  char *buf;
  ck_assert_int_eq(zipsafe_read(zs, 2, 100, &buf, &n, &why), E_OK);
  ck_assert_str_eq(buf, "GBK name");
  free(buf);
  ck_assert_int_eq(zipsafe_read_name(zs, "b.txt", 9, &buf, &n, &why), E_BAD_FILE);
  ck_assert_ptr_null(buf);
  ck_assert_ptr_nonnull(strstr(why, "过大"));
  ck_assert_int_eq(zipsafe_read_name(zs, "b.txt", 10, &buf, &n, &why), E_OK);
  ck_assert_uint_eq(n, 10);
  free(buf);
  ck_assert_int_eq(zipsafe_read_name(zs, "c.txt", 10, &buf, &n, &why), E_NOT_FOUND);
  zipsafe_close(zs);
  ck_assert_int_eq(fd_count(), fds);

  /* A bad CRC is found when the entry is read. */
  z = (struct zb){0};
  struct zent e = {"word/document.xml", "<x/>", 4, 0, 12345, 4, 0};
  zb_central(&z, &e, zb_local(&z, &e));
  zb_write(&z, tmp("crc.zip"));
  ck_assert_int_eq(zipsafe_open(tmp("crc.zip"), &zs, &why), E_OK);
  ck_assert_int_eq(zipsafe_read(zs, 0, 100, &buf, &n, &why), E_BAD_FILE);
  ck_assert_ptr_nonnull(strstr(why, "校验"));
  zipsafe_close(zs);
}
END_TEST

START_TEST(zipsafe_zip64_and_limits)
{
  /* ZIP64 records (as some writers use even for small archives). */
  struct zb z = {.zip64 = 1};
  char *doc = document_xml("<w:p><w:r><w:t>六十四</w:t></w:r></w:p>");
  zb_add(&z, "word/document.xml", doc);
  zb_add(&z, "word/other.xml", "<x/>");
  zb_write(&z, tmp("z64.docx"));
  free(doc);
  struct extract_result r = ok(tmp("z64.docx"));
  ck_assert_str_eq(r.text, "六十四");
  extract_free(&r);

  /* Exactly at the entry limit: accepted, and quick. */
  z = (struct zb){0};
  char name[32];
  for (int i = 0; i < ZIPSAFE_MAX_ENTRIES; i++) {
    snprintf(name, sizeof name, "reports/%05d.txt", i);
    zb_add(&z, name, "x");
  }
  zb_write(&z, tmp("10000.zip"));
  struct zipsafe *zs;
  const char *why;
  long long t0 = tu_now_ms();
  ck_assert_int_eq(zipsafe_open(tmp("10000.zip"), &zs, &why), E_OK);
  size_t i;
  ck_assert_int_eq(zipsafe_find(zs, "reports/09999.txt", &i), E_OK);
  ck_assert_uint_eq(i, 9999);
  zipsafe_close(zs);
  printf("  %-28s %-12s %5lld ms\n", "10000 entries", "E_OK", tu_now_ms() - t0);
  ck_assert_int_lt(tu_now_ms() - t0, 2000);
}
END_TEST

START_TEST(pdf_simple_and_scanned)
{
  make_pdf_raw(tmp("hello.pdf"), "BT /F1 12 Tf 20 100 Td (Hello kaoping) Tj ET", 0);
  struct extract_result r = ok(tmp("hello.pdf"));
  ck_assert_str_eq(r.format, "pdf");
  ck_assert_str_eq(r.text, "Hello kaoping");
  extract_free(&r);
  /* A page without text (as scanned pages are): success, empty text; the caller warns. */
  make_pdf_raw(tmp("scan.pdf"), "0 0 m 100 100 l S", 0);
  r = ok(tmp("scan.pdf"));
  ck_assert_uint_eq(r.len, 0);
  ck_assert_str_eq(r.text, "");
  extract_free(&r);
  /* Leading white space and a BOM before %PDF- are tolerated; a name starting with '-'. */
  size_t n;
  char *pdf = tu_slurp(tmp("hello.pdf"), &n);
  char *padded = malloc(n + 8);
  memcpy(padded, "\xEF\xBB\xBF \r\n", 6);
  memcpy(padded + 6, pdf, n);
  tu_spit(tmp("-padded.pdf"), padded, n + 6);
  ck_assert_int_eq(chdir(dir), 0);
  r = ok("-padded.pdf");
  ck_assert_str_eq(r.text, "Hello kaoping");
  extract_free(&r);
  free(pdf);
  free(padded);
  ck_assert(no_children());
}
END_TEST

/* ---- hostile files ---- */

START_TEST(hostile_zip_bomb_ratio)
{
  size_t n = 20u << 20;
  char *zeros = calloc(1, n);
  memcpy(zeros, "<w:document", 11);
  libzip_one(tmp("bomb.docx"), "word/document.xml", zeros, n);
  free(zeros);
  expect(tmp("bomb.docx"), E_BAD_FILE, "压缩比", 3000);
}
END_TEST

START_TEST(hostile_zip_20000_entries)
{
  struct zb z = {0};
  char name[32];
  for (int i = 0; i < 20000; i++) {
    snprintf(name, sizeof name, "f%05d", i);
    zb_add(&z, name, "");
  }
  zb_write(&z, tmp("many.docx"));
  expect(tmp("many.docx"), E_BAD_FILE, "过多", 3000);
}
END_TEST

START_TEST(hostile_zip_overlapping_entries)
{
  /* One compressed kernel, referenced by many central-directory records (Fifield's
   * non-recursive zip bomb, simplified). */
  struct zb z = {0};
  const char *doc = "<w:document/>";
  struct zent e = {"word/document.xml",   doc, strlen(doc), 0, crc32_of(doc, strlen(doc)),
                   (uint32_t)strlen(doc), 0};
  uint32_t off = zb_local(&z, &e);
  zb_central(&z, &e, off);
  for (int i = 0; i < 3; i++) {
    char name[32];
    snprintf(name, sizeof name, "copy%d.xml", i);
    struct zent c = e;
    c.name = name;
    zb_central(&z, &c, off);
  }
  zb_write(&z, tmp("overlap.docx"));
  expect(tmp("overlap.docx"), E_BAD_FILE, "重叠", 3000);
}
END_TEST

START_TEST(hostile_zip_unsafe_paths)
{
  static const char *const names[] = {
      "/etc/passwd", "word/../../evil.xml", "..",       "..\\evil.xml", "C:/evil.xml",
      "a\x01.xml",   "word\\doc.xml",       "x/../../y"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    struct zb z = {0};
    zb_add(&z, "word/document.xml", "<w:document/>");
    zb_add(&z, names[i], "x");
    char name[32];
    snprintf(name, sizeof name, "path%zu.docx", i);
    zb_write(&z, tmp(name));
    expect(tmp(name), E_BAD_FILE, "不安全", 3000);
  }
}
END_TEST

START_TEST(hostile_zip_duplicate_names)
{
  struct zb z = {0};
  zb_add(&z, "word/document.xml", "<w:document/>");
  zb_add(&z, "word/document.xml", "<w:document><w:body/></w:document>");
  zb_write(&z, tmp("dup.docx"));
  expect(tmp("dup.docx"), E_BAD_FILE, "重名", 3000);
}
END_TEST

START_TEST(hostile_docx_size_lie)
{
  /* document.xml declares 1000 bytes but inflates to 30 MB: the ratio check cannot see it, the
   * reader must stop at the declared size. */
  size_t n = 30u << 20;
  char *big = malloc(n);
  memset(big, 'a', n);
  memcpy(big, "<w:document><w:t>", 17);
  libzip_one(tmp("lie.docx"), "word/document.xml", big, n);
  free(big);
  size_t len;
  unsigned char *b = (unsigned char *)tu_slurp(tmp("lie.docx"), &len);
  unsigned char *end = b + len - 22;
  ck_assert_uint_eq(end[0], 0x50);
  uint32_t cd = end[16] | end[17] << 8 | end[18] << 16 | (uint32_t)end[19] << 24;
  le(b + 22, 1000, 4);      /* local header: uncompressed size */
  le(b + cd + 24, 1000, 4); /* central directory: uncompressed size */
  tu_spit(tmp("lie.docx"), b, len);
  free(b);
  expect(tmp("lie.docx"), E_BAD_FILE, "与声明不符", 3000);
}
END_TEST

START_TEST(hostile_docx_billion_laughs)
{
  const char *lol = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lol\">"
                    "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
                    "<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">"
                    "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">"
                    "<!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">"
                    "<!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">"
                    "<!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">"
                    "<!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">"
                    "<!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">"
                    "<!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">]>"
                    "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/"
                    "2006/main\"><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body>"
                    "</w:document>";
  struct zb z = {0};
  zb_add(&z, "word/document.xml", lol);
  zb_write(&z, tmp("lol.docx"));
  expect(tmp("lol.docx"), E_BAD_FILE, "DTD", 3000);

  /* The same in UTF-16, where a byte search for "<!DOCTYPE" finds nothing: libxml2 itself
   * must stop it (its reader reports the DTD, or its entity-amplification limit trips first). */
  iconv_t cd = iconv_open("UTF-16LE", "UTF-8");
  size_t n = strlen(lol), cap = 4 * n + 2, il = n, ol = cap - 2;
  char *u16 = malloc(cap), *ip = (char *)lol, *op = u16 + 2;
  u16[0] = (char)0xFF;
  u16[1] = (char)0xFE;
  ck_assert_uint_ne(iconv(cd, &ip, &il, &op, &ol), (size_t)-1);
  iconv_close(cd);
  size_t u16len = (size_t)(op - u16);
  /* "encoding=UTF-16" is implied by the BOM; the declaration says 1.0 only. */
  z = (struct zb){0};
  struct zent e = {"word/document.xml", u16, u16len, 0, crc32_of(u16, u16len), (uint32_t)u16len, 0};
  zb_central(&z, &e, zb_local(&z, &e));
  zb_write(&z, tmp("lol16.docx"));
  free(u16);
  expect(tmp("lol16.docx"), E_BAD_FILE, "Word 文档", 3000);
}
END_TEST

START_TEST(hostile_docx_malformed_and_deep)
{
  make_docx(tmp("bad.docx"), "<w:p><w:r><w:t>unclosed</w:r></w:p>", NULL, NULL);
  expect(tmp("bad.docx"), E_BAD_FILE, "XML", 3000);
  /* 100,000 nested elements: libxml2's depth limit (without XML_PARSE_HUGE) refuses it. */
  size_t depth = 100000;
  char *deep = malloc(depth * 11 + 64), *p = deep;
  for (size_t i = 0; i < depth; i++) p += sprintf(p, "<w:r>");
  for (size_t i = 0; i < depth; i++) p += sprintf(p, "</w:r>");
  make_docx(tmp("deep.docx"), deep, NULL, NULL);
  free(deep);
  expect(tmp("deep.docx"), E_BAD_FILE, "XML", 3000);
  /* Cut in half: no end-of-directory record. */
  size_t n;
  char *b = tu_slurp(tmp("bad.docx"), &n);
  tu_spit(tmp("half.docx"), b, n / 2);
  free(b);
  expect(tmp("half.docx"), E_BAD_FILE, "压缩包", 3000);
}
END_TEST

START_TEST(hostile_zip_declared_total_and_encryption)
{
  /* Two entries declaring 150 MB each from 1 MB of data (ratio 150, under the limit): the
   * total, 300 MB, is over 256 MB. */
  size_t mb = 1u << 20;
  char *junk = calloc(1, mb);
  struct zb z = {0};
  struct zent e = {"word/document.xml", junk, mb, 8, 0, 150u << 20, 0};
  zb_central(&z, &e, zb_local(&z, &e));
  e.name = "word/other.xml";
  zb_central(&z, &e, zb_local(&z, &e));
  zb_write(&z, tmp("total.docx"));
  free(junk);
  expect(tmp("total.docx"), E_BAD_FILE, "256 MB", 3000);

  z = (struct zb){0};
  struct zent c = {"word/document.xml", "xxxxxxxxxxxx", 12, 0, 0, 12, 1 /* encrypted */};
  zb_central(&z, &c, zb_local(&z, &c));
  zb_write(&z, tmp("crypt.docx"));
  expect(tmp("crypt.docx"), E_BAD_FILE, "加密", 3000);
}
END_TEST

START_TEST(hostile_pdf_truncated_and_loop)
{
  make_pdf_raw(tmp("whole.pdf"), "BT /F1 12 Tf 20 100 Td (Hello) Tj ET", 0);
  size_t n;
  char *b = tu_slurp(tmp("whole.pdf"), &n);
  tu_spit(tmp("truncated.pdf"), b, n * 2 / 3);
  free(b);
  expect(tmp("truncated.pdf"), E_BAD_FILE, "不完整", 3000);

  make_pdf_raw(tmp("loop.pdf"), "BT /F1 12 Tf 20 100 Td (Hello) Tj ET", 1);
  expect(tmp("loop.pdf"), E_BAD_FILE, "损坏", 5000);
}
END_TEST

/* Counts processes whose command line contains MARK. */
static int count_marked(const char *mark)
{
  DIR *d = opendir("/proc");
  struct dirent *de;
  int n = 0;
  while (d && (de = readdir(d))) {
    if (de->d_name[0] < '0' || de->d_name[0] > '9') continue;
    char path[300], buf[4096];
    snprintf(path, sizeof path, "/proc/%s/cmdline", de->d_name);
    FILE *f = fopen(path, "rb");
    if (!f) continue;
    size_t k = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    for (size_t i = 0; i < k; i++)
      if (!buf[i]) buf[i] = ' ';
    buf[k] = '\0';
    if (strstr(buf, mark)) n++;
  }
  if (d) closedir(d);
  return n;
}

START_TEST(hostile_pdf_slow_tool)
{
  /* A pdftotext that never finishes, and leaves a grandchild behind: the time limit must kill
   * the whole process group and reap the child. */
  make_pdf_raw(tmp("slow.pdf"), "BT ET", 0);
  struct pdf_opts o = {.tool = fake_tool("sleep 31.4159 &\nsleep 31.4159\n"), .timeout_ms = 1000};
  char *text = NULL;
  size_t len;
  const char *why;
  int fds = fd_count();
  long long t0 = tu_now_ms();
  ck_assert_int_eq(pdf_extract(tmp("slow.pdf"), &o, &text, &len, &why), E_BAD_FILE);
  long long ms = tu_now_ms() - t0;
  printf("  %-28s %-12s %5lld ms  %s\n", "slow pdftotext", "E_BAD_FILE", ms, why);
  ck_assert_ptr_null(text);
  ck_assert_ptr_nonnull(strstr(why, "超时"));
  ck_assert_int_ge(ms, 900);
  ck_assert_int_lt(ms, 3000);
  ck_assert_int_eq(fd_count(), fds);
  ck_assert(no_children());
  int left = 1;
  for (int i = 0; i < 100 && (left = count_marked("sleep 31.4159")) > 0; i++) usleep(10000);
  ck_assert_msg(left == 0, "the tool's own child survived");
}
END_TEST

START_TEST(hostile_pdf_tool_output_and_failure)
{
  make_pdf_raw(tmp("x.pdf"), "BT ET", 0);
  char *text = NULL;
  size_t len;
  const char *why;
  /* Endless output: stopped at the cap. */
  struct pdf_opts o = {.tool = fake_tool("exec yes 法治政府建设"), .max_out = 1u << 20};
  long long t0 = tu_now_ms();
  ck_assert_int_eq(pdf_extract(tmp("x.pdf"), &o, &text, &len, &why), E_BAD_FILE);
  printf("  %-28s %-12s %5lld ms  %s\n", "endless pdftotext", "E_BAD_FILE", tu_now_ms() - t0, why);
  ck_assert_ptr_nonnull(strstr(why, "文本过大"));
  ck_assert_int_lt(tu_now_ms() - t0, 3000);
  ck_assert(no_children());
  /* Exit status 1 with a message. */
  o = (struct pdf_opts){.tool = fake_tool("echo 'Syntax Error: broken' >&2\nexit 1")};
  ck_assert_int_eq(pdf_extract(tmp("x.pdf"), &o, &text, &len, &why), E_BAD_FILE);
  ck_assert_ptr_nonnull(strstr(why, "损坏"));
  /* Killed by a signal. */
  o = (struct pdf_opts){.tool = fake_tool("kill -SEGV $$")};
  ck_assert_int_eq(pdf_extract(tmp("x.pdf"), &o, &text, &len, &why), E_BAD_FILE);
  /* The child sees no descriptor but 0, 1, 2 (3 is ls's own directory), and a minimal
   * environment. */
  o = (struct pdf_opts){.tool = fake_tool("exec ls /proc/self/fd")};
  ck_assert_int_eq(pdf_extract(tmp("x.pdf"), &o, &text, &len, &why), E_OK);
  ck_assert_str_eq(text, "0\n1\n2\n3");
  free(text);
  o = (struct pdf_opts){.tool = fake_tool("exec env")};
  ck_assert_int_eq(pdf_extract(tmp("x.pdf"), &o, &text, &len, &why), E_OK);
  ck_assert_msg(!strncmp(text, "PATH=/usr/bin:/bin\nLC_ALL=C.UTF-8", 33), "env: %s", text);
  ck_assert_msg(!strstr(text, "KAOPING"), "env: %s", text); /* (sh adds PWD) */
  free(text);
  /* A tool that does not exist. */
  o = (struct pdf_opts){.tool = "/nonexistent/pdftotext"};
  ck_assert_int_eq(pdf_extract(tmp("x.pdf"), &o, &text, &len, &why), E_INTERNAL);
  ck_assert(no_children());
}
END_TEST

START_TEST(hostile_not_documents)
{
  tu_spit(tmp("empty.txt"), "", 0);
  expect(tmp("empty.txt"), E_FILE_TYPE, "文件为空", 1000);

  const char html[] = "\xEF\xBB\xBF\n  <!DOCTYPE HTML>\n<html><body>法治</body></html>";
  tu_spit(tmp("html-named.pdf"), html, sizeof html - 1);
  expect(tmp("html-named.pdf"), E_FILE_TYPE, "网页", 1000);

  const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13,
                               'I',  'H', 'D', 'R', 0,    0,    0,    1,    0, 0, 0, 1};
  tu_spit(tmp("png-named.docx"), png, sizeof png);
  expect(tmp("png-named.docx"), E_FILE_TYPE, "图片", 1000);

  unsigned char ole[1024] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
  tu_spit(tmp("old.doc"), ole, sizeof ole);
  expect(tmp("old.doc"), E_FILE_TYPE, ".doc", 1000);

  tu_spit(tmp("rtf.doc"), "{\\rtf1\\ansi 法治}", 19);
  expect(tmp("rtf.doc"), E_FILE_TYPE, "RTF", 1000);

  struct zb z = {0};
  zb_add(&z, "OFD.xml", "<ofd:OFD/>");
  zb_write(&z, tmp("report.ofd"));
  expect(tmp("report.ofd"), E_FILE_TYPE, "OFD", 1000);

  z = (struct zb){0};
  zb_add(&z, "readme.txt", "hello");
  zb_write(&z, tmp("plain.zip"));
  expect(tmp("plain.zip"), E_FILE_TYPE, "压缩包不是 Word", 1000);

  z = (struct zb){0};
  zb_write(&z, tmp("empty.zip"));
  expect(tmp("empty.zip"), E_FILE_TYPE, "压缩包不是 Word", 1000);
}
END_TEST

START_TEST(hostile_text)
{
  /* 20 MB on one line: refused from its size, without reading it. */
  size_t n = 20u << 20;
  char *line = malloc(n);
  for (size_t i = 0; i < n; i++) line[i] = "法治政府"[i % 12];
  tu_spit(tmp("line.txt"), line, n);
  expect(tmp("line.txt"), E_BAD_FILE, "文本过大", 2000);
  /* 9 MB: read, converted, and still over the 8 MB cap. */
  tu_spit(tmp("line9.txt"), line, 9u << 20);
  expect(tmp("line9.txt"), E_BAD_FILE, "文本过大", 2000);
  free(line);

  /* Neither UTF-8 nor GB18030: 0x80 and 0xFF are never lead bytes in GB18030. */
  const char bad[] = "法治政府建设\x80\xFF\xFF 报告";
  tu_spit(tmp("bad.txt"), bad, sizeof bad - 1);
  expect(tmp("bad.txt"), E_FILE_TYPE, "编码", 1000);

  const char nul[] = "法治政府\0建设";
  tu_spit(tmp("nul.txt"), nul, sizeof nul - 1);
  expect(tmp("nul.txt"), E_FILE_TYPE, "二进制", 1000);

  /* Control characters throughout: binary, even without NUL. */
  char ctl[4096];
  for (size_t i = 0; i < sizeof ctl; i++) ctl[i] = (char)(1 + i % 7);
  tu_spit(tmp("ctl.txt"), ctl, sizeof ctl);
  expect(tmp("ctl.txt"), E_FILE_TYPE, "二进制", 1000);
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("extract");
  TCase *tc = tcase_create("corpus");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 120);
  tcase_add_loop_test(tc, corpus_txt_gb18030_docx_pdf, 0, 3);
  suite_add_tcase(s, tc);

  tc = tcase_create("features");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, text_encodings);
  tcase_add_test(tc, docx_structure);
  tcase_add_test(tc, docx_numbering_fallbacks);
  tcase_add_test(tc, zipsafe_api);
  tcase_add_test(tc, zipsafe_zip64_and_limits);
  tcase_add_test(tc, pdf_simple_and_scanned);
  suite_add_tcase(s, tc);

  tc = tcase_create("hostile");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, hostile_zip_bomb_ratio);
  tcase_add_test(tc, hostile_zip_20000_entries);
  tcase_add_test(tc, hostile_zip_overlapping_entries);
  tcase_add_test(tc, hostile_zip_unsafe_paths);
  tcase_add_test(tc, hostile_zip_duplicate_names);
  tcase_add_test(tc, hostile_docx_size_lie);
  tcase_add_test(tc, hostile_docx_billion_laughs);
  tcase_add_test(tc, hostile_docx_malformed_and_deep);
  tcase_add_test(tc, hostile_zip_declared_total_and_encryption);
  tcase_add_test(tc, hostile_pdf_truncated_and_loop);
  tcase_add_test(tc, hostile_pdf_slow_tool);
  tcase_add_test(tc, hostile_pdf_tool_output_and_failure);
  tcase_add_test(tc, hostile_not_documents);
  tcase_add_test(tc, hostile_text);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return tu_run_suite(suite());
}
