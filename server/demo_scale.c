/*
 * demo_scale.c - the national-scale data set of `kaoping demo --scale N` (see demo_scale.h).
 *
 * Units, accounts and reports go through the same functions as the web app (user_create,
 * report_read and report_keep: the store, the extractor, the structure check and the search
 * index); the score sheets, millions of rows, are inserted directly with prepared statements,
 * as submitted sheets, with one audit row for the whole generation. Work is committed in
 * batches so the write-ahead log stays small.
 */
#include "demo_scale.h"

#include "audit.h"
#include "crypto.h"
#include "db.h"
#include "embedded.h"
#include "err.h"
#include "extract.h"
#include "log.h"
#include "reports.h"
#include "rubrics.h"
#include "store.h"
#include "users.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PER_COUNTY  31    /* the county, 20 departments, 8 towns, 2 streets */
#define SHEETS_PER  3     /* review sheets per unit and cycle */
#define BENCH_UNITS 10000 /* units the reviewer "bench" is assigned to */
#define BATCH       500   /* units (or sheets x 10) per transaction */
#define REPORT_MIN  10240 /* bytes of generated report text, at least */
#define REPORT_SPAN 28672 /* ... plus up to this many (the last parts add 2-4 KB more) */
#define TEXT_CAP    65536 /* the text buffer */
#define DAY         86400

/* The generator's state. */
struct gen {
  struct db *db;
  const char *data_dir;
  uint64_t rng;               /* xorshift64* state */
  json_t *words;              /* server/demo/scale_text.json */
  int n;                      /* units */
  int reviewers;              /* reviewer accounts rv00001 … */
  int64_t *unit_ids;          /* [n] */
  char (*unit_codes)[16];     /* [n] */
  char (*unit_names)[96];     /* [n] */
  unsigned char *unit_kind;   /* [n]: index into kinds[] */
  float *quality;             /* [n]: the unit's true quality, 0..1 */
  int64_t *reviewer_ids;      /* [reviewers] */
  float *leniency;            /* [reviewers] */
  int64_t bench_id, admin_id; /* accounts */
  int64_t rubric_id;          /* the rubric */
  int64_t cycles[2];          /* history, current */
  double step;                /* the rubric's score step */
  size_t nleaf;               /* leaves of the rubric */
  struct leaf {
    int64_t id;
    double max;
    unsigned kinds; /* bit per kinds[] index; all bits when it applies to every kind */
  } * leaves;
  int64_t bonus[8], deduction[16], veto[8]; /* special items */
  size_t nbonus, ndeduction, nveto;
  char *text; /* TEXT_CAP bytes */
  size_t len;
  double t0; /* start, for progress */
};

static const char *const kinds[] = {"county", "department", "town", "street"};

/* The next pseudo-random 64 bits (xorshift64*). */
static uint64_t rnd(struct gen *g)
{
  g->rng ^= g->rng >> 12;
  g->rng ^= g->rng << 25;
  g->rng ^= g->rng >> 27;
  return g->rng * 2685821657736338717ULL;
}

/* A pseudo-random integer in LO..HI. */
static int rnd_in(struct gen *g, int lo, int hi)
{
  return lo + (int)(rnd(g) % (uint64_t)(hi - lo + 1));
}

/* A pseudo-random double in [0, 1). */
static double rnd01(struct gen *g)
{
  return (double)(rnd(g) >> 11) / 9007199254740992.0;
}

/* Seconds since the start, for progress lines. */
static double elapsed(const struct gen *g)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9 - g->t0;
}

/* Prints a progress line for step WHAT at DONE of TOTAL when the last STEP items crossed a
 * tenth of the way (or at the end). */
static void progress(const struct gen *g, const char *what, int done, int step, int total)
{
  if (done == total || (int64_t)done * 10 / total > (int64_t)(done - step) * 10 / total)
    fprintf(stderr, "  %-28s %8d / %-8d %6.1f s\n", what, done, total, elapsed(g));
}

/* A random element of the array NAME in the word list's "slots" (or top level). */
static const char *pick(struct gen *g, json_t *arr)
{
  size_t n = json_array_size(arr);
  return n ? json_string_value(json_array_get(arr, rnd(g) % n)) : "";
}

/* Appends N bytes of P to the report text (silently cut at TEXT_CAP). */
static void put(struct gen *g, const char *p, size_t n)
{
  if (g->len + n >= TEXT_CAP) n = TEXT_CAP - 1 - g->len;
  memcpy(g->text + g->len, p, n);
  g->len += n;
  g->text[g->len] = 0;
}

/* Appends template T with its {placeholders} filled for unit U. */
static void fill(struct gen *g, const char *t, int u)
{
  json_t *slots = json_object_get(g->words, "slots");
  char num[32];
  while (*t) {
    const char *open = strchr(t, '{');
    if (!open) {
      put(g, t, strlen(t));
      return;
    }
    put(g, t, (size_t)(open - t));
    const char *close = strchr(open, '}');
    if (!close) {
      put(g, open, strlen(open));
      return;
    }
    char name[24];
    snprintf(name, sizeof name, "%.*s", (int)(close - open - 1), open + 1);
    if (!strcmp(name, "unit"))
      put(g, g->unit_names[u], strlen(g->unit_names[u]));
    else if (!strcmp(name, "year") || !strcmp(name, "next")) {
      snprintf(num, sizeof num, "%d", DEMO_SCALE_YEAR + (name[0] == 'n'));
      put(g, num, strlen(num));
    } else if (!strcmp(name, "n") || !strcmp(name, "m") || !strcmp(name, "pct")) {
      if (name[0] == 'p')
        snprintf(num, sizeof num, "%d.%d", rnd_in(g, 85, 99), rnd_in(g, 0, 9));
      else
        snprintf(num, sizeof num, "%d", name[0] == 'n' ? rnd_in(g, 2, 60) : rnd_in(g, 100, 6000));
      put(g, num, strlen(num));
    } else {
      const char *w = pick(g, json_object_get(slots, name));
      put(g, w, strlen(w));
    }
    t = close + 1;
  }
}

/* A paragraph of 3–6 sentences of PART for unit U, then a line break. */
static void paragraph(struct gen *g, json_t *part, int u)
{
  json_t *s = json_object_get(part, "sentences");
  for (int k = rnd_in(g, 3, 6); k > 0; k--) fill(g, pick(g, s), u);
  put(g, "\n", 1);
}

/* The report text of unit U into g->text: title, opening, the five parts (the first grows
 * until the report reaches its drawn length), signature and date. */
static void make_report(struct gen *g, int u)
{
  json_t *parts = json_object_get(g->words, "parts");
  size_t target = REPORT_MIN + (size_t)(rnd(g) % REPORT_SPAN);
  g->len = 0;
  fill(g, "{unit}{year}年法治政府建设年度报告\n", u);
  fill(g, pick(g, json_object_get(g->words, "opening")), u);
  put(g, "\n", 1);
  for (size_t p = 0; p < json_array_size(parts); p++) {
    json_t *part = json_array_get(parts, p);
    fill(g, pick(g, json_object_get(part, "headings")), u);
    put(g, "\n", 1);
    json_t *subs = json_object_get(part, "subheadings");
    if (p == 0) {
      size_t room = target - 2000; /* the other parts add 2-4 KB */
      for (size_t k = 0; g->len < room; k++) {
        if (k % 3 == 0 && k / 3 < json_array_size(subs)) {
          const char *h = json_string_value(json_array_get(subs, k / 3));
          put(g, h, strlen(h));
          put(g, "\n", 1);
        }
        paragraph(g, part, u);
      }
    } else {
      for (int k = rnd_in(g, 1, 3); k > 0; k--) paragraph(g, part, u);
    }
  }
  fill(g, "{unit}\n{next}年1月", u);
  char day[16];
  snprintf(day, sizeof day, "%d日\n", rnd_in(g, 5, 28));
  put(g, day, strlen(day));
}

/* The kinds bit mask of an indicator's applies_to column (JSON array or NULL). */
static unsigned kind_mask(const char *applies_to)
{
  if (!applies_to || !*applies_to) return ~0u;
  json_t *a = json_loads(applies_to, 0, NULL);
  unsigned m = json_is_array(a) ? 0 : ~0u;
  size_t i;
  json_t *k;
  json_array_foreach(a, i, k)
  {
    for (size_t j = 0; j < sizeof kinds / sizeof kinds[0]; j++)
      if (json_is_string(k) && !strcmp(json_string_value(k), kinds[j])) m |= 1u << j;
  }
  json_decref(a);
  return m;
}

/* Inserts the built-in rubric and reads its leaves and special items into G. */
static int make_rubric(struct gen *g, int64_t now)
{
  const struct embedded_file *f =
      embedded_find(res_files, res_files_count, "/demo/rubric-default.json");
  json_t *rb = f ? json_loadb((const char *)f->data, f->len, 0, NULL) : NULL;
  const char *field = NULL, *problem = NULL;
  int rc = rb ? rubric_validate(g->db, rb, &field, &problem) : E_INTERNAL;
  if (!rc) rc = rubric_insert(g->db, rb, 0, 0, now, &g->rubric_id);
  g->step = json_number_value(json_object_get(json_object_get(rb, "rules"), "score_step"));
  if (g->step <= 0) g->step = 0.5;
  json_decref(rb);
  if (rc) {
    log_error("scale rubric: %s %s", field ? field : "", problem ? problem : "");
    return rc;
  }
  db_stmt *st = db_prepare(g->db, "SELECT id, kind, max_points, applies_to FROM indicator WHERE "
                                  "rubric_id = :r AND kind <> 'area' ORDER BY id");
  if (!st || (rc = db_bind_int(st, ":r", g->rubric_id))) return st ? rc : E_DB;
  g->leaves = calloc(256, sizeof *g->leaves);
  if (!g->leaves) {
    db_reset(st);
    return E_NOMEM;
  }
  while ((rc = db_step(st)) == DB_ROW) {
    const char *kind = db_col_text(st, 1);
    int64_t id = db_col_int(st, 0);
    if (!strcmp(kind, "item") && g->nleaf < 256)
      g->leaves[g->nleaf++] = (struct leaf){
          id, db_col_double(st, 2), kind_mask(db_col_is_null(st, 3) ? NULL : db_col_text(st, 3))};
    else if (!strcmp(kind, "bonus") && g->nbonus < 8)
      g->bonus[g->nbonus++] = id;
    else if (!strcmp(kind, "deduction") && g->ndeduction < 16)
      g->deduction[g->ndeduction++] = id;
    else if (!strcmp(kind, "veto") && g->nveto < 8)
      g->veto[g->nveto++] = id;
  }
  db_reset(st);
  return rc == DB_DONE ? E_OK : rc;
}

/* Names and kinds of the N units: counties of PER_COUNTY units named after the word list's
 * places (city + county), and a random quality per unit. */
static void plan_units(struct gen *g)
{
  json_t *places = json_object_get(g->words, "places"),
         *depts = json_object_get(g->words, "departments");
  size_t np = json_array_size(places), nd = json_array_size(depts);
  int towns = (int)json_integer_value(json_object_get(g->words, "towns_per_county"));
  for (int i = 0; i < g->n; i++) {
    int county = i / PER_COUNTY, k = i % PER_COUNTY;
    const char *city = json_string_value(json_array_get(places, (size_t)(county / (int)np) % np));
    const char *cty = json_string_value(json_array_get(places, (size_t)county % np));
    const char *suffix = county / (int)np % 2 ? "区" : "县";
    char where[64];
    snprintf(where, sizeof where, "%s市%s%s", city, cty, suffix);
    snprintf(g->unit_codes[i], sizeof g->unit_codes[i], "G%06d", i + 1);
    if (k == 0) {
      g->unit_kind[i] = 0;
      snprintf(g->unit_names[i], sizeof g->unit_names[i], "%s人民政府", where);
    } else if (k <= (int)nd) {
      g->unit_kind[i] = 1;
      snprintf(g->unit_names[i], sizeof g->unit_names[i], "%s%s", where,
               json_string_value(json_array_get(depts, (size_t)k - 1)));
    } else {
      int t = k - (int)nd - 1; /* 0.. towns-1 are towns, then streets */
      const char *p = json_string_value(json_array_get(places, (size_t)(county + 7 * t + 3) % np));
      g->unit_kind[i] = t < towns ? 2 : 3;
      snprintf(g->unit_names[i], sizeof g->unit_names[i], "%s%s%s%s", where, p,
               t < towns ? "" : "路", t < towns ? "镇人民政府" : "街道办事处");
    }
    /* quality: mean of three uniforms, mostly 0.65..0.95 */
    g->quality[i] = (float)(0.55 + 0.42 * (rnd01(g) + rnd01(g) + rnd01(g)) / 3);
  }
}

/* Inserts the units (with their unit accounts) and both cycles' membership. */
static int make_units(struct gen *g, const char *hash, int64_t now)
{
  int rc = E_OK;
  for (int i = 0; i < g->n && !rc; i++) {
    if (i % BATCH == 0 && (rc = db_begin(g->db))) break;
    int k = i % PER_COUNTY;
    db_stmt *st = db_prepare(g->db, "INSERT INTO unit (code, name, kind, parent_id, created_at, "
                                    "updated_at) VALUES (:code, :name, :kind, :p, :now, :now)");
    if (!st) rc = E_DB;
    if (!rc && !(rc = db_bind_text(st, ":code", g->unit_codes[i])) &&
        !(rc = db_bind_text(st, ":name", g->unit_names[i])) &&
        !(rc = db_bind_text(st, ":kind", kinds[g->unit_kind[i]])) &&
        !(rc = k ? db_bind_int(st, ":p", g->unit_ids[i - k]) : db_bind_null(st, ":p")) &&
        !(rc = db_bind_int(st, ":now", now)) && !(rc = db_run(st)))
      g->unit_ids[i] = db_last_id(g->db);
    for (int c = 0; c < 2 && !rc; c++) {
      st = db_prepare(g->db, "INSERT INTO cycle_unit (cycle_id, unit_id) VALUES (:c, :u)");
      if (!st) rc = E_DB;
      if (!rc && !(rc = db_bind_int(st, ":c", g->cycles[c])) &&
          !(rc = db_bind_int(st, ":u", g->unit_ids[i])))
        rc = db_run(st);
    }
    char login[32];
    int64_t id;
    const char *field = NULL, *problem = NULL;
    snprintf(login, sizeof login, "unit-%s", g->unit_codes[i]);
    if (!rc)
      rc = user_create(g->db, login, g->unit_names[i], "unit", g->unit_codes[i], hash, 0, 0,
                       "system", "", &id, &field, &problem);
    if (rc) {
      log_error("scale unit %s: %s %s", g->unit_codes[i], field ? field : "",
                problem ? problem : "");
      db_rollback(g->db);
      break;
    }
    if ((i + 1) % BATCH == 0 || i + 1 == g->n) {
      if ((rc = db_commit(g->db))) break;
      progress(g, "units and unit accounts", i + 1, BATCH, g->n);
    }
  }
  return rc;
}

/* Inserts the admin, the reviewers and the load-test reviewer, in one transaction. */
static int make_people(struct gen *g, const char *hash)
{
  static const char *const family[] = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴",
                                       "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马", "罗"};
  static const char *const given[] = {"伟", "芳", "娜", "敏", "静", "丽", "强", "磊",   "军", "洋",
                                      "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "华", "平"};
  const char *field = NULL, *problem = NULL;
  int rc = db_begin(g->db);
  if (!rc)
    rc = user_create(g->db, "admin", "考核办公室", "admin", NULL, hash, 0, 0, "system", "",
                     &g->admin_id, &field, &problem);
  if (!rc)
    rc = user_create(g->db, "bench", "压测评审员", "reviewer", NULL, hash, 0, 0, "system", "",
                     &g->bench_id, &field, &problem);
  for (int r = 0; r < g->reviewers && !rc; r++) {
    char login[16], name[32];
    snprintf(login, sizeof login, "rv%05d", r + 1);
    snprintf(name, sizeof name, "%s%s", family[r % 20], given[(r / 20 + r * 7) % 20]);
    rc = user_create(g->db, login, name, "reviewer", NULL, hash, 0, 0, "system", "",
                     &g->reviewer_ids[r], &field, &problem);
    /* leniency: a reviewer's own bias, -0.08..0.08 */
    g->leniency[r] = (float)(0.16 * rnd01(g) - 0.08);
  }
  if (rc) {
    log_error("scale accounts: %s %s", field ? field : "", problem ? problem : "");
    db_rollback(g->db);
    return rc;
  }
  return db_commit(g->db);
}

/* Inserts cycle YEAR in PHASE with the rubric; its id into *ID. */
static int make_cycle(struct gen *g, int year, const char *phase, int64_t now, int64_t *id)
{
  char title[64];
  snprintf(title, sizeof title, "%d年度法治政府建设考核（全国规模演示）", year);
  struct tm tm = {.tm_year = year + 1 - 1900, .tm_mon = 2, .tm_mday = 31, .tm_hour = 15};
  int64_t sub = (int64_t)timegm(&tm), rev = sub + 60 * (int64_t)DAY;
  db_stmt *st = db_prepare(g->db, "INSERT INTO cycle (year, title, phase, rubric_id, "
                                  "submission_deadline, review_deadline, created_at, updated_at) "
                                  "VALUES (:y, :t, :ph, :r, :s, :rv, :now, :now)");
  int rc = st ? E_OK : E_DB;
  if (!rc && !(rc = db_bind_int(st, ":y", year)) && !(rc = db_bind_text(st, ":t", title)) &&
      !(rc = db_bind_text(st, ":ph", phase)) && !(rc = db_bind_int(st, ":r", g->rubric_id)) &&
      !(rc = db_bind_int(st, ":s", sub)) && !(rc = db_bind_int(st, ":rv", rev)) &&
      !(rc = db_bind_int(st, ":now", now)) && !(rc = db_run(st)))
    *id = db_last_id(g->db);
  return rc;
}

/* Generates, stores, extracts and records the current cycle's report of every unit. */
static int make_reports(struct gen *g)
{
  int64_t deadline = 0;
  db_stmt *st = db_prepare(g->db, "SELECT submission_deadline FROM cycle WHERE id = :c");
  int rc = st ? db_bind_int(st, ":c", g->cycles[1]) : E_DB;
  if (!rc) rc = db_one_int(st, &deadline);
  size_t bytes = 0;
  for (int i = 0; i < g->n && !rc; i++) {
    if (i % BATCH == 0 && (rc = db_begin(g->db))) break;
    make_report(g, i);
    bytes += g->len;
    struct store_file sf;
    struct extract_result x = {0};
    json_t *structure = NULL;
    const char *detail = NULL;
    if (store_begin(g->data_dir, &sf)) {
      rc = E_INTERNAL;
    } else if (store_write(&sf, g->text, g->len)) {
      store_abort(&sf);
      rc = E_INTERNAL;
    } else if ((rc =
                    report_read(&sf, DEMO_SCALE_YEAR, g->unit_names[i], &x, &structure, &detail))) {
      log_error("scale report %s: %s", g->unit_codes[i], detail ? detail : "");
    } else {
      char filename[64];
      snprintf(filename, sizeof filename, "%s法治政府建设年度报告.txt", g->unit_codes[i]);
      struct report_origin o = {.cycle_id = g->cycles[1],
                                .unit_id = g->unit_ids[i],
                                .uploader = 0,
                                .actor = "system",
                                .client = "",
                                .filename = filename,
                                .late = 0,
                                .at = deadline - DAY * (int64_t)rnd_in(g, 1, 30)};
      int version;
      rc = report_keep(g->db, g->data_dir, &sf, &o, &x, structure, &version);
      json_decref(structure);
      extract_free(&x);
    }
    if (rc) {
      db_rollback(g->db);
      break;
    }
    if ((i + 1) % BATCH == 0 || i + 1 == g->n) {
      if ((rc = db_commit(g->db))) break;
      progress(g, "reports (stored, indexed)", i + 1, BATCH, g->n);
    }
  }
  if (!rc)
    fprintf(stderr, "  report text: %.1f MB, %.1f KB per report on average\n", bytes / 1e6,
            g->n ? bytes / 1024.0 / g->n : 0);
  return rc;
}

/* Inserts one score row. */
static int score_row(struct gen *g, int64_t sheet, int64_t indicator, double points, int count,
                     int veto, const char *comment, int64_t at)
{
  db_stmt *st =
      db_prepare(g->db, "INSERT INTO score (assignment_id, indicator_id, points, count, "
                        "veto, comment, updated_at) VALUES (:a, :i, :p, :n, :v, :cm, :t)");
  int rc = st ? E_OK : E_DB;
  if (!rc && !(rc = db_bind_int(st, ":a", sheet)) && !(rc = db_bind_int(st, ":i", indicator)) &&
      !(rc = points >= 0 ? db_bind_double(st, ":p", points) : db_bind_null(st, ":p")) &&
      !(rc = count >= 0 ? db_bind_int(st, ":n", count) : db_bind_null(st, ":n")) &&
      !(rc = db_bind_int(st, ":v", veto)) && !(rc = db_bind_text(st, ":cm", comment)) &&
      !(rc = db_bind_int(st, ":t", at)))
    rc = db_run(st);
  return rc;
}

/* Inserts an assignment of reviewer USER to unit U in CYCLE (submitted or only assigned), and
 * for a submitted one its scores. *ROWS counts the score rows. */
static int make_sheet(struct gen *g, int64_t cycle, int u, int64_t user, int reviewer,
                      int submitted, int64_t at, int64_t *rows)
{
  db_stmt *st = db_prepare(g->db, "INSERT INTO assignment (cycle_id, unit_id, user_id, kind, "
                                  "status, sheet_version, submitted_at, created_at, updated_at) "
                                  "VALUES (:c, :u, :r, 'review', :s, :v, :at, :now, :upd)");
  int rc = st ? E_OK : E_DB;
  if (!rc && !(rc = db_bind_int(st, ":c", cycle)) &&
      !(rc = db_bind_int(st, ":u", g->unit_ids[u])) && !(rc = db_bind_int(st, ":r", user)) &&
      !(rc = db_bind_text(st, ":s", submitted ? "submitted" : "assigned")) &&
      !(rc = db_bind_int(st, ":v", submitted ? 1 : 0)) &&
      !(rc = submitted ? db_bind_int(st, ":at", at) : db_bind_null(st, ":at")) &&
      !(rc = db_bind_int(st, ":now", at - 20 * DAY)) && !(rc = db_bind_int(st, ":upd", at)))
    rc = db_run(st);
  if (rc || !submitted) return rc;
  int64_t sheet = db_last_id(g->db);
  json_t *comments = json_object_get(g->words, "comments");
  unsigned kind = 1u << g->unit_kind[u];
  double base = g->quality[u] + g->leniency[reviewer];
  for (size_t l = 0; l < g->nleaf && !rc; l++) {
    if (!(g->leaves[l].kinds & kind)) continue; /* not applicable to this kind of unit */
    double f = base + 0.2 * rnd01(g) - 0.1, max = g->leaves[l].max;
    f = f < 0 ? 0 : f > 1 ? 1 : f;
    double points = round(f * max / g->step) * g->step;
    if (points > max) points = max;
    rc = score_row(g, sheet, g->leaves[l].id, points, -1, 0, f < 0.6 ? pick(g, comments) : "", at);
    (*rows)++;
  }
  /* bonus claims on good units, deductions on weak ones, vetoes on about one unit in 2,000 */
  for (size_t b = 0; b < g->nbonus && !rc; b++)
    if (g->quality[u] > 0.85 && rnd01(g) < 0.15) {
      rc = score_row(g, sheet, g->bonus[b], -1, 1, 0, "", at);
      (*rows)++;
    }
  for (size_t d = 0; d < g->ndeduction && !rc; d++)
    if (g->quality[u] < 0.7 && rnd01(g) < 0.08) {
      rc = score_row(g, sheet, g->deduction[d], -1, 1, 0, "", at);
      (*rows)++;
    }
  if (!rc && g->nveto && (uint32_t)(g->unit_ids[u] * 2654435761u) % 2000 == 0) {
    rc = score_row(g, sheet, g->veto[0], -1, -1, 1, "", at);
    (*rows)++;
  }
  return rc;
}

/* The sheets of cycle C (0 history, 1 current): SHEETS_PER reviewers per unit, round robin
 * (unit i gets reviewers 3i, 3i+1, 3i+2 modulo the number, shifted by one in the history), all
 * submitted; in the current cycle also bench's empty sheets on the first BENCH_UNITS units. */
static int make_sheets(struct gen *g, int c, int64_t *rows)
{
  int64_t cycle = g->cycles[c], deadline = 0;
  db_stmt *st = db_prepare(g->db, "SELECT review_deadline FROM cycle WHERE id = :c");
  int rc = st ? db_bind_int(st, ":c", cycle) : E_DB;
  if (!rc) rc = db_one_int(st, &deadline);
  for (int i = 0; i < g->n && !rc; i++) {
    if (i % (BATCH * 4) == 0 && (rc = db_begin(g->db))) break;
    for (int k = 0; k < SHEETS_PER && !rc; k++) {
      int r = (int)(((int64_t)SHEETS_PER * i + k + c) % g->reviewers);
      rc = make_sheet(g, cycle, i, g->reviewer_ids[r], r, 1,
                      deadline - DAY * (int64_t)rnd_in(g, 1, 40), rows);
    }
    if (!rc && c == 1 && i < BENCH_UNITS)
      rc = make_sheet(g, cycle, i, g->bench_id, 0, 0, deadline - 30 * DAY, rows);
    if (rc) {
      db_rollback(g->db);
      break;
    }
    if ((i + 1) % (BATCH * 4) == 0 || i + 1 == g->n) {
      if ((rc = db_commit(g->db))) break;
      progress(g, c ? "current cycle: sheets" : "history cycle: sheets", i + 1, BATCH * 4, g->n);
    }
  }
  return rc;
}

/* Refuses a database that already holds units. */
static int empty_db(struct db *db)
{
  int64_t units = 0;
  db_stmt *st = db_prepare(db, "SELECT count(*) FROM unit");
  int rc = st ? db_one_int(st, &units) : E_DB;
  if (!rc && units) {
    fprintf(stderr, "kaoping: the data dir already holds %lld units; --scale needs an empty one\n",
            (long long)units);
    return E_CONFLICT;
  }
  return rc;
}

int demo_scale(const char *data_dir, int n, uint64_t seed)
{
  struct gen g = {
      .db = db_thread(), .data_dir = data_dir, .rng = seed * 0x9E3779B97F4A7C15ULL | 1, .n = n};
  g.t0 = elapsed(&g);
  if (!g.db) return E_DB;
  if (n < 1 || n > DEMO_SCALE_MAX) return E_VALIDATION;
  int rc = empty_db(g.db);
  if (rc) return rc;
  const struct embedded_file *wf =
      embedded_find(res_files, res_files_count, "/demo/scale_text.json");
  g.words = wf ? json_loadb((const char *)wf->data, wf->len, 0, NULL) : NULL;
  g.reviewers = (n + 9) / 10 < SHEETS_PER + 1 ? SHEETS_PER + 1 : (n + 9) / 10;
  g.unit_ids = calloc((size_t)n, sizeof *g.unit_ids);
  g.unit_codes = calloc((size_t)n, sizeof *g.unit_codes);
  g.unit_names = calloc((size_t)n, sizeof *g.unit_names);
  g.unit_kind = calloc((size_t)n, 1);
  g.quality = calloc((size_t)n, sizeof *g.quality);
  g.reviewer_ids = calloc((size_t)g.reviewers, sizeof *g.reviewer_ids);
  g.leniency = calloc((size_t)g.reviewers, sizeof *g.leniency);
  g.text = malloc(TEXT_CAP);
  char hash[CRYPTO_PWHASH_STR];
  int64_t now = (int64_t)time(NULL), rows = 0;
  if (!g.words || !g.unit_ids || !g.unit_codes || !g.unit_names || !g.unit_kind || !g.quality ||
      !g.reviewer_ids || !g.leniency || !g.text) {
    rc = E_NOMEM;
    goto done;
  }
  if (crypto_password_hash(DEMO_SCALE_PASSWORD, hash)) {
    rc = E_INTERNAL;
    goto done;
  }
  fprintf(stderr, "kaoping demo --scale %d: generating (seed %llu)\n", n, (unsigned long long)seed);
  plan_units(&g);
  if ((rc = db_begin(g.db))) goto done;
  if ((rc = make_rubric(&g, now)) ||
      (rc = make_cycle(&g, DEMO_SCALE_YEAR - 1, "closed", now, &g.cycles[0])) ||
      (rc = make_cycle(&g, DEMO_SCALE_YEAR, "review", now, &g.cycles[1]))) {
    db_rollback(g.db);
    goto done;
  }
  if ((rc = db_commit(g.db)) || (rc = make_people(&g, hash)) || (rc = make_units(&g, hash, now)) ||
      (rc = make_reports(&g)) || (rc = make_sheets(&g, 0, &rows)) ||
      (rc = make_sheets(&g, 1, &rows)))
    goto done;
  char detail[160];
  snprintf(detail, sizeof detail,
           "{\"units\":%d,\"reviewers\":%d,\"score_rows\":%lld,\"seed\":%llu}", n, g.reviewers,
           (long long)rows, (unsigned long long)seed);
  if ((rc = db_begin(g.db))) goto done;
  if ((rc = audit_write(g.db, 0, "system", "demo.scale", "", detail, ""))) {
    db_rollback(g.db);
    goto done;
  }
  if ((rc = db_commit(g.db))) goto done;
  printf("scale data: %d units, %d reviewers, %lld score rows, cycles %lld (%d, closed) and %lld "
         "(%d, review), %.1f s\n",
         n, g.reviewers, (long long)rows, (long long)g.cycles[0], DEMO_SCALE_YEAR - 1,
         (long long)g.cycles[1], DEMO_SCALE_YEAR, elapsed(&g));
  printf("logins (password for every account: %s): admin (office), rv00001 … rv%05d "
         "(reviewers), bench (load-test reviewer), unit-G000001 … (units)\n",
         DEMO_SCALE_PASSWORD, g.reviewers);
  fflush(stdout);
done:
  if (rc) log_error("scale data generation stopped (error %d)", rc);
  json_decref(g.words);
  free(g.unit_ids);
  free(g.unit_codes);
  free(g.unit_names);
  free(g.unit_kind);
  free(g.quality);
  free(g.reviewer_ids);
  free(g.leniency);
  free(g.leaves);
  free(g.text);
  return rc;
}
