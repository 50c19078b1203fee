/*
 * agentctl - the driver of agentkit: submits requirement documents, checks
 * event streams, shows the configuration. Each verb parses its options and
 * calls into libagentkit.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "buf.h"
#include "error.h"
#include "filter.h"
#include "log.h"
#include "submit.h"
#include "banned.h"

extern char **environ;

#define PROG "agentctl"
#define SOURCE "agentkit/agentctl"

enum {
	OPT_SPLIT = OPT_AGENT_LAST,
	OPT_FORMAT,
	OPT_TITLE,
	OPT_STRICT,
	OPT_JSON,
};

struct verb {
	const char *name;
	const char *usage;
	const char *summary;
	const struct opt *opts;
	int (*run)(struct agent *a, int argc, char **argv);
};

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

/* Options given to the verb, as agent_option does not keep them. */
static struct {
	struct submit_opts submit;
	int json;
} vo = { SUBMIT_OPTS_INIT, 0 };

/* Emit the events of each document; a bad one is rejected, the rest go on. */
static int run_submit(struct agent *a, int argc, char **argv)
{
	static char dash[] = "-";
	static char *stdin_only[] = { dash, NULL };
	char **files = argc ? argv : stdin_only;
	struct filter_def def = { 0 };
	struct filter *f;
	int status;

	if (vo.submit.format && strcmp(vo.submit.format, "markdown") &&
	    strcmp(vo.submit.format, "text"))
		return agent_usage_error(PROG, "--format takes markdown or text");
	if (vo.submit.title && (argc > 1 || vo.submit.split))
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
		    submit_document(&a->ec, origin, doc.p, doc.len, &vo.submit, events) < 0) {
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

static int run_validate(struct agent *a, int argc, char **argv)
{
	struct filter_def def = { 0 };
	struct filter *f = filter_new(&def, &a->fopts, &a->ec, &a->out);
	int status, rc;

	if (!f)
		return agent_die(PROG);
	/* a write error is reported once, by agent_finish */
	if (argc == 0 && filter_run(f, 0, "stdin") < 0 && !a->out.err)
		log_error("%s", ak_errmsg());
	for (int i = 0; i < argc; i++) {
		int fd = strcmp(argv[i], "-") ? open(argv[i], O_RDONLY | O_CLOEXEC) : 0;

		if (fd < 0) {
			log_error("cannot open '%s': %s", argv[i], strerror(errno));
			filter_free(f);
			return AK_EXIT_IOERR;
		}
		rc = filter_run(f, fd, fd ? argv[i] : "stdin");
		if (fd)
			close(fd);
		if (rc < 0 && a->out.err)
			break;
		if (rc < 0)
			log_error("%s", ak_errmsg());
	}
	status = filter_status(f);
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
	if (vo.json) {
		json_t *o = json_pack("{s:s,s:s,s:s,s:s}", "key", key, "value", value,
				      "layer", config_layer_name(layer), "origin", origin);
		char *s = json_dumps(o, JSON_COMPACT);

		printf("%s\n", s);
		free(s);
		json_decref(o);
	} else {
		printf("%-14s %-32s %s (%s)\n", key, value, config_layer_name(layer), origin);
	}
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

static const struct verb verbs[] = {
	{ "submit", "submit [OPTION]... [FILE]...",
	  "turn requirement documents into requirement.submitted events",
	  submit_opts, run_submit },
	{ "validate", "validate [OPTION]... [FILE]...",
	  "check an event stream: valid lines pass, bad ones become agent.rejected",
	  validate_opts, run_validate },
	{ "config", "config [--json]",
	  "show the effective configuration and where each value came from",
	  config_opts, run_config },
	{ "version", "version", "show the version and linked libraries", no_opts, run_version },
};

#define NVERBS (sizeof(verbs) / sizeof(*verbs))

static void usage(const struct verb *v)
{
	if (v) {
		printf("Usage: %s %s\n%s.\n\nOptions:\n", PROG, v->usage, v->summary);
		opts_help(stdout, v->opts);
		printf("\nCommon options:\n");
		opts_help(stdout, agent_common_opts);
		return;
	}
	printf("Usage: %s [OPTION]... VERB [ARG]...\n"
	       "Drive agentkit: submit requirements, check and record event streams.\n\n"
	       "Verbs:\n", PROG);
	for (size_t i = 0; i < NVERBS; i++)
		printf("  %-10s %s\n", verbs[i].name, verbs[i].summary);
	printf("\nCommon options (also accepted after the verb):\n");
	opts_help(stdout, agent_common_opts);
	printf("\nSee agentctl(1) and agentkit(7).\n");
}

static void list_options(void)
{
	opts_list(stdout, "", agent_common_opts);
	for (size_t i = 0; i < NVERBS; i++) {
		printf("%s\t\t\t\t%s\n", verbs[i].name, verbs[i].summary);
		opts_list(stdout, verbs[i].name, verbs[i].opts);
	}
}

/* Parse options (common ones, and the verb's own when v is set). */
static int parse(struct agent *a, const struct verb *v, int argc, char **argv, int *next)
{
	struct opts o;
	const char *arg;
	int k, r;

	opts_begin(&o, PROG, agent_common_opts, v ? v->opts : NULL, argc, argv, !v);
	while ((k = opts_next(&o, &arg)) != -1) {
		if (k == '?')
			return agent_usage_error(PROG, opts_error(&o));
		r = agent_option(a, k, arg);
		if (r < 0)
			return agent_usage_error(PROG, ak_errmsg());
		if (r > 0)
			continue;
		switch (k) {
		case OPT_SPLIT: vo.submit.split = 1; break;
		case OPT_FORMAT: vo.submit.format = arg; break;
		case OPT_TITLE: vo.submit.title = arg; break;
		case OPT_STRICT: a->fopts.strict = 1; break;
		case OPT_JSON: vo.json = 1; break;
		default: return agent_usage_error(PROG, "unexpected option");
		}
	}
	*next = opts_index(&o);
	return 0;
}

int main(int argc, char **argv)
{
	const struct verb *v = NULL;
	struct agent a;
	int next, rc;

	if (agent_init(&a, PROG) < 0)
		return agent_die(PROG);
	if ((rc = parse(&a, NULL, argc, argv, &next)))
		return agent_finish(&a, rc);
	if (a.help || a.version || a.list_options || next >= argc) {
		if (a.version)
			agent_print_version(PROG);
		else if (a.list_options)
			list_options();
		else if (a.help)
			usage(NULL);
		else
			return agent_finish(&a, agent_usage_error(PROG, "no verb given"));
		return agent_finish(&a, 0);
	}
	if (!strcmp(argv[next], "help")) {
		for (size_t i = 0; next + 1 < argc && i < NVERBS; i++)
			if (!strcmp(argv[next + 1], verbs[i].name))
				v = &verbs[i];
		usage(v);
		return agent_finish(&a, 0);
	}
	for (size_t i = 0; i < NVERBS; i++)
		if (!strcmp(argv[next], verbs[i].name))
			v = &verbs[i];
	if (!v) {
		char msg[160];

		snprintf(msg, sizeof(msg), "unknown verb '%s'", argv[next]);
		return agent_finish(&a, agent_usage_error(PROG, msg));
	}
	argc -= next;
	argv += next;
	if ((rc = parse(&a, v, argc, argv, &next)))
		return agent_finish(&a, rc);
	if (a.help) {
		usage(v);
		return agent_finish(&a, 0);
	}
	if (a.version) {
		agent_print_version(PROG);
		return agent_finish(&a, 0);
	}
	if (agent_start(&a, SOURCE, environ) < 0)
		return agent_finish(&a, agent_die(PROG));
	return agent_finish(&a, v->run(&a, argc - next, argv + next));
}
