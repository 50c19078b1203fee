/*
 * hooks.c - authenticate and read tracker webhooks (see hooks.h).
 *
 * Anyone can reach a hook endpoint, so nothing in a delivery is believed,
 * or even parsed, before its signature or token checks out: GitHub and
 * Jira sign the raw body with HMAC-SHA256, GitLab sends the token back
 * as it is. Every comparison with a secret takes the same time whatever
 * the bytes; tokens of different lengths are compared through their
 * SHA-256 digests so that not even the length leaks. After that the
 * payload is read for the few fields a requirement needs, and anything
 * that is not an issue being opened is let go as ignored rather than
 * refused, because trackers send whole families of events to one URL.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "buf.h"
#include "jscan.h"
#include "serve/hooks.h"
#include "banned.h"

/* ADF nodes nested deeper than this are skipped: real documents stay shallow. */
#define ADF_MAX_DEPTH 64

__attribute__((format(printf, 4, 5)))
static enum hook_result say(enum hook_result res, char *detail, size_t dlen, const char *fmt, ...)
{
	va_list ap;

	if (dlen) {
		va_start(ap, fmt);
		vsnprintf(detail, dlen, fmt, ap);
		va_end(ap);
	}
	return res;
}

/* s with anything but printable ASCII (and the quote) masked, cut at 40 bytes. */
static const char *masked(const char *s, char out[48])
{
	size_t o = 0;

	for (; *s && o < 40; s++)
		out[o++] = (unsigned char)*s >= 0x20 && (unsigned char)*s < 0x7f && *s != '\'' ?
			   *s : '?';
	out[o] = '\0';
	return out;
}

void hook_requirement_release(struct hook_requirement *req)
{
	free(req->title);
	free(req->text);
	free(req->origin);
	req->title = req->text = req->origin = NULL;
}

/* ---- authentication ---- */

/* 1 when a and b are the same string, in time independent of their bytes. */
static int secret_eq(const char *a, const char *b)
{
	unsigned char da[32], db[32];
	unsigned int n = 0;

	if (!EVP_Digest(a, strlen(a), da, &n, EVP_sha256(), NULL) ||
	    !EVP_Digest(b, strlen(b), db, &n, EVP_sha256(), NULL))
		return 0;
	return CRYPTO_memcmp(da, db, sizeof(da)) == 0;
}

/*
 * Check sig ("sha256=" and 64 hex digits) against the HMAC-SHA256 of the
 * body keyed with secret. HOOK_REQUIREMENT when it matches (the caller
 * goes on), else HOOK_UNAUTHORIZED with the reason in detail.
 */
static enum hook_result check_hmac(const struct hook_request *r, const char *secret,
				   const char *header, char *detail, size_t dlen)
{
	unsigned char want[32], got[EVP_MAX_MD_SIZE];
	unsigned int glen = 0;
	const char *hexs;

	if (!r->signature)
		return say(HOOK_UNAUTHORIZED, detail, dlen, "missing %s header", header);
	if (strncasecmp(r->signature, "sha256=", 7) || strlen(r->signature) != 7 + 64)
		return say(HOOK_UNAUTHORIZED, detail, dlen, "malformed %s header", header);
	hexs = r->signature + 7;
	for (size_t i = 0; i < 32; i++) {
		int hi = hex_value((unsigned char)hexs[2 * i]), lo = hex_value((unsigned char)hexs[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return say(HOOK_UNAUTHORIZED, detail, dlen, "malformed %s header", header);
		want[i] = (unsigned char)(hi << 4 | lo);
	}
	if (!HMAC(EVP_sha256(), secret, (int)strlen(secret),
		  (const unsigned char *)(r->body ? r->body : ""), r->body ? r->len : 0, got, &glen) ||
	    glen != sizeof(want))
		return say(HOOK_UNAUTHORIZED, detail, dlen, "cannot compute the signature");
	if (CRYPTO_memcmp(want, got, sizeof(want)))
		return say(HOOK_UNAUTHORIZED, detail, dlen, "signature does not match");
	return HOOK_REQUIREMENT;
}

/* ---- building the requirement ---- */

static int blank(const char *s)
{
	for (; s && *s; s++)
		if (!strchr(" \t\r\n\f\v", *s))
			return 0;
	return 1;
}

/*
 * A copy of title with white space trimmed from both ends, control
 * characters made spaces, and cut to HOOK_MAX_TITLE bytes on a character
 * boundary (the input is valid UTF-8). NULL when out of memory.
 */
static char *clean_title(const char *title)
{
	size_t n;
	char *t;

	while (*title && strchr(" \t\r\n\f\v", *title))
		title++;
	n = strlen(title);
	while (n && strchr(" \t\r\n\f\v", title[n - 1]))
		n--;
	if (n > HOOK_MAX_TITLE) {
		n = HOOK_MAX_TITLE;
		while (n && ((unsigned char)title[n] & 0xc0) == 0x80)
			n--;
	}
	t = malloc(n + 1);
	if (!t)
		return NULL;
	for (size_t i = 0; i < n; i++)
		t[i] = (unsigned char)title[i] < 0x20 || title[i] == 0x7f ? ' ' : title[i];
	t[n] = '\0';
	return t;
}

static enum hook_result make_requirement(const char *title, const char *text, const char *scheme,
					 const char *url, struct hook_requirement *req,
					 char *detail, size_t dlen)
{
	size_t ul;

	if (!title || blank(title))
		return say(HOOK_MALFORMED, detail, dlen, "issue has no title");
	if (!url || !*url)
		return say(HOOK_MALFORMED, detail, dlen, "issue has no address");
	if (!jscan_utf8_ok(title, strlen(title)) || (text && !jscan_utf8_ok(text, strlen(text))))
		return say(HOOK_MALFORMED, detail, dlen, "issue text is not valid utf-8");
	ul = strlen(scheme) + 1 + strlen(url) + 1;
	req->title = clean_title(title);
	req->text = blank(text) ? (req->title ? strdup(req->title) : NULL) : strdup(text);
	req->origin = malloc(ul);
	if (!req->title || !req->text || !req->origin) {
		hook_requirement_release(req);
		return say(HOOK_MALFORMED, detail, dlen, "out of memory");
	}
	snprintf(req->origin, ul, "%s:%s", scheme, url);
	if (dlen)
		detail[0] = '\0';
	return HOOK_REQUIREMENT;
}

static const char *str_at(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/*
 * The optional text member key of obj: 0 with *text the string or NULL
 * (absent or null), -1 when it has another type.
 */
static int opt_text(const json_t *obj, const char *key, const char **text)
{
	json_t *v = json_object_get(obj, key);

	*text = json_string_value(v);
	return !v || json_is_null(v) || *text ? 0 : -1;
}

/* ---- GitHub ---- */

static int has_label(const json_t *issue, const char *label)
{
	json_t *labels = json_object_get(issue, "labels"), *l;
	size_t i;

	json_array_foreach(labels, i, l) {
		const char *name = json_is_string(l) ? json_string_value(l) : str_at(l, "name");

		if (name && !strcasecmp(name, label))
			return 1;
	}
	return 0;
}

static enum hook_result read_github(const json_t *root, const struct hook_secrets *s,
				    struct hook_requirement *req, char *detail, size_t dlen)
{
	const char *action = str_at(root, "action"), *label = s->github_label, *body;
	const json_t *issue = json_object_get(root, "issue");
	char q[48];

	if (!action)
		return say(HOOK_MALFORMED, detail, dlen, "payload has no action");
	if (!json_is_object(issue))
		return say(HOOK_MALFORMED, detail, dlen, "payload has no issue");
	if (label && !*label)
		label = NULL;
	if (!strcmp(action, "opened")) {
		if (label && !has_label(issue, label))
			return say(HOOK_IGNORED, detail, dlen, "issue does not carry the label '%s'",
				   masked(label, q));
	} else if (!strcmp(action, "labeled")) {
		const char *name = str_at(json_object_get(root, "label"), "name");

		if (!name)
			return say(HOOK_MALFORMED, detail, dlen, "payload has no label name");
		if (label && strcasecmp(name, label))
			return say(HOOK_IGNORED, detail, dlen, "label '%s' is not '%s'",
				   masked(name, q), label);
	} else {
		return say(HOOK_IGNORED, detail, dlen, "action '%s' is not handled", masked(action, q));
	}
	if (opt_text(issue, "body", &body))
		return say(HOOK_MALFORMED, detail, dlen, "issue body is not a string");
	return make_requirement(str_at(issue, "title"), body, "github", str_at(issue, "html_url"),
				req, detail, dlen);
}

/* ---- GitLab ---- */

static enum hook_result read_gitlab(const json_t *root, struct hook_requirement *req,
				    char *detail, size_t dlen)
{
	const char *kind = str_at(root, "object_kind"), *action, *desc;
	const json_t *attrs = json_object_get(root, "object_attributes");
	char q[48];

	if (!kind)
		return say(HOOK_MALFORMED, detail, dlen, "payload has no object_kind");
	if (strcmp(kind, "issue"))
		return say(HOOK_IGNORED, detail, dlen, "object_kind '%s' is not handled",
			   masked(kind, q));
	if (!json_is_object(attrs))
		return say(HOOK_MALFORMED, detail, dlen, "payload has no object_attributes");
	action = str_at(attrs, "action");
	if (!action)
		return say(HOOK_MALFORMED, detail, dlen, "issue has no action");
	if (strcmp(action, "open") && strcmp(action, "reopen"))
		return say(HOOK_IGNORED, detail, dlen, "action '%s' is not handled", masked(action, q));
	if (opt_text(attrs, "description", &desc))
		return say(HOOK_MALFORMED, detail, dlen, "issue description is not a string");
	return make_requirement(str_at(attrs, "title"), desc, "gitlab", str_at(attrs, "url"),
				req, detail, dlen);
}

/* ---- Jira ---- */

struct adf {
	struct buf b;
	const char *prefix;   /* for the next block: "- " inside a list item */
	int err;
};

/* Start a block: a blank line after what came before, then its prefix. */
static void adf_block(struct adf *a, const char *prefix)
{
	if (a->b.len && buf_addstr(&a->b, "\n\n") < 0)
		a->err = 1;
	if (a->prefix && buf_addstr(&a->b, a->prefix) < 0)
		a->err = 1;
	if (prefix && buf_addstr(&a->b, prefix) < 0)
		a->err = 1;
	a->prefix = NULL;
}

/*
 * Append the text of the ADF node to a->b: text nodes as they are (marks
 * dropped), hard breaks as newlines, each paragraph, heading or code
 * block as a block of its own.
 */
static void adf_walk(struct adf *a, const json_t *node, int depth)
{
	const char *type = str_at(node, "type");
	const json_t *content = json_object_get(node, "content"), *child;
	size_t i;

	if (!type || depth > ADF_MAX_DEPTH || a->err)
		return;
	if (!strcmp(type, "text")) {
		const char *t = str_at(node, "text");

		if (t && buf_addstr(&a->b, t) < 0)
			a->err = 1;
		return;
	}
	if (!strcmp(type, "hardBreak")) {
		if (buf_addch(&a->b, '\n') < 0)
			a->err = 1;
		return;
	}
	if (!strcmp(type, "paragraph") || !strcmp(type, "codeBlock")) {
		adf_block(a, NULL);
	} else if (!strcmp(type, "heading")) {
		static const char hashes[] = "###### ";
		json_int_t level = json_integer_value(json_object_get(json_object_get(node, "attrs"),
								     "level"));

		if (level < 1 || level > 6)
			level = 1;
		adf_block(a, hashes + 6 - level);
	} else if (!strcmp(type, "listItem")) {
		a->prefix = "- ";
	}
	json_array_foreach(content, i, child)
		adf_walk(a, child, depth + 1);
}

static enum hook_result read_jira(const json_t *root, struct hook_requirement *req,
				  char *detail, size_t dlen)
{
	const char *ev = str_at(root, "webhookEvent");
	const json_t *issue = json_object_get(root, "issue");
	const json_t *fields = json_object_get(issue, "fields"), *desc;
	struct adf a = { BUF_INIT, NULL, 0 };
	enum hook_result res;
	char q[48];

	if (!ev)
		return say(HOOK_MALFORMED, detail, dlen, "payload has no webhookEvent");
	if (strcmp(ev, "jira:issue_created"))
		return say(HOOK_IGNORED, detail, dlen, "webhookEvent '%s' is not handled",
			   masked(ev, q));
	if (!json_is_object(issue) || !json_is_object(fields))
		return say(HOOK_MALFORMED, detail, dlen, "payload has no issue fields");
	desc = json_object_get(fields, "description");
	if (!desc || json_is_null(desc) || json_is_string(desc))
		return make_requirement(str_at(fields, "summary"), json_string_value(desc), "jira",
					str_at(issue, "self"), req, detail, dlen);
	if (!json_is_object(desc))
		return say(HOOK_MALFORMED, detail, dlen,
			   "issue description is neither text nor a document");
	adf_walk(&a, desc, 0);
	if (a.err) {
		buf_release(&a.b);
		return say(HOOK_MALFORMED, detail, dlen, "out of memory");
	}
	res = make_requirement(str_at(fields, "summary"), a.b.p ? a.b.p : "", "jira",
			       str_at(issue, "self"), req, detail, dlen);
	buf_release(&a.b);
	return res;
}

/* ---- the entry point ---- */

static json_t *load(const struct hook_request *r, char *detail, size_t dlen)
{
	json_error_t err;
	json_t *root = json_loadb(r->body ? r->body : "", r->body ? r->len : 0, 0, &err);

	if (!root) {
		say(HOOK_MALFORMED, detail, dlen, "payload is not valid json (line %d column %d)",
		    err.line, err.column);
		return NULL;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		say(HOOK_MALFORMED, detail, dlen, "payload is not a json object");
		return NULL;
	}
	return root;
}

enum hook_result hook_read(const struct hook_request *r, const struct hook_secrets *s,
			   struct hook_requirement *req, char *detail, size_t dlen)
{
	enum hook_result res;
	json_t *root;
	char q[48];

	req->title = req->text = req->origin = NULL;
	if (dlen)
		detail[0] = '\0';
	switch (r->kind) {
	case HOOK_GITHUB:
		if (!s->github_secret || !*s->github_secret)
			return say(HOOK_NOT_CONFIGURED, detail, dlen, "github hooks are not configured");
		res = check_hmac(r, s->github_secret, "x-hub-signature-256", detail, dlen);
		if (res != HOOK_REQUIREMENT)
			return res;
		if (!r->event)
			return say(HOOK_MALFORMED, detail, dlen, "missing x-github-event header");
		if (!strcmp(r->event, "ping"))
			return HOOK_PONG;
		if (strcmp(r->event, "issues"))
			return say(HOOK_IGNORED, detail, dlen, "event '%s' is not handled",
				   masked(r->event, q));
		if (!(root = load(r, detail, dlen)))
			return HOOK_MALFORMED;
		res = read_github(root, s, req, detail, dlen);
		break;
	case HOOK_GITLAB:
		if (!s->gitlab_token || !*s->gitlab_token)
			return say(HOOK_NOT_CONFIGURED, detail, dlen, "gitlab hooks are not configured");
		if (!r->token)
			return say(HOOK_UNAUTHORIZED, detail, dlen, "missing x-gitlab-token header");
		if (!secret_eq(r->token, s->gitlab_token))
			return say(HOOK_UNAUTHORIZED, detail, dlen, "token does not match");
		if (!(root = load(r, detail, dlen)))
			return HOOK_MALFORMED;
		res = read_gitlab(root, req, detail, dlen);
		break;
	case HOOK_JIRA:
		if (!s->jira_secret || !*s->jira_secret)
			return say(HOOK_NOT_CONFIGURED, detail, dlen, "jira hooks are not configured");
		if (r->signature) {
			res = check_hmac(r, s->jira_secret, "x-hub-signature", detail, dlen);
			if (res != HOOK_REQUIREMENT)
				return res;
		} else if (!r->query_secret) {
			return say(HOOK_UNAUTHORIZED, detail, dlen,
				   "missing x-hub-signature header or secret parameter");
		} else if (!secret_eq(r->query_secret, s->jira_secret)) {
			return say(HOOK_UNAUTHORIZED, detail, dlen, "secret does not match");
		}
		if (!(root = load(r, detail, dlen)))
			return HOOK_MALFORMED;
		res = read_jira(root, req, detail, dlen);
		break;
	default:
		return say(HOOK_NOT_CONFIGURED, detail, dlen, "unknown hook kind");
	}
	json_decref(root);
	return res;
}
