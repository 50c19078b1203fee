/*
 * question.c - the questions an analyst asks about one requirement sentence
 * (see question.h).
 *
 * Each rule walks the words of the sentence and notes what it finds as a
 * finding: where its cue starts, the kind, and the question's text. The
 * findings of all rules are then put in the order of their cue in the
 * sentence and turned into JSON in one go, so that a failure half-way
 * leaves the caller's array untouched.
 *
 * The rules are word lists and a few patterns, not a grammar: they prefer
 * to miss a question rather than ask a silly one. So "high" next to a
 * number is not vague, "is required" is a state rather than a passive
 * verb, and "it" is only taken for a missing actor at the start of a
 * sentence or in "it must be possible to".
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "error.h"
#include "jscan.h"
#include "analyze/question.h"
#include "banned.h"

struct finding {
	size_t pos;          /* byte offset of the cue in the sentence */
	int rank;            /* rule order, for cues at the same place */
	size_t seq;          /* order of discovery, for a stable sort */
	const char *kind;
	size_t cue_off, cue_len;
	char *text;          /* owned */
};

struct findings {
	struct finding *v;
	size_t n, alloc;
};

enum { R_TBD, R_VAGUE, R_ACTOR, R_PASSIVE, R_NFR };

static int oom(void)
{
	return ak_error(AK_EXIT_SOFTWARE, "out of memory");
}

/* Take text's storage into a new finding. 0 or -1 (text released). */
static int add_finding(struct findings *fs, const char *kind, int rank, size_t off,
		       size_t len, struct buf *text)
{
	struct finding *f;

	if (fs->n == fs->alloc) {
		size_t na = fs->alloc ? fs->alloc * 2 : 16;
		struct finding *nv = realloc(fs->v, na * sizeof(*nv));
		if (!nv) {
			buf_release(text);
			return oom();
		}
		fs->v = nv;
		fs->alloc = na;
	}
	f = &fs->v[fs->n];
	f->text = buf_detach(text, NULL);
	if (!f->text)
		return oom();
	f->pos = off;
	f->rank = rank;
	f->seq = fs->n;
	f->kind = kind;
	f->cue_off = off;
	f->cue_len = len;
	fs->n++;
	return 0;
}

static void findings_release(struct findings *fs)
{
	for (size_t i = 0; i < fs->n; i++)
		free(fs->v[i].text);
	free(fs->v);
}

/* How many findings of kind are there already, and is cue among them? */
static size_t count_kind(const struct findings *fs, const char *kind, const char *s,
			 size_t off, size_t len, int *dup)
{
	size_t n = 0;

	*dup = 0;
	for (size_t i = 0; i < fs->n; i++) {
		const struct finding *f = &fs->v[i];
		if (strcmp(f->kind, kind))
			continue;
		n++;
		if (f->cue_len == len && !strncasecmp(s + f->cue_off, s + off, len))
			*dup = 1;
	}
	return n;
}


static size_t woff(const struct words *w, const char *s, size_t i)
{
	return (size_t)(w->v[i].p - s);
}

static size_t wend(const struct words *w, const char *s, size_t i)
{
	return (size_t)(w->v[i].p - s) + w->v[i].len;
}

static int ends_with(const char *s, size_t n, const char *suf)
{
	size_t k = strlen(suf);
	return n >= k && !memcmp(s + n - k, suf, k);
}

static int starts_with_digit(const struct word *wd)
{
	return wd->len && wd->p[0] >= '0' && wd->p[0] <= '9';
}

static const char *const adverbs[] = {
	"not", "also", "then", "always", "never", "only", "still", "already", "first",
	"again", "just", "now", "later", "once", "often", "soon", "thus", NULL
};

static int is_adverb(const char *low)
{
	size_t n = strlen(low);
	return words_listed(low, adverbs) || (n > 4 && ends_with(low, n, "ly"));
}

/* --- vague words ------------------------------------------------------- */

enum family {
	F_SPEED, F_SIZE, F_EASE, F_RELIABLE, F_SCALE, F_SECURE, F_EFFICIENT, F_FLEXIBLE,
	F_CRITERION, F_USUALLY, F_DEGREE, F_AMOUNT, F_POSSIBLE, F_NEEDED, F_APPROPRIATE,
	F_ETC, F_ANDOR
};

/* The question is pre + cue + post; no cue in it when pre is NULL. */
static const struct hint {
	const char *pre, *post;
} hints[] = {
	[F_SPEED] = { "What does \"", "\" mean here? Give a measure (for example a time in milliseconds)." },
	[F_SIZE] = { "What does \"", "\" mean here? Give a number (for example a count, or a size with its unit)." },
	[F_EASE] = { "What does \"", "\" mean here? Give a measure (for example a task success rate, or the number of steps)." },
	[F_RELIABLE] = { "What does \"", "\" mean here? Give a measure (for example an availability in percent, or a time between failures)." },
	[F_SCALE] = { "What does \"", "\" mean here? Give a measure (for example how many users or requests at the same time)." },
	[F_SECURE] = { "What does \"", "\" mean here? Name the threats to resist or the standard to meet." },
	[F_EFFICIENT] = { "What does \"", "\" mean here? Give a measure (for example time, memory or cost per operation)." },
	[F_FLEXIBLE] = { "What does \"", "\" mean here? Name the changes it must allow." },
	[F_CRITERION] = { "What does \"", "\" mean here? Name a criterion someone can check." },
	[F_USUALLY] = { "When does \"", "\" not hold? Name the exceptions and what happens then." },
	[F_DEGREE] = { "What does \"", "\" mean here? Give a threshold (a number and a unit)." },
	[F_AMOUNT] = { "How many is \"", "\"? Give a number." },
	[F_POSSIBLE] = { "When is it not possible, and what happens then? \"", "\" leaves it open." },
	[F_NEEDED] = { "Who decides when it is needed, and by which rule? \"", "\" leaves it open." },
	[F_APPROPRIATE] = { NULL, "Who decides what is appropriate, and by which rule?" },
	[F_ETC] = { "List every case instead of \"", "\"." },
	[F_ANDOR] = { NULL, "Which one: and, or, or both?" },
};

#define NO_NUMBER  1   /* not vague with a number within three words */
#define NO_MEASURE 2   /* not vague when the sentence carries a measure */
#define ALONE      4   /* not vague when followed by what it applies to */
#define NO_MEDIUM  8   /* not vague in a list of levels ("low, medium, high") */
#define NO_HOW     16  /* not vague in "how many" */

static const struct vague {
	const char *phrase;
	enum family fam;
	int flags;
} vague[] = {
	/* phrases first, so that "as appropriate" is one cue, not two */
	{ "as soon as possible", F_SPEED, 0 },
	{ "state of the art", F_CRITERION, 0 },
	{ "and so on", F_ETC, 0 },
	{ "and so forth", F_ETC, 0 },
	{ "as far as possible", F_POSSIBLE, 0 },
	{ "if possible", F_POSSIBLE, 0 },
	{ "where possible", F_POSSIBLE, 0 },
	{ "when possible", F_POSSIBLE, 0 },
	{ "whenever possible", F_POSSIBLE, 0 },
	{ "as needed", F_NEEDED, 0 },
	{ "if needed", F_NEEDED, 0 },
	{ "when needed", F_NEEDED, 0 },
	{ "if necessary", F_NEEDED, 0 },
	{ "where necessary", F_NEEDED, 0 },
	{ "as necessary", F_NEEDED, 0 },
	{ "as appropriate", F_APPROPRIATE, 0 },
	{ "where appropriate", F_APPROPRIATE, 0 },
	{ "if appropriate", F_APPROPRIATE, 0 },
	{ "user friendly", F_EASE, 0 },
	{ "easy to use", F_EASE, 0 },
	{ "a lot", F_AMOUNT, NO_NUMBER },
	{ "a few", F_AMOUNT, NO_NUMBER },
	{ "fast", F_SPEED, NO_NUMBER },
	{ "faster", F_SPEED, NO_NUMBER },
	{ "quick", F_SPEED, NO_NUMBER },
	{ "quickly", F_SPEED, NO_NUMBER },
	{ "slow", F_SPEED, NO_NUMBER },
	{ "slowly", F_SPEED, NO_NUMBER },
	{ "rapid", F_SPEED, NO_NUMBER },
	{ "rapidly", F_SPEED, NO_NUMBER },
	{ "instant", F_SPEED, NO_NUMBER },
	{ "instantly", F_SPEED, NO_NUMBER },
	{ "promptly", F_SPEED, NO_NUMBER },
	{ "responsive", F_SPEED, NO_NUMBER },
	{ "timely", F_SPEED, NO_NUMBER },
	{ "asap", F_SPEED, 0 },
	{ "performant", F_SPEED, NO_NUMBER },
	{ "high-performance", F_SPEED, NO_NUMBER },
	{ "easy", F_EASE, 0 },
	{ "easily", F_EASE, 0 },
	{ "simple", F_EASE, 0 },
	{ "user-friendly", F_EASE, 0 },
	{ "easy-to-use", F_EASE, 0 },
	{ "intuitive", F_EASE, 0 },
	{ "intuitively", F_EASE, 0 },
	{ "straightforward", F_EASE, 0 },
	{ "convenient", F_EASE, 0 },
	{ "reliable", F_RELIABLE, 0 },
	{ "reliably", F_RELIABLE, 0 },
	{ "robust", F_RELIABLE, 0 },
	{ "resilient", F_RELIABLE, 0 },
	{ "scalable", F_SCALE, NO_MEASURE },
	{ "secure", F_SECURE, NO_MEASURE | ALONE },
	{ "securely", F_SECURE, NO_MEASURE },
	{ "efficient", F_EFFICIENT, NO_NUMBER },
	{ "efficiently", F_EFFICIENT, NO_NUMBER },
	{ "optimal", F_EFFICIENT, 0 },
	{ "optimally", F_EFFICIENT, 0 },
	{ "flexible", F_FLEXIBLE, 0 },
	{ "flexibly", F_FLEXIBLE, 0 },
	{ "modern", F_CRITERION, 0 },
	{ "nice", F_CRITERION, 0 },
	{ "best", F_CRITERION, 0 },
	{ "good", F_CRITERION, 0 },
	{ "state-of-the-art", F_CRITERION, 0 },
	{ "seamless", F_CRITERION, 0 },
	{ "seamlessly", F_CRITERION, 0 },
	{ "attractive", F_CRITERION, 0 },
	{ "normally", F_USUALLY, 0 },
	{ "usually", F_USUALLY, 0 },
	{ "generally", F_USUALLY, 0 },
	{ "typically", F_USUALLY, 0 },
	{ "adequate", F_DEGREE, NO_NUMBER },
	{ "adequately", F_DEGREE, NO_NUMBER },
	{ "sufficient", F_DEGREE, NO_NUMBER },
	{ "sufficiently", F_DEGREE, NO_NUMBER },
	{ "reasonable", F_DEGREE, NO_NUMBER },
	{ "reasonably", F_DEGREE, NO_NUMBER },
	{ "minimal", F_DEGREE, NO_NUMBER },
	{ "maximal", F_DEGREE, NO_NUMBER },
	{ "appropriate", F_APPROPRIATE, 0 },
	{ "appropriately", F_APPROPRIATE, 0 },
	{ "several", F_AMOUNT, NO_NUMBER },
	{ "some", F_AMOUNT, NO_NUMBER },
	{ "many", F_AMOUNT, NO_NUMBER | NO_HOW },
	{ "numerous", F_AMOUNT, NO_NUMBER },
	{ "few", F_AMOUNT, NO_NUMBER | NO_HOW },
	{ "large", F_SIZE, NO_NUMBER },
	{ "small", F_SIZE, NO_NUMBER },
	{ "big", F_SIZE, NO_NUMBER },
	{ "huge", F_SIZE, NO_NUMBER },
	{ "high", F_SIZE, NO_NUMBER | NO_MEDIUM },
	{ "low", F_SIZE, NO_NUMBER | NO_MEDIUM },
	{ "etc", F_ETC, 0 },
	{ "and/or", F_ANDOR, 0 },
};

#define NVAGUE (sizeof(vague) / sizeof(vague[0]))

/* What "secure" may be followed by when it says what it applies to. */
static const char *const secure_objects[] = {
	"against", "per", "according", "following", "using", "with", "via", "under", "to",
	"the", "a", "an", "all", "each", "every", "its", "their", "his", "her", "our",
	"your", "my", "this", "that", "these", "those", NULL
};

static int number_near(const struct words *w, size_t i, size_t k)
{
	size_t a = i > 3 ? i - 3 : 0, b = i + k + 3;

	for (size_t j = a; j < w->n && j < b; j++)
		if (starts_with_digit(&w->v[j]))
			return 1;
	return 0;
}

static const char *const having[] = {
	"has", "have", "contain", "contains", "include", "includes", "in", "into", "to", NULL
};

static int vague_applies(const struct words *w, size_t i, size_t k, const struct vague *v,
			 int measurable)
{
	if ((v->flags & NO_NUMBER) && number_near(w, i, k))
		return 0;
	if ((v->flags & NO_MEASURE) && measurable)
		return 0;
	if ((v->flags & ALONE) && i + 1 < w->n && words_listed(w->v[i + 1].low, secure_objects))
		return 0;
	if ((v->flags & NO_MEDIUM) && words_find(w, 0, "medium") >= 0)
		return 0;
	if ((v->flags & NO_HOW) && i > 0 &&
	    (words_is(w, i - 1, "how") || words_is(w, i - 1, "too") || words_is(w, i - 1, "as")))
		return 0;
	/* "a warehouse has many products", "stored in several warehouses": a
	 * cardinality of the data model, not an amount someone must fix */
	if (v->fam == F_AMOUNT && i > 0 && words_listed(w->v[i - 1].low, having))
		return 0;
	return 1;
}

static int check_vague(const struct words *w, const char *s, size_t len, int measurable,
		       struct findings *fs)
{
	unsigned char seen[NVAGUE];
	size_t found = 0;

	memset(seen, 0, sizeof(seen));
	for (size_t i = 0; i < w->n && found < QUESTIONS_MAX; i++) {
		for (size_t e = 0; e < NVAGUE; e++) {
			const struct vague *v = &vague[e];
			const struct hint *h = &hints[v->fam];
			size_t k = words_phrase_at(w, i, v->phrase), off, end;
			struct buf text = BUF_INIT;

			if (!k)
				continue;
			/* the phrase is taken even when it asks nothing here */
			i += k - 1;
			if (seen[e] || !vague_applies(w, i + 1 - k, k, v, measurable))
				break;
			seen[e] = 1;
			off = woff(w, s, i + 1 - k);
			end = wend(w, s, i);
			if (v->fam == F_ETC && end < len && s[end] == '.')
				end++;
			if ((h->pre && (buf_addstr(&text, h->pre) ||
					buf_add(&text, s + off, end - off))) ||
			    buf_addstr(&text, h->post)) {
				buf_release(&text);
				return -1;
			}
			if (add_finding(fs, "vague", R_VAGUE, off, end - off, &text) < 0)
				return -1;
			found++;
			break;
		}
	}
	return 0;
}

/* --- passive voice --------------------------------------------------- */

static const char *const be_forms[] = {
	"is", "are", "was", "were", "be", "been", "being", "am", NULL
};

static const char *const auxiliaries[] = {
	"must", "shall", "should", "will", "would", "can", "could", "may", "might",
	"has", "have", "had", "cannot", NULL
};

/* Participles that name a state rather than an act someone does. */
static const char *const states[] = {
	"required", "needed", "based", "supposed", "interested", "concerned", "involved",
	"called", "named", "located", "related", "associated", "allowed", "permitted",
	"expected", "done", "limited", "restricted", "enabled", "disabled", "excited",
	"tired", "pleased", "satisfied", "married", "dedicated", "entitled", "authorized",
	"authorised", "known", "meant", "set", "left", "found", NULL
};

/* Participles that stay in a state only before these words. */
static const struct { const char *part; const char *const next[5]; } states_before[] = {
	{ "logged", { "in", "out", "on", "off", NULL } },
	{ "signed", { "in", "out", "on", "up", NULL } },
	{ "used", { "to", NULL } },
};

/* Participle and the verb's third person where rules would guess wrong. */
static const char *const irregular[][2] = {
	{ "sent", "sends" }, { "sold", "sells" }, { "kept", "keeps" }, { "made", "makes" },
	{ "shown", "shows" }, { "given", "gives" }, { "taken", "takes" },
	{ "written", "writes" }, { "paid", "pays" }, { "built", "builds" },
	{ "held", "holds" }, { "told", "tells" }, { "bought", "buys" },
	{ "brought", "brings" }, { "taught", "teaches" }, { "caught", "catches" },
	{ "lost", "loses" }, { "read", "reads" }, { "put", "puts" }, { "cut", "cuts" },
	{ "run", "runs" }, { "shut", "shuts" }, { "spent", "spends" }, { "led", "leads" },
	{ "met", "meets" }, { "fed", "feeds" }, { "chosen", "chooses" },
	{ "driven", "drives" }, { "hidden", "hides" }, { "broken", "breaks" },
	{ "seen", "sees" }, { "drawn", "draws" }, { "thrown", "throws" },
	{ "grown", "grows" }, { "forgotten", "forgets" }, { "overwritten", "overwrites" },
	{ "rewritten", "rewrites" }, { "overridden", "overrides" }, { "heard", "hears" },
	{ "said", "says" }, { "laid", "lays" }, { "won", "wins" }, { "dealt", "deals" },
	{ "bound", "binds" }, { "understood", "understands" }, { "withdrawn", "withdraws" },
	{ "undone", "undoes" }, { "redone", "redoes" }, { "begun", "begins" },
	{ "frozen", "freezes" }, { "spoken", "speaks" }, { "stolen", "steals" },
	{ "forbidden", "forbids" }, { "gotten", "gets" }, { "reset", "resets" },
	{ "upheld", "upholds" }, { "withheld", "withholds" }, { "rebuilt", "rebuilds" },
	{ "lent", "lends" }, { "swept", "sweeps" }, { "struck", "strikes" },
	{ "torn", "tears" }, { "worn", "wears" }, { "beaten", "beats" },
	{ "bitten", "bites" }, { "proven", "proves" }, { "ridden", "rides" },
	{ "shaken", "shakes" }, { "eaten", "eats" }, { "sought", "seeks" },
	{ "thought", "thinks" }, { "hung", "hangs" }, { "split", "splits" },
	{ "spread", "spreads" }, { "broadcast", "broadcasts" }, { "forecast", "forecasts" },
	{ "misunderstood", "misunderstands" }, { "uploaded", "uploads" },
	/* regular in writing, but the stem rules below would get them wrong */
	{ "added", "adds" }, { "created", "creates" }, { "synced", "syncs" },
	{ "cached", "caches" }, { "cancelled", "cancels" }, { "canceled", "cancels" },
	{ "controlled", "controls" }, { "labelled", "labels" }, { "modelled", "models" },
	{ "travelled", "travels" }, { "signalled", "signals" }, { "levelled", "levels" },
	{ "monitored", "monitors" }, { "mirrored", "mirrors" }, { "tailored", "tailors" },
	{ "sponsored", "sponsors" }, { "authored", "authors" }, { "anchored", "anchors" },
	{ "colored", "colors" }, { "coloured", "colours" }, { "honored", "honors" },
	{ "favored", "favors" }, { "censored", "censors" }, { "focused", "focuses" },
	{ "biased", "biases" }, { "invited", "invites" }, { "united", "unites" },
	{ "cited", "cites" }, { "pivoted", "pivots" }, { "routed", "routes" },
	{ "rerouted", "reroutes" }, { "developed", "develops" }, { "scaled", "scales" },
	{ "abandoned", "abandons" }, { "cloned", "clones" }, { "phoned", "phones" },
	{ "zoned", "zones" }, { "postponed", "postpones" }, { "agreed", "agrees" },
	{ "freed", "frees" }, { "guaranteed", "guarantees" }, { "used", "uses" },
	{ "owed", "owes" },
};

static int is_vowel(char c)
{
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

/*
 * When low is a past participle, write the verb's third person singular to
 * out ("generated" -> "generates") and return 1; else 0.
 */
static int participle(const char *low, char *out, size_t cap)
{
	size_t n = strlen(low), m;
	char stem[64];
	char c, v, pv;
	int add_e, single;

	for (size_t i = 0; i < sizeof(irregular) / sizeof(irregular[0]); i++)
		if (!strcmp(low, irregular[i][0])) {
			snprintf(out, cap, "%s", irregular[i][1]);
			return 1;
		}
	if (n < 5 || n >= sizeof(stem) || !ends_with(low, n, "ed") || !strncmp(low, "un", 2))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (low[i] < 'a' || low[i] > 'z')
			return 0;
	if (ends_with(low, n, "eed"))    /* need, speed, proceed: not participles */
		return 0;
	if (ends_with(low, n, "ied")) {
		snprintf(out, cap, "%.*sies", (int)(n - 3), low);
		return 1;
	}
	m = n - 2;
	memcpy(stem, low, m);
	stem[m] = '\0';
	c = stem[m - 1];
	v = stem[m - 2];
	pv = m >= 3 ? stem[m - 3] : 'x';
	if (c == v && strchr("bdgmnprt", c)) {
		/* stopped, logged, submitted: one consonant too many */
		stem[--m] = '\0';
		add_e = 0;
	} else {
		single = (is_vowel(v) || v == 'y') && !is_vowel(pv);
		add_e = c == 'v' || c == 'c' || c == 'u' || c == 'z' ||
			(c == 's' && v != 's') ||
			(c == 'g' && !(v == 'n' && (pv == 'i' || pv == 'o'))) ||
			(c == 't' && v == 'a' && pv != 'e') ||
			(c == 't' && (v == 'o' || v == 'u') && single) ||
			(c == 't' && v == 'e' && (pv == 'l' || pv == 'p')) ||
			(c == 'l' && !is_vowel(v) && v != 'l') ||
			(c == 'l' && single && (v == 'i' || v == 'u' || v == 'o')) ||
			(c == 'r' && single && v != 'e') ||
			(c == 'n' && single && (v == 'i' || v == 'u')) ||
			(c == 'm' && single && v != 'e') ||
			(c == 'd' && single && v != 'e') ||
			((c == 'k' || c == 'p' || c == 'b') && single);
	}
	if (add_e)
		snprintf(out, cap, "%ses", stem);
	else if (ends_with(stem, m, "s") || ends_with(stem, m, "x") || ends_with(stem, m, "z") ||
		 ends_with(stem, m, "ch") || ends_with(stem, m, "sh") ||
		 (ends_with(stem, m, "o") && !ends_with(stem, m, "oo")))
		snprintf(out, cap, "%ses", stem);
	else
		snprintf(out, cap, "%ss", stem);
	return 1;
}

static int is_state(const struct words *w, size_t j)
{
	if (words_listed(w->v[j].low, states))
		return 1;
	for (size_t i = 0; i < sizeof(states_before) / sizeof(states_before[0]); i++)
		if (!strcmp(w->v[j].low, states_before[i].part))
			return j + 1 < w->n && words_listed(w->v[j + 1].low, states_before[i].next);
	return 0;
}

static const char *const clause_words[] = {
	"that", "which", "who", "whom", "whose", "when", "whenever", "where", "if", "unless",
	"because", "after", "before", "once", "until", "while", "then", "and", "or", "but",
	"so", "as", "since", "whether", "than", NULL
};

static const char *const tbd_participles[] = {
	"decided", "defined", "determined", "confirmed", "clarified", "announced", "agreed",
	NULL
};

/* The object form of a subject pronoun, or NULL. */
static const char *object_pronoun(const char *low)
{
	static const char *const map[][2] = {
		{ "i", "me" }, { "we", "us" }, { "he", "him" }, { "she", "her" },
		{ "they", "them" }, { "it", "it" }, { "you", "you" },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(low, map[i][0]))
			return map[i][1];
	return NULL;
}

/* Append the subject that ends before word k: the noun phrase of its clause. */
static int add_subject(struct buf *b, const struct words *w, const char *s, size_t k)
{
	size_t a = k, off, end;
	const char *pro;

	while (a > 0 && k - a < 6 && !w->v[a - 1].punct_after &&
	       !words_listed(w->v[a - 1].low, clause_words))
		a--;
	if (a == k)
		return buf_addstr(b, "it");
	if (a + 1 == k && (pro = object_pronoun(w->v[a].low)))
		return buf_addstr(b, pro);
	off = woff(w, s, a);
	end = wend(w, s, k - 1);
	if (buf_add(b, s + off, end - off))
		return -1;
	/* "The report" at the start of the sentence is "the report" inside one */
	if (a == 0 && b->p[b->len - (end - off)] >= 'A' && b->p[b->len - (end - off)] <= 'Z' &&
	    (w->v[a].len == 1 || (w->v[a].p[1] >= 'a' && w->v[a].p[1] <= 'z')))
		b->p[b->len - (end - off)] += 'a' - 'A';
	return 0;
}

static int check_passive(const struct words *w, const char *s, struct findings *fs)
{
	for (size_t i = 0; i < w->n; i++) {
		size_t j = i + 1, k = i, off, end;
		char verb[80];
		struct buf text = BUF_INIT;
		int dup;

		if (!words_listed(w->v[i].low, be_forms))
			continue;
		while (j < w->n && j < i + 3 && is_adverb(w->v[j].low))
			j++;
		if (j >= w->n || words_listed(w->v[j].low, be_forms) ||
		    !participle(w->v[j].low, verb, sizeof(verb)) || is_state(w, j))
			continue;
		if (words_find(w, j + 1, "by") >= 0)
			continue;
		if (i > 0 && words_is(w, i - 1, "to") && words_listed(w->v[j].low, tbd_participles))
			continue;     /* "to be decided": a tbd question */
		if (i > 1 && words_is(w, i - 1, "to") &&
		    (words_is(w, i - 2, "want") || words_is(w, i - 2, "like") ||
		     words_is(w, i - 2, "need")))
			continue;     /* "I want to be alerted": the role is the one acted on */
		while (k > 0 && (words_listed(w->v[k - 1].low, auxiliaries) ||
				 (k > 1 && is_adverb(w->v[k - 1].low) &&
				  words_listed(w->v[k - 2].low, auxiliaries))))
			k--;
		off = woff(w, s, k);
		end = wend(w, s, j);
		if (count_kind(fs, "passive", s, off, end - off, &dup) >= QUESTIONS_MAX)
			break;
		if (dup)
			continue;
		if (buf_addstr(&text, "Who or what ") || buf_addstr(&text, verb) ||
		    buf_addch(&text, ' ') || add_subject(&text, w, s, k) ||
		    buf_addstr(&text, "? \"") || buf_add(&text, s + off, end - off) ||
		    buf_addstr(&text, "\" names no actor.")) {
			buf_release(&text);
			return -1;
		}
		if (add_finding(fs, "passive", R_PASSIVE, off, end - off, &text) < 0)
			return -1;
	}
	return 0;
}

/* --- missing actor --------------------------------------------------- */

static const char *const modals[] = {
	"shall", "must", "should", "will", "can", "may", NULL
};

static const char *const means_nouns[] = {
	"way", "option", "possibility", "button", "function", "feature", "means",
	"mechanism", "tool", "link", "form", NULL
};

#define VP_WORDS 12

/*
 * Append the verb phrase from word a to the end of its clause (at most
 * VP_WORDS words, "..." when cut), or "do this" when there is none.
 */
static int add_vp(struct buf *b, const struct words *w, const char *s, size_t a)
{
	size_t e = a;

	if (a >= w->n)
		return buf_addstr(b, "do this");
	while (e + 1 < w->n && e + 1 < a + VP_WORDS && !w->v[e].punct_after)
		e++;
	if (buf_add(b, s + woff(w, s, a), wend(w, s, e) - woff(w, s, a)))
		return -1;
	if (e + 1 < w->n && !w->v[e].punct_after)
		return buf_addstr(b, "...");
	return 0;
}

/*
 * 1 when the words from a on are "be" and a past participle: a passive,
 * which the passive rule asks about, or a state ("be done") no one acts in.
 */
static int passive_at(const struct words *w, size_t a)
{
	char verb[80];

	if (!words_is(w, a, "be"))
		return 0;
	a++;
	while (a < w->n && is_adverb(w->v[a].low))
		a++;
	return a < w->n && (participle(w->v[a].low, verb, sizeof(verb)) || is_state(w, a));
}

enum subject { S_NONE, S_EMPTY, S_PRONOUN, S_THERE, S_ONE };

static int check_actor(const struct words *w, const char *s, struct findings *fs)
{
	for (size_t m = 0; m < w->n; m++) {
		enum subject subj = S_NONE;
		size_t a = m + 1, adv, vp = 0, off, end;
		struct buf text = BUF_INIT;
		int able = 0, dup, r;

		if (!words_listed(w->v[m].low, modals))
			continue;
		if (m == 0)
			subj = S_EMPTY;
		else if (words_in(w, m - 1, (const char *const[]){ "it", "this", "that", NULL }))
			subj = S_PRONOUN;
		else if (words_is(w, m - 1, "there"))
			subj = S_THERE;
		else if (m == 1 && words_is(w, 0, "one"))
			subj = S_ONE;
		if (subj == S_NONE)
			continue;
		while (a < w->n && a < m + 3 && is_adverb(w->v[a].low))
			a++;
		adv = a;
		if (words_is(w, a, "be") && words_is(w, a + 1, "possible") && subj == S_PRONOUN) {
			if (!words_is(w, a + 2, "to"))
				continue;    /* "possible for users to": an actor */
			able = 1, vp = a + 3;
		} else if (words_phrase_at(w, a, "be able to") && subj == S_ONE) {
			able = 1, vp = a + 3;
		} else if (subj == S_THERE) {
			if (!words_is(w, a, "be") || !words_in(w, a + 1, (const char *const[]){ "a", "an", NULL }) ||
			    !words_in(w, a + 2, means_nouns) || !words_is(w, a + 3, "to"))
				continue;
			able = 1, vp = a + 4;
		} else if (subj == S_PRONOUN && m != 1) {
			continue;    /* "..., and it must be unique": it has a referent */
		}
		if (!able && passive_at(w, a))
			continue;    /* the passive rule asks who acts */
		off = subj == S_EMPTY ? woff(w, s, m) : woff(w, s, m - 1);
		end = wend(w, s, m);
		if (count_kind(fs, "missing_actor", s, off, end - off, &dup) >= QUESTIONS_MAX)
			break;
		if (dup)
			continue;
		if (able) {
			r = buf_addstr(&text, "Who ") || buf_addstr(&text, w->v[m].low);
			for (size_t k = m + 1; !r && k < adv; k++)
				r = buf_addch(&text, ' ') || buf_addstr(&text, w->v[k].low);
			r = r || buf_addstr(&text, " be able to ") || add_vp(&text, w, s, vp) ||
			    buf_addstr(&text, "?");
		} else {
			r = buf_addstr(&text, subj == S_ONE ? "Who " : "Who or what ") ||
			    buf_addstr(&text, w->v[m].low) || buf_addch(&text, ' ') ||
			    add_vp(&text, w, s, m + 1) || buf_addch(&text, '?');
			if (!r && subj == S_EMPTY)
				r = buf_addstr(&text, " The sentence names no actor.");
			else if (!r && subj == S_PRONOUN)
				r = buf_addstr(&text, " \"") ||
				    buf_add(&text, w->v[m - 1].p, w->v[m - 1].len) ||
				    buf_addstr(&text, "\" does not say.");
		}
		if (r) {
			buf_release(&text);
			return -1;
		}
		if (add_finding(fs, "missing_actor", R_ACTOR, off, end - off, &text) < 0)
			return -1;
	}
	return 0;
}

/* --- not decided yet ------------------------------------------------- */

static const char *const tbd_words[] = {
	"tbd", "tbc", "tba", "todo", "fixme", "xxx", NULL
};

static int add_tbd(struct findings *fs, const char *s, size_t off, size_t len)
{
	struct buf text = BUF_INIT;
	int dup;

	if (count_kind(fs, "tbd", s, off, len, &dup) >= QUESTIONS_MAX || dup)
		return 0;
	if (buf_addstr(&text, "This part is not decided yet: \"") ||
	    buf_add(&text, s + off, len) || buf_addstr(&text, "\".")) {
		buf_release(&text);
		return -1;
	}
	return add_finding(fs, "tbd", R_TBD, off, len, &text);
}

static int check_tbd(const struct words *w, const char *s, size_t len, struct findings *fs)
{
	for (size_t i = 0; i < w->n; i++) {
		size_t k = 0;

		if (words_listed(w->v[i].low, tbd_words))
			k = 1;
		else if (words_is(w, i, "to") && words_is(w, i + 1, "be") &&
			 words_in(w, i + 2, tbd_participles))
			k = 3;
		if (k && add_tbd(fs, s, woff(w, s, i), wend(w, s, i + k - 1) - woff(w, s, i)) < 0)
			return -1;
		if (k)
			i += k - 1;
	}
	/* "???": punctuation, so not among the words */
	for (size_t i = 0; i + 1 < len; i++) {
		size_t e = i;

		if (s[i] != '?' || s[i + 1] != '?')
			continue;
		while (e < len && s[e] == '?')
			e++;
		if (add_tbd(fs, s, i, e - i) < 0)
			return -1;
		i = e;
	}
	return 0;
}

/* --- putting it together --------------------------------------------- */

static int cmp_finding(const void *pa, const void *pb)
{
	const struct finding *a = pa, *b = pb;

	if (a->pos != b->pos)
		return a->pos < b->pos ? -1 : 1;
	if (a->rank != b->rank)
		return a->rank - b->rank;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static json_t *question_json(const struct finding *f, const char *s, json_t *source)
{
	json_t *o = json_object();

	if (!o || json_object_set_new(o, "kind", json_string(f->kind)) ||
	    json_object_set_new(o, "text", words_text_json(f->text, strlen(f->text))) ||
	    json_object_set(o, "source", source) ||
	    json_object_set_new(o, "cue", words_text_json(s + f->cue_off, f->cue_len))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int questions_check(const struct words *w, const char *s, size_t len, int is_nfr,
		    int measurable, json_t *qs)
{
	struct findings fs = { NULL, 0, 0 };
	json_t *tmp = NULL, *source = NULL;
	int n = -1;

	if (!s)
		s = "", len = 0;
	if (w->n && (w->v[0].p < s || w->v[w->n - 1].p + w->v[w->n - 1].len > s + len))
		return ak_error(AK_EXIT_SOFTWARE, "questions_check: the words are not of the sentence");
	if (check_tbd(w, s, len, &fs) < 0 || check_vague(w, s, len, measurable, &fs) < 0 ||
	    check_actor(w, s, &fs) < 0 || check_passive(w, s, &fs) < 0)
		goto out;
	if (is_nfr && !measurable) {
		struct buf text = BUF_INIT;
		if (buf_addstr(&text, "How will this be measured? Give a number and a unit.")) {
			buf_release(&text);
			goto out;
		}
		if (add_finding(&fs, "nfr_without_measure", R_NFR, len, 0, &text) < 0)
			goto out;
	}
	if (fs.n)
		qsort(fs.v, fs.n, sizeof(*fs.v), cmp_finding);
	while (fs.n > QUESTIONS_MAX)
		free(fs.v[--fs.n].text);
	if (!(tmp = json_array()) || (fs.n && !(source = words_text_json(s, len))))
		goto oom;
	for (size_t i = 0; i < fs.n; i++) {
		json_t *q = question_json(&fs.v[i], s, source);
		if (!q || json_array_append_new(tmp, q))
			goto oom;
	}
	if (json_array_extend(qs, tmp))
		goto oom;
	n = (int)fs.n;
	goto out;
oom:
	oom();
out:
	json_decref(source);
	json_decref(tmp);
	findings_release(&fs);
	return n;
}
