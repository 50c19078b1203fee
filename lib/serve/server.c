/*
 * server.c - the routes of agentctl serve on libmicrohttpd.
 *
 * libmicrohttpd calls answer() several times a request: once with the
 * headers, once per piece of body, and once more when the body is
 * complete; only then is the request judged. The order of the checks is
 * the order of their cost: the client address's rate, the route and
 * method, the credentials, the principal's rate, the body, and last the
 * sink. Each refusal is a problem document and a count in /metrics; no
 * refused request makes an event.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

#include "buf.h"
#include "clock.h"
#include "error.h"
#include "event.h"
#include "store.h"
#include "submit.h"
#include "serve/apikey.h"
#include "serve/idem.h"
#include "serve/intake.h"
#include "serve/jwtauth.h"
#include "serve/metrics.h"
#include "serve/ratelimit.h"
#include "serve/scope.h"
#include "serve/server.h"
#include "serve/sink.h"
#include "banned.h"

#define SOURCE "agentkit/agentctl"
#define PRINCIPAL_MAX 300
#define KEYS_RELOAD_MS 1000
#define IDEM_MAX 65536
#define IDEM_TTL_MS (24LL * 3600 * 1000)
#define RATE_KEYS 65536

struct server {
	struct server_opts o;
	struct MHD_Daemon *d;
	unsigned port;
	struct metrics *metrics;
	struct ratelimit *rl, *ip_rl;
	struct idem *idem;

	pthread_rwlock_t keys_lock;
	struct apikey_set *keys;
	pthread_mutex_t reload_mu;
	_Atomic int64_t keys_loaded_ms;

	pthread_mutex_t store_mu;    /* read_store and keys_store are used by one thread at a time */
	char *tls_cert, *tls_key;

	atomic_long connections;
	atomic_long inflight;
	atomic_int stopping;        /* server_stop has begun: no new requests */
};

/* One request, from its headers to its answer. */
struct req {
	struct server *srv;
	enum metrics_route route;
	int64_t t0_us;
	int too_large;
	int counted;          /* in the metrics already */
	struct buf body;
};

struct answer {
	int status;
	const char *type;        /* content type */
	char *body;              /* owned */
	size_t len;
	const char *hname[3], *hvalue[3];
	char hbuf[3][128];
	int nh;
};

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void header(struct answer *a, const char *name, const char *value)
{
	if (a->nh >= 3)
		return;
	snprintf(a->hbuf[a->nh], sizeof(a->hbuf[a->nh]), "%s", value);
	a->hname[a->nh] = name;
	a->hvalue[a->nh] = a->hbuf[a->nh];
	a->nh++;
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 202: return "Accepted";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	}
	return "Internal Server Error";
}

/* The body of a JSON answer (doc stolen). */
static void json_answer(struct answer *a, int status, json_t *doc, const char *type)
{
	a->status = status;
	a->type = type;
	a->body = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	if (!a->body) {
		a->status = 500;
		a->type = "text/plain";
		a->body = strdup("out of memory\n");
	}
	a->len = a->body ? strlen(a->body) : 0;
}

/* A problem document (RFC 9457); code is also the metrics' reason. */
static void problem(struct req *r, struct answer *a, int status, const char *code,
		    const char *detail)
{
	char type[96];

	snprintf(type, sizeof(type), "urn:agentkit:problem:%s", code);
	json_answer(a, status, json_pack("{s:s,s:s,s:i,s:s}", "type", type, "title",
					 reason(status), "status", status, "detail", detail),
		    "application/problem+json");
	metrics_rejected(r->srv->metrics, code);
}

static enum MHD_Result send_answer(struct MHD_Connection *c, struct answer *a)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	int i;

	if (a->body)
		resp = MHD_create_response_from_buffer(a->len, a->body, MHD_RESPMEM_MUST_FREE);
	else
		resp = MHD_create_response_from_buffer(0, (char *)"", MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		free(a->body);
		return MHD_NO;
	}
	a->body = NULL;
	if (a->type)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, a->type);
	for (i = 0; i < a->nh; i++)
		MHD_add_response_header(resp, a->hname[i], a->hvalue[i]);
	ret = MHD_queue_response(c, (unsigned)a->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static const char *hdr(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

/* The client's address as text, for its rate limit. */
static void client_addr(struct MHD_Connection *c, char *out, size_t len)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c,
			MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	snprintf(out, len, "?");
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
			  (socklen_t)len);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
			  (socklen_t)len);
}

/* ---- API keys ---- */

/* A new key set from the configuration and the store (under store_mu). */
static struct apikey_set *load_keys(struct server *srv)
{
	struct apikey_set *set = apikey_set_new();
	int rc = 0;

	if (!set)
		return NULL;
	if (srv->o.keys && *srv->o.keys)
		rc = apikey_set_add_config(set, srv->o.keys);
	if (!rc && srv->o.keys_store) {
		pthread_mutex_lock(&srv->store_mu);
		rc = apikey_set_add_store(set, srv->o.keys_store);
		pthread_mutex_unlock(&srv->store_mu);
	}
	if (rc < 0) {
		apikey_set_free(set);
		return NULL;
	}
	return set;
}

int server_reload_keys(struct server *s)
{
	struct apikey_set *set, *old;

	pthread_mutex_lock(&s->reload_mu);
	set = load_keys(s);
	if (set) {
		pthread_rwlock_wrlock(&s->keys_lock);
		old = s->keys;
		s->keys = set;
		pthread_rwlock_unlock(&s->keys_lock);
		apikey_set_free(old);
	}
	atomic_store(&s->keys_loaded_ms, clock_mono_ms());
	pthread_mutex_unlock(&s->reload_mu);
	return set ? 0 : -1;
}

/* Keys revoked in the store stop working within KEYS_RELOAD_MS: the first
 * request that finds the set older than age_ms reloads it; others go on
 * with the set they have rather than wait. */
static void maybe_reload(struct server *s, int64_t age_ms)
{
	if (!s->o.keys_store || clock_mono_ms() - atomic_load(&s->keys_loaded_ms) < age_ms)
		return;
	if (pthread_mutex_trylock(&s->reload_mu))
		return;
	pthread_mutex_unlock(&s->reload_mu);
	server_reload_keys(s);
}

/* Look the key up; 1 found (principal and scopes set), 0 not. */
static int lookup_key(struct server *srv, const char *cred, char *principal, unsigned *scopes)
{
	const char *name;
	int found;

	pthread_rwlock_rdlock(&srv->keys_lock);
	found = srv->keys && apikey_set_lookup(srv->keys, cred, strlen(cred), &name, scopes) == 1;
	if (found)
		snprintf(principal, PRINCIPAL_MAX, "%s", name);
	pthread_rwlock_unlock(&srv->keys_lock);
	return found;
}

/*
 * Who is calling, from Authorization: Bearer (an API key, or a token with
 * two dots) or X-API-Key. 0 with principal and scopes, or -1 with the
 * answer made.
 */
static int authenticate(struct server *srv, struct req *r, struct MHD_Connection *c,
			struct answer *a, char *principal, unsigned *scopes)
{
	const char *auth = hdr(c, MHD_HTTP_HEADER_AUTHORIZATION), *cred = hdr(c, "X-API-Key");
	int found;

	if (auth) {
		if (strncasecmp(auth, "Bearer ", 7)) {
			header(a, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
			problem(r, a, 401, "unauthorized", "the Authorization header is not a Bearer credential");
			return -1;
		}
		for (cred = auth + 7; *cred == ' '; cred++)
			;
	}
	if (!cred || !*cred) {
		header(a, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
		problem(r, a, 401, "unauthorized", "no credentials: send an API key or a token");
		return -1;
	}
	if (auth && strchr(cred, '.')) {
		char sub[256];
		enum jwtauth_result jr;

		if (!srv->o.jwt) {
			header(a, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"");
			problem(r, a, 401, "unauthorized", "tokens are not accepted by this server");
			return -1;
		}
		jr = jwtauth_verify(srv->o.jwt, cred, strlen(cred), clock_wall_ms() / 1000, sub,
				    sizeof(sub), scopes);
		if (jr != JWT_OK) {
			char detail[96];

			snprintf(detail, sizeof(detail), "token refused: %s", jwtauth_result_str(jr));
			header(a, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"");
			problem(r, a, 401, "unauthorized", detail);
			return -1;
		}
		snprintf(principal, PRINCIPAL_MAX, "jwt:%s", sub);
		return 0;
	}
	maybe_reload(srv, KEYS_RELOAD_MS);
	found = lookup_key(srv, cred, principal, scopes);
	if (!found && srv->o.keys_store && apikey_well_formed(cred, strlen(cred))) {
		/* a key added a moment ago works at once; a wrong key costs a
		 * read of the keys table, and the address's rate limit bounds
		 * how often that can be asked for */
		server_reload_keys(srv);
		found = lookup_key(srv, cred, principal, scopes);
	}
	if (!found) {
		header(a, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"");
		problem(r, a, 401, "unauthorized", "unknown or revoked API key");
		return -1;
	}
	return 0;
}

static int limit(struct req *r, struct answer *a, struct ratelimit *rl, const char *key,
		 const char *what)
{
	long wait_s;
	char detail[128], secs[24];

	if (!rl || !(wait_s = ratelimit_take(rl, key, clock_mono_ms())))
		return 0;
	snprintf(secs, sizeof(secs), "%ld", wait_s);
	header(a, MHD_HTTP_HEADER_RETRY_AFTER, secs);
	snprintf(detail, sizeof(detail), "too many requests from this %s; retry in %ld s", what, wait_s);
	problem(r, a, 429, "rate-limited", detail);
	return -1;
}

/* ---- accepting a document ---- */

struct document {
	const char *principal;       /* who */
	const char *origin;          /* "api", "github:URL"... */
	const char *key;             /* Idempotency-Key or delivery id, or NULL */
	const char *title;
	const char *text;
	size_t len;
	const char *format;
	int split;
};

static _Thread_local struct event_ctx tl_ec;
static _Thread_local int tl_ec_ready;

/* Make the events, hand them to the sink, and answer 202 (or say why not). */
static void accept_document(struct server *srv, struct req *r, struct answer *a,
			    const struct document *d, const char *digest)
{
	struct submit_opts so = SUBMIT_OPTS_INIT;
	json_t *events, *features = NULL, *ev;
	struct buf lines;
	char idkey[PRINCIPAL_MAX + 300], *replay = NULL;
	size_t i;
	int owned = 0;

	if (!tl_ec_ready) {
		if (event_ctx_init(&tl_ec, SOURCE, srv->o.sde) < 0) {
			problem(r, a, 500, "internal", ak_errmsg());
			return;
		}
		tl_ec_ready = 1;
	}
	if (d->key) {
		snprintf(idkey, sizeof(idkey), "%s%c%s", d->principal, 0x1f, d->key);
		switch (idem_begin(srv->idem, idkey, digest, clock_mono_ms(), &replay)) {
		case IDEM_NEW:
			owned = 1;
			break;
		case IDEM_RUNNING:
			problem(r, a, 409, "conflict", "a request with this Idempotency-Key is being answered");
			return;
		case IDEM_MISMATCH:
			problem(r, a, 422, "unprocessable",
				"this Idempotency-Key was used with a different request");
			return;
		case IDEM_DONE:
			a->status = 202;
			a->type = "application/json";
			a->body = replay;
			a->len = strlen(replay);
			header(a, "Idempotent-Replayed", "true");
			return;
		case IDEM_FULL:
			break;
		}
	}

	so.split = d->split;
	so.format = d->format;
	so.title = d->title;
	buf_init(&lines, SINK_MAX_REQUEST);
	if (!(events = json_array()) ||
	    submit_document(&tl_ec, d->origin, d->text, d->len, &so, events) < 0) {
		problem(r, a, 422, "unprocessable", ak_errmsg());
		goto out;
	}
	features = json_array();
	json_array_foreach(events, i, ev) {
		json_t *data = json_object_get(ev, "data");
		const char *subject = event_attr(ev, "subject");
		char *line, href[FEATURE_ID_MAX + 32], id[37];
		size_t len;

		if (d->key) {
			intake_event_id(d->principal, d->key, (unsigned)i, id);
			json_object_set_new(ev, "id", json_string(id));
		}
		json_object_set_new(data, "principal", json_string(d->principal));
		if (!(line = event_dump(ev, &len)) || buf_add(&lines, line, len) < 0 ||
		    buf_addch(&lines, '\n') < 0) {
			free(line);
			problem(r, a, 413, "too-large", "the document makes too many events");
			goto out;
		}
		free(line);
		snprintf(href, sizeof(href), "/requirements/%s", subject ? subject : "");
		json_array_append_new(features, json_pack("{s:s,s:s,s:s}", "feature",
							  subject ? subject : "", "event",
							  event_attr(ev, "id"), "href", href));
	}
	if (sink_write(srv->o.sink, lines.p, lines.len) < 0) {
		header(a, MHD_HTTP_HEADER_RETRY_AFTER, "1");
		problem(r, a, 503, "unavailable", ak_errmsg());
		goto out;
	}
	metrics_events(srv->metrics, json_array_size(events));
	if (json_array_size(features)) {
		const char *first = json_string_value(json_object_get(json_array_get(features, 0), "href"));

		header(a, MHD_HTTP_HEADER_LOCATION, first);
	}
	json_answer(a, 202, json_pack("{s:s,s:O}", "status", "accepted", "features", features),
		    "application/json");
	if (owned && a->status == 202) {
		idem_finish(srv->idem, idkey, a->body, clock_mono_ms());
		owned = 0;
	}
out:
	if (owned)
		idem_finish(srv->idem, idkey, NULL, clock_mono_ms());
	json_decref(features);
	json_decref(events);
	buf_release(&lines);
}

/* ---- routes ---- */

static void route_submit(struct server *srv, struct req *r, struct MHD_Connection *c,
			 struct answer *a)
{
	char principal[PRINCIPAL_MAX], detail[160], digest[65];
	const char *ct = hdr(c, MHD_HTTP_HEADER_CONTENT_TYPE);
	const char *key = hdr(c, "Idempotency-Key");
	struct intake_doc doc = { 0 };
	struct document d = { 0 };
	unsigned scopes = 0;
	int st;

	if (authenticate(srv, r, c, a, principal, &scopes) < 0)
		return;
	if (!(scopes & SCOPE_SUBMIT)) {
		problem(r, a, 403, "forbidden", "this credential may not submit (scope submit)");
		return;
	}
	if (limit(r, a, srv->rl, principal, "credential") < 0)
		return;
	if (key && !intake_idempotency_key_ok(key)) {
		problem(r, a, 400, "bad-request",
			"Idempotency-Key must be 1 to 255 visible ASCII characters");
		return;
	}
	if ((st = intake_parse(ct, r->body.p, r->body.len, &doc, detail, sizeof(detail)))) {
		problem(r, a, st, st == 413 ? "too-large" : st == 415 ? "unsupported-media-type" :
			st == 422 ? "unprocessable" : st == 400 ? "bad-request" : "internal", detail);
		return;
	}
	intake_digest(ct, r->body.p, r->body.len, digest);
	d.principal = principal;
	d.origin = "api";
	d.key = key;
	d.title = doc.title;
	d.text = doc.text;
	d.len = doc.text_len;
	d.format = doc.format;
	d.split = doc.split;
	accept_document(srv, r, a, &d, digest);
	intake_doc_release(&doc);
}

static int feature_cb(const struct store_feature *f, void *ctx)
{
	json_t **out = ctx;

	*out = json_pack("{s:s,s:s?,s:s?,s:I,s:s?,s:s?}", "feature", f->subject, "stage", f->stage,
			 "status", f->status, "events", (json_int_t)f->events, "last_event",
			 f->last_id, "last_time", f->last_time);
	return 1;
}

static void route_status(struct server *srv, struct req *r, struct MHD_Connection *c,
			 const char *feature, struct answer *a)
{
	char principal[PRINCIPAL_MAX];
	unsigned scopes = 0;
	json_t *doc = NULL;
	int rc;

	if (authenticate(srv, r, c, a, principal, &scopes) < 0)
		return;
	if (!(scopes & SCOPE_READ)) {
		problem(r, a, 403, "forbidden", "this credential may not read (scope read)");
		return;
	}
	if (limit(r, a, srv->rl, principal, "credential") < 0)
		return;
	if (!srv->o.read_store) {
		problem(r, a, 501, "not-implemented",
			"this server keeps no store: start it with --sink store or --store");
		return;
	}
	if (!event_feature_id_ok(feature)) {
		problem(r, a, 404, "not-found", "no such feature");
		return;
	}
	pthread_mutex_lock(&srv->store_mu);
	rc = store_features(srv->o.read_store, feature, feature_cb, &doc);
	pthread_mutex_unlock(&srv->store_mu);
	if (rc < 0) {
		json_decref(doc);
		header(a, MHD_HTTP_HEADER_RETRY_AFTER, "1");
		problem(r, a, 503, "unavailable", ak_errmsg());
		return;
	}
	if (!doc) {
		problem(r, a, 404, "not-found", "no such feature");
		return;
	}
	json_answer(a, 200, doc, "application/json");
}

static void route_hook(struct server *srv, struct req *r, struct MHD_Connection *c,
		       enum hook_kind kind, struct answer *a)
{
	static const char *const names[] = { "github", "gitlab", "jira" };
	static const char *const events[] = { "X-GitHub-Event", "X-Gitlab-Event", NULL };
	static const char *const sigs[] = { "X-Hub-Signature-256", NULL, "X-Hub-Signature" };
	static const char *const ids[] = { "X-GitHub-Delivery", "X-Gitlab-Event-UUID",
					   "X-Atlassian-Webhook-Identifier" };
	const char *secret = kind == HOOK_GITHUB ? srv->o.hooks.github_secret :
			     kind == HOOK_GITLAB ? srv->o.hooks.gitlab_token : srv->o.hooks.jira_secret;
	struct hook_request hr = { 0 };
	struct hook_requirement req = { 0 };
	struct document d = { 0 };
	char detail[160], digest[65], origin[PRINCIPAL_MAX];

	if (!secret || !*secret) {
		problem(r, a, 404, "not-found", "this webhook is not configured");
		return;
	}
	hr.kind = kind;
	hr.body = r->body.p ? r->body.p : "";
	hr.len = r->body.len;
	hr.event = events[kind] ? hdr(c, events[kind]) : NULL;
	hr.signature = sigs[kind] ? hdr(c, sigs[kind]) : NULL;
	hr.token = kind == HOOK_GITLAB ? hdr(c, "X-Gitlab-Token") : NULL;
	hr.query_secret = kind == HOOK_JIRA ?
		MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "secret") : NULL;
	detail[0] = 0;
	switch (hook_read(&hr, &srv->o.hooks, &req, detail, sizeof(detail))) {
	case HOOK_REQUIREMENT:
		break;
	case HOOK_PONG:
		json_answer(a, 200, json_pack("{s:s}", "status", "pong"), "application/json");
		return;
	case HOOK_IGNORED:
		json_answer(a, 202, json_pack("{s:s,s:s}", "status", "ignored", "detail", detail),
			    "application/json");
		return;
	case HOOK_UNAUTHORIZED:
		problem(r, a, 401, "unauthorized", detail);
		return;
	case HOOK_NOT_CONFIGURED:
		problem(r, a, 404, "not-found", "this webhook is not configured");
		return;
	case HOOK_MALFORMED:
	default:
		problem(r, a, 400, "bad-request", detail);
		return;
	}
	if (limit(r, a, srv->rl, names[kind], "webhook") == 0) {
		snprintf(origin, sizeof(origin), "%s", req.origin ? req.origin : names[kind]);
		d.principal = names[kind];
		d.origin = origin;
		/* one issue makes one requirement, whichever deliveries tell of it
		 * (opened, then labeled...): the key is the issue, and a retry of
		 * a delivery is the same request */
		d.key = origin;
		if (!intake_idempotency_key_ok(d.key))
			d.key = hdr(c, ids[kind]);
		if (d.key && !intake_idempotency_key_ok(d.key))
			d.key = NULL;
		intake_digest(names[kind], d.key ? d.key : hr.body, d.key ? strlen(d.key) : hr.len, digest);
		d.title = req.title;
		d.text = req.text;
		d.len = strlen(req.text);
		d.format = "markdown";
		accept_document(srv, r, a, &d, digest);
	}
	hook_requirement_release(&req);
}

static void route_health(struct server *srv, struct answer *a)
{
	struct sink_stats st;

	sink_get_stats(srv->o.sink, &st);
	json_answer(a, st.failing ? 503 : 200,
		    json_pack("{s:s,s:s,s:I}", "status", st.failing ? "failing" : "ok", "sink",
			      sink_name(srv->o.sink), "pending", (json_int_t)st.pending),
		    "application/json");
}

static void route_metrics(struct server *srv, struct req *r, struct answer *a)
{
	struct sink_stats st;
	struct buf out;

	buf_init(&out, 1u << 20);
	sink_get_stats(srv->o.sink, &st);
	if (metrics_render(srv->metrics, &st, atomic_load(&srv->connections), &out) < 0) {
		buf_release(&out);
		problem(r, a, 500, "internal", ak_errmsg());
		return;
	}
	a->status = 200;
	a->type = "text/plain; version=0.0.4; charset=utf-8";
	a->body = buf_detach(&out, &a->len);
}

static enum metrics_route route_of(const char *url)
{
	if (!strcmp(url, "/requirements"))
		return ROUTE_SUBMIT;
	if (!strncmp(url, "/requirements/", 14))
		return ROUTE_STATUS;
	if (!strcmp(url, "/health"))
		return ROUTE_HEALTH;
	if (!strcmp(url, "/metrics"))
		return ROUTE_METRICS;
	if (!strcmp(url, "/hooks/github"))
		return ROUTE_HOOK_GITHUB;
	if (!strcmp(url, "/hooks/gitlab"))
		return ROUTE_HOOK_GITLAB;
	if (!strcmp(url, "/hooks/jira"))
		return ROUTE_HOOK_JIRA;
	return ROUTE_OTHER;
}

/* The method each route takes. */
static const char *const route_method[ROUTE_COUNT] = {
	"POST", "GET", "GET", "GET", "POST", "POST", "POST", NULL,
};

static void dispatch(struct server *srv, struct req *r, struct MHD_Connection *c,
		     const char *url, const char *method, struct answer *a)
{
	const char *want = route_method[r->route];
	char addr[INET6_ADDRSTRLEN + 1];

	if (atomic_load(&srv->stopping)) {
		/* a request on a connection kept alive, after the server began
		 * to stop: refused, and the connection closed */
		header(a, MHD_HTTP_HEADER_CONNECTION, "close");
		header(a, MHD_HTTP_HEADER_RETRY_AFTER, "1");
		problem(r, a, 503, "unavailable", "the server is shutting down");
		return;
	}
	client_addr(c, addr, sizeof(addr));
	if (limit(r, a, srv->ip_rl, addr, "address") < 0)
		return;
	if (r->route == ROUTE_OTHER) {
		problem(r, a, 404, "not-found", "no such resource");
		return;
	}
	if (strcmp(method, want) && !(!strcmp(want, "GET") && !strcmp(method, "HEAD"))) {
		header(a, MHD_HTTP_HEADER_ALLOW, want);
		problem(r, a, 405, "method-not-allowed", "this resource does not take that method");
		return;
	}
	if (r->too_large) {
		char detail[96];

		snprintf(detail, sizeof(detail), "the body is larger than %zu bytes", srv->o.max_body);
		problem(r, a, 413, "too-large", detail);
		return;
	}
	switch (r->route) {
	case ROUTE_SUBMIT: route_submit(srv, r, c, a); break;
	case ROUTE_STATUS: route_status(srv, r, c, url + 14, a); break;
	case ROUTE_HEALTH: route_health(srv, a); break;
	case ROUTE_METRICS: route_metrics(srv, r, a); break;
	case ROUTE_HOOK_GITHUB: route_hook(srv, r, c, HOOK_GITHUB, a); break;
	case ROUTE_HOOK_GITLAB: route_hook(srv, r, c, HOOK_GITLAB, a); break;
	case ROUTE_HOOK_JIRA: route_hook(srv, r, c, HOOK_JIRA, a); break;
	default: problem(r, a, 404, "not-found", "no such resource"); break;
	}
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **req_cls)
{
	struct server *srv = cls;
	struct req *r = *req_cls;
	struct answer a;

	if (!r) {
		const char *cl = hdr(c, MHD_HTTP_HEADER_CONTENT_LENGTH);

		if (!(r = calloc(1, sizeof(*r))))
			return MHD_NO;
		r->srv = srv;
		r->t0_us = now_us();
		r->route = route_of(url);
		buf_init(&r->body, srv->o.max_body);
		*req_cls = r;
		atomic_fetch_add(&srv->inflight, 1);
		/* a declared length over the limit is refused before its body is read */
		if (cl && strtoull(cl, NULL, 10) > srv->o.max_body)
			r->too_large = 1;
		if (!r->too_large)
			return MHD_YES;
	} else if (*upload_size) {
		if (now_us() - r->t0_us > (int64_t)srv->o.timeout_s * 1000000)
			return MHD_NO;   /* a body trickling in past the time limit: hang up */
		if (!r->too_large && buf_add(&r->body, upload, *upload_size) < 0) {
			r->too_large = 1;
			buf_release(&r->body);
		}
		*upload_size = 0;
		return MHD_YES;
	}
	memset(&a, 0, sizeof(a));
	dispatch(srv, r, c, url, method, &a);
	/* counted before the answer leaves, so that a client that has its
	 * answer finds it counted in /metrics */
	metrics_request(srv->metrics, r->route, a.status, now_us() - r->t0_us);
	r->counted = 1;
	if (!strcmp(method, "HEAD")) {
		free(a.body);
		a.body = NULL;
		a.len = 0;
	}
	return send_answer(c, &a);
}

static void completed(void *cls, struct MHD_Connection *c, void **req_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct server *srv = cls;
	struct req *r = *req_cls;

	if (!r)
		return;
	if (!r->counted)   /* the client went away before its answer was made */
		metrics_request(srv->metrics, r->route, 0, now_us() - r->t0_us);
	buf_release(&r->body);
	free(r);
	*req_cls = NULL;
	atomic_fetch_sub(&srv->inflight, 1);
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_ctx,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct server *srv = cls;

	atomic_fetch_add(&srv->connections, toe == MHD_CONNECTION_NOTIFY_STARTED ? 1 : -1);
}

/* ---- start and stop ---- */

/* Parse "HOST:PORT", "[V6]:PORT" or ":PORT" into ss. */
static int parse_listen(const char *spec, struct sockaddr_storage *ss)
{
	char host[128];
	const char *colon, *p;
	char *end;
	unsigned long port;
	size_t hl;

	memset(ss, 0, sizeof(*ss));
	if (spec[0] == '[') {
		if (!(p = strchr(spec, ']')) || p[1] != ':')
			goto bad;
		hl = (size_t)(p - spec - 1);
		if (hl >= sizeof(host))
			goto bad;
		memcpy(host, spec + 1, hl);
		host[hl] = 0;
		colon = p + 1;
	} else {
		if (!(colon = strrchr(spec, ':')) || (size_t)(colon - spec) >= sizeof(host))
			goto bad;
		memcpy(host, spec, (size_t)(colon - spec));
		host[colon - spec] = 0;
	}
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || errno || port > 65535)
		goto bad;
	if (!*host || !strcmp(host, "*"))
		snprintf(host, sizeof(host), "0.0.0.0");
	if (spec[0] == '[') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
			goto bad;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		if (!strcmp(host, "localhost"))
			snprintf(host, sizeof(host), "127.0.0.1");
		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
			goto bad;
	}
	return 0;
bad:
	return ak_error(AK_EXIT_USAGE, "--listen: '%s' is not ADDRESS:PORT (an IPv4 address, "
			"[an IPv6 address], or nothing, and a port from 0 to 65535)", spec);
}

static char *read_pem(const char *path)
{
	struct buf b;

	buf_init(&b, 1u << 20);
	if (buf_read_file(&b, path) < 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

static void server_free(struct server *s)
{
	if (!s)
		return;
	metrics_free(s->metrics);
	ratelimit_free(s->rl);
	ratelimit_free(s->ip_rl);
	idem_free(s->idem);
	apikey_set_free(s->keys);
	pthread_rwlock_destroy(&s->keys_lock);
	pthread_mutex_destroy(&s->reload_mu);
	pthread_mutex_destroy(&s->store_mu);
	free(s->tls_cert);
	free(s->tls_key);
	free(s);
}

struct server *server_start(const struct server_opts *o)
{
	struct server *s = calloc(1, sizeof(*s));
	struct sockaddr_storage ss;
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC;
	const union MHD_DaemonInfo *di;
	unsigned per_ip;

	if (!s) {
		ak_error(AK_EXIT_SOFTWARE, "out of memory");
		return NULL;
	}
	s->o = *o;
	pthread_rwlock_init(&s->keys_lock, NULL);
	pthread_mutex_init(&s->reload_mu, NULL);
	pthread_mutex_init(&s->store_mu, NULL);
	if (parse_listen(o->listen, &ss) < 0)
		goto fail;
	if (!o->sink || !o->max_connections || !o->timeout_s) {
		ak_error(AK_EXIT_USAGE, "a server needs a sink, connections and a time limit");
		goto fail;
	}
	if (!!o->tls_cert != !!o->tls_key) {
		ak_error(AK_EXIT_USAGE, "TLS needs both a certificate and its key (--tls-cert, --tls-key)");
		goto fail;
	}
	if (o->tls_cert && (!(s->tls_cert = read_pem(o->tls_cert)) || !(s->tls_key = read_pem(o->tls_key))))
		goto fail;
	if (!(s->metrics = metrics_new()) || !(s->idem = idem_new(IDEM_MAX, IDEM_TTL_MS)))
		goto fail;
	if (o->rate > 0 && !(s->rl = ratelimit_new(o->rate, o->burst, RATE_KEYS)))
		goto fail;
	if (o->ip_rate > 0 && !(s->ip_rl = ratelimit_new(o->ip_rate, o->ip_burst, RATE_KEYS)))
		goto fail;
	if (!(s->keys = load_keys(s)))
		goto fail;
	atomic_store(&s->keys_loaded_ms, clock_mono_ms());

	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (s->tls_cert)
		flags |= MHD_USE_TLS;
	/* one address may hold a quarter of the connections, so that a few
	 * slow clients cannot take them all */
	per_ip = o->max_connections > 32 ? o->max_connections / 4 : o->max_connections;
	{
		struct MHD_OptionItem tls[] = {
			{ MHD_OPTION_HTTPS_MEM_CERT, 0, s->tls_cert },
			{ MHD_OPTION_HTTPS_MEM_KEY, 0, s->tls_key },
			{ MHD_OPTION_END, 0, NULL },
		};

		if (!s->tls_cert)
			tls[0].option = MHD_OPTION_END;
		s->d = MHD_start_daemon(flags, 0, NULL, NULL, answer, s,
					MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
					MHD_OPTION_CONNECTION_LIMIT, o->max_connections,
					MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip,
					MHD_OPTION_CONNECTION_TIMEOUT, o->timeout_s,
					MHD_OPTION_NOTIFY_COMPLETED, completed, s,
					MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
					MHD_OPTION_ARRAY, tls,
					MHD_OPTION_END);
	}
	if (!s->d) {
		ak_error(AK_EXIT_UNAVAILABLE, "cannot listen on '%s'%s", o->listen,
			 s->tls_cert ? " (or the TLS certificate and key were refused)" : "");
		goto fail;
	}
	di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	s->port = di ? di->port : 0;
	return s;
fail:
	server_free(s);
	return NULL;
}

unsigned server_port(const struct server *s)
{
	return s->port;
}

long server_stop(struct server *s, long drain_ms)
{
	int64_t until = clock_mono_ms() + drain_ms;
	MHD_socket fd;
	long left;

	atomic_store(&s->stopping, 1);
	fd = MHD_quiesce_daemon(s->d);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	while ((left = atomic_load(&s->inflight)) > 0 && clock_mono_ms() < until)
		clock_sleep_ms(10);
	MHD_stop_daemon(s->d);
	server_free(s);
	return left;
}
