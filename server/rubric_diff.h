/*
 * rubric_diff.h - what changes between two versions of a rubric, indicator by indicator.
 *
 * Nodes are matched by their code (编号), which stays the same across versions of one rubric
 * unless the office renumbers it; a renumbered node shows as one removed and one added.
 */
#ifndef KAOPING_RUBRIC_DIFF_H
#define KAOPING_RUBRIC_DIFF_H

#include <jansson.h>

/* Compares FROM and TO (trees in the form of rubric_get(); neither is changed) and returns a
 * new object (caller decrefs), or NULL when out of memory:
 *   {"added":    [{"code","name","kind","parent","points"}],  nodes only in TO
 *    "removed":  [{"code","name","kind","parent","points"}],  nodes only in FROM
 *    "renamed":  [{"code","from","to"}],                       same code, other name
 *    "repointed":[{"code","name","from","to"}],                other points (leaf max_points,
 *                                                              bonus/deduction points per item)
 *    "moved":    [{"code","name","from","to"}],                other parent code (null = top)
 *    "changed":  [{"code","name","fields":[...]}],             guidance, keywords, applies_to,
 *                                                              responsible, cap, effect, area,
 *                                                              kind
 *    "total": {"from","to"}, "rules_changed": bool, "bands_changed": bool,
 *    "same": bool}                                             true when nothing differs
 * "kind" is area (a node with children), item (a leaf), bonus, deduction or veto; "parent" the
 * parent's code or null; "points" a number or null. Lists follow the order of the tree. */
json_t *rubric_diff(json_t *from, json_t *to);

#endif
