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

#endif
