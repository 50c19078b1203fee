/*
 * agent-test - the tester. Alone, it runs a test command (--run) and reads
 * test and coverage reports of any runner (--report), merges them and
 * writes one feature.tested event; the gates (--max-failures,
 * --min-coverage) decide the exit status. In a pipeline it runs the tests
 * agent-backend and agent-integrate generated, folds in the contract cases
 * of feature.integrated, and writes acceptance-test skeletons for the
 * stories of requirement.analyzed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "buf.h"
#include "error.h"
#include "filter.h"
#include "genagent.h"
#include "shwords.h"
#include "results/coverage.h"
#include "results/junitw.h"
#include "results/report.h"
#include "results/results.h"
#include "results/skeleton.h"
#include "results/testrun.h"
#include "workspace.h"
#include "banned.h"

#define PROG "agent-test"
#define FAILURES_MAX 100

enum {
	OPT_REPORT = OPT_AGENT_LAST,
	OPT_FORMAT,
	OPT_FEATURE,
	OPT_MIN_COVERAGE,
	OPT_MAX_FAILURES,
	OPT_RUN,
	OPT_SHELL,
	OPT_TIMEOUT,
	OPT_RERUN_FAILED,
	OPT_QUIET,
};

static const struct opt test_opts[] = {
	{ "run", OPT_RUN, "CMD", "run CMD (split into words, no shell) and read its results" },
	{ "shell", OPT_SHELL, NULL, "run --run's CMD with /bin/sh -c" },
	{ "timeout", OPT_TIMEOUT, "SECONDS", "stop a test command after SECONDS (default 3600)" },
	{ "rerun-failed", OPT_RERUN_FAILED, "N", "rerun failures up to N times; passes are flaky" },
	{ "report", OPT_REPORT, "FILE", "a test or coverage report to read (repeatable)" },
	{ "format", OPT_FORMAT, "F", "tap, junit, lcov, gcov-json, coveragepy-json or cobertura" },
	{ "feature", OPT_FEATURE, "ID", "the feature tested: the event's subject (default tests)" },
	{ "min-coverage", OPT_MIN_COVERAGE, "PCT", "fail when line coverage is below PCT" },
	{ "max-failures", OPT_MAX_FAILURES, "N", "fail when more than N tests fail (default 0)" },
	{ "quiet", OPT_QUIET, NULL, "do not copy the test command's output to stderr" },
	OPT_END
};

static const char *const consumes[] = {
	"requirement.analyzed", "feature.backend_ready", "feature.integrated", NULL
};

struct tester {
	const char **reports;
	int nreports;
	const char *format;
	const char *feature;
	const char *run;
	int shell;
	int quiet;
	long timeout_ms;
	int rerun;
	double min_coverage;       /* < 0: no gate */
	long max_failures;
	struct agent *a;
	struct filter *f;
	struct workspace *ws;
	json_t *held;              /* subject -> feature.backend_ready not yet run */
};

static void usage(void)
{
	printf("Usage: %s --run CMD [--report FILE]... [OPTION]...\n"
	       "  or:  %s --report FILE... [OPTION]...\n"
	       "  or:  %s [OPTION]... [FILE]...\n", PROG, PROG, PROG);
	printf("Run tests, read test and coverage reports of any runner, merge them and\n"
	       "write one feature.tested event; exit 1 when a gate says no. Without --run\n"
	       "and --report, read events: run the tests of feature.backend_ready and\n"
	       "feature.integrated, write acceptance-test skeletons for\n"
	       "requirement.analyzed.\n\nOptions:\n");
	opts_help(stdout, test_opts);
	printf("\nCommon options:\n");
	opts_help(stdout, agent_common_opts);
	printf("\nSee %s(1) and agentkit(7).\n", PROG);
}

static int count_arg(const char *arg, const char *what, long max, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(arg, &end, 10);
	if (errno || end == arg || *end || *out < 0 || *out > max)
		return ak_error(AK_EXIT_USAGE, "%s wants a count, not '%s'", what, arg);
	return 0;
}

static int parse_options(void *ctx, int key, const char *arg)
{
	struct tester *t = ctx;
	char *end;
	long n;

	switch (key) {
	case OPT_REPORT:
		t->reports[t->nreports++] = arg;
		return 0;
	case OPT_FORMAT:
		if (!results_format_known(arg))
			return ak_error(AK_EXIT_USAGE, "unknown report format '%s'", arg);
		t->format = arg;
		return 0;
	case OPT_FEATURE:
		if (!event_feature_id_ok(arg))
			return ak_error(AK_EXIT_USAGE, "bad feature id '%s'", arg);
		t->feature = arg;
		return 0;
	case OPT_MIN_COVERAGE:
		errno = 0;
		t->min_coverage = strtod(arg, &end);
		if (errno || end == arg || *end || !(t->min_coverage >= 0 && t->min_coverage <= 100))
			return ak_error(AK_EXIT_USAGE, "--min-coverage wants 0 to 100, not '%s'", arg);
		return 0;
	case OPT_MAX_FAILURES:
		return count_arg(arg, "--max-failures", 1L << 40, &t->max_failures);
	case OPT_RUN:
		t->run = arg;
		return 0;
	case OPT_SHELL:
		t->shell = 1;
		return 0;
	case OPT_QUIET:
		t->quiet = 1;
		return 0;
	case OPT_TIMEOUT:
		if (count_arg(arg, "--timeout", 7L * 24 * 3600, &n) < 0)
			return -1;
		t->timeout_ms = n * 1000;
		return 0;
	case OPT_RERUN_FAILED:
		if (count_arg(arg, "--rerun-failed", 100, &n) < 0)
			return -1;
		t->rerun = (int)n;
		return 0;
	}
	return 0;
}

static long count(const json_t *r, const char *key)
{
	return (long)json_integer_value(json_object_get(json_object_get(r, "tests"), key));
}

/* covered/total as a percentage with two decimals, or null. */
static json_t *pct(const json_t *c)
{
	json_int_t covered = json_integer_value(json_object_get(c, "covered"));
	json_int_t total = json_integer_value(json_object_get(c, "total"));

	if (!c || total <= 0)
		return json_null();
	return json_real((double)((covered * 10000 + total / 2) / total) / 100.0);
}

/* The failed and error cases (at most FAILURES_MAX), and the flaky ones. */
static json_t *pick_cases(const json_t *r, int flaky)
{
	json_t *list = json_array(), *c;
	size_t i;

	json_array_foreach(json_object_get(r, "cases"), i, c) {
		const char *st = json_string_value(json_object_get(c, "status"));
		if (flaky ? !json_is_true(json_object_get(c, "flaky"))
			  : strcmp(st, "failed") && strcmp(st, "error"))
			continue;
		if (json_array_size(list) >= FAILURES_MAX)
			break;
		json_array_append_new(list, json_pack("{s:O, s:O, s:O, s:O, s:O}",
			"name", json_object_get(c, "name"), "suite", json_object_get(c, "suite"),
			"message", json_object_get(c, "message"), "file", json_object_get(c, "file"),
			"line", json_object_get(c, "line")));
	}
	return list;
}

static void md_pct(struct buf *b, const char *what, const json_t *v)
{
	if (json_is_number(v))
		buf_addf(b, "- %s: %.2f%%\n", what, json_number_value(v));
	else
		buf_addf(b, "- %s: none\n", what);
}

/* A Markdown list of cases: `name` (file:line): message. */
static void md_cases(struct buf *b, const json_t *list)
{
	const json_t *f;
	size_t i;

	json_array_foreach(list, i, f) {
		const char *file = json_string_value(json_object_get(f, "file"));
		const char *msg = json_string_value(json_object_get(f, "message"));
		json_int_t line = json_integer_value(json_object_get(f, "line"));

		buf_addf(b, "- `%s`", json_string_value(json_object_get(f, "name")));
		if (file && line > 0)
			buf_addf(b, " (%s:%lld)", file, (long long)line);
		else if (file)
			buf_addf(b, " (%s)", file);
		buf_addf(b, "%s%s\n", msg ? ": " : "", msg ? msg : "");
	}
}

/* The Markdown summary of data, fit for a CI job summary. */
static int summary(struct buf *b, const char *feature, const json_t *data)
{
	const json_t *tests = json_object_get(data, "tests");
	const json_t *cov = json_object_get(data, "coverage");

	buf_addf(b, "# Tests of %s: %s\n\n", feature,
		 json_string_value(json_object_get(data, "status")));
	buf_addf(b, "| passed | failed | errors | skipped | flaky | duration |\n"
		 "|---|---|---|---|---|---|\n| %lld | %lld | %lld | %lld | %zu | %lld ms |\n",
		 (long long)json_integer_value(json_object_get(tests, "passed")),
		 (long long)json_integer_value(json_object_get(tests, "failed")),
		 (long long)json_integer_value(json_object_get(tests, "errors")),
		 (long long)json_integer_value(json_object_get(tests, "skipped")),
		 json_array_size(json_object_get(data, "flaky")),
		 (long long)json_integer_value(json_object_get(tests, "duration_ms")));
	buf_addf(b, "\n## Coverage\n\n");
	if (json_is_null(cov)) {
		buf_addf(b, "No coverage report.\n");
	} else {
		md_pct(b, "lines", json_object_get(cov, "lines_pct"));
		md_pct(b, "branches", json_object_get(cov, "branches_pct"));
	}
	if (json_array_size(json_object_get(data, "flaky"))) {
		buf_addf(b, "\n## Flaky\n\nFailed, then passed on a rerun:\n\n");
		md_cases(b, json_object_get(data, "flaky"));
	}
	if (!json_array_size(json_object_get(data, "failures")))
		return buf_addf(b, "\nNo failures.\n");
	buf_addf(b, "\n## Failures\n\n");
	md_cases(b, json_object_get(data, "failures"));
	return b->len ? 0 : -1;
}

/* Write one file of the feature's agent-test folder and list it in arts. */
static int put(struct tester *t, json_t *arts, const char *feature, const char *name,
	       const char *p, size_t len)
{
	struct buf path = BUF_INIT;
	struct artifact art;
	int rc = -1;

	if (buf_addf(&path, "%s/agent-test/%s", feature, name) < 0 ||
	    workspace_write(t->ws, path.p, p, len, &art) < 0)
		goto out;
	rc = json_array_append_new(arts, artifact_to_json(&art)) ? -1 : 0;
	artifact_release(&art);
out:
	buf_release(&path);
	return rc;
}

/* summary.md, junit.xml and the run's log, as data's artifacts. */
static int write_artifacts(struct tester *t, const char *feature, json_t *data,
			   const json_t *r, const struct buf *log)
{
	struct buf md = BUF_INIT, xml = BUF_INIT;
	json_t *arts = json_array();
	int rc = -1;

	if (!arts || summary(&md, feature, data) < 0 ||
	    results_write_junit(r, feature, &xml) < 0 ||
	    put(t, arts, feature, "summary.md", md.p, md.len) < 0 ||
	    put(t, arts, feature, "junit.xml", xml.p, xml.len) < 0 ||
	    (log->len && put(t, arts, feature, "run.log", log->p, log->len) < 0))
		goto out;
	rc = json_object_set(data, "artifacts", arts);
out:
	json_decref(arts);
	buf_release(&md);
	buf_release(&xml);
	return rc;
}

/* The gates: 1 when one says no (told on stderr), else 0. */
static int gates(const struct tester *t, const json_t *r, const json_t *covpct)
{
	long failed = count(r, "failed") + count(r, "errors");
	const json_t *lines = json_object_get(covpct, "lines_pct");
	int no = 0;

	if (failed > t->max_failures) {
		fprintf(stderr, "%s: %ld tests failed, at most %ld allowed\n", PROG, failed,
			t->max_failures);
		no = 1;
	}
	if (t->min_coverage >= 0) {
		if (!json_is_number(lines)) {
			fprintf(stderr, "%s: no line coverage to hold to --min-coverage\n", PROG);
			no = 1;
		} else if (json_number_value(lines) < t->min_coverage) {
			fprintf(stderr, "%s: line coverage %.2f%% is below %g%%\n", PROG,
				json_number_value(lines), t->min_coverage);
			no = 1;
		}
	}
	return no;
}

/* Emit feature.tested for the models r and cov (both taken over). */
static int emit_tested(struct tester *t, const char *feature, json_t *r, json_t *cov,
		       const struct buf *log, const json_t *cause)
{
	int seen_cov = json_array_size(json_object_get(cov, "files")) ||
		       json_integer_value(json_object_get(json_object_get(cov, "lines"), "total"));
	json_t *covpct, *data = NULL;
	int no, rc = -1;

	coverage_finish(cov);
	covpct = seen_cov ? json_pack("{s:o, s:o}", "lines_pct", pct(json_object_get(cov, "lines")),
				      "branches_pct", pct(json_object_get(cov, "branches")))
			  : json_null();
	no = gates(t, r, covpct);
	data = json_pack("{s:s, s:{s:I, s:I, s:I, s:I, s:I}, s:O, s:o, s:o}",
			 "status", no ? "fail" : "pass",
			 "tests", "passed", (json_int_t)count(r, "passed"),
			 "failed", (json_int_t)count(r, "failed"),
			 "skipped", (json_int_t)count(r, "skipped"),
			 "errors", (json_int_t)count(r, "errors"),
			 "duration_ms", (json_int_t)count(r, "duration_ms"),
			 "coverage", covpct, "failures", pick_cases(r, 0),
			 "flaky", pick_cases(r, 1));
	if (data && json_object_get(r, "notes"))
		json_object_set(data, "notes", json_object_get(r, "notes"));
	if (!data || write_artifacts(t, feature, data, r, log) < 0)
		goto out;
	rc = filter_verdict(t->f, "feature.tested", feature, data, cause, no);
	data = NULL;
out:
	if (results_streaming(r))
		results_stream(NULL, NULL);
	json_decref(data);
	json_decref(covpct);
	json_decref(r);
	json_decref(cov);
	return rc;
}

/* The --report files as a JSON array of paths. */
static json_t *report_list(const struct tester *t)
{
	json_t *list = json_array();

	for (int i = 0; list && i < t->nreports; i++)
		if (json_array_append_new(list, json_string(t->reports[i]))) {
			json_decref(list);
			return NULL;
		}
	return list;
}

/*
 * --run CMD, whose results are the --report files it writes (else its TAP,
 * else its exit status), or --report FILE... alone; no events.
 */
static int standalone(struct tester *t)
{
	json_t *r = results_new(), *cov = coverage_new(), *argv = NULL, *reports = NULL;
	struct junit_stream *js = NULL;
	struct buf log = BUF_INIT;
	int rc = -1;

	if (!r || !cov)
		goto fail;
	/* the merged JUnit file is written as the cases come, unless reruns
	   may still turn a failure into a flaky pass */
	if (!t->rerun) {
		if (!(js = junit_stream_new(t->feature)))
			goto fail;
		results_stream(r, js);
	}
	if (t->run) {
		struct testrun tr = TESTRUN_INIT;

		argv = t->shell ? json_pack("[s, s, s]", "/bin/sh", "-c", t->run)
				: shwords_split(t->run);
		if (!argv || !(reports = report_list(t)))
			goto fail;
		tr.argv = argv;
		tr.reports = reports;
		tr.label = t->run;
		tr.format = t->format;
		tr.timeout_ms = t->timeout_ms;
		tr.rerun_failed = t->rerun;
		tr.echo = !t->quiet;
		if (testrun_run(&tr, r, cov, &log) < 0)
			goto fail;
	} else {
		for (int i = 0; i < t->nreports; i++)
			if (results_read_file(r, cov, t->reports[i], t->format) < 0)
				goto fail;
	}
	rc = emit_tested(t, t->feature, r, cov, &log, NULL);
	r = cov = NULL;
	if (!rc)
		rc = filter_commit(t->f);
fail:
	results_stream(NULL, NULL);
	junit_stream_free(js);
	json_decref(r);
	json_decref(cov);
	json_decref(argv);
	json_decref(reports);
	buf_release(&log);
	return rc;
}

/* A command {argv, cwd, reports, setup} of an event, its cwd in the workspace. */
static int spec_from(struct tester *t, const json_t *cmd, const char *label,
		     struct testrun *tr, struct buf *cwd)
{
	const char *dir = json_string_value(json_object_get(cmd, "cwd"));

	if (!json_is_array(json_object_get(cmd, "argv")) ||
	    !json_array_size(json_object_get(cmd, "argv")))
		return ak_error(AK_EXIT_DATAERR, "%s: the test command has no argv", label);
	if (dir && workspace_check_path(dir) < 0)
		return -1;
	buf_reset(cwd);
	if (buf_addf(cwd, "%s%s%s", workspace_root(t->ws), dir ? "/" : "", dir ? dir : "") < 0)
		return -1;
	tr->argv = json_object_get(cmd, "argv");
	tr->cwd = cwd->p;
	tr->reports = json_object_get(cmd, "reports");
	tr->setup = json_object_get(json_object_get(cmd, "setup"), "argv");
	tr->label = label;
	tr->timeout_ms = t->timeout_ms;
	tr->rerun_failed = t->rerun;
	tr->echo = !t->quiet;
	return 0;
}

/* The string member key of o, or "?". */
static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "?";
}

/* The contract cases of feature.integrated as cases of the suite "contract". */
static int fold_contract(json_t *r, const json_t *data)
{
	const json_t *c;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(data, "e2e"), "cases"), i, c) {
		char name[512];
		const char *skipped = json_string_value(json_object_get(c, "skipped"));

		snprintf(name, sizeof(name), "%s %s: %s", str(c, "method"), str(c, "path"),
			 str(c, "what"));
		if (results_add_case(r, name, "contract",
				     skipped ? "skipped" : json_is_true(json_object_get(c, "ok")) ?
				     "passed" : "failed",
				     skipped ? skipped : json_string_value(json_object_get(c, "problem")),
				     NULL, NULL, 0, json_integer_value(json_object_get(c, "duration_ms"))) < 0)
			return -1;
	}
	return 0;
}

/* Run the test commands of an event (and fold in its contract cases). */
static int test_event(struct tester *t, const json_t *ev, const json_t *cmds)
{
	const char *subject = event_attr(ev, "subject");
	json_t *r = results_new(), *cov = coverage_new(), *cmd;
	struct buf log = BUF_INIT, cwd = BUF_INIT;
	size_t i;
	int rc = -1;

	if (!r || !cov)
		goto out;
	json_array_foreach(cmds, i, cmd) {
		struct testrun tr = TESTRUN_INIT;
		const char *label = json_string_value(json_object_get(cmd, "label"));

		if (spec_from(t, cmd, label ? label : "tests", &tr, &cwd) < 0 ||
		    testrun_run(&tr, r, cov, &log) < 0)
			goto out;
	}
	if (fold_contract(r, json_object_get(ev, "data")) < 0)
		goto out;
	rc = emit_tested(t, subject, r, cov, &log, ev);
	r = cov = NULL;
out:
	json_decref(r);
	json_decref(cov);
	buf_release(&log);
	buf_release(&cwd);
	return rc;
}

/* The backend's test command, labelled, as a list of one. */
static json_t *backend_tests(const json_t *ev)
{
	json_t *test = json_object_get(json_object_get(ev, "data"), "test"), *c;

	if (!test)
		return json_array();
	c = json_deep_copy(test);
	json_object_set_new(c, "label", json_string("backend"));
	return json_pack("[o]", c);
}

/* The acceptance criteria of a skeleton view. */
static json_int_t criteria(const json_t *view)
{
	const json_t *s;
	json_int_t n = 0;
	size_t i;

	json_array_foreach(json_object_get(view, "stories"), i, s)
		n += (json_int_t)json_array_size(json_object_get(s, "criteria"));
	return n;
}

/* Acceptance-test skeletons (pytest and Vitest) for the analysed stories. */
static int skeletons(struct tester *t, const json_t *ev)
{
	static const char *const stacks[] = { "pytest-acceptance", "vitest-acceptance" };
	static const char *const keys[] = { "artifacts", "kept", "ignored" };
	const char *subject = event_attr(ev, "subject");
	struct genagent_opts go = GENAGENT_OPTS_INIT;
	json_t *view = skeleton_view(json_object_get(ev, "data"), subject), *data, *out;
	struct buf dir = BUF_INIT;
	int rc = -1;

	data = view ? json_pack("{s:I, s:I, s:[s, s], s:[], s:[], s:[]}",
				"stories", (json_int_t)json_array_size(
					json_object_get(view, "stories")),
				"criteria", criteria(view),
				"frameworks", "pytest", "vitest", keys[0], keys[1], keys[2]) : NULL;
	for (size_t i = 0; data && i < 2; i++) {
		json_t *result = NULL, *info = NULL;

		buf_reset(&dir);
		if (buf_addf(&dir, "%s/agent-test/%s", subject, stacks[i]) < 0 ||
		    genagent_render(t->ws, dir.p, stacks[i], &go, view, NULL, &result, &info) < 0)
			goto out;
		for (size_t k = 0; k < 3; k++)
			json_array_extend(json_object_get(data, keys[k]),
					  json_object_get(result, keys[k]));
		json_decref(result);
		json_decref(info);
	}
	out = data ? filter_event(t->f, "feature.tests_planned", subject, data, ev) : NULL;
	data = NULL;
	rc = out ? filter_emit(t->f, out) : -1;
out:
	json_decref(view);
	json_decref(data);
	buf_release(&dir);
	return rc;
}

static int handle(struct filter *f, const json_t *ev, void *ctx)
{
	struct tester *t = ctx;
	const char *type = event_attr(ev, "type"), *subject = event_attr(ev, "subject");
	json_t *cmds;
	int rc;

	if (!subject)
		return ak_error(AK_EXIT_DATAERR, "%s has no subject", type);
	if (!strcmp(type, "requirement.analyzed"))
		return skeletons(t, ev);
	if (!strcmp(type, "feature.backend_ready"))   /* run when integrated, or at the end */
		return json_object_set(t->held, subject, (json_t *)ev) ? -1 : 0;
	cmds = json_incref(json_object_get(json_object_get(ev, "data"), "tests"));
	if (!cmds && json_object_get(t->held, subject))
		cmds = backend_tests(json_object_get(t->held, subject));
	rc = test_event(t, ev, cmds ? cmds : json_array());
	json_decref(cmds);
	json_object_del(t->held, subject);
	return rc;
}

/*
 * The backends that no feature.integrated followed, tested at the end and
 * answered like any input. 0, or -1 with ak_error when output fails.
 */
static int run_held(struct tester *t)
{
	const char *subject;
	json_t *ev;
	void *tmp;
	int rc = 0;

	json_object_foreach_safe(t->held, tmp, subject, ev) {
		json_t *cmds = backend_tests(ev);

		if (!rc)
			rc = filter_answer(t->f, ev, "end of input", 0, test_event(t, ev, cmds));
		json_decref(cmds);
		json_object_del(t->held, subject);
	}
	return rc;
}

static int events(struct tester *t, int argc, char **argv)
{
	int status = agent_filter_inputs(t->a, t->f, argc, argv);

	if (run_held(t) < 0)
		return agent_die(PROG);
	return status > filter_status(t->f) ? status : filter_status(t->f);
}

int main(int argc, char **argv)
{
	struct tester t = { NULL, 0, NULL, "tests", NULL, 0, 0, 3600 * 1000L, 0, -1, 0,
			    NULL, NULL, NULL, NULL };
	struct filter_def def = { .consumes = consumes, .handle = handle, .ctx = &t };
	struct agent a;
	int first, status;

	if (agent_init(&a, PROG) < 0)
		return agent_die(PROG);
	t.a = &a;
	if (!(t.reports = calloc((size_t)argc + 1, sizeof(*t.reports))) ||
	    !(t.held = json_object())) {
		free(t.reports);
		ak_error(AK_EXIT_SOFTWARE, "out of memory");
		return agent_finish(&a, agent_die(PROG));
	}
	status = agent_command_line(&a, test_opts, argc, argv, parse_options, &t, usage, &first);
	if (status >= 0)
		goto done;
	if ((t.run || t.nreports) && first < argc)
		status = agent_usage_error(PROG, "--run and --report take no input files");
	else if (t.shell && !t.run)
		status = agent_usage_error(PROG, "--shell goes with --run");
	else if (agent_start(&a, "agentkit/agent-test", environ) < 0 ||
		 !(t.ws = workspace_open(config_get(a.cfg, "workspace"))) ||
		 !(t.f = filter_new(&def, &a.fopts, &a.ec, &a.out)))
		status = agent_die(PROG);
	else if (t.run || t.nreports)
		status = standalone(&t) < 0 ? agent_die(PROG) : filter_status(t.f);
	else
		status = events(&t, argc - first, argv + first);
done:
	filter_free(t.f);
	workspace_free(t.ws);
	json_decref(t.held);
	free(t.reports);
	return agent_finish(&a, status);
}
