/*
 * intake.c - read the body of POST /requirements into a document, and
 * derive event ids and request digests for Idempotency-Key (see intake.h).
 *
 * The body is untrusted and comes before anything else has looked at it,
 * so it is checked in order of cost: the Content-Type header, the length,
 * UTF-8 and NUL bytes, and for JSON the nesting depth, counted by a scan
 * that allocates nothing, before jansson (which would recurse up to 2048
 * levels) builds a document. Reasons are short and lowercase because they
 * go to the client as the detail of a problem document; bytes from the
 * request are quoted in them only after non-printable ones are masked.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "buf.h"
#include "jscan.h"
#include "serve/intake.h"
#include "banned.h"

__attribute__((format(printf, 4, 5)))
static int fail(int status, char *detail, size_t dlen, const char *fmt, ...)
{
	va_list ap;

	if (dlen) {
		va_start(ap, fmt);
		vsnprintf(detail, dlen, fmt, ap);
		va_end(ap);
	}
	return status;
}

/*
 * Copy up to max bytes of s[0..n) into out for quoting in a reason, with
 * anything outside printable ASCII (and the quote) replaced by '?'.
 */
static const char *masked(const char *s, size_t n, char *out, size_t outlen, size_t max)
{
	size_t i, o = 0;

	if (n > max)
		n = max;
	for (i = 0; i < n && o + 1 < outlen; i++) {
		unsigned char c = (unsigned char)s[i];

		out[o++] = c >= 0x20 && c < 0x7f && c != '\'' ? (char)c : '?';
	}
	out[o] = '\0';
	return out;
}

void intake_doc_release(struct intake_doc *d)
{
	free(d->title);
	free(d->text);
	*d = (struct intake_doc)INTAKE_DOC_INIT;
}

/* ---- Content-Type (RFC 9110 section 8.3) ---- */

enum media { MEDIA_OTHER, MEDIA_JSON, MEDIA_MARKDOWN, MEDIA_TEXT };

static int is_tchar(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static const char *skip_ows(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static size_t token_len(const char *p)
{
	size_t n = 0;

	while (is_tchar((unsigned char)p[n]))
		n++;
	return n;
}

static int tok_is(const char *p, size_t n, const char *word)
{
	return strlen(word) == n && strncasecmp(p, word, n) == 0;
}

/*
 * Parse the header into its media type and charset. Returns 0 with *media
 * set and *charset_ok 1 when there is no charset or an acceptable one, or
 * an HTTP status with the reason in detail.
 */
static int parse_content_type(const char *ct, enum media *media, int *charset_ok,
			      char *detail, size_t dlen)
{
	const char *p, *type, *sub;
	size_t tn, sn;
	int seen_charset = 0;

	*media = MEDIA_OTHER;
	*charset_ok = 1;
	if (!ct || !*skip_ows(ct))
		return fail(415, detail, dlen, "missing content-type");
	p = skip_ows(ct);
	type = p;
	tn = token_len(p);
	p += tn;
	if (!tn || *p++ != '/')
		return fail(400, detail, dlen, "malformed content-type");
	sub = p;
	sn = token_len(p);
	p += sn;
	if (!sn)
		return fail(400, detail, dlen, "malformed content-type");
	if (tok_is(type, tn, "application") && tok_is(sub, sn, "json"))
		*media = MEDIA_JSON;
	else if (tok_is(type, tn, "text") && tok_is(sub, sn, "markdown"))
		*media = MEDIA_MARKDOWN;
	else if (tok_is(type, tn, "text") && tok_is(sub, sn, "plain"))
		*media = MEDIA_TEXT;

	for (;;) {
		const char *name;
		size_t nn, vn = 0;
		char val[32];
		int toolong = 0;

		p = skip_ows(p);
		if (!*p)
			break;
		if (*p++ != ';')
			return fail(400, detail, dlen, "malformed content-type");
		p = skip_ows(p);
		if (!*p || *p == ';')
			continue;       /* an empty parameter is allowed */
		name = p;
		nn = token_len(p);
		p += nn;
		if (!nn || *p++ != '=')
			return fail(400, detail, dlen, "malformed content-type parameter");
		if (*p == '"') {
			for (p++; *p != '"'; p++) {
				unsigned char c;

				if (*p == '\\')
					p++;    /* a quoted-pair */
				c = (unsigned char)*p;
				if (!c || (c < 0x20 && c != '\t') || c == 0x7f)
					return fail(400, detail, dlen, "malformed content-type parameter");
				if (vn + 1 < sizeof(val))
					val[vn++] = *p;
				else
					toolong = 1;
			}
			p++;
		} else {
			size_t n = token_len(p);

			if (!n)
				return fail(400, detail, dlen, "malformed content-type parameter");
			if (n < sizeof(val))
				memcpy(val, p, n), vn = n;
			else
				toolong = 1;
			p += n;
		}
		val[vn] = '\0';
		if (!tok_is(name, nn, "charset"))
			continue;
		if (seen_charset++)
			return fail(400, detail, dlen, "content-type repeats the charset parameter");
		if (toolong || (strcasecmp(val, "utf-8") && strcasecmp(val, "us-ascii")))
			*charset_ok = 0;
	}
	return 0;
}

/* ---- JSON ---- */

/*
 * Nesting depth of the JSON text p[0..n), counted outside strings; stops
 * counting as soon as it passes max. Malformed text is left to the parser.
 */
static unsigned json_depth(const char *p, size_t n, unsigned max)
{
	unsigned depth = 0, deepest = 0;
	int in_string = 0;

	for (size_t i = 0; i < n; i++) {
		char c = p[i];

		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = 0;
			continue;
		}
		if (c == '"') {
			in_string = 1;
		} else if (c == '{' || c == '[') {
			if (++depth > deepest)
				deepest = depth;
			if (deepest > max)
				break;
		} else if ((c == '}' || c == ']') && depth) {
			depth--;
		}
	}
	return deepest;
}

static int read_json(const char *body, size_t len, struct intake_doc *doc,
		     char *detail, size_t dlen)
{
	json_error_t err;
	json_t *root, *v;
	const char *key;
	char q[48];
	int rc = 0;

	if (json_depth(body, len, INTAKE_MAX_DEPTH) > INTAKE_MAX_DEPTH)
		return fail(400, detail, dlen, "json nested deeper than %d levels", INTAKE_MAX_DEPTH);
	root = json_loadb(body, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &err);
	if (!root) {
		switch (json_error_code(&err)) {
		case json_error_null_character:
		case json_error_null_byte_in_key:
			return fail(400, detail, dlen, "json string holds \\u0000");
		case json_error_duplicate_key:
			return fail(400, detail, dlen, "json object repeats a member name");
		case json_error_out_of_memory:
			return fail(500, detail, dlen, "out of memory");
		default:
			return fail(400, detail, dlen, "invalid json at line %d column %d: %s",
				    err.line, err.column,
				    masked(err.text, strlen(err.text), q, sizeof(q), 40));
		}
	}
	if (!json_is_object(root)) {
		json_decref(root);
		return fail(422, detail, dlen, "json body is not an object");
	}
	json_object_foreach(root, key, v) {
		if (!strcmp(key, "text")) {
			if (!json_is_string(v)) {
				rc = fail(422, detail, dlen, "member 'text' is not a string");
				break;
			}
			if (!json_string_length(v)) {
				rc = fail(422, detail, dlen, "member 'text' is empty");
				break;
			}
		} else if (!strcmp(key, "title")) {
			const char *t = json_string_value(v);
			size_t tl = json_string_length(v);

			if (!t) {
				rc = fail(422, detail, dlen, "member 'title' is not a string");
				break;
			}
			if (!tl) {
				rc = fail(422, detail, dlen, "member 'title' is empty");
				break;
			}
			if (tl > INTAKE_MAX_TITLE) {
				rc = fail(422, detail, dlen, "member 'title' is longer than %d bytes",
					  INTAKE_MAX_TITLE);
				break;
			}
			for (size_t i = 0; i < tl && !rc; i++)
				if ((unsigned char)t[i] < 0x20 || t[i] == 0x7f)
					rc = fail(422, detail, dlen,
						  "member 'title' holds a control character");
			if (rc)
				break;
		} else if (!strcmp(key, "format")) {
			const char *f = json_string_value(v);

			if (!f || (strcmp(f, "markdown") && strcmp(f, "text"))) {
				rc = fail(422, detail, dlen,
					  "member 'format' is not \"markdown\" or \"text\"");
				break;
			}
		} else if (!strcmp(key, "split")) {
			if (!json_is_boolean(v)) {
				rc = fail(422, detail, dlen, "member 'split' is not a boolean");
				break;
			}
		} else {
			rc = fail(422, detail, dlen, "unknown member '%s'",
				  masked(key, strlen(key), q, sizeof(q), 40));
			break;
		}
	}
	if (!rc && !json_object_get(root, "text"))
		rc = fail(422, detail, dlen, "member 'text' is missing");
	if (!rc) {
		v = json_object_get(root, "text");
		doc->text_len = json_string_length(v);
		doc->text = malloc(doc->text_len + 1);
		if (doc->text)
			memcpy(doc->text, json_string_value(v), doc->text_len + 1);
		if ((v = json_object_get(root, "title")))
			doc->title = strdup(json_string_value(v));
		if ((v = json_object_get(root, "format")))
			doc->format = strcmp(json_string_value(v), "markdown") ? "text" : "markdown";
		doc->split = json_is_true(json_object_get(root, "split"));
		if (!doc->text || (json_object_get(root, "title") && !doc->title)) {
			intake_doc_release(doc);
			rc = fail(500, detail, dlen, "out of memory");
		}
	}
	json_decref(root);
	return rc;
}

int intake_parse(const char *content_type, const char *body, size_t len,
		 struct intake_doc *doc, char *detail, size_t dlen)
{
	enum media media;
	int charset_ok, rc;

	*doc = (struct intake_doc)INTAKE_DOC_INIT;
	if (dlen)
		detail[0] = '\0';
	rc = parse_content_type(content_type, &media, &charset_ok, detail, dlen);
	if (rc)
		return rc;
	if (media == MEDIA_OTHER)
		return fail(415, detail, dlen,
			    "content-type must be application/json, text/markdown or text/plain");
	if (!charset_ok)
		return fail(415, detail, dlen, "charset must be utf-8 or us-ascii");
	if (!len || !body)
		return fail(400, detail, dlen, "empty body");
	if (len > INTAKE_MAX_LEN)
		return fail(413, detail, dlen, "body longer than %zu bytes", INTAKE_MAX_LEN);
	if (!jscan_utf8_ok(body, len))
		return fail(400, detail, dlen, "body is not valid utf-8");
	if (memchr(body, '\0', len))
		return fail(400, detail, dlen, "body holds a nul byte");
	if (media == MEDIA_JSON)
		return read_json(body, len, doc, detail, dlen);

	doc->text = malloc(len + 1);
	if (!doc->text)
		return fail(500, detail, dlen, "out of memory");
	memcpy(doc->text, body, len);
	doc->text[len] = '\0';
	doc->text_len = len;
	doc->format = media == MEDIA_MARKDOWN ? "markdown" : "text";
	return 0;
}

/* ---- idempotency ---- */

int intake_idempotency_key_ok(const char *key)
{
	size_t n;

	if (!key)
		return 0;
	n = strlen(key);
	if (n < 1 || n > INTAKE_MAX_KEY || key[0] == ' ' || key[n - 1] == ' ')
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((key[i] < 0x21 || key[i] > 0x7e) && key[i] != ' ')
			return 0;
	return 1;
}

/*
 * SHA-256 of the n parts given as (pointer, length) pairs, or all zeros
 * should OpenSSL fail (it does not, short of running out of memory).
 */
static void sha256_parts(unsigned char md[32], const void *const *parts, const size_t *lens,
			 size_t n)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int mdlen = 0;
	int good = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);

	for (size_t i = 0; good && i < n; i++)
		good = EVP_DigestUpdate(ctx, parts[i], lens[i]);
	if (!good || !EVP_DigestFinal_ex(ctx, md, &mdlen) || mdlen != 32)
		memset(md, 0, 32);
	EVP_MD_CTX_free(ctx);
}

void intake_event_id(const char *principal, const char *key, unsigned index, char out[37])
{
	unsigned char md[32];
	char num[16], h[33];
	const void *parts[5];
	size_t lens[5];
	int nl = snprintf(num, sizeof(num), "%u", index);

	principal = principal ? principal : "";
	key = key ? key : "";
	parts[0] = principal, lens[0] = strlen(principal);
	parts[1] = "", lens[1] = 1;
	parts[2] = key, lens[2] = strlen(key);
	parts[3] = "", lens[3] = 1;
	parts[4] = num, lens[4] = (size_t)nl;
	sha256_parts(md, parts, lens, 5);
	md[6] = (unsigned char)((md[6] & 0x0f) | 0x80);   /* version 8 */
	md[8] = (unsigned char)((md[8] & 0x3f) | 0x80);   /* variant 10 */
	hex_encode(md, 16, h);
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
}

void intake_digest(const char *content_type, const char *body, size_t len, char out[65])
{
	unsigned char md[32];
	const void *parts[3];
	size_t lens[3];

	content_type = content_type ? content_type : "";
	parts[0] = content_type, lens[0] = strlen(content_type);
	parts[1] = "", lens[1] = 1;
	parts[2] = body ? body : "", lens[2] = body ? len : 0;
	sha256_parts(md, parts, lens, 3);
	hex_encode(md, 32, out);
}
