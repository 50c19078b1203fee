/*
 * junitw.h - write a test result model (results.h) as JUnit XML.
 *
 * The document is the dialect that pytest writes and that Jenkins, GitLab
 * and GitHub read: a <testsuites> root with the totals, one <testsuite> per
 * suite, one <testcase> per case with a <failure>, <error> or <skipped>
 * child. results_read_junit reads it back into the same model.
 */
#ifndef AK_RESULTS_JUNITW_H
#define AK_RESULTS_JUNITW_H

#include <jansson.h>

#include "buf.h"

/*
 * Append r (borrowed) to out as one JUnit XML document, UTF-8, with
 *
 *   <testsuites name=NAME tests failures errors skipped time>
 *     <testsuite name tests failures errors skipped time>   one per suite
 *       <testcase name classname file line time>
 *         <properties><property name="flaky" value="true"/></properties>
 *         <failure message type="failure">detail</failure>
 *         | <error message type="error">detail</error>
 *         | <skipped message>detail</skipped>
 *         | <system-out>detail</system-out>       (a passed case's detail)
 *
 * Suites come in the order their first case does; cases with a null suite
 * go in a suite called name. Counts are those of the cases, times are in
 * seconds with three decimals; a null file, line or duration leaves its
 * attribute out, a null message too. Text the model holds that XML 1.0
 * cannot (control characters other than tab, LF and CR, U+FFFE, U+FFFF)
 * is left out and invalid UTF-8 becomes U+FFFD, so any model gives a
 * well-formed document.
 *
 * Returns 0, or -1 with ak_error(AK_EXIT_SOFTWARE) when r is not a model
 * (a case that is not an object or has an unknown status) or memory runs
 * out; out is then unchanged.
 */
int results_write_junit(const json_t *r, const char *name, struct buf *out);

/*
 * A JUnit XML document written case by case, for reports too large to
 * hold as a model: each case is escaped into its suite's part as it comes,
 * and junit_stream_finish puts the document together as
 * results_write_junit would for a model with the same cases.
 */
struct junit_stream;

/* One case; strings may be NULL (absent), message and detail by length. */
struct junit_case {
	const char *name, *suite, *status, *file;
	const char *message, *detail;
	size_t message_len, detail_len;
	long line;              /* <= 0: unknown */
	long duration_ms;       /* < 0: unknown */
	int flaky;
};

/* A new stream for a document called name, or NULL with ak_error. */
struct junit_stream *junit_stream_new(const char *name);

/* Add a case. 0, or -1 with ak_error (an unknown status, no memory). */
int junit_stream_add(struct junit_stream *s, const struct junit_case *c);

/* Append the document to out. 0, or -1 with ak_error; out is then unchanged. */
int junit_stream_finish(struct junit_stream *s, struct buf *out);

void junit_stream_free(struct junit_stream *s);

#endif
