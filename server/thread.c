/*
 * thread.c - the daemon's own background threads (see thread.h).
 */
#include "thread.h"

#include <signal.h>

int thread_start(pthread_t *t, void *(*fn)(void *), const char *name)
{
  sigset_t every, old;
  sigfillset(&every);
  pthread_sigmask(SIG_BLOCK, &every, &old);
  int failed = pthread_create(t, NULL, fn, NULL);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (failed) return -1;
  pthread_setname_np(*t, name);
  return 0;
}
