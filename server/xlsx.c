/*
 * xlsx.c - the only file that talks to libxlsxwriter (see xlsx.h).
 */
#include "xlsx.h"

#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

/* 1 when S is a plain decimal number: an optional '-', digits, optionally '.' and digits. */
static int plain_number(const char *s)
{
  const char *p = s + (*s == '-');
  size_t digits = 0, dots = 0;
  for (; *p; p++) {
    if (*p >= '0' && *p <= '9')
      digits++;
    else if (*p == '.' && !dots)
      dots++;
    else
      return 0;
  }
  return digits > 0 && p[-1] != '.';
}

int xlsx_write_table(const char *path, const char *tmpdir, const char *sheet,
                     const char *const headers[], const double widths[], int ncols,
                     const char *const *cells, size_t nrows)
{
  return xlsx_write_table_ex(path, tmpdir, sheet, headers, widths, NULL, ncols, cells, nrows);
}

int xlsx_write_table_ex(const char *path, const char *tmpdir, const char *sheet,
                        const char *const headers[], const double widths[], const int flags[],
                        int ncols, const char *const *cells, size_t nrows)
{
  lxw_workbook_options opt = {.constant_memory = LXW_TRUE, .tmpdir = (char *)tmpdir};
  lxw_format **fmt = calloc(ncols > 0 ? (size_t)ncols : 1, sizeof *fmt); /* per column */
  lxw_workbook *wb = fmt ? workbook_new_opt(path, &opt) : NULL;
  if (!wb) {
    log_error("cannot create workbook %s", path);
    free(fmt);
    return -1;
  }
  lxw_worksheet *ws = workbook_add_worksheet(wb, sheet);
  lxw_format *bold = workbook_add_format(wb);
  format_set_bold(bold);
  format_set_bg_color(bold, 0xDDE6F3);
  format_set_border(bold, LXW_BORDER_THIN);
  int bad = !ws || !bold;
  for (int c = 0; !bad && c < ncols; c++) {
    int fl = flags ? flags[c] : 0;
    if (fl & (XLSX_WRAP | XLSX_TEXT)) {
      bad = !(fmt[c] = workbook_add_format(wb));
      if (!bad && fl & XLSX_WRAP) {
        format_set_text_wrap(fmt[c]);
        format_set_align(fmt[c], LXW_ALIGN_VERTICAL_TOP);
      }
      if (!bad && fl & XLSX_TEXT) format_set_num_format_index(fmt[c], 49); /* "@" */
    }
    if (!bad && (widths || fmt[c]))
      worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, widths ? widths[c] : LXW_DEF_COL_WIDTH,
                           fmt[c]);
    if (!bad) bad = worksheet_write_string(ws, 0, (lxw_col_t)c, headers[c], bold) != LXW_NO_ERROR;
  }
  if (!bad) worksheet_freeze_panes(ws, 1, 0);
  for (size_t r = 0; !bad && r < nrows; r++)
    for (int c = 0; !bad && c < ncols; c++) {
      const char *v = cells[r * (size_t)ncols + (size_t)c];
      lxw_row_t row = (lxw_row_t)(r + 1);
      if (!v)
        continue;
      else if (flags && flags[c] & XLSX_NUMBER && plain_number(v))
        bad =
            worksheet_write_number(ws, row, (lxw_col_t)c, strtod(v, NULL), fmt[c]) != LXW_NO_ERROR;
      else
        bad = worksheet_write_string(ws, row, (lxw_col_t)c, v, fmt[c]) != LXW_NO_ERROR;
    }
  lxw_error rc = workbook_close(wb);
  free(fmt);
  if (bad || rc != LXW_NO_ERROR) {
    log_error("cannot write workbook %s: %s", path, lxw_strerror(rc));
    return -1;
  }
  return 0;
}

/* ---- Workbooks written sheet by sheet ---- */

struct xlsx {
  lxw_workbook *wb;          /* the workbook, in constant-memory mode */
  lxw_format *bold;          /* the header row's format */
  struct xlsx_sheet *sheets; /* every sheet added, newest first (freed by xlsx_close) */
  int bad;                   /* some step failed: xlsx_close() reports -1 */
  char *path;                /* the file being written, for log lines */
};

struct xlsx_sheet {
  struct xlsx *x;          /* the workbook it belongs to */
  struct xlsx_sheet *next; /* the previously added sheet */
  char *name;              /* its name as asked (continuations add " (n)") */
  struct xlsx_col *cols;   /* its columns, headers copied */
  lxw_format **fmt;        /* per column: the cell format, or NULL */
  int ncols;               /* number of columns */
  lxw_worksheet *ws;       /* the worksheet rows go to now */
  lxw_row_t row;           /* the next row of ws */
  size_t rows;             /* data rows written in all */
  int part;                /* 1, then 2, 3, … for continuation sheets */
};

struct xlsx *xlsx_open(const char *path, const char *tmpdir)
{
  struct xlsx *x = calloc(1, sizeof *x);
  lxw_workbook_options opt = {.constant_memory = LXW_TRUE, .tmpdir = (char *)tmpdir};
  if (x && (x->path = strdup(path)) != NULL && (x->wb = workbook_new_opt(path, &opt)) != NULL &&
      (x->bold = workbook_add_format(x->wb)) != NULL) {
    format_set_bold(x->bold);
    format_set_bg_color(x->bold, 0xDDE6F3);
    format_set_border(x->bold, LXW_BORDER_THIN);
    format_set_text_wrap(x->bold);
    format_set_align(x->bold, LXW_ALIGN_VERTICAL_CENTER);
    return x;
  }
  log_error("cannot create workbook %s", path);
  if (x && x->wb) workbook_close(x->wb);
  if (x) free(x->path);
  free(x);
  return NULL;
}

/* Starts worksheet part S->part of S: the columns, the bold header row, the frozen pane.
 * Returns 0 or -1 (logged, workbook marked failed). */
static int sheet_begin(struct xlsx_sheet *s)
{
  char name[4 * LXW_SHEETNAME_MAX + 16];
  if (s->part == 1)
    snprintf(name, sizeof name, "%s", s->name);
  else
    snprintf(name, sizeof name, "%s (%d)", s->name, s->part);
  s->ws = workbook_add_worksheet(s->x->wb, name);
  int bad = !s->ws;
  for (int c = 0; !bad && c < s->ncols; c++) {
    if (s->cols[c].width > 0 || s->fmt[c])
      bad = worksheet_set_column(s->ws, (lxw_col_t)c, (lxw_col_t)c,
                                 s->cols[c].width > 0 ? s->cols[c].width : LXW_DEF_COL_WIDTH,
                                 s->fmt[c]) != LXW_NO_ERROR;
    if (!bad)
      bad = worksheet_write_string(s->ws, 0, (lxw_col_t)c, s->cols[c].header, s->x->bold) !=
            LXW_NO_ERROR;
  }
  if (!bad) worksheet_freeze_panes(s->ws, 1, 0);
  s->row = 1;
  if (bad) {
    log_error("cannot add sheet %s to workbook %s", name, s->x->path);
    s->x->bad = 1;
    return -1;
  }
  return 0;
}

struct xlsx_sheet *xlsx_add_sheet(struct xlsx *x, const char *name, const struct xlsx_col cols[],
                                  int ncols)
{
  if (!x || x->bad) return NULL;
  struct xlsx_sheet *s = calloc(1, sizeof *s);
  if (!s) goto fail;
  s->next = x->sheets; /* linked first, so xlsx_close() frees whatever was allocated */
  x->sheets = s;
  s->x = x;
  s->ncols = ncols;
  s->part = 1;
  s->name = strdup(name);
  s->cols = calloc(ncols > 0 ? (size_t)ncols : 1, sizeof *s->cols);
  s->fmt = calloc(ncols > 0 ? (size_t)ncols : 1, sizeof *s->fmt);
  if (!s->name || !s->cols || !s->fmt) goto fail;
  for (int c = 0; c < ncols; c++) {
    s->cols[c] = cols[c];
    if (!(s->cols[c].header = strdup(cols[c].header ? cols[c].header : ""))) goto fail;
    int fl = cols[c].flags;
    if (!fl) continue;
    if (!(s->fmt[c] = workbook_add_format(x->wb))) goto fail;
    if (fl & XLSX_WRAP) {
      format_set_text_wrap(s->fmt[c]);
      format_set_align(s->fmt[c], LXW_ALIGN_VERTICAL_TOP);
    }
    if (fl & XLSX_TEXT) format_set_num_format_index(s->fmt[c], 49); /* "@" */
    if (fl & XLSX_NUM2) format_set_num_format_index(s->fmt[c], 2);  /* "0.00" */
    if (fl & XLSX_INT) format_set_num_format_index(s->fmt[c], 1);   /* "0" */
  }
  return sheet_begin(s) ? NULL : s;
fail:
  log_error("out of memory adding sheet %s to workbook %s", name, x->path);
  x->bad = 1;
  return NULL;
}

int xlsx_add_row(struct xlsx_sheet *s, const struct xlsx_cell cells[])
{
  if (!s || s->x->bad) return -1;
  if (s->row >= LXW_ROW_MAX) { /* Excel's limit: continue on the next part */
    s->part++;
    if (sheet_begin(s)) return -1;
  }
  int bad = 0;
  for (int c = 0; !bad && c < s->ncols; c++) {
    const struct xlsx_cell *v = &cells[c];
    lxw_col_t col = (lxw_col_t)c;
    /* A cell gets its column's format only where it shows: libxlsxwriter 1.1.4 hashes the
     * format at every use (a fifth of the time of a big sheet), and the column's own format
     * already covers empty cells and what people type later. */
    if (v->kind == XLSX_NUM)
      bad = worksheet_write_number(s->ws, s->row, col, v->n, s->fmt[c]) != LXW_NO_ERROR;
    else if (v->kind == XLSX_STR && v->s && *v->s)
      bad = worksheet_write_string(s->ws, s->row, col, v->s,
                                   s->cols[c].flags & XLSX_WRAP ? s->fmt[c] : NULL) != LXW_NO_ERROR;
  }
  if (bad) {
    log_error("cannot write row %u of sheet %s in workbook %s", (unsigned)s->row, s->name,
              s->x->path);
    s->x->bad = 1;
    return -1;
  }
  s->row++;
  s->rows++;
  return 0;
}

size_t xlsx_rows(const struct xlsx_sheet *s)
{
  return s ? s->rows : 0;
}

int xlsx_close(struct xlsx *x)
{
  if (!x) return -1;
  lxw_error rc = workbook_close(x->wb);
  int bad = x->bad || rc != LXW_NO_ERROR;
  if (rc != LXW_NO_ERROR) log_error("cannot write workbook %s: %s", x->path, lxw_strerror(rc));
  for (struct xlsx_sheet *s = x->sheets, *next; s; s = next) {
    next = s->next;
    for (int c = 0; s->cols && c < s->ncols; c++) free((char *)s->cols[c].header);
    free(s->cols);
    free(s->fmt);
    free(s->name);
    free(s);
  }
  free(x->path);
  free(x);
  return bad ? -1 : 0;
}

/* ---- Forms ---- */

struct xlsx_form {
  lxw_workbook *wb;            /* the workbook, in normal mode */
  lxw_format *fmt[XLSX_F_ALL]; /* per style combination, made at first use */
  struct xlsx_page *pages;     /* every page added, newest first (freed by xlsx_form_close) */
  int bad;                     /* some step failed: xlsx_form_close() reports -1 */
  char *path;                  /* the file being written, for log lines */
};

struct xlsx_page {
  struct xlsx_form *f;    /* the workbook it belongs to */
  struct xlsx_page *next; /* the previously added page */
  lxw_worksheet *ws;      /* its worksheet */
  int ncols;              /* columns given a width by xlsx_form_page() */
};

struct xlsx_form *xlsx_form_open(const char *path, const char *tmpdir)
{
  struct xlsx_form *f = calloc(1, sizeof *f);
  lxw_workbook_options opt = {.constant_memory = LXW_FALSE, .tmpdir = (char *)tmpdir};
  if (f && (f->path = strdup(path)) != NULL && (f->wb = workbook_new_opt(path, &opt)) != NULL)
    return f;
  log_error("cannot create workbook %s", path);
  if (f) free(f->path);
  free(f);
  return NULL;
}

/* The format of STYLE in F, made at first use; NULL for style 0 or out of memory (then F is
 * marked failed). */
static lxw_format *form_format(struct xlsx_form *f, int style)
{
  style &= XLSX_F_ALL - 1;
  if (!style || f->fmt[style]) return f->fmt[style];
  lxw_format *x = f->fmt[style] = workbook_add_format(f->wb);
  if (!x) {
    f->bad = 1;
    return NULL;
  }
  format_set_font_name(x, "宋体");
  format_set_align(x, LXW_ALIGN_VERTICAL_CENTER);
  if (style & XLSX_F_BORDER) format_set_border(x, LXW_BORDER_THIN);
  if (style & XLSX_F_BOLD) format_set_bold(x);
  if (style & XLSX_F_WRAP) {
    format_set_text_wrap(x);
    format_set_align(x, LXW_ALIGN_VERTICAL_TOP);
  }
  if (style & XLSX_F_CENTER) {
    format_set_align(x, LXW_ALIGN_CENTER);
    format_set_align(x, LXW_ALIGN_VERTICAL_CENTER);
  }
  if (style & XLSX_F_NUM2) format_set_num_format_index(x, 2); /* "0.00" */
  if (style & XLSX_F_TITLE) {
    format_set_bold(x);
    format_set_font_size(x, 16);
    format_set_align(x, LXW_ALIGN_CENTER);
    format_set_align(x, LXW_ALIGN_VERTICAL_CENTER);
  }
  if (style & XLSX_F_FILL) format_set_bg_color(x, 0xDDE6F3);
  return x;
}

/* Marks P's workbook failed after the step WHAT and logs it. Returns -1. */
static int page_fail(struct xlsx_page *p, const char *what, lxw_error rc)
{
  log_error("cannot %s in workbook %s: %s", what, p->f->path, lxw_strerror(rc));
  p->f->bad = 1;
  return -1;
}

struct xlsx_page *xlsx_form_page(struct xlsx_form *f, const char *name, const double widths[],
                                 int ncols)
{
  if (!f || f->bad) return NULL;
  struct xlsx_page *p = calloc(1, sizeof *p);
  if (!p || !(p->ws = workbook_add_worksheet(f->wb, name))) {
    log_error("cannot add sheet %s to workbook %s", name, f->path);
    free(p);
    f->bad = 1;
    return NULL;
  }
  p->f = f;
  p->next = f->pages;
  f->pages = p;
  p->ncols = ncols;
  for (int c = 0; c < ncols; c++) {
    lxw_error rc = worksheet_set_column(p->ws, (lxw_col_t)c, (lxw_col_t)c,
                                        widths[c] > 0 ? widths[c] : LXW_DEF_COL_WIDTH, NULL);
    if (rc != LXW_NO_ERROR) {
      page_fail(p, "set a column width", rc);
      return NULL;
    }
  }
  return p;
}

int xlsx_page_put(struct xlsx_page *p, unsigned row, int col, const struct xlsx_cell *v, int style)
{
  if (!p || p->f->bad) return -1;
  lxw_format *fmt = form_format(p->f, style);
  lxw_error rc = LXW_NO_ERROR;
  if (v->kind == XLSX_NUM)
    rc = worksheet_write_number(p->ws, row, (lxw_col_t)col, v->n, fmt);
  else if (v->kind == XLSX_STR && v->s && *v->s)
    rc = worksheet_write_string(p->ws, row, (lxw_col_t)col, v->s, fmt);
  else if (fmt)
    rc = worksheet_write_blank(p->ws, row, (lxw_col_t)col, fmt);
  return rc == LXW_NO_ERROR && !p->f->bad ? 0 : page_fail(p, "write a cell", rc);
}

int xlsx_page_merge(struct xlsx_page *p, unsigned row, int first, int last, const char *text,
                    int style)
{
  if (!p || p->f->bad) return -1;
  lxw_error rc = worksheet_merge_range(p->ws, row, (lxw_col_t)first, row, (lxw_col_t)last,
                                       text ? text : "", form_format(p->f, style));
  return rc == LXW_NO_ERROR && !p->f->bad ? 0 : page_fail(p, "merge cells", rc);
}

int xlsx_page_height(struct xlsx_page *p, unsigned row, double height)
{
  if (!p || p->f->bad) return -1;
  lxw_error rc = worksheet_set_row(p->ws, row, height, NULL);
  return rc == LXW_NO_ERROR ? 0 : page_fail(p, "set a row height", rc);
}

int xlsx_page_print(struct xlsx_page *p, unsigned header_row)
{
  if (!p || p->f->bad) return -1;
  worksheet_set_paper(p->ws, 9); /* A4 */
  worksheet_set_landscape(p->ws);
  worksheet_set_margins(p->ws, 0.4, 0.4, 0.5, 0.5);
  worksheet_center_horizontally(p->ws);
  worksheet_fit_to_pages(p->ws, 1, 0); /* one page wide, as tall as needed */
  worksheet_freeze_panes(p->ws, (lxw_row_t)(header_row + 1), 0);
  lxw_error rc = worksheet_repeat_rows(p->ws, header_row, header_row);
  return rc == LXW_NO_ERROR ? 0 : page_fail(p, "set the rows repeated on printed pages", rc);
}

int xlsx_form_close(struct xlsx_form *f)
{
  if (!f) return -1;
  lxw_error rc = workbook_close(f->wb);
  int bad = f->bad || rc != LXW_NO_ERROR;
  if (rc != LXW_NO_ERROR) log_error("cannot write workbook %s: %s", f->path, lxw_strerror(rc));
  for (struct xlsx_page *p = f->pages, *next; p; p = next) {
    next = p->next;
    free(p);
  }
  free(f->path);
  free(f);
  return bad ? -1 : 0;
}
