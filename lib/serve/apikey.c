/*
 * apikey.c - API keys: making them, hashing them, and the set a server
 * looks them up in (see apikey.h).
 *
 * The set is an open-addressing hash table of SHA-256 digests. A digest
 * is already uniformly spread, so its first eight bytes are the table's
 * hash, and the table is kept at most half full so probes stay short. A
 * request's key is hashed first and only digests are compared, with
 * CRYPTO_memcmp, so how long a comparison takes says nothing about how
 * much of a stored key a guess got right.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "buf.h"
#include "error.h"
#include "store.h"
#include "serve/apikey.h"
#include "banned.h"

#define DIGEST_LEN 32

/* a serve.keys entry longer than this is refused */
#define MAX_ENTRY 512

struct apikey_entry {
	unsigned char digest[DIGEST_LEN];
	char *name;               /* NULL: the slot is free */
	unsigned scopes;
};

struct apikey_set {
	struct apikey_entry *slots;
	size_t cap;               /* a power of two, or 0 */
	size_t n;
};

static const char b64url[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static const struct {
	const char *name;
	unsigned bit;
} scope_names[] = {
	{ "submit", SCOPE_SUBMIT },
	{ "read", SCOPE_READ },
};

#define NSCOPES (sizeof(scope_names) / sizeof(*scope_names))

int apikey_scopes_parse(const char *s, unsigned *scopes)
{
	unsigned bits = 0;
	const char *p = s;

	if (!s)
		return ak_error(AK_EXIT_USAGE, "no scopes given (use submit, read or both)");
	for (;;) {
		const char *start, *end;
		size_t n, i;

		while (*p == ' ')
			p++;
		start = p;
		while (*p && *p != ',' && *p != '+')
			p++;
		end = p;
		while (end > start && end[-1] == ' ')
			end--;
		n = (size_t)(end - start);
		for (i = 0; i < NSCOPES; i++)
			if (strlen(scope_names[i].name) == n && !memcmp(scope_names[i].name, start, n))
				break;
		if (i == NSCOPES) {
			if (!n)
				return ak_error(AK_EXIT_USAGE, "bad scopes '%.80s': an empty name "
						"(use submit, read or both)", s);
			return ak_error(AK_EXIT_USAGE, "unknown scope '%.*s' in '%.80s' "
					"(use submit, read or both)", (int)(n > 40 ? 40 : n), start, s);
		}
		bits |= scope_names[i].bit;
		if (!*p)
			break;
		p++;
	}
	*scopes = bits;
	return 0;
}

void apikey_scopes_format(unsigned scopes, char *out, size_t len)
{
	size_t at = 0;

	if (!len)
		return;
	out[0] = '\0';
	for (size_t i = 0; i < NSCOPES; i++) {
		size_t n = strlen(scope_names[i].name);

		if (!(scopes & scope_names[i].bit))
			continue;
		if (at && at + 1 < len)
			out[at++] = ',';
		if (at + n >= len)
			n = at + 1 < len ? len - at - 1 : 0;
		memcpy(out + at, scope_names[i].name, n);
		at += n;
		out[at] = '\0';
	}
}

/* Fill n bytes from getrandom(), through short reads and signals. */
static int random_bytes(unsigned char *out, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = getrandom(out + got, n - got, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return ak_error(AK_EXIT_SOFTWARE, "cannot get random bytes: %s",
					r < 0 ? strerror(errno) : "none given");
		got += (size_t)r;
	}
	return 0;
}

int apikey_generate(char key[APIKEY_LEN + 1], char id[APIKEY_ID_LEN + 1])
{
	unsigned char idb[APIKEY_ID_LEN / 2], sec[32];
	char *p = key;
	size_t i;

	if (random_bytes(idb, sizeof(idb)) < 0 || random_bytes(sec, sizeof(sec)) < 0)
		return -1;
	hex_encode(idb, sizeof(idb), id);
	memcpy(p, APIKEY_PREFIX, 3);
	p += 3;
	memcpy(p, id, APIKEY_ID_LEN);
	p += APIKEY_ID_LEN;
	*p++ = '_';
	/* 32 bytes: ten groups of three, then two bytes as three characters */
	for (i = 0; i + 3 <= sizeof(sec); i += 3) {
		uint32_t v = (uint32_t)sec[i] << 16 | (uint32_t)sec[i + 1] << 8 | sec[i + 2];

		*p++ = b64url[v >> 18];
		*p++ = b64url[(v >> 12) & 63];
		*p++ = b64url[(v >> 6) & 63];
		*p++ = b64url[v & 63];
	}
	{
		uint32_t v = (uint32_t)sec[30] << 16 | (uint32_t)sec[31] << 8;

		*p++ = b64url[v >> 18];
		*p++ = b64url[(v >> 12) & 63];
		*p++ = b64url[(v >> 6) & 63];
	}
	*p = '\0';
	OPENSSL_cleanse(sec, sizeof(sec));
	return 0;
}

static int sha256(const char *key, size_t len, unsigned char md[DIGEST_LEN])
{
	unsigned int mdlen = 0;

	return EVP_Digest(key, len, md, &mdlen, EVP_sha256(), NULL) && mdlen == DIGEST_LEN ? 0 : -1;
}

void apikey_hash(const char *key, size_t len, char hex[65])
{
	unsigned char md[DIGEST_LEN];

	hex[0] = '\0';
	if (sha256(key, len, md) < 0)
		return;
	hex_encode(md, DIGEST_LEN, hex);
}

static int is_b64url(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

int apikey_well_formed(const char *key, size_t len)
{
	size_t i;

	if (!key || len != APIKEY_LEN || memcmp(key, APIKEY_PREFIX, 3) != 0)
		return 0;
	for (i = 3; i < 3 + APIKEY_ID_LEN; i++)
		if (!((key[i] >= '0' && key[i] <= '9') || (key[i] >= 'a' && key[i] <= 'f')))
			return 0;
	if (key[i++] != '_')
		return 0;
	for (; i < APIKEY_LEN; i++)
		if (!is_b64url((unsigned char)key[i]))
			return 0;
	return 1;
}

int apikey_name_ok(const char *name, size_t len)
{
	if (!name || len < 1 || len > APIKEY_NAME_MAX)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

struct apikey_set *apikey_set_new(void)
{
	struct apikey_set *set = calloc(1, sizeof(*set));

	if (!set)
		ak_error(AK_EXIT_SOFTWARE, "out of memory");
	return set;
}

static size_t slot_of(const unsigned char *digest, size_t mask)
{
	uint64_t h = 0;

	for (int i = 0; i < 8; i++)
		h = h << 8 | digest[i];
	return (size_t)(h & mask);
}

/* The slot holding digest, or the free slot where it would go. */
static struct apikey_entry *probe(struct apikey_entry *slots, size_t cap,
				  const unsigned char *digest)
{
	size_t mask = cap - 1, i = slot_of(digest, mask);

	while (slots[i].name && CRYPTO_memcmp(slots[i].digest, digest, DIGEST_LEN) != 0)
		i = (i + 1) & mask;
	return &slots[i];
}

/* Room for one more entry at most half full. */
static int reserve(struct apikey_set *set)
{
	struct apikey_entry *slots;
	size_t cap;

	if ((set->n + 1) * 2 <= set->cap)
		return 0;
	cap = set->cap ? set->cap * 2 : 16;
	if (cap > SIZE_MAX / 2 / sizeof(*slots) || !(slots = calloc(cap, sizeof(*slots))))
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	for (size_t i = 0; i < set->cap; i++)
		if (set->slots[i].name)
			*probe(slots, cap, set->slots[i].digest) = set->slots[i];
	free(set->slots);
	set->slots = slots;
	set->cap = cap;
	return 0;
}

/* 64 hex digits (either case) into digest; 0 or -1. */
static int parse_hex(const char *hex, size_t len, unsigned char digest[DIGEST_LEN])
{
	if (len != 2 * DIGEST_LEN)
		return -1;
	for (size_t i = 0; i < DIGEST_LEN; i++) {
		int hi = hex_value((unsigned char)hex[2 * i]), lo = hex_value((unsigned char)hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		digest[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

/* Add a parsed key; name[0..nlen) is copied. */
static int add_digest(struct apikey_set *set, const char *name, size_t nlen,
		      const unsigned char digest[DIGEST_LEN], unsigned scopes)
{
	struct apikey_entry *e;
	char *copy;

	if (!apikey_name_ok(name, nlen))
		return ak_error(AK_EXIT_USAGE, "bad key name '%.*s' (1 to %d of A-Z a-z 0-9 . _ -)",
				(int)(nlen > 80 ? 80 : nlen), name, APIKEY_NAME_MAX);
	if (!scopes || (scopes & ~SCOPE_ALL))
		return ak_error(AK_EXIT_USAGE, "key '%.*s' has no scopes", (int)nlen, name);
	if (set->cap) {
		e = probe(set->slots, set->cap, digest);
		if (e->name)
			return ak_error(AK_EXIT_DATAERR, "key '%.*s' is the same key as '%s'",
					(int)nlen, name, e->name);
	}
	if (reserve(set) < 0)
		return -1;
	if (!(copy = malloc(nlen + 1)))
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	memcpy(copy, name, nlen);
	copy[nlen] = '\0';
	e = probe(set->slots, set->cap, digest);
	memcpy(e->digest, digest, DIGEST_LEN);
	e->name = copy;
	e->scopes = scopes;
	set->n++;
	return 0;
}

int apikey_set_add(struct apikey_set *set, const char *name, const char *hash_hex,
		   unsigned scopes)
{
	unsigned char digest[DIGEST_LEN];

	if (!name)
		return ak_error(AK_EXIT_USAGE, "a key needs a name");
	if (!hash_hex || parse_hex(hash_hex, strlen(hash_hex), digest) < 0)
		return ak_error(AK_EXIT_USAGE, "key '%.80s': the hash must be 64 hex digits "
				"(a SHA-256)", name);
	return add_digest(set, name, strlen(name), digest, scopes);
}

/* One entry NAME:SCOPES:HEX of p[0..n), spaces trimmed by the caller. */
static int add_entry(struct apikey_set *set, const char *p, size_t n)
{
	const char *c1 = memchr(p, ':', n), *c2, *end = p + n;
	char scopes_text[64];
	unsigned char digest[DIGEST_LEN];
	unsigned scopes;
	size_t sl;

	if (!c1 || !(c2 = memchr(c1 + 1, ':', (size_t)(end - c1 - 1))))
		return ak_error(AK_EXIT_USAGE, "serve.keys: bad entry '%.*s': "
				"use NAME:SCOPES:SHA256HEX", (int)(n > 80 ? 80 : n), p);
	sl = (size_t)(c2 - c1 - 1);
	if (sl >= sizeof(scopes_text))
		sl = sizeof(scopes_text) - 1;
	memcpy(scopes_text, c1 + 1, sl);
	scopes_text[sl] = '\0';
	if (apikey_scopes_parse(scopes_text, &scopes) < 0) {
		char why[256];

		snprintf(why, sizeof(why), "%s", ak_errmsg());
		return ak_error(AK_EXIT_USAGE, "serve.keys: bad entry '%.*s': %s",
				(int)(c1 - p > 80 ? 80 : c1 - p), p, why);
	}
	if (parse_hex(c2 + 1, (size_t)(end - c2 - 1), digest) < 0)
		return ak_error(AK_EXIT_USAGE, "serve.keys: bad entry '%.*s': the hash must be "
				"64 hex digits (a SHA-256)", (int)(c1 - p > 80 ? 80 : c1 - p), p);
	if (add_digest(set, p, (size_t)(c1 - p), digest, scopes) < 0) {
		char why[256];
		enum ak_exit code = ak_errcode();

		snprintf(why, sizeof(why), "%s", ak_errmsg());
		return ak_error(code, "serve.keys: bad entry '%.*s': %s",
				(int)(c1 - p > 80 ? 80 : c1 - p), p, why);
	}
	return 0;
}

int apikey_set_add_config(struct apikey_set *set, const char *entries)
{
	const char *p = entries;

	if (!entries)
		return 0;
	while (*p == ' ')
		p++;
	if (!*p)
		return 0;
	for (;;) {
		const char *start, *end;

		while (*p == ' ')
			p++;
		start = p;
		while (*p && *p != ',')
			p++;
		end = p;
		while (end > start && end[-1] == ' ')
			end--;
		if (end == start)
			return ak_error(AK_EXIT_USAGE, "serve.keys: an empty entry "
					"(entries are NAME:SCOPES:SHA256HEX, separated by ',')");
		if ((size_t)(end - start) > MAX_ENTRY)
			return ak_error(AK_EXIT_USAGE, "serve.keys: bad entry '%.40s...': too long",
					start);
		if (add_entry(set, start, (size_t)(end - start)) < 0)
			return -1;
		if (!*p)
			return 0;
		p++;
	}
}

static int add_store_key(const struct store_key *k, void *ctx)
{
	struct apikey_set *set = ctx;
	unsigned scopes;

	if (apikey_scopes_parse(k->scopes, &scopes) < 0)
		return ak_error(AK_EXIT_DATAERR, "key '%s' in the store has bad scopes '%.80s'",
				k->id, k->scopes);
	if (apikey_set_add(set, k->name, k->hash, scopes) < 0) {
		char why[256];
		enum ak_exit code = ak_errcode() == AK_EXIT_SOFTWARE ? AK_EXIT_SOFTWARE
								      : AK_EXIT_DATAERR;

		snprintf(why, sizeof(why), "%s", ak_errmsg());
		return ak_error(code, "key '%s' in the store: %s", k->id, why);
	}
	return 0;
}

int apikey_set_add_store(struct apikey_set *set, struct store *s)
{
	return store_keys(s, 0, add_store_key, set) != 0 ? -1 : 0;
}

int apikey_set_lookup(const struct apikey_set *set, const char *key, size_t len,
		      const char **name, unsigned *scopes)
{
	unsigned char digest[DIGEST_LEN];
	const struct apikey_entry *e;

	if (!set || !set->n || !key || sha256(key, len, digest) < 0)
		return 0;
	e = probe(set->slots, set->cap, digest);
	if (!e->name)
		return 0;
	if (name)
		*name = e->name;
	if (scopes)
		*scopes = e->scopes;
	return 1;
}

size_t apikey_set_count(const struct apikey_set *set)
{
	return set ? set->n : 0;
}

void apikey_set_free(struct apikey_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->cap; i++)
		free(set->slots[i].name);
	free(set->slots);
	free(set);
}
