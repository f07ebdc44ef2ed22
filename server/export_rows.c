/*
 * export_rows.c - the database reads of the result downloads (see export_rows.h).
 */
#include "export_rows.h"

#include "db.h"
#include "err.h"

#include <stdlib.h>
#include <string.h>

/* The indicators of the cycle's rubric with a sort key from their path in the tree (each
 * level's sort and id, zero-padded), so ORDER BY on it is the rubric's order. */
#define ORDER_CTE                                                                                  \
  "WITH RECURSIVE ord(id, k) AS ("                                                                 \
  " SELECT id, printf('%08d%012d', sort, id) FROM indicator"                                       \
  "  WHERE rubric_id = (SELECT rubric_id FROM cycle WHERE id = :cycle) AND parent_id IS NULL"      \
  " UNION ALL"                                                                                     \
  " SELECT i.id, o.k || printf('%08d%012d', i.sort, i.id) FROM indicator i"                        \
  "  JOIN ord o ON i.parent_id = o.id)"

/* One unit's rows in the rubric's order, for one unit's 评分表 (export_unit_sheets); the whole
 * cycle is read by CYCLE_ROWS_SQL. */
static const char ROWS_SQL[] = ORDER_CTE
    " SELECT un.code, un.name, i.code, i.name, i.kind, us.login, us.display_name, s.comment,"
    "  s.points, s.na, coalesce(s.count, 0), s.veto"
    " FROM assignment a"
    " JOIN score s ON s.assignment_id = a.id"
    " JOIN indicator i ON i.id = s.indicator_id"
    " JOIN ord o ON o.id = i.id"
    " JOIN unit un ON un.id = a.unit_id"
    " JOIN user us ON us.id = a.user_id"
    " WHERE a.cycle_id = :cycle AND a.unit_id = :unit AND a.kind = 'review'"
    "  AND a.status = 'submitted'"
    "  AND (i.kind = 'item' OR coalesce(s.count, 0) > 0 OR s.veto = 1 OR s.comment <> '')"
    " ORDER BY o.k, us.login";

/* Calls EACH for every row of unit UNIT in CYCLE. E_OK, EACH's result or a db error. */
static int unit_rows(struct db *db, int64_t cycle, int64_t unit, export_row_fn each, void *ctx)
{
  db_stmt *st = db_prepare(db, ROWS_SQL);
  if (!st) return E_DB;
  int rc = db_bind_int(st, ":cycle", cycle);
  if (!rc) rc = db_bind_int(st, ":unit", unit);
  while (!rc && (rc = db_step(st)) == DB_ROW) {
    struct export_row row = {
        .unit_code = db_col_text(st, 0),
        .unit_name = db_col_text(st, 1),
        .ind_code = db_col_text(st, 2),
        .ind_name = db_col_text(st, 3),
        .ind_kind = db_col_text(st, 4),
        .login = db_col_text(st, 5),
        .reviewer = db_col_text(st, 6),
        .comment = db_col_text(st, 7),
        .has_points = !db_col_is_null(st, 8) && !db_col_int(st, 9),
        .points = db_col_double(st, 8),
        .na = (int)db_col_int(st, 9),
        .count = db_col_int(st, 10),
        .veto = (int)db_col_int(st, 11),
    };
    rc = each(&row, ctx);
  }
  if (rc == DB_DONE) rc = E_OK;
  db_reset(st);
  return rc;
}

/* The indicators of the cycle's rubric in the tree's order (the sort key of ROWS_SQL). */
static const char ORDER_SQL[] = ORDER_CTE " SELECT id FROM ord ORDER BY k";

/* Every row of the cycle in one pass, grouped by unit code: the CROSS JOINs keep unit as the
 * outer loop, read in the order of its code index, so SQLite never sorts (or holds) the
 * millions of rows of a national cycle; each unit's few hundred rows are put in the rubric's
 * order in memory (struct group). */
static const char CYCLE_ROWS_SQL[] =
    "SELECT un.code, un.name, i.id, i.code, i.name, i.kind, us.login, us.display_name, "
    " s.comment, s.points, s.na, coalesce(s.count, 0), s.veto"
    " FROM unit un CROSS JOIN assignment a CROSS JOIN score s"
    " JOIN indicator i ON i.id = s.indicator_id"
    " JOIN user us ON us.id = a.user_id"
    " WHERE a.cycle_id = :cycle AND a.unit_id = un.id AND a.status = 'submitted'"
    "  AND a.kind = 'review' AND s.assignment_id = a.id"
    "  AND i.rubric_id = (SELECT rubric_id FROM cycle WHERE id = :cycle)"
    "  AND (i.kind = 'item' OR coalesce(s.count, 0) > 0 OR s.veto = 1 OR s.comment <> '')"
    " ORDER BY un.code";

/* An indicator's place in the rubric order. */
struct rank {
  int64_t id;
  int rank;
};

/* One unit's rows while they are collected: numbers in ROWS, strings in TEXT (offsets). */
struct group {
  struct grow {
    int rank;      /* the indicator's place */
    size_t s[8];   /* offsets of the 8 strings of struct export_row, in its order */
    double points; /* its numbers, as in struct export_row */
    int has_points, na, veto;
    int64_t count;
  } * rows;
  size_t n, cap;
  char *text;
  size_t len, tcap;
};

/* Copies the string S into G's text; its offset in *AT. 0 or -1 when out of memory. */
static int keep(struct group *g, const char *s, size_t *at)
{
  size_t n = strlen(s) + 1;
  if (g->len + n > g->tcap) {
    size_t cap = g->tcap ? g->tcap : 1 << 16;
    while (cap < g->len + n) cap *= 2;
    char *p = realloc(g->text, cap);
    if (!p) return -1;
    g->text = p;
    g->tcap = cap;
  }
  memcpy(g->text + g->len, s, n);
  *at = g->len;
  g->len += n;
  return 0;
}

static int rank_cmp(const void *a, const void *b)
{
  int64_t x = ((const struct rank *)a)->id, y = ((const struct rank *)b)->id;
  return (x > y) - (x < y);
}

/* The sort order of a unit's rows: the rubric's order, then the reviewer's login. */
static _Thread_local const char *group_text; /* qsort has no context argument */
static int grow_cmp(const void *a, const void *b)
{
  const struct grow *x = a, *y = b;
  if (x->rank != y->rank) return x->rank < y->rank ? -1 : 1;
  return strcmp(group_text + x->s[5], group_text + y->s[5]);
}

/* Calls EACH for the rows of G in order, then empties G. */
static int flush(struct group *g, export_row_fn each, void *ctx)
{
  int rc = E_OK;
  if (!g->n) return E_OK; /* qsort must not get NULL, even for no rows */
  group_text = g->text;
  qsort(g->rows, g->n, sizeof *g->rows, grow_cmp);
  for (size_t i = 0; i < g->n && !rc; i++) {
    const struct grow *w = &g->rows[i];
    const char *t = g->text;
    struct export_row row = {
        .unit_code = t + w->s[0],
        .unit_name = t + w->s[1],
        .ind_code = t + w->s[2],
        .ind_name = t + w->s[3],
        .ind_kind = t + w->s[4],
        .login = t + w->s[5],
        .reviewer = t + w->s[6],
        .comment = t + w->s[7],
        .has_points = w->has_points,
        .points = w->points,
        .na = w->na,
        .count = w->count,
        .veto = w->veto,
    };
    rc = each(&row, ctx);
  }
  g->n = 0;
  g->len = 0;
  return rc;
}

int export_rows_each(struct db *db, int64_t cycle, export_row_fn each, void *ctx)
{
  struct rank *ranks = NULL;
  size_t nrank = 0, caprank = 0;
  struct group g = {0};
  char unit[64] = "";
  db_stmt *st = db_prepare(db, ORDER_SQL);
  int rc = st ? db_bind_int(st, ":cycle", cycle) : E_DB;
  while (!rc && (rc = db_step(st)) == DB_ROW) {
    rc = E_OK;
    if (nrank == caprank) {
      caprank = caprank ? caprank * 2 : 64;
      struct rank *p = realloc(ranks, caprank * sizeof *p);
      if (!p) {
        rc = E_NOMEM;
        break;
      }
      ranks = p;
    }
    ranks[nrank] = (struct rank){db_col_int(st, 0), (int)nrank};
    nrank++;
  }
  if (st) db_reset(st);
  if (rc != DB_DONE) goto done;
  if (nrank) qsort(ranks, nrank, sizeof *ranks, rank_cmp);
  if (!(st = db_prepare(db, CYCLE_ROWS_SQL))) {
    rc = E_DB;
    goto done;
  }
  rc = db_bind_int(st, ":cycle", cycle);
  while (!rc && (rc = db_step(st)) == DB_ROW) {
    rc = E_OK;
    const char *code = db_col_text(st, 0);
    if (strcmp(code, unit)) { /* a new unit: the previous one's rows go out */
      if ((rc = flush(&g, each, ctx))) break;
      snprintf(unit, sizeof unit, "%s", code);
    }
    if (g.n == g.cap) {
      size_t cap = g.cap ? g.cap * 2 : 256;
      struct grow *p = realloc(g.rows, cap * sizeof *p);
      if (!p) {
        rc = E_NOMEM;
        break;
      }
      g.rows = p;
      g.cap = cap;
    }
    struct grow *w = &g.rows[g.n];
    struct rank key = {db_col_int(st, 2), 0},
                *k = nrank ? bsearch(&key, ranks, nrank, sizeof *ranks, rank_cmp) : NULL;
    static const int col[8] = {0, 1, 3, 4, 5, 6, 7, 8};
    int bad = 0;
    for (int c = 0; c < 8; c++) bad |= keep(&g, db_col_text(st, col[c]), &w->s[c]);
    if (bad) {
      rc = E_NOMEM;
      break;
    }
    w->rank = k ? k->rank : (int)nrank;
    w->na = (int)db_col_int(st, 10);
    w->has_points = !db_col_is_null(st, 9) && !w->na;
    w->points = db_col_double(st, 9);
    w->count = db_col_int(st, 11);
    w->veto = (int)db_col_int(st, 12);
    g.n++;
  }
  db_reset(st);
  if (rc == DB_DONE) rc = flush(&g, each, ctx);
done:
  free(ranks);
  free(g.rows);
  free(g.text);
  return rc;
}

int export_cycle(struct db *db, int64_t cycle, json_t **out)
{
  db_stmt *st = db_prepare(db, "SELECT id, year, title, phase FROM cycle WHERE id = :id");
  if (!st) return E_DB;
  int rc = db_bind_int(st, ":id", cycle);
  if (!rc && (rc = db_step(st)) == DB_ROW) {
    *out = json_pack("{s:I,s:I,s:s,s:s}", "id", (json_int_t)db_col_int(st, 0), "year",
                     (json_int_t)db_col_int(st, 1), "title", db_col_text(st, 2), "phase",
                     db_col_text(st, 3));
    rc = *out ? E_OK : E_NOMEM;
  } else if (rc == DB_DONE) {
    rc = E_NOT_FOUND;
  }
  db_reset(st);
  return rc;
}

int export_kind_names(struct db *db, json_t **out)
{
  db_stmt *st = db_prepare(db, "SELECT code, name FROM unit_kind ORDER BY sort");
  json_t *o = json_object();
  if (!st || !o) {
    json_decref(o);
    return st ? E_NOMEM : E_DB;
  }
  int rc;
  while ((rc = db_step(st)) == DB_ROW)
    if (json_object_set_new(o, db_col_text(st, 0), json_string(db_col_text(st, 1)))) {
      rc = E_NOMEM;
      break;
    }
  db_reset(st);
  if (rc != DB_DONE) {
    json_decref(o);
    return rc;
  }
  *out = o;
  return E_OK;
}

/* export_row_fn: ROW into the "items" of its reviewer's sheet in CTX ({login: items}). */
static int unit_sheet_row(const struct export_row *row, void *ctx)
{
  json_t *items = json_object_get(ctx, row->login);
  if (!items) return E_OK; /* not one of the sheets listed (cannot happen in one snapshot) */
  json_t *it = json_pack(
      "{s:o,s:b,s:I,s:b,s:s}", "points", row->has_points ? json_real(row->points) : json_null(),
      "na", row->na, "count", (json_int_t)row->count, "veto", row->veto, "comment", row->comment);
  return it && !json_object_set_new(items, row->ind_code, it) ? E_OK : E_NOMEM;
}

int export_unit_sheets(struct db *db, int64_t cycle, const char *code, json_t **out)
{
  db_stmt *st = db_prepare(db, "SELECT u.id, u.code, u.name FROM cycle_unit cu JOIN unit u ON "
                               "u.id = cu.unit_id WHERE cu.cycle_id = :cycle AND u.code = :code");
  json_t *o = NULL, *by = json_object(); /* login → the sheet's items */
  int64_t unit = 0;
  if (!st || !by) {
    json_decref(by);
    return st ? E_NOMEM : E_DB;
  }
  int rc = db_bind_int(st, ":cycle", cycle);
  if (!rc) rc = db_bind_text(st, ":code", code);
  if (!rc && (rc = db_step(st)) == DB_ROW) {
    unit = db_col_int(st, 0);
    o = json_pack("{s:s,s:s,s:[]}", "code", db_col_text(st, 1), "name", db_col_text(st, 2),
                  "sheets");
    rc = o ? E_OK : E_NOMEM;
  } else if (rc == DB_DONE) {
    rc = E_NOT_FOUND;
  }
  db_reset(st);
  if (rc) goto done;
  if (!(st =
            db_prepare(db, "SELECT us.login, us.display_name FROM assignment a JOIN user us ON "
                           "us.id = a.user_id WHERE a.cycle_id = :cycle AND a.unit_id = :unit "
                           "AND a.kind = 'review' AND a.status = 'submitted' ORDER BY us.login"))) {
    rc = E_DB;
    goto done;
  }
  rc = db_bind_int(st, ":cycle", cycle);
  if (!rc) rc = db_bind_int(st, ":unit", unit);
  while (!rc && (rc = db_step(st)) == DB_ROW) {
    json_t *items = json_object();
    json_t *sheet = items ? json_pack("{s:s,s:s,s:O}", "login", db_col_text(st, 0), "name",
                                      db_col_text(st, 1), "items", items)
                          : NULL;
    if (!sheet || json_array_append_new(json_object_get(o, "sheets"), sheet) ||
        json_object_set(by, db_col_text(st, 0), items))
      rc = E_NOMEM;
    else
      rc = E_OK;
    json_decref(items);
  }
  db_reset(st);
  if (rc == DB_DONE) rc = E_OK;
  if (!rc) rc = unit_rows(db, cycle, unit, unit_sheet_row, by);
done:
  json_decref(by);
  if (rc) {
    json_decref(o);
    return rc;
  }
  *out = o;
  return E_OK;
}
