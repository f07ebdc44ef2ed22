/*
 * batch.c - group commit (see batch.h): one thread, one queue, one transaction per batch.
 */
#include "batch.h"

#include "db.h"
#include "err.h"
#include "log.h"
#include "thread.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

/* Jobs taken into one transaction at most: bounds how long the first of them waits for the
 * commit when many arrive at once. */
#define BATCH_MAX 128

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static struct batch_job *head, *tail; /* the queue, under LOCK */
static int running;                   /* the thread runs and takes jobs, under LOCK */
static int stopping;                  /* batch_stop() has begun, under LOCK */
static pthread_t thread;
static atomic_uint_fast64_t n_batches, n_jobs;

/* Runs the jobs of LIST (linked by next) in one transaction on DB and reports each outcome. */
static void run_batch(struct db *db, struct batch_job *list)
{
  int rc = db ? db_begin(db) : E_DB;
  uint64_t n = 0;
  for (struct batch_job *j = list; j; j = j->next, n++) {
    if (rc) { /* the batch failed: the rest is not run */
      j->rc = rc;
      continue;
    }
    int src = db_savepoint(db);
    j->rc = src ? src : j->run(db, j->arg);
    int erc = src ? src : db_savepoint_end(db, j->rc == E_OK);
    if (erc) {
      log_error("a batched write left the transaction unusable (%s): the batch is rolled back",
                err_name(erc));
      rc = j->rc = erc;
    }
  }
  if (db && !rc) {
    rc = db_commit(db);
    if (rc)
      log_error("a batch of %llu writes could not commit (%s)", (unsigned long long)n,
                err_name(rc));
  } else {
    while (db && db_in_transaction(db)) db_rollback(db); /* every level a job left open too */
  }
  atomic_fetch_add(&n_batches, 1);
  atomic_fetch_add(&n_jobs, n);
  while (list) {
    struct batch_job *j = list;
    list = j->next; /* J belongs to its caller once DONE runs */
    j->done(j->arg, rc ? (j->rc ? j->rc : rc) : j->rc);
  }
}

static void *loop(void *arg)
{
  (void)arg;
  struct db *db = db_thread(); /* NULL: each batch fails with E_DB, and says so */
  pthread_mutex_lock(&lock);
  for (;;) {
    while (!head && !stopping) pthread_cond_wait(&wake, &lock);
    if (!head) break; /* stopping, and nothing left */
    struct batch_job *list = head, *last = head;
    for (int k = 1; k < BATCH_MAX && last->next; k++) last = last->next;
    head = last->next;
    if (!head) tail = NULL;
    last->next = NULL;
    pthread_mutex_unlock(&lock);
    run_batch(db, list);
    pthread_mutex_lock(&lock);
  }
  running = 0;
  pthread_mutex_unlock(&lock);
  return NULL;
}

int batch_start(void)
{
  pthread_mutex_lock(&lock);
  int rc = E_OK;
  if (!running) {
    stopping = 0;
    if (thread_start(&thread, loop, "kaoping-batch")) {
      log_error("cannot start the batch thread");
      rc = E_INTERNAL;
    } else {
      running = 1;
    }
  }
  pthread_mutex_unlock(&lock);
  return rc;
}

int batch_submit(struct batch_job *job)
{
  job->next = NULL;
  job->rc = E_OK;
  pthread_mutex_lock(&lock);
  int ok = running && !stopping;
  if (ok) {
    if (tail)
      tail->next = job;
    else
      head = job;
    tail = job;
    pthread_cond_signal(&wake);
  }
  pthread_mutex_unlock(&lock);
  return ok ? E_OK : E_BUSY;
}

void batch_stop(void)
{
  pthread_mutex_lock(&lock);
  int was = running && !stopping;
  if (was) {
    stopping = 1;
    pthread_cond_signal(&wake);
  }
  pthread_mutex_unlock(&lock);
  if (was) pthread_join(thread, NULL);
}

void batch_stats(uint64_t *batches, uint64_t *jobs)
{
  *batches = atomic_load(&n_batches);
  *jobs = atomic_load(&n_jobs);
}
