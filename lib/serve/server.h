/*
 * server.h - the intake server: HTTP on libmicrohttpd, the routes of
 * agentctl serve, authentication, limits, and the hand-over to a sink.
 *
 * Each connection has a thread of its own (connections are capped), so a
 * request may wait for its sink's group commit without holding up others.
 * Requests are answered 202 only once their events are durable; refusals
 * are RFC 9457 problem documents. The routes and statuses are those of
 * agentctl(1), section SERVE.
 */
#ifndef AK_SERVE_SERVER_H
#define AK_SERVE_SERVER_H

#include <stddef.h>

#include "serve/hooks.h"

struct sink;
struct store;
struct jwtauth;

struct server_opts {
	const char *listen;          /* "HOST:PORT", "[V6]:PORT" or ":PORT"; port 0: any free */
	size_t max_body;             /* bytes */
	double rate, burst;          /* per principal, requests/s; rate 0: no limit */
	double ip_rate, ip_burst;    /* per client address; rate 0: no limit */
	unsigned max_connections;
	unsigned timeout_s;          /* idle connection; whole request body */
	const char *tls_cert, *tls_key;   /* PEM files, both or neither */
	const char *keys;            /* serve.keys entries, or NULL */
	struct store *keys_store;    /* active keys come from here too (reloaded), or NULL */
	struct store *read_store;    /* GET /requirements/{feature}, or NULL; may be keys_store */
	const struct jwtauth *jwt;   /* bearer tokens, or NULL for none */
	struct hook_secrets hooks;   /* NULL secret: that hook answers 404 */
	struct sink *sink;           /* where events go (borrowed) */
	const char *sde;             /* SOURCE_DATE_EPOCH, or NULL */
};

#define SERVER_OPTS_INIT { "127.0.0.1:8080", 1u << 20, 50, 100, 20, 40, 256, 10, \
			   NULL, NULL, NULL, NULL, NULL, NULL, { NULL, NULL, NULL, NULL }, NULL, NULL }

struct server;

/*
 * Listen and serve in threads of the server's own. NULL with ak_error:
 * AK_EXIT_USAGE for a bad address, option or key entry, AK_EXIT_IOERR for
 * unreadable TLS files, AK_EXIT_UNAVAILABLE when the address cannot be
 * bound. The stores, the token verifier and the sink stay the caller's and
 * must outlive the server.
 */
struct server *server_start(const struct server_opts *o);

/* The port listened on (the one chosen, for port 0). */
unsigned server_port(const struct server *s);

/* Read the API keys again (configuration and store). 0, or -1 with
 * ak_error, the keys in use then unchanged. */
int server_reload_keys(struct server *s);

/*
 * Stop accepting connections, let the requests in flight finish (at most
 * drain_ms), then close every connection and free the server. Returns the
 * number of requests that were still running when the time was up.
 */
long server_stop(struct server *s, long drain_ms);

#endif
