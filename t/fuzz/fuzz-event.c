/*
 * fuzz-event.c - libFuzzer target for the scanner and the event check on
 * the pass-through path (lib/jscan.c, lib/event.c).
 *
 * Each input is one line as a filter would see it. When jscan accepts it,
 * everything a filter does with a scanned line is done too: event_check,
 * finding "type" and "id", decoding every top-level string and name. The
 * scanner is also compared with jansson: both must agree on what is JSON,
 * except where they differ by design (jscan's depth and member limits,
 * jansson's refusal of lone surrogate escapes, of names holding \u0000 and
 * of numbers it cannot hold). A disagreement outside those is a bug and
 * traps.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "event.h"
#include "jscan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct jscan js;

/* Refusals by jscan that jansson need not share. */
static int jscan_limit(const char *err)
{
	return !strncmp(err, "nesting too deep", 16) ||
	       !strncmp(err, "too many top-level members", 26) ||
	       !strncmp(err, "duplicate member name", 21);
}

/* Refusals by jansson of text that RFC 8259 allows. */
static int jansson_limit(const char *text)
{
	return strstr(text, "Unicode") || strstr(text, "overflow") || strstr(text, "too big") ||
	       strstr(text, "maximum") || strstr(text, "NUL byte in object key");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	char why[192], out[512];
	json_error_t jerr;
	json_t *doc;
	int rc;

	rc = jscan_parse(&js, p, size);
	doc = json_loadb(p, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	if (rc == 0 && !doc && !jansson_limit(jerr.text))
		__builtin_trap();   /* jscan accepted what is not JSON */
	/* (jansson takes a NUL byte for the end of the text) */
	if (rc < 0 && doc && !jscan_limit(js.err) && !memchr(p, '\0', size))
		__builtin_trap();   /* jscan refused valid JSON */
	if (rc < 0 && (js.err[0] == '\0' || js.err_off > size))
		__builtin_trap();
	json_decref(doc);
	if (rc < 0)
		return 0;

	if (js.nmembers > JSCAN_MAX_MEMBERS || (js.type != JS_OBJECT && js.nmembers))
		__builtin_trap();
	why[0] = '\0';
	if (event_check(&js, why, sizeof(why)) == EVENT_BAD && why[0] == '\0')
		__builtin_trap();
	(void)jscan_find(&js, "type");
	(void)jscan_find(&js, "id");
	for (size_t i = 0; i < js.nmembers; i++) {
		const struct jscan_member *m = &js.m[i];
		struct jscan_member key = { .type = JS_STRING, .val = m->key,
					    .val_len = m->key_len, .val_escaped = m->key_escaped };
		long n;

		/* every member lies inside the input */
		if (m->key < p || m->key + m->key_len > p + size ||
		    m->val < p || m->val + m->val_len > p + size)
			__builtin_trap();
		n = jscan_strcpy(&key, out, sizeof(out));
		if (n >= 0 && ((size_t)n >= sizeof(out) || out[n] != '\0'))
			__builtin_trap();
		/* a name found by its decoded form is this member or an equal one */
		if (n >= 0 && strlen(out) == (size_t)n && jscan_find(&js, out) != m)
			__builtin_trap();
		if (m->type != JS_STRING)
			continue;
		n = jscan_strcpy(m, out, sizeof(out));
		if (n >= 0 && strlen(out) == (size_t)n && !jscan_streq(m, out))
			__builtin_trap();
		(void)jscan_strcpy(m, out, 1 + (m->val_len & 7));
	}
	return 0;
}
