/*
 * authz.c - object-level authorization (see authz.h).
 */
#include "authz.h"

#include "db.h"
#include "err.h"

#include <stdlib.h>

/* Whether cycle CYCLE_ID is in blind mode (settings.blind), into *BLIND (0 for no cycle). */
static int cycle_blind(struct req *r, int64_t cycle_id, int64_t *blind)
{
  *blind = 0;
  db_stmt *st = db_prepare(r->db, "SELECT coalesce(json_extract(settings, '$.blind'), 0) FROM "
                                  "cycle WHERE id = :c");
  int rc;
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":c", cycle_id))) {
    db_reset(st);
    return rc;
  }
  rc = db_one_int(st, blind);
  return rc == E_NOT_FOUND ? E_OK : rc;
}

int authz_unit_read(struct req *r, int64_t cycle_id, int64_t unit_id)
{
  if (r->user.role == ROLE_ADMIN) return E_OK;
  if (r->user.role == ROLE_UNIT) return r->user.unit_id == unit_id ? E_OK : E_NOT_FOUND;
  if (r->user.role != ROLE_REVIEWER || r->user.unit_id == unit_id) return E_NOT_FOUND;
  int64_t n = 0, blind;
  int brc = cycle_blind(r, cycle_id, &blind);
  if (brc || blind) return brc ? brc : E_NOT_FOUND;
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

int authz_scoring_unit(struct req *r, int64_t cycle_id, int64_t *unit_id, int64_t *assignment)
{
  int64_t id;
  int rc;
  *assignment = 0;
  if ((rc = authz_tilde_param(r, &id))) return rc;
  if (!id) {
    int64_t blind = 0;
    if (r->user.role == ROLE_REVIEWER && ((rc = cycle_blind(r, cycle_id, &blind)) || blind))
      return rc ? rc : E_NOT_FOUND;
    return authz_param_unit(r, unit_id);
  }
  /* the caller's own review assignment in this cycle */
  db_stmt *st = db_prepare(r->db, "SELECT unit_id FROM assignment WHERE id = :id AND cycle_id = "
                                  ":c AND user_id = :me AND kind = 'review' AND status <> "
                                  "'recused'");
  if (!st) return E_DB;
  if ((rc = db_bind_int(st, ":id", id)) || (rc = db_bind_int(st, ":c", cycle_id)) ||
      (rc = db_bind_int(st, ":me", r->user.id))) {
    db_reset(st);
    return rc;
  }
  if ((rc = db_one_int(st, unit_id))) return rc;
  *assignment = id;
  return E_OK;
}

int authz_tilde_param(struct req *r, int64_t *id)
{
  const char *p = req_param(r, "unit");
  *id = 0;
  if (!p) return E_NOT_FOUND;
  if (*p != '~') return E_OK;
  char *end;
  long long v = p[1] >= '1' && p[1] <= '9' ? strtoll(p + 1, &end, 10) : 0;
  if (v <= 0 || *end || r->user.role != ROLE_REVIEWER) return E_NOT_FOUND;
  *id = v;
  return E_OK;
}
