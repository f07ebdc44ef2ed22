/*
 * structure.h - the structure of a 法治政府建设年度报告 read from its extracted text: title,
 * year, unit name, headings, where each of the five parts the 督察工作规定 requires begins, and
 * warnings for the reviewer. No I/O and no state: one call reads one text.
 *
 * The five parts (codes are part of the API):
 *   S1 主要举措和成效, S2 存在的不足和原因, S3 党政主要负责人履行第一责任人职责情况,
 *   S4 下一年度主要安排, S5 其他需要报告的情况 (optional in practice: reported, never warned).
 * A part is found "by heading" when a top-level heading names it, or "by content" when the
 * headings are thematic and the wording of a paragraph or heading block shows it (structure.c
 * lists the cues). Offsets are Unicode code-point offsets into the text.
 *
 * Thresholds:
 *   - "字" are Han ideographs. Fewer than 20 → no_text (probably a scan; no other warning);
 *     fewer than 800 → too_short.
 *   - Title: one of the first 40 lines (within the first 8000 bytes), at most 60 code points,
 *     with 报告/总结/情况 and 法治/依法行政/依法治, no sentence punctuation, no site clutter.
 *   - Headings: at most 60 code points of text; at most 4096 headings are recorded (more are
 *     read as body text). Headings inside a line are looked for only in lines of 150 or more
 *     code points (text that lost its line breaks), and only when their number continues the
 *     numbering (一、 after nothing, 二、 after 一、 …).
 *   - Signature: among the last 4 non-blank lines, a line of at most 30 code points ending in a
 *     unit suffix (局, 人民政府, 办事处, 委员会, …), optionally followed by a date.
 *   - Unit names (from the signature, else the title) are compared with the uploader's: a
 *     government, town or zone (…政府/办事处/管委会/镇/乡/县…) never matches a department
 *     (…局/委/办/中心); otherwise they match when one contains the other, or when, after
 *     dropping 人民政府/办事处/委员会 and similar suffixes, 80 % of the shorter name's
 *     characters occur in the longer one.
 */
#ifndef KAOPING_STRUCTURE_H
#define KAOPING_STRUCTURE_H

#include <jansson.h>
#include <stddef.h>

/* Reads the structure of a report's extracted text. TEXT is UTF-8 of LEN bytes (any byte string
 * is accepted; ill-formed bytes count as one code point each and become U+FFFD in the strings
 * returned). CYCLE_YEAR (0 = unknown) is the year under assessment; UNIT_NAME (NULL = unknown)
 * the uploading unit's name; mismatches become warnings. Returns a new object (caller
 * json_decref) or NULL when out of memory:
 *   {"title": s|null, "year": n|null, "unit_name": s|null, "chars": n, "paragraphs": n,
 *    "headings": [{"level": 1|2|3, "text": s, "start": n}],
 *    "sections": [{"code": "S1".."S5", "name": s, "found": b, "start": n|null, "end": n|null,
 *                  "heading": s|null, "by": "heading"|"content"|null}] (always five, in order),
 *    "warnings": [{"code": s, "part"?: "S1".."S4", "message": s}]}
 * Warning codes: missing_part, year_mismatch, unit_mismatch, too_short, no_text, and not_report
 * (no report title, but a title of a plan such as 工作要点/实施方案). The text of a heading and of
 * a section's heading is exactly the text at its start offset. Runs in time linear in LEN. */
json_t *structure_analyze(const char *text, size_t len, int cycle_year, const char *unit_name);

#endif
