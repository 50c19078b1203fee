/*
 * store.c - the store interface over its two backends (see store.h).
 *
 * Lines are parsed here, once, with the pass-through scanner: the
 * attributes a row needs are decoded into one scratch buffer per batch and
 * the data member is handed to the backend as its raw JSON text, so no
 * document is built on the way into the database.
 *
 * The LLM log and cache are checked here too, once for both backends: a
 * key and a request are required, texts must be JSON (SQLite would take
 * anything, PostgreSQL's jsonb would refuse it), and the store's clock
 * gives the time when the caller leaves it out. Advisories are checked
 * for their required strings and JSON text in the same way, and API keys
 * for theirs.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "error.h"
#include "event.h"
#include "jscan.h"
#include "store.h"
#include "store_backend.h"
#include "banned.h"

/*
 * PostgreSQL: a postgres:// or postgresql:// URL, or a libpq keyword/value
 * string, which starts with a keyword of letters and '_' and then '='
 * ("host=/run/pg dbname=x"). Anything else is a SQLite file path.
 */
int store_spec_is_postgres(const char *spec)
{
	const char *p = spec;

	if (!strncmp(spec, "postgres://", 11) || !strncmp(spec, "postgresql://", 13))
		return 1;
	while ((*p >= 'a' && *p <= 'z') || *p == '_')
		p++;
	while (p > spec && *p == ' ')
		p++;
	return p > spec && *p == '=';
}

/* The spec without a password, for messages: in a URL, or a password=
 * keyword of a libpq connection string. */
static char *redact_spec(const char *spec)
{
	const char *at = strchr(spec, '@'), *scheme = strstr(spec, "://");
	const char *pw = strstr(spec, "password");
	struct buf b = BUF_INIT;

	if (!scheme && pw && (pw == spec || pw[-1] == ' ')) {
		const char *v = pw + 8, *end;

		while (*v == ' ')
			v++;
		if (*v == '=') {
			v++;
			while (*v == ' ')
				v++;
			if (*v == '\'')
				for (end = v + 1; *end && *end != '\''; end += end[0] == '\\' && end[1] ? 2 : 1)
					;
			else
				for (end = v; *end && *end != ' '; end++)
					;
			buf_add(&b, spec, (size_t)(v - spec));
			buf_addstr(&b, "***");
			buf_addstr(&b, *end == '\'' ? end + 1 : end);
			return buf_detach(&b, NULL);
		}
	}

	if (scheme && at && at > scheme) {
		const char *colon = memchr(scheme + 3, ':', (size_t)(at - scheme - 3));

		if (colon) {
			buf_add(&b, spec, (size_t)(colon - spec));
			buf_addstr(&b, ":***");
			buf_addstr(&b, at);
			return buf_detach(&b, NULL);
		}
	}
	return strdup(spec);
}

struct store *store_open(const char *spec, const struct store_opts *opts)
{
	struct store_opts o = opts ? *opts : (struct store_opts)STORE_OPTS_INIT;
	struct store *s;
	int rc, v;

	if (!spec || !*spec) {
		ak_error(AK_EXIT_USAGE, "no store given (--store or AGENTKIT_STORE)");
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s || !(s->spec = redact_spec(spec))) {
		free(s);
		ak_error(AK_EXIT_SOFTWARE, "out of memory");
		return NULL;
	}
	rc = store_spec_is_postgres(spec) ? store_pg_open(s, spec) : store_sqlite_open(s, spec);
	if (rc < 0) {
		free(s->spec);
		free(s);
		return NULL;
	}
	if (store_version(s, &v) < 0 ||
	    (v > STORE_SCHEMA_VERSION &&
	     ak_error(AK_EXIT_SOFTWARE, "store '%s' has schema version %d, newer than this "
		      "program's %d", s->spec, v, STORE_SCHEMA_VERSION))) {
		store_close(s);
		return NULL;
	}
	if (!o.no_migrate) {
		if (
		    (v < (o.migrate_to ? o.migrate_to : STORE_SCHEMA_VERSION) &&
		     store_migrate(s, o.migrate_to) < 0)) {
			store_close(s);
			return NULL;
		}
	}
	if (o.manual_checkpoint && s->ops->manual_checkpoints(s) < 0) {
		store_close(s);
		return NULL;
	}
	return s;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	s->ops->close(s);
	free(s->spec);
	free(s);
}

const char *store_backend(const struct store *s)
{
	return s->ops->name;
}

int store_version(struct store *s, int *version)
{
	return s->ops->version(s, version);
}

int store_migrate(struct store *s, int to)
{
	int v;

	if (to == 0)
		to = STORE_SCHEMA_VERSION;
	if (to < 1 || to > STORE_SCHEMA_VERSION)
		return ak_error(AK_EXIT_USAGE, "no schema version %d (this program knows 1 to %d)",
				to, STORE_SCHEMA_VERSION);
	if (store_version(s, &v) < 0)
		return -1;
	if (v > STORE_SCHEMA_VERSION)
		return ak_error(AK_EXIT_SOFTWARE,
				"store '%s' has schema version %d, newer than this program's %d",
				s->spec, v, STORE_SCHEMA_VERSION);
	if (to < v)
		return ak_error(AK_EXIT_USAGE,
				"store '%s' is at version %d; migrations only go forward", s->spec, v);
	if (to == v)
		return 0;
	return s->ops->migrate(s, v, to);
}

/* Copy a decoded string member into the scratch buffer; offset or -1. */
static long put_str(struct buf *scratch, const struct jscan_member *m)
{
	size_t at = scratch->len;
	long n;

	if (!m || m->type != JS_STRING)
		return -1;
	if (buf_grow(scratch, m->val_len + 1) < 0)
		return -2;
	n = jscan_strcpy(m, scratch->p + at, m->val_len + 1);
	if (n < 0)
		return -1;
	scratch->len += (size_t)n + 1;
	return (long)at;
}

/* Offsets into the scratch buffer, resolved once it stops moving. */
struct row_offsets {
	long source, id, type, subject, time, status;
};

static long status_of(struct buf *scratch, const struct jscan *js, const char *type)
{
	const struct jscan_member *data;
	struct jscan dj;
	long at;

	if (!strcmp(type, "agent.rejected") || !strcmp(type, "agent.failed")) {
		at = (long)scratch->len;
		if (buf_addstr(scratch, type + 6) < 0 || buf_addch(scratch, '\0') < 0)
			return -2;
		return at;
	}
	data = jscan_find(js, "data");
	if (!data || data->type != JS_OBJECT)
		return -1;
	if (jscan_parse(&dj, data->val, data->val_len) < 0)
		return -1;
	return put_str(scratch, jscan_find(&dj, "status"));
}

int store_append_lines(struct store *s, const char *buf, size_t len, uint64_t *inserted)
{
	struct jscan *js = malloc(sizeof(*js));
	struct store_row *rows = NULL;
	struct row_offsets *offs = NULL;
	struct buf scratch = BUF_INIT;
	size_t n = 0, cap = 0, pos = 0;
	int rc = -1;

	*inserted = 0;
	if (!js)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	while (pos < len) {
		const char *line = buf + pos, *nl = memchr(line, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - line) : len - pos;
		const struct jscan_member *m;
		struct store_row *r;
		struct row_offsets *o;
		char why[160];

		pos += ll + 1;
		if (jscan_parse(js, line, ll) < 0) {
			ak_error(AK_EXIT_DATAERR, "cannot store a line that is not JSON");
			goto out;
		}
		switch (event_check(js, why, sizeof(why))) {
		case EVENT_EVENT:
			break;
		case EVENT_ITEM:
			continue;   /* a work item passing by is not an event to keep */
		default:
			ak_error(AK_EXIT_DATAERR, "cannot store an invalid event: %s", why);
			goto out;
		}
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 256;
			void *nr = realloc(rows, nc * sizeof(*rows));
			void *no;

			if (!nr)
				goto oom;
			rows = nr;
			no = realloc(offs, nc * sizeof(*offs));
			if (!no)
				goto oom;
			offs = no;
			cap = nc;
		}
		r = &rows[n];
		o = &offs[n];
		memset(r, 0, sizeof(*r));
		o->source = put_str(&scratch, jscan_find(js, "source"));
		o->id = put_str(&scratch, jscan_find(js, "id"));
		o->type = put_str(&scratch, jscan_find(js, "type"));
		o->subject = put_str(&scratch, jscan_find(js, "subject"));
		o->time = put_str(&scratch, jscan_find(js, "time"));
		if (o->source == -2 || o->id == -2 || o->type == -2 || o->subject == -2 ||
		    o->time == -2)
			goto oom;
		if (o->source < 0 || o->id < 0 || o->type < 0) {
			ak_error(AK_EXIT_DATAERR, "cannot store an event whose id, source or type "
				 "holds a NUL character");
			goto out;
		}
		o->status = o->subject >= 0 ? status_of(&scratch, js, scratch.p + o->type) : -1;
		if (o->status == -2)
			goto oom;
		r->time_ms = INT64_MIN;
		if (o->time >= 0 && event_parse_time(scratch.p + o->time, &r->time_ms) < 0)
			r->time_ms = INT64_MIN;
		m = jscan_find(js, "data");
		if (m && m->type != JS_NULL) {
			r->data = m->type == JS_STRING ? m->val - 1 : m->val;
			r->data_len = m->type == JS_STRING ? m->val_len + 2 : m->val_len;
		}
		r->raw = line;
		r->raw_len = ll;
		n++;
	}
	/* the scratch buffer has stopped growing: turn offsets into pointers */
	for (size_t i = 0; i < n; i++) {
		struct store_row *r = &rows[i];
		struct row_offsets *o = &offs[i];

		r->source = scratch.p + o->source;
		r->id = scratch.p + o->id;
		r->type = scratch.p + o->type;
		r->subject = o->subject >= 0 ? scratch.p + o->subject : NULL;
		r->time = o->time >= 0 ? scratch.p + o->time : NULL;
		r->status = o->status >= 0 ? scratch.p + o->status : NULL;
		r->stage = strncmp(r->type, "agent.", 6) ? r->type : NULL;
	}
	rc = n ? s->ops->append(s, rows, n, inserted) : 0;
	goto out;
oom:
	ak_error(AK_EXIT_SOFTWARE, "out of memory");
out:
	free(js);
	free(rows);
	free(offs);
	buf_release(&scratch);
	return rc;
}

int store_query(struct store *s, const struct store_query *q,
		int (*fn)(const struct store_event *ev, void *ctx), void *ctx)
{
	return s->ops->query(s, q, fn, ctx);
}

int store_get(struct store *s, const char *source, const char *id,
	      int (*fn)(const struct store_event *ev, void *ctx), void *ctx)
{
	return s->ops->get(s, source, id, fn, ctx);
}

int store_features(struct store *s, const char *subject,
		   int (*fn)(const struct store_feature *f, void *ctx), void *ctx)
{
	return s->ops->features(s, subject, fn, ctx);
}

int store_join_put(struct store *s, const char *agent, const char *subject,
		   const char *type, const char *raw, size_t len)
{
	return s->ops->join_put(s, agent, subject, type, raw, len);
}

int store_join_get(struct store *s, const char *agent, const char *subject,
		   int (*fn)(const char *type, const char *raw, size_t len, void *ctx),
		   void *ctx)
{
	return s->ops->join_get(s, agent, subject, fn, ctx);
}

int store_join_clear(struct store *s, const char *agent, const char *subject)
{
	return s->ops->join_clear(s, agent, subject);
}

int store_checkpoint(struct store *s, int64_t restart_over)
{
	return s->ops->checkpoint(s, restart_over);
}

int store_vacuum(struct store *s)
{
	return s->ops->vacuum(s);
}

int store_count(struct store *s, int64_t *n)
{
	return s->ops->count(s, n);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 0 when text is one JSON value; what names it in the message. */
static int check_json(struct jscan *js, const char *what, const char *text)
{
	if (jscan_parse(js, text, strlen(text)) == 0)
		return 0;
	return ak_error(AK_EXIT_DATAERR, "cannot store an LLM %s that is not JSON: %s",
			what, js->err);
}

static int check_key(const char *key)
{
	if (!key || !*key)
		return ak_error(AK_EXIT_SOFTWARE, "an LLM exchange or cache entry needs a key");
	return 0;
}

int store_llm_log(struct store *s, const struct store_llm_exchange *x)
{
	struct store_llm_exchange row = *x;
	struct jscan *js;
	int rc = -1;

	if (check_key(x->key) < 0)
		return -1;
	if (!x->request)
		return ak_error(AK_EXIT_SOFTWARE, "an LLM exchange needs a request");
	if (!isfinite(x->cost))
		return ak_error(AK_EXIT_DATAERR, "cannot store an LLM exchange costing %g", x->cost);
	js = malloc(sizeof(*js));
	if (!js)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	if (check_json(js, "request", x->request) == 0 &&
	    (!x->response || check_json(js, "response", x->response) == 0)) {
		if (!row.at_ms)
			row.at_ms = now_ms();
		rc = s->ops->llm_log(s, &row);
	}
	free(js);
	return rc;
}

int store_llm_exchanges(struct store *s, const struct store_llm_query *q,
			int (*fn)(const struct store_llm_exchange *x, void *ctx), void *ctx)
{
	static const struct store_llm_query all = STORE_LLM_QUERY_INIT;

	return s->ops->llm_exchanges(s, q ? q : &all, fn, ctx);
}

int store_llm_stats(struct store *s, int64_t since_ms,
		    int (*fn)(const struct store_llm_stat *st, void *ctx), void *ctx)
{
	return s->ops->llm_stats(s, since_ms, fn, ctx);
}

int store_llm_cache_get(struct store *s, const char *key, char **response)
{
	*response = NULL;
	if (check_key(key) < 0)
		return -1;
	return s->ops->llm_cache_get(s, key, response);
}

int store_llm_cache_put(struct store *s, const char *key, const char *model,
			const char *response)
{
	struct jscan *js;
	int rc;

	if (check_key(key) < 0)
		return -1;
	if (!response)
		return ak_error(AK_EXIT_SOFTWARE, "an LLM cache entry needs a response");
	js = malloc(sizeof(*js));
	if (!js)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	rc = check_json(js, "response", response);
	free(js);
	return rc < 0 ? -1 : s->ops->llm_cache_put(s, key, model, response, now_ms());
}

int store_llm_cache_clear(struct store *s, const char *model, int64_t *removed)
{
	int64_t n = 0;
	int rc = s->ops->llm_cache_clear(s, model, &n);

	if (removed)
		*removed = rc == 0 ? n : 0;
	return rc;
}

int store_llm_cache_count(struct store *s, int64_t *entries, int64_t *bytes)
{
	int64_t e = 0, b = 0;
	int rc = s->ops->llm_cache_count(s, &e, &b);

	if (entries)
		*entries = rc == 0 ? e : 0;
	if (bytes)
		*bytes = rc == 0 ? b : 0;
	return rc;
}

int store_advisory_put(struct store *s, const char *id, const char *ecosystem,
		       const char *package, const char *modified, const char *json)
{
	struct jscan *js;
	int rc;

	if (!id || !*id || !ecosystem || !*ecosystem || !package || !*package || !json)
		return ak_error(AK_EXIT_SOFTWARE, "an advisory needs an id, an ecosystem, "
				"a package and a record");
	js = malloc(sizeof(*js));
	if (!js)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	rc = jscan_parse(js, json, strlen(json));
	if (rc < 0)
		ak_error(AK_EXIT_DATAERR, "cannot store advisory '%s': not JSON: %s", id, js->err);
	free(js);
	if (rc < 0)
		return -1;
	return s->ops->advisory_put(s, id, ecosystem, package, modified ? modified : "", json);
}

int store_advisory_each(struct store *s, const char *ecosystem, const char *package,
			int (*fn)(const char *id, const char *json, void *ctx), void *ctx)
{
	if (!ecosystem || !package)
		return ak_error(AK_EXIT_SOFTWARE, "advisories are listed per ecosystem and package");
	return s->ops->advisory_each(s, ecosystem, package, fn, ctx);
}

int store_advisory_count(struct store *s, int64_t *rows, int64_t *ids)
{
	int64_t r = 0, i = 0;
	int rc = s->ops->advisory_count(s, &r, &i);

	if (rows)
		*rows = rc == 0 ? r : 0;
	if (ids)
		*ids = rc == 0 ? i : 0;
	return rc;
}

int store_rollout_put(struct store *s, const struct store_rollout *r)
{
	struct jscan *js;
	int rc;

	if (!r->name || !*r->name || !r->state || !r->doc)
		return ak_error(AK_EXIT_SOFTWARE, "a rollout needs a name, a state and a document");
	js = malloc(sizeof(*js));
	if (!js)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	rc = jscan_parse(js, r->doc, strlen(r->doc));
	if (rc < 0)
		ak_error(AK_EXIT_SOFTWARE, "cannot store rollout '%s': not JSON: %s", r->name, js->err);
	free(js);
	if (rc < 0)
		return -1;
	return s->ops->rollout_put(s, r, now_ms());
}

int store_rollout_get(struct store *s, const char *name,
		      int (*fn)(const struct store_rollout *r, void *ctx), void *ctx)
{
	return s->ops->rollout_get(s, name, fn, ctx);
}

int store_rollout_request(struct store *s, const char *name, const char *command)
{
	if (!name || !command || !*command)
		return ak_error(AK_EXIT_SOFTWARE, "a rollout request needs a name and a command");
	return s->ops->rollout_request(s, name, command);
}

int store_rollout_take(struct store *s, const char *name, char **command)
{
	*command = NULL;
	return s->ops->rollout_take(s, name, command);
}

int store_key_add(struct store *s, const struct store_key *k)
{
	struct store_key row = *k;
	int rc;

	if (!k->id || !*k->id || !k->name || !*k->name || !k->hash || !*k->hash ||
	    !k->scopes || !*k->scopes)
		return ak_error(AK_EXIT_SOFTWARE, "an API key needs an id, a name, a hash and scopes");
	if (!row.created_ms)
		row.created_ms = now_ms();
	rc = s->ops->key_add(s, &row);
	if (rc > 0)
		return ak_error(AK_EXIT_DATAERR, "store '%s' has a key with id '%s' or its hash "
				"already", s->spec, k->id);
	return rc;
}

int store_key_revoke(struct store *s, const char *id_or_name, int64_t at_ms, int *revoked)
{
	int64_t n = 0;
	int rc;

	*revoked = 0;
	if (!id_or_name || !*id_or_name)
		return ak_error(AK_EXIT_SOFTWARE, "revoking a key needs its id or name");
	rc = s->ops->key_revoke(s, id_or_name, at_ms ? at_ms : now_ms(), &n);
	if (rc == 0)
		*revoked = n > INT32_MAX ? INT32_MAX : (int)n;
	return rc;
}

int store_keys(struct store *s, int include_revoked,
	       int (*fn)(const struct store_key *k, void *ctx), void *ctx)
{
	return s->ops->keys(s, include_revoked, fn, ctx);
}
