/*
 * export_unit.h - one unit's 评分表 as an Excel workbook in the rubric's tree layout, to print,
 * sign and file: a 综合 sheet with the unit's official results and one sheet per submitted
 * review sheet. Writing only: the handler (h_export.c) reads the inputs.
 */
#ifndef KAOPING_EXPORT_UNIT_H
#define KAOPING_EXPORT_UNIT_H

#include <jansson.h>

/* Writes the workbook PATH (libxlsxwriter's temporary files in TMPDIR) for one unit:
 *   CYCLE    {"title",…} (export_cycle());
 *   RUBRIC   the cycle's rubric tree (rubric_get());
 *   RESULTS  results_load()'s output for the cycle ("method", "leaves");
 *   ROW      the unit's entry of RESULTS' "units", with its "trace" when it has sheets;
 *   UNIT     export_unit_sheets()'s {"code","name","sheets": […]}.
 * Sheets: 综合 (the official method's leaf values, counts, vetoes, total, grade, rank; "暂无已
 * 提交的评分表" when the unit has no submitted sheet), then one per sheet named after the
 * reviewer's display name (or login), cut to 31 characters and made unique. Each: a merged title
 * row, an information row, the header row (编号, 指标, 分值, 评分标准, 得分, 评语; repeated on
 * printed pages), per top-level area a merged row "一、name（n 分）", per group and leaf a row,
 * the bonus, deduction and veto items, a 合计 row, and signature lines; A4 landscape, one page
 * wide. All arguments are borrowed. Returns E_OK, or E_INTERNAL (logged; the caller removes
 * PATH). */
int export_unit_xlsx(const char *path, const char *tmpdir, json_t *cycle, json_t *rubric,
                     json_t *results, json_t *row, json_t *unit);

#endif
