/*
 * shwords.h - split a command line into words the way a shell would,
 * without a shell: for `agent-test --run CMD`, which runs CMD by argv.
 *
 * Blanks separate words; '...' keeps its text as it is; "..." keeps its
 * text, a backslash escaping only \ " $ and ` there; outside quotes a
 * backslash keeps the next character. Nothing is expanded. Characters
 * that only mean something to a shell (| & ; < > ( ) $ `), when not
 * quoted, are refused with a hint to use a shell, so that
 * "make check | tee log" is not silently run as make with four arguments.
 */
#ifndef AK_SHWORDS_H
#define AK_SHWORDS_H

#include <jansson.h>

/*
 * The words of s as a JSON array of strings (new reference), or NULL with
 * ak_error(AK_EXIT_USAGE) for an unterminated quote, shell syntax or no
 * word at all.
 */
json_t *shwords_split(const char *s);

struct buf;

/*
 * Write word into out (reset first, NUL-terminated) with every "{KEY}"
 * whose KEY is one of pairs replaced by its value: pairs holds KEY, VALUE,
 * KEY, VALUE, ..., NULL. Other braces stay as they are. For the
 * placeholders of a command given by a user ("deploy {environment}"),
 * replaced word by word after splitting, so a value is never split or
 * read as syntax. 0, or -1 when out is full.
 */
int shwords_expand(struct buf *out, const char *word, const char *const *pairs);

#endif
