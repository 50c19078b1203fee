/*
 * monitor/state.c - agent-monitor's memory in the store, its transitions
 * and its events (see state.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "monitor/state.h"
#include "banned.h"

#define PENDING_TYPE "monitor.pending"

void monitor_prev_release(struct monitor_prev *p)
{
	json_decref(p->last);
	memset(p, 0, sizeof(*p));
}

struct find {
	const char *source;
	json_t *ev;
	int bad;
};

static int newest_alert(const struct store_event *ev, void *ctx)
{
	struct find *f = ctx;

	if (strcmp(ev->source, f->source) || (strcmp(ev->type, "alert.fired") &&
					     strcmp(ev->type, "alert.resolved")))
		return 0;
	f->ev = json_loadb(ev->raw, ev->raw_len, 0, NULL);
	if (!f->ev)
		f->bad = 1;
	return 1;
}

static int pending(const char *type, const char *raw, size_t len, void *ctx)
{
	struct monitor_prev *p = ctx;
	json_t *doc, *n;
	const char *since;

	if (strcmp(type, PENDING_TYPE))
		return 0;
	/* a record that cannot be read counts as none: the run starts again */
	doc = json_loadb(raw, len, 0, NULL);
	n = json_object_get(doc, "bad_runs");
	since = json_string_value(json_object_get(doc, "since"));
	if (json_is_integer(n) && json_integer_value(n) > 0 &&
	    json_integer_value(n) <= MONITOR_MAX_FOR && since) {
		p->bad_runs = (int)json_integer_value(n);
		snprintf(p->since, sizeof(p->since), "%s", since);
	}
	json_decref(doc);
	return 1;
}

int monitor_state_get(struct store *s, const char *source, const char *name,
		      struct monitor_prev *p)
{
	struct store_query q = STORE_QUERY_INIT;
	struct find f = { source, NULL, 0 };
	const char *type;

	memset(p, 0, sizeof(*p));
	q.subject = name;
	q.type = "alert.*";
	q.newest_first = 1;
	if (store_query(s, &q, newest_alert, &f) < 0)
		return -1;
	if (f.bad)
		return ak_error(AK_EXIT_DATAERR, "the store's last alert event for '%s' is not JSON",
				name);
	p->last = f.ev;
	type = event_attr(f.ev, "type");
	p->firing = type && !strcmp(type, "alert.fired");
	if (store_join_get(s, MONITOR_AGENT, name, pending, p) < 0)
		return -1;
	return 0;
}

void monitor_decide(const struct monitor_check *c, const struct monitor_prev *p,
		    const struct monitor_result *r, const char *now, struct monitor_next *next)
{
	memset(next, 0, sizeof(*next));
	next->t = MONITOR_SAME;
	next->firing = p->firing;
	next->bad_runs = p->bad_runs;
	snprintf(next->since, sizeof(next->since), "%s", p->since);
	switch (r->state) {
	case MONITOR_UNKNOWN:
		break;
	case MONITOR_FIRING:
		if (next->bad_runs == 0)
			snprintf(next->since, sizeof(next->since), "%s", now);
		/* counted up to `for` only: a steady alert writes nothing more */
		if (next->bad_runs < c->for_runs)
			next->bad_runs++;
		if (!p->firing && next->bad_runs >= c->for_runs) {
			next->t = MONITOR_FIRED;
			next->firing = 1;
		}
		break;
	case MONITOR_OK:
		next->bad_runs = 0;
		next->since[0] = '\0';
		if (p->firing) {
			next->t = MONITOR_RESOLVED;
			next->firing = 0;
		}
		break;
	}
}

/* A number for the event's data: null for none, whole numbers as integers. */
static json_t *number(double v, double scale)
{
	if (!isfinite(v))
		return json_null();
	if (scale > 0)
		v = round(v * scale) / scale;
	if (v == floor(v) && fabs(v) < 9007199254740992.0)
		return json_integer((json_int_t)v);
	return json_real(v);
}

json_t *monitor_event(struct event_ctx *ec, const struct monitor_check *c,
		      const struct monitor_result *r, const struct monitor_prev *p,
		      const struct monitor_next *next)
{
	int fired = next->t == MONITOR_FIRED;
	const char *type = fired ? "alert.fired" : "alert.resolved";
	const char *since = fired ? next->since : event_attr(p->last, "time");
	const char *last_id = event_attr(p->last, "id");
	double scale = c->kind == MONITOR_TLS || c->kind == MONITOR_DISK ? 1000 : 0;
	json_t *data, *threshold;
	struct buf seed = BUF_INIT;

	if (c->kind == MONITOR_HTTP)
		threshold = c->status ? json_integer(c->status) : json_null();
	else
		threshold = number(c->threshold, 0);
	/* "o" takes the references, also when packing fails */
	data = json_pack("{s:s, s:s, s:s, s:s*, s:o, s:o, s:s, s:s?}", "rule", c->name,
			 "target", c->target, "kind", monitor_kind_name(c->kind),
			 "query", c->query, "value", number(r->value, scale),
			 "threshold", threshold, "message", r->message,
			 "since", since && *since ? since : NULL);
	if (!data)
		goto oom;
	/* in deterministic mode the id hangs on the name and the alert before */
	if (buf_addstr(&seed, type) < 0 || buf_addch(&seed, '\0') < 0 ||
	    buf_addstr(&seed, c->name) < 0 || buf_addch(&seed, '\0') < 0 ||
	    buf_addstr(&seed, last_id ? last_id : "") < 0)
		goto oom;
	event_ctx_seed(ec, seed.p, seed.len);
	buf_release(&seed);
	return event_new(ec, type, c->name, data, fired ? NULL : p->last);
oom:
	json_decref(data);
	buf_release(&seed);
	ak_error(AK_EXIT_SOFTWARE, "out of memory");
	return NULL;
}

char *monitor_event_dump(const json_t *ev, size_t *len)
{
	char *s = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));

	if (!s) {
		ak_error(AK_EXIT_SOFTWARE, "cannot serialise an event");
		return NULL;
	}
	if (len)
		*len = strlen(s);
	return s;
}

int monitor_state_save(struct store *s, const char *name, const struct monitor_prev *p,
		       const struct monitor_next *next, const char *line, size_t len)
{
	uint64_t inserted;
	json_t *doc;
	char *raw;
	int rc;

	if (line && store_append_lines(s, line, len, &inserted) < 0)
		return -1;
	if (next->bad_runs == p->bad_runs && !strcmp(next->since, p->since))
		return 0;
	if (!next->bad_runs)
		return store_join_clear(s, MONITOR_AGENT, name);
	doc = json_pack("{s:i, s:s}", "bad_runs", next->bad_runs, "since", next->since);
	raw = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(doc);
	if (!raw)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	rc = store_join_put(s, MONITOR_AGENT, name, PENDING_TYPE, raw, strlen(raw));
	free(raw);
	return rc;
}
