/*
 * fuzz-results.c - libFuzzer target for the test and coverage report
 * readers (lib/results/) and the JUnit writer.
 *
 * The first byte picks the reader: TAP, lcov, gcov JSON, coverage.py JSON
 * (from memory), JUnit XML or Cobertura (from a file, as they stream), or
 * the format detection of results_read_file. Whatever a reader makes of
 * the input, the model's counts must be the counts of its cases, and the
 * model must be writable as JUnit XML that the JUnit reader takes back
 * with the same counts. A violation traps.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "buf.h"
#include "results/coverage.h"
#include "results/junitw.h"
#include "results/report.h"
#include "results/results.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64], back[64];

static int put(const char *file, const void *p, size_t n)
{
	FILE *f = fopen(file, "wb");

	if (!f)
		return -1;
	if (n && fwrite(p, 1, n, f) != n) {
		fclose(f);
		return -1;
	}
	return fclose(f);
}

/* The counts must be the sums of the cases' statuses. */
static void check_counts(const json_t *r)
{
	static const char *const st[4] = { "passed", "failed", "error", "skipped" };
	static const char *const key[4] = { "passed", "failed", "errors", "skipped" };
	json_int_t n[4] = { 0 };
	const json_t *c;
	size_t i;

	json_array_foreach(json_object_get(r, "cases"), i, c)
		for (int k = 0; k < 4; k++)
			n[k] += !strcmp(json_string_value(json_object_get(c, "status")), st[k]);
	for (int k = 0; k < 4; k++)
		if (json_integer_value(json_object_get(json_object_get(r, "tests"), key[k])) != n[k])
			abort();
}

/* Write r as JUnit XML and read it back: the same counts. */
static void round_trip(const json_t *r)
{
	struct buf xml = BUF_INIT;
	json_t *again = results_new();
	const json_t *a = json_object_get(r, "tests"), *b;

	if (results_write_junit(r, "fuzz", &xml) < 0 || put(back, xml.p, xml.len) < 0 ||
	    results_read_junit(again, back) < 0)
		abort();
	b = json_object_get(again, "tests");
	if (!json_equal(json_object_get(a, "passed"), json_object_get(b, "passed")) ||
	    !json_equal(json_object_get(a, "failed"), json_object_get(b, "failed")) ||
	    !json_equal(json_object_get(a, "errors"), json_object_get(b, "errors")) ||
	    !json_equal(json_object_get(a, "skipped"), json_object_get(b, "skipped")))
		abort();
	buf_release(&xml);
	json_decref(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *r = results_new(), *cov = coverage_new();
	const char *text = (const char *)data + 1;
	size_t len = size ? size - 1 : 0;
	int rc = -1;

	if (!path[0]) {
		snprintf(path, sizeof(path), "/tmp/fuzz-results.%d", (int)getpid());
		snprintf(back, sizeof(back), "/tmp/fuzz-results-back.%d", (int)getpid());
	}
	if (!size)
		goto out;
	switch (data[0] % 7) {
	case 0:
		rc = results_read_tap(r, text, len, "fuzz");
		break;
	case 1:
		rc = coverage_read_lcov(cov, text, len, "fuzz");
		break;
	case 2:
		rc = coverage_read_gcov_json(cov, text, len, "fuzz");
		break;
	case 3:
		rc = coverage_read_coveragepy_json(cov, text, len, "fuzz");
		break;
	case 4:
		rc = put(path, text, len) ? -1 : results_read_junit(r, path);
		break;
	case 5:
		rc = put(path, text, len) ? -1 : coverage_read_cobertura(cov, path);
		break;
	default:
		rc = put(path, text, len) ? -1 : results_read_file(r, cov, path, NULL);
		break;
	}
	check_counts(r);
	if (!rc)
		round_trip(r);
	coverage_finish(cov);
out:
	json_decref(r);
	json_decref(cov);
	return 0;
}
