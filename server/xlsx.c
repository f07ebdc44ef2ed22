/*
 * xlsx.c - the only file that talks to libxlsxwriter (see xlsx.h).
 */
#include "xlsx.h"

#include "log.h"

#include <xlsxwriter.h>

int xlsx_write_table(const char *path, const char *tmpdir, const char *sheet,
                     const char *const headers[], const double widths[], int ncols,
                     const char *const *cells, size_t nrows)
{
  lxw_workbook_options opt = {.constant_memory = LXW_TRUE, .tmpdir = (char *)tmpdir};
  lxw_workbook *wb = workbook_new_opt(path, &opt);
  if (!wb) {
    log_error("cannot create workbook %s", path);
    return -1;
  }
  lxw_worksheet *ws = workbook_add_worksheet(wb, sheet);
  lxw_format *bold = workbook_add_format(wb);
  format_set_bold(bold);
  format_set_bg_color(bold, 0xDDE6F3);
  format_set_border(bold, LXW_BORDER_THIN);
  int bad = !ws || !bold;
  for (int c = 0; !bad && c < ncols; c++) {
    if (widths) worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, widths[c], NULL);
    bad = worksheet_write_string(ws, 0, (lxw_col_t)c, headers[c], bold) != LXW_NO_ERROR;
  }
  if (!bad) worksheet_freeze_panes(ws, 1, 0);
  for (size_t r = 0; !bad && r < nrows; r++)
    for (int c = 0; !bad && c < ncols; c++) {
      const char *v = cells[r * (size_t)ncols + (size_t)c];
      if (v)
        bad = worksheet_write_string(ws, (lxw_row_t)(r + 1), (lxw_col_t)c, v, NULL) != LXW_NO_ERROR;
    }
  lxw_error rc = workbook_close(wb);
  if (bad || rc != LXW_NO_ERROR) {
    log_error("cannot write workbook %s: %s", path, lxw_strerror(rc));
    return -1;
  }
  return 0;
}
