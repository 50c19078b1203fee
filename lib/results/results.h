/*
 * results.h - the test result model and the readers that fill it.
 *
 * A model is a jansson object:
 *   {"tests": {"passed", "failed", "errors", "skipped", "duration_ms"},
 *    "cases": [{"name", "suite", "status", "message", "detail", "file",
 *               "line", "duration_ms"}, ...]}
 * Counts are always the sums of the cases' statuses. A case may share a
 * member's value (a suite, status, file or number) with the case before it
 * instead of holding a copy, so treat values as read-only: replace a member
 * (json_object_set_new) rather than change its value in place (no
 * json_string_set or json_integer_set on a case's members). Several reports
 * can be read into one model one after another. Readers return 0, or -1 with
 * ak_error(AK_EXIT_DATAERR, "NAME:LINE: reason") for a report that is not
 * what it claims to be; cases read before the failure stay in the model.
 * No reader ever touches the network.
 */
#ifndef AK_RESULTS_H
#define AK_RESULTS_H

#include <stddef.h>
#include <jansson.h>

/* Longest "detail" kept for a case; longer text is cut there. */
#define RESULTS_DETAIL_MAX 8192

/* A new, empty model, owned by the caller (json_decref); NULL if no memory. */
json_t *results_new(void);

/*
 * Append a case to r (borrowed) and update the counts. status is one of
 * "passed", "failed", "error", "skipped". message keeps its first line only;
 * detail is capped at RESULTS_DETAIL_MAX bytes. suite, message, detail and
 * file may be NULL; line <= 0 and duration_ms < 0 mean unknown (null).
 * 0, or -1 (AK_EXIT_SOFTWARE) for an unknown status or no memory; r is then
 * unchanged.
 */
int results_add_case(json_t *r, const char *name, const char *suite,
		     const char *status, const char *message,
		     const char *detail, const char *file, long line,
		     long duration_ms);

/*
 * Read TAP (versions 12 to 14) from text[0..len) into r. name is used in
 * messages and as the suite of top-level cases. Garbage lines are skipped
 * and counted in a note; input with neither a plan nor a test line fails
 * with "NAME: not TAP". A plan that disagrees with the number of tests run
 * and "Bail out!" each add an "error" case.
 */
int results_read_tap(json_t *r, const char *text, size_t len,
		     const char *name);

/*
 * Read the JUnit XML file at path into r, streaming, so the file may be
 * large. Documents with a DOCTYPE are refused, so entities are never
 * expanded and nothing external is ever fetched. A file that ends inside
 * an element fails with "PATH:LINE: truncated report: ..."; one whose root
 * is not <testsuites> or <testsuite> with "PATH:LINE: not a JUnit XML
 * report"; one that cannot be opened or read with AK_EXIT_IOERR.
 */
int results_read_junit(json_t *r, const char *path);

/*
 * Stream r's cases: from now on every case added to r is also written to
 * the JUnit stream s (junitw.h), and r keeps only the cases that did not
 * pass, so a report of a million passing tests costs no memory per test.
 * The counts stay whole; results_write_junit of r then writes the stream.
 * One model streams at a time; results_stream(NULL, NULL) ends it (before
 * r is freed). s is borrowed.
 */
struct junit_stream;
void results_stream(const json_t *r, struct junit_stream *s);

/* The stream r writes to, or NULL. */
struct junit_stream *results_streaming(const json_t *r);

/*
 * A rerun's verdict on r's failures: every failed or error case of r that
 * rerun (a model of the same tests run again) has passed becomes "passed"
 * with "flaky": true, and the counts follow. Returns how many were marked,
 * or -1 with ak_error (no memory).
 */
int results_mark_flaky(json_t *r, const json_t *rerun);

/* How many cases r has counted, whether it keeps them or streams them. */
long results_count(const json_t *r);

/* The failed and error cases of r: the number a rerun would try again. */
int results_failures(const json_t *r);

#endif
