/*
 * junit.c - read JUnit XML test reports into the result model.
 *
 * One reader covers the dialects in use: pytest, Maven Surefire, jest-junit,
 * go-junit-report, googletest and ctest. They agree on <testcase> with
 * name, classname and time (seconds) and a <failure>, <error> or <skipped>
 * child; googletest marks tests that did not run with status="notrun".
 *
 * Reports can be hundreds of megabytes, so the file is fed in large chunks
 * to libxml2's SAX2 push parser and only the current case is held in
 * memory. Test reports never need a DOCTYPE, and one is the only way to
 * declare entities, so a document that has one is refused: before parsing
 * when the prolog shows it, and by the DOCTYPE and entity callbacks, which
 * stop the parser, when it comes later. No entity is ever expanded (no
 * "billion laughs") and no external entity or DTD is ever read; the parser
 * is also told never to use the network.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>

#include "buf.h"
#include "error.h"
#include "results/results.h"
#include "banned.h"

/* Bytes read from the file and handed to the parser at a time. */
#define JUNIT_CHUNK (1024 * 1024)
/* Bytes of a case's detail kept: the model's cap and one UTF-8 character. */
#define DETAIL_KEEP (RESULTS_DETAIL_MAX + 4)

enum jcase_kind { J_PASSED, J_SKIPPED, J_FAILED, J_ERROR };

struct junit_case {
	struct buf name, suite, file, message, detail;
	long line, duration_ms;
	enum jcase_kind kind;
	int have_message;
};

struct junit_reader {
	xmlParserCtxtPtr ctxt;
	const char *path;
	json_t *r;
	struct junit_case c;
	struct buf suite;       /* name of the innermost <testsuite> seen */
	struct buf tmp;
	int in_case;
	long collect;           /* depth of the kept outcome element, or 0 */
	int seen_root;
	long open;              /* elements started and not yet ended */
	int rc;                 /* -1 once a callback refused the document */
	int at_end;             /* the parser is told the input ended */
	char err[256];
	int err_line, err_fatal, err_at_end;
};

/* One attribute of a SAX2 start tag: five pointers, see startElementNs. */
enum { A_NAME, A_PREFIX, A_URI, A_VALUE, A_END, A_SIZE };

static void error_cb(void *arg, xmlErrorPtr e)
{
	struct junit_reader *j = arg;
	int fatal = e && e->level == XML_ERR_FATAL;
	size_t n;

	/* the first fatal error explains best; else the first error */
	if (!e || e->level < XML_ERR_ERROR || j->err_fatal ||
	    (j->err[0] && !fatal))
		return;
	snprintf(j->err, sizeof(j->err), "%s",
		 e->message ? e->message : "bad XML");
	n = strlen(j->err);
	while (n && (j->err[n - 1] == '\n' || j->err[n - 1] == ' '))
		j->err[--n] = '\0';
	j->err_line = e->line;
	j->err_fatal = fatal;
	j->err_at_end = j->at_end;
}

/* Refuse the document at the current line and stop the parser. */
static int fail(struct junit_reader *j, const char *why)
{
	long line = xmlSAX2GetLineNumber(j->ctxt);

	if (j->rc)
		return -1;
	j->rc = ak_error(AK_EXIT_DATAERR, "%s:%ld: %s", j->path, line, why);
	xmlStopParser(j->ctxt);
	return -1;
}

/*
 * The value a[A_VALUE..A_END) of one attribute into b, reset first. Without
 * entity replacement libxml2 hands a "&" that the document wrote as &amp;
 * or &#38; on as "&#38;", and a "&" cannot reach the value any other way,
 * so that is decoded here; every other reference comes decoded.
 */
static void attr_value(const xmlChar **a, struct buf *b)
{
	const char *v = (const char *)a[A_VALUE];
	const char *end = (const char *)a[A_END], *amp;

	buf_reset(b);
	while ((amp = memchr(v, '&', (size_t)(end - v)))) {
		buf_add(b, v, (size_t)(amp - v) + 1);
		v = amp + 1;
		if (end - v >= 4 && !memcmp(v, "#38;", 4))
			v += 4;
	}
	buf_add(b, v, (size_t)(end - v));
}

/* The attribute called name (no namespace) into b, reset first; 1 if present. */
static int attr(const xmlChar **a, int n, const char *name, struct buf *b)
{
	buf_reset(b);
	for (int i = 0; i < n; i++, a += A_SIZE)
		if (!a[A_PREFIX] && !strcmp((const char *)a[A_NAME], name)) {
			attr_value(a, b);
			return 1;
		}
	return 0;
}

/* Whether the attribute's value is exactly s. */
static int attr_is(const xmlChar **a, const char *s)
{
	size_t n = (size_t)(a[A_END] - a[A_VALUE]);

	return n == strlen(s) && !memcmp(a[A_VALUE], s, n);
}

/* line="12": a number, -1 when empty or not one. Plain digits are read here. */
static long attr_long(const xmlChar **a, struct buf *tmp)
{
	const char *p = (const char *)a[A_VALUE], *e = (const char *)a[A_END];
	char *end;
	long v = 0;

	if (e > p && e - p < 10) {
		while (p < e && *p >= '0' && *p <= '9')
			v = v * 10 + (*p++ - '0');
		if (p == e)
			return v;
	}
	attr_value(a, tmp);
	if (!tmp->len)
		return -1;
	errno = 0;
	v = strtol(tmp->p, &end, 10);
	return errno || *end ? -1 : v;
}

/*
 * time="0.012" seconds into milliseconds; -1 when empty or not a number.
 * Up to three decimals the milliseconds are exact and computed here; other
 * forms go through strtod and are rounded.
 */
static long attr_ms(const xmlChar **a, struct buf *tmp)
{
	const char *p = (const char *)a[A_VALUE], *end = (const char *)a[A_END];
	long ms = 0, scale = 1000;
	int digits = 0;
	char *stop;
	double s;

	for (; p < end && *p >= '0' && *p <= '9' && digits < 9; p++, digits++)
		ms = ms * 10 + (*p - '0');
	if (digits && p < end && *p == '.')
		for (p++; p < end && *p >= '0' && *p <= '9' && scale > 1; p++)
			ms = ms * 10 + (*p - '0'), scale /= 10;
	if (digits && p == end)
		return ms * scale;

	attr_value(a, tmp);
	if (!tmp->len)
		return -1;
	errno = 0;
	s = strtod(tmp->p, &stop);
	if (errno || *stop || s != s || s < 0 || s > 1e12)
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

static void case_start(struct junit_reader *j, const xmlChar **a, int n)
{
	struct junit_case *c = &j->c;

	case_reset(c);
	for (int i = 0; i < n; i++, a += A_SIZE) {
		const char *k = (const char *)a[A_NAME];

		if (a[A_PREFIX])
			continue;
		switch (k[0]) {
		case 'n':
			if (!strcmp(k, "name"))
				attr_value(a, &c->name);
			break;
		case 'c':
			if (!strcmp(k, "classname"))
				attr_value(a, &c->suite);
			break;
		case 'f':
			if (!strcmp(k, "file"))
				attr_value(a, &c->file);
			break;
		case 'l':
			if (!strcmp(k, "line"))
				c->line = attr_long(a, &j->tmp);
			break;
		case 't':
			if (!strcmp(k, "time"))
				c->duration_ms = attr_ms(a, &j->tmp);
			break;
		/* googletest: status="notrun", result="skipped", "suppressed" */
		case 's':
			if (!strcmp(k, "status") && attr_is(a, "notrun"))
				c->kind = J_SKIPPED;
			break;
		case 'r':
			if (!strcmp(k, "result") && (attr_is(a, "skipped") ||
						     attr_is(a, "suppressed")))
				c->kind = J_SKIPPED;
			break;
		}
	}
	if (!c->suite.len && j->suite.len)
		buf_add(&c->suite, j->suite.p, j->suite.len);
	j->in_case = 1;
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

/*
 * <failure>, <error> or <skipped> inside a case: the worst one is kept, and
 * its text (nested elements' too) is collected until it ends.
 */
static void outcome_start(struct junit_reader *j, enum jcase_kind kind,
			  const xmlChar **a, int n)
{
	struct junit_case *c = &j->c;

	if (kind < c->kind || (kind == c->kind && c->have_message))
		return;
	c->kind = kind;
	c->have_message = attr(a, n, "message", &c->message);
	buf_reset(&c->detail);
	j->collect = j->open;
}

static void start_cb(void *arg, const xmlChar *localname,
		     const xmlChar *prefix, const xmlChar *uri, int nb_ns,
		     const xmlChar **ns, int nb_attributes, int nb_defaulted,
		     const xmlChar **a)
{
	struct junit_reader *j = arg;
	const char *name = (const char *)localname;
	int n = nb_attributes;

	if (j->rc)
		return;
	j->open++;
	if (!j->seen_root) {
		if (strcmp(name, "testsuites") && strcmp(name, "testsuite")) {
			fail(j, "not a JUnit XML report");
			return;
		}
		j->seen_root = 1;
	}
	if (!j->in_case) {
		if (!strcmp(name, "testcase"))
			case_start(j, a, n);
		else if (!strcmp(name, "testsuite"))
			attr(a, n, "name", &j->suite);
	} else if (!strcmp(name, "failure")) {
		outcome_start(j, J_FAILED, a, n);
	} else if (!strcmp(name, "error")) {
		outcome_start(j, J_ERROR, a, n);
	} else if (!strcmp(name, "skipped")) {
		outcome_start(j, J_SKIPPED, a, n);
	}
}

static void end_cb(void *arg, const xmlChar *localname,
		   const xmlChar *prefix, const xmlChar *uri)
{
	struct junit_reader *j = arg;

	if (j->rc)
		return;
	if (j->collect && j->collect == j->open)
		j->collect = 0;
	else if (j->in_case && !j->collect &&
		 !strcmp((const char *)localname, "testcase") &&
		 case_end(j) < 0) {
		j->rc = -1;
		xmlStopParser(j->ctxt);
	}
	j->open--;
}

static void text_cb(void *arg, const xmlChar *s, int len)
{
	struct junit_reader *j = arg;
	struct buf *d = &j->c.detail;

	/*
	 * Over the cap the detail is simply cut; a whole character more is
	 * kept, so that the model can cut it between characters.
	 */
	if (!j->collect || j->rc || d->len >= DETAIL_KEEP || len <= 0)
		return;
	if ((size_t)len > DETAIL_KEEP - d->len)
		len = (int)(DETAIL_KEEP - d->len);
	buf_add(d, s, (size_t)len);
}

static void doctype_cb(void *arg, const xmlChar *name,
		       const xmlChar *external_id, const xmlChar *system_id)
{
	fail(arg, "DOCTYPE not allowed in a test report");
}

static void entity_decl_cb(void *arg, const xmlChar *name, int type,
			   const xmlChar *public_id, const xmlChar *system_id,
			   xmlChar *content)
{
	fail(arg, "entities not allowed in a test report");
}

static void reference_cb(void *arg, const xmlChar *name)
{
	fail(arg, "entities not allowed in a test report");
}

/*
 * Look at the prolog (what comes before the root element) for a DOCTYPE, so
 * that a document declaring entities is refused before libxml2 parses any of
 * it. 0 if there is none, -1 (and a message) if there is one or the file
 * cannot be read; a prolog longer than the bytes looked at is left to the
 * parser's callbacks.
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

/*
 * The SAX2 callbacks. Whatever is not set here is not wanted: no entity
 * lookup (getEntity) and no resolver, so an entity other than the five
 * predefined ones is an error, and no DTD is ever loaded.
 */
static void sax_init(xmlSAXHandler *sax)
{
	memset(sax, 0, sizeof(*sax));
	sax->initialized = XML_SAX2_MAGIC;
	sax->startElementNs = start_cb;
	sax->endElementNs = end_cb;
	sax->characters = text_cb;
	sax->ignorableWhitespace = text_cb;
	sax->cdataBlock = text_cb;
	sax->internalSubset = doctype_cb;
	sax->externalSubset = doctype_cb;
	sax->entityDecl = entity_decl_cb;
	sax->reference = reference_cb;
	sax->serror = error_cb;
}

/* Feed the open file fd to the parser. 0, or -1 with a message (I/O). */
static int feed(struct junit_reader *j, int fd, char *chunk)
{
	ssize_t n;

	while (!j->rc && (n = read(fd, chunk, JUNIT_CHUNK)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ak_error(AK_EXIT_IOERR, "cannot read '%s': %s",
					j->path, strerror(errno));
		if (xmlParseChunk(j->ctxt, chunk, (int)n, 0) &&
		    !j->ctxt->wellFormed)
			return 0;
	}
	if (!j->rc) {
		j->at_end = 1;
		xmlParseChunk(j->ctxt, NULL, 0, 1);
	}
	return 0;
}

/*
 * After the whole file: the verdict on the document. A document that was
 * fine until its input ended, inside an element, is a truncated report.
 */
static int verdict(struct junit_reader *j)
{
	int cut = j->open > 0 && (j->err[0] ? j->err_at_end : j->at_end);

	if (j->rc)
		return j->rc;
	if (!j->ctxt->wellFormed)
		return ak_error(AK_EXIT_DATAERR, "%s:%d: %s%s", j->path,
				j->err_line ? j->err_line :
				xmlSAX2GetLineNumber(j->ctxt),
				cut ? "truncated report: " : "",
				j->err[0] ? j->err : "malformed XML");
	if (!j->seen_root)
		return ak_error(AK_EXIT_DATAERR, "%s: not a JUnit XML report",
				j->path);
	if (j->in_case)
		return ak_error(AK_EXIT_DATAERR, "%s: truncated report",
				j->path);
	return 0;
}

int results_read_junit(json_t *r, const char *path)
{
	struct junit_reader j = { .path = path, .r = r };
	xmlSAXHandler sax;
	char *chunk;
	int fd, rc;

	if (check_prolog(path))
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ak_error(AK_EXIT_IOERR, "cannot open '%s': %s", path,
				strerror(errno));
	chunk = malloc(JUNIT_CHUNK);
	sax_init(&sax);
	j.ctxt = chunk ? xmlCreatePushParserCtxt(&sax, &j, NULL, 0, path) :
		NULL;
	if (!j.ctxt) {
		close(fd);
		free(chunk);
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	}
	xmlCtxtUseOptions(j.ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR |
			  XML_PARSE_NOWARNING);
	buf_init(&j.c.detail, DETAIL_KEEP);
	rc = feed(&j, fd, chunk);
	if (!rc)
		rc = verdict(&j);
	close(fd);
	free(chunk);
	xmlFreeParserCtxt(j.ctxt);
	case_release(&j.c);
	buf_release(&j.suite);
	buf_release(&j.tmp);
	return rc;
}
