/*
 * model.c - events in, the report's model out: one summary per feature, as
 * model.h describes it.
 *
 * Each event is read once, in the order given, and folded into its
 * feature: a timeline row for every event, and for the types the page has
 * a part for, that part (the latest requirement.analyzed, feature.tested,
 * feature.integrated and feature.security_checked win; findings, rollout
 * rows and deploys add up). Only fields of the expected JSON type are
 * copied, so the document has the same shape whatever the events hold.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "event.h"
#include "report/model.h"
#include "banned.h"

struct report_model {
	json_t *features;        /* array of FEATURE objects, first seen first */
	json_t *by_subject;      /* subject -> the same objects (borrowed) */
	int64_t newest_ms;       /* INT64_MIN: no event had a time */
	json_int_t unattributed, rejected, failed;
};

static int oom(void)
{
	return ak_error(AK_EXIT_SOFTWARE, "out of memory");
}

struct report_model *report_model_new(void)
{
	struct report_model *m = calloc(1, sizeof(*m));

	if (!m || !(m->features = json_array()) || !(m->by_subject = json_object())) {
		report_model_free(m);
		oom();
		return NULL;
	}
	m->newest_ms = INT64_MIN;
	return m;
}

void report_model_free(struct report_model *m)
{
	if (!m)
		return;
	json_decref(m->features);
	json_decref(m->by_subject);
	free(m);
}

int report_model_has(const struct report_model *m, const char *subject)
{
	return json_object_get(m->by_subject, subject) != NULL;
}

void report_clip(const char *s, char *out, size_t size)
{
	size_t n = strlen(s);

	if (n < size) {
		memcpy(out, s, n + 1);
		return;
	}
	n = size - 4;
	/* back up to the first byte of a character */
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	memcpy(out, s, n);
	memcpy(out + n, "...", 4);
}

/* ---- reading fields ----------------------------------------------------- */

/* A text field as a new JSON string (clipped), or null. */
static json_t *text(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	char buf[REPORT_MAX_TEXT];

	if (!json_is_string(v))
		return json_null();
	report_clip(json_string_value(v), buf, sizeof(buf));
	return json_string(buf);
}

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* A number field as a new JSON number (integer or real), or null. */
static json_t *num(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	if (json_is_integer(v))
		return json_integer(json_integer_value(v));
	if (json_is_real(v))
		return json_real(json_real_value(v));
	return json_null();
}

/* The size of an array field, or null when it is not an array. */
static json_t *count(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_array(v) ? json_integer((json_int_t)json_array_size(v)) : json_null();
}

/* Set key of o to v (stolen); -1 when out of memory. */
static int put(json_t *o, const char *key, json_t *v)
{
	return v && json_object_set_new(o, key, v) == 0 ? 0 : -1;
}

/* Append v (stolen) to the array key of feature f, unless full. */
static int add_row(json_t *f, const char *key, json_t *v)
{
	json_t *a = json_object_get(f, key);

	if (!v)
		return -1;
	if (json_array_size(a) >= REPORT_MAX_ROWS) {
		json_decref(v);
		return put(f, "omitted", json_integer(json_integer_value(json_object_get(f, "omitted")) + 1));
	}
	return json_array_append_new(a, v);
}

/* ---- the parts ---------------------------------------------------------- */

static json_t *story(const json_t *s)
{
	json_t *o = json_object(), *acc = json_array();
	const json_t *a = json_object_get(s, "acceptance"), *c;
	size_t i;

	if (!o || !acc || put(o, "id", text(s, "id")) || put(o, "role", text(s, "role")) ||
	    put(o, "goal", text(s, "goal")) || put(o, "benefit", text(s, "benefit")) ||
	    put(o, "priority", text(s, "priority")))
		goto fail;
	json_array_foreach(a, i, c) {
		json_t *x;

		if (i >= REPORT_MAX_ROWS || !json_is_object(c))
			continue;
		x = json_object();
		if (!x || put(x, "given", text(c, "given")) || put(x, "when", text(c, "when")) ||
		    put(x, "then", text(c, "then")) || json_array_append_new(acc, x)) {
			json_decref(x);
			goto fail;
		}
	}
	if (put(o, "acceptance", acc) == 0)
		return o;
	acc = NULL;
fail:
	json_decref(acc);
	json_decref(o);
	return NULL;
}

static json_t *requirement(const json_t *d)
{
	json_t *o = json_pack("{s:[],s:[],s:[]}", "stories", "nfrs", "questions");
	const json_t *v;
	size_t i;

	if (!o)
		return NULL;
	json_array_foreach(json_object_get(d, "stories"), i, v) {
		if (i < REPORT_MAX_ROWS && json_is_object(v) &&
		    json_array_append_new(json_object_get(o, "stories"), story(v)))
			goto fail;
	}
	json_array_foreach(json_object_get(d, "nfrs"), i, v) {
		json_t *x;

		if (i >= REPORT_MAX_ROWS || !json_is_object(v))
			continue;
		x = json_object();
		if (!x || put(x, "id", text(v, "id")) || put(x, "category", text(v, "category")) ||
		    put(x, "text", text(v, "text")) ||
		    json_array_append_new(json_object_get(o, "nfrs"), x)) {
			json_decref(x);
			goto fail;
		}
	}
	/* a question is a text, or an object with one */
	json_array_foreach(json_object_get(d, "questions"), i, v) {
		json_t *q;

		if (i >= REPORT_MAX_ROWS)
			continue;
		if (json_is_string(v)) {
			char buf[REPORT_MAX_TEXT];

			report_clip(json_string_value(v), buf, sizeof(buf));
			q = json_string(buf);
		} else if (json_is_string(json_object_get(v, "text")))
			q = text(v, "text");
		else
			continue;
		if (json_array_append_new(json_object_get(o, "questions"), q))
			goto fail;
	}
	return o;
fail:
	json_decref(o);
	return NULL;
}

static json_t *tests(const json_t *d)
{
	const json_t *t = json_object_get(d, "tests"), *c = json_object_get(d, "coverage"), *v;
	json_t *o = json_object(), *fails = json_array();
	size_t i;

	if (!o || !fails || put(o, "status", text(d, "status")) || put(o, "passed", num(t, "passed")) ||
	    put(o, "failed", num(t, "failed")) || put(o, "skipped", num(t, "skipped")) ||
	    put(o, "errors", num(t, "errors")) || put(o, "duration_ms", num(t, "duration_ms")) ||
	    put(o, "lines_pct", num(c, "lines_pct")) || put(o, "branches_pct", num(c, "branches_pct")))
		goto fail;
	json_array_foreach(json_object_get(d, "failures"), i, v) {
		json_t *x;

		if (i >= REPORT_MAX_ROWS || !json_is_object(v))
			continue;
		x = json_object();
		if (!x || put(x, "name", text(v, "name")) || put(x, "message", text(v, "message")) ||
		    put(x, "file", text(v, "file")) || put(x, "line", num(v, "line")) ||
		    json_array_append_new(fails, x)) {
			json_decref(x);
			goto fail;
		}
	}
	if (put(o, "failures", fails) == 0)
		return o;
	fails = NULL;
fail:
	json_decref(fails);
	json_decref(o);
	return NULL;
}

static json_t *integration(const json_t *d)
{
	const json_t *e2e = json_object_get(d, "e2e");
	json_t *o = json_object();

	if (!o || put(o, "status", text(d, "status")) ||
	    put(o, "mismatches", count(json_object_get(d, "contract"), "mismatches")) ||
	    put(o, "e2e_passed", num(e2e, "passed")) || put(o, "e2e_failed", num(e2e, "failed"))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* "path:line" of a finding's first location, or null. */
static json_t *location(const json_t *f)
{
	const json_t *l = json_array_get(json_object_get(f, "locations"), 0);
	const char *path = str(l, "path");
	const json_t *line = json_object_get(l, "line");
	char buf[REPORT_MAX_TEXT + 32], clipped[REPORT_MAX_TEXT];

	if (!path)
		return json_null();
	report_clip(path, clipped, sizeof(clipped));
	if (json_is_integer(line))
		snprintf(buf, sizeof(buf), "%s:%" JSON_INTEGER_FORMAT, clipped, json_integer_value(line));
	else
		snprintf(buf, sizeof(buf), "%s", clipped);
	return json_string(buf);
}

static json_t *finding(const json_t *f)
{
	json_t *o = json_object();

	if (!o || put(o, "rule", text(f, "rule")) || put(o, "severity", text(f, "severity")) ||
	    put(o, "location", location(f)) || put(o, "message", text(f, "message"))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static const char *const severities[] = { "critical", "high", "medium", "low" };

/* The feature's security part, made when first needed. */
static json_t *security_part(json_t *f)
{
	json_t *s = json_object_get(f, "security");

	if (json_is_object(s))
		return s;
	s = json_pack("{s:n,s:n,s:n,s:n,s:n,s:[],s:b}", "status", "critical", "high", "medium",
		      "low", "findings", "counted", 0);
	if (!s || json_object_set_new(f, "security", s))
		return NULL;
	return s;
}

static int security_checked(json_t *f, const json_t *d)
{
	json_t *s = security_part(f), *findings;
	const json_t *c = json_object_get(d, "counts"), *v;
	size_t i;

	if (!s || put(s, "status", text(d, "status")))
		return -1;
	for (i = 0; i < 4; i++)
		if (put(s, severities[i], num(c, severities[i])))
			return -1;
	if (put(s, "counted", json_true()))
		return -1;
	/* the findings come from security.finding events when there are some */
	findings = json_object_get(s, "findings");
	if (json_array_size(findings) && !json_is_true(json_object_get(s, "from_check")))
		return 0;
	if (json_array_clear(findings) || put(s, "from_check", json_true()))
		return -1;
	json_array_foreach(json_object_get(d, "findings"), i, v)
		if (i < REPORT_MAX_ROWS && json_is_object(v) &&
		    json_array_append_new(findings, finding(v)))
			return -1;
	return 0;
}

static int security_finding(json_t *f, const json_t *d)
{
	json_t *s = security_part(f), *findings;

	if (!s)
		return -1;
	findings = json_object_get(s, "findings");
	if (json_is_true(json_object_get(s, "from_check"))) {
		/* events say it better than the check's copy */
		if (json_array_clear(findings) || json_object_del(s, "from_check"))
			return -1;
	}
	if (json_array_size(findings) >= REPORT_MAX_ROWS)
		return put(f, "omitted", json_integer(json_integer_value(json_object_get(f, "omitted")) + 1));
	return json_array_append_new(findings, finding(d));
}

static int rollout(json_t *f, const char *type, const char *time, const json_t *d)
{
	json_t *r = json_object_get(f, "rollout"), *row;
	const json_t *m = json_object_get(d, "measurements"), *th = json_object_get(d, "thresholds");
	const json_t *health = json_object_get(m, "health");

	if (!json_is_object(r)) {
		r = json_pack("{s:n,s:s,s:n,s:[]}", "name", "outcome", "in progress", "thresholds", "rows");
		if (!r || json_object_set_new(f, "rollout", r))
			return -1;
	}
	if (str(d, "name") && put(r, "name", text(d, "name")))
		return -1;
	if (json_is_object(th)) {
		json_t *t = json_object();

		if (!t || put(t, "error_rate", num(th, "error_rate")) || put(t, "p95_ms", num(th, "p95_ms")) ||
		    put(r, "thresholds", t)) {
			json_decref(t);
			return -1;
		}
	}
	if (!strcmp(type, "rollout.promoted") && put(r, "outcome", json_string("promoted")))
		return -1;
	if (!strcmp(type, "rollout.rolled_back") && put(r, "outcome", json_string("rolled back")))
		return -1;
	if (!strcmp(type, "rollout.paused") && put(r, "outcome", json_string("paused")))
		return -1;
	if (!strcmp(type, "rollout.step") && put(r, "outcome", json_string("in progress")))
		return -1;
	row = json_object();
	if (!row || put(row, "time", time ? json_string(time) : json_null()) ||
	    put(row, "type", json_string(type)) || put(row, "step", num(d, "step")) ||
	    put(row, "weight", num(d, "weight")) || put(row, "phase", text(d, "phase")) ||
	    put(row, "verdict", text(d, "verdict")) || put(row, "reason", text(d, "reason")) ||
	    put(row, "error_rate", num(m, "error_rate")) || put(row, "p95_ms", num(m, "p95_ms")) ||
	    put(row, "mem_pct", num(m, "mem_pct")) ||
	    put(row, "health", json_is_string(health) ? text(m, "health") : json_null()) ||
	    put(row, "requests", num(m, "requests"))) {
		json_decref(row);
		return -1;
	}
	return add_row(r, "rows", row);
}

static int deploy(json_t *f, const char *type, const char *time, const json_t *d)
{
	json_t *o = json_object();
	const json_t *art = json_object_get(d, "artifact");

	if (!o || put(o, "type", json_string(type)) ||
	    put(o, "time", time ? json_string(time) : json_null()) ||
	    put(o, "environment", text(d, "environment")) || put(o, "version", text(d, "version")) ||
	    put(o, "sha256", text(json_is_object(art) ? art : d, "sha256")) ||
	    put(o, "approval", text(json_object_get(d, "approval"), "by"))) {
		json_decref(o);
		return -1;
	}
	return add_row(f, "deploys", o);
}

/* ---- the timeline ------------------------------------------------------- */

/* Append ", "-separated pieces to a line of fixed size. */
struct line {
	char s[REPORT_MAX_TEXT];
	size_t len;
};

static void say(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->len >= sizeof(l->s) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(l->s + l->len, sizeof(l->s) - l->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->len += (size_t)n < sizeof(l->s) - l->len ? (size_t)n : sizeof(l->s) - 1 - l->len;
}

/* "name N" for a number field that is there */
static void say_num(struct line *l, const char *label, const json_t *o, const char *key,
		    const char *unit)
{
	const json_t *v = json_object_get(o, key);

	if (json_is_integer(v))
		say(l, "%s%s %" JSON_INTEGER_FORMAT "%s", l->len ? ", " : "", label,
		    json_integer_value(v), unit);
	else if (json_is_real(v))
		say(l, "%s%s %.4g%s", l->len ? ", " : "", label, json_real_value(v), unit);
}

static void say_str(struct line *l, const char *label, const char *s)
{
	if (s)
		say(l, "%s%s%s", l->len ? ", " : "", label, s);
}

static void outcome(struct line *l, const char *type, const json_t *d)
{
	const json_t *t = json_object_get(d, "tests"), *m = json_object_get(d, "measurements");
	const json_t *loc = json_array_get(json_object_get(d, "locations"), 0);

	l->len = 0;
	l->s[0] = 0;
	if (!strcmp(type, "requirement.submitted")) {
		say_str(l, "", str(d, "title"));
	} else if (!strcmp(type, "requirement.analyzed")) {
		say(l, "%zu stories, %zu NFRs, %zu questions",
		    json_array_size(json_object_get(d, "stories")), json_array_size(json_object_get(d, "nfrs")),
		    json_array_size(json_object_get(d, "questions")));
	} else if (!strcmp(type, "feature.tested")) {
		say_str(l, "", str(d, "status"));
		say_num(l, "passed", t, "passed", "");
		say_num(l, "failed", t, "failed", "");
		say_num(l, "skipped", t, "skipped", "");
		say_num(l, "lines", json_object_get(d, "coverage"), "lines_pct", "%");
	} else if (!strcmp(type, "feature.integrated")) {
		say_str(l, "", str(d, "status"));
		if (json_is_array(json_object_get(json_object_get(d, "contract"), "mismatches")))
			say(l, "%s%zu mismatches", l->len ? ", " : "",
			    json_array_size(json_object_get(json_object_get(d, "contract"), "mismatches")));
		say_num(l, "e2e passed", json_object_get(d, "e2e"), "passed", "");
		say_num(l, "e2e failed", json_object_get(d, "e2e"), "failed", "");
	} else if (!strcmp(type, "feature.security_checked")) {
		say_str(l, "", str(d, "status"));
		for (int i = 0; i < 4; i++)
			say_num(l, severities[i], json_object_get(d, "counts"), severities[i], "");
	} else if (!strcmp(type, "security.finding")) {
		say_str(l, "", str(d, "severity"));
		say_str(l, "", str(d, "rule"));
		if (str(loc, "path"))
			say(l, " at %s", str(loc, "path"));
		if (json_is_integer(json_object_get(loc, "line")))
			say(l, ":%" JSON_INTEGER_FORMAT, json_integer_value(json_object_get(loc, "line")));
	} else if (!strncmp(type, "rollout.", 8)) {
		say_num(l, "step", d, "step", "");
		say_num(l, "weight", d, "weight", "%");
		say_str(l, "", str(d, "phase"));
		say_str(l, "verdict ", str(d, "verdict"));
		if (json_is_number(json_object_get(m, "error_rate")))
			say(l, "%serror rate %.2f%%", l->len ? ", " : "",
			    json_number_value(json_object_get(m, "error_rate")) * 100);
		say_num(l, "p95", m, "p95_ms", " ms");
		say_str(l, "", str(d, "reason"));
	} else if (!strcmp(type, "feature.staging_deployed") ||
		   !strcmp(type, "feature.production_deployed")) {
		say_str(l, "", str(d, "environment"));
		say_str(l, "", str(d, "version"));
		say_str(l, "", str(d, "strategy"));
	} else if (!strcmp(type, "feature.ready_for_production")) {
		say_str(l, "approved by ", str(json_object_get(d, "approval"), "by"));
	} else if (!strcmp(type, "agent.rejected") || !strcmp(type, "agent.failed")) {
		say_num(l, "line", d, "line", "");
		say_str(l, "", str(d, "reason"));
	} else {
		say_str(l, "", str(d, "status"));
		if (json_is_array(json_object_get(d, "artifacts")))
			say(l, "%s%zu files", l->len ? ", " : "",
			    json_array_size(json_object_get(d, "artifacts")));
	}
}

/* ---- events ------------------------------------------------------------- */

/* How far along the workflow an event type is; 0 for types off it. */
static int stage_rank(const char *type)
{
	static const struct {
		const char *type;
		int rank;
	} ranks[] = {
		{ "requirement.submitted", 1 }, { "requirement.analyzed", 2 },
		{ "feature.tests_planned", 3 }, { "feature.backend_ready", 3 },
		{ "feature.frontend_ready", 3 }, { "feature.app_ready", 3 },
		{ "feature.integrated", 4 }, { "feature.tested", 5 },
		{ "feature.security_checked", 5 }, { "feature.deploy_refused", 6 },
		{ "feature.staging_deployed", 6 }, { "feature.ready_for_production", 7 },
		{ "rollout.step", 8 }, { "rollout.paused", 8 }, { "rollout.rolled_back", 8 },
		{ "rollout.promoted", 8 }, { "feature.production_deployed", 9 },
	};

	for (size_t i = 0; i < sizeof(ranks) / sizeof(*ranks); i++)
		if (!strcmp(ranks[i].type, type))
			return ranks[i].rank;
	return 0;
}

static json_t *feature_of(struct report_model *m, const char *subject)
{
	json_t *f = json_object_get(m->by_subject, subject);

	if (f)
		return f;
	f = json_pack("{s:s,s:n,s:n,s:n,s:n,s:n,s:I,s:I,s:[],s:n,s:n,s:n,s:n,s:n,s:[]}",
		      "subject", subject, "title", "stage", "status", "first", "last", "events",
		      (json_int_t)0, "omitted", (json_int_t)0, "timeline", "requirement", "tests",
		      "integration", "security", "rollout", "deploys");
	if (!f || json_object_set(m->by_subject, subject, f) || json_array_append_new(m->features, f)) {
		json_decref(f);
		return NULL;
	}
	return f;
}

static int fold(struct report_model *m, json_t *f, const json_t *ev, const char *type)
{
	const json_t *d = json_object_get(ev, "data");
	const char *time = str(ev, "time");
	char tbuf[64];
	struct line *l;
	int64_t ms;
	int rank;
	json_t *row;
	int rc;

	if (time) {
		report_clip(time, tbuf, sizeof(tbuf));
		time = tbuf;
	}
	if (!json_is_object(d))
		d = NULL;
	if (put(f, "events", json_integer(json_integer_value(json_object_get(f, "events")) + 1)))
		return -1;
	/* first and last by time, whatever the order of the events */
	if (time && event_parse_time(time, &ms) == 0) {
		const json_t *lo = json_object_get(f, "_first_ms"), *hi = json_object_get(f, "_last_ms");

		if (!lo || ms < json_integer_value(lo))
			if (put(f, "first", json_string(time)) || put(f, "_first_ms", json_integer(ms)))
				return -1;
		if (!hi || ms > json_integer_value(hi))
			if (put(f, "last", json_string(time)) || put(f, "_last_ms", json_integer(ms)))
				return -1;
	}
	/* the stage is the furthest step of the workflow reached, whatever
	 * order the agents' events were recorded in */
	rank = stage_rank(type);
	if (rank >= json_integer_value(json_object_get(f, "_rank")) && strncmp(type, "agent.", 6) &&
	    (put(f, "stage", json_string(type)) || put(f, "_rank", json_integer(rank))))
		return -1;
	if (str(d, "status") && put(f, "status", text(d, "status")))
		return -1;
	if (str(d, "title") && !strncmp(type, "requirement.", 12) && put(f, "title", text(d, "title")))
		return -1;

	if (!(l = malloc(sizeof(*l))))
		return -1;
	outcome(l, type, d);
	row = json_pack("{s:s?,s:s,s:o,s:s,s:b}", "time", time, "type", type,
			"source", text(ev, "source"), "outcome", l->s,
			"highlight", !strcmp(type, "agent.rejected") || !strcmp(type, "agent.failed"));
	free(l);
	if (add_row(f, "timeline", row))
		return -1;

	if (!d)
		return 0;
	if (!strcmp(type, "requirement.analyzed"))
		rc = put(f, "requirement", requirement(d));
	else if (!strcmp(type, "feature.tested"))
		rc = put(f, "tests", tests(d));
	else if (!strcmp(type, "feature.integrated"))
		rc = put(f, "integration", integration(d));
	else if (!strcmp(type, "feature.security_checked"))
		rc = security_checked(f, d);
	else if (!strcmp(type, "security.finding"))
		rc = security_finding(f, d);
	else if (!strcmp(type, "rollout.step") || !strcmp(type, "rollout.paused") ||
		 !strcmp(type, "rollout.promoted") || !strcmp(type, "rollout.rolled_back"))
		rc = rollout(f, type, time, d);
	else if (!strcmp(type, "feature.staging_deployed") ||
		 !strcmp(type, "feature.ready_for_production") ||
		 !strcmp(type, "feature.production_deployed"))
		rc = deploy(f, type, time, d);
	else
		rc = 0;
	(void)m;
	return rc;
}

int report_model_add(struct report_model *m, const char *raw, size_t len)
{
	json_error_t jerr;
	json_t *ev = json_loadb(raw, len, JSON_REJECT_DUPLICATES, &jerr), *f;
	const char *type = str(ev, "type"), *subject = str(ev, "subject"), *time = str(ev, "time");
	int64_t ms;
	int rc = 0;

	if (!json_is_object(ev) || !type) {
		json_decref(ev);
		return ak_error(AK_EXIT_DATAERR, "not an event: %s",
				ev ? "no type" : jerr.text);
	}
	if (time && event_parse_time(time, &ms) == 0 && ms > m->newest_ms)
		m->newest_ms = ms;
	if (!subject || !*subject) {
		m->unattributed++;
		m->rejected += !strcmp(type, "agent.rejected");
		m->failed += !strcmp(type, "agent.failed");
	} else if (!(f = feature_of(m, subject)) || fold(m, f, ev, type) < 0)
		rc = oom();
	json_decref(ev);
	return rc;
}

/* The feature as the document shows it: internal marks taken out. */
static json_t *finished(const json_t *f)
{
	json_t *c = json_deep_copy(f);
	json_t *s = json_object_get(c, "security");

	json_object_del(c, "_rank");
	json_object_del(c, "_first_ms");
	json_object_del(c, "_last_ms");
	if (json_is_object(s)) {
		/* counts from findings when no check counted them */
		if (!json_is_true(json_object_get(s, "counted"))) {
			json_int_t n[4] = { 0, 0, 0, 0 };
			const json_t *x;
			size_t i;

			json_array_foreach(json_object_get(s, "findings"), i, x)
				for (int k = 0; k < 4; k++)
					if (str(x, "severity") && !strcmp(str(x, "severity"), severities[k]))
						n[k]++;
			for (int k = 0; k < 4; k++)
				json_object_set_new(s, severities[k], json_integer(n[k]));
		}
		json_object_del(s, "counted");
		json_object_del(s, "from_check");
	}
	return c;
}

json_t *report_model_json(const struct report_model *m, const char *title)
{
	json_t *doc, *features = json_array();
	const json_t *f;
	char asof[32];
	size_t i;

	if (!features) {
		oom();
		return NULL;
	}
	json_array_foreach(m->features, i, f)
		if (json_array_append_new(features, finished(f))) {
			json_decref(features);
			oom();
			return NULL;
		}
	if (m->newest_ms != INT64_MIN)
		event_format_time(m->newest_ms, asof);
	doc = json_pack("{s:s,s:s?,s:o,s:{s:I,s:I,s:I}}", "title", title, "as_of",
			m->newest_ms != INT64_MIN ? asof : NULL, "features", features, "unattributed",
			"events", m->unattributed, "rejected", m->rejected, "failed", m->failed);
	if (!doc)
		oom();
	return doc;
}
