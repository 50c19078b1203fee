/*
 * agentctl-llm.c - the verb llm: what the LLM engine logged and cached.
 *
 *   agentctl llm log [--model M] [--since T] [--limit N] [--reverse] [--json]
 *   agentctl llm stats [--since T] [--json]
 *   agentctl llm cache clear [--model M]
 *
 * The store is the one the agents' engine uses: the configured store, else
 * the cache file under $XDG_CACHE_HOME/agentkit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "agentctl.h"
#include "error.h"
#include "event.h"
#include "history.h"
#include "llm.h"
#include "log.h"
#include "store.h"
#include "banned.h"

extern char **environ;

static struct {
	struct store_llm_query q;
	const char *since;
	int json;
} lo = { STORE_LLM_QUERY_INIT, NULL, 0 };

static const struct opt llm_opts[] = {
	{ "store", OPT_STORE, "STORE", "the store the engine uses (default: its cache file)" },
	{ "model", OPT_LLM_MODEL, "NAME", "only this model" },
	{ "since", OPT_SINCE, "TIME", "from this time (RFC 3339, or an age: 2h, 7d)" },
	{ "limit", OPT_LIMIT, "N", "at most N exchanges" },
	{ "reverse", OPT_REVERSE, NULL, "newest first" },
	{ "json", OPT_JSON, NULL, "one JSON object per line" },
	OPT_END
};

static int llm_option(struct agent *a, int key, const char *arg)
{
	char *end;
	long long n;

	switch (key) {
	case OPT_STORE: return config_set(a->cfg, "store", arg, CONFIG_FLAG, "--store");
	case OPT_LLM_MODEL: lo.q.model = arg; return 0;
	case OPT_SINCE: lo.since = arg; return 0;
	case OPT_REVERSE: lo.q.newest_first = 1; return 0;
	case OPT_JSON: lo.json = 1; return 0;
	case OPT_LIMIT:
		n = strtoll(arg, &end, 10);
		if (*end || end == arg || n < 1 || n > 1000000000)
			return ak_error(AK_EXIT_USAGE, "'%s' is not a positive number", arg);
		lo.q.limit = n;
		return 0;
	}
	return ak_error(AK_EXIT_USAGE, "unexpected option");
}

static struct store *open_llm_store(struct agent *a)
{
	char *spec = llm_store_spec(a->cfg, environ);
	struct store *s = spec ? store_open(spec, NULL) : NULL;

	free(spec);
	if (!s)
		agent_die(PROG);
	return s;
}

static void iso_time(int64_t ms, char out[32])
{
	event_format_time(ms, out);
}

static int print_json(struct agent *a, json_t *o)
{
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	int rc = s ? out_line(&a->out, s, strlen(s)) : ak_error(AK_EXIT_SOFTWARE, "out of memory");

	free(s);
	json_decref(o);
	return rc < 0 ? -1 : 0;
}

static json_t *parsed(const char *text)
{
	json_t *j = text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;

	return j ? j : json_null();
}

static int show_exchange(const struct store_llm_exchange *x, void *ctx)
{
	struct agent *a = ctx;
	char when[32], line[512];
	int n;

	iso_time(x->at_ms, when);
	if (lo.json)
		return print_json(a, json_pack("{s:I,s:s,s:s,s:s?,s:i,s:I,s:I,s:f,s:I,s:o,s:o}",
					       "seq", (json_int_t)x->seq, "time", when,
					       "key", x->key, "model", x->model,
					       "status", x->status,
					       "tokens_in", (json_int_t)x->tokens_in,
					       "tokens_out", (json_int_t)x->tokens_out,
					       "cost", x->cost, "duration_ms",
					       (json_int_t)x->duration_ms,
					       "request", parsed(x->request),
					       "response", parsed(x->response)));
	n = snprintf(line, sizeof(line), "%s  %-24s %3d  %7lld in %7lld out  %9.4f  %6lld ms  %.12s",
		     when, x->model ? x->model : "-", x->status, (long long)x->tokens_in,
		     (long long)x->tokens_out, x->cost, (long long)x->duration_ms, x->key);
	return out_line(&a->out, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1) < 0 ?
	       -1 : 0;
}

static int show_stat(const struct store_llm_stat *st, void *ctx)
{
	struct agent *a = ctx;
	double avg = st->requests ? (double)st->duration_ms / (double)st->requests : 0;
	char line[512];
	int n;

	if (lo.json)
		return print_json(a, json_pack("{s:s?,s:I,s:I,s:I,s:I,s:f,s:f,s:I}",
					       "model", st->model, "requests",
					       (json_int_t)st->requests, "errors",
					       (json_int_t)st->errors, "tokens_in",
					       (json_int_t)st->tokens_in, "tokens_out",
					       (json_int_t)st->tokens_out, "cost", st->cost,
					       "avg_ms", avg, "max_ms", (json_int_t)st->max_ms));
	n = snprintf(line, sizeof(line), "%-24s %8lld %6lld %10lld %10lld %10.4f %8.0f %8lld",
		     st->model ? st->model : "-", (long long)st->requests, (long long)st->errors,
		     (long long)st->tokens_in, (long long)st->tokens_out, st->cost, avg,
		     (long long)st->max_ms);
	return out_line(&a->out, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1) < 0 ?
	       -1 : 0;
}

static int since_bound(void)
{
	struct timespec ts;
	int64_t now;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	if (lo.since && history_parse_time(lo.since, now, &lo.q.since_ms) < 0)
		return agent_usage_error(PROG, ak_errmsg());
	return 0;
}

static int llm_stats(struct agent *a, struct store *s)
{
	int64_t entries = 0, bytes = 0;
	char line[256];
	int n;

	if (!lo.json) {
		n = snprintf(line, sizeof(line), "%-24s %8s %6s %10s %10s %10s %8s %8s", "MODEL",
			     "REQUESTS", "ERRORS", "TOKENS_IN", "TOKENS_OUT", "COST", "AVG_MS",
			     "MAX_MS");
		if (out_line(&a->out, line, (size_t)n) < 0)
			return a->out.code;
	}
	if (store_llm_stats(s, lo.q.since_ms, show_stat, a) != 0 ||
	    store_llm_cache_count(s, &entries, &bytes) < 0)
		return a->out.code ? a->out.code : agent_die(PROG);
	if (lo.json)
		return print_json(a, json_pack("{s:{s:I,s:I}}", "cache", "entries",
					       (json_int_t)entries, "bytes", (json_int_t)bytes)) < 0 ?
		       agent_die(PROG) : 0;
	n = snprintf(line, sizeof(line), "cache: %lld answers, %lld bytes", (long long)entries,
		     (long long)bytes);
	return out_line(&a->out, line, (size_t)n) < 0 ? a->out.code : 0;
}

static int run_llm(struct agent *a, int argc, char **argv)
{
	struct store *s;
	int rc = 0;

	if (argc < 1)
		return agent_usage_error(PROG, "llm needs log, stats or cache clear");
	if (strcmp(argv[0], "log") && strcmp(argv[0], "stats") && strcmp(argv[0], "cache")) {
		char msg[160];

		snprintf(msg, sizeof(msg), "unknown llm command '%s'", argv[0]);
		return agent_usage_error(PROG, msg);
	}
	if (!strcmp(argv[0], "cache") ? argc != 2 || strcmp(argv[1], "clear") : argc != 1)
		return agent_usage_error(PROG, !strcmp(argv[0], "cache") ?
					 "the cache command is: llm cache clear" :
					 "llm log and llm stats take no operands");
	if ((rc = since_bound()))
		return rc;
	if (!(s = open_llm_store(a)))
		return ak_errcode();
	if (!strcmp(argv[0], "log")) {
		if (store_llm_exchanges(s, &lo.q, show_exchange, a) != 0)
			rc = a->out.code ? a->out.code : agent_die(PROG);
	} else if (!strcmp(argv[0], "stats")) {
		rc = llm_stats(a, s);
	} else {
		int64_t removed = 0;

		if (store_llm_cache_clear(s, lo.q.model, &removed) < 0)
			rc = agent_die(PROG);
		else
			log_info("removed %lld cached answer%s", (long long)removed,
				 removed == 1 ? "" : "s");
	}
	store_close(s);
	return rc;
}

const struct verb agentctl_llm_verbs[] = {
	{ "llm", "llm [OPTION]... log|stats|cache clear",
	  "the LLM engine's exchange log, its costs, and its cache",
	  llm_opts, llm_option, run_llm },
};

const size_t agentctl_llm_nverbs = sizeof(agentctl_llm_verbs) / sizeof(*agentctl_llm_verbs);
