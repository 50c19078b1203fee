/*
 * history.c - what agentctl log, status, show, replay and dlq print.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "error.h"
#include "event.h"
#include "clock.h"
#include "history.h"
#include "banned.h"

int history_parse_time(const char *s, int64_t now_ms, int64_t *ms)
{
	int64_t age;

	if (event_parse_time(s, ms) == 0)
		return 0;
	/* an age needs its unit: a bare number would be ambiguous here */
	if (!*s || s[strlen(s) - 1] < 'a' || s[strlen(s) - 1] > 'z' || duration_parse(s, &age) < 0)
		return ak_error(AK_EXIT_USAGE,
				"'%s' is not a time (RFC 3339, or an age such as 30m, 2h, 7d)", s);
	*ms = now_ms - age;
	return 0;
}

void history_age(int64_t age, char out[16])
{
	if (age == INT64_MIN) {
		snprintf(out, 16, "-");
		return;
	}
	if (age < 0)
		age = 0;
	age /= 1000;
	if (age < 120)
		snprintf(out, 16, "%" PRId64 "s", age);
	else if (age < 7200)
		snprintf(out, 16, "%" PRId64 "m", age / 60);
	else if (age < 2 * 86400)
		snprintf(out, 16, "%" PRId64 "h", age / 3600);
	else
		snprintf(out, 16, "%" PRId64 "d", age / 86400);
}

static const char *dash(const char *s)
{
	return s && *s ? s : "-";
}

static void print_json(FILE *fp, json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT);

	if (s)
		fprintf(fp, "%s\n", s);
	free(s);
	json_decref(o);
}

struct log_ctx {
	FILE *fp;
	int json;
	int header;
};

static int log_row(const struct store_event *ev, void *ctx)
{
	struct log_ctx *c = ctx;

	if (c->json) {
		print_json(c->fp, json_pack("{s:I,s:s?,s:s,s:s?,s:s,s:s}", "seq", (json_int_t)ev->seq,
					    "time", ev->time, "type", ev->type, "subject",
					    ev->subject, "source", ev->source, "id", ev->id));
		return 0;
	}
	if (!c->header++)
		fprintf(c->fp, "%-24s  %-28s  %-30s  %-22s  %s\n", "TIME", "TYPE", "SUBJECT",
			"SOURCE", "ID");
	fprintf(c->fp, "%-24s  %-28s  %-30s  %-22s  %s\n", dash(ev->time), ev->type,
		dash(ev->subject), ev->source, ev->id);
	return 0;
}

int history_log(struct store *s, const struct store_query *q, int json, FILE *fp)
{
	struct log_ctx c = { fp, json, 0 };

	return store_query(s, q, log_row, &c);
}

static int replay_row(const struct store_event *ev, void *ctx)
{
	struct out *o = ctx;

	return out_line(o, ev->raw, ev->raw_len) < 0 ? ak_error(o->code, "%s", o->msg) : 0;
}

int history_replay(struct store *s, const struct store_query *q, struct out *o)
{
	return store_query(s, q, replay_row, o) ? -1 : 0;
}

struct status_ctx {
	FILE *fp;
	int json;
	int64_t now;
	int rows;
};

static int status_row(const struct store_feature *f, void *ctx)
{
	struct status_ctx *c = ctx;
	char age[16];

	if (c->json) {
		print_json(c->fp, json_pack("{s:s,s:s?,s:s?,s:I,s:s,s:s?}", "subject", f->subject,
					    "stage", f->stage, "status", f->status, "events",
					    (json_int_t)f->events, "last_id", f->last_id,
					    "last_time", f->last_time));
		c->rows++;
		return 0;
	}
	if (!c->rows++)
		fprintf(c->fp, "%-32s  %-28s  %-9s  %6s  %s\n", "FEATURE", "STAGE", "STATUS",
			"EVENTS", "AGE");
	history_age(f->last_ms == INT64_MIN ? INT64_MIN : c->now - f->last_ms, age);
	fprintf(c->fp, "%-32s  %-28s  %-9s  %6" PRId64 "  %s\n", f->subject, dash(f->stage),
		dash(f->status), f->events, age);
	return 0;
}

int history_status(struct store *s, const char *subject, int json, int64_t now_ms, FILE *fp)
{
	struct status_ctx c = { fp, json, now_ms, 0 };

	if (store_features(s, subject, status_row, &c) < 0)
		return -1;
	if (subject && !c.rows)
		return ak_error(AK_EXIT_DATAERR, "no feature '%s' in the store", subject);
	return 0;
}

/* A few words on what an event says: its status, reason or title. */
static void summary(const char *raw, size_t len, char *out, size_t cap)
{
	json_t *ev = json_loadb(raw, len, 0, NULL), *data = json_object_get(ev, "data");
	const char *keys[] = { "status", "reason", "title", "verdict", "environment" };

	out[0] = '\0';
	for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++) {
		const char *v = json_string_value(json_object_get(data, keys[i]));
		size_t n = strlen(out);

		if (v && n + 4 < cap)
			snprintf(out + n, cap - n, "%s%s=%s", n ? " " : "", keys[i], v);
	}
	json_decref(ev);
}

struct show_ctx {
	FILE *fp;
	int json;
	int rows;
};

static int show_row(const struct store_event *ev, void *ctx)
{
	struct show_ctx *c = ctx;
	char sum[200];

	if (c->json) {
		fprintf(c->fp, "%.*s\n", (int)ev->raw_len, ev->raw);
		c->rows++;
		return 0;
	}
	if (!c->rows++)
		fprintf(c->fp, "%-24s  %-28s  %-22s  %s\n", "TIME", "TYPE", "SOURCE", "SUMMARY");
	summary(ev->raw, ev->raw_len, sum, sizeof(sum));
	fprintf(c->fp, "%-24s  %-28s  %-22s  %s\n", dash(ev->time), ev->type, ev->source,
		dash(sum));
	return 0;
}

int history_show(struct store *s, const char *subject, int json, FILE *fp)
{
	struct store_query q = STORE_QUERY_INIT;
	struct show_ctx c = { fp, json, 0 };

	q.subject = subject;
	if (store_query(s, &q, show_row, &c) < 0)
		return -1;
	if (!c.rows)
		return ak_error(AK_EXIT_DATAERR, "no feature '%s' in the store", subject);
	return 0;
}

struct dlq_ctx {
	struct store *s;
	struct out *o;
	FILE *fp;
	int json, rows;
	uint64_t skipped;
};

static int reemit_input(const struct store_event *ev, void *ctx)
{
	return replay_row(ev, ctx);
}

static int dlq_row(const struct store_event *ev, void *ctx)
{
	struct dlq_ctx *c = ctx;
	json_t *e = json_loadb(ev->raw, ev->raw_len, 0, NULL), *data = json_object_get(e, "data");
	const char *reason = json_string_value(json_object_get(data, "reason"));
	const char *input_id = json_string_value(json_object_get(data, "input_id"));
	const char *input_source = json_string_value(json_object_get(data, "input_source"));
	json_int_t line = json_integer_value(json_object_get(data, "line"));
	int rc = 0;

	if (strcmp(ev->type, "agent.rejected") && strcmp(ev->type, "agent.failed")) {
		json_decref(e);
		return 0;
	}
	if (c->o) {
		if (!strcmp(ev->type, "agent.failed") && input_id) {
			rc = store_get(c->s, input_source, input_id, reemit_input, c->o);
			if (rc == 0)
				c->skipped++;
			rc = rc < 0 ? -1 : 0;
		} else if (json_is_true(json_object_get(data, "input_complete")) &&
			   json_string_length(json_object_get(data, "input")) > 0) {
			json_t *in = json_object_get(data, "input");

			if (out_line(c->o, json_string_value(in), json_string_length(in)) < 0)
				rc = ak_error(c->o->code, "%s", c->o->msg);
		} else {
			c->skipped++;
		}
	} else if (c->json) {
		print_json(c->fp, json_pack("{s:s,s:s,s:s?,s:I,s:s?,s:s?}", "id", ev->id, "type",
					    ev->type, "time", ev->time, "line", line, "reason",
					    reason, "input_id", input_id));
	} else {
		if (!c->rows++)
			fprintf(c->fp, "%-24s  %-14s  %6s  %s\n", "TIME", "TYPE", "LINE", "REASON");
		fprintf(c->fp, "%-24s  %-14s  %6lld  %s\n", dash(ev->time), ev->type,
			(long long)line, dash(reason));
	}
	json_decref(e);
	return rc;
}

int history_dlq(struct store *s, const struct store_query *q, struct out *o,
		int json, FILE *fp, uint64_t *skipped)
{
	struct store_query dq = *q;
	struct dlq_ctx c = { s, o, fp, json, 0, 0 };

	if (!dq.type || (strcmp(dq.type, "agent.rejected") && strcmp(dq.type, "agent.failed")))
		dq.type = "agent.*";
	if (store_query(s, &dq, dlq_row, &c) < 0)
		return -1;
	if (skipped)
		*skipped = c.skipped;
	return 0;
}
