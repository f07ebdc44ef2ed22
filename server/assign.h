/*
 * assign.h - automatic assignment of reviewers to units, as a pure computation: no database,
 * no HTTP, no clock, no global state. The caller (h_assign.c) reads the cycle into the input
 * below and stores or shows the output.
 *
 * The rules. Every unit should end with K active review assignments; the ones it already has
 * (not recused) count toward K. A new pair (unit, reviewer) is never made when the reviewer
 * belongs to the unit, has declared a conflict with it, is already on it in the cycle (also
 * when they recused from it), or, when panels are given, no panel lists both the reviewer and
 * the unit's kind. A reviewer's load is their active review assignments in the cycle; with a
 * cap, no new pair takes a reviewer above CAP (existing loads are never undone).
 *
 * The method. Units are taken in order of fewest eligible reviewers first; each unit takes the
 * least-loaded eligible reviewers under the cap, ties broken by a hash of (seed, unit,
 * reviewer). Units left short are then repaired by augmenting paths (a unit takes a reviewer
 * at the cap from a unit that can take someone else instead, and so on along the path), which
 * makes the number of new pairs the largest possible: a unit stays short only when no
 * reassignment of this run's pairs could fill it. The repair has a work budget so national
 * scale stays fast; over budget, the remaining units simply stay short (still only with every
 * eligible reviewer not on them at the cap). Without constraints (no own units, conflicts,
 * panels, cap or existing assignments) loads end within 1 of each other. The same input and
 * seed always give the same output.
 */
#ifndef KAOPING_ASSIGN_H
#define KAOPING_ASSIGN_H

#include <stddef.h>
#include <stdint.h>

#define ASSIGN_MAX_K 100 /* the largest K assign_run() accepts */

/* A unit of the cycle. */
struct assign_unit {
  int64_t id;           /* the unit's id (unique in the input) */
  int kind;             /* its kind, an index 0 .. nkinds-1 */
  const int64_t *taken; /* ids of reviewers already on the unit in the cycle, recused ones too */
  size_t ntaken;        /* how many */
  int active;           /* how many assignments count toward K (not recused) */
};

/* A reviewer who may be given units. */
struct assign_reviewer {
  int64_t id;       /* the user's id (unique in the input) */
  int64_t own_unit; /* the unit they belong to, 0 = none */
  int load;         /* their active review assignments in the cycle */
};

/* A declared conflict of interest. */
struct assign_conflict {
  int64_t reviewer, unit; /* ids */
};

/* A panel: its reviewers may review units of its kinds. */
struct assign_panel {
  const int64_t *reviewers; /* reviewer ids; ids not among the input's reviewers are ignored */
  size_t nreviewers;
  const int *kinds; /* kind indexes; out-of-range ones are ignored */
  size_t nkinds;
};

struct assign_input {
  const struct assign_unit *units;
  size_t nunits;
  const struct assign_reviewer *reviewers;
  size_t nreviewers;
  const struct assign_conflict *conflicts;
  size_t nconflicts;
  const struct assign_panel *panels; /* NULL / 0 = no panels: every kind for every reviewer */
  size_t npanels;
  int nkinds;    /* number of unit kinds (kind indexes are below it) */
  int k;         /* active assignments wanted per unit, 1 .. ASSIGN_MAX_K */
  int cap;       /* the most active assignments per reviewer; 0 = no cap */
  uint64_t seed; /* tie breaks */
};

/* Why a unit is left short. */
enum assign_reason {
  ASSIGN_SHORT_FEW = 1, /* every eligible reviewer is on it already: too few eligible ones */
  ASSIGN_SHORT_CAP,     /* eligible reviewers remain but all are at the cap */
  ASSIGN_SHORT_PANEL,   /* panels are given and none lists the unit's kind */
};

/* A new pair: indexes into the input's units and reviewers. */
struct assign_pair {
  size_t unit, reviewer;
};

/* A unit left short. */
struct assign_short {
  size_t unit;            /* index into the input's units */
  int missing;            /* K - active - new pairs */
  enum assign_reason why; /* the reason */
};

/* The output. Arrays are malloc'd; free with assign_result_free(). */
struct assign_result {
  struct assign_pair *pairs; /* by unit in input order, each unit's in the order chosen */
  size_t npairs;
  struct assign_short *shorts; /* in input order of the units */
  size_t nshorts;
  int *load;            /* per reviewer (input order): load after the new pairs */
  int repair_exhausted; /* 1 when the repair stopped at its work budget */
};

/* Computes the new pairs for IN into *OUT (zeroed first). Returns E_OK; E_VALIDATION when IN
 * is malformed (K out of range, a negative cap or load, a kind index out of range, NULL arrays
 * with non-zero counts: a programming error of the caller); E_NOMEM (then *OUT holds
 * nothing). */
int assign_run(const struct assign_input *in, struct assign_result *out);

/* Frees the arrays of R and zeroes it. */
void assign_result_free(struct assign_result *r);

#endif
