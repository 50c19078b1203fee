/*
 * junit.c - read JUnit XML test reports into the result model.
 *
 * One reader covers the dialects in use: pytest, Maven Surefire, jest-junit,
 * go-junit-report, googletest and ctest. They agree on <testcase> with
 * name, classname and time (seconds) and a <failure>, <error> or <skipped>
 * child; googletest marks tests that did not run with status="notrun".
 *
 * Reports can be hundreds of megabytes, so the file is streamed with
 * libxml2's xmlReader and only the current case is held in memory. Test
 * reports never need a DOCTYPE, and one is the only way to declare entities,
 * so a document that has one is refused: no entity is ever expanded (no
 * "billion laughs") and no external entity or DTD is ever read. The parser
 * is also told never to use the network.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/xmlreader.h>

#include "buf.h"
#include "error.h"
#include "results/results.h"
#include "banned.h"

enum jcase_kind { J_PASSED, J_SKIPPED, J_FAILED, J_ERROR };

struct junit_case {
	struct buf name, suite, file, message, detail;
	long line, duration_ms;
	enum jcase_kind kind;
	int have_message;
};

struct junit_reader {
	xmlTextReaderPtr x;
	const char *path;
	json_t *r;
	struct junit_case c;
	int in_case;
	int collect;            /* in the kept <failure>, <error>, <skipped> */
	int seen_root;
	long open;              /* elements started and not yet ended */
	char err[256];
	int err_line;
};

static void error_cb(void *arg, xmlErrorPtr e)
{
	struct junit_reader *j = arg;
	size_t n;

	if (!e || j->err[0] || e->level < XML_ERR_ERROR)
		return;
	snprintf(j->err, sizeof(j->err), "%s",
		 e->message ? e->message : "bad XML");
	n = strlen(j->err);
	while (n && (j->err[n - 1] == '\n' || j->err[n - 1] == ' '))
		j->err[--n] = '\0';
	j->err_line = e->line;
}

/* Refuse the document, naming the line of the node being looked at. */
static int fail(struct junit_reader *j, const char *why)
{
	xmlNodePtr node = xmlTextReaderCurrentNode(j->x);
	long line = node ? xmlGetLineNo(node) : -1;

	if (line <= 0)
		line = xmlTextReaderGetParserLineNumber(j->x);
	return ak_error(AK_EXIT_DATAERR, "%s:%ld: %s", j->path, line, why);
}

/* The attribute's value copied into b (reset first). 1 if present. */
static int attr(struct junit_reader *j, const char *name, struct buf *b)
{
	xmlChar *v = xmlTextReaderGetAttribute(j->x, (const xmlChar *)name);

	buf_reset(b);
	if (!v)
		return 0;
	buf_addstr(b, (const char *)v);
	xmlFree(v);
	return 1;
}

static long attr_long(struct junit_reader *j, const char *name,
		      struct buf *tmp)
{
	char *end;
	long n;

	if (!attr(j, name, tmp) || !tmp->len)
		return -1;
	errno = 0;
	n = strtol(tmp->p, &end, 10);
	return errno || *end ? -1 : n;
}

/* time="0.012" seconds into milliseconds; -1 when missing or not a number. */
static long attr_ms(struct junit_reader *j, const char *name, struct buf *tmp)
{
	char *end;
	double s;

	if (!attr(j, name, tmp) || !tmp->len)
		return -1;
	errno = 0;
	s = strtod(tmp->p, &end);
	if (errno || *end || s != s || s < 0 || s > 1e12)
		return -1;
	return (long)(s * 1000.0 + 0.5);
}

static void case_reset(struct junit_case *c)
{
	buf_reset(&c->name);
	buf_reset(&c->suite);
	buf_reset(&c->file);
	buf_reset(&c->message);
	buf_reset(&c->detail);
	c->line = 0;
	c->duration_ms = -1;
	c->kind = J_PASSED;
	c->have_message = 0;
}

static void case_release(struct junit_case *c)
{
	buf_release(&c->name);
	buf_release(&c->suite);
	buf_release(&c->file);
	buf_release(&c->message);
	buf_release(&c->detail);
}

static int case_start(struct junit_reader *j, const char *suite)
{
	struct junit_case *c = &j->c;
	struct buf tmp = BUF_INIT;

	case_reset(c);
	attr(j, "name", &c->name);
	if (!attr(j, "classname", &c->suite) || !c->suite.len)
		buf_addstr(&c->suite, suite);
	attr(j, "file", &c->file);
	c->line = attr_long(j, "line", &tmp);
	c->duration_ms = attr_ms(j, "time", &tmp);
	/* googletest: status="notrun", result="skipped" or "suppressed" */
	if ((attr(j, "status", &tmp) && !strcmp(tmp.p, "notrun")) ||
	    (attr(j, "result", &tmp) && (!strcmp(tmp.p, "skipped") ||
					 !strcmp(tmp.p, "suppressed"))))
		c->kind = J_SKIPPED;
	buf_release(&tmp);
	j->in_case = 1;
	return 0;
}

static int case_end(struct junit_reader *j)
{
	static const char *const status[] = {
		[J_PASSED] = "passed", [J_SKIPPED] = "skipped",
		[J_FAILED] = "failed", [J_ERROR] = "error",
	};
	struct junit_case *c = &j->c;
	const char *msg = NULL;

	j->in_case = 0;
	if (c->have_message && c->message.len)
		msg = c->message.p;
	else if (c->kind != J_PASSED && c->detail.len)
		msg = c->detail.p + strspn(c->detail.p, " \t\n");
	return results_add_case(j->r, c->name.p ? c->name.p : "",
				c->suite.len ? c->suite.p : NULL,
				status[c->kind], msg && *msg ? msg : NULL,
				c->detail.len ? c->detail.p : NULL,
				c->file.len ? c->file.p : NULL, c->line,
				c->duration_ms);
}

/* <failure>, <error> or <skipped> inside a case: the worst one is kept. */
static void outcome_start(struct junit_reader *j, enum jcase_kind kind)
{
	struct junit_case *c = &j->c;

	if (kind < c->kind || (kind == c->kind && c->have_message))
		return;
	c->kind = kind;
	c->have_message = attr(j, "message", &c->message);
	buf_reset(&c->detail);
	j->collect = !xmlTextReaderIsEmptyElement(j->x);
}

static void text(struct junit_reader *j)
{
	const xmlChar *v = xmlTextReaderConstValue(j->x);

	/* over the cap, appends fail and the detail is simply cut */
	if (v && j->c.detail.len < RESULTS_DETAIL_MAX)
		buf_addstr(&j->c.detail, (const char *)v);
}

static int element(struct junit_reader *j, const char *n, struct buf *suite)
{
	int empty = xmlTextReaderIsEmptyElement(j->x);

	if (!empty)
		j->open++;

	if (!j->seen_root) {
		if (strcmp(n, "testsuites") && strcmp(n, "testsuite"))
			return fail(j, "not a JUnit XML report");
		j->seen_root = 1;
	}
	if (!strcmp(n, "testsuite") && !j->in_case) {
		attr(j, "name", suite);
	} else if (!strcmp(n, "testcase") && !j->in_case) {
		case_start(j, suite->p ? suite->p : "");
		if (empty)
			return case_end(j);
	} else if (j->in_case && !strcmp(n, "failure")) {
		outcome_start(j, J_FAILED);
	} else if (j->in_case && !strcmp(n, "error")) {
		outcome_start(j, J_ERROR);
	} else if (j->in_case && !strcmp(n, "skipped")) {
		outcome_start(j, J_SKIPPED);
	}
	return 0;
}

static int step(struct junit_reader *j, struct buf *suite)
{
	int type = xmlTextReaderNodeType(j->x);
	const char *n = (const char *)xmlTextReaderConstLocalName(j->x);

	switch (type) {
	case XML_READER_TYPE_DOCUMENT_TYPE:
		return fail(j, "DOCTYPE not allowed in a test report");
	case XML_READER_TYPE_ENTITY_REFERENCE:
	case XML_READER_TYPE_ENTITY:
		return fail(j, "entities not allowed in a test report");
	case XML_READER_TYPE_ELEMENT:
		return element(j, n ? n : "", suite);
	case XML_READER_TYPE_TEXT:
	case XML_READER_TYPE_CDATA:
	case XML_READER_TYPE_SIGNIFICANT_WHITESPACE:
		if (j->collect)
			text(j);
		return 0;
	case XML_READER_TYPE_END_ELEMENT:
		j->open--;
		if (!n)
			return 0;
		if (j->collect && (!strcmp(n, "failure") ||
				   !strcmp(n, "error") ||
				   !strcmp(n, "skipped")))
			j->collect = 0;
		else if (j->in_case && !strcmp(n, "testcase"))
			return case_end(j);
		return 0;
	default:
		return 0;
	}
}

/*
 * Look at the prolog (what comes before the root element) for a DOCTYPE, so
 * that a document declaring entities is refused before libxml2 parses any of
 * it. 0 if there is none, -1 (and a message) if there is one or the file
 * cannot be read; a prolog longer than the bytes looked at is left to the
 * stream checks.
 */
static int check_prolog(const char *path)
{
	char head[65536];
	size_t n;
	const char *p, *end;
	FILE *f = fopen(path, "rb");

	if (!f)
		return ak_error(AK_EXIT_IOERR, "cannot open '%s': %s", path,
				strerror(errno));
	n = fread(head, 1, sizeof(head) - 1, f);
	fclose(f);
	head[n] = '\0';
	end = head + n;
	for (p = memchr(head, '<', n); p;
	     p = memchr(p, '<', (size_t)(end - p))) {
		const char *close;

		if (!strncmp(p, "<!DOCTYPE", 9))
			return ak_error(AK_EXIT_DATAERR, "%s: DOCTYPE not "
					"allowed in a test report", path);
		if (!strncmp(p, "<?", 2))
			close = strstr(p, "?>");
		else if (!strncmp(p, "<!--", 4))
			close = strstr(p, "-->");
		else
			return 0;
		if (!close)
			return 0;
		p = close;
	}
	return 0;
}

int results_read_junit(json_t *r, const char *path)
{
	struct junit_reader j = { .path = path, .r = r };
	struct buf suite = BUF_INIT;
	int ret, rc = 0;

	if (check_prolog(path))
		return -1;
	j.x = xmlReaderForFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR |
			       XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
	if (!j.x) {
		if (access(path, R_OK))
			return ak_error(AK_EXIT_IOERR, "cannot open '%s': %s",
					path, strerror(errno));
		return ak_error(AK_EXIT_DATAERR, "%s: cannot read as XML",
				path);
	}
	xmlTextReaderSetStructuredErrorHandler(j.x, error_cb, &j);
	buf_init(&j.c.detail, RESULTS_DETAIL_MAX + 4096);
	while ((ret = xmlTextReaderRead(j.x)) == 1 && !rc)
		rc = step(&j, &suite);
	if (!rc && ret < 0)
		rc = ak_error(AK_EXIT_DATAERR, "%s:%d: %s%s", path,
			      j.err_line ? j.err_line :
			      xmlTextReaderGetParserLineNumber(j.x),
			      j.open > 0 ? "truncated report: " : "",
			      j.err[0] ? j.err : "malformed XML");
	else if (!rc && !j.seen_root)
		rc = ak_error(AK_EXIT_DATAERR, "%s: not a JUnit XML report",
			      path);
	else if (!rc && j.in_case)
		rc = ak_error(AK_EXIT_DATAERR, "%s: truncated report", path);
	xmlFreeTextReader(j.x);
	case_release(&j.c);
	buf_release(&suite);
	return rc;
}
