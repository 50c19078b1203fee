/*
 * agent-test - the tester: reads the test and coverage reports of a run
 * (TAP, JUnit XML, lcov, gcov JSON, coverage.py JSON, Cobertura), merges
 * them, and writes one feature.tested event with the counts, the coverage,
 * the failures and a Markdown summary in the workspace. The gates
 * (--max-failures, --min-coverage) decide the exit status.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "buf.h"
#include "error.h"
#include "results/coverage.h"
#include "results/report.h"
#include "results/results.h"
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
};

static const struct opt test_opts[] = {
	{ "report", OPT_REPORT, "FILE", "a test or coverage report to read (repeatable)" },
	{ "format", OPT_FORMAT, "F", "tap, junit, lcov, gcov-json, coveragepy-json or cobertura" },
	{ "feature", OPT_FEATURE, "ID", "the feature tested: the event's subject (default tests)" },
	{ "min-coverage", OPT_MIN_COVERAGE, "PCT", "fail when line coverage is below PCT" },
	{ "max-failures", OPT_MAX_FAILURES, "N", "fail when more than N tests fail (default 0)" },
	OPT_END
};

struct tester {
	const char **reports;
	int nreports;
	const char *format;
	const char *feature;
	double min_coverage;       /* < 0: no gate */
	long max_failures;
};

static void usage(void)
{
	printf("Usage: %s --report FILE... [OPTION]... [FILE]...\n", PROG);
	printf("Read test and coverage reports (FILE operands are reports too), merge them\n"
	       "and write one feature.tested event. Exit 1 when a gate says no.\n\nOptions:\n");
	opts_help(stdout, test_opts);
	printf("\nCommon options:\n");
	opts_help(stdout, agent_common_opts);
	printf("\nSee %s(1) and agentkit(7).\n", PROG);
}

static int feature_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > FEATURE_ID_MAX || *s == '.' || *s == '-')
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("-_.", *s)))
			return 0;
	return 1;
}

static int parse_options(struct tester *t, int key, const char *arg)
{
	char *end;

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
		if (!feature_ok(arg))
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
		errno = 0;
		t->max_failures = strtol(arg, &end, 10);
		if (errno || end == arg || *end || t->max_failures < 0)
			return ak_error(AK_EXIT_USAGE, "--max-failures wants a count, not '%s'", arg);
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

static json_t *failures(const json_t *r)
{
	json_t *list = json_array(), *c;
	size_t i;

	json_array_foreach(json_object_get(r, "cases"), i, c) {
		const char *st = json_string_value(json_object_get(c, "status"));
		if (strcmp(st, "failed") && strcmp(st, "error"))
			continue;
		if (json_array_size(list) >= FAILURES_MAX)
			break;
		json_array_append_new(list, json_pack("{s:O, s:O, s:O, s:O}",
			"name", json_object_get(c, "name"), "message", json_object_get(c, "message"),
			"file", json_object_get(c, "file"), "line", json_object_get(c, "line")));
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

/* The Markdown summary of data. */
static int summary(struct buf *b, const char *feature, const json_t *data)
{
	const json_t *tests = json_object_get(data, "tests");
	const json_t *cov = json_object_get(data, "coverage"), *f;
	size_t i;

	buf_addf(b, "# Tests of %s: %s\n\n", feature,
		 json_string_value(json_object_get(data, "status")));
	buf_addf(b, "| passed | failed | errors | skipped | duration |\n"
		 "|---|---|---|---|---|\n| %lld | %lld | %lld | %lld | %lld ms |\n",
		 (long long)json_integer_value(json_object_get(tests, "passed")),
		 (long long)json_integer_value(json_object_get(tests, "failed")),
		 (long long)json_integer_value(json_object_get(tests, "errors")),
		 (long long)json_integer_value(json_object_get(tests, "skipped")),
		 (long long)json_integer_value(json_object_get(tests, "duration_ms")));
	buf_addf(b, "\n## Coverage\n\n");
	if (json_is_null(cov)) {
		buf_addf(b, "No coverage report.\n");
	} else {
		md_pct(b, "lines", json_object_get(cov, "lines_pct"));
		md_pct(b, "branches", json_object_get(cov, "branches_pct"));
	}
	if (!json_array_size(json_object_get(data, "failures")))
		return buf_addf(b, "\nNo failures.\n");
	buf_addf(b, "\n## Failures\n\n");
	json_array_foreach(json_object_get(data, "failures"), i, f) {
		const char *file = json_string_value(json_object_get(f, "file"));
		const char *msg = json_string_value(json_object_get(f, "message"));
		buf_addf(b, "- `%s`", json_string_value(json_object_get(f, "name")));
		if (file && json_integer_value(json_object_get(f, "line")) > 0)
			buf_addf(b, " (%s:%lld)", file,
				 (long long)json_integer_value(json_object_get(f, "line")));
		else if (file)
			buf_addf(b, " (%s)", file);
		buf_addf(b, "%s%s\n", msg ? ": " : "", msg ? msg : "");
	}
	return b->len ? 0 : -1;
}

/* Write the summary and add it as data's artifacts. 0, or -1 with ak_error. */
static int write_summary(struct agent *a, const char *feature, json_t *data)
{
	struct workspace *ws = workspace_open(config_get(a->cfg, "workspace"));
	struct buf md = BUF_INIT, path = BUF_INIT;
	struct artifact art;
	int rc = -1;

	if (!ws)
		return -1;
	if (summary(&md, feature, data) < 0 ||
	    buf_addf(&path, "%s/agent-test/summary.md", feature) < 0 ||
	    workspace_write(ws, path.p, md.p, md.len, &art) < 0)
		goto out;
	rc = json_object_set_new(data, "artifacts", json_pack("[o]", artifact_to_json(&art)));
	artifact_release(&art);
out:
	buf_release(&md);
	buf_release(&path);
	workspace_free(ws);
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

static int run(struct agent *a, struct tester *t)
{
	json_t *r = results_new(), *cov = coverage_new(), *covpct = NULL, *data = NULL, *ev;
	int status = 0, seen_cov = 0;
	char *line;
	size_t len;

	if (!r || !cov)
		goto fail;
	for (int i = 0; i < t->nreports; i++) {
		size_t files = json_array_size(json_object_get(cov, "files"));
		if (results_read_file(r, cov, t->reports[i], t->format) < 0)
			goto fail;
		if (json_array_size(json_object_get(cov, "files")) != files ||
		    json_integer_value(json_object_get(json_object_get(cov, "lines"), "total")))
			seen_cov = 1;
	}
	coverage_finish(cov);
	covpct = seen_cov ? json_pack("{s:o, s:o}", "lines_pct", pct(json_object_get(cov, "lines")),
				      "branches_pct", pct(json_object_get(cov, "branches")))
			  : json_null();
	status = gates(t, r, covpct);
	data = json_pack("{s:s, s:{s:I, s:I, s:I, s:I, s:I}, s:O, s:o}",
			 "status", status ? "fail" : "pass",
			 "tests", "passed", (json_int_t)count(r, "passed"),
			 "failed", (json_int_t)count(r, "failed"),
			 "skipped", (json_int_t)count(r, "skipped"),
			 "errors", (json_int_t)count(r, "errors"),
			 "duration_ms", (json_int_t)count(r, "duration_ms"),
			 "coverage", covpct, "failures", failures(r));
	if (!data || write_summary(a, t->feature, data) < 0)
		goto fail;
	ev = event_new(&a->ec, "feature.tested", t->feature, data, NULL);
	data = NULL;
	if (!ev || !(line = event_dump(ev, &len))) {
		json_decref(ev);
		goto fail;
	}
	out_line(&a->out, line, len);
	free(line);
	json_decref(ev);
	json_decref(r);
	json_decref(cov);
	json_decref(covpct);
	return status;
fail:
	json_decref(r);
	json_decref(cov);
	json_decref(covpct);
	json_decref(data);
	return agent_die(PROG);
}

int main(int argc, char **argv)
{
	struct tester t = { NULL, 0, NULL, "tests", -1, 0 };
	struct agent a;
	struct opts o;
	const char *arg;
	int k, status;

	if (agent_init(&a, PROG) < 0)
		return agent_die(PROG);
	if (!(t.reports = calloc((size_t)argc + 1, sizeof(*t.reports)))) {
		ak_error(AK_EXIT_SOFTWARE, "out of memory");
		return agent_finish(&a, agent_die(PROG));
	}
	opts_begin(&o, PROG, agent_common_opts, test_opts, argc, argv, 0);
	while ((k = opts_next(&o, &arg)) != -1) {
		int r;
		if (k == '?')
			status = agent_usage_error(PROG, opts_error(&o));
		else if ((r = agent_option(&a, k, arg)) < 0 ||
			 (!r && parse_options(&t, k, arg) < 0))
			status = agent_usage_error(PROG, ak_errmsg());
		else
			continue;
		free(t.reports);
		return agent_finish(&a, status);
	}
	for (k = opts_index(&o); k < argc; k++)
		t.reports[t.nreports++] = argv[k];
	if (a.help)
		usage();
	else if (a.version)
		agent_print_version(PROG);
	else if (a.list_options) {
		opts_list(stdout, "", agent_common_opts);
		opts_list(stdout, "", test_opts);
	}
	if (a.help || a.version || a.list_options) {
		free(t.reports);
		return agent_finish(&a, 0);
	}
	if (!t.nreports)
		status = agent_usage_error(PROG, "no report: give --report FILE");
	else if (agent_start(&a, "agentkit/agent-test", environ) < 0)
		status = agent_die(PROG);
	else
		status = run(&a, &t);
	free(t.reports);
	return agent_finish(&a, status);
}
