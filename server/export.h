/*
 * export.h - a cycle's results written as files: CSV (the summary table, UTF-8 with a BOM,
 * CRLF, RFC 4180 quoting), XLSX (汇总, 明细 and 评审意见 sheets through xlsx.h in
 * constant-memory mode) and JSON (the results object and every detail score). The detail rows
 * are streamed from the database (export_rows.h) and the summary's units from the results
 * snapshot (results_cache.h) 500 at a time, so memory does not grow with the number of units
 * or scores (the JSON download still holds the results object whole).
 */
#ifndef KAOPING_EXPORT_H
#define KAOPING_EXPORT_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

struct db;
struct results_snap;

/* Writes the summary table of the results in SNAP (borrowed) to F: a UTF-8 BOM,
 * then the header 单位代码, 单位名称, 单位类别, 总分, 排名, 等次 and one column per top-level
 * area (its name), then one line per unit in RESULTS' order (units without sheets have empty
 * totals, ranks and grades). KINDS maps unit kind codes to names (borrowed; NULL = codes as
 * they are). Text cells that a spreadsheet would take for a formula (=, +, -, @ first) get a
 * leading apostrophe. Returns E_OK, or E_INTERNAL when writing fails. */
int export_csv(FILE *f, struct results_snap *snap, json_t *kinds);

/* Writes the detail table of cycle CYCLE to F: a UTF-8 BOM, the header 单位代码, 单位名称,
 * 指标编号, 指标名称, 评审人, 得分, 评语, then one CRLF line per row of export_rows_each()
 * (the columns of the XLSX 明细 sheet: 得分 with two decimals, "不适用", or the special item's
 * count or flag), streamed: memory does not grow with the number of scores and the results
 * are not computed. Text cells are guarded as in export_csv(). Returns E_OK, a db error, or
 * E_INTERNAL when writing fails. */
int export_csv_detail(struct db *db, int64_t cycle, FILE *f);

/* Writes the workbook PATH (libxlsxwriter's temporary files in TMPDIR): 汇总 (the summary of
 * export_csv() with totals and area scores as numbers with two decimals, the rank as an
 * integer, and 备注: no sheets, border groups, quota moves, vetoes), 明细 (one row per score of
 * export_rows_each(): 单位代码, 单位名称, 指标编号, 指标名称, 评审人, 得分 as a number or
 * "不适用", 评语) and 评审意见 (the rows with a comment: 单位, 评审人, 指标, 评语). Every sheet
 * has a bold, frozen header row. CYCLE is the cycle's id for the detail rows. Returns E_OK,
 * a db error, E_NOMEM, or E_INTERNAL when the workbook cannot be written (the caller removes
 * PATH). The summary's rows come from SNAP (borrowed). */
int export_xlsx(struct db *db, int64_t cycle, const char *path, const char *tmpdir,
                struct results_snap *snap, json_t *kinds);

/* Writes {"cycle": CYCLE_OBJ, "results": RESULTS, "scores": [rows]} to F (UTF-8, one score per
 * line), the rows those of export_rows_each() as {"unit","unit_name","indicator",
 * "indicator_name","kind","reviewer","reviewer_name","points": n|null,"na","count","veto",
 * "comment"}. CYCLE_OBJ and RESULTS are borrowed. Returns E_OK, a db error, E_NOMEM or
 * E_INTERNAL when writing fails. */
int export_json(struct db *db, int64_t cycle, FILE *f, json_t *cycle_obj, json_t *results);

#endif
