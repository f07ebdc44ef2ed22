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

/* ---- Forms: small workbooks laid out cell by cell ----
 *
 * For printed forms (a unit's 评分表): libxlsxwriter's normal mode keeps the whole workbook in
 * memory until xlsx_form_close(), so cells may be written in any order and merged; meant for
 * sheets of hundreds of rows, not millions. Any failure is remembered and reported by
 * xlsx_form_close(). Rows and columns count from 0. */

struct xlsx_form; /* a form workbook being written (opaque) */
struct xlsx_page; /* one of its worksheets (opaque, owned by the workbook) */

/* Cell styles of xlsx_page_put() and xlsx_page_merge(), combined with |. */
#define XLSX_F_BORDER 1   /* thin border on every side */
#define XLSX_F_BOLD   2   /* bold text */
#define XLSX_F_WRAP   4   /* text wraps, aligned to the top-left */
#define XLSX_F_CENTER 8   /* centred horizontally and vertically */
#define XLSX_F_NUM2   16  /* numbers shown with two decimals ("0.00") */
#define XLSX_F_TITLE  32  /* bold, 16 points, centred: a form's title */
#define XLSX_F_FILL   64  /* the light blue background of header rows */
#define XLSX_F_ALL    128 /* styles are below this */

/* Starts the form workbook PATH (created or truncated at xlsx_form_close()), temporary files in
 * TMPDIR. Returns the workbook (finish it with xlsx_form_close()), or NULL (logged). */
struct xlsx_form *xlsx_form_open(const char *path, const char *tmpdir);

/* Adds the worksheet NAME (at most 31 characters, no []:*?/\, unique in the workbook) with
 * the widths in characters of its first NCOLS columns WIDTHS[NCOLS] (0 = Excel's default).
 * Returns the page (owned by F), or NULL (logged; F is then marked failed). */
struct xlsx_page *xlsx_form_page(struct xlsx_form *f, const char *name, const double widths[],
                                 int ncols);

/* Writes the cell V at ROW, COL of P in the style STYLE (XLSX_F_*): text, a number, or an empty
 * cell that still shows its style (borders). Returns 0, or -1 (logged; the workbook is then
 * marked failed). */
int xlsx_page_put(struct xlsx_page *p, unsigned row, int col, const struct xlsx_cell *v, int style);

/* Merges the columns FIRST..LAST of ROW of P into one cell holding TEXT (NULL = empty) in the
 * style STYLE. Returns 0, or -1 (logged; the workbook is then marked failed). */
int xlsx_page_merge(struct xlsx_page *p, unsigned row, int first, int last, const char *text,
                    int style);

/* Sets the height of ROW of P to HEIGHT points. Returns 0, or -1 (logged; workbook failed). */
int xlsx_page_height(struct xlsx_page *p, unsigned row, double height);

/* Sets P up for printing: A4 landscape, narrow margins, centred, fitted to one page wide (as many
 * pages tall as needed), with HEADER_ROW repeated at the top of every printed page and the
 * rows down to it frozen on screen. Returns 0, or -1 (logged; workbook failed). */
int xlsx_page_print(struct xlsx_page *p, unsigned header_row);

/* Assembles the file and frees F (NULL is fine: returns -1). Returns 0 when every step
 * succeeded, else -1 (logged); the caller removes PATH then. */
int xlsx_form_close(struct xlsx_form *f);

#endif
