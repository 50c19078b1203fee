/*
 * agentctl-tf.c - the verb tf: Terraform for one environment at a time.
 *
 *   agentctl tf [OPTION]... init|plan|apply|show ENV
 *   agentctl tf [--dir DIR] [--force] scaffold
 *
 * plan saves and checks a plan and says so with an infra.planned event;
 * apply applies only that saved plan and says infra.applied. The work is
 * in lib/deploy/tf.c and lib/deploy/scaffold.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "agentctl.h"
#include "error.h"
#include "event.h"
#include "log.h"
#include "deploy/scaffold.h"
#include "deploy/tf.h"
#include "banned.h"

static struct {
	const char *bin;
	const char *dir;
	long timeout_ms;
	int allow_destroy, force, json, quiet;
} to = { NULL, "infrastructure", TF_TIMEOUT_MS, 0, 0, 0, 0 };

static const struct opt tf_opts[] = {
	{ "tf-bin", OPT_TF_BIN, "PATH", "the terraform or tofu program (AGENTKIT_TF_BIN)" },
	{ "dir", OPT_TF_DIR, "DIR", "the infrastructure folder (default ./infrastructure)" },
	{ "allow-destroy", OPT_ALLOW_DESTROY, NULL, "let plan and apply delete resources" },
	{ "timeout", OPT_TIMEOUT, "SECONDS", "stop a terraform run after SECONDS (default 1800)" },
	{ "json", OPT_JSON, NULL, "show: one JSON object instead of a table" },
	{ "quiet", OPT_QUIET, NULL, "no progress and no summary on stderr" },
	{ "force", OPT_FORCE, NULL, "scaffold: overwrite files that exist" },
	OPT_END
};

static int tf_option(struct agent *a, int key, const char *arg)
{
	char *end;
	long n;

	switch (key) {
	case OPT_TF_BIN: to.bin = arg; return 0;
	case OPT_TF_DIR: to.dir = arg; return 0;
	case OPT_ALLOW_DESTROY: to.allow_destroy = 1; return 0;
	case OPT_JSON: to.json = 1; return 0;
	case OPT_QUIET: to.quiet = 1; return 0;
	case OPT_FORCE: to.force = 1; return 0;
	case OPT_TIMEOUT:
		n = strtol(arg, &end, 10);
		if (*end || end == arg || n < 1 || n > 7L * 24 * 3600)
			return ak_error(AK_EXIT_USAGE, "--timeout: '%s' is not a number of seconds "
					"from 1 to 604800", arg);
		to.timeout_ms = n * 1000;
		return 0;
	}
	return ak_error(AK_EXIT_USAGE, "unexpected option");
}

static int print_line(struct agent *a, const char *s)
{
	return out_line(&a->out, s, strlen(s)) < 0 ? -1 : 0;
}

/* Print the event (data stolen) on stdout. 0 or -1 with ak_error. */
static int emit(struct agent *a, const char *type, const char *env, json_t *data)
{
	json_t *ev = data ? event_new(&a->ec, type, env, data, NULL) : NULL;
	size_t len;
	char *s = ev ? event_dump(ev, &len) : NULL;
	int rc = s ? out_line(&a->out, s, len) : -1;

	if (!data)
		ak_error(AK_EXIT_SOFTWARE, "out of memory");
	free(s);
	json_decref(ev);
	return rc < 0 ? -1 : 0;
}

static void written(const char *path, int w, void *ctx)
{
	if (w)
		print_line(ctx, path);
	else
		log_info("%s: exists, kept", path);
}

static int run_plan(struct agent *a, const struct tf_opts *o, struct tf_run *run)
{
	char line[256];

	if (tf_plan(o, run) < 0)
		return agent_die(PROG);
	tf_plan_line(&run->plan, "Plan", line, sizeof(line));
	if (!to.quiet)
		fprintf(stderr, "%s\n", line);
	if (emit(a, "infra.planned", o->env,
		 json_pack("{s:s,s:o,s:o,s:s?,s:b,s:i}", "environment", o->env,
			   "changes", tf_plan_changes(&run->plan),
			   "resources", tf_plan_resources(&run->plan),
			   "plan", run->refused ? NULL : run->planfile,
			   "refused", run->refused, "exit_code", run->exit_code)) < 0)
		return a->out.code ? a->out.code : agent_die(PROG);
	if (run->refused) {
		tf_plan_refusal(&run->plan, o->env);
		return agent_die(PROG);
	}
	return 0;
}

static int run_apply(struct agent *a, const struct tf_opts *o, struct tf_run *run)
{
	const struct tf_plan *p = &run->plan;

	if (tf_apply(o, run) < 0)
		return agent_die(PROG);
	if (!to.quiet)
		fprintf(stderr, "Apply complete: %zu added, %zu changed, %zu destroyed, "
			"%zu replaced.\n", p->add, p->change, p->destroy, p->replace);
	if (emit(a, "infra.applied", o->env,
		 json_pack("{s:s,s:o,s:o,s:I}", "environment", o->env,
			   "changes", tf_plan_changes(p), "resources", tf_plan_resources(p),
			   "duration_ms", (json_int_t)run->duration_ms)) < 0)
		return a->out.code ? a->out.code : agent_die(PROG);
	return 0;
}

static int show_table(struct agent *a, const struct tf_run *run)
{
	char line[1200];

	if (!run->has_plan) {
		log_info("no saved plan: the resources in the state");
		for (size_t i = 0; i < run->plan.n; i++)
			if (print_line(a, run->plan.res[i].address) < 0)
				return -1;
		return 0;
	}
	if (print_line(a, "ACTION   ADDRESS") < 0)
		return -1;
	for (size_t i = 0; i < run->plan.n; i++) {
		const struct tf_resource *r = &run->plan.res[i];

		snprintf(line, sizeof(line), "%-8s %s", tf_action_name(r->action), r->address);
		if (print_line(a, line) < 0)
			return -1;
	}
	tf_plan_line(&run->plan, "Plan", line, sizeof(line));
	return print_line(a, line);
}

static int run_show(struct agent *a, const struct tf_opts *o, struct tf_run *run)
{
	json_t *j;
	char *s;
	int rc;

	if (tf_show(o, run) < 0)
		return agent_die(PROG);
	if (!to.json)
		return show_table(a, run) < 0 ? a->out.code : 0;
	if (run->has_plan) {
		j = tf_plan_summary(&run->plan);
		if (j && (json_object_set_new(j, "environment", json_string(o->env)) < 0 ||
			  json_object_set_new(j, "plan", json_string(run->planfile)) < 0)) {
			json_decref(j);
			j = NULL;
		}
	} else {
		json_t *addrs = json_array();

		for (size_t i = 0; addrs && i < run->plan.n; i++)
			json_array_append_new(addrs, json_string(run->plan.res[i].address));
		j = json_pack("{s:s,s:n,s:{s:o}}", "environment", o->env, "plan", "state",
			      "resources", addrs);
	}
	s = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(j);
	if (!s)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory"), agent_die(PROG);
	rc = print_line(a, s) < 0 ? a->out.code : 0;
	free(s);
	return rc;
}

static int run_tf(struct agent *a, int argc, char **argv)
{
	static const char *const cmds[] = { "init", "plan", "apply", "show", "scaffold" };
	struct tf_opts o = TF_OPTS_INIT;
	struct tf_run run = TF_RUN_INIT;
	char msg[200];
	size_t c;
	int rc;

	if (argc < 1)
		return agent_usage_error(PROG, "tf needs init, plan, apply, show or scaffold");
	for (c = 0; c < sizeof(cmds) / sizeof(*cmds) && strcmp(argv[0], cmds[c]); c++)
		;
	if (c == sizeof(cmds) / sizeof(*cmds)) {
		snprintf(msg, sizeof(msg), "unknown tf command '%s'", argv[0]);
		return agent_usage_error(PROG, msg);
	}
	if (!strcmp(argv[0], "scaffold")) {
		if (argc != 1)
			return agent_usage_error(PROG, "tf scaffold takes no operands");
		return scaffold_write(to.dir, to.force, written, a) < 0 ? agent_die(PROG) : 0;
	}
	if (argc != 2) {
		snprintf(msg, sizeof(msg), "tf %s needs one environment name", argv[0]);
		return agent_usage_error(PROG, msg);
	}
	o.bin = tf_pick_bin(to.bin, config_get(a->cfg, "tf.bin"), getenv("PATH"));
	o.root = to.dir;
	o.env = argv[1];
	o.timeout_ms = to.timeout_ms;
	o.allow_destroy = to.allow_destroy;
	o.progress = !to.quiet && isatty(STDERR_FILENO);
	if (!tf_env_name_ok(o.env)) {
		snprintf(msg, sizeof(msg), "bad environment name '%.80s' (use a-z, 0-9, '_', '-')",
			 o.env);
		return agent_usage_error(PROG, msg);
	}
	if (!strcmp(argv[0], "init"))
		rc = tf_init(&o, &run) < 0 ? agent_die(PROG) : 0;
	else if (!strcmp(argv[0], "plan"))
		rc = run_plan(a, &o, &run);
	else if (!strcmp(argv[0], "apply"))
		rc = run_apply(a, &o, &run);
	else
		rc = run_show(a, &o, &run);
	tf_run_release(&run);
	return rc;
}

const struct verb agentctl_tf_verbs[] = {
	{ "tf", "tf [OPTION]... init|plan|apply|show ENV | scaffold",
	  "terraform for one environment: a checked plan, then apply it",
	  tf_opts, tf_option, run_tf },
};

const size_t agentctl_tf_nverbs = sizeof(agentctl_tf_verbs) / sizeof(*agentctl_tf_verbs);
