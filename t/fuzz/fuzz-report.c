/*
 * fuzz-report.c - libFuzzer target for the report page (lib/report/):
 * events in, the model, the HTML page and its chart out.
 *
 * Each input is a set of event lines, as the store would give them back.
 * Every line goes into one model (lines that are not events are refused
 * and must leave the model usable); the model's document is then written
 * as a page. Whatever the events hold, the page must be written, must not
 * carry a tag that came from an event (no "<script", "<iframe", "<img",
 * "<object", "<a " other than the page's own links), must be one
 * document, and must come out the same when written twice. A failure of
 * any of these traps.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "report/html.h"
#include "report/model.h"
#include "banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A tag the page never writes itself: one that came from an event. */
static int foreign_tag(const char *page)
{
	static const char *const tags[] = { "<script", "<iframe", "<img", "<object", "<embed",
					    "<link", "<form", "<input", "<base", "<meta http-equiv=\"refresh" };

	for (size_t i = 0; i < sizeof(tags) / sizeof(*tags); i++)
		if (strstr(page, tags[i]))
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	struct report_model *m = report_model_new();
	struct buf a = BUF_INIT, b = BUF_INIT;
	json_t *doc;

	if (!m)
		return 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		report_model_add(m, p, len);
		p += len + 1;
	}
	doc = report_model_json(m, "fuzz <title>");
	if (!doc)
		__builtin_trap();
	if (report_html(doc, &a) < 0 || report_html(doc, &b) < 0)
		__builtin_trap();
	if (a.len != b.len || memcmp(a.p, b.p, a.len))
		__builtin_trap();
	if (strncmp(a.p, "<!DOCTYPE html>\n", 16) || strcmp(a.p + a.len - 8, "</html>\n"))
		__builtin_trap();
	if (foreign_tag(a.p) || strlen(a.p) != a.len)
		__builtin_trap();
	buf_release(&a);
	buf_release(&b);
	json_decref(doc);
	report_model_free(m);
	return 0;
}
