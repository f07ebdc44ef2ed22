/*
 * assign.c - automatic assignment of reviewers to units (see assign.h): a greedy pass, least
 * loaded first, over the units with the fewest eligible reviewers first, then a repair of the
 * units left short by augmenting paths, as in a maximum flow from units (demand K - active)
 * through eligible pairs to reviewers (capacity CAP - load).
 */
#include "assign.h"

#include "err.h"

#include <stdlib.h>
#include <string.h>

/* Work allowed to the repair, counted in reviewers looked at: a few hundred milliseconds. */
#define REPAIR_BUDGET 60000000LL

/* splitmix64's finaliser: a well-mixed 64-bit hash of X. */
static uint64_t mix64(uint64_t x)
{
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/* The seeded tie-break key of (A, B): ids, so the order of the input does not matter. */
static uint64_t tie(uint64_t seed, int64_t a, int64_t b)
{
  return mix64(mix64(seed ^ mix64((uint64_t)a)) ^ (uint64_t)b);
}

/* A growable list of unit indexes (the units a reviewer got in this run). */
struct list {
  size_t *v, n, cap;
};

/* Working state of one run. */
struct run {
  const struct assign_input *in;
  size_t U, R;
  int64_t *conf; /* conflicts as sorted (reviewer, unit) pairs, 2 per entry */
  size_t nconf;
  unsigned char *kind_ok;  /* R x nkinds, 1 = some panel lists both; NULL = no panels */
  unsigned char *kind_any; /* nkinds, 1 = some panel lists the kind; NULL = no panels */
  int *need;               /* per unit: K - active, at least 0 */
  size_t *off;             /* per unit: start of its slots in newr */
  size_t *newr;            /* reviewers given in this run, need[u] slots from off[u] */
  int *nnew;               /* per unit: slots used */
  int *load;               /* per reviewer: current load */
  struct list *got;        /* per reviewer: units given in this run */
};

static int cmp_pair(const void *a, const void *b)
{
  const int64_t *x = a, *y = b;
  if (x[0] != y[0]) return x[0] < y[0] ? -1 : 1;
  return x[1] < y[1] ? -1 : x[1] > y[1];
}

static int conflicted(const struct run *w, int64_t reviewer, int64_t unit)
{
  int64_t key[2] = {reviewer, unit};
  return w->nconf && bsearch(key, w->conf, w->nconf, 2 * sizeof(int64_t), cmp_pair) != NULL;
}

/* May reviewer R get unit U (ignoring the cap)? */
static int eligible(const struct run *w, size_t u, size_t r)
{
  const struct assign_unit *un = &w->in->units[u];
  const struct assign_reviewer *rv = &w->in->reviewers[r];
  if (w->kind_ok && !w->kind_ok[r * (size_t)w->in->nkinds + (size_t)un->kind]) return 0;
  if (rv->own_unit && rv->own_unit == un->id) return 0;
  for (int i = 0; i < w->nnew[u]; i++)
    if (w->newr[w->off[u] + (size_t)i] == r) return 0;
  for (size_t i = 0; i < un->ntaken; i++)
    if (un->taken[i] == rv->id) return 0;
  return !conflicted(w, rv->id, un->id);
}

static int has_room(const struct run *w, size_t r)
{
  return !w->in->cap || w->load[r] < w->in->cap;
}

static int list_add(struct list *l, size_t x)
{
  if (l->n == l->cap) {
    size_t cap = l->cap ? 2 * l->cap : 4;
    size_t *v = realloc(l->v, cap * sizeof *v);
    if (!v) return E_NOMEM;
    l->v = v;
    l->cap = cap;
  }
  l->v[l->n++] = x;
  return E_OK;
}

/* Gives reviewer R to unit U in this run (U has a free slot). */
static int give(struct run *w, size_t u, size_t r)
{
  w->newr[w->off[u] + (size_t)w->nnew[u]++] = r;
  w->load[r]++;
  return list_add(&w->got[r], u);
}

/* Index of reviewer id ID among the input's reviewers via the sorted (id, index) pairs, or
 * -1. */
static long reviewer_index(const int64_t *ids, size_t n, int64_t id)
{
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (ids[2 * mid] == id) return (long)ids[2 * mid + 1];
    if (ids[2 * mid] < id)
      lo = mid + 1;
    else
      hi = mid;
  }
  return -1;
}

/* Builds kind_ok and kind_any from the panels. */
static int build_panels(struct run *w)
{
  const struct assign_input *in = w->in;
  size_t nk = (size_t)in->nkinds;
  if (!in->npanels) return E_OK;
  w->kind_ok = calloc(w->R * nk + 1, 1);
  w->kind_any = calloc(nk + 1, 1);
  int64_t *ids = malloc((2 * w->R + 1) * sizeof *ids);
  if (!w->kind_ok || !w->kind_any || !ids) {
    free(ids);
    return E_NOMEM;
  }
  for (size_t r = 0; r < w->R; r++) {
    ids[2 * r] = in->reviewers[r].id;
    ids[2 * r + 1] = (int64_t)r;
  }
  qsort(ids, w->R, 2 * sizeof *ids, cmp_pair);
  for (size_t p = 0; p < in->npanels; p++) {
    const struct assign_panel *pn = &in->panels[p];
    for (size_t j = 0; j < pn->nkinds; j++) {
      int kd = pn->kinds[j];
      if (kd < 0 || kd >= in->nkinds) continue;
      w->kind_any[kd] = 1;
      for (size_t i = 0; i < pn->nreviewers; i++) {
        long r = reviewer_index(ids, w->R, pn->reviewers[i]);
        if (r >= 0) w->kind_ok[(size_t)r * nk + (size_t)kd] = 1;
      }
    }
  }
  free(ids);
  return E_OK;
}

/* Sort key of a unit for the greedy pass. */
struct order {
  size_t unit;
  size_t eligible; /* eligible reviewers with room */
  uint64_t key;    /* seeded tie break */
};

static int cmp_order(const void *a, const void *b)
{
  const struct order *x = a, *y = b;
  if (x->eligible != y->eligible) return x->eligible < y->eligible ? -1 : 1;
  if (x->key != y->key) return x->key < y->key ? -1 : 1;
  return x->unit < y->unit ? -1 : x->unit > y->unit;
}

/* The greedy pass: each unit in ORDER takes the least-loaded eligible reviewers with room. */
static int greedy(struct run *w, const struct order *ord)
{
  const struct assign_input *in = w->in;
  for (size_t i = 0; i < w->U; i++) {
    size_t u = ord[i].unit;
    int64_t uid = in->units[u].id;
    while (w->nnew[u] < w->need[u]) {
      long best = -1;
      int best_load = 0;
      uint64_t best_key = 0;
      for (size_t r = 0; r < w->R; r++) {
        if (!has_room(w, r)) continue;
        if (best >= 0 && w->load[r] > best_load) continue;
        uint64_t key = tie(in->seed, uid, in->reviewers[r].id);
        if (best >= 0 && w->load[r] == best_load && key >= best_key) continue;
        if (!eligible(w, u, r)) continue;
        best = (long)r;
        best_load = w->load[r];
        best_key = key;
      }
      if (best < 0) break;
      int rc = give(w, u, (size_t)best);
      if (rc) return rc;
    }
  }
  return E_OK;
}

/* Moves reviewer R off unit U in this run (R is in U's slots). */
static void take_back(struct run *w, size_t u, size_t r)
{
  size_t *s = &w->newr[w->off[u]];
  int n = w->nnew[u], i = 0;
  while (i < n && s[i] != r) i++;
  if (i == n) return;
  memmove(&s[i], &s[i + 1], (size_t)(n - i - 1) * sizeof *s);
  w->nnew[u]--;
}

/* The repair: for every unit left short, augmenting paths u0 -> r1 -> u1 -> r2 -> ... -> rk
 * where u0 takes r1, which unit u1 (holding r1 from this run) gives up for r2, and so on, to
 * a reviewer rk with room. Units and reviewers seen by a search that found nothing are marked
 * dead: nothing they reach has room, and augmentations elsewhere never change that (a path
 * with room never enters a set closed under these moves), so later searches skip them. */
static int repair(struct run *w, const struct order *ord, int *exhausted)
{
  long long budget = REPAIR_BUDGET;
  int rc = E_OK;
  unsigned *ustamp = calloc(w->U + 1, sizeof *ustamp), *rstamp = calloc(w->R + 1, sizeof *rstamp);
  unsigned char *udead = calloc(w->U + 1, 1), *rdead = calloc(w->R + 1, 1);
  size_t *pu = malloc((w->U + 1) * sizeof *pu), *pr = malloc((w->R + 1) * sizeof *pr),
         *queue = malloc((w->U + 1) * sizeof *queue);
  unsigned cur = 0;
  if (!ustamp || !rstamp || !udead || !rdead || !pu || !pr || !queue) {
    rc = E_NOMEM;
    goto done;
  }
  for (size_t i = 0; i < w->U && !rc; i++) {
    size_t u0 = ord[i].unit;
    while (w->nnew[u0] < w->need[u0] && !udead[u0]) {
      if (budget <= 0) {
        *exhausted = 1;
        goto done;
      }
      cur++;
      size_t qh = 0, qt = 0;
      long end = -1;
      ustamp[u0] = cur;
      queue[qt++] = u0;
      while (qh < qt && end < 0) {
        size_t x = queue[qh++];
        budget -= (long long)w->R;
        for (size_t r = 0; r < w->R && end < 0; r++) {
          if (rstamp[r] == cur || rdead[r] || !eligible(w, x, r)) continue;
          rstamp[r] = cur;
          pr[r] = x;
          if (has_room(w, r)) {
            end = (long)r;
            break;
          }
          for (size_t j = 0; j < w->got[r].n; j++) {
            size_t y = w->got[r].v[j];
            if (ustamp[y] == cur || udead[y]) continue;
            ustamp[y] = cur;
            pu[y] = r;
            queue[qt++] = y;
          }
        }
      }
      if (end < 0) { /* nothing reachable has room: all of it is dead */
        for (size_t j = 0; j < qt; j++) udead[queue[j]] = 1;
        for (size_t r = 0; r < w->R; r++)
          if (rstamp[r] == cur) rdead[r] = 1;
        break;
      }
      /* Walk back: X takes R (and gives up the reviewer that led to X, unless X is U0). */
      size_t r = (size_t)end, x = pr[r];
      long from = -1; /* the unit R leaves, -1 for the reviewer with room */
      w->load[r]++;
      for (;;) {
        long gave = -1;
        if (x != u0) {
          gave = (long)pu[x];
          take_back(w, x, (size_t)gave);
        }
        w->newr[w->off[x] + (size_t)w->nnew[x]++] = r;
        if (from < 0) {
          if ((rc = list_add(&w->got[r], x))) goto done;
        } else {
          for (size_t j = 0; j < w->got[r].n; j++)
            if (w->got[r].v[j] == (size_t)from) w->got[r].v[j] = x;
        }
        if (gave < 0) break;
        from = (long)x;
        r = (size_t)gave;
        x = pr[r];
      }
    }
  }
done:
  free(ustamp);
  free(rstamp);
  free(udead);
  free(rdead);
  free(pu);
  free(pr);
  free(queue);
  return rc;
}

/* Fills OUT from the final state. */
static int collect(struct run *w, struct assign_result *out)
{
  const struct assign_input *in = w->in;
  size_t np = 0, ns = 0;
  for (size_t u = 0; u < w->U; u++) {
    np += (size_t)w->nnew[u];
    ns += w->nnew[u] < w->need[u];
  }
  out->pairs = malloc((np + 1) * sizeof *out->pairs);
  out->shorts = malloc((ns + 1) * sizeof *out->shorts);
  out->load = malloc((w->R + 1) * sizeof *out->load);
  if (!out->pairs || !out->shorts || !out->load) return E_NOMEM;
  for (size_t u = 0; u < w->U; u++) {
    for (int i = 0; i < w->nnew[u]; i++)
      out->pairs[out->npairs++] = (struct assign_pair){u, w->newr[w->off[u] + (size_t)i]};
    if (w->nnew[u] >= w->need[u]) continue;
    enum assign_reason why = ASSIGN_SHORT_FEW;
    if (w->kind_any && !w->kind_any[in->units[u].kind])
      why = ASSIGN_SHORT_PANEL;
    else
      for (size_t r = 0; r < w->R && why == ASSIGN_SHORT_FEW; r++)
        if (eligible(w, u, r)) why = ASSIGN_SHORT_CAP;
    out->shorts[out->nshorts++] = (struct assign_short){u, w->need[u] - w->nnew[u], why};
  }
  memcpy(out->load, w->load, w->R * sizeof *out->load);
  return E_OK;
}

/* Checks IN for the caller's programming errors. */
static int check_input(const struct assign_input *in)
{
  if (in->k < 1 || in->k > ASSIGN_MAX_K || in->cap < 0 || in->nkinds < 1) return E_VALIDATION;
  if ((in->nunits && !in->units) || (in->nreviewers && !in->reviewers) ||
      (in->nconflicts && !in->conflicts) || (in->npanels && !in->panels))
    return E_VALIDATION;
  for (size_t u = 0; u < in->nunits; u++)
    if (in->units[u].kind < 0 || in->units[u].kind >= in->nkinds || in->units[u].active < 0 ||
        (in->units[u].ntaken && !in->units[u].taken))
      return E_VALIDATION;
  for (size_t r = 0; r < in->nreviewers; r++)
    if (in->reviewers[r].load < 0) return E_VALIDATION;
  for (size_t p = 0; p < in->npanels; p++)
    if ((in->panels[p].nreviewers && !in->panels[p].reviewers) ||
        (in->panels[p].nkinds && !in->panels[p].kinds))
      return E_VALIDATION;
  return E_OK;
}

int assign_run(const struct assign_input *in, struct assign_result *out)
{
  memset(out, 0, sizeof *out);
  int rc = check_input(in);
  if (rc) return rc;
  struct run w = {.in = in, .U = in->nunits, .R = in->nreviewers, .nconf = in->nconflicts};
  struct order *ord = NULL;
  w.conf = malloc((2 * w.nconf + 1) * sizeof *w.conf);
  w.need = calloc(w.U + 1, sizeof *w.need);
  w.off = calloc(w.U + 1, sizeof *w.off);
  w.nnew = calloc(w.U + 1, sizeof *w.nnew);
  w.load = calloc(w.R + 1, sizeof *w.load);
  w.got = calloc(w.R + 1, sizeof *w.got);
  ord = malloc((w.U + 1) * sizeof *ord);
  if (!w.conf || !w.need || !w.off || !w.nnew || !w.load || !w.got || !ord) {
    rc = E_NOMEM;
    goto done;
  }
  for (size_t i = 0; i < w.nconf; i++) {
    w.conf[2 * i] = in->conflicts[i].reviewer;
    w.conf[2 * i + 1] = in->conflicts[i].unit;
  }
  qsort(w.conf, w.nconf, 2 * sizeof *w.conf, cmp_pair);
  size_t slots = 0;
  for (size_t u = 0; u < w.U; u++) {
    int need = in->k - in->units[u].active;
    w.need[u] = need > 0 ? need : 0;
    w.off[u] = slots;
    slots += (size_t)w.need[u];
  }
  w.newr = malloc((slots + 1) * sizeof *w.newr);
  if (!w.newr || (rc = build_panels(&w))) {
    rc = E_NOMEM;
    goto done;
  }
  for (size_t r = 0; r < w.R; r++) w.load[r] = in->reviewers[r].load;
  /* Fewest eligible reviewers with room first; units that need nothing last. */
  for (size_t u = 0; u < w.U; u++) {
    ord[u] = (struct order){u, SIZE_MAX, tie(in->seed, in->units[u].id, 0)};
    if (!w.need[u]) continue;
    ord[u].eligible = 0;
    for (size_t r = 0; r < w.R; r++) ord[u].eligible += has_room(&w, r) && eligible(&w, u, r);
  }
  qsort(ord, w.U, sizeof *ord, cmp_order);
  if ((rc = greedy(&w, ord)) || (rc = repair(&w, ord, &out->repair_exhausted)) ||
      (rc = collect(&w, out)))
    goto done;
done:
  if (rc) assign_result_free(out);
  for (size_t r = 0; w.got && r < w.R; r++) free(w.got[r].v);
  free(w.got);
  free(w.conf);
  free(w.kind_ok);
  free(w.kind_any);
  free(w.need);
  free(w.off);
  free(w.newr);
  free(w.nnew);
  free(w.load);
  free(ord);
  return rc;
}

void assign_result_free(struct assign_result *r)
{
  free(r->pairs);
  free(r->shorts);
  free(r->load);
  memset(r, 0, sizeof *r);
}
