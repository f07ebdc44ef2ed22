/*
 * textenc.c - text of unknown encoding to UTF-8 (see textenc.h).
 *
 * The order of the guesses matters. A UTF-16 byte-order mark is checked first because UTF-16
 * text is full of NUL bytes; then NUL bytes mean "binary"; then strict UTF-8, because Chinese
 * text in GB18030 is almost never valid UTF-8 by accident while the reverse is common
 * (GB18030 accepts most pairs of high bytes); GB18030 last. Pure ASCII is reported as UTF-8.
 */
#include "textenc.h"

#include "err.h"
#include "utf8.h"

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

static const char TOO_BIG[] = "文本过大：提取出的文字超过 8 MB，请检查文件内容或拆分后上传";
static const char BINARY[] = "文件含有二进制数据，不是纯文本文件；请上传 .docx、.pdf 或 .txt 文件";
static const char UNKNOWN[] = "无法识别文件的文字编码（既不是 UTF-8 也不是 GB18030/GBK），"
                              "也可能不是文本文件；请上传 .docx、.pdf 或 .txt 文件";

/* Rewrites CRLF and lone CR as LF in the N bytes at S, in place; returns the new length. */
static size_t normalise_eol(char *s, size_t n)
{
  size_t w = 0;
  for (size_t r = 0; r < n; r++) {
    if (s[r] == '\r') {
      s[w++] = '\n';
      if (r + 1 < n && s[r + 1] == '\n') r++;
    } else
      s[w++] = s[r];
  }
  return w;
}

/* 1 when the N bytes of UTF-8 at S look like binary data rather than text: a NUL, or more C0
 * control characters than a typed document has (tab, LF, VT, FF, CR and the DOS end-of-file
 * mark 0x1A are not counted; a few strays are allowed, as copy-paste from Word leaves some). */
static int looks_binary(const char *s, size_t n)
{
  size_t bad = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == 0) return 1;
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\v' && c != '\f' && c != '\r' && c != 0x1A) ||
        c == 0x7F)
      bad++;
  }
  return bad > 8 + n / 1000;
}

/* Converts N bytes at IN from the iconv encoding FROM to UTF-8 into a new buffer of at most
 * CAP bytes. Returns E_OK, E_FILE_TYPE (not valid in FROM), E_BAD_FILE (over CAP), E_NOMEM. */
static int iconv_all(const char *from, const char *in, size_t n, size_t cap, char **out,
                     size_t *outlen)
{
  int rc = E_NOMEM;
  char *buf = NULL;
  iconv_t cd = iconv_open("UTF-8", from);
  if (cd == (iconv_t)-1) goto done;
  /* Neither GB18030 nor UTF-16 grows by more than half when re-encoded as UTF-8 (2 -> 3
   * bytes at worst), so 2*N is always enough; CAP + 1 shows that the cap was passed. */
  size_t room = n <= (cap + 1) / 2 ? 2 * n : cap + 1;
  buf = malloc(room + 1);
  if (!buf) goto done;
  char *ip = (char *)in, *op = buf;
  size_t il = n, ol = room;
  if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1) {
    rc = errno == E2BIG ? E_BAD_FILE : errno == ENOMEM ? E_NOMEM : E_FILE_TYPE;
    goto done;
  }
  *outlen = (size_t)(op - buf);
  if (*outlen > cap) {
    rc = E_BAD_FILE;
    goto done;
  }
  *out = buf;
  buf = NULL;
  rc = E_OK;
done:
  if (cd != (iconv_t)-1) iconv_close(cd);
  free(buf);
  return rc;
}

int textenc_convert(const char *buf, size_t len, size_t cap, char **out, size_t *outlen,
                    char enc[16], const char **detail)
{
  const unsigned char *u = (const unsigned char *)buf;
  const char *why = NULL;
  char *text = NULL;
  size_t n = 0;
  int rc;
  *out = NULL;
  *outlen = 0;
  enc[0] = '\0';

  /* Whatever the encoding, the UTF-8 text is at least a quarter of the input (UTF-16 CRLF:
   * four bytes become one), so a much larger input is refused before any work. */
  if (len / 4 > cap + 1) {
    rc = E_BAD_FILE;
    goto done;
  }
  if (len >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF))) {
    const char *name = u[0] == 0xFF ? "utf-16le" : "utf-16be";
    rc = iconv_all(u[0] == 0xFF ? "UTF-16LE" : "UTF-16BE", buf + 2, len - 2, cap, &text, &n);
    if (rc != E_OK) goto done;
    strcpy(enc, name);
  } else if (memchr(buf, '\0', len)) {
    rc = E_FILE_TYPE;
    why = BINARY;
    goto done;
  } else if (utf8_valid(buf, len)) {
    size_t skip = len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF ? 3 : 0;
    /* CRLF -> LF only shrinks, so the copy is at most LEN - SKIP bytes; the cap is checked
     * after normalising, when the final size is known. */
    if (len - skip > 2 * cap + 2) {
      rc = E_BAD_FILE;
      goto done;
    }
    text = malloc(len - skip + 1);
    if (!text) {
      rc = E_NOMEM;
      goto done;
    }
    memcpy(text, buf + skip, len - skip);
    n = len - skip;
    strcpy(enc, "utf-8");
  } else {
    rc = iconv_all("GB18030", buf, len, cap, &text, &n);
    if (rc != E_OK) goto done;
    strcpy(enc, "gb18030");
  }
  n = normalise_eol(text, n);
  if (n > cap) {
    rc = E_BAD_FILE;
    goto done;
  }
  if (looks_binary(text, n)) {
    rc = E_FILE_TYPE;
    why = BINARY;
    goto done;
  }
  text[n] = '\0';
  *out = text;
  *outlen = n;
  text = NULL;
  rc = E_OK;
done:
  free(text);
  if (rc != E_OK) {
    enc[0] = '\0';
    if (!why) why = rc == E_BAD_FILE ? TOO_BIG : rc == E_FILE_TYPE ? UNKNOWN : "内存不足";
  }
  if (detail) *detail = rc == E_OK ? NULL : why;
  return rc;
}

int textenc_to_utf8(const char *buf, size_t len, char **out, size_t *outlen, char enc[16])
{
  return textenc_convert(buf, len, TEXTENC_MAX, out, outlen, enc, NULL);
}
