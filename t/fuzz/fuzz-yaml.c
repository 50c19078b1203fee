/*
 * fuzz-yaml.c - libFuzzer target for the YAML reader and writer
 * (lib/yamljson.c).
 *
 * Each input is parsed as a YAML document. When that succeeds the value is
 * written back as YAML, which must work, and parsed again, which must give
 * an equal value: whatever the reader accepts, the writer must be able to
 * say in a form the reader takes back unchanged. When the input is JSON
 * text as well, that value must make the same round trip, so the writer
 * also meets the strings JSON escapes make easy to reach. Only two
 * failures of the writer are allowed: YAML past 16 MiB (aliases, or deep
 * nesting indented, can make it that large) and, for JSON, nesting deeper
 * than the YAML limit. A violation traps.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "error.h"
#include "yamljson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int allowed_failure(void)
{
	return !strncmp(ak_errmsg(), "too large", 9) ||
	       !strcmp(ak_errmsg(), "cannot write YAML: nested more than 512 levels deep");
}

/* v must come back from yaml_emit and yaml_parse as itself. */
static void round_trip(json_t *v)
{
	struct buf out;
	json_t *back;

	buf_init(&out, 16 << 20);
	if (yaml_emit(v, &out) < 0) {
		if (out.len != 0 || !allowed_failure())
			abort();
	} else {
		back = yaml_parse(out.p, out.len, "emitted.yaml");
		if (!back || !json_equal(v, back))
			abort();
		json_decref(back);
	}
	buf_release(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *v = yaml_parse((const char *)data, size, "fuzz.yaml");

	if (v) {
		round_trip(v);
		json_decref(v);
	} else if (ak_errcode() != AK_EXIT_DATAERR) {
		abort();
	}
	v = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL,
		       NULL);
	if (v) {
		round_trip(v);
		json_decref(v);
	}
	return 0;
}
