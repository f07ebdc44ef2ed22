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

#endif
