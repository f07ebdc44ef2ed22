/*
 * utf8.c - UTF-8 validation (see utf8.h), following the well-formed byte sequences of
 * Unicode's table 3-7.
 */
#include "utf8.h"

int utf8_valid(const char *str, size_t n)
{
  const unsigned char *s = (const unsigned char *)str, *end = s + n;
  while (s < end) {
    unsigned c = *s;
    if (c == 0) return 0;
    if (c < 0x80) {
      s++;
      continue;
    }
    size_t need;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
      need = 1;
    else if (c >= 0xE0 && c <= 0xEF) {
      need = 2;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F; /* no surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
      need = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else
      return 0;
    if ((size_t)(end - s) <= need) return 0;
    if (s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i <= need; i++)
      if (s[i] < 0x80 || s[i] > 0xBF) return 0;
    s += need + 1;
  }
  return 1;
}

size_t utf8_chars(const char *s)
{
  size_t n = 0;
  for (; *s; s++)
    if (((unsigned char)*s & 0xC0) != 0x80) n++;
  return n;
}
