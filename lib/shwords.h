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

#endif
