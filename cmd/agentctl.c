/*
 * agentctl - the driver of agentkit: submits requirement documents, checks
 * and records event streams, reads the store back. This file finds the
 * verb and parses options; each verb lives in cmd/agentctl-*.c and calls
 * into libagentkit.
 */
#include <stdio.h>
#include <string.h>

#include "agentctl.h"
#include "error.h"
#include "banned.h"

extern char **environ;

static const struct {
	const struct verb *verbs;
	const size_t *n;
} groups[] = {
	{ agentctl_stream_verbs, &agentctl_stream_nverbs },
	{ agentctl_store_verbs, &agentctl_store_nverbs },
	{ agentctl_kafka_verbs, &agentctl_kafka_nverbs },
	{ agentctl_llm_verbs, &agentctl_llm_nverbs },
	{ agentctl_tf_verbs, &agentctl_tf_nverbs },
	{ agentctl_rollout_verbs, &agentctl_rollout_nverbs },
	{ agentctl_serve_verbs, &agentctl_serve_nverbs },
	{ agentctl_keys_verbs, &agentctl_keys_nverbs },
	{ agentctl_doctor_verbs, &agentctl_doctor_nverbs },
	{ agentctl_run_verbs, &agentctl_run_nverbs },
	{ agentctl_report_verbs, &agentctl_report_nverbs },
};

#define NGROUPS (sizeof(groups) / sizeof(*groups))

static const struct verb *find_verb(const char *name)
{
	for (size_t g = 0; g < NGROUPS; g++)
		for (size_t i = 0; i < *groups[g].n; i++)
			if (!strcmp(groups[g].verbs[i].name, name))
				return &groups[g].verbs[i];
	return NULL;
}

static void usage(const struct verb *v)
{
	if (v) {
		printf("Usage: %s %s\n%c%s.\n", PROG, v->usage,
		       v->summary[0] - ('a' <= v->summary[0] && v->summary[0] <= 'z' ? 32 : 0),
		       v->summary + 1);
		if (v->opts && v->opts->name) {
			printf("\nOptions:\n");
			opts_help(stdout, v->opts);
		}
		printf("\nCommon options:\n");
		opts_help(stdout, agent_common_opts);
		return;
	}
	printf("Usage: %s [OPTION]... VERB [ARG]...\n"
	       "Drive agentkit: submit requirements, check and record event streams.\n\n"
	       "Verbs:\n", PROG);
	for (size_t g = 0; g < NGROUPS; g++)
		for (size_t i = 0; i < *groups[g].n; i++)
			printf("  %-10s %s\n", groups[g].verbs[i].name, groups[g].verbs[i].summary);
	printf("  %-10s %s\n", "help", "show the help of a verb");
	printf("\nCommon options (also accepted after the verb):\n");
	opts_help(stdout, agent_common_opts);
	printf("\nSee agentctl(1) and agentkit(7).\n");
}

static void list_options(void)
{
	opts_list(stdout, "", agent_common_opts);
	for (size_t g = 0; g < NGROUPS; g++)
		for (size_t i = 0; i < *groups[g].n; i++) {
			const struct verb *v = &groups[g].verbs[i];

			printf("%s\t\t\t\t%s\n", v->name, v->summary);
			opts_list(stdout, v->name, v->opts);
		}
	printf("help\t\t\t\tshow the help of a verb\n");
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
		if (r == 0 && v && v->option)
			r = v->option(a, k, arg) < 0 ? -1 : 1;
		if (r < 0)
			return agent_usage_error(PROG, ak_errmsg());
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
		if (next + 1 < argc && !(v = find_verb(argv[next + 1]))) {
			char msg[160];

			snprintf(msg, sizeof(msg), "unknown verb '%s'", argv[next + 1]);
			return agent_finish(&a, agent_usage_error(PROG, msg));
		}
		usage(v);
		return agent_finish(&a, 0);
	}
	if (!(v = find_verb(argv[next]))) {
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
	/* asking for the version needs no configuration, so a broken one can be reported */
	if (a.version || !strcmp(v->name, "version")) {
		agent_print_version(PROG);
		return agent_finish(&a, 0);
	}
	/* doctor runs on a configuration that does not load, to say why */
	if (agent_start(&a, SOURCE, environ) < 0 && strcmp(v->name, "doctor"))
		return agent_finish(&a, agent_die(PROG));
	return agent_finish(&a, v->run(&a, argc - next, argv + next));
}
