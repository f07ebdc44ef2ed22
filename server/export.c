/*
 * export.c - the result files: CSV, XLSX and JSON writers (see export.h).
 */
#include "export.h"

#include "err.h"
#include "export_rows.h"
#include "log.h"
#include "results_cache.h"
#include "xlsx.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The summary's fixed columns before the areas. */
enum { SUM_CODE, SUM_NAME, SUM_KIND, SUM_TOTAL, SUM_RANK, SUM_GRADE, SUM_FIXED };

static const char *const SUM_HEAD[SUM_FIXED] = {"单位代码", "单位名称", "单位类别",
                                                "总分",     "排名",     "等次"};

/* The text of J when it is a string, else "". */
static const char *str(json_t *j)
{
  return json_is_string(j) ? json_string_value(j) : "";
}

/* A number cell for J, or an empty cell when J is not a number (null). */
static struct xlsx_cell num_cell(json_t *j)
{
  if (!json_is_number(j)) return (struct xlsx_cell){.kind = XLSX_EMPTY};
  return (struct xlsx_cell){.kind = XLSX_NUM, .n = json_number_value(j)};
}

/* Fills CELLS[SUM_FIXED + NAREAS] with the summary row of UNIT (one entry of results'
 * "units"), and NOTE (CAP bytes) with its 备注: no sheets, a border group, a move by quota,
 * a veto. Strings point into UNIT, KINDS or NOTE. */
static void summary_row(json_t *unit, json_t *kinds, size_t nareas, struct xlsx_cell *cells,
                        char *note, size_t cap)
{
  const char *kind = str(json_object_get(unit, "kind"));
  const char *kname = str(json_object_get(kinds, kind));
  cells[SUM_CODE] = (struct xlsx_cell){.kind = XLSX_STR, .s = str(json_object_get(unit, "code"))};
  cells[SUM_NAME] = (struct xlsx_cell){.kind = XLSX_STR, .s = str(json_object_get(unit, "name"))};
  cells[SUM_KIND] = (struct xlsx_cell){.kind = XLSX_STR, .s = *kname ? kname : kind};
  cells[SUM_TOTAL] = num_cell(json_object_get(unit, "total"));
  cells[SUM_RANK] = num_cell(json_object_get(unit, "rank"));
  cells[SUM_GRADE] = (struct xlsx_cell){.kind = XLSX_STR, .s = str(json_object_get(unit, "grade"))};
  json_t *areas = json_object_get(unit, "areas");
  for (size_t a = 0; a < nareas; a++) cells[SUM_FIXED + a] = num_cell(json_array_get(areas, a));
  size_t n = 0;
  note[0] = 0;
#define NOTE(...)                                                                                  \
  do {                                                                                             \
    if (n < cap) n += (size_t)snprintf(note + n, cap - n, "%s", n ? "；" : "");                    \
    if (n < cap) n += (size_t)snprintf(note + n, cap - n, __VA_ARGS__);                            \
  } while (0)
  if (!strcmp(str(json_object_get(unit, "status")), "no_sheets")) NOTE("暂无已提交的评分表");
  const char *grade = str(json_object_get(unit, "grade"));
  const char *band = str(json_object_get(unit, "band_grade"));
  if (json_is_true(json_object_get(unit, "border")))
    NOTE("并列处于%s名额边界，待考核办确定", str(json_object_get(unit, "border_grade")));
  else if (*band && *grade && strcmp(band, grade))
    NOTE("按分数为%s，因名额限制调整为%s", band, grade);
  const char *veto = str(json_object_get(unit, "vetoed_by"));
  if (*veto) NOTE("触发否决项 %s", veto);
#undef NOTE
}

/* ---- CSV ---- */

/* Writes S as one CSV field: quoted when it holds a comma, quote, CR or LF (quotes doubled);
 * with a leading apostrophe when TEXT and it would start a spreadsheet formula. */
/* An export's FILE belongs to the one request thread that writes it, so the CSV writers use
 * stdio's _unlocked calls: locking the stream for every character was 14% of the detail
 * export's CPU. */
static void csv_field(FILE *f, const char *s, int text)
{
  int guard = text && s[0] && strchr("=+-@", s[0]);
  if (!guard && !strpbrk(s, ",\"\r\n")) {
    fputs_unlocked(s, f);
    return;
  }
  fputc_unlocked('"', f);
  if (guard) fputc_unlocked('\'', f);
  for (const char *p = s; *p; p++) {
    if (*p == '"') fputc_unlocked('"', f);
    fputc_unlocked(*p, f);
  }
  fputc_unlocked('"', f);
}

/* Writes N with two decimals, as printf's "%.2f" does. A score is a whole number of
 * hundredths (steps of 0.5 or 0.25), and then the digits are written directly; anything else
 * goes through printf. */
static void csv_num2(FILE *f, double n)
{
  double h = n * 100;
  if (h != floor(h) || fabs(h) >= 1e15 || (h == 0 && signbit(n))) {
    fprintf(f, "%.2f", n);
    return;
  }
  char buf[24], *w = buf + sizeof buf;
  long long v = llabs((long long)h);
  *--w = (char)('0' + v % 10);
  *--w = (char)('0' + v / 10 % 10);
  *--w = '.';
  v /= 100;
  do *--w = (char)('0' + v % 10);
  while (v /= 10);
  if (h < 0) *--w = '-';
  fwrite_unlocked(w, 1, (size_t)(buf + sizeof buf - w), f);
}

/* Writes CELL as a CSV field: numbers with two decimals (INTEGER: none), text guarded. */
static void csv_cell(FILE *f, const struct xlsx_cell *cell, int integer)
{
  if (cell->kind == XLSX_NUM && integer)
    fprintf(f, "%.0f", cell->n);
  else if (cell->kind == XLSX_NUM)
    csv_num2(f, cell->n);
  else if (cell->kind == XLSX_STR && cell->s)
    csv_field(f, cell->s, 1);
}

/* Units read from a snapshot at a time by each_unit(): memory stays flat at any scale. */
#define UNIT_CHUNK 500

/* Calls EACH(unit row, CTX) for every unit row of SNAP in the results' order, reading
 * UNIT_CHUNK rows at a time. E_OK, the first error of EACH, or results_snap_list()'s. */
static int each_unit(struct results_snap *snap, int (*each)(json_t *unit, void *ctx), void *ctx)
{
  int64_t total = 0;
  for (int64_t off = 0;; off += UNIT_CHUNK) {
    json_t *chunk = NULL, *unit;
    size_t i;
    int rc = results_snap_list(snap, RESULTS_UNITS, NULL, off, UNIT_CHUNK, &chunk, &total);
    json_array_foreach(chunk, i, unit)
    {
      if (!rc) rc = each(unit, ctx);
    }
    json_decref(chunk);
    if (rc || off + UNIT_CHUNK >= total) return rc;
  }
}

/* What a summary row callback needs. */
struct sum_ctx {
  FILE *f;                  /* CSV: the file */
  struct xlsx_sheet *sheet; /* XLSX: the 汇总 sheet */
  json_t *kinds;
  size_t nareas, ncols;
  struct xlsx_cell *cells;
  char note[512];
};

/* each_unit() step of export_csv(): one CSV line. */
static int csv_unit(json_t *unit, void *ctx)
{
  struct sum_ctx *c = ctx;
  summary_row(unit, c->kinds, c->nareas, c->cells, c->note, sizeof c->note);
  for (size_t k = 0; k < c->ncols; k++) {
    if (k) fputc(',', c->f);
    csv_cell(c->f, &c->cells[k], k == SUM_RANK);
  }
  fputs("\r\n", c->f);
  return E_OK;
}

int export_csv(FILE *f, struct results_snap *snap, json_t *kinds)
{
  json_t *head = results_snap_head(snap, 1);
  json_t *areas = json_object_get(head, "areas");
  size_t nareas = json_array_size(areas), ncols = SUM_FIXED + nareas;
  struct xlsx_cell *cells = head ? calloc(ncols, sizeof *cells) : NULL;
  if (!cells) {
    json_decref(head);
    return E_NOMEM;
  }
  fputs("\xEF\xBB\xBF", f);
  for (size_t c = 0; c < ncols; c++) {
    if (c) fputc(',', f);
    csv_field(f,
              c < SUM_FIXED ? SUM_HEAD[c]
                            : str(json_object_get(json_array_get(areas, c - SUM_FIXED), "name")),
              1);
  }
  fputs("\r\n", f);
  struct sum_ctx *ctx = calloc(1, sizeof *ctx);
  int rc = ctx ? E_OK : E_NOMEM;
  if (ctx) {
    *ctx =
        (struct sum_ctx){.f = f, .kinds = kinds, .nareas = nareas, .ncols = ncols, .cells = cells};
    rc = each_unit(snap, csv_unit, ctx);
  }
  free(ctx);
  free(cells);
  json_decref(head);
  if (!rc && (fflush(f) || ferror(f))) {
    log_error("cannot write the CSV export");
    return E_INTERNAL;
  }
  return rc;
}

/* ---- XLSX ---- */

/* What the detail-row callback writes to. */
struct xlsx_ctx {
  struct xlsx_sheet *detail;   /* 明细 */
  struct xlsx_sheet *comments; /* 评审意见 */
  char who[512];               /* the reviewer as shown */
  char ind[1024];              /* "code name" of the indicator */
  char score[64];              /* the score of a special item as text */
};

/* The reviewer of ROW as shown: "display name（login）", or the login alone. */
static const char *reviewer_label(const struct export_row *row, char *buf, size_t cap)
{
  if (!*row->reviewer) return row->login;
  snprintf(buf, cap, "%s（%s）", row->reviewer, row->login);
  return buf;
}

/* The 得分 cell of ROW: points as a number, "不适用", or the special item's count or flag. */
static struct xlsx_cell score_cell(const struct export_row *row, char *buf, size_t cap)
{
  if (row->na) return (struct xlsx_cell){.kind = XLSX_STR, .s = "不适用"};
  if (!strcmp(row->ind_kind, "item"))
    return row->has_points ? (struct xlsx_cell){.kind = XLSX_NUM, .n = row->points}
                           : (struct xlsx_cell){.kind = XLSX_EMPTY};
  if (!strcmp(row->ind_kind, "veto")) {
    snprintf(buf, cap, "%s", row->veto ? "触发否决" : "");
  } else if (row->count > 0) {
    snprintf(buf, cap, "%s %lld 次", !strcmp(row->ind_kind, "bonus") ? "加分" : "扣分",
             (long long)row->count);
  } else {
    buf[0] = 0;
  }
  return (struct xlsx_cell){.kind = XLSX_STR, .s = buf};
}

/* ---- the detail CSV ---- */

/* What the detail-row callback of the CSV writes to. */
struct csv_ctx {
  FILE *f;
  char who[512];  /* the reviewer as shown */
  char score[64]; /* the score of a special item as text */
};

/* export_row_fn: one score as a line of the detail CSV. */
static int csv_detail_row(const struct export_row *row, void *vctx)
{
  struct csv_ctx *x = vctx;
  struct xlsx_cell score = score_cell(row, x->score, sizeof x->score);
  csv_field(x->f, row->unit_code, 1);
  fputc_unlocked(',', x->f);
  csv_field(x->f, row->unit_name, 1);
  fputc_unlocked(',', x->f);
  csv_field(x->f, row->ind_code, 1);
  fputc_unlocked(',', x->f);
  csv_field(x->f, row->ind_name, 1);
  fputc_unlocked(',', x->f);
  csv_field(x->f, reviewer_label(row, x->who, sizeof x->who), 1);
  fputc_unlocked(',', x->f);
  csv_cell(x->f, &score, 0);
  fputc_unlocked(',', x->f);
  csv_field(x->f, row->comment, 1);
  fputs_unlocked("\r\n", x->f);
  return ferror(x->f) ? E_INTERNAL : E_OK;
}

int export_csv_detail(struct db *db, int64_t cycle, FILE *f)
{
  static const char *const head[] = {"单位代码", "单位名称", "指标编号", "指标名称",
                                     "评审人",   "得分",     "评语"};
  struct csv_ctx ctx = {.f = f};
  fputs("\xEF\xBB\xBF", f);
  for (size_t c = 0; c < sizeof head / sizeof head[0]; c++) {
    if (c) fputc(',', f);
    csv_field(f, head[c], 1);
  }
  fputs("\r\n", f);
  int rc = export_rows_each(db, cycle, csv_detail_row, &ctx);
  if (!rc && (fflush(f) || ferror(f))) {
    log_error("cannot write the CSV export");
    rc = E_INTERNAL;
  }
  return rc;
}

/* ---- XLSX detail ---- */

/* export_row_fn: one score into 明细 and, when commented, into 评审意见. */
static int xlsx_detail_row(const struct export_row *row, void *vctx)
{
  struct xlsx_ctx *x = vctx;
  const char *who = reviewer_label(row, x->who, sizeof x->who);
  struct xlsx_cell d[7] = {
      {.kind = XLSX_STR, .s = row->unit_code},
      {.kind = XLSX_STR, .s = row->unit_name},
      {.kind = XLSX_STR, .s = row->ind_code},
      {.kind = XLSX_STR, .s = row->ind_name},
      {.kind = XLSX_STR, .s = who},
      score_cell(row, x->score, sizeof x->score),
      {.kind = XLSX_STR, .s = row->comment},
  };
  if (xlsx_add_row(x->detail, d)) return E_INTERNAL;
  if (!*row->comment) return E_OK;
  snprintf(x->ind, sizeof x->ind, "%s %s", row->ind_code, row->ind_name);
  struct xlsx_cell c[4] = {{.kind = XLSX_STR, .s = row->unit_name},
                           {.kind = XLSX_STR, .s = who},
                           {.kind = XLSX_STR, .s = x->ind},
                           {.kind = XLSX_STR, .s = row->comment}};
  return xlsx_add_row(x->comments, c) ? E_INTERNAL : E_OK;
}

/* each_unit() step of export_xlsx(): one 汇总 row with its 备注. */
static int xlsx_unit(json_t *unit, void *ctx)
{
  struct sum_ctx *c = ctx;
  summary_row(unit, c->kinds, c->nareas, c->cells, c->note, sizeof c->note);
  c->cells[c->ncols - 1] = (struct xlsx_cell){.kind = XLSX_STR, .s = c->note};
  return xlsx_add_row(c->sheet, c->cells) ? E_INTERNAL : E_OK;
}

int export_xlsx(struct db *db, int64_t cycle, const char *path, const char *tmpdir,
                struct results_snap *snap, json_t *kinds)
{
  json_t *head = results_snap_head(snap, 1);
  json_t *areas = json_object_get(head, "areas");
  size_t nareas = json_array_size(areas), ncols = SUM_FIXED + nareas + 1;
  struct xlsx_col *cols = calloc(ncols, sizeof *cols);
  struct xlsx_cell *cells = calloc(ncols, sizeof *cells);
  struct sum_ctx *sc = calloc(1, sizeof *sc);
  struct xlsx *x = head && cols && cells && sc ? xlsx_open(path, tmpdir) : NULL;
  int rc = E_OK;
  if (!x) {
    rc = head && cols && cells && sc ? E_INTERNAL : E_NOMEM;
    goto done;
  }
  static const double sum_width[SUM_FIXED] = {14, 30, 10, 10, 8, 10};
  static const int sum_flags[SUM_FIXED] = {XLSX_TEXT, 0, 0, XLSX_NUM2, XLSX_INT, 0};
  for (size_t c = 0; c < SUM_FIXED; c++)
    cols[c] = (struct xlsx_col){SUM_HEAD[c], sum_width[c], sum_flags[c]};
  for (size_t a = 0; a < nareas; a++)
    cols[SUM_FIXED + a] =
        (struct xlsx_col){str(json_object_get(json_array_get(areas, a), "name")), 14, XLSX_NUM2};
  cols[ncols - 1] = (struct xlsx_col){"备注", 40, XLSX_WRAP};
  static const struct xlsx_col detail_cols[7] = {
      {"单位代码", 14, XLSX_TEXT}, {"单位名称", 28, 0}, {"指标编号", 10, XLSX_TEXT},
      {"指标名称", 40, 0},         {"评审人", 30, 0},   {"得分", 10, XLSX_NUM2},
      {"评语", 60, XLSX_WRAP},
  };
  static const struct xlsx_col comment_cols[4] = {
      {"单位", 28, 0}, {"评审人", 30, 0}, {"指标", 40, XLSX_WRAP}, {"评语", 80, XLSX_WRAP}};
  struct xlsx_ctx ctx = {0};
  struct xlsx_sheet *sum = xlsx_add_sheet(x, "汇总", cols, (int)ncols);
  ctx.detail = xlsx_add_sheet(x, "明细", detail_cols, 7);
  ctx.comments = xlsx_add_sheet(x, "评审意见", comment_cols, 4);
  if (!sum || !ctx.detail || !ctx.comments) rc = E_INTERNAL;
  if (!rc) {
    *sc = (struct sum_ctx){
        .sheet = sum, .kinds = kinds, .nareas = nareas, .ncols = ncols, .cells = cells};
    rc = each_unit(snap, xlsx_unit, sc);
  }
  if (!rc) rc = export_rows_each(db, cycle, xlsx_detail_row, &ctx);
  if (xlsx_close(x) && !rc) rc = E_INTERNAL;
done:
  free(cols);
  free(cells);
  free(sc);
  json_decref(head);
  return rc;
}

/* ---- JSON ---- */

/* What the detail-row callback writes to. */
struct json_ctx {
  FILE *f;  /* the file */
  size_t n; /* rows written so far */
};

/* export_row_fn: one score as one line of the "scores" array. */
static int json_detail_row(const struct export_row *row, void *vctx)
{
  struct json_ctx *c = vctx;
  json_t *o = json_pack(
      "{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:b,s:I,s:b,s:s}", "unit", row->unit_code, "unit_name",
      row->unit_name, "indicator", row->ind_code, "indicator_name", row->ind_name, "kind",
      row->ind_kind, "reviewer", row->login, "reviewer_name", row->reviewer, "points",
      row->has_points ? json_real(row->points) : json_null(), "na", row->na, "count",
      (json_int_t)row->count, "veto", row->veto, "comment", row->comment);
  if (!o) return E_NOMEM;
  fputs(c->n++ ? ",\n" : "\n", c->f);
  int bad = json_dumpf(o, c->f, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
  json_decref(o);
  return bad ? E_INTERNAL : E_OK;
}

int export_json(struct db *db, int64_t cycle, FILE *f, json_t *cycle_obj, json_t *results)
{
  const size_t flags = JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10);
  struct json_ctx ctx = {.f = f};
  fputs("{\"cycle\":", f);
  int rc = json_dumpf(cycle_obj, f, flags) ? E_INTERNAL : E_OK;
  if (!rc) {
    fputs(",\n\"results\":", f);
    rc = json_dumpf(results, f, flags) ? E_INTERNAL : E_OK;
  }
  if (!rc) {
    fputs(",\n\"scores\":[", f);
    rc = export_rows_each(db, cycle, json_detail_row, &ctx);
  }
  if (!rc) fputs("\n]}\n", f);
  if (!rc && (fflush(f) || ferror(f))) rc = E_INTERNAL;
  if (rc == E_INTERNAL) log_error("cannot write the JSON export");
  return rc;
}
