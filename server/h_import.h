/*
 * h_import.h - the assessment office's bulk import of reports from a zip.
 */
#ifndef KAOPING_H_IMPORT_H
#define KAOPING_H_IMPORT_H

#include "req.h"

/* POST /api/v1/cycles/{cycle}/reports/import?apply=0|1 (admin; multipart: "file" = a .zip,
 * optional "assign" = {"entry name": "unit code" | ""}): every file of the zip read like an
 * upload and matched to a unit of the cycle by its file name (unit name or code) or by the
 * unit name in its text; {"entries":[{"name","size","format","title","unit","matched_by",
 * "problems","version"?}],"summary":{"files","matched","problems"},"applied"}. With apply=1
 * every entry that has a unit and no problem becomes that unit's new report version, all in
 * one transaction; entries with problems are left out; two files for one unit refuse the
 * whole import (400). The zip itself is not kept. */
int h_reports_import(struct req *r, struct reply *out);

#endif
