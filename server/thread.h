/*
 * thread.h - the daemon's own background threads (batch, checkpoint, log flusher).
 */
#ifndef KAOPING_THREAD_H
#define KAOPING_THREAD_H

#include <pthread.h>

/* Starts FN(NULL) on a new thread into *T, named NAME (at most 15 characters, as top and ps
 * show it), with every signal blocked: SIGTERM and SIGINT must reach only the main thread's
 * sigtimedwait(), never a background thread, whose default action would end the process
 * without a graceful stop. The caller's signal mask is left as it was. 0, or -1 when the
 * thread could not be created (nothing to join then). */
int thread_start(pthread_t *t, void *(*fn)(void *), const char *name);

#endif
