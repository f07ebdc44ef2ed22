/*
 * extract.c - format detection and dispatch (see extract.h).
 *
 * Detection looks at the first HEAD bytes only (plus, for zip archives, the list of entries),
 * in the order of FORMATS below: the first row whose detector matches decides. Text comes last
 * because almost anything could be text. Zip archives are told apart by the entries they hold
 * (ZIP_KINDS), after zipsafe has checked the archive, so nothing is decompressed from a hostile
 * archive even to find out what it is.
 */
#include "extract.h"

#include "docx.h"
#include "err.h"
#include "pdf.h"
#include "textenc.h"
#include "zipsafe.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define HEAD     4096 /* bytes read for detection */
#define ACCEPTED "（本系统接受 .docx、.pdf 或 .txt 文件）"

/* What the detectors see. */
struct probe {
  const char *path;          /* the file */
  const unsigned char *head; /* its first N bytes */
  size_t n;                  /* how many (< HEAD only for small files) */
  uint64_t size;             /* its size */
  size_t lead;               /* bytes of UTF-8 BOM and white space before the first sign */
};

/* One row of the format table: a detector, and either an extractor or a refusal. */
struct format {
  int (*match)(const struct probe *p);
  int (*extract)(const struct probe *p, struct extract_result *out, const char **detail);
  const char *refusal; /* *DETAIL for E_FILE_TYPE when EXTRACT is NULL */
};

/* One kind of zip archive, told by an entry it must contain. */
struct zip_kind {
  const char *entry; /* exact entry name */
  int (*extract)(struct zipsafe *z, struct extract_result *out, const char **detail);
  const char *refusal; /* when EXTRACT is NULL */
};

static int starts(const struct probe *p, const char *magic, size_t n)
{
  return p->n >= n && !memcmp(p->head, magic, n);
}

/* Case-insensitive prefix test after the BOM and leading white space. */
static int starts_text(const struct probe *p, const char *word)
{
  size_t n = strlen(word);
  return p->n - p->lead >= n && !strncasecmp((const char *)p->head + p->lead, word, n);
}

/* ---- detectors ---- */

static int is_pdf(const struct probe *p)
{
  /* Leading white space (or a BOM) up to 1 KiB is tolerated, as PDF readers do. */
  return p->lead <= 1024 && starts_text(p, "%PDF-");
}

static int is_zip(const struct probe *p)
{
  return starts(p, "PK\x03\x04", 4) || starts(p, "PK\x05\x06", 4);
}

static int is_ole2(const struct probe *p)
{
  return starts(p, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8);
}

static int is_html(const struct probe *p)
{
  static const char *const tags[] = {"<!doctype html", "<html", "<head", "<body", "<meta"};
  for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++)
    if (starts_text(p, tags[i])) return 1;
  return starts_text(p, "<?xml") && memmem(p->head, p->n, "<html", 5);
}

static int is_word_xml(const struct probe *p)
{
  return starts_text(p, "<?xml") &&
         (memmem(p->head, p->n, "w:wordDocument", 14) || memmem(p->head, p->n, "pkg:package", 11));
}

static int is_xml(const struct probe *p)
{
  return starts_text(p, "<?xml");
}

static int is_mht(const struct probe *p)
{
  return starts_text(p, "MIME-Version:");
}

static int is_rtf(const struct probe *p)
{
  return starts_text(p, "{\\rtf");
}

static int is_image(const struct probe *p)
{
  const unsigned char *h = p->head;
  uint32_t bmp_size =
      p->n >= 6 ? (uint32_t)(h[2] | h[3] << 8 | h[4] << 16 | (uint32_t)h[5] << 24) : 0;
  return starts(p, "\x89PNG\r\n\x1A\n", 8) || starts(p, "\xFF\xD8\xFF", 3) ||
         starts(p, "GIF87a", 6) || starts(p, "GIF89a", 6) || starts(p, "II*\0", 4) ||
         starts(p, "MM\0*", 4) ||
         (starts(p, "RIFF", 4) && p->n >= 12 && !memcmp(h + 8, "WEBP", 4)) ||
         (starts(p, "BM", 2) && bmp_size == p->size);
}

static int is_archive(const struct probe *p)
{
  return starts(p, "Rar!\x1A\x07", 6) || starts(p, "7z\xBC\xAF\x27\x1C", 6) ||
         starts(p, "\x1F\x8B", 2) ||
         starts(p,
                "\xFD"
                "7zXZ\0",
                6);
}

static int is_anything(const struct probe *p)
{
  (void)p;
  return 1;
}

/* ---- extractors ---- */

static int read_all(const char *path, uint64_t size, char **buf)
{
  int rc = E_BAD_FILE;
  char *b = malloc((size_t)size + 1);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (!b) rc = E_NOMEM;
  if (!b || fd < 0) goto done;
  size_t got = 0;
  while (got < size) {
    ssize_t r = read(fd, b + got, (size_t)size - got);
    if (r <= 0) goto done;
    got += (size_t)r;
  }
  *buf = b;
  b = NULL;
  rc = E_OK;
done:
  if (fd >= 0) close(fd);
  free(b);
  return rc;
}

static int ex_text(const struct probe *p, struct extract_result *out, const char **detail)
{
  /* Without a UTF-16 BOM the UTF-8 text is at least half the file (CRLF -> LF), so a file
   * over twice the cap is refused unread; with one, a quarter. */
  int utf16 = starts(p, "\xFF\xFE", 2) || starts(p, "\xFE\xFF", 2);
  if (!utf16 && memchr(p->head, '\0', p->n)) {
    *detail = "文件含有二进制数据，不是纯文本文件" ACCEPTED;
    return E_FILE_TYPE;
  }
  if (p->size / (utf16 ? 4 : 2) > EXTRACT_MAX + 2) {
    *detail = "文本过大：提取出的文字超过 8 MB，请检查文件内容或拆分后上传";
    return E_BAD_FILE;
  }
  char *buf = NULL;
  int rc = read_all(p->path, p->size, &buf);
  if (rc != E_OK) {
    *detail = rc == E_NOMEM ? "内存不足" : "无法读取文件";
    return rc;
  }
  rc = textenc_convert(buf, (size_t)p->size, EXTRACT_MAX, &out->text, &out->len, out->encoding,
                       detail);
  free(buf);
  if (rc == E_OK) strcpy(out->format, "txt");
  return rc;
}

static int ex_pdf(const struct probe *p, struct extract_result *out, const char **detail)
{
  struct pdf_opts o = {.max_out = EXTRACT_MAX};
  int rc = pdf_extract(p->path, &o, &out->text, &out->len, detail);
  if (rc == E_OK) strcpy(out->format, "pdf");
  return rc;
}

static int ex_docx(struct zipsafe *z, struct extract_result *out, const char **detail)
{
  int rc = docx_extract(z, EXTRACT_MAX, &out->text, &out->len, detail);
  if (rc == E_OK) strcpy(out->format, "docx");
  return rc;
}

static const struct zip_kind ZIP_KINDS[] = {
    {DOCX_MAIN, ex_docx, NULL},
    {"OFD.xml", NULL, "OFD 版式文件暂不支持，请另存为 PDF 后上传" ACCEPTED},
    {"xl/workbook.xml", NULL, "这是 Excel 表格（.xlsx），不是报告文档" ACCEPTED},
    {"ppt/presentation.xml", NULL, "这是 PowerPoint 演示文稿（.pptx），不是报告文档" ACCEPTED},
    {"content.xml", NULL, "这是 ODF 文档（.odt 等），请另存为 .docx 或 PDF 后上传" ACCEPTED},
};

static int ex_zip(const struct probe *p, struct extract_result *out, const char **detail)
{
  struct zipsafe *z = NULL;
  int rc = zipsafe_open(p->path, &z, detail);
  if (rc != E_OK) return rc;
  rc = E_FILE_TYPE;
  *detail = "压缩包不是 Word 文档（.docx）；如需上传多份报告，请使用批量导入" ACCEPTED;
  for (size_t i = 0; i < sizeof ZIP_KINDS / sizeof ZIP_KINDS[0]; i++) {
    size_t at;
    if (zipsafe_find(z, ZIP_KINDS[i].entry, &at) != E_OK) continue;
    if (ZIP_KINDS[i].extract)
      rc = ZIP_KINDS[i].extract(z, out, detail);
    else
      *detail = ZIP_KINDS[i].refusal;
    break;
  }
  zipsafe_close(z);
  return rc;
}

static const struct format FORMATS[] = {
    {is_pdf, ex_pdf, NULL},
    {is_zip, ex_zip, NULL},
    {is_ole2, NULL, "这是旧版 Word（.doc）或 WPS 文件，请另存为 .docx 或 PDF 后上传" ACCEPTED},
    {is_html, NULL,
     "这是网页（HTML）文件，请在 Word 或 WPS 中打开后另存为 .docx 或 PDF 再上传" ACCEPTED},
    {is_mht, NULL,
     "这是网页归档（.mht）文件，请在 Word 或 WPS 中打开后另存为 .docx 或 PDF 再上传" ACCEPTED},
    {is_word_xml, NULL, "这是 Word XML 文档，请在 Word 或 WPS 中另存为 .docx 后上传" ACCEPTED},
    {is_xml, NULL, "这是 XML 数据文件，不是报告文档" ACCEPTED},
    {is_rtf, NULL, "这是 RTF 文件，请在 Word 或 WPS 中另存为 .docx 后上传" ACCEPTED},
    {is_image, NULL, "这是图片文件，无法读取其中的文字；请上传报告的 Word 或 PDF 文件" ACCEPTED},
    {is_archive, NULL, "这是 RAR/7z/gzip 等压缩包，请解压后上传其中的报告文件" ACCEPTED},
    {is_anything, ex_text, NULL},
};

int extract_file(const char *path, struct extract_result *out, const char **detail)
{
  unsigned char head[HEAD];
  const char *why = NULL;
  int rc = E_BAD_FILE;
  struct stat st;
  memset(out, 0, sizeof *out);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
    why = "无法读取文件";
    goto done;
  }
  struct probe p = {.path = path, .head = head, .size = (uint64_t)st.st_size};
  ssize_t n = pread(fd, head, sizeof head, 0);
  if (n < 0) {
    why = "无法读取文件";
    goto done;
  }
  p.n = (size_t)n;
  if (p.size == 0 || p.n == 0) {
    rc = E_FILE_TYPE;
    why = "文件为空（0 字节），请重新选择报告文件" ACCEPTED;
    goto done;
  }
  if (starts(&p, "\xEF\xBB\xBF", 3)) p.lead = 3;
  while (p.lead < p.n && head[p.lead] && strchr(" \t\r\n\f\v", head[p.lead])) p.lead++;
  for (size_t i = 0; i < sizeof FORMATS / sizeof FORMATS[0]; i++) {
    if (!FORMATS[i].match(&p)) continue;
    if (FORMATS[i].extract)
      rc = FORMATS[i].extract(&p, out, &why);
    else {
      rc = E_FILE_TYPE;
      why = FORMATS[i].refusal;
    }
    break;
  }
done:
  if (fd >= 0) close(fd);
  if (rc != E_OK) {
    free(out->text);
    memset(out, 0, sizeof *out);
    if (!why) why = err_message(rc);
  }
  if (detail) *detail = rc == E_OK ? NULL : why;
  return rc;
}

void extract_free(struct extract_result *r)
{
  if (!r) return;
  free(r->text);
  memset(r, 0, sizeof *r);
}
