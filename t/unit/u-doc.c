/*
 * u-doc.c - unit tests for lib/analyze/doc.c: a requirement document read
 * into sentences, list items and table rows under their headings.
 *
 * Each case dumps the whole document, one unit a line as
 * "KIND|section|text" (a table row as its cells joined by " | "), with the
 * headings, the title, the tables and the count of code blocks left out,
 * and compares the dump with the expected text. Markdown: headings, the
 * sentence cutter's traps (abbreviations, decimals, a question mark inside
 * a quoted link name), nested and loose lists, code, tables, inline
 * markup. Plain text: paragraphs, bullets and numbers, a line ending in a
 * colon as a heading. Then hostile input: empty, CRLF, control bytes and
 * other scripts, a megabyte paragraph without a full stop.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "analyze/doc.h"
#include "tap.h"
#include "banned.h"

static const char *kind_name(enum unit_kind k)
{
	switch (k) {
	case UNIT_SENTENCE:
		return "SENTENCE";
	case UNIT_ITEM:
		return "ITEM";
	case UNIT_ITEM_MORE:
		return "MORE";
	case UNIT_ROW:
		return "ROW";
	}
	return "?";
}

/*
 * The document as text: a line per unit, then "title=", "sections=" (level
 * and text of each heading), "tables=" (each table's section and header
 * cells) and "code=".
 */
static void dump(const struct doc *d, struct buf *b)
{
	buf_reset(b);
	for (size_t i = 0; i < d->n; i++) {
		const struct unit *u = &d->v[i];

		buf_addf(b, "%s|%s|", kind_name(u->kind), doc_section(d, u));
		if (u->kind == UNIT_ROW) {
			buf_addf(b, "t%ld:", u->table);
			for (size_t k = 0; k < u->ncells; k++)
				buf_addf(b, "%s%s", k ? " | " : "", u->cells[k]);
		} else {
			buf_addstr(b, u->text);
			if (u->len != strlen(u->text))
				buf_addstr(b, " [len mismatch]");
		}
		buf_addch(b, '\n');
	}
	buf_addf(b, "title=%s\nsections=", d->title ? d->title : "(none)");
	for (size_t i = 0; i < d->nsections; i++)
		buf_addf(b, "%s%d:%s", i ? ";" : "", d->levels[i], d->sections[i]);
	buf_addstr(b, "\ntables=");
	for (size_t i = 0; i < d->ntables; i++) {
		buf_addf(b, "%s%ld[", i ? ";" : "", d->tables[i].section);
		for (size_t k = 0; k < d->tables[i].ncols; k++)
			buf_addf(b, "%s%s", k ? "," : "", d->tables[i].head[k]);
		buf_addch(b, ']');
	}
	buf_addf(b, "\ncode=%zu\n", d->code_blocks);
}

static void parse_is(const char *name, const char *text, size_t len, int markdown,
		     const char *want)
{
	struct doc d = DOC_INIT;
	struct buf b = BUF_INIT;

	if (!is_int(doc_parse(&d, text, len, markdown), 0, "%s: doc_parse returns 0", name)) {
		buf_release(&b);
		return;
	}
	dump(&d, &b);
	is_str(b.p, want, "%s: whole document", name);
	doc_release(&d);
	ok(d.n == 0 && d.v == NULL && d.title == NULL, "%s: doc_release resets the doc", name);
	buf_release(&b);
}

#define PARSE_IS(name, lit, md, want) parse_is(name, lit, sizeof(lit) - 1, md, want)

/* --- Markdown ------------------------------------------------------------ */

static void markdown_headings(void)
{
	PARSE_IS("md headings",
		 "Before any heading.\n"
		 "\n"
		 "# Task *tracker*\n"
		 "\n"
		 "## Goals\n"
		 "\n"
		 "Keep track of tasks. Share them with a team.\n"
		 "\n"
		 "### Details\n"
		 "Text here.\n"
		 "\n"
		 "Second top\n"
		 "==========\n"
		 "\n"
		 "Last.\n", 1,
		 "SENTENCE||Before any heading.\n"
		 "SENTENCE|Goals|Keep track of tasks.\n"
		 "SENTENCE|Goals|Share them with a team.\n"
		 "SENTENCE|Details|Text here.\n"
		 "SENTENCE|Second top|Last.\n"
		 "title=Task tracker\n"
		 "sections=1:Task tracker;2:Goals;3:Details;1:Second top\n"
		 "tables=\n"
		 "code=0\n");

	/* the title is the first level-1 heading, not the first heading */
	PARSE_IS("md title after a level-2 heading",
		 "## Overview\n\nText.\n\n# Real title\n", 1,
		 "SENTENCE|Overview|Text.\n"
		 "title=Real title\n"
		 "sections=2:Overview;1:Real title\n"
		 "tables=\n"
		 "code=0\n");
}

static void markdown_sentences(void)
{
	PARSE_IS("md sentences",
		 "Users can export data, e.g. tasks and notes, as CSV. Dr. Smith reviews "
		 "it etc. and signs it. The limit is 2.5 MB per file. Is it free? Yes! "
		 "Click the \"Forgot password?\" link to reset it. We keep tasks, notes "
		 "etc. Reports follow\n"
		 "on a second line (see J. Smith). Done.\n", 1,
		 "SENTENCE||Users can export data, e.g. tasks and notes, as CSV.\n"
		 "SENTENCE||Dr. Smith reviews it etc. and signs it.\n"
		 "SENTENCE||The limit is 2.5 MB per file.\n"
		 "SENTENCE||Is it free?\n"
		 "SENTENCE||Yes!\n"
		 "SENTENCE||Click the \"Forgot password?\" link to reset it.\n"
		 "SENTENCE||We keep tasks, notes etc.\n"
		 "SENTENCE||Reports follow on a second line (see J. Smith).\n"
		 "SENTENCE||Done.\n"
		 "title=(none)\n"
		 "sections=\n"
		 "tables=\n"
		 "code=0\n");
}

static void markdown_lists(void)
{
	PARSE_IS("md lists",
		 "## Features\n"
		 "\n"
		 "- Create a task. Add a due date.\n"
		 "- Share a project\n"
		 "  - with a member. Or a team.\n"
		 "  - nested two\n"
		 "\n"
		 "1. First numbered\n"
		 "2. Second\n"
		 "\n"
		 "* A loose item.\n"
		 "\n"
		 "  Its second paragraph. And more.\n"
		 "\n"
		 "Paragraph after.\n", 1,
		 "ITEM|Features|Create a task.\n"
		 "MORE|Features|Add a due date.\n"
		 "ITEM|Features|Share a project\n"
		 "ITEM|Features|with a member.\n"
		 "MORE|Features|Or a team.\n"
		 "ITEM|Features|nested two\n"
		 "ITEM|Features|First numbered\n"
		 "ITEM|Features|Second\n"
		 "ITEM|Features|A loose item.\n"
		 "MORE|Features|Its second paragraph.\n"
		 "MORE|Features|And more.\n"
		 "SENTENCE|Features|Paragraph after.\n"
		 "title=(none)\n"
		 "sections=2:Features\n"
		 "tables=\n"
		 "code=0\n");
}

static void markdown_code(void)
{
	PARSE_IS("md code blocks",
		 "# Spec\n"
		 "\n"
		 "Text.\n"
		 "\n"
		 "```c\n"
		 "int x = 1. Not prose.\n"
		 "```\n"
		 "\n"
		 "    indented code. Not prose.\n"
		 "\n"
		 "<div>\n"
		 "html block\n"
		 "</div>\n"
		 "\n"
		 "More text.\n", 1,
		 "SENTENCE|Spec|Text.\n"
		 "SENTENCE|Spec|More text.\n"
		 "title=Spec\n"
		 "sections=1:Spec\n"
		 "tables=\n"
		 "code=3\n");
}

static void markdown_tables(void)
{
	static const char md[] =
		"# Model\n"
		"\n"
		"## Task fields\n"
		"\n"
		"| Field | Type | Required |\n"
		"|-------|------|----------|\n"
		"| title | *string* | yes |\n"
		"| due   date | `date` | no |\n"
		"\n"
		"After the table.\n";
	struct doc d = DOC_INIT;

	PARSE_IS("md table", md, 1,
		 "ROW|Task fields|t0:title | string | yes\n"
		 "ROW|Task fields|t0:due date | date | no\n"
		 "SENTENCE|Task fields|After the table.\n"
		 "title=Model\n"
		 "sections=1:Model;2:Task fields\n"
		 "tables=1[Field,Type,Required]\n"
		 "code=0\n");

	/* a row's text is its cells joined by "; " */
	if (is_int(doc_parse(&d, md, sizeof(md) - 1, 1), 0, "md table: parse again") &&
	    is_int((long long)d.n, 3, "md table: three units")) {
		is_str(d.v[0].text, "title; string; yes", "md table: row text");
		is_int((long long)d.v[0].ncells, 3, "md table: row cell count");
		is_int((long long)d.tables[0].ncols, 3, "md table: header cell count");
		is_int(d.v[2].table, -1, "md table: a sentence has no table");
	}
	doc_release(&d);

	/* two tables: rows name their own table */
	PARSE_IS("md two tables",
		 "| A | B |\n|---|---|\n| 1 | 2 |\n\n## Next\n\n| C |\n|---|\n| 3 |\n| 4 |\n", 1,
		 "ROW||t0:1 | 2\n"
		 "ROW|Next|t1:3\n"
		 "ROW|Next|t1:4\n"
		 "title=(none)\n"
		 "sections=2:Next\n"
		 "tables=-1[A,B];0[C]\n"
		 "code=0\n");
}

static void markdown_inline(void)
{
	PARSE_IS("md inline markup",
		 "## *Out* of `scope`\n"
		 "\n"
		 "Users can **export** [their reports](http://example.com/r) as `CSV` or _PDF_.\n"
		 "See <https://example.com> and ![the logo](logo.png) with <b>bold</b> html.\n"
		 "A hard  \n"
		 "break here.\n", 1,
		 "SENTENCE|Out of scope|Users can export their reports as CSV or PDF.\n"
		 "SENTENCE|Out of scope|See https://example.com and the logo with bold html.\n"
		 "SENTENCE|Out of scope|A hard break here.\n"
		 "title=(none)\n"
		 "sections=2:Out of scope\n"
		 "tables=\n"
		 "code=0\n");
}

/* --- plain text ---------------------------------------------------------- */

static void plain_text(void)
{
	PARSE_IS("text paragraphs and items",
		 "Task tracker\n"
		 "\n"
		 "Users can create tasks.   They can\tshare them.\n"
		 "\n"
		 "Features:\n"
		 "- Create a task\n"
		 "* Delete a task. It asks first.\n"
		 "1. Export tasks\n"
		 "2) Import tasks\n"
		 "\xe2\x80\xa2 Print tasks\n"
		 "   continued line\n"
		 "\n"
		 "Last paragraph\n"
		 "over two lines.\n", 0,
		 "SENTENCE||Task tracker\n"
		 "SENTENCE||Users can create tasks.\n"
		 "SENTENCE||They can share them.\n"
		 "ITEM|Features|Create a task\n"
		 "ITEM|Features|Delete a task.\n"
		 "MORE|Features|It asks first.\n"
		 "ITEM|Features|Export tasks\n"
		 "ITEM|Features|Import tasks\n"
		 "ITEM|Features|Print tasks continued line\n"
		 "SENTENCE|Features|Last paragraph over two lines.\n"
		 "title=(none)\n"
		 "sections=2:Features\n"
		 "tables=\n"
		 "code=0\n");

	/* a line ending in a colon inside a paragraph is not a heading */
	PARSE_IS("text colon inside a paragraph",
		 "We need three things:\nspeed, safety and cost.\n\nNotes:\n\nFirst note.\n", 0,
		 "SENTENCE||We need three things: speed, safety and cost.\n"
		 "SENTENCE|Notes|First note.\n"
		 "title=(none)\n"
		 "sections=2:Notes\n"
		 "tables=\n"
		 "code=0\n");

	/* Markdown syntax in plain text is text */
	PARSE_IS("text with markdown syntax",
		 "# Not a heading\n| a | b |\n", 0,
		 "SENTENCE||# Not a heading | a | b |\n"
		 "title=(none)\n"
		 "sections=\n"
		 "tables=\n"
		 "code=0\n");

	/* a number that is not a list marker */
	PARSE_IS("text leading decimal",
		 "2.5 million users.\n-not an item\n", 0,
		 "SENTENCE||2.5 million users. -not an item\n"
		 "title=(none)\n"
		 "sections=\n"
		 "tables=\n"
		 "code=0\n");
}

/* --- hostile input ------------------------------------------------------- */

static void crlf(void)
{
	PARSE_IS("text CRLF",
		 "Features:\r\n- Create a task\r\n- Delete it\r\n\r\nDone. Really done.\r\n", 0,
		 "ITEM|Features|Create a task\n"
		 "ITEM|Features|Delete it\n"
		 "SENTENCE|Features|Done.\n"
		 "SENTENCE|Features|Really done.\n"
		 "title=(none)\n"
		 "sections=2:Features\n"
		 "tables=\n"
		 "code=0\n");
	PARSE_IS("md CRLF",
		 "# Title\r\n\r\nLine one.\r\nLine two.\r\n\r\n- item\r\n", 1,
		 "SENTENCE|Title|Line one.\n"
		 "SENTENCE|Title|Line two.\n"
		 "ITEM|Title|item\n"
		 "title=Title\n"
		 "sections=1:Title\n"
		 "tables=\n"
		 "code=0\n");
}

/* Inputs that once came out wrong. */
static void regressions(void)
{
	PARSE_IS("a label at the very end", "Notes:\n", 0, "title=(none)\nsections=2:Notes\ntables=\ncode=0\n");
	PARSE_IS("a label before CRLF items", "Notes:\r\n- First note.\r\n", 0,
		 "ITEM|Notes|First note.\ntitle=(none)\nsections=2:Notes\ntables=\ncode=0\n");
	PARSE_IS("bullets with nothing after them", "- \n* \n", 0,
		 "title=(none)\nsections=\ntables=\ncode=0\n");
	PARSE_IS("an empty level-1 heading is no title", "#\n\n# Real\n", 1,
		 "title=Real\nsections=1:;1:Real\ntables=\ncode=0\n");
}

static void empty(void)
{
	static const char nothing[] =
		"title=(none)\n"
		"sections=\n"
		"tables=\n"
		"code=0\n";

	parse_is("md empty", "", 0, 1, nothing);
	parse_is("text empty", "", 0, 0, nothing);
	PARSE_IS("md white space only", " \n\t\n\r\n   \n", 1, nothing);
	PARSE_IS("text white space only", " \n\t\n\r\n   \n", 0, nothing);
	PARSE_IS("md heading without text", "##\n\n###   \n", 1,
		 "title=(none)\n"
		 "sections=2:;3:\n"
		 "tables=\n"
		 "code=0\n");
}

static void binary(void)
{
	/* control bytes, a zero-width space, other scripts: valid UTF-8 */
	static const char bin[] =
		"\x01\x02 caf\xc3\xa9 \xe2\x80\x8b\x7f\x1b[0m. \xc3\x84rger \xc3\xbc" "ber "
		"Stra\xc3\x9f" "e. \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x80\x82\n";

	PARSE_IS("text control bytes and other scripts", bin, 0,
		 "SENTENCE||\x01\x02 caf\xc3\xa9 \xe2\x80\x8b\x7f\x1b[0m.\n"
		 "SENTENCE||\xc3\x84rger \xc3\xbc" "ber Stra\xc3\x9f" "e.\n"
		 "SENTENCE||\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x80\x82\n"
		 "title=(none)\n"
		 "sections=\n"
		 "tables=\n"
		 "code=0\n");
	PARSE_IS("md control bytes and other scripts", bin, 1,
		 "SENTENCE||\x01\x02 caf\xc3\xa9 \xe2\x80\x8b\x7f\x1b[0m.\n"
		 "SENTENCE||\xc3\x84rger \xc3\xbc" "ber Stra\xc3\x9f" "e.\n"
		 "SENTENCE||\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x80\x82\n"
		 "title=(none)\n"
		 "sections=\n"
		 "tables=\n"
		 "code=0\n");
}

/*
 * Text in a buffer of exactly its length, without a NUL after it: the
 * reader must not look past the end (the sanitizer build catches it).
 */
static void exact_buffer(void)
{
	static const char *const texts[] = {
		"- a\n", "1.\n", ":\n", "Done:\n- a", "x\n\n", "\xe2\x80\xa2", NULL
	};
	static const char *const wants[] = {
		"ITEM||a\n", "SENTENCE||1.\n", "SENTENCE||:\n", "ITEM|Done|a\n", "SENTENCE||x\n",
		"SENTENCE||\xe2\x80\xa2\n",
	};

	for (size_t i = 0; texts[i]; i++) {
		size_t len = strlen(texts[i]);
		char *p = malloc(len);
		struct doc d = DOC_INIT;
		struct buf b = BUF_INIT, want = BUF_INIT;

		if (!p)
			continue;
		memcpy(p, texts[i], len);
		if (is_int(doc_parse(&d, p, len, 0), 0, "exact buffer %zu: parse", i)) {
			dump(&d, &b);
			buf_addf(&want, "%stitle=(none)\nsections=%s\ntables=\ncode=0\n", wants[i],
				 i == 3 ? "2:Done" : "");
			is_str(b.p, want.p, "exact buffer %zu: whole document", i);
		}
		doc_release(&d);
		buf_release(&b);
		buf_release(&want);
		free(p);
	}
}

/* A megabyte of words without a full stop is one sentence. */
static void huge(void)
{
	const size_t words = 200000;
	struct buf in = BUF_INIT;

	for (size_t i = 0; i < words; i++)
		buf_addstr(&in, i % 2 ? "tasks " : "users ");
	for (int md = 0; md <= 1; md++) {
		struct doc d = DOC_INIT;

		if (!is_int(doc_parse(&d, in.p, in.len, md), 0, "huge %s: parse", md ? "md" : "text"))
			continue;
		if (is_int((long long)d.n, 1, "huge %s: one unit", md ? "md" : "text")) {
			is_int(d.v[0].kind, UNIT_SENTENCE, "huge %s: a sentence", md ? "md" : "text");
			is_int((long long)d.v[0].len, (long long)in.len - 1,
			       "huge %s: whole text but the last space", md ? "md" : "text");
			ok(d.v[0].len == in.len - 1 && !memcmp(d.v[0].text, in.p, in.len - 1) &&
			   d.v[0].text[in.len - 1] == '\0',
			   "huge %s: same bytes, NUL-terminated", md ? "md" : "text");
		}
		doc_release(&d);
	}
	buf_release(&in);
}

/* --- doc_sentences ------------------------------------------------------- */

struct collect {
	struct buf b;
	int calls, stop_after;
};

static int collect_cb(void *ctx, const char *s, size_t len)
{
	struct collect *c = ctx;

	buf_addf(&c->b, "[%.*s]", (int)len, s);
	return ++c->calls == c->stop_after ? -1 : 0;
}

static void sentences_is(const char *s, const char *want)
{
	struct collect c = { BUF_INIT, 0, 0 };

	is_int(doc_sentences(s, strlen(s), collect_cb, &c), 0, "sentences rc: %s", s);
	is_str(c.b.p ? c.b.p : "", want, "sentences: %s", s);
	buf_release(&c.b);
}

static void sentences(void)
{
	struct collect c = { BUF_INIT, 0, 2 };
	static const char three[] = "One. Two. Three.";

	sentences_is("", "");
	sentences_is("   ", "");
	sentences_is("No stop at the end", "[No stop at the end]");
	sentences_is("  Padded. Twice.  ", "[Padded.][Twice.]");
	sentences_is("Wait... What?! (Really.) Yes.", "[Wait...][What?!][(Really.)][Yes.]");
	sentences_is("Version 2.5. Next 10.", "[Version 2.5.][Next 10.]");
	sentences_is("Call e.g. Alice. Then i.e. Bob.", "[Call e.g. Alice.][Then i.e. Bob.]");
	sentences_is("Ask Dr. Who. And Mr. X.", "[Ask Dr. Who.][And Mr. X.]");
	sentences_is("Why? because.", "[Why? because.]");
	sentences_is("A stop.lowercase joins.", "[A stop.lowercase joins.]");
	sentences_is("He said \"Stop.\" Then left.", "[He said \"Stop.\"][Then left.]");
	sentences_is("\xc3\x9c" "bung. \xc3\x84nderung.", "[\xc3\x9c" "bung.][\xc3\x84nderung.]");

	/* a callback's -1 stops the cut and is returned */
	is_int(doc_sentences(three, sizeof(three) - 1, collect_cb, &c), -1,
	       "sentences: the callback's -1 is passed through");
	is_str(c.b.p, "[One.][Two.]", "sentences: nothing after the stop");
	buf_release(&c.b);

	/* a length shorter than the string: nothing after it is read */
	c = (struct collect){ BUF_INIT, 0, 0 };
	is_int(doc_sentences(three, 8, collect_cb, &c), 0, "sentences: prefix rc");
	is_str(c.b.p, "[One.][Two]", "sentences: only the prefix");
	buf_release(&c.b);
}

int main(void)
{
	markdown_headings();
	markdown_sentences();
	markdown_lists();
	markdown_code();
	markdown_tables();
	markdown_inline();
	plain_text();
	crlf();
	empty();
	regressions();
	binary();
	exact_buffer();
	huge();
	sentences();
	return done_testing();
}
