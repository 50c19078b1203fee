/*
 * testrun.c - run a test command and read its results.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "error.h"
#include "proc.h"
#include "results/coverage.h"
#include "results/report.h"
#include "results/results.h"
#include "results/testrun.h"
#include "banned.h"

#define RUN_OUTPUT_MAX (64u << 20)

/* argv as a NULL-terminated vector of borrowed strings, plus extra. */
static const char **vector(const json_t *argv, const char *extra)
{
	size_t n = json_array_size(argv), i;
	const char **v = calloc(n + 2, sizeof(*v));

	if (!v)
		return NULL;
	for (i = 0; i < n; i++)
		if (!(v[i] = json_string_value(json_array_get(argv, i)))) {
			free(v);
			return NULL;
		}
	v[n] = extra;
	return v;
}

/* "cwd/path", or path when it is absolute or there is no cwd. */
static int report_path(const struct testrun *t, const char *path, struct buf *out)
{
	buf_reset(out);
	if (path[0] == '/' || !t->cwd)
		return buf_addf(out, "%s", path);
	return buf_addf(out, "%s/%s", t->cwd, path);
}

/* Whether the command is pytest, which reruns only its last failures with --lf. */
static int is_pytest(const json_t *argv)
{
	const json_t *w;
	size_t i;

	json_array_foreach(argv, i, w) {
		const char *s = json_string_value(w), *base = s ? strrchr(s, '/') : NULL;

		base = base ? base + 1 : s;
		if (base && (!strcmp(base, "pytest") || !strncmp(base, "pytest-", 7)))
			return 1;
	}
	return 0;
}

static int run_argv(const struct testrun *t, const json_t *argv, const char *extra,
		    struct proc_result *res, struct buf *log)
{
	struct proc_opts o = PROC_OPTS_INIT;
	const char **v = vector(argv, extra);
	char how[160];
	int rc;

	if (!v || !v[0]) {
		free(v);
		return ak_error(AK_EXIT_DATAERR, "%s: the command is not a list of strings",
				t->label);
	}
	o.argv = v;
	o.cwd = t->cwd;
	o.timeout_ms = t->timeout_ms;
	o.max_output = RUN_OUTPUT_MAX;
	o.echo = t->echo;
	buf_addf(log, "$");
	for (size_t i = 0; v[i]; i++)
		buf_addf(log, " %s", v[i]);
	buf_addf(log, "\n");
	rc = proc_run(&o, res);
	free(v);
	if (rc < 0)
		return -1;
	buf_add(log, res->out, res->out_len);
	buf_add(log, res->err, res->err_len);
	buf_addf(log, "# %s in %ld ms\n", proc_describe(res, how, sizeof(how)),
		 res->duration_ms);
	return 0;
}

/* Read every report the run should have written; a missing one is an error case. */
static int read_reports(const struct testrun *t, json_t *r, json_t *cov, struct buf *log)
{
	struct buf path = BUF_INIT;
	const json_t *p;
	struct stat st;
	size_t i;
	int rc = 0;

	json_array_foreach(t->reports, i, p) {
		const char *rel = json_string_value(p);
		if (!rel || report_path(t, rel, &path) < 0)
			continue;
		if (stat(path.p, &st) < 0) {
			char msg[300];
			snprintf(msg, sizeof(msg), "the run did not write %s", rel);
			rc = results_add_case(r, rel, t->label, "error", msg, NULL, NULL, 0, -1);
		} else if (results_read_file(r, cov, path.p, t->format) < 0) {
			buf_addf(log, "# %s\n", ak_errmsg());
			rc = results_add_case(r, rel, t->label, "error", ak_errmsg(), NULL,
					      NULL, 0, -1);
		}
		if (rc < 0)
			break;
	}
	buf_release(&path);
	return rc;
}

/* What one run says: its reports, else its TAP, else its exit status. */
static int read_run(const struct testrun *t, const struct proc_result *res, json_t *r,
		    json_t *cov, struct buf *log)
{
	long before = results_count(r);
	json_t *dur = json_object_get(json_object_get(r, "tests"), "duration_ms");
	json_int_t ms = json_integer_value(dur);
	int failures = results_failures(r), clean = res->exited && res->exit_code == 0;
	char how[160];

	if (read_reports(t, r, cov, log) < 0)
		return -1;
	/* TAP has no times: then the run's own time is the tests' */
	if (json_integer_value(dur) == ms)
		json_integer_set(dur, ms + res->duration_ms);
	if (results_count(r) == before &&
	    !strcmp(results_detect(res->out, res->out_len, NULL), "tap") &&
	    results_read_tap(r, res->out, res->out_len, t->label) < 0)
		buf_addf(log, "# %s\n", ak_errmsg());
	proc_describe(res, how, sizeof(how));
	if (results_count(r) == before)
		return results_add_case(r, t->label, t->label, clean ? "passed" : "failed",
					clean ? NULL : how, NULL, NULL, 0, res->duration_ms);
	if (res->timed_out || (!clean && results_failures(r) == failures))
		return results_add_case(r, "exit status", t->label, "error", how, NULL, NULL,
					0, -1);
	return 0;
}

int testrun_run(const struct testrun *t, json_t *r, json_t *cov, struct buf *log)
{
	struct proc_result res = PROC_RESULT_INIT;
	int pytest = is_pytest(t->argv);

	if (t->setup) {
		if (run_argv(t, t->setup, NULL, &res, log) < 0)
			return -1;
		if (!res.exited || res.exit_code) {
			char how[160];
			int rc = results_add_case(r, "setup", t->label, "error",
						  proc_describe(&res, how, sizeof(how)),
						  NULL, NULL, 0, -1);
			proc_result_release(&res);
			return rc;
		}
		proc_result_release(&res);
	}
	if (run_argv(t, t->argv, NULL, &res, log) < 0)
		return -1;
	if (read_run(t, &res, r, cov, log) < 0) {
		proc_result_release(&res);
		return -1;
	}
	proc_result_release(&res);
	for (int i = 0; i < t->rerun_failed && results_failures(r) > 0; i++) {
		json_t *again = results_new(), *cov2 = coverage_new();
		int rc;

		buf_addf(log, "# rerun %d of the failures\n", i + 1);
		rc = again && cov2 ? run_argv(t, t->argv, pytest ? "--lf" : NULL, &res, log) : -1;
		if (!rc)
			rc = read_run(t, &res, again, cov2, log);
		if (!rc)
			rc = results_mark_flaky(r, again) < 0 ? -1 : 0;
		proc_result_release(&res);
		json_decref(again);
		json_decref(cov2);
		if (rc < 0)
			return -1;
	}
	return 0;
}
