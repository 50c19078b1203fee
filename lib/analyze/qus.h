/*
 * qus.h - user stories: reading one, and checking its quality.
 *
 * A user story in the Connextra form says who wants what and why: "As a
 * <role>, I want <goal>, so that <benefit>." qus_parse finds the three
 * parts. qus_check and qus_check_set apply the Quality User Story
 * framework's syntactic and pragmatic criteria (Lucassen, Dalpiaz, van der
 * Werf and Brinkkemper, 2016):
 *
 *   well_formed    the story has a role and a means (what is wanted)
 *   atomic         it asks for one thing: no "add and delete tasks"
 *   minimal        role, means and end only: no parentheses, examples,
 *                  references, notes or further sentences
 *   full_sentence  the goal is a verb phrase, the sentence is finished, no
 *                  word is doubled ("the the")
 *   unique         no two stories share a text or a goal (set)
 *   uniform        every story follows the template most stories follow
 *                  (set)
 *
 * A story without a benefit has no defect: QUS does not ask for one.
 * Defects are objects {"rule", "message"}; messages start lowercase and
 * have no full stop. Bytes that are not valid UTF-8 become U+FFFD in the
 * JSON strings.
 */
#ifndef AK_ANALYZE_QUS_H
#define AK_ANALYZE_QUS_H

#include <stddef.h>

#include <jansson.h>

/* Spans into the story text; benefit is NULL when the story has none. */
struct story_parts {
	const char *role, *goal, *benefit;
	size_t role_len, goal_len, benefit_len;
};

/*
 * 1 when s[0..len) is a Connextra story with a role and a goal, 0 when not
 * (sp is then cleared). Accepted: "As a|an|the ROLE, I want (to) GOAL[, so
 * that BENEFIT][.]", with "I'd like", "I would like", "I need", "I wish" or
 * "I can" for "I want", and "In order to BENEFIT, as a ROLE, I want GOAL".
 * The role leaves out its article ("a user" gives "user"), the goal a
 * leading "to"; the spans are trimmed of spaces and punctuation at both
 * ends. A further sentence after the story is not part of any span.
 */
int qus_parse(const char *s, size_t len, struct story_parts *sp);

/*
 * Append the defects {"rule", "message"} of the story s[0..len) to out (a
 * JSON array, borrowed), in the order well_formed, atomic, minimal,
 * full_sentence. A text that is not a story at all gets one well_formed
 * defect and no other. Returns the number appended, or -1 with ak_error
 * on ENOMEM (out is then left as it was).
 */
int qus_check(const char *s, size_t len, json_t *out);

/*
 * The checks over a set of stories texts[i][0..lens[i]), i < n: unique
 * (the same text, or the same goal, as an earlier story; compared without
 * case, articles, plurals and punctuation) and uniform (not the opening,
 * the "I want" or the "so that" most of the stories use, when a clear
 * majority of at least two uses one). Appends {"story", "rule", "message"}
 * objects to out (borrowed), story being the 0-based index, ordered by
 * story then rule. Messages count stories from 1 ("story 3" is texts[2]).
 * Returns the number appended, or -1 with ak_error on ENOMEM (out is then
 * left as it was).
 */
int qus_check_set(const char *const *texts, const size_t *lens, size_t n, json_t *out);

/*
 * Receives one line of the lint report: line[0..len), a JSON object and a
 * newline. Returns 0, or non-zero to stop (after recording why with
 * ak_error).
 */
typedef int (*qus_write_fn)(void *ctx, const char *line, size_t len);

/*
 * Lint a backlog buf[0..len): one story per line; blank lines and lines
 * whose first non-blank character is '#' are skipped. For every other line,
 * in order, write calls once with {"line": N (from 1), "story": the line
 * without surrounding white space, "defects": [{"rule", "message"}...]}:
 * the story's own defects, then those of the set checks, which name other
 * stories by their line ("the same text as line 2"). A line that is
 * not a story gets the well_formed defect "not a user story: expected \"As
 * a <role>, I want <goal>[, so that <benefit>]\"".
 *
 * Returns the total number of defects, or -1 with ak_error on ENOMEM, or
 * when write returns non-zero (nothing more is written then).
 */
long qus_lint(const char *buf, size_t len, qus_write_fn write, void *ctx);

#endif
