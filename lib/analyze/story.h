/*
 * story.h - from requirement sentences to user stories.
 *
 * story_shape reads what kind of sentence a requirement is: who acts (the
 * subject before the modal verb), how strongly it is asked for (the modal
 * verb, or an explicit MoSCoW marker), whether it is a rule ("cannot",
 * "must not", "only") rather than a goal. story_extract turns a functional
 * requirement into one story per atomic goal: "users can create, edit and
 * delete tasks" gives three. story_criteria writes Given/When/Then
 * acceptance criteria for a story from its own condition clauses and the
 * rules that name the same things.
 */
#ifndef AK_ANALYZE_STORY_H
#define AK_ANALYZE_STORY_H

#include <stddef.h>
#include <jansson.h>

#include "analyze/words.h"

enum shape_kind {
	SHAPE_NONE,      /* not a requirement (description, entity sentence, ...) */
	SHAPE_GOAL,      /* an actor or the system is to do something */
	SHAPE_RULE,      /* a constraint: cannot, must not, only, at most, ... */
	SHAPE_STORY,     /* already a Connextra story */
};

struct shape {
	enum shape_kind kind;
	const char *priority;    /* "must", "should", "could", "wont" (static) */
	long modal;              /* index of the modal word, or -1 */
	long subject_start;      /* after leading determiners */
	int system_subject;      /* the system/application/service acts */
	int no_actor;            /* it/there/this, or nothing, before the modal */
};

/*
 * Read the shape of sentence w (list_item: it is a list item, which makes
 * a requirement of a sentence without a modal verb; section: the heading
 * it is under, which can set the priority). Never fails.
 */
void story_shape(const struct words *w, int list_item, const char *section, struct shape *sh);

struct story {
	char *role;       /* lowercase noun phrase, e.g. "warehouse manager" */
	char *goal;       /* verb phrase in the first person, without a final stop */
	char *benefit;    /* "" when none */
	char *condition;  /* a when/if clause of the sentence, or NULL */
	const char *priority;
	int system;       /* the goal is the system's ("have the system ...") */
	const char *source, *section;   /* borrowed; set by the caller */
};

struct story_list {
	struct story *v;
	size_t n, alloc;
};

/*
 * Append the stories of requirement s[0..len) (words w, shape sh) to out.
 * default_role names the actor of a sentence whose subject is the system
 * or missing. Returns the number appended, or -1 with ak_error on ENOMEM.
 */
int story_extract(const struct words *w, const char *s, size_t len, const struct shape *sh,
		  const char *default_role, struct story_list *out);

/* Free every story's strings and the array. */
void story_list_release(struct story_list *l);

/* A rule of the document ("A task cannot be due in the past."), borrowed. */
struct story_rule {
	const char *text;
	const char *section;
};

/*
 * The rules of a document read once for every story's criteria: each
 * rule's words, and an index from an object, a section and a verb's stem
 * to the rules that name them. The rules and their strings are borrowed
 * and must outlive it. NULL with ak_error on ENOMEM.
 */
struct story_rules;
struct story_rules *story_rules_new(const struct story_rule *rules, size_t nrules);
void story_rules_free(struct story_rules *rules);

/*
 * The acceptance criteria of st as a new JSON array of {given, when, then}:
 * the outcome of the goal (or of its condition), and one criterion per rule
 * that constrains the story: a rule that names the story's action and its
 * object or section, or one about the object a story writes. Rules are
 * taken in document order, a text once, at most 16 of them (in a document
 * without headings every rule is in every story's section). rules may be
 * NULL (no rules). NULL on ENOMEM.
 */
json_t *story_criteria(const struct story *st, const struct story_rules *rules);

/*
 * The lowercase first word of a noun phrase's head, singular, for matching
 * a role against its mentions ("Warehouse managers" -> "warehouse manager").
 * Writes at most cap bytes to out; returns out.
 */
char *story_role_name(const char *phrase, size_t len, char *out, size_t cap);

/* "a" or "an" before the lowercase word. */
const char *story_article(const char *word);

/*
 * s with its pronouns in the first person ("update their profile" ->
 * "update my profile") when first is non-zero, else in the third. New
 * string (the caller frees it), or NULL on ENOMEM.
 */
char *story_person(const char *s, int first);

#endif
