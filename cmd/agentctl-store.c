/*
 * agentctl-store.c - the verbs of the event store: record, log, status,
 * show, replay, dlq and store (migrate, vacuum, export, import).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "agentctl.h"
#include "error.h"
#include "filter.h"
#include "history.h"
#include "log.h"
#include "record.h"
#include "store.h"
#include "banned.h"

#define RECORD_BATCH (8u << 20)

static struct {
	struct store_query q;
	int json, quiet, reemit, to;
	const char *since, *until;
} so = { STORE_QUERY_INIT, 0, 0, 0, 0, NULL, NULL };

#define STORE_OPT { "store", OPT_STORE, "STORE", \
	"a SQLite file, or a PostgreSQL URL or connection string" }

static const struct opt record_opts[] = {
	STORE_OPT,
	{ "quiet", OPT_QUIET, NULL, "store the events without writing them out" },
	OPT_END
};

#define QUERY_OPTS \
	STORE_OPT, \
	{ "subject", OPT_SUBJECT, "FEATURE", "only events of this feature" }, \
	{ "type", OPT_TYPE, "TYPE", "only this type (\"feature.*\" for a prefix)" }, \
	{ "since", OPT_SINCE, "TIME", "from this time (RFC 3339, or an age: 2h, 7d)" }, \
	{ "until", OPT_UNTIL, "TIME", "before this time" }, \
	{ "limit", OPT_LIMIT, "N", "at most N events" }

static const struct opt log_opts[] = {
	QUERY_OPTS,
	{ "reverse", OPT_REVERSE, NULL, "newest first" },
	{ "json", OPT_JSON, NULL, "one JSON object per line" },
	OPT_END
};

static const struct opt replay_opts[] = { QUERY_OPTS, OPT_END };

static const struct opt dlq_opts[] = {
	QUERY_OPTS,
	{ "reemit", OPT_REEMIT, NULL, "write the inputs out again for reprocessing" },
	{ "json", OPT_JSON, NULL, "one JSON object per line" },
	OPT_END
};

static const struct opt status_opts[] = {
	STORE_OPT,
	{ "json", OPT_JSON, NULL, "one JSON object per line" },
	OPT_END
};

static const struct opt store_opts[] = {
	STORE_OPT,
	{ "to", OPT_TO, "VERSION", "migrate to this schema version (default: latest)" },
	OPT_END
};

static int store_option(struct agent *a, int key, const char *arg)
{
	char *end;
	long long n;

	switch (key) {
	case OPT_STORE: return config_set(a->cfg, "store", arg, CONFIG_FLAG, "--store");
	case OPT_QUIET: so.quiet = 1; return 0;
	case OPT_JSON: so.json = 1; return 0;
	case OPT_REEMIT: so.reemit = 1; return 0;
	case OPT_REVERSE: so.q.newest_first = 1; return 0;
	case OPT_SUBJECT: so.q.subject = arg; return 0;
	case OPT_TYPE: so.q.type = arg; return 0;
	case OPT_SINCE: so.since = arg; return 0;
	case OPT_UNTIL: so.until = arg; return 0;
	case OPT_LIMIT:
	case OPT_TO:
		n = strtoll(arg, &end, 10);
		if (*end || end == arg || n < 1 || n > 1000000000)
			return ak_error(AK_EXIT_USAGE, "'%s' is not a positive number", arg);
		if (key == OPT_LIMIT)
			so.q.limit = n;
		else
			so.to = (int)n;
		return 0;
	}
	return ak_error(AK_EXIT_USAGE, "unexpected option");
}

struct store *agentctl_open_store(struct agent *a, const struct store_opts *opts)
{
	const char *spec = config_get(a->cfg, "store");
	struct store *s = store_open(spec && *spec ? spec : DEFAULT_STORE, opts);

	if (!s)
		agent_die(PROG);
	return s;
}

/* Turn --since and --until into the query's bounds. */
static int time_bounds(void)
{
	int64_t now = clock_wall_ms();

	if (so.since && history_parse_time(so.since, now, &so.q.since_ms) < 0)
		return agent_usage_error(PROG, ak_errmsg());
	if (so.until && history_parse_time(so.until, now, &so.q.until_ms) < 0)
		return agent_usage_error(PROG, ak_errmsg());
	return 0;
}

static int run_record(struct agent *a, int argc, char **argv)
{
	struct filter_def def = { 0 };
	struct recorder rec;
	struct store *s;
	struct filter *f;
	int status;

	if (!(s = agentctl_open_store(a, NULL)))
		return ak_errcode();
	/* bigger batches make fewer transactions */
	out_close(&a->out);
	if (out_init(&a->out, 1, RECORD_BATCH) < 0 ||
	    !(f = filter_new(&def, &a->fopts, &a->ec, &a->out))) {
		store_close(s);
		return agent_die(PROG);
	}
	if (so.quiet)
		a->out.fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	record_attach(&rec, s, &a->out);
	status = agent_filter_inputs(a, f, argc, argv);
	/* the last batch is stored before the store closes */
	out_flush(&a->out);
	if (a->out.code)
		status = a->out.code;
	a->out.commit = NULL;
	log_debug("recorded %llu events, %llu new",
		  (unsigned long long)rec.seen, (unsigned long long)rec.stored);
	if (so.quiet)
		close(a->out.fd);
	filter_free(f);
	store_close(s);
	return status;
}

static int run_log(struct agent *a, int argc, char **argv)
{
	struct store *s;
	int rc;

	if (argc)
		return agent_usage_error(PROG, "log takes no operands (use --subject)");
	if ((rc = time_bounds()))
		return rc;
	if (!(s = agentctl_open_store(a, NULL)))
		return ak_errcode();
	rc = history_log(s, &so.q, so.json, stdout) < 0 ? agent_die(PROG) : 0;
	store_close(s);
	return rc;
}

static int run_replay(struct agent *a, int argc, char **argv)
{
	struct store *s;
	int rc;

	if (argc)
		return agent_usage_error(PROG, "replay takes no operands (use --subject)");
	if ((rc = time_bounds()))
		return rc;
	if (!(s = agentctl_open_store(a, NULL)))
		return ak_errcode();
	rc = history_replay(s, &so.q, &a->out);
	/* a failing output is reported by agent_finish */
	rc = rc < 0 ? (a->out.code ? a->out.code : agent_die(PROG)) : 0;
	store_close(s);
	return rc;
}

static int run_status(struct agent *a, int argc, char **argv)
{
	struct store *s;
	int rc;

	if (argc > 1)
		return agent_usage_error(PROG, "status takes at most one feature");
	if (!(s = agentctl_open_store(a, NULL)))
		return ak_errcode();
	rc = history_status(s, argc ? argv[0] : NULL, so.json, clock_wall_ms(), stdout) < 0 ?
	     agent_die(PROG) : 0;
	store_close(s);
	return rc;
}

static int run_show(struct agent *a, int argc, char **argv)
{
	struct store *s;
	int rc;

	if (argc != 1)
		return agent_usage_error(PROG, "show takes one feature");
	if (!(s = agentctl_open_store(a, NULL)))
		return ak_errcode();
	rc = history_show(s, argv[0], so.json, stdout) < 0 ? agent_die(PROG) : 0;
	store_close(s);
	return rc;
}

static int run_dlq(struct agent *a, int argc, char **argv)
{
	uint64_t skipped = 0;
	struct store *s;
	int rc;

	if (argc)
		return agent_usage_error(PROG, "dlq takes no operands");
	if ((rc = time_bounds()))
		return rc;
	if (!(s = agentctl_open_store(a, NULL)))
		return ak_errcode();
	rc = history_dlq(s, &so.q, so.reemit ? &a->out : NULL, so.json, stdout, &skipped);
	rc = rc < 0 ? (a->out.code ? a->out.code : agent_die(PROG)) : 0;
	if (so.reemit && skipped)
		log_warn("%llu dead letters cannot be re-emitted (input incomplete or not stored)",
			 (unsigned long long)skipped);
	store_close(s);
	return rc;
}

static int store_migrate_verb(struct agent *a)
{
	struct store_opts opts = STORE_OPTS_INIT;
	struct store *s;
	int from, to, rc = 0;

	opts.no_migrate = 1;
	if (!(s = agentctl_open_store(a, &opts)))
		return ak_errcode();
	if (store_version(s, &from) < 0 || store_migrate(s, so.to) < 0 ||
	    store_version(s, &to) < 0)
		rc = agent_die(PROG);
	else if (from == to)
		fprintf(stderr, "%s: store is at schema version %d\n", PROG, to);
	else
		fprintf(stderr, "%s: store migrated from schema version %d to %d\n", PROG, from, to);
	store_close(s);
	return rc;
}

static int run_store(struct agent *a, int argc, char **argv)
{
	struct store *s;
	int rc = 0;

	if (argc < 1)
		return agent_usage_error(PROG, "store needs migrate, vacuum, export or import");
	if (!strcmp(argv[0], "migrate") && argc == 1)
		return store_migrate_verb(a);
	if (!strcmp(argv[0], "import")) {
		so.quiet = 1;
		return run_record(a, argc - 1, argv + 1);
	}
	if ((strcmp(argv[0], "vacuum") && strcmp(argv[0], "export") && strcmp(argv[0], "migrate"))) {
		char msg[160];

		snprintf(msg, sizeof(msg), "unknown store command '%s'", argv[0]);
		return agent_usage_error(PROG, msg);
	}
	if (argc != 1) {
		char msg[160];

		snprintf(msg, sizeof(msg), "store %s takes no operands", argv[0]);
		return agent_usage_error(PROG, msg);
	}
	if (!(s = agentctl_open_store(a, NULL)))
		return ak_errcode();
	if (!strcmp(argv[0], "vacuum")) {
		if (store_vacuum(s) < 0)
			rc = agent_die(PROG);
	} else {
		struct store_query all = STORE_QUERY_INIT;

		if (history_replay(s, &all, &a->out) < 0)
			rc = a->out.code ? a->out.code : agent_die(PROG);
	}
	store_close(s);
	return rc;
}

const struct verb agentctl_store_verbs[] = {
	{ "record", "record [OPTION]... [FILE]...",
	  "store events as they pass: events in, the same events out",
	  record_opts, store_option, run_record },
	{ "log", "log [OPTION]...", "list stored events", log_opts, store_option, run_log },
	{ "status", "status [OPTION]... [FEATURE]", "stage and status of each feature",
	  status_opts, store_option, run_status },
	{ "show", "show [OPTION]... FEATURE", "the timeline of one feature",
	  status_opts, store_option, run_show },
	{ "replay", "replay [OPTION]...", "write stored events out again, in order",
	  replay_opts, store_option, run_replay },
	{ "dlq", "dlq [OPTION]...", "list rejected and failed inputs, or re-emit them",
	  dlq_opts, store_option, run_dlq },
	{ "store", "store [OPTION]... migrate|vacuum|export|import [FILE]...",
	  "maintain the store: migrate its schema, vacuum, export or import JSON Lines",
	  store_opts, store_option, run_store },
};

const size_t agentctl_store_nverbs = sizeof(agentctl_store_verbs) / sizeof(*agentctl_store_verbs);
