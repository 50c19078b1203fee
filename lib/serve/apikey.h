/*
 * apikey.h - API keys of the intake server: their format, their hash, and
 * the set a server checks requests against.
 *
 * A key is "ak_" + 12 lowercase hex digits (its id, which names it in
 * listings and may be shown) + "_" + 43 characters of base64url (32
 * random bytes, no padding): 59 characters. Only the hex SHA-256 of the
 * whole key text is kept, in the store (table api_keys) or in the
 * configuration (serve.keys), so a leaked store or file gives no key.
 *
 * A set is built once (from the configuration, the store, or both) and
 * then only read: lookups on one set from several threads need no lock.
 * To take new keys, a server builds a new set and swaps it in.
 */
#ifndef AK_SERVE_APIKEY_H
#define AK_SERVE_APIKEY_H

#include <stddef.h>

#include "serve/scope.h"

#define APIKEY_PREFIX "ak_"
#define APIKEY_ID_LEN 12
#define APIKEY_SECRET_LEN 43          /* base64url of 32 bytes, unpadded */
/* "ak_" ID "_" SECRET */
#define APIKEY_LEN (3 + APIKEY_ID_LEN + 1 + APIKEY_SECRET_LEN)
#define APIKEY_NAME_MAX 64

struct store;

/*
 * Parse scope names separated by ',' or '+' ("submit,read", "submit+read",
 * "read"; spaces around a name are allowed) into SCOPE_* bits. An unknown
 * name, an empty one, or an empty list: -1 with ak_error (AK_EXIT_USAGE),
 * *scopes unchanged.
 */
int apikey_scopes_parse(const char *s, unsigned *scopes);

/* The names of the bits of scopes, submit first, joined by ',' ("" for
 * none; bits other than SCOPE_ALL are left out), cut to fit len. */
void apikey_scopes_format(unsigned scopes, char *out, size_t len);

/*
 * Make a new key from getrandom() and write it to key and its id to id,
 * both NUL-terminated. -1 with ak_error (AK_EXIT_SOFTWARE) when the
 * system gives no randomness; the buffers are then unspecified.
 */
int apikey_generate(char key[APIKEY_LEN + 1], char id[APIKEY_ID_LEN + 1]);

/* The SHA-256 of key[0..len) as 64 lowercase hex digits and a NUL, as
 * `printf %s "$KEY" | sha256sum` prints it. "" if libcrypto fails. */
void apikey_hash(const char *key, size_t len, char hex[65]);

/*
 * 1 when key[0..len) has the shape of a key (length, prefix, a lowercase
 * hex id, '_', base64url), 0 otherwise. It says nothing of whether the
 * key is known; it lets a server refuse garbage before hashing it.
 */
int apikey_well_formed(const char *key, size_t len);

/* 1 when name[0..len) may name a key: 1 to APIKEY_NAME_MAX characters of
 * A-Z a-z 0-9 '.' '_' '-' (it becomes the principal of the events the
 * key submits); 0 otherwise. */
int apikey_name_ok(const char *name, size_t len);

/* The keys a server takes. Opaque; see the top of this file. */
struct apikey_set;

/* An empty set, or NULL with ak_error when out of memory. */
struct apikey_set *apikey_set_new(void);

/*
 * Add the key whose hex SHA-256 is hash_hex (64 hex digits, either case),
 * held by name (copied; apikey_name_ok), with scopes (non-zero, within SCOPE_ALL).
 * AK_EXIT_USAGE for a bad name, hash or scopes; AK_EXIT_DATAERR when a
 * key with that hash is in the set already (two names for one key). On
 * failure the set is unchanged.
 */
int apikey_set_add(struct apikey_set *set, const char *name, const char *hash_hex,
		   unsigned scopes);

/*
 * Add the keys of a serve.keys value: entries NAME:SCOPES:HEX separated
 * by commas, scopes joined by '+' ("ci:submit+read:9f86...,bot:read:..."),
 * spaces around an entry ignored. An empty or blank value adds nothing. A
 * bad entry: -1 with AK_EXIT_USAGE and a message quoting it; the set may
 * then hold the entries before it (drop the set).
 */
int apikey_set_add_config(struct apikey_set *set, const char *entries);

/*
 * Add the active keys of the store. -1 with the store's error, or
 * AK_EXIT_DATAERR for a row whose scopes or hash cannot be read; the set
 * may then hold the keys before it (drop the set).
 */
int apikey_set_add_store(struct apikey_set *set, struct store *s);

/*
 * Look up the key key[0..len) (any bytes; it is hashed, and digests are
 * compared in constant time): 1 when the set holds it, with *name (borrowed
 * from the set, valid until apikey_set_free) and *scopes set; 0 when it
 * does not, with both left alone. name or scopes may be NULL.
 */
int apikey_set_lookup(const struct apikey_set *set, const char *key, size_t len,
		      const char **name, unsigned *scopes);

/* How many keys the set holds. */
size_t apikey_set_count(const struct apikey_set *set);

/* Free the set and its names; NULL is allowed. */
void apikey_set_free(struct apikey_set *set);

#endif
