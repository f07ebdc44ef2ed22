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

/* ---- Workbooks written sheet by sheet, row by row ----
 *
 * For big tables (millions of rows): libxlsxwriter runs in constant-memory mode, so each
 * sheet's rows go to a temporary file in TMPDIR as they are written and memory stays flat.
 * Rows of one sheet must come in order; rows of different sheets may interleave. A sheet
 * that reaches Excel's limit (1,048,576 rows) continues on a new sheet "NAME (2)", … with the
 * same header. Any failure is remembered and reported by xlsx_close(). */

struct xlsx;       /* a workbook being written (opaque) */
struct xlsx_sheet; /* one of its sheets (opaque, owned by the workbook) */

/* Column formats of struct xlsx_col (combine with XLSX_TEXT and XLSX_WRAP above). */
#define XLSX_NUM2 8  /* numbers shown with two decimals ("0.00") */
#define XLSX_INT  16 /* numbers shown as integers ("0") */

/* One column of a sheet: its header, width in characters (0 = default) and format flags. */
struct xlsx_col {
  const char *header; /* header text (UTF-8), written bold in the frozen first row */
  double width;       /* column width in characters; 0 = Excel's default */
  int flags;          /* XLSX_TEXT, XLSX_WRAP, XLSX_NUM2, XLSX_INT or 0 */
};

/* One cell of a row: empty, text or number. */
struct xlsx_cell {
  int kind;      /* XLSX_EMPTY, XLSX_STR or XLSX_NUM */
  const char *s; /* the text of an XLSX_STR cell (UTF-8; NULL = empty) */
  double n;      /* the value of an XLSX_NUM cell */
};
#define XLSX_EMPTY 0 /* struct xlsx_cell kinds */
#define XLSX_STR   1
#define XLSX_NUM   2

/* Starts the workbook PATH (created or truncated at xlsx_close()), with libxlsxwriter's
 * temporary files in TMPDIR. Returns the workbook (finish it with xlsx_close()), or NULL
 * (out of memory or PATH not writable; logged). */
struct xlsx *xlsx_open(const char *path, const char *tmpdir);

/* Adds the sheet NAME (at most 31 characters, no []:*?/\) with the NCOLS columns COLS
 * (copied) and writes its bold, frozen header row. Returns the sheet (owned by X), or NULL
 * (logged; X is then marked failed). */
struct xlsx_sheet *xlsx_add_sheet(struct xlsx *x, const char *name, const struct xlsx_col cols[],
                                  int ncols);

/* Appends one row of the sheet's NCOLS cells CELLS (empty cells are left out); number cells
 * and the text of XLSX_WRAP columns get their column's format.
 * Returns 0, or -1 when the write failed (logged; the workbook is then marked failed). */
int xlsx_add_row(struct xlsx_sheet *s, const struct xlsx_cell cells[]);

/* Rows written to S so far, header and continuation sheets excluded. */
size_t xlsx_rows(const struct xlsx_sheet *s);

/* Assembles the file and frees X (NULL is fine: returns -1). Returns 0 when every step
 * succeeded, else -1 (logged); the caller removes PATH then. */
int xlsx_close(struct xlsx *x);

#endif
