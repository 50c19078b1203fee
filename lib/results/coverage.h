/*
 * coverage.h - read code coverage reports into the result model.
 *
 * The model is a jansson object (see the result model of agent-test):
 *   {"lines": {"covered": N, "total": N},
 *    "branches": {"covered": N, "total": N} or null,
 *    "files": [{"path": P, "lines": {...}, "branches": {...} or null}, ...]}
 * Top-level counts are the sums over the files. Several reports can be read
 * into one object; a file seen in two reports is merged: the union of the
 * covered lines (and branches) when both reports give per-line data, else
 * the larger counts.
 *
 * To merge per line the object keeps per-line data under the key "_detail";
 * coverage_finish() removes it before the object is written out.
 *
 * Each reader returns 0, or -1 with ak_error(AK_EXIT_DATAERR,
 * "NAME:LINE: reason") when the report is not what it claims (JSON values
 * carry no line numbers: errors in a well-formed JSON report give line 1
 * and name the element, e.g. "x.json:1: files[0].lines[3]: bad line").
 * On error cov may hold the files read before the bad part; the caller
 * should discard it.
 * No reader touches the network.
 */
#ifndef AK_RESULTS_COVERAGE_H
#define AK_RESULTS_COVERAGE_H

#include <stddef.h>
#include <jansson.h>

/* A new, empty coverage object (the caller owns it), or NULL on no memory. */
json_t *coverage_new(void);

/* lcov tracefile (.info): SF, DA, LF/LH, BRDA, BRF/BRH, end_of_record. */
int coverage_read_lcov(json_t *cov, const char *text, size_t len,
		       const char *name);
/* gcc's gcov --json-format (uncompressed): files[].lines[]. */
int coverage_read_gcov_json(json_t *cov, const char *text, size_t len,
			    const char *name);
/* coverage.py's `coverage json`: files{path: {executed_lines, summary...}}. */
int coverage_read_coveragepy_json(json_t *cov, const char *text, size_t len,
				  const char *name);
/*
 * Cobertura XML read from path with libxml2's streaming reader, never
 * loading anything from the network; a DOCTYPE declaring entities is refused.
 */
int coverage_read_cobertura(json_t *cov, const char *path);

/* Drop the merge data ("_detail") so cov is exactly the model. */
void coverage_finish(json_t *cov);

/*
 * The format of a report from its first len bytes and its name (may be
 * NULL): "lcov", "gcov-json", "coveragepy-json", "cobertura", or NULL.
 */
const char *coverage_detect(const char *head, size_t len, const char *name);

#endif
