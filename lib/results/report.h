/*
 * report.h - read a test or coverage report file of any supported format.
 *
 * The format is told by the content (TAP, JUnit XML, or one of the coverage
 * formats of coverage.h) unless the caller names it. Test results go into
 * a result model (results.h), coverage into a coverage object (coverage.h);
 * several files read one after another merge into the same two objects.
 */
#ifndef AK_RESULTS_REPORT_H
#define AK_RESULTS_REPORT_H

#include <jansson.h>

/* Largest text report read into memory (XML reports are streamed). */
#define REPORT_TEXT_MAX (256u << 20)

/*
 * Read the report at path into r (test results) or cov (coverage). format
 * is NULL to detect it, or one of "tap", "junit", "lcov", "gcov-json",
 * "coveragepy-json", "cobertura". path "-" is stdin, for the text formats
 * only (AK_EXIT_USAGE for XML there). Returns 0, or -1 with ak_error:
 * AK_EXIT_USAGE for an unknown format name, AK_EXIT_IOERR when the file
 * cannot be read, AK_EXIT_DATAERR when it is not a report of the format.
 */
int results_read_file(json_t *r, json_t *cov, const char *path, const char *format);

/* Whether name is a format results_read_file knows. */
int results_format_known(const char *name);

/*
 * The format of a report from its first len bytes (and name): XML is
 * "junit" or "cobertura", a coverage format when one fits, else "tap".
 */
const char *results_detect(const char *head, size_t len, const char *name);

#endif
