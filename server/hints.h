/*
 * hints.h - what the scoring page reads in a report text, without the database: the passages
 * that mention an indicator's keywords ("可能相关的段落"), and the masking of a unit's names
 * for blind review.
 *
 * Passages. The text is cut into paragraphs: a line is a paragraph, except that a line as wide
 * as the text's usual line (a PDF's wrapped line: at least 85% of the 75th percentile of line
 * lengths) that does not end a sentence runs on into the next non-empty line unless that one
 * starts a numbered item (一、 （一） 1. 1、). A paragraph longer than HINTS_SPLIT characters
 * (a scraped page on one line) is cut after the first sentence end (。！？；) once a piece
 * holds HINTS_PIECE characters (with no sentence end for a long time: after a clause mark
 * ，、, or at worst anywhere). Leading and trailing blanks are not part of a passage.
 *
 * Keywords are matched byte for byte (case matters for Latin letters); one keyword's hits do
 * not overlap each other, different keywords' hits may. A keyword never matches across a line
 * break (keywords holding one are ignored), so a word that a PDF wrapped onto two lines is not
 * found. All offsets count Unicode code points of the text, as JavaScript's and SQLite's do
 * (SQLite: for TEXT; JavaScript strings count UTF-16 units, the same except outside the Basic
 * Multilingual Plane).
 *
 * Speed: one pass over the text for every keyword of every leaf together (keywords are hashed
 * by their first bytes), so a 200 KB report with 40 leaves of 10 keywords takes about a
 * millisecond.
 */
#ifndef KAOPING_HINTS_H
#define KAOPING_HINTS_H

#include <jansson.h>
#include <stddef.h>

#define HINTS_MAX_PER_LEAF 8    /* passages listed for one indicator */
#define HINTS_SPLIT        400  /* characters above which a paragraph is cut into pieces */
#define HINTS_PIECE        200  /* characters a piece reaches before it may end */
#define HINTS_MAX_KEYWORDS 4000 /* distinct keywords in one call; more are ignored */

/* The passages of TEXT (LEN bytes of UTF-8) for every leaf of LEAVES ({"<code>": ["keyword",
 * ...]}; members that are not strings, empty strings and strings holding a line break are
 * ignored). Returns a new object (caller decrefs) with one member per leaf of LEAVES: a list,
 * possibly empty, of at most MAX passages [{"start","end","keywords": [the leaf's keywords
 * found in it, in the leaf's order],"hits": [[start, end], ...] (every hit of those keywords
 * in the passage, by position)}], the passages with more distinct keywords first, then by
 * position. Offsets are code points, ends exclusive. NULL when out of memory. */
json_t *hints_find(const char *text, size_t len, json_t *leaves, size_t max);

/* The names to mask for a unit known by NAMES (strings: its registered name, the name read
 * from its report; others ignored): each name, and its short forms of at least 3 characters
 * without a generic ending (人民政府, 办事处, 管理委员会, 委员会: 青石镇人民政府 → 青石镇) or
 * without the leading region (云岭县公安局 → 公安局, when something other than a generic
 * ending is left). A new array (caller decrefs), without duplicates, longest first; NULL when
 * out of memory. */
json_t *hints_mask_names(json_t *names);

/* TEXT (LEN bytes of UTF-8) with every occurrence of each string of NAMES replaced by as many
 * "＊" (U+FF0A) as it has characters, so character offsets do not move. With EDGES, also a
 * start of TEXT that is the end of a name, and an end of TEXT that is the start of one (at
 * least 2 characters: a quote cut out of the middle of a name). Returns a new NUL-terminated
 * string (caller frees) and its length in *OUTLEN; NULL when out of memory. */
char *hints_mask(const char *text, size_t len, json_t *names, int edges, size_t *outlen);

#endif
