/*
 * h_units.c - the units API (see h_units.h).
 */
#include "h_units.h"

#include "err.h"
#include "json.h"
#include "units.h"

#include <string.h>

int h_units_list(struct req *r, struct reply *out)
{
  struct unit_filter f = {.active = -1};
  int rc;
  int64_t active;
  if ((rc = req_query_int(r, out, "limit", 200, 1, 5000, &f.limit)) ||
      (rc = req_query_int(r, out, "offset", 0, 0, INT64_MAX / 2, &f.offset)) ||
      (rc = req_query_int(r, out, "active", -1, -1, 1, &active)))
    return rc;
  f.active = (int)active;
  f.kind = req_query(r, "kind");
  f.q = req_query(r, "q");
  if (f.q && !*f.q) f.q = NULL;
  if (r->user.role == ROLE_UNIT) f.only = r->user.unit_id; /* a unit sees itself only */
  json_t *units = NULL;
  int64_t total = 0;
  if ((rc = unit_list(r->db, &f, &units, &total))) return rc;
  return reply_json(out, 200, json_pack("{s:o,s:I}", "units", units, "total", (json_int_t)total));
}

int h_unit_kinds(struct req *r, struct reply *out)
{
  json_t *kinds = NULL;
  int rc = unit_kinds(r->db, &kinds);
  return rc ? rc : reply_json(out, 200, json_pack("{s:o}", "kinds", kinds));
}

int h_unit_get(struct req *r, struct reply *out)
{
  const char *code = req_param(r, "unit");
  json_t *u = NULL;
  if (r->user.role == ROLE_UNIT && (!r->user.unit_code || strcmp(code, r->user.unit_code)))
    return E_NOT_FOUND;
  int rc = unit_get(r->db, code, &u);
  return rc ? rc : reply_json(out, 200, json_pack("{s:o}", "unit", u));
}

/* Reads the fields of a unit body into IN; CREATE requires code/name/kind. */
static int read_unit(struct req *r, struct reply *out, struct unit_in *in, int create)
{
  static const char *const keys[] = {"code", "name", "kind", "parent", "active", NULL};
  static const char *const keys_patch[] = {"name", "kind", "parent", "active", NULL};
  int rc;
  json_t *parent = json_object_get(r->jbody, "parent"),
         *active = json_object_get(r->jbody, "active");
  if ((rc = json_only_keys(out, r->jbody, create ? keys : keys_patch)) ||
      (create && (rc = json_take_str(out, r->jbody, "code", 1, 32, &in->code))) ||
      (rc = json_take_str(out, r->jbody, "name", create, 100, &in->name)) ||
      (rc = json_take_str(out, r->jbody, "kind", create, 32, &in->kind)) ||
      (rc = json_take_str(out, r->jbody, "parent", 0, 32, &in->parent)))
    return rc;
  in->parent_set = parent != NULL;
  if (in->parent && !*in->parent) in->parent = NULL;
  in->active = -1;
  if (active) {
    if (!json_is_boolean(active)) return reply_invalid(out, "active", "应为 true 或 false");
    in->active = json_is_true(active);
  }
  return E_OK;
}

/* Saves IN and answers with the unit. */
static int save(struct req *r, struct reply *out, struct unit_in *in, int create)
{
  const char *field = NULL, *problem = NULL;
  int rc = unit_save(r->db, in, create, r->user.id, r->user.login, r->client, &field, &problem);
  if (rc) {
    out->field = field;
    out->detail = problem;
    return rc;
  }
  json_t *u = NULL;
  if ((rc = unit_get(r->db, in->code, &u))) return rc;
  return reply_json(out, create ? 201 : 200, json_pack("{s:o}", "unit", u));
}

int h_unit_create(struct req *r, struct reply *out)
{
  struct unit_in in = {0};
  int rc = read_unit(r, out, &in, 1);
  return rc ? rc : save(r, out, &in, 1);
}

int h_unit_update(struct req *r, struct reply *out)
{
  struct unit_in in = {0};
  int rc = read_unit(r, out, &in, 0);
  if (rc) return rc;
  in.code = req_param(r, "unit");
  return save(r, out, &in, 0);
}
