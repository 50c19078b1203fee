/*
 * u-http.c - unit tests for lib/http.c against a small HTTP server run in
 * a thread of the test: statuses are returned as they are, redirects are
 * not followed, bodies are capped, the connection is kept alive, and a
 * refused connection, a timeout or a scheme other than http give -1 with
 * UNAVAILABLE and the reason. Also the query-parameter encoding.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "http.h"
#include "tap.h"

/* ---- the test server (t/unit/httpd.h) and its answers ---- */

#include "httpd.h"

/* The reply to GET target; 1 when the connection should be closed after. */
static int handle(const char *target, struct buf *out)
{
	if (!strcmp(target, "/ok")) {
		reply(out, 200, "hello", 5, NULL);
	} else if (!strncmp(target, "/status/", 8)) {
		reply(out, (int)strtol(target + 8, NULL, 10), "status body", 11, NULL);
	} else if (!strcmp(target, "/redirect")) {
		reply(out, 302, "moved", 5, "Location: /ok\r\n");
	} else if (!strncmp(target, "/big/", 5)) {
		size_t n = strtoul(target + 5, NULL, 10);
		char *p = malloc(n);

		memset(p, 'x', n);
		reply(out, 200, p, n, NULL);
		free(p);
	} else if (!strcmp(target, "/slow")) {
		usleep(600 * 1000);
		reply(out, 200, "late", 4, NULL);
		return 1;
	} else if (!strncmp(target, "/echo", 5)) {
		reply(out, 200, target, strlen(target), NULL);
	} else {
		reply(out, 404, "no", 2, NULL);
	}
	return 0;
}

static int accepts(void)
{
	int n;

	pthread_mutex_lock(&srv_lock);
	n = srv_accepts;
	pthread_mutex_unlock(&srv_lock);
	return n;
}

static const char *url(const char *path)
{
	static char u[4][256];
	static int next;
	char *s = u[next++ % 4];

	snprintf(s, sizeof(u[0]), "http://127.0.0.1:%d%s", srv_port, path);
	return s;
}

/* ---- tests ---- */

static void test_statuses(struct http_client *c)
{
	struct http_response r = HTTP_RESPONSE_INIT;
	int before = accepts();

	is_int(http_get(c, url("/ok"), 0, &r), 0, "200: a response");
	is_int(r.status, 200, "200: status");
	is_str(r.body, "hello", "200: body");
	is_int((long long)r.len, 5, "200: length");
	ok(!r.truncated && r.error[0] == '\0', "200: not truncated, no error");
	ok(r.duration_ms > 0 && r.duration_ms < 5000, "200: duration %.3f ms", r.duration_ms);
	http_response_release(&r);
	ok(r.body == NULL && r.status == 0, "release clears the response");

	is_int(http_get(c, url("/status/503"), 0, &r), 0, "503 is a response, not a failure");
	is_int(r.status, 503, "503: status");
	is_str(r.body, "status body", "503: body");
	http_response_release(&r);

	is_int(http_get(c, url("/redirect"), 0, &r), 0, "302: a response");
	is_int(r.status, 302, "302: not followed");
	is_str(r.body, "moved", "302: the redirect's own body");
	http_response_release(&r);

	is_int(http_get(c, url("/nothing"), 0, &r), 0, "404: a response");
	is_int(r.status, 404, "404: status");
	http_response_release(&r);
	is_int(accepts() - before, 1, "four requests, one connection (keep-alive)");
}

static void test_body_cap(struct http_client *c)
{
	struct http_response r = HTTP_RESPONSE_INIT;

	is_int(http_get(c, url("/big/100"), 100, &r), 0, "body exactly at the cap");
	ok(r.len == 100 && !r.truncated && strlen(r.body) == 100, "100 of 100 bytes, not truncated");
	http_response_release(&r);

	is_int(http_get(c, url("/big/101"), 100, &r), 0, "body one past the cap");
	ok(r.len == 100 && r.truncated && strlen(r.body) == 100, "cut at 100 bytes, truncated");
	is_int(r.status, 200, "the status is still there");
	http_response_release(&r);

	is_int(http_get(c, url("/big/3000000"), 0, &r), 0, "3 MB body, default cap");
	ok(r.len == 1024 * 1024 && r.truncated, "cut at 1 MiB (%zu)", r.len);
	http_response_release(&r);

	is_int(http_get(c, url("/ok"), 0, &r), 0, "the client works after a cut transfer");
	is_str(r.body, "hello", "and reads the next body whole");
	http_response_release(&r);
}

static void test_no_response(void)
{
	struct http_response r = HTTP_RESPONSE_INIT;
	struct http_client *c = http_client_new(200);
	char want[256], u[64];
	int port, fd = listen_any(&port);

	close(fd);
	snprintf(u, sizeof(u), "http://127.0.0.1:%d/", port);
	is_int(http_get(c, u, 0, &r), -1, "nothing listening: -1");
	is_int(ak_errcode(), AK_EXIT_UNAVAILABLE, "nothing listening: UNAVAILABLE");
	snprintf(want, sizeof(want), "cannot reach '%s': ", u);
	ok(!strncmp(ak_errmsg(), want, strlen(want)), "message: %s", ak_errmsg());
	ok(strstr(ak_errmsg(), r.error) && r.error[0], "r.error is the reason: %s", r.error);
	ok(r.status == 0 && r.body && r.body[0] == '\0', "status 0, empty body, not NULL");
	http_response_release(&r);

	is_int(http_get(c, url("/slow"), 0, &r), -1, "slow server, 200 ms timeout: -1");
	ok(strstr(r.error, "timed out") != NULL, "timeout reason: %s", r.error);
	ok(r.duration_ms >= 150 && r.duration_ms < 590, "gave up after about 200 ms (%.0f)", r.duration_ms);
	http_response_release(&r);

	is_int(http_get(c, "file:///etc/hostname", 0, &r), -1, "file: URLs are refused");
	is_int(r.status, 0, "file: no status");
	http_response_release(&r);
	http_client_free(c);
}

static void test_urlencode(struct http_client *c)
{
	struct http_response r = HTTP_RESPONSE_INIT;
	struct buf b = BUF_INIT;

	is_int(http_urlencode(&b, "a b&c=d/\xc3\xa9~-._+%"), 0, "encode");
	is_str(b.p, "a%20b%26c%3Dd%2F%C3%A9~-._%2B%25", "unreserved kept, the rest %%XX");
	buf_reset(&b);
	is_int(http_urlencode(&b, ""), 0, "encode the empty string");
	is_str(b.p, "", "nothing appended");
	buf_reset(&b);
	buf_addstr(&b, "/echo?query=");
	http_urlencode(&b, "sum(rate(x{job=\"a b\"}[5m]))");
	is_int(http_get(c, url(b.p), 0, &r), 0, "an encoded query goes through");
	is_str(r.body, "/echo?query=sum%28rate%28x%7Bjob%3D%22a%20b%22%7D%5B5m%5D%29%29",
	       "the server saw it encoded");
	http_response_release(&r);
	buf_release(&b);

	buf_init(&b, 8);
	is_int(http_urlencode(&b, "  "), 0, "6 bytes under a limit of 8");
	is_int(http_urlencode(&b, " "), -1, "3 more: past the limit");
	buf_release(&b);
}

int main(void)
{
	struct http_client *c;

	server_start();
	c = http_client_new(5000);
	ok(c != NULL, "http_client_new");
	if (!c)
		return done_testing();
	test_statuses(c);
	test_body_cap(c);
	test_no_response();
	test_urlencode(c);
	http_client_free(c);
	http_client_free(NULL);
	server_stop();
	return done_testing();
}
