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

#endif
