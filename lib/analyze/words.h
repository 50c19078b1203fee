/*
 * words.h - a sentence as a list of words, for the analysis rules.
 *
 * Every rule of agent-analyze looks at words, not bytes: "the system shall
 * respond within 2 seconds" is the words the / system / shall / respond /
 * within / 2 / seconds. A word is a run of letters, digits, and the
 * apostrophes, hyphens, dots and slashes inside it ("user's", "e-mail",
 * "2.5", "24/7"); everything else separates words. Each word keeps where it
 * is in the sentence and a lowercase copy (ASCII folding; other UTF-8
 * bytes are kept as they are, so words of other languages still compare).
 *
 * A struct words owns its arrays; the sentence it was split from is
 * borrowed and must outlive it.
 */
#ifndef AK_ANALYZE_WORDS_H
#define AK_ANALYZE_WORDS_H

#include <stddef.h>
#include <jansson.h>

struct word {
	const char *p;      /* into the sentence */
	size_t len;
	const char *low;    /* lowercase copy, NUL-terminated, owned by the words */
	int punct_after;    /* the separator after the word holds , ; : ( or ) */
};

struct words {
	struct word *v;
	size_t n;
	size_t alloc;
	char *lowbuf;       /* storage of every low */
	size_t lowcap;
};

#define WORDS_INIT { NULL, 0, 0, NULL, 0 }

/*
 * Split s[0..len) into w (previous content is dropped; the arrays are
 * reused). Returns 0, or -1 with ak_error on ENOMEM.
 */
int words_split(struct words *w, const char *s, size_t len);
void words_release(struct words *w);

/* 1 when word i exists and its lowercase form is lit. */
int words_is(const struct words *w, size_t i, const char *lit);

/* 1 when the lowercase word low is one of the NULL-terminated list. */
int words_listed(const char *low, const char *const *list);

/* 1 when word i exists and is one of the NULL-terminated list. */
int words_in(const struct words *w, size_t i, const char *const *list);

/*
 * The index of the first occurrence at or after from of phrase (lowercase
 * words separated by single spaces, e.g. "as soon as"), or -1.
 */
long words_find(const struct words *w, size_t from, const char *phrase);

/* The number of words of phrase (as for words_find) that stand at word i, or 0. */
size_t words_phrase_at(const struct words *w, size_t i, const char *phrase);

/* 1 when the word is all digits (with . , : / inside, e.g. "2.5", "24/7"). */
int word_is_number(const struct word *wd);

/*
 * The singular of a lowercase English noun into out (size cap): "tasks" ->
 * "task", "categories" -> "category", "addresses" -> "address", "status"
 * stays. Returns out.
 */
char *words_singular(const char *low, char *out, size_t cap);

/*
 * A new JSON string of p[0..n) with every byte that does not start a valid
 * UTF-8 sequence replaced by U+FFFD: text taken from input may be anything,
 * and jansson refuses what is not UTF-8. NULL on ENOMEM.
 */
json_t *words_text_json(const char *p, size_t n);

#endif
