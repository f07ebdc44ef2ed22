/*
 * err.h - every error kaoping can answer with: one code, one HTTP status, one message.
 *
 * Fallible functions return int: E_OK (0) on success, otherwise one of these codes. The HTTP
 * layer turns a code into `{"error":{"code":"E_…","message":"…","field":"…"}}` with the status
 * from this table. Messages are Simplified Chinese because they are shown to people; the web
 * app's catalogue may translate by code. Codes are part of the API: never renumber or rename.
 */
#ifndef KAOPING_ERR_H
#define KAOPING_ERR_H

#define ERR_TABLE(X)                                                                               \
  X(E_OK, 200, "成功")                                                                             \
  X(E_BAD_REQUEST, 400, "请求格式不正确")                                                          \
  X(E_BAD_JSON, 400, "请求体不是合法的 JSON")                                                      \
  X(E_BAD_UTF8, 400, "请求中含有无效的 UTF-8 编码")                                                \
  X(E_VALIDATION, 400, "输入内容不符合要求")                                                       \
  X(E_UNAUTHENTICATED, 401, "请先登录")                                                            \
  X(E_LOGIN_FAILED, 401, "用户名或密码错误")                                                       \
  X(E_CSRF, 403, "请求缺少有效的安全令牌，请刷新页面后重试")                                       \
  X(E_FORBIDDEN, 403, "没有权限执行此操作")                                                        \
  X(E_PASSWORD_CHANGE, 403, "请先修改初始密码")                                                    \
  X(E_NOT_FOUND, 404, "请求的资源不存在")                                                          \
  X(E_METHOD, 405, "该地址不支持此请求方法")                                                       \
  X(E_CONFLICT, 409, "数据已被他人修改，请刷新后重试")                                             \
  X(E_DUPLICATE, 409, "数据已存在")                                                                \
  X(E_NOT_OPEN, 409, "当前不在报告填报期，不能上传")                                               \
  X(E_DEADLINE, 409, "已过填报截止时间；如需补交，请联系考核办开通补交")                           \
  X(E_TOO_LARGE, 413, "请求体过大")                                                                \
  X(E_URI_TOO_LONG, 414, "请求地址过长")                                                           \
  X(E_MEDIA_TYPE, 415, "不支持的内容类型，请以 application/json 提交")                             \
  X(E_FILE_TYPE, 415, "不支持的文件格式")                                                          \
  X(E_BAD_FILE, 422, "文件已损坏或内容异常，无法读取")                                             \
  X(E_THROTTLED, 429, "尝试次数过多，请稍后再试")                                                  \
  X(E_INTERNAL, 500, "服务器内部错误，请联系管理员")                                               \
  X(E_DB, 500, "数据库错误，请联系管理员")                                                         \
  X(E_NOMEM, 503, "服务器内存不足，请稍后重试")                                                    \
  X(E_BUSY, 503, "服务器繁忙，请稍后重试")

enum err {
#define ERR_ENUM(code, status, msg) code,
  ERR_TABLE(ERR_ENUM)
#undef ERR_ENUM
      E__COUNT
};

/* The HTTP status of CODE (500 for an unknown code). */
int err_status(int code);

/* The stable name of CODE, e.g. "E_BAD_JSON" ("E_INTERNAL" for an unknown code). */
const char *err_name(int code);

/* The default Chinese message of CODE. */
const char *err_message(int code);

#endif
