/*
 * fuzz-reply.c - libFuzzer target for what the llm engine does with a
 * model's reply and a schema (lib/jschema.c, lib/analyze/brief.c).
 *
 * The first byte picks the side. 0-127: the rest is a reply, checked
 * against the analyst's schema and, when it passes, merged into an
 * analysis; a reply that passed must merge. 128-255: the rest is a schema,
 * checked, then applied to a few instances; check and validate must agree
 * on whether it can be applied.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "jschema.h"
#include "analyze/brief.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void reply_side(const char *p, size_t n)
{
	json_t *reply = json_loadb(p, n, 0, NULL), *errors = json_array(), *a;
	int v;

	if (!reply) {
		json_decref(errors);
		return;
	}
	v = jschema_validate(brief_schema(), reply, errors, 20);
	if (v < 0 || (v == 0 && json_array_size(errors)) || (v == 1 && !json_array_size(errors)))
		abort();
	if (v == 0) {
		a = json_pack("{s:s,s:[]}", "title", "t", "goals");
		if (brief_merge(a, reply) < 0)
			abort();
		json_decref(a);
	}
	json_decref(reply);
	json_decref(errors);
}

static void schema_side(const char *p, size_t n)
{
	static const char *const instances[] = {
		"null", "0", "1.5", "\"text\"", "[1,\"a\",[]]", "{\"a\":1,\"b\":[true]}", NULL
	};
	json_t *schema = json_loadb(p, n, JSON_DECODE_ANY, NULL);
	int ok;

	if (!schema)
		return;
	ok = jschema_check(schema) == 0;
	for (const char *const *i = instances; *i; i++) {
		json_t *inst = json_loads(*i, JSON_DECODE_ANY, NULL), *errors = json_array();
		int v = jschema_validate(schema, inst, errors, 5);

		if ((v < 0) == ok)
			abort();
		json_decref(inst);
		json_decref(errors);
	}
	json_decref(schema);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] < 128)
		reply_side((const char *)data + 1, size - 1);
	else
		schema_side((const char *)data + 1, size - 1);
	return 0;
}
