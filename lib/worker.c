/*
 * worker.c - consume, run, record, publish, then commit (see worker.h).
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "error.h"
#include "filter.h"
#include "jscan.h"
#include "log.h"
#include "proc.h"
#include "worker.h"
#include "banned.h"

#define MAX_RUN_OUTPUT (256u << 20)

struct input {
	struct kafka_msg msg;      /* line points into the batch's copy */
	char key[320];             /* "<source> <id>", or "kafka <topic>/<partition>@<offset>" */
	char id[128];
	int answered;              /* outputs recorded by an earlier run */
	struct buf out;            /* this input's output lines */
};

struct batch {
	struct input *in;
	size_t n, cap;
	char agent[160];           /* "worker:GROUP", the joins table's agent */
};

static void batch_reset(struct batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		free((char *)b->in[i].msg.line);
		buf_release(&b->in[i].out);
	}
	b->n = 0;
}

/* Keep a copy of m: the consumer reuses its buffer on the next call. */
static int batch_add(struct batch *b, const struct kafka_msg *m)
{
	struct input *in;
	char *copy;

	if (b->n == b->cap) {
		size_t nc = b->cap ? b->cap * 2 : 64;
		struct input *p = realloc(b->in, nc * sizeof(*p));

		if (!p)
			return ak_error(AK_EXIT_SOFTWARE, "out of memory");
		b->in = p;
		b->cap = nc;
	}
	copy = malloc(m->len + 1);
	if (!copy)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	memcpy(copy, m->line, m->len);
	copy[m->len] = '\0';
	in = &b->in[b->n++];
	memset(in, 0, sizeof(*in));
	in->msg = *m;
	in->msg.line = copy;
	buf_init(&in->out, MAX_RUN_OUTPUT);
	return 0;
}

static void str_of(const struct jscan *js, const char *name, char *out, size_t len)
{
	const struct jscan_member *m = jscan_find(js, name);

	if (!m || jscan_strcpy(m, out, len) < 0)
		out[0] = '\0';
}

static int take_recorded(const char *type, const char *raw, size_t len, void *ctx)
{
	struct input *in = ctx;

	in->answered = 1;
	return buf_add(&in->out, raw, len);
}

/* Name each input and look up what an earlier run answered. */
static int prepare(struct store *s, struct batch *b, struct event_ctx *ec, struct worker_stats *st)
{
	struct jscan *js = malloc(sizeof(*js));

	if (!js)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	for (size_t i = 0; i < b->n; i++) {
		struct input *in = &b->in[i];
		char source[160];

		if (in->msg.malformed) {
			snprintf(in->key, sizeof(in->key), "kafka %s/%d@%lld", in->msg.topic ? in->msg.topic : "?",
				 (int)in->msg.partition, (long long)in->msg.offset);
		} else {
			jscan_parse(js, in->msg.line, in->msg.len);
			str_of(js, "source", source, sizeof(source));
			str_of(js, "id", in->id, sizeof(in->id));
			snprintf(in->key, sizeof(in->key), "%s %s", source, in->id);
		}
		if (store_join_get(s, b->agent, in->key, take_recorded, in) < 0) {
			free(js);
			return -1;
		}
		if (in->answered) {
			st->replayed++;
			continue;
		}
		if (in->msg.malformed) {
			char origin[200];
			json_t *ev;
			char *line;
			size_t len;

			snprintf(origin, sizeof(origin), "kafka:%s", in->key + 6);
			ev = filter_rejected_event(ec, origin, 0, in->msg.line, in->msg.len,
						   in->msg.why, NULL, NULL);
			line = ev ? event_dump(ev, &len) : NULL;
			json_decref(ev);
			if (!line || buf_add(&in->out, line, len) < 0 || buf_addch(&in->out, '\n') < 0) {
				free(line);
				free(js);
				return -1;
			}
			free(line);
			in->answered = 2;    /* answered now, to be recorded */
			st->rejected++;
		}
	}
	free(js);
	return 0;
}

/* Give each output line of a run to its input; drop the inputs passed through. */
static int attribute(struct batch *b, const char *out, size_t len, struct event_ctx *ec,
		     const char *prog, struct worker_stats *st)
{
	struct jscan *js = malloc(sizeof(*js));
	size_t pos = 0, lineno = 0, last = b->n;
	int rc = 0;

	if (!js)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	for (size_t i = 0; i < b->n; i++)
		if (!b->in[i].answered)
			last = i;
	while (pos < len && rc == 0) {
		const char *l = out + pos, *nl = memchr(l, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - l) : len - pos;
		char why[160], id[128], source[160], cause[128], key[320];
		struct input *to = last < b->n ? &b->in[last] : NULL;
		int passed = 0;

		pos += ll + 1;
		lineno++;
		if (ll == 0)
			continue;
		if (jscan_parse(js, l, ll) < 0 || event_check(js, why, sizeof(why)) != EVENT_EVENT) {
			char origin[200];
			json_t *ev;
			char *s;
			size_t sl;

			snprintf(origin, sizeof(origin), "%s output", prog);
			ev = filter_rejected_event(ec, origin, lineno, l, ll,
						   js->err[0] ? js->err : why, NULL, NULL);
			s = ev ? event_dump(ev, &sl) : NULL;
			json_decref(ev);
			if (!s || !to)
				rc = s ? 0 : -1;
			else
				rc = buf_add(&to->out, s, sl) || buf_addch(&to->out, '\n') ? -1 : 0;
			free(s);
			st->rejected++;
			continue;
		}
		str_of(js, "source", source, sizeof(source));
		str_of(js, "id", id, sizeof(id));
		str_of(js, "causationid", cause, sizeof(cause));
		snprintf(key, sizeof(key), "%s %s", source, id);
		for (size_t i = 0; i < b->n; i++) {
			if (!strcmp(b->in[i].key, key))
				passed = 1;
			if (*cause && !strcmp(b->in[i].id, cause) && !b->in[i].answered)
				to = &b->in[i];
		}
		if (passed || !to)
			continue;
		rc = buf_add(&to->out, l, ll) || buf_addch(&to->out, '\n') ? -1 : 0;
		st->outputs++;
	}
	free(js);
	return rc;
}

/* Run the program over the inputs not yet answered; retry a killed run. */
static int run_program(const struct worker_opts *o, struct batch *b, struct event_ctx *ec,
		       struct worker_stats *st)
{
	struct buf input = BUF_INIT;
	struct proc_result res = PROC_RESULT_INIT;
	struct proc_opts po = PROC_OPTS_INIT;
	char how[160];
	int rc = 0, todo = 0;

	for (size_t i = 0; i < b->n; i++)
		if (!b->in[i].answered) {
			todo++;
			if (buf_add(&input, b->in[i].msg.line, b->in[i].msg.len) < 0 ||
			    buf_addch(&input, '\n') < 0) {
				buf_release(&input);
				return -1;
			}
		}
	if (!todo)
		return 0;
	po.argv = o->argv;
	po.input = input.p;
	po.input_len = input.len;
	po.timeout_ms = o->timeout_ms;
	po.max_output = MAX_RUN_OUTPUT;
	for (int attempt = 0; attempt <= o->retries; attempt++) {
		st->runs++;
		if (proc_run(&po, &res) < 0) {
			buf_release(&input);
			return -1;
		}
		if (!res.signaled)
			break;
		log_warn("%s: %s; running the batch again", o->argv[0],
			 proc_describe(&res, how, sizeof(how)));
		if (attempt < o->retries)
			proc_result_release(&res);
	}
	if (res.err_len)
		fprintf(stderr, "%.*s", (int)res.err_len, res.err);
	if (res.signaled || res.out_truncated) {
		/* the run never finished: its inputs failed */
		proc_describe(&res, how, sizeof(how));
		for (size_t i = 0; i < b->n && rc == 0; i++) {
			struct input *in = &b->in[i];
			json_t *cause, *ev;
			char *s;
			size_t sl;

			if (in->answered)
				continue;
			cause = json_loadb(in->msg.line, in->msg.len, 0, NULL);
			ev = event_new(ec, "agent.failed", json_string_value(json_object_get(cause, "subject")),
				       json_pack("{s:s++,s:s,s:s?}", "reason", o->argv[0], ": ",
						 res.out_truncated ? "wrote too much" : how,
						 "input_id", in->id, "input_source",
						 json_string_value(json_object_get(cause, "source"))),
				       cause);
			json_decref(cause);
			s = ev ? event_dump(ev, &sl) : NULL;
			json_decref(ev);
			rc = !s || buf_add(&in->out, s, sl) || buf_addch(&in->out, '\n') ? -1 : 0;
			free(s);
			st->failed++;
		}
	} else {
		rc = attribute(b, res.out, res.out_len, ec, o->argv[0], st);
	}
	proc_result_release(&res);
	buf_release(&input);
	return rc;
}

/* Record, store, publish and acknowledge one batch. */
static int finish_batch(struct store *s, struct kafka_producer *p, struct kafka_consumer *c,
			struct batch *b, const struct worker_opts *o)
{
	uint64_t inserted;

	for (size_t i = 0; i < b->n; i++) {
		struct input *in = &b->in[i];

		if (in->answered != 1 &&
		    store_join_put(s, b->agent, in->key, "outputs", in->out.p ? in->out.p : "",
				   in->out.len) < 0)
			return -1;
	}
	for (size_t i = 0; i < b->n; i++) {
		struct input *in = &b->in[i];
		const char *l = in->out.p, *end = in->out.p + in->out.len;

		if (!in->out.len)
			continue;
		if (store_append_lines(s, in->out.p, in->out.len, &inserted) < 0)
			return -1;
		while (l < end) {
			const char *nl = memchr(l, '\n', (size_t)(end - l));
			size_t ll = nl ? (size_t)(nl - l) : (size_t)(end - l);

			if (ll && kafka_produce(p, l, ll) < 0)
				return -1;
			l += ll + 1;
		}
	}
	if (kafka_producer_flush(p, o->kafka->timeout_ms) < 0)
		return -1;
	for (size_t i = 0; i < b->n; i++)
		if (kafka_consumer_done(c, &b->in[i].msg) < 0)
			return -1;
	return 0;
}

int worker_run(const struct worker_opts *o, struct store *s, struct event_ctx *ec,
	       volatile sig_atomic_t *stop, struct worker_stats *st)
{
	struct kafka_consumer *c;
	struct kafka_producer *p;
	struct batch b = { 0 };
	struct kafka_msg m;
	int rc = 0, ended = 0;

	memset(st, 0, sizeof(*st));
	snprintf(b.agent, sizeof(b.agent), "worker:%s", o->group);
	p = kafka_producer_new(o->kafka);
	if (!p)
		return -1;
	c = kafka_consumer_new(o->kafka, o->group, o->topics, "stored", o->exit_at_end);
	if (!c) {
		kafka_producer_free(p);
		return -1;
	}
	while (!*stop && !ended && rc == 0) {
		long wait = 1000;
		int r;

		/* fill a batch: wait long for the first input, briefly for more */
		while (b.n < o->batch && !*stop) {
			r = kafka_consume(c, &m, b.n ? o->batch_wait_ms : wait);
			if (r < 0) {
				rc = -1;
				break;
			}
			if (r == 2) {
				ended = 1;
				break;
			}
			if (r == 0) {
				if (b.n)
					break;
				continue;
			}
			if (batch_add(&b, &m) < 0) {
				rc = -1;
				break;
			}
		}
		if (rc < 0 || !b.n)
			continue;
		st->inputs += b.n;
		if (prepare(s, &b, ec, st) < 0 || run_program(o, &b, ec, st) < 0 ||
		    finish_batch(s, p, c, &b, o) < 0)
			rc = -1;
		batch_reset(&b);
	}
	batch_reset(&b);
	free(b.in);
	if (kafka_consumer_close(c) < 0 && rc == 0)
		rc = -1;
	kafka_producer_free(p);
	return rc;
}
