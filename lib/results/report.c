/*
 * report.c - read a report file, telling its format from its content.
 *
 * XML goes to the streaming readers by path: Cobertura when its root is
 * <coverage>, JUnit otherwise (the JUnit reader refuses any other root).
 * Text reports are read whole: a coverage format when coverage_detect
 * recognizes it, else TAP, whose reader refuses what is not TAP. A path
 * of "-" reads a text report from stdin.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "results/coverage.h"
#include "results/report.h"
#include "results/results.h"
#include "banned.h"

#define HEAD_MAX 4096

static const char *const formats[] = {
	"tap", "junit", "lcov", "gcov-json", "coveragepy-json", "cobertura", NULL
};

int results_format_known(const char *name)
{
	for (int i = 0; formats[i]; i++)
		if (!strcmp(name, formats[i]))
			return 1;
	return 0;
}

static const char *find(const char *s, size_t len, const char *what)
{
	return memmem(s, len, what, strlen(what));
}

const char *results_detect(const char *head, size_t len, const char *name)
{
	const char *cov = coverage_detect(head, len, name);
	const char *ts, *cv;
	size_t i = 0;

	if (len >= 3 && !memcmp(head, "\xef\xbb\xbf", 3))
		i = 3;
	while (i < len && strchr(" \t\r\n", head[i]) && head[i])
		i++;
	if (i < len && head[i] == '<') {
		ts = find(head, len, "<testsuite");
		cv = find(head, len, "<coverage");
		if (cv && (!ts || cv < ts))
			return "cobertura";
		return "junit";
	}
	return cov ? cov : "tap";
}

/* The first bytes of path into head; their number, or -1 with ak_error. */
static ssize_t read_head(const char *path, char *head, size_t max)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t n = 0;
	ssize_t got;

	if (fd < 0)
		return ak_error(AK_EXIT_IOERR, "cannot open '%s': %s", path, strerror(errno));
	while (n < max && (got = read(fd, head + n, max - n)) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			ak_error(AK_EXIT_IOERR, "cannot read '%s': %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		n += (size_t)got;
	}
	close(fd);
	return (ssize_t)n;
}

static int read_text(json_t *r, json_t *cov, const struct buf *b, const char *path,
		     const char *format)
{
	const char *p = b->p ? b->p : "";

	if (!strcmp(format, "tap"))
		return results_read_tap(r, p, b->len, path);
	if (!strcmp(format, "lcov"))
		return coverage_read_lcov(cov, p, b->len, path);
	if (!strcmp(format, "gcov-json"))
		return coverage_read_gcov_json(cov, p, b->len, path);
	return coverage_read_coveragepy_json(cov, p, b->len, path);
}

static int wanted(json_t *r, json_t *cov, const char *path, const char *format)
{
	if ((!strcmp(format, "tap") || !strcmp(format, "junit")) ? !r : !cov)
		return ak_error(AK_EXIT_DATAERR, "%s: a %s report is not wanted here", path,
				format);
	return 0;
}

/* A report on stdin: text formats only, the XML readers stream a file. */
static int read_stdin(json_t *r, json_t *cov, const char *format)
{
	struct buf b;
	int rc = -1;

	buf_init(&b, REPORT_TEXT_MAX);
	if (buf_read_file(&b, "-") < 0)
		goto out;
	if (!format && !b.len) {
		ak_error(AK_EXIT_DATAERR, "-: empty report");
		goto out;
	}
	if (!format)
		format = results_detect(b.p, b.len < HEAD_MAX ? b.len : HEAD_MAX, NULL);
	if (!strcmp(format, "junit") || !strcmp(format, "cobertura"))
		ak_error(AK_EXIT_USAGE, "a %s report must be a file, not stdin", format);
	else if (wanted(r, cov, "-", format) == 0)
		rc = read_text(r, cov, &b, "-", format);
out:
	buf_release(&b);
	return rc;
}

int results_read_file(json_t *r, json_t *cov, const char *path, const char *format)
{
	char head[HEAD_MAX];
	struct buf b;
	ssize_t n;
	int rc;

	if (format && !results_format_known(format))
		return ak_error(AK_EXIT_USAGE, "unknown report format '%s'", format);
	if (!strcmp(path, "-"))
		return read_stdin(r, cov, format);
	if (!format) {
		if ((n = read_head(path, head, sizeof(head))) < 0)
			return -1;
		if (n == 0)
			return ak_error(AK_EXIT_DATAERR, "%s: empty report", path);
		format = results_detect(head, (size_t)n, path);
	}
	if (wanted(r, cov, path, format) < 0)
		return -1;
	if (!strcmp(format, "junit"))
		return results_read_junit(r, path);
	if (!strcmp(format, "cobertura"))
		return coverage_read_cobertura(cov, path);
	buf_init(&b, REPORT_TEXT_MAX);
	rc = buf_read_file(&b, path) < 0 ? -1 : read_text(r, cov, &b, path, format);
	buf_release(&b);
	return rc;
}
