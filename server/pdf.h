/*
 * pdf.h - the text of a PDF file, extracted by poppler's pdftotext in a confined child
 * process: the only file that starts other programs.
 *
 * The PDF is parsed by pdftotext, never in the daemon's own address space. The child gets
 * /dev/null as standard input, a pipe for standard output (the text) and one for standard
 * error (its diagnostics, read to tell "damaged" from "no text"), no other file descriptor,
 * its own process group, an empty signal mask and default signal actions, a minimal
 * environment, and resource limits: CPU time, address space, no file writing, few open
 * files, no core dumps. The parent enforces a wall-clock timeout and an output cap, kills the
 * whole process group when either is passed, and always reaps the child. Only
 * async-signal-safe calls run between fork() and execve(), so any thread may call this.
 *
 * The daemon must not set SIGCHLD to SIG_IGN, nor reap with waitpid(-1, ...) elsewhere: either
 * would take the child's exit status away.
 */
#ifndef KAOPING_PDF_H
#define KAOPING_PDF_H

#include <stddef.h>

#define PDF_TIMEOUT_MS 30000               /* wall-clock limit on one extraction */
#define PDF_CPU_S      20                  /* RLIMIT_CPU of the child */
#define PDF_MEM        ((size_t)512 << 20) /* RLIMIT_AS of the child */
#define PDF_MAX_OUT    ((size_t)8 << 20)   /* text cap */

/* Overrides for tests and configuration; a zero or NULL member means the default. */
struct pdf_opts {
  const char *tool; /* the pdftotext program: NULL = "pdftotext" in PATH, else /usr/bin */
  int timeout_ms;   /* wall-clock limit */
  int cpu_s;        /* CPU-time limit of the child */
  size_t max_out;   /* text cap in bytes */
};

/* Extracts the text of the PDF file at PATH. OPTS may be NULL (all defaults). On E_OK stores a
 * malloc'd, NUL-terminated UTF-8 string in *TEXT (the caller frees it) and its length in *LEN,
 * trailing white space trimmed; *LEN is 0 for a PDF without a text layer (scanned pages), which
 * the caller should point out to the user.
 * Errors: E_BAD_FILE with a static Chinese *DETAIL: no %%EOF near the end ("PDF 文件不完整…"),
 * pdftotext failed, was killed, or reported errors and found no text ("PDF 文件已损坏或不完整"),
 * the PDF is encrypted, the time limit passed, or the text exceeds the cap ("文本过大");
 * E_INTERNAL when pdftotext cannot be found or started (logged); E_NOMEM. *TEXT is NULL on
 * error. */
int pdf_extract(const char *path, const struct pdf_opts *opts, char **text, size_t *len,
                const char **detail);

#endif
