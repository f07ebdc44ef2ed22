/*
 * log.h - the daemon's log: one line per event on standard error.
 *
 * Lines look like `2026-11-22T16:54:41Z warn db.c:231 message`; access lines are
 * `... access GET /healthz 200 15B 123us 127.0.0.1`. Each line is written with one write(2)
 * so lines from different threads never interleave; while the daemon serves, access lines are
 * gathered per thread and written in bulk, at most 100 ms after their request ended (see
 * log_buffer_start()). Standard output is kept for the few lines
 * a person or a test must read (`listening on ...`, demo logins).
 */
#ifndef KAOPING_LOG_H
#define KAOPING_LOG_H

#include <stddef.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Writes one log line at LEVEL; SITE is "file.c:123" (use the macros below). */
void log_write(enum log_level level, const char *site, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Sets the lowest level written (default LOG_INFO). */
void log_set_level(enum log_level level);

/* Writes an access line for one finished request. METHOD and PATH come from the client and
 * are escaped (%XX for control, space, '%' and non-ASCII bytes) and cut to fit. STATUS is
 * negative when the connection ended before the reply was fully sent, 0 when none was. */
void log_access(const char *method, const char *path, int status, size_t bytes, long long usec,
                const char *client);

/* Starts buffering access lines: each thread's are gathered and written in bulk, by the thread
 * when its buffer is full and by a flusher thread (started here, every signal blocked) every
 * 100 ms. 0, or -1 when the thread could not be started (lines are then written at once).
 * Calling it again while it runs does nothing. */
int log_buffer_start(void);

/* Stops the flusher and writes every buffered line; later lines are written at once. Call it
 * once the threads that write access lines have stopped (a line added meanwhile may stay
 * buffered until the next log_buffer_start()). */
void log_buffer_stop(void);

#define LOG_STR2(x)    #x
#define LOG_STR(x)     LOG_STR2(x)
#define LOG_SITE       __FILE_NAME__ ":" LOG_STR(__LINE__)
#define log_info(...)  log_write(LOG_INFO, LOG_SITE, __VA_ARGS__)
#define log_warn(...)  log_write(LOG_WARN, LOG_SITE, __VA_ARGS__)
#define log_error(...) log_write(LOG_ERROR, LOG_SITE, __VA_ARGS__)

#endif
