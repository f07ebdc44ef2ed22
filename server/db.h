/*
 * db.h - kaoping's storage: the only interface to SQLite (db.c is the only file that includes
 * sqlite3.h).
 *
 * Connection model: one SQLite connection per thread (db_thread()), opened on the thread's
 * first use and kept for its lifetime, so libmicrohttpd's worker threads never share one.
 * WAL mode lets every worker read while one writes. Writers of this process queue on one
 * writer lock (a mutex: no sleeping in SQLite's busy handler) and then take SQLite's with
 * BEGIN IMMEDIATE, each wait bounded by the busy timeout (5 s). Each connection caches its
 * prepared statements keyed by the SQL text, so the same statement is parsed once per thread.
 *
 * Statement use:
 *   db_stmt *st = db_prepare(db, "SELECT name FROM unit WHERE code = :code");
 *   if (!st || db_bind_text(st, ":code", code)) goto fail;
 *   while ((rc = db_step(st)) == DB_ROW) ... db_col_text(st, 0) ...;
 *   db_reset(st);   // always, also after an error: the statement goes back to the cache
 * Column text returned by db_col_text() is valid until the next db_step()/db_reset().
 */
#ifndef KAOPING_DB_H
#define KAOPING_DB_H

#include <stddef.h>
#include <stdint.h>

typedef struct sqlite3_stmt db_stmt;
struct db;

/* db_step() results besides an E_* error code. */
#define DB_ROW  100
#define DB_DONE 101

/* kaoping's PRAGMA application_id ("KPNG"); a database with another id is refused. */
#define DB_APPLICATION_ID 0x4B504E47

/* Opens DATA_DIR/kaoping.db (creating it if needed), checks it is a kaoping database that this
 * binary understands, and applies the embedded migrations it lacks (sql/NNNN_*.sql, each in its
 * own transaction), and starts the thread that checkpoints the WAL (db.c, "checkpoints").
 * Call once before any db_thread(). Returns E_OK, or E_DB with the reason
 * written to the log and to MSG (MSGLEN bytes) for the person starting kaoping. */
int db_global_init(const char *data_dir, char *msg, size_t msglen);

/* The calling thread's connection, opened on first use. NULL if it cannot be opened
 * (logged). Valid until db_global_close(). */
struct db *db_thread(void);

/* Stops the checkpoint thread and closes every connection opened by db_thread(). Call after
 * all threads using them stopped. */
void db_global_close(void);

/* The database db_global_init() last opened, as a number: 1 for the first call in this
 * process, one more for each later call, 0 before any. A cache of rows read from the database
 * keys its entries with it, so that it never serves rows of a database opened before (a test
 * process may open several data dirs in turn; pointers to closed connections get reused). */
uint64_t db_instance(void);

/* The schema version of the open database and the newest one this binary knows. */
int db_schema_version(struct db *db);
int db_schema_latest(void);

/* Returns the cached prepared statement for SQL (compiled on first use), or NULL on a
 * compile error (logged). The statement belongs to the connection: never finalize it. */
db_stmt *db_prepare(struct db *db, const char *sql);

/* Bind a value to the named parameter (":name"). Return E_OK, or E_INTERNAL when the
 * statement has no such parameter (a programming error, logged) or binding fails. */
int db_bind_text(db_stmt *st, const char *name, const char *z);
int db_bind_textn(db_stmt *st, const char *name, const char *z, size_t n);
int db_bind_int(db_stmt *st, const char *name, int64_t v);
int db_bind_double(db_stmt *st, const char *name, double v);
int db_bind_blob(db_stmt *st, const char *name, const void *p, size_t n);
int db_bind_null(db_stmt *st, const char *name);

/* Runs ST one step. A statement that writes, run on the thread's own connection outside a
 * transaction, holds the process's writer lock (see db_begin) from its first step until it
 * returns DB_DONE or an error, or is reset. Returns DB_ROW, DB_DONE, E_DUPLICATE (a UNIQUE or
 * PRIMARY KEY constraint), E_BUSY (the writer lock or the database stayed taken past the busy
 * timeout) or E_DB (logged with the SQL text and SQLite's extended code); E_INTERNAL (logged)
 * for a write during a read-only request. */
int db_step(db_stmt *st);

/* Resets ST and clears its bindings so it can be reused; releases the writer lock an
 * autocommit write of ST held. */
void db_reset(db_stmt *st);

/* Column accessors for the current row (index from 0). */
int64_t db_col_int(db_stmt *st, int i);
double db_col_double(db_stmt *st, int i);
const char *db_col_text(db_stmt *st, int i); /* "" for NULL */
const void *db_col_blob(db_stmt *st, int i);
size_t db_col_bytes(db_stmt *st, int i);
int db_col_is_null(db_stmt *st, int i);

/* Runs ST expecting at most one row; stores column 0 in *OUT (unchanged without a row).
 * Resets ST. Returns E_OK, E_NOT_FOUND without a row, or db_step's error. */
int db_one_int(db_stmt *st, int64_t *out);

/* Runs ST expecting no row (INSERT/UPDATE/DELETE) and resets it. Returns E_OK or an error. */
int db_run(db_stmt *st);

/* Executes SQL (several statements allowed, no parameters: only for fixed SQL such as
 * migrations and pragmas). Returns E_OK or E_DB (logged). */
int db_exec(struct db *db, const char *sql);

/* Transactions nest: the outermost db_begin() takes the process's writer lock (one write
 * transaction at a time in this process; waits at most the busy timeout), then runs BEGIN
 * IMMEDIATE (SQLite's write lock, against other processes); the matching db_commit() commits;
 * a db_rollback() at any depth rolls the whole transaction back when the outermost level ends.
 * The end of the outermost level releases the writer lock whatever its outcome: a COMMIT that
 * fails is rolled back first. db_begin() returns E_OK, or E_BUSY or E_DB with no transaction
 * and no lock held; db_commit() and db_rollback() return E_OK, E_BUSY, E_DB, E_DUPLICATE or
 * E_INTERNAL (no transaction to end, logged). */
int db_begin(struct db *db);
int db_commit(struct db *db);
int db_rollback(struct db *db);

/* 1 while DB is inside db_begin() … db_commit()/db_rollback() (what it reads may be undone),
 * else 0. */
int db_in_transaction(struct db *db);

/* A savepoint inside the outermost transaction, for work that may fail on its own without
 * undoing the rest (batch.c runs each queued write in one). db_savepoint() returns E_OK or
 * E_DB; E_INTERNAL (logged) outside a transaction or when one is already open.
 * db_savepoint_end() keeps (KEEP = 1) or undoes (0) what was written since and closes the
 * savepoint; it returns E_OK, E_DB, or E_INTERNAL when the work inside began a transaction it
 * did not end, or doomed the outer one with db_rollback(): the caller must then roll the whole
 * transaction back. */
int db_savepoint(struct db *db);
int db_savepoint_end(struct db *db, int keep);

/* Marks the start of one HTTP request on DB. During a READONLY request (GET, HEAD) db_step()
 * refuses any statement that could write (E_INTERNAL, logged), so a write during a GET is an
 * error at run time; and its statements read one snapshot of the database, in a read
 * transaction opened here (BEGIN: SQLite takes its read lock at the first read) and ended by
 * db_request_end() (db_begin() fails in a read-only request: BEGIN IMMEDIATE writes). Returns
 * E_OK, or E_DB when BEGIN fails (no transaction is then open). */
int db_request_begin(struct db *db, int readonly);

/* Ends a request: ends its read transaction; rolls back a write transaction left open and
 * releases a writer lock left held (both logged as bugs); ends read-only mode. */
void db_request_end(struct db *db);

/* Rowid of the last INSERT and rows changed by the last statement on DB. */
int64_t db_last_id(struct db *db);
int db_changes(struct db *db);

/* Size of the database file in bytes (page_count x page_size), or -1. */
int64_t db_size_bytes(struct db *db);

/* Writes a consistent copy of DATA_DIR/kaoping.db to DEST with VACUUM INTO, while other
 * processes keep reading and writing, then checks the copy with PRAGMA integrity_check.
 * DEST must not exist. Returns E_OK, or E_DB / E_DUPLICATE with a reason in MSG. */
int db_backup(const char *data_dir, const char *dest, char *msg, size_t msglen);

/* Runs the FTS5 tokenizer "kaoping" over TEXT as a document (QUERY 0) or a query (QUERY 1)
 * and calls EACH for every token (COLOCATED 1 when it shares the previous token's position).
 * For tests and diagnostics. Returns E_OK. */
int db_fts_tokens(const char *text, int query,
                  void (*each)(const char *tok, int len, int colocated, void *ctx), void *ctx);

#endif
