/*
 * agentctl-run.c - the verb run: a pipeline file run as a graph.
 *
 *   agentctl run [OPTION]... PIPELINE [INPUT]...
 *
 * Inputs are JSON Lines of events (agentctl submit's output, a recorded
 * stream) or requirement documents, which are submitted as `agentctl
 * submit` would; no INPUT reads stdin. The scheduling, the store and the
 * resuming are lib/run/run.c's; this file reads options and inputs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "agentctl.h"
#include "buf.h"
#include "error.h"
#include "event.h"
#include "store.h"
#include "submit.h"
#include "workspace.h"
#include "run/pipeline.h"
#include "run/run.h"
#include "banned.h"

#define MAX_FEATURES 64

static struct {
	unsigned jobs;
	int quiet, check, split;
	const char *features[MAX_FEATURES];
	size_t nfeatures;
} ro = { 2, 0, 0, 0, { NULL }, 0 };

static const struct opt run_opts[] = {
	{ "store", OPT_STORE, "STORE", "record events here, and resume from what it holds" },
	{ "jobs", 'j', "N", "programs running at once (default 2)" },
	{ "feature", OPT_SUBJECT, "ID", "also resume this feature from the store (repeatable)" },
	{ "split", OPT_SPLIT, NULL, "one requirement per top-level section of each document" },
	{ "quiet", 'q', NULL, "no progress view on the terminal" },
	{ "check", OPT_CHECK, NULL, "check the pipeline, print its stages and run nothing" },
	OPT_END
};

static int run_option(struct agent *a, int key, const char *arg)
{
	char *end;
	long n;

	switch (key) {
	case OPT_STORE: return config_set(a->cfg, "store", arg, CONFIG_FLAG, "--store");
	case 'j':
		n = strtol(arg, &end, 10);
		if (*end || end == arg || n < 1 || n > 256)
			return ak_error(AK_EXIT_USAGE, "--jobs: '%s' is not a number from 1 to 256", arg);
		ro.jobs = (unsigned)n;
		return 0;
	case OPT_SUBJECT:
		if (!event_feature_id_ok(arg))
			return ak_error(AK_EXIT_USAGE, "--feature: '%s' is not a feature id", arg);
		if (ro.nfeatures == MAX_FEATURES)
			return ak_error(AK_EXIT_USAGE, "--feature: at most %d", MAX_FEATURES);
		ro.features[ro.nfeatures++] = arg;
		return 0;
	case OPT_SPLIT: ro.split = 1; return 0;
	case 'q': ro.quiet = 1; return 0;
	case OPT_CHECK: ro.check = 1; return 0;
	}
	return ak_error(AK_EXIT_USAGE, "unexpected option");
}

/* --check: the stages, what each waits on and makes, and the inputs. */
static int print_pipeline(struct agent *a, const struct pipeline *p)
{
	struct buf b = BUF_INIT;
	int rc = 0;

	for (size_t i = 0; i < p->nstages && rc == 0; i++) {
		const struct stage *s = &p->stages[i];

		buf_reset(&b);
		buf_addf(&b, "%-12s", s->name);
		for (size_t k = 0; k < s->nin; k++)
			buf_addf(&b, "%s%s", k ? "+" : " ", s->in[k]);
		buf_addstr(&b, " ->");
		for (size_t k = 0; k < s->nout; k++)
			buf_addf(&b, "%s%s", k ? "|" : " ", s->out[k]);
		rc = out_line(&a->out, b.p, b.len);
	}
	buf_reset(&b);
	buf_addstr(&b, "inputs:");
	for (size_t k = 0; k < p->ninputs; k++)
		buf_addf(&b, " %s", p->inputs[k]);
	if (rc == 0)
		rc = out_line(&a->out, b.p, b.len);
	buf_release(&b);
	return rc < 0 ? a->out.code : 0;
}

/* The lines of a JSON Lines input. */
static int add_lines(struct run *r, const char *origin, const char *p, size_t len)
{
	const char *end = p + len;
	uint64_t lineno = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		lineno++;
		if (n && p[n - 1] == '\r')
			n--;
		if (n && run_add(r, p, n, origin, lineno) < 0)
			return -1;
		p = nl ? nl + 1 : end;
	}
	return 0;
}

/* A requirement document: its requirement.submitted events. */
static int add_document(struct agent *a, struct run *r, const char *origin, const char *p,
			size_t len)
{
	struct submit_opts so = SUBMIT_OPTS_INIT;
	json_t *events = json_array(), *ev;
	size_t i;
	int rc = 0;

	so.split = ro.split;
	if (!events)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	if (submit_document(&a->ec, origin, p, len, &so, events) < 0) {
		char why[256];

		json_decref(events);
		if (ak_errcode() != AK_EXIT_DATAERR)
			return -1;
		snprintf(why, sizeof(why), "%s", ak_errmsg());
		return run_reject(r, origin, 0, p ? p : "", len, why);
	}
	json_array_foreach(events, i, ev) {
		size_t n;
		char *s = event_dump(ev, &n);

		if (!s || run_add(r, s, n, origin, i + 1) < 0)
			rc = -1;
		free(s);
		if (rc < 0)
			break;
	}
	json_decref(events);
	return rc;
}

/* JSON Lines when the first thing in it is an object; else a document. */
static int is_json_lines(const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
			return p[i] == '{';
	return 1;
}

static int add_inputs(struct agent *a, struct run *r, int argc, char **argv)
{
	static char dash[] = "-";
	static char *stdin_only[] = { dash, NULL };
	char **files = argc ? argv : stdin_only;

	for (char **f = files; *f; f++) {
		const char *origin = strcmp(*f, "-") ? *f : "stdin";
		struct buf b;
		int rc;

		buf_init(&b, (size_t)1 << 30);
		if (buf_read_file(&b, *f) < 0) {
			buf_release(&b);
			return -1;
		}
		rc = is_json_lines(b.p ? b.p : "", b.len) ?
			add_lines(r, origin, b.p ? b.p : "", b.len) :
			add_document(a, r, origin, b.p, b.len);
		buf_release(&b);
		if (rc < 0)
			return -1;
	}
	for (size_t i = 0; i < ro.nfeatures; i++)
		if (run_load_feature(r, ro.features[i]) < 0)
			return -1;
	return 0;
}

static int run_run(struct agent *a, int argc, char **argv)
{
	struct run_opts o = RUN_OPTS_INIT;
	struct pipeline p;
	struct workspace *ws = NULL;
	struct store *s = NULL;
	struct run *r = NULL;
	const char *spec = config_get(a->cfg, "store"), *wsdir = config_get(a->cfg, "workspace");
	const char *env[3];
	struct buf e1 = BUF_INIT, e2 = BUF_INIT;
	int status;

	if (argc < 1)
		return agent_usage_error(PROG, "run needs a PIPELINE file");
	if (pipeline_load(&p, argv[0]) < 0) {
		fprintf(stderr, "%s: %s\n", PROG, ak_errmsg());
		return ak_errcode();
	}
	if (ro.check) {
		status = argc > 1 ? agent_usage_error(PROG, "--check takes no INPUT") :
			print_pipeline(a, &p);
		pipeline_release(&p);
		return status;
	}
	spec = spec && *spec ? spec : DEFAULT_STORE;
	/* every stage sees the run's store and workspace */
	if (buf_addf(&e1, "AGENTKIT_STORE=%s", spec) < 0 ||
	    buf_addf(&e2, "AGENTKIT_WORKSPACE=%s", wsdir) < 0) {
		status = agent_die(PROG);
		goto out;
	}
	env[0] = e1.p;
	env[1] = e2.p;
	env[2] = NULL;
	if (!(s = agentctl_open_store(a, NULL))) {
		status = ak_errcode();
		goto out;
	}
	if (!(ws = workspace_open(wsdir))) {
		status = agent_die(PROG);
		goto out;
	}
	o.p = &p;
	o.store = s;
	o.out = &a->out;
	o.ec = &a->ec;
	o.ws = ws;
	o.env = env;
	o.jobs = ro.jobs;
	o.progress_fd = !ro.quiet && isatty(STDERR_FILENO) ? STDERR_FILENO : -1;
	if (!(r = run_new(&o)) || add_inputs(a, r, argc - 1, argv + 1) < 0) {
		status = a->out.code ? a->out.code : agent_die(PROG);
		goto out;
	}
	if ((status = run_go(r)) < 0)
		status = a->out.code ? a->out.code : agent_die(PROG);
out:
	run_free(r);
	workspace_free(ws);
	if (s)
		store_close(s);
	buf_release(&e1);
	buf_release(&e2);
	pipeline_release(&p);
	return status;
}

const struct verb agentctl_run_verbs[] = {
	{ "run", "run [OPTION]... PIPELINE [INPUT]...",
	  "run a pipeline file as a graph, recording and resuming in the store",
	  run_opts, run_option, run_run },
};

const size_t agentctl_run_nverbs = sizeof(agentctl_run_verbs) / sizeof(*agentctl_run_verbs);
