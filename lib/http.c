/*
 * http.c - the libcurl side of http.h: one easy handle per client, GET
 * with a capped body, and transport failures turned into messages.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>

#include "buf.h"
#include "error.h"
#include "http.h"
#include "banned.h"

#define HTTP_DEFAULT_MAX_BODY (1024 * 1024)

struct http_client {
	CURL *curl;
	char errbuf[CURL_ERROR_SIZE];
};

/* Where the write callback puts the body of the current request. */
struct sink {
	struct buf b;
	size_t max;
	int truncated;
	int oom;
};

static int curl_ready;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static size_t sink_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct sink *s = arg;
	size_t n = size * nmemb, room = s->max - s->b.len;

	if (n > room) {
		/* Keep what fits, then stop the transfer. */
		if (room && buf_add(&s->b, data, room) < 0)
			s->oom = 1;
		s->truncated = 1;
		return 0;
	}
	if (buf_add(&s->b, data, n) < 0) {
		s->oom = 1;
		return 0;
	}
	return n;
}

static int setup(struct http_client *c, long timeout_ms)
{
	CURL *e = c->curl;
	int bad = 0;

	bad |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_ERRORBUFFER, c->errbuf) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, sink_write) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_USERAGENT, "agentkit") != CURLE_OK;
#if LIBCURL_VERSION_NUM >= 0x075500
	bad |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
#else
	bad |= curl_easy_setopt(e, CURLOPT_PROTOCOLS,
				(long)(CURLPROTO_HTTP | CURLPROTO_HTTPS)) != CURLE_OK;
#endif
	return bad ? -1 : 0;
}

struct http_client *http_client_new(long timeout_ms)
{
	struct http_client *c;

	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			ak_error(AK_EXIT_SOFTWARE, "cannot initialise libcurl");
			return NULL;
		}
		curl_ready = 1;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		ak_error(AK_EXIT_SOFTWARE, "out of memory");
		return NULL;
	}
	c->curl = curl_easy_init();
	if (!c->curl || setup(c, timeout_ms > 0 ? timeout_ms : 5000) < 0) {
		ak_error(AK_EXIT_SOFTWARE, "cannot set up a libcurl handle");
		http_client_free(c);
		return NULL;
	}
	return c;
}

void http_client_free(struct http_client *c)
{
	if (!c)
		return;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	free(c);
}

void http_response_release(struct http_response *r)
{
	free(r->body);
	memset(r, 0, sizeof(*r));
}

/* The body, NUL-terminated and never NULL ("" when memory ran out). */
static void take_body(struct http_response *r, struct sink *s)
{
	r->body = buf_detach(&s->b, &r->len);
	if (!r->body) {
		r->body = calloc(1, 1);
		r->len = 0;
	}
}

static int no_response(struct http_response *r, const char *url,
		       const char *why)
{
	r->status = 0;
	snprintf(r->error, sizeof(r->error), "%s", why);
	return ak_error(AK_EXIT_UNAVAILABLE, "cannot reach '%s': %s", url, why);
}

int http_get(struct http_client *c, const char *url, size_t max_body,
	     struct http_response *r)
{
	struct sink s = { BUF_INIT, max_body ? max_body : HTTP_DEFAULT_MAX_BODY, 0, 0 };
	double start = now_ms();
	long status = 0;
	CURLcode rc;

	memset(r, 0, sizeof(*r));
	c->errbuf[0] = '\0';
	curl_easy_setopt(c->curl, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &s);
	rc = curl_easy_setopt(c->curl, CURLOPT_URL, url);
	if (rc == CURLE_OK)
		rc = curl_easy_perform(c->curl);
	r->duration_ms = now_ms() - start;
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, NULL);
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	r->truncated = s.truncated;
	take_body(r, &s);
	if (s.oom || !r->body)
		return no_response(r, url, "out of memory");
	if (rc == CURLE_WRITE_ERROR && s.truncated && status > 0)
		rc = CURLE_OK;
	if (rc != CURLE_OK || status <= 0)
		return no_response(r, url, c->errbuf[0] ? c->errbuf :
				   curl_easy_strerror(rc));
	r->status = status;
	return 0;
}

int http_urlencode(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		char esc[3] = { '%', hex[ch >> 4], hex[ch & 15] };

		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' ||
		    ch == '_' || ch == '~') {
			if (buf_addch(b, (char)ch) < 0)
				return -1;
		} else if (buf_add(b, esc, 3) < 0) {
			return -1;
		}
	}
	return 0;
}
