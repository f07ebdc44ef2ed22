/*
 * err.c - lookups in the error table (see err.h).
 */
#include "err.h"

static const struct {
  const char *name;
  int status;
  const char *message;
} table[] = {
#define ERR_ROW(code, status, msg) {#code, status, msg},
    ERR_TABLE(ERR_ROW)
#undef ERR_ROW
};

int err_status(int code)
{
  return code >= 0 && code < E__COUNT ? table[code].status : 500;
}

const char *err_name(int code)
{
  return code >= 0 && code < E__COUNT ? table[code].name : "E_INTERNAL";
}

const char *err_message(int code)
{
  return code >= 0 && code < E__COUNT ? table[code].message : table[E_INTERNAL].message;
}
