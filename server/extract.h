/*
 * extract.h - the text of an uploaded report, whatever its format: the one interface through
 * which the rest of the daemon reads documents.
 *
 * The format is recognised from the file's content, never from its name, by a table of
 * {detector, extractor} rows in extract.c: PDF (pdf.c), Word .docx (docx.c over zipsafe.c)
 * and plain text in UTF-8, GB18030/GBK or UTF-16 with BOM (textenc.c). Formats that are
 * recognised but not (yet) accepted — old Word .doc and WPS, OFD, HTML, RTF, images, other
 * archives — get a row with a sentence telling the user what to do instead, so support for
 * one of them is one extractor and one changed row. Every extractor is bounded in time and
 * memory on any input and returns at most EXTRACT_MAX bytes of text.
 */
#ifndef KAOPING_EXTRACT_H
#define KAOPING_EXTRACT_H

#include <stddef.h>

#define EXTRACT_MAX ((size_t)8 << 20) /* cap on extracted text, bytes */

/* A document's text. */
struct extract_result {
  char *text;        /* UTF-8, NUL-terminated, malloc'd (extract_free): paragraphs separated by
                        "\n", headings and list items on their own lines, table cells separated
                        by "\t" and rows by "\n" */
  size_t len;        /* bytes, without the NUL */
  char format[8];    /* "txt", "docx", "pdf" */
  char encoding[16]; /* for txt: "utf-8", "gb18030", "utf-16le" or "utf-16be"; "" otherwise */
};

/* Detects the format of the file at PATH from its content and extracts its text into *OUT.
 * Returns E_OK (OUT->text set, possibly empty: a PDF of scanned pages has no text, and the
 * caller should warn); E_FILE_TYPE when the file is not .txt/.docx/.pdf, with *DETAIL a Chinese
 * sentence naming what it looks like when known (e.g. "这是旧版 Word（.doc）或 WPS 文件…",
 * "文件为空…") and the accepted formats; E_BAD_FILE for damaged or hostile files (*DETAIL says
 * why: "压缩包结构异常…", "PDF 文件不完整…", "文本过大…"); E_INTERNAL when a helper program is
 * missing (logged); E_NOMEM. *DETAIL is a static string, NULL on E_OK. On error OUT is zeroed
 * (extract_free on it is harmless). */
int extract_file(const char *path, struct extract_result *out, const char **detail);

/* Frees R's text and zeroes R. */
void extract_free(struct extract_result *r);

#endif
