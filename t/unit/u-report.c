/*
 * u-report.c - unit tests for lib/results/report.c: telling a report's
 * format from its content and reading files of every format into one
 * result model and one coverage object.
 *
 * What results_read_file reads is compared with what the format's own
 * reader makes of the same fixture, so detection and dispatch are checked
 * against the readers rather than against copied numbers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "results/coverage.h"
#include "results/report.h"
#include "results/results.h"
#include "tap.h"
#include "banned.h"

#define DATA "t/data/results/"
#define COV DATA "coverage/"

static char tmpdir[] = "/tmp/u-report.XXXXXX";

static const char *write_file(const char *name, const char *text)
{
	static char p[4][512];
	static int next;
	char *s = p[next++ % 4];
	FILE *f;

	snprintf(s, sizeof(p[0]), "%s/%s", tmpdir, name);
	f = fopen(s, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		printf("Bail out! cannot write '%s': %s\n", s, strerror(errno));
		exit(1);
	}
	return s;
}

static char *dump(const json_t *j)
{
	return json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
}

static void is_json(const json_t *got, const json_t *want, const char *what)
{
	char *g = dump(got), *w = dump(want);

	is_str(g, w, "%s", what);
	free(g);
	free(w);
}

static void slurp(struct buf *b, const char *path)
{
	buf_init(b, 0);
	if (buf_read_file(b, path) < 0) {
		printf("Bail out! %s\n", ak_errmsg());
		exit(1);
	}
}

static void test_detect(void)
{
	static const struct {
		const char *head, *name, *want;
	} t[] = {
		{ "1..2\nok 1 - a\nnot ok 2 - b\n", "x.tap", "tap" },
		{ "TAP version 13\n1..0\n", NULL, "tap" },
		{ "\xef\xbb\xbf<?xml version=\"1.0\"?>\n<testsuites>", "r.xml", "junit" },
		{ "  <testsuite name=\"a\" tests=\"1\">", NULL, "junit" },
		{ "<?xml version=\"1.0\" ?>\n<!-- c -->\n<coverage line-rate=\"1\">", NULL,
		  "cobertura" },
		{ "<?xml version=\"1.0\"?><other/>", NULL, "junit" },
		{ "TN:\nSF:src/a.c\nDA:1,1\n", NULL, "lcov" },
		{ "SF:a.py\n", NULL, "lcov" },
		{ "{\"format_version\": \"1\", \"gcc_version\": \"12.2.0\"", NULL, "gcov-json" },
		{ "{\"meta\": {\"version\": \"6.5.0\"}, \"files\": {}", NULL, "coveragepy-json" },
		{ "{\"a\": 1}", "x.json", "tap" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		is_str(results_detect(t[i].head, strlen(t[i].head), t[i].name), t[i].want,
		       "detect %zu: %s", i, t[i].want);
	ok(results_format_known("coveragepy-json") && results_format_known("tap") &&
	   !results_format_known("xml") && !results_format_known(""), "known formats");
}

/* A test report read by results_read_file matches its own reader's model. */
static void same_results(const char *path, const char *format)
{
	json_t *r = results_new(), *want = results_new(), *cov = coverage_new();
	struct buf b;
	int rc;

	is_int(results_read_file(r, cov, path, NULL), 0, "%s: read, detected", path);
	if (!strcmp(format, "junit")) {
		rc = results_read_junit(want, path);
	} else {
		slurp(&b, path);
		rc = results_read_tap(want, b.p, b.len, path);
		buf_release(&b);
	}
	is_int(rc, 0, "%s: own reader", path);
	is_json(r, want, path);
	is_int((long long)json_array_size(json_object_get(cov, "files")), 0,
	       "%s: no coverage from a test report", path);
	json_decref(r);
	json_decref(want);
	json_decref(cov);
}

static int read_cov(json_t *cov, const char *path, const char *format)
{
	struct buf b;
	int rc;

	if (!strcmp(format, "cobertura"))
		return coverage_read_cobertura(cov, path);
	slurp(&b, path);
	if (!strcmp(format, "lcov"))
		rc = coverage_read_lcov(cov, b.p, b.len, path);
	else if (!strcmp(format, "gcov-json"))
		rc = coverage_read_gcov_json(cov, b.p, b.len, path);
	else
		rc = coverage_read_coveragepy_json(cov, b.p, b.len, path);
	buf_release(&b);
	return rc;
}

static void same_coverage(const char *path, const char *format)
{
	json_t *r = results_new(), *cov = coverage_new(), *want = coverage_new();

	is_int(results_read_file(r, cov, path, NULL), 0, "%s: read, detected", path);
	is_int(read_cov(want, path, format), 0, "%s: own reader", path);
	coverage_finish(cov);
	coverage_finish(want);
	is_json(cov, want, path);
	is_int((long long)json_array_size(json_object_get(r, "cases")), 0,
	       "%s: no cases from a coverage report", path);
	json_decref(r);
	json_decref(cov);
	json_decref(want);
}

static void test_fixtures(void)
{
	json_t *r = results_new(), *cov = coverage_new();
	char *got;

	same_results(DATA "pytest.xml", "junit");
	same_results(DATA "surefire.xml", "junit");
	same_results(DATA "bats.tap", "tap");
	same_results(DATA "node.tap", "tap");
	same_coverage(COV "tiny-a.info", "lcov");
	same_coverage(COV "tiny-a.gcov.json", "gcov-json");
	same_coverage(COV "coveragepy.json", "coveragepy-json");
	same_coverage(COV "cobertura.xml", "cobertura");

	is_int(results_read_file(r, cov, DATA "pytest.xml", NULL), 0, "pytest.xml");
	got = dump(json_object_get(r, "tests"));
	is_str(got, "{\"duration_ms\":3,\"errors\":1,\"failed\":1,\"passed\":1,\"skipped\":1}",
	       "pytest.xml: counts");
	free(got);
	is_int(results_read_file(r, cov, COV "coveragepy.json", "coveragepy-json"), 0,
	       "coveragepy.json, format given");
	got = dump(json_object_get(cov, "lines"));
	is_str(got, "{\"covered\":5,\"total\":8}", "coveragepy.json: lines");
	free(got);
	json_decref(r);
	json_decref(cov);
}

static void test_merge(void)
{
	json_t *r = results_new(), *cov = coverage_new(), *a = results_new(), *b = results_new();
	json_t *want = coverage_new();
	const char *k[] = { "passed", "failed", "errors", "skipped", "duration_ms" };

	is_int(results_read_file(r, cov, DATA "pytest.xml", NULL), 0, "merge: pytest.xml");
	is_int(results_read_file(r, cov, DATA "bats.tap", NULL), 0, "merge: bats.tap");
	is_int(results_read_file(r, cov, COV "tiny-a.info", NULL), 0, "merge: tiny-a.info");
	is_int(results_read_file(r, cov, COV "tiny-b.info", NULL), 0, "merge: tiny-b.info");
	results_read_file(a, NULL, DATA "pytest.xml", "junit");
	results_read_file(b, NULL, DATA "bats.tap", "tap");
	for (int i = 0; i < 5; i++)
		is_int(json_integer_value(json_object_get(json_object_get(r, "tests"), k[i])),
		       json_integer_value(json_object_get(json_object_get(a, "tests"), k[i])) +
		       json_integer_value(json_object_get(json_object_get(b, "tests"), k[i])),
		       "merge: %s is the sum", k[i]);
	is_int((long long)json_array_size(json_object_get(r, "cases")),
	       (long long)(json_array_size(json_object_get(a, "cases")) +
			   json_array_size(json_object_get(b, "cases"))), "merge: all cases");
	read_cov(want, COV "tiny-a.info", "lcov");
	read_cov(want, COV "tiny-b.info", "lcov");
	coverage_finish(want);
	coverage_finish(cov);
	is_json(cov, want, "merge: coverage of both runs");
	json_decref(r);
	json_decref(cov);
	json_decref(a);
	json_decref(b);
	json_decref(want);
}

static void fails(const char *path, const char *format, int code, const char *msg,
		  const char *what)
{
	json_t *r = results_new(), *cov = coverage_new();

	ak_error(AK_EXIT_OK, "-");
	is_int(results_read_file(r, cov, path, format), -1, "%s: fails", what);
	is_int(ak_errcode(), code, "%s: exit class", what);
	ok(strstr(ak_errmsg(), msg) != NULL, "%s: says '%s' (%s)", what, msg, ak_errmsg());
	json_decref(r);
	json_decref(cov);
}

static void test_errors(void)
{
	const char *trunc = write_file("trunc.xml", "<?xml version=\"1.0\"?>\n<testsuites>\n"
				       "<testsuite name=\"a\"><testcase name=\"x\" ");
	const char *empty = write_file("empty.txt", "");
	const char *junk = write_file("junk.txt", "hello\nworld\n");

	fails(trunc, NULL, AK_EXIT_DATAERR, "trunc.xml", "truncated XML");
	fails(empty, NULL, AK_EXIT_DATAERR, "empty report", "empty file");
	fails(junk, NULL, AK_EXIT_DATAERR, "not TAP", "not a report");
	fails(DATA "pytest.xml", "tap", AK_EXIT_DATAERR, "not TAP", "XML read as TAP");
	fails(DATA "bats.tap", "junit", AK_EXIT_DATAERR, "bats.tap", "TAP read as JUnit");
	fails(COV "bomb.xml", NULL, AK_EXIT_DATAERR, "bomb.xml", "entity bomb");
	fails(DATA "pytest.xml", "xml", AK_EXIT_USAGE, "unknown report format", "bad format");
	fails(DATA "no-such-file", NULL, AK_EXIT_IOERR, "no-such-file", "missing file");
}

int main(void)
{
	char cmd[600];

	if (!mkdtemp(tmpdir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_detect();
	test_fixtures();
	test_merge();
	test_errors();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmpdir);
	return done_testing();
}
