/*
 * qus.c - reading user stories and checking them against the Quality User
 * Story framework (see qus.h).
 *
 * A story is read from its markers, not by a grammar: the opening ("As a",
 * "In order to"), the means ("I want", "I'd like", ...) and the end ("so
 * that", "in order to"). Matching is on the raw text, ignoring case and
 * the amount of white space, at word boundaries, so qus_parse allocates
 * nothing and cannot fail. The checks then look at the words of the parts
 * (words.h).
 *
 * The story sentence ends at the first full stop, question or exclamation
 * mark that is followed by more text and does not close an abbreviation
 * ("e.g.", "etc."); what follows is a further sentence, which the minimal
 * rule reports and no part includes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "jscan.h"
#include "analyze/qus.h"
#include "analyze/words.h"
#include "banned.h"

#define NOT_A_STORY "not a user story: expected \"As a <role>, I want <goal>[, so that <benefit>]\""

static int oom(void)
{
	return ak_error(AK_EXIT_SOFTWARE, "out of memory");
}


/* --- matching on the raw text ------------------------------------------ */

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int is_wordch(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c >= 0x80;
}

static unsigned char lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/*
 * Does pat (lowercase ASCII) match s at i, between word boundaries? A
 * space in pat matches any run of white space, an apostrophe ' or ’.
 * Returns the offset after the match, or 0.
 */
static size_t match_at(const char *s, size_t len, size_t i, const char *pat)
{
	size_t j = i;

	if (i > 0 && is_wordch((unsigned char)s[i - 1]) && is_wordch((unsigned char)*pat))
		return 0;
	for (const char *p = pat; *p; p++) {
		if (*p == ' ') {
			if (j >= len || !is_space((unsigned char)s[j]))
				return 0;
			while (j < len && is_space((unsigned char)s[j]))
				j++;
		} else if (*p == '\'') {
			if (j < len && s[j] == '\'')
				j++;
			else if (j + 2 < len && !memcmp(s + j, "\xe2\x80\x99", 3))
				j += 3;
			else
				return 0;
		} else {
			if (j >= len || lower((unsigned char)s[j]) != (unsigned char)*p)
				return 0;
			j++;
		}
	}
	if (j < len && is_wordch((unsigned char)s[j]) && is_wordch((unsigned char)pat[strlen(pat) - 1]))
		return 0;
	return j;
}

/* The first match of pat in s[from..to): its offset, *end after it; or -1. */
static long find_pat(const char *s, size_t from, size_t to, const char *pat, size_t *end)
{
	for (size_t i = from; i < to; i++) {
		size_t e = match_at(s, to, i, pat);
		if (e) {
			*end = e;
			return (long)i;
		}
	}
	return -1;
}

static size_t skip_space(const char *s, size_t i, size_t len)
{
	while (i < len && is_space((unsigned char)s[i]))
		i++;
	return i;
}

/* Trim the span at *off, *len of white space and punctuation at both ends. */
static void trim(const char *s, size_t *off, size_t *len)
{
	static const char junk[] = " \t\r\n\f\v,;:.!?-";
	size_t a = *off, b = *off + *len;

	while (a < b && strchr(junk, s[a]))
		a++;
	while (b > a && strchr(junk, s[b - 1]))
		b--;
	*off = a;
	*len = b - a;
}

/* --- reading a story --------------------------------------------------- */

enum form { F_NONE, F_AS, F_ORDER, F_MEANS };

static const struct marker {
	const char *pat, *name;
} means_markers[] = {
	{ "i want", "I want" },
	{ "i'd like", "I'd like" },
	{ "i would like", "I would like" },
	{ "i need", "I need" },
	{ "i wish", "I wish" },
	{ "i can", "I can" },
};

#define NMEANS (sizeof(means_markers) / sizeof(means_markers[0]))

static const struct marker end_markers[] = {
	{ "so that", "so that" },
	{ "in order to", "in order to" },
	{ "so as to", "so as to" },
	{ "so i", "so" },     /* "so I can ...": the benefit starts at "I" */
};

#define NENDS (sizeof(end_markers) / sizeof(end_markers[0]))

struct parsed {
	enum form form;
	size_t start;           /* after leading blanks and a list bullet */
	size_t end;             /* end of the story sentence, before its stop */
	size_t extra;           /* where a further sentence starts, or len */
	int means;              /* index into means_markers, or -1 */
	int end_marker;         /* index into end_markers, or -1 */
	int has_role, has_benefit;
	size_t role_off, role_len;
	size_t goal_off, goal_len;
	size_t benefit_off, benefit_len;
};

static const char *const abbreviations[] = {
	"e.g", "i.e", "eg", "ie", "etc", "vs", "approx", "incl", "cf", "resp", "no", "nr",
	"dr", "mr", "mrs", "ms", "st", "viz", "al", NULL
};

static int is_abbreviation(const char *s, size_t from, size_t k)
{
	size_t t = k, n;
	char tok[8];

	while (t > from && !is_space((unsigned char)s[t - 1]) && s[t - 1] != '(')
		t--;
	n = k - t;
	if (n == 1 && is_wordch((unsigned char)s[t]))
		return 1;       /* an initial */
	if (!n || n >= sizeof(tok))
		return 0;
	for (size_t i = 0; i < n; i++)
		tok[i] = (char)lower((unsigned char)s[t + i]);
	tok[n] = '\0';
	for (const char *const *a = abbreviations; *a; a++)
		if (!strcmp(tok, *a))
			return 1;
	return 0;
}

/* Where the story sentence that starts at a ends, and what follows it. */
static void sentence_end(const char *s, size_t a, size_t len, size_t *end, size_t *extra)
{
	for (size_t k = a; k < len; k++) {
		size_t q;

		if (s[k] != '.' && s[k] != '!' && s[k] != '?')
			continue;
		if (k + 1 < len && !is_space((unsigned char)s[k + 1]))
			continue;      /* "2.5", "v1.0" */
		q = skip_space(s, k + 1, len);
		if (q == len)
			break;
		if (s[k] == '.' && is_abbreviation(s, a, k))
			continue;
		*end = k;
		*extra = q;
		return;
	}
	*end = len;
	*extra = len;
}

/* The first means marker in s[from..to): its index into means_markers, or -1. */
static int find_means(const char *s, size_t from, size_t to, size_t *off, size_t *mend)
{
	for (size_t i = from; i < to; i++)
		for (size_t m = 0; m < NMEANS; m++) {
			size_t e = match_at(s, to, i, means_markers[m].pat);
			if (e) {
				*off = i;
				*mend = e;
				return (int)m;
			}
		}
	return -1;
}

/*
 * After the means marker: the goal, then (when ends) an end marker and the
 * benefit.
 */
static void parse_goal(const char *s, size_t g, size_t e, int ends, struct parsed *p)
{
	size_t best = e, bend = e, x;

	g = skip_space(s, g, e);
	if (p->means != 5 && (x = match_at(s, e, g, "to")) && x < e && is_space((unsigned char)s[x]))
		g = x;
	for (size_t m = 0; ends && m < NENDS; m++) {
		size_t mend;
		long at = find_pat(s, g, best, end_markers[m].pat, &mend);
		if (at >= 0 && (size_t)at < best) {
			best = (size_t)at;
			bend = mend;
			p->end_marker = (int)m;
		}
	}
	if (p->end_marker == 3)
		bend--;           /* "so I": keep the "I" */
	p->goal_off = g;
	p->goal_len = best - g;
	trim(s, &p->goal_off, &p->goal_len);
	if (ends && p->end_marker >= 0) {
		p->has_benefit = 1;
		p->benefit_off = bend;
		p->benefit_len = e - bend;
		trim(s, &p->benefit_off, &p->benefit_len);
	}
}

/* "a ", "an " or "the " at i: the offset after it, or i. */
static size_t skip_article(const char *s, size_t i, size_t e)
{
	static const char *const arts[] = { "a ", "an ", "the ", NULL };
	for (const char *const *a = arts; *a; a++) {
		size_t x = match_at(s, e, i, *a);
		if (x)
			return x;
	}
	return i;
}

static size_t skip_bullet(const char *s, size_t a, size_t len)
{
	size_t d = a;

	if (a + 1 < len && strchr("-*+", s[a]) && is_space((unsigned char)s[a + 1]))
		return skip_space(s, a + 1, len);
	while (d < len && s[d] >= '0' && s[d] <= '9')
		d++;
	if (d > a && d + 1 < len && (s[d] == '.' || s[d] == ')') && is_space((unsigned char)s[d + 1]))
		return skip_space(s, d + 1, len);
	return a;
}

/* The role between r and the means marker at moff. */
static void set_role(const char *s, size_t r, size_t moff, struct parsed *p)
{
	p->role_off = r;
	p->role_len = moff - r;
	trim(s, &p->role_off, &p->role_len);
	/* "As a, I want": an article is no role */
	if ((p->role_len == 1 && lower((unsigned char)s[p->role_off]) == 'a') ||
	    (p->role_len == 2 && match_at(s, p->role_off + 2, p->role_off, "an")) ||
	    (p->role_len == 3 && match_at(s, p->role_off + 3, p->role_off, "the")))
		p->role_len = 0;
	p->has_role = p->role_len > 0;
}

static void parse(const char *s, size_t len, struct parsed *p)
{
	size_t a, e, x, moff = 0, mend = 0;

	memset(p, 0, sizeof(*p));
	p->means = p->end_marker = -1;
	a = skip_bullet(s, skip_space(s, 0, len), len);
	p->start = a;
	sentence_end(s, a, len, &p->end, &p->extra);
	e = p->end;
	if ((x = match_at(s, e, a, "as ")) && !match_at(s, e, a, "as soon as")) {
		size_t r = skip_article(s, x, e);
		p->form = F_AS;
		p->means = find_means(s, r, e, &moff, &mend);
		if (p->means < 0) {
			/* no means: the role runs to the first comma */
			const char *c = memchr(s + r, ',', e - r);
			set_role(s, r, c ? (size_t)(c - s) : e, p);
			return;
		}
		set_role(s, r, moff, p);
		parse_goal(s, mend, e, 1, p);
	} else if ((x = match_at(s, e, a, "in order to"))) {
		size_t aoff, aend, r;
		long as = find_pat(s, x, e, "as", &aend);

		p->form = F_ORDER;
		p->means = find_means(s, x, e, &moff, &mend);
		if (p->means < 0)
			return;
		/* the last "as" before the means opens the role */
		aoff = (size_t)-1;
		while (as >= 0 && (size_t)as < moff) {
			aoff = (size_t)as;
			as = find_pat(s, aend, moff, "as", &aend);
		}
		p->end_marker = 1;
		p->has_benefit = 1;
		p->benefit_off = x;
		if (aoff != (size_t)-1) {
			p->benefit_len = aoff - x;
			r = skip_article(s, skip_space(s, aoff + 2, e), e);
			set_role(s, r, moff, p);
		} else {
			p->benefit_len = moff - x;
		}
		trim(s, &p->benefit_off, &p->benefit_len);
		parse_goal(s, mend, e, 0, p);
	} else if ((p->means = find_means(s, a, e, &moff, &mend)) >= 0 && moff == a) {
		p->form = F_MEANS;
		parse_goal(s, mend, e, 1, p);
	} else {
		p->means = -1;
	}
}

int qus_parse(const char *s, size_t len, struct story_parts *sp)
{
	struct parsed p;

	memset(sp, 0, sizeof(*sp));
	if (!s)
		return 0;
	parse(s, len, &p);
	if ((p.form != F_AS && p.form != F_ORDER) || p.means < 0 || !p.has_role || !p.goal_len)
		return 0;
	sp->role = s + p.role_off;
	sp->role_len = p.role_len;
	sp->goal = s + p.goal_off;
	sp->goal_len = p.goal_len;
	if (p.has_benefit && p.benefit_len) {
		sp->benefit = s + p.benefit_off;
		sp->benefit_len = p.benefit_len;
	}
	return 1;
}

/* --- the checks of one story ------------------------------------------- */

/* Append {"rule", "message"} with the message in b (released). */
static int add_defect(json_t *arr, const char *rule, struct buf *b)
{
	json_t *o = json_object();
	int r = !o || json_object_set_new(o, "rule", json_string(rule)) ||
		json_object_set_new(o, "message", words_text_json(b->p ? b->p : "", b->len)) ||
		json_array_append(arr, o);

	json_decref(o);
	buf_release(b);
	return r ? oom() : 0;
}

static int add_defect_str(json_t *arr, const char *rule, const char *msg)
{
	struct buf b = BUF_INIT;

	if (buf_addstr(&b, msg)) {
		buf_release(&b);
		return -1;
	}
	return add_defect(arr, rule, &b);
}

/* A message "pre<s[off..off+len)>post" as rule's defect. */
static int add_defect_cue(json_t *arr, const char *rule, const char *pre, const char *s,
			  size_t off, size_t len, const char *post)
{
	struct buf b = BUF_INIT;

	if (buf_addstr(&b, pre) || buf_add(&b, s + off, len) || buf_addstr(&b, post)) {
		buf_release(&b);
		return -1;
	}
	return add_defect(arr, rule, &b);
}

static const char *const one_thing_with_and[] = {
	"drag and drop", "copy and paste", "cut and paste", "terms and conditions",
	"pros and cons", "black and white", "trial and error", "back and forth",
	"up and running", "search and replace", "find and replace", "q and a",
	"question and answer", "questions and answers", "check and balance", NULL
};

static const char *const or_quantities[] = {
	"more", "less", "fewer", "later", "earlier", "not", "so", NULL
};

static int all_upper(const struct word *wd)
{
	for (size_t i = 0; i < wd->len; i++)
		if (wd->p[i] >= 'a' && wd->p[i] <= 'z')
			return 0;
	return 1;
}

/*
 * The first word of the goal that joins two actions or objects: its offset
 * and length in s through off and n; 0 when there is none.
 */
static int find_joiner(const struct words *w, const char *s, size_t gbase, size_t glen,
		       size_t *off, size_t *n)
{
	size_t best = SIZE_MAX, blen = 0;

	for (size_t i = 0; i < w->n; i++) {
		const struct word *wd = &w->v[i];
		int hit = 0;

		if (!strcmp(wd->low, "and")) {
			hit = i > 0 && i + 1 < w->n;
			for (const char *const *p = one_thing_with_and; hit && *p; p++)
				if (words_phrase_at(w, i - 1, *p))
					hit = 0;
			for (size_t k = i > 4 ? i - 4 : 0; hit && k < i; k++)
				if (!strcmp(w->v[k].low, "between"))
					hit = 0;
		} else if (!strcmp(wd->low, "or")) {
			hit = i > 0 && i + 1 < w->n && !words_in(w, i + 1, or_quantities) &&
			      !words_is(w, i - 1, "whether");
		} else if (words_phrase_at(w, i, "as well as")) {
			hit = 3;
		} else if (memchr(wd->p, '/', wd->len) && !word_is_number(wd) && !all_upper(wd)) {
			hit = 1;
		}
		if (hit) {
			best = (size_t)(wd->p - s);
			blen = hit == 3 ? (size_t)(w->v[i + 2].p + w->v[i + 2].len - wd->p) : wd->len;
			break;
		}
	}
	/* "&" between spaces; "R&D" is one thing */
	for (size_t k = gbase; k < gbase + glen && k < best; k++)
		if (s[k] == '&' && ((k > gbase && is_space((unsigned char)s[k - 1])) ||
				    (k + 1 < gbase + glen && is_space((unsigned char)s[k + 1])))) {
			best = k;
			blen = 1;
			break;
		}
	*off = best;
	*n = blen;
	return best != SIZE_MAX;
}

static int check_atomic(const char *s, const struct parsed *p, struct words *w, json_t *out)
{
	size_t off, n;

	if (words_split(w, s + p->goal_off, p->goal_len) < 0)
		return -1;
	if (!find_joiner(w, s, p->goal_off, p->goal_len, &off, &n))
		return 0;
	return add_defect_cue(out, "atomic", "the goal joins several actions or objects with \"",
			      s, off, n, "\": write one story for each");
}

/* "see" used as a reference: "see section 4", "(see above)", "see also". */
static int is_reference(const struct words *w, const char *s, size_t i)
{
	static const char *const targets[] = {
		"also", "section", "page", "chapter", "ticket", "issue", "appendix", "figure",
		"fig", "table", "above", "below", "attached", "attachment", "http", "https",
		"doc", "document", "spec", "specification", "wiki", "jira", "story", "us", NULL
	};
	const char *p = w->v[i].p;

	if (strcmp(w->v[i].low, "see") && strcmp(w->v[i].low, "cf"))
		return 0;
	if (!strcmp(w->v[i].low, "cf"))
		return 1;
	if (p > s && (p[-1] == '(' || p[-1] == '['))
		return 1;
	return i + 1 < w->n && (words_in(w, i + 1, targets) ||
				(w->v[i + 1].p[0] >= '0' && w->v[i + 1].p[0] <= '9') ||
				w->v[i + 1].p[-1] == '#');
}

static int check_minimal(const char *s, size_t len, const struct parsed *p, struct words *w,
			 json_t *out)
{
	int note = 0;

	if (words_split(w, s, len) < 0)
		return -1;
	for (size_t k = p->start; k < len; k++)
		if (s[k] == '(' || s[k] == '[' || s[k] == '{') {
			if (add_defect_str(out, "minimal", "extra text in parentheses or brackets: "
					   "move it to the description or the acceptance criteria") < 0)
				return -1;
			break;
		}
	for (size_t i = 0; i < w->n; i++) {
		const struct word *wd = &w->v[i];
		size_t off = (size_t)(wd->p - s), n = wd->len;

		if (words_in(w, i, (const char *const[]){ "e.g", "i.e", "viz", NULL }) ||
		    words_phrase_at(w, i, "for example") || words_phrase_at(w, i, "for instance")) {
			if (words_phrase_at(w, i, "for example") || words_phrase_at(w, i, "for instance"))
				n = (size_t)(w->v[i + 1].p + w->v[i + 1].len - wd->p);
			else if (off + n < len && s[off + n] == '.')
				n++;
			if (add_defect_cue(out, "minimal", "an example or explanation (\"", s, off, n,
					   "\"): move it to the description or the acceptance criteria") < 0)
				return -1;
			break;
		}
	}
	for (size_t i = 0; i < w->n; i++)
		if (is_reference(w, s, i)) {
			const struct word *wd = &w->v[i];
			if (add_defect_cue(out, "minimal", "a reference to elsewhere (\"", s,
					   (size_t)(wd->p - s), wd->len, "\"): move it to the description") < 0)
				return -1;
			break;
		}
	for (size_t i = 0; i < w->n; i++) {
		const struct word *wd = &w->v[i];
		size_t e = skip_space(s, (size_t)(wd->p - s) + wd->len, len);

		if ((words_is(w, i, "note") || words_is(w, i, "nb")) && e < len && s[e] == ':') {
			note = 1;
			if (add_defect_cue(out, "minimal", "a note (\"", s, (size_t)(wd->p - s),
					   e + 1 - (size_t)(wd->p - s), "\"): move it to the description") < 0)
				return -1;
			break;
		}
	}
	if (p->extra < len && !note &&
	    add_defect_str(out, "minimal", "more than one sentence: keep the story to role, means "
			   "and end, and move the rest to the description") < 0)
		return -1;
	return 0;
}

static const char *const noun_starts[] = {
	"a", "an", "the", "my", "our", "your", "their", "his", "her", "its", "some", "any",
	"all", "every", "each", "no", "this", "that", "these", "those", "more", "less",
	NULL
};

static const char *const dangling_words[] = {
	"and", "or", "so", "that", "to", "the", "a", "an", "of", "with", "for", "but",
	"because", "when", "if", "by", NULL
};

static int check_full_sentence(const char *s, size_t len, const struct parsed *p,
			       struct words *w, json_t *out)
{
	size_t t = len;

	/* the goal is what the role does */
	if (words_split(w, s + p->goal_off, p->goal_len) < 0)
		return -1;
	if (w->n && (words_in(w, 0, noun_starts) ||
		     (w->v[0].p[0] >= '0' && w->v[0].p[0] <= '9')) &&
	    add_defect_str(out, "full_sentence", "the goal is not a verb phrase: say what the role "
			   "does, as in \"I want to <verb> ...\"") < 0)
		return -1;

	/* the sentence is finished */
	while (t > p->start && is_space((unsigned char)s[t - 1]))
		t--;
	if (p->end_marker >= 0 && !p->benefit_len) {
		if (add_defect_cue(out, "full_sentence", "\"", end_markers[p->end_marker].name,
				   0, strlen(end_markers[p->end_marker].name),
				   "\" is followed by no benefit: give one or leave it out") < 0)
			return -1;
	} else if (t > p->start && strchr(",;:-(&/", s[t - 1])) {
		if (add_defect_cue(out, "full_sentence", "the sentence ends with \"", s, t - 1, 1,
				   "\": finish it") < 0)
			return -1;
	} else {
		if (words_split(w, s + p->start, t - p->start) < 0)
			return -1;
		if (w->n > 1 && words_in(w, w->n - 1, dangling_words) &&
		    add_defect_cue(out, "full_sentence", "the sentence ends with \"", s,
				   (size_t)(w->v[w->n - 1].p - s), w->v[w->n - 1].len,
				   "\": finish it") < 0)
			return -1;
	}

	/* no word twice in a row */
	if (words_split(w, s, len) < 0)
		return -1;
	for (size_t i = 1; i < w->n; i++) {
		const struct word *a = &w->v[i - 1], *b = &w->v[i];

		if (strcmp(a->low, b->low) || word_is_number(a) || a->punct_after)
			continue;
		return add_defect_cue(out, "full_sentence", "a word twice in a row: \"", s,
				      (size_t)(a->p - s), (size_t)(b->p + b->len - a->p), "\"");
	}
	return 0;
}

static int check_story(const char *s, size_t len, json_t *out)
{
	struct parsed p;
	struct words w = WORDS_INIT;
	int r = -1;

	parse(s, len, &p);
	if (p.form == F_NONE)
		return add_defect_str(out, "well_formed", NOT_A_STORY);
	if (!p.has_role &&
	    add_defect_str(out, "well_formed", "no role: say who wants it, as in "
			   "\"As a <role>, I want ...\"") < 0)
		return -1;
	if (p.means < 0)
		return add_defect_str(out, "well_formed", "no means: say what the role wants, as "
				      "in \"I want <goal>\"");
	if (!p.goal_len)
		return add_defect_cue(out, "well_formed", "no goal: say what is wanted after \"",
				      means_markers[p.means].name, 0,
				      strlen(means_markers[p.means].name), "\"");
	if (check_atomic(s, &p, &w, out) < 0 || check_minimal(s, len, &p, &w, out) < 0 ||
	    check_full_sentence(s, len, &p, &w, out) < 0)
		goto out;
	r = 0;
out:
	words_release(&w);
	return r;
}

int qus_check(const char *s, size_t len, json_t *out)
{
	json_t *tmp = json_array();
	int n = -1;

	if (!tmp)
		return oom();
	if (!s)
		s = "", len = 0;
	if (check_story(s, len, tmp) == 0) {
		if (json_array_extend(out, tmp))
			oom();
		else
			n = (int)json_array_size(tmp);
	}
	json_decref(tmp);
	return n;
}

/* --- the checks of a set of stories ------------------------------------ */

struct keyed {
	char *key;
	size_t idx;
};

static int cmp_keyed(const void *pa, const void *pb)
{
	const struct keyed *a = pa, *b = pb;
	int c = strcmp(a->key, b->key);

	if (c)
		return c;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/*
 * The comparison key of s[0..len): its words, lowercase, one space apart;
 * with bare, articles left out and each word singular. NULL on ENOMEM.
 */
static char *norm_key(struct words *w, const char *s, size_t len, int bare)
{
	struct buf b = BUF_INIT;
	char one[128];

	if (words_split(w, s, len) < 0)
		return NULL;
	if (buf_addstr(&b, ""))
		goto fail;
	for (size_t i = 0; i < w->n; i++) {
		const char *lw = w->v[i].low;

		if (bare && (!strcmp(lw, "a") || !strcmp(lw, "an") || !strcmp(lw, "the")))
			continue;
		if (bare && strlen(lw) < sizeof(one))
			lw = words_singular(lw, one, sizeof(one));
		if ((b.len && buf_addch(&b, ' ')) || buf_addstr(&b, lw))
			goto fail;
	}
	return buf_detach(&b, NULL);
fail:
	buf_release(&b);
	return NULL;
}

/* For each story, the first earlier one with the same key: first[i], or SIZE_MAX. */
static void mark_duplicates(struct keyed *k, size_t m, size_t *first)
{
	size_t g = 0;

	if (m)
		qsort(k, m, sizeof(*k), cmp_keyed);
	for (size_t i = 1; i < m; i++) {
		if (strcmp(k[g].key, k[i].key))
			g = i;
		/* k[g] opens the group: the smallest index of the key */
		else if (first[k[i].idx] == SIZE_MAX)
			first[k[i].idx] = k[g].idx;
	}
}

/* The value most stories have (n counts over values), or -1 without a clear majority. */
static int majority(const size_t *counts, size_t nvalues)
{
	size_t total = 0, top = 0;
	int best = -1;

	for (size_t v = 0; v < nvalues; v++) {
		total += counts[v];
		if (counts[v] > top)
			top = counts[v], best = (int)v;
	}
	return top >= 2 && top * 2 > total ? best : -1;
}

static int add_set_defect(json_t *arr, size_t story, const char *rule, struct buf *b)
{
	json_t *o = json_object();
	int r = !o || json_object_set_new(o, "story", json_integer((json_int_t)story)) ||
		json_object_set_new(o, "rule", json_string(rule)) ||
		json_object_set_new(o, "message", words_text_json(b->p ? b->p : "", b->len)) ||
		json_array_append(arr, o);

	json_decref(o);
	buf_release(b);
	return r ? oom() : 0;
}

static const char *const openings[] = { "As a", "In order to" };

/*
 * How a message names another story: "story 3", or "line 12" when lines
 * gives each story's line.
 */
struct naming {
	const char *noun;
	const size_t *lines;
};

static size_t label(const struct naming *nm, size_t i)
{
	return nm->lines ? nm->lines[i] : i + 1;
}

static int set_defects(size_t n, const struct parsed *ps, const size_t *same_text,
		       const size_t *same_goal, const struct naming *nm, json_t *out)
{
	size_t open_n[2] = { 0, 0 }, means_n[NMEANS] = { 0 }, end_n[NENDS] = { 0 };
	int open_top, means_top, end_top;

	for (size_t i = 0; i < n; i++) {
		const struct parsed *p = &ps[i];
		if ((p->form != F_AS && p->form != F_ORDER) || p->means < 0)
			continue;
		open_n[p->form == F_ORDER]++;
		means_n[p->means]++;
		if (p->form == F_AS && p->end_marker >= 0)
			end_n[p->end_marker]++;
	}
	open_top = majority(open_n, 2);
	means_top = majority(means_n, NMEANS);
	end_top = majority(end_n, NENDS);
	for (size_t i = 0; i < n; i++) {
		const struct parsed *p = &ps[i];
		struct buf b = BUF_INIT;
		int r = 0;

		if (same_text[i] != SIZE_MAX) {
			r = buf_addf(&b, "the same text as %s %zu: keep one of them",
				     nm->noun, label(nm, same_text[i])) || add_set_defect(out, i, "unique", &b);
		} else if (same_goal[i] != SIZE_MAX) {
			r = buf_addf(&b, "the same goal as %s %zu: merge the two or say how they "
				     "differ", nm->noun, label(nm, same_goal[i])) || add_set_defect(out, i, "unique", &b);
		}
		if (!r && (p->form == F_AS || p->form == F_ORDER) && p->means >= 0) {
			int form = p->form == F_ORDER;
			if (!r && open_top >= 0 && form != open_top)
				r = buf_addf(&b, "starts with \"%s\" where most stories start with \"%s\"",
					     openings[form], openings[open_top]) ||
				    add_set_defect(out, i, "uniform", &b);
			if (!r && means_top >= 0 && p->means != means_top)
				r = buf_addf(&b, "uses \"%s\" where most stories use \"%s\"",
					     means_markers[p->means].name, means_markers[means_top].name) ||
				    add_set_defect(out, i, "uniform", &b);
			if (!r && end_top >= 0 && p->form == F_AS && p->end_marker >= 0 &&
			    p->end_marker != end_top)
				r = buf_addf(&b, "gives its benefit with \"%s\" where most stories use \"%s\"",
					     end_markers[p->end_marker].name, end_markers[end_top].name) ||
				    add_set_defect(out, i, "uniform", &b);
		}
		buf_release(&b);
		if (r)
			return -1;
	}
	return 0;
}

static int check_set(const char *const *texts, const size_t *lens, size_t n,
		     const struct naming *nm, json_t *out)
{
	struct parsed *ps = calloc(n ? n : 1, sizeof(*ps));
	struct keyed *tk = calloc(n ? n : 1, sizeof(*tk)), *gk = calloc(n ? n : 1, sizeof(*gk));
	size_t *same_text = malloc((n ? n : 1) * sizeof(size_t));
	size_t *same_goal = malloc((n ? n : 1) * sizeof(size_t));
	struct words w = WORDS_INIT;
	json_t *tmp = json_array();
	size_t ng = 0;
	int r = -1;

	if (!ps || !tk || !gk || !same_text || !same_goal || !tmp) {
		oom();
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const char *s = texts[i] ? texts[i] : "";
		size_t len = texts[i] ? lens[i] : 0;

		same_text[i] = same_goal[i] = SIZE_MAX;
		parse(s, len, &ps[i]);
		tk[i].idx = i;
		if (!(tk[i].key = norm_key(&w, s, len, 0)))
			goto oom;
		if (ps[i].form == F_NONE || ps[i].means < 0 || !ps[i].goal_len)
			continue;
		gk[ng].idx = i;
		if (!(gk[ng].key = norm_key(&w, s + ps[i].goal_off, ps[i].goal_len, 1)))
			goto oom;
		ng++;
	}
	mark_duplicates(tk, n, same_text);
	mark_duplicates(gk, ng, same_goal);
	if (set_defects(n, ps, same_text, same_goal, nm, tmp) < 0)
		goto out;
	if (json_array_extend(out, tmp))
		goto oom;
	r = (int)json_array_size(tmp);
	goto out;
oom:
	oom();
out:
	for (size_t i = 0; i < n && tk; i++)
		free(tk[i].key);
	for (size_t i = 0; i < ng; i++)
		free(gk[i].key);
	free(ps);
	free(tk);
	free(gk);
	free(same_text);
	free(same_goal);
	words_release(&w);
	json_decref(tmp);
	return r;
}

int qus_check_set(const char *const *texts, const size_t *lens, size_t n, json_t *out)
{
	struct naming nm = { "story", NULL };

	return check_set(texts, lens, n, &nm, out);
}

/* --- the backlog lint -------------------------------------------------- */

struct line {
	const char *p;
	size_t len;
	size_t no;
};

static int lint_line(const struct line *l, const json_t *set, size_t *cursor, size_t idx,
		     qus_write_fn write, void *ctx, long *total)
{
	json_t *defects = json_array(), *o = NULL;
	char *text = NULL;
	int r = -1;

	if (!defects || qus_check(l->p, l->len, defects) < 0)
		goto out;
	/* the set's defects of this story: set is ordered by story */
	for (; *cursor < json_array_size(set); (*cursor)++) {
		json_t *d = json_array_get(set, *cursor), *q;
		if ((size_t)json_integer_value(json_object_get(d, "story")) != idx)
			break;
		q = json_pack("{s:O, s:O}", "rule", json_object_get(d, "rule"),
			      "message", json_object_get(d, "message"));
		if (!q || json_array_append_new(defects, q))
			goto oom;
	}
	*total += (long)json_array_size(defects);
	o = json_object();
	if (!o || json_object_set_new(o, "line", json_integer((json_int_t)l->no)) ||
	    json_object_set_new(o, "story", words_text_json(l->p, l->len)) ||
	    json_object_set(o, "defects", defects))
		goto oom;
	if (!(text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER)))
		goto oom;
	{
		size_t n = strlen(text);
		char *nl = realloc(text, n + 2);
		if (!nl)
			goto oom;
		text = nl;
		text[n] = '\n';
		text[n + 1] = '\0';
		if (write(ctx, text, n + 1))
			goto out;
	}
	r = 0;
	goto out;
oom:
	oom();
out:
	free(text);
	json_decref(o);
	json_decref(defects);
	return r;
}

long qus_lint(const char *buf, size_t len, qus_write_fn write, void *ctx)
{
	struct line *lines = NULL;
	size_t n = 0, alloc = 0, no = 0, cursor = 0;
	const char **texts = NULL;
	size_t *lens = NULL, *nos = NULL;
	struct naming nm = { "line", NULL };
	json_t *set = NULL;
	long total = 0, r = -1;

	for (size_t i = 0; buf && i < len; no++) {
		const char *nl = memchr(buf + i, '\n', len - i);
		size_t e = nl ? (size_t)(nl - buf) : len, a = i, b = e;

		i = nl ? e + 1 : len;
		while (a < b && is_space((unsigned char)buf[a]))
			a++;
		while (b > a && is_space((unsigned char)buf[b - 1]))
			b--;
		if (a == b || buf[a] == '#')
			continue;
		if (n == alloc) {
			size_t na = alloc ? alloc * 2 : 64;
			struct line *nv = realloc(lines, na * sizeof(*nv));
			if (!nv)
				goto oom;
			lines = nv;
			alloc = na;
		}
		lines[n].p = buf + a;
		lines[n].len = b - a;
		lines[n].no = no + 1;
		n++;
	}
	texts = calloc(n ? n : 1, sizeof(*texts));
	lens = calloc(n ? n : 1, sizeof(*lens));
	nos = calloc(n ? n : 1, sizeof(*nos));
	set = json_array();
	if (!texts || !lens || !nos || !set)
		goto oom;
	for (size_t i = 0; i < n; i++) {
		texts[i] = lines[i].p;
		lens[i] = lines[i].len;
		nos[i] = lines[i].no;
	}
	nm.lines = nos;
	if (check_set(texts, lens, n, &nm, set) < 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (lint_line(&lines[i], set, &cursor, i, write, ctx, &total) < 0)
			goto out;
	r = total;
	goto out;
oom:
	oom();
out:
	json_decref(set);
	free(texts);
	free(lens);
	free(nos);
	free(lines);
	return r;
}
