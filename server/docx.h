/*
 * docx.h - the text of a Word document (.docx, Office Open XML WordprocessingML): the only
 * file that includes libxml2's headers.
 *
 * What is read: the body of word/document.xml, as paragraphs (one line each), text runs, tabs
 * and line breaks; tables (cells separated by "\t", rows by "\n"; several paragraphs in one
 * cell, and nested tables, are joined with spaces so that a row stays one line); text boxes
 * (inline, separated by spaces); tracked changes (inserted and moved-to text kept, deleted and
 * moved-from text dropped); content controls; field results (field codes dropped). List
 * numbering from word/numbering.xml, given directly on the paragraph or through its paragraph
 * style (word/styles.xml, following basedOn): the level's lvlText ("%1.", "（%1）", "%1.%2")
 * is filled in and put before the paragraph's text, counting per abstract list as Word does,
 * with startOverride honoured. Number formats: decimal, decimalZero, upper/lowerRoman,
 * upper/lowerLetter, chineseCounting, chineseCountingThousand, japaneseCounting,
 * taiwaneseCounting (一、二、…十一), chineseLegalSimplified (壹贰叁), ideographTraditional
 * (甲乙丙), ideographZodiac (子丑寅), ideographDigital (〇一二 per digit),
 * decimalEnclosedCircle(Chinese) (①…⑳), decimalFullWidth (１２３), bullet ("•" for symbol-font
 * bullets), none; anything else counts in decimal. Not read: headers, footers, footnotes, comments,
 * lvlRestart, lvlOverride with a whole w:lvl, legal numbering (isLgl).
 *
 * Safety: parts are read through zipsafe with caps (document.xml 64 MiB, the others 8 MiB);
 * libxml2's streaming reader is used without entity substitution, network access or the
 * HUGE option, and a document with a DOCTYPE or entity references is refused, so memory stays
 * proportional to the part and time linear.
 */
#ifndef KAOPING_DOCX_H
#define KAOPING_DOCX_H

#include "zipsafe.h"

#include <stddef.h>

#define DOCX_MAIN "word/document.xml" /* the entry that makes a zip a Word document */

/* Extracts the text of the Word document open as Z (which must contain DOCX_MAIN), at most
 * CAP bytes. On E_OK stores a malloc'd, NUL-terminated UTF-8 string in *TEXT (the caller frees
 * it) and its length in *LEN; trailing white space is trimmed.
 * Errors: E_BAD_FILE with a static Chinese *DETAIL (damaged or hostile XML, a part too large,
 * "文本过大" past CAP); E_NOMEM. *TEXT is NULL on error. */
int docx_extract(struct zipsafe *z, size_t cap, char **text, size_t *len, const char **detail);

#endif
