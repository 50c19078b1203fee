/*
 * classify.h - is a requirement functional, and if not, what quality is it
 * about?
 *
 * A requirement sentence either says what the system does for someone
 * ("The system shall allow users to search for a movie by title") or a
 * quality it must have ("Pages shall load within 2 seconds"). The
 * classifier is a weighted cue model: each non-functional category has cue
 * words and phrases with weights, the main verb of the sentence weighs for
 * "functional", and the best score wins. Categories follow the PROMISE NFR
 * scheme. Same words in, same answer out; nothing is allocated.
 */
#ifndef AK_ANALYZE_CLASSIFY_H
#define AK_ANALYZE_CLASSIFY_H

#include "analyze/words.h"

struct nfr_class {
	/*
	 * A static string: "functional", or one of "availability",
	 * "fault tolerance", "legal", "look and feel", "maintainability",
	 * "operational", "performance", "portability", "scalability",
	 * "security", "usability".
	 */
	const char *category;
	/*
	 * The words that decided, lowercase and NUL-terminated ("within 2
	 * seconds", "easy to use"); for a functional sentence the words that
	 * made it functional ("shall allow"), or "default" when nothing spoke
	 * for any category.
	 */
	char cue[64];
};

/*
 * Classify the sentence split into w and fill *out. Returns 0; it cannot
 * fail (the int is for callers that treat every rule alike). A sentence of
 * no words is "functional" with the cue "default".
 */
int classify_requirement(const struct words *w, struct nfr_class *out);

/*
 * 1 when the sentence carries a measure: a number with a unit ("2
 * seconds", "500 users", "99.9%", "10 MB", "24/7"), or a bound such as
 * "within", "at most", "at least", "no more than", "per second". Else 0.
 */
int classify_measurable(const struct words *w);

/* The categories in tie-break order, NULL-terminated ("functional" first). */
extern const char *const classify_categories[];

#endif
