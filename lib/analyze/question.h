/*
 * question.h - the open questions an analyst asks about one requirement.
 *
 * A requirement that says "fast", hides its actor behind a passive verb or
 * "it must be possible", leaves a part "TBD", or is a quality requirement
 * without a number cannot be built or tested as written. questions_check
 * finds these in one sentence and words each as a question to put to the
 * people who wrote it:
 *
 *   vague                vague or unmeasurable words ("fast", "easy",
 *                        "etc.", "and/or", "as appropriate", ...)
 *   passive              a passive verb with no "by" naming who acts
 *                        ("The report is generated every night.")
 *   missing_actor        a modal verb with no subject, or with "it",
 *                        "this", "that", "there" or "one" as its subject
 *                        ("It must be possible to export data.")
 *   tbd                  a part not decided yet (TBD, TODO, "???", ...)
 *   nfr_without_measure  a non-functional requirement without a measure
 *
 * Every question is an object {"kind", "text", "source", "cue"}: source is
 * the whole sentence, cue the words found, as written there ("" for
 * nfr_without_measure, which is about the whole sentence). Bytes that are
 * not valid UTF-8 become U+FFFD in the JSON strings.
 */
#ifndef AK_ANALYZE_QUESTION_H
#define AK_ANALYZE_QUESTION_H

#include <stddef.h>

#include <jansson.h>

#include "analyze/words.h"

/* At most this many questions are asked about one sentence: the first ones. */
#define QUESTIONS_MAX 16

/*
 * Append to qs (a JSON array, borrowed) one object {"kind", "text",
 * "source", "cue"} per problem found in the sentence s[0..len), which w is
 * the words_split of. is_nfr: the sentence is a non-functional requirement;
 * measurable: it carries a measure (the caller knows). The objects have no
 * "id": the caller numbers them.
 *
 * Questions come in the order of their cue in the sentence (the
 * nfr_without_measure question last); a vague word or a verb found twice
 * gives one question. Returns the number appended, or -1 with ak_error on
 * ENOMEM, in which case qs is left as it was.
 */
int questions_check(const struct words *w, const char *s, size_t len, int is_nfr,
		    int measurable, json_t *qs);

#endif
