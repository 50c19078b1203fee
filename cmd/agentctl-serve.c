/*
 * agentctl-serve.c - the verb serve: the requirement intake API.
 *
 *   agentctl serve [--listen ADDR:PORT] [--sink stdout|store|kafka] [OPTION]...
 *
 * Every flag sets the configuration key of the same name (serve.*), so a
 * file, the environment and the command line say the same things; secrets
 * (token secret, webhook secrets, key entries) come only from the
 * configuration and the environment, never from argv where ps shows them.
 * The server is lib/serve/server.c; this file opens the sink and the
 * stores, starts it, and waits for signals: SIGHUP reads the keys again,
 * SIGTERM and SIGINT drain and stop.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agentctl.h"
#include "config.h"
#include "error.h"
#include "kafka.h"
#include "store.h"
#include "serve/jwtauth.h"
#include "serve/server.h"
#include "serve/sink.h"
#include "banned.h"

#define MAX_PROPS 64

static struct {
	struct kafka_opts k;
	const char *props[MAX_PROPS + 1];
	int nprops;
	long drain_s;
	int quiet;
} so = { KAFKA_OPTS_INIT, { NULL }, 0, 30, 0 };

static const struct opt serve_opts[] = {
	{ "listen", OPT_LISTEN, "ADDR:PORT", "the address to listen on (127.0.0.1:8080; port 0: any)" },
	{ "sink", OPT_SINK, "SINK", "where events go: stdout, store or kafka (stdout)" },
	{ "store", OPT_STORE, "STORE", "the store: events (--sink store), keys, feature status" },
	{ "tls-cert", OPT_TLS_CERT, "FILE", "serve HTTPS with this PEM certificate" },
	{ "tls-key", OPT_TLS_KEY, "FILE", "the PEM private key of --tls-cert" },
	{ "max-body", OPT_MAX_BODY, "SIZE", "the largest request body (1M)" },
	{ "rate", OPT_RATE, "N", "requests per second per key or token (50; 0: no limit)" },
	{ "burst", OPT_BURST, "N", "requests a key may make at once (100)" },
	{ "ip-rate", OPT_IP_RATE, "N", "requests per second per client address (20; 0: no limit)" },
	{ "ip-burst", OPT_IP_BURST, "N", "requests an address may make at once (40)" },
	{ "max-connections", OPT_MAX_CONNECTIONS, "N", "connections open at once (256)" },
	{ "timeout", OPT_TIMEOUT, "SECONDS", "idle time and body time allowed a connection (10)" },
	{ "drain-timeout", OPT_DRAIN_TIMEOUT, "SECONDS", "on SIGTERM, wait this long for requests (30)" },
	{ "quiet", OPT_QUIET, NULL, "no start-up line on stderr" },
	{ "brokers", 'b', "BROKERS", "--sink kafka: bootstrap servers (kafka.brokers)" },
	{ "property", 'X', "NAME=VALUE", "--sink kafka: a librdkafka property (repeatable)" },
	{ "kafka-config", 'F', "FILE", "--sink kafka: librdkafka properties, NAME=VALUE a line" },
	{ "topic", 't', "TOPIC", "--sink kafka: this topic instead of one per type" },
	{ "topic-prefix", OPT_TOPIC_PREFIX, "PREFIX", "--sink kafka: prefix of each type's topic" },
	{ "binary", OPT_BINARY, NULL, "--sink kafka: binary mode (ce_ headers)" },
	OPT_END
};

static int set(struct agent *a, const char *key, const char *arg, const char *flag)
{
	return config_set(a->cfg, key, arg, CONFIG_FLAG, flag);
}

static int serve_option(struct agent *a, int key, const char *arg)
{
	char *end;
	long n;

	switch (key) {
	case OPT_LISTEN: return set(a, "serve.listen", arg, "--listen");
	case OPT_SINK: return set(a, "serve.sink", arg, "--sink");
	case OPT_STORE: return set(a, "store", arg, "--store");
	case OPT_TLS_CERT: return set(a, "serve.tls.cert", arg, "--tls-cert");
	case OPT_TLS_KEY: return set(a, "serve.tls.key", arg, "--tls-key");
	case OPT_MAX_BODY: return set(a, "serve.max_body", arg, "--max-body");
	case OPT_RATE: return set(a, "serve.rate", arg, "--rate");
	case OPT_BURST: return set(a, "serve.burst", arg, "--burst");
	case OPT_IP_RATE: return set(a, "serve.ip_rate", arg, "--ip-rate");
	case OPT_IP_BURST: return set(a, "serve.ip_burst", arg, "--ip-burst");
	case OPT_MAX_CONNECTIONS: return set(a, "serve.connections", arg, "--max-connections");
	case OPT_TIMEOUT: return set(a, "serve.timeout", arg, "--timeout");
	case OPT_QUIET: so.quiet = 1; return 0;
	case OPT_DRAIN_TIMEOUT:
		n = strtol(arg, &end, 10);
		if (*end || end == arg || n < 0 || n > 3600)
			return ak_error(AK_EXIT_USAGE, "--drain-timeout: '%s' is not a number of "
					"seconds from 0 to 3600", arg);
		so.drain_s = n;
		return 0;
	case 'b': return set(a, "kafka.brokers", arg, "-b");
	case 'F': so.k.config_file = arg; return 0;
	case 't': so.k.topic = arg; return 0;
	case OPT_TOPIC_PREFIX: return set(a, "kafka.topic_prefix", arg, "--topic-prefix");
	case OPT_BINARY: so.k.binary = 1; return 0;
	case 'X': return kafka_prop_add(so.props, &so.nprops, MAX_PROPS, arg);
	}
	return ak_error(AK_EXIT_USAGE, "unexpected option");
}

/* A number from the configuration key, within [lo, hi]. */
static int number(struct agent *a, const char *key, double lo, double hi, double *out)
{
	const char *v = config_get(a->cfg, key);
	char *end;
	double d;

	if (!v)
		return 0;
	errno = 0;
	d = strtod(v, &end);
	if (end == v || *end || errno || !(d >= lo && d <= hi))
		return ak_error(AK_EXIT_USAGE, "%s: '%s' is not a number from %g to %g", key, v, lo, hi);
	*out = d;
	return 0;
}

/* The server's options from the configuration; 0 or -1 with ak_error. */
static int read_options(struct agent *a, struct server_opts *o, struct jwtauth_opts *jo)
{
	double rate = o->rate, burst = o->burst, ip_rate = o->ip_rate, ip_burst = o->ip_burst;
	double conns = o->max_connections, timeout = o->timeout_s, leeway = (double)jo->leeway_s;

	o->listen = config_get(a->cfg, "serve.listen");
	if (config_get_size(a->cfg, "serve.max_body", &o->max_body) < 0)
		return -1;
	if (o->max_body < 1 || o->max_body > (64u << 20))
		return ak_error(AK_EXIT_USAGE, "serve.max_body: from 1 byte to 64M");
	if (number(a, "serve.rate", 0, 1e9, &rate) < 0 || number(a, "serve.burst", 1, 1e9, &burst) < 0 ||
	    number(a, "serve.ip_rate", 0, 1e9, &ip_rate) < 0 ||
	    number(a, "serve.ip_burst", 1, 1e9, &ip_burst) < 0 ||
	    number(a, "serve.connections", 1, 10000, &conns) < 0 ||
	    number(a, "serve.timeout", 1, 3600, &timeout) < 0 ||
	    number(a, "serve.jwt.leeway", 0, 3600, &leeway) < 0)
		return -1;
	o->rate = rate;
	o->burst = burst;
	o->ip_rate = ip_rate;
	o->ip_burst = ip_burst;
	o->max_connections = (unsigned)conns;
	o->timeout_s = (unsigned)timeout;
	o->tls_cert = config_get(a->cfg, "serve.tls.cert");
	o->tls_key = config_get(a->cfg, "serve.tls.key");
	o->keys = config_get(a->cfg, "serve.keys");
	o->hooks.github_secret = config_get(a->cfg, "serve.hooks.github_secret");
	o->hooks.github_label = config_get(a->cfg, "serve.hooks.github_label");
	o->hooks.gitlab_token = config_get(a->cfg, "serve.hooks.gitlab_token");
	o->hooks.jira_secret = config_get(a->cfg, "serve.hooks.jira_secret");
	o->sde = getenv("SOURCE_DATE_EPOCH");
	jo->secret = config_get(a->cfg, "serve.jwt.secret");
	jo->public_key_file = config_get(a->cfg, "serve.jwt.public_key");
	jo->issuer = config_get(a->cfg, "serve.jwt.issuer");
	jo->audience = config_get(a->cfg, "serve.jwt.audience");
	jo->leeway_s = (long)leeway;
	return 0;
}

static int write_port_file(unsigned port)
{
	const char *path = getenv("AGENTKIT_SERVE_PORT_FILE");
	char tmp[4096];
	FILE *fp;

	if (!path || !*path)
		return 0;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (!(fp = fopen(tmp, "w")))
		return ak_error(AK_EXIT_IOERR, "cannot write '%s': %s", tmp, strerror(errno));
	fprintf(fp, "%u\n", port);
	if (fclose(fp) != 0 || rename(tmp, path) < 0)
		return ak_error(AK_EXIT_IOERR, "cannot write '%s': %s", path, strerror(errno));
	return 0;
}

static int run_serve(struct agent *a, int argc, char **argv)
{
	struct server_opts o = SERVER_OPTS_INIT;
	struct jwtauth_opts jo = JWTAUTH_OPTS_INIT;
	struct store *sink_store = NULL, *read_store = NULL, *cp_store = NULL;
	struct store_opts manual = STORE_OPTS_INIT;
	struct kafka_producer *kp = NULL;
	struct jwtauth *jwt = NULL;
	struct sink *sink = NULL;
	struct server *srv = NULL;
	const char *sink_kind, *store_spec;
	sigset_t sigs;
	int sig = 0, status = AK_EXIT_OK;
	long cut;

	if (argc > 0)
		return agent_usage_error(PROG, "serve takes no operands");
	if (read_options(a, &o, &jo) < 0)
		return agent_usage_error(PROG, ak_errmsg());
	sink_kind = config_get(a->cfg, "serve.sink");
	if (strcmp(sink_kind, "stdout") && strcmp(sink_kind, "store") && strcmp(sink_kind, "kafka"))
		return agent_usage_error(PROG, "--sink takes stdout, store or kafka");
	if ((jo.secret && *jo.secret) || (jo.public_key_file && *jo.public_key_file)) {
		if (!(jwt = jwtauth_new(&jo)))
			return agent_die(PROG);
	}

	/* keys and feature status come from the store when there is one: the
	 * sink's, the one configured, or ./agentkit.db when it exists */
	store_spec = config_get(a->cfg, "store");
	if (!strcmp(sink_kind, "store") || (store_spec && *store_spec) || access(DEFAULT_STORE, F_OK) == 0) {
		/* the sink's handle never checkpoints in a commit: a handle of
		 * its own does, beside it (agentctl_open_store says why it failed) */
		manual.manual_checkpoint = 1;
		if (!(read_store = agentctl_open_store(a, NULL)) ||
		    (!strcmp(sink_kind, "store") && (!(sink_store = agentctl_open_store(a, &manual)) ||
						     !(cp_store = agentctl_open_store(a, NULL))))) {
			status = ak_errcode();
			goto out;
		}
	}
	if (!strcmp(sink_kind, "kafka")) {
		so.k.props = so.props;
		so.k.brokers = config_get(a->cfg, "kafka.brokers");
		so.k.topic_prefix = config_get(a->cfg, "kafka.topic_prefix");
		if (!so.k.brokers) {
			status = agent_usage_error(PROG, "--sink kafka needs brokers (-b or kafka.brokers)");
			goto out;
		}
		if (!(kp = kafka_producer_new(&so.k)) || !(sink = sink_new_kafka(kp, so.k.timeout_ms)))
			goto fail;
	} else if (sink_store) {
		if (!(sink = sink_new_store(sink_store, cp_store)))
			goto fail;
	} else if (!(sink = sink_new_fd(STDOUT_FILENO))) {
		goto fail;
	}
	o.sink = sink;
	o.keys_store = read_store;
	o.read_store = read_store;
	o.jwt = jwt;

	/* the server's threads inherit this mask; signals are taken below */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (!(srv = server_start(&o)))
		goto fail;
	if (write_port_file(server_port(srv)) < 0)
		goto fail;
	if (!so.quiet) {
		fprintf(stderr, "%s: serving on http%s://%s:%u (sink %s)\n", PROG,
			o.tls_cert ? "s" : "", o.listen[0] == '[' ? "[::1]" : "127.0.0.1",
			server_port(srv), sink_name(sink));
		if (!jwt && !(o.keys && *o.keys) && !read_store)
			fprintf(stderr, "%s: no API keys and no token secret: requests to "
				"/requirements will be refused (see agentctl keys)\n", PROG);
	}

	while (sigwait(&sigs, &sig) == 0 && sig == SIGHUP)
		if (server_reload_keys(srv) < 0)
			fprintf(stderr, "%s: keys not reloaded: %s\n", PROG, ak_errmsg());
	cut = server_stop(srv, so.drain_s * 1000);
	srv = NULL;
	if (cut > 0) {
		fprintf(stderr, "%s: %ld request(s) still running after --drain-timeout were cut\n",
			PROG, cut);
		status = AK_EXIT_TEMPFAIL;
	}
	goto out;
fail:
	status = agent_die(PROG);
out:
	if (srv)
		server_stop(srv, 0);
	sink_free(sink);
	if (kp) {
		if (kafka_producer_flush(kp, so.k.timeout_ms) < 0 && status == AK_EXIT_OK)
			status = agent_die(PROG);
		kafka_producer_free(kp);
	}
	store_close(sink_store);
	store_close(cp_store);
	store_close(read_store);
	jwtauth_free(jwt);
	return status;
}

const struct verb agentctl_serve_verbs[] = {
	{ "serve", "[--listen ADDR:PORT] [--sink stdout|store|kafka] [OPTION]...",
	  "serve the requirement intake API (POST /requirements, webhooks)",
	  serve_opts, serve_option, run_serve },
};

const size_t agentctl_serve_nverbs = sizeof(agentctl_serve_verbs) / sizeof(*agentctl_serve_verbs);
