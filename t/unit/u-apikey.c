/*
 * u-apikey.c - unit tests for lib/serve/apikey.c: the key format and its
 * shape check, SHA-256 against published vectors, scope lists both ways,
 * serve.keys entries good and bad, lookups in sets large and small, and a
 * set loaded from a SQLite store in which one key was revoked.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "store.h"
#include "serve/apikey.h"
#include "tap.h"

/* "test" and "abc": the keys of the entries below */
#define H_TEST "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
#define H_ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

static void hash_is(const char *text, size_t len, const char *want, const char *what)
{
	char hex[65];

	memset(hex, 'x', sizeof(hex));
	apikey_hash(text, len, hex);
	is_str(hex, want, "sha-256 of %s", what);
}

static void test_hash(void)
{
	hash_is("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"the empty string");
	hash_is("abc", 3, H_ABC, "'abc'");
	hash_is("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
		"248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
		"the two-block vector of FIPS 180-2");
	hash_is("test", 4, H_TEST, "'test' (the example of serve.keys)");
	hash_is("a\0b", 3, "59b271ae1bbcb1d31d41929817f4b16fb439eb4f31520b5ad1d5ce98920a7138",
		"bytes after a NUL (the length counts, not the terminator)");
	hash_is("ak_0123456789ab_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", APIKEY_LEN,
		"c7d47b95712a654d2a8a4c0dca94bfe79e7bba7354b95d4c25ddbc5fba05b05b", "a key");
}

static void scopes_good(const char *s, unsigned want, const char *formatted)
{
	unsigned got = 99;
	char out[32];

	if (!is_int(apikey_scopes_parse(s, &got), 0, "scopes '%s' parse", s))
		printf("# %s\n", ak_errmsg());
	is_int(got, want, "scopes '%s' are %u", s, want);
	apikey_scopes_format(got, out, sizeof(out));
	is_str(out, formatted, "scopes '%s' written back", s);
}

static void scopes_bad(const char *s, const char *msg)
{
	unsigned got = 99;

	ak_error(AK_EXIT_OK, "%s", "");
	is_int(apikey_scopes_parse(s, &got), -1, "scopes '%s' are refused", s ? s : "(null)");
	is_int(got, 99, "scopes '%s' leave the output alone", s ? s : "(null)");
	is_int(ak_errcode(), AK_EXIT_USAGE, "scopes '%s': a usage error", s ? s : "(null)");
	is_str(ak_errmsg(), msg, "scopes '%s': the message", s ? s : "(null)");
}

static void test_scopes(void)
{
	char out[32];

	scopes_good("submit,read", SCOPE_ALL, "submit,read");
	scopes_good("submit+read", SCOPE_ALL, "submit,read");
	scopes_good("read,submit", SCOPE_ALL, "submit,read");
	scopes_good("read", SCOPE_READ, "read");
	scopes_good("submit", SCOPE_SUBMIT, "submit");
	scopes_good(" read , submit ", SCOPE_ALL, "submit,read");
	scopes_good("read+read", SCOPE_READ, "read");
	scopes_bad("", "bad scopes '': an empty name (use submit, read or both)");
	scopes_bad("submit,", "bad scopes 'submit,': an empty name (use submit, read or both)");
	scopes_bad("write", "unknown scope 'write' in 'write' (use submit, read or both)");
	scopes_bad("submit+admin", "unknown scope 'admin' in 'submit+admin' "
		   "(use submit, read or both)");
	scopes_bad("Read", "unknown scope 'Read' in 'Read' (use submit, read or both)");
	scopes_bad("submit read", "unknown scope 'submit read' in 'submit read' "
		   "(use submit, read or both)");
	scopes_bad(NULL, "no scopes given (use submit, read or both)");

	apikey_scopes_format(0, out, sizeof(out));
	is_str(out, "", "no scopes are written as nothing");
	apikey_scopes_format(SCOPE_ALL | 8u, out, sizeof(out));
	is_str(out, "submit,read", "unknown bits are left out");
	apikey_scopes_format(SCOPE_ALL, out, 8);
	is_str(out, "submit,", "a short buffer is cut, and terminated");
	apikey_scopes_format(SCOPE_ALL, out, 1);
	is_str(out, "", "a buffer of one byte holds the terminator");
}

/* The 32 bytes of a key's secret part, decoded; -1 when not canonical. */
static int decode_secret(const char *key, unsigned char out[32])
{
	static const char alpha[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	uint32_t acc = 0;
	int bits = 0, n = 0;

	for (const char *p = key + 3 + APIKEY_ID_LEN + 1; *p; p++) {
		const char *c = strchr(alpha, *p);

		if (!c)
			return -1;
		acc = acc << 6 | (uint32_t)(c - alpha);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n == 32)
				return -1;
			out[n++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	return n == 32 && acc == 0 ? 0 : -1;
}

static void test_generate(void)
{
	enum { N = 200 };
	static char keys[N][APIKEY_LEN + 1];
	char id[APIKEY_ID_LEN + 1];
	int formed = 0, ids = 0, decoded = 0, distinct = 1, zero = 0;
	unsigned char secret[32];

	is_int(APIKEY_LEN, 59, "a key is 59 characters");
	for (int i = 0; i < N; i++) {
		memset(keys[i], 'x', sizeof(keys[i]));
		memset(id, 'x', sizeof(id));
		if (apikey_generate(keys[i], id) < 0) {
			ok(0, "generate a key: %s", ak_errmsg());
			return;
		}
		formed += strlen(keys[i]) == APIKEY_LEN && apikey_well_formed(keys[i], APIKEY_LEN);
		ids += strlen(id) == APIKEY_ID_LEN && !memcmp(keys[i] + 3, id, APIKEY_ID_LEN);
		if (decode_secret(keys[i], secret) == 0) {
			decoded++;
			zero += secret[0] == 0 && secret[1] == 0 && secret[2] == 0 && secret[3] == 0;
		}
		for (int j = 0; j < i; j++)
			if (!memcmp(keys[i], keys[j], APIKEY_ID_LEN + 3) ||
			    !strcmp(keys[i] + 16, keys[j] + 16))
				distinct = 0;
	}
	is_int(formed, N, "%d generated keys are well formed", N);
	is_int(ids, N, "the id given is the one in the key");
	is_int(decoded, N, "the secret is 32 bytes of canonical base64url");
	ok(distinct, "no two ids or secrets are alike");
	ok(zero < 2, "the secrets are not zero");
	ok(!strncmp(keys[0], "ak_", 3) && keys[0][15] == '_', "'ak_' ID '_' SECRET: %s", keys[0]);
}

static void test_well_formed(void)
{
	const char *good = "ak_0123456789ab_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-";
	char k[APIKEY_LEN + 2];

	ok(apikey_well_formed(good, strlen(good)), "a key of the right shape");
	ok(!apikey_well_formed(good, strlen(good) - 1), "one character short");
	memcpy(k, good, APIKEY_LEN);
	k[APIKEY_LEN] = 'A';
	k[APIKEY_LEN + 1] = '\0';
	ok(!apikey_well_formed(k, APIKEY_LEN + 1), "one character long");
	memcpy(k, good, APIKEY_LEN + 1);
	k[0] = 'A';
	ok(!apikey_well_formed(k, APIKEY_LEN), "another prefix");
	memcpy(k, good, APIKEY_LEN + 1);
	k[5] = 'A';
	ok(!apikey_well_formed(k, APIKEY_LEN), "an upper-case id");
	memcpy(k, good, APIKEY_LEN + 1);
	k[15] = '-';
	ok(!apikey_well_formed(k, APIKEY_LEN), "no '_' after the id");
	memcpy(k, good, APIKEY_LEN + 1);
	k[30] = '+';
	ok(!apikey_well_formed(k, APIKEY_LEN), "'+' is base64, not base64url");
	memcpy(k, good, APIKEY_LEN + 1);
	k[30] = '\0';
	ok(!apikey_well_formed(k, APIKEY_LEN), "a NUL inside");
	ok(!apikey_well_formed("", 0), "nothing");
	ok(!apikey_well_formed(NULL, 0), "NULL");
	ok(apikey_name_ok("ci-bot_2.prod", 13), "a name of letters, digits, '.', '_', '-'");
	ok(!apikey_name_ok("ci bot", 6) && !apikey_name_ok("a:b", 3) && !apikey_name_ok("", 0),
	   "names with a space or ':', and the empty name, are refused");
	ok(apikey_name_ok("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 64) &&
	   !apikey_name_ok("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 65),
	   "64 characters at most");
}

static void lookup_is(const struct apikey_set *set, const char *key, const char *want_name,
		      unsigned want_scopes)
{
	const char *name = "untouched";
	unsigned scopes = 99;
	int r = apikey_set_lookup(set, key, strlen(key), &name, &scopes);

	if (want_name) {
		is_int(r, 1, "'%s' is found", key);
		is_str(name, want_name, "'%s' belongs to %s", key, want_name);
		is_int(scopes, want_scopes, "'%s' has scopes %u", key, want_scopes);
	} else {
		is_int(r, 0, "'%s' is unknown", key);
		ok(!strcmp(name, "untouched") && scopes == 99, "'%s' leaves name and scopes alone",
		   key);
	}
}

static void config_bad(const char *entries, enum ak_exit code, const char *msg)
{
	struct apikey_set *set = apikey_set_new();

	ak_error(AK_EXIT_OK, "%s", "");
	is_int(apikey_set_add_config(set, entries), -1, "serve.keys '%.40s' is refused", entries);
	is_int(ak_errcode(), code, "serve.keys '%.40s': exit %d", entries, code);
	is_str(ak_errmsg(), msg, "serve.keys '%.40s': the message", entries);
	apikey_set_free(set);
}

static void test_config(void)
{
	struct apikey_set *set = apikey_set_new();

	ok(set != NULL, "a new set");
	is_int((long long)apikey_set_count(set), 0, "holds nothing");
	lookup_is(set, "test", NULL, 0);
	is_int(apikey_set_add_config(set, ""), 0, "an empty serve.keys adds nothing");
	is_int(apikey_set_add_config(set, "  "), 0, "nor does a blank one");
	is_int(apikey_set_add_config(set, NULL), 0, "nor NULL");
	is_int((long long)apikey_set_count(set), 0, "still nothing");
	if (!is_int(apikey_set_add_config(set, "ci:submit+read:" H_TEST " , bot:read:"
					  "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"),
		    0, "two entries, spaces around, one hash in upper case"))
		printf("# %s\n", ak_errmsg());
	is_int((long long)apikey_set_count(set), 2, "two keys");
	lookup_is(set, "test", "ci", SCOPE_ALL);
	lookup_is(set, "abc", "bot", SCOPE_READ);
	lookup_is(set, "tes", NULL, 0);
	lookup_is(set, "test ", NULL, 0);
	lookup_is(set, "", NULL, 0);
	is_int(apikey_set_lookup(set, "test", 4, NULL, NULL), 1, "name and scopes may be NULL");
	is_int(apikey_set_lookup(set, "testing", 4, NULL, NULL), 1, "the length counts, not a NUL");
	is_int(apikey_set_lookup(NULL, "test", 4, NULL, NULL), 0, "a NULL set holds nothing");

	ak_error(AK_EXIT_OK, "%s", "");
	is_int(apikey_set_add(set, "other", H_TEST, SCOPE_READ), -1, "a hash added twice");
	is_int(ak_errcode(), AK_EXIT_DATAERR, "is a data error");
	is_str(ak_errmsg(), "key 'other' is the same key as 'ci'", "naming both");
	is_int((long long)apikey_set_count(set), 2, "and leaves the set as it was");
	lookup_is(set, "test", "ci", SCOPE_ALL);
	is_int(apikey_set_add(set, "x", "abc", SCOPE_READ), -1, "a hash that is not 64 hex digits");
	is_str(ak_errmsg(), "key 'x': the hash must be 64 hex digits (a SHA-256)", "says so");
	is_int(apikey_set_add(set, "x", H_ABC "0", SCOPE_READ), -1, "65 hex digits");
	is_int(apikey_set_add(set, "x", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85g",
			      SCOPE_READ), -1, "a 'g'");
	is_int(apikey_set_add(set, "x", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
			      0), -1, "no scopes");
	is_str(ak_errmsg(), "key 'x' has no scopes", "says so");
	is_int(apikey_set_add(set, "x y", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
			      SCOPE_READ), -1, "a name with a space");
	is_int(ak_errcode(), AK_EXIT_USAGE, "is a usage error");
	is_int((long long)apikey_set_count(set), 2, "none of them was added");
	apikey_set_free(set);
	apikey_set_free(NULL);

	config_bad("ci", AK_EXIT_USAGE, "serve.keys: bad entry 'ci': use NAME:SCOPES:SHA256HEX");
	config_bad("ci:read", AK_EXIT_USAGE,
		   "serve.keys: bad entry 'ci:read': use NAME:SCOPES:SHA256HEX");
	config_bad("ci:write:" H_TEST, AK_EXIT_USAGE, "serve.keys: bad entry 'ci': "
		   "unknown scope 'write' in 'write' (use submit, read or both)");
	config_bad("ci:read:" H_TEST "00", AK_EXIT_USAGE,
		   "serve.keys: bad entry 'ci': the hash must be 64 hex digits (a SHA-256)");
	config_bad("ci:read:", AK_EXIT_USAGE,
		   "serve.keys: bad entry 'ci': the hash must be 64 hex digits (a SHA-256)");
	config_bad("ci:read:" H_TEST ",,bot:read:" H_ABC, AK_EXIT_USAGE,
		   "serve.keys: an empty entry (entries are NAME:SCOPES:SHA256HEX, separated by ',')");
	config_bad("ci:read:" H_TEST ",", AK_EXIT_USAGE,
		   "serve.keys: an empty entry (entries are NAME:SCOPES:SHA256HEX, separated by ',')");
	config_bad(":read:" H_TEST, AK_EXIT_USAGE, "serve.keys: bad entry '': "
		   "bad key name '' (1 to 64 of A-Z a-z 0-9 . _ -)");
	config_bad("ci:read:" H_TEST ",bot:submit:" H_TEST, AK_EXIT_DATAERR,
		   "serve.keys: bad entry 'bot': key 'bot' is the same key as 'ci'");
	config_bad("ci:submit,read:" H_TEST, AK_EXIT_USAGE,
		   "serve.keys: bad entry 'ci:submit': use NAME:SCOPES:SHA256HEX");
}

/* Many keys: the table grows, and every key is still found. */
static void test_many(void)
{
	enum { N = 3000 };
	static char keys[N][APIKEY_LEN + 1];
	struct apikey_set *set = apikey_set_new();
	char id[APIKEY_ID_LEN + 1], hex[65], name[32];
	int added = 0, found = 0, right = 0, unknown = 0;

	for (int i = 0; i < N && set; i++) {
		if (apikey_generate(keys[i], id) < 0)
			break;
		apikey_hash(keys[i], APIKEY_LEN, hex);
		snprintf(name, sizeof(name), "k%d", i);
		added += apikey_set_add(set, name, hex, i % 2 ? SCOPE_READ : SCOPE_ALL) == 0;
	}
	is_int(added, N, "%d keys added", N);
	is_int((long long)apikey_set_count(set), N, "the set counts them");
	for (int i = 0; i < N && set; i++) {
		const char *got = NULL;
		unsigned sc = 0;

		snprintf(name, sizeof(name), "k%d", i);
		if (apikey_set_lookup(set, keys[i], APIKEY_LEN, &got, &sc) == 1) {
			found++;
			right += !strcmp(got, name) && sc == (i % 2 ? SCOPE_READ : SCOPE_ALL);
		}
		/* the same key with its last character changed */
		keys[i][APIKEY_LEN - 1] = keys[i][APIKEY_LEN - 1] == 'A' ? 'B' : 'A';
		unknown += apikey_set_lookup(set, keys[i], APIKEY_LEN, NULL, NULL) == 0;
	}
	is_int(found, N, "each one is found");
	is_int(right, N, "with its own name and scopes");
	is_int(unknown, N, "and a key one character off is not");
	apikey_set_free(set);
}


static void test_store(void)
{
	char dir[] = "/tmp/u-apikey.XXXXXX", path[64];
	char key[3][APIKEY_LEN + 1], id[3][APIKEY_ID_LEN + 1], hex[3][65];
	const char *names[3] = { "ci", "bot", "old" };
	const char *scopes[3] = { "submit,read", "read", "submit" };
	struct apikey_set *set;
	struct store *s;
	int n = -1, made = 1;

	if (!mkdtemp(dir)) {
		ok(0, "make a temporary directory: %s", strerror(errno));
		return;
	}
	snprintf(path, sizeof(path), "%s/keys.db", dir);
	s = store_open(path, NULL);
	if (!ok(s != NULL, "open a SQLite store")) {
		printf("# %s\n", ak_errmsg());
		rmdir(dir);
		return;
	}
	for (int i = 0; i < 3; i++) {
		struct store_key k = { id[i], names[i], hex[i], scopes[i], 1000 + i, 0 };

		if (apikey_generate(key[i], id[i]) < 0)
			made = 0;
		apikey_hash(key[i], APIKEY_LEN, hex[i]);
		if (store_key_add(s, &k) < 0)
			made = 0;
	}
	ok(made, "three keys in the store");
	is_int(store_key_revoke(s, "old", 0, &n), 0, "revoke one");
	is_int(n, 1, "by its name");

	set = apikey_set_new();
	is_int(apikey_set_add_store(set, s), 0, "load the set from the store");
	is_int(apikey_set_add_config(set, "cfg:read:" H_TEST), 0, "and one from the configuration");
	is_int((long long)apikey_set_count(set), 3, "the two active keys, and the configured one");
	lookup_is(set, key[0], "ci", SCOPE_ALL);
	lookup_is(set, key[1], "bot", SCOPE_READ);
	lookup_is(set, key[2], NULL, 0);
	lookup_is(set, "test", "cfg", SCOPE_READ);
	is_int(apikey_set_lookup(set, hex[0], 64, NULL, NULL), 0, "the hash is not the key");

	ak_error(AK_EXIT_OK, "%s", "");
	is_int(apikey_set_add_store(set, s), -1, "loading the store twice into one set");
	is_int(ak_errcode(), AK_EXIT_DATAERR, "is a data error");
	{
		char want[128];

		snprintf(want, sizeof(want), "key '%s' in the store: key 'ci' is the same key as 'ci'",
			 id[0]);
		is_str(ak_errmsg(), want, "naming the first key, the oldest");
	}
	apikey_set_free(set);

	{
		struct store_key k = { "abcdefabcdef", "odd", H_ABC, "admin", 0, 0 };

		is_int(store_key_add(s, &k), 0, "a key with scopes nobody knows");
		set = apikey_set_new();
		ak_error(AK_EXIT_OK, "%s", "");
		is_int(apikey_set_add_store(set, s), -1, "stops the set from loading");
		is_str(ak_errmsg(), "key 'abcdefabcdef' in the store has bad scopes 'admin'",
		       "naming the key");
		is_int(ak_errcode(), AK_EXIT_DATAERR, "a data error");
		apikey_set_free(set);
	}

	store_close(s);
	{
		const char *sfx[] = { "", "-wal", "-shm" };

		for (int i = 0; i < 3; i++) {
			char p[96];

			snprintf(p, sizeof(p), "%s%s", path, sfx[i]);
			unlink(p);
		}
	}
	rmdir(dir);
}

int main(void)
{
	test_hash();
	test_scopes();
	test_generate();
	test_well_formed();
	test_config();
	test_many();
	test_store();
	return done_testing();
}
