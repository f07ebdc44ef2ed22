/*
 * crypto.c - the only file that talks to libsodium and to nettle (see crypto.h).
 *
 * SHA-256 comes from nettle, everything else from libsodium. libsodium's SHA-256 is portable C
 * (about 260 MB/s on our 2-core machine), which made hashing the largest cost of an upload;
 * nettle picks the CPU's SHA instructions at run time (about 1,150 MB/s there, the same
 * digests). nettle is no new library in the process: libmicrohttpd's GnuTLS links it already.
 */
#include "crypto.h"

#include "log.h"

#include <nettle/sha2.h>
#include <pthread.h>
#include <sodium.h>
#include <string.h>

_Static_assert(sizeof(struct sha256_ctx) <= sizeof(((struct crypto_sha256 *)0)->state),
               "crypto_sha256 state too small");

static unsigned long long ops_limit;
static size_t mem_limit;
static int hashing; /* hashes running now */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t freed = PTHREAD_COND_INITIALIZER;

int crypto_init(const char *cost)
{
  if (sodium_init() < 0) return -1;
  if (!cost || !strcmp(cost, "interactive")) {
    ops_limit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
    mem_limit = crypto_pwhash_MEMLIMIT_INTERACTIVE;
  } else if (!strcmp(cost, "moderate")) {
    ops_limit = crypto_pwhash_OPSLIMIT_MODERATE;
    mem_limit = crypto_pwhash_MEMLIMIT_MODERATE;
  } else if (!strcmp(cost, "min")) {
    ops_limit = crypto_pwhash_OPSLIMIT_MIN;
    mem_limit = crypto_pwhash_MEMLIMIT_MIN;
  } else {
    return -1;
  }
  return 0;
}

/* Waits for a free hashing slot; released by slot_release(). */
static void slot_take(void)
{
  pthread_mutex_lock(&lock);
  while (hashing >= CRYPTO_PWHASH_PARALLEL) pthread_cond_wait(&freed, &lock);
  hashing++;
  pthread_mutex_unlock(&lock);
}

static void slot_release(void)
{
  pthread_mutex_lock(&lock);
  hashing--;
  pthread_cond_signal(&freed);
  pthread_mutex_unlock(&lock);
}

int crypto_password_hash(const char *password, char out[CRYPTO_PWHASH_STR])
{
  _Static_assert(CRYPTO_PWHASH_STR == crypto_pwhash_STRBYTES, "pwhash string size");
  slot_take();
  int rc = crypto_pwhash_str(out, password, strlen(password), ops_limit, mem_limit);
  slot_release();
  if (rc != 0) log_error("crypto_pwhash_str failed (out of memory?)");
  return rc == 0 ? 0 : -1;
}

int crypto_password_hash_min(const char *password, char out[CRYPTO_PWHASH_STR])
{
  return crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_MIN,
                           crypto_pwhash_MEMLIMIT_MIN) == 0
             ? 0
             : -1;
}

/* A hash of a random password, so a login for an unknown account costs as much as one for a
 * known account and the timing does not tell which logins exist. */
static char dummy[CRYPTO_PWHASH_STR];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy(void)
{
  char pw[CRYPTO_TOKEN_HEX];
  crypto_token(pw);
  if (crypto_password_hash(pw, dummy) != 0) dummy[0] = 0;
}

int crypto_password_verify(const char *hash, const char *password, int *rehash)
{
  int known = hash != NULL;
  if (!known) {
    pthread_once(&dummy_once, make_dummy);
    hash = dummy;
  }
  slot_take();
  int ok = crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
  slot_release();
  *rehash = ok && crypto_pwhash_str_needs_rehash(hash, ops_limit, mem_limit) != 0;
  return ok && known;
}

void crypto_hex(const void *p, size_t n, char *hex)
{
  sodium_bin2hex(hex, 2 * n + 1, p, n);
}

void crypto_token(char hex[CRYPTO_TOKEN_HEX])
{
  unsigned char raw[32];
  randombytes_buf(raw, sizeof raw);
  crypto_hex(raw, sizeof raw, hex);
  sodium_memzero(raw, sizeof raw);
}

void crypto_token_hash(const char *token, unsigned char out[CRYPTO_HASH_BYTES])
{
  crypto_generichash(out, CRYPTO_HASH_BYTES, (const unsigned char *)token, strlen(token), NULL, 0);
}

void crypto_chain_hash(const unsigned char *prev, size_t prevlen, const void *data, size_t len,
                       unsigned char out[CRYPTO_HASH_BYTES])
{
  crypto_generichash_state st;
  crypto_generichash_init(&st, NULL, 0, CRYPTO_HASH_BYTES);
  if (prev && prevlen) crypto_generichash_update(&st, prev, prevlen);
  crypto_generichash_update(&st, data, len);
  crypto_generichash_final(&st, out, CRYPTO_HASH_BYTES);
}

int crypto_equal(const void *a, const void *b, size_t n)
{
  return sodium_memcmp(a, b, n) == 0;
}

void crypto_sha256_init(struct crypto_sha256 *s)
{
  sha256_init((struct sha256_ctx *)s->state);
}

void crypto_sha256_update(struct crypto_sha256 *s, const void *p, size_t n)
{
  sha256_update((struct sha256_ctx *)s->state, n, p);
}

void crypto_sha256_final(struct crypto_sha256 *s, char hex[CRYPTO_SHA256_HEX])
{
  unsigned char out[SHA256_DIGEST_SIZE];
  sha256_digest((struct sha256_ctx *)s->state, sizeof out, out);
  crypto_hex(out, sizeof out, hex);
}

void crypto_generate_password(char out[CRYPTO_GENPW_LEN + 1])
{
  static const char alphabet[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  for (int i = 0; i < CRYPTO_GENPW_LEN; i++)
    out[i] = (i % 5 == 4) ? '-' : alphabet[randombytes_uniform(sizeof alphabet - 1)];
  out[CRYPTO_GENPW_LEN] = 0;
}
