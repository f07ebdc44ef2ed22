/*
 * h_units.h - the units API: the assessment office's list of assessed units.
 */
#ifndef KAOPING_H_UNITS_H
#define KAOPING_H_UNITS_H

#include "req.h"

/* GET /api/v1/units?q=&kind=&active=&limit=&offset= (signed in; a unit user sees only their
 * own unit): {"units":[{"code","name","kind","kind_name","parent","active"}],"total"}. */
int h_units_list(struct req *r, struct reply *out);

/* GET /api/v1/unit-kinds: {"kinds":[{"code","name"}]}. */
int h_unit_kinds(struct req *r, struct reply *out);

/* GET /api/v1/units/{unit} (signed in; a unit user only their own): {"unit"}. */
int h_unit_get(struct req *r, struct reply *out);

/* POST /api/v1/units (admin) {"code","name","kind","parent"?,"active"?}: 201 {"unit"}. */
int h_unit_create(struct req *r, struct reply *out);

/* PATCH /api/v1/units/{unit} (admin) {"name"?,"kind"?,"parent"?,"active"?}: {"unit"};
 * "active": false deactivates the unit (it keeps its history). */
int h_unit_update(struct req *r, struct reply *out);

/* POST /api/v1/units/import?apply=0|1 (admin; multipart field "file": .xlsx or .csv in UTF-8
 * or GB18030) with the header row 单位代码, 单位名称, 单位类别 [, 上级单位代码, 状态]: every row
 * with its action (create / update / unchanged) and its problems by column. apply=1 applies
 * the rows in one transaction only when no row has a problem; otherwise nothing is applied
 * and 400 E_VALIDATION carries the rows. */
int h_units_import(struct req *r, struct reply *out);

#endif
