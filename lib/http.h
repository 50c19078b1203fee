/*
 * http.h - a small HTTP client over libcurl, for health checks, metrics
 * queries and probes.
 *
 * A client is one curl easy handle, reused between requests so that the
 * connection is kept alive. Redirects are not followed: a health check that
 * answers 302 answered 302. Response bodies are capped, so that no server
 * can make the caller hold more than it asked for. The programs using this
 * are single-threaded; libcurl's global state is set up on the first
 * http_client_new().
 */
#ifndef AK_HTTP_H
#define AK_HTTP_H

#include <stddef.h>

struct buf;
struct http_client;

/*
 * A client whose every request gives up after timeout_ms (connection
 * included; <= 0 means 5000). NULL with ak_error when curl cannot be set
 * up.
 */
struct http_client *http_client_new(long timeout_ms);
void http_client_free(struct http_client *c);

struct http_response {
	long status;        /* 0 when no response came */
	char *body;         /* NUL-terminated, owned; never NULL after a call */
	size_t len;
	int truncated;      /* body longer than max_body; the rest discarded */
	double duration_ms; /* whole exchange */
	char error[256];    /* transport error text when status is 0 */
};
#define HTTP_RESPONSE_INIT { 0 }

/*
 * GET url. 0 when an HTTP response came, whatever its status; -1 when none
 * did (connection refused, timeout, DNS, a broken reply), with r->status 0,
 * r->error set and ak_error(AK_EXIT_UNAVAILABLE, "cannot reach 'URL':
 * REASON"). Only http and https URLs are fetched. The body is kept up to
 * max_body bytes (0: 1 MiB); a longer one is cut there and the transfer
 * stopped. r is overwritten without being released: release it between
 * calls. -1 with status 0 and error "out of memory" when memory ran out.
 */
int http_get(struct http_client *c, const char *url, size_t max_body,
	     struct http_response *r);

/* Free the body; r can be used again (or dropped). */
void http_response_release(struct http_response *r);

/*
 * Append s to b percent-encoded for a URL query parameter: every byte but
 * the unreserved ones (A-Z a-z 0-9 - . _ ~) becomes %XX. 0, or -1 when b
 * is full.
 */
int http_urlencode(struct buf *b, const char *s);

#endif
