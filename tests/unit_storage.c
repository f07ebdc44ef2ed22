/*
 * unit_storage.c - Check suite for the storage and security modules on a real SQLite file in
 * a temporary data dir: migrations, transactions, the writer lock released on every path and
 * waited for at most the busy timeout, the read-only guard, backup, the audit
 * chain, account rules, login throttling, passwords and the content-addressed store.
 * Each test runs in its own forked process (Check's default), so db.c's globals start fresh.
 */
#include "audit.h"
#include "crypto.h"
#include "db.h"
#include "err.h"
#include "session.h"
#include "store.h"
#include "testutil.h"
#include "users.h"

#include <check.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Opens the data dir and returns this thread's connection. */
static struct db *open_db(void)
{
  char msg[512];
  ck_assert_msg(db_global_init(tu_db_dir, msg, sizeof msg) == E_OK, "%s", msg);
  struct db *db = db_thread();
  ck_assert_ptr_nonnull(db);
  return db;
}

/* Sets a PRAGMA on the database file directly, outside kaoping's layer. */
static void raw_pragma(const char *pragma)
{
  char path[300];
  snprintf(path, sizeof path, "%s/kaoping.db", tu_db_dir);
  sqlite3 *h;
  ck_assert_int_eq(sqlite3_open(path, &h), SQLITE_OK);
  ck_assert_int_eq(sqlite3_exec(h, pragma, NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(h);
}

START_TEST(migrations_on_empty_then_existing)
{
  struct db *db = open_db();
  ck_assert_int_eq(db_schema_version(db), db_schema_latest());
  ck_assert_int_ge(db_schema_latest(), 1);
  ck_assert_int_eq(tu_db_int(db, "PRAGMA application_id"), DB_APPLICATION_ID);
  ck_assert_int_eq(tu_db_int(db, "SELECT count(*) FROM unit_kind"), 8);
  ck_assert_int_eq(tu_db_int(db, "PRAGMA foreign_keys"), 1);
  db_stmt *st = db_prepare(db, "PRAGMA journal_mode");
  ck_assert_int_eq(db_step(st), DB_ROW);
  ck_assert_str_eq(db_col_text(st, 0), "wal");
  db_reset(st);
  ck_assert_int_eq(db_exec(db, "INSERT INTO unit (code, name, kind, created_at, updated_at) "
                               "VALUES ('U1', '一号单位', 'town', 0, 0)"),
                   E_OK);
  db_global_close();
  /* Opening again keeps the data and applies nothing twice. */
  db = open_db();
  ck_assert_int_eq(tu_db_int(db, "SELECT count(*) FROM unit"), 1);
  ck_assert_int_eq(tu_db_int(db, "SELECT count(*) FROM unit_kind"), 8);
}
END_TEST

START_TEST(newer_database_is_refused)
{
  open_db();
  db_global_close();
  raw_pragma("PRAGMA user_version=999");
  char msg[512];
  ck_assert_int_eq(db_global_init(tu_db_dir, msg, sizeof msg), E_DB);
  ck_assert_ptr_nonnull(strstr(msg, "newer than this kaoping"));
  ck_assert_ptr_nonnull(strstr(msg, "999"));
}
END_TEST

START_TEST(foreign_database_is_refused)
{
  open_db();
  db_global_close();
  raw_pragma("PRAGMA application_id=12345");
  char msg[512];
  ck_assert_int_eq(db_global_init(tu_db_dir, msg, sizeof msg), E_DB);
  ck_assert_ptr_nonnull(strstr(msg, "not a kaoping database"));
}
END_TEST

/* A savepoint undoes only what was written inside it (batch.c runs each queued write in one),
 * and work inside that leaves the transaction doomed or unbalanced is reported. */
START_TEST(savepoints_undo_only_their_part)
{
  struct db *db = open_db();
  static const char *const ins[] = {
      "INSERT INTO unit (code, name, kind, created_at, updated_at) VALUES ('A', 'a', 'town', 0, 0)",
      "INSERT INTO unit (code, name, kind, created_at, updated_at) VALUES ('B', 'b', 'town', 0, 0)",
      "INSERT INTO unit (code, name, kind, created_at, updated_at) VALUES ('C', 'c', 'town', 0, 0)",
  };
  ck_assert_int_eq(db_savepoint(db), E_INTERNAL); /* outside a transaction */
  ck_assert_int_eq(db_begin(db), E_OK);
  ck_assert_int_eq(db_exec(db, ins[0]), E_OK);
  ck_assert_int_eq(db_savepoint(db), E_OK);
  ck_assert_int_eq(db_savepoint(db), E_INTERNAL); /* not inside another */
  ck_assert_int_eq(db_exec(db, ins[1]), E_OK);
  ck_assert_int_eq(db_savepoint_end(db, 0), E_OK); /* B undone */
  ck_assert_int_eq(db_savepoint(db), E_OK);
  ck_assert_int_eq(db_exec(db, ins[2]), E_OK);
  ck_assert_int_eq(db_savepoint_end(db, 1), E_OK);       /* C kept */
  ck_assert_int_eq(db_savepoint_end(db, 1), E_INTERNAL); /* none open */
  ck_assert_int_eq(db_commit(db), E_OK);
  ck_assert_int_eq(tu_db_int(db, "SELECT count(*) FROM unit WHERE code IN ('A', 'C')"), 2);
  ck_assert_int_eq(tu_db_int(db, "SELECT count(*) FROM unit WHERE code = 'B'"), 0);
  /* Work that rolls back a level of its own dooms the outer transaction: reported. */
  ck_assert_int_eq(db_begin(db), E_OK);
  ck_assert_int_eq(db_savepoint(db), E_OK);
  ck_assert_int_eq(db_begin(db), E_OK);
  ck_assert_int_eq(db_rollback(db), E_OK);
  ck_assert_int_eq(db_savepoint_end(db, 1), E_INTERNAL);
  ck_assert_int_eq(db_rollback(db), E_OK);
  ck_assert_int_eq(db_in_transaction(db), 0);
}
END_TEST

/* Size of the WAL file, or -1. */
static long long wal_size(void)
{
  char path[300];
  struct stat st;
  snprintf(path, sizeof path, "%s/kaoping.db-wal", tu_db_dir);
  return stat(path, &st) ? -1 : (long long)st.st_size;
}

/* A WAL the checkpoints could not empty while it grew (here: a reader held the oldest pages
 * meanwhile, as requests do under load) starts over after a pause in the writes (db.c,
 * "checkpoints"): the first write after the pause cuts the file back to 64 MiB. Without that,
 * the write would only wake a checkpoint, and the file would keep its size. */
START_TEST(a_long_wal_starts_over_after_a_pause)
{
  struct db *db = open_db();
  ck_assert_int_eq(db_exec(db, "CREATE TABLE filler (b BLOB)"), E_OK);
  char path[300];
  snprintf(path, sizeof path, "%s/kaoping.db", tu_db_dir);
  sqlite3 *reader;
  ck_assert_int_eq(sqlite3_open(path, &reader), SQLITE_OK);
  ck_assert_int_eq(sqlite3_exec(reader, "BEGIN; SELECT count(*) FROM filler;", NULL, NULL, NULL),
                   SQLITE_OK);
  for (int i = 0; i < 24; i++) { /* 96 MiB, commits 4 MiB apart */
    ck_assert_int_eq(db_begin(db), E_OK);
    ck_assert_int_eq(db_exec(db, "INSERT INTO filler VALUES (zeroblob(4194304))"), E_OK);
    ck_assert_int_eq(db_commit(db), E_OK);
  }
  usleep(100 * 1000); /* the checkpoints woken meanwhile had to leave every page */
  ck_assert_int_eq(sqlite3_exec(reader, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(reader);
  ck_assert_int_gt(wal_size(), 64LL << 20);
  usleep(400 * 1000); /* a pause */
  ck_assert_int_eq(db_exec(db, "INSERT INTO filler VALUES (x'00')"), E_OK);
  ck_assert_msg(wal_size() <= (64LL << 20), "the WAL is still %lld bytes", wal_size());
  ck_assert_int_eq(tu_db_int(db, "SELECT count(*) FROM filler"), 25);
}
END_TEST

START_TEST(nested_transactions_and_rollback)
{
  struct db *db = open_db();
  ck_assert_int_eq(db_begin(db), E_OK);
  ck_assert_int_eq(db_exec(db, "INSERT INTO unit (code, name, kind, created_at, updated_at) VALUES "
                               "('A', 'a', 'town', 0, 0)"),
                   E_OK);
  ck_assert_int_eq(db_begin(db), E_OK);
  ck_assert_int_eq(db_exec(db, "INSERT INTO unit (code, name, kind, created_at, updated_at) VALUES "
                               "('B', 'b', 'town', 0, 0)"),
                   E_OK);
  ck_assert_int_eq(db_rollback(db), E_OK); /* inner rollback dooms the whole transaction */
  ck_assert_int_eq(db_commit(db), E_OK);
  ck_assert_int_eq(tu_db_int(db, "SELECT count(*) FROM unit"), 0);
  ck_assert_int_eq(db_begin(db), E_OK);
  ck_assert_int_eq(db_exec(db, "INSERT INTO unit (code, name, kind, created_at, updated_at) VALUES "
                               "('A', 'a', 'town', 0, 0)"),
                   E_OK);
  ck_assert_int_eq(db_commit(db), E_OK);
  ck_assert_int_eq(tu_db_int(db, "SELECT count(*) FROM unit"), 1);
  ck_assert_int_eq(db_commit(db), E_INTERNAL); /* no open transaction */
}
END_TEST

/* What another_writer() did. */
struct writer_try {
  int begin_rc;  /* db_begin()'s result */
  int commit_rc; /* db_commit()'s, 1000 + db_rollback()'s after a failed insert, -1 if none */
  double ms;     /* how long the whole write took */
};

/* A monotonic clock in milliseconds. */
static double now_ms(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* Thread body: a write transaction on the thread's own connection (one more unit row). */
static void *writer_thread(void *arg)
{
  struct writer_try *w = arg;
  static int n;
  char sql[200];
  double t0 = now_ms();
  struct db *db = db_thread();
  w->begin_rc = db ? db_begin(db) : E_DB;
  w->commit_rc = -1;
  if (!w->begin_rc) {
    snprintf(sql, sizeof sql,
             "INSERT INTO unit (code, name, kind, created_at, updated_at) VALUES ('W%d', 'w', "
             "'town', 0, 0)",
             ++n);
    w->commit_rc = db_exec(db, sql) ? db_rollback(db) + 1000 : db_commit(db);
  }
  w->ms = now_ms() - t0;
  return NULL;
}

/* Runs one write transaction on a new thread while this one waits. */
static struct writer_try another_writer(void)
{
  struct writer_try w;
  pthread_t t;
  ck_assert_int_eq(pthread_create(&t, NULL, writer_thread, &w), 0);
  ck_assert_int_eq(pthread_join(t, NULL), 0);
  return w;
}

/* Another thread writes at once: the writer lock is free. */
#define FREE_FOR_OTHERS()                                                                          \
  do {                                                                                             \
    struct writer_try w_ = another_writer();                                                       \
    ck_assert_int_eq(w_.begin_rc, E_OK);                                                           \
    ck_assert_int_eq(w_.commit_rc, E_OK);                                                          \
    ck_assert_msg(w_.ms < 1000, "another writer waited %.0f ms", w_.ms);                           \
  } while (0)

START_TEST(writer_lock_released_on_every_path)
{
  struct db *db = open_db();
  const char *dup =
      "INSERT INTO unit (code, name, kind, created_at, updated_at) VALUES ('D', 'd', 'town', 0, 0)";
  FREE_FOR_OTHERS();
  /* Commit, and a rollback after a failed statement. */
  ck_assert_int_eq(db_begin(db), E_OK);
  ck_assert_int_eq(db_run(db_prepare(db, dup)), E_OK);
  ck_assert_int_eq(db_commit(db), E_OK);
  FREE_FOR_OTHERS();
  ck_assert_int_eq(db_begin(db), E_OK);
  ck_assert_int_eq(db_run(db_prepare(db, dup)), E_DUPLICATE);
  ck_assert_int_eq(db_rollback(db), E_OK);
  FREE_FOR_OTHERS();
  /* Nested levels: the lock stays until the outermost end, also when an inner one failed. */
  ck_assert_int_eq(db_begin(db), E_OK);
  ck_assert_int_eq(db_begin(db), E_OK);
  ck_assert_int_eq(db_rollback(db), E_OK);
  struct writer_try w = another_writer(); /* waits the busy timeout, then gives up */
  ck_assert_int_eq(w.begin_rc, E_BUSY);
  ck_assert_msg(w.ms >= 4500 && w.ms < 15000 * TU_SLOW, "gave up after %.0f ms", w.ms);
  ck_assert_int_eq(db_commit(db), E_OK); /* doomed: rolled back */
  FREE_FOR_OTHERS();
  /* A COMMIT that fails (a deferred foreign key) is rolled back and releases the lock. */
  ck_assert_int_eq(db_begin(db), E_OK);
  ck_assert_int_eq(db_exec(db, "PRAGMA defer_foreign_keys=ON"), E_OK);
  ck_assert_int_eq(db_exec(db, "INSERT INTO unit (code, name, kind, created_at, updated_at) "
                               "VALUES ('F', 'f', 'nokind', 0, 0)"),
                   E_OK);
  ck_assert_int_ne(db_commit(db), E_OK);
  FREE_FOR_OTHERS();
  ck_assert_int_eq(tu_db_int(db, "SELECT count(*) FROM unit WHERE code = 'F'"), 0);
  ck_assert_int_eq(db_begin(db), E_OK); /* the connection is usable again */
  ck_assert_int_eq(db_commit(db), E_OK);
  /* Autocommit writes: a failed one, and one that returns a row, until it is reset. */
  ck_assert_int_eq(db_run(db_prepare(db, dup)), E_DUPLICATE);
  FREE_FOR_OTHERS();
  db_stmt *st = db_prepare(db, "UPDATE unit SET name = 'e' WHERE code = 'D' RETURNING id");
  ck_assert_int_eq(db_step(st), DB_ROW);
  db_reset(st);
  FREE_FOR_OTHERS();
  /* A transaction a handler left open ends with its request. */
  ck_assert_int_eq(db_request_begin(db, 0), E_OK);
  ck_assert_int_eq(db_begin(db), E_OK);
  db_request_end(db);
  FREE_FOR_OTHERS();
  ck_assert_int_eq(tu_db_int(db, "SELECT count(*) FROM unit"), 9); /* D and 8 others */
}
END_TEST

START_TEST(statements_bind_by_name_and_report_constraints)
{
  struct db *db = open_db();
  const char *sql =
      "INSERT INTO unit (code, name, kind, created_at, updated_at) VALUES (:c, :n, 'town', 0, 0)";
  db_stmt *st = db_prepare(db, sql);
  ck_assert_ptr_nonnull(st);
  ck_assert_ptr_eq(db_prepare(db, sql), st); /* cached */
  ck_assert_int_eq(db_bind_text(st, ":nope", "x"), E_INTERNAL);
  ck_assert_int_eq(db_bind_text(st, ":c", "X"), E_OK);
  ck_assert_int_eq(db_bind_text(st, ":n", "名称'; DROP TABLE unit; --"), E_OK);
  ck_assert_int_eq(db_run(st), E_OK);
  ck_assert_int_eq(db_bind_text(st, ":c", "X"), E_OK);
  ck_assert_int_eq(db_bind_text(st, ":n", "again"), E_OK);
  ck_assert_int_eq(db_run(st), E_DUPLICATE);
  ck_assert_int_eq(tu_db_int(db, "SELECT count(*) FROM unit WHERE name LIKE '%DROP TABLE%'"), 1);
  ck_assert_ptr_null(db_prepare(db, "SELECT * FROM no_such_table"));
  /* A foreign key violation is an error, not silently accepted. */
  ck_assert_int_ne(db_exec(db, "INSERT INTO unit (code, name, kind, created_at, updated_at) VALUES "
                               "('Y', 'y', 'nokind', 0, 0)"),
                   E_OK);
}
END_TEST

START_TEST(readonly_requests_cannot_write)
{
  struct db *db = open_db();
  const char *ins =
      "INSERT INTO unit (code, name, kind, created_at, updated_at) VALUES ('R', 'r', 'town', 0, 0)";
  ck_assert_int_eq(db_request_begin(db, 1), E_OK);
  db_stmt *st = db_prepare(db, ins);
  ck_assert_ptr_nonnull(st);
  ck_assert_int_eq(db_run(st), E_INTERNAL);                        /* refused before it runs */
  ck_assert_int_eq(tu_db_int(db, "SELECT count(*) FROM unit"), 0); /* reads still work */
  /* It reads one snapshot: another thread's commit shows after the request. */
  struct writer_try w = another_writer();
  ck_assert_int_eq(w.commit_rc, E_OK);
  ck_assert_int_eq(tu_db_int(db, "SELECT count(*) FROM unit"), 0);
  db_request_end(db);
  ck_assert_int_eq(tu_db_int(db, "SELECT count(*) FROM unit"), 1);
  /* No write transaction either, and the snapshot stays. */
  ck_assert_int_eq(db_request_begin(db, 1), E_OK);
  ck_assert_int_eq(tu_db_int(db, "SELECT count(*) FROM unit"), 1);
  w = another_writer();
  ck_assert_int_eq(db_begin(db), E_INTERNAL);
  ck_assert_int_eq(tu_db_int(db, "SELECT count(*) FROM unit"), 1);
  db_request_end(db);
  FREE_FOR_OTHERS();
  ck_assert_int_eq(db_run(db_prepare(db, ins)), E_OK);
  /* A transaction left open by a handler is rolled back at the end of the request. */
  ck_assert_int_eq(db_request_begin(db, 0), E_OK);
  ck_assert_int_eq(db_begin(db), E_OK);
  ck_assert_int_eq(db_exec(db, "DELETE FROM unit"), E_OK);
  db_request_end(db);
  ck_assert_int_eq(tu_db_int(db, "SELECT count(*) FROM unit"), 4);
}
END_TEST

START_TEST(backup_is_consistent_copy)
{
  struct db *db = open_db();
  ck_assert_int_eq(db_exec(db, "INSERT INTO unit (code, name, kind, created_at, updated_at) VALUES "
                               "('B1', '备份', 'town', 0, 0)"),
                   E_OK);
  char dest[300], msg[512];
  snprintf(dest, sizeof dest, "%s/copy.db", tu_db_dir);
  ck_assert_msg(db_backup(tu_db_dir, dest, msg, sizeof msg) == E_OK, "%s", msg);
  ck_assert_int_eq(db_backup(tu_db_dir, dest, msg, sizeof msg), E_DUPLICATE); /* never overwrites */
  sqlite3 *h;
  ck_assert_int_eq(sqlite3_open(dest, &h), SQLITE_OK);
  sqlite3_stmt *st;
  ck_assert_int_eq(sqlite3_prepare_v2(h, "SELECT name FROM unit", -1, &st, NULL), SQLITE_OK);
  ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
  ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "备份");
  sqlite3_finalize(st);
  sqlite3_close(h);
}
END_TEST

START_TEST(audit_chain_detects_tampering)
{
  struct db *db = open_db();
  ck_assert_int_eq(db_begin(db), E_OK);
  for (int i = 0; i < 5; i++)
    ck_assert_int_eq(audit_write(db, 0, "cli", "test.event", "x:1", "{\"i\":1}", ""), E_OK);
  ck_assert_int_eq(db_commit(db), E_OK);
  int64_t n = 0, bad = 0;
  char head[65];
  ck_assert_int_eq(audit_verify(db, &n, head, &bad), E_OK);
  ck_assert_int_eq(n, 5);
  ck_assert_int_eq(strlen(head), 64);
  ck_assert_int_eq(db_exec(db, "UPDATE audit SET detail = '{\"i\":2}' WHERE id = 3"), E_OK);
  ck_assert_int_eq(audit_verify(db, &n, head, &bad), E_CONFLICT);
  ck_assert_int_eq(bad, 3);
  ck_assert_int_eq(db_exec(db, "UPDATE audit SET detail = '{\"i\":1}' WHERE id = 3"), E_OK);
  ck_assert_int_eq(audit_verify(db, &n, head, &bad), E_OK);
  ck_assert_int_eq(db_exec(db, "DELETE FROM audit WHERE id = 2"), E_OK);
  ck_assert_int_eq(audit_verify(db, &n, head, &bad), E_CONFLICT);
  ck_assert_int_eq(bad, 3);
}
END_TEST

START_TEST(account_rules)
{
  ck_assert_ptr_null(user_login_problem("admin"));
  ck_assert_ptr_null(user_login_problem("unit-YL.SFJ@x"));
  ck_assert_ptr_nonnull(user_login_problem("a"));
  ck_assert_ptr_nonnull(user_login_problem("有中文"));
  ck_assert_ptr_nonnull(user_login_problem("a b"));
  ck_assert_ptr_null(user_password_problem("correct horse battery", "admin"));
  ck_assert_ptr_null(user_password_problem("考评系统管理员密码好", "admin")); /* 10 characters */
  ck_assert_ptr_nonnull(user_password_problem("short", "admin"));
  ck_assert_ptr_nonnull(user_password_problem("aaaaaaaaaaaa", "admin"));
  ck_assert_ptr_nonnull(user_password_problem("Password123", "admin"));
  ck_assert_ptr_nonnull(user_password_problem("administrator", "administrator"));
  /* Common shapes: padded words, pinyin, keyboard walks, digits only, repeats, the login. */
  const char *weak[] = {
      "woaini1314!",  "Admin@2023",   "zhang19850101",   "qwertyuiop", "poiuytrewq",
      "1qaz2wsx3edc", "13800138000",  "2023-10-01!",     "abcabcabca", "Kaoping2024",
      "li.hua2023",   "PASSWORD!!12", "x-li.hua-li.hua", NULL};
  for (int i = 0; weak[i]; i++)
    ck_assert_msg(user_password_problem(weak[i], "li.hua") != NULL, "%s accepted", weak[i]);
  const char *fine[] = {"correct horse battery", "Yunling-fazhi-kaohe", "考评系统管理员密码好",
                        "wo-de-mima-hen-chang",  "g7Kp-2mQx-Vr9d",      NULL};
  for (int i = 0; fine[i]; i++)
    ck_assert_msg(user_password_problem(fine[i], "li.hua") == NULL, "%s refused", fine[i]);

  struct db *db = open_db();
  char hash[CRYPTO_PWHASH_STR];
  ck_assert_int_eq(crypto_password_hash("correct horse battery", hash), 0);
  int64_t id = 0;
  const char *field, *problem;
  ck_assert_int_eq(
      user_create(db, "boss", "主任", "admin", NULL, hash, 0, 0, "cli", "", &id, &field, &problem),
      E_OK);
  ck_assert_int_gt(id, 0);
  ck_assert_int_eq(user_admin_count(db), 1);
  ck_assert_int_eq(
      user_create(db, "BOSS", "", "admin", NULL, hash, 0, 0, "cli", "", &id, &field, &problem),
      E_DUPLICATE);
  ck_assert_str_eq(field, "login");
  ck_assert_int_eq(
      user_create(db, "u1", "", "unit", NULL, hash, 0, 0, "cli", "", &id, &field, &problem),
      E_VALIDATION);
  ck_assert_str_eq(field, "unit");
  ck_assert_int_eq(
      user_create(db, "u1", "", "unit", "NOPE", hash, 0, 0, "cli", "", &id, &field, &problem),
      E_VALIDATION);
  ck_assert_str_eq(problem, "没有这个单位代码");
  ck_assert_int_eq(
      user_create(db, "u1", "", "boss", NULL, hash, 0, 0, "cli", "", &id, &field, &problem),
      E_VALIDATION);
  ck_assert_str_eq(field, "role");
  ck_assert_int_eq(tu_db_int(db, "SELECT count(*) FROM user"), 1);
  ck_assert_int_eq(tu_db_int(db, "SELECT count(*) FROM audit WHERE action = 'user.create'"), 1);
}
END_TEST

START_TEST(passwords_and_tokens)
{
  char hash[CRYPTO_PWHASH_STR];
  ck_assert_int_eq(crypto_password_hash("correct horse battery", hash), 0);
  ck_assert_int_eq(strncmp(hash, "$argon2id$", 10), 0);
  int rehash = -1;
  ck_assert_int_eq(crypto_password_verify(hash, "correct horse battery", &rehash), 1);
  ck_assert_int_eq(rehash, 0);
  ck_assert_int_eq(crypto_password_verify(hash, "wrong horse battery", &rehash), 0);
  ck_assert_int_eq(crypto_password_verify(NULL, "correct horse battery", &rehash), 0);
  ck_assert_int_eq(crypto_init("interactive"), 0); /* cost raised: the old hash must be redone */
  ck_assert_int_eq(crypto_password_verify(hash, "correct horse battery", &rehash), 1);
  ck_assert_int_eq(rehash, 1);
  ck_assert_int_eq(crypto_init("no-such-cost"), -1);
  char t1[CRYPTO_TOKEN_HEX], t2[CRYPTO_TOKEN_HEX];
  crypto_token(t1);
  crypto_token(t2);
  ck_assert_int_eq(strlen(t1), 64);
  ck_assert_str_ne(t1, t2);
  struct crypto_sha256 s;
  char hex[CRYPTO_SHA256_HEX];
  crypto_sha256_init(&s);
  crypto_sha256_update(&s, "abc", 3);
  crypto_sha256_final(&s, hex);
  ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
END_TEST

START_TEST(login_throttling_grows_and_is_per_pair)
{
  struct db *db = open_db();
  int64_t wait = 0;
  for (int i = 0; i < 5; i++) {
    ck_assert_int_eq(session_throttle(db, "admin", "10.0.0.1", &wait), E_OK);
    ck_assert_int_eq(session_login_failed(db, "admin", "10.0.0.1"), E_OK);
  }
  ck_assert_int_eq(session_throttle(db, "admin", "10.0.0.1", &wait), E_THROTTLED);
  ck_assert_int_ge(wait, 1);
  ck_assert_int_le(wait, 2);
  /* The same account from another address is not locked out. */
  ck_assert_int_eq(session_throttle(db, "admin", "10.0.0.2", &wait), E_OK);
  for (int i = 0; i < 5; i++) ck_assert_int_eq(session_login_failed(db, "admin", "10.0.0.1"), E_OK);
  ck_assert_int_eq(session_throttle(db, "admin", "10.0.0.1", &wait), E_THROTTLED);
  ck_assert_int_ge(wait, 30); /* 2^5 after ten failures */
  ck_assert_int_eq(session_login_succeeded(db, "admin", "10.0.0.1"), E_OK);
  ck_assert_int_eq(session_throttle(db, "admin", "10.0.0.1", &wait), E_OK);
}
END_TEST

START_TEST(store_is_content_addressed)
{
  ck_assert_int_eq(store_init(tu_db_dir), 0);
  struct store_file f;
  char sha[CRYPTO_SHA256_HEX], path[600];
  ck_assert_int_eq(store_begin(tu_db_dir, &f), 0);
  ck_assert_int_eq(store_write(&f, "ab", 2), 0);
  ck_assert_int_eq(store_write(&f, "c", 1), 0);
  ck_assert_int_eq(store_commit(tu_db_dir, &f, sha), 0);
  ck_assert_str_eq(sha, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  store_path(tu_db_dir, sha, path, sizeof path);
  struct stat sb;
  ck_assert_int_eq(stat(path, &sb), 0);
  ck_assert_int_eq(sb.st_size, 3);
  /* An aborted file leaves nothing behind, and store_init empties tmp. */
  ck_assert_int_eq(store_begin(tu_db_dir, &f), 0);
  ck_assert_int_eq(store_write(&f, "zz", 2), 0);
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s", f.tmp);
  store_abort(&f);
  ck_assert_int_ne(access(tmp, F_OK), 0);
  ck_assert_int_eq(store_begin(tu_db_dir, &f), 0);
  snprintf(tmp, sizeof tmp, "%s", f.tmp);
  close(f.fd); /* as if the process died here */
  ck_assert_int_eq(store_init(tu_db_dir), 0);
  ck_assert_int_ne(access(tmp, F_OK), 0);
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("storage");
  TCase *tc = tcase_create("storage");
  tcase_add_checked_fixture(tc, tu_db_setup, tu_db_teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, migrations_on_empty_then_existing);
  tcase_add_test(tc, newer_database_is_refused);
  tcase_add_test(tc, foreign_database_is_refused);
  tcase_add_test(tc, nested_transactions_and_rollback);
  tcase_add_test(tc, writer_lock_released_on_every_path);
  tcase_add_test(tc, statements_bind_by_name_and_report_constraints);
  tcase_add_test(tc, readonly_requests_cannot_write);
  tcase_add_test(tc, backup_is_consistent_copy);
  tcase_add_test(tc, audit_chain_detects_tampering);
  tcase_add_test(tc, account_rules);
  tcase_add_test(tc, passwords_and_tokens);
  tcase_add_test(tc, login_throttling_grows_and_is_per_pair);
  tcase_add_test(tc, store_is_content_addressed);
  tcase_add_test(tc, savepoints_undo_only_their_part);
  tcase_add_test(tc, a_long_wal_starts_over_after_a_pause);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return tu_run_suite(suite());
}
