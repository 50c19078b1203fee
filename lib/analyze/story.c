/*
 * story.c - requirement sentences to user stories and their acceptance
 * criteria, by the shape of the sentence.
 *
 * A requirement reads SUBJECT MODAL [be able to] GOAL [so that BENEFIT]:
 * "Warehouse managers must be able to export the stock list so that they
 * can order in time". The subject is the role, unless it is the system,
 * which either lets someone act ("the system shall allow users to ...")
 * or acts itself. Goals that join actions with "and" are split, because a
 * story should be atomic; objects joined with "and" ("a title and a due
 * date") are not.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "analyze/entity.h"
#include "analyze/qus.h"
#include "analyze/story.h"
#include "banned.h"

#define MAX_ROLE_WORDS 4

static const char *const modals[] = {
	"shall", "must", "should", "will", "can", "may", "could", "might", "cannot",
	"can't", "won't", "wont", "shouldn't", "mustn't", "needs", "need", "has", "have",
	"is", "are", "want", "wants", "would", "ought", NULL
};

static const char *const determiners[] = {
	"the", "a", "an", "all", "every", "each", "any", "our", "their", "its", NULL
};

static const char *const system_nouns[] = {
	"system", "application", "app", "service", "platform", "product", "software",
	"website", "site", "tool", "api", "backend", "server", "portal", "program",
	"solution", "module", "component", "interface", "frontend", "ui", NULL
};

static const char *const impersonal[] = { "it", "there", "this", "that", "one", NULL };

/* Verbs that start an action in a goal: used to split joined goals. */
static const char *const action_verbs[] = {
	"add", "create", "edit", "update", "delete", "remove", "view", "see", "list",
	"search", "filter", "sort", "export", "import", "share", "assign", "mark",
	"archive", "restore", "invite", "upload", "download", "print", "log", "sign",
	"register", "reset", "change", "set", "receive", "send", "pay", "book", "cancel",
	"approve", "reject", "comment", "tag", "rate", "review", "track", "manage",
	"configure", "schedule", "notify", "subscribe", "unsubscribe", "follow", "reply",
	"browse", "select", "save", "submit", "open", "close", "move", "copy", "duplicate",
	"attach", "check", "verify", "confirm", "request", "return", "order", "buy",
	"sell", "transfer", "record", "report", "generate", "display", "show", "hide",
	"lock", "unlock", "block", "enable", "disable", "join", "leave", "contact",
	"compare", "recommend", "calculate", "read", "write", "enter", "rename",
	"reorder", "complete", "finish", "start", "stop", "pause", "resume", "publish",
	"unpublish", "approve", "deactivate", "activate", "reactivate", "find", "get",
	"choose", "pick", "drag", "group", "invite", "revoke", "grant", "define", "link",
	"unlink", "merge", "split", "scan", "adjust", "count", "refund", "reserve",
	"release", "ship", "deliver", "withdraw", "deposit", "apply", "modify", "mute",
	NULL
};

static const char *const having[] = {
	"have", "has", "contain", "contains", "include", "includes", "belong", "belongs",
	"consist", "consists", "hold", "holds", NULL
};

static const char *const cond_words[] = { "if", "when", "whenever", "unless", "once", NULL };

static int oom(void)
{
	return ak_error(AK_EXIT_SOFTWARE, "out of memory");
}

static int section_has(const char *section, const char *needle)
{
	return section && strcasestr(section, needle) != NULL;
}

/* An explicit MoSCoW marker anywhere in the sentence, or NULL. */
static const char *explicit_priority(const struct words *w)
{
	for (size_t i = 0; i < w->n; i++) {
		const char *t = w->v[i].low;
		if (!strcmp(t, "p0") || !strcmp(t, "p1") || !strcmp(t, "mandatory") ||
		    !strcmp(t, "must-have"))
			return "must";
		if (!strcmp(t, "p2") || !strcmp(t, "should-have"))
			return "should";
		if (!strcmp(t, "p3") || !strcmp(t, "optional") || !strcmp(t, "optionally") ||
		    !strcmp(t, "could-have") || !strcmp(t, "nice-to-have"))
			return "could";
		if (!strcmp(t, "won't-have"))
			return "wont";
	}
	if (words_find(w, 0, "nice to have") >= 0 || words_find(w, 0, "could have") >= 0)
		return "could";
	if (words_find(w, 0, "must have") == 0)
		return "must";
	if (words_find(w, 0, "should have") == 0)
		return "should";
	if (words_find(w, 0, "priority high") >= 0)
		return "must";
	if (words_find(w, 0, "priority medium") >= 0)
		return "should";
	if (words_find(w, 0, "priority low") >= 0)
		return "could";
	return NULL;
}

static const char *section_priority(const char *section)
{
	if (section_has(section, "out of scope") || section_has(section, "non-goal") ||
	    section_has(section, "won't") || section_has(section, "not in scope") ||
	    section_has(section, "future"))
		return "wont";
	if (section_has(section, "must"))
		return "must";
	if (section_has(section, "should"))
		return "should";
	if (section_has(section, "could") || section_has(section, "nice to have") ||
	    section_has(section, "optional"))
		return "could";
	return NULL;
}

/* Is the modal at i followed by a negation ("must not", "shall never")? */
static int negated(const struct words *w, size_t i)
{
	const char *t = w->v[i].low;
	if (!strcmp(t, "cannot") || !strcmp(t, "can't") || !strcmp(t, "mustn't") ||
	    !strcmp(t, "shouldn't") || !strcmp(t, "won't") || !strcmp(t, "wont"))
		return 1;
	return words_is(w, i + 1, "not") || words_is(w, i + 1, "never");
}

/* Where the modal verb is, or -1. "is"/"are"/"has" count only as
 * "is required to", "has to", "needs to", "want to". */
static long find_modal(const struct words *w)
{
	for (size_t i = 0; i < w->n; i++) {
		if (!words_in(w, i, modals))
			continue;
		const char *t = w->v[i].low;
		if (!strcmp(t, "is") || !strcmp(t, "are")) {
			if ((words_is(w, i + 1, "required") || words_is(w, i + 1, "expected") ||
			     words_is(w, i + 1, "able")) && words_is(w, i + 2, "to"))
				return (long)i;
			continue;
		}
		if (!strcmp(t, "has") || !strcmp(t, "have") || !strcmp(t, "need") ||
		    !strcmp(t, "needs") || !strcmp(t, "ought")) {
			if (words_is(w, i + 1, "to"))
				return (long)i;
			continue;
		}
		if (!strcmp(t, "want") || !strcmp(t, "wants")) {
			if (words_is(w, i + 1, "to"))
				return (long)i;
			continue;
		}
		if (!strcmp(t, "would")) {
			if (words_is(w, i + 1, "like"))
				return (long)i;
			continue;
		}
		return (long)i;
	}
	return -1;
}

static const char *modal_priority(const struct words *w, size_t i)
{
	const char *t = w->v[i].low;

	if (!strcmp(t, "should") || !strcmp(t, "ought"))
		return "should";
	if (!strcmp(t, "can") || !strcmp(t, "may") || !strcmp(t, "could") || !strcmp(t, "might") ||
	    !strcmp(t, "would"))
		return "could";
	if ((!strcmp(t, "will") && words_is(w, i + 1, "not")) || !strcmp(t, "won't") ||
	    !strcmp(t, "wont"))
		return "wont";
	return "must";
}

static const char *const subject_stops[] = {
	"with", "of", "who", "that", "which", "in", "on", "for", "from", "at", NULL
};

/* Does the noun name someone who acts (user, warehouse manager, editor)? */
static int is_actor(const char *low)
{
	static const char *const things[] = {
		"order", "folder", "filter", "number", "timer", "counter", "container",
		"computer", "browser", "server", "parameter", "letter", "header", "footer",
		"reminder", "marker", "layer", "buffer", "calendar", "register", "content",
		"event", "component", "element", "document", "payment", "comment", "parent",
		"report", "error", "sensor", "monitor", "vendor", "cursor", "selector",
		"indicator", "calculator", "identifier", "banner", "poster", "water", "paper",
		"power", "center", "centre", "cluster", "printer", "scanner", "router",
		"adapter", "connector", "processor", "other", "amount", "account", "transfer",
		"coffee", "committee", "number", "answer", "shelter", "chapter", "quarter",
		"winner", "dinner", "corner", "border", NULL
	};
	static const char *const suffixes[] = { "er", "or", "ist", "ant", "ent", "ee", "ian", NULL };
	static const char *const people[] = {
		"lead", "head", "chief", "nurse", "patient", "doctor", "pilot", "chef", "parent",
		"child", "guardian", "tenant", "landlord", "resident", "citizen", "voter", "author",
		"reader", "viewer", "listener", "shopper", "traveller", "traveler", "passenger",
		"rider", "driver", "courier", "dispatcher", "officer", "inspector", "judge",
		"lawyer", "dentist", "vet", "coach", "athlete", "fan", "donor", "candidate",
		"applicant", "recruiter", "hr", "finance", "support", "team", "tutor", NULL
	};
	char one[64];
	size_t n;

	if (entity_is_role(low))
		return 1;
	words_singular(low, one, sizeof(one));
	for (const char *const *p = people; *p; p++)
		if (!strcmp(one, *p))
			return 1;
	for (const char *const *t = things; *t; t++)
		if (!strcmp(one, *t))
			return 0;
	n = strlen(one);
	for (const char *const *x = suffixes; *x; x++) {
		size_t k = strlen(*x);
		if (n > k + 2 && !strcmp(one + n - k, *x))
			return 1;
	}
	return 0;
}

/* The head noun of the subject words [a, b): the word before a
 * preposition or relative pronoun, else the last. */
static size_t subject_head(const struct words *w, size_t a, size_t b)
{
	for (size_t i = a + 1; i < b; i++)
		if (words_in(w, i, subject_stops))
			return i - 1;
	return b - 1;
}

static int is_rule(const struct words *w, long modal)
{
	if (modal >= 0 && negated(w, (size_t)modal) && strcmp(w->v[modal].low, "won't") &&
	    strcmp(w->v[modal].low, "wont") && !(words_is(w, (size_t)modal, "will") &&
						 words_is(w, (size_t)modal + 1, "not")))
		return 1;
	if (words_is(w, 0, "only") || words_find(w, 0, "at most") >= 0 ||
	    words_find(w, 0, "no more than") >= 0 || words_find(w, 0, "at least") >= 0 ||
	    words_find(w, 0, "must be") >= 0 || words_find(w, 0, "must have") >= 0 ||
	    words_find(w, 0, "is required") >= 0 || words_find(w, 0, "are required") >= 0)
		return modal < 0 || !words_is(w, (size_t)modal + 1, "be") ||
		       !(words_is(w, (size_t)modal + 2, "able") ||
			 words_is(w, (size_t)modal + 2, "possible") ||
			 (words_is(w, (size_t)modal + 2, "a") && words_is(w, (size_t)modal + 3, "way")));
	return 0;
}

void story_shape(const struct words *w, int list_item, const char *section, struct shape *sh)
{
	const char *explicit = explicit_priority(w);
	const char *by_section = section_priority(section);
	long m = find_modal(w);
	size_t s = 0;

	memset(sh, 0, sizeof(*sh));
	sh->modal = m;
	sh->kind = SHAPE_NONE;
	sh->priority = "must";
	if (w->n == 0)
		return;
	while (s < w->n && (long)s < (m < 0 ? (long)w->n : m) && words_in(w, s, determiners))
		s++;
	/* "A warehouse has many products, and a product can be ...": the
	 * subject is the clause's own, after the last joint */
	for (long i = (long)s; m >= 0 && i < m; i++)
		if (words_in(w, (size_t)i, having) || words_is(w, (size_t)i, "is") ||
		    words_is(w, (size_t)i, "are")) {
			for (long k = m - 1; k > i; k--)
				if (words_is(w, (size_t)k, "and") || words_is(w, (size_t)k, "but") ||
				    w->v[k - 1].punct_after) {
					s = (size_t)k + (words_is(w, (size_t)k, "and") ||
							 words_is(w, (size_t)k, "but"));
					break;
				}
			while ((long)s < m && words_in(w, s, determiners))
				s++;
			break;
		}
	sh->subject_start = (long)s;
	if (m >= 0) {
		/* "the product" is the system; "a product" is a thing */
		for (long i = (long)s; i < m; i++)
			if (words_in(w, (size_t)i, system_nouns) &&
			    (!words_is(w, (size_t)i, "product") ||
			     (i > 0 && words_is(w, (size_t)i - 1, "the") && i == (long)s)))
				sh->system_subject = 1;
		sh->no_actor = m == (long)s || (m == (long)s + 1 && words_in(w, s, impersonal));
	}
	sh->priority = explicit ? explicit : by_section ? by_section
		       : m >= 0 ? modal_priority(w, (size_t)m) : "must";
	if (words_is(w, 0, "as") && (words_is(w, 1, "a") || words_is(w, 1, "an") ||
				      words_is(w, 1, "the")) && words_find(w, 2, "i") >= 0) {
		sh->kind = SHAPE_STORY;
		return;
	}
	if (words_is(w, 0, "in") && words_is(w, 1, "order") && words_find(w, 2, "as") >= 0 &&
	    words_find(w, 2, "i") >= 0) {
		sh->kind = SHAPE_STORY;
		return;
	}
	if (is_rule(w, m)) {
		sh->kind = SHAPE_RULE;
		return;
	}
	if (m >= 0 && m < 12) {
		size_t v = (size_t)m + 1;
		while (words_is(w, v, "also") || words_is(w, v, "always") || words_is(w, v, "to") ||
		       words_is(w, v, "like") || words_is(w, v, "required"))
			v++;
		if (words_is(w, v, "be") && words_is(w, v + 1, "able") && words_is(w, v + 2, "to"))
			v += 3;
		/* "a task can have several tags": a fact about things, not a goal */
		if (words_in(w, v, having)) {
			sh->kind = SHAPE_NONE;
			return;
		}
		/* "A shared project shall give ...": a thing that behaves is a
		 * rule; so is what the system is ("shall be stored") */
		if ((!sh->system_subject && !sh->no_actor && m > (long)s &&
		     !is_actor(w->v[subject_head(w, s, (size_t)m)].low)) ||
		    (sh->system_subject && words_is(w, v, "be"))) {
			sh->kind = SHAPE_RULE;
			return;
		}
		sh->kind = SHAPE_GOAL;
		return;
	}
	/* no modal: a list item that starts with a verb is a requirement, and
	 * so is "The system sends ..." (a present-tense verb after the system) */
	if (list_item && words_in(w, 0, action_verbs))
		sh->kind = SHAPE_GOAL;
	else if (words_in(w, s, system_nouns) && w->n > s + 2 && strcmp(w->v[s].low, "product") &&
		 !words_in(w, s + 1, having) && !words_is(w, s + 1, "is") &&
		 !words_is(w, s + 1, "was") && !words_is(w, s + 1, "does") &&
		 w->v[s + 1].len > 3 && w->v[s + 1].low[w->v[s + 1].len - 1] == 's' &&
		 w->v[s + 1].low[w->v[s + 1].len - 2] != 's')
		sh->kind = SHAPE_GOAL;
}

/* --- building stories ---------------------------------------------------- */

static char *span_dup(const char *p, size_t n)
{
	struct buf b = BUF_INIT;

	while (n && (*p == ' ' || *p == ',' || *p == ':' || *p == ';'))
		p++, n--;
	while (n && (p[n - 1] == ' ' || p[n - 1] == '.' || p[n - 1] == ',' || p[n - 1] == ';' ||
		     p[n - 1] == '!' || p[n - 1] == ':'))
		n--;
	if (buf_add(&b, p, n) < 0 || buf_grow(&b, 1) < 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

/* words [a, b) of the sentence as written */
static char *words_dup(const struct words *w, size_t a, size_t b)
{
	if (a >= b || a >= w->n)
		return span_dup("", 0);
	if (b > w->n)
		b = w->n;
	const char *start = w->v[a].p;
	const char *end = w->v[b - 1].p + w->v[b - 1].len;
	/* keep a closing bracket or quote that belongs to the last word */
	return span_dup(start, (size_t)(end - start));
}

char *story_role_name(const char *phrase, size_t len, char *out, size_t cap)
{
	struct words w = WORDS_INIT;
	struct buf b = BUF_INIT;
	size_t i = 0, n, head;

	if (!cap)
		return out;
	out[0] = '\0';
	if (words_split(&w, phrase, len) < 0)
		return out;
	while (i < w.n && words_in(&w, i, determiners))
		i++;
	n = w.n - i > MAX_ROLE_WORDS ? i + MAX_ROLE_WORDS : w.n;
	head = i < n ? subject_head(&w, i, n) : n;
	for (size_t k = i; k < n; k++) {
		char one[64];
		if (k > i)
			buf_addch(&b, ' ');
		buf_addstr(&b, k == head ? words_singular(w.v[k].low, one, sizeof(one)) : w.v[k].low);
	}
	snprintf(out, cap, "%s", b.p ? b.p : "");
	buf_release(&b);
	words_release(&w);
	return out;
}

const char *story_article(const char *word)
{
	char c = word[0];

	if (c == 'a' || c == 'e' || c == 'i' || c == 'o')
		return "an";
	/* "an uncle", "an update", but "a user", "a unit" */
	if (c == 'u' && word[1] && !strchr("aeiou", word[1]) && word[2] &&
	    strchr("aeiou", word[2]) && !(word[1] == 'n' && word[2] == 'i') &&
	    (word[1] == 'n' || word[1] == 'p' || word[1] == 'm' || word[1] == 'g'))
		return "an";
	if (c == 'u' && word[1] && !strchr("aeiou", word[1]) && word[2] && !strchr("aeiou", word[2]))
		return "an";
	return "a";
}

/*
 * The text s with its pronouns moved to the first person ("update their
 * profile" -> "update my profile") or back to the third. New string, or
 * NULL on ENOMEM.
 */
char *story_person(const char *s, int first)
{
	/* "them" is left alone: it names things as often as people ("share them") */
	static const char *const third[] = { "their", "they", "themselves", "theirs", NULL };
	static const char *const mine[] = { "my", "i", "myself", "mine", NULL };
	static const char *const mine_out[] = { "my", "I", "myself", "mine", NULL };
	const char *const *from = first ? third : mine, *const *to = first ? mine_out : third;
	struct words w = WORDS_INIT;
	struct buf b = BUF_INIT;
	const char *p = s;

	if (words_split(&w, s, strlen(s)) < 0)
		return NULL;
	for (size_t i = 0; i < w.n; i++)
		for (size_t k = 0; from[k]; k++)
			if (!strcmp(w.v[i].low, from[k])) {
				buf_add(&b, p, (size_t)(w.v[i].p - p));
				buf_addstr(&b, to[k]);
				p = w.v[i].p + w.v[i].len;
				break;
			}
	words_release(&w);
	if (buf_addstr(&b, p) < 0 || buf_grow(&b, 1) < 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

static int push_story(struct story_list *l, const struct story *st)
{
	if (l->n == l->alloc) {
		size_t na = l->alloc ? l->alloc * 2 : 16;
		struct story *nv = realloc(l->v, na * sizeof(*nv));
		if (!nv)
			return oom();
		l->v = nv;
		l->alloc = na;
	}
	l->v[l->n++] = *st;
	return 0;
}

static void story_release(struct story *st)
{
	free(st->role);
	free(st->goal);
	free(st->benefit);
	free(st->condition);
}

void story_list_release(struct story_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		story_release(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/*
 * Split a goal (words g[a, b)) into atomic goals, calling emit for each
 * (start, end, shared tail start). "create, edit and delete tasks": three
 * verbs sharing the object "tasks". "create a task and assign it to a
 * project": two goals.
 */
struct goal_span { size_t a, b, tail; };

static size_t split_goal(const struct words *w, size_t a, size_t b, struct goal_span *out,
			 size_t max)
{
	size_t n = 0, i = a;

	/* a list of verbs at the start: V1, V2 and V3 OBJECT */
	if (words_in(w, a, action_verbs)) {
		size_t k = a;
		size_t verbs[16], nv = 0;
		verbs[nv++] = k;
		while (k + 1 < b && nv < 16) {
			if ((w->v[k].punct_after || words_is(w, k + 1, "and") ||
			     words_is(w, k + 1, "or")) &&
			    words_in(w, (words_is(w, k + 1, "and") || words_is(w, k + 1, "or"))
					 ? k + 2 : k + 1, action_verbs)) {
				k += words_is(w, k + 1, "and") || words_is(w, k + 1, "or") ? 2 : 1;
				verbs[nv++] = k;
				continue;
			}
			break;
		}
		if (nv > 1 && k + 1 < b) {
			for (size_t v = 0; v < nv && n < max; v++)
				out[n++] = (struct goal_span){ verbs[v], verbs[v] + 1, k + 1 };
			return n;
		}
	}
	/* GOAL1 and VERB ... */
	size_t start = a;
	for (i = a + 1; i + 1 < b && n + 1 < max; i++) {
		if ((words_is(w, i, "and") || words_is(w, i, "or")) &&
		    words_in(w, i + 1, action_verbs) && !words_is(w, i - 1, "to") &&
		    i > start + 1) {
			out[n++] = (struct goal_span){ start, i, b };
			start = i + 1;
		}
	}
	out[n++] = (struct goal_span){ start, b, b };
	return n;
}

/* Index of the first word of a clause that ends the goal, or b. */
static size_t goal_end(const struct words *w, size_t a, size_t b, size_t *benefit)
{
	*benefit = b;
	for (size_t i = a + 1; i < b; i++) {
		if (words_is(w, i, "so") && (words_is(w, i + 1, "that") || w->v[i - 1].punct_after)) {
			*benefit = i + (words_is(w, i + 1, "that") ? 2 : 1);
			return i;
		}
		if (words_is(w, i, "in") && words_is(w, i + 1, "order") && words_is(w, i + 2, "to")) {
			*benefit = i + 3;
			return i;
		}
		if (words_is(w, i, "because")) {
			*benefit = i + 1;
			return i;
		}
	}
	return b;
}

/* A trailing condition clause "... if/when X" at i in [a, b), or b. */
static size_t cond_start(const struct words *w, size_t a, size_t b)
{
	for (size_t i = a + 2; i < b; i++)
		if (words_in(w, i, cond_words) && !words_is(w, i - 1, "see") &&
		    !words_is(w, i - 1, "know") && !words_is(w, i - 1, "choose"))
			return i;
	return b;
}

/* "sends" -> "send", "notifies" -> "notify", "pushes" -> "push", in place. */
static void plain_form(char *goal)
{
	size_t n = strcspn(goal, " ");

	if (n > 4 && !strncmp(goal + n - 3, "ies", 3)) {
		memmove(goal + n - 2, goal + n, strlen(goal + n) + 1);
		goal[n - 3] = 'y';
	} else if (n > 4 && (!strncmp(goal + n - 4, "sses", 4) || !strncmp(goal + n - 4, "shes", 4) ||
			     !strncmp(goal + n - 4, "ches", 4) || !strncmp(goal + n - 3, "xes", 3))) {
		memmove(goal + n - 2, goal + n, strlen(goal + n) + 1);
	} else if (n > 2 && goal[n - 1] == 's' && goal[n - 2] != 's') {
		memmove(goal + n - 1, goal + n, strlen(goal + n) + 1);
	}
}

/*
 * The goal as a story says it: the first word in lowercase (a list item
 * starts with a capital), and without what is not part of it: a trailing
 * "etc." or "and so on" (a question asks about those), or a priority
 * marker in brackets ("(P2)", "(optional)"). from: where the goal's own
 * words start in g.
 */
static void tidy_goal(struct buf *g, size_t from)
{
	static const char *const tails[] = { " etc", " and so on", " and more", NULL };
	static const char *const markers[] = {
		"p0", "p1", "p2", "p3", "optional", "nice to have", "must", "should", "could",
		"won't", "mandatory", "priority", NULL
	};
	char *p = g->p;
	char *paren;

	if (g->len > from + 1 && p[from] >= 'A' && p[from] <= 'Z' &&
	    p[from + 1] >= 'a' && p[from + 1] <= 'z')
		p[from] = (char)(p[from] + 32);
	if ((paren = strrchr(p + from, '('))) {
		for (const char *const *m = markers; *m; m++)
			if (!strncasecmp(paren + 1, *m, strlen(*m))) {
				g->len = (size_t)(paren - p);
				break;
			}
	}
	for (int again = 1; again;) {
		again = 0;
		while (g->len > from && (p[g->len - 1] == ' ' || p[g->len - 1] == ',' ||
					 p[g->len - 1] == '.'))
			g->len--;
		for (const char *const *t = tails; *t; t++) {
			size_t k = strlen(*t);
			if (g->len > from + k && !strncasecmp(p + g->len - k, *t, k)) {
				g->len -= k;
				again = 1;
			}
		}
	}
	p[g->len] = '\0';
}

int story_extract(const struct words *w, const char *s, size_t len, const struct shape *sh,
		  const char *default_role, struct story_list *out)
{
	struct goal_span spans[16];
	struct story st;
	char role[128];
	size_t a, b = w->n, bstart, gend, cstart, nspans;
	char *condition = NULL, *benefit = NULL;
	int system = 0, added = 0, plain_verb = 0;

	if (sh->kind == SHAPE_STORY) {
		struct story_parts sp;
		if (qus_parse(s, len, &sp) != 1 || !sp.goal)
			return 0;
		memset(&st, 0, sizeof(st));
		const char *g = sp.goal;
		size_t gl = sp.goal_len;
		if (gl > 3 && !strncasecmp(g, "to ", 3))
			g += 3, gl -= 3;
		else if (gl <= 3 && !strncasecmp(g, "to", gl))
			return 0;   /* "As a user, I want to": no goal */
		story_role_name(sp.role, sp.role_len, role, sizeof(role));
		st.role = span_dup(role, strlen(role));
		st.goal = span_dup(g, gl);
		st.benefit = span_dup(sp.benefit ? sp.benefit : "", sp.benefit ? sp.benefit_len : 0);
		st.priority = sh->priority;
		/* "be alerted when a product runs low": the condition of a passive goal */
		if (st.goal && !strncmp(st.goal, "be ", 3)) {
			const char *c = strstr(st.goal, " when ");
			if (!c)
				c = strstr(st.goal, " if ");
			if (c && !(st.condition = span_dup(strchr(c + 1, ' ') + 1,
							   strlen(strchr(c + 1, ' ') + 1)))) {
				story_release(&st);
				return oom();
			}
		}
		if (!st.role || !st.goal || !st.benefit) {
			story_release(&st);
			return oom();
		}
		return push_story(out, &st) < 0 ? (story_release(&st), -1) : 1;
	}
	if (sh->kind != SHAPE_GOAL)
		return 0;

	/* a leading condition: "When a task is overdue, users ..." */
	a = 0;
	if (words_in(w, 0, cond_words)) {
		size_t k = 1;
		while (k < w->n && !w->v[k].punct_after)
			k++;
		if (k + 1 < w->n) {
			condition = words_dup(w, 1, k + 1);
			a = k + 1;
		}
	}
	size_t subj = (size_t)sh->subject_start > a ? (size_t)sh->subject_start : a;
	while (subj < w->n && words_in(w, subj, determiners))
		subj++;
	if (sh->modal >= 0 && (size_t)sh->modal >= subj) {
		size_t m = (size_t)sh->modal;
		a = m + 1;
		if (words_is(w, m, "is") || words_is(w, m, "are") || words_is(w, m, "has") ||
		    words_is(w, m, "have") || words_is(w, m, "needs") || words_is(w, m, "need") ||
		    words_is(w, m, "want") || words_is(w, m, "wants") || words_is(w, m, "would"))
			a = m + 2 + (words_is(w, m + 1, "required") || words_is(w, m + 1, "expected") ||
				     words_is(w, m + 1, "able") || words_is(w, m, "would"));
		if (words_is(w, a, "not") && (words_is(w, m, "will")))
			a++;
		while (words_is(w, a, "also") || words_is(w, a, "always") || words_is(w, a, "optionally"))
			a++;
		if (words_is(w, a, "be") && (words_is(w, a + 1, "able") || words_is(w, a + 1, "allowed")) &&
		    words_is(w, a + 2, "to"))
			a += 3;
		else if (words_is(w, a, "have") && words_is(w, a + 1, "the") &&
			 words_is(w, a + 2, "ability") && words_is(w, a + 3, "to"))
			a += 4;
		if (sh->system_subject) {
			/* "allow|let|enable|permit ROLE to GOAL" */
			if ((words_is(w, a, "allow") || words_is(w, a, "enable") || words_is(w, a, "permit") ||
			     words_is(w, a, "let")) && a + 1 < w->n) {
				size_t r = a + 1, to = r;
				while (to < w->n && to < r + MAX_ROLE_WORDS + 1 && !words_is(w, to, "to"))
					to++;
				if (words_is(w, a, "let")) {
					to = r + 1;
					while (r < w->n && words_in(w, r, determiners))
						r++, to++;
				}
				if (to < w->n && to > r) {
					story_role_name(w->v[r].p, (size_t)(w->v[to - 1].p + w->v[to - 1].len -
									  w->v[r].p), role, sizeof(role));
					a = words_is(w, to, "to") ? to + 1 : to;
				} else {
					system = 1;
				}
			} else {
				system = 1;
			}
		} else if (!sh->no_actor && (size_t)sh->modal > subj) {
			story_role_name(w->v[subj].p, (size_t)(w->v[m - 1].p + w->v[m - 1].len - w->v[subj].p),
					role, sizeof(role));
		}
		if (sh->no_actor || system || !role[0]) {
			if (!(sh->system_subject && !system))
				snprintf(role, sizeof(role), "%s", default_role);
		}
		if (sh->no_actor && words_is(w, a, "be") && words_is(w, a + 1, "possible") &&
		    words_is(w, a + 2, "to"))
			a += 3;
		else if (sh->no_actor && words_is(w, a, "be") && words_is(w, a + 1, "a") &&
			 words_is(w, a + 2, "way") && words_is(w, a + 3, "to"))
			a += 4;
	} else {
		/* a list item without a modal: the item is the goal */
		snprintf(role, sizeof(role), "%s", default_role);
		if (sh->system_subject || words_in(w, subj, system_nouns)) {
			system = 1;
			a = subj + 1;   /* "The system sends ...": the goal starts at the verb */
			plain_verb = 1;
		}
	}
	if (a >= w->n) {
		free(condition);
		return 0;
	}
	gend = goal_end(w, a, b, &bstart);
	if (bstart < b)
		benefit = words_dup(w, bstart, b);
	cstart = cond_start(w, a, gend);
	/* "if needed", "when possible": no condition, only vague (a question) */
	if (cstart < gend && !condition && gend - cstart > 2)
		condition = words_dup(w, cstart + 1, gend);
	gend = cstart;
	nspans = split_goal(w, a, gend, spans, sizeof(spans) / sizeof(spans[0]));
	for (size_t k = 0; k < nspans; k++) {
		struct buf g = BUF_INIT;
		char *head = words_dup(w, spans[k].a, spans[k].b);
		char *tail = spans[k].tail < gend ? words_dup(w, spans[k].tail, gend) : NULL;
		int failed = !head;

		if (!failed && system)
			failed = buf_addstr(&g, "have the system ") < 0;
		if (!failed && plain_verb)
			plain_form(head);
		if (!failed)
			failed = buf_addstr(&g, head) < 0;
		if (!failed && tail && *tail)
			failed = buf_addf(&g, " %s", tail) < 0;
		if (!failed)
			tidy_goal(&g, system ? 16 : 0);
		free(head);
		free(tail);
		memset(&st, 0, sizeof(st));
		st.role = span_dup(role, strlen(role));
		st.goal = failed ? NULL : story_person(g.p ? g.p : "", 1);
		st.benefit = benefit ? story_person(benefit, 1) : span_dup("", 0);
		st.condition = condition ? span_dup(condition, strlen(condition)) : NULL;
		st.priority = sh->priority;
		st.system = system;
		buf_release(&g);
		if (!st.role || !st.goal || !st.benefit || (condition && !st.condition) ||
		    push_story(out, &st) < 0) {
			story_release(&st);
			free(condition);
			free(benefit);
			return oom();
		}
		if (!*st.goal) {
			story_release(&st);
			out->n--;
			continue;
		}
		added++;
	}
	free(condition);
	free(benefit);
	return added;
}

/* --- acceptance criteria ------------------------------------------------- */

/*
 * The outcome of the common verbs, with %s for the object. Other verbs
 * get "the OBJECT is PARTICIPLE REST" ("assign a task to a member": the
 * task is assigned to a member).
 */
struct outcome {
	const char *verb;
	const char *then;
	int plural;    /* the object stays as written ("they see the tasks") */
};

static const struct outcome outcomes[] = {
	{ "create", "the new %s is saved and they can see it", 0 },
	{ "add", "the %s is added and they can see it", 0 },
	{ "submit", "the %s is submitted and they get a confirmation", 0 },
	{ "book", "the %s is booked and they get a confirmation", 0 },
	{ "order", "the %s is ordered and they get a confirmation", 0 },
	{ "edit", "the %s shows their changes", 0 },
	{ "update", "the %s shows their changes", 0 },
	{ "modify", "the %s shows their changes", 0 },
	{ "delete", "the %s no longer appears", 0 },
	{ "remove", "the %s no longer appears", 0 },
	{ "archive", "the %s is archived and no longer listed", 0 },
	{ "view", "they see the %s", 1 },
	{ "see", "they see the %s", 1 },
	{ "list", "they see the %s", 1 },
	{ "browse", "they see the %s", 1 },
	{ "read", "they see the %s", 1 },
	{ "track", "they see the current %s", 1 },
	{ "search", "they see only the %s that match", 1 },
	{ "filter", "they see only the %s that match", 1 },
	{ "find", "they see the %s that match", 1 },
	{ "sort", "the %s are shown in the chosen order", 1 },
	{ "export", "they get a file with the %s", 1 },
	{ "download", "they get a file with the %s", 1 },
	{ "import", "the %s from the file are saved", 1 },
	{ "receive", "they receive the %s", 1 },
	{ "get", "they get the %s", 1 },
	{ "pay", "the %s is paid and they get a receipt", 0 },
	{ "restore", "the %s is back", 0 },
};

static const char *const obj_stop[] = {
	"with", "by", "for", "to", "from", "in", "on", "at", "when", "that", "which", "who",
	"into", "as", "via", "using", "after", "before", "within", "if", "and", "or", "so",
	"without", "per", "of", NULL
};

static const char *const pronouns[] = {
	"it", "them", "me", "us", "you", "him", "her", "one", "this", "that", "these", "those",
	NULL
};

static const char *const possessives[] = { "their", "his", "her", "my", "our", "your", NULL };

/* Verbs whose stories the rules about their objects constrain. */
static const char *const write_verbs[] = {
	"create", "add", "edit", "update", "change", "set", "enter", "submit", "register",
	"book", "order", "share", "invite", "rename", "assign", "move", "upload", "import",
	"schedule", "save", "record", "post", "write", "reset", "request", "modify", NULL
};

/* Past participles that spelling rules do not give. */
static const struct { const char *verb, *pp; } irregular[] = {
	{ "set", "set" }, { "send", "sent" }, { "get", "got" }, { "see", "seen" },
	{ "find", "found" }, { "pay", "paid" }, { "make", "made" }, { "give", "given" },
	{ "take", "taken" }, { "write", "written" }, { "read", "read" }, { "buy", "bought" },
	{ "sell", "sold" }, { "show", "shown" }, { "hide", "hidden" }, { "put", "put" },
	{ "keep", "kept" }, { "hold", "held" }, { "choose", "chosen" }, { "build", "built" },
	{ "leave", "left" }, { "split", "split" }, { "cut", "cut" }, { "upload", "uploaded" },
	{ "run", "run" }, { "begin", "begun" }, { "lay", "laid" },
};

static void participle(struct buf *b, const char *v)
{
	size_t n = strlen(v);

	for (size_t i = 0; i < sizeof(irregular) / sizeof(irregular[0]); i++)
		if (!strcmp(v, irregular[i].verb)) {
			buf_addstr(b, irregular[i].pp);
			return;
		}
	buf_addstr(b, v);
	if (n && v[n - 1] == 'e') {
		buf_addch(b, 'd');
	} else if (n > 1 && v[n - 1] == 'y' && !strchr("aeiou", v[n - 2])) {
		b->p[--b->len] = '\0';
		buf_addstr(b, "ied");
	} else if (n == 3 && !strchr("aeiouwxy", v[2]) && strchr("aeiou", v[1]) &&
		   !strchr("aeiou", v[0])) {
		buf_addch(b, v[2]);   /* tag -> tagged, pin -> pinned */
		buf_addstr(b, "ed");
	} else {
		buf_addstr(b, "ed");
	}
}

/* The object of the goal: the words after the verb, without a determiner,
 * up to a preposition; [*a, *b) of w. */
static void goal_object(const struct words *w, size_t verb, size_t *a, size_t *b)
{
	size_t i = verb + 1, k;

	if (words_is(w, i, "in") || words_is(w, i, "out") || words_is(w, i, "up"))
		i++;   /* log in, sign out, sign up */
	while (i < w->n && (words_in(w, i, determiners) || words_in(w, i, possessives)))
		i++;
	for (k = i; k < w->n && k < i + 5 && !words_in(w, k, obj_stop); k++)
		if (w->v[k].punct_after) {
			k++;
			break;
		}
	*a = i;
	*b = k;
}

/* The goal's object as text; singular when one is meant. */
static void add_object(struct buf *b, const struct words *w, size_t a, size_t z, int plural)
{
	for (size_t i = a; i < z; i++) {
		char one[64];
		if (i > a)
			buf_addch(b, ' ');
		if (i + 1 == z && !plural)
			buf_addstr(b, words_singular(w->v[i].low, one, sizeof(one)));
		else
			buf_add(b, w->v[i].p, w->v[i].len);
	}
}

static char *then_for(const struct story *st, const char *goal3)
{
	struct words w = WORDS_INIT;
	struct buf b = BUF_INIT;
	size_t oa, oz;

	if (words_split(&w, goal3, strlen(goal3)) < 0)
		return NULL;
	if (st->system && words_is(&w, 0, "have") && words_is(&w, 1, "the") && w.n > 3) {
		/* "have the system send X" -> "the system sends X" */
		const char *v = w.v[3].low;
		size_t vl = strlen(v);
		buf_add(&b, w.v[1].p, (size_t)(w.v[3].p - w.v[1].p));
		buf_addstr(&b, v);
		if (vl && (v[vl - 1] == 's' || v[vl - 1] == 'h' || v[vl - 1] == 'x' || v[vl - 1] == 'o'))
			buf_addstr(&b, "es");
		else if (vl > 1 && v[vl - 1] == 'y' && !strchr("aeiou", v[vl - 2]))
			b.p[--b.len] = '\0', buf_addstr(&b, "ies");
		else
			buf_addch(&b, 's');
		buf_addstr(&b, w.v[3].p + w.v[3].len);
	} else if (words_is(&w, 0, "be") && w.n > 1) {
		/* "be alerted when ..." -> "they are alerted when ..." */
		buf_addf(&b, "they are %s", w.v[1].p);
	} else if ((words_is(&w, 0, "log") || words_is(&w, 0, "sign")) &&
		   (words_is(&w, 1, "in") || words_is(&w, 1, "on"))) {
		buf_addstr(&b, "they are signed in");
	} else if ((words_is(&w, 0, "sign") && words_is(&w, 1, "up")) ||
		   (words_is(&w, 0, "register") && w.n == 1)) {
		buf_addstr(&b, "they have an account and are signed in");
	} else if ((words_is(&w, 0, "log") || words_is(&w, 0, "sign")) && words_is(&w, 1, "out")) {
		buf_addstr(&b, "they are signed out");
	} else if (w.n > 1) {
		const struct outcome *o = NULL;
		for (size_t i = 0; i < sizeof(outcomes) / sizeof(outcomes[0]); i++)
			if (!strcmp(w.v[0].low, outcomes[i].verb))
				o = &outcomes[i];
		goal_object(&w, 0, &oa, &oz);
		if (oa >= oz || words_in(&w, oa, pronouns)) {
			buf_addf(&b, "they can %s", goal3);
		} else if (o) {
			const char *hole = strstr(o->then, "%s");
			buf_add(&b, o->then, (size_t)(hole - o->then));
			add_object(&b, &w, oa, oz, o->plural);
			buf_addstr(&b, hole + 2);
		} else {
			/* "mark a task as done" -> "the task is marked as done" */
			buf_addstr(&b, "the ");
			add_object(&b, &w, oa, oz, 0);
			buf_addstr(&b, " is ");
			participle(&b, w.v[0].low);
			if (oz < w.n)
				buf_addstr(&b, w.v[oz - 1].p + w.v[oz - 1].len);
		}
	} else {
		buf_addf(&b, "they can %s", goal3);
	}
	words_release(&w);
	if (buf_grow(&b, 1) < 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

static int add_criterion(json_t *arr, const char *given, const char *when, const char *then)
{
	json_t *c = json_pack("{s:s, s:s, s:s}", "given", given, "when", when, "then", then);
	return c && !json_array_append_new(arr, c) ? 0 : -1;
}

/* Lowercase the first letter of a sentence and drop its final stop. */
static char *as_clause(const char *s)
{
	char *c = span_dup(s, strlen(s));
	if (c && c[0] >= 'A' && c[0] <= 'Z' && !(c[1] >= 'A' && c[1] <= 'Z'))
		c[0] = (char)(c[0] + 32);
	return c;
}

/* Is one of the first max words of w singular (after making it singular)? */
static int has_word(const struct words *w, const char *singular, size_t max)
{
	for (size_t k = 0; k < w->n && k < max; k++) {
		char one[64];
		if (!strcmp(singular, words_singular(w->v[k].low, one, sizeof(one))))
			return 1;
	}
	return 0;
}

/* Does a word of w start with stem ("delet" in "deleted")? */
static int has_stem(const struct words *w, const char *stem)
{
	size_t n = strlen(stem);
	for (size_t k = 0; k < w->n; k++)
		if (!strncmp(w->v[k].low, stem, n))
			return 1;
	return 0;
}

/* --- the rules, read once for every story -------------------------------- */

/*
 * A story gets the criteria of at most this many rules, the first that
 * apply: in a document without headings every rule shares the section of
 * every story, and without a bound a story's criteria would grow with the
 * whole document.
 */
#define MAX_RULE_CRITERIA 16

struct posting {
	size_t *v;          /* rule indexes, ascending */
	size_t n, alloc;
};

struct rule_key {
	char *key;          /* NULL: a free slot */
	struct posting p;
};

/*
 * The words of every rule, and an index from what a story looks for to the
 * rules that have it, each list in document order: "o" + a singular word,
 * "p" + a word's first three bytes, "s" + a section, "q" + a word's first
 * three bytes and a section ("t" and "u" keys only mark texts seen). A
 * rule whose text came before is left out of the "o" and "p" lists, one
 * whose text came before in its section out of the "s" and "q" lists: it
 * could only add a criterion the story has already.
 */
struct story_rules {
	const struct story_rule *r;
	struct words *w;
	size_t n;
	struct rule_key *tab;   /* open addressing, cap a power of two */
	size_t cap, used;
};

static size_t key_hash(const char *s)
{
	size_t h = 14695981039346656037ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static struct rule_key *key_find(const struct story_rules *rs, const char *key)
{
	size_t i = key_hash(key) & (rs->cap - 1);

	for (; rs->tab[i].key; i = (i + 1) & (rs->cap - 1))
		if (!strcmp(rs->tab[i].key, key))
			return &rs->tab[i];
	return NULL;
}

/* The slot of key, made when new (*made set to 1). NULL on ENOMEM. */
static struct rule_key *key_add(struct story_rules *rs, const char *key, int *made)
{
	struct rule_key *k = key_find(rs, key);
	size_t i;

	*made = 0;
	if (k)
		return k;
	if ((rs->used + 1) * 2 > rs->cap) {
		size_t cap = rs->cap * 2;
		struct rule_key *tab = calloc(cap, sizeof(*tab));
		if (!tab)
			return NULL;
		for (size_t j = 0; j < rs->cap; j++) {
			if (!rs->tab[j].key)
				continue;
			for (i = key_hash(rs->tab[j].key) & (cap - 1); tab[i].key; i = (i + 1) & (cap - 1))
				;
			tab[i] = rs->tab[j];
		}
		free(rs->tab);
		rs->tab = tab;
		rs->cap = cap;
	}
	for (i = key_hash(key) & (rs->cap - 1); rs->tab[i].key; i = (i + 1) & (rs->cap - 1))
		;
	if (!(rs->tab[i].key = strdup(key)))
		return NULL;
	rs->used++;
	*made = 1;
	return &rs->tab[i];
}

/* Add rule i to the posting of key. 0, or -1 on ENOMEM. */
static int key_post(struct story_rules *rs, const char *key, size_t i)
{
	int made;
	struct rule_key *k = key_add(rs, key, &made);
	struct posting *p = k ? &k->p : NULL;

	if (!p)
		return -1;
	if (p->n && p->v[p->n - 1] == i)
		return 0;
	if (p->n == p->alloc) {
		size_t alloc = p->alloc ? p->alloc * 2 : 4;
		size_t *v = realloc(p->v, alloc * sizeof(*v));
		if (!v)
			return -1;
		p->v = v;
		p->alloc = alloc;
	}
	p->v[p->n++] = i;
	return 0;
}

/* 1 when key was seen before, else 0 (it is now), -1 on ENOMEM. */
static int key_seen(struct story_rules *rs, const char *key)
{
	int made;

	if (!key_add(rs, key, &made))
		return -1;
	return !made;
}

static const struct posting *key_posting(const struct story_rules *rs, const char *key)
{
	const struct rule_key *k = key_find(rs, key);

	return k ? &k->p : NULL;
}

void story_rules_free(struct story_rules *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; rs->w && i < rs->n; i++)
		words_release(&rs->w[i]);
	for (size_t i = 0; rs->tab && i < rs->cap; i++) {
		free(rs->tab[i].key);
		free(rs->tab[i].p.v);
	}
	free(rs->w);
	free(rs->tab);
	free(rs);
}

static int index_rule(struct story_rules *rs, size_t i, struct buf *key)
{
	const struct story_rule *r = &rs->r[i];
	const struct words *w = &rs->w[i];
	int text_seen, section_seen = 1;

	buf_reset(key);
	if (buf_addf(key, "t%s", r->text) < 0 || (text_seen = key_seen(rs, key->p)) < 0)
		return -1;
	if (r->section) {
		buf_reset(key);
		if (buf_addf(key, "u%zu:%s%s", strlen(r->section), r->section, r->text) < 0 ||
		    (section_seen = key_seen(rs, key->p)) < 0)
			return -1;
		buf_reset(key);
		if (!section_seen && (buf_addf(key, "s%s", r->section) < 0 || key_post(rs, key->p, i) < 0))
			return -1;
	}
	for (size_t k = 0; k < w->n; k++) {
		char one[64];
		const char *low = w->v[k].low;

		buf_reset(key);
		if (!text_seen && strlen(words_singular(low, one, sizeof(one))) > 2 &&
		    (buf_addf(key, "o%s", one) < 0 || key_post(rs, key->p, i) < 0))
			return -1;
		if (strlen(low) < 3)
			continue;
		buf_reset(key);
		if (!text_seen && (buf_addf(key, "p%.3s", low) < 0 || key_post(rs, key->p, i) < 0))
			return -1;
		buf_reset(key);
		if (!section_seen && (buf_addf(key, "q%.3s%zu:%s", low, strlen(r->section), r->section) < 0 ||
				      key_post(rs, key->p, i) < 0))
			return -1;
	}
	return 0;
}

struct story_rules *story_rules_new(const struct story_rule *rules, size_t n)
{
	struct story_rules *rs = calloc(1, sizeof(*rs));
	struct buf key = BUF_INIT;
	int failed;

	if (!rs || !(rs->w = calloc(n + 1, sizeof(*rs->w))) ||
	    !(rs->tab = calloc(rs->cap = 64, sizeof(*rs->tab)))) {
		story_rules_free(rs);
		oom();
		return NULL;
	}
	rs->r = rules;
	rs->n = n;
	failed = 0;
	for (size_t i = 0; !failed && i < n; i++)
		failed = words_split(&rs->w[i], rules[i].text, strlen(rules[i].text)) < 0 ||
			 index_rule(rs, i, &key) < 0;
	buf_release(&key);
	if (failed) {
		story_rules_free(rs);
		oom();
		return NULL;
	}
	return rs;
}

/* What a story looks for in the rules. */
struct rule_query {
	char stem[64];      /* the goal's verb without a final 'e' ("delet") */
	char obj[64];       /* the goal's object, singular ("project"), or "" */
	int stemmed;        /* the verb is long enough to look for */
	int writes;         /* a verb that writes: its object's rules apply */
	const char *section;
};

static void rule_query(const struct words *g, const struct story *st, struct rule_query *q)
{
	size_t oa, oz, n;

	snprintf(q->stem, sizeof(q->stem), "%s", g->v[0].low);
	n = strlen(q->stem);
	if (n > 3 && q->stem[n - 1] == 'e')
		q->stem[n - 1] = '\0';
	q->stemmed = n >= 3;
	q->writes = words_in(g, 0, write_verbs);
	q->obj[0] = '\0';
	goal_object(g, 0, &oa, &oz);
	if (oa < oz && !words_in(g, oz - 1, pronouns) &&
	    strlen(words_singular(g->v[oz - 1].low, q->obj, sizeof(q->obj))) <= 2)
		q->obj[0] = '\0';
	q->section = st->section;
}

/*
 * Does rule i constrain the story? When it names the story's action
 * ("... cannot be deleted" for "delete a project") and its object or
 * section, or when the story writes something the rule is about.
 */
static int rule_applies(const struct story_rules *rs, size_t i, const struct rule_query *q)
{
	static const char *const bounds[] = {
		"not", "cannot", "never", "only", "must", "shall", "required", "unique",
		"least", "most", "maximum", "minimum", "between", "exactly", "no", "mandatory", NULL
	};
	const struct story_rule *r = &rs->r[i];
	const struct words *rw = &rs->w[i];
	int same = q->section && r->section && !strcmp(q->section, r->section);
	int bounded = 0;

	if (!same && !(q->obj[0] && has_word(rw, q->obj, SIZE_MAX)))
		return 0;
	/* the rule names the story's action: "reports are deleted after a year" */
	if (q->stemmed && has_stem(rw, q->stem))
		return 1;
	if (!q->writes)
		return 0;
	/* a story that writes takes the bounds on what it writes, not what is
	 * merely possible ("Tasks can be shared"), and outside its section
	 * only a rule about its object ("A task cannot be due in the past",
	 * not "... while it has open tasks") */
	for (size_t k = 0; k < rw->n && !bounded; k++)
		bounded = words_in(rw, k, bounds);
	return bounded && (same || has_word(rw, q->obj, 6));
}

/*
 * The rules that may apply, in two ascending lists: by object and by
 * section. A verb that writes takes every rule naming its object or in
 * its section; another one only those with a word starting like it.
 */
static void rule_candidates(const struct story_rules *rs, const struct rule_query *q,
			    const struct posting **by_obj, const struct posting **by_section)
{
	struct buf key = BUF_INIT;
	const struct posting *o = NULL, *p = NULL;

	*by_obj = *by_section = NULL;
	if (!q->writes && !q->stemmed)
		return;
	if (q->obj[0] && buf_addf(&key, "o%s", q->obj) == 0)
		o = key_posting(rs, key.p);
	buf_reset(&key);
	if (q->writes)
		*by_obj = o;
	else if (o && buf_addf(&key, "p%.3s", q->stem) == 0 && (p = key_posting(rs, key.p)))
		*by_obj = p->n < o->n ? p : o;
	buf_reset(&key);
	if (q->section && (q->writes ? buf_addf(&key, "s%s", q->section) :
			   buf_addf(&key, "q%.3s%zu:%s", q->stem, strlen(q->section), q->section)) == 0)
		*by_section = key_posting(rs, key.p);
	buf_release(&key);
}

json_t *story_criteria(const struct story *st, const struct story_rules *rules)
{
	json_t *arr = json_array();
	struct buf given = BUF_INIT, when = BUF_INIT;
	struct words g = WORDS_INIT;
	char *goal3 = story_person(st->goal, 0);
	char *then = goal3 ? then_for(st, goal3) : NULL;
	const char *role = st->role[0] ? st->role : "user";
	int failed = !arr || !then || words_split(&g, goal3, strlen(goal3)) < 0;

	if (!failed)
		failed = buf_addf(&given, "%s %s", story_article(role), role) < 0;
	if (!failed && (st->system || !strncmp(goal3, "be ", 3)))
		failed = buf_addstr(&when, st->condition ? st->condition : "the situation arises") < 0;
	else if (!failed)
		failed = buf_addf(&when, "they %s", goal3) < 0;
	if (!failed && st->condition && !st->system && strncmp(goal3, "be ", 3)) {
		char *cond = as_clause(st->condition);
		failed = !cond || add_criterion(arr, cond, when.p, then) < 0;
		free(cond);
	} else if (!failed) {
		failed = add_criterion(arr, given.p, when.p, then) < 0;
	}
	if (!failed && g.n && rules) {
		const struct posting *a, *b;
		struct rule_query q;
		size_t i = 0, j = 0, added[MAX_RULE_CRITERIA], nadded = 0;

		rule_query(&g, st, &q);
		rule_candidates(rules, &q, &a, &b);
		/* both lists in document order, merged; a text once */
		while (!failed && nadded < MAX_RULE_CRITERIA) {
			size_t ra = a && i < a->n ? a->v[i] : SIZE_MAX;
			size_t rb = b && j < b->n ? b->v[j] : SIZE_MAX;
			size_t r = ra < rb ? ra : rb, k;

			if (r == SIZE_MAX)
				break;
			i += ra == r;
			j += rb == r;
			if (!rule_applies(rules, r, &q))
				continue;
			for (k = 0; k < nadded && strcmp(rules->r[added[k]].text, rules->r[r].text); k++)
				;
			if (k < nadded)
				continue;
			added[nadded++] = r;
			char *rule = as_clause(rules->r[r].text);
			failed = !rule || add_criterion(arr, given.p, when.p, rule) < 0;
			free(rule);
		}
	}
	free(then);
	free(goal3);
	words_release(&g);
	buf_release(&given);
	buf_release(&when);
	if (failed) {
		json_decref(arr);
		oom();
		return NULL;
	}
	return arr;
}
