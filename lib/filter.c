/*
 * filter.c - the filter loop (see filter.h).
 *
 * The pass-through path costs one scan of the line (jscan) and one copy
 * into the output buffer; jansson is used only for events the agent
 * consumes, work items it wraps, and events it writes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "error.h"
#include "filter.h"
#include "jscan.h"
#include "jsonl.h"
#include "log.h"
#include "submit.h"
#include "validate.h"
#include "banned.h"

#define INPUT_COPY_MAX 1024

/*
 * What waits for an unfinished job: either a line held back (line set) or
 * a job with the input it answers, and the id seed that input had.
 */
struct slot {
	char *line;
	size_t len;
	json_t *ev;
	void *job;
	char *origin;
	uint64_t lineno;
	unsigned char seed[32];
	uint64_t counter;
};

struct filter {
	struct filter_def def;
	struct filter_opts opts;
	struct event_ctx *ec;
	struct out *out;
	struct filter_stats st;
	json_t *pending;          /* events the handler emitted for this input */
	int read_error;
	int sink_code;
	int fail_code;
	int gate;
	int stop_code;
	int stopped;
	struct jscan js;
	struct slot *q;           /* held output, oldest at head */
	size_t head, tail, cap;
	unsigned inflight;        /* jobs in q */
	int direct;               /* finishing the head: write straight out */
};

struct filter *filter_new(const struct filter_def *def, const struct filter_opts *opts,
			  struct event_ctx *ec, struct out *o)
{
	struct filter *f = calloc(1, sizeof(*f));

	if (!f || !(f->pending = json_array())) {
		free(f);
		ak_error(AK_EXIT_SOFTWARE, "out of memory");
		return NULL;
	}
	f->def = *def;
	f->opts = *opts;
	if (!f->opts.max_line)
		f->opts.max_line = JSONL_DEFAULT_MAX;
	f->ec = ec;
	f->out = o;
	if (!f->def.jobs)
		f->def.jobs = 1;
	return f;
}

/* The output failed: say why, with its class (a write error, or a store). */
static int out_failed(struct filter *f)
{
	return ak_error(f->out->code, "%s", f->out->msg);
}

static void slot_free(struct filter *f, struct slot *sl)
{
	if (sl->job) {
		f->def.cancel(sl->job, f->def.ctx);
		f->inflight--;
	}
	json_decref(sl->ev);
	free(sl->line);
	free(sl->origin);
}

/* Drop everything held (after a stop, or when the filter goes away). */
static void drop_held(struct filter *f)
{
	while (f->head < f->tail)
		slot_free(f, &f->q[f->head++]);
	f->head = f->tail = 0;
}

void filter_free(struct filter *f)
{
	if (!f)
		return;
	drop_held(f);
	free(f->q);
	json_decref(f->pending);
	free(f);
}

void filter_stop(struct filter *f, int code)
{
	f->stopped = 1;
	if (!f->stop_code)
		f->stop_code = code;
}

int filter_stopped(const struct filter *f)
{
	return f->stopped;
}

static int holding(const struct filter *f)
{
	return f->head < f->tail && !f->direct;
}

static struct slot *slot_push(struct filter *f)
{
	if (f->tail == f->cap) {
		size_t n = f->tail - f->head;

		if (f->head) {
			memmove(f->q, f->q + f->head, n * sizeof(*f->q));
		} else {
			size_t cap = f->cap ? f->cap * 2 : 16;
			struct slot *q = realloc(f->q, cap * sizeof(*q));

			if (!q) {
				ak_error(AK_EXIT_SOFTWARE, "out of memory");
				return NULL;
			}
			f->q = q;
			f->cap = cap;
		}
		f->head = 0;
		f->tail = n;
	}
	memset(&f->q[f->tail], 0, sizeof(*f->q));
	return &f->q[f->tail++];
}

/* A line of output: written now, or held behind an unfinished job. */
static int put_line(struct filter *f, const char *p, size_t len)
{
	struct slot *sl;

	if (!holding(f))
		return out_line(f->out, p, len) < 0 ? out_failed(f) : 0;
	if (!(sl = slot_push(f)))
		return -1;
	if (!(sl->line = malloc(len ? len : 1))) {
		f->tail--;
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	}
	memcpy(sl->line, p, len);
	sl->len = len;
	return 0;
}

const struct filter_stats *filter_stats(const struct filter *f)
{
	return &f->st;
}

void filter_gate_failed(struct filter *f)
{
	f->gate = 1;
}

int filter_status(const struct filter *f)
{
	if (f->out->code)
		return f->out->code;
	if (f->sink_code)
		return f->sink_code;
	if (f->read_error)
		return AK_EXIT_IOERR;
	if (f->fail_code)
		return f->fail_code;
	if (f->stop_code)
		return f->stop_code;
	if (f->st.rejected)
		return AK_EXIT_DATAERR;
	return f->gate ? AK_EXIT_GATE : AK_EXIT_OK;
}

json_t *filter_event(struct filter *f, const char *type, const char *subject,
		     json_t *data, const json_t *cause)
{
	return event_new(f->ec, type, subject, data, cause);
}

int filter_verdict(struct filter *f, const char *type, const char *subject, json_t *data,
		   const json_t *cause, int no)
{
	if (filter_emit(f, filter_event(f, type, subject, data, cause)) < 0)
		return -1;
	if (no)
		filter_gate_failed(f);
	return 0;
}

int filter_emit(struct filter *f, json_t *ev)
{
	if (!ev)
		return -1;
	if (json_array_append_new(f->pending, ev))
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	return 0;
}

static int write_event(struct filter *f, const json_t *ev)
{
	size_t len;
	char *s = event_dump(ev, &len);
	int rc;

	if (!s)
		return -1;
	rc = put_line(f, s, len);
	free(s);
	f->st.emitted++;
	return rc;
}

static int write_pending(struct filter *f)
{
	size_t i;
	json_t *ev;
	int rc = 0;

	json_array_foreach(f->pending, i, ev)
		if (rc == 0)
			rc = write_event(f, ev);
	json_array_clear(f->pending);
	return rc;
}

int filter_commit(struct filter *f)
{
	return write_pending(f);
}

static int is_secret_name(const char *name, size_t len)
{
	static const char *const words[] = {
		"password", "passwd", "secret", "token", "apikey", "api_key",
		"private_key", "credential", "authorization", "access_key",
	};
	char low[64];

	if (len >= sizeof(low))
		len = sizeof(low) - 1;
	for (size_t i = 0; i < len; i++)
		low[i] = (char)((name[i] >= 'A' && name[i] <= 'Z') ? name[i] + 32 : name[i]);
	low[len] = '\0';
	for (size_t i = 0; i < sizeof(words) / sizeof(*words); i++)
		if (strstr(low, words[i]))
			return 1;
	return 0;
}

/*
 * A copy of a bad input that is safe to put in an event: at most
 * INPUT_COPY_MAX bytes, invalid UTF-8 and NUL bytes replaced by U+FFFD,
 * and the string value after any "...password...": or "...token...": name
 * replaced by [REDACTED], so a rejected line does not carry its secrets on.
 * *whole is cleared when the copy differs from the input in any way, so
 * `agentctl dlq --reemit` knows which copies can be processed again.
 */
static json_t *input_copy(const char *p, size_t len, int *whole)
{
	char buf[INPUT_COPY_MAX * 3 + 16];
	size_t o = 0, i = 0, n = len < INPUT_COPY_MAX ? len : INPUT_COPY_MAX;

	while (i < n) {
		unsigned char c = (unsigned char)p[i];
		size_t seq;

		if (c == '"') {
			/* a quoted name followed by ':' and a string value? */
			const char *q = memchr(p + i + 1, '"', n - i - 1);

			if (q && is_secret_name(p + i + 1, (size_t)(q - p - i - 1))) {
				const char *v = q + 1;

				while (v < p + n && (*v == ' ' || *v == ':' || *v == '\t'))
					v++;
				if (v < p + n && *v == '"' && memchr(q + 1, ':', (size_t)(v - q))) {
					const char *e = v + 1;

					while (e < p + len && *e != '"')
						e += (*e == '\\' && e + 1 < p + len) ? 2 : 1;
					memcpy(buf + o, p + i, (size_t)(v - p - i) + 1);
					o += (size_t)(v - p - i) + 1;
					memcpy(buf + o, "[REDACTED]", 10);
					o += 10;
					*whole = 0;
					i = (size_t)(e - p);
					if (i > n)
						i = n;
					continue;
				}
			}
		}
		if (c >= 0x80) {
			seq = jscan_utf8_len((const unsigned char *)p + i,
					     (const unsigned char *)p + n);
			if (!seq) {
				memcpy(buf + o, "\xef\xbf\xbd", 3);
				o += 3;
				i++;
				*whole = 0;
				continue;
			}
			memcpy(buf + o, p + i, seq);
			o += seq;
			i += seq;
			continue;
		}
		if (c == 0) {
			memcpy(buf + o, "\xef\xbf\xbd", 3);
			o += 3;
			*whole = 0;
		} else {
			buf[o++] = (char)c;
		}
		i++;
	}
	return json_stringn(buf, o);
}

/* A JSON string of s with invalid UTF-8 replaced (a file name, a message). */
static json_t *text_copy(const char *s)
{
	int whole;

	return input_copy(s, strlen(s), &whole);
}

/* The subject and id of a scanned line, if it has them. */
static void scanned_ids(const struct jscan *js, int ok, char *subject, size_t slen,
			char *id, size_t idlen)
{
	const struct jscan_member *m;

	subject[0] = id[0] = '\0';
	if (!ok || js->type != JS_OBJECT)
		return;
	if ((m = jscan_find(js, "subject")) && jscan_strcpy(m, subject, slen) < 0)
		subject[0] = '\0';
	if ((m = jscan_find(js, "id")) && jscan_strcpy(m, id, idlen) < 0)
		id[0] = '\0';
}

json_t *filter_rejected_event(struct event_ctx *ec, const char *origin, uint64_t lineno,
			      const char *p, size_t len, const char *reason,
			      const char *subject, const char *input_id)
{
	int whole = len <= INPUT_COPY_MAX;
	json_t *data, *copy;

	if (lineno)
		log_warn("%s:%llu: rejected: %s", origin, (unsigned long long)lineno, reason);
	else
		log_warn("%s: rejected: %s", origin, reason);
	copy = input_copy(p, len, &whole);
	data = json_pack("{s:I,s:o,s:o,s:o,s:b}", "line", (json_int_t)lineno,
			 "origin", text_copy(origin), "reason", text_copy(reason),
			 "input", copy, "input_complete", whole);
	if (data && input_id && *input_id)
		json_object_set_new(data, "input_id", json_string(input_id));
	return event_new(ec, "agent.rejected", subject && *subject ? subject : NULL, data, NULL);
}

static int reject(struct filter *f, const char *origin, uint64_t lineno,
		  const char *p, size_t len, const char *reason,
		  const char *subject, const char *input_id)
{
	json_t *ev;

	f->st.rejected++;
	ev = filter_rejected_event(f->ec, origin, lineno, p, len, reason, subject, input_id);
	if (!ev)
		return -1;
	json_array_clear(f->pending);
	filter_emit(f, ev);
	return write_pending(f);
}

int filter_reject(struct filter *f, const char *origin, uint64_t line,
		  const char *input, size_t len, const char *reason)
{
	event_ctx_seed(f->ec, input, len);
	return reject(f, origin, line, input, len, reason, NULL, NULL);
}

static int consumes(const struct filter *f, const struct jscan_member *type)
{
	if (!f->def.consumes || !type)
		return 0;
	for (const char *const *t = f->def.consumes; *t; t++)
		if (jscan_streq(type, *t))
			return 1;
	return 0;
}

/*
 * Run the handler on ev (borrowed). When it fails because its input is bad
 * data (class 65), emit agent.rejected instead; on any other failure,
 * agent.failed.
 */
static int answered(struct filter *f, const json_t *ev, const char *origin, uint64_t lineno,
		    int rc)
{
	json_t *data, *failed;
	const char *subject = event_attr(ev, "subject");

	if (rc == FILTER_STOP && !f->stopped)
		filter_stop(f, AK_EXIT_TEMPFAIL);
	if (rc >= 0)
		return write_pending(f);
	json_array_clear(f->pending);
	if (ak_errcode() == AK_EXIT_DATAERR) {
		char *copy = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER);
		struct buf reason = BUF_INIT;
		int r;

		buf_addf(&reason, "%s: %s", event_attr(ev, "type"), ak_errmsg());
		r = copy ? reject(f, origin, lineno, copy, strlen(copy), reason.p ? reason.p : "",
				  subject, event_attr(ev, "id")) : -1;
		free(copy);
		buf_release(&reason);
		return r;
	}
	f->st.failed++;
	if (!f->fail_code)
		f->fail_code = ak_errcode() ? (int)ak_errcode() : AK_EXIT_SOFTWARE;
	log_error("%s:%llu: %s failed: %s", origin, (unsigned long long)lineno,
		  event_attr(ev, "type"), ak_errmsg());
	data = json_pack("{s:I,s:o,s:o,s:s?,s:s?,s:s?}", "line", (json_int_t)lineno,
			 "origin", text_copy(origin), "reason", text_copy(ak_errmsg()),
			 "input_id", event_attr(ev, "id"), "input_source", event_attr(ev, "source"),
			 "input_type", event_attr(ev, "type"));
	failed = event_new(f->ec, "agent.failed", subject, data, ev);
	if (!failed)
		return -1;
	filter_emit(f, failed);
	return write_pending(f);
}

int filter_answer(struct filter *f, const json_t *ev, const char *origin, uint64_t lineno,
		  int rc)
{
	return answered(f, ev, origin, lineno, rc);
}

/* Finish the job at the head of the queue, with the id seed of its input. */
static int finish_head(struct filter *f)
{
	struct slot sl = f->q[f->head++];
	unsigned char seed[32];
	uint64_t counter = f->ec->counter;
	int rc, was_stopped = f->stopped;

	memcpy(seed, f->ec->seed, sizeof(seed));
	memcpy(f->ec->seed, sl.seed, sizeof(seed));
	f->ec->counter = sl.counter;
	f->inflight--;
	f->direct = 1;
	rc = f->def.finish(f, sl.ev, sl.job, f->def.ctx);
	sl.job = NULL;
	rc = answered(f, sl.ev, sl.origin, sl.lineno, rc);
	f->direct = 0;
	memcpy(f->ec->seed, seed, sizeof(seed));
	f->ec->counter = counter;
	slot_free(f, &sl);
	/* what came after a stop is left for a rerun */
	if (f->stopped && !was_stopped)
		drop_held(f);
	return rc;
}

/* Write out what no longer waits: held lines and finished jobs, in order. */
static int drain(struct filter *f)
{
	while (f->head < f->tail) {
		struct slot *sl = &f->q[f->head];

		if (sl->line) {
			int rc = out_line(f->out, sl->line, sl->len);

			f->head++;
			slot_free(f, sl);
			if (rc < 0)
				return out_failed(f);
		} else if (f->def.done(sl->job, f->def.ctx)) {
			if (finish_head(f) < 0 && f->out->code)
				return -1;
		} else {
			break;
		}
	}
	if (f->head == f->tail)
		f->head = f->tail = 0;
	return 0;
}

/*
 * Let the jobs run: until there is room for another (room), or until fd
 * can be read or nothing is in flight (fd >= 0), or until everything has
 * been written (neither).
 */
static int settle(struct filter *f, int fd, int room)
{
	for (;;) {
		int r;

		if (drain(f) < 0)
			return -1;
		if (!f->inflight)
			return 0;
		if (room && f->inflight < f->def.jobs)
			return 0;
		if ((r = f->def.wait(f->def.ctx, room ? -1 : fd)) < 0)
			return -1;
		if (r == 1 && fd >= 0 && !room)
			return 0;
	}
}

/*
 * Run the handler on ev (borrowed), or begin a job for it. When the
 * handler fails because its input is bad data (class 65), emit
 * agent.rejected instead; on any other failure, agent.failed.
 */
static int handle(struct filter *f, const json_t *ev, const char *origin, uint64_t lineno)
{
	struct slot *sl;
	void *job = NULL;
	int rc;

	f->st.handled++;
	if (!f->def.begin)
		return answered(f, ev, origin, lineno, f->def.handle(f, ev, f->def.ctx));
	rc = f->def.begin(f, ev, f->def.ctx, &job);
	if (rc != 0 || !job)
		return answered(f, ev, origin, lineno, rc);
	if (!(sl = slot_push(f)) || !(sl->origin = strdup(origin))) {
		if (sl)
			f->tail--;
		f->def.cancel(job, f->def.ctx);
		return answered(f, ev, origin, lineno, ak_error(AK_EXIT_SOFTWARE, "out of memory"));
	}
	sl->ev = json_incref((json_t *)ev);
	sl->job = job;
	sl->lineno = lineno;
	memcpy(sl->seed, f->ec->seed, sizeof(sl->seed));
	sl->counter = f->ec->counter;
	f->inflight++;
	return settle(f, -1, 1);
}

static int pass(struct filter *f, const char *p, size_t len)
{
	if (f->opts.no_pass)
		return 0;
	f->st.passed++;
	if (f->def.sink) {
		if (f->def.sink(f->def.sink_ctx, p, len, &f->js) == 0)
			return 0;
		f->sink_code = ak_errcode();
		return -1;
	}
	return put_line(f, p, len);
}

/* Why jansson refused a line that jscan accepted, in our words. */
static const char *load_error(const json_error_t *e, char *why, size_t cap)
{
	if (strstr(e->text, "JSON_ALLOW_NUL"))
		snprintf(why, cap, "a string holds a NUL character (\\u0000)");
	else
		snprintf(why, cap, "not valid JSON: %s", e->text);
	return why;
}

/* Wrap a work item (a JSON object that is not an event) and handle it. */
static int wrap_item(struct filter *f, const char *p, size_t len, const char *origin,
		     uint64_t lineno)
{
	json_error_t jerr;
	json_t *item = json_loadb(p, len, JSON_REJECT_DUPLICATES, &jerr);
	const char *title, *text, *subject;
	char fid[FEATURE_ID_MAX + 1];
	json_t *ev;
	int rc;

	char why[256];

	if (!item)
		return reject(f, origin, lineno, p, len, load_error(&jerr, why, sizeof(why)),
			      NULL, NULL);
	title = json_string_value(json_object_get(item, "title"));
	text = json_string_value(json_object_get(item, "text"));
	subject = json_string_value(json_object_get(item, "subject"));
	if (!subject) {
		if (!title && !text) {
			json_decref(item);
			return reject(f, origin, lineno, p, len,
				      "work item has neither 'title' nor 'text'", NULL, NULL);
		}
		event_feature_id(title ? title : text, text ? text : title,
				 strlen(text ? text : title), fid);
		subject = fid;
	}
	/* the wrapped item carries what submit would have said of it */
	if (!json_object_get(item, "format"))
		json_object_set_new(item, "format", json_string(
			submit_guess_format(origin, text ? text : "", text ? strlen(text) : 0)));
	if (!json_object_get(item, "origin"))
		json_object_set_new(item, "origin", text_copy(origin));
	ev = event_new(f->ec, f->def.item_type, subject, json_incref(item), NULL);
	json_decref(item);
	if (!ev)
		return reject(f, origin, lineno, p, len, ak_errmsg(), NULL, NULL);
	rc = write_event(f, ev);
	if (rc == 0)
		rc = handle(f, ev, origin, lineno);
	json_decref(ev);
	return rc;
}

static int one_line(struct filter *f, const struct jsonl_line *l, const char *origin)
{
	char why[192], subject[FEATURE_ID_MAX * 4], id[128];
	const struct jscan_member *type;
	enum event_kind kind;
	json_error_t jerr;
	json_t *ev;
	int rc;

	event_ctx_seed(f->ec, l->p, l->len);
	if (l->too_long) {
		snprintf(why, sizeof(why), "line too long (%llu bytes, limit %zu)",
			 (unsigned long long)l->full_len, f->opts.max_line);
		return reject(f, origin, l->lineno, l->p, l->len, why, NULL, NULL);
	}
	if (jscan_parse(&f->js, l->p, l->len) < 0) {
		snprintf(why, sizeof(why), "not valid JSON: %s", f->js.err);
		return reject(f, origin, l->lineno, l->p, l->len, why, NULL, NULL);
	}
	kind = event_check(&f->js, why, sizeof(why));
	if (kind == EVENT_BAD) {
		scanned_ids(&f->js, 1, subject, sizeof(subject), id, sizeof(id));
		return reject(f, origin, l->lineno, l->p, l->len, why, subject, id);
	}
	if (kind == EVENT_ITEM) {
		if (f->def.item_type)
			return wrap_item(f, l->p, l->len, origin, l->lineno);
		if (f->opts.strict)
			return reject(f, origin, l->lineno, l->p, l->len,
				      "a work item, not an event", NULL, NULL);
		return pass(f, l->p, l->len);
	}
	type = jscan_find(&f->js, "type");
	if (!f->opts.strict && !consumes(f, type))
		return pass(f, l->p, l->len);
	/* what a rejection of this event would name it by */
	scanned_ids(&f->js, 1, subject, sizeof(subject), id, sizeof(id));

	ev = json_loadb(l->p, l->len, JSON_REJECT_DUPLICATES, &jerr);
	if (!ev)
		return reject(f, origin, l->lineno, l->p, l->len,
			      load_error(&jerr, why, sizeof(why)), subject, id);
	if (f->opts.strict && validate_data(ev, why, sizeof(why)) < 0) {
		json_decref(ev);
		return reject(f, origin, l->lineno, l->p, l->len, why, subject, id);
	}
	rc = pass(f, l->p, l->len);
	if (rc == 0 && consumes(f, type))
		rc = handle(f, ev, origin, l->lineno);
	json_decref(ev);
	return rc;
}

int filter_run(struct filter *f, int fd, const char *name)
{
	struct jsonl_reader r;
	struct jsonl_line l;
	int rc;

	if (jsonl_init(&r, fd, name, f->opts.max_line) < 0)
		return -1;
	while ((rc = jsonl_next(&r, &l)) == 1) {
		f->st.lines++;
		if (l.has_nul && !l.too_long) {
			const char *z = memchr(l.p, '\0', l.len);
			char why[64];

			event_ctx_seed(f->ec, l.p, l.len);
			snprintf(why, sizeof(why), "NUL byte at byte %zu", (size_t)(z - l.p) + 1);
			rc = reject(f, name, l.lineno, l.p, l.len, why, NULL, NULL);
		} else {
			rc = one_line(f, &l, name);
		}
		if (rc < 0 && (f->out->code || f->sink_code))
			break;
		if (f->stopped)
			break;
		/* before the read may block, let the jobs run until it would not */
		if (!jsonl_buffered(&r) && f->inflight && settle(f, fd, 0) < 0) {
			rc = -1;
			break;
		}
		if (!jsonl_buffered(&r) && out_flush(f->out) < 0) {
			rc = out_failed(f);
			break;
		}
		rc = 0;
	}
	if (rc < 0 && !f->out->code && !f->sink_code)
		f->read_error = 1;
	jsonl_release(&r);
	if (settle(f, -1, 0) < 0)
		rc = -1;
	return rc < 0 ? -1 : 0;
}
