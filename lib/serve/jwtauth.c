/*
 * jwtauth.c - verifying bearer tokens for the intake API.
 *
 * libjwt checks signatures, but it takes the algorithm from the token
 * itself: handed an RSA public key and a token whose header says HS256, it
 * would compute an HMAC keyed with the PEM text, which anyone holding the
 * public key can forge. So this file decodes the header first and refuses
 * every algorithm but the one the configured key implies, before libjwt
 * sees the token. The claims are read here too, with jansson, from the same
 * bytes the signature covers; libjwt is used for the signature only.
 *
 * The verifier is immutable after jwtauth_new, so verification needs no
 * locks: every call works on its own copies and its own libjwt object.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <jwt.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>

#include "error.h"
#include "serve/jwtauth.h"
#include "banned.h"

#define MIN_SECRET 32
#define MAX_KEY_FILE (64 * 1024)
#define MAX_LEEWAY (24L * 3600)

struct jwtauth {
	jwt_alg_t alg;
	const char *alg_name;     /* as it must appear in the header */
	unsigned char *key;       /* the secret, or the PEM text; NUL-terminated */
	size_t keylen;
	char *issuer;             /* NULL: not checked */
	char *audience;           /* NULL: aud must be absent */
	long leeway;
};

static const char *nonempty(const char *s)
{
	return s && *s ? s : NULL;
}

/* A malloc'd copy of s, or NULL; failing records an error only when s was set. */
static int dup_opt(const char *s, char **out)
{
	*out = NULL;
	if (!s)
		return 0;
	if (!(*out = strdup(s)))
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	return 0;
}

/* Read path whole (at most MAX_KEY_FILE bytes) into a NUL-terminated buffer. */
static unsigned char *read_key_file(const char *path, size_t *len)
{
	unsigned char *p;
	size_t n = 0;
	FILE *f;
	int e;

	if (!(f = fopen(path, "rb"))) {
		ak_error(AK_EXIT_IOERR, "cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	if (!(p = malloc(MAX_KEY_FILE + 1))) {
		fclose(f);
		ak_error(AK_EXIT_SOFTWARE, "out of memory");
		return NULL;
	}
	n = fread(p, 1, MAX_KEY_FILE + 1, f);
	e = ferror(f) ? errno : 0;
	fclose(f);
	if (e) {
		free(p);
		ak_error(AK_EXIT_IOERR, "cannot read '%s': %s", path, strerror(e));
		return NULL;
	}
	if (n > MAX_KEY_FILE) {
		free(p);
		ak_error(AK_EXIT_USAGE, "'%s' is too large for a public key", path);
		return NULL;
	}
	p[n] = '\0';
	*len = n;
	return p;
}

/*
 * The algorithm the PEM public key in pem implies: RS256 for RSA, ES256 for
 * EC on P-256. Anything else (a private key, a certificate, another curve)
 * is a usage error: the operator named the wrong file.
 */
static int key_alg(const char *path, const unsigned char *pem, size_t len, jwt_alg_t *alg)
{
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	EVP_PKEY *pk = NULL;
	char group[80] = "";
	size_t glen = 0;
	int rc = -1;

	if (!bio)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	pk = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (!pk)
		return ak_error(AK_EXIT_USAGE, "'%s' holds no PEM public key", path);
	switch (EVP_PKEY_get_base_id(pk)) {
	case EVP_PKEY_RSA:
		*alg = JWT_ALG_RS256;
		rc = 0;
		break;
	case EVP_PKEY_EC:
		if (EVP_PKEY_get_group_name(pk, group, sizeof(group), &glen) == 1 &&
		    OBJ_sn2nid(group) == NID_X9_62_prime256v1) {
			*alg = JWT_ALG_ES256;
			rc = 0;
		} else {
			ak_error(AK_EXIT_USAGE, "'%s': EC key on curve '%s', only P-256 is supported",
				 path, group);
		}
		break;
	default:
		ak_error(AK_EXIT_USAGE, "'%s': not an RSA or EC P-256 public key", path);
		break;
	}
	EVP_PKEY_free(pk);
	return rc;
}

struct jwtauth *jwtauth_new(const struct jwtauth_opts *o)
{
	const char *secret = nonempty(o->secret), *file = nonempty(o->public_key_file);
	struct jwtauth *j;

	if (!secret == !file) {
		ak_error(AK_EXIT_USAGE, "tokens need either a shared secret or a public key file%s",
			 secret ? ", not both" : "");
		return NULL;
	}
	if (secret && strlen(secret) < MIN_SECRET) {
		ak_error(AK_EXIT_USAGE, "the token secret is too short (%zu bytes, at least %d)",
			 strlen(secret), MIN_SECRET);
		return NULL;
	}
	if (o->leeway_s < 0 || o->leeway_s > MAX_LEEWAY) {
		ak_error(AK_EXIT_USAGE, "token leeway %ld is out of range (0 to %ld seconds)",
			 o->leeway_s, MAX_LEEWAY);
		return NULL;
	}
	if (!(j = calloc(1, sizeof(*j)))) {
		ak_error(AK_EXIT_SOFTWARE, "out of memory");
		return NULL;
	}
	j->leeway = o->leeway_s;
	if (secret) {
		j->alg = JWT_ALG_HS256;
		j->keylen = strlen(secret);
		if (!(j->key = (unsigned char *)strdup(secret))) {
			ak_error(AK_EXIT_SOFTWARE, "out of memory");
			goto fail;
		}
	} else {
		if (!(j->key = read_key_file(file, &j->keylen)))
			goto fail;
		if (key_alg(file, j->key, j->keylen, &j->alg) < 0)
			goto fail;
	}
	j->alg_name = jwt_alg_str(j->alg);
	if (dup_opt(nonempty(o->issuer), &j->issuer) < 0 ||
	    dup_opt(nonempty(o->audience), &j->audience) < 0)
		goto fail;
	return j;
fail:
	jwtauth_free(j);
	return NULL;
}

void jwtauth_free(struct jwtauth *j)
{
	if (!j)
		return;
	if (j->key)
		OPENSSL_cleanse(j->key, j->keylen);
	free(j->key);
	free(j->issuer);
	free(j->audience);
	free(j);
}

static int b64url_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/*
 * Decode n characters of unpadded base64url into out (room for n * 3 / 4
 * bytes). -1 on a character outside the alphabet or an impossible length.
 */
static long b64url_decode(const char *s, size_t n, unsigned char *out)
{
	unsigned long acc = 0;
	size_t o = 0;
	int bits = 0;

	if (n % 4 == 1)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int v = b64url_value((unsigned char)s[i]);

		if (v < 0)
			return -1;
		acc = (acc << 6 | (unsigned long)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	return (long)o;
}

/* Segment s of n characters decoded and parsed as a JSON object; new ref or NULL. */
static json_t *segment_object(const char *s, size_t n)
{
	unsigned char raw[JWTAUTH_MAX_TOKEN];
	json_error_t err;
	json_t *v;
	long len;

	if (n == 0 || (len = b64url_decode(s, n, raw)) <= 0)
		return NULL;
	v = json_loadb((const char *)raw, (size_t)len, JSON_REJECT_DUPLICATES, &err);
	if (v && !json_is_object(v)) {
		json_decref(v);
		v = NULL;
	}
	return v;
}

/* The header names the configured algorithm and no extension we must understand. */
static enum jwtauth_result check_header(const struct jwtauth *j, json_t *h)
{
	json_t *alg = json_object_get(h, "alg");

	if (!json_is_string(alg))
		return JWT_MALFORMED;
	if (strcmp(json_string_value(alg), j->alg_name) != 0)
		return JWT_BAD_ALG;
	/* RFC 7515 4.1.11: a token relying on extensions we do not know is invalid */
	if (json_object_get(h, "crit"))
		return JWT_MALFORMED;
	return JWT_OK;
}

/* The signature over the exact text of token, by libjwt, with the one algorithm. */
static enum jwtauth_result check_signature(const struct jwtauth *j, const char *token,
					   size_t len)
{
	char copy[JWTAUTH_MAX_TOKEN + 1];
	jwt_t *t = NULL;
	int rc;

	memcpy(copy, token, len);
	copy[len] = '\0';
	rc = jwt_decode(&t, copy, j->key, (int)j->keylen);
	if (rc == 0 && (!t || jwt_get_alg(t) != j->alg))
		rc = EINVAL;
	jwt_free(t);
	return rc == 0 ? JWT_OK : JWT_BAD_SIGNATURE;
}

static int aud_matches(const struct jwtauth *j, json_t *aud)
{
	size_t i;
	json_t *a;

	if (!aud)
		return j->audience == NULL;
	if (!j->audience)
		return 0;
	if (json_is_string(aud))
		return strcmp(json_string_value(aud), j->audience) == 0;
	if (!json_is_array(aud))
		return 0;
	json_array_foreach(aud, i, a)
		if (json_is_string(a) && strcmp(json_string_value(a), j->audience) == 0)
			return 1;
	return 0;
}

static unsigned scope_bit(const char *name, size_t n)
{
	if (n == 6 && !memcmp(name, "submit", 6))
		return SCOPE_SUBMIT;
	if (n == 4 && !memcmp(name, "read", 4))
		return SCOPE_READ;
	return 0;
}

/* The scopes named by "scope" (space-separated) and "scopes" (array); others ignored. */
static unsigned claim_scopes(json_t *claims)
{
	json_t *scope = json_object_get(claims, "scope");
	json_t *list = json_object_get(claims, "scopes");
	unsigned bits = 0;
	size_t i;
	json_t *a;

	if (json_is_string(scope)) {
		const char *s = json_string_value(scope);

		while (*s) {
			size_t n = strcspn(s, " ");

			bits |= scope_bit(s, n);
			s += n;
			s += strspn(s, " ");
		}
	}
	if (json_is_array(list))
		json_array_foreach(list, i, a)
			if (json_is_string(a))
				bits |= scope_bit(json_string_value(a), json_string_length(a));
	return bits;
}

/* A subject fit to name a principal: 1 to 255 bytes, no control characters. */
static int good_subject(json_t *sub, size_t room)
{
	const char *s;
	size_t n;

	if (!json_is_string(sub))
		return 0;
	s = json_string_value(sub);
	n = json_string_length(sub);
	if (n == 0 || n > JWTAUTH_MAX_SUB || n >= room)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

static enum jwtauth_result check_claims(const struct jwtauth *j, json_t *c, int64_t now_s,
					char *sub, size_t sublen, unsigned *scopes)
{
	json_t *exp = json_object_get(c, "exp"), *nbf = json_object_get(c, "nbf");
	json_t *iss = json_object_get(c, "iss"), *s = json_object_get(c, "sub");
	double now = (double)now_s, leeway = (double)j->leeway;

	if (!json_is_number(exp) || (nbf && !json_is_number(nbf)))
		return JWT_MALFORMED;
	if (now >= json_number_value(exp) + leeway)
		return JWT_EXPIRED;
	if (nbf && now + leeway < json_number_value(nbf))
		return JWT_NOT_YET_VALID;
	if (j->issuer && (!json_is_string(iss) || strcmp(json_string_value(iss), j->issuer)))
		return JWT_BAD_ISSUER;
	if (!aud_matches(j, json_object_get(c, "aud")))
		return JWT_BAD_AUDIENCE;
	if (!good_subject(s, sublen))
		return JWT_NO_SUBJECT;
	memcpy(sub, json_string_value(s), json_string_length(s) + 1);
	*scopes = claim_scopes(c);
	return JWT_OK;
}

enum jwtauth_result jwtauth_verify(const struct jwtauth *j, const char *token, size_t len,
				   int64_t now_s, char *sub, size_t sublen, unsigned *scopes)
{
	const char *dot1, *dot2;
	json_t *header = NULL, *claims = NULL;
	enum jwtauth_result r = JWT_MALFORMED;

	if (sublen)
		sub[0] = '\0';
	*scopes = 0;
	if (!token || len == 0 || len > JWTAUTH_MAX_TOKEN || memchr(token, '\0', len))
		return JWT_MALFORMED;
	/* exactly three parts; the signature may not be empty, since no alg allows it */
	if (!(dot1 = memchr(token, '.', len)) ||
	    !(dot2 = memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token))) ||
	    memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - token)))
		return JWT_MALFORMED;
	if (!(header = segment_object(token, (size_t)(dot1 - token))))
		goto out;
	if ((r = check_header(j, header)) != JWT_OK)
		goto out;
	r = JWT_MALFORMED;
	if (dot2 + 1 == token + len)
		goto out;
	if (!(claims = segment_object(dot1 + 1, (size_t)(dot2 - dot1 - 1))))
		goto out;
	if ((r = check_signature(j, token, len)) != JWT_OK)
		goto out;
	r = check_claims(j, claims, now_s, sub, sublen, scopes);
out:
	json_decref(header);
	json_decref(claims);
	return r;
}

const char *jwtauth_result_str(enum jwtauth_result r)
{
	switch (r) {
	case JWT_OK:
		return "ok";
	case JWT_MALFORMED:
		return "malformed token";
	case JWT_BAD_ALG:
		return "signing algorithm not accepted";
	case JWT_BAD_SIGNATURE:
		return "bad signature";
	case JWT_EXPIRED:
		return "expired";
	case JWT_NOT_YET_VALID:
		return "not yet valid";
	case JWT_BAD_ISSUER:
		return "wrong issuer";
	case JWT_BAD_AUDIENCE:
		return "wrong audience";
	case JWT_NO_SUBJECT:
		return "no usable subject";
	}
	return "invalid token";
}
