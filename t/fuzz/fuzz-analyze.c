/*
 * fuzz-analyze.c - libFuzzer target for the analysis rules (lib/analyze/).
 *
 * The first input byte picks what the rest is fed to, as agent-analyze
 * would feed it (the byte less '0', modulo 5, so that a seed file starts
 * with a digit):
 *
 *   0  analyze_document on Markdown, then every renderer on the result
 *   1  the same on plain text
 *   2  qus_lint, the backlog check of --lint
 *   3  analyze_classify_line on each line without a NUL byte, as
 *      --classify does
 *   4  every renderer on the rest read as JSON: the renderers promise a
 *      valid document for any analysis, even one of the wrong shape
 *
 * Besides what the sanitizers catch, a broken promise of the API traps:
 * an analysis refused for anything but bad data (AK_EXIT_DATAERR),
 * an analysis jansson cannot serialise, ids that are not US-1, US-2, ...
 * (NFR-, Q- alike) in order, a renderer failing on an unlimited buffer, a
 * wireframe path the workspace would refuse, output lines that are not
 * JSON, and a lint total that is not the sum of the defects it wrote.
 *
 * Under ASan a malloc that cannot be served aborts the run instead of
 * returning NULL, so nothing here can really run out of memory: a failure
 * reported as "out of memory" is a failure of something else (jansson
 * refusing a string that is not UTF-8, say) and traps too.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "error.h"
#include "workspace.h"
#include "analyze/analyze.h"
#include "analyze/qus.h"
#include "analyze/render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Members of arr are objects whose "id" is prefix1, prefix2, ... */
static void check_ids(const json_t *a, const char *key, const char *prefix)
{
	const json_t *arr = json_object_get(a, key), *o;
	size_t i;

	if (!json_is_array(arr))
		__builtin_trap();
	json_array_foreach(arr, i, o) {
		char want[32];
		const char *id = json_string_value(json_object_get(o, "id"));

		snprintf(want, sizeof(want), "%s%zu", prefix, i + 1);
		if (!id || strcmp(id, want))
			__builtin_trap();
	}
}

static int check_page(void *ctx, const char *relpath, const char *page, size_t len)
{
	size_t *pages = ctx;

	if (workspace_check_path(relpath) < 0 || strncmp(relpath, "wireframes/", 11))
		__builtin_trap();
	if (len && !page)
		__builtin_trap();
	(*pages)++;
	return 0;
}

static void render_all(const json_t *a)
{
	int (*const docs[])(const json_t *, struct buf *) = {
		render_prd, render_feature, render_model
	};
	size_t pages = 0;

	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		struct buf b = BUF_INIT;

		if (docs[i](a, &b) < 0)
			__builtin_trap();
		if (b.p && strlen(b.p) != b.len)
			__builtin_trap();   /* a NUL inside a text document */
		buf_release(&b);
	}
	if (render_wireframes(a, check_page, &pages) < 0)
		__builtin_trap();
	if (pages == 0 || (pages - 1) % 3)
		__builtin_trap();   /* the index, then list, detail and form per entity */
}

static void analyze(const char *text, size_t len, int markdown)
{
	json_t *a = analyze_document(NULL, text, len, markdown);
	char *s;

	if (!a) {
		if (ak_errcode() != AK_EXIT_DATAERR)
			__builtin_trap();
		return;
	}
	if (!(s = json_dumps(a, JSON_COMPACT)))
		__builtin_trap();
	free(s);
	if (!json_is_string(json_object_get(a, "title")))
		__builtin_trap();
	check_ids(a, "stories", "US-");
	check_ids(a, "nfrs", "NFR-");
	check_ids(a, "questions", "Q-");
	render_all(a);
	json_decref(a);
}

static int lint_line(void *ctx, const char *line, size_t len)
{
	long *defects = ctx;
	json_error_t jerr;
	json_t *o;

	if (!len || line[len - 1] != '\n')
		__builtin_trap();
	o = json_loadb(line, len - 1, JSON_ALLOW_NUL, &jerr);
	if (!json_is_object(o) || !json_is_array(json_object_get(o, "defects")) ||
	    json_integer_value(json_object_get(o, "line")) < 1)
		__builtin_trap();
	*defects += (long)json_array_size(json_object_get(o, "defects"));
	json_decref(o);
	return 0;
}

static void lint(const char *text, size_t len)
{
	long written = 0, n = qus_lint(text, len, lint_line, &written);

	if (n < 0 || n != written)
		__builtin_trap();
}

static void classify(const char *text, size_t len)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct buf b = BUF_INIT;
		json_t *o;

		if (memchr(p, '\0', n)) {
			p += n + 1;   /* agent-analyze refuses such a line itself */
			continue;
		}
		if (analyze_classify_line(p, n, &b) < 0)
			__builtin_trap();
		o = json_loadb(b.p, b.len, 0, NULL);
		if (!json_is_string(json_object_get(o, "class")) ||
		    !json_is_string(json_object_get(o, "cue")))
			__builtin_trap();
		json_decref(o);
		buf_release(&b);
		p += n + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data + 1;
	unsigned mode;
	json_t *a;

	if (size < 1)
		return 0;
	size--;
	mode = (uint8_t)(data[0] - '0') % 5;
	switch (mode) {
	case 0:
	case 1:
		analyze(text, size, mode == 0);
		break;
	case 2:
		lint(text, size);
		break;
	case 3:
		classify(text, size);
		break;
	default:
		if ((a = json_loadb(text, size, JSON_DECODE_ANY, NULL)))
			render_all(a);
		json_decref(a);
		break;
	}
	return 0;
}
