/*
 * h_reports.h - the reports API. Paths name the unit by its code:
 * /api/v1/cycles/{cycle}/units/{unit}/report. Who may see a report: the admin, the unit's own
 * users, reviewers assigned to the unit (not their own unit); everyone else gets 404.
 */
#ifndef KAOPING_H_REPORTS_H
#define KAOPING_H_REPORTS_H

#include "req.h"

/* POST …/report (the unit's users, the admin; multipart field "file"): reads the file (format
 * from its content: .docx, .pdf, .txt in UTF-8 or GB18030), records it as a new version and
 * answers 201 {"report"} with the detected title, year, unit name, sections and warnings.
 * 415 E_FILE_TYPE / 422 E_BAD_FILE with a Chinese detail for files that cannot be read; 409
 * E_NOT_OPEN outside the submission phase, E_DEADLINE after the deadline. */
int h_report_upload(struct req *r, struct reply *out);

/* GET …/report: the current version with its text, sections and warnings. */
int h_report_get(struct req *r, struct reply *out);

/* GET …/report/versions: every version, newest first (without text). */
int h_report_versions(struct req *r, struct reply *out);

/* GET …/report/versions/{version}: one version with its text. */
int h_report_version(struct req *r, struct reply *out);

/* GET …/report/versions/{version}/file: the original file as uploaded. */
int h_report_file(struct req *r, struct reply *out);

#endif
