/*
 * authz.c - object-level authorization (see authz.h).
 */
#include "authz.h"

#include "db.h"
#include "err.h"

int authz_unit_read(struct req *r, int64_t cycle_id, int64_t unit_id)
{
  if (r->user.role == ROLE_ADMIN) return E_OK;
  if (r->user.role == ROLE_UNIT) return r->user.unit_id == unit_id ? E_OK : E_NOT_FOUND;
  if (r->user.role != ROLE_REVIEWER || r->user.unit_id == unit_id) return E_NOT_FOUND;
  int64_t n = 0;
  db_stmt *st = db_prepare(r->db, "SELECT count(*) FROM assignment WHERE cycle_id = :c AND "
                                  "unit_id = :u AND user_id = :me AND kind = 'review' AND "
                                  "status <> 'recused'");
  int rc;
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":c", cycle_id)) || (rc = db_bind_int(st, ":u", unit_id)) ||
      (rc = db_bind_int(st, ":me", r->user.id)) || (rc = db_one_int(st, &n))) {
    db_reset(st);
    return rc;
  }
  return n ? E_OK : E_NOT_FOUND;
}

int authz_unit_write(struct req *r, int64_t unit_id)
{
  if (r->user.role == ROLE_ADMIN) return E_OK;
  return r->user.role == ROLE_UNIT && r->user.unit_id == unit_id ? E_OK : E_NOT_FOUND;
}

int authz_param_unit(struct req *r, int64_t *unit_id)
{
  const char *code = req_param(r, "unit");
  if (!code) return E_NOT_FOUND;
  db_stmt *st = db_prepare(r->db, "SELECT id FROM unit WHERE code = :code");
  int rc;
  if (!st) return E_DB;
  if ((rc = db_bind_text(st, ":code", code))) {
    db_reset(st);
    return rc;
  }
  return db_one_int(st, unit_id);
}
