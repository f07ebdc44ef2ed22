/*
 * utf8.h - UTF-8 checks for text that arrives from outside (paths, query values, uploads).
 */
#ifndef KAOPING_UTF8_H
#define KAOPING_UTF8_H

#include <stddef.h>

/* 1 when the N bytes at S are well-formed UTF-8 (no overlong forms, no surrogates, nothing
 * above U+10FFFF), else 0. NUL bytes count as invalid in text from outside. */
int utf8_valid(const char *s, size_t n);

/* The number of code points in the NUL-terminated, valid UTF-8 string S. */
size_t utf8_chars(const char *s);

#endif
