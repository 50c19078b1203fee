/*
 * junitw.c - write a test result model as one JUnit XML document (see
 * junitw.h).
 *
 * libxml2's xmlTextWriter does the escaping of markup characters; what it
 * cannot do is make text that XML forbids legal, so every string from the
 * model goes through xml_text first: the model may hold raw bytes a test
 * printed, and a report that its readers refuse is worse than one with a
 * replaced character.
 */
#include <stdio.h>
#include <string.h>

#include <libxml/xmlwriter.h>

#include "buf.h"
#include "error.h"
#include "results/junitw.h"
#include "banned.h"

struct counts {
	long tests, failures, errors, skipped, ms;
};

/* The length of the valid UTF-8 sequence at s[0..n), and its value; 0 if none. */
static size_t utf8_seq(const unsigned char *s, size_t n, unsigned long *cp)
{
	size_t len;
	unsigned long c, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	} else if ((s[0] & 0xE0) == 0xC0) {
		len = 2, c = s[0] & 0x1F, min = 0x80;
	} else if ((s[0] & 0xF0) == 0xE0) {
		len = 3, c = s[0] & 0x0F, min = 0x800;
	} else if ((s[0] & 0xF8) == 0xF0) {
		len = 4, c = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

/*
 * s[0..n) as text XML 1.0 allows, NUL-terminated, into out (reset first):
 * forbidden characters dropped, invalid UTF-8 as U+FFFD, one per byte.
 */
static int xml_text(const char *s, size_t n, struct buf *out)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	buf_reset(out);
	if (buf_addstr(out, "") < 0)
		return -1;
	while (i < n) {
		unsigned long c;
		size_t len = utf8_seq(u + i, n - i, &c);

		if (!len) {
			if (buf_add(out, "\xEF\xBF\xBD", 3) < 0)
				return -1;
			i++;
			continue;
		}
		if ((c >= 0x20 || c == '\t' || c == '\n' || c == '\r') &&
		    c != 0xFFFE && c != 0xFFFF && buf_add(out, u + i, len) < 0)
			return -1;
		i += len;
	}
	return 0;
}

/* A string member of c made legal into tmp; NULL when absent or null. */
static const char *member(const json_t *c, const char *key, struct buf *tmp)
{
	const json_t *v = json_object_get(c, key);

	if (!json_is_string(v))
		return NULL;
	if (xml_text(json_string_value(v), json_string_length(v), tmp) < 0)
		return NULL;
	return tmp->p;
}

static long duration(const json_t *c)
{
	const json_t *v = json_object_get(c, "duration_ms");

	return json_is_integer(v) && json_integer_value(v) >= 0 ?
		(long)json_integer_value(v) : -1;
}

/* Add c's status to k. -1 for an unknown status. */
static int count(struct counts *k, const json_t *c)
{
	const char *st = json_string_value(json_object_get(c, "status"));
	long ms = duration(c);

	if (!st)
		return -1;
	if (!strcmp(st, "failed"))
		k->failures++;
	else if (!strcmp(st, "error"))
		k->errors++;
	else if (!strcmp(st, "skipped"))
		k->skipped++;
	else if (strcmp(st, "passed"))
		return -1;
	k->tests++;
	if (ms > 0)
		k->ms += ms;
	return 0;
}

static int attr(xmlTextWriterPtr w, const char *name, const char *value)
{
	return xmlTextWriterWriteAttribute(w, (const xmlChar *)name,
					   (const xmlChar *)value) < 0 ? -1 : 0;
}

static int attr_long(xmlTextWriterPtr w, const char *name, long v)
{
	char num[32];

	snprintf(num, sizeof(num), "%ld", v);
	return attr(w, name, num);
}

static int attr_seconds(xmlTextWriterPtr w, const char *name, long ms)
{
	char num[32];

	snprintf(num, sizeof(num), "%ld.%03ld", ms / 1000, ms % 1000);
	return attr(w, name, num);
}

static int start(xmlTextWriterPtr w, const char *name)
{
	return xmlTextWriterStartElement(w, (const xmlChar *)name) < 0 ? -1 : 0;
}

static int end(xmlTextWriterPtr w)
{
	return xmlTextWriterEndElement(w) < 0 ? -1 : 0;
}

static int counts_attrs(xmlTextWriterPtr w, const struct counts *k)
{
	return attr_long(w, "tests", k->tests) || attr_long(w, "failures", k->failures) ||
		attr_long(w, "errors", k->errors) || attr_long(w, "skipped", k->skipped) ||
		attr_seconds(w, "time", k->ms) ? -1 : 0;
}

static int flaky_properties(xmlTextWriterPtr w)
{
	return start(w, "properties") || start(w, "property") ||
		attr(w, "name", "flaky") || attr(w, "value", "true") ||
		end(w) || end(w) ? -1 : 0;
}

/* The <failure>, <error>, <skipped> or <system-out> child of a case. */
static int outcome(xmlTextWriterPtr w, const json_t *c, const char *st, struct buf *tmp)
{
	const char *el = !strcmp(st, "failed") ? "failure" : !strcmp(st, "error") ? "error" :
		!strcmp(st, "skipped") ? "skipped" : "system-out";
	int passed = !strcmp(st, "passed");
	const char *s;

	if (passed && !json_is_string(json_object_get(c, "detail")))
		return 0;
	if (start(w, el) < 0)
		return -1;
	if (!passed && (s = member(c, "message", tmp)) && attr(w, "message", s) < 0)
		return -1;
	if ((!strcmp(el, "failure") || !strcmp(el, "error")) && attr(w, "type", el) < 0)
		return -1;
	if ((s = member(c, "detail", tmp)) && *s &&
	    xmlTextWriterWriteString(w, (const xmlChar *)s) < 0)
		return -1;
	return end(w);
}

static int write_case(xmlTextWriterPtr w, const json_t *c, const char *suite,
		      struct buf *tmp)
{
	const char *s;
	const json_t *line = json_object_get(c, "line");
	long ms = duration(c);

	if (start(w, "testcase") < 0)
		return -1;
	s = member(c, "name", tmp);
	if (attr(w, "name", s ? s : "") < 0 || attr(w, "classname", suite) < 0)
		return -1;
	if ((s = member(c, "file", tmp)) && attr(w, "file", s) < 0)
		return -1;
	if (json_is_integer(line) && json_integer_value(line) > 0 &&
	    attr_long(w, "line", (long)json_integer_value(line)) < 0)
		return -1;
	if (ms >= 0 && attr_seconds(w, "time", ms) < 0)
		return -1;
	if (json_is_true(json_object_get(c, "flaky")) && flaky_properties(w) < 0)
		return -1;
	if (outcome(w, c, json_string_value(json_object_get(c, "status")), tmp) < 0)
		return -1;
	return end(w);
}

static int write_suite(xmlTextWriterPtr w, const char *name, const json_t *cases)
{
	struct counts k = { 0 };
	struct buf tmp = BUF_INIT;
	const json_t *c;
	size_t i;
	int rc;

	json_array_foreach(cases, i, c)
		count(&k, c);
	rc = start(w, "testsuite") || attr(w, "name", name) || counts_attrs(w, &k) ? -1 : 0;
	json_array_foreach(cases, i, c) {
		if (rc < 0)
			break;
		rc = write_case(w, c, name, &tmp);
	}
	buf_release(&tmp);
	return rc < 0 ? -1 : end(w);
}

/*
 * The cases of r by suite: a new array of [suite, [case...]] in the order
 * of first appearance, with the totals in *k. NULL when r is not a model.
 */
static json_t *group(const json_t *r, const char *name, struct counts *k)
{
	json_t *groups = json_array(), *index = json_object();
	const json_t *cases = json_object_get(r, "cases");
	struct buf key = BUF_INIT;
	const json_t *c;
	size_t i;

	if (!groups || !index || !json_is_array(cases))
		goto fail;
	json_array_foreach(cases, i, c) {
		const char *suite = member(c, "suite", &key);
		json_t *at, *g;

		if (!json_is_object(c) || count(k, c) < 0)
			goto fail;
		if (!suite)
			suite = name;
		at = json_object_get(index, suite);
		if (!at) {
			g = json_pack("[s[]]", suite);
			if (!g || json_object_set_new(index, suite,
						      json_integer((json_int_t)json_array_size(groups))) ||
			    json_array_append_new(groups, g))
				goto fail;
		} else {
			g = json_array_get(groups, (size_t)json_integer_value(at));
		}
		if (json_array_append(json_array_get(g, 1), (json_t *)c))
			goto fail;
	}
	json_decref(index);
	buf_release(&key);
	return groups;
fail:
	json_decref(groups);
	json_decref(index);
	buf_release(&key);
	return NULL;
}

static int write_doc(xmlTextWriterPtr w, const char *name, const json_t *groups,
		     const struct counts *k)
{
	const json_t *g;
	size_t i;

	if (xmlTextWriterSetIndent(w, 1) < 0 ||
	    xmlTextWriterSetIndentString(w, (const xmlChar *)"  ") < 0 ||
	    xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL) < 0 ||
	    start(w, "testsuites") || attr(w, "name", name) || counts_attrs(w, k))
		return -1;
	json_array_foreach(groups, i, g)
		if (write_suite(w, json_string_value(json_array_get(g, 0)),
				json_array_get(g, 1)) < 0)
			return -1;
	return end(w) || xmlTextWriterEndDocument(w) < 0 ? -1 : 0;
}

int results_write_junit(const json_t *r, const char *name, struct buf *out)
{
	struct counts k = { 0 };
	struct buf clean_name = BUF_INIT;
	xmlBufferPtr xb = NULL;
	xmlTextWriterPtr w = NULL;
	json_t *groups = NULL;
	char why[256] = ": out of memory";
	int rc = -1;

	if (!name)
		name = "";
	if (xml_text(name, strlen(name), &clean_name) < 0)
		goto out;
	groups = group(r, clean_name.p, &k);
	if (!groups) {
		buf_release(&clean_name);
		return ak_error(AK_EXIT_SOFTWARE, "not a results model");
	}
	if (!(xb = xmlBufferCreate()) || !(w = xmlNewTextWriterMemory(xb, 0)))
		goto done;
	if (write_doc(w, clean_name.p, groups, &k) < 0)
		goto done;
	xmlFreeTextWriter(w);   /* flushes into xb */
	w = NULL;
	if (buf_add(out, xmlBufferContent(xb), (size_t)xmlBufferLength(xb)) < 0)
		snprintf(why, sizeof(why), ": %s", ak_errmsg());
	else
		rc = 0;
done:
	xmlFreeTextWriter(w);
	xmlBufferFree(xb);
	json_decref(groups);
out:
	buf_release(&clean_name);
	if (rc < 0)
		return ak_error(AK_EXIT_SOFTWARE, "cannot write the JUnit XML report%s", why);
	return 0;
}
