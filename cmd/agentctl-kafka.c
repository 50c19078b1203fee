/*
 * agentctl-kafka.c - the verbs that move events over Kafka: publish,
 * consume, worker, and kafka (mock, topics). Their flags follow kcat's
 * where they mean the same: -b brokers, -G group, -t topic, -o offset,
 * -e exit at the end, -c count, -X property, -F configuration file.
 */
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agentctl.h"
#include "error.h"
#include "filter.h"
#include "jscan.h"
#include "kafka.h"
#include "log.h"
#include "store.h"
#include "worker.h"
#include "banned.h"

#define MAX_PROPS 64
#define MAX_TOPICS 64

static struct {
	struct kafka_opts k;
	const char *props[MAX_PROPS + 1];
	int nprops;
	const char *topics[MAX_TOPICS + 1];
	int ntopics;
	const char *types;          /* --in / --type: comma-separated event types */
	const char *group;
	const char *offset;
	int exit_at_end;
	long long count;
	size_t batch;
	int mock_brokers;
	const char *mock_topics;
	const char *create;
	int partitions;
} ko = { KAFKA_OPTS_INIT, { NULL }, 0, { NULL }, 0, NULL, NULL, NULL, 0, 0, 100, 3, NULL, NULL, 3 };

#define KAFKA_COMMON_OPTS \
	{ "brokers", 'b', "BROKERS", "Kafka bootstrap servers (host:port,...)" }, \
	{ "property", 'X', "NAME=VALUE", "a librdkafka property (repeatable)" }, \
	{ "kafka-config", 'F', "FILE", "librdkafka properties, one NAME=VALUE a line" }, \
	{ "timeout", OPT_TIMEOUT, "MS", "give up on unreachable brokers after MS (30000)" }

#define TOPIC_OPTS \
	{ "topic", 't', "TOPIC", "this topic instead of one per type" }, \
	{ "topic-prefix", OPT_TOPIC_PREFIX, "PREFIX", "prefix of each type's topic (agentkit.)" }

static const struct opt publish_opts[] = {
	KAFKA_COMMON_OPTS,
	TOPIC_OPTS,
	{ "binary", OPT_BINARY, NULL, "binary mode: data as value, attributes as ce_ headers" },
	OPT_END
};

static const struct opt consume_opts[] = {
	KAFKA_COMMON_OPTS,
	TOPIC_OPTS,
	{ "type", OPT_TYPE, "TYPE[,TYPE]...", "the topics of these event types" },
	{ "group", 'G', "GROUP", "consume as a member of this group" },
	{ "offset", 'o', "OFFSET", "beginning, end or stored (default: beginning)" },
	{ "exit", 'e', NULL, "exit when every partition has been read to its end" },
	{ "count", 'c', "N", "exit after N events" },
	OPT_END
};

static const struct opt worker_opts[] = {
	KAFKA_COMMON_OPTS,
	TOPIC_OPTS,
	{ "group", 'G', "GROUP", "the consumer group (required)" },
	{ "in", OPT_IN, "TYPE[,TYPE]...", "the event types the program consumes" },
	{ "batch", OPT_BATCH, "N", "at most N events a run (100)" },
	{ "store", OPT_STORE, "STORE", "a SQLite file, or a PostgreSQL URL or connection string" },
	{ "exit", 'e', NULL, "exit when the topics have been read to their end" },
	OPT_END
};

static const struct opt kafka_opts_table[] = {
	KAFKA_COMMON_OPTS,
	{ "mock-brokers", OPT_MOCK_BROKERS, "N", "mock: the number of brokers (3, at most 64)" },
	{ "topics", OPT_MOCK_TOPICS, "NAME[:PARTS],...", "mock: topics to create" },
	{ "create", OPT_CREATE, "TOPIC", "topics: create this topic" },
	{ "partitions", OPT_PARTITIONS, "N", "topics --create: partitions (3)" },
	OPT_END
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = sig;
}

static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static int number(const char *arg, long long lo, long long hi, long long *out)
{
	char *end;
	long long n = strtoll(arg, &end, 10);

	if (*end || end == arg || n < lo || n > hi)
		return ak_error(AK_EXIT_USAGE, "'%s' is not a number from %lld to %lld", arg, lo, hi);
	*out = n;
	return 0;
}

static int kafka_option(struct agent *a, int key, const char *arg)
{
	long long n;

	switch (key) {
	case 'b': ko.k.brokers = arg; return 0;
	case 'F': ko.k.config_file = arg; return 0;
	case 'G': ko.group = arg; return 0;
	case 'o':
		if (strcmp(arg, "beginning") && strcmp(arg, "end") && strcmp(arg, "stored"))
			return ak_error(AK_EXIT_USAGE, "-o takes beginning, end or stored");
		ko.offset = arg;
		return 0;
	case 'e': ko.exit_at_end = 1; return 0;
	case OPT_BINARY: ko.k.binary = 1; return 0;
	case OPT_TOPIC_PREFIX: ko.k.topic_prefix = arg; return 0;
	case OPT_TYPE:
	case OPT_IN: ko.types = arg; return 0;
	case OPT_STORE: return config_set(a->cfg, "store", arg, CONFIG_FLAG, "--store");
	case OPT_MOCK_TOPICS: ko.mock_topics = arg; return 0;
	case OPT_CREATE: ko.create = arg; return 0;
	case 'X': return kafka_prop_add(ko.props, &ko.nprops, MAX_PROPS, arg);
	case 't':
		if (ko.ntopics == MAX_TOPICS)
			return ak_error(AK_EXIT_USAGE, "too many topics");
		ko.topics[ko.ntopics++] = arg;
		ko.k.topic = arg;
		return 0;
	case 'c':
		return number(arg, 1, INT64_MAX, &ko.count);
	case OPT_TIMEOUT:
		if (number(arg, 1, 86400000, &n) < 0)
			return -1;
		ko.k.timeout_ms = (long)n;
		return 0;
	case OPT_BATCH:
		if (number(arg, 1, 1000000, &n) < 0)
			return -1;
		ko.batch = (size_t)n;
		return 0;
	case OPT_MOCK_BROKERS:
	case OPT_PARTITIONS:
		if (number(arg, 1, key == OPT_MOCK_BROKERS ? 64 : 1000, &n) < 0)
			return -1;
		if (key == OPT_PARTITIONS)
			ko.partitions = (int)n;
		else
			ko.mock_brokers = (int)n;
		return 0;
	}
	return ak_error(AK_EXIT_USAGE, "unexpected option");
}

/* Settle the options the configuration may also give. */
static int kafka_setup(struct agent *a, int need_brokers)
{
	if (!ko.k.brokers)
		ko.k.brokers = config_get(a->cfg, "kafka.brokers");
	if (!ko.k.topic_prefix)
		ko.k.topic_prefix = config_get(a->cfg, "kafka.topic_prefix");
	ko.k.props = ko.props;
	if (need_brokers && (!ko.k.brokers || !*ko.k.brokers))
		return agent_usage_error(PROG, "no brokers given (-b, or AGENTKIT_KAFKA_BROKERS)");
	return 0;
}

/* The topics of a comma-separated list of types, into ko.topics. */
static int topics_of_types(const char *types)
{
	static char names[MAX_TOPICS][256];
	const char *p = types;

	while (*p) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		char type[200];

		if (ko.ntopics == MAX_TOPICS || n == 0 || n >= sizeof(type))
			return ak_error(AK_EXIT_USAGE, "bad list of event types '%s'", types);
		memcpy(type, p, n);
		type[n] = '\0';
		kafka_topic_for(&ko.k, type, names[ko.ntopics], sizeof(names[0]));
		ko.topics[ko.ntopics] = names[ko.ntopics];
		ko.ntopics++;
		p += n + (comma != NULL);
	}
	return 0;
}

static int publish_batch(void *ctx, const char *lines, size_t len)
{
	struct kafka_producer *p = ctx;
	const char *l = lines, *end = lines + len;

	while (l < end) {
		const char *nl = memchr(l, '\n', (size_t)(end - l));
		size_t ll = nl ? (size_t)(nl - l) : (size_t)(end - l);

		/* work items passing by are not events: they stay on this side */
		if (ll && kafka_produce(p, l, ll) < 0 && ak_errcode() != AK_EXIT_DATAERR)
			return -1;
		l += ll + 1;
	}
	return 0;
}

/* Valid events, as the filter loop scanned them, go straight to Kafka. */
static int publish_scanned(void *ctx, const char *line, size_t len, const struct jscan *js)
{
	/* work items passing by are not events: they stay on this side */
	if (js->type == JS_OBJECT && !jscan_find(js, "specversion"))
		return 0;
	return kafka_produce_scanned(ctx, line, len, js);
}

static int run_publish(struct agent *a, int argc, char **argv)
{
	struct filter_def def = { 0 };
	struct kafka_producer *p;
	struct filter *f;
	uint64_t acked, failed;
	int status, rc;

	if ((rc = kafka_setup(a, 1)))
		return rc;
	if (ko.ntopics > 1)
		return agent_usage_error(PROG, "publish takes one -t topic");
#ifdef M_MXFAST
	/*
	 * librdkafka allocates a message, a header list and a header for
	 * every event and frees them in bursts, as delivery reports come
	 * back. Small chunks parked in glibc's fastbins then keep the freed
	 * messages from merging, and malloc costs more than all the rest of
	 * publishing. Without fastbins they merge as they are freed; and
	 * memory freed in one burst is kept for the next rather than given
	 * back to the system and faulted in again.
	 */
	mallopt(M_MXFAST, 0);
	mallopt(M_MMAP_THRESHOLD, 4 << 20);
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	mallopt(M_TOP_PAD, 16 << 20);
#endif
	if (!(p = kafka_producer_new(&ko.k)))
		return agent_die(PROG);
	def.sink = publish_scanned;
	def.sink_ctx = p;
	f = filter_new(&def, &a->fopts, &a->ec, &a->out);
	if (!f) {
		kafka_producer_free(p);
		return agent_die(PROG);
	}
	/* silent on success: events go to Kafka, not to stdout; the loop's own
	 * (rejections) reach Kafka through the output's commit hook */
	a->out.fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	a->out.commit = publish_batch;
	a->out.commit_ctx = p;
	status = agent_filter_inputs(a, f, argc, argv);
	out_flush(&a->out);
	if (a->out.code)
		status = a->out.code;
	a->out.commit = NULL;
	close(a->out.fd);
	if (kafka_producer_flush(p, ko.k.timeout_ms) < 0) {
		log_error("%s", ak_errmsg());
		status = ak_errcode() == AK_EXIT_DATAERR ? AK_EXIT_DATAERR : AK_EXIT_UNAVAILABLE;
	}
	kafka_producer_counts(p, &acked, &failed);
	log_debug("published %llu events, %llu failed", (unsigned long long)acked,
		  (unsigned long long)failed);
	kafka_producer_free(p);
	filter_free(f);
	return status;
}

/* Offsets of what was written but not yet flushed, stored after the flush. */
struct pending {
	struct kafka_msg *m;
	size_t n, cap;
};

static int settle(struct agent *a, struct kafka_consumer *c, struct pending *pd)
{
	int rc = out_flush(&a->out);

	for (size_t i = 0; i < pd->n; i++) {
		if (rc == 0 && kafka_consumer_done(c, &pd->m[i]) < 0)
			rc = -1;
		free((char *)pd->m[i].topic);
	}
	pd->n = 0;
	return rc;
}

static int run_consume(struct agent *a, int argc, char **argv)
{
	struct pending pd = { 0 };
	struct kafka_consumer *c;
	struct kafka_msg m;
	long long seen = 0;
	int rc, status = 0;

	if (argc)
		return agent_usage_error(PROG, "consume takes no operands (use -t or --type)");
	if ((rc = kafka_setup(a, 1)))
		return rc;
	if (ko.types && topics_of_types(ko.types) < 0)
		return agent_usage_error(PROG, ak_errmsg());
	if (!ko.ntopics)
		return agent_usage_error(PROG, "consume needs topics: -t TOPIC or --type TYPE[,TYPE]...");
	catch_signals();
	c = kafka_consumer_new(&ko.k, ko.group, ko.topics, ko.offset ? ko.offset : "beginning",
			       ko.exit_at_end);
	if (!c)
		return agent_die(PROG);
	while (!stop && (!ko.count || seen < ko.count)) {
		int r = kafka_consume(c, &m, 500);

		if (r < 0) {
			status = agent_die(PROG);
			break;
		}
		if (r == 2)
			break;
		if (r == 0) {
			if (settle(a, c, &pd) < 0)
				break;
			continue;
		}
		seen++;
		if (m.malformed) {
			char origin[300];
			json_t *ev;
			char *s;
			size_t len;

			snprintf(origin, sizeof(origin), "kafka:%s/%d@%lld", m.topic, (int)m.partition,
				 (long long)m.offset);
			ev = filter_rejected_event(&a->ec, origin, 0, m.line, m.len, m.why, NULL, NULL);
			s = ev ? event_dump(ev, &len) : NULL;
			json_decref(ev);
			if (s)
				out_line(&a->out, s, len);
			free(s);
			status = AK_EXIT_DATAERR;
		} else {
			out_line(&a->out, m.line, m.len);
		}
		if (a->out.code)
			break;
		if (ko.group) {
			if (pd.n == pd.cap) {
				size_t nc = pd.cap ? pd.cap * 2 : 256;
				void *p = realloc(pd.m, nc * sizeof(*pd.m));

				if (!p)
					break;
				pd.m = p;
				pd.cap = nc;
			}
			pd.m[pd.n] = m;
			pd.m[pd.n].line = NULL;
			pd.m[pd.n].topic = strdup(m.topic);
			pd.n++;
			if (pd.n >= 1000 && settle(a, c, &pd) < 0)
				break;
		}
	}
	settle(a, c, &pd);
	free(pd.m);
	if (kafka_consumer_close(c) < 0 && !status)
		status = agent_die(PROG);
	return a->out.code ? a->out.code : status;
}

static int run_worker(struct agent *a, int argc, char **argv)
{
	struct worker_opts wo = WORKER_OPTS_INIT;
	struct worker_stats st;
	struct store *s;
	int rc;

	if ((rc = kafka_setup(a, 1)))
		return rc;
	if (!ko.group)
		return agent_usage_error(PROG, "worker needs a group (-G)");
	if (argc < 1)
		return agent_usage_error(PROG, "worker needs a program to run (after --)");
	if (ko.types && topics_of_types(ko.types) < 0)
		return agent_usage_error(PROG, ak_errmsg());
	if (!ko.ntopics)
		return agent_usage_error(PROG, "worker needs the types it consumes (--in) or -t");
	if (!(s = agentctl_open_store(a, NULL)))
		return ak_errcode();
	wo.kafka = &ko.k;
	wo.group = ko.group;
	wo.topics = ko.topics;
	wo.argv = (const char *const *)argv;
	wo.batch = ko.batch;
	wo.exit_at_end = ko.exit_at_end;
	catch_signals();
	rc = worker_run(&wo, s, &a->ec, &stop, &st);
	log_info("worker %s: %llu inputs, %llu runs, %llu outputs, %llu replayed, "
		 "%llu rejected, %llu failed", ko.group, (unsigned long long)st.inputs,
		 (unsigned long long)st.runs, (unsigned long long)st.outputs,
		 (unsigned long long)st.replayed, (unsigned long long)st.rejected,
		 (unsigned long long)st.failed);
	store_close(s);
	if (rc < 0)
		return agent_die(PROG);
	return st.rejected ? AK_EXIT_DATAERR : 0;
}

static int run_mock(void)
{
	static char copy[4096];
	const char *topics[MAX_TOPICS + 1] = { NULL };
	struct kafka_mock *m;
	int n = 0;

	if (ko.mock_topics) {
		snprintf(copy, sizeof(copy), "%s", ko.mock_topics);
		for (char *p = copy; p && *p && n < MAX_TOPICS;) {
			char *comma = strchr(p, ',');

			if (comma)
				*comma++ = '\0';
			topics[n++] = p;
			p = comma;
		}
	}
	if (!(m = kafka_mock_new(ko.mock_brokers, topics)))
		return agent_die(PROG);
	catch_signals();
	/* the bootstrap string is the one line a script reads */
	printf("%s\n", kafka_mock_bootstrap(m));
	fflush(stdout);
	while (!stop)
		pause();
	kafka_mock_free(m);
	return 0;
}

static int run_kafka(struct agent *a, int argc, char **argv)
{
	int rc;

	if (argc != 1 || (strcmp(argv[0], "mock") && strcmp(argv[0], "topics")))
		return agent_usage_error(PROG, "kafka needs mock or topics");
	if (!strcmp(argv[0], "mock"))
		return run_mock();
	if ((rc = kafka_setup(a, 1)))
		return rc;
	if (ko.create)
		return kafka_topic_create(&ko.k, ko.create, ko.partitions, 1) < 0 ? agent_die(PROG) : 0;
	return kafka_topics_list(&ko.k, stdout) < 0 ? agent_die(PROG) : 0;
}

const struct verb agentctl_kafka_verbs[] = {
	{ "publish", "publish [OPTION]... [FILE]...",
	  "send events to Kafka, a topic per type (silent on success)",
	  publish_opts, kafka_option, run_publish },
	{ "consume", "consume [OPTION]...", "write events from Kafka to stdout",
	  consume_opts, kafka_option, run_consume },
	{ "worker", "worker [OPTION]... -G GROUP --in TYPE[,TYPE]... -- PROGRAM [ARG]...",
	  "run a filter program on events from Kafka, in a consumer group",
	  worker_opts, kafka_option, run_worker },
	{ "kafka", "kafka [OPTION]... mock|topics",
	  "start a mock Kafka cluster, or list and create topics",
	  kafka_opts_table, kafka_option, run_kafka },
};

const size_t agentctl_kafka_nverbs = sizeof(agentctl_kafka_verbs) / sizeof(*agentctl_kafka_verbs);
