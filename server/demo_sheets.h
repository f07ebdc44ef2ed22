/*
 * demo_sheets.h - the demonstration score sheets: what reviewers of the fictional county have
 * scored so far in its newest cycle, and one unit's self-assessment.
 */
#ifndef KAOPING_DEMO_SHEETS_H
#define KAOPING_DEMO_SHEETS_H

#include <stdint.h>

struct db;

/* Fills sheets of cycle CYCLE (which has its rubric, reports and review assignments) inside
 * the caller's transaction, through sheet_apply() so every rule of a real save holds. A
 * FINISHED (closed) cycle: every sheet of a unit with a report is complete and submitted, the
 * units' quality a little lower than in later years. Otherwise: reviewer3 has submitted every
 * sheet of a unit with a report; reviewer4 has scored about half of each of its sheets;
 * reviewer5 has started two; unit-YL-GAJ has submitted its self-assessment. Scores follow a made-up
 * quality per unit plus a small per-reviewer lean, so units differ consistently; low scores carry a
 * comment, high ones a quoted passage of the report as evidence. Deterministic. Returns E_OK or the
 * error of the failing step. */
int demo_sheets(struct db *db, int64_t cycle, int finished, int64_t now);

#endif
