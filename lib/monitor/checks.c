/*
 * monitor/checks.c - read agent-monitor's check file (see checks.h).
 *
 * The YAML is read by lib/yamljson.c into a JSON value, then walked here:
 * each check must name exactly one kind (http, prometheus, tls, disk) and
 * may only use the keys of that kind, so that a misspelt "contians" is an
 * error and not a check that quietly tests less than its author meant.
 * Messages name the place as a path into the document, checks[2].foo,
 * counting from 0 as jq does.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "error.h"
#include "monitor/checks.h"
#include "yamljson.h"
#include "banned.h"

#define DEFAULT_TIMEOUT_MS 5000

struct where {
	const char *file;
	char path[48];          /* "checks[2]" or "defaults" */
};

static int bad(const struct where *w, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int bad(const struct where *w, const char *key, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (key)
		return ak_error(AK_EXIT_DATAERR, "%s: %s.%s: %s", w->file, w->path, key, why);
	return ak_error(AK_EXIT_DATAERR, "%s: %s: %s", w->file, w->path, why);
}

const char *monitor_kind_name(enum monitor_kind kind)
{
	switch (kind) {
	case MONITOR_HTTP: return "http";
	case MONITOR_PROMETHEUS: return "prometheus";
	case MONITOR_TLS: return "tls";
	case MONITOR_DISK: return "disk";
	}
	return "?";
}

static int in_list(const char *key, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(*list, key))
			return 1;
	return 0;
}

static int get_str(const struct where *w, const json_t *obj, const char *key, const char **out)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		return 0;
	if (!json_is_string(v) || !json_string_length(v))
		return bad(w, key, "must be a non-empty string");
	if (strlen(json_string_value(v)) != json_string_length(v))
		return bad(w, key, "must not hold a NUL character");
	*out = json_string_value(v);
	return 0;
}

static int get_num(const struct where *w, const json_t *obj, const char *key, double lo,
		   double hi, double *out)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		return 0;
	if (!json_is_number(v) || !isfinite(json_number_value(v)) ||
	    json_number_value(v) < lo || json_number_value(v) > hi)
		return bad(w, key, "must be a number from %g to %g", lo, hi);
	*out = json_number_value(v);
	return 0;
}

static int get_int(const struct where *w, const json_t *obj, const char *key, int lo, int hi,
		   int *out)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
		return bad(w, key, "must be a whole number from %d to %d", lo, hi);
	*out = (int)json_integer_value(v);
	return 0;
}

/* "5s", "500ms", or a number of seconds; more than 0, at most an hour. */
static int get_duration(const struct where *w, const json_t *obj, const char *key,
			int64_t *out)
{
	json_t *v = json_object_get(obj, key);
	char text[64];
	int64_t ms;

	if (!v)
		return 0;
	if (duration_text(v, text, sizeof(text)) < 0)
		return bad(w, key, "must be a duration such as 5s or 500ms");
	if (duration_parse(text, &ms) < 0 || ms <= 0 || ms > 3600 * 1000)
		return bad(w, key, "must be a duration from 1ms to 1h, such as 5s");
	*out = ms;
	return 0;
}

static int name_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > MONITOR_NAME_MAX)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '.' || *s == '_' || *s == '-'))
			return 0;
	return 1;
}

static int url_ok(const char *s)
{
	return (!strncmp(s, "http://", 7) && s[7]) || (!strncmp(s, "https://", 8) && s[8]);
}

/* "host:port", "[v6]:port", or "host" (port 443). */
static int hostport_ok(const char *s)
{
	const char *colon, *p;
	long port;
	char *end;

	if (*s == '[') {
		const char *close = strchr(s, ']');

		if (!close || close == s + 1)
			return 0;
		if (!close[1])
			return 1;
		if (close[1] != ':')
			return 0;
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return strcspn(s, " /") == strlen(s);
		if (colon == s || memchr(s, ':', (size_t)(colon - s)))
			return 0;
		for (p = s; p < colon; p++)
			if (*p == ' ' || *p == '/')
				return 0;
	}
	if (!colon[1] || colon[1] == '-' || colon[1] == '+')
		return 0;
	port = strtol(colon + 1, &end, 10);
	return !*end && port >= 1 && port <= 65535;
}

static const char *const common_keys[] = { "name", "timeout", "for", NULL };
static const char *const kind_keys[4][5] = {
	[MONITOR_HTTP] = { "http", "status", "contains", NULL },
	[MONITOR_PROMETHEUS] = { "prometheus", "query", "above", "below", NULL },
	[MONITOR_TLS] = { "tls", "servername", "days", NULL },
	[MONITOR_DISK] = { "disk", "free_pct", "free_mb", NULL },
};

/* Which kind obj is: exactly one of the kind keys. */
static int find_kind(const struct where *w, const json_t *obj, enum monitor_kind *kind)
{
	int found = -1;

	for (int k = 0; k < 4; k++) {
		if (!json_object_get(obj, kind_keys[k][0]))
			continue;
		if (found >= 0)
			return bad(w, NULL, "has both %s and %s: one kind per check",
				   kind_keys[found][0], kind_keys[k][0]);
		found = k;
	}
	if (found < 0)
		return bad(w, NULL, "needs one of http, prometheus, tls or disk");
	*kind = (enum monitor_kind)found;
	return 0;
}

/* Every key of obj is a common key or one of its kind's. */
static int check_keys(const struct where *w, const json_t *obj, enum monitor_kind kind)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)obj, key, v) {
		if (in_list(key, common_keys) || in_list(key, kind_keys[kind]))
			continue;
		for (int k = 0; k < 4; k++)
			if (in_list(key, kind_keys[k]))
				return bad(w, key, "is not a key of %s checks",
					   monitor_kind_name(kind));
		return bad(w, key, "unknown key");
	}
	return 0;
}

static int read_kind(const struct where *w, const json_t *obj, struct monitor_check *c)
{
	double above = NAN, below = NAN, pct = NAN, mb = NAN;

	switch (c->kind) {
	case MONITOR_HTTP:
		if (!url_ok(c->target))
			return bad(w, "http", "must be an http:// or https:// URL");
		return get_int(w, obj, "status", 100, 599, &c->status) < 0 ||
		       get_str(w, obj, "contains", &c->contains) < 0 ? -1 : 0;
	case MONITOR_PROMETHEUS:
		if (!url_ok(c->target))
			return bad(w, "prometheus", "must be an http:// or https:// URL");
		if (get_str(w, obj, "query", &c->query) < 0 ||
		    get_num(w, obj, "above", -1e300, 1e300, &above) < 0 ||
		    get_num(w, obj, "below", -1e300, 1e300, &below) < 0)
			return -1;
		if (!c->query)
			return bad(w, "query", "is required for a prometheus check");
		if (isnan(above) == isnan(below))
			return bad(w, NULL, "needs one of above or below");
		c->below = !isnan(below);
		c->threshold = c->below ? below : above;
		return 0;
	case MONITOR_TLS:
		if (!hostport_ok(c->target))
			return bad(w, "tls", "must be host:port, such as example.com:443");
		c->threshold = 14;
		return get_str(w, obj, "servername", &c->servername) < 0 ||
		       get_num(w, obj, "days", 0, 36500, &c->threshold) < 0 ? -1 : 0;
	case MONITOR_DISK:
		if (get_num(w, obj, "free_pct", 0, 100, &pct) < 0 ||
		    get_num(w, obj, "free_mb", 0, 1e12, &mb) < 0)
			return -1;
		if (isnan(pct) == isnan(mb))
			return bad(w, NULL, "needs one of free_pct or free_mb");
		c->free_mb = !isnan(mb);
		c->threshold = c->free_mb ? mb : pct;
		return 0;
	}
	return -1;
}

static int read_check(const char *file, size_t i, const json_t *obj,
		      const struct monitor_check *def, struct monitor_check *c)
{
	struct where w = { file, "" };

	snprintf(w.path, sizeof(w.path), "checks[%zu]", i);
	if (!json_is_object(obj))
		return bad(&w, NULL, "must be a mapping");
	*c = *def;
	if (find_kind(&w, obj, &c->kind) < 0 || check_keys(&w, obj, c->kind) < 0 ||
	    get_str(&w, obj, "name", &c->name) < 0 ||
	    get_str(&w, obj, kind_keys[c->kind][0], &c->target) < 0 ||
	    get_duration(&w, obj, "timeout", &c->timeout_ms) < 0 ||
	    get_int(&w, obj, "for", 1, MONITOR_MAX_FOR, &c->for_runs) < 0)
		return -1;
	if (!c->name)
		return bad(&w, "name", "is required");
	if (!name_ok(c->name))
		return bad(&w, "name", "'%.80s' must be 1 to %d of a-z, 0-9, '.', '_' and '-'",
			   c->name, MONITOR_NAME_MAX);
	return read_kind(&w, obj, c);
}

static int read_defaults(const char *file, const json_t *doc, struct monitor_check *def)
{
	static const char *const known[] = { "timeout", "for", NULL };
	struct where w = { file, "defaults" };
	json_t *obj = json_object_get(doc, "defaults"), *v;
	const char *key;

	if (!obj || json_is_null(obj))
		return 0;
	if (!json_is_object(obj))
		return bad(&w, NULL, "must be a mapping");
	json_object_foreach(obj, key, v)
		if (!in_list(key, known))
			return bad(&w, key, "unknown key");
	return get_duration(&w, obj, "timeout", &def->timeout_ms) < 0 ||
	       get_int(&w, obj, "for", 1, MONITOR_MAX_FOR, &def->for_runs) < 0 ? -1 : 0;
}

static int from_doc(json_t *doc, const char *file, struct monitor_checks *out)
{
	static const char *const known[] = { "checks", "defaults", NULL };
	struct monitor_check def = { .timeout_ms = DEFAULT_TIMEOUT_MS, .for_runs = 1 };
	struct where top = { file, "" };
	json_t *list, *v;
	const char *key;
	size_t i;

	if (!json_is_object(doc))
		return ak_error(AK_EXIT_DATAERR, "%s: must be a mapping with a list of checks",
				file);
	json_object_foreach(doc, key, v)
		if (!in_list(key, known))
			return ak_error(AK_EXIT_DATAERR, "%s: %s: unknown key", file, key);
	if (read_defaults(file, doc, &def) < 0)
		return -1;
	list = json_object_get(doc, "checks");
	snprintf(top.path, sizeof(top.path), "checks");
	if (!list)
		return ak_error(AK_EXIT_DATAERR, "%s: checks: is required", file);
	if (!json_is_array(list) || !json_array_size(list))
		return bad(&top, NULL, "must be a list of checks");
	if (json_array_size(list) > MONITOR_MAX_CHECKS)
		return bad(&top, NULL, "more than %d checks", MONITOR_MAX_CHECKS);
	out->v = calloc(json_array_size(list), sizeof(*out->v));
	if (!out->v)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	json_array_foreach(list, i, v) {
		struct monitor_check *c = &out->v[i];

		if (read_check(file, i, v, &def, c) < 0)
			return -1;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(out->v[j].name, c->name))
				return ak_error(AK_EXIT_DATAERR,
						"%s: checks[%zu].name: '%s' is the name of "
						"checks[%zu] too", file, i, c->name, j);
		out->n = i + 1;
	}
	return 0;
}

int monitor_checks_parse(const char *text, size_t len, const char *name,
			 struct monitor_checks *out)
{
	json_t *doc;

	memset(out, 0, sizeof(*out));
	if (!name)
		name = "checks";
	if (!(doc = yaml_parse(text, len, name)))
		return -1;
	out->doc = doc;
	if (from_doc(doc, name, out) < 0) {
		monitor_checks_release(out);
		return -1;
	}
	return 0;
}

int monitor_checks_load(const char *path, struct monitor_checks *out)
{
	struct buf b;
	int rc;

	memset(out, 0, sizeof(*out));
	buf_init(&b, MONITOR_MAX_FILE);
	if (buf_read_file(&b, path) < 0) {
		buf_release(&b);
		return -1;
	}
	rc = monitor_checks_parse(b.p ? b.p : "", b.len, path, out);
	buf_release(&b);
	return rc;
}

const struct monitor_check *monitor_checks_find(const struct monitor_checks *list,
						const char *name)
{
	for (size_t i = 0; i < list->n; i++)
		if (!strcmp(list->v[i].name, name))
			return &list->v[i];
	return NULL;
}

void monitor_checks_release(struct monitor_checks *out)
{
	json_decref(out->doc);
	free(out->v);
	memset(out, 0, sizeof(*out));
}
