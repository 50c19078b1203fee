/*
 * u-hooks.c - unit tests for lib/serve/hooks.c with the deliveries in
 * t/data/serve: signatures made here with OpenSSL's HMAC (right, wrong,
 * upper-case hex, malformed, missing), GitLab tokens and Jira's query
 * secret; each tracker's mapping to a requirement (title, text, origin),
 * the label filter, ignored events and actions, pings, unconfigured
 * trackers, payloads that are not JSON or have fields of the wrong type.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "buf.h"
#include "serve/hooks.h"
#include "tap.h"

#define DATA "t/data/serve/"
#define GH_SECRET "It's a Secret to Everybody"
#define GL_TOKEN "glwht-7c1f0e9a2d4b"
#define JIRA_SECRET "jira shared secret 42"

static const struct hook_secrets secrets = { GH_SECRET, NULL, GL_TOKEN, JIRA_SECRET };

static char *fixture(const char *name, size_t *len)
{
	struct buf b = BUF_INIT;
	char path[256];

	snprintf(path, sizeof(path), DATA "%s", name);
	buf_init(&b, 1 << 20);
	if (buf_read_file(&b, path) < 0) {
		printf("Bail out! cannot read %s\n", path);
		exit(1);
	}
	return buf_detach(&b, len);
}

/* "sha256=" and the hex HMAC-SHA256 of body with key, into out. */
static const char *sign(const char *key, const char *body, size_t len, char out[72])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	HMAC(EVP_sha256(), key, (int)strlen(key), (const unsigned char *)body, len, md, &n);
	memcpy(out, "sha256=", 7);
	for (unsigned i = 0; i < n; i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
	return out;
}

static const char *result_name(enum hook_result r)
{
	static const char *const names[] = {
		"requirement", "ignored", "pong", "unauthorized", "malformed", "not-configured"
	};

	return (unsigned)r < sizeof(names) / sizeof(*names) ? names[r] : "?";
}

/* Read r with s; check the result and detail (NULL: do not check). */
static void read_is(const struct hook_request *r, const struct hook_secrets *s,
		    enum hook_result want, const char *want_detail, const char *what)
{
	struct hook_requirement req = { (char *)1, (char *)1, (char *)1 };
	char detail[160];
	enum hook_result got = hook_read(r, s, &req, detail, sizeof(detail));

	is_str(result_name(got), result_name(want), "%s: result", what);
	if (want_detail)
		is_str(detail, want_detail, "%s: detail", what);
	if (got == HOOK_REQUIREMENT)
		hook_requirement_release(&req);
	else
		ok(!req.title && !req.text && !req.origin, "%s: no requirement", what);
}

/* Read r with s, expecting a requirement with these members (NULL: not checked). */
static void requirement_is(const struct hook_request *r, const struct hook_secrets *s,
			   const char *title, const char *text, const char *origin, const char *what)
{
	struct hook_requirement req;
	char detail[160];
	enum hook_result got = hook_read(r, s, &req, detail, sizeof(detail));

	if (!is_str(result_name(got), "requirement", "%s: result", what)) {
		printf("#   detail: %s\n", detail);
		return;
	}
	is_str(req.title, title, "%s: title", what);
	if (text)
		is_str(req.text, text, "%s: text", what);
	if (origin)
		is_str(req.origin, origin, "%s: origin", what);
	is_str(detail, "", "%s: no detail", what);
	hook_requirement_release(&req);
	ok(!req.title && !req.text && !req.origin, "%s: released", what);
}

static struct hook_request github(const char *body, size_t len, const char *event, char sig[72])
{
	struct hook_request r = { HOOK_GITHUB, body, len, event, sign(GH_SECRET, body, len, sig),
				  NULL, NULL };

	return r;
}

static void test_github_auth(void)
{
	size_t len;
	char *body = fixture("github-issue-opened.json", &len), sig[72], bad[72];
	struct hook_request r = github(body, len, "issues", sig);
	struct hook_secrets none = { NULL, NULL, NULL, NULL }, empty = { "", NULL, "", "" };

	read_is(&r, &secrets, HOOK_REQUIREMENT, "", "github: right signature");
	for (char *p = sig; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	read_is(&r, &secrets, HOOK_REQUIREMENT, "", "github: upper-case signature");

	r.signature = sign("another secret", body, len, bad);
	read_is(&r, &secrets, HOOK_UNAUTHORIZED, "signature does not match",
		"github: signed with another secret");
	r.signature = sign(GH_SECRET, body, len - 1, bad);
	read_is(&r, &secrets, HOOK_UNAUTHORIZED, "signature does not match",
		"github: signature of another body");
	sign(GH_SECRET, body, len, bad);
	bad[70] = bad[70] == '0' ? '1' : '0';
	r.signature = bad;
	read_is(&r, &secrets, HOOK_UNAUTHORIZED, "signature does not match",
		"github: last digit changed");
	r.signature = bad + 7;
	read_is(&r, &secrets, HOOK_UNAUTHORIZED, "malformed x-hub-signature-256 header",
		"github: hex without sha256=");
	r.signature = "sha1=0123456789abcdef0123456789abcdef01234567";
	read_is(&r, &secrets, HOOK_UNAUTHORIZED, "malformed x-hub-signature-256 header",
		"github: sha1 signature");
	r.signature = sign(GH_SECRET, body, len, bad);
	bad[70] = '\0';
	read_is(&r, &secrets, HOOK_UNAUTHORIZED, "malformed x-hub-signature-256 header",
		"github: 63 hex digits");
	r.signature = sign(GH_SECRET, body, len, bad);
	bad[9] = 'g';
	read_is(&r, &secrets, HOOK_UNAUTHORIZED, "malformed x-hub-signature-256 header",
		"github: a non-hex digit");
	r.signature = sign(GH_SECRET, body, len, bad);
	bad[0] = 'S';
	bad[2] = 'A';
	read_is(&r, &secrets, HOOK_REQUIREMENT, "", "github: the prefix in another case");
	memcpy(bad, "sha256:", 7);
	read_is(&r, &secrets, HOOK_UNAUTHORIZED, "malformed x-hub-signature-256 header",
		"github: a colon for the equals sign");
	r.signature = "";
	read_is(&r, &secrets, HOOK_UNAUTHORIZED, "malformed x-hub-signature-256 header",
		"github: empty signature");
	r.signature = NULL;
	read_is(&r, &secrets, HOOK_UNAUTHORIZED, "missing x-hub-signature-256 header",
		"github: no signature");

	r.signature = sig;
	read_is(&r, &none, HOOK_NOT_CONFIGURED, "github hooks are not configured",
		"github: no secret configured");
	read_is(&r, &empty, HOOK_NOT_CONFIGURED, NULL, "github: empty secret configured");

	r = github(body, len, NULL, sig);
	read_is(&r, &secrets, HOOK_MALFORMED, "missing x-github-event header", "github: no event");
	r.signature = NULL;
	read_is(&r, &secrets, HOOK_UNAUTHORIZED, NULL,
		"github: authentication comes before the event header");
	free(body);
}

static void test_github_mapping(void)
{
	size_t len;
	char *body = fixture("github-issue-opened.json", &len), sig[72];
	struct hook_request r = github(body, len, "issues", sig);
	struct hook_secrets labelled = secrets, other_label = secrets;
	const char *opened_text = "## Export stock levels\n\nWarehouse staff need the current stock "
		"of every item as a CSV file.\n\n- The export must include SKU, name, location and "
		"quantity.\n- It must finish within 5 seconds for 50 000 items.\n";

	labelled.github_label = "requirement";
	other_label.github_label = "bug";
	requirement_is(&r, &secrets, "Export stock levels as CSV", opened_text,
		       "github:https://github.com/example-org/inventory/issues/7", "github opened");
	requirement_is(&r, &labelled, "Export stock levels as CSV", opened_text,
		       "github:https://github.com/example-org/inventory/issues/7",
		       "github opened, carrying the label");
	labelled.github_label = "Requirement";
	requirement_is(&r, &labelled, "Export stock levels as CSV", opened_text,
		       "github:https://github.com/example-org/inventory/issues/7",
		       "github opened, label in another case");
	read_is(&r, &other_label, HOOK_IGNORED, "issue does not carry the label 'bug'",
		"github opened without the label");
	labelled.github_label = "requirement";

	r.event = "push";
	read_is(&r, &secrets, HOOK_IGNORED, "event 'push' is not handled", "github push");
	r.event = "ping";
	read_is(&r, &secrets, HOOK_PONG, "", "github ping with an issues body");
	free(body);

	body = fixture("github-ping.json", &len);
	r = github(body, len, "ping", sig);
	read_is(&r, &secrets, HOOK_PONG, "", "github ping");
	r.signature = NULL;
	read_is(&r, &secrets, HOOK_UNAUTHORIZED, NULL, "github ping unsigned");
	free(body);

	body = fixture("github-issue-labeled.json", &len);
	r = github(body, len, "issues", sig);
	requirement_is(&r, &labelled, "Warn when an item runs low", "Warn when an item runs low",
		       "github:https://github.com/example-org/inventory/issues/9",
		       "github labeled with the label, null body");
	requirement_is(&r, &secrets, "Warn when an item runs low", "Warn when an item runs low",
		       "github:https://github.com/example-org/inventory/issues/9",
		       "github labeled, no label configured");
	read_is(&r, &other_label, HOOK_IGNORED, "label 'requirement' is not 'bug'",
		"github labeled with another label");
	free(body);

	body = fixture("github-issue-closed.json", &len);
	r = github(body, len, "issues", sig);
	read_is(&r, &secrets, HOOK_IGNORED, "action 'closed' is not handled", "github closed");
	read_is(&r, &labelled, HOOK_IGNORED, "action 'closed' is not handled",
		"github closed with a label filter");
	free(body);
}

static void github_body(const char *body, enum hook_result want, const char *want_detail,
			const char *what)
{
	char sig[72];
	struct hook_request r = github(body, strlen(body), "issues", sig);

	read_is(&r, &secrets, want, want_detail, what);
}

static void test_github_payloads(void)
{
	struct hook_secrets labelled = secrets;
	char sig[72];
	struct hook_request r;
	const char *json;

	github_body("{\"action\":\"opened\",\"issue\":{\"title\":\"  T  \",\"body\":\" \\n\\t\","
		    "\"html_url\":\"https://h/1\"}}", HOOK_REQUIREMENT, "",
		    "a blank body is replaced by the title");
	json = "{\"action\":\"opened\",\"issue\":{\"title\":\"  T\\tU  \",\"body\":\" \\n\","
	       "\"html_url\":\"https://h/1\"}}";
	r = github(json, strlen(json), "issues", sig);
	requirement_is(&r, &secrets, "T U", "T U", "github:https://h/1",
		       "the title trimmed, its tab made a space; the blank body replaced by it");
	github_body("{\"action\":\"opened\"", HOOK_MALFORMED, NULL, "truncated json");
	github_body("", HOOK_MALFORMED, NULL, "empty body");
	github_body("[1]", HOOK_MALFORMED, "payload is not a json object", "an array");
	github_body("{\"action\":\"opened\",\"issue\":{\"title\":\"a\\u0000b\",\"html_url\":\"u\"}}",
		    HOOK_MALFORMED, NULL, "\\u0000 in the title");
	github_body("{\"issue\":{}}", HOOK_MALFORMED, "payload has no action", "no action");
	github_body("{\"action\":7,\"issue\":{}}", HOOK_MALFORMED, "payload has no action",
		    "action a number");
	github_body("{\"action\":\"opened\"}", HOOK_MALFORMED, "payload has no issue", "no issue");
	github_body("{\"action\":\"opened\",\"issue\":\"x\"}", HOOK_MALFORMED,
		    "payload has no issue", "issue a string");
	github_body("{\"action\":\"opened\",\"issue\":{\"html_url\":\"u\"}}", HOOK_MALFORMED,
		    "issue has no title", "no title");
	github_body("{\"action\":\"opened\",\"issue\":{\"title\":[],\"html_url\":\"u\"}}",
		    HOOK_MALFORMED, "issue has no title", "title an array");
	github_body("{\"action\":\"opened\",\"issue\":{\"title\":\" \",\"html_url\":\"u\"}}",
		    HOOK_MALFORMED, "issue has no title", "blank title");
	github_body("{\"action\":\"opened\",\"issue\":{\"title\":\"t\"}}", HOOK_MALFORMED,
		    "issue has no address", "no html_url");
	github_body("{\"action\":\"opened\",\"issue\":{\"title\":\"t\",\"html_url\":1}}",
		    HOOK_MALFORMED, "issue has no address", "html_url a number");
	github_body("{\"action\":\"opened\",\"issue\":{\"title\":\"t\",\"body\":3,"
		    "\"html_url\":\"u\"}}", HOOK_MALFORMED, "issue body is not a string",
		    "body a number");
	github_body("{\"action\":\"labeled\",\"issue\":{\"title\":\"t\",\"html_url\":\"u\"}}",
		    HOOK_MALFORMED, "payload has no label name", "labeled without a label");
	github_body("{\"action\":\"reopened\",\"issue\":{}}", HOOK_IGNORED,
		    "action 'reopened' is not handled", "reopened");
	github_body("{\"action\":\"o'p\\u00e9n\",\"issue\":{}}", HOOK_IGNORED,
		    "action 'o?p??n' is not handled", "an action's odd bytes are masked");

	labelled.github_label = "requirement";
	json = "{\"action\":\"opened\",\"issue\":{\"title\":\"t\",\"html_url\":\"u\","
	       "\"labels\":[\"requirement\",{\"name\":7},3]}}";
	r = github(json, strlen(json), "issues", sig);
	requirement_is(&r, &labelled, "t", "t", "github:u", "labels as strings are read too");
	json = "{\"action\":\"opened\",\"issue\":{\"title\":\"t\",\"html_url\":\"u\",\"labels\":{}}}";
	r = github(json, strlen(json), "issues", sig);
	read_is(&r, &labelled, HOOK_IGNORED, NULL, "labels an object: no label");
}

static void test_title_limit(void)
{
	char body[2048], sig[72], want[600];
	struct hook_request r;
	size_t n;

	/* 510 ASCII bytes, then "é" (2 bytes) then "€" (3 bytes): the euro is cut. */
	n = (size_t)snprintf(body, sizeof(body),
			     "{\"action\":\"opened\",\"issue\":{\"title\":\"%0510d\xc3\xa9\xe2\x82\xac\","
			     "\"body\":\"b\",\"html_url\":\"u\"}}", 0);
	snprintf(want, sizeof(want), "%0510d\xc3\xa9", 0);
	r = github(body, n, "issues", sig);
	requirement_is(&r, &secrets, want, "b", "github:u", "title cut at 512 bytes on a boundary");

	n = (size_t)snprintf(body, sizeof(body),
			     "{\"action\":\"opened\",\"issue\":{\"title\":\"%0511d\xe2\x82\xac\","
			     "\"html_url\":\"u\"}}", 0);
	snprintf(want, sizeof(want), "%0511d", 0);
	r = github(body, n, "issues", sig);
	requirement_is(&r, &secrets, want, want, "github:u",
		       "a 514-byte title cut to 511 bytes before a 3-byte character, and the text");
}

static void test_gitlab(void)
{
	size_t len;
	char *body = fixture("gitlab-issue-open.json", &len);
	struct hook_request r = { HOOK_GITLAB, body, len, "Issue Hook", NULL, GL_TOKEN, NULL };
	struct hook_secrets none = { GH_SECRET, NULL, NULL, JIRA_SECRET };
	char *reopen;

	requirement_is(&r, &secrets, "Invoice download as PDF",
		       "Customers must be able to download every invoice of the last 24 months as "
		       "PDF.\n\nThe download link must expire after 15 minutes.",
		       "gitlab:https://gitlab.example.com/finance/billing/-/issues/41", "gitlab open");
	r.event = NULL;
	requirement_is(&r, &secrets, "Invoice download as PDF", NULL, NULL,
		       "gitlab open without an event header");
	r.token = "glwht-7c1f0e9a2d4c";
	read_is(&r, &secrets, HOOK_UNAUTHORIZED, "token does not match", "gitlab: wrong token");
	r.token = "glwht-7c1f0e9a2d4";
	read_is(&r, &secrets, HOOK_UNAUTHORIZED, "token does not match", "gitlab: token too short");
	r.token = GL_TOKEN "x";
	read_is(&r, &secrets, HOOK_UNAUTHORIZED, "token does not match", "gitlab: token too long");
	r.token = "";
	read_is(&r, &secrets, HOOK_UNAUTHORIZED, "token does not match", "gitlab: empty token");
	r.token = NULL;
	read_is(&r, &secrets, HOOK_UNAUTHORIZED, "missing x-gitlab-token header", "gitlab: no token");
	r.token = GL_TOKEN;
	read_is(&r, &none, HOOK_NOT_CONFIGURED, "gitlab hooks are not configured",
		"gitlab: not configured");

	reopen = strstr(body, "\"action\": \"open\"");
	if (reopen) {
		char *copy = malloc(len + 3);
		size_t at = (size_t)(reopen - body) + strlen("\"action\": \"");

		memcpy(copy, body, at);
		memcpy(copy + at, "re", 2);
		memcpy(copy + at + 2, body + at, len - at);
		r.body = copy;
		r.len = len + 2;
		requirement_is(&r, &secrets, "Invoice download as PDF", NULL, NULL, "gitlab reopen");
		free(copy);
	} else {
		ok(0, "the gitlab fixture has an action");
	}
	free(body);

	body = fixture("gitlab-issue-close.json", &len);
	r.body = body;
	r.len = len;
	read_is(&r, &secrets, HOOK_IGNORED, "action 'close' is not handled", "gitlab close");
	r.token = "wrong";
	read_is(&r, &secrets, HOOK_UNAUTHORIZED, NULL, "gitlab close, wrong token");
	free(body);

	r.token = GL_TOKEN;
#define GL(json, want, detail, what) do { r.body = json; r.len = strlen(json); \
	read_is(&r, &secrets, want, detail, what); } while (0)
	GL("{\"object_kind\":\"note\"}", HOOK_IGNORED, "object_kind 'note' is not handled",
	   "gitlab note");
	GL("{\"object_kind\":\"merge_request\",\"object_attributes\":{\"action\":\"open\"}}",
	   HOOK_IGNORED, "object_kind 'merge_request' is not handled", "gitlab merge request");
	GL("{}", HOOK_MALFORMED, "payload has no object_kind", "gitlab: no object_kind");
	GL("{\"object_kind\":\"issue\"}", HOOK_MALFORMED, "payload has no object_attributes",
	   "gitlab: no attributes");
	GL("{\"object_kind\":\"issue\",\"object_attributes\":{\"title\":\"t\",\"url\":\"u\"}}",
	   HOOK_MALFORMED, "issue has no action", "gitlab: no action");
	GL("{\"object_kind\":\"issue\",\"object_attributes\":{\"action\":\"open\",\"url\":\"u\"}}",
	   HOOK_MALFORMED, "issue has no title", "gitlab: no title");
	GL("{\"object_kind\":\"issue\",\"object_attributes\":{\"action\":\"open\",\"title\":\"t\"}}",
	   HOOK_MALFORMED, "issue has no address", "gitlab: no url");
	GL("{\"object_kind\":\"issue\",\"object_attributes\":{\"action\":\"open\",\"title\":\"t\","
	   "\"url\":\"u\",\"description\":{}}}", HOOK_MALFORMED, "issue description is not a string",
	   "gitlab: description an object");
	GL("{\"object_kind\":\"issue\",\"object_attributes\":{\"action\":\"update\"}}", HOOK_IGNORED,
	   "action 'update' is not handled", "gitlab update");
	GL("not json", HOOK_MALFORMED, NULL, "gitlab: not json");
#undef GL
	r.body = "{\"object_kind\":\"issue\",\"object_attributes\":{\"action\":\"open\","
		 "\"title\":\"t\",\"url\":\"u\",\"description\":null}}";
	r.len = strlen(r.body);
	requirement_is(&r, &secrets, "t", "t", "gitlab:u", "gitlab: null description");
}

static void test_jira(void)
{
	size_t len;
	char *body = fixture("jira-issue-created.json", &len), sig[72], bad[72];
	struct hook_request r = { HOOK_JIRA, body, len, NULL, sign(JIRA_SECRET, body, len, sig),
				  NULL, NULL };
	struct hook_secrets none = { GH_SECRET, NULL, GL_TOKEN, NULL };
	const char *text = "As a first-time buyer I want to pay without creating an account.\r\n\r\n"
		"* The order confirmation must be sent by e-mail.\r\n* The buyer may create an "
		"account afterwards from the confirmation page.";
	const char *origin = "jira:https://example.atlassian.net/rest/api/2/issue/10457";

	requirement_is(&r, &secrets, "Guest checkout without an account", text, origin,
		       "jira created, signed");
	r.signature = sign("not it", body, len, bad);
	read_is(&r, &secrets, HOOK_UNAUTHORIZED, "signature does not match",
		"jira: signed with another secret");
	r.query_secret = JIRA_SECRET;
	read_is(&r, &secrets, HOOK_UNAUTHORIZED, "signature does not match",
		"jira: a wrong signature is not saved by a right query secret");
	r.signature = "sha256=zz";
	read_is(&r, &secrets, HOOK_UNAUTHORIZED, "malformed x-hub-signature header",
		"jira: malformed signature");
	r.signature = NULL;
	requirement_is(&r, &secrets, "Guest checkout without an account", text, origin,
		       "jira created, query secret");
	r.query_secret = "jira shared secret 43";
	read_is(&r, &secrets, HOOK_UNAUTHORIZED, "secret does not match", "jira: wrong query secret");
	r.query_secret = "";
	read_is(&r, &secrets, HOOK_UNAUTHORIZED, "secret does not match", "jira: empty query secret");
	r.query_secret = NULL;
	read_is(&r, &secrets, HOOK_UNAUTHORIZED,
		"missing x-hub-signature header or secret parameter", "jira: no secret at all");
	r.query_secret = JIRA_SECRET;
	read_is(&r, &none, HOOK_NOT_CONFIGURED, "jira hooks are not configured",
		"jira: not configured");
	free(body);

	body = fixture("jira-issue-created-adf.json", &len);
	r.body = body;
	r.len = len;
	requirement_is(&r, &secrets, "Saved carts for logged-in customers",
		       "## Saved carts\n\nA logged-in customer must find the cart again on any "
		       "device.\nPrices are updated when the cart is opened.\n\n- Carts are kept "
		       "for 30 days.\n\n- Items out of stock are marked, not removed.",
		       "jira:https://example.atlassian.net/rest/api/3/issue/10461",
		       "jira created, description in ADF");
	free(body);

	body = fixture("jira-issue-updated.json", &len);
	r.body = body;
	r.len = len;
	read_is(&r, &secrets, HOOK_IGNORED, "webhookEvent 'jira:issue_updated' is not handled",
		"jira updated");
	free(body);

#define JI(json, want, detail, what) do { r.body = json; r.len = strlen(json); \
	read_is(&r, &secrets, want, detail, what); } while (0)
	JI("{}", HOOK_MALFORMED, "payload has no webhookEvent", "jira: no webhookEvent");
	JI("{\"webhookEvent\":\"comment_created\"}", HOOK_IGNORED,
	   "webhookEvent 'comment_created' is not handled", "jira comment");
	JI("{\"webhookEvent\":\"jira:issue_created\"}", HOOK_MALFORMED,
	   "payload has no issue fields", "jira: no issue");
	JI("{\"webhookEvent\":\"jira:issue_created\",\"issue\":{\"self\":\"s\"}}", HOOK_MALFORMED,
	   "payload has no issue fields", "jira: no fields");
	JI("{\"webhookEvent\":\"jira:issue_created\",\"issue\":{\"fields\":{\"summary\":\"s\"}}}",
	   HOOK_MALFORMED, "issue has no address", "jira: no self");
	JI("{\"webhookEvent\":\"jira:issue_created\",\"issue\":{\"self\":\"s\",\"fields\":{}}}",
	   HOOK_MALFORMED, "issue has no title", "jira: no summary");
	JI("{\"webhookEvent\":\"jira:issue_created\",\"issue\":{\"self\":\"s\",\"fields\":"
	   "{\"summary\":\"t\",\"description\":5}}}", HOOK_MALFORMED,
	   "issue description is neither text nor a document", "jira: description a number");
#undef JI
	r.body = "{\"webhookEvent\":\"jira:issue_created\",\"issue\":{\"self\":\"s\",\"fields\":"
		 "{\"summary\":\"Sum\",\"description\":{\"type\":\"doc\",\"content\":[]}}}}";
	r.len = strlen(r.body);
	requirement_is(&r, &secrets, "Sum", "Sum", "jira:s", "jira: an empty document");
	r.body = "{\"webhookEvent\":\"jira:issue_created\",\"issue\":{\"self\":\"s\",\"fields\":"
		 "{\"summary\":\"Sum\",\"description\":{\"type\":\"doc\",\"content\":[{\"type\":"
		 "\"heading\",\"attrs\":{\"level\":9},\"content\":[{\"type\":\"text\",\"text\":\"H\"}]},"
		 "{\"type\":\"orderedList\",\"content\":[{\"type\":\"listItem\",\"content\":[{\"type\":"
		 "\"paragraph\",\"content\":[{\"type\":\"text\",\"text\":\"one\"},{\"type\":\"text\","
		 "\"text\":7},{\"text\":\"x\"},\"junk\"]}]}]},{\"type\":\"codeBlock\",\"content\":"
		 "[{\"type\":\"text\",\"text\":\"a()\"}]},{\"type\":\"rule\"}]}}}}";
	r.len = strlen(r.body);
	requirement_is(&r, &secrets, "Sum", "# H\n\n- one\n\na()", "jira:s",
		       "jira: odd ADF nodes are skipped, a bad heading level is 1");
	r.body = "{\"webhookEvent\":\"jira:issue_created\",\"issue\":{\"self\":\"s\",\"fields\":"
		 "{\"summary\":\"Sum\",\"description\":null}}}";
	r.len = strlen(r.body);
	requirement_is(&r, &secrets, "Sum", "Sum", "jira:s", "jira: null description");
}

static void test_kinds(void)
{
	struct hook_request r = { (enum hook_kind)7, "{}", 2, NULL, NULL, NULL, NULL };

	read_is(&r, &secrets, HOOK_NOT_CONFIGURED, "unknown hook kind", "an unknown kind");
}

int main(void)
{
	test_github_auth();
	test_github_mapping();
	test_github_payloads();
	test_title_limit();
	test_gitlab();
	test_jira();
	test_kinds();
	return done_testing();
}
