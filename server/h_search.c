/*
 * h_search.c - full-text search (see h_search.h). The index is report_fts with kaoping's
 * Chinese tokenizer (db.c); this file turns what a person typed into a safe FTS5 query.
 */
#include "h_search.h"

#include "config.h"
#include "db.h"
#include "err.h"
#include "utf8.h"

#include <string.h>

static void count_token(const char *tok, int len, int colocated, void *ctx)
{
  (void)tok;
  (void)len;
  (void)colocated;
  ++*(int *)ctx;
}

/* Turns the words of Q into an FTS5 query in which every word is a quoted string (so no
 * character of Q can act as query syntax): 法治 "政府" → "法治" """政府""". Words in which the
 * tokenizer finds nothing to search (punctuation only) are dropped. Returns the query in A, or NULL
 * when nothing searchable is left. */
static char *fts_query(struct arena *a, const char *q)
{
  size_t n = strlen(q);
  char *out = arena_alloc(a, 3 * n + 8), *o = out;
  if (!out) return NULL;
  int words = 0;
  for (const char *p = q; *p;) {
    while (*p == ' ' || *p == '\t' || !strncmp(p, "\xe3\x80\x80", 3)) /* incl. ideographic space */
      p += *p == ' ' || *p == '\t' ? 1 : 3;
    if (!*p) break;
    const char *w = p;
    while (*p && *p != ' ' && *p != '\t' && strncmp(p, "\xe3\x80\x80", 3)) p++;
    /* A word is searchable when the index's own tokenizer finds a token in it. */
    char *word = arena_strndup(a, w, (size_t)(p - w));
    int useful = 0;
    if (!word || db_fts_tokens(word, 1, count_token, &useful) != E_OK) return NULL;
    if (!useful) continue;
    if (words++) *o++ = ' ';
    *o++ = '"';
    for (const char *c = w; c < p; c++) {
      if (*c == '"') *o++ = '"';
      *o++ = *c;
    }
    *o++ = '"';
  }
  *o = 0;
  return words ? out : NULL;
}

/* The snippet S with every occurrence of the words of Q wrapped in U+0002 … U+0003 (ASCII
 * letters compared without case). Any U+0002/U+0003 already in S is dropped first. (The
 * marks are not FTS5's: its highlighter uses only the first token of each position, which
 * cuts the last character off Chinese words.) */
static char *mark_words(struct arena *a, const char *s, const char *q)
{
  size_t n = strlen(s);
  char *plain = arena_alloc(a, n + 1), *out = arena_alloc(a, 3 * n + 1);
  unsigned char *hit = arena_alloc(a, n + 1);
  if (!plain || !out || !hit) return NULL;
  size_t m = 0;
  for (const char *p = s; *p; p++)
    if (*p != 2 && *p != 3) plain[m++] = *p;
  plain[m] = 0;
  for (const char *w = q; *w;) {
    while (*w == ' ' || *w == '\t') w++;
    size_t wl = strcspn(w, " \t");
    if (wl == 0) break;
    for (size_t i = 0; i + wl <= m; i++)
      if (!strncasecmp(plain + i, w, wl)) memset(hit + i, 1, wl);
    w += wl;
  }
  char *o = out;
  for (size_t i = 0; i < m; i++) {
    if (hit[i] && (i == 0 || !hit[i - 1])) *o++ = 2;
    *o++ = plain[i];
    if (hit[i] && (i + 1 == m || !hit[i + 1])) *o++ = 3;
  }
  *o = 0;
  return out;
}

/* The reports the caller may find, with the request's filters: joined to their unit, its kind
 * and the cycle (SEARCH_JOINS), and kept by SEARCH_FILTER. */
#define SEARCH_JOINS                                                                               \
  " JOIN unit u ON u.id = rp.unit_id JOIN unit_kind k ON k.code = u.kind JOIN cycle c ON c.id = "  \
  "rp.cycle_id"
#define SEARCH_FILTER                                                                              \
  "(:cycle = 0 OR rp.cycle_id = :cycle) AND (:kind IS NULL OR u.kind = :kind) AND (:unit IS "      \
  "NULL OR u.code = :unit) AND (:role = 'admin' OR (:role = 'unit' AND u.id = :myunit) OR "        \
  "(:role = 'reviewer' AND u.id <> :myunit AND NOT coalesce(json_extract(c.settings, "             \
  "'$.blind'), 0) AND EXISTS (SELECT 1 FROM assignment a WHERE a.cycle_id = rp.cycle_id AND "      \
  "a.unit_id = u.id AND a.user_id = :me AND a.kind = 'review' AND a.status <> 'recused')))"
/* One match with what a hit shows; only for the page's rows (kp_snippet() in db.c reads the
 * report's text). */
#define SEARCH_FROM                                                                                \
  " FROM report_fts JOIN report rp ON rp.id = report_fts.rowid" SEARCH_JOINS                       \
  " WHERE report_fts MATCH :q AND " SEARCH_FILTER
/* The matches the caller may find, for the ranking and the count: the index alone, with the
 * ids of the reports SEARCH_FILTER keeps as a set read from the report table's indexes, never
 * from its rows, which hold whole texts (joining the report row of every match reads at least
 * one page per match: 50,000 for a common word at national scale). The "+" stops SQLite from
 * looking each id of the set up in the index instead of walking the matches. The set is
 * written per role so that SQLite starts from the few rows that can qualify: a reviewer's
 * assignments (SEARCH_FILTER's EXISTS, repeated as a join), a unit's own reports (its
 * u.id = :myunit, made the join's driving term), every report for the office. */
#define SEARCH_MATCHES(SET)                                                                        \
  " FROM report_fts WHERE report_fts MATCH :q AND +report_fts.rowid IN (SELECT rp.id FROM " SET    \
      SEARCH_JOINS " WHERE " SEARCH_FILTER ")"
#define SET_ADMIN "report rp"
#define SET_UNIT  "report rp JOIN (SELECT 1) ON rp.unit_id = :myunit"
#define SET_REVIEWER                                                                               \
  "assignment a JOIN report rp ON rp.cycle_id = a.cycle_id AND rp.unit_id = a.unit_id AND "        \
  "a.user_id = :me AND a.kind = 'review' AND a.status <> 'recused'"
/* The office without filters may find every indexed report: every row of report_fts is a
 * current report (reports.c indexes a version in the transaction that stores it and removes
 * the one it replaces; reports are never deleted) whose unit, unit kind and cycle exist
 * (foreign keys), so the joins and SEARCH_FILTER would keep every match. */
#define SEARCH_MATCHES_ALL " FROM report_fts WHERE report_fts MATCH :q"

/* The three statements of one way of finding the matches: the number of matches up to :cap,
 * and the page's ids either in rank order (bm25: best first, then id) or newest stored first (id
 * descending: a report version's id grows with every version kaoping stores). Ranking scores
 * every match before it can sort (about 2 µs a match at national scale, 100 ms for a word in
 * all 50,000 reports), and counting walks every match (5 ms for that word), while FTS5 walks
 * a term's matches in id order itself and stops after the page or the cap, so the
 * newest-first page and the capped count cost the same for any number of matches. */
#define COUNTED(M) "SELECT count(*) FROM (SELECT 1" M " LIMIT :cap)"
#define RANKED(M)                                                                                  \
  "SELECT report_fts.rowid AS id" M " ORDER BY bm25(report_fts), id LIMIT :limit OFFSET :offset"
#define RECENT(M) "SELECT report_fts.rowid AS id" M " ORDER BY id DESC LIMIT :limit OFFSET :offset"
enum way { WAY_ALL, WAY_ADMIN, WAY_UNIT, WAY_REVIEWER };
#define WAY(M)                                                                                     \
  {                                                                                                \
    COUNTED(M), RANKED(M), RECENT(M), 1                                                            \
  }
static const struct {
  const char *count, *ranked, *recent;
  int filtered; /* the statements take bind()'s filters, not only :q */
} ways[] = {
    [WAY_ALL] = {COUNTED(SEARCH_MATCHES_ALL), RANKED(SEARCH_MATCHES_ALL),
                 RECENT(SEARCH_MATCHES_ALL), 0},
    [WAY_ADMIN] = WAY(SEARCH_MATCHES(SET_ADMIN)),
    [WAY_UNIT] = WAY(SEARCH_MATCHES(SET_UNIT)),
    [WAY_REVIEWER] = WAY(SEARCH_MATCHES(SET_REVIEWER)),
};

/* Binds the filters shared by the count and the page. */
static int bind(db_stmt *st, struct req *r, const char *fq, int64_t cycle)
{
  const char *role = r->user.role == ROLE_ADMIN  ? "admin"
                     : r->user.role == ROLE_UNIT ? "unit"
                                                 : "reviewer";
  const char *kind = req_query(r, "kind"), *unit = req_query(r, "unit");
  int rc;
  if ((rc = db_bind_text(st, ":q", fq)) || (rc = db_bind_int(st, ":cycle", cycle)) ||
      (rc = db_bind_text(st, ":kind", kind && *kind ? kind : NULL)) ||
      (rc = db_bind_text(st, ":unit", unit && *unit ? unit : NULL)) ||
      (rc = db_bind_text(st, ":role", role)) ||
      (rc = db_bind_int(st, ":myunit", r->user.unit_id)) ||
      (rc = db_bind_int(st, ":me", r->user.id)))
    db_reset(st);
  return rc;
}

int h_search(struct req *r, struct reply *out)
{
  const char *q = req_query(r, "q");
  int64_t cycle, limit, offset, total = 0;
  int rc;
  if (!q || !*q) return reply_invalid(out, "q", "请输入要搜索的词");
  if (!utf8_valid(q, strlen(q))) return E_BAD_UTF8;
  if (utf8_chars(q) > 100) return reply_invalid(out, "q", "搜索词不能超过 100 个字");
  if ((rc = req_query_int(r, out, "cycle", 0, 0, INT64_MAX, &cycle)) ||
      (rc = req_query_int(r, out, "limit", 20, 1, 100, &limit)) ||
      (rc = req_query_int(r, out, "offset", 0, 0, 100000, &offset)))
    return rc;
  char *fq = fts_query(&r->a, q);
  if (!fq) return reply_invalid(out, "q", "搜索词中没有可检索的文字");
  /* The number of matches first, counted up to one more than the larger of --search-rank-max
   * and the page's end: it decides the page's order (by relevance up to search-rank-max
   * matches, above it newest stored first), and tells whether more than "total" match
   * ("total_capped", so a later page is known to exist). Then the page's ids; then the
   * page's hits with their snippets, one report at a time: SQLite computes every selected
   * column of every match before sorting, so asking for them in the ranking would read every
   * match's text. */
  const char *kind = req_query(r, "kind"), *unit = req_query(r, "unit");
  enum way way = r->user.role == ROLE_UNIT                     ? WAY_UNIT
                 : r->user.role != ROLE_ADMIN                  ? WAY_REVIEWER
                 : cycle || (kind && *kind) || (unit && *unit) ? WAY_ADMIN
                                                               : WAY_ALL;
  const struct config *cfg = config_active();
  int64_t rank_max = cfg ? cfg->search_rank_max : CONFIG_SEARCH_RANK_MAX;
  int64_t bound = rank_max > offset + limit ? rank_max : offset + limit;
  db_stmt *st = db_prepare(r->db, ways[way].count);
  if (!st) return E_DB;
  if ((rc = ways[way].filtered ? bind(st, r, fq, cycle) : db_bind_text(st, ":q", fq)) ||
      (rc = db_bind_int(st, ":cap", bound + 1))) {
    db_reset(st);
    return rc;
  }
  if ((rc = db_one_int(st, &total))) return rc;
  int capped = total > bound, ranked = total <= rank_max;
  if (capped) total = bound;
  int64_t ids[100]; /* limit is at most 100 */
  int n = 0;
  if (offset < total) { /* (a capped total is at least offset + limit) */
    if (!(st = db_prepare(r->db, ranked ? ways[way].ranked : ways[way].recent))) return E_DB;
    if ((rc = ways[way].filtered ? bind(st, r, fq, cycle) : db_bind_text(st, ":q", fq)) ||
        (rc = db_bind_int(st, ":limit", limit)) || (rc = db_bind_int(st, ":offset", offset))) {
      db_reset(st);
      return rc;
    }
    while (n < 100 && (rc = db_step(st)) == DB_ROW) ids[n++] = db_col_int(st, 0);
    db_reset(st);
    if (rc != DB_ROW && rc != DB_DONE) return rc;
  }
  if (!(st = db_prepare(r->db, "SELECT c.id, c.year, c.title, u.code, u.name, k.name, "
                               "rp.version, kp_snippet(report_fts, 40)" SEARCH_FROM
                               " AND report_fts.rowid = :id")))
    return E_DB;
  json_t *arr = json_array();
  rc = arr ? E_OK : E_NOMEM;
  for (int i = 0; i < n && !rc; i++) {
    if ((rc = bind(st, r, fq, cycle)) || (rc = db_bind_int(st, ":id", ids[i]))) {
      db_reset(st);
      break;
    }
    if ((rc = db_step(st)) == DB_ROW) {
      json_t *hit = json_pack("{s:{s:I,s:I,s:s},s:{s:s,s:s,s:s},s:I,s:s}", "cycle", "id",
                              (json_int_t)db_col_int(st, 0), "year", (json_int_t)db_col_int(st, 1),
                              "title", db_col_text(st, 2), "unit", "code", db_col_text(st, 3),
                              "name", db_col_text(st, 4), "kind_name", db_col_text(st, 5),
                              "version", (json_int_t)db_col_int(st, 6), "snippet",
                              mark_words(&r->a, db_col_text(st, 7), q) ?: db_col_text(st, 7));
      rc = json_array_append_new(arr, hit) ? E_NOMEM : E_OK;
    } else if (rc == DB_DONE) {
      rc = E_OK; /* replaced by a new version since the ranking: left out */
    }
    db_reset(st);
  }
  if (rc) {
    json_decref(arr);
    return rc;
  }
  return reply_json(out, 200,
                    json_pack("{s:o,s:I,s:b,s:s}", "results", arr, "total", (json_int_t)total,
                              "total_capped", capped, "order", ranked ? "relevance" : "recent"));
}
