/*
 * kafka.c - events over Kafka with librdkafka, in the CloudEvents Kafka
 * protocol binding (see kafka.h).
 *
 * The producer's hot path builds nothing: one jscan pass over the line and
 * a few checks on what it found, the key and the data used in place, and
 * the line (or the data) copied once, into a batch that a thread of its own
 * (the sender) hands to librdkafka without another copy, so checking the
 * next events and producing the last ones overlap. Topic handles are kept
 * per event type so a produce does not look a topic up by name inside
 * librdkafka. Delivery reports count successes and failures; the first
 * failure's text is kept for the flush's message.
 *
 * A consumer with a group subscribes and follows the group's (cooperative)
 * rebalances. A consumer without one assigns itself every partition of its
 * topics, found through metadata, under a throwaway group id that is never
 * used to join or commit: no group state is created on the brokers, and
 * there is no join delay. Topics that do not exist yet are looked for again
 * every second. Received values are turned back into event lines (binary
 * mode events are rebuilt from their ce_ headers) and checked with jscan and
 * event_check; what fails is handed out marked malformed rather than
 * dropped, so the caller can reject it visibly.
 *
 * librdkafka logs through log_cb straight to stderr (warnings and worse).
 * That is the one place lib/ writes to stderr: librdkafka's threads have no
 * caller to return a message to.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "buf.h"
#include "error.h"
#include "event.h"
#include "jscan.h"
#include "kafka.h"
#include "log.h"
#include "banned.h"

#define KAFKA_LOG_WARNING 4           /* syslog's LOG_WARNING */
#define TOPIC_NAME_MAX 249            /* Kafka's limit */
#define CONF_FILE_MAX (1024 * 1024)
#define LINE_MAX_BYTES (256u * 1024 * 1024)
#define META_RETRY_MS 1000
#define CT_STRUCTURED "application/cloudevents+json; charset=UTF-8"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *msg)
{
	if (level > KAFKA_LOG_WARNING)
		return;
	fprintf(stderr, "%s: kafka: %s: %s\n", program_invocation_short_name, fac, msg);
}

/* ---- configuration ---- */

static int conf_set(rd_kafka_conf_t *conf, const char *name, const char *value,
		    const char *path, int lineno)
{
	char errstr[512];

	if (rd_kafka_conf_set(conf, name, value, errstr, sizeof(errstr)) == RD_KAFKA_CONF_OK)
		return 0;
	if (path)
		return ak_error(AK_EXIT_USAGE, "bad Kafka property '%s' ('%s' line %d): %s",
				name, path, lineno, errstr);
	return ak_error(AK_EXIT_USAGE, "bad Kafka property '%s': %s", name, errstr);
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/*
 * Apply a kcat-style config file: name=value lines, blank lines and lines
 * starting with '#' ignored, white space around name and value trimmed.
 * 0, or -1 with ak_error (AK_EXIT_USAGE for a bad line or property).
 */
static int conf_file(rd_kafka_conf_t *conf, const char *path)
{
	struct buf b;
	char *line, *next;
	int lineno = 0, ret = 0;

	buf_init(&b, CONF_FILE_MAX);
	if (buf_read_file(&b, path) < 0) {
		buf_release(&b);
		return -1;
	}
	if (b.len && memchr(b.p, '\0', b.len)) {
		buf_release(&b);
		return ak_error(AK_EXIT_USAGE, "bad Kafka config file '%s': it holds a NUL byte",
				path);
	}
	for (line = b.p; line && *line && ret == 0; line = next) {
		char *eq, *name;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		name = trim(line);
		if (*name == '\0' || *name == '#')
			continue;
		eq = strchr(name, '=');
		if (!eq) {
			ret = ak_error(AK_EXIT_USAGE, "bad Kafka config file '%s' line %d: expected name=value",
				       path, lineno);
			break;
		}
		*eq = '\0';
		ret = conf_set(conf, trim(name), trim(eq + 1), path, lineno);
	}
	buf_release(&b);
	return ret;
}

static int conf_prop(rd_kafka_conf_t *conf, const char *prop)
{
	const char *eq = strchr(prop, '=');
	char name[256];

	if (!eq || eq == prop)
		return ak_error(AK_EXIT_USAGE, "bad Kafka property '%s': expected name=value", prop);
	if ((size_t)(eq - prop) >= sizeof(name))
		return ak_error(AK_EXIT_USAGE, "bad Kafka property '%.40s...': name too long", prop);
	memcpy(name, prop, (size_t)(eq - prop));
	name[eq - prop] = '\0';
	return conf_set(conf, name, eq + 1, NULL, 0);
}

/*
 * A configuration for one handle: defs (name, value pairs, NULL-ended) are
 * ours, then the -F file, -b and the -X properties, so what the user gives
 * wins. Returns a new conf, or NULL with ak_error.
 */
static rd_kafka_conf_t *conf_new(const struct kafka_opts *opts, const char *const *defs,
				 void *opaque)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char bs[16];
	size_t bslen = sizeof(bs);

	rd_kafka_conf_set_log_cb(conf, log_cb);
	rd_kafka_conf_set_opaque(conf, opaque);
	if (conf_set(conf, "log.connection.close", "false", NULL, 0) < 0)
		goto fail;
	for (; defs && defs[0]; defs += 2)
		if (conf_set(conf, defs[0], defs[1], NULL, 0) < 0)
			goto fail;
	if (opts->config_file && conf_file(conf, opts->config_file) < 0)
		goto fail;
	if (opts->brokers && conf_set(conf, "bootstrap.servers", opts->brokers, NULL, 0) < 0)
		goto fail;
	for (const char *const *x = opts->props; x && *x; x++)
		if (conf_prop(conf, *x) < 0)
			goto fail;
	if (rd_kafka_conf_get(conf, "bootstrap.servers", bs, &bslen) != RD_KAFKA_CONF_OK ||
	    bslen <= 1) {
		ak_error(AK_EXIT_USAGE, "no Kafka brokers given (-b or bootstrap.servers)");
		goto fail;
	}
	return conf;
fail:
	rd_kafka_conf_destroy(conf);
	return NULL;
}

/* A handle; conf is consumed either way. NULL with ak_error. */
static rd_kafka_t *handle_new(rd_kafka_type_t type, rd_kafka_conf_t *conf)
{
	char errstr[512];
	rd_kafka_t *rk = rd_kafka_new(type, conf, errstr, sizeof(errstr));

	if (!rk) {
		rd_kafka_conf_destroy(conf);
		ak_error(AK_EXIT_USAGE, "cannot set up Kafka %s: %s",
			 type == RD_KAFKA_PRODUCER ? "producer" : "consumer", errstr);
	}
	return rk;
}

int kafka_prop_add(const char **props, int *n, int max, const char *arg)
{
	if (*n >= max)
		return ak_error(AK_EXIT_USAGE, "too many -X properties");
	if (!strchr(arg, '='))
		return ak_error(AK_EXIT_USAGE, "-X takes NAME=VALUE, not '%s'", arg);
	props[(*n)++] = arg;
	props[*n] = NULL;
	return 0;
}

void kafka_topic_for(const struct kafka_opts *opts, const char *type, char *out, size_t len)
{
	if (opts->topic)
		snprintf(out, len, "%s", opts->topic);
	else
		snprintf(out, len, "%s%s", opts->topic_prefix ? opts->topic_prefix : "agentkit.",
			 type);
}

const char *kafka_version(void)
{
	static char v[64];

	snprintf(v, sizeof(v), "librdkafka %s", rd_kafka_version_str());
	return v;
}

/* Kafka's rule for topic names: 1-249 of [A-Za-z0-9._-], not "." or "..". */
static int topic_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > TOPIC_NAME_MAX || !strcmp(s, ".") || !strcmp(s, ".."))
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' || *s == '-'))
			return 0;
	return 1;
}

/* ---- JSON and base64 helpers ---- */

/*
 * Append the decoded bytes of a raw JSON string (between the quotes, already
 * validated by jscan) to b. Unlike jscan_strcpy it keeps \u0000: data is
 * bytes. 0 or -1 (the buffer's limit).
 */
static int json_unescape(struct buf *b, const char *s, size_t n)
{
	if (buf_grow(b, n) < 0)
		return -1;
	b->len += jscan_decode(s, n, b->p + b->len);
	b->p[b->len] = '\0';
	return 0;
}

/* Append p[0..n) (valid UTF-8) to b as a JSON string. 0 or -1. */
static int json_quote(struct buf *b, const char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const char *end = p + n, *run = p;

	if (buf_addch(b, '"') < 0)
		return -1;
	for (; p < end; p++) {
		unsigned char c = (unsigned char)*p;
		char e[6];
		size_t el = 2;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		if (buf_add(b, run, (size_t)(p - run)) < 0)
			return -1;
		run = p + 1;
		e[0] = '\\';
		switch (c) {
		case '"': e[1] = '"'; break;
		case '\\': e[1] = '\\'; break;
		case '\n': e[1] = 'n'; break;
		case '\r': e[1] = 'r'; break;
		case '\t': e[1] = 't'; break;
		case '\b': e[1] = 'b'; break;
		case '\f': e[1] = 'f'; break;
		default:
			e[1] = 'u';
			e[2] = '0';
			e[3] = '0';
			e[4] = hex[c >> 4];
			e[5] = hex[c & 15];
			el = 6;
			break;
		}
		if (buf_add(b, e, el) < 0)
			return -1;
	}
	if (buf_add(b, run, (size_t)(p - run)) < 0)
		return -1;
	return buf_addch(b, '"');
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_encode(struct buf *b, const unsigned char *p, size_t n)
{
	if (buf_grow(b, (n + 2) / 3 * 4) < 0)
		return -1;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16;
		char q[4];

		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		q[0] = b64[v >> 18];
		q[1] = b64[(v >> 12) & 63];
		q[2] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		q[3] = i + 2 < n ? b64[v & 63] : '=';
		buf_add(b, q, 4);
	}
	return 0;
}

/* Decode standard base64 (padding optional) into b. 0, or -1 when invalid. */
static int b64_decode(struct buf *b, const char *s, size_t n)
{
	unsigned v = 0;
	int bits = 0;
	size_t i;

	while (n && s[n - 1] == '=')
		n--;
	if (n % 4 == 1)
		return -1;
	for (i = 0; i < n; i++) {
		const char *c = memchr(b64, s[i], 64);

		if (!c || !s[i])
			return -1;
		v = v << 6 | (unsigned)(c - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (buf_addch(b, (char)((v >> bits) & 0xff)) < 0)
				return -1;
		}
	}
	return 0;
}

/* A media type whose content is JSON: application/json, text/json, x+json. */
static int media_is_json(const char *ct, size_t n)
{
	const char *semi = memchr(ct, ';', n);

	if (semi)
		n = (size_t)(semi - ct);
	while (n && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
		n--;
	while (n && (*ct == ' ' || *ct == '\t')) {
		ct++;
		n--;
	}
	return (n == 16 && !strncasecmp(ct, "application/json", 16)) ||
	       (n == 9 && !strncasecmp(ct, "text/json", 9)) ||
	       (n > 5 && !strncasecmp(ct + n - 5, "+json", 5));
}

/* ---- producing ---- */

struct ptopic {
	char *type;
	rd_kafka_topic_t *rkt;
};

/*
 * Producing runs on a thread of its own (the sender), so that checking the
 * next events on the caller's thread and handing the last ones to
 * librdkafka overlap. The caller copies each checked event into a batch:
 * its topic, value, key and (binary mode) headers. Full batches go round a
 * ring of SEND_BATCHES; the sender produces each message and serves the
 * delivery reports. librdkafka does not copy the values and keys again: a
 * batch's bytes stay until the last of its messages has been reported,
 * then the batch is used again (or freed). The caller waits only while
 * every slot of the ring is full, and librdkafka's queue limits bound what
 * waits for delivery, so memory stays bounded.
 */
#define SEND_BATCHES 4
#define SEND_BATCH_BYTES (512u << 10)
#define SEND_BATCH_MSGS 1024
#define SEND_SPARES 16

struct pmsg {
	rd_kafka_topic_t *rkt;
	rd_kafka_headers_t *h;        /* binary mode's, owned; NULL: structured */
	size_t val, vlen, key, klen;  /* offsets into the batch's bytes */
	int has_val, has_key;         /* a null value or key is not an empty one */
};

struct pbatch {
	struct buf bytes;
	struct pmsg m[SEND_BATCH_MSGS];
	size_t n;
	size_t refs;                  /* its messages librdkafka still holds */
	int sent;                     /* the sender is done with it */
	struct pbatch *prev, *next;   /* every batch, to free them at the end */
	struct pbatch *spare;         /* the batches ready for use */
};

struct sender {
	pthread_t thread;
	int running;
	pthread_mutex_t mu;
	pthread_cond_t work;          /* a batch is full, or stop */
	pthread_cond_t room;          /* a slot is free again */
	struct pbatch *fill;          /* the batch the caller fills */
	struct pbatch *slot[SEND_BATCHES];
	size_t head, count;           /* the full slots, in order */
	struct pbatch *all, *spares;
	size_t nspares;
	int stop;
	int quiet;                    /* the caller is flushing: no idle polls */
	atomic_int quit;              /* being freed: drop, do not wait for room */
	/* the sender's first failure; from then on it drops what comes */
	atomic_int failed;
	int fail_code, fail_reported;
	char fail_msg[512];
};

struct kafka_producer {
	rd_kafka_t *rk;
	int binary;
	char prefix[128];
	rd_kafka_topic_t *fixed;      /* opts->topic, or NULL */
	struct ptopic *topics;        /* per event type */
	size_t ntopics, topics_cap, last;
	uint64_t queued, acked, failed;
	char first_err[256];
	size_t max_bytes;             /* message.max.bytes */
	struct buf key, val, hv;      /* scratch, reused for every event */
	struct jscan js;
	char why[160];
	struct sender snd;
};

/* ---- the sender ---- */

/* Record the sender's first failure (on the sender's thread). */
static void send_failed(struct sender *sd, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void send_failed(struct sender *sd, int code, const char *fmt, ...)
{
	va_list ap;

	if (atomic_load_explicit(&sd->failed, memory_order_relaxed))
		return;
	va_start(ap, fmt);
	vsnprintf(sd->fail_msg, sizeof(sd->fail_msg), fmt, ap);
	va_end(ap);
	sd->fail_code = code;
	atomic_store_explicit(&sd->failed, 1, memory_order_release);
}

/* A batch to fill: a spare one, or a new one. NULL when out of memory. */
static struct pbatch *batch_get(struct sender *sd)
{
	struct pbatch *b = sd->spares;

	if (b) {
		sd->spares = b->spare;
		sd->nspares--;
	} else {
		b = calloc(1, sizeof(*b));
		if (!b)
			return NULL;
		buf_init(&b->bytes, 2 * (size_t)LINE_MAX_BYTES);
		b->next = sd->all;
		if (b->next)
			b->next->prev = b;
		sd->all = b;
	}
	b->n = 0;
	b->refs = 0;
	b->sent = 0;
	b->spare = NULL;
	buf_reset(&b->bytes);
	return b;
}

/* Free a batch whose messages librdkafka no longer holds. */
static void batch_free(struct sender *sd, struct pbatch *b)
{
	if (b->prev)
		b->prev->next = b->next;
	else
		sd->all = b->next;
	if (b->next)
		b->next->prev = b->prev;
	for (size_t i = 0; i < b->n; i++)
		if (b->m[i].h)
			rd_kafka_headers_destroy(b->m[i].h);
	buf_release(&b->bytes);
	free(b);
}

/*
 * A batch nothing refers to any more becomes a spare, unless there are
 * spares enough; one that grew for a huge event lets its bytes go.
 */
static void batch_done(struct sender *sd, struct pbatch *b)
{
	if (sd->nspares >= SEND_SPARES) {
		batch_free(sd, b);
		return;
	}
	if (b->bytes.cap > 4 * SEND_BATCH_BYTES)
		buf_release(&b->bytes);
	b->spare = sd->spares;
	sd->spares = b;
	sd->nspares++;
}

/*
 * A delivery report. It runs where librdkafka is polled: on the sender's
 * thread while it produces, on the caller's once it has drained the sender
 * (never on both at once), so the counts and batches need no lock.
 */
static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque)
{
	struct kafka_producer *p = opaque;
	struct pbatch *b = msg->_private;

	if (b && --b->refs == 0 && b->sent)
		batch_done(&p->snd, b);
	if (!msg->err) {
		p->acked++;
		return;
	}
	p->failed++;
	if (!p->first_err[0])
		snprintf(p->first_err, sizeof(p->first_err), "%s", rd_kafka_err2str(msg->err));
}

/* Produce one message of a batch; waits (serving reports) while the queue is full. */
static void send_one(struct kafka_producer *p, struct pbatch *b, struct pmsg *m)
{
	struct sender *sd = &p->snd;
	rd_kafka_headers_t *h = m->h;
	rd_kafka_resp_err_t err;

	m->h = NULL;
	if (atomic_load_explicit(&sd->failed, memory_order_relaxed) ||
	    atomic_load_explicit(&sd->quit, memory_order_relaxed)) {
		if (h)
			rd_kafka_headers_destroy(h);
		return;
	}
	if (!h) {
		/* structured mode: the binding's content-type on every message */
		h = rd_kafka_headers_new(1);
		rd_kafka_header_add(h, "content-type", 12, CT_STRUCTURED, sizeof(CT_STRUCTURED) - 1);
	}
	for (;;) {
		/* no copy: the batch stays until the report (msg_opaque) */
		err = rd_kafka_producev(p->rk, RD_KAFKA_V_RKT(m->rkt),
					RD_KAFKA_V_VALUE(m->has_val ? b->bytes.p + m->val : NULL,
							 m->vlen),
					RD_KAFKA_V_KEY(m->has_key ? b->bytes.p + m->key : NULL, m->klen),
					RD_KAFKA_V_HEADERS(h),
					RD_KAFKA_V_OPAQUE(b),
					RD_KAFKA_V_END);
		if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
			break;
		if (atomic_load_explicit(&sd->quit, memory_order_relaxed)) {
			rd_kafka_headers_destroy(h);
			return;
		}
		rd_kafka_poll(p->rk, 100);
	}
	if (err) {
		/* the headers are ours again when producev fails */
		rd_kafka_headers_destroy(h);
		send_failed(sd, err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE ?
			    AK_EXIT_DATAERR : AK_EXIT_UNAVAILABLE,
			    "cannot send event to '%s': %s", rd_kafka_topic_name(m->rkt),
			    rd_kafka_err2str(err));
		return;
	}
	b->refs++;
	/* serve delivery reports; every few events is as good and costs less */
	if ((++p->queued & 15) == 0)
		rd_kafka_poll(p->rk, 0);
}

/*
 * Wait for a full slot, or stop. Idle, it still serves the reports now and
 * then, so that delivered messages are let go: under the lock, so that once
 * the caller has drained the sender (and flushes itself) it serves none.
 */
static void sender_wait(struct kafka_producer *p)
{
	struct sender *sd = &p->snd;

	while (!sd->count && !sd->stop) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100 * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		if (pthread_cond_timedwait(&sd->work, &sd->mu, &ts) != 0 &&
		    !sd->count && !sd->stop && !sd->quiet)
			rd_kafka_poll(p->rk, 0);
	}
}

static void *sender_main(void *arg)
{
	struct kafka_producer *p = arg;
	struct sender *sd = &p->snd;

	pthread_mutex_lock(&sd->mu);
	for (;;) {
		struct pbatch *b, *next;

		sender_wait(p);
		if (sd->stop)
			break;
		b = sd->slot[sd->head];
		pthread_mutex_unlock(&sd->mu);
		for (size_t i = 0; i < b->n; i++)
			send_one(p, b, &b->m[i]);
		b->sent = 1;
		if (!b->refs)
			batch_done(sd, b);
		pthread_mutex_lock(&sd->mu);
		/* the slot takes a fresh batch; the old one waits for its reports */
		next = batch_get(sd);
		if (!next) {
			send_failed(sd, AK_EXIT_SOFTWARE, "out of memory");
			break;
		}
		sd->slot[sd->head] = next;
		sd->head = (sd->head + 1) % SEND_BATCHES;
		sd->count--;
		pthread_cond_broadcast(&sd->room);
	}
	/* stopped (or failed): the caller must not wait for room any more */
	sd->stop = 1;
	pthread_cond_broadcast(&sd->room);
	pthread_mutex_unlock(&sd->mu);
	return NULL;
}

/* Start the sender. 0, or -1 with ak_error. */
static int sender_start(struct kafka_producer *p)
{
	struct sender *sd = &p->snd;
	sigset_t all, old;
	int err;

	for (size_t i = 0; i < SEND_BATCHES; i++)
		if (!(sd->slot[i] = batch_get(sd)))
			return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	sd->fill = sd->slot[0];
	pthread_mutex_init(&sd->mu, NULL);
	pthread_cond_init(&sd->work, NULL);
	pthread_cond_init(&sd->room, NULL);
	/* signals stay with the caller's thread, as librdkafka's threads leave them */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&sd->thread, NULL, sender_main, p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		pthread_mutex_destroy(&sd->mu);
		pthread_cond_destroy(&sd->work);
		pthread_cond_destroy(&sd->room);
		return ak_error(AK_EXIT_SOFTWARE, "cannot start the Kafka sender: %s", strerror(err));
	}
	sd->running = 1;
	return 0;
}

/*
 * Hand the batch being filled to the sender and take the next free slot's.
 * 0, or -1 when the sender has stopped (its failure says why).
 */
static int sender_submit(struct sender *sd)
{
	int ret = 0;

	pthread_mutex_lock(&sd->mu);
	if (sd->stop) {
		ret = -1;
		goto out;
	}
	sd->count++;
	sd->quiet = 0;
	pthread_cond_signal(&sd->work);
	while (sd->count == SEND_BATCHES && !sd->stop)
		pthread_cond_wait(&sd->room, &sd->mu);
	if (sd->stop) {
		ret = -1;
		goto out;
	}
	sd->fill = sd->slot[(sd->head + sd->count) % SEND_BATCHES];
out:
	pthread_mutex_unlock(&sd->mu);
	return ret;
}

/*
 * Wait until the sender has produced everything handed to it; until the
 * next batch it leaves librdkafka to the caller.
 */
static void sender_drain(struct sender *sd)
{
	if (!sd->running)
		return;
	if (sd->fill->n && sender_submit(sd) < 0)
		return;
	pthread_mutex_lock(&sd->mu);
	while (sd->count && !sd->stop)
		pthread_cond_wait(&sd->room, &sd->mu);
	sd->quiet = 1;
	pthread_mutex_unlock(&sd->mu);
}

/* Stop the sender; what it has not produced yet is dropped. */
static void sender_stop(struct sender *sd)
{
	if (!sd->running)
		return;
	atomic_store_explicit(&sd->quit, 1, memory_order_relaxed);
	pthread_mutex_lock(&sd->mu);
	sd->stop = 1;
	pthread_cond_signal(&sd->work);
	pthread_mutex_unlock(&sd->mu);
	pthread_join(sd->thread, NULL);
	pthread_mutex_destroy(&sd->mu);
	pthread_cond_destroy(&sd->work);
	pthread_cond_destroy(&sd->room);
	sd->running = 0;
}

/* Free every batch: only once librdkafka holds none of their messages. */
static void sender_free(struct sender *sd)
{
	while (sd->all)
		batch_free(sd, sd->all);
	sd->spares = NULL;
	sd->nspares = 0;
	sd->fill = NULL;
}

/* The sender's failure as the caller's error: -1 with ak_error once it failed, else 0. */
static int sender_error(struct sender *sd)
{
	if (!atomic_load_explicit(&sd->failed, memory_order_acquire))
		return 0;
	sd->fail_reported = 1;
	return ak_error(sd->fail_code, "%s", sd->fail_msg);
}

/*
 * Queue a message for the sender: value and key are copied (NULL stays
 * NULL), h is taken. 0, or -1 with ak_error.
 */
static int sender_put(struct kafka_producer *p, rd_kafka_topic_t *rkt, rd_kafka_headers_t *h,
		      const void *val, size_t vlen, const void *key, size_t klen)
{
	struct sender *sd = &p->snd;
	struct pbatch *b = sd->fill;
	struct pmsg *m;

	if (b->n == SEND_BATCH_MSGS ||
	    (b->n && b->bytes.len + vlen + klen > SEND_BATCH_BYTES)) {
		if (sender_submit(sd) < 0) {
			if (h)
				rd_kafka_headers_destroy(h);
			return sender_error(sd);
		}
		b = sd->fill;
	}
	if (buf_grow(&b->bytes, vlen + klen) < 0) {
		if (h)
			rd_kafka_headers_destroy(h);
		return -1;
	}
	m = &b->m[b->n];
	m->rkt = rkt;
	m->h = h;
	m->has_val = val != NULL;
	m->val = b->bytes.len;
	m->vlen = vlen;
	if (vlen)
		memcpy(b->bytes.p + b->bytes.len, val, vlen);
	b->bytes.len += vlen;
	m->has_key = key != NULL;
	m->key = b->bytes.len;
	m->klen = klen;
	if (klen)
		memcpy(b->bytes.p + b->bytes.len, key, klen);
	b->bytes.len += klen;
	b->n++;
	return 0;
}

struct kafka_producer *kafka_producer_new(const struct kafka_opts *opts)
{
	char tmo[32], num[32];
	size_t numlen = sizeof(num);
	/* the delivery timeout bounds the wait for unreachable brokers */
	const char *const defs[] = {
		"enable.idempotence", "true",
		"compression.type", "lz4",
		"linger.ms", "20",
		"batch.num.messages", "10000",
		"queue.buffering.max.messages", "2000000",
		"message.timeout.ms", tmo,
		NULL,
	};
	struct kafka_producer *p;
	rd_kafka_conf_t *conf;

	if (opts->topic && !topic_name_ok(opts->topic)) {
		ak_error(AK_EXIT_USAGE, "bad topic name '%s'", opts->topic);
		return NULL;
	}
	if (opts->topic_prefix && (strlen(opts->topic_prefix) >= sizeof(p->prefix) ||
				   (*opts->topic_prefix && !topic_name_ok(opts->topic_prefix)))) {
		ak_error(AK_EXIT_USAGE, "bad topic prefix '%s'", opts->topic_prefix);
		return NULL;
	}
	snprintf(tmo, sizeof(tmo), "%ld", opts->timeout_ms > 0 ? opts->timeout_ms : 30000);
	p = calloc(1, sizeof(*p));
	if (!p) {
		ak_error(AK_EXIT_SOFTWARE, "out of memory");
		return NULL;
	}
	p->binary = opts->binary;
	snprintf(p->prefix, sizeof(p->prefix), "%s",
		 opts->topic_prefix ? opts->topic_prefix : "agentkit.");
	buf_init(&p->key, LINE_MAX_BYTES);
	buf_init(&p->val, LINE_MAX_BYTES);
	buf_init(&p->hv, LINE_MAX_BYTES);
	conf = conf_new(opts, defs, p);
	if (!conf)
		goto fail;
	rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
	if (rd_kafka_conf_get(conf, "message.max.bytes", num, &numlen) != RD_KAFKA_CONF_OK ||
	    (p->max_bytes = strtoul(num, NULL, 10)) == 0)
		p->max_bytes = SIZE_MAX;
	p->rk = handle_new(RD_KAFKA_PRODUCER, conf);
	if (!p->rk)
		goto fail;
	if (opts->topic) {
		p->fixed = rd_kafka_topic_new(p->rk, opts->topic, NULL);
		if (!p->fixed) {
			ak_error(AK_EXIT_USAGE, "cannot use topic '%s': %s", opts->topic,
				 rd_kafka_err2str(rd_kafka_last_error()));
			goto fail;
		}
	}
	if (sender_start(p) < 0)
		goto fail;
	return p;
fail:
	kafka_producer_free(p);
	return NULL;
}

/* The topic handle for an event of this type; NULL with ak_error. */
static rd_kafka_topic_t *producer_topic(struct kafka_producer *p, const struct jscan_member *type)
{
	char t[TOPIC_NAME_MAX + 1], name[2 * TOPIC_NAME_MAX];
	struct ptopic *pt;

	if (p->fixed)
		return p->fixed;
	if (jscan_strcpy(type, t, sizeof(t)) < 0) {
		ak_error(AK_EXIT_DATAERR, "event type too long for a Kafka topic name");
		return NULL;
	}
	if (p->ntopics && !strcmp(p->topics[p->last].type, t))
		return p->topics[p->last].rkt;
	for (size_t i = 0; i < p->ntopics; i++)
		if (!strcmp(p->topics[i].type, t)) {
			p->last = i;
			return p->topics[i].rkt;
		}
	snprintf(name, sizeof(name), "%s%s", p->prefix, t);
	if (!topic_name_ok(name)) {
		ak_error(AK_EXIT_DATAERR,
			 "event type '%s' gives no valid Kafka topic name ('%s': 1-249 of a-z A-Z 0-9 . _ -)",
			 t, name);
		return NULL;
	}
	if (p->ntopics == p->topics_cap) {
		size_t cap = p->topics_cap ? 2 * p->topics_cap : 16;
		struct ptopic *n = realloc(p->topics, cap * sizeof(*n));

		if (!n) {
			ak_error(AK_EXIT_SOFTWARE, "out of memory");
			return NULL;
		}
		p->topics = n;
		p->topics_cap = cap;
	}
	pt = &p->topics[p->ntopics];
	pt->type = strdup(t);
	if (!pt->type) {
		ak_error(AK_EXIT_SOFTWARE, "out of memory");
		return NULL;
	}
	pt->rkt = rd_kafka_topic_new(p->rk, name, NULL);
	if (!pt->rkt) {
		free(pt->type);
		ak_error(AK_EXIT_SOFTWARE, "cannot use topic '%s': %s", name,
			 rd_kafka_err2str(rd_kafka_last_error()));
		return NULL;
	}
	p->last = p->ntopics++;
	return pt->rkt;
}

/* A string member's bytes: in place when it has no escapes, else decoded into b. */
static int member_bytes(const struct jscan_member *m, struct buf *b, const char **s, size_t *n)
{
	if (!m->val_escaped) {
		*s = m->val;
		*n = m->val_len;
		return 0;
	}
	buf_reset(b);
	if (json_unescape(b, m->val, m->val_len) < 0)
		return -1;
	*s = b->p;
	*n = b->len;
	return 0;
}

/* The top-level members kafka_produce reads, found in one pass. */
struct ev_members {
	const struct jscan_member *specversion, *id, *source, *type, *subject;
	const struct jscan_member *datacontenttype, *data, *data_base64;
};

static int key_is(const struct jscan_member *m, const char *name, size_t n)
{
	return m->key_len == n && !memcmp(m->key, name, n);
}

static void find_members(const struct jscan *js, struct ev_members *e)
{
	memset(e, 0, sizeof(*e));
	for (size_t i = 0; i < js->nmembers; i++) {
		const struct jscan_member *m = &js->m[i];

		if (m->key_escaped)
			goto slow;
		if (key_is(m, "id", 2))
			e->id = m;
		else if (key_is(m, "type", 4))
			e->type = m;
		else if (key_is(m, "data", 4))
			e->data = m;
		else if (key_is(m, "source", 6))
			e->source = m;
		else if (key_is(m, "subject", 7))
			e->subject = m;
		else if (key_is(m, "specversion", 11))
			e->specversion = m;
		else if (key_is(m, "data_base64", 11))
			e->data_base64 = m;
		else if (key_is(m, "datacontenttype", 15))
			e->datacontenttype = m;
	}
	return;
slow:
	/* a name written with escapes: let jscan decode them */
	e->specversion = jscan_find(js, "specversion");
	e->id = jscan_find(js, "id");
	e->source = jscan_find(js, "source");
	e->type = jscan_find(js, "type");
	e->subject = jscan_find(js, "subject");
	e->datacontenttype = jscan_find(js, "datacontenttype");
	e->data = jscan_find(js, "data");
	e->data_base64 = jscan_find(js, "data_base64");
}

static int required_str(const struct jscan_member *m, const char *name)
{
	if (!m)
		return ak_error(AK_EXIT_DATAERR, "not an event: missing required attribute '%s'", name);
	if (m->type != JS_STRING || m->val_len == 0)
		return ak_error(AK_EXIT_DATAERR, "not an event: attribute '%s' must be a non-empty string",
				name);
	return 0;
}

/*
 * What the producer checks: one valid JSON object (jscan), an event and not
 * a work item, with what routing and the binding need. The full contract
 * (times, traceparent, extension names) is event_check's, run by the filter
 * loop in front of us and by every consumer; running it here too would cost
 * a third of the producer's time.
 */
static int produce_check(const struct jscan *js, struct ev_members *e)
{
	if (js->type != JS_OBJECT)
		return ak_error(AK_EXIT_DATAERR, "not an event: not a JSON object but %s %s",
				js->type == JS_ARRAY ? "an" : "a", jscan_type_name(js->type));
	find_members(js, e);
	if (!e->specversion && !(e->type && e->source))
		return ak_error(AK_EXIT_DATAERR, "not an event: no 'specversion'");
	if (!e->specversion)
		return ak_error(AK_EXIT_DATAERR, "not an event: missing required attribute 'specversion'");
	if (!jscan_streq(e->specversion, "1.0"))
		return ak_error(AK_EXIT_DATAERR, "not an event: specversion must be \"1.0\"");
	if (required_str(e->id, "id") < 0 || required_str(e->source, "source") < 0 ||
	    required_str(e->type, "type") < 0)
		return -1;
	if (e->data && e->data_base64)
		return ak_error(AK_EXIT_DATAERR, "not an event: 'data' and 'data_base64' exclude each other");
	if (e->data_base64 && e->data_base64->type != JS_STRING)
		return ak_error(AK_EXIT_DATAERR, "not an event: attribute 'data_base64' must be a string");
	return 0;
}

/*
 * Binary mode: the headers (ce_ attributes and content-type) and the value
 * (the data) of the event scanned in js. 0, or -1 with ak_error.
 */
static int binary_parts(struct kafka_producer *p, const struct jscan *js,
			const struct ev_members *e, rd_kafka_headers_t *h,
			const void **val, size_t *vlen)
{
	const struct jscan_member *dct = e->datacontenttype;
	const struct jscan_member *data = e->data;
	const struct jscan_member *d64 = e->data_base64;
	const char *ct = NULL, *s;
	size_t ctlen = 0, n;
	char name[64];

	for (size_t i = 0; i < js->nmembers; i++) {
		const struct jscan_member *m = &js->m[i];
		struct jscan_member k = { .type = JS_STRING, .val = m->key, .val_len = m->key_len,
					  .val_escaped = m->key_escaped };

		memcpy(name, "ce_", 3);
		if (jscan_strcpy(&k, name + 3, sizeof(name) - 3) < 0)
			return ak_error(AK_EXIT_DATAERR, "attribute name too long");
		if (m == dct || m == data || m == d64 || m->type == JS_NULL)
			continue;
		if (m->type == JS_STRING) {
			if (member_bytes(m, &p->hv, &s, &n) < 0)
				return -1;
		} else {
			s = m->val;
			n = m->val_len;
		}
		rd_kafka_header_add(h, name, -1, s, (ssize_t)n);
	}
	if (dct && dct->type == JS_STRING) {
		if (member_bytes(dct, &p->hv, &ct, &ctlen) < 0)
			return -1;
		rd_kafka_header_add(h, "content-type", -1, ct, (ssize_t)ctlen);
	} else if (data) {
		rd_kafka_header_add(h, "content-type", -1, "application/json", -1);
		ct = "application/json";
		ctlen = 16;
	} else if (d64) {
		rd_kafka_header_add(h, "content-type", -1, "application/octet-stream", -1);
	}

	*val = NULL;
	*vlen = 0;
	if (data && data->type == JS_STRING && !media_is_json(ct, ctlen)) {
		/* text data goes as its bytes; JSON data as its JSON text */
		if (member_bytes(data, &p->val, &s, &n) < 0)
			return -1;
		*val = s;
		*vlen = n;
	} else if (data && data->type == JS_STRING) {
		*val = data->val - 1;
		*vlen = data->val_len + 2;
	} else if (data) {
		*val = data->val;
		*vlen = data->val_len;
	} else if (d64 && d64->type == JS_STRING) {
		buf_reset(&p->val);
		if (member_bytes(d64, &p->hv, &s, &n) < 0)
			return -1;
		if (b64_decode(&p->val, s, n) < 0)
			return ak_error(AK_EXIT_DATAERR, "attribute 'data_base64' is not base64");
		*val = p->val.p ? p->val.p : "";
		*vlen = p->val.len;
	}
	return 0;
}

int kafka_produce(struct kafka_producer *p, const char *line, size_t len)
{
	if (jscan_parse(&p->js, line, len) < 0)
		return ak_error(AK_EXIT_DATAERR, "not an event: %s", p->js.err);
	return kafka_produce_scanned(p, line, len, &p->js);
}

int kafka_produce_scanned(struct kafka_producer *p, const char *line, size_t len,
			  const struct jscan *js)
{
	struct ev_members e;
	rd_kafka_topic_t *rkt;
	rd_kafka_headers_t *h = NULL;
	const void *val = line;
	const char *key = NULL;
	size_t vlen = len, klen = 0;

	if (sender_error(&p->snd) < 0)
		return -1;
	if (produce_check(js, &e) < 0)
		return -1;
	rkt = producer_topic(p, e.type);
	if (!rkt)
		return -1;
	if (e.subject && e.subject->type == JS_STRING &&
	    member_bytes(e.subject, &p->key, &key, &klen) < 0)
		return -1;
	if (p->binary) {
		h = rd_kafka_headers_new(js->nmembers + 1);
		if (binary_parts(p, js, &e, h, &val, &vlen) < 0) {
			rd_kafka_headers_destroy(h);
			return -1;
		}
	}
	/* what is plainly too large fails here, on its line; the sender
	 * catches the few bytes of framing librdkafka adds */
	if (vlen > p->max_bytes || klen > p->max_bytes - vlen) {
		if (h)
			rd_kafka_headers_destroy(h);
		return ak_error(AK_EXIT_DATAERR, "cannot send event to '%s': %s",
				rd_kafka_topic_name(rkt),
				rd_kafka_err2str(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE));
	}
	return sender_put(p, rkt, h, val, vlen, key, klen);
}

int kafka_producer_flush(struct kafka_producer *p, long timeout_ms)
{
	int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	int sender_failed;
	uint64_t left;

	sender_drain(&p->snd);
	/* the sender stopped producing at its failure; what it produced
	 * before is delivered all the same */
	sender_failed = atomic_load_explicit(&p->snd.failed, memory_order_acquire) &&
			!p->snd.fail_reported;
	for (;;) {
		int64_t rest = deadline - now_ms();

		if (rest < 0)
			rest = 0;
		rd_kafka_flush(p->rk, (int)(rest > 1000 ? 1000 : rest));
		if (rd_kafka_outq_len(p->rk) == 0 || rest == 0)
			break;
	}
	/* serve reports that arrived with the last flush */
	rd_kafka_poll(p->rk, 0);
	if (sender_failed)
		return sender_error(&p->snd);
	left = p->queued - p->acked - p->failed;
	if (p->failed || left)
		return ak_error(AK_EXIT_UNAVAILABLE, "%llu event%s not delivered: %s",
				(unsigned long long)(p->failed + left),
				p->failed + left == 1 ? "" : "s",
				p->first_err[0] ? p->first_err : "timed out");
	return 0;
}

void kafka_producer_counts(const struct kafka_producer *p, uint64_t *acked, uint64_t *failed)
{
	if (acked)
		*acked = p->acked;
	if (failed)
		*failed = p->failed;
}

void kafka_producer_free(struct kafka_producer *p)
{
	if (!p)
		return;
	sender_stop(&p->snd);
	if (p->rk) {
		/* drop what is still queued, so destroying does not wait for it */
		rd_kafka_purge(p->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
		rd_kafka_poll(p->rk, 0);
	}
	for (size_t i = 0; i < p->ntopics; i++) {
		rd_kafka_topic_destroy(p->topics[i].rkt);
		free(p->topics[i].type);
	}
	free(p->topics);
	if (p->fixed)
		rd_kafka_topic_destroy(p->fixed);
	if (p->rk)
		rd_kafka_destroy(p->rk);
	sender_free(&p->snd);
	buf_release(&p->key);
	buf_release(&p->val);
	buf_release(&p->hv);
	free(p);
}

/* ---- consuming ---- */

enum start { START_BEGINNING, START_END, START_STORED };

/* A partition this consumer has been given at some time. */
struct cpart {
	char *topic;
	int32_t partition;
	int assigned;
	int eof;
};

struct kafka_consumer {
	rd_kafka_t *rk;
	int group;                /* a real group: offsets are stored and committed */
	enum start start;
	int exit_at_end;
	int end_reported;         /* 2 was returned and nothing changed since */
	int stored;               /* an offset was stored since the last commit */
	struct cpart *parts;
	size_t nparts, parts_cap, last;
	char **pending;           /* no group: topics whose partitions are not known yet */
	size_t npending;
	int64_t next_meta;
	int64_t next_eof_check;   /* exit_at_end: when to ask about idle partitions */
	long timeout_ms;          /* opts->timeout_ms */
	struct buf line;
	struct jscan js;
	char topic[TOPIC_NAME_MAX + 1];
};

static struct cpart *part_find(struct kafka_consumer *c, const char *topic, int32_t partition)
{
	if (c->nparts && c->parts[c->last].partition == partition &&
	    !strcmp(c->parts[c->last].topic, topic))
		return &c->parts[c->last];
	for (size_t i = 0; i < c->nparts; i++)
		if (c->parts[i].partition == partition && !strcmp(c->parts[i].topic, topic)) {
			c->last = i;
			return &c->parts[i];
		}
	return NULL;
}

/* Record that a partition is assigned; *fresh says it never was before. */
static int part_assign(struct kafka_consumer *c, const char *topic, int32_t partition, int *fresh)
{
	struct cpart *cp = part_find(c, topic, partition);

	*fresh = cp == NULL;
	if (!cp) {
		if (c->nparts == c->parts_cap) {
			size_t cap = c->parts_cap ? 2 * c->parts_cap : 16;
			struct cpart *n = realloc(c->parts, cap * sizeof(*n));

			if (!n)
				return -1;
			c->parts = n;
			c->parts_cap = cap;
		}
		cp = &c->parts[c->nparts];
		cp->topic = strdup(topic);
		if (!cp->topic)
			return -1;
		cp->partition = partition;
		c->nparts++;
	}
	cp->assigned = 1;
	cp->eof = 0;
	c->end_reported = 0;
	return 0;
}

/* 1 when end should be reported: every assigned partition (at least one) at its end. */
static int at_end(const struct kafka_consumer *c)
{
	size_t n = 0;

	if (!c->exit_at_end || c->end_reported)
		return 0;
	for (size_t i = 0; i < c->nparts; i++) {
		if (!c->parts[i].assigned)
			continue;
		if (!c->parts[i].eof)
			return 0;
		n++;
	}
	return n > 0;
}

static void report_error(rd_kafka_error_t *e)
{
	if (!e)
		return;
	log_cb(NULL, 3, "ASSIGN", rd_kafka_error_string(e));
	rd_kafka_error_destroy(e);
}

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
			 rd_kafka_topic_partition_list_t *parts, void *opaque)
{
	struct kafka_consumer *c = opaque;
	const char *proto = rd_kafka_rebalance_protocol(rk);
	int coop = proto && !strcmp(proto, "COOPERATIVE");

	if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
		for (int i = 0; i < parts->cnt; i++) {
			rd_kafka_topic_partition_t *tp = &parts->elems[i];
			int fresh = 0;

			if (part_assign(c, tp->topic, tp->partition, &fresh) < 0)
				log_cb(rk, 3, "ASSIGN", "out of memory");
			/*
			 * "beginning" and "end" override the group's offsets, but
			 * only the first time this consumer gets a partition: one
			 * that comes back later resumes from the commits.
			 */
			if (fresh && c->start == START_BEGINNING)
				tp->offset = RD_KAFKA_OFFSET_BEGINNING;
			else if (fresh && c->start == START_END)
				tp->offset = RD_KAFKA_OFFSET_END;
		}
		if (coop)
			report_error(rd_kafka_incremental_assign(rk, parts));
		else
			rd_kafka_assign(rk, parts);
		return;
	}
	if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
		/*
		 * Commit what was processed before another member takes over.
		 * Failures (a rebalance in progress, nothing stored) only mean
		 * the new owner sees a few events again: at least once.
		 */
		if (c->group && c->stored && !rd_kafka_assignment_lost(rk)) {
			rd_kafka_resp_err_t e = rd_kafka_commit(rk, NULL, 0);

			if (!e || e == RD_KAFKA_RESP_ERR__NO_OFFSET)
				c->stored = 0;
		}
		for (int i = 0; i < parts->cnt; i++) {
			struct cpart *cp = part_find(c, parts->elems[i].topic,
						     parts->elems[i].partition);

			if (cp)
				cp->assigned = 0;
		}
		if (coop)
			report_error(rd_kafka_incremental_unassign(rk, parts));
		else
			rd_kafka_assign(rk, NULL);
		return;
	}
	log_cb(rk, 3, "REBALANCE", rd_kafka_err2str(err));
	for (size_t i = 0; i < c->nparts; i++)
		c->parts[i].assigned = 0;
	rd_kafka_assign(rk, NULL);
}

/*
 * No group: assign every partition of the topics in md that are still
 * pending. Topics absent from md (or without partitions yet) stay pending.
 * 0, or -1 with ak_error.
 */
static int assign_from_metadata(struct kafka_consumer *c, const struct rd_kafka_metadata *md)
{
	size_t keep = 0;

	for (size_t i = 0; i < c->npending; i++) {
		const struct rd_kafka_metadata_topic *t = NULL;
		rd_kafka_topic_partition_list_t *l;
		rd_kafka_error_t *e;

		for (int k = 0; k < md->topic_cnt && !t; k++)
			if (!strcmp(md->topics[k].topic, c->pending[i]) && !md->topics[k].err &&
			    md->topics[k].partition_cnt > 0)
				t = &md->topics[k];
		if (!t) {
			c->pending[keep++] = c->pending[i];
			continue;
		}
		l = rd_kafka_topic_partition_list_new(t->partition_cnt);
		for (int k = 0; k < t->partition_cnt; k++) {
			int fresh;

			rd_kafka_topic_partition_list_add(l, t->topic, t->partitions[k].id)->offset =
				c->start == START_END ? RD_KAFKA_OFFSET_END : RD_KAFKA_OFFSET_BEGINNING;
			if (part_assign(c, t->topic, t->partitions[k].id, &fresh) < 0) {
				rd_kafka_topic_partition_list_destroy(l);
				return ak_error(AK_EXIT_SOFTWARE, "out of memory");
			}
		}
		e = rd_kafka_incremental_assign(c->rk, l);
		rd_kafka_topic_partition_list_destroy(l);
		if (e) {
			ak_error(AK_EXIT_UNAVAILABLE, "cannot read topic '%s': %s", c->pending[i],
				 rd_kafka_error_string(e));
			rd_kafka_error_destroy(e);
			return -1;
		}
		free(c->pending[i]);
	}
	c->npending = keep;
	return 0;
}

/* No group: look for the pending topics again (at most wait_ms each). */
static int refresh_pending(struct kafka_consumer *c, long wait_ms)
{
	size_t i = 0;

	while (i < c->npending) {
		const struct rd_kafka_metadata *md;
		rd_kafka_topic_t *rkt = rd_kafka_topic_new(c->rk, c->pending[i], NULL);
		rd_kafka_resp_err_t err;
		size_t before = c->npending;
		int r;

		if (!rkt) {
			i++;
			continue;
		}
		err = rd_kafka_metadata(c->rk, 0, rkt, &md, (int)wait_ms);
		rd_kafka_topic_destroy(rkt);
		if (err) {
			i++;   /* brokers away for now: try again later */
			continue;
		}
		r = assign_from_metadata(c, md);
		rd_kafka_metadata_destroy(md);
		if (r < 0)
			return -1;
		if (c->npending == before)
			i++;   /* else pending[i] is the next topic now */
	}
	c->next_meta = now_ms() + META_RETRY_MS;
	return 0;
}

struct kafka_consumer *kafka_consumer_new(const struct kafka_opts *opts, const char *group,
					  const char *const *topics, const char *start,
					  int exit_at_end)
{
	const char *defs[24];
	char throwaway[96];
	struct kafka_consumer *c;
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_conf_t *conf;
	rd_kafka_resp_err_t err;
	size_t nd = 0, ntopics = 0;
	long tmo = opts->timeout_ms > 0 ? opts->timeout_ms : 30000;

	if (!start)
		start = "stored";
	if (strcmp(start, "beginning") && strcmp(start, "end") && strcmp(start, "stored")) {
		ak_error(AK_EXIT_USAGE, "bad start '%s' (beginning, end or stored)", start);
		return NULL;
	}
	for (; topics && topics[ntopics]; ntopics++)
		if (!topic_name_ok(topics[ntopics])) {
			ak_error(AK_EXIT_USAGE, "bad topic name '%s'", topics[ntopics]);
			return NULL;
		}
	if (ntopics == 0) {
		ak_error(AK_EXIT_USAGE, "no topics to consume");
		return NULL;
	}
	if (group && !*group) {
		ak_error(AK_EXIT_USAGE, "empty consumer group name");
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		ak_error(AK_EXIT_SOFTWARE, "out of memory");
		return NULL;
	}
	c->group = group != NULL;
	c->start = !strcmp(start, "beginning") ? START_BEGINNING :
		   !strcmp(start, "end") ? START_END : START_STORED;
	c->exit_at_end = exit_at_end;
	c->timeout_ms = tmo;
	buf_init(&c->line, LINE_MAX_BYTES);

	if (!group) {
		/* needed by librdkafka to assign; never joined, never committed */
		snprintf(throwaway, sizeof(throwaway), "agentkit-nogroup-%ld-%lld",
			 (long)getpid(), (long long)now_ms());
	}
	defs[nd++] = "group.id";
	defs[nd++] = group ? group : throwaway;
	defs[nd++] = "enable.auto.offset.store";
	defs[nd++] = "false";
	defs[nd++] = "enable.auto.commit";
	defs[nd++] = group ? "true" : "false";
	defs[nd++] = "partition.assignment.strategy";
	defs[nd++] = "cooperative-sticky";
	defs[nd++] = "auto.offset.reset";
	defs[nd++] = c->start == START_END ? "latest" : "earliest";
	defs[nd++] = "enable.partition.eof";
	defs[nd++] = exit_at_end ? "true" : "false";
	/* a subscribed topic that appears later is found within seconds */
	defs[nd++] = "topic.metadata.refresh.interval.ms";
	defs[nd++] = "5000";
	defs[nd++] = NULL;
	conf = conf_new(opts, defs, c);
	if (!conf)
		goto fail;
	if (group)
		rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
	c->rk = handle_new(RD_KAFKA_CONSUMER, conf);
	if (!c->rk)
		goto fail;
	rd_kafka_poll_set_consumer(c->rk);

	/* fail now, not in the first poll, when no broker can be reached */
	err = rd_kafka_metadata(c->rk, !group, NULL, &md, (int)tmo);
	if (err) {
		ak_error(AK_EXIT_UNAVAILABLE, "cannot reach Kafka brokers: %s", rd_kafka_err2str(err));
		goto fail;
	}
	if (group) {
		rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)ntopics);

		rd_kafka_metadata_destroy(md);
		for (size_t i = 0; i < ntopics; i++)
			rd_kafka_topic_partition_list_add(l, topics[i], RD_KAFKA_PARTITION_UA);
		err = rd_kafka_subscribe(c->rk, l);
		rd_kafka_topic_partition_list_destroy(l);
		if (err) {
			ak_error(AK_EXIT_USAGE, "cannot subscribe: %s", rd_kafka_err2str(err));
			goto fail;
		}
		return c;
	}
	c->pending = calloc(ntopics, sizeof(*c->pending));
	if (!c->pending) {
		rd_kafka_metadata_destroy(md);
		ak_error(AK_EXIT_SOFTWARE, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < ntopics; i++) {
		size_t k;

		for (k = 0; k < c->npending; k++)
			if (!strcmp(c->pending[k], topics[i]))
				break;
		if (k < c->npending)
			continue;   /* named twice */
		c->pending[c->npending] = strdup(topics[i]);
		if (!c->pending[c->npending]) {
			rd_kafka_metadata_destroy(md);
			ak_error(AK_EXIT_SOFTWARE, "out of memory");
			goto fail;
		}
		c->npending++;
	}
	if (assign_from_metadata(c, md) < 0) {
		rd_kafka_metadata_destroy(md);
		goto fail;
	}
	rd_kafka_metadata_destroy(md);
	c->next_meta = now_ms() + META_RETRY_MS;
	return c;
fail:
	kafka_consumer_close(c);
	return NULL;
}

/* Copy the value into c->line as a malformed message, with why. */
static int malformed(struct kafka_consumer *c, const rd_kafka_message_t *msg,
		     struct kafka_msg *m, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int malformed(struct kafka_consumer *c, const rd_kafka_message_t *msg,
		     struct kafka_msg *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->why, sizeof(m->why), fmt, ap);
	va_end(ap);
	m->malformed = 1;
	buf_reset(&c->line);
	if (msg->len && buf_add(&c->line, msg->payload, msg->len) < 0)
		return -1;
	return 0;
}

/* Check c->line as an event; on failure fill why. 1 when it is one. */
static int line_is_event(struct kafka_consumer *c, char *why, size_t whylen)
{
	if (jscan_parse(&c->js, c->line.p ? c->line.p : "", c->line.len) < 0) {
		snprintf(why, whylen, "not valid JSON: %s", c->js.err);
		return 0;
	}
	switch (event_check(&c->js, why, whylen)) {
	case EVENT_EVENT:
		return 1;
	case EVENT_ITEM:
		snprintf(why, whylen, "not an event: no 'specversion'");
		return 0;
	default:
		return 0;
	}
}

/* Set c->line to a JSON text with its raw line breaks (white space) made spaces. */
static int line_set(struct kafka_consumer *c, const char *p, size_t n)
{
	buf_reset(&c->line);
	if (buf_add(&c->line, p, n) < 0)
		return -1;
	if (memchr(p, '\n', n) || memchr(p, '\r', n))
		for (size_t i = 0; i < n; i++)
			if (c->line.p[i] == '\n' || c->line.p[i] == '\r')
				c->line.p[i] = ' ';
	return 0;
}

/* Append ,"name":"value" (a header) to c->line; 0, 1 when not UTF-8, -1. */
static int add_attr(struct kafka_consumer *c, const char *name, const void *val, size_t n)
{
	if (val == NULL)
		val = "";
	if (!jscan_utf8_ok(val, n))
		return 1;
	if (c->line.len > 1 && buf_addch(&c->line, ',') < 0)
		return -1;
	if (json_quote(&c->line, name, strlen(name)) < 0 || buf_addch(&c->line, ':') < 0 ||
	    json_quote(&c->line, val, n) < 0)
		return -1;
	return 0;
}

/*
 * Binary mode: rebuild the event from the ce_ headers and the value into
 * c->line. 0 (and m->malformed set when it cannot be), or -1.
 */
static int rebuild_binary(struct kafka_consumer *c, const rd_kafka_message_t *msg,
			  rd_kafka_headers_t *h, const char *ct, size_t ctlen, struct kafka_msg *m)
{
	const void *v;
	const char *name;
	size_t n;
	int r;

	buf_reset(&c->line);
	if (buf_addch(&c->line, '{') < 0)
		return -1;
	if (rd_kafka_header_get_last(h, "ce_specversion", &v, &n) == RD_KAFKA_RESP_ERR_NO_ERROR &&
	    (r = add_attr(c, "specversion", v, n)) != 0)
		goto bad_header;
	for (size_t i = 0; !rd_kafka_header_get_all(h, i, &name, &v, &n); i++) {
		if (strncmp(name, "ce_", 3) || !strcmp(name, "ce_specversion") ||
		    !strcmp(name, "ce_data") || !strcmp(name, "ce_data_base64") ||
		    (ct && !strcmp(name, "ce_datacontenttype")))
			continue;
		r = add_attr(c, name + 3, v, n);
		if (r)
			goto bad_header;
	}
	if (ct && (r = add_attr(c, "datacontenttype", ct, ctlen)) != 0) {
		name = "content-type";
		goto bad_header;
	}
	if (msg->payload) {
		const char *p = msg->payload;

		if (c->line.len > 1 && buf_addch(&c->line, ',') < 0)
			return -1;
		if ((!ct || media_is_json(ct, ctlen)) && jscan_parse(&c->js, p, msg->len) == 0) {
			size_t at = c->line.len;

			if (buf_add(&c->line, "\"data\":", 7) < 0 || buf_add(&c->line, p, msg->len) < 0)
				return -1;
			for (size_t i = at; i < c->line.len; i++)
				if (c->line.p[i] == '\n' || c->line.p[i] == '\r')
					c->line.p[i] = ' ';
		} else if (jscan_utf8_ok(p, msg->len)) {
			if (buf_add(&c->line, "\"data\":", 7) < 0 ||
			    json_quote(&c->line, p, msg->len) < 0)
				return -1;
		} else {
			if (buf_add(&c->line, "\"data_base64\":\"", 15) < 0 ||
			    b64_encode(&c->line, msg->payload, msg->len) < 0 ||
			    buf_addch(&c->line, '"') < 0)
				return -1;
		}
	}
	if (buf_addch(&c->line, '}') < 0)
		return -1;
	if (!line_is_event(c, m->why, sizeof(m->why))) {
		char why[sizeof(m->why)];

		snprintf(why, sizeof(why), "%s", m->why);
		return malformed(c, msg, m, "binary-mode event: %s", why);
	}
	return 0;
bad_header:
	if (r < 0)
		return -1;
	return malformed(c, msg, m, "header '%s' is not UTF-8", name);
}

/* Turn a message into m (an event line, or a malformed value). 0 or -1. */
static int decode(struct kafka_consumer *c, const rd_kafka_message_t *msg, struct kafka_msg *m)
{
	rd_kafka_headers_t *h = NULL;
	const void *ctv = NULL;
	const char *ct = NULL;
	size_t ctlen = 0;
	int has_ce = 0;

	m->malformed = 0;
	m->why[0] = '\0';
	if (rd_kafka_message_headers(msg, &h) == RD_KAFKA_RESP_ERR_NO_ERROR) {
		const char *name;
		const void *v;
		size_t n;

		if (rd_kafka_header_get_last(h, "content-type", &ctv, &ctlen) ==
		    RD_KAFKA_RESP_ERR_NO_ERROR && ctv)
			ct = ctv;
		for (size_t i = 0; !has_ce && !rd_kafka_header_get_all(h, i, &name, &v, &n); i++)
			has_ce = !strncmp(name, "ce_", 3);
	}
	if ((ct && ctlen >= 23 && !strncasecmp(ct, "application/cloudevents", 23)) ||
	    (!ct && !has_ce)) {
		/* structured mode */
		if (!msg->payload)
			return malformed(c, msg, m, "empty message");
		if (line_set(c, msg->payload, msg->len) < 0)
			return -1;
		if (!line_is_event(c, m->why, sizeof(m->why))) {
			char why[sizeof(m->why)];

			snprintf(why, sizeof(why), "%s", m->why);
			return malformed(c, msg, m, "%s", why);
		}
		return 0;
	}
	return rebuild_binary(c, msg, h, ct, ctlen, m);
}

/* A consumer error event: 0 to go on, -1 with ak_error when fatal. */
static int consumer_error(struct kafka_consumer *c, const rd_kafka_message_t *msg)
{
	char fatal[256];

	if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
		struct cpart *cp;

		if (msg->rkt && (cp = part_find(c, rd_kafka_topic_name(msg->rkt), msg->partition)) &&
		    cp->assigned)
			cp->eof = 1;
		return 0;
	}
	/* a topic that does not exist yet may still come */
	if (msg->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
	    msg->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ||
	    msg->err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION)
		return 0;
	if (rd_kafka_fatal_error(c->rk, fatal, sizeof(fatal)))
		return ak_error(AK_EXIT_UNAVAILABLE, "kafka: %s", fatal);
	log_cb(c->rk, 3, "ERROR", rd_kafka_message_errstr(msg));
	return 0;
}

/*
 * An idle consumer with exit_at_end asks where each assigned partition
 * stands: a partition whose next offset is already its high watermark
 * (a group's committed offset at the end, or an empty partition) may never
 * get a PARTITION_EOF event, and would keep -e waiting for ever.
 */
static void idle_eof_check(struct kafka_consumer *c)
{
	for (size_t i = 0; i < c->nparts; i++) {
		struct cpart *cp = &c->parts[i];
		rd_kafka_topic_partition_list_t *l;
		int64_t lo, hi, at;

		if (!cp->assigned || cp->eof)
			continue;
		l = rd_kafka_topic_partition_list_new(1);
		rd_kafka_topic_partition_list_add(l, cp->topic, cp->partition);
		at = RD_KAFKA_OFFSET_INVALID;
		if (!rd_kafka_position(c->rk, l))
			at = l->elems[0].offset;
		/* not fetched yet: it starts where the group left off, for "stored" */
		if (at < 0 && c->group && c->start == START_STORED &&
		    !rd_kafka_committed(c->rk, l, 1000))
			at = l->elems[0].offset;
		rd_kafka_topic_partition_list_destroy(l);
		if (rd_kafka_query_watermark_offsets(c->rk, cp->topic, cp->partition, &lo, &hi,
						     1000))
			continue;
		if (at < 0)
			at = c->start == START_END ? hi : lo;
		if (at >= hi)
			cp->eof = 1;
	}
}

int kafka_consume(struct kafka_consumer *c, struct kafka_msg *m, long timeout_ms)
{
	int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);

	for (;;) {
		int64_t rest = deadline - now_ms();
		rd_kafka_message_t *msg;
		struct cpart *cp;
		int r;

		if (rest < 0)
			rest = 0;
		if (c->npending && now_ms() >= c->next_meta &&
		    refresh_pending(c, rest < 100 ? 100 : rest > 1000 ? 1000 : (long)rest) < 0)
			return -1;
		if (at_end(c)) {
			c->end_reported = 1;
			return 2;
		}
		rest = deadline - now_ms();
		if (rest < 0)
			rest = 0;
		if (c->npending && rest > META_RETRY_MS)
			rest = META_RETRY_MS;
		msg = rd_kafka_consumer_poll(c->rk, (int)rest);
		if (!msg) {
			if (c->exit_at_end && !c->end_reported && now_ms() >= c->next_eof_check) {
				idle_eof_check(c);
				c->next_eof_check = now_ms() + 1000;
			}
			if (now_ms() >= deadline)
				return at_end(c) ? (c->end_reported = 1, 2) : 0;
			continue;
		}
		if (msg->err) {
			r = consumer_error(c, msg);
			rd_kafka_message_destroy(msg);
			if (r < 0)
				return -1;
			continue;
		}
		snprintf(c->topic, sizeof(c->topic), "%s", rd_kafka_topic_name(msg->rkt));
		if ((cp = part_find(c, c->topic, msg->partition)))
			cp->eof = 0;
		c->end_reported = 0;
		m->topic = c->topic;
		m->partition = msg->partition;
		m->offset = msg->offset;
		r = decode(c, msg, m);
		rd_kafka_message_destroy(msg);
		if (r < 0)
			return -1;
		m->line = c->line.p ? c->line.p : "";
		m->len = c->line.len;
		return 1;
	}
}

int kafka_consumer_done(struct kafka_consumer *c, const struct kafka_msg *m)
{
	rd_kafka_topic_partition_list_t *l;
	rd_kafka_resp_err_t err;

	if (!c->group)
		return 0;
	l = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(l, m->topic, m->partition)->offset = m->offset + 1;
	err = rd_kafka_offsets_store(c->rk, l);
	rd_kafka_topic_partition_list_destroy(l);
	/* a partition taken away meanwhile: its new owner reads the event again */
	if (err == RD_KAFKA_RESP_ERR__STATE || err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION)
		return 0;
	if (err)
		return ak_error(AK_EXIT_SOFTWARE, "cannot store offset of '%s' [%d]: %s",
				m->topic, (int)m->partition, rd_kafka_err2str(err));
	c->stored = 1;
	return 0;
}

/*
 * Commit the stored offsets. While the group is rebalancing (a member came
 * or went) the coordinator refuses commits, so serve the group until the
 * rebalance is over, at most wait_ms. Messages fetched meanwhile are
 * dropped unprocessed: their offsets are not stored, so they are read again
 * by whoever has the partition next.
 */
static rd_kafka_resp_err_t commit_stored(struct kafka_consumer *c, long wait_ms)
{
	int64_t deadline = now_ms() + wait_ms;

	for (;;) {
		rd_kafka_resp_err_t err = rd_kafka_commit(c->rk, NULL, 0);
		rd_kafka_message_t *msg;

		if (err != RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS &&
		    err != RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION &&
		    err != RD_KAFKA_RESP_ERR__STATE)
			return err;
		if (now_ms() >= deadline || !c->stored)
			return err;
		msg = rd_kafka_consumer_poll(c->rk, 100);
		if (msg)
			rd_kafka_message_destroy(msg);
	}
}

int kafka_consumer_close(struct kafka_consumer *c)
{
	rd_kafka_resp_err_t err;
	int ret = 0;

	if (!c)
		return 0;
	if (c->rk) {
		if (c->group && c->stored) {
			err = commit_stored(c, c->timeout_ms);
			/*
			 * The group moved on (another member left or joined as
			 * we closed): our partitions go to a member that starts
			 * from the last commit, so some events come again, which
			 * at-least-once allows. Anything else is a failure.
			 */
			if (err == RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION ||
			    err == RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS ||
			    err == RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID)
				log_warn("offsets not committed, the group is rebalancing: %s",
					 rd_kafka_err2str(err));
			else if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET)
				ret = ak_error(AK_EXIT_UNAVAILABLE, "cannot commit offsets: %s",
					       rd_kafka_err2str(err));
			c->stored = 0;
		}
		err = rd_kafka_consumer_close(c->rk);
		if (err && !ret)
			ret = ak_error(AK_EXIT_UNAVAILABLE, "cannot close Kafka consumer: %s",
				       rd_kafka_err2str(err));
		/*
		 * librdkafka before 2.3.0 asserts when a cooperative-sticky
		 * member is destroyed without assignor state (its issue 4312:
		 * members leaving a group together). The member has left and
		 * committed by now; its handle is left for the process's exit.
		 */
		if (!c->group || rd_kafka_version() >= 0x020300ff)
			rd_kafka_destroy(c->rk);
	}
	for (size_t i = 0; i < c->nparts; i++)
		free(c->parts[i].topic);
	free(c->parts);
	for (size_t i = 0; i < c->npending; i++)
		free(c->pending[i]);
	free(c->pending);
	buf_release(&c->line);
	free(c);
	return ret;
}

/* ---- topics and the mock cluster ---- */

/* A plain handle for metadata and admin requests. NULL with ak_error. */
static rd_kafka_t *admin_new(const struct kafka_opts *opts)
{
	rd_kafka_conf_t *conf = conf_new(opts, NULL, NULL);

	return conf ? handle_new(RD_KAFKA_PRODUCER, conf) : NULL;
}

static int cmp_topic(const void *a, const void *b)
{
	const struct rd_kafka_metadata_topic *x = *(const struct rd_kafka_metadata_topic *const *)a;
	const struct rd_kafka_metadata_topic *y = *(const struct rd_kafka_metadata_topic *const *)b;

	return strcmp(x->topic, y->topic);
}

int kafka_topics_list(const struct kafka_opts *opts, FILE *fp)
{
	const struct rd_kafka_metadata *md;
	const struct rd_kafka_metadata_topic **t;
	rd_kafka_resp_err_t err;
	rd_kafka_t *rk = admin_new(opts);
	int n = 0, ret = 0;

	if (!rk)
		return -1;
	err = rd_kafka_metadata(rk, 1, NULL, &md, (int)(opts->timeout_ms > 0 ? opts->timeout_ms : 30000));
	if (err) {
		rd_kafka_destroy(rk);
		return ak_error(AK_EXIT_UNAVAILABLE, "cannot list Kafka topics: %s",
				rd_kafka_err2str(err));
	}
	t = calloc((size_t)md->topic_cnt + 1, sizeof(*t));
	if (!t) {
		rd_kafka_metadata_destroy(md);
		rd_kafka_destroy(rk);
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	}
	for (int i = 0; i < md->topic_cnt; i++)
		if (strncmp(md->topics[i].topic, "__", 2))
			t[n++] = &md->topics[i];
	qsort(t, (size_t)n, sizeof(*t), cmp_topic);
	for (int i = 0; i < n; i++)
		fprintf(fp, "%s\t%d\n", t[i]->topic, t[i]->partition_cnt);
	if (fflush(fp) == EOF || ferror(fp))
		ret = ak_error(AK_EXIT_IOERR, "cannot write topic list: %s", strerror(errno));
	free(t);
	rd_kafka_metadata_destroy(md);
	rd_kafka_destroy(rk);
	return ret;
}

int kafka_ping(const struct kafka_opts *opts, long timeout_ms, int *nbrokers, int *ntopics)
{
	/* connection errors are the answer here, not news for stderr */
	static const char *const quiet[] = { "log_level", "0", NULL };
	const char *prefix = opts->topic_prefix ? opts->topic_prefix : "agentkit.";
	const struct rd_kafka_metadata *md;
	rd_kafka_resp_err_t err;
	rd_kafka_conf_t *conf;
	rd_kafka_t *rk;
	int n = 0;

	if (timeout_ms <= 0)
		timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : 30000;
	if (!(conf = conf_new(opts, quiet, NULL)) || !(rk = handle_new(RD_KAFKA_PRODUCER, conf)))
		return -1;
	err = rd_kafka_metadata(rk, 1, NULL, &md, (int)timeout_ms);
	if (err) {
		rd_kafka_destroy(rk);
		return ak_error(AK_EXIT_UNAVAILABLE, "cannot reach %s within %ldms: %s",
				opts->brokers ? opts->brokers : "the Kafka brokers", timeout_ms,
				rd_kafka_err2str(err));
	}
	for (int i = 0; i < md->topic_cnt; i++)
		if (strncmp(md->topics[i].topic, "__", 2) &&
		    !strncmp(md->topics[i].topic, prefix, strlen(prefix)))
			n++;
	*nbrokers = md->broker_cnt;
	*ntopics = n;
	rd_kafka_metadata_destroy(md);
	rd_kafka_destroy(rk);
	return 0;
}

int kafka_topic_create(const struct kafka_opts *opts, const char *name, int partitions,
		       int replication)
{
	long tmo = opts->timeout_ms > 0 ? opts->timeout_ms : 30000;
	char errstr[512];
	rd_kafka_t *rk;
	rd_kafka_NewTopic_t *nt;
	rd_kafka_AdminOptions_t *ao;
	rd_kafka_queue_t *q;
	rd_kafka_event_t *ev;
	int ret = 0;

	if (!topic_name_ok(name))
		return ak_error(AK_EXIT_USAGE, "bad topic name '%s'", name);
	nt = rd_kafka_NewTopic_new(name, partitions > 0 ? partitions : -1,
				   replication > 0 ? replication : -1, errstr, sizeof(errstr));
	if (!nt)
		return ak_error(AK_EXIT_USAGE, "cannot create topic '%s': %s", name, errstr);
	rk = admin_new(opts);
	if (!rk) {
		rd_kafka_NewTopic_destroy(nt);
		return -1;
	}
	q = rd_kafka_queue_new(rk);
	ao = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
	rd_kafka_AdminOptions_set_request_timeout(ao, (int)tmo, errstr, sizeof(errstr));
	rd_kafka_CreateTopics(rk, &nt, 1, ao, q);
	ev = rd_kafka_queue_poll(q, (int)tmo + 1000);
	if (!ev) {
		ret = ak_error(AK_EXIT_UNAVAILABLE, "cannot create topic '%s': timed out", name);
	} else if (rd_kafka_event_error(ev)) {
		ret = ak_error(AK_EXIT_UNAVAILABLE, "cannot create topic '%s': %s", name,
			       rd_kafka_event_error_string(ev));
	} else {
		const rd_kafka_CreateTopics_result_t *res = rd_kafka_event_CreateTopics_result(ev);
		const rd_kafka_topic_result_t **tr;
		size_t cnt = 0;
		rd_kafka_resp_err_t err;

		tr = res ? rd_kafka_CreateTopics_result_topics(res, &cnt) : NULL;
		err = cnt ? rd_kafka_topic_result_error(tr[0]) : RD_KAFKA_RESP_ERR__FAIL;
		if (err && err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
			const char *s = cnt ? rd_kafka_topic_result_error_string(tr[0]) : NULL;

			ret = ak_error(err == RD_KAFKA_RESP_ERR_INVALID_PARTITIONS ||
				       err == RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR ||
				       err == RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION ?
				       AK_EXIT_USAGE : AK_EXIT_UNAVAILABLE,
				       "cannot create topic '%s': %s", name,
				       s ? s : rd_kafka_err2str(err));
		}
	}
	if (ev)
		rd_kafka_event_destroy(ev);
	rd_kafka_AdminOptions_destroy(ao);
	rd_kafka_NewTopic_destroy(nt);
	rd_kafka_queue_destroy(q);
	rd_kafka_destroy(rk);
	return ret;
}

struct kafka_mock {
	rd_kafka_t *rk;
	rd_kafka_mock_cluster_t *mc;
};

struct kafka_mock *kafka_mock_new(int brokers, const char *const *topics)
{
	struct kafka_mock *m;
	rd_kafka_conf_t *conf;
	char errstr[512];

	if (brokers < 1 || brokers > 64) {
		ak_error(AK_EXIT_USAGE, "bad number of mock brokers %d (1 to 64)", brokers);
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		ak_error(AK_EXIT_SOFTWARE, "out of memory");
		return NULL;
	}
	conf = rd_kafka_conf_new();
	rd_kafka_conf_set_log_cb(conf, log_cb);
	rd_kafka_conf_set(conf, "log.connection.close", "false", NULL, 0);
	m->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	if (!m->rk) {
		rd_kafka_conf_destroy(conf);
		ak_error(AK_EXIT_SOFTWARE, "cannot start mock Kafka cluster: %s", errstr);
		goto fail;
	}
	m->mc = rd_kafka_mock_cluster_new(m->rk, brokers);
	if (!m->mc) {
		ak_error(AK_EXIT_SOFTWARE, "cannot start mock Kafka cluster");
		goto fail;
	}
	for (; topics && *topics; topics++) {
		char name[TOPIC_NAME_MAX + 1];
		const char *colon = strchr(*topics, ':');
		size_t nlen = colon ? (size_t)(colon - *topics) : strlen(*topics);
		long parts = 3;
		rd_kafka_resp_err_t err;

		if (colon) {
			char *end;

			errno = 0;
			parts = strtol(colon + 1, &end, 10);
			if (errno || end == colon + 1 || *end || parts < 1 || parts > 10000) {
				ak_error(AK_EXIT_USAGE, "bad topic '%s' (name or name:partitions)", *topics);
				goto fail;
			}
		}
		if (nlen >= sizeof(name)) {
			ak_error(AK_EXIT_USAGE, "bad topic name '%s'", *topics);
			goto fail;
		}
		memcpy(name, *topics, nlen);
		name[nlen] = '\0';
		if (!topic_name_ok(name)) {
			ak_error(AK_EXIT_USAGE, "bad topic name '%s'", name);
			goto fail;
		}
		err = rd_kafka_mock_topic_create(m->mc, name, (int)parts, brokers < 3 ? brokers : 3);
		if (err) {
			ak_error(AK_EXIT_SOFTWARE, "cannot create mock topic '%s': %s", name,
				 rd_kafka_err2str(err));
			goto fail;
		}
	}
	return m;
fail:
	kafka_mock_free(m);
	return NULL;
}

const char *kafka_mock_bootstrap(const struct kafka_mock *m)
{
	return rd_kafka_mock_cluster_bootstraps(m->mc);
}

void kafka_mock_free(struct kafka_mock *m)
{
	if (!m)
		return;
	if (m->mc)
		rd_kafka_mock_cluster_destroy(m->mc);
	if (m->rk)
		rd_kafka_destroy(m->rk);
	free(m);
}
