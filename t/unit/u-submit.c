/*
 * u-submit.c - unit tests for lib/submit.c: titles from Markdown (ATX,
 * setext, closing #'s, fenced code ignored) and from plain text, --split
 * into sections, the refusals (NUL byte, invalid UTF-8, empty) that leave
 * the event list as it was, and guessing the format.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/sha.h>

#include "error.h"
#include "event.h"
#include "jscan.h"
#include "submit.h"
#include "tap.h"

static struct event_ctx ec;

/* Submit text (len bytes, in a buffer of exactly that size) and return the events. */
static json_t *submit_n(const char *origin, const char *text, size_t len, int split,
			const char *format, const char *title, int *rc)
{
	struct submit_opts o = SUBMIT_OPTS_INIT;
	json_t *events = json_array();
	char *copy = malloc(len ? len : 1);

	memcpy(copy, text, len);
	o.split = split;
	o.format = format;
	o.title = title;
	*rc = submit_document(&ec, origin, copy, len, &o, events);
	free(copy);
	return events;
}

static json_t *submit(const char *origin, const char *text, int split, int *rc)
{
	return submit_n(origin, text, strlen(text), split, NULL, NULL, rc);
}

static const char *data_str(json_t *events, size_t i, const char *name)
{
	return json_string_value(json_object_get(json_object_get(json_array_get(events, i),
								  "data"), name));
}

static long long section(json_t *events, size_t i)
{
	json_t *s = json_object_get(json_object_get(json_array_get(events, i), "data"),
				    "section");

	return s ? json_integer_value(s) : -1;
}

static const char *subject(json_t *events, size_t i)
{
	return event_attr(json_array_get(events, i), "subject");
}

/* "slug-" and 4 hex digits of SHA-256(text), computed here. */
static const char *want_fid(const char *slug, const char *text, size_t len)
{
	static char out[128];
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)text, len, md);
	snprintf(out, sizeof(out), "%s-%02x%02x", slug, md[0], md[1]);
	return out;
}

/* The title of a one-event submission. */
static void title_is(const char *origin, const char *text, const char *want, const char *name)
{
	int rc;
	json_t *ev = submit(origin, text, 0, &rc);

	is_int(rc, 1, "%s: one event", name);
	is_str(data_str(ev, 0, "title"), want, "%s: title", name);
	json_decref(ev);
}

static void test_titles(void)
{
	const char *doc = "# Password reset\n\nUsers can reset their password.\n";
	json_t *ev, *e0;
	int rc;

	ev = submit("req.md", doc, 0, &rc);
	is_int(rc, 1, "one event for a document");
	is_int((long long)json_array_size(ev), 1, "appended to the array");
	e0 = json_array_get(ev, 0);
	is_str(event_attr(e0, "type"), "requirement.submitted", "type");
	is_str(event_attr(e0, "source"), "agentkit/agentctl", "source");
	is_str(data_str(ev, 0, "title"), "Password reset", "title from the ATX heading");
	is_str(data_str(ev, 0, "text"), doc, "the whole text in data.text");
	is_str(data_str(ev, 0, "format"), "markdown", "format guessed from .md");
	is_str(data_str(ev, 0, "origin"), "req.md", "origin");
	is_str(subject(ev, 0), want_fid("password-reset", doc, strlen(doc)),
	       "subject: slug of the title and hash of the text");
	is_int(section(ev, 0), -1, "no section without --split");
	{
		static struct jscan js;
		char *s = event_dump(e0, NULL), why[128];

		ok(s && jscan_parse(&js, s, strlen(s)) == 0 &&
		   event_check(&js, why, sizeof(why)) == EVENT_EVENT, "the event is valid");
		free(s);
	}
	json_decref(ev);

	title_is("a.md", "Password reset\n==============\n\nText.\n", "Password reset",
		 "setext level 1");
	title_is("a.md", "Login page\n---\n\nText.\n", "Login page", "setext level 2");
	title_is("a.md", "## Login ##\n\nText.\n", "Login", "closing #'s");
	title_is("a.md", "# Login #####   \nText.\n", "Login", "closing #'s and spaces");
	title_is("a.md", "# C#\nText.\n", "C#", "a '#' that is part of the title");
	title_is("a.md", "#hashtag\n\n# Real title\n", "Real title", "#hashtag is not a heading");
	title_is("a.md", "   ### Indented\n", "Indented", "up to three spaces before '#'");
	title_is("a.md", "####### Seven\n\n# One\n", "One", "seven #'s are not a heading");
	title_is("a.md", "# Title\r\n\r\nText.\r\n", "Title", "CRLF heading");
	title_is("a.md", "#\tTabbed\ttitle \n", "Tabbed title", "tabs in a heading");
	title_is("a.md", "Intro line\n\n# Later heading\n", "Later heading",
		 "the first heading, not the first line");
	title_is("a.md", "```\n# not a heading\n```\n# Real\n", "Real",
		 "headings inside ``` fences are ignored");
	title_is("a.md", "~~~\n# not a heading\n~~~\nReal\n====\n", "Real",
		 "setext after a ~~~ fence");
	title_is("a.md", "```\ncode\n---\n```\n\n# After\n", "After",
		 "no setext heading inside a fence");
	title_is("a.md", "\n---\n\n# After rule\n", "After rule",
		 "a rule after a blank line is not a heading");

	title_is("req.txt", "  Reset the password\nmore text\n", "Reset the password",
		 "text: the first line");
	title_is("req.txt", "\n\n\t\nFirst real line\n", "First real line",
		 "text: blank lines skipped");
	title_is("req.txt", "> - quoted item\n", "quoted item", "text: list and quote marks dropped");
	title_is("req.txt", "# Heading\nbody\n", "Heading",
		 "a .txt file is text: '#' is only dropped");
	title_is("req.txt", "***\n---\nTitle after rules\n", "Title after rules",
		 "text: lines of marks only are skipped");

	ev = submit_n("a.md", "# Ignored\nText\n", 15, 0, NULL, "Given title", &rc);
	is_str(data_str(ev, 0, "title"), "Given title", "opts.title overrides");
	is_str(subject(ev, 0), want_fid("given-title", "# Ignored\nText\n", 15),
	       "and names the feature");
	json_decref(ev);

	ev = submit_n("stdin", "Plain text\n", 11, 0, "markdown", NULL, &rc);
	is_str(data_str(ev, 0, "format"), "markdown", "opts.format is used as given");
	is_str(data_str(ev, 0, "title"), "Plain text", "markdown without heading: first line");
	json_decref(ev);

	/* A long first line is cut at 100 bytes, between characters. */
	for (int pad = 96; pad <= 100; pad++) {
		char text[300], want[128];

		memset(text, 'a', (size_t)pad);
		snprintf(text + pad, sizeof(text) - (size_t)pad, "\xe2\x82\xac\xf0\x9f\x98\x80 tail\n");
		snprintf(want, sizeof(want), "%.*s", pad, text);
		if (pad <= 97)
			memcpy(want + pad, "\xe2\x82\xac", 4);
		ev = submit("a.txt", text, 0, &rc);
		is_int(rc, 1, "a first line of %d+12 bytes", pad);
		is_str(data_str(ev, 0, "title"), want, "cut before a character that does not fit");
		json_decref(ev);
	}
	ev = submit_n("a.md", "# T\n", 4, 0, NULL, "bad\xff", &rc);
	is_int(rc, -1, "a given title that is not UTF-8 is refused");
	is_int(ak_errcode(), AK_EXIT_DATAERR, "as bad data");
	is_str(ak_errmsg(), "the title given for 'a.md' is not UTF-8", "message");
	json_decref(ev);

	/* A long first line is cut at 100 bytes. */
	{
		char text[300];

		memset(text, 'w', 250);
		memcpy(text + 250, "\n", 2);
		ev = submit("a.txt", text, 0, &rc);
		is_int((long long)strlen(data_str(ev, 0, "title")), 100, "a long line: 100 bytes");
		json_decref(ev);
	}
}

/* Titles are cut to fit, never inside a UTF-8 sequence. */
static void test_long_titles(void)
{
	char text[512], want[512];
	json_t *ev;
	int rc;

	for (int pad = 190; pad <= 200; pad++) {
		int n = snprintf(text, sizeof(text), "# %.*s\xe2\x82\xac\xf0\x9f\x98\x80x\nbody\n",
				 pad, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
				 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
				 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
		const char *t;
		size_t tl;

		ev = submit_n("a.md", text, (size_t)n, 0, NULL, NULL, &rc);
		is_int(rc, 1, "a %d+7 byte heading is submitted", pad);
		t = data_str(ev, 0, "title");
		tl = t ? strlen(t) : 0;
		/* the longest prefix of whole characters that fits in 199 bytes */
		snprintf(want, sizeof(want), "%.*s\xe2\x82\xac\xf0\x9f\x98\x80x", pad,
			 text + 2);
		{
			size_t w = strlen(want);

			if (w > 199) {
				w = 199;
				while (((unsigned char)want[w] & 0xc0) == 0x80)
					w--;
				want[w] = '\0';
			}
		}
		is_str(t, want, "its title (%zu bytes) is whole characters", tl);
		json_decref(ev);
	}
}

static void test_split(void)
{
	const char *doc = "# Doc\n\nIntro text.\n\n## A\n\nalpha\n\n## B\n\nbeta\n";
	const char *pre = "# Doc\n\nIntro text.\n\n", *sa = "## A\n\nalpha\n\n",
		   *sb = "## B\n\nbeta\n";
	json_t *ev;
	int rc;

	ev = submit("doc.md", doc, 1, &rc);
	is_int(rc, 3, "lone H1 with text and two H2: three events");
	is_str(data_str(ev, 0, "title"), "Doc", "preamble: the document title");
	is_str(data_str(ev, 0, "text"), pre, "preamble: text up to the first H2");
	is_int(section(ev, 0), 1, "preamble: section 1");
	is_str(subject(ev, 0), want_fid("doc", pre, strlen(pre)), "preamble: its own feature id");
	is_str(data_str(ev, 1, "title"), "A", "first H2: title");
	is_str(data_str(ev, 1, "text"), sa, "first H2: its text");
	is_int(section(ev, 1), 2, "first H2: section 2");
	is_str(subject(ev, 1), want_fid("a", sa, strlen(sa)), "first H2: feature id");
	is_str(data_str(ev, 2, "title"), "B", "second H2: title");
	is_str(data_str(ev, 2, "text"), sb, "second H2: its text, to the end");
	is_int(section(ev, 2), 3, "second H2: section 3");
	json_decref(ev);

	ev = submit("doc.md", "# Doc\n\n## A\nalpha\n### A.1\ndeep\n## B\nbeta\n", 1, &rc);
	is_int(rc, 2, "lone H1 right before the H2s: no preamble");
	is_str(data_str(ev, 0, "title"), "A", "first: A");
	is_str(data_str(ev, 0, "text"), "## A\nalpha\n### A.1\ndeep\n", "H3 stays in its H2");
	is_int(section(ev, 0), 1, "A is section 1");
	is_str(data_str(ev, 1, "text"), "## B\nbeta\n", "B");
	json_decref(ev);

	ev = submit("doc.md", "# One\n## sub\n1\n# Two\n2\n", 1, &rc);
	is_int(rc, 2, "several H1: one event per H1");
	is_str(data_str(ev, 0, "title"), "One", "first H1");
	is_str(data_str(ev, 0, "text"), "# One\n## sub\n1\n", "its H2 stays with it");
	is_str(data_str(ev, 1, "title"), "Two", "second H1");
	is_str(data_str(ev, 1, "text"), "# Two\n2\n", "second H1 text");
	json_decref(ev);

	ev = submit("doc.md", "Front matter\n\n# One\n1\n# Two\n2\n", 1, &rc);
	is_int(rc, 3, "text before several H1: a preamble event");
	is_str(data_str(ev, 0, "text"), "Front matter\n\n", "the preamble text");
	is_str(data_str(ev, 0, "title"), "One", "the preamble is titled by the first heading");
	json_decref(ev);

	ev = submit("doc.md", "Front matter\n# Doc\n## A\na\n## B\nb\n", 1, &rc);
	is_int(rc, 3, "text before a lone H1 title: a preamble event");
	is_str(data_str(ev, 0, "text"), "Front matter\n# Doc\n", "the preamble keeps that text");
	json_decref(ev);

	ev = submit("doc.md", "## A\na\n## B\nb\n# Appendix\nc\n", 1, &rc);
	is_int(rc, 2, "a lone H1 after H2s is not a document title: split at H1");
	is_str(data_str(ev, 0, "text"), "## A\na\n## B\nb\n", "the H2s are the preamble");
	is_str(data_str(ev, 1, "text"), "# Appendix\nc\n", "the H1 section is not lost");
	json_decref(ev);

	ev = submit("doc.md", "## A\na\n## B\nb\n## C\nc\n", 1, &rc);
	is_int(rc, 3, "only H2s: one event per H2");
	json_decref(ev);

	ev = submit("doc.md", "# Doc\n```\n## not a section\n```\n## Real\nx\n", 1, &rc);
	is_int(rc, 2, "a heading in a fence does not split");
	is_str(data_str(ev, 0, "text"), "# Doc\n```\n## not a section\n```\n",
	       "the fence is in the preamble");
	is_str(data_str(ev, 1, "title"), "Real", "the real section");
	json_decref(ev);

	ev = submit("doc.md", "# Only a title\n\nand text\n", 1, &rc);
	is_int(rc, 1, "a lone H1 without sections: one event");
	is_int(section(ev, 0), -1, "not numbered");
	json_decref(ev);

	ev = submit("doc.txt", "# One\n1\n# Two\n2\n", 1, &rc);
	is_int(rc, 1, "text documents are not split");
	json_decref(ev);

	ev = submit("doc.md", "# One\n1\n# Two\n2\n", 0, &rc);
	is_int(rc, 1, "without --split: one event");
	is_str(data_str(ev, 0, "title"), "One", "titled by the first heading");
	json_decref(ev);

	ev = submit("doc.md", "Doc\n===\nintro\n\nA\n---\na\n\nB\n---\nb\n", 1, &rc);
	is_int(rc, 3, "setext headings split too");
	is_str(data_str(ev, 1, "text"), "A\n---\na\n\n", "a setext section");
	json_decref(ev);
}

static void test_refusals(void)
{
	json_t *ev = json_array(), *e;
	struct submit_opts o = SUBMIT_OPTS_INIT;
	int rc;

	json_array_append_new(ev, json_string("already here"));
	is_int(submit_document(&ec, "doc.md", "abc\0def", 7, &o, ev), -1, "a NUL byte");
	is_int(ak_errcode(), AK_EXIT_DATAERR, "NUL: class 65");
	is_str(ak_errmsg(), "'doc.md' is not a text document (NUL byte at byte 4)", "NUL: message");
	is_int((long long)json_array_size(ev), 1, "NUL: events unchanged");

	is_int(submit_document(&ec, "doc.md", "ab\xff" "cd", 5, &o, ev), -1, "invalid UTF-8");
	is_int(ak_errcode(), AK_EXIT_DATAERR, "UTF-8: class 65");
	is_str(ak_errmsg(), "'doc.md' is not UTF-8 (invalid byte at byte 3)", "UTF-8: message");
	is_int(submit_document(&ec, "d", "# T\n\xed\xa0\x80\n", 8, &o, ev), -1,
	       "a surrogate in UTF-8");
	is_str(ak_errmsg(), "'d' is not UTF-8 (invalid byte at byte 5)", "surrogate: message");
	is_int(submit_document(&ec, "d", "# T\xc3", 4, &o, ev), -1, "a sequence cut by the end");
	is_int((long long)json_array_size(ev), 1, "UTF-8: events unchanged");

	is_int(submit_document(&ec, "doc.md", "", 0, &o, ev), -1, "an empty document");
	is_int(ak_errcode(), AK_EXIT_DATAERR, "empty: class 65");
	is_str(ak_errmsg(), "'doc.md' is empty", "empty: message");
	e = submit_n("doc.md", " \n\t\r\n  \n", 8, 0, NULL, NULL, &rc);
	is_int(rc, -1, "white space only");
	is_str(ak_errmsg(), "'doc.md' is empty", "white space: message");
	json_decref(e);
	e = submit_n("doc.md", "\n\n\n\n", 4, 0, NULL, NULL, &rc);
	is_int(rc, -1, "newlines only, not NUL-terminated");
	json_decref(e);
	e = submit_n("doc.md", "\n\n\nx", 3, 0, NULL, NULL, &rc);
	is_int(rc, -1, "only len bytes count (\"\\n\\n\\nx\", 3)");
	json_decref(e);
	e = submit_n("doc.md", "\n\nx", 3, 0, NULL, NULL, &rc);
	is_int(rc, 1, "a text with one letter is not empty");
	json_decref(e);
	is_int((long long)json_array_size(ev), 1, "events still unchanged");
	json_decref(ev);
}

static void test_guess(void)
{
	is_str(submit_guess_format("x.md", "plain", 5), "markdown", ".md is markdown");
	is_str(submit_guess_format("x.markdown", "plain", 5), "markdown", ".markdown");
	is_str(submit_guess_format("x.mdown", "plain", 5), "markdown", ".mdown");
	is_str(submit_guess_format("x.txt", "# Title\n", 8), "text", ".txt is text");
	is_str(submit_guess_format("stdin", "# Title\n", 8), "markdown", "a heading: markdown");
	is_str(submit_guess_format("stdin", "Title\n=====\n", 12), "markdown",
	       "a setext heading: markdown");
	is_str(submit_guess_format("stdin", "plain words\n", 12), "text", "no heading: text");
	is_str(submit_guess_format("notes", "#tag\n", 5), "text", "#tag is not a heading");
	is_str(submit_guess_format("dir.md/file", "plain", 5), "text",
	       "a dot in a directory name is no extension");
	is_str(submit_guess_format("x.rst", "```\n# x\n```\n", 12), "text",
	       "a heading inside a fence does not make markdown");
}

/* A first line of nothing but marks must not make the title search quadratic. */
static void test_marks_line(void)
{
	size_t n = 400000;
	char *text = malloc(n + 16);
	struct timespec t0, t1;
	json_t *ev;
	int rc;

	memset(text, '-', n);
	memcpy(text + n, "\nTitle\n", 8);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ev = submit_n("a.txt", text, n + 7, 0, NULL, NULL, &rc);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	is_int(rc, 1, "a 400,000-byte line of '-' then a title");
	is_str(data_str(ev, 0, "title"), "Title", "the title is the next line");
	ok(t1.tv_sec - t0.tv_sec < 5, "in linear time (%lld s)", (long long)(t1.tv_sec - t0.tv_sec));
	json_decref(ev);
	free(text);
}

int main(void)
{
	event_ctx_init(&ec, "agentkit/agentctl", "1700000000");
	test_titles();
	test_long_titles();
	test_split();
	test_refusals();
	test_guess();
	test_marks_line();
	return done_testing();
}
