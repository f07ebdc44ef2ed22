/*
 * batch.h - group commit: writes handed over by many requests run one after another on one
 * thread, inside one transaction, and commit together.
 *
 * Why: every write transaction pays for its commit (the WAL frames of every page it touched,
 * written again by the next transaction that touches them, and now and then a checkpoint),
 * and each one empties the page cache of the other threads' connections, which then read
 * their pages back at their next statement. A save of one score is small, so that overhead
 * was most of its cost, and the writer lock made requests queue behind it. One thread with
 * its own connection keeps its cache warm and commits once for every write that arrived
 * while the previous batch ran.
 *
 * A job's RUN is called on the batch thread with its connection, inside the batch's
 * transaction and in a savepoint of its own (db_savepoint): when it returns an error, only its
 * writes are undone and the other jobs go on. RUN must not begin or end transactions. DONE is
 * called on the batch thread after the batch ended, with RUN's code when the batch committed,
 * or with the error that kept the batch from committing (then none of its writes was kept).
 * Jobs run in the order they were submitted.
 */
#ifndef KAOPING_BATCH_H
#define KAOPING_BATCH_H

#include <stdint.h>

struct db;

struct batch_job {
  int (*run)(struct db *db, void *arg); /* the write: E_OK or an E_* code */
  void (*done)(void *arg, int rc);      /* its outcome, once known */
  void *arg;                            /* for both */
  int rc;                               /* private to batch.c */
  struct batch_job *next;               /* private to batch.c */
};

/* Starts the batch thread. Call after db_global_init(). E_OK, or E_INTERNAL (logged). */
int batch_start(void);

/* Queues JOB (owned by the caller, untouched by batch.c after DONE is called). E_OK, or
 * E_BUSY when the batch thread is not running (not started, or stopping): the caller then
 * does the write itself. */
int batch_submit(struct batch_job *job);

/* Runs every job already queued, refuses new ones and stops the thread. Call before
 * db_global_close(); a no-op when not running. */
void batch_stop(void);

/* Batches committed (or rolled back) and jobs run since the start, for /metrics. */
void batch_stats(uint64_t *batches, uint64_t *jobs);

#endif
