/*
 * render.c - the documents agent-analyze writes from an analysis: a PRD in
 * Markdown, Gherkin scenarios, the data model as JSON and static HTML
 * wireframes (see render.h).
 *
 * The analysis comes from rules run over text anyone could have written, so
 * nothing in it is trusted: each string is read through jstr() (a missing
 * or non-string member is ""), each array through json_array_size() (0 for
 * anything that is not an array), and elements that are not objects are
 * skipped. Text is normalised on the way out (control characters and runs
 * of white space become one space, ends trimmed) and then escaped for the
 * target: backslashes for Markdown, entities for HTML; Gherkin needs only
 * the normalising, as long as nothing it writes starts a line with
 * something its parser would take for a keyword, a tag or a comment.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "error.h"
#include "analyze/render.h"
#include "banned.h"

/* The largest wireframe page; more means the analysis is not a real one. */
#define PAGE_MAX ((size_t)32 << 20)

/* A page name: the kebab-case name, cut, plus room for a "-N" suffix. */
#define SLUG_BASE 64
#define SLUG_MAX (SLUG_BASE + 24)

#define TRY(x) do { if ((x) < 0) goto fail; } while (0)

/* Character classes of the C locale, whatever the process' locale is. */
static int is_digit(unsigned c) { return c >= '0' && c <= '9'; }
static int is_lower(unsigned c) { return c >= 'a' && c <= 'z'; }
static int is_upper(unsigned c) { return c >= 'A' && c <= 'Z'; }
static int is_alpha(unsigned c) { return is_lower(c) || is_upper(c); }
static int is_alnum(unsigned c) { return is_alpha(c) || is_digit(c); }
/* Not NUL: a loop skipping spaces stops at the end of the string. */
static int is_space(unsigned c) { return (c && c <= ' ') || c == 0x7f; }
static unsigned to_lower(unsigned c) { return is_upper(c) ? c + 32 : c; }

/* A letter or digit of any script: UTF-8 bytes count as word bytes. */
static int is_word(unsigned c) { return is_alnum(c) || c >= 0x80; }

static const char *jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static int has_text(const char *s)
{
	for (; *s; s++)
		if (!is_space((unsigned char)*s))
			return 1;
	return 0;
}

static size_t count_objects(const json_t *arr)
{
	size_t i, n = 0;

	for (i = 0; i < json_array_size(arr); i++)
		n += json_is_object(json_array_get(arr, i)) != 0;
	return n;
}

/* 1 when a and b are the same but for the case of ASCII letters. */
static int ascii_caseeq(const char *a, const char *b)
{
	for (; *a && to_lower((unsigned char)*a) == to_lower((unsigned char)*b); a++, b++)
		;
	return !*a && !*b;
}

/* 1 when s starts with the lowercase word kw, in any case. */
static int starts_with_word(const char *s, const char *kw)
{
	for (; *kw; s++, kw++)
		if (to_lower((unsigned char)*s) != (unsigned char)*kw)
			return 0;
	return *s && is_space((unsigned char)*s);
}

/*
 * Normalised text: s[0..n) read with control characters and runs of white
 * space as one space, without white space at either end.
 */
struct span {
	const char *s;
	size_t n, i;
	int started, pending;
};

static void span_init(struct span *sp, const char *s, size_t n)
{
	sp->s = s;
	sp->n = n;
	sp->i = 0;
	sp->started = sp->pending = 0;
}

/* The next byte into *c: 1, or 0 at the end. */
static int span_next(struct span *sp, unsigned char *c)
{
	while (sp->i < sp->n) {
		unsigned char ch = (unsigned char)sp->s[sp->i];

		if (is_space(ch)) {
			sp->i++;
			sp->pending = sp->started;
			continue;
		}
		if (sp->pending) {
			sp->pending = 0;
			*c = ' ';
			return 1;
		}
		sp->started = 1;
		sp->i++;
		*c = ch;
		return 1;
	}
	return 0;
}

/* What follows the byte span_next gave last (0 at the end). */
static unsigned span_peek(const struct span *sp)
{
	return sp->i < sp->n ? (unsigned char)sp->s[sp->i] : 0;
}

/* An entity reference ("amp;", "#38;") follows the & span_next gave last. */
static int entity_ahead(const struct span *sp)
{
	size_t j = sp->i, k;

	if (j < sp->n && sp->s[j] == '#')
		j++;
	for (k = j; j < sp->n && is_alnum((unsigned char)sp->s[j]); j++)
		;
	return j > k && j < sp->n && sp->s[j] == ';';
}

/* The length of s without trailing white space and full stops. */
static size_t len_nostop(const char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '.' || is_space((unsigned char)s[n - 1])))
		n--;
	return n;
}

/* s[0..n) normalised, as is: for Gherkin, where nothing needs escaping. */
static int plain_textn(struct buf *out, const char *s, size_t n)
{
	struct span sp;
	unsigned char c;

	span_init(&sp, s, n);
	while (span_next(&sp, &c))
		if (buf_addch(out, (char)c) < 0)
			return -1;
	return 0;
}

static int plain_text(struct buf *out, const char *s)
{
	return plain_textn(out, s, strlen(s));
}

#define MD_CELL 1     /* inside a table row: | ends the cell */
#define MD_SPACES 2   /* an identifier to read: _ is a space */

/*
 * s[0..n) normalised, with a backslash before each character that would
 * otherwise make Markdown (CommonMark with the GitHub tables) of it:
 * emphasis, code, links, HTML tags and entities, and at the start of the
 * text a heading, quote, list or rule. Characters that cannot start any
 * markup where they are ("R&D", "a < b", "due_date") are left alone so the
 * source stays readable.
 */
static int md_textn(struct buf *out, const char *s, size_t n, int flags)
{
	struct span sp;
	unsigned char c, prev = 0;
	int first = 1, digits = 1;

	span_init(&sp, s, n);
	while (span_next(&sp, &c)) {
		unsigned next = span_peek(&sp);
		int esc = 0;

		if (c == '_' && (flags & MD_SPACES))
			c = ' ';

		switch (c) {
		case '\\': case '`': case '*': case '[': case ']': case '~':
			esc = 1;
			break;
		case '|':
			esc = flags & MD_CELL;
			break;
		case '_':
			esc = !(is_word(prev) && is_word(next));
			break;
		case '&':
			esc = entity_ahead(&sp);
			break;
		case '<':
			esc = is_alpha(next) || next == '/' || next == '!' || next == '?';
			break;
		case '#':
			esc = first || prev == ' ';
			break;
		case '>': case '-': case '+': case '=':
			esc = first;
			break;
		case '.': case ')':
			esc = digits && !first;
			break;
		}
		if (esc && buf_addch(out, '\\') < 0)
			return -1;
		if (buf_addch(out, (char)c) < 0)
			return -1;
		digits = digits && is_digit(c);
		first = 0;
		prev = c;
	}
	return 0;
}

static int md_text(struct buf *out, const char *s, int flags)
{
	return md_textn(out, s, strlen(s), flags);
}

/* s normalised, with & < > " ' as entities: safe in text and attributes. */
static int html_text(struct buf *out, const char *s)
{
	struct span sp;
	unsigned char c;
	int r;

	span_init(&sp, s, strlen(s));
	while (span_next(&sp, &c)) {
		switch (c) {
		case '&': r = buf_addstr(out, "&amp;"); break;
		case '<': r = buf_addstr(out, "&lt;"); break;
		case '>': r = buf_addstr(out, "&gt;"); break;
		case '"': r = buf_addstr(out, "&quot;"); break;
		case '\'': r = buf_addstr(out, "&#39;"); break;
		default: r = buf_addch(out, (char)c); break;
		}
		if (r < 0)
			return -1;
	}
	return 0;
}

/*
 * "a" or "an" before a role: by the first letter, with the common words
 * that start with a "you" sound ("a user", "a unique visitor"). Nothing
 * when the role starts with an article of its own.
 */
static const char *article(const char *role)
{
	static const char *const own[] = { "a ", "an ", "the ", "any ", "every ", "each ", NULL };
	static const char *const you[] = { "us", "uni", "uti", "ur", "eu", NULL };
	char low[8];
	size_t i, n;

	while (is_space((unsigned char)*role))
		role++;
	for (n = 0; n + 1 < sizeof(low) && role[n]; n++)
		low[n] = (char)to_lower((unsigned char)role[n]);
	low[n] = '\0';
	for (i = 0; own[i]; i++)
		if (!strncmp(low, own[i], strlen(own[i])))
			return "";
	for (i = 0; you[i]; i++)
		if (!strncmp(low, you[i], strlen(you[i])))
			return "a ";
	return strchr("aeiou", low[0]) && low[0] ? "an " : "a ";
}

/* A text (role, goal, benefit) written by one of the escapers. */
typedef int (*text_fn)(struct buf *out, const char *s, size_t n, int flags);

static int plain_fn(struct buf *out, const char *s, size_t n, int flags)
{
	(void)flags;
	return plain_textn(out, s, n);
}

static int md_fn(struct buf *out, const char *s, size_t n, int flags)
{
	return md_textn(out, s, n, flags);
}

/* A clause without the keyword it may already start with ("Given a user"). */
static const char *strip_keyword(const char *s, const char *kw)
{
	const char *p = s;

	while (is_space((unsigned char)*p))
		p++;
	if (starts_with_word(p, kw) && has_text(p + strlen(kw)))
		return p + strlen(kw);
	return s;
}

/*
 * Goals are verb phrases ("create a task"): "I want to create a task". A
 * goal that starts with "to" or a determiner ("a dashboard") goes as is.
 */
static const char *want_to(const char *goal)
{
	static const char *const as_is[] = {
		"to", "a", "an", "the", "my", "our", "their", "his", "her", "its",
		"some", "all", "every", "each", "more", "fewer", "less", "no", "one",
		"any", "this", "that", "these", "those", "it", "them", NULL,
	};
	size_t i;

	while (is_space((unsigned char)*goal))
		goal++;
	if (!*goal)
		return "";
	for (i = 0; as_is[i]; i++)
		if (starts_with_word(goal, as_is[i]))
			return "";
	return "to ";
}

/*
 * "As a user, I want to do this, so that that." from the parts that are
 * there; the goal and benefit lose their own full stops.
 */
static int story_sentence(struct buf *out, const json_t *st, text_fn text, int flags)
{
	const char *role = jstr(st, "role"), *goal = jstr(st, "goal");
	const char *benefit = jstr(st, "benefit");

	if (has_text(role)) {
		TRY(buf_addf(out, "As %s", article(role)));
		TRY(text(out, role, strlen(role), flags));
		TRY(buf_addf(out, ", I want %s", want_to(goal)));
	} else {
		TRY(buf_addf(out, "I want %s", want_to(goal)));
	}
	if (has_text(goal))
		TRY(text(out, goal, len_nostop(goal), flags));
	else
		TRY(buf_addstr(out, "(no goal stated)"));
	if (has_text(benefit)) {
		TRY(buf_addstr(out, ", so that "));
		TRY(text(out, benefit, len_nostop(benefit), flags));
	}
	return buf_addch(out, '.');
fail:
	return -1;
}

/* The id of a story, NFR or question, or PREFIX-n by its place when it has none. */
static int add_id(struct buf *out, const json_t *o, const char *prefix, size_t nth,
		  text_fn text, int flags)
{
	const char *id = jstr(o, "id");

	if (has_text(id))
		return text(out, id, strlen(id), flags);
	return buf_addf(out, "%s-%zu", prefix, nth);
}

static const char *title_of(const json_t *a)
{
	const char *t = jstr(a, "title");

	return has_text(t) ? t : "Requirements";
}

/* Undo a failed render: out as it was before. */
static int restore(struct buf *out, size_t len)
{
	out->len = len;
	if (out->p)
		out->p[len] = '\0';
	return -1;
}

static int count_line(struct buf *out, size_t n, const char *one, const char *many,
		      const char *sep)
{
	return buf_addf(out, "%zu %s%s", n, n == 1 ? one : many, sep);
}

/* The acceptance criterion has at least one clause. */
static int criterion_ok(const json_t *ac)
{
	return json_is_object(ac) && (has_text(jstr(ac, "given")) ||
				      has_text(jstr(ac, "when")) ||
				      has_text(jstr(ac, "then")));
}

static int prd_story(struct buf *out, const json_t *st, size_t nth)
{
	static const char *const kw[] = { "given", "Given", "when", "When", "then", "Then" };
	const json_t *acs = json_object_get(st, "acceptance");
	const json_t *qs = json_object_get(st, "quality");
	const char *goal = jstr(st, "goal"), *s;
	size_t i, k, n = 0;

	TRY(buf_addstr(out, "\n### "));
	TRY(add_id(out, st, "US", nth, md_fn, 0));
	if (has_text(goal)) {
		TRY(buf_addstr(out, ": "));
		TRY(md_textn(out, goal, len_nostop(goal), 0));
	}
	TRY(buf_addstr(out, "\n\n"));
	TRY(story_sentence(out, st, md_fn, 0));
	TRY(buf_addstr(out, "\n\n"));
	s = jstr(st, "priority");
	TRY(buf_addstr(out, "- Priority: "));
	TRY(md_text(out, has_text(s) ? s : "not given", 0));
	TRY(buf_addch(out, '\n'));
	s = jstr(st, "section");
	if (has_text(s)) {
		TRY(buf_addstr(out, "- Section: "));
		TRY(md_text(out, s, 0));
		TRY(buf_addch(out, '\n'));
	}
	s = jstr(st, "source");
	if (has_text(s)) {
		TRY(buf_addstr(out, "- Source: \""));
		TRY(md_text(out, s, 0));
		TRY(buf_addstr(out, "\"\n"));
	}

	TRY(buf_addstr(out, "\n#### Acceptance criteria\n"));
	for (i = 0; i < json_array_size(acs); i++) {
		const json_t *ac = json_array_get(acs, i);

		if (!criterion_ok(ac))
			continue;
		TRY(buf_addf(out, "\nCriterion %zu:\n\n", ++n));
		for (k = 0; k < 6; k += 2) {
			s = jstr(ac, kw[k]);
			if (!has_text(s))
				continue;
			TRY(buf_addf(out, "- **%s** ", kw[k + 1]));
			TRY(md_text(out, strip_keyword(s, kw[k]), 0));
			TRY(buf_addch(out, '\n'));
		}
	}
	if (!n)
		TRY(buf_addstr(out, "\nNo acceptance criteria found.\n"));

	n = 0;
	for (i = 0; i < json_array_size(qs); i++) {
		const json_t *q = json_array_get(qs, i);
		const char *rule = jstr(q, "rule"), *msg = jstr(q, "message");

		if (!has_text(rule) && !has_text(msg))
			continue;
		if (!n++)
			TRY(buf_addstr(out, "\n#### Quality defects\n\n"));
		TRY(buf_addstr(out, "- "));
		if (has_text(rule)) {
			TRY(buf_addstr(out, "**"));
			TRY(md_text(out, rule, 0));
			TRY(buf_addstr(out, has_text(msg) ? "**: " : "**"));
		}
		TRY(md_text(out, msg, 0));
		TRY(buf_addch(out, '\n'));
	}
	return 0;
fail:
	return -1;
}

static int prd_stories(struct buf *out, const json_t *stories)
{
	size_t i, n = 0;

	TRY(buf_addstr(out, "\n## User stories\n\n"));
	if (!count_objects(stories))
		return buf_addstr(out, "None found.\n");
	TRY(buf_addstr(out, "| ID | Priority | Story |\n| --- | --- | --- |\n"));
	for (i = 0; i < json_array_size(stories); i++) {
		const json_t *st = json_array_get(stories, i);

		if (!json_is_object(st))
			continue;
		TRY(buf_addstr(out, "| "));
		TRY(add_id(out, st, "US", ++n, md_fn, MD_CELL));
		TRY(buf_addstr(out, " | "));
		TRY(md_text(out, jstr(st, "priority"), MD_CELL));
		TRY(buf_addstr(out, " | "));
		TRY(story_sentence(out, st, md_fn, MD_CELL));
		TRY(buf_addstr(out, " |\n"));
	}
	for (i = 0, n = 0; i < json_array_size(stories); i++) {
		const json_t *st = json_array_get(stories, i);

		if (json_is_object(st))
			TRY(prd_story(out, st, ++n));
	}
	return 0;
fail:
	return -1;
}

static int prd_nfrs(struct buf *out, const json_t *nfrs)
{
	size_t i, n = 0;

	TRY(buf_addstr(out, "\n## Non-functional requirements\n\n"));
	if (!count_objects(nfrs))
		return buf_addstr(out, "None found.\n");
	TRY(buf_addstr(out, "| ID | Category | Requirement | Measurable |\n"
			    "| --- | --- | --- | --- |\n"));
	for (i = 0; i < json_array_size(nfrs); i++) {
		const json_t *r = json_array_get(nfrs, i);
		const char *cue = jstr(r, "cue");
		int yes = json_is_true(json_object_get(r, "measurable"));

		if (!json_is_object(r))
			continue;
		TRY(buf_addstr(out, "| "));
		TRY(add_id(out, r, "NFR", ++n, md_fn, MD_CELL));
		TRY(buf_addstr(out, " | "));
		TRY(md_text(out, jstr(r, "category"), MD_CELL));
		TRY(buf_addstr(out, " | "));
		TRY(md_text(out, jstr(r, "text"), MD_CELL));
		TRY(buf_addstr(out, yes ? " | yes" : " | no"));
		if (yes && has_text(cue)) {
			TRY(buf_addstr(out, " (\""));
			TRY(md_text(out, cue, MD_CELL));
			TRY(buf_addstr(out, "\")"));
		}
		TRY(buf_addstr(out, " |\n"));
	}
	return 0;
fail:
	return -1;
}

/* "enum (low, medium, high)" for an enum with values, else the type. */
static int md_type(struct buf *out, const json_t *f, int flags)
{
	const json_t *vals = json_object_get(f, "values");
	size_t i, n = 0;

	TRY(md_text(out, jstr(f, "type"), flags));
	for (i = 0; i < json_array_size(vals); i++) {
		const char *v = json_string_value(json_array_get(vals, i));

		if (!v || !has_text(v))
			continue;
		TRY(buf_addstr(out, n++ ? ", " : " ("));
		TRY(md_text(out, v, flags));
	}
	if (n)
		TRY(buf_addch(out, ')'));
	return 0;
fail:
	return -1;
}

static int prd_entity(struct buf *out, const json_t *e, size_t nth)
{
	const json_t *fields = json_object_get(e, "fields");
	const json_t *rels = json_object_get(e, "relations");
	const char *name = jstr(e, "name");
	size_t i, n = 0;

	TRY(buf_addstr(out, "\n### "));
	if (has_text(name))
		TRY(md_text(out, name, 0));
	else
		TRY(buf_addf(out, "Entity %zu", nth));
	TRY(buf_addstr(out, "\n\n"));
	if (!count_objects(fields)) {
		TRY(buf_addstr(out, "No fields found.\n"));
	} else {
		TRY(buf_addstr(out, "| Field | Type | Required | Unique |\n"
				    "| --- | --- | --- | --- |\n"));
		for (i = 0; i < json_array_size(fields); i++) {
			const json_t *f = json_array_get(fields, i);

			if (!json_is_object(f))
				continue;
			TRY(buf_addstr(out, "| "));
			TRY(md_text(out, jstr(f, "name"), MD_CELL));
			TRY(buf_addstr(out, " | "));
			TRY(md_type(out, f, MD_CELL));
			TRY(buf_addf(out, " | %s | %s |\n",
				     json_is_true(json_object_get(f, "required")) ? "yes" : "no",
				     json_is_true(json_object_get(f, "unique")) ? "yes" : "no"));
		}
	}
	for (i = 0; i < json_array_size(rels); i++) {
		const json_t *r = json_array_get(rels, i);
		const char *kind = jstr(r, "kind"), *to = jstr(r, "entity");

		if (!has_text(to))
			continue;
		if (!n++)
			TRY(buf_addstr(out, "\nRelations:\n\n"));
		TRY(buf_addstr(out, "- "));
		if (!has_text(kind))
			kind = "related to";
		TRY(md_text(out, kind, MD_SPACES));	/* "belongs to" */
		TRY(buf_addch(out, ' '));
		TRY(md_text(out, to, 0));
		TRY(buf_addch(out, '\n'));
	}
	return 0;
fail:
	return -1;
}

static int prd_questions(struct buf *out, const json_t *qs)
{
	size_t i, n = 0;

	TRY(buf_addstr(out, "\n## Open questions\n\n"));
	if (!count_objects(qs))
		return buf_addstr(out, "None.\n");
	for (i = 0; i < json_array_size(qs); i++) {
		const json_t *q = json_array_get(qs, i);
		const char *kind = jstr(q, "kind"), *src = jstr(q, "source");
		size_t at;

		if (!json_is_object(q))
			continue;
		at = out->len;
		TRY(buf_addf(out, "%zu. ", ++n));
		at = out->len - at;
		TRY(add_id(out, q, "Q", n, md_fn, 0));
		if (has_text(kind)) {
			TRY(buf_addstr(out, " ("));
			TRY(md_text(out, kind, MD_SPACES));
			TRY(buf_addch(out, ')'));
		}
		TRY(buf_addstr(out, ": "));
		TRY(md_text(out, jstr(q, "text"), 0));
		TRY(buf_addch(out, '\n'));
		if (has_text(src)) {
			TRY(buf_addf(out, "%*s> ", (int)at, ""));
			TRY(md_text(out, src, 0));
			TRY(buf_addch(out, '\n'));
		}
	}
	return 0;
fail:
	return -1;
}

int render_prd(const json_t *a, struct buf *out)
{
	const json_t *goals = json_object_get(a, "goals");
	const json_t *stories = json_object_get(a, "stories");
	const json_t *nfrs = json_object_get(a, "nfrs");
	const json_t *ents = json_object_get(a, "entities");
	const json_t *qs = json_object_get(a, "questions");
	size_t start = out->len, i, n = 0;

	TRY(buf_addstr(out, "# "));
	TRY(md_text(out, title_of(a), 0));
	TRY(buf_addstr(out, "\n\n"));
	TRY(count_line(out, count_objects(stories), "user story", "user stories", ", "));
	TRY(count_line(out, count_objects(nfrs), "non-functional requirement",
		       "non-functional requirements", ", "));
	TRY(count_line(out, count_objects(ents), "entity", "entities", ", "));
	TRY(count_line(out, count_objects(qs), "open question", "open questions", ".\n"));

	TRY(buf_addstr(out, "\n## Goals\n\n"));
	for (i = 0; i < json_array_size(goals); i++) {
		const char *g = json_string_value(json_array_get(goals, i));

		if (!g || !has_text(g))
			continue;
		TRY(buf_addstr(out, "- "));
		TRY(md_text(out, g, 0));
		TRY(buf_addch(out, '\n'));
		n++;
	}
	if (!n)
		TRY(buf_addstr(out, "None stated.\n"));

	TRY(prd_stories(out, stories));
	TRY(prd_nfrs(out, nfrs));

	TRY(buf_addstr(out, "\n## Data model\n"));
	for (i = 0, n = 0; i < json_array_size(ents); i++) {
		const json_t *e = json_array_get(ents, i);

		if (json_is_object(e))
			TRY(prd_entity(out, e, ++n));
	}
	if (!n)
		TRY(buf_addstr(out, "\nNo entities found.\n"));

	TRY(prd_questions(out, qs));
	return 0;
fail:
	return restore(out, start);
}

/* ---- Gherkin ---- */

/* A tag: no white space, and no @ or # that would start another tag or a comment. */
static int tag_text(struct buf *out, const char *s)
{
	struct span sp;
	unsigned char c;

	span_init(&sp, s, strlen(s));
	while (span_next(&sp, &c))
		if (buf_addch(out, c == ' ' || c == '@' || c == '#' ? '_' : (char)c) < 0)
			return -1;
	return 0;
}

static int feature_scenario(struct buf *out, const json_t *st, size_t nth,
			    const json_t *ac, size_t num)
{
	static const char *const kw[] = { "given", "Given", "when", "When", "then", "Then" };
	const char *goal = jstr(st, "goal"), *prio = jstr(st, "priority");
	size_t k;

	TRY(buf_addstr(out, "\n  @"));
	{
		/* the id as a tag: the same text add_id writes */
		const char *id = jstr(st, "id");

		if (has_text(id))
			TRY(tag_text(out, id));
		else
			TRY(buf_addf(out, "US-%zu", nth));
	}
	if (has_text(prio)) {
		TRY(buf_addstr(out, " @"));
		TRY(tag_text(out, prio));
	}
	TRY(buf_addstr(out, "\n  Scenario: "));
	if (has_text(goal))
		TRY(plain_textn(out, goal, len_nostop(goal)));
	else
		TRY(add_id(out, st, "US", nth, plain_fn, 0));
	if (num)
		TRY(buf_addf(out, " (%zu)", num));
	TRY(buf_addstr(out, "\n    # "));
	TRY(story_sentence(out, st, plain_fn, 0));
	TRY(buf_addch(out, '\n'));
	if (!ac)
		return buf_addstr(out, "    # no acceptance criteria found\n");
	for (k = 0; k < 6; k += 2) {
		const char *s = jstr(ac, kw[k]);

		if (!has_text(s))
			continue;
		TRY(buf_addf(out, "    %s ", kw[k + 1]));
		TRY(plain_text(out, strip_keyword(s, kw[k])));
		TRY(buf_addch(out, '\n'));
	}
	return 0;
fail:
	return -1;
}

int render_feature(const json_t *a, struct buf *out)
{
	const json_t *goals = json_object_get(a, "goals");
	const json_t *stories = json_object_get(a, "stories");
	size_t start = out->len, i, j, n = 0, ng = 0;

	TRY(buf_addstr(out, "Feature: "));
	TRY(plain_text(out, title_of(a)));
	TRY(buf_addch(out, '\n'));
	/* a description line that starts with "- " is never a keyword, tag or comment */
	for (i = 0; i < json_array_size(goals); i++) {
		const char *g = json_string_value(json_array_get(goals, i));

		if (!g || !has_text(g))
			continue;
		TRY(buf_addstr(out, ng++ ? "  - " : "\n  Goals:\n  - "));
		TRY(plain_text(out, g));
		TRY(buf_addch(out, '\n'));
	}
	for (i = 0; i < json_array_size(stories); i++) {
		const json_t *st = json_array_get(stories, i);
		const json_t *acs = json_object_get(st, "acceptance");
		size_t nac = 0, num = 0;

		if (!json_is_object(st))
			continue;
		n++;
		for (j = 0; j < json_array_size(acs); j++)
			nac += criterion_ok(json_array_get(acs, j));
		if (!nac) {
			TRY(feature_scenario(out, st, n, NULL, 0));
			continue;
		}
		for (j = 0; j < json_array_size(acs); j++) {
			const json_t *ac = json_array_get(acs, j);

			if (criterion_ok(ac))
				TRY(feature_scenario(out, st, n, ac, nac > 1 ? ++num : 0));
		}
	}
	if (!n)
		TRY(buf_addstr(out, "\n  # no user stories found\n"));
	return 0;
fail:
	return restore(out, start);
}

/* ---- model.json ---- */

int render_model(const json_t *a, struct buf *out)
{
	const json_t *ents = json_object_get(a, "entities");
	json_t *root = json_object(), *list = json_array();
	size_t start = out->len, i;
	char *s = NULL;

	if (!root || !list || json_object_set(root, "entities", list) < 0)
		goto nomem;
	for (i = 0; i < json_array_size(ents); i++) {
		json_t *e = json_array_get(ents, i);

		if (json_is_object(e) && json_array_append(list, e) < 0)
			goto nomem;
	}
	s = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (!s)
		goto nomem;
	if (buf_addstr(out, s) < 0 || buf_addch(out, '\n') < 0)
		goto fail;
	free(s);
	json_decref(list);
	json_decref(root);
	return 0;
nomem:
	ak_error(AK_EXIT_SOFTWARE, "cannot write the data model: out of memory");
fail:
	free(s);
	json_decref(list);
	json_decref(root);
	return restore(out, start);
}

/* ---- wireframes ---- */

static const char css[] =
	"body{margin:0;font:15px/1.45 sans-serif;color:#222;background:#e8e8e8}\n"
	"header{background:#c8c8c8;border-bottom:1px solid #999;padding:.6em 1.5em}\n"
	"header a{color:#222;margin-right:1.2em}\n"
	"header .site{font-weight:bold;text-decoration:none}\n"
	"main{max-width:60em;margin:1.5em auto;background:#fff;border:1px solid #aaa;padding:1em 1.5em}\n"
	"h1,h2{font-weight:normal;color:#444}\n"
	"table{border-collapse:collapse;width:100%}\n"
	"th,td{border:1px solid #bbb;padding:.35em .6em;text-align:left}\n"
	"th{background:#ddd}\n"
	"dl{display:grid;grid-template-columns:max-content 1fr;gap:.4em 1.5em}\n"
	"dt{font-weight:bold;color:#555}\n"
	"dd{margin:0}\n"
	"label{display:block;margin:.8em 0 .2em;color:#555}\n"
	"input,select,textarea{font:inherit;padding:.3em;border:1px solid #999;background:#f6f6f6}\n"
	".bar{display:flex;justify-content:space-between;align-items:center;margin-bottom:1em}\n"
	".actions{margin-top:1.5em}\n"
	".button,button{display:inline-block;font:inherit;padding:.3em 1em;border:1px solid #888;"
	"background:#ddd;color:#222;text-decoration:none;cursor:pointer}\n"
	".note{color:#777}\n";

struct ent {
	const json_t *obj;
	const char *name;       /* "" when it has none */
	size_t nth;             /* 1-based, for "Entity N" */
	char slug[SLUG_MAX];
};

struct site {
	const char *title;
	struct ent *ents;
	size_t n;
};

/*
 * name in kebab-case into out: ASCII letters and digits, lowercase, with a
 * hyphen where other characters were and between a lowercase letter or
 * digit and a capital ("OrderLine" is order-line). At most SLUG_BASE bytes.
 */
static void kebab(const char *name, char *out)
{
	size_t n = 0;
	unsigned prev = 0;
	int gap = 0;

	for (; *name && n < SLUG_BASE; name++) {
		unsigned c = (unsigned char)*name;

		if (is_upper(c) && (is_lower(prev) || is_digit(prev)))
			gap = 1;
		if (is_alnum(c)) {
			if (gap && n) {
				if (n + 2 > SLUG_BASE)
					break;
				out[n++] = '-';
			}
			out[n++] = (char)to_lower(c);
			gap = 0;
		} else {
			gap = 1;
		}
		prev = c;
	}
	out[n] = '\0';
}

static int slug_taken(const struct site *w, size_t upto, const char *slug)
{
	size_t i;

	for (i = 0; i < upto; i++)
		if (!strcmp(w->ents[i].slug, slug))
			return 1;
	return 0;
}

/*
 * Give entity i a page name no earlier entity has: its kebab-case name,
 * else "entity-N"; on a clash "-2", else its own position, else the next
 * free number after it.
 */
static void name_page(struct site *w, size_t i)
{
	struct ent *e = &w->ents[i];
	char base[SLUG_BASE + 1];
	size_t k;

	kebab(e->name, base);
	if (!base[0])
		snprintf(base, sizeof(base), "entity-%zu", e->nth);
	snprintf(e->slug, sizeof(e->slug), "%s", base);
	if (!slug_taken(w, i, e->slug))
		return;
	snprintf(e->slug, sizeof(e->slug), "%s-2", base);
	for (k = i + 1; slug_taken(w, i, e->slug); k++)
		snprintf(e->slug, sizeof(e->slug), "%s-%zu", base, k);
}

/* The entity a relation points to: same name, else same but for case. */
static const struct ent *find_ent(const struct site *w, const char *name)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		if (!strcmp(w->ents[i].name, name))
			return &w->ents[i];
	for (i = 0; i < w->n; i++)
		if (ascii_caseeq(w->ents[i].name, name))
			return &w->ents[i];
	return NULL;
}

static int ent_name(struct buf *out, const struct ent *e)
{
	if (has_text(e->name))
		return html_text(out, e->name);
	return buf_addf(out, "Entity %zu", e->nth);
}

/* A field's label: its name with _ as spaces, first letter capital. */
static int field_label(struct buf *out, const json_t *f, size_t nth)
{
	const char *name = jstr(f, "name");
	size_t at = out->len, i;

	if (!has_text(name))
		return buf_addf(out, "Field %zu", nth);
	if (html_text(out, name) < 0)
		return -1;
	for (i = at; i < out->len; i++)
		if (out->p[i] == '_')
			out->p[i] = ' ';
	while (at < out->len && out->p[at] == ' ')
		at++;
	if (at < out->len && is_lower((unsigned char)out->p[at]))
		out->p[at] = (char)(out->p[at] - 32);
	return 0;
}

/* The form control's id: "f-" and the field's name in kebab-case. */
static int field_id(struct buf *out, const json_t *f, size_t nth)
{
	char k[SLUG_BASE + 1];

	kebab(jstr(f, "name"), k);
	if (!k[0])
		return buf_addf(out, "f-%zu", nth);
	return buf_addf(out, "f-%s", k);
}

/* The nth value of an enum field, counting round; "" when it has none. */
static const char *enum_value(const json_t *f, size_t nth)
{
	const json_t *vals = json_object_get(f, "values");
	size_t i, n = 0, want;

	for (i = 0; i < json_array_size(vals); i++)
		n += json_is_string(json_array_get(vals, i)) != 0;
	if (!n)
		return "";
	want = (nth - 1) % n;
	for (i = 0; i < json_array_size(vals); i++) {
		const char *v = json_string_value(json_array_get(vals, i));

		if (v && !want--)
			return v;
	}
	return "";
}

/* A made-up value for row nth (1-3) of a field, after its type. */
static int sample(struct buf *out, const json_t *f, size_t fnth, size_t nth)
{
	const char *type = jstr(f, "type");

	if (!strcmp(type, "integer") || !strcmp(type, "id"))
		return buf_addf(out, "%zu", nth);
	if (!strcmp(type, "number"))
		return buf_addf(out, "%zu.5", nth);
	if (!strcmp(type, "money"))
		return buf_addf(out, "%zu9.99", nth);
	if (!strcmp(type, "boolean"))
		return buf_addstr(out, nth % 2 ? "Yes" : "No");
	if (!strcmp(type, "date"))
		return buf_addf(out, "2025-03-%02zu", nth);
	if (!strcmp(type, "datetime"))
		return buf_addf(out, "2025-03-%02zu 09:30", nth);
	if (!strcmp(type, "email"))
		return buf_addf(out, "name%zu@example.com", nth);
	if (!strcmp(type, "url"))
		return buf_addf(out, "https://example.com/%zu", nth);
	if (!strcmp(type, "enum"))
		return html_text(out, enum_value(f, nth));
	if (field_label(out, f, fnth) < 0)
		return -1;
	return buf_addf(out, " %zu", nth);
}

/*
 * A page is page_open, its own title, page_head (the site's title, the
 * style, the header with a link to every list), its content, page_close.
 */
static int page_open(struct buf *b)
{
	return buf_addstr(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
			  "<meta charset=\"utf-8\">\n<title>");
}

static int page_head(struct buf *b, const struct site *w)
{
	size_t i;

	TRY(buf_addstr(b, " - "));
	TRY(html_text(b, w->title));
	TRY(buf_addstr(b, "</title>\n<style>\n"));
	TRY(buf_addstr(b, css));
	TRY(buf_addstr(b, "</style>\n</head>\n<body>\n<header>\n"
		       "<a class=\"site\" href=\"index.html\">"));
	TRY(html_text(b, w->title));
	TRY(buf_addstr(b, "</a>\n"));
	for (i = 0; i < w->n; i++) {
		TRY(buf_addf(b, "<a href=\"%s-list.html\">", w->ents[i].slug));
		TRY(ent_name(b, &w->ents[i]));
		TRY(buf_addstr(b, "</a>\n"));
	}
	return buf_addstr(b, "</header>\n<main>\n");
fail:
	return -1;
}

static int page_close(struct buf *b)
{
	return buf_addstr(b, "</main>\n</body>\n</html>\n");
}

static int emit_page(struct buf *b, const char *slug, const char *kind,
		     render_emit_fn emit, void *ctx)
{
	char path[SLUG_MAX + 32];

	if (slug)
		snprintf(path, sizeof(path), "wireframes/%s-%s.html", slug, kind);
	else
		snprintf(path, sizeof(path), "wireframes/%s.html", kind);
	return emit(ctx, path, b->p ? b->p : "", b->len);
}

static int page_index(struct buf *b, const struct site *w)
{
	size_t i;

	TRY(page_open(b));
	TRY(buf_addstr(b, "Wireframes"));
	TRY(page_head(b, w));
	TRY(buf_addstr(b, "<h1>"));
	TRY(html_text(b, w->title));
	TRY(buf_addstr(b, "</h1>\n"));
	if (!w->n)
		return buf_addstr(b, "<p class=\"note\">No entities were found, so there are "
				  "no screens to show.</p>\n") < 0 ? -1 : page_close(b);
	TRY(buf_addstr(b, "<p class=\"note\">The main screens: a list, a detail and a form "
		       "page for each entity.</p>\n<ul>\n"));
	for (i = 0; i < w->n; i++) {
		const char *s = w->ents[i].slug;

		TRY(buf_addstr(b, "<li>"));
		TRY(ent_name(b, &w->ents[i]));
		TRY(buf_addf(b, ": <a href=\"%s-list.html\">list</a>, "
			     "<a href=\"%s-detail.html\">details</a>, "
			     "<a href=\"%s-form.html\">form</a></li>\n", s, s, s));
	}
	TRY(buf_addstr(b, "</ul>\n"));
	return page_close(b);
fail:
	return -1;
}

static int page_list(struct buf *b, const struct site *w, const struct ent *e)
{
	const json_t *fields = json_object_get(e->obj, "fields");
	size_t i, row, n;

	TRY(page_open(b));
	TRY(ent_name(b, e));
	TRY(buf_addstr(b, " list"));
	TRY(page_head(b, w));
	TRY(buf_addstr(b, "<h1>"));
	TRY(ent_name(b, e));
	TRY(buf_addstr(b, " list</h1>\n<div class=\"bar\">\n<form role=\"search\">"
		       "<input type=\"search\" name=\"q\" aria-label=\"Search\" "
		       "placeholder=\"Search\"> <button type=\"submit\">Search</button></form>\n"));
	TRY(buf_addf(b, "<a class=\"button\" href=\"%s-form.html\">New ", e->slug));
	TRY(ent_name(b, e));
	TRY(buf_addstr(b, "</a>\n</div>\n<table>\n<thead>\n<tr>"));
	for (i = 0, n = 0; i < json_array_size(fields); i++) {
		const json_t *f = json_array_get(fields, i);

		if (!json_is_object(f))
			continue;
		TRY(buf_addstr(b, "<th>"));
		TRY(field_label(b, f, ++n));
		TRY(buf_addstr(b, "</th>"));
	}
	TRY(buf_addstr(b, "<th></th></tr>\n</thead>\n<tbody>\n"));
	for (row = 1; row <= 3; row++) {
		TRY(buf_addstr(b, "<tr>"));
		for (i = 0, n = 0; i < json_array_size(fields); i++) {
			const json_t *f = json_array_get(fields, i);

			if (!json_is_object(f))
				continue;
			TRY(buf_addstr(b, "<td>"));
			TRY(sample(b, f, ++n, row));
			TRY(buf_addstr(b, "</td>"));
		}
		TRY(buf_addf(b, "<td><a href=\"%s-detail.html\">View</a> "
			     "<a href=\"%s-form.html\">Edit</a></td></tr>\n", e->slug, e->slug));
	}
	TRY(buf_addstr(b, "</tbody>\n</table>\n"));
	return page_close(b);
fail:
	return -1;
}

/* A related entity's name, linked to its page when it has one. */
static int related(struct buf *b, const struct site *w, const char *name,
		   const char *page, size_t nth)
{
	const struct ent *to = find_ent(w, name);

	if (to)
		TRY(buf_addf(b, "<a href=\"%s-%s.html\">", to->slug, page));
	TRY(html_text(b, name));
	if (nth)
		TRY(buf_addf(b, " %zu", nth));
	if (to)
		TRY(buf_addstr(b, "</a>"));
	return 0;
fail:
	return -1;
}

/* Relations to many ("has_many", "many_to_many") are lists on a page. */
static int rel_many(const json_t *r)
{
	return strstr(jstr(r, "kind"), "many") != NULL;
}

static int rel_kind(struct buf *b, const json_t *r)
{
	const char *kind = jstr(r, "kind");
	size_t at = b->len, i;

	TRY(html_text(b, has_text(kind) ? kind : "related to"));
	for (i = at; i < b->len; i++)
		if (b->p[i] == '_')
			b->p[i] = ' ';
	return 0;
fail:
	return -1;
}

static int page_detail(struct buf *b, const struct site *w, const struct ent *e)
{
	const json_t *fields = json_object_get(e->obj, "fields");
	const json_t *rels = json_object_get(e->obj, "relations");
	size_t i, n;

	TRY(page_open(b));
	TRY(ent_name(b, e));
	TRY(buf_addstr(b, " details"));
	TRY(page_head(b, w));
	TRY(buf_addstr(b, "<h1>"));
	TRY(ent_name(b, e));
	TRY(buf_addstr(b, " details</h1>\n<dl>\n"));
	for (i = 0, n = 0; i < json_array_size(fields); i++) {
		const json_t *f = json_array_get(fields, i);

		if (!json_is_object(f))
			continue;
		TRY(buf_addstr(b, "<dt>"));
		TRY(field_label(b, f, ++n));
		TRY(buf_addstr(b, "</dt><dd>"));
		TRY(sample(b, f, n, 1));
		TRY(buf_addstr(b, "</dd>\n"));
	}
	for (i = 0; i < json_array_size(rels); i++) {
		const json_t *r = json_array_get(rels, i);
		const char *to = jstr(r, "entity");

		if (!has_text(to) || rel_many(r))
			continue;
		TRY(buf_addstr(b, "<dt>"));
		TRY(html_text(b, to));
		TRY(buf_addstr(b, " ("));
		TRY(rel_kind(b, r));
		TRY(buf_addstr(b, ")</dt><dd>"));
		TRY(related(b, w, to, "detail", 1));
		TRY(buf_addstr(b, "</dd>\n"));
	}
	TRY(buf_addf(b, "</dl>\n<div class=\"actions\"><a class=\"button\" "
		     "href=\"%s-form.html\">Edit</a> <button type=\"button\">Delete</button> "
		     "<a href=\"%s-list.html\">Back to the list</a></div>\n", e->slug, e->slug));
	for (i = 0; i < json_array_size(rels); i++) {
		const json_t *r = json_array_get(rels, i);
		const char *to = jstr(r, "entity");
		size_t k;

		if (!has_text(to) || !rel_many(r))
			continue;
		TRY(buf_addstr(b, "<section>\n<h2>"));
		TRY(html_text(b, to));
		TRY(buf_addstr(b, " ("));
		TRY(rel_kind(b, r));
		TRY(buf_addstr(b, ")</h2>\n<ul>\n"));
		for (k = 1; k <= 2; k++) {
			TRY(buf_addstr(b, "<li>"));
			TRY(related(b, w, to, "detail", k));
			TRY(buf_addstr(b, "</li>\n"));
		}
		TRY(buf_addstr(b, "</ul>\n</section>\n"));
	}
	return page_close(b);
fail:
	return -1;
}

/* The input element's type and extra attributes for a field type. */
static const char *input_attrs(const char *type)
{
	static const char *const map[][2] = {
		{ "integer", "type=\"number\" step=\"1\"" },
		{ "number", "type=\"number\" step=\"any\"" },
		{ "money", "type=\"number\" step=\"0.01\"" },
		{ "date", "type=\"date\"" },
		{ "datetime", "type=\"datetime-local\"" },
		{ "email", "type=\"email\"" },
		{ "url", "type=\"url\"" },
		{ "boolean", "type=\"checkbox\"" },
		{ "id", "type=\"text\" readonly" },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(type, map[i][0]))
			return map[i][1];
	return "type=\"text\"";
}

static int form_field(struct buf *b, const json_t *f, size_t nth)
{
	const char *type = jstr(f, "type");
	const json_t *vals = json_object_get(f, "values");
	/* a required checkbox would have to be ticked: not what "required" means here */
	int req = json_is_true(json_object_get(f, "required")) &&
		  strcmp(type, "boolean") && strcmp(type, "id");
	size_t i;

	TRY(buf_addstr(b, "<label for=\""));
	TRY(field_id(b, f, nth));
	TRY(buf_addstr(b, "\">"));
	TRY(field_label(b, f, nth));
	if (req)
		TRY(buf_addstr(b, " *"));
	TRY(buf_addstr(b, "</label>\n"));
	if (!strcmp(type, "text"))
		TRY(buf_addstr(b, "<textarea rows=\"4\" cols=\"60\""));
	else if (!strcmp(type, "enum"))
		TRY(buf_addstr(b, "<select"));
	else
		TRY(buf_addf(b, "<input %s", input_attrs(type)));
	TRY(buf_addstr(b, " id=\""));
	TRY(field_id(b, f, nth));
	TRY(buf_addstr(b, "\" name=\""));
	if (has_text(jstr(f, "name")))
		TRY(html_text(b, jstr(f, "name")));
	else
		TRY(field_id(b, f, nth));
	TRY(buf_addstr(b, req ? "\" required>" : "\">"));
	if (!strcmp(type, "text"))
		return buf_addstr(b, "</textarea>\n");
	if (strcmp(type, "enum"))
		return buf_addch(b, '\n');
	TRY(buf_addstr(b, "\n<option value=\"\">Choose...</option>\n"));
	for (i = 0; i < json_array_size(vals); i++) {
		const char *v = json_string_value(json_array_get(vals, i));

		if (!v)
			continue;
		TRY(buf_addstr(b, "<option value=\""));
		TRY(html_text(b, v));
		TRY(buf_addstr(b, "\">"));
		TRY(html_text(b, v));
		TRY(buf_addstr(b, "</option>\n"));
	}
	return buf_addstr(b, "</select>\n");
fail:
	return -1;
}

static int page_form(struct buf *b, const struct site *w, const struct ent *e)
{
	const json_t *fields = json_object_get(e->obj, "fields");
	const json_t *rels = json_object_get(e->obj, "relations");
	size_t i, n;
	char k[SLUG_BASE + 1];

	TRY(page_open(b));
	TRY(buf_addstr(b, "New "));
	TRY(ent_name(b, e));
	TRY(page_head(b, w));
	TRY(buf_addstr(b, "<h1>New "));
	TRY(ent_name(b, e));
	TRY(buf_addstr(b, "</h1>\n<form method=\"post\">\n"));
	for (i = 0, n = 0; i < json_array_size(fields); i++) {
		const json_t *f = json_array_get(fields, i);

		if (json_is_object(f))
			TRY(form_field(b, f, ++n));
	}
	/* the one it belongs to is chosen from a list */
	for (i = 0; i < json_array_size(rels); i++) {
		const json_t *r = json_array_get(rels, i);
		const char *to = jstr(r, "entity");

		if (!has_text(to) || strcmp(jstr(r, "kind"), "belongs_to"))
			continue;
		kebab(to, k);
		if (!k[0])
			snprintf(k, sizeof(k), "rel-%zu", i + 1);
		TRY(buf_addf(b, "<label for=\"r-%s\">", k));
		TRY(html_text(b, to));
		TRY(buf_addf(b, "</label>\n<select id=\"r-%s\" name=\"", k));
		/* the key of the one chosen: project_id */
		for (n = 0; k[n]; n++)
			TRY(buf_addch(b, k[n] == '-' ? '_' : k[n]));
		TRY(buf_addstr(b, "_id\">\n<option value=\"\">Choose...</option>\n"));
		for (n = 1; n <= 2; n++) {
			TRY(buf_addf(b, "<option value=\"%zu\">", n));
			TRY(html_text(b, to));
			TRY(buf_addf(b, " %zu</option>\n", n));
		}
		TRY(buf_addstr(b, "</select>\n"));
	}
	TRY(buf_addf(b, "<div class=\"actions\"><button type=\"submit\">Save</button> "
		     "<a class=\"button\" href=\"%s-list.html\">Cancel</a></div>\n</form>\n",
		     e->slug));
	return page_close(b);
fail:
	return -1;
}

int render_wireframes(const json_t *a, render_emit_fn emit, void *ctx)
{
	const json_t *ents = json_object_get(a, "entities");
	struct site w;
	struct buf b;
	size_t i, n;
	int r = -1;

	w.title = title_of(a);
	w.n = count_objects(ents);
	w.ents = calloc(w.n ? w.n : 1, sizeof(*w.ents));
	if (!w.ents)
		return ak_error(AK_EXIT_SOFTWARE, "cannot draw the wireframes: out of memory");
	for (i = 0, n = 0; i < json_array_size(ents); i++) {
		const json_t *e = json_array_get(ents, i);

		if (!json_is_object(e))
			continue;
		w.ents[n].obj = e;
		w.ents[n].name = jstr(e, "name");
		w.ents[n].nth = n + 1;
		name_page(&w, n);
		n++;
	}
	buf_init(&b, PAGE_MAX);
	if (page_index(&b, &w) < 0 || emit_page(&b, NULL, "index", emit, ctx) < 0)
		goto out;
	for (i = 0; i < w.n; i++) {
		const struct ent *e = &w.ents[i];

		buf_reset(&b);
		if (page_list(&b, &w, e) < 0 || emit_page(&b, e->slug, "list", emit, ctx) < 0)
			goto out;
		buf_reset(&b);
		if (page_detail(&b, &w, e) < 0 || emit_page(&b, e->slug, "detail", emit, ctx) < 0)
			goto out;
		buf_reset(&b);
		if (page_form(&b, &w, e) < 0 || emit_page(&b, e->slug, "form", emit, ctx) < 0)
			goto out;
	}
	r = 0;
out:
	buf_release(&b);
	free(w.ents);
	return r;
}
