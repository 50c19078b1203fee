/*
 * u-kafka.c - unit tests for lib/kafka.c against librdkafka's mock cluster,
 * started inside this process.
 *
 * Events go out and come back through the real client code: structured and
 * binary mode, keys, topics per type, malformed values written with plain
 * librdkafka, the end of a topic, a group's committed offsets, two members
 * sharing a group, unreachable brokers and bad configuration, more events
 * than the producer's batches hold, and an event too large to send. A raw
 * librdkafka consumer checks what is on the wire (key, headers, value).
 * Group joins on the mock take about three seconds each, so the group tests
 * are few and share their topics.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <librdkafka/rdkafka.h>

#include "error.h"
#include "kafka.h"
#include "tap.h"

#define MAXLINES 1024

static const char *bootstrap;
static char tmpdir[] = "/tmp/u-kafka-XXXXXX";

/* Fast group joins and ends of partitions for the tests. */
static const char *const fast_props[] = {
	"session.timeout.ms=4000", "heartbeat.interval.ms=300", "fetch.wait.max.ms=100", NULL
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void opts_init(struct kafka_opts *o)
{
	struct kafka_opts init = KAFKA_OPTS_INIT;

	*o = init;
	o->brokers = bootstrap;
	o->timeout_ms = 10000;
}

/* A consumer with fast_props unless o has properties of its own. */
static struct kafka_consumer *test_consumer(const struct kafka_opts *o, const char *group,
					    const char *const *topics, const char *start, int end)
{
	struct kafka_opts oc = *o;

	if (!oc.props)
		oc.props = fast_props;
	return kafka_consumer_new(&oc, group, topics, start, end);
}

/* An event line: i makes the id, subjects cycle through nsubj features. */
static size_t make_event(char *out, size_t len, int i, const char *type, int nsubj)
{
	int n = snprintf(out, len,
		"{\"specversion\":\"1.0\",\"id\":\"ev-%05d\",\"source\":\"agentkit/u-kafka\","
		"\"type\":\"%s\",\"subject\":\"feature-%d\",\"time\":\"2026-01-02T03:04:05.678Z\","
		"\"datacontenttype\":\"application/json\","
		"\"data\":{\"n\":%d,\"text\":\"caf\xc3\xa9 \\\"q\\\"\\n\",\"list\":[1,2.5,true,null]}}",
		i, type, i % nsubj, i);

	return (size_t)n;
}

struct seen {
	char *line[MAXLINES];
	char topic[MAXLINES][64];
	int32_t partition[MAXLINES];
	int64_t offset[MAXLINES];
	int malformed[MAXLINES];
	char why[MAXLINES][160];
	int n;
	int ended;      /* kafka_consume returned 2 */
	int failed;     /* kafka_consume returned -1 */
};

static void seen_free(struct seen *s)
{
	for (int i = 0; i < s->n; i++)
		free(s->line[i]);
	s->n = 0;
}

static void seen_add(struct seen *s, const struct kafka_msg *m)
{
	if (s->n == MAXLINES)
		return;
	s->line[s->n] = strndup(m->line, m->len);
	snprintf(s->topic[s->n], sizeof(s->topic[0]), "%s", m->topic);
	s->partition[s->n] = m->partition;
	s->offset[s->n] = m->offset;
	s->malformed[s->n] = m->malformed;
	snprintf(s->why[s->n], sizeof(s->why[0]), "%s", m->why);
	s->n++;
}

/*
 * Read until the end (2), max messages, or secs pass. With done, every
 * message is marked processed.
 */
static void drain(struct kafka_consumer *c, struct seen *s, int max, double secs, int done)
{
	double end = now_s() + secs;
	struct kafka_msg m;

	while (s->n < max && now_s() < end) {
		int r = kafka_consume(c, &m, 200);

		if (r == 1) {
			seen_add(s, &m);
			if (done && kafka_consumer_done(c, &m) < 0)
				s->failed = 1;
		} else if (r == 2) {
			s->ended = 1;
			return;
		} else if (r < 0) {
			s->failed = 1;
			printf("# consume: %s\n", ak_errmsg());
			return;
		}
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* 1 when the two lists hold the same lines, whatever their order. */
static int same_lines(char **a, int na, char **b, int nb)
{
	char **x, **y;
	int same = na == nb;

	if (!same)
		return 0;
	x = malloc(sizeof(*x) * (size_t)(na + 1));
	y = malloc(sizeof(*y) * (size_t)(nb + 1));
	memcpy(x, a, sizeof(*x) * (size_t)na);
	memcpy(y, b, sizeof(*y) * (size_t)nb);
	qsort(x, (size_t)na, sizeof(*x), cmp_str);
	qsort(y, (size_t)nb, sizeof(*y), cmp_str);
	for (int i = 0; i < na && same; i++)
		same = !strcmp(x[i], y[i]);
	free(x);
	free(y);
	return same;
}

static int produce_lines(const struct kafka_opts *o, char **lines, int n)
{
	struct kafka_producer *p = kafka_producer_new(o);
	int ret = 0;

	if (!p) {
		printf("# producer: %s\n", ak_errmsg());
		return -1;
	}
	for (int i = 0; i < n && ret == 0; i++)
		ret = kafka_produce(p, lines[i], strlen(lines[i]));
	if (ret == 0)
		ret = kafka_producer_flush(p, 10000);
	if (ret < 0)
		printf("# produce: %s\n", ak_errmsg());
	kafka_producer_free(p);
	return ret;
}

/* ---- a raw librdkafka side, to write odd values and read the wire ---- */

static rd_kafka_t *raw_producer(void)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char err[256];

	rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof(err));
	return rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
}

/* Write one message to partition 0 of topic; hdrs are name, value pairs. */
static int raw_send(rd_kafka_t *rk, const char *topic, const void *val, size_t len,
		    const char *const *hdrs)
{
	rd_kafka_headers_t *h = rd_kafka_headers_new(8);

	for (; hdrs && hdrs[0]; hdrs += 2)
		rd_kafka_header_add(h, hdrs[0], -1, hdrs[1], -1);
	return rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(0),
				 RD_KAFKA_V_VALUE((void *)val, len),
				 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
				 RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_END) ? -1 : 0;
}

struct raw {
	char *key[MAXLINES], *val[MAXLINES];
	size_t vlen[MAXLINES];
	int has_val[MAXLINES];
	rd_kafka_headers_t *h[MAXLINES];
	int n;
};

/* Read every message of topic (nparts partitions) with plain librdkafka. */
static void raw_read(const char *topic, int nparts, struct raw *r)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(nparts);
	char err[256];
	rd_kafka_t *rk;
	int eofs = 0;
	double end = now_s() + 10;

	memset(r, 0, sizeof(*r));
	rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof(err));
	rd_kafka_conf_set(conf, "group.id", "u-kafka-raw", err, sizeof(err));
	rd_kafka_conf_set(conf, "enable.partition.eof", "true", err, sizeof(err));
	rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof(err));
	rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
	rd_kafka_poll_set_consumer(rk);
	for (int i = 0; i < nparts; i++)
		rd_kafka_topic_partition_list_add(l, topic, i)->offset = RD_KAFKA_OFFSET_BEGINNING;
	rd_kafka_assign(rk, l);
	rd_kafka_topic_partition_list_destroy(l);
	while (eofs < nparts && now_s() < end && r->n < MAXLINES) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 200);
		rd_kafka_headers_t *h;

		if (!m)
			continue;
		if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
			eofs++;
		} else if (!m->err) {
			r->key[r->n] = m->key ? strndup(m->key, m->key_len) : NULL;
			r->has_val[r->n] = m->payload != NULL;
			r->val[r->n] = malloc(m->len + 1);
			memcpy(r->val[r->n], m->payload ? m->payload : "", m->len);
			r->val[r->n][m->len] = '\0';
			r->vlen[r->n] = m->len;
			r->h[r->n] = rd_kafka_message_detach_headers(m, &h) ? NULL : h;
			r->n++;
		}
		rd_kafka_message_destroy(m);
	}
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
}

static void raw_free(struct raw *r)
{
	for (int i = 0; i < r->n; i++) {
		free(r->key[i]);
		free(r->val[i]);
		if (r->h[i])
			rd_kafka_headers_destroy(r->h[i]);
	}
}

/* A header's value as a string ("" when absent: see has_header). */
static const char *header(rd_kafka_headers_t *h, const char *name, char *out, size_t len)
{
	const void *v;
	size_t n;

	out[0] = '\0';
	if (h && !rd_kafka_header_get_last(h, name, &v, &n))
		snprintf(out, len, "%.*s", (int)n, v ? (const char *)v : "");
	return out;
}

static int has_header(rd_kafka_headers_t *h, const char *name)
{
	const void *v;
	size_t n;

	return h && !rd_kafka_header_get_last(h, name, &v, &n);
}

/* ---- the tests ---- */

static void test_basics(void)
{
	struct kafka_opts o = KAFKA_OPTS_INIT;
	char t[300];

	ok(!strncmp(kafka_version(), "librdkafka 2.", 13), "kafka_version is '%s'", kafka_version());
	kafka_topic_for(&o, "feature.tested", t, sizeof(t));
	is_str(t, "agentkit.feature.tested", "default prefix");
	o.topic_prefix = "dev.";
	kafka_topic_for(&o, "feature.tested", t, sizeof(t));
	is_str(t, "dev.feature.tested", "own prefix");
	o.topic = "all-events";
	kafka_topic_for(&o, "feature.tested", t, sizeof(t));
	is_str(t, "all-events", "one topic for every type");
	o.topic = NULL;
	o.topic_prefix = NULL;
	kafka_topic_for(&o, "a.very.long.type", t, 10);
	is_str(t, "agentkit.", "truncated to the buffer, NUL-terminated");
}

static void test_mock_args(void)
{
	const char *bad[] = { "x:abc", NULL };
	const char *badname[] = { "has space", NULL };

	ok(kafka_mock_new(0, NULL) == NULL && ak_errcode() == AK_EXIT_USAGE, "mock: 0 brokers refused");
	ok(kafka_mock_new(1, bad) == NULL && ak_errcode() == AK_EXIT_USAGE &&
	   strstr(ak_errmsg(), "'x:abc'"), "mock: bad partition count refused: %s", ak_errmsg());
	ok(kafka_mock_new(1, badname) == NULL && ak_errcode() == AK_EXIT_USAGE,
	   "mock: bad topic name refused");
}

static void test_topics(void)
{
	struct kafka_opts o;
	char out[4096] = "";
	FILE *fp = tmpfile();
	size_t n;

	opts_init(&o);
	ok(kafka_topics_list(&o, fp) == 0, "topics list");
	rewind(fp);
	n = fread(out, 1, sizeof(out) - 1, fp);
	out[n] = '\0';
	fclose(fp);
	is_str(out, "bad\t1\nbin\t3\ngo\t3\nmany\t3\nrt\t3\nsplit\t3\ntp.alpha.one\t2\ntp.alpha.two\t3\n",
	       "topics sorted by name with their partitions");

	fp = fopen("/dev/full", "w");
	if (fp) {
		ok(kafka_topics_list(&o, fp) == -1 && ak_errcode() == AK_EXIT_IOERR,
		   "topics list to a full disk fails: %s", ak_errmsg());
		fclose(fp);
	}
	ok(kafka_topic_create(&o, "no/slash", 3, 1) == -1 && ak_errcode() == AK_EXIT_USAGE,
	   "topic create: bad name refused");
	/* the 2.0.2 mock has no controller for CreateTopics: the error must come in time */
	o.timeout_ms = 500;
	{
		double t0 = now_s();
		int r = kafka_topic_create(&o, "created", 3, 1);

		ok(r == 0 || (ak_errcode() == AK_EXIT_UNAVAILABLE && now_s() - t0 < 5),
		   "topic create answers within the timeout (%d: %s)", r, r ? ak_errmsg() : "");
	}
}

static void test_config(void)
{
	struct kafka_opts o;
	struct kafka_producer *p;
	char path[256], ev[1024];
	const char *x1[] = { "no.such.property=1", NULL };
	const char *x2[] = { "linger.ms", NULL };
	const char *x3[] = { "linger.ms=soon", NULL };
	const char *x4[] = { "acks=1", NULL };
	char xbs[512];
	const char *x5[] = { xbs, NULL };
	char *lines[1];
	FILE *fp;

	make_event(ev, sizeof(ev), 1, "cfg.test", 1);
	lines[0] = ev;
	snprintf(xbs, sizeof(xbs), "bootstrap.servers=%s", bootstrap);

	opts_init(&o);
	o.props = x1;
	ok(kafka_producer_new(&o) == NULL && ak_errcode() == AK_EXIT_USAGE &&
	   !strncmp(ak_errmsg(), "bad Kafka property 'no.such.property': ", 39),
	   "unknown -X property: %s", ak_errmsg());
	o.props = x2;
	ok(kafka_producer_new(&o) == NULL && ak_errcode() == AK_EXIT_USAGE &&
	   strstr(ak_errmsg(), "expected name=value"), "-X without '=': %s", ak_errmsg());
	o.props = x3;
	ok(kafka_producer_new(&o) == NULL && ak_errcode() == AK_EXIT_USAGE &&
	   strstr(ak_errmsg(), "'linger.ms'"), "-X bad value: %s", ak_errmsg());
	o.props = x4;
	ok(kafka_producer_new(&o) == NULL && ak_errcode() == AK_EXIT_USAGE,
	   "-X acks=1 conflicts with idempotence: %s", ak_errmsg());
	o.props = x1;
	ok(kafka_consumer_new(&o, NULL, (const char *const[]){ "rt", NULL }, "beginning", 0) == NULL &&
	   ak_errcode() == AK_EXIT_USAGE, "consumer: unknown -X property refused");

	opts_init(&o);
	o.brokers = NULL;
	ok(kafka_producer_new(&o) == NULL && ak_errcode() == AK_EXIT_USAGE,
	   "no brokers at all: %s", ak_errmsg());

	/* a file alone gives the brokers */
	snprintf(path, sizeof(path), "%s/kafka.conf", tmpdir);
	fp = fopen(path, "w");
	fprintf(fp, "# agentkit test\n\n   \t\nbootstrap.servers = %s\r\n  client.id=u-kafka  \n"
		"# linger.ms=nonsense\n", bootstrap);
	fclose(fp);
	o.config_file = path;
	o.topic = "cfg";
	ok(produce_lines(&o, lines, 1) == 0, "config file: brokers, spaces, CR, comments, blanks");

	/* -X wins over the file, -b over the file too */
	fp = fopen(path, "w");
	fprintf(fp, "bootstrap.servers=127.0.0.1:1\n");
	fclose(fp);
	o.props = x5;
	o.timeout_ms = 3000;
	ok(produce_lines(&o, lines, 1) == 0, "-X overrides the config file");
	o.props = NULL;
	o.brokers = bootstrap;
	ok(produce_lines(&o, lines, 1) == 0, "-b overrides the config file");

	fp = fopen(path, "w");
	fprintf(fp, "# fine\nclient.id=x\nbogus.property=1\n");
	fclose(fp);
	p = kafka_producer_new(&o);
	ok(p == NULL && ak_errcode() == AK_EXIT_USAGE && strstr(ak_errmsg(), "'bogus.property'") &&
	   strstr(ak_errmsg(), "line 3"), "config file: bad property with its line: %s", ak_errmsg());
	fp = fopen(path, "w");
	fprintf(fp, "client.id=x\njust words\n");
	fclose(fp);
	p = kafka_producer_new(&o);
	ok(p == NULL && ak_errcode() == AK_EXIT_USAGE &&
	   strstr(ak_errmsg(), "line 2: expected name=value"),
	   "config file: line without '=': %s", ak_errmsg());
	fp = fopen(path, "w");
	fwrite("a=b\0c=d\n", 1, 8, fp);
	fclose(fp);
	ok(kafka_producer_new(&o) == NULL && ak_errcode() == AK_EXIT_USAGE,
	   "config file with a NUL byte refused");
	unlink(path);
	ok(kafka_producer_new(&o) == NULL && strstr(ak_errmsg(), "cannot open"),
	   "missing config file: %s", ak_errmsg());

	opts_init(&o);
	o.topic = "bad topic";
	ok(kafka_producer_new(&o) == NULL && ak_errcode() == AK_EXIT_USAGE, "bad --topic refused");
	o.topic = NULL;
	o.topic_prefix = "bad/";
	ok(kafka_producer_new(&o) == NULL && ak_errcode() == AK_EXIT_USAGE &&
	   strstr(ak_errmsg(), "'bad/'"), "bad topic prefix refused: %s", ak_errmsg());
	o.topic_prefix = NULL;
	ok(kafka_consumer_new(&o, NULL, (const char *const[]){ "rt", NULL }, "middle", 0) == NULL &&
	   ak_errcode() == AK_EXIT_USAGE && strstr(ak_errmsg(), "'middle'"),
	   "consumer: bad start: %s", ak_errmsg());
	ok(kafka_consumer_new(&o, NULL, (const char *const[]){ NULL }, "end", 0) == NULL &&
	   ak_errcode() == AK_EXIT_USAGE, "consumer: no topics");
	ok(kafka_consumer_new(&o, NULL, (const char *const[]){ "a b", NULL }, "end", 0) == NULL &&
	   ak_errcode() == AK_EXIT_USAGE, "consumer: bad topic name");
}

static void test_produce_errors(void)
{
	struct kafka_opts o;
	struct kafka_producer *p;
	static const char *const bad[] = {
		"not json",
		"{\"a\":1}",
		"[1,2]",
		"{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"s\"}",
		"{\"specversion\":\"0.3\",\"id\":\"1\",\"source\":\"s\",\"type\":\"t\"}",
		"{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"s\",\"type\":\"t\",\"type\":\"u\"}",
	};
	const char *slash = "{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"s\",\"type\":\"a/b\"}";
	uint64_t acked = 9, failed = 9;

	opts_init(&o);
	p = kafka_producer_new(&o);
	ok(p != NULL, "producer");
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		ok(kafka_produce(p, bad[i], strlen(bad[i])) == -1 && ak_errcode() == AK_EXIT_DATAERR &&
		   !strncmp(ak_errmsg(), "not an event: ", 14),
		   "refused: %s -> %s", bad[i], ak_errmsg());
	ok(kafka_produce(p, slash, strlen(slash)) == -1 && ak_errcode() == AK_EXIT_DATAERR &&
	   strstr(ak_errmsg(), "'a/b'"), "type that makes no topic name: %s", ak_errmsg());
	ok(kafka_producer_flush(p, 1000) == 0, "nothing queued: flush succeeds");
	kafka_producer_counts(p, &acked, &failed);
	ok(acked == 0 && failed == 0, "nothing counted");
	kafka_producer_free(p);
}

/* Structured mode to one topic; read back without and with a group. */
static void test_structured(char **lines, int n)
{
	struct kafka_opts o;
	struct kafka_consumer *c;
	struct kafka_producer *p;
	struct seen *s = calloc(1, sizeof(*s));
	struct raw *r = calloc(1, sizeof(*r));
	int32_t part_of[10];
	int consistent = 1, parts_used = 0, keys_ok = 1, ct_ok = 1, order_ok = 1;
	uint64_t acked = 0, failed = 1;
	char hv[128];
	double t0;

	opts_init(&o);
	o.topic = "rt";
	p = kafka_producer_new(&o);
	for (int i = 0; i < n; i++)
		if (kafka_produce(p, lines[i], strlen(lines[i])) < 0)
			break;
	ok(kafka_producer_flush(p, 10000) == 0, "structured: flush");
	kafka_producer_counts(p, &acked, &failed);
	ok(acked == (uint64_t)n && failed == 0, "structured: %llu acked, %llu failed",
	   (unsigned long long)acked, (unsigned long long)failed);
	kafka_producer_free(p);

	t0 = now_s();
	c = test_consumer(&o, NULL, (const char *const[]){ "rt", NULL }, "beginning", 1);
	ok(c != NULL, "structured: consumer without group");
	drain(c, s, MAXLINES, 15, 0);
	ok(s->ended && !s->failed, "exit at end returns 2 (after %.1f s)", now_s() - t0);
	ok(same_lines(s->line, s->n, lines, n), "no group: %d of %d events back byte for byte", s->n, n);

	/* all of one subject in one partition, in order */
	for (int i = 0; i < 10; i++)
		part_of[i] = -1;
	for (int i = 0; i < s->n; i++) {
		const char *f = strstr(s->line[i], "\"subject\":\"feature-");
		int subj = f ? f[19] - '0' : 0;

		if (part_of[subj] == -1) {
			part_of[subj] = s->partition[i];
		} else if (part_of[subj] != s->partition[i]) {
			consistent = 0;
		}
		if (strcmp(s->topic[i], "rt"))
			consistent = 0;
		for (int k = 0; k < i; k++)
			if (s->partition[k] == s->partition[i] && s->offset[k] >= s->offset[i])
				order_ok = 0;
	}
	for (int pt = 0; pt < 3; pt++)
		for (int i = 0; i < 10; i++)
			if (part_of[i] == pt) {
				parts_used++;
				break;
			}
	ok(consistent && parts_used > 1, "one subject, one partition (%d partitions used)", parts_used);
	ok(order_ok, "offsets rise within each partition");

	/* more events after the end: no longer at the end, then the end again */
	{
		struct kafka_msg m;
		int got;

		ok(kafka_consume(c, &m, 300) == 0, "after the end: nothing more");
		p = kafka_producer_new(&o);
		kafka_produce(p, lines[0], strlen(lines[0]));
		kafka_producer_flush(p, 5000);
		kafka_producer_free(p);
		got = kafka_consume(c, &m, 5000);
		ok(got == 1 && m.len == strlen(lines[0]) && !memcmp(m.line, lines[0], m.len),
		   "a new event after the end comes");
		ok(kafka_consume(c, &m, 5000) == 2, "and the end is reported again");
	}
	ok(kafka_consumer_close(c) == 0, "structured: close");
	seen_free(s);

	/* on the wire: key = subject, content-type header */
	raw_read("rt", 3, r);
	ok(r->n == n + 1, "raw: %d messages", r->n);
	for (int i = 0; i < r->n; i++) {
		const char *f = strstr(r->val[i], "\"subject\":\"");
		char want[64];

		snprintf(want, sizeof(want), "%.*s", 9, f ? f + 11 : "");
		if (!r->key[i] || strcmp(r->key[i], want))
			keys_ok = 0;
		if (strcmp(header(r->h[i], "content-type", hv, sizeof(hv)),
			   "application/cloudevents+json; charset=UTF-8"))
			ct_ok = 0;
	}
	ok(keys_ok, "raw: the key is the subject");
	ok(ct_ok, "raw: content-type application/cloudevents+json; charset=UTF-8");
	raw_free(r);

	seen_free(s);
	free(s);
	free(r);
}

/*
 * Many events, more than the producer's batches hold at once (they go
 * through its own thread and are not copied again): every one delivered
 * once, each subject's in the order given, the value byte for byte.
 */
#define MANY 6000

static void test_many(void)
{
	struct kafka_opts o;
	struct kafka_producer *p;
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(3);
	int *seen = calloc(MANY, sizeof(*seen));
	int last[7] = { -1, -1, -1, -1, -1, -1, -1 };
	int got = 0, dups = 0, order_ok = 1, bytes_ok = 1, keys_ok = 1, eofs = 0, rc = 0;
	uint64_t acked = 0, failed = 1;
	double end;
	char err[256], ev[1024];
	rd_kafka_t *rk;

	opts_init(&o);
	o.topic = "many";
	p = kafka_producer_new(&o);
	for (int i = 0; i < MANY && rc == 0; i++) {
		size_t n = make_event(ev, sizeof(ev), i, "many.t", 7);

		rc = kafka_produce(p, ev, n);
	}
	ok(rc == 0, "many: %d events queued", MANY);
	ok(kafka_producer_flush(p, 20000) == 0, "many: flush");
	kafka_producer_counts(p, &acked, &failed);
	ok(acked == MANY && failed == 0, "many: %llu acked, %llu failed",
	   (unsigned long long)acked, (unsigned long long)failed);
	kafka_producer_free(p);

	rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof(err));
	rd_kafka_conf_set(conf, "group.id", "u-kafka-many", err, sizeof(err));
	rd_kafka_conf_set(conf, "enable.partition.eof", "true", err, sizeof(err));
	rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof(err));
	rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
	rd_kafka_poll_set_consumer(rk);
	for (int i = 0; i < 3; i++)
		rd_kafka_topic_partition_list_add(l, "many", i)->offset = RD_KAFKA_OFFSET_BEGINNING;
	rd_kafka_assign(rk, l);
	rd_kafka_topic_partition_list_destroy(l);
	end = now_s() + 20;
	while (eofs < 3 && now_s() < end) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 200);
		int i, subj;

		if (!m)
			continue;
		if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
			eofs++;
		if (!m->err && m->payload && m->len > 40 &&
		    sscanf((const char *)m->payload + 27, "ev-%5d", &i) == 1 && i >= 0 && i < MANY) {
			size_t n = make_event(ev, sizeof(ev), i, "many.t", 7);
			char key[32];

			subj = i % 7;
			got++;
			if (seen[i]++)
				dups++;
			/* one subject, one partition: its events in the order given */
			if (i <= last[subj])
				order_ok = 0;
			last[subj] = i;
			if (m->len != n || memcmp(m->payload, ev, n))
				bytes_ok = 0;
			snprintf(key, sizeof(key), "feature-%d", subj);
			if (!m->key || m->key_len != strlen(key) || memcmp(m->key, key, m->key_len))
				keys_ok = 0;
		}
		rd_kafka_message_destroy(m);
	}
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
	ok(got == MANY && !dups, "many: %d read back, %d twice", got, dups);
	ok(order_ok, "many: each subject's events in order");
	ok(bytes_ok && keys_ok, "many: values byte for byte, keys the subjects");
	free(seen);
}

/* An event larger than message.max.bytes fails on its own line; the next goes. */
static void test_too_large(void)
{
	static const char *const props[] = { "message.max.bytes=2000", NULL };
	struct kafka_opts o;
	struct kafka_producer *p;
	uint64_t acked = 0, failed = 1;
	char small[1024], *big = malloc(4096);
	size_t n = make_event(small, sizeof(small), 1, "big.t", 1);

	opts_init(&o);
	o.topic = "many";
	o.props = props;
	p = kafka_producer_new(&o);
	snprintf(big, 4096, "{\"specversion\":\"1.0\",\"id\":\"b\",\"source\":\"s\",\"type\":\"t\","
		 "\"data\":\"%03000d\"}", 7);
	ok(p && kafka_produce(p, big, strlen(big)) == -1 && ak_errcode() == AK_EXIT_DATAERR &&
	   strstr(ak_errmsg(), "cannot send event to 'many'"), "too large: refused (%s)",
	   ak_errmsg());
	ok(p && kafka_produce(p, small, n) == 0, "the next event goes");
	ok(p && kafka_producer_flush(p, 10000) == 0, "too large: flush");
	if (p)
		kafka_producer_counts(p, &acked, &failed);
	ok(acked == 1 && failed == 0, "too large: only the small one counted");
	kafka_producer_free(p);
	free(big);
}

/* Binary mode: attributes as ce_ headers, data as the value. */
static void test_binary(void)
{
	static const char *const in[] = {
		/* JSON data, an extension and a traceparent */
		"{\"specversion\":\"1.0\",\"id\":\"b1\",\"source\":\"agentkit/u\",\"type\":\"bin.t\","
		"\"subject\":\"feat-1\",\"time\":\"2026-01-02T03:04:05.678Z\","
		"\"datacontenttype\":\"application/json\",\"causationid\":\"c-1\","
		"\"traceparent\":\"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\","
		"\"data\":{\"a\":[1,2,{\"b\":\"\\u00e9\\n\"}],\"z\":null}}",
		/* text data */
		"{\"specversion\":\"1.0\",\"id\":\"b2\",\"source\":\"agentkit/u\",\"type\":\"bin.t\","
		"\"subject\":\"feat-2\",\"datacontenttype\":\"text/plain; charset=utf-8\","
		"\"data\":\"hello\\nworld \\u00e9 \\\"x\\\"\"}",
		/* binary data */
		"{\"specversion\":\"1.0\",\"id\":\"b3\",\"source\":\"agentkit/u\",\"type\":\"bin.t\","
		"\"datacontenttype\":\"application/octet-stream\",\"data_base64\":\"AAEC/w==\"}",
		/* no data: a tombstone */
		"{\"specversion\":\"1.0\",\"id\":\"b4\",\"source\":\"agentkit/u\",\"type\":\"bin.t\","
		"\"subject\":\"feat-4\"}",
		/* a JSON string is sent as JSON text, so it stays a string */
		"{\"specversion\":\"1.0\",\"id\":\"b5\",\"source\":\"agentkit/u\",\"type\":\"bin.t\","
		"\"datacontenttype\":\"application/json\",\"data\":\"123\"}",
		/* JSON null data */
		"{\"specversion\":\"1.0\",\"id\":\"b6\",\"source\":\"agentkit/u\",\"type\":\"bin.t\","
		"\"datacontenttype\":\"application/vnd.x+json\",\"data\":null}",
		/* headers carry strings: a number comes back as its text */
		"{\"specversion\":\"1.0\",\"id\":\"b7\",\"source\":\"agentkit/u\",\"type\":\"bin.t\","
		"\"retries\":3,\"urgent\":true,\"datacontenttype\":\"application/json\",\"data\":[1]}",
		/* no datacontenttype: JSON is implied, and made explicit */
		"{\"specversion\":\"1.0\",\"id\":\"b8\",\"source\":\"agentkit/u\",\"type\":\"bin.t\","
		"\"data\":{\"k\":\"v\"}}",
	};
	static const char *const want[] = {
		NULL, NULL, NULL, NULL, NULL, NULL,
		"{\"specversion\":\"1.0\",\"id\":\"b7\",\"source\":\"agentkit/u\",\"type\":\"bin.t\","
		"\"retries\":\"3\",\"urgent\":\"true\",\"datacontenttype\":\"application/json\",\"data\":[1]}",
		"{\"specversion\":\"1.0\",\"id\":\"b8\",\"source\":\"agentkit/u\",\"type\":\"bin.t\","
		"\"datacontenttype\":\"application/json\",\"data\":{\"k\":\"v\"}}",
	};
	const int n = (int)(sizeof(in) / sizeof(*in));
	struct kafka_opts o;
	struct kafka_consumer *c;
	struct seen *s = calloc(1, sizeof(*s));
	struct raw *r = calloc(1, sizeof(*r));
	char *lines[8];
	int matched = 0;
	char hv[256];

	opts_init(&o);
	o.topic = "bin";
	o.binary = 1;
	memcpy(lines, in, sizeof(lines));
	ok(produce_lines(&o, lines, n) == 0, "binary: produced %d events", n);

	c = test_consumer(&o, NULL, (const char *const[]){ "bin", NULL }, "beginning", 1);
	drain(c, s, MAXLINES, 15, 0);
	ok(s->ended && s->n == n, "binary: %d of %d back", s->n, n);
	for (int i = 0; i < s->n; i++) {
		json_t *got = json_loads(s->line[i], 0, NULL);
		const char *id = got ? json_string_value(json_object_get(got, "id")) : NULL;

		for (int k = 0; id && k < n; k++) {
			char key[16];
			json_t *exp;

			snprintf(key, sizeof(key), "\"id\":\"%s\"", id);
			if (!strstr(in[k], key))
				continue;
			exp = json_loads(want[k] ? want[k] : in[k], 0, NULL);
			if (ok(json_equal(got, exp) && !s->malformed[i], "binary: %s round trip", id))
				matched++;
			else
				printf("#   got:  %s\n#   want: %s\n", s->line[i], want[k] ? want[k] : in[k]);
			json_decref(exp);
		}
		json_decref(got);
	}
	is_int(matched, n, "binary: every event equivalent");
	kafka_consumer_close(c);
	seen_free(s);

	/* on the wire */
	raw_read("bin", 3, r);
	for (int i = 0; i < r->n; i++) {
		rd_kafka_headers_t *h = r->h[i];
		const char *id = header(h, "ce_id", hv, sizeof(hv));

		if (!strcmp(id, "b1")) {
			ok(!strcmp(r->val[i], "{\"a\":[1,2,{\"b\":\"\\u00e9\\n\"}],\"z\":null}"),
			   "wire b1: value is the data as it was: %s", r->val[i]);
			ok(r->key[i] && !strcmp(r->key[i], "feat-1"), "wire b1: key is the subject");
			is_str(header(h, "content-type", hv, sizeof(hv)), "application/json",
			       "wire b1: content-type");
			is_str(header(h, "ce_specversion", hv, sizeof(hv)), "1.0", "wire b1: ce_specversion");
			is_str(header(h, "ce_type", hv, sizeof(hv)), "bin.t", "wire b1: ce_type");
			is_str(header(h, "ce_causationid", hv, sizeof(hv)), "c-1", "wire b1: extension header");
			ok(!has_header(h, "ce_data") && !has_header(h, "ce_datacontenttype"),
			   "wire b1: no ce_data, no ce_datacontenttype");
		} else if (!strcmp(id, "b2")) {
			is_str(r->val[i], "hello\nworld \xc3\xa9 \"x\"", "wire b2: text data as its bytes");
		} else if (!strcmp(id, "b3")) {
			ok(r->vlen[i] == 4 && !memcmp(r->val[i], "\x00\x01\x02\xff", 4),
			   "wire b3: data_base64 decoded");
		} else if (!strcmp(id, "b4")) {
			ok(!r->has_val[i] && !has_header(h, "content-type"),
			   "wire b4: no data, null value, no content-type");
		} else if (!strcmp(id, "b5")) {
			is_str(r->val[i], "\"123\"", "wire b5: a JSON string keeps its quotes");
		} else if (!strcmp(id, "b7")) {
			is_str(header(h, "ce_retries", hv, sizeof(hv)), "3", "wire b7: number as its text");
		}
	}
	raw_free(r);
	free(s);
	free(r);
}

/* Values that are not events come out marked malformed, with the value. */
static void test_malformed(void)
{
	static const char *const bin_noid[] = {
		"ce_specversion", "1.0", "ce_type", "x.y", "ce_source", "s", NULL
	};
	static const char *const bin_badutf8[] = {
		"ce_specversion", "1.0", "ce_id", "1", "ce_type", "x.y", "ce_source", "s",
		"ce_note", "\xff\xfe", NULL
	};
	static const char *const ce_ct[] = {
		"content-type", "application/cloudevents+json; charset=UTF-8", NULL
	};
	static const char *const bin_ok[] = {
		"ce_specversion", "1.0", "ce_id", "7", "ce_type", "x.y", "ce_source", "s",
		"content-type", "text/plain", NULL
	};
	const char *pretty = "{\n  \"specversion\": \"1.0\",\r\n  \"id\": \"p1\",\n"
			     "  \"source\": \"s\",\n  \"type\": \"x.y\"\n}\n";
	const char *noid = "{\"specversion\":\"1.0\",\"source\":\"s\",\"type\":\"x.y\"}";
	struct kafka_opts o;
	struct kafka_consumer *c;
	struct seen *s = calloc(1, sizeof(*s));
	rd_kafka_t *rk = raw_producer();

	raw_send(rk, "bad", "not json", 8, NULL);
	raw_send(rk, "bad", noid, strlen(noid), ce_ct);
	raw_send(rk, "bad", "{\"a\":1}", 7, bin_noid);
	raw_send(rk, "bad", "text", 4, bin_badutf8);
	raw_send(rk, "bad", pretty, strlen(pretty), NULL);
	raw_send(rk, "bad", NULL, 0, NULL);
	raw_send(rk, "bad", "\xff\x00\x01", 3, bin_ok);
	raw_send(rk, "bad", "{\"x\":1}", 7, NULL);
	ok(rd_kafka_flush(rk, 5000) == 0, "raw producer: 8 odd values written");
	rd_kafka_destroy(rk);

	opts_init(&o);
	c = test_consumer(&o, NULL, (const char *const[]){ "bad", NULL }, "beginning", 1);
	drain(c, s, MAXLINES, 15, 0);
	ok(s->ended && s->n == 8, "malformed: all 8 come out (%d)", s->n);
	if (s->n == 8) {
		ok(s->malformed[0] && !strcmp(s->line[0], "not json") && !strncmp(s->why[0], "not valid JSON", 14),
		   "'not json' is malformed, line keeps the value (%s)", s->why[0]);
		ok(s->malformed[1] && !strcmp(s->line[1], noid) && strstr(s->why[1], "'id'"),
		   "structured without id is malformed (%s)", s->why[1]);
		ok(s->malformed[2] && !strcmp(s->line[2], "{\"a\":1}") && strstr(s->why[2], "'id'"),
		   "binary without ce_id is malformed (%s)", s->why[2]);
		ok(s->malformed[3] && strstr(s->why[3], "'ce_note'"),
		   "binary header that is not UTF-8 is malformed (%s)", s->why[3]);
		ok(!s->malformed[4] && !strchr(s->line[4], '\n') && !strchr(s->line[4], '\r') &&
		   strstr(s->line[4], "\"id\": \"p1\""), "pretty-printed event made one line: %s",
		   s->line[4]);
		ok(s->malformed[5] && s->line[5][0] == '\0', "null value is malformed (%s)", s->why[5]);
		ok(!s->malformed[6] && strstr(s->line[6], "\"data_base64\":\"/wAB\""),
		   "binary value that is not UTF-8 becomes data_base64: %s", s->line[6]);
		ok(s->malformed[7] && strstr(s->why[7], "specversion"),
		   "a plain JSON object is malformed (%s)", s->why[7]);
	}
	kafka_consumer_close(c);
	seen_free(s);
	free(s);
}

/* Each type to its own topic under the prefix. */
static void test_topic_per_type(void)
{
	struct kafka_opts o;
	struct kafka_consumer *c;
	struct seen *s = calloc(1, sizeof(*s));
	char buf[10][1024], *lines[10];
	int only_one = 1;

	for (int i = 0; i < 10; i++) {
		make_event(buf[i], sizeof(buf[i]), 100 + i, i % 2 ? "alpha.two" : "alpha.one", 3);
		lines[i] = buf[i];
	}
	opts_init(&o);
	o.topic_prefix = "tp.";
	ok(produce_lines(&o, lines, 10) == 0, "per type: produced");
	c = test_consumer(&o, NULL, (const char *const[]){ "tp.alpha.one", NULL }, "beginning", 1);
	drain(c, s, MAXLINES, 15, 0);
	for (int i = 0; i < s->n; i++)
		if (!strstr(s->line[i], "\"type\":\"alpha.one\"") || strcmp(s->topic[i], "tp.alpha.one"))
			only_one = 0;
	ok(s->ended && s->n == 5 && only_one, "tp.alpha.one holds the 5 alpha.one events (%d)", s->n);
	kafka_consumer_close(c);
	seen_free(s);
	free(s);
}

/* A topic that does not exist yet is waited for, not an error. */
static void test_later_topic(void)
{
	struct kafka_opts o;
	struct kafka_consumer *c;
	struct kafka_msg m;
	char ev[1024], *lines[1] = { ev };
	int r;

	opts_init(&o);
	c = test_consumer(&o, NULL, (const char *const[]){ "later", NULL }, "beginning", 1);
	ok(c != NULL, "consumer of a topic that does not exist yet");
	ok(kafka_consume(c, &m, 500) == 0, "nothing comes, and no error");
	make_event(ev, sizeof(ev), 900, "x", 1);
	o.topic = "later";
	ok(produce_lines(&o, lines, 1) == 0, "the topic is made by producing to it");
	r = kafka_consume(c, &m, 8000);
	ok(r == 1 && m.len == strlen(ev) && !memcmp(m.line, ev, m.len), "its event comes (%d)", r);
	ok(kafka_consume(c, &m, 8000) == 2, "then the end");
	kafka_consumer_close(c);
}

/*
 * Offsets committed by one member are where the next one starts; with
 * "beginning" the same group reads everything again, byte for byte.
 */
static void test_group_offsets(char **lines, int n)
{
	struct kafka_opts o, oc;
	struct kafka_consumer *c;
	struct seen *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	char **all;
	double t0 = now_s();
	int r;

	opts_init(&o);
	o.topic = "go";
	ok(produce_lines(&o, lines, n) == 0, "offsets: %d events produced", n);
	oc = o;
	c = test_consumer(&oc, "u-kafka-go", (const char *const[]){ "go", NULL }, "stored", 0);
	drain(c, a, n / 2, 20, 1);
	is_int(a->n, n / 2, "offsets: first member read half (%.1f s)", now_s() - t0);
	r = kafka_consumer_close(c);
	ok(r == 0, "offsets: close commits %s", r ? ak_errmsg() : "");

	c = test_consumer(&oc, "u-kafka-go", (const char *const[]){ "go", NULL }, "stored", 1);
	drain(c, b, MAXLINES, 20, 1);
	ok(b->ended, "offsets: second member reached the end (%.1f s)", now_s() - t0);
	all = malloc(sizeof(*all) * (size_t)(a->n + b->n + 1));
	memcpy(all, a->line, sizeof(*all) * (size_t)a->n);
	memcpy(all + a->n, b->line, sizeof(*all) * (size_t)b->n);
	ok(b->n == n - n / 2 && same_lines(all, a->n + b->n, lines, n),
	   "offsets: the second member got exactly the rest (%d), byte for byte", b->n);
	free(all);
	kafka_consumer_close(c);
	seen_free(b);

	/* "beginning" ignores the group's commits */
	c = test_consumer(&oc, "u-kafka-go", (const char *const[]){ "go", NULL }, "beginning", 1);
	drain(c, b, MAXLINES, 20, 0);
	ok(b->ended && same_lines(b->line, b->n, lines, n),
	   "offsets: 'beginning' with the same group reads all %d again, byte for byte (%d)", n, b->n);
	kafka_consumer_close(c);
	printf("# group offset tests took %.1f s\n", now_s() - t0);
	seen_free(a);
	seen_free(b);
	free(a);
	free(b);
}

/* Two members of one group share the partitions and see each event once. */
static void test_group_split(char **lines, int n)
{
	struct kafka_opts o, oc;
	struct kafka_consumer *c[2];
	struct seen *s[2] = { calloc(1, sizeof(**s)), calloc(1, sizeof(**s)) };
	int ended[2] = { 0, 0 }, total = 0, dups = 0;
	double t0 = now_s(), end;
	char **all;

	opts_init(&o);
	o.topic = "split";
	oc = o;
	for (int k = 0; k < 2; k++)
		c[k] = test_consumer(&oc, "u-kafka-split",
					  (const char *const[]){ "split", NULL }, "stored", 1);
	/* both join; each reports the end once it has partitions, all read */
	end = now_s() + 20;
	while (!(ended[0] && ended[1]) && now_s() < end) {
		for (int k = 0; k < 2; k++) {
			struct kafka_msg m;

			if (kafka_consume(c[k], &m, 100) == 2)
				ended[k] = 1;
		}
	}
	ok(ended[0] && ended[1], "split: both members have partitions (%.1f s)", now_s() - t0);

	ok(produce_lines(&o, lines, n) == 0, "split: %d events produced", n);
	end = now_s() + 20;
	while (s[0]->n + s[1]->n < n && now_s() < end)
		for (int k = 0; k < 2; k++) {
			struct kafka_msg m;

			if (kafka_consume(c[k], &m, 100) == 1) {
				seen_add(s[k], &m);
				kafka_consumer_done(c[k], &m);
			}
		}
	/* a little longer, for duplicates */
	end = now_s() + 1;
	while (now_s() < end)
		for (int k = 0; k < 2; k++) {
			struct kafka_msg m;

			if (kafka_consume(c[k], &m, 100) == 1) {
				seen_add(s[k], &m);
				dups++;
			}
		}
	total = s[0]->n + s[1]->n;
	ok(s[0]->n > 0 && s[1]->n > 0, "split: both members got events (%d + %d)", s[0]->n, s[1]->n);
	for (int i = 0; i < s[0]->n; i++)
		for (int k = 0; k < s[1]->n; k++)
			if (s[0]->partition[i] == s[1]->partition[k])
				dups++;
	all = malloc(sizeof(*all) * (size_t)(total + 1));
	memcpy(all, s[0]->line, sizeof(*all) * (size_t)s[0]->n);
	memcpy(all + s[0]->n, s[1]->line, sizeof(*all) * (size_t)s[1]->n);
	ok(dups == 0 && same_lines(all, total, lines, n),
	   "split: every event once, partitions disjoint (%d events)", total);
	free(all);
	for (int k = 0; k < 2; k++) {
		int r = kafka_consumer_close(c[k]);

		ok(r == 0, "split: member %d closes %s", k + 1, r ? ak_errmsg() : "");
		seen_free(s[k]);
		free(s[k]);
	}
}

static void test_unreachable(void)
{
	struct kafka_opts o;
	struct kafka_producer *p;
	char ev[1024];
	double t0, t1;
	uint64_t acked = 9, failed = 0;
	int r;

	opts_init(&o);
	o.brokers = "127.0.0.1:1";
	o.timeout_ms = 2000;
	o.topic = "x";
	p = kafka_producer_new(&o);
	ok(p != NULL, "unreachable: producer made");
	make_event(ev, sizeof(ev), 1, "x", 1);
	for (int i = 0; i < 5; i++)
		kafka_produce(p, ev, strlen(ev));
	t0 = now_s();
	r = kafka_producer_flush(p, 10000);
	t1 = now_s() - t0;
	ok(r == -1 && ak_errcode() == AK_EXIT_UNAVAILABLE &&
	   !strncmp(ak_errmsg(), "5 events not delivered: ", 24),
	   "unreachable: flush fails: %s", ak_errmsg());
	ok(t1 < 5, "unreachable: within %.1f s", t1);
	kafka_producer_counts(p, &acked, &failed);
	ok(acked == 0 && failed == 5, "unreachable: 5 failed");
	t0 = now_s();
	kafka_producer_free(p);
	t1 = now_s() - t0;
	ok(t1 < 2, "unreachable: producer freed in %.1f s", t1);

	o.timeout_ms = 500;
	t0 = now_s();
	r = kafka_consumer_new(&o, NULL, (const char *const[]){ "x", NULL }, "end", 0) == NULL;
	t1 = now_s() - t0;
	ok(r && ak_errcode() == AK_EXIT_UNAVAILABLE && t1 < 4,
	   "unreachable: consumer fails in %.1f s: %s", t1, ak_errmsg());
	t0 = now_s();
	r = kafka_topics_list(&o, stdout);
	t1 = now_s() - t0;
	ok(r == -1 && ak_errcode() == AK_EXIT_UNAVAILABLE && t1 < 4,
	   "unreachable: topics list fails in %.1f s: %s", t1, ak_errmsg());
}

int main(void)
{
	static const char *const topics[] = {
		"rt", "bin", "bad:1", "go", "split", "tp.alpha.one:2", "tp.alpha.two", "many", NULL
	};
	static const char *const types[] = { "feature.tested", "rollout.step", "requirement.submitted" };
	struct kafka_mock *mock;
	char *lines[200];
	double t0 = now_s();

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!mkdtemp(tmpdir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_basics();
	test_mock_args();
	mock = kafka_mock_new(3, topics);
	if (!mock) {
		printf("Bail out! mock cluster: %s\n", ak_errmsg());
		return 1;
	}
	bootstrap = kafka_mock_bootstrap(mock);
	ok(bootstrap && strchr(bootstrap, ','), "mock bootstrap '%s'", bootstrap);

	for (int i = 0; i < 200; i++) {
		char b[1024];

		make_event(b, sizeof(b), i, types[i % 3], 10);
		lines[i] = strdup(b);
	}
#define TIMED(call) do { \
		double t_ = now_s(); \
		call; \
		printf("# %s: %.1f s\n", #call, now_s() - t_); \
	} while (0)
	TIMED(test_topics());
	TIMED(test_config());
	TIMED(test_produce_errors());
	TIMED(test_structured(lines, 120));
	TIMED(test_many());
	TIMED(test_too_large());
	TIMED(test_binary());
	TIMED(test_malformed());
	TIMED(test_topic_per_type());
	TIMED(test_later_topic());
	TIMED(test_group_offsets(lines + 120, 40));
	TIMED(test_group_split(lines + 160, 40));
	TIMED(test_unreachable());
	for (int i = 0; i < 200; i++)
		free(lines[i]);
	kafka_mock_free(mock);
	rmdir(tmpdir);
	printf("# %.1f s\n", now_s() - t0);
	return done_testing();
}
