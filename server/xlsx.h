/*
 * xlsx.h - Excel workbooks: the only interface to libxlsxwriter (xlsx.c is the only file that
 * includes xlsxwriter.h).
 */
#ifndef KAOPING_XLSX_H
#define KAOPING_XLSX_H

#include <stddef.h>

/* Writes PATH: one worksheet named SHEET with a bold, frozen header row HEADERS[NCOLS],
 * then NROWS rows of CELLS (row-major, NCOLS per row; NULL = empty cell), column widths
 * WIDTHS[NCOLS] in characters (NULL = default). libxlsxwriter's temporary files go to TMPDIR.
 * All text is UTF-8. Returns 0, or -1 (logged). */
int xlsx_write_table(const char *path, const char *tmpdir, const char *sheet,
                     const char *const headers[], const double widths[], int ncols,
                     const char *const *cells, size_t nrows);

/* Column flags of xlsx_write_table_ex(). */
#define XLSX_NUMBER 1 /* a cell that is a plain decimal ("12.5", "-3") becomes a number cell */
#define XLSX_WRAP   2 /* the column's text wraps, aligned to the top of the cell */
#define XLSX_TEXT                                                                                  \
  4 /* the column is formatted as text, so Excel keeps what people type                            \
       there as typed ("1.10", "1-1" stay codes, not numbers or dates) */

/* xlsx_write_table() with FLAGS[NCOLS] (NULL = none), a combination of the above per column. */
int xlsx_write_table_ex(const char *path, const char *tmpdir, const char *sheet,
                        const char *const headers[], const double widths[], const int flags[],
                        int ncols, const char *const *cells, size_t nrows);

#endif
