/*
 * gate.c - the deployment gate: tests and security both pass, and, for
 * production, a person approved.
 */
#include <stdio.h>
#include <string.h>

#include "deploy/gate.h"
#include "error.h"
#include "banned.h"

static int add_reason(json_t *reasons, const char *text)
{
	return json_array_append_new(reasons, json_string(text)) < 0 ?
	       ak_error(AK_EXIT_SOFTWARE, "out of memory") : 0;
}

static long long count(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}

/* The verdict of one event: 1 pass, 0 not (a reason added), -1. */
static int judge_one(const json_t *ev, const char *type, json_t *reasons)
{
	json_t *data = json_object_get(ev, "data");
	const char *status = json_string_value(json_object_get(data, "status"));

	char text[256];

	if (!ev) {
		snprintf(text, sizeof(text), "no %s event for this feature", type);
		return add_reason(reasons, text) < 0 ? -1 : 0;
	}
	if (status && !strcmp(status, "pass"))
		return 1;
	if (!strcmp(type, "feature.tested")) {
		json_t *t = json_object_get(data, "tests");
		long long failed = count(t, "failed") + count(t, "errors");
		long long all = failed + count(t, "passed");

		snprintf(text, sizeof(text), "the tests did not pass: %lld of %lld failed", failed, all);
		return add_reason(reasons, text) < 0 ? -1 : 0;
	}
	{
		json_t *c = json_object_get(data, "counts");

		snprintf(text, sizeof(text), "the security check did not pass: %lld critical, "
			 "%lld high, %lld medium, %lld low findings", count(c, "critical"),
			 count(c, "high"), count(c, "medium"), count(c, "low"));
		return add_reason(reasons, text) < 0 ? -1 : 0;
	}
}

int gate_judge(const json_t *tested, const json_t *checked, json_t **reasons)
{
	json_t *r = json_array();
	int a, b;

	*reasons = NULL;
	if (!r)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	a = judge_one(tested, "feature.tested", r);
	b = a < 0 ? -1 : judge_one(checked, "feature.security_checked", r);
	if (a < 0 || b < 0) {
		json_decref(r);
		return -1;
	}
	if (a && b) {
		json_decref(r);
		return 1;
	}
	*reasons = r;
	return 0;
}

static int keep(const struct store_event *e, void *ctx)
{
	json_t **ev = ctx;

	*ev = json_loadb(e->raw, e->raw_len, 0, NULL);
	return *ev ? 1 : ak_error(AK_EXIT_DATAERR, "a stored %s event is not JSON", e->type);
}

int gate_latest(struct store *s, const char *subject, const char *type, json_t **ev)
{
	struct store_query q = STORE_QUERY_INIT;
	int rc;

	*ev = NULL;
	q.subject = subject;
	q.type = type;
	q.newest_first = 1;
	q.limit = 1;
	rc = store_query(s, &q, keep, ev);
	if (rc < 0) {
		json_decref(*ev);
		*ev = NULL;
		return -1;
	}
	return *ev != NULL;
}

int gate_approval(struct store *s, const char *subject, json_t **approval)
{
	json_t *ev;
	int rc = gate_latest(s, subject, "feature.approved", &ev);
	json_t *data;

	*approval = NULL;
	if (rc <= 0)
		return rc;
	data = json_object_get(ev, "data");
	*approval = json_pack("{s:O?,s:O?}", "by", json_object_get(data, "by"),
			      "at", json_object_get(ev, "time"));
	if (*approval && json_is_string(json_object_get(data, "note")))
		json_object_set(*approval, "note", json_object_get(data, "note"));
	json_decref(ev);
	return *approval ? 1 : ak_error(AK_EXIT_SOFTWARE, "out of memory");
}
