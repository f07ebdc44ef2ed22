/*
 * sheets.h - score sheets: one reviewer's scores for one unit in one cycle (an assignment of
 * kind "review"), or the unit's own self-assessment (自评, kind "self"), against the cycle's
 * rubric. Reading a sheet with its running total, and applying a change to it: every item
 * checked, the sheet's version compared, all or nothing.
 *
 * The JSON form of a sheet:
 *   {"id","kind","status": "assigned"|"in_progress"|"submitted"|"recused","version",
 *    "submitted_at": ts|null,"unit": code,"reviewer": {"login","display_name"},"rubric_id",
 *    "items": {"<code>": {"points": n|null,"comment","na","count","veto",
 *                         "evidence": [{"id","start","end","quote"}]}},
 *    "total": (scoring.h's result for the sheet, with its steps)}
 * A change (PUT body):
 *   {"version": n, "items": {"<code>": {"points"?,"comment"?,"na"?,"count"?,"veto"?,
 *    "evidence"?: [{"start","end"}]}}, "submit"?: bool}
 * Members present are set; absent ones keep their value; "evidence" replaces the item's list.
 * "points" go on leaves (0..max_points, in steps of the cycle's settings.score_step, else the
 * rubric's rules.score_step, else SHEET_DEFAULT_STEP), "count" on bonus (claims) and
 * deduction (occurrences) items, "veto" on veto items, "na" on leaves. Evidence offsets are
 * character offsets into the unit's current report text.
 *
 * Blind review (the cycle's settings.blind): a review sheet of a blind cycle is shown to its
 * author with "unit": "~<assignment id>" instead of the unit's code, and the unit's names (see
 * sheet_blind_names) masked with "＊" in its comments and evidence quotes.
 */
#ifndef KAOPING_SHEETS_H
#define KAOPING_SHEETS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct db;

#define SHEET_MAX_COMMENT  2000 /* characters in one comment */
#define SHEET_MAX_EVIDENCE 20   /* passages per indicator */
#define SHEET_MAX_QUOTE    2000 /* characters in one passage */
#define SHEET_DEFAULT_STEP 0.01 /* points move in this step when neither cycle nor rubric say */

/* Who a sheet is shown to, for sheet_load_as(). */
enum sheet_view {
  SHEET_AUTHOR, /* its author: blind when it is a review sheet of a blind cycle */
  SHEET_PLAIN,  /* the office: never blind */
  SHEET_BLIND,  /* a reviewer of a blind cycle looking at another sheet: always blind */
};

/* Sheet ASSIGNMENT in the form above into *OUT (caller decrefs), as its author sees it
 * (sheet_load_as with SHEET_AUTHOR). E_OK, E_NOT_FOUND or a db error. */
int sheet_load(struct db *db, int64_t assignment, json_t **out);

/* Sheet ASSIGNMENT in the form above, as VIEW says, into *OUT (caller decrefs). E_OK,
 * E_NOT_FOUND, E_NOMEM or a db error. */
int sheet_load_as(struct db *db, int64_t assignment, enum sheet_view view, json_t **out);

/* Sheet ASSIGNMENT in the form above, as VIEW says, as compact JSON text: *OUT (malloc'd,
 * NUL-terminated, caller frees) of *LEN bytes, for replies that send a sheet as it is (no
 * tree is built for the items). The same JSON values as sheet_load_as(), which parses this
 * text. E_OK, E_NOT_FOUND, E_NOMEM or a db error, with *OUT NULL. */
int sheet_text(struct db *db, int64_t assignment, enum sheet_view view, char **out, size_t *len);

/* Which sheet a request means (see sheet_find). */
struct sheet_query {
  int64_t cycle;         /* the route's cycle */
  const char *unit_code; /* the unit by its code, or */
  int64_t assignment;    /* (not 0) a reviewer's own review assignment by id: "~ID" */
  int64_t user;          /* the caller */
  int self;              /* 1: the caller is a unit user and means its self-assessment */
};

/* What sheet_find found. */
struct sheet_ref {
  int64_t unit;   /* the unit */
  int64_t sheet;  /* the caller's sheet; 0 = none */
  char phase[16]; /* the cycle's phase */
  int blind;      /* the cycle is in blind mode */
};

/* Finds, in one statement, the unit Q names in Q's cycle and the caller's sheet for it: with
 * UNIT_CODE, the unit's self-assessment when SELF, else the caller's review assignment (not
 * recused); with ASSIGNMENT, that review assignment of the caller's (not recused) and its unit.
 * Fills *REF. When OUT is not NULL and a sheet was found, also writes its text as its author
 * sees it (sheet_text with SHEET_AUTHOR) into *OUT (malloc'd, *LEN bytes; the caller frees
 * it). Who may see what is the caller's to decide from *REF. E_OK; E_NOT_FOUND when there is
 * no such cycle or unit, the unit is not in the cycle, or (ASSIGNMENT) no such assignment of
 * the caller's; E_NOMEM or a db error. */
int sheet_find(struct db *db, const struct sheet_query *q, struct sheet_ref *ref, char **out,
               size_t *len);

/* The names a blind cycle masks for unit UNIT in cycle CYCLE: its registered name and every
 * name read from its reports in that cycle, with their short forms (hints_mask_names), into
 * *OUT (a new array, caller decrefs). E_OK or a db error. */
int sheet_blind_names(struct db *db, int64_t cycle, int64_t unit, json_t **out);

/* Applies CHANGE to sheet ASSIGNMENT inside the caller's transaction. Returns E_OK with *CODES
 * a new array of the codes changed (caller decrefs, for the audit row); E_VALIDATION with
 * *FIELD ("items.1.2.points") and *DETAIL naming the indicator and the problem; E_CONFLICT
 * with *DETAIL when CHANGE's version is not the sheet's (another tab saved first) or the sheet
 * is already submitted; or a db error. FIELD and DETAIL are thread-local, valid until the next
 * call. With "submit": every applicable leaf must be scored or marked N/A, and a comment is
 * required where the cycle's settings ask for one (comment_below: a fraction of the leaf's
 * maximum below which a score needs a reason). */
int sheet_apply(struct db *db, int64_t assignment, json_t *change, int64_t now, json_t **codes,
                const char **field, const char **detail);

#endif
