/*
 * rubric_io.h - a rubric (评分细则) as a table with one row per node, band, rule and special
 * item, so offices can keep it in Excel: export to CSV and XLSX, import from what sheet_read()
 * makes of a CSV or XLSX file.
 *
 * The columns, found by header text in any order (English names accepted too):
 *   编号 code | 上级编号 parent | 类型 kind | 名称 name | 分值 points | 上限 cap | 效果 effect |
 *   评分标准 guidance | 关键词 keywords | 适用单位类别 applies_to | 责任单位 responsible
 * 编号, 上级编号, 类型, 名称 and 分值 are required; the others may be left out of the table.
 * The kinds (类型), in the order the exporter writes them:
 *   细则 rubric        exactly once: 名称 = rubric name, 分值 = total_points
 *   规则 rule          编号 = score_step | bonus_cap | deduction_cap | na_rescale, 分值 = value
 *                      (na_rescale 是/否, also 1/0/true/false; an empty cap = null, no cap);
 *                      名称 is a label for people and is ignored
 *   等次 band          名称 = band name, 分值 = min
 *   一级指标 二级指标 三级指标 (or 指标, area, item: the level then follows from the parent)
 *                      上级编号 = the parent's code (empty on 一级), 分值 only on leaves,
 *                      关键词 separated by "；" or ";", 适用单位类别 also by "," "，" "、"
 *   加分项 bonus       编号, 名称, 分值 = points, 上限 = cap (empty = none)
 *   扣分项 deduction   the same, and 上级编号 = the top-level area it reduces (empty = total)
 *   否决项 veto        编号, 名称, 效果 = 定为:等次 (grade:等次) or 至多:等次 (cap:等次)
 * A cell in a column its kind does not use must be empty. Numbers are decimals >= 0 with at
 * most 2 decimals (extra zeros and Excel's binary rounding noise are tolerated; full-width
 * digits are refused with a message saying so).
 *
 * The JSON the importer produces is the form of rubrics.h, normalised: every node has
 * "keywords" ([] when none) and "applies_to" (null when the cell is empty), "guidance" and
 * "responsible" only when not empty; "rules" is always an object and "grade_bands", "bonus",
 * "deduction" and "veto" always arrays; "cap" and "area" appear only when filled in; a
 * whole number is a JSON integer, any other a real; every node, band and special item has
 * "line", its 1-based row in the table (the header is row 1; a CSV record with line breaks
 * inside quotes is one row, as in Excel). Cells are trimmed of surrounding white space by
 * sheet_read(), so text that starts or ends with spaces does not come back exactly.
 */
#ifndef KAOPING_RUBRIC_IO_H
#define KAOPING_RUBRIC_IO_H

#include "sheet.h"

#include <jansson.h>
#include <stddef.h>

#define RUBRIC_IO_MAX_ROWS 10000 /* data rows (below the header) an import accepts */

/* Writes the rubric RB (the JSON form of rubrics.h; rubric_get()'s extra members such as
 * "id", "version" or a group's "points" are ignored) as CSV: UTF-8 with a byte-order mark,
 * CRLF line ends, RFC 4180 quoting (a field with a comma, quote, CR or LF is quoted, quotes
 * doubled). Stores the malloc'd text in *OUT (the caller frees it; NUL-terminated) and its
 * length in *LEN. Returns E_OK or E_NOMEM. */
int rubric_to_csv(json_t *rb, char **out, size_t *len);

/* Writes the rubric RB as the XLSX workbook PATH: one worksheet "评分细则", bold frozen
 * header, column widths for reading, wrapped 评分标准, numbers in 分值 and 上限 as number
 * cells. libxlsxwriter's temporary files go to TMPDIR. Returns E_OK, E_NOMEM or E_INTERNAL
 * (the file could not be written; logged). */
int rubric_to_xlsx(json_t *rb, const char *path, const char *tmpdir);

/* Reads the table S (header in row 0, cells UTF-8 as sheet_read() makes them) into a new rubric in
 * *OUT (the caller decrefs), in the normalised form above. Checks the table's structure only;
 * rubric_validate() checks the rest (points sums, code syntax, unit kinds, lengths). Returns E_OK;
 * E_VALIDATION with *LINE the 1-based row at fault (0 when the problem is not about one row: an
 * empty table, too many rows, no 细则 row) and *DETAIL a Chinese sentence naming the column and the
 * problem, starting "第 N 行：" when *LINE is not 0 (thread-local, valid until the next call); or
 * E_NOMEM. *OUT is NULL unless E_OK. A table of more than RUBRIC_IO_MAX_ROWS data rows is refused
 * before any row is read. */
int rubric_from_sheet(const struct sheet *s, json_t **out, size_t *line, const char **detail);

#endif
