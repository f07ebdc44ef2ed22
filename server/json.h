/*
 * json.h - parsing request bodies and validating their fields (jansson).
 *
 * Bodies are parsed with duplicate keys rejected and must be JSON objects. The json_take_*
 * helpers read one field, check it, and on a problem fill the reply's field/detail and return
 * E_VALIDATION, so a handler can write:
 *   if ((rc = json_take_str(out, r->jbody, "login", 1, 64, &login))) return rc;
 */
#ifndef KAOPING_JSON_H
#define KAOPING_JSON_H

#include "arena.h"
#include "req.h"

#include <jansson.h>
#include <stdint.h>

/* Parses the LEN bytes at BUF into a JSON object *OUT (caller json_decref()s). Returns E_OK;
 * E_BAD_UTF8 for invalid UTF-8; E_BAD_JSON for an empty body, a syntax error, a duplicate key,
 * nesting deeper than jansson allows, or a root that is not an object. *DETAIL then holds a
 * Chinese explanation (static or in A). */
int json_parse_body(const char *buf, size_t len, json_t **out, const char **detail,
                    struct arena *a);

/* Fails with E_VALIDATION naming the first key of OBJ that is not in KEYS (NULL-terminated). */
int json_only_keys(struct reply *out, json_t *obj, const char *const keys[]);

/* Reads string KEY of OBJ into *VAL (borrowed from OBJ). Missing or null: E_VALIDATION when
 * REQUIRED, else E_OK with *VAL = NULL. Also fails when it is not a string, is empty while
 * REQUIRED, is longer than MAXCHARS characters, or contains control characters. */
int json_take_str(struct reply *out, json_t *obj, const char *key, int required, size_t maxchars,
                  const char **val);

/* Reads integer KEY of OBJ into *VAL, checking MIN <= value <= MAX. Missing or null:
 * E_VALIDATION when REQUIRED, else E_OK with *VAL unchanged. */
int json_take_int(struct reply *out, json_t *obj, const char *key, int required, int64_t min,
                  int64_t max, int64_t *val);

#endif
