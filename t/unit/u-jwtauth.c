/*
 * u-jwtauth.c - unit tests for lib/serve/jwtauth.c: which keys a verifier
 * accepts, good HS256, RS256 and ES256 tokens and their scopes, and every
 * way a token is refused: a wrong key, "none", a header lying about the
 * algorithm (an HS256 token keyed with an RSA or EC server's public PEM),
 * time limits with and without leeway, issuer, audience, subject, and
 * tokens that are not tokens at all. Keys are made with openssl and tokens
 * with t/helpers/mkjwt, a second implementation, at test time.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "error.h"
#include "serve/jwtauth.h"
#include "tap.h"
#include "banned.h"

#define NOW 1700000000LL
#define SECRET "0123456789abcdef0123456789abcdef"
#define OTHER_SECRET "fedcba9876543210fedcba9876543210"
#define ISS "https://issuer.example"
#define AUD "agentkit"

static char tmpdir[] = "/tmp/u-jwtauth-XXXXXX";
static char mkjwt[512];

static const char *path_in(const char *name)
{
	static char p[4][600];
	static int i;

	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", tmpdir, name);
	return p[i];
}

static int run(const char *cmd)
{
	int rc = system(cmd);

	if (rc != 0)
		printf("# '%s' failed (%d)\n", cmd, rc);
	return rc;
}

/* A new key pair: NAME.pem (private) and NAME.pub; algo is genpkey's -algorithm and options. */
static int genkey(const char *name, const char *algo)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd),
		 "openssl genpkey %s -out '%s/%s.pem' 2>/dev/null && "
		 "openssl pkey -in '%s/%s.pem' -pubout -out '%s/%s.pub' 2>/dev/null",
		 algo, tmpdir, name, tmpdir, name, tmpdir, name);
	return run(cmd);
}

/*
 * A token from mkjwt into out: alg, key (a secret, a PEM file, or "@FILE" to
 * use the file's bytes as an HS256 secret), claims and extra header members
 * (JSON without single quotes; NULL for none). "" when mkjwt fails.
 */
static const char *tok(char *out, size_t n, const char *alg, const char *key,
		       const char *claims, const char *header)
{
	char cmd[12288];
	size_t len;
	FILE *p;
	int at = key && key[0] == '@';

	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 '%s' --alg %s %s '%s' --claims '%s' --header '%s'",
		 mkjwt, alg, at ? "--key-file" : "--key", key ? key + at : "",
		 claims ? claims : "{}", header ? header : "{}");
	out[0] = '\0';
	if (!(p = popen(cmd, "r")))
		return out;
	if (!fgets(out, (int)n, p))
		out[0] = '\0';
	if (pclose(p) != 0) {
		printf("# mkjwt failed: %s\n", cmd);
		out[0] = '\0';
	}
	len = strlen(out);
	if (len && out[len - 1] == '\n')
		out[len - 1] = '\0';
	return out;
}

/* Claims with a subject, an expiry an hour away, the issuer and audience, plus extra. */
static const char *claims(char *out, size_t n, const char *extra)
{
	snprintf(out, n, "{\"sub\":\"alice\",\"exp\":%lld,\"iss\":\"" ISS "\",\"aud\":\"" AUD "\"%s%s}",
		 NOW + 3600, extra ? "," : "", extra ? extra : "");
	return out;
}

static enum jwtauth_result verify(const struct jwtauth *j, const char *t, char *sub,
				  unsigned *scopes)
{
	return jwtauth_verify(j, t, strlen(t), NOW, sub, JWTAUTH_MAX_SUB + 1, scopes);
}

/* The token t gets result want from j; on JWT_OK the subject and scopes are checked too. */
static void expect(const struct jwtauth *j, const char *t, enum jwtauth_result want,
		   const char *want_sub, unsigned want_scopes, const char *what)
{
	char sub[JWTAUTH_MAX_SUB + 1] = "junk";
	unsigned scopes = 77;
	enum jwtauth_result r;

	if (!*t) {
		ok(0, "%s: no token made", what);
		return;
	}
	r = verify(j, t, sub, &scopes);
	if (!is_str(jwtauth_result_str(r), jwtauth_result_str(want), "%s", what))
		return;
	if (want == JWT_OK) {
		is_str(sub, want_sub, "%s: subject", what);
		is_int(scopes, want_scopes, "%s: scopes", what);
	} else if (sub[0] || scopes) {
		ok(0, "%s: subject and scopes cleared", what);
	}
}

static void t_new(void)
{
	struct jwtauth_opts o = JWTAUTH_OPTS_INIT;
	struct jwtauth *j;

	is_int(o.leeway_s, 30, "default leeway is 30 seconds");
	ak_error(AK_EXIT_OK, "%s", "");
	ok(!jwtauth_new(&o), "no key at all is refused");
	is_int(ak_errcode(), AK_EXIT_USAGE, "no key: a usage error");
	o.secret = "";
	o.public_key_file = "";
	ok(!jwtauth_new(&o), "empty settings count as unset");

	o.secret = SECRET;
	o.public_key_file = path_in("rsa.pub");
	ok(!jwtauth_new(&o), "a secret and a key file together are refused");
	is_int(ak_errcode(), AK_EXIT_USAGE, "both: a usage error");
	ok(strstr(ak_errmsg(), "not both") != NULL, "both: message says so (%s)", ak_errmsg());

	o.public_key_file = "";
	o.secret = "0123456789abcdef0123456789abcde";
	ok(!jwtauth_new(&o), "a 31-byte secret is refused");
	is_str(ak_errmsg(), "the token secret is too short (31 bytes, at least 32)",
	       "short secret: message");
	is_int(ak_errcode(), AK_EXIT_USAGE, "short secret: a usage error");
	o.secret = SECRET;
	j = jwtauth_new(&o);
	ok(j != NULL, "a 32-byte secret is taken (empty key file ignored)");
	jwtauth_free(j);

	o.leeway_s = -1;
	ok(!jwtauth_new(&o), "a negative leeway is refused");
	is_int(ak_errcode(), AK_EXIT_USAGE, "negative leeway: a usage error");
	o.leeway_s = 30;

	o.secret = NULL;
	o.public_key_file = path_in("missing.pub");
	ok(!jwtauth_new(&o), "a missing key file is refused");
	is_int(ak_errcode(), AK_EXIT_IOERR, "missing key file: an i/o error");
	ok(strstr(ak_errmsg(), "missing.pub") != NULL, "missing key file: named (%s)", ak_errmsg());

	o.public_key_file = path_in("junk.pub");
	ok(!jwtauth_new(&o), "a file of text is refused");
	is_int(ak_errcode(), AK_EXIT_USAGE, "text: a usage error");
	o.public_key_file = path_in("rsa.pem");
	ok(!jwtauth_new(&o), "a private key file is refused");
	is_int(ak_errcode(), AK_EXIT_USAGE, "private key: a usage error");
	o.public_key_file = path_in("p384.pub");
	ok(!jwtauth_new(&o), "an EC P-384 key is refused");
	is_int(ak_errcode(), AK_EXIT_USAGE, "P-384: a usage error");
	ok(strstr(ak_errmsg(), "P-256") != NULL, "P-384: message names P-256 (%s)", ak_errmsg());
	o.public_key_file = path_in("ed.pub");
	ok(!jwtauth_new(&o), "an Ed25519 key is refused");
	is_int(ak_errcode(), AK_EXIT_USAGE, "Ed25519: a usage error");

	o.public_key_file = path_in("rsa.pub");
	j = jwtauth_new(&o);
	ok(j != NULL, "an RSA public key is taken");
	jwtauth_free(j);
	o.public_key_file = path_in("ec.pub");
	j = jwtauth_new(&o);
	ok(j != NULL, "an EC P-256 public key is taken");
	jwtauth_free(j);
	jwtauth_free(NULL);
}

static void t_hs256(void)
{
	struct jwtauth_opts o = JWTAUTH_OPTS_INIT;
	struct jwtauth *j;
	char t[16384], c[12288], c2[512], big[10000];
	char sub[JWTAUTH_MAX_SUB + 1];
	unsigned scopes;

	o.secret = SECRET;
	o.issuer = ISS;
	o.audience = AUD;
	if (!(j = jwtauth_new(&o))) {
		ok(0, "HS256 verifier: %s", ak_errmsg());
		return;
	}
	expect(j, tok(t, sizeof(t), "HS256", SECRET, claims(c, sizeof(c), "\"scope\":\"submit read\""),
		      NULL), JWT_OK, "alice", SCOPE_ALL, "HS256 with scope 'submit read'");
	expect(j, tok(t, sizeof(t), "HS256", SECRET,
		      claims(c, sizeof(c), "\"scope\":\"  admin   submit \""), NULL),
	       JWT_OK, "alice", SCOPE_SUBMIT, "unknown scope names ignored, spaces too");
	expect(j, tok(t, sizeof(t), "HS256", SECRET,
		      claims(c, sizeof(c), "\"scopes\":[\"read\",\"bogus\",7]"), NULL),
	       JWT_OK, "alice", SCOPE_READ, "scopes array");
	expect(j, tok(t, sizeof(t), "HS256", SECRET,
		      claims(c, sizeof(c), "\"scope\":\"read\",\"scopes\":[\"submit\"]"), NULL),
	       JWT_OK, "alice", SCOPE_ALL, "scope and scopes together");
	expect(j, tok(t, sizeof(t), "HS256", SECRET, claims(c, sizeof(c), "\"scope\":\"readx\""), NULL),
	       JWT_OK, "alice", 0, "no scopes: a prefix is not a name");

	/* the contract: len bytes are the token, nothing after them counts */
	tok(t, sizeof(t), "HS256", SECRET, claims(c, sizeof(c), NULL), NULL);
	{
		size_t n = strlen(t);

		memcpy(t + n, "garbage", 8);
		is_int(jwtauth_verify(j, t, n, NOW, sub, sizeof(sub), &scopes), JWT_OK,
		       "only len bytes are read");
		t[n] = '\0';
		is_int(jwtauth_verify(j, t, n + 1, NOW, sub, sizeof(sub), &scopes), JWT_MALFORMED,
		       "a NUL inside the token is malformed");
		is_int(jwtauth_verify(j, t, n, NOW, sub, 5, &scopes), JWT_NO_SUBJECT,
		       "a subject that does not fit the buffer");
	}

	expect(j, tok(t, sizeof(t), "HS256", OTHER_SECRET, claims(c, sizeof(c), NULL), NULL),
	       JWT_BAD_SIGNATURE, NULL, 0, "signed with another secret");
	{
		char t2[4096], *dot, *dot2, *dot3;

		/* claims of one token under the signature of another */
		tok(t, sizeof(t), "HS256", SECRET, claims(c, sizeof(c), "\"scope\":\"read\""), NULL);
		tok(t2, sizeof(t2), "HS256", SECRET, claims(c, sizeof(c), "\"scope\":\"submit read\""),
		    NULL);
		dot = strchr(t, '.');
		dot2 = strchr(dot + 1, '.');
		dot3 = strchr(strchr(t2, '.') + 1, '.');
		snprintf(c, sizeof(c), "%.*s%s", (int)(dot2 - t), t, dot3);
		expect(j, c, JWT_BAD_SIGNATURE, NULL, 0, "claims swapped under a signature");
	}
	expect(j, tok(t, sizeof(t), "none", NULL, claims(c, sizeof(c), NULL), NULL),
	       JWT_BAD_ALG, NULL, 0, "alg none");
	expect(j, tok(t, sizeof(t), "none", NULL, claims(c, sizeof(c), NULL), "{\"alg\":\"HS256\"}"),
	       JWT_MALFORMED, NULL, 0, "HS256 header with no signature");
	expect(j, tok(t, sizeof(t), "HS256", SECRET, claims(c, sizeof(c), NULL), "{\"alg\":\"HS512\"}"),
	       JWT_BAD_ALG, NULL, 0, "header says HS512");
	expect(j, tok(t, sizeof(t), "HS256", SECRET, claims(c, sizeof(c), NULL), "{\"alg\":\"hs256\"}"),
	       JWT_BAD_ALG, NULL, 0, "alg names are case-sensitive");
	expect(j, tok(t, sizeof(t), "RS256", path_in("rsa.pem"), claims(c, sizeof(c), NULL), NULL),
	       JWT_BAD_ALG, NULL, 0, "an RS256 token at an HS256 server");
	expect(j, tok(t, sizeof(t), "HS256", SECRET, claims(c, sizeof(c), NULL),
		      "{\"crit\":[\"exp\"],\"exp\":1}"),
	       JWT_MALFORMED, NULL, 0, "a critical header extension");

	/* time: exp required, leeway 30 on both sides */
	snprintf(c, sizeof(c), "{\"sub\":\"alice\",\"iss\":\"" ISS "\",\"aud\":\"" AUD "\"}");
	expect(j, tok(t, sizeof(t), "HS256", SECRET, c, NULL), JWT_MALFORMED, NULL, 0, "no exp");
	snprintf(c, sizeof(c), "{\"sub\":\"alice\",\"exp\":\"%lld\",\"iss\":\"" ISS "\",\"aud\":\"" AUD
		 "\"}", NOW + 3600);
	expect(j, tok(t, sizeof(t), "HS256", SECRET, c, NULL), JWT_MALFORMED, NULL, 0,
	       "exp as a string");
#define AT(expv, nbfv) \
	(snprintf(c, sizeof(c), "{\"sub\":\"alice\",\"exp\":%lld,\"iss\":\"" ISS "\",\"aud\":\"" AUD \
		  "\"%s}", (long long)(expv), nbfv), c)
	expect(j, tok(t, sizeof(t), "HS256", SECRET, AT(NOW - 31, ""), NULL), JWT_EXPIRED, NULL, 0,
	       "expired 31 s ago (leeway 30)");
	expect(j, tok(t, sizeof(t), "HS256", SECRET, AT(NOW - 30, ""), NULL), JWT_EXPIRED, NULL, 0,
	       "expired 30 s ago: the leeway is used up");
	expect(j, tok(t, sizeof(t), "HS256", SECRET, AT(NOW - 29, ""), NULL), JWT_OK, "alice", 0,
	       "expired 29 s ago: within the leeway");
	snprintf(c, sizeof(c), "{\"sub\":\"alice\",\"exp\":%lld.5,\"iss\":\"" ISS "\",\"aud\":\""
		 AUD "\"}", NOW - 30);
	expect(j, tok(t, sizeof(t), "HS256", SECRET, c, NULL), JWT_OK, "alice", 0,
	       "a fractional exp, half a second left");
	snprintf(c, sizeof(c), "{\"sub\":\"alice\",\"exp\":%lld.5,\"iss\":\"" ISS "\",\"aud\":\""
		 AUD "\"}", NOW - 31);
	expect(j, tok(t, sizeof(t), "HS256", SECRET, c, NULL), JWT_EXPIRED, NULL, 0,
	       "a fractional exp, half a second past");
	snprintf(c2, sizeof(c2), ",\"nbf\":%lld", NOW + 31);
	expect(j, tok(t, sizeof(t), "HS256", SECRET, AT(NOW + 3600, c2), NULL), JWT_NOT_YET_VALID,
	       NULL, 0, "nbf 31 s ahead");
	snprintf(c2, sizeof(c2), ",\"nbf\":%lld", NOW + 30);
	expect(j, tok(t, sizeof(t), "HS256", SECRET, AT(NOW + 3600, c2), NULL), JWT_OK, "alice", 0,
	       "nbf 30 s ahead: within the leeway");
	expect(j, tok(t, sizeof(t), "HS256", SECRET, AT(NOW + 3600, ",\"nbf\":\"soon\""), NULL),
	       JWT_MALFORMED, NULL, 0, "nbf as a string");
	jwtauth_free(j);

	o.leeway_s = 0;
	j = jwtauth_new(&o);
	expect(j, tok(t, sizeof(t), "HS256", SECRET, AT(NOW - 1, ""), NULL), JWT_EXPIRED, NULL, 0,
	       "no leeway: expired a second ago");
	expect(j, tok(t, sizeof(t), "HS256", SECRET, AT(NOW, ""), NULL), JWT_EXPIRED, NULL, 0,
	       "no leeway: expiring now");
	expect(j, tok(t, sizeof(t), "HS256", SECRET, AT(NOW + 1, ""), NULL), JWT_OK, "alice", 0,
	       "no leeway: a second to go");
	snprintf(c2, sizeof(c2), ",\"nbf\":%lld", NOW + 1);
	expect(j, tok(t, sizeof(t), "HS256", SECRET, AT(NOW + 3600, c2), NULL), JWT_NOT_YET_VALID,
	       NULL, 0, "no leeway: nbf a second ahead");
	jwtauth_free(j);
#undef AT
	o.leeway_s = 30;
	j = jwtauth_new(&o);

	/* issuer and audience */
#define CL(rest) (snprintf(c, sizeof(c), "{\"sub\":\"alice\",\"exp\":%lld%s}", NOW + 60, rest), c)
	expect(j, tok(t, sizeof(t), "HS256", SECRET, CL(",\"iss\":\"https://evil.example\",\"aud\":\""
							AUD "\""), NULL),
	       JWT_BAD_ISSUER, NULL, 0, "wrong issuer");
	expect(j, tok(t, sizeof(t), "HS256", SECRET, CL(",\"aud\":\"" AUD "\""), NULL),
	       JWT_BAD_ISSUER, NULL, 0, "no issuer");
	expect(j, tok(t, sizeof(t), "HS256", SECRET, CL(",\"iss\":[\"" ISS "\"],\"aud\":\"" AUD "\""),
		      NULL),
	       JWT_BAD_ISSUER, NULL, 0, "issuer in an array");
	expect(j, tok(t, sizeof(t), "HS256", SECRET, CL(",\"iss\":\"" ISS "\",\"aud\":\"other\""), NULL),
	       JWT_BAD_AUDIENCE, NULL, 0, "wrong audience");
	expect(j, tok(t, sizeof(t), "HS256", SECRET, CL(",\"iss\":\"" ISS "\""), NULL),
	       JWT_BAD_AUDIENCE, NULL, 0, "no audience");
	expect(j, tok(t, sizeof(t), "HS256", SECRET,
		      CL(",\"iss\":\"" ISS "\",\"aud\":[\"other\",\"" AUD "\"]"), NULL),
	       JWT_OK, "alice", 0, "audience in an array");
	expect(j, tok(t, sizeof(t), "HS256", SECRET,
		      CL(",\"iss\":\"" ISS "\",\"aud\":[\"other\",\"agentkitx\"]"), NULL),
	       JWT_BAD_AUDIENCE, NULL, 0, "audience array without ours");
	expect(j, tok(t, sizeof(t), "HS256", SECRET, CL(",\"iss\":\"" ISS "\",\"aud\":[]"), NULL),
	       JWT_BAD_AUDIENCE, NULL, 0, "empty audience array");

	/* subject */
	snprintf(c, sizeof(c), "{\"exp\":%lld,\"iss\":\"" ISS "\",\"aud\":\"" AUD "\"}", NOW + 60);
	expect(j, tok(t, sizeof(t), "HS256", SECRET, c, NULL), JWT_NO_SUBJECT, NULL, 0, "no sub");
#define SUB(s) (snprintf(c, sizeof(c), "{\"sub\":%s,\"exp\":%lld,\"iss\":\"" ISS "\",\"aud\":\"" AUD \
			 "\"}", s, NOW + 60), c)
	expect(j, tok(t, sizeof(t), "HS256", SECRET, SUB("\"\""), NULL), JWT_NO_SUBJECT, NULL, 0,
	       "empty sub");
	expect(j, tok(t, sizeof(t), "HS256", SECRET, SUB("42"), NULL), JWT_NO_SUBJECT, NULL, 0,
	       "numeric sub");
	expect(j, tok(t, sizeof(t), "HS256", SECRET, SUB("\"a\\nb\""), NULL), JWT_NO_SUBJECT, NULL, 0,
	       "sub with a newline");
	expect(j, tok(t, sizeof(t), "HS256", SECRET, SUB("\"caf\\u00e9 \\u2603\""), NULL), JWT_OK,
	       "caf\xc3\xa9 \xe2\x98\x83", 0, "sub in UTF-8");
	/* 255 bytes is the limit */
	memset(c2, 'x', 258);
	c2[0] = '"';
	c2[256] = '"';
	c2[257] = '\0';
	snprintf(big, sizeof(big), "%.255s", c2 + 1);
	expect(j, tok(t, sizeof(t), "HS256", SECRET, SUB(c2), NULL), JWT_OK, big, 0,
	       "a 255-byte sub");
	c2[256] = 'x';
	c2[257] = '"';
	c2[258] = '\0';
	expect(j, tok(t, sizeof(t), "HS256", SECRET, SUB(c2), NULL), JWT_NO_SUBJECT, NULL, 0,
	       "a 256-byte sub");
#undef SUB
#undef CL

	/* size: a large token is fine, one past 8 KiB is not even read */
	memset(big, 'p', 5000);
	big[5000] = '\0';
	{
		char extra[10016];

		snprintf(extra, sizeof(extra), "\"pad\":\"%s\"", big);
		tok(t, sizeof(t), "HS256", SECRET, claims(c, sizeof(c), extra), NULL);
		ok(strlen(t) > 6000 && strlen(t) <= JWTAUTH_MAX_TOKEN, "a %zu-byte token", strlen(t));
		expect(j, t, JWT_OK, "alice", 0, "a large token within the limit");
		memset(big, 'p', 6200);
		big[6200] = '\0';
		snprintf(extra, sizeof(extra), "\"pad\":\"%s\"", big);
		tok(t, sizeof(t), "HS256", SECRET, claims(c, sizeof(c), extra), NULL);
		ok(strlen(t) > JWTAUTH_MAX_TOKEN, "a %zu-byte token", strlen(t));
		expect(j, t, JWT_MALFORMED, NULL, 0, "a signed token over 8 KiB");
	}
	jwtauth_free(j);
}

static void b64url(const unsigned char *p, size_t n, char *out)
{
	static const char abc[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t o = 0;

	for (size_t i = 0; i < n; i += 3) {
		unsigned long v = (unsigned long)p[i] << 16;

		if (i + 1 < n)
			v |= (unsigned long)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		out[o++] = abc[v >> 18 & 63];
		out[o++] = abc[v >> 12 & 63];
		if (i + 1 < n)
			out[o++] = abc[v >> 6 & 63];
		if (i + 2 < n)
			out[o++] = abc[v & 63];
	}
	out[o] = '\0';
}

/* An HS256 token over raw header and payload text, signed here: for what mkjwt cannot make. */
static const char *raw_hs256(char *out, const char *header, const char *payload)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned maclen = 0;
	size_t n;

	b64url((const unsigned char *)header, strlen(header), out);
	n = strlen(out);
	out[n++] = '.';
	b64url((const unsigned char *)payload, strlen(payload), out + n);
	n = strlen(out);
	HMAC(EVP_sha256(), SECRET, (int)strlen(SECRET), (const unsigned char *)out, n, mac, &maclen);
	out[n++] = '.';
	b64url(mac, maclen, out + n);
	return out;
}

static void t_malformed(void)
{
	struct jwtauth_opts o = JWTAUTH_OPTS_INIT;
	struct jwtauth *j;
	char t[4096], p[512];
	static const char *const junk[] = {
		"", "abc", "abc.def", ".", "..", "...", "a.b.c.d", "!!!!.e30.c2ln",
		"eyJhbGciOiJIUzI1NiJ9..c2ln", ".e30.c2ln", "eyJhbGciOiJIUzI1NiJ9.e30=.c2ln",
		"eyJhbGciOiJIUzI1NiJ9.e.c2ln", "aGVsbG8.e30.c2ln", "W10.e30.c2ln", "e30.e30.c2ln",
		"eyJhbGciOjF9.e30.c2ln", "eyJhbGciOiJIUzI1NiJ9 .e30.c2ln",
	};

	o.secret = SECRET;
	if (!(j = jwtauth_new(&o))) {
		ok(0, "verifier: %s", ak_errmsg());
		return;
	}
	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
		expect(j, junk[i][0] ? junk[i] : " ", JWT_MALFORMED, NULL, 0, junk[i]);
	{
		char sub[8] = "x";
		unsigned sc = 9;

		is_int(jwtauth_verify(j, "", 0, NOW, sub, sizeof(sub), &sc), JWT_MALFORMED,
		       "an empty token");
		ok(!sub[0] && !sc, "empty token: outputs cleared");
		is_int(jwtauth_verify(j, NULL, 0, NOW, sub, sizeof(sub), &sc), JWT_MALFORMED,
		       "no token");
	}

	snprintf(p, sizeof(p), "{\"sub\":\"alice\",\"exp\":%lld}", NOW + 60);
	expect(j, raw_hs256(t, "{\"alg\":\"HS256\"}", p), JWT_OK, "alice", 0,
	       "a token signed here is good (the check below can fail)");
	expect(j, raw_hs256(t, "{\"alg\":\"HS256\"}", "not json"), JWT_MALFORMED, NULL, 0,
	       "signed claims that are not JSON");
	expect(j, raw_hs256(t, "{\"alg\":\"HS256\"}", "[1,2]"), JWT_MALFORMED, NULL, 0,
	       "signed claims that are an array");
	snprintf(p, sizeof(p), "{\"sub\":\"alice\",\"sub\":\"root\",\"exp\":%lld}", NOW + 60);
	expect(j, raw_hs256(t, "{\"alg\":\"HS256\"}", p), JWT_MALFORMED, NULL, 0,
	       "claims naming sub twice");
	snprintf(p, sizeof(p), "{\"sub\":\"alice\",\"exp\":%lld}", NOW + 60);
	expect(j, raw_hs256(t, "{\"alg\":\"none\",\"alg\":\"HS256\"}", p), JWT_MALFORMED, NULL, 0,
	       "a header naming alg twice");
	expect(j, raw_hs256(t, "{\"typ\":\"JWT\"}", p), JWT_MALFORMED, NULL, 0, "a header without alg");
	jwtauth_free(j);
}

/* A server holding public key pub (alg), facing its own tokens and impostors. */
static void t_public(const char *alg, const char *name, const char *other, const char *foreign_alg,
		     const char *foreign_key)
{
	struct jwtauth_opts o = JWTAUTH_OPTS_INIT;
	struct jwtauth *j;
	char t[4096], c[1024], pem[600], pub[600], what[200];

	snprintf(pem, sizeof(pem), "%s", path_in(name));
	snprintf(pem + strlen(pem), sizeof(pem) - strlen(pem), ".pem");
	snprintf(pub, sizeof(pub), "@%s/%s.pub", tmpdir, name);
	o.public_key_file = pub + 1;
	o.audience = AUD;
	if (!(j = jwtauth_new(&o))) {
		ok(0, "%s verifier: %s", alg, ak_errmsg());
		return;
	}
	snprintf(c, sizeof(c), "{\"sub\":\"svc\",\"exp\":%lld,\"aud\":[\"" AUD "\"],"
		 "\"scope\":\"submit\"}", NOW + 60);
	snprintf(what, sizeof(what), "%s: a good token", alg);
	expect(j, tok(t, sizeof(t), alg, pem, c, NULL), JWT_OK, "svc", SCOPE_SUBMIT, what);
	snprintf(what, sizeof(what), "%s: a token signed with another key", alg);
	snprintf(pem, sizeof(pem), "%s", path_in(other));
	snprintf(pem + strlen(pem), sizeof(pem) - strlen(pem), ".pem");
	expect(j, tok(t, sizeof(t), alg, pem, c, NULL), JWT_BAD_SIGNATURE, NULL, 0, what);
	snprintf(what, sizeof(what), "%s: HS256 keyed with the server's public PEM", alg);
	expect(j, tok(t, sizeof(t), "HS256", pub, c, NULL), JWT_BAD_ALG, NULL, 0, what);
	snprintf(what, sizeof(what), "%s: the same, header claiming %s", alg, alg);
	snprintf(pem, sizeof(pem), "{\"alg\":\"%s\"}", alg);
	expect(j, tok(t, sizeof(t), "HS256", pub, c, pem), JWT_BAD_SIGNATURE, NULL, 0, what);
	snprintf(what, sizeof(what), "%s: alg none", alg);
	expect(j, tok(t, sizeof(t), "none", NULL, c, NULL), JWT_BAD_ALG, NULL, 0, what);
	snprintf(what, sizeof(what), "%s: a %s token", alg, foreign_alg);
	expect(j, tok(t, sizeof(t), foreign_alg, foreign_key, c, NULL), JWT_BAD_ALG, NULL, 0, what);
	jwtauth_free(j);
}

struct hammer {
	const struct jwtauth *j;
	const char *good, *bad;
	int fails;
};

static void *hammer_run(void *arg)
{
	struct hammer *h = arg;
	char sub[JWTAUTH_MAX_SUB + 1];
	unsigned sc;

	for (int i = 0; i < 300; i++) {
		if (verify(h->j, h->good, sub, &sc) != JWT_OK || strcmp(sub, "svc") ||
		    sc != SCOPE_ALL)
			h->fails++;
		if (verify(h->j, h->bad, sub, &sc) != JWT_BAD_SIGNATURE)
			h->fails++;
	}
	return NULL;
}

static void t_threads(void)
{
	struct jwtauth_opts o = JWTAUTH_OPTS_INIT;
	struct hammer h[4];
	pthread_t th[4];
	struct jwtauth *j;
	char good[2048], bad[2048], c[256];
	int fails = 0, started = 0;

	o.public_key_file = path_in("ec.pub");
	if (!(j = jwtauth_new(&o))) {
		ok(0, "verifier: %s", ak_errmsg());
		return;
	}
	snprintf(c, sizeof(c), "{\"sub\":\"svc\",\"exp\":%lld,\"scopes\":[\"submit\",\"read\"]}",
		 NOW + 60);
	tok(good, sizeof(good), "ES256", path_in("ec.pem"), c, NULL);
	tok(bad, sizeof(bad), "ES256", path_in("ec2.pem"), c, NULL);
	for (int i = 0; i < 4; i++) {
		h[i] = (struct hammer){ j, good, bad, 0 };
		if (pthread_create(&th[i], NULL, hammer_run, &h[i]) == 0)
			started++;
	}
	for (int i = 0; i < started; i++) {
		pthread_join(th[i], NULL);
		fails += h[i].fails;
	}
	is_int(started, 4, "four threads started");
	is_int(fails, 0, "2400 verifications at once, each answered right");
	jwtauth_free(j);
}

static void t_strings(void)
{
	const char *seen[JWT_NO_SUBJECT + 1];
	int distinct = 1;

	is_str(jwtauth_result_str(JWT_EXPIRED), "expired", "result: expired");
	is_str(jwtauth_result_str(JWT_BAD_AUDIENCE), "wrong audience", "result: wrong audience");
	is_str(jwtauth_result_str(JWT_BAD_ISSUER), "wrong issuer", "result: wrong issuer");
	is_str(jwtauth_result_str(JWT_BAD_SIGNATURE), "bad signature", "result: bad signature");
	for (int i = 0; i <= JWT_NO_SUBJECT; i++) {
		seen[i] = jwtauth_result_str((enum jwtauth_result)i);
		for (int k = 0; k < i; k++)
			distinct &= strcmp(seen[i], seen[k]) != 0;
	}
	ok(distinct, "every result has its own phrase");
}

int main(void)
{
	const char *src = __FILE__, *slash = strrchr(src, '/');

	if (system("/usr/bin/python3 -c 'import jwt' >/dev/null 2>&1") != 0) {
		printf("1..0 # SKIP /usr/bin/python3 cannot import jwt\n");
		return 0;
	}
	snprintf(mkjwt, sizeof(mkjwt), "%.*s/../helpers/mkjwt", slash ? (int)(slash - src) : 1,
		 slash ? src : ".");
	if (!mkdtemp(tmpdir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	if (genkey("rsa", "-algorithm RSA -pkeyopt rsa_keygen_bits:2048") ||
	    genkey("rsa2", "-algorithm RSA -pkeyopt rsa_keygen_bits:2048") ||
	    genkey("ec", "-algorithm EC -pkeyopt ec_paramgen_curve:P-256") ||
	    genkey("ec2", "-algorithm EC -pkeyopt ec_paramgen_curve:P-256") ||
	    genkey("p384", "-algorithm EC -pkeyopt ec_paramgen_curve:P-384") ||
	    genkey("ed", "-algorithm ED25519")) {
		printf("Bail out! openssl genpkey failed\n");
		return 1;
	}
	{
		FILE *f = fopen(path_in("junk.pub"), "w");

		if (f) {
			fputs("this is not a key\n", f);
			fclose(f);
		}
	}
	t_new();
	t_hs256();
	t_malformed();
	t_public("RS256", "rsa", "rsa2", "ES256", path_in("ec.pem"));
	t_public("ES256", "ec", "ec2", "RS256", path_in("rsa.pem"));
	t_threads();
	t_strings();
	snprintf(mkjwt, sizeof(mkjwt), "rm -rf '%s'", tmpdir);
	if (system(mkjwt) != 0)
		printf("# could not remove %s\n", tmpdir);
	return done_testing();
}
