/*
 * crypto.h - kaoping's cryptography: the only interface to libsodium and nettle (crypto.c is
 * the only file that includes sodium.h or a nettle header).
 *
 * Passwords: Argon2id strings from crypto_pwhash_str, at a cost chosen once at start-up;
 * at most CRYPTO_PWHASH_PARALLEL hashes run at once (each takes tens of MiB).
 * Tokens: 32 random bytes, sent to the client as 64 hex digits; only their BLAKE2b-256 hash is
 * stored. File content hashes: SHA-256 (nettle's, which uses the CPU's SHA instructions when
 * there are any: uploads are hashed as they arrive).
 */
#ifndef KAOPING_CRYPTO_H
#define KAOPING_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define CRYPTO_TOKEN_HEX       65 /* 64 hex digits + NUL */
#define CRYPTO_HASH_BYTES      32 /* BLAKE2b-256 and SHA-256 output */
#define CRYPTO_SHA256_HEX      65
#define CRYPTO_PWHASH_STR      128 /* crypto_pwhash_STRBYTES */
#define CRYPTO_PWHASH_PARALLEL 2   /* password hashes computed at once, at most */

/* Initialises libsodium and chooses the password hashing cost: "interactive" (default),
 * "moderate", or "min" (libsodium's minimum, for tests). Returns 0, or -1 on an unknown cost
 * or when libsodium cannot start. Call once from main() before any thread starts. */
int crypto_init(const char *pwhash_cost);

/* Hashes PASSWORD into OUT (CRYPTO_PWHASH_STR bytes). Returns 0, or -1 when out of memory. */
int crypto_password_hash(const char *password, char out[CRYPTO_PWHASH_STR]);

/* Like crypto_password_hash() but at libsodium's minimum cost: only for long random
 * passwords (crypto_generate_password) that are replaced at first login. */
int crypto_password_hash_min(const char *password, char out[CRYPTO_PWHASH_STR]);

/* 1 when PASSWORD matches the stored HASH, else 0. *REHASH is set to 1 when the hash was made
 * at another cost and should be replaced. HASH NULL (no such account) verifies against a
 * dummy hash, taking as long, and returns 0. */
int crypto_password_verify(const char *hash, const char *password, int *rehash);

/* Fills HEX with a new random token: 64 lowercase hex digits and a NUL. */
void crypto_token(char hex[CRYPTO_TOKEN_HEX]);

/* BLAKE2b-256 of TOKEN (as text) into OUT. */
void crypto_token_hash(const char *token, unsigned char out[CRYPTO_HASH_BYTES]);

/* Keyed-less BLAKE2b-256 of PREV (may be NULL) followed by DATA, for hash chains. */
void crypto_chain_hash(const unsigned char *prev, size_t prevlen, const void *data, size_t len,
                       unsigned char out[CRYPTO_HASH_BYTES]);

/* 1 when the N bytes at A and B are equal, compared in constant time; else 0. */
int crypto_equal(const void *a, const void *b, size_t n);

/* Streaming SHA-256: init, update any number of times, final into 64 hex digits + NUL. */
struct crypto_sha256 {
  _Alignas(16) unsigned char state[512]; /* holds nettle's struct sha256_ctx (checked in .c) */
};
void crypto_sha256_init(struct crypto_sha256 *s);
void crypto_sha256_update(struct crypto_sha256 *s, const void *p, size_t n);
void crypto_sha256_final(struct crypto_sha256 *s, char hex[CRYPTO_SHA256_HEX]);

/* Fills OUT with a new random password of CRYPTO_GENPW_LEN characters from an alphabet
 * without look-alikes (no 0/O, 1/l/I), in groups of four joined by '-', plus NUL: easy to
 * read off a printed sheet. About 71 bits of entropy. */
#define CRYPTO_GENPW_LEN 14
void crypto_generate_password(char out[CRYPTO_GENPW_LEN + 1]);

/* Writes N bytes at P as 2N lowercase hex digits plus NUL into HEX. */
void crypto_hex(const void *p, size_t n, char *hex);

#endif
