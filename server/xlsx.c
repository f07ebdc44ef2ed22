/*
 * xlsx.c - the only file that talks to libxlsxwriter (see xlsx.h).
 */
#include "xlsx.h"

#include "log.h"

#include <stdlib.h>
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
