/*
 * textenc.h - plain text of unknown encoding to UTF-8: the only place that decides what a
 * byte sequence from outside says when nothing declares its encoding (uploaded .txt reports,
 * CSV imports, file names in zip archives).
 *
 * Accepted: UTF-8 (with or without BOM, strictly validated: no overlong forms, surrogates or
 * code points above U+10FFFF), GB18030 (which includes GBK and GB2312; decoded with iconv),
 * and UTF-16 when it starts with a byte-order mark (what Windows Notepad calls "Unicode").
 * Line ends CRLF and CR become LF. Everything runs in time linear in the input, and the output
 * never exceeds the caller's cap.
 */
#ifndef KAOPING_TEXTENC_H
#define KAOPING_TEXTENC_H

#include <stddef.h>

/* The default cap on converted text: 8 MiB. */
#define TEXTENC_MAX ((size_t)8 << 20)

/* Converts the LEN bytes at BUF to UTF-8 with LF line ends, producing at most CAP bytes.
 * On E_OK stores a malloc'd, NUL-terminated string in *OUT (the caller frees it), its length
 * without the NUL in *OUTLEN, and the encoding found in ENC: "utf-8", "gb18030", "utf-16le" or
 * "utf-16be". A leading BOM is dropped. DETAIL (may be NULL) receives a static Chinese sentence
 * when the result is not E_OK.
 * Errors: E_FILE_TYPE when the bytes are not text (NUL bytes, many control characters) or are
 * neither UTF-8 nor GB18030; E_BAD_FILE when the text would exceed CAP ("文本过大"); E_NOMEM.
 * On error *OUT is NULL, *OUTLEN 0 and ENC "". */
int textenc_convert(const char *buf, size_t len, size_t cap, char **out, size_t *outlen,
                    char enc[16], const char **detail);

/* textenc_convert() with CAP = TEXTENC_MAX and no detail. */
int textenc_to_utf8(const char *buf, size_t len, char **out, size_t *outlen, char enc[16]);

#endif
