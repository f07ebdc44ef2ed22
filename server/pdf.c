/*
 * pdf.c - PDF text through a confined pdftotext child (see pdf.h).
 *
 * pdftotext is run as `pdftotext -enc UTF-8 -nopgbrk -eol unix FILE -`: reading order
 * rather than -layout (which pads Chinese text with runs of spaces to keep columns), no form
 * feeds between pages. Its standard error is kept (4 KiB at most) because it is the only sign
 * of a damaged file that pdftotext still exits 0 on (a loop in the page tree gives "Syntax
 * Error: Loop in Pages tree", exit 0 and no text), so -q is not passed.
 */
#include "pdf.h"

#include "err.h"
#include "log.h"
#include "utf8.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ERR_KEEP 4096 /* bytes of pdftotext's standard error kept */

static const char BAD_TRUNC[] = "PDF 文件不完整（缺少文件结尾标记），可能上传中断或文件已损坏";
static const char BAD_PDF[] = "PDF 文件已损坏或不完整，无法提取文字";
static const char BAD_CRYPT[] = "PDF 文件已加密或设置了权限保护，请去除密码后重新上传";
static const char BAD_TIME[] = "PDF 文件处理超时（文件过于复杂或已损坏）";
static const char TOO_BIG[] = "文本过大：提取出的文字超过 8 MB";
static const char NO_TOOL[] = "服务器未安装 PDF 文字提取工具（pdftotext），请联系管理员";

static long long now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 1 when the last KiB of the file at FD contains "%%EOF" (PDF 32000-1 7.5.5; readers accept
 * it anywhere in the last 1024 bytes). A cut-off upload lacks it. */
static int has_eof_marker(int fd, off_t size)
{
  char tail[1024];
  size_t n = size < (off_t)sizeof tail ? (size_t)size : sizeof tail;
  if (pread(fd, tail, n, size - (off_t)n) != (ssize_t)n) return 0;
  return memmem(tail, n, "%%EOF", 5) != NULL;
}

/* Finds pdftotext: in PATH (absolute entries only), else /usr/bin/pdftotext. Writes the path
 * into BUF. Returns 0, or -1 when there is none. */
static int find_tool(char *buf, size_t cap)
{
  const char *path = getenv("PATH");
  while (path && *path) {
    const char *colon = strchr(path, ':');
    size_t n = colon ? (size_t)(colon - path) : strlen(path);
    if (n > 0 && path[0] == '/' && n + sizeof "/pdftotext" <= cap) {
      snprintf(buf, cap, "%.*s/pdftotext", (int)n, path);
      if (access(buf, X_OK) == 0) return 0;
    }
    path = colon ? colon + 1 : NULL;
  }
  snprintf(buf, cap, "/usr/bin/pdftotext");
  return access(buf, X_OK) == 0 ? 0 : -1;
}

/* Sets one resource limit (soft SOFT, hard HARD); async-signal-safe (a plain system call). */
static void limit(int what, rlim_t soft, rlim_t hard)
{
  struct rlimit rl = {soft, hard};
  setrlimit(what, &rl);
}

/* The child between fork() and execve(): async-signal-safe calls only. */
static void child(const char *tool, char *const argv[], char *const envp[], int in, int out,
                  int err, long maxfd, int cpu_s, const sigset_t *empty)
{
  setpgid(0, 0);
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  for (int s = 1; s < NSIG; s++) sigaction(s, &dfl, NULL);
  sigprocmask(SIG_SETMASK, empty, NULL);
  if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) _exit(126);
  if (close_range(3, ~0U, 0) < 0)
    for (long fd = 3; fd < maxfd; fd++) close((int)fd);
  limit(RLIMIT_CPU, (rlim_t)cpu_s, (rlim_t)cpu_s + 1);
  limit(RLIMIT_AS, PDF_MEM, PDF_MEM);
  limit(RLIMIT_FSIZE, 0, 0);
  limit(RLIMIT_NOFILE, 32, 32);
  limit(RLIMIT_CORE, 0, 0);
  execve(tool, argv, envp);
  _exit(127);
}

/* Kills the child's process group (and the child itself, in case setpgid had not happened
 * yet) and reaps it. Returns its wait status. */
static int kill_and_reap(pid_t pid)
{
  int st = 0;
  kill(-pid, SIGKILL);
  kill(pid, SIGKILL);
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  return st;
}

/* Drops bytes that are not well-formed UTF-8, NULs and form feeds from S[N] in place; returns
 * the new length. pdftotext writes what a font's ToUnicode map says, which may be anything. */
static size_t clean_utf8(char *s, size_t n)
{
  size_t w = 0;
  for (size_t r = 0; r < n;) {
    unsigned char c = (unsigned char)s[r];
    size_t k = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    if (k > n - r || !utf8_valid(s + r, k)) {
      r++;
      continue;
    }
    if (c != '\f') memmove(s + w, s + r, k), w += k;
    r += k;
  }
  return w;
}

/* Logs WHAT and the first line of pdftotext's diagnostics E[N] that reports an error (else
 * the first line), control characters blanked. */
static void log_stderr(const char *what, const char *e, size_t n)
{
  char line[201];
  const char *err = memmem(e, n, "Error", 5);
  if (err) {
    while (err > e && err[-1] != '\n') err--;
    n -= (size_t)(err - e);
    e = err;
  }
  size_t k = 0;
  for (; k < n && k < sizeof line - 1 && e[k] != '\n'; k++)
    line[k] = (unsigned char)e[k] < 0x20 ? ' ' : e[k];
  line[k] = '\0';
  log_warn("pdftotext %s: %s", what, line);
}

int pdf_extract(const char *path, const struct pdf_opts *opts, char **text, size_t *len,
                const char **detail)
{
  struct pdf_opts o = opts ? *opts : (struct pdf_opts){0};
  if (o.timeout_ms <= 0) o.timeout_ms = PDF_TIMEOUT_MS;
  if (o.cpu_s <= 0) o.cpu_s = PDF_CPU_S;
  if (o.max_out == 0) o.max_out = PDF_MAX_OUT;
  int rc = E_BAD_FILE;
  const char *why = BAD_PDF;
  int fd = -1, devnull = -1, po[2] = {-1, -1}, pe[2] = {-1, -1};
  pid_t pid = -1;
  int status = 0, reaped = 0, timed_out = 0, too_big = 0;
  char *out = NULL, *arg = NULL, tool[4096];
  size_t olen = 0, ocap = 0, elen = 0;
  char errbuf[ERR_KEEP];
  *text = NULL;
  *len = 0;

  struct stat st;
  fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
    why = "无法读取文件";
    goto done;
  }
  if (!has_eof_marker(fd, st.st_size)) {
    why = BAD_TRUNC;
    goto done;
  }
  close(fd);
  fd = -1;

  if (o.tool)
    snprintf(tool, sizeof tool, "%s", o.tool);
  else if (find_tool(tool, sizeof tool) < 0) {
    log_error("pdftotext not found in PATH nor /usr/bin (install poppler-utils)");
    rc = E_INTERNAL;
    why = NO_TOOL;
    goto done;
  }
  /* A path starting with '-' would be read as an option. */
  rc = E_NOMEM;
  why = "内存不足";
  arg = malloc(strlen(path) + 3);
  if (!arg) goto done;
  sprintf(arg, "%s%s", path[0] == '-' ? "./" : "", path);
  char *argv[] = {tool, "-enc", "UTF-8", "-nopgbrk", "-eol", "unix", arg, "-", NULL};
  char *envp[] = {"PATH=/usr/bin:/bin", "LC_ALL=C.UTF-8", NULL};

  rc = E_INTERNAL;
  why = NO_TOOL;
  devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (devnull < 0 || pipe2(po, O_CLOEXEC) < 0 || pipe2(pe, O_CLOEXEC) < 0) {
    log_error("pdftotext: cannot create pipes: %s", strerror(errno));
    goto done;
  }
  long maxfd = sysconf(_SC_OPEN_MAX);
  if (maxfd < 0 || maxfd > 65536) maxfd = 65536;
  sigset_t empty;
  sigemptyset(&empty);
  long long deadline = now_ms() + o.timeout_ms;
  pid = fork();
  if (pid < 0) {
    log_error("pdftotext: fork: %s", strerror(errno));
    goto done;
  }
  if (pid == 0) child(tool, argv, envp, devnull, po[1], pe[1], maxfd, o.cpu_s, &empty);
  setpgid(pid, pid); /* also done by the child; whichever runs first wins the race */
  close(po[1]);
  close(pe[1]);
  close(devnull);
  po[1] = pe[1] = devnull = -1;

  /* Read both pipes until both close, the deadline passes or the text is too long. */
  while (po[0] >= 0 || pe[0] >= 0) {
    long long left = deadline - now_ms();
    if (left <= 0) {
      timed_out = 1;
      break;
    }
    struct pollfd pfd[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
    int r = poll(pfd, 2, left > 1000 ? 1000 : (int)left);
    if (r < 0 && errno != EINTR) break;
    if (r <= 0) continue;
    if (pfd[0].revents) {
      if (ocap - olen < 65536) {
        size_t c = ocap ? ocap * 2 : 65536;
        if (c > o.max_out + 65536) c = o.max_out + 65536;
        char *p = c > ocap ? realloc(out, c + 1) : NULL;
        if (!p) {
          rc = E_NOMEM;
          why = "内存不足";
          too_big = 1; /* stop, kill, report E_NOMEM */
          break;
        }
        out = p;
        ocap = c;
      }
      ssize_t n = read(po[0], out + olen, ocap - olen);
      if (n > 0) olen += (size_t)n;
      if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
        close(po[0]);
        po[0] = -1;
      }
      if (olen > o.max_out) {
        too_big = 1;
        break;
      }
    }
    if (pfd[1].revents) {
      char junk[1024];
      char *dst = elen < sizeof errbuf ? errbuf + elen : junk;
      size_t room = elen < sizeof errbuf ? sizeof errbuf - elen : sizeof junk;
      ssize_t n = read(pe[0], dst, room);
      if (n > 0 && dst == errbuf + elen) elen += (size_t)n;
      if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
        close(pe[0]);
        pe[0] = -1;
      }
    }
  }
  /* Both pipes closed: the child is exiting; give it until the deadline. */
  while (!timed_out && !too_big && !reaped) {
    pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid) {
      reaped = 1;
      break;
    }
    if (w < 0 && errno != EINTR) break;
    if (now_ms() >= deadline) {
      timed_out = 1;
      break;
    }
    struct timespec ts = {0, 5 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  if (!reaped) {
    status = kill_and_reap(pid);
    reaped = 1;
  }
  pid = -1;

  if (rc == E_NOMEM) goto done;
  rc = E_BAD_FILE;
  if (too_big) {
    why = TOO_BIG;
    goto done;
  }
  if (timed_out ||
      (WIFSIGNALED(status) && (WTERMSIG(status) == SIGXCPU || WTERMSIG(status) == SIGKILL))) {
    log_warn("pdftotext: time limit reached on %s", path);
    why = BAD_TIME;
    goto done;
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
    log_error("pdftotext: cannot execute %s", tool);
    rc = E_INTERNAL;
    why = NO_TOOL;
    goto done;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    int crypt = WIFEXITED(status) &&
                (WEXITSTATUS(status) == 3 || memmem(errbuf, elen, "password", 8) != NULL);
    log_stderr(WIFEXITED(status) ? "failed" : "crashed", errbuf, elen);
    why = crypt ? BAD_CRYPT : BAD_PDF;
    goto done;
  }
  olen = out ? clean_utf8(out, olen) : 0;
  while (olen > 0 && (out[olen - 1] == ' ' || out[olen - 1] == '\n' || out[olen - 1] == '\t' ||
                      out[olen - 1] == '\r'))
    olen--;
  if (olen == 0 && memmem(errbuf, elen, "Error", 5)) {
    log_stderr("found no text", errbuf, elen);
    why = BAD_PDF;
    goto done;
  }
  if (!out) {
    rc = E_NOMEM;
    why = "内存不足";
    out = malloc(1);
    if (!out) goto done;
  }
  out[olen] = '\0';
  *text = out;
  *len = olen;
  out = NULL;
  rc = E_OK;
done:
  if (pid > 0) kill_and_reap(pid);
  if (fd >= 0) close(fd);
  if (devnull >= 0) close(devnull);
  for (int i = 0; i < 2; i++) {
    if (po[i] >= 0) close(po[i]);
    if (pe[i] >= 0) close(pe[i]);
  }
  free(out);
  free(arg);
  if (detail) *detail = rc == E_OK ? NULL : why;
  return rc;
}
