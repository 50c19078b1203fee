/*
 * agentctl-doctor.c - the verb doctor: check what agentkit needs on this
 * machine and say what to fix.
 *
 *   agentctl doctor [--json] [--quiet] [--timeout DURATION]
 *
 * The checks are lib/doctor.c's; this file reads the options, gives the
 * checks the configuration, the store and the folder agentctl runs from,
 * and prints the report: a table, coloured on a terminal unless NO_COLOR
 * is set, or a JSON array. Exit status 1 when a check failed; warnings
 * alone leave it 0.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "agentctl.h"
#include "doctor.h"
#include "error.h"
#include "banned.h"

extern char **environ;

static struct {
	int json, quiet;
	long timeout_ms;
} dopt = { 0, 0, 5000 };

static const struct opt doctor_opts[] = {
	{ "json", OPT_JSON, NULL, "a JSON array of {check, status, detail, fix}" },
	{ "quiet", OPT_QUIET, NULL, "only the checks that warn or fail" },
	{ "timeout", OPT_TIMEOUT, "DURATION", "give up on each check after DURATION (5s)" },
	OPT_END
};

static int doctor_option(struct agent *a, int key, const char *arg)
{
	switch (key) {
	case OPT_JSON: dopt.json = 1; return 0;
	case OPT_QUIET: dopt.quiet = 1; return 0;
	case OPT_TIMEOUT: return doctor_parse_timeout(arg, &dopt.timeout_ms);
	}
	return ak_error(AK_EXIT_USAGE, "unexpected option");
}

/* The folder of the running program, from /proc/self/exe; NULL if unknown. */
static const char *self_dir(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);
	char *slash;

	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	if (!(slash = strrchr(buf, '/')))
		return NULL;
	*slash = '\0';
	return buf;
}

static int colour_wanted(void)
{
	const char *nc = getenv("NO_COLOR");

	return isatty(STDOUT_FILENO) && !(nc && *nc);
}

static int run_doctor(struct agent *a, int argc, char **argv)
{
	struct doctor_result *res;
	struct doctor_env env = { 0 };
	const char *store = config_get(a->cfg, "store");
	enum doctor_status worst;
	char dir[PATH_MAX];
	size_t n = doctor_count(), failed = 0, warned = 0;
	char *text = NULL;
	json_t *j = NULL;
	int rc = 0;

	if (argc)
		return agent_usage_error(PROG, "doctor takes no operands");
	if (!(res = calloc(n, sizeof(*res))))
	{
		ak_error(AK_EXIT_SOFTWARE, "out of memory");
		return agent_die(PROG);
	}
	env.cfg = a->cfg;
	env.config_file = a->config_file;
	env.envp = environ;
	env.store = store && *store ? store : DEFAULT_STORE;
	env.self_dir = self_dir(dir, sizeof(dir));
	env.timeout_ms = dopt.timeout_ms;
	worst = doctor_run(&env, res);
	for (size_t i = 0; i < n; i++) {
		failed += res[i].status == DOCTOR_FAIL;
		warned += res[i].status == DOCTOR_WARN;
	}
	if (dopt.json) {
		j = doctor_json(res, n, dopt.quiet);
		text = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	} else {
		text = doctor_format(res, n, dopt.quiet, colour_wanted());
	}
	if (!text) {
		rc = agent_die(PROG);
	} else {
		fputs(text, stdout);
		if (dopt.json)
			putchar('\n');
		/* agent_finish reports a failed write */
		if (failed || warned)
			fprintf(stderr, "%s: doctor: %zu check%s failed, %zu warned\n", PROG, failed,
				failed == 1 ? "" : "s", warned);
		rc = worst == DOCTOR_FAIL ? AK_EXIT_GATE : 0;
	}
	free(text);
	json_decref(j);
	free(res);
	return rc;
}

const struct verb agentctl_doctor_verbs[] = {
	{ "doctor", "doctor [OPTION]...",
	  "check what agentkit needs on this machine and say what to fix",
	  doctor_opts, doctor_option, run_doctor },
};

const size_t agentctl_doctor_nverbs = sizeof(agentctl_doctor_verbs) / sizeof(*agentctl_doctor_verbs);
