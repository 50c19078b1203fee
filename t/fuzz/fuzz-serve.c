/*
 * fuzz-serve.c - libFuzzer target for what the intake server reads from
 * the network before anything else: the body of POST /requirements
 * (serve/intake.c) and tracker webhooks (serve/hooks.c).
 *
 * The first byte picks the reader: intake_parse under one of the content
 * types (or one taken from the input's first line), or hook_read for
 * GitHub, GitLab or Jira. Hook bodies are signed here with the fixed
 * secrets so that the fuzzer gets past authentication into the payload
 * readers; one choice sends the first line as the signature instead, to
 * exercise the header checks. What must hold: an accepted body is a
 * non-empty, NUL-free UTF-8 text with a known format and a short title;
 * a refused one holds nothing and says why in one printable line; a
 * requirement has a short, clean UTF-8 title, a text and an origin naming
 * its tracker; every other result leaves nothing held.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "jscan.h"
#include "serve/hooks.h"
#include "serve/intake.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define GH_SECRET "fuzz github secret"
#define GL_TOKEN "fuzz-gitlab-token"
#define JIRA_SECRET "fuzz jira secret"

/* detail is one line of printable ASCII, non-empty when must is set. */
static void check_detail(const char *detail, size_t dlen, int must)
{
	const char *end = memchr(detail, '\0', dlen);

	if (!end || (must && end == detail))
		__builtin_trap();
	for (const char *p = detail; p < end; p++)
		if (*p < 0x20 || *p > 0x7e)
			__builtin_trap();
}

static void check_intake(const char *ct, const char *body, size_t len)
{
	struct intake_doc d = INTAKE_DOC_INIT;
	char detail[160], small[12], id[37], dg[65];
	int rc = intake_parse(ct, body, len, &d, detail, sizeof(detail));

	if (rc == 0) {
		if (!d.text || !d.text_len || strlen(d.text) != d.text_len ||
		    !jscan_utf8_ok(d.text, d.text_len) ||
		    (d.format && strcmp(d.format, "markdown") && strcmp(d.format, "text")) ||
		    (d.title && (!*d.title || strlen(d.title) > INTAKE_MAX_TITLE ||
				 !jscan_utf8_ok(d.title, strlen(d.title)))) ||
		    (d.split != 0 && d.split != 1))
			__builtin_trap();
		intake_doc_release(&d);
		if (d.text || d.title)
			__builtin_trap();
	} else {
		if ((rc != 400 && rc != 413 && rc != 415 && rc != 422 && rc != 500) ||
		    d.text || d.title || d.format || d.text_len)
			__builtin_trap();
		check_detail(detail, sizeof(detail), 1);
		/* the same answer with a buffer too small for the reason */
		if (intake_parse(ct, body, len, &d, small, sizeof(small)) != rc || d.text)
			__builtin_trap();
		check_detail(small, sizeof(small), 1);
	}

	intake_event_id(ct, body, (unsigned)len, id);
	if (strlen(id) != 36 || id[8] != '-' || id[14] != '8' || !strchr("89ab", id[19]))
		__builtin_trap();
	intake_digest(ct, body, len, dg);
	if (strlen(dg) != 64)
		__builtin_trap();
	if (intake_idempotency_key_ok(body) &&
	    (!*body || strlen(body) > INTAKE_MAX_KEY || body[0] == ' '))
		__builtin_trap();
}

static void sign(const char *key, const char *body, size_t len, char out[72])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	static const char hexd[] = "0123456789abcdef";

	HMAC(EVP_sha256(), key, (int)strlen(key), (const unsigned char *)body, len, md, &n);
	memcpy(out, "sha256=", 7);
	for (unsigned i = 0; i < n && i < 32; i++) {
		out[7 + 2 * i] = hexd[md[i] >> 4];
		out[8 + 2 * i] = hexd[md[i] & 15];
	}
	out[71] = '\0';
}

static void check_hook(const struct hook_request *r, const struct hook_secrets *s)
{
	static const char *const scheme[] = { "github:", "gitlab:", "jira:" };
	struct hook_requirement req;
	char detail[160];
	enum hook_result res = hook_read(r, s, &req, detail, sizeof(detail));
	size_t tl;

	switch (res) {
	case HOOK_REQUIREMENT:
		if (!req.title || !req.text || !req.origin)
			__builtin_trap();
		tl = strlen(req.title);
		if (!tl || tl > HOOK_MAX_TITLE || !jscan_utf8_ok(req.title, tl) ||
		    !jscan_utf8_ok(req.text, strlen(req.text)) || !*req.text ||
		    strncmp(req.origin, scheme[r->kind], strlen(scheme[r->kind])) || detail[0])
			__builtin_trap();
		for (size_t i = 0; i < tl; i++)
			if ((unsigned char)req.title[i] < 0x20 || req.title[i] == 0x7f)
				__builtin_trap();
		hook_requirement_release(&req);
		if (req.title || req.text || req.origin)
			__builtin_trap();
		break;
	case HOOK_PONG:
		if (r->kind != HOOK_GITHUB || req.title || req.text || req.origin)
			__builtin_trap();
		break;
	case HOOK_IGNORED:
	case HOOK_UNAUTHORIZED:
	case HOOK_MALFORMED:
	case HOOK_NOT_CONFIGURED:
		if (req.title || req.text || req.origin)
			__builtin_trap();
		check_detail(detail, sizeof(detail), 1);
		break;
	default:
		__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct hook_secrets plain = { GH_SECRET, NULL, GL_TOKEN, JIRA_SECRET };
	static const struct hook_secrets label = { GH_SECRET, "requirement", GL_TOKEN, JIRA_SECRET };
	struct hook_request r = { HOOK_GITHUB, NULL, 0, NULL, NULL, NULL, NULL };
	const struct hook_secrets *s;
	char sig[72], *copy, *nl;
	uint8_t sel;
	size_t len;

	if (size < 1)
		return 0;
	sel = data[0];
	s = sel & 0x80 ? &label : &plain;
	len = size - 1;
	/* a copy, NUL-terminated for the cases that need C strings */
	copy = malloc(len + 1);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, len);
	copy[len] = '\0';
	/* hooks read the fuzzer's own bytes, which end without a NUL */
	r.body = (const char *)data + 1;
	r.len = len;

	switch (sel & 7) {
	case 0:
		check_intake("application/json", copy, len);
		break;
	case 1:
		check_intake("text/markdown; charset=utf-8", copy, len);
		break;
	case 2:
		check_intake("text/plain", copy, len);
		break;
	case 3:     /* first line the content type, the rest the body */
		nl = memchr(copy, '\n', len);
		if (nl) {
			*nl = '\0';
			check_intake(copy, nl + 1, len - (size_t)(nl + 1 - copy));
		} else {
			check_intake(copy, "", 0);
		}
		break;
	case 4:
		r.kind = HOOK_GITHUB;
		r.event = sel & 0x40 ? "ping" : "issues";
		sign(GH_SECRET, r.body, len, sig);
		r.signature = sig;
		check_hook(&r, s);
		break;
	case 5:
		r.kind = HOOK_GITLAB;
		r.event = "Issue Hook";
		r.token = GL_TOKEN;
		check_hook(&r, s);
		break;
	case 6:
		r.kind = HOOK_JIRA;
		if (sel & 0x40) {
			r.query_secret = JIRA_SECRET;
		} else {
			sign(JIRA_SECRET, r.body, len, sig);
			r.signature = sig;
		}
		check_hook(&r, s);
		break;
	case 7:     /* first line the signature or token, the rest the body */
		nl = memchr(copy, '\n', len);
		if (!nl)
			break;
		*nl = '\0';
		r.body = nl + 1;
		r.len = len - (size_t)(nl + 1 - copy);
		r.kind = (enum hook_kind)((sel >> 3) % 3);
		r.event = "issues";
		r.signature = copy;
		r.token = copy;
		r.query_secret = sel & 0x40 ? copy : NULL;
		check_hook(&r, s);
		break;
	}
	free(copy);
	return 0;
}
