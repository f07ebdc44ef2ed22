/*
 * rubric_diff.c - the changes between two rubric versions (see rubric_diff.h).
 */
#include "rubric_diff.h"

#include <string.h>

/* Adds every node of the tree list NODES (with parent code PARENT, NULL at the top) to the
 * flat map OUT: code → {"name","kind","parent","points","node"}; ORDER gets the codes in
 * tree order. */
static void flatten(json_t *nodes, const char *parent, const char *kind, json_t *out, json_t *order)
{
  size_t i;
  json_t *n;
  json_array_foreach(nodes, i, n)
  {
    const char *code = json_string_value(json_object_get(n, "code"));
    if (!code) continue;
    json_t *children = json_object_get(n, "children");
    const char *k = kind ? kind : json_is_array(children) ? "area" : "item";
    json_t *pts = json_object_get(n, kind ? "points" : "max_points");
    json_object_set_new(out, code,
                        json_pack("{s:O?,s:s,s:s?,s:O?,s:O}", "name", json_object_get(n, "name"),
                                  "kind", k, "parent", parent, "points",
                                  json_is_number(pts) ? pts : NULL, "node", n));
    json_array_append_new(order, json_string(code));
    if (json_is_array(children)) flatten(children, code, NULL, out, order);
  }
}

/* The flat map of a whole rubric (tree, then bonus, deduction, veto items). */
static json_t *flat(json_t *rb, json_t *order)
{
  json_t *m = json_object();
  if (!m) return NULL;
  flatten(json_object_get(rb, "areas"), NULL, NULL, m, order);
  flatten(json_object_get(rb, "bonus"), NULL, "bonus", m, order);
  flatten(json_object_get(rb, "deduction"), NULL, "deduction", m, order);
  flatten(json_object_get(rb, "veto"), NULL, "veto", m, order);
  return m;
}

/* Member KEY of A and B compared, with absent, null, "" and [] all meaning "nothing". */
static int same_member(json_t *a, json_t *b, const char *key)
{
  json_t *x = json_object_get(a, key), *y = json_object_get(b, key);
  int xe = !x || json_is_null(x) || (json_is_string(x) && !json_string_length(x)) ||
           (json_is_array(x) && !json_array_size(x));
  int ye = !y || json_is_null(y) || (json_is_string(y) && !json_string_length(y)) ||
           (json_is_array(y) && !json_array_size(y));
  if (xe || ye) return xe && ye;
  if (json_is_number(x) && json_is_number(y)) return json_number_value(x) == json_number_value(y);
  return json_equal(x, y);
}

/* The public fields of a flat entry E under CODE. */
static json_t *entry(const char *code, json_t *e)
{
  return json_pack("{s:s,s:O,s:O,s:O,s:O}", "code", code, "name", json_object_get(e, "name"),
                   "kind", json_object_get(e, "kind"), "parent",
                   json_object_get(e, "parent") ?: json_null(), "points",
                   json_object_get(e, "points") ?: json_null());
}

json_t *rubric_diff(json_t *from, json_t *to)
{
  json_t *ofrom = json_array(), *oto = json_array();
  json_t *a = ofrom ? flat(from, ofrom) : NULL, *b = oto ? flat(to, oto) : NULL;
  json_t *d = json_pack("{s:[],s:[],s:[],s:[],s:[],s:[]}", "added", "removed", "renamed",
                        "repointed", "moved", "changed");
  json_t *result = NULL;
  if (!a || !b || !d) goto done;
  json_t *added = json_object_get(d, "added"), *removed = json_object_get(d, "removed"),
         *renamed = json_object_get(d, "renamed"), *repointed = json_object_get(d, "repointed"),
         *moved = json_object_get(d, "moved"), *changed = json_object_get(d, "changed");
  size_t i;
  json_t *c;
  json_array_foreach(ofrom, i, c)
  {
    const char *code = json_string_value(c);
    if (!json_object_get(b, code))
      json_array_append_new(removed, entry(code, json_object_get(a, code)));
  }
  json_array_foreach(oto, i, c)
  {
    const char *code = json_string_value(c);
    json_t *y = json_object_get(b, code), *x = json_object_get(a, code);
    if (!x) {
      json_array_append_new(added, entry(code, y));
      continue;
    }
    json_t *name = json_object_get(y, "name");
    if (!json_equal(json_object_get(x, "name"), name))
      json_array_append_new(renamed, json_pack("{s:s,s:O,s:O}", "code", code, "from",
                                               json_object_get(x, "name"), "to", name));
    if (!same_member(x, y, "points"))
      json_array_append_new(repointed,
                            json_pack("{s:s,s:O,s:O,s:O}", "code", code, "name", name, "from",
                                      json_object_get(x, "points") ?: json_null(), "to",
                                      json_object_get(y, "points") ?: json_null()));
    if (!same_member(x, y, "parent"))
      json_array_append_new(moved, json_pack("{s:s,s:O,s:O,s:O}", "code", code, "name", name,
                                             "from", json_object_get(x, "parent") ?: json_null(),
                                             "to", json_object_get(y, "parent") ?: json_null()));
    static const char *const fields[] = {"guidance", "keywords", "applies_to", "responsible",
                                         "cap",      "effect",   "area",       NULL};
    json_t *which = json_array();
    json_t *nx = json_object_get(x, "node"), *ny = json_object_get(y, "node");
    if (!json_equal(json_object_get(x, "kind"), json_object_get(y, "kind")))
      json_array_append_new(which, json_string("kind"));
    for (int f = 0; fields[f]; f++)
      if (!same_member(nx, ny, fields[f])) json_array_append_new(which, json_string(fields[f]));
    if (json_array_size(which))
      json_array_append_new(
          changed, json_pack("{s:s,s:O,s:o}", "code", code, "name", name, "fields", which));
    else
      json_decref(which);
  }
  int rules_changed = !same_member(from, to, "rules");
  int bands_changed = !same_member(from, to, "grade_bands");
  json_t *tf = json_object_get(from, "total_points"), *tt = json_object_get(to, "total_points");
  int same = !json_array_size(added) && !json_array_size(removed) && !json_array_size(renamed) &&
             !json_array_size(repointed) && !json_array_size(moved) && !json_array_size(changed) &&
             !rules_changed && !bands_changed && json_number_value(tf) == json_number_value(tt);
  json_object_set_new(d, "total", json_pack("{s:O?,s:O?}", "from", tf, "to", tt));
  json_object_set_new(d, "rules_changed", json_boolean(rules_changed));
  json_object_set_new(d, "bands_changed", json_boolean(bands_changed));
  json_object_set_new(d, "same", json_boolean(same));
  result = d;
  d = NULL;
done:
  json_decref(a);
  json_decref(b);
  json_decref(ofrom);
  json_decref(oto);
  json_decref(d);
  return result;
}
