/*
 * canary.c - read and check the configuration of a rollout.
 *
 * Defaults are the system design's: steps of 10, 50 and 100 percent, a
 * window of 10 minutes per step, and a roll back on an error rate over
 * 1%, a p95 latency over 1000 ms, memory over 90% or a failing health
 * check. Measurements are taken every tenth of the window unless an
 * interval is given.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "error.h"
#include "rollout/canary.h"
#include "yamljson.h"
#include "banned.h"

#define MAX_CONFIG ((size_t)1 << 20)

struct ctx {
	const char *name;     /* for messages */
	const char *where;    /* the section being read: "", "router.", ... */
};

static int bad(const struct ctx *x, const char *key, const char *why)
{
	return ak_error(AK_EXIT_DATAERR, "%s: %s%s: %s", x->name, x->where, key, why);
}

/* Every key of obj must be in the NULL-terminated list known. */
static int known_keys(const struct ctx *x, const json_t *obj, const char *const *known)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)obj, key, v) {
		size_t i;

		for (i = 0; known[i] && strcmp(known[i], key); i++)
			;
		if (!known[i])
			return bad(x, key, "unknown key");
	}
	return 0;
}

static int get_str(const struct ctx *x, const json_t *obj, const char *key, const char **out)
{
	json_t *v = json_object_get(obj, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v) || !*json_string_value(v))
		return bad(x, key, "must be a non-empty string");
	*out = json_string_value(v);
	return 0;
}

static int get_num(const struct ctx *x, const json_t *obj, const char *key, double lo,
		   double hi, double *out)
{
	json_t *v = json_object_get(obj, key);
	char why[96];

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_number(v) || !isfinite(json_number_value(v)) ||
	    json_number_value(v) < lo || json_number_value(v) > hi) {
		snprintf(why, sizeof(why), "must be a number from %g to %g", lo, hi);
		return bad(x, key, why);
	}
	*out = json_number_value(v);
	return 0;
}

static int get_int(const struct ctx *x, const json_t *obj, const char *key, int lo, int hi,
		   int *out)
{
	json_t *v = json_object_get(obj, key);
	char why[96];

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
		snprintf(why, sizeof(why), "must be a whole number from %d to %d", lo, hi);
		return bad(x, key, why);
	}
	*out = (int)json_integer_value(v);
	return 0;
}

/* "10m", "30s", "500ms", or a number of seconds. */
static int get_duration(const struct ctx *x, const json_t *obj, const char *key,
			int64_t *out)
{
	json_t *v = json_object_get(obj, key);
	char text[64];

	if (!v || json_is_null(v))
		return 0;
	if (duration_text(v, text, sizeof(text)) < 0)
		return bad(x, key, "must be a duration such as 30s or 10m");
	if (duration_parse(text, out) < 0 || *out <= 0)
		return bad(x, key, "must be a duration such as 30s or 10m, more than 0");
	return 0;
}

static int get_obj(const struct ctx *x, const json_t *obj, const char *key, json_t **out)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return bad(x, key, "must be a mapping");
	*out = v;
	return 0;
}

static int read_steps(const struct ctx *x, const json_t *doc, struct canary *c)
{
	json_t *steps = json_object_get(doc, "steps"), *v;
	size_t i;

	if (!steps || json_is_null(steps))
		return 0;
	if (!json_is_array(steps) || !json_array_size(steps) ||
	    json_array_size(steps) > CANARY_MAX_STEPS)
		return bad(x, "steps", "must be a list of 1 to 16 weights");
	json_array_foreach(steps, i, v) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 100)
			return bad(x, "steps", "each weight must be a whole number from 1 to 100");
		c->steps[i] = (int)json_integer_value(v);
		if (i && c->steps[i] <= c->steps[i - 1])
			return bad(x, "steps", "weights must rise from step to step");
	}
	c->nsteps = (int)json_array_size(steps);
	if (c->steps[c->nsteps - 1] != 100)
		return bad(x, "steps", "the last step must send all the traffic (100)");
	return 0;
}

static int read_router(const struct ctx *top, const json_t *doc, struct canary *c)
{
	static const char *const known[] = {
		"type", "file", "upstream", "stable", "canary", "nginx", "socket", "backend",
		"command", "timeout", NULL
	};
	struct ctx x = { top->name, "router." };
	struct router_conf *r = &c->router;
	const char *type = NULL;
	json_t *obj;
	int64_t timeout = 0;

	if (get_obj(top, doc, "router", &obj) < 0)
		return -1;
	if (!obj)
		return bad(top, "router", "is required (type nginx, haproxy or cmd)");
	if (known_keys(&x, obj, known) < 0 || get_str(&x, obj, "type", &type) < 0)
		return -1;
	if (!type)
		return bad(&x, "type", "is required: nginx, haproxy or cmd");
	if (router_kind_parse(type, &r->kind) < 0)
		return bad(&x, "type", "must be nginx, haproxy or cmd");
	if (get_str(&x, obj, "file", &r->file) < 0 ||
	    get_str(&x, obj, "upstream", &r->upstream) < 0 ||
	    get_str(&x, obj, "stable", &r->stable) < 0 ||
	    get_str(&x, obj, "canary", &r->canary) < 0 ||
	    get_str(&x, obj, "nginx", &r->nginx) < 0 ||
	    get_str(&x, obj, "socket", &r->socket) < 0 ||
	    get_str(&x, obj, "backend", &r->backend) < 0 ||
	    get_str(&x, obj, "command", &r->command) < 0 ||
	    get_duration(&x, obj, "timeout", &timeout) < 0)
		return -1;
	r->timeout_ms = (long)timeout;
	return 0;
}

static int read_prometheus(const struct ctx *top, const json_t *obj, struct canary *c)
{
	static const char *const known[] = {
		"url", "error_rate", "p95", "memory", "requests", NULL
	};
	struct ctx x = { top->name, "metrics.prometheus." };
	struct analysis_conf *a = &c->analysis;

	if (known_keys(&x, obj, known) < 0 ||
	    get_str(&x, obj, "url", &a->prom_url) < 0 ||
	    get_str(&x, obj, "error_rate", &a->q_error_rate) < 0 ||
	    get_str(&x, obj, "p95", &a->q_p95) < 0 ||
	    get_str(&x, obj, "memory", &a->q_memory) < 0 ||
	    get_str(&x, obj, "requests", &a->q_requests) < 0)
		return -1;
	if (!a->prom_url)
		return bad(&x, "url", "is required");
	return 0;
}

static int read_metrics(const struct ctx *top, const json_t *doc, struct canary *c)
{
	static const char *const known[] = {
		"health", "stable_health", "prometheus", "access_log", "probe", "process",
		"timeout", NULL
	};
	static const char *const log_keys[] = { "path", "canary", NULL };
	static const char *const probe_keys[] = { "url", "requests", NULL };
	static const char *const proc_keys[] = { "pid", "pidfile", "limit_mb", NULL };
	struct ctx x = { top->name, "metrics." };
	struct analysis_conf *a = &c->analysis;
	json_t *metrics, *obj;
	int64_t timeout = 0;

	if (get_obj(top, doc, "metrics", &metrics) < 0)
		return -1;
	if (!metrics)
		return bad(top, "metrics", "is required: say what to measure");
	if (known_keys(&x, metrics, known) < 0 ||
	    get_str(&x, metrics, "health", &a->health_url) < 0 ||
	    get_str(&x, metrics, "stable_health", &c->stable_health) < 0 ||
	    get_duration(&x, metrics, "timeout", &timeout) < 0)
		return -1;
	if (timeout)
		a->timeout_ms = (long)timeout;
	if (get_obj(&x, metrics, "prometheus", &obj) < 0 || (obj && read_prometheus(&x, obj, c) < 0))
		return -1;
	if (get_obj(&x, metrics, "access_log", &obj) < 0)
		return -1;
	if (obj) {
		struct ctx y = { top->name, "metrics.access_log." };

		if (known_keys(&y, obj, log_keys) < 0 ||
		    get_str(&y, obj, "path", &a->access_log) < 0 ||
		    get_str(&y, obj, "canary", &a->canary_addr) < 0)
			return -1;
		if (!a->access_log || !a->canary_addr)
			return bad(&x, "access_log", "needs a path and the canary's address");
	}
	if (get_obj(&x, metrics, "probe", &obj) < 0)
		return -1;
	if (obj) {
		struct ctx y = { top->name, "metrics.probe." };

		if (known_keys(&y, obj, probe_keys) < 0 ||
		    get_str(&y, obj, "url", &a->probe_url) < 0 ||
		    get_int(&y, obj, "requests", 1, 10000, &a->probe_requests) < 0)
			return -1;
		if (!a->probe_url)
			return bad(&y, "url", "is required");
	}
	if (get_obj(&x, metrics, "process", &obj) < 0)
		return -1;
	if (obj) {
		struct ctx y = { top->name, "metrics.process." };
		int pid = 0;

		if (known_keys(&y, obj, proc_keys) < 0 ||
		    get_int(&y, obj, "pid", 1, 1 << 30, &pid) < 0 ||
		    get_str(&y, obj, "pidfile", &a->pidfile) < 0 ||
		    get_num(&y, obj, "limit_mb", 0, 1e9, &a->mem_limit_mb) < 0)
			return -1;
		a->pid = pid;
		if (!pid && !a->pidfile)
			return bad(&x, "process", "needs a pid or a pidfile");
	}
	return 0;
}

static int read_thresholds(const struct ctx *top, const json_t *doc, struct canary *c)
{
	static const char *const known[] = {
		"error_rate", "p95_ms", "mem_pct", "min_requests", NULL
	};
	struct ctx x = { top->name, "thresholds." };
	struct analysis_conf *a = &c->analysis;
	double min_requests = (double)a->min_requests;
	json_t *obj;

	if (get_obj(top, doc, "thresholds", &obj) < 0)
		return -1;
	if (!obj)
		return 0;
	if (known_keys(&x, obj, known) < 0 ||
	    get_num(&x, obj, "error_rate", 0, 1, &a->max_error_rate) < 0 ||
	    get_num(&x, obj, "p95_ms", 0, 86400000, &a->max_p95_ms) < 0 ||
	    get_num(&x, obj, "mem_pct", 0, 100, &a->max_mem_pct) < 0 ||
	    get_num(&x, obj, "min_requests", 0, 1e9, &min_requests) < 0)
		return -1;
	a->min_requests = (long)min_requests;
	return 0;
}

int canary_from_json(json_t *doc, const char *name, struct canary *c)
{
	static const char *const known[] = {
		"name", "subject", "version", "steps", "window", "interval", "failure_limit",
		"error_limit", "inconclusive_limit", "thresholds", "router", "metrics", NULL
	};
	static const struct analysis_conf analysis_init = ANALYSIS_CONF_INIT;
	struct ctx x = { name ? name : "rollout configuration", "" };

	memset(c, 0, sizeof(*c));
	if (!json_is_object(doc))
		return ak_error(AK_EXIT_DATAERR, "%s: must be a mapping", x.name);
	c->analysis = analysis_init;
	c->steps[0] = 10;
	c->steps[1] = 50;
	c->steps[2] = 100;
	c->nsteps = 3;
	c->window_ms = 10 * 60 * 1000;
	c->error_limit = 4;
	c->inconclusive_limit = -1;
	if (known_keys(&x, doc, known) < 0 ||
	    get_str(&x, doc, "name", &c->name) < 0 ||
	    get_str(&x, doc, "subject", &c->subject) < 0 ||
	    get_str(&x, doc, "version", &c->version) < 0 ||
	    read_steps(&x, doc, c) < 0 ||
	    get_duration(&x, doc, "window", &c->window_ms) < 0 ||
	    get_duration(&x, doc, "interval", &c->interval_ms) < 0 ||
	    get_int(&x, doc, "failure_limit", 0, 1000, &c->failure_limit) < 0 ||
	    get_int(&x, doc, "error_limit", 0, 1000, &c->error_limit) < 0 ||
	    get_int(&x, doc, "inconclusive_limit", 0, 1000, &c->inconclusive_limit) < 0 ||
	    read_thresholds(&x, doc, c) < 0 ||
	    read_router(&x, doc, c) < 0 ||
	    read_metrics(&x, doc, c) < 0)
		goto fail;
	if (!c->interval_ms)
		c->interval_ms = c->window_ms / 10 > 1000 ? c->window_ms / 10 : 1000;
	if (c->interval_ms > c->window_ms)
		c->interval_ms = c->window_ms;
	if (c->inconclusive_limit < 0)
		c->inconclusive_limit = canary_measurements(c) / 2;
	c->doc = json_incref(doc);
	return 0;
fail:
	memset(c, 0, sizeof(*c));
	return -1;
}

json_t *canary_read(const char *path)
{
	struct buf b;
	json_t *doc;

	buf_init(&b, MAX_CONFIG);
	if (buf_read_file(&b, path) < 0) {
		buf_release(&b);
		return NULL;
	}
	doc = yaml_parse(b.p ? b.p : "", b.len, path);
	buf_release(&b);
	if (doc && !json_is_object(doc)) {
		json_decref(doc);
		ak_error(AK_EXIT_DATAERR, "%s: must be a mapping", path);
		return NULL;
	}
	return doc;
}

int canary_load(const char *path, struct canary *c)
{
	json_t *doc = canary_read(path);
	int rc;

	memset(c, 0, sizeof(*c));
	if (!doc)
		return -1;
	rc = canary_from_json(doc, path, c);
	json_decref(doc);
	return rc;
}

void canary_release(struct canary *c)
{
	json_decref(c->doc);
	memset(c, 0, sizeof(*c));
}

int canary_measurements(const struct canary *c)
{
	int64_t n = c->interval_ms > 0 ? c->window_ms / c->interval_ms : 1;

	return n < 1 ? 1 : n > 100000 ? 100000 : (int)n;
}
