/*
 * sheet.c - CSV and XLSX tables (see sheet.h).
 *
 * Both readers first collect (row, column, text) triples, then lay them out as a rectangle.
 * XLSX: the first worksheet (xl/worksheets/sheet1.xml, else the first worksheet part),
 * cells of type s (shared string), inlineStr, str, n and b; formulas contribute their cached
 * value. The XML is parsed without network access and without entity substitution.
 */
#include "sheet.h"

#include "err.h"
#include "textenc.h"
#include "zipsafe.h"

#include <libxml/xmlreader.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHEET_XML_MAX ((size_t)64 << 20) /* largest worksheet or shared-strings part read */

/* One collected cell. */
struct triple {
  size_t row, col;
  char *text; /* malloc'd */
};

/* The cells gathered so far. */
struct collect {
  struct triple *t;
  size_t n, cap;
  size_t rows, cols; /* extent */
  int overflow;      /* beyond the limits */
};

static int add(struct collect *c, size_t row, size_t col, const char *text, size_t len)
{
  if (row >= SHEET_MAX_ROWS || col >= SHEET_MAX_COLS) {
    c->overflow = 1;
    return E_OK;
  }
  /* Trim ASCII white space and the ideographic space. */
  while (len && (*text == ' ' || *text == '\t' || *text == '\r' || *text == '\n')) text++, len--;
  while (len >= 3 && !memcmp(text, "\xe3\x80\x80", 3)) text += 3, len -= 3;
  while (len && (text[len - 1] == ' ' || text[len - 1] == '\t' || text[len - 1] == '\r' ||
                 text[len - 1] == '\n'))
    len--;
  while (len >= 3 && !memcmp(text + len - 3, "\xe3\x80\x80", 3)) len -= 3;
  if (len == 0) return E_OK;
  if (c->n == c->cap) {
    size_t cap = c->cap ? c->cap * 2 : 256;
    struct triple *t = realloc(c->t, cap * sizeof *t);
    if (!t) return E_NOMEM;
    c->t = t;
    c->cap = cap;
  }
  char *copy = malloc(len + 1);
  if (!copy) return E_NOMEM;
  memcpy(copy, text, len);
  copy[len] = 0;
  c->t[c->n++] = (struct triple){row, col, copy};
  if (row + 1 > c->rows) c->rows = row + 1;
  if (col + 1 > c->cols) c->cols = col + 1;
  return E_OK;
}

static void collect_free(struct collect *c)
{
  for (size_t i = 0; i < c->n; i++) free(c->t[i].text);
  free(c->t);
}

/* Lays the triples of C out as the table OUT. */
static int finish(struct collect *c, struct sheet *out)
{
  size_t bytes = 1;
  for (size_t i = 0; i < c->n; i++) bytes += strlen(c->t[i].text) + 1;
  size_t cells = c->rows * c->cols;
  out->rows = c->rows;
  out->cols = c->cols;
  out->cell = calloc(cells ? cells : 1, sizeof *out->cell);
  out->storage = malloc(bytes);
  if (!out->cell || !out->storage) {
    sheet_free(out);
    return E_NOMEM;
  }
  char *p = out->storage;
  *p++ = 0; /* the shared empty cell */
  for (size_t i = 0; i < cells; i++) out->cell[i] = out->storage;
  for (size_t i = 0; i < c->n; i++) {
    size_t n = strlen(c->t[i].text) + 1;
    memcpy(p, c->t[i].text, n);
    out->cell[c->t[i].row * c->cols + c->t[i].col] = p;
    p += n;
  }
  return E_OK;
}

/* ---- CSV ---- */

static int read_csv(const char *buf, size_t len, struct collect *c, const char **detail)
{
  char *text = NULL, enc[16];
  size_t n = 0;
  int rc = textenc_convert(buf, len, (size_t)64 << 20, &text, &n, enc, detail);
  if (rc) return rc;
  /* A semicolon or tab separator when the first line has those and no comma. */
  char sep = ',';
  size_t first = strcspn(text, "\n");
  if (!memchr(text, ',', first)) {
    if (memchr(text, '\t', first))
      sep = '\t';
    else if (memchr(text, ';', first))
      sep = ';';
  }
  size_t row = 0, col = 0, cap = 256, fl = 0;
  char *field = malloc(cap);
  const char *p = text, *end = text + n;
  int quoted = 0, was_quoted = 0;
  while (field && p <= end && rc == E_OK) {
    char ch = p < end ? *p : '\n';
    if (quoted) {
      if (ch == '"' && p + 1 < end && p[1] == '"') {
        p++;
      } else if (ch == '"') {
        quoted = 0;
        p++;
        continue;
      } else if (p == end) {
        *detail = "CSV 文件中的引号没有闭合";
        rc = E_BAD_FILE;
        break;
      }
    } else if (ch == '"' && fl == 0 && !was_quoted) {
      quoted = was_quoted = 1;
      p++;
      continue;
    } else if (ch == sep || ch == '\n') {
      rc = add(c, row, col, field, fl);
      fl = 0;
      was_quoted = 0;
      if (ch == sep) {
        col++;
      } else {
        row++;
        col = 0;
      }
      if (c->overflow) break;
      p++;
      continue;
    }
    if (fl + 1 >= cap) {
      char *nf = realloc(field, cap *= 2);
      if (!nf) {
        rc = E_NOMEM;
        break;
      }
      field = nf;
    }
    field[fl++] = ch;
    p++;
  }
  if (!field && !rc) rc = E_NOMEM;
  free(field);
  free(text);
  return rc;
}

/* ---- XLSX ---- */

/* "BC12" → column 54 (0-based); SIZE_MAX when malformed. */
static size_t ref_col(const char *ref, size_t *row)
{
  size_t col = 0, r = 0;
  const char *p = ref;
  if (!p || !(*p >= 'A' && *p <= 'Z')) return (size_t)-1;
  for (; *p >= 'A' && *p <= 'Z'; p++) {
    col = col * 26 + (size_t)(*p - 'A' + 1);
    if (col > SHEET_MAX_COLS + 1) return (size_t)-1;
  }
  for (; *p >= '0' && *p <= '9'; p++) {
    r = r * 10 + (size_t)(*p - '0');
    if (r > SHEET_MAX_ROWS + 1) return (size_t)-1;
  }
  if (*p || r == 0) return (size_t)-1;
  *row = r - 1;
  return col - 1;
}

static xmlTextReaderPtr reader_for(const char *buf, size_t len)
{
  return xmlReaderForMemory(buf, (int)len, NULL, NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

/* The concatenated text of the <t> elements inside the current element (an <si> or <is>),
 * appended to a growing buffer. */
static int gather_text(xmlTextReaderPtr rd, char **buf, size_t *len, size_t *cap)
{
  int depth = xmlTextReaderDepth(rd), in_t = 0, ret = 1;
  if (xmlTextReaderIsEmptyElement(rd)) return E_OK;
  while ((ret = xmlTextReaderRead(rd)) == 1) {
    int type = xmlTextReaderNodeType(rd);
    const char *name = (const char *)xmlTextReaderConstLocalName(rd);
    if (type == XML_READER_TYPE_END_ELEMENT && xmlTextReaderDepth(rd) == depth) return E_OK;
    if (type == XML_READER_TYPE_ELEMENT && name && !strcmp(name, "t"))
      in_t = !xmlTextReaderIsEmptyElement(rd);
    else if (type == XML_READER_TYPE_END_ELEMENT && name && !strcmp(name, "t"))
      in_t = 0;
    else if (in_t &&
             (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE)) {
      const char *v = (const char *)xmlTextReaderConstValue(rd);
      size_t n = v ? strlen(v) : 0;
      if (*len + n + 1 > *cap) {
        size_t nc = (*cap ? *cap : 64);
        while (nc < *len + n + 1) nc *= 2;
        char *nb = realloc(*buf, nc);
        if (!nb) return E_NOMEM;
        *buf = nb;
        *cap = nc;
      }
      memcpy(*buf + *len, v, n);
      *len += n;
      (*buf)[*len] = 0;
    }
  }
  return ret < 0 ? E_BAD_FILE : E_OK;
}

/* Reads the shared strings part into an array. */
static int read_shared(const char *xml, size_t len, char ***out, size_t *count)
{
  xmlTextReaderPtr rd = reader_for(xml, len);
  if (!rd) return E_BAD_FILE;
  size_t n = 0, cap = 0;
  char **arr = NULL;
  int rc = E_OK, ret = 1;
  while (rc == E_OK && (ret = xmlTextReaderRead(rd)) == 1) {
    const char *name = (const char *)xmlTextReaderConstLocalName(rd);
    if (xmlTextReaderNodeType(rd) != XML_READER_TYPE_ELEMENT || !name || strcmp(name, "si"))
      continue;
    char *buf = NULL;
    size_t bl = 0, bc = 0;
    rc = gather_text(rd, &buf, &bl, &bc);
    if (n == cap) {
      size_t nc = cap ? cap * 2 : 256;
      char **na = realloc(arr, nc * sizeof *na);
      if (!na)
        rc = E_NOMEM;
      else
        arr = na, cap = nc;
    }
    if (rc == E_OK)
      arr[n++] = buf ? buf : calloc(1, 1);
    else
      free(buf);
    if (n > SHEET_MAX_ROWS * 4) rc = E_BAD_FILE;
  }
  if (rc == E_OK && ret < 0) rc = E_BAD_FILE;
  xmlFreeTextReader(rd);
  if (rc) {
    for (size_t i = 0; i < n; i++) free(arr[i]);
    free(arr);
    return rc;
  }
  *out = arr;
  *count = n;
  return E_OK;
}

static int read_worksheet(const char *xml, size_t len, char **shared, size_t nshared,
                          struct collect *c)
{
  xmlTextReaderPtr rd = reader_for(xml, len);
  if (!rd) return E_BAD_FILE;
  int rc = E_OK, ret = 1;
  while (rc == E_OK && !c->overflow && (ret = xmlTextReaderRead(rd)) == 1) {
    const char *name = (const char *)xmlTextReaderConstLocalName(rd);
    if (xmlTextReaderNodeType(rd) != XML_READER_TYPE_ELEMENT || !name || strcmp(name, "c"))
      continue;
    xmlChar *ref = xmlTextReaderGetAttribute(rd, BAD_CAST "r");
    xmlChar *type = xmlTextReaderGetAttribute(rd, BAD_CAST "t");
    size_t row = 0, col = ref_col((const char *)ref, &row);
    char *value = NULL;
    size_t vl = 0, vc = 0;
    if (!xmlTextReaderIsEmptyElement(rd)) {
      int depth = xmlTextReaderDepth(rd), in_v = 0;
      while (rc == E_OK && (ret = xmlTextReaderRead(rd)) == 1) {
        int nt = xmlTextReaderNodeType(rd);
        const char *nn = (const char *)xmlTextReaderConstLocalName(rd);
        if (nt == XML_READER_TYPE_END_ELEMENT && xmlTextReaderDepth(rd) == depth) break;
        if (nt == XML_READER_TYPE_ELEMENT && nn && !strcmp(nn, "is"))
          rc = gather_text(rd, &value, &vl, &vc);
        else if (nt == XML_READER_TYPE_ELEMENT && nn && !strcmp(nn, "v"))
          in_v = 1;
        else if (nt == XML_READER_TYPE_END_ELEMENT && nn && !strcmp(nn, "v"))
          in_v = 0;
        else if (in_v && nt == XML_READER_TYPE_TEXT) {
          const char *v = (const char *)xmlTextReaderConstValue(rd);
          free(value);
          value = v ? strdup(v) : NULL;
          vl = value ? strlen(value) : 0;
          vc = vl + 1;
        }
      }
      if (ret < 0) rc = E_BAD_FILE;
    }
    if (rc == E_OK && value && col != (size_t)-1) {
      const char *text = value;
      if (type && !strcmp((const char *)type, "s")) {
        char *end;
        unsigned long k = strtoul(value, &end, 10);
        text = *end || k >= nshared ? "" : shared[k];
      } else if (type && !strcmp((const char *)type, "b")) {
        text = !strcmp(value, "1") ? "TRUE" : "FALSE";
      }
      rc = add(c, row, col, text, strlen(text));
    }
    free(value);
    xmlFree(ref);
    xmlFree(type);
  }
  if (rc == E_OK && ret < 0) rc = E_BAD_FILE;
  xmlFreeTextReader(rd);
  return rc;
}

static int read_xlsx(const char *path, struct collect *c, const char **detail)
{
  struct zipsafe *z = NULL;
  int rc = zipsafe_open(path, &z, detail);
  if (rc) return rc;
  char *sheet = NULL, *sst = NULL, **shared = NULL;
  size_t slen = 0, sstlen = 0, nshared = 0, idx;
  if (zipsafe_find(z, "xl/worksheets/sheet1.xml", &idx) != E_OK) {
    idx = (size_t)-1;
    for (size_t i = 0; i < zipsafe_count(z) && idx == (size_t)-1; i++) {
      const char *n = zipsafe_name(z, i);
      if (!strncmp(n, "xl/worksheets/", 14) && strlen(n) > 18 &&
          !strcmp(n + strlen(n) - 4, ".xml") && !strchr(n + 14, '/'))
        idx = i;
    }
  }
  if (idx == (size_t)-1) {
    *detail = "这不是 Excel 工作簿（找不到工作表），请上传 .xlsx 或 .csv 文件";
    rc = E_FILE_TYPE;
    goto done;
  }
  if ((rc = zipsafe_read(z, idx, SHEET_XML_MAX, &sheet, &slen, detail))) goto done;
  if (zipsafe_find(z, "xl/sharedStrings.xml", &idx) == E_OK &&
      ((rc = zipsafe_read(z, idx, SHEET_XML_MAX, &sst, &sstlen, detail)) ||
       (rc = read_shared(sst, sstlen, &shared, &nshared))))
    goto done;
  rc = read_worksheet(sheet, slen, shared, nshared, c);
done:
  if (rc == E_BAD_FILE && !*detail)
    *detail = "Excel 文件内容异常，请用 Excel 或 WPS 重新保存后再试";
  for (size_t i = 0; i < nshared; i++) free(shared[i]);
  free(shared);
  free(sst);
  free(sheet);
  zipsafe_close(z);
  return rc;
}

/* 1 when the first 4 KiB of BUF hold a NUL or a control character no text file has (only
 * TAB, LF, CR and a trailing Ctrl-Z are allowed): an image, a PDF, an executable. */
static int is_binary(const char *buf, size_t n)
{
  for (size_t i = 0; i < n && i < 4096; i++) {
    unsigned char ch = (unsigned char)buf[i];
    if (ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r' && !(ch == 0x1a && i == n - 1))
      return 1;
  }
  return 0;
}

int sheet_read(const char *path, struct sheet *out, const char **detail)
{
  memset(out, 0, sizeof *out);
  *detail = NULL;
  FILE *f = fopen(path, "rb");
  if (!f) return E_INTERNAL;
  char head[4] = {0};
  size_t got = fread(head, 1, 4, f);
  struct collect c = {0};
  int rc;
  if (got == 4 && !memcmp(head, "PK\x03\x04", 4)) {
    fclose(f);
    rc = read_xlsx(path, &c, detail);
  } else if (got >= 4 && !memcmp(head, "\xd0\xcf\x11\xe0", 4)) {
    fclose(f);
    *detail = "这是旧版 Excel（.xls）文件，请另存为 .xlsx 或 .csv 后再导入";
    return E_FILE_TYPE;
  } else {
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = size >= 0 && size <= (64 << 20) ? malloc((size_t)size + 1) : NULL;
    size_t n = buf ? fread(buf, 1, (size_t)size, f) : 0;
    fclose(f);
    if (!buf) {
      *detail = "文件过大";
      return E_BAD_FILE;
    }
    rc =
        n == 0 ? (*detail = "文件为空", E_FILE_TYPE)
        : is_binary(buf, n)
            ? (*detail = "这不是表格文件（含有二进制内容），请上传 .xlsx 或 .csv 文件", E_FILE_TYPE)
            : read_csv(buf, n, &c, detail);
    free(buf);
  }
  if (rc == E_OK && c.overflow) {
    *detail = "表格过大（最多 200000 行、64 列）";
    rc = E_BAD_FILE;
  }
  if (rc == E_OK) rc = finish(&c, out);
  collect_free(&c);
  return rc;
}

const char *sheet_cell(const struct sheet *s, size_t row, size_t col)
{
  return row < s->rows && col < s->cols ? s->cell[row * s->cols + col] : "";
}

void sheet_free(struct sheet *s)
{
  free(s->cell);
  free(s->storage);
  memset(s, 0, sizeof *s);
}
