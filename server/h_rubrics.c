/*
 * h_rubrics.c - the rubrics API (see h_rubrics.h).
 */
#include "h_rubrics.h"

#include "audit.h"
#include "db.h"
#include "embedded.h"
#include "err.h"
#include "extract.h"
#include "json.h"
#include "rubric_draft.h"
#include "rubrics.h"
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int h_rubrics_list(struct req *r, struct reply *out)
{
  json_t *list = NULL;
  int rc = rubric_list(r->db, &list);
  return rc ? rc : reply_json(out, 200, json_pack("{s:o}", "rubrics", list));
}

int h_rubric_get(struct req *r, struct reply *out)
{
  int64_t id;
  json_t *rb = NULL;
  int rc = req_param_id(r, "id", &id);
  if (!rc) rc = rubric_get(r->db, id, &rb);
  return rc ? rc : reply_json(out, 200, json_pack("{s:o}", "rubric", rb));
}

int h_rubric_create(struct req *r, struct reply *out)
{
  const char *field = NULL, *problem = NULL;
  int rc = rubric_validate(r->db, r->jbody, &field, &problem);
  if (rc) {
    out->field = field;
    out->detail = problem;
    return rc;
  }
  int64_t id;
  if ((rc = db_begin(r->db))) return rc;
  if ((rc = rubric_insert(r->db, r->jbody, 0, (int64_t)time(NULL), &id))) goto fail;
  char object[32], detail[300];
  snprintf(object, sizeof object, "rubric:%lld", (long long)id);
  json_t *d = json_pack("{s:O}", "name", json_object_get(r->jbody, "name"));
  char *dt = d ? json_dumps(d, JSON_COMPACT) : NULL;
  json_decref(d);
  snprintf(detail, sizeof detail, "%s", dt ? dt : "{}");
  free(dt);
  if ((rc = audit_write(r->db, r->user.id, r->user.login, "rubric.create", object, detail,
                        r->client)))
    goto fail;
  if ((rc = db_commit(r->db))) return rc;
  json_t *rb = NULL;
  if ((rc = rubric_get(r->db, id, &rb))) return rc;
  return reply_json(out, 201, json_pack("{s:o}", "rubric", rb));
fail:
  db_rollback(r->db);
  return rc;
}

int h_rubric_replace(struct req *r, struct reply *out)
{
  int64_t id;
  const char *field = NULL, *problem = NULL;
  int rc = req_param_id(r, "id", &id);
  if (rc) return rc;
  if ((rc = rubric_validate(r->db, r->jbody, &field, &problem))) {
    out->field = field;
    out->detail = problem;
    return rc;
  }
  if ((rc = db_begin(r->db))) return rc;
  rc = rubric_replace(r->db, id, r->jbody, (int64_t)time(NULL));
  if (rc == E_CONFLICT) out->detail = "该评分细则已被考核周期使用并冻结，请另存为新版本";
  char object[32];
  snprintf(object, sizeof object, "rubric:%lld", (long long)id);
  if (!rc)
    rc = audit_write(r->db, r->user.id, r->user.login, "rubric.update", object, "{}", r->client);
  if (rc) {
    db_rollback(r->db);
    return rc;
  }
  if ((rc = db_commit(r->db))) return rc;
  json_t *rb = NULL;
  if ((rc = rubric_get(r->db, id, &rb))) return rc;
  return reply_json(out, 200, json_pack("{s:o}", "rubric", rb));
}

/* Answers with the draft of TEXT ({"rubric": tree, "notes": [...]}). */
static int draft_reply(struct reply *out, const char *text, size_t len, double total)
{
  json_t *draft = NULL;
  const char *detail = NULL;
  int rc = rubric_draft(text, len, total, &draft, &detail);
  if (rc) {
    out->detail = detail;
    out->field = "text";
    return rc;
  }
  json_t *notes = json_incref(json_object_get(draft, "notes"));
  json_object_del(draft, "notes");
  if (!json_is_string(json_object_get(draft, "name")))
    json_object_set_new(draft, "name", json_string("评分细则（草稿）"));
  return reply_json(out, 200,
                    json_pack("{s:o,s:o}", "rubric", draft, "notes", notes ? notes : json_array()));
}

int h_rubric_draft(struct req *r, struct reply *out)
{
  static const char *const keys[] = {"text", "total_points", NULL};
  const char *text;
  int rc;
  if ((rc = json_only_keys(out, r->jbody, keys)) ||
      (rc = json_take_str(out, r->jbody, "text", 1, 400000, &text)))
    return rc;
  json_t *t = json_object_get(r->jbody, "total_points");
  double total = json_is_number(t) ? json_number_value(t) : 100;
  if (t && (!json_is_number(t) || total <= 0 || total > 1000))
    return reply_invalid(out, "total_points", "总分应为大于 0、不超过 1000 的数字");
  return draft_reply(out, text, strlen(text), total);
}

int h_rubric_draft_file(struct req *r, struct reply *out)
{
  int64_t total;
  int rc = req_query_int(r, out, "total_points", 100, 1, 1000, &total);
  if (rc) {
    store_abort(&r->upload->f);
    return rc;
  }
  struct extract_result x = {0};
  const char *detail = NULL;
  rc = extract_file(r->upload->f.tmp, &x, &detail);
  store_abort(&r->upload->f); /* the document itself is not kept */
  if (rc) {
    out->field = "file";
    out->detail = detail;
    return rc;
  }
  rc = draft_reply(out, x.text, x.len, (double)total);
  extract_free(&x);
  return rc;
}

int h_rubric_template(struct req *r, struct reply *out)
{
  (void)r;
  const struct embedded_file *f =
      embedded_find(res_files, res_files_count, "/demo/rubric-default.json");
  json_t *j = f ? json_loadb((const char *)f->data, f->len, 0, NULL) : NULL;
  if (!j) return E_INTERNAL;
  return reply_json(out, 200, json_pack("{s:o}", "rubric", j));
}
