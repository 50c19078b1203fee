/*
 * agentctl-rollout.c - the verbs rollout and approve.
 *
 *   agentctl rollout start [NAME] --canary FILE [--pause-timeout D] [--quiet]
 *   agentctl rollout status [NAME] [--json] [--watch]
 *   agentctl rollout promote NAME [--full]
 *   agentctl rollout abort|retry|resume NAME
 *   agentctl approve FEATURE --by NAME [--note TEXT]
 *
 * The engine is lib/rollout/rollout.c; its state lives in the store, so
 * every verb works from any shell, and after a crash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "agentctl.h"
#include "clock.h"
#include "error.h"
#include "event.h"
#include "rollout/canary.h"
#include "rollout/rollout.h"
#include "store.h"
#include "yamljson.h"
#include "banned.h"

static struct {
	const char *canary, *by, *note;
	const char *router_cmd, *health, *steps, *window, *interval;
	int64_t pause_timeout_ms;
	int json, full, watch, quiet;
} ro;

static const struct opt rollout_opts[] = {
	{ "store", OPT_STORE, "STORE", "the store that keeps the rollout's state" },
	{ "canary", OPT_CONFIG_FILE, "FILE", "start: the rollout's configuration (YAML)" },
	{ "router-cmd", OPT_ROUTER_CMD, "COMMAND",
	  "start: move traffic by running COMMAND with {weight} (instead of the file's router)" },
	{ "health", OPT_HEALTH, "URL", "start: the canary's health check (metrics.health)" },
	{ "steps", OPT_STEPS, "W,W,...", "start: the canary's weights (default 10,50,100)" },
	{ "window", OPT_WINDOW, "DURATION", "start: how long each step is measured (default 10m)" },
	{ "interval", OPT_INTERVAL, "DURATION", "start: between measurements (default window/10)" },
	{ "pause-timeout", OPT_PAUSE_TIMEOUT, "DURATION",
	  "at a pause, wait this long for promote or abort (default: return at once)" },
	{ "full", OPT_FULL, NULL, "promote: skip every remaining step" },
	{ "json", OPT_JSON, NULL, "status: one JSON object per rollout" },
	{ "watch", OPT_WATCH, NULL, "status: show the state again until the rollout ends" },
	{ "quiet", OPT_QUIET, NULL, "no line per measurement on stderr" },
	OPT_END
};

static const struct opt approve_opts[] = {
	{ "store", OPT_STORE, "STORE", "the store the approval is recorded in" },
	{ "by", OPT_BY, "NAME", "who approves (required)" },
	{ "note", OPT_NOTE, "TEXT", "why, or under which conditions" },
	OPT_END
};

static int rollout_option(struct agent *a, int key, const char *arg)
{
	switch (key) {
	case OPT_STORE: return config_set(a->cfg, "store", arg, CONFIG_FLAG, "--store");
	case OPT_CONFIG_FILE: ro.canary = arg; return 0;
	case OPT_ROUTER_CMD: ro.router_cmd = arg; return 0;
	case OPT_HEALTH: ro.health = arg; return 0;
	case OPT_STEPS: ro.steps = arg; return 0;
	case OPT_WINDOW: ro.window = arg; return 0;
	case OPT_INTERVAL: ro.interval = arg; return 0;
	case OPT_PAUSE_TIMEOUT: return duration_parse(arg, &ro.pause_timeout_ms);
	case OPT_FULL: ro.full = 1; return 0;
	case OPT_JSON: ro.json = 1; return 0;
	case OPT_WATCH: ro.watch = 1; return 0;
	case OPT_QUIET: ro.quiet = 1; return 0;
	case OPT_BY: ro.by = arg; return 0;
	case OPT_NOTE: ro.note = arg; return 0;
	}
	return ak_error(AK_EXIT_USAGE, "unexpected option");
}

/* The exit status of an engine result: 0 promoted or handed on, 1 rolled
 * back or aborted, 75 paused (try again later). */
static int result_status(int rc)
{
	if (rc < 0)
		return agent_die(PROG);
	switch (rc) {
	case ROLLOUT_PROMOTED:
	case ROLLOUT_PROGRESSING:
		return 0;
	case ROLLOUT_PAUSED:
		return AK_EXIT_TEMPFAIL;
	default:
		return AK_EXIT_GATE;
	}
}

/* --steps 10,50,100 as a JSON array (new), or NULL with ak_error. */
static json_t *steps_arg(const char *arg)
{
	json_t *a = json_array();
	const char *p = arg;

	while (a && *p) {
		char *end;
		long w = strtol(p, &end, 10);

		if (end == p || (*end && *end != ',') || w < 0 || w > 100 ||
		    json_array_append_new(a, json_integer(w)) < 0)
			break;
		if (!*end)
			return a;
		p = end + 1;
	}
	json_decref(a);
	ak_error(AK_EXIT_USAGE, "--steps wants weights such as 10,50,100, not '%s'", arg);
	return NULL;
}

/* The configuration: the --canary file, then what the options say. */
static json_t *start_config(void)
{
	json_t *doc = ro.canary ? canary_read(ro.canary) : json_object();
	json_t *metrics, *steps;

	if (!doc)
		return NULL;
	if (ro.router_cmd &&
	    json_object_set_new(doc, "router", json_pack("{s:s,s:s}", "type", "cmd",
							 "command", ro.router_cmd)) < 0)
		goto oom;
	if (ro.health) {
		metrics = json_object_get(doc, "metrics");
		if (!json_is_object(metrics)) {
			metrics = json_object();
			if (json_object_set_new(doc, "metrics", metrics) < 0)
				goto oom;
		}
		if (json_object_set_new(metrics, "health", json_string(ro.health)) < 0)
			goto oom;
	}
	if (ro.steps) {
		if (!(steps = steps_arg(ro.steps)))
			goto fail;
		if (json_object_set_new(doc, "steps", steps) < 0)
			goto oom;
	}
	if ((ro.window && json_object_set_new(doc, "window", json_string(ro.window)) < 0) ||
	    (ro.interval && json_object_set_new(doc, "interval", json_string(ro.interval)) < 0))
		goto oom;
	return doc;
oom:
	ak_error(AK_EXIT_SOFTWARE, "out of memory");
fail:
	json_decref(doc);
	return NULL;
}

static int start(const struct rollout_opts *o, const char *name)
{
	struct canary c;
	json_t *doc;
	int rc;

	if (!ro.canary && !ro.router_cmd)
		return agent_usage_error(PROG, "rollout start needs --canary FILE or --router-cmd");
	if (!(doc = start_config()))
		return ak_errcode() == AK_EXIT_USAGE ? agent_usage_error(PROG, ak_errmsg()) :
		       agent_die(PROG);
	if (!name)
		name = json_string_value(json_object_get(doc, "name"));
	if (!name) {
		json_decref(doc);
		return agent_usage_error(PROG, "rollout start needs a NAME (or name: in the file)");
	}
	/* checked here first, so that a message names the file */
	if (canary_from_json(doc, ro.canary ? ro.canary : "the options", &c) < 0) {
		json_decref(doc);
		return agent_die(PROG);
	}
	canary_release(&c);
	rc = rollout_start(o, name, doc);
	json_decref(doc);
	return result_status(rc);
}

static int still_active(const struct store_rollout *r, void *ctx)
{
	*(int *)ctx = !strcmp(r->state, "progressing") || !strcmp(r->state, "paused");
	return 0;
}

static int status(struct store *s, const char *name)
{
	for (;;) {
		int rc = rollout_status(s, name, ro.json, clock_wall_ms(), stdout), active = 0;

		if (rc != 0)
			return agent_die(PROG);
		if (fflush(stdout) == EOF)
			return ak_error(AK_EXIT_IOERR, "cannot write: %s", "standard output"),
			       agent_die(PROG);
		if (!ro.watch || !name)
			return 0;
		/* --watch: again every two seconds, until the rollout ends */
		if (store_rollout_get(s, name, still_active, &active) < 0)
			return agent_die(PROG);
		if (!active)
			return 0;
		sleep(2);
		printf("\n");
	}
}

static int run_rollout(struct agent *a, int argc, char **argv)
{
	struct rollout_opts o = ROLLOUT_OPTS_INIT;
	const char *verb = argc > 0 ? argv[0] : NULL;
	const char *name = argc > 1 ? argv[1] : NULL;
	struct store *s;
	int rc;

	static const char *const verbs[] = {
		"start", "status", "promote", "abort", "retry", "resume", NULL
	};
	size_t i;

	if (!verb)
		return agent_usage_error(PROG, "rollout needs start, status, promote, abort, retry "
					 "or resume");
	for (i = 0; verbs[i] && strcmp(verbs[i], verb); i++)
		;
	if (!verbs[i]) {
		char msg[160];

		snprintf(msg, sizeof(msg), "unknown rollout command '%s'", verb);
		return agent_usage_error(PROG, msg);
	}
	if (argc > 2)
		return agent_usage_error(PROG, "rollout takes one NAME");
	if (!name && strcmp(verb, "start") && strcmp(verb, "status")) {
		char msg[160];

		snprintf(msg, sizeof(msg), "rollout %s needs the rollout's NAME", verb);
		return agent_usage_error(PROG, msg);
	}
	if (!(s = agentctl_open_store(a, NULL)))
		return ak_errcode();
	o.store = s;
	o.ec = &a->ec;
	o.out = &a->out;
	o.pause_timeout_ms = ro.pause_timeout_ms;
	o.progress = !ro.quiet;
	if (!strcmp(verb, "start"))
		rc = start(&o, name);
	else if (!strcmp(verb, "status"))
		rc = status(s, name);
	else if (!strcmp(verb, "promote"))
		rc = result_status(rollout_promote(&o, name, ro.full));
	else if (!strcmp(verb, "abort"))
		/* an abort that happened is what was asked for */
		rc = (rc = rollout_abort(&o, name)) == ROLLOUT_ABORTED ? 0 : result_status(rc);
	else if (!strcmp(verb, "retry"))
		rc = result_status(rollout_retry(&o, name));
	else
		rc = result_status(rollout_resume(&o, name));
	store_close(s);
	return rc;
}

/* An approval is an event in the store: who, when, why; agent-deploy
 * looks for it before production. */
static int run_approve(struct agent *a, int argc, char **argv)
{
	struct store *s;
	json_t *ev;
	char *line;
	size_t len;
	uint64_t inserted;
	int rc = 0;

	if (argc != 1)
		return agent_usage_error(PROG, "approve needs one FEATURE");
	if (!event_feature_id_ok(argv[0]))
		return agent_usage_error(PROG, "FEATURE must be a feature id such as "
					 "password-reset-3f2a");
	if (!ro.by || !*ro.by)
		return agent_usage_error(PROG, "approve needs --by NAME: who approves");
	if (!(s = agentctl_open_store(a, NULL)))
		return ak_errcode();
	ev = event_new(&a->ec, "feature.approved", argv[0],
		       json_pack("{s:s,s:s?}", "by", ro.by, "note", ro.note), NULL);
	line = ev ? event_dump(ev, &len) : NULL;
	json_decref(ev);
	if (!line) {
		store_close(s);
		return agent_die(PROG);
	}
	line[len] = '\n';
	if (store_append_lines(s, line, len + 1, &inserted) < 0)
		rc = agent_die(PROG);
	else if (out_line(&a->out, line, len) < 0)
		rc = a->out.code;
	free(line);
	store_close(s);
	return rc;
}

const struct verb agentctl_rollout_verbs[] = {
	{ "rollout", "rollout [OPTION]... start|status|promote|abort|retry|resume [NAME]",
	  "move production traffic to a new version step by step, and roll back by itself",
	  rollout_opts, rollout_option, run_rollout },
	{ "approve", "approve FEATURE --by NAME [--note TEXT]",
	  "record a person's approval of a feature for production",
	  approve_opts, rollout_option, run_approve },
};

const size_t agentctl_rollout_nverbs =
	sizeof(agentctl_rollout_verbs) / sizeof(*agentctl_rollout_verbs);
