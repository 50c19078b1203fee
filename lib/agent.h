/*
 * agent.h - what every program shares: the common options, configuration,
 * logging, the event id source and the output stream.
 *
 * A main declares its own option table and handles its own keys; every key
 * of agent_common_opts is given to agent_option first. agent_start then
 * loads the configuration layers with the flags on top and sets up the
 * rest, and agent_finish closes the output and settles the exit status:
 *
 *	struct agent a;
 *	agent_init(&a, "agent-x", "agentkit/agent-x");
 *	while ((k = opts_next(&o, &arg)) != -1)
 *		if ((r = agent_option(&a, k, arg)) == 0) { own options }
 *	if (agent_start(&a, environ) < 0) die...
 *	...
 *	return agent_finish(&a, status);
 */
#ifndef AK_AGENT_H
#define AK_AGENT_H

#include "config.h"
#include "event.h"
#include "filter.h"
#include "opts.h"
#include "out.h"

enum {
	OPT_HELP = 'h',
	OPT_VERSION = 'V',
	OPT_WORKSPACE = 256,
	OPT_CONFIG,
	OPT_ENGINE,
	OPT_NO_PASS,
	OPT_LOG_LEVEL,
	OPT_LOG_FORMAT,
	OPT_MAX_LINE,
	OPT_LIST_OPTIONS,
	OPT_MODEL,
	OPT_JOBS,
	OPT_NO_CACHE,
	OPT_CACHE_ONLY,
	OPT_MAX_TOKENS_TOTAL,
	OPT_MAX_COST,
	OPT_AGENT_LAST = 300,   /* programs number their own keys from here */
};

/* The options of a program that can use the llm engine, for its table. */
#define AGENT_LLM_OPTS \
	{ "model", OPT_MODEL, "NAME", "the model for --engine llm (llm.model)" }, \
	{ "jobs", OPT_JOBS, "N", "LLM requests in flight at once (default 4)" }, \
	{ "no-cache", OPT_NO_CACHE, NULL, "ask the model even when the cache has the answer" }, \
	{ "cache-only", OPT_CACHE_ONLY, NULL, "answer from the cache only, never ask the model" }, \
	{ "max-tokens-total", OPT_MAX_TOKENS_TOTAL, "N", "stop before the run spends N tokens" }, \
	{ "max-cost", OPT_MAX_COST, "AMOUNT", "stop before the run costs AMOUNT (llm.prices)" }

struct agent {
	const char *prog;
	struct config *cfg;
	const char *config_file;   /* --config */
	struct event_ctx ec;
	struct out out;
	struct filter_opts fopts;
	int help, version, list_options;
};

/* The options every program has. */
extern const struct opt agent_common_opts[];

/*
 * Make sure fds 0-2 are open, restore the default SIGPIPE action (a reader
 * that goes away ends the program quietly, as it ends cat), and set up a.
 * Returns 0, or -1 with ak_error on ENOMEM.
 */
int agent_init(struct agent *a, const char *prog);

/*
 * Take a common option. Returns 1 when key was one (recorded as a flag
 * layer value), 0 when it is the program's own, -1 with ak_error
 * (AK_EXIT_USAGE) for a bad value.
 */
int agent_option(struct agent *a, int key, const char *arg);

/*
 * Load the configuration (files and environment from envp under the
 * flags), apply log settings, SOURCE_DATE_EPOCH and the line limit, and
 * open stdout for events. source is the CloudEvents source, unless the
 * configuration sets one. Returns 0, or -1 with ak_error.
 */
int agent_start(struct agent *a, const char *source, char *const *envp);

/*
 * Flush and close the event output and free a. Returns status, or 74 when
 * writing failed (the message is printed here).
 */
int agent_finish(struct agent *a, int status);

/* "prog VERSION" and the versions of the linked libraries, on stdout. */
void agent_print_version(const char *prog);

/*
 * Read the command line: the common options into a, the program's own
 * (the table own) through fn, which returns 0, or -1 with ak_error for a
 * usage error. --help (through usage), --version and --list-options are
 * answered here. Returns the exit status when the program is done (64
 * after a usage error, 0 after --help and the like), or -1 when it goes on
 * with its operands from argv[*first].
 */
int agent_command_line(struct agent *a, const struct opt *own, int argc, char **argv,
		       int (*fn)(void *ctx, int key, const char *arg), void *ctx,
		       void (*usage)(void), int *first);

/*
 * Call fn on each file of argv (argc of them; "-" is stdin), or on stdin
 * when there is none. A file that cannot be opened is reported and
 * skipped, like cat. fn returns 0, or -1 to stop. Returns -1 when fn
 * stopped, 1 when a file was missing, else 0.
 */
int agent_each_input(int argc, char **argv, int (*fn)(void *ctx, int fd, const char *name),
		     void *ctx);

/* The exit status after reading inputs: 74 when one was missing and
 * nothing worse happened, else status. */
int agent_input_status(int status, int missing);

/*
 * Run filter f over each file of argv (argc of them; "-" is stdin), or
 * over stdin when there is none. A file that cannot be opened is reported
 * and skipped, like cat, and makes the status 74 at the end. Returns the
 * exit status: filter_status, or 74.
 */
int agent_filter_inputs(struct agent *a, struct filter *f, int argc, char **argv);

/* Print "prog: message" for the last ak_error and return its exit class. */
int agent_die(const char *prog);

/* Print a usage error and the "Try 'prog --help'" line; returns 64. */
int agent_usage_error(const char *prog, const char *msg);

#endif
