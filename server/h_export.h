/*
 * h_export.h - a cycle's results as files to hand around: CSV (UTF-8 with a BOM, so Excel and
 * WPS open the Chinese right), XLSX (汇总, 明细, 评审意见 sheets) and JSON.
 */
#ifndef KAOPING_H_EXPORT_H
#define KAOPING_H_EXPORT_H

#include "req.h"

/* GET /api/v1/cycles/{cycle}/export.csv|.xlsx|.json[?method=] (admin): the cycle's results as
 * a download (Content-Disposition with the cycle's title). A cycle without submitted sheets
 * gives valid files with the headers only. 400 for an unknown method. */
int h_export(struct req *r, struct reply *out);

/* GET /api/v1/cycles/{cycle}/units/{unit}/scoresheet.xlsx (admin): unit {unit} (its code)'s
 * 评分表 (export_unit.h) as a download named "<cycle title>_<unit name>评分表.xlsx": 综合 with
 * the official results, one sheet per submitted review sheet. 404 for an unknown cycle or a unit
 * outside the cycle; 409 when the cycle's results cannot be computed (no rubric chosen, a stored
 * setting the rubric refuses). A unit without submitted sheets gets 综合 alone, saying so. */
int h_export_unit(struct req *r, struct reply *out);

#endif
