/*
 * json.c - request body parsing and field validation (see json.h).
 */
#include "json.h"

#include "err.h"
#include "utf8.h"

#include <string.h>

int json_parse_body(const char *buf, size_t len, json_t **out, const char **detail, struct arena *a)
{
  *out = NULL;
  if (!buf || len == 0) {
    *detail = "请求体为空";
    return E_BAD_JSON;
  }
  json_error_t e;
  json_t *j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &e);
  if (!j) {
    switch (json_error_code(&e)) {
    case json_error_invalid_utf8:
      *detail = "请求体含有无效的 UTF-8 字节";
      return E_BAD_UTF8;
    case json_error_duplicate_key:
      *detail = arena_printf(a, "重复的键（第 %d 行第 %d 列）", e.line, e.column);
      break;
    case json_error_stack_overflow:
      *detail = "JSON 嵌套层数过多";
      break;
    default:
      *detail = arena_printf(a, "JSON 语法错误（第 %d 行第 %d 列）：%s", e.line, e.column, e.text);
    }
    return E_BAD_JSON;
  }
  if (!json_is_object(j)) {
    json_decref(j);
    *detail = "请求体必须是 JSON 对象";
    return E_BAD_JSON;
  }
  *out = j;
  return E_OK;
}

int json_only_keys(struct reply *out, json_t *obj, const char *const keys[])
{
  const char *k;
  json_t *v;
  json_object_foreach(obj, k, v)
  {
    int known = 0;
    for (size_t i = 0; keys[i] && !known; i++) known = !strcmp(k, keys[i]);
    if (!known) return reply_invalid(out, k, "不认识的字段");
  }
  return E_OK;
}

int json_take_str(struct reply *out, json_t *obj, const char *key, int required, size_t maxchars,
                  const char **val)
{
  json_t *v = json_object_get(obj, key);
  *val = NULL;
  if (!v || json_is_null(v)) return required ? reply_invalid(out, key, "不能为空") : E_OK;
  if (!json_is_string(v)) return reply_invalid(out, key, "应为文本");
  const char *s = json_string_value(v);
  size_t len = json_string_length(v);
  if (strlen(s) != len) return reply_invalid(out, key, "含有不允许的空字符");
  if (required && len == 0) return reply_invalid(out, key, "不能为空");
  if (utf8_chars(s) > maxchars) return reply_invalid(out, key, "内容过长");
  for (const unsigned char *p = (const unsigned char *)s; *p; p++)
    if (*p < 0x20 && *p != '\n' && *p != '\t' && *p != '\r')
      return reply_invalid(out, key, "含有不允许的控制字符");
  *val = s;
  return E_OK;
}

int json_take_int(struct reply *out, json_t *obj, const char *key, int required, int64_t min,
                  int64_t max, int64_t *val)
{
  json_t *v = json_object_get(obj, key);
  if (!v || json_is_null(v)) return required ? reply_invalid(out, key, "不能为空") : E_OK;
  if (!json_is_integer(v)) return reply_invalid(out, key, "应为整数");
  json_int_t n = json_integer_value(v);
  if (n < min || n > max) return reply_invalid(out, key, "超出允许的范围");
  *val = n;
  return E_OK;
}
