/*
 * unit_assign.c - the automatic assignment (server/assign.c): hand-made cases for each rule
 * and each reason a unit is left short, then a seeded property test over thousands of random
 * instances (sizes, kinds, own units, conflicts, panels, caps, existing and recused
 * assignments) checking that no new pair breaks a rule, that no reviewer passes the cap and
 * no unit passes K, that a unit is short only when every eligible reviewer not on it is at the
 * cap, that the number of new pairs is the maximum possible (an independent max-flow on the
 * same instance), that loads are balanced within 1 without constraints, and that the same
 * seed gives the same output.
 */
#include "assign.h"
#include "err.h"
#include "testutil.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a small deterministic generator for the instances (xorshift64*) ---- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 0x2545f4914f6cdd1dULL;
}

/* A uniform integer in 0 .. N-1 (N > 0). */
static int below(int n)
{
  return (int)(rnd() % (uint64_t)n);
}

/* ---- instances ---- */

#define MAXU 40
#define MAXR 16
#define MAXP 4
#define MAXK 4

struct inst {
  struct assign_unit units[MAXU];
  int64_t taken[MAXU][MAXR];
  unsigned char recused[MAXU][MAXR]; /* taken[u][i] is recused */
  struct assign_reviewer revs[MAXR];
  struct assign_conflict conf[MAXU * MAXR];
  struct assign_panel panels[MAXP];
  int64_t panel_revs[MAXP][MAXR];
  int panel_kinds[MAXP][MAXK];
  struct assign_input in;
};

/* Unit ids are 100 + index, reviewer ids 1000 + index, so an index never passes for an id. */
static int64_t uid(int u)
{
  return 100 + u;
}
static int64_t rid(int r)
{
  return 1000 + r;
}

static void inst_init(struct inst *t, int nu, int nr, int nkinds, int k, int cap, uint64_t seed)
{
  memset(t, 0, sizeof *t);
  for (int u = 0; u < nu; u++) {
    t->units[u].id = uid(u);
    t->units[u].taken = t->taken[u];
  }
  for (int r = 0; r < nr; r++) t->revs[r].id = rid(r);
  t->in = (struct assign_input){.units = t->units,
                                .nunits = (size_t)nu,
                                .reviewers = t->revs,
                                .nreviewers = (size_t)nr,
                                .conflicts = t->conf,
                                .panels = t->panels,
                                .nkinds = nkinds,
                                .k = k,
                                .cap = cap,
                                .seed = seed};
}

/* Puts reviewer R on unit U before the run (RECUSED: not counted). */
static void take(struct inst *t, int u, int r, int recused)
{
  struct assign_unit *un = &t->units[u];
  t->recused[u][un->ntaken] = (unsigned char)recused;
  t->taken[u][un->ntaken++] = rid(r);
  if (!recused) {
    un->active++;
    t->revs[r].load++;
  }
}

static void conflict(struct inst *t, int r, int u)
{
  t->conf[t->in.nconflicts++] = (struct assign_conflict){rid(r), uid(u)};
}

/* Adds a panel of the reviewers in RMASK and the kinds in KMASK. */
static void panel(struct inst *t, unsigned rmask, unsigned kmask)
{
  size_t p = t->in.npanels++;
  struct assign_panel *pn = &t->panels[p];
  pn->reviewers = t->panel_revs[p];
  pn->kinds = t->panel_kinds[p];
  for (int r = 0; r < MAXR; r++)
    if (rmask >> r & 1) t->panel_revs[p][pn->nreviewers++] = rid(r);
  for (int k = 0; k < MAXK; k++)
    if (kmask >> k & 1) t->panel_kinds[p][pn->nkinds++] = k;
}

/* May reviewer R get unit U under T's rules (ignoring loads)? */
static int allowed(const struct inst *t, int u, int r)
{
  const struct assign_unit *un = &t->units[u];
  if (t->revs[r].own_unit == un->id) return 0;
  for (size_t i = 0; i < t->in.nconflicts; i++)
    if (t->conf[i].reviewer == rid(r) && t->conf[i].unit == un->id) return 0;
  for (size_t i = 0; i < un->ntaken; i++)
    if (un->taken[i] == rid(r)) return 0;
  if (!t->in.npanels) return 1;
  for (size_t p = 0; p < t->in.npanels; p++) {
    int has_r = 0, has_k = 0;
    for (size_t i = 0; i < t->panels[p].nreviewers; i++)
      has_r |= t->panels[p].reviewers[i] == rid(r);
    for (size_t i = 0; i < t->panels[p].nkinds; i++) has_k |= t->panels[p].kinds[i] == un->kind;
    if (has_r && has_k) return 1;
  }
  return 0;
}

/* ---- the reference: maximum flow source -> unit (K - active) -> reviewer (eligible, 1) ->
 * sink (cap - load, or unbounded), by Edmonds-Karp on a dense matrix ---- */

#define NODES (MAXU + MAXR + 2)

static int max_flow(const struct inst *t)
{
  static int c[NODES][NODES];
  int nu = (int)t->in.nunits, nr = (int)t->in.nreviewers, s = nu + nr, z = s + 1, n = z + 1;
  memset(c, 0, sizeof c);
  for (int u = 0; u < nu; u++) {
    int need = t->in.k - t->units[u].active;
    c[s][u] = need > 0 ? need : 0;
    for (int r = 0; r < nr; r++) c[u][nu + r] = allowed(t, u, r);
  }
  for (int r = 0; r < nr; r++) {
    int room = t->in.cap ? t->in.cap - t->revs[r].load : MAXU;
    c[nu + r][z] = room > 0 ? room : 0;
  }
  int flow = 0;
  for (;;) {
    int prev[NODES], q[NODES], qh = 0, qt = 0;
    for (int i = 0; i < n; i++) prev[i] = -1;
    prev[s] = s;
    q[qt++] = s;
    while (qh < qt && prev[z] < 0) {
      int x = q[qh++];
      for (int y = 0; y < n; y++)
        if (prev[y] < 0 && c[x][y] > 0) {
          prev[y] = x;
          q[qt++] = y;
        }
    }
    if (prev[z] < 0) return flow;
    for (int y = z; y != s; y = prev[y]) {
      c[prev[y]][y]--;
      c[y][prev[y]]++;
    }
    flow++;
  }
}

/* ---- checking one output ---- */

/* Checks RES against T's rules; returns a description of the first violation or NULL. */
static const char *violation(const struct inst *t, const struct assign_result *res)
{
  static char why[200];
  int nu = (int)t->in.nunits, nr = (int)t->in.nreviewers, cap = t->in.cap, k = t->in.k;
  int gotu[MAXU] = {0}, gotr[MAXR] = {0};
  unsigned char pair[MAXU][MAXR] = {{0}};
  for (size_t i = 0; i < res->npairs; i++) {
    int u = (int)res->pairs[i].unit, r = (int)res->pairs[i].reviewer;
    if (u < 0 || u >= nu || r < 0 || r >= nr) return "pair out of range";
    if (!allowed(t, u, r)) {
      snprintf(why, sizeof why, "unit %d got reviewer %d against a rule", u, r);
      return why;
    }
    if (pair[u][r]++) return "the same pair twice";
    gotu[u]++;
    gotr[r]++;
  }
  for (int r = 0; r < nr; r++) {
    if (res->load[r] != t->revs[r].load + gotr[r]) return "load after is not load + new pairs";
    if (cap && gotr[r] && res->load[r] > cap) {
      snprintf(why, sizeof why, "reviewer %d above the cap: %d > %d", r, res->load[r], cap);
      return why;
    }
  }
  size_t s = 0;
  for (int u = 0; u < nu; u++) {
    int have = t->units[u].active + gotu[u];
    if (gotu[u] && have > k) return "a unit above K";
    int short_by = have < k ? k - have : 0;
    int listed = s < res->nshorts && (int)res->shorts[s].unit == u;
    if (!!short_by != listed) {
      snprintf(why, sizeof why, "unit %d short by %d but listed %d", u, short_by, listed);
      return why;
    }
    if (!listed) continue;
    if (res->shorts[s].missing != short_by) return "wrong missing count";
    /* Short only when every eligible reviewer not on it is at the cap. */
    int any = 0, panel_kind = !t->in.npanels;
    for (size_t p = 0; p < t->in.npanels; p++)
      for (size_t i = 0; i < t->panels[p].nkinds; i++)
        panel_kind |= t->panels[p].kinds[i] == t->units[u].kind;
    for (int r = 0; r < nr; r++) {
      if (!allowed(t, u, r) || pair[u][r]) continue;
      any = 1;
      if (!cap || res->load[r] < cap) {
        snprintf(why, sizeof why, "unit %d short while reviewer %d has room", u, r);
        return why;
      }
    }
    enum assign_reason want = !panel_kind ? ASSIGN_SHORT_PANEL
                              : any       ? ASSIGN_SHORT_CAP
                                          : ASSIGN_SHORT_FEW;
    if (res->shorts[s].why != want) return "wrong reason";
    s++;
  }
  if (s != res->nshorts) return "shorts not in unit order";
  return NULL;
}

static int same_result(const struct assign_result *a, const struct assign_result *b, size_t nr)
{
  return a->npairs == b->npairs && a->nshorts == b->nshorts &&
         !memcmp(a->pairs, b->pairs, a->npairs * sizeof *a->pairs) &&
         !memcmp(a->shorts, b->shorts, a->nshorts * sizeof *a->shorts) &&
         !memcmp(a->load, b->load, nr * sizeof *a->load);
}

static void run_ok(struct inst *t, struct assign_result *res)
{
  ck_assert_int_eq(assign_run(&t->in, res), E_OK);
  const char *v = violation(t, res);
  ck_assert_msg(v == NULL, "%s", v ? v : "");
}

/* ---- hand-made cases ---- */

START_TEST(basic_rules)
{
  static struct inst t;
  struct assign_result res;
  /* 3 units, 3 reviewers, K = 2: reviewer 0 belongs to unit 0, reviewer 1 declared a conflict
   * with unit 1, reviewer 2 recused from unit 2. */
  inst_init(&t, 3, 3, 1, 2, 0, 7);
  t.revs[0].own_unit = uid(0);
  conflict(&t, 1, 1);
  take(&t, 2, 2, 1);
  run_ok(&t, &res);
  /* Every unit still finds its two among the others (the recused sheet does not count). */
  ck_assert_uint_eq(res.npairs, 6);
  ck_assert_uint_eq(res.nshorts, 0);
  for (size_t i = 0; i < res.npairs; i++) {
    size_t u = res.pairs[i].unit, r = res.pairs[i].reviewer;
    ck_assert(!(u == 0 && r == 0) && !(u == 1 && r == 1) && !(u == 2 && r == 2));
  }
  assign_result_free(&res);
  /* With K = 3 each of them is one short, for want of eligible reviewers. */
  t.in.k = 3;
  run_ok(&t, &res);
  ck_assert_uint_eq(res.nshorts, 3);
  for (size_t i = 0; i < 3; i++) ck_assert_int_eq(res.shorts[i].why, ASSIGN_SHORT_FEW);
  assign_result_free(&res);
  /* Nothing in, nothing out. */
  inst_init(&t, 0, 0, 1, 3, 0, 1);
  run_ok(&t, &res);
  ck_assert_uint_eq(res.npairs + res.nshorts, 0);
  assign_result_free(&res);
  /* Malformed input. */
  inst_init(&t, 1, 1, 1, 0, 0, 1);
  ck_assert_int_eq(assign_run(&t.in, &res), E_VALIDATION);
  inst_init(&t, 1, 1, 1, ASSIGN_MAX_K + 1, 0, 1);
  ck_assert_int_eq(assign_run(&t.in, &res), E_VALIDATION);
  inst_init(&t, 1, 1, 1, 1, -1, 1);
  ck_assert_int_eq(assign_run(&t.in, &res), E_VALIDATION);
  inst_init(&t, 1, 1, 2, 1, 0, 1);
  t.units[0].kind = 2;
  ck_assert_int_eq(assign_run(&t.in, &res), E_VALIDATION);
}
END_TEST

START_TEST(short_reasons)
{
  static struct inst t;
  struct assign_result res;
  /* K = 3 with 2 reviewers: too few. */
  inst_init(&t, 2, 2, 1, 3, 0, 1);
  run_ok(&t, &res);
  ck_assert_uint_eq(res.nshorts, 2);
  ck_assert_int_eq(res.shorts[0].why, ASSIGN_SHORT_FEW);
  ck_assert_int_eq(res.shorts[0].missing, 1);
  assign_result_free(&res);
  /* Cap 1, 3 units, 2 reviewers, K = 1: one unit short because of the cap. */
  inst_init(&t, 3, 2, 1, 1, 1, 1);
  run_ok(&t, &res);
  ck_assert_uint_eq(res.npairs, 2);
  ck_assert_uint_eq(res.nshorts, 1);
  ck_assert_int_eq(res.shorts[0].why, ASSIGN_SHORT_CAP);
  ck_assert_int_eq(res.load[0], 1);
  ck_assert_int_eq(res.load[1], 1);
  assign_result_free(&res);
  /* Panels: kind 0 by reviewers 0-1, kind 1 by nobody, kind 2 by reviewer 2. */
  inst_init(&t, 3, 3, 3, 1, 0, 1);
  t.units[0].kind = 0;
  t.units[1].kind = 1;
  t.units[2].kind = 2;
  panel(&t, 0x3, 0x1);
  panel(&t, 0x4, 0x4);
  run_ok(&t, &res);
  ck_assert_uint_eq(res.npairs, 2);
  ck_assert_uint_eq(res.nshorts, 1);
  ck_assert_uint_eq(res.shorts[0].unit, 1);
  ck_assert_int_eq(res.shorts[0].why, ASSIGN_SHORT_PANEL);
  ck_assert(res.pairs[0].reviewer <= 1);
  ck_assert_uint_eq(res.pairs[1].reviewer, 2);
  assign_result_free(&res);
}
END_TEST

START_TEST(existing_assignments_and_loads)
{
  static struct inst t;
  struct assign_result res;
  /* K = 2, cap 2. Unit 0 already has reviewers 0 and 1 (full); unit 1 has reviewer 0 active
   * and reviewer 1 recused; reviewer 0 is then at the cap (2). */
  inst_init(&t, 3, 3, 1, 2, 2, 5);
  take(&t, 0, 0, 0);
  take(&t, 0, 1, 0);
  take(&t, 1, 0, 0);
  take(&t, 1, 1, 1);
  run_ok(&t, &res);
  /* Unit 1 needs one: only reviewer 2 (0 is on it, 1 recused). Unit 2 needs two: reviewers
   * 1 and 2 (0 is at the cap). */
  ck_assert_uint_eq(res.npairs, 3);
  ck_assert_uint_eq(res.nshorts, 0);
  ck_assert_int_eq(res.load[0], 2);
  ck_assert_int_eq(res.load[1], 2);
  ck_assert_int_eq(res.load[2], 2);
  assign_result_free(&res);
  /* A unit already above K gets nothing; a reviewer above the cap gets nothing. */
  inst_init(&t, 2, 3, 1, 1, 1, 5);
  take(&t, 0, 0, 0);
  take(&t, 0, 1, 0);
  take(&t, 1, 0, 0);
  run_ok(&t, &res);
  ck_assert_uint_eq(res.npairs, 0);
  assign_result_free(&res);
}
END_TEST

/* The greedy pass alone would leave a unit short here; the order or the repair fills it. Cap
 * 1, K = 1: unit 0 may have reviewers 0 or 1, unit 1 only reviewer 0 (own unit / conflict
 * rule out the rest). Whatever the seed, both are filled. */
START_TEST(scarce_units_first_and_repair)
{
  static struct inst t;
  struct assign_result res;
  for (uint64_t seed = 0; seed < 50; seed++) {
    inst_init(&t, 2, 2, 1, 1, 1, seed);
    t.revs[1].own_unit = uid(1);
    run_ok(&t, &res);
    ck_assert_uint_eq(res.npairs, 2);
    ck_assert_uint_eq(res.nshorts, 0);
    assign_result_free(&res);
  }
  /* A chain the static order cannot solve: K = 1, cap 1; units 0..3; unit u may have
   * reviewers u and u+1 (mod 4) only, and unit 0 may also have reviewer 2. Every unit has the
   * same number of eligible reviewers except unit 0; filling all four needs the repair when
   * the greedy pass happens to take the wrong neighbours. Checked against the max flow. */
  for (uint64_t seed = 0; seed < 200; seed++) {
    inst_init(&t, 4, 4, 1, 1, 1, seed);
    for (int u = 0; u < 4; u++)
      for (int r = 0; r < 4; r++)
        if (r != u && r != (u + 1) % 4 && !(u == 0 && r == 2)) conflict(&t, r, u);
    run_ok(&t, &res);
    ck_assert_int_eq((int)res.npairs, max_flow(&t));
    ck_assert_uint_eq(res.npairs, 4);
    assign_result_free(&res);
  }
}
END_TEST

START_TEST(seeds_change_ties_only)
{
  static struct inst t;
  struct assign_result a, b;
  /* 10 units, 6 reviewers, K = 3: same seed, same output; some other seed, another. */
  inst_init(&t, 10, 6, 1, 3, 0, 42);
  run_ok(&t, &a);
  run_ok(&t, &b);
  ck_assert(same_result(&a, &b, 6));
  assign_result_free(&b);
  int differs = 0;
  for (uint64_t s = 43; s < 60 && !differs; s++) {
    t.in.seed = s;
    run_ok(&t, &b);
    differs = !same_result(&a, &b, 6);
    assign_result_free(&b);
  }
  ck_assert_msg(differs, "the seed never changed the proposal");
  assign_result_free(&a);
}
END_TEST

/* ---- the property test ---- */

/* A random instance for SEED. UNCONSTRAINED: no own units, conflicts, panels, cap or existing
 * assignments. */
static void random_instance(struct inst *t, uint64_t seed, int unconstrained)
{
  rng_state = seed * 0x9e3779b97f4a7c15ULL + 1;
  int nu = below(MAXU + 1), nr = below(MAXR + 1), nkinds = 1 + below(MAXK);
  int k = 1 + below(MAXK), cap = unconstrained || below(3) == 0 ? 0 : 1 + below(8);
  if (unconstrained && k > nr) k = nr ? nr : 1;
  inst_init(t, nu, nr, nkinds, k, cap, rnd());
  for (int u = 0; u < nu; u++) t->units[u].kind = below(nkinds);
  if (unconstrained) return;
  for (int r = 0; r < nr; r++)
    if (nu && below(3) == 0) t->revs[r].own_unit = uid(below(nu));
  int density = below(4); /* 0: none, up to 30% of the pairs */
  for (int u = 0; u < nu; u++)
    for (int r = 0; r < nr; r++)
      if (density && below(100) < density * 10) conflict(t, r, u);
  if (below(3) == 0) { /* existing assignments, some recused, some breaking today's rules */
    for (int u = 0; u < nu; u++)
      for (int r = 0; r < nr; r++)
        if (below(100) < 8) take(t, u, r, below(4) == 0);
    for (int r = 0; r < nr; r++)
      if (below(5) == 0) t->revs[r].load += below(3); /* assignments to units not listed */
  }
  if (below(3) == 0) {
    int np = 1 + below(MAXP);
    for (int p = 0; p < np; p++)
      panel(t, (unsigned)rnd() & ((1u << MAXR) - 1), (unsigned)rnd() & ((1u << nkinds) - 1));
  }
}

START_TEST(property_random_instances)
{
  static struct inst t;
  struct assign_result res, again;
  int nshort = 0, npanel = 0, ncap = 0;
  for (uint64_t seed = 1; seed <= 3000; seed++) {
    random_instance(&t, seed, 0);
    ck_assert_int_eq(assign_run(&t.in, &res), E_OK);
    const char *v = violation(&t, &res);
    ck_assert_msg(v == NULL, "seed %llu: %s", (unsigned long long)seed, v ? v : "");
    int mf = max_flow(&t);
    ck_assert_msg((int)res.npairs == mf, "seed %llu: %zu new pairs, the maximum is %d",
                  (unsigned long long)seed, res.npairs, mf);
    ck_assert_int_eq(res.repair_exhausted, 0);
    ck_assert_int_eq(assign_run(&t.in, &again), E_OK);
    ck_assert_msg(same_result(&res, &again, t.in.nreviewers), "seed %llu: not deterministic",
                  (unsigned long long)seed);
    for (size_t i = 0; i < res.nshorts; i++) {
      nshort++;
      npanel += res.shorts[i].why == ASSIGN_SHORT_PANEL;
      ncap += res.shorts[i].why == ASSIGN_SHORT_CAP;
    }
    assign_result_free(&res);
    assign_result_free(&again);
  }
  /* The generator reaches every kind of shortage. */
  ck_assert_int_gt(npanel, 0);
  ck_assert_int_gt(ncap, 0);
  ck_assert_int_gt(nshort - npanel - ncap, 0);
}
END_TEST

START_TEST(property_balanced_without_constraints)
{
  static struct inst t;
  struct assign_result res;
  for (uint64_t seed = 1; seed <= 2000; seed++) {
    random_instance(&t, seed, 1);
    run_ok(&t, &res);
    if (t.in.nreviewers) {
      int lo = res.load[0], hi = res.load[0];
      for (size_t r = 1; r < t.in.nreviewers; r++) {
        lo = res.load[r] < lo ? res.load[r] : lo;
        hi = res.load[r] > hi ? res.load[r] : hi;
      }
      ck_assert_msg(hi - lo <= 1, "seed %llu: loads from %d to %d", (unsigned long long)seed, lo,
                    hi);
      ck_assert_uint_eq(res.nshorts, 0);
      ck_assert_uint_eq(res.npairs, t.in.nunits * (size_t)t.in.k);
    }
    assign_result_free(&res);
  }
}
END_TEST

/* National scale: 50,000 units, 300 reviewers, K = 3, cap 520 (a little above the 500 the
 * work needs), 2,000 conflicts and own units: must stay well within a request's time. */
START_TEST(national_scale)
{
  size_t nu = 50000, nr = 300;
  struct assign_unit *units = calloc(nu, sizeof *units);
  struct assign_reviewer *revs = calloc(nr, sizeof *revs);
  struct assign_conflict *conf = calloc(2000, sizeof *conf);
  ck_assert(units && revs && conf);
  rng_state = 99;
  for (size_t u = 0; u < nu; u++)
    units[u] = (struct assign_unit){.id = (int64_t)u + 1, .kind = below(8)};
  for (size_t r = 0; r < nr; r++)
    revs[r] = (struct assign_reviewer){.id = 100000 + (int64_t)r,
                                       .own_unit = below(2) ? 1 + below((int)nu) : 0};
  for (size_t i = 0; i < 2000; i++)
    conf[i] = (struct assign_conflict){100000 + below((int)nr), 1 + below((int)nu)};
  struct assign_input in = {.units = units,
                            .nunits = nu,
                            .reviewers = revs,
                            .nreviewers = nr,
                            .conflicts = conf,
                            .nconflicts = 2000,
                            .nkinds = 8,
                            .k = 3,
                            .cap = 520,
                            .seed = 1};
  struct assign_result res;
  ck_assert_int_eq(assign_run(&in, &res), E_OK);
  ck_assert_uint_eq(res.npairs, nu * 3);
  ck_assert_uint_eq(res.nshorts, 0);
  int lo = res.load[0], hi = res.load[0];
  for (size_t r = 1; r < nr; r++) {
    lo = res.load[r] < lo ? res.load[r] : lo;
    hi = res.load[r] > hi ? res.load[r] : hi;
  }
  ck_assert_int_le(hi - lo, 1);
  assign_result_free(&res);
  free(units);
  free(revs);
  free(conf);
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("assign");
  TCase *tc = tcase_create("assign");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, basic_rules);
  tcase_add_test(tc, short_reasons);
  tcase_add_test(tc, existing_assignments_and_loads);
  tcase_add_test(tc, scarce_units_first_and_repair);
  tcase_add_test(tc, seeds_change_ties_only);
  tcase_add_test(tc, property_random_instances);
  tcase_add_test(tc, property_balanced_without_constraints);
  tcase_add_test(tc, national_scale);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return tu_run_suite(suite());
}
