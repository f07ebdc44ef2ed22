/*
 * sheet.h - reading a table that people make in Excel: a CSV file (UTF-8 or GB18030, as Excel
 * on Chinese Windows saves it) or the first worksheet of an XLSX workbook, as rows of UTF-8
 * text cells. Used by the imports (units now; reviewer assignments and rubrics later).
 */
#ifndef KAOPING_SHEET_H
#define KAOPING_SHEET_H

#include <stddef.h>

#define SHEET_MAX_ROWS 200000
#define SHEET_MAX_COLS 64

/* A table. Cells are NUL-terminated UTF-8, trimmed of surrounding white space; empty cells are
 * "". Row and column indexes start at 0; row 0 is usually the header. */
struct sheet {
  size_t rows, cols; /* size of the table */
  char **cell;       /* rows * cols pointers into storage, row-major */
  char *storage;     /* all cell text (malloc'd) */
};

/* Reads the file at PATH (CSV or XLSX, told apart by content). Returns E_OK with *OUT filled
 * (free with sheet_free); E_FILE_TYPE when it is neither (with a Chinese *DETAIL); E_BAD_FILE
 * for a damaged file or one beyond SHEET_MAX_ROWS / SHEET_MAX_COLS; E_NOMEM. */
int sheet_read(const char *path, struct sheet *out, const char **detail);

/* The text of cell (ROW, COL), "" outside the table. */
const char *sheet_cell(const struct sheet *s, size_t row, size_t col);

void sheet_free(struct sheet *s);

#endif
