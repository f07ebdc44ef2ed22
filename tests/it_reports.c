/*
 * it_reports.c - report submission against the real daemon: a unit uploads .docx, .pdf and
 * GB18030 .txt reports (made from the real corpus in ../shared when present, else from the
 * demo texts), versions and downloads, the phase and deadline rules, who may see what,
 * hostile and broken uploads (each refused with a clear error, nothing left in the store's
 * temporary folder, the daemon still answering), an upload cut off mid-transfer, and the
 * daemon's memory while a 40 MB file streams in.
 */
#include "testutil.h"

#include <check.h>
#include <dirent.h>
#include <iconv.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct tu_daemon d;
static char ajar[300], acsrf[65], ujar[300], ucsrf[65];
static long long cycle; /* a cycle in phase submission with a deadline in the future */

static json_t *call(const char *jar, const char *csrf, const char *method, const char *path,
                    const char *body, long want)
{
  return tu_json(d.url, jar, csrf, method, path, body, want);
}

static void start(void)
{
  const char *args[] = {"--demo", "--max-upload", "45000000", NULL};
  ck_assert_msg(tu_start(&d, NULL, args) == 0, "daemon did not start: %s", d.out);
  snprintf(ajar, sizeof ajar, "%s/ajar", d.dir);
  snprintf(ujar, sizeof ujar, "%s/ujar", d.dir);
  ck_assert_int_eq(tu_login(d.url, "admin", "kaoping-demo", ajar, acsrf), 200);
  ck_assert_int_eq(tu_login(d.url, "unit-YL-SFJ", "kaoping-demo", ujar, ucsrf), 200);
  json_t *j = call(ajar, acsrf, "POST", "/api/v1/cycles",
                   "{\"year\":2024,\"title\":\"云岭县2024年度法治政府建设考核\","
                   "\"submission_deadline\":4000000000}",
                   201);
  cycle = json_integer_value(json_object_get(json_object_get(j, "cycle"), "id"));
  json_decref(j);
  char path[64];
  snprintf(path, sizeof path, "/api/v1/cycles/%lld", cycle);
  json_decref(call(ajar, acsrf, "PATCH", path, "{\"phase\":\"submission\"}", 200));
}

static void stop(void)
{
  ck_assert_int_eq(tu_stop(&d), 0);
  tu_rmrf(d.dir);
}

/* Uploads FILE as NAME for UNIT in cycle CY as the client (JAR, CSRF); returns the reply. */
static json_t *upload_as(const char *jar, const char *csrf, long long cy, const char *unit,
                         const char *file, const char *name, long want)
{
  char path[200];
  snprintf(path, sizeof path, "/api/v1/cycles/%lld/units/%s/report", cy, unit);
  return tu_upload(d.url, jar, csrf, path, file, name, NULL, want);
}

static json_t *upload(const char *file, const char *name, long want)
{
  return upload_as(ujar, ucsrf, cycle, "YL-SFJ", file, name, want);
}

/* The number of files in the store's temporary folder (must be 0 between requests). */
static int tmp_files(void)
{
  char path[300];
  snprintf(path, sizeof path, "%s/tmp", d.dir);
  DIR *dir = opendir(path);
  int n = 0;
  struct dirent *e;
  while (dir && (e = readdir(dir)))
    if (e->d_name[0] != '.') n++;
  if (dir) closedir(dir);
  return n;
}

/* A report text to build fixtures from: the real corpus when ../shared is there, else a demo
 * report. Stores its path in OUT. */
static void source_text(char *out, size_t cap)
{
  const char *src = getenv("KAOPING_SOURCE_DIR");
  snprintf(out, cap, "%s/../shared/corpus/001_5a7ed637e8473e00.txt", src ? src : ".");
  if (access(out, R_OK) != 0) {
    printf("SKIP: ../shared/corpus not found; using a demo report instead\n");
    snprintf(out, cap, "%s/server/demo/reports/YL-SFJ-2023.txt", src ? src : ".");
  }
}

static void run(const char *cmd)
{
  ck_assert_msg(system(cmd) == 0, "failed: %s", cmd);
}

static int part_found(json_t *rep, const char *code)
{
  size_t i;
  json_t *s;
  json_array_foreach(json_object_get(rep, "sections"), i, s)
  {
    if (!strcmp(json_string_value(json_object_get(s, "code")), code))
      return json_is_true(json_object_get(s, "found"));
  }
  return -1;
}

START_TEST(unit_submits_versions_and_downloads)
{
  char src[600], docx[300], expected[300], pdf[300], cmd[2000];
  source_text(src, sizeof src);
  const char *root = getenv("KAOPING_SOURCE_DIR");
  snprintf(docx, sizeof docx, "%s/r.docx", d.dir);
  snprintf(expected, sizeof expected, "%s/r.expected", d.dir);
  snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s/tests/fixtures/make_docx.py %s %s %s", root, src,
           docx, expected);
  run(cmd);
  json_t *j = upload(docx, "荥阳市科工信局2023年度法治政府建设情况报告.docx", 201);
  json_t *rep = json_object_get(j, "report");
  ck_assert_int_eq(json_integer_value(json_object_get(rep, "version")), 1);
  ck_assert_str_eq(json_string_value(json_object_get(rep, "format")), "docx");
  ck_assert_int_eq(json_integer_value(json_object_get(rep, "year")), 2023);
  ck_assert_int_eq(part_found(rep, "S1"), 1);
  ck_assert_int_eq(json_array_size(json_object_get(rep, "sections")), 5);
  /* The year differs from the cycle's 2024: a warning says so. */
  char *warnings = json_dumps(json_object_get(rep, "warnings"), 0);
  ck_assert_ptr_nonnull(strstr(warnings, "year_mismatch"));
  free(warnings);
  json_decref(j);

  /* A second upload, as PDF, becomes version 2 and the current one. */
  snprintf(pdf, sizeof pdf, "%s/r.pdf", d.dir);
  snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s/tests/fixtures/make_pdf.py %s %s", root, src, pdf);
  run(cmd);
  j = upload(pdf, "报告-修订.pdf", 201);
  ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j, "report"), "version")), 2);
  ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "report"), "format")),
                   "pdf");
  json_decref(j);
  char path[200];
  snprintf(path, sizeof path, "/api/v1/cycles/%lld/units/YL-SFJ/report", cycle);
  j = call(ujar, ucsrf, "GET", path, NULL, 200);
  rep = json_object_get(j, "report");
  ck_assert_int_eq(json_integer_value(json_object_get(rep, "version")), 2);
  ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(rep, "text")), "法律顾问"));
  json_decref(j);
  snprintf(path, sizeof path, "/api/v1/cycles/%lld/units/YL-SFJ/report/versions", cycle);
  j = call(ujar, ucsrf, "GET", path, NULL, 200);
  ck_assert_int_eq(json_array_size(json_object_get(j, "versions")), 2);
  ck_assert_int_eq(json_integer_value(json_object_get(
                       json_array_get(json_object_get(j, "versions"), 0), "version")),
                   2);
  json_decref(j);
  /* Version 1 and its original file, byte for byte. */
  snprintf(path, sizeof path, "/api/v1/cycles/%lld/units/YL-SFJ/report/versions/1", cycle);
  j = call(ujar, ucsrf, "GET", path, NULL, 200);
  ck_assert(json_is_false(json_object_get(json_object_get(j, "report"), "current")));
  json_decref(j);
  char url[300], got[300];
  snprintf(url, sizeof url, "%s/api/v1/cycles/%lld/units/YL-SFJ/report/versions/1/file", d.url,
           cycle);
  snprintf(got, sizeof got, "%s/got.docx", d.dir);
  snprintf(cmd, sizeof cmd, "curl -s -b %s -o %s '%s' && cmp -s %s %s", ujar, got, url, got, docx);
  run(cmd);
  struct tu_resp r;
  tu_http("GET", url, NULL, NULL, 0, ujar, &r);
  ck_assert_ptr_nonnull(strstr(tu_header(&r, "Content-Disposition"), "filename*=UTF-8''%E8%8D%A5"));
  ck_assert_str_eq(tu_header(&r, "Content-Type"),
                   "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
  tu_resp_free(&r);
  /* The search index follows the current version only. */
  snprintf(url, sizeof url,
           "%s/api/v1/search?q=%%E6%%B3%%95%%E5%%BE%%8B%%E9%%A1%%BE%%E9%%97%%AE&cycle=%lld", d.url,
           cycle);
  tu_http("GET", url, NULL, NULL, 0, ujar, &r);
  ck_assert_ptr_nonnull(strstr(r.body, "\"total\":1"));
  tu_resp_free(&r);
  /* GB18030 text. */
  char gbk[300];
  snprintf(gbk, sizeof gbk, "%s/r-gbk.txt", d.dir);
  snprintf(cmd, sizeof cmd, "iconv -f UTF-8 -t GB18030 %s > %s", src, gbk);
  run(cmd);
  j = upload(gbk, "报告.txt", 201);
  ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "report"), "encoding")),
                   "gb18030");
  json_decref(j);
  ck_assert_int_eq(tmp_files(), 0);
}
END_TEST

START_TEST(phases_deadlines_and_access)
{
  char file[300], path[200];
  snprintf(file, sizeof file, "%s/ok.txt", d.dir);
  FILE *f = fopen(file, "w");
  fputs("云岭县司法局2024年度法治政府建设情况报告\n一、主要举措和成效\n全年办理复议案件12件。\n",
        f);
  fclose(f);
  /* The demo's 2023 cycle is in review: a unit cannot upload; the admin can, flagged late. */
  json_t *j = upload_as(ujar, ucsrf, 2, "YL-SFJ", file, "r.txt", 409);
  ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "error"), "code")),
                   "E_NOT_OPEN");
  json_decref(j);
  j = upload_as(ajar, acsrf, 2, "YL-ZJJ", file, "r.txt", 201);
  ck_assert(json_is_true(json_object_get(json_object_get(j, "report"), "late")));
  json_decref(j);
  /* Past the deadline a unit needs the office's permission, and the upload is flagged. */
  snprintf(path, sizeof path, "/api/v1/cycles/%lld", cycle);
  json_decref(call(ajar, acsrf, "PATCH", path, "{\"submission_deadline\":1000000000}", 200));
  j = upload(file, "r.txt", 409);
  ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "error"), "code")),
                   "E_DEADLINE");
  json_decref(j);
  snprintf(path, sizeof path, "/api/v1/cycles/%lld/units/YL-SFJ/late-upload", cycle);
  json_decref(call(ajar, acsrf, "POST", path, "{\"until\":4000000000}", 204));
  j = upload(file, "r.txt", 201);
  ck_assert(json_is_true(json_object_get(json_object_get(j, "report"), "late")));
  json_decref(j);
  /* Another unit's report is invisible to a unit user, and to reviewers not assigned to it. */
  json_decref(upload_as(ujar, ucsrf, cycle, "YL-GAJ", file, "r.txt", 404));
  json_decref(call(ujar, ucsrf, "GET", "/api/v1/cycles/2/units/YL-GAJ/report", NULL, 404));
  char rjar[300], rcsrf[65];
  snprintf(rjar, sizeof rjar, "%s/rjar", d.dir);
  ck_assert_int_eq(tu_login(d.url, "reviewer2", "kaoping-demo", rjar, rcsrf), 200); /* of YL-SFJ */
  json_decref(call(rjar, rcsrf, "GET", "/api/v1/cycles/2/units/YL-SFJ/report", NULL, 404));
  j = call(rjar, rcsrf, "GET", "/api/v1/cycles/2/units", NULL, 200);
  const char *assigned =
      json_string_value(json_object_get(json_array_get(json_object_get(j, "units"), 0), "code"));
  snprintf(path, sizeof path, "/api/v1/cycles/2/units/%s/report", assigned);
  json_decref(j);
  j = call(rjar, rcsrf, "GET", path, NULL, 200); /* assigned: readable (when submitted) */
  json_decref(j);
  json_decref(upload_as(rjar, rcsrf, 2, "YL-GAJ", file, "r.txt", 403)); /* reviewers never upload */
}
END_TEST

/* One hostile or broken upload: its making, its name, and the error code expected. */
static const struct {
  const char *name, *make, *code;
} hostile[] = {
    {"empty.docx", ": > @OUT@", "E_FILE_TYPE"},
    {"page.pdf", "printf '<!DOCTYPE html><html><body>报告</body></html>' > @OUT@", "E_FILE_TYPE"},
    {"image.docx", "printf '\\211PNG\\r\\n\\032\\n0000' > @OUT@", "E_FILE_TYPE"},
    {"old.doc", "printf '\\320\\317\\021\\340\\241\\261\\032\\341 ole' > @OUT@", "E_FILE_TYPE"},
    {"noise.txt", "head -c 4000 /dev/urandom > @OUT@", "E_FILE_TYPE"},
    {"nul.txt", "printf 'abc\\000def' > @OUT@", "E_FILE_TYPE"},
    {"bad-utf8.txt", "printf '\\377\\376\\375\\374\\201\\377\\377' > @OUT@", "E_FILE_TYPE"},
    {"rtf.docx", "printf '{\\\\rtf1 hello}' > @OUT@", "E_FILE_TYPE"},
    {"truncated.pdf", "printf '%%PDF-1.4\\n1 0 obj << /Type /Catalog' > @OUT@", "E_BAD_FILE"},
    {"oneline.txt", "head -c 20000000 /dev/zero | tr '\\0' a > @OUT@", "E_BAD_FILE"},
    {"bomb.docx",
     "/usr/bin/python3 -c \"import zipfile,sys; "
     "z=zipfile.ZipFile(sys.argv[1],'w',zipfile.ZIP_DEFLATED); "
     "z.writestr('word/document.xml', b'<a/>' + b' '*60000000); z.close()\" @OUT@",
     "E_BAD_FILE"},
    {"slip.docx",
     "/usr/bin/python3 -c \"import zipfile,sys; z=zipfile.ZipFile(sys.argv[1],'w'); "
     "z.writestr('word/document.xml','<w:document/>'); z.writestr('../../evil.txt','x'); "
     "z.close()\" @OUT@",
     "E_BAD_FILE"},
    {"abs.docx",
     "/usr/bin/python3 -c \"import zipfile,sys; z=zipfile.ZipFile(sys.argv[1],'w'); "
     "z.writestr('word/document.xml','<w:document/>'); z.writestr('/etc/evil','x'); z.close()\" "
     "@OUT@",
     "E_BAD_FILE"},
    {"laughs.docx",
     "/usr/bin/python3 -c \"import zipfile,sys; q=chr(34); "
     "e=''.join('<!ENTITY e%d '%i+q+('&e%d;'%(i-1))*10+q+'>' for i in range(1,8)); "
     "x='<?xml version='+q+'1.0'+q+'?><!DOCTYPE d [<!ENTITY e0 "
     "'+q+'laugh'+q+'>'+e+']><d>&e7;</d>'; "
     "z=zipfile.ZipFile(sys.argv[1],'w'); z.writestr('word/document.xml',x); z.close()\" @OUT@",
     "E_BAD_FILE"},
    {"half.docx",
     "/usr/bin/python3 -c \"import zipfile,sys,io; b=io.BytesIO(); z=zipfile.ZipFile(b,'w'); "
     "z.writestr('word/document.xml','<w:document>'+'x'*5000+'</w:document>'); z.close(); "
     "open(sys.argv[1],'wb').write(b.getvalue()[:len(b.getvalue())//2])\" @OUT@",
     "E_BAD_FILE"},
    {"notword.docx",
     "/usr/bin/python3 -c \"import zipfile,sys; z=zipfile.ZipFile(sys.argv[1],'w'); "
     "z.writestr('readme.txt','hello'); z.close()\" @OUT@",
     "E_FILE_TYPE"},
    {"loop.pdf",
     "printf '%%PDF-1.4\\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\\n2 0 "
     "obj<</Type/Pages/Kids[2 "
     "0 R]/Count 1>>endobj\\n"
     "xref\\n0 3\\n0000000000 65535 f \\n0000000009 00000 n \\n0000000052 00000 n "
     "\\ntrailer<</Size 3/Root 1 0 R/Prev 120>>\\n"
     "startxref\\n100\\n%%EOF\\n' > @OUT@",
     "E_BAD_FILE"},
    {"ofd.docx",
     "/usr/bin/python3 -c \"import zipfile,sys; z=zipfile.ZipFile(sys.argv[1],'w'); "
     "z.writestr('OFD.xml','<ofd:OFD/>'); z.close()\" @OUT@",
     "E_FILE_TYPE"},
};

/* Copies TEMPLATE into OUT with every "@OUT@" replaced by FILE (no printf: the templates hold
 * percent signs of their own). */
static void fill(char *out, size_t cap, const char *template, const char *file)
{
  size_t o = 0;
  for (const char *p = template; *p && o + 1 < cap;) {
    if (!strncmp(p, "@OUT@", 5)) {
      o += (size_t)snprintf(out + o, cap - o, "%s", file);
      p += 5;
    } else {
      out[o++] = *p++;
    }
  }
  out[o < cap ? o : cap - 1] = 0;
}

START_TEST(hostile_uploads_are_refused_cleanly)
{
  size_t n = sizeof hostile / sizeof hostile[0];
  ck_assert_int_ge(n, 15);
  for (size_t i = 0; i < n; i++) {
    char file[300], cmd[1500];
    snprintf(file, sizeof file, "%s/h-%zu", d.dir, i);
    fill(cmd, sizeof cmd, hostile[i].make, file);
    run(cmd);
    long long t0 = tu_now_ms();
    json_t *j = upload(file, hostile[i].name, !strcmp(hostile[i].code, "E_FILE_TYPE") ? 415 : 422);
    json_t *e = json_object_get(j, "error");
    const char *code = json_string_value(json_object_get(e, "code"));
    ck_assert_msg(code && !strcmp(code, hostile[i].code), "%s: got %s", hostile[i].name,
                  code ? code : "no error");
    ck_assert_msg(json_string_length(json_object_get(e, "detail")) > 0, "%s: no detail",
                  hostile[i].name);
    ck_assert_msg(tu_now_ms() - t0 < 40000, "%s took too long", hostile[i].name);
    json_decref(j);
    ck_assert_msg(tmp_files() == 0, "%s left a temporary file", hostile[i].name);
    unlink(file);
  }
  /* No file field, another content type, over the size cap. */
  char url[300];
  snprintf(url, sizeof url, "%s/api/v1/cycles/%lld/units/YL-SFJ/report", d.url, cycle);
  char tok[100], cmd[1200], out[4096];
  snprintf(tok, sizeof tok, "X-CSRF-Token: %s", ucsrf);
  snprintf(cmd, sizeof cmd, "curl -s -b %s -H '%s' -F 'other=1' '%s'", ujar, tok, url);
  FILE *p = popen(cmd, "r");
  size_t k = fread(out, 1, sizeof out - 1, p);
  out[k] = 0;
  pclose(p);
  ck_assert_ptr_nonnull(strstr(out, "\"field\":\"file\""));
  const char *h[] = {"Content-Type: application/json", tok, NULL};
  struct tu_resp r;
  tu_http("POST", url, h, "{}", 2, ujar, &r);
  ck_assert_int_eq(r.status, 415);
  tu_resp_free(&r);
  char big[300];
  snprintf(big, sizeof big, "%s/big.txt", d.dir);
  snprintf(cmd, sizeof cmd, "head -c 46000000 /dev/zero > %s", big);
  run(cmd);
  json_decref(upload(big, "big.txt", 413));
  unlink(big);
  ck_assert_int_eq(tmp_files(), 0);
  /* The daemon is fine. */
  snprintf(url, sizeof url, "%s/healthz", d.url);
  tu_http("GET", url, NULL, NULL, 0, NULL, &r);
  ck_assert_int_eq(r.status, 200);
  tu_resp_free(&r);
}
END_TEST

/* VmHWM (peak resident memory) of the daemon in KiB. */
static long peak_kib(void)
{
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%d/status", (int)d.pid);
  FILE *f = fopen(path, "r");
  long v = -1;
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, "VmHWM:", 6)) v = atol(line + 6);
  if (f) fclose(f);
  return v;
}

START_TEST(cut_off_upload_and_streaming_memory)
{
  /* An upload cut off mid-transfer leaves nothing behind. */
  int fd = tu_connect(d.port);
  char head[800];
  snprintf(head, sizeof head,
           "POST /api/v1/cycles/%lld/units/YL-SFJ/report HTTP/1.1\r\nHost: 127.0.0.1\r\n"
           "Cookie: kp_session=%s\r\nX-CSRF-Token: %s\r\n"
           "Content-Type: multipart/form-data; boundary=XYZ\r\nContent-Length: 1000000\r\n\r\n"
           "--XYZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\n"
           "一、主要举措和成效\n",
           cycle, "0", ucsrf);
  /* the session cookie from the jar */
  char cmd[600], cookie[128] = "";
  snprintf(cmd, sizeof cmd, "awk '$6==\"kp_session\"{print $7}' %s", ujar);
  FILE *p = popen(cmd, "r");
  if (fgets(cookie, sizeof cookie, p)) cookie[strcspn(cookie, "\n")] = 0;
  pclose(p);
  char *c = strstr(head, "kp_session=0");
  ck_assert_ptr_nonnull(c);
  char rest[800];
  snprintf(rest, sizeof rest, "%s", c + strlen("kp_session=0"));
  snprintf(c, sizeof head - (size_t)(c - head), "kp_session=%s%s", cookie, rest);
  ck_assert_int_eq(tu_send(fd, head), 0);
  usleep(300000);
  ck_assert_int_eq(tmp_files(), 1); /* it is streaming into tmp */
  close(fd);
  for (int i = 0; i < 50 && tmp_files(); i++) usleep(100000);
  ck_assert_int_eq(tmp_files(), 0);

  /* 40 MB streams through with little memory: a file that is read as a (broken) PDF in a
   * child process after it arrived, so the daemon itself never holds it. */
  char big[300];
  snprintf(big, sizeof big, "%s/big.pdf", d.dir);
  snprintf(cmd, sizeof cmd,
           "(printf '%%%%PDF-1.4\\n'; head -c 40000000 /dev/urandom; printf '\\n%%%%EOF\\n') > %s",
           big);
  run(cmd);
  long before = peak_kib();
  json_decref(upload(big, "big.pdf", 422));
  long after = peak_kib();
  printf("daemon peak RSS %ld KiB before, %ld KiB after a 40 MB upload\n", before, after);
  ck_assert_int_gt(before, 0);
  ck_assert_msg(after - before < 4096, "peak memory grew by %ld KiB", after - before);
  ck_assert_int_eq(tmp_files(), 0);
}
END_TEST

/* Writes a zip at PATH from NAME=TEXT pairs via python's zipfile (TEXT "@junk" = random bytes). */
static void make_zip(const char *path, const char *const pairs[][2], size_t n)
{
  char script[600];
  snprintf(script, sizeof script, "%s.py", path);
  FILE *f = fopen(script, "w");
  fputs("import sys, os, zipfile, json\n"
        "pairs = json.load(open(sys.argv[2], encoding='utf-8'))\n"
        "z = zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED)\n"
        "for name, text in pairs:\n"
        "    z.writestr(zipfile.ZipInfo(name), os.urandom(3000) if text == '@junk' else "
        "text.encode('utf-8'))\n"
        "z.close()\n",
        f);
  fclose(f);
  json_t *arr = json_array();
  for (size_t i = 0; i < n; i++)
    json_array_append_new(arr, json_pack("[s,s]", pairs[i][0], pairs[i][1]));
  char jpath[600], cmd[2000];
  snprintf(jpath, sizeof jpath, "%s.json", path);
  ck_assert_int_eq(json_dump_file(arr, jpath, 0), 0);
  json_decref(arr);
  snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s %s %s", script, path, jpath);
  run(cmd);
}

/* Posts the zip at PATH (with an optional ASSIGN field) to the import; returns the reply. */
static json_t *import(const char *path, int apply, const char *assign, long want)
{
  char afile[400] = "", aopt[500] = "", url[100];
  if (assign) {
    snprintf(afile, sizeof afile, "%s.assign", path);
    FILE *f = fopen(afile, "w");
    fputs(assign, f);
    fclose(f);
    snprintf(aopt, sizeof aopt, "-F 'assign=<%s'", afile);
  }
  snprintf(url, sizeof url, "/api/v1/cycles/2/reports/import?apply=%d", apply);
  return tu_upload(d.url, ajar, acsrf, url, path, "reports.zip", assign ? aopt : NULL, want);
}

/* The entry of J named NAME. */
static json_t *entry(json_t *j, const char *name)
{
  size_t i;
  json_t *e;
  json_array_foreach(json_object_get(j, "entries"), i, e)
  {
    if (!strcmp(json_string_value(json_object_get(e, "name")), name)) return e;
  }
  ck_abort_msg("no entry %s", name);
  return NULL;
}

static const char *unit_of(json_t *e)
{
  const char *c = json_string_value(json_object_get(json_object_get(e, "unit"), "code"));
  return c ? c : "";
}

START_TEST(bulk_import_from_zip)
{
  char zip[300];
  snprintf(zip, sizeof zip, "%s/reports.zip", d.dir);
  const char *body = "一、2023年度推进法治政府建设的主要举措和成效\n全年开展普法活动12场。\n";
  char by_text[400];
  snprintf(by_text, sizeof by_text,
           "关于2023年度法治政府建设情况的报告\n%s\n云岭县农业农村局\n2024年1月10日\n", body);
  const char *const files[][2] = {
      {"云岭县交通运输局2023年度报告.txt", body}, /* by name */
      {"YL-RSJ_report.txt", body},                /* by code */
      {"材料/报告三.txt", by_text},               /* by the unit named in the text */
      {"报告四.txt", body},                       /* nothing to go by */
      {"broken.docx", "@junk"},                   /* unreadable */
      {"__MACOSX/._x", "meta"},                   /* skipped */
  };
  make_zip(zip, files, sizeof files / sizeof files[0]);
  json_t *j = import(zip, 0, NULL, 200);
  ck_assert_int_eq(json_array_size(json_object_get(j, "entries")), 5);
  ck_assert_str_eq(unit_of(entry(j, "云岭县交通运输局2023年度报告.txt")), "YL-JTJ");
  ck_assert_str_eq(json_string_value(
                       json_object_get(entry(j, "云岭县交通运输局2023年度报告.txt"), "matched_by")),
                   "filename");
  ck_assert_str_eq(unit_of(entry(j, "YL-RSJ_report.txt")), "YL-RSJ");
  ck_assert_str_eq(unit_of(entry(j, "材料/报告三.txt")), "YL-NYJ");
  ck_assert_str_eq(json_string_value(json_object_get(entry(j, "材料/报告三.txt"), "matched_by")),
                   "text");
  ck_assert_str_eq(unit_of(entry(j, "报告四.txt")), "");
  ck_assert_int_eq(json_array_size(json_object_get(entry(j, "报告四.txt"), "problems")), 1);
  ck_assert_int_eq(json_array_size(json_object_get(entry(j, "broken.docx"), "problems")), 1);
  ck_assert(json_is_false(json_object_get(j, "applied")));
  json_decref(j);
  /* Nothing was stored by the preview. */
  json_t *u = call(ajar, acsrf, "GET", "/api/v1/cycles/2/units/YL-JTJ/report", NULL, 404);
  json_decref(u);
  ck_assert_int_eq(tmp_files(), 0);
  /* Apply, assigning the fourth file by hand. */
  j = import(zip, 1, "{\"报告四.txt\":\"YL-BSZ\"}", 200);
  ck_assert(json_is_true(json_object_get(j, "applied")));
  ck_assert_str_eq(json_string_value(json_object_get(entry(j, "报告四.txt"), "matched_by")),
                   "assigned");
  json_decref(j);
  const char *imported[] = {"YL-JTJ", "YL-RSJ", "YL-NYJ", "YL-BSZ"};
  for (int i = 0; i < 4; i++) {
    char path[128];
    snprintf(path, sizeof path, "/api/v1/cycles/2/units/%s/report", imported[i]);
    u = call(ajar, acsrf, "GET", path, NULL, 200);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(u, "report"), "version")),
                     1);
    json_decref(u);
  }
  ck_assert_int_eq(tmp_files(), 0);
  /* Two files for one unit: refused whole. */
  const char *const dup[][2] = {{"云岭县河坪乡人民政府-1.txt", body},
                                {"云岭县河坪乡人民政府-2.txt", body}};
  make_zip(zip, dup, 2);
  json_decref(import(zip, 1, NULL, 400));
  json_decref(call(ajar, acsrf, "GET", "/api/v1/cycles/2/units/YL-HPX/report", NULL, 404));
  /* Not a zip. */
  char txt[300];
  snprintf(txt, sizeof txt, "%s/not.zip", d.dir);
  FILE *f = fopen(txt, "w");
  fputs("plain text", f);
  fclose(f);
  json_decref(import(txt, 0, NULL, 422));
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("reports");
  TCase *tc = tcase_create("reports");
  tcase_add_checked_fixture(tc, start, stop);
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, unit_submits_versions_and_downloads);
  tcase_add_test(tc, phases_deadlines_and_access);
  tcase_add_test(tc, hostile_uploads_are_refused_cleanly);
  tcase_add_test(tc, cut_off_upload_and_streaming_memory);
  tcase_add_test(tc, bulk_import_from_zip);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return tu_run_suite(suite());
}
