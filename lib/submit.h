/*
 * submit.h - requirement documents into requirement.submitted events.
 *
 * A document is Markdown or plain text, given as a file or on stdin. Its
 * title is the first heading (Markdown) or first line (text); its feature
 * id is a slug of the title plus a short hash of the text. With split, a
 * Markdown document gives one event per top-level section: the shallowest
 * heading level, or the one below a lone document title.
 */
#ifndef AK_SUBMIT_H
#define AK_SUBMIT_H

#include <stddef.h>
#include <jansson.h>

#include "event.h"

struct submit_opts {
	int split;
	const char *format;   /* "markdown", "text", or NULL to guess */
	const char *title;    /* overrides the derived title */
};

#define SUBMIT_OPTS_INIT { 0, NULL, NULL }

/*
 * Append to events (an array) the requirement.submitted events for the
 * document text[0..len) that came from origin (a path or "stdin").
 * Returns the number appended, or -1 with ak_error (AK_EXIT_DATAERR for a
 * document that is empty, binary or not UTF-8), leaving events unchanged.
 */
int submit_document(struct event_ctx *ec, const char *origin, const char *text, size_t len,
		    const struct submit_opts *opts, json_t *events);

/* "markdown" or "text", from the file name, or else the content. */
const char *submit_guess_format(const char *origin, const char *text, size_t len);

#endif
