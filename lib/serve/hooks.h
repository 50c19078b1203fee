/*
 * hooks.h - webhooks from issue trackers (GitHub, GitLab, Jira) read into
 * requirements.
 *
 * A delivery is authenticated first, with the secret the tracker shares
 * with us, and only then parsed: an issue that was opened (or labeled, or
 * reopened) becomes a requirement with a title, a text and the issue's
 * address as its origin; every other delivery is ignored, so trackers can
 * send more events than we use without being told off.
 */
#ifndef AK_SERVE_HOOKS_H
#define AK_SERVE_HOOKS_H

#include <stddef.h>

enum hook_kind { HOOK_GITHUB, HOOK_GITLAB, HOOK_JIRA };

/* One delivery. Every pointer is borrowed; absent headers are NULL. */
struct hook_request {
	enum hook_kind kind;
	const char *body;          /* the raw body, as signed */
	size_t len;
	const char *event;         /* X-GitHub-Event or X-Gitlab-Event */
	const char *signature;     /* X-Hub-Signature-256 (github) or X-Hub-Signature (jira) */
	const char *token;         /* X-Gitlab-Token */
	const char *query_secret;  /* jira: the ?secret= query parameter */
};

/* The configured secrets (serve.hooks.*); NULL or "" means not configured. */
struct hook_secrets {
	const char *github_secret, *github_label, *gitlab_token, *jira_secret;
};

/* What a delivery asks for; every member is a new string. */
struct hook_requirement {
	char *title;     /* valid UTF-8, at most HOOK_MAX_TITLE bytes */
	char *text;      /* the text, or its title when it has none */
	char *origin;    /* "github:HTML_URL", "gitlab:URL" or "jira:SELF" */
};

#define HOOK_MAX_TITLE 512

enum hook_result {
	HOOK_REQUIREMENT,     /* *req filled: make a requirement.submitted event */
	HOOK_IGNORED,         /* authentic, but not an event we act on (202) */
	HOOK_PONG,            /* GitHub's ping (200) */
	HOOK_UNAUTHORIZED,    /* missing or wrong signature, token or secret (401) */
	HOOK_MALFORMED,       /* authentic, but the payload is not what it should be (400) */
	HOOK_NOT_CONFIGURED,  /* no secret for this tracker (404) */
};

/*
 * Authenticate the delivery r against the secrets s, then read it:
 *   github  X-Hub-Signature-256 "sha256=" and 64 hex digits (either case),
 *           the HMAC-SHA256 of the body keyed with github_secret. Event
 *           "ping" is HOOK_PONG; event "issues" with action "opened" (when
 *           github_label is set, only if the issue carries that label) or
 *           "labeled" (when github_label is set, only if the label added is
 *           it; label names compare without regard to ASCII case) is a
 *           requirement from issue.title, issue.body and issue.html_url.
 *   gitlab  X-Gitlab-Token equal to gitlab_token. object_kind "issue" with
 *           object_attributes.action "open" or "reopen" is a requirement
 *           from object_attributes.title, .description and .url.
 *   jira    X-Hub-Signature "sha256=HEX" keyed with jira_secret, or when
 *           that header is absent, the ?secret= parameter equal to it.
 *           webhookEvent "jira:issue_created" is a requirement from
 *           issue.fields.summary, issue.fields.description (a string, or a
 *           document in Atlassian Document Format whose text is collected:
 *           blocks separated by blank lines, headings as "# ", list items
 *           as "- ") and issue.self.
 * Secrets and tokens are compared in constant time. The title is trimmed
 * of white space, its control characters become spaces and it is cut to
 * HOOK_MAX_TITLE bytes on a character boundary; a text that is empty or
 * only white space is replaced by that title.
 *
 * Returns the result; detail[0..dlen) gets a short lowercase reason for
 * HOOK_IGNORED, HOOK_UNAUTHORIZED, HOOK_MALFORMED and HOOK_NOT_CONFIGURED
 * ("" otherwise). *req is filled (new strings, freed with
 * hook_requirement_release) only for HOOK_REQUIREMENT; for any other
 * result it is left with every member NULL. Running out of memory gives
 * HOOK_MALFORMED with the detail "out of memory".
 */
enum hook_result hook_read(const struct hook_request *r, const struct hook_secrets *s,
			   struct hook_requirement *req, char *detail, size_t dlen);

/* Free the members of req and set them to NULL; req may be empty. */
void hook_requirement_release(struct hook_requirement *req);

#endif
