/*
 * agentctl-stream.c - the verbs that make and check event streams:
 * submit, validate, config and version.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agentctl.h"
#include "buf.h"
#include "error.h"
#include "filter.h"
#include "log.h"
#include "submit.h"
#include "banned.h"

static struct submit_opts submit_o = SUBMIT_OPTS_INIT;
static int config_json;

static const struct opt submit_opts[] = {
	{ "split", OPT_SPLIT, NULL, "one event per top-level section" },
	{ "format", OPT_FORMAT, "FORMAT", "markdown or text (default: guessed)" },
	{ "title", OPT_TITLE, "TEXT", "title of the requirement (one document)" },
	OPT_END
};

static const struct opt validate_opts[] = {
	{ "strict", OPT_STRICT, NULL, "also check data fields; refuse work items" },
	OPT_END
};

static const struct opt config_opts[] = {
	{ "json", OPT_JSON, NULL, "print JSON Lines instead of a table" },
	OPT_END
};

static const struct opt no_opts[] = { OPT_END };

static int submit_option(struct agent *a, int key, const char *arg)
{
	switch (key) {
	case OPT_SPLIT: submit_o.split = 1; return 0;
	case OPT_TITLE: submit_o.title = arg; return 0;
	case OPT_FORMAT:
		if (strcmp(arg, "markdown") && strcmp(arg, "text"))
			return ak_error(AK_EXIT_USAGE, "--format takes markdown or text");
		submit_o.format = arg;
		return 0;
	}
	return ak_error(AK_EXIT_USAGE, "unexpected option");
}

/* Emit the events of each document; a bad one is rejected, the rest go on. */
static int run_submit(struct agent *a, int argc, char **argv)
{
	static char dash[] = "-";
	static char *stdin_only[] = { dash, NULL };
	char **files = argc ? argv : stdin_only;
	struct filter_def def = { 0 };
	struct filter *f;
	int status;

	if (submit_o.title && (argc > 1 || submit_o.split))
		return agent_usage_error(PROG, "--title names one document, without --split");
	f = filter_new(&def, &a->fopts, &a->ec, &a->out);
	if (!f)
		return agent_die(PROG);
	for (char **p = files; *p; p++) {
		const char *origin = strcmp(*p, "-") ? *p : "stdin";
		struct buf doc;
		json_t *events = json_array(), *ev;
		size_t i;

		buf_init(&doc, a->fopts.max_line);
		if (buf_read_file(&doc, *p) < 0 ||
		    submit_document(&a->ec, origin, doc.p, doc.len, &submit_o, events) < 0) {
			if (ak_errcode() != AK_EXIT_DATAERR) {
				buf_release(&doc);
				json_decref(events);
				filter_free(f);
				return agent_die(PROG);
			}
			filter_reject(f, origin, 0, doc.p ? doc.p : "", doc.len, ak_errmsg());
		}
		json_array_foreach(events, i, ev)
			filter_emit(f, json_incref(ev));
		json_decref(events);
		buf_release(&doc);
		if (filter_commit(f) < 0)
			break;
	}
	status = filter_status(f);
	filter_free(f);
	return status;
}

static int validate_option(struct agent *a, int key, const char *arg)
{
	a->fopts.strict = 1;
	return 0;
}

static int run_validate(struct agent *a, int argc, char **argv)
{
	struct filter_def def = { 0 };
	struct filter *f = filter_new(&def, &a->fopts, &a->ec, &a->out);
	int status;

	if (!f)
		return agent_die(PROG);
	status = agent_filter_inputs(a, f, argc, argv);
	filter_free(f);
	return status;
}

static int print_config(const char *key, const char *value, enum config_layer layer,
			const char *origin, void *ctx)
{
	const struct config_key *k = config_keys();
	int secret = 0;

	for (; k->name; k++)
		if (!strcmp(k->name, key))
			secret = k->secret;
	if (secret && layer != CONFIG_DEFAULT)
		value = "(set)";
	if (config_json) {
		json_t *o = json_pack("{s:s,s:s,s:s,s:s}", "key", key, "value", value,
				      "layer", config_layer_name(layer), "origin", origin);
		char *s = json_dumps(o, JSON_COMPACT);

		printf("%s\n", s);
		free(s);
		json_decref(o);
	} else {
		printf("%-20s %-32s %s (%s)\n", key, value, config_layer_name(layer), origin);
	}
	return 0;
}

static int config_option(struct agent *a, int key, const char *arg)
{
	config_json = 1;
	return 0;
}

static int run_config(struct agent *a, int argc, char **argv)
{
	char *unknown;

	if (argc)
		return agent_usage_error(PROG, "config takes no operands");
	unknown = config_unknown_keys(a->cfg);
	if (unknown)
		log_warn("unknown configuration keys: %s", unknown);
	free(unknown);
	config_foreach(a->cfg, print_config, NULL);
	return 0;
}

static int run_version(struct agent *a, int argc, char **argv)
{
	agent_print_version(PROG);
	return 0;
}

const struct verb agentctl_stream_verbs[] = {
	{ "submit", "submit [OPTION]... [FILE]...",
	  "turn requirement documents into requirement.submitted events",
	  submit_opts, submit_option, run_submit },
	{ "validate", "validate [OPTION]... [FILE]...",
	  "check an event stream: valid lines pass, bad ones become agent.rejected",
	  validate_opts, validate_option, run_validate },
	{ "config", "config [--json]",
	  "show the effective configuration and where each value came from",
	  config_opts, config_option, run_config },
	{ "version", "version", "show the version and linked libraries", no_opts, NULL,
	  run_version },
};

const size_t agentctl_stream_nverbs = sizeof(agentctl_stream_verbs) /
				      sizeof(*agentctl_stream_verbs);
