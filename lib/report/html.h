/*
 * html.h - the report page: one static HTML5 document from the model of
 * lib/report/model.h, with its style and its charts inline, no script and
 * no external resource, every text from events escaped.
 */
#ifndef AK_REPORT_HTML_H
#define AK_REPORT_HTML_H

#include <stddef.h>

#include <jansson.h>

struct buf;

/* The Content-Security-Policy of the page, in its meta tag. */
#define REPORT_CSP "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

/*
 * Append s to out escaped for HTML text and attribute values: & < > " '
 * become references, and control characters other than tab and newline
 * (which HTML does not allow) become U+FFFD. NULL appends nothing. 0, or
 * -1 with ak_error when out is full (out then holds part of s).
 */
int report_escape(struct buf *out, const char *s);

/*
 * Append the whole page for model (report_model_json's document) to out.
 * The page depends on model alone, so the same model gives the same bytes.
 * 0, or -1 with ak_error (out of memory, or out's limit reached).
 */
int report_html(const json_t *model, struct buf *out);


#endif
