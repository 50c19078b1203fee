/*
 * jwtauth.h - bearer tokens (JSON Web Tokens) checked against one key.
 *
 * A server holds either an HS256 shared secret or one public key (RSA for
 * RS256, EC P-256 for ES256); the key decides the one algorithm a token may
 * use, whatever its header says. A good token carries exp, a subject (sub)
 * and, when the server names them, the expected issuer and audience; its
 * "scope" (space-separated) or "scopes" (array) claim gives the scopes of
 * serve/scope.h.
 */
#ifndef AK_SERVE_JWTAUTH_H
#define AK_SERVE_JWTAUTH_H

#include <stddef.h>
#include <stdint.h>

#include "serve/scope.h"

/* Tokens longer than this are refused unread (JWT_MALFORMED). */
#define JWTAUTH_MAX_TOKEN 8192
/* The longest subject accepted, in bytes; sub buffers need one more. */
#define JWTAUTH_MAX_SUB 255

struct jwtauth_opts {
	const char *secret;           /* HS256 shared secret, at least 32 bytes */
	const char *public_key_file;  /* or a PEM public key: RSA or EC P-256 */
	const char *issuer;           /* NULL: iss not checked */
	const char *audience;         /* NULL: aud must be absent */
	long leeway_s;                /* clock skew allowed for exp and nbf */
};

#define JWTAUTH_OPTS_INIT { NULL, NULL, NULL, NULL, 30 }

struct jwtauth;

/*
 * A verifier for the key in o. Exactly one of o->secret and
 * o->public_key_file must be set; an empty string counts as not set (for
 * all four strings, so an empty setting means "not configured"). The
 * secret, issuer and audience are copied and the key file is read here,
 * once, so o and its strings may go once this returns, and nothing reads
 * the file again.
 *
 * NULL with ak_error: AK_EXIT_USAGE when neither or both keys are given,
 * the secret is shorter than 32 bytes, the leeway is negative or above a
 * day, or the file holds no PEM public key of a supported
 * kind (RSA, or EC on the P-256 curve); AK_EXIT_IOERR when the file cannot
 * be read; AK_EXIT_SOFTWARE when out of memory.
 */
struct jwtauth *jwtauth_new(const struct jwtauth_opts *o);

enum jwtauth_result {
	JWT_OK = 0,
	JWT_MALFORMED,       /* not three base64url parts of JSON objects, too long, no exp */
	JWT_BAD_ALG,         /* header alg is not the configured one ("none" never is) */
	JWT_BAD_SIGNATURE,
	JWT_EXPIRED,
	JWT_NOT_YET_VALID,
	JWT_BAD_ISSUER,
	JWT_BAD_AUDIENCE,
	JWT_NO_SUBJECT,      /* sub absent, empty, too long or with control characters */
};

/*
 * Check the len bytes of token (no NUL needed) at time now_s (seconds since
 * the epoch). The header's alg is read and compared before any signature
 * work; the claims are looked at only once the signature holds, in this
 * order: exp (required), nbf, iss, aud, sub. exp and nbf allow the leeway:
 * a token is expired once now_s >= exp + leeway, not yet valid while
 * now_s + leeway < nbf. aud is a string or an array of strings; when no
 * audience is configured a token carrying aud is refused (it was meant for
 * someone named, not for us).
 *
 * On JWT_OK, sub receives the subject (NUL-terminated; sublen should be at
 * least JWTAUTH_MAX_SUB + 1, a subject that does not fit is JWT_NO_SUBJECT)
 * and *scopes the SCOPE_* bits named by "scope" and "scopes" (other names
 * ignored). On any other result sub is "" (when sublen > 0) and *scopes 0.
 * Safe to call from many threads at once on the same j; records no error.
 */
enum jwtauth_result jwtauth_verify(const struct jwtauth *j, const char *token, size_t len,
				   int64_t now_s, char *sub, size_t sublen, unsigned *scopes);

/* A short lowercase phrase for r ("expired", "wrong audience"); static storage. */
const char *jwtauth_result_str(enum jwtauth_result r);

/* Free j and the key it holds (wiped first). NULL is a no-op. */
void jwtauth_free(struct jwtauth *j);

#endif
